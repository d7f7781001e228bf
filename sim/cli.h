/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the phyr-sim subcommands: strict line-oriented readers
 * with FILE:LINE: error reporting, number parsing, and size parsing.
 * Uses only the public libphyr API.
 */
#ifndef PHYR_SIM_CLI_H
#define PHYR_SIM_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit status of a reader that met malformed input. */
#define CLI_EXIT_BADINPUT 2

struct cli_reader {
	const char *path;  /* as given; "-" is shown as "<stdin>" */
	FILE *f;
	unsigned long line; /* 1-based number of the line last returned */
	char *buf;
	size_t cap;
};

/* Opens @path ("-" = stdin). Prints an error and returns -1 on failure. */
int cli_open(struct cli_reader *r, const char *path);
void cli_close(struct cli_reader *r);

/*
 * Returns the next line that holds an operation: '#' comments removed,
 * surrounding blanks trimmed; blank lines are skipped. If @cut_arrow, the
 * text from " -> " on is dropped too (the conformance files' expected
 * part). Returns 1 with *line set, 0 at end of input, -1 on bad input: a
 * read error ("FILE:LINE: read error: REASON", e.g. a directory or a closed
 * standard input) or a NUL byte in a line ("FILE:LINE: NUL byte"), the
 * message already printed on stderr; the caller exits with
 * CLI_EXIT_BADINPUT.
 */
int cli_next(struct cli_reader *r, char **line, bool cut_arrow);

/* Longest quoted token in a message; longer ones end in "...". */
#define CLI_CLIP_CHARS 40
#define CLI_CLIP_BUF (CLI_CLIP_CHARS + 4)

/* Returns @s, or its first CLI_CLIP_CHARS characters and "..." in @buf
 * (at least CLI_CLIP_BUF bytes) when it is longer. */
const char *cli_clip(const char *s, char *buf, size_t len);

/* Splits @line in place on blanks. Returns the token count (at most @max;
 * -1 if there are more than @max tokens). */
int cli_split(char *line, char **tok, int max);

/* Prints "FILE:LINE: message" on stderr. */
void cli_error(const struct cli_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The last error a reader reported (cli_error(), cli_open(), cli_next()) or
 * a command recorded with cli_record_error(): what a --json run puts in its
 * error document (out.h). NULL when none was.
 */
struct cli_last_error {
	bool set;
	bool has_file;
	char file[256];
	unsigned long line;  /* 0: not about one line */
	char message[512];
};
const struct cli_last_error *cli_last_error(void);
/* Records an error without printing it (@file may be NULL). */
void cli_record_error(const char *file, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats a parser's message into @err (@errlen bytes); returns -1. */
int cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Parses an unsigned 64-bit number, decimal or 0x-prefixed hex, the whole
 * string, no sign, no overflow. Returns 0 or -1.
 */
int cli_u64(const char *s, uint64_t *out);

/* Parses a size with an optional K/M/G/T/P suffix (powers of 1024). */
int cli_size(const char *s, uint64_t *out);

/* Formats @bytes with binary units and one decimal ("1.5 GiB", "512 B"). */
void cli_humanize(char *buf, size_t len, uint64_t bytes);

#endif /* PHYR_SIM_CLI_H */
