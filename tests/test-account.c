// SPDX-License-Identifier: MIT
/*
 * Tests of memory accounting: kmalloc classes, Linux's scatterlist chaining
 * (spec 9.3 examples, exact), the information floor and the ledger.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "phyr/account.h"
#include "phyr/pages.h"
#include "phyr/scatterlist.h"

static void test_account_kmalloc_classes(void **state)
{
	static const uint64_t cases[][2] = {
		{ 0, 0 }, { 1, 8 }, { 9, 16 }, { 33, 64 }, { 65, 96 }, { 97, 128 },
		{ 129, 192 }, { 193, 256 }, { 257, 512 }, { 3552, 4096 }, { 4097, 8192 },
		{ 8192, 8192 }, { 8193, 16384 }, { 12289, 16384 }, { 16385, 32768 },
		{ UINT64_C(4) << 20, UINT64_C(4) << 20 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(phyr_account_kmalloc_size(cases[i][0]), cases[i][1]);
	assert_int_equal(phyr_account_kmalloc_size((UINT64_C(4) << 20) + 1), UINT64_MAX);
	assert_int_equal(phyr_account_kvmalloc_size((UINT64_C(4) << 20) + 1),
			 (UINT64_C(4) << 20) + 4096);
	assert_int_equal(phyr_account_kvmalloc_size(UINT64_C(209715200)), UINT64_C(209715200));
}

/* Spec 9.3: 32-byte entries, 4 KiB pages; the kernel bytes are exact. */
static void test_account_sg32_chaining_spec_examples(void **state)
{
	static const struct {
		uint64_t n, layout, kernel, blocks;
	} cases[] = {
		{ 1, 32, 32, 1 },
		{ 5, 160, 192, 1 },
		{ 127, 4064, 4096, 1 },
		{ 128, 4096, 4096, 1 },
		{ 129, 4160, 4160, 2 },
		{ 1000, 32224, 32768, 8 },
		{ 2048, 66048, 66048, 17 },
	};
	struct phyr_mem_cost c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(phyr_account_sg_table(cases[i].n, 32, &c), 0);
		assert_int_equal(c.nentries, cases[i].n);
		assert_int_equal(c.nbytes, cases[i].layout);
		assert_int_equal(c.nkernel_bytes, cases[i].kernel);
		assert_int_equal(c.nblocks, cases[i].blocks);
		assert_int_equal(c.ndesc_bytes, 16);
	}
	/* 129 entries: 128-slot page (127 data + chain link) + 2-entry tail */
	assert_int_equal(phyr_account_sg_table(129, 32, &c), 0);
	assert_int_equal(c.nslots, 130);
	assert_int_equal(phyr_account_sg_table(0, 32, &c), 0);
	assert_int_equal(c.nbytes, 0);
	assert_int_equal(c.nblocks, 0);
	assert_int_equal(phyr_account_sg_table(1, 8, &c), -EINVAL);
}

static void test_account_sg24_sg40_chaining(void **state)
{
	struct phyr_mem_cost c;

	(void)state;
	/* 24 B: SG_MAX_SINGLE_ALLOC = 170 slots (4080 B) in a page */
	assert_int_equal(phyr_account_sg_table(170, 24, &c), 0);
	assert_int_equal(c.nbytes, 4080);
	assert_int_equal(c.nkernel_bytes, 4096);
	assert_int_equal(phyr_account_sg_table(171, 24, &c), 0);
	assert_int_equal(c.nbytes, 4080 + 48);
	assert_int_equal(c.nkernel_bytes, 4096 + 64);
	/* 40 B: 102 slots a page */
	assert_int_equal(phyr_account_sg_table(102, 40, &c), 0);
	assert_int_equal(c.nbytes, 4080);
	assert_int_equal(c.nkernel_bytes, 4096);
	assert_int_equal(phyr_account_sg_table(1000, 40, &c), 0);
	/* 101 data per chained page: 9 pages hold 909, tail 91 x 40 = 3640 */
	assert_int_equal(c.nblocks, 10);
	assert_int_equal(c.nkernel_bytes, 9 * 4096 + 4096);
	assert_int_equal(c.nbytes, 9 * 4080 + 3640);
}

