// SPDX-License-Identifier: MIT
/*
 * Allocation-failure sweeps over the DMA dispatch: every allocation a call
 * makes is failed in turn, on a fresh system each time (the page-table
 * tables a clean run allocates stay in the table, so a reused system would
 * not allocate them again). One counting allocator (phyr_failnth) serves
 * the machine, the swiotlb pool, the device and the dma-iommu cookie, so
 * the IOVA nodes, the page-table tables, the simulated memory's pages and
 * the mappings' own bookkeeping are all swept. The dma-debug checker
 * (on malloc) sees every call, so nothing may stay tracked either.
 *
 * After each failure: the exact errno; no IOVA range left in the tree (the
 * range caches flushed first), no PTE at any IOVA the clean run used, no
 * bounce slot in use; then the same call on the same system succeeds with
 * the clean run's exact result, and after unmap and teardown nothing is
 * live and every free had its allocation's size.
 *
 * Machine: RAM [0, 2 GiB) and [4 GiB, 8 GiB); PCI host bridge, root port
 * 00:01.0, endpoint 01:00.0 (the device); swiotlb pool at 0x7000_0000
 * (512 slots, one area).
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

#include "phyr/common.h"
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

#define POOL 0x70000000ull
#define G 0x1000ull
#define MAXSEG 8

/* How the device reaches memory. */
enum kind {
	K_IOMMU,     /* trusted PCI device on a DMA domain */
	K_UNTRUSTED, /* untrusted PCI device on a DMA domain: unaligned data bounces */
	K_SWIOTLB,   /* dma-direct with every mapping forced through swiotlb */
};

struct env {
	struct phyr_failnth f;
	struct phyr_allocator a;
	struct phyr_machine *m;
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *rp, *ep;
	struct phyr_swiotlb_memory mem;
	struct phyr_swiotlb *tlb;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d;
	struct phyr_dma_debug *dbg;
	/* what the operation leaves for the undo */
	struct phyr_sg_table *sgt;
	int nents;
	struct phyr_dma_iova_state st;
	struct phyr_dma_phyr_map *pm;
};

/* The result of one operation, compared field by field with a clean run. */
struct res {
	int n;              /* DMA segments / ranges */
	uint64_t addr[MAXSEG];
	uint64_t len[MAXSEG];
	uint64_t iova, iova_len;
	uint64_t nbounced;
};

static struct env *env_new(enum kind k)
{
	struct env *e = calloc(1, sizeof(*e));
	struct phyr_pci_dev_config c = { 0 };
	struct phyr_swiotlb_config sc = { 0 };
	struct phyr_device_config dc;
	struct phyr_iommu_dma_config ic = { 0 };

	assert_non_null(e);
	phyr_failnth_allocator(&e->f, &e->a); /* fail_at 0: never, while building */
	assert_int_equal(phyr_machine_create(NULL, &e->a, &e->m), 0);
	assert_int_equal(phyr_machine_add_ram(e->m, 0, 0x80000000ull), 0);
	assert_int_equal(phyr_machine_add_ram(e->m, 0x100000000ull, 0x100000000ull), 0);
	assert_int_equal(phyr_pci_host_bridge_add(e->m, 0, 0, &e->h), 0);
	c.host = e->h;
	c.devfn = PHYR_PCI_DEVFN(0, 0);
	c.type = PHYR_PCI_HOST_DEVICE;
	c.vendor = PHYR_PCI_VENDOR_INTEL;
	c.device = 0x2030;
	assert_int_equal(phyr_pci_dev_add(e->m, &c, NULL), 0);
	c.devfn = PHYR_PCI_DEVFN(1, 0);
	c.type = PHYR_PCI_ROOT_PORT;
	assert_int_equal(phyr_pci_dev_add(e->m, &c, &e->rp), 0);
	c.parent = e->rp;
	c.devfn = 0;
	c.type = PHYR_PCI_ENDPOINT;
	assert_int_equal(phyr_pci_dev_add(e->m, &c, &e->ep), 0);
	phyr_dma_swiotlb_memory(e->m, &e->mem);
	sc.start = POOL;
	sc.nslabs = 512;
	sc.nareas = 1;
	sc.memory = &e->mem;
	sc.force_bounce = k == K_SWIOTLB;
	assert_int_equal(phyr_swiotlb_create(&sc, &e->a, &e->tlb), 0);

