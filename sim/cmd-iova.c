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
#include "iova-trace.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim iova replay [--cpus N] [--policy P] [--stats] [--json] FILE|-\n"
		"       phyr-sim iova bench --workload W --steps N [--policy P] [--json]\n"
		"       phyr-sim iova bench --scenario S [--policy P|all] [--json]\n"
		"\n"
		"replay: runs an IOVA trace on a fresh machine of N CPUs (default 4) and\n"
		"prints one line per op, exactly as Linux v6.17's iova.c does. One op per\n"
		"line, '#' starts a comment, numbers are decimal or 0x-hex, sizes and pfns\n"
		"in granules, LIMIT_PFN inclusive:\n"
		"  init GRANULE START_PFN              -> ok (a new domain; replaces the old)\n"
		"  alloc SIZE LIMIT_PFN ALIGNED        -> PFN_LO | fail      (ALIGNED 0 or non-zero)\n"
		"  free PFN                            -> PFN_LO PFN_HI | notfound\n"
		"  fast_alloc SIZE LIMIT_PFN CPU [FLUSH] -> PFN (0 = failure; FLUSH 0 or non-zero, default 1)\n"
		"  fast_free PFN SIZE CPU              -> ok\n"
		"  reserve PFN_LO PFN_HI               -> PFN_LO PFN_HI | fail\n"
		"  stat                                -> nodes=N pages=N\n"
		"  tick                                -> ok (one 100 ms depot-trim period)\n"
		"  flush                               -> ok (all range caches to the tree)\n"
		"Malformed input stops the run with FILE:LINE: message, exit status 2.\n"
		"--policy linux|augmented|buddy (default linux), --stats prints the\n"
		"domain's counters on stderr at the end, --json prints the results as JSON.\n"
		"\n"
		"bench: workloads a1 a2 b10k b10k_fix b100k b100k_fix c0 c1 c2 of\n"
		"bench/linux-6.17/iova-kernel-baseline.md (warm-up and fill, then exactly N\n"
		"measured steps), or scenarios peng300k largechurn exhaust32 scaling.\n"
		"See docs/iova.md and docs/performance.md.\n");
}

static int cmd_replay(int argc, char **argv)
{
	struct iova_trace_opts opts = { .ncpus = PHYR_IOVA_DEFAULT_CPUS };
	const char *path = NULL;
	FILE *in;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			opts.json = true;
		} else if (strcmp(argv[i], "--stats") == 0) {
			opts.stats = true;
		} else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) {
			if (cli_opt_cpus(argv[++i], &opts.ncpus)) {
				fprintf(stderr, "phyr-sim iova replay: bad --cpus '%s' (1-%u)\n", argv[i],
					PHYR_IOVA_MAX_CPUS);
				return 2;
			}
		} else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
			if (cli_opt_policy(argv[++i], &opts.policy)) {
				fprintf(stderr, "phyr-sim iova: unknown policy '%s' (linux, augmented, buddy)\n",
					argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "phyr-sim iova replay: unknown option '%s' (try --help)\n", argv[i]);
			return 2;
		} else if (path) {
			fprintf(stderr, "phyr-sim iova replay: more than one trace given\n");
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (strcmp(path, "-") == 0) {
		in = stdin;
		path = "<stdin>";
	} else {
		in = fopen(path, "r");
		if (!in) {
			perror(path);
			return 2;
		}
	}
	ret = iova_trace_replay(in, path, stdout, stderr, &opts);
	if (in != stdin)
		fclose(in);
	if (fflush(stdout) != 0 && !ret)
		ret = 1;
	return ret;
}

int cmd_iova(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "bench") == 0)
		return iova_bench_main(argc - 1, argv + 1);
	fprintf(stderr, "phyr-sim iova: unknown subcommand '%s' (replay, bench)\n", argv[1]);
	return 2;
}
