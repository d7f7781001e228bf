// SPDX-License-Identifier: MIT
/*
 * Tests of phyr lists: plain, packed and rlist encodings. Worked examples
 * state exact entry bytes (docs/encodings.md); the property test checks,
 * on seeded random inputs, that every encoding decodes to exactly the
 * coalesced runs that went in. A failing seed is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/list.h"
#include "phyr/account.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static struct phyr_list *mk(enum phyr_list_encoding enc, bool measure)
{
	struct phyr_list_opts o = { .encoding = enc, .measure_only = measure };
	struct phyr_list *l = NULL;

	assert_int_equal(phyr_list_create(&o, NULL, &l), 0);
	return l;
}

/* Collects a list's runs; returns the count. */
static size_t collect(const struct phyr_list *l, struct phyr *out, size_t max)
{
	struct phyr_list_iter it;
	struct phyr r;
	size_t n = 0;

	assert_int_equal(phyr_list_iter_init(l, &it), 0);
	while (phyr_list_iter_next(&it, &r)) {
		assert_true(n < max);
		out[n++] = r;
	}
	return n;
}

struct rawbuf {
	struct phyr r[16];
	size_t n;
};

static int raw_cb(void *ctx, uint64_t addr, uint64_t len)
{
	struct rawbuf *b = ctx;

	if (b->n == 16)
		return -ENOSPC;
	b->r[b->n].addr = addr;
	b->r[b->n].len = len;
	b->n++;
	return 0;
}

