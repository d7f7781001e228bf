// SPDX-License-Identifier: MIT
/* phyr-sim mapsg: dma-iommu map_sg conformance cases (Linux-exact). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "mapsg-case.h"

static void usage(FILE *f)
{
	fputs("usage: phyr-sim mapsg FILE|-\n"
	      "\n"
	      "Runs each map_sg case through libphyr's model of Linux v6.17\n"
	      "iommu_dma_map_sg (one IOVA, boundary padding, iommu_map_sg runs,\n"
	      "__finalise_sg merging) and prints one result line per case:\n"
	      "\n"
	      "  mapsg mask=BITS max_seg=BYTES boundary=0xMASK ents=E1,E2,...\n"
	      "  E = 0xPHYS+OFF:LEN[/bus=0xBUSOFF]\n"
	      "\n"
	      "  BITS      DMA mask width, 1..64 (decimal)\n"
	      "  max_seg   dma_parms max_segment_size (decimal, 32-bit; 0 = 64 KiB)\n"
	      "  boundary  segment boundary mask, usually 2^k-1 (hex; 0 = none)\n"
	      "  PHYS      page-aligned physical address of the entry's page (hex)\n"
	      "  OFF, LEN  sg->offset (may exceed 4095) and sg->length, 0 allowed (decimal)\n"
	      "  /bus=     a PCI P2PDMA page reached by bus address PHYS+OFF+BUSOFF;\n"
	      "            equal offsets mean the same provider\n"
	      "\n"
	      "Output: ret=N iova=0xBASE len=IOVA_LEN segs=0xDMA:LEN[/bus],...\n"
	      "        maps=0xIOVA>0xPHYS:LEN,...   or   ret=-ERRNO\n"
	      "\n"
	      "Every case starts from a fresh trusted, coherent PCI device (32-bit\n"
	      "IOVA space first), a fresh strict IOMMU DMA domain (4K|2M|1G pages,\n"
	      "record-only page table, no limits) and a fresh IOVA domain (granule\n"
	      "4 KiB, start_pfn 1). Text after ' -> ' and after '#' is ignored, so\n"
	      "the conformance files can be fed as they are. A malformed line stops\n"
	      "the run with FILE:LINE: message and exit status 2.\n"
	      "Format reference: docs/mapsg.md.\n",
	      f);
}

int cmd_mapsg(int argc, char **argv)
{
	const char *path = NULL;
	struct cli_reader r;
	char *line, err[256];
	int got, ret = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (path || (argv[i][0] == '-' && argv[i][1])) {
			fprintf(stderr, "phyr-sim mapsg: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
		path = argv[i];
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if (cli_open(&r, path))
		return 2;
	while ((got = cli_next(&r, &line, true)) == 1) {
		struct mapsg_case c;

		if (mapsg_case_parse(line, &c, err, sizeof(err))) {
			cli_error(&r, "%s", err);
			mapsg_case_free(&c);
			ret = CLI_EXIT_BADINPUT;
			break;
		}
		if (mapsg_case_run(&c, stdout, err, sizeof(err))) {
			cli_error(&r, "%s", err);
			mapsg_case_free(&c);
			ret = 1;
			break;
		}
		mapsg_case_free(&c);
	}
	if (got < 0)
		ret = CLI_EXIT_BADINPUT; /* cli_next printed why */
	cli_close(&r);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim mapsg: write error\n");
		return 1;
	}
	return ret;
}
