// SPDX-License-Identifier: MIT
/*
 * phyr-sim iommu bench: the page-table workloads P1, P2a, P2b, P3, P4 and
 * P5 of bench/linux-6.17/iommu-kernel-baseline.md, driven exactly as
 * defined there (splitmix64, same draws in the same order, same address
 * formulas, same return checks, same warm-up), so instructions per step
 * can be compared with Linux's under callgrind. The warm-up and measured
 * loops are separate non-inlined functions (bench_<w>_warm and
 * bench_<w>_loop): use --toggle-collect=bench_<w>_loop, or the difference
 * of two --steps values.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <phyr/iommu.h>

#include "cli.h"

int iommu_bench_main(int argc, char **argv);

#define RW (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)
#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

static uint64_t s;

static inline uint64_t rnd(void)
{
	uint64_t z;

	s += UINT64_C(0x9e3779b97f4a7c15);
	z = s;
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static struct phyr_iommu_domain *dom;
static struct phyr_io_pgtable *pgt;

static void die(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "phyr-sim iommu bench: %s (0x%" PRIx64 ", 0x%" PRIx64 ")\n", what, a, b);
	exit(1);
}

static inline void map_ok(uint64_t iova, uint64_t pa, uint64_t size)
{
	if (phyr_iommu_map(dom, iova, pa, size, RW))
		die("map failed", iova, size);
}

static inline void unmap_ok(uint64_t iova, uint64_t size)
{
	if (phyr_iommu_unmap(dom, iova, size) != size)
		die("unmap short", iova, size);
}

/*
 * Each workload's draws: the step functions and first_step() both use
 * these, so the printed first step is the one the loop runs.
 */
static inline void p1_addrs(uint64_t *iova, uint64_t *pa)
{
	*iova = (rnd() % 262144) << 12;
	*pa = ((rnd() % (UINT64_C(1) << 24)) << 12) | UINT64_C(0x100000000);
}

static inline void p2a_addrs(uint64_t *iova, uint64_t *pa)
{
	*iova = (rnd() % 512) << 21;
	*pa = ((rnd() % (UINT64_C(1) << 20)) << 21) + 0x1000;
}

static inline void p2b_addrs(uint64_t *iova, uint64_t *pa)
{
	*iova = ((rnd() % 511) << 21) + 0x1000;
	*pa = (rnd() % (UINT64_C(1) << 20)) << 21;
}

static inline void p3_addrs(uint64_t *iova, uint64_t *pa)
{
	uint64_t g = 1 + rnd() % 15;
	uint64_t b = 1 + rnd() % 511;

	*iova = (g << 30) | (b << 21);
	*pa = ((rnd() % (UINT64_C(1) << 26)) << 21) | 0x200000;
}

static inline void p4_addrs(uint64_t *iova, uint64_t *pa)
{
	*iova = UINT64_C(0x40000000) + ((rnd() % 16384) << 12);
	*pa = *iova - UINT64_C(0x40000000) + UINT64_C(0x800001000);
}

/* P1: single 4K map+unmap pairs */
static inline void p1_step(void)
{
	uint64_t iova, pa;

	p1_addrs(&iova, &pa);
	map_ok(iova, pa, 0x1000);
	unmap_ok(iova, 0x1000);
}

/* P2a: 512 x 4K at a 2M-aligned iova; the 2M unmap frees the leaf table */
static inline void p2a_step(void)
{
	uint64_t iova, pa;

	p2a_addrs(&iova, &pa);
	map_ok(iova, pa, 0x200000);
	unmap_ok(iova, 0x200000);
}

/* P2b: 512 x 4K at iova + 4K, across two leaf tables */
static inline void p2b_step(void)
{
	uint64_t iova, pa;

	p2b_addrs(&iova, &pa);
	map_ok(iova, pa, 0x200000);
	unmap_ok(iova, 0x200000);
}

/* P3: 1G as 512 x 2M blocks across two level-2 tables */
static inline void p3_step(void)
{
	uint64_t iova, pa;

	p3_addrs(&iova, &pa);
	map_ok(iova, pa, UINT64_C(0x40000000));
	unmap_ok(iova, UINT64_C(0x40000000));
}

/* P4: iova_to_phys (the io-pgtable op) */
static inline void p4_step(void)
{
	uint64_t iova, want, pa;

	p4_addrs(&iova, &want);
	pa = phyr_io_pgtable_iova_to_phys(pgt, iova);
	if (pa != want)
		die("iova_to_phys", iova, pa);
}

/* ---- P5: mixed churn ---- */
struct p5_slot {
	uint64_t iova, size;
	uint32_t w;
	bool used;
};
static struct p5_slot ring[1024];
static uint8_t used[2048];
static uint64_t p5_s;
static const uint64_t T[13] = { 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000,
				0x1000, 0x2000, 0x4000, 0x10000, 0x200000, 0x400000 };

static inline void p5_step(void)
{
	struct p5_slot *sl = &ring[p5_s % 1024];
	uint64_t size, w, aligned, off, iova, pa, m;

	if (sl->used) {
		unmap_ok(sl->iova, sl->size);
		used[sl->w] = 0;
	}
	size = T[rnd() % 13];
	w = rnd() % 2048;
	while (used[w])
		w = (w + 1) % 2048;
	used[w] = 1;
	aligned = rnd() & 1;
	off = (rnd() % 512) << 12;
	if (aligned) {
		m = size < 0x200000 ? size : 0x200000;
		off &= ~(m - 1);
	}
	iova = UINT64_C(0x100000000) + (w << 23) + off;
	pa = ((rnd() % (UINT64_C(1) << 20)) << 21) | ((iova & 0x1ff000) ^ (aligned ? 0 : 0x1000));
	map_ok(iova, pa, size);
	sl->iova = iova;
	sl->size = size;
	sl->w = (uint32_t)w;
	sl->used = true;
	p5_s++;
}

