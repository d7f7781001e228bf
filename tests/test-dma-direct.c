// SPDX-License-Identifier: MIT
/*
 * Tests of the device model and dma-direct (spec 7, 8, 10.3, B21, B23),
 * moving real bytes through the device data path.
 *
 * Machine: RAM [0, 2 GiB) and [4 GiB, 8 GiB); max_pfn 0x200000, so the
 * direct required mask is 0x1_ffff_ffff. PCI: host bridge 00.0 (Intel
 * 0x2030, allow-listed), root port 00:01.0 -> switch 01:00.0 -> ports
 * 02:00.0 / 02:01.0 -> provider 03:00.0 and client 04:00.0; root port
 * 00:02.0 -> second provider 05:00.0 (through the host bridge).
 * Provider BAR: CPU 0x3_0000_0000, bus 0x9000_0000 (bus offset
 * 0x9000_0000 - 0x3_0000_0000). Provider 2 BAR: CPU 0xe000_0000 = bus.
 *
 * A tiny bounce hook stands in for swiotlb: a bump allocator over a
 * decrypted pool at 0x7000_0000, copying with Linux's directional rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "phyr/device.h"
#include "phyr/dma-mapping.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"

#define POOL 0x70000000ull
#define POOL_SIZE 0x100000ull
#define BAR_CPU 0x300000000ull
#define BAR_BUS 0x90000000ull
#define BAR2 0xe0000000ull

struct fake_tlb {
	struct phyr_physmem *pm;
	uint64_t next;
	int live;
	struct { uint64_t tlb, orig; size_t size; bool used; } map[64];
	int nmaps, nunmaps, ncopies;
};

static int ft_find(struct fake_tlb *t, uint64_t tlb)
{
	for (int i = 0; i < 64; i++)
		if (t->map[i].used && t->map[i].tlb == tlb)
			return i;
	return -1;
}

static void ft_copy(struct fake_tlb *t, uint64_t dst, uint64_t src, size_t n)
{
	assert_int_equal(phyr_physmem_copy(t->pm, dst, src, n), 0);
	t->ncopies++;
}

static int ft_map(void *ctx, struct phyr_device *dev, uint64_t phys, size_t size,
		  enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *tlb)
{
	struct fake_tlb *t = ctx;
	int i;

	(void)dev, (void)dir, (void)attrs;
	if (t->next + size > POOL + POOL_SIZE)
		return -ENOMEM;
	for (i = 0; i < 64 && t->map[i].used; i++)
		;
	assert_true(i < 64);
	t->map[i].used = true;
	t->map[i].tlb = t->next;
	t->map[i].orig = phys;
	t->map[i].size = size;
	*tlb = t->next;
	t->next += (size + 2047) & ~2047ull;
	t->live++;
	t->nmaps++;
	ft_copy(t, *tlb, phys, size); /* always original -> bounce on map */
	return 0;
}

static void ft_unmap(void *ctx, struct phyr_device *dev, uint64_t tlb, size_t size,
		     enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct fake_tlb *t = ctx;
	int i = ft_find(t, tlb);

	(void)dev;
	assert_true(i >= 0);
	if (!(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC) &&
	    (dir == PHYR_DMA_FROM_DEVICE || dir == PHYR_DMA_BIDIRECTIONAL))
		ft_copy(t, t->map[i].orig, tlb, size);
	t->map[i].used = false;
	t->live--;
	t->nunmaps++;
	if (!t->live)
		t->next = POOL; /* pool empty again: restart the bump allocator */
}

static void ft_sync_cpu(void *ctx, struct phyr_device *dev, uint64_t tlb, size_t size,
			enum phyr_dma_data_direction dir)
{
	struct fake_tlb *t = ctx;
	int i = ft_find(t, tlb);

	(void)dev;
	assert_true(i >= 0);
	if (dir == PHYR_DMA_FROM_DEVICE || dir == PHYR_DMA_BIDIRECTIONAL)
		ft_copy(t, t->map[i].orig, tlb, size);
}

static void ft_sync_dev(void *ctx, struct phyr_device *dev, uint64_t tlb, size_t size,
			enum phyr_dma_data_direction dir)
{
	struct fake_tlb *t = ctx;
	int i = ft_find(t, tlb);

	(void)dev;
	assert_true(i >= 0);
	if (dir == PHYR_DMA_TO_DEVICE || dir == PHYR_DMA_BIDIRECTIONAL)
		ft_copy(t, tlb, t->map[i].orig, size);
}

static bool ft_owns(void *ctx, struct phyr_device *dev, uint64_t phys)
{
	(void)ctx, (void)dev;
	return phys >= POOL && phys < POOL + POOL_SIZE;
}

static size_t ft_max(void *ctx, struct phyr_device *dev)
{
	(void)ctx, (void)dev;
	return 256 * 1024;
}

struct fx {
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *rp1, *sw, *dp0, *dp1, *prov, *client, *rp2, *prov2;
	struct phyr_p2p_pgmap *g, *g2;
	struct fake_tlb tlb;
	struct phyr_dma_bounce_ops ops;
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

static struct fx *fx_new(const struct phyr_machine_config *cfg)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_int_equal(phyr_machine_create(cfg, NULL, &f->m), 0);
	f->pm = phyr_machine_physmem(f->m);
	assert_int_equal(phyr_machine_add_ram(f->m, 0, 0x80000000ull), 0);
	assert_int_equal(phyr_machine_add_ram(f->m, 0x100000000ull, 0x100000000ull), 0);
	assert_int_equal(phyr_machine_set_decrypted(f->m, POOL, POOL_SIZE), 0);
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
	assert_int_equal(phyr_p2pdma_add_resource(f->prov, 0, 0, 0, &f->g), 0);
	assert_int_equal(phyr_pci_dev_set_bar(f->prov2, 0, BAR2, 0x100000, BAR2), 0);
	assert_int_equal(phyr_p2pdma_add_resource(f->prov2, 0, 0, 0, &f->g2), 0);
	f->tlb.pm = f->pm;
	f->tlb.next = POOL;
	f->ops = (struct phyr_dma_bounce_ops){ ft_map, ft_unmap, ft_sync_cpu, ft_sync_dev,
					      ft_owns, ft_max, &f->tlb };
	return f;
}

static struct phyr_device *fx_dev(struct fx *f, uint64_t mask, bool bounce)
{
	struct phyr_device_config c;
	struct phyr_device *d;

