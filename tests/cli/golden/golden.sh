#!/bin/sh
# SPDX-License-Identifier: MIT
# golden.sh JSON_GOLDEN GOLDEN KEYS PHYR_SIM ARGS...
#   runs "PHYR_SIM ARGS" (exit status 0 expected), removes the members named
#   in KEYS (blank-separated: version, wall times, input paths) and compares
#   the document with GOLDEN.
set -u
golden_tool=$1 golden=$2 keys=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/doc"
rc=$?
[ "$rc" -eq 0 ] || { echo "exit status $rc, expected 0"; exit 1; }
# shellcheck disable=SC2086 # KEYS is a list
"$golden_tool" $keys <"$tmp/doc" >"$tmp/out" || { cat "$tmp/doc"; exit 1; }
if diff -u "$golden" "$tmp/out"; then
	echo "ok: $(wc -l <"$golden") lines match"
	exit 0
fi
exit 1
