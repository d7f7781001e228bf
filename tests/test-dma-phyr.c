// SPDX-License-Identifier: MIT
/*
 * Tests of phyr_dma_map_phyr: passthrough hands back the CPU list, an
 * IOMMU domain linearises to one range, a bus offset gives one range per
 * run, and non-uniform lists (RAM + P2P bus address + through the host
 * bridge + bounced pieces) map in one call, with real bytes checked and
 * every error path leaving no IOVA, slot or mapping behind.
 *
 * Machine: RAM [0, 2 GiB) and [4 GiB, 8 GiB). PCI: host bridge 00.0 (Intel
 * 0x2030, allow-listed), root port 00:01.0 -> switch -> ports -> provider
 * 03:00.0 and client 04:00.0 (the device); root port 00:02.0 -> provider2
 * 05:00.0. Provider BAR: CPU 0x3_0000_0000, bus 0x9000_0000 (BUS_ADDR for
 * the client); provider2 BAR: CPU = bus 0xe000_0000 (THRU_HOST_BRIDGE).
 * swiotlb pool at 0x7000_0000 (1 MiB), plugged into the device for
 * dma-direct (phyr_device_use_swiotlb) and into the DMA domain it is
 * attached to (phyr_iommu_setup_dma_ops).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/machine.h"

#define POOL 0x70000000ull
#define BAR_CPU 0x300000000ull
#define BAR_BUS 0x90000000ull
#define BAR2 0xe0000000ull

struct fx {
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *rp1, *sw, *dp0, *dp1, *prov, *client, *rp2, *prov2;
	struct phyr_swiotlb *tlb;
	struct phyr_swiotlb_memory mem;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d; /* the DMA domain f->dev is attached to */
};

static struct phyr_pci_dev *pdev(struct fx *f, struct phyr_pci_dev *parent, uint8_t devfn,
				 enum phyr_pci_type type, uint16_t id)
{
	struct phyr_pci_dev_config c = { .host = f->h, .parent = parent, .devfn = devfn, .type = type,
					 .vendor = PHYR_PCI_VENDOR_INTEL, .device = id,
					 .has_acs = type != PHYR_PCI_ENDPOINT };
	struct phyr_pci_dev *d;

	assert_int_equal(phyr_pci_dev_add(f->m, &c, &d), 0);
	return d;
}

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct phyr_swiotlb_config sc = { 0 };

	assert_non_null(f);
	assert_int_equal(phyr_machine_create(NULL, NULL, &f->m), 0);
	f->pm = phyr_machine_physmem(f->m);
	assert_int_equal(phyr_machine_add_ram(f->m, 0, 0x80000000ull), 0);
	assert_int_equal(phyr_machine_add_ram(f->m, 0x100000000ull, 0x100000000ull), 0);
	assert_int_equal(phyr_pci_host_bridge_add(f->m, 0, 0, &f->h), 0);
	pdev(f, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE, 0x2030);
	f->rp1 = pdev(f, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ROOT_PORT, 0x1);
	f->sw = pdev(f, f->rp1, 0, PHYR_PCI_SWITCH_UPSTREAM, 0x2);
	f->dp0 = pdev(f, f->sw, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_SWITCH_DOWNSTREAM, 0x3);
	f->dp1 = pdev(f, f->sw, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_SWITCH_DOWNSTREAM, 0x3);
	f->prov = pdev(f, f->dp0, 0, PHYR_PCI_ENDPOINT, 0x10);
	f->client = pdev(f, f->dp1, 0, PHYR_PCI_ENDPOINT, 0x11);
	f->rp2 = pdev(f, NULL, PHYR_PCI_DEVFN(2, 0), PHYR_PCI_ROOT_PORT, 0x1);
	f->prov2 = pdev(f, f->rp2, 0, PHYR_PCI_ENDPOINT, 0x12);
	assert_int_equal(phyr_pci_dev_set_bar(f->prov, 0, BAR_CPU, 0x100000, BAR_BUS), 0);
	assert_int_equal(phyr_p2pdma_add_resource(f->prov, 0, 0, 0, NULL), 0);
	assert_int_equal(phyr_pci_dev_set_bar(f->prov2, 0, BAR2, 0x100000, BAR2), 0);
	assert_int_equal(phyr_p2pdma_add_resource(f->prov2, 0, 0, 0, NULL), 0);
	phyr_dma_swiotlb_memory(f->m, &f->mem);
	sc.start = POOL;
	sc.nslabs = 512;
	sc.nareas = 1;
	sc.memory = &f->mem;
	assert_int_equal(phyr_swiotlb_create(&sc, NULL, &f->tlb), 0);
	return f;
}

