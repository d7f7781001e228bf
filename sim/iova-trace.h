/* SPDX-License-Identifier: MIT */
/*
 * IOVA trace replay (format: docs/formats.md, docs/iova.md):
 * reads ops, runs them on a libphyr IOVA domain, prints one line per op.
 * Ops may name their range by a handle (`alloc 1 0xfffff 1 as buf` ...
 * `free buf`) instead of a pfn, so that one trace runs under every policy.
 * Separate from cmd-iova.c so that the fuzz target can compile it.
 */
#ifndef PHYR_SIM_IOVA_TRACE_H
#define PHYR_SIM_IOVA_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include <phyr/iova.h>

#include "out.h"

struct iova_trace_opts {
	unsigned int ncpus;                         /* CPUs of the machine (default 4) */
	const struct phyr_iova_policy_ops *policy;  /* NULL = linux */
	const struct phyr_allocator *alloc;         /* NULL = malloc */
	/* with --json: one item per op instead of the lines (or NULL) */
	struct cli_jstream *json;
	/*
	 * out: the counters summed over every domain the trace created (each
	 * domain's counters taken when the next `init` or the end of the
	 * trace destroys it; the gauges nnodes, npages and nmagazines are
	 * summed the same way), and how many domains that was.
	 */
	struct phyr_iova_stats total;
	unsigned long ndomains;
	/*
	 * out, optional: a JSON array the replay appends one object per
	 * domain to ({"line", "granule", "start_pfn", "stats"}), or NULL.
	 */
	json_object *domains;
};

/*
 * Replays the trace read from @in (named @path in messages) and prints
 * results on @out. Returns 0, or 2 after printing "PATH:LINE: message" on
 * @err (and recording it for cli_json_error_last()) for malformed input.
 */
int iova_trace_replay(FILE *in, const char *path, FILE *out, FILE *err,
		      struct iova_trace_opts *opts);

/* @st as a JSON object of numbers, in struct order (the --stats lines). */
json_object *iova_stats_json(const struct phyr_iova_stats *st);

/* True if @s is a handle name: [A-Za-z_][A-Za-z0-9_]*. */
bool iova_trace_is_handle(const char *s);

#endif /* PHYR_SIM_IOVA_TRACE_H */
