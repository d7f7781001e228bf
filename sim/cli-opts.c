// SPDX-License-Identifier: MIT
/* The value parsers of phyr-sim's command-line options (see cli-opts.h). */
#include <string.h>
#include <strings.h>

#include <phyr/list.h>

#include "cli.h"
#include "cli-opts.h"

int cli_opt_iotlb(const char *s, unsigned *entries, unsigned *ways)
{
	char buf[64];
	char *comma;
	uint64_t e, w;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = '\0';
	if (cli_u64(buf, &e) || cli_u64(comma + 1, &w) || !e || !w || e % w || e > (1u << 24))
		return -1;
	*entries = (unsigned)e;
	*ways = (unsigned)w;
	return 0;
}

int cli_opt_cpus(const char *s, unsigned *n)
{
	uint64_t v;

	if (cli_u64(s, &v) || v == 0 || v > PHYR_IOVA_MAX_CPUS)
		return -1;
	*n = (unsigned)v;
	return 0;
}

int cli_opt_policy(const char *s, const struct phyr_iova_policy_ops **p)
{
	const struct phyr_iova_policy_ops *ops = phyr_iova_policy_find(s);

	if (!ops)
		return -1;
	*p = ops;
	return 0;
}

int cli_opt_modes(const char *s, const char *const *names, unsigned n, unsigned *bits)
{
	unsigned b = 0;
	const char *p = s;

	if (n > 32)
		return -1;
	if (strcmp(s, "all") == 0) {
		*bits = n == 32 ? ~0u : (1u << n) - 1;
		return 0;
	}
	if (strcmp(s, "none") == 0) {
		*bits = 0;
		return 0;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned m;

		for (m = 0; m < n; m++)
			if (strlen(names[m]) == len && strncmp(p, names[m], len) == 0)
				break;
		if (m == n)
			return -1;
		b |= 1u << m;
		if (!p[len])
			break;
		p += len + 1;
	}
	*bits = b;
	return 0;
}

int cli_opt_mem_size(const char *s, uint64_t *bytes)
{
	uint64_t v;

	if (cli_size(s, &v) || v < PHYR_PAGE_SIZE || v > (UINT64_C(1) << 50))
		return -1;
	*bytes = v;
	return 0;
}

int cli_opt_chunk(const char *s, uint32_t *bytes)
{
	uint64_t v;

	if (cli_u64(s, &v) || v % 8 || v < PHYR_LIST_CHUNK_MIN || v > PHYR_LIST_CHUNK_MAX)
		return -1;
	*bytes = (uint32_t)v;
	return 0;
}

int cli_opt_frag(const char *s, uint32_t *permille)
{
	uint64_t v;

	if (cli_u64(s, &v) || v > 1000)
		return -1;
	*permille = (uint32_t)v;
	return 0;
}

int cli_opt_u64(const char *s, uint64_t *v)
{
	return cli_u64(s, v);
}

int cli_opt_budget(const char *s, uint64_t *bytes)
{
	uint64_t v;

	if (cli_size(s, &v) || v < PHYR_PAGE_SIZE)
		return -1;
	*bytes = v;
	return 0;
}

int cli_opt_plot_file(const char *s, enum cli_plot_format *fmt)
{
	static const char *const ext[] = { [CLI_PLOT_PNG] = ".png", [CLI_PLOT_SVG] = ".svg",
					   [CLI_PLOT_PDF] = ".pdf" };
	size_t len = strlen(s);

	if (len < 5 || strchr(s, '\'') || strchr(s, '\n') || s[len - 5] == '/')
		return -1;
	for (unsigned i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		if (strcasecmp(s + len - 4, ext[i]) == 0) {
			*fmt = (enum cli_plot_format)i;
			return 0;
		}
	}
	return -1;
}

int cli_opt_plot_side(const char *s, unsigned *side)
{
	static const char *const names[] = { "cpu", "dma", "both" };

	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(s, names[i]) == 0) {
			*side = i + 1;
			return 0;
		}
	}
	return -1;
}
