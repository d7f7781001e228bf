// SPDX-License-Identifier: MIT
/*
 * Tests of the swiotlb pool: Linux v6.17's slot choices (spec B14, B15 and
 * the format's geometry examples), free-count merging, area order, bounce
 * copies through the memory hook, misuse and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/machine.h"
#include "phyr/swiotlb.h"

#define START UINT64_C(0x80000000)
#define SLOT(i) (START + (uint64_t)(i) * 2048)

static struct phyr_swiotlb *pool_new(uint64_t nslabs, uint64_t nareas)
{
	struct phyr_swiotlb_config cfg = { .start = START, .nslabs = nslabs, .nareas = nareas };
	struct phyr_swiotlb *p = NULL;

	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), 0);
	return p;
}

static uint64_t map(struct phyr_swiotlb *p, unsigned cpu, uint64_t orig, uint64_t size,
		    uint32_t align, uint32_t min_align)
{
	struct phyr_swiotlb_dev dev = { .min_align_mask = min_align };
	uint64_t tlb = 0;

	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, cpu, orig, size, align,
						     PHYR_SWIOTLB_BIDIRECTIONAL, 0, &tlb), 0);
	return tlb;
}

static int map_ret(struct phyr_swiotlb *p, unsigned cpu, uint64_t orig, uint64_t size,
		   uint32_t align, uint32_t min_align)
{
	struct phyr_swiotlb_dev dev = { .min_align_mask = min_align };
	uint64_t tlb = 0;

	return phyr_swiotlb_tbl_map_single(p, &dev, cpu, orig, size, align,
					   PHYR_SWIOTLB_BIDIRECTIONAL, 0, &tlb);
}

static void unmap(struct phyr_swiotlb *p, uint64_t tlb, uint64_t size, uint32_t min_align)
{
	struct phyr_swiotlb_dev dev = { .min_align_mask = min_align };

	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, size,
						       PHYR_SWIOTLB_BIDIRECTIONAL, 0), 0);
}

static unsigned list_of(struct phyr_swiotlb *p, uint64_t i)
{
	struct phyr_swiotlb_slot s;

	assert_int_equal(phyr_swiotlb_get_slot(p, i, &s), 0);
	return s.list;
}

static uint32_t cursor_of(struct phyr_swiotlb *p, uint32_t area)
{
	uint32_t index;

	assert_int_equal(phyr_swiotlb_get_area(p, area, &index, NULL), 0);
	return index;
}

static void test_swiotlb_geometry_rounding(void **state)
{
	static const struct { uint64_t n, a, en; uint32_t ea; } cases[] = {
		{ 100, 8, 1024, 8 }, { 300, 0, 512, 1 }, { 1000, 3, 1024, 4 },
		{ 640, 2, 1024, 2 }, { 700, 5, 1024, 8 }, { 1024, 1, 1024, 1 },
		{ 0, 0, 128, 1 }, { 0, 4, 512, 4 }, { 32768, 0, 32768, 1 },
		{ 129, 1, 256, 1 }, { 384, 1, 512, 1 }, { 128, 1, 128, 1 },
	};
	uint64_t n;
	uint32_t a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(phyr_swiotlb_geometry(cases[i].n, cases[i].a, &n, &a), 0);
		assert_int_equal(n, cases[i].en);
		assert_int_equal(a, cases[i].ea);
	}
	assert_int_equal(phyr_swiotlb_geometry(PHYR_SWIOTLB_MAX_NSLABS + 1, 1, &n, &a), -EINVAL);
	assert_int_equal(phyr_swiotlb_geometry(1, PHYR_SWIOTLB_MAX_NSLABS, &n, &a), -EINVAL);
}

static void test_swiotlb_create_layout(void **state)
{
	struct phyr_swiotlb *p = pool_new(700, 5);
	struct phyr_swiotlb_info info;
	struct phyr_swiotlb_slot s;

	(void)state;
	phyr_swiotlb_get_info(p, &info);
	assert_int_equal(info.start, START);
	assert_int_equal(info.end, START + 1024 * 2048);
	assert_int_equal(info.nslabs, 1024);
	assert_int_equal(info.nareas, 8);
	assert_int_equal(info.area_nslabs, 128);
	assert_int_equal(list_of(p, 0), 128);
	assert_int_equal(list_of(p, 1), 127);
	assert_int_equal(list_of(p, 127), 1);
	assert_int_equal(list_of(p, 128), 128);
	assert_int_equal(list_of(p, 1023), 1);
	assert_int_equal(phyr_swiotlb_get_slot(p, 5, &s), 0);
	assert_true(s.orig_addr == UINT64_MAX);
	assert_int_equal(s.alloc_size, 0);
	assert_int_equal(phyr_swiotlb_get_slot(p, 1024, &s), -EINVAL);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	assert_true(phyr_swiotlb_contains(p, START));
	assert_true(phyr_swiotlb_contains(p, START + 1024 * 2048 - 1));
	assert_false(phyr_swiotlb_contains(p, START + 1024 * 2048));
	assert_false(phyr_swiotlb_contains(p, START - 1));
	phyr_swiotlb_destroy(p);
	phyr_swiotlb_destroy(NULL);
}

static void test_swiotlb_create_rejects_bad_config(void **state)
{
	struct phyr_swiotlb_config cfg = { .start = START + 0x800, .nslabs = 128, .nareas = 1 };
	struct phyr_swiotlb *p = (void *)0x1;

	(void)state;
	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), -EINVAL);
	cfg.start = UINT64_MAX - 0xfff;
	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), -EINVAL);
	assert_int_equal(phyr_swiotlb_create(NULL, NULL, &p), -EINVAL);
	assert_ptr_equal(p, (void *)0x1);
}

/* spec B14: the five worked steps on one area. */
static void test_swiotlb_b14_slot_search(void **state)
{
	struct phyr_swiotlb *p = pool_new(1024, 1);
	struct phyr_swiotlb_slot s;
	uint64_t t1, t2, t3, t4;

	(void)state;
	/* 1. 100 bytes, no masks: slot 0. */
	t1 = map(p, 0, 0x12345678, 100, 0, 0);
	assert_int_equal(t1, SLOT(0));
	assert_int_equal(list_of(p, 0), 0);
	assert_int_equal(list_of(p, 1), 127);
	assert_int_equal(list_of(p, 2), 126);
	assert_int_equal(list_of(p, 3), 125);
	assert_int_equal(cursor_of(p, 0), 1);

	/* 2. 5000 bytes: page aligned, slot 1 skipped, slots 2..4. */
	t2 = map(p, 0, 0x23456789, 5000, 0, 0);
	assert_int_equal(t2, SLOT(2));
	assert_int_equal(t2, 0x80001000);
	assert_int_equal(list_of(p, 1), 1);
	assert_int_equal(list_of(p, 2), 0);
	assert_int_equal(list_of(p, 4), 0);
	assert_int_equal(list_of(p, 5), 123);
	assert_int_equal(cursor_of(p, 0), 5);

	/* 3. min_align 0xfff, orig ...1A00: odd slot 5, low 12 bits kept. */
	t3 = map(p, 0, 0x33331A00, 0x200, 0, 0xfff);
	assert_int_equal(t3, 0x80002A00);
	assert_int_equal(list_of(p, 5), 0);
	assert_int_equal(cursor_of(p, 0), 6);

	/* 4. dma-iommu style bounce: 2 slots at page-aligned slot 6, 1 pad. */
	t4 = map(p, 0, 0x44445A00, 0x100, 0xfff, 0xfff);
	assert_int_equal(t4, 0x80003A00);
	assert_int_equal(phyr_swiotlb_get_slot(p, 7, &s), 0);
	assert_int_equal(s.pad_slots, 1);
	assert_int_equal(s.orig_addr, 0x44445A00);
	/* alloc_size = 0x1000 - 0x200 in slot 6, minus a slot in slot 7. */
	assert_int_equal(s.alloc_size, 0x1000 - 0x200 - 0x800);
	assert_int_equal(phyr_swiotlb_get_slot(p, 6, &s), 0);
	assert_int_equal(s.pad_slots, 0);
	assert_true(s.orig_addr == UINT64_MAX);
	assert_int_equal(s.alloc_size, 0xe00);
	assert_int_equal(phyr_swiotlb_used(p), 7);

	/* 5. release #2 then #1: free counts merge to 4,3,2,1 then 5. */
	unmap(p, t2, 5000, 0);
	assert_int_equal(list_of(p, 1), 4);
	assert_int_equal(list_of(p, 2), 3);
	assert_int_equal(list_of(p, 3), 2);
	assert_int_equal(list_of(p, 4), 1);
	unmap(p, t1, 100, 0);
	assert_int_equal(list_of(p, 0), 5);
	assert_int_equal(phyr_swiotlb_used(p), 3);

	unmap(p, t4, 0x100, 0xfff);
	unmap(p, t3, 0x200, 0xfff);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	assert_int_equal(list_of(p, 0), 128);
	assert_int_equal(list_of(p, 7), 121);
	phyr_swiotlb_destroy(p);
}

