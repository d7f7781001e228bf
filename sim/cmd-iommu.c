// SPDX-License-Identifier: MIT
/*
 * phyr-sim iommu: page-table script replay (Linux-exact for the ARM LPAE
 * formats) and the page-table benchmarks of
 * bench/linux-6.17/iommu-kernel-baseline.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phyr/iommu.h>

#include "cli.h"
#include "cli-opts.h"
#include "commands.h"
#include "iommu-script.h"
#include "opt.h"
#include "out.h"

int iommu_bench_main(int argc, char **argv);

static void usage(FILE *f)
{
	fputs("usage: phyr-sim iommu replay [OPTIONS] FILE|-\n"
	      "       phyr-sim iommu bench --workload W --steps N [--repeat N] [--json|--csv]\n"
	      "\n"
	      "  replay   run a page-table script on one IOMMU domain, one line per\n"
	      "           operation (Linux-exact for the ARM LPAE formats)\n"
	      "  bench    the page-table workloads p1 ... p5 of iommu-kernel-baseline.md\n"
	      "\n"
	      "'phyr-sim iommu replay --help' and 'phyr-sim iommu bench --help' tell more.\n"
	      "\n"
	      "Example:\n"
	      "  printf 'pgtable arm-lpae-s1-4k 48 48\\nmap 0x1000 0x80000000 0x1000 rw\\n"
	      "phys 0x1234\\n' | phyr-sim iommu replay -\n"
	      "  ok\n"
	      "  ok\n"
	      "  0x80000234\n",
	      f);
}

static void replay_usage(FILE *f)
{
	fputs("usage: phyr-sim iommu replay [OPTIONS] FILE|-\n"
	      "\n"
	      "Runs a page-table script on one IOMMU domain and prints one line per\n"
	      "operation (blank and '#' comment lines print nothing). Numbers are decimal\n"
	      "or 0x-hex. The first operation must be pgtable.\n"
	      "\n"
	      "  pgtable FMT IAS OAS     new empty table            -> ok | -12\n"
	      "      FMT: arm-lpae-s1-4k, arm-lpae-s1-16k, arm-lpae-s1-64k, x86-64-4l, x86-64-5l\n"
	      "  map IOVA PADDR SIZE r|w|rw   iommu_map              -> ok | -ERRNO\n"
	      "  unmap IOVA SIZE         iommu_unmap                -> bytes unmapped\n"
	      "  phys IOVA               iova_to_phys               -> 0xPADDR (0x0: not mapped)\n"
	      "  stat                    walk the table             -> tables=N leaf0=N leaf1=N leaf2=N leaf3=N\n"
	      "  pte IOVA                leaf descriptor            -> 0xPTE level=L | none\n"
	      "  access IOVA r|w         device DMA via the IOTLB   -> 0xPADDR | fault\n"
	      "  flush                   flush IOTLB, reap flush queue -> ok\n"
	      "  tick MS                 advance the clock (flush-queue timer) -> ok\n"
	      "\n"
	      "Options (they never change what map/unmap/phys/stat/pte print):\n"
	      "  --domain=dma|dma-fq|identity  strict (default dma), lazy flush queue, or\n"
	      "                          passthrough for 'access'\n"
	      "  --iotlb=ENTRIES,WAYS    IOTLB geometry (default 64,4; ENTRIES a multiple\n"
	      "                          of WAYS, at most 2^24)\n"
	      "  --max-table-bytes=SIZE  memory budget of the simulated page table, bytes\n"
	      "                          with an optional K/M/G suffix (default 256M, as the\n"
	      "                          kernel would count it; at least 4K); a map that\n"
	      "                          needs more stops the run: message, exit status 1\n"
	      "  --stats                 the domain's counters on stderr at the end, one\n"
	      "                          'NAME VALUE' line each (the same as the JSON \"stats\")\n"
	      "  --json                  one JSON document on stdout instead of the lines:\n"
	      "                          command, version, config, \"results\" (one object per\n"
	      "                          operation: line, op, typed result; addresses also\n"
	      "                          as NAME_hex strings) and \"stats\"; on bad input an\n"
	      "                          error document and exit status 2\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  printf 'pgtable arm-lpae-s1-4k 48 48\\nmap 0x1000 0x80000000 0x1000 rw\\n"
	      "phys 0x1234\\n' | phyr-sim iommu replay -\n"
	      "  ok\n"
	      "  ok\n"
	      "  0x80000234\n"
	      "\n"
	      "The ARM formats print what Linux v6.17's io-pgtable-arm and iommu core\n"
	      "print for the same script; see docs/iommu.md and docs/formats.md.\n",
	      f);
}

enum { OPT_DOMAIN = 256, OPT_IOTLB, OPT_BUDGET, OPT_STATS, OPT_JSON };

static const struct option replay_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "iotlb", required_argument, NULL, OPT_IOTLB },
	{ "max-table-bytes", required_argument, NULL, OPT_BUDGET },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ 0 },
};

static const struct cli_cmd replay_cmd = { "iommu replay", "h", replay_longopts, replay_usage };
static const struct cli_cmd iommu_cmd = { "iommu", "h", NULL, usage };

static const char *const domain_names[] = { "dma", "dma-fq", "identity" };

/*
 * The effective configuration: the IOTLB geometry and budget the library
 * uses for these options (asked of a table-less domain, so the defaults
 * are the library's own). Returns 0, or -1 after recording a message.
 */
