// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the map_sg case reader of phyr-sim (sim/mapsg-case.c)
 * on arbitrary text, one case per line; cases that parse are also run
 * through the dma-iommu model (up to FUZZ_MAX_ENTS entries, far more than
 * the 64 of a struct scatterlist chain link, so chained and long cases
 * run too). Malformed input must be rejected cleanly, never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapsg-case.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps one input's work small: map_sg is linear in the entries. */
#define FUZZ_MAX_ENTS 2048u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char *buf, *line, *save = NULL, err[256];

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!devnull || size > 65536)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mapsg_case c;
		char *arrow = strstr(line, " -> ");

		if (arrow)
			*arrow = '\0';
		if (mapsg_case_parse(line, &c, err, sizeof(err)) == 0 && c.nents <= FUZZ_MAX_ENTS)
			(void)mapsg_case_run(&c, devnull, err, sizeof(err));
		mapsg_case_free(&c);
	}
	free(buf);
	return 0;
}
