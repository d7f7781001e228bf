// SPDX-License-Identifier: MIT
/*
 * Threaded IOVA domain stress (suite 'tsan'): one pthread per CPU churns
 * alloc_fast/free_fast with random sizes and limits (magazines overflow
 * into the shared depots and come back on other CPUs), while another
 * thread flushes the caches and ticks the depot trim. Afterwards every
 * live range must be in the tree, no two may overlap, and freeing them
 * all and flushing must leave the tree empty (no leak).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/iova.h"

#define NCPUS 4
#define HELD 300
#define ITERS 20000

struct held {
	uint64_t pfn;
	uint64_t size;
};

struct worker {
	struct phyr_iova_domain *d;
	unsigned int cpu;
	uint64_t rng;
	struct held held[HELD];
	unsigned int nheld;
	unsigned int nfail;
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static void *churn(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ITERS; i++) {
		if (w->nheld < HELD && (w->nheld == 0 || rnd(&w->rng) % 100 < 55)) {
			uint64_t size = rnd(&w->rng) % 3 ? 1 + rnd(&w->rng) % 8 : 1 + rnd(&w->rng) % 48;
			uint64_t limit = rnd(&w->rng) % 2 ? 0xfffff : 0xfffffffff, pfn;

			if (phyr_iova_alloc_fast(w->d, size, limit, w->cpu, true, &pfn) == 0)
				w->held[w->nheld++] = (struct held){ pfn, size };
			else
				w->nfail++;
		} else {
			unsigned int k = (unsigned int)(rnd(&w->rng) % w->nheld);

			phyr_iova_free_fast(w->d, w->held[k].pfn, w->held[k].size, w->cpu);
			w->held[k] = w->held[--w->nheld];
		}
	}
	return NULL;
}

static volatile int stop_flag;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;

static bool should_stop(void)
{
	bool s;

	pthread_mutex_lock(&stop_lock);
	s = stop_flag;
	pthread_mutex_unlock(&stop_lock);
	return s;
}

static void *janitor(void *arg)
{
	struct phyr_iova_domain *d = arg;
	unsigned int n = 0;

	while (!should_stop()) {
		if (n++ % 4 == 0)
			phyr_iova_flush_rcaches(d);
		else
			phyr_iova_tick(d);
	}
	return NULL;
}

static int cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static void test_iova_threads_churn_no_overlap_no_leak(void **state)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d;
	struct worker *w = calloc(NCPUS, sizeof(*w));
	struct held *all = calloc(NCPUS * HELD, sizeof(*all));
	pthread_t th[NCPUS], jt;
	unsigned int n = 0;
	uint64_t nodes, lo, hi;

	(void)state;
	assert_non_null(w);
	assert_non_null(all);
	phyr_iova_config_init(&cfg);
	cfg.ncpus = NCPUS;
	cfg.threaded = true;
	cfg.mag_size = 16; /* small magazines: lots of depot traffic */
	assert_int_equal(phyr_iova_domain_create(4096, 0xfe000, &cfg, NULL, &d), 0);
	stop_flag = 0;
	for (unsigned int i = 0; i < NCPUS; i++) {
		w[i].d = d;
		w[i].cpu = i;
		w[i].rng = 1000 + i;
		assert_int_equal(pthread_create(&th[i], NULL, churn, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&jt, NULL, janitor, d), 0);
	for (unsigned int i = 0; i < NCPUS; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_lock(&stop_lock);
	stop_flag = 1;
	pthread_mutex_unlock(&stop_lock);
	pthread_join(jt, NULL);

	for (unsigned int i = 0; i < NCPUS; i++)
		for (unsigned int k = 0; k < w[i].nheld; k++)
			all[n++] = w[i].held[k];
	qsort(all, n, sizeof(*all), cmp_held);
	for (unsigned int i = 0; i < n; i++) {
		/* each live range is a tree node at least as long as asked */
		assert_int_equal(phyr_iova_find(d, all[i].pfn, &lo, &hi), 0);
		assert_int_equal(lo, all[i].pfn);
		assert_true(hi - lo + 1 >= all[i].size);
		if (i)
			assert_true(all[i - 1].pfn + all[i - 1].size <= all[i].pfn);
	}
	assert_int_equal(phyr_iova_check(d), 0);
	for (unsigned int i = 0; i < NCPUS; i++)
		for (unsigned int k = 0; k < w[i].nheld; k++)
			phyr_iova_free_fast(d, w[i].held[k].pfn, w[i].held[k].size, i);
	phyr_iova_flush_rcaches(d);
	phyr_iova_usage(d, &nodes, NULL);
	assert_int_equal(nodes, 0);
	phyr_iova_domain_destroy(d);
	free(all);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iova_threads_churn_no_overlap_no_leak),
	};

	return cmocka_run_group_tests_name("iova-threads", tests, NULL, NULL);
}
