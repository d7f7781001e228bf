#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes one man page of phyr-sim with help2man, from the built phyr-sim's
# own --help and --version output (so the page cannot drift from the tool):
#   help2man.sh HELP2MAN PHYR_SIM OUTPUT COMMAND [INCLUDE...]
# COMMAND is '' for phyr-sim(1) itself (its NAME line is $PHYR_MAN_NAME and
# its SEE ALSO lists the pages named in $PHYR_MAN_PAGES), else one command:
# the page phyr-sim-COMMAND(1) documents 'phyr-sim COMMAND --help', and
# its NAME line is the command's line of 'phyr-sim --help'. The INCLUDE
# files add help2man sections (EXIT STATUS, FILES, SEE ALSO, ...).
#
# help2man reads '--help' and '--version' of a program named as the page,
# so this script gives it one: a small script in a temporary directory that
# prints phyr-sim's texts, with the usage lines spelled as help2man expects
# ("Usage:", further forms as "  or:  ", wrapped lines joined).
set -eu
h2m=$1 sim=$2 out=$3 cmd=$4
shift 4

die() { echo "help2man.sh: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "$cmd" ]; then
	page=phyr-sim-$cmd
	# shellcheck disable=SC2086
	"$sim" $cmd --help >"$tmp/help.raw" || die "'phyr-sim $cmd --help' failed"
	name=$("$sim" --help | awk -v c="$cmd" '
		/^Commands:/ { incmds = 1; next }
		incmds && !NF { exit }
		incmds && /^[ \t]/ && $1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
	[ -n "$name" ] || die "no line for '$cmd' in the command list of 'phyr-sim --help'"
else
	page=phyr-sim
	"$sim" --help >"$tmp/help.raw" || die "'phyr-sim --help' failed"
	name=${PHYR_MAN_NAME:?}
fi
version=$("$sim" --version | sed -n '1s/^phyr-sim //p')
[ -n "$version" ] || die "'phyr-sim --version' does not print 'phyr-sim VERSION'"

# The usage block is the first paragraph when it starts with "usage:".
awk '
	NR == 1 && tolower($1) == "usage:" { usage = 1; line = "Usage:" substr($0, 7); next }
	usage && /^$/ { print line; usage = 0; print; next }
	usage && /^[ \t]+phyr-sim / { print line; sub(/^[ \t]+/, ""); line = "  or:  " $0; next }
	usage && /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	usage { print line; usage = 0 }
	{ print }
	END { if (usage) print line }' "$tmp/help.raw" >"$tmp/help"
printf '%s %s\n' "$page" "$version" >"$tmp/version"

cat >"$tmp/$page" <<EOS
#!/bin/sh
case "\$1" in
--help) cat "$tmp/help" ;;
--version) cat "$tmp/version" ;;
*) exit 2 ;;
esac
EOS
chmod +x "$tmp/$page"

inc=""
for f in "$@"; do
	inc="$inc --include=$f"
done
if [ -z "$cmd" ] && [ -n "${PHYR_MAN_PAGES:-}" ]; then
	{
		echo "[SEE ALSO]"
		first=1
		for p in $PHYR_MAN_PAGES; do
			[ $first -eq 1 ] || echo ","
			first=0
			printf '.BR %s (1)' "$p"
		done
		echo
	} >"$tmp/see-also.h2m"
	inc="$inc --include=$tmp/see-also.h2m"
fi

# shellcheck disable=SC2086
"$h2m" --no-info --section=1 --name="$name" --manual="User Commands" \
	--source="libphyr $version" $inc --output="$tmp/page.1" "$tmp/$page" ||
	die "help2man failed for $page"
# A long comma-separated token (a CSV line, a list of values) may break
# after a comma (\: is a break point that prints nothing), instead of
# running past the right margin; text lines only, and not the escape \,
# (perl comes with help2man).
perl -pe 's/(?<!\\),(?=[^\s\\])/,\\:/g unless /^[.\x27]/' "$tmp/page.1" >"$out"
