// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the page-table script reader of `phyr-sim iommu replay`
 * (sim/iommu-script.c) on arbitrary input, under every domain model. It
 * must never crash or leak, whatever the input; malformed lines end the run
 * with exit status 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iommu-script.h"
#include "out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	/*
	 * A 4 MiB page-table budget (1,024 tables of 4 KiB) keeps a unit fast:
	 * under the default 256 MiB one map can write 8 million PTEs, 7 s a
	 * unit in the instrumented build. It also reaches the budget often.
	 */
	struct iommu_script_opts o = { .domain = IOMMU_SCRIPT_DMA, .iotlb_entries = 8,
				       .iotlb_ways = 2, .max_table_bytes = UINT64_C(4) << 20 };
	struct cli_jstream js;
	struct cli_reader r;
	FILE *in;

	if (size < 1 || size > 1 << 16)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	o.domain = (enum iommu_script_domain)(data[0] % 3);
	in = fmemopen((void *)(data + 1), size - 1 > 0 ? size - 1 : 1, "r");
	if (!in)
		return 0;
	/* with --json: one item per op into the stream, finished on success */
	if ((data[0] & 8) && cli_jstream_begin(&js, cli_doc_new("iommu replay"), "results") == 0)
		o.json = &js;
	memset(&r, 0, sizeof(r));
	r.path = "<fuzz>";
	r.f = in;
	if (iommu_script_run(&r, sink, &o) == 0 && o.json) {
		json_object *tail = json_object_new_object();

		if (o.stats)
			json_object_object_add(tail, "stats", json_object_get(o.stats));
		(void)cli_jstream_finish(&js, tail, sink);
	} else if (o.json) {
		cli_jstream_abort(&js);
	}
	if (o.stats && (data[0] & 4))
		cli_stats_print(sink, o.stats);
	json_object_put(o.stats);
	free(r.buf);
	fclose(in);
	return 0;
}
