// SPDX-License-Identifier: MIT
/*
 * phyr-sim iova bench: the workloads of bench/linux-6.17/iova-kernel-baseline.md
 * (A1, A2, B, C: same PRNG, same sizes, same step definitions, so that
 * callgrind's instructions per step compare with Linux's own iova.c) and
 * the scenarios of issue 3 section 5 (peng300k, largechurn, exhaust32,
 * scaling), each reported per policy. Public libphyr API only.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <phyr/iova.h>

#include "cli.h"
#include "cli-opts.h"
#include "iova-bench.h"
#include "iova-plugin.h"
#include "iova-trace.h"
#include "opt.h"
#include "out.h"

#define LIM32 UINT64_C(0xfffff)
#define LIM48 UINT64_C(0xfffffffff)

/* splitmix64, exactly as the baseline defines it. */
static uint64_t rnd_state;

static inline uint64_t rnd(void)
{
	uint64_t z;

	rnd_state += 0x9e3779b97f4a7c15;
	z = rnd_state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct phyr_iova_domain *new_domain(const struct phyr_iova_policy_ops *pol, unsigned int ncpus,
					   uint64_t start_pfn)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d;

	phyr_iova_config_init(&cfg);
	cfg.policy = pol;
	cfg.ncpus = ncpus;
	if (phyr_iova_domain_create(4096, start_pfn, &cfg, NULL, &d)) {
		fprintf(stderr, "phyr-sim iova bench: cannot create a domain\n");
		exit(1);
	}
	return d;
}

static inline uint64_t fast(struct phyr_iova_domain *d, uint64_t size, uint64_t limit, unsigned int cpu)
{
	uint64_t pfn;

	return phyr_iova_alloc_fast(d, size, limit, cpu, true, &pfn) ? 0 : pfn;
}

/* ---- workloads: each measured loop is its own function (callgrind --toggle-collect) ---- */

__attribute__((noinline)) void iova_bench_a1_steady(struct phyr_iova_domain *d, uint64_t n);
__attribute__((noinline)) void iova_bench_a1_steady(struct phyr_iova_domain *d, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t size = 1 + (i % 32), pfn = fast(d, size, LIM32, 0);

		phyr_iova_free_fast(d, pfn, size, 0);
	}
}

static uint64_t a2_pfn[1024];

__attribute__((noinline)) void iova_bench_a2_steady(struct phyr_iova_domain *d, uint64_t rounds);
__attribute__((noinline)) void iova_bench_a2_steady(struct phyr_iova_domain *d, uint64_t rounds)
{
	for (uint64_t r = 0; r < rounds; r++) {
		for (int k = 0; k < 1024; k++)
			a2_pfn[k] = fast(d, 1, LIM32, 0);
		for (int k = 0; k < 1024; k++)
			phyr_iova_free_fast(d, a2_pfn[k], 1, 0);
	}
}

struct bstate {
	uint64_t *live;
	uint64_t n;
	bool mixed;
};

static inline uint64_t b_size(const struct bstate *b)
{
	return b->mixed ? 1 + rnd() % 256 : 8;
}

static inline uint64_t b_alloc(struct phyr_iova_domain *d, const struct bstate *b)
{
	uint64_t pfn;

	return phyr_iova_alloc(d, b_size(b), LIM48, true, &pfn) ? 0 : pfn;
}

__attribute__((noinline)) void iova_bench_b_steady(struct phyr_iova_domain *d, struct bstate *b, uint64_t n);
__attribute__((noinline)) void iova_bench_b_steady(struct phyr_iova_domain *d, struct bstate *b, uint64_t n)
{
	for (uint64_t s = 0; s < n; s++) {
		uint64_t idx = rnd() % b->n;

		phyr_iova_free(d, b->live[idx], NULL, NULL);
		b->live[idx] = b_alloc(d, b);
	}
}

struct cslot {
	uint64_t pfn;
	uint64_t size;
};

struct cstate {
	struct cslot ring[1024];
	unsigned int p, lo, hi;
};

static const uint64_t c_sizes[16] = { 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 4, 4, 8, 8, 16, 32 };

__attribute__((noinline)) void iova_bench_c_steady(struct phyr_iova_domain *d, struct cstate *c, uint64_t s0,
						   uint64_t n);
__attribute__((noinline)) void iova_bench_c_steady(struct phyr_iova_domain *d, struct cstate *c, uint64_t s0,
						   uint64_t n)
{
	for (uint64_t s = s0; s < s0 + n; s++) {
		unsigned int cpu = (unsigned int)(s % 4);
		struct cslot *slot = &c->ring[s % 1024];
		uint64_t size;

		if (slot->pfn != 0)
			phyr_iova_free_fast(d, slot->pfn, slot->size, cpu);
		if (rnd() % 100 < c->p)
			size = c->lo + rnd() % (c->hi - c->lo + 1);
		else
			size = c_sizes[rnd() % 16];
		slot->pfn = fast(d, size, LIM48, cpu);
		slot->size = size;
	}
}

