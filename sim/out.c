// SPDX-License-Identifier: MIT
/* The shared JSON and --stats output of phyr-sim's commands (see out.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <phyr/phyr.h>

#include "cli.h"
#include "out.h"

#define CLI_JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | \
			JSON_C_TO_STRING_NOSLASHESCAPE)

/* json-c aborts on allocation failure in none of these; a NULL child is
 * dropped by json_object_object_add, so an out-of-memory run prints a
 * document with members missing rather than crash. */

json_object *cli_doc_new(const char *command)
{
	json_object *doc = json_object_new_object();

	cli_json_str(doc, "command", command);
	cli_json_str(doc, "version", phyr_version());
	json_object_object_add(doc, "config", json_object_new_object());
	return doc;
}

json_object *cli_doc_config(json_object *doc)
{
	json_object *c = NULL;

	if (!json_object_object_get_ex(doc, "config", &c))
		c = cli_json_obj(doc, "config");
	return c;
}

int cli_doc_print(json_object *doc, FILE *f)
{
	const char *s = json_object_to_json_string_ext(doc, CLI_JSON_FLAGS);
	int ret = fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;

	json_object_put(doc);
	if (fflush(f))
		ret = -1;
	return ret;
}

void cli_json_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

void cli_json_i64(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

void cli_json_double(json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

void cli_json_bool(json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

void cli_json_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

void cli_json_hex(json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	cli_json_str(o, key, buf);
}

void cli_json_addr(json_object *o, const char *key, uint64_t v)
{
	char k[128];

	cli_json_u64(o, key, v);
	snprintf(k, sizeof(k), "%s_hex", key);
	cli_json_hex(o, k, v);
}

json_object *cli_json_obj(json_object *o, const char *key)
{
	json_object *c = json_object_new_object();

	json_object_object_add(o, key, c);
	return c;
}

json_object *cli_json_arr(json_object *o, const char *key)
{
	json_object *c = json_object_new_array();

	json_object_object_add(o, key, c);
	return c;
}

void cli_json_error(const char *command, const char *file, unsigned long line,
		    const char *message)
{
	json_object *doc = json_object_new_object();
	json_object *e;

	cli_json_str(doc, "command", command);
	cli_json_str(doc, "version", phyr_version());
	e = cli_json_obj(doc, "error");
	if (file) {
		cli_json_str(e, "file", file);
		if (line)
			cli_json_u64(e, "line", line);
	}
	cli_json_str(e, "message", message);
	cli_doc_print(doc, stdout);
}

void cli_json_error_last(const char *command)
{
	const struct cli_last_error *e = cli_last_error();

	if (!e)
		cli_json_error(command, NULL, 0, "unknown error");
	else
		cli_json_error(command, e->has_file ? e->file : NULL, e->line, e->message);
}

/* Writes the members of @o as `"key": value` separated by ",\n  ". */
static void put_members(struct cli_jstream *js, json_object *o)
{
	json_object_object_foreach(o, key, val) {
		json_object *k = json_object_new_string(key);

		if (fprintf(js->tmp, "%s\n  %s: %s", js->first ? "" : ",",
			    json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN),
			    json_object_to_json_string_ext(val, JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
			js->failed = true;
		json_object_put(k);
		js->first = false;
	}
}

int cli_jstream_begin(struct cli_jstream *js, json_object *head, const char *array_key)
{
	json_object *k;

	memset(js, 0, sizeof(*js));
	js->tmp = tmpfile();
	if (!js->tmp) {
		perror("phyr-sim: temporary file for the JSON output");
		json_object_put(head);
		return -1;
	}
	fputc('{', js->tmp);
	js->first = true;
	put_members(js, head);
	json_object_put(head);
	k = json_object_new_string(array_key);
	fprintf(js->tmp, "%s\n  %s: [", js->first ? "" : ",",
		json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN));
	json_object_put(k);
	js->first = true;
	return 0;
}

void cli_jstream_item(struct cli_jstream *js, json_object *item)
{
	if (fprintf(js->tmp, "%s\n    %s", js->first ? "" : ",",
		    json_object_to_json_string_ext(item, JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		js->failed = true;
	js->first = false;
	json_object_put(item);
}

int cli_jstream_finish(struct cli_jstream *js, json_object *tail, FILE *out)
{
	char buf[65536];
	size_t n;
	int ret = 0;

	fputs(js->first ? "]" : "\n  ]", js->tmp);
	js->first = false;
	if (tail) {
		put_members(js, tail);
		json_object_put(tail);
	}
	fputs("\n}\n", js->tmp);
	if (fflush(js->tmp) || ferror(js->tmp) || js->failed)
		ret = -1;
	rewind(js->tmp);
	while (!ret && (n = fread(buf, 1, sizeof(buf), js->tmp)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			ret = -1;
	if (fflush(out))
		ret = -1;
	fclose(js->tmp);
	js->tmp = NULL;
	return ret;
}

void cli_jstream_abort(struct cli_jstream *js)
{
	if (js->tmp)
		fclose(js->tmp);
	js->tmp = NULL;
}

static void stats_rec(FILE *f, const char *prefix, json_object *o)
{
	json_object_object_foreach(o, key, val) {
		if (json_object_is_type(val, json_type_object)) {
			char p[256];

			snprintf(p, sizeof(p), "%s%s.", prefix, key);
			stats_rec(f, p, val);
		} else {
			fprintf(f, "%s%s %s\n", prefix, key,
				json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
		}
	}
}

void cli_stats_print(FILE *f, json_object *stats)
{
	if (stats)
		stats_rec(f, "", stats);
}
