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
#include "opt.h"
#include "out.h"

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
static bool first_step(const struct workload *w, uint64_t *iova, uint64_t *pa)
{
	uint64_t save = s;

	if (!w->addrs)
		return false;
	w->addrs(iova, pa);
	s = save;
	return true;
}

static void usage(FILE *f)
{
	fputs("usage: phyr-sim iommu bench --workload p1|p2a|p2b|p3|p4|p5 --steps N\n"
	      "                            [--repeat N] [--json|--csv] [--stats]\n"
	      "\n"
	      "Runs one workload of iommu-kernel-baseline.md on a fresh strict domain\n"
	      "(ARM LPAE s1, 4K|2M|1G, IAS = OAS = 48): the defined warm-up, then exactly N\n"
	      "measured steps in bench_<w>_loop. Prints name/value lines: ns_per_step (wall\n"
	      "time of the measured loop), the first measured step, and table memory.\n"
	      "\n"
	      "  p1   4K map + unmap             p2a  512 x 4K at a 2M-aligned IOVA\n"
	      "  p2b  512 x 4K at IOVA + 4K      p3   1G as 512 x 2M blocks\n"
	      "  p4   iova_to_phys               p5   mixed map/unmap churn\n"
	      "\n"
	      "Options:\n"
	      "  --workload=W   the workload (required)\n"
	      "  --steps=N      measured steps (required; decimal or 0x hex)\n"
	      "  --repeat=N     run the whole measurement N times, each on a fresh domain\n"
	      "                 with the same seed and warm-up (1 to 10000, default 1);\n"
	      "                 ns_per_step is then the median, with ns_per_step_min and\n"
	      "                 ns_per_step_max beside it\n"
	      "  --json         one JSON document on stdout: command, version, config,\n"
	      "                 first_step, \"results\" (one object per run), the\n"
	      "                 ns_per_step min/median/max, and \"stats\" (table memory)\n"
	      "  --csv          one line per run, with a header line\n"
	      "  --stats        the table counters on stderr, one 'NAME VALUE' line each\n"
	      "                 (the same as the JSON \"stats\")\n"
	      "  -h, --help\n"
	      "\n"
	      "Wall times are for a quick look; for instructions per step run\n"
	      "valgrind --tool=callgrind --toggle-collect=bench_W_loop (docs/performance.md).\n"
	      "\n"
	      "Example:\n"
	      "  phyr-sim iommu bench --workload=p4 --steps=1000 --repeat=5\n"
	      "  workload p4\n"
	      "  warmup_steps 4096\n"
	      "  steps 1000\n"
	      "  repeat 5\n"
	      "  first_step 0x40083000 0x800084000\n"
	      "  ns_per_step 12.8         (wall time, ns: the median of the 5 runs)\n"
	      "  ns_per_step_min 12.7\n"
	      "  ns_per_step_max 13.0\n"
	      "  table_pages 35\n"
	      "  table_pages_per_level 1/1/1/32\n"
	      "  table_bytes 143360\n"
	      "  leaves_2m 0\n"
	      "  leaves_4k 16384\n"
	      "  table_allocs 35\n"
	      "  pte_writes 16418\n",
	      f);
}

/* One measurement: its wall time per step and the table it left. */
struct bench_run {
	double ns_per_step;
	struct phyr_io_pgtable_stats st;
};

/*
 * A fresh domain, the workload's seed and warm-up, then @steps measured
 * steps. Returns 0 or -1 (message printed).
 */
