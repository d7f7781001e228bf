// SPDX-License-Identifier: MIT
/*
 * Tests of the dma-iommu map_sg path: spec B9-B12 and B22 with Linux's
 * exact IOVAs, map runs and DMA segments, the 32-bit-first rule, the
 * 32-bit merge-length quirk, error codes, that every error leaves the
 * list as given with no IOVA or mapping behind, and that map_sg itself
 * allocates nothing.
 *
 * The device is a trusted, coherent PCI endpoint under a host bridge
 * (so the 32-bit-first rule is armed) attached to a strict DMA domain
 * whose record-only page table reports every map run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/device.h"
#include "phyr/dma-iommu.h"
#include "phyr/machine.h"

struct map_rec {
	uint64_t iova, paddr, size;
};

/*
 * The allocator of every object of the fixture (machine, device, cookie
 * and its domains): counts what it hands out and, once @fail is set,
 * refuses every allocation.
 */
struct gate {
	bool fail;
	uint64_t nallocs;  /* allocations asked for (refused ones included) */
	uint64_t nrefused;
	uint64_t nlive;
};

static void *gate_alloc(void *ctx, size_t size)
{
	struct gate *g = ctx;
	void *p;

	g->nallocs++;
	if (g->fail) {
		g->nrefused++;
		return NULL;
	}
	p = malloc(size);
	if (p)
		g->nlive++;
	return p;
}

static void gate_free(void *ctx, void *ptr, size_t size)
{
	struct gate *g = ctx;

	(void)size;
	if (ptr)
		g->nlive--;
	free(ptr);
}

struct fix {
	struct gate gate;
	struct phyr_allocator a;
	struct phyr_machine *m;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *c;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sgl;
	unsigned int nents;
	struct map_rec maps[64];
	size_t nmaps;
	int p2p_type;       /* what pgmap 1 answers */
	uint64_t p2p_off;   /* its bus offset */
};

static void on_map(void *ctx, uint64_t iova, uint64_t paddr, uint64_t size)
{
	struct fix *f = ctx;

	if (f->nmaps < 64)
		f->maps[f->nmaps] = (struct map_rec){ iova, paddr, size };
	f->nmaps++;
}

static int p2p(void *ctx, uint64_t pfn, unsigned int pgmap, uint64_t *bus_offset)
{
	struct fix *f = ctx;

	(void)pfn;
	if (!pgmap)
		return PHYR_IOMMU_DMA_P2P_NONE;
	*bus_offset = f->p2p_off;
	return f->p2p_type;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct phyr_iommu_domain_opts o = {
		.type = PHYR_IOMMU_DOMAIN_DMA,
		.fmt = PHYR_IOMMU_FMT_RECORD,
		.map_event = on_map,
	};
	struct phyr_iommu_dma_config cfg = { .domain = &o, .p2p = p2p };
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev_config pc = {
		.devfn = PHYR_PCI_DEVFN(1, 0),
		.type = PHYR_PCI_ENDPOINT,
		.vendor = 0x1af4,
		.device = 0x1000,
	};
	struct phyr_device_config dc;
	struct phyr_pci_dev *pci;

	assert_non_null(f);
	f->a = (struct phyr_allocator){ gate_alloc, gate_free, &f->gate };
	o.map_event_ctx = f;
	cfg.p2p_ctx = f;
	assert_int_equal(phyr_machine_create(NULL, &f->a, &f->m), 0);
	assert_int_equal(phyr_pci_host_bridge_add(f->m, 0, 0, &h), 0);
	pc.host = h;
	assert_int_equal(phyr_pci_dev_add(f->m, &pc, &pci), 0);
	phyr_device_config_init_pci(&dc, pci);
	dc.dma_mask = UINT64_MAX;
	dc.coherent_dma_mask = UINT64_MAX;
	dc.seg_boundary_mask = 0xffffffff;
	dc.max_segment_size = 65536;
	dc.coherent = true;
	assert_int_equal(phyr_device_create(f->m, &dc, &f->a, &f->dev), 0);
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, &f->a, &f->c), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, f->c), 0);
	assert_true(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(phyr_iommu_dma_cookie_granule(f->c), 4096);
	f->p2p_type = PHYR_IOMMU_DMA_P2P_BUS_ADDR;
	f->L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	free(f->sgl);
	f->gate.fail = false;
	phyr_iommu_dma_cookie_destroy(f->c);
	phyr_device_destroy(f->dev);
	phyr_machine_destroy(f->m);
	/* everything the fixture's objects took went back */
	assert_int_equal(f->gate.nlive, 0);
	free(f);
	return 0;
}

