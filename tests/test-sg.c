// SPDX-License-Identifier: MIT
/*
 * Tests of the scatterlist model: layouts, chained allocation (spec 9.3),
 * the page builders and their merge rules (spec 9.4), the append variant,
 * DMA fields, the bio_vec baseline, allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/scatterlist.h"

#define PG 4096u
#define L32 PHYR_SG_LAYOUT_64_LEN_FLAGS

struct seg {
	uint64_t pfn;
	uint32_t off;
	uint32_t len;
};

static struct phyr_sg_table *mk(enum phyr_sg_layout_id id)
{
	struct phyr_sg_table *t = NULL;

	assert_int_equal(phyr_sg_table_create(id, NULL, &t), 0);
	return t;
}

/* Checks the table's entries, in for_each_sg order, against @want. */
static void check_segs(const struct phyr_sg_table *t, const struct seg *want, unsigned int n)
{
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *sg;
	unsigned int i;

	assert_int_equal(phyr_sg_table_nents(t), n);
	assert_int_equal(phyr_sg_table_orig_nents(t), n);
	phyr_for_each_sg(L, phyr_sg_table_sgl(t), sg, n, i) {
		assert_non_null(sg);
		assert_int_equal(phyr_sg_pfn(L, sg), want[i].pfn);
		assert_int_equal(phyr_sg_offset(L, sg), want[i].off);
		assert_int_equal(phyr_sg_length(L, sg), want[i].len);
		assert_false(phyr_sg_is_chain(L, sg));
		assert_int_equal(phyr_sg_is_last(L, sg), i == n - 1);
	}
}

static void test_sg_layout_sizes(void **state)
{
	static const struct {
		enum phyr_sg_layout_id id;
		unsigned int size, max, dlen, dflags, tbl, app;
	} want[] = {
		{ PHYR_SG_LAYOUT_64, 24, 170, (unsigned)-1, (unsigned)-1, 16, 32 },
		{ PHYR_SG_LAYOUT_64_LEN, 32, 128, 24, (unsigned)-1, 16, 32 },
		{ PHYR_SG_LAYOUT_64_FLAGS, 32, 128, (unsigned)-1, 24, 16, 32 },
		{ PHYR_SG_LAYOUT_64_LEN_FLAGS, 32, 128, 24, 28, 16, 32 },
		{ PHYR_SG_LAYOUT_64_DEBUG_SG, 40, 102, 32, (unsigned)-1, 16, 32 },
		{ PHYR_SG_LAYOUT_32, 16, 256, (unsigned)-1, (unsigned)-1, 12, 20 },
		{ PHYR_SG_LAYOUT_32_LEN, 20, 204, 16, (unsigned)-1, 12, 20 },
		{ PHYR_SG_LAYOUT_32_LEN_FLAGS, 24, 170, 16, 20, 12, 20 },
		{ PHYR_SG_LAYOUT_32_LPAE, 24, 170, (unsigned)-1, (unsigned)-1, 12, 20 },
		{ PHYR_SG_LAYOUT_32_LPAE_LEN, 32, 128, 24, (unsigned)-1, 12, 20 },
		{ PHYR_SG_LAYOUT_32_PAE, 20, 204, (unsigned)-1, (unsigned)-1, 12, 20 },
		{ PHYR_SG_LAYOUT_32_PAE_LEN, 24, 170, 20, (unsigned)-1, 12, 20 },
	};
	const struct phyr_sg_layout *L;

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		L = phyr_sg_layout_get(want[i].id);
		assert_non_null(L);
		assert_int_equal(L->size, want[i].size);
		assert_int_equal(L->max_single_alloc, want[i].max);
		assert_int_equal((unsigned)L->off_dma_length, want[i].dlen);
		assert_int_equal((unsigned)L->off_dma_flags, want[i].dflags);
		assert_int_equal(L->table_bytes, want[i].tbl);
		assert_int_equal(L->append_table_bytes, want[i].app);
		assert_int_equal(L->buildable, L->word_bytes == 8);
		assert_int_equal(phyr_sg_layout_find(L->name, &L), 0);
		assert_int_equal(L->id, want[i].id);
	}
	assert_null(phyr_sg_layout_get(PHYR_SG_LAYOUT_COUNT));
	assert_int_equal(phyr_sg_layout_find("32", &L), 0);
	assert_int_equal(L->id, PHYR_SG_LAYOUT_64_LEN_FLAGS);
	assert_int_equal(phyr_sg_layout_find("nope", &L), -EINVAL);
}

