// SPDX-License-Identifier: MIT
/*
 * phyr-sim sweep: runs the points of a sweep file (sweep.h), one JSON line
 * per point, serially or one point per call so that GNU parallel or a Slurm
 * job array drives them; `sweep merge` joins the lines into one table.
 */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "opt.h"
#include "out.h"
#include "sweep.h"

extern char **environ;

/* The most a point's command may print on stdout. */
#define SWEEP_MAX_OUTPUT ((size_t)256 << 20)

static void usage(FILE *f)
{
	fputs("usage: phyr-sim sweep FILE [--list] [--point ID | --index I | --shard K/N]\n"
	      "                       [--resume RESULTS] [--output OUT] [--progress]\n"
	      "       phyr-sim sweep merge FILE RESULTS... [--csv | --json] [--output OUT]\n"
	      "\n"
	      "A sweep file (JSON, docs/sweeps.md) names one phyr-sim command, its base\n"
	      "options and the options to vary:\n"
	      "\n"
	      "  { \"sweep\": \"nvme-policy\", \"run\": \"map\",\n"
	      "    \"base\": { \"workload\": \"nvme\", \"seed\": 1 },\n"
	      "    \"vary\": { \"policy\": [\"linux\", \"augmented\", \"buddy\"],\n"
	      "              \"cpus\": { \"from\": 1, \"to\": 8, \"times\": 2 } } }\n"
	      "\n"
	      "Its points are every combination of the varied values (the last one\n"
	      "changes fastest), numbered from 0. Each point runs `phyr-sim RUN\n"
	      "--OPTION VALUE... --json ARGS...` and prints one JSON line:\n"
	      "  {\"id\": ID, \"index\": I, \"sweep\": NAME, \"config\": {...}, \"result\": {...}}\n"
	      "ID is a hash of the point's canonical configuration: the same point gives\n"
	      "the same ID and, run again, the same line byte for byte.\n"
	      "\n"
	      "Options:\n"
	      "  --list            print the point IDs, one per line, and run nothing\n"
	      "                    (with --json: the points with their configurations\n"
	      "                    and command lines)\n"
	      "  --point ID        run only the point with this ID\n"
	      "  --index I         run only point I (0-based; a Slurm array task ID\n"
	      "                    works as is with --array=0-(N-1))\n"
	      "  --shard K/N       run the points whose index is K-1 modulo N (K = 1..N)\n"
	      "  --resume RESULTS  skip the points that already have a result line in\n"
	      "                    the file RESULTS (a missing file skips nothing)\n"
	      "  --output OUT      write the lines to OUT instead of stdout\n"
	      "  --progress        one line per finished point on stderr\n"
	      "  -h, --help\n"
	      "\n"
	      "merge: reads the result lines of FILE's points from RESULTS files and\n"
	      "prints one table, a CSV (default: index, id, the varied options, then\n"
	      "every number of the result, named by its path) or one JSON document\n"
	      "(--json). Points missing, failed or present twice with different results\n"
	      "are reported on stderr and make the exit status 1.\n"
	      "\n"
	      "Exit status: 0 all points ran (merge: all present); 1 a point failed;\n"
	      "2 a usage mistake or a malformed sweep file (FILE:LINE: message).\n"
	      "\n"
	      "Examples:\n"
	      "  phyr-sim sweep examples/sweeps/nvme-policy-rcache-cpus.json > all.jsonl\n"
	      "  phyr-sim sweep S.json --list | parallel -j2 phyr-sim sweep S.json --point {} > all.jsonl\n"
	      "  phyr-sim sweep S.json --index \"$SLURM_ARRAY_TASK_ID\" > \"part-$SLURM_ARRAY_TASK_ID.jsonl\"\n"
	      "  phyr-sim sweep merge S.json part-*.jsonl --csv > table.csv\n",
	      f);
}

