// SPDX-License-Identifier: MIT
/*
 * phyr-sim experiment: published results re-derived in the model. The
 * command runs one built-in experiment (or all of them), prints the
 * published figure, the model's figure, their ratio and a one-line verdict,
 * the table of points behind it, and optionally a JSON document and a
 * gnuplot rendering. The experiments live in exp-iova.c and exp-dma.c;
 * docs/experiments.md cites their sources and reads their results.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "exp.h"
#include "opt.h"
#include "out.h"

const struct experiment experiments[] = {
	{ "peng-augmented", "Augmented rb-tree IOVA allocation, ~300k live IOVAs (Peng Zhang, 2022)",
	  exp_peng },
	{ "eiovar-ring", "Linear-time IOVA allocation under a NIC-ring pattern (EiovaR, FAST'15)",
	  exp_eiovar },
	{ "magazines", "Memory held by IOVA magazines on a 128-CPU host (Pasha Tatashin, 2024)",
	  exp_magazines },
	{ "opt-mapping", "Mappings above the rcache limit and dma_opt_mapping_size (John Garry, 2022)",
	  exp_optsize },
	{ "strict-lazy", "Per-I/O mapping cost: strict vs lazy vs pre-mapped (io_uring dmabuf, 2025)",
	  exp_strict },
	{ "phyr-memory", "Scatterlist vs phyr memory for RDMA (Phyr Starter thread, 2022)", exp_phyrmem },
};

const unsigned nexperiments = sizeof(experiments) / sizeof(experiments[0]);

static const char *const verdict_names[] = { "reproduced", "same shape", "differs" };

/* ---- helpers for the experiments ---- */

void exp_table_init(struct exp_table *t, const char *label_name, unsigned ncols, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->label_name = label_name;
	t->ncols = ncols < EXP_MAX_COLS ? ncols : EXP_MAX_COLS;
	va_start(ap, ncols);
	for (unsigned i = 0; i < t->ncols; i++)
		t->cols[i] = va_arg(ap, const char *);
	va_end(ap);
}

int exp_table_row(struct exp_table *t, const char *label, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		unsigned cap = t->cap ? 2 * t->cap : 8;
		double *v = realloc(t->v, (size_t)cap * EXP_MAX_COLS * sizeof(*v));
		char (*l)[EXP_LABEL];

		if (!v)
			return -ENOMEM;
		t->v = v;
		l = realloc(t->labels, (size_t)cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		t->labels = l;
		t->cap = cap;
	}
	snprintf(t->labels[t->nrows], EXP_LABEL, "%s", label);
	va_start(ap, label);
	for (unsigned i = 0; i < t->ncols; i++)
		t->v[t->nrows * EXP_MAX_COLS + i] = va_arg(ap, double);
	va_end(ap);
	t->nrows++;
	return 0;
}

double exp_table_at(const struct exp_table *t, unsigned row, unsigned col)
{
	return t->v[row * EXP_MAX_COLS + col];
}

void exp_table_free(struct exp_table *t)
{
	free(t->v);
	free(t->labels);
	memset(t, 0, sizeof(*t));
}

void exp_printf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, EXP_TEXT, fmt, ap);
	va_end(ap);
}

enum exp_verdict exp_judge(double ratio, bool shape_holds)
{
	if (ratio >= 0.8 && ratio <= 1.25)
		return EXP_REPRODUCED;
	return shape_holds ? EXP_SAME_SHAPE : EXP_DIFFERS;
}

/* ---- the command ---- */

