#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Audit model of `phyr-sim sg-build` (format: docs/formats.md).

An independent re-statement, in Python, of what Linux v6.17-rc4's
lib/scatterlist.c does for sg_alloc_table_from_pages_segment and the
two-call sg_alloc_append_table_from_pages sequence, as built with the
kernel's userspace harness (tools/testing/scatterlist). Facts used (read in
the kernel sources, written here in our own words):

  * max_segment (u32) is rounded down to a page multiple; below one page the
    call fails with -EINVAL before touching anything.
  * Chunks are found by walking the pages: a running u32 byte counter grows
    by one page per step and a new chunk starts when it reaches max_segment
    or when the next pfn is not the previous one plus one. The page offset
    plays no part in that walk.
  * Each chunk becomes one entry: page = chunk's first page, offset = the
    caller's offset for the first chunk only, length = min(remaining size as
    u64, chunk_size) stored as u32, where chunk_size = pages * 4096 - offset
    computed in u32 (so it wraps when offset exceeds the chunk). Then the
    remaining size (u64) loses chunk_size, wrapping below zero.
  * Entries come from get_next_sg: with a current entry, the slot after it
    is used unless that slot is the END-marked last slot of its array and
    more than one entry (chunks still to place + left_pages) is needed; in
    that case (or with no current entry) a new array of
    min(needed, SG_MAX_SINGLE_ALLOC) slots is allocated, zeroed, its last
    slot END-marked; it is chained from that next slot (which becomes a link,
    so total_nents grows by size - 1) or becomes the table's first array
    (total_nents = size).
  * Append with an existing previous entry: the offset must be 0. The pfn
    following the previous entry's end, (phys(prv) + prv.length) / 4096
    with phys = page address + offset, is compared with the first new page;
    when equal, pages continuing the run are added to prv.length one page
    at a time while prv.length + PAGE_SIZE <= max_segment. If every page is
    absorbed, nothing else changes (END marked when left_pages is 0).
    Otherwise the rest is chunked as above, and nents grows by the new
    entries. The merged pages do not reduce the size argument.
  * The END marker is set on the last entry when left_pages is 0.
  * Harness detail: PAGE_SIZE is the plain int 4096 in the harness's
    linux/mm.h, so "prv.length + PAGE_SIZE" is a u32 sum (wraps); in a real
    kernel PAGE_SIZE is unsigned long. HARNESS_PAGE_SIZE_INT selects it.

    audit_model.py PHYR_SIM [SEED] [COUNT]   random vectors vs phyr-sim, both layouts
    audit_model.py PHYR_SIM sweep            all small cases and array boundaries
    audit_model.py --run FILE [--max N]      print the model's output lines
    audit_model.py --gen SEED COUNT          print random input lines
