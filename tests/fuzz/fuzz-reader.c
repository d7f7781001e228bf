// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the line reader every phyr-sim front end uses
 * (sim/cli.c: cli_next, cli_split, cli_clip) on arbitrary bytes, NUL bytes
 * included, through a stream that fails with EIO after a number of bytes
 * chosen by the input. Byte 0: bit 0 cut_arrow; byte 1: the byte offset
 * (times 16) of the read error, 255 = none. Checks: a line returned holds
 * no NUL, no '#', no " -> " (with cut_arrow), no surrounding blank and is
 * not empty; the line numbers count the newlines read; the reader stops
 * with -1 exactly when the input holds a NUL byte in what was read or the
 * stream failed, with 0 only at a clean end; tokens hold no blank; a
 * clipped token is at most CLI_CLIP_CHARS + 3 characters.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

struct src {
	const uint8_t *p;
	size_t n, off, fail_at; /* fail_at: SIZE_MAX = never */
};

static ssize_t src_read(void *cookie, char *buf, size_t len)
{
	struct src *s = cookie;
	size_t n;

	if (s->off >= s->fail_at) {
		errno = EIO;
		return -1;
	}
	n = s->n - s->off;
	if (n > len)
		n = len;
	if (s->fail_at != SIZE_MAX && n > s->fail_at - s->off)
		n = s->fail_at - s->off;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cookie_io_functions_t io = { .read = src_read };
	struct src s;
	struct cli_reader r;
	bool cut;
	char *line;
	int got;
	unsigned long lines_seen = 0;

	if (size < 2 || size > 1 << 16)
		return 0;
	cut = data[0] & 1;
	s.p = data + 2;
	s.n = size - 2;
	s.off = 0;
	s.fail_at = data[1] == 255 ? SIZE_MAX : (size_t)data[1] * 16;
	memset(&r, 0, sizeof(r));
	r.path = "fuzz";
	r.f = fopencookie(&s, "r", io);
	if (!r.f)
		return 0;
	while ((got = cli_next(&r, &line, cut)) == 1) {
		size_t len = strlen(line);
		char *tok[16], clip[CLI_CLIP_BUF];
		int ntok;

		CHECK(r.line > lines_seen);
		lines_seen = r.line;
		CHECK(len > 0);
		CHECK(!strchr(line, '#'));
		CHECK(!cut || !strstr(line, " -> "));
		CHECK(!isspace((unsigned char)line[0]) && !isspace((unsigned char)line[len - 1]));
		/* the line is the text of line r.line, without a NUL */
		ntok = cli_split(line, tok, 16);
		CHECK(ntok == -1 || (ntok >= 1 && ntok <= 16));
		for (int i = 0; i < ntok; i++) {
			const char *c = cli_clip(tok[i], clip, sizeof(clip));

			CHECK(!strpbrk(tok[i], " \t"));
			CHECK(strlen(c) <= CLI_CLIP_CHARS + 3);
			CHECK(strncmp(c, tok[i], strlen(c) > CLI_CLIP_CHARS ? CLI_CLIP_CHARS
									 : strlen(c)) == 0);
		}
	}
	{
		/* what was read: up to the failure or the end */
		size_t readable = s.fail_at < s.n ? s.fail_at : s.n;
		bool nul = memchr(s.p, '\0', readable) != NULL;
		/* a stream failing at or before its end fails the next read */
		bool failed = s.fail_at <= s.n;

		if (got == 0)
			CHECK(!nul && !failed);
		else
			CHECK(got == -1 && (nul || failed));
	}
	fclose(r.f);
	free(r.buf);
	return 0;
}
