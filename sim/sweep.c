// SPDX-License-Identifier: MIT
/* Sweep files: reader, point expansion, ids and command lines (see sweep.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

/* The 1-based line of byte @off of @text. */
static unsigned long line_of(const char *text, size_t len, size_t off)
{
	unsigned long line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/* The line of the first `"key"` in @text (1 when it is not found). */
static unsigned long line_of_key(const char *text, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i + klen + 2 <= len; i++)
		if (text[i] == '"' && memcmp(text + i + 1, key, klen) == 0 && text[i + 1 + klen] == '"')
			return line_of(text, len, i);
	return 1;
}

static int fail(char *err, size_t errlen, const char *path, unsigned long line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *path, unsigned long line,
		const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%lu: ", path, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_scalar(json_object *v)
{
	return !v || json_object_is_type(v, json_type_string) ||
	       json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
	       json_object_is_type(v, json_type_boolean);
}

/* An option name: [a-z0-9][a-z0-9-]*, as phyr-sim's long options are. */
static bool option_name_ok(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

/* Splits @s on blanks into a new array of strings. */
static char **split_words(const char *s, size_t *n)
{
	char **w = NULL;
	size_t cnt = 0;

	while (*s) {
		size_t len;
		char **nw;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		len = strcspn(s, " \t");
		nw = realloc(w, (cnt + 1) * sizeof(*w));
		if (!nw)
			goto oom;
		w = nw;
		w[cnt] = strndup(s, len);
		if (!w[cnt])
			goto oom;
		cnt++;
		s += len;
	}
	*n = cnt;
	return w;
oom:
	for (size_t i = 0; i < cnt; i++)
		free(w[i]);
	free(w);
	*n = 0;
	return NULL;
}

/*
 * A varied parameter's values: an array of scalars, or a range object
 * {"from": A, "to": B, "step": S} (A, A+S, ... <= B) or
 * {"from": A, "to": B, "times": M} (A, A*M, ... <= B), integers.
 */
static int parse_values(struct sweep *s, const char *text, size_t len, const char *name,
			json_object *spec, struct sweep_param *p, char *err, size_t errlen)
{
	unsigned long line = line_of_key(text, len, name);

	if (json_object_is_type(spec, json_type_array)) {
		size_t n = json_object_array_length(spec);

		if (n == 0)
			return fail(err, errlen, s->path, line, "\"%s\": an empty list of values", name);
		if (n > SWEEP_MAX_VALUES)
			return fail(err, errlen, s->path, line, "\"%s\": more than %d values", name,
				    SWEEP_MAX_VALUES);
		for (size_t i = 0; i < n; i++)
			if (!is_scalar(json_object_array_get_idx(spec, i)))
				return fail(err, errlen, s->path, line,
					    "\"%s\": value %zu is not a string, number, boolean or null",
					    name, i + 1);
		p->values = json_object_get(spec);
		p->nvalues = n;
		return 0;
	}
	if (json_object_is_type(spec, json_type_object)) {
		json_object *from, *to, *step = NULL, *times = NULL;
		int64_t a, b, st = 0, m = 0;

		json_object_object_foreach(spec, k, v) {
			(void)v;
			if (strcmp(k, "from") && strcmp(k, "to") && strcmp(k, "step") && strcmp(k, "times"))
				return fail(err, errlen, s->path, line,
					    "\"%s\": unknown range member \"%s\" (from, to, step, times)",
					    name, k);
		}
		if (!json_object_object_get_ex(spec, "from", &from) ||
		    !json_object_object_get_ex(spec, "to", &to) ||
		    !json_object_is_type(from, json_type_int) || !json_object_is_type(to, json_type_int))
			return fail(err, errlen, s->path, line,
				    "\"%s\": a range needs integer \"from\" and \"to\"", name);
		json_object_object_get_ex(spec, "step", &step);
		json_object_object_get_ex(spec, "times", &times);
		if (!!step == !!times)
			return fail(err, errlen, s->path, line,
				    "\"%s\": a range needs one of \"step\" or \"times\"", name);
		a = json_object_get_int64(from);
		b = json_object_get_int64(to);
		if (step) {
			if (!json_object_is_type(step, json_type_int) || (st = json_object_get_int64(step)) <= 0)
				return fail(err, errlen, s->path, line,
					    "\"%s\": \"step\" must be an integer >= 1", name);
		} else if (!json_object_is_type(times, json_type_int) ||
			   (m = json_object_get_int64(times)) < 2 || a <= 0) {
			return fail(err, errlen, s->path, line,
				    "\"%s\": \"times\" must be an integer >= 2 and \"from\" >= 1", name);
		}
		if (a > b)
			return fail(err, errlen, s->path, line, "\"%s\": \"from\" is above \"to\"", name);
		p->values = json_object_new_array();
		for (int64_t x = a;;) {
			if (p->nvalues == SWEEP_MAX_VALUES)
				return fail(err, errlen, s->path, line, "\"%s\": more than %d values",
					    name, SWEEP_MAX_VALUES);
			json_object_array_add(p->values, json_object_new_int64(x));
			p->nvalues++;
			if (step ? x > b - st : x > b / m)
				break;
			x = step ? x + st : x * m;
		}
		return 0;
	}
	return fail(err, errlen, s->path, line,
		    "\"%s\": expected a list of values or a range object", name);
}

int sweep_parse(struct sweep *s, const char *path, const char *text, size_t len,
		char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *root, *v;
	enum json_tokener_error jerr;
	size_t end;

	memset(s, 0, sizeof(*s));
	s->path = (char *)path;
	if (len > INT32_MAX)
		return fail(err, errlen, path, 1, "file too large");
	if (memchr(text, '\0', len))
		return fail(err, errlen, path, line_of(text, len, (size_t)((const char *)memchr(text, '\0', len) - text)),
			    "NUL byte");
	tok = json_tokener_new();
	if (!tok)
		return fail(err, errlen, path, 1, "out of memory");
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		json_object_put(root);
		return fail(err, errlen, path, line_of(text, len, len), "unexpected end of the JSON text");
	}
	if (jerr != json_tokener_success || !root) {
		json_object_put(root);
		return fail(err, errlen, path, line_of(text, len, end), "JSON: %s",
			    jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "no document");
	}
	for (size_t i = end; i < len; i++)
		if (!isspace((unsigned char)text[i])) {
			json_object_put(root);
			return fail(err, errlen, path, line_of(text, len, i), "text after the JSON document");
		}
	s->root = root;
	if (!json_object_is_type(root, json_type_object)) {
		fail(err, errlen, path, 1, "a sweep file is one JSON object");
		goto bad;
	}
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (strcmp(key, "sweep") && strcmp(key, "run") && strcmp(key, "args") &&
		    strcmp(key, "base") && strcmp(key, "vary") && strcmp(key, "description")) {
			fail(err, errlen, path, line_of_key(text, len, key),
			     "unknown member \"%s\" (sweep, description, run, args, base, vary)", key);
			goto bad;
		}
	}
	if (json_object_object_get_ex(root, "sweep", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			fail(err, errlen, path, line_of_key(text, len, "sweep"), "\"sweep\" must be a string");
			goto bad;
		}
		s->name = strdup(json_object_get_string(v));
	} else {
		const char *b = strrchr(path, '/');

		s->name = strdup(b ? b + 1 : path);
	}
	if (!s->name)
		goto oom;
	if (!json_object_object_get_ex(root, "run", &v) || !json_object_is_type(v, json_type_string)) {
		fail(err, errlen, path, line_of_key(text, len, "run"),
		     "\"run\" (the phyr-sim command to run, e.g. \"map\") is missing or not a string");
		goto bad;
	}
	s->run = split_words(json_object_get_string(v), &s->nrun);
	if (!s->nrun) {
		fail(err, errlen, path, line_of_key(text, len, "run"), "\"run\" names no command");
		goto bad;
	}
	if (strcmp(s->run[0], "sweep") == 0) {
		fail(err, errlen, path, line_of_key(text, len, "run"), "a sweep cannot run a sweep");
		goto bad;
	}
	if (json_object_object_get_ex(root, "args", &v)) {
		size_t n;

		if (!json_object_is_type(v, json_type_array)) {
			fail(err, errlen, path, line_of_key(text, len, "args"), "\"args\" must be a list of strings");
			goto bad;
		}
		n = json_object_array_length(v);
		s->args = calloc(n + 1, sizeof(*s->args));
		if (!s->args)
			goto oom;
		for (size_t i = 0; i < n; i++) {
			json_object *a = json_object_array_get_idx(v, i);

			if (!json_object_is_type(a, json_type_string)) {
				fail(err, errlen, path, line_of_key(text, len, "args"),
				     "\"args\" must be a list of strings");
				goto bad;
			}
			s->args[i] = strdup(json_object_get_string(a));
			if (!s->args[i])
				goto oom;
			s->nargs++;
		}
	}
	if (json_object_object_get_ex(root, "base", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			fail(err, errlen, path, line_of_key(text, len, "base"),
			     "\"base\" must be an object of options");
			goto bad;
		}
		json_object_object_foreach(v, k, bval) {
			if (!option_name_ok(k)) {
				fail(err, errlen, path, line_of_key(text, len, k),
				     "\"%s\" is not an option name (lower case, digits, '-')", k);
				goto bad;
			}
			if (!is_scalar(bval)) {
				fail(err, errlen, path, line_of_key(text, len, k),
				     "\"%s\": an option value is a string, number, boolean or null", k);
				goto bad;
			}
		}
		s->base = json_object_get(v);
	} else {
		s->base = json_object_new_object();
	}
	s->npoints = 1;
	if (json_object_object_get_ex(root, "vary", &v)) {
		if (!json_object_is_type(v, json_type_object)) {
			fail(err, errlen, path, line_of_key(text, len, "vary"),
			     "\"vary\" must be an object: option name -> values");
			goto bad;
		}
		s->vary = calloc((size_t)json_object_object_length(v) + 1, sizeof(*s->vary));
		if (!s->vary)
			goto oom;
		json_object_object_foreach(v, k, spec) {
			struct sweep_param *p = &s->vary[s->nvary];

			if (!option_name_ok(k)) {
				fail(err, errlen, path, line_of_key(text, len, k),
				     "\"%s\" is not an option name (lower case, digits, '-')", k);
				goto bad;
			}
			p->name = strdup(k);
			if (!p->name)
				goto oom;
			s->nvary++;
			if (parse_values(s, text, len, k, spec, p, err, errlen))
				goto bad;
			if (s->npoints > SWEEP_MAX_POINTS / p->nvalues) {
				fail(err, errlen, path, line_of_key(text, len, k),
				     "the sweep has more than %d points", SWEEP_MAX_POINTS);
				goto bad;
			}
			s->npoints *= p->nvalues;
		}
	}
	return 0;
oom:
	fail(err, errlen, path, 1, "out of memory");
bad:
	s->path = NULL; /* not owned */
	sweep_free(s);
	return -1;
}

