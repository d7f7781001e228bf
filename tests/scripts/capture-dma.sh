#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests scripts/capture-dma against fake tracefs, proc and sysfs trees made
# of plain files:
#   dry runs: the exact list of tracefs writes for a 6.12-like kernel
#     (fprobe form, f16: return probes), a 6.1-like kernel without fprobe
#     events (kprobe form, offsets from a file), and --no-probes;
#   a real run with '-- true': the output's header block, the boot-time
#     lines kept, and every changed file restored afterwards;
#   a run whose buffer overflowed (entries-written > entries-in-buffer):
#     exit 3 and the warning;
#   a run stopped by a signal while waiting, a setup error, bad options.
# Usage: capture-dma.sh SCRIPT
# shellcheck disable=SC2016 # $argN, $retval, $1: ftrace's syntax or a child's
set -u
script=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/capture-dma-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# A fake dmesg for the header's dmesg lines.
mkdir -p "$work/bin"
cat >"$work/bin/dmesg" <<'EOF'
#!/bin/sh
echo '[    0.505887] DMAR: Host address width 39'
echo '[    0.600000] e1000e: Intel(R) PRO/1000 Network Driver'
echo '[    1.546386] iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)'
EOF
chmod +x "$work/bin/dmesg"
PATH=$work/bin:$PATH
export PATH

# make_tree DIR KIND: KIND is 6.12 (fprobe events, depot work, boot probes,
# dma: events) or 6.1 (kprobe events only, no depot work, no boot probes,
# no dma: events).
make_tree() {
	d=$1 kind=$2
	t=$d/tracing p=$d/proc s=$d/sys
	mkdir -p "$t/events/iommu" "$t/events/dma" "$t/events/swiotlb/swiotlb_bounced" \
		"$t/events/qt" "$t/events/qtb" "$t/per_cpu/cpu0" "$t/per_cpu/cpu1" "$p" \
		"$s/kernel/iommu_groups/1/devices/0000:00:01.0" "$s/bus/pci/devices/0000:00:01.0" \
		"$s/bus/pci/drivers/nvme"
	echo 1 >"$t/tracing_on"
	echo '7 (expanded: 1408)' >"$t/buffer_size_kb"
	echo '[local] global counter uptime perf mono mono_raw boot x86-tsc' >"$t/trace_clock"
	for f in iommu/enable dma/enable swiotlb/swiotlb_bounced/enable qt/enable; do echo 0 >"$t/events/$f"; done
	echo 1 >"$t/events/qtb/enable"
	: >"$t/error_log"
	for c in 0 1; do
		printf 'entries: 0\noverrun: 0\ncommit overrun: 0\nbytes: 0\ndropped events: 0\nread events: 0\n' >"$t/per_cpu/cpu$c/stats"
	done
	{
		echo 'iommu:add_device_to_group'
		echo 'iommu:attach_device_to_domain'
		echo 'iommu:map'
		echo 'iommu:unmap'
		echo 'swiotlb:swiotlb_bounced'
	} >"$t/available_events"
	{
		echo '  p[:[<group>/][<event>]] <place> [<args>]'
		echo '  r[maxactive][:[<group>/][<event>]] <place> [<args>]'
	} >"$t/README"
	cat >"$t/trace" <<'EOF'
# tracer: nop
#
# entries-in-buffer/entries-written: 4/4   #P:2
#
            init-1       [000] .....     1.739145: attach_device_to_domain: IOMMU: device=0000:00:01.0
            init-1       [000] .....     1.739520: init_iova_domain: (init_iova_domain+0x4/0x90) iovad=0xffff8f1305cc4c08 granule=4096 start_pfn=0x1
            init-1       [000] .....     1.740084: reserve_iova: (reserve_iova+0x4/0x170) iovad=0xffff8f1305cc4c08 pfn_lo=0xa0 pfn_hi=0xbf
     kworker/0:1-29      [000] .....     2.000000: map: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x000000001c57f000 size=4096
EOF
	cat >"$p/kallsyms" <<'EOF'
ffffffff81600000 T init_iova_domain
ffffffff81600100 T reserve_iova
ffffffff81600200 T alloc_iova
ffffffff81600400 T alloc_iova_fast
ffffffff81600700 T free_iova_fast
ffffffff81600800 T free_iova
ffffffff81600900 T remove_iova
ffffffff81600a00 t iova_magazine_free_pfns
ffffffff81600b00 T free_cpu_cached_iovas
ffffffff81600c00 t fq_flush_timeout
ffffffff81700000 T swiotlb_tbl_map_single
ffffffff81700400 T __swiotlb_tbl_unmap_single
ffffffff81700600 t swiotlb_release_slots
ffffffff81700800 T swiotlb_max_mapping_size
EOF
	printf 'processor\t: 0\nprocessor\t: 1\n' >"$p/cpuinfo"
	echo 'MemTotal:        4028440 kB' >"$p/meminfo"
	echo 'BOOT_IMAGE=/vmlinuz intel_iommu=on iommu.strict=1' >"$p/cmdline"
	echo DMA >"$s/kernel/iommu_groups/1/type"
	echo 0x1b36 >"$s/bus/pci/devices/0000:00:01.0/vendor"
	echo 0x0010 >"$s/bus/pci/devices/0000:00:01.0/device"
	ln -s ../../../../kernel/iommu_groups/1 "$s/bus/pci/devices/0000:00:01.0/iommu_group"
	ln -s ../../drivers/nvme "$s/bus/pci/devices/0000:00:01.0/driver"
	case $kind in
	6.12)
		echo 'Linux version 6.12.95+deb12-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.12.95-1~bpo12+1 (2026-07-05)' >"$p/version"
		{
			echo '  f[:[<group>/][<event>]] <func-name>[%return] [<args>]'
			echo '  <argname>[->field[->field|.field...]],'
		} >>"$t/README"
		{
			echo 'dma:dma_map_page'
			echo 'dma:dma_unmap_page'
			echo 'dma:dma_map_sg'
		} >>"$t/available_events"
		echo 'ffffffff81600d00 t iova_depot_work_func' >>"$p/kallsyms"
		{
			echo 'p:qtb/init_iova_domain init_iova_domain iovad=%di:x64 granule=%si:u64 start_pfn=%dx:x64'
			echo 'p:qtb/reserve_iova reserve_iova iovad=%di:x64 pfn_lo=%si:x64 pfn_hi=%dx:x64'
		} >"$t/dynamic_events"
		printf '  init_iova_domain                               5               0\n  reserve_iova                                  26               0\n' >"$t/kprobe_profile"
		;;
	6.1)
		echo 'Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)' >"$p/version"
		: >"$t/dynamic_events"
		: >"$t/kprobe_profile"
		;;
	esac
}

