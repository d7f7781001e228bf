// SPDX-License-Identifier: MIT
/*
 * Benchmark of the IOVA range cache hot path: one alloc_fast + free_fast
 * pair that hits the CPU's loaded magazine (sizes 1..32 as in workload
 * A1), in a single-threaded (unlocked) domain and in a threaded one
 * (uncontended per-CPU locks). Prints "name value unit" lines: the median
 * over 7 runs of ns per pair, in thread CPU time (steadier than the wall
 * clock on a shared machine) and in wall time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "phyr/iova.h"
#include "bench.h"

#define RUNS 7
#define PAIRS 4000000

static clockid_t clk = CLOCK_THREAD_CPUTIME_ID;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double pairs(struct phyr_iova_domain *d, long n)
{
	double t0 = now_ns();
	uint64_t pfn, sum = 0;

	for (long i = 0; i < n; i++) {
		uint64_t size = 1 + (uint64_t)(i % 32);

		if (phyr_iova_alloc_fast(d, size, 0xfffff, 0, true, &pfn) == 0) {
			sum += pfn;
			phyr_iova_free_fast(d, pfn, size, 0);
		}
	}
	if (sum == 1)
		puts("");
	return (now_ns() - t0) / (double)n;
}

static void run(const char *name, bool threaded)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d;
	double t[RUNS];

	phyr_iova_config_init(&cfg);
	cfg.threaded = threaded;
	if (phyr_iova_domain_create(4096, 1, &cfg, NULL, &d)) {
		fprintf(stderr, "cannot create a domain\n");
		exit(1);
	}
	pairs(d, 128); /* warm-up: one range of each size in the magazines */
	for (int r = 0; r < RUNS; r++)
		t[r] = pairs(d, PAIRS);
	qsort(t, RUNS, sizeof(t[0]), bench_cmp_double);
	printf("%s_%s %.2f ns\n", name, clk == CLOCK_MONOTONIC ? "wall" : "cpu", t[RUNS / 2]);
	phyr_iova_domain_destroy(d);
}

int main(void)
{
	run("iova_cached_pair_unlocked", false);
	run("iova_cached_pair_threaded", true);
	clk = CLOCK_MONOTONIC;
	run("iova_cached_pair_unlocked", false);
	run("iova_cached_pair_threaded", true);
	return 0;
}
