// SPDX-License-Identifier: MIT
/* phyr-sim swiotlb: replay of swiotlb bounce-slot traces (Linux-exact). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "opt.h"
#include "out.h"
#include "swiotlb-trace.h"

static void usage(FILE *f)
{
	fputs("usage: phyr-sim swiotlb replay [--stats] [--json] FILE|-\n"
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
	      "Options:\n"
	      "  --stats   the last pool's counters on stderr at the end, one\n"
	      "            'NAME VALUE' line each (the same as the JSON \"stats\")\n"
	      "  --json    one JSON document on stdout instead of the lines: command,\n"
	      "            version, config, \"results\" (one object per operation with\n"
	      "            its line number, op and typed result; addresses also as\n"
	      "            NAME_hex strings) and \"stats\"; on bad input an error\n"
	      "            document and exit status 2\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  printf 'pool 1024 1\\nmap 0 0x1000 4096 0 0\\nused\\n' | phyr-sim swiotlb replay -\n"
	      "  ok\n"
	      "  0x80000000\n"
	      "  used=2\n"
	      "\n"
	      "Format reference: docs/swiotlb.md.\n",
	      f);
}

static json_object *stats_object(const struct phyr_swiotlb_stats *s)
{
	json_object *o = json_object_new_object();

	cli_json_u64(o, "nmaps", s->nmaps);
	cli_json_u64(o, "nmap_failures", s->nmap_failures);
	cli_json_u64(o, "nunmaps", s->nunmaps);
	cli_json_u64(o, "nareas_searched", s->nareas_searched);
	cli_json_u64(o, "nslots_checked", s->nslots_checked);
	cli_json_u64(o, "nslots_allocated", s->nslots_allocated);
	cli_json_u64(o, "nused_hiwater", s->nused_hiwater);
	cli_json_u64(o, "nalign_warnings", s->nalign_warnings);
	return o;
}

enum { OPT_STATS = 256, OPT_JSON };

static const struct option replay_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ 0 },
};

static const struct cli_cmd replay_cmd = { "swiotlb replay", "h", replay_longopts, usage };
static const struct cli_cmd swiotlb_cmd = { "swiotlb", "h", NULL, usage };

static int cmd_replay(int argc, char **argv)
{
	struct swiotlb_trace_opts opts = { .max_nslabs = PHYR_SWIOTLB_MAX_NSLABS, .out = stdout };
	struct cli_jstream js;
	struct cli_reader r;
	bool stats = false, json = false;
	json_object *stats_obj = NULL;
	int c, ret;

	cli_opt_start();
	while ((c = cli_getopt(&replay_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&replay_cmd);
		case OPT_STATS:
			stats = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&replay_cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	if (cli_open(&r, argv[optind])) {
		if (json)
			cli_json_error_last(replay_cmd.name);
		return CLI_EXIT_USAGE;
	}
	if (json) {
		json_object *head = cli_doc_new(replay_cmd.name);
		json_object *cfg = cli_doc_config(head);

		cli_json_str(cfg, "input", r.path);
		cli_json_u64(cfg, "max_nslabs", opts.max_nslabs);
		cli_json_addr(cfg, "pool_start", SWIOTLB_TRACE_POOL_START);
		if (cli_jstream_begin(&js, head, "results")) {
			cli_close(&r);
			return 1;
		}
		opts.json = &js;
	}
	ret = swiotlb_trace_replay(&r, &opts);
	cli_close(&r);
	if (opts.have_stats && (stats || json))
		stats_obj = stats_object(&opts.stats);
	if (json) {
		if (ret) {
			cli_jstream_abort(&js);
			cli_json_error_last(replay_cmd.name);
			json_object_put(stats_obj);
			return ret;
		}
		if (stats)
			cli_stats_print(stderr, stats_obj);
		if (stats_obj) {
			json_object *tail = json_object_new_object();

			json_object_object_add(tail, "stats", stats_obj);
			stats_obj = tail;
		}
		if (cli_jstream_finish(&js, stats_obj, stdout)) {
			fprintf(stderr, "phyr-sim swiotlb: write error\n");
			return 1;
		}
		return 0;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim swiotlb: write error\n");
		json_object_put(stats_obj);
		return 1;
	}
	if (stats)
		cli_stats_print(stderr, stats_obj);
	json_object_put(stats_obj);
	return ret;
}

int cmd_swiotlb(int argc, char **argv)
{
	static const struct cli_sub subs[] = { { "replay", cmd_replay } };

	return cli_dispatch(&swiotlb_cmd, subs, 1, argc, argv);
}
