// SPDX-License-Identifier: MIT
/*
 * phyr_dma_map_phyr: phyr list in, DMA phyr list out (see
 * include/phyr/dma-mapping.h for the contract and docs/dma-two-step.md
 * for the design). Built on dma-direct (phyr_dma_direct_map_phys), the P2P
 * map types of the machine model, and the dma-iommu pieces of
 * dma-iommu.c; checked by the device's dma-debug checker and counted in
 * its counters with the dispatch's helpers (mapping.h).
 */
#include <string.h>

#include "alloc.h"
#include "dma-iommu.h"
#include "mapping.h"
#include "phyr/dma-debug.h"
#include "phyr/machine.h"

struct run_class;

struct bounce_rec {
	size_t run;
	uint64_t tlb;
};

struct phyr_dma_phyr_map {
	const struct phyr_allocator *a;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *iommu; /* NULL: dma-direct */
	const struct phyr *cpu;
	size_t nruns;
	enum phyr_dma_phyr_mode mode;
	struct phyr *dma; /* owned, or == cpu in passthrough mode */
	size_t ndma;
	size_t dma_cap;
	struct bounce_rec *bounce;
	size_t nbounce;
	size_t nbus;
	size_t ndirect_bounced;
	uint64_t iova;
	uint64_t iova_len;
	const struct run_class *cls; /* while mapping: each range's class */
};

/* What one CPU range is, for this device. */
struct run_class {
	enum phyr_p2pdma_map_type type;
	uint64_t bus_off;
};

/* Lists up to this many ranges are classified on the stack. */
#define STACK_CLASSES 32

static bool valid_dir(enum phyr_dma_data_direction dir)
{
	return (unsigned)dir <= PHYR_DMA_NONE;
}

/* The last RAM region seen: ranges inside it are ordinary memory (NONE). */
struct ram_cache {
	uint64_t start;
	uint64_t end; /* exclusive; 0 = empty */
};

/* Classify @r: its first and last byte must agree (same pagemap or both not P2P). */
static int classify(struct phyr_device *dev, const struct phyr *r, struct run_class *c,
		    struct ram_cache *rc)
{
	struct phyr_machine *m = phyr_device_machine(dev);
	struct phyr_p2pdma_map_state s0 = { 0 }, s1 = { 0 };
	enum phyr_p2pdma_map_type t0, t1;
	struct phyr_mem_region reg;

	if (rc) {
		if (!(r->addr >= rc->start && r->addr + r->len <= rc->end) &&
		    !phyr_machine_lookup(m, r->addr, &reg) && reg.type == PHYR_MEM_RAM) {
			rc->start = reg.start;
			rc->end = reg.start + reg.size;
		}
		if (r->addr >= rc->start && r->addr + r->len <= rc->end) {
			c->type = PHYR_P2PDMA_MAP_NONE;
			c->bus_off = 0;
			return 0;
		}
	}

	t0 = phyr_p2pdma_state(&s0, m, phyr_device_pci(dev), r->addr);
	t1 = phyr_p2pdma_state(&s1, m, phyr_device_pci(dev), r->addr + r->len - 1);
	if (t0 != t1 || s0.pgmap != s1.pgmap)
		return -EINVAL;
	c->type = t0;
	c->bus_off = s0.bus_off;
	switch (t0) {
	case PHYR_P2PDMA_MAP_NONE:
	case PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE:
	case PHYR_P2PDMA_MAP_BUS_ADDR:
		return 0;
	default:
		return -EREMOTEIO;
	}
}

/* Range @i's class: computed once while mapping, recomputed at unmap. */
static void class_of(const struct phyr_dma_phyr_map *m, size_t i, struct run_class *c)
{
	if (m->cls)
		*c = m->cls[i];
	else if (classify(m->dev, &m->cpu[i], c, NULL))
		c->type = PHYR_P2PDMA_MAP_NOT_SUPPORTED;
}

