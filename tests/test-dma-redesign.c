// SPDX-License-Identifier: MIT
/*
 * Issue-8 pins of the DMA-layer redesign: each finding of the audit that
 * the redesign was meant to remove is reproduced here and must be gone,
 * with the exact values the new layer gives (one cookie per DMA domain,
 * one dispatch that checks and counts every path, safe zero configs,
 * map_phyr on the device alone, no allocation on the unmap paths, the DAC
 * fallback below the page table, P2P on untrusted devices as Linux
 * v6.17 does it). The threaded findings are in test-dma-threads.c.
 *
 * Every machine is built from a description string (the machine of the
 * shared DMA fixture, machines/test-fixture.machine) plus the device lines
 * of the test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/iommu.h"
#include "phyr/iova.h"
#include "phyr/list.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"
#include "phyr/swiotlb.h"

#define RAM0 0x10000000ull  /* a RAM page every test uses */
#define BAR_A 0x300000000ull /* provider A: BUS_ADDR for the client */
#define BUS_A 0xc0000000ull
#define BAR_C 0x320000000ull /* provider C: NOT_SUPPORTED for the client */
#define TOP48 0xfffffffff000ull /* the last page below 2^48 */

/* The fixture's machine: RAM [0, 2G) + [4G, 8G), providers A, B, C, pool. */
static const char base_machine[] =
	"ram start=0 size=2G\n"
	"ram start=4G size=4G\n"
	"host-bridge hb0 domain=0 bus=0 id=8086:2030\n"
	"root-port rp1 parent=hb0 devfn=01.0 id=8086:2031\n"
	"root-port rp2 parent=hb0 devfn=02.0 id=8086:2032\n"
	"endpoint client parent=rp1 devfn=00.0 id=15b3:1017\n"
	"endpoint prov_a parent=rp1 devfn=01.0 id=144d:a808\n"
	"endpoint prov_b parent=rp2 devfn=00.0 id=10de:2330\n"
	"endpoint ep2 parent=rp1 devfn=02.0 id=15b3:1017\n"
	"endpoint ep3 parent=rp1 devfn=03.0 id=15b3:1017\n"
	"host-bridge hb1 domain=1 bus=0 id=1af4:1000\n"
	"endpoint prov_c parent=hb1 devfn=01.0 id=10de:2331\n"
	"bar dev=prov_a index=0 cpu=0x300000000 size=1M bus=0xc0000000\n"
	"bar dev=prov_b index=0 cpu=0x310000000 size=1M bus=0xd0000000\n"
	"bar dev=prov_c index=0 cpu=0x320000000 size=1M bus=0xe0000000\n";

/* The base machine, then @pool (a swiotlb line or ""), then @devices. */
static struct phyr_system *build(const char *pool, const char *devices,
				 const struct phyr_allocator *a)
{
	static const char def_pool[] = "swiotlb start=0x70000000 nslabs=512 nareas=1\n";
	struct phyr_system *s = NULL;
	char err[256] = "";
	char *text;
	size_t n;
	int ret;

	if (!pool)
		pool = def_pool;
	n = strlen(base_machine) + strlen(pool) + strlen(devices) + 1;
	text = malloc(n);
	assert_non_null(text);
	snprintf(text, n, "%s%s%s", base_machine, pool, devices);
	ret = phyr_system_build_string(text, "redesign", a, &s, err, sizeof(err));
	if (ret)
		fprintf(stderr, "build: %s\n", err);
	free(text);
	assert_int_equal(ret, 0);
	return s;
}

static struct phyr_device *dev_of(struct phyr_system *s, const char *name)
{
	struct phyr_device *d = phyr_system_device(s, name);

	assert_non_null(d);
	return d;
}

/* A list of @n entries (phys, len) in a new table. */
static struct phyr_sg_table *sgt_new(const uint64_t *phys, const uint32_t *len, int n)
{
	struct phyr_sg_table *t;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sg;

	assert_int_equal(phyr_sg_table_create(PHYR_SG_LAYOUT_DEFAULT, NULL, &t), 0);
	assert_int_equal(phyr_sg_alloc_table(t, (unsigned)n), 0);
	L = phyr_sg_table_layout(t);
	sg = phyr_sg_table_sgl(t);
	for (int i = 0; i < n; i++, sg = phyr_sg_next(L, sg))
		assert_int_equal(phyr_sg_set_phys(L, sg, phys[i], 0, len[i]), 0);
	return t;
}

/* map_sg of the whole table through the dispatch; returns the errno. */
static int map_sgt(struct phyr_device *d, struct phyr_sg_table *t, int n,
		   enum phyr_dma_data_direction dir, int *count)
{
	return phyr_dma_map_sg(d, phyr_sg_table_layout(t), phyr_sg_table_sgl(t), n, dir, 0,
			       count);
}

static int unmap_sgt(struct phyr_device *d, struct phyr_sg_table *t, int n,
		     enum phyr_dma_data_direction dir)
{
	return phyr_dma_unmap_sg(d, phyr_sg_table_layout(t), phyr_sg_table_sgl(t), n, dir, 0);
}

static uint64_t seg_addr(struct phyr_sg_table *t, int i)
{
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);

	return phyr_sg_dma_address(L, phyr_sg_entry(L, phyr_sg_table_sgl(t), (size_t)i));
}

static uint32_t seg_len(struct phyr_sg_table *t, int i)
{
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);

	return phyr_sg_dma_len(L, phyr_sg_entry(L, phyr_sg_table_sgl(t), (size_t)i));
}

/* Reports of @kind the checker made for @dev so far. */
static unsigned int nreports(struct phyr_dma_debug *dbg, const void *dev,
			     enum phyr_dma_debug_kind kind)
{
	struct phyr_dma_debug_report r;
	unsigned int n = 0;

