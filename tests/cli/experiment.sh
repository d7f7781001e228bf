#!/bin/sh
# SPDX-License-Identifier: MIT
# experiment.sh PHYR_SIM NAME EXPECTED: runs "phyr-sim experiment --quick NAME"
# and compares its figures with EXPECTED: the published, model and ratio
# lines, the verdict (the words before its first colon) and every row of the
# table of points. The prose around them may change; the numbers may not.
set -eu
sim=$1 name=$2 exp=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$sim" experiment --quick "$name" >"$tmp/full"
awk '
/^  (published|model|ratio):/ { print; next }
/^  verdict:/ { s = $0; sub(/^  verdict: +/, "", s); sub(/:.*/, "", s); print "  verdict: " s; next }
/^  reading:/ { state = 1; next }
state == 1 && /^$/ { state = 2; next }
state == 2 && /^$/ { state = 3; next }
state == 2 { print }
' "$tmp/full" >"$tmp/out"
if diff -u "$exp" "$tmp/out" >"$tmp/diff"; then
	echo "ok: $(wc -l <"$exp") lines match"
	exit 0
fi
cat "$tmp/diff"
exit 1
