/* SPDX-License-Identifier: MIT */
/*
 * Sweep files (docs/sweeps.md): a base configuration of one phyr-sim
 * command and the parameters to vary; expanded into points, each a pure
 * function of its configuration with a stable id. Kept apart from the
 * command so the fuzz target can call the reader.
 */
#ifndef PHYR_SIM_SWEEP_H
#define PHYR_SIM_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Most points one sweep file may expand to. */
#define SWEEP_MAX_POINTS 1000000
/* Most values one varied parameter may take. */
#define SWEEP_MAX_VALUES 100000

struct sweep_param {
	char *name;             /* the option name, without "--" */
	json_object *values;    /* array of scalars (owned by the sweep) */
	size_t nvalues;
};

struct sweep {
	char *path;             /* as given */
	char *name;             /* "sweep" member, or the file name */
	char **run;             /* the command words, e.g. {"iova", "replay"} */
	size_t nrun;
	char **args;            /* fixed operands after the options */
	size_t nargs;
	json_object *base;      /* options of every point: object of scalars */
	struct sweep_param *vary;
	size_t nvary;
	uint64_t npoints;
	json_object *root;      /* the whole parsed file */
};

/*
 * Parses sweep file text @text (@len bytes) named @path. Returns 0, or -1
 * with "PATH:LINE: message" in @err (nothing allocated).
 */
int sweep_parse(struct sweep *s, const char *path, const char *text, size_t len,
		char *err, size_t errlen);
/* Reads and parses the file @path ("-" = stdin). As sweep_parse(). */
int sweep_load(struct sweep *s, const char *path, char *err, size_t errlen);
void sweep_free(struct sweep *s);

/*
 * Point @index (0 <= index < npoints; the last varied parameter changes
 * fastest): its canonical configuration, an object with "run", "args" and
 * "options" (base and varied values merged, keys sorted), which the caller
 * frees.
 */
json_object *sweep_point_config(const struct sweep *s, uint64_t index);

/* The point's id: 16 hex digits of a 64-bit FNV-1a hash of the canonical
 * configuration's plain JSON text. @buf holds at least 17 bytes. */
void sweep_point_id(json_object *config, char *buf);

/*
 * The argv (NULL-terminated, strings owned by the caller, free with
 * sweep_argv_free()) that runs the point: @exe, the command words,
 * `--NAME VALUE` per option (true: `--NAME`; false and null: left out),
 * "--json", the fixed operands. NULL on allocation failure.
 */
char **sweep_point_argv(json_object *config, const char *exe);
void sweep_argv_free(char **argv);

#endif /* PHYR_SIM_SWEEP_H */
