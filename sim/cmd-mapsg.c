// SPDX-License-Identifier: MIT
/* phyr-sim mapsg: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_mapsg(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim mapsg: not implemented yet\n");
	return 2;
}