struct workload_result {
	double ns;
	uint64_t steps;
};

static int run_workload(const char *w, uint64_t steps, const struct phyr_iova_policy_ops *pol,
			struct workload_result *res, struct phyr_iova_stats *st)
{
	struct phyr_iova_domain *d = new_domain(pol, 4, 1);
	double t0 = 0, t1 = 0;

	if (strcmp(w, "a1") == 0) {
		iova_bench_a1_steady(d, 128);
		t0 = now_ns();
		iova_bench_a1_steady(d, steps);
		t1 = now_ns();
	} else if (strcmp(w, "a2") == 0) {
		if (steps % 1024) {
			fprintf(stderr, "phyr-sim iova bench: a2 needs --steps a multiple of 1024\n");
			phyr_iova_domain_destroy(d);
			return 2;
		}
		iova_bench_a2_steady(d, 2);
		t0 = now_ns();
		iova_bench_a2_steady(d, steps / 1024);
		t1 = now_ns();
	} else if (w[0] == 'b') {
		struct bstate b = { .mixed = strstr(w, "_fix") == NULL };

		if (strncmp(w, "b10k", 4) == 0 && (w[4] == '\0' || strcmp(w + 4, "_fix") == 0))
			b.n = 10000;
		else if (strncmp(w, "b100k", 5) == 0 && (w[5] == '\0' || strcmp(w + 5, "_fix") == 0))
			b.n = 100000;
		else
			goto unknown;
		b.live = calloc(b.n, sizeof(*b.live));
		if (!b.live) {
			phyr_iova_domain_destroy(d);
			return 1;
		}
		rnd_state = 12345;
		for (uint64_t i = 0; i < b.n; i++)
			b.live[i] = b_alloc(d, &b);
		for (uint64_t i = 0; i < b.n; i++) {
			if (rnd() & 1) {
				phyr_iova_free(d, b.live[i], NULL, NULL);
				b.live[i] = b_alloc(d, &b);
			}
		}
		t0 = now_ns();
		iova_bench_b_steady(d, &b, steps);
		t1 = now_ns();
		free(b.live);
	} else if (w[0] == 'c' && w[1] >= '0' && w[1] <= '2' && w[2] == '\0') {
		static const unsigned int p[3] = { 0, 35, 100 }, lo[3] = { 0, 33, 64 }, hi[3] = { 0, 256, 256 };
		struct cstate *c = calloc(1, sizeof(*c));
		int v = w[1] - '0';

		if (!c) {
			phyr_iova_domain_destroy(d);
			return 1;
		}
		c->p = p[v];
		c->lo = lo[v];
		c->hi = hi[v];
		rnd_state = 777;
		iova_bench_c_steady(d, c, 0, 4096);
		t0 = now_ns();
		iova_bench_c_steady(d, c, 4096, steps);
		t1 = now_ns();
		free(c);
	} else {
		goto unknown;
	}
	res->ns = steps ? (t1 - t0) / (double)steps : 0;
	res->steps = steps;
	phyr_iova_get_stats(d, st);
	phyr_iova_domain_destroy(d);
	return 0;
unknown:
	phyr_iova_domain_destroy(d);
	fprintf(stderr, "phyr-sim iova bench: unknown workload '%s' (a1 a2 b10k b10k_fix b100k b100k_fix c0 c1 c2)\n",
		w);
	return 2;
}

/* ---- scenarios ---- */

struct scen_result {
	const char *policy;
	uint64_t allocs;
	uint64_t failures;
	double mean_visited;
	uint64_t p99_visited;
	double ns_per_op;
	uint64_t largest_gap;
	uint64_t total_free;
	double rcache_hit_rate;
	uint64_t nodes;
	uint64_t node_bytes;
	uint64_t mag_bytes_per_cpu;
	uint64_t depot_bytes;
};

struct visit_log {
	uint32_t *v;
	size_t n, cap;
};

static void log_visit(struct visit_log *l, uint64_t v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
	}
	l->v[l->n++] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct gapscan {
	uint64_t prev_hi, lo_bound, hi_bound, largest, total;
	bool any;
};

static int gap_cb(void *ctx, uint64_t lo, uint64_t hi)
{
	struct gapscan *g = ctx;
	uint64_t from = g->any ? g->prev_hi + 1 : g->lo_bound;

	if (lo > g->hi_bound)
		lo = g->hi_bound + 1;
	if (lo > from) {
		uint64_t gap = lo - from;

		g->total += gap;
		if (gap > g->largest)
			g->largest = gap;
	}
	if (hi >= g->prev_hi || !g->any)
		g->prev_hi = hi;
	g->any = true;
	return 0;
}

