#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad-input check of a phyr-sim reader:
#   expect-error.sh LINE PHYR_SIM ARGS... FILE
# passes if the command exits with status 2, its first stderr line starts
# with "FILE:LINE: ", and it printed exactly LINE-1 output lines (one per
# operation before the bad one; the bad-input files hold one op per line).
set -u
line=$1; shift
for last; do :; done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 2 ]; then
	echo "exit status $rc, expected 2"; cat "$tmp/err"; exit 1
fi
case $(head -n 1 "$tmp/err") in
"$last:$line: "*) ;;
*) echo "stderr does not start with '$last:$line: ':"; cat "$tmp/err"; exit 1 ;;
esac
n=$(wc -l <"$tmp/out")
if [ "$n" -ne $((line - 1)) ]; then
	echo "printed $n lines, expected $((line - 1))"; cat "$tmp/out"; exit 1
fi
echo "ok: $(head -n 1 "$tmp/err")"
