// SPDX-License-Identifier: MIT
/*
 * Randomised differential test of the ARM LPAE 4K table + iommu core
 * against a flat reference: a page-by-page map of a 4 GiB IOVA window plus
 * one flag per table slot (does a table exist under this 1G / 2M entry).
 * The reference restates io-pgtable-arm's rules in that flat form (leaf of
 * the requested size -> -EEXIST, table under a block -> freed with its
 * pages, unmap stops at an empty entry, refuses to split a block, frees a
 * table met at the requested size) and shares only iommu_pgsize, which
 * test-iommu.c pins with worked examples. Every few operations all touched
 * pages are compared through iova_to_phys and through the device's view
 * (translate via the IOTLB, strict: never a stale hit), and the table
 * counts are compared. Seeded; the seed and step are printed on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/iommu.h"

#define WIN_PAGES (UINT64_C(1) << 20) /* 4 GiB of 4K pages */
#define WIN (WIN_PAGES << 12)
#define BITMAP ((UINT64_C(1) << 12) | (UINT64_C(1) << 21) | (UINT64_C(1) << 30))

struct ref {
	uint64_t *pa;  /* output address of each page */
	uint8_t *sz;   /* leaf shift covering the page, 0 = unmapped */
	uint8_t *prot;
	bool l1;       /* table under L0 entry 0 */
	bool l2[4];    /* table under each 1G L1 entry */
	bool *l3;      /* table under each 2M L2 entry */
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t cur_seed, cur_step;

#define CHECK_EQ(a, b)                                                                     \
	do {                                                                               \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                           \
		if (a_ != b_) {                                                            \
			fprintf(stderr, "seed %llu step %llu: %s = 0x%llx, reference 0x%llx\n", \
				(unsigned long long)cur_seed, (unsigned long long)cur_step, #a, \
				(unsigned long long)a_, (unsigned long long)b_);           \
			fail();                                                            \
		}                                                                          \
	} while (0)

static void ref_clear(struct ref *r, uint64_t iova, unsigned shift)
{
	uint64_t p = iova >> 12, n = UINT64_C(1) << (shift - 12);

	memset(&r->sz[p], 0, n);
}

static void ref_teardown(struct ref *r, uint64_t b, unsigned s)
{
	ref_clear(r, b, s);
	if (s == 21) {
		r->l3[b >> 21] = false;
	} else if (s == 30) {
		r->l2[b >> 30] = false;
		memset(&r->l3[(b >> 30) << 9], 0, 512);
	}
}

static bool ref_table_at(const struct ref *r, uint64_t b, unsigned s)
{
	if (s == 21)
		return r->l3[b >> 21];
	if (s == 30)
		return r->l2[b >> 30];
	return false;
}

static int ref_map_pages(struct ref *r, uint64_t iova, uint64_t pa, unsigned s, uint64_t count,
			 int prot, uint64_t *mapped)
{
	uint64_t idx, n;

	r->l1 = true;
	if (s < 30) {
		if (r->sz[iova >> 12] == 30)
			return -EEXIST;
		r->l2[iova >> 30] = true;
		if (s < 21) {
			if (r->sz[iova >> 12] == 21)
				return -EEXIST;
			r->l3[iova >> 21] = true;
		}
	}
	idx = (iova >> s) & 511;
	n = count < 512 - idx ? count : 512 - idx;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t b = iova + (i << s);

		if (r->sz[b >> 12] == s)
			return -EEXIST;
		if (ref_table_at(r, b, s))
			ref_teardown(r, b, s);
	}
	for (uint64_t p = 0; p < (n << s) >> 12; p++) {
		r->sz[(iova >> 12) + p] = (uint8_t)s;
		r->pa[(iova >> 12) + p] = pa + (p << 12);
		r->prot[(iova >> 12) + p] = (uint8_t)prot;
	}
	*mapped += n << s;
	return 0;
}

