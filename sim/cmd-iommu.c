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

int iommu_bench_main(int argc, char **argv);

static void usage(FILE *f)
{
	fputs("usage: phyr-sim iommu replay [OPTIONS] FILE|-\n"
	      "       phyr-sim iommu bench --workload p1|p2a|p2b|p3|p4|p5 --steps N [--warmup-only]\n"
	      "\n"
	      "replay runs a page-table script on one IOMMU domain and prints one line per\n"
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
	      "  --domain dma|dma-fq|identity  strict (default), lazy flush queue, or\n"
	      "                          passthrough for 'access'\n"
	      "  --iotlb ENTRIES,WAYS    IOTLB geometry (default 64,4)\n"
	      "  --max-table-bytes SIZE  memory budget of the simulated page table (default\n"
	      "                          256M, as the kernel would count it); a map that\n"
	      "                          needs more stops the run: message, exit status 1\n"
	      "  --stats                 print counters and modelled time to stderr at the end\n"
	      "  --json                  the same as one JSON object on stderr\n"
	      "\n"
	      "The ARM formats print what Linux v6.17's io-pgtable-arm and iommu core\n"
	      "print for the same script; see docs/iommu.md and docs/formats.md.\n",
	      f);
}

static int cmd_replay(int argc, char **argv)
{
	struct iommu_script_opts o = { .domain = IOMMU_SCRIPT_DMA };
	struct cli_reader r;
	const char *path = NULL;
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--domain") == 0 && i + 1 < argc) {
			const char *v = argv[++i];

			if (strcmp(v, "dma") == 0)
				o.domain = IOMMU_SCRIPT_DMA;
			else if (strcmp(v, "dma-fq") == 0)
				o.domain = IOMMU_SCRIPT_DMA_FQ;
			else if (strcmp(v, "identity") == 0)
				o.domain = IOMMU_SCRIPT_IDENTITY;
			else {
				fprintf(stderr, "phyr-sim iommu: bad --domain '%s'\n", v);
				return 2;
			}
		} else if (strcmp(a, "--iotlb") == 0 && i + 1 < argc) {
			if (cli_opt_iotlb(argv[++i], &o.iotlb_entries, &o.iotlb_ways)) {
				fprintf(stderr, "phyr-sim iommu: bad --iotlb '%s' (ENTRIES,WAYS)\n",
					argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--max-table-bytes") == 0 && i + 1 < argc) {
			if (cli_opt_budget(argv[++i], &o.max_table_bytes)) {
				fprintf(stderr, "phyr-sim iommu: bad --max-table-bytes '%s' (a size "
					"of at least 4K, e.g. 64M)\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "--stats") == 0) {
			o.stats = true;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "phyr-sim iommu: unknown option '%s'\n", a);
			return 2;
		} else if (!path) {
			path = a;
		} else {
			fprintf(stderr, "phyr-sim iommu: more than one input file\n");
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (cli_open(&r, path))
		return 2;
	ret = iommu_script_run(&r, stdout, &o);
	cli_close(&r);
	if (fflush(stdout) && !ret)
		ret = 1;
	return ret;
}

int cmd_iommu(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "bench") == 0)
		return iommu_bench_main(argc - 1, argv + 1);
	fprintf(stderr, "phyr-sim iommu: unknown subcommand '%s' (try --help)\n", argv[1]);
	return 2;
}