# run_dry NAME KIND EXPECTED [OPTIONS...]: the writes of a dry run, with the
# tree's path shown as T, must be exactly EXPECTED.
run_dry() {
	name=$1 kind=$2 expected=$3
	shift 3
	d=$work/$name
	make_tree "$d" "$kind"
	find "$d" -type f -exec md5sum {} + | sort >"$d.before"
	if ! "$script" --dry-run --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" "$@" \
		-o "$d/out.log" -- true >"$d.stdout" 2>"$d.stderr"; then
		fail "$name: dry run exited $? ($(cat "$d.stderr"))"
		return
	fi
	grep '^write ' "$d.stdout" | sed "s|$d/tracing|T|" >"$d.writes"
	if diff -u "$expected" "$d.writes"; then pass "$name: the writes"; else fail "$name: the writes differ"; fi
	find "$d" -type f -exec md5sum {} + | sort >"$d.after"
	if cmp -s "$d.before" "$d.after" && [ ! -e "$d/out.log" ]; then
		pass "$name: the dry run changed nothing"
	else
		fail "$name: the dry run changed a file"
	fi
	grep -q "^read $d/proc/kallsyms\$" "$d.stdout" || fail "$name: the kallsyms read is not shown"
	grep -q '^run true$' "$d.stdout" || fail "$name: the command is not shown"
}