/* spec 9.3: chunk layout of sg_alloc_table(n) with 32-byte entries. */
static void test_sg_alloc_table_chunks(void **state)
{
	static const struct {
		unsigned int n, nchunks, npages, tail;
		uint64_t alloc;
	} want[] = {
		{ 1, 1, 0, 1, 32 },
		{ 5, 1, 0, 5, 160 },		/* kmalloc-192 in the kernel */
		{ 127, 1, 0, 127, 4064 },	/* kmalloc-4k */
		{ 128, 1, 1, 128, 4096 },	/* one page */
		{ 129, 2, 1, 2, 4096 + 64 },	/* spec B24: 4160 */
		{ 1000, 8, 7, 111, 7 * 4096 + 3552 },
		{ 2048, 17, 16, 16, 66048 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct phyr_sg_table *t = mk(L32);
		struct phyr_sg_bytes b, p;
		struct phyr_sg_chunk c;

		assert_int_equal(phyr_sg_alloc_table(t, want[i].n), 0);
		assert_int_equal(phyr_sg_table_nents(t), want[i].n);
		assert_int_equal(phyr_sg_table_orig_nents(t), want[i].n);
		assert_int_equal(phyr_sg_table_nchunks(t), want[i].nchunks);
		for (unsigned int k = 0; k + 1 < want[i].nchunks; k++) {
			assert_int_equal(phyr_sg_table_chunk(t, k, &c), 0);
			assert_int_equal(c.nents, 128);
			assert_true(c.page);
			assert_int_equal(c.alloc_bytes, 4096);
		}
		assert_int_equal(phyr_sg_table_chunk(t, want[i].nchunks - 1, &c), 0);
		assert_int_equal(c.nents, want[i].tail);
		assert_int_equal(c.bytes, want[i].tail * 32u);
		assert_int_equal(phyr_sg_table_chunk(t, want[i].nchunks, &c), -EINVAL);
		phyr_sg_table_bytes(t, &b);
		assert_int_equal(b.header, 16);
		assert_int_equal(b.nchunks, want[i].nchunks);
		assert_int_equal(b.npage_chunks, want[i].npages);
		assert_int_equal(b.data_entries, want[i].n);
		assert_int_equal(b.chain_entries, want[i].nchunks - 1);
		assert_int_equal(b.unused_entries, 0);
		assert_int_equal(b.alloc_bytes, want[i].alloc);
		assert_int_equal(b.entry_bytes, (uint64_t)(want[i].n + want[i].nchunks - 1) * 32);
		/* The arithmetic plan gives the same figures without allocating. */
		assert_int_equal(phyr_sg_alloc_plan(L32, want[i].n, &p), 0);
		assert_memory_equal(&b, &p, sizeof(b));
		phyr_sg_table_destroy(t);
	}
}

static void test_sg_alloc_plan_layouts(void **state)
{
	struct phyr_sg_bytes p;

	(void)state;
	/* 24-byte entries: 170 per page, a full page chunk holds 4080 bytes. */
	assert_int_equal(phyr_sg_alloc_plan(PHYR_SG_LAYOUT_64, 170, &p), 0);
	assert_int_equal(p.nchunks, 1);
	assert_int_equal(p.npage_chunks, 1);
	assert_int_equal(p.entry_bytes, 4080);
	assert_int_equal(p.alloc_bytes, 4096);
	assert_int_equal(phyr_sg_alloc_plan(PHYR_SG_LAYOUT_64, 171, &p), 0);
	assert_int_equal(p.nchunks, 2);
	assert_int_equal(p.alloc_bytes, 4096 + 2 * 24);
	/* 40-byte DEBUG_SG entries: 102 per page. */
	assert_int_equal(phyr_sg_alloc_plan(PHYR_SG_LAYOUT_64_DEBUG_SG, 1000, &p), 0);
	assert_int_equal(p.nchunks, 10);	/* 9 x 101 = 909, tail 91 */
	assert_int_equal(p.alloc_bytes, 9 * 4096 + 91 * 40);
	/* 32-bit, 16-byte entries: 256 per page. 100 GiB of 4 KiB pages. */
	assert_int_equal(phyr_sg_alloc_plan(PHYR_SG_LAYOUT_32, 26214400, &p), 0);
	assert_int_equal(p.chain_entries, 102801);	/* ceil((n - 256) / 255) */
	assert_int_equal(p.nchunks, 102802);
	assert_int_equal(p.data_entries + p.chain_entries, p.entry_bytes / 16);
	assert_int_equal(phyr_sg_alloc_plan(L32, 0, &p), 0);
	assert_int_equal(p.nchunks, 0);
	assert_int_equal(p.header, 16);
	assert_int_equal(phyr_sg_alloc_plan(PHYR_SG_LAYOUT_COUNT, 1, &p), -EINVAL);
}

/* A page-built table (left_pages 0) has sg_alloc_table's chunks for its entry count. */
static void test_sg_from_pages_plan_matches(void **state)
{
	static const unsigned int ns[] = { 1, 2, 127, 128, 129, 254, 255, 256, 1000, 2048 };
	static uint64_t pfns[2048];
	static const enum phyr_sg_layout_id ids[] = { PHYR_SG_LAYOUT_64, L32, PHYR_SG_LAYOUT_64_DEBUG_SG };

	(void)state;
	for (unsigned int i = 0; i < 2048; i++)
		pfns[i] = 3 * i;
	for (size_t l = 0; l < 3; l++) {
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			struct phyr_sg_table *t = mk(ids[l]);
			struct phyr_sg_bytes b, p;

			assert_int_equal(phyr_sg_alloc_table_from_pages(t, pfns, NULL, ns[i], 0,
									(uint64_t)ns[i] * PG), 0);
			phyr_sg_table_bytes(t, &b);
			assert_int_equal(phyr_sg_alloc_plan(ids[l], ns[i], &p), 0);
			assert_memory_equal(&b, &p, sizeof(b));
			phyr_sg_table_destroy(t);
		}
	}
}

static void test_sg_alloc_table_chain_walk(void **state)
{
	struct phyr_sg_table *t = mk(L32);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *sg = NULL, *first;
	struct phyr_sg_chunk c0, c1;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(phyr_sg_alloc_table(t, 300), 0);
	assert_int_equal(phyr_sg_table_chunk(t, 0, &c0), 0);
	assert_int_equal(phyr_sg_table_chunk(t, 1, &c1), 0);
	first = phyr_sg_table_sgl(t);
	assert_ptr_equal(first, c0.addr);
	/* Slot 127 of the first page is a link to the second chunk. */
	assert_true(phyr_sg_is_chain(L, phyr_sg_entry(L, first, 127)));
	assert_ptr_equal(phyr_sg_chain_ptr(L, phyr_sg_entry(L, first, 127)), c1.addr);
	assert_int_equal(phyr_sg_next(L, phyr_sg_entry(L, first, 126)), c1.addr);
	for (struct phyr_scatterlist *s = first; s; s = phyr_sg_next(L, s)) {
		assert_false(phyr_sg_is_chain(L, s));
		assert_int_equal(phyr_sg_length(L, s), 0);
		sg = s;
		n++;
	}
	assert_int_equal(n, 300);
	assert_true(phyr_sg_is_last(L, sg));
	/* A second allocation on a used table is refused. */
	assert_int_equal(phyr_sg_alloc_table(t, 1), -EINVAL);
	phyr_sg_free_table(t);
	assert_null(phyr_sg_table_sgl(t));
	assert_int_equal(phyr_sg_table_nchunks(t), 0);
	assert_int_equal(phyr_sg_alloc_table(t, 0), -EINVAL);
	assert_int_equal(phyr_sg_alloc_table(t, 1), 0);
	phyr_sg_table_destroy(t);
	phyr_sg_table_destroy(NULL);
}

