// SPDX-License-Identifier: MIT
/*
 * Tests of the dma-debug checker: every report kind with its exact fields
 * and Linux's wording, the lookup rules (best fit, containing sync across
 * buckets), the sg walk, cacheline overlap, teardown leaks, strict mode
 * (refused calls change nothing), and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/dma-debug.h"
#include "phyr/scatterlist.h"

#define BIDI 0
#define TO_DEV 1
#define FROM_DEV 2
#define SKIP_CPU_SYNC (1ul << 5)

static int devA_obj, devB_obj;
static const void *const devA = &devA_obj;
static const void *const devB = &devB_obj;

static const char *names(void *ctx, const void *dev)
{
	(void)ctx;
	if (dev == devA)
		return "nvme0";
	if (dev == devB)
		return "mlx5";
	return NULL;
}

static struct phyr_dma_debug *mk(bool strict, bool linux_exact)
{
	struct phyr_dma_debug_config cfg = {
		.strict = strict, .linux_exact = linux_exact, .dev_name = names,
	};
	struct phyr_dma_debug *dbg = NULL;

	assert_int_equal(phyr_dma_debug_create(&cfg, NULL, &dbg), 0);
	return dbg;
}

static struct phyr_dma_debug_map M(const void *dev, enum phyr_dma_debug_type t, uint64_t phys,
				   uint64_t dma, uint64_t size, int dir)
{
	struct phyr_dma_debug_map m = {
		.dev = dev, .type = t, .phys = phys, .dma_addr = dma, .size = size, .dir = dir,
	};
	return m;
}

/*
 * One list entry as the tests write it: the CPU side (sg_phys, length) and
 * the DMA side (sg_dma_address, sg_dma_len) as the DMA layer left them,
 * copied into a real scatterlist by sg_build() (the checker only reads it).
 */
struct dbg_sg {
	uint64_t phys;
	uint64_t len;
	uint64_t dma_addr;
	uint64_t dma_len;
};

static const struct phyr_sg_layout *sg_layout(void)
{
	return phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
}

/* A list of @n entries from @e (both sides). Free with free(). */
static struct phyr_scatterlist *sg_build(const struct dbg_sg *e, int n)
{
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = calloc((size_t)n, L->size);

	assert_non_null(sgl);
	assert_int_equal(phyr_sg_init_table(L, sgl, (unsigned int)n), 0);
	for (int i = 0; i < n; i++) {
		struct phyr_scatterlist *s = phyr_sg_entry(L, sgl, (unsigned int)i);

		assert_int_equal(phyr_sg_set_phys(L, s, e[i].phys, 0, (uint32_t)e[i].len), 0);
		phyr_sg_set_dma_address(L, s, e[i].dma_addr);
		phyr_sg_set_dma_len(L, s, (uint32_t)e[i].dma_len);
	}
	return sgl;
}