/* Sizes: < slot, == slot, page rounding only without masks (format rule 4). */
static void test_swiotlb_implicit_page_alignment(void **state)
{
	struct phyr_swiotlb *p = pool_new(1024, 1);

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(0));
	/* 4096 bytes, no masks: page aligned, slot 1 skipped. */
	assert_int_equal(map(p, 0, 0x1000, 4096, 0, 0), SLOT(2));
	/* 4095 bytes: below PAGE_SIZE, not aligned: slot 4. */
	assert_int_equal(map(p, 0, 0x1000, 2049, 0, 0), SLOT(4));
	assert_int_equal(map(p, 0, 0x1000, 1, 0, 0), SLOT(6));
	/* 4096 with min_align 0x7ff (orig offset 0): no page alignment: slot 7. */
	assert_int_equal(map(p, 0, 0x2000, 4096, 0, 0x7ff), SLOT(7));
	/* min_align 0x7ff with offset: offset added to the size. */
	assert_int_equal(map(p, 0, 0x2010, 4096 - 0x10, 0, 0x7ff), SLOT(9) + 0x10);
	assert_int_equal(phyr_swiotlb_used(p), 10);
	phyr_swiotlb_destroy(p);
}

/* alloc_align_mask 0x3fff: 4-page aligned start, size rounded to 16 KiB. */
static void test_swiotlb_alloc_align_mask(void **state)
{
	struct phyr_swiotlb *p = pool_new(1024, 1);
	struct phyr_swiotlb_stats st;

	(void)state;
	assert_int_equal(map(p, 0, 0x5000, 100, 0, 0), SLOT(0));
	/* ALIGN(100, 0x4000) = 8 slots at slot 8 (0x80004000). */
	assert_int_equal(map(p, 0, 0x5000, 100, 0x3fff, 0), SLOT(8));
	assert_int_equal(phyr_swiotlb_used(p), 9);
	assert_int_equal(cursor_of(p, 0), 16);
	/* Free counts before slot 8 renumbered 7..1 to end at the run. */
	assert_int_equal(list_of(p, 1), 7);
	assert_int_equal(list_of(p, 7), 1);
	/* With min_align 0x3fff and an orig offset 0x1a00 inside the 16 KiB:
	 * offset 0x1a00 -> 3 padding slots, size ALIGN(0x1a00+0x100) = 0x4000. */
	assert_int_equal(map(p, 0, 0x7771a00, 0x100, 0x3fff, 0x3fff), SLOT(16 + 3) + 0x200);
	assert_int_equal(phyr_swiotlb_used(p), 17);
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nalign_warnings, 2);
	assert_int_equal(st.nmaps, 3);
	assert_int_equal(st.nslots_allocated, 17);
	phyr_swiotlb_destroy(p);
}

