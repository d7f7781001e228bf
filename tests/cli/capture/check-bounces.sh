#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: check-bounces.sh PHYR_SIM CAPTURE EXPECTED
# Replays CAPTURE with --emit bounces and checks that
# - the first five columns (LINE DEVICE ORIG SIZE LINUX_TLB) are EXPECTED, byte for byte;
# - every line has six columns and MODEL_TLB (column 6) == LINUX_TLB (column 5);
# - stdout holds nothing else and the exit status is 0.
set -eu
sim=$1 capture=$2 expected=$3
out=$(mktemp)
trap 'rm -f "$out" "$out.5"' EXIT
"$sim" capture replay "$capture" --emit bounces > "$out" 2>/dev/null
cut -d' ' -f1-5 "$out" > "$out.5"
if ! cmp -s "$out.5" "$expected"; then
	echo "columns 1-5 differ from $expected:"
	diff "$expected" "$out.5" | head -20
	exit 1
fi
bad=$(awk 'NF != 6 || $6 != $5' "$out" | head -5)
if [ -n "$bad" ]; then
	echo "MODEL_TLB differs from LINUX_TLB (or a line is not 6 columns):"
	echo "$bad"
	exit 1
fi
echo "$(wc -l < "$out") bounce mappings, all MODEL_TLB == LINUX_TLB"
