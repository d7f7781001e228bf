// SPDX-License-Identifier: MIT
/* Shared helpers of the phyr-sim subcommands (see cli.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/libutil.h>

#include "cli.h"

int cli_open(struct cli_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	if (strcmp(path, "-") == 0) {
		r->path = "<stdin>";
		r->f = stdin;
		return 0;
	}
	r->path = path;
	r->f = fopen(path, "r");
	if (!r->f) {
		cli_record_error(path, 0, "%s", strerror(errno));
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

void cli_close(struct cli_reader *r)
{
	if (r->f && r->f != stdin)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int cli_next(struct cli_reader *r, char **line, bool cut_arrow)
{
	for (;;) {
		ssize_t n;
		char *s, *e;

		errno = 0;
		n = getline(&r->buf, &r->cap, r->f);
		if (n < 0) {
			int err = errno;

			if (!ferror(r->f))
				return 0;
			/* the line that could not be read */
			cli_record_error(r->path, r->line + 1, "read error: %s",
					 strerror(err ? err : EIO));
			fprintf(stderr, "%s:%lu: read error: %s\n", r->path, r->line + 1,
				strerror(err ? err : EIO));
			return -1;
		}
		r->line++;
		s = r->buf;
		/* getline stops only at '\n': a NUL inside the line is malformed input */
		if (memchr(s, '\0', (size_t)n)) {
			cli_error(r, "NUL byte");
			return -1;
		}
		e = strchr(s, '#');
		if (e)
			*e = '\0';
		if (cut_arrow) {
			e = strstr(s, " -> ");
			if (e)
				*e = '\0';
		}
		while (*s && isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s) {
			*line = s;
			return 1;
		}
	}
}

const char *cli_clip(const char *s, char *buf, size_t len)
{
	size_t n = strnlen(s, CLI_CLIP_CHARS + 1);

	if (n <= CLI_CLIP_CHARS || len < CLI_CLIP_CHARS + 4)
		return s;
	memcpy(buf, s, CLI_CLIP_CHARS);
	memcpy(buf + CLI_CLIP_CHARS, "...", 4);
	return buf;
}

int cli_split(char *line, char **tok, int max)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		tok[n++] = t;
	}
	return n;
}

static struct cli_last_error last_error;

static void record_v(const char *file, unsigned long line, const char *fmt, va_list ap)
{
	snprintf(last_error.file, sizeof(last_error.file), "%s", file ? file : "");
	last_error.has_file = file != NULL;
	last_error.line = line;
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	last_error.set = true;
}

void cli_record_error(const char *file, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_v(file, line, fmt, ap);
	va_end(ap);
}

const struct cli_last_error *cli_last_error(void)
{
	return last_error.set ? &last_error : NULL;
}

void cli_error(const struct cli_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record_v(r->path, r->line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%lu: %s\n", r->path, r->line, last_error.message);
}

int cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int cli_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int cli_size(const char *s, uint64_t *out)
{
	uint64_t v;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	if (cli_u64(s, &v) == 0) {
		*out = v;
		return 0;
	}
	if (expand_number(s, &v) != 0)
		return -1;
	*out = v;
	return 0;
}

void cli_humanize(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned u = 0;
	uint64_t scale = 1024;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return;
	}
	while (u < 5 && bytes / scale >= 1024) {
		scale *= 1024;
		u++;
	}
	/* one decimal, rounded half up, in integers (rem * 10 < 2^64) */
	{
		uint64_t whole = bytes / scale, tenths = ((bytes % scale) * 10 + scale / 2) / scale;

		if (tenths == 10) {
			whole++;
			tenths = 0;
		}
		snprintf(buf, len, "%llu.%llu %s", (unsigned long long)whole,
			 (unsigned long long)tenths, units[u]);
	}
}
