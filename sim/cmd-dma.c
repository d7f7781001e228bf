// SPDX-License-Identifier: MIT
/*
 * phyr-sim dma bench: the DMA-layer workloads W1, W2, W3, W4 and W4b of
 * bench/linux-6.17/dma-kernel-baseline.md, driven through the generic DMA
 * API (the dispatch of <phyr/dma-mapping.h>) exactly as the baseline's
 * driver drives Linux's dma-iommu: a trusted, coherent PCI device with a
 * 64-bit mask behind a strict DMA domain (ARM LPAE 4K, 48 bits, aperture
 * 0 .. 2^48 - 1 forced), page i at 0x10000000 + i * 0x3000, TO_DEVICE,
 * CPU 0, every return value checked.
 *
 * One run = set-up + one warm-up op + --ops N ops. Callgrind the command
 * twice (N1, N2) and take (Ir(N2) - Ir(N1)) / (N2 - N1) for the steady
 * instructions per op, as the baseline does (docs/performance.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <phyr/builder.h>
#include <phyr/device.h>
#include <phyr/dma-iommu.h>
#include <phyr/dma-mapping.h>
#include <phyr/machine.h>
#include <phyr/scatterlist.h>

#include "cli.h"
#include "commands.h"
#include "opt.h"
#include "out.h"

#define NPAGES 256
#define PAGE 4096u
#define BASE 0x10000000ull

struct bench {
	struct phyr_system *sys;
	struct phyr_device *dev;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sgl;
	int nents;
	int want; /* map_sg's segment count */
	uint64_t dma[NPAGES];
};

static int fail(const char *what)
{
	fprintf(stderr, "phyr-sim dma bench: %s failed\n", what);
	return -1;
}

/*
 * The baseline's machine: RAM below 2 GiB, a PCI function under a host
 * bridge (pci_device_add(): max_segment_size 64 KiB, boundary 0xffffffff),
 * 64-bit masks, coherent, trusted, behind a strict DMA domain with the
 * cookie's defaults (ARM LPAE 4K, 48 bits, aperture 0 .. 2^48 - 1).
 */
static const char bench_machine[] =
	"ram start=0 size=2G\n"
	"host-bridge hb domain=0 bus=0 id=8086:2030\n"
	"endpoint fn parent=hb devfn=01.0 id=8086:0953\n"
	"iommu-group grp type=dma\n"
	"device dev pci=fn dma-mask=64bit group=grp\n";

static int setup_device(struct bench *b)
{
	char err[256];

	if (phyr_system_build_string(bench_machine, "dma-bench", NULL, &b->sys, err, sizeof(err))) {
		fprintf(stderr, "phyr-sim dma bench: %s\n", err);
		return -1;
	}
	b->dev = phyr_system_device(b->sys, "dev");
	return b->dev ? 0 : fail("the device");
}

/* The list: @n entries of @len bytes, entry i at BASE + i * @stride. */
static int setup_list(struct bench *b, int n, uint64_t stride, uint32_t len)
{
	b->L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	b->sgl = calloc((size_t)n, b->L->size);
	if (!b->sgl || phyr_sg_init_table(b->L, b->sgl, (unsigned)n))
		return fail("scatterlist");
	for (int i = 0; i < n; i++)
		if (phyr_sg_set_phys(b->L, phyr_sg_entry(b->L, b->sgl, (unsigned)i),
				     BASE + (uint64_t)i * stride, 0, len))
			return fail("scatterlist entry");
	b->nents = n;
	return 0;
}

/* W1, W4, W4b: map_sg + unmap_sg of the list. */
static int op_sg(struct bench *b)
{
	int n = 0;

	if (phyr_dma_map_sg(b->dev, b->L, b->sgl, b->nents, PHYR_DMA_TO_DEVICE, 0, &n) ||
	    n != b->want)
		return fail("map_sg");
	if (phyr_dma_unmap_sg(b->dev, b->L, b->sgl, b->nents, PHYR_DMA_TO_DEVICE, 0))
		return fail("unmap_sg");
	return 0;
}

