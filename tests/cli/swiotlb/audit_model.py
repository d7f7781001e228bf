#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent audit model of the Linux v6.17 swiotlb slot allocator.

Written by the swiotlb auditor from reading kernel/dma/swiotlb.c (non-dynamic
build, no debugfs) -- not from the project's format document and not from
src/mem/swiotlb.c. The kernel's integer widths are kept where they can change a
result: the masks are `unsigned int`, nslots is `unsigned int`, sizes and
addresses are 64-bit and wrap.

Usage:
  audit_model.py PHYR_SIM SEED NTRACES [NOPS]   random differential run
  audit_model.py --replay FILE                  print the model's output

The random run writes seeded traces, replays each through
`PHYR_SIM swiotlb replay` and compares line by line; on a mismatch it prints
the seed, the trace number, the line and both outputs, keeps the trace in
$TMPDIR and exits 1.
"""
import os
import random
import subprocess
import sys
import tempfile

M32 = (1 << 32) - 1
M64 = (1 << 64) - 1
SLOT_SHIFT = 11  # one slot is 2 KiB
SLOT = 1 << SLOT_SHIFT
SEG = 128  # slots per segment: no allocation crosses one
PAGE = 4096
BASE = 0x80000000  # where the harness put the bounce buffer
BOUNDARY = M64  # dma_get_seg_boundary() of a device without a mask


def slots_for(nbytes):
    """DIV_ROUND_UP(bytes, 2048) on a u64 (the +2047 may wrap)."""
    return (((nbytes + SLOT - 1) & M64) >> SLOT_SHIFT)


def is_pow2(v):
    return v != 0 and (v & (v - 1)) == 0


def pow2_ceil(v):
    r = 1
    while r < v:
        r <<= 1
    return r


class Model:
    """One io_tlb_pool plus its areas, as the trace harness sets it up."""

    def __init__(self, nslabs_arg, nareas_arg):
        # swiotlb=N,A: N rounded up to whole segments (unsigned long).
        n = ((nslabs_arg + SEG - 1) & M64) & ~(SEG - 1) & M64
        # The area count goes through an `unsigned int` parameter.
        a = nareas_arg & M32
        if a == 0:
            a = 1
        elif not is_pow2(a):
            a = pow2_ceil(a) & M32
        # Each area gets at least a segment; otherwise a power of two total.
        if n < SEG * a:
            n = pow2_ceil(SEG * a)
        elif not is_pow2(n):
            n = pow2_ceil(n)
        # The boot-time path then caps areas to what the slots allow.
        if n < a * SEG:
            a = n // SEG
        self.nslabs = n
        self.nareas = a
        self.area_n = n // a
        self.free = [min(SEG - (i % SEG), n - i) for i in range(n)]
        self.size_left = [0] * n
        self.pad = [0] * n
        self.cursor = [0] * a
        self.busy = [0] * a

    # --- slot search in one area ---------------------------------------
    def _try_area(self, ai, orig, total, align, minmask):
        need = slots_for(total) & M32
        if need == 0:
            raise RuntimeError("kernel BUG_ON: zero slots")
        lead = orig & minmask & (SLOT - 1)
        # Large unmasked streaming requests stay page aligned.
        if align == 0 and minmask == 0 and total >= PAGE:
            align = PAGE - 1
        align |= SLOT - 1
        keep = minmask & ~align & M32
        step = (max(align, keep) >> SLOT_SHIFT) + 1
        if need > self.area_n - self.busy[ai]:
            return -1
        first = ai * self.area_n
        pos = self.cursor[ai]
        seen = 0
        found = None
        while seen < self.area_n:
            s = first + pos
            addr = (BASE & BOUNDARY) + (s << SLOT_SHIFT)
            if (addr & align) or (orig and (addr & keep) != (orig & keep)):
                pos = pos + 1
                if pos >= self.area_n:
                    pos = 0
                seen += 1
                continue
            # iommu_is_span_boundary with a 2^53-slot boundary: never true
            # for this pool; kept for completeness.
            bsz = (BOUNDARY >> SLOT_SHIFT) + 1
            crosses = (((slots_for(BASE & BOUNDARY) + s) & (bsz - 1)) + need) > bsz
            if not crosses and self.free[s] >= need:
                found = s
                break
            pos = pos + step
            if pos >= self.area_n:
                pos = 0
            seen += step
        if found is None:
            return -1
        s = found
        for j in range(need):
            self.free[s + j] = 0
            self.size_left[s + j] = (total - (lead + (j << SLOT_SHIFT))) & M64
        run = 0
        i = s - 1
        while (i % SEG) != SEG - 1 and self.free[i]:
            run += 1
            self.free[i] = run
            i -= 1
        nxt = pos + need
        self.cursor[ai] = 0 if nxt >= self.area_n else nxt
        self.busy[ai] += need
        return s

    def map(self, cpu, orig, size, align, minmask):
        align &= M32
        minmask &= M32
        lead = orig & minmask & (align | (SLOT - 1))
        unit = (align + 1) & M32
        x = (size + lead) & M64
        total = ((x + ((unit - 1) & M64)) & M64) & (~((unit - 1) & M64) & M64)
        start = (cpu & 0xffffffff) & (self.nareas - 1)
        ai = start
        idx = -1
        while True:
            idx = self._try_area(ai, orig, total, align, minmask)
            if idx >= 0:
                break
            ai += 1
            if ai >= self.nareas:
                ai = 0
            if ai == start:
                return None
        pads = lead >> SLOT_SHIFT
        data = idx + pads
        self.pad[data] = pads & 0xffff
        return BASE + (data << SLOT_SHIFT) + (lead & (SLOT - 1))

    def unmap(self, tlb, minmask):
        minmask &= M32
        lead = tlb & minmask & (SLOT - 1)
        idx = (tlb - lead - BASE) >> SLOT_SHIFT
        idx -= self.pad[idx]
        n = slots_for((self.size_left[idx] + lead) & M64)
        ai = idx // self.area_n
        seg_end = (idx + 1 + SEG - 1) // SEG * SEG
        run = self.free[idx + n] if idx + n < seg_end else 0
        for i in range(idx + n - 1, idx - 1, -1):
            run += 1
            self.free[i] = run
            self.size_left[i] = 0
            self.pad[i] = 0
        i = idx - 1
        while (i % SEG) != SEG - 1 and self.free[i]:
            run += 1
            self.free[i] = run
            i -= 1
        self.busy[ai] -= n

    def used(self):
        return sum(self.busy)


def num(tok):
    return int(tok, 16) if tok.lower().startswith("0x") else int(tok, 10)


def replay_lines(lines):
    """The model's output for a trace (list of text lines)."""
    out = []
    pool = None
    masks = {}
    for raw in lines:
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        op = line[0]
        if op == "pool":
            pool = Model(num(line[1]), num(line[2]))
            masks = {}
            out.append("ok")
        elif op == "map":
            cpu, orig, size, align, minmask = (num(t) for t in line[1:6])
            tlb = pool.map(cpu, orig, size, align, minmask)
            if tlb is None:
                out.append("fail")
            else:
                masks[tlb] = minmask
                out.append("0x%x" % tlb)
        elif op == "unmap":
            tlb = num(line[1])
            pool.unmap(tlb, masks.pop(tlb))
            out.append("ok")
        elif op == "used":
            out.append("used=%d" % pool.used())
        else:
            raise ValueError("unknown op " + op)
    return out


