// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the IOVA trace reader and replay (sim/iova-trace.c),
 * pfn and handle forms alike (`alloc ... as NAME`, `free NAME`,
 * `fast_free NAME [SIZE CPU]`).
 * The first two bytes pick the run: byte 0 the policy (mod 3: linux,
 * augmented, buddy) and bit 2 JSON output (streamed, with the per-domain
 * list), bit 3 the stats object; byte 1 the CPU count (1 + b % 16, or 24
 * to 256 for 250..255; PHYR_IOVA_MAX_CPUS would cost 160 ms and 400 MB a
 * unit in the instrumented build).
 * The rest is the trace. Any input must end in a clean run or a FILE:LINE
 * error: no crash, no leak, no sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>

#include "iova-trace.h"
#include "out.h"

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
	struct cli_jstream js;
	json_object *stats = NULL;
	FILE *in;
	int ret;

	if (size < 3 || size > 4096 + 2)
		return 0;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	opts.policy = phyr_iova_policy_find(policies[data[0] % 3]);
	if (!opts.policy)
		__builtin_trap();
	opts.ncpus = pick_cpus(data[1]);
	if (data[0] & 4) {
		if (cli_jstream_begin(&js, cli_doc_new("iova replay"), "results"))
			return 0;
		opts.json = &js;
		opts.domains = json_object_new_array();
	}
	in = fmemopen((void *)(data + 2), size - 2, "r");
	if (!in) {
		if (opts.json)
			cli_jstream_abort(&js);
		json_object_put(opts.domains);
		return 0;
	}
	ret = iova_trace_replay(in, "fuzz", null_out, null_out, &opts);
	fclose(in);
	if (!ret && (data[0] & 8))
		stats = iova_stats_json(&opts.total);
	if (opts.json) {
		if (ret) {
			cli_jstream_abort(&js);
			json_object_put(opts.domains);
		} else {
			json_object *tail = json_object_new_object();

			json_object_object_add(tail, "domains", opts.domains);
			if (stats)
				json_object_object_add(tail, "stats", json_object_get(stats));
			(void)cli_jstream_finish(&js, tail, null_out);
		}
	}
	if (stats)
		cli_stats_print(null_out, stats);
	json_object_put(stats);
	return 0;
}
