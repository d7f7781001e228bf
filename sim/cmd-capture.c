// SPDX-License-Identifier: MIT
/*
 * phyr-sim capture: real Linux ftrace captures of the IOVA allocator.
 *   capture info FILE     what the capture holds
 *   capture replay FILE   exact replay through the IOVA model
 * Written on the public API (phyr/capture.h) only.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <phyr/builder.h>
#include <phyr/capture.h>

#include "capture-plot.h"
#include "cli.h"
#include "cli-opts.h"
#include "commands.h"
#include "iova-plugin.h"
#include "opt.h"
#include "out.h"

struct capture_opts {
	const char *file;
	enum phyr_capture_mode mode;
	const char *policy;
	unsigned int ncpus;
	const char *kernel;
	bool emit_allocs;
	bool emit_bounces;
	bool json;
	bool csv;
	bool policy_set;
	const char *plugin;
	enum phyr_capture_domain_type domain;
	bool no_rcache;
	unsigned int mag_size;
	uint64_t fq_timeout_us;
	const char *plot;
	int plot_fmt;
	const char *plot_data;
	unsigned int iotlb_entries, iotlb_ways;
	const char *machine;
};

static void usage_replay(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim capture replay FILE [--mode exact|events|auto] [--policy linux|augmented|buddy]\n"
		"                                [--cpus N] [--kernel VERSION] [--domain strict|lazy]\n"
		"                                [--rcache on|off] [--mag-size N] [--fq-timeout US]\n"
		"                                [--iotlb ENTRIES,WAYS] [--machine FILE]\n"
		"                                [--emit allocations|bounces] [--json | --csv]\n"
		"                                [--plot FILE.png|svg|pdf] [--plot-data DIR]\n"
		"\n"
		"Replays a Linux ftrace capture of the IOVA allocator (allocator probe set, fprobe or\n"
		"kprobe form) through the IOVA model, every state change at the line where the kernel\n"
		"made it, and compares each allocation's pfn with Linux's.\n"
		"\n"
		"  --mode M          exact (needs the allocator probes), events (requests rebuilt from the\n"
		"                    dma:/iommu: events only) or auto (default: exact when the probes are there)\n"
		"  --policy-plugin FILE  a policy plug-in (<phyr/iova-plugin.h>): a what-if replay through it\n"
		"  --policy P        linux (default) or augmented: exact replay; buddy: what-if replay of\n"
		"                    the same requests through the policy's own alloc/free, in log order\n"
		"  --cpus N          CPUs of the model (default: the capture's #P:)\n"
		"  --kernel VERSION  allocator of this kernel (6.1: fixed 32-magazine depot; 6.7+: trimmed\n"
		"                    list); default: the capture's header, else iova_depot_work's presence\n"
		"  --domain D        events mode: strict or lazy (flush queue) domains; default: the header's\n"
		"                    TLB invalidation policy, else strict\n"
		"  --rcache off      events mode: no per-CPU range cache in the model\n"
		"  --mag-size N      events mode: pfns per magazine (default 127)\n"
		"  --fq-timeout US   events mode, lazy: flush-queue timeout in microseconds (default 10000)\n"
		"  --iotlb E,W       events mode: IOTLB of E entries, W ways (default 64,4); the device reads\n"
		"                    each page after its map and before its unmap (IOTLB hits and misses)\n"
		"  --machine FILE    events mode: a machine description (docs/machine-desc.md) for what the\n"
		"                    events cannot tell: each device's DMA masks and bus limit, and the IOMMU\n"
		"                    group (with its reserve= ranges) of devices the capture puts in none\n"
		"  --emit allocations  print 'LINE IOVAD SIZE LINUX_PFN MODEL_PFN' per allocation, nothing else\n"
		"  --emit bounces    replay the swiotlb bounce mappings instead (qs/ probes of a swiotlb=force\n"
		"                    capture) through the swiotlb model, at the captured pool's own addresses;\n"
		"                    print 'LINE DEVICE ORIG SIZE LINUX_TLB MODEL_TLB' per qs/map line (MODEL_TLB\n"
		"                    '-' when the model found no slot), nothing else; summary on stderr. The\n"
		"                    IOVA options (--mode, --policy, --cpus, --kernel) do not apply\n"
		"  --json            summary as JSON; --csv: one line per domain (events mode figures)\n"
		"  --plot FILE       draw each domain's live IOVA ranges (the model's tree, range cache\n"
		"                    included) over the capture's time with gnuplot; the format follows\n"
		"                    the extension: .png, .svg or .pdf\n"
		"  --plot-data DIR   keep the plot's data (one file per domain) and gnuplot script in DIR\n"
		"\n"
		"Example:\n"
		"  phyr-sim capture replay tests/data/capture/linux6.12_strict_1cpu.log\n"
		"  phyr-sim capture replay trace.log --emit allocations | awk '$4 != $5' | head\n"
		"  phyr-sim capture replay tests/data/capture/linux7.2_swiotlb_2cpu.head.log --emit bounces\n"
		"Exit status: 0 replayed (even with divergences), 2 bad usage or a malformed capture.\n");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim capture info FILE [--json]\n"
		"       phyr-sim capture replay FILE [OPTIONS]   (see 'phyr-sim capture replay --help')\n"
		"\n"
		"Real Linux ftrace captures of the IOVA allocator.\n"
		"  info    kernel, CPUs, devices and groups, domains, event counts, skipped and lost events\n"
		"  replay  exact replay through the IOVA model; compares every pfn with Linux's\n"
		"\n"
		"Example:\n"
		"  phyr-sim capture info tests/data/capture/linux6.12_strict_1cpu.log\n");
}

enum {
	OPT_MODE = 256, OPT_POLICY, OPT_CPUS, OPT_KERNEL, OPT_EMIT, OPT_JSON, OPT_CSV, OPT_PLUGIN,
	OPT_DOMAIN, OPT_RCACHE, OPT_MAG_SIZE, OPT_FQ_TIMEOUT, OPT_PLOT, OPT_PLOT_DATA, OPT_IOTLB,
	OPT_MACHINE,
};

static const struct option replay_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "emit", required_argument, NULL, OPT_EMIT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "policy-plugin", required_argument, NULL, OPT_PLUGIN },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "rcache", required_argument, NULL, OPT_RCACHE },
	{ "mag-size", required_argument, NULL, OPT_MAG_SIZE },
	{ "fq-timeout", required_argument, NULL, OPT_FQ_TIMEOUT },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ "plot-data", required_argument, NULL, OPT_PLOT_DATA },
	{ "iotlb", required_argument, NULL, OPT_IOTLB },
	{ "machine", required_argument, NULL, OPT_MACHINE },
	{ 0 },
};

static const struct option info_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ 0 },
};

static const struct cli_cmd replay_cmd = { "capture replay", "h", replay_longopts, usage_replay };
static const struct cli_cmd info_cmd = { "capture info", "h", info_longopts, usage };
static const struct cli_cmd capture_cmd = { "capture", "h", NULL, usage };

#define IOTLB_EXPECT "ENTRIES,WAYS: 1 to 65536 entries, a multiple of the ways"

/* Parses the options; 1 after --help (exit 0), 2 after a mistake (message printed). */
static int parse_opts(int argc, char **argv, const struct cli_cmd *cmd, struct capture_opts *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->policy = "linux";
	cli_opt_start();
	while ((ch = cli_getopt(cmd, argc, argv)) != -1) {
		uint64_t v;

		switch (ch) {
		case 'h':
			cli_help(cmd);
			return 1;
		case OPT_MODE:
			if (strcmp(optarg, "exact") == 0)
				o->mode = PHYR_CAPTURE_EXACT;
			else if (strcmp(optarg, "auto") == 0)
				o->mode = PHYR_CAPTURE_AUTO;
			else if (strcmp(optarg, "events") == 0)
				o->mode = PHYR_CAPTURE_EVENTS;
			else
				return cli_bad_value(cmd, "mode", optarg, "exact, events or auto");
			break;
		case OPT_POLICY:
			o->policy = optarg;
			o->policy_set = true;
			break;
		case OPT_PLUGIN:
			o->plugin = optarg;
			break;
		case OPT_CPUS:
			if (cli_u64(optarg, &v) || v == 0 || v > PHYR_IOVA_MAX_CPUS) {
				char expect[32];

				snprintf(expect, sizeof(expect), "1 to %u", PHYR_IOVA_MAX_CPUS);
				return cli_bad_value(cmd, "cpus", optarg, expect);
			}
			o->ncpus = (unsigned int)v;
			break;
		case OPT_KERNEL:
			o->kernel = optarg;
			break;
		case OPT_EMIT:
			if (strcmp(optarg, "allocations") == 0)
				o->emit_allocs = true;
			else if (strcmp(optarg, "bounces") == 0)
				o->emit_bounces = true;
			else
				return cli_bad_value(cmd, "emit", optarg, "allocations or bounces");
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_CSV:
			o->csv = true;
			break;
		case OPT_DOMAIN:
			if (strcmp(optarg, "strict") == 0)
				o->domain = PHYR_CAPTURE_DOMAIN_STRICT;
			else if (strcmp(optarg, "lazy") == 0)
				o->domain = PHYR_CAPTURE_DOMAIN_LAZY;
			else
				return cli_bad_value(cmd, "domain", optarg, "strict or lazy");
			break;
		case OPT_RCACHE:
			if (strcmp(optarg, "off") != 0 && strcmp(optarg, "on") != 0)
				return cli_bad_value(cmd, "rcache", optarg, "on or off");
			o->no_rcache = strcmp(optarg, "off") == 0;
			break;
		case OPT_MAG_SIZE:
			if (cli_u64(optarg, &v) || v == 0 || v > 65536)
				return cli_bad_value(cmd, "mag-size", optarg, "1 to 65536");
			o->mag_size = (unsigned int)v;
			break;
		case OPT_FQ_TIMEOUT:
			if (cli_u64(optarg, &v) || v == 0 || v > 60000000)
				return cli_bad_value(cmd, "fq-timeout", optarg,
						     "1 to 60000000 microseconds");
			o->fq_timeout_us = v;
			break;
		case OPT_PLOT: {
			enum cli_plot_format fmt;

			if (cli_opt_plot_file(optarg, &fmt))
				return cli_bad_value(cmd, "plot", optarg,
						     "a file name ending in .png, .svg or .pdf");
			o->plot = optarg;
			o->plot_fmt = (int)fmt;
			break;
		}
		case OPT_IOTLB: {
			const char *comma = strchr(optarg, ',');
			uint64_t w;
			char num[32];

			if (!comma || (size_t)(comma - optarg) >= sizeof(num))
				return cli_bad_value(cmd, "iotlb", optarg, IOTLB_EXPECT);
			memcpy(num, optarg, (size_t)(comma - optarg));
			num[comma - optarg] = '\0';
			if (cli_u64(num, &v) || cli_u64(comma + 1, &w) || v == 0 || v > 65536 || w == 0 ||
			    w > v || v % w)
				return cli_bad_value(cmd, "iotlb", optarg, IOTLB_EXPECT);
			o->iotlb_entries = (unsigned int)v;
			o->iotlb_ways = (unsigned int)w;
			break;
		}
		case OPT_MACHINE:
			o->machine = optarg;
			break;
		case OPT_PLOT_DATA:
			if (strchr(optarg, '\'') || strchr(optarg, '\n'))
				return cli_bad_value(cmd, "plot-data", optarg,
						     "a directory name without ' or a newline");
			o->plot_data = optarg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	if (o->emit_allocs && o->emit_bounces)
		return cli_usage_error(cmd, "--emit allocations and --emit bounces exclude each other");
	if ((o->emit_allocs || o->emit_bounces) && o->json)
		return cli_usage_error(cmd, "--emit and --json exclude each other");
	if (o->policy_set && o->plugin)
		return cli_usage_error(cmd, "--policy and --policy-plugin exclude each other");
	if (o->csv && (o->json || o->emit_allocs || o->emit_bounces))
		return cli_usage_error(cmd, "--emit, --json and --csv exclude each other");
	if ((o->plot || o->plot_data) && o->emit_bounces)
		return cli_usage_error(cmd, "--plot draws IOVA domains: not with --emit bounces");
	if ((o->domain || o->no_rcache || o->mag_size || o->fq_timeout_us || o->iotlb_entries ||
	     o->machine) && o->mode == PHYR_CAPTURE_EXACT)
		return cli_usage_error(cmd, "--domain, --rcache, --mag-size, --fq-timeout, --iotlb and "
				       "--machine need --mode events (or auto on a capture without "
				       "allocator probes)");
	o->file = argv[optind];
	return 0;
}

/* Appends @v in decimal (or hex with 0x) at @p; returns the new end. */
static char *put_u64(char *p, uint64_t v, bool hex)
{
	char tmp[24];
	int n = 0;

	if (hex) {
		*p++ = '0';
		*p++ = 'x';
	}
	do {
		tmp[n++] = "0123456789abcdef"[hex ? v & 15 : v % 10];
		v = hex ? v >> 4 : v / 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* One line of capture.md section 5: LINE IOVAD SIZE LINUX_PFN MODEL_PFN. */
static void emit_alloc(void *ctx, const struct phyr_capture_alloc *a)
{
	char buf[128], *p = buf;

	p = put_u64(p, a->line, false);
	*p++ = ' ';
	if (a->domain_name) {
		size_t n = strnlen(a->domain_name, 63);

		memcpy(p, a->domain_name, n);
		p += n;
	} else {
		p = put_u64(p, a->iovad, true);
	}
	*p++ = ' ';
	p = put_u64(p, a->size, false);
	*p++ = ' ';
	p = put_u64(p, a->linux_pfn, true);
	*p++ = ' ';
	if (a->model_ok)
		p = put_u64(p, a->model_pfn, true);
	else
		*p++ = '-';
	*p++ = '\n';
	fwrite(buf, 1, (size_t)(p - buf), ctx);
}

static void emit_bounce(void *ctx, const struct phyr_capture_bounce *b)
{
	FILE *out = ctx;

	if (b->model_ok)
		fprintf(out, "%" PRIu64 " %s 0x%" PRIx64 " %" PRIu64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
			b->line, b->device, b->orig, b->size, b->linux_tlb, b->model_tlb);
	else
		fprintf(out, "%" PRIu64 " %s 0x%" PRIx64 " %" PRIu64 " 0x%" PRIx64 " -\n", b->line,
			b->device, b->orig, b->size, b->linux_tlb);
}

/* What the replay's allocation callback feeds: --emit lines, --plot samples. */
struct alloc_sink {
	bool emit;
	struct capture_plot *plot;
};

static void on_alloc(void *ctx, const struct phyr_capture_alloc *a)
{
	struct alloc_sink *k = ctx;

	if (k->emit)
		emit_alloc(stdout, a);
	if (k->plot) {
		char label[64];

		if (a->domain_name)
			snprintf(label, sizeof(label), "%s", a->domain_name);
		else
			snprintf(label, sizeof(label), "0x%" PRIx64, a->iovad);
		capture_plot_sample(k->plot, label, a->ts_ns, a->live);
	}
}

/* @path as an absolute path in @buf (gnuplot runs in another directory). */
static int absolute(const char *path, char *buf, size_t len)
{
	char cwd[4096];

	if (path[0] == '/') {
		snprintf(buf, len, "%s", path);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)) || strchr(cwd, '\'') || strchr(cwd, '\n') ||
	    (size_t)snprintf(buf, len, "%s/%s", cwd, path) >= len) {
		fprintf(stderr, "phyr-sim capture replay: --plot: cannot name '%s' from the working "
				"directory; give an absolute path\n", path);
		return -1;
	}
	return 0;
}

/* The totals of a bounce replay (the --emit summary on stderr, the summary mode on stdout). */
static void print_bounce_totals(const struct phyr_capture_bounce_summary *s, FILE *f)
{
	fprintf(f, "bounces: matched %" PRIu64 "/%" PRIu64 " maps", s->nmatched, s->nmaps);
	if (s->first_divergence)
		fprintf(f, ", first divergence at line %" PRIu64, s->first_divergence);
	fprintf(f, "; model found no slot %" PRIu64 ", releases %" PRIu64 " (unknown %" PRIu64
		"), entries without return %" PRIu64 ", returns without entry %" PRIu64
		", pools %" PRIu64 "\n", s->nmodel_failures, s->nreleases, s->nunknown_releases,
		s->nunpaired_entries, s->nunpaired_returns, s->npools);
	if (s->nlost_events)
		fprintf(f, "lost: %" PRIu64 " events in %" PRIu64 " lines, the first at line %" PRIu64
			" (mappings past it are not trustworthy)\n", s->nlost_events, s->nlost_lines,
			s->first_lost_line);
	if (s->truncated_line)
		fprintf(f, "truncated last line: %" PRIu64 " (ignored)\n", s->truncated_line);
}

/* --emit bounces: the swiotlb replay; the lines on stdout, a summary on stderr. */
static int run_bounces(const struct capture_opts *o)
{
	struct phyr_capture_bounce_summary s;
	char err[512];
	int ret;

	ret = phyr_capture_replay_bounces(o->file, NULL, emit_bounce, stdout, &s, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		return 2;
	}
	if (fflush(stdout)) {
		fprintf(stderr, "phyr-sim capture replay: writing the output: %s\n", strerror(errno));
		return 1;
	}
	print_bounce_totals(&s, stderr);
	return 0;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* What lost events leave of the result (formats/capture.md section 1). */
static void print_loss(const struct phyr_capture_summary *s, FILE *f)
{
	if (s->first_lost_line)
		fprintf(f, "warning: events lost at line %" PRIu64 " ([LOST M EVENTS]): the result past"
			" it is not trustworthy; before it: matched %" PRIu64 "/%" PRIu64 " allocations\n",
			s->first_lost_line, s->nmatched_before_loss, s->nallocs_before_loss);
	if (s->entries_written > s->entries_in_buffer)
		fprintf(f, "warning: the ring buffer overwrote %" PRIu64 " events before the first line"
			" (entries-in-buffer %" PRIu64 " < entries-written %" PRIu64 "): the replay"
			" starts from a state it does not know and is not trustworthy\n",
			s->entries_written - s->entries_in_buffer, s->entries_in_buffer,
			s->entries_written);
}

/* Events mode: per domain, the match and the what-if figures. */
static void print_events_text(struct phyr_capture *c, const struct phyr_capture_summary *s, FILE *f)
{
	struct phyr_capture_domain_info d;

	fprintf(f, "domains: %s, unmaps %" PRIu64 " (%" PRIu64 " of no known allocation)\n",
		s->lazy ? "lazy (flush queue)" : "strict", s->nunmaps, s->nunknown_unmaps);
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &d) == 0; i++) {
		const struct phyr_iova_stats *st = &d.stats;
		uint64_t lookups = st->nrcache_hits + st->nrcache_misses;

		fprintf(f, "domain %s (group %d): allocations %" PRIu64 ", matched %" PRIu64 "/%" PRIu64,
			d.name, d.group, d.nallocs, d.nmatched, d.nallocs);
		if (d.first_divergence) {
			fprintf(f, ", first divergence line %" PRIu64 " linux 0x%" PRIx64 " model ",
				d.first_divergence, d.div_linux_pfn);
			if (d.div_model_ok)
				fprintf(f, "0x%" PRIx64, d.div_model_pfn);
			else
				fputc('-', f);
		}
		fprintf(f, "\n  frees %" PRIu64 ", tree nodes visited %" PRIu64 ", rcache hits %" PRIu64
			"/%" PRIu64 " (%.1f%%), depot trims %" PRIu64 ", peak live %" PRIu64 " IOVAs %" PRIu64
			" pages", d.nfrees, st->nnodes_visited, st->nrcache_hits, lookups,
			pct(st->nrcache_hits, lookups), st->ndepot_trims, d.peak_live, d.peak_pages);
		if (d.span_hi >= d.span_lo && d.nallocs)
			fprintf(f, ", span 0x%" PRIx64 "-0x%" PRIx64 ", free in span %" PRIu64
				", largest hole %" PRIu64 " (fragmentation %.1f%%)", d.span_lo, d.span_hi,
				d.span_free, d.span_largest_hole,
				d.span_free ? 100.0 - pct(d.span_largest_hole, d.span_free) : 0.0);
		if (s->lazy)
			fprintf(f, ", flush-queue flushes %" PRIu64, d.nfq_flushes);
		fprintf(f, "\n  page-table pages %" PRIu64 " (peak %" PRIu64 "), PTE writes %" PRIu64
			", IOTLB invalidations %" PRIu64 "\n", d.pt_pages, d.pt_pages_peak, d.npte_writes,
			d.ninvalidations);
		fprintf(f, "  IOTLB hits %" PRIu64 "/%" PRIu64 " (%.1f%%), evictions %" PRIu64
			", entries invalidated %" PRIu64 "; magazines %" PRIu64 " bytes (peak %" PRIu64 ")\n",
			d.niotlb_hits, d.niotlb_hits + d.niotlb_misses,
			pct(d.niotlb_hits, d.niotlb_hits + d.niotlb_misses), d.niotlb_evictions,
			d.niotlb_invalidated, d.mag_bytes, d.mag_bytes_peak);
		if (s->lazy)
			fprintf(f, "  stale mappings: %" PRIu64 " ranges, %" PRIu64 " pages, window mean %"
				PRIu64 " ns max %" PRIu64 " ns, %" PRIu64 " page-ns; %" PRIu64
				" still queued at the end\n", d.nstale, d.stale_pages,
				d.nstale ? d.stale_ns_total / d.nstale : 0, d.stale_ns_max, d.stale_page_ns,
				d.nstale_open);
	}
	fprintf(f, "events%s: matched %" PRIu64 "/%" PRIu64 " allocations (%.2f%%)",
		s->whatif ? " (what-if)" : "", s->nmatched, s->nallocs, pct(s->nmatched, s->nallocs));
	if (s->first_divergence)
		fprintf(f, ", first divergence at line %" PRIu64, s->first_divergence);
	fputc('\n', f);
	print_loss(s, f);
}

static void print_csv(struct phyr_capture *c, FILE *f)
{
	struct phyr_capture_domain_info d;

	fprintf(f, "domain,group,allocations,matched,frees,nodes_visited,rcache_hits,rcache_misses,"
		"depot_trims,peak_live,peak_pages,span_lo,span_hi,span_free,span_largest_hole,"
		"fq_flushes,pt_pages,pt_pages_peak,pte_writes,iotlb_invalidations,mag_bytes,"
		"mag_bytes_peak,stale_windows,stale_pages,stale_mean_ns,stale_max_ns,stale_page_ns,"
		"stale_open,iotlb_hits,iotlb_misses,iotlb_evictions,iotlb_entries_invalidated\n");
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &d) == 0; i++) {
		fprintf(f, "%s,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",0x%" PRIx64 ",0x%" PRIx64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			d.name[0] ? d.name : "-", d.group, d.nallocs, d.nmatched, d.nfrees,
			d.stats.nnodes_visited, d.stats.nrcache_hits, d.stats.nrcache_misses,
			d.stats.ndepot_trims, d.peak_live, d.peak_pages, d.span_lo, d.span_hi, d.span_free,
			d.span_largest_hole, d.nfq_flushes, d.pt_pages, d.pt_pages_peak, d.npte_writes,
			d.ninvalidations);
		fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			d.mag_bytes, d.mag_bytes_peak, d.nstale, d.stale_pages,
			d.nstale ? d.stale_ns_total / d.nstale : 0, d.stale_ns_max, d.stale_page_ns,
			d.nstale_open, d.niotlb_hits, d.niotlb_misses, d.niotlb_evictions,
			d.niotlb_invalidated);
	}
}