static void map_checked(struct phyr_dma_debug *dbg, struct phyr_dma_debug_map m)
{
	assert_int_equal(phyr_dma_debug_map(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_mapping_error(dbg, m.dev, m.dma_addr), 0);
}

static struct phyr_dma_debug_report get(struct phyr_dma_debug *dbg, size_t i)
{
	struct phyr_dma_debug_report r;

	assert_int_equal(phyr_dma_debug_get_report(dbg, i, &r), 0);
	return r;
}

static void assert_line(struct phyr_dma_debug *dbg, size_t i, const char *want)
{
	struct phyr_dma_debug_report r = get(dbg, i);
	char buf[512];
	int n = phyr_dma_debug_format(dbg, &r, buf, sizeof(buf));

	assert_true(n > 0);
	assert_string_equal(buf, want);
	assert_int_equal((size_t)n, strlen(want));
}

static void test_dma_debug_clean_lifecycle(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x12345000, 0xffff8000, 4096,
					TO_DEV);
	struct phyr_dma_debug_stats st;

	(void)state;
	map_checked(dbg, m);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 1);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devB), 0);
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0xffff8000, 4096, TO_DEV, false), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	phyr_dma_debug_get_stats(dbg, &st);
	assert_int_equal(st.nmaps, 1);
	assert_int_equal(st.nunmaps, 1);
	assert_int_equal(st.nsyncs, 1);
	assert_int_equal(st.nmapping_error_checks, 1);
	assert_int_equal(st.nentries_max, 1);
	assert_false(st.disabled);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_unmap_unknown(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_SINGLE, 0, 0xfffe0000, 8192, TO_DEV);
	struct phyr_dma_debug_report r;

	(void)state;
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	r = get(dbg, 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_UNKNOWN);
	assert_ptr_equal(r.dev, devA);
	assert_int_equal(r.dma_addr, 0xfffe0000);
	assert_int_equal(r.size, 8192);
	assert_false(r.has_entry);
	assert_line(dbg, 0, "DMA-API: nvme0: device driver tries to free DMA memory it has not "
			    "allocated [device address=0x00000000fffe0000] [size=8192 bytes]");
	/* another device's mapping at that address does not count */
	map_checked(dbg, M(devB, PHYR_DMA_DEBUG_SINGLE, 0, 0xfffe0000, 8192, TO_DEV));
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(get(dbg, 1).kind, PHYR_DMA_DEBUG_UNMAP_UNKNOWN);
	/* DMA_MAPPING_ERROR itself */
	m.dma_addr = ~UINT64_C(0);
	assert_int_equal(phyr_dma_debug_map(dbg, &m), 0); /* a failed map is not tracked */
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(get(dbg, 2).kind, PHYR_DMA_DEBUG_UNMAP_INVALID);
	assert_line(dbg, 2, "DMA-API: nvme0: device driver tries to free an invalid DMA memory "
			    "address");
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_unmap_size_type_dir_order(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x40000000, 0xffff8000, 4096,
					TO_DEV);
	struct phyr_dma_debug_map u = M(devA, PHYR_DMA_DEBUG_RESOURCE, 0x40000000, 0xffff8000,
					2048, FROM_DEV);
	struct phyr_dma_debug_report r;

	(void)state;
	assert_int_equal(phyr_dma_debug_map(dbg, &m), 0); /* never checked */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &u), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 4);

	r = get(dbg, 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_SIZE);
	assert_int_equal(r.expected, 4096);
	assert_int_equal(r.got, 2048);
	assert_true(r.has_entry);
	assert_int_equal(r.map_size, 4096);
	assert_int_equal(r.map_addr, 0xffff8000);
	assert_int_equal(r.map_phys, 0x40000000);
	r = get(dbg, 1);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_TYPE);
	assert_int_equal(r.expected, PHYR_DMA_DEBUG_SINGLE);
	assert_int_equal(r.got, PHYR_DMA_DEBUG_RESOURCE);
	r = get(dbg, 2);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_DIR);
	assert_int_equal(r.expected, TO_DEV);
	assert_int_equal(r.got, FROM_DEV);
	r = get(dbg, 3);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED);

	assert_line(dbg, 0, "DMA-API: nvme0: device driver frees DMA memory with different size "
			    "[device address=0x00000000ffff8000] [map size=4096 bytes] "
			    "[unmap size=2048 bytes]");
	assert_line(dbg, 1, "DMA-API: nvme0: device driver frees DMA memory with wrong function "
			    "[device address=0x00000000ffff8000] [size=2048 bytes] "
			    "[mapped as single] [unmapped as resource]");
	assert_line(dbg, 2, "DMA-API: nvme0: device driver frees DMA memory with different "
			    "direction [device address=0x00000000ffff8000] [size=2048 bytes] "
			    "[mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]");
	/* Linux's missing space before the bracket */
	assert_line(dbg, 3, "DMA-API: nvme0: device driver failed to check map error"
			    "[device address=0x00000000ffff8000] [size=2048 bytes] "
			    "[mapped as single]");
	/* the entry is gone even though the unmap was wrong */
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_mapping_error_marks_first_unchecked(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map a = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x1000, 0x1000, 512, TO_DEV);
	struct phyr_dma_debug_map b = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x1000, 0x1000, 1024, TO_DEV);

	(void)state;
	/* no IOMMU: the same buffer mapped twice has the same DMA address */
	assert_int_equal(phyr_dma_debug_map(dbg, &a), 0);
	assert_int_equal(phyr_dma_debug_map(dbg, &b), 0);
	assert_int_equal(phyr_dma_debug_mapping_error(dbg, devA, 0x1000), 0); /* marks a */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &b), 0); /* perfect fit: b, unchecked */
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED);
	assert_int_equal(get(dbg, 0).map_size, 1024);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &a), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	/* sg, coherent, iova-link and phyr mappings need no check */
	assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_PHYR, 0x2000, 0x2000, 4096, BIDI, 0 }), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_PHYR, 0x2000, 0x2000, 4096, BIDI, 0 }), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_best_fit(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map a = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x5000, 0x5000, 512, TO_DEV);
	struct phyr_dma_debug_map b = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x5000, 0x5000, 1024, FROM_DEV);
	struct phyr_dma_debug_map c = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x5000, 0x5000, 2048, BIDI);

	(void)state;
	map_checked(dbg, a);
	map_checked(dbg, b);
	/* two candidates, no perfect fit: Linux finds "none" and says so */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &c), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_UNMAP_UNKNOWN);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 2);
	/* perfect fits pick the right one each */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &b), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 1);
	/* one candidate left: matched even with size and direction wrong */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &c), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	assert_int_equal(get(dbg, 1).kind, PHYR_DMA_DEBUG_UNMAP_SIZE);
	assert_int_equal(get(dbg, 1).expected, 512);
	assert_int_equal(get(dbg, 2).kind, PHYR_DMA_DEBUG_UNMAP_DIR);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 0);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_coherent_cpu_addr(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_COHERENT, 0x7f000000, 0xfff00000,
					16384, TO_DEV);

	(void)state;
	assert_int_equal(phyr_dma_debug_map(dbg, &m), 0);
	m.phys = 0x7f004000;
	m.dir = FROM_DEV; /* coherent frees are bidirectional whatever is passed */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_UNMAP_CPU_ADDR);
	assert_int_equal(get(dbg, 0).expected, 0x7f000000);
	assert_int_equal(get(dbg, 0).got, 0x7f004000);
	assert_line(dbg, 0, "DMA-API: nvme0: device driver frees DMA memory with different CPU "
			    "address [device address=0x00000000fff00000] [size=16384 bytes] "
			    "[cpu alloc address=0x0x000000007f000000] "
			    "[cpu free address=0x0x000000007f004000]");
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_sync_checks(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, true);
	struct phyr_dma_debug_report r;

	(void)state;
	/* 64 KiB at 0x10000: chunks 8..15 of the hash */
	map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, 0x80000000, 0x10000, 0x10000, TO_DEV));
	/* a sub-range in a later bucket: found by walking buckets down */
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x1e000, 0x1000, TO_DEV, false), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	/* reaching past the end: no mapping contains it */
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x1f000, 0x2000, TO_DEV, false), 0);
	r = get(dbg, 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_SYNC_UNKNOWN);
	assert_line(dbg, 0, "DMA-API: nvme0: device driver tries to sync DMA memory it has not "
			    "allocated [device address=0x000000000001f000] [size=8192 bytes]");
	/* TO_DEVICE memory synced for the CPU as FROM_DEVICE: direction + read-only */
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x11000, 0x100, FROM_DEV, true), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	r = get(dbg, 1);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_SYNC_DIR);
	assert_int_equal(r.size, 0x10000); /* Linux prints the mapping's size */
	assert_int_equal(r.dma_addr, 0x11000);
	assert_int_equal(get(dbg, 2).kind, PHYR_DMA_DEBUG_SYNC_FOR_CPU_RO);
	assert_line(dbg, 1, "DMA-API: nvme0: device driver syncs DMA memory with different "
			    "direction [device address=0x0000000000011000] [size=65536 bytes] "
			    "[mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]");
	assert_line(dbg, 2, "DMA-API: nvme0: device driver syncs device read-only DMA memory for "
			    "cpu [device address=0x0000000000011000] [size=65536 bytes] "
			    "[mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]");
	/* the right direction for the CPU of TO_DEVICE memory is still read-only? no:
	 * ref TO_DEVICE excuses it */
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x10000, 0x10000, TO_DEV, true), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);

	/* FROM_DEVICE memory synced for the device as BIDIRECTIONAL */
	map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, 0x90000000, 0x40000, 0x1000, FROM_DEV));
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x40000, 0x1000, BIDI, false), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 5);
	assert_int_equal(get(dbg, 3).kind, PHYR_DMA_DEBUG_SYNC_DIR);
	assert_int_equal(get(dbg, 4).kind, PHYR_DMA_DEBUG_SYNC_FOR_DEVICE_WO);
	assert_line(dbg, 4, "DMA-API: nvme0: device driver syncs device write-only DMA memory to "
			    "device [device address=0x0000000000040000] [size=4096 bytes] "
			    "[mapped with DMA_FROM_DEVICE] [synced with DMA_BIDIRECTIONAL]");
	/* FROM_DEVICE synced for the device as FROM_DEVICE: Linux accepts it */
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x40000, 0x1000, FROM_DEV, false), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 5);

	/* a bidirectional mapping accepts every sync */
	map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, 0xa0000000, 0x80000, 0x1000, BIDI));
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x80000, 0x800, TO_DEV, true), 0);
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x80800, 0x800, FROM_DEV, false), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 5);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_sync_map_err(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug *lx = mk(false, true);
	struct phyr_dma_debug_map m = M(devB, PHYR_DMA_DEBUG_SINGLE, 0x3000, 0xfffff000, 4096, BIDI);

	(void)state;
	assert_int_equal(phyr_dma_debug_map(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_sync(dbg, devB, 0xfffff000, 4096, BIDI, true), 0);
	assert_int_equal(phyr_dma_debug_sync(dbg, devB, 0xfffff000, 4096, BIDI, false), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1); /* once per mapping */
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED);
	assert_line(dbg, 0, "DMA-API: mlx5: device driver failed to check map error"
			    "[device address=0x00000000fffff000] [size=4096 bytes] "
			    "[mapped as single]");
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 2); /* and at unmap, as Linux */

	/* linux_exact: only the unmap reports */
	assert_int_equal(phyr_dma_debug_map(lx, &m), 0);
	assert_int_equal(phyr_dma_debug_sync(lx, devB, 0xfffff000, 4096, BIDI, true), 0);
	assert_int_equal(phyr_dma_debug_nreports(lx), 0);
	assert_int_equal(phyr_dma_debug_unmap(lx, &m), 0);
	assert_int_equal(phyr_dma_debug_nreports(lx), 1);
	phyr_dma_debug_destroy(lx);
	phyr_dma_debug_destroy(dbg);
}

