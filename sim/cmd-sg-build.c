// SPDX-License-Identifier: MIT
/*
 * phyr-sim sg-build: builds scatterlist tables from page vectors, one case a
 * line, exactly as Linux v6.17's sg_alloc_table_from_pages_segment and
 * sg_alloc_append_table_from_pages do, and prints one result line per case.
 * Format: docs/formats.md and docs/sg.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <phyr/scatterlist.h>

#include "cli.h"
#include "commands.h"
#include "opt.h"
#include "out.h"
#include "sg-vectors.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim sg-build [--layout=NAME] [--json|--csv] [--stats] FILE|-\n"
		"\n"
		"Reads page vectors, one case a line, and builds a scatterlist table for\n"
		"each with libphyr's model of Linux v6.17 lib/scatterlist.c. Blank lines\n"
		"and '#' comments print nothing; text from ' -> ' on is ignored, so a\n"
		"conformance file can be fed as it is.\n"
		"\n"
		"Input line:\n"
		"  pages=P0,P1,...[ app=Q0,Q1,...] offset=O size=S max_seg=M\n"
		"    P, Q  page frame numbers, decimal; page i+1 merges with page i only\n"
		"          if its pfn is one more\n"
		"    O     offset into the first page (unsigned int)\n"
		"    S     valid bytes after O (unsigned long)\n"
		"    M     max_segment in bytes (unsigned int; 4294967295 = no limit),\n"
		"          rounded down to 4096; below 4096 the call fails with -22\n"
		"  Without app: sg_alloc_table_from_pages_segment(pages, O, S, M).\n"
		"  With app: sg_alloc_append_table_from_pages twice, as the kernel's test:\n"
		"  (pages, O, S, M, left_pages=#app), then (app, 0, S, M, left_pages=0).\n"
		"\n"
		"Output line per case:\n"
		"  ret=0 nents=N orig_nents=N total_nents=T segs=PFN+OFF:LEN,... bytes=B\n"
		"  ret=-ERRNO                      (on error)\n"
		"    total_nents  usable entries allocated (append) or orig_nents\n"
		"    segs         the entries in for_each_sg order\n"
		"    bytes        sum of the entry lengths\n"
		"\n"
		"Example:\n"
		"  echo 'pages=0,1,3 offset=0 size=12288 max_seg=4294967295' | phyr-sim sg-build -\n"
		"  ret=0 nents=2 orig_nents=2 total_nents=2 segs=0+0:8192,3+0:4096 bytes=12288\n"
		"\n"
		"Options:\n"
		"  --layout=NAME  struct scatterlist layout: 64 (24 B), 64-len, 64-flags,\n"
		"                 64-len-flags (32 B, default), 64-debug-sg (40 B). Only\n"
		"                 the chunk sizes change; the printed fields do not.\n"
		"  --json         one JSON document on stdout instead of the lines: command,\n"
		"                 version, config, \"results\" (one object per case: line,\n"
		"                 the case's fields, ret, nents, orig_nents, total_nents,\n"
		"                 segs [{pfn, offset, length}], bytes) and \"stats\"; on bad\n"
		"                 input an error document and exit status 2\n"
		"  --csv          the segment table instead of the lines: a header, then\n"
		"                 one row per entry (line,ret,nents,orig_nents,total_nents,\n"
		"                 seg,pfn,offset,length; a failed case gives one row with\n"
		"                 its ret and the entry columns empty)\n"
		"  --stats        the run's totals on stderr at the end, one 'NAME VALUE'\n"
		"                 line each (the same as the JSON \"stats\")\n"
		"  -h, --help     this text\n"
		"\n"
		"A malformed line stops the run with 'FILE:LINE: message' on stderr and\n"
		"exit status 2.\n");
}

enum { OPT_LAYOUT = 256, OPT_JSON, OPT_CSV, OPT_STATS };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "layout", required_argument, NULL, OPT_LAYOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ 0 },
};

static const struct cli_cmd sg_cmd = { "sg-build", "h", longopts, usage };

enum sg_format { SG_LINES, SG_JSON, SG_CSV };

/* The run's totals: the JSON "stats" and the --stats lines. */
struct sg_totals {
	uint64_t ncases, nfailed, nents, nbytes;
};

static json_object *case_object(unsigned long line, const struct sg_vector *v, int result,
				const struct phyr_sg_table *t)
{
	json_object *o = json_object_new_object(), *segs;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sg;
	unsigned int nents, i;
	uint64_t bytes = 0;

	cli_json_u64(o, "line", line);
	cli_json_u64(o, "npages", v->npages);
	if (v->app)
		cli_json_u64(o, "napp", v->napp);
	cli_json_u64(o, "offset", v->offset);
	cli_json_u64(o, "size", v->size);
	cli_json_u64(o, "max_seg", v->max_seg);
	cli_json_i64(o, "ret", result);
	if (result)
		return o;
	L = phyr_sg_table_layout(t);
	nents = phyr_sg_table_nents(t);
	cli_json_u64(o, "nents", nents);
	cli_json_u64(o, "orig_nents", phyr_sg_table_orig_nents(t));
	cli_json_u64(o, "total_nents", phyr_sg_table_total_nents(t));
	segs = cli_json_arr(o, "segs");
	phyr_for_each_sg(L, phyr_sg_table_sgl(t), sg, nents, i) {
		json_object *e = json_object_new_object();

		cli_json_u64(e, "pfn", phyr_sg_pfn(L, sg));
		cli_json_u64(e, "offset", phyr_sg_offset(L, sg));
		cli_json_u64(e, "length", phyr_sg_length(L, sg));
		json_object_array_add(segs, e);
		bytes += phyr_sg_length(L, sg);
	}
	cli_json_u64(o, "bytes", bytes);
	return o;
}