/* min_align_mask above the slot size selects slots by the orig's bits. */
static void test_swiotlb_min_align_selects_slots(void **state)
{
	struct phyr_swiotlb *p = pool_new(1024, 1);

	(void)state;
	/* min_align 0x1fff: bits 11-12 of orig (0x...1800 -> 3) pick slot 3 mod 4;
	 * stride 4 after the first eligible slot. */
	assert_int_equal(map(p, 0, 0xabc1834, 16, 0, 0x1fff), SLOT(3) + 0x34);
	assert_int_equal(map(p, 0, 0xabc1834, 16, 0, 0x1fff), SLOT(7) + 0x34);
	/* orig 0 never matches min_align bits: next slot that fits (slot 8). */
	assert_int_equal(map(p, 0, 0, 16, 0, 0x1fff), SLOT(8));
	/* 2 slots with offset 0x7f0 + 0x20: run 2 from an even-bit slot. */
	assert_int_equal(map(p, 0, 0x10007f0, 0x20, 0, 0x1fff), SLOT(12) + 0x7f0);
	assert_int_equal(phyr_swiotlb_used(p), 5);
	unmap(p, SLOT(12) + 0x7f0, 0x20, 0x1fff);
	assert_int_equal(phyr_swiotlb_used(p), 3);
	phyr_swiotlb_destroy(p);
}

/* No run crosses a 128-slot segment; 128 slots map, 129 never do (B15). */
static void test_swiotlb_segment_limits(void **state)
{
	struct phyr_swiotlb *p = pool_new(512, 1);
	struct phyr_swiotlb_stats st;

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 100 * 2048, 0, 0), SLOT(0));
	/* 64 slots do not fit in 100..127: next segment. */
	assert_int_equal(map(p, 0, 0x1000, 64 * 2048, 0, 0), SLOT(128));
	/* A whole segment. */
	assert_int_equal(map(p, 0, 0x1000, 128 * 2048, 0, 0), SLOT(256));
	assert_int_equal(map_ret(p, 0, 0x1000, 128 * 2048 + 1, 0, 0), -ENOSPC);
	/* min_align 0xfff, orig bit 11 set: only odd slots qualify, so 128
	 * slots never fit and 127 do, at slot 385. */
	assert_int_equal(phyr_swiotlb_max_mapping_size(0xfff), 252 * 1024);
	assert_int_equal(map_ret(p, 0, 0x1800, 127 * 2048 + 1, 0, 0xfff), -ENOSPC);
	assert_int_equal(map(p, 0, 0x1800, 127 * 2048, 0, 0xfff), SLOT(385));
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nmap_failures, 2);
	assert_int_equal(phyr_swiotlb_used(p), 100 + 64 + 128 + 127);
	phyr_swiotlb_destroy(p);
}

static void test_swiotlb_max_mapping_size(void **state)
{
	(void)state;
	assert_int_equal(phyr_swiotlb_max_mapping_size(0), 256 * 1024);
	assert_int_equal(phyr_swiotlb_max_mapping_size(0xfff), 252 * 1024);
	assert_int_equal(phyr_swiotlb_max_mapping_size(0x7ff), 254 * 1024);
	assert_int_equal(phyr_swiotlb_max_mapping_size(1), 254 * 1024);
	assert_int_equal(phyr_swiotlb_max_mapping_size(0x3fff), 240 * 1024);
	/* Linux computes in int: an all-ones mask rounds to 0. */
	assert_int_equal(phyr_swiotlb_max_mapping_size(0xffffffff), 256 * 1024);
}

/* Full pool: immediate failure, used unchanged, nothing moves. */
static void test_swiotlb_pool_full(void **state)
{
	struct phyr_swiotlb *p = pool_new(256, 2);

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(map(p, (unsigned)i, 0x1000, 64 * 2048, 0, 0),
				 SLOT((i & 1) * 128 + (i / 2) * 64));
	assert_int_equal(phyr_swiotlb_used(p), 256);
	assert_int_equal(map_ret(p, 0, 0x1000, 1, 0, 0), -ENOSPC);
	assert_int_equal(map_ret(p, 1, 0x1000, 1, 0, 0), -ENOSPC);
	assert_int_equal(phyr_swiotlb_used(p), 256);
	assert_int_equal(cursor_of(p, 0), 0);
	assert_int_equal(cursor_of(p, 1), 0);
	unmap(p, SLOT(192), 64 * 2048, 0);
	/* cpu 0 starts in area 0 (full), moves on to area 1. */
	assert_int_equal(map(p, 0, 0x1000, 100, 0, 0), SLOT(192));
	phyr_swiotlb_destroy(p);
}

/* Areas: search starts at cpu & (nareas - 1), then round-robin. */
static void test_swiotlb_area_order(void **state)
{
	struct phyr_swiotlb *p = pool_new(1024, 4);
	uint64_t used;

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 100, 0, 0), SLOT(0));
	assert_int_equal(map(p, 5, 0x1000, 100, 0, 0), SLOT(256));
	assert_int_equal(map(p, 7, 0x1000, 100, 0, 0), SLOT(768));
	assert_int_equal(map(p, 0x12, 0x1000, 100, 0, 0), SLOT(512));
	assert_int_equal(map(p, 5, 0x1000, 100, 0, 0), SLOT(257));
	assert_int_equal(phyr_swiotlb_get_area(p, 1, NULL, &used), 0);
	assert_int_equal(used, 2);
	assert_int_equal(cursor_of(p, 1), 2);
	assert_int_equal(phyr_swiotlb_get_area(p, 4, NULL, &used), -EINVAL);
	/* Area 3 full of two 128-slot maps: cpu 3 continues in area 0. */
	assert_int_equal(map(p, 3, 0x1000, 128 * 2048, 0, 0), SLOT(896));
	assert_int_equal(map(p, 3, 0x1000, 100, 0, 0), SLOT(769));
	assert_int_equal(map(p, 3, 0x1000, 126 * 2048, 0, 0), SLOT(770));
	assert_int_equal(map(p, 3, 0x1000, 100, 0, 0), SLOT(1));
	assert_int_equal(phyr_swiotlb_used(p), 6 + 128 + 126 + 1);
	phyr_swiotlb_destroy(p);
}

/* The cursor resets to 0 at the area end; the walk does not wrap modulo. */
static void test_swiotlb_cursor_wrap(void **state)
{
	struct phyr_swiotlb *p = pool_new(256, 1);

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 250 * 2048 - 128 * 2048, 0, 0), SLOT(0));
	assert_int_equal(map(p, 0, 0x1000, 120 * 2048, 0, 0), SLOT(128));
	assert_int_equal(cursor_of(p, 0), 248);
	unmap(p, SLOT(0), 122 * 2048, 0);
	/* 8 slots from 248: slots 248..255 fit exactly: cursor 256 -> 0. */
	assert_int_equal(map(p, 0, 0x1000, 8 * 2048, 0, 0), SLOT(248));
	assert_int_equal(cursor_of(p, 0), 0);
	/* 3 page-aligned slots from the cursor 0: slot 0. */
	assert_int_equal(map(p, 0, 0x1000, 3 * 2048, 0, 0), SLOT(0));
	assert_int_equal(cursor_of(p, 0), 3);
	/* stride 2 from slot 4 (3 is unaligned) ... 120 free from 4. */
	assert_int_equal(map(p, 0, 0x1000, 4096, 0, 0), SLOT(4));
	phyr_swiotlb_destroy(p);
}

