/* SPDX-License-Identifier: MIT */
/*
 * The value parsers of phyr-sim's command-line options, kept apart from the
 * commands so the fuzz target can call them. Each parses the whole string,
 * returns 0 with the result in the out-parameter(s), or -1 (nothing
 * written) for a value the option refuses; the caller prints the message.
 */
#ifndef PHYR_SIM_CLI_OPTS_H
#define PHYR_SIM_CLI_OPTS_H

#include <stdint.h>

#include <phyr/iova.h>

/* --iotlb ENTRIES,WAYS: both >= 1, ENTRIES a multiple of WAYS, <= 2^24. */
int cli_opt_iotlb(const char *s, unsigned *entries, unsigned *ways);

/* --cpus N: 1..PHYR_IOVA_MAX_CPUS. */
int cli_opt_cpus(const char *s, unsigned *n);

/* --policy NAME: linux, augmented, buddy. */
int cli_opt_policy(const char *s, const struct phyr_iova_policy_ops **p);

/*
 * --mode LIST: comma-separated names out of @names[0..@n) (n <= 32), or
 * "all" (every bit) or "none" (0); bit i set for names[i]. No empty item.
 */
int cli_opt_modes(const char *s, const char *const *names, unsigned n, unsigned *bits);

/* --size SIZE: a size with an optional K/M/G/T/P suffix, 4 KiB to 1 PiB. */
int cli_opt_mem_size(const char *s, uint64_t *bytes);

/* --chunk BYTES: a multiple of 8 from 32 to 65536. */
int cli_opt_chunk(const char *s, uint32_t *bytes);

/* --frag PERMILLE: 0..1000. */
int cli_opt_frag(const char *s, uint32_t *permille);

/* --seed N, --steps N: any unsigned 64-bit number, decimal or 0x hex. */
int cli_opt_u64(const char *s, uint64_t *v);

/* --max-table-bytes SIZE: a size with an optional suffix, at least 4 KiB. */
int cli_opt_budget(const char *s, uint64_t *bytes);

/* The file formats of --plot, picked from the file name's extension. */
enum cli_plot_format {
	CLI_PLOT_PNG = 0,
	CLI_PLOT_SVG,
	CLI_PLOT_PDF,
};

/*
 * --plot FILE: a name ending in .png, .svg or .pdf (any case) with at
 * least one character before the dot and no quote (') or newline (it is
 * written into a gnuplot script); *fmt is the format of the extension.
 */
int cli_opt_plot_file(const char *s, enum cli_plot_format *fmt);

/* --plot-side SIDE: cpu (1), dma (2) or both (3). */
int cli_opt_plot_side(const char *s, unsigned *side);

#endif /* PHYR_SIM_CLI_OPTS_H */