/* Free space in [lo_bound, hi_bound]: largest gap and total. */
static void free_space(struct phyr_iova_domain *d, uint64_t lo_bound, uint64_t hi_bound, uint64_t *largest,
		       uint64_t *total)
{
	struct gapscan g = { .lo_bound = lo_bound, .hi_bound = hi_bound };

	phyr_iova_walk(d, gap_cb, &g);
	gap_cb(&g, hi_bound + 1, hi_bound + 1);
	*largest = g.largest;
	*total = g.total;
}

static void scen_finish(struct phyr_iova_domain *d, struct scen_result *r, struct visit_log *vl,
			uint64_t lo_bound, uint64_t hi_bound, double ns, uint64_t ops)
{
	struct phyr_iova_stats st;

	phyr_iova_get_stats(d, &st);
	r->policy = phyr_iova_domain_policy(d)->name;
	r->ns_per_op = ops ? ns / (double)ops : 0;
	if (vl->n) {
		double sum = 0;

		for (size_t i = 0; i < vl->n; i++)
			sum += vl->v[i];
		r->mean_visited = sum / (double)vl->n;
		qsort(vl->v, vl->n, sizeof(*vl->v), cmp_u32);
		r->p99_visited = vl->v[(vl->n * 99) / 100 < vl->n ? (vl->n * 99) / 100 : vl->n - 1];
	}
	free_space(d, lo_bound, hi_bound, &r->largest_gap, &r->total_free);
	r->rcache_hit_rate = st.nrcache_hits + st.nrcache_misses
				     ? (double)st.nrcache_hits / (double)(st.nrcache_hits + st.nrcache_misses)
				     : 0;
	r->nodes = st.nnodes;
	r->node_bytes = st.nnodes * 64; /* a 64-byte cache-aligned slab object each, as in Linux */
	phyr_iova_cache_memory(d, &r->mag_bytes_per_cpu, &r->depot_bytes);
	free(vl->v);
	vl->v = NULL;
	vl->n = vl->cap = 0;
}

static uint64_t visited_now(struct phyr_iova_domain *d)
{
	struct phyr_iova_stats st;

	phyr_iova_get_stats(d, &st);
	return st.nnodes_visited;
}

/* The measured allocation of peng300k, on its own for callgrind --toggle-collect. */
__attribute__((noinline)) int iova_bench_peng_alloc(struct phyr_iova_domain *d, uint64_t *pfn);
__attribute__((noinline)) int iova_bench_peng_alloc(struct phyr_iova_domain *d, uint64_t *pfn)
{
	return phyr_iova_alloc(d, 1, LIM48, true, pfn);
}

/* 300,000 single pages under a 48-bit limit, then 1,000 x (free a random one, allocate one). */
static void scen_peng(const struct phyr_iova_policy_ops *pol, struct scen_result *r)
{
	struct phyr_iova_domain *d = new_domain(pol, 4, 1);
	uint64_t *live = malloc(300000 * sizeof(*live)), v0;
	struct visit_log vl = { 0 };
	double t0, ns = 0;

	if (!live)
		exit(1);
	rnd_state = 300;
	for (int i = 0; i < 300000; i++)
		if (phyr_iova_alloc(d, 1, LIM48, true, &live[i]))
			r->failures++;
	for (int i = 0; i < 1000; i++) {
		uint64_t k = rnd() % 300000;

		phyr_iova_free(d, live[k], NULL, NULL);
		v0 = visited_now(d);
		t0 = now_ns();
		if (iova_bench_peng_alloc(d, &live[k]))
			r->failures++;
		ns += now_ns() - t0;
		log_visit(&vl, visited_now(d) - v0);
		r->allocs++;
	}
	scen_finish(d, r, &vl, 1, LIM48, ns, 1000);
	free(live);
	phyr_iova_domain_destroy(d);
}

