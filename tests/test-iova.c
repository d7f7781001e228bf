// SPDX-License-Identifier: MIT
/*
 * Tests of the IOVA allocator: the worked examples B1-B8 of
 * shared/spec/kernel.md section 12 with the pfns Linux gives, run on the
 * linux and augmented policies; range cache orders; reserve; bad
 * arguments; allocation-failure sweeps (no leak, state unchanged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "iova.h"
#include "phyr/iova.h"

#define LIM32 UINT64_C(0xfffff)
#define LIM48 UINT64_C(0xfffffffff)

/* Each test runs once per policy: its state points at one of these. */
static const struct phyr_iova_policy_ops *pol_linux, *pol_augmented, *pol_buddy;

static const struct phyr_iova_policy_ops *policy_of(void **state)
{
	return *(const struct phyr_iova_policy_ops **)*state;
}

static struct phyr_iova_domain *mkdom(void **state, uint64_t start_pfn)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d = NULL;

	phyr_iova_config_init(&cfg);
	cfg.policy = policy_of(state);
	assert_int_equal(phyr_iova_domain_create(4096, start_pfn, &cfg, NULL, &d), 0);
	return d;
}

static uint64_t alloc_ok(struct phyr_iova_domain *d, uint64_t size, uint64_t limit, bool aligned)
{
	uint64_t pfn = 0;

	assert_int_equal(phyr_iova_alloc(d, size, limit, aligned, &pfn), 0);
	return pfn;
}

static void assert_range(struct phyr_iova_domain *d, uint64_t pfn, uint64_t lo, uint64_t hi)
{
	uint64_t l, h;

	assert_int_equal(phyr_iova_find(d, pfn, &l, &h), 0);
	assert_int_equal(l, lo);
	assert_int_equal(h, hi);
}

static uint64_t fast_ok(struct phyr_iova_domain *d, uint64_t size, uint64_t limit, unsigned int cpu)
{
	uint64_t pfn = 0;

	assert_int_equal(phyr_iova_alloc_fast(d, size, limit, cpu, true, &pfn), 0);
	return pfn;
}

static void test_iova_b1_size_aligned_exact_length(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);

	assert_int_equal(alloc_ok(d, 3, LIM32, true), 0xFFFFC);
	assert_range(d, 0xFFFFC, 0xFFFFC, 0xFFFFE);
	assert_int_equal(phyr_iova_find(d, 0xFFFFF, NULL, NULL), -ENOENT);
	assert_int_equal(alloc_ok(d, 3, LIM32, true), 0xFFFF8);
	assert_range(d, 0xFFFF9, 0xFFFF8, 0xFFFFA);
	phyr_iova_domain_destroy(d);

	d = mkdom(state, 1);
	assert_int_equal(alloc_ok(d, 5, LIM32, false), 0xFFFFB);
	assert_range(d, 0xFFFFF, 0xFFFFB, 0xFFFFF);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b2_fast_rounds_small_sizes(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	struct phyr_iova_stats st;
	uint64_t nodes, pages;

	assert_int_equal(fast_ok(d, 3, LIM32, 0), 0xFFFFC);
	assert_range(d, 0xFFFFC, 0xFFFFC, 0xFFFFF);
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFFC, 3, 0), 0);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nallocs, 1);
	assert_int_equal(fast_ok(d, 4, LIM32, 0), 0xFFFFC);
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFFC, 4, 0), 0);
	assert_int_equal(fast_ok(d, 3, LIM32, 0), 0xFFFFC);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nallocs, 1); /* both served without the tree */
	assert_int_equal(st.nrcache_hits, 2);
	/* 33 pages: not rounded, but 64-aligned; never cached */
	assert_int_equal(fast_ok(d, 33, LIM32, 0), 0xFFFC0);
	assert_range(d, 0xFFFC0, 0xFFFC0, 0xFFFE0);
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFC0, 33, 0), 0);
	assert_int_equal(phyr_iova_find(d, 0xFFFC0, NULL, NULL), -ENOENT);
	phyr_iova_usage(d, &nodes, &pages);
	assert_int_equal(nodes, 1);
	assert_int_equal(pages, 4);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b3_holes_above_hint_skipped(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);

	assert_int_equal(alloc_ok(d, 5, LIM32, false), 0xFFFFB);
	assert_int_equal(alloc_ok(d, 8, LIM32, true), 0xFFFF0);
	assert_int_equal(alloc_ok(d, 1, LIM32, true), 0xFFFEF);
	assert_int_equal(phyr_iova_find(d, 0xFFFF8, NULL, NULL), -ENOENT);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b4_second_pass(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 12);
	uint64_t pfn;
	struct phyr_iova_stats st;

	assert_int_equal(alloc_ok(d, 4, 31, true), 28);
	assert_int_equal(alloc_ok(d, 4, 31, true), 24);
	assert_int_equal(alloc_ok(d, 4, 31, true), 20);
	assert_int_equal(alloc_ok(d, 4, 15, true), 12);
	assert_int_equal(alloc_ok(d, 4, 31, true), 16);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nsecond_passes, 1);
	assert_int_equal(phyr_iova_alloc(d, 4, 31, true, &pfn), -ENOSPC);
	assert_int_equal(phyr_iova_alloc(d, 1, 31, true, &pfn), -ENOSPC);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nmax32_fastfails, 0);
	/* the hint is now 1: every 32-bit request fails without a search */
	assert_int_equal(phyr_iova_alloc(d, 1, LIM32, false, &pfn), -ENOSPC);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nmax32_fastfails, 1);
	/* but not a 64-bit one */
	assert_int_equal(alloc_ok(d, 1, LIM48, false), LIM48);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b5_max32_fastfail_reset(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	uint64_t pfn, lo, hi;

	assert_int_equal(alloc_ok(d, 4, 15, true), 12);
	assert_int_equal(alloc_ok(d, 4, 15, true), 8);
	assert_int_equal(alloc_ok(d, 4, 15, true), 4);
	assert_int_equal(phyr_iova_alloc(d, 4, 15, true, &pfn), -ENOSPC);
	assert_int_equal(alloc_ok(d, 1, 15, true), 3);
	assert_int_equal(phyr_iova_free(d, 8, &lo, &hi), 0);
	assert_int_equal(lo, 8);
	assert_int_equal(hi, 11);
	assert_int_equal(alloc_ok(d, 4, 15, true), 8);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b6_64bit_failure_poisons_32bit(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 0xff000);
	uint64_t pfn;

	/* a 64-bit limit just above 4 GiB: two fit, the third fails */
	assert_int_equal(alloc_ok(d, 0x800, 0x100000, false), 0xff801);
	assert_int_equal(alloc_ok(d, 0x800, 0x100000, false), 0xff001);
	assert_int_equal(phyr_iova_alloc(d, 0x800, 0x100000, false, &pfn), -ENOSPC);
	/* max32_alloc_size is now 0x800: same-size 32-bit requests fail at once */
	assert_int_equal(phyr_iova_alloc(d, 0x800, LIM32, false, &pfn), -ENOSPC);
	assert_int_equal(alloc_ok(d, 1, LIM32, false), 0xff000);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b7_sac_first(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	uint64_t pfn;

	/* dma-iommu's first try for a PCI device: the 32-bit limit, no flush */
	assert_int_equal(phyr_iova_alloc_fast(d, 1, 0xffffffffu >> 12, 0, false, &pfn), 0);
	assert_int_equal(pfn, 0xFFFFF);
	/* a device past SAC: the top of its 48-bit limit */
	assert_int_equal(fast_ok(d, 1, LIM48, 0), LIM48);
	phyr_iova_domain_destroy(d);
}

static void test_iova_b8_rcache_limit_filter(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	struct phyr_iova_stats st;

	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFE);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFD);
	phyr_iova_free_fast(d, 0xFFFFF, 1, 0);
	phyr_iova_free_fast(d, 0xFFFFD, 1, 0);
	phyr_iova_free_fast(d, 0xFFFFE, 1, 0);
	/* newest first, within the limit: 0xFFFFE is above, 0xFFFFD fits */
	assert_int_equal(fast_ok(d, 1, 0xFFFFD, 0), 0xFFFFD);
	/* nothing fits: a miss that goes to the tree, without a flush */
	assert_int_equal(fast_ok(d, 1, 0xFFFFC, 0), 0xFFFFC);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nrcache_misses, 4);
	assert_int_equal(st.nflush_retries, 0);
	/* the pop moved the last entry (0xFFFFE) into slot 1 */
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFE);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF);
	phyr_iova_domain_destroy(d);
}