/* spec B9: 4 entries merged by dma-iommu into 2 segments */
static const struct dbg_sg b9[4] = {
	{ 0x10000200, 0x1e00, 0xffff8200, 0x5600 },
	{ 0x20000000, 0x3000, 0xffffe000, 0x1000 },
	{ 0x30000000, 0x800, ~UINT64_C(0), 0 },
	{ 0x40000000, 0x1000, ~UINT64_C(0), 0 },
};

static void test_dma_debug_sg_roundtrip(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(b9, 4);

	(void)state;
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, L, sgl, 4, 2, BIDI, 0, 65536, 0xffffffff),
			 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 2);
	assert_int_equal(phyr_dma_debug_sync_sg(dbg, devA, L, sgl, 4, BIDI, true), 0);
	assert_int_equal(phyr_dma_debug_sync_sg(dbg, devA, L, sgl, 4, BIDI, false), 0);
	assert_int_equal(phyr_dma_debug_unmap_sg(dbg, devA, L, sgl, 4, BIDI), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
	free(sgl);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_sg_nents_and_type(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(b9, 4);
	struct phyr_dma_debug_report r;

	(void)state;
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, L, sgl, 4, 2, TO_DEV, 0, 65536,
					       0xffffffff), 0);
	/* sync with the mapped count instead of nents: each segment says so */
	assert_int_equal(phyr_dma_debug_sync_sg(dbg, devA, L, sgl, 2, TO_DEV, false), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 2);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_SYNC_NENTS);
	assert_int_equal(get(dbg, 0).expected, 4);
	assert_int_equal(get(dbg, 0).got, 2);
	assert_line(dbg, 0, "DMA-API: nvme0: device driver syncs DMA sg list with different entry "
			    "count [map count=4] [sync count=2]");
	/* unmap with the returned count: NENTS for both segments, both dropped */
	assert_int_equal(phyr_dma_debug_unmap_sg(dbg, devA, L, sgl, 2, TO_DEV), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 4);
	r = get(dbg, 2);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_UNMAP_NENTS);
	assert_int_equal(r.dma_addr, 0xffff8200);
	assert_int_equal(get(dbg, 3).dma_addr, 0xffffe000);
	assert_line(dbg, 2, "DMA-API: nvme0: device driver frees DMA sg list with different entry "
			    "count [map count=4] [unmap count=2]");
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);

	/* a single mapping unmapped with dma_unmap_sg: wrong function, and
	 * the entry's count (0) differs */
	map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, 0x10000200, 0xffff8200, 0x5600, TO_DEV));
	assert_int_equal(phyr_dma_debug_unmap_sg(dbg, devA, L, sgl, 1, TO_DEV), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 6);
	assert_int_equal(get(dbg, 4).kind, PHYR_DMA_DEBUG_UNMAP_TYPE);
	assert_int_equal(get(dbg, 5).kind, PHYR_DMA_DEBUG_UNMAP_NENTS);
	assert_line(dbg, 4, "DMA-API: nvme0: device driver frees DMA memory with wrong function "
			    "[device address=0x00000000ffff8200] [size=22016 bytes] "
			    "[mapped as single] [unmapped as scatter-gather]");
	free(sgl);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_unmap_sg_unknown_walks_all(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct dbg_sg sg[3] = {
		{ 0x1000, 0x1000, 0x100000, 0x1000 },
		{ 0x2000, 0x1000, 0x200000, 0x1000 },
		{ 0x3000, 0x1000, 0x300000, 0x1000 },
	};
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(sg, 3);

	(void)state;
	/* the first segment is unknown: the mapped count is 0, so Linux checks every entry */
	assert_int_equal(phyr_dma_debug_unmap_sg(dbg, devA, L, sgl, 3, BIDI), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(get(dbg, i).kind, PHYR_DMA_DEBUG_UNMAP_UNKNOWN);
		assert_int_equal(get(dbg, i).dma_addr, sg[i].dma_addr);
	}
	/* and a sync of an unknown list checks nothing */
	assert_int_equal(phyr_dma_debug_sync_sg(dbg, devA, L, sgl, 3, BIDI, true), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	free(sgl);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_sg_segment_checks(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	/* a 64 KiB + 4 KiB entry against a 64 KiB max, crossing a 16 KiB boundary */
	struct dbg_sg sg[2] = {
		{ 0x100000, 0x11000, 0xfffe0000, 0x11000 },
		{ 0x200000, 0x1000, 0xffff3000, 0x1000 },
	};
	struct phyr_scatterlist *sgl = sg_build(sg, 2);
	struct phyr_dma_debug_report r;

	(void)state;
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, sg_layout(), sgl, 2, 2, FROM_DEV, 0,
					       0x10000, 0x3fff), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 2);
	r = get(dbg, 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_SG_SEG_LENGTH);
	assert_int_equal(r.expected, 0x10000);
	assert_int_equal(r.got, 0x11000);
	r = get(dbg, 1);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_SG_SEG_BOUNDARY);
	assert_int_equal(r.got, 0xffff0fff);
	assert_line(dbg, 0, "DMA-API: nvme0: mapping sg segment longer than device claims to "
			    "support [len=69632] [max=65536]");
	assert_line(dbg, 1, "DMA-API: nvme0: mapping sg segment across boundary "
			    "[start=0x00000000fffe0000] [end=0x00000000ffff0fff] "
			    "[boundary=0x0000000000003fff]");
	/* tracked all the same (not strict) */
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 2);
	free(sgl);
	phyr_dma_debug_destroy(dbg);
}