/* The swiotlb events and probes the bounce replay reads (capture.md section 3). */
static bool bounce_event(const char *name)
{
	static const char *const names[] = { "map_entry", "map (probe)", "unmap (probe)",
					     "release", "pool", "swiotlb_bounced" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void print_text(struct phyr_capture *c, const struct phyr_capture_summary *s, bool info,
		       FILE *f)
{
	struct phyr_capture_domain_info d;
	struct phyr_capture_device dev;
	struct phyr_capture_event e;

	fprintf(f, "kernel: %s (%s depot)\n", s->kernel[0] ? s->kernel : "unknown",
		s->fixed_depot ? "pre-6.7 fixed 32-magazine" : "6.7+ trimmed");
	fprintf(f, "cpus: %u (model %u)\n", s->ncpus, s->model_cpus);
	fprintf(f, "lines: %" PRIu64 ", events: %" PRIu64 ", skipped: %" PRIu64 "\n", s->nlines,
		s->nevents, s->nskipped);
	if (s->mode == PHYR_CAPTURE_EVENTS)
		fprintf(f, "requests: from the dma:/iommu: events (events mode)\n");
	else
		fprintf(f, "probes: %s form%s\n", s->kprobe_form ? "kprobe" : "fprobe",
			s->rc_probes ? ", rc_* cache probes" : "");
	fprintf(f, "ftrace entries: %" PRIu64 "/%" PRIu64 ", lost: %" PRIu64 " events in %" PRIu64
		" lines\n", s->entries_in_buffer, s->entries_written, s->nlost_events, s->nlost_lines);
	if (s->truncated_line)
		fprintf(f, "truncated last line: %" PRIu64 " (ignored)\n", s->truncated_line);
	if (s->nkprobe_missed)
		fprintf(f, "kprobe misses: %" PRIu64 " (the header's kprobe_profile: calls the probes did "
			"not record)\n", s->nkprobe_missed);
	if (s->nmissed_frees)
		fprintf(f, "missed frees: %" PRIu64 " (iommu:unmap lines of a strict domain without "
			"their iova_free line; freed where it belonged)\n", s->nmissed_frees);
	if (info) {
		for (unsigned int i = 0; phyr_capture_get_device(c, i, &dev) == 0; i++)
			fprintf(f, "device %s group %d\n", dev.name, dev.group);
	}
	if (s->mode == PHYR_CAPTURE_EVENTS) {
		print_events_text(c, s, f);
		return;
	}
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &d) == 0; i++) {
		fprintf(f, "domain 0x%" PRIx64 ": granule %" PRIu64 " start_pfn 0x%" PRIx64
			" reserved %u%s, allocations %" PRIu64, d.iovad, d.granule, d.start_pfn,
			d.nreserved, d.boot ? "" : " (no boot probe)", d.nallocs);
		if (!info) {
			fprintf(f, ", matched %" PRIu64 "/%" PRIu64, d.nmatched, d.nallocs);
			if (d.first_divergence) {
				fprintf(f, ", first divergence line %" PRIu64 " linux 0x%" PRIx64 " model ",
					d.first_divergence, d.div_linux_pfn);
				if (d.div_model_ok)
					fprintf(f, "0x%" PRIx64, d.div_model_pfn);
				else
					fputc('-', f);
			}
			fprintf(f, ", magazines %" PRIu64 " bytes (peak %" PRIu64 ")", d.mag_bytes,
				d.mag_bytes_peak);
		}
		fputc('\n', f);
	}
	if (info) {
		uint64_t nbounce = 0;

		for (unsigned int i = 0; phyr_capture_get_event(c, i, &e) == 0; i++) {
			fprintf(f, "event %s %" PRIu64 "%s\n", e.name, e.count, e.used ? "" :
				bounce_event(e.name) ? " (bounce replay)" : " (skipped)");
			if (strcmp(e.name, "map (probe)") == 0)
				nbounce = e.count;
		}
		if (nbounce)
			fprintf(f, "bounces: %" PRIu64 " swiotlb mappings (qs/map): 'capture replay' gives"
				" the model's slot for each (--emit bounces)\n", nbounce);
	} else {
		fprintf(f, "%s: matched %" PRIu64 "/%" PRIu64 " allocations", s->whatif ? "what-if" : "exact",
			s->nmatched, s->nallocs);
		if (s->first_divergence)
			fprintf(f, ", first divergence at line %" PRIu64, s->first_divergence);
		fputc('\n', f);
		print_loss(s, f);
	}
}

