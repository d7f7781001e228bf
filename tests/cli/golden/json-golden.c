// SPDX-License-Identifier: MIT
/*
 * json-golden: reads one phyr-sim --json document on stdin and prints it
 * again, pretty, with every member named by an argument removed at any
 * depth (the version, wall times, input paths: what a golden file must not
 * pin). golden.sh compares the result with a golden file.
 *   json-golden [KEY...] < DOC
 * Exit 0, or 1 when the input is not one JSON document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static void strip(json_object *o, int nkeys, char **keys)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			strip(json_object_array_get_idx(o, i), nkeys, keys);
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	for (int k = 0; k < nkeys; k++)
		json_object_object_del(o, keys[k]);
	json_object_object_foreach(o, key, val) {
		(void)key;
		strip(val, nkeys, keys);
	}
}

int main(int argc, char **argv)
{
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	json_tokener *tok;
	json_object *doc;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf) {
		fprintf(stderr, "json-golden: out of memory\n");
		return 1;
	}
	buf[len] = '\0';
	tok = json_tokener_new();
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		fprintf(stderr, "json-golden: not one valid JSON document\n");
		return 1;
	}
	strip(doc, argc - 1, argv + 1);
	puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
						 JSON_C_TO_STRING_SPACED |
						 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	json_tokener_free(tok);
	free(buf);
	return 0;
}
