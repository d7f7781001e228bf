#!/bin/sh
# SPDX-License-Identifier: MIT
# tty-progress.sh PHYR_SIM small|large: with stderr on a terminal (script(1)),
# phyr-sim mem shows progress by itself only when the run is predicted to
# take over 2 s: never for odirect-128k (small), always for rdma-4k at
# 216G (large: predicted 2.05 s of CPU). --no-progress turns it off.
set -u
sim=$1 case=$2
command -v script >/dev/null 2>&1 || { echo "script(1) not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
on_tty() { script -qec "$*" /dev/null >"$tmp/tty" </dev/null; }
case $case in
small)
	on_tty "'$sim' mem --workload odirect-128k --no-heap --mode none --csv" || exit 1
	grep -q 'phyr-sim mem: odirect' "$tmp/tty" && { echo "progress on a small run"; exit 1; }
	;;
large)
	on_tty "'$sim' mem --workload rdma-4k --size 216G --no-heap --mode none --csv --no-progress" || exit 1
	grep -q 'phyr-sim mem: rdma-4k' "$tmp/tty" && { echo "progress despite --no-progress"; exit 1; }
	on_tty "'$sim' mem --workload rdma-4k --size 216G --no-heap --mode none --csv" || exit 1
	grep -q "$(printf '\rphyr-sim mem: rdma-4k      1/1 100%%')" "$tmp/tty" ||
		{ echo "no progress on a large run:"; cat -A "$tmp/tty" | head; exit 1; }
	;;
esac
echo "ok: $case"
