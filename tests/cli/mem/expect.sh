#!/bin/sh
# SPDX-License-Identifier: MIT
# expect.sh STATUS OUT ERR PHYR_SIM ARGS...: runs PHYR_SIM ARGS and passes
# when it exits with STATUS and its stdout and stderr are exactly the files
# OUT and ERR ("-": not checked, "empty": nothing written).
set -u
status=$1 out=$2 err=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
fail=0
if [ "$rc" -ne "$status" ]; then
	echo "exit status $rc, expected $status"
	fail=1
fi
for s in out err; do
	eval "want=\$$s"
	case $want in
	-) continue ;;
	empty) want=/dev/null ;;
	esac
	if ! cmp -s "$want" "$tmp/$s"; then
		echo "std$s differs from $want:"
		diff -u "$want" "$tmp/$s" | head -n 40 | cat -A
		fail=1
	fi
done
[ "$fail" -eq 0 ] && echo "ok: exit $rc, output as expected"
exit "$fail"
