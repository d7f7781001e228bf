// SPDX-License-Identifier: MIT
/*
 * Pins of DMA-layer behaviours that the rest of the suite does not tell
 * apart from a plausible bug (issue "DMA layer redesign", item 12). One
 * test per behaviour, exact values only, all on the shared fixture of
 * tests/test-dma-e2e-fx.h, so that porting the DMA layer to a new API means
 * porting this one file. Each test names the mutation it kills.
 *
 * Linux references (v6.17): drivers/iommu/dma-iommu.c iommu_dma_alloc_iova,
 * iommu_dma_map_phys, dma_iova_free; drivers/iommu/iova.c alloc_iova_fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "phyr/dma-mapping.h"
#include "test-dma-e2e-fx.h"

#define G 0x1000ull

/*
 * Move @f's device to a new DMA domain built from @cfg: a strict DMA
 * domain and the fixture's swiotlb pool, as the fixture's group has. The
 * machine's own domain stays, empty, until fx_free().
 */
static void pins_reattach(struct fx *f, struct phyr_iommu_dma_config cfg)
{
	struct phyr_iommu_dma_cookie *old = f->d;
	struct phyr_iommu_domain_opts o;

	memset(&o, 0, sizeof(o));
	o.type = PHYR_IOMMU_DOMAIN_DMA;
	o.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K;
	cfg.domain = &o;
	cfg.swiotlb = f->tlb;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &f->d), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, f->d), 0);
	if (old != phyr_system_group_cookie(f->sys, "grp"))
		phyr_iommu_dma_cookie_destroy(old);
}

/* The fixture's client as a non-coherent device behind a strict DMA domain. */
static struct fx *pins_new_noncoherent(void)
{
	struct fx *f = fx_new_key(FX_IOMMU, "coherent=no");

	assert_non_null(f);
	assert_false(phyr_device_is_coherent(f->dev));
	return f;
}

static void node_is(struct fx *f, uint64_t pfn, uint64_t lo, uint64_t hi)
{
	uint64_t l = 0, h = 0;

	assert_int_equal(phyr_iova_find(phyr_iommu_dma_cookie_iovad(f->d), pfn, &l, &h), 0);
	assert_int_equal(l, lo);
	assert_int_equal(h, hi);
}

/* alloc_iova_fast(@npages) below 4 GiB on CPU 0, without an rcache flush. */
static uint64_t fast_pfn(struct fx *f, uint64_t npages)
{
	uint64_t pfn = 0;

	assert_int_equal(phyr_iova_alloc_fast(phyr_iommu_dma_cookie_iovad(f->d), npages, 0xfffff, 0, false,
					      &pfn), 0);
	return pfn;
}

/* ------------------------------------------------------------------ */
/* a. exactly 32-bit mask: no 32-bit-first attempt                     */

/*
 * iommu_dma_alloc_iova tries the 32-bit space first (no rcache flush) only
 * when dma_limit > DMA_BIT_MASK(32). A PCI device whose mask is exactly 32
 * bits goes straight to the one allocation that may flush the range caches.
 * Two single pages are the only free IOVA, both parked in CPU 0's class-0
 * cache; a 2-page map finds them only after that flush.
 * Kills: `dma_limit >= UINT32_MAX` (the 32-bit attempt fails without a
 * flush, counts a fallback, prints "Using 32-bit DMA addresses").
 */
