#!/bin/sh
# SPDX-License-Identifier: MIT
# options.sh PHYR_SIM CMD [SUB]: the option framework's promises for one
# command: --help exits 0 and teaches (a usage line and an example on
# stdout, nothing on stderr); --bogus and --bogus=1 exit 2 with
# "phyr-sim CMD [SUB]: unrecognized option '--bogus'" on stderr and nothing
# on stdout.
set -u
sim=$1
shift
name="$*"
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "phyr-sim $name: $*"; exit 1; }

"$sim" "$@" --help >"$out" 2>"$err" || fail "--help exited $?"
[ -s "$err" ] && fail "--help wrote to stderr"
grep -q '^usage: phyr-sim' "$out" || fail "--help has no 'usage: phyr-sim' line"
grep -qi 'example' "$out" || fail "--help shows no example"

for bogus in --bogus --bogus=1; do
	"$sim" "$@" "$bogus" >"$out" 2>"$err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "$bogus exited $rc, expected 2"
	[ -s "$out" ] && fail "$bogus wrote to stdout"
	grep -qF "phyr-sim $name: unrecognized option '$bogus'" "$err" ||
		fail "$bogus: no \"phyr-sim $name: unrecognized option '$bogus'\" on stderr: $(cat "$err")"
done
exit 0