/* Encodes one run with @enc and checks the entry's exact bytes. */
static void check_entry(enum phyr_list_encoding enc, uint64_t addr, uint64_t len,
			const uint8_t *bytes, unsigned size)
{
	struct phyr_list *l = mk(enc, false);
	struct phyr r[2];
	struct rawbuf b = { .n = 0 };
	uint64_t n = 0;
	const void *data;
	size_t dlen;

	assert_int_equal(phyr_list_append(l, addr, len), 0);
	assert_int_equal(phyr_list_entry_size(enc, addr, len), size);
	assert_int_equal(phyr_list_nentries(l), 1);
	assert_int_equal(collect(l, r, 2), 1);
	assert_int_equal(r[0].addr, addr);
	assert_int_equal(r[0].len, len);
	assert_int_equal(phyr_list_chunk_data(l, 0, &data, &dlen), 0);
	assert_true(dlen == size);
	assert_memory_equal(data, bytes, size);
	/* The raw decoder reads the same bytes back. */
	if (enc == PHYR_LIST_PACKED)
		assert_int_equal(phyr_packed_decode(bytes, size, raw_cb, &b, &n), 0);
	else
		assert_int_equal(phyr_rlist_decode(bytes, size, raw_cb, &b, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(b.r[0].addr, addr);
	assert_int_equal(b.r[0].len, len);
	phyr_list_destroy(l);
}

static void test_list_plain_coalesces(void **state)
{
	struct phyr_list *l = mk(PHYR_LIST_PLAIN, false);
	struct phyr r[4];
	struct phyr_list_header h;

	(void)state;
	assert_int_equal(phyr_list_append(l, 0x10200, 0xE00), 0);
	assert_int_equal(phyr_list_append(l, 0x11000, 0x1000), 0);
	assert_int_equal(phyr_list_append(l, 0x11000, 0), 0); /* nothing */
	assert_int_equal(phyr_list_append(l, 0x20000, 0x800), 0);
	assert_int_equal(collect(l, r, 4), 2);
	assert_int_equal(r[0].addr, 0x10200);
	assert_int_equal(r[0].len, 0x1E00);
	assert_int_equal(r[1].addr, 0x20000);
	assert_int_equal(r[1].len, 0x800);
	assert_int_equal(phyr_list_nruns(l), 2);
	assert_int_equal(phyr_list_layout_bytes(l), 32);
	assert_int_equal(phyr_list_length(l), 0x2600);
	phyr_list_get_header(l, &h);
	assert_int_equal(h.first_page_offset, 0x200);
	assert_int_equal(h.total_length, 0x2600);
	/* interior boundaries 0x12000 and 0x20000: 8 KiB aligned */
	assert_int_equal(h.min_alignment, 0x2000);
	phyr_list_destroy(l);
}

static void test_list_packed_entry_bytes(void **state)
{
	(void)state;
	/* mode 00, order 0: pfn 1 */
	check_entry(PHYR_LIST_PACKED, 0x1000, 0x1000,
		    (const uint8_t[]){ 0x01, 0, 0, 0, 0, 0, 0, 0x00 }, 8);
	/* mode 00, order 9: a 2 MiB THP at 1 GiB: 0x0090000000040000 */
	check_entry(PHYR_LIST_PACKED, GiB, 2 * MiB,
		    (const uint8_t[]){ 0x00, 0x00, 0x04, 0, 0, 0, 0x90, 0x00 }, 8);
	/* mode 01, order 0, 3 pages at pfn 0x100: 0x4000000000000100, count 3 */
	check_entry(PHYR_LIST_PACKED, 0x100000, 0x3000,
		    (const uint8_t[]){ 0x00, 0x01, 0, 0, 0, 0, 0, 0x40, 3, 0, 0, 0 }, 12);
	/* mode 01, order 2: 12 pages at pfn 0x104 -> 3 x order-2 */
	check_entry(PHYR_LIST_PACKED, 0x104000, 0xC000,
		    (const uint8_t[]){ 0x04, 0x01, 0, 0, 0, 0, 0x20, 0x40, 3, 0, 0, 0 }, 12);
	/* mode 10: 0x1E00 bytes at 0x1000_0200 -> word 0x01E00200 */
	check_entry(PHYR_LIST_PACKED, 0x10000200, 0x1E00,
		    (const uint8_t[]){ 0x00, 0x00, 0x01, 0, 0, 0, 0, 0x80,
				       0x00, 0x02, 0xE0, 0x01 }, 12);
	/* mode 10 with length bits 20-24 in the order field: 0x1234567 bytes
	 * at 0x5001 -> head 0x8120000000000005, word 0x34567001 */
	check_entry(PHYR_LIST_PACKED, 0x5001, 0x1234567,
		    (const uint8_t[]){ 0x05, 0, 0, 0, 0, 0, 0x20, 0x81,
				       0x01, 0x70, 0x56, 0x34 }, 12);
	/* mode 11: 2^40 + 5 bytes at 0x123 -> word 0x123 | len << 12 */
	check_entry(PHYR_LIST_PACKED, 0x123, (UINT64_C(1) << 40) + 5,
		    (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0xC0,
				       0x23, 0x51, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00 }, 16);
	/* the last pfn of the 52-bit space, one page: mode 00 */
	check_entry(PHYR_LIST_PACKED, UINT64_C(0xFFFFFFFFFFFFF000), 0x1000,
		    (const uint8_t[]){ 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00 }, 8);
}

static void test_list_packed_huge_runs(void **state)
{
	struct phyr_list *l = mk(PHYR_LIST_PACKED, false);
	struct phyr r[4];

	(void)state;
	/* 100 GiB at 4 GiB: order 31 x 12.5 -> pfn aligned 2^20, np 25 x 2^20:
	 * k = 20, count 25 -> mode 01, 12 B */
	assert_int_equal(phyr_list_entry_size(PHYR_LIST_PACKED, 4 * GiB, 100 * GiB), 12);
	/* 2^33 + 1 pages at pfn 1: the count needs 34 bits -> mode 11 */
	assert_int_equal(phyr_list_entry_size(PHYR_LIST_PACKED, 0x1000,
					      ((UINT64_C(1) << 33) + 1) << 12), 16);
	/* 2^52 bytes at 0x800: more than a mode 11 length; split */
	assert_int_equal(phyr_list_entry_size(PHYR_LIST_PACKED, 0x800, UINT64_C(1) << 52), 0);
	assert_int_equal(phyr_list_append(l, 0x800, UINT64_C(1) << 52), 0);
	assert_int_equal(phyr_list_nentries(l), 2);
	assert_int_equal(phyr_list_nruns(l), 1);
	assert_int_equal(collect(l, r, 4), 1);
	assert_int_equal(r[0].addr, 0x800);
	assert_int_equal(r[0].len, UINT64_C(1) << 52);
	/* the largest run of all: 2^64 - 1 bytes from address 1 */
	phyr_list_destroy(l);
	l = mk(PHYR_LIST_PACKED, false);
	assert_int_equal(phyr_list_append(l, 1, UINT64_MAX), 0);
	assert_int_equal(collect(l, r, 4), 1);
	assert_int_equal(r[0].addr, 1);
	assert_int_equal(r[0].len, UINT64_MAX);
	assert_int_equal(phyr_list_append(l, 0, 1), -ERANGE);
	phyr_list_destroy(l);
}

static void test_list_rlist_entry_bytes(void **state)
{
	(void)state;
	/* rlist_8: header 0x10 (1 page), pfn 1 */
	check_entry(PHYR_LIST_RLIST, 0x1000, 0x1000,
		    (const uint8_t[]){ 0x10, 0, 0, 0, 0x01, 0, 0, 0 }, 8);
	/* rlist_16: 0x1E00 bytes at 0x1000_0200: header 0x1E001, word 0x200,
	 * base 0x1000_0000 */
	check_entry(PHYR_LIST_RLIST, 0x10000200, 0x1E00,
		    (const uint8_t[]){ 0x01, 0xE0, 0x01, 0x00, 0x00, 0x02, 0, 0,
				       0, 0, 0, 0x10, 0, 0, 0, 0 }, 16);
	/* a BAR page above 16 TiB (pfn >= 2^32): rlist_16 with base */
	check_entry(PHYR_LIST_RLIST, UINT64_C(0x300000000000), 2 * MiB,
		    (const uint8_t[]){ 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0x30, 0, 0 }, 16);
	/* rlist_24: 2^36 bytes at 0x200: header 0x1 | 0 << 4, offset 0x200,
	 * base 0, length bits 28-59 = 0x100 */
	check_entry(PHYR_LIST_RLIST, 0x200, UINT64_C(1) << 36,
		    (const uint8_t[]){ 0x02, 0, 0, 0, 0x00, 0x02, 0, 0,
				       0, 0, 0, 0, 0, 0, 0, 0,
				       0x00, 0x01, 0, 0, 0, 0, 0, 0 }, 24);
}

static void test_list_rlist_chunk_capacity(void **state)
{
	static const struct { uint64_t len; unsigned per_chunk; } cases[] = {
		{ 0x1000, 63 }, /* rlist_8 */
		{ 0x800, 31 },  /* rlist_16 */
		{ (UINT64_C(1) << 37) + 0x800, 21 }, /* rlist_24 */
	};

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		struct phyr_list *l = mk(PHYR_LIST_RLIST, false);
		uint64_t stride = cases[c].len * 2;

		for (unsigned i = 0; i < cases[c].per_chunk; i++)
			assert_int_equal(phyr_list_append(l, i * stride, cases[c].len), 0);
		assert_int_equal(phyr_list_layout_bytes(l), 512);
		assert_int_equal(phyr_list_append(l, cases[c].per_chunk * stride, cases[c].len), 0);
		assert_int_equal(phyr_list_layout_bytes(l), 1024);
		assert_int_equal(phyr_list_nchunks(l), 2);
		assert_int_equal(phyr_list_desc_bytes(l), 8);
		phyr_list_destroy(l);
	}
}

static void test_list_packed_extends_last_entry(void **state)
{
	struct phyr_list *l = mk(PHYR_LIST_PACKED, false);
	struct phyr r[2];

	(void)state;
	/* pages 0, 1, 2, 3 one by one: 8 B (order 0), 8 B (order 1),
	 * 12 B (3 x order 0), 8 B (order 2): always one entry */
	static const uint64_t expect_entry[] = { 8, 8, 12, 8 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(phyr_list_append(l, (uint64_t)i << 12, 0x1000), 0);
		assert_int_equal(phyr_list_nentries(l), 1);
		assert_int_equal(phyr_list_entry_size(PHYR_LIST_PACKED, 0, (uint64_t)(i + 1) << 12),
				 expect_entry[i]);
	}
	assert_int_equal(collect(l, r, 2), 1);
	assert_int_equal(r[0].addr, 0);
	assert_int_equal(r[0].len, 0x4000);
	phyr_list_destroy(l);
}

static void test_list_packed_rewind_across_chunks(void **state)
{
	struct phyr_list *l = mk(PHYR_LIST_PACKED, false);
	struct phyr r[70];
	uint64_t base = UINT64_C(0x10000000);

	(void)state;
	/* 62 one-page runs fill 496 of the 504 entry bytes */
	for (int i = 0; i < 62; i++)
		assert_int_equal(phyr_list_append(l, (uint64_t)i << 20, 0x1000), 0);
	assert_int_equal(phyr_list_append(l, base, 0x1000), 0); /* 8 B: fits exactly */
	assert_int_equal(phyr_list_nchunks(l), 1);
	assert_int_equal(phyr_list_append(l, base + 0x1000, 0x2000), 0); /* 3 pages: 12 B */
	assert_int_equal(phyr_list_nchunks(l), 2);
	assert_int_equal(phyr_list_layout_bytes(l), 1024);
	assert_int_equal(phyr_list_append(l, base + 0x3000, 0x1000), 0); /* 4 pages: 8 B */
	assert_int_equal(phyr_list_nchunks(l), 1);
	assert_int_equal(phyr_list_layout_bytes(l), 512);
	assert_int_equal(phyr_list_nblocks(l), 2); /* the spare stays */
	assert_int_equal(phyr_list_heap_bytes(l), 1024);
	assert_int_equal(phyr_list_nentries(l), 63);
	assert_int_equal(collect(l, r, 70), 63);
	assert_int_equal(r[62].addr, base);
	assert_int_equal(r[62].len, 0x4000);
	/* the next run reuses the spare chunk */
	assert_int_equal(phyr_list_append(l, base + 0x100000, 0x1000), 0);
	assert_int_equal(phyr_list_nchunks(l), 2);
	assert_int_equal(phyr_list_nblocks(l), 2);
	assert_int_equal(collect(l, r, 70), 64);
	phyr_list_destroy(l);
}

static void test_list_append_pages(void **state)
{
	static const uint64_t pfns[] = { 100, 101, 102, 200, 201, 300 };
	struct phyr_list *l = mk(PHYR_LIST_PACKED, false);
	struct phyr r[4];

	(void)state;
	/* spec 9.4's example: offset 0x100, size 0x5E00 */
	assert_int_equal(phyr_list_append_pages(l, pfns, 6, 0x100, 0x5E00), 0);
	assert_int_equal(collect(l, r, 4), 3);
	assert_int_equal(r[0].addr, 100 * 0x1000 + 0x100);
	assert_int_equal(r[0].len, 0x2F00);
	assert_int_equal(r[1].addr, 200 * 0x1000);
	assert_int_equal(r[1].len, 0x2000);
	assert_int_equal(r[2].addr, 300 * 0x1000);
	assert_int_equal(r[2].len, 0xF00);
	/* mode 10 (12 B), mode 01 (pfn 200 = 8 x 25: order 1, count 1 ->
	 * mode 00, 8 B), mode 10 (12 B) */
	assert_int_equal(phyr_list_nentries(l), 3);
	/* bad inputs change nothing */
	assert_int_equal(phyr_list_append_pages(l, pfns, 6, 0x1000, 0x100), -EINVAL);
	assert_int_equal(phyr_list_append_pages(l, pfns, 6, 0, 0x5000), -EINVAL); /* page 6 unused */
	assert_int_equal(phyr_list_append_pages(l, pfns, 2, 0, 0x2001), -EINVAL);
	assert_int_equal(phyr_list_append_pages(l, (const uint64_t[]){ UINT64_C(1) << 52 }, 1, 0,
						0x1000), -EINVAL);
	assert_int_equal(phyr_list_append_pages(l, NULL, 0, 0, 0), 0);
	assert_int_equal(phyr_list_nruns(l), 3);
	phyr_list_destroy(l);
}

static void test_list_rejects_bad_ranges(void **state)
{
	struct phyr_list *l = mk(PHYR_LIST_RLIST, false);
	struct phyr_list_opts bad = { .encoding = PHYR_LIST_PACKED, .chunk_size = 100 };
	struct phyr_list *x;

	(void)state;
	assert_int_equal(phyr_list_append(l, UINT64_C(0xFFFFFFFFFFFFF000), 0x1001), -EINVAL);
	assert_int_equal(phyr_list_append(l, UINT64_C(0xFFFFFFFFFFFFF000), 0x1000), 0);
	/* a range at address 0 does not continue one that ended at 2^64 */
	assert_int_equal(phyr_list_append(l, 0, 0x1000), 0);
	assert_int_equal(phyr_list_nruns(l), 2);
	assert_int_equal(phyr_list_create(&bad, NULL, &x), -EINVAL);
	bad.chunk_size = 16;
	assert_int_equal(phyr_list_create(&bad, NULL, &x), -EINVAL);
	bad.encoding = (enum phyr_list_encoding)7;
	assert_int_equal(phyr_list_create(&bad, NULL, &x), -EINVAL);
	assert_int_equal(phyr_list_create(NULL, NULL, NULL), -EINVAL);
	phyr_list_destroy(l);
	phyr_list_destroy(NULL);
}

static void test_list_measure_only_refuses_iteration(void **state)
{
	struct phyr_list *l = mk(PHYR_LIST_PACKED, true);
	struct phyr_list_iter it;

	(void)state;
	assert_int_equal(phyr_list_append(l, 0x1000, 0x1000), 0);
	assert_int_equal(phyr_list_layout_bytes(l), 512);
	assert_int_equal(phyr_list_iter_init(l, &it), -EOPNOTSUPP);
	phyr_list_destroy(l);
}

static void test_list_decode_rejects_malformed(void **state)
{
	uint64_t n;

	(void)state;
	/* mode 00 order 1 at an odd pfn */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 1, 0, 0, 0, 0, 0, 0x10, 0 }, 8,
					    NULL, NULL, &n), -EINVAL);
	/* unused bits 57-61 set */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0x02 }, 8,
					    NULL, NULL, &n), -EINVAL);
	/* truncated mode 01 */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0x40, 1 }, 9,
					    NULL, NULL, &n), -EINVAL);
	/* mode 01 count 0 */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0x40,
							       0, 0, 0, 0 }, 12, NULL, NULL, &n),
			 -EINVAL);
	/* reserved mode 11 subtype */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0x10, 0xC0,
							       0, 0x10, 0, 0, 0, 0, 0, 0 }, 16,
					    NULL, NULL, &n), -EINVAL);
	/* END stops decoding; trailing short bytes are padding */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 1, 0, 0, 0, 0, 0, 0, 0,
							       0, 0, 0, 0, 0, 0, 0xF0, 0xFF,
							       0xAA }, 17, NULL, NULL, &n), 0);
	assert_int_equal(n, 1);
	/* mode 10 running past 2^64 */
	assert_int_equal(phyr_packed_decode((const uint8_t[]){ 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
							       0x0F, 0x80, 0xFF, 0x2F, 0, 0 }, 12,
					    NULL, NULL, &n), -EINVAL);
	/* rlist: reserved type, bad end pad, non-zero reserved word */
	assert_int_equal(phyr_rlist_decode((const uint8_t[]){ 0x14, 0, 0, 0, 1, 0, 0, 0 }, 8,
					   NULL, NULL, &n), -EINVAL);
	assert_int_equal(phyr_rlist_decode((const uint8_t[]){ 0x13, 0, 0, 0 }, 4,
					   NULL, NULL, &n), -EINVAL);
	assert_int_equal(phyr_rlist_decode((const uint8_t[]){ 0x12, 0, 0, 0, 0, 0, 0, 0,
							      0, 0, 0, 0, 0, 0, 0, 0,
							      0, 0, 0, 0, 1, 0, 0, 0 }, 24,
					   NULL, NULL, &n), -EINVAL);
	/* rlist_8 with length 0 */
	assert_int_equal(phyr_rlist_decode((const uint8_t[]){ 0, 0, 0, 0, 1, 0, 0, 0 }, 8,
					   NULL, NULL, &n), -EINVAL);
	assert_int_equal(phyr_rlist_decode((const uint8_t[]){ 0x10, 0, 0, 0, 1, 0, 0, 0,
							      3, 0, 0, 0 }, 12, NULL, NULL, &n), 0);
	assert_int_equal(n, 1);
}