/* A fresh DMA domain (@dc) with f->dev attached to it. */
static void fx_attach(struct fx *f, const struct phyr_iommu_dma_config *dc)
{
	assert_int_equal(phyr_iommu_dma_cookie_create(dc, NULL, &f->d), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, f->d), 0);
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_IOMMU);
}

/*
 * The client as a device with allocator @a (NULL = malloc; what its
 * mappings allocate with); @domain: NULL = no IOMMU. An identity domain has
 * no DMA cookie (Linux gives such a device dma-direct): the device stays on
 * dma-direct.
 */
static void fx_dev_alloc(struct fx *f, uint64_t mask, bool untrusted, uint32_t min_align,
			 const struct phyr_iommu_domain_opts *domain,
			 const struct phyr_allocator *a)
{
	struct phyr_device_config c;
	struct phyr_iommu_dma_config dc = { .domain = domain };

	phyr_device_config_init_pci(&c, f->client);
	c.dma_mask = c.coherent_dma_mask = mask;
	c.untrusted = untrusted;
	c.min_align_mask = min_align;
	assert_int_equal(phyr_device_create(f->m, &c, a, &f->dev), 0);
	assert_int_equal(phyr_device_use_swiotlb(f->dev, f->tlb), 0);
	if (domain && domain->type == PHYR_IOMMU_DOMAIN_IDENTITY) {
		assert_int_equal(phyr_iommu_dma_cookie_create(&dc, NULL, &f->d), -EINVAL);
		assert_null(f->d);
		assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_DIRECT);
	} else if (domain) {
		dc.swiotlb = f->tlb;
		fx_attach(f, &dc);
	}
}

static void fx_dev(struct fx *f, uint64_t mask, bool untrusted, uint32_t min_align,
		   const struct phyr_iommu_domain_opts *domain)
{
	fx_dev_alloc(f, mask, untrusted, min_align, domain, NULL);
}

static const struct phyr_iommu_domain_opts strict = {
	.type = PHYR_IOMMU_DOMAIN_DMA, .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
};

static void fx_free(struct fx *f)
{
	phyr_iommu_dma_cookie_destroy(f->d);
	phyr_device_destroy(f->dev);
	phyr_swiotlb_destroy(f->tlb);
	phyr_machine_destroy(f->m);
	free(f);
}

static void fill(struct fx *f, uint64_t phys, size_t n, uint8_t seed)
{
	uint8_t *b = malloc(n);

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 11);
	assert_int_equal(phyr_physmem_write(f->pm, phys, b, n), 0);
	free(b);
}

/* The device reading the DMA list end to end sees the CPU list's bytes. */
static void dev_sees_list(struct fx *f, const struct phyr *cpu, size_t ncpu,
			  const struct phyr *dma, size_t ndma)
{
	uint64_t total = 0, t2 = 0;
	uint8_t *a, *b;

	for (size_t i = 0; i < ncpu; i++)
		total += cpu[i].len;
	a = malloc(total);
	b = malloc(total);
	for (size_t i = 0, o = 0; i < ncpu; o += cpu[i].len, i++)
		assert_int_equal(phyr_physmem_read(f->pm, cpu[i].addr, b + o, cpu[i].len), 0);
	for (size_t i = 0; i < ndma; t2 += dma[i].len, i++)
		assert_int_equal(phyr_device_dma_read(f->dev, dma[i].addr, a + t2, dma[i].len), 0);
	assert_int_equal(t2, total);
	assert_memory_equal(a, b, total);
	free(a);
	free(b);
}

static void assert_dma(const struct phyr *got, size_t n, const struct phyr *want, size_t nwant)
{
	assert_int_equal(n, nwant);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(got[i].addr, want[i].addr);
		assert_int_equal(got[i].len, want[i].len);
	}
}

static void assert_clean(struct fx *f)
{
	uint64_t nodes = 0, pages = 0;

	assert_int_equal(phyr_swiotlb_used(f->tlb), 0);
	if (f->d) {
		/* ranges parked in the range caches are free too */
		phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(f->d));
		phyr_iova_usage(phyr_iommu_dma_cookie_iovad(f->d), &nodes, &pages);
		assert_int_equal(nodes, 0);
	}
}

/* ------------------------------------------------------------------ */

