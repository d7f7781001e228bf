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

#include <phyr/capture.h>

#include "commands.h"
#include "iova-plugin.h"

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
};

static void usage_replay(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim capture replay FILE [--mode exact|events|auto] [--policy linux|augmented|buddy]\n"
		"                                [--cpus N] [--kernel VERSION] [--domain strict|lazy]\n"
		"                                [--rcache on|off] [--mag-size N] [--fq-timeout US]\n"
		"                                [--emit allocations|bounces] [--json | --csv]\n"
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
		"  --emit allocations  print 'LINE IOVAD SIZE LINUX_PFN MODEL_PFN' per allocation, nothing else\n"
		"  --emit bounces    replay the swiotlb bounce mappings instead (qs/ probes of a swiotlb=force\n"
		"                    capture) through the swiotlb model, at the captured pool's own addresses;\n"
		"                    print 'LINE DEVICE ORIG SIZE LINUX_TLB MODEL_TLB' per qs/map line (MODEL_TLB\n"
		"                    '-' when the model found no slot), nothing else; summary on stderr. The\n"
		"                    IOVA options (--mode, --policy, --cpus, --kernel) do not apply\n"
		"  --json            summary as JSON; --csv: one line per domain (events mode figures)\n"
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

/* All option parsing of the command (one place, to be swapped for a shared one). */
static int parse_opts(int argc, char **argv, const char *who, bool replay, struct capture_opts *o)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "mode", required_argument, NULL, 'm' },
		{ "policy", required_argument, NULL, 'p' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "emit", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'v' },
		{ "policy-plugin", required_argument, NULL, 'P' },
		{ "domain", required_argument, NULL, 'd' },
		{ "rcache", required_argument, NULL, 'r' },
		{ "mag-size", required_argument, NULL, 'g' },
		{ "fq-timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->policy = "linux";
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		if (!replay && ch != 'h' && ch != 'j' && ch != '?' && ch != ':') {
			fprintf(stderr, "%s: unrecognized option '%s'\n", who, argv[optind - 1]);
			return 2;
		}
		switch (ch) {
		case 'h':
			if (replay)
				usage_replay(stdout);
			else
				usage(stdout);
			return 1;
		case 'm':
			if (strcmp(optarg, "exact") == 0) {
				o->mode = PHYR_CAPTURE_EXACT;
			} else if (strcmp(optarg, "auto") == 0) {
				o->mode = PHYR_CAPTURE_AUTO;
			} else if (strcmp(optarg, "events") == 0) {
				o->mode = PHYR_CAPTURE_EVENTS;
			} else {
				fprintf(stderr, "%s: --mode: '%s' is not exact, events or auto\n", who, optarg);
				return 2;
			}
			break;
		case 'p':
			o->policy = optarg;
			o->policy_set = true;
			break;
		case 'P':
			o->plugin = optarg;
			break;
		case 'c':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v == 0 || v > PHYR_IOVA_MAX_CPUS) {
				fprintf(stderr, "%s: --cpus: '%s' is not 1 to %u\n", who, optarg,
					PHYR_IOVA_MAX_CPUS);
				return 2;
			}
			o->ncpus = (unsigned int)v;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'e':
			if (strcmp(optarg, "allocations") == 0) {
				o->emit_allocs = true;
			} else if (strcmp(optarg, "bounces") == 0) {
				o->emit_bounces = true;
			} else {
				fprintf(stderr, "%s: --emit: '%s' is not allocations or bounces\n", who,
					optarg);
				return 2;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->csv = true;
			break;
		case 'd':
			if (strcmp(optarg, "strict") == 0) {
				o->domain = PHYR_CAPTURE_DOMAIN_STRICT;
			} else if (strcmp(optarg, "lazy") == 0) {
				o->domain = PHYR_CAPTURE_DOMAIN_LAZY;
			} else {
				fprintf(stderr, "%s: --domain: '%s' is not strict or lazy\n", who, optarg);
				return 2;
			}
			break;
		case 'r':
			if (strcmp(optarg, "off") != 0 && strcmp(optarg, "on") != 0) {
				fprintf(stderr, "%s: --rcache: '%s' is not on or off\n", who, optarg);
				return 2;
			}
			o->no_rcache = strcmp(optarg, "off") == 0;
			break;
		case 'g':
		case 't':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || v == 0 || v > (ch == 'g' ? 65536ul : 60000000ul)) {
				fprintf(stderr, "%s: %s: '%s' is not 1 to %lu\n", who,
					ch == 'g' ? "--mag-size" : "--fq-timeout", optarg,
					ch == 'g' ? 65536ul : 60000000ul);
				return 2;
			}
			if (ch == 'g')
				o->mag_size = (unsigned int)v;
			else
				o->fq_timeout_us = v;
			break;
		case ':':
			fprintf(stderr, "%s: option '%s' requires an argument\n", who, argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "%s: unrecognized option '%s'\n", who, argv[optind - 1]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "%s: %s\n", who, optind == argc ? "missing FILE" : "more than one FILE");
		return 2;
	}
	if (o->emit_allocs && o->emit_bounces) {
		fprintf(stderr, "%s: --emit allocations and --emit bounces exclude each other\n", who);
		return 2;
	}
	if ((o->emit_allocs || o->emit_bounces) && o->json) {
		fprintf(stderr, "%s: --emit and --json exclude each other\n", who);
		return 2;
	}
	if (o->policy_set && o->plugin) {
		fprintf(stderr, "%s: --policy and --policy-plugin exclude each other\n", who);
		return 2;
	}
	if (o->csv && (o->json || o->emit_allocs || o->emit_bounces)) {
		fprintf(stderr, "%s: --emit, --json and --csv exclude each other\n", who);
		return 2;
	}
	if ((o->domain || o->no_rcache || o->mag_size || o->fq_timeout_us) &&
	    o->mode == PHYR_CAPTURE_EXACT) {
		fprintf(stderr, "%s: --domain, --rcache, --mag-size and --fq-timeout need --mode events "
			"(or auto on a capture without allocator probes)\n", who);
		return 2;
	}
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
	fprintf(stderr, "bounces: matched %" PRIu64 "/%" PRIu64 " maps", s.nmatched, s.nmaps);
	if (s.first_divergence)
		fprintf(stderr, ", first divergence at line %" PRIu64, s.first_divergence);
	fprintf(stderr, "; model found no slot %" PRIu64 ", releases %" PRIu64 " (unknown %" PRIu64
		"), entries without return %" PRIu64 ", returns without entry %" PRIu64
		", pools %" PRIu64 "\n", s.nmodel_failures, s.nreleases, s.nunknown_releases,
		s.nunpaired_entries, s.nunpaired_returns, s.npools);
	if (s.nlost_events)
		fprintf(stderr, "lost: %" PRIu64 " events in %" PRIu64 " lines (mappings after a loss"
			" can differ)\n", s.nlost_events, s.nlost_lines);
	if (s.truncated_line)
		fprintf(stderr, "truncated last line: %" PRIu64 " (ignored)\n", s.truncated_line);
	return 0;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
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
	}
	fprintf(f, "events%s: matched %" PRIu64 "/%" PRIu64 " allocations (%.2f%%)",
		s->whatif ? " (what-if)" : "", s->nmatched, s->nallocs, pct(s->nmatched, s->nallocs));
	if (s->first_divergence)
		fprintf(f, ", first divergence at line %" PRIu64, s->first_divergence);
	fputc('\n', f);
}