	phyr_device_config_init_pci(&dc, e->ep);
	dc.untrusted = k == K_UNTRUSTED;
	if (k == K_UNTRUSTED)
		dc.min_align_mask = G - 1; /* as NVMe: two-step bounces keep the offset */
	assert_int_equal(phyr_device_create(e->m, &dc, &e->a, &e->dev), 0);
	if (k == K_SWIOTLB) {
		assert_int_equal(phyr_device_use_swiotlb(e->dev, e->tlb), 0);
	} else {
		ic.swiotlb = e->tlb;
		assert_int_equal(phyr_iommu_dma_cookie_create(&ic, &e->a, &e->d), 0);
		assert_int_equal(phyr_iommu_setup_dma_ops(e->dev, e->d), 0);
	}
	/* a checker on malloc: one that cannot allocate an entry disables
	 * itself and lets the call succeed, as Linux's (test-dma-debug) */
	assert_int_equal(phyr_dma_debug_create(NULL, NULL, &e->dbg), 0);
	assert_int_equal(phyr_device_set_dma_debug(e->dev, e->dbg), 0);
	return e;
}

/* Tear down; nothing the allocator handed out may stay live. */
static void env_free(struct env *e)
{
	assert_int_equal(phyr_dma_debug_nentries(e->dbg, NULL), 0);
	phyr_device_set_dma_debug(e->dev, NULL);
	phyr_dma_debug_destroy(e->dbg);
	phyr_iommu_dma_cookie_destroy(e->d);
	phyr_device_destroy(e->dev);
	phyr_swiotlb_destroy(e->tlb);
	phyr_machine_destroy(e->m);
	assert_int_equal(e->f.nlive, 0);
	assert_int_equal(e->f.nbytes_live, 0);
	assert_int_equal(e->f.nbad_frees, 0);
	phyr_sg_table_destroy(e->sgt);
	free(e);
}

/* ---- the operations and their undo ---------------------------------- */


static uint8_t payload[0x3000];

/* CPU data where the operations read, so a bounce copies real bytes. */
static void fill(struct env *e)
{
	struct phyr_physmem *pm = phyr_machine_physmem(e->m);

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(phyr_physmem_write(pm, 0x10000000ull, payload, sizeof(payload)), 0);
	assert_int_equal(phyr_physmem_write(pm, 0x20000000ull, payload, 0x1000), 0);
}

/* map_phys of [0x1000_0200, +0x2000): three pages, unaligned both ends. */
static int op_map_phys(struct env *e, struct res *r)
{
	int ret = phyr_dma_map_phys(e->dev, 0x10000200ull, 0x2000, PHYR_DMA_TO_DEVICE, 0,
				    &r->addr[0]);

	if (!ret) {
		r->n = 1;
		r->len[0] = 0x2000;
	}
	return ret;
}

static void undo_map_phys(struct env *e, const struct res *r)
{
	assert_int_equal(phyr_dma_unmap_phys(e->dev, r->addr[0], 0x2000, PHYR_DMA_TO_DEVICE, 0), 0);
}

static const uint64_t sg_phys[3] = { 0x10000000ull, 0x10001000ull, 0x20000800ull };
static const uint32_t sg_len[3] = { 0x1000, 0x1000, 0x600 };

/* map_sg of three entries: two contiguous pages and a sub-page tail. */
static int op_map_sg(struct env *e, struct res *r)
{
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sg;
	int ret, count = 0;

	phyr_sg_table_destroy(e->sgt);
	assert_int_equal(phyr_sg_table_create(PHYR_SG_LAYOUT_DEFAULT, NULL, &e->sgt), 0);
	assert_int_equal(phyr_sg_alloc_table(e->sgt, 3), 0);
	L = phyr_sg_table_layout(e->sgt);
	sg = phyr_sg_table_sgl(e->sgt);
	for (int i = 0; i < 3; i++, sg = phyr_sg_next(L, sg))
		assert_int_equal(phyr_sg_set_phys(L, sg, sg_phys[i], 0, sg_len[i]), 0);
	e->nents = 3;
	ret = phyr_dma_map_sg(e->dev, L, phyr_sg_table_sgl(e->sgt), 3, PHYR_DMA_TO_DEVICE, 0,
			      &count);
	if (ret)
		return ret;
	assert_true(count >= 1 && count <= MAXSEG);
	r->n = count;
	for (int i = 0; i < count; i++) {
		sg = phyr_sg_entry(L, phyr_sg_table_sgl(e->sgt), (size_t)i);
		r->addr[i] = phyr_sg_dma_address(L, sg);
		r->len[i] = phyr_sg_dma_len(L, sg);
	}
	return 0;
}