	phyr_device_config_init_pci(&c, f->client);
	c.dma_mask = c.coherent_dma_mask = mask;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	if (bounce)
		assert_int_equal(phyr_device_set_bounce(d, &f->ops), 0);
	return d;
}

static void fx_free(struct fx *f)
{
	phyr_machine_destroy(f->m);
	free(f);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 13);
}

#include "test-sg-ents.h"

/* ------------------------------------------------------------------ */

static void test_dma_direct_pci_and_platform_defaults(void **state)
{
	struct phyr_device_config c;
	struct phyr_device *d;
	struct fx *f = fx_new(NULL);

	(void)state;
	phyr_device_config_init_pci(&c, f->client);
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_dma_get_mask(d), 0xffffffffu);
	assert_int_equal(phyr_dma_get_coherent_mask(d), 0xffffffffu);
	assert_int_equal(phyr_dma_get_max_seg_size(d), 65536);
	assert_int_equal(phyr_dma_get_seg_boundary(d), 0xffffffffu);
	assert_int_equal(phyr_dma_get_min_align_mask(d), 0);
	assert_int_equal(phyr_dma_get_bus_limit(d), 0);
	assert_true(phyr_device_is_coherent(d));
	assert_false(phyr_device_is_untrusted(d));
	assert_ptr_equal(phyr_device_pci(d), f->client);
	assert_string_equal(phyr_device_name(d), "0000:04:00.0");
	assert_null(phyr_device_iommu(d));
	phyr_device_destroy(d);

	phyr_device_config_init(&c);
	c.dma_mask = 0;
	c.max_segment_size = 0;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_dma_get_mask(d), 0xffffffffu); /* *dma_mask 0 reads as 32 bits */
	assert_int_equal(phyr_dma_get_seg_boundary(d), UINT64_MAX);
	assert_int_equal(phyr_dma_get_max_seg_size(d), 65536);
	assert_null(phyr_device_pci(d));
	assert_string_equal(phyr_device_name(d), "dev");
	/* dma_capable with *dma_mask == 0 and no bus limit: only address 0 */
	assert_true(phyr_dma_capable(d, 0, 1, true));
	assert_false(phyr_dma_capable(d, 0, 2, true));
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_range_map_translation(void **state)
{
	const struct phyr_bus_dma_region map[] = {
		{ .cpu_start = 0x80000000ull, .dma_start = 0, .size = 0x40000000ull },
		{ .cpu_start = 0x100000000ull, .dma_start = 0x40000000ull, .size = 0x40000000ull },
		{ 0 },
		{ .cpu_start = 0, .dma_start = 0xc0000000ull, .size = 0x1000 }, /* past the end marker */
	};
	struct phyr_device_config c;
	struct phyr_device *d;
	struct fx *f = fx_new(NULL);
	uint64_t v;

	(void)state;
	phyr_device_config_init(&c);
	c.dma_range_map = map;
	c.ndma_ranges = 4;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_device_get_config(d)->ndma_ranges, 2);
	assert_int_equal(phyr_dma_phys_to_dma(d, 0x80001234ull, &v), 0);
	assert_int_equal(v, 0x1234);
	assert_int_equal(phyr_dma_phys_to_dma(d, 0x100000010ull, &v), 0);
	assert_int_equal(v, 0x40000010ull);
	assert_int_equal(phyr_dma_phys_to_dma(d, 0x1000, &v), -ERANGE);
	assert_int_equal(phyr_dma_to_phys(d, 0x3fffffffull, &v), 0);
	assert_int_equal(v, 0xbfffffffull);
	assert_int_equal(phyr_dma_to_phys(d, 0xc0000000ull, &v), -ERANGE);
	/* RAM [0, 2 GiB) is not covered: addressing limited */
	assert_false(phyr_dma_direct_all_ram_mapped(d));
	assert_true(phyr_dma_direct_addressing_limited(d));
	/* a second offset on a device that has a map is refused */
	assert_int_equal(phyr_dma_direct_set_offset(d, 0, 0x1000, 0x1000), -EINVAL);
	phyr_device_destroy(d);

	/* dma_direct_set_offset: one region, zero offset = no map */
	phyr_device_config_init(&c);
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_dma_direct_set_offset(d, 0x1000, 0x1000, 0x1000), 0);
	assert_int_equal(phyr_dma_phys_to_dma(d, 0x5000, &v), 0);
	assert_int_equal(v, 0x5000);
	assert_int_equal(phyr_dma_direct_set_offset(d, 0x100000000ull, 0x10000000ull, 0x100000000ull), 0);
	assert_int_equal(phyr_dma_phys_to_dma(d, 0x100000000ull, &v), 0);
	assert_int_equal(v, 0x10000000ull);
	assert_int_equal(phyr_dma_phys_to_dma(d, 0x5000, &v), -ERANGE);
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_capable_rules(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), false);

	(void)state;
	assert_true(phyr_dma_capable(d, 0xfffff000ull, 0x1000, true));
	assert_false(phyr_dma_capable(d, 0xfffff000ull, 0x1001, true));
	assert_false(phyr_dma_capable(d, PHYR_DMA_MAPPING_ERROR, 1, true));
	/* the end wraps in 64-bit arithmetic: Linux lets it pass */
	assert_true(phyr_dma_capable(d, 0xfffffffffffff000ull, 0x2000, true));
	/* bus_dma_limit below the mask wins */
	assert_int_equal(phyr_device_set_bus_dma_limit(d, 0x3fffffffull), 0);
	assert_false(phyr_dma_capable(d, 0x3ffff000ull, 0x1001, true));
	assert_true(phyr_dma_capable(d, 0x3ffff000ull, 0x1000, true));
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_set_mask_supported(void **state)
{
	struct phyr_machine_config cfg = { .zone_dma_bits = 24 };
	struct fx *f = fx_new(NULL), *fz = fx_new(&cfg);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), false);
	struct phyr_device *dz = fx_dev(fz, PHYR_DMA_BIT_MASK(64), false);

	(void)state;
	assert_int_equal(phyr_dma_direct_get_required_mask(d), 0x1ffffffffull);
	assert_int_equal(phyr_dma_set_mask(d, PHYR_DMA_BIT_MASK(32)), 0);
	assert_true(phyr_dma_direct_addressing_limited(d));
	assert_int_equal(phyr_dma_set_mask(d, PHYR_DMA_BIT_MASK(33)), 0);
	assert_false(phyr_dma_direct_addressing_limited(d));
	/* below 32 bits the mask must cover all RAM: fails without ZONE_DMA */
	assert_int_equal(phyr_dma_set_mask(d, PHYR_DMA_BIT_MASK(24)), -EIO);
	assert_int_equal(phyr_dma_get_mask(d), PHYR_DMA_BIT_MASK(33));
	/* with a 24-bit ZONE_DMA it is enough to cover the zone */
	assert_int_equal(phyr_dma_set_mask_and_coherent(dz, PHYR_DMA_BIT_MASK(24)), 0);
	assert_int_equal(phyr_dma_get_coherent_mask(dz), PHYR_DMA_BIT_MASK(24));
	assert_int_equal(phyr_dma_set_mask_and_coherent(dz, PHYR_DMA_BIT_MASK(23)), -EIO);
	assert_int_equal(phyr_dma_get_mask(dz), PHYR_DMA_BIT_MASK(24));
	/* behind an IOMMU any mask goes */
	assert_int_equal(phyr_device_attach_iommu(d, (void *)1, NULL), -EINVAL);
	phyr_device_destroy(d);
	phyr_device_destroy(dz);
	fx_free(f);
	fx_free(fz);
}

