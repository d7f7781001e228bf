// SPDX-License-Identifier: MIT
/* phyr-sim iommu: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_iommu(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim iommu: not implemented yet\n");
	return 2;
}
