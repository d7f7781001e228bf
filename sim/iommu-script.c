// SPDX-License-Identifier: MIT
/*
 * `phyr-sim iommu replay`: a scripted page-table session on one domain,
 * one output line per op, exactly as docs/formats.md
 * defines it for Linux's io-pgtable-arm and iommu core. The extra ops
 * (access, flush, tick) and options (--domain, --iotlb, --stats, --json)
 * drive the IOTLB and flush-queue model; they never change what the page
 * table ops print. With --json each op gives one typed item instead of its
 * line (docs/iommu.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include <phyr/iommu.h>

#include "iommu-script.h"

#define MAX_TOK 8

struct script {
	struct cli_reader *r;
	FILE *out;
	struct iommu_script_opts *o;
	struct phyr_iommu_domain *d;
	uint64_t naccess, naccess_faults;
};

static int bad(struct script *s, const char *what, const char *arg)
{
	char clip[CLI_CLIP_BUF];

	cli_error(s->r, "%s%s%s", what, cli_clip(arg, clip, sizeof(clip)),
		  strchr(what, '\'') ? "'" : "");
	return 2;
}

static int num(struct script *s, const char *tok, const char *what, uint64_t *v)
{
	if (cli_u64(tok, v)) {
		char clip[CLI_CLIP_BUF];

		cli_error(s->r, "bad %s '%s'", what, cli_clip(tok, clip, sizeof(clip)));
		return 2;
	}
	return 0;
}

static int want(struct script *s, int ntok, int n, const char *usage)
{
	if (ntok != n)
		return bad(s, "wrong number of arguments, expected: ", usage);
	return 0;
}

static int parse_prot(const char *t, int *prot)
{
	if (strcmp(t, "r") == 0)
		*prot = PHYR_IOMMU_READ;
	else if (strcmp(t, "w") == 0)
		*prot = PHYR_IOMMU_WRITE;
	else if (strcmp(t, "rw") == 0)
		*prot = PHYR_IOMMU_READ | PHYR_IOMMU_WRITE;
	else
		return -1;
	return 0;
}

/* The JSON members of an op's result, or NULL when printing lines. */
static json_object *res_new(struct script *s)
{
	return s->o->json ? json_object_new_object() : NULL;
}

/*
 * One op's result: the line @text on s->out, or with --json the item
 * { "line": N, "op": @op, members of @res } (@res is freed).
 */
static void emit(struct script *s, const char *op, const char *text, json_object *res)
{
	if (s->o->json) {
		json_object *item = json_object_new_object();

		cli_json_u64(item, "line", s->r->line);
		cli_json_str(item, "op", op);
		if (res) {
			json_object_object_foreach(res, k, v)
				json_object_object_add(item, k, json_object_get(v));
			json_object_put(res);
		}
		cli_jstream_item(s->o->json, item);
		return;
	}
	fputs(text, s->out);
	fputc('\n', s->out);
}

/* "ok" for 0, else the negative errno, as the line and as "ret". */
static void emit_ret(struct script *s, const char *op, int ret, json_object *res)
{
	char text[16];

	if (res)
		cli_json_i64(res, "ret", ret);
	if (ret)
		snprintf(text, sizeof(text), "%d", ret);
	else
		snprintf(text, sizeof(text), "ok");
	emit(s, op, text, res);
}

static int op_pgtable(struct script *s, char **tok, int ntok)
{
	enum phyr_iommu_fmt fmt;
	uint64_t ias, oas;
	json_object *res;
	int ret;

	if (want(s, ntok, 4, "pgtable FMT IAS OAS"))
		return 2;
	if (phyr_iommu_fmt_from_name(tok[1], &fmt) || fmt == PHYR_IOMMU_FMT_RECORD)
		return bad(s, "unknown page-table format '", tok[1]);
	if (num(s, tok[2], "IAS", &ias) || num(s, tok[3], "OAS", &oas))
		return 2;
	if (!s->d) {
		struct phyr_iommu_domain_opts o = {
			.type = s->o->domain == IOMMU_SCRIPT_DMA_FQ ? PHYR_IOMMU_DOMAIN_DMA_FQ
								    : PHYR_IOMMU_DOMAIN_DMA,
			.no_pgtable = true,
			.iotlb_entries = s->o->iotlb_entries,
			.iotlb_ways = s->o->iotlb_ways,
			.max_table_bytes = s->o->max_table_bytes,
		};

		ret = phyr_iommu_domain_create(&o, &s->d);
		if (ret) {
			cli_record_error(NULL, 0, "cannot create the domain: %s", strerror(-ret));
			fprintf(stderr, "phyr-sim iommu: cannot create the domain: %s\n",
				strerror(-ret));
			return 1;
		}
	}
	ret = phyr_iommu_domain_set_pgtable(s->d, fmt, ias > UINT_MAX ? UINT_MAX : (unsigned)ias,
					    oas > UINT_MAX ? UINT_MAX : (unsigned)oas);
	res = res_new(s);
	if (res) {
		cli_json_str(res, "format", phyr_iommu_fmt_name(fmt));
		cli_json_u64(res, "ias", ias);
		cli_json_u64(res, "oas", oas);
	}
	emit_ret(s, "pgtable", ret, res);
	return 0;
}

