// SPDX-License-Identifier: MIT
/*
 * IOVA trace replay: the ops of docs/formats.md on a
 * libphyr IOVA domain, printed exactly as Linux's own iova.c printed them
 * (see iova-trace.h). Public libphyr API only.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iova-trace.h"

#define MAX_TOKENS 6

struct replay {
	struct cli_reader r;
	FILE *out;
	FILE *err;
	const struct iova_trace_opts *opts;
	struct phyr_iova_domain *dom;
	bool first_json;
	int status;
};

__attribute__((format(printf, 2, 3))) static int bad(struct replay *rp, const char *fmt, ...)
{
	va_list ap;

	fflush(rp->out);
	fprintf(rp->err, "%s:%lu: ", rp->r.path, rp->r.line);
	va_start(ap, fmt);
	vfprintf(rp->err, fmt, ap);
	va_end(ap);
	fputc('\n', rp->err);
	return CLI_EXIT_BADINPUT;
}

__attribute__((format(printf, 3, 4))) static void emit(struct replay *rp, const char *op,
							const char *fmt, ...)
{
	char buf[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!rp->opts->json) {
		fputs(buf, rp->out);
		fputc('\n', rp->out);
		return;
	}
	fprintf(rp->out, "%s\n    {\"line\": %lu, \"op\": \"%s\", \"result\": \"%s\"}",
		rp->first_json ? "" : ",", rp->r.line, op, buf);
	rp->first_json = false;
}

/* Parses token @i of @tok as a number named @what. */
static int num(struct replay *rp, char **tok, int i, const char *what, uint64_t *v)
{
	char clip[CLI_CLIP_BUF];

	if (cli_u64(tok[i], v) == 0)
		return 0;
	return bad(rp, "bad %s '%s' (expected a decimal or 0x-hex unsigned 64-bit number)", what,
		   cli_clip(tok[i], clip, sizeof(clip)));
}

static int flag(struct replay *rp, char **tok, int i, const char *what, bool *v)
{
	uint64_t x;
	int ret = num(rp, tok, i, what, &x);

	if (ret)
		return ret;
	/* Linux's callers test ALIGNED != 0 and FLUSH != 0: any number is taken. */
	*v = x != 0;
	return 0;
}

static int cpu_arg(struct replay *rp, char **tok, int i, unsigned int *cpu)
{
	uint64_t x;
	int ret = num(rp, tok, i, "CPU", &x);

	if (ret)
		return ret;
	if (x >= rp->opts->ncpus)
		return bad(rp, "CPU %s out of range (the machine has CPUs 0-%u)", tok[i],
			   rp->opts->ncpus - 1);
	*cpu = (unsigned int)x;
	return 0;
}

static int op_init(struct replay *rp, char **tok)
{
	struct phyr_iova_config cfg;
	uint64_t granule, start;
	int ret;

	if ((ret = num(rp, tok, 1, "GRANULE", &granule)) || (ret = num(rp, tok, 2, "START_PFN", &start)))
		return ret;
	if (granule == 0 || granule > PHYR_PAGE_SIZE || (granule & (granule - 1)))
		return bad(rp, "bad GRANULE %s (a power of two, at most %llu)", tok[1],
			   (unsigned long long)PHYR_PAGE_SIZE);
	phyr_iova_domain_destroy(rp->dom);
	rp->dom = NULL;
	phyr_iova_config_init(&cfg);
	cfg.ncpus = rp->opts->ncpus;
	if (rp->opts->policy)
		cfg.policy = rp->opts->policy;
	ret = phyr_iova_domain_create(granule, start, &cfg, rp->opts->alloc, &rp->dom);
	if (ret)
		return bad(rp, "init: cannot create the domain (%s)", strerror(-ret));
	emit(rp, "init", "ok");
	return 0;
}

