#!/bin/sh
# SPDX-License-Identifier: MIT
# usage: check-events.sh PHYR_SIM CAPTURE EXPECTED MATCHED [REPLAY OPTIONS...]
# Events-mode replay of CAPTURE (an exact capture, whose allocator probes
# the events mode must ignore), checked against the probes' own record:
# - SIZE and LINUX_PFN (columns 3, 4) are those of EXPECTED (the exact
#   allocations file, `LINE IOVAD SIZE LINUX_PFN`), line for line: the
#   requests rebuilt from the dma:/iommu: events are the allocator's;
# - the device named in column 2 is the one the capture's header gives
#   for the iovad of EXPECTED's line (`iovad=0x... -> DEVICE`);
# - LINE (column 1) is a dma: or iommu:map line of CAPTURE holding LINUX_PFN;
# - exactly MATCHED lines have MODEL_PFN == LINUX_PFN.
set -eu
sim=$1 capture=$2 expected=$3 matched=$4
shift 4
out=$(mktemp)
trap 'rm -f "$out" "$out.x"' EXIT
"$sim" capture replay "$capture" --mode events --emit allocations "$@" > "$out" 2>/dev/null
if [ "$(wc -l < "$out")" -ne "$(wc -l < "$expected")" ]; then
	echo "$(wc -l < "$out") allocations, expected $(wc -l < "$expected")"
	exit 1
fi
# column 2 of EXPECTED (the iovad) turned into its device through the header
awk 'FNR == NR && /^#.*iovad=0x.* -> / {
		for (i = 1; i <= NF; i++) if ($i ~ /^iovad=/) { k = substr($i, 7); dev[k] = $(i + 2) }
		next }
     FNR != NR { print $3, (($2 in dev) ? dev[$2] : $2), $4 }' "$capture" "$expected" > "$out.x"
bad=$(awk '{ print $3, $2, $4 }' "$out" | diff - "$out.x" | head -10) || true
if [ -n "$bad" ]; then
	echo "SIZE/device/LINUX_PFN differ from $expected (events < > probes):"
	echo "$bad"
	exit 1
fi
bad=$(awk 'FNR == NR { want[$1] = $4; next }
	   FNR in want { split(want[FNR], a, "x"); pfn = a[2]
		if ($0 !~ /(dma_|: map: )/ || ($0 !~ ("=0x0*" pfn "[0-9a-f][0-9a-f][0-9a-f][ ,}]") &&
		    $0 !~ ("dma_addrs?=[{]?(0x)?0*" pfn "[0-9a-f][0-9a-f][0-9a-f][ ,}]")))
			print "line " FNR ": " $0; delete want[FNR] }
	   END { for (l in want) print "line " l ": not in the capture" }' "$out" "$capture" | head -5)
if [ -n "$bad" ]; then
	echo "LINE is not a dma:/iommu:map line of LINUX_PFN:"
	echo "$bad"
	exit 1
fi
got=$(awk 'NF == 5 && $5 == $4' "$out" | wc -l)
if [ "$got" -ne "$matched" ]; then
	echo "MODEL_PFN == LINUX_PFN on $got lines, expected $matched"
	exit 1
fi
echo "$(wc -l < "$out") allocations as the probes recorded them, $got matched"