int sweep_load(struct sweep *s, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int ret;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *t;

			cap = cap ? cap * 2 : 8192;
			if (cap > (size_t)64 << 20) {
				snprintf(err, errlen, "%s: larger than 64 MiB", path);
				goto fail;
			}
			t = realloc(text, cap);
			if (!t) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			text = t;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	ret = sweep_parse(s, path, text, len, err, errlen);
	free(text);
	return ret;
fail:
	if (f != stdin)
		fclose(f);
	free(text);
	return -1;
}

void sweep_free(struct sweep *s)
{
	for (size_t i = 0; i < s->nrun; i++)
		free(s->run[i]);
	free(s->run);
	for (size_t i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s->args);
	for (size_t i = 0; i < s->nvary; i++) {
		free(s->vary[i].name);
		json_object_put(s->vary[i].values);
	}
	free(s->vary);
	json_object_put(s->base);
	json_object_put(s->root);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_object *sweep_point_config(const struct sweep *s, uint64_t index)
{
	json_object *merged = json_object_new_object();
	json_object *cfg = json_object_new_object();
	json_object *opts = json_object_new_object();
	json_object *args = json_object_new_array();
	json_object *run = json_object_new_array();
	const char **keys = NULL;
	size_t nkeys = 0;

	json_object_object_foreach(s->base, k, v)
		json_object_object_add(merged, k, json_object_get(v));
	/* mixed radix, the last parameter the fastest digit */
	for (size_t i = s->nvary; i-- > 0;) {
		const struct sweep_param *p = &s->vary[i];

		json_object_object_add(merged, p->name,
				       json_object_get(json_object_array_get_idx(p->values,
										 index % p->nvalues)));
		index /= p->nvalues;
	}
	keys = calloc((size_t)json_object_object_length(merged) + 1, sizeof(*keys));
	if (keys) {
		json_object_object_foreach(merged, mk, mv) {
			(void)mv;
			keys[nkeys++] = mk;
		}
		qsort(keys, nkeys, sizeof(*keys), cmp_str);
		for (size_t i = 0; i < nkeys; i++) {
			json_object *val = NULL;

			json_object_object_get_ex(merged, keys[i], &val);
			json_object_object_add(opts, keys[i], json_object_get(val));
		}
	}
	free(keys);
	for (size_t i = 0; i < s->nrun; i++)
		json_object_array_add(run, json_object_new_string(s->run[i]));
	for (size_t i = 0; i < s->nargs; i++)
		json_object_array_add(args, json_object_new_string(s->args[i]));
	/* members in sorted order too: the text is canonical */
	json_object_object_add(cfg, "args", args);
	json_object_object_add(cfg, "options", opts);
	json_object_object_add(cfg, "run", run);
	json_object_put(merged);
	return cfg;
}

void sweep_point_id(json_object *config, char *buf)
{
	const char *t = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (; *t; t++) {
		h ^= (unsigned char)*t;
		h *= UINT64_C(0x100000001b3);
	}
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

void sweep_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **sweep_point_argv(json_object *config, const char *exe)
{
	json_object *run = NULL, *opts = NULL, *args = NULL;
	size_t n = 0, cap;
	char **argv;

	json_object_object_get_ex(config, "run", &run);
	json_object_object_get_ex(config, "options", &opts);
	json_object_object_get_ex(config, "args", &args);
	cap = 3 + json_object_array_length(run) + 2 * (size_t)json_object_object_length(opts) +
	      json_object_array_length(args);
	argv = calloc(cap, sizeof(*argv));
	if (!argv)
		return NULL;
#define PUSH(expr) do { if (!(argv[n++] = (expr))) goto oom; } while (0)
	PUSH(strdup(exe));
	for (size_t i = 0; i < json_object_array_length(run); i++)
		PUSH(strdup(json_object_get_string(json_object_array_get_idx(run, i))));
	json_object_object_foreach(opts, k, v) {
		char *a;

		if (!v || (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)))
			continue;
		if (asprintf(&a, "--%s", k) < 0)
			a = NULL;
		PUSH(a);
		if (!json_object_is_type(v, json_type_boolean))
			PUSH(strdup(json_object_get_string(v)));
	}
	PUSH(strdup("--json"));
	for (size_t i = 0; i < json_object_array_length(args); i++)
		PUSH(strdup(json_object_get_string(json_object_array_get_idx(args, i))));
#undef PUSH
	return argv;
oom:
	sweep_argv_free(argv);
	return NULL;
}