static int op_alloc(struct replay *rp, char **tok)
{
	uint64_t size, limit, pfn;
	bool aligned = false;
	int ret;

	if ((ret = num(rp, tok, 1, "SIZE", &size)) || (ret = num(rp, tok, 2, "LIMIT_PFN", &limit)) ||
	    (ret = flag(rp, tok, 3, "ALIGNED", &aligned)))
		return ret;
	if (size == 0)
		return bad(rp, "SIZE must be at least 1");
	ret = phyr_iova_alloc(rp->dom, size, limit, aligned, &pfn);
	if (ret == -EINVAL)
		return bad(rp, "SIZE %s too large for an aligned allocation", tok[1]);
	if (ret)
		emit(rp, "alloc", "fail");
	else
		emit(rp, "alloc", "%llu", (unsigned long long)pfn);
	return 0;
}

static int op_free(struct replay *rp, char **tok)
{
	uint64_t pfn, lo, hi;
	int ret;

	if ((ret = num(rp, tok, 1, "PFN", &pfn)))
		return ret;
	if (phyr_iova_free(rp->dom, pfn, &lo, &hi))
		emit(rp, "free", "notfound");
	else
		emit(rp, "free", "%llu %llu", (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

static int op_fast_alloc(struct replay *rp, char **tok, int n)
{
	uint64_t size, limit, pfn;
	unsigned int cpu;
	bool flush = true;
	int ret;

	if ((ret = num(rp, tok, 1, "SIZE", &size)) || (ret = num(rp, tok, 2, "LIMIT_PFN", &limit)) ||
	    (ret = cpu_arg(rp, tok, 3, &cpu)) || (n == 5 && (ret = flag(rp, tok, 4, "FLUSH", &flush))))
		return ret;
	if (size == 0)
		return bad(rp, "SIZE must be at least 1");
	ret = phyr_iova_alloc_fast(rp->dom, size, limit, cpu, flush, &pfn);
	if (ret == -EINVAL)
		return bad(rp, "SIZE %s too large", tok[1]);
	emit(rp, "fast_alloc", "%llu", (unsigned long long)(ret ? 0 : pfn));
	return 0;
}

static int op_fast_free(struct replay *rp, char **tok)
{
	uint64_t pfn, size;
	unsigned int cpu;
	int ret;

	if ((ret = num(rp, tok, 1, "PFN", &pfn)) || (ret = num(rp, tok, 2, "SIZE", &size)) ||
	    (ret = cpu_arg(rp, tok, 3, &cpu)))
		return ret;
	phyr_iova_free_fast(rp->dom, pfn, size, cpu);
	emit(rp, "fast_free", "ok");
	return 0;
}

static int op_reserve(struct replay *rp, char **tok)
{
	uint64_t lo, hi, rlo, rhi;
	int ret;

	if ((ret = num(rp, tok, 1, "PFN_LO", &lo)) || (ret = num(rp, tok, 2, "PFN_HI", &hi)))
		return ret;
	ret = phyr_iova_reserve(rp->dom, lo, hi, &rlo, &rhi);
	if (ret)
		emit(rp, "reserve", "fail");
	else
		emit(rp, "reserve", "%llu %llu", (unsigned long long)rlo, (unsigned long long)rhi);
	return 0;
}

static int op_stat(struct replay *rp)
{
	uint64_t nodes, pages;

	phyr_iova_usage(rp->dom, &nodes, &pages);
	emit(rp, "stat", "nodes=%llu pages=%llu", (unsigned long long)nodes, (unsigned long long)pages);
	return 0;
}

static const struct {
	const char *name;
	int min, max; /* argument counts */
} ops[] = {
	{ "init", 2, 2 },  { "alloc", 3, 3 },   { "free", 1, 1 }, { "fast_alloc", 3, 4 },
	{ "fast_free", 3, 3 }, { "reserve", 2, 2 }, { "stat", 0, 0 }, { "tick", 0, 0 },
	{ "flush", 0, 0 },
};

static int run_line(struct replay *rp, char *line)
{
	char *tok[MAX_TOKENS];
	int n = cli_split(line, tok, MAX_TOKENS);
	size_t i;

	if (n < 0)
		return bad(rp, "too many arguments");
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(tok[0], ops[i].name) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		char clip[CLI_CLIP_BUF];

		return bad(rp, "unknown op '%s' (expected init, alloc, free, fast_alloc, fast_free, reserve, stat, tick or flush)",
			   cli_clip(tok[0], clip, sizeof(clip)));
	}
	if (n - 1 < ops[i].min || n - 1 > ops[i].max) {
		if (ops[i].min == ops[i].max)
			return bad(rp, "%s takes %d argument%s, got %d", tok[0], ops[i].min,
				   ops[i].min == 1 ? "" : "s", n - 1);
		return bad(rp, "%s takes %d or %d arguments, got %d", tok[0], ops[i].min, ops[i].max,
			   n - 1);
	}
	if (i == 0)
		return op_init(rp, tok);
	if (!rp->dom)
		return bad(rp, "%s before init", tok[0]);
	switch (i) {
	case 1:
		return op_alloc(rp, tok);
	case 2:
		return op_free(rp, tok);
	case 3:
		return op_fast_alloc(rp, tok, n);
	case 4:
		return op_fast_free(rp, tok);
	case 5:
		return op_reserve(rp, tok);
	case 6:
		return op_stat(rp);
	case 7:
		phyr_iova_tick(rp->dom);
		emit(rp, "tick", "ok");
		return 0;
	default:
		phyr_iova_flush_rcaches(rp->dom);
		emit(rp, "flush", "ok");
		return 0;
	}
}

static const struct {
	const char *name;
	size_t off;
} stat_fields[] = {
#define F(x) { #x, offsetof(struct phyr_iova_stats, x) }
	F(nallocs),        F(nalloc_fails),    F(nmax32_fastfails), F(nsecond_passes),
	F(nnodes_visited), F(nfrees),          F(nreserves),        F(nnodes),
	F(npages),         F(nnomem),          F(nfast_allocs),     F(nfast_frees),
	F(nrcache_hits),   F(nrcache_misses),  F(nrcache_inserts),  F(nrcache_rejects),
	F(ndepot_pushes),  F(ndepot_pops),     F(ndepot_trims),     F(nflush_retries),
	F(nwarnings),      F(nmagazines),
#undef F
};

void iova_print_stats(FILE *f, const struct phyr_iova_stats *st, bool json)
{
	size_t n = sizeof(stat_fields) / sizeof(stat_fields[0]);

	if (json)
		fputc('{', f);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)st + stat_fields[i].off, sizeof(v));
		if (json)
			fprintf(f, "%s\"%s\": %llu", i ? ", " : "", stat_fields[i].name,
				(unsigned long long)v);
		else
			fprintf(f, "%s %llu\n", stat_fields[i].name, (unsigned long long)v);
	}
	if (json)
		fputc('}', f);
}