static void test_dma_direct_map_not_capable_no_bounce(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), false);
	struct phyr_device_stats st;
	uint64_t dma = 0x42;

	(void)state;
	/* through the dispatch: only it counts mapping calls in the device */
	assert_int_equal(phyr_dma_map_phys(d, 0xfffff000ull, 0x1000, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0xfffff000ull);
	dma = 0x42;
	assert_int_equal(phyr_dma_map_phys(d, 0x100000000ull, 0x1000, PHYR_DMA_TO_DEVICE, 0, &dma),
			 -ENOMEM);
	assert_int_equal(dma, 0x42);
	/* crossing 4 GiB by one byte */
	assert_int_equal(phyr_dma_map_phys(d, 0xfffff000ull, 0x1001, PHYR_DMA_TO_DEVICE, 0, &dma),
			 -ENOMEM);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nmaps, 1);
	assert_int_equal(st.nmap_errors, 2);
	assert_int_equal(st.nbytes_mapped, 0x1000);
	assert_int_equal(phyr_dma_direct_max_mapping_size(d), SIZE_MAX);
	assert_int_equal(phyr_dma_direct_opt_mapping_size(d), SIZE_MAX);
	assert_int_equal(phyr_dma_direct_get_merge_boundary(d), 0);
	/* bad arguments */
	assert_int_equal(phyr_dma_direct_map_phys(d, 0, 0, PHYR_DMA_TO_DEVICE, 0, &dma), -EINVAL);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0, 1, PHYR_DMA_NONE, 0, &dma), -EINVAL);
	phyr_device_destroy(d);
	fx_free(f);
}

/* The CPU writes, the device reads what the CPU wrote; the device writes, the CPU sees it. */
static void test_dma_direct_data_path_identity(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), false);
	uint8_t in[9000], out[9000];
	struct phyr_device_stats st;
	uint64_t dma;
	size_t diff;

	(void)state;
	fill(in, sizeof(in), 1);
	assert_int_equal(phyr_physmem_write(f->pm, 0x100000ff0ull, in, sizeof(in)), 0);
	/* through the dispatch: only it counts mapping calls in the device */
	assert_int_equal(phyr_dma_map_phys(d, 0x100000ff0ull, sizeof(in), PHYR_DMA_BIDIRECTIONAL, 0, &dma), 0);
	assert_int_equal(dma, 0x100000ff0ull);
	assert_int_equal(phyr_device_dma_read(d, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	fill(in, sizeof(in), 99);
	assert_int_equal(phyr_device_dma_write(d, dma + 100, in, 5000), 0);
	assert_int_equal(phyr_dma_unmap_phys(d, dma, sizeof(in), PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, 0x100000ff0ull + 100, in, 5000, &diff), 0);
	assert_int_equal(diff, 5000);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.ndma_reads, 1);
	assert_int_equal(st.ndma_writes, 1);
	assert_int_equal(st.nbytes_dma_read, 9000);
	assert_int_equal(st.nbytes_dma_written, 5000);
	assert_int_equal(st.nunmaps, 1);
	assert_int_equal(st.nfaults, 0);
	phyr_device_destroy(d);
	fx_free(f);
}

/* Bus offset: the device uses dma = phys - 0x8000_0000 and lands in the right RAM. */
static void test_dma_direct_data_path_bus_offset(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), false);
	struct phyr_device_stats st;
	uint8_t in[300], out[300];
	uint64_t dma;

	(void)state;
	assert_int_equal(phyr_dma_direct_set_offset(d, 0x100000000ull, 0x80000000ull, 0x80000000ull), 0);
	fill(in, sizeof(in), 7);
	assert_int_equal(phyr_physmem_write(f->pm, 0x100002000ull, in, sizeof(in)), 0);
	/* 4 GiB RAM is reachable by a 32-bit device through the offset */
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x100002000ull, sizeof(in), PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0x80002000ull);
	assert_int_equal(phyr_device_dma_read(d, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* RAM below 2 GiB is outside the map: not mappable, and the device cannot reach it */
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x1000, 16, PHYR_DMA_TO_DEVICE, 0, &dma), -ENOMEM);
	assert_int_equal(phyr_device_dma_read(d, 0x1000, out, 16), -EFAULT);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nfaults, 1);
	assert_int_equal(st.last_fault_addr, 0x1000);
	assert_int_equal(st.last_fault_errno, -EFAULT);
	phyr_device_destroy(d);
	fx_free(f);
}

