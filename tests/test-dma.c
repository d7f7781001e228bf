// SPDX-License-Identifier: MIT
/*
 * Tests of the DMA mapping dispatch (include/phyr/dma-mapping.h): path choice
 * (attach, detach and re-attach with phyr_iommu_setup_dma_ops, devices
 * sharing a DMA domain, a device destroyed while attached), sizes and
 * boundaries, map_sg/unmap_sg on both paths with exact segments
 * (spec B9, B13, B21, B22), single mappings (B7), and every error path
 * (IOVA exhaustion, swiotlb full, P2P not supported) leaving no IOVA, slot
 * or PTE behind. Fixture: tests/test-dma-e2e-fx.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test-dma-e2e-fx.h"

static void seg_is(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, uint64_t addr,
		   uint32_t len, bool bus)
{
	assert_int_equal(phyr_sg_dma_address(L, s), addr);
	assert_int_equal(phyr_sg_dma_len(L, s), len);
	assert_int_equal(phyr_sg_dma_is_bus_address(L, s), bus);
}

static void test_dma_direct_dispatch_sizes(void **state)
{
	struct fx *f = fx_new(FX_DIRECT);
	uint64_t dma = 0;

	(void)state;
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_DIRECT);
	assert_null(phyr_iommu_dma_get_cookie(f->dev));
	assert_int_equal(phyr_dma_get_merge_boundary(f->dev), 0);
	assert_true(phyr_dma_max_mapping_size(f->dev) == SIZE_MAX);
	assert_true(phyr_dma_opt_mapping_size(f->dev) == SIZE_MAX);
	assert_int_equal(phyr_iommu_setup_dma_ops(NULL, NULL), -EINVAL);
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, NULL), -EINVAL);
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_DIRECT);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000234, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x10000234);
	assert_int_equal(phyr_dma_sync_for_cpu(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x1000, 0, PHYR_DMA_TO_DEVICE, 0, &dma),
			 -EINVAL);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x1000, 1, (enum phyr_dma_data_direction)4, 0,
					   &dma),
			 -EINVAL);
	assert_true(fx_clean(f));
	fx_free(f);
}

/* A bus offset: dma = phys + 4 GiB, on single and sg mappings alike. */
static void test_dma_direct_bus_offset(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_OFFSET);
	const uint64_t ph[] = { 0x10000200, FX_BAR_A + 0x1000 };
	const uint32_t ln[] = { 0x400, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	uint64_t dma = 0;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000234, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x110000234ull);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	assert_int_equal(n, 2);
	seg_is(L, s, 0x110000200ull, 0x400, false);
	/* the P2P page goes by bus address, not through the range map */
	seg_is(L, phyr_sg_next(L, s), FX_BUS_A + 0x1000, 0x1000, true);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}


/* Forced bounce (swiotlb=force): dma_max_mapping_size is the swiotlb maximum. */
static void test_dma_direct_bounce_max_mapping(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_BOUNCE);

	(void)state;
	/* 128 slots of 2 KiB minus the min_align rounding (mask 0): 256 KiB */
	assert_int_equal(phyr_dma_max_mapping_size(f->dev), 0x40000);
	assert_int_equal(phyr_dma_opt_mapping_size(f->dev), 0x40000);
	fx_free(f);
}

