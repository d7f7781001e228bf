// SPDX-License-Identifier: MIT
/*
 * `phyr-sim iommu replay`: a scripted page-table session on one domain,
 * one output line per op, exactly as docs/formats.md
 * defines it for Linux's io-pgtable-arm and iommu core. The extra ops
 * (access, flush, tick) and options (--domain, --iotlb, --stats, --json)
 * drive the IOTLB and flush-queue model; they never change what the page
 * table ops print.
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
	const struct iommu_script_opts *o;
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

static void print_ret(struct script *s, int ret)
{
	if (ret)
		fprintf(s->out, "%d\n", ret);
	else
		fputs("ok\n", s->out);
}

static int op_pgtable(struct script *s, char **tok, int ntok)
{
	enum phyr_iommu_fmt fmt;
	uint64_t ias, oas;
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
			fprintf(stderr, "phyr-sim iommu: cannot create the domain: %s\n",
				strerror(-ret));
			return 1;
		}
	}
	ret = phyr_iommu_domain_set_pgtable(s->d, fmt, ias > UINT_MAX ? UINT_MAX : (unsigned)ias,
					    oas > UINT_MAX ? UINT_MAX : (unsigned)oas);
	print_ret(s, ret);
	return 0;
}

static int op_map(struct script *s, char **tok, int ntok)
{
	uint64_t iova, pa, size;
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
	print_ret(s, ret);
	return 0;
}

static int op_unmap(struct script *s, char **tok, int ntok)
{
	uint64_t iova, size, n = 0;

	if (want(s, ntok, 3, "unmap IOVA SIZE"))
		return 2;
	if (num(s, tok[1], "IOVA", &iova) || num(s, tok[2], "SIZE", &size))
		return 2;
	if (s->o->domain == IOMMU_SCRIPT_DMA_FQ)
		phyr_iommu_dma_unmap(s->d, 0, iova, size, &n);
	else
		n = phyr_iommu_unmap(s->d, iova, size);
	fprintf(s->out, "%" PRIu64 "\n", n);
	return 0;
}

static int op_phys(struct script *s, char **tok, int ntok)
{
	uint64_t iova;

	if (want(s, ntok, 2, "phys IOVA") || num(s, tok[1], "IOVA", &iova))
		return 2;
	fprintf(s->out, "0x%" PRIx64 "\n",
		phyr_io_pgtable_iova_to_phys(phyr_iommu_domain_pgtable(s->d), iova));
	return 0;
}

static int op_pte(struct script *s, char **tok, int ntok)
{
	uint64_t iova, pte;
	int lvl;

	if (want(s, ntok, 2, "pte IOVA") || num(s, tok[1], "IOVA", &iova))
		return 2;
	if (phyr_io_pgtable_leaf(phyr_iommu_domain_pgtable(s->d), iova, &pte, &lvl))
		fputs("none\n", s->out);
	else
		fprintf(s->out, "0x%" PRIx64 " level=%d\n", pte, lvl);
	return 0;
}

static int op_stat(struct script *s, int ntok)
{
	struct phyr_io_pgtable_stats st;

	if (want(s, ntok, 1, "stat"))
		return 2;
	phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(s->d), &st);
	fprintf(s->out,
		"tables=%" PRIu64 " leaf0=%" PRIu64 " leaf1=%" PRIu64 " leaf2=%" PRIu64
		" leaf3=%" PRIu64 "\n",
		st.ntables, st.nleaves[0], st.nleaves[1], st.nleaves[2], st.nleaves[3]);
	return 0;
}

static int op_access(struct script *s, char **tok, int ntok)
{
	enum phyr_iommu_access acc;
	uint64_t iova, pa;

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
		fprintf(s->out, "0x%" PRIx64 "\n", iova);
		return 0;
	}
	if (phyr_iommu_translate(s->d, iova, acc, &pa)) {
		s->naccess_faults++;
		fputs("fault\n", s->out);
	} else {
		fprintf(s->out, "0x%" PRIx64 "\n", pa);
	}
	return 0;
}

static int op_tick(struct script *s, char **tok, int ntok)
{
	uint64_t ms;

	if (want(s, ntok, 2, "tick MS") || num(s, tok[1], "MS", &ms))
		return 2;
	if (ms > UINT64_MAX / 1000000)
		return bad(s, "tick too large: '", tok[1]);
	phyr_iommu_advance(s->d, ms * 1000000);
	fputs("ok\n", s->out);
	return 0;
}

static void print_stats(struct script *s)
{
	struct phyr_iommu_stats st;
	struct phyr_io_pgtable_stats pst;
	unsigned entries = 0, ways = 0;
	FILE *f = s->o->stats_out ? s->o->stats_out : stderr;

	if (!s->d)
		return;
	phyr_iommu_get_stats(s->d, &st);
	phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(s->d), &pst);
	phyr_iommu_iotlb_geometry(s->d, &entries, &ways);
	if (s->o->json) {
		fprintf(f,
			"{\"domain\":\"%s\",\"iotlb_entries\":%u,\"iotlb_ways\":%u,"
			"\"maps\":%" PRIu64 ",\"map_errors\":%" PRIu64 ",\"unmaps\":%" PRIu64
			",\"bytes_mapped\":%" PRIu64 ",\"bytes_unmapped\":%" PRIu64
			",\"accesses\":%" PRIu64 ",\"translates\":%" PRIu64
			",\"iotlb_hits\":%" PRIu64 ",\"iotlb_misses\":%" PRIu64
			",\"walks\":%" PRIu64 ",\"walk_levels\":%" PRIu64 ",\"stale_hits\":%" PRIu64
			",\"faults\":%" PRIu64 ",\"iotlb_evictions\":%" PRIu64
			",\"iotlb_invalidated\":%" PRIu64 ",\"iotlb_syncs\":%" PRIu64
			",\"inv_range\":%" PRIu64 ",\"inv_all\":%" PRIu64
			",\"fq_queued\":%" PRIu64 ",\"fq_released\":%" PRIu64
			",\"fq_pending\":%" PRIu64 ",\"fq_full_flushes\":%" PRIu64
			",\"fq_timer_flushes\":%" PRIu64 ",\"tables\":%" PRIu64
			",\"table_bytes\":%" PRIu64 ",\"table_allocs\":%" PRIu64
			",\"table_frees\":%" PRIu64 ",\"pte_writes\":%" PRIu64
			",\"now_ns\":%" PRIu64 ",\"sim_ns\":%.1f}\n",
			s->o->domain == IOMMU_SCRIPT_DMA_FQ      ? "dma-fq"
			: s->o->domain == IOMMU_SCRIPT_IDENTITY ? "identity"
								 : "dma",
			entries, ways, st.nmaps, st.nmap_errors, st.nunmaps, st.nbytes_mapped,
			st.nbytes_unmapped, s->naccess, st.ntranslates, st.niotlb_hits,
			st.niotlb_misses, st.nwalks, st.nwalk_levels, st.nstale_hits, st.nfaults,
			st.niotlb_evictions, st.niotlb_invalidated, st.niotlb_syncs, st.ninv_range,
			st.ninv_all, st.nfq_queued, st.nfq_released, st.nfq_pending,
			st.nfq_full_flushes, st.nfq_timer_flushes, pst.ntables, pst.nbytes,
			pst.ntable_allocs, pst.ntable_frees, pst.npte_writes, st.now_ns, st.sim_ns);
		return;
	}
	fprintf(f, "domain          %s\n",
		s->o->domain == IOMMU_SCRIPT_DMA_FQ      ? "dma-fq"
		: s->o->domain == IOMMU_SCRIPT_IDENTITY ? "identity"
							 : "dma");
	fprintf(f, "iotlb           %u entries, %u ways\n", entries, ways);
	fprintf(f, "maps            %" PRIu64 " (%" PRIu64 " failed), %" PRIu64 " bytes\n",
		st.nmaps, st.nmap_errors, st.nbytes_mapped);
	fprintf(f, "unmaps          %" PRIu64 ", %" PRIu64 " bytes\n", st.nunmaps,
		st.nbytes_unmapped);
	fprintf(f, "accesses        %" PRIu64 ": %" PRIu64 " hits, %" PRIu64 " misses, %" PRIu64
		" stale hits, %" PRIu64 " faults\n",
		s->naccess, st.niotlb_hits, st.niotlb_misses, st.nstale_hits, st.nfaults);
	fprintf(f, "walks           %" PRIu64 " (%" PRIu64 " levels read)\n", st.nwalks,
		st.nwalk_levels);
	fprintf(f, "invalidations   %" PRIu64 " range, %" PRIu64 " all, %" PRIu64
		" entries dropped, %" PRIu64 " evictions\n",
		st.ninv_range, st.ninv_all, st.niotlb_invalidated, st.niotlb_evictions);
	fprintf(f, "flush queue     %" PRIu64 " queued, %" PRIu64 " released, %" PRIu64
		" pending, %" PRIu64 " full flushes, %" PRIu64 " timer flushes\n",
		st.nfq_queued, st.nfq_released, st.nfq_pending, st.nfq_full_flushes,
		st.nfq_timer_flushes);
	fprintf(f, "page table      %" PRIu64 " tables (%" PRIu64 " bytes), %" PRIu64
		" allocated, %" PRIu64 " freed, %" PRIu64 " PTE writes\n",
		pst.ntables, pst.nbytes, pst.ntable_allocs, pst.ntable_frees, pst.npte_writes);
	fprintf(f, "time            clock %" PRIu64 " ns, modelled work %.1f ns\n", st.now_ns,
		st.sim_ns);
}

int iommu_script_run(struct cli_reader *r, FILE *out, const struct iommu_script_opts *o)
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
				fputs("ok\n", out);
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
	if (!ret && (o->stats || o->json))
		print_stats(&s);
	phyr_iommu_domain_destroy(s.d);
	return ret;
}