static void test_sg_alloc_table_failnth(void **state)
{
	(void)state;
	for (uint64_t k = 1;; k++) {
		struct phyr_failnth f = { .fail_at = k };
		struct phyr_allocator a;
		struct phyr_sg_table *t;
		int ret;

		phyr_failnth_allocator(&f, &a);
		ret = phyr_sg_table_create(L32, &a, &t);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		ret = phyr_sg_alloc_table(t, 1000);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_null(phyr_sg_table_sgl(t));
			assert_int_equal(phyr_sg_table_nchunks(t), 0);
			assert_int_equal(f.nlive, 1);
			phyr_sg_table_destroy(t);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		/* table, chunk records, 8 chunks */
		assert_int_equal(f.nlive, 10);
		assert_int_equal(k, 11);
		phyr_sg_table_destroy(t);
		assert_int_equal(f.nlive, 0);
		break;
	}
}

/* spec 9.4 worked example. */
static void test_sg_from_pages_spec_example(void **state)
{
	static const uint64_t pfns[] = { 100, 101, 102, 200, 201, 300 };
	static const struct seg want[] = { { 100, 0x100, 0x2F00 }, { 200, 0, 0x2000 }, { 300, 0, 0xF00 } };
	struct phyr_sg_table *t = mk(L32);
	struct phyr_sg_bytes b;

	(void)state;
	assert_int_equal(phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, 6, 0x100, 0x5E00, 65536), 0);
	check_segs(t, want, 3);
	assert_int_equal(phyr_sg_table_total_nents(t), 3);
	assert_null(phyr_sg_table_prv(t));
	phyr_sg_table_bytes(t, &b);
	assert_int_equal(b.header, 16);
	assert_int_equal(b.alloc_bytes, 96);
	assert_int_equal(phyr_sg_phys(phyr_sg_table_layout(t), phyr_sg_table_sgl(t)), 100 * 4096 + 0x100);
	/* A built table is an sg_table: no append on it. */
	assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, pfns, NULL, 1, 0, 4096, 65536, 0), -EINVAL);
	phyr_sg_table_destroy(t);
}

/* spec 9.4 rule 1: contiguous pfns merge only within the same pgmap. */
static void test_sg_merge_pgmap(void **state)
{
	static const uint64_t pfns[] = { 10, 11, 12, 13, 14, 15 };
	static const uint16_t pgmaps[] = { 0, 0, 3, 3, 4, 0 };
	static const struct seg want[] = { { 10, 0, 8192 }, { 12, 0, 8192 }, { 14, 0, 4096 }, { 15, 0, 4096 } };
	static const uint16_t bad[] = { 0, 1024, 0, 0, 0, 0 };
	struct phyr_sg_table *t = mk(L32);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *sg;
	unsigned int n;

	(void)state;
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, pfns, pgmaps, 6, 0, 6 * PG), 0);
	check_segs(t, want, 4);
	sg = phyr_sg_next(L, phyr_sg_table_sgl(t));
	assert_int_equal(phyr_sg_pgmap(L, sg), 3);
	assert_int_equal(phyr_sg_pgmap(L, phyr_sg_next(L, sg)), 4);
	assert_int_equal(phyr_sg_pages_count_segments(pfns, pgmaps, 6, 1u << 20, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(phyr_sg_pages_count_segments(pfns, NULL, 6, 1u << 20, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(phyr_sg_pages_count_segments(pfns, NULL, 6, 8192, &n), 0);
	assert_int_equal(n, 3);
	phyr_sg_table_destroy(t);
	t = mk(L32);
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, pfns, bad, 6, 0, 6 * PG), -EINVAL);
	assert_null(phyr_sg_table_sgl(t));
	phyr_sg_table_destroy(t);
}

static void test_sg_max_segment_rules(void **state)
{
	static const uint64_t pfns[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const struct seg w6000[] = { { 0, 0, 4096 }, { 1, 0, 4096 }, { 2, 0, 4096 } };
	static const struct seg w12305[] = { { 0, 0, 12288 }, { 3, 0, 12288 }, { 6, 0, 8192 } };
	/* Offset ignored by the chunking: the first entry is max_seg - offset long. */
	static const struct seg woff[] = { { 0, 100, 8092 }, { 2, 0, 8192 }, { 4, 0, 8192 }, { 6, 0, 8192 - 100 } };
	struct phyr_sg_table *t;
	unsigned int n;

	(void)state;
	t = mk(L32);
	assert_int_equal(phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, 8, 0, 8 * PG, 4095), -EINVAL);
	assert_int_equal(phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, 8, 0, 8 * PG, 0), -EINVAL);
	assert_int_equal(phyr_sg_pages_count_segments(pfns, NULL, 8, 4095, &n), -EINVAL);
	assert_null(phyr_sg_table_sgl(t));
	assert_int_equal(phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, 3, 0, 3 * PG, 6000), 0);
	check_segs(t, w6000, 3);
	phyr_sg_free_table(t);
	assert_int_equal(phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, 8, 0, 8 * PG, 12305), 0);
	check_segs(t, w12305, 3);
	phyr_sg_free_table(t);
	assert_int_equal(phyr_sg_alloc_table_from_pages_segment(t, pfns, NULL, 8, 100, 8 * PG - 200, 8192), 0);
	check_segs(t, woff, 4);
	phyr_sg_free_table(t);
	/* n_pages 0: Linux reads pages[0]; refused. */
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, pfns, NULL, 0, 0, 0), -EINVAL);
	phyr_sg_table_destroy(t);
}

/* UINT_MAX rounds to 0xfffff000: a chunk holds at most 1048575 pages. */
static void test_sg_from_pages_uint_max_chunk(void **state)
{
	unsigned int n = (1u << 20) + 1;
	uint64_t *pfns = malloc(n * sizeof(*pfns));
	static const struct seg want[] = { { 5, 0, 0xfffff000u }, { 5 + 1048575, 0, 8192 } };
	struct phyr_sg_table *t = mk(L32);

	(void)state;
	assert_non_null(pfns);
	for (unsigned int i = 0; i < n; i++)
		pfns[i] = 5 + i;
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, pfns, NULL, n, 0, (uint64_t)n * PG), 0);
	check_segs(t, want, 2);
	phyr_sg_table_destroy(t);
	free(pfns);
}

