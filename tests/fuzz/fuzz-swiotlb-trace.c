// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the swiotlb trace reader and replayer of phyr-sim
 * (sim/swiotlb-trace.c) on arbitrary input. Pools are capped at 4096 slots
 * so each input runs fast; malformed lines must end the run cleanly.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "swiotlb-trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct swiotlb_trace_opts opts = { .max_nslabs = 4096 };
	struct cli_reader r;
	FILE *in;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!devnull || size == 0)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	memset(&r, 0, sizeof(r));
	r.path = "fuzz";
	r.f = in;
	opts.out = devnull;
	(void)swiotlb_trace_replay(&r, &opts);
	cli_close(&r);
	return 0;
}