static void test_iova_reserve_merge_extend(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	uint64_t lo, hi;

	assert_int_equal(alloc_ok(d, 16, LIM32, true), 0xffff0);
	assert_int_equal(alloc_ok(d, 16, LIM32, true), 0xfffe0);
	assert_int_equal(alloc_ok(d, 16, LIM32, true), 0xfffd0);
	assert_int_equal(phyr_iova_free(d, 0xfffe0, NULL, NULL), 0);
	assert_int_equal(phyr_iova_reserve(d, 0xfffd8, 0xfffe8, &lo, &hi), 0);
	assert_int_equal(lo, 0xfffe0);
	assert_int_equal(hi, 0xfffe8);
	assert_int_equal(phyr_iova_reserve(d, 0xfffc0, 0xffff8, &lo, &hi), 0);
	assert_int_equal(lo, 0xfffe9);
	assert_int_equal(hi, 0xfffff);
	assert_range(d, 0xfffc0, 0xfffc0, 0xfffdf);
	assert_int_equal(phyr_iova_reserve(d, 0xfffc5, 0xfffc6, &lo, &hi), 0);
	assert_int_equal(lo, 0xfffc0);
	assert_int_equal(hi, 0xfffdf);
	assert_int_equal(phyr_iova_reserve(d, 1, UINT64_C(1) << 52, &lo, &hi), -EINVAL);
	/* reserve_iova(d, 9, 8) is legal in Linux: nothing overlaps, so it
	 * inserts the node [9, 8] (zero pages) and returns it */
	assert_int_equal(phyr_iova_reserve(d, 9, 8, &lo, &hi), 0);
	assert_int_equal(lo, 9);
	assert_int_equal(hi, 8);
	assert_int_equal(phyr_iova_check(d), 0);
	phyr_iova_domain_destroy(d);
}

static void test_iova_depot_and_tick(void **state)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d = NULL;
	struct phyr_iova_stats st;
	uint64_t nodes;

	phyr_iova_config_init(&cfg);
	cfg.policy = policy_of(state);
	cfg.mag_size = 2;
	cfg.ncpus = 1;
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - (uint64_t)i);
	for (int i = 0; i < 10; i++)
		phyr_iova_free_fast(d, 0xFFFFF - (uint64_t)i, 1, 0);
	/* loaded {8,9}, prev {2,3}... : 4 magazines pushed to the depot */
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pushes, 3);
	/* depot 3 > 1 online CPU: one tick trims the newest (pfns of frees 6, 7) */
	phyr_iova_tick(d);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 8);
	assert_int_equal(phyr_iova_find(d, 0xFFFFF - 6, NULL, NULL), -ENOENT);
	/* re-armed: frees 4, 5; then the depot (1) is not above 1 CPU */
	phyr_iova_tick(d);
	phyr_iova_tick(d);
	phyr_iova_tick(d);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 6);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_trims, 2);
	/* loaded {8, 9} from the top, then prev {0, 1} after a swap */
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - 9);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - 8);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - 1);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - 0);
	/* both empty: the depot's last magazine (frees 2, 3) */
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - 3);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pops, 3);
	phyr_iova_domain_destroy(d);
}

