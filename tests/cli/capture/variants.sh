#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: variants.sh PHYR_SIM CHECK_ALLOCS CAPTURE EXPECTED
# The same capture as ftrace prints it under other settings must replay to
# the same allocations: options/record-tgid (a "(TGID)" column, digits or
# "-------"), no irq-info (no FLAGS column), an integer clock (x86-tsc,
# counter: no fraction), CRLF line ends. Each variant is made from CAPTURE
# with sed and checked by check-allocs.sh against EXPECTED.
set -eu
sim=$1 check=$2 capture=$3 expected=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed -E '/^#/! s/^(.*-[0-9]+) +\[/\1 (   4242) [/' "$capture" > "$dir/tgid.log"
sed -E '/^#/! s/^(.*-[0-9]+) +\[/\1 (-------) [/' "$capture" > "$dir/tgid-unknown.log"
sed -E '/^#/! s/^(.*\[[0-9]+\]) +[^ ]+ +([0-9]+\.[0-9]+: )/\1 \2/' "$capture" > "$dir/noflags.log"
sed -E '/^#/! s/ ([0-9]+)\.([0-9]+): / \1\2: /' "$capture" > "$dir/tsc.log"
sed 's/$/\r/' "$capture" > "$dir/crlf.log"
for v in tgid tgid-unknown noflags tsc crlf; do
	# the variant really differs from the capture
	if cmp -s "$capture" "$dir/$v.log"; then
		echo "variant $v: sed changed nothing"
		exit 1
	fi
	printf '%s: ' "$v"
	sh "$check" "$sim" "$dir/$v.log" "$expected" || { echo "variant $v failed"; exit 1; }
done