/* W2: 256 single mappings, then 256 unmaps in the same order. */
static int op_single(struct bench *b)
{
	for (int i = 0; i < NPAGES; i++)
		if (phyr_dma_map_phys(b->dev, BASE + (uint64_t)i * 0x3000, PAGE, PHYR_DMA_TO_DEVICE,
				      0, &b->dma[i]) ||
		    phyr_dma_mapping_error(b->dev, b->dma[i]))
			return fail("map_phys");
	for (int i = 0; i < NPAGES; i++)
		if (phyr_dma_unmap_phys(b->dev, b->dma[i], PAGE, PHYR_DMA_TO_DEVICE, 0))
			return fail("unmap_phys");
	return 0;
}

/* W3: try_alloc 1 MiB, 256 links, sync, destroy. */
static int op_two_step(struct bench *b)
{
	struct phyr_dma_iova_state st;
	const uint64_t total = (uint64_t)NPAGES * PAGE;

	if (phyr_dma_iova_try_alloc(b->dev, &st, 0, total))
		return fail("dma_iova_try_alloc");
	for (int i = 0; i < NPAGES; i++)
		if (phyr_dma_iova_link(b->dev, &st, BASE + (uint64_t)i * 0x3000, (uint64_t)i * PAGE,
				       PAGE, PHYR_DMA_TO_DEVICE, 0))
			return fail("dma_iova_link");
	if (phyr_dma_iova_sync(b->dev, &st, 0, total))
		return fail("dma_iova_sync");
	if (phyr_dma_iova_destroy(b->dev, &st, total, PHYR_DMA_TO_DEVICE, 0))
		return fail("dma_iova_destroy");
	return 0;
}

#define NOINLINE __attribute__((noinline))

/* The measured loop: a function of its own so callgrind can single it out. */
static NOINLINE int dma_bench_loop(struct bench *b, int (*op)(struct bench *), uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (op(b))
			return -1;
	return 0;
}

static void teardown(struct bench *b)
{
	free(b->sgl);
	phyr_system_destroy(b->sys);
}

static void bench_usage(FILE *f)
{
	fputs("usage: phyr-sim dma bench --workload w1|w2|w3|w4|w4b [--ops N] [--repeat N]\n"
	      "                          [--json|--csv] [--stats]\n"
	      "\n"
	      "The DMA-layer workloads of the Linux baseline (dma-kernel-baseline.md),\n"
	      "through the generic DMA API on a trusted, coherent 64-bit PCI device behind\n"
	      "a strict DMA domain (ARM LPAE 4K, 48 bits):\n"
	      "  w1   map_sg + unmap_sg of 256 scattered 4 KiB pages (16 segments)\n"
	      "  w2   256 x map_phys, then 256 x unmap_phys\n"
	      "  w3   dma_iova_try_alloc 1 MiB, 256 x link, sync, destroy\n"
	      "  w4   map_sg + unmap_sg of one 1 MiB entry (1 segment)\n"
	      "  w4b  map_sg + unmap_sg of 1 MiB as 256 contiguous entries (16 segments)\n"
	      "One warm-up op, then --ops N measured ops (default 1000) in dma_bench_loop.\n"
	      "Prints name/value lines: workload, ops, ns_per_op (wall clock, for a quick\n"
	      "look only). For instructions per op run callgrind at two op counts and take\n"
	      "the difference (docs/performance.md).\n"
	      "\n"
	      "Options:\n"
	      "  --workload=W   the workload (required)\n"
	      "  --ops=N        measured ops (default 1000, at least 1)\n"
	      "  --repeat=N     run the whole measurement N times, each on a fresh machine\n"
	      "                 and device with its own warm-up op (1 to 10000, default 1);\n"
	      "                 ns_per_op is then the median, with ns_per_op_min and\n"
	      "                 ns_per_op_max beside it\n"
	      "  --json         one JSON document on stdout: command, version, config,\n"
	      "                 \"results\" (one object per run), the ns_per_op\n"
	      "                 min/median/max, and \"stats\" (the device's counters)\n"
	      "  --csv          one line per run, with a header line\n"
	      "  --stats        the device's counters of the last run on stderr, one\n"
	      "                 'NAME VALUE' line each (the same as the JSON \"stats\")\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  phyr-sim dma bench --workload=w4 --ops=1000 --repeat=3\n"
	      "  workload w4\n"
	      "  ops 1000\n"
	      "  repeat 3\n"
	      "  ns_per_op 846.3        (wall time, ns: the median of the 3 runs)\n"
	      "  ns_per_op_min 845.7\n"
	      "  ns_per_op_max 12967.5  (a run that shared the CPU with other work)\n",
	      f);
}

