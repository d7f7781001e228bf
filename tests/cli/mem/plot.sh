#!/bin/sh
# SPDX-License-Identifier: MIT
# plot.sh PHYR_SIM EXPECTED_CPU_DAT: phyr-sim mem's plots.
#  - without gnuplot in PATH: --plot exits 1 with the message, writes no
#    plot, and --plot-data still leaves the data and the script;
#  - with gnuplot: each extension gives its format (magic bytes: PNG
#    \x89PNG, SVG <?xml or <svg, PDF %PDF), --plot-side both draws the DMA
#    side too, and a kept mem.gp redraws the plot when run in its directory.
# The gnuplot part is skipped (exit 77) when gnuplot is not installed.
set -u
sim=$1 cpu_dat=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
fail() { echo "FAIL: $*"; exit 1; }
run() { "$sim" mem --workload odirect-128k --no-heap --csv "$@" >"$tmp/out" 2>"$tmp/err"; }

# no gnuplot
PATH=/nonexistent run --plot "$tmp/none.png" --plot-data "$tmp/nogp"
rc=$?
[ "$rc" -eq 1 ] || fail "no gnuplot: exit status $rc, expected 1"
[ -e "$tmp/none.png" ] && fail "no gnuplot: a plot was written"
[ "$(cat "$tmp/err")" = "phyr-sim mem: --plot needs gnuplot, which is not installed (Debian: apt-get install gnuplot-nox); no plot written (--plot-data: data and script written)" ] ||
	fail "no gnuplot: stderr: $(cat "$tmp/err")"
[ "$(head -n 1 "$tmp/out")" = "workload,representation,entries,slots,blocks,bytes,desc_bytes,bytes_per_page,kernel_bytes,heap_bytes,ratio_sg32,floor_bytes,floor_multiple,dma_passthrough_bytes,dma_iommu_bytes,dma_bus_offset_bytes,dma_swiotlb_bytes" ] ||
	fail "no gnuplot: the report was not printed"
[ "$(ls "$tmp/nogp" | tr '\n' ' ')" = "mem-cpu.dat mem.gp " ] || fail "no gnuplot: --plot-data holds: $(ls "$tmp/nogp")"
cmp "$cpu_dat" "$tmp/nogp/mem-cpu.dat" || fail "mem-cpu.dat differs from $cpu_dat"
grep -qxF "set output '$tmp/none.png'" "$tmp/nogp/mem.gp" || fail "mem.gp does not name the plot"
grep -qxF "plot 'mem-cpu.dat' using 2:xtic(1) title columnheader(2) linecolor 1" "$tmp/nogp/mem.gp" ||
	fail "mem.gp does not plot mem-cpu.dat"
# --plot-data alone needs no gnuplot and exits 0
PATH=/nonexistent run --plot-data "$tmp/nogp2" --plot-side both --mode iommu,swiotlb
rc=$?
[ "$rc" -eq 0 ] || fail "--plot-data without gnuplot: exit status $rc: $(cat "$tmp/err")"
[ "$(ls "$tmp/nogp2" | tr '\n' ' ')" = "mem-cpu.dat mem-dma-iommu.dat mem-dma-swiotlb.dat mem.gp " ] ||
	fail "--plot-data --plot-side both holds: $(ls "$tmp/nogp2")"
grep -qxF "set output 'mem.png'" "$tmp/nogp2/mem.gp" || fail "mem.gp without --plot: no mem.png output"
echo "ok: without gnuplot"

command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot not installed: skipping the formats"; exit 77; }
magic() { # FILE: the format its first bytes say
	case $(head -c 5 "$1" | od -An -c | tr -d ' \n') in
	211PNG*) echo png ;;
	'<?xml'|'<svg'*) echo svg ;;
	%PDF-) echo pdf ;;
	*) echo unknown ;;
	esac
}
for ext in png svg pdf PNG; do
	run --plot "$tmp/p.$ext" || fail "--plot p.$ext: exit status $?: $(cat "$tmp/err")"
	[ -s "$tmp/err" ] && fail "--plot p.$ext wrote to stderr: $(cat "$tmp/err")"
	want=$(echo "$ext" | tr 'A-Z' 'a-z')
	[ "$(magic "$tmp/p.$ext")" = "$want" ] || fail "--plot p.$ext: the file is $(magic "$tmp/p.$ext")"
done
ls "$tmp" | grep -q '^phyr-mem-plot' && fail "temporary directory left behind"
# both sides, data kept; the kept script redraws the plot in its directory
run --plot "$tmp/both.svg" --plot-side both --plot-data "$tmp/keep" || fail "--plot-side both: $(cat "$tmp/err")"
[ "$(magic "$tmp/both.svg")" = svg ] || fail "--plot-side both: not SVG"
grep -c '^plot ' "$tmp/keep/mem.gp" | grep -qx 5 || fail "--plot-side both: not 5 charts"
rm "$tmp/both.svg"
(cd "$tmp/keep" && gnuplot mem.gp) || fail "the kept mem.gp does not run"
[ "$(magic "$tmp/both.svg")" = svg ] || fail "the kept mem.gp did not redraw both.svg"
echo "ok: png, svg, pdf, --plot-side both, --plot-data"