static uint64_t ref_unmap_pages(struct ref *r, uint64_t iova, unsigned s, uint64_t count)
{
	uint64_t idx, n, i;

	if (!r->l1)
		return 0;
	if (s < 30) {
		if (r->sz[iova >> 12] == 30)
			return 0;
		if (!r->l2[iova >> 30])
			return 0;
		if (s < 21) {
			if (r->sz[iova >> 12] == 21)
				return 0;
			if (!r->l3[iova >> 21])
				return 0;
		}
	}
	idx = (iova >> s) & 511;
	n = count < 512 - idx ? count : 512 - idx;
	for (i = 0; i < n; i++) {
		uint64_t b = iova + (i << s);

		if (r->sz[b >> 12] == s)
			ref_clear(r, b, s);
		else if (ref_table_at(r, b, s))
			ref_teardown(r, b, s);
		else
			break;
	}
	return i << s;
}

static uint64_t ref_unmap(struct ref *r, uint64_t iova, uint64_t size)
{
	uint64_t done = 0;

	if ((iova | size) & 0xfff)
		return 0;
	while (done < size) {
		uint64_t count, pg = phyr_iommu_pgsize(BITMAP, iova, iova, size - done, &count);
		uint64_t n = ref_unmap_pages(r, iova, (unsigned)__builtin_ctzll(pg), count);

		if (!n)
			break;
		iova += n;
		done += n;
	}
	return done;
}

static int ref_map(struct ref *r, uint64_t iova, uint64_t pa, uint64_t size, int prot)
{
	uint64_t oi = iova, os = size;
	int ret = 0;

	if ((iova | pa | size) & 0xfff)
		return -EINVAL;
	while (size) {
		uint64_t count, mapped = 0;
		uint64_t pg = phyr_iommu_pgsize(BITMAP, iova, pa, size, &count);

		ret = ref_map_pages(r, iova, pa, (unsigned)__builtin_ctzll(pg), count, prot, &mapped);
		size -= mapped;
		if (ret)
			break;
		iova += mapped;
		pa += mapped;
	}
	if (ret)
		ref_unmap(r, oi, os - size);
	return ret;
}

static uint64_t ref_ntables(const struct ref *r)
{
	uint64_t n = 1 + r->l1;

	for (int g = 0; g < 4; g++)
		n += r->l2[g];
	for (uint64_t i = 0; i < 2048; i++)
		n += r->l3[i];
	return n;
}

static void check_page(struct ref *r, struct phyr_iommu_domain *d, uint64_t page)
{
	uint64_t iova = page << 12, want = r->sz[page] ? r->pa[page] : 0, pa = 0;
	int ret;

	CHECK_EQ(phyr_iommu_iova_to_phys(d, iova + 0x10), want ? want + 0x10 : 0);
	ret = phyr_iommu_translate(d, iova + 0x20, PHYR_IOMMU_ACCESS_READ, &pa);
	if (r->sz[page]) {
		CHECK_EQ(ret, 0);
		CHECK_EQ(pa, want + 0x20);
		ret = phyr_iommu_translate(d, iova, PHYR_IOMMU_ACCESS_WRITE, &pa);
		CHECK_EQ(ret, r->prot[page] == PHYR_IOMMU_READ ? -EFAULT : 0);
	} else {
		CHECK_EQ(ret, -EFAULT);
	}
}

static uint64_t pick_size(void)
{
	switch (rnd() % 10) {
	case 0: case 1: case 2:
		return (1 + rnd() % 8) << 12;
	case 3: case 4:
		return (1 + rnd() % 700) << 12;
	case 5:
		return UINT64_C(1) << 21;
	case 6:
		return UINT64_C(2) << 21;
	case 7:
		return (UINT64_C(1) << 21) + ((1 + rnd() % 3) << 12);
	case 8:
		return rnd() % 20 == 0 ? UINT64_C(1) << 30 : (1 + rnd() % 5) << 21;
	default:
		return (1 + rnd() % 64) << 12;
	}
}