/* Every allocation failure leaves the list as it was, without leaks. */
static void test_list_failnth_leaves_state(void **state)
{
	static const uint64_t pfns[] = { 0xF001, 1 << 20, 3 << 20, 5 << 20 };

	(void)state;
	for (int enc = 0; enc < 3; enc++) {
		for (uint64_t fail = 1;; fail++) {
			struct phyr_failnth f = { .fail_at = 0 };
			struct phyr_allocator a;
			struct phyr_list_opts o = { .encoding = (enum phyr_list_encoding)enc,
						    .chunk_size = 32 };
			struct phyr_list *l;
			struct phyr before[40], after[40];
			uint64_t live, bytes, blocks, entries;
			size_t nb;
			int ret;

			phyr_failnth_allocator(&f, &a);
			assert_int_equal(phyr_list_create(&o, &a, &l), 0);
			/* 16 separate runs: a full plain array, 8 full chunks */
			for (int i = 0; i < 16; i++)
				assert_int_equal(phyr_list_append(l, (uint64_t)i << 24, 0x1000), 0);
			nb = collect(l, before, 40);
			live = f.nlive;
			bytes = phyr_list_layout_bytes(l);
			blocks = phyr_list_nblocks(l);
			entries = phyr_list_nentries(l);
			f.fail_at = f.nallocs + fail;
			/* extends the last run, then 3 new runs */
			ret = phyr_list_append_pages(l, pfns, 4, 0, 0x3F00);
			if (ret == 0) {
				assert_int_equal(collect(l, after, 40), 19);
				assert_int_equal(after[15].len, 0x2000);
				phyr_list_destroy(l);
				assert_int_equal(f.nlive, 0);
				break;
			}
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(collect(l, after, 40), nb);
			assert_memory_equal(before, after, nb * sizeof(*after));
			assert_int_equal(phyr_list_layout_bytes(l), bytes);
			assert_int_equal(phyr_list_nblocks(l), blocks);
			assert_int_equal(phyr_list_nentries(l), entries);
			assert_int_equal(phyr_list_nruns(l), 16);
			assert_int_equal(f.nlive, live);
			phyr_list_destroy(l);
			assert_int_equal(f.nlive, 0);
			assert_true(fail < 20);
		}
	}
}