static void undo_map_sg(struct env *e, const struct res *r)
{
	(void)r;
	assert_int_equal(phyr_dma_unmap_sg(e->dev, phyr_sg_table_layout(e->sgt),
					   phyr_sg_table_sgl(e->sgt), e->nents, PHYR_DMA_TO_DEVICE,
					   0),
			 0);
}

/* two-step: dma_iova_try_alloc, then two links; a failed link is freed. */
#define LINK_PHYS 0x10000200ull
#define LINK_LEN 0x2e00ull
static int op_iova_link(struct env *e, struct res *r)
{
	int ret = phyr_dma_iova_try_alloc(e->dev, &e->st, LINK_PHYS, LINK_LEN);

	if (ret)
		return ret;
	ret = phyr_dma_iova_link(e->dev, &e->st, LINK_PHYS, 0, 0x1e00, PHYR_DMA_TO_DEVICE, 0);
	if (!ret)
		ret = phyr_dma_iova_link(e->dev, &e->st, 0x20000000ull, 0x1e00, 0x1000,
					 PHYR_DMA_TO_DEVICE, 0);
	if (!ret)
		ret = phyr_dma_iova_sync(e->dev, &e->st, 0, LINK_LEN);
	if (ret) {
		/* the driver's unwind: unlink what was linked, free the IOVA */
		phyr_dma_iova_destroy(e->dev, &e->st, 0, PHYR_DMA_TO_DEVICE, 0);
		return ret;
	}
	r->n = 1;
	r->addr[0] = e->st.addr;
	r->len[0] = e->st.size & ~(UINT64_C(1) << 63);
	r->nbounced = e->st.size >> 63; /* the state's "used swiotlb" bit */
	return 0;
}

static void undo_iova_link(struct env *e, const struct res *r)
{
	(void)r;
	assert_int_equal(phyr_dma_iova_destroy(e->dev, &e->st, LINK_LEN, PHYR_DMA_TO_DEVICE, 0),
			 0);
}

static const struct phyr phyr_runs[3] = {
	{ 0x10000200ull, 0x1e00 }, { 0x10002000ull, 0x1000 }, { 0x20000000ull, 0x800 },
};

static int op_map_phyr(struct env *e, struct res *r)
{
	struct phyr_dma_phyr_info info;
	const struct phyr *l;
	size_t n;
	int ret;

	ret = phyr_dma_map_phyr(e->dev, phyr_runs, 3, PHYR_DMA_TO_DEVICE, 0, &e->pm);
	if (ret) {
		assert_null(e->pm);
		return ret;
	}
	phyr_dma_phyr_get_info(e->pm, &info);
	l = phyr_dma_phyr_list(e->pm, &n);
	assert_true(n >= 1 && n <= MAXSEG);
	r->n = (int)n;
	for (size_t i = 0; i < n; i++) {
		r->addr[i] = l[i].addr;
		r->len[i] = l[i].len;
	}
	r->iova = info.iova;
	r->iova_len = info.iova_len;
	r->nbounced = info.nbounced;
	return 0;
}

static void undo_map_phyr(struct env *e, const struct res *r)
{
	(void)r;
	assert_int_equal(phyr_dma_unmap_phyr(e->pm, PHYR_DMA_TO_DEVICE, 0), 0);
	e->pm = NULL;
}

/* ---- the sweep ------------------------------------------------------- */

struct op {
	const char *name;
	int (*run)(struct env *e, struct res *r);
	void (*undo)(struct env *e, const struct res *r);
};

static const struct op OP_MAP_PHYS = { "map_phys", op_map_phys, undo_map_phys };
static const struct op OP_MAP_SG = { "map_sg", op_map_sg, undo_map_sg };
static const struct op OP_IOVA_LINK = { "iova_link", op_iova_link, undo_iova_link };
static const struct op OP_MAP_PHYR = { "map_phyr", op_map_phyr, undo_map_phyr };

static void assert_same(const struct res *a, const struct res *b)
{
	assert_int_equal(a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		assert_int_equal(a->addr[i], b->addr[i]);
		assert_int_equal(a->len[i], b->len[i]);
	}
	assert_int_equal(a->iova, b->iova);
	assert_int_equal(a->iova_len, b->iova_len);
	assert_int_equal(a->nbounced, b->nbounced);
}

