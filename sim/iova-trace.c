// SPDX-License-Identifier: MIT
/*
 * IOVA trace replay: the ops of docs/formats.md on a
 * libphyr IOVA domain, printed exactly as Linux's own iova.c printed them
 * (see iova-trace.h). Public libphyr API only.
 *
 * Handles: `alloc ... as NAME` and `fast_alloc ... as NAME` bind NAME to
 * the range they return (with its SIZE, and the CPU of a fast_alloc);
 * `free NAME` and `fast_free NAME [SIZE CPU]` use it. A handle lives from
 * its binding to its free; `init` forgets every handle (their domain is
 * gone). Binding a live handle, and using a handle that is unknown, freed
 * or bound to a failed allocation, is malformed input.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iova-trace.h"

#define MAX_TOKENS 8

enum handle_state { H_LIVE, H_FREED, H_FAILED };

struct handle {
	struct handle *next;   /* hash chain */
	enum handle_state state;
	bool fast;             /* bound by fast_alloc: @cpu is known */
	unsigned int cpu;
	uint64_t pfn;
	uint64_t size;         /* the SIZE the alloc was given */
	unsigned long line;    /* where it was bound, or freed */
	char name[];
};

struct handles {
	struct handle **b;
	size_t nb, n;
};

struct replay {
	struct cli_reader r;
	FILE *out;
	FILE *err;
	struct iova_trace_opts *opts;
	struct phyr_iova_domain *dom;
	uint64_t granule, start_pfn;
	unsigned long init_line;
	struct handles h;
	int status;
};

__attribute__((format(printf, 2, 3))) static int bad(struct replay *rp, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(rp->out);
	cli_record_error(rp->r.path, rp->r.line, "%s", msg);
	fprintf(rp->err, "%s:%lu: %s\n", rp->r.path, rp->r.line, msg);
	return CLI_EXIT_BADINPUT;
}

static bool json(const struct replay *rp)
{
	return rp->opts->json != NULL;
}

/*
 * One op's result: @text on its own line, or with --json an item
 * { "line": N, "op": OP, "args": @args, "result": @res } (frees both).
 */
static void emit(struct replay *rp, const char *op, const char *text, json_object *args,
		 json_object *res)
{
	json_object *item;

	if (!json(rp)) {
		fputs(text, rp->out);
		fputc('\n', rp->out);
		return;
	}
	item = json_object_new_object();
	cli_json_u64(item, "line", rp->r.line);
	cli_json_str(item, "op", op);
	json_object_object_add(item, "args", args ? args : json_object_new_object());
	json_object_object_add(item, "result", res ? res : json_object_new_object());
	cli_jstream_item(rp->opts->json, item);
}

/* ---- handles ---- */