"""
import random
import subprocess
import sys
import tempfile

U32 = (1 << 32) - 1
U64 = (1 << 64) - 1
PAGE = 4096
EINVAL = -22
HARNESS_PAGE_SIZE_INT = True
MAX_SEGS = [4294967295, 65536, 65535, 4096, 8192, 131072, 524288, 1048576,
            2147483648, 6000, 12305]


class Undefined(Exception):
    """Linux would dereference NULL or read out of bounds."""


class Slot:
    __slots__ = ('pfn', 'off', 'len', 'end', 'link')

    def __init__(self):
        self.pfn = None
        self.off = 0
        self.len = 0
        self.end = False
        self.link = None     # index of the array this slot chains to


class AppendTable:
    def __init__(self, per_array):
        self.per_array = per_array
        self.arrays = []      # list of lists of Slot
        self.first = None     # index of the first array
        self.nents = 0
        self.orig_nents = 0
        self.total_nents = 0
        self.prv = None       # (array, slot) of the last populated entry

    def slot(self, pos):
        return self.arrays[pos[0]][pos[1]]

    def following(self, pos):
        """sg_next."""
        if self.slot(pos).end:
            raise Undefined('sg_next past the END entry')
        a, i = pos[0], pos[1] + 1
        if i >= len(self.arrays[a]):
            raise Undefined('walk off an array')
        if self.slot((a, i)).link is not None:
            return (self.slot((a, i)).link, 0)
        return (a, i)

    def new_array(self, n):
        arr = [Slot() for _ in range(n)]
        arr[-1].end = True
        self.arrays.append(arr)
        return len(self.arrays) - 1

    def take_slot(self, cur, needed):
        """get_next_sg."""
        if cur is not None:
            nxt = self.following(cur)
            if not self.slot(nxt).end or needed == 1:
                return nxt
        size = min(needed, self.per_array)
        idx = self.new_array(size)
        if cur is not None:
            link = self.slot(nxt)
            link.link = idx
            link.end = False
            link.pfn = None
            self.total_nents += size - 1
        else:
            self.first = idx
            self.total_nents = size
        return (idx, 0)

    def walk(self, count):
        """for_each_sg over count entries."""
        out = []
        pos = (self.first, 0)
        for k in range(count):
            if k:
                pos = self.following(pos)
            out.append(self.slot(pos))
        return out


def split_chunks(pfns, max_seg):
    """[(first index, end index)] in the kernel's greedy order."""
    res = []
    start = 0
    n = len(pfns)
    while start < n:
        run = 0
        j = start + 1
        while j < n:
            run = (run + PAGE) & U32
            if run >= max_seg or pfns[j] != pfns[j - 1] + 1:
                break
            j += 1
        res.append((start, j))
        start = j
    return res


def append_pages(t, pfns, offset, size, max_seg, left_pages):
    max_seg = (max_seg & U32) & ~(PAGE - 1)
    if max_seg < PAGE:
        return EINVAL
    offset &= U32
    size &= U64
    if not pfns:
        raise Undefined('n_pages 0')
    cur = t.prv
    if t.prv is not None:
        if offset:
            return EINVAL
        p = t.slot(t.prv)
        # the harness's phys is (pfn + 1) * 4096; the +1 cancels in pfn terms
        after = ((p.pfn + 1) * PAGE + p.off + p.len) // PAGE - 1
        if pfns[0] == after:
            last = after - 1
            used = 0
            while used < len(pfns) and pfns[used] == last + 1:
                grown = p.len + PAGE
                if HARNESS_PAGE_SIZE_INT:
                    grown &= U32
                if grown > max_seg:
                    break
                p.len = (p.len + PAGE) & U32
                last = pfns[used]
                used += 1
            pfns = pfns[used:]
            if not pfns:
                if not left_pages:
                    p.end = True
                return 0
    chunks = split_chunks(pfns, max_seg)
    count = len(chunks)
    for i, (a, b) in enumerate(chunks):
        cur = t.take_slot(cur, (count - i + left_pages) & U32)
        csize = (((b - a) << 12) - offset) & U32
        s = t.slot(cur)
        s.pfn = pfns[a]
        s.off = offset
        s.len = min(size, csize) & U32
        size = (size - csize) & U64
        offset = 0
    t.nents += count
    t.orig_nents = t.nents
    t.prv = cur
    if not left_pages:
        t.slot(cur).end = True
    return 0


def run_vector(pages, app, offset, size, max_seg, per_array):
    t = AppendTable(per_array)
    if app is None:
        ret = append_pages(t, pages, offset, size, max_seg, 0)
    else:
        ret = append_pages(t, pages, offset, size, max_seg, len(app))
        if ret == 0:
            ret = append_pages(t, app, 0, size, max_seg, 0)
    if ret:
        return 'ret=%d' % ret
    ents = t.walk(t.nents)
    total = t.total_nents if app is not None else t.orig_nents
    segs = ','.join('%d+%d:%d' % (s.pfn, s.off, s.len) for s in ents)
    return 'ret=0 nents=%d orig_nents=%d total_nents=%d segs=%s bytes=%d' % (
        t.nents, t.orig_nents, total, segs, sum(s.len for s in ents))


