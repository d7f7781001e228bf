// SPDX-License-Identifier: MIT
/* phyr-sim iova bench (not implemented yet). */
#include <stdio.h>

#include "iova-bench.h"

int iova_bench_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "phyr-sim iova bench: not implemented yet\n");
	return 2;
}
