#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the man pages of phyr-sim in DIR (built or installed):
#   check.sh PHYR_SIM DIR
# every command listed by 'phyr-sim --help' has its page DIR/phyr-sim-CMD.1,
# as phyr-sim itself has DIR/phyr-sim.1; each page names its command (title,
# NAME line, synopsis) and renders with groff without a warning.
# Exit 77 (skipped) without groff.
set -u
sim=$1 dir=$2
command -v groff >/dev/null || { echo "man-check: groff not found, skipped"; exit 77; }
cmds=$("$sim" --help | awk '/^Commands:/ { incmds = 1; next }
	incmds && !NF { exit }
	incmds && /^[ \t]/ { print $1 }')
[ -n "$cmds" ] || { echo "man-check: no command list in 'phyr-sim --help'"; exit 1; }
status=0
n=0
for cmd in "" $cmds; do
	if [ -z "$cmd" ]; then page=phyr-sim; words=phyr-sim; else page=phyr-sim-$cmd; words="phyr-sim $cmd"; fi
	f=$dir/$page.1
	if [ ! -f "$f" ]; then
		echo "man-check: $f missing ('$words' has no man page; add it to docs/man/meson.build)"
		status=1; continue
	fi
	title=$(echo "$page" | tr a-z A-Z)
	grep -q "^\.TH $title \"1\"" "$f" || { echo "man-check: $f: no '.TH $title \"1\"'"; status=1; }
	grep -A1 '^\.SH NAME' "$f" | grep -q "^$page \\\\- [^ ]" ||
		{ echo "man-check: $f: the NAME line is not '$page \\- ...'"; status=1; }
	warn=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
	[ -z "$warn" ] || { echo "man-check: $f: groff warns:"; echo "$warn"; status=1; }
	text=$(groff -man -Tascii -P-cbou "$f" 2>/dev/null)
	echo "$text" | sed -n '/^SYNOPSIS/,/^[A-Z]/p' | grep -q "^ *$words" ||
		{ echo "man-check: $f: the SYNOPSIS does not start with '$words'"; status=1; }
	n=$((n + 1))
done
extra=$(cd "$dir" && ls phyr-sim*.1 2>/dev/null | sed 's/\.1$//' | while read -r p; do
	c=${p#phyr-sim}; c=${c#-}
	[ -z "$c" ] || echo "$cmds" | grep -qx "$c" || echo "$p"
done)
[ -z "$extra" ] || { echo "man-check: pages of no command of 'phyr-sim --help': $extra"; status=1; }
[ $status -eq 0 ] && echo "man-check: $n pages render and name their command"
exit $status