/* Bounce path: copy-on-map, stale data before sync/unmap, copy-back after. */
static void test_dma_direct_bounce_when_not_capable(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), true);
	uint8_t in[5000], out[5000], zero[5000] = { 0 };
	struct phyr_device_stats st;
	uint64_t dma, phys = 0x100003000ull;
	size_t diff;

	(void)state;
	assert_int_equal(phyr_dma_direct_max_mapping_size(d), 256 * 1024); /* addressing limited */
	fill(in, sizeof(in), 3);
	assert_int_equal(phyr_physmem_write(f->pm, phys, in, sizeof(in)), 0);
	/* TO_DEVICE: the bounce slot holds the data at map time */
	assert_int_equal(phyr_dma_direct_map_phys(d, phys, sizeof(in), PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, POOL);
	assert_true(phyr_dma_direct_need_sync(d, dma));
	assert_int_equal(phyr_device_dma_read(d, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, sizeof(in), PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(f->tlb.live, 0);

	/* FROM_DEVICE: device data is only visible to the CPU after unmap */
	assert_int_equal(phyr_physmem_write(f->pm, phys, zero, sizeof(zero)), 0);
	assert_int_equal(phyr_dma_direct_map_phys(d, phys, sizeof(in), PHYR_DMA_FROM_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, POOL); /* the fake pool restarts when empty */
	assert_int_equal(phyr_device_dma_write(d, dma, in, sizeof(in)), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, phys, zero, sizeof(zero), &diff), 0);
	assert_int_equal(diff, sizeof(zero)); /* stale: no sync yet */
	assert_int_equal(phyr_dma_direct_sync_for_cpu(d, dma, sizeof(in), PHYR_DMA_FROM_DEVICE), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, phys, in, sizeof(in), &diff), 0);
	assert_int_equal(diff, sizeof(in));
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, sizeof(in), PHYR_DMA_FROM_DEVICE, 0), 0);

	/* SKIP_CPU_SYNC on unmap of a bounced FROM_DEVICE buffer loses the data */
	assert_int_equal(phyr_physmem_write(f->pm, phys, zero, sizeof(zero)), 0);
	assert_int_equal(phyr_dma_direct_map_phys(d, phys, 100, PHYR_DMA_FROM_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_device_dma_write(d, dma, in, 100), 0);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, 100, PHYR_DMA_FROM_DEVICE,
						    PHYR_DMA_ATTR_SKIP_CPU_SYNC), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, phys, zero, 100, &diff), 0);
	assert_int_equal(diff, 100);
	assert_int_equal(f->tlb.live, 0);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nbounced, 3);
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_forced_bounce_and_p2p(void **state)
{
	struct phyr_machine_config cfg = { .swiotlb_force = true };
	struct fx *f = fx_new(&cfg);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), true);
	uint64_t dma;

	(void)state;
	assert_true(phyr_dma_is_force_bounce(d));
	assert_int_equal(phyr_dma_direct_max_mapping_size(d), 256 * 1024);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x2000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, POOL);
	/* P2P and MMIO memory cannot be bounced */
	assert_int_equal(phyr_dma_direct_map_phys(d, BAR_CPU, 64, PHYR_DMA_TO_DEVICE, 0, &dma), -ENOMEM);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x3000, 64, PHYR_DMA_TO_DEVICE, PHYR_DMA_ATTR_MMIO, &dma),
			 -ENOMEM);
	assert_int_equal(f->tlb.live, 1);
	phyr_device_destroy(d);
	/* forced without any pool: error */
	d = fx_dev(f, PHYR_DMA_BIT_MASK(64), false);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x2000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), -ENOMEM);
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_mmio_attr(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), true);
	uint64_t dma;

	(void)state;
	assert_int_equal(phyr_dma_direct_map_phys(d, BAR2 + 0x40, 64, PHYR_DMA_TO_DEVICE,
						  PHYR_DMA_ATTR_MMIO, &dma), 0);
	assert_int_equal(dma, BAR2 + 0x40);
	/* MMIO above the mask is an error, never a bounce */
	assert_int_equal(phyr_dma_direct_map_phys(d, BAR_CPU, 64, PHYR_DMA_TO_DEVICE, PHYR_DMA_ATTR_MMIO, &dma),
			 -ENOMEM);
	/* a P2P page that is not capable cannot bounce either */
	assert_int_equal(phyr_dma_direct_map_phys(d, BAR_CPU, 64, PHYR_DMA_TO_DEVICE, 0, &dma), -ENOMEM);
	assert_int_equal(f->tlb.nmaps, 0);
	phyr_device_destroy(d);
	fx_free(f);
}

