// SPDX-License-Identifier: MIT
/*
 * phyr-sim mem: what the same physical pages cost as a page array, bio_vec,
 * scatterlist (each layout, chained as Linux chains them), plain phyr,
 * packed phyr and rlist, on built-in workloads (docs/mem.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "mem.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim mem [--workload NAME|all] [--size SIZE] [--seed N] [--frag PERMILLE]\n"
		"                    [--chunk BYTES] [--mode LIST] [--json | --csv] [--no-heap]\n"
		"                    [--plot FILE.png]\n"
		"\n"
		"Builds the physical page list of each workload from a seeded buddy-allocator model\n"
		"and reports, for every representation (page-array, bio_vec, sg24/sg32/sg40 chained\n"
		"as Linux does, sg32-flat unchained, phyr, packed, rlist): entries, exact bytes,\n"
		"bytes per 4 KiB page, kernel bytes (kmalloc classes, page orders), heap bytes\n"
		"(jemalloc size classes, when built with jemalloc), the ratio to the 32-byte\n"
		"scatterlist and the multiple of the information floor. Then the DMA side: the\n"
		"long-term bytes of the mapped state (scatterlist, phyr CPU + DMA list, packed, the\n"
		"two-step API's dma_iova_state + CPU list) in each mode; workloads up to 16 MiB are\n"
		"also mapped through the library and must give the computed figures.\n"
		"\n"
		"Options:\n"
		"  --workload NAME|all  one workload or all of them (default all)\n"
		"  --size SIZE          size of the scalable workloads (rdma-*, gpu-dmabuf), e.g. 100G\n"
		"  --seed N             PRNG seed of the page patterns (default 1)\n"
		"  --frag PERMILLE      fragmentation knob 0..1000 for every workload (default: each\n"
		"                       workload's own)\n"
		"  --chunk BYTES        packed list chunk size, multiple of 8 in 32..65536 (default 512)\n"
		"  --mode LIST          DMA-side modes to show, comma separated: passthrough, iommu,\n"
		"                       bus-offset, swiotlb, all (default) or none\n"
		"  --json, --csv        machine-readable output (schemas in docs/mem.md)\n"
		"  --no-heap            leave out the heap column, as a build without jemalloc does\n"
		"                       (output then identical on every build)\n"
		"  --plot FILE.png      bar chart of bytes per page through gnuplot\n"
		"  --help               this text\n"
		"\n"
		"Workloads:\n");
	for (unsigned i = 0; i < mem_nworkloads; i++) {
		const struct mem_workload *w = &mem_workloads[i];
		char b[32];

		if (w->default_bytes)
			cli_humanize(b, sizeof(b), w->default_bytes);
		else
			snprintf(b, sizeof(b), "-");
		fprintf(f, "  %-13s %-10s %s%s\n", w->name, b, w->desc,
			w->scalable ? " (--size)" : "");
	}
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "phyr-sim mem: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	return CLI_EXIT_BADINPUT;
}

/* "iommu,swiotlb" -> mode bits; "all", "none". Returns 0 or -1. */
static int parse_modes(const char *val, unsigned *out)
{
	unsigned bits = 0;
	const char *p = val;

	if (strcmp(val, "all") == 0) {
		*out = (1u << MEM_MODE_COUNT) - 1;
		return 0;
	}
	if (strcmp(val, "none") == 0) {
		*out = 0;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		int m;

		for (m = 0; m < MEM_MODE_COUNT; m++)
			if (strlen(mem_mode_names[m]) == len && strncmp(p, mem_mode_names[m], len) == 0)
				break;
		if (m == MEM_MODE_COUNT)
			return -1;
		bits |= 1u << m;
		if (!p[len])
			break;
		p += len + 1;
	}
	*out = bits;
	return 0;
}

/* The command line of one run. */
struct mem_opts {
	struct mem_params p;
	const char *workload; /* a workload name or "all" */
	const char *plot;     /* NULL: no plot */
	bool json, csv, no_heap, help;
	unsigned modes;       /* bit per enum mem_mode */
};