/* Release merges with free slots after and before, not across segments. */
static void test_swiotlb_release_merging(void **state)
{
	struct phyr_swiotlb *p = pool_new(256, 1);

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(0));
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(1));
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(2));
	assert_int_equal(list_of(p, 3), 125);
	unmap(p, SLOT(1), 2048, 0);
	/* slot 2 allocated after: count 1. */
	assert_int_equal(list_of(p, 1), 1);
	unmap(p, SLOT(2), 2048, 0);
	/* merges with 3.. (125) and back into slot 1. */
	assert_int_equal(list_of(p, 2), 126);
	assert_int_equal(list_of(p, 1), 127);
	assert_int_equal(list_of(p, 0), 0);
	/* Up to the last slot of segment 0 (min_align 0x7ff: no page
	 * alignment, stride 1), then the first of segment 1. */
	assert_int_equal(map(p, 0, 0x1000, 125 * 2048, 0, 0x7ff), SLOT(3));
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(128));
	assert_int_equal(list_of(p, 1), 2);
	unmap(p, SLOT(3), 125 * 2048, 0x7ff);
	assert_int_equal(list_of(p, 127), 1);
	assert_int_equal(list_of(p, 1), 127);
	unmap(p, SLOT(128), 2048, 0);
	/* never merged across the segment end */
	assert_int_equal(list_of(p, 127), 1);
	assert_int_equal(list_of(p, 128), 128);
	phyr_swiotlb_destroy(p);
}

/* The device segment boundary: runs do not cross (mask + 1) bytes. */
static void test_swiotlb_device_boundary(void **state)
{
	struct phyr_swiotlb *p = pool_new(256, 1);
	struct phyr_swiotlb_dev dev = { .seg_boundary_mask = 0xffff };
	struct phyr_swiotlb_dev bad = { .seg_boundary_mask = 0x17fff };
	uint64_t tlb;

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 30 * 2048, 0, 0), SLOT(0));
	/* 30 slots at 30 would cross the 32-slot (64 KiB) boundary. */
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x1000, 3 * 2048, 0,
						     PHYR_SWIOTLB_TO_DEVICE, 0, &tlb), 0);
	assert_int_equal(tlb, SLOT(32));
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &bad, 0, 0x1000, 2048, 0,
						     PHYR_SWIOTLB_TO_DEVICE, 0, &tlb), -EINVAL);
	phyr_swiotlb_destroy(p);
}

/*
 * iommu_is_span_boundary: a run may END exactly on the device's segment
 * boundary ((index + nr) & (size - 1) == 0 is not a crossing). With a
 * 0x1fff mask (4 slots), two page-aligned slots after two used ones take
 * slots 2-3, which end on the boundary.
 * Kills: `offset + nr >= boundary_size` (the run moves to slot 4).
 */
static void test_swiotlb_run_ending_on_device_boundary(void **state)
{
	struct phyr_swiotlb *p = pool_new(128, 1);
	struct phyr_swiotlb_dev dev = { .seg_boundary_mask = 0x1fff };
	uint64_t tlb = 0;

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(0));
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(1));
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x3000, 4096, 0,
						     PHYR_SWIOTLB_TO_DEVICE, 0, &tlb), 0);
	assert_int_equal(tlb, SLOT(2));
	assert_int_equal(cursor_of(p, 0), 4);
	phyr_swiotlb_destroy(p);
}

/*
 * Slot free counts at the edges, exact: a run found after free slots
 * renumbers them down to the segment start (slot 0 included); a run
 * released that ends on a segment end does not merge with the free slots
 * of the next segment, in the middle of the pool or at its very end.
 * Kills: `first + nslots <= seg_end` in the release (slot 127 would read
 * 129 from slot 128's count; at the pool end it reads past the array),
 * and a renumbering loop that stops one slot early (slot 0 keeps 128).
 */
static void test_swiotlb_slot_counts_at_segment_edges(void **state)
{
	struct phyr_swiotlb *p = pool_new(256, 1);

	(void)state;
	assert_int_equal(map(p, 0, 0x1000, 4096, 0, 0), SLOT(0));
	unmap(p, SLOT(0), 4096, 0);
	assert_int_equal(list_of(p, 0), 128);
	assert_int_equal(list_of(p, 1), 127);
	assert_int_equal(cursor_of(p, 0), 2);
	/* found at the cursor (2): slots 1 and 0 now end at it */
	assert_int_equal(map(p, 0, 0x1000, 2048, 0, 0), SLOT(2));
	assert_int_equal(list_of(p, 0), 2);
	assert_int_equal(list_of(p, 1), 1);
	assert_int_equal(list_of(p, 2), 0);
	assert_int_equal(list_of(p, 3), 125);
	/* slots 3..127, ending on the segment end; segment 1 is all free */
	assert_int_equal(map(p, 0, 0x1000, 125 * 2048, 0, 0x7ff), SLOT(3));
	assert_int_equal(list_of(p, 128), 128);
	unmap(p, SLOT(3), 125 * 2048, 0x7ff);
	assert_int_equal(list_of(p, 127), 1);
	assert_int_equal(list_of(p, 3), 125);
	assert_int_equal(list_of(p, 1), 1); /* slot 2 still used */
	assert_int_equal(list_of(p, 128), 128);
	/* the last segment of the pool, released whole */
	assert_int_equal(cursor_of(p, 0), 128);
	assert_int_equal(map(p, 0, 0x1000, 128 * 2048, 0, 0), SLOT(128));
	assert_int_equal(list_of(p, 255), 0);
	unmap(p, SLOT(128), 128 * 2048, 0);
	assert_int_equal(list_of(p, 255), 1);
	assert_int_equal(list_of(p, 128), 128);
	assert_int_equal(list_of(p, 127), 1);
	unmap(p, SLOT(2), 2048, 0);
	assert_int_equal(list_of(p, 0), 128);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	phyr_swiotlb_destroy(p);
}