static void test_dma_phyr_passthrough_returns_cpu_list(void **state)
{
	static const struct phyr cpu[] = { { 0x10000000, 0x3000 }, { 0x20000200, 0xe00 },
					   { 0x180000000ull, 0x200000 } };
	static const struct phyr_iommu_domain_opts ident = { .type = PHYR_IOMMU_DOMAIN_IDENTITY };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, NULL);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 3, PHYR_DMA_BIDIRECTIONAL, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_ptr_equal(dma, cpu); /* no copy */
	assert_int_equal(n, 3);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.mode, PHYR_DMA_PHYR_PASSTHROUGH);
	assert_int_equal(info.held_bytes, 0);
	fill(f, 0x10000000, 0x3000, 1);
	fill(f, 0x20000200, 0xe00, 2);
	dev_sees_list(f, cpu, 2, dma, 2);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	phyr_device_destroy(f->dev);
	f->dev = NULL;

	/* an identity domain is passthrough too */
	fx_dev(f, ~0ull, false, 0, &ident);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 3, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	assert_ptr_equal(phyr_dma_phyr_list(m, &n), cpu);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

static void test_dma_phyr_bus_offset_one_range_per_run(void **state)
{
	/* the second and third runs are contiguous in DMA space: still separate */
	static const struct phyr cpu[] = { { 0x10000000, 0x3000 }, { 0x20000000, 0x1000 },
					   { 0x20002000, 0x800 } };
	static const struct phyr want[] = { { 0x1010000000ull, 0x3000 }, { 0x1020000000ull, 0x1000 },
					    { 0x1020002000ull, 0x800 } };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, NULL);
	assert_int_equal(phyr_dma_direct_set_offset(f->dev, 0, 0x1000000000ull, 0x80000000ull), 0);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 3, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_dma(dma, n, want, 3);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.mode, PHYR_DMA_PHYR_DIRECT);
	assert_int_equal(info.held_bytes, 48); /* 16 B per run, as the thread says */
	fill(f, 0x10000000, 0x3000, 3);
	dev_sees_list(f, cpu, 1, dma, 1);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

static void test_dma_phyr_iommu_linearises(void **state)
{
	struct phyr cpu[64];
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	/* 64 scattered pages; the first starts at +0x200, the last ends at +0x800 */
	for (int i = 0; i < 64; i++) {
		cpu[i].addr = 0x10000000ull + (uint64_t)i * 0x3000;
		cpu[i].len = 0x1000;
	}
	cpu[0].addr += 0x200;
	cpu[0].len -= 0x200;
	cpu[63].len = 0x800;
	fx_dev(f, ~0ull, false, 0, &strict);
	for (int i = 0; i < 64; i++)
		fill(f, cpu[i].addr, cpu[i].len, (uint8_t)i);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 64, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	/* 64 pages: not rounded, 64-aligned, top of the 32-bit space */
	assert_dma(dma, n, (const struct phyr[]){ { 0xfffc0200, 0x3f600 } }, 1);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.mode, PHYR_DMA_PHYR_IOMMU);
	assert_int_equal(info.iova, 0xfffc0000);
	assert_int_equal(info.iova_len, 0x40000);
	assert_int_equal(info.held_bytes, 16); /* one entry for the whole list */
	dev_sees_list(f, cpu, 64, dma, 1);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_clean(f);
	/* the 64-page IOVA was freed with its size: not cached, back in the tree */
	fx_free(f);
}

static void test_dma_phyr_iommu_unaligned_interior(void **state)
{
	/* run 0 ends mid-page: the next run cannot continue it */
	static const struct phyr cpu[] = { { 0x10000000, 0x1800 }, { 0x20000000, 0x2000 },
					   { 0x30000400, 0x400 }, { 0x40000000, 0x1000 } };
	static const struct phyr want[] = { { 0xffff8000, 0x1800 }, { 0xffffa000, 0x2000 },
					    { 0xffffc400, 0x400 }, { 0xffffd000, 0x1000 } };
	struct phyr_dma_phyr_map *m;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, &strict);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 4, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	/* 2 + 2 + 1 + 1 = 6 pages -> 8-page node at 0xffff8 */
	assert_dma(dma, n, want, 4);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_clean(f);
	fx_free(f);
}

static void test_dma_phyr_non_uniform_iommu(void **state)
{
	static const struct phyr cpu[] = {
		{ 0x10000000, 0x1000 },     /* RAM */
		{ BAR_CPU + 0x4000, 0x2000 }, /* P2P behind the same switch: bus address */
		{ BAR2 + 0x1000, 0x1000 },  /* P2P through the host bridge: IOVA */
		{ 0x10005000, 0x1000 },     /* RAM */
	};
	static const struct phyr want[] = { { 0xffffc000, 0x1000 },
					    { BAR_BUS + 0x4000, 0x2000 },
					    { 0xffffd000, 0x2000 } };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, &strict);
	for (size_t i = 0; i < 4; i++)
		fill(f, cpu[i].addr, cpu[i].len, (uint8_t)(i + 5));
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 4, PHYR_DMA_BIDIRECTIONAL, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_dma(dma, n, want, 3);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.nbus, 1);
	assert_int_equal(info.iova_len, 0x3000); /* 3 pages asked, a 4-page node */
	dev_sees_list(f, cpu, 4, dma, 3);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_clean(f);
	fx_free(f);
}