static void usage(FILE *f)
{
	fputs("usage: phyr-sim experiment [--quick] [--json] [--plot FILE] NAME|all\n"
	      "       phyr-sim experiment --list\n"
	      "\n"
	      "Re-derives a published result in the model: runs the workload the\n"
	      "publication describes through libphyr and prints the published figure,\n"
	      "the model's figure, their ratio (model / published), a one-line verdict\n"
	      "(reproduced: ratio within 0.8..1.25; same shape: the direction or the\n"
	      "order holds but not the size; differs) with its reason, the setup, a\n"
	      "reading and the table of points. Figures standing in for time are\n"
	      "deterministic (tree nodes visited, modelled ns of a stated cost model,\n"
	      "bytes): the same command prints the same numbers on every machine.\n"
	      "\n"
	      "Experiments (sources, setups and readings: docs/experiments.md):\n",
	      f);
	for (unsigned i = 0; i < nexperiments; i++)
		fprintf(f, "  %-15s %s\n", experiments[i].name, experiments[i].title);
	fputs("\n"
	      "Options:\n"
	      "  --list       the experiment names, one per line\n"
	      "  --quick      reduced sizes (what the tests run); the full run of 'all'\n"
	      "               takes under a minute\n"
	      "  --json       one JSON document: command, version, config and\n"
	      "               \"experiments\", each with name, title, source, setup,\n"
	      "               published {value, unit, what}, model {value, unit, what},\n"
	      "               ratio, verdict, why, reading and table {label, columns,\n"
	      "               rows}\n"
	      "  --plot FILE  render the table with gnuplot; the format follows the\n"
	      "               extension (.png, .svg, .pdf); with 'all', FILE-NAME.EXT per\n"
	      "               experiment. Without gnuplot: a message and exit status 1\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  phyr-sim experiment --quick phyr-memory\n"
	      "  phyr-sim experiment all --json > experiments.json\n",
	      f);
}

enum { OPT_LIST = 256, OPT_QUICK, OPT_JSON, OPT_PLOT };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "plot", required_argument, NULL, OPT_PLOT },
	{ 0 },
};

static const struct cli_cmd exp_cmd = { "experiment", "h", longopts, usage };

static void print_figure(const char *name, const struct exp_figure *f)
{
	printf("  %-10s %.4g %s: %s\n", name, f->value, f->unit, f->what);
}

static void print_wrapped(const char *head, const char *text)
{
	const char *p = text;
	int col = 0;

	printf("  %-10s ", head);
	col = 13;
	while (*p) {
		size_t w = strcspn(p, " ");

		if (col + (int)w > 96 && col > 13) {
			printf("\n%13s", "");
			col = 13;
		}
		printf("%.*s", (int)w, p);
		col += (int)w;
		p += w;
		if (*p == ' ') {
			putchar(' ');
			col++;
			p++;
		}
	}
	putchar('\n');
}

static void print_number(double v, int w)
{
	if (isnan(v))
		printf(" %*s", w, "-");
	else if (v != 0 && (fabs(v) >= 1e7 || fabs(v) < 0.01))
		printf(" %*.4g", w, v);
	else if (v == floor(v))
		printf(" %*.0f", w, v);
	else
		printf(" %*.3f", w, v);
}

static int col_width(const struct exp_table *t, unsigned c)
{
	int w = (int)strlen(t->cols[c]);

	return w < 10 ? 10 : w;
}

static void print_result(const struct experiment *e, const struct exp_result *r)
{
	const struct exp_table *t = &r->t;

	printf("%s: %s\n", e->name, e->title);
	print_wrapped("source:", r->source);
	print_wrapped("setup:", r->setup);
	print_figure("published:", &r->published);
	print_figure("model:", &r->model);
	printf("  %-10s %.3f (model / published)\n", "ratio:", r->ratio);
	printf("  %-10s %s: %s\n", "verdict:", verdict_names[r->verdict], r->why);
	print_wrapped("reading:", r->reading);
	printf("\n  %-26s", t->label_name);
	for (unsigned c = 0; c < t->ncols; c++)
		printf(" %*s", col_width(t, c), t->cols[c]);
	printf("\n");
	for (unsigned i = 0; i < t->nrows; i++) {
		printf("  %-26s", t->labels[i]);
		for (unsigned c = 0; c < t->ncols; c++)
			print_number(exp_table_at(t, i, c), col_width(t, c));
		printf("\n");
	}
	printf("\n");
}

static void json_number(json_object *o, const char *key, double v)
{
	if (isnan(v) || isinf(v))
		json_object_object_add(o, key, NULL);
	else
		cli_json_double(o, key, v);
}

static json_object *json_figure(const struct exp_figure *f)
{
	json_object *o = json_object_new_object();

	json_number(o, "value", f->value);
	cli_json_str(o, "unit", f->unit);
	cli_json_str(o, "what", f->what);
	return o;
}