static void usage(FILE *f)
{
	fputs("usage: phyr-sim dma bench --workload w1|w2|w3|w4|w4b [--ops N] [--repeat N]\n"
	      "                          [--json|--csv] [--stats]\n"
	      "\n"
	      "  bench    the DMA-layer workloads w1 ... w4b of dma-kernel-baseline.md\n"
	      "           ('phyr-sim dma bench --help' tells more)\n"
	      "\n"
	      "Example:\n"
	      "  phyr-sim dma bench --workload=w1 --ops=100\n"
	      "  workload w1\n"
	      "  ops 100\n"
	      "  ns_per_op 9308.7       (wall time, ns)\n",
	      f);
}

enum { OPT_WORKLOAD = 256, OPT_OPS, OPT_REPEAT, OPT_JSON, OPT_CSV, OPT_STATS };

static const struct option bench_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "ops", required_argument, NULL, OPT_OPS },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ 0 },
};

static const struct cli_cmd bench_cmd = { "dma bench", "h", bench_longopts, bench_usage };
static const struct cli_cmd dma_cmd = { "dma", "h", NULL, usage };

#define MAX_REPEAT 10000

struct workload {
	const char *name;
	int (*op)(struct bench *);
	int want;      /* map_sg's segment count (0: no map_sg) */
	int nents;     /* list entries (0: no list) */
	uint64_t stride;
	uint32_t len;
};

static const struct workload workloads[] = {
	{ "w1", op_sg, 16, NPAGES, 0x3000, PAGE },
	{ "w2", op_single, 0, 0, 0, 0 },
	{ "w3", op_two_step, 0, 0, 0, 0 },
	{ "w4", op_sg, 1, 1, 0, NPAGES * PAGE },
	{ "w4b", op_sg, 16, NPAGES, PAGE, PAGE },
};

/* One measurement: its wall time per op and the device's counters. */
struct bench_run {
	double ns_per_op;
	struct phyr_device_stats st;
};

