/* SPDX-License-Identifier: MIT */
/*
 * Streaming reader of ftrace's text output (/sys/kernel/tracing/trace),
 * optionally preceded by a capture tool's `#` comment block.
 *
 * One line at a time through a fixed buffer (memory is bounded by the
 * longest line, at most FTRACE_MAX_LINE bytes, whatever the file's size).
 * Each line is split into its columns:
 *
 *     TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: PAYLOAD
 *
 * TASK may hold blanks and dashes (the PID is the digits after the last
 * `-` before the `[CPU]` column); CRs before the newline are dropped; a
 * last line without its newline is not delivered but reported
 * (ftrace_reader_truncated()); `CPU:N [LOST M EVENTS]` lines come as
 * FTRACE_LOST. From the `#` lines the reader keeps what the rest of the
 * capture needs: `#P:N` (CPU count), `entries-in-buffer/entries-written:
 * A/B` and a `kernel: Linux version X` line.
 *
 * Payload fields are read by name (`name=value`): ftrace_fields() splits
 * a payload once, ftrace_field_find() and the typed getters read it.
 *
 * This header is shared by every reader of captures (IOVA and swiotlb
 * replay); keep it stable.
 */
#ifndef PHYR_CAPTURE_FTRACE_H
#define PHYR_CAPTURE_FTRACE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest line the reader accepts (bytes, without the newline). */
#define FTRACE_MAX_LINE (1u << 20)
/* Most fields ftrace_fields() splits out of one payload. */
#define FTRACE_MAX_FIELDS 48

struct ftrace_reader;

enum ftrace_line_kind {
	FTRACE_EVENT,   /* TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: PAYLOAD */
	FTRACE_COMMENT, /* a line starting with '#' (text = the whole line) */
	FTRACE_LOST,    /* CPU:N [LOST M EVENTS] (cpu, lost) */
	FTRACE_BLANK,   /* empty or blanks only */
};

/* A string slice inside the reader's buffer: valid until the next call. */
struct ftrace_str {
	const char *p;
	size_t len;
};

struct ftrace_line {
	enum ftrace_line_kind kind;
	uint64_t lineno;         /* 1-based line number in the file */
	struct ftrace_str text;  /* the whole line (no CR/LF) */
	/* FTRACE_EVENT only: */
	struct ftrace_str task;  /* comm, may hold blanks and dashes */
	uint32_t pid;
	uint32_t cpu;            /* also FTRACE_LOST */
	struct ftrace_str flags; /* "d.h1." */
	uint64_t ts_ns;          /* timestamp, nanoseconds (ts_raw: the clock's own count) */
	bool ts_raw;             /* an integer timestamp (trace_clock x86-tsc, counter) */
	struct ftrace_str event; /* "map", "iova_alloc" (no system) */
	struct ftrace_str payload;  /* after "EVENT: " (may be empty) */
	/* a dynamic probe's site, "(func+0x4/0x90)" or "(caller+0x5c/0x290 <- func)"
	 * without the parentheses; len 0 for a tracepoint */
	struct ftrace_str site;
	bool retprobe;           /* the site has " <- " (a return probe) */
	struct ftrace_str args;  /* the payload after the site (all of it without one) */
	uint64_t lost;           /* FTRACE_LOST: M */
};

/* The context a line ran in: ftrace's third flag ('.' a task, 's' a
 * softirq, 'h'/'H' a hardirq, 'z'/'Z' an NMI; '.' when not recorded). */
static inline char ftrace_line_ctx(const struct ftrace_line *l)
{
	return l->flags.len >= 3 ? l->flags.p[2] : '.';
}

/* How a context nests: a task (0) under a softirq (1) under a hardirq (2)
 * under an NMI (3). */
static inline int ftrace_ctx_level(char ctx)
{
	switch (ctx) {
	case 's':
		return 1;
	case 'h':
	case 'H':
		return 2;
	case 'z':
	case 'Z':
		return 3;
	default:
		return 0;
	}
}

/* One `name=value` of a payload (value may be empty: `attrs=`). */
struct ftrace_field {
	struct ftrace_str name;
	struct ftrace_str value;
};

struct ftrace_fields {
	unsigned int n;
	struct ftrace_field f[FTRACE_MAX_FIELDS];
};

/*
 * Opens @path (or reads @f when non-NULL, then @path only names it in
 * messages; the reader does not close @f). Return: 0, -EINVAL, -ENOMEM,
 * or the -errno of fopen() (message in @err).
 */