static json_object *json_result(const struct experiment *e, const struct exp_result *r)
{
	json_object *o = json_object_new_object(), *t, *cols, *rows;

	cli_json_str(o, "name", e->name);
	cli_json_str(o, "title", e->title);
	cli_json_str(o, "source", r->source);
	cli_json_str(o, "setup", r->setup);
	json_object_object_add(o, "published", json_figure(&r->published));
	json_object_object_add(o, "model", json_figure(&r->model));
	json_number(o, "ratio", r->ratio);
	cli_json_str(o, "verdict", verdict_names[r->verdict]);
	cli_json_str(o, "why", r->why);
	cli_json_str(o, "reading", r->reading);
	t = cli_json_obj(o, "table");
	cli_json_str(t, "label", r->t.label_name);
	cols = cli_json_arr(t, "columns");
	for (unsigned c = 0; c < r->t.ncols; c++)
		json_object_array_add(cols, json_object_new_string(r->t.cols[c]));
	rows = cli_json_arr(t, "rows");
	for (unsigned i = 0; i < r->t.nrows; i++) {
		json_object *row = json_object_new_object();

		cli_json_str(row, r->t.label_name, r->t.labels[i]);
		for (unsigned c = 0; c < r->t.ncols; c++)
			json_number(row, r->t.cols[c], exp_table_at(&r->t, i, c));
		json_object_array_add(rows, row);
	}
	return o;
}

/* ---- --plot ---- */

static bool gnuplot_found(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && n + sizeof("/gnuplot") < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, path);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* The gnuplot terminal for @path's extension, NULL if not png/svg/pdf. */
static const char *plot_terminal(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return NULL;
	if (strcmp(dot, ".png") == 0)
		return "pngcairo size 1200,700 noenhanced";
	if (strcmp(dot, ".svg") == 0)
		return "svg size 1200,700 noenhanced";
	if (strcmp(dot, ".pdf") == 0)
		return "pdfcairo size 12in,7in noenhanced";
	return NULL;
}

/* @path with "-@name" before its extension. */
static char *plot_path(const char *path, const char *name, bool several)
{
	const char *dot = strrchr(path, '.');
	size_t n = strlen(path) + strlen(name) + 2;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (several)
		snprintf(s, n, "%.*s-%s%s", (int)(dot - path), path, name, dot);
	else
		snprintf(s, n, "%s", path);
	return s;
}

/* @s as a single-quoted gnuplot string ('' stands for a quote). */
static void gp_quoted(FILE *gp, const char *s)
{
	fputc('\'', gp);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', gp);
		if (*s != '\n')
			fputc(*s, gp);
	}
	fputc('\'', gp);
}

