// SPDX-License-Identifier: MIT
/* Tests of the physical page pattern generator (seeded buddy model). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/pages.h"

#define GiB (UINT64_C(1) << 30)
#define MiB (UINT64_C(1) << 20)

static struct phyr_pages *mk(enum phyr_pages_pattern p, uint64_t seed, uint64_t bytes,
			     uint32_t frag)
{
	struct phyr_pages_opts o = { .pattern = p, .seed = seed, .bytes = bytes,
				     .frag_permille = frag };
	struct phyr_pages *g = NULL;

	assert_int_equal(phyr_pages_create(&o, NULL, &g), 0);
	return g;
}

static void expect_run(struct phyr_pages *g, uint64_t max, uint64_t pfn, uint64_t n)
{
	struct phyr_pages_run r;

	assert_int_equal(phyr_pages_next(g, max, &r), 1);
	assert_int_equal(r.pfn, pfn);
	assert_int_equal(r.npages, n);
}

static void test_pages_fresh_unfragmented_is_ascending_blocks(void **state)
{
	struct phyr_pages *g = mk(PHYR_PAGES_FRESH, 1, 8 * MiB + 400 * 4096, 0);
	struct phyr_pages_run r;

	(void)state;
	/* ZONE_NORMAL's first arena starts at 4 GiB = pfn 0x100000 */
	expect_run(g, 100, 0x100000, 100);
	expect_run(g, 0, 0x100064, 924);
	expect_run(g, 0, 0x100400, 1024);
	expect_run(g, 0, 0x100800, 400); /* the byte limit cuts the block */
	assert_int_equal(phyr_pages_next(g, 0, &r), 0);
	phyr_pages_destroy(g);
}

static void test_pages_hugetlb_windows(void **state)
{
	struct phyr_pages *g = mk(PHYR_PAGES_HUGETLB, 7, 3 * GiB, 0);
	struct phyr_pages_run r;
	struct phyr_pages_stats st;

	(void)state;
	expect_run(g, 0, 0x100000, 0x40000);
	expect_run(g, 0, 0x140000, 0x40000);
	expect_run(g, 0, 0x180000, 0x40000);
	assert_int_equal(phyr_pages_next(g, 0, &r), 0);
	phyr_pages_get_stats(g, &st);
	assert_int_equal(st.narenas, 3);
	assert_int_equal(st.npages, 3 * 0x40000);
	phyr_pages_destroy(g);
	/* with frag, some windows are skipped: runs stay 1 GiB aligned */
	g = mk(PHYR_PAGES_HUGETLB, 7, 40 * GiB, 500);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(phyr_pages_next(g, 0, &r), 1);
		assert_int_equal(r.pfn & 0x3FFFF, 0);
		assert_int_equal(r.npages, 0x40000);
	}
	phyr_pages_get_stats(g, &st);
	assert_int_equal(st.narenas, 40);
	phyr_pages_destroy(g);
}