/* RAM, P2P by bus address, RAM: one segment per entry on dma-direct. */
static void test_dma_direct_map_sg_mixed(void **state)
{
	struct fx *f = fx_new(FX_DIRECT);
	const uint64_t ph[] = { 0x10000200, FX_BAR_A + 0x100, 0x20000000 };
	const uint32_t ln[] = { 0x1e00, 0x800, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 3);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 3, PHYR_DMA_BIDIRECTIONAL, 0, &n), 0);
	assert_int_equal(n, 3);
	seg_is(L, s, 0x10000200, 0x1e00, false);
	seg_is(L, phyr_sg_next(L, s), FX_BUS_A + 0x100, 0x800, true);
	seg_is(L, phyr_sg_next(L, phyr_sg_next(L, s)), 0x20000000, 0x1000, false);
	assert_int_equal(phyr_dma_sync_sg_for_cpu(f->dev, L, s, 3, PHYR_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(phyr_dma_sync_sg_for_device(f->dev, L, s, 3, PHYR_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 3, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_false(phyr_sg_dma_is_bus_address(L, phyr_sg_next(L, s)));
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* A NOT_SUPPORTED P2P page: -EREMOTEIO, the RAM entry before it unmapped. */
static void test_dma_direct_map_sg_p2p_not_supported(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_BOUNCE);
	const uint64_t ph[] = { 0x10000200, FX_BAR_C };
	const uint32_t ln[] = { 0x200, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_swiotlb_stats st;
	int n = -1;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, phyr_sg_table_sgl(t), 2, PHYR_DMA_TO_DEVICE, 0,
					 &n),
			 -EREMOTEIO);
	assert_int_equal(n, -1);
	/* the RAM entry was bounced, then released again */
	phyr_swiotlb_get_stats(f->tlb, &st);
	assert_int_equal(st.nmaps, 1);
	assert_int_equal(st.nunmaps, 1);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* swiotlb full on dma-direct: -EIO, the slots of the entries before released. */
static void test_dma_direct_map_sg_swiotlb_full(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_BOUNCE);
	uint64_t ph[5];
	uint32_t ln[5];
	struct phyr_sg_table *t;
	int n = 0;

	(void)state;
	/* 4 x 256 KiB fill the 1 MiB pool; the fifth cannot bounce */
	for (int i = 0; i < 5; i++) {
		ph[i] = 0x10000000 + (uint64_t)i * 0x100000;
		ln[i] = 0x40000;
	}
	t = fx_sgt(ph, ln, 5);
	assert_int_equal(phyr_dma_map_sg(f->dev, phyr_sg_table_layout(t), phyr_sg_table_sgl(t), 5,
					 PHYR_DMA_TO_DEVICE, 0, &n),
			 -EIO);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

static uint64_t xlate(struct fx *f, uint64_t iova)
{
	struct phyr_iommu_domain *dom = phyr_iommu_dma_cookie_domain(f->d);

	return phyr_io_pgtable_iova_to_phys(phyr_iommu_domain_pgtable(dom), iova);
}

static void test_dma_iommu_dispatch_sizes(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	struct fx *u = fx_new(FX_IOMMU_UNTRUSTED);

	(void)state;
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_IOMMU);
	assert_ptr_equal(phyr_iommu_dma_get_cookie(f->dev), f->d);
	assert_int_equal(phyr_dma_get_merge_boundary(f->dev), 0xfff);
	assert_true(phyr_dma_max_mapping_size(f->dev) == SIZE_MAX);
	assert_int_equal(phyr_dma_opt_mapping_size(f->dev), 0x20000);
	/* untrusted: swiotlb_max_mapping_size(min_align 0) = 256 KiB */
	assert_int_equal(phyr_dma_max_mapping_size(u->dev), 0x40000);
	assert_int_equal(phyr_dma_opt_mapping_size(u->dev), 0x20000);
	fx_free(u);
	fx_free(f);
}

/*
 * iommu_setup_dma_ops() and its undoing: detach, re-attach, two devices of
 * one group on one DMA domain (one IOVA space), a move to another domain,
 * a device destroyed while attached, a domain destroyed under its device.
 */
static void test_dma_iommu_setup_teardown(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	struct phyr_iommu_dma_cookie *c2;
	struct phyr_iommu_dma_stats cst;
	struct phyr_device_stats st;
	struct phyr_device_config c;
	struct phyr_device *dev2;
	uint64_t dma = 0, dma2 = 0;

	(void)state;
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 1);
	assert_ptr_equal(phyr_device_iommu(f->dev), phyr_iommu_dma_cookie_domain(f->d));
	assert_true(phyr_iommu_dma_pci_32bit_workaround(f->dev));

	/* detached: back on dma-direct, DMA address = physical address */
	phyr_iommu_teardown_dma_ops(f->dev);
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_DIRECT);
	assert_null(phyr_iommu_dma_get_cookie(f->dev));
	assert_null(phyr_device_iommu(f->dev));
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 0);
	assert_false(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(phyr_dma_get_merge_boundary(f->dev), 0);
	assert_int_equal(phyr_dma_iova_try_alloc(f->dev, &(struct phyr_dma_iova_state){ 0 }, 0,
						 0x1000), -EOPNOTSUPP);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x12345678, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x12345678);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_iommu_teardown_dma_ops(f->dev); /* not attached: nothing */
	phyr_iommu_teardown_dma_ops(NULL);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 0);

	/* re-attached (twice: the second is a no-op): B7 again */
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, f->d), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, f->d), 0);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 1);
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_IOMMU);
	assert_true(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(phyr_dma_get_merge_boundary(f->dev), 0xfff);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x12345678, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0xfffff678);

	/* a second device on the same domain shares its IOVA space and table */
	phyr_device_config_init_pci(&c, f->prov_a);
	c.dma_mask = c.coherent_dma_mask = PHYR_DMA_BIT_MASK(64);
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &dev2), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(dev2, f->d), 0);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 2);
	assert_ptr_equal(phyr_iommu_dma_get_cookie(dev2), f->d);
	assert_int_equal(phyr_dma_map_phys(dev2, 0x20000000, 0x1000, PHYR_DMA_FROM_DEVICE, 0,
					   &dma2), 0);
	assert_int_equal(dma2, 0xffffe000);
	assert_int_equal(xlate(f, 0xffffe000), 0x20000000);
	assert_int_equal(xlate(f, 0xfffff678), 0x12345678);
	/* the domain counts both devices' maps, each device its own */
	phyr_iommu_dma_get_stats(f->d, &cst);
	assert_int_equal(cst.nmaps, 2);
	phyr_device_get_stats(f->dev, &st);
	assert_int_equal(st.nmaps, 2); /* one direct, one dma-iommu */
	phyr_device_get_stats(dev2, &st);
	assert_int_equal(st.nmaps, 1);
	assert_int_equal(phyr_dma_unmap_phys(dev2, dma2, 0x1000, PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(xlate(f, 0xffffe000), 0);

	/* attaching elsewhere detaches first; the new domain has its own IOVA space */
	assert_int_equal(phyr_iommu_dma_cookie_create(NULL, NULL, &c2), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(dev2, c2), 0);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 1);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(c2), 1);
	assert_ptr_equal(phyr_iommu_dma_get_cookie(dev2), c2);
	assert_ptr_equal(phyr_device_iommu(dev2), phyr_iommu_dma_cookie_domain(c2));
	assert_int_equal(phyr_dma_map_phys(dev2, 0x20000000, 0x1000, PHYR_DMA_FROM_DEVICE, 0,
					   &dma2), 0);
	assert_int_equal(dma2, 0xfffff000);
	assert_int_equal(phyr_dma_unmap_phys(dev2, dma2, 0x1000, PHYR_DMA_FROM_DEVICE, 0), 0);

	/* a device destroyed while attached leaves its domain */
	phyr_device_destroy(dev2);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(c2), 0);
	phyr_iommu_dma_cookie_destroy(c2);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 1);

	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	/* a domain destroyed under its device: the device is back on dma-direct */
	assert_int_equal(phyr_iommu_dma_cookie_create(NULL, NULL, &c2), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, c2), 0);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(f->d), 0);
	phyr_iommu_dma_cookie_destroy(c2);
	assert_int_equal(phyr_dma_get_path(f->dev), PHYR_DMA_PATH_DIRECT);
	assert_null(phyr_iommu_dma_get_cookie(f->dev));
	assert_null(phyr_device_iommu(f->dev));
	fx_free(f);
}

