#!/bin/sh
# SPDX-License-Identifier: MIT
# sweep.sh PHYR_SIM DIR: phyr-sim sweep's promises on DIR/seeds.json (6
# points): the IDs are the pinned ones; a serial run, GNU parallel driving
# --point, and --shard K/3 for K = 1..3 give the same lines (sorted), byte
# for byte; a rerun is byte-identical; --index runs one point; --resume
# skips what is done; merge reports missing points (exit 1) and writes one
# CSV row per point; malformed sweep files stop with FILE:LINE (exit 2).
set -u
sim=$1 dir=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
s=$dir/seeds.json

"$sim" sweep "$s" --list >"$t/ids" || fail "--list exited $?"
cmp "$t/ids" "$dir/seeds.ids" || fail "--list: IDs differ from seeds.ids"

"$sim" sweep "$s" >"$t/serial" || fail "serial run exited $?"
[ "$(wc -l <"$t/serial")" -eq 6 ] || fail "serial run: not 6 lines"
"$sim" sweep "$s" >"$t/again" || fail "second run exited $?"
cmp "$t/serial" "$t/again" || fail "a rerun differs"
sort "$t/serial" >"$t/serial.sorted"

if command -v parallel >/dev/null; then
	"$sim" sweep "$s" --list | parallel -j2 "$sim" sweep "$s" --point {} >"$t/par" ||
		fail "GNU parallel run failed"
	sort "$t/par" | cmp - "$t/serial.sorted" || fail "GNU parallel lines differ from the serial ones"
else
	[ -n "${PHYR_ALLOW_NO_PARALLEL:-}" ] || fail "GNU parallel is not installed (scripts/deps --check installs it)"
fi

: >"$t/shards"
for k in 1 2 3; do
	"$sim" sweep "$s" --shard "$k/3" >>"$t/shards" || fail "--shard $k/3 exited $?"
done
sort "$t/shards" | cmp - "$t/serial.sorted" || fail "the three shards differ from the serial lines"

"$sim" sweep "$s" --index 4 >"$t/one" || fail "--index 4 exited $?"
sed -n 5p "$t/serial" | cmp - "$t/one" || fail "--index 4 is not line 5 of the serial run"

head -n 2 "$t/serial" >"$t/part"
"$sim" sweep "$s" --resume "$t/part" --output "$t/part" || fail "--resume exited $?"
cmp "$t/part" "$t/serial" || fail "--resume onto the same file does not give the serial lines"

"$sim" sweep merge "$s" "$t/serial" >"$t/csv" || fail "merge exited $?"
[ "$(wc -l <"$t/csv")" -eq 7 ] || fail "merge: not a header and 6 rows"
head -n 1 "$t/csv" | grep -q '^index,id,workload,seed,' || fail "merge: header $(head -n 1 "$t/csv")"
sed -n 2p "$t/csv" | grep -q '^0,6bd5b566e03d133e,nvme,1,' || fail "merge: first row $(sed -n 2p "$t/csv")"
head -n 4 "$t/serial" >"$t/four"
"$sim" sweep merge "$s" "$t/four" >/dev/null 2>"$t/err"
[ $? -eq 1 ] || fail "merge of 4 of 6 points did not exit 1"
grep -q 'point 5 (cc35945adacd77fe) is missing' "$t/err" || fail "merge: no missing-point message"

for f in "$dir"/bad/*.json; do
	"$sim" sweep "$f" >/dev/null 2>"$t/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$f: exit $rc, expected 2"
	grep -q "^$f:[0-9][0-9]*: " "$t/err" || fail "$f: no FILE:LINE message: $(cat "$t/err")"
done
exit 0