/* Mapping churn: 65% cached sizes 1..32 pages, 35% 64..256 pages, 4 CPUs. */
static void scen_largechurn(const struct phyr_iova_policy_ops *pol, struct scen_result *r)
{
	struct phyr_iova_domain *d = new_domain(pol, 4, 1);
	struct cslot ring[2048] = { { 0, 0 } };
	struct visit_log vl = { 0 };
	double t0 = now_ns();
	const uint64_t n = 400000;

	rnd_state = 4242;
	for (uint64_t s = 0; s < n; s++) {
		unsigned int cpu = (unsigned int)(s % 4);
		struct cslot *slot = &ring[s % 2048];
		uint64_t size, v0;

		if (slot->pfn)
			phyr_iova_free_fast(d, slot->pfn, slot->size, cpu);
		size = rnd() % 100 < 35 ? 64 + rnd() % 193 : 1 + rnd() % 32;
		v0 = visited_now(d);
		slot->pfn = fast(d, size, LIM48, cpu);
		log_visit(&vl, visited_now(d) - v0);
		if (!slot->pfn)
			r->failures++;
		slot->size = size;
		r->allocs++;
	}
	scen_finish(d, r, &vl, 1, LIM48, now_ns() - t0, 2 * n);
	phyr_iova_domain_destroy(d);
}

/* 32-bit exhaustion: a zone of 64 Ki pages filled by mixed sizes with SAC-first, then churn. */
static void scen_exhaust32(const struct phyr_iova_policy_ops *pol, struct scen_result *r)
{
	struct phyr_iova_domain *d = new_domain(pol, 4, 0xf0000);
	static uint64_t pfns[100000], sizes[100000];
	struct visit_log vl = { 0 };
	double t0 = now_ns();
	uint64_t ops = 0;

	rnd_state = 32;
	for (int i = 0; i < 100000; i++) {
		uint64_t size = 1 + rnd() % 64, pfn = 0, v0 = visited_now(d);

		/* dma-iommu's SAC-first try, then the full 48-bit limit */
		if (phyr_iova_alloc_fast(d, size, LIM32, 0, false, &pfn)) {
			r->failures++;
			pfn = fast(d, size, LIM48, 0);
		}
		log_visit(&vl, visited_now(d) - v0);
		pfns[i] = pfn;
		sizes[i] = size;
		r->allocs++;
		ops++;
		if (i >= 2000 && rnd() % 2) {
			uint64_t k = rnd() % (uint64_t)i;

			if (pfns[k]) {
				phyr_iova_free_fast(d, pfns[k], sizes[k], (unsigned int)(k % 4));
				pfns[k] = 0;
				ops++;
			}
		}
	}
	scen_finish(d, r, &vl, 0xf0000, LIM32, now_ns() - t0, ops);
	phyr_iova_domain_destroy(d);
}

/* Range-cache scaling: CPUs 1..8 take turns in bursts of 200 allocations then frees. */
static void scen_scaling(const struct phyr_iova_policy_ops *pol, struct scen_result *r, unsigned int ncpus)
{
	struct phyr_iova_domain *d = new_domain(pol, ncpus, 1);
	static uint64_t held[8][200], hsize[8][200];
	struct visit_log vl = { 0 };
	double t0 = now_ns();

	rnd_state = 8;
	for (int round = 0; round < 400; round++) {
		for (unsigned int c = 0; c < ncpus; c++) {
			for (int k = 0; k < 200; k++) {
				uint64_t v0 = visited_now(d);

				hsize[c][k] = 1 + rnd() % 8;
				held[c][k] = fast(d, hsize[c][k], LIM48, c);
				log_visit(&vl, visited_now(d) - v0);
				r->allocs++;
			}
		}
		for (unsigned int c = 0; c < ncpus; c++) {
			unsigned int to = (c + 1) % ncpus; /* freed on the next CPU: magazines migrate via the depot */

			for (int k = 0; k < 200; k++)
				phyr_iova_free_fast(d, held[c][k], hsize[c][k], to);
		}
		if (round % 10 == 0)
			phyr_iova_tick(d);
	}
	scen_finish(d, r, &vl, 1, LIM48, now_ns() - t0, r->allocs * 2);
	phyr_iova_domain_destroy(d);
}

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };

static void print_scen(const char *name, const struct scen_result *r, enum fmt fmt,
		       json_object *results)
{
	if (fmt == FMT_JSON) {
		json_object *o = json_object_new_object();

		cli_json_str(o, "scenario", name);
		cli_json_str(o, "policy", r->policy);
		cli_json_u64(o, "allocs", r->allocs);
		cli_json_u64(o, "failures", r->failures);
		cli_json_double(o, "mean_nodes_visited", r->mean_visited);
		cli_json_u64(o, "p99_nodes_visited", r->p99_visited);
		cli_json_double(o, "ns_per_op", r->ns_per_op);
		cli_json_u64(o, "largest_free_gap", r->largest_gap);
		cli_json_u64(o, "total_free", r->total_free);
		cli_json_double(o, "rcache_hit_rate", r->rcache_hit_rate);
		cli_json_u64(o, "nodes", r->nodes);
		cli_json_u64(o, "node_bytes", r->node_bytes);
		cli_json_u64(o, "magazine_bytes_per_cpu", r->mag_bytes_per_cpu);
		cli_json_u64(o, "depot_bytes", r->depot_bytes);
		json_object_array_add(results, o);
		return;
	}
	if (fmt == FMT_CSV) {
		printf("%s,%s,%" PRIu64 ",%" PRIu64 ",%.2f,%" PRIu64 ",%.1f,%" PRIu64 ",%" PRIu64
		       ",%.4f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
		       name, r->policy, r->allocs, r->failures, r->mean_visited, r->p99_visited,
		       r->ns_per_op, r->largest_gap, r->total_free, r->rcache_hit_rate, r->nodes,
		       r->node_bytes, r->mag_bytes_per_cpu, r->depot_bytes);
		return;
	}
	printf("%-14s %-10s %9" PRIu64 " %8" PRIu64 " %10.1f %8" PRIu64 " %9.1f %14" PRIu64 " %14" PRIu64
	       " %7.3f %9" PRIu64 " %10" PRIu64 " %8" PRIu64 "\n",
	       name, r->policy, r->allocs, r->failures, r->mean_visited, r->p99_visited, r->ns_per_op, r->largest_gap,
	       r->total_free, r->rcache_hit_rate, r->nodes, r->mag_bytes_per_cpu, r->depot_bytes);
}

static const char *const scenarios[] = { "peng300k", "largechurn", "exhaust32", "scaling" };
static const char *const workloads[] = { "a1", "a2", "b10k", "b10k_fix", "b100k", "b100k_fix",
					 "c0", "c1", "c2" };

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Runs scenario @s under each of @pols (@npol) and prints its rows in @fmt. */
static void run_scenario(const char *s, const struct phyr_iova_policy_ops *const *pols, int npol,
			 enum fmt fmt, json_object *results)
{
	if (fmt == FMT_TEXT)
		printf("%-14s %-10s %9s %8s %10s %8s %9s %14s %14s %7s %9s %10s %8s\n", "scenario", "policy", "allocs",
		       "failures", "visit_mean", "visit_p99", "ns/op", "largest_gap", "total_free", "hit", "nodes",
		       "mag_B/cpu", "depot_B");
	else if (fmt == FMT_CSV)
		printf("scenario,policy,allocs,failures,mean_nodes_visited,p99_nodes_visited,ns_per_op,"
		       "largest_free_gap,total_free,rcache_hit_rate,nodes,node_bytes,"
		       "magazine_bytes_per_cpu,depot_bytes\n");
	for (int i = 0; i < npol; i++) {
		if (strcmp(s, "scaling") == 0) {
			for (unsigned int c = 1; c <= 8; c *= 2) {
				struct scen_result r = { 0 };
				char name[32];

				scen_scaling(pols[i], &r, c);
				snprintf(name, sizeof(name), "scaling-%ucpu", c);
				print_scen(name, &r, fmt, results);
			}
			continue;
		}
		struct scen_result r = { 0 };

		if (strcmp(s, "peng300k") == 0)
			scen_peng(pols[i], &r);
		else if (strcmp(s, "largechurn") == 0)
			scen_largechurn(pols[i], &r);
		else
			scen_exhaust32(pols[i], &r);
		print_scen(s, &r, fmt, results);
	}
}

static void usage(FILE *f)
{
	fputs("usage: phyr-sim iova bench --workload W --steps N [--repeat N]\n"
	      "                           [--policy P | --policy-plugin FILE.so]\n"
	      "                           [--stats] [--json | --csv]\n"
	      "       phyr-sim iova bench --scenario S [--policy P|all | --policy-plugin FILE.so]\n"
	      "                           [--json | --csv]\n"
	      "\n"
	      "Workloads (--workload): a1 a2 b10k b10k_fix b100k b100k_fix c0 c1 c2 of\n"
	      "bench/linux-6.17/iova-kernel-baseline.md, on a fresh 4-CPU domain (granule\n"
	      "4096, start pfn 1): warm-up and fill, then exactly N measured steps (a2: a\n"
	      "multiple of 1024). Prints the wall-clock nanoseconds per step and the\n"
	      "domain's counters. For instructions per step, run callgrind at two step\n"
	      "counts (docs/performance.md); `meson test --benchmark` runs bench/.\n"
	      "\n"
	      "Scenarios (--scenario): peng300k largechurn exhaust32 scaling, one row per\n"
	      "policy: allocations, failures, tree nodes visited per allocation (mean,\n"
	      "p99), ns per op, largest free gap and total free pfns, rcache hit rate,\n"
	      "nodes, magazine bytes per CPU, depot bytes.\n"
	      "\n"
	      "Options:\n"
	      "  --workload W            a workload (above)\n"
	      "  --steps N               measured steps of the workload\n"
	      "  --repeat N              run the workload N times, each on a fresh domain\n"
	      "                          (default 1); prints the min, median and max of\n"
	      "                          the ns per step\n"
	      "  --scenario S            a scenario (above)\n"
	      "  --policy P              linux (default), augmented, buddy; 'all' (the\n"
	      "                          default of --scenario) runs every built-in one\n"
	      "  --policy-plugin FILE    a policy plug-in (<phyr/iova-plugin.h>)\n"
	      "  --stats                 the workload domain's counters on stderr, one\n"
	      "                          'NAME VALUE' line each (the last run's)\n"
	      "  --json                  one JSON document (command, version, config,\n"
	      "                          \"results\", \"stats\")\n"
	      "  --csv                   the result table with one header line\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  phyr-sim iova bench --workload a1 --steps 100000 --repeat 5 --policy augmented\n"
	      "  workload a1 policy augmented steps 100000 repeat 5 ns_per_step_min 7.63\n"
	      "  ns_per_step_median 7.90 ns_per_step_max 9.12 tree_allocs 6 nodes_visited 7\n"
	      "  rcache_hits 100122 rcache_misses 6\n"
	      "  (one line; the ns figures vary from machine to machine, the counters not)\n"
	      "\n"
	      "See docs/iova.md and docs/performance.md.\n",
	      f);
}