static void test_dma_pins_mask32_takes_no_sac_fallback(void **state)
{
	static const struct phyr_iommu_dma_resv resv[] = { { 0x1000, 0xffffdfffull } };
	struct phyr_iommu_dma_config cfg = { .resv = resv, .nresv = 1 };
	struct fx *f = fx_new_mask(FX_IOMMU, PHYR_DMA_BIT_MASK(32));
	struct phyr_iommu_dma_stats st;
	uint64_t a = 0, b = 0, dma = 0;

	(void)state;
	assert_non_null(f);
	pins_reattach(f, cfg);
	assert_true(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(phyr_iommu_dma_alloc_iova(f->dev, G, PHYR_DMA_BIT_MASK(32), &a), 0);
	assert_int_equal(phyr_iommu_dma_alloc_iova(f->dev, G, PHYR_DMA_BIT_MASK(32), &b), 0);
	assert_int_equal(a, 0xfffff000ull);
	assert_int_equal(b, 0xffffe000ull);
	assert_int_equal(phyr_iommu_dma_free_iova(f->dev, a, G), 0);
	assert_int_equal(phyr_iommu_dma_free_iova(f->dev, b, G), 0);
	/* both pages sit in the class-0 cache: the tree is still full */
	node_is(f, 0xfffff, 0xfffff, 0xfffff);
	node_is(f, 0xffffe, 0xffffe, 0xffffe);

	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000000, 2 * G, PHYR_DMA_TO_DEVICE, 0,
						 &dma), 0);
	assert_int_equal(dma, 0xffffe000ull);
	node_is(f, 0xfffff, 0xffffe, 0xfffff);
	phyr_iommu_dma_get_stats(f->d, &st);
	assert_int_equal(st.niova_allocs, 3);
	assert_int_equal(st.niova_alloc_fails, 0);
	assert_int_equal(st.nsac_fallbacks, 0);
	assert_int_equal(st.dac_bits, 0);
	assert_true(phyr_iommu_dma_pci_32bit_workaround(f->dev));
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, 2 * G, PHYR_DMA_TO_DEVICE, 0), 0);
	/* strict domain: the 2-page IOVA is back in the class-1 cache */
	assert_int_equal(fast_pfn(f, 2), 0xffffe);
	fx_free(f);
}

/* ------------------------------------------------------------------ */
/* b. bounced, then no IOVA: the bounce slots go back                  */

/*
 * iommu_dma_map_phys: an untrusted device's unaligned buffer is bounced
 * first; when __iommu_dma_map then finds no IOVA, the slot is released
 * (swiotlb_tbl_unmap_single with DMA_ATTR_SKIP_CPU_SYNC).
 * Kills: dropping the release after a failed __iommu_dma_map.
 */
static void test_dma_pins_bounce_released_when_iova_fails(void **state)
{
	/* no IOVA anywhere: the whole aperture is reserved */
	static const struct phyr_iommu_dma_resv resv[] = { { 0x1000, 0xffffffffull } };
	struct phyr_iommu_dma_config cfg = {
		.resv = resv, .nresv = 1, .force_aperture = true, .aperture_end = 0xffffffffull,
	};
	struct fx *f = fx_new(FX_IOMMU_UNTRUSTED);
	struct phyr_iommu_dma_stats st;
	struct phyr_swiotlb_stats ts;
	uint64_t dma = 0x1234;

	(void)state;
	assert_non_null(f);
	pins_reattach(f, cfg);
	assert_int_equal(phyr_swiotlb_used(f->tlb), 0);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000100, 0x200, PHYR_DMA_TO_DEVICE, 0,
						 &dma), -ENOMEM);
	assert_int_equal(dma, 0x1234); /* untouched on error */
	assert_int_equal(phyr_swiotlb_used(f->tlb), 0);
	phyr_swiotlb_get_stats(f->tlb, &ts);
	assert_int_equal(ts.nmaps, 1);
	assert_int_equal(ts.nunmaps, 1);
	/* ALIGN(0x200, granule) = two 2 KiB slots */
	assert_int_equal(ts.nslots_allocated, 2);
	phyr_iommu_dma_get_stats(f->d, &st);
	assert_int_equal(st.nbounced, 1);
	assert_int_equal(st.niova_allocs, 1);
	assert_int_equal(st.niova_alloc_fails, 1);
	assert_int_equal(st.nmap_errors, 1);
	assert_int_equal(st.nmaps, 0);
	fx_free(f);
}

/* ------------------------------------------------------------------ */
/* c. dma_iova_free frees ALIGN(size + pad)                            */

/*
 * dma_iova_free gives back ALIGN(size + iova_offset(addr)), the size
 * try_alloc took. 0x4000 bytes at offset 0x200 take 5 pages (rcache class
 * 3, an 8-page slot); without the pad they would be 4 pages (class 2).
 * The freed IOVA must come back from class 3 and not from class 2.
 * Kills: freeing ALIGN(size) (the pad dropped).
 */