static int run_once(const struct workload *w, uint64_t steps, bool *have_first,
		    uint64_t *first_iova, uint64_t *first_pa, struct bench_run *out)
{
	struct phyr_iommu_domain_opts o = {
		.type = PHYR_IOMMU_DOMAIN_DMA,
		.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
		.ias = 48,
		.oas = 48,
	};
	struct timespec t0, t1;
	double ns;

	if (phyr_iommu_domain_create(&o, &dom)) {
		fprintf(stderr, "phyr-sim iommu bench: cannot create the domain\n");
		return -1;
	}
	pgt = phyr_iommu_domain_pgtable(dom);
	memset(ring, 0, sizeof(ring));
	memset(used, 0, sizeof(used));
	p5_s = 0;
	if (w->loop == bench_p4_loop)
		map_ok(UINT64_C(0x40000000), UINT64_C(0x800001000), UINT64_C(0x4000000));
	s = w->seed;
	w->warm(w->warmup);
	*have_first = first_step(w, first_iova, first_pa);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	w->loop(steps);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	out->ns_per_step = steps ? ns / (double)steps : 0.0;
	phyr_io_pgtable_get_stats(pgt, &out->st);
	phyr_iommu_domain_destroy(dom);
	dom = NULL;
	pgt = NULL;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The table counters: the "stats" object and the --stats lines. */
static json_object *stats_object(const struct phyr_io_pgtable_stats *st)
{
	json_object *o = json_object_new_object(), *lv;

	cli_json_u64(o, "table_pages", st->ntables);
	lv = cli_json_obj(o, "table_pages_per_level");
	cli_json_u64(lv, "1", st->ntables_level[1]);
	cli_json_u64(lv, "2", st->ntables_level[2]);
	cli_json_u64(lv, "3", st->ntables_level[3]);
	cli_json_u64(lv, "4", st->ntables_level[4]);
	cli_json_u64(o, "table_bytes", st->nbytes);
	cli_json_u64(o, "leaves_2m", st->nleaves[2]);
	cli_json_u64(o, "leaves_4k", st->nleaves[3]);
	cli_json_u64(o, "table_allocs", st->ntable_allocs);
	cli_json_u64(o, "pte_writes", st->npte_writes);
	return o;
}

enum { OPT_WORKLOAD = 256, OPT_STEPS, OPT_REPEAT, OPT_JSON, OPT_CSV, OPT_STATS };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "steps", required_argument, NULL, OPT_STEPS },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ 0 },
};

static const struct cli_cmd bench_cmd = { "iommu bench", "h", longopts, usage };

#define MAX_REPEAT 10000

static void print_json(const struct workload *w, uint64_t steps, uint64_t repeat,
		       bool have_first, uint64_t iova, uint64_t pa, const struct bench_run *runs,
		       const double *sorted, double median, json_object *stats)
{
	json_object *doc = cli_doc_new(bench_cmd.name);
	json_object *cfg = cli_doc_config(doc), *arr, *o;

	cli_json_str(cfg, "workload", w->name);
	cli_json_u64(cfg, "seed", w->seed);
	cli_json_u64(cfg, "warmup_steps", w->warmup);
	cli_json_u64(cfg, "steps", steps);
	cli_json_u64(cfg, "repeat", repeat);
	cli_json_str(cfg, "domain", "dma");
	cli_json_str(cfg, "format", phyr_iommu_fmt_name(PHYR_IOMMU_FMT_ARM_LPAE_S1_4K));
	cli_json_u64(cfg, "ias", 48);
	cli_json_u64(cfg, "oas", 48);
	if (have_first) {
		o = cli_json_obj(doc, "first_step");
		cli_json_addr(o, "iova", iova);
		cli_json_addr(o, "paddr", pa);
	} else {
		json_object_object_add(doc, "first_step", NULL);
	}
	arr = cli_json_arr(doc, "results");
	for (uint64_t i = 0; i < repeat; i++) {
		o = json_object_new_object();
		cli_json_u64(o, "run", i + 1);
		cli_json_double(o, "ns_per_step", runs[i].ns_per_step);
		json_object_array_add(arr, o);
	}
	o = cli_json_obj(doc, "ns_per_step");
	cli_json_double(o, "min", sorted[0]);
	cli_json_double(o, "median", median);
	cli_json_double(o, "max", sorted[repeat - 1]);
	json_object_object_add(doc, "stats", json_object_get(stats));
	if (cli_doc_print(doc, stdout))
		fprintf(stderr, "phyr-sim iommu bench: write error\n");
}

