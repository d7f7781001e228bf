/* SPDX-License-Identifier: MIT */
/*
 * The one output framework of phyr-sim's commands: JSON documents (json-c),
 * the --stats block, and the rule that stdout never holds half a document.
 *
 * Every JSON document a command prints is one object:
 *
 *	{ "command": "iova replay", "version": "0.9.0",
 *	  "config": { ...every effective setting, defaults included... },
 *	  ...the command's results...,
 *	  "stats": { ...counters... } }
 *
 * Numbers are JSON numbers. An address or pfn is a number under its own
 * name and, where people read it in hex, the same value as a "0x..." string
 * under NAME_hex (cli_json_addr()). Small documents are built in memory
 * (cli_doc_new() ... cli_doc_print()); a command whose results grow with its
 * input streams them through a struct cli_jstream, which writes to a
 * temporary file and copies it to stdout only when the run succeeded. On an
 * error nothing of the document reaches stdout: the command prints
 * `FILE:LINE: message` on stderr, calls cli_json_error() (a small error
 * document on stdout) and exits 2.
 *
 * --stats prints the same counters as the JSON "stats" object, on stderr,
 * one `NAME VALUE` line each, in the object's order (cli_stats_print()).
 */
#ifndef PHYR_SIM_OUT_H
#define PHYR_SIM_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

/* A new document { "command": @command, "version": ..., "config": {} }. */
json_object *cli_doc_new(const char *command);

/* The document's "config" object (owned by the document). */
json_object *cli_doc_config(json_object *doc);

/*
 * Prints @doc (pretty, two-space indent, one trailing newline) on @f and
 * frees it. Returns 0, or -1 when writing failed.
 */
int cli_doc_print(json_object *doc, FILE *f);

/* Typed members; each replaces an existing member of the same name. */
void cli_json_u64(json_object *o, const char *key, uint64_t v);
void cli_json_i64(json_object *o, const char *key, int64_t v);
void cli_json_double(json_object *o, const char *key, double v);
void cli_json_bool(json_object *o, const char *key, bool v);
void cli_json_str(json_object *o, const char *key, const char *s); /* NULL -> null */
/* "0x%llx" string under @key. */
void cli_json_hex(json_object *o, const char *key, uint64_t v);
/* The number under @key and its "0x..." string under "@key_hex". */
void cli_json_addr(json_object *o, const char *key, uint64_t v);
/* A new object / array member, returned (owned by @o). */
json_object *cli_json_obj(json_object *o, const char *key);
json_object *cli_json_arr(json_object *o, const char *key);

/*
 * The error document of a failed --json run, on stdout:
 *	{ "command": ..., "version": ..., "error": { "file": F, "line": L,
 *	  "message": M } }
 * @file may be NULL (no input file involved; then no "file"/"line"), @line 0
 * (no line). The caller has already printed the message on stderr.
 */
void cli_json_error(const char *command, const char *file, unsigned long line,
		    const char *message);

/*
 * cli_json_error() with the last error recorded by the readers
 * (cli_last_error(), cli.h); "unknown error" when none was recorded.
 */
void cli_json_error_last(const char *command);

/*
 * A streamed document: the head members, then one array of items written
 * as they come, then tail members. Everything goes to a temporary file;
 * cli_jstream_finish() copies it to the real output, cli_jstream_abort()
 * throws it away.
 */
struct cli_jstream {
	FILE *tmp;
	bool first;
	bool failed;   /* a write to the temporary file failed */
};

/*
 * Starts the document with every member of @head (which it frees) and
 * opens the array @array_key. Returns 0 or -1 (no temporary file: message
 * printed).
 */
int cli_jstream_begin(struct cli_jstream *js, json_object *head, const char *array_key);
/* Appends @item (frees it) to the array. */
void cli_jstream_item(struct cli_jstream *js, json_object *item);
/*
 * Closes the array, appends every member of @tail (may be NULL; frees it),
 * closes the document and copies it to @out. Returns 0 or -1 (write error).
 */
int cli_jstream_finish(struct cli_jstream *js, json_object *tail, FILE *out);
void cli_jstream_abort(struct cli_jstream *js);

/*
 * --stats: every member of @stats (an object of numbers) as `NAME VALUE`
 * lines on @f, in order; nested objects give `PREFIX.NAME VALUE`.
 */
void cli_stats_print(FILE *f, json_object *stats);

#endif /* PHYR_SIM_OUT_H */