static void test_iova_cpu_offline_flushes(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	uint64_t pfn, nodes;

	assert_int_equal(fast_ok(d, 2, LIM32, 1), 0xFFFFE);
	phyr_iova_free_fast(d, 0xFFFFE, 2, 1);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 1);
	assert_int_equal(phyr_iova_cpu_offline(d, 1), 0);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 0);
	assert_int_equal(phyr_iova_alloc_fast(d, 1, LIM32, 1, true, &pfn), -EINVAL);
	assert_int_equal(phyr_iova_cpu_offline(d, 1), -EINVAL);
	assert_int_equal(phyr_iova_cpu_online(d, 1), 0);
	assert_int_equal(fast_ok(d, 2, LIM32, 1), 0xFFFFE);
	phyr_iova_domain_destroy(d);
}

/* A domain of @ncpus CPUs with magazines of @mag_size pfns. */
static struct phyr_iova_domain *mkdom_mag(void **state, unsigned int ncpus, unsigned int mag_size,
					  bool threaded)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d = NULL;

	phyr_iova_config_init(&cfg);
	cfg.policy = policy_of(state);
	cfg.ncpus = ncpus;
	cfg.mag_size = mag_size;
	cfg.threaded = threaded;
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), 0);
	return d;
}

/* CPU 0 takes pfns 0xFFFFF..0xFFFF6 and frees them: 3 full magazines in the depot. */
static void fill_depot(struct phyr_iova_domain *d)
{
	for (int i = 0; i < 10; i++)
		assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - (uint64_t)i);
	for (int i = 0; i < 10; i++)
		assert_int_equal(phyr_iova_free_fast(d, 0xFFFFF - (uint64_t)i, 1, 0), 0);
}

/*
 * iova_depot_work_func trims while depot_size > num_online_cpus(): with
 * CPU 1 of 2 offline the bound is 1, so a depot of 3 loses 2 magazines.
 * Kills: cpu_offline not lowering the online count (or the trim using
 * the configured CPU count): one trim only.
 */
static void test_iova_depot_trim_uses_online_cpus(void **state)
{
	struct phyr_iova_domain *d = mkdom_mag(state, 2, 2, false);
	struct phyr_iova_stats st;
	uint64_t nodes, depot;

	fill_depot(d);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pushes, 3);
	assert_int_equal(st.nmagazines, 2 * 6 * 2 + 3);
	assert_int_equal(phyr_iova_cpu_offline(d, 1), 0);
	for (int i = 0; i < 4; i++)
		phyr_iova_tick(d);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_trims, 2);
	assert_int_equal(st.nmagazines, 2 * 6 * 2 + 1);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 6);
	phyr_iova_cache_memory(d, NULL, &depot);
	assert_int_equal(depot, 1 * (8 + 2 * 8)); /* one magazine of 2 pfns */
	phyr_iova_domain_destroy(d);
}

/*
 * __iova_rcache_get: when loaded and prev are empty, the empty loaded
 * magazine is freed and the depot's top one takes its place.
 * Kills: dropping that free (the magazine leaks; only ASan saw it).
 */
static void test_iova_depot_pop_frees_magazine(void **state)
{
	struct phyr_iova_domain *d = mkdom_mag(state, 1, 2, false);
	struct phyr_iova_stats st;

	fill_depot(d);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nmagazines, 1 * 6 * 2 + 3);
	/* loaded {8, 9}, then prev {0, 1} */
	for (int i = 0; i < 4; i++)
		(void)fast_ok(d, 1, LIM32, 0);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pops, 0);
	assert_int_equal(st.nmagazines, 1 * 6 * 2 + 3);
	/* both empty: pop the newest depot magazine (frees 6, 7) */
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF - 7);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pops, 1);
	assert_int_equal(st.nmagazines, 1 * 6 * 2 + 2);
	phyr_iova_domain_destroy(d);
}

/*
 * __cached_rbnode_delete_update moves cached32_node only for a freed node
 * with pfn_hi < dma_32bit_pfn (or the hint itself). A node ending exactly
 * on pfn 0x100000, the first pfn at 4 GiB, leaves the hint where it was,
 * so the next 32-bit search still starts below the hint node.
 * Kills: `pfn_hi <= dma_32bit_pfn` (the hint jumps above the freed node
 * and the next allocation takes 0xFFFFF).
 */
static void test_iova_cached32_kept_for_node_ending_at_4g(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	uint64_t lo, hi;

	assert_int_equal(phyr_iova_reserve(d, 0xFFFF8, 0x100000, &lo, &hi), 0);
	assert_int_equal(lo, 0xFFFF8);
	assert_int_equal(hi, 0x100000);
	/* the 32-bit hint becomes this node */
	assert_int_equal(alloc_ok(d, 1, LIM32, true), 0xFFFF7);
	assert_int_equal(phyr_iova_free(d, 0xFFFF8, &lo, &hi), 0);
	assert_int_equal(hi, 0x100000);
	assert_int_equal(alloc_ok(d, 1, LIM32, true), 0xFFFF6);
	assert_int_equal(phyr_iova_check(d), 0);
	phyr_iova_domain_destroy(d);
}

