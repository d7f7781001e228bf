// SPDX-License-Identifier: MIT
/*
 * json-check: reads one JSON document on stdin and checks the shape every
 * phyr-sim --json document has (sim/out.h):
 *   json-check COMMAND          an object with "command" == COMMAND, a
 *                               non-empty "version" string and a "config"
 *                               object
 *   json-check --error COMMAND  empty input, or an object with "command" ==
 *                               COMMAND and an "error" object holding a
 *                               "message" string
 * Anything after the document but blanks fails. Exit 0 = the shape holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static int fail(const char *why)
{
	fprintf(stderr, "json-check: %s\n", why);
	return 1;
}

static const char *str_member(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int main(int argc, char **argv)
{
	int error_mode = argc == 3 && strcmp(argv[1], "--error") == 0;
	const char *want = argv[argc - 1];
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	json_tokener *tok;
	json_object *doc, *v;
	int ret = 0;

	if (argc != 2 && !error_mode)
		return fail("usage: json-check [--error] COMMAND < DOC");
	while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		return fail("out of memory");
	buf[len] = '\0';
	if (error_mode && strspn(buf, " \t\r\n") == len) {
		free(buf);
		return 0; /* nothing on stdout is allowed after an error */
	}
	tok = json_tokener_new();
	doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
		ret = fail("not one valid JSON document");
	} else if (strspn(buf + json_tokener_get_parse_end(tok), " \t\r\n") !=
		   len - json_tokener_get_parse_end(tok)) {
		ret = fail("text after the document");
	} else if (!json_object_is_type(doc, json_type_object)) {
		ret = fail("not an object");
	} else if (!str_member(doc, "command") || strcmp(str_member(doc, "command"), want)) {
		ret = fail("\"command\" missing or not the expected one");
	} else if (!str_member(doc, "version") || !*str_member(doc, "version")) {
		ret = fail("\"version\" missing");
	} else if (error_mode) {
		if (!json_object_object_get_ex(doc, "error", &v) || !str_member(v, "message"))
			ret = fail("no \"error\" object with a \"message\"");
	} else if (!json_object_object_get_ex(doc, "config", &v) ||
		   !json_object_is_type(v, json_type_object)) {
		ret = fail("no \"config\" object");
	}
	json_object_put(doc);
	json_tokener_free(tok);
	free(buf);
	return ret;
}
