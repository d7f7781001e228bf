// SPDX-License-Identifier: MIT
/* phyr-sim swiotlb: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_swiotlb(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim swiotlb: not implemented yet\n");
	return 2;
}