enum { OPT_WORKLOAD = 256, OPT_STEPS, OPT_REPEAT, OPT_SCENARIO, OPT_POLICY, OPT_PLUGIN,
       OPT_STATS, OPT_JSON, OPT_CSV };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "steps", required_argument, NULL, OPT_STEPS },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "policy-plugin", required_argument, NULL, OPT_PLUGIN },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ 0 },
};

static const struct cli_cmd bench_cmd = { "iova bench", "h", longopts, usage };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The head of the JSON document: command, version, config. */
static json_object *bench_doc(const char *mode, const char *what, const char *plugin)
{
	json_object *doc = cli_doc_new(bench_cmd.name);
	json_object *cfg = cli_doc_config(doc);

	cli_json_str(cfg, mode, what);
	cli_json_str(cfg, "policy_plugin", plugin);
	cli_json_u64(cfg, "cpus", 4);
	cli_json_u64(cfg, "granule", 4096);
	return doc;
}

/* The fixed parameters of workload @w (bench/linux-6.17/iova-kernel-baseline.md). */
static void workload_config(json_object *cfg, const char *w)
{
	if (w[0] == 'a') {
		cli_json_str(cfg, "seed", NULL); /* no PRNG */
		cli_json_addr(cfg, "limit_pfn", LIM32);
		cli_json_str(cfg, "sizes", w[1] == '1' ? "1 + i % 32 pages, fast path, CPU 0" :
				   "1 page, 1024 held then freed, fast path, CPU 0");
	} else if (w[0] == 'b') {
		cli_json_u64(cfg, "seed", 12345);
		cli_json_addr(cfg, "limit_pfn", LIM48);
		cli_json_u64(cfg, "live", strncmp(w, "b100k", 5) == 0 ? 100000 : 10000);
		cli_json_str(cfg, "sizes", strstr(w, "_fix") ? "8 pages, aligned, tree" :
				   "1 to 256 pages, aligned, tree");
	} else {
		cli_json_u64(cfg, "seed", 777);
		cli_json_addr(cfg, "limit_pfn", LIM48);
		cli_json_str(cfg, "sizes", w[1] == '0' ? "1, 2, 4, 8, 16 or 32 pages, 4 CPUs" :
				   w[1] == '1' ? "35% 33 to 256 pages, else 1 to 32 in powers of two, 4 CPUs" :
				   "64 to 256 pages, 4 CPUs");
	}
}

/* The fixed parameters of scenario @s (seed, start pfn, zone). */
static void scenario_config(json_object *cfg, const char *s)
{
	bool e32 = strcmp(s, "exhaust32") == 0;

	cli_json_u64(cfg, "seed", strcmp(s, "peng300k") == 0 ? 300 :
				  strcmp(s, "largechurn") == 0 ? 4242 : e32 ? 32 : 8);
	cli_json_addr(cfg, "start_pfn", e32 ? 0xf0000 : 1);
	cli_json_addr(cfg, "limit_pfn", e32 ? LIM32 : LIM48);
	if (strcmp(s, "scaling") == 0)
		cli_json_str(cfg, "cpus_per_row", "1, 2, 4, 8");
}

static int bench_workload(const char *workload, uint64_t steps, uint64_t repeat,
			  const struct phyr_iova_policy_ops *pol, const char *plugin, bool stats,
			  enum fmt fmt)
{
	struct workload_result res = { 0 };
	struct phyr_iova_stats st = { 0 };
	double *ns = calloc(repeat, sizeof(*ns)), min, med, max;
	json_object *stats_obj = NULL;

