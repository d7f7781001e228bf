// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the IOVA trace reader and replay (sim/iova-trace.c).
 * Any input must end in a clean run or a FILE:LINE error: no crash, no
 * leak, no sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>

#include "iova-trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iova_trace_opts opts = { .ncpus = 4 };
	static FILE *null_out;
	FILE *in;

	if (size == 0 || size > 4096)
		return 0;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	opts.json = size & 1;
	(void)iova_trace_replay(in, "fuzz", null_out, null_out, &opts);
	fclose(in);
	return 0;
}
