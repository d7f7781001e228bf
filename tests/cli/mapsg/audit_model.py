#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Auditor's independent model of `phyr-sim mapsg` (Linux v6.17 dma-iommu).

Written from the kernel's rules (facts only, no kernel code):

* the widening walk of iommu_dma_map_sg: per entry the sub-granule part of
  sg->offset and the real length are parked in the DMA fields, the entry
  becomes granule aligned (its 32-bit length may wrap), the distance to the
  next segment boundary is charged to the previous IOVA entry when it is
  non-zero and smaller than (aligned length - 1); P2P bus entries take
  phys + offset + bus offset and the list head's *current* 32-bit length;
* iommu_dma_alloc_iova on a fresh device and IOVA domain: the 32-bit space
  first when the mask is wider, then the whole mask; alloc_iova_fast rounds
  fewer than 32 pages up to a power of two and aligns the start to the next
  power of two, top-down below limit_pfn + 1, never below start_pfn 1;
* iommu_map_sg: physical runs, one extra pass over the last entry to flush,
  bus entries neither extend nor (unless discontiguous) flush a run; fewer
  bytes mapped than asked -> -EINVAL;
* __finalise_sg with its unsigned int arithmetic.

    audit_model.py PHYR_SIM [SEED] [CASES]     random differential run
    audit_model.py --eval FILE                 print the model's output for
                                               each input line of FILE
    audit_model.py --check FILE PHYR_SIM       compare INPUT -> OUTPUT lines
                                               with both the model and the tool