/* Simulated memory for the bounce tests: 1 MiB at 0 and the 512 KiB pool. */
struct mem {
	unsigned char low[1 << 20];
	unsigned char pool[256 * 2048];
	int fail_after; /* accesses before a failure, -1 = never */
};

static unsigned char *mem_at(struct mem *m, uint64_t phys, size_t len)
{
	if (phys + len <= sizeof(m->low))
		return m->low + phys;
	if (phys >= START && phys + len <= START + sizeof(m->pool))
		return m->pool + (phys - START);
	return NULL;
}

static int mem_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	struct mem *m = ctx;
	unsigned char *p = mem_at(m, phys, len);

	if (!p || m->fail_after == 0)
		return -EFAULT;
	if (m->fail_after > 0)
		m->fail_after--;
	memcpy(buf, p, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	struct mem *m = ctx;
	unsigned char *p = mem_at(m, phys, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

/*
 * mapping_size 0: swiotlb_tbl_map_single() has no check against it; it
 * maps ALIGN(0 + offset, alloc_align_mask + 1) bytes, one slot for an
 * in-slot offset, and only a request of no slot at all stops at the
 * BUG_ON(!nslots) of swiotlb_search_pool_area() (-EINVAL, nothing taken).
 */
static void test_swiotlb_map_size_zero(void **state)
{
	struct phyr_swiotlb *p = pool_new(128, 1);
	struct phyr_swiotlb_dev dev = { .min_align_mask = 0xfff };
	struct phyr_swiotlb_slot slot;
	uint64_t tlb = 0;

	(void)state;
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x1000, 0, 0,
						     PHYR_SWIOTLB_BIDIRECTIONAL, 0, &tlb), -EINVAL);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	assert_int_equal(map(p, 0, 0x1010, 0, 0, 0xfff), SLOT(0) + 0x10);
	assert_int_equal(phyr_swiotlb_used(p), 1);
	assert_int_equal(phyr_swiotlb_get_slot(p, 0, &slot), 0);
	assert_int_equal(slot.alloc_size, 0);
	assert_int_equal(slot.list, 0);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, SLOT(0) + 0x10, 0,
						       PHYR_SWIOTLB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	phyr_swiotlb_destroy(p);
}

static struct phyr_swiotlb *pool_with_mem(struct mem **out)
{
	struct mem *m = calloc(1, sizeof(*m));
	struct phyr_swiotlb_memory hook = { mem_read, mem_write, NULL };
	struct phyr_swiotlb_config cfg = { .start = START, .nslabs = 256, .nareas = 1,
					   .memory = &hook };
	struct phyr_swiotlb *p = NULL;

	assert_non_null(m);
	m->fail_after = -1;
	hook.ctx = m;
	for (size_t i = 0; i < sizeof(m->low); i++)
		m->low[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), 0);
	*out = m;
	return p;
}

/* Map copies original -> bounce for every direction; unmap copies back only
 * for FROM_DEVICE / BIDIRECTIONAL without SKIP_CPU_SYNC. */
static void test_swiotlb_bounce_map_unmap(void **state)
{
	struct mem *m;
	struct phyr_swiotlb *p = pool_with_mem(&m);
	struct phyr_swiotlb_dev dev = { .min_align_mask = 0xfff };
	struct phyr_swiotlb_stats st;
	uint64_t tlb;
	unsigned char orig_copy[3000];

	(void)state;
	memcpy(orig_copy, m->low + 0x1a00, sizeof(orig_copy));
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x1a00, 3000, 0,
						     PHYR_SWIOTLB_FROM_DEVICE, 0, &tlb), 0);
	assert_int_equal(tlb & 0xfff, 0xa00);
	assert_memory_equal(m->pool + (tlb - START), orig_copy, 3000);
	/* The device writes; unmap (FROM_DEVICE) copies back. */
	memset(m->pool + (tlb - START), 0xee, 3000);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, 3000,
						       PHYR_SWIOTLB_FROM_DEVICE, 0), 0);
	for (int i = 0; i < 3000; i++)
		assert_int_equal(m->low[0x1a00 + i], 0xee);
	assert_int_equal(m->low[0x1a00 - 1], (unsigned char)((0x1a00 - 1) * 7 + 1));
	assert_int_equal(m->low[0x1a00 + 3000], (unsigned char)((0x1a00 + 3000) * 7 + 1));

	/* TO_DEVICE: no copy back. */
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x4000, 100, 0,
						     PHYR_SWIOTLB_TO_DEVICE, 0, &tlb), 0);
	memset(m->pool + (tlb - START), 0x55, 100);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, 100,
						       PHYR_SWIOTLB_TO_DEVICE, 0), 0);
	assert_int_equal(m->low[0x4000], (unsigned char)(0x4000 * 7 + 1));

	/* BIDIRECTIONAL with SKIP_CPU_SYNC: no copy back either. */
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x5000, 100, 0,
						     PHYR_SWIOTLB_BIDIRECTIONAL, 0, &tlb), 0);
	memset(m->pool + (tlb - START), 0x66, 100);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, 100, PHYR_SWIOTLB_BIDIRECTIONAL,
						       PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC), 0);
	assert_int_equal(m->low[0x5000], (unsigned char)(0x5000 * 7 + 1));

	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nbytes_to_device, 3200);
	assert_int_equal(st.nbytes_from_device, 3000);
	assert_int_equal(st.nunmaps, 3);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	phyr_swiotlb_destroy(p);
	free(m);
}

/* sync_for_device / sync_for_cpu follow Linux's direction rules; partial
 * syncs inside the mapping land at the matching original bytes. */