/* The error document of a --json run; @msg is "FILE:LINE: message" or a bare message. */
static void json_error(const char *command, const char *file, const char *msg)
{
	size_t flen = strlen(file);
	unsigned long line = 0;
	char *end;

	if (strncmp(msg, file, flen) == 0 && msg[flen] == ':') {
		line = strtoul(msg + flen + 1, &end, 10);
		if (*end == ':') {
			msg = end + 1;
			while (*msg == ' ')
				msg++;
		} else {
			line = 0;
		}
	}
	cli_json_error(command, file, line, msg);
}

static const char *mode_name(enum phyr_capture_mode m)
{
	return m == PHYR_CAPTURE_EXACT ? "exact" : m == PHYR_CAPTURE_EVENTS ? "events" :
	       m == PHYR_CAPTURE_INFO ? "info" : "auto";
}

/* The --json document (sim/out.h): command, version, config, the summary. */
static void print_json(struct phyr_capture *c, const struct phyr_capture_summary *s,
		       const struct cli_cmd *cmd, const struct capture_opts *o, bool info, FILE *f)
{
	json_object *doc = cli_doc_new(cmd->name), *cfg = cli_doc_config(doc), *arr, *ev;
	struct phyr_capture_domain_info d;
	struct phyr_capture_device dev;
	struct phyr_capture_event e;

	cli_json_str(cfg, "input", o->file);
	if (!info) {
		cli_json_str(cfg, "mode", mode_name(o->mode));
		cli_json_str(cfg, "policy", o->plugin ? NULL : o->policy);
		cli_json_str(cfg, "policy_plugin", o->plugin);
		cli_json_u64(cfg, "cpus", s->model_cpus);
		cli_json_str(cfg, "kernel", o->kernel);
		cli_json_str(cfg, "depot", s->fixed_depot ? "fixed" : "trimmed");
		if (s->mode == PHYR_CAPTURE_EVENTS) {
			cli_json_str(cfg, "domain", s->lazy ? "lazy" : "strict");
			cli_json_str(cfg, "rcache", o->no_rcache ? "off" : "on");
			cli_json_u64(cfg, "mag_size", o->mag_size ? o->mag_size : 127);
			cli_json_u64(cfg, "fq_timeout_us", o->fq_timeout_us ? o->fq_timeout_us : 10000);
			cli_json_u64(cfg, "iotlb_entries", o->iotlb_entries ? o->iotlb_entries : 64);
			cli_json_u64(cfg, "iotlb_ways", o->iotlb_ways ? o->iotlb_ways : 4);
			cli_json_str(cfg, "machine", o->machine);
		}
	}
	cli_json_str(doc, "kernel", s->kernel);
	cli_json_bool(doc, "fixed_depot", s->fixed_depot);
	cli_json_str(doc, "mode", info ? "info" : s->mode == PHYR_CAPTURE_EVENTS ?
		     (s->whatif ? "events-whatif" : "events") : s->whatif ? "whatif" : "exact");
	cli_json_u64(doc, "cpus", s->ncpus);
	cli_json_u64(doc, "model_cpus", s->model_cpus);
	cli_json_str(doc, "probe_form", s->kprobe_form ? "kprobe" : "fprobe");
	cli_json_bool(doc, "rc_probes", s->rc_probes);
	cli_json_u64(doc, "lines", s->nlines);
	cli_json_u64(doc, "events", s->nevents);
	cli_json_u64(doc, "skipped", s->nskipped);
	cli_json_u64(doc, "lost_events", s->nlost_events);
	if (s->mode != PHYR_CAPTURE_EVENTS)
		cli_json_u64(doc, "kprobe_missed", s->nkprobe_missed);
	if (!info && s->mode != PHYR_CAPTURE_EVENTS)
		cli_json_u64(doc, "missed_frees", s->nmissed_frees);
	cli_json_u64(doc, "lost_lines", s->nlost_lines);
	cli_json_u64(doc, "first_lost_line", s->first_lost_line);
	cli_json_bool(doc, "trustworthy", !s->first_lost_line &&
		      s->entries_written <= s->entries_in_buffer);
	cli_json_u64(doc, "entries_in_buffer", s->entries_in_buffer);
	cli_json_u64(doc, "entries_written", s->entries_written);
	cli_json_u64(doc, "truncated_line", s->truncated_line);
	cli_json_u64(doc, "allocations", s->nallocs);
	if (!info) {
		cli_json_u64(doc, "matched", s->nmatched);
		cli_json_u64(doc, "allocations_before_loss", s->nallocs_before_loss);
		cli_json_u64(doc, "matched_before_loss", s->nmatched_before_loss);
		cli_json_u64(doc, "first_divergence", s->first_divergence);
	}
	if (s->mode == PHYR_CAPTURE_EVENTS) {
		cli_json_str(doc, "domain_type", s->lazy ? "lazy" : "strict");
		cli_json_u64(doc, "unmaps", s->nunmaps);
		cli_json_u64(doc, "unknown_unmaps", s->nunknown_unmaps);
	}
	arr = cli_json_arr(doc, "devices");
	for (unsigned int i = 0; phyr_capture_get_device(c, i, &dev) == 0; i++) {
		json_object *x = json_object_new_object();

		cli_json_str(x, "name", dev.name);
		cli_json_i64(x, "group", dev.group);
		json_object_array_add(arr, x);
	}
	arr = cli_json_arr(doc, "domains");
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &d) == 0; i++) {
		json_object *x = json_object_new_object();

		cli_json_hex(x, "iovad", d.iovad);
		cli_json_u64(x, "granule", d.granule);
		cli_json_addr(x, "start_pfn", d.start_pfn);
		cli_json_u64(x, "reserved", d.nreserved);
		cli_json_bool(x, "boot", d.boot);
		cli_json_u64(x, "allocations", d.nallocs);
		cli_json_u64(x, "frees", d.nfrees);
		if (!info) {
			cli_json_u64(x, "matched", d.nmatched);
			cli_json_u64(x, "first_divergence", d.first_divergence);
			if (d.first_divergence) {
				cli_json_addr(x, "divergence_linux_pfn", d.div_linux_pfn);
				if (d.div_model_ok)
					cli_json_addr(x, "divergence_model_pfn", d.div_model_pfn);
			}
		}
		if (s->mode == PHYR_CAPTURE_EVENTS) {
			cli_json_str(x, "name", d.name);
			cli_json_i64(x, "group", d.group);
			cli_json_u64(x, "nodes_visited", d.stats.nnodes_visited);
			cli_json_u64(x, "rcache_hits", d.stats.nrcache_hits);
			cli_json_u64(x, "rcache_misses", d.stats.nrcache_misses);
			cli_json_u64(x, "depot_trims", d.stats.ndepot_trims);
			cli_json_u64(x, "peak_live", d.peak_live);
			cli_json_u64(x, "peak_pages", d.peak_pages);
			cli_json_addr(x, "span_lo", d.span_lo);
			cli_json_addr(x, "span_hi", d.span_hi);
			cli_json_u64(x, "span_free", d.span_free);
			cli_json_u64(x, "span_largest_hole", d.span_largest_hole);
			cli_json_u64(x, "fq_flushes", d.nfq_flushes);
			cli_json_u64(x, "pt_pages", d.pt_pages);
			cli_json_u64(x, "pt_pages_peak", d.pt_pages_peak);
			cli_json_u64(x, "pte_writes", d.npte_writes);
			cli_json_u64(x, "iotlb_invalidations", d.ninvalidations);
			cli_json_u64(x, "iotlb_hits", d.niotlb_hits);
			cli_json_u64(x, "iotlb_misses", d.niotlb_misses);
			cli_json_u64(x, "iotlb_evictions", d.niotlb_evictions);
			cli_json_u64(x, "iotlb_entries_invalidated", d.niotlb_invalidated);
			cli_json_u64(x, "stale_windows", d.nstale);
			cli_json_u64(x, "stale_pages", d.stale_pages);
			cli_json_u64(x, "stale_mean_ns", d.nstale ? d.stale_ns_total / d.nstale : 0);
			cli_json_u64(x, "stale_max_ns", d.stale_ns_max);
			cli_json_u64(x, "stale_page_ns", d.stale_page_ns);
			cli_json_u64(x, "stale_open", d.nstale_open);
		}
		if (!info) {
			cli_json_u64(x, "mag_bytes", d.mag_bytes);
			cli_json_u64(x, "mag_bytes_peak", d.mag_bytes_peak);
		}
		json_object_array_add(arr, x);
	}
	ev = cli_json_obj(doc, "event_counts");
	for (unsigned int i = 0; phyr_capture_get_event(c, i, &e) == 0; i++) {
		json_object *x = json_object_new_object();

		cli_json_u64(x, "count", e.count);
		cli_json_bool(x, "skipped", !e.used);
		json_object_object_add(ev, e.name, x);
	}
	cli_doc_print(doc, f);
}