bool iova_trace_is_handle(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

static size_t hash(const char *s)
{
	size_t h = 14695981039346656037u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static struct handle *handle_find(struct handles *t, const char *name)
{
	if (!t->nb)
		return NULL;
	for (struct handle *x = t->b[hash(name) & (t->nb - 1)]; x; x = x->next)
		if (strcmp(x->name, name) == 0)
			return x;
	return NULL;
}

static void handles_clear(struct handles *t)
{
	for (size_t i = 0; i < t->nb; i++) {
		struct handle *x = t->b[i];

		while (x) {
			struct handle *next = x->next;

			free(x);
			x = next;
		}
	}
	free(t->b);
	memset(t, 0, sizeof(*t));
}

/* The entry of @name, created (zeroed) when there is none. NULL: out of memory. */
static struct handle *handle_get(struct handles *t, const char *name)
{
	struct handle *x = handle_find(t, name);
	size_t len;

	if (x)
		return x;
	if (t->n >= t->nb) {
		size_t nb = t->nb ? t->nb * 2 : 64;
		struct handle **b = calloc(nb, sizeof(*b));

		if (!b)
			return NULL;
		for (size_t i = 0; i < t->nb; i++) {
			for (struct handle *y = t->b[i], *next; y; y = next) {
				next = y->next;
				y->next = b[hash(y->name) & (nb - 1)];
				b[hash(y->name) & (nb - 1)] = y;
			}
		}
		free(t->b);
		t->b = b;
		t->nb = nb;
	}
	len = strlen(name);
	x = calloc(1, sizeof(*x) + len + 1);
	if (!x)
		return NULL;
	memcpy(x->name, name, len + 1);
	x->next = t->b[hash(name) & (t->nb - 1)];
	t->b[hash(name) & (t->nb - 1)] = x;
	t->n++;
	return x;
}

/* Checks that @name may be bound now (not live). */
static int bind_check(struct replay *rp, const char *name)
{
	struct handle *x = handle_find(&rp->h, name);
	char clip[CLI_CLIP_BUF];

	if (x && x->state == H_LIVE)
		return bad(rp, "handle '%s' is still live (bound at line %lu): free it before binding it again",
			   cli_clip(name, clip, sizeof(clip)), x->line);
	return 0;
}

static int bind(struct replay *rp, const char *name, bool ok, uint64_t pfn, uint64_t size,
		bool fast, unsigned int cpu)
{
	struct handle *x = handle_get(&rp->h, name);

	if (!x) {
		bad(rp, "out of memory");
		return 1;
	}
	x->state = ok ? H_LIVE : H_FAILED;
	x->pfn = pfn;
	x->size = size;
	x->fast = fast;
	x->cpu = cpu;
	x->line = rp->r.line;
	return 0;
}

/* The live handle @name, or an error message. */
static int use(struct replay *rp, const char *name, struct handle **out)
{
	struct handle *x = handle_find(&rp->h, name);
	char clip[CLI_CLIP_BUF];

	name = cli_clip(name, clip, sizeof(clip));
	if (!x)
		return bad(rp, "unknown handle '%s' (no alloc or fast_alloc bound it since the last init)",
			   name);
	if (x->state == H_FREED)
		return bad(rp, "handle '%s' was already freed (line %lu)", name, x->line);
	if (x->state == H_FAILED)
		return bad(rp, "handle '%s' holds no range: its %s at line %lu failed (the pfn forms "
			   "would free pfn 0, which Linux's callers never do)",
			   name, x->fast ? "fast_alloc" : "alloc", x->line);
	*out = x;
	return 0;
}

/* ---- arguments ---- */

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

/* A pfn operand: a number, or the pfn of a live handle (*@h set; else NULL). */
static int pfn_or_handle(struct replay *rp, char **tok, int i, uint64_t *pfn, struct handle **h)
{
	int ret;

	*h = NULL;
	if (!iova_trace_is_handle(tok[i]))
		return num(rp, tok, i, "PFN", pfn);
	if ((ret = use(rp, tok[i], h)))
		return ret;
	*pfn = (*h)->pfn;
	return 0;
}

static json_object *obj(void)
{
	return json_object_new_object();
}

/* ---- ops ---- */

static void add_stats(struct phyr_iova_stats *sum, const struct phyr_iova_stats *st)
{
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *s = (const uint64_t *)st;

	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

/* Destroys the current domain, its counters going to the totals. */
static void drop_domain(struct replay *rp)
{
	struct phyr_iova_stats st;

	if (!rp->dom)
		return;
	phyr_iova_get_stats(rp->dom, &st);
	add_stats(&rp->opts->total, &st);
	rp->opts->ndomains++;
	if (rp->opts->domains) {
		json_object *d = obj();

		cli_json_u64(d, "line", rp->init_line);
		cli_json_u64(d, "granule", rp->granule);
		cli_json_addr(d, "start_pfn", rp->start_pfn);
		json_object_object_add(d, "stats", iova_stats_json(&st));
		json_object_array_add(rp->opts->domains, d);
	}
	phyr_iova_domain_destroy(rp->dom);
	rp->dom = NULL;
	handles_clear(&rp->h);
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
	drop_domain(rp);
	phyr_iova_config_init(&cfg);
	cfg.ncpus = rp->opts->ncpus;
	if (rp->opts->policy)
		cfg.policy = rp->opts->policy;
	ret = phyr_iova_domain_create(granule, start, &cfg, rp->opts->alloc, &rp->dom);
	if (ret)
		return bad(rp, "init: cannot create the domain (%s)", strerror(-ret));
	rp->granule = granule;
	rp->start_pfn = start;
	rp->init_line = rp->r.line;
	if (json(rp)) {
		json_object *args = obj();

		cli_json_u64(args, "granule", granule);
		cli_json_addr(args, "start_pfn", start);
		emit(rp, "init", "ok", args, NULL);
	} else {
		emit(rp, "init", "ok", NULL, NULL);
	}
	return 0;
}

static int op_alloc(struct replay *rp, char **tok, const char *as)
{
	uint64_t size, limit, pfn = 0;
	bool aligned = false;
	char text[24];
	int ret;

	if ((ret = num(rp, tok, 1, "SIZE", &size)) || (ret = num(rp, tok, 2, "LIMIT_PFN", &limit)) ||
	    (ret = flag(rp, tok, 3, "ALIGNED", &aligned)))
		return ret;
	if (size == 0)
		return bad(rp, "SIZE must be at least 1");
	if (as && (ret = bind_check(rp, as)))
		return ret;
	ret = phyr_iova_alloc(rp->dom, size, limit, aligned, &pfn);
	if (ret == -EINVAL)
		return bad(rp, "SIZE %s too large for an aligned allocation", tok[1]);
	if (as && bind(rp, as, !ret, pfn, size, false, 0))
		return 1;
	snprintf(text, sizeof(text), "%llu", (unsigned long long)pfn);
	if (json(rp)) {
		json_object *args = obj(), *res = obj();

		cli_json_u64(args, "size", size);
		cli_json_addr(args, "limit_pfn", limit);
		cli_json_bool(args, "aligned", aligned);
		if (as)
			cli_json_str(args, "handle", as);
		if (ret)
			cli_json_bool(res, "fail", true);
		else
			cli_json_addr(res, "pfn_lo", pfn);
		emit(rp, "alloc", NULL, args, res);
	} else {
		emit(rp, "alloc", ret ? "fail" : text, NULL, NULL);
	}
	return 0;
}

static int op_free(struct replay *rp, char **tok)
{
	uint64_t pfn, lo, hi;
	struct handle *h;
	char text[48];
	int ret;

	if ((ret = pfn_or_handle(rp, tok, 1, &pfn, &h)))
		return ret;
	ret = phyr_iova_free(rp->dom, pfn, &lo, &hi);
	if (h) {
		h->state = H_FREED;
		h->line = rp->r.line;
	}
	snprintf(text, sizeof(text), "%llu %llu", (unsigned long long)lo, (unsigned long long)hi);
	if (json(rp)) {
		json_object *args = obj(), *res = obj();

		if (h)
			cli_json_str(args, "handle", tok[1]);
		cli_json_addr(args, "pfn", pfn);
		if (ret) {
			cli_json_bool(res, "notfound", true);
		} else {
			cli_json_addr(res, "pfn_lo", lo);
			cli_json_addr(res, "pfn_hi", hi);
		}
		emit(rp, "free", NULL, args, res);
	} else {
		emit(rp, "free", ret ? "notfound" : text, NULL, NULL);
	}
	return 0;
}

static int op_fast_alloc(struct replay *rp, char **tok, int n, const char *as)
{
	uint64_t size, limit, pfn = 0;
	unsigned int cpu;
	bool flush = true;
	char text[24];
	int ret;

	if ((ret = num(rp, tok, 1, "SIZE", &size)) || (ret = num(rp, tok, 2, "LIMIT_PFN", &limit)) ||
	    (ret = cpu_arg(rp, tok, 3, &cpu)) || (n == 5 && (ret = flag(rp, tok, 4, "FLUSH", &flush))))
		return ret;
	if (size == 0)
		return bad(rp, "SIZE must be at least 1");
	if (as && (ret = bind_check(rp, as)))
		return ret;
	ret = phyr_iova_alloc_fast(rp->dom, size, limit, cpu, flush, &pfn);
	if (ret == -EINVAL)
		return bad(rp, "SIZE %s too large", tok[1]);
	if (ret)
		pfn = 0;
	if (as && bind(rp, as, !ret, pfn, size, true, cpu))
		return 1;
	snprintf(text, sizeof(text), "%llu", (unsigned long long)pfn);
	if (json(rp)) {
		json_object *args = obj(), *res = obj();

		cli_json_u64(args, "size", size);
		cli_json_addr(args, "limit_pfn", limit);
		cli_json_u64(args, "cpu", cpu);
		cli_json_bool(args, "flush", flush);
		if (as)
			cli_json_str(args, "handle", as);
		if (ret)
			cli_json_bool(res, "fail", true);
		else
			cli_json_addr(res, "pfn", pfn);
		emit(rp, "fast_alloc", NULL, args, res);
	} else {
		emit(rp, "fast_alloc", text, NULL, NULL);
	}
	return 0;
}

static int op_fast_free(struct replay *rp, char **tok, int n)
{
	uint64_t pfn, size;
	struct handle *h;
	unsigned int cpu;
	int ret;

	if (n == 2 && !iova_trace_is_handle(tok[1]))
		return bad(rp, "fast_free PFN takes SIZE and CPU too: fast_free PFN SIZE CPU "
			   "(only a handle remembers them)");
	if ((ret = pfn_or_handle(rp, tok, 1, &pfn, &h)))
		return ret;
	if (n == 2) {
		char clip[CLI_CLIP_BUF];

		if (!h->fast)
			return bad(rp, "handle '%s' was bound by alloc, which names no CPU: "
				   "give fast_free NAME SIZE CPU", cli_clip(tok[1], clip, sizeof(clip)));
		size = h->size;
		cpu = h->cpu;
	} else if ((ret = num(rp, tok, 2, "SIZE", &size)) || (ret = cpu_arg(rp, tok, 3, &cpu))) {
		return ret;
	}
	phyr_iova_free_fast(rp->dom, pfn, size, cpu);
	if (h) {
		h->state = H_FREED;
		h->line = rp->r.line;
	}
	if (json(rp)) {
		json_object *args = obj();

		if (h)
			cli_json_str(args, "handle", tok[1]);
		cli_json_addr(args, "pfn", pfn);
		cli_json_u64(args, "size", size);
		cli_json_u64(args, "cpu", cpu);
		emit(rp, "fast_free", NULL, args, NULL);
	} else {
		emit(rp, "fast_free", "ok", NULL, NULL);
	}
	return 0;
}

static int op_reserve(struct replay *rp, char **tok)
{
	uint64_t lo, hi, rlo, rhi;
	char text[48];
	int ret;

	if ((ret = num(rp, tok, 1, "PFN_LO", &lo)) || (ret = num(rp, tok, 2, "PFN_HI", &hi)))
		return ret;
	ret = phyr_iova_reserve(rp->dom, lo, hi, &rlo, &rhi);
	if (json(rp)) {
		json_object *args = obj(), *res = obj();

		cli_json_addr(args, "pfn_lo", lo);
		cli_json_addr(args, "pfn_hi", hi);
		if (ret) {
			cli_json_bool(res, "fail", true);
		} else {
			cli_json_addr(res, "pfn_lo", rlo);
			cli_json_addr(res, "pfn_hi", rhi);
		}
		emit(rp, "reserve", NULL, args, res);
		return 0;
	}
	snprintf(text, sizeof(text), "%llu %llu", (unsigned long long)rlo, (unsigned long long)rhi);
	emit(rp, "reserve", ret ? "fail" : text, NULL, NULL);
	return 0;
}

static int op_stat(struct replay *rp)
{
	uint64_t nodes, pages;
	char text[64];

	phyr_iova_usage(rp->dom, &nodes, &pages);
	if (json(rp)) {
		json_object *res = obj();

		cli_json_u64(res, "nodes", nodes);
		cli_json_u64(res, "pages", pages);
		emit(rp, "stat", NULL, NULL, res);
		return 0;
	}
	snprintf(text, sizeof(text), "nodes=%llu pages=%llu", (unsigned long long)nodes,
		 (unsigned long long)pages);
	emit(rp, "stat", text, NULL, NULL);
	return 0;
}

enum op { OP_INIT, OP_ALLOC, OP_FREE, OP_FAST_ALLOC, OP_FAST_FREE, OP_RESERVE, OP_STAT, OP_TICK,
	  OP_FLUSH, NOPS };

static const struct {
	const char *name;
	int min, max; /* argument counts (without `as NAME`) */
} ops[NOPS] = {
	{ "init", 2, 2 },  { "alloc", 3, 3 },   { "free", 1, 1 }, { "fast_alloc", 3, 4 },
	{ "fast_free", 1, 3 }, { "reserve", 2, 2 }, { "stat", 0, 0 }, { "tick", 0, 0 },
	{ "flush", 0, 0 },
};

static int run_line(struct replay *rp, char *line)
{
	char *tok[MAX_TOKENS], clip[CLI_CLIP_BUF];
	int n = cli_split(line, tok, MAX_TOKENS);
	const char *as = NULL;
	size_t i;

	if (n < 0)
		return bad(rp, "too many arguments");
	for (i = 0; i < NOPS; i++)
		if (strcmp(tok[0], ops[i].name) == 0)
			break;
	if (i == NOPS)
		return bad(rp, "unknown op '%s' (expected init, alloc, free, fast_alloc, fast_free, reserve, stat, tick or flush)",
			   cli_clip(tok[0], clip, sizeof(clip)));
	if (n >= 3 && strcmp(tok[n - 2], "as") == 0) {
		if (i != OP_ALLOC && i != OP_FAST_ALLOC)
			return bad(rp, "'as NAME' follows only alloc and fast_alloc");
		as = tok[n - 1];
		if (!iova_trace_is_handle(as))
			return bad(rp, "bad handle name '%s' (a letter or '_', then letters, digits or '_')",
				   cli_clip(as, clip, sizeof(clip)));
		n -= 2;
	}
	if (n - 1 < ops[i].min || n - 1 > ops[i].max || (i == OP_FAST_FREE && n - 1 == 2)) {
		if (i == OP_FAST_FREE)
			return bad(rp, "fast_free takes 1 or 3 arguments (fast_free NAME [SIZE CPU] or "
				   "fast_free PFN SIZE CPU), got %d", n - 1);
		if (ops[i].min == ops[i].max)
			return bad(rp, "%s takes %d argument%s, got %d", tok[0], ops[i].min,
				   ops[i].min == 1 ? "" : "s", n - 1);
		return bad(rp, "%s takes %d or %d arguments, got %d", tok[0], ops[i].min, ops[i].max,
			   n - 1);
	}
	if (i == OP_INIT)
		return op_init(rp, tok);
	if (!rp->dom)
		return bad(rp, "%s before init", tok[0]);
	switch (i) {
	case OP_ALLOC:
		return op_alloc(rp, tok, as);
	case OP_FREE:
		return op_free(rp, tok);
	case OP_FAST_ALLOC:
		return op_fast_alloc(rp, tok, n, as);
	case OP_FAST_FREE:
		return op_fast_free(rp, tok, n);
	case OP_RESERVE:
		return op_reserve(rp, tok);
	case OP_STAT:
		return op_stat(rp);
	case OP_TICK:
		phyr_iova_tick(rp->dom);
		emit(rp, "tick", "ok", NULL, NULL);
		return 0;
	default:
		phyr_iova_flush_rcaches(rp->dom);
		emit(rp, "flush", "ok", NULL, NULL);
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

json_object *iova_stats_json(const struct phyr_iova_stats *st)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++) {
		uint64_t v;

		memcpy(&v, (const char *)st + stat_fields[i].off, sizeof(v));
		cli_json_u64(o, stat_fields[i].name, v);
	}
	return o;
}

int iova_trace_replay(FILE *in, const char *path, FILE *out, FILE *err,
		      struct iova_trace_opts *opts)
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
	memset(&opts->total, 0, sizeof(opts->total));
	opts->ndomains = 0;
	while ((ret = cli_next(&rp.r, &line, false)) == 1) {
		rp.status = run_line(&rp, line);
		if (rp.status)
			break;
	}
	if (ret < 0 && !rp.status)
		rp.status = CLI_EXIT_BADINPUT; /* cli_next printed why */
	drop_domain(&rp);
	handles_clear(&rp.h);
	free(rp.r.buf);
	return rp.status;
}
