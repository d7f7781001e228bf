/* SPDX-License-Identifier: MIT */
/*
 * phyr-sim experiment: built-in experiments that re-derive a published
 * result in the model. Each one runs the publication's workload through the
 * public libphyr API (and the existing sim workloads), fills a struct
 * exp_result with the published figure, the model's figure, their ratio, a
 * verdict and a table of points, and says how to plot the table. The
 * figures standing in for time are deterministic (tree nodes visited,
 * modelled ns of a stated cost model, bytes): never wall-clock.
 */
#ifndef PHYR_SIM_EXP_H
#define PHYR_SIM_EXP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXP_MAX_COLS 8
#define EXP_LABEL 40
#define EXP_TEXT 2048

/* One figure with its unit and what it is. */
struct exp_figure {
	double value;
	const char *unit;
	char what[EXP_TEXT];
};

/* The table of points: @ncols named columns of numbers, one label per row. */
struct exp_table {
	const char *label_name;          /* header of the label column */
	const char *cols[EXP_MAX_COLS];  /* column names (JSON keys too) */
	unsigned ncols;
	char (*labels)[EXP_LABEL];
	double *v;                       /* nrows x ncols, row major */
	unsigned nrows, cap;
};

/* How --plot draws the table. */
struct exp_plot {
	int x;                 /* column plotted on x; -1 = the row labels as categories */
	unsigned ys[EXP_MAX_COLS];
	unsigned nys;          /* columns plotted on y */
	bool logx, logy;
	const char *xlabel, *ylabel;
};

enum exp_verdict { EXP_REPRODUCED, EXP_SAME_SHAPE, EXP_DIFFERS };

struct exp_result {
	const char *source;    /* citation: who, what, where, when */
	char setup[EXP_TEXT];  /* the workload as run */
	struct exp_figure published;
	struct exp_figure model;
	double ratio;          /* model / published */
	enum exp_verdict verdict;
	char why[EXP_TEXT];    /* the verdict's one-line reason */
	char reading[EXP_TEXT];
	struct exp_table t;
	struct exp_plot plot;
};

struct experiment {
	const char *name;
	const char *title;
	/* Fills @r (zeroed by the caller). @quick: reduced sizes for tests. 0 or -errno. */
	int (*run)(bool quick, struct exp_result *r);
};

extern const struct experiment experiments[];
extern const unsigned nexperiments;

/* Table helpers (cmd-experiment.c). */
void exp_table_init(struct exp_table *t, const char *label_name, unsigned ncols, ...);
/* Appends a row of t->ncols values; returns 0 or -ENOMEM. */
int exp_table_row(struct exp_table *t, const char *label, ...);
void exp_table_free(struct exp_table *t);
double exp_table_at(const struct exp_table *t, unsigned row, unsigned col);
/* snprintf into a fixed buffer of @r. */
void exp_printf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The verdict from the ratio: within [0.8, 1.25] reproduced, else @shape_holds ? same shape : differs. */
enum exp_verdict exp_judge(double ratio, bool shape_holds);

/* The experiments (exp-iova.c, exp-dma.c). */
int exp_peng(bool quick, struct exp_result *r);
int exp_eiovar(bool quick, struct exp_result *r);
int exp_magazines(bool quick, struct exp_result *r);
int exp_optsize(bool quick, struct exp_result *r);
int exp_strict(bool quick, struct exp_result *r);
int exp_phyrmem(bool quick, struct exp_result *r);

#endif /* PHYR_SIM_EXP_H */