	if (!ns) {
		fprintf(stderr, "phyr-sim iova bench: out of memory\n");
		return 1;
	}
	for (uint64_t i = 0; i < repeat; i++) {
		int ret = run_workload(workload, steps, pol, &res, &st);

		if (ret) {
			free(ns);
			return ret;
		}
		ns[i] = res.ns;
	}
	qsort(ns, repeat, sizeof(*ns), cmp_double);
	min = ns[0];
	max = ns[repeat - 1];
	med = repeat % 2 ? ns[repeat / 2] : (ns[repeat / 2 - 1] + ns[repeat / 2]) / 2;
	if (stats || fmt == FMT_JSON)
		stats_obj = iova_stats_json(&st);
	if (fmt == FMT_JSON) {
		json_object *doc = bench_doc("workload", workload, plugin);
		json_object *cfg = cli_doc_config(doc), *r, *runs;

		cli_json_str(cfg, "policy", pol->name);
		cli_json_u64(cfg, "steps", steps);
		cli_json_u64(cfg, "repeat", repeat);
		cli_json_u64(cfg, "start_pfn", 1);
		workload_config(cfg, workload);
		r = json_object_new_object();
		json_object_array_add(cli_json_arr(doc, "results"), r);
		cli_json_str(r, "workload", workload);
		cli_json_str(r, "policy", pol->name);
		cli_json_u64(r, "steps", res.steps);
		cli_json_u64(r, "repeat", repeat);
		cli_json_double(r, "ns_per_step_min", min);
		cli_json_double(r, "ns_per_step_median", med);
		cli_json_double(r, "ns_per_step_max", max);
		runs = cli_json_arr(r, "ns_per_step_sorted");
		for (uint64_t i = 0; i < repeat; i++)
			json_object_array_add(runs, json_object_new_double(ns[i]));
		cli_json_u64(r, "tree_allocs", st.nallocs);
		cli_json_u64(r, "nodes_visited", st.nnodes_visited);
		cli_json_u64(r, "rcache_hits", st.nrcache_hits);
		cli_json_u64(r, "rcache_misses", st.nrcache_misses);
		if (stats)
			cli_stats_print(stderr, stats_obj);
		json_object_object_add(doc, "stats", stats_obj);
		free(ns);
		return cli_doc_print(doc, stdout) ? 1 : 0;
	}
	if (fmt == FMT_CSV) {
		printf("workload,policy,steps,repeat,ns_per_step_min,ns_per_step_median,"
		       "ns_per_step_max,tree_allocs,nodes_visited,rcache_hits,rcache_misses\n");
		printf("%s,%s,%" PRIu64 ",%" PRIu64 ",%.2f,%.2f,%.2f,%" PRIu64 ",%" PRIu64 ",%" PRIu64
		       ",%" PRIu64 "\n", workload, pol->name, res.steps, repeat, min, med, max,
		       st.nallocs, st.nnodes_visited, st.nrcache_hits, st.nrcache_misses);
	} else if (repeat == 1) {
		printf("workload %s policy %s steps %" PRIu64 " ns_per_step %.2f tree_allocs %" PRIu64
		       " nodes_visited %" PRIu64 " rcache_hits %" PRIu64 " rcache_misses %" PRIu64 "\n",
		       workload, pol->name, res.steps, res.ns, st.nallocs, st.nnodes_visited,
		       st.nrcache_hits, st.nrcache_misses);
	} else {
		printf("workload %s policy %s steps %" PRIu64 " repeat %" PRIu64
		       " ns_per_step_min %.2f ns_per_step_median %.2f ns_per_step_max %.2f"
		       " tree_allocs %" PRIu64 " nodes_visited %" PRIu64 " rcache_hits %" PRIu64
		       " rcache_misses %" PRIu64 "\n",
		       workload, pol->name, res.steps, repeat, min, med, max, st.nallocs,
		       st.nnodes_visited, st.nrcache_hits, st.nrcache_misses);
	}
	free(ns);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "phyr-sim iova bench: write error\n");
		json_object_put(stats_obj);
		return 1;
	}
	if (stats)
		cli_stats_print(stderr, stats_obj);
	json_object_put(stats_obj);
	return 0;
}

static int bench_scenario(const char *scenario, const char *policy, const char *plugin,
			  enum fmt fmt)
{
	const struct phyr_iova_policy_ops *pols[3];
	struct iova_plugin *pl = NULL;
	json_object *doc = NULL, *results = NULL;
	int npol = 0, ret;