/* B7 through the dispatch: the first single map lands at 0xfffff000. */
static void test_dma_iommu_map_phys_b7(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	struct phyr_device_stats st;
	uint64_t dma = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x12345678, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0xfffff678);
	assert_int_equal(xlate(f, 0xfffff678), 0x12345678);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(xlate(f, 0xfffff678), 0);
	/* the device's counters see the dma-iommu path too */
	phyr_device_get_stats(f->dev, &st);
	assert_int_equal(st.nmaps, 1);
	assert_int_equal(st.nunmaps, 1);
	assert_int_equal(st.nbytes_mapped, 0x100);
	assert_int_equal(st.nmap_errors, 0);
	assert_true(fx_clean(f));
	fx_free(f);
}

/* B9 through the dispatch: one IOVA, two merged segments. */
static void test_dma_iommu_map_sg_b9(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	const uint64_t ph[] = { 0x10000200, 0x20000000, 0x30000000, 0x40000000 };
	const uint32_t ln[] = { 0x1e00, 0x3000, 0x800, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 4);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	struct phyr_device_stats st;
	uint64_t lo = 0, hi = 0;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 4, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	assert_int_equal(n, 2);
	seg_is(L, s, 0xffff8200, 0x5600, false);
	seg_is(L, phyr_sg_next(L, s), 0xffffe000, 0x1000, false);
	seg_is(L, phyr_sg_next(L, phyr_sg_next(L, s)), PHYR_DMA_MAPPING_ERROR, 0, false);
	assert_int_equal(phyr_sg_offset(L, s), 0x200);
	assert_int_equal(phyr_sg_length(L, s), 0x1e00);
	assert_int_equal(phyr_iova_find(phyr_iommu_dma_cookie_iovad(f->d), 0xffff8, &lo, &hi), 0);
	assert_int_equal(lo, 0xffff8);
	assert_int_equal(hi, 0xfffff);
	assert_int_equal(xlate(f, 0xffffa000), 0x20000000);
	assert_int_equal(xlate(f, 0xffffe000), 0x40000000);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 4, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(xlate(f, 0xffff8000), 0);
	assert_int_equal(xlate(f, 0xffffe000), 0);
	/* 4 entries of 0x1e00 + 0x3000 + 0x800 + 0x1000 = 0x6600 bytes */
	phyr_device_get_stats(f->dev, &st);
	assert_int_equal(st.nmaps, 4);
	assert_int_equal(st.nunmaps, 4);
	assert_int_equal(st.nbytes_mapped, 0x6600);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/*
 * RAM head, P2P by bus address (B22: its DMA length is the head's), P2P
 * through the host bridge (mapped in the IOVA like RAM).
 */
static void test_dma_iommu_map_sg_p2p_mixed(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	const uint64_t ph[] = { 0x10000000, FX_BAR_A + 0x2000, FX_BAR_B };
	const uint32_t ln[] = { 0x1000, 0x800, 0x2000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 3);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 3, PHYR_DMA_FROM_DEVICE, 0, &n), 0);
	/* IOVA 3 pages -> 4 at 0xffffc000; RAM at +0, BAR B at +0x1000 */
	assert_int_equal(n, 3);
	seg_is(L, s, 0xffffc000, 0x1000, false);
	seg_is(L, phyr_sg_next(L, s), FX_BUS_A + 0x2000, 0x1000, true);
	seg_is(L, phyr_sg_next(L, phyr_sg_next(L, s)), 0xffffd000, 0x2000, false);
	assert_int_equal(xlate(f, 0xffffd000), FX_BAR_B);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 3, PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_false(phyr_sg_dma_is_bus_address(L, phyr_sg_next(L, s)));
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