static int op_map(struct script *s, char **tok, int ntok)
{
	uint64_t iova, pa, size;
	json_object *res;
	int prot, ret;

	if (want(s, ntok, 5, "map IOVA PADDR SIZE r|w|rw"))
		return 2;
	if (num(s, tok[1], "IOVA", &iova) || num(s, tok[2], "PADDR", &pa) ||
	    num(s, tok[3], "SIZE", &size))
		return 2;
	if (parse_prot(tok[4], &prot))
		return bad(s, "bad PROT (r, w or rw): '", tok[4]);
	ret = phyr_iommu_map(s->d, iova, pa, size, prot);
	if (ret == -ENOMEM) {
		struct phyr_io_pgtable_stats st;

		phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(s->d), &st);
		if (st.nbudget_refusals) {
			char held[32], max[32];

			cli_humanize(held, sizeof(held), st.nbytes);
			cli_humanize(max, sizeof(max), st.max_bytes);
			cli_error(s->r, "map needs more simulated page-table memory than the "
				  "budget of %s (%s held; see --max-table-bytes)", max, held);
			return 1;
		}
	}
	res = res_new(s);
	if (res) {
		cli_json_addr(res, "iova", iova);
		cli_json_addr(res, "paddr", pa);
		cli_json_u64(res, "size", size);
		cli_json_str(res, "prot", tok[4]);
	}
	emit_ret(s, "map", ret, res);
	return 0;
}

static int op_unmap(struct script *s, char **tok, int ntok)
{
	uint64_t iova, size, n = 0;
	json_object *res;
	char text[24];

	if (want(s, ntok, 3, "unmap IOVA SIZE"))
		return 2;
	if (num(s, tok[1], "IOVA", &iova) || num(s, tok[2], "SIZE", &size))
		return 2;
	if (s->o->domain == IOMMU_SCRIPT_DMA_FQ)
		phyr_iommu_dma_unmap(s->d, 0, iova, size, &n);
	else
		n = phyr_iommu_unmap(s->d, iova, size);
	res = res_new(s);
	if (res) {
		cli_json_addr(res, "iova", iova);
		cli_json_u64(res, "size", size);
		cli_json_u64(res, "unmapped", n);
	}
	snprintf(text, sizeof(text), "%" PRIu64, n);
	emit(s, "unmap", text, res);
	return 0;
}

static int op_phys(struct script *s, char **tok, int ntok)
{
	uint64_t iova, pa;
	json_object *res;
	char text[24];

	if (want(s, ntok, 2, "phys IOVA") || num(s, tok[1], "IOVA", &iova))
		return 2;
	pa = phyr_io_pgtable_iova_to_phys(phyr_iommu_domain_pgtable(s->d), iova);
	res = res_new(s);
	if (res) {
		cli_json_addr(res, "iova", iova);
		cli_json_addr(res, "paddr", pa);
	}
	snprintf(text, sizeof(text), "0x%" PRIx64, pa);
	emit(s, "phys", text, res);
	return 0;
}

