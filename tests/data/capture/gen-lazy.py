#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes synthetic-6.12-lazy.log and .allocations: an events-only capture
(iommu:map/unmap and dma:dma_map_page, no allocator probes) of a lazy
(DMA-FQ) domain on a 6.12 kernel with one CPU, whose IOVAs depend on when
the flush queue gives them back to the allocator:

1. two mappings unmapped within 10 ms: both wait in the flush queue, so
   the second mapping gets a new pfn (a strict domain would reuse the
   first); after the timer (10 ms after the first queued unmap) both go
   back to the CPU's range cache, and the next mapping pops the second;
2. 300 map/unmap pairs 1 us apart: the queue fills up (255 entries of
   its 256 slots) at the 255th unmap, which flushes and frees the whole
   queue at once, in queue order, then queues itself; the mappings after
   it pop the range cache (newest first);
3. a mapping after the timer: the entries queued since the full flush
   come back, and the mapping pops the newest.

It also prints the stale-mapping windows the replay reports for the
domain (--csv columns stale_windows, stale_pages, stale_mean_ns,
stale_max_ns, stale_page_ns, stale_open): each queued range's window runs
from its unmap to the flush that invalidates it, the timer's nominal
expiry (10 ms after the unmap that armed it) or the unmap whose full queue
flushed; ranges still queued at the end are counted apart. Times are the
printed microseconds.

The pfns are computed here, independently of libphyr, with the rules of
drivers/iommu/dma-iommu.c (queue_iova: free the entries of this CPU's
queue that a finished flush covers, flush and free them all when the
queue is full, append, arm the timer if it is off; fq_flush_timeout:
flush, free every queue's entries) and of iova.c's range cache for size-1
ranges (free_iova_fast pushes onto loaded, swaps with a non-full prev,
else pushes loaded onto the depot; alloc_iova_fast pops loaded, else
swaps with a non-empty prev, else takes a depot magazine, else the tree,
which hands out size-1 ranges top down from 0xfffff here).

usage: gen-lazy.py OUTDIR
"""
import sys

MAG = 127
FQ_SIZE = 256
TIMEOUT = 0.010
DEV = "0000:00:01.0"
TASK = "        dd-300     [000] ....."


class Model:
    def __init__(self):
        self.tree_next = 0xFFFFF
        self.loaded, self.prev, self.depot = [], [], []
        self.fq = []  # (pfn, counter, unmap time in us)
        self.start = self.finish = 0
        self.timer = None
        self.stale = []  # windows in ns (one page each)

    def alloc(self):
        if not self.loaded and self.prev:
            self.loaded, self.prev = self.prev, self.loaded
        if not self.loaded and self.depot:
            self.loaded = self.depot.pop()
        if self.loaded:
            return self.loaded.pop()
        pfn = self.tree_next
        self.tree_next -= 1
        return pfn

    def free_fast(self, pfn):
        if len(self.loaded) == MAG:
            if len(self.prev) < MAG:
                self.loaded, self.prev = self.prev, self.loaded
            else:
                self.depot.append(self.loaded)
                self.loaded = []
        self.loaded.append(pfn)

    def ring_free(self):
        while self.fq and self.fq[0][1] < self.finish:
            self.free_fast(self.fq.pop(0)[0])

    def flush(self, now_us):
        for (_, cnt, t) in self.fq:
            if cnt >= self.finish:
                self.stale.append((now_us - t) * 1000)
        self.start += 1
        self.finish += 1

    def queue(self, pfn, ts):
        self.ring_free()
        us = round(ts * 1e6)
        if len(self.fq) == FQ_SIZE - 1:
            self.flush(us)
            self.ring_free()
        self.fq.append((pfn, self.start, us))
        if self.timer is None:
            self.timer = ts + TIMEOUT
            self.timer_us = us + round(TIMEOUT * 1e6)

    def tick(self, ts):
        if self.timer is not None and ts >= self.timer:
            self.timer = None
            self.flush(self.timer_us)
            self.ring_free()


def main():
    out = sys.argv[1]
    lines = [
        "# synthetic capture written by gen-lazy.py: a lazy (DMA-FQ) domain, events only",
        "# kernel: Linux version 6.12.0-synthetic",
        "#   dmesg: [    1.546386] iommu: DMA domain TLB invalidation policy: lazy mode (set via kernel command line)",
        "#   iovad=0xffff888100003000 -> %s (nvme); start_pfn=0x1; reserved [0xfee00-0xfeeff]" % DEV,
        "# tracer: nop",
        "#",
        "# entries-in-buffer/entries-written: 0/0   #P:1",
        "#",
        "           init-1       [000] .....     0.900000: add_device_to_group: IOMMU: groupID=1 device=%s" % DEV,
    ]
    allocs = []
    m = Model()
    ts = [1.0]

    def line(text):
        m.tick(ts[0])
        lines.append("%s %12.6f: %s" % (TASK, ts[0], text))

    def mapping(phys):
        m.tick(ts[0])
        pfn = m.alloc()
        line("map: IOMMU: iova=0x%016x - 0x%016x paddr=0x%016x size=4096"
             % (pfn << 12, (pfn + 1) << 12, phys))
        ts[0] += 0.000001
        line("dma_map_page: %s dir=FROM_DEVICE dma_addr=%x size=4096 phys_addr=%x attrs="
             % (DEV, pfn << 12, phys))
        allocs.append("%d %s 1 0x%x" % (len(lines), DEV, pfn))
        return pfn

    def unmap(pfn):
        line("unmap: IOMMU: iova=0x%016x - 0x%016x size=4096 unmapped_size=4096"
             % (pfn << 12, (pfn + 1) << 12))
        m.queue(pfn, ts[0])

    # 1. the timer
    a = mapping(0x10000000)
    ts[0] = 1.000100
    unmap(a)
    ts[0] = 1.000200
    b = mapping(0x10001000)
    ts[0] = 1.000300
    unmap(b)
    ts[0] = 1.020000
    c = mapping(0x10002000)
    ts[0] = 1.020100
    unmap(c)
    # 2. a full queue
    ts[0] = 1.021000
    for i in range(300):
        p = mapping(0x20000000 + (i << 12))
        ts[0] += 0.000001
        unmap(p)
        ts[0] += 0.000001
    # 3. the timer again
    ts[0] = 1.040000
    d = mapping(0x10003000)
    ts[0] = 1.040100
    unmap(d)
    with open(out + "/synthetic-6.12-lazy.log", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(out + "/synthetic-6.12-lazy.allocations", "w") as f:
        f.write("\n".join(allocs) + "\n")
    w = m.stale
    still = sum(1 for (_, cnt, _) in m.fq if cnt >= m.finish)
    print("stale_windows,stale_pages,stale_mean_ns,stale_max_ns,stale_page_ns,stale_open")
    print("%d,%d,%d,%d,%d,%d" % (len(w), len(w), sum(w) // len(w), max(w), sum(w), still))


main()