static void test_dma_iommu_map_sg_p2p_not_supported(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	const uint64_t ph[] = { 0x10000000, FX_BAR_C };
	const uint32_t ln[] = { 0x1000, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	struct phyr_iommu_stats st;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0, &n), -EREMOTEIO);
	phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(f->d), &st);
	assert_int_equal(st.nmaps, 0);
	assert_int_equal(phyr_sg_length(L, s), 0x1000);
	assert_int_equal(phyr_sg_dma_address(L, s), PHYR_DMA_MAPPING_ERROR);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* A 14-bit mask leaves pfns 1..3: a 4-page list cannot get an IOVA. */
static void test_dma_iommu_map_sg_iova_exhausted(void **state)
{
	struct fx *f = fx_new_mask(FX_IOMMU, PHYR_DMA_BIT_MASK(14));
	const uint64_t ph[] = { 0x10000000, 0x20000000 };
	const uint32_t ln[] = { 0x2000, 0x2000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	struct phyr_iommu_stats st;
	uint64_t dma = 0;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0, &n), -ENOMEM);
	phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(f->d), &st);
	assert_int_equal(st.nmaps, 0);
	assert_true(fx_clean(f));
	/* a 2-page single mapping still fits: [2, 3] */
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000000, 0x2000, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x2000);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x2000, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* B13: untrusted device, per-entry IOVAs, the unaligned entry bounced. */
static void test_dma_iommu_untrusted_b13(void **state)
{
	struct fx *f = fx_new(FX_IOMMU_UNTRUSTED);
	const uint64_t ph[] = { 0x10000200, 0x20000000 };
	const uint32_t ln[] = { 0x200, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	assert_int_equal(n, 2);
	assert_true(phyr_sg_dma_is_swiotlb(L, s));
	/* bounced, min_align_mask 0: page offset 0, slot 0 of the pool */
	seg_is(L, s, 0xfffff000, 0x200, false);
	assert_int_equal(xlate(f, 0xfffff000), FX_POOL);
	seg_is(L, phyr_sg_next(L, s), 0xffffe000, 0x1000, false);
	assert_int_equal(xlate(f, 0xffffe000), 0x20000000);
	/* ALIGN(0x200, alloc_align_mask + 1) = one granule = 2 slots */
	assert_int_equal(phyr_swiotlb_used(f->tlb), 2);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_false(phyr_sg_dma_is_swiotlb(L, s));
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* Untrusted device, an unaligned entry too big to bounce: -EIO, all undone. */
static void test_dma_iommu_untrusted_swiotlb_full(void **state)
{
	struct fx *f = fx_new(FX_IOMMU_UNTRUSTED);
	const uint64_t ph[] = { 0x20000000, 0x10000200, 0x30000000 };
	const uint32_t ln[] = { 0x1000, 0x48000, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 3);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 3, PHYR_DMA_TO_DEVICE, 0, &n), -EIO);
	/*
	 * Linux's iommu_dma_map_sg_swiotlb unmaps the entries done but does
	 * not clear them: entry 0 keeps its (now unmapped) address, the
	 * failing entry holds DMA_MAPPING_ERROR.
	 */
	assert_int_equal(phyr_sg_dma_address(L, s), 0xfffff000);
	assert_int_equal(phyr_sg_dma_address(L, phyr_sg_next(L, s)), PHYR_DMA_MAPPING_ERROR);
	assert_int_equal(xlate(f, 0xfffff000), 0);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* DMA-FQ: the IOVA of an unmapped list comes back only after a flush. */
static void test_dma_iommu_fq_release(void **state)
{
	struct fx *f = fx_new(FX_IOMMU_FQ);
	const uint64_t ph[] = { 0x10000000 };
	const uint32_t ln[] = { 0x3000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 1);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	struct phyr_iova_domain *iovad = phyr_iommu_dma_cookie_iovad(f->d);
	struct phyr_iommu_stats st;
	uint64_t nodes = 0, pages = 0;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 1, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	assert_int_equal(phyr_sg_dma_address(L, s), 0xffffc000);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 1, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(f->d), &st);
	assert_int_equal(st.nfq_queued, 1);
	assert_int_equal(st.nfq_pending, 1);
	phyr_iova_flush_rcaches(iovad);
	phyr_iova_usage(iovad, &nodes, &pages);
	assert_int_equal(nodes, 1); /* still owned by the flush queue */
	assert_int_equal(pages, 4);
	phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(f->d));
	phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(f->d), &st);
	assert_int_equal(st.nfq_pending, 0);
	assert_int_equal(st.nfq_released, 1);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/* dma-debug sees sg mappings of the dispatch: wrong direction, then a leak. */