/* size smaller than the pages span: the remaining size wraps (Linux quirk). */
static void test_sg_size_wrap_quirk(void **state)
{
	static const uint64_t p1[] = { 0, 1, 3 };
	static const struct seg w1[] = { { 0, 0, 5000 }, { 3, 0, 4096 } };
	static const uint64_t p2[] = { 0, 2 };
	static const struct seg w2[] = { { 0, 5000, 100 }, { 2, 0, 4096 } };
	static const uint64_t p3[] = { 5, 6, 8 };
	static const struct seg w3[] = { { 5, 4095, 4097 }, { 8, 0, 1 } };
	struct phyr_sg_table *t = mk(L32);

	(void)state;
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, p1, NULL, 3, 0, 5000), 0);
	check_segs(t, w1, 2);
	phyr_sg_free_table(t);
	/* An offset beyond the chunk wraps the 32-bit chunk_size too. */
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, p2, NULL, 2, 5000, 100), 0);
	check_segs(t, w2, 2);
	phyr_sg_free_table(t);
	assert_int_equal(phyr_sg_alloc_table_from_pages(t, p3, NULL, 3, 4095, 4098), 0);
	check_segs(t, w3, 2);
	phyr_sg_table_destroy(t);
}

static void test_sg_append_merge_capped(void **state)
{
	static const uint64_t p[] = { 10, 11, 12 }, q[] = { 13, 14, 15, 16 };
	static const struct seg w1[] = { { 10, 0, 12288 } };
	static const struct seg w2[] = { { 10, 0, 20480 }, { 15, 0, 8192 } };
	struct phyr_sg_table *t = mk(L32);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_sg_bytes b;

	(void)state;
	assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, p, NULL, 3, 0, 12288, 20480, 4), 0);
	assert_int_equal(phyr_sg_table_total_nents(t), 5);	/* min(1 + 4, 128) */
	assert_int_equal(phyr_sg_table_nents(t), 1);
	assert_ptr_equal(phyr_sg_table_prv(t), phyr_sg_table_sgl(t));
	assert_false(phyr_sg_is_last(L, phyr_sg_table_prv(t)));
	assert_int_equal(phyr_sg_length(L, phyr_sg_table_prv(t)), 12288);
	(void)w1;
	/* Offset must be 0 once the table has entries. */
	assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, q, NULL, 4, 1, 12288, 20480, 0), -EINVAL);
	assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, q, NULL, 4, 0, 12288, 20480, 0), 0);
	check_segs(t, w2, 2);
	assert_int_equal(phyr_sg_table_total_nents(t), 5);
	phyr_sg_table_bytes(t, &b);
	assert_int_equal(b.header, 32);
	assert_int_equal(b.unused_entries, 3);
	assert_int_equal(b.alloc_bytes, 5 * 32);
	/* left_pages 0 ended the table: Linux would crash on another append. */
	assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, q, NULL, 1, 0, 4096, 20480, 0), -EINVAL);
	check_segs(t, w2, 2);
	phyr_sg_table_destroy(t);
}

/* Tables compared entry by entry and count by count. */
static void snapshot(const struct phyr_sg_table *t, char *buf, size_t len)
{
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *sg;
	unsigned int i;
	int k;

	k = snprintf(buf, len, "%u %u %u %u %p|", phyr_sg_table_nents(t), phyr_sg_table_total_nents(t),
		     phyr_sg_table_nchunks(t), phyr_sg_table_orig_nents(t), (void *)phyr_sg_table_prv(t));
	phyr_for_each_sg(L, phyr_sg_table_sgl(t), sg, phyr_sg_table_nents(t), i)
		k += snprintf(buf + k, len - (size_t)k, "%llx/%u/%u,",
			      (unsigned long long)phyr_sg_page_link(L, sg), phyr_sg_offset(L, sg),
			      phyr_sg_length(L, sg));
}

/* Chained append under allocation failure: the table stays as it was. */
static void test_sg_append_failnth_unchanged(void **state)
{
	uint64_t p[130], q[200];
	static char before[65536], after[65536];

	(void)state;
	for (unsigned int i = 0; i < 130; i++)
		p[i] = 2 * i;
	for (unsigned int i = 0; i < 200; i++)
		q[i] = 1000 + 2 * i;
	q[0] = 259;	/* continues the last entry: merged into it */
	for (uint64_t k = 1;; k++) {
		struct phyr_failnth f = { .fail_at = k };
		struct phyr_allocator a;
		struct phyr_sg_table *t;
		int ret;

		phyr_failnth_allocator(&f, &a);
		if (phyr_sg_table_create(L32, &a, &t))
			continue;
		ret = phyr_sg_alloc_append_table_from_pages(t, p, NULL, 130, 0, 130 * PG, 0xffffffffu, 200);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(phyr_sg_table_nchunks(t), 0);
			phyr_sg_table_destroy(t);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		assert_int_equal(phyr_sg_table_total_nents(t), 128 + 127);	/* 330 needed, 2 pages */
		snapshot(t, before, sizeof(before));
		ret = phyr_sg_alloc_append_table_from_pages(t, q, NULL, 200, 0, 200 * PG, 0xffffffffu, 0);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			snapshot(t, after, sizeof(after));
			assert_string_equal(before, after);
			phyr_sg_table_destroy(t);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		assert_int_equal(phyr_sg_table_nents(t), 329);
		assert_int_equal(phyr_sg_table_total_nents(t), 329);
		{
			struct phyr_sg_stats st;

			phyr_sg_table_stats(t, &st);
			assert_int_equal(st.ncalls, 2);
			assert_int_equal(st.nfailed, 0);
			assert_int_equal(st.npages, 330);
			assert_int_equal(st.nprv_merged, 1);
			assert_int_equal(st.nentries_set, 329);
			assert_int_equal(st.nchunk_allocs, 3);
			assert_int_equal(st.nchunk_frees, 0);
		}
		assert_int_equal(phyr_sg_table_nchunks(t), 3);	/* 128 + 128 + 75 */
		assert_int_equal(phyr_sg_length(phyr_sg_table_layout(t), phyr_sg_table_sgl(t)), 4096);
		phyr_sg_table_destroy(t);
		assert_int_equal(f.nlive, 0);
		break;
	}
}

