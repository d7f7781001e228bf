#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential check of `phyr-sim mapsg` against a brute-force model written
from docs/formats.md and spec/kernel.md 3.3, 3.6, 4.3 (widening,
padding, iommu_map_sg runs, __finalise_sg in 32-bit arithmetic, the bus
length quirk, the size-aligned top-down IOVA of a fresh domain with the
32-bit-first rule). Random cases from a fixed seed.

    model.py PHYR_SIM [SEED] [CASES]
"""
import random
import subprocess
import sys

G=4096
M64=(1<<64)-1; M32=(1<<32)-1
def model(c, base):
    mask = c['boundary'] or M64
    max_len = c['max_seg'] or 65536
    ents = [dict(e) for e in c['ents']]
    for e in ents:
        e['length']=e['len']; e['offset']=e['off']; e['bus_flag']=False
    iova_len=0; prev=None
    head=ents[0]
    for e in ents:
        s_off = e['offset'] & (G-1)
        s_len = e['length']
        pad = (mask - iova_len + 1) & mask
        if e['bus']:
            e['dma_address']=(e['phys']+e['offset']+e['busoff'])&M64
            e['dma_len']=head['length'] & M32
            e['bus_flag']=True
            continue
        e['dma_address']=s_off; e['dma_len']=s_len & M32
        e['offset']-=s_off
        s_len = (s_len + s_off + G-1)//G*G
        e['length']=s_len & M32
        if pad and pad < s_len-1:
            prev['length']=(prev['length']+pad)&M32
            iova_len+=pad
        iova_len+=s_len
        prev=e
    if iova_len==0:
        base=0
    # map runs
    maps=[]
    if iova_len:
        mapped=0; ln=0; start=0; n=len(ents)
        for i in range(n+1):
            e=ents[min(i,n-1)]
            ph=(e['phys']+e['offset'])
            if ln and ph!=start+ln:
                maps.append((base+mapped,start,ln)); mapped+=ln; ln=0
            if e['bus_flag']: continue
            if ln: ln+=e['length']
            else: ln=e['length']; start=ph
        if mapped<iova_len: return 'ret=-22', iova_len
    # finalise
    cur=0; cur_len=0; count=0; dma=base; out=[None]*len(ents)
    for i,e in enumerate(ents):
        if e['bus_flag']:
            if i>0: cur+=1
            out[cur]=(e['dma_address'],e['dma_len'],True); count+=1; cur_len=0; continue
        s_off=e['dma_address']&M32; s_len=e['dma_len']; s_iova=e['length']
        if cur_len and not s_off and (dma & mask) and ((max_len-cur_len)&M32)>=s_len:
            cur_len=(cur_len+s_len)&M32
            out[cur]=(out[cur][0],cur_len,False)
        else:
            if i>0: cur+=1
            cur_len=s_len; count+=1
            out[cur]=((dma+s_off)&M64,cur_len,False)
        dma=(dma+s_iova)&M64
        if ((s_len+s_off)&M32) < s_iova: cur_len=0
    segs=','.join('0x%x:%d%s'%(a,l,'/bus' if b else '') for a,l,b in out[:count])
    mp=','.join('0x%x>0x%x:%d'%m for m in maps)
    return 'ret=%d iova=0x%x len=%d segs=%s maps=%s'%(count,base,iova_len,segs,mp), iova_len

def gen(r):
    n=r.randint(1,12)
    ents=[]
    page=r.choice([0x100000,0x200000])
    for i in range(n):
        kind=r.random()
        if kind<0.15:
            ents.append(dict(phys=0xe0000000+r.randint(0,16)*G, off=r.choice([0,8,100]), len=r.randint(1,20000), bus=True, busoff=r.choice([0x1000000000,0x2000000000,0x1000])))
            continue
        if r.random()<0.5: page=page  # contiguous continuation
        else: page=r.randint(1,1<<20)*G
        off=r.choice([0,0,0,r.randint(0,4095),r.randint(0,20000)])
        ln=r.choice([G,2*G,r.randint(1,70000),r.randint(1,G),16*G])
        ents.append(dict(phys=page,off=off,len=ln,bus=False,busoff=0))
        page = page + ((off+ln+G-1)//G)*G
        if r.random()<0.05:
            # a bus page right where the run ends (Linux never maps that run)
            ents.append(dict(phys=page,off=0,len=4096,bus=True,busoff=0x1000))
    if r.random()<0.03:
        ents.append(dict(phys=0x100000000,off=0,len=0x80000000,bus=False,busoff=0))
    return dict(bits=r.choice([64,64,40,32]), max_seg=r.choice([0,4096,8192,65536,1<<20,M32]),
                boundary=r.choice([0,0xffff,0x3fff,0xffffffff,M64,0x1ffff]), ents=ents)

def line(c):
    es=','.join('0x%x+%d:%d%s'%(e['phys'],e['off'],e['len'],'/bus=0x%x'%e['busoff'] if e['bus'] else '') for e in c['ents'])
    return 'mapsg mask=%d max_seg=%d boundary=0x%x ents=%s'%(c['bits'],c['max_seg'],c['boundary'],es)


def rp2(n):
    r=1
    while r<n: r<<=1
    return r
def fresh_iova(bits, iova_len):
    n=iova_len//G
    size = rp2(n) if n < 32 else n
    al = rp2(size)
    def tryalloc(limit):
        if size > limit+1: return None
        p=(limit+1-size) & ~(al-1)
        return p if p>=1 else None
    lim=((1<<bits)-1)>>12
    if (1<<bits)-1 > M32:
        p=tryalloc(0xfffff)
        if p is not None: return p*G
    p=tryalloc(lim)
    return None if p is None else p*G

def main():
    sim=sys.argv[1]
    seed=int(sys.argv[2]) if len(sys.argv)>2 else 1
    ncases=int(sys.argv[3]) if len(sys.argv)>3 else 3000
    r=random.Random(seed)
    cases=[gen(r) for _ in range(ncases)]
    inp='\n'.join(line(c) for c in cases)+'\n'
    out=subprocess.run([sim,'mapsg','-'],input=inp,capture_output=True,text=True)
    lines=out.stdout.splitlines()
    assert len(lines)==len(cases), (len(lines), out.stderr[:300])
    bad=0
    for c,l in zip(cases,lines):
        if l.startswith('ret=-12'):
            _, il = model(c, 0)
            if il == 0 or fresh_iova(c['bits'], il) is not None:
                bad += 1
                print('UNEXPECTED ENOMEM', line(c))
            continue
        base=0
        if 'iova=' in l: base=int(l.split('iova=')[1].split()[0],16)
        m,_=model(c,base)
        if m!=l:
            bad+=1
            if bad<4: print('MISMATCH\n',line(c),'\n got ',l,'\n want',m)
    print('cases',len(cases),'mismatches',bad, 'enomem', sum(1 for l in lines if l=='ret=-12'), 'einval', sum(1 for l in lines if l=='ret=-22'))
    total=bad
    bad=0
    for c,l in zip(cases,lines):
        if 'iova=' not in l: continue
        base=int(l.split('iova=')[1].split()[0],16); ln=int(l.split('len=')[1].split()[0])
        if ln==0: continue
        if fresh_iova(c['bits'], ln)!=base:
            bad+=1
            if bad<3: print('IOVA MISMATCH', line(c), l, hex(fresh_iova(c['bits'],ln) or 0))
    print('iova mismatches', bad)
    if total or bad:
        print('seed', seed)
        sys.exit(1)

main()
