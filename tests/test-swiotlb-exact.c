// SPDX-License-Identifier: MIT
/*
 * Tests of swiotlb_create_exact: a pool with the geometry a running kernel
 * reports (the capture's qs/pool line), at its own physical start, with the
 * area of each search chosen by the calling CPU. Expected slots follow
 * Linux's swiotlb_search_pool_area step by step (comments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/common.h"
#include "swiotlb.h"

static struct phyr_swiotlb *exact(uint64_t start, uint64_t nslabs, uint32_t nareas)
{
	struct phyr_swiotlb *p = NULL;

	assert_int_equal(swiotlb_create_exact(start, nslabs, nareas, true, NULL, &p), 0);
	return p;
}

static int map_ret(struct phyr_swiotlb *p, unsigned cpu, uint64_t orig, uint64_t size,
		   uint32_t min_align, uint64_t *tlb)
{
	struct phyr_swiotlb_dev dev = { .min_align_mask = min_align };

	return phyr_swiotlb_tbl_map_single(p, &dev, cpu, orig, size, 0,
					   PHYR_SWIOTLB_FROM_DEVICE, 0, tlb);
}

static uint64_t map(struct phyr_swiotlb *p, unsigned cpu, uint64_t orig, uint64_t size,
		    uint32_t min_align)
{
	uint64_t tlb = 0;

	assert_int_equal(map_ret(p, cpu, orig, size, min_align, &tlb), 0);
	return tlb;
}

static void unmap(struct phyr_swiotlb *p, uint64_t tlb, uint64_t size, uint32_t min_align)
{
	struct phyr_swiotlb_dev dev = { .min_align_mask = min_align };

	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, size,
						       PHYR_SWIOTLB_FROM_DEVICE, 0), 0);
}

static unsigned list_of(struct phyr_swiotlb *p, uint64_t i)
{
	struct phyr_swiotlb_slot s;

	assert_int_equal(phyr_swiotlb_get_slot(p, i, &s), 0);
	return s.list;
}

/* The 7.2 capture's pool: 64 MiB at 0x79900000, 2 areas of 16384 slots. */
static void test_exact_captured_pool(void **state)
{
	struct phyr_swiotlb_info info;
	struct phyr_swiotlb *p = exact(0x79900000, 32768, 2);
	uint32_t cursor;
	uint64_t used;

	(void)state;
	phyr_swiotlb_get_info(p, &info);
	assert_int_equal(info.start, 0x79900000);
	assert_int_equal(info.end, 0x7d900000);
	assert_int_equal(info.nslabs, 32768);
	assert_int_equal(info.nareas, 2);
	assert_int_equal(info.area_nslabs, 16384);
	assert_true(info.force_bounce);
	/* The capture's first maps (lines 112, 119, 126 of the 7.2 excerpt):
	 * CPU 1 searches area 1 (slot 16384 = 0x7b900000) first. */
	assert_int_equal(map(p, 1, 0xb06b000, 4096, 0xfff), 0x7b900000);
	unmap(p, 0x7b900000, 4096, 0xfff);
	assert_int_equal(map(p, 1, 0xb090000, 4096, 0xfff), 0x7b901000);
	unmap(p, 0x7b901000, 4096, 0xfff);
	assert_int_equal(map(p, 1, 0x9bbf000, 8, 0xfff), 0x7b902000);
	/* 512 bytes at page offset 0x200 keep that offset: slot 16390 + 0x200. */
	assert_int_equal(map(p, 1, 0x9d0f200, 512, 0xfff), 0x7b903200);
	/* CPU 0, and CPU 2 (2 & 1 = 0), search area 0 from its own cursor. */
	assert_int_equal(map(p, 0, 0xb06c000, 4096, 0xfff), 0x79900000);
	assert_int_equal(map(p, 2, 0xb06c000, 4096, 0xfff), 0x79901000);
	/* CPU 3 is area 1 again: its cursor stands after slot 16391. */
	assert_int_equal(map(p, 3, 0xb06b000, 4096, 0), 0x7b904000);
	assert_int_equal(phyr_swiotlb_get_area(p, 1, &cursor, &used), 0);
	assert_int_equal(cursor, 10);
	assert_int_equal(used, 1 + 1 + 2);
	assert_int_equal(phyr_swiotlb_get_area(p, 0, &cursor, &used), 0);
	assert_int_equal(cursor, 4);
	assert_int_equal(used, 4);
	phyr_swiotlb_destroy(p);
}

