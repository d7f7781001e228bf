// SPDX-License-Identifier: MIT
/* phyr-sim mem: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_mem(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim mem: not implemented yet\n");
	return 2;
}