static void test_dma_pins_iova_free_uses_padded_size(void **state)
{
	struct fx *f = fx_new(FX_IOMMU);
	struct phyr_dma_iova_state s;
	struct phyr_iommu_dma_stats st;

	(void)state;
	assert_non_null(f);
	assert_int_equal(phyr_dma_iova_try_alloc(f->dev, &s, 0x10000200, 0x4000), 0);
	assert_int_equal(s.addr, 0xffff8200ull);
	node_is(f, 0xffff8, 0xffff8, 0xfffff);
	assert_int_equal(phyr_dma_iova_free(f->dev, &s), 0);
	assert_false(phyr_dma_use_iova(&s));
	/* class 2 is empty: a 4-page allocation comes from the tree below */
	assert_int_equal(fast_pfn(f, 4), 0xffff4);
	/* class 3 holds the freed slot */
	assert_int_equal(fast_pfn(f, 8), 0xffff8);
	phyr_iommu_dma_get_stats(f->d, &st);
	assert_int_equal(st.nfrees, 1);
	assert_int_equal(st.niova_frees, 1);
	phyr_iova_free_fast(phyr_iommu_dma_cookie_iovad(f->d), 0xffff4, 4, 0);
	phyr_iova_free_fast(phyr_iommu_dma_cookie_iovad(f->d), 0xffff8, 8, 0);
	assert_true(fx_clean(f));
	fx_free(f);
}

/* ------------------------------------------------------------------ */
/* d. map_phyr: the IOVA covers the sub-granule offset                 */

/*
 * A run starting mid-granule is laid out at ALIGN(len + offset): 0x1000
 * bytes at offset 0x200 span two granules, so the one IOVA is 2 pages.
 * Kills: iova_len summing ALIGN(len) (one page; the map then writes a PTE
 * outside the allocation).
 */
static void test_dma_pins_map_phyr_iova_len_includes_offset(void **state)
{
	static const struct phyr run = { 0x10000200, 0x1000 };
	struct fx *f = fx_new(FX_IOMMU);
	struct phyr_dma_phyr_map *m = NULL;
	struct phyr_dma_phyr_info info;
	const struct phyr *out;
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	assert_int_equal(phyr_dma_map_phyr(f->dev, &run, 1, PHYR_DMA_TO_DEVICE, 0,
					   &m), 0);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.mode, PHYR_DMA_PHYR_IOMMU);
	assert_int_equal(info.iova, 0xffffe000ull);
	assert_int_equal(info.iova_len, 0x2000);
	node_is(f, 0xffffe, 0xffffe, 0xfffff);
	out = phyr_dma_phyr_list(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].addr, 0xffffe200ull);
	assert_int_equal(out[0].len, 0x1000);
	assert_int_equal(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(f->d), 0xfffff000ull),
			 0x10001000ull);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	fx_free(f);
}

/* ------------------------------------------------------------------ */
/* e. non-coherent unmap_phyr: no invalidation for bus-address runs    */

/*
 * A P2P range reached by bus address is not CPU memory: no cache
 * maintenance. RAM, BAR A (bus address for the client), RAM: two cleans
 * at map, two invalidations at unmap.
 * Kills: counting every run (nruns instead of nruns - nbus).
 */
static void test_dma_pins_unmap_phyr_noncoherent_skips_bus_runs(void **state)
{
	static const struct phyr runs[] = {
		{ 0x10000000, 0x1000 }, { FX_BAR_A, 0x1000 }, { 0x10002000, 0x1000 },
	};
	struct fx *f = pins_new_noncoherent();
	struct phyr_dma_phyr_map *m = NULL;
	struct phyr_dma_phyr_info info;
	struct phyr_iommu_dma_stats st;

	(void)state;
	assert_false(phyr_device_is_coherent(f->dev));
	assert_int_equal(phyr_dma_map_phyr(f->dev, runs, 3, PHYR_DMA_BIDIRECTIONAL, 0, &m), 0);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.nbus, 1);
	assert_int_equal(info.ndma, 3);
	phyr_iommu_dma_get_stats(f->d, &st);
	assert_int_equal(st.ncache_invalidate, 0);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	phyr_iommu_dma_get_stats(f->d, &st);
	assert_int_equal(st.ncache_invalidate, 2);
	assert_true(fx_clean(f));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_pins_mask32_takes_no_sac_fallback),
		cmocka_unit_test(test_dma_pins_bounce_released_when_iova_fails),
		cmocka_unit_test(test_dma_pins_iova_free_uses_padded_size),
		cmocka_unit_test(test_dma_pins_map_phyr_iova_len_includes_offset),
		cmocka_unit_test(test_dma_pins_unmap_phyr_noncoherent_skips_bus_runs),
	};

	(void)fx_sgt; /* fixture helper this file does not need */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