# (a) 6.12: fprobe form, f16: return probes, depot work present
cat >"$work/expected-612" <<'EOF'
write T/tracing_on <- 0
write T/buffer_size_kb <- 65536
write T/trace_clock <- global
write T/dynamic_events <- f:qt/iova_alloc_entry alloc_iova_fast
write T/dynamic_events <- f16:qt/iova_alloc alloc_iova_fast%return iovad=$arg1:x64 size=$arg2:u64 limit_pfn=$arg3:x64 flush_rcache=$arg4:u8 pfn=$retval:x64
write T/dynamic_events <- f:qt/iova_free free_iova_fast iovad=$arg1:x64 pfn=$arg2:x64 size=$arg3:u64
write T/dynamic_events <- f16:qt/iova_slow alloc_iova%return iovad=$arg1:x64 size=$arg2:u64 limit_pfn=$arg3:x64 size_aligned=$arg4:u8 pfn_lo=+32($retval):x64 pfn_hi=+24($retval):x64
write T/dynamic_events <- f:qt/rb_free_iova free_iova iovad=$arg1:x64 pfn=$arg2:x64
write T/dynamic_events <- f:qt/rb_remove remove_iova iovad=$arg1:x64 pfn_lo=+32($arg2):x64 pfn_hi=+24($arg2):x64
write T/dynamic_events <- f:qt/iova_mag_free iova_magazine_free_pfns mag=$arg1:x64 iovad=$arg2:x64 mag_size=+0($arg1):u64
write T/dynamic_events <- f:qt/free_cpu_cached_iovas free_cpu_cached_iovas cpu=$arg1:u32 iovad=$arg2:x64
write T/dynamic_events <- f:qt/fq_flush_timeout fq_flush_timeout
write T/dynamic_events <- f:qt/iova_depot_work iova_depot_work_func
write T/dynamic_events <- f:qs/map_entry swiotlb_tbl_map_single dev=$arg1:x64 orig=$arg2:x64 size=$arg3:u64
write T/dynamic_events <- f16:qs/map swiotlb_tbl_map_single%return dev=$arg1:x64 orig=$arg2:x64 size=$arg3:u64 alloc_align_mask=$arg4:x32 dir=$arg5:u32 attrs=$arg6:x64 min_align_mask=dev->dma_parms->min_align_mask:x32 tlb=$retval:x64
write T/dynamic_events <- f:qs/unmap __swiotlb_tbl_unmap_single dev=$arg1:x64 tlb=$arg2:x64 size=$arg3:u64 dir=$arg4:u32 attrs=$arg5:x64
write T/dynamic_events <- f:qs/release swiotlb_release_slots dev=$arg1:x64 tlb=$arg2:x64
write T/dynamic_events <- f:qs/pool swiotlb_max_mapping_size dev=$arg1:x64 devname=dev->kobj.name:string min_align_mask=dev->dma_parms->min_align_mask:x32 start=dev->dma_io_tlb_mem->defpool.start:x64 end=dev->dma_io_tlb_mem->defpool.end:x64 nslabs=dev->dma_io_tlb_mem->defpool.nslabs:u64 nareas=dev->dma_io_tlb_mem->defpool.nareas:u32 area_nslabs=dev->dma_io_tlb_mem->defpool.area_nslabs:u32 force_bounce=dev->dma_io_tlb_mem->force_bounce:u8
write T/events/iommu/enable <- 1
write T/events/dma/enable <- 1
write T/events/swiotlb/swiotlb_bounced/enable <- 1
write T/events/qtb/enable <- 1
write T/events/qt/enable <- 1
write T/events/qs/enable <- 1
write T/trace <- ""
write T/tracing_on <- 1
write T/tracing_on <- 0
write T/events/qs/enable <- 0
write T/events/qt/enable <- 0
write T/events/qtb/enable <- 1
write T/events/swiotlb/swiotlb_bounced/enable <- 0
write T/events/dma/enable <- 0
write T/events/iommu/enable <- 0
write T/dynamic_events <- -:qs/pool
write T/dynamic_events <- -:qs/release
write T/dynamic_events <- -:qs/unmap
write T/dynamic_events <- -:qs/map
write T/dynamic_events <- -:qs/map_entry
write T/dynamic_events <- -:qt/iova_depot_work
write T/dynamic_events <- -:qt/fq_flush_timeout
write T/dynamic_events <- -:qt/free_cpu_cached_iovas
write T/dynamic_events <- -:qt/iova_mag_free
write T/dynamic_events <- -:qt/rb_remove
write T/dynamic_events <- -:qt/rb_free_iova
write T/dynamic_events <- -:qt/iova_slow
write T/dynamic_events <- -:qt/iova_free
write T/dynamic_events <- -:qt/iova_alloc
write T/dynamic_events <- -:qt/iova_alloc_entry
write T/trace_clock <- local
write T/buffer_size_kb <- 1408
write T/tracing_on <- 1
EOF
run_dry fprobe-6.12 6.12 "$work/expected-612" --swiotlb
grep -q 'kprobe_event=' "$work/fprobe-6.12.stderr" &&
	fail "fprobe-6.12: asks for boot probes the kernel already has"

# The return-hook pool follows the possible CPUs (8 each) before 6.14; 7.x
# takes plain f: only.
d=$work/fprobe-8cpu
make_tree "$d" 6.12
mkdir -p "$d/sys/devices/system/cpu"
echo 0-7 >"$d/sys/devices/system/cpu/possible"
"$script" --dry-run --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" >"$d.stdout" 2>&1
if grep -q '^write .*/dynamic_events <- f64:qt/iova_alloc alloc_iova_fast%return ' "$d.stdout" &&
	grep -q '^write .*/dynamic_events <- f64:qt/iova_slow alloc_iova%return ' "$d.stdout"; then
	pass "fprobe-8cpu: f64: return probes"
else
	fail "fprobe-8cpu: expected f64: return probes"
fi
grep -q '^wait for Ctrl-C$' "$d.stdout" || fail "fprobe-8cpu: no command, but no wait shown"
d=$work/fprobe-7.2
make_tree "$d" 6.12
echo 'Linux version 7.2.13+deb14-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 7.2.13-1 (2026-10-28)' >"$d/proc/version"
"$script" --dry-run --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true >"$d.stdout" 2>&1
if grep -q '^write .*/dynamic_events <- f:qt/iova_alloc alloc_iova_fast%return ' "$d.stdout" &&
	! grep -q '<- f[0-9]' "$d.stdout"; then
	pass "fprobe-7.2: f: return probes"
else
	fail "fprobe-7.2: expected f: return probes only"
fi

