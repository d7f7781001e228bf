#!/bin/sh
# SPDX-License-Identifier: MIT
# plugin-errors.sh PHYR_SIM FIRSTFIT.so NOSYM.so ABI.so INCOMPLETE.so TRACE:
# every way a --policy-plugin can be wrong gives exit status 2, one exact
# message on stderr and nothing on stdout, for each command taking it.
set -u
sim=$1 ff=$2 nosym=$3 abi=$4 incomplete=$5 trace=$6
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
printf 'not an ELF file, just text long enough for the ELF header check: 0123456789abcdef\n' >"$tmp/text.so"
# expect NAME EXPECTED_STDERR ARGS...
expect() {
	name=$1 want=$2
	shift 2
	"$sim" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 2 ] || [ -s "$tmp/out" ] || [ "$(cat "$tmp/err")" != "$want" ]; then
		echo "FAIL $name: exit $rc; stderr: $(cat "$tmp/err")"
		echo "  wanted: $want"
		status=1
	else
		echo "ok $name"
	fi
}
for cmd in "iova replay" "iova bench" "map"; do
	case $cmd in
	"iova replay") set -- iova replay; post=$trace ;;
	"iova bench") set -- iova bench --workload a1 --steps 10; post= ;;
	map) set -- map --workload nic; post= ;;
	esac
	p="phyr-sim $cmd: --policy-plugin"
	# shellcheck disable=SC2086
	expect "$cmd missing" "$p $tmp/none.so: No such file or directory" "$@" --policy-plugin "$tmp/none.so" $post
	# shellcheck disable=SC2086
	expect "$cmd directory" "$p $tmp: not a regular file" "$@" --policy-plugin "$tmp" $post
	# shellcheck disable=SC2086
	expect "$cmd not-elf" "$p $tmp/text.so: not a loadable shared object ($tmp/text.so: invalid ELF header)" \
		"$@" --policy-plugin "$tmp/text.so" $post
	# shellcheck disable=SC2086
	expect "$cmd nosym" "$p $nosym: no phyr_iova_plugin_init() entry point: not an IOVA policy plug-in" \
		"$@" --policy-plugin "$nosym" $post
	# shellcheck disable=SC2086
	expect "$cmd abi" "$p $abi: the plug-in refused ABI version 1 (phyr_iova_plugin_init() returned NULL)" \
		"$@" --policy-plugin "$abi" $post
	# shellcheck disable=SC2086
	expect "$cmd incomplete" "$p $incomplete: incomplete policy ops: no 'remove'" \
		"$@" --policy-plugin "$incomplete" $post
	# shellcheck disable=SC2086
	expect "$cmd both" "phyr-sim $cmd: --policy and --policy-plugin exclude each other
Try 'phyr-sim $cmd --help' for more information." "$@" --policy linux --policy-plugin "$ff" $post
done
exit $status