static void run_seed(uint64_t seed, unsigned nops, bool lazy)
{
	struct ref r = { 0 };
	struct phyr_iommu_domain_opts o = { .type = lazy ? PHYR_IOMMU_DOMAIN_DMA_FQ
							 : PHYR_IOMMU_DOMAIN_DMA,
					    .iotlb_entries = 256,
					    .iotlb_ways = 8 };
	struct phyr_iommu_domain *d = NULL;
	struct phyr_io_pgtable_stats st;
	struct phyr_iommu_stats ds;
	uint64_t recent_iova[64] = { 0 }, recent_size[64] = { 0 };

	cur_seed = seed;
	rng_state = seed;
	r.pa = calloc(WIN_PAGES, sizeof(*r.pa));
	r.sz = calloc(WIN_PAGES, 1);
	r.prot = calloc(WIN_PAGES, 1);
	r.l3 = calloc(2048, sizeof(bool));
	assert_non_null(r.pa);
	assert_non_null(r.sz);
	assert_non_null(r.prot);
	assert_non_null(r.l3);
	assert_int_equal(phyr_iommu_domain_create(&o, &d), 0);
	for (cur_step = 0; cur_step < nops; cur_step++) {
		uint64_t iova, size, pa;
		unsigned slot = (unsigned)(rnd() % 64);

		if (rnd() % 10 < 6) {
			int prot = (int)(1 + rnd() % 3);

			size = pick_size();
			switch (rnd() % 3) {
			case 0:
				iova = (rnd() % (WIN >> 21)) << 21;
				break;
			case 1:
				iova = (rnd() % (WIN >> 30)) << 30;
				break;
			default:
				iova = (rnd() % WIN_PAGES) << 12;
			}
			if (iova + size > WIN)
				iova = WIN - size;
			if (rnd() & 1)
				pa = ((rnd() % (UINT64_C(1) << 18)) << 21) | (iova & 0x1fffff);
			else
				pa = (rnd() % (UINT64_C(1) << 28)) << 12;
			if (size == (UINT64_C(1) << 30) && (rnd() & 1))
				pa = ((rnd() % 512) << 30) | (iova & 0x3fffffff);
			CHECK_EQ(phyr_iommu_map(d, iova, pa, size, prot), ref_map(&r, iova, pa, size, prot));
			recent_iova[slot] = iova;
			recent_size[slot] = size;
		} else {
			if (rnd() % 10 < 7 && recent_size[slot]) {
				iova = recent_iova[slot];
				size = recent_size[slot];
			} else {
				size = pick_size();
				iova = (rnd() % (WIN >> 21)) << 21;
				if (rnd() & 1)
					iova += (rnd() % 512) << 12;
				if (iova + size > WIN)
					iova = WIN - size;
			}
			if (lazy) {
				uint64_t n = 0;

				CHECK_EQ(phyr_iommu_dma_unmap(d, 0, iova, size, &n), 0);
				CHECK_EQ(n, ref_unmap(&r, iova, size));
			} else {
				CHECK_EQ(phyr_iommu_unmap(d, iova, size), ref_unmap(&r, iova, size));
			}
		}
		if (cur_step % 64 == 63) {
			if (lazy) /* the device view is only exact after a flush */
				phyr_iommu_fq_flush(d);
			for (unsigned k = 0; k < 64; k++) {
				uint64_t first = recent_iova[k] >> 12;
				uint64_t np = recent_size[k] >> 12;

				if (np > 1024)
					np = 1024;
				for (uint64_t p = 0; p < np; p++)
					check_page(&r, d, first + p);
			}
			for (unsigned k = 0; k < 256; k++)
				check_page(&r, d, rnd() % WIN_PAGES);
			phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(d), &st);
			CHECK_EQ(st.ntables, ref_ntables(&r));
		}
	}
	/* At the end, every page of the window. */
	if (lazy)
		phyr_iommu_fq_flush(d);
	for (uint64_t p = 0; p < WIN_PAGES; p++)
		check_page(&r, d, p);
	phyr_iommu_get_stats(d, &ds);
	if (!lazy)
		CHECK_EQ(ds.nstale_hits, 0);
	else
		CHECK_EQ(ds.nfq_pending, 0);
	phyr_iommu_domain_destroy(d);
	free(r.pa);
	free(r.sz);
	free(r.prot);
	free(r.l3);
}

static void test_iommu_diff_random_map_unmap(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_seed(seed, 4000, false);
}

/* DMA-FQ defers invalidation, never the unmap's result. */
static void test_iommu_diff_random_lazy(void **state)
{
	(void)state;
	for (uint64_t seed = 101; seed <= 103; seed++)
		run_seed(seed, 4000, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iommu_diff_random_map_unmap),
		cmocka_unit_test(test_iommu_diff_random_lazy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
