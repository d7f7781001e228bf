#!/bin/sh
# SPDX-License-Identifier: MIT
# handle-errors.sh PHYR_SIM: every misuse of an IOVA trace handle stops the
# run with exit status 2, the exact FILE:LINE: message on stderr, and the
# lines before it on stdout (nothing after it); under --json stdout holds
# only the error document.
set -u
sim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
# check NAME TRACE(printf format) EXPECTED_STDOUT(printf format) EXPECTED_STDERR
check() {
	printf "$2" >"$tmp/$1.trace"
	"$sim" iova replay "$tmp/$1.trace" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	want_err="$tmp/$1.trace:$4"
	if [ "$rc" -ne 2 ] || [ "$(cat "$tmp/err")" != "$want_err" ] ||
	   [ "$(cat "$tmp/out")" != "$(printf "$3")" ]; then
		echo "FAIL $1: exit $rc"
		echo "  stderr: $(cat "$tmp/err")"
		echo "  wanted: $want_err"
		echo "  stdout: $(tr '\n' '|' <"$tmp/out")"
		status=1
	else
		echo "ok $1"
	fi
}
I='init 4096 1\n'
check live "${I}alloc 1 0xfffff 1 as a\nalloc 1 0xfffff 1 as a\nstat\n" 'ok\n1048575' \
	"3: handle 'a' is still live (bound at line 2): free it before binding it again"
check live-fast "${I}fast_alloc 1 0xfffff 0 as a\nalloc 1 0xfffff 1 as a\n" 'ok\n1048575' \
	"3: handle 'a' is still live (bound at line 2): free it before binding it again"
check unknown "${I}free nope\n" 'ok' \
	"2: unknown handle 'nope' (no alloc or fast_alloc bound it since the last init)"
check unknown-fast "${I}fast_free nope\n" 'ok' \
	"2: unknown handle 'nope' (no alloc or fast_alloc bound it since the last init)"
check init-forgets "${I}alloc 1 0xfffff 1 as a\n${I}free a\n" 'ok\n1048575\nok' \
	"4: unknown handle 'a' (no alloc or fast_alloc bound it since the last init)"
check freed "${I}alloc 1 0xfffff 1 as a\nfree a\nfree a\n" 'ok\n1048575\n1048575 1048575' \
	"4: handle 'a' was already freed (line 3)"
check freed-fast "${I}fast_alloc 1 0xfffff 0 as a\nfast_free a\nfast_free a 1 0\n" 'ok\n1048575\nok' \
	"4: handle 'a' was already freed (line 3)"
check failed "${I}alloc 0x100000 0xfffff 1 as h\nfree h\n" 'ok\nfail' \
	"3: handle 'h' holds no range: its alloc at line 2 failed (the pfn forms would free pfn 0, which Linux's callers never do)"
check failed-fast "${I}fast_alloc 0x100000 0xfffff 0 as h\nfast_free h\n" 'ok\n0' \
	"3: handle 'h' holds no range: its fast_alloc at line 2 failed (the pfn forms would free pfn 0, which Linux's callers never do)"
check alloc-no-cpu "${I}alloc 1 0xfffff 1 as a\nfast_free a\n" 'ok\n1048575' \
	"3: handle 'a' was bound by alloc, which names no CPU: give fast_free NAME SIZE CPU"
check pfn-needs-size "${I}fast_free 5\n" 'ok' \
	"2: fast_free PFN takes SIZE and CPU too: fast_free PFN SIZE CPU (only a handle remembers them)"
check two-args "${I}fast_alloc 1 0xfffff 0 as a\nfast_free a 1\n" 'ok\n1048575' \
	"3: fast_free takes 1 or 3 arguments (fast_free NAME [SIZE CPU] or fast_free PFN SIZE CPU), got 2"
check bad-name "${I}alloc 1 0xfffff 1 as 9lives\n" 'ok' \
	"2: bad handle name '9lives' (a letter or '_', then letters, digits or '_')"
check bad-name-dash "${I}alloc 1 0xfffff 1 as a-b\n" 'ok' \
	"2: bad handle name 'a-b' (a letter or '_', then letters, digits or '_')"
check as-on-free "${I}free 5 as x\n" 'ok' \
	"2: 'as NAME' follows only alloc and fast_alloc"
check as-on-reserve "${I}reserve 1 2 as x\n" 'ok' \
	"2: 'as NAME' follows only alloc and fast_alloc"
check as-missing-name "${I}alloc 1 0xfffff 1 as\n" 'ok' \
	"2: alloc takes 3 arguments, got 4"
check fast-cpu-range "${I}fast_alloc 1 0xfffff 0 as a\nfast_free a 1 9\n" 'ok\n1048575' \
	"3: CPU 9 out of range (the machine has CPUs 0-3)"
check bad-pfn "${I}free 12x\n" 'ok' \
	"2: bad PFN '12x' (expected a decimal or 0x-hex unsigned 64-bit number)"
# --json: the error document only
printf "${I}alloc 1 0xfffff 1 as a\nfree a\nfree a\n" >"$tmp/j.trace"
"$sim" iova replay --json "$tmp/j.trace" >"$tmp/out" 2>/dev/null
rc=$?
if [ "$rc" -ne 2 ] || ! grep -q '"message": "handle '"'"'a'"'"' was already freed (line 3)"' "$tmp/out" ||
   grep -q '"results"' "$tmp/out"; then
	echo "FAIL json: exit $rc"; cat "$tmp/out"; status=1
else
	echo "ok json"
fi
exit $status
