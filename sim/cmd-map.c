// SPDX-License-Identifier: MIT
/* phyr-sim map: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_map(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim map: not implemented yet\n");
	return 2;
}