/* One option that takes a value: @a its name (known), @val the value. */
static int parse_value(struct mem_opts *o, const char *a, const char *val)
{
	uint64_t v;

	if (strcmp(a, "--workload") == 0) {
		o->workload = val;
	} else if (strcmp(a, "--plot") == 0) {
		o->plot = val;
	} else if (strcmp(a, "--mode") == 0) {
		if (parse_modes(val, &o->modes))
			return bad("--mode: '%s' is not a list of passthrough, iommu, "
				   "bus-offset, swiotlb, all or none", val);
	} else if (strcmp(a, "--size") == 0) {
		if (cli_size(val, &v) || v < PHYR_PAGE_SIZE || v > (UINT64_C(1) << 50))
			return bad("--size: '%s' is not a size from 4K to 1P", val);
		o->p.size = v;
	} else if (strcmp(a, "--seed") == 0) {
		if (cli_u64(val, &v))
			return bad("--seed: '%s' is not an unsigned number", val);
		o->p.seed = v;
	} else if (strcmp(a, "--frag") == 0) {
		if (cli_u64(val, &v) || v > 1000)
			return bad("--frag: '%s' is not a number from 0 to 1000", val);
		o->p.frag = (uint32_t)v;
	} else {
		if (cli_u64(val, &v) || v % 8 || v < PHYR_LIST_CHUNK_MIN ||
		    v > PHYR_LIST_CHUNK_MAX)
			return bad("--chunk: '%s' is not a multiple of 8 from 32 to 65536", val);
		o->p.chunk = (uint32_t)v;
	}
	return 0;
}

/*
 * Parses the command line into @o (o->help: --help came first, stop).
 * Return: 0, CLI_EXIT_BADINPUT (explained on stderr).
 */
static int parse_args(int argc, char **argv, struct mem_opts *o)
{
	int ret;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i], *val = NULL, *eq;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->help = true;
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(a, "--csv") == 0) {
			o->csv = true;
			continue;
		}
		if (strcmp(a, "--no-heap") == 0) {
			o->no_heap = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return bad("unexpected argument '%s'", a);
		eq = strchr(a, '=');
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		}
		if (strcmp(a, "--workload") && strcmp(a, "--size") && strcmp(a, "--seed") &&
		    strcmp(a, "--frag") && strcmp(a, "--chunk") && strcmp(a, "--plot") &&
		    strcmp(a, "--mode"))
			return bad("unknown option '%s'", a);
		if (!val)
			return bad("option '%s' needs a value", a);
		ret = parse_value(o, a, val);
		if (ret)
			return ret;
	}
	if (o->json && o->csv)
		return bad("%s", "--json and --csv exclude each other");
	if (strcmp(o->workload, "all") != 0) {
		unsigned i;

		for (i = 0; i < mem_nworkloads; i++)
			if (strcmp(o->workload, mem_workloads[i].name) == 0)
				break;
		if (i == mem_nworkloads)
			return bad("unknown workload '%s'", o->workload);
	}
	return 0;
}

/* Runs the chosen workloads into @res; *@n: how many. Return: 0 or a negative errno (reported). */
static int run_workloads(const struct mem_opts *o, struct mem_result *res, unsigned *n)
{
	int ret = 0;

	*n = 0;
	for (unsigned i = 0; i < mem_nworkloads; i++) {
		if (strcmp(o->workload, "all") && strcmp(o->workload, mem_workloads[i].name))
			continue;
		ret = mem_run(&mem_workloads[i], &o->p, &res[*n]);
		if (ret) {
			fprintf(stderr, "phyr-sim mem: workload %s: %s\n", mem_workloads[i].name,
				strerror(-ret));
			break;
		}
		(*n)++;
	}
	return ret;
}

/* Prints the results as asked (table, JSON or CSV) and writes the plot. Return: 0 or -1. */
static int report(const struct mem_opts *o, const struct mem_result *res, unsigned n,
		  const char *bname)
{
	if (o->json)
		mem_print_json(stdout, &o->p, res, n, bname, o->modes);
	else if (o->csv)
		mem_print_csv(stdout, res, n, bname, o->modes);
	else
		mem_print_table(stdout, &o->p, res, n, bname, o->modes);
	if (o->plot && mem_plot(o->plot, res, n))
		return -1;
	return 0;
}

int cmd_mem(int argc, char **argv)
{
	struct mem_opts o = {
		.p = { .seed = 1, .frag = PHYR_PAGES_FRAG_DEFAULT,
		       .chunk = PHYR_LIST_CHUNK_DEFAULT },
		.workload = "all", .modes = (1u << MEM_MODE_COUNT) - 1,
	};
	struct mem_result *res;
	char backend[64];
	bool have_backend;
	unsigned n = 0;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	if (o.help) {
		usage(stdout);
		return 0;
	}
	res = calloc(mem_nworkloads, sizeof(*res));
	if (!res) {
		fprintf(stderr, "phyr-sim mem: out of memory\n");
		return 1;
	}
	have_backend = !o.no_heap && mem_jemalloc_install(backend, sizeof(backend));
	ret = run_workloads(&o, res, &n);
	if (ret == 0)
		ret = report(&o, res, n, have_backend ? backend : NULL);
	free(res);
	return ret ? 1 : 0;
}