/* SME host: ordinary memory carries the C-bit; a device that cannot address it bounces. */
static void test_dma_direct_sme_host_marker(void **state)
{
	struct phyr_machine_config cfg = { .mem_encrypt_mask = 1ull << 47 };
	struct fx *f = fx_new(&cfg);
	struct phyr_device *d64 = fx_dev(f, PHYR_DMA_BIT_MASK(64), true);
	struct phyr_device *d32 = fx_dev(f, PHYR_DMA_BIT_MASK(32), true);
	uint8_t in[64], out[64];
	uint64_t dma, phys;

	(void)state;
	fill(in, sizeof(in), 5);
	assert_int_equal(phyr_physmem_write(f->pm, 0x4000, in, sizeof(in)), 0);
	assert_int_equal(phyr_dma_phys_to_dma(d64, 0x4000, &dma), 0);
	assert_int_equal(dma, 0x800000004000ull);
	assert_int_equal(phyr_dma_phys_to_dma_unencrypted(d64, 0x4000, &dma), 0);
	assert_int_equal(dma, 0x4000);
	assert_int_equal(phyr_dma_to_phys(d64, 0x800000004000ull, &phys), 0);
	assert_int_equal(phys, 0x4000);
	/* required mask includes the C-bit: a 64-bit device is fine */
	assert_int_equal(phyr_dma_direct_get_required_mask(d64), PHYR_DMA_BIT_MASK(48));
	assert_false(phyr_dma_force_unencrypted(d64));
	assert_true(phyr_dma_force_unencrypted(d32));
	assert_int_equal(phyr_dma_direct_map_phys(d64, 0x4000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0x800000004000ull);
	assert_int_equal(phyr_device_dma_read(d64, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* without the marker the device would read ciphertext: refused */
	assert_int_equal(phyr_device_dma_read(d64, 0x4000, out, sizeof(out)), -EACCES);
	/* 32-bit device: the C-bit is out of reach -> bounce into the decrypted pool */
	assert_int_equal(phyr_dma_direct_map_phys(d32, 0x4000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, POOL);
	assert_int_equal(phyr_device_dma_read(d32, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	phyr_device_destroy(d64);
	phyr_device_destroy(d32);
	fx_free(f);
}

/* Confidential guest: every mapping bounces; private memory is out of the device's reach. */
static void test_dma_direct_confidential_guest(void **state)
{
	struct phyr_machine_config cfg = { .mem_encrypt_mask = 1ull << 51, .cc_guest = true };
	struct fx *f = fx_new(&cfg);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), true);
	uint8_t in[128], out[128];
	struct phyr_device_stats st;
	struct phyr_mem_region r;
	uint64_t dma;
	size_t diff;

	(void)state;
	assert_int_equal(phyr_machine_lookup(f->m, 0x8000, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_RAM);
	assert_false(r.decrypted);
	assert_int_equal(phyr_machine_lookup(f->m, POOL + 0x10, &r), 0);
	assert_true(r.decrypted);
	fill(in, sizeof(in), 9);
	assert_int_equal(phyr_physmem_write(f->pm, 0x8000, in, sizeof(in)), 0);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x8000, 128, PHYR_DMA_BIDIRECTIONAL, 0, &dma), 0);
	assert_int_equal(dma, POOL); /* unencrypted address of the bounce slot */
	assert_int_equal(phyr_device_dma_read(d, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(phyr_device_dma_read(d, 0x8000, out, 16), -EACCES);
	assert_int_equal(phyr_device_dma_read(d, 0x8000 | (1ull << 51), out, 16), -EACCES);
	fill(in, sizeof(in), 44);
	assert_int_equal(phyr_device_dma_write(d, dma, in, sizeof(in)), 0);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, 128, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, 0x8000, in, sizeof(in), &diff), 0);
	assert_int_equal(diff, sizeof(in));
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nfaults, 2);
	assert_int_equal(st.last_fault_errno, -EACCES);
	phyr_device_destroy(d);
	fx_free(f);
}

/* Spec 7.4 / B21: RAM, BUS_ADDR and THRU_HOST_BRIDGE entries in one list. */
static void test_dma_direct_map_sg_mixed_p2p(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), false);
	struct sg_ent e[4] = {
		{ .phys = 0x10000200ull, .len = 0x1e00 },
		{ .phys = BAR_CPU + 0x1000, .len = 0x3000 },
		{ .phys = BAR2 + 0x800, .len = 0x800 },
		{ .phys = BAR_CPU + 0x8000, .len = 0x100 },
	};
	uint8_t in[0x3000], out[0x3000], b2[0x800];
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(e, 4);
	struct phyr_device_stats st;
	size_t diff;
	int n = 0;

	(void)state;
	assert_non_null(sgl);
	fill(in, sizeof(in), 17);
	fill(b2, sizeof(b2), 71);
	assert_int_equal(phyr_physmem_write(f->pm, BAR2 + 0x800, b2, sizeof(b2)), 0);
	assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, 4, PHYR_DMA_BIDIRECTIONAL, 0, &n), 0);
	sg_read(sgl, e, 4);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].dma_addr, 0x10000200ull);
	assert_int_equal(e[0].dma_len, 0x1e00);
	assert_int_equal(e[0].flags, 0);
	/* bus address = phys + (bus(BAR) - cpu(BAR)), no IOVA or translation */
	assert_int_equal(e[1].dma_addr, BAR_BUS + 0x1000);
	assert_int_equal(e[1].dma_len, 0x3000);
	assert_int_equal(e[1].flags, PHYR_SG_DMA_BUS_ADDRESS);
	/* through the host bridge: the CPU physical address */
	assert_int_equal(e[2].dma_addr, BAR2 + 0x800);
	assert_int_equal(e[2].flags, 0);
	assert_int_equal(e[3].dma_addr, BAR_BUS + 0x8000);
	/* data: the device writes into the peer BAR by bus address ... */
	assert_int_equal(phyr_device_dma_write(d, e[1].dma_addr, in, sizeof(in)), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, BAR_CPU + 0x1000, in, sizeof(in), &diff), 0);
	assert_int_equal(diff, sizeof(in));
	/* ... and reads the other provider's BAR through the host bridge */
	assert_int_equal(phyr_device_dma_read(d, e[2].dma_addr, out, 0x800), 0);
	assert_memory_equal(out, b2, sizeof(b2));
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nbus_addr, 2);
	assert_int_equal(st.nthru_host_bridge, 1);
	assert_int_equal(st.np2p_accesses, 3); /* 0x3000 bytes at bus +0x1000: 3 pages */
	assert_int_equal(phyr_dma_direct_unmap_sg(d, L, sgl, 4, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	sg_read(sgl, e, 4);
	assert_int_equal(e[1].flags, 0);
	free(sgl);
	phyr_device_destroy(d);
	fx_free(f);
}

/* B23: the v6.16-v6.17 regression, on request. */
static void test_dma_direct_map_sg_v616_quirk(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device_config c;
	struct phyr_device *d;
	struct sg_ent e[2] = {
		{ .phys = BAR_CPU, .len = 0x1000, .dma_addr = 0xdead, .dma_len = 7 },
		{ .phys = BAR2, .len = 0x1000, .dma_addr = 0xbeef, .dma_len = 7 },
	};
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(e, 2);
	int n;

	(void)state;
	assert_non_null(sgl);
	phyr_device_config_init_pci(&c, f->client);
	c.dma_mask = PHYR_DMA_BIT_MASK(64);
	c.quirks = PHYR_DMA_QUIRK_V616_P2P;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, 2, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	sg_read(sgl, e, 2);
	assert_int_equal(e[0].dma_addr, BAR_BUS);
	assert_int_equal(e[0].dma_len, 7);        /* BUS_ADDR: length never set */
	assert_int_equal(e[1].dma_addr, 0xbeef);  /* THRU_HOST_BRIDGE: address never set */
	assert_int_equal(e[1].dma_len, 0x1000);
	free(sgl);
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_map_sg_errors_unwind(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), true);
	struct sg_ent e[3] = {
		{ .phys = 0x100000000ull, .len = 0x1000 },
		{ .phys = 0x2000, .len = 0x1000 },
		{ .phys = BAR_CPU, .len = 0x1000 },
	};
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(e, 3);
	struct phyr_device_stats st;
	struct sg_ent e2[2];
	int n = -1;

	(void)state;
	assert_non_null(sgl);
	/* ACS redirect on the client's port: the BAR is reached through the host bridge */
	assert_int_equal(phyr_pci_dev_set_acs(f->dp1, PHYR_PCI_ACS_RR), 0);
	assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, 3, PHYR_DMA_BIDIRECTIONAL, 0, &n), 0);
	sg_read(sgl, e, 3);
	assert_int_equal(e[0].dma_addr, 0x100000000ull);
	assert_int_equal(e[2].dma_addr, BAR_CPU); /* THRU_HOST_BRIDGE, allow-listed 0x2030 */
	assert_int_equal(phyr_dma_direct_unmap_sg(d, L, sgl, 3, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(f->tlb.live, 0);
	free(sgl);
	phyr_device_destroy(d);
	fx_free(f);

	/* a 32-bit device: entry 0 bounces, then the BAR (above 4 GiB, through
	 * the host bridge) is not capable and P2P memory cannot bounce: -EIO */
	f = fx_new(NULL);
	d = fx_dev(f, PHYR_DMA_BIT_MASK(32), true);
	assert_int_equal(phyr_pci_dev_set_acs(f->dp1, PHYR_PCI_ACS_RR), 0);
	memset(e, 0, sizeof(e));
	e[0] = (struct sg_ent){ .phys = 0x100000000ull, .len = 0x1000 };
	e[1] = (struct sg_ent){ .phys = 0x2000, .len = 0x1000 };
	e[2] = (struct sg_ent){ .phys = BAR_CPU, .len = 0x1000 };
	sgl = sg_build(e, 3);
	assert_non_null(sgl);
	/* through the dispatch: only it counts mapping calls in the device */
	assert_int_equal(phyr_dma_map_sg(d, L, sgl, 3, PHYR_DMA_BIDIRECTIONAL, 0, &n), -EIO);
	free(sgl);
	assert_int_equal(f->tlb.live, 0);          /* the bounced entry was released */
	assert_int_equal(f->tlb.ncopies, 1);       /* map copy only: unwinding skips the CPU sync */
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nmap_errors, 1);
	assert_int_equal(st.nmaps, 0);
	phyr_device_destroy(d);

	/* a platform (non-PCI) device meeting a P2P page: -EREMOTEIO */
	{
		struct phyr_device_config c;

		phyr_device_config_init(&c);
		c.dma_mask = PHYR_DMA_BIT_MASK(64);
		assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	}
	e2[0] = (struct sg_ent){ .phys = 0x3000, .len = 0x10 };
	e2[1] = (struct sg_ent){ .phys = BAR2, .len = 0x10 };
	sgl = sg_build(e2, 2);
	assert_non_null(sgl);
	assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, 2, PHYR_DMA_TO_DEVICE, 0, &n), -EREMOTEIO);
	free(sgl);
	e2[1].len = 0;
	sgl = sg_build(e2, 2);
	assert_non_null(sgl);
	assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, 2, PHYR_DMA_TO_DEVICE, 0, &n), -EINVAL);
	assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, 0, PHYR_DMA_TO_DEVICE, 0, &n), -EINVAL);
	free(sgl);
	phyr_device_destroy(d);
	fx_free(f);
}

