// SPDX-License-Identifier: MIT
/*
 * phyr-sim capture replay --plot: per-domain live IOVAs over time. The
 * samples (one per allocation: time, live ranges) stream into one data file
 * per domain while the replay runs, so memory stays bounded; then a gnuplot
 * script draws them into a PNG, SVG or PDF picked from the file name.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture-plot.h"

#define CPLOT_SCRIPT "capture.gp"

static int cplot_fail(struct capture_plot *p, const char *what)
{
	fprintf(stderr, "phyr-sim capture replay: --plot: %s: %s\n", what, strerror(errno));
	p->failed = true;
	return -1;
}

int capture_plot_open(struct capture_plot *p, const char *out, int fmt, const char *data_dir)
{
	const char *t = getenv("TMPDIR");

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->fmt = fmt;
	if (data_dir) {
		snprintf(p->dir, sizeof(p->dir), "%s", data_dir);
		if (mkdir(p->dir, 0777) && errno != EEXIST)
			return cplot_fail(p, data_dir);
		p->keep = true;
	} else {
		snprintf(p->dir, sizeof(p->dir), "%s/phyr-capture-plot-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(p->dir))
			return cplot_fail(p, "temporary directory");
	}
	return 0;
}

void capture_plot_sample(struct capture_plot *p, const char *label, uint64_t ts_ns, uint64_t live)
{
	struct capture_plot_series *s = NULL;
	char path[sizeof(p->dir) + 64];

	if (p->failed)
		return;
	for (unsigned i = 0; i < p->nseries; i++)
		if (strcmp(p->series[i].label, label) == 0) {
			s = &p->series[i];
			break;
		}
	if (!s) {
		if (p->nseries == CAPTURE_PLOT_MAX_SERIES) {
			p->ndropped++;
			return;
		}
		s = &p->series[p->nseries];
		snprintf(s->label, sizeof(s->label), "%s", label);
		snprintf(path, sizeof(path), "%s/domain-%u.dat", p->dir, p->nseries);
		s->f = fopen(path, "w");
		if (!s->f) {
			cplot_fail(p, path);
			return;
		}
		fprintf(s->f, "# %s: seconds (ftrace clock) and live IOVA ranges after each allocation\n",
			label);
		p->nseries++;
	}
	if (!p->t0_set) {
		p->t0 = ts_ns;
		p->t0_set = true;
	}
	fprintf(s->f, "%.6f %" PRIu64 "\n", (double)(ts_ns - (ts_ns >= p->t0 ? p->t0 : ts_ns)) / 1e9,
		live);
}

/* Writes the gnuplot script. */
static int write_script(struct capture_plot *p)
{
	char path[sizeof(p->dir) + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" CPLOT_SCRIPT, p->dir);
	f = fopen(path, "w");
	if (!f)
		return cplot_fail(p, path);
	fprintf(f, "# phyr-sim capture replay --plot: live IOVA ranges per domain over time\n");
	switch (p->fmt) {
	case 1:
		fputs("set terminal svg size 1200,600 noenhanced\n", f);
		break;
	case 2:
		fputs("set terminal pdfcairo size 12in,6in noenhanced\n", f);
		break;
	default:
		fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		      "  set terminal pngcairo size 1200,600 noenhanced\n"
		      "} else {\n"
		      "  set terminal png size 1200,600 noenhanced\n"
		      "}\n", f);
		break;
	}
	fprintf(f, "set output '%s'\n", p->out ? p->out : "capture.png");
	fputs("set title 'live IOVA ranges per domain (model tree, range cache included)'\n"
	      "set xlabel 'seconds since the first allocation'\n"
	      "set ylabel 'live IOVA ranges'\n"
	      "set key outside right\n"
	      "set grid\n", f);
	if (p->nseries == 0) {
		fputs("set label 'no allocations' at graph 0.5, graph 0.5 center\n"
		      "plot [0:1] [0:1] NaN notitle\n", f);
	} else {
		fputs("plot ", f);
		for (unsigned i = 0; i < p->nseries; i++)
			fprintf(f, "%s'domain-%u.dat' using 1:2 with steps title '%s'", i ? ", \\\n     " : "",
				i, p->series[i].label);
		fputc('\n', f);
	}
	if (fclose(f))
		return cplot_fail(p, path);
	return 0;
}

static int run_gnuplot(struct capture_plot *p)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return cplot_fail(p, "fork");
	if (pid == 0) {
		if (chdir(p->dir) || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(126);
		execlp("gnuplot", "gnuplot", CPLOT_SCRIPT, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cplot_fail(p, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "phyr-sim capture replay: --plot: gnuplot is not installed (Debian: "
				"gnuplot-nox); no plot written%s\n",
			p->keep ? ", the data and script are kept" : "");
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "phyr-sim capture replay: --plot: gnuplot failed; no plot written\n");
		return -1;
	}
	return 0;
}

int capture_plot_close(struct capture_plot *p, bool draw)
{
	char path[sizeof(p->dir) + 64];
	int ret = p->failed ? -1 : 0;

	for (unsigned i = 0; i < p->nseries; i++)
		if (p->series[i].f && fclose(p->series[i].f) && !ret)
			ret = cplot_fail(p, "data file");
	if (!ret && p->ndropped)
		fprintf(stderr, "phyr-sim capture replay: --plot: more than %d domains; %" PRIu64
				" samples of the others left out\n", CAPTURE_PLOT_MAX_SERIES, p->ndropped);
	if (!ret)
		ret = write_script(p);
	if (!ret && draw && p->out)
		ret = run_gnuplot(p);
	if (!p->keep) {
		for (unsigned i = 0; i < p->nseries; i++) {
			snprintf(path, sizeof(path), "%s/domain-%u.dat", p->dir, i);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/" CPLOT_SCRIPT, p->dir);
		unlink(path);
		rmdir(p->dir);
	}
	return ret;
}
