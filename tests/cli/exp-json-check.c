// SPDX-License-Identifier: MIT
/*
 * exp-json-check NAME...: reads `phyr-sim experiment all --json` on stdin
 * and checks that "experiments" holds exactly the experiments NAME... in
 * that order, each with a published and a model figure ({value: number,
 * unit: string}), a numeric ratio, a verdict of "reproduced", "same shape"
 * or "differs", a source, a reading and a table with at least one row.
 * Exit 0 = it holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static int fail(const char *name, const char *why)
{
	fprintf(stderr, "exp-json-check: %s: %s\n", name, why);
	return 1;
}

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static int figure_ok(json_object *e, const char *key)
{
	json_object *f = member(e, key, json_type_object);

	return f && (member(f, "value", json_type_double) || member(f, "value", json_type_int)) &&
	       member(f, "unit", json_type_string);
}

int main(int argc, char **argv)
{
	size_t cap = 1 << 20, len = 0, n;
	char *buf = malloc(cap);
	json_object *doc, *arr;

	if (!buf)
		return 1;
	while ((n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				return 1;
			buf = b;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	doc = json_tokener_parse(buf);
	free(buf);
	if (!doc)
		return fail("-", "not one JSON document");
	arr = member(doc, "experiments", json_type_array);
	if (!arr || (int)json_object_array_length(arr) != argc - 1)
		return fail("-", "\"experiments\" is not an array of the expected length");
	for (int i = 1; i < argc; i++) {
		json_object *e = json_object_array_get_idx(arr, (size_t)i - 1), *v, *t;
		const char *verdict;

		v = member(e, "name", json_type_string);
		if (!v || strcmp(json_object_get_string(v), argv[i]) != 0)
			return fail(argv[i], "missing or in another place");
		if (!figure_ok(e, "published") || !figure_ok(e, "model"))
			return fail(argv[i], "published or model is not {value: number, unit: string}");
		if (!member(e, "ratio", json_type_double))
			return fail(argv[i], "ratio is not a number");
		v = member(e, "verdict", json_type_string);
		verdict = v ? json_object_get_string(v) : "";
		if (strcmp(verdict, "reproduced") && strcmp(verdict, "same shape") &&
		    strcmp(verdict, "differs"))
			return fail(argv[i], "verdict is not reproduced, same shape or differs");
		if (!member(e, "source", json_type_string) || !member(e, "reading", json_type_string))
			return fail(argv[i], "no source or reading");
		t = member(e, "table", json_type_object);
		if (!t || !(v = member(t, "rows", json_type_array)) || json_object_array_length(v) == 0)
			return fail(argv[i], "no table rows");
	}
	json_object_put(doc);
	return 0;
}
