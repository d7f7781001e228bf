#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes synthetic-6.1-depot.log and .allocations: a capture, in the
kprobe form of a 6.1 kernel, that fills one CPU's size-1 depot past
MAX_GLOBAL_MAGS (32) and then allocates from it; and
synthetic-6.12-depot-trim.log and .allocations: the same frees on a 6.12
kernel (fprobe form), whose depot takes all 33 magazines, then the
delayed work trimming it to one magazine per online CPU (one magazine per
iova_depot_work run: iova_mag_free and one rb_remove per pfn), then the
same allocations.

The pfns are computed here, independently of libphyr, with the pre-6.7
magazine rules of drivers/iommu/iova.c: a fresh domain hands out size-1
ranges top down from 0xfffff; free_iova_fast pushes onto loaded, swaps
with a non-full prev, else pushes loaded onto the depot (32 magazines at
most: a full magazine meeting a full depot goes back to the tree at once,
an iova_mag_free line and one rb_remove per pfn); alloc_iova_fast pops
loaded, else swaps with a non-empty prev, else takes the depot's last
magazine. Under the v6.7+ depot the 33rd magazine would have stayed in
the depot, and the allocations reaching the depot would differ.

usage: gen-depot61.py OUTDIR
"""
import sys

MAG = 127
MAX_GLOBAL_MAGS = 32
IOVAD = 0xffff888100002000
NALLOC = 2 * MAG + 1 + 32 * MAG  # the last free makes the 33rd depot push
NREUSE = 1 + MAG + 3         # loaded's one pfn, prev's 127, 3 from the depot

out = sys.argv[1] if len(sys.argv) > 1 else "."


def generate(v612):
    lines = []
    allocs = []
    t = [1.0]
    st = {"loaded": [], "prev": [], "depot": [], "nxt": 0xfffff}

    def emit(task, flags, event, payload):
        t[0] += 0.000001
        lines.append("%16s [000] %s %12.6f: %s: %s" % (task, flags, t[0], event, payload))
        return len(lines)

    if v612:
        lines.extend([
            "# Synthetic capture (gen-depot61.py): Linux 6.12 allocator probes, fprobe form, one CPU",
            "# kernel: Linux version 6.12.99-amd64 (synthetic) #1 SMP PREEMPT_DYNAMIC Debian 6.12.999-1",
            "#       f:qt/iova_depot_work iova_depot_work_func",
        ])
    else:
        lines.extend([
            "# Synthetic capture (gen-depot61.py): Linux 6.1 allocator probes, kprobe form, one CPU",
            "# kernel: Linux version 6.1.0-99-amd64 (synthetic) #1 SMP PREEMPT_DYNAMIC Debian 6.1.999-1",
            "#       p:qt/iova_alloc alloc_iova_fast+0x5 iovad=%di:x64 size=%si:u64 limit_pfn=%dx:x64 flush_rcache=%cx:u8",
            "#       p:qt/iova_alloc_ret alloc_iova_fast+0x11c pfn=%ax:x64",
            "#       p:qt/iova_slow alloc_iova+0x5 iovad=%di:x64 size=%si:u64 limit_pfn=%dx:x64 size_aligned=%cx:u8",
            "#       p:qt/iova_slow_ret alloc_iova_fast+0x97 pfn_lo=+32(%ax):x64 pfn_hi=+24(%ax):x64",
            "#       p:qt/iova_free free_iova_fast+0x5 iovad=%di:x64 pfn=%si:x64 size=%dx:u64",
        ])
    lines.extend([
        "# tracer: nop",
        "#",
        "# entries-in-buffer/entries-written: 0/0   #P:1",
        "#",
        "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
        "#              | |         |   |||||     |         |",
    ])
    emit("swapper/0-1", ".....", "init_iova_domain",
         "(init_iova_domain+0x4/0x90) iovad=0x%x granule=4096 start_pfn=0x1" % IOVAD)

    def mag_free(task, mag):
        emit(task, "d.Z..", "iova_mag_free",
             "(iova_magazine_free_pfns+0x5/0x90) mag=0xffff888104560000 iovad=0x%x mag_size=%d"
             % (IOVAD, len(mag)))
        for p in mag:
            emit(task, "d.Z..", "rb_remove",
                 "(remove_iova+0x5/0x60) iovad=0x%x pfn_lo=0x%x pfn_hi=0x%x" % (IOVAD, p, p))

    def alloc(task):
        if v612:
            emit(task, "...1.", "iova_alloc_entry", "(alloc_iova_fast+0x4/0x3e0)")
        else:
            emit(task, "d.Z..", "iova_alloc",
                 "(alloc_iova_fast+0x5/0x1e0) iovad=0x%x size=1 limit_pfn=0xfffff flush_rcache=1" % IOVAD)
        if not st["loaded"] and st["prev"]:
            st["loaded"], st["prev"] = st["prev"], st["loaded"]
        elif not st["loaded"] and st["depot"]:
            st["loaded"] = st["depot"].pop()
        if st["loaded"]:
            pfn = st["loaded"].pop()  # the last pfn is always within the limit here
        else:
            pfn = st["nxt"]
            st["nxt"] -= 1
            if v612:
                emit(task, "...1.", "iova_slow",
                     "(alloc_iova_fast+0x1c6/0x3e0 <- alloc_iova) iovad=0x%x size=1 limit_pfn=0xfffff "
                     "size_aligned=1 pfn_lo=0x%x pfn_hi=0x%x" % (IOVAD, pfn, pfn))
            else:
                emit(task, "d.Z..", "iova_slow",
                     "(alloc_iova+0x5/0x90) iovad=0x%x size=1 limit_pfn=0xfffff size_aligned=1" % IOVAD)
                emit(task, "d.Z..", "iova_slow_ret",
                     "(alloc_iova_fast+0x97/0x1e0) pfn_lo=0x%x pfn_hi=0x%x" % (pfn, pfn))
        if v612:
            ln = emit(task, "...1.", "iova_alloc",
                      "(iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=0x%x size=1 "
                      "limit_pfn=0xfffff flush_rcache=0 pfn=0x%x" % (IOVAD, pfn))
        else:
            ln = emit(task, "d.Z..", "iova_alloc_ret", "(alloc_iova_fast+0x11c/0x1e0) pfn=0x%x" % pfn)
        allocs.append("%d 0x%x 1 0x%x" % (ln, IOVAD, pfn))

    def free(task, pfn):
        emit(task, "d.Z..", "iova_free",
             "(free_iova_fast+0x5/0x140) iovad=0x%x pfn=0x%x size=1" % (IOVAD, pfn))
        to_free = None
        if len(st["loaded"]) == MAG:
            if len(st["prev"]) < MAG:
                st["loaded"], st["prev"] = st["prev"], st["loaded"]
            else:
                if v612 or len(st["depot"]) < MAX_GLOBAL_MAGS:
                    st["depot"].append(st["loaded"])
                else:
                    to_free = st["loaded"]
                st["loaded"] = []
        st["loaded"].append(pfn)
        if to_free is not None:
            mag_free(task, to_free)

    for _ in range(NALLOC):
        alloc("fio-300")
    pfns = [int(a.split()[3], 16) for a in allocs]
    for p in pfns:
        free("fio-300", p)
    if v612:
        # the depot work: one magazine per run while the depot holds more
        # magazines than the online CPUs (1), newest first
        while True:
            emit("kworker/0:0-9", ".....", "iova_depot_work", "(iova_depot_work_func+0x4/0xa0)")
            if len(st["depot"]) <= 1:
                break
            mag_free("kworker/0:0-9", st["depot"].pop())
    for _ in range(NREUSE):
        alloc("fio-300")
    name = "synthetic-6.12-depot-trim" if v612 else "synthetic-6.1-depot"
    with open(out + "/" + name + ".log", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(out + "/" + name + ".allocations", "w") as f:
        f.write("\n".join(allocs) + "\n")


generate(False)
generate(True)