/* total_nents of an append table depends on SG_MAX_SINGLE_ALLOC when the
 * first call's chunk is never filled. */
static void test_sg_append_total_nents_by_layout(void **state)
{
	static const struct { enum phyr_sg_layout_id id; unsigned int total; } want[] = {
		{ PHYR_SG_LAYOUT_64, 170 }, { L32, 128 }, { PHYR_SG_LAYOUT_64_DEBUG_SG, 102 },
	};
	uint64_t p[] = { 50 }, q[200];

	(void)state;
	for (unsigned int i = 0; i < 200; i++)
		q[i] = 51 + i;
	for (size_t i = 0; i < 3; i++) {
		struct phyr_sg_table *t = mk(want[i].id);
		const struct phyr_sg_layout *L = phyr_sg_table_layout(t);

		assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, p, NULL, 1, 0, PG, 0xffffffffu, 200), 0);
		assert_int_equal(phyr_sg_alloc_append_table_from_pages(t, q, NULL, 200, 0, PG, 0xffffffffu, 0), 0);
		assert_int_equal(phyr_sg_table_nents(t), 1);
		assert_int_equal(phyr_sg_length(L, phyr_sg_table_sgl(t)), 201 * PG);
		assert_true(phyr_sg_is_last(L, phyr_sg_table_sgl(t)));
		assert_int_equal(phyr_sg_table_total_nents(t), want[i].total);
		phyr_sg_table_destroy(t);
	}
}

static void test_sg_entry_bytes_and_dma_fields(void **state)
{
	unsigned char buf[4 * 40] __attribute__((aligned(8)));
	struct phyr_scatterlist *sgl = (struct phyr_scatterlist *)buf, *sg;
	const struct phyr_sg_layout *L;
	uint64_t w;
	uint32_t v;

	(void)state;
	/* x86-64 default: page_link 0, offset 8, length 12, dma 16, dma_length 24, flags 28. */
	L = phyr_sg_layout_get(L32);
	assert_int_equal(phyr_sg_init_table(L, sgl, 4), 0);
	sg = phyr_sg_entry(L, sgl, 1);
	assert_int_equal(phyr_sg_set_page(L, sg, 0x12345, 7, 0x1000, 0x20), 0);
	phyr_sg_set_dma_address(L, sg, 0xfffe0000);
	phyr_sg_set_dma_len(L, sg, 0x3000);
	phyr_sg_dma_mark_bus_address(L, sg);
	phyr_sg_dma_mark_swiotlb(L, sg);
	memcpy(&w, buf + 32, 8);
	assert_int_equal(w, (0x12345ull << 12) | (7u << 2));
	memcpy(&v, buf + 40, 4);
	assert_int_equal(v, 0x20);
	memcpy(&v, buf + 44, 4);
	assert_int_equal(v, 0x1000);
	memcpy(&w, buf + 48, 8);
	assert_int_equal(w, 0xfffe0000);
	memcpy(&v, buf + 56, 4);
	assert_int_equal(v, 0x3000);
	memcpy(&v, buf + 60, 4);
	assert_int_equal(v, PHYR_SG_DMA_BUS_ADDRESS | PHYR_SG_DMA_SWIOTLB);
	assert_true(phyr_sg_dma_is_bus_address(L, sg));
	phyr_sg_dma_unmark_bus_address(L, sg);
	assert_false(phyr_sg_dma_is_bus_address(L, sg));
	assert_true(phyr_sg_dma_is_swiotlb(L, sg));
	assert_int_equal(phyr_sg_phys(L, sg), 0x12345020ull);
	/* The END marker of the last slot is in page_link bit 1. */
	memcpy(&w, buf + 96, 8);
	assert_int_equal(w, PHYR_SG_END);
	assert_int_equal(phyr_sg_set_page(L, sg, PHYR_SG_PFN_MAX + 1, 0, 1, 0), -EINVAL);
	assert_int_equal(phyr_sg_set_page(L, sg, 1, PHYR_SG_PGMAP_MAX + 1, 1, 0), -EINVAL);

	/* 24 bytes: no dma_length (sg_dma_len is length), no flags (no-ops). */
	L = phyr_sg_layout_get(PHYR_SG_LAYOUT_64);
	assert_int_equal(phyr_sg_init_table(L, sgl, 4), 0);
	sg = phyr_sg_entry(L, sgl, 2);
	assert_int_equal(phyr_sg_set_page(L, sg, 9, 0, 100, 0), 0);
	phyr_sg_set_dma_len(L, sg, 77);
	assert_int_equal(phyr_sg_length(L, sg), 77);
	phyr_sg_dma_mark_bus_address(L, sg);
	assert_false(phyr_sg_dma_is_bus_address(L, sg));
	assert_int_equal(phyr_sg_dma_flags(L, sg), 0);
	phyr_sg_set_dma_address(L, sg, 0xabc000);
	memcpy(&w, buf + 48 + 16, 8);
	assert_int_equal(w, 0xabc000);
	memcpy(&w, buf + 72, 8);
	assert_int_equal(w, PHYR_SG_END);

	/* 40 bytes: sg_magic first, page_link at 8. */
	L = phyr_sg_layout_get(PHYR_SG_LAYOUT_64_DEBUG_SG);
	assert_int_equal(phyr_sg_init_table(L, sgl, 4), 0);
	assert_int_equal(phyr_sg_set_page(L, sgl, 3, 0, 4096, 0), 0);
	memcpy(&w, buf + 8, 8);
	assert_int_equal(w, 3ull << 12);
	assert_int_equal(phyr_sg_init_table(phyr_sg_layout_get(PHYR_SG_LAYOUT_32), sgl, 4), -EINVAL);
	assert_int_equal(phyr_sg_init_table(L, sgl, 0), -EINVAL);
}

