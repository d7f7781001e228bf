// SPDX-License-Identifier: MIT
/*
 * phyr-sim mem: what the same physical pages cost as a page array, bio_vec,
 * scatterlist (each layout, chained as Linux chains them), plain phyr,
 * packed phyr and rlist, on built-in workloads (docs/mem.md).
 *
 * Three steps: the options become a struct mem_config (parse_options,
 * check_config), the selected workloads run (run_workloads, with progress
 * on stderr), the results are reported (report: table, JSON or CSV, then
 * --stats and the plot).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli-opts.h"
#include "commands.h"
#include "mem.h"
#include "opt.h"
#include "out.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim mem [--workload NAME|all] [--size SIZE] [--seed N] [--frag PERMILLE]\n"
		"                    [--chunk BYTES] [--mode LIST] [--json | --csv] [--no-heap]\n"
		"                    [--stats] [--progress | --no-progress] [--force]\n"
		"                    [--plot FILE.png|.svg|.pdf] [--plot-data DIR]\n"
		"                    [--plot-side cpu|dma|both]\n"
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
		"Options (sizes take K, M, G, T, P suffixes, powers of 1024; numbers are decimal\n"
		"or 0x hex):\n"
		"  --workload NAME|all  one workload or all of them (default all)\n"
		"  --size SIZE          bytes of the scalable workloads (rdma-*, gpu-dmabuf), 4K to\n"
		"                       1P (default: each workload's size below); a run predicted to\n"
		"                       take over 20 s of CPU or 1 GiB of memory needs --force\n"
		"                       (rdma-4k: about 10 s per TiB, so its limit is about 2T)\n"
		"  --seed N             PRNG seed of the page patterns (default 1)\n"
		"  --frag PERMILLE      fragmentation knob 0..1000 for every workload (default: each\n"
		"                       workload's own)\n"
		"  --chunk BYTES        packed list chunk size, multiple of 8 in 32..65536 (default 512)\n"
		"  --mode LIST          DMA-side modes to show, comma separated: passthrough, iommu,\n"
		"                       bus-offset, swiotlb, all (default) or none\n"
		"  --json, --csv        machine-readable output instead of the table (schemas in\n"
		"                       docs/mem.md); JSON holds command, version, config, results\n"
		"  --no-heap            leave out the heap column, as a build without jemalloc does\n"
		"                       (output then identical on every build)\n"
		"  --stats              the run's counters on stderr, one 'NAME VALUE' line each\n"
		"                       (the same as the JSON \"stats\")\n"
		"  --progress           percentage of each workload on stderr, one line updated in\n"
		"                       place (default: on when stderr is a terminal and the run is\n"
		"                       predicted to take over 2 s)\n"
		"  --no-progress        never show progress\n"
		"  --force              run a --size over the limits anyway (rdma-4k at 1P: about\n"
		"                       3 hours)\n"
		"  --plot FILE          bar chart of bytes per 4 KiB page through gnuplot; the\n"
		"                       format follows the extension: .png, .svg or .pdf\n"
		"  --plot-data DIR      keep the plot's data files and gnuplot script (mem.gp) in\n"
		"                       DIR (created if missing); works without --plot and gnuplot\n"
		"  --plot-side SIDE     cpu (default: the page lists), dma (one chart per --mode\n"
		"                       mode: the mapped state) or both\n"
		"  -h, --help           this text\n"
		"\n"
		"Workloads (name, default size, what it models):\n");
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
	fprintf(f,
		"\n"
		"Examples:\n"
		"  phyr-sim mem --workload rdma-4k --size 16G --mode iommu\n"
		"      16 GiB of fragmented 4 KiB pages: CPU-side table, then the IOMMU column\n"
		"  phyr-sim mem --workload odirect-128k --no-heap --csv\n"
		"      one header line, then one line per representation; its sg32 line:\n"
		"      odirect-128k,sg32,32,32,1,1024,16,32.000000,1024,,1.000000,212,4.830189,"
		"1024,1024,1024,1024\n"
		"  phyr-sim mem --plot mem.svg --plot-side both --plot-data plot/\n"
		"      SVG chart of both sides; plot/ keeps mem.gp and the .dat files\n"
		"\n"
		"Exit status: 0 done, 1 a workload or the plot failed, 2 a usage mistake.\n");
}

enum {
	OPT_WORKLOAD = 256,
	OPT_SIZE,
	OPT_SEED,
	OPT_FRAG,
	OPT_CHUNK,
	OPT_MODE,
	OPT_JSON,
	OPT_CSV,
	OPT_NO_HEAP,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_FORCE,
	OPT_PLOT,
	OPT_PLOT_DATA,
	OPT_PLOT_SIDE,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "frag", required_argument, NULL, OPT_FRAG },
	{ "chunk", required_argument, NULL, OPT_CHUNK },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "no-heap", no_argument, NULL, OPT_NO_HEAP },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "plot-data", required_argument, NULL, OPT_PLOT_DATA },
	{ "plot-side", required_argument, NULL, OPT_PLOT_SIDE },
	{ 0 },
};

static const struct cli_cmd mem_cmd = { "mem", "h", longopts, usage };

/* Result of parse_options(): go on, or stop with this exit status. */
#define PARSE_GO (-1)