/* heap_bytes is what the list's storage really holds (no backend: the
 * requested sizes), measured by a counting allocator. */
static void test_list_heap_bytes_match_allocations(void **state)
{
	(void)state;
	for (int enc = 0; enc < 3; enc++) {
		struct phyr_failnth f = { .fail_at = 0 };
		struct phyr_allocator a;
		struct phyr_list_opts o = { .encoding = (enum phyr_list_encoding)enc };
		struct phyr_list *l;
		uint64_t base;

		phyr_failnth_allocator(&f, &a);
		assert_int_equal(phyr_list_create(&o, &a, &l), 0);
		base = f.nbytes_live;
		assert_int_equal(phyr_list_heap_bytes(l), 0);
		for (uint64_t i = 0; i < 1000; i++) {
			assert_int_equal(phyr_list_append(l, i * 0x3000 + (i % 3) * 0x200, 0x1000), 0);
			assert_int_equal(phyr_list_heap_bytes(l), f.nbytes_live - base);
		}
		/* 1000 runs: plain 1024-slot array; packed: 8-byte (i % 3 == 0)
		 * and 12-byte entries, 42..63 per chunk; rlist: rlist_8 and
		 * rlist_16 entries, 31..63 per chunk */
		if (enc == 0)
			assert_int_equal(f.nbytes_live - base, 1024 * 16);
		phyr_list_destroy(l);
		assert_int_equal(f.nlive, 0);
	}
}