/* sg_init_table + sg_chain on caller arrays, walked with sg_next. */
static void test_sg_chain_user_arrays(void **state)
{
	unsigned char a[3 * 32] __attribute__((aligned(8))), b[2 * 32] __attribute__((aligned(8)));
	const struct phyr_sg_layout *L = phyr_sg_layout_get(L32);
	struct phyr_scatterlist *sa = (struct phyr_scatterlist *)a, *sb = (struct phyr_scatterlist *)b, *sg;
	uint64_t seen[4];
	unsigned int n = 0, i;

	(void)state;
	phyr_sg_init_table(L, sa, 3);
	phyr_sg_init_table(L, sb, 2);
	phyr_sg_set_page(L, phyr_sg_entry(L, sa, 0), 1, 0, 10, 0);
	phyr_sg_set_page(L, phyr_sg_entry(L, sa, 1), 2, 0, 20, 0);
	phyr_sg_chain(L, sa, 3, sb);
	assert_true(phyr_sg_is_chain(L, phyr_sg_entry(L, sa, 2)));
	assert_false(phyr_sg_is_last(L, phyr_sg_entry(L, sa, 2)));
	phyr_sg_set_page(L, phyr_sg_entry(L, sb, 0), 3, 0, 30, 0);
	phyr_sg_set_page(L, phyr_sg_entry(L, sb, 1), 4, 0, 40, 0);
	for (sg = sa; sg; sg = phyr_sg_next(L, sg))
		seen[n++] = phyr_sg_pfn(L, sg);
	assert_int_equal(n, 4);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[2], 3);
	assert_int_equal(seen[3], 4);
	/* Set-page keeps the END marker; mark_end on an earlier entry cuts the list. */
	assert_true(phyr_sg_is_last(L, phyr_sg_entry(L, sb, 1)));
	phyr_sg_mark_end(L, phyr_sg_entry(L, sa, 1));
	n = 0;
	phyr_for_each_sg(L, sa, sg, 2, i)
		n++;
	assert_int_equal(n, 2);
	assert_null(phyr_sg_next(L, phyr_sg_entry(L, sa, 1)));
	phyr_sg_unmark_end(L, phyr_sg_entry(L, sa, 1));
	assert_ptr_equal(phyr_sg_next(L, phyr_sg_entry(L, sa, 1)), sb);
}

/* Building a table from (phys, len) segments, as a DMA test does (spec B9). */
static void test_sg_set_phys_segments(void **state)
{
	static const uint64_t phys[] = { 0x10000200, 0x20000000, 0x30000000, 0x40000000 };
	static const uint32_t len[] = { 0x1E00, 0x3000, 0x800, 0x1000 };
	struct phyr_sg_table *t = mk(L32);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *sg;
	unsigned int i;

	(void)state;
	assert_int_equal(phyr_sg_alloc_table(t, 4), 0);
	phyr_for_each_sgtable_sg(t, sg, i)
		assert_int_equal(phyr_sg_set_phys(L, sg, phys[i], 0, len[i]), 0);
	sg = phyr_sg_table_sgl(t);
	assert_int_equal(phyr_sg_pfn(L, sg), 0x10000);
	assert_int_equal(phyr_sg_offset(L, sg), 0x200);
	assert_int_equal(phyr_sg_nents(L, sg), 4);
	phyr_for_each_sgtable_sg(t, sg, i)
		assert_int_equal(phyr_sg_phys(L, sg), phys[i]);
	/* After a mapping that merged into 2 DMA segments. */
	assert_int_equal(phyr_sg_table_set_nents(t, 2), 0);
	assert_int_equal(phyr_sg_table_set_nents(t, 5), -EINVAL);
	i = 0;
	phyr_for_each_sgtable_dma_sg(t, sg, i)
		phyr_sg_set_dma_len(L, sg, 0x1000);
	assert_int_equal(i, 2);
	assert_true(phyr_sg_is_last(L, phyr_sg_entry(L, phyr_sg_table_sgl(t), 3)));
	phyr_sg_table_destroy(t);
}