static void print_csv(struct phyr_capture *c, FILE *f)
{
	struct phyr_capture_domain_info d;

	fprintf(f, "domain,group,allocations,matched,frees,nodes_visited,rcache_hits,rcache_misses,"
		"depot_trims,peak_live,peak_pages,span_lo,span_hi,span_free,span_largest_hole,"
		"fq_flushes,pt_pages,pt_pages_peak,pte_writes,iotlb_invalidations\n");
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &d) == 0; i++)
		fprintf(f, "%s,%d,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",0x%" PRIx64 ",0x%" PRIx64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			d.name[0] ? d.name : "-", d.group, d.nallocs, d.nmatched, d.nfrees,
			d.stats.nnodes_visited, d.stats.nrcache_hits, d.stats.nrcache_misses,
			d.stats.ndepot_trims, d.peak_live, d.peak_pages, d.span_lo, d.span_hi, d.span_free,
			d.span_largest_hole, d.nfq_flushes, d.pt_pages, d.pt_pages_peak, d.npte_writes,
			d.ninvalidations);
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
		}
		fputc('\n', f);
	}
	if (info) {
		for (unsigned int i = 0; phyr_capture_get_event(c, i, &e) == 0; i++)
			fprintf(f, "event %s %" PRIu64 "%s\n", e.name, e.count, e.used ? "" : " (skipped)");
	} else {
		fprintf(f, "%s: matched %" PRIu64 "/%" PRIu64 " allocations", s->whatif ? "what-if" : "exact",
			s->nmatched, s->nallocs);
		if (s->first_divergence)
			fprintf(f, ", first divergence at line %" PRIu64, s->first_divergence);
		fputc('\n', f);
	}
}