/* B21: a not-supported pair rejects the whole list with -EREMOTEIO. */
static void test_dma_direct_map_sg_not_supported(void **state)
{
	struct fx *f;
	struct phyr_device *d;
	struct sg_ent e[2] = {
		{ .phys = 0x5000, .len = 0x1000 },
		{ .phys = BAR2, .len = 0x1000 },
	};
	struct phyr_machine *m;
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *hb, *rp, *ep;
	struct phyr_scatterlist *sgl;
	int n;

	(void)state;
	/* a host whose 00.0 is not on the allow-list, on a non-Zen CPU */
	assert_int_equal(phyr_machine_create(NULL, NULL, &m), 0);
	assert_int_equal(phyr_machine_add_ram(m, 0, 0x10000000), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 0, 0, &h), 0);
	{
		struct phyr_pci_dev_config c = { .host = h, .type = PHYR_PCI_HOST_DEVICE,
						 .vendor = PHYR_PCI_VENDOR_INTEL, .device = 0x1234 };

		assert_int_equal(phyr_pci_dev_add(m, &c, &hb), 0);
		c.devfn = PHYR_PCI_DEVFN(1, 0);
		c.type = PHYR_PCI_ROOT_PORT;
		assert_int_equal(phyr_pci_dev_add(m, &c, &rp), 0);
		c.devfn = PHYR_PCI_DEVFN(2, 0);
		c.type = PHYR_PCI_ENDPOINT;
		assert_int_equal(phyr_pci_dev_add(m, &c, &ep), 0);
		c = (struct phyr_pci_dev_config){ .parent = rp, .type = PHYR_PCI_ENDPOINT };
		assert_int_equal(phyr_pci_dev_add(m, &c, &hb), 0); /* provider below the root port */
	}
	assert_int_equal(phyr_pci_dev_set_bar(hb, 0, BAR2, 0x10000, BAR2), 0);
	assert_int_equal(phyr_p2pdma_add_resource(hb, 0, 0, 0, NULL), 0);
	{
		struct phyr_device_config c;

		phyr_device_config_init_pci(&c, ep);
		assert_int_equal(phyr_device_create(m, &c, NULL, &d), 0);
	}
	e[0].dma_addr = 0x77;
	sgl = sg_build(e, 2);
	assert_non_null(sgl);
	assert_int_equal(phyr_dma_direct_map_sg(d, sg_layout(), sgl, 2, PHYR_DMA_TO_DEVICE, 0, &n),
			 -EREMOTEIO);
	free(sgl);
	phyr_device_destroy(d);
	phyr_machine_destroy(m);
	(void)f;
}

static void test_dma_direct_noncoherent_cache_ops(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device_config c;
	struct phyr_device_stats st;
	struct phyr_device *d;
	uint64_t dma;

	(void)state;
	phyr_device_config_init_pci(&c, f->client);
	c.coherent = false;
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &d), 0);
	assert_true(phyr_dma_direct_need_sync(d, 0x1000));
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x1000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_direct_sync_for_device(d, dma, 64, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_direct_sync_for_cpu(d, dma, 64, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, 64, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x1000, 64, PHYR_DMA_TO_DEVICE,
						  PHYR_DMA_ATTR_SKIP_CPU_SYNC, &dma), 0);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, 64, PHYR_DMA_TO_DEVICE,
						    PHYR_DMA_ATTR_SKIP_CPU_SYNC), 0);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.ncache_clean, 2);      /* map + sync_for_device */
	assert_int_equal(st.ncache_invalidate, 2); /* sync_for_cpu + unmap */
	phyr_device_destroy(d);
	fx_free(f);
}

