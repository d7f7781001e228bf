#!/bin/sh
# SPDX-License-Identifier: MIT
# phyr-sim sg-build on malformed input: each case must exit 2, print
# "FILE:LINE: message" on stderr, and print nothing for lines after it.
#   sg-bad.sh PHYR_SIM
set -u
sim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
good='pages=0,1 offset=0 size=8192 max_seg=4294967295'
fails=0
check() { # expected-message-part, bad line
	want=$1; bad=$2
	printf '# header\n%s\n\n%s\n%s\n' "$good" "$bad" "$good" >"$tmp/in"
	"$sim" sg-build "$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -ne 2 ]; then echo "FAIL [$bad]: exit $rc, want 2"; fails=$((fails + 1)); return; fi
	if ! grep -q "^$tmp/in:4: .*$want" "$tmp/err"; then
		echo "FAIL [$bad]: stderr: $(cat "$tmp/err")"; fails=$((fails + 1)); return
	fi
	if [ "$(wc -l <"$tmp/out")" -ne 1 ]; then
		echo "FAIL [$bad]: printed $(wc -l <"$tmp/out") lines, want 1"; fails=$((fails + 1)); return
	fi
	echo "ok [$bad] -> $(cat "$tmp/err")"
}
check 'unknown key' 'pages=0 offset=0 size=1 max_seg=4096 extra=1'
check 'missing max_seg' 'pages=0 offset=0 size=1'
check 'missing pages' 'offset=0 size=1 max_seg=4096'
check 'duplicate key' 'pages=0 pages=1 offset=0 size=1 max_seg=4096'
check 'bad pfn' 'pages=0,x offset=0 size=1 max_seg=4096'
check 'bad pfn' 'pages=0,,1 offset=0 size=1 max_seg=4096'
check 'trailing comma' 'pages=0,1, offset=0 size=1 max_seg=4096'
check 'empty page list' 'pages= offset=0 size=1 max_seg=4096'
check 'empty page list' 'pages=0 app= offset=0 size=1 max_seg=4096'
check 'bad pfn' 'pages=4503599627370496 offset=0 size=1 max_seg=4096'
check 'bad pfn' 'pages=-1 offset=0 size=1 max_seg=4096'
check 'bad number' 'pages=0 offset=4294967296 size=1 max_seg=4096'
check 'bad number' 'pages=0 offset=0 size=18446744073709551616 max_seg=4096'
check 'bad number' 'pages=0 offset=0 size=1 max_seg=4294967296'
check 'bad number' 'pages=0 offset=0x10 size=1 max_seg=4096'
check 'bad number' 'pages=0 offset=0 size=1k max_seg=4096'
check 'missing value' 'pages=0 offset= size=1 max_seg=4096'
check 'expected KEY=VALUE' 'pages=0 offset=0 size=1 max_seg=4096 junk'
# usage errors
"$sim" sg-build >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no file"; fails=$((fails + 1)); }
"$sim" sg-build --layout ilp32-lpae - </dev/null >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: figures-only layout"; fails=$((fails + 1)); }
"$sim" sg-build "$tmp/no-such-file" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: missing file"; fails=$((fails + 1)); }
"$sim" sg-build --help | grep -q 'pages=P0,P1' || { echo "FAIL: --help"; fails=$((fails + 1)); }
[ $fails -eq 0 ] || exit 1