static void test_dma_iommu_debug_sg(void **state)
{
	struct phyr_dma_debug *dbg;
	struct fx *f;
	const uint64_t ph[] = { 0x10000000, 0x20000000 };
	const uint32_t ln[] = { 0x1000, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	struct phyr_dma_debug_report r;
	uint64_t nleaked = 0;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_debug_create(NULL, NULL, &dbg), 0);
	fx_debug = dbg;
	f = fx_new(FX_IOMMU);
	fx_debug = NULL;
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	/* two whole pages: one IOVA, merged into one segment {0xffffe000, 0x2000} */
	assert_int_equal(n, 1);
	assert_int_equal(phyr_sg_dma_address(L, s), 0xffffe000);
	assert_int_equal(phyr_sg_dma_len(L, s), 0x2000);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 1);
	assert_int_equal(phyr_dma_sync_sg_for_cpu(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 2, PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(phyr_dma_debug_get_report(dbg, 0, &r), 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_DIR);
	assert_int_equal(phyr_dma_debug_nentries(dbg, f->dev), 0);
	/* mapped and never unmapped: a leak at teardown */
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0, &n), 0);
	assert_int_equal(phyr_dma_debug_teardown(dbg, f->dev, &nleaked), 0);
	assert_int_equal(nleaked, 1);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 2, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	fx_free(f);
	phyr_dma_debug_destroy(dbg);
	phyr_sg_table_destroy(t);
}

/*
 * Driver unbind on every path: destroying a device reports its live
 * mappings to its checker as one LEAK (Linux's dma-debug at
 * BUS_NOTIFY_UNBOUND_DRIVER), on dma-direct and swiotlb as behind an IOMMU,
 * where the detach reports first and the destroy finds nothing more.
 * Both mappings fall in one hash bucket: the report describes the second.
 */
static void test_dma_destroy_reports_leak_on_every_path(void **state)
{
	static const enum fx_mode modes[] = { FX_DIRECT, FX_DIRECT_BOUNCE, FX_IOMMU };
	static const uint64_t dma2_want[] = { 0x20000000, 0x70001000, 0xffffe000 };

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct fx *f = fx_new(modes[i]);
		struct phyr_dma_debug *dbg;
		struct phyr_dma_debug_report r;
		struct phyr_device_config c;
		struct phyr_device *dev;
		uint64_t dma = 0, dma2 = 0;
		uintptr_t id;

		assert_int_equal(phyr_dma_debug_create(NULL, NULL, &dbg), 0);
		phyr_device_config_init_pci(&c, f->prov_a);
		c.dma_mask = c.coherent_dma_mask = PHYR_DMA_BIT_MASK(64);
		assert_int_equal(phyr_device_create(f->m, &c, NULL, &dev), 0);
		id = (uintptr_t)dev;
		assert_int_equal(phyr_device_set_dma_debug(dev, dbg), 0);
		assert_int_equal(phyr_device_use_swiotlb(dev, f->tlb), 0);
		if (f->d)
			assert_int_equal(phyr_iommu_setup_dma_ops(dev, f->d), 0);
		assert_int_equal(phyr_dma_map_phys(dev, 0x10000000, 0x1000, PHYR_DMA_TO_DEVICE, 0,
						   &dma), 0);
		assert_int_equal(phyr_dma_mapping_error(dev, dma), 0);
		assert_int_equal(phyr_dma_map_phys(dev, 0x20000000, 0x800, PHYR_DMA_FROM_DEVICE, 0,
						   &dma2), 0);
		assert_int_equal(phyr_dma_mapping_error(dev, dma2), 0);
		assert_int_equal(dma2, dma2_want[i]);
		assert_int_equal(phyr_dma_debug_nentries(dbg, dev), 2);
		assert_int_equal(phyr_dma_debug_nreports(dbg), 0);

		phyr_device_destroy(dev);
		assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
		assert_int_equal(phyr_dma_debug_get_report(dbg, 0, &r), 0);
		assert_int_equal(r.kind, PHYR_DMA_DEBUG_LEAK);
		assert_true((uintptr_t)r.dev == id);
		assert_int_equal(r.got, 2);
		assert_int_equal(r.dma_addr, dma2_want[i]);
		assert_int_equal(r.size, 0x800);
		assert_int_equal(r.dir, PHYR_DMA_FROM_DEVICE);
		assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
		fx_free(f);
		assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
		phyr_dma_debug_destroy(dbg);
	}
}