/* One option's value into @cfg; returns PARSE_GO or the exit status. */
static int parse_value(struct mem_config *cfg, int c, const char *v)
{
	switch (c) {
	case OPT_WORKLOAD:
		cfg->workload = v;
		break;
	case OPT_SIZE:
		if (cli_opt_mem_size(v, &cfg->p.size))
			return cli_bad_value(&mem_cmd, "size", v, "a size from 4K to 1P");
		cfg->size_text = v;
		break;
	case OPT_SEED:
		if (cli_opt_u64(v, &cfg->p.seed))
			return cli_bad_value(&mem_cmd, "seed", v, "an unsigned 64-bit number");
		break;
	case OPT_FRAG:
		if (cli_opt_frag(v, &cfg->p.frag))
			return cli_bad_value(&mem_cmd, "frag", v, "0 to 1000");
		break;
	case OPT_CHUNK:
		if (cli_opt_chunk(v, &cfg->p.chunk))
			return cli_bad_value(&mem_cmd, "chunk", v, "a multiple of 8 from 32 to 65536");
		break;
	case OPT_MODE:
		if (cli_opt_modes(v, mem_mode_names, MEM_MODE_COUNT, &cfg->modes))
			return cli_bad_value(&mem_cmd, "mode", v, "a list of passthrough, iommu, "
					     "bus-offset, swiotlb, or all or none");
		break;
	case OPT_PLOT: {
		enum cli_plot_format fmt;

		if (cli_opt_plot_file(v, &fmt))
			return cli_bad_value(&mem_cmd, "plot", v, "a file name ending in .png, "
					     ".svg or .pdf, without ' or newline");
		cfg->plot = v;
		cfg->plot_format = (int)fmt;
		break;
	}
	case OPT_PLOT_DATA:
		if (!*v)
			return cli_bad_value(&mem_cmd, "plot-data", v, "a directory");
		cfg->plot_data = v;
		break;
	case OPT_PLOT_SIDE:
		if (cli_opt_plot_side(v, &cfg->plot_side))
			return cli_bad_value(&mem_cmd, "plot-side", v, "cpu, dma or both");
		break;
	default:
		return CLI_EXIT_USAGE;
	}
	return PARSE_GO;
}

static int parse_options(struct mem_config *cfg, int argc, char **argv)
{
	int c, ret;

	cli_opt_start();
	while ((c = cli_getopt(&mem_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&mem_cmd);
		case CLI_OPT_ERROR:
			return CLI_EXIT_USAGE;
		case OPT_JSON:
		case OPT_CSV:
			if (cfg->out != MEM_OUT_TABLE &&
			    cfg->out != (c == OPT_JSON ? MEM_OUT_JSON : MEM_OUT_CSV))
				return cli_usage_error(&mem_cmd, "--json and --csv exclude each other");
			cfg->out = c == OPT_JSON ? MEM_OUT_JSON : MEM_OUT_CSV;
			break;
		case OPT_NO_HEAP:
			cfg->no_heap = true;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case OPT_PROGRESS:
			cfg->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			cfg->progress = 0;
			break;
		case OPT_FORCE:
			cfg->force = true;
			break;
		default:
			ret = parse_value(cfg, c, optarg);
			if (ret != PARSE_GO)
				return ret;
			break;
		}
	}
	if (cli_operands(&mem_cmd, argc, argv, 0, 0))
		return CLI_EXIT_USAGE;
	return PARSE_GO;
}