def parse(line):
    kv = dict(tok.split('=', 1) for tok in line.split())
    pages = [int(x) for x in kv['pages'].split(',')]
    app = [int(x) for x in kv['app'].split(',')] if 'app' in kv else None
    return pages, app, int(kv['offset']), int(kv['size']), int(kv['max_seg'])


def fmt(pages, app, offset, size, max_seg):
    s = 'pages=' + ','.join(map(str, pages))
    if app is not None:
        s += ' app=' + ','.join(map(str, app))
    return s + ' offset=%d size=%d max_seg=%d' % (offset, size, max_seg)


# ---- random vectors ----------------------------------------------------

def rand_pfns(rng, n, start=None):
    pfn = rng.randrange(0, 1 << 20) if start is None else start
    out = []
    brk = rng.choice([0.0, 0.01, 0.05, 0.2, 0.5, 0.9])
    for _ in range(n):
        out.append(pfn)
        r = rng.random()
        if r < brk:
            kind = rng.random()
            if kind < 0.5:
                pfn += rng.randrange(2, 1000)          # forward gap
            elif kind < 0.8:
                pfn = max(0, pfn - rng.randrange(1, 1000))  # backward jump
            # else: duplicate (pfn stays)
        else:
            pfn += 1
    return out


def rand_count(rng):
    r = rng.random()
    if r < 0.4:
        return rng.randrange(1, 20)
    if r < 0.7:
        return rng.randrange(1, 300)
    return rng.randrange(1, 1201)


def rand_size(rng, n, offset):
    return max(0, rand_size_raw(rng, n, offset))


def rand_size_raw(rng, n, offset):
    span = max(0, n * PAGE - offset)
    r = rng.random()
    if r < 0.55:   # partial last page
        return max(0, span - rng.randrange(0, PAGE))
    if r < 0.65:
        return span
    if r < 0.75:   # smaller than the span: the wrap quirk
        return rng.randrange(0, max(1, span))
    if r < 0.8:
        return 0
    if r < 0.85:
        return rng.choice([U64, U32, 1 << 32, (1 << 32) + 5, U64 - 4095])
    if r < 0.9:
        return span + rng.randrange(0, 100000)
    return max(0, span - rng.randrange(0, 20 * PAGE))


def rand_offset(rng):
    r = rng.random()
    if r < 0.35:
        return 0
    if r < 0.85:
        return rng.randrange(0, PAGE)
    if r < 0.9:
        return rng.choice([4095, 4096, 4097, 8191, 8192, 8193])
    if r < 0.97:
        return rng.randrange(PAGE, 40000)
    return rng.randrange(0, 1 << 32)


def rand_vector(rng, idx):
    n = rand_count(rng)
    pages = rand_pfns(rng, n)
    offset = rand_offset(rng)
    r = rng.random()
    if r < 0.9:
        max_seg = rng.choice(MAX_SEGS)
    elif r < 0.92:
        max_seg = rng.choice([0, 1, 4095, 4096, 4097, 8191, U32 - 4095, U32 - 4096])
    else:
        max_seg = rng.randrange(0, 1 << 32)
    app = None
    if idx % 9 == 8:
        m = rand_count(rng)
        r = rng.random()
        if r < 0.4:
            start = pages[-1] + 1
        elif r < 0.5:
            start = pages[-1]
        else:
            start = None
        app = rand_pfns(rng, m, start)
        if rng.random() < 0.5:
            offset = rng.randrange(0, PAGE) if rng.random() < 0.7 else 0
    size = rand_size(rng, n, offset)
    return pages, app, offset, size, max_seg


def gen(seed, count):
    rng = random.Random(seed)
    return [rand_vector(rng, i) for i in range(count)]