/*
 * alloc_iova_fast's flush_rcache: with the flag clear a tree failure is
 * final; with it set every cached range goes back to the tree and the
 * tree is tried once more. Two single pages are the only free space,
 * both cached; a 2-page request needs the flush.
 * Kills: ignoring the flag (flushing always, or never).
 */
static void test_iova_fast_flush_flag(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	struct phyr_iova_stats st;
	uint64_t pfn = 0, nodes;

	assert_int_equal(phyr_iova_reserve(d, 1, 0xFFFFD, NULL, NULL), 0);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF);
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFE);
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFFF, 1, 0), 0);
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFFE, 1, 0), 0);
	assert_int_equal(phyr_iova_alloc_fast(d, 2, LIM32, 0, false, &pfn), -ENOSPC);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nflush_retries, 0);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 3); /* reserved + the two cached pages */
	assert_int_equal(phyr_iova_alloc_fast(d, 2, LIM32, 0, true, &pfn), 0);
	assert_int_equal(pfn, 0xFFFFE);
	assert_range(d, 0xFFFFF, 0xFFFFE, 0xFFFFF);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nflush_retries, 1);
	phyr_iova_domain_destroy(d);
}

/*
 * Every lock a threaded domain takes is released on every path: after
 * each call, no lock is held. Covers the tree calls, the range cache's
 * hit, miss (empty depot), depot push and pop, flush-and-retry, the trim
 * tick, CPU hotplug and the introspection calls.
 * Kills: a missing unlock on any of these paths (e.g. the depot lock on
 * the empty-depot return of __iova_rcache_get), which otherwise only
 * hangs the threaded stress test.
 */
static void test_iova_locks_released_on_every_path(void **state)
{
	struct phyr_iova_domain *d = mkdom_mag(state, 2, 2, true);
	struct phyr_iova_stats st;
	uint64_t pfn = 0, lo, hi, held[6];

#define NOLOCK() assert_int_equal(iova_nlocks_held(d), 0)
	NOLOCK();
	/* first alloc_fast: loaded, prev and depot empty -> tree */
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF);
	NOLOCK();
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFFF, 1, 0), 0);
	NOLOCK();
	assert_int_equal(fast_ok(d, 1, LIM32, 0), 0xFFFFF); /* hit */
	NOLOCK();
	assert_int_equal(phyr_iova_free_fast(d, 0xFFFFF, 1, 0), 0);
	NOLOCK();
	for (int i = 1; i < 10; i++)
		(void)fast_ok(d, 1, LIM32, 0);
	NOLOCK();
	for (int i = 0; i < 10; i++) {
		assert_int_equal(phyr_iova_free_fast(d, 0xFFFFF - (uint64_t)i, 1, 0), 0);
		NOLOCK(); /* including the depot pushes */
	}
	for (int i = 0; i < 6; i++) {
		held[i] = fast_ok(d, 1, LIM32, 0);
		NOLOCK(); /* including a depot pop */
	}
	for (int i = 0; i < 6; i++)
		assert_int_equal(phyr_iova_free_fast(d, held[i], 1, 0), 0);
	NOLOCK();
	phyr_iova_tick(d);
	NOLOCK();
	phyr_iova_tick(d);
	NOLOCK();
	/* a size only a flush can satisfy: everything below is reserved */
	assert_int_equal(phyr_iova_reserve(d, 1, 0xFFFEF, &lo, &hi), 0);
	NOLOCK();
	assert_int_equal(phyr_iova_alloc_fast(d, 16, LIM32, 1, false, &pfn), -ENOSPC);
	NOLOCK();
	assert_int_equal(phyr_iova_alloc_fast(d, 16, LIM32, 1, true, &pfn), 0);
	NOLOCK();
	assert_int_equal(pfn, 0xFFFF0);
	assert_int_equal(phyr_iova_free(d, 0xFFFF0, &lo, &hi), 0);
	NOLOCK();
	assert_int_equal(phyr_iova_free(d, 0xFFFF0, &lo, &hi), -ENOENT);
	NOLOCK();
	assert_int_equal(phyr_iova_alloc(d, 4, LIM32, true, &pfn), 0);
	NOLOCK();
	assert_int_equal(phyr_iova_alloc(d, 32, LIM32, true, &pfn), -ENOSPC);
	NOLOCK();
	assert_int_equal(phyr_iova_find(d, pfn, &lo, &hi), 0);
	NOLOCK();
	assert_int_equal(phyr_iova_alloc_fast(d, 1, LIM32, 5, true, &pfn), -EINVAL);
	NOLOCK();
	assert_int_equal(phyr_iova_cpu_offline(d, 1), 0);
	NOLOCK();
	assert_int_equal(phyr_iova_cpu_online(d, 1), 0);
	NOLOCK();
	phyr_iova_flush_rcaches(d);
	NOLOCK();
	phyr_iova_get_stats(d, &st);
	NOLOCK();
	phyr_iova_usage(d, NULL, NULL);
	NOLOCK();
	assert_int_equal(phyr_iova_check(d), 0);
	NOLOCK();
#undef NOLOCK
	phyr_iova_domain_destroy(d);
}

/*
 * Mutation-check survivors, pinned with Linux's values (iova.c v6.17).
 * An aligned size-2 request after a size-1 one: (high - 2) is odd, and the
 * size alignment takes it down to the even pfn.
 */
static void test_iova_size2_aligned(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);

	assert_int_equal(alloc_ok(d, 1, LIM32, true), 0xFFFFF);
	assert_int_equal(alloc_ok(d, 2, LIM32, true), 0xFFFFC);
	assert_range(d, 0xFFFFD, 0xFFFFC, 0xFFFFD);
	assert_int_equal(alloc_ok(d, 2, LIM32, false), 0xFFFFA);
	phyr_iova_domain_destroy(d);
}

