// SPDX-License-Identifier: MIT
/*
 * phyr-sim iova: trace replay (iova-trace.c) and the allocator benchmarks
 * (iova-bench.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-opts.h"
#include "commands.h"
#include "iova-bench.h"
#include "iova-plugin.h"
#include "iova-trace.h"
#include "opt.h"
#include "out.h"

static void group_usage(FILE *f)
{
	fputs("usage: phyr-sim iova replay [OPTIONS] FILE|-\n"
	      "       phyr-sim iova bench --workload W --steps N [OPTIONS]\n"
	      "       phyr-sim iova bench --scenario S [OPTIONS]\n"
	      "\n"
	      "The IOVA allocator of Linux v6.17 (drivers/iommu/iova.c) and other placement\n"
	      "policies, built in (linux, augmented, buddy) or loaded from a plug-in.\n"
	      "  replay   run an IOVA trace and print Linux's results, one line per op\n"
	      "  bench    the allocator benchmarks (workloads and scenarios)\n"
	      "'phyr-sim iova SUBCOMMAND --help' describes each.\n"
	      "\n"
	      "Example:\n"
	      "  printf 'init 4096 1\\nalloc 4 0xfffff 1 as buf\\nfree buf\\n' | phyr-sim iova replay -\n"
	      "  ok\n"
	      "  1048572\n"
	      "  1048572 1048575\n"
	      "\n"
	      "Formats: docs/formats.md, docs/iova.md.\n",
	      f);
}

static void replay_usage(FILE *f)
{
	fputs("usage: phyr-sim iova replay [--cpus N] [--policy P | --policy-plugin FILE.so]\n"
	      "                            [--stats] [--json] FILE|-\n"
	      "\n"
	      "Runs an IOVA trace on a fresh machine and prints one line per op, exactly\n"
	      "as Linux v6.17's iova.c does. One op per line, '#' starts a comment,\n"
	      "numbers are decimal or 0x hex; sizes and pfns are in granules, LIMIT_PFN\n"
	      "is inclusive:\n"
	      "  init GRANULE START_PFN               -> ok (a new domain; replaces the old\n"
	      "                                        one and forgets every handle)\n"
	      "  alloc SIZE LIMIT_PFN ALIGNED [as H]  -> PFN_LO | fail (ALIGNED 0 or not)\n"
	      "  free PFN|H                           -> PFN_LO PFN_HI | notfound\n"
	      "  fast_alloc SIZE LIMIT_PFN CPU [FLUSH] [as H]\n"
	      "                                       -> PFN (0 = failure; FLUSH default 1)\n"
	      "  fast_free PFN SIZE CPU | fast_free H [SIZE CPU]\n"
	      "                                       -> ok (H alone: the SIZE and CPU of\n"
	      "                                        its fast_alloc)\n"
	      "  reserve PFN_LO PFN_HI                -> PFN_LO PFN_HI | fail\n"
	      "  stat                                 -> nodes=N pages=N\n"
	      "  tick                                 -> ok (one 100 ms depot-trim period)\n"
	      "  flush                                -> ok (all range caches to the tree)\n"
	      "A handle H ([A-Za-z_][A-Za-z0-9_]*) names the range an alloc bound it to,\n"
	      "so that one trace runs under every policy. Malformed input (also: binding\n"
	      "a live handle, using an unknown, freed or failed one) stops the run with\n"
	      "FILE:LINE: message on stderr and exit status 2.\n"
	      "\n"
	      "Options:\n"
	      "  --cpus N               CPUs of the machine, 1 to 1024 (default 4)\n"
	      "  --policy P             linux (default), augmented or buddy\n"
	      "  --policy-plugin FILE   a policy plug-in (<phyr/iova-plugin.h>, docs/iova.md)\n"
	      "  --stats                the counters, summed over every domain the trace\n"
	      "                         created, on stderr: one 'NAME VALUE' line each\n"
	      "  --json                 one JSON document instead of the lines: command,\n"
	      "                         version, config, \"results\" (per op: line, op,\n"
	      "                         typed args and result; pfns also as NAME_hex),\n"
	      "                         \"domains\" (each domain's own counters) and\n"
	      "                         \"stats\" (their sum); on bad input an error\n"
	      "                         document and exit status 2\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  printf 'init 4096 1\\nfast_alloc 4 0xfffff 0 as a\\nfast_free a\\n' | \\\n"
	      "      phyr-sim iova replay --policy buddy -\n"
	      "  ok\n"
	      "  4\n"
	      "  ok\n"
	      "(buddy: the smallest free block that fits, here [4, 7]; linux prints 1048572)\n"
	      "\n"
	      "Format reference: docs/formats.md, docs/iova.md.\n",
	      f);
}

enum { OPT_CPUS = 256, OPT_POLICY, OPT_PLUGIN, OPT_STATS, OPT_JSON };

static const struct option replay_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "policy-plugin", required_argument, NULL, OPT_PLUGIN },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ 0 },
};

static const struct cli_cmd replay_cmd = { "iova replay", "h", replay_longopts, replay_usage };
static const struct cli_cmd iova_cmd = { "iova", "h", NULL, group_usage };

/* The document of a successful --json run, from the streamed results on. */
static int replay_finish_json(struct cli_jstream *js, json_object *domains, json_object *stats)
{
	json_object *tail = json_object_new_object();

	json_object_object_add(tail, "domains", domains);
	json_object_object_add(tail, "stats", stats);
	if (cli_jstream_finish(js, tail, stdout)) {
		fprintf(stderr, "phyr-sim iova replay: write error\n");
		return 1;
	}
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	struct iova_trace_opts opts = { .ncpus = PHYR_IOVA_DEFAULT_CPUS };
	const char *policy = NULL, *plugin = NULL;
	struct iova_plugin *pl = NULL;
	json_object *stats_obj = NULL;
	bool stats = false, json = false;
	struct cli_jstream js;
	struct cli_reader r;
	int c, ret;

	cli_opt_start();
	while ((c = cli_getopt(&replay_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&replay_cmd);
		case OPT_CPUS:
			if (cli_opt_cpus(optarg, &opts.ncpus))
				return cli_bad_value(&replay_cmd, "cpus", optarg, "1 to 1024");
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
			json = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&replay_cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	if ((ret = iova_policy_select(&replay_cmd, policy, plugin, &opts.policy, &pl))) {
		if (json && plugin && !policy)
			cli_json_error_last(replay_cmd.name);
		return ret;
	}
	if (cli_open(&r, argv[optind])) {
		if (json)
			cli_json_error_last(replay_cmd.name);
		iova_plugin_close(pl);
		return CLI_EXIT_USAGE;
	}
	if (json) {
		json_object *head = cli_doc_new(replay_cmd.name);
		json_object *cfg = cli_doc_config(head);

		cli_json_str(cfg, "input", r.path);
		cli_json_str(cfg, "policy", opts.policy->name);
		cli_json_str(cfg, "policy_plugin", plugin);
		cli_json_u64(cfg, "cpus", opts.ncpus);
		cli_json_str(cfg, "stats_scope", "sum over every domain");
		if (cli_jstream_begin(&js, head, "results")) {
			cli_close(&r);
			iova_plugin_close(pl);
			return 1;
		}
		opts.json = &js;
		opts.domains = json_object_new_array();
	}
	ret = iova_trace_replay(r.f, r.path, stdout, stderr, &opts);
	cli_close(&r);
	iova_plugin_close(pl);
	if (!ret && (stats || json))
		stats_obj = iova_stats_json(&opts.total);
	if (json) {
		if (ret) {
			cli_jstream_abort(&js);
			json_object_put(opts.domains);
			cli_json_error_last(replay_cmd.name);
			return ret;
		}
		if (stats)
			cli_stats_print(stderr, stats_obj);
		return replay_finish_json(&js, opts.domains, stats_obj);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim iova replay: write error\n");
		json_object_put(stats_obj);
		return ret ? ret : 1;
	}
	if (stats)
		cli_stats_print(stderr, stats_obj);
	json_object_put(stats_obj);
	return ret;
}

int cmd_iova(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "replay", cmd_replay },
		{ "bench", iova_bench_main },
	};

	return cli_dispatch(&iova_cmd, subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