static void test_account_phyr_array_b24(void **state)
{
	struct phyr_mem_cost c;

	(void)state;
	/* spec B24: 129 runs as struct phyr = 2064 bytes */
	assert_int_equal(phyr_account_array(129, 16, &c), 0);
	assert_int_equal(c.nbytes, 2064);
	assert_int_equal(c.nkernel_bytes, 4096);
	assert_int_equal(phyr_account_array(UINT64_MAX, 16, &c), -EINVAL);
	assert_int_equal(phyr_account_array(1, 0, &c), -EINVAL);
}

static void test_account_floor_and_segments(void **state)
{
	(void)state;
	assert_int_equal(phyr_account_floor_bits(0x1000, 0x1000), 53);
	assert_int_equal(phyr_account_floor_bits(0, 2 << 20), 62);
	assert_int_equal(phyr_account_floor_bits(0x200, 0x200), 74);
	assert_int_equal(phyr_account_floor_bits(0x200, 0), 0);
	assert_int_equal(phyr_account_pages(0xFFF, 2), 2);
	assert_int_equal(phyr_account_pages(UINT64_C(0xFFFFFFFFFFFFF000), 0x1000), 1);
	assert_int_equal(phyr_account_sg_segments(0, UINT64_C(0xFFFFF000)), 1);
	assert_int_equal(phyr_account_sg_segments(0, UINT64_C(1) << 32), 2);
	assert_int_equal(phyr_account_sg_segments(0x800, UINT64_C(0xFFFFF000)), 2);
	assert_string_equal(phyr_repr_name(PHYR_REPR_SG32_FLAT), "sg32-flat");
	assert_null(phyr_repr_name(PHYR_REPR_COUNT));
}

static size_t round16(void *ctx, size_t size)
{
	(void)ctx;
	return (size + 15) & ~(size_t)15;
}

static void test_account_ledger_129_pages(void **state)
{
	struct phyr_ledger *g;
	struct phyr_mem_cost c;
	struct phyr_ledger_totals t;
	struct phyr_account_backend b = { .name = "round16", .size_class = round16 };

	(void)state;
	assert_int_equal(phyr_ledger_create(0, NULL, &g), 0);
	for (uint64_t i = 0; i < 129; i++)
		assert_int_equal(phyr_ledger_add(g, i << 21, 0x1000), 0);
	phyr_ledger_get_totals(g, &t);
	assert_int_equal(t.nruns, 129);
	assert_int_equal(t.npages, 129);
	assert_int_equal(t.nfloor_bits, 129 * 53);
	assert_int_equal(t.nfloor_bytes, 855);
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_SG32, &c), 0);
	assert_int_equal(c.nkernel_bytes, 4160);
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_PHYR, &c), 0);
	assert_int_equal(c.nbytes, 2064);
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_PAGE_ARRAY, &c), 0);
	assert_int_equal(c.nbytes, 1032);
	assert_int_equal(c.nkernel_bytes, 2048);
	/* 63 eight-byte entries per 512-byte chunk in both encodings */
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_PACKED, &c), 0);
	assert_int_equal(c.nentries, 129);
	assert_int_equal(c.nbytes, 1536);
	assert_int_equal(c.nkernel_bytes, 1536);
	assert_int_equal(c.ndesc_bytes, 32);
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_RLIST, &c), 0);
	assert_int_equal(c.nbytes, 1536);
	/* the heap backend rounds every block */
	phyr_account_set_backend(&b);
	assert_true(phyr_account_get_backend(NULL));
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_PAGE_ARRAY, &c), 0);
	assert_int_equal(c.nheap_bytes, 1040);
	phyr_account_set_backend(NULL);
	assert_false(phyr_account_get_backend(NULL));
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_COUNT, &c), -EINVAL);
	phyr_ledger_destroy(g);
}