/* IOMMU slot: the data path translates through the attached domain. */
static int fake_translate(void *domain, struct phyr_device *dev, uint64_t iova, bool is_write,
			  uint64_t *phys)
{
	(void)domain, (void)dev;
	if (iova < 0xfff00000ull || (is_write && iova >= 0xfff80000ull))
		return -EFAULT;
	*phys = iova - 0xfff00000ull + 0x20000000ull;
	return 0;
}

static void test_dma_direct_iommu_slot_data_path(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(64), false);
	struct phyr_device_stats st;
	uint8_t in[6000], out[6000];
	uint64_t dma;
	int dom;

	(void)state;
	fill(in, sizeof(in), 23);
	assert_int_equal(phyr_device_attach_iommu(d, &dom, fake_translate), 0);
	assert_ptr_equal(phyr_device_iommu(d), &dom);
	assert_int_equal(phyr_physmem_write(f->pm, 0x20000800ull, in, sizeof(in)), 0);
	assert_int_equal(phyr_device_dma_read(d, 0xfff00800ull, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(out));
	/* the write permission stops at 0xfff8_0000: fault, nothing written */
	assert_int_equal(phyr_device_dma_write(d, 0xfff7f000ull, in, 0x2000), -EFAULT);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nfaults, 1);
	assert_int_equal(st.last_fault_addr, 0xfff80000ull);
	assert_false(phyr_physmem_is_backed(f->pm, 0x2007f000ull));
	/* dma-direct calls refuse while an IOMMU owns the device */
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x1000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), -EINVAL);
	/* any mask is supported behind the IOMMU */
	assert_int_equal(phyr_dma_set_mask(d, PHYR_DMA_BIT_MASK(20)), 0);
	assert_int_equal(phyr_device_attach_iommu(d, NULL, NULL), 0);
	assert_int_equal(phyr_dma_set_mask(d, PHYR_DMA_BIT_MASK(64)), 0);
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_data_path_reach_and_holes(void **state)
{
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), false);
	uint8_t b[16] = { 1 };

	(void)state;
	/* beyond the device's 32-bit reach */
	assert_int_equal(phyr_device_dma_read(d, 0x100000000ull, b, 16), -EFAULT);
	assert_int_equal(phyr_device_dma_read(d, 0xfffffff8ull, b, 16), -EFAULT);
	/* a hole in the memory map (2..4 GiB, outside the BARs) */
	assert_int_equal(phyr_device_dma_write(d, 0x90000000ull - 0x100000ull, b, 16), -EFAULT);
	/* a page that wraps the address space */
	assert_int_equal(phyr_device_dma_read(d, UINT64_MAX, b, 2), -EINVAL);
	assert_int_equal(phyr_device_dma_read(d, 0x1000, NULL, 2), -EINVAL);
	assert_int_equal(phyr_device_dma_read(d, 0x1000, b, 0), 0);
	phyr_device_destroy(d);
	fx_free(f);
}