#define LOOPS(w)                                                  \
	static NOINLINE void bench_##w##_warm(uint64_t n)         \
	{                                                         \
		for (uint64_t i = 0; i < n; i++)                  \
			w##_step();                               \
		__asm__ volatile("" ::: "memory");                \
	}                                                         \
	static NOINLINE void bench_##w##_loop(uint64_t n)         \
	{                                                         \
		for (uint64_t i = 0; i < n; i++)                  \
			w##_step();                               \
		__asm__ volatile("nop" ::: "memory");             \
	}
LOOPS(p1)
LOOPS(p2a)
LOOPS(p2b)
LOOPS(p3)
LOOPS(p4)
LOOPS(p5)

struct workload {
	const char *name;
	uint64_t seed, warmup;
	void (*warm)(uint64_t);
	void (*loop)(uint64_t);
	void (*addrs)(uint64_t *iova, uint64_t *pa); /* NULL: P5 draws more */
};

static const struct workload workloads[] = {
	{ "p1", 1, 4096, bench_p1_warm, bench_p1_loop, p1_addrs },
	{ "p2a", 2, 64, bench_p2a_warm, bench_p2a_loop, p2a_addrs },
	{ "p2b", 3, 4096, bench_p2b_warm, bench_p2b_loop, p2b_addrs },
	{ "p3", 4, 1024, bench_p3_warm, bench_p3_loop, p3_addrs },
	{ "p4", 5, 4096, bench_p4_warm, bench_p4_loop, p4_addrs },
	{ "p5", 6, 200000, bench_p5_warm, bench_p5_loop, NULL },
};

/* The first measured step's addresses, computed on a copy of the PRNG. */
static void first_step(const struct workload *w, char *buf, size_t len)
{
	uint64_t save = s, iova = 0, pa = 0;

	if (!w->addrs) {
		snprintf(buf, len, "n/a");
		return;
	}
	w->addrs(&iova, &pa);
	s = save;
	snprintf(buf, len, "0x%" PRIx64 " 0x%" PRIx64, iova, pa);
}

static void usage(FILE *f)
{
	fputs("usage: phyr-sim iommu bench --workload p1|p2a|p2b|p3|p4|p5 --steps N\n"
	      "\n"
	      "Runs one workload of iommu-kernel-baseline.md on a fresh strict domain\n"
	      "(ARM LPAE s1, 4K|2M|1G, IAS = OAS = 48): the defined warm-up, then exactly N\n"
	      "measured steps in bench_<w>_loop. Prints name/value lines: ns_per_step (wall\n"
	      "time of the measured loop), the first measured step, and table memory.\n",
	      f);
}

int iommu_bench_main(int argc, char **argv)
{
	const struct workload *w = NULL;
	struct phyr_iommu_domain_opts o = {
		.type = PHYR_IOMMU_DOMAIN_DMA,
		.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
		.ias = 48,
		.oas = 48,
	};
	struct phyr_io_pgtable_stats st;
	struct timespec t0, t1;
	uint64_t steps = 0;
	bool have_steps = false;
	char first[96];
	double ns;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc) {
			i++;
			for (size_t k = 0; k < sizeof(workloads) / sizeof(workloads[0]); k++)
				if (strcmp(argv[i], workloads[k].name) == 0)
					w = &workloads[k];
			if (!w) {
				fprintf(stderr, "phyr-sim iommu bench: unknown workload '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
			if (cli_u64(argv[++i], &steps)) {
				fprintf(stderr, "phyr-sim iommu bench: bad --steps '%s'\n", argv[i]);
				return 2;
			}
			have_steps = true;
		} else {
			fprintf(stderr, "phyr-sim iommu bench: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!w || !have_steps) {
		usage(stderr);
		return 2;
	}
	if (phyr_iommu_domain_create(&o, &dom)) {
		fprintf(stderr, "phyr-sim iommu bench: cannot create the domain\n");
		return 1;
	}
	pgt = phyr_iommu_domain_pgtable(dom);
	if (w->loop == bench_p4_loop)
		map_ok(UINT64_C(0x40000000), UINT64_C(0x800001000), UINT64_C(0x4000000));
	s = w->seed;
	w->warm(w->warmup);
	first_step(w, first, sizeof(first));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	w->loop(steps);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	phyr_io_pgtable_get_stats(pgt, &st);
	printf("workload %s\n", w->name);
	printf("warmup_steps %" PRIu64 "\n", w->warmup);
	printf("steps %" PRIu64 "\n", steps);
	printf("first_step %s\n", first);
	printf("ns_per_step %.1f\n", steps ? ns / (double)steps : 0.0);
	printf("table_pages %" PRIu64 "\n", st.ntables);
	printf("table_pages_per_level %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
	       st.ntables_level[1], st.ntables_level[2], st.ntables_level[3], st.ntables_level[4]);
	printf("table_bytes %" PRIu64 "\n", st.nbytes);
	printf("leaves_2m %" PRIu64 "\n", st.nleaves[2]);
	printf("leaves_4k %" PRIu64 "\n", st.nleaves[3]);
	printf("table_allocs %" PRIu64 "\n", st.ntable_allocs);
	printf("pte_writes %" PRIu64 "\n", st.npte_writes);
	phyr_iommu_domain_destroy(dom);
	return 0;
}