	for (size_t i = 0; phyr_dma_debug_get_report(dbg, i, &r) == 0; i++)
		if (r.dev == dev && r.kind == kind)
			n++;
	return n;
}

/* No IOVA, PTE or bounce slot left by the device's cookie or the pool. */
static void assert_clean(struct phyr_system *s, struct phyr_iommu_dma_cookie *c)
{
	assert_int_equal(phyr_swiotlb_used(phyr_system_swiotlb(s)), 0);
	if (c) {
		struct phyr_iommu_stats st;
		uint64_t nodes = 1, pages = 1;

		phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(c));
		phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(c));
		phyr_iova_usage(phyr_iommu_dma_cookie_iovad(c), &nodes, &pages);
		phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(c), &st);
		assert_int_equal(nodes, 0);
		assert_int_equal(pages, 0);
		assert_int_equal(st.nbytes_mapped, st.nbytes_unmapped);
	}
}

/* ------------------------------------------------------------------ */
/* Item 1: one dma-iommu object; the sg path counts and falls back      */

/*
 * One map_phys and one 2-entry map_sg on the same device: the cookie saw
 * two IOVA allocations (before the redesign the sg path used a throw-away
 * cookie and the count read 1). 32-bit first: 0xfffff000 for the single
 * page, then the two pages of the list merge into one segment at
 * 0xffffc000 (a 2-granule IOVA is aligned to 2 granules).
 */