/* ---- property test ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A random range; sometimes continuing the previous one. */
static void random_range(uint64_t prev_end, bool have_prev, uint64_t *addr, uint64_t *len)
{
	uint64_t a, l;

	switch (rnd_below(9)) {
	case 0: /* continues the previous range (may run past 2^64) */
		a = have_prev ? prev_end : 0x1000;
		l = (rnd_below(64) + 1) << 12;
		break;
	case 1: /* sub-page piece */
		a = rnd_below(UINT64_C(1) << 40) & ~UINT64_C(0x1FF);
		l = (rnd_below(8) + 1) * 512;
		break;
	case 2: /* huge run, > 4 GiB */
		a = rnd_below(UINT64_C(1) << 50) << 12;
		l = (rnd_below(UINT64_C(1) << 28) + (UINT64_C(1) << 20) + 1) << 12;
		break;
	case 3: /* at the 52-bit pfn limit */
		l = (rnd_below(16) + 1) << 12;
		a = (UINT64_C(0x10000000000000) - (l >> 12) - rnd_below(4)) << 12;
		break;
	case 4: /* zero length */
		a = rnd();
		l = 0;
		break;
	case 5: /* natural block */
		l = UINT64_C(0x1000) << rnd_below(20);
		a = (rnd_below(UINT64_C(1) << 30) * l) & UINT64_C(0xFFFFFFFFFFFFF000);
		if (l - 1 > UINT64_MAX - a)
			a = 0;
		break;
	case 6: /* arbitrary bytes */
		a = rnd() >> rnd_below(64);
		l = rnd() >> (20 + rnd_below(44));
		if (l && l - 1 > UINT64_MAX - a)
			l = UINT64_MAX - a + 1;
		break;
	default: /* page run */
		a = rnd_below(UINT64_C(1) << 36) << 12;
		l = (rnd_below(1024) + 1) << 12;
		break;
	}
	*addr = a;
	*len = l;
}

