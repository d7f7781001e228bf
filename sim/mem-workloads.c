// SPDX-License-Identifier: MIT
/*
 * The built-in workloads of `phyr-sim mem` (documented in docs/mem.md).
 * Each feeds the physical ranges of one I/O buffer, in buffer order, into
 * a streaming ledger: nothing is materialised, so 100 GiB of 4 KiB pages
 * costs constant memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define KiB UINT64_C(1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s)
{
	return mix64(*s += UINT64_C(0x9E3779B97F4A7C15));
}

static uint32_t frag_of(const struct mem_workload *w, const struct mem_params *p)
{
	return p->frag == PHYR_PAGES_FRAG_DEFAULT ? w->frag : p->frag;
}

static int make_pages(enum phyr_pages_pattern pat, const struct mem_params *p, uint64_t salt,
		      uint64_t bytes, uint32_t frag, uint64_t bar_size, struct phyr_pages **out)
{
	struct phyr_pages_opts o = {
		.pattern = pat,
		.seed = p->seed ^ salt,
		.bytes = bytes,
		.frag_permille = frag,
		.bar_size = bar_size,
	};

	return phyr_pages_create(&o, NULL, out);
}

/* Every page of one pattern, in allocation order. */
static int feed_pattern(const struct mem_workload *w, const struct mem_params *p, uint64_t bytes,
			struct mem_sink *g)
{
	struct phyr_pages *pg;
	struct phyr_pages_run r;
	int ret;

	ret = make_pages(w->pattern, p, 0, bytes, frag_of(w, p), 0, &pg);
	if (ret)
		return ret;
	while ((ret = phyr_pages_next(pg, 0, &r)) == 1) {
		ret = mem_sink_add(g, r.pfn << PHYR_PAGE_SHIFT, r.npages << PHYR_PAGE_SHIFT, false);
		if (ret)
			break;
	}
	phyr_pages_destroy(pg);
	return ret;
}

/*
 * Vectored block I/O with 512-byte sectors: 8 iovecs, each starting 1..7
 * sectors into a page and 1..32 sectors long, backed by pages of a
 * fragmented machine.
 */
static int feed_blk512(const struct mem_workload *w, const struct mem_params *p, uint64_t bytes,
		       struct mem_sink *g)
{
	struct phyr_pages *pg;
	uint64_t s = p->seed ^ UINT64_C(0xB10C);
	uint64_t pfns[8];
	int ret;

	(void)bytes;
	ret = make_pages(w->pattern, p, 0, 0, frag_of(w, p), 0, &pg);
	if (ret)
		return ret;
	for (int v = 0; v < 8 && ret == 0; v++) {
		uint64_t off = 512 * (1 + rnd(&s) % 7), len = 512 * (1 + rnd(&s) % 32);
		size_t npages = (size_t)((off + len + PHYR_PAGE_SIZE - 1) >> PHYR_PAGE_SHIFT), got;

		ret = phyr_pages_fill(pg, pfns, npages, &got);
		if (ret == 0 && got != npages)
			ret = -ENOSPC;
		for (size_t i = 0; i < npages && ret == 0; i++) {
			uint64_t start = i == 0 ? off : 0;
			uint64_t piece = PHYR_PAGE_SIZE - start;

			if (piece > len)
				piece = len;
			ret = mem_sink_add(g, (pfns[i] << PHYR_PAGE_SHIFT) + start, piece, false);
			len -= piece;
		}
	}
	phyr_pages_destroy(pg);
	return ret;
}

static uint64_t dmabuf_bar_size(uint64_t bytes)
{
	return bytes * 2 > 32 * GiB ? bytes * 2 : 32 * GiB;
}

/*
 * A GPU dmabuf: chunks of 64 KiB .. 2 MiB of the device BAR (peer-to-peer),
 * a quarter of them migrated to system memory (fragmented 4 KiB pages).
 */
static int feed_dmabuf(const struct mem_workload *w, const struct mem_params *p, uint64_t bytes,
		       struct mem_sink *g)
{
	struct phyr_pages *bar, *sys;
	struct phyr_pages_run r, q;
	uint64_t s = p->seed ^ UINT64_C(0xD3AB);
	uint64_t left = (bytes + PHYR_PAGE_SIZE - 1) >> PHYR_PAGE_SHIFT;
	uint64_t bar_size = dmabuf_bar_size(bytes);
	int ret;