/* Fills [@phys, +@len) of the fixture's memory with @byte. */
static void fill(struct fx *f, uint64_t phys, int byte, size_t len)
{
	unsigned char buf[0x200];

	assert_true(len <= sizeof(buf));
	memset(buf, byte, len);
	assert_int_equal(phyr_physmem_write(f->pm, phys, buf, len), 0);
}

/* True if [@phys, +@len) of the fixture's memory holds only @byte. */
static bool holds(struct fx *f, uint64_t phys, int byte, size_t len)
{
	unsigned char buf[0x200];

	assert_true(len <= sizeof(buf));
	assert_int_equal(phyr_physmem_read(f->pm, phys, buf, len), 0);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

/*
 * The device's machine and checker; dma_direct_supported() and
 * dma_set_coherent_mask() on a machine whose RAM ends at 8 GiB and has no
 * ZONE_DMA: masks of 32 bits or more pass, a smaller one must cover the
 * last RAM page (0x1_ffff_f000) and cannot. Behind an IOMMU any mask goes.
 */
static void test_dma_device_masks_and_queries(void **state)
{
	struct fx *f = fx_new(FX_DIRECT);
	struct fx *i = fx_new(FX_IOMMU);
	struct phyr_dma_debug *dbg = NULL;

	(void)state;
	assert_ptr_equal(phyr_device_machine(f->dev), f->m);
	assert_null(phyr_device_dma_debug(f->dev));
	assert_int_equal(phyr_dma_debug_create(NULL, NULL, &dbg), 0);
	assert_int_equal(phyr_device_set_dma_debug(f->dev, dbg), 0);
	assert_ptr_equal(phyr_device_dma_debug(f->dev), dbg);
	assert_int_equal(phyr_device_set_dma_debug(f->dev, NULL), 0);
	assert_null(phyr_device_dma_debug(f->dev));
	phyr_dma_debug_destroy(dbg);

	assert_int_equal(phyr_dma_direct_get_required_mask(f->dev), PHYR_DMA_BIT_MASK(33));
	assert_true(phyr_dma_direct_supported(f->dev, PHYR_DMA_BIT_MASK(64)));
	assert_true(phyr_dma_direct_supported(f->dev, PHYR_DMA_BIT_MASK(32)));
	assert_false(phyr_dma_direct_supported(f->dev, PHYR_DMA_BIT_MASK(31)));
	assert_false(phyr_dma_direct_supported(f->dev, PHYR_DMA_BIT_MASK(24)));

	assert_int_equal(phyr_dma_set_coherent_mask(f->dev, PHYR_DMA_BIT_MASK(31)), -EIO);
	assert_int_equal(phyr_dma_get_coherent_mask(f->dev), PHYR_DMA_BIT_MASK(64));
	assert_int_equal(phyr_dma_set_coherent_mask(f->dev, PHYR_DMA_BIT_MASK(32)), 0);
	assert_int_equal(phyr_dma_get_coherent_mask(f->dev), PHYR_DMA_BIT_MASK(32));
	assert_int_equal(phyr_dma_get_mask(f->dev), PHYR_DMA_BIT_MASK(64));
	assert_int_equal(phyr_dma_set_coherent_mask(i->dev, PHYR_DMA_BIT_MASK(24)), 0);
	assert_int_equal(phyr_dma_get_coherent_mask(i->dev), PHYR_DMA_BIT_MASK(24));
	fx_free(i);
	fx_free(f);
}

/*
 * dma_set_min_align_mask(0xfff) on a forced-bounce device: swiotlb keeps
 * the low 12 bits of the original address, so 0x1000_0a34 lands at
 * offset 0xa34 of the pool (slot 1, whose address has bit 11 set as the
 * original's has) instead of at slot 0.
 */
static void test_dma_direct_min_align_mask_bounce(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_BOUNCE);
	uint64_t dma = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000a34, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, FX_POOL);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_set_min_align_mask(f->dev, 0xfff), 0);
	assert_int_equal(phyr_dma_get_min_align_mask(f->dev), 0xfff);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000a34, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, FX_POOL + 0xa34);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	fx_free(f);
}