/* IOVA ranges in the tree with the caches flushed (0 without a cookie). */
static uint64_t iova_nodes(struct env *e)
{
	uint64_t nodes = 0, pages = 0;

	if (!e->d)
		return 0;
	phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(e->d));
	phyr_iova_usage(phyr_iommu_dma_cookie_iovad(e->d), &nodes, &pages);
	return nodes;
}

/* Granules of IOVA the clean run mapped: none may translate now. */
static void assert_unmapped(struct env *e, const struct res *ref)
{
	struct phyr_iommu_domain *dom;

	if (!e->d)
		return;
	dom = phyr_iommu_dma_cookie_domain(e->d);
	for (int i = 0; i < ref->n; i++) {
		uint64_t a = ref->addr[i] & ~(G - 1), end = ref->addr[i] + ref->len[i];

		for (; a < end; a += G)
			assert_int_equal(phyr_iommu_iova_to_phys(dom, a), 0);
	}
	for (uint64_t a = ref->iova; a < ref->iova + ref->iova_len; a += G)
		assert_int_equal(phyr_iommu_iova_to_phys(dom, a), 0);
}

/* Addresses compare exactly, except bounce slots of a forced-bounce
 * device: swiotlb's next-fit cursor is not rewound by a release (Linux's
 * area->index), so a retry after a list that bounced part way lands
 * further on. */
static void assert_retry_same(enum kind k, const struct res *r, const struct res *ref)
{
	struct res a = *r, b = *ref;

	if (k == K_SWIOTLB) {
		for (int i = 0; i < a.n; i++) {
			assert_true(a.addr[i] >= POOL && a.addr[i] < POOL + 512 * 2048);
			a.addr[i] = b.addr[i];
		}
	}
	assert_same(&a, &b);
}

/*
 * Fail allocation n = 1, 2, ... of @op on a fresh @k system, for every
 * allocation the clean call makes. Returns one letter per n: 'M' the call
 * failed with -ENOMEM, 'I' with -EIO, 'r' the failure was recovered inside
 * the call (it returned 0 with the clean run's result, e.g. the IOVA
 * allocator's flush-and-retry) into @out (size @outlen).
 */
static void sweep(enum kind k, const struct op *op, const struct res *expect, char *out,
		  size_t outlen)
{
	struct res ref, r;
	struct env *e;
	uint64_t n, nallocs, nodes0, used0;
	int ret;

	/* the clean run */
	e = env_new(k);
	fill(e);
	memset(&ref, 0, sizeof(ref));
	nallocs = e->f.nallocs;
	assert_int_equal(op->run(e, &ref), 0);
	nallocs = e->f.nallocs - nallocs;
	if (expect)
		assert_same(&ref, expect);
	op->undo(e, &ref);
	env_free(e);
	assert_true(nallocs < outlen);

	for (n = 1; n <= nallocs; n++) {
		e = env_new(k);
		fill(e);
		nodes0 = iova_nodes(e);
		used0 = phyr_swiotlb_used(e->tlb);
		e->f.fail_at = e->f.nallocs + n;
		memset(&r, 0, sizeof(r));
		ret = op->run(e, &r);
		e->f.fail_at = 0;
		if (ret == 0) {
			out[n - 1] = 'r';
			assert_retry_same(k, &r, &ref);
			op->undo(e, &r);
		} else if (ret == -ENOMEM || ret == -EIO) {
			out[n - 1] = ret == -ENOMEM ? 'M' : 'I';
		} else {
			fail_msg("%s kind %d: allocation %llu of %llu failed: got %d", op->name,
				 (int)k, (unsigned long long)n, (unsigned long long)nallocs, ret);
		}
		/* nothing left: no IOVA, no PTE, no slot, nothing tracked */
		assert_int_equal(iova_nodes(e), nodes0);
		assert_unmapped(e, &ref);
		assert_int_equal(phyr_swiotlb_used(e->tlb), used0);
		assert_int_equal(phyr_dma_debug_nentries(e->dbg, NULL), 0);
		/* the device is still usable: the clean run's result */
		memset(&r, 0, sizeof(r));
		assert_int_equal(op->run(e, &r), 0);
		assert_retry_same(k, &r, &ref);
		op->undo(e, &r);
		env_free(e);
	}
	out[nallocs] = '\0';
	print_message("%s kind %d: %s\n", op->name, (int)k, out);
}

/* ---- the tests ------------------------------------------------------- */

