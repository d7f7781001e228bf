// SPDX-License-Identifier: MIT
/*
 * Plots of `phyr-sim mem` through gnuplot (docs/mem.md, "Plots"): bar
 * charts of bytes per 4 KiB page, the CPU side (one bar per workload and
 * representation) and the DMA side (one chart per selected mode, one bar
 * per workload and representation of the mapped state).
 *
 * The data files and the script are plain text in one directory: the
 * script names the data files without a directory, so `gnuplot mem.gp` run
 * in that directory redraws the plot. gnuplot is an optional runtime
 * tool, run as a child process; the format follows the file name's
 * extension (png: pngcairo where gnuplot has it, else png; svg; pdf:
 * pdfcairo).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli-opts.h"
#include "mem.h"

#define PLOT_SCRIPT "mem.gp"
#define PLOT_CPU_DATA "mem-cpu.dat"
/* The name of mode @m's DMA-side data file. */
#define PLOT_DMA_DATA_FMT "mem-dma-%s.dat"
/* What a log-scale bar of 0 bytes is drawn as. */
#define PLOT_ZERO 1e-6

/* Looks for @prog in PATH. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		return false;
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && n + strlen(prog) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static double bar(double v)
{
	return v > 0 ? v : PLOT_ZERO;
}

/* Opens @name in @dir for writing; prints why not. */
static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "phyr-sim mem: --plot-data: cannot write %s: %s\n", path,
			strerror(errno));
	return f;
}

/* Closes @f; prints and returns -1 when something was not written. */
static int close_checked(FILE *f, const char *dir, const char *name)
{
	bool bad = ferror(f) != 0;

	if (fclose(f) || bad) {
		fprintf(stderr, "phyr-sim mem: --plot-data: write error on %s/%s\n", dir, name);
		return -1;
	}
	return 0;
}

static void header(FILE *f, const struct mem_result *r, unsigned n)
{
	fprintf(f, "representation");
	for (unsigned k = 0; k < n; k++)
		fprintf(f, " %s", r[k].w->name);
	fprintf(f, "\n");
}

static int write_cpu(const char *dir, const struct mem_result *r, unsigned n)
{
	FILE *f = open_in(dir, PLOT_CPU_DATA);

	if (!f)
		return -1;
	header(f, r, n);
	for (int i = 0; i < PHYR_REPR_COUNT; i++) {
		fprintf(f, "%s", phyr_repr_name((enum phyr_repr)i));
		for (unsigned k = 0; k < n; k++) {
			const struct mem_result *x = &r[k];
			double v = x->t.npages ? (double)x->cost[i].nbytes / (double)x->t.npages : 0;

			fprintf(f, " %.6f", bar(v));
		}
		fprintf(f, "\n");
	}
	return close_checked(f, dir, PLOT_CPU_DATA);
}

/* Mode @m: one row per DMA representation; n/a cells are NaN (no bar). */
static int write_dma(const char *dir, int m, const struct mem_result *r, unsigned n)
{
	char name[64];
	FILE *f;

	snprintf(name, sizeof(name), PLOT_DMA_DATA_FMT, mem_mode_names[m]);
	f = open_in(dir, name);
	if (!f)
		return -1;
	header(f, r, n);
	for (int i = 0; i < MEM_DREP_COUNT; i++) {
		fprintf(f, "%s", mem_drep_names[i]);
		for (unsigned k = 0; k < n; k++) {
			const struct mem_result *x = &r[k];
			const struct mem_dma_cell *c = &x->dma[m].cell[i];
			double v = x->t.npages ? (double)(c->cpu_bytes + c->dma_bytes) /
						 (double)x->t.npages : 0;

			if (c->na)
				fprintf(f, " NaN");
			else
				fprintf(f, " %.6f", bar(v));
		}
		fprintf(f, "\n");
	}
	return close_checked(f, dir, name);
}

/* Whether workload @x has a bar in mode @m's chart (a failed mapping
 * leaves every cell n/a, and gnuplot refuses a histogram column without
 * one valid point). */