/* A segment of exactly max_seg_size is within the limit (Linux: len > max). */
static void test_dma_debug_sg_segment_at_max(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	const struct dbg_sg sg[1] = {
		{ 0x100000, 0x10000, 0xfffe0000, 0x10000 },
	};
	struct phyr_scatterlist *sgl = sg_build(sg, 1);

	(void)state;
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, sg_layout(), sgl, 1, 1, FROM_DEV, 0,
					       0x10000, 0xffff),
			 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 1);
	free(sgl);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_overlap(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map a = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x50000010, 0xf0000010, 64,
					FROM_DEV);
	struct phyr_dma_debug_map b = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x50000020, 0xf0001020, 64,
					BIDI);
	struct phyr_dma_debug_map t = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x50000000, 0xf0002000, 64,
					TO_DEV);
	struct phyr_dma_debug_map s = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x50000030, 0xf0003030, 16,
					FROM_DEV);

	(void)state;
	map_checked(dbg, a);
	map_checked(dbg, t); /* the device only reads it: no concern */
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	map_checked(dbg, b); /* same cacheline 0x50000000..3f, device-writable */
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_OVERLAP);
	assert_int_equal(get(dbg, 0).dma_addr, 0xf0001020);
	assert_line(dbg, 0, "DMA-API: nvme0: cacheline tracking EEXIST, overlapping mappings "
			    "aren't supported");
	s.attrs = SKIP_CPU_SYNC; /* counted but not reported */
	map_checked(dbg, s);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	/* the line stays busy until all three are gone */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &a), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &b), 0);
	map_checked(dbg, b);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 2);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &b), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &s), 0);
	map_checked(dbg, b);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 2);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_teardown_leak(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_report r;
	uint64_t n = 99;

	(void)state;
	/* hash order: bucket of 0x100000 (128) < 0x200000 (256) < 0xffff8000 (16380) */
	map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, 0x1000, 0xffff8000, 4096, TO_DEV));
	map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, 0x2000, 0x100000, 512, BIDI));
	assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_IOVA, 0x3000, 0x200000, 8192, FROM_DEV, 0 }), 0);
	map_checked(dbg, M(devB, PHYR_DMA_DEBUG_SINGLE, 0x4000, 0x300000, 4096, TO_DEV));
	assert_int_equal(phyr_dma_debug_teardown(dbg, devA, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	r = get(dbg, 0);
	assert_int_equal(r.kind, PHYR_DMA_DEBUG_LEAK);
	assert_int_equal(r.got, 3);
	assert_int_equal(r.dma_addr, 0xffff8000);
	assert_int_equal(r.size, 4096);
	assert_int_equal(r.map_type, PHYR_DMA_DEBUG_SINGLE);
	assert_line(dbg, 0, "DMA-API: nvme0: device driver has pending DMA allocations while "
			    "released from device [count=3]\nOne of leaked entries details: "
			    "[device address=0x00000000ffff8000] [size=4096 bytes] "
			    "[mapped with DMA_TO_DEVICE] [mapped as single]");
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devB), 1);
	/* nothing left: no report */
	assert_int_equal(phyr_dma_debug_teardown(dbg, devA, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_iova_range(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	const uint64_t base = 0xfffc0000;

	(void)state;
	/* three links of one IOVA, then destroy(mapped_len) over all of them */
	for (int i = 0; i < 3; i++)
		assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
			devA, PHYR_DMA_DEBUG_IOVA, 0x100000 * (uint64_t)(i + 1),
			base + 0x3000 * (uint64_t)i, 0x3000, TO_DEV, 0 }), 0);
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, base, 0x9000,
						    TO_DEV), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);

	/* an unlink with the wrong direction reports per link; one link reaches past */
	for (int i = 0; i < 2; i++)
		assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
			devA, PHYR_DMA_DEBUG_IOVA, 0x100000, base + 0x3000 * (uint64_t)i, 0x3000,
			TO_DEV, 0 }), 0);
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, base, 0x4000,
						    FROM_DEV), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_UNMAP_DIR);
	assert_int_equal(get(dbg, 0).dma_addr, base);
	assert_int_equal(get(dbg, 1).kind, PHYR_DMA_DEBUG_UNMAP_SIZE);
	assert_int_equal(get(dbg, 1).dma_addr, base + 0x3000);
	assert_int_equal(get(dbg, 1).expected, 0x3000);
	assert_int_equal(get(dbg, 1).got, 0x1000);
	assert_int_equal(get(dbg, 2).kind, PHYR_DMA_DEBUG_UNMAP_DIR);

	/* nothing in the range */
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, base, 0x1000,
						    TO_DEV), 0);
	assert_int_equal(get(dbg, 3).kind, PHYR_DMA_DEBUG_UNMAP_UNKNOWN);
	assert_int_equal(get(dbg, 3).size, 0x1000);

	/* a link torn down with dma_unmap_page: wrong function */
	assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_IOVA, 0x100000, base, 0x1000, TO_DEV, 0 }), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_SINGLE, 0x100000, base, 0x1000, TO_DEV, 0 }), 0);
	assert_int_equal(get(dbg, 4).kind, PHYR_DMA_DEBUG_UNMAP_TYPE);
	assert_line(dbg, 4, "DMA-API: nvme0: device driver frees DMA memory with wrong function "
			    "[device address=0x00000000fffc0000] [size=4096 bytes] "
			    "[mapped as iova-link] [unmapped as single]");
	assert_int_equal(phyr_dma_debug_nreports(dbg), 5);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_strict_unmap_refused(void **state)
{
	struct phyr_dma_debug *dbg = mk(true, false);
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x1000, 0x10000, 4096, TO_DEV);
	struct phyr_dma_debug_map bad = m;
	struct phyr_dma_debug_stats st;

	(void)state;
	map_checked(dbg, m);
	bad.size = 2048;
	assert_int_equal(phyr_dma_debug_unmap(dbg, &bad), -EINVAL);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 1); /* still mapped */
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x10000, 4096, FROM_DEV, true), -EINVAL);
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x10000, 4096, TO_DEV, false), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), -EINVAL); /* now unknown */
	phyr_dma_debug_get_stats(dbg, &st);
	assert_int_equal(st.nrefused, 3);
	assert_int_equal(st.nreports, 4);
	assert_int_equal(st.nreports_kind[PHYR_DMA_DEBUG_SYNC_DIR], 1);
	assert_int_equal(st.nreports_kind[PHYR_DMA_DEBUG_SYNC_FOR_CPU_RO], 1);
	phyr_dma_debug_destroy(dbg);
}