# (b) 6.1: kprobe form with the return offsets from a file; no depot work
cat >"$work/offsets" <<'EOF'
# alloc_iova_fast of 6.1.0-28-amd64: its returns, and after its call to alloc_iova
iova_alloc_ret 0x1a2 0x1f0
iova_slow_ret 0xf5
entry free_iova 0x5
p:qt/rc_hit alloc_iova_fast+277 iovad=%bp:x64 size=%r14:u64 pfn=%r13:x64 rc=%r12:x64
EOF
cat >"$work/expected-61" <<'EOF'
write T/tracing_on <- 0
write T/buffer_size_kb <- 65536
write T/trace_clock <- global
write T/dynamic_events <- p:qt/iova_alloc alloc_iova_fast iovad=%di:x64 size=%si:u64 limit_pfn=%dx:x64 flush_rcache=%cx:u8
write T/dynamic_events <- p:qt/iova_slow alloc_iova iovad=%di:x64 size=%si:u64 limit_pfn=%dx:x64 size_aligned=%cx:u8
write T/dynamic_events <- p:qt/iova_free free_iova_fast iovad=%di:x64 pfn=%si:x64 size=%dx:u64
write T/dynamic_events <- p:qt/rb_free_iova free_iova+0x5 iovad=%di:x64 pfn=%si:x64
write T/dynamic_events <- p:qt/rb_remove remove_iova iovad=%di:x64 pfn_lo=+32(%si):x64 pfn_hi=+24(%si):x64
write T/dynamic_events <- p:qt/iova_mag_free iova_magazine_free_pfns mag=%di:x64 iovad=%si:x64 mag_size=+0(%di):u64
write T/dynamic_events <- p:qt/free_cpu_cached_iovas free_cpu_cached_iovas cpu=%di:u32 iovad=%si:x64
write T/dynamic_events <- p:qt/fq_flush_timeout fq_flush_timeout
write T/dynamic_events <- p:qt/iova_alloc_ret alloc_iova_fast+0x1a2 pfn=%ax:x64
write T/dynamic_events <- p:qt/iova_alloc_ret alloc_iova_fast+0x1f0 pfn=%ax:x64
write T/dynamic_events <- p:qt/iova_slow_ret alloc_iova_fast+0xf5 pfn_lo=+32(%ax):x64 pfn_hi=+24(%ax):x64
write T/dynamic_events <- p:qt/rc_hit alloc_iova_fast+277 iovad=%bp:x64 size=%r14:u64 pfn=%r13:x64 rc=%r12:x64
write T/events/iommu/enable <- 1
write T/events/swiotlb/swiotlb_bounced/enable <- 1
write T/events/qt/enable <- 1
write T/trace <- ""
write T/tracing_on <- 1
write T/tracing_on <- 0
write T/events/qt/enable <- 0
write T/events/swiotlb/swiotlb_bounced/enable <- 0
write T/events/iommu/enable <- 0
write T/dynamic_events <- -:qt/rc_hit
write T/dynamic_events <- -:qt/iova_slow_ret
write T/dynamic_events <- -:qt/iova_alloc_ret
write T/dynamic_events <- -:qt/fq_flush_timeout
write T/dynamic_events <- -:qt/free_cpu_cached_iovas
write T/dynamic_events <- -:qt/iova_mag_free
write T/dynamic_events <- -:qt/rb_remove
write T/dynamic_events <- -:qt/rb_free_iova
write T/dynamic_events <- -:qt/iova_free
write T/dynamic_events <- -:qt/iova_slow
write T/dynamic_events <- -:qt/iova_alloc
write T/trace_clock <- local
write T/buffer_size_kb <- 1408
write T/tracing_on <- 1
EOF
run_dry kprobe-6.1 6.1 "$work/expected-61" --kprobe-offsets "$work/offsets"
if grep -q 'kprobe_event=p:qtb/init_iova_domain,init_iova_domain,iovad=%di:x64,granule=%si:u64,start_pfn=%dx:x64;p:qtb/reserve_iova,reserve_iova,iovad=%di:x64,pfn_lo=%si:x64,pfn_hi=%dx:x64' \
	"$work/kprobe-6.1.stderr"; then
	pass "kprobe-6.1: prints the boot probes to add"
else
	fail "kprobe-6.1: no kprobe_event= line for the missing boot probes"
fi

# The boot-time lines are read from the trace before the first write:
# writing trace_clock resets the ring buffer (a real 6.1 guest lost its
# init_iova_domain lines so), and a smaller buffer_size_kb drops pages.
for n in fprobe-6.12 kprobe-6.1; do
	d=$work/$n
	first_read=$(grep -n "^read $d/tracing/trace\$" "$d.stdout" | head -n 1 | cut -d: -f1)
	first_write=$(grep -n '^write ' "$d.stdout" | head -n 1 | cut -d: -f1)
	if [ -n "$first_read" ] && [ -n "$first_write" ] && [ "$first_read" -lt "$first_write" ]; then
		pass "$n: the boot-time lines are read before the setup"
	else
		fail "$n: the trace is read at line ${first_read:-none}, after the first write (line ${first_write:-none})"
	fi
