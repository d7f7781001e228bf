#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential check of `phyr-sim iova replay` against an independent model
of Linux v6.17's drivers/iommu/iova.c, written from the behaviour of that file
(docs/formats.md, spec/kernel.md section 2). The model keeps the
domain as a plain sorted list of [lo, hi] nodes ending with the anchor
(pfn 2^64-1) instead of a red-black tree: in-order predecessor / successor
are the list neighbours. Random traces from fixed seeds.

    model.py PHYR_SIM [SEED] [TRACES] [OPS] [--policy P] [--keep DIR]
             [--short | --init-p P]   (P: chance of a new domain per op;
                                       0 = one long domain)
    model.py --run FILE                  (the model's output for a trace)
    model.py --reduce PHYR_SIM FILE [P]  (shrink a disagreeing trace)

Facts the model relies on (checked in iova.c / lib/rbtree.c): only the
in-order neighbours of the tree matter (rb_prev/rb_next), except in
iova_find_limit(), whose answer depends on the tree's shape when a node
straddles the limit: it is then that node or its successor, and both give
the same second-pass walk, so the model takes the first node whose pfn_hi
reaches the limit. The second pass can never restart (the hints' pfn_hi is
always >= start_pfn), the model raises Hang if it would.
"""
import bisect
import os
import random
import subprocess
import sys

M64 = (1 << 64) - 1
STATS = {}


def ev(name):
    STATS[name] = STATS.get(name, 0) + 1


MAG = 127            # pfns per magazine
CLASSES = 6          # size classes 0..5 are cached (sizes up to 32)
NCPU = 4             # possible == online cpus
ANCHOR = M64


def fls(x):
    return x.bit_length()


def order_base_2(n):
    return 0 if n <= 1 else (n - 1).bit_length()


def pow2_roundup(n):
    return 1 << order_base_2(n)


class Hang(Exception):
    """The kernel's second pass would restart forever (the hint ends at
    start_pfn - 1, so low == start_pfn again): no trace can contain it."""


class Node:
    __slots__ = ('lo', 'hi')

    def __init__(self, lo, hi):
        self.lo = lo
        self.hi = hi


class RCache:
    def __init__(self):
        self.loaded = [[] for _ in range(NCPU)]
        self.prev = [[] for _ in range(NCPU)]
        self.depot = []          # list of magazines, last = top (LIFO)
        self.pending = False     # delayed work scheduled


class Domain:
    def __init__(self, granule, start):
        self.shift = (granule & -granule).bit_length() - 1
        self.start = start
        self.d32 = 1 << (32 - self.shift)
        self.max32 = self.d32
        self.anchor = Node(ANCHOR, ANCHOR)
        self.nodes = [self.anchor]
        self.cached = self.anchor
        self.cached32 = self.anchor
        self.rc = [RCache() for _ in range(CLASSES)]
        self.warns = 0
        self.ev = STATS

    # ---- ordered set helpers (the rbtree) ----
    def index(self, node):
        i = bisect.bisect_left(self.nodes, node.lo, key=lambda n: n.lo)
        assert self.nodes[i] is node
        return i

    def pred(self, node):
        i = self.index(node)
        return self.nodes[i - 1] if i > 0 else None

    def succ(self, node):
        i = self.index(node)
        return self.nodes[i + 1] if i + 1 < len(self.nodes) else None

    def insert(self, node):
        i = bisect.bisect_left(self.nodes, node.lo, key=lambda n: n.lo)
        if i < len(self.nodes) and self.nodes[i].lo == node.lo:
            self.warns += 1   # the kernel WARNs and does not link the node
            return
        self.nodes.insert(i, node)

    def find(self, pfn):
        i = bisect.bisect_right(self.nodes, pfn, key=lambda n: n.lo) - 1
        if i >= 0 and self.nodes[i].hi >= pfn:
            return self.nodes[i]
        return None

    # ---- tree allocator ----
    def first_at_or_above(self, limit):
        # the node the second pass starts from: the anchor above 4 GiB,
        # otherwise the first node whose hi reaches the limit (a node that
        # straddles the limit and its successor give the same walk)
        if limit > self.d32:
            return self.anchor
        for n in self.nodes:
            if n.hi >= limit:
                return n
        return self.anchor

    def tree_alloc(self, size, limit, aligned):
        """limit is exclusive (LIMIT_PFN + 1). Returns the new node or None."""
        mask = M64
        if aligned:
            mask = (M64 << fls(size - 1)) & M64
        if limit <= self.d32 and size >= self.max32:
            ev('fail-max32')
            return None
        curr = self.cached32 if limit <= self.d32 else self.cached
        retry_pfn = curr.hi
        high = limit
        low = self.start
        retried = False
        while True:
            while True:
                high = min(high, curr.lo)
                cand = ((high - size) & M64) & mask
                curr = self.pred(curr)
                if not (curr is not None and cand <= curr.hi and cand >= low):
                    break
            if high < size or cand < low:
                if low == self.start and retry_pfn < limit:
                    if retried:
                        raise Hang()
                    retried = True
                    high = limit
                    low = retry_pfn + 1
                    curr = self.first_at_or_above(limit)
                    ev('retry-32' if limit <= self.d32 else 'retry-64')
                    continue
                ev('fail-search')
                self.max32 = size
                return None
            break
        node = Node(cand, (cand + size - 1) & M64)
        self.insert(node)
        if node.hi < self.d32:
            self.cached32 = node
        else:
            self.cached = node
        return node

    def remove(self, node):
        c32 = self.cached32
        if node is c32 or (node.hi < self.d32 and node.lo >= c32.lo):
            self.cached32 = self.succ(node)
        if node.lo < self.d32:
            self.max32 = self.d32
        if node.lo >= self.cached.lo:
            self.cached = self.succ(node)
        del self.nodes[self.index(node)]

    def reserve(self, lo, hi):
        if (lo | hi) > (M64 >> self.shift):
            return None
        overlap = False
        for n in list(self.nodes):
            if lo <= n.hi and hi >= n.lo:
                if lo < n.lo:
                    ev('reserve-lower')
                    n.lo = lo
                if hi > n.hi:
                    lo = n.hi + 1
                if lo >= n.lo and hi <= n.hi:
                    ev('reserve-inside')
                    return n
                overlap = True
            elif overlap:
                break
        node = Node(lo, hi)
        self.insert(node)
        return node

    # ---- magazines ----
    def mag_free(self, mag):
        for pfn in mag:
            n = self.find(pfn)
            if n is None:
                self.warns += 1
                continue
            self.remove(n)
        mag.clear()

    def rc_get(self, size, limit):
        cls = order_base_2(size)
        if cls >= CLASSES:
            return 0
        bound = (limit - size) & M64
        rc = self.rc[cls]
        cpu = self.cpu
        if rc.loaded[cpu]:
            pass
        elif rc.prev[cpu]:
            ev('get-swap')
            rc.loaded[cpu], rc.prev[cpu] = rc.prev[cpu], rc.loaded[cpu]
        elif rc.depot:
            ev('get-depot')
            rc.loaded[cpu] = rc.depot.pop()
        else:
            return 0
        mag = rc.loaded[cpu]
        for i in range(len(mag) - 1, -1, -1):
            if mag[i] <= bound:
                pfn = mag[i]
                mag[i] = mag[-1]
                mag.pop()
                return pfn
        ev('pop-miss')
        return 0

    def rc_insert(self, pfn, size):
        cls = order_base_2(size)
        if cls >= CLASSES:
            return False
        rc = self.rc[cls]
        cpu = self.cpu
        if len(rc.loaded[cpu]) < MAG:
            pass
        elif len(rc.prev[cpu]) < MAG:
            rc.loaded[cpu], rc.prev[cpu] = rc.prev[cpu], rc.loaded[cpu]
        else:
            ev('depot-push')
            rc.depot.append(rc.loaded[cpu])
            rc.pending = True
            rc.loaded[cpu] = []
        rc.loaded[cpu].append(pfn)
        return True

    def flush(self):
        for cpu in range(NCPU):
            for rc in self.rc:
                self.mag_free(rc.loaded[cpu])
                self.mag_free(rc.prev[cpu])
        for rc in self.rc:
            while rc.depot:
                self.mag_free(rc.depot.pop())

    def tick(self):
        for rc in self.rc:
            if not rc.pending:
                continue
            rc.pending = False
            if len(rc.depot) > NCPU:
                ev('tick-pop')
                self.mag_free(rc.depot.pop())
                rc.pending = True

    def cached_pfns(self):
        s = set()
        for rc in self.rc:
            for c in range(NCPU):
                s.update(rc.loaded[c])
                s.update(rc.prev[c])
            for m in rc.depot:
                s.update(m)
        return s

    # ---- trace ops ----
    def fast_alloc(self, size, limit_pfn, cpu, flush):
        self.cpu = cpu
        if size < 32:
            size = pow2_roundup(size)
        limit = (limit_pfn + 1) & M64
        pfn = self.rc_get(size, limit)
        if pfn:
            return pfn
        while True:
            n = self.tree_alloc(size, limit, True)
            if n is not None:
                return n.lo
            if not flush:
                return 0
            flush = False
            ev('flush-retry')
            self.flush()

    def fast_free(self, pfn, size, cpu):
        self.cpu = cpu
        if self.rc_insert(pfn, size):
            return
        n = self.find(pfn)
        if n is not None:
            self.remove(n)


def run_trace(lines):
    """Model output (list of strings) for a list of op lines."""
    out = []
    d = None
    for ln in lines:
        t = ln.split('#', 1)[0].split()
        if not t:
            continue
        op, a = t[0], [int(x, 0) for x in t[1:]]
        if op == 'init':
            d = Domain(a[0], a[1])
            out.append('ok')
        elif op == 'alloc':
            n = d.tree_alloc(a[0], (a[1] + 1) & M64, a[2] != 0)
            out.append('fail' if n is None else str(n.lo))
        elif op == 'free':
            n = d.find(a[0])
            if n is None:
                out.append('notfound')
            else:
                d.remove(n)
                out.append('%d %d' % (n.lo, n.hi))
        elif op == 'fast_alloc':
            fl = a[3] if len(a) > 3 else 1
            out.append(str(d.fast_alloc(a[0], a[1], a[2], fl != 0)))
        elif op == 'fast_free':
            d.fast_free(a[0], a[1], a[2])
            out.append('ok')
        elif op == 'reserve':
            n = d.reserve(a[0], a[1])
            out.append('fail' if n is None else '%d %d' % (n.lo, n.hi))
        elif op == 'stat':
            ns = [n for n in d.nodes if n is not d.anchor]
            out.append('nodes=%d pages=%d' % (len(ns), sum(n.hi - n.lo + 1 for n in ns)))
        elif op == 'tick':
            d.tick()
            out.append('ok')
        elif op == 'flush':
            d.flush()
            out.append('ok')
        else:
            raise ValueError(op)
    return out, d


# ---------------------------------------------------------------- generator

L32 = 0xfffff
L48 = 0xfffffffff


class Gen:
    """Builds a legal trace op by op, running the model alongside so that
    frees only name live ranges and fast frees only live fast allocations."""

    def __init__(self, r, init_p=0.01):
        self.r = r
        self.init_p = init_p
        self.lines = []
        self.d = None

    def emit(self, line):
        self.lines.append(line)
        try:
            out, _ = self.step(line)
        except Hang:
            # rebuild the model state without the op
            self.lines.pop()
            lines = self.lines
            self.lines = []
            for ln in lines:
                self.lines.append(ln)
                self.step(ln)
            return None
        return out

    def step(self, line):
        # run one op on the persistent model domain
        t = line.split()
        op, a = t[0], [int(x, 0) for x in t[1:]]
        d = self.d
        if op == 'init':
            self.d = Domain(a[0], a[1])
            self.slow = []
            self.fast = []
            return 'ok', None
        if op == 'alloc':
            n = d.tree_alloc(a[0], (a[1] + 1) & M64, a[2] != 0)
            if n is not None:
                self.slow.append(n.lo)
            return n, None
        if op == 'free':
            n = d.find(a[0])
            if n is not None:
                d.remove(n)
            return n, None
        if op == 'fast_alloc':
            fl = a[3] if len(a) > 3 else 1
            p = d.fast_alloc(a[0], a[1], a[2], fl != 0)
            if p:
                self.fast.append((p, a[0]))
            return p, None
        if op == 'fast_free':
            d.fast_free(a[0], a[1], a[2])
            return None, None
        if op == 'reserve':
            n = d.reserve(a[0], a[1])
            if n is not None:
                self.slow.append(n.lo)
            return n, None
        if op == 'tick':
            d.tick()
        elif op == 'flush':
            d.flush()
        return None, None

    def live(self, pfn):
        n = self.d.find(pfn)
        return n is not None

    def init(self):
        r = self.r
        g = r.choice([4096] * 12 + [512, 1024, 2048, 1, 2, 256])
        shift = (g & -g).bit_length() - 1
        d32 = 1 << (32 - shift)
        prof = r.choice(['small32', 'small32', 'mid32', 'start1', 'small48', 'tiny', 'straddle', 'frag'])
        if prof == 'small32':
            start = d32 - r.choice([16, 32, 64, 100, 128, 200, 256])
        elif prof == 'mid32':
            start = d32 - r.choice([512, 1024, 3000])
        elif prof == 'small48':
            start = L48 + 1 - r.choice([64, 128, 256, 1000])
        elif prof == 'tiny':
            start = r.randint(0, 40)
        elif prof == 'frag':
            start = r.choice([1, d32 - 4096, d32 - 20000])
        elif prof == 'straddle':
            start = d32 - r.choice([16, 64, 200])
        else:
            start = r.choice([1, 1, 2, 3, 16, 100])
        self.prof = prof
        self.start = start
        self.d32 = d32
        self.emit('init %d %d' % (g, start))
        if prof == 'frag':
            # a fragmented tree: many nodes at random heights, half freed
            n = r.choice([100, 300, 600])
            for _ in range(n):
                lim = r.randint(start, d32 + 50) if r.random() < 0.7 else L48
                self.emit('alloc %d 0x%x %d' % (self.size(), lim, r.random() < 0.5))
            for p in list(self.slow):
                if r.random() < 0.5 and self.live(p):
                    self.emit('free %d' % p)
        if prof == 'straddle':
            # everything above d32 + k is taken: 48-bit allocations land
            # around the 4 GiB line and straddle it
            self.emit('reserve %d %d' % (d32 + r.choice([0, 1, 5, 16, 40]), (L48 if r.random() < 0.5 else (1 << 40))))

    def limit(self):
        r = self.r
        if self.prof == 'tiny':
            return r.choice([L32, L48, self.start + r.randint(0, 80)])
        if r.random() < 0.04 or (self.prof == 'frag' and r.random() < 0.3):
            if r.random() < 0.5:
                return r.randint(min(self.start, self.d32), self.d32 + 100)
            return r.choice([self.start + r.randint(0, 300), self.d32 - 1 - r.randint(0, 64),
                             self.d32, self.d32 + r.randint(0, 64), M64, 0])
        if self.prof == 'small48':
            return L48 if r.random() < 0.8 else L32
        return L32 if r.random() < 0.7 else L48

    def size(self):
        r = self.r
        x = r.random()
        if x < 0.005:
            return r.choice([1 << 20, (1 << 20) + 1, 1 << 30, 100000, 1 << 35])
        if x < 0.45:
            return r.randint(1, 4)
        if x < 0.75:
            return r.randint(1, 16)
        if x < 0.93:
            return r.randint(1, 40)
        return r.randint(1, 70)

    def pick_free_pfn(self):
        r = self.r
        cached = self.d.cached_pfns()
        self.slow = [p for p in self.slow if self.live(p)]
        self.fast = [(p, s) for p, s in self.fast if self.live(p)]
        pool = [p for p in self.slow if p not in cached]
        fpool = [p for p, s in self.fast if self.live(p) and p not in cached]
        if fpool and r.random() < 0.2:
            return r.choice(fpool)
        if pool:
            # prefer the pfn_lo of a live node
            p = r.choice(pool)
            n = self.d.find(p)
            if n.lo not in cached and self.d.find(n.lo) is n and r.random() < 0.9:
                # any pfn inside the node is the same node
                if r.random() < 0.1:
                    return r.randint(n.lo, n.hi)
                return n.lo if all(c < n.lo or c > n.hi for c in cached) else None
            return p if all(c < n.lo or c > n.hi for c in cached) else None
        return None

    def op(self):
        r = self.r
        d = self.d
        x = r.random()
        if x < 0.2:
            self.emit('alloc %d 0x%x %d' % (self.size(), self.limit(), r.random() < 0.6))
        elif x < 0.33:
            p = self.pick_free_pfn()
            if p is None or r.random() < 0.03:
                p = r.randint(max(self.start - 2, 0), self.start + 600)
                n = d.find(p)
                if n is not None:
                    cached = d.cached_pfns()
                    if any(n.lo <= c <= n.hi for c in cached):
                        return
            self.emit('free %d' % p)
        elif x < 0.55:
            cpu = r.randrange(NCPU)
            s = self.size()
            fl = r.random()
            tail = '' if fl < 0.7 else (' 1' if fl < 0.8 else ' 0')
            self.emit('fast_alloc %d 0x%x %d%s' % (s, self.limit(), cpu, tail))
        elif x < 0.8:
            live = [(i, p, s) for i, (p, s) in enumerate(self.fast) if self.live(p)]
            cached = d.cached_pfns()
            live = [(i, p, s) for i, p, s in live if p not in cached]
            if not live:
                return
            i, p, s = r.choice(live)
            self.fast.pop(i)
            self.emit('fast_free %d %d %d' % (p, s, r.randrange(NCPU)))
        elif x < 0.86:
            nodes = [n for n in d.nodes if n is not d.anchor]
            if nodes and r.random() < 0.8:
                n = r.choice(nodes)
                lo = max(0, n.lo - r.choice([0, 0, 1, 2, 5, 20]))
                hi = n.hi + r.choice([0, -1, 1, 3, 10, 40, 100]) if r.random() < 0.7 else n.lo + r.randint(0, 3)
                hi = max(hi, lo)
                if r.random() < 0.2:
                    lo = n.lo + r.randint(0, n.hi - n.lo)
                    hi = max(hi, lo)
            else:
                lo = r.randint(max(0, self.start - 5), self.start + 400)
                hi = lo + r.randint(0, 30)
            if r.random() < 0.1:
                # wide: across many nodes and gaps
                lo = max(0, r.choice([self.start, lo, self.d32 - r.randint(1, 3000)]))
                hi = lo + r.choice([100, 1000, 5000, 1 << 20])
            if r.random() < 0.01:
                lo, hi = r.choice([(M64 >> 12, M64 >> 12), ((M64 >> 12) + 1, (M64 >> 12) + 1),
                                   (1 << 52, 1 << 52), (5, 1 << 60)])
                if d.shift == 0 and r.random() < 0.8:
                    return   # would reach the anchor
                if (lo | hi) <= (M64 >> d.shift) and hi >= (1 << 52):
                    return
            self.emit('reserve %d %d' % (lo, hi))
        elif x < 0.9:
            self.emit('stat')
        elif x < 0.95:
            self.emit('tick')
        elif x < 0.965:
            self.emit('flush')
        elif x < 0.975:
            self.burst() if r.random() < 0.6 or not self.init_p else self.init()
        elif self.init_p and r.random() < self.init_p * 40:
            self.init()
        if self.init_p > 0.025 and r.random() < self.init_p:
            self.init()
        else:
            self.emit('stat')

    def burst(self):
        """Fill magazines: many fast allocs in one class, free them (mostly
        on one cpu), then allocate part of them back (swap, depot pop,
        magazine pops under a limit)."""
        r = self.r
        s = r.choice([1, 1, 2, 3, 4, 5, 8, 16, 17, 32])
        if self.prof in ('start1', 'mid32'):
            n = r.choice([50, 130, 260, 400, 700, 1000, 1500, 2000])
            lim = L48 if self.prof == 'start1' or r.random() < 0.3 else L32
        else:
            n = r.choice([20, 60, 130, 200])
            lim = L48 if self.prof == 'small48' else L32
        cpu = r.randrange(NCPU)
        got = []
        for _ in range(n):
            c = cpu if r.random() < 0.7 else r.randrange(NCPU)
            out = self.emit('fast_alloc %d 0x%x %d' % (s, lim, c))
            if out:
                got.append((out, s))
                self.fast.pop()
            elif r.random() < 0.3:
                break
        r.shuffle(got)
        same = r.choice([0.5, 0.8, 0.95, 1.0])
        for p, sz in got:
            c = cpu if r.random() < same else r.randrange(NCPU)
            self.emit('fast_free %d %d %d' % (p, sz, c))
            if r.random() < 0.01:
                self.emit('tick')
        for _ in range(r.randint(0, 8)):
            self.emit('tick')
        for _ in range(r.randint(0, len(got))):
            c = cpu if r.random() < 0.8 else r.randrange(NCPU)
            lm = lim if r.random() < 0.8 else self.limit()
            self.emit('fast_alloc %d 0x%x %d' % (r.choice([s, s, s, self.size()]), lm, c))
            if r.random() < 0.01:
                self.emit('tick')


def gen_trace(seed, nops, init_p=0.01):
    r = random.Random(seed)
    g = Gen(r, init_p)
    g.init()
    k = 0
    while k < nops:
        g.op()
        k += 1
    return [l for l in g.lines]


def run_sim(sim, lines, policy=None):
    args = [sim, 'iova', 'replay']
    if policy:
        args += ['--policy', policy]
    args.append('-')
    p = subprocess.run(args, input='\n'.join(lines) + '\n', capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr
    return p.stdout.splitlines(), p.stderr


def compare(sim, lines, policy=None):
    want, _ = run_trace(lines)
    got, err = run_sim(sim, lines, policy)
    if got is None:
        return ('error', err.strip())
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            return (i, w, g)
    if len(want) != len(got):
        return ('length', len(want), len(got))
    return None


def reduce_trace(sim, lines, policy=None):
    """Drops op lines (ddmin-style chunks, then one by one) while the model
    and phyr-sim still disagree somewhere; returns the shortest found."""
    def bad(ls):
        if not ls or ls[0].split()[0] != 'init':
            return False
        try:
            return compare(sim, ls, policy) is not None
        except (Hang, IndexError, AttributeError, ValueError):
            return False
    assert bad(lines)
    chunk = len(lines) // 2
    while chunk >= 1:
        i = 0
        while i < len(lines):
            cand = lines[:i] + lines[i + chunk:]
            if bad(cand):
                lines = cand
            else:
                i += chunk
        chunk //= 2
    # cut everything after the first differing line
    res = compare(sim, lines, policy)
    if isinstance(res[0], int):
        ops = [l for l in lines if l.split('#', 1)[0].split()]
        lines = ops[:res[0] + 1]
    return lines


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == '--reduce':
        # model.py --reduce PHYR_SIM FILE [POLICY]
        with open(argv[2]) as f:
            lines = [l for l in f.read().splitlines() if l.split('#', 1)[0].split()]
        pol = argv[3] if len(argv) > 3 else None
        out = reduce_trace(argv[1], lines, pol)
        while True:
            again = reduce_trace(argv[1], out, pol)
            if len(again) == len(out):
                break
            out = again
        print('\n'.join(out))
        return
    if argv and argv[0] == '--run':
        with open(argv[1]) as f:
            out, _ = run_trace(f.read().splitlines())
        print('\n'.join(out))
        return
    policy = None
    keep = None
    if '--policy' in argv:
        i = argv.index('--policy')
        policy = argv[i + 1]
        del argv[i:i + 2]
    init_p = 0.01
    if '--short' in argv:
        argv.remove('--short')
        init_p = 0.025
    if '--init-p' in argv:
        i = argv.index('--init-p')
        init_p = float(argv[i + 1])
        del argv[i:i + 2]
    if '--keep' in argv:
        i = argv.index('--keep')
        keep = argv[i + 1]
        del argv[i:i + 2]
    sim = argv[0]
    seed = int(argv[1]) if len(argv) > 1 else 1
    ntraces = int(argv[2]) if len(argv) > 2 else 20
    nops = int(argv[3]) if len(argv) > 3 else 1500
    total = 0
    bad = 0
    for k in range(ntraces):
        s = seed * 100003 + k
        lines = gen_trace(s, nops, init_p)
        total += len(lines)
        res = compare(sim, lines, policy)
        if res is not None:
            bad += 1
            if keep:
                os.makedirs(keep, exist_ok=True)
                with open(os.path.join(keep, 'seed-%d.trace' % s), 'w') as f:
                    f.write('\n'.join(lines) + '\n')
            if bad <= 5:
                if isinstance(res[0], int):
                    print('MISMATCH trace seed %d op %d: %s\n  model: %s\n  sim:   %s'
                          % (s, res[0], lines[res[0]], res[1], res[2]))
                else:
                    print('MISMATCH trace seed %d: %r' % (s, res))
    print('traces %d ops %d mismatching traces %d' % (ntraces, total, bad))
    if os.environ.get('IOVA_MODEL_STATS'):
        print(sorted(STATS.items()))
    if bad:
        sys.exit(1)


if __name__ == '__main__':
    main()