/*
 * smp_processor_id() picks the swiotlb area: on a pool of 4 areas of 128
 * slots, CPU 2 starts at slot 256 = pool + 0x80000; CPU 6 (6 & 3 = 2)
 * searches the same area, from its cursor (slot 257) as Linux does.
 */
static void test_dma_direct_set_cpu_picks_area(void **state)
{
	struct fx *f = fx_new(FX_DIRECT);
	struct phyr_swiotlb_config sc = {
		.start = 0x60000000, .nslabs = 512, .nareas = 4, .force_bounce = true,
		.memory = &f->mem,
	};
	struct phyr_swiotlb *pool = NULL;
	uint64_t dma = 0;

	(void)state;
	assert_int_equal(phyr_swiotlb_create(&sc, NULL, &pool), 0);
	assert_int_equal(phyr_device_use_swiotlb(f->dev, pool), 0);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000000, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x60000000);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_device_set_cpu(f->dev, 2);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000000, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x60080000);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_device_set_cpu(f->dev, 6);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000000, 0x100, PHYR_DMA_TO_DEVICE, 0, &dma),
			 0);
	assert_int_equal(dma, 0x60080800);
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 0x100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_swiotlb_used(pool), 0);
	assert_int_equal(phyr_device_use_swiotlb(f->dev, f->tlb), 0);
	phyr_swiotlb_destroy(pool);
	fx_free(f);
}

/*
 * dma_direct_sync_sg_for_device / _for_cpu on a bounced list: the bytes
 * move between the original page and its slot only at the syncs.
 */
static void test_dma_direct_sync_sg_bounce_bytes(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_BOUNCE);
	const uint64_t ph[] = { 0x10000000 };
	const uint32_t ln[] = { 0x100 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 1);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	int n = 0;

	(void)state;
	fill(f, 0x10000000, 0xaa, 0x100);
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 1, PHYR_DMA_BIDIRECTIONAL, 0, &n), 0);
	assert_int_equal(n, 1);
	seg_is(L, s, FX_POOL, 0x100, false);
	assert_true(holds(f, FX_POOL, 0xaa, 0x100));
	fill(f, 0x10000000, 0xbb, 0x100);
	assert_true(holds(f, FX_POOL, 0xaa, 0x100));
	assert_int_equal(phyr_dma_direct_sync_sg_for_device(f->dev, L, s, 1,
							    PHYR_DMA_BIDIRECTIONAL), 0);
	assert_true(holds(f, FX_POOL, 0xbb, 0x100));
	fill(f, FX_POOL, 0xcc, 0x100); /* the device writes */
	assert_true(holds(f, 0x10000000, 0xbb, 0x100));
	assert_int_equal(phyr_dma_direct_sync_sg_for_cpu(f->dev, L, s, 1, PHYR_DMA_BIDIRECTIONAL),
			 0);
	assert_true(holds(f, 0x10000000, 0xcc, 0x100));
	assert_int_equal(phyr_dma_direct_sync_sg_for_cpu(f->dev, L, s, 1,
							 (enum phyr_dma_data_direction)4), -EINVAL);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 1, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(f);
}

/*
 * The dma-iommu ops called directly on an untrusted device (B13's bounce):
 * iommu_dma_map_phys bounces the sub-granule buffer to slot 0 of the pool
 * at IOVA 0xfffff000; the single and sg syncs copy between the buffer and
 * the slot; unmap_phys of an address not mapped is -ENOENT. Sizes:
 * merge boundary granule - 1, opt 128 KiB, max swiotlb's 256 KiB for the
 * untrusted device and SIZE_MAX for a trusted one, 0 when detached.
 */
