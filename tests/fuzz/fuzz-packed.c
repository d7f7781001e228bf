// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the packed and rlist decoders. The first input byte
 * picks the decoder; the rest is decoded as one entry area. Decoding must
 * never crash; whatever decodes is re-encoded and must decode to exactly
 * the same coalesced runs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phyr/list.h"

/*
 * The codec sources are compiled into the target itself, so that libFuzzer
 * instruments them for coverage (the library archive is built without
 * -fsanitize=fuzzer); the archive's copies are then never linked in.
 */
#include "account.c"
#include "list.c"
#include "packed.c"
#include "rlist.c"

#define MAX_RUNS 4096

struct runs {
	struct phyr r[MAX_RUNS];
	size_t n;
};

static int add_run(void *ctx, uint64_t addr, uint64_t len)
{
	struct runs *b = ctx;

	if (b->n && b->r[b->n - 1].len <= UINT64_MAX - b->r[b->n - 1].addr &&
	    b->r[b->n - 1].addr + b->r[b->n - 1].len == addr) {
		b->r[b->n - 1].len += len;
		return 0;
	}
	if (b->n == MAX_RUNS)
		return 1;
	b->r[b->n++] = (struct phyr){ addr, len };
	return 0;
}

static struct runs in, out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phyr_list_opts o = { .chunk_size = 0 };
	struct phyr_list *l;
	struct phyr_list_iter it;
	struct phyr r;
	uint64_t n, total = 0;
	int ret;

	if (size < 1)
		return 0;
	o.encoding = (data[0] & 1) ? PHYR_LIST_RLIST : PHYR_LIST_PACKED;
	o.chunk_size = (uint32_t)(32 + 8 * (data[0] >> 1));
	in.n = 0;
	if (o.encoding == PHYR_LIST_PACKED)
		ret = phyr_packed_decode(data + 1, size - 1, add_run, &in, &n);
	else
		ret = phyr_rlist_decode(data + 1, size - 1, add_run, &in, &n);
	if (ret != 0)
		return 0;
	if (phyr_list_create(&o, NULL, &l) != 0)
		abort();
	for (size_t i = 0; i < in.n; i++) {
		if (in.r[i].len > UINT64_MAX - total)
			break;
		total += in.r[i].len;
		if (phyr_list_append(l, in.r[i].addr, in.r[i].len) != 0)
			abort();
	}
	out.n = 0;
	if (phyr_list_iter_init(l, &it) != 0)
		abort();
	while (phyr_list_iter_next(&it, &r))
		if (add_run(&out, r.addr, r.len))
			abort();
	if (phyr_list_nruns(l) != out.n || memcmp(in.r, out.r, out.n * sizeof(r)) != 0)
		abort();
	/* the chunks decode again through the raw decoder */
	for (uint64_t c = 0; c < phyr_list_nchunks(l); c++) {
		const void *bytes;
		size_t len;

		if (phyr_list_chunk_data(l, c, &bytes, &len) != 0)
			abort();
		ret = o.encoding == PHYR_LIST_PACKED ? phyr_packed_decode(bytes, len, NULL, NULL, &n)
						     : phyr_rlist_decode(bytes, len, NULL, NULL, &n);
		if (ret != 0)
			abort();
	}
	phyr_list_destroy(l);
	return 0;
}
