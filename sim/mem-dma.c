// SPDX-License-Identifier: MIT
/*
 * The DMA side of `phyr-sim mem` (docs/mem.md, "DMA side"): what the
 * mapped state of a workload's list costs in each mode, for the
 * scatterlist (CPU and DMA in one entry), phyr (CPU list + DMA list, plain
 * and packed) and the two-step API (16-byte dma_iova_state per IOVA + the
 * CPU list).
 *
 * Two ways to the same figures:
 *  - computed: a streaming calculator fed with the coalesced runs applies
 *    the mapping rules (docs/dma-two-step.md) in bounded memory, so the
 *    100 GiB workloads cost no more than their ledger;
 *  - measured: for small workloads the runs are really mapped through the
 *    library (phyr_dma_map_phyr, the two-step calls, swiotlb) on a
 *    simulated machine per mode, and the entries out are counted.
 * mem_run() does both where it can and fails if they disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phyr/builder.h>
#include <phyr/dma-mapping.h>

#include "mem.h"
#include "shipped-machines.h"

#define G MEM_DMA_GRANULE
#define ALIGN_G(x) (((x) + G - 1) & ~(G - 1))

const char *const mem_mode_names[MEM_MODE_COUNT] = {
	[MEM_MODE_PASSTHROUGH] = "passthrough",
	[MEM_MODE_IOMMU] = "iommu",
	[MEM_MODE_BUS_OFFSET] = "bus-offset",
	[MEM_MODE_SWIOTLB] = "swiotlb",
};

const char *const mem_drep_names[MEM_DREP_COUNT] = {
	[MEM_DREP_SG24] = "sg24",
	[MEM_DREP_SG32] = "sg32",
	[MEM_DREP_SG40] = "sg40",
	[MEM_DREP_PHYR] = "phyr",
	[MEM_DREP_PACKED] = "packed",
	[MEM_DREP_TWO_STEP_PHYR] = "two-step+phyr",
	[MEM_DREP_TWO_STEP_PACKED] = "two-step+packed",
};

/* ---- the streaming calculator ---- */

struct dent {
	uint64_t addr; /* IOVA-relative for IOVA ranges, bus address for bus ranges */
	uint64_t len;
	bool bus;
};

struct mem_dma_calc {
	uint32_t chunk;
	uint64_t nruns;
	uint64_t nbus;
	/* iommu */
	struct dent *ents;
	size_t nents, cap;
	uint64_t iova_len;
	bool last_iova;
	uint64_t last_end;
	uint64_t nstates;
	bool seen_nonbus;
	/* bus offset */
	struct phyr_list *bo;
	/* swiotlb */
	struct phyr_list *sw;
	uint64_t sw_cursor, sw_pieces, sw_slots, sw_sg;
	/* open run */
	bool open;
	uint64_t oaddr, olen;
	bool op2p;
	int err;
};

static int packed_list(uint32_t chunk, bool measure, struct phyr_list **out)
{
	struct phyr_list_opts o = { .encoding = PHYR_LIST_PACKED, .chunk_size = chunk,
				    .measure_only = measure };

	return phyr_list_create(&o, NULL, out);
}

int mem_dma_calc_create(uint32_t chunk, struct mem_dma_calc **out)
{
	struct mem_dma_calc *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->chunk = chunk;
	ret = packed_list(chunk, true, &c->bo);
	if (ret == 0)
		ret = packed_list(chunk, true, &c->sw);
	if (ret) {
		mem_dma_calc_destroy(c);
		return ret;
	}
	*out = c;
	return 0;
}

void mem_dma_calc_destroy(struct mem_dma_calc *c)
{
	if (!c)
		return;
	phyr_list_destroy(c->bo);
	phyr_list_destroy(c->sw);
	free(c->ents);
	free(c);
}

