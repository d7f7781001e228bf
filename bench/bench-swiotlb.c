// SPDX-License-Identifier: MIT
/*
 * Benchmark: swiotlb slot allocation. Prints "name value unit" lines
 * (median of the timed repetitions after a warm-up):
 *   - map+unmap pairs of random sizes (1 B..16 KiB) with 256 live mappings
 *     in a 64 MiB pool (32768 slots, 4 areas), no masks;
 *   - the same with NVMe's min_align_mask 0xfff and offsets;
 *   - dma-iommu style bounces (alloc_align_mask 0xfff);
 *   - a nearly full pool (the next-fit walk scans far).
 *
 *   bench-swiotlb [PAIRS]    default 1000000 pairs per repetition
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "phyr/swiotlb.h"
#include "bench.h"

#define REPS 5
#define LIVE 256

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct bcase {
	const char *name;
	uint32_t min_align, alloc_align;
	uint64_t max_size;
	unsigned int fill; /* slots kept busy by long-lived 1-slot maps */
};

/* Returns ns per map+unmap pair, or -1 on an unexpected failure. */
static double run(const struct bcase *c, unsigned long pairs)
{
	struct phyr_swiotlb_config cfg = { .start = 0x80000000, .nslabs = 32768, .nareas = 4 };
	struct phyr_swiotlb_dev dev = { .min_align_mask = c->min_align };
	struct phyr_swiotlb *p;
	uint64_t live[LIVE], tlb;
	double t0;

	if (phyr_swiotlb_create(&cfg, NULL, &p))
		return -1;
	for (unsigned int i = 0; i < c->fill; i++)
		if (phyr_swiotlb_tbl_map_single(p, &dev, i, 0x1000, 2048, 0, 0, 0, &tlb))
			break;
	for (int i = 0; i < LIVE; i++)
		if (phyr_swiotlb_tbl_map_single(p, &dev, (unsigned)i, rnd() & 0xffffffff,
						 1 + rnd() % c->max_size, c->alloc_align, 0, 0,
						 &live[i]))
			live[i] = 0;
	t0 = bench_now_ns();
	for (unsigned long n = 0; n < pairs; n++) {
		unsigned int k = (unsigned int)(rnd() % LIVE);

		if (live[k])
			phyr_swiotlb_tbl_unmap_single(p, &dev, live[k], 1, 0,
						      PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC);
		if (phyr_swiotlb_tbl_map_single(p, &dev, (unsigned)n, rnd() & 0xffffffff,
						1 + rnd() % c->max_size, c->alloc_align, 0, 0,
						&live[k]))
			live[k] = 0;
	}
	t0 = bench_now_ns() - t0;
	phyr_swiotlb_destroy(p);
	return t0 / (double)pairs;
}

int main(int argc, char **argv)
{
	static const struct bcase cases[] = {
		{ "swiotlb_map_unmap_random", 0, 0, 16384, 0 },
		{ "swiotlb_map_unmap_min_align_fff", 0xfff, 0, 16384, 0 },
		{ "swiotlb_map_unmap_iommu_bounce", 0xfff, 0xfff, 4096, 0 },
		{ "swiotlb_map_unmap_nearly_full", 0, 0, 4096, 31000 },
	};
	unsigned long pairs = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;

	if (!pairs) {
		fprintf(stderr, "bench-swiotlb: bad pair count\n");
		return 1;
	}
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		double t[REPS];

		run(&cases[ci], pairs / 10 + 1); /* warm-up */
		for (int r = 0; r < REPS; r++)
			t[r] = run(&cases[ci], pairs);
		qsort(t, REPS, sizeof(t[0]), bench_cmp_double);
		if (t[0] < 0) {
			fprintf(stderr, "bench-swiotlb: %s failed\n", cases[ci].name);
			return 1;
		}
		printf("%s %.1f ns/pair\n", cases[ci].name, t[REPS / 2]);
	}
	return 0;
}