done

# (c) --no-probes on the 6.12 kernel: standard events (and the boot probes) only
cat >"$work/expected-noprobes" <<'EOF'
write T/tracing_on <- 0
write T/buffer_size_kb <- 4096
write T/trace_clock <- global
write T/events/iommu/enable <- 1
write T/events/dma/enable <- 1
write T/events/swiotlb/swiotlb_bounced/enable <- 1
write T/events/qtb/enable <- 1
write T/trace <- ""
write T/tracing_on <- 1
write T/tracing_on <- 0
write T/events/qtb/enable <- 1
write T/events/swiotlb/swiotlb_bounced/enable <- 0
write T/events/dma/enable <- 0
write T/events/iommu/enable <- 0
write T/trace_clock <- local
write T/buffer_size_kb <- 1408
write T/tracing_on <- 1
EOF
run_dry no-probes 6.12 "$work/expected-noprobes" --no-probes --buffer-kb 4096

# (b') the kprobe form with no offsets and no readable kcore: events only, said so
d=$work/kprobe-nooffsets
make_tree "$d" 6.1
"$script" --dry-run --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true \
	>"$d.stdout" 2>"$d.stderr"
if ! grep -q '^write .*dynamic_events' "$d.stdout" && grep -q 'standard events only' "$d.stderr"; then
	pass "kprobe-nooffsets: events only, with the reason"
else
	fail "kprobe-nooffsets: expected an events-only capture and a warning"
fi

# (b'') the kprobe form with the offsets read from objdump -d of kcore (a
# fake objdump prints alloc_iova_fast: a call to alloc_iova at +0xf0, a ret
# at +0x1a3, a jump to the return thunk at +0x1f0)
if [ "$(uname -m)" = x86_64 ]; then
	d=$work/kprobe-kcore
	make_tree "$d" 6.1
	echo 'ffffffff82204bc0 T __x86_return_thunk' >>"$d/proc/kallsyms"
	: >"$d/proc/kcore"
	mkdir -p "$d/proc/sys/debug"
	echo 1 >"$d/proc/sys/debug/kprobes-optimization"
	cat >"$work/bin/objdump" <<'EOF2'
#!/bin/sh
if [ "$1 $2 $3" = "-d --start-address=0xffffffff81600700 --stop-address=0xffffffff81600710" ]; then
	# free_iova_fast: a call to __fentry__ first, no endbr64
	printf 'ffffffff81600700:\te8 fb 48 c0 ff       \tcall   0xffffffff81205000\n'
	printf 'ffffffff81600705:\t55                   \tpush   %%rbp\n'
	exit 0
fi
[ "$1 $2 $3" = "-d --start-address=0xffffffff81600400 --stop-address=0xffffffff81600700" ] || { echo "objdump: unexpected arguments: $*" >&2; exit 1; }
printf '\n%s:     file format elf64-x86-64\n\n\nDisassembly of section load1:\n\n' "$4"
printf 'ffffffff81600400 <load1+0x1600400>:\n'
printf 'ffffffff81600400:\tf3 0f 1e fa          \tendbr64\n'
printf 'ffffffff81600404:\t0f 1f 44 00 00       \tnopl   0x0(%%rax,%%rax,1)\n'
printf 'ffffffff81600409:\t48 b8 00 00 00 00 00 \tmovabs $0x0,%%rax\n'
printf 'ffffffff81600410:\t00 00 00 \n'
printf 'ffffffff816004f0:\te8 0b fd ff ff       \tcall   0xffffffff81600200\n'
printf 'ffffffff816004f5:\t48 85 c0             \ttest   %%rax,%%rax\n'
printf 'ffffffff816005a2:\t5b                   \tpop    %%rbx\n'
printf 'ffffffff816005a3:\tc3                   \tret    \n'
printf 'ffffffff816005a4:\tcc                   \tint3   \n'
printf 'ffffffff816005f0:\te9 cb 45 c0 00       \tjmp    0xffffffff82204bc0\n'
printf 'ffffffff816005f5:\te9 06 fc ff ff       \tjmp    0xffffffff81600200\n'
EOF2
	chmod +x "$work/bin/objdump"
	"$script" --dry-run --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true \
		>"$d.stdout" 2>"$d.stderr"
	grep 'iova_.*_ret' "$d.stdout" | grep -v -- ' -:' | sed "s|$d/tracing|T|" >"$d.writes"
	cat >"$d.expected" <<'EOF2'
