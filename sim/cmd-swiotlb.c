// SPDX-License-Identifier: MIT
/* phyr-sim swiotlb: replay of swiotlb bounce-slot traces (Linux-exact). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "swiotlb-trace.h"

static void usage(FILE *f)
{
	fputs("usage: phyr-sim swiotlb replay [--stats] FILE|-\n"
	      "\n"
	      "Replays a swiotlb slot trace through libphyr's model of Linux v6.17\n"
	      "kernel/dma/swiotlb.c (one pool, no dynamic growth) and prints one line\n"
	      "per operation, the same lines Linux's own code prints:\n"
	      "\n"
	      "  pool NSLABS NAREAS   fresh pool at physical 0x80000000, as booted with\n"
	      "                       swiotlb=NSLABS,NAREAS: NSLABS up to a multiple of\n"
	      "                       128, NAREAS to a power of two (0 = 1), then NSLABS\n"
	      "                       to 128*NAREAS or a power of two           -> ok\n"
	      "  map CPU ORIG SIZE ALLOC_ALIGN_MASK MIN_ALIGN_MASK\n"
	      "                       swiotlb_tbl_map_single on CPU (first area searched:\n"
	      "                       CPU & (NAREAS-1)) with the device's min_align_mask\n"
	      "                       := MIN_ALIGN_MASK (SIZE 0 needs an\n"
	      "                       in-slot offset, as in Linux)       -> 0xTLB | fail\n"
	      "  unmap TLB SIZE       release a live mapping returned by map  -> ok\n"
	      "  used                 slots in use, summed over the areas  -> used=N\n"
	      "\n"
	      "Numbers: unsigned 64-bit, decimal or 0x hex; the masks are 32-bit like\n"
	      "Linux's (higher bits are dropped). '#' starts a comment; blank lines are\n"
	      "ignored. The first operation must be 'pool'. Malformed lines, unmap of an\n"
	      "address no live map returned, and pools over 2^24 slots stop the run with\n"
	      "FILE:LINE: message on stderr and exit status 2.\n"
	      "\n"
	      "  --stats   print the last pool's counters on stderr at the end\n"
	      "\n"
	      "Format reference: docs/swiotlb.md.\n",
	      f);
}

static void print_stats(const struct phyr_swiotlb_stats *s)
{
	fprintf(stderr,
		"nmaps=%" PRIu64 " nmap_failures=%" PRIu64 " nunmaps=%" PRIu64
		" nareas_searched=%" PRIu64 " nslots_checked=%" PRIu64
		" nslots_allocated=%" PRIu64 " nused_hiwater=%" PRIu64
		" nalign_warnings=%" PRIu64 "\n",
		s->nmaps, s->nmap_failures, s->nunmaps, s->nareas_searched, s->nslots_checked,
		s->nslots_allocated, s->nused_hiwater, s->nalign_warnings);
}

static int cmd_replay(int argc, char **argv)
{
	struct swiotlb_trace_opts opts = { .max_nslabs = PHYR_SWIOTLB_MAX_NSLABS, .out = stdout };
	struct cli_reader r;
	const char *path = NULL;
	bool stats = false;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--stats") == 0) {
			stats = true;
		} else if (!path && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
			path = argv[i];
		} else {
			fprintf(stderr, "phyr-sim swiotlb replay: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (cli_open(&r, path))
		return 2;
	ret = swiotlb_trace_replay(&r, &opts);
	cli_close(&r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim swiotlb: write error\n");
		return 1;
	}
	if (stats && opts.have_stats)
		print_stats(&opts.stats);
	return ret;
}

int cmd_swiotlb(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