static void print_json(struct phyr_capture *c, const struct phyr_capture_summary *s, bool info,
		       FILE *f)
{
	struct phyr_capture_domain_info d;
	struct phyr_capture_device dev;
	struct phyr_capture_event e;

	fprintf(f, "{\"kernel\":");
	json_str(f, s->kernel);
	fprintf(f, ",\"fixed_depot\":%s,\"mode\":\"%s\",\"cpus\":%u,\"model_cpus\":%u,"
		"\"probe_form\":\"%s\",\"rc_probes\":%s,\"lines\":%" PRIu64 ",\"events\":%" PRIu64
		",\"skipped\":%" PRIu64 ",\"lost_events\":%" PRIu64 ",\"lost_lines\":%" PRIu64
		",\"entries_in_buffer\":%" PRIu64 ",\"entries_written\":%" PRIu64
		",\"truncated_line\":%" PRIu64 ",\"allocations\":%" PRIu64,
		s->fixed_depot ? "true" : "false",
		info ? "info" : s->mode == PHYR_CAPTURE_EVENTS ? (s->whatif ? "events-whatif" : "events") :
		s->whatif ? "whatif" : "exact", s->ncpus, s->model_cpus,
		s->kprobe_form ? "kprobe" : "fprobe", s->rc_probes ? "true" : "false", s->nlines,
		s->nevents, s->nskipped, s->nlost_events, s->nlost_lines, s->entries_in_buffer,
		s->entries_written, s->truncated_line, s->nallocs);
	if (!info)
		fprintf(f, ",\"matched\":%" PRIu64 ",\"first_divergence\":%" PRIu64, s->nmatched,
			s->first_divergence);
	if (s->mode == PHYR_CAPTURE_EVENTS)
		fprintf(f, ",\"domain_type\":\"%s\",\"unmaps\":%" PRIu64 ",\"unknown_unmaps\":%" PRIu64,
			s->lazy ? "lazy" : "strict", s->nunmaps, s->nunknown_unmaps);
	fprintf(f, ",\"devices\":[");
	for (unsigned int i = 0; phyr_capture_get_device(c, i, &dev) == 0; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, dev.name);
		fprintf(f, ",\"group\":%d}", dev.group);
	}
	fprintf(f, "],\"domains\":[");
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &d) == 0; i++) {
		fprintf(f, "%s{\"iovad\":\"0x%" PRIx64 "\",\"granule\":%" PRIu64 ",\"start_pfn\":%" PRIu64
			",\"reserved\":%u,\"boot\":%s,\"allocations\":%" PRIu64 ",\"frees\":%" PRIu64,
			i ? "," : "", d.iovad, d.granule, d.start_pfn, d.nreserved,
			d.boot ? "true" : "false", d.nallocs, d.nfrees);
		if (!info)
			fprintf(f, ",\"matched\":%" PRIu64 ",\"first_divergence\":%" PRIu64, d.nmatched,
				d.first_divergence);
		if (s->mode == PHYR_CAPTURE_EVENTS) {
			fprintf(f, ",\"name\":");
			json_str(f, d.name);
			fprintf(f, ",\"group\":%d,\"nodes_visited\":%" PRIu64 ",\"rcache_hits\":%" PRIu64
				",\"rcache_misses\":%" PRIu64 ",\"depot_trims\":%" PRIu64 ",\"peak_live\":%"
				PRIu64 ",\"peak_pages\":%" PRIu64 ",\"span_lo\":%" PRIu64 ",\"span_hi\":%"
				PRIu64 ",\"span_free\":%" PRIu64 ",\"span_largest_hole\":%" PRIu64
				",\"fq_flushes\":%" PRIu64 ",\"pt_pages\":%" PRIu64 ",\"pt_pages_peak\":%"
				PRIu64 ",\"pte_writes\":%" PRIu64 ",\"iotlb_invalidations\":%" PRIu64,
				d.group, d.stats.nnodes_visited,
				d.stats.nrcache_hits, d.stats.nrcache_misses, d.stats.ndepot_trims,
				d.peak_live, d.peak_pages, d.span_lo, d.span_hi, d.span_free,
				d.span_largest_hole, d.nfq_flushes, d.pt_pages, d.pt_pages_peak,
				d.npte_writes, d.ninvalidations);
		}
		fputc('}', f);
	}
	fprintf(f, "],\"events\":{");
	for (unsigned int i = 0; phyr_capture_get_event(c, i, &e) == 0; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, e.name);
		fprintf(f, ":{\"count\":%" PRIu64 ",\"skipped\":%s}", e.count, e.used ? "false" : "true");
	}
	fprintf(f, "}}\n");
}