# --- random trace generation ------------------------------------------------

ALIGNS = [0, 0, 0, 0x7ff, 0xfff, 0xfff, 0x1fff, 0x3fff, 0xffff, 0x3ff, 0x7fff, 0x1ffff]
MINMASKS = [0, 0, 0, 0xfff, 0xfff, 0x3fff, 0x7ff, 0x1ff, 0xffff, 0x3, 0x1fff, 0x7fff]
WEIRD_ALIGNS = [0x1800, 0x2fff, 0xffffff, 0x3ffff]
WEIRD_MINMASKS = [0x1800, 0xf0f, 0xffffffff, 0x80000fff, 0xfffff, 0x3ffff, 0x2800, 0x5800, 0x6fff]


def rand_size(rng):
    k = rng.random()
    if k < 0.35:
        return rng.randint(1, 4096)
    if k < 0.6:
        return rng.randint(4096, 65536)
    if k < 0.8:
        return rng.randint(1, 300000)
    if k < 0.95:
        return max(1, rng.randint(1, 128) * SLOT + rng.choice([-1, 0, 1, -2047, 2047]))
    return rng.choice([262144, 262143, 262145, 260096, 258048, 524288, 1])


def rand_orig(rng):
    k = rng.random()
    if k < 0.05:
        return 0
    if k < 0.1:
        return rng.randint(1, 0xfff)
    if k < 0.8:
        return rng.randint(0x1000, 0xffffffff)
    if k < 0.95:
        return rng.randint(0x100000000, 0xffffffffff)
    # anywhere below the top MiB (ORIG + SIZE never wraps)
    return rng.randint(0x10000000000, M64 - (1 << 20))