static void run_property(uint64_t seed, int nranges)
{
	struct phyr_list *l[3], *m[3];
	struct phyr *model, *got;
	size_t nmodel = 0;
	uint64_t prev_end = 0, total = 0;
	bool have_prev = false;

	rng_state = seed;
	model = calloc((size_t)nranges + 1, sizeof(*model));
	got = calloc((size_t)nranges + 1, sizeof(*got));
	assert_non_null(model);
	assert_non_null(got);
	for (int e = 0; e < 3; e++) {
		l[e] = mk((enum phyr_list_encoding)e, false);
		m[e] = mk((enum phyr_list_encoding)e, true);
	}
	for (int i = 0; i < nranges; i++) {
		uint64_t a, len;
		int want;

		random_range(prev_end, have_prev, &a, &len);
		if (len && len - 1 > UINT64_MAX - a)
			want = -EINVAL;
		else
			want = len > UINT64_MAX - total ? -ERANGE : 0;
		for (int e = 0; e < 3; e++) {
			int r1 = phyr_list_append(l[e], a, len);
			int r2 = phyr_list_append(m[e], a, len);

			if (r1 != want || r2 != want)
				fail_msg("seed %llu: append #%d (0x%llx, 0x%llx) returned %d/%d, want %d",
					 (unsigned long long)seed, i, (unsigned long long)a,
					 (unsigned long long)len, r1, r2, want);
		}
		if (want || len == 0)
			continue;
		total += len;
		/* the model: coalesce with the previous run */
		if (nmodel && model[nmodel - 1].len <= UINT64_MAX - model[nmodel - 1].addr &&
		    model[nmodel - 1].addr + model[nmodel - 1].len == a)
			model[nmodel - 1].len += len;
		else
			model[nmodel++] = (struct phyr){ a, len };
		have_prev = len <= UINT64_MAX - a && a + len != 0;
		prev_end = a + len;
	}
	for (int e = 0; e < 3; e++) {
		size_t n = collect(l[e], got, (size_t)nranges + 1);

		if (n != nmodel || memcmp(got, model, n * sizeof(*got)) != 0)
			fail_msg("seed %llu: encoding %d decodes %zu runs, model has %zu",
				 (unsigned long long)seed, e, n, nmodel);
		if (phyr_list_nruns(l[e]) != nmodel || phyr_list_length(l[e]) != total ||
		    phyr_list_nentries(m[e]) != phyr_list_nentries(l[e]) ||
		    phyr_list_layout_bytes(m[e]) != phyr_list_layout_bytes(l[e]) ||
		    phyr_list_heap_bytes(m[e]) != phyr_list_heap_bytes(l[e]))
			fail_msg("seed %llu: encoding %d counters differ", (unsigned long long)seed, e);
		phyr_list_destroy(l[e]);
		phyr_list_destroy(m[e]);
	}
	free(model);
	free(got);
}