static int run(int argc, char **argv, const char *who, bool replay)
{
	struct phyr_capture_config cfg = { 0 };
	struct phyr_capture_summary s;
	struct capture_opts o;
	struct iova_plugin *pl = NULL;
	struct phyr_capture *c;
	char err[512];
	int ret;

	ret = parse_opts(argc, argv, who, replay, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (o.emit_bounces)
		return run_bounces(&o);
	cfg.mode = replay ? o.mode : PHYR_CAPTURE_INFO;
	if (o.plugin) {
		if (iova_plugin_open(o.plugin, &pl, err, sizeof(err))) {
			fprintf(stderr, "%s: --policy-plugin %s\n", who, err);
			return 2;
		}
		cfg.policy = iova_plugin_ops(pl);
	} else {
		cfg.policy = phyr_iova_policy_find(o.policy);
	}
	if (!cfg.policy) {
		fprintf(stderr, "%s: --policy: '%s' is not linux, augmented or buddy\n", who, o.policy);
		return 2;
	}
	cfg.ncpus = o.ncpus;
	cfg.kernel = o.kernel;
	cfg.domain = o.domain;
	cfg.no_rcache = o.no_rcache;
	cfg.mag_size = o.mag_size;
	cfg.fq_timeout_us = o.fq_timeout_us;
	if (o.emit_allocs) {
		cfg.on_alloc = emit_alloc;
		cfg.ctx = stdout;
	}
	ret = phyr_capture_create(&cfg, &c);
	if (ret == -EINVAL) {
		fprintf(stderr, "%s: --kernel: '%s' is not a version like 6.1 or 6.12.95\n", who,
			o.kernel ? o.kernel : "");
		iova_plugin_close(pl);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "%s: %s\n", who, strerror(-ret));
		iova_plugin_close(pl);
		return 1;
	}
	ret = phyr_capture_run(c, o.file, NULL, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err[0] ? err : strerror(-ret));
		if (ret == -ENOTSUP)
			fprintf(stderr, "%s: a capture of swiotlb bounce buffering (qs/ probes) replays"
				" with --emit bounces\n", who);
		phyr_capture_destroy(c);
		iova_plugin_close(pl);
		return 2;
	}
	phyr_capture_get_summary(c, &s);
	if (o.json)
		print_json(c, &s, !replay, stdout);
	else if (o.csv)
		print_csv(c, stdout);
	else
		print_text(c, &s, !replay, o.emit_allocs ? stderr : stdout);
	phyr_capture_destroy(c);
	iova_plugin_close(pl);
	return 0;
}

int cmd_capture(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "info") == 0)
		return run(argc - 1, argv + 1, "phyr-sim capture info", false);
	if (strcmp(argv[1], "replay") == 0)
		return run(argc - 1, argv + 1, "phyr-sim capture replay", true);
	fprintf(stderr, "phyr-sim capture: unknown subcommand '%s' (info, replay)\n", argv[1]);
	return 2;
}