write T/dynamic_events <- p:qt/iova_alloc_ret alloc_iova_fast+0x1a3 pfn=%ax:x64
write T/dynamic_events <- p:qt/iova_alloc_ret alloc_iova_fast+0x1f0 pfn=%ax:x64
write T/dynamic_events <- p:qt/iova_slow_ret alloc_iova_fast+0xf5 pfn_lo=+32(%ax):x64 pfn_hi=+24(%ax):x64
EOF2
	if diff -u "$d.expected" "$d.writes"; then pass "kprobe-kcore: return offsets from objdump"; else fail "kprobe-kcore: $(cat "$d.stderr")"; fi
	# entry probes past the fentry site (int3 kprobes, interrupts off):
	# alloc_iova_fast after endbr64 and its 5-byte nop, free_iova_fast
	# after its call; the others, whose text objdump did not give, on the
	# symbol; jump optimization off during the capture, then restored
	grep -e '<- p:qt/iova_alloc ' -e '<- p:qt/iova_free ' -e '<- p:qt/iova_slow ' -e '^write .*kprobes-optimization' \
		"$d.stdout" | sed "s|$d/tracing|T|; s|$d/proc|P|" >"$d.writes"
	cat >"$d.expected" <<'EOF2'
write P/sys/debug/kprobes-optimization <- 0
write T/dynamic_events <- p:qt/iova_alloc alloc_iova_fast+0x9 iovad=%di:x64 size=%si:u64 limit_pfn=%dx:x64 flush_rcache=%cx:u8
write T/dynamic_events <- p:qt/iova_slow alloc_iova iovad=%di:x64 size=%si:u64 limit_pfn=%dx:x64 size_aligned=%cx:u8
write T/dynamic_events <- p:qt/iova_free free_iova_fast+0x5 iovad=%di:x64 pfn=%si:x64 size=%dx:u64
write P/sys/debug/kprobes-optimization <- 1
EOF2
	if diff -u "$d.expected" "$d.writes"; then pass "kprobe-kcore: entry probes past the fentry site"; else fail "kprobe-kcore: entry probes"; fi
	rm -f "$work/bin/objdump"
fi

# A group without its own enable file: its events are enabled one by one,
# restored, and the header names what was enabled.
d=$work/group-enable
make_tree "$d" 6.12
rm "$d/tracing/events/qtb/enable"
mkdir -p "$d/tracing/events/qtb/init_iova_domain" "$d/tracing/events/qtb/reserve_iova"
echo 0 >"$d/tracing/events/qtb/init_iova_domain/enable"
echo 1 >"$d/tracing/events/qtb/reserve_iova/enable"
"$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true 2>"$d.stderr"
if grep -q 'events/qtb/enable: missing; enabling its events one by one' "$d.stderr" &&
	grep -q '^# events enabled: events/iommu/enable events/dma/enable events/swiotlb/swiotlb_bounced/enable events/qtb/init_iova_domain/enable events/qtb/reserve_iova/enable events/qt/enable$' "$d/out.log" &&
	[ "$(cat "$d/tracing/events/qtb/init_iova_domain/enable")" = 0 ] &&
	[ "$(cat "$d/tracing/events/qtb/reserve_iova/enable")" = 1 ]; then
	pass "group-enable: the group's events one by one, restored"
else
	fail "group-enable: $(grep '^# events enabled' "$d/out.log") $(cat "$d.stderr")"
fi

# state of the files the script changes, as the kernel would show it
state() { # tracing dir
	# buffer_size_kb: the size in use once the buffer is expanded
	printf 'buffer_size_kb=%s\n' "$(sed 's/.*(expanded: \([0-9]*\)).*/\1/' "$1/buffer_size_kb")"
	for f in tracing_on events/iommu/enable events/dma/enable \
		events/swiotlb/swiotlb_bounced/enable events/qt/enable events/qtb/enable; do
		printf '%s=%s\n' "$f" "$(cat "$1/$f")"
	done
	# trace_clock: the selected clock
	printf 'trace_clock=%s\n' "$(sed -n 's/.*\[\([^]]*\)\].*/\1/p;t;p' "$1/trace_clock")"
}
# restored TREE NAME: every file back as it was, every probe added removed
restored() {
	t=$1/tracing
	state "$t" >"$1.state-after"
	if diff -u "$1.state-before" "$1.state-after"; then pass "$2: settings restored"; else fail "$2: settings not restored"; fi
	# the boot probes stay; each appended definition is removed once
	head -n "$(wc -l <"$1.dynevents-before")" "$t/dynamic_events" | cmp -s - "$1.dynevents-before" ||
		fail "$2: the existing dynamic events were touched"
	tail -n +"$(($(wc -l <"$1.dynevents-before") + 1))" "$t/dynamic_events" >"$1.dynevents-added"
	added=$(grep -v '^-:' "$1.dynevents-added" | sed 's/^[^:]*:\([^ ]*\) .*/\1/;s/^[^:]*:\([^ ]*\)$/\1/' | sort -u)
	removed=$(grep '^-:' "$1.dynevents-added" | sed 's/^-://' | sort)
	if [ -n "$added" ] && [ "$added" = "$removed" ]; then
		pass "$2: every probe added was removed"
	else
		fail "$2: probes added [$added] removed [$removed]"
	fi
}