def sweep():
    """Every small case, plus chunk-array boundaries of both layouts."""
    import itertools
    out = []
    offsets = [0, 1, 4095, 4096, 4097, 8191, 8192, 8193, 12288]
    segs = [4096, 8192, 12288, 4294967295]
    for n in range(1, 5):
        for pages in itertools.product(range(4), repeat=n):
            pages = list(pages)
            for off in offsets:
                span = n * PAGE
                sizes = {0, 1, max(0, span - off), max(0, span - off - 1),
                         span - off + 5 if span > off else 7, span, U64}
                for ms in segs:
                    out.extend((pages, None, off, sz, ms) for sz in sorted(sizes))
    small = [[0], [1], [0, 1], [1, 2], [2, 3], [3, 4], [4], [4, 5, 6], [2], [1, 2, 3]]
    for pages in small:
        for app in small:
            for off in [0, 1, 4095, 4096, 4097]:
                for ms in segs:
                    for sz in [0, 1, 4095, 4096, 8192, 12288, U64]:
                        out.append((pages, app, off, sz, ms))
    counts = [1, 2, 3, 126, 127, 128, 129, 130, 168, 169, 170, 171, 172, 253, 254, 255,
              256, 257, 339, 340, 341]
    for a in counts:
        for b in counts:
            pages = [2 * i for i in range(a)]
            for cont in (0, 1):
                start = pages[-1] + (1 if cont else 3)
                app = [start] + [start + 2 + 2 * i for i in range(b - 1)]
                out.append((pages, app, 0, a * PAGE, 4294967295))
                out.append((pages, app, 100, a * PAGE - 105, 8192))
    return out


def model_line(v, per_array):
    try:
        return run_vector(*v, per_array=per_array)
    except Undefined:
        return None


def compare(sim, seed, count):
    vecs = sweep() if seed == 'sweep' else gen(int(seed), count)
    bad = 0
    checked = 0
    for layout, per_array in (('64', 170), ('64-len-flags', 128)):
        lines, exps = [], []
        for v in vecs:
            e = model_line(v, per_array)
            if e is None:
                continue
            lines.append(fmt(*v))
            exps.append(e)
        with tempfile.NamedTemporaryFile('w', suffix='.txt') as f:
            f.write('\n'.join(lines) + '\n')
            f.flush()
            res = subprocess.run([sim, 'sg-build', '--layout', layout, f.name],
                                 capture_output=True, text=True)
        if res.returncode != 0:
            print('seed %s layout %s: phyr-sim exit %d: %s' % (seed, layout, res.returncode,
                                                               res.stderr.strip()))
            return 1
        got = res.stdout.splitlines()
        if len(got) != len(exps):
            print('seed %s layout %s: %d lines, expected %d' % (seed, layout, len(got), len(exps)))
            return 1
        for inp, e, g in zip(lines, exps, got):
            checked += 1
            if e != g:
                bad += 1
                if bad <= 5:
                    print('seed %s layout %s MISMATCH\n  in:   %s\n  want: %s\n  got:  %s' % (
                        seed, layout, inp[:300], e[:300], g[:300]))
    print('seed %s: %d vectors compared (2 layouts), %d mismatches' % (seed, checked, bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == '--run':
        per_array = 128
        if len(argv) >= 4 and argv[3] == '--max':
            per_array = int(argv[4])
        with open(argv[2]) as f:
            for line in f:
                line = line.split(' -> ')[0].strip()
                if not line or line.startswith('#'):
                    continue
                out = model_line(parse(line), per_array)
                print(out if out is not None else 'UNDEFINED')
        return 0
    if len(argv) >= 2 and argv[1] == '--gen':
        for v in gen(int(argv[2]), int(argv[3])):
            print(fmt(*v))
        return 0
    if len(argv) < 2:
        print(__doc__)
        return 2
    sim = argv[1]
    seed = argv[2] if len(argv) > 2 else '1'
    count = int(argv[3]) if len(argv) > 3 else 2000
    return compare(sim, seed, count)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