static void test_list_property_decode_equals_input(void **state)
{
	uint64_t seed0 = 20220111;
	const char *env = getenv("PHYR_TEST_SEED");

	(void)state;
	if (env)
		seed0 = strtoull(env, NULL, 0);
	run_property(seed0, 0); /* zero-length input */
	for (uint64_t s = 0; s < 3000; s++)
		run_property(seed0 + s, (int)(s % 7 == 0 ? 2000 : 1 + s % 97));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_plain_coalesces),
		cmocka_unit_test(test_list_packed_entry_bytes),
		cmocka_unit_test(test_list_packed_huge_runs),
		cmocka_unit_test(test_list_rlist_entry_bytes),
		cmocka_unit_test(test_list_rlist_chunk_capacity),
		cmocka_unit_test(test_list_packed_extends_last_entry),
		cmocka_unit_test(test_list_packed_rewind_across_chunks),
		cmocka_unit_test(test_list_append_pages),
		cmocka_unit_test(test_list_rejects_bad_ranges),
		cmocka_unit_test(test_list_measure_only_refuses_iteration),
		cmocka_unit_test(test_list_decode_rejects_malformed),
		cmocka_unit_test(test_list_failnth_leaves_state),
		cmocka_unit_test(test_list_heap_bytes_match_allocations),
		cmocka_unit_test(test_list_property_decode_equals_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
