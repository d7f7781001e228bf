// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the IOVA trace reader and replay (sim/iova-trace.c).
 * The first two bytes pick the run: byte 0 the policy (mod 3: linux,
 * augmented, buddy) and bit 2 JSON output, bit 3 the stats; byte 1 the
 * CPU count (1 + b % 16, or 24 to 256 for 250..255; PHYR_IOVA_MAX_CPUS
 * would cost 160 ms and 400 MB a unit in the instrumented build).
 * The rest is the trace. Any input must end in a clean run or a FILE:LINE
 * error: no crash, no leak, no sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>

#include "iova-trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned pick_cpus(uint8_t b)
{
	static const unsigned big[] = { 24, 32, 48, 64, 128, 256 };

	return b >= 250 ? big[b - 250] : 1 + b % 16u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const policies[] = { "linux", "augmented", "buddy" };
	struct iova_trace_opts opts = { 0 };
	static FILE *null_out;
	FILE *in;

	if (size < 3 || size > 4096 + 2)
		return 0;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	opts.policy = phyr_iova_policy_find(policies[data[0] % 3]);
	if (!opts.policy)
		__builtin_trap();
	opts.json = data[0] & 4;
	opts.stats = data[0] & 8;
	opts.ncpus = pick_cpus(data[1]);
	in = fmemopen((void *)(data + 2), size - 2, "r");
	if (!in)
		return 0;
	(void)iova_trace_replay(in, "fuzz", null_out, null_out, &opts);
	fclose(in);
	return 0;
}