/*
 * kernel/dma/debug.c keeps a cacheline's overlap count in three radix-tree
 * tags: it saturates at 7 (active_cacheline_set_overlap leaves the tags
 * alone above that), and the line is dropped when a decrement goes below
 * 0. So after 1 + 8 device-writable mappings of one line, 8 unmaps free
 * the line although one mapping is still live, and a new mapping of it is
 * no overlap.
 * Kills: an unbounded (or 8-bounded) counter: the line stays busy and the
 * new mapping is reported.
 */
static void test_dma_debug_overlap_saturates_at_7(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map m[10];
	struct phyr_dma_debug_stats st;

	(void)state;
	for (int i = 0; i < 10; i++)
		m[i] = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x50000000 + 4 * (uint64_t)i,
			 0xf0000000 + 0x1000 * (uint64_t)i, 4, FROM_DEV);
	for (int i = 0; i < 9; i++)
		map_checked(dbg, m[i]);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(get(dbg, (size_t)i).kind, PHYR_DMA_DEBUG_OVERLAP);
	/* 7, 6, ..., 0, then -1: the line is gone after the 8th unmap */
	for (int i = 0; i < 8; i++)
		assert_int_equal(phyr_dma_debug_unmap(dbg, &m[i]), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 1);
	map_checked(dbg, m[9]);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 8);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m[8]), 0);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m[9]), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 8);
	phyr_dma_debug_get_stats(dbg, &st);
	assert_int_equal(st.nmaps, 10);
	assert_int_equal(st.nunmaps, 10);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_strict_sg_and_overlap_refused(void **state)
{
	struct phyr_dma_debug *dbg = mk(true, false);
	struct dbg_sg sg[2] = {
		{ 0x100000, 0x1000, 0xffff0000, 0x1000 },
		{ 0x100000, 0x1000, 0xffff1000, 0x1000 }, /* same page again */
	};
	struct phyr_scatterlist *sgl = sg_build(sg, 2);
	struct phyr_dma_debug_map a = M(devA, PHYR_DMA_DEBUG_SINGLE, 0x100000, 0xfff00000, 64,
					FROM_DEV);

	(void)state;
	/* the second segment overlaps the first one's cacheline: refused, nothing kept */
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, sg_layout(), sgl, 2, 2, FROM_DEV, 0, 65536,
					       ~0ull), -EINVAL);
	free(sgl);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	assert_int_equal(get(dbg, 0).kind, PHYR_DMA_DEBUG_OVERLAP);
	/* the cacheline is free again: a single mapping of it is fine */
	map_checked(dbg, a);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
	/* and a second one is refused without being tracked */
	a.dma_addr = 0xfff10000;
	assert_int_equal(phyr_dma_debug_map(dbg, &a), -EINVAL);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 1);
	/* leak at teardown: reported, refused, entries dropped anyway */
	uint64_t n = 0;
	assert_int_equal(phyr_dma_debug_teardown(dbg, devA, &n), -EINVAL);
	assert_int_equal(n, 1);
	assert_int_equal(phyr_dma_debug_nentries(dbg, NULL), 0);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_strict_range_refused(void **state)
{
	struct phyr_dma_debug *dbg = mk(true, false);

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
			devA, PHYR_DMA_DEBUG_IOVA, 0x100000, 0x80000000 + 0x2000 * (uint64_t)i,
			0x2000, TO_DEV, 0 }), 0);
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, 0x80000000,
						    0x4000, BIDI), -EINVAL);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 2);
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, 0x80000000,
						    0x4000, TO_DEV), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, devA), 0);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_report_cap_and_clear(void **state)
{
	struct phyr_dma_debug_config cfg = { .max_reports = 2 };
	struct phyr_dma_debug *dbg = NULL;
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_SINGLE, 0, 0x1000, 1, TO_DEV);
	struct phyr_dma_debug_report r;
	char buf[80];

	(void)state;
	assert_int_equal(phyr_dma_debug_create(&cfg, NULL, &dbg), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(phyr_dma_debug_unmap(dbg, &m), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 3);
	assert_int_equal(get(dbg, 1).seq, 1);
	assert_int_equal(phyr_dma_debug_get_report(dbg, 2, &r), -ENOENT);
	/* unnamed device, truncated output */
	r = get(dbg, 0);
	assert_true(phyr_dma_debug_format(dbg, &r, buf, sizeof(buf)) > (int)sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, "DMA-API: dev@0x", 15);
	phyr_dma_debug_clear_reports(dbg);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	assert_int_equal(phyr_dma_debug_get_report(dbg, 0, &r), -ENOENT);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_dump(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_SINGLE, 0x12345040, 0xffffe040, 0x100, FROM_DEV, 0 }), 0);
	map_checked(dbg, M(devB, PHYR_DMA_DEBUG_SINGLE, 0x1000, 0x4000, 0x1000, TO_DEV));
	assert_int_equal(phyr_dma_debug_dump(dbg, NULL, f), 0);
	assert_int_equal(phyr_dma_debug_dump(dbg, devB, f), 0);
	fclose(f);
	assert_string_equal(text,
		"mlx5 single idx 2 P=0x0000000000001000 D=4000 L=1000 cln=0x0000000000000040 "
		"DMA_TO_DEVICE dma map error checked\n"
		"nvme0 single idx 16383 P=0x0000000012345040 D=ffffe040 L=100 "
		"cln=0x000000000048d141 DMA_FROM_DEVICE dma map error not checked\n"
		"mlx5 single idx 2 P=0x0000000000001000 D=4000 L=1000 cln=0x0000000000000040 "
		"DMA_TO_DEVICE dma map error checked\n");
	free(text);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_bad_args(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_map m = M(devA, PHYR_DMA_DEBUG_SINGLE, 0, 0x1000, 1, 4);
	struct dbg_sg sg = { 0, 1, 0x1000, 1 };
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(&sg, 1);
	struct phyr_dma_debug_report r = { 0 };

	(void)state;
	assert_int_equal(phyr_dma_debug_create(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(phyr_dma_debug_map(dbg, &m), -EINVAL); /* direction 4 */
	m.dir = TO_DEV;
	m.type = PHYR_DMA_DEBUG_SG; /* sg goes through map_sg */
	assert_int_equal(phyr_dma_debug_map(dbg, &m), -EINVAL);
	assert_int_equal(phyr_dma_debug_unmap(dbg, &m), -EINVAL);
	m.type = PHYR_DMA_DEBUG_NTYPES;
	assert_int_equal(phyr_dma_debug_map(dbg, &m), -EINVAL);
	assert_int_equal(phyr_dma_debug_map(NULL, &m), -EINVAL);
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, L, sgl, 1, 2, TO_DEV, 0, 1, 1), -EINVAL);
	assert_int_equal(phyr_dma_debug_map_sg(dbg, devA, L, sgl, 0, 0, TO_DEV, 0, 1, 1), -EINVAL);
	assert_int_equal(phyr_dma_debug_unmap_sg(dbg, devA, L, NULL, 1, TO_DEV), -EINVAL);
	free(sgl);
	assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0, 1, -1, true), -EINVAL);
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, 0, 0, TO_DEV),
			 -EINVAL);
	assert_int_equal(phyr_dma_debug_unmap_range(dbg, devA, PHYR_DMA_DEBUG_IOVA, ~0ull, 2,
						    TO_DEV), -EINVAL);
	assert_int_equal(phyr_dma_debug_teardown(NULL, devA, NULL), -EINVAL);
	r.kind = PHYR_DMA_DEBUG_NKINDS;
	assert_int_equal(phyr_dma_debug_format(dbg, &r, NULL, 0), -EINVAL);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	assert_string_equal(phyr_dma_debug_type_name(PHYR_DMA_DEBUG_NTYPES), "?");
	assert_string_equal(phyr_dma_debug_dir_name(7), "?");
	assert_string_equal(phyr_dma_debug_kind_name(PHYR_DMA_DEBUG_LEAK), "leak");
	phyr_dma_debug_destroy(NULL);
	phyr_dma_debug_destroy(dbg);
}