"""
import random
import subprocess
import sys

GRAN = 4096
U32 = (1 << 32) - 1
U64 = (1 << 64) - 1
ERR = U64  # DMA_MAPPING_ERROR
SHIFT = 12


# --- parsing ---------------------------------------------------------------

def parse(line):
    toks = line.split()
    assert toks[0] == 'mapsg' and len(toks) == 5, line
    kv = dict(t.split('=', 1) for t in toks[1:])
    ents = []
    for e in kv['ents'].split(','):
        bus = None
        if '/bus=' in e:
            e, b = e.split('/bus=')
            bus = int(b, 16)
        ph, rest = e.split('+')
        off, ln = rest.split(':')
        ents.append((int(ph, 16), int(off), int(ln), bus))
    return dict(mask=int(kv['mask']), max_seg=int(kv['max_seg']),
                boundary=int(kv['boundary'], 16), ents=ents)


def fmt(c):
    es = []
    for ph, off, ln, bus in c['ents']:
        s = '0x%x+%d:%d' % (ph, off, ln)
        if bus is not None:
            s += '/bus=0x%x' % bus
        es.append(s)
    return 'mapsg mask=%d max_seg=%d boundary=0x%x ents=%s' % (
        c['mask'], c['max_seg'], c['boundary'], ','.join(es))


# --- IOVA allocation in a fresh domain ----------------------------------------

def fls(x):
    return x.bit_length()


def pow2_up(x):
    return 1 << fls(x - 1) if x > 1 else 1


class FreshIovad:
    """Only the anchor node (pfn ~0) is in the tree; start_pfn 1."""

    def __init__(self):
        self.dma_32bit_pfn = 1 << (32 - SHIFT)
        self.max32 = self.dma_32bit_pfn
        self.nodes = []  # (lo, hi) allocated, for completeness

    def _insert_range(self, n, limit):  # limit is exclusive
        align = (U64 << fls(n - 1)) & U64
        if limit <= self.dma_32bit_pfn and n >= self.max32:
            return None
        # the tree is empty below the anchor: one step of the walk
        high = min(limit, U64)
        new = ((high - n) & U64) & align
        if high < n or new < 1:
            # retry only when retry_pfn (the anchor's ~0) < limit: never
            self.max32 = n
            return None
        self.nodes.append((new, new + n - 1))
        return new

    def alloc_fast(self, n, limit_pfn, flush):
        if n < 32:
            n = pow2_up(n)
        # rcaches are empty; a flush and retry changes nothing
        return self._insert_range(n, limit_pfn + 1) or 0


def alloc_iova(size, dma_limit):
    iovad = FreshIovad()
    npages = size >> SHIFT
    if dma_limit > U32:
        pfn = iovad.alloc_fast(npages, U32 >> SHIFT, False)
        if pfn:
            return pfn << SHIFT
    pfn = iovad.alloc_fast(npages, dma_limit >> SHIFT, True)
    return (pfn << SHIFT) & U64


# --- the mapping -------------------------------------------------------------

class Sg:
    __slots__ = ('page', 'offset', 'length', 'dma_address', 'dma_len', 'busflag',
                 'p2p', 'busoff')

    def phys(self):
        return (self.page + self.offset) & U64


def evaluate(c):
    """Returns the output line Linux prints for case c (a parse() dict)."""
    mask_bits = c['mask']
    dma_mask = U64 if mask_bits >= 64 else (1 << mask_bits) - 1
    seg_mask = c['boundary'] if c['boundary'] else U64
    max_len = c['max_seg'] if c['max_seg'] else 65536
    sgl = []
    for ph, off, ln, bus in c['ents']:
        s = Sg()
        s.page, s.offset, s.length = ph, off, ln
        s.dma_address, s.dma_len, s.busflag = ERR, 0, False
        s.p2p = bus is not None
        s.busoff = bus or 0
        sgl.append(s)
    head = sgl[0]

    iova_len = 0
    prev = None
    for s in sgl:
        sub = s.offset & (GRAN - 1)
        real = s.length
        pad = ((seg_mask - iova_len + 1) & U64) & seg_mask
        if s.p2p:
            s.dma_address = (s.phys() + s.busoff) & U64
            s.dma_len = head.length & U32
            s.busflag = True
            continue
        s.dma_address = sub
        s.dma_len = real & U32
        s.offset = (s.offset - sub) & U32
        wide = (real + sub + GRAN - 1) // GRAN * GRAN      # size_t
        s.length = wide & U32
        if pad and pad < ((wide - 1) & U64):  # size_t compare
            if prev is None:
                return 'CRASH (NULL prev)'
            prev.length = (prev.length + pad) & U32
            iova_len += pad
        iova_len += wide
        prev = s

    maps = []
    base = 0
    if iova_len:
        base = alloc_iova(iova_len, dma_mask)
        if not base:
            return 'ret=-12'
        # iommu_map_sg
        n = len(sgl)
        run_len = 0
        start = 0
        mapped = 0
        idx = 0
        for it in range(n + 1):
            s = sgl[idx]
            p = s.phys()
            if run_len and p != ((start + run_len) & U64):
                # iommu_map_nosync: iova, paddr and size on the granule
                if ((base + mapped) | start | run_len) & (GRAN - 1):
                    return 'ret=-22'
                maps.append((base + mapped, start, run_len))
                mapped += run_len
                run_len = 0
            if not s.busflag:
                if run_len:
                    run_len += s.length
                else:
                    run_len = s.length
                    start = p
            if it + 1 < n:
                idx += 1
        if mapped < iova_len:
            return 'ret=-22'

    # __finalise_sg
    cur = 0
    cur_len = 0
    count = 0
    dma = base
    for i, s in enumerate(sgl):
        s_dma = s.dma_address
        s_sub = s.dma_address & U32
        s_len = s.dma_len
        s_span = s.length
        s.dma_address, s.dma_len = ERR, 0
        if s.busflag:
            if i > 0:
                cur += 1
            s.busflag = False
            t = sgl[cur]
            t.dma_address, t.dma_len, t.busflag = s_dma, s_len, True
            count += 1
            cur_len = 0
            continue
        s.offset = (s.offset + s_sub) & U32
        s.length = s_len
        if cur_len and not s_sub and (dma & seg_mask) and ((max_len - cur_len) & U32) >= s_len:
            cur_len = (cur_len + s_len) & U32
        else:
            if i > 0:
                cur += 1
            cur_len = s_len
            count += 1
            sgl[cur].dma_address = (dma + s_sub) & U64
        sgl[cur].dma_len = cur_len
        dma = (dma + s_span) & U64
        if ((s_len + s_sub) & U32) < s_span:
            cur_len = 0

    segs = ','.join('0x%x:%d%s' % (s.dma_address, s.dma_len, '/bus' if s.busflag else '')
                    for s in sgl[:count])
    mp = ','.join('0x%x>0x%x:%d' % m for m in maps)
    return 'ret=%d iova=0x%x len=%d segs=%s maps=%s' % (count, base, iova_len, segs, mp)


# --- random cases ---------------------------------------------------------------

def gen(r):
    kind = r.random()
    mask = r.choice([64, 64, 64, 48, 40, 39, 36, 33, 32, 32, 31, 30, 28, 24,
                     r.randint(24, 64), r.randint(24, 64), r.randint(1, 23)])
    max_seg = r.choice([0, 0, 512, 1000, 2048, 4095, 4096, 8192, 12288, 65535, 65536,
                        65536, 100000, 1 << 20, (1 << 31), U32 - 4095, U32,
                        r.randint(512, U32), r.randint(512, 200000)])
    boundary = r.choice([0, 0, U64, U32, (1 << r.randint(12, 64)) - 1,
                         (1 << r.randint(12, 24)) - 1, (1 << r.randint(12, 24)) - 1,
                         (1 << r.randint(0, 11)) - 1])
    nbus = r.choice([0, 0, 0, 1, 2, 3])
    busoffs = [r.choice([0x1000, 0x1000000000, 0x2000000000, 0,
                         r.randint(0, 1 << 40) & ~0xfff, r.randint(0, U64)])
               for _ in range(nbus)]
    n = r.choice([1, 1, 2, 3, 4, 5, 8, 12, 20, r.randint(1, 40)])
    if kind < 0.03:
        n = r.randint(100, 600)
    ents = []
    nxt = r.randint(1, 1 << 24) << SHIFT
    big = kind > 0.9
    for i in range(n):
        k = r.random()
        if nbus and k < 0.2:
            bo = r.choice(busoffs)
            if r.random() < 0.3 and ents:
                ph = nxt  # bus page right where the previous run ends
                off = 0
            else:
                ph = r.randint(0xe0000, 0xfffff) << SHIFT
                off = r.choice([0, 0, 8, r.randint(0, 4095), r.randint(0, 20000)])
            ln = r.choice([4096, r.randint(1, 9000), r.randint(1, 1 << 20)])
            ents.append((ph, off, ln, bo))
            continue
        if k < 0.55:
            ph = nxt
            off = r.choice([0, 0, 0, 4096 * r.randint(1, 3)])
        elif k < 0.6 and ents:
            ph, off = ents[-1][0], ents[-1][1]
        else:
            ph = r.randint(1, (1 << 28)) << SHIFT
            off = r.choice([0, 0, r.randint(0, 4095), r.randint(0, 20000),
                            4096 * r.randint(1, 4) + r.choice([0, 1, 512])])
        if big:
            ln = r.choice([1 << 30, 1 << 31, (1 << 31) + 4096, U32 - 4095, U32 - 4096 * 3,
                           r.randint(1, U32), r.randint(1 << 28, 1 << 31), 4096,
                           U32, U32 - 4094])
        else:
            ln = r.choice([4096, 4096, 8192, 512, 1, 4095, 4097, 65536, 61440, 65537,
                           r.randint(1, 4096), r.randint(1, 70000), r.randint(1, 1 << 21),
                           16 * 4096, 100 * 4096 + r.randint(0, 4095)])
        ents.append((ph, off, ln, None))
        nxt = ph + (off // GRAN) * GRAN + (((off % GRAN) + ln + GRAN - 1) // GRAN) * GRAN
        if nxt >= (1 << 52):
            nxt = 1 << SHIFT
    return dict(mask=mask, max_seg=max_seg, boundary=boundary, ents=ents)


def gen2(r):
    """Targeted families: long contiguous lists, 4 GiB-class lists under
    wide masks, bus pages at run ends, padding before bus entries."""
    fam = r.randint(0, 6)
    mask = r.randint(1, 64) if r.random() < 0.3 else r.choice([32, 33, 36, 39, 40, 48, 64])
    boundary = r.choice([0, U64, (1 << r.randint(0, 64)) - 1, (1 << r.randint(12, 20)) - 1])
    max_seg = r.choice([0, r.randint(1, 16) * 4096, r.randint(512, 1 << 20), U32,
                        r.randint(1, U32)])
    ents = []
    ph = r.randint(1, 1 << 30) << SHIFT
    if fam == 0:  # long contiguous list, sometimes with holes and sub-page tails
        for i in range(r.randint(10, 300)):
            ln = r.choice([4096, 4096, 4096, 8192, r.randint(1, 4096)])
            off = 0 if r.random() < 0.9 else r.randint(0, 4095)
            ents.append((ph, off, ln, None))
            ph += ((off % GRAN + ln + GRAN - 1) // GRAN) * GRAN + (off // GRAN) * GRAN
            if r.random() < 0.05:
                ph += 4096 * r.randint(1, 4)
    elif fam == 1:  # a few huge entries
        for i in range(r.randint(1, 6)):
            ln = r.choice([U32, U32 - 4095, U32 - 4096, 1 << 31, (1 << 31) + 1,
                           (1 << 30) * 3, r.randint(1 << 20, U32)])
            off = r.choice([0, 0, r.randint(0, 4095), 4096])
            ents.append((ph, off, ln, None))
            if r.random() < 0.5:
                ph += ((off + ln + GRAN - 1) // GRAN) * GRAN
            else:
                ph = r.randint(1, 1 << 30) << SHIFT
    elif fam == 2:  # bus pages at the end of a run, middle or tail
        bo = r.choice([0x1000, 0, 1 << 36])
        for i in range(r.randint(1, 8)):
            if r.random() < 0.4:
                ents.append((ph, r.choice([0, 0, 16]), r.randint(1, 9000), bo))
                if r.random() < 0.5:
                    ph += 4096
            else:
                ln = r.choice([4096, 8192, r.randint(1, 20000)])
                ents.append((ph, 0, ln, None))
                ph += ((ln + GRAN - 1) // GRAN) * GRAN
    elif fam == 3:  # padding, then a bus entry reading the head's length
        boundary = (1 << r.randint(12, 18)) - 1
        for i in range(r.randint(2, 10)):
            if r.random() < 0.3:
                ents.append((0xe0000000 + 4096 * i, r.randint(0, 100), r.randint(1, 5000),
                             r.choice([1 << 36, 2 << 36])))
            else:
                ents.append((r.randint(1, 1 << 30) << SHIFT, r.choice([0, 0, 100]),
                             r.randint(1, 1 << 17), None))
    elif fam == 4:  # same page repeated / overlapping
        for i in range(r.randint(1, 10)):
            ents.append((ph, r.choice([0, 4096, r.randint(0, 9000)]), r.randint(1, 12000),
                         None))
    elif fam == 6:  # physical addresses at the top of the 64-bit space, huge offsets
        ph = (1 << 64) - 4096 * r.randint(1, 8)
        for i in range(r.randint(1, 8)):
            off = r.choice([0, 0, 4096, r.randint(0, U32), U32, r.randint(0, 1 << 16)])
            ln = r.choice([4096, 8192, r.randint(1, 1 << 16), r.randint(1, max(1, U32 - off))])
            bus = r.choice([None, None, None, U64, 1 << 40])
            ents.append((ph, off, max(ln, 1), bus))
            ph = (ph + 4096 * r.randint(0, 3)) & (U64 - 4095)
    else:  # 32-bit exhaustion and fallback
        mask = r.choice([33, 34, 36, 40, 44, 48, 52, 56, 63, 64, 32, 31])
        tot = 0
        while tot < (1 << 32) + (1 << 31):
            ln = r.choice([1 << 31, (1 << 31) - 4096, 1 << 30, r.randint(1 << 28, 1 << 31)])
            ents.append((ph, 0, ln, None))
            ph += ((ln + GRAN - 1) // GRAN) * GRAN
            tot += ln
            if r.random() < 0.4:
                break
    if not ents:
        ents.append((ph, 0, 4096, None))
    if r.random() < 0.15:
        # a mask not of the form 2^k - 1 (Linux takes any): high bits only,
        # all-ones low 12 bits, or anything
        boundary = r.choice([r.randint(1, 1 << 24) << 12, (r.randint(1, 1 << 24) << 12) | 0xfff,
                             r.randint(1, U64), r.randint(1, 0xfffff)])
    return dict(mask=mask, max_seg=max_seg, boundary=boundary, ents=ents)


def run_tool(sim, cases):
    inp = ''.join(fmt(c) + '\n' for c in cases)
    p = subprocess.run([sim, 'mapsg', '-'], input=inp, capture_output=True, text=True,
                       check=False)
    lines = p.stdout.splitlines()
    if len(lines) != len(cases):
        return None, p.stderr
    return lines, ''


def shrink(sim, c, want_diff):
    """Greedy reduction of a differing case: drop entries, simplify fields."""
    def differs(x):
        got, _ = run_tool(sim, [x])
        want = evaluate(x)
        return got is not None and not want.startswith('CRASH') and got[0] != want

    changed = True
    while changed:
        changed = False
        for i in range(len(c['ents'])):
            if len(c['ents']) == 1:
                break
            t = dict(c, ents=c['ents'][:i] + c['ents'][i + 1:])
            if differs(t):
                c, changed = t, True
                break
    return c


def main_random(sim, seed, ncases):
    r = random.Random(seed)
    cases = [(gen if i % 2 == 0 else gen2)(r) for i in range(ncases)]
    bad = 0
    stats = {}
    for lo in range(0, ncases, 500):
        chunk = cases[lo:lo + 500]
        lines, err = run_tool(sim, chunk)
        if lines is None:
            print('tool failed on a chunk at case %d: %s' % (lo, err.strip()[:300]))
            return 1
        for c, got in zip(chunk, lines):
            want = evaluate(c)
            if want.startswith('CRASH'):
                # Linux oopses on its NULL prev: no vector can exist
                stats['crash'] = stats.get('crash', 0) + 1
                continue
            key = want.split()[0] if want.startswith('ret=-') else 'ok'
            stats[key] = stats.get(key, 0) + 1
            if got != want:
                bad += 1
                if bad <= 3:
                    m = shrink(sim, c, True)
                    print('MISMATCH (seed %d)\n  %s\n  got  %s\n  want %s' %
                          (seed, fmt(m), run_tool(sim, [m])[0][0], evaluate(m)))
    print('seed %d cases %d mismatches %d outcomes %s' % (seed, ncases, bad, stats))
    return 1 if bad else 0


def main_check(path, sim):
    cases, wants = [], []
    with open(path, encoding='utf-8') as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith('#'):
                continue
            inp, out = ln.split(' -> ')
            cases.append(parse(inp))
            wants.append(out.strip())
    lines, err = run_tool(sim, cases) if sim else ([None] * len(cases), '')
    if lines is None:
        print('tool failed:', err)
        return 1
    bad = 0
    for c, want, got in zip(cases, wants, lines):
        m = evaluate(c)
        if m != want:
            bad += 1
            print('MODEL DISAGREES WITH FILE\n  %s\n  model %s\n  file  %s' % (fmt(c), m, want))
        if got is not None and got != want:
            bad += 1
            print('TOOL DISAGREES WITH FILE\n  %s\n  tool %s\n  file %s' % (fmt(c), got, want))
    print('%d cases, %d disagreements' % (len(cases), bad))
    return 1 if bad else 0


def main():
    a = sys.argv[1:]
    if a and a[0] == '--eval':
        with open(a[1], encoding='utf-8') as f:
            for ln in f:
                ln = ln.split('#')[0].split(' -> ')[0].strip()
                if ln:
                    print(evaluate(parse(ln)))
        return 0
    if a and a[0] == '--check':
        return main_check(a[1], a[2] if len(a) > 2 else None)
    sim = a[0]
    seed = int(a[1]) if len(a) > 1 else 1
    n = int(a[2]) if len(a) > 2 else 2000
    return main_random(sim, seed, n)


if __name__ == '__main__':
    sys.exit(main())