/*
 * A range ending exactly at dma_32bit_pfn (0x100000 for 4K) is not below it:
 * it becomes cached_node, not cached32_node, so the next 64-bit request
 * walks down from it (next fit) and lands just below 4 GiB.
 */
static void test_iova_hint_at_32bit_boundary(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);

	assert_int_equal(alloc_ok(d, 1, 0x100000, false), 0x100000);
	assert_int_equal(alloc_ok(d, 1, 0x1fffff, false), 0xFFFFF);
	/* the 32-bit hint is still the anchor: a 32-bit request starts at the top */
	assert_int_equal(alloc_ok(d, 1, LIM32, false), 0xFFFFE);
	phyr_iova_domain_destroy(d);
}

/*
 * Freeing a range that starts at dma_32bit_pfn does not reset
 * max32_alloc_size: the next 32-bit request of that size still fails fast.
 */
static void test_iova_free_at_32bit_boundary_keeps_max32(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	struct phyr_iova_stats st;
	uint64_t pfn;

	assert_int_equal(phyr_iova_reserve(d, 1, LIM32, NULL, NULL), 0);
	assert_int_equal(phyr_iova_alloc(d, 1, LIM32, false, &pfn), -ENOSPC);
	assert_int_equal(alloc_ok(d, 1, 0x100000, false), 0x100000);
	assert_int_equal(phyr_iova_free(d, 0x100000, NULL, NULL), 0);
	assert_int_equal(phyr_iova_alloc(d, 1, LIM32, false, &pfn), -ENOSPC);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.nmax32_fastfails, 1);
	assert_int_equal(st.nalloc_fails, 2);
	phyr_iova_domain_destroy(d);
}

/*
 * The second pass searches strictly above the old hint (low = retry + 1):
 * a candidate equal to the hint's last pfn ends the walk at once. Linux's
 * walk visits C and R in the first pass, the anchor and N in the second:
 * four nodes (the linux policy counts Linux's steps; augmented its own).
 */
static void test_iova_second_pass_low_bound(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);
	struct phyr_iova_stats before, after;
	uint64_t pfn;

	assert_int_equal(phyr_iova_reserve(d, 1, 0x7FFFF, NULL, NULL), 0);     /* R */
	assert_int_equal(alloc_ok(d, 1, 0x80000, false), 0x80000);               /* C */
	assert_int_equal(phyr_iova_reserve(d, 0x80002, LIM32, NULL, NULL), 0); /* N */
	phyr_iova_get_stats(d, &before);
	assert_int_equal(phyr_iova_alloc(d, 2, LIM32, true, &pfn), -ENOSPC);
	phyr_iova_get_stats(d, &after);
	assert_int_equal(after.nsecond_passes - before.nsecond_passes, 1);
	if (policy_of(state) == pol_linux)
		assert_int_equal(after.nnodes_visited - before.nnodes_visited, 4);
	/* the one free pfn is still there for a size-1 request */
	assert_int_equal(alloc_ok(d, 1, LIM32, false), 0x80001);
	phyr_iova_domain_destroy(d);
}

/* The largest aligned size, 2^63, is accepted: from pfn 0 it fits exactly. */
static void test_iova_largest_aligned_size(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 0);
	uint64_t pfn = 1;

	assert_int_equal(phyr_iova_alloc(d, UINT64_C(1) << 63, UINT64_MAX - 1, true, &pfn), 0);
	assert_int_equal(pfn, 0);
	assert_range(d, UINT64_C(0x7fffffffffffffff), 0, UINT64_C(0x7fffffffffffffff));
	assert_int_equal(phyr_iova_alloc(d, (UINT64_C(1) << 63) + 1, UINT64_MAX - 1, true, &pfn),
			 -EINVAL);
	phyr_iova_domain_destroy(d);
}

/* CPU ids run 0 .. ncpus - 1: ncpus itself is refused by every call. */
static void test_iova_cpu_id_bounds(void **state)
{
	struct phyr_iova_domain *d = mkdom(state, 1);

	assert_int_equal(phyr_iova_cpu_offline(d, 4), -EINVAL);
	assert_int_equal(phyr_iova_cpu_online(d, 4), -EINVAL);
	assert_int_equal(phyr_iova_cpu_offline(d, 3), 0);
	assert_int_equal(phyr_iova_cpu_online(d, 3), 0);
	assert_int_equal(phyr_iova_cpu_online(d, 3), -EINVAL);
	phyr_iova_domain_destroy(d);
}

/*
 * The depot trim compares the depot's size with the online CPUs: taking a
 * CPU offline lowers the threshold, bringing it back raises it (Linux's
 * num_online_cpus() in iova_depot_work_func).
 */
static void test_iova_depot_trim_follows_online_cpus(void **state)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d = NULL;
	struct phyr_iova_stats st;
	uint64_t pfns[8];

	phyr_iova_config_init(&cfg);
	cfg.policy = policy_of(state);
	cfg.mag_size = 1;
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), 0);
	for (int i = 0; i < 8; i++)
		pfns[i] = alloc_ok(d, 1, LIM32, true);
	/* loaded and prev take two, the next four push four full magazines */
	for (int i = 0; i < 6; i++)
		assert_int_equal(phyr_iova_free_fast(d, pfns[i], 1, 0), 0);
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pushes, 4);
	assert_int_equal(phyr_iova_cpu_offline(d, 3), 0);
	phyr_iova_tick(d); /* 4 > 3 online: one trimmed */
	phyr_iova_tick(d); /* 3 > 3: no */
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_trims, 1);
	assert_int_equal(phyr_iova_cpu_online(d, 3), 0);
	for (int i = 6; i < 8; i++)
		assert_int_equal(phyr_iova_free_fast(d, pfns[i], 1, 0), 0);
	phyr_iova_tick(d); /* 5 > 4 online: one trimmed */
	phyr_iova_tick(d); /* 4 > 4: no */
	phyr_iova_get_stats(d, &st);
	assert_int_equal(st.ndepot_pushes, 6);
	assert_int_equal(st.ndepot_trims, 2);
	assert_int_equal(st.nwarnings, 0);
	assert_int_equal(phyr_iova_check(d), 0);
	phyr_iova_domain_destroy(d);
}

