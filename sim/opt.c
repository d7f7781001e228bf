// SPDX-License-Identifier: MIT
/* The shared option parser of phyr-sim's commands (see opt.h). */
#include <stdarg.h>
#include <string.h>

#include "opt.h"

void cli_opt_start(void)
{
	optind = 0; /* GNU: also re-reads the environment and resets state */
	opterr = 0;
}

static void hint(const struct cli_cmd *c)
{
	fprintf(stderr, "Try 'phyr-sim %s --help' for more information.\n", c->name);
}

int cli_getopt(const struct cli_cmd *c, int argc, char **argv)
{
	char shortopts[64];
	int r;

	/* A leading ':' makes a missing argument return ':' instead of '?'. */
	snprintf(shortopts, sizeof(shortopts), ":%s", c->shortopts ? c->shortopts : "");
	opterr = 0;
	r = getopt_long(argc, argv, shortopts, c->longopts, NULL);
	if (r != '?' && r != ':')
		return r;

	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";

	if (r == ':') {
		if (strncmp(arg, "--", 2) == 0)
			fprintf(stderr, "phyr-sim %s: option '%s' requires an argument\n", c->name,
				arg);
		else
			fprintf(stderr, "phyr-sim %s: option requires an argument -- '%c'\n",
				c->name, optopt);
	} else if (strncmp(arg, "--", 2) == 0) {
		size_t len = strcspn(arg, "=");

		if (optopt && arg[len] == '=')
			fprintf(stderr, "phyr-sim %s: option '%.*s' doesn't allow an argument\n",
				c->name, (int)len, arg);
		else
			fprintf(stderr, "phyr-sim %s: unrecognized option '%s'\n", c->name, arg);
	} else {
		fprintf(stderr, "phyr-sim %s: invalid option -- '%c'\n", c->name, optopt);
	}
	hint(c);
	return CLI_OPT_ERROR;
}

int cli_help(const struct cli_cmd *c)
{
	c->usage(stdout);
	return 0;
}

int cli_bad_value(const struct cli_cmd *c, const char *opt, const char *value,
		  const char *expect)
{
	fprintf(stderr, "phyr-sim %s: bad --%s '%s' (expected %s)\n", c->name, opt, value, expect);
	hint(c);
	return CLI_EXIT_USAGE;
}

int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "phyr-sim %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	hint(c);
	return CLI_EXIT_USAGE;
}

int cli_operands(const struct cli_cmd *c, int argc, char **argv, int min, int max)
{
	int n = argc - optind;

	if (n < min) {
		cli_usage_error(c, "missing operand");
		return -1;
	}
	if (max >= 0 && n > max) {
		cli_usage_error(c, "unexpected operand '%s'", argv[optind + max]);
		return -1;
	}
	return 0;
}

int cli_dispatch(const struct cli_cmd *c, const struct cli_sub *subs, size_t n,
		 int argc, char **argv)
{
	if (argc < 2) {
		c->usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cli_help(c);
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		fprintf(stderr, "phyr-sim %s: unrecognized option '%s'\n", c->name, argv[1]);
	else
		fprintf(stderr, "phyr-sim %s: unknown subcommand '%s'\n", c->name, argv[1]);
	hint(c);
	return CLI_EXIT_USAGE;
}