# A real run of '-- true' on the 6.12 tree.
d=$work/real
make_tree "$d" 6.12
state "$d/tracing" >"$d.state-before"
cp "$d/tracing/dynamic_events" "$d.dynevents-before"
if "$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true 2>"$d.stderr"; then
	pass "real: exit 0"
else
	fail "real: exit $? ($(cat "$d.stderr"))"
fi
for want in \
	'^# capture-dma 1\.0 ' \
	'^# date: ' \
	'^# kernel: Linux version 6\.12\.95+deb12-amd64 ' \
	'^# cpus: 2 online$' \
	'^# kernel command line: BOOT_IMAGE=/vmlinuz intel_iommu=on iommu.strict=1$' \
	'^# command: true  (exit status 0)$' \
	'^#   group 1 type=DMA devs=0000:00:01\.0$' \
	'^#   0000:00:01\.0 0x1b36:0x0010 group=1 driver=nvme$' \
	'^#   dmesg: \[    0\.505887\] DMAR: Host address width 39$' \
	'^#   dmesg: \[    1\.546386\] iommu: DMA domain TLB invalidation policy: strict mode' \
	'^#   0xffff8f1305cc4c08 -> 0000:00:01\.0$' \
	'^# probe form: fprobe (return probes: f16:)$' \
	'^#       p:qtb/init_iova_domain init_iova_domain ' \
	'^#       f16:qt/iova_alloc alloc_iova_fast%return iovad=\$arg1:x64 ' \
	'^#       f:qt/iova_depot_work iova_depot_work_func$' \
	'^# ftrace: trace_clock=global, buffer_size_kb=65536 per CPU' \
	'^#   per CPU: cpu1 entries=0 overrun=0 commit_overrun=0 dropped=0$' \
	'^#   kprobe_profile: reserve_iova hits=26 missed=0$' \
	'^# loss check: nothing lost$' \
	'^# counts: attach_device_to_domain=1 init_iova_domain=1 reserve_iova=1$' \
	'^            init-1       \[000\] .....     1\.739520: init_iova_domain: (init_iova_domain+0x4/0x90) iovad=0xffff8f1305cc4c08 granule=4096 start_pfn=0x1$' \
	'^# ftrace output (the trace file), verbatim:$'; do
	grep -q "$want" "$d/out.log" || fail "real: no header line matching '$want'"
done
grep -q 'e1000e' "$d/out.log" && fail "real: a dmesg line that is not about the IOMMU"
grep -q ' map: IOMMU' "$d/out.log" && fail "real: a line from before the capture that is not a boot-time line"
grep -vq '^#' "$d/out.log" || fail "real: no event line"
restored "$d" real

# A real run on the 6.1 tree: kprobe form, the depot probe left out, the
# multi-probe return event removed once.
d=$work/real61
make_tree "$d" 6.1
state "$d/tracing" >"$d.state-before"
cp "$d/tracing/dynamic_events" "$d.dynevents-before"
if "$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" \
	--kprobe-offsets "$work/offsets" -- true 2>"$d.stderr"; then
	pass "real61: exit 0"
else
	fail "real61: exit $? ($(cat "$d.stderr"))"
fi
for want in \
	"^# probe form: kprobe; return offsets from $work/offsets\$" \
	'^# probe left out: iova_depot_work_func (absent before 6\.7: fixed depot, no trim work)$' \
	'^# boot probes: none ' \
	'^#       p:qt/iova_alloc_ret alloc_iova_fast+0x1f0 pfn=%ax:x64$'; do
	grep -q "$want" "$d/out.log" || fail "real61: no header line matching '$want'"
done
[ "$(grep -c '^-:qt/iova_alloc_ret$' "$d/tracing/dynamic_events")" = 1 ] ||
	fail "real61: the two-probe event iova_alloc_ret is not removed exactly once"
restored "$d" real61

# Events lost: the buffer overflowed while the command ran.
d=$work/lost
make_tree "$d" 6.12
state "$d/tracing" >"$d.state-before"
cp "$d/tracing/dynamic_events" "$d.dynevents-before"
"$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- \
	sh -c 'printf "# tracer: nop\n#\n# entries-in-buffer/entries-written: 10/12   #P:2\n" >"$1"' sh "$d/tracing/trace" 2>"$d.stderr"
rc=$?
if [ "$rc" = 3 ] && grep -q 'EVENTS WERE LOST: entries-in-buffer/entries-written=10/12' "$d.stderr" &&
	grep -q '^# LOST EVENTS: entries-in-buffer/entries-written=10/12;' "$d/out.log"; then
	pass "lost: exit 3 with the warning"
else
	fail "lost: exit $rc, stderr: $(cat "$d.stderr")"
fi
restored "$d" lost