static int plot_result(const struct experiment *e, const struct exp_result *r, const char *path)
{
	const struct exp_table *t = &r->t;
	const struct exp_plot *p = &r->plot;
	char data[] = "/tmp/phyr-experiment-XXXXXX";
	FILE *d, *gp;
	int fd, status;

	fd = mkstemp(data);
	if (fd < 0 || !(d = fdopen(fd, "w"))) {
		perror("phyr-sim experiment: --plot: temporary file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (unsigned i = 0; i < t->nrows; i++) {
		fprintf(d, "\"%s\"", t->labels[i]);
		for (unsigned c = 0; c < t->ncols; c++) {
			double v = exp_table_at(t, i, c);

			if (isnan(v) || (p->logy && v <= 0))
				fprintf(d, " NaN");
			else
				fprintf(d, " %.9g", v);
		}
		fprintf(d, "\n");
	}
	fclose(d);
	gp = popen("gnuplot", "w");
	if (!gp) {
		perror("phyr-sim experiment: --plot: gnuplot");
		unlink(data);
		return -1;
	}
	fprintf(gp, "set terminal %s\nset output ", plot_terminal(path));
	gp_quoted(gp, path);
	fprintf(gp, "\nset title ");
	gp_quoted(gp, e->title);
	fprintf(gp, "\nset xlabel ");
	gp_quoted(gp, p->xlabel);
	fprintf(gp, "\nset ylabel ");
	gp_quoted(gp, p->ylabel);
	fprintf(gp, "\nset grid\nset key outside right top\n");
	fprintf(gp, "set datafile missing 'NaN'\n");
	if (p->logx)
		fprintf(gp, "set logscale x 2\n");
	if (p->logy)
		fprintf(gp, "set logscale y\nset format y '%%g'\n");
	if (p->x < 0) {
		fprintf(gp, "set style data histograms\nset style histogram clustered gap 1\n"
			    "set style fill solid 0.8 border -1\nset xtics rotate by -20\n"
			    "set yrange [%s:*]\nplot ",
			p->logy ? "*" : "0");
		for (unsigned k = 0; k < p->nys; k++) {
			fprintf(gp, "%s'%s' using %u:xtic(1) title ", k ? ", " : "", data, p->ys[k] + 2);
			gp_quoted(gp, t->cols[p->ys[k]]);
		}
	} else {
		fprintf(gp, "plot ");
		for (unsigned k = 0; k < p->nys; k++) {
			fprintf(gp, "%s'%s' using %d:%u with linespoints lw 2 title ", k ? ", " : "", data,
				p->x + 2, p->ys[k] + 2);
			gp_quoted(gp, t->cols[p->ys[k]]);
		}
	}
	fprintf(gp, "\n");
	status = pclose(gp);
	unlink(data);
	if (status != 0) {
		fprintf(stderr, "phyr-sim experiment: --plot: gnuplot failed (status %d)\n", status);
		return -1;
	}
	return 0;
}

int cmd_experiment(int argc, char **argv)
{
	bool list = false, quick = false, json = false;
	const char *plot = NULL, *name;
	const struct experiment *run[sizeof(experiments) / sizeof(experiments[0])];
	unsigned nrun = 0;
	json_object *doc = NULL, *arr = NULL;
	int c, status = 0;

	cli_opt_start();
	while ((c = cli_getopt(&exp_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&exp_cmd);
		case OPT_LIST:
			list = true;
			break;
		case OPT_QUICK:
			quick = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_PLOT:
			plot = optarg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (list) {
		if (cli_operands(&exp_cmd, argc, argv, 0, 0))
			return CLI_EXIT_USAGE;
		for (unsigned i = 0; i < nexperiments; i++)
			printf("%s\n", experiments[i].name);
		return 0;
	}
	if (cli_operands(&exp_cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	name = argv[optind];
	for (unsigned i = 0; i < nexperiments; i++)
		if (strcmp(name, "all") == 0 || strcmp(name, experiments[i].name) == 0)
			run[nrun++] = &experiments[i];
	if (!nrun)
		return cli_bad_value(&exp_cmd, "NAME", name, "an experiment of --list, or all");
	if (plot && (!plot_terminal(plot) || strchr(plot, '\n')))
		return cli_bad_value(&exp_cmd, "plot", plot, "a file name ending in .png, .svg or .pdf");
	if (plot && !gnuplot_found()) {
		fprintf(stderr, "phyr-sim experiment: --plot needs gnuplot, which is not installed "
				"(Debian: apt-get install gnuplot-nox); nothing run\n");
		return 1;
	}
	if (json) {
		json_object *cfg, *names;

		doc = cli_doc_new(exp_cmd.name);
		cfg = cli_doc_config(doc);
		names = cli_json_arr(cfg, "experiments");
		for (unsigned i = 0; i < nrun; i++)
			json_object_array_add(names, json_object_new_string(run[i]->name));
		cli_json_bool(cfg, "quick", quick);
		cli_json_str(cfg, "plot", plot);
		arr = cli_json_arr(doc, "experiments");
	}
	for (unsigned i = 0; i < nrun; i++) {
		struct exp_result r;
		int ret;

		memset(&r, 0, sizeof(r));
		ret = run[i]->run(quick, &r);
		if (ret) {
			fprintf(stderr, "phyr-sim experiment: %s failed: %s\n", run[i]->name, strerror(-ret));
			exp_table_free(&r.t);
			json_object_put(doc);
			if (json)
				cli_json_error(exp_cmd.name, NULL, 0, "an experiment failed");
			return 1;
		}
		if (json)
			json_object_array_add(arr, json_result(run[i], &r));
		else
			print_result(run[i], &r);
		if (plot) {
			char *path = plot_path(plot, run[i]->name, nrun > 1);

			if (!path || plot_result(run[i], &r, path))
				status = 1;
			else if (!json)
				printf("  plot: %s\n\n", path);
			free(path);
		}
		exp_table_free(&r.t);
		fflush(stdout);
	}
	if (json && cli_doc_print(doc, stdout)) {
		fprintf(stderr, "phyr-sim experiment: write error\n");
		return 1;
	}
	if (!json && (fflush(stdout) != 0 || ferror(stdout))) {
		fprintf(stderr, "phyr-sim experiment: write error\n");
		return 1;
	}
	return status;
}