enum {
	OPT_LIST = 256, OPT_POINT, OPT_INDEX, OPT_SHARD, OPT_RESUME, OPT_OUTPUT, OPT_PROGRESS,
	OPT_JSON, OPT_CSV,
};

static const struct option run_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "point", required_argument, NULL, OPT_POINT },
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ 0 },
};

static const struct option merge_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ 0 },
};

static const struct cli_cmd sweep_cmd = { "sweep", "h", run_longopts, usage };
static const struct cli_cmd merge_cmd = { "sweep merge", "h", merge_longopts, usage };

/* ------------------------------------------------------------------ */
/* Result files                                                        */

/* Reads every line of @path; calls @fn on each parsed object with an "id". */
struct result_line {
	char id[17];
	json_object *doc; /* owned */
	char *text;       /* the line as read (owned) */
	bool ok;          /* has a "result" */
};

struct results {
	struct result_line *v;
	size_t n, cap;
};

static void results_free(struct results *r)
{
	for (size_t i = 0; i < r->n; i++) {
		json_object_put(r->v[i].doc);
		free(r->v[i].text);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/*
 * Reads the result lines of @path into @r. A missing file is empty when
 * @missing_ok. Returns 0, or CLI_EXIT_USAGE after "FILE:LINE: message".
 */
static int results_read(struct results *r, const char *path, bool missing_ok)
{
	struct cli_reader rd;
	char *line;
	int got;

	if (missing_ok && access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (cli_open(&rd, path))
		return CLI_EXIT_USAGE;
	while ((got = cli_next(&rd, &line, false)) == 1) {
		json_object *doc = json_tokener_parse(line), *id = NULL;
		struct result_line *l;

		if (!doc || !json_object_is_type(doc, json_type_object) ||
		    !json_object_object_get_ex(doc, "id", &id) ||
		    !json_object_is_type(id, json_type_string) ||
		    strlen(json_object_get_string(id)) != 16) {
			json_object_put(doc);
			cli_error(&rd, "not a sweep result line (one JSON object with a 16-digit \"id\")");
			cli_close(&rd);
			return CLI_EXIT_USAGE;
		}
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 64;
			struct result_line *v = realloc(r->v, cap * sizeof(*v));

			if (!v) {
				json_object_put(doc);
				cli_error(&rd, "out of memory");
				cli_close(&rd);
				return 1;
			}
			r->v = v;
			r->cap = cap;
		}
		l = &r->v[r->n];
		memcpy(l->id, json_object_get_string(id), 17);
		l->doc = doc;
		l->ok = json_object_object_get_ex(doc, "result", NULL);
		l->text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
		if (!l->text) {
			json_object_put(doc);
			cli_error(&rd, "out of memory");
			cli_close(&rd);
			return 1;
		}
		r->n++;
	}
	cli_close(&rd);
	return got < 0 ? CLI_EXIT_USAGE : 0;
}

static const struct result_line *results_find(const struct results *r, const char *id,
					      size_t from)
{
	for (size_t i = from; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Running one point                                                   */

/*
 * Runs @argv (argv[0] replaced by this executable), captures its stdout.
 * Returns the exit status (or 128 + signal), -1 if it could not run; *out
 * is the output (caller frees).
 */
static int run_child(char **argv, char **out, size_t *outlen)
{
	posix_spawn_file_actions_t fa;
	char exe[PATH_MAX];
	int pfd[2], status;
	ssize_t n;
	size_t len = 0, cap = 65536;
	char *buf;
	pid_t pid;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -1;
	exe[n] = '\0';
	buf = malloc(cap);
	if (!buf || pipe(pfd)) {
		free(buf);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	posix_spawn_file_actions_addclose(&fa, pfd[1]);
	if (posix_spawn(&pid, exe, &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[0]);
		close(pfd[1]);
		free(buf);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	for (;;) {
		if (len + 1 >= cap && cap < SWEEP_MAX_OUTPUT) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		if (len + 1 >= cap)
			break; /* too much output: the JSON will not parse */
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pfd[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(buf);
			return -1;
		}
	*out = buf;
	*outlen = len;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Prints @argv as a shell-readable command line into a new string. */
static char *argv_text(char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (char **a = argv; *a; a++)
		len += strlen(*a) * 4 + 3;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (char **a = argv; *a; a++) {
		bool plain = strspn(*a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789-_=./,:+@%") == strlen(*a) && **a;

		if (a != argv)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, *a);
		} else {
			*p++ = '\'';
			for (const char *c = *a; *c; c++)
				if (*c == '\'')
					p = stpcpy(p, "'\\''");
				else
					*p++ = *c;
			*p++ = '\'';
		}
	}
	*p = '\0';
	return s;
}

/*
 * Runs point @index and writes its line to @out. Returns 0 (ran, result
 * line written), 1 (the point's command failed: error line written), or -1
 * (could not run it at all: message printed).
 */
static int run_point(const struct sweep *s, uint64_t index, json_object *cfg, const char *id,
		     FILE *out)
{
	char **argv = sweep_point_argv(cfg, "phyr-sim");
	json_object *line, *res = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc, ret = 0;

	if (!argv) {
		fprintf(stderr, "phyr-sim sweep: out of memory\n");
		return -1;
	}
	rc = run_child(argv, &text, &len);
	if (rc < 0) {
		fprintf(stderr, "phyr-sim sweep: cannot run point %s: %s\n", id, strerror(errno));
		sweep_argv_free(argv);
		return -1;
	}
	line = json_object_new_object();
	cli_json_str(line, "id", id);
	cli_json_u64(line, "index", index);
	cli_json_str(line, "sweep", s->name);
	json_object_object_add(line, "config", json_object_get(cfg));
	if (rc == 0) {
		json_tokener *tok = json_tokener_new();

		res = tok ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
		if (tok && json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(res);
			res = NULL;
		}
		json_tokener_free(tok);
	}
	if (res && json_object_is_type(res, json_type_object)) {
		json_object_object_add(line, "result", res);
	} else {
		json_object *e = cli_json_obj(line, "error");
		char *cmd = argv_text(argv);

		json_object_put(res);
		cli_json_i64(e, "status", rc);
		cli_json_str(e, "command", cmd);
		cli_json_str(e, "message", rc ? "the point's command failed (its message is on stderr)"
					      : "the point's command printed no JSON document");
		fprintf(stderr, "phyr-sim sweep: point %s (index %llu) failed, status %d: %s\n", id,
			(unsigned long long)index, rc, cmd ? cmd : "");
		free(cmd);
		ret = 1;
	}
	if (fprintf(out, "%s\n", json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
	    fflush(out)) {
		fprintf(stderr, "phyr-sim sweep: write error\n");
		ret = -1;
	}
	json_object_put(line);
	free(text);
	sweep_argv_free(argv);
	return ret;
}

/* ------------------------------------------------------------------ */
/* sweep FILE                                                          */

static int parse_shard(const char *s, uint64_t *k, uint64_t *n)
{
	char buf[64];
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (cli_u64(buf, k) || cli_u64(slash + 1, n) || *n == 0 || *k == 0 || *k > *n)
		return -1;
	return 0;
}

static int list_points(const struct sweep *s, bool json, FILE *out)
{
	json_object *doc = NULL, *arr = NULL;

	if (json) {
		doc = cli_doc_new(sweep_cmd.name);
		cli_json_str(cli_doc_config(doc), "sweep", s->name);
		cli_json_str(cli_doc_config(doc), "file", s->path);
		cli_json_u64(cli_doc_config(doc), "points", s->npoints);
		arr = cli_json_arr(doc, "points");
	}
	for (uint64_t i = 0; i < s->npoints; i++) {
		json_object *cfg = sweep_point_config(s, i);
		char id[17];

		sweep_point_id(cfg, id);
		if (json) {
			json_object *p = json_object_new_object();
			char **argv = sweep_point_argv(cfg, "phyr-sim");
			char *cmd = argv ? argv_text(argv) : NULL;

			cli_json_u64(p, "index", i);
			cli_json_str(p, "id", id);
			json_object_object_add(p, "config", json_object_get(cfg));
			cli_json_str(p, "command", cmd);
			free(cmd);
			sweep_argv_free(argv);
			json_object_array_add(arr, p);
		} else {
			fprintf(out, "%s\n", id);
		}
		json_object_put(cfg);
	}
	if (json)
		return cli_doc_print(doc, out) ? 1 : 0;
	return fflush(out) ? 1 : 0;
}

static int cmd_run(int argc, char **argv)
{
	const char *point = NULL, *resume = NULL, *output = NULL;
	uint64_t index = 0, shard_k = 1, shard_n = 1;
	bool list = false, json = false, progress = false, has_index = false;
	struct results done = { 0 };
	struct sweep s;
	char err[512];
	FILE *out = stdout;
	uint64_t nrun = 0, nfailed = 0, nmatched = 0;
	int c, ret = 0;

	cli_opt_start();
	while ((c = cli_getopt(&sweep_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&sweep_cmd);
		case OPT_LIST:
			list = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_POINT:
			if (strlen(optarg) != 16 || strspn(optarg, "0123456789abcdef") != 16)
				return cli_bad_value(&sweep_cmd, "point", optarg,
						     "a point ID: 16 hex digits, as --list prints");
			point = optarg;
			break;
		case OPT_INDEX:
			if (cli_u64(optarg, &index))
				return cli_bad_value(&sweep_cmd, "index", optarg, "a point number from 0");
			has_index = true;
			break;
		case OPT_SHARD:
			if (parse_shard(optarg, &shard_k, &shard_n))
				return cli_bad_value(&sweep_cmd, "shard", optarg, "K/N with 1 <= K <= N");
			break;
		case OPT_RESUME:
			resume = optarg;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		case OPT_PROGRESS:
			progress = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&sweep_cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	if (!!point + has_index + (shard_n > 1) > 1)
		return cli_usage_error(&sweep_cmd, "--point, --index and --shard exclude each other");
	if (json && !list)
		return cli_usage_error(&sweep_cmd, "--json goes with --list (the points' lines are JSON already)");
	if (sweep_load(&s, argv[optind], err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return CLI_EXIT_USAGE;
	}
	s.path = argv[optind];
	if (has_index && index >= s.npoints) {
		fprintf(stderr, "phyr-sim sweep: --index %llu: the sweep has %llu points (0 to %llu)\n",
			(unsigned long long)index, (unsigned long long)s.npoints,
			(unsigned long long)s.npoints - 1);
		ret = CLI_EXIT_USAGE;
		goto done;
	}
	if (resume && (ret = results_read(&done, resume, true)))
		goto done;
	if (output) {
		out = fopen(output, resume && strcmp(resume, output) == 0 ? "a" : "w");
		if (!out) {
			fprintf(stderr, "phyr-sim sweep: %s: %s\n", output, strerror(errno));
			out = stdout;
			ret = CLI_EXIT_USAGE;
			goto done;
		}
	}
	if (list) {
		ret = list_points(&s, json, out);
		goto done;
	}
	for (uint64_t i = has_index ? index : 0; i < s.npoints; i++) {
		json_object *cfg;
		char id[17];
		const struct result_line *prev;
		int r;

		if (has_index && i != index)
			break;
		if ((i % shard_n) != shard_k - 1)
			continue;
		cfg = sweep_point_config(&s, i);
		sweep_point_id(cfg, id);
		if (point && strcmp(point, id) != 0) {
			json_object_put(cfg);
			continue;
		}
		nmatched++;
		prev = NULL;
		for (size_t from = 0; (prev = results_find(&done, id, from)); from = (size_t)(prev - done.v) + 1)
			if (prev->ok)
				break;
		if (prev) {
			json_object_put(cfg);
			if (progress)
				fprintf(stderr, "phyr-sim sweep: point %llu/%llu %s: already in %s\n",
					(unsigned long long)i + 1, (unsigned long long)s.npoints, id, resume);
			continue;
		}
		r = run_point(&s, i, cfg, id, out);
		json_object_put(cfg);
		if (r < 0) {
			ret = 1;
			goto done;
		}
		nrun++;
		nfailed += (unsigned)r;
		if (progress)
			fprintf(stderr, "phyr-sim sweep: point %llu/%llu %s: %s\n",
				(unsigned long long)i + 1, (unsigned long long)s.npoints, id,
				r ? "FAILED" : "done");
	}
	if (point && !nmatched) {
		fprintf(stderr, "phyr-sim sweep: no point of %s has the ID %s (see --list)\n", s.path,
			point);
		ret = CLI_EXIT_USAGE;
	} else if (nfailed) {
		fprintf(stderr, "phyr-sim sweep: %llu of %llu points failed\n",
			(unsigned long long)nfailed, (unsigned long long)nrun);
		ret = 1;
	}
done:
	if (out != stdout && fclose(out) && !ret) {
		fprintf(stderr, "phyr-sim sweep: %s: write error\n", output);
		ret = 1;
	}
	results_free(&done);
	s.path = NULL;
	sweep_free(&s);
	return ret;
}

/* ------------------------------------------------------------------ */
/* sweep merge                                                         */

struct columns {
	char **name;
	size_t n, cap;
};

static long column_index(struct columns *c, const char *name, bool add)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return (long)i;
	if (!add)
		return -1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		char **v = realloc(c->name, cap * sizeof(*v));

		if (!v)
			return -1;
		c->name = v;
		c->cap = cap;
	}
	c->name[c->n] = strdup(name);
	if (!c->name[c->n])
		return -1;
	return (long)c->n++;
}

/*
 * A list element's name in a column path: its "name", "api", "workload"
 * or "policy" string member (so a column reads workloads.nvme.apis.map_sg.
 * requests rather than workloads.0.apis.0.requests), else NULL.
 */
static const char *element_label(json_object *e)
{
	static const char *const keys[] = { "name", "api", "workload", "policy" };
	json_object *v;

	if (!json_object_is_type(e, json_type_object))
		return NULL;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_object_get_ex(e, keys[i], &v) && json_object_is_type(v, json_type_string) &&
		    !strpbrk(json_object_get_string(v), ".,\"\n"))
			return json_object_get_string(v);
	return NULL;
}

/* Visits every numeric leaf of @o under path @prefix. */
static void leaves(json_object *o, const char *prefix,
		   void (*fn)(void *ctx, const char *path, json_object *v), void *ctx)
{
	char path[512];

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k);
			leaves(v, path, fn, ctx);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_object *e = json_object_array_get_idx(o, i);
			const char *label = element_label(e);

			if (label)
				snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", label);
			else
				snprintf(path, sizeof(path), "%s%s%zu", prefix, *prefix ? "." : "", i);
			leaves(e, path, fn, ctx);
		}
	} else if (o && (json_object_is_type(o, json_type_int) ||
			 json_object_is_type(o, json_type_double))) {
		fn(ctx, prefix, o);
	}
}

struct colctx {
	struct columns *cols;
	const struct sweep *s;
};

/* A result column, unless it only echoes a varied option of the same name. */
static void add_column(void *ctx, const char *path, json_object *v)
{
	struct colctx *c = ctx;

	(void)v;
	for (size_t k = 0; k < c->s->nvary; k++)
		if (strcmp(c->s->vary[k].name, path) == 0)
			return;
	column_index(c->cols, path, true);
}

struct row {
	struct columns *cols;
	const char **cell;
};

static void fill_cell(void *ctx, const char *path, json_object *v)
{
	struct row *r = ctx;
	long i = column_index(r->cols, path, false);

	if (i >= 0)
		r->cell[i] = json_object_get_string(v);
}

/* The result without the members every point shares. */
static json_object *result_body(json_object *line)
{
	json_object *res = NULL, *body = json_object_new_object();

	json_object_object_get_ex(line, "result", &res);
	if (res) {
		json_object_object_foreach(res, k, v) {
			if (strcmp(k, "command") && strcmp(k, "version") && strcmp(k, "config"))
				json_object_object_add(body, k, json_object_get(v));
		}
	}
	return body;
}

static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

static int cmd_merge(int argc, char **argv)
{
	bool json = false;
	const char *output = NULL;
	struct results all = { 0 };
	struct columns cols = { 0 };
	const struct result_line **pick = NULL;
	uint64_t nmissing = 0, nfailed = 0, nconflict = 0, nduplicate = 0, nforeign = 0;
	struct sweep s;
	char err[512];
	FILE *out = stdout;
	int c, ret = 0;

	cli_opt_start();
	while ((c = cli_getopt(&merge_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&merge_cmd);
		case OPT_JSON:
			json = true;
			break;
		case OPT_CSV:
			json = false;
			break;
		case OPT_OUTPUT:
			output = optarg;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&merge_cmd, argc, argv, 2, -1))
		return CLI_EXIT_USAGE;
	if (sweep_load(&s, argv[optind], err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return CLI_EXIT_USAGE;
	}
	s.path = argv[optind];
	for (int i = optind + 1; i < argc; i++)
		if ((ret = results_read(&all, argv[i], false)))
			goto done;
	pick = calloc(s.npoints ? s.npoints : 1, sizeof(*pick));
	if (!pick) {
		ret = 1;
		goto done;
	}
	/* which line stands for each point; what is missing or doubled */
	for (uint64_t i = 0; i < s.npoints; i++) {
		json_object *cfg = sweep_point_config(&s, i);
		char id[17];
		size_t nseen = 0;

		sweep_point_id(cfg, id);
		json_object_put(cfg);
		for (size_t j = 0; j < all.n; j++) {
			const struct result_line *l = &all.v[j];

			if (strcmp(l->id, id) != 0)
				continue;
			nseen++;
			if (!pick[i] || (!pick[i]->ok && l->ok)) {
				pick[i] = l;
			} else if (l->ok && strcmp(l->text, pick[i]->text) != 0) {
				fprintf(stderr, "phyr-sim sweep merge: point %llu (%s) has two different results\n",
					(unsigned long long)i, id);
				nconflict++;
			}
		}
		if (nseen > 1)
			nduplicate++;
		if (!pick[i]) {
			fprintf(stderr, "phyr-sim sweep merge: point %llu (%s) is missing\n",
				(unsigned long long)i, id);
			nmissing++;
		} else if (!pick[i]->ok) {
			fprintf(stderr, "phyr-sim sweep merge: point %llu (%s) failed\n",
				(unsigned long long)i, id);
			nfailed++;
		}
	}
	for (size_t j = 0; j < all.n; j++) {
		bool known = false;

		for (uint64_t i = 0; i < s.npoints && !known; i++)
			known = pick[i] && strcmp(pick[i]->id, all.v[j].id) == 0;
		if (!known) {
			fprintf(stderr, "phyr-sim sweep merge: %s is no point of %s\n", all.v[j].id, s.path);
			nforeign++;
		}
	}
	if (output) {
		out = fopen(output, "w");
		if (!out) {
			fprintf(stderr, "phyr-sim sweep merge: %s: %s\n", output, strerror(errno));
			out = stdout;
			ret = CLI_EXIT_USAGE;
			goto done;
		}
	}
	if (json) {
		json_object *doc = cli_doc_new(merge_cmd.name), *cfg = cli_doc_config(doc), *arr, *in;

		cli_json_str(cfg, "sweep", s.name);
		cli_json_str(cfg, "file", s.path);
		in = cli_json_arr(cfg, "inputs");
		for (int i = optind + 1; i < argc; i++)
			json_object_array_add(in, json_object_new_string(argv[i]));
		cli_json_u64(cfg, "points", s.npoints);
		arr = cli_json_arr(doc, "points");
		for (uint64_t i = 0; i < s.npoints; i++)
			if (pick[i])
				json_object_array_add(arr, json_object_get(pick[i]->doc));
		cli_json_u64(doc, "missing", nmissing);
		cli_json_u64(doc, "failed", nfailed);
		cli_json_u64(doc, "duplicates", nduplicate);
		cli_json_u64(doc, "conflicts", nconflict);
		cli_json_u64(doc, "foreign", nforeign);
		if (cli_doc_print(doc, out))
			ret = 1;
	} else {
		const char **cell;

		for (uint64_t i = 0; i < s.npoints; i++) {
			json_object *body;

			if (!pick[i] || !pick[i]->ok)
				continue;
			struct colctx cc = { &cols, &s };

			body = result_body(pick[i]->doc);
			leaves(body, "", add_column, &cc);
			json_object_put(body);
		}
		fputs("index,id", out);
		for (size_t k = 0; k < s.nvary; k++) {
			fputc(',', out);
			csv_field(out, s.vary[k].name);
		}
		for (size_t k = 0; k < cols.n; k++) {
			fputc(',', out);
			csv_field(out, cols.name[k]);
		}
		fputc('\n', out);
		cell = calloc(cols.n + 1, sizeof(*cell));
		for (uint64_t i = 0; cell && i < s.npoints; i++) {
			json_object *cfg, *opts = NULL, *body;
			struct row r = { &cols, cell };

			if (!pick[i] || !pick[i]->ok)
				continue;
			memset(cell, 0, (cols.n + 1) * sizeof(*cell));
			body = result_body(pick[i]->doc);
			leaves(body, "", fill_cell, &r);
			fprintf(out, "%llu,%s", (unsigned long long)i, pick[i]->id);
			cfg = NULL;
			json_object_object_get_ex(pick[i]->doc, "config", &cfg);
			json_object_object_get_ex(cfg, "options", &opts);
			for (size_t k = 0; k < s.nvary; k++) {
				json_object *v = NULL;

				fputc(',', out);
				if (json_object_object_get_ex(opts, s.vary[k].name, &v) && v)
					csv_field(out, json_object_get_string(v));
			}
			for (size_t k = 0; k < cols.n; k++) {
				fputc(',', out);
				if (cell[k])
					fputs(cell[k], out);
			}
			fputc('\n', out);
			json_object_put(body);
		}
		free(cell);
		if (fflush(out) || ferror(out))
			ret = 1;
	}
	if (!ret && (nmissing || nfailed || nconflict || nforeign)) {
		fprintf(stderr, "phyr-sim sweep merge: %llu of %llu points present; %llu missing, "
			"%llu failed, %llu with conflicting results, %llu lines of no point\n",
			(unsigned long long)(s.npoints - nmissing), (unsigned long long)s.npoints,
			(unsigned long long)nmissing, (unsigned long long)nfailed,
			(unsigned long long)nconflict, (unsigned long long)nforeign);
		ret = 1;
	}
done:
	if (out != stdout && fclose(out) && !ret)
		ret = 1;
	for (size_t k = 0; k < cols.n; k++)
		free(cols.name[k]);
	free(cols.name);
	free(pick);
	results_free(&all);
	s.path = NULL;
	sweep_free(&s);
	return ret;
}

int cmd_sweep(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "merge") == 0)
		return cmd_merge(argc - 1, argv + 1);
	return cmd_run(argc, argv);
}