	ret = make_pages(PHYR_PAGES_BAR, p, 0, 0, frag_of(w, p), bar_size, &bar);
	if (ret)
		return ret;
	ret = make_pages(PHYR_PAGES_FRAGMENTED, p, 1, 0, PHYR_PAGES_FRAG_DEFAULT, 0, &sys);
	if (ret) {
		phyr_pages_destroy(bar);
		return ret;
	}
	while (left && ret == 0) {
		ret = phyr_pages_next(bar, left, &r);
		if (ret != 1)
			break;
		ret = 0;
		left -= r.npages;
		if (rnd(&s) % 4) {
			ret = mem_sink_add(g, r.pfn << PHYR_PAGE_SHIFT, r.npages << PHYR_PAGE_SHIFT, true);
			continue;
		}
		for (uint64_t need = r.npages; need && ret == 0; need -= q.npages) {
			ret = phyr_pages_next(sys, need, &q);
			if (ret != 1)
				break;
			ret = mem_sink_add(g, q.pfn << PHYR_PAGE_SHIFT, q.npages << PHYR_PAGE_SHIFT, false);
		}
	}
	if (ret == 0 && left)
		ret = -ENOSPC;
	phyr_pages_destroy(bar);
	phyr_pages_destroy(sys);
	return ret;
}

const struct mem_workload mem_workloads[] = {
	{ "rdma-thp", "RDMA memory registration backed by 2 MiB THP", PHYR_PAGES_THP, 100,
	  100 * GiB, true, 110, 0, feed_pattern },
	{ "rdma-hugetlb", "RDMA memory registration backed by 1 GiB hugetlb pages",
	  PHYR_PAGES_HUGETLB, 200, 100 * GiB, true, 70, 0, feed_pattern },
	{ "rdma-4k", "RDMA memory registration backed by fragmented 4 KiB pages",
	  PHYR_PAGES_FRAGMENTED, 900, 100 * GiB, true, 9700, 0, feed_pattern },
	{ "odirect-128k", "128 KiB O_DIRECT block I/O from a fragmented user buffer",
	  PHYR_PAGES_FRAGMENTED, 900, 128 * KiB, false, 0, 0, feed_pattern },
	{ "odirect-1m", "1 MiB O_DIRECT block I/O from a fragmented user buffer",
	  PHYR_PAGES_FRAGMENTED, 900, MiB, false, 0, 0, feed_pattern },
	{ "blk-512", "vectored block I/O, 8 iovecs 512-byte aligned but not page aligned",
	  PHYR_PAGES_FRAGMENTED, 900, 0, false, 0, 0, feed_blk512 },
	{ "gpu-dmabuf", "GPU dmabuf mixing device-BAR chunks (P2P) and system pages",
	  PHYR_PAGES_BAR, 300, GiB, true, 300, 36, feed_dmabuf },
};

const unsigned mem_nworkloads = sizeof(mem_workloads) / sizeof(mem_workloads[0]);

/* Where a workload's ranges go: the ledger (CPU side), the DMA-side
 * calculator and, for small workloads, a copy of the coalesced runs. */
struct mem_sink {
	const struct mem_params *p;
	uint64_t fed, total;   /* bytes fed so far, of the workload's total */
	uint64_t next_report;  /* call p->progress when fed reaches this */
	uint64_t nranges;
	struct phyr_ledger *g;
	struct mem_dma_calc *c;
	bool record;
	struct mem_run *runs;
	size_t n, cap;
	uint64_t bytes;
};

/* Reports the whole percentage fed and sets the next byte count to report at. */
static void progress(struct mem_sink *s)
{
	uint64_t pct;

	if (!s->p->progress || !s->total) {
		s->next_report = UINT64_MAX;
		if (s->p->progress && s->fed == 0)
			s->p->progress(s->p->progress_ctx, 0, 0);
		return;
	}
	pct = s->fed >= s->total ? 100 : (uint64_t)((double)s->fed * 100 / (double)s->total);
	if (pct >= 100) {
		s->next_report = UINT64_MAX;
	} else {
		/* the first byte count of the next percentage */
		s->next_report = (uint64_t)((double)s->total * (double)(pct + 1) / 100);
		if (s->next_report <= s->fed)
			s->next_report = s->fed + 1;
	}
	s->p->progress(s->p->progress_ctx, s->fed < s->total ? s->fed : s->total, s->total);
}