	if (plugin || (policy && strcmp(policy, "all") != 0)) {
		if ((ret = iova_policy_select(&bench_cmd, policy, plugin, &pols[0], &pl))) {
			if (fmt == FMT_JSON && plugin && !policy)
				cli_json_error_last(bench_cmd.name);
			return ret;
		}
		npol = 1;
	} else {
		pols[npol++] = phyr_iova_policy_linux();
		pols[npol++] = phyr_iova_policy_augmented();
		if (phyr_iova_policy_buddy())
			pols[npol++] = phyr_iova_policy_buddy();
	}
	if (fmt == FMT_JSON) {
		json_object *p;

		doc = bench_doc("scenario", scenario, plugin);
		scenario_config(cli_doc_config(doc), scenario);
		p = cli_json_arr(cli_doc_config(doc), "policies");
		for (int i = 0; i < npol; i++)
			json_object_array_add(p, json_object_new_string(pols[i]->name));
		results = cli_json_arr(doc, "results");
	}
	run_scenario(scenario, pols, npol, fmt, results);
	iova_plugin_close(pl);
	if (doc)
		return cli_doc_print(doc, stdout) ? 1 : 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "phyr-sim iova bench: write error\n");
		return 1;
	}
	return 0;
}

int iova_bench_main(int argc, char **argv)
{
	const char *workload = NULL, *scenario = NULL, *policy = NULL, *plugin = NULL;
	const char *steps_arg = NULL;
	uint64_t steps = 0, repeat = 1;
	bool have_steps = false, have_repeat = false, stats = false;
	enum fmt fmt = FMT_TEXT;
	int c;

	cli_opt_start();
	while ((c = cli_getopt(&bench_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&bench_cmd);
		case OPT_WORKLOAD:
			if (!in_list(optarg, workloads, sizeof(workloads) / sizeof(workloads[0])))
				return cli_bad_value(&bench_cmd, "workload", optarg,
						     "a1 a2 b10k b10k_fix b100k b100k_fix c0 c1 c2");
			workload = optarg;
			break;
		case OPT_SCENARIO:
			if (!in_list(optarg, scenarios, sizeof(scenarios) / sizeof(scenarios[0])))
				return cli_bad_value(&bench_cmd, "scenario", optarg,
						     "peng300k largechurn exhaust32 scaling");
			scenario = optarg;
			break;
		case OPT_STEPS:
			if (cli_opt_u64(optarg, &steps))
				return cli_bad_value(&bench_cmd, "steps", optarg,
						     "an unsigned number, decimal or 0x hex");
			have_steps = true;
			steps_arg = optarg;
			break;
		case OPT_REPEAT:
			if (cli_opt_u64(optarg, &repeat) || repeat == 0 || repeat > 1000)
				return cli_bad_value(&bench_cmd, "repeat", optarg, "1 to 1000");
			have_repeat = true;
			break;
		case OPT_POLICY:
			policy = optarg;
			break;
		case OPT_PLUGIN:
			plugin = optarg;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_JSON:
		case OPT_CSV:
			if (fmt != FMT_TEXT)
				return cli_usage_error(&bench_cmd, "--json and --csv exclude each other");
			fmt = c == OPT_JSON ? FMT_JSON : FMT_CSV;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&bench_cmd, argc, argv, 0, 0))
		return CLI_EXIT_USAGE;
	if (!workload == !scenario)
		return cli_usage_error(&bench_cmd, "give one of --workload W or --scenario S");
	if (scenario) {
		if (have_steps || have_repeat || stats)
			return cli_usage_error(&bench_cmd, "--%s applies to --workload only",
					       have_steps ? "steps" : have_repeat ? "repeat" : "stats");
		return bench_scenario(scenario, policy, plugin, fmt);
	}
	if (!have_steps)
		return cli_usage_error(&bench_cmd, "--workload needs --steps N");
	if (strcmp(workload, "a2") == 0 && steps % 1024)
		return cli_bad_value(&bench_cmd, "steps", steps_arg, "a multiple of 1024 for a2");
	{
		const struct phyr_iova_policy_ops *pol;
		struct iova_plugin *pl = NULL;
		int ret;

		if (policy && strcmp(policy, "all") == 0)
			return cli_bad_value(&bench_cmd, "policy", policy,
					     "linux, augmented or buddy ('all' is for --scenario)");
		if ((ret = iova_policy_select(&bench_cmd, policy, plugin, &pol, &pl))) {
			if (fmt == FMT_JSON && plugin && !policy)
				cli_json_error_last(bench_cmd.name);
			return ret;
		}
		ret = bench_workload(workload, steps, repeat, pol, plugin, stats, fmt);
		iova_plugin_close(pl);
		return ret;
	}
}