static void test_dma_phyr_non_uniform_untrusted_bounce(void **state)
{
	static const struct phyr cpu[] = {
		{ 0x10000000, 0x2000 },       /* aligned: mapped in place */
		{ 0x20000100, 0x300 },        /* unaligned: bounced whole */
		{ BAR_CPU, 0x1000 },          /* bus address */
		{ 0x30000000, 0x1000 },
	};
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	uint8_t buf[0x300];
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, true, 0xfff, &strict);
	for (size_t i = 0; i < 4; i++)
		fill(f, cpu[i].addr, cpu[i].len, (uint8_t)(i + 20));
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 4, PHYR_DMA_BIDIRECTIONAL, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	/* 2 + 1 + 1 pages -> 4-page node at 0xffffc; the bounce keeps +0x100 */
	assert_dma(dma, n, (const struct phyr[]){ { 0xffffc000, 0x2000 }, { 0xffffe100, 0x300 },
						   { BAR_BUS, 0x1000 }, { 0xfffff000, 0x1000 } }, 4);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.nbounced, 1);
	assert_int_equal(phyr_swiotlb_used(f->tlb), 2);
	assert_true(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(f->d),
					    0xffffe100) >= POOL);
	dev_sees_list(f, cpu, 4, dma, 4);
	/* what the device writes into the bounced piece reaches memory at unmap */
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(phyr_device_dma_write(f->dev, 0xffffe100, buf, sizeof(buf)), 0);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, 0x20000100, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, sizeof(buf));
	assert_clean(f);
	fx_free(f);
}

static void test_dma_phyr_non_uniform_direct_bounce(void **state)
{
	static const struct phyr cpu[] = {
		{ 0x10000000, 0x1000 },       /* below 4 GiB: direct */
		{ BAR_CPU + 0x1000, 0x1000 }, /* bus address */
		{ 0x120000000ull, 0x800 },    /* above the 32-bit mask: bounced */
	};
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, 0xffffffffull, false, 0, NULL);
	for (size_t i = 0; i < 3; i++)
		fill(f, cpu[i].addr, cpu[i].len, (uint8_t)(i + 40));
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 3, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_dma(dma, n, (const struct phyr[]){ { 0x10000000, 0x1000 },
						   { BAR_BUS + 0x1000, 0x1000 }, { POOL, 0x800 } }, 3);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.mode, PHYR_DMA_PHYR_DIRECT);
	assert_int_equal(info.nbounced, 1);
	assert_int_equal(info.nbus, 1);
	dev_sees_list(f, cpu, 3, dma, 3);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_clean(f);
	fx_free(f);
}

