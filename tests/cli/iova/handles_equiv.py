#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""handles_equiv.py PHYR_SIM TRACE [REPLAY OPTIONS...]

The handle form of an IOVA trace means exactly its pfn form: replays TRACE
(handles) with the options, rewrites it into the pfn form using the pfns
that run printed (`free H` -> `free PFN`, `fast_free H` -> `fast_free PFN
SIZE CPU`, `as H` dropped), replays that, and requires the two outputs to
be identical line for line.
"""
import subprocess
import sys
import tempfile


def replay(sim, opts, path):
    r = subprocess.run([sim, "iova", "replay"] + opts + [path], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("replay of %s failed (%d): %s" % (path, r.returncode, r.stderr))
    return r.stdout.splitlines()


def main():
    sim, trace, opts = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = replay(sim, opts, trace)
    handles = {}
    pfn_lines = []
    k = 0
    with open(trace) as f:
        for raw in f:
            line = raw.split("#", 1)[0].split()
            if not line:
                continue
            result = out[k]
            k += 1
            op = line[0]
            if op == "init":
                handles = {}
            if len(line) >= 3 and line[-2] == "as":
                name = line[-1]
                line = line[:-2]
                cpu = line[3] if op == "fast_alloc" else None
                handles[name] = (result, line[1], cpu)
            elif op == "free" and line[1] in handles:
                line = ["free", handles.pop(line[1])[0]]
            elif op == "fast_free" and line[1] in handles:
                pfn, size, cpu = handles.pop(line[1])
                line = ["fast_free", pfn] + (line[2:] if len(line) == 4 else [size, cpu])
            pfn_lines.append(" ".join(line))
    if k != len(out):
        sys.exit("%d output lines for %d ops" % (len(out), k))
    with tempfile.NamedTemporaryFile("w", suffix=".trace") as t:
        t.write("\n".join(pfn_lines) + "\n")
        t.flush()
        out2 = replay(sim, opts, t.name)
    if out != out2:
        for i, (a, b) in enumerate(zip(out, out2)):
            if a != b:
                print("op %d (%s): handle form %r, pfn form %r" % (i + 1, pfn_lines[i], a, b))
        sys.exit(1)
    print("ok: %d ops, handle and pfn forms agree" % k)


main()