/* The summary of a bounce replay, per device (capture replay without --emit). */
#define BOUNCE_SUM_DEVS 64
struct bounce_devsum {
	char name[64];
	uint64_t nmaps, nmatched, nmodel_failures, bytes, first_divergence;
};
struct bounce_sum {
	struct bounce_devsum dev[BOUNCE_SUM_DEVS];
	unsigned int ndev;
	uint64_t nother; /* maps of devices past BOUNCE_SUM_DEVS */
};

static void sum_bounce(void *ctx, const struct phyr_capture_bounce *b)
{
	struct bounce_sum *k = ctx;
	struct bounce_devsum *d = NULL;
	bool same = b->model_ok && b->model_tlb == b->linux_tlb;

	for (unsigned int i = 0; i < k->ndev; i++)
		if (strcmp(k->dev[i].name, b->device) == 0)
			d = &k->dev[i];
	if (!d && k->ndev < BOUNCE_SUM_DEVS) {
		d = &k->dev[k->ndev++];
		snprintf(d->name, sizeof(d->name), "%s", b->device);
	}
	if (!d) {
		k->nother++;
		return;
	}
	d->nmaps++;
	d->bytes += b->size;
	if (same)
		d->nmatched++;
	else if (!d->first_divergence)
		d->first_divergence = b->line;
	if (!b->model_ok)
		d->nmodel_failures++;
}

