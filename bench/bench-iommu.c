// SPDX-License-Identifier: MIT
/*
 * Micro-benchmarks of the IOMMU model's device side: translate on an IOTLB
 * hit, translate on a miss (with its table walk), and a strict 4K
 * map+unmap. Prints "name value unit" lines (median of 7 runs, ns/op).
 * For instruction counts: valgrind --tool=callgrind
 * --toggle-collect=bench_translate_hit build/bench/bench-iommu
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "phyr/iommu.h"
#include "bench.h"

#define RW (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)
#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

static struct phyr_iommu_domain *dom;
static uint64_t sink;

static NOINLINE void bench_translate_hit(uint64_t n)
{
	uint64_t pa;

	for (uint64_t i = 0; i < n; i++) {
		if (phyr_iommu_translate(dom, 0x100000 + ((i & 15) << 12), PHYR_IOMMU_ACCESS_READ, &pa))
			abort();
		sink += pa;
	}
}

static NOINLINE void bench_translate_miss(uint64_t n)
{
	uint64_t pa;

	/* 4096 pages through a 64-entry IOTLB: every access misses. */
	for (uint64_t i = 0; i < n; i++) {
		if (phyr_iommu_translate(dom, 0x100000 + (((i * 67) & 4095) << 12),
					 PHYR_IOMMU_ACCESS_READ, &pa))
			abort();
		sink += pa;
	}
}

static NOINLINE void bench_map_unmap_4k(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t iova = 0x80000000 + ((i & 1023) << 12);

		if (phyr_iommu_map(dom, iova, 0x1000, 0x1000, RW) ||
		    phyr_iommu_unmap(dom, iova, 0x1000) != 0x1000)
			abort();
	}
}

static void run(const char *name, void (*fn)(uint64_t), uint64_t n)
{
	double r[7];

	fn(n / 10);
	for (int k = 0; k < 7; k++) {
		double t0 = bench_now_ns();

		fn(n);
		r[k] = (bench_now_ns() - t0) / (double)n;
	}
	qsort(r, 7, sizeof(r[0]), bench_cmp_double);
	printf("%s %.2f ns/op\n", name, r[3]);
}

int main(void)
{
	struct phyr_iommu_domain_opts o = { .type = PHYR_IOMMU_DOMAIN_DMA,
					    .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K };
	struct phyr_iommu_stats st;

	if (phyr_iommu_domain_create(&o, &dom) ||
	    phyr_iommu_map(dom, 0x100000, 0x40000000, 4096 * 4096, RW))
		return 1;
	run("translate_hit", bench_translate_hit, 2000000);
	run("translate_miss", bench_translate_miss, 500000);
	run("map_unmap_4k_strict", bench_map_unmap_4k, 500000);
	phyr_iommu_get_stats(dom, &st);
	printf("walk_levels_per_miss %.2f levels\n",
	       (double)st.nwalk_levels / (double)(st.nwalks ? st.nwalks : 1));
	phyr_iommu_domain_destroy(dom);
	return (int)(sink & 0);
}
