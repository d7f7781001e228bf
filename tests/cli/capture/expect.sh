#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: expect.sh STATUS PATTERN -- COMMAND...
# Runs COMMAND; passes when it exits with STATUS and its stdout+stderr
# contain the fixed string PATTERN (empty: anything).
set -u
status=$1 pattern=$2
shift 3
out=$("$@" 2>&1)
rc=$?
if [ "$rc" -ne "$status" ]; then
	echo "exit status $rc, expected $status; output:"
	echo "$out" | head -20
	exit 1
fi
if [ -n "$pattern" ] && ! printf '%s\n' "$out" | grep -qF -- "$pattern"; then
	echo "output lacks '$pattern':"
	echo "$out" | head -20
	exit 1
fi
exit 0
