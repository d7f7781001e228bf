// SPDX-License-Identifier: MIT
/*
 * ftrace text reader: see ftrace.h. Lines are cut out of a buffer that
 * is refilled with fread(); nothing of a line outlives the next call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ftrace.h"

#define FTRACE_CHUNK (64u * 1024u)

struct ftrace_reader {
	FILE *f;
	bool own;
	bool eof;
	char *buf;
	size_t cap, start, end;
	uint64_t base;   /* file offset of buf[0] */
	uint64_t nul_at; /* file offset of the first NUL byte read, UINT64_MAX: none */
	char *name;
	char *err;
	size_t errlen;
	uint64_t lineno;
	uint64_t truncated;
	uint64_t nlost_lines, nlost_events;
	uint64_t first_lost; /* line of the first LOST line, 0: none */
	unsigned int ncpus;
	uint64_t in_buffer, written;
	char kernel[128];
};

int ftrace_reader_open(const char *path, FILE *f, struct ftrace_reader **out, char *err,
		       size_t errlen)
{
	struct ftrace_reader *r;

	if (!out || (!path && !f))
		return -EINVAL;
	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->err = err;
	r->errlen = errlen;
	r->name = strdup(path ? path : "-");
	r->cap = FTRACE_CHUNK;
	r->nul_at = UINT64_MAX;
	r->buf = malloc(r->cap);
	if (!r->name || !r->buf) {
		ftrace_reader_close(r);
		return -ENOMEM;
	}
	if (f) {
		r->f = f;
	} else {
		r->f = fopen(path, "r");
		if (!r->f) {
			int e = errno ? errno : EIO;

			if (err && errlen)
				snprintf(err, errlen, "%s: %s", path, strerror(e));
			ftrace_reader_close(r);
			return -e;
		}
		r->own = true;
	}
	*out = r;
	return 0;
}

void ftrace_reader_close(struct ftrace_reader *r)
{
	if (!r)
		return;
	if (r->own && r->f)
		fclose(r->f);
	free(r->buf);
	free(r->name);
	free(r);
}

const char *ftrace_reader_name(const struct ftrace_reader *r)
{
	return r->name;
}

