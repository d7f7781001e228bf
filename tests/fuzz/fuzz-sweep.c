// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the sweep-file reader (sim/sweep.c) on arbitrary bytes.
 * Checks: a file is accepted or refused with a "PATH:LINE: " message and
 * nothing kept; an accepted one expands to at most SWEEP_MAX_POINTS points,
 * each point's configuration gives the same 16-digit ID twice and an argv
 * that starts with the command words and holds "--json"; the first, a
 * middle and the last point are checked (expanding all could be slow).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_point(const struct sweep *s, uint64_t i)
{
	json_object *cfg = sweep_point_config(s, i), *again = sweep_point_config(s, i);
	char id[17], id2[17];
	char **argv;
	bool has_json = false;

	sweep_point_id(cfg, id);
	sweep_point_id(again, id2);
	CHECK(strlen(id) == 16 && strcmp(id, id2) == 0);
	argv = sweep_point_argv(cfg, "phyr-sim");
	CHECK(argv);
	CHECK(strcmp(argv[0], "phyr-sim") == 0);
	for (size_t k = 0; k < s->nrun; k++)
		CHECK(argv[1 + k] && strcmp(argv[1 + k], s->run[k]) == 0);
	for (char **a = argv; *a; a++)
		has_json |= strcmp(*a, "--json") == 0;
	CHECK(has_json);
	sweep_argv_free(argv);
	json_object_put(cfg);
	json_object_put(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sweep s;
	char err[512];

	err[0] = '\0';
	if (sweep_parse(&s, "f.json", (const char *)data, size, err, sizeof(err))) {
		CHECK(strncmp(err, "f.json:", 7) == 0);
		CHECK(s.root == NULL && s.run == NULL && s.vary == NULL);
		return 0;
	}
	CHECK(s.npoints >= 1 && s.npoints <= SWEEP_MAX_POINTS && s.nrun >= 1);
	check_point(&s, 0);
	check_point(&s, s.npoints / 2);
	check_point(&s, s.npoints - 1);
	s.path = NULL;
	sweep_free(&s);
	return 0;
}
