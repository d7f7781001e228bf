// SPDX-License-Identifier: MIT
/* phyr-sim sg-build: not implemented yet. */
#include <stdio.h>

#include "commands.h"

int cmd_sg_build(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim sg-build: not implemented yet\n");
	return 2;
}