static void test_dma_phyr_errors_leave_nothing(void **state)
{
	static const struct phyr cpu[] = { { 0x10000100, 0x100 }, { 0x20000000, 0x1000 } };
	static const struct phyr p2p[] = { { 0x10000000, 0x1000 }, { BAR_CPU, 0x1000 } };
	static const struct phyr mixed[] = { { BAR_CPU + 0xff000, 0x1000 + 0x1000 } };
	static const struct phyr_iommu_dma_resv resv[] = { { 0x1000, 0xffffffffull } };
	struct phyr_iommu_dma_config dc = { .domain = &strict, .resv = resv, .nresv = 1 };
	struct phyr_device_config c;
	struct phyr_dma_phyr_map *m = (void *)1;
	struct fx *f = fx_new();

	(void)state;
	/* a 32-bit untrusted device whose IOVA space is all reserved: the
	 * bounce of run 0 is released again */
	phyr_device_config_init_pci(&c, f->client);
	c.untrusted = true;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &f->dev), 0);
	dc.swiotlb = f->tlb;
	fx_attach(f, &dc);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 2, PHYR_DMA_TO_DEVICE, 0, &m),
			 -ENOMEM);
	assert_null(m);
	assert_int_equal(phyr_swiotlb_used(f->tlb), 0);
	fx_free(f);

	/* a platform device cannot reach P2P memory */
	f = fx_new();
	phyr_device_config_init(&c);
	c.dma_mask = ~0ull;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &f->dev), 0);
	fx_attach(f, NULL);
	assert_int_equal(phyr_dma_map_phyr(f->dev, p2p, 2, PHYR_DMA_TO_DEVICE, 0, &m),
			 -EREMOTEIO);
	assert_clean(f);
	/* a range running off the end of the provider's BAR into nothing */
	assert_int_equal(phyr_dma_map_phyr(f->dev, mixed, 1, PHYR_DMA_TO_DEVICE, 0, &m), -EINVAL);
	assert_int_equal(phyr_dma_map_phyr(f->dev, NULL, 1, PHYR_DMA_TO_DEVICE, 0, &m), -EINVAL);
	assert_int_equal(phyr_dma_map_phyr(f->dev, p2p, 0, PHYR_DMA_TO_DEVICE, 0, &m), -EINVAL);
	assert_int_equal(phyr_dma_map_phyr(f->dev, p2p, 1, (enum phyr_dma_data_direction)4, 0,
					   &m), -EINVAL);
	assert_int_equal(phyr_dma_unmap_phyr(NULL, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

static void test_dma_phyr_debug_tracking(void **state)
{
	static const struct phyr cpu[] = { { 0x10000000, 0x1000 }, { BAR_CPU, 0x1000 },
					   { 0x10004000, 0x1000 } };
	struct phyr_dma_debug_config dcfg = { .strict = true };
	struct phyr_dma_debug *dbg;
	struct phyr_dma_phyr_map *m;
	struct fx *f = fx_new();

	(void)state;
	assert_int_equal(phyr_dma_debug_create(&dcfg, NULL, &dbg), 0);
	fx_dev(f, ~0ull, false, 0, &strict);
	assert_int_equal(phyr_device_set_dma_debug(f->dev, dbg), 0);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 3, PHYR_DMA_FROM_DEVICE, 0, &m), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 3);
	/* the wrong direction at unmap is refused and changes nothing */
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 3);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_clean(f);
	fx_free(f); /* the device's checker outlives the device */
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_phyr_flush_queue(void **state)
{
	static const struct phyr_iommu_domain_opts fq = {
		.type = PHYR_IOMMU_DOMAIN_DMA_FQ, .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
	};
	static const struct phyr cpu[] = { { 0x10000000, 0x2000 } };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	struct fx *f = fx_new();

	(void)state;
	fx_dev(f, 0xffffffffull, false, 0, &fq);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 1, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 1, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.iova, 0xffffc000); /* the first IOVA is still queued */
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(f->d));
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 1, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.iova, 0xffffc000); /* newest in the class-1 magazine */
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

static void test_dma_phyr_failnth(void **state)
{
	static const struct phyr cpu[] = { { 0x10000000, 0x1000 }, { 0x20000100, 0x300 },
					   { BAR_CPU, 0x1000 }, { 0x30000000, 0x800 } };
	struct phyr_failnth fn;
	struct phyr_allocator a;
	struct phyr_dma_phyr_map *m = NULL;
	struct fx *f = fx_new();
	uint64_t base;
	int ret = -ENOMEM;

	(void)state;
	/* mappings allocate with the device's allocator: fail its k-th next block */
	memset(&fn, 0, sizeof(fn));
	phyr_failnth_allocator(&fn, &a);
	fx_dev_alloc(f, ~0ull, true, 0xfff, &strict, &a);
	base = fn.nlive; /* what the device itself holds */
	for (uint64_t k = 1; ret; k++) {
		fn.fail_at = fn.nallocs + k;
		ret = phyr_dma_map_phyr(f->dev, cpu, 4, PHYR_DMA_TO_DEVICE, 0, &m);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(fn.nlive, base);
			assert_clean(f);
		}
		assert_true(k < 100);
	}
	fn.fail_at = 0;
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(fn.nlive, base);
	assert_clean(f);
	fx_free(f);
	assert_int_equal(fn.nlive, 0);
}


/* spec B9's list: the same IOVA and the same two DMA ranges as map_sg */
static void test_dma_phyr_b9_same_as_map_sg(void **state)
{
	static const struct phyr cpu[] = { { 0x10000200, 0x1e00 }, { 0x20000000, 0x3000 },
					   { 0x30000000, 0x800 }, { 0x40000000, 0x1000 } };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, &strict);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 4, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_dma(dma, n, (const struct phyr[]){ { 0xffff8200, 0x5600 }, { 0xffffe000, 0x1000 } }, 2);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.iova, 0xffff8000);
	assert_int_equal(info.iova_len, 0x7000);
	assert_int_equal(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(f->d), 0xffffd000),
			 0x30000000);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

/* spec B10's list: no boundary padding, so one range across the boundary */
static void test_dma_phyr_b10_no_boundary_padding(void **state)
{
	static const struct phyr cpu[] = { { 0x10000000, 0x3000 }, { 0x20000000, 0x2000 } };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, &strict);
	assert_int_equal(phyr_dma_set_seg_boundary(f->dev, 0x3fff), 0);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 2, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	/* map_sg: iova_len 0x6000, page 0x10003000 mapped as padding, two segments */
	assert_dma(dma, n, (const struct phyr[]){ { 0xffff8000, 0x5000 } }, 1);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.iova_len, 0x5000);
	assert_int_equal(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(f->d), 0xffffb000),
			 0x20000000);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