#define SWEEP(k, op, expect, want)                                  \
	do {                                                        \
		char got_[64];                                      \
		sweep(k, op, expect, got_, sizeof(got_));           \
		assert_string_equal(got_, want);                    \
	} while (0)

/* The IOVA node (its failure is retried after a cache flush, as Linux's
 * alloc_iova_fast), then the three tables below the top level. */
static void test_failnth_map_phys_iommu(void **state)
{
	/* 3 granules rounded to 4 by the range cache, top-down below 4 GiB
	 * (PCI, 32-bit first): IOVA 0xffffc000, offset 0x200 kept */
	const struct res want = { .n = 1, .addr = { 0xffffc200ull }, .len = { 0x2000 } };

	(void)state;
	SWEEP(K_IOMMU, &OP_MAP_PHYS, &want, "rMMM");
}

/* The bounce first: the slot's three pages of simulated memory (the copy
 * to the device), then the IOVA node and the tables. */
static void test_failnth_map_phys_untrusted(void **state)
{
	(void)state;
	SWEEP(K_UNTRUSTED, &OP_MAP_PHYS, NULL, "MMMrMMM");
}

/* dma-direct, forced bounce: the slot's two pages. */
static void test_failnth_map_phys_swiotlb(void **state)
{
	(void)state;
	SWEEP(K_SWIOTLB, &OP_MAP_PHYS, NULL, "MM");
}

/* One IOVA for the list: its node, then the tables. */
static void test_failnth_map_sg_iommu(void **state)
{
	(void)state;
	SWEEP(K_IOMMU, &OP_MAP_SG, NULL, "rMMM");
}

/* Per entry (iommu_dma_map_sg_swiotlb, which fails with -EIO as
 * Linux's): IOVA node and tables; the second page shares the tables; the
 * sub-page tail bounces (one slot page) before its IOVA node. */
static void test_failnth_map_sg_untrusted(void **state)
{
	(void)state;
	SWEEP(K_UNTRUSTED, &OP_MAP_SG, NULL, "rIIIrIr");
}

/* dma_direct_map_sg: one slot page per entry; a failed entry is -EIO. */
static void test_failnth_map_sg_swiotlb(void **state)
{
	(void)state;
	SWEEP(K_SWIOTLB, &OP_MAP_SG, NULL, "III");
}

/* try_alloc's IOVA node, then the first link's tables. */
static void test_failnth_iova_link_iommu(void **state)
{
	(void)state;
	SWEEP(K_IOMMU, &OP_IOVA_LINK, NULL, "rMMM");
}

/* The IOVA node, then the links' tables and the head's slot page. */
static void test_failnth_iova_link_untrusted(void **state)
{
	(void)state;
	SWEEP(K_UNTRUSTED, &OP_IOVA_LINK, NULL, "rMMMM");
}

/* The handle and the DMA-range array, the IOVA node, the tables, and the
 * final shrink of the range array (optional: on failure the big array
 * is kept). */
static void test_failnth_map_phyr_iommu(void **state)
{
	(void)state;
	SWEEP(K_IOMMU, &OP_MAP_PHYR, NULL, "MMrMMMr");
}

/* As above, plus the bounce bookkeeping and the slot pages of the
 * unaligned ranges before the IOVA. */
static void test_failnth_map_phyr_untrusted(void **state)
{
	(void)state;
	SWEEP(K_UNTRUSTED, &OP_MAP_PHYR, NULL, "MMMMMMrMMMr");
}

/* The handle and arrays (-ENOMEM), then each range's slot pages: a range
 * dma-direct cannot map is -EIO, as dma_direct_map_sg. */
static void test_failnth_map_phyr_swiotlb(void **state)
{
	(void)state;
	SWEEP(K_SWIOTLB, &OP_MAP_PHYR, NULL, "MMIIII");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failnth_map_phys_iommu),
		cmocka_unit_test(test_failnth_map_phys_untrusted),
		cmocka_unit_test(test_failnth_map_phys_swiotlb),
		cmocka_unit_test(test_failnth_map_sg_iommu),
		cmocka_unit_test(test_failnth_map_sg_untrusted),
		cmocka_unit_test(test_failnth_map_sg_swiotlb),
		cmocka_unit_test(test_failnth_iova_link_iommu),
		cmocka_unit_test(test_failnth_iova_link_untrusted),
		cmocka_unit_test(test_failnth_map_phyr_iommu),
		cmocka_unit_test(test_failnth_map_phyr_untrusted),
		cmocka_unit_test(test_failnth_map_phyr_swiotlb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
