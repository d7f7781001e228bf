/* SPDX-License-Identifier: MIT */
/*
 * The one option parser of phyr-sim's commands: getopt_long underneath, one
 * message format for every mistake, the same exit status everywhere.
 *
 * Every command and subcommand describes itself once:
 *
 *	static const struct option longopts[] = {
 *		{ "help", no_argument, NULL, 'h' },
 *		{ "cpus", required_argument, NULL, OPT_CPUS },
 *		{ "json", no_argument, NULL, OPT_JSON },
 *		{ 0 }
 *	};
 *	static const struct cli_cmd cmd = { "iova replay", "h", longopts, usage };
 *
 * and loops:
 *
 *	cli_opt_start();
 *	while ((c = cli_getopt(&cmd, argc, argv)) != -1) {
 *		switch (c) {
 *		case 'h': return cli_help(&cmd);
 *		case CLI_OPT_ERROR: return CLI_EXIT_USAGE;
 *		case OPT_CPUS:
 *			if (cli_opt_cpus(optarg, &n))
 *				return cli_bad_value(&cmd, "cpus", optarg, "1 to 64");
 *			...
 *		}
 *	}
 *	if (cli_operands(&cmd, argc, argv, 1, 1))   // exactly one FILE
 *		return CLI_EXIT_USAGE;
 *	path = argv[optind];
 *
 * Both `--opt value` and `--opt=value` work (getopt_long); options and
 * operands may come in any order; `--` ends the options; a lone `-` is an
 * operand (standard input).
 */
#ifndef PHYR_SIM_OPT_H
#define PHYR_SIM_OPT_H

#include <getopt.h>
#include <stdio.h>

/* Exit status of a usage mistake (bad option, bad value, missing operand). */
#define CLI_EXIT_USAGE 2

/* What cli_getopt() returns after it printed a message about a mistake. */
#define CLI_OPT_ERROR 0x7fff

struct cli_cmd {
	const char *name;          /* "iova replay": the prefix of every message */
	const char *shortopts;     /* short options, getopt syntax, e.g. "h" */
	const struct option *longopts; /* ends with an all-zero entry */
	void (*usage)(FILE *f);    /* the whole --help text */
};

/* Resets the parser; call once before the first cli_getopt() of a command. */
void cli_opt_start(void);

/*
 * The next option: its `val`, -1 when the options are over (optind is then
 * the first operand, operands moved to the end as GNU getopt does), or
 * CLI_OPT_ERROR after printing one of
 *	phyr-sim NAME: unrecognized option '--x'
 *	phyr-sim NAME: invalid option -- 'x'
 *	phyr-sim NAME: option '--cpus' requires an argument
 *	phyr-sim NAME: option '--json' doesn't allow an argument
 * followed by "Try 'phyr-sim NAME --help' for more information." on stderr.
 */
int cli_getopt(const struct cli_cmd *c, int argc, char **argv);

/* Prints the usage on stdout; returns 0 (the exit status of --help). */
int cli_help(const struct cli_cmd *c);

/*
 * Prints "phyr-sim NAME: bad --OPT 'VALUE' (expected EXPECT)" and the
 * --help hint on stderr; returns CLI_EXIT_USAGE.
 */
int cli_bad_value(const struct cli_cmd *c, const char *opt, const char *value,
		  const char *expect);

/*
 * Prints "phyr-sim NAME: MESSAGE" and the --help hint on stderr; returns
 * CLI_EXIT_USAGE. For mistakes no other helper names (two options that
 * exclude each other, a missing required option).
 */
int cli_usage_error(const struct cli_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Checks that between @min and @max operands follow the options (@max < 0:
 * no upper bound). Prints "phyr-sim NAME: missing operand" / "unexpected
 * operand 'X'" with the --help hint and returns -1 when not.
 */
int cli_operands(const struct cli_cmd *c, int argc, char **argv, int min, int max);

/*
 * Dispatches to a subcommand: argv[1] names one of @subs (@n entries);
 * `--help`/`-h` print @c's usage and return 0; nothing or an unknown name
 * prints a message and returns CLI_EXIT_USAGE.
 */
struct cli_sub {
	const char *name;
	int (*run)(int argc, char **argv);
};
int cli_dispatch(const struct cli_cmd *c, const struct cli_sub *subs, size_t n,
		 int argc, char **argv);

#endif /* PHYR_SIM_OPT_H */