static void test_dma_iommu_ops_direct_calls(void **state)
{
	struct fx *f = fx_new(FX_IOMMU_UNTRUSTED);
	struct fx *tr = fx_new(FX_IOMMU);
	const uint64_t ph[] = { 0x10000200, 0x20000000 };
	const uint32_t ln[] = { 0x200, 0x1000 };
	struct phyr_sg_table *t = fx_sgt(ph, ln, 2);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	uint64_t dma = 0;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_iommu_dma_get_merge_boundary(f->dev), 0xfff);
	assert_int_equal(phyr_iommu_dma_opt_mapping_size(f->dev), 0x20000);
	assert_int_equal(phyr_iommu_dma_max_mapping_size(f->dev), 0x40000);
	assert_true(phyr_iommu_dma_max_mapping_size(tr->dev) == SIZE_MAX);
	phyr_iommu_teardown_dma_ops(tr->dev);
	assert_int_equal(phyr_iommu_dma_get_merge_boundary(tr->dev), 0);

	fill(f, 0x10000200, 0x11, 0x200);
	assert_int_equal(phyr_iommu_dma_map_phys(f->dev, 0x10000200, 0x200,
						 PHYR_DMA_BIDIRECTIONAL, 0, &dma), 0);
	assert_int_equal(dma, 0xfffff000);
	assert_int_equal(xlate(f, 0xfffff000), FX_POOL);
	assert_true(holds(f, FX_POOL, 0x11, 0x200));
	fill(f, 0x10000200, 0x22, 0x200);
	assert_int_equal(phyr_iommu_dma_sync_single_for_device(f->dev, dma, 0x200,
							       PHYR_DMA_BIDIRECTIONAL), 0);
	assert_true(holds(f, FX_POOL, 0x22, 0x200));
	fill(f, FX_POOL, 0x33, 0x200);
	assert_int_equal(phyr_iommu_dma_sync_single_for_cpu(f->dev, dma, 0x200,
							    PHYR_DMA_BIDIRECTIONAL), 0);
	assert_true(holds(f, 0x10000200, 0x33, 0x200));
	assert_int_equal(phyr_iommu_dma_unmap_phys(f->dev, dma, 0x200, PHYR_DMA_BIDIRECTIONAL, 0),
			 0);
	assert_int_equal(xlate(f, 0xfffff000), 0);
	assert_int_equal(phyr_iommu_dma_unmap_phys(f->dev, dma, 0x200, PHYR_DMA_BIDIRECTIONAL, 0),
			 -ENOENT);
	assert_int_equal(phyr_iommu_dma_unmap_phys(tr->dev, dma, 0x200, PHYR_DMA_BIDIRECTIONAL, 0),
			 -EINVAL);

	fill(f, 0x10000200, 0x44, 0x200);
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, 2, PHYR_DMA_BIDIRECTIONAL, 0, &n), 0);
	assert_int_equal(n, 2);
	assert_true(phyr_sg_dma_is_swiotlb(L, s));
	/* the area cursor moved past the two slots of the single map */
	assert_int_equal(xlate(f, phyr_sg_dma_address(L, s)), FX_POOL + 0x1000);
	assert_true(holds(f, FX_POOL + 0x1000, 0x44, 0x200));
	fill(f, 0x10000200, 0x55, 0x200);
	assert_int_equal(phyr_iommu_dma_sync_sg_for_device(f->dev, L, s, 2,
							   PHYR_DMA_BIDIRECTIONAL), 0);
	assert_true(holds(f, FX_POOL + 0x1000, 0x55, 0x200));
	fill(f, FX_POOL + 0x1000, 0x66, 0x200);
	assert_int_equal(phyr_iommu_dma_sync_sg_for_cpu(f->dev, L, s, 2,
							PHYR_DMA_BIDIRECTIONAL), 0);
	assert_true(holds(f, 0x10000200, 0x66, 0x200));
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, 2, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
	fx_free(tr);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_direct_dispatch_sizes),
		cmocka_unit_test(test_dma_direct_bus_offset),
		cmocka_unit_test(test_dma_direct_bounce_max_mapping),
		cmocka_unit_test(test_dma_direct_map_sg_mixed),
		cmocka_unit_test(test_dma_direct_map_sg_p2p_not_supported),
		cmocka_unit_test(test_dma_direct_map_sg_swiotlb_full),
		cmocka_unit_test(test_dma_iommu_dispatch_sizes),
		cmocka_unit_test(test_dma_iommu_setup_teardown),
		cmocka_unit_test(test_dma_iommu_map_phys_b7),
		cmocka_unit_test(test_dma_iommu_map_sg_b9),
		cmocka_unit_test(test_dma_iommu_map_sg_p2p_mixed),
		cmocka_unit_test(test_dma_iommu_map_sg_p2p_not_supported),
		cmocka_unit_test(test_dma_iommu_map_sg_iova_exhausted),
		cmocka_unit_test(test_dma_iommu_untrusted_b13),
		cmocka_unit_test(test_dma_iommu_untrusted_swiotlb_full),
		cmocka_unit_test(test_dma_iommu_fq_release),
		cmocka_unit_test(test_dma_iommu_debug_sg),
		cmocka_unit_test(test_dma_destroy_reports_leak_on_every_path),
		cmocka_unit_test(test_dma_device_masks_and_queries),
		cmocka_unit_test(test_dma_direct_min_align_mask_bounce),
		cmocka_unit_test(test_dma_direct_set_cpu_picks_area),
		cmocka_unit_test(test_dma_direct_sync_sg_bounce_bytes),
		cmocka_unit_test(test_dma_iommu_ops_direct_calls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
