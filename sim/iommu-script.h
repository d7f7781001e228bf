/* SPDX-License-Identifier: MIT */
/*
 * The page-table script reader of `phyr-sim iommu replay`
 * (docs/formats.md, docs/iommu.md). Kept apart from the
 * command so the fuzz target can compile it.
 */
#ifndef PHYR_SIM_IOMMU_SCRIPT_H
#define PHYR_SIM_IOMMU_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "out.h"

enum iommu_script_domain {
	IOMMU_SCRIPT_DMA,
	IOMMU_SCRIPT_DMA_FQ,
	IOMMU_SCRIPT_IDENTITY,
};

struct iommu_script_opts {
	enum iommu_script_domain domain;
	unsigned iotlb_entries; /* 0 = library default */
	unsigned iotlb_ways;
	uint64_t max_table_bytes; /* page-table memory budget, 0 = library default */
	/* with --json: one item per op instead of the lines (or NULL) */
	struct cli_jstream *json;
	/*
	 * out: the run's counters, the JSON "stats" object of docs/iommu.md
	 * (the caller frees it), when the run succeeded and created a domain;
	 * else NULL
	 */
	json_object *stats;
};

/*
 * Runs the script read by @r, one output line per op on @out (or one JSON
 * item per op on @o->json: { "line": N, "op": NAME, typed members }). Returns 0,
 * or 2 after printing "FILE:LINE: message" on stderr for malformed input
 * (nothing is printed for that line or after it), or 1 on an I/O error or
 * when a map needs more page-table memory than the budget (a message
 * naming the line and the budget is printed; nothing for that line).
 */
int iommu_script_run(struct cli_reader *r, FILE *out, struct iommu_script_opts *o);

#endif /* PHYR_SIM_IOMMU_SCRIPT_H */
