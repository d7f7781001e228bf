#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-sweep.sh PHYR_SIM SOURCE_ROOT: what a sweep point costs. Runs the
# 32 cheap points of bench/sweep-cheap.json serially and through GNU
# parallel on 2 jobs, and prints (name value unit):
#   sweep_serial_points_per_s    N points/s
#   sweep_parallel2_points_per_s N points/s
set -eu
sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$2"
s=bench/sweep-cheap.json
n=$("$sim" sweep "$s" --list | wc -l)
now() { date +%s.%N; }
t0=$(now)
"$sim" sweep "$s" >/dev/null
t1=$(now)
rate() { awk -v n="$n" -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", n / (b - a) }'; }
echo "sweep_serial_points_per_s $(rate "$t0" "$t1") points/s"
if command -v parallel >/dev/null; then
	t0=$(now)
	"$sim" sweep "$s" --list | parallel -j2 "$sim" sweep "$s" --point {} >/dev/null
	t1=$(now)
	echo "sweep_parallel2_points_per_s $(rate "$t0" "$t1") points/s"
fi