static void test_dma_redesign_one_cookie_counts_both_paths(void **state)
{
	struct phyr_system *s = build(NULL,
		"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
		"device pci=client dma-mask=64bit group=grp\n", NULL);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_iommu_dma_cookie *c = phyr_iommu_dma_get_cookie(d);
	const uint64_t ph[] = { 0x20000000, 0x20005000 };
	const uint32_t ln[] = { 4096, 4096 };
	struct phyr_sg_table *t = sgt_new(ph, ln, 2);
	struct phyr_iommu_dma_stats st;
	uint64_t dma = 0;
	int n = 0;

	(void)state;
	assert_non_null(c);
	assert_int_equal(phyr_dma_map_phys(d, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_mapping_error(d, dma), 0);
	assert_int_equal(dma, 0xfffff000);
	assert_int_equal(map_sgt(d, t, 2, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seg_addr(t, 0), 0xffffc000); /* 2-granule aligned below 0xfffff000 */
	assert_int_equal(seg_len(t, 0), 0x2000);
	phyr_iommu_dma_get_stats(c, &st);
	assert_int_equal(st.niova_allocs, 2);
	assert_int_equal(st.niova_bytes, 0x3000);
	assert_int_equal(st.nmaps, 1);
	assert_int_equal(st.nmap_sg, 1);
	assert_int_equal(st.nsegs_in, 2);
	assert_int_equal(st.nsegs_out, 1);
	assert_int_equal(st.nsac_fallbacks, 0);
	assert_int_equal(st.dac_bits, 0);
	assert_int_equal(unmap_sgt(d, t, 2, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(d, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_clean(s, c);
	phyr_sg_table_destroy(t);
	phyr_system_destroy(s);
}

/*
 * With the whole 32-bit IOVA space reserved, the first map of a PCI device
 * fails the 32-bit attempt and switches to the full limit for good
 * ("Using 48-bit DMA addresses": the mask is 64 bits, the default
 * aperture ends at 2^48 - 1). The sg path does exactly what the single
 * path does: one fallback, dac_bits 48, IOVAs at the top of the 48-bit
 * space (one device per path, each in its own group).
 */
static void test_dma_redesign_sg_dac_fallback_like_single(void **state)
{
	struct phyr_system *s = build(NULL,
		"iommu-group g1 type=dma format=arm-lpae-s1-4k reserve=0x1000-0xffffffff\n"
		"iommu-group g2 type=dma format=arm-lpae-s1-4k reserve=0x1000-0xffffffff\n"
		"device pci=client dma-mask=64bit group=g1\n"
		"device pci=ep2 dma-mask=64bit group=g2\n", NULL);
	struct phyr_device *single = dev_of(s, "client"), *sg = dev_of(s, "ep2");
	struct phyr_iommu_dma_cookie *c1 = phyr_iommu_dma_get_cookie(single);
	struct phyr_iommu_dma_cookie *c2 = phyr_iommu_dma_get_cookie(sg);
	const uint64_t ph[] = { 0x20000000, 0x20005000 };
	const uint32_t ln[] = { 4096, 4096 };
	struct phyr_sg_table *t = sgt_new(ph, ln, 2);
	struct phyr_iommu_dma_stats st1, st2;
	uint64_t dma = 0;
	int n = 0;

	(void)state;
	assert_ptr_not_equal(c1, c2);
	assert_true(phyr_iommu_dma_pci_32bit_workaround(single));
	assert_true(phyr_iommu_dma_pci_32bit_workaround(sg));
	assert_int_equal(phyr_dma_map_phys(single, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_mapping_error(single, dma), 0);
	assert_int_equal(dma, TOP48);
	assert_int_equal(map_sgt(sg, t, 2, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seg_addr(t, 0), 0xffffffffe000ull);
	phyr_iommu_dma_get_stats(c1, &st1);
	phyr_iommu_dma_get_stats(c2, &st2);
	assert_int_equal(st1.nsac_fallbacks, 1);
	assert_int_equal(st2.nsac_fallbacks, 1);
	assert_int_equal(st1.dac_bits, 48);
	assert_int_equal(st2.dac_bits, 48);
	assert_int_equal(st1.niova_allocs, 1);
	assert_int_equal(st2.niova_allocs, 1);
	assert_false(phyr_iommu_dma_pci_32bit_workaround(single));
	assert_false(phyr_iommu_dma_pci_32bit_workaround(sg));
	assert_int_equal(unmap_sgt(sg, t, 2, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(single, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_sg_table_destroy(t);
	phyr_system_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Item 3: dma-debug in the dispatch, every path alike                  */

/*
 * The same three seeded bugs on a device without an IOMMU, a device that
 * bounces everything (swiotlb=force) and a device behind a DMA domain: a
 * wrong-size unmap, a wrong-direction sync, a mapping never unmapped.
 * Every mapping is checked with phyr_dma_mapping_error, so no "unchecked"
 * report. Before the redesign the first two devices got no report at all.
 */
static void seeded_bugs(struct phyr_device *d)
{
	uint64_t a = 0, b = 0, c = 0;

	assert_int_equal(phyr_dma_map_phys(d, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &a), 0);
	assert_int_equal(phyr_dma_mapping_error(d, a), 0);
	assert_int_equal(phyr_dma_unmap_phys(d, a, 2048, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_phys(d, RAM0 + 0x2000, 4096, PHYR_DMA_FROM_DEVICE, 0, &b), 0);
	assert_int_equal(phyr_dma_mapping_error(d, b), 0);
	assert_int_equal(phyr_dma_sync_for_cpu(d, b, 4096, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(d, b, 4096, PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_phys(d, RAM0 + 0x4000, 4096, PHYR_DMA_TO_DEVICE, 0, &c), 0);
	assert_int_equal(phyr_dma_mapping_error(d, c), 0);
	/* c leaks */
}

static void test_dma_redesign_seeded_bugs_every_path(void **state)
{
	/* swiotlb=force: ep2 bounces everything; client does not use the pool */
	struct phyr_system *s = build("swiotlb start=0x70000000 nslabs=512 nareas=1 force=yes\n",
		"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
		"dma-debug mode=on\n"
		"device pci=client dma-mask=64bit swiotlb=no\n"
		"device pci=ep2 dma-mask=64bit\n"
		"device pci=ep3 dma-mask=64bit group=grp\n", NULL);
	struct phyr_device *devs[3] = { dev_of(s, "client"), dev_of(s, "ep2"), dev_of(s, "ep3") };
	struct phyr_dma_debug *dbg = phyr_system_dma_debug(s);
	struct phyr_device_stats st;

	(void)state;
	assert_non_null(dbg);
	assert_false(phyr_dma_is_force_bounce(devs[0]));
	assert_true(phyr_dma_is_force_bounce(devs[1]));
	assert_int_equal(phyr_dma_get_path(devs[0]), PHYR_DMA_PATH_DIRECT);
	assert_int_equal(phyr_dma_get_path(devs[1]), PHYR_DMA_PATH_DIRECT);
	assert_int_equal(phyr_dma_get_path(devs[2]), PHYR_DMA_PATH_IOMMU);
	for (int i = 0; i < 3; i++) {
		uint64_t nleaked = 0;

		seeded_bugs(devs[i]);
		assert_int_equal(phyr_dma_debug_teardown(dbg, devs[i], &nleaked), 0);
		assert_int_equal(nleaked, 1);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(nreports(dbg, devs[i], PHYR_DMA_DEBUG_UNMAP_SIZE), 1);
		assert_int_equal(nreports(dbg, devs[i], PHYR_DMA_DEBUG_SYNC_DIR), 1);
		assert_int_equal(nreports(dbg, devs[i], PHYR_DMA_DEBUG_LEAK), 1);
		assert_int_equal(nreports(dbg, devs[i], PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED), 0);
	}
	assert_int_equal(phyr_dma_debug_nreports(dbg), 9);
	/* the forced device really bounced its three mappings */
	phyr_device_get_stats(devs[1], &st);
	assert_int_equal(st.nbounced, 3);
	phyr_device_get_stats(devs[0], &st);
	assert_int_equal(st.nbounced, 0);
	phyr_system_destroy(s);
}

/*
 * phyr_dma_mapping_error exists on every path: a checked mapping leaves no
 * "unchecked" report. In strict mode an unchecked mapping is reported at
 * its unmap but the unmap, which is correct, is not refused: the mapping
 * is released (before the redesign it could never be).
 */
static void test_dma_redesign_mapping_error_and_strict_unmap(void **state)
{
	struct phyr_system *s = build(NULL,
		"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
		"dma-debug mode=strict\n"
		"device pci=client dma-mask=64bit\n"
		"device pci=ep3 dma-mask=64bit group=grp\n", NULL);
	struct phyr_device *devs[2] = { dev_of(s, "client"), dev_of(s, "ep3") };
	struct phyr_dma_debug *dbg = phyr_system_dma_debug(s);

	(void)state;
	assert_int_equal(phyr_dma_mapping_error(devs[0], PHYR_DMA_MAPPING_ERROR), -ENOMEM);
	assert_int_equal(phyr_dma_mapping_error(NULL, 0x1000), -EINVAL);
	for (int i = 0; i < 2; i++) {
		struct phyr_device *d = devs[i];
		struct phyr_device_stats st;
		uint64_t dma = 0, nleaked = 1;

		/* checked: no report */
		assert_int_equal(phyr_dma_map_phys(d, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
		assert_int_equal(phyr_dma_mapping_error(d, dma), 0);
		assert_int_equal(phyr_dma_unmap_phys(d, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
		assert_int_equal(nreports(dbg, d, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED), 0);
		/* unchecked: one report, the unmap goes through */
		assert_int_equal(phyr_dma_map_phys(d, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
		assert_int_equal(phyr_dma_unmap_phys(d, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
		assert_int_equal(nreports(dbg, d, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED), 1);
		phyr_device_get_stats(d, &st);
		assert_int_equal(st.nrefused, 0);
		assert_int_equal(st.nmaps, 2);
		assert_int_equal(st.nunmaps, 2);
		assert_int_equal(phyr_dma_debug_teardown(dbg, d, &nleaked), 0);
		assert_int_equal(nleaked, 0);
	}
	assert_clean(s, phyr_iommu_dma_get_cookie(devs[1]));
	assert_int_equal(phyr_dma_debug_nreports(dbg), 2);
	phyr_system_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Item 5: safe zeros                                                   */

/*
 * Domain options with only .ias = 39 set are a strict DMA domain (the zero
 * type), not a blocked one: the device takes the dma-iommu path and its
 * IOVAs stay below 2^39 (forcedac: straight to the top of the aperture).
 */
static void test_dma_redesign_ias39_is_a_dma_domain(void **state)
{
	struct phyr_system *s = build(NULL, "device pci=client dma-mask=64bit\n", NULL);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_iommu_domain_opts o = { .ias = 39 };
	struct phyr_iommu_dma_config cfg = { .domain = &o, .forcedac = true };
	struct phyr_iommu_dma_cookie *c = NULL;
	unsigned int ias = 0, oas = 0;
	uint64_t dma = 0;
	uint8_t buf[16], out[16];

	(void)state;
	/* the domain options alone */
	cfg.forcedac = false;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), 0);
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(c)),
			 PHYR_IOMMU_DOMAIN_DMA);
	phyr_iommu_dma_cookie_destroy(c);
	/* and with forcedac, to see the 39-bit aperture */
	cfg.forcedac = true;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), 0);
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(c)),
			 PHYR_IOMMU_DOMAIN_DMA);
	phyr_io_pgtable_geometry(phyr_iommu_domain_pgtable(phyr_iommu_dma_cookie_domain(c)), &ias,
				 &oas, NULL, NULL);
	assert_int_equal(ias, 39);
	assert_int_equal(oas, 48);
	assert_int_equal(phyr_iommu_setup_dma_ops(d, c), 0);
	assert_int_equal(phyr_dma_get_path(d), PHYR_DMA_PATH_IOMMU);
	assert_int_equal(phyr_dma_map_phys(d, RAM0, 16, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_mapping_error(d, dma), 0);
	assert_int_equal(dma, 0x7ffffff000ull);
	for (int i = 0; i < 16; i++)
		buf[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(phyr_physmem_write(phyr_system_physmem(s), RAM0, buf, 16), 0);
	assert_int_equal(phyr_device_dma_read(d, dma, out, 16), 0);
	assert_memory_equal(buf, out, 16);
	assert_int_equal(phyr_dma_unmap_phys(d, dma, 16, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_iommu_dma_cookie_destroy(c);
	assert_int_equal(phyr_dma_get_path(d), PHYR_DMA_PATH_DIRECT);
	phyr_system_destroy(s);
}

/* Impossible combinations are -EINVAL, with nothing created. */
static void test_dma_redesign_impossible_configs(void **state)
{
	struct phyr_iommu_domain_opts blocked = { .type = PHYR_IOMMU_DOMAIN_BLOCKED };
	struct phyr_iommu_domain_opts ident = { .type = PHYR_IOMMU_DOMAIN_IDENTITY };
	struct phyr_iommu_domain_opts fq3 = { .fq_size = 3 };
	struct phyr_iommu_dma_config cfg;
	struct phyr_iommu_dma_cookie *c = (void *)&cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.domain = &blocked;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), -EINVAL);
	assert_null(c);
	cfg.domain = &ident;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), -EINVAL);
	cfg.domain = &fq3;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), -EINVAL);
	/* force the aperture and do not force it */
	memset(&cfg, 0, sizeof(cfg));
	cfg.force_aperture = true;
	cfg.no_force_aperture = true;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), -EINVAL);
	assert_null(c);
	/* a reserved range given by count only */
	memset(&cfg, 0, sizeof(cfg));
	cfg.nresv = 1;
	assert_int_equal(phyr_iommu_dma_cookie_create(&cfg, NULL, &c), -EINVAL);
	/* the zero config is Linux's default */
	assert_int_equal(phyr_iommu_dma_cookie_create(NULL, NULL, &c), 0);
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(c)),
			 PHYR_IOMMU_DOMAIN_DMA);
	assert_int_equal(phyr_iommu_dma_cookie_granule(c), 4096);
	phyr_iommu_dma_cookie_destroy(c);
}

/* ------------------------------------------------------------------ */
/* Items 6 and 7: one statistics view; map_phyr on the device alone     */

/* map_phyr's signature: the device, the list, the direction, attrs, out. */
typedef int (*map_phyr_fn)(struct phyr_device *, const struct phyr *, size_t,
			   enum phyr_dma_data_direction, unsigned long, struct phyr_dma_phyr_map **);
_Static_assert(__builtin_types_compatible_p(__typeof__(&phyr_dma_map_phyr), map_phyr_fn),
	       "phyr_dma_map_phyr takes the device only (issue 8 item 7)");

/*
 * One 3-range list (page-aligned RAM, an unaligned 256-byte piece, RAM)
 * on an untrusted device, mapped once with map_phyr and once with map_sg:
 * the unaligned range bounces each time. The device's counters are the sum
 * over its paths: nbounced = cookie nbounced (no dma-direct bounce here) =
 * swiotlb maps = 2; the device counts 3 + 3 mapped entries.
 */
static void test_dma_redesign_counters_agree_phyr_and_sg(void **state)
{
	struct phyr_system *s = build(NULL,
		"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
		"device pci=client dma-mask=64bit untrusted=yes group=grp\n", NULL);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_iommu_dma_cookie *c = phyr_iommu_dma_get_cookie(d);
	const struct phyr cpu[3] = { { 0x20000000, 0x2000 }, { 0x20010200, 0x100 },
				     { 0x20020000, 0x1000 } };
	const uint64_t ph[3] = { 0x20000000, 0x20010200, 0x20020000 };
	const uint32_t ln[3] = { 0x2000, 0x100, 0x1000 };
	struct phyr_sg_table *t = sgt_new(ph, ln, 3);
	struct phyr_dma_phyr_map *m = NULL;
	struct phyr_dma_phyr_info info;
	struct phyr_iommu_dma_stats cst;
	struct phyr_swiotlb_stats sst;
	struct phyr_device_stats dst;
	int n = 0;

	(void)state;
	assert_int_equal(phyr_dma_map_phyr(d, cpu, 3, PHYR_DMA_TO_DEVICE, 0, &m), 0);
	phyr_dma_phyr_get_info(m, &info);
	assert_int_equal(info.nruns, 3);
	assert_int_equal(info.nbounced, 1);
	assert_int_equal(map_sgt(d, t, 3, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 3);
	phyr_device_get_stats(d, &dst);
	phyr_iommu_dma_get_stats(c, &cst);
	phyr_swiotlb_get_stats(phyr_system_swiotlb(s), &sst);
	assert_int_equal(dst.nbounced, 2);
	assert_int_equal(cst.nbounced, 2);
	assert_int_equal(sst.nmaps, 2);
	assert_int_equal(dst.nbytes_bounced, 0x200);
	assert_int_equal(sst.nbytes_to_device, 0x200);
	assert_int_equal(dst.nmaps, 6);
	assert_int_equal(dst.nbytes_mapped, 2 * 0x3100);
	assert_int_equal(dst.nmap_errors, 0);
	assert_int_equal(unmap_sgt(d, t, 3, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_device_get_stats(d, &dst);
	phyr_swiotlb_get_stats(phyr_system_swiotlb(s), &sst);
	assert_int_equal(dst.nunmaps, 6);
	assert_int_equal(sst.nunmaps, 2);
	assert_clean(s, c);
	phyr_sg_table_destroy(t);
	phyr_system_destroy(s);
}

/*
 * A mixed workload on three devices of one machine: a 32-bit device on
 * dma-direct (bounces what lies above 4 GiB, reaches provider A by bus
 * address), an untrusted and a trusted device sharing one DMA domain. The
 * device totals equal the sum over the paths that did the work.
 */
static void test_dma_redesign_device_totals_sum_over_paths(void **state)
{
	struct phyr_system *s = build(NULL,
		"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
		"device pci=client dma-mask=32bit\n"
		"device pci=ep2 dma-mask=64bit untrusted=yes group=grp\n"
		"device pci=ep3 dma-mask=64bit group=grp\n", NULL);
	struct phyr_device *dd = dev_of(s, "client"), *du = dev_of(s, "ep2"), *dt = dev_of(s, "ep3");
	struct phyr_iommu_dma_cookie *c = phyr_iommu_dma_get_cookie(du);
	const uint64_t ph_d[] = { 0x100001000ull, BAR_A, RAM0 + 0x3000 };
	const uint64_t ph_u[] = { 0x20000000, 0x20001100 };
	const uint64_t ph_t[] = { 0x20000000, BAR_A + 0x1000 };
	const uint32_t ln_d[] = { 4096, 4096, 4096 }, ln_u[] = { 4096, 0x40 }, ln_t[] = { 4096, 4096 };
	struct phyr_sg_table *td = sgt_new(ph_d, ln_d, 3), *tu = sgt_new(ph_u, ln_u, 2);
	struct phyr_sg_table *tt = sgt_new(ph_t, ln_t, 2);
	struct phyr_device *devs[3] = { dd, du, dt };
	struct phyr_device_stats st[3], sum;
	struct phyr_iommu_dma_stats cst;
	struct phyr_swiotlb_stats sst;
	uint64_t a0, a1, a2, a3;
	int n;

	(void)state;
	assert_ptr_equal(phyr_iommu_dma_get_cookie(dt), c);
	/* dma-direct: one plain, one bounced single; a list with a bounce and a bus address */
	assert_int_equal(phyr_dma_map_phys(dd, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &a0), 0);
	assert_int_equal(a0, RAM0);
	assert_int_equal(phyr_dma_map_phys(dd, 0x100000000ull, 4096, PHYR_DMA_TO_DEVICE, 0, &a1), 0);
	assert_int_equal(a1, 0x70000000);
	assert_int_equal(map_sgt(dd, td, 3, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(seg_addr(td, 1), BUS_A);
	/* untrusted: an unaligned single and an unaligned list entry bounce */
	assert_int_equal(phyr_dma_map_phys(du, RAM0 + 0x100, 0x80, PHYR_DMA_TO_DEVICE, 0, &a2), 0);
	assert_int_equal(map_sgt(du, tu, 2, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 2);
	/* trusted: a single and a list with a bus-address entry */
	assert_int_equal(phyr_dma_map_phys(dt, RAM0, 4096, PHYR_DMA_TO_DEVICE, 0, &a3), 0);
	assert_int_equal(map_sgt(dt, tt, 2, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(seg_addr(tt, 1), BUS_A + 0x1000);

	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < 3; i++) {
		phyr_device_get_stats(devs[i], &st[i]);
		sum.nmaps += st[i].nmaps;
		sum.nbounced += st[i].nbounced;
		sum.nbytes_bounced += st[i].nbytes_bounced;
		sum.nbus_addr += st[i].nbus_addr;
		sum.nbytes_mapped += st[i].nbytes_mapped;
	}
	phyr_iommu_dma_get_stats(c, &cst);
	phyr_swiotlb_get_stats(phyr_system_swiotlb(s), &sst);
	/* bounces: 2 by dma-direct + 2 by dma-iommu = every swiotlb map */
	assert_int_equal(st[0].nbounced, 2);
	assert_int_equal(st[1].nbounced + st[2].nbounced, cst.nbounced);
	assert_int_equal(cst.nbounced, 2);
	assert_int_equal(sum.nbounced, sst.nmaps);
	assert_int_equal(sst.nmaps, 4);
	assert_int_equal(sum.nbytes_bounced, sst.nbytes_to_device);
	assert_int_equal(sst.nbytes_to_device, 0x1000 + 0x1000 + 0x80 + 0x40);
	/* P2P bus addresses: 1 by dma-direct + 1 by dma-iommu */
	assert_int_equal(st[0].nbus_addr, 1);
	assert_int_equal(st[1].nbus_addr + st[2].nbus_addr, cst.nbus_entries);
	assert_int_equal(sum.nbus_addr, 2);
	/* mapped entries: 2 + 3 direct, 1 + 2 untrusted, 1 + 2 trusted */
	assert_int_equal(st[0].nmaps, 5);
	assert_int_equal(st[1].nmaps, 3);
	assert_int_equal(st[2].nmaps, 3);
	assert_int_equal(sum.nbytes_mapped, 5 * 0x1000 + 0x80 + 0x1040 + 3 * 0x1000);
	/* dma-iommu's own view: 2 singles + 2 entries mapped alone, 2 lists */
	assert_int_equal(cst.nmaps, 4);
	assert_int_equal(cst.nmap_sg, 2);

	assert_int_equal(unmap_sgt(dt, tt, 2, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(dt, a3, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(unmap_sgt(du, tu, 2, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(du, a2, 0x80, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(unmap_sgt(dd, td, 3, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(phyr_dma_unmap_phys(dd, a1, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_unmap_phys(dd, a0, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	for (int i = 0; i < 3; i++) {
		phyr_device_get_stats(devs[i], &st[i]);
		assert_int_equal(st[i].nunmaps, st[i].nmaps);
	}
	assert_clean(s, c);
	phyr_sg_table_destroy(td);
	phyr_sg_table_destroy(tu);
	phyr_sg_table_destroy(tt);
	phyr_system_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Item 11b: the default config's DAC fallback stays in the table       */

/* Fill pfns [1, 2^20) of the device's IOVA space: 2^19 + 2^18 + ... + 1. */
static void fill_32bit_space(struct phyr_device *d)
{
	uint64_t iova = 0;

	for (uint64_t pages = UINT64_C(1) << 19; pages; pages >>= 1) {
		assert_int_equal(phyr_iommu_dma_alloc_iova(d, pages << 12, 0xffffffff, &iova), 0);
		assert_int_equal(iova, pages << 12);
	}
	assert_int_equal(phyr_iommu_dma_alloc_iova(d, 4096, 0xffffffff, &iova), -ENOMEM);
}

static void check_read(struct phyr_system *s, struct phyr_device *d, uint64_t phys, uint64_t dma,
		       uint8_t seed)
{
	uint8_t buf[64], out[64];

	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(seed + i);
	assert_int_equal(phyr_physmem_write(phyr_system_physmem(s), phys, buf, 64), 0);
	memset(out, 0, sizeof(out));
	assert_int_equal(phyr_device_dma_read(d, dma, out, 64), 0);
	assert_memory_equal(buf, out, 64);
}

/*
 * A zeroed cookie config: once the 32-bit space is full, the PCI device
 * falls back to the full limit, which the default aperture (2^48 - 1)
 * keeps inside the 48-bit table: IOVA 0xfffffffff000, the map succeeds and
 * the device reads the bytes. It keeps working after everything is
 * unmapped (before the redesign: -ENOMEM, then -ERANGE forever).
 */
static void test_dma_redesign_default_dac_fallback(void **state)
{
	struct phyr_system *s = build(NULL, "device pci=client dma-mask=64bit\n", NULL);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_iommu_dma_cookie *c = NULL;
	struct phyr_iommu_dma_stats st;
	uint64_t dma = 0, dma2 = 0;

	(void)state;
	assert_int_equal(phyr_iommu_dma_cookie_create(NULL, NULL, &c), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(d, c), 0);
	fill_32bit_space(d);
	assert_int_equal(phyr_dma_map_phys(d, RAM0, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_mapping_error(d, dma), 0);
	assert_int_equal(dma, TOP48);
	assert_true(dma < (UINT64_C(1) << 48));
	check_read(s, d, RAM0, dma, 0x11);
	phyr_iommu_dma_get_stats(c, &st);
	assert_int_equal(st.nsac_fallbacks, 1);
	assert_int_equal(st.dac_bits, 48);
	assert_int_equal(phyr_dma_unmap_phys(d, dma, 64, PHYR_DMA_TO_DEVICE, 0), 0);
	/* the device still maps, again and again */
	assert_int_equal(phyr_dma_map_phys(d, RAM0 + 0x1000, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_map_phys(d, RAM0 + 0x2000, 64, PHYR_DMA_TO_DEVICE, 0, &dma2), 0);
	assert_int_equal(dma, TOP48);
	assert_int_equal(dma2, TOP48 - 0x1000);
	check_read(s, d, RAM0 + 0x2000, dma2, 0x22);
	assert_int_equal(phyr_dma_unmap_phys(d, dma, 64, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_unmap_phys(d, dma2, 64, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_iommu_dma_get_stats(c, &st);
	assert_int_equal(st.nsac_fallbacks, 1);
	assert_int_equal(st.nmap_errors, 0);
	phyr_iommu_dma_cookie_destroy(c);
	phyr_system_destroy(s);
}

/*
 * One transient -ENOMEM inside the IOVA tree (the node allocation of the
 * first 32-bit attempt fails): the device leaves the 32-bit space as Linux
 * does, its DAC IOVA is inside the table, and it keeps mapping.
 */
static void test_dma_redesign_transient_enomem_keeps_mapping(void **state)
{
	struct phyr_system *s = build(NULL, "device pci=client dma-mask=64bit\n", NULL);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_iommu_dma_cookie *c = NULL;
	struct phyr_iommu_dma_stats st;
	struct phyr_failnth fn = { 0 };
	struct phyr_allocator a;
	uint64_t dma = 0, dma2 = 0;

	(void)state;
	phyr_failnth_allocator(&fn, &a);
	assert_int_equal(phyr_iommu_dma_cookie_create(NULL, &a, &c), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(d, c), 0);
	fn.fail_at = fn.nallocs + 1; /* the next allocation: the IOVA tree's node */
	assert_int_equal(phyr_dma_map_phys(d, RAM0, 64, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_true(fn.nallocs >= fn.fail_at); /* the failure was met */
	assert_int_equal(dma, TOP48);
	check_read(s, d, RAM0, dma, 0x33);
	phyr_iommu_dma_get_stats(c, &st);
	assert_int_equal(st.nsac_fallbacks, 1);
	assert_int_equal(st.dac_bits, 48);
	assert_int_equal(st.niova_alloc_fails, 0);
	assert_int_equal(phyr_dma_unmap_phys(d, dma, 64, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_phys(d, RAM0 + 0x1000, 64, PHYR_DMA_TO_DEVICE, 0, &dma2), 0);
	assert_int_equal(dma2, TOP48);
	check_read(s, d, RAM0 + 0x1000, dma2, 0x44);
	assert_int_equal(phyr_dma_unmap_phys(d, dma2, 64, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_iommu_dma_cookie_destroy(c);
	assert_int_equal(fn.nlive, 0);
	phyr_system_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Items 11c and 11d: no allocation on the unmap paths                  */

/* An allocator that allows @budget more allocations (-1: any), then fails. */
struct gate {
	int64_t budget;
	uint64_t nallocs;  /* allocations asked for */
	uint64_t nrefused; /* of which refused */
};

static void *gate_alloc(void *ctx, size_t size)
{
	struct gate *g = ctx;

	g->nallocs++;
	if (g->budget == 0) {
		g->nrefused++;
		return NULL;
	}
	if (g->budget > 0)
		g->budget--;
	return malloc(size);
}

static void gate_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

/*
 * dma-direct with swiotlb=force: a 3-entry bidirectional list bounces
 * every entry. With every allocation refused after the map, unmap_sg
 * returns 0, asks for no memory, gives every slot back and copies the
 * device's bytes back (Linux's unmap cannot fail).
 */
static void test_dma_redesign_direct_unmap_sg_never_allocates(void **state)
{
	struct gate g = { .budget = -1 };
	const struct phyr_allocator a = { gate_alloc, gate_free, &g };
	struct phyr_system *s = build("swiotlb start=0x70000000 nslabs=512 nareas=1 force=yes\n",
				      "device pci=client dma-mask=64bit\n", &a);
	struct phyr_device *d = dev_of(s, "client");
	const uint64_t ph[] = { RAM0, RAM0 + 0x3000, RAM0 + 0x8100 };
	const uint32_t ln[] = { 4096, 0x800, 0x100 };
	struct phyr_sg_table *t = sgt_new(ph, ln, 3);
	uint8_t zero[64] = { 0 }, dev_bytes[64], out[64];
	struct phyr_device_stats st;
	uint64_t nallocs;
	int n = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(phyr_physmem_write(phyr_system_physmem(s), ph[i], zero, 64), 0);
	assert_int_equal(map_sgt(d, t, 3, PHYR_DMA_BIDIRECTIONAL, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(phyr_swiotlb_used(phyr_system_swiotlb(s)), 2 + 1 + 1); /* 2 KiB slots */
	for (int i = 0; i < 64; i++)
		dev_bytes[i] = (uint8_t)(0x5a ^ i);
	assert_int_equal(phyr_device_dma_write(d, seg_addr(t, 2), dev_bytes, 64), 0);
	g.budget = 0;
	nallocs = g.nallocs;
	assert_int_equal(unmap_sgt(d, t, 3, PHYR_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(g.nallocs, nallocs);
	assert_int_equal(g.nrefused, 0);
	assert_int_equal(phyr_swiotlb_used(phyr_system_swiotlb(s)), 0);
	assert_int_equal(phyr_physmem_read(phyr_system_physmem(s), ph[2], out, 64), 0);
	assert_memory_equal(out, dev_bytes, 64);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nbounced, 3);
	assert_int_equal(st.nunmaps, 3);
	g.budget = -1;
	phyr_sg_table_destroy(t);
	phyr_system_destroy(s);
}

/*
 * dma-debug reads the scatterlist itself: once the list is tracked, its
 * unmap needs no memory (nothing allocated, nothing reported, no leak).
 * And when the checker cannot track a list (allocations refused from the
 * map on) it disables itself as Linux does ("debugging out of memory -
 * disabling"), so no false leak either, whether it ran out at the first
 * segment or at the second.
 */
static void debug_sg_round(int64_t budget, bool expect_disabled, uint64_t expect_entries)
{
	struct gate g = { .budget = -1 };
	const struct phyr_allocator a = { gate_alloc, gate_free, &g };
	struct phyr_system *s = build("", "dma-debug mode=on\ndevice pci=client dma-mask=64bit\n",
				      &a);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_dma_debug *dbg = phyr_system_dma_debug(s);
	const uint64_t ph[] = { RAM0, RAM0 + 0x3000 };
	const uint32_t ln[] = { 4096, 4096 };
	struct phyr_sg_table *t = sgt_new(ph, ln, 2);
	struct phyr_dma_debug_stats dst;
	uint64_t nleaked = 1, nallocs;
	int n = 0;

	/* budget -2: refuse only after the map (the tracked list's unmap) */
	g.budget = budget == -2 ? -1 : budget;
	assert_int_equal(map_sgt(d, t, 2, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 2);
	g.budget = 0;
	nallocs = g.nallocs;
	assert_int_equal(unmap_sgt(d, t, 2, PHYR_DMA_TO_DEVICE), 0);
	assert_int_equal(g.nallocs, nallocs);
	assert_int_equal(phyr_dma_debug_teardown(dbg, d, &nleaked), 0);
	assert_int_equal(nleaked, 0);
	assert_int_equal(phyr_dma_debug_nreports(dbg), 0);
	phyr_dma_debug_get_stats(dbg, &dst);
	assert_int_equal(dst.nentries, expect_entries);
	assert_int_equal(dst.disabled, expect_disabled);
	assert_int_equal(dst.nnomem, expect_disabled ? 1 : 0);
	g.budget = -1;
	phyr_sg_table_destroy(t);
	phyr_system_destroy(s);
}

static void test_dma_redesign_debug_sg_no_false_leak(void **state)
{
	(void)state;
	debug_sg_round(-2, false, 0); /* tracked, then no memory for the unmap */
	debug_sg_round(0, true, 0);   /* no memory for the first segment */
	/* memory for the first segment only: its entry stays, unlooked at,
	 * as in Linux, where a disabled dma-debug returns from every hook */
	debug_sg_round(1, true, 1);
}

/* ------------------------------------------------------------------ */
/* Item 11f: P2P pages on an untrusted device                           */

/*
 * Provider C's BAR is NOT_SUPPORTED for the client. Linux v6.17's
 * iommu_dma_map_sg_swiotlb (drivers/iommu/dma-iommu.c), the map_sg of an
 * untrusted device, does not classify P2P pages: it maps every entry with
 * iommu_dma_map_phys, so the list maps (one IOVA per entry, two segments).
 * libphyr's map_phyr classifies every range on every path and refuses the
 * same list with -EREMOTEIO, leaving nothing mapped (docs/dma.md).
 */
static void test_dma_redesign_untrusted_p2p_not_supported(void **state)
{
	struct phyr_system *s = build(NULL,
		"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
		"device pci=client dma-mask=64bit untrusted=yes group=grp\n", NULL);
	struct phyr_device *d = dev_of(s, "client");
	struct phyr_iommu_dma_cookie *c = phyr_iommu_dma_get_cookie(d);
	const uint64_t ph[] = { RAM0, BAR_C };
	const uint32_t ln[] = { 4096, 4096 };
	const struct phyr cpu[2] = { { RAM0, 4096 }, { BAR_C, 4096 } };
	struct phyr_sg_table *t = sgt_new(ph, ln, 2);
	struct phyr_dma_phyr_map *m = NULL;
	struct phyr_iommu_dma_stats st;
	struct phyr_device_stats dst;
	int n = 0;

	(void)state;
	assert_int_equal(map_sgt(d, t, 2, PHYR_DMA_TO_DEVICE, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(seg_addr(t, 0), 0xfffff000);
	assert_int_equal(seg_addr(t, 1), 0xffffe000);
	assert_int_equal(seg_len(t, 1), 4096);
	assert_int_equal(phyr_iommu_iova_to_phys(phyr_iommu_dma_cookie_domain(c), 0xffffe000),
			 BAR_C);
	phyr_iommu_dma_get_stats(c, &st);
	assert_int_equal(st.nbus_entries, 0);
	assert_int_equal(st.nmaps, 2);
	assert_int_equal(unmap_sgt(d, t, 2, PHYR_DMA_TO_DEVICE), 0);

	assert_int_equal(phyr_dma_map_phyr(d, cpu, 2, PHYR_DMA_TO_DEVICE, 0, &m), -EREMOTEIO);
	assert_null(m);
	phyr_device_get_stats(d, &dst);
	assert_int_equal(dst.nmap_errors, 1);
	assert_clean(s, c);
	phyr_sg_table_destroy(t);
	phyr_system_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_redesign_one_cookie_counts_both_paths),
		cmocka_unit_test(test_dma_redesign_sg_dac_fallback_like_single),
		cmocka_unit_test(test_dma_redesign_seeded_bugs_every_path),
		cmocka_unit_test(test_dma_redesign_mapping_error_and_strict_unmap),
		cmocka_unit_test(test_dma_redesign_ias39_is_a_dma_domain),
		cmocka_unit_test(test_dma_redesign_impossible_configs),
		cmocka_unit_test(test_dma_redesign_counters_agree_phyr_and_sg),
		cmocka_unit_test(test_dma_redesign_device_totals_sum_over_paths),
		cmocka_unit_test(test_dma_redesign_default_dac_fallback),
		cmocka_unit_test(test_dma_redesign_transient_enomem_keeps_mapping),
		cmocka_unit_test(test_dma_redesign_direct_unmap_sg_never_allocates),
		cmocka_unit_test(test_dma_redesign_debug_sg_no_false_leak),
		cmocka_unit_test(test_dma_redesign_untrusted_p2p_not_supported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