static void test_swiotlb_bounce_sync_rules(void **state)
{
	struct mem *m;
	struct phyr_swiotlb *p = pool_with_mem(&m);
	struct phyr_swiotlb_dev dev = { 0 };
	struct phyr_swiotlb_stats st;
	uint64_t tlb;

	(void)state;
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x3000, 5000, 0,
						     PHYR_SWIOTLB_BIDIRECTIONAL, 0, &tlb), 0);
	assert_int_equal(tlb, SLOT(0));
	/* CPU updates original byte 2100 (in the bounce's 2nd slot). */
	m->low[0x3000 + 2100] = 0x42;
	assert_int_equal(phyr_swiotlb_sync_single_for_device(p, &dev, tlb + 2048, 100,
							     PHYR_SWIOTLB_FROM_DEVICE), 0);
	assert_int_not_equal(m->pool[2100], 0x42);
	assert_int_equal(phyr_swiotlb_sync_single_for_device(p, &dev, tlb + 2048, 100,
							     PHYR_SWIOTLB_TO_DEVICE), 0);
	assert_int_equal(m->pool[2100], 0x42);
	/* Device writes byte 4500; sync_for_cpu TO_DEVICE does nothing. */
	m->pool[4500] = 0x99;
	assert_int_equal(phyr_swiotlb_sync_single_for_cpu(p, &dev, tlb + 4096, 904,
							  PHYR_SWIOTLB_TO_DEVICE), 0);
	assert_int_not_equal(m->low[0x3000 + 4500], 0x99);
	assert_int_equal(phyr_swiotlb_sync_single_for_cpu(p, &dev, tlb + 4096, 904,
							  PHYR_SWIOTLB_FROM_DEVICE), 0);
	assert_int_equal(m->low[0x3000 + 4500], 0x99);
	assert_int_equal(phyr_swiotlb_sync_single_for_cpu(p, &dev, tlb, 1, PHYR_SWIOTLB_DIR_NONE),
			 -EINVAL);
	assert_int_equal(phyr_swiotlb_sync_single_for_cpu(p, &dev, 0x3000, 1,
							  PHYR_SWIOTLB_FROM_DEVICE), -ENOENT);
	/* Past the end of the allocation: clamped (Linux's overflow warning). */
	assert_int_equal(phyr_swiotlb_sync_single_for_cpu(p, &dev, tlb + 4096, 5000,
							  PHYR_SWIOTLB_FROM_DEVICE), 0);
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.noverflows, 1);
	assert_int_equal(st.nbytes_from_device, 904 + 904);
	assert_int_equal(st.nsyncs_for_cpu, 3);
	assert_int_equal(st.nsyncs_for_device, 2);
	unmap(p, tlb, 5000, 0);
	phyr_swiotlb_destroy(p);
	free(m);
}

/* A memory error during the map copy leaves no slot behind. */
static void test_swiotlb_bounce_error_releases(void **state)
{
	struct mem *m;
	struct phyr_swiotlb *p = pool_with_mem(&m);
	struct phyr_swiotlb_dev dev = { 0 };
	uint64_t tlb;

	(void)state;
	m->fail_after = 1;
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x1000, 8192, 0,
						     PHYR_SWIOTLB_TO_DEVICE, 0, &tlb), -EFAULT);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	assert_int_equal(list_of(p, 0), 128);
	/* unmap copy-back fails: nothing released. */
	m->fail_after = -1;
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, 0x1000, 100, 0,
						     PHYR_SWIOTLB_FROM_DEVICE, 0, &tlb), 0);
	m->fail_after = 0;
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, 100,
						       PHYR_SWIOTLB_FROM_DEVICE, 0), -EFAULT);
	assert_int_equal(phyr_swiotlb_used(p), 1);
	m->fail_after = -1;
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, 100,
						       PHYR_SWIOTLB_FROM_DEVICE, 0), 0);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	phyr_swiotlb_destroy(p);
	free(m);
}

/* Misuse is rejected and changes nothing. */
static void test_swiotlb_unmap_misuse(void **state)
{
	struct phyr_swiotlb *p = pool_new(256, 1);
	struct phyr_swiotlb_dev dev = { 0 };
	uint64_t tlb, t2;

	(void)state;
	tlb = map(p, 0, 0x1000, 5000, 0, 0);
	t2 = map(p, 0, 0x1234, 0x100, 0xfff, 0xfff);
	assert_int_equal(t2, SLOT(4) + 0x234);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, 0x1000, 1, 0, 0), -ENOENT);
	/* second slot of a mapping, a free slot, a padding-free middle */
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb + 2048, 1, 0, 0), -EINVAL);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, SLOT(100), 1, 0, 0), -EINVAL);
	assert_int_equal(phyr_swiotlb_used(p), 5);
	unmap(p, tlb, 5000, 0);
	assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, 5000, 0, 0), -EINVAL);
	unmap(p, t2, 0x100, 0xfff);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	/* map argument checks */
	assert_int_equal(map_ret(p, 0, 0x1000, 0, 0, 0), -EINVAL);
	assert_int_equal(map_ret(p, 0, UINT64_MAX, 2, 0, 0), -EINVAL);
	assert_int_equal(map_ret(p, 0, 0x1000, UINT64_MAX - 10, 0xfff, 0), -EINVAL);
	assert_int_equal(map_ret(p, 0, 0x1000, 1, 0xffffffff, 0), -EINVAL);
	assert_int_equal(map_ret(p, 0, 0x1000, UINT64_C(1) << 40, 0, 0), -ENOSPC);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	phyr_swiotlb_destroy(p);
}

/* Fail each allocation of create in turn: no leak, no output. */
static void test_swiotlb_create_failnth(void **state)
{
	struct phyr_swiotlb_config cfg = { .start = START, .nslabs = 512, .nareas = 2 };

	(void)state;
	for (uint64_t n = 1;; n++) {
		struct phyr_failnth f = { .fail_at = n };
		struct phyr_allocator a;
		struct phyr_swiotlb *p = NULL;
		int ret;

		phyr_failnth_allocator(&f, &a);
		ret = phyr_swiotlb_create(&cfg, &a, &p);
		if (ret == 0) {
			assert_int_equal(n, 4);
			assert_int_equal(map(p, 1, 0x1000, 100, 0, 0), SLOT(256));
			phyr_swiotlb_destroy(p);
			assert_int_equal(f.nlive, 0);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_null(p);
		assert_int_equal(f.nlive, 0);
	}
}

/*
 * An allocator that counts like phyr_failnth and, once armed, fails every
 * allocation from then on (not just the n-th).
 */
struct fail_from {
	struct phyr_failnth f;
	struct phyr_allocator inner;
	bool armed;
	uint64_t nfailed;
};

static void *fail_from_alloc(void *ctx, size_t size)
{
	struct fail_from *ff = ctx;

	if (ff->armed) {
		ff->nfailed++;
		return NULL;
	}
	return ff->inner.alloc(ff->inner.ctx, size);
}

static void fail_from_free(void *ctx, void *ptr, size_t size)
{
	struct fail_from *ff = ctx;

	ff->inner.free(ff->inner.ctx, ptr, size);
}

static int pm_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return phyr_physmem_read(ctx, phys, buf, len);
}