static void csv_rows(unsigned long line, int result, const struct phyr_sg_table *t)
{
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sg;
	unsigned int nents, i;

	if (result) {
		printf("%lu,%d,,,,,,,\n", line, result);
		return;
	}
	L = phyr_sg_table_layout(t);
	nents = phyr_sg_table_nents(t);
	phyr_for_each_sg(L, phyr_sg_table_sgl(t), sg, nents, i)
		printf("%lu,0,%u,%u,%u,%u,%llu,%u,%u\n", line, nents, phyr_sg_table_orig_nents(t),
		       phyr_sg_table_total_nents(t), i, (unsigned long long)phyr_sg_pfn(L, sg),
		       phyr_sg_offset(L, sg), phyr_sg_length(L, sg));
}

static void count(int result, const struct phyr_sg_table *t, struct sg_totals *tot)
{
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sg;
	unsigned int nents, i;

	tot->ncases++;
	if (result) {
		tot->nfailed++;
		return;
	}
	L = phyr_sg_table_layout(t);
	nents = phyr_sg_table_nents(t);
	tot->nents += nents;
	phyr_for_each_sg(L, phyr_sg_table_sgl(t), sg, nents, i)
		tot->nbytes += phyr_sg_length(L, sg);
}

static json_object *stats_object(const struct sg_totals *t)
{
	json_object *o = json_object_new_object();

	cli_json_u64(o, "ncases", t->ncases);
	cli_json_u64(o, "nfailed", t->nfailed);
	cli_json_u64(o, "nents", t->nents);
	cli_json_u64(o, "nbytes", t->nbytes);
	return o;
}

/* Runs every case of @r; one line, CSV rows or one JSON item (@js) each. */
static int run_cases(struct cli_reader *r, const struct phyr_sg_layout *L, enum sg_format fmt,
		     struct cli_jstream *js, struct sg_totals *tot)
{
	char *line, err[160];
	int got, status = 0;

	while ((got = cli_next(r, &line, true)) == 1) {
		struct phyr_sg_table *t;
		struct sg_vector v;
		int err_run, result = 0;

		if (sg_vector_parse(line, &v, err, sizeof(err)) != 0) {
			cli_error(r, "%s", err);
			return CLI_EXIT_BADINPUT;
		}
		err_run = sg_vector_build(&v, L->id, &t, &result);
		if (err_run) {
			sg_vector_free(&v);
			cli_error(r, "%s", strerror(-err_run));
			return 1;
		}
		count(result, t, tot);
		if (fmt == SG_LINES)
			sg_vector_print(t, result, stdout);
		else if (fmt == SG_JSON)
			cli_jstream_item(js, case_object(r->line, &v, result, t));
		else if (fmt == SG_CSV)
			csv_rows(r->line, result, t);
		phyr_sg_table_destroy(t);
		sg_vector_free(&v);
	}
	if (got < 0)
		status = CLI_EXIT_BADINPUT; /* cli_next printed why */
	return status;
}

int cmd_sg_build(int argc, char **argv)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct sg_totals tot = { 0 };
	enum sg_format fmt = SG_LINES;
	struct cli_jstream js;
	struct cli_reader r;
	bool json = false, csv = false, stats = false;
	json_object *stats_obj;
	int c, status;

	cli_opt_start();
	while ((c = cli_getopt(&sg_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&sg_cmd);
		case OPT_LAYOUT:
			if (phyr_sg_layout_find(optarg, &L) != 0 || !L->buildable)
				return cli_bad_value(&sg_cmd, "layout", optarg,
						     "64, 64-len, 64-flags, 64-len-flags or 64-debug-sg");
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
	if (cli_operands(&sg_cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	if (json && csv)
		return cli_usage_error(&sg_cmd, "--json and --csv exclude each other");
	fmt = json ? SG_JSON : csv ? SG_CSV : SG_LINES;
	if (cli_open(&r, argv[optind]) != 0) {
		if (json)
			cli_json_error_last(sg_cmd.name);
		return CLI_EXIT_USAGE;
	}
	if (json) {
		json_object *head = cli_doc_new(sg_cmd.name);
		json_object *cfg = cli_doc_config(head);

		cli_json_str(cfg, "input", r.path);
		cli_json_str(cfg, "layout", L->name);
		cli_json_u64(cfg, "entry_bytes", L->size);
		cli_json_u64(cfg, "max_single_alloc", L->max_single_alloc);
		if (cli_jstream_begin(&js, head, "results")) {
			cli_close(&r);
			return 1;
		}
	}
	if (csv)
		printf("line,ret,nents,orig_nents,total_nents,seg,pfn,offset,length\n");
	status = run_cases(&r, L, fmt, json ? &js : NULL, &tot);
	cli_close(&r);
	if (json && status) {
		cli_jstream_abort(&js);
		cli_json_error_last(sg_cmd.name);
		return status;
	}
	stats_obj = stats_object(&tot);
	if (stats && !status)
		cli_stats_print(stderr, stats_obj);
	if (json) {
		json_object *tail = json_object_new_object();

		json_object_object_add(tail, "stats", stats_obj);
		if (cli_jstream_finish(&js, tail, stdout)) {
			fprintf(stderr, "phyr-sim sg-build: write error\n");
			return 1;
		}
		return 0;
	}
	json_object_put(stats_obj);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim sg-build: write error\n");
		return status ? status : 1;
	}
	return status;
}