static void test_iova_bad_arguments(void **state)
{
	struct phyr_iova_domain *d = NULL;
	struct phyr_iova_config cfg;
	uint64_t pfn;

	assert_int_equal(phyr_iova_domain_create(3000, 1, NULL, NULL, &d), -EINVAL);
	assert_int_equal(phyr_iova_domain_create(8192, 1, NULL, NULL, &d), -EINVAL);
	assert_int_equal(phyr_iova_domain_create(0, 1, NULL, NULL, &d), -EINVAL);
	phyr_iova_config_init(&cfg);
	cfg.rcache_classes = PHYR_IOVA_MAX_RCACHE_CLASSES + 1;
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), -EINVAL);
	assert_null(d);
	d = mkdom(state, 1);
	assert_int_equal(phyr_iova_alloc(d, 0, LIM32, true, &pfn), -EINVAL);
	assert_int_equal(phyr_iova_alloc_fast(d, 0, LIM32, 0, true, &pfn), -EINVAL);
	assert_int_equal(phyr_iova_alloc_fast(d, 1, LIM32, 4, true, &pfn), -EINVAL);
	assert_int_equal(phyr_iova_rcache_range(d), 128 * 1024);
	assert_int_equal(phyr_iova_free_fast(d, 1, 1, 4), -EINVAL);
	assert_int_equal(phyr_iova_free(d, 5, NULL, NULL), -ENOENT);
	/* the anchor is never found or freed */
	assert_int_equal(phyr_iova_free(d, UINT64_MAX, NULL, NULL), -ENOENT);
	assert_int_equal(phyr_iova_find(d, UINT64_MAX, NULL, NULL), -ENOENT);
	phyr_iova_domain_destroy(d);
	phyr_iova_domain_destroy(NULL);
}

static void test_iova_policy_lookup(void **state)
{
	(void)state;
	assert_ptr_equal(phyr_iova_policy_find("linux"), phyr_iova_policy_linux());
	assert_ptr_equal(phyr_iova_policy_find("augmented"), phyr_iova_policy_augmented());
	assert_null(phyr_iova_policy_find("nope"));
	assert_null(phyr_iova_policy_find(NULL));
}

static void test_iova_buddy_placement_and_merge(void **state)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d;
	uint64_t pfn, lo, hi, nodes, pages;

	(void)state;
	phyr_iova_config_init(&cfg);
	cfg.policy = phyr_iova_policy_buddy();
	/* the space [16, 2^52) starts with blocks of 16, 32, 64, ... pfns */
	assert_int_equal(phyr_iova_domain_create(4096, 16, &cfg, NULL, &d), 0);
	/* best fit by order: the 16-block at 16 splits, the top 4 of it is taken */
	assert_int_equal(phyr_iova_alloc(d, 3, LIM32, false, &pfn), 0);
	assert_int_equal(pfn, 28);
	assert_range(d, 29, 28, 31);
	assert_int_equal(phyr_iova_alloc(d, 4, LIM32, true, &pfn), 0);
	assert_int_equal(pfn, 24);
	assert_int_equal(phyr_iova_alloc(d, 8, LIM32, true, &pfn), 0);
	assert_int_equal(pfn, 16);
	/* the 16-block is used up: next the 32-block at 32, its top 16 */
	assert_int_equal(phyr_iova_alloc(d, 9, LIM32, true, &pfn), 0);
	assert_int_equal(pfn, 48);
	/* a limit below every free block of the order: fail */
	assert_int_equal(phyr_iova_alloc(d, 16, 40, true, &pfn), -ENOSPC);
	assert_int_equal(phyr_iova_alloc(d, 16, 47, true, &pfn), 0);
	assert_int_equal(pfn, 32);
	assert_int_equal(phyr_iova_check(d), 0);
	/* freeing everything merges back to the initial blocks */
	assert_int_equal(phyr_iova_free(d, 30, &lo, &hi), 0);
	assert_int_equal(lo, 28);
	assert_int_equal(hi, 31);
	assert_int_equal(phyr_iova_free(d, 24, NULL, NULL), 0);
	assert_int_equal(phyr_iova_free(d, 16, NULL, NULL), 0);
	assert_int_equal(phyr_iova_free(d, 48, NULL, NULL), 0);
	assert_int_equal(phyr_iova_free(d, 32, NULL, NULL), 0);
	phyr_iova_usage(d, &nodes, &pages);
	assert_int_equal(nodes, 0);
	assert_int_equal(pages, 0);
	assert_int_equal(phyr_iova_check(d), 0);
	/* reserve cuts a hole; a range inside it is reported as the reservation */
	assert_int_equal(phyr_iova_reserve(d, 0xfee00, 0xfeeff, &lo, &hi), 0);
	assert_int_equal(lo, 0xfee00);
	assert_int_equal(hi, 0xfeeff);
	assert_int_equal(phyr_iova_reserve(d, 0xfee10, 0xfee20, &lo, &hi), 0);
	assert_int_equal(lo, 0xfee00);
	assert_int_equal(phyr_iova_check(d), 0);
	assert_int_equal(phyr_iova_free(d, 0xfee00, NULL, NULL), 0);
	assert_int_equal(phyr_iova_check(d), 0);
	phyr_iova_domain_destroy(d);
}