/*
 * A pool that boot parameters cannot give (384 slots in 2 areas: the public
 * create would round it to 512): area_nslabs 192 is not a multiple of the
 * 128-slot segment, and Linux's search does not stop a run at an area's
 * end, only at a segment's.
 */
static void test_exact_odd_areas(void **state)
{
	struct phyr_swiotlb *p = exact(0x40000000, 384, 2);
	uint32_t cursor;
	uint64_t used;

	(void)state;
	assert_int_equal(list_of(p, 127), 1);
	assert_int_equal(list_of(p, 128), 128);
	assert_int_equal(list_of(p, 190), 66);
	assert_int_equal(list_of(p, 256), 128);
	/* CPU 1 starts in area 1 = slot 192. */
	assert_int_equal(map(p, 1, 0, 2048, 0), 0x40000000 + 192 * 2048);
	unmap(p, 0x40000000 + 192 * 2048, 2048, 0);
	/* 95 page-aligned 2-slot maps take slots 0..189 of area 0; freed again,
	 * they leave area 0's cursor at 190 with nothing used. */
	for (unsigned i = 0; i < 95; i++)
		assert_int_equal(map(p, 0, 0x100000 + i * 4096, 4096, 0),
				 0x40000000 + i * 4096);
	/* While they are held, 4 slots do not fit area 0's 192 - 190 free: the
	 * area is skipped at once and area 1 (cursor 1, page-aligned stride 2)
	 * gives slot 194. */
	assert_int_equal(map(p, 0, 0x200000, 8192, 0), 0x40000000 + 194 * 2048);
	unmap(p, 0x40000000 + 194 * 2048, 8192, 0);
	for (unsigned i = 0; i < 95; i++)
		unmap(p, 0x40000000 + i * 4096, 4096, 0);
	assert_int_equal(phyr_swiotlb_get_area(p, 0, &cursor, &used), 0);
	assert_int_equal(cursor, 190);
	assert_int_equal(used, 0);
	/* 8 KiB at cursor 190: slot 190's free count (66, to the segment end at
	 * 256) fits 4 slots, so the run is 190..193, two slots inside area 1;
	 * the cursor wraps (194 >= 192 -> 0) and area 0 counts all 4. */
	assert_int_equal(map(p, 0, 0x200000, 8192, 0), 0x40000000 + 190 * 2048);
	assert_int_equal(phyr_swiotlb_get_area(p, 0, &cursor, &used), 0);
	assert_int_equal(cursor, 0);
	assert_int_equal(used, 4);
	assert_int_equal(phyr_swiotlb_get_area(p, 1, &cursor, &used), 0);
	assert_int_equal(cursor, 6);
	assert_int_equal(used, 0);
	/* The free slots before the run now end at it. */
	assert_int_equal(list_of(p, 189), 1);
	assert_int_equal(list_of(p, 128), 62);
	assert_int_equal(list_of(p, 192), 0);
	assert_int_equal(list_of(p, 193), 0);
	assert_int_equal(list_of(p, 194), 62);
	/* CPU 1: area 1's cursor 6 is slot 198, free. */
	assert_int_equal(map(p, 1, 0, 2048, 0), 0x40000000 + 198 * 2048);
	/* CPU 0: area 0 from its wrapped cursor, slot 0. */
	assert_int_equal(map(p, 0, 0, 2048, 0), 0x40000000);
	/* Releasing the cross-area run gives its 4 slots back to area 0's count
	 * and merges the free counts: 190..193 join the free 194..197 (4 + 4)
	 * and the free 128..189 before them count on to 70. */
	unmap(p, 0x40000000 + 190 * 2048, 8192, 0);
	assert_int_equal(phyr_swiotlb_get_area(p, 0, &cursor, &used), 0);
	assert_int_equal(used, 1);
	assert_int_equal(list_of(p, 197), 1);
	assert_int_equal(list_of(p, 193), 5);
	assert_int_equal(list_of(p, 190), 8);
	assert_int_equal(list_of(p, 128), 70);
	assert_int_equal(list_of(p, 127), 1);
	phyr_swiotlb_destroy(p);
}

