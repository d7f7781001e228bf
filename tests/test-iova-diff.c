// SPDX-License-Identifier: MIT
/*
 * Differential test: the augmented policy (O(log n) search) must return
 * exactly the linux policy's result for every call. Seeded random ops of
 * every kind (alloc/free/fast_alloc/fast_free/reserve/find/flush/tick),
 * 32-bit, 48-bit and odd limits, small zones that fill and fragment.
 * Set IOVA_DIFF_SEED / IOVA_DIFF_OPS to reproduce or lengthen a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/iova.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

struct live {
	uint64_t pfn;
	uint64_t size;
	bool fast;
};

#define NLIVE 4096

struct pair {
	struct phyr_iova_domain *d[2];
	struct live live[NLIVE];
	unsigned int nlive;
	uint64_t start;
};

static void pair_init(struct pair *p, uint64_t start, unsigned int mag)
{
	struct phyr_iova_config cfg;

	phyr_iova_config_init(&cfg);
	cfg.mag_size = mag;
	for (int i = 0; i < 2; i++) {
		cfg.policy = i ? phyr_iova_policy_augmented() : phyr_iova_policy_linux();
		assert_int_equal(phyr_iova_domain_create(4096, start, &cfg, NULL, &p->d[i]), 0);
	}
	p->nlive = 0;
	p->start = start;
}

static void pair_fini(struct pair *p)
{
	phyr_iova_domain_destroy(p->d[0]);
	phyr_iova_domain_destroy(p->d[1]);
}

static uint64_t pick_size(void)
{
	uint64_t r = rnd() % 100;

	if (r < 60)
		return 1 + rnd() % 8;
	if (r < 85)
		return 1 + rnd() % 64;
	if (r < 97)
		return 1 + rnd() % 1024;
	return 1 + rnd() % 0x10000;
}

static uint64_t pick_limit(const struct pair *p)
{
	switch (rnd() % 6) {
	case 0:
	case 1:
		return 0xfffff;
	case 2:
		return 0xfffffffff;
	case 3:
		return 0x10ffff;
	case 4:
		return p->start + rnd() % 0x20000;
	default:
		return 0xfffff - rnd() % 0x1000;
	}
}

static void remember(struct pair *p, uint64_t pfn, uint64_t size, bool fast)
{
	if (p->nlive < NLIVE)
		p->live[p->nlive++] = (struct live){ pfn, size, fast };
}

static struct live take(struct pair *p)
{
	unsigned int i = (unsigned int)(rnd() % p->nlive);
	struct live l = p->live[i];

	p->live[i] = p->live[--p->nlive];
	return l;
}

static void compare_trees(struct pair *p);

static void one_op(struct pair *p, uint64_t opno, uint64_t seed)
{
	uint64_t r = rnd() % 1000, a[2] = { 0, 0 }, b[2] = { 0, 0 }, c[2] = { 0, 0 };
	int ret[2];

	if (r < 300) {
		uint64_t size = pick_size(), limit = pick_limit(p);
		bool aligned = rnd() & 1;

		for (int i = 0; i < 2; i++)
			ret[i] = phyr_iova_alloc(p->d[i], size, limit, aligned, &a[i]);
		if (ret[0] == 0)
			remember(p, a[0], size, false);
	} else if (r < 550) {
		uint64_t size = pick_size() % 40 + 1, limit = pick_limit(p);
		unsigned int cpu = (unsigned int)(rnd() % 4);
		bool flush = rnd() % 4 != 0;

		for (int i = 0; i < 2; i++)
			ret[i] = phyr_iova_alloc_fast(p->d[i], size, limit, cpu, flush, &a[i]);
		if (ret[0] == 0)
			remember(p, a[0], size, true);
	} else if (r < 900 && p->nlive) {
		struct live l = take(p);
		unsigned int cpu = (unsigned int)(rnd() % 4);

		if (l.fast && rnd() % 8) {
			for (int i = 0; i < 2; i++)
				ret[i] = phyr_iova_free_fast(p->d[i], l.pfn, l.size, cpu);
		} else {
			uint64_t pfn = l.pfn + rnd() % l.size;

			for (int i = 0; i < 2; i++)
				ret[i] = phyr_iova_free(p->d[i], pfn, &a[i], &b[i]);
		}
	} else if (r < 930) {
		uint64_t lo = p->start + rnd() % 0x110000, hi = lo + rnd() % 64;

		if (rnd() % 8 == 0)
			lo = rnd() % 0x100;
		for (int i = 0; i < 2; i++)
			ret[i] = phyr_iova_reserve(p->d[i], lo, hi, &a[i], &b[i]);
	} else if (r < 960) {
		uint64_t pfn = p->start + rnd() % 0x110000;

		for (int i = 0; i < 2; i++)
			ret[i] = phyr_iova_free(p->d[i], pfn, &a[i], &b[i]);
	} else if (r < 975) {
		for (int i = 0; i < 2; i++)
			phyr_iova_tick(p->d[i]);
		ret[0] = ret[1] = 0;
	} else if (r < 980) {
		for (int i = 0; i < 2; i++)
			phyr_iova_flush_rcaches(p->d[i]);
		ret[0] = ret[1] = 0;
	} else {
		uint64_t pfn = p->nlive ? p->live[rnd() % p->nlive].pfn : rnd() % 0x110000;

		for (int i = 0; i < 2; i++)
			ret[i] = phyr_iova_find(p->d[i], pfn, &a[i], &b[i]);
	}
	for (int i = 0; i < 2; i++)
		phyr_iova_usage(p->d[i], &c[i], NULL);
	if (ret[0] != ret[1] || a[0] != a[1] || b[0] != b[1] || c[0] != c[1]) {
		fprintf(stderr, "seed %llu op %llu (r=%llu): linux %d %llx %llx %llu, augmented %d %llx %llx %llu\n",
			(unsigned long long)seed, (unsigned long long)opno, (unsigned long long)r, ret[0],
			(unsigned long long)a[0], (unsigned long long)b[0], (unsigned long long)c[0], ret[1],
			(unsigned long long)a[1], (unsigned long long)b[1], (unsigned long long)c[1]);
		fail();
	}
	if (opno % 4096 == 0)
		compare_trees(p);
}

struct walkbuf {
	uint64_t *v;
	size_t n, cap;
};

static int walk_cb(void *ctx, uint64_t lo, uint64_t hi)
{
	struct walkbuf *w = ctx;

	if (w->n + 2 > w->cap) {
		w->cap = w->cap ? w->cap * 2 : 1024;
		w->v = realloc(w->v, w->cap * sizeof(*w->v));
		assert_non_null(w->v);
	}
	w->v[w->n++] = lo;
	w->v[w->n++] = hi;
	return 0;
}

static void compare_trees(struct pair *p)
{
	struct walkbuf w[2] = { { 0 }, { 0 } };

	for (int i = 0; i < 2; i++) {
		assert_int_equal(phyr_iova_check(p->d[i]), 0);
		phyr_iova_walk(p->d[i], walk_cb, &w[i]);
	}
	assert_int_equal(w[0].n, w[1].n);
	if (w[0].n)
		assert_memory_equal(w[0].v, w[1].v, w[0].n * sizeof(uint64_t));
	free(w[0].v);
	free(w[1].v);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static void test_iova_diff_random_ops(void **state)
{
	uint64_t seed0 = env_u64("IOVA_DIFF_SEED", 20260601), nops = env_u64("IOVA_DIFF_OPS", 600000);
	const uint64_t starts[] = { 1, 0xf0000, 0xfe000, 0xff800, 12 };
	uint64_t per = nops / 10;

	(void)state;
	for (uint64_t run = 0; run < 10; run++) {
		uint64_t seed = seed0 + run;
		struct pair *p = calloc(1, sizeof(*p));

		assert_non_null(p);
		rng = seed;
		pair_init(p, starts[run % 5], run & 1 ? 127 : (unsigned int)(1 + run % 5));
		for (uint64_t i = 1; i <= per; i++)
			one_op(p, i, seed);
		compare_trees(p);
		{
			struct phyr_iova_stats st[2];
			uint64_t nodes;

			phyr_iova_get_stats(p->d[0], &st[0]);
			phyr_iova_get_stats(p->d[1], &st[1]);
			phyr_iova_usage(p->d[0], &nodes, NULL);
			printf("# seed %llu: %llu tree allocs, %llu failed, %llu second passes, %llu nodes now, "
			       "visited linux %llu augmented %llu\n",
			       (unsigned long long)seed, (unsigned long long)st[0].nallocs,
			       (unsigned long long)st[0].nalloc_fails, (unsigned long long)st[0].nsecond_passes,
			       (unsigned long long)nodes, (unsigned long long)st[0].nnodes_visited,
			       (unsigned long long)st[1].nnodes_visited);
		}
		pair_fini(p);
		free(p);
	}
}

/* The buddy policy under the same random ops: blocks stay aligned, disjoint,
 * under their limits, and every pfn of the space is free or live. */