static int push_dent(struct mem_dma_calc *c, uint64_t addr, uint64_t len, bool bus)
{
	if (c->nents == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct dent *e = realloc(c->ents, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		c->ents = e;
		c->cap = cap;
	}
	c->ents[c->nents++] = (struct dent){ addr, len, bus };
	return 0;
}

/* swiotlb slot placement in a fresh one-area pool with no masks: the
 * next-fit search of swiotlb_search_pool_area reduced to a bump pointer
 * (page-aligned slots for requests of a page or more, never across a
 * 128-slot segment). */
static uint64_t sw_place(uint64_t *cursor, uint64_t size, uint64_t *nslots)
{
	uint64_t n = (size + PHYR_SWIOTLB_SLOT_SIZE - 1) >> PHYR_SWIOTLB_SLOT_SHIFT;
	uint64_t align = size >= PHYR_PAGE_SIZE ? PHYR_PAGE_SIZE / PHYR_SWIOTLB_SLOT_SIZE : 1;
	uint64_t i = *cursor;

	for (;;) {
		if (i % align) {
			i++;
			continue;
		}
		if (i % PHYR_SWIOTLB_SEGSIZE + n <= PHYR_SWIOTLB_SEGSIZE)
			break;
		i += align;
	}
	*cursor = i + n;
	*nslots = n;
	return i;
}

static int calc_run(struct mem_dma_calc *c, uint64_t addr, uint64_t len, bool p2p)
{
	uint64_t max = phyr_swiotlb_max_mapping_size(0);
	int ret;

	c->nruns++;
	/* iommu: bus ranges apart, the rest laid out in one IOVA */
	if (p2p) {
		c->nbus++;
		ret = push_dent(c, addr, len, true);
		if (ret)
			return ret;
		c->last_iova = false;
	} else {
		uint64_t off = addr & (G - 1), rel = c->iova_len + off;

		if (c->last_iova && c->last_end == rel) {
			c->ents[c->nents - 1].len += len;
		} else {
			ret = push_dent(c, rel, len, false);
			if (ret)
				return ret;
		}
		c->iova_len += ALIGN_G(len + off);
		c->last_iova = true;
		c->last_end = rel + len;
		/* two-step: only the first link of a state may start unaligned */
		if (!c->seen_nonbus || off)
			c->nstates++;
		c->seen_nonbus = true;
	}
	/* bus offset: one DMA range per run */
	ret = phyr_list_append(c->bo, addr + (p2p ? MEM_DMA_BAR_BUS_OFFSET : MEM_DMA_RAM_OFFSET),
			       len);
	if (ret)
		return ret;
	/*
	 * swiotlb: the list split into pieces of at most
	 * swiotlb_max_mapping_size (the caller cannot tell which ranges will
	 * bounce); RAM pieces are bounced, P2P pieces reached by bus address
	 * keep it (dma-direct handles BUS_ADDR before any bounce decision).
	 */
	c->sw_sg += (phyr_account_pages(addr, len) + MEM_DMA_SW_SG_PAGES - 1) / MEM_DMA_SW_SG_PAGES;
	for (uint64_t done = 0; done < len;) {
		uint64_t piece = len - done < max ? len - done : max, n, dma = addr + done;

		if (!p2p) {
			dma = MEM_DMA_SWIOTLB_BASE +
			      (sw_place(&c->sw_cursor, piece, &n) << PHYR_SWIOTLB_SLOT_SHIFT);
			c->sw_slots += n;
		}
		ret = phyr_list_append(c->sw, dma, piece);
		if (ret)
			return ret;
		c->sw_pieces++;
		done += piece;
	}
	return 0;
}

int mem_dma_calc_add(struct mem_dma_calc *c, uint64_t addr, uint64_t len, bool p2p)
{
	if (c->err || len == 0)
		return c->err;
	if (c->open && c->op2p == p2p && c->olen <= UINT64_MAX - c->oaddr &&
	    c->oaddr + c->olen == addr) {
		c->olen += len;
		return 0;
	}
	if (c->open)
		c->err = calc_run(c, c->oaddr, c->olen, c->op2p);
	c->open = true;
	c->oaddr = addr;
	c->olen = len;
	c->op2p = p2p;
	return c->err;
}

/* The IOVA a fresh DMA domain gives @n pages (iommu_dma_alloc_iova of a
 * 64-bit PCI device, 48-bit forced aperture): size-aligned top-down, the
 * 32-bit space first. */
static uint64_t fresh_iova(uint64_t n)
{
	uint64_t p2 = 1, pfn;

	while (p2 < n)
		p2 <<= 1;
	if (n <= UINT64_C(0x100000)) {
		pfn = (UINT64_C(0x100000) - n) & ~(p2 - 1);
		if (pfn >= 1)
			return pfn << PHYR_PAGE_SHIFT;
	}
	pfn = ((UINT64_C(1) << (MEM_DMA_IOVA_BITS - PHYR_PAGE_SHIFT)) - n) & ~(p2 - 1);
	return pfn << PHYR_PAGE_SHIFT;
}

int mem_dma_calc_finish(struct mem_dma_calc *c, struct mem_dma_raw raw[MEM_MODE_COUNT])
{
	struct phyr_list *l;
	int ret;

	if (c->open) {
		c->open = false;
		if (!c->err)
			c->err = calc_run(c, c->oaddr, c->olen, c->op2p);
	}
	if (c->err)
		return c->err;
	memset(raw, 0, sizeof(*raw) * MEM_MODE_COUNT);
	for (int m = 0; m < MEM_MODE_COUNT; m++)
		raw[m].nbus = c->nbus;

	raw[MEM_MODE_PASSTHROUGH].ndma = c->nruns;

	raw[MEM_MODE_IOMMU].ndma = c->nents;
	raw[MEM_MODE_IOMMU].iova_len = c->iova_len;
	raw[MEM_MODE_IOMMU].nstates = c->nstates;
	if (c->iova_len)
		raw[MEM_MODE_IOMMU].iova = fresh_iova(c->iova_len >> PHYR_PAGE_SHIFT);
	ret = packed_list(c->chunk, true, &l);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->nents && ret == 0; i++)
		ret = phyr_list_append(l, c->ents[i].bus ? c->ents[i].addr
							 : raw[MEM_MODE_IOMMU].iova + c->ents[i].addr,
				       c->ents[i].len);
	raw[MEM_MODE_IOMMU].dma_packed_bytes = phyr_list_layout_bytes(l);
	phyr_list_destroy(l);
	if (ret)
		return ret;

	raw[MEM_MODE_BUS_OFFSET].ndma = c->nruns;
	raw[MEM_MODE_BUS_OFFSET].dma_packed_bytes = phyr_list_layout_bytes(c->bo);

	raw[MEM_MODE_SWIOTLB].ndma = c->sw_pieces;
	raw[MEM_MODE_SWIOTLB].nslots = c->sw_slots;
	raw[MEM_MODE_SWIOTLB].sg_segs = c->sw_sg;
	raw[MEM_MODE_SWIOTLB].dma_packed_bytes = phyr_list_layout_bytes(c->sw);
	return 0;
}

