/* SPDX-License-Identifier: MIT */
/*
 * Reader and replayer of swiotlb slot traces (docs/formats.md,
 * docs/swiotlb.md): pool / map / unmap / used, one output line per
 * operation. Uses only the public libphyr API; shared by phyr-sim and the
 * fuzz target.
 */
#ifndef PHYR_SIM_SWIOTLB_TRACE_H
#define PHYR_SIM_SWIOTLB_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include <phyr/swiotlb.h>

#include "cli.h"
#include "out.h"

/* Physical (and DMA) address of the modelled bounce buffer. */
#define SWIOTLB_TRACE_POOL_START UINT64_C(0x80000000)

struct swiotlb_trace_opts {
	uint64_t max_nslabs;   /* largest pool a `pool` op may build */
	FILE *out;             /* one line per operation */
	/* with --json: one item per operation instead of the lines (or NULL) */
	struct cli_jstream *json;
	/* out: the last pool's counters (valid if have_stats) */
	struct phyr_swiotlb_stats stats;
	int have_stats;
};

/*
 * Replays every operation of @r. Returns 0; CLI_EXIT_BADINPUT after printing
 * "FILE:LINE: message" for malformed input; 1 after printing a message for
 * a read or allocation failure.
 */
int swiotlb_trace_replay(struct cli_reader *r, struct swiotlb_trace_opts *opts);

#endif /* PHYR_SIM_SWIOTLB_TRACE_H */