/* ---- allocation-failure sweeps ---- */

struct snap {
	uint64_t r[64][2];
	int n;
};

static int snap_cb(void *ctx, uint64_t lo, uint64_t hi)
{
	struct snap *s = ctx;

	if (s->n < 64) {
		s->r[s->n][0] = lo;
		s->r[s->n][1] = hi;
	}
	s->n++;
	return 0;
}

static void take_snap(struct phyr_iova_domain *d, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	phyr_iova_walk(d, snap_cb, s);
}

/* A fixed history, then one op; returns its result, pfn in *out. */
enum sweep_op { SWEEP_ALLOC, SWEEP_FAST, SWEEP_RESERVE, SWEEP_FREE_FAST };

static void sweep_setup(struct phyr_iova_domain *d)
{
	uint64_t pfn;

	for (int i = 0; i < 5; i++)
		assert_int_equal(phyr_iova_alloc_fast(d, 4, LIM32, 0, true, &pfn), 0);
	phyr_iova_free_fast(d, 0xFFFF0, 4, 0);
	phyr_iova_free_fast(d, 0xFFFEC, 4, 0); /* fills prev too (magazines of 1) */
	assert_int_equal(phyr_iova_alloc(d, 3, LIM32, true, &pfn), 0);
}

static int sweep_do(struct phyr_iova_domain *d, enum sweep_op op, uint64_t *out)
{
	uint64_t hi;

	switch (op) {
	case SWEEP_ALLOC:
		return phyr_iova_alloc(d, 8, LIM32, true, out);
	case SWEEP_FAST:
		return phyr_iova_alloc_fast(d, 2, LIM32, 1, true, out);
	case SWEEP_RESERVE:
		return phyr_iova_reserve(d, 0xFFFE0, 0xFFFF2, out, &hi);
	default:
		return phyr_iova_free_fast(d, 0xFFFF4, 4, 0);
	}
}

/* The follow-up ops whose results show the hints and caches. */
static void sweep_after(struct phyr_iova_domain *d, uint64_t *res)
{
	for (int i = 0; i < 4; i++)
		if (phyr_iova_alloc_fast(d, 4, LIM32, 0, true, &res[i]))
			res[i] = 0;
	if (phyr_iova_alloc(d, 1, LIM32, false, &res[4]))
		res[4] = 0;
}

static void sweep(void **state, enum sweep_op op)
{
	const struct phyr_iova_policy_ops *pol = policy_of(state);
	struct phyr_iova_config cfg;
	uint64_t ref_pfn = 0, ref_flushed_pfn = 0, ref_after[5], after[5];
	int ref_ret, nfailed = 0;
	struct phyr_iova_domain *d;

	phyr_iova_config_init(&cfg);
	cfg.policy = pol;
	cfg.mag_size = 1; /* so that free_fast needs a new magazine */
	/* reference: no failure */
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), 0);
	sweep_setup(d);
	ref_ret = sweep_do(d, op, &ref_pfn);
	sweep_after(d, ref_after);
	phyr_iova_domain_destroy(d);
	/* what alloc_fast gives after its flush-and-retry (Linux's answer to
	 * any alloc_iova failure, a node allocation that fails included) */
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), 0);
	sweep_setup(d);
	phyr_iova_flush_rcaches(d);
	assert_int_equal(sweep_do(d, op, &ref_flushed_pfn), ref_ret);
	phyr_iova_domain_destroy(d);

	for (uint64_t n = 1;; n++) {
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		struct snap before, now;
		uint64_t pfn = 0, base;
		int ret;

		phyr_failnth_allocator(&f, &a);
		assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, &a, &d), 0);
		sweep_setup(d);
		take_snap(d, &before);
		base = f.nlive;
		f.fail_at = f.nallocs + n;
		ret = sweep_do(d, op, &pfn);
		if (f.nallocs < f.fail_at) {
			/* the op made fewer than n allocations: done */
			assert_int_equal(ret, ref_ret);
			assert_int_equal(pfn, ref_pfn);
			phyr_iova_domain_destroy(d);
			assert_int_equal(f.nlive, 0);
			break;
		}
		nfailed++;
		if (op == SWEEP_FREE_FAST) {
			/* Linux's fallback: no magazine, so the range goes to the tree */
			assert_int_equal(ret, 0);
			assert_int_equal(phyr_iova_find(d, 0xFFFF4, NULL, NULL), -ENOENT);
		} else if (op == SWEEP_FAST) {
			/* alloc_iova_fast: the failed node allocation flushes the
			 * range caches and the retry succeeds */
			assert_int_equal(ret, 0);
			assert_int_equal(pfn, ref_flushed_pfn);
		} else {
			assert_int_equal(ret, -ENOMEM);
			take_snap(d, &now);
			assert_memory_equal(&before, &now, sizeof(now));
			assert_int_equal(f.nlive, base);
			/* state unchanged: redoing the op now gives Linux's results */
			f.fail_at = 0;
			assert_int_equal(sweep_do(d, op, &pfn), ref_ret);
			assert_int_equal(pfn, ref_pfn);
			sweep_after(d, after);
			assert_memory_equal(after, ref_after, sizeof(after));
		}
		assert_int_equal(phyr_iova_check(d), 0);
		phyr_iova_domain_destroy(d);
		assert_int_equal(f.nlive, 0);
		assert_int_equal(f.nbytes_live, 0);
	}
	assert_true(nfailed >= 1);
}