/* ---- measured: the runs mapped through the library ---- */

struct mach {
	struct phyr_system *sys; /* owns the machine, the device and its path */
	struct phyr_device *dev;
	struct phyr_swiotlb *pool;
};

static void mach_destroy(struct mach *x)
{
	phyr_system_destroy(x->sys);
	memset(x, 0, sizeof(*x));
}

/* The shipped machine of each mode (machines/, embedded at build time). */
static const char *const mach_files[MEM_MODE_COUNT] = {
	[MEM_MODE_PASSTHROUGH] = "mem-dma.machine",
	[MEM_MODE_IOMMU] = "mem-dma-iommu.machine",
	[MEM_MODE_BUS_OFFSET] = "mem-dma-bus-offset.machine",
	[MEM_MODE_SWIOTLB] = "mem-dma-swiotlb.machine",
};

/*
 * @text with the size= of its (only) `bar` line replaced by @bar_size: the
 * gpu-dmabuf aperture grows with the workload. A new string (free()), or
 * NULL when out of memory or the text has no such line.
 */
static char *mach_text(const char *text, uint64_t bar_size)
{
	const char *line, *next, *key = NULL, *end;
	size_t len;
	char *out;
	int n;

	for (line = text; line && *line; line = next) {
		const char *nl = strchr(line, '\n');

		next = nl ? nl + 1 : NULL;
		if (strncmp(line, "bar ", 4) == 0) {
			key = strstr(line, " size=");
			if (key && nl && key > nl)
				key = NULL;
			break;
		}
	}
	if (!key)
		return NULL;
	key += strlen(" size=");
	end = key + strcspn(key, " \t\n#");
	len = (size_t)(key - text) + 32 + strlen(end);
	out = malloc(len);
	if (!out)
		return NULL;
	n = snprintf(out, len, "%.*s0x%llx%s", (int)(key - text), text,
		     (unsigned long long)bar_size, end);
	if (n < 0 || (size_t)n >= len) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * One machine per mode, from machines/mem-dma*.machine: RAM where the page
 * model puts it (16 MiB - 3 GiB, 4 GiB - 1 TiB), a root port with the GPU
 * (P2P provider, BAR at the page model's aperture, @bar_size bytes) and
 * the NIC that maps, as two functions of one device (BUS_ADDR); the NIC
 * has 64-bit masks.
 */
static int mach_create(enum mem_mode mode, uint64_t bar_size, struct mach *x)
{
	char *text = mach_text(shipped_machine(mach_files[mode]), bar_size);
	char err[256] = "";
	int ret;

	memset(x, 0, sizeof(*x));
	if (!text)
		return -ENOMEM;
	ret = phyr_system_build_string(text, mach_files[mode], NULL, &x->sys, err, sizeof(err));
	free(text);
	if (ret) {
		fprintf(stderr, "phyr-sim mem: %s\n", err);
		return ret;
	}
	x->dev = phyr_system_device(x->sys, "0000:01:00.1");
	x->pool = phyr_system_swiotlb(x->sys);
	if (!x->dev) {
		mach_destroy(x);
		return -EINVAL;
	}
	return 0;
}

/* Split every run into pieces of at most @max bytes. */
static struct phyr *split_runs(const struct mem_run *runs, size_t n, uint64_t max, size_t *out_n)
{
	size_t k = 0, cap = 0;
	struct phyr *v;

	for (size_t i = 0; i < n; i++)
		cap += (size_t)(runs[i].len / max + (runs[i].len % max != 0));
	v = calloc(cap ? cap : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		for (uint64_t done = 0; done < runs[i].len;) {
			uint64_t piece = runs[i].len - done < max ? runs[i].len - done : max;

			v[k].addr = runs[i].addr + done;
			v[k].len = piece;
			k++;
			done += piece;
		}
	*out_n = k;
	return v;
}

/* Two-step in IOMMU mode, measured: link the non-bus runs one after the
 * other into the current state; a link refused with -EIO (unaligned start
 * past offset 0) starts a new state. */
static int measure_two_step(struct mach *x, const struct mem_run *runs, size_t n, uint64_t *nstates)
{
	struct phyr_dma_iova_state *st = calloc(n ? n : 1, sizeof(*st));
	uint64_t *mapped = calloc(n ? n : 1, sizeof(*mapped));
	size_t ns = 0;
	uint64_t o = 0, pad = 0;
	int ret = 0;

	if (!st || !mapped) {
		free(st);
		free(mapped);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (runs[i].p2p)
			continue;
		for (int tries = 0; tries < 2; tries++) {
			if (ns == 0 || tries == 1) {
				/* a new state sized for every run left */
				uint64_t size = 0, p = runs[i].addr & (G - 1), cur = p;

				for (size_t j = i; j < n; j++) {
					if (runs[j].p2p)
						continue;
					cur = (j == i ? cur : ALIGN_G(cur)) + runs[j].len;
				}
				size = cur - p;
				ret = phyr_dma_iova_try_alloc(x->dev, &st[ns], runs[i].addr, size);
				if (ret)
					break;
				ns++;
				o = 0;
				pad = p;
			}
			ret = phyr_dma_iova_link(x->dev, &st[ns - 1], runs[i].addr, o, runs[i].len,
						 PHYR_DMA_TO_DEVICE, 0);
			if (ret == -EIO && tries == 0)
				continue;
			if (ret)
				break;
			mapped[ns - 1] = o + runs[i].len;
			o = ALIGN_G(pad + o + runs[i].len) - pad;
			break;
		}
	}
	for (size_t s = 0; s < ns; s++) {
		if (ret == 0)
			ret = phyr_dma_iova_sync(x->dev, &st[s], 0, mapped[s]);
		if (mapped[s])
			phyr_dma_iova_destroy(x->dev, &st[s], mapped[s], PHYR_DMA_TO_DEVICE, 0);
		else
			phyr_dma_iova_free(x->dev, &st[s]);
	}
	*nstates = ns;
	free(st);
	free(mapped);
	return ret;
}

/*
 * map_sg of the same runs (one entry each) through the IOMMU, in a table
 * of layout @id: *@nsegs DMA segments out, *@clobbered entries whose CPU
 * length no longer is the run's after the map (the 24-byte layout has no
 * dma_length: sg_dma_len() is the length field itself).
 */
static int measure_sg(struct mach *x, const struct mem_run *runs, size_t n,
		      enum phyr_sg_layout_id id, uint64_t *nsegs, uint64_t *clobbered)
{
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sgl, *sg;
	struct phyr_sg_table *t;
	int count = 0, ret;
	size_t i;

	*nsegs = *clobbered = 0;
	ret = phyr_sg_table_create(id, NULL, &t);
	if (ret)
		return ret;
	ret = phyr_sg_alloc_table(t, (unsigned)n);
	if (ret)
		goto out;
	L = phyr_sg_table_layout(t);
	sgl = phyr_sg_table_sgl(t);
	for (i = 0, sg = sgl; i < n && ret == 0; i++, sg = phyr_sg_next(L, sg))
		ret = phyr_sg_set_phys(L, sg, runs[i].addr, 0, (uint32_t)runs[i].len);
	if (ret)
		goto out;
	ret = phyr_dma_map_sg(x->dev, L, sgl, (int)n, PHYR_DMA_TO_DEVICE, 0, &count);
	if (ret)
		goto out;
	*nsegs = (uint64_t)count;
	for (i = 0, sg = sgl; i < n; i++, sg = phyr_sg_next(L, sg))
		*clobbered += phyr_sg_length(L, sg) != runs[i].len;
	/* the clobbered table cannot describe what was mapped: undo through
	 * the layout that can, when this one could not */
	ret = phyr_dma_unmap_sg(x->dev, L, sgl, (int)n, PHYR_DMA_TO_DEVICE, 0);
out:
	phyr_sg_table_destroy(t);
	return ret;
}

static int measure_mode(enum mem_mode mode, const struct mem_run *runs, size_t n,
			uint64_t bar_size, uint32_t chunk, struct mem_dma_raw *raw)
{
	struct mach x;
	struct phyr *cpu = NULL;
	struct phyr_dma_phyr_map *map = NULL;
	struct phyr_dma_phyr_info info;
	struct phyr_list *l = NULL;
	const struct phyr *dma;
	size_t ncpu = n, ndma;
	int ret;

	memset(raw, 0, sizeof(*raw));
	for (size_t i = 0; i < n; i++)
		raw->nbus += runs[i].p2p;
	ret = mach_create(mode, bar_size, &x);
	if (ret)
		return ret;
	cpu = split_runs(runs, n, mode == MEM_MODE_SWIOTLB ? phyr_swiotlb_max_mapping_size(0)
							  : UINT64_MAX,
			 &ncpu);
	if (!cpu) {
		ret = -ENOMEM;
		goto out;
	}
	ret = phyr_dma_map_phyr(x.dev, cpu, ncpu, PHYR_DMA_TO_DEVICE, 0, &map);
	if (ret) {
		/* a list this mode cannot map at all */
		raw->err = ret;
		ret = 0;
		goto out;
	}
	phyr_dma_phyr_get_info(map, &info);
	dma = phyr_dma_phyr_list(map, &ndma);
	raw->ndma = ndma;
	raw->iova = info.iova;
	raw->iova_len = info.iova_len;
	if ((mode == MEM_MODE_IOMMU || mode == MEM_MODE_BUS_OFFSET) && info.nbus != raw->nbus)
		raw->err = -EPROTO;
	if (mode == MEM_MODE_PASSTHROUGH && (info.mode != PHYR_DMA_PHYR_PASSTHROUGH || dma != cpu))
		raw->err = -EPROTO;
	/* what the mapping really holds is the phyr row's DMA side */
	if (info.held_bytes != (mode == MEM_MODE_PASSTHROUGH ? 0 : ndma * sizeof(struct phyr)))
		raw->err = -EPROTO;
	if (mode != MEM_MODE_PASSTHROUGH) {
		ret = packed_list(chunk, false, &l);
		for (size_t i = 0; i < ndma && ret == 0; i++)
			ret = phyr_list_append(l, dma[i].addr, dma[i].len);
		raw->dma_packed_bytes = l ? phyr_list_layout_bytes(l) : 0;
		phyr_list_destroy(l);
	}
	if (mode == MEM_MODE_SWIOTLB) {
		raw->nslots = phyr_swiotlb_used(x.pool);
		for (size_t i = 0; i < n && ret == 0; i++) {
			uint64_t np = phyr_account_pages(runs[i].addr, runs[i].len), *pfns;
			unsigned int segs = 0;

			pfns = malloc(np * sizeof(*pfns));
			if (!pfns) {
				ret = -ENOMEM;
				break;
			}
			for (uint64_t k = 0; k < np; k++)
				pfns[k] = (runs[i].addr >> PHYR_PAGE_SHIFT) + k;
			ret = phyr_sg_pages_count_segments(pfns, NULL, (unsigned)np,
							   (unsigned)phyr_swiotlb_max_mapping_size(0),
							   &segs);
			raw->sg_segs += segs;
			free(pfns);
		}
	}
	if (phyr_dma_unmap_phyr(map, PHYR_DMA_TO_DEVICE, 0) && ret == 0)
		ret = -EPROTO;
	map = NULL;
	if (ret == 0 && mode == MEM_MODE_IOMMU)
		ret = measure_two_step(&x, runs, n, &raw->nstates);
	if (ret == 0 && mode == MEM_MODE_IOMMU && raw->nbus == 0) {
		ret = measure_sg(&x, runs, n, PHYR_SG_LAYOUT_DEFAULT, &raw->sg32_segs,
				 &raw->sg24_clobbered);
		if (ret == 0 && raw->sg24_clobbered)
			ret = -EPROTO; /* the 32-byte layout keeps every CPU length */
		if (ret == 0) {
			uint64_t segs24;

			ret = measure_sg(&x, runs, n, PHYR_SG_LAYOUT_64, &segs24,
					 &raw->sg24_clobbered);
			raw->sg24_nents = n;
		}
	}
out:
	free(cpu);
	mach_destroy(&x);
	return ret;
}

int mem_dma_measure(const struct mem_run *runs, size_t n, uint64_t bar_size, uint32_t chunk,
		    struct mem_dma_raw raw[MEM_MODE_COUNT])
{
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		int ret = measure_mode((enum mem_mode)m, runs, n, bar_size, chunk, &raw[m]);

		if (ret)
			return ret;
	}
	return 0;
}

bool mem_dma_raw_equal(const struct mem_dma_raw *a, const struct mem_dma_raw *b)
{
	if (a->err || b->err)
		return a->err == b->err;
	return a->ndma == b->ndma && a->nbus == b->nbus && a->iova == b->iova &&
	       a->iova_len == b->iova_len && a->dma_packed_bytes == b->dma_packed_bytes &&
	       a->nslots == b->nslots && a->sg_segs == b->sg_segs && a->nstates == b->nstates;
}

/* ---- from raw figures to the table cells ---- */

static void na(struct mem_dma_cell *c, const char *why)
{
	memset(c, 0, sizeof(*c));
	c->na = why;
}

void mem_dma_fill(const struct mem_result *r, struct mem_dma_mode *d, enum mem_mode mode)
{
	static const unsigned sg_sizes[3] = { 24, 32, 40 };
	const struct mem_dma_raw *raw = &d->raw;
	uint64_t segs = mode == MEM_MODE_SWIOTLB ? raw->sg_segs : r->cost[PHYR_REPR_SG32].nentries;

	for (int i = 0; i < MEM_DREP_COUNT; i++) {
		struct mem_dma_cell *c = &d->cell[i];

		memset(c, 0, sizeof(*c));
		if (raw->err) {
			na(c, "the mapping fails");
			continue;
		}
		switch (i) {
		case MEM_DREP_SG24:
		case MEM_DREP_SG32:
		case MEM_DREP_SG40: {
			struct phyr_mem_cost cost;

			if (i == MEM_DREP_SG24 && mode == MEM_MODE_IOMMU) {
				na(c, "sg24 has no dma_length: merged IOMMU segments need "
				      "NEED_SG_DMA_LENGTH (selected by IOMMU_DMA)");
				continue;
			}
			if (i == MEM_DREP_SG24 && raw->nbus) {
				na(c, "sg24 has no dma_flags: P2P bus addresses need "
				      "NEED_SG_DMA_FLAGS (selected by PCI_P2PDMA)");
				continue;
			}
			phyr_account_sg_table(segs, sg_sizes[i - MEM_DREP_SG24], &cost);
			c->entries = segs;
			c->cpu_bytes = cost.nbytes;
			c->dma_bytes = 0;
			break;
		}
		case MEM_DREP_PHYR:
		case MEM_DREP_PACKED:
			c->entries = raw->ndma;
			c->cpu_bytes = r->cost[i == MEM_DREP_PHYR ? PHYR_REPR_PHYR : PHYR_REPR_PACKED].nbytes;
			if (mode == MEM_MODE_PASSTHROUGH)
				c->dma_bytes = 0;
			else if (i == MEM_DREP_PHYR)
				c->dma_bytes = raw->ndma * 16;
			else
				c->dma_bytes = raw->dma_packed_bytes;
			break;
		default:
			if (mode != MEM_MODE_IOMMU) {
				na(c, "no IOMMU: dma_iova_try_alloc fails, the caller falls back "
				      "to the classic API");
				continue;
			}
			c->entries = raw->nstates + raw->nbus;
			c->cpu_bytes = r->cost[i == MEM_DREP_TWO_STEP_PHYR ? PHYR_REPR_PHYR
									 : PHYR_REPR_PACKED].nbytes;
			c->dma_bytes = 16 * (raw->nstates + raw->nbus);
			break;
		}
	}
	d->bounce_bytes = raw->nslots * PHYR_SWIOTLB_SLOT_SIZE;
	d->over_pool = raw->nslots > PHYR_SWIOTLB_DEFAULT_NSLABS;
}
