/* SPDX-License-Identifier: MIT */
/*
 * IOVA trace replay (format: docs/formats.md, docs/iova.md):
 * reads ops, runs them on a libphyr IOVA domain, prints one line per op.
 * Separate from cmd-iova.c so that the fuzz target can compile it.
 */
#ifndef PHYR_SIM_IOVA_TRACE_H
#define PHYR_SIM_IOVA_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include <phyr/iova.h>

struct iova_trace_opts {
	unsigned int ncpus;                         /* CPUs of the machine (default 4) */
	const struct phyr_iova_policy_ops *policy;  /* NULL = linux */
	const struct phyr_allocator *alloc;         /* NULL = malloc */
	bool json;   /* results as one JSON document instead of lines */
	bool stats;  /* counters of the last domain on @err at the end */
};

/*
 * Replays the trace read from @in (named @path in messages) and prints
 * results on @out. Returns 0, or 2 after printing "PATH:LINE: message" on
 * @err for malformed input.
 */
int iova_trace_replay(FILE *in, const char *path, FILE *out, FILE *err,
		      const struct iova_trace_opts *opts);

/* Prints @st as "name value" lines (or a JSON object when @json). */
void iova_print_stats(FILE *f, const struct phyr_iova_stats *st, bool json);

#endif /* PHYR_SIM_IOVA_TRACE_H */