int iommu_bench_main(int argc, char **argv)
{
	const struct workload *w = NULL;
	struct bench_run *runs = NULL;
	uint64_t steps = 0, repeat = 1, iova = 0, pa = 0;
	bool have_steps = false, json = false, csv = false, stats = false, have_first = false;
	double *sorted = NULL, median;
	json_object *stats_obj;
	char first[96];
	int c;

	cli_opt_start();
	while ((c = cli_getopt(&bench_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&bench_cmd);
		case OPT_WORKLOAD:
			w = NULL;
			for (size_t k = 0; k < sizeof(workloads) / sizeof(workloads[0]); k++)
				if (strcmp(optarg, workloads[k].name) == 0)
					w = &workloads[k];
			if (!w)
				return cli_bad_value(&bench_cmd, "workload", optarg,
						     "p1, p2a, p2b, p3, p4 or p5");
			break;
		case OPT_STEPS:
			if (cli_u64(optarg, &steps))
				return cli_bad_value(&bench_cmd, "steps", optarg,
						     "an unsigned 64-bit number");
			have_steps = true;
			break;
		case OPT_REPEAT:
			if (cli_u64(optarg, &repeat) || repeat < 1 || repeat > MAX_REPEAT)
				return cli_bad_value(&bench_cmd, "repeat", optarg, "1 to 10000");
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_CSV:
			csv = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&bench_cmd, argc, argv, 0, 0))
		return CLI_EXIT_USAGE;
	if (!w)
		return cli_usage_error(&bench_cmd, "--workload is required");
	if (!have_steps)
		return cli_usage_error(&bench_cmd, "--steps is required");
	if (json && csv)
		return cli_usage_error(&bench_cmd, "--json and --csv exclude each other");
	runs = calloc(repeat, sizeof(*runs));
	sorted = calloc(repeat, sizeof(*sorted));
	if (!runs || !sorted) {
		fprintf(stderr, "phyr-sim iommu bench: out of memory\n");
		free(runs);
		free(sorted);
		return 1;
	}
	for (uint64_t i = 0; i < repeat; i++) {
		if (run_once(w, steps, &have_first, &iova, &pa, &runs[i])) {
			free(runs);
			free(sorted);
			return 1;
		}
		sorted[i] = runs[i].ns_per_step;
	}
	qsort(sorted, repeat, sizeof(*sorted), cmp_double);
	median = repeat % 2 ? sorted[repeat / 2]
			    : (sorted[repeat / 2 - 1] + sorted[repeat / 2]) / 2;
	/* every run is the same work on the same table: the last one's stats */
	stats_obj = stats_object(&runs[repeat - 1].st);
	if (json) {
		print_json(w, steps, repeat, have_first, iova, pa, runs, sorted, median, stats_obj);
	} else if (csv) {
		printf("run,workload,warmup_steps,steps,ns_per_step,table_pages,table_bytes,"
		       "leaves_2m,leaves_4k,table_allocs,pte_writes\n");
		for (uint64_t i = 0; i < repeat; i++) {
			const struct phyr_io_pgtable_stats *st = &runs[i].st;

			printf("%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64
			       ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			       i + 1, w->name, w->warmup, steps, runs[i].ns_per_step, st->ntables,
			       st->nbytes, st->nleaves[2], st->nleaves[3], st->ntable_allocs,
			       st->npte_writes);
		}
	} else {
		const struct phyr_io_pgtable_stats *st = &runs[repeat - 1].st;

		if (have_first)
			snprintf(first, sizeof(first), "0x%" PRIx64 " 0x%" PRIx64, iova, pa);
		else
			snprintf(first, sizeof(first), "n/a");
		printf("workload %s\n", w->name);
		printf("warmup_steps %" PRIu64 "\n", w->warmup);
		printf("steps %" PRIu64 "\n", steps);
		if (repeat > 1)
			printf("repeat %" PRIu64 "\n", repeat);
		printf("first_step %s\n", first);
		printf("ns_per_step %.1f\n", median);
		if (repeat > 1) {
			printf("ns_per_step_min %.1f\n", sorted[0]);
			printf("ns_per_step_max %.1f\n", sorted[repeat - 1]);
		}
		printf("table_pages %" PRIu64 "\n", st->ntables);
		printf("table_pages_per_level %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "\n",
		       st->ntables_level[1], st->ntables_level[2], st->ntables_level[3],
		       st->ntables_level[4]);
		printf("table_bytes %" PRIu64 "\n", st->nbytes);
		printf("leaves_2m %" PRIu64 "\n", st->nleaves[2]);
		printf("leaves_4k %" PRIu64 "\n", st->nleaves[3]);
		printf("table_allocs %" PRIu64 "\n", st->ntable_allocs);
		printf("pte_writes %" PRIu64 "\n", st->npte_writes);
	}
	if (stats)
		cli_stats_print(stderr, stats_obj);
	json_object_put(stats_obj);
	free(runs);
	free(sorted);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim iommu bench: write error\n");
		return 1;
	}
	return 0;
}
