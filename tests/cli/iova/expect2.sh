#!/bin/sh
# SPDX-License-Identifier: MIT
# expect2.sh STATUS OUT.expected ERR.expected PHYR_SIM ARGS...: runs
# PHYR_SIM ARGS and requires exit status STATUS and exactly the expected
# stdout and stderr ("-" for an expected file: must be empty).
set -u
status=$1 out_exp=$2 err_exp=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$out_exp" = - ] && out_exp=/dev/null
[ "$err_exp" = - ] && err_exp=/dev/null
ok=0
[ "$rc" -eq "$status" ] || { echo "exit status $rc, expected $status"; ok=1; }
diff -u "$out_exp" "$tmp/out" || ok=1
diff -u "$err_exp" "$tmp/err" || ok=1
exit $ok