/* Every page at most once, inside RAM, same sequence for the same seed. */
static void check_distinct(enum phyr_pages_pattern p, uint32_t frag, uint64_t bytes)
{
	struct phyr_pages *g = mk(p, 42, bytes, frag), *h = mk(p, 42, bytes, frag);
	struct phyr_pages *x = mk(p, 43, bytes, frag);
	uint64_t span = UINT64_C(1) << 22; /* bitmap over pfns below 16 GiB */
	uint8_t *seen = calloc(span / 8, 1);
	struct phyr_pages_run r, s, t;
	uint64_t total = 0, nruns = 0;
	bool differs = false;

	assert_non_null(seen);
	while (phyr_pages_next(g, 0, &r) == 1) {
		assert_int_equal(phyr_pages_next(h, 0, &s), 1);
		assert_int_equal(r.pfn, s.pfn);
		assert_int_equal(r.npages, s.npages);
		if (phyr_pages_next(x, 0, &t) == 1 && (t.pfn != r.pfn || t.npages != r.npages))
			differs = true;
		assert_true(r.npages >= 1);
		assert_true(r.pfn >= 0x1000);
		for (uint64_t i = 0; i < r.npages; i++) {
			uint64_t pfn = r.pfn + i;

			assert_true(pfn < span);
			assert_false(pfn >= 0xC0000 && pfn < 0x100000); /* PCI hole */
			assert_false(seen[pfn / 8] & (1u << (pfn % 8)));
			seen[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		}
		total += r.npages;
		nruns++;
	}
	assert_int_equal(total, bytes / 4096);
	assert_true(differs);
	free(seen);
	phyr_pages_destroy(g);
	phyr_pages_destroy(h);
	phyr_pages_destroy(x);
}

static void test_pages_fragmented_distinct_and_deterministic(void **state)
{
	(void)state;
	check_distinct(PHYR_PAGES_FRAGMENTED, PHYR_PAGES_FRAG_DEFAULT, 2 * GiB);
	check_distinct(PHYR_PAGES_FRAGMENTED, 1000, GiB);
	check_distinct(PHYR_PAGES_FRESH, PHYR_PAGES_FRAG_DEFAULT, GiB);
	check_distinct(PHYR_PAGES_THP, 300, 2 * GiB);
	check_distinct(PHYR_PAGES_SCATTERED, PHYR_PAGES_FRAG_DEFAULT, GiB + 64 * MiB);
}

static void test_pages_scattered_never_adjacent(void **state)
{
	struct phyr_pages *g = mk(PHYR_PAGES_SCATTERED, 3, 300000 * UINT64_C(4096), 0);
	struct phyr_pages_run r;
	uint64_t prev = 0, n = 0;

	(void)state;
	while (phyr_pages_next(g, 0, &r) == 1) {
		assert_int_equal(r.npages, 1);
		if (n++)
			assert_true(r.pfn != prev + 1 && r.pfn + 1 != prev);
		prev = r.pfn;
	}
	assert_int_equal(n, 300000);
	phyr_pages_destroy(g);
}

static void test_pages_thp_folios_and_fallback(void **state)
{
	struct phyr_pages *g = mk(PHYR_PAGES_THP, 5, 8 * GiB, 0);
	struct phyr_pages_run r;
	struct phyr_pages_stats st;

	(void)state;
	while (phyr_pages_next(g, 0, &r) == 1) {
		assert_int_equal(r.pfn & 511, 0);
		assert_int_equal(r.npages & 511, 0);
	}
	phyr_pages_get_stats(g, &st);
	assert_int_equal(st.nfallback_pages, 0);
	phyr_pages_destroy(g);
	/* heavily fragmented: arenas run out of order-9 blocks, folios fall
	 * back to order-0 pages, 512 per folio */
	g = mk(PHYR_PAGES_THP, 5, 8 * GiB, 1000);
	while (phyr_pages_next(g, 0, &r) == 1)
		;
	phyr_pages_get_stats(g, &st);
	assert_true(st.nfallback_pages > 0);
	assert_int_equal(st.npages, 8 * GiB / 4096);
	phyr_pages_destroy(g);
}

static void test_pages_bar_chunks_and_enospc(void **state)
{
	struct phyr_pages_opts o = { .pattern = PHYR_PAGES_BAR, .seed = 9,
				     .frag_permille = PHYR_PAGES_FRAG_DEFAULT,
				     .bar_size = 64 * MiB };
	struct phyr_pages *g;
	struct phyr_pages_run r;
	uint64_t prev_end = 0x2c000000, total = 0;
	int ret;

	(void)state;
	assert_int_equal(phyr_pages_create(&o, NULL, &g), 0);
	while ((ret = phyr_pages_next(g, 0, &r)) == 1) {
		assert_true(r.npages == 16 || r.npages == 64 || r.npages == 256 ||
			    r.npages == 512);
		assert_int_equal(r.pfn & (r.npages - 1), 0);
		assert_true(r.pfn >= prev_end);
		prev_end = r.pfn + r.npages;
		total += r.npages;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_true(prev_end <= 0x2c000000 + 64 * MiB / 4096);
	assert_true(total > 0);
	phyr_pages_destroy(g);
}

static void test_pages_bounded_memory_runs_out(void **state)
{
	struct phyr_pages_opts o = { .pattern = PHYR_PAGES_FRAGMENTED, .seed = 1,
				     .frag_permille = 0, .mem_bytes = GiB };
	struct phyr_pages *g;
	struct phyr_pages_run r;
	uint64_t total = 0;
	int ret;

	(void)state;
	assert_int_equal(phyr_pages_create(&o, NULL, &g), 0);
	while ((ret = phyr_pages_next(g, 0, &r)) == 1)
		total += r.npages;
	assert_int_equal(ret, -ENOSPC);
	/* 1 GiB above 4 GiB, then 16 MiB .. 3 GiB: all free at frag 0 */
	assert_int_equal(total, (4 * GiB - 16 * MiB) / 4096);
	phyr_pages_destroy(g);
}

static void test_pages_fill_and_bad_options(void **state)
{
	struct phyr_pages *g = mk(PHYR_PAGES_FRESH, 1, 0, 0);
	struct phyr_pages_opts o = { .pattern = PHYR_PAGES_FRESH, .frag_permille = 1001 };
	uint64_t pfns[3000];
	size_t n;

	(void)state;
	assert_int_equal(phyr_pages_fill(g, pfns, 3000, &n), 0);
	assert_int_equal(n, 3000);
	assert_int_equal(pfns[0], 0x100000);
	assert_int_equal(pfns[2999], 0x100000 + 2999);
	phyr_pages_destroy(g);
	assert_int_equal(phyr_pages_create(&o, NULL, &g), -EINVAL);
	o.frag_permille = 0;
	o.pattern = PHYR_PAGES_NPATTERNS;
	assert_int_equal(phyr_pages_create(&o, NULL, &g), -EINVAL);
	o.pattern = PHYR_PAGES_BAR;
	o.bar_base = 0x1000;
	assert_int_equal(phyr_pages_create(&o, NULL, &g), -EINVAL);
	assert_string_equal(phyr_pages_pattern_name(PHYR_PAGES_THP), "thp");
	phyr_pages_destroy(NULL);
}

static void test_pages_failnth_no_leak(void **state)
{
	(void)state;
	for (uint64_t fail = 1;; fail++) {
		struct phyr_failnth f = { .fail_at = fail };
		struct phyr_allocator a;
		struct phyr_pages_opts o = { .pattern = PHYR_PAGES_THP, .seed = 1,
					     .bytes = 64 * MiB, .frag_permille = 500 };
		struct phyr_pages *g;
		struct phyr_pages_run r;
		int ret;

		phyr_failnth_allocator(&f, &a);
		ret = phyr_pages_create(&o, &a, &g);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		assert_int_equal(fail, 3); /* the generator, then its free lists */
		while (phyr_pages_next(g, 0, &r) == 1)
			;
		phyr_pages_destroy(g);
		assert_int_equal(f.nlive, 0);
		break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_fresh_unfragmented_is_ascending_blocks),
		cmocka_unit_test(test_pages_hugetlb_windows),
		cmocka_unit_test(test_pages_fragmented_distinct_and_deterministic),
		cmocka_unit_test(test_pages_scattered_never_adjacent),
		cmocka_unit_test(test_pages_thp_folios_and_fallback),
		cmocka_unit_test(test_pages_bar_chunks_and_enospc),
		cmocka_unit_test(test_pages_bounded_memory_runs_out),
		cmocka_unit_test(test_pages_fill_and_bad_options),
		cmocka_unit_test(test_pages_failnth_no_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
