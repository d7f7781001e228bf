// SPDX-License-Identifier: MIT
/*
 * Benchmark of the phyr list encoders and decoders: encode (append) and
 * decode (iterate) speed of the plain, packed and rlist encodings, in runs/s
 * and pages/s, on three inputs: 1M separate 4 KiB pages, 100K 2 MiB THP
 * runs, and a 1M-page fragmented page array (append_pages). Prints
 * "name value unit" lines; each figure is the median of 7 timed rounds
 * after a warm-up round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phyr/list.h"
#include "phyr/pages.h"
#include "bench.h"

#define ROUNDS 7

struct input {
	const char *name;
	struct phyr *runs;   /* NULL: use the page array */
	uint64_t *pfns;
	size_t n;            /* runs, or pages of the page array */
	uint64_t pages;
};

static const char *const enc_names[] = { "plain", "packed", "rlist" };

static struct phyr_list *encode(const struct input *in, enum phyr_list_encoding enc)
{
	struct phyr_list_opts o = { .encoding = enc };
	struct phyr_list *l;

	if (phyr_list_create(&o, NULL, &l))
		abort();
	if (in->runs) {
		for (size_t i = 0; i < in->n; i++)
			if (phyr_list_append(l, in->runs[i].addr, in->runs[i].len))
				abort();
	} else if (phyr_list_append_pages(l, in->pfns, in->n, 0, (uint64_t)in->n * PHYR_PAGE_SIZE)) {
		abort();
	}
	return l;
}

static uint64_t decode(const struct phyr_list *l)
{
	struct phyr_list_iter it;
	struct phyr r;
	uint64_t sum = 0;

	if (phyr_list_iter_init(l, &it))
		abort();
	while (phyr_list_iter_next(&it, &r))
		sum += r.len;
	return sum;
}

static void bench(const struct input *in, enum phyr_list_encoding enc)
{
	double te[ROUNDS], td[ROUNDS];
	uint64_t nruns = 0, total = 0;

	for (int r = -1; r < ROUNDS; r++) {
		double t0 = (bench_now_ns() * 1e-9), t1, t2;
		struct phyr_list *l = encode(in, enc);

		t1 = (bench_now_ns() * 1e-9);
		total = decode(l);
		t2 = (bench_now_ns() * 1e-9);
		nruns = phyr_list_nruns(l);
		if (r >= 0) {
			te[r] = t1 - t0;
			td[r] = t2 - t1;
		}
		phyr_list_destroy(l);
	}
	qsort(te, ROUNDS, sizeof(double), bench_cmp_double);
	qsort(td, ROUNDS, sizeof(double), bench_cmp_double);
	if (total != in->pages * PHYR_PAGE_SIZE)
		abort();
	printf("%s_%s_encode_runs_per_s %.0f runs/s\n", in->name, enc_names[enc],
	       (double)nruns / te[ROUNDS / 2]);
	printf("%s_%s_encode_pages_per_s %.0f pages/s\n", in->name, enc_names[enc],
	       (double)in->pages / te[ROUNDS / 2]);
	printf("%s_%s_decode_runs_per_s %.0f runs/s\n", in->name, enc_names[enc],
	       (double)nruns / td[ROUNDS / 2]);
	printf("%s_%s_decode_pages_per_s %.0f pages/s\n", in->name, enc_names[enc],
	       (double)in->pages / td[ROUNDS / 2]);
}

int main(void)
{
	const size_t n4k = 1000000, nthp = 100000, nfrag = 1000000;
	struct input in[3] = {
		{ .name = "4k", .n = n4k, .pages = n4k },
		{ .name = "thp", .n = nthp, .pages = nthp * 512 },
		{ .name = "fragpages", .n = nfrag, .pages = nfrag },
	};
	struct phyr_pages_opts po = { .pattern = PHYR_PAGES_FRAGMENTED, .seed = 1,
				      .frag_permille = PHYR_PAGES_FRAG_DEFAULT };
	struct phyr_pages *pg;
	size_t got;

	in[0].runs = calloc(n4k, sizeof(struct phyr));
	in[1].runs = calloc(nthp, sizeof(struct phyr));
	in[2].pfns = calloc(nfrag, sizeof(uint64_t));
	if (!in[0].runs || !in[1].runs || !in[2].pfns)
		return 1;
	for (size_t i = 0; i < n4k; i++)
		in[0].runs[i] = (struct phyr){ (UINT64_C(0x100000) + 2 * i) << 12, 4096 };
	for (size_t i = 0; i < nthp; i++)
		in[1].runs[i] = (struct phyr){ (UINT64_C(0x100000) + 1024 * i) << 12, 2 << 20 };
	if (phyr_pages_create(&po, NULL, &pg) || phyr_pages_fill(pg, in[2].pfns, nfrag, &got) ||
	    got != nfrag)
		return 1;
	phyr_pages_destroy(pg);
	for (int i = 0; i < 3; i++)
		for (int e = 0; e < 3; e++)
			bench(&in[i], (enum phyr_list_encoding)e);
	free(in[0].runs);
	free(in[1].runs);
	free(in[2].pfns);
	return 0;
}