static int replay_config(const struct iommu_script_opts *o, const char *input, json_object *cfg)
{
	struct phyr_iommu_domain_opts d = {
		.type = o->domain == IOMMU_SCRIPT_DMA_FQ ? PHYR_IOMMU_DOMAIN_DMA_FQ
							 : PHYR_IOMMU_DOMAIN_DMA,
		.no_pgtable = true,
		.iotlb_entries = o->iotlb_entries,
		.iotlb_ways = o->iotlb_ways,
		.max_table_bytes = o->max_table_bytes,
	};
	struct phyr_iommu_domain *dom;
	unsigned entries = 0, ways = 0;
	int ret = phyr_iommu_domain_create(&d, &dom);

	if (ret) {
		cli_record_error(NULL, 0, "cannot create the domain: %s", strerror(-ret));
		fprintf(stderr, "phyr-sim iommu: cannot create the domain: %s\n", strerror(-ret));
		return -1;
	}
	phyr_iommu_iotlb_geometry(dom, &entries, &ways);
	phyr_iommu_domain_destroy(dom);
	cli_json_str(cfg, "input", input);
	cli_json_str(cfg, "domain", domain_names[o->domain]);
	cli_json_u64(cfg, "iotlb_entries", entries);
	cli_json_u64(cfg, "iotlb_ways", ways);
	cli_json_u64(cfg, "max_table_bytes",
		     o->max_table_bytes ? o->max_table_bytes : PHYR_IOMMU_DEFAULT_MAX_TABLE_BYTES);
	return 0;
}

static int cmd_replay(int argc, char **argv)
{
	struct iommu_script_opts o = { .domain = IOMMU_SCRIPT_DMA };
	struct cli_jstream js;
	struct cli_reader r;
	bool stats = false, json = false;
	int c, ret;

	cli_opt_start();
	while ((c = cli_getopt(&replay_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&replay_cmd);
		case OPT_DOMAIN:
			for (c = 0; c < 3; c++)
				if (strcmp(optarg, domain_names[c]) == 0)
					break;
			if (c == 3)
				return cli_bad_value(&replay_cmd, "domain", optarg,
						     "dma, dma-fq or identity");
			o.domain = (enum iommu_script_domain)c;
			break;
		case OPT_IOTLB:
			if (cli_opt_iotlb(optarg, &o.iotlb_entries, &o.iotlb_ways))
				return cli_bad_value(&replay_cmd, "iotlb", optarg,
						     "ENTRIES,WAYS: ENTRIES a multiple of WAYS, "
						     "at most 2^24");
			break;
		case OPT_BUDGET:
			if (cli_opt_budget(optarg, &o.max_table_bytes))
				return cli_bad_value(&replay_cmd, "max-table-bytes", optarg,
						     "a size of at least 4K, e.g. 64M");
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
	if (cli_open(&r, argv[optind])) {
		if (json)
			cli_json_error_last(replay_cmd.name);
		return CLI_EXIT_USAGE;
	}
	if (json) {
		json_object *head = cli_doc_new(replay_cmd.name);

		if (replay_config(&o, r.path, cli_doc_config(head))) {
			json_object_put(head);
			cli_close(&r);
			cli_json_error_last(replay_cmd.name);
			return 1;
		}
		if (cli_jstream_begin(&js, head, "results")) {
			cli_close(&r);
			return 1;
		}
		o.json = &js;
	}
	ret = iommu_script_run(&r, stdout, &o);
	cli_close(&r);
	if (json) {
		json_object *tail = NULL;

		if (ret) {
			cli_jstream_abort(&js);
			cli_json_error_last(replay_cmd.name);
			json_object_put(o.stats);
			return ret;
		}
		if (stats)
			cli_stats_print(stderr, o.stats);
		if (o.stats) {
			tail = json_object_new_object();
			json_object_object_add(tail, "stats", o.stats);
		}
		if (cli_jstream_finish(&js, tail, stdout)) {
			fprintf(stderr, "phyr-sim iommu: write error\n");
			return 1;
		}
		return 0;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim iommu: write error\n");
		json_object_put(o.stats);
		return 1;
	}
	if (stats)
		cli_stats_print(stderr, o.stats);
	json_object_put(o.stats);
	return ret;
}

int cmd_iommu(int argc, char **argv)
{
	static const struct cli_sub subs[] = {
		{ "replay", cmd_replay },
		{ "bench", iommu_bench_main },
	};

	return cli_dispatch(&iommu_cmd, subs, 2, argc, argv);
}