static void test_dma_direct_failnth_create_and_transfer(void **state)
{
	const struct phyr_bus_dma_region map[] = { { 0, 0x1000, 0x80000000ull } };
	struct phyr_device_config c;
	struct phyr_allocator a;
	struct phyr_failnth fn;
	struct phyr_device *d;
	struct fx *f = fx_new(NULL);
	uint8_t b[8192] = { 3 };
	uint64_t n;
	int ret;

	(void)state;
	phyr_device_config_init(&c);
	c.dma_range_map = map;
	c.ndma_ranges = 1;
	for (n = 1;; n++) {
		fn = (struct phyr_failnth){ .fail_at = n };
		phyr_failnth_allocator(&fn, &a);
		ret = phyr_device_create(f->m, &c, &a, &d);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(fn.nlive, 0);
	}
	assert_int_equal(n, 3);
	/* the transfer's page array is the device's allocation: failing it moves nothing */
	fn.fail_at = fn.nallocs + 1;
	assert_int_equal(phyr_device_dma_write(d, 0x2000, b, sizeof(b)), -ENOMEM);
	assert_false(phyr_physmem_is_backed(f->pm, 0x1000));
	assert_int_equal(phyr_device_dma_write(d, 0x2000, b, sizeof(b)), 0);
	assert_true(phyr_physmem_is_backed(f->pm, 0x1000));
	phyr_device_destroy(d);
	assert_int_equal(fn.nlive, 0);
	fx_free(f);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/*
 * Seeded end-to-end test over non-uniform lists: RAM below 4 GiB (direct),
 * RAM above 4 GiB (bounced for this 32-bit device), a peer BAR by bus
 * address and a BAR through the host bridge, in one map_sg call. The CPU's
 * bytes reach the device (TO_DEVICE) and the device's bytes reach the CPU
 * after unmap (FROM_DEVICE).
 */
static void test_dma_direct_random_mixed_lists_move_bytes(void **state)
{
	static const uint64_t bases[4] = { 0x10000000ull, 0x180000000ull, BAR_CPU, BAR2 };
	const uint64_t seed = 0xd1ec7ull;
	struct sg_ent e[16];
	static uint8_t data[16][4096], got[4096];
	struct fx *f = fx_new(NULL);
	struct phyr_device *d = fx_dev(f, PHYR_DMA_BIT_MASK(32), true);
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl;
	uint64_t s = seed;
	int it, i, n, nents, kind[16];
	size_t diff;

	(void)state;
	for (it = 0; it < 300; it++) {
		enum phyr_dma_data_direction dir = (it & 1) ? PHYR_DMA_FROM_DEVICE : PHYR_DMA_TO_DEVICE;

		nents = 1 + (int)(rnd(&s) % 16);
		memset(e, 0, sizeof(e));
		for (i = 0; i < nents; i++) {
			uint32_t off = (uint32_t)(rnd(&s) % 4096);

			kind[i] = (int)(rnd(&s) % 4);
			e[i].phys = bases[kind[i]] + (uint64_t)i * 4096 + off;
			e[i].len = 1 + (uint32_t)(rnd(&s) % (4096 - off));
			for (uint32_t k = 0; k < e[i].len; k++)
				data[i][k] = (uint8_t)rnd(&s);
			if (dir == PHYR_DMA_TO_DEVICE)
				assert_int_equal(phyr_physmem_write(f->pm, e[i].phys, data[i], e[i].len), 0);
		}
		sgl = sg_build(e, nents);
		assert_non_null(sgl);
		assert_int_equal(phyr_dma_direct_map_sg(d, L, sgl, nents, dir, 0, &n), 0);
		sg_read(sgl, e, nents);
		assert_int_equal(n, nents);
		for (i = 0; i < nents; i++) {
			switch (kind[i]) {
			case 0: /* direct */
			case 3: /* through the host bridge: CPU physical address */
				assert_int_equal(e[i].dma_addr, e[i].phys);
				break;
			case 1: /* bounced into the pool */
				assert_true(e[i].dma_addr >= POOL && e[i].dma_addr < POOL + POOL_SIZE);
				break;
			default: /* peer BAR by bus address */
				assert_int_equal(e[i].dma_addr, e[i].phys - BAR_CPU + BAR_BUS);
				assert_int_equal(e[i].flags, PHYR_SG_DMA_BUS_ADDRESS);
			}
			assert_int_equal(e[i].dma_len, e[i].len);
			if (dir == PHYR_DMA_TO_DEVICE) {
				assert_int_equal(phyr_device_dma_read(d, e[i].dma_addr, got, e[i].dma_len), 0);
				if (memcmp(got, data[i], e[i].len)) {
					print_error("seed 0x%llx iteration %d entry %d: device read differs\n",
						    (unsigned long long)seed, it, i);
					fail();
				}
			} else {
				assert_int_equal(phyr_device_dma_write(d, e[i].dma_addr, data[i], e[i].dma_len), 0);
			}
		}
		assert_int_equal(phyr_dma_direct_unmap_sg(d, L, sgl, nents, dir, 0), 0);
		free(sgl);
		assert_int_equal(f->tlb.live, 0);
		for (i = 0; i < nents && dir == PHYR_DMA_FROM_DEVICE; i++) {
			assert_int_equal(phyr_physmem_compare(f->pm, e[i].phys, data[i], e[i].len, &diff), 0);
			if (diff != e[i].len) {
				print_error("seed 0x%llx iteration %d entry %d: CPU sees a difference at %zu\n",
					    (unsigned long long)seed, it, i, diff);
				fail();
			}
		}
	}
	phyr_device_destroy(d);
	fx_free(f);
}

struct thr_arg {
	struct fx *f;
	struct phyr_device *d;
	int id;
	int errors;
};

static void *thr_main(void *p)
{
	struct thr_arg *t = p;
	uint8_t in[512], out[512];
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl;
	struct sg_ent e[2];
	int it, n;

	for (it = 0; it < 200; it++) {
		uint64_t ram = 0x20000000ull + ((uint64_t)t->id << 20) + ((uint64_t)(it % 64) << 12);
		uint64_t bar = BAR_CPU + ((uint64_t)t->id << 16) + ((uint64_t)(it % 16) << 12);

		memset(in, t->id * 16 + it, sizeof(in));
		memset(e, 0, sizeof(e));
		e[0] = (struct sg_ent){ .phys = ram, .len = sizeof(in) };
		e[1] = (struct sg_ent){ .phys = bar, .len = sizeof(in) };
		sgl = sg_build(e, 2);
		if (!sgl) {
			t->errors++;
			continue;
		}
		if (phyr_dma_direct_map_sg(t->d, L, sgl, 2, PHYR_DMA_FROM_DEVICE, 0, &n)) {
			t->errors++;
			free(sgl);
			continue;
		}
		sg_read(sgl, e, 2);
		if (phyr_device_dma_write(t->d, e[0].dma_addr, in, sizeof(in)) ||
		    phyr_device_dma_write(t->d, e[1].dma_addr, in, sizeof(in)) ||
		    phyr_dma_direct_unmap_sg(t->d, L, sgl, 2, PHYR_DMA_FROM_DEVICE, 0) ||
		    phyr_physmem_read(t->f->pm, ram, out, sizeof(out)) || memcmp(in, out, sizeof(in)) ||
		    phyr_physmem_read(t->f->pm, bar, out, sizeof(out)) || memcmp(in, out, sizeof(in)))
			t->errors++;
		free(sgl);
	}
	return NULL;
}

/* Devices on several threads share the machine: memory and the P2P cache are locked. */
static void test_dma_direct_threads_share_machine(void **state)
{
	struct fx *f = fx_new(NULL);
	struct thr_arg a[4];
	pthread_t th[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		a[i] = (struct thr_arg){ .f = f, .d = fx_dev(f, PHYR_DMA_BIT_MASK(64), false), .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &a[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].errors, 0);
		phyr_device_destroy(a[i].d);
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_direct_pci_and_platform_defaults),
		cmocka_unit_test(test_dma_direct_range_map_translation),
		cmocka_unit_test(test_dma_direct_capable_rules),
		cmocka_unit_test(test_dma_direct_set_mask_supported),
		cmocka_unit_test(test_dma_direct_map_not_capable_no_bounce),
		cmocka_unit_test(test_dma_direct_data_path_identity),
		cmocka_unit_test(test_dma_direct_data_path_bus_offset),
		cmocka_unit_test(test_dma_direct_bounce_when_not_capable),
		cmocka_unit_test(test_dma_direct_forced_bounce_and_p2p),
		cmocka_unit_test(test_dma_direct_mmio_attr),
		cmocka_unit_test(test_dma_direct_sme_host_marker),
		cmocka_unit_test(test_dma_direct_confidential_guest),
		cmocka_unit_test(test_dma_direct_map_sg_mixed_p2p),
		cmocka_unit_test(test_dma_direct_map_sg_v616_quirk),
		cmocka_unit_test(test_dma_direct_map_sg_errors_unwind),
		cmocka_unit_test(test_dma_direct_map_sg_not_supported),
		cmocka_unit_test(test_dma_direct_noncoherent_cache_ops),
		cmocka_unit_test(test_dma_direct_iommu_slot_data_path),
		cmocka_unit_test(test_dma_direct_data_path_reach_and_holes),
		cmocka_unit_test(test_dma_direct_failnth_create_and_transfer),
		cmocka_unit_test(test_dma_direct_random_mixed_lists_move_bytes),
		cmocka_unit_test(test_dma_direct_threads_share_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
