/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the benchmarks: a monotonic clock in nanoseconds and
 * the comparison used to sort repeated timings for their median.
 */
#ifndef PHYR_BENCH_H
#define PHYR_BENCH_H

#include <time.h>

/* CLOCK_MONOTONIC now, in nanoseconds. */
static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* qsort comparison of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#endif /* PHYR_BENCH_H */
