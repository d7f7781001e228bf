#!/bin/sh
# SPDX-License-Identifier: MIT
# The front ends' input handling, the same in every reader (iova replay,
# iommu replay, swiotlb replay, mapsg, sg-build): a NUL byte anywhere in a
# line is "FILE:LINE: NUL byte", a read error (a directory, a closed
# standard input) is "FILE:LINE: read error: REASON", both exit 2 and print
# nothing for the lines after; a bad token is quoted with at most 40
# characters and "...".
#   reader-errors.sh PHYR_SIM
set -u
sim=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect NAME WANT_STDERR WANT_STDOUT_LINES COMMAND...: exit 2, exact stderr
expect() {
	name=$1 want=$2 nout=$3; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(cat "$tmp/err")
	if [ $rc -ne 2 ]; then fail "$name: exit $rc, want 2 ($got)"; return; fi
	if [ "$got" != "$want" ]; then fail "$name: stderr '$got', want '$want'"; return; fi
	n=$(wc -l <"$tmp/out")
	if [ "$n" -ne "$nout" ]; then fail "$name: $n output lines, want $nout"; return; fi
	echo "ok $name: $got"
}

# one good first line per reader, then a second line with a NUL byte
iova='init 4096 1'
iommu='pgtable arm-lpae-s1-4k 32 40'
swiotlb='pool 128 1'
mapsg='mapsg mask=32 max_seg=65536 boundary=0 ents=0x1000+0:4096'
sg='pages=0,1 offset=0 size=8192 max_seg=4294967295'
for r in "iova:iova replay:$iova" "iommu:iommu replay:$iommu" "swiotlb:swiotlb replay:$swiotlb" \
	 "mapsg:mapsg:$mapsg" "sg:sg-build:$sg"; do
	rd=${r%%:*}; rest=${r#*:}; cmd=${rest%%:*}; good=${rest#*:}
	# shellcheck disable=SC2086 # $cmd is a subcommand and its verb
	{
		printf '%s\n%s\0 junk\n%s\n' "$good" "$good" "$good" >"$tmp/mid"
		expect "$rd-nul-mid" "$tmp/mid:2: NUL byte" 1 "$sim" $cmd "$tmp/mid"
		printf '%s\n\0%s\n' "$good" "$good" >"$tmp/start"
		expect "$rd-nul-start" "$tmp/start:2: NUL byte" 1 "$sim" $cmd "$tmp/start"
		printf '# a comment \0 with a NUL\n%s\n' "$good" >"$tmp/comment"
		expect "$rd-nul-comment" "$tmp/comment:1: NUL byte" 0 "$sim" $cmd "$tmp/comment"
		printf '%s\n%s\0' "$good" "$good" >"$tmp/last"
		expect "$rd-nul-last" "$tmp/last:2: NUL byte" 1 "$sim" $cmd "$tmp/last"
		mkdir -p "$tmp/dir"
		expect "$rd-directory" "$tmp/dir:1: read error: Is a directory" 0 "$sim" $cmd "$tmp/dir"
		expect "$rd-closed-stdin" "<stdin>:1: read error: Bad file descriptor" 0 \
			sh -c '"$@" <&-' sh "$sim" $cmd -
	}
done

# the check: standard input, line 2
printf 'init 4096 1\nalloc 1 0xfffff 0\0 junk\n' >"$tmp/in"
expect "iova-stdin-nul" "<stdin>:2: NUL byte" 1 sh -c '"$@" <"$0"' "$tmp/in" "$sim" iova replay -

# a long bad token is clipped to 40 characters and "..."
long=$(printf '%0300d' 0)x
clip="$(printf '%040d' 0)..."
printf 'init 4096 %s\n' "$long" >"$tmp/t"
expect "iova-clip" "$tmp/t:1: bad START_PFN '$clip' (expected a decimal or 0x-hex unsigned 64-bit number)" 0 \
	"$sim" iova replay "$tmp/t"
printf 'pool 128 1\nused\nunmap %s 1\n' "$long" >"$tmp/t"
expect "swiotlb-clip" "$tmp/t:3: bad TLB '$clip' (unsigned decimal or 0x hex)" 2 \
	"$sim" swiotlb replay "$tmp/t"
printf '%s %s\n' "$long" "$long" >"$tmp/t"
expect "swiotlb-clip-op" "$tmp/t:1: unknown operation '$clip' (pool, map, unmap, used)" 0 \
	"$sim" swiotlb replay "$tmp/t"
printf 'pgtable arm-lpae-s1-4k 32 40\nphys %s\n' "$long" >"$tmp/t"
expect "iommu-clip" "$tmp/t:2: bad IOVA '$clip'" 1 "$sim" iommu replay "$tmp/t"
printf 'mapsg mask=%s max_seg=0 boundary=0 ents=0x1000+0:1\n' "$long" >"$tmp/t"
expect "mapsg-clip" "$tmp/t:1: bad mask '$clip' (bits, 1 to 64)" 0 "$sim" mapsg "$tmp/t"

# mapsg: an empty first entry
printf '%s\nmapsg mask=32 max_seg=65536 boundary=0 ents=,0x1000+0:4096\n' "$mapsg" >"$tmp/t"
expect "mapsg-leading-comma" "$tmp/t:2: empty entry in ents=',0x1000+0:4096'" 1 "$sim" mapsg "$tmp/t"

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