static int pm_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return phyr_physmem_write(ctx, phys, buf, len);
}

#define ORIG UINT64_C(0x10a00) /* in never-touched (unbacked) memory */
#define ORIG_LEN 9000          /* 0x10a00 .. 0x12d27: pages 0x10, 0x11, 0x12 */

/*
 * Issue 12, item 4: forced bounce, FROM_DEVICE (and BIDIRECTIONAL), the
 * original buffer never touched by the CPU, and every allocation failing
 * from the first one after the map on. Linux's unmap cannot fail: unmap
 * returns 0 and the CPU sees every byte the device wrote, because the map
 * already backed the original pages.
 */
static void check_copy_back_under_nomem(int dir, bool via_sync)
{
	struct fail_from ff = { 0 };
	struct phyr_allocator a = { fail_from_alloc, fail_from_free, &ff };
	struct phyr_physmem *pm = NULL;
	struct phyr_swiotlb_memory hook = { pm_read, pm_write, NULL };
	struct phyr_swiotlb_config cfg = { .start = START, .nslabs = 256, .nareas = 1,
					   .force_bounce = true, .memory = &hook };
	struct phyr_swiotlb_dev dev = { .min_align_mask = 0xfff };
	struct phyr_swiotlb *p = NULL;
	struct phyr_swiotlb_stats st;
	static unsigned char devbytes[ORIG_LEN], got[ORIG_LEN + 2];
	size_t diff = 1;
	uint64_t tlb = 0;

	phyr_failnth_allocator(&ff.f, &ff.inner);
	assert_int_equal(phyr_physmem_create(&a, &pm), 0);
	hook.ctx = pm;
	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), 0);
	assert_false(phyr_physmem_is_backed(pm, ORIG));
	assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, ORIG, ORIG_LEN, 0, dir, 0, &tlb),
			 0);
	assert_int_equal(tlb, SLOT(0) + 0xa00);
	/* The map backed the three original pages, nothing beyond. */
	assert_true(phyr_physmem_is_backed(pm, 0x10000));
	assert_true(phyr_physmem_is_backed(pm, 0x12000));
	assert_false(phyr_physmem_is_backed(pm, 0x13000));
	assert_false(phyr_physmem_is_backed(pm, 0xf000));

	/* From here on, every allocation fails. */
	ff.armed = true;
	for (size_t i = 0; i < sizeof(devbytes); i++)
		devbytes[i] = (unsigned char)(i * 13 + 5);
	/* The device writes into the bounce slots (backed by the map's copy). */
	assert_int_equal(phyr_physmem_write(pm, tlb, devbytes, sizeof(devbytes)), 0);
	if (via_sync) {
		assert_int_equal(phyr_swiotlb_sync_single_for_cpu(p, &dev, tlb, ORIG_LEN, dir), 0);
		assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, ORIG_LEN, dir,
							       PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC), 0);
	} else {
		assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, ORIG_LEN, dir, 0), 0);
	}
	assert_int_equal(ff.nfailed, 0);
	assert_int_equal(phyr_swiotlb_used(p), 0);
	assert_int_equal(phyr_physmem_compare(pm, ORIG, devbytes, ORIG_LEN, &diff), 0);
	assert_int_equal(diff, ORIG_LEN);
	/* The bytes around the buffer are still zero. */
	assert_int_equal(phyr_physmem_read(pm, ORIG - 1, got, sizeof(got)), 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[ORIG_LEN + 1], 0);
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nbytes_to_device, ORIG_LEN);
	assert_int_equal(st.nbytes_from_device, ORIG_LEN);
	phyr_swiotlb_destroy(p);
	phyr_physmem_destroy(pm);
	assert_int_equal(ff.f.nlive, 0);
	assert_int_equal(ff.f.nbytes_live, 0);
}

static void test_swiotlb_copy_back_needs_no_allocation(void **state)
{
	(void)state;
	check_copy_back_under_nomem(PHYR_SWIOTLB_FROM_DEVICE, false);
	check_copy_back_under_nomem(PHYR_SWIOTLB_BIDIRECTIONAL, false);
	check_copy_back_under_nomem(PHYR_SWIOTLB_FROM_DEVICE, true);
}

/*
 * The reservation can fail only at map: fail each allocation of a FROM_DEVICE
 * map in turn. A failed map returns -ENOMEM and holds nothing (no slot, the
 * original reads as before, every page allocated by the failed call freed);
 * the first n that succeeds maps to slot 0.
 */