static int check_list(const struct phyr *cpu, size_t n)
{
	if (!cpu || !n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!cpu[i].len || cpu[i].addr + cpu[i].len - 1 < cpu[i].addr)
			return -EINVAL;
	return 0;
}

static uint64_t list_bytes(const struct phyr *cpu, size_t n)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < n; i++)
		bytes += cpu[i].len;
	return bytes;
}

static void map_free(struct phyr_dma_phyr_map *m)
{
	if (m->dma && m->dma != m->cpu)
		alloc_free(m->a, m->dma, m->dma_cap * sizeof(*m->dma));
	alloc_free(m->a, m->bounce, m->nbounce * sizeof(*m->bounce));
	alloc_free(m->a, m, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* dma-direct modes                                                    */

static bool run_is_identity(struct phyr_device *dev, const struct phyr *r,
			    const struct run_class *c)
{
	uint64_t dma;

	if (c->type == PHYR_P2PDMA_MAP_BUS_ADDR)
		return c->bus_off == 0;
	if (phyr_dma_is_force_bounce(dev))
		return false;
	if (phyr_dma_phys_to_dma(dev, r->addr, &dma) || dma != r->addr)
		return false;
	return phyr_dma_capable(dev, dma, r->len, true);
}

/* Undo the direct mappings of runs [0, @n) (dma-direct's unwind: no CPU sync). */
static void direct_unwind(struct phyr_dma_phyr_map *m, size_t n, enum phyr_dma_data_direction dir,
			  unsigned long attrs)
{
	for (size_t i = 0; i < n; i++) {
		struct run_class c;

		class_of(m, i, &c);
		if (c.type != PHYR_P2PDMA_MAP_NONE && c.type != PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE)
			continue;
		phyr_dma_direct_unmap_phys(m->dev, m->dma[i].addr, m->cpu[i].len, dir, attrs);
	}
}

static int map_direct(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
		      unsigned long attrs)
{
	struct phyr_device_stats before, after;
	bool identity = true;
	struct run_class c;
	size_t i;
	int ret;

	for (i = 0; i < m->nruns; i++) {
		class_of(m, i, &c);
		m->nbus += c.type == PHYR_P2PDMA_MAP_BUS_ADDR;
		if (identity && !run_is_identity(m->dev, &m->cpu[i], &c))
			identity = false;
	}
	if (identity) {
		/* the CPU list is the DMA list; only cache maintenance remains */
		m->mode = PHYR_DMA_PHYR_PASSTHROUGH;
		m->dma = (struct phyr *)m->cpu;
		m->ndma = m->nruns;
		if (!dev_is_dma_coherent(m->dev))
			for (i = 0; i < m->nruns; i++) {
				uint64_t dma;

				class_of(m, i, &c);
				if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR)
					continue;
				phyr_dma_direct_map_phys(m->dev, m->cpu[i].addr, m->cpu[i].len, dir,
							 attrs, &dma);
			}
		return 0;
	}

	m->mode = PHYR_DMA_PHYR_DIRECT;
	phyr_device_get_stats(m->dev, &before);
	m->dma_cap = m->nruns;
	m->dma = alloc_mem(m->a, m->dma_cap * sizeof(*m->dma));
	if (!m->dma)
		return -ENOMEM;
	for (i = 0; i < m->nruns; i++) {
		const struct phyr *r = &m->cpu[i];

		class_of(m, i, &c);
		m->dma[i].len = r->len;
		if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR) {
			m->dma[i].addr = r->addr + c.bus_off;
			continue;
		}
		ret = phyr_dma_direct_map_phys(m->dev, r->addr, r->len, dir, attrs, &m->dma[i].addr);
		if (ret) {
			direct_unwind(m, i, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
			return ret == -EINVAL ? -EINVAL : -EIO;
		}
	}
	m->ndma = m->nruns;
	phyr_device_get_stats(m->dev, &after);
	m->ndirect_bounced = after.nbounced - before.nbounced;
	return 0;
}

/* ------------------------------------------------------------------ */
/* IOMMU mode                                                          */

static void release_bounces(struct phyr_dma_phyr_map *m, size_t n,
			    enum phyr_dma_data_direction dir, unsigned long attrs)
{
	for (size_t i = 0; i < n; i++)
		dmai_swiotlb_unmap(m->dev, m->bounce[i].tlb, m->cpu[m->bounce[i].run].len, dir,
				   attrs);
}

/* Append [@addr, +@len) to the DMA list, merging with a contiguous IOVA predecessor. */
static void push(struct phyr_dma_phyr_map *m, uint64_t addr, uint64_t len, bool mergeable,
		 bool *last_mergeable)
{
	if (mergeable && *last_mergeable && m->ndma &&
	    m->dma[m->ndma - 1].addr + m->dma[m->ndma - 1].len == addr) {
		m->dma[m->ndma - 1].len += len;
		return;
	}
	m->dma[m->ndma].addr = addr;
	m->dma[m->ndma].len = len;
	m->ndma++;
	*last_mergeable = mergeable;
}

/* Keep only the DMA ranges in use (the long-term state); on failure keep the big array. */
static void shrink(struct phyr_dma_phyr_map *m)
{
	struct phyr *n;

	if (m->ndma == m->dma_cap)
		return;
	n = alloc_mem(m->a, m->ndma * sizeof(*n));
	if (!n)
		return;
	memcpy(n, m->dma, m->ndma * sizeof(*n));
	alloc_free(m->a, m->dma, m->dma_cap * sizeof(*m->dma));
	m->dma = n;
	m->dma_cap = m->ndma;
}

/*
 * Classifies the runs (P2P bus address, bounced, mapped through the IOMMU),
 * counts them and allocates the DMA-range and bounce arrays.
 * Return: 0, -ENOMEM (the caller frees what was allocated).
 */
static int map_iommu_classify(struct phyr_dma_phyr_map *m)
{
	struct phyr_iommu_dma_cookie *d = m->iommu;
	bool bounce_all = dmai_use_swiotlb(m->dev);
	struct run_class c;

	for (size_t i = 0; i < m->nruns; i++) {
		class_of(m, i, &c);
		if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR)
			m->nbus++;
		else if (bounce_all && dmai_off(d, m->cpu[i].addr | m->cpu[i].len))
			m->nbounce++;
	}
	m->dma_cap = m->nruns;
	m->dma = alloc_mem(m->a, m->dma_cap * sizeof(*m->dma));
	if (!m->dma)
		return -ENOMEM;
	if (m->nbounce) {
		m->bounce = alloc_mem(m->a, m->nbounce * sizeof(*m->bounce));
		if (!m->bounce)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Bounces the unaligned runs of an untrusted device, whole, as
 * iommu_dma_map_phys does. Return: 0, or the swiotlb error (no slot held).
 */
static int map_iommu_bounce(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
			    unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = m->iommu;
	struct run_class c;
	size_t i, b;
	int ret;

	for (i = 0, b = 0; i < m->nruns && b < m->nbounce; i++) {
		class_of(m, i, &c);
		if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR || !dmai_off(d, m->cpu[i].addr | m->cpu[i].len))
			continue;
		ret = dmai_map_swiotlb(m->dev, m->cpu[i].addr, m->cpu[i].len, dir, attrs, &m->bounce[b].tlb);
		if (ret) {
			release_bounces(m, b, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
			return ret;
		}
		m->bounce[b++].run = i;
	}
	return 0;
}

/* The physical start of run @i: its bounce slot when it was bounced (@b: the next bounce). */
static inline uint64_t run_src(const struct phyr_dma_phyr_map *m, size_t i, size_t *b)
{
	if (*b < m->nbounce && m->bounce[*b].run == i)
		return m->bounce[(*b)++].tlb;
	return m->cpu[i].addr;
}

/*
 * Sizes and allocates one IOVA for every non-bus run, each padded to whole
 * granules from the granule holding its first byte.
 * Return: 0, -ENOMEM (the bounces are released).
 */
static int map_iommu_alloc_iova(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
				unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = m->iommu;
	struct run_class c;
	size_t i, b;

	for (i = 0, b = 0; i < m->nruns; i++) {
		uint64_t p;

		class_of(m, i, &c);
		if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR)
			continue;
		p = run_src(m, i, &b);
		m->iova_len += dmai_align(d, m->cpu[i].len + dmai_off(d, p));
	}
	if (m->iova_len &&
	    phyr_iommu_dma_alloc_iova(m->dev, m->iova_len, dma_get_mask(m->dev), &m->iova)) {
		release_bounces(m, m->nbounce, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
		m->iova_len = 0;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Maps the runs back to back into the IOVA and writes the DMA ranges (P2P
 * runs at their bus address). On error everything mapped, the IOVA and
 * the bounces are released. Return: 0, -ENOMEM, -EINVAL.
 */
static int map_iommu_runs(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
			  unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = m->iommu;
	bool coherent = dev_is_dma_coherent(m->dev);
	int prot = phyr_dma_info_to_prot(dir, coherent, attrs);
	bool last_mergeable = false;
	uint64_t cursor = 0;
	struct run_class c;
	size_t i, b;
	int ret;

	for (i = 0, b = 0; i < m->nruns; i++) {
		const struct phyr *r = &m->cpu[i];
		uint64_t p, off, span;

		class_of(m, i, &c);
		if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR) {
			push(m, r->addr + c.bus_off, r->len, false, &last_mergeable);
			continue;
		}
		p = run_src(m, i, &b);
		off = dmai_off(d, p);
		span = dmai_align(d, r->len + off);
		if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)) {
			stat_inc(d->st.ncache_clean);
			stat_inc(m->dev->st.ncache_clean);
		}
		ret = phyr_iommu_map_nosync(d->domain, m->iova + cursor, p - off, span, prot);
		if (ret) {
			if (cursor)
				phyr_iommu_unmap(d->domain, m->iova, cursor);
			phyr_iommu_dma_free_iova(m->dev, m->iova, m->iova_len);
			release_bounces(m, m->nbounce, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
			m->iova = m->iova_len = 0;
			return ret == -ENOMEM ? -ENOMEM : -EINVAL;
		}
		/* an entry that starts mid-granule cannot continue the previous one */
		push(m, m->iova + cursor + off, r->len, true, &last_mergeable);
		cursor += span;
		/* ... and one ending mid-granule leaves a gap the next cannot bridge */
	}
	return 0;
}

/* map_phyr on the dma-iommu path: classify and count, bounce, size the IOVA, map the runs. */
static int map_iommu(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
		     unsigned long attrs)
{
	int ret;

	m->mode = PHYR_DMA_PHYR_IOMMU;
	ret = map_iommu_classify(m);
	if (ret)
		return ret;
	ret = map_iommu_bounce(m, dir, attrs);
	if (ret)
		return ret;
	ret = map_iommu_alloc_iova(m, dir, attrs);
	if (ret)
		return ret;
	ret = map_iommu_runs(m, dir, attrs);
	if (ret)
		return ret;
	if (m->iova_len)
		stat_inc(m->iommu->st.nsync_map); /* one iotlb_sync_map for the whole list */
	shrink(m);
	return 0;
}

static void unmap_iommu(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
			unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = m->iommu;

	if (!dev_is_dma_coherent(m->dev) && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)) {
		stat_add(d->st.ncache_invalidate, m->nruns - m->nbus);
		stat_add(m->dev->st.ncache_invalidate, m->nruns - m->nbus);
	}
	if (m->iova_len)
		__iommu_dma_unmap(m->dev, m->iova, m->iova_len);
	release_bounces(m, m->nbounce, dir, attrs);
}

/* ------------------------------------------------------------------ */
/* dma-debug                                                           */

/* CPU address of DMA range @k's first byte (bus address for P2P entries). */
static uint64_t entry_phys(const struct phyr_dma_phyr_map *m, size_t k)
{
	uint64_t a = m->dma[k].addr;

	if (m->mode != PHYR_DMA_PHYR_IOMMU)
		return m->cpu[k].addr;
	if (m->iova_len && a >= m->iova && a - m->iova < m->iova_len)
		return phyr_iommu_iova_to_phys(m->iommu->domain, a);
	return a;
}

static int debug_track(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
		       unsigned long attrs)
{
	for (size_t k = 0; k < m->ndma; k++) {
		struct phyr_dma_debug_map e = {
			.dev = m->dev, .type = PHYR_DMA_DEBUG_PHYR,
			.phys = entry_phys(m, k),
			.dma_addr = m->dma[k].addr, .size = m->dma[k].len, .dir = dir,
			.attrs = attrs,
		};

		if (phyr_dma_debug_map(m->dev->debug, &e)) {
			/* strict refusal: forget the entries already tracked */
			for (size_t j = 0; j < k; j++) {
				e.dma_addr = m->dma[j].addr;
				e.size = m->dma[j].len;
				phyr_dma_debug_unmap(m->dev->debug, &e);
			}
			return -EINVAL;
		}
	}
	return 0;
}

static int debug_untrack(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir)
{
	for (size_t k = 0; k < m->ndma; k++) {
		struct phyr_dma_debug_map e = {
			.dev = m->dev, .type = PHYR_DMA_DEBUG_PHYR, .dma_addr = m->dma[k].addr,
			.size = m->dma[k].len, .dir = dir,
		};

		if (phyr_dma_debug_unmap(m->dev->debug, &e) && k == 0)
			return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

static void undo(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
		 unsigned long attrs)
{
	switch (m->mode) {
	case PHYR_DMA_PHYR_IOMMU:
		unmap_iommu(m, dir, attrs);
		break;
	case PHYR_DMA_PHYR_DIRECT:
		direct_unwind(m, m->nruns, dir, attrs);
		break;
	case PHYR_DMA_PHYR_PASSTHROUGH:
		if (!dev_is_dma_coherent(m->dev)) {
			for (size_t i = 0; i < m->nruns; i++) {
				struct run_class c;

				class_of(m, i, &c);
				if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR)
					continue;
				phyr_dma_direct_unmap_phys(m->dev, m->cpu[i].addr, m->cpu[i].len,
							   dir, attrs);
			}
		}
		break;
	}
}

int phyr_dma_map_phyr(struct phyr_device *dev, const struct phyr *cpu, size_t nruns,
		      enum phyr_dma_data_direction dir, unsigned long attrs,
		      struct phyr_dma_phyr_map **out)
{
	const struct phyr_allocator *a;
	struct phyr_iommu_dma_cookie *iommu;
	struct run_class stack_cls[STACK_CLASSES], *cls;
	struct ram_cache rc = { 0, 0 };
	struct phyr_dma_phyr_map *m;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!dev || !valid_dir(dir) || check_list(cpu, nruns) ||
	    phyr_dma_get_path(dev) == PHYR_DMA_PATH_NONE)
		return -EINVAL;
	iommu = dev_cookie(dev);
	a = dev->a;
	m = alloc_zeroed(a, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->a = a;
	m->dev = dev;
	m->iommu = iommu;
	m->cpu = cpu;
	m->nruns = nruns;

	cls = nruns <= STACK_CLASSES ? stack_cls : alloc_mem(a, nruns * sizeof(*cls));
	if (!cls) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (size_t i = 0; i < nruns; i++) {
		ret = classify(dev, &cpu[i], &cls[i], &rc);
		if (ret)
			goto err_free_cls;
	}
	m->cls = cls;
	ret = iommu ? map_iommu(m, dir, attrs) : map_direct(m, dir, attrs);
	if (ret)
		goto err_free_cls;
	if (dev->debug && debug_track(m, dir, attrs)) {
		undo(m, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
		dma_count_refused(dev);
		ret = -EINVAL;
		goto err_free_cls;
	}
	dma_count_map(dev, 0, nruns, list_bytes(cpu, nruns));
	m->cls = NULL;
	if (cls != stack_cls)
		alloc_free(a, cls, nruns * sizeof(*cls));
	*out = m;
	return 0;

err_free_cls:
	m->cls = NULL;
	if (cls != stack_cls)
		alloc_free(a, cls, nruns * sizeof(*cls));
err_free:
	if (m->dma == m->cpu)
		m->dma = NULL;
	map_free(m);
	dma_count_map(dev, ret, 0, 0);
	return ret;
}

int phyr_dma_unmap_phyr(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
			unsigned long attrs)
{
	if (!m)
		return 0;
	if (!valid_dir(dir))
		return -EINVAL;
	if (m->dev->debug && debug_untrack(m, dir)) {
		dma_count_refused(m->dev);
		return -EINVAL;
	}
	undo(m, dir, attrs);
	dma_count_unmap(m->dev, m->nruns);
	if (m->dma == m->cpu)
		m->dma = NULL;
	map_free(m);
	return 0;
}

static int sync_map(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir, bool to_cpu)
{
	struct run_class c;

	if (!m || !valid_dir(dir))
		return -EINVAL;
	if (m->dev->debug) {
		for (size_t k = 0; k < m->ndma; k++)
			if (phyr_dma_debug_sync(m->dev->debug, m->dev, m->dma[k].addr, m->dma[k].len,
						(int)dir, to_cpu)) {
				dma_count_refused(m->dev);
				return -EINVAL;
			}
	}
	stat_inc(m->dev->st.nsyncs);
	if (m->mode == PHYR_DMA_PHYR_IOMMU) {
		struct phyr_iommu_dma_cookie *d = m->iommu;
		uint64_t n = m->nruns - m->nbus;

		if (!dev_is_dma_coherent(m->dev)) {
			if (to_cpu) {
				stat_add(d->st.ncache_invalidate, n);
				stat_add(m->dev->st.ncache_invalidate, n);
			} else {
				stat_add(d->st.ncache_clean, n);
				stat_add(m->dev->st.ncache_clean, n);
			}
		}
		for (size_t b = 0; b < m->nbounce; b++) {
			uint64_t len = m->cpu[m->bounce[b].run].len;

			if (to_cpu)
				dmai_sync_bounce(m->dev, m->bounce[b].tlb, len, dir, true);
			else
				dmai_sync_bounce(m->dev, m->bounce[b].tlb, len, dir, false);
		}
		return 0;
	}
	/* dma-direct: per range, bus-address ranges need nothing */
	for (size_t i = 0; i < m->nruns; i++) {
		class_of(m, i, &c);
		if (c.type == PHYR_P2PDMA_MAP_BUS_ADDR)
			continue;
		if (to_cpu)
			phyr_dma_direct_sync_for_cpu(m->dev, m->dma[i].addr, m->cpu[i].len, dir);
		else
			phyr_dma_direct_sync_for_device(m->dev, m->dma[i].addr, m->cpu[i].len, dir);
	}
	return 0;
}

int phyr_dma_phyr_sync_for_cpu(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir)
{
	return sync_map(m, dir, true);
}

int phyr_dma_phyr_sync_for_device(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir)
{
	return sync_map(m, dir, false);
}

const struct phyr *phyr_dma_phyr_list(const struct phyr_dma_phyr_map *m, size_t *n)
{
	if (n)
		*n = m ? m->ndma : 0;
	return m ? m->dma : NULL;
}

void phyr_dma_phyr_get_info(const struct phyr_dma_phyr_map *m, struct phyr_dma_phyr_info *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	out->mode = m->mode;
	out->nruns = m->nruns;
	out->ndma = m->ndma;
	out->nbus = m->nbus;
	out->nbounced = m->mode == PHYR_DMA_PHYR_IOMMU ? m->nbounce : m->ndirect_bounced;
	out->iova = m->iova;
	out->iova_len = m->iova_len;
	out->held_bytes = (m->mode == PHYR_DMA_PHYR_PASSTHROUGH ? 0 : m->dma_cap * sizeof(struct phyr)) +
			  m->nbounce * sizeof(struct bounce_rec);
}