static void set_boundary(struct fix *f, uint64_t mask)
{
	assert_int_equal(phyr_dma_set_seg_boundary(f->dev, mask), 0);
}

static void set_max_seg(struct fix *f, uint32_t size)
{
	assert_int_equal(phyr_dma_set_max_seg_size(f->dev, size), 0);
}

static struct phyr_iommu_dma_stats stats(struct fix *f)
{
	struct phyr_iommu_dma_stats st;

	phyr_iommu_dma_get_stats(f->c, &st);
	return st;
}

/* Builds the list: {phys of the page, offset, length, pgmap}. */
struct ent {
	uint64_t page;
	uint32_t off, len;
	unsigned int pgmap;
};

static void build(struct fix *f, const struct ent *e, unsigned int n)
{
	free(f->sgl);
	f->sgl = calloc(n, f->L->size);
	assert_non_null(f->sgl);
	f->nents = n;
	assert_int_equal(phyr_sg_init_table(f->L, f->sgl, n), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(phyr_sg_set_page(f->L, phyr_sg_entry(f->L, f->sgl, i),
						  e[i].page >> 12, e[i].pgmap, e[i].len, e[i].off), 0);
	f->nmaps = 0;
}

static struct phyr_scatterlist *ent_at(struct fix *f, unsigned int i)
{
	return phyr_sg_entry(f->L, f->sgl, i);
}

static void assert_seg(struct fix *f, unsigned int i, uint64_t addr, uint32_t len, bool bus)
{
	struct phyr_scatterlist *s = ent_at(f, i);

	assert_int_equal(phyr_sg_dma_address(f->L, s), addr);
	assert_int_equal(phyr_sg_dma_len(f->L, s), len);
	assert_int_equal(phyr_sg_dma_is_bus_address(f->L, s), bus);
}

static void assert_map(struct fix *f, size_t i, uint64_t iova, uint64_t paddr, uint64_t size)
{
	assert_true(i < f->nmaps);
	assert_int_equal(f->maps[i].iova, iova);
	assert_int_equal(f->maps[i].paddr, paddr);
	assert_int_equal(f->maps[i].size, size);
}

/* The CPU side is as given, entries past @ret are invalid. */
static void assert_cpu_fields(struct fix *f, const struct ent *e, int ret)
{
	for (unsigned int i = 0; i < f->nents; i++) {
		struct phyr_scatterlist *s = ent_at(f, i);

		assert_int_equal(phyr_sg_offset(f->L, s), e[i].off);
		assert_int_equal(phyr_sg_length(f->L, s), e[i].len);
		if ((int)i >= ret) {
			assert_true(phyr_sg_dma_address(f->L, s) == UINT64_MAX);
			assert_int_equal(phyr_sg_dma_len(f->L, s), 0);
			assert_false(phyr_sg_dma_is_bus_address(f->L, s));
		}
	}
}

/*
 * map_sg of the list, BIDIRECTIONAL, no attributes: the number of DMA
 * segments or the negative errno; @iova, @len (optional) get the IOVA
 * base and length of the call (0 when it needed none).
 */
static int map(struct fix *f, uint64_t *iova, uint64_t *len)
{
	struct phyr_iommu_dma_stats st;
	int count = -1;
	int ret = phyr_iommu_dma_map_sg(f->dev, f->L, f->sgl, (int)f->nents,
					PHYR_DMA_BIDIRECTIONAL, 0, &count);

	phyr_iommu_dma_get_stats(f->c, &st);
	if (iova)
		*iova = st.last_iova;
	if (len)
		*len = st.last_iova_len;
	if (ret) {
		assert_true(ret < 0);
		assert_int_equal(count, 0);
		return ret;
	}
	assert_true(count > 0);
	return count;
}

static int unmap(struct fix *f)
{
	return phyr_iommu_dma_unmap_sg(f->dev, f->L, f->sgl, (int)f->nents,
				       PHYR_DMA_BIDIRECTIONAL, 0);
}

static struct phyr_iova_domain *iovad(struct fix *f)
{
	return phyr_iommu_dma_cookie_iovad(f->c);
}

static uint64_t iova_nodes(struct fix *f)
{
	uint64_t nodes, pages;

	phyr_iova_usage(iovad(f), &nodes, &pages);
	return nodes;
}

/* B9: one IOVA (7 pages -> 8), 4 map runs, 2 merged segments. */
static void test_mapsg_b9_merge(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = {
		{ 0x10000000, 0x200, 0x1e00, 0 }, { 0x20000000, 0, 0x3000, 0 },
		{ 0x30000000, 0, 0x800, 0 }, { 0x40000000, 0, 0x1000, 0 },
	};
	uint64_t iova, len;

	build(f, e, 4);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xffff8000);
	assert_int_equal(len, 0x7000);
	assert_int_equal(f->nmaps, 4);
	assert_map(f, 0, 0xffff8000, 0x10000000, 0x2000);
	assert_map(f, 1, 0xffffa000, 0x20000000, 0x3000);
	assert_map(f, 2, 0xffffd000, 0x30000000, 0x1000);
	assert_map(f, 3, 0xffffe000, 0x40000000, 0x1000);
	assert_seg(f, 0, 0xffff8200, 0x5600, false);
	assert_seg(f, 1, 0xffffe000, 0x1000, false);
	assert_cpu_fields(f, e, 2);
	/* unmap_sg unmaps [0xffff8000, +0x7000) and frees pfn 0xffff8 with
	 * size 7: rcache class 3, where an 8-page request finds it again. */
	assert_int_equal(iova_nodes(f), 1);
	assert_int_equal(unmap(f), 0);
	{
		struct phyr_iova_stats st;
		uint64_t pfn;

		phyr_iova_get_stats(iovad(f), &st);
		assert_int_equal(st.nfast_frees, 1);
		assert_int_equal(st.nrcache_inserts, 1);
		assert_int_equal(phyr_iova_alloc_fast(iovad(f), 8, 0xfffff, 0, false, &pfn), 0);
		assert_int_equal(pfn, 0xffff8);
	}
}