static int op_pte(struct script *s, char **tok, int ntok)
{
	uint64_t iova, pte;
	json_object *res;
	char text[48];
	bool leaf;
	int lvl;

	if (want(s, ntok, 2, "pte IOVA") || num(s, tok[1], "IOVA", &iova))
		return 2;
	leaf = !phyr_io_pgtable_leaf(phyr_iommu_domain_pgtable(s->d), iova, &pte, &lvl);
	res = res_new(s);
	if (res) {
		cli_json_addr(res, "iova", iova);
		cli_json_bool(res, "leaf", leaf);
		if (leaf) {
			cli_json_addr(res, "pte", pte);
			cli_json_i64(res, "level", lvl);
		}
	}
	if (leaf)
		snprintf(text, sizeof(text), "0x%" PRIx64 " level=%d", pte, lvl);
	else
		snprintf(text, sizeof(text), "none");
	emit(s, "pte", text, res);
	return 0;
}

static int op_stat(struct script *s, int ntok)
{
	struct phyr_io_pgtable_stats st;
	json_object *res;
	char text[160];

	if (want(s, ntok, 1, "stat"))
		return 2;
	phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(s->d), &st);
	res = res_new(s);
	if (res) {
		cli_json_u64(res, "tables", st.ntables);
		cli_json_u64(res, "leaf0", st.nleaves[0]);
		cli_json_u64(res, "leaf1", st.nleaves[1]);
		cli_json_u64(res, "leaf2", st.nleaves[2]);
		cli_json_u64(res, "leaf3", st.nleaves[3]);
	}
	snprintf(text, sizeof(text),
		 "tables=%" PRIu64 " leaf0=%" PRIu64 " leaf1=%" PRIu64 " leaf2=%" PRIu64
		 " leaf3=%" PRIu64,
		 st.ntables, st.nleaves[0], st.nleaves[1], st.nleaves[2], st.nleaves[3]);
	emit(s, "stat", text, res);
	return 0;
}

static int op_access(struct script *s, char **tok, int ntok)
{
	enum phyr_iommu_access acc;
	uint64_t iova, pa;
	json_object *res;
	char text[24];
	bool fault = false;

	if (want(s, ntok, 3, "access IOVA r|w") || num(s, tok[1], "IOVA", &iova))
		return 2;
	if (strcmp(tok[2], "r") == 0)
		acc = PHYR_IOMMU_ACCESS_READ;
	else if (strcmp(tok[2], "w") == 0)
		acc = PHYR_IOMMU_ACCESS_WRITE;
	else
		return bad(s, "bad access (r or w): '", tok[2]);
	s->naccess++;
	if (s->o->domain == IOMMU_SCRIPT_IDENTITY) {
		pa = iova;
	} else if (phyr_iommu_translate(s->d, iova, acc, &pa)) {
		s->naccess_faults++;
		fault = true;
	}
	res = res_new(s);
	if (res) {
		cli_json_addr(res, "iova", iova);
		cli_json_str(res, "access", tok[2]);
		cli_json_bool(res, "fault", fault);
		if (!fault)
			cli_json_addr(res, "paddr", pa);
	}
	if (fault)
		snprintf(text, sizeof(text), "fault");
	else
		snprintf(text, sizeof(text), "0x%" PRIx64, pa);
	emit(s, "access", text, res);
	return 0;
}

static int op_tick(struct script *s, char **tok, int ntok)
{
	json_object *res;
	uint64_t ms;

	if (want(s, ntok, 2, "tick MS") || num(s, tok[1], "MS", &ms))
		return 2;
	if (ms > UINT64_MAX / 1000000)
		return bad(s, "tick too large: '", tok[1]);
	phyr_iommu_advance(s->d, ms * 1000000);
	res = res_new(s);
	if (res)
		cli_json_u64(res, "ms", ms);
	emit(s, "tick", "ok", res);
	return 0;
}