/* spec B11's pages: one run, one range, no 64 KiB max_seg_size split */
static void test_dma_phyr_b11_no_max_seg_split(void **state)
{
	static const struct phyr cpu[] = { { 0x10000000, 0x14000 } };
	struct phyr_dma_phyr_map *m;
	const struct phyr *dma;
	struct fx *f = fx_new();
	size_t n;

	(void)state;
	fx_dev(f, ~0ull, false, 0, &strict);
	assert_int_equal(phyr_dma_map_phyr(f->dev, cpu, 1, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	/* map_sg: {0xfffe0000, 0x10000}, {0xffff0000, 0x4000} */
	assert_dma(dma, n, (const struct phyr[]){ { 0xfffe0000, 0x14000 } }, 1);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);
}

/* ------------------------------------------------------------------ */
/* map_sg on the same attachment, side by side with map_phyr            */

struct sgl {
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sgl;
	int n;
};

static struct sgl mk_sgl(const struct phyr *runs, int n)
{
	struct sgl g;

	g.L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	g.n = n;
	g.sgl = calloc((size_t)n, g.L->size);
	assert_non_null(g.sgl);
	assert_int_equal(phyr_sg_init_table(g.L, g.sgl, (unsigned)n), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(phyr_sg_set_phys(g.L, phyr_sg_entry(g.L, g.sgl, (unsigned)i),
						  runs[i].addr, 0, (uint32_t)runs[i].len), 0);
	return g;
}

static void assert_segs(struct sgl *g, int count, const struct phyr *want, int nwant)
{
	assert_int_equal(count, nwant);
	for (int i = 0; i < count; i++) {
		struct phyr_scatterlist *s = phyr_sg_entry(g->L, g->sgl, (unsigned)i);

		assert_int_equal(phyr_sg_dma_address(g->L, s), want[i].addr);
		assert_int_equal(phyr_sg_dma_len(g->L, s), want[i].len);
	}
}

static void test_dma_phyr_map_sg_side_by_side(void **state)
{
	static const struct phyr b9[] = { { 0x10000200, 0x1e00 }, { 0x20000000, 0x3000 },
					  { 0x30000000, 0x800 }, { 0x40000000, 0x1000 } };
	static const struct phyr b10[] = { { 0x10000000, 0x3000 }, { 0x20000000, 0x2000 } };
	static const struct phyr p2p[] = { { 0x10000000, 0x1000 }, { BAR_CPU, 0x2000 },
					   { 0x10005000, 0x1000 } };
	struct phyr_dma_phyr_map *m;
	const struct phyr *dma;
	struct fx *f = fx_new();
	struct sgl g;
	size_t n;
	int count;

	(void)state;
	fx_dev(f, ~0ull, false, 0, &strict);
	/* B9: identical device view */
	g = mk_sgl(b9, 4);
	assert_int_equal(phyr_dma_map_sg(f->dev, g.L, g.sgl, 4, PHYR_DMA_TO_DEVICE, 0, &count), 0);
	assert_segs(&g, count, (const struct phyr[]){ { 0xffff8200, 0x5600 }, { 0xffffe000, 0x1000 } },
		    2);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, g.L, g.sgl, 4, PHYR_DMA_TO_DEVICE, 0), 0);
	free(g.sgl);
	assert_int_equal(phyr_dma_map_phyr(f->dev, b9, 4, PHYR_DMA_TO_DEVICE, 0, &m),
			 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_dma(dma, n, (const struct phyr[]){ { 0xffff8200, 0x5600 }, { 0xffffe000, 0x1000 } }, 2);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);

	/* B10: map_sg pads and splits at the boundary, map_phyr does neither */
	assert_int_equal(phyr_dma_set_seg_boundary(f->dev, 0x3fff), 0);
	g = mk_sgl(b10, 2);
	assert_int_equal(phyr_dma_map_sg(f->dev, g.L, g.sgl, 2, PHYR_DMA_TO_DEVICE, 0, &count), 0);
	assert_segs(&g, count, (const struct phyr[]){ { 0xffff8000, 0x3000 }, { 0xffffc000, 0x2000 } },
		    2);
	assert_int_equal(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(f->d), 0xffffb000),
			 0x10003000); /* the padding page */
	assert_int_equal(phyr_dma_unmap_sg(f->dev, g.L, g.sgl, 2, PHYR_DMA_TO_DEVICE, 0), 0);
	free(g.sgl);
	assert_int_equal(phyr_dma_map_phyr(f->dev, b10, 2, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	assert_dma(dma, n, (const struct phyr[]){ { 0xffff8000, 0x5000 } }, 1);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	fx_free(f);

	/* a P2P bus-address entry that is not first: map_sg's length quirk (B22) */
	f = fx_new();
	fx_dev(f, ~0ull, false, 0, &strict);
	g = mk_sgl(p2p, 3);
	assert_int_equal(phyr_dma_map_sg(f->dev, g.L, g.sgl, 3, PHYR_DMA_TO_DEVICE, 0, &count), 0);
	assert_segs(&g, count, (const struct phyr[]){ { 0xffffe000, 0x1000 }, { BAR_BUS, 0x1000 },
						     { 0xfffff000, 0x1000 } }, 3);
	assert_true(phyr_sg_dma_is_bus_address(g.L, phyr_sg_entry(g.L, g.sgl, 1)));
	assert_int_equal(phyr_dma_unmap_sg(f->dev, g.L, g.sgl, 3, PHYR_DMA_TO_DEVICE, 0), 0);
	free(g.sgl);
	assert_int_equal(phyr_dma_map_phyr(f->dev, p2p, 3, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	dma = phyr_dma_phyr_list(m, &n);
	/* the same 2-page IOVA again, from the range cache */
	assert_dma(dma, n, (const struct phyr[]){ { 0xffffe000, 0x1000 }, { BAR_BUS, 0x2000 },
						   { 0xfffff000, 0x1000 } }, 3);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_clean(f);
	fx_free(f);
}

static void test_dma_phyr_map_sg_untrusted(void **state)
{
	static const struct phyr b13[] = { { 0x10000200, 0x1e00 }, { 0x20000000, 0x3000 } };
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	struct fx *f = fx_new();
	struct sgl g;
	int count;

	(void)state;
	fx_dev(f, ~0ull, true, 0, &strict);
	fill(f, 0x10000200, 0x1e00, 1);
	fill(f, 0x20000000, 0x3000, 2);
	/* B13: each entry its own IOVA; the unaligned one bounced, offset lost */
	g = mk_sgl(b13, 2);
	assert_int_equal(phyr_dma_map_sg(f->dev, g.L, g.sgl, 2, PHYR_DMA_TO_DEVICE, 0, &count), 0);
	assert_segs(&g, count, (const struct phyr[]){ { 0xffffe000, 0x1e00 }, { 0xffff8000, 0x3000 } },
		    2);
	assert_true(phyr_sg_dma_flags(g.L, g.sgl) & PHYR_SG_DMA_SWIOTLB);
	assert_int_equal(phyr_swiotlb_used(f->tlb), 4);
	dev_sees_list(f, b13, 1, (const struct phyr[]){ { 0xffffe000, 0x1e00 } }, 1);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, g.L, g.sgl, 2, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_false(phyr_sg_dma_flags(g.L, g.sgl) & PHYR_SG_DMA_SWIOTLB);
	free(g.sgl);
	assert_clean(f);
	/* map_phyr: one IOVA, the unaligned range bounced whole */
	assert_int_equal(phyr_dma_map_phyr(f->dev, b13, 2, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.ndma, 2);
	assert_int_equal(info.nbounced, 1);
	assert_int_equal(info.iova_len, 0x5000);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_clean(f);
	fx_free(f);
}

static void test_dma_phyr_map_sg_debug(void **state)
{
	static const struct phyr b9[] = { { 0x10000200, 0x1e00 }, { 0x20000000, 0x3000 },
					  { 0x30000000, 0x800 }, { 0x40000000, 0x1000 } };
	struct phyr_dma_debug_config dcfg = { .strict = true };
	struct phyr_iommu_dma_config dc = { .domain = &strict };
	struct phyr_device_config c;
	struct phyr_dma_debug *dbg;
	struct phyr_dma_debug_report r;
	struct fx *f = fx_new();
	struct sgl g;
	int count;

	(void)state;
	assert_int_equal(phyr_dma_debug_create(&dcfg, NULL, &dbg), 0);
	phyr_device_config_init_pci(&c, f->client);
	c.dma_mask = ~0ull;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &f->dev), 0);
	assert_int_equal(phyr_device_set_dma_debug(f->dev, dbg), 0);
	fx_attach(f, &dc);
	g = mk_sgl(b9, 4);
	assert_int_equal(phyr_dma_map_sg(f->dev, g.L, g.sgl, 4, PHYR_DMA_BIDIRECTIONAL, 0, &count),
			 0);
	assert_int_equal(count, 2);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 2);
	/* unmapping with the returned count instead of nents: refused, still mapped */
	assert_int_equal(phyr_dma_unmap_sg(f->dev, g.L, g.sgl, 2, PHYR_DMA_BIDIRECTIONAL, 0),
			 -EINVAL);
	assert_int_equal(phyr_dma_debug_get_report(dbg, 0, &r), 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_NENTS);
	assert_int_equal(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(f->d), 0xffff8200),
			 0x10000200);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, g.L, g.sgl, 4, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 0);
	free(g.sgl);
	assert_clean(f);
	fx_free(f);
	phyr_dma_debug_destroy(dbg);
}

