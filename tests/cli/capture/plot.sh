#!/bin/sh
# SPDX-License-Identifier: MIT
# plot.sh PHYR_SIM CAPTURE: capture replay --plot-data keeps one data file
# per domain with one sample per allocation (the 6.12 sample: 257, 2,507
# and 369) and the gnuplot script; --emit allocations prints the same lines
# with and without --plot-data; --plot FILE.svg writes SVG when gnuplot is
# installed; a --plot name of another extension exits 2.
set -u
sim=$1 cap=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$sim" capture replay "$cap" --plot-data "$t/d" >/dev/null || fail "--plot-data exited $?"
[ -f "$t/d/capture.gp" ] || fail "no gnuplot script"
for f in 0:257 1:2507 2:369; do
	n=$(grep -vc '^#' "$t/d/domain-${f%%:*}.dat")
	[ "$n" -eq "${f#*:}" ] || fail "domain-${f%%:*}.dat: $n samples, expected ${f#*:}"
done
"$sim" capture replay "$cap" --emit allocations >"$t/a" 2>/dev/null || fail "--emit exited $?"
"$sim" capture replay "$cap" --emit allocations --plot-data "$t/e" >"$t/b" 2>/dev/null ||
	fail "--emit with --plot-data exited $?"
cmp "$t/a" "$t/b" || fail "--plot-data changes the --emit lines"
"$sim" capture replay "$cap" --plot "$t/x.gif" >/dev/null 2>"$t/err"
[ $? -eq 2 ] || fail "--plot x.gif did not exit 2"
grep -q "bad --plot" "$t/err" || fail "--plot x.gif: $(cat "$t/err")"
if command -v gnuplot >/dev/null; then
	"$sim" capture replay "$cap" --plot "$t/p.svg" >/dev/null || fail "--plot p.svg exited $?"
	head -c 200 "$t/p.svg" | grep -q '<svg\|<?xml' || fail "p.svg is not SVG"
fi
echo ok