static bool has_bar(const struct mem_result *x, int m)
{
	for (int i = 0; i < MEM_DREP_COUNT; i++)
		if (!x->dma[m].cell[i].na)
			return true;
	return false;
}

/* Whether mode @m gets a DMA-side chart. */
static bool dma_chart(const struct mem_config *cfg, int m, const struct mem_result *r, unsigned n)
{
	if (!(cfg->plot_side & MEM_PLOT_DMA) || !(cfg->modes & (1u << m)))
		return false;
	for (unsigned k = 0; k < n; k++)
		if (has_bar(&r[k], m))
			return true;
	return false;
}

static unsigned npanels(const struct mem_config *cfg, const struct mem_result *r, unsigned n)
{
	unsigned p = cfg->plot_side & MEM_PLOT_CPU ? 1 : 0;

	for (int m = 0; m < MEM_MODE_COUNT; m++)
		p += dma_chart(cfg, m, r, n);
	return p;
}

/* One chart of @file: a bar per workload (column k + 2), in the same
 * colour in every chart; @m < 0: the CPU side, else only the workloads
 * with a bar in mode @m. */
static void plot_cmd(FILE *f, const char *file, int m, const struct mem_result *r, unsigned n)
{
	bool first = true;

	fprintf(f, "plot");
	for (unsigned k = 0; k < n; k++) {
		if (m >= 0 && !has_bar(&r[k], m))
			continue;
		if (first)
			fprintf(f, " '%s' using %u:xtic(1)", file, k + 2);
		else
			fprintf(f, ", \\\n     '' using %u", k + 2);
		fprintf(f, " title columnheader(%u) linecolor %u", k + 2, k + 1);
		first = false;
	}
	fprintf(f, "\n");
}

/* The terminal line for @fmt, sized for @rows rows of @cols charts. */
static void terminal(FILE *f, int fmt, unsigned rows, unsigned cols)
{
	unsigned w = 1400 * cols, h = 700 * rows;

	switch (fmt) {
	case CLI_PLOT_SVG:
		fprintf(f, "set terminal svg size %u,%u noenhanced\n", w, h);
		break;
	case CLI_PLOT_PDF:
		fprintf(f, "set terminal pdfcairo size %uin,%uin noenhanced\n", w / 100, h / 100);
		break;
	default:
		fprintf(f, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
			   "  set terminal pngcairo size %u,%u noenhanced\n"
			   "} else {\n"
			   "  set terminal png size %u,%u noenhanced\n"
			   "}\n", w, h, w, h);
		break;
	}
}

/* The gnuplot script; @out is the plot's path as the script names it. */
static int write_script(const char *dir, const struct mem_config *cfg, const char *out,
			const struct mem_result *r, unsigned n)
{
	unsigned panels = npanels(cfg, r, n), cols = panels > 1 ? 2 : 1;
	unsigned rows = (panels + cols - 1) / cols;
	FILE *f;

	if (!panels) {
		fprintf(stderr, "phyr-sim mem: --plot-side dma: the mapping fails in every mode "
				"shown; nothing to plot\n");
		return -1;
	}
	f = open_in(dir, PLOT_SCRIPT);
	if (!f)
		return -1;
	fprintf(f, "# phyr-sim mem: bytes per 4 KiB page. Redraw: gnuplot " PLOT_SCRIPT
		   " in this directory.\n");
	terminal(f, cfg->plot ? cfg->plot_format : CLI_PLOT_PNG, rows, cols);
	fprintf(f, "set output '%s'\n"
		   "set style data histograms\nset style histogram clustered gap 1\n"
		   "set style fill solid 0.8 border -1\nset logscale y\n"
		   "set ylabel 'bytes per 4 KiB page'\nset format y '%%g'\nset xtics rotate by -30\n"
		   "set key outside right top\nset grid ytics\n", out);
	if (panels > 1)
		fprintf(f, "set multiplot layout %u,%u title 'phyr-sim mem: bytes per 4 KiB page "
			   "(log scale)'\n", rows, cols);
	if (cfg->plot_side & MEM_PLOT_CPU) {
		fprintf(f, "set title '%s'\n", panels > 1 ? "CPU side: the page list" :
			"phyr-sim mem: bytes per 4 KiB page (log scale)");
		plot_cmd(f, PLOT_CPU_DATA, -1, r, n);
	}
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		char name[64];

		if (!dma_chart(cfg, m, r, n))
			continue;
		snprintf(name, sizeof(name), PLOT_DMA_DATA_FMT, mem_mode_names[m]);
		fprintf(f, "set title 'DMA side, %s: mapped state, CPU list included%s'\n",
			mem_mode_names[m], panels > 1 ? "" : " (log scale)");
		plot_cmd(f, name, m, r, n);
	}
	if (panels > 1)
		fprintf(f, "unset multiplot\n");
	return close_checked(f, dir, PLOT_SCRIPT);
}