def rand_pool(rng):
    k = rng.random()
    if k < 0.3:
        n = rng.randint(0, 3000)
    elif k < 0.55:
        n = rng.choice([128, 256, 512, 1024, 2048]) + rng.choice([0, 0, 1, -1, 64, 127, 129])
    elif k < 0.8:
        n = rng.randint(100, 1200)
    elif k < 0.97:
        n = rng.randint(0, 9000)
    else:
        n = rng.choice([32768, 16384, 20000])
    n = max(0, n)
    a = rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 8, 16, 9])
    return n, a


def gen_trace(rng, nops):
    lines = []
    n, a = rand_pool(rng)
    lines.append("pool %d %d" % (n, a))
    geo = Model(n, a)
    live = []  # (tlb, size) as the generator guesses; real ones come from replay
    # The generator does not know the addresses: build the trace
    # incrementally with the model so that unmaps name live mappings.
    model = geo
    masks = {}
    weird = rng.random() < 0.15
    cpus = rng.choice([1, 2, 4, 8, 64, 4096, 1 << 40, 1 << 64])
    phase_fill = False
    for _ in range(nops):
        k = rng.random()
        if k < 0.01:
            n, a = rand_pool(rng)
            lines.append("pool %d %d" % (n, a))
            model = Model(n, a)
            live = []
            masks = {}
            continue
        if k < 0.04:
            lines.append("used")
            continue
        if k < 0.06:
            phase_fill = not phase_fill
        if k < 0.075:
            # a burst of identical requests until the pool says no
            cpu = rng.randrange(cpus)
            size = rand_size(rng)
            align = rng.choice(ALIGNS)
            minmask = rng.choice(MINMASKS)
            for _ in range(300):
                orig = rand_orig(rng)
                tlb = model.map(cpu, orig, size, align, minmask)
                lines.append("map %d 0x%x %d 0x%x 0x%x" % (cpu, orig, size, align, minmask))
                if tlb is None:
                    break
                live.append((tlb, size))
                masks[tlb] = minmask
            lines.append("used")
            continue
        unmap_p = 0.1 if phase_fill else 0.4
        if live and rng.random() < unmap_p:
            i = rng.randrange(len(live))
            tlb, size = live.pop(i)
            model.unmap(tlb, masks.pop(tlb))
            lines.append("unmap 0x%x %d" % (tlb, size))
            continue
        cpu = rng.randrange(cpus)
        orig = rand_orig(rng)
        size = rand_size(rng)
        if weird and rng.random() < 0.3:
            align = rng.choice(WEIRD_ALIGNS + ALIGNS)
            minmask = rng.choice(WEIRD_MINMASKS + MINMASKS)
        else:
            align = rng.choice(ALIGNS)
            minmask = rng.choice(MINMASKS)
        tlb = model.map(cpu, orig, size, align, minmask)
        lines.append("map %d 0x%x %d 0x%x 0x%x" % (cpu, orig, size, align, minmask))
        if tlb is not None:
            live.append((tlb, size))
            masks[tlb] = minmask
    lines.append("used")
    return lines


def run_sim(sim, path):
    p = subprocess.run([sim, "swiotlb", "replay", path], capture_output=True, text=True)
    return p.returncode, p.stdout.splitlines(), p.stderr


def differential(sim, seed, ntraces, nops):
    rng = random.Random(seed)
    tmpdir = tempfile.mkdtemp(prefix="swiotlb-audit-")
    nops_total = 0
    for t in range(ntraces):
        lines = gen_trace(rng, nops)
        ops = [l for l in lines if l.split("#")[0].strip()]
        want = replay_lines(lines)
        path = os.path.join(tmpdir, "t%d.trace" % t)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        rc, got, err = run_sim(sim, path)
        if rc != 0 or got != want:
            for i, (g, w) in enumerate(zip(got + [None] * len(want), want)):
                if g != w:
                    print("seed %d trace %d: op %d '%s': sim %r, model %r"
                          % (seed, t, i + 1, ops[i], g, w))
                    break
            else:
                print("seed %d trace %d: exit %d, stderr %s" % (seed, t, rc, err.strip()))
            print("trace kept in", path)
            return 1
        nops_total += len(want)
        os.unlink(path)
    os.rmdir(tmpdir)
    print("seed %d: %d traces, %d operations compared, no difference"
          % (seed, ntraces, nops_total))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--replay":
        with open(argv[2]) as f:
            for line in replay_lines(f.read().splitlines()):
                print(line)
        return 0
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    nops = int(argv[4]) if len(argv) == 5 else 300
    return differential(argv[1], int(argv[2]), int(argv[3]), nops)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