/* B10: the padding to a 16 KiB boundary maps extra memory after entry 0. */
static void test_mapsg_b10_boundary_padding(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x10000000, 0, 0x3000, 0 }, { 0x20000000, 0, 0x2000, 0 } };
	uint64_t iova, len;

	set_boundary(f, 0x3fff);
	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xffff8000);
	assert_int_equal(len, 0x6000);
	assert_int_equal(f->nmaps, 2);
	assert_map(f, 0, 0xffff8000, 0x10000000, 0x4000);
	assert_map(f, 1, 0xffffc000, 0x20000000, 0x2000);
	assert_seg(f, 0, 0xffff8000, 0x3000, false);
	assert_seg(f, 1, 0xffffc000, 0x2000, false);
	assert_int_equal(stats(f).npad_bytes, 0x1000);
	assert_cpu_fields(f, e, 2);
}

/* B11: 20 contiguous pages: one map, 64 KiB cap; 4 KiB cap: 20 segments. */
static void test_mapsg_b11_max_seg(void **state)
{
	struct fix *f = *state;
	struct ent e[20];
	uint64_t iova, len;

	for (unsigned int i = 0; i < 20; i++)
		e[i] = (struct ent){ 0x200000 + i * 0x1000, 0, 0x1000, 0 };
	build(f, e, 20);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xfffe0000);
	assert_int_equal(f->nmaps, 1);
	assert_map(f, 0, 0xfffe0000, 0x200000, 0x14000);
	assert_seg(f, 0, 0xfffe0000, 0x10000, false);
	assert_seg(f, 1, 0xffff0000, 0x4000, false);
	assert_cpu_fields(f, e, 2);

	set_max_seg(f, 4096);
	build(f, e, 20);
	assert_int_equal(map(f, &iova, &len), 20);
	/* the first IOVA is still allocated: the next 32-page block below */
	assert_int_equal(iova, 0xfffc0000);
	for (unsigned int i = 0; i < 20; i++)
		assert_seg(f, i, 0xfffc0000 + i * 0x1000, 0x1000, false);
}

