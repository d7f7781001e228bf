#!/bin/sh
# SPDX-License-Identifier: MIT
# Conformance check of a phyr-sim replay command against Linux's outputs.
#   conform.sh expected PHYR_SIM FILE.expected SUBCOMMAND... FILE.trace
#       runs "PHYR_SIM SUBCOMMAND... FILE.trace" and compares with FILE.expected
#   conform.sh arrow PHYR_SIM FILE SUBCOMMAND...
#       FILE holds "INPUT -> OUTPUT" lines: feeds the inputs, compares outputs
set -eu
mode=$1; sim=$2; shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $mode in
expected)
	exp=$1; shift
	"$sim" "$@" >"$tmp/out"
	cp "$exp" "$tmp/exp"
	;;
arrow)
	file=$1; shift
	grep -v '^[[:space:]]*#' "$file" | grep -v '^[[:space:]]*$' >"$tmp/lines" || true
	sed 's/ -> .*$//' "$tmp/lines" >"$tmp/in"
	sed 's/^.* -> //' "$tmp/lines" >"$tmp/exp"
	"$sim" "$@" "$tmp/in" >"$tmp/out"
	;;
*)
	echo "conform.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
if diff -u "$tmp/exp" "$tmp/out" >"$tmp/diff"; then
	echo "ok: $(wc -l <"$tmp/exp") lines match"
	exit 0
fi
head -n 60 "$tmp/diff"
exit 1
