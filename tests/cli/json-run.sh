#!/bin/sh
# SPDX-License-Identifier: MIT
# json-run.sh JSON_CHECK MODE COMMAND PHYR_SIM ARGS...
#   MODE ok:    phyr-sim ARGS exits 0 and prints one JSON document of COMMAND
#   MODE error: phyr-sim ARGS exits 2 and stdout is empty or COMMAND's JSON
#               error document (never half a document)
set -u
check=$1 mode=$2 command=$3
shift 3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out"
rc=$?
if [ "$mode" = ok ]; then
	[ "$rc" -eq 0 ] || { echo "exit status $rc, expected 0"; exit 1; }
	"$check" "$command" <"$out" || { cat "$out"; exit 1; }
else
	[ "$rc" -eq 2 ] || { echo "exit status $rc, expected 2"; exit 1; }
	"$check" --error "$command" <"$out" || { cat "$out"; exit 1; }
fi