/*
 * capture replay of a capture that holds bounce mappings but no IOVA (a
 * machine without an IOMMU under swiotlb=force): the bounce replay, with
 * its summary as text, JSON or CSV instead of the --emit lines.
 */
static int run_bounce_summary(const struct capture_opts *o, const struct cli_cmd *cmd)
{
	struct phyr_capture_bounce_summary s;
	struct bounce_sum *k = calloc(1, sizeof(*k));
	char err[512];
	int ret;

	if (!k) {
		fprintf(stderr, "phyr-sim %s: %s\n", cmd->name, strerror(ENOMEM));
		return 1;
	}
	ret = phyr_capture_replay_bounces(o->file, NULL, sum_bounce, k, &s, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		if (o->json)
			json_error(cmd->name, o->file, err[0] ? err : strerror(-ret));
		free(k);
		return 2;
	}
	if (o->json) {
		json_object *doc = cli_doc_new(cmd->name), *cfg = cli_doc_config(doc), *arr;

		cli_json_str(cfg, "input", o->file);
		cli_json_str(cfg, "mode", mode_name(o->mode));
		cli_json_str(doc, "mode", "bounces");
		cli_json_u64(doc, "lines", s.nlines);
		cli_json_u64(doc, "lost_events", s.nlost_events);
		cli_json_u64(doc, "lost_lines", s.nlost_lines);
		cli_json_u64(doc, "first_lost_line", s.first_lost_line);
		cli_json_bool(doc, "trustworthy", !s.first_lost_line);
		cli_json_u64(doc, "truncated_line", s.truncated_line);
		cli_json_u64(doc, "pools", s.npools);
		cli_json_u64(doc, "bounces", s.nmaps);
		cli_json_u64(doc, "matched", s.nmatched);
		cli_json_u64(doc, "model_failures", s.nmodel_failures);
		cli_json_u64(doc, "first_divergence", s.first_divergence);
		cli_json_u64(doc, "releases", s.nreleases);
		cli_json_u64(doc, "unknown_releases", s.nunknown_releases);
		cli_json_u64(doc, "unpaired_entries", s.nunpaired_entries);
		cli_json_u64(doc, "unpaired_returns", s.nunpaired_returns);
		arr = cli_json_arr(doc, "devices");
		for (unsigned int i = 0; i < k->ndev; i++) {
			json_object *x = json_object_new_object();

			cli_json_str(x, "name", k->dev[i].name);
			cli_json_u64(x, "bounces", k->dev[i].nmaps);
			cli_json_u64(x, "matched", k->dev[i].nmatched);
			cli_json_u64(x, "model_failures", k->dev[i].nmodel_failures);
			cli_json_u64(x, "bytes", k->dev[i].bytes);
			cli_json_u64(x, "first_divergence", k->dev[i].first_divergence);
			json_object_array_add(arr, x);
		}
		cli_doc_print(doc, stdout);
	} else if (o->csv) {
		printf("device,bounces,matched,model_failures,bytes,first_divergence\n");
		for (unsigned int i = 0; i < k->ndev; i++)
			printf("%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			       k->dev[i].name, k->dev[i].nmaps, k->dev[i].nmatched,
			       k->dev[i].nmodel_failures, k->dev[i].bytes, k->dev[i].first_divergence);
	} else {
		printf("mode: bounces (swiotlb, no IOVA)\n");
		printf("lines: %" PRIu64 "\n", s.nlines);
		print_bounce_totals(&s, stdout);
		for (unsigned int i = 0; i < k->ndev; i++)
			printf("device %s: bounces %" PRIu64 ", matched %" PRIu64 "/%" PRIu64 ", %" PRIu64
			       " bytes\n", k->dev[i].name, k->dev[i].nmaps, k->dev[i].nmatched,
			       k->dev[i].nmaps, k->dev[i].bytes);
		if (k->nother)
			printf("(%" PRIu64 " bounces of further devices not listed)\n", k->nother);
	}
	free(k);
	if (fflush(stdout)) {
		fprintf(stderr, "phyr-sim %s: writing the output: %s\n", cmd->name, strerror(errno));
		return 1;
	}
	return 0;
}