/* A mistake found after parsing: the message (and under --json the error
 * document); returns CLI_EXIT_USAGE. */
static int config_error(const struct mem_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int config_error(const struct mem_config *cfg, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cfg->out == MEM_OUT_JSON)
		cli_json_error(mem_cmd.name, NULL, 0, msg);
	return cli_usage_error(&mem_cmd, "%s", msg);
}

/* The checks across options; returns PARSE_GO or the exit status. */
static int check_config(struct mem_config *cfg)
{
	const char *size_arg = cfg->size_text ? cfg->size_text : "default";
	bool known = strcmp(cfg->workload, "all") == 0, scalable = false;
	char b[32];

	for (unsigned i = 0; i < mem_nworkloads; i++) {
		if (strcmp(cfg->workload, mem_workloads[i].name) == 0)
			known = true;
		if (mem_selected(cfg, &mem_workloads[i]) && mem_workloads[i].scalable)
			scalable = true;
	}
	if (!known) {
		char clip[CLI_CLIP_BUF];

		return config_error(cfg, "unknown workload '%s' (see --help for the list)",
				    cli_clip(cfg->workload, clip, sizeof(clip)));
	}
	if (scalable && !cfg->force) {
		uint64_t us, bytes;

		mem_predict(cfg, &us, &bytes);
		if (us > MEM_LIMIT_US)
			return config_error(cfg, "--size %s: predicted to take about %.1f s of CPU, "
					    "over the limit of %.1f s; --force runs it anyway",
					    size_arg, (double)us / 1e6, (double)MEM_LIMIT_US / 1e6);
		if (bytes > MEM_LIMIT_BYTES) {
			cli_humanize(b, sizeof(b), bytes);
			return config_error(cfg, "--size %s: predicted to need about %s of memory, "
					    "over the limit of 1.0 GiB; --force runs it anyway",
					    size_arg, b);
		}
	}
	if ((cfg->plot_side & MEM_PLOT_DMA) && !cfg->modes && (cfg->plot || cfg->plot_data))
		return config_error(cfg, "--plot-side %s needs a DMA-side mode (--mode is none)",
				    cfg->plot_side == MEM_PLOT_DMA ? "dma" : "both");
	return PARSE_GO;
}

/* --plot-data DIR: exists as a directory, or is created (one level). */
static int make_plot_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0777) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	fprintf(stderr, "phyr-sim mem: --plot-data: cannot use directory '%s': %s\n", dir,
		errno == EEXIST ? "not a directory" : strerror(errno));
	return -1;
}

/* ---- progress on stderr ---- */

struct progress {
	const char *name;
	unsigned index, count;  /* the workload's number, of how many */
	int last;               /* the percentage printed last, -1 none */
};

static void progress_show(void *ctx, uint64_t done, uint64_t total)
{
	struct progress *pr = ctx;
	int pct = total ? (int)((double)done * 100 / (double)total) : 0;

	if (pct > 100)
		pct = 100;
	if (pct == pr->last)
		return;
	pr->last = pct;
	fprintf(stderr, "\rphyr-sim mem: %-12s %u/%u %3d%%", pr->name, pr->index, pr->count, pct);
	fflush(stderr);
}

/* Whether this run shows progress: --progress, --no-progress, or auto. */
static bool want_progress(const struct mem_config *cfg)
{
	uint64_t us, bytes;

	if (cfg->progress >= 0)
		return cfg->progress;

	mem_predict(cfg, &us, &bytes);
	return isatty(STDERR_FILENO) && us > MEM_PROGRESS_AUTO_US;
}