/* B12: a segment starting on a boundary never merges; nor does an offset. */
static void test_mapsg_b12_no_merge(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x10000000, 0, 0x4000, 0 }, { 0x10004000, 0, 0x1000, 0 } };
	const struct ent o[] = { { 0x100000, 0, 0x1000, 0 }, { 0x101000, 512, 3584, 0 } };
	uint64_t iova, len;

	set_boundary(f, 0x3fff);
	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(f->nmaps, 1);
	assert_map(f, 0, 0xffff8000, 0x10000000, 0x5000);
	assert_seg(f, 0, 0xffff8000, 0x4000, false);
	assert_seg(f, 1, 0xffffc000, 0x1000, false);

	set_boundary(f, 0xffffffff);
	build(f, o, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xffff6000);
	assert_seg(f, 0, 0xffff6000, 4096, false);
	assert_seg(f, 1, 0xffff7200, 3584, false);
	assert_map(f, 0, 0xffff6000, 0x100000, 0x2000);
}

/* B22: a bus-address entry takes the list head's (padded) length. */
static void test_mapsg_b22_bus_length_quirk(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = {
		{ 0x100000, 0, 40960, 0 }, { 0x200000, 0, 40960, 0 }, { 0xe0000000, 0, 8192, 1 },
	};
	uint64_t iova, len;

	f->p2p_off = 0x1000000000;
	set_boundary(f, 0xffff);
	build(f, e, 3);
	assert_int_equal(map(f, &iova, &len), 3);
	assert_int_equal(iova, 0xfffe0000);
	assert_int_equal(len, 106496);
	assert_seg(f, 0, 0xfffe0000, 40960, false);
	assert_seg(f, 1, 0xffff0000, 40960, false);
	assert_seg(f, 2, 0x10e0000000, 65536, true);
	assert_int_equal(f->nmaps, 2);
	assert_map(f, 0, 0xfffe0000, 0x100000, 65536);
	assert_map(f, 1, 0xffff0000, 0x200000, 40960);
	assert_cpu_fields(f, e, 3);
	/* unmap_sg clears the bus flag and unmaps the IOVA range */
	assert_int_equal(unmap(f), 0);
	assert_false(phyr_sg_dma_is_bus_address(f->L, ent_at(f, 2)));
	{
		struct phyr_iova_stats st;

		/* 26 pages (0x1a000 bytes from 0xfffe0000) go to rcache class 5 */
		phyr_iova_get_stats(iovad(f), &st);
		assert_int_equal(st.nfast_frees, 1);
		assert_int_equal(st.nrcache_inserts, 1);
	}
}

/* Only bus entries: no IOVA, lengths from the head entry. */
static void test_mapsg_all_bus(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0xe0000000, 0, 100, 1 }, { 0xe0001000, 8, 8192, 1 } };
	uint64_t iova = 1, len = 1;

	f->p2p_off = 0x1000000000;
	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0);
	assert_int_equal(len, 0);
	assert_int_equal(f->nmaps, 0);
	assert_seg(f, 0, 0x10e0000000, 100, true);
	assert_seg(f, 1, 0x10e0001008, 100, true);
	assert_int_equal(iova_nodes(f), 0);
}

/* 32-bit-first: a 4 GiB list falls back to the top of the 64-bit space
 * and the device stays switched. */
static void test_mapsg_sac_fallback(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000000, 0, 0xfffff000, 0 }, { 0x300000000, 0, 4096, 0 } };
	const struct ent s[] = { { 0x100000, 0, 4096, 0 } };
	uint64_t iova, len;

	set_max_seg(f, 0xffffffff);
	set_boundary(f, 0);
	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xffffffff00000000);
	assert_int_equal(len, 0x100000000);
	assert_false(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(stats(f).nsac_fallbacks, 1);
	assert_seg(f, 0, 0xffffffff00000000, 0xfffff000, false);
	assert_seg(f, 1, 0xfffffffffffff000, 4096, false);
	build(f, s, 1);
	assert_int_equal(map(f, &iova, &len), 1);
	assert_int_equal(iova, 0xfffffffffffff000 - 0x100000000);
}

/* The merge length test is 32-bit: past max_seg it wraps and keeps merging. */
static void test_mapsg_max_seg_wrap_quirk(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = {
		{ 0x100000, 0, 12288, 0 }, { 0x103000, 0, 12288, 0 }, { 0x106000, 0, 12288, 0 },
	};
	uint64_t iova, len;

	set_max_seg(f, 8192);
	build(f, e, 3);
	assert_int_equal(map(f, &iova, &len), 1);
	assert_seg(f, 0, 0xffff0000, 36864, false);
	assert_map(f, 0, 0xffff0000, 0x100000, 36864);
}