static void test_dma_debug_failnth(void **state)
{
	struct phyr_failnth f;
	struct phyr_allocator a;
	struct phyr_dma_debug *dbg;
	struct phyr_dma_debug_stats st;
	int rc;

	(void)state;
	/* creation: 3 allocations, each failure leaves nothing behind */
	for (uint64_t n = 1; n <= 3; n++) {
		memset(&f, 0, sizeof(f));
		f.fail_at = n;
		phyr_failnth_allocator(&f, &a);
		dbg = (void *)1;
		assert_int_equal(phyr_dma_debug_create(NULL, &a, &dbg), -ENOMEM);
		assert_null(dbg);
		assert_int_equal(f.nlive, 0);
	}
	/* entry allocation failure disables the checker, as Linux does */
	memset(&f, 0, sizeof(f));
	f.fail_at = 4;
	phyr_failnth_allocator(&f, &a);
	assert_int_equal(phyr_dma_debug_create(NULL, &a, &dbg), 0);
	rc = phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_SINGLE, 0, 0x1000, 1, TO_DEV, 0 });
	assert_int_equal(rc, 0);
	phyr_dma_debug_get_stats(dbg, &st);
	assert_true(st.disabled);
	assert_int_equal(st.nnomem, 1);
	assert_int_equal(st.nentries, 0);
	/* every hook is now a no-op */
	assert_int_equal(phyr_dma_debug_unmap(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_SINGLE, 0, 0x1000, 1, TO_DEV, 0 }), 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	phyr_dma_debug_destroy(dbg);
	assert_int_equal(f.nlive, 0);

	/* cacheline node failure: the entry is kept, the checker disabled */
	memset(&f, 0, sizeof(f));
	f.fail_at = 5;
	phyr_failnth_allocator(&f, &a);
	assert_int_equal(phyr_dma_debug_create(NULL, &a, &dbg), 0);
	assert_int_equal(phyr_dma_debug_map(dbg, &(struct phyr_dma_debug_map){
		devA, PHYR_DMA_DEBUG_SINGLE, 0, 0x1000, 1, FROM_DEV, 0 }), 0);
	phyr_dma_debug_get_stats(dbg, &st);
	assert_true(st.disabled);
	assert_int_equal(st.nentries, 1);
	phyr_dma_debug_destroy(dbg);
	assert_int_equal(f.nlive, 0);
}