/* ---- run ---- */

/* Runs the selected workloads into @res; *@n of them. Returns 0 or -1
 * after a message. */
static int run_workloads(struct mem_config *cfg, struct mem_result *res, unsigned *n)
{
	struct progress pr = { .last = -1 };
	bool show = want_progress(cfg);
	int ret = 0;

	*n = 0;
	for (unsigned i = 0; i < mem_nworkloads; i++)
		pr.count += mem_selected(cfg, &mem_workloads[i]);
	if (show) {
		cfg->p.progress = progress_show;
		cfg->p.progress_ctx = &pr;
	}
	for (unsigned i = 0; i < mem_nworkloads && ret == 0; i++) {
		if (!mem_selected(cfg, &mem_workloads[i]))
			continue;
		pr.name = mem_workloads[i].name;
		pr.index = *n + 1;
		pr.last = -1;
		ret = mem_run(&mem_workloads[i], &cfg->p, &res[*n]);
		if (show && ret == 0)
			progress_show(&pr, 1, 1);
		if (ret) {
			if (show)
				fputc('\n', stderr);
			fprintf(stderr, "phyr-sim mem: workload %s: %s\n", mem_workloads[i].name,
				strerror(-ret));
			if (cfg->out == MEM_OUT_JSON) {
				char msg[256];

				snprintf(msg, sizeof(msg), "workload %s: %s", mem_workloads[i].name,
					 strerror(-ret));
				cli_json_error(mem_cmd.name, NULL, 0, msg);
			}
			return -1;
		}
		(*n)++;
	}
	if (show)
		fputc('\n', stderr);
	cfg->p.progress = NULL;
	return 0;
}

/* ---- report ---- */

static int report(const struct mem_config *cfg, const struct mem_result *res, unsigned n,
		  const char *backend)
{
	json_object *stats = NULL;
	int ret = 0;

	switch (cfg->out) {
	case MEM_OUT_JSON:
		ret = cli_doc_print(mem_json(cfg, res, n, backend), stdout);
		break;
	case MEM_OUT_CSV:
		mem_print_csv(stdout, res, n, backend, cfg->modes);
		break;
	default:
		mem_print_table(stdout, &cfg->p, res, n, backend, cfg->modes);
		break;
	}
	if (fflush(stdout) || ferror(stdout) || ret) {
		fprintf(stderr, "phyr-sim mem: write error\n");
		return 1;
	}
	if (cfg->stats) {
		stats = mem_stats(res, n);
		cli_stats_print(stderr, stats);
		json_object_put(stats);
	}
	if ((cfg->plot || cfg->plot_data) && mem_plot(cfg, res, n))
		return 1;
	return 0;
}

int cmd_mem(int argc, char **argv)
{
	struct mem_config cfg = {
		.p = { .seed = 1, .frag = PHYR_PAGES_FRAG_DEFAULT, .chunk = PHYR_LIST_CHUNK_DEFAULT },
		.workload = "all",
		.modes = (1u << MEM_MODE_COUNT) - 1,
		.progress = -1,
		.plot_side = MEM_PLOT_CPU,
	};
	struct mem_result *res;
	char backend[64];
	bool have_backend;
	unsigned n;
	int ret;

	ret = parse_options(&cfg, argc, argv);
	if (ret == PARSE_GO)
		ret = check_config(&cfg);
	if (ret != PARSE_GO)
		return ret;
	if (cfg.plot_data && make_plot_dir(cfg.plot_data))
		return 1;
	res = calloc(mem_nworkloads, sizeof(*res));
	if (!res) {
		fprintf(stderr, "phyr-sim mem: out of memory\n");
		return 1;
	}
	have_backend = !cfg.no_heap && mem_jemalloc_install(backend, sizeof(backend));
	if (run_workloads(&cfg, res, &n))
		ret = 1;
	else
		ret = report(&cfg, res, n, have_backend ? backend : NULL);
	free(res);
	return ret;
}