/* Runs `gnuplot mem.gp` in @dir (its stdout to our stderr). */
static int run_gnuplot(const char *dir)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("phyr-sim mem: --plot: fork");
		return -1;
	}
	if (pid == 0) {
		if (chdir(dir) || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", PLOT_SCRIPT, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("phyr-sim mem: --plot: waitpid");
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "phyr-sim mem: --plot: gnuplot failed (%s %d); no plot written\n",
			WIFEXITED(status) ? "exit status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

/* Removes what write_*() put into the temporary directory @dir, and @dir. */
static void remove_tmp(const char *dir)
{
	char path[4096 + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, PLOT_SCRIPT);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", dir, PLOT_CPU_DATA);
	unlink(path);
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		snprintf(path, sizeof(path), "%s/" PLOT_DMA_DATA_FMT, dir, mem_mode_names[m]);
		unlink(path);
	}
	rmdir(dir);
}

/* @path as an absolute path in @buf (gnuplot runs in another directory). */
static int absolute(const char *path, char *buf, size_t len)
{
	char cwd[4096];

	if (path[0] == '/') {
		snprintf(buf, len, "%s", path);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("phyr-sim mem: --plot: getcwd");
		return -1;
	}
	if (strchr(cwd, '\'') || strchr(cwd, '\n') ||
	    (size_t)snprintf(buf, len, "%s/%s", cwd, path) >= len) {
		fprintf(stderr, "phyr-sim mem: --plot: unusable working directory '%s'; "
				"give an absolute --plot path\n", cwd);
		return -1;
	}
	return 0;
}

int mem_plot(const struct mem_config *cfg, const struct mem_result *r, unsigned n)
{
	char tmp[4096], out[4096];
	const char *dir = cfg->plot_data;
	int ret = 0;

	if (cfg->plot && absolute(cfg->plot, out, sizeof(out)))
		return -1;
	if (!dir) {
		const char *t = getenv("TMPDIR");

		snprintf(tmp, sizeof(tmp), "%s/phyr-mem-plot-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmp)) {
			perror("phyr-sim mem: --plot: temporary directory");
			return -1;
		}
		dir = tmp;
	}
	if (cfg->plot_side & MEM_PLOT_CPU)
		ret = write_cpu(dir, r, n);
	for (int m = 0; m < MEM_MODE_COUNT && ret == 0 && (cfg->plot_side & MEM_PLOT_DMA); m++)
		if (cfg->modes & (1u << m))
			ret = write_dma(dir, m, r, n);
	if (ret == 0)
		ret = write_script(dir, cfg, cfg->plot ? out : "mem.png", r, n);
	if (ret == 0 && cfg->plot) {
		if (!in_path("gnuplot")) {
			fprintf(stderr, "phyr-sim mem: --plot needs gnuplot, which is not installed "
					"(Debian: apt-get install gnuplot-nox); no plot written%s\n",
				cfg->plot_data ? " (--plot-data: data and script written)" : "");
			ret = -1;
		} else {
			ret = run_gnuplot(dir);
		}
	}
	if (!cfg->plot_data)
		remove_tmp(dir);
	return ret;
}