static void test_sg_bvec_baseline(void **state)
{
	static const uint64_t pfns[] = { 100, 101, 102, 200, 201, 300 };
	static const uint16_t pgmaps[] = { 0, 0, 1, 1, 1, 1 };
	struct phyr_bio_vec *v;
	size_t n;

	(void)state;
	assert_int_equal(sizeof(struct phyr_bio_vec), PHYR_BIO_VEC_BYTES);
	assert_int_equal(phyr_bvec_from_pages(pfns, NULL, 6, 0x100, 0x5E00, NULL, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(phyr_bvec_pfn(&v[0]), 100);
	assert_int_equal(v[0].bv_offset, 0x100);
	assert_int_equal(v[0].bv_len, 0x2F00);
	assert_int_equal(phyr_bvec_pfn(&v[1]), 200);
	assert_int_equal(v[1].bv_len, 0x2000);
	assert_int_equal(phyr_bvec_pfn(&v[2]), 300);
	assert_int_equal(v[2].bv_len, 0xF00);
	phyr_bvec_free(NULL, v, n);
	/* A pgmap change splits a physically contiguous run. */
	assert_int_equal(phyr_bvec_from_pages(pfns, pgmaps, 6, 0, 6 * PG, NULL, NULL, &n), 0);
	assert_int_equal(n, 4);
	/* size must need every page and no more */
	assert_int_equal(phyr_bvec_from_pages(pfns, NULL, 6, 0, 5 * PG, NULL, NULL, &n), -EINVAL);
	assert_int_equal(phyr_bvec_from_pages(pfns, NULL, 6, 0, 6 * PG + 1, NULL, NULL, &n), -EINVAL);
	assert_int_equal(phyr_bvec_from_pages(pfns, NULL, 1, 4095, 1, NULL, NULL, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(phyr_bvec_from_pages(pfns, NULL, 1, 4096, 1, NULL, NULL, &n), -EINVAL);
}

/*
 * Differential check against a tiny independent model of the non-append
 * builder (segments only): seeded random page vectors.
 */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned int model_segs(const uint64_t *p, unsigned int n, uint32_t off, uint64_t size, uint32_t ms,
			       struct seg *out)
{
	unsigned int cnt = 0, i = 0;

	ms -= ms % PG;
	while (i < n) {
		unsigned int npg = 1;
		uint32_t span;

		while (i + npg < n && p[i + npg] == p[i + npg - 1] + 1 && (uint64_t)npg * PG < ms)
			npg++;
		span = npg * PG - off;
		out[cnt].pfn = p[i];
		out[cnt].off = off;
		out[cnt].len = size < span ? (uint32_t)size : span;
		cnt++;
		size -= span;
		off = 0;
		i += npg;
	}
	return cnt;
}

static void test_sg_random_vs_model(void **state)
{
	static const uint32_t ms_set[] = { 0xffffffffu, 65536, 65535, 4096, 8192, 131072, 6000, 12305 };
	static uint64_t p[700];
	static struct seg want[700];
	uint64_t seed = 0x5eed2025u;

	(void)state;
	for (unsigned int iter = 0; iter < 3000; iter++) {
		unsigned int n = 1 + (unsigned int)(rng_next(&seed) % 600), cnt;
		uint32_t off = (rng_next(&seed) & 1) ? (uint32_t)(rng_next(&seed) % 4096) : 0;
		uint32_t ms = ms_set[rng_next(&seed) % 8];
		uint64_t size = (uint64_t)n * PG - off - rng_next(&seed) % 4096;
		struct phyr_sg_table *t = mk(iter % 2 ? L32 : PHYR_SG_LAYOUT_64);

		p[0] = rng_next(&seed) % 100000;
		for (unsigned int i = 1; i < n; i++) {
			uint64_t r = rng_next(&seed) % 100;

			p[i] = r < 80 ? p[i - 1] + 1 : r < 90 ? p[i - 1] : rng_next(&seed) % 100000;
		}
		if (size == 0 || size > (uint64_t)n * PG)
			size = 1;
		cnt = model_segs(p, n, off, size, ms, want);
		if (phyr_sg_alloc_table_from_pages_segment(t, p, NULL, n, off, size, ms) != 0)
			fail_msg("seed 0x5eed2025 iteration %u: build failed", iter);
		if (phyr_sg_table_nents(t) != cnt)
			fail_msg("seed 0x5eed2025 iteration %u: %u entries, model %u", iter,
				 phyr_sg_table_nents(t), cnt);
		check_segs(t, want, cnt);
		phyr_sg_table_destroy(t);
	}
}

/*
 * A second, literal model of the append path: chunks of explicit entries
 * with END/CHAIN flags, cursor moves exactly as get_next_sg. Random
 * sequences of append calls (left_pages = pages still to come) are
 * compared entry by entry, with total_nents and the chunk sizes.
 */
struct ment {
	uint64_t pfn;
	uint32_t off, len;
	bool end;
	int chain;	/* chunk index of a chain link, else -1 */
};

struct mtable {
	struct ment *ch[64];
	unsigned int chsz[64];
	unsigned int nch, max, nents, total;
	int pc, pi;	/* prv position, pc < 0: none */
};

static bool m_next(const struct mtable *m, int *c, int *i)
{
	if (m->ch[*c][*i].end)
		return false;
	(*i)++;
	if (m->ch[*c][*i].chain >= 0) {
		*c = m->ch[*c][*i].chain;
		*i = 0;
	}
	return true;
}

static void m_get_next(struct mtable *m, int *c, int *i, uint32_t needed)
{
	int nc = *c, ni = *i;
	unsigned int a;

	if (*c >= 0) {
		assert_true(m_next(m, &nc, &ni));
		if (!m->ch[nc][ni].end || needed == 1) {
			*c = nc;
			*i = ni;
			return;
		}
	}
	a = needed < m->max ? needed : m->max;
	assert_true(m->nch < 64);
	m->ch[m->nch] = calloc(a, sizeof(struct ment));
	assert_non_null(m->ch[m->nch]);
	for (unsigned int k = 0; k < a; k++)
		m->ch[m->nch][k].chain = -1;
	m->ch[m->nch][a - 1].end = true;
	m->chsz[m->nch] = a;
	if (*c >= 0) {
		m->total += a - 1;
		m->ch[nc][ni] = (struct ment){ 0, 0, 0, false, (int)m->nch };
	} else {
		m->total = a;
	}
	*c = (int)m->nch++;
	*i = 0;
}

static void m_append(struct mtable *m, const uint64_t *p, unsigned int n, uint32_t off, uint64_t size,
		     uint32_t ms, unsigned int left)
{
	unsigned int chunks = 1, cur = 0;
	uint32_t seg = 0;
	int c = m->pc, i = m->pi;

	ms &= ~4095u;
	if (m->pc >= 0) {
		struct ment *e = &m->ch[m->pc][m->pi];
		uint64_t next = (e->pfn * PG + e->off + e->len) / PG, last;

		if (p[0] == next) {
			last = next - 1;
			while (n && p[0] == last + 1 && (uint64_t)e->len + PG <= ms) {
				e->len += PG;
				last = p[0];
				p++;
				n--;
			}
			if (!n) {
				if (!left)
					e->end = true;
				return;
			}
		}
	}
	for (unsigned int k = 1; k < n; k++) {
		seg += PG;
		if (seg >= ms || p[k] != p[k - 1] + 1) {
			chunks++;
			seg = 0;
		}
	}
	for (unsigned int k = 0; k < chunks; k++) {
		unsigned int j = cur + 1;
		uint32_t cs;

		for (seg = 0; j < n; j++) {
			seg += PG;
			if (seg >= ms || p[j] != p[j - 1] + 1)
				break;
		}
		m_get_next(m, &c, &i, chunks - k + left);
		cs = ((j - cur) << 12) - off;
		m->ch[c][i].pfn = p[cur];
		m->ch[c][i].off = off;
		m->ch[c][i].len = size < cs ? (uint32_t)size : cs;
		size -= cs;
		off = 0;
		cur = j;
	}
	m->nents += chunks;
	m->pc = c;
	m->pi = i;
	if (!left)
		m->ch[c][i].end = true;
}

static void test_sg_append_random_vs_model(void **state)
{
	static const enum phyr_sg_layout_id ids[] = { PHYR_SG_LAYOUT_64, L32, PHYR_SG_LAYOUT_64_DEBUG_SG };
	static const uint32_t ms_set[] = { 0xffffffffu, 65536, 65535, 4096, 8192, 6000, 12305, 1u << 31 };
	static uint64_t p[1200];
	uint64_t seed = 0xa99e4d;

	(void)state;
	for (unsigned int iter = 0; iter < 1500; iter++) {
		enum phyr_sg_layout_id id = ids[iter % 3];
		struct phyr_sg_table *t = mk(id);
		const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
		struct mtable m = { .max = L->max_single_alloc, .pc = -1, .pi = -1 };
		unsigned int n = 1 + (unsigned int)(rng_next(&seed) % 1000), ncalls = 1 + (unsigned int)(rng_next(&seed) % 4);
		uint32_t ms = ms_set[rng_next(&seed) % 8], off = (rng_next(&seed) & 1) ? (uint32_t)(rng_next(&seed) % 4096) : 0;
		unsigned int done = 0;
		struct phyr_scatterlist *sg;
		int c, ci;

		p[0] = rng_next(&seed) % 5000;
		for (unsigned int k = 1; k < n; k++) {
			uint64_t r = rng_next(&seed) % 100;

			p[k] = r < 85 ? p[k - 1] + 1 : r < 92 ? p[k - 1] : rng_next(&seed) % 5000;
		}
		for (unsigned int call = 0; call < ncalls && done < n; call++) {
			unsigned int k = call + 1 == ncalls ? n - done : 1 + (unsigned int)(rng_next(&seed) % (n - done));
			uint64_t size = (uint64_t)k * PG - (done ? 0 : off) - rng_next(&seed) % 2048;

			if (phyr_sg_alloc_append_table_from_pages(t, p + done, NULL, k, done ? 0 : off, size, ms,
								  n - done - k) != 0)
				fail_msg("seed 0xa99e4d iteration %u call %u failed", iter, call);
			m_append(&m, p + done, k, done ? 0 : off, size, ms, n - done - k);
			done += k;
		}
		if (phyr_sg_table_nents(t) != m.nents || phyr_sg_table_total_nents(t) != m.total ||
		    phyr_sg_table_nchunks(t) != m.nch)
			fail_msg("seed 0xa99e4d iteration %u: nents %u/%u total %u/%u chunks %u/%u", iter,
				 phyr_sg_table_nents(t), m.nents, phyr_sg_table_total_nents(t), m.total,
				 phyr_sg_table_nchunks(t), m.nch);
		for (unsigned int k = 0; k < m.nch; k++) {
			struct phyr_sg_chunk ck;

			assert_int_equal(phyr_sg_table_chunk(t, k, &ck), 0);
			assert_int_equal(ck.nents, m.chsz[k]);
		}
		c = 0;
		ci = 0;
		sg = phyr_sg_table_sgl(t);
		for (unsigned int k = 0; k < m.nents; k++) {
			const struct ment *e = &m.ch[c][ci];

			if (phyr_sg_pfn(L, sg) != e->pfn || phyr_sg_offset(L, sg) != e->off ||
			    phyr_sg_length(L, sg) != e->len || phyr_sg_is_last(L, sg) != e->end)
				fail_msg("seed 0xa99e4d iteration %u entry %u differs", iter, k);
			if (k + 1 < m.nents) {
				assert_true(m_next(&m, &c, &ci));
				sg = phyr_sg_next(L, sg);
				assert_non_null(sg);
			}
		}
		for (unsigned int k = 0; k < m.nch; k++)
			free(m.ch[k]);
		phyr_sg_table_destroy(t);
	}
}

/*
 * sg->offset and sg->length written alone: the page, the other field and
 * the end marker stay, with or without the dma_length / dma_flags fields;
 * the 32-bit values are kept whole (sg_phys = pfn * 4096 + offset, where
 * the offset may pass a page).
 */
static void test_sg_set_offset_and_length_alone(void **state)
{
	static const enum phyr_sg_layout_id ids[] = {
		PHYR_SG_LAYOUT_64, PHYR_SG_LAYOUT_64_LEN_FLAGS,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct phyr_sg_layout *L = phyr_sg_layout_get(ids[i]);
		uint64_t ent[8];
		struct phyr_scatterlist *sg = (struct phyr_scatterlist *)ent;

		assert_int_equal(phyr_sg_init_table(L, sg, 1), 0);
		assert_int_equal(phyr_sg_set_page(L, sg, 0x1234, 0, 0x100, 0x10), 0);
		phyr_sg_set_offset(L, sg, 0x1100);
		assert_int_equal(phyr_sg_offset(L, sg), 0x1100);
		assert_int_equal(phyr_sg_length(L, sg), 0x100);
		assert_int_equal(phyr_sg_pfn(L, sg), 0x1234);
		assert_int_equal(phyr_sg_phys(L, sg), 0x1235100);
		phyr_sg_set_length(L, sg, 0xfffff000u);
		assert_int_equal(phyr_sg_length(L, sg), 0xfffff000u);
		assert_int_equal(phyr_sg_offset(L, sg), 0x1100);
		assert_int_equal(phyr_sg_pfn(L, sg), 0x1234);
		assert_true(phyr_sg_is_last(L, sg));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sg_layout_sizes),
		cmocka_unit_test(test_sg_alloc_table_chunks),
		cmocka_unit_test(test_sg_alloc_plan_layouts),
		cmocka_unit_test(test_sg_from_pages_plan_matches),
		cmocka_unit_test(test_sg_alloc_table_chain_walk),
		cmocka_unit_test(test_sg_alloc_table_failnth),
		cmocka_unit_test(test_sg_from_pages_spec_example),
		cmocka_unit_test(test_sg_merge_pgmap),
		cmocka_unit_test(test_sg_max_segment_rules),
		cmocka_unit_test(test_sg_from_pages_uint_max_chunk),
		cmocka_unit_test(test_sg_size_wrap_quirk),
		cmocka_unit_test(test_sg_append_merge_capped),
		cmocka_unit_test(test_sg_append_failnth_unchanged),
		cmocka_unit_test(test_sg_append_total_nents_by_layout),
		cmocka_unit_test(test_sg_entry_bytes_and_dma_fields),
		cmocka_unit_test(test_sg_chain_user_arrays),
		cmocka_unit_test(test_sg_set_phys_segments),
		cmocka_unit_test(test_sg_bvec_baseline),
		cmocka_unit_test(test_sg_random_vs_model),
		cmocka_unit_test(test_sg_append_random_vs_model),
		cmocka_unit_test(test_sg_set_offset_and_length_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
