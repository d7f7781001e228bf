// SPDX-License-Identifier: MIT
/*
 * phyr-sim sg-build: builds scatterlist tables from page vectors, one case a
 * line, exactly as Linux v6.17's sg_alloc_table_from_pages_segment and
 * sg_alloc_append_table_from_pages do, and prints one result line per case.
 * Format: docs/formats.md and docs/sg.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <phyr/scatterlist.h>

#include "cli.h"
#include "commands.h"
#include "sg-vectors.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim sg-build [--layout NAME] FILE|-\n"
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
		"  --layout NAME  struct scatterlist layout: 64 (24 B), 64-len, 64-flags,\n"
		"                 64-len-flags (32 B, default), 64-debug-sg (40 B). Only\n"
		"                 the chunk sizes change; the printed fields do not.\n"
		"  --help         this text\n"
		"\n"
		"A malformed line stops the run with 'FILE:LINE: message' on stderr and\n"
		"exit status 2.\n");
}

int cmd_sg_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layout", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct cli_reader r;
	char *line, err[160];
	int c, ret, status = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (phyr_sg_layout_find(optarg, &L) != 0 || !L->buildable) {
				fprintf(stderr, "phyr-sim sg-build: unknown layout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	if (cli_open(&r, argv[optind]) != 0)
		return 2;
	while ((ret = cli_next(&r, &line, true)) == 1) {
		struct sg_vector v;
		int err_run;

		if (sg_vector_parse(line, &v, err, sizeof(err)) != 0) {
			cli_error(&r, "%s", err);
			status = 2;
			break;
		}
		err_run = sg_vector_run(&v, L->id, stdout);
		sg_vector_free(&v);
		if (err_run) {
			cli_error(&r, "%s", strerror(-err_run));
			status = 1;
			break;
		}
	}
	if (ret < 0 && status == 0)
		status = CLI_EXIT_BADINPUT; /* cli_next printed why */
	cli_close(&r);
	if (fflush(stdout) != 0)
		status = status ? status : 1;
	return status;
}