static void test_swiotlb_map_reserve_failnth(void **state)
{
	(void)state;
	for (uint64_t n = 1;; n++) {
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		struct phyr_physmem *pm = NULL;
		struct phyr_physmem_stats pst;
		struct phyr_swiotlb_memory hook = { pm_read, pm_write, NULL };
		struct phyr_swiotlb_config cfg = { .start = START, .nslabs = 256, .nareas = 1,
						   .force_bounce = true, .memory = &hook };
		struct phyr_swiotlb_dev dev = { 0 };
		struct phyr_swiotlb *p = NULL;
		uint64_t tlb = 0;
		int ret;

		phyr_failnth_allocator(&f, &a);
		assert_int_equal(phyr_physmem_create(&a, &pm), 0);
		hook.ctx = pm;
		assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), 0);
		f.fail_at = f.nallocs + n;
		ret = phyr_swiotlb_tbl_map_single(p, &dev, 0, ORIG, ORIG_LEN, 0,
						  PHYR_SWIOTLB_FROM_DEVICE, 0, &tlb);
		if (ret == 0) {
			/* 7 allocations: the page table, 3 original pages, 3 pool pages */
			assert_int_equal(tlb, SLOT(0));
			assert_int_equal(n, 8);
			assert_int_equal(phyr_swiotlb_used(p), 5);
			assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, ORIG_LEN,
								       PHYR_SWIOTLB_FROM_DEVICE, 0), 0);
			phyr_swiotlb_destroy(p);
			phyr_physmem_destroy(pm);
			assert_int_equal(f.nlive, 0);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(tlb, 0);
		assert_int_equal(phyr_swiotlb_used(p), 0);
		assert_int_equal(list_of(p, 0), 128);
		phyr_physmem_get_stats(pm, &pst);
		/* Pages the failed call allocated are kept only if fully written. */
		assert_int_equal(pst.npage_allocs - pst.npage_frees, pst.npages);
		assert_int_equal(cursor_of(p, 0), 0);
		/* Still usable: the same map succeeds now. */
		assert_int_equal(phyr_swiotlb_tbl_map_single(p, &dev, 0, ORIG, ORIG_LEN, 0,
							     PHYR_SWIOTLB_FROM_DEVICE, 0, &tlb), 0);
		assert_int_equal(tlb, SLOT(0));
		assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, tlb, ORIG_LEN,
							       PHYR_SWIOTLB_FROM_DEVICE, 0), 0);
		phyr_swiotlb_destroy(p);
		phyr_physmem_destroy(pm);
		assert_int_equal(f.nlive, 0);
		assert_int_equal(f.nbytes_live, 0);
	}
}

struct copies {
	unsigned nreads, nwrites;
	uint64_t read_phys, write_phys;
	size_t read_len, write_len;
};

static int rec_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	struct copies *c = ctx;

	c->nreads++;
	c->read_phys = phys;
	c->read_len = len;
	memset(buf, 0, len);
	return 0;
}

static int rec_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	struct copies *c = ctx;

	(void)buf;
	c->nwrites++;
	c->write_phys = phys;
	c->write_len = len;
	return 0;
}

/*
 * A copy hook installed after creation moves the map's bounce (original
 * -> slot, after writing the original onto itself so that the copy-back
 * cannot fail later) and the unmap's copy-back; NULL removes it.
 * reset_stats zeroes the counters and restarts the high-water mark at the
 * slots used now.
 */
static void test_swiotlb_set_memory_and_reset_stats(void **state)
{
	struct phyr_swiotlb *p = pool_new(64, 1);
	struct copies c = { 0 };
	const struct phyr_swiotlb_memory mem = { rec_read, rec_write, &c };
	struct phyr_swiotlb_stats st;
	uint64_t tlb, tlb2;

	(void)state;
	phyr_swiotlb_set_memory(p, &mem);
	tlb = map(p, 0, 0x1234000, 0x300, 0, 0);
	assert_int_equal(tlb, SLOT(0));
	assert_int_equal(c.nreads, 2);
	assert_int_equal(c.read_phys, 0x1234000);
	assert_int_equal(c.read_len, 0x300);
	assert_int_equal(c.nwrites, 2);
	assert_int_equal(c.write_phys, SLOT(0));
	assert_int_equal(c.write_len, 0x300);
	unmap(p, tlb, 0x300, 0); /* BIDIRECTIONAL: copied back */
	assert_int_equal(c.nreads, 3);
	assert_int_equal(c.read_phys, SLOT(0));
	assert_int_equal(c.nwrites, 3);
	assert_int_equal(c.write_phys, 0x1234000);
	phyr_swiotlb_set_memory(p, NULL);
	tlb = map(p, 0, 0x1234000, 0x300, 0, 0);
	assert_int_equal(tlb, SLOT(1));
	assert_int_equal(c.nreads, 3);
	assert_int_equal(c.nwrites, 3);
	tlb2 = map(p, 0, 0x5678000, 0x1000, 0, 0);
	assert_int_equal(tlb2, SLOT(2));
	unmap(p, tlb2, 0x1000, 0);
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nmaps, 3);
	assert_int_equal(st.nunmaps, 2);
	assert_int_equal(st.nused_hiwater, 3);
	phyr_swiotlb_reset_stats(p);
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nmaps, 0);
	assert_int_equal(st.nunmaps, 0);
	assert_int_equal(st.nslots_allocated, 0);
	assert_int_equal(st.nbytes_to_device, 0);
	assert_int_equal(st.nused_hiwater, 1);
	unmap(p, tlb, 0x300, 0);
	phyr_swiotlb_get_stats(p, &st);
	assert_int_equal(st.nunmaps, 1);
	assert_int_equal(st.nused_hiwater, 1);
	phyr_swiotlb_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swiotlb_geometry_rounding),
		cmocka_unit_test(test_swiotlb_create_layout),
		cmocka_unit_test(test_swiotlb_create_rejects_bad_config),
		cmocka_unit_test(test_swiotlb_b14_slot_search),
		cmocka_unit_test(test_swiotlb_implicit_page_alignment),
		cmocka_unit_test(test_swiotlb_alloc_align_mask),
		cmocka_unit_test(test_swiotlb_min_align_selects_slots),
		cmocka_unit_test(test_swiotlb_segment_limits),
		cmocka_unit_test(test_swiotlb_max_mapping_size),
		cmocka_unit_test(test_swiotlb_pool_full),
		cmocka_unit_test(test_swiotlb_area_order),
		cmocka_unit_test(test_swiotlb_cursor_wrap),
		cmocka_unit_test(test_swiotlb_release_merging),
		cmocka_unit_test(test_swiotlb_device_boundary),
		cmocka_unit_test(test_swiotlb_run_ending_on_device_boundary),
		cmocka_unit_test(test_swiotlb_slot_counts_at_segment_edges),
		cmocka_unit_test(test_swiotlb_bounce_map_unmap),
		cmocka_unit_test(test_swiotlb_bounce_sync_rules),
		cmocka_unit_test(test_swiotlb_bounce_error_releases),
		cmocka_unit_test(test_swiotlb_unmap_misuse),
		cmocka_unit_test(test_swiotlb_create_failnth),
		cmocka_unit_test(test_swiotlb_copy_back_needs_no_allocation),
		cmocka_unit_test(test_swiotlb_map_reserve_failnth),
		cmocka_unit_test(test_swiotlb_map_size_zero),
		cmocka_unit_test(test_swiotlb_set_memory_and_reset_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