/* A fresh machine and device, the warm-up op, then @ops measured ops. */
static int run_once(const struct workload *w, uint64_t ops, struct bench_run *out)
{
	struct timespec t0, t1;
	struct bench b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.want = w->want;
	ret = setup_device(&b);
	if (!ret && w->nents)
		ret = setup_list(&b, w->nents, w->stride, w->len);
	if (ret || w->op(&b)) {
		teardown(&b);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dma_bench_loop(&b, w->op, ops);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	phyr_device_get_stats(b.dev, &out->st);
	teardown(&b);
	out->ns_per_op = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
			  (double)(t1.tv_nsec - t0.tv_nsec)) / (double)ops;
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The device's counters: the "stats" object and the --stats lines. */
static json_object *stats_object(const struct phyr_device_stats *st)
{
	json_object *o = json_object_new_object();

	cli_json_u64(o, "nmaps", st->nmaps);
	cli_json_u64(o, "nunmaps", st->nunmaps);
	cli_json_u64(o, "nmap_errors", st->nmap_errors);
	cli_json_u64(o, "nbytes_mapped", st->nbytes_mapped);
	cli_json_u64(o, "nbounced", st->nbounced);
	cli_json_u64(o, "nsyncs", st->nsyncs);
	cli_json_u64(o, "nrefused", st->nrefused);
	return o;
}

static void print_json(const struct workload *w, uint64_t ops, uint64_t repeat,
		       const struct bench_run *runs, const double *sorted, double median,
		       json_object *stats)
{
	json_object *doc = cli_doc_new(bench_cmd.name);
	json_object *cfg = cli_doc_config(doc), *arr, *o;

	cli_json_str(cfg, "workload", w->name);
	cli_json_u64(cfg, "ops", ops);
	cli_json_u64(cfg, "warmup_ops", 1);
	cli_json_u64(cfg, "repeat", repeat);
	cli_json_str(cfg, "machine", bench_machine);
	cli_json_str(cfg, "domain", "dma");
	cli_json_str(cfg, "format", "arm-lpae-s1-4k");
	cli_json_u64(cfg, "ias", 48);
	cli_json_str(cfg, "dir", "to_device");
	cli_json_u64(cfg, "npages", NPAGES);
	cli_json_addr(cfg, "base", BASE);
	if (w->nents) {
		cli_json_u64(cfg, "nents", (uint64_t)w->nents);
		cli_json_u64(cfg, "segments", (uint64_t)w->want);
	}
	arr = cli_json_arr(doc, "results");
	for (uint64_t i = 0; i < repeat; i++) {
		o = json_object_new_object();
		cli_json_u64(o, "run", i + 1);
		cli_json_double(o, "ns_per_op", runs[i].ns_per_op);
		json_object_array_add(arr, o);
	}
	o = cli_json_obj(doc, "ns_per_op");
	cli_json_double(o, "min", sorted[0]);
	cli_json_double(o, "median", median);
	cli_json_double(o, "max", sorted[repeat - 1]);
	json_object_object_add(doc, "stats", json_object_get(stats));
	if (cli_doc_print(doc, stdout))
		fprintf(stderr, "phyr-sim dma bench: write error\n");
}

static int cmd_dma_bench(int argc, char **argv)
{
	const struct workload *w = NULL;
	struct bench_run *runs;
	uint64_t ops = 1000, repeat = 1;
	bool json = false, csv = false, stats = false;
	double *sorted, median;
	json_object *stats_obj;
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
						     "w1, w2, w3, w4 or w4b");
			break;
		case OPT_OPS:
			if (cli_u64(optarg, &ops) || !ops)
				return cli_bad_value(&bench_cmd, "ops", optarg,
						     "1 to 2^64-1, decimal or 0x hex");
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
	if (json && csv)
		return cli_usage_error(&bench_cmd, "--json and --csv exclude each other");
	runs = calloc(repeat, sizeof(*runs));
	sorted = calloc(repeat, sizeof(*sorted));
	if (!runs || !sorted) {
		fprintf(stderr, "phyr-sim dma bench: out of memory\n");
		free(runs);
		free(sorted);
		return 1;
	}
	for (uint64_t i = 0; i < repeat; i++) {
		if (run_once(w, ops, &runs[i])) {
			free(runs);
			free(sorted);
			return 1;
		}
		sorted[i] = runs[i].ns_per_op;
	}
	qsort(sorted, repeat, sizeof(*sorted), cmp_double);
	median = repeat % 2 ? sorted[repeat / 2]
			    : (sorted[repeat / 2 - 1] + sorted[repeat / 2]) / 2;
	/* every run is the same work on a fresh device: the last one's counters */
	stats_obj = stats_object(&runs[repeat - 1].st);
	if (json) {
		print_json(w, ops, repeat, runs, sorted, median, stats_obj);
	} else if (csv) {
		printf("run,workload,ops,ns_per_op,nmaps,nunmaps,nbytes_mapped\n");
		for (uint64_t i = 0; i < repeat; i++)
			printf("%" PRIu64 ",%s,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			       i + 1, w->name, ops, runs[i].ns_per_op, runs[i].st.nmaps,
			       runs[i].st.nunmaps, runs[i].st.nbytes_mapped);
	} else {
		printf("workload %s\nops %" PRIu64 "\n", w->name, ops);
		if (repeat > 1)
			printf("repeat %" PRIu64 "\n", repeat);
		printf("ns_per_op %.1f\n", median);
		if (repeat > 1)
			printf("ns_per_op_min %.1f\nns_per_op_max %.1f\n", sorted[0],
			       sorted[repeat - 1]);
	}
	if (stats)
		cli_stats_print(stderr, stats_obj);
	json_object_put(stats_obj);
	free(runs);
	free(sorted);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim dma bench: write error\n");
		return 1;
	}
	return 0;
}

int cmd_dma(int argc, char **argv)
{
	static const struct cli_sub subs[] = { { "bench", cmd_dma_bench } };

	return cli_dispatch(&dma_cmd, subs, 1, argc, argv);
}