/* A start that is not page aligned: the alignment tests use the addresses. */
static void test_exact_unaligned_start(void **state)
{
	struct phyr_swiotlb *p = exact(0x10000800, 256, 1);
	uint64_t tlb = 0;

	(void)state;
	/* 4 KiB without masks must be page aligned: slot 0 is at ...800, slot 1
	 * at 0x10001000. */
	assert_int_equal(map(p, 0, 0x5000, 4096, 0), 0x10001000);
	/* min_align 0xfff: offset 0x123 kept, bit 11 must match orig's (set):
	 * slot 3 (0x10002000) has it clear, slot 4 (0x10002800) set. */
	assert_int_equal(map(p, 0, 0x5923, 100, 0xfff), 0x10002923);
	phyr_swiotlb_destroy(p);

	/* Not even slot aligned: a small map without masks needs a slot-aligned
	 * address, which no slot has; Linux's search fails the same way. */
	p = exact(0x10000400, 256, 1);
	assert_int_equal(map_ret(p, 0, 0x5000, 100, 0, &tlb), -ENOSPC);
	phyr_swiotlb_destroy(p);
}

static void test_exact_rejects(void **state)
{
	struct phyr_swiotlb *p = NULL;

	(void)state;
	assert_int_equal(swiotlb_create_exact(0, 0, 1, false, NULL, &p), -EINVAL);
	assert_int_equal(swiotlb_create_exact(0, 384, 3, false, NULL, &p), -EINVAL);
	assert_int_equal(swiotlb_create_exact(0, 384, 0, false, NULL, &p), -EINVAL);
	assert_int_equal(swiotlb_create_exact(0, 384, 256, false, NULL, &p), -EINVAL);
	assert_int_equal(swiotlb_create_exact(0, PHYR_SWIOTLB_MAX_NSLABS * 2, 1, false, NULL, &p),
			 -EINVAL);
	assert_int_equal(swiotlb_create_exact(UINT64_MAX - 4096, 128, 1, false, NULL, &p),
			 -EINVAL);
	assert_int_equal(swiotlb_create_exact(0, 128, 1, false, NULL, NULL), -EINVAL);
	assert_null(p);
}

/* Every allocation of the create failed in turn: -ENOMEM, nothing leaked. */
static void test_exact_failnth(void **state)
{
	(void)state;
	for (unsigned n = 1;; n++) {
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		struct phyr_swiotlb *p = NULL;
		int ret;

		phyr_failnth_allocator(&f, &a);
		f.fail_at = n;
		ret = swiotlb_create_exact(0x79900000, 32768, 2, true, &a, &p);
		if (ret == 0) {
			assert_true(n > 3);
			phyr_swiotlb_destroy(p);
			assert_int_equal(f.nlive, 0);
			assert_int_equal(f.nbytes_live, 0);
			assert_int_equal(f.nbad_frees, 0);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_null(p);
		assert_int_equal(f.nlive, 0);
		assert_int_equal(f.nbytes_live, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_captured_pool),
		cmocka_unit_test(test_exact_odd_areas),
		cmocka_unit_test(test_exact_unaligned_start),
		cmocka_unit_test(test_exact_rejects),
		cmocka_unit_test(test_exact_failnth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