/* -ENOMEM: a 2 GiB + 4 KiB list under a 32-bit mask; nothing is left. */
static void test_mapsg_enomem_restores(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000000, 0, 0x80000000, 0 }, { 0x300000000, 100, 4000, 0 } };

	assert_int_equal(phyr_dma_set_mask(f->dev, 0xffffffff), 0);
	build(f, e, 2);
	assert_int_equal(map(f, NULL, NULL), -ENOMEM);
	assert_cpu_fields(f, e, 0);
	assert_int_equal(f->nmaps, 0);
	assert_int_equal(iova_nodes(f), 0);
	assert_int_equal(stats(f).nmap_sg_errors, 1);
}

/* -EREMOTEIO for an unreachable P2P page; the list is restored. */
static void test_mapsg_eremoteio(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000, 300, 5000, 0 }, { 0xe0000000, 0, 4096, 1 },
				 { 0x200000, 0, 4096, 0 } };

	f->p2p_type = PHYR_IOMMU_DMA_P2P_NOT_SUPPORTED;
	build(f, e, 3);
	assert_int_equal(map(f, NULL, NULL), -EREMOTEIO);
	assert_cpu_fields(f, e, 0);
	assert_int_equal(iova_nodes(f), 0);
	/* THRU_HOST_BRIDGE pages are mapped like RAM */
	f->p2p_type = PHYR_IOMMU_DMA_P2P_THRU_HOST_BRIDGE;
	build(f, e, 3);
	assert_int_equal(map(f, NULL, NULL), 2);
	assert_int_equal(f->nmaps, 3);
}

/* A bus page right after the last run: Linux never maps that run and
 * fails with -EINVAL; nothing stays mapped or allocated. */
static void test_mapsg_einval_short_map(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000, 0, 4096, 0 }, { 0x101000, 0, 4096, 1 } };

	f->p2p_off = 0x1000;
	build(f, e, 2);
	assert_int_equal(map(f, NULL, NULL), -EINVAL);
	assert_int_equal(f->nmaps, 0);
	assert_cpu_fields(f, e, 0);
	/* The IOVA went back through free_iova_fast (into the range cache). */
	{
		struct phyr_iova_stats st;
		uint64_t pfn;

		phyr_iova_get_stats(iovad(f), &st);
		assert_int_equal(st.nfast_frees, 1);
		assert_int_equal(phyr_iova_alloc_fast(iovad(f), 1, 0xfffff, 0, false, &pfn), 0);
		assert_int_equal(pfn, 0xfffff);
	}
}

/*
 * map_sg allocates nothing of its own (Linux's iommu_dma_map_sg works in
 * the list it is given; the old model's temporary array is gone). The one
 * allocation on its path is the IOVA allocator's node for a range the
 * range cache cannot serve (Linux's alloc_iova_mem). So: cache the IOVA
 * with one map/unmap, then refuse every allocation of the machine, the
 * device and the cookie: map_sg gives the exact result and asks the
 * allocator for nothing, nor does unmap_sg. A list the cache cannot serve
 * then fails with -ENOMEM, the list as given, nothing mapped or held, and
 * the device off the 32-bit space, as the failed 32-bit attempt leaves it
 * in Linux.
 */
static void test_mapsg_no_alloc(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000, 10, 4000, 0 }, { 0x200000, 0, 4096, 0 } };
	const struct ent big[] = { { 0x300000, 0, 0x3000, 0 } };
	struct phyr_iova_stats st;
	uint64_t iova, len, nallocs;

	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xffffe000);
	assert_int_equal(unmap(f), 0);

	f->gate.fail = true;
	nallocs = f->gate.nallocs;
	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(f->gate.nallocs, nallocs);
	assert_int_equal(iova, 0xffffe000);
	assert_int_equal(len, 0x2000);
	assert_int_equal(f->nmaps, 2);
	assert_map(f, 0, 0xffffe000, 0x100000, 0x1000);
	assert_map(f, 1, 0xfffff000, 0x200000, 0x1000);
	assert_seg(f, 0, 0xffffe00a, 4000, false);
	assert_seg(f, 1, 0xfffff000, 4096, false);
	assert_cpu_fields(f, e, 2);
	assert_int_equal(unmap(f), 0);
	assert_int_equal(f->gate.nallocs, nallocs);
	assert_int_equal(f->gate.nrefused, 0);
	phyr_iova_get_stats(iovad(f), &st);
	assert_int_equal(st.nrcache_inserts, 2);

	build(f, big, 1);
	assert_int_equal(map(f, &iova, &len), -ENOMEM);
	assert_true(f->gate.nrefused > 0);
	assert_int_equal(iova, 0);
	assert_int_equal(len, 0x3000);
	assert_cpu_fields(f, big, 0);
	assert_int_equal(f->nmaps, 0);
	assert_false(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(stats(f).nmap_sg_errors, 1);
}

