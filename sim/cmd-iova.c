// SPDX-License-Identifier: MIT
/* phyr-sim iova: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_iova(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim iova: not implemented yet\n");
	return 2;
}
