#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: check-allocs.sh PHYR_SIM CAPTURE EXPECTED [REPLAY OPTIONS...]
# Replays CAPTURE with --emit allocations and checks that
# - the first four columns (LINE IOVAD SIZE LINUX_PFN) are EXPECTED, byte for byte;
# - every line has five columns and MODEL_PFN (column 5) == LINUX_PFN (column 4);
# - stdout holds nothing else and the exit status is 0.
set -eu
sim=$1 capture=$2 expected=$3
shift 3
out=$(mktemp)
trap 'rm -f "$out" "$out.4"' EXIT
"$sim" capture replay "$capture" --emit allocations "$@" > "$out" 2>/dev/null
cut -d' ' -f1-4 "$out" > "$out.4"
if ! cmp -s "$out.4" "$expected"; then
	echo "columns 1-4 differ from $expected:"
	diff "$expected" "$out.4" | head -20
	exit 1
fi
bad=$(awk 'NF != 5 || $5 != $4' "$out" | head -5)
if [ -n "$bad" ]; then
	echo "MODEL_PFN differs from LINUX_PFN (or a line is not 5 columns):"
	echo "$bad"
	exit 1
fi
echo "$(wc -l < "$out") allocations, all MODEL_PFN == LINUX_PFN"
