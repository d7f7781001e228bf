#!/bin/sh
# SPDX-License-Identifier: MIT
# bench-shape.sh PHYR_SIM: iova bench --repeat/--csv/--stats print the
# exact counters of the workload (deterministic: fixed seeds, fresh domain
# per run) and min <= median <= max of the ns per step (which vary).
set -u
sim=$1
status=0
fail() { echo "FAIL: $*"; status=1; }
ns='[0-9][0-9]*\.[0-9][0-9]'

out=$("$sim" iova bench --workload c1 --steps 1000 --repeat 3 --csv) || fail "csv exit $?"
[ "$(echo "$out" | sed -n 1p)" = "workload,policy,steps,repeat,ns_per_step_min,ns_per_step_median,ns_per_step_max,tree_allocs,nodes_visited,rcache_hits,rcache_misses" ] ||
	fail "csv header: $out"
row=$(echo "$out" | sed -n 2p)
echo "$row" | grep -qx "c1,linux,1000,3,$ns,$ns,$ns,2636,98948,2460,870" || fail "csv row: $row"
echo "$row" | awk -F, '{ exit !($5 <= $6 && $6 <= $7) }' || fail "csv min/median/max order: $row"
[ "$(echo "$out" | wc -l)" -eq 2 ] || fail "csv: more than one row"

out=$("$sim" iova bench --workload=a1 --steps=1000 --repeat=4 --policy=buddy) || fail "text exit $?"
echo "$out" | grep -qx "workload a1 policy buddy steps 1000 repeat 4 ns_per_step_min $ns ns_per_step_median $ns ns_per_step_max $ns tree_allocs 6 nodes_visited [0-9]* rcache_hits 1122 rcache_misses 6" ||
	fail "text --repeat: $out"

# --repeat 1 (the default) keeps the one-figure line
out=$("$sim" iova bench --workload a1 --steps 1000) || fail "text exit $?"
echo "$out" | grep -qx "workload a1 policy linux steps 1000 ns_per_step $ns tree_allocs 6 nodes_visited 6 rcache_hits 1122 rcache_misses 6" ||
	fail "text: $out"

# --stats: the domain's counters, NAME VALUE on stderr
err=$("$sim" iova bench --workload a1 --steps 1000 --stats 2>&1 >/dev/null) || fail "stats exit $?"
[ "$(echo "$err" | sed -n '1p;11p;13p' | tr '\n' ' ')" = "nallocs 6 nfast_allocs 1128 nrcache_hits 1122 " ] ||
	fail "stats: $err"
[ "$(echo "$err" | wc -l)" -eq 22 ] || fail "stats: not 22 lines"

out=$("$sim" iova bench --scenario scaling --policy linux --csv) || fail "scenario csv exit $?"
[ "$(echo "$out" | wc -l)" -eq 5 ] || fail "scenario csv: $out"
echo "$out" | sed -n 2p | grep -q '^scaling-1cpu,linux,80000,0,' || fail "scenario csv row: $out"

# mistakes: exit 2, a message naming the option
for args in "--workload a2 --steps 1000|bad --steps '1000' (expected a multiple of 1024 for a2)" \
	    "--workload a1 --steps 10 --repeat 0|bad --repeat '0' (expected 1 to 1000)" \
	    "--workload a1 --steps 10 --repeat x|bad --repeat 'x' (expected 1 to 1000)" \
	    "--workload zz --steps 10|bad --workload 'zz' (expected a1 a2 b10k b10k_fix b100k b100k_fix c0 c1 c2)" \
	    "--scenario scaling --repeat 2|--repeat applies to --workload only" \
	    "--workload a1|--workload needs --steps N" \
	    "--workload a1 --steps 10 --policy all|bad --policy 'all' (expected linux, augmented or buddy ('all' is for --scenario))" \
	    "--workload a1 --steps 10 --json --csv|--json and --csv exclude each other" \
	    "|give one of --workload W or --scenario S"; do
	a=${args%%|*} want="phyr-sim iova bench: ${args#*|}"
	# shellcheck disable=SC2086
	err=$("$sim" iova bench $a 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 2 ] && [ "$(echo "$err" | sed -n 1p)" = "$want" ] || fail "iova bench $a: exit $rc: $err"
done
[ $status -eq 0 ] && echo ok
exit $status
