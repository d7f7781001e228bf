// SPDX-License-Identifier: MIT
/* Page vectors of phyr-sim sg-build: parser, runner, printer (see sg-vectors.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sg-vectors.h"

/* Longest page list accepted on one line (keeps a hostile line bounded). */
#define SG_VECTOR_MAX_PAGES (1u << 24)


/* Decimal digits only, no sign, no overflow past @max. Advances *@s. */
static int parse_dec(const char **s, uint64_t max, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*s = p;
	*out = v;
	return 0;
}

/* A whole token value: one decimal number up to @max. */
static int parse_value(const char *key, const char *s, size_t len, uint64_t max, uint64_t *out,
		       char *err, size_t errlen)
{
	const char *p = s;

	if (len == 0)
		return cli_fail(err, errlen, "%s: missing value", key);
	if (parse_dec(&p, max, out) != 0 || (size_t)(p - s) != len)
		return cli_fail(err, errlen, "%s: bad number '%.*s' (decimal, at most %llu)", key,
			    (int)(len > 40 ? 40 : len), s, (unsigned long long)max);
	return 0;
}

static int parse_list(const char *key, const char *s, size_t len, uint64_t **out, unsigned int *n,
		      char *err, size_t errlen)
{
	unsigned int count = 1, i = 0;
	const char *p = s, *end = s + len;
	uint64_t *v;

	if (len == 0)
		return cli_fail(err, errlen, "%s: empty page list", key);
	for (size_t k = 0; k < len; k++)
		if (s[k] == ',' && ++count > SG_VECTOR_MAX_PAGES)
			return cli_fail(err, errlen, "%s: more than %u pages", key, SG_VECTOR_MAX_PAGES);
	v = malloc(count * sizeof(*v));
	if (!v) {
		cli_fail(err, errlen, "%s: out of memory", key);
		return -ENOMEM;
	}
	for (;;) {
		const char *start = p;

		if (parse_dec(&p, PHYR_SG_PFN_MAX, &v[i]) != 0 || (p != end && *p != ',')) {
			const char *e = start;

			while (e < end && *e != ',')
				e++;
			free(v);
			return cli_fail(err, errlen, "%s: bad pfn '%.*s' (decimal, at most %llu)", key,
				    (int)(e - start > 40 ? 40 : e - start), start,
				    (unsigned long long)PHYR_SG_PFN_MAX);
		}
		i++;
		if (p == end)
			break;
		p++; /* ',' */
		if (p == end) {
			free(v);
			return cli_fail(err, errlen, "%s: trailing comma", key);
		}
	}
	*out = v;
	*n = i;
	return 0;
}