/* Stale data without a sync, fresh data with one: bounced pieces in both modes */
static void test_dma_phyr_sync_bounced(void **state)
{
	static const struct phyr iommu_runs[] = { { 0x10000000, 0x1000 }, { 0x20000100, 0x300 } };
	static const struct phyr direct_runs[] = { { 0x10000000, 0x1000 }, { 0x120000000ull, 0x800 } };
	uint8_t buf[0x800], old[0x800];
	struct phyr_dma_phyr_map *m;
	const struct phyr *dma;
	size_t n;

	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct fx *f = fx_new();
		const struct phyr *runs = mode ? direct_runs : iommu_runs;
		uint64_t len = runs[1].len;

		if (mode)
			fx_dev(f, 0xffffffffull, false, 0, NULL);
		else
			fx_dev(f, ~0ull, true, 0xfff, &strict);
		fill(f, runs[1].addr, len, 17);
		assert_int_equal(phyr_physmem_read(f->pm, runs[1].addr, old, len), 0);
		assert_int_equal(phyr_dma_map_phyr(f->dev, runs, 2, PHYR_DMA_BIDIRECTIONAL, 0,
						   &m), 0);
		dma = phyr_dma_phyr_list(m, &n);
		assert_int_equal(n, 2);
		/* the device writes the bounced piece: the CPU still sees the old bytes */
		memset(buf, 0xa5, len);
		assert_int_equal(phyr_device_dma_write(f->dev, dma[1].addr, buf, len), 0);
		assert_int_equal(phyr_physmem_compare(f->pm, runs[1].addr, old, len, &n), 0);
		assert_int_equal(n, len);
		assert_int_equal(phyr_dma_phyr_sync_for_cpu(m, PHYR_DMA_BIDIRECTIONAL), 0);
		assert_int_equal(phyr_physmem_compare(f->pm, runs[1].addr, buf, len, &n), 0);
		assert_int_equal(n, len);
		/* the CPU writes: the device sees it only after sync_for_device */
		memset(buf, 0x3c, len);
		assert_int_equal(phyr_physmem_write(f->pm, runs[1].addr, buf, len), 0);
		assert_int_equal(phyr_device_dma_read(f->dev, dma[1].addr, old, len), 0);
		assert_true(old[0] == 0xa5);
		assert_int_equal(phyr_dma_phyr_sync_for_device(m, PHYR_DMA_BIDIRECTIONAL), 0);
		assert_int_equal(phyr_device_dma_read(f->dev, dma[1].addr, old, len), 0);
		assert_memory_equal(old, buf, len);
		assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_BIDIRECTIONAL, 0), 0);
		assert_int_equal(phyr_dma_phyr_sync_for_cpu(NULL, PHYR_DMA_BIDIRECTIONAL), -EINVAL);
		assert_clean(f);
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_phyr_passthrough_returns_cpu_list),
		cmocka_unit_test(test_dma_phyr_bus_offset_one_range_per_run),
		cmocka_unit_test(test_dma_phyr_iommu_linearises),
		cmocka_unit_test(test_dma_phyr_iommu_unaligned_interior),
		cmocka_unit_test(test_dma_phyr_non_uniform_iommu),
		cmocka_unit_test(test_dma_phyr_non_uniform_untrusted_bounce),
		cmocka_unit_test(test_dma_phyr_non_uniform_direct_bounce),
		cmocka_unit_test(test_dma_phyr_errors_leave_nothing),
		cmocka_unit_test(test_dma_phyr_debug_tracking),
		cmocka_unit_test(test_dma_phyr_flush_queue),
		cmocka_unit_test(test_dma_phyr_failnth),
		cmocka_unit_test(test_dma_phyr_b9_same_as_map_sg),
		cmocka_unit_test(test_dma_phyr_b10_no_boundary_padding),
		cmocka_unit_test(test_dma_phyr_b11_no_max_seg_split),
		cmocka_unit_test(test_dma_phyr_map_sg_side_by_side),
		cmocka_unit_test(test_dma_phyr_map_sg_untrusted),
		cmocka_unit_test(test_dma_phyr_map_sg_debug),
		cmocka_unit_test(test_dma_phyr_sync_bounced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
