#!/bin/sh
# SPDX-License-Identifier: MIT
# equiv.sh PHYR_SIM SWEEP N: the sweep has N points, and a serial run, GNU
# parallel driving --point from --list, and --shard K/3 for K = 1..3 print
# the same N lines (sorted), byte for byte.
set -u
sim=$1 s=$2 n=$3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ "$("$sim" sweep "$s" --list | wc -l)" -eq "$n" ] || fail "--list does not give $n points"
"$sim" sweep "$s" | sort >"$t/serial" || fail "serial run failed"
[ "$(wc -l <"$t/serial")" -eq "$n" ] || fail "serial run: not $n lines"
grep -q '"error"' "$t/serial" && fail "a point failed: $(grep '"error"' "$t/serial" | head -n 1)"
command -v parallel >/dev/null || fail "GNU parallel is not installed (scripts/deps --check installs it)"
"$sim" sweep "$s" --list | parallel -j2 "$sim" sweep "$s" --point {} | sort >"$t/par" ||
	fail "GNU parallel run failed"
cmp "$t/par" "$t/serial" || fail "GNU parallel lines differ from the serial ones"
for k in 1 2 3; do
	"$sim" sweep "$s" --shard "$k/3" || fail "--shard $k/3 failed"
done | sort >"$t/shards"
cmp "$t/shards" "$t/serial" || fail "the shards' lines differ from the serial ones"
echo "ok: $n points, serial = parallel = 3 shards"