int sg_vector_parse(const char *line, struct sg_vector *v, char *err, size_t errlen)
{
	enum { K_PAGES, K_APP, K_OFFSET, K_SIZE, K_MAXSEG, K_COUNT };
	static const char *const keys[K_COUNT] = { "pages", "app", "offset", "size", "max_seg" };
	bool seen[K_COUNT] = { false };
	const char *p = line;
	uint64_t num;
	int ret = 0;

	memset(v, 0, sizeof(*v));
	for (;;) {
		const char *tok, *eq, *val;
		size_t toklen, keylen, vallen;
		int k;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		toklen = (size_t)(p - tok);
		eq = memchr(tok, '=', toklen);
		if (!eq) {
			ret = cli_fail(err, errlen, "expected KEY=VALUE, got '%.*s'",
				   (int)(toklen > 40 ? 40 : toklen), tok);
			goto out_free;
		}
		keylen = (size_t)(eq - tok);
		val = eq + 1;
		vallen = toklen - keylen - 1;
		for (k = 0; k < K_COUNT; k++)
			if (strlen(keys[k]) == keylen && memcmp(keys[k], tok, keylen) == 0)
				break;
		if (k == K_COUNT) {
			ret = cli_fail(err, errlen, "unknown key '%.*s' (pages, app, offset, size, max_seg)",
				   (int)(keylen > 40 ? 40 : keylen), tok);
			goto out_free;
		}
		if (seen[k]) {
			ret = cli_fail(err, errlen, "duplicate key '%s'", keys[k]);
			goto out_free;
		}
		seen[k] = true;
		switch (k) {
		case K_PAGES:
			ret = parse_list("pages", val, vallen, &v->pages, &v->npages, err, errlen);
			break;
		case K_APP:
			ret = parse_list("app", val, vallen, &v->app, &v->napp, err, errlen);
			break;
		case K_OFFSET:
			ret = parse_value("offset", val, vallen, UINT32_MAX, &num, err, errlen);
			v->offset = (uint32_t)num;
			break;
		case K_SIZE:
			ret = parse_value("size", val, vallen, UINT64_MAX, &v->size, err, errlen);
			break;
		default:
			ret = parse_value("max_seg", val, vallen, UINT32_MAX, &num, err, errlen);
			v->max_seg = (uint32_t)num;
			break;
		}
		if (ret)
			goto out_free;
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (k != K_APP && !seen[k]) {
			ret = cli_fail(err, errlen, "missing %s=", keys[k]);
			goto out_free;
		}
	}
	return 0;

out_free:
	sg_vector_free(v);
	return ret;
}

void sg_vector_free(struct sg_vector *v)
{
	free(v->pages);
	free(v->app);
	memset(v, 0, sizeof(*v));
}

static void print_table(const struct phyr_sg_table *t, FILE *out)
{
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	unsigned int nents = phyr_sg_table_nents(t), i;
	struct phyr_scatterlist *sg;
	uint64_t bytes = 0;

	fprintf(out, "ret=0 nents=%u orig_nents=%u total_nents=%u segs=", nents,
		phyr_sg_table_orig_nents(t), phyr_sg_table_total_nents(t));
	phyr_for_each_sg(L, phyr_sg_table_sgl(t), sg, nents, i) {
		fprintf(out, "%s%llu+%u:%u", i ? "," : "", (unsigned long long)phyr_sg_pfn(L, sg),
			phyr_sg_offset(L, sg), phyr_sg_length(L, sg));
		bytes += phyr_sg_length(L, sg);
	}
	fprintf(out, " bytes=%llu\n", (unsigned long long)bytes);
}

void sg_vector_print(const struct phyr_sg_table *t, int result, FILE *out)
{
	if (result)
		fprintf(out, "ret=%d\n", result);
	else
		print_table(t, out);
}

int sg_vector_build(const struct sg_vector *v, enum phyr_sg_layout_id layout,
		    struct phyr_sg_table **t, int *result)
{
	int ret;

	*t = NULL;
	ret = phyr_sg_table_create(layout, NULL, t);
	if (ret)
		return ret;
	if (!v->app) {
		ret = phyr_sg_alloc_table_from_pages_segment(*t, v->pages, NULL, v->npages, v->offset,
							     v->size, v->max_seg);
	} else {
		ret = phyr_sg_alloc_append_table_from_pages(*t, v->pages, NULL, v->npages, v->offset,
							    v->size, v->max_seg, v->napp);
		if (!ret)
			ret = phyr_sg_alloc_append_table_from_pages(*t, v->app, NULL, v->napp, 0,
								    v->size, v->max_seg, 0);
	}
	if (ret == -ENOMEM) {
		phyr_sg_table_destroy(*t);
		*t = NULL;
		return ret;
	}
	*result = ret;
	return 0;
}

int sg_vector_run(const struct sg_vector *v, enum phyr_sg_layout_id layout, FILE *out)
{
	struct phyr_sg_table *t;
	int ret, result;

	ret = sg_vector_build(v, layout, &t, &result);
	if (ret)
		return ret;
	sg_vector_print(t, result, out);
	phyr_sg_table_destroy(t);
	return 0;
}
