// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the value parsers of phyr-sim's options (sim/cli-opts.c:
 * --iotlb, --cpus, --policy, --mode, --size, --chunk, --frag, --seed,
 * --max-table-bytes, --plot, --plot-side) and the shared number and size parsers of sim/cli.c.
 * The input, cut at the first NUL, is given to every parser. A parser must
 * refuse without writing its output, or accept a value inside the
 * option's documented range that prints back to a string the parser reads
 * as the same value (abort otherwise).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <phyr/list.h>

#include "cli.h"
#include "cli-opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* The mode names of phyr-sim mem, in their order. */
static const char *const modes[] = { "passthrough", "iommu", "bus-offset", "swiotlb" };
#define NMODES 4u

static void check_u64(const char *s)
{
	uint64_t v = 0x5a5a, w;
	char buf[32];

	if (cli_opt_u64(s, &v)) {
		CHECK(v == 0x5a5a);
		return;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	CHECK(cli_u64(buf, &w) == 0 && w == v);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	CHECK(cli_u64(buf, &w) == 0 && w == v);
	/* a number is a size too, the same one */
	CHECK(cli_size(s, &w) == 0 && w == v);
}

static void check_iotlb(const char *s)
{
	unsigned e = 7, w = 7, e2, w2;
	char buf[32];

	if (cli_opt_iotlb(s, &e, &w)) {
		CHECK(e == 7 && w == 7);
		return;
	}
	CHECK(e >= 1 && w >= 1 && e % w == 0 && e <= (1u << 24));
	snprintf(buf, sizeof(buf), "%u,%u", e, w);
	CHECK(cli_opt_iotlb(buf, &e2, &w2) == 0 && e2 == e && w2 == w);
}

static void check_cpus(const char *s)
{
	unsigned n = 0;

	if (cli_opt_cpus(s, &n)) {
		CHECK(n == 0);
		return;
	}
	CHECK(n >= 1 && n <= PHYR_IOVA_MAX_CPUS);
}

static void check_policy(const char *s)
{
	const struct phyr_iova_policy_ops *p = NULL;

	if (cli_opt_policy(s, &p)) {
		CHECK(!p);
		return;
	}
	CHECK(p && p->name && strcmp(p->name, s) == 0);
}

static void check_modes(const char *s)
{
	unsigned bits = 0xdead, again;
	char buf[128] = "";

	if (cli_opt_modes(s, modes, NMODES, &bits)) {
		CHECK(bits == 0xdead);
		return;
	}
	CHECK(bits < (1u << NMODES));
	if (!bits)
		return;
	for (unsigned m = 0; m < NMODES; m++) {
		if (!(bits & (1u << m)))
			continue;
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, modes[m]);
	}
	CHECK(cli_opt_modes(buf, modes, NMODES, &again) == 0 && again == bits);
}

static void check_sizes(const char *s)
{
	uint64_t v = 1, b = 1, sz;
	uint32_t c = 1, f = 1001;
	char buf[32];

	if (cli_opt_mem_size(s, &v) == 0) {
		CHECK(v >= PHYR_PAGE_SIZE && v <= (UINT64_C(1) << 50));
		CHECK(cli_size(s, &sz) == 0 && sz == v);
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		CHECK(cli_opt_mem_size(buf, &sz) == 0 && sz == v);
	} else {
		CHECK(v == 1);
	}
	if (cli_opt_budget(s, &b) == 0)
		CHECK(b >= PHYR_PAGE_SIZE);
	else
		CHECK(b == 1);
	if (cli_opt_chunk(s, &c) == 0)
		CHECK(c % 8 == 0 && c >= PHYR_LIST_CHUNK_MIN && c <= PHYR_LIST_CHUNK_MAX);
	else
		CHECK(c == 1);
	if (cli_opt_frag(s, &f) == 0)
		CHECK(f <= 1000);
	else
		CHECK(f == 1001);
}

static void check_plot(const char *s)
{
	enum cli_plot_format fmt = (enum cli_plot_format)99;
	static const char *const ext[] = { "png", "svg", "pdf" };
	unsigned side = 99;
	size_t len = strlen(s);

	if (cli_opt_plot_file(s, &fmt)) {
		CHECK(fmt == (enum cli_plot_format)99);
	} else {
		CHECK((unsigned)fmt < 3 && len >= 5 && s[len - 4] == '.');
		CHECK(strcasecmp(s + len - 3, ext[fmt]) == 0);
		CHECK(!strchr(s, '\'') && !strchr(s, '\n') && s[len - 5] != '/');
	}
	if (cli_opt_plot_side(s, &side)) {
		CHECK(side == 99);
	} else {
		CHECK(side >= 1 && side <= 3);
		CHECK(strcmp(s, side == 1 ? "cpu" : side == 2 ? "dma" : "both") == 0);
	}
}

static void check_humanize(const char *s)
{
	uint64_t v;
	char buf[32];

	if (cli_u64(s, &v))
		return;
	cli_humanize(buf, sizeof(buf), v);
	CHECK(strlen(buf) < sizeof(buf) - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_u64(s);
	check_iotlb(s);
	check_cpus(s);
	check_policy(s);
	check_modes(s);
	check_sizes(s);
	check_plot(s);
	check_humanize(s);
	free(s);
	return 0;
}