static int run(int argc, char **argv, const struct cli_cmd *cmd, bool replay)
{
	char who[64];
	struct phyr_capture_config cfg = { 0 };
	struct phyr_capture_summary s;
	struct capture_opts o;
	struct iova_plugin *pl = NULL;
	struct phyr_capture *c;
	struct phyr_system *sys = NULL;
	struct capture_plot plot;
	struct alloc_sink sink = { 0 };
	char err[512], plot_out[4096];
	int ret;

	snprintf(who, sizeof(who), "phyr-sim %s", cmd->name);
	ret = parse_opts(argc, argv, cmd, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (o.emit_bounces)
		return run_bounces(&o);
	cfg.mode = replay ? o.mode : PHYR_CAPTURE_INFO;
	if (o.plugin) {
		if (iova_plugin_open(o.plugin, &pl, err, sizeof(err))) {
			fprintf(stderr, "%s: --policy-plugin %s\n", who, err);
			if (o.json)
				cli_json_error(cmd->name, o.plugin, 0, err);
			return 2;
		}
		cfg.policy = iova_plugin_ops(pl);
	} else {
		cfg.policy = phyr_iova_policy_find(o.policy);
	}
	if (!cfg.policy)
		return cli_bad_value(cmd, "policy", o.policy, "linux, augmented or buddy");
	cfg.ncpus = o.ncpus;
	cfg.kernel = o.kernel;
	cfg.domain = o.domain;
	cfg.no_rcache = o.no_rcache;
	cfg.mag_size = o.mag_size;
	cfg.fq_timeout_us = o.fq_timeout_us;
	cfg.iotlb_entries = o.iotlb_entries;
	cfg.iotlb_ways = o.iotlb_ways;
	if (o.plot && absolute(o.plot, plot_out, sizeof(plot_out)))
		return 1;
	if ((o.plot || o.plot_data) &&
	    capture_plot_open(&plot, o.plot ? plot_out : NULL, o.plot_fmt, o.plot_data))
		return 1;
	sink.emit = o.emit_allocs;
	sink.plot = o.plot || o.plot_data ? &plot : NULL;
	if (sink.emit || sink.plot) {
		cfg.on_alloc = on_alloc;
		cfg.ctx = &sink;
		cfg.want_live = sink.plot != NULL;
	}
	if (o.machine) {
		ret = phyr_system_build_file(o.machine, NULL, &sys, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s: --machine %s\n", who, err[0] ? err : strerror(-ret));
			if (o.json)
				cli_json_error(cmd->name, o.machine, 0, err[0] ? err : strerror(-ret));
			if (sink.plot)
				capture_plot_close(&plot, false);
			iova_plugin_close(pl);
			return 2;
		}
		cfg.machine = sys;
	}
	ret = phyr_capture_create(&cfg, &c);
	if (ret) {
		phyr_system_destroy(sys);
		if (sink.plot)
			capture_plot_close(&plot, false);
		iova_plugin_close(pl);
		if (ret == -EINVAL)
			return cli_bad_value(cmd, "kernel", o.kernel ? o.kernel : "",
					     "a version like 6.1 or 6.12.95");
		fprintf(stderr, "%s: %s\n", who, strerror(-ret));
		return 1;
	}
	ret = phyr_capture_run(c, o.file, NULL, err, sizeof(err));
	if (ret == -ENOTSUP && replay && o.mode == PHYR_CAPTURE_AUTO && !o.emit_allocs &&
	    !sink.plot && strcmp(o.file, "-") != 0) {
		/* bounce mappings but no IOVA: the summary of the bounce replay */
		phyr_capture_destroy(c);
		phyr_system_destroy(sys);
		iova_plugin_close(pl);
		return run_bounce_summary(&o, cmd);
	}
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		if (o.json)
			json_error(cmd->name, o.file, err[0] ? err : strerror(-ret));
		if (ret == -ENOTSUP)
			fprintf(stderr, "%s: a capture of swiotlb bounce buffering (qs/ probes) replays"
				" with --emit bounces\n", who);
		phyr_capture_destroy(c);
		phyr_system_destroy(sys);
		iova_plugin_close(pl);
		if (sink.plot)
			capture_plot_close(&plot, false);
		return 2;
	}
	phyr_capture_get_summary(c, &s);
	if (o.json)
		print_json(c, &s, cmd, &o, !replay, stdout);
	else if (o.csv)
		print_csv(c, stdout);
	else
		print_text(c, &s, !replay, o.emit_allocs ? stderr : stdout);
	phyr_capture_destroy(c);
	phyr_system_destroy(sys);
	iova_plugin_close(pl);
	if (sink.plot && capture_plot_close(&plot, true))
		return 1;
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	return run(argc, argv, &replay_cmd, true);
}

static int cmd_info(int argc, char **argv)
{
	return run(argc, argv, &info_cmd, false);
}

int cmd_capture(int argc, char **argv)
{
	static const struct cli_sub subs[] = { { "info", cmd_info }, { "replay", cmd_replay } };

	return cli_dispatch(&capture_cmd, subs, 2, argc, argv);
}
