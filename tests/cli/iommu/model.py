#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential check of `phyr-sim iommu replay` (ARM LPAE stage-1 formats)
against an independent model written from docs/formats.md
and spec/kernel.md sections 4 and 5 (facts checked in the v6.17 sources:
io-pgtable-arm.c map/unmap/walk, iommu.c iommu_pgsize / iommu_map_nosync /
__iommu_unmap).

The model keeps real descriptors (integers) in table objects. The top-level
table is as large as its allocation (a whole 4 KiB page at least, like
iommu_alloc_pages_node_sz gives), not only its pgd entries: a run of leaves
at the start level is limited by the entries of a FULL table, so it may spill
into the unused tail of a small pgd page, where the walks never look.

    model.py [--skip-known] PHYR_SIM [SEED] [SCRIPTS] [OPS]   random scripts
    model.py --run FILE                          print the model's output
"""
import random
import subprocess
import sys

M64 = (1 << 64) - 1
SZ_4K, SZ_16K, SZ_64K = 1 << 12, 1 << 14, 1 << 16
FMTS = {
    'arm-lpae-s1-4k': (12, SZ_4K | (1 << 21) | (1 << 30), 48),
    'arm-lpae-s1-16k': (14, SZ_16K | (1 << 25), 48),
    'arm-lpae-s1-64k': (16, SZ_64K | (1 << 29), 52),
}
OAS_OK = (32, 36, 40, 42, 44, 48, 52)
ADDR_MASK = ((1 << 48) - 1) & ~((1 << 12) - 1)    # descriptor bits 47:12
PTE_BASE = (1 << 11) | (1 << 10) | (2 << 8) | (1 << 6)  # nG AF SH=OS AP[1]
AP_RDONLY = 1 << 7
EINVAL, EEXIST, ERANGE, ENODEV = -22, -17, -34, -19


class Undefined(Exception):
    """The kernel's behaviour is not defined (heap overflow, endless loop)."""


# --skip-known: cut scripts at divergences already reported (see the audit-*
# traces), so that the random check keeps looking for new ones.
SKIP_KNOWN = False


def s32(v):
    """min_t(int, ...) casts the page count to int."""
    v &= 0xffffffff
    return v - (1 << 32) if v & 0x80000000 else v


def c_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def fls(v):
    return v.bit_length() - 1


def ffs(v):
    return (v & -v).bit_length() - 1


class Table:
    def __init__(self, nslots):
        self.e = [0] * nslots      # int descriptor or Table