int mem_sink_add(struct mem_sink *s, uint64_t addr, uint64_t len, bool p2p)
{
	int ret;

	if (len == 0)
		return 0;
	s->nranges++;
	s->fed += len;
	if (s->fed >= s->next_report)
		progress(s);
	ret = phyr_ledger_add(s->g, addr, len);
	if (ret)
		return ret;
	ret = mem_dma_calc_add(s->c, addr, len, p2p);
	if (ret || !s->record)
		return ret;
	s->bytes += len;
	if (s->bytes > MEM_DMA_MEASURE_MAX) {
		s->record = false;
		return 0;
	}
	if (s->n && s->runs[s->n - 1].p2p == p2p &&
	    s->runs[s->n - 1].addr + s->runs[s->n - 1].len == addr) {
		s->runs[s->n - 1].len += len;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct mem_run *v = realloc(s->runs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->runs = v;
		s->cap = cap;
	}
	s->runs[s->n++] = (struct mem_run){ addr, len, p2p };
	return 0;
}

static int dma_side(const struct mem_params *p, struct mem_sink *s, struct mem_result *r)
{
	struct mem_dma_raw calc[MEM_MODE_COUNT], meas[MEM_MODE_COUNT];
	int ret;

	ret = mem_dma_calc_finish(s->c, calc);
	if (ret)
		return ret;
	if (s->record && !p->no_measure) {
		ret = mem_dma_measure(s->runs, s->n, r->bar_size, p->chunk, meas);
		if (ret)
			return ret;
		for (int m = 0; m < MEM_MODE_COUNT; m++) {
			if (mem_dma_raw_equal(&calc[m], &meas[m]))
				continue;
			fprintf(stderr,
				"phyr-sim mem: %s, %s mode: computed and measured DMA side differ:\n"
				"  computed err %d ndma %llu nbus %llu iova 0x%llx+0x%llx packed %llu "
				"slots %llu sg %llu states %llu\n"
				"  measured err %d ndma %llu nbus %llu iova 0x%llx+0x%llx packed %llu "
				"slots %llu sg %llu states %llu\n",
				r->w->name, mem_mode_names[m], calc[m].err,
				(unsigned long long)calc[m].ndma, (unsigned long long)calc[m].nbus,
				(unsigned long long)calc[m].iova, (unsigned long long)calc[m].iova_len,
				(unsigned long long)calc[m].dma_packed_bytes,
				(unsigned long long)calc[m].nslots, (unsigned long long)calc[m].sg_segs,
				(unsigned long long)calc[m].nstates, meas[m].err,
				(unsigned long long)meas[m].ndma, (unsigned long long)meas[m].nbus,
				(unsigned long long)meas[m].iova, (unsigned long long)meas[m].iova_len,
				(unsigned long long)meas[m].dma_packed_bytes,
				(unsigned long long)meas[m].nslots, (unsigned long long)meas[m].sg_segs,
				(unsigned long long)meas[m].nstates);
			return -EPROTO;
		}
		r->dma_measured = true;
	}
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		r->dma[m].raw = calc[m];
		if (r->dma_measured) {
			r->dma[m].raw.sg32_segs = meas[m].sg32_segs;
			r->dma[m].raw.sg24_clobbered = meas[m].sg24_clobbered;
			r->dma[m].raw.sg24_nents = meas[m].sg24_nents;
		}
		r->dma[m].measured = r->dma_measured;
		mem_dma_fill(r, &r->dma[m], (enum mem_mode)m);
	}
	return 0;
}

int mem_run(const struct mem_workload *w, const struct mem_params *p, struct mem_result *r)
{
	struct mem_sink s = { .p = p, .record = true };
	int ret;

	memset(r, 0, sizeof(*r));
	r->w = w;
	r->frag = frag_of(w, p);
	r->bytes = w->scalable && p->size ? p->size : w->default_bytes;
	r->bar_size = dmabuf_bar_size(r->bytes);
	s.total = r->bytes;
	progress(&s);
	ret = phyr_ledger_create(p->chunk, NULL, &s.g);
	if (ret)
		return ret;
	ret = mem_dma_calc_create(p->chunk, &s.c);
	if (ret == 0)
		ret = w->feed(w, p, r->bytes, &s);
	if (ret == 0) {
		phyr_ledger_get_totals(s.g, &r->t);
		r->bytes = r->t.nbytes;
		for (int i = 0; i < PHYR_REPR_COUNT && ret == 0; i++)
			ret = phyr_ledger_cost(s.g, (enum phyr_repr)i, &r->cost[i]);
	}
	if (ret == 0)
		ret = dma_side(p, &s, r);
	r->nranges = s.nranges;
	mem_dma_calc_destroy(s.c);
	phyr_ledger_destroy(s.g);
	free(s.runs);
	return ret;
}

bool mem_selected(const struct mem_config *cfg, const struct mem_workload *w)
{
	return strcmp(cfg->workload, "all") == 0 || strcmp(cfg->workload, w->name) == 0;
}

static uint64_t clamp_u64(double v)
{
	return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

void mem_predict(const struct mem_config *cfg, uint64_t *us, uint64_t *bytes)
{
	double t = 0, m = 0;

	for (unsigned i = 0; i < mem_nworkloads; i++) {
		const struct mem_workload *w = &mem_workloads[i];
		uint64_t b = w->scalable && cfg->p.size ? cfg->p.size : w->default_bytes;

		if (!mem_selected(cfg, w))
			continue;
		t += (double)b / (double)GiB * w->cpu_us_per_gib;
		m += (double)b / (double)GiB * w->kib_per_gib * 1024;
	}
	*us = clamp_u64(t);
	*bytes = clamp_u64(m);
}
