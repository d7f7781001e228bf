/* SPDX-License-Identifier: MIT */
/* phyr-sim capture replay --plot / --plot-data (capture-plot.c). */
#ifndef PHYR_SIM_CAPTURE_PLOT_H
#define PHYR_SIM_CAPTURE_PLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Most domains drawn; the samples of others are counted and left out. */
#define CAPTURE_PLOT_MAX_SERIES 64

struct capture_plot_series {
	char label[64];
	FILE *f;
};

struct capture_plot {
	const char *out;   /* absolute path of the plot, or NULL (--plot-data alone) */
	int fmt;           /* enum cli_plot_format */
	char dir[4096];    /* where the data and capture.gp go */
	bool keep;         /* --plot-data: leave them there */
	bool failed;
	bool t0_set;
	uint64_t t0;
	uint64_t ndropped;
	unsigned nseries;
	struct capture_plot_series series[CAPTURE_PLOT_MAX_SERIES];
};

/* Starts a plot into @out (format @fmt), data in @data_dir (kept) or a
 * temporary directory. 0 or -1 (message printed). */
int capture_plot_open(struct capture_plot *p, const char *out, int fmt, const char *data_dir);
/* One sample of domain @label: live IOVA ranges at @ts_ns. */
void capture_plot_sample(struct capture_plot *p, const char *label, uint64_t ts_ns, uint64_t live);
/* Writes the script, runs gnuplot when @draw and a plot was asked for,
 * removes the temporary files. 0 or -1 (message printed). */
int capture_plot_close(struct capture_plot *p, bool draw);

#endif /* PHYR_SIM_CAPTURE_PLOT_H */
