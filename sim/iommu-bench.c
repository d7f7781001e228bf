// SPDX-License-Identifier: MIT
/* phyr-sim iommu bench: not yet. */
#include <stdio.h>

int iommu_bench_main(int argc, char **argv);

int iommu_bench_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim iommu bench: not implemented yet\n");
	return 2;
}
