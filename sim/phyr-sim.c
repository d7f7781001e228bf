// SPDX-License-Identifier: MIT
/*
 * phyr-sim: command-line front end of libphyr. Dispatches to subcommands.
 */
#include <stdio.h>
#include <string.h>

#include <phyr/phyr.h>

#include "commands.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "mem", cmd_mem, "memory of scatterlist vs phyr encodings on built-in workloads" },
	{ "sg-build", cmd_sg_build, "build sg tables from page vectors (Linux-exact)" },
	{ "iova", cmd_iova, "IOVA allocator: trace replay and benchmarks" },
	{ "iommu", cmd_iommu, "mock IOMMU: page-table script replay and benchmarks" },
	{ "swiotlb", cmd_swiotlb, "swiotlb bounce-slot trace replay" },
	{ "mapsg", cmd_mapsg, "dma-iommu map_sg cases (Linux-exact)" },
	{ "map", cmd_map, "device workloads under map_sg, map_phyr and two-step APIs" },
	{ "dma", cmd_dma, "DMA-layer benchmarks against Linux's dma-iommu (w1 ... w4b)" },
	{ "sweep", cmd_sweep, "parameter sweeps of any command, for GNU parallel and Slurm" },
	{ "experiment", cmd_experiment, "published results re-derived in the model (--list)" },
	{ "capture", cmd_capture, "replay real Linux ftrace captures of the IOVA allocator" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"Userspace model of the Linux DMA mapping stack (libphyr %s).\n"
		"\n"
		"Commands:\n",
		phyr_version());
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Run 'phyr-sim COMMAND --help' for the options of one command.\n"
		"Text inputs are parsed strictly: a malformed line stops the run with\n"
		"'FILE:LINE: message' on stderr and exit status 2.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("phyr-sim %s\n", phyr_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "phyr-sim: unknown command '%s' (try --help)\n", argv[1]);
	return 2;
}