static void test_iova_buddy_random_invariants(void **state)
{
	struct phyr_iova_config cfg;
	struct pair *p = calloc(1, sizeof(*p));
	uint64_t seed = env_u64("IOVA_DIFF_SEED", 20260601);

	(void)state;
	assert_non_null(p);
	rng = seed;
	phyr_iova_config_init(&cfg);
	cfg.policy = phyr_iova_policy_buddy();
	cfg.mag_size = 3;
	assert_int_equal(phyr_iova_domain_create(4096, 0xf0000, &cfg, NULL, &p->d[0]), 0);
	p->start = 0xf0000;
	for (uint64_t i = 1; i <= 200000; i++) {
		uint64_t r = rnd() % 100, pfn, lo, hi;

		if (r < 50 || !p->nlive) {
			uint64_t size = pick_size(), limit = pick_limit(p);
			bool fast = r & 1;
			int ret = fast ? phyr_iova_alloc_fast(p->d[0], size, limit, (unsigned int)(r % 4), true, &pfn)
				       : phyr_iova_alloc(p->d[0], size, limit, false, &pfn);

			if (ret == 0) {
				uint64_t block = UINT64_C(1) << (64 - __builtin_clzll(size) - ((size & (size - 1)) == 0));

				if (size == 1)
					block = 1;
				assert_true(pfn + block - 1 <= limit);
				assert_int_equal(pfn & (block - 1), 0);
				remember(p, pfn, size, fast);
			}
		} else if (r < 95) {
			struct live l = take(p);

			if (l.fast)
				phyr_iova_free_fast(p->d[0], l.pfn, l.size, (unsigned int)(r % 4));
			else
				assert_int_equal(phyr_iova_free(p->d[0], l.pfn, &lo, &hi), 0);
		} else if (r < 97) {
			lo = 0xf0000 + rnd() % 0x20000;
			(void)phyr_iova_reserve(p->d[0], lo, lo + rnd() % 300, &lo, &hi);
		} else if (r < 98) {
			phyr_iova_flush_rcaches(p->d[0]);
		} else {
			phyr_iova_tick(p->d[0]);
		}
		if (i % 2000 == 0)
			assert_int_equal(phyr_iova_check(p->d[0]), 0);
	}
	phyr_iova_domain_destroy(p->d[0]);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iova_diff_random_ops),
		cmocka_unit_test(test_iova_buddy_random_invariants),
	};

	return cmocka_run_group_tests_name("iova-diff", tests, NULL, NULL);
}