static void test_iova_oom_alloc(void **state)
{
	sweep(state, SWEEP_ALLOC);
}

static void test_iova_oom_alloc_fast(void **state)
{
	sweep(state, SWEEP_FAST);
}

static void test_iova_oom_reserve(void **state)
{
	sweep(state, SWEEP_RESERVE);
}

static void test_iova_oom_free_fast_falls_back(void **state)
{
	sweep(state, SWEEP_FREE_FAST);
}

static void test_iova_oom_domain_create(void **state)
{
	struct phyr_iova_config cfg;
	int nfailed = 0;

	phyr_iova_config_init(&cfg);
	cfg.policy = policy_of(state);
	for (uint64_t n = 1;; n++) {
		struct phyr_failnth f = { .fail_at = n };
		struct phyr_allocator a;
		struct phyr_iova_domain *d = NULL;
		int ret;

		phyr_failnth_allocator(&f, &a);
		ret = phyr_iova_domain_create(4096, 1, &cfg, &a, &d);
		if (ret == 0) {
			assert_true(f.nallocs < n);
			phyr_iova_domain_destroy(d);
			assert_int_equal(f.nlive, 0);
			break;
		}
		nfailed++;
		assert_int_equal(ret, -ENOMEM);
		assert_null(d);
		assert_int_equal(f.nlive, 0);
	}
	/* domain, policy state, CPU array, 4 CPUs x 6 classes x 2 magazines
	 * (and the buddy policy's node pool) */
	if (cfg.policy == pol_buddy)
		assert_true(nfailed > 3 + 48);
	else
		assert_int_equal(nfailed, 3 + 48);
}

#define ALL3(f) BOTH(f), { #f "_buddy", f, NULL, NULL, (void *)&pol_buddy }
#define BOTH(f) \
	{ #f "_linux", f, NULL, NULL, (void *)&pol_linux }, \
	{ #f "_augmented", f, NULL, NULL, (void *)&pol_augmented }

/*
 * phyr_iova_domain_config(): the configuration the domain runs with, the
 * zero fields of the caller's replaced by the defaults.
 */
static void test_iova_domain_config_fills_defaults(void **state)
{
	struct phyr_iova_config in = { .ncpus = 8, .no_rcache = true }, out;
	struct phyr_iova_domain *d = NULL;

	(void)state;
	assert_int_equal(phyr_iova_domain_create(4096, 1, &in, NULL, &d), 0);
	memset(&out, 0xa5, sizeof(out));
	phyr_iova_domain_config(d, &out);
	assert_int_equal(out.ncpus, 8);
	assert_int_equal(out.mag_size, PHYR_IOVA_MAG_SIZE);
	assert_int_equal(out.rcache_classes, PHYR_IOVA_RCACHE_CLASSES);
	assert_true(out.no_rcache);
	assert_false(out.threaded);
	assert_ptr_equal(out.policy, phyr_iova_policy_linux());
	phyr_iova_domain_destroy(d);
	assert_int_equal(phyr_iova_domain_create(4096, 1, NULL, NULL, &d), 0);
	phyr_iova_domain_config(d, &out);
	assert_int_equal(out.ncpus, PHYR_IOVA_DEFAULT_CPUS);
	assert_int_equal(out.mag_size, 127);
	assert_int_equal(out.rcache_classes, 6);
	assert_false(out.no_rcache);
	phyr_iova_domain_config(d, NULL);
	phyr_iova_domain_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_iova_policy_lookup),
		cmocka_unit_test(test_iova_buddy_placement_and_merge),
		cmocka_unit_test(test_iova_domain_config_fills_defaults),
		BOTH(test_iova_b1_size_aligned_exact_length),
		BOTH(test_iova_b2_fast_rounds_small_sizes),
		BOTH(test_iova_b3_holes_above_hint_skipped),
		BOTH(test_iova_b4_second_pass),
		BOTH(test_iova_b5_max32_fastfail_reset),
		BOTH(test_iova_b6_64bit_failure_poisons_32bit),
		BOTH(test_iova_b7_sac_first),
		BOTH(test_iova_b8_rcache_limit_filter),
		BOTH(test_iova_reserve_merge_extend),
		BOTH(test_iova_depot_and_tick),
		BOTH(test_iova_cpu_offline_flushes),
		BOTH(test_iova_depot_trim_uses_online_cpus),
		BOTH(test_iova_depot_pop_frees_magazine),
		BOTH(test_iova_cached32_kept_for_node_ending_at_4g),
		BOTH(test_iova_fast_flush_flag),
		BOTH(test_iova_locks_released_on_every_path),
		ALL3(test_iova_bad_arguments),
		BOTH(test_iova_size2_aligned),
		BOTH(test_iova_hint_at_32bit_boundary),
		BOTH(test_iova_free_at_32bit_boundary_keeps_max32),
		BOTH(test_iova_second_pass_low_bound),
		BOTH(test_iova_largest_aligned_size),
		ALL3(test_iova_cpu_id_bounds),
		BOTH(test_iova_depot_trim_follows_online_cpus),
		ALL3(test_iova_oom_alloc),
		ALL3(test_iova_oom_alloc_fast),
		ALL3(test_iova_oom_reserve),
		ALL3(test_iova_oom_free_fast_falls_back),
		ALL3(test_iova_oom_domain_create),
	};

	pol_linux = phyr_iova_policy_linux();
	pol_augmented = phyr_iova_policy_augmented();
	pol_buddy = phyr_iova_policy_buddy();
	return cmocka_run_group_tests_name("iova", tests, NULL, NULL);
}