/* Bad arguments: the list is left as it was. */
static void test_mapsg_bad_args(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000, 0, 4096, 0 } };
	int count = -1;

	build(f, e, 1);
	assert_int_equal(phyr_iommu_dma_map_sg(f->dev, f->L, f->sgl, 0, PHYR_DMA_BIDIRECTIONAL, 0,
					       &count), -EINVAL);
	assert_int_equal(count, 0);
	count = -1;
	assert_int_equal(phyr_iommu_dma_map_sg(f->dev, f->L, f->sgl, 2, PHYR_DMA_BIDIRECTIONAL, 0,
					       &count), -EINVAL);
	assert_int_equal(count, 0);
	count = -1;
	assert_int_equal(phyr_iommu_dma_map_sg(f->dev, f->L, f->sgl, 1,
					       (enum phyr_dma_data_direction)4, 0, &count),
			 -EINVAL);
	assert_int_equal(count, 0);
	assert_int_equal(phyr_iommu_dma_map_sg(f->dev, f->L, f->sgl, 1, PHYR_DMA_BIDIRECTIONAL, 0,
					       NULL), -EINVAL);
	assert_int_equal(phyr_iommu_dma_map_sg(NULL, f->L, f->sgl, 1, PHYR_DMA_BIDIRECTIONAL, 0,
					       &count), -EINVAL);
	assert_cpu_fields(f, e, 0);
	assert_int_equal(f->nmaps, 0);
	assert_int_equal(iova_nodes(f), 0);
}

/*
 * A boundary mask not of the form 2^k - 1 is taken as Linux takes it.
 * 0x17fff: the padding from 4 KiB to the next "boundary" is 0x17000, put on
 * entry 0; padding needed before any IOVA entry (Linux: NULL prev) and a
 * sub-granule padding (0x1234: iommu_map_nosync refuses it) give -EINVAL.
 */
static void test_mapsg_odd_boundary_mask(void **state)
{
	struct fix *f = *state;
	const struct ent e[] = { { 0x100000, 0, 0x1000, 0 }, { 0x200000, 0, 0x18000, 0 } };
	const struct ent big[] = { { 0x100000, 0, 0x11000, 0 } };
	uint64_t iova, len;

	set_boundary(f, 0x17fff);
	build(f, e, 2);
	assert_int_equal(map(f, &iova, &len), 2);
	assert_int_equal(iova, 0xfffc0000);
	assert_int_equal(len, 0x30000);
	assert_int_equal(f->nmaps, 2);
	assert_map(f, 0, 0xfffc0000, 0x100000, 0x18000);
	assert_map(f, 1, 0xfffd8000, 0x200000, 0x18000);
	assert_seg(f, 0, 0xfffc0000, 0x1000, false);
	assert_seg(f, 1, 0xfffd8000, 0x18000, false);
	assert_cpu_fields(f, e, 2);

	build(f, big, 1);
	assert_int_equal(map(f, NULL, NULL), -EINVAL);
	assert_cpu_fields(f, big, 0);
	assert_int_equal(f->nmaps, 0);
	assert_int_equal(iova_nodes(f), 1);

	set_boundary(f, 0x1234);
	build(f, e, 2);
	assert_int_equal(map(f, NULL, NULL), -EINVAL);
	assert_cpu_fields(f, e, 0);
	/* the freed 2-page IOVA sits in the rcache, still a tree node */
	assert_int_equal(iova_nodes(f), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mapsg_b9_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_b10_boundary_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_b11_max_seg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_b12_no_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_b22_bus_length_quirk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_all_bus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_sac_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_max_seg_wrap_quirk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_enomem_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_eremoteio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_einval_short_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_no_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapsg_odd_boundary_mask, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