/* The "stats" object of docs/iommu.md: the domain's and its table's counters. */
static json_object *stats_object(struct script *s)
{
	struct phyr_iommu_stats st;
	struct phyr_io_pgtable_stats pst;
	json_object *o = json_object_new_object(), *pt;

	phyr_iommu_get_stats(s->d, &st);
	phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(s->d), &pst);
	cli_json_u64(o, "nmaps", st.nmaps);
	cli_json_u64(o, "nmap_errors", st.nmap_errors);
	cli_json_u64(o, "nunmaps", st.nunmaps);
	cli_json_u64(o, "nbytes_mapped", st.nbytes_mapped);
	cli_json_u64(o, "nbytes_unmapped", st.nbytes_unmapped);
	cli_json_u64(o, "naccesses", s->naccess);
	cli_json_u64(o, "ntranslates", st.ntranslates);
	cli_json_u64(o, "niotlb_hits", st.niotlb_hits);
	cli_json_u64(o, "niotlb_misses", st.niotlb_misses);
	cli_json_u64(o, "nstale_hits", st.nstale_hits);
	cli_json_u64(o, "nfaults", st.nfaults);
	cli_json_u64(o, "nwalks", st.nwalks);
	cli_json_u64(o, "nwalk_levels", st.nwalk_levels);
	cli_json_u64(o, "niotlb_evictions", st.niotlb_evictions);
	cli_json_u64(o, "niotlb_invalidated", st.niotlb_invalidated);
	cli_json_u64(o, "niotlb_syncs", st.niotlb_syncs);
	cli_json_u64(o, "ninv_range", st.ninv_range);
	cli_json_u64(o, "ninv_all", st.ninv_all);
	cli_json_u64(o, "nfq_queued", st.nfq_queued);
	cli_json_u64(o, "nfq_released", st.nfq_released);
	cli_json_u64(o, "nfq_pending", st.nfq_pending);
	cli_json_u64(o, "nfq_full_flushes", st.nfq_full_flushes);
	cli_json_u64(o, "nfq_timer_flushes", st.nfq_timer_flushes);
	pt = cli_json_obj(o, "pgtable");
	cli_json_u64(pt, "ntables", pst.ntables);
	cli_json_u64(pt, "nbytes", pst.nbytes);
	cli_json_u64(pt, "ntable_allocs", pst.ntable_allocs);
	cli_json_u64(pt, "ntable_frees", pst.ntable_frees);
	cli_json_u64(pt, "npte_writes", pst.npte_writes);
	cli_json_u64(pt, "nbudget_refusals", pst.nbudget_refusals);
	cli_json_u64(o, "now_ns", st.now_ns);
	cli_json_double(o, "sim_ns", st.sim_ns);
	return o;
}

int iommu_script_run(struct cli_reader *r, FILE *out, struct iommu_script_opts *o)
{
	struct script s = { .r = r, .out = out, .o = o };
	char *line, *tok[MAX_TOK];
	int ret = 0, n;

	while ((n = cli_next(r, &line, false)) > 0) {
		int ntok = cli_split(line, tok, MAX_TOK);
		const char *op;

		if (ntok < 0) {
			ret = bad(&s, "too many arguments", "");
			break;
		}
		op = tok[0];
		if (!s.d && strcmp(op, "pgtable") != 0) {
			static const char *const known[] = { "map", "unmap", "phys", "stat", "pte",
							     "access", "flush", "tick" };
			bool k = false;

			for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
				k |= strcmp(op, known[i]) == 0;
			ret = bad(&s, k ? "operation before the first pgtable: '"
					: "unknown operation '", op);
			break;
		}
		if (strcmp(op, "pgtable") == 0)
			ret = op_pgtable(&s, tok, ntok);
		else if (strcmp(op, "map") == 0)
			ret = op_map(&s, tok, ntok);
		else if (strcmp(op, "unmap") == 0)
			ret = op_unmap(&s, tok, ntok);
		else if (strcmp(op, "phys") == 0)
			ret = op_phys(&s, tok, ntok);
		else if (strcmp(op, "pte") == 0)
			ret = op_pte(&s, tok, ntok);
		else if (strcmp(op, "stat") == 0)
			ret = op_stat(&s, ntok);
		else if (strcmp(op, "access") == 0)
			ret = op_access(&s, tok, ntok);
		else if (strcmp(op, "flush") == 0) {
			ret = want(&s, ntok, 1, "flush");
			if (!ret) {
				phyr_iommu_fq_flush(s.d);
				emit(&s, "flush", "ok", NULL);
			}
		} else if (strcmp(op, "tick") == 0)
			ret = op_tick(&s, tok, ntok);
		else
			ret = bad(&s, "unknown operation '", op);
		if (ret)
			break;
	}
	if (!ret && n < 0)
		ret = CLI_EXIT_BADINPUT; /* cli_next printed why */
	o->stats = !ret && s.d ? stats_object(&s) : NULL;
	phyr_iommu_domain_destroy(s.d);
	return ret;
}