class Pgtable:
    def __init__(self, g, ias, oas, bitmap):
        self.g = g
        self.bpl = g - 3
        self.ias, self.oas, self.bitmap = ias, oas, bitmap
        va_bits = ias - g
        levels = c_div(va_bits + self.bpl - 1, self.bpl)
        self.start = 4 - levels
        self.pgd_bits = va_bits - self.bpl * (levels - 1)
        if self.pgd_bits < 0:
            raise Undefined('negative pgd shift')
        self.ppt = 1 << self.bpl                  # entries of a full table
        self.pgd_entries = 1 << self.pgd_bits
        nbytes = max(8 << self.pgd_bits, 64)
        alloc = 4096
        while alloc < nbytes:
            alloc <<= 1
        self.pgd = Table(alloc // 8)

    def shift(self, lvl):
        return (4 - lvl) * self.bpl + 3

    def bsize(self, lvl):
        return 1 << self.shift(lvl)

    def idx(self, iova, lvl):
        width = self.pgd_bits if lvl == self.start else self.bpl
        return (iova >> self.shift(lvl)) & ((1 << width) - 1)

    def is_leaf(self, e, lvl):
        if isinstance(e, Table) or e == 0:
            return False
        return (e & 3) == (3 if lvl == 3 else 1)

    def to_pte(self, pa):
        return (pa | (pa >> 36)) & ADDR_MASK

    def to_pa(self, pte):
        pa = pte & ADDR_MASK
        if self.g < 16:
            return pa
        return (pa | (pa << 36)) & (ADDR_MASK << 4) & M64

    def slot(self, t, i):
        if i >= len(t.e):
            raise Undefined('write past the table page')
        return i

    # io-pgtable map_pages
    def map_pages(self, iova, pa, pgsize, count, prot):
        mapped = 0
        iaext = (iova - (1 << 64) if iova >> 63 else iova) >> self.ias
        if iaext or pa >> self.oas:
            return ERANGE, 0
        desc = PTE_BASE | (AP_RDONLY if prot == 'r' else 0)
        t, lvl = self.pgd, self.start
        while True:
            i0 = self.idx(iova, lvl)
            bs = self.bsize(lvl)
            if pgsize == bs:
                n = min(s32(count), self.ppt - (i0 & (self.ppt - 1)))
                for i in range(n):
                    e = t.e[self.slot(t, i0 + i)]
                    if self.is_leaf(e, lvl):
                        return EEXIST, 0
                    if isinstance(e, Table):
                        t.e[i0 + i] = 0   # whole subtree freed
                typ = 3 if lvl == 3 else 1
                for i in range(n):
                    t.e[i0 + i] = desc | typ | self.to_pte((pa + i * bs) & M64)
                return 0, (n * bs) & M64
            if lvl >= 3:
                return EINVAL, 0
            e = t.e[i0]
            if e == 0:
                e = t.e[i0] = Table(self.ppt)
            elif not isinstance(e, Table):
                return EEXIST, 0
            t, lvl = e, lvl + 1

    def unmap_pages(self, iova, pgsize, count):
        iaext = (iova - (1 << 64) if iova >> 63 else iova) >> self.ias
        if iaext or not count:
            return 0
        t, lvl = self.pgd, self.start
        while True:
            if lvl == 4:
                return 0
            i0 = self.idx(iova, lvl)
            e = t.e[i0]
            if e == 0:
                return 0
            bs = self.bsize(lvl)
            if pgsize == bs:
                n = min(s32(count), self.ppt - (i0 & (self.ppt - 1)))
                i = 0
                while i < n:
                    if t.e[self.slot(t, i0 + i)] == 0:
                        break
                    t.e[i0 + i] = 0
                    i += 1
                return i * bs
            if self.is_leaf(e, lvl):
                return 0
            t, lvl = e, lvl + 1

    def walk(self, iova):
        """(descriptor, level) of the leaf that translates iova, or None."""
        if iova == M64:
            raise Undefined('walk of an empty range')
        t, lvl = self.pgd, self.start
        while True:
            if lvl == 4:
                return None
            e = t.e[self.idx(iova, lvl)]
            if self.is_leaf(e, lvl):
                return e, lvl
            if not isinstance(e, Table):
                return None
            t, lvl = e, lvl + 1

    def phys(self, iova):
        w = self.walk(iova)
        if w is None:
            return 0
        return self.to_pa(w[0]) | (iova & (self.bsize(w[1]) - 1))

    def stat(self):
        cnt = [0, 0, 0, 0, 0]

        def visit(t, lvl, n):
            cnt[0] += 1
            for e in t.e[:n]:
                if isinstance(e, Table):
                    if lvl < 3:
                        visit(e, lvl + 1, self.ppt)
                elif self.is_leaf(e, lvl):
                    cnt[1 + lvl] += 1
        visit(self.pgd, self.start, self.pgd_entries)
        return cnt


class Domain:
    def __init__(self):
        self.pt = None
        self.bitmap = 0

    def pgtable(self, fmt, ias, oas):
        self.pt, self.bitmap = None, 0
        g, bitmap, maxbits = FMTS[fmt]
        ias &= 0xffffffff    # cfg->ias and cfg->oas are unsigned int
        oas &= 0xffffffff
        ias, oas = min(ias, maxbits), min(oas, maxbits)
        if oas not in OAS_OK:
            return '-12'
        self.pt = Pgtable(g, ias, oas, bitmap)
        self.bitmap = bitmap
        return 'ok'

    def pgsize(self, iova, pa, size):
        merge = iova | pa
        sizes = self.bitmap & ((2 << fls(size)) - 1)
        if merge:
            sizes &= (2 << ffs(merge)) - 1
        if not sizes:
            raise Undefined('BUG_ON in iommu_pgsize')
        idx = fls(sizes)
        pgsize = 1 << idx
        bigger = self.bitmap & ~((2 << idx) - 1)
        if bigger:
            nxt = bigger & -bigger
            if not ((iova ^ pa) & (nxt - 1)):
                off = nxt - (merge & (nxt - 1))
                if off + nxt <= M64 and off + nxt <= size:
                    size = off
        return pgsize, size >> idx

    def unmap(self, iova, size):
        if not self.bitmap:
            return 0
        if (iova | size) & ((self.bitmap & -self.bitmap) - 1):
            return 0
        done = 0
        while done < size:
            pgsize, count = self.pgsize(iova, iova, size - done)
            n = self.pt.unmap_pages(iova, pgsize, count)
            if not n:
                break
            iova = (iova + n) & M64
            done += n
        return done

    def map(self, iova, pa, size, prot):
        if not self.bitmap:
            return ENODEV
        if (iova | pa | size) & ((self.bitmap & -self.bitmap) - 1):
            return EINVAL
        orig_iova, orig_size = iova, size
        ret = 0
        calls = 0
        while size:
            calls += 1
            if calls > 20000:
                raise Undefined('too long for the model')
            pgsize, count = self.pgsize(iova, pa, size)
            ret, mapped = self.pt.map_pages(iova, pa, pgsize, count, prot)
            if SKIP_KNOWN and mapped > size:
                raise Undefined('known: audit-huge-count')
            size = (size - mapped) & M64
            if ret:
                break
            if not mapped:
                raise Undefined('map loop makes no progress')
            iova = (iova + mapped) & M64
            pa = (pa + mapped) & M64
        if ret:
            self.unmap(orig_iova, (orig_size - size) & M64)
        return ret


def run_line(d, tok):
    op = tok[0]
    num = lambda s: int(s, 0)
    if op == 'pgtable':
        return d.pgtable(tok[1], num(tok[2]), num(tok[3]))
    if op == 'map':
        r = d.map(num(tok[1]), num(tok[2]), num(tok[3]), tok[4])
        return 'ok' if r == 0 else str(r)
    if op == 'unmap':
        return str(d.unmap(num(tok[1]), num(tok[2])))
    if op == 'phys':
        return hex(d.pt.phys(num(tok[1]))) if d.pt else '0x0'
    if op == 'pte':
        w = d.pt.walk(num(tok[1])) if d.pt else None
        return 'none' if w is None else '%s level=%d' % (hex(w[0]), w[1])
    if op == 'stat':
        c = d.pt.stat() if d.pt else [0] * 5
        return 'tables=%d leaf0=%d leaf1=%d leaf2=%d leaf3=%d' % tuple(c)
    raise ValueError(op)


def run_script(lines):
    """Model output, one entry per op line; None from the first undefined op."""
    d, out = Domain(), []
    for ln in lines:
        tok = ln.split('#')[0].split()
        if not tok:
            continue
        try:
            out.append(run_line(d, tok))
        except Undefined:
            out.append(None)
            break
    return out


# ---- random scripts

def rnd_addr(r, pt, g, ias, oas, mapped):
    """An address biased towards interesting places."""
    k = r.random()
    page = 1 << g
    blk = 1 << (2 * g - 3)
    if mapped and k < 0.35:
        base = r.choice(mapped)
        return (base + r.choice([0, 0, page, -page, blk, 2 * page, r.randrange(-8, 9) * page])) & M64
    if k < 0.5:   # near the top of the IAS or OAS range
        top = 1 << r.choice([ias, oas, ias, 48, 52, 63])
        return (top - r.randrange(0, 6) * r.choice([page, blk])) & M64
    if k < 0.55:
        return r.choice([0, page // 2, r.randrange(0, 1 << 20)])
    lim = min(ias, 40)
    a = r.randrange(0, 1 << lim)
    align = r.choice([g, g, g, 2 * g - 3, 2 * g - 3, 3 * g - 6 if g == 12 else 2 * g - 3])
    return a & ~((1 << align) - 1)


def rnd_size(r, g):
    page = 1 << g
    blk = 1 << (2 * g - 3)
    k = r.random()
    if k < 0.03:     # huge: page counts beyond INT_MAX, wrapping sizes
        v = r.choice([r.getrandbits(64), (1 << r.randrange(48, 64)) * r.randrange(1, 8),
                      (M64 + 1 - (1 << r.randrange(30, 63)))])
        return v & M64 & ~(page - 1)
    if k < 0.4:
        return page * r.randrange(1, 20)
    if k < 0.7:
        return blk * r.randrange(1, 4) + page * r.choice([0, 0, 1, 3, -1 if True else 0])
    if k < 0.8 and g == 12:
        return (1 << 30) * r.randrange(1, 3) + r.choice([0, blk, page])
    if k < 0.85:
        return r.choice([0, page // 2, page + 1])
    if k < 0.9:
        return page * r.randrange(500, 1200)
    return blk * r.randrange(1, 600) if r.random() < 0.5 else page * r.randrange(1, 3000)


def gen_script(r, nops):
    fmt = r.choice(list(FMTS))
    g = FMTS[fmt][0]
    lines = []

    def new_pgtable():
        k = r.random()
        if k < 0.5:
            ias = r.choice([48, 48, 40, 39, 36, 32, 42, 44, 47, 52])
        elif k < 0.9:
            ias = r.randrange(g + 1, 53)
        else:
            ias = r.randrange(3, g + 1)
        oas = r.choice([48, 48, 40, 32, 36, 42, 44, 52, 50, 33, 30, 41, 64, 47, ias])
        return fmt, ias, oas

    cur = new_pgtable()
    lines.append('pgtable %s %d %d' % cur)
    mapped = []
    for _ in range(nops):
        _, ias, oas = cur
        ias, oas = min(ias, FMTS[fmt][2]), min(oas, FMTS[fmt][2])
        k = r.random()
        if k < 0.02:
            cur = new_pgtable()
            lines.append('pgtable %s %d %d' % cur)
            mapped = []
        elif k < 0.45:
            iova = rnd_addr(r, None, g, ias, oas, mapped)
            pa = rnd_addr(r, None, g, oas, oas, []) if r.random() < 0.8 else iova
            if r.random() < 0.3:   # same offset inside a block
                blk = 1 << (2 * g - 3)
                pa = (pa & ~(blk - 1)) | (iova & (blk - 1))
            size = rnd_size(r, g)
            lines.append('map 0x%x 0x%x 0x%x %s' % (iova, pa, size, r.choice(['r', 'w', 'rw'])))
            mapped.append(iova)
        elif k < 0.7:
            iova = rnd_addr(r, None, g, ias, oas, mapped)
            lines.append('unmap 0x%x 0x%x' % (iova, rnd_size(r, g)))
        elif k < 0.82:
            iova = rnd_addr(r, None, g, ias, oas, mapped)
            lines.append('phys 0x%x' % ((iova + r.randrange(0, 1 << g)) & (M64 - 1)))
        elif k < 0.94:
            iova = rnd_addr(r, None, g, ias, oas, mapped)
            lines.append('pte 0x%x' % ((iova + r.randrange(0, 1 << g)) & (M64 - 1)))
        else:
            lines.append('stat')
    return lines


def gen_dense(r, nops):
    """Operations packed into a small window, so that they interact."""
    fmt = r.choice(list(FMTS))
    g = FMTS[fmt][0]
    page, blk = 1 << g, 1 << (2 * g - 3)
    big = (1 << 30) if g == 12 else blk
    lines, live = [], []

    def new_pgtable():
        if r.random() < 0.85:
            ias = r.choice([48, 48, 39, 36, 32, 42, 52, r.randrange(g + 1, 53), r.randrange(g + 1, 3 * g - 5)])
            oas = r.choice([48, 48, 40, 44, 52, 36, 32])
        else:
            ias = r.randrange(3, 60)
            oas = r.randrange(28, 60)
        lines.append('pgtable %s %d %d' % (fmt, ias, oas))
        ias = min(ias, FMTS[fmt][2])
        win = max(ias - r.choice([0, 1, 2, 8, 12]), g + 1)
        base = r.randrange(0, 1 << ias) & ~((1 << win) - 1) if ias > win else 0
        return ias, base, win

    ias, base, win = new_pgtable()
    live.clear()

    def addr():
        if live and r.random() < 0.6:
            a, sz = r.choice(live)
            off = r.choice([0, 0, sz, sz - page, page, r.randrange(0, max(sz, page))])
            return (a + (off & ~(page - 1))) & M64
        span = min(1 << win, big * 4)
        a = base + (r.randrange(0, span) & ~(r.choice([page, page, blk, big]) - 1))
        if r.random() < 0.05:
            a = (1 << ias) - r.choice([page, blk, 2 * page])
        return a & M64

    def size():
        k = r.random()
        if k < 0.45:
            return page * r.randrange(1, 12)
        if k < 0.75:
            return blk * r.randrange(1, 4) + r.choice([0, 0, page, 2 * page])
        if k < 0.85:
            return big * r.randrange(1, 3) + r.choice([0, blk, page])
        if k < 0.9:
            return r.choice([0, page + 1, page // 2])
        return page * r.randrange(400, 1100)

    for _ in range(nops):
        k = r.random()
        if k < 0.02:
            ias, base, win = new_pgtable()
            live.clear()
        elif k < 0.4:
            iova = addr()
            pa = r.choice([iova, (iova + r.choice([page, blk, 7 * blk])) & M64,
                           r.randrange(0, 1 << 40) & ~(page - 1),
                           (1 << 48) - r.choice([page, blk, 3 * page]),
                           (1 << r.choice([32, 36, 40, 42, 44, 52])) - page])
            sz = size()
            lines.append('map 0x%x 0x%x 0x%x %s' % (iova, pa, sz, r.choice(['r', 'w', 'rw'])))
            live.append((iova, max(sz, page)))
        elif k < 0.62:
            lines.append('unmap 0x%x 0x%x' % (addr(), size()))
        elif k < 0.77:
            lines.append('phys 0x%x' % ((addr() + r.randrange(0, page)) & (M64 - 1)))
        elif k < 0.92:
            lines.append('pte 0x%x' % ((addr() + r.randrange(0, page)) & (M64 - 1)))
        else:
            lines.append('stat')
    return lines


def replay(sim, lines):
    try:
        p = subprocess.run([sim, 'iommu', 'replay', '-'], input='\n'.join(lines) + '\n',
                           capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
        return -1, out.splitlines(), 'timeout'
    return p.returncode, p.stdout.splitlines(), p.stderr


def main():
    if sys.argv[1] == '--run':
        with open(sys.argv[2]) as f:
            for o in run_script(f.read().splitlines()):
                print('UNDEFINED' if o is None else o)
        return
    global SKIP_KNOWN
    if sys.argv[1] == '--skip-known':
        SKIP_KNOWN = True
        del sys.argv[1]
    sim = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    nscripts = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    nops = int(sys.argv[4]) if len(sys.argv) > 4 else 60
    r = random.Random(seed)
    compared = bad = 0
    for n in range(nscripts):
        lines = (gen_dense if n % 4 else gen_script)(r, nops)
        want = run_script(lines)
        if None in want:
            lines = lines[:want.index(None)]
            want = want[:-1]
        rc, got, err = replay(sim, lines)
        for i, w in enumerate(want):
            g = got[i] if i < len(got) else '<missing> rc=%d %s' % (rc, err[:200])
            compared += 1
            if g != w:
                bad += 1
                if bad <= 5:
                    print('MISMATCH seed %d script %d line %d: %s' % (seed, n, i + 1, lines[i]))
                    print('  got  %s\n  want %s' % (g, w))
                    print('  script:\n    ' + '\n    '.join(lines[:i + 1]))
                break
    print('seed %d: %d scripts, %d ops compared, %d scripts mismatched' % (seed, nscripts, compared, bad))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