void ftrace_reader_error(struct ftrace_reader *r, uint64_t lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->err || !r->errlen)
		return;
	n = snprintf(r->err, r->errlen, "%s:%llu: ", r->name, (unsigned long long)lineno);
	if (n < 0 || (size_t)n >= r->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

unsigned int ftrace_reader_ncpus(const struct ftrace_reader *r)
{
	return r->ncpus;
}

const char *ftrace_reader_kernel(const struct ftrace_reader *r)
{
	return r->kernel[0] ? r->kernel : NULL;
}

void ftrace_reader_entries(const struct ftrace_reader *r, uint64_t *in_buffer, uint64_t *written)
{
	if (in_buffer)
		*in_buffer = r->in_buffer;
	if (written)
		*written = r->written;
}

uint64_t ftrace_reader_truncated(const struct ftrace_reader *r)
{
	return r->truncated;
}

uint64_t ftrace_reader_nlines(const struct ftrace_reader *r)
{
	return r->lineno;
}

uint64_t ftrace_reader_first_lost(const struct ftrace_reader *r)
{
	return r->first_lost;
}

void ftrace_reader_lost(const struct ftrace_reader *r, uint64_t *nlines, uint64_t *nevents)
{
	if (nlines)
		*nlines = r->nlost_lines;
	if (nevents)
		*nevents = r->nlost_events;
}

/* ---- numbers ---- */

/* Digit values of the hex characters, -1 for any other byte. */
static const signed char hexv[256] = {
	['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1,
	['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1,
	['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1,
	['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1,
	['E'] = 14 + 1, ['F'] = 15 + 1,
}; /* value + 1: 0 marks a byte that is no hex digit */

int ftrace_parse_hex(struct ftrace_str s, uint64_t *v)
{
	const unsigned char *p = (const unsigned char *)s.p, *e = p + s.len;
	uint64_t x = 0;

	if (s.len >= 2 && p[0] == '0' && (p[1] | 0x20) == 'x')
		p += 2;
	if (p == e || e - p > 16)
		return -EINVAL;
	for (; p < e; p++) {
		int d = hexv[*p];

		if (!d)
			return -EINVAL;
		x = x << 4 | (uint64_t)(d - 1);
	}
	*v = x;
	return 0;
}

int ftrace_parse_dec(struct ftrace_str s, uint64_t *v)
{
	uint64_t x = 0;

	if (s.len == 0 || s.len > 20)
		return -EINVAL;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)(s.p[i] - '0');

		/* only a 20-digit number can overflow */
		if (d > 9 || (i == 19 && x > (UINT64_MAX - d) / 10))
			return -EINVAL;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* ---- fields ---- */

/* Bytes that end a token: ' ' (and '=' for a field's name). */
#define FT_BLANK 1
#define FT_EQ 2
static const unsigned char ftclass[256] = { [' '] = FT_BLANK, ['='] = FT_EQ };

void ftrace_fields(struct ftrace_str s, struct ftrace_fields *out)
{
	const unsigned char *p = (const unsigned char *)s.p, *e = p + s.len;

	out->n = 0;
	while (p < e && out->n < FTRACE_MAX_FIELDS) {
		const unsigned char *tok;

		while (p < e && *p == ' ')
			p++;
		tok = p;
		while (p < e && !ftclass[*p])
			p++;
		if (p < e && *p == '=' && p > tok) {
			struct ftrace_field *f = &out->f[out->n++];
			const unsigned char *eq = p++, *v = p;

			if (p < e && (*p == '"' || *p == '{')) {
				unsigned char close = *p == '"' ? '"' : '}';

				p++;
				while (p < e && *p != close)
					p++;
				if (p < e)
					p++;
			}
			while (p < e && *p != ' ')
				p++;
			f->name.p = (const char *)tok;
			f->name.len = (size_t)(eq - tok);
			f->value.p = (const char *)v;
			f->value.len = (size_t)(p - v);
		} else {
			while (p < e && *p != ' ')
				p++;
		}
	}
}

/* ---- header lines ---- */

static const char *memfind(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	if (n > len)
		return NULL;
	return memmem(p, len, lit, n);
}

/* Digits at @p (up to @e) into @v; returns the end of the digits. */
static const char *scan_dec(const char *p, const char *e, uint64_t *v)
{
	uint64_t x = 0;

	while (p < e && *p >= '0' && *p <= '9' && x < UINT64_MAX / 10 - 10)
		x = x * 10 + (uint64_t)(*p++ - '0');
	*v = x;
	return p;
}

static void comment_line(struct ftrace_reader *r, const char *p, size_t len)
{
	const char *e = p + len, *q;
	uint64_t v;

	if ((q = memfind(p, len, "#P:")) != NULL) {
		const char *d = scan_dec(q + 3, e, &v);

		if (d > q + 3 && v > 0 && v <= 65536)
			r->ncpus = (unsigned int)v;
	}
	/* capture-dma's "# cpus: N online": its boot-time lines come before
	 * ftrace's own "#P:N", and the replay sizes its model at the first
	 * event line */
	if (!r->ncpus && len > 8 && memcmp(p, "# cpus: ", 8) == 0) {
		const char *d = scan_dec(p + 8, e, &v);

		if (d > p + 8 && v > 0 && v <= 65536)
			r->ncpus = (unsigned int)v;
	}
	if ((q = memfind(p, len, "entries-in-buffer/entries-written:")) != NULL) {
		q += strlen("entries-in-buffer/entries-written:");
		while (q < e && *q == ' ')
			q++;
		q = scan_dec(q, e, &r->in_buffer);
		if (q < e && *q == '/')
			scan_dec(q + 1, e, &r->written);
	}
	if (!r->kernel[0] && (q = memfind(p, len, "kernel: Linux version ")) != NULL) {
		size_t n = 0;

		q += strlen("kernel: Linux version ");
		while (q + n < e && q[n] != ' ' && n + 1 < sizeof(r->kernel))
			n++;
		memcpy(r->kernel, q, n);
		r->kernel[n] = '\0';
	}
}

/* ---- event lines ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "CPU:N [LOST M EVENTS]" */
static bool parse_lost(const char *p, const char *e, struct ftrace_line *l)
{
	uint64_t cpu, m;
	const char *q;

	if (e - p < 4 || memcmp(p, "CPU:", 4) != 0)
		return false;
	q = scan_dec(p + 4, e, &cpu);
	if (q == p + 4 || e - q < 7 || memcmp(q, " [LOST ", 7) != 0)
		return false;
	p = q + 7;
	q = scan_dec(p, e, &m);
	if (q == p || !memfind(q, (size_t)(e - q), "EVENTS]"))
		return false;
	l->kind = FTRACE_LOST;
	l->cpu = (uint32_t)cpu;
	l->lost = m;
	return true;
}

static void split_site(struct ftrace_line *l)
{
	const char *p = l->payload.p, *e = p + l->payload.len, *c;

	l->site.p = p;
	l->site.len = 0;
	l->retprobe = false;
	l->args = l->payload;
	if (p == e || *p != '(')
		return;
	c = memchr(p, ')', (size_t)(e - p));
	if (!c)
		return;
	l->site.p = p + 1;
	l->site.len = (size_t)(c - p - 1);
	for (const char *q = l->site.p + 1; q + 2 < c; q++) {
		q = memchr(q, '<', (size_t)(c - 2 - q));
		if (!q)
			break;
		if (q[1] == '-' && q[-1] == ' ' && q[2] == ' ') {
			l->retprobe = true;
			break;
		}
	}
	p = c + 1;
	while (p < e && *p == ' ')
		p++;
	l->args.p = p;
	l->args.len = (size_t)(e - p);
}

/*
 * TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: PAYLOAD. The CPU column is the
 * first "[digits]" preceded by blanks and "-digits" (or, with
 * options/record-tgid, by "-digits (TGID)"): a task name can hold anything
 * but not that. TIMESTAMP is seconds with a fraction, or an integer count
 * for the clocks that print one (x86-tsc, counter).
 */
static const uint64_t pow10_ns[10] = {
	1000000000u, 100000000u, 10000000u, 1000000u, 100000u, 10000u, 1000u, 100u, 10u, 1u,
};

static bool parse_event(const char *p, const char *e, struct ftrace_line *l)
{
	const char *b = NULL, *q, *ts;
	uint64_t v, frac = 0;
	for (q = p; q < e; q++) {
		const char *d, *k;

		q = memchr(q, '[', (size_t)(e - q));
		if (!q)
			return false;
		for (d = q + 1; d < e && is_digit(*d); d++)
			;
		if (d == q + 1 || d >= e || *d != ']')
			continue;
		k = q;
		while (k > p && k[-1] == ' ')
			k--;
		if (k == q)
			continue;
		if (k[-1] == ')') {
			/* options/record-tgid: "TASK-PID (TGID) [CPU]", the TGID
			 * right-aligned digits or "-------" when unknown */
			const char *o = k - 1;

			while (o > p && (is_digit(o[-1]) || o[-1] == ' ' || o[-1] == '-'))
				o--;
			if (o == p || o[-1] != '(' || o == k - 1)
				continue;
			k = o - 1;
			while (k > p && k[-1] == ' ')
				k--;
			if (k == o - 1)
				continue;
		}
		d = k;
		while (d > p && is_digit(d[-1]))
			d--;
		if (d == k || d - 1 <= p || d[-1] != '-')
			continue;
		b = q;
		l->task.p = p;
		l->task.len = (size_t)(d - 1 - p);
		if (ftrace_parse_dec((struct ftrace_str){ d, (size_t)(k - d) }, &v) || v > UINT32_MAX)
			return false;
		l->pid = (uint32_t)v;
		break;
	}
	if (!b)
		return false;
	q = scan_dec(b + 1, e, &v);
	if (v > UINT32_MAX)
		return false;
	l->cpu = (uint32_t)v;
	p = q + 1;
	while (p < e && *p == ' ')
		p++;
	/* FLAGS: a token of 4 or 5 characters, then the timestamp; without
	 * the irq-info option there is none (the token is the timestamp) */
	q = p;
	while (q < e && *q != ' ')
		q++;
	if (q == p || (q - p > 8 && q[-1] != ':'))
		return false;
	if (q[-1] == ':' && is_digit(*p)) {
		l->flags.p = p;
		l->flags.len = 0;
	} else {
		l->flags.p = p;
		l->flags.len = (size_t)(q - p);
		p = q;
		while (p < e && *p == ' ')
			p++;
	}
	ts = p;
	p = scan_dec(p, e, &v);
	if (p == ts || p >= e)
		return false;
	if (*p == ':') {
		/* a clock that counts instead of giving seconds (trace_clock
		 * x86-tsc, counter): its value, in its own units */
		l->ts_ns = v;
		l->ts_raw = true;
		goto event;
	}
	if (v > 1000000000000ull)
		return false;
	l->ts_raw = false;
	if (*p == '.') {
		const char *f = ++p;

		while (p < e && is_digit(*p)) {
			if (p - f < 9)
				frac = frac * 10 + (uint64_t)(*p - '0');
			p++;
		}
		if (p == f)
			return false;
		frac *= pow10_ns[p - f < 9 ? p - f : 9];
	}
	if (p >= e || *p != ':')
		return false;
	l->ts_ns = v * 1000000000u + frac;
event:
	p++;
	while (p < e && *p == ' ')
		p++;
	q = memchr(p, ':', (size_t)(e - p) < 128 ? (size_t)(e - p) : 128);
	if (!q || q == p || memchr(p, ' ', (size_t)(q - p)))
		return false;
	l->event.p = p;
	l->event.len = (size_t)(q - p);
	p = q + 1;
	if (p < e && *p == ' ')
		p++;
	l->payload.p = p;
	l->payload.len = (size_t)(e - p);
	split_site(l);
	l->kind = FTRACE_EVENT;
	return true;
}

static int classify(struct ftrace_reader *r, const char *s, size_t len, struct ftrace_line *l)
{
	const char *e = s + len, *p = s;

	memset(l, 0, sizeof(*l));
	l->lineno = r->lineno;
	l->text.p = s;
	l->text.len = len;
	/* ftrace right-aligns the task column: blanks come eight at a time */
	while (e - p >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		if (w != UINT64_C(0x2020202020202020))
			break;
		p += 8;
	}
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e) {
		l->kind = FTRACE_BLANK;
		return 1;
	}
	if (*p == '#') {
		l->kind = FTRACE_COMMENT;
		comment_line(r, s, len);
		return 1;
	}
	if (parse_lost(p, e, l)) {
		r->nlost_lines++;
		r->nlost_events += l->lost;
		if (!r->first_lost)
			r->first_lost = l->lineno;
		return 1;
	}
	if (parse_event(p, e, l))
		return 1;
	ftrace_reader_error(r, r->lineno, "not an ftrace line (TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: ...)");
	return -EBADMSG;
}

/* More bytes into the buffer. Return: 0, 1 at end of file, -EIO, -E2BIG, -ENOMEM. */
static int refill(struct ftrace_reader *r)
{
	size_t n;

	if (r->eof)
		return 1;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->base += r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t cap = r->cap * 2;
		char *nb;

		if (r->cap > FTRACE_MAX_LINE) {
			ftrace_reader_error(r, r->lineno + 1, "line longer than %u bytes",
					    FTRACE_MAX_LINE);
			return -E2BIG;
		}
		nb = realloc(r->buf, cap);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = cap;
	}
	n = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
	/* one look for NUL bytes per chunk, not per line */
	if (n && r->nul_at == UINT64_MAX) {
		const char *z = memchr(r->buf + r->end, '\0', n);

		if (z)
			r->nul_at = r->base + (uint64_t)(z - r->buf);
	}
	r->end += n;
	if (n == 0) {
		if (ferror(r->f)) {
			ftrace_reader_error(r, r->lineno + 1, "read error");
			return -EIO;
		}
		r->eof = true;
		return 1;
	}
	return 0;
}

int ftrace_reader_next(struct ftrace_reader *r, struct ftrace_line *l)
{
	size_t scanned = 0;

	for (;;) {
		char *s = r->buf + r->start;
		char *nl = memchr(s + scanned, '\n', r->end - r->start - scanned);
		int ret;

		if (nl) {
			size_t len = (size_t)(nl - s);

			r->start += len + 1;
			r->lineno++;
			while (len > 0 && s[len - 1] == '\r')
				len--;
			if (len > FTRACE_MAX_LINE) {
				ftrace_reader_error(r, r->lineno, "line longer than %u bytes",
						    FTRACE_MAX_LINE);
				return -E2BIG;
			}
			if (r->nul_at != UINT64_MAX && r->nul_at < r->base + r->start) {
				ftrace_reader_error(r, r->lineno, "NUL byte in the line");
				return -EBADMSG;
			}
			return classify(r, s, len, l);
		}
		scanned = r->end - r->start;
		ret = refill(r);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (r->end > r->start) {
				/* a last line without its newline: cut short */
				r->lineno++;
				r->truncated = r->lineno;
				r->start = r->end;
			}
			return 0;
		}
	}
}