int ftrace_reader_open(const char *path, FILE *f, struct ftrace_reader **out, char *err,
		       size_t errlen);
void ftrace_reader_close(struct ftrace_reader *r);

/*
 * The next line into @l (slices valid until the next call).
 * Return: 1 a line, 0 end of file, -EIO read error, -E2BIG a line longer
 * than FTRACE_MAX_LINE, -EBADMSG a line that is none of the kinds or holds
 * a NUL byte (message "FILE:LINE: ..." in the reader's error buffer).
 */
int ftrace_reader_next(struct ftrace_reader *r, struct ftrace_line *l);

/* The file's name as given to open (for messages). */
const char *ftrace_reader_name(const struct ftrace_reader *r);
/* Formats "FILE:LINE: message" into the error buffer given to open. */
void ftrace_reader_error(struct ftrace_reader *r, uint64_t lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Header facts seen so far (0 / NULL when absent). */
unsigned int ftrace_reader_ncpus(const struct ftrace_reader *r);           /* #P:N */
const char *ftrace_reader_kernel(const struct ftrace_reader *r);           /* "6.12.95+deb12-amd64" */
void ftrace_reader_entries(const struct ftrace_reader *r, uint64_t *in_buffer,
			   uint64_t *written);
/* Line number of a last line cut short (no newline), 0 if none. */
uint64_t ftrace_reader_truncated(const struct ftrace_reader *r);
/* Lines read, and LOST EVENTS lines and their total count. */
uint64_t ftrace_reader_nlines(const struct ftrace_reader *r);
void ftrace_reader_lost(const struct ftrace_reader *r, uint64_t *nlines, uint64_t *nevents);
/* Line number of the first `[LOST M EVENTS]` line read so far (0: none). */
uint64_t ftrace_reader_first_lost(const struct ftrace_reader *r);

/* ---- payload fields ---- */

/* Splits @s (a payload or its args) into its `name=value` tokens; tokens
 * without `=` are skipped; `"..."` and `{...}` values may hold blanks. */
void ftrace_fields(struct ftrace_str s, struct ftrace_fields *out);
/* The value of field @name, or NULL. */
static inline const struct ftrace_str *ftrace_field_find(const struct ftrace_fields *fs,
							  const char *name)
{
	size_t n = __builtin_strlen(name); /* a constant where @name is a literal */

	for (unsigned int i = 0; i < fs->n; i++)
		if (fs->f[i].name.len == n && fs->f[i].name.p[0] == name[0] &&
		    __builtin_memcmp(fs->f[i].name.p, name, n) == 0)
			return &fs->f[i].value;
	return NULL;
}
/*
 * Typed reads of field @name: hex with or without "0x" (ftrace_field_hex),
 * decimal (ftrace_field_dec), or either by prefix (ftrace_field_u64: "0x"
 * hex, else decimal). Return: 0, -ENOENT (no such field), -EINVAL (not a
 * number, or out of range).
 */
/* Number parsing of a slice (whole slice must be the number). Return 0 or -EINVAL. */
int ftrace_parse_hex(struct ftrace_str s, uint64_t *v);
int ftrace_parse_dec(struct ftrace_str s, uint64_t *v);

static inline int ftrace_field_hex(const struct ftrace_fields *fs, const char *name, uint64_t *v)
{
	const struct ftrace_str *s = ftrace_field_find(fs, name);

	return s ? ftrace_parse_hex(*s, v) : -ENOENT;
}

static inline int ftrace_field_dec(const struct ftrace_fields *fs, const char *name, uint64_t *v)
{
	const struct ftrace_str *s = ftrace_field_find(fs, name);

	return s ? ftrace_parse_dec(*s, v) : -ENOENT;
}

static inline int ftrace_field_u64(const struct ftrace_fields *fs, const char *name, uint64_t *v)
{
	const struct ftrace_str *s = ftrace_field_find(fs, name);

	if (!s)
		return -ENOENT;
	if (s->len > 2 && s->p[0] == '0' && (s->p[1] | 0x20) == 'x')
		return ftrace_parse_hex(*s, v);
	return ftrace_parse_dec(*s, v);
}

/* True when @s equals the NUL-terminated @lit. */
static inline bool ftrace_str_eq(struct ftrace_str s, const char *lit)
{
	size_t i = 0;

	for (; i < s.len; i++)
		if (lit[i] != s.p[i] || lit[i] == '\0')
			return false;
	return lit[i] == '\0';
}

#endif /* PHYR_CAPTURE_FTRACE_H */