int iova_trace_replay(FILE *in, const char *path, FILE *out, FILE *err,
		      const struct iova_trace_opts *opts)
{
	struct replay rp;
	char *line;
	int ret;

	memset(&rp, 0, sizeof(rp));
	rp.r.path = path;
	rp.r.f = in;
	rp.out = out;
	rp.err = err;
	rp.opts = opts;
	rp.first_json = true;
	if (opts->json)
		fputs("{\n  \"results\": [", out);
	while ((ret = cli_next(&rp.r, &line, false)) == 1) {
		rp.status = run_line(&rp, line);
		if (rp.status)
			break;
	}
	if (ret < 0 && !rp.status)
		rp.status = CLI_EXIT_BADINPUT; /* cli_next printed why */
	if (!rp.status) {
		struct phyr_iova_stats st;

		memset(&st, 0, sizeof(st));
		if (rp.dom)
			phyr_iova_get_stats(rp.dom, &st);
		if (opts->json) {
			fputs("\n  ],\n  \"stats\": ", out);
			iova_print_stats(out, &st, true);
			fputs("\n}\n", out);
		}
		if (opts->stats)
			iova_print_stats(err, &st, false);
	}
	phyr_iova_domain_destroy(rp.dom);
	free(rp.r.buf);
	return rp.status;
}