# The trace is copied verbatim after the header; a LOST line is a loss.
d=$work/verbatim
make_tree "$d" 6.12
cat >"$work/trace-verbatim" <<'EOF'
# tracer: nop
#
# entries-in-buffer/entries-written: 3/3   #P:2
#
    kworker/u4:1-29      [000] ...1.     6.686748: iova_alloc_entry: (alloc_iova_fast+0x4/0x2b0)
    kworker/u4:1-29      [000] ...1.     6.687638: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=0xffff8f1305cc4008 size=1 limit_pfn=0xfffff flush_rcache=0 pfn=0xfffff
CPU:1 [LOST 7 EVENTS]
    kworker/u4:1-29      [001] .....     6.687939: map: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x000000001c57f000 size=4096
EOF
"$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- \
	cp "$work/trace-verbatim" "$d/tracing/trace" 2>"$d.stderr"
rc=$?
if [ "$rc" = 3 ] && grep -q '1 LOST line(s) in the trace' "$d.stderr" &&
	tail -n 8 "$d/out.log" | cmp -s - "$work/trace-verbatim" &&
	grep -q '^# counts: attach_device_to_domain=1 init_iova_domain=1 reserve_iova=1 iova_alloc_entry=1 iova_alloc=1 map=1$' "$d/out.log"; then
	pass "verbatim: the trace follows the header unchanged, the LOST line reported"
else
	fail "verbatim: exit $rc; $(cat "$d.stderr")"
fi

# An overrun in the per-CPU statistics is a loss too.
d=$work/overrun
make_tree "$d" 6.12
sed -i 's/^overrun: 0/overrun: 5/' "$d/tracing/per_cpu/cpu1/stats"
"$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true 2>"$d.stderr"
rc=$?
if [ "$rc" = 3 ] && grep -q 'cpu1 overrun=5' "$d.stderr"; then pass "overrun: exit 3"; else fail "overrun: exit $rc"; fi

# No command: waits until interrupted (TERM here, as Ctrl-C sends INT to
# a foreground job only), then dumps and restores.
d=$work/wait
make_tree "$d" 6.12
state "$d/tracing" >"$d.state-before"
cp "$d/tracing/dynamic_events" "$d.dynevents-before"
"$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" 2>"$d.stderr" &
pid=$!
n=0
until [ "$(cat "$d/tracing/tracing_on")" = 1 ] && grep -q 'press Ctrl-C' "$d.stderr"; do
	n=$((n + 1))
	[ "$n" -gt 100 ] && break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" = 0 ] && grep -q '^# command: none (captured until Ctrl-C)$' "$d/out.log"; then
	pass "wait: stopped by a signal, capture written"
else
	fail "wait: exit $rc"
fi
restored "$d" wait

# A setup error half-way (trace_clock cannot be written) undoes what was done.
d=$work/error
make_tree "$d" 6.12
echo '7 (expanded: 1408)' >"$d/tracing/buffer_size_kb"
state "$d/tracing" >"$d.state-before"
mv "$d/tracing/trace_clock" "$d/tracing/trace_clock.real"
mkdir "$d/tracing/trace_clock"
"$script" --tracefs "$d/tracing" --proc "$d/proc" --sysfs "$d/sys" -o "$d/out.log" -- true 2>"$d.stderr"
rc=$?
rmdir "$d/tracing/trace_clock"
mv "$d/tracing/trace_clock.real" "$d/tracing/trace_clock"
state "$d/tracing" >"$d.state-after"
if [ "$rc" = 1 ] && grep -q 'cannot set .*trace_clock to global' "$d.stderr" &&
	cmp -s "$d.state-before" "$d.state-after" && [ ! -e "$d/out.log" ]; then
	pass "error: exit 1, nothing left changed"
else
	fail "error: exit $rc; $(cat "$d.stderr"); $(diff "$d.state-before" "$d.state-after")"
fi

# Bad usage: exit 2 with a message naming the problem.
d=$work/real
bad() { # expected message, arguments...
	msg=$1
	shift
	"$script" "$@" >/dev/null 2>"$work/bad.stderr"
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "$msg" "$work/bad.stderr"; then pass "usage: $msg"; else fail "usage '$*': exit $rc, $(cat "$work/bad.stderr")"; fi
}
bad 'no output file' --tracefs "$d/tracing" -- true
bad "unknown option '--frobnicate'" --frobnicate -o x
bad "expected a positive number" --buffer-kb 12k -o x
bad "contradicts" --no-probes --swiotlb -o x
bad 'missing: is' --tracefs "$work" -o x
printf 'iova_alloc_ret 0x10\niova_slow_ret zz\n' >"$work/bad-offsets"
bad "bad-offsets:2: bad offset \"zz\"" --dry-run --tracefs "$work/kprobe-6.1/tracing" --proc "$work/kprobe-6.1/proc" \
	--kprobe-offsets "$work/bad-offsets" -o x
if "$script" --help | grep -q '^Usage: capture-dma '; then pass "--help"; else fail "--help"; fi

echo "$failures failure(s)"
[ "$failures" = 0 ]