static void test_account_ledger_coalesces(void **state)
{
	struct phyr_ledger *g;
	struct phyr_mem_cost c;
	struct phyr_ledger_totals t;

	(void)state;
	assert_int_equal(phyr_ledger_create(0, NULL, &g), 0);
	assert_int_equal(phyr_ledger_add(g, 0x200, 0xE00), 0);
	assert_int_equal(phyr_ledger_add(g, 0x1000, 0x1000), 0);
	assert_int_equal(phyr_ledger_add(g, 0x1000, 0), 0);
	assert_int_equal(phyr_ledger_add(g, UINT64_MAX, 2), -EINVAL);
	phyr_ledger_get_totals(g, &t);
	assert_int_equal(t.nruns, 1);
	assert_int_equal(t.npages, 2);
	assert_int_equal(t.nbytes, 0x1E00);
	assert_int_equal(t.nfloor_bits, 64 + 13);
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_BIO_VEC, &c), 0);
	assert_int_equal(c.nentries, 1);
	assert_int_equal(phyr_ledger_cost(g, PHYR_REPR_PACKED, &c), 0);
	assert_int_equal(c.nentries, 1);
	phyr_ledger_destroy(g);
}

static void test_account_ledger_failnth_no_leak(void **state)
{
	(void)state;
	for (uint64_t fail = 1;; fail++) {
		struct phyr_failnth f = { .fail_at = fail };
		struct phyr_allocator a;
		struct phyr_ledger *g;
		int ret;

		phyr_failnth_allocator(&f, &a);
		ret = phyr_ledger_create(0, &a, &g);
		if (ret) {
			assert_int_equal(ret, -ENOMEM);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		/* the ledger and its two measure-only lists; adding never allocates */
		assert_int_equal(fail, 4);
		for (uint64_t i = 0; i < 1000; i++)
			assert_int_equal(phyr_ledger_add(g, i << 13, 0x1000), 0);
		assert_int_equal(f.nallocs, 3);
		phyr_ledger_destroy(g);
		assert_int_equal(f.nlive, 0);
		break;
	}
}

/*
 * Differential: the ledger's scatterlist arithmetic against real tables
 * built by the scatterlist model (sg_alloc_table_from_pages, Linux-exact)
 * from the same page arrays, in all three 64-bit layouts.
 */
static void test_account_sg_matches_sg_model(void **state)
{
	static const struct {
		enum phyr_sg_layout_id id;
		enum phyr_repr repr;
	} layouts[] = {
		{ PHYR_SG_LAYOUT_64, PHYR_REPR_SG24 },
		{ PHYR_SG_LAYOUT_64_LEN_FLAGS, PHYR_REPR_SG32 },
		{ PHYR_SG_LAYOUT_64_DEBUG_SG, PHYR_REPR_SG40 },
	};
	static const enum phyr_pages_pattern pats[] = {
		PHYR_PAGES_FRESH, PHYR_PAGES_FRAGMENTED, PHYR_PAGES_THP, PHYR_PAGES_SCATTERED,
	};
	const unsigned maxn = 40000;
	uint64_t *pfns = calloc(maxn, sizeof(*pfns));

	(void)state;
	assert_non_null(pfns);
	for (unsigned c = 0; c < 24; c++) {
		struct phyr_pages_opts po = { .pattern = pats[c % 4], .seed = c,
					      .frag_permille = c % 3 ? PHYR_PAGES_FRAG_DEFAULT : 1000 };
		unsigned n = 1 + (unsigned)((c * 7919u) % maxn);
		uint32_t off = (c & 1) ? 0x200 : 0;
		uint64_t size = (uint64_t)n * 4096 - off - ((c & 2) ? 0x100 : 0), left = size;
		struct phyr_pages *pg;
		struct phyr_ledger *g;
		size_t got;

		assert_int_equal(phyr_pages_create(&po, NULL, &pg), 0);
		assert_int_equal(phyr_pages_fill(pg, pfns, n, &got), 0);
		assert_int_equal(got, n);
		phyr_pages_destroy(pg);
		assert_int_equal(phyr_ledger_create(0, NULL, &g), 0);
		for (unsigned i = 0; i < n; i++) {
			uint64_t o = i ? 0 : off, piece = 4096 - o < left ? 4096 - o : left;

			assert_int_equal(phyr_ledger_add(g, (pfns[i] << 12) + o, piece), 0);
			left -= piece;
		}
		for (unsigned k = 0; k < 3; k++) {
			struct phyr_sg_table *t;
			struct phyr_sg_bytes b;
			struct phyr_mem_cost cost;
			uint64_t kernel = 0;

			assert_int_equal(phyr_sg_table_create(layouts[k].id, NULL, &t), 0);
			assert_int_equal(phyr_sg_alloc_table_from_pages(t, pfns, NULL, n, off, size), 0);
			phyr_sg_table_bytes(t, &b);
			for (unsigned i = 0; i < phyr_sg_table_nchunks(t); i++) {
				struct phyr_sg_chunk ch;

				assert_int_equal(phyr_sg_table_chunk(t, i, &ch), 0);
				kernel += ch.page ? 4096 : phyr_account_kmalloc_size(ch.alloc_bytes);
			}
			assert_int_equal(phyr_ledger_cost(g, layouts[k].repr, &cost), 0);
			if (cost.nentries != b.data_entries || cost.nbytes != b.entry_bytes ||
			    cost.nblocks != b.nchunks || cost.nslots != b.data_entries + b.chain_entries ||
			    cost.nkernel_bytes != kernel || cost.ndesc_bytes != 16)
				fail_msg("case %u layout %u: ledger %llu entries %llu B %llu chunks, "
					 "sg model %llu entries %llu B %llu chunks",
					 c, k, (unsigned long long)cost.nentries,
					 (unsigned long long)cost.nbytes, (unsigned long long)cost.nblocks,
					 (unsigned long long)b.data_entries,
					 (unsigned long long)b.entry_bytes, (unsigned long long)b.nchunks);
			phyr_sg_table_destroy(t);
		}
		phyr_ledger_destroy(g);
	}
	free(pfns);
}

static size_t round_to_64(void *ctx, size_t size)
{
	(void)ctx;
	return (size + 63) & ~(size_t)63;
}

/* phyr_account_heap_size(): the block itself without a backend, its size class with one. */
static void test_account_heap_size_uses_backend(void **state)
{
	const struct phyr_account_backend b = { .size_class = round_to_64 };
	struct phyr_account_backend saved;
	bool had = phyr_account_get_backend(&saved);

	(void)state;
	phyr_account_set_backend(NULL);
	assert_int_equal(phyr_account_heap_size(0), 0);
	assert_int_equal(phyr_account_heap_size(100), 100);
	phyr_account_set_backend(&b);
	assert_int_equal(phyr_account_heap_size(0), 0);
	assert_int_equal(phyr_account_heap_size(100), 128);
	assert_int_equal(phyr_account_heap_size(128), 128);
	assert_int_equal(phyr_account_heap_size(129), 192);
	phyr_account_set_backend(had ? &saved : NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_kmalloc_classes),
		cmocka_unit_test(test_account_sg32_chaining_spec_examples),
		cmocka_unit_test(test_account_sg24_sg40_chaining),
		cmocka_unit_test(test_account_phyr_array_b24),
		cmocka_unit_test(test_account_floor_and_segments),
		cmocka_unit_test(test_account_ledger_129_pages),
		cmocka_unit_test(test_account_ledger_coalesces),
		cmocka_unit_test(test_account_ledger_failnth_no_leak),
		cmocka_unit_test(test_account_sg_matches_sg_model),
		cmocka_unit_test(test_account_heap_size_uses_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
