// SPDX-License-Identifier: MIT
/*
 * Benchmark: building scatterlist tables from page arrays (ns per page),
 * and the chained table allocation (ns per entry). Prints one line per
 * case: "name value unit" (median of the timed repetitions after a warm-up).
 *
 *   bench-sg [PAGES]      default 1048576 pages (4 GiB of 4 KiB pages)
 *
 * glibc is told to keep freed memory, so the timed builds reuse warm heap
 * pages, as the kernel's page and slab allocators hand out mapped memory;
 * first-touch page faults would otherwise dominate (about 2x).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "phyr/scatterlist.h"
#include "bench.h"

#define REPS 7

enum mode { SEGMENT, APPEND_BATCHES, ALLOC_TABLE };

struct bcase {
	const char *name;
	enum mode mode;
	unsigned int run;	/* pages per physically contiguous run (0 = all) */
	uint32_t max_seg;
	enum phyr_sg_layout_id layout;
};

/* Builds once; returns the entries made (or -1). */
static long build_once(const struct bcase *c, const uint64_t *pfns, unsigned int n)
{
	struct phyr_sg_table *t;
	long nents;
	int ret = 0;

	if (phyr_sg_table_create(c->layout, NULL, &t))
		return -1;
	switch (c->mode) {
	case SEGMENT:
		ret = phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, n, 0,
							     (uint64_t)n * PHYR_PAGE_SIZE, c->max_seg);
		break;
	case APPEND_BATCHES:
		/* ib_umem_get style: 512 pages per call, announcing the rest. */
		for (unsigned int i = 0; i < n && !ret; i += 512) {
			unsigned int k = n - i < 512 ? n - i : 512;

			ret = phyr_sg_alloc_append_table_from_pages(t, pfns + i, NULL, k, 0,
								    (uint64_t)k * PHYR_PAGE_SIZE,
								    c->max_seg, n - i - k);
		}
		break;
	case ALLOC_TABLE:
		ret = phyr_sg_alloc_table(t, n);
		break;
	}
	nents = ret ? -1 : (long)phyr_sg_table_nents(t);
	phyr_sg_table_destroy(t);
	return nents;
}

int main(int argc, char **argv)
{
	static const struct bcase cases[] = {
		{ "sg_from_pages_scattered_4k", SEGMENT, 1, 0xffffffffu, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_from_pages_scattered_4k_24B", SEGMENT, 1, 0xffffffffu, PHYR_SG_LAYOUT_64 },
		{ "sg_from_pages_runs_16", SEGMENT, 16, 0xffffffffu, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_from_pages_thp_2m", SEGMENT, 512, 0xffffffffu, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_from_pages_thp_2m_maxseg_64k", SEGMENT, 512, 65536, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_from_pages_contiguous", SEGMENT, 0, 0xffffffffu, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_append_512_scattered_4k", APPEND_BATCHES, 1, 0xffffffffu, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_append_512_thp_2m", APPEND_BATCHES, 512, 0xffffffffu, PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "sg_alloc_table", ALLOC_TABLE, 1, 0, PHYR_SG_LAYOUT_64_LEN_FLAGS },
	};
	unsigned int n = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 1u << 20;
	uint64_t *pfns = malloc((size_t)n * sizeof(*pfns));

#ifdef __GLIBC__
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	mallopt(M_MMAP_THRESHOLD, 1 << 30);
#endif
	if (!pfns || n == 0) {
		fprintf(stderr, "bench-sg: bad page count\n");
		return 1;
	}
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		const struct bcase *c = &cases[ci];
		double t[REPS];
		long nents = 0;

		/* Runs of c->run pages, each run 1000 pfns after the previous one. */
		for (unsigned int i = 0; i < n; i++)
			pfns[i] = c->run ? (uint64_t)(i / c->run) * 1000 + i % c->run : 4096 + (uint64_t)i;
		build_once(c, pfns, n);	/* warm-up */
		for (int r = 0; r < REPS; r++) {
			double t0 = bench_now_ns();

			nents = build_once(c, pfns, n);
			t[r] = bench_now_ns() - t0;
		}
		if (nents < 0) {
			fprintf(stderr, "bench-sg: %s failed\n", c->name);
			return 1;
		}
		qsort(t, REPS, sizeof(t[0]), bench_cmp_double);
		printf("%s %.2f ns/%s\n", c->name, t[REPS / 2] / n, c->mode == ALLOC_TABLE ? "entry" : "page");
		printf("%s_entries %ld entries\n", c->name, nents);
	}
	free(pfns);
	return 0;
}