static void test_dma_debug_many_mappings(void **state)
{
	struct phyr_dma_debug *dbg = mk(false, false);
	struct phyr_dma_debug_stats st;

	(void)state;
	/* 40000 mappings spread over every bucket, some aliasing */
	for (uint64_t i = 0; i < 40000; i++)
		map_checked(dbg, M(devA, PHYR_DMA_DEBUG_SINGLE, i << 12, 0x100000000ull + (i << 12),
				   4096, TO_DEV));
	for (uint64_t i = 0; i < 40000; i += 7)
		assert_int_equal(phyr_dma_debug_sync(dbg, devA, 0x100000000ull + (i << 12) + 8, 8,
						     TO_DEV, false), 0);
	for (uint64_t i = 0; i < 40000; i++)
		assert_int_equal(phyr_dma_debug_unmap(dbg, &(struct phyr_dma_debug_map){
			devA, PHYR_DMA_DEBUG_SINGLE, i << 12, 0x100000000ull + (i << 12), 4096,
			TO_DEV, 0 }), 0);
	phyr_dma_debug_get_stats(dbg, &st);
	assert_int_equal(st.nreports, 0);
	assert_int_equal(st.nentries, 0);
	assert_int_equal(st.nentries_max, 40000);
	phyr_dma_debug_destroy(dbg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_debug_clean_lifecycle),
		cmocka_unit_test(test_dma_debug_unmap_unknown),
		cmocka_unit_test(test_dma_debug_unmap_size_type_dir_order),
		cmocka_unit_test(test_dma_debug_mapping_error_marks_first_unchecked),
		cmocka_unit_test(test_dma_debug_best_fit),
		cmocka_unit_test(test_dma_debug_coherent_cpu_addr),
		cmocka_unit_test(test_dma_debug_sync_checks),
		cmocka_unit_test(test_dma_debug_sync_map_err),
		cmocka_unit_test(test_dma_debug_sg_roundtrip),
		cmocka_unit_test(test_dma_debug_sg_nents_and_type),
		cmocka_unit_test(test_dma_debug_unmap_sg_unknown_walks_all),
		cmocka_unit_test(test_dma_debug_sg_segment_checks),
		cmocka_unit_test(test_dma_debug_sg_segment_at_max),
		cmocka_unit_test(test_dma_debug_overlap),
		cmocka_unit_test(test_dma_debug_overlap_saturates_at_7),
		cmocka_unit_test(test_dma_debug_teardown_leak),
		cmocka_unit_test(test_dma_debug_iova_range),
		cmocka_unit_test(test_dma_debug_strict_unmap_refused),
		cmocka_unit_test(test_dma_debug_strict_sg_and_overlap_refused),
		cmocka_unit_test(test_dma_debug_strict_range_refused),
		cmocka_unit_test(test_dma_debug_report_cap_and_clear),
		cmocka_unit_test(test_dma_debug_dump),
		cmocka_unit_test(test_dma_debug_bad_args),
		cmocka_unit_test(test_dma_debug_failnth),
		cmocka_unit_test(test_dma_debug_many_mappings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
