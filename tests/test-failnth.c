// SPDX-License-Identifier: MIT
/*
 * Allocation-failure sweeps for the public entry points that allocate and
 * have no sweep in their module's own test file (see docs/reliability.md,
 * "Allocation failure", for the full list). Each case fails the n-th
 * allocation of one call, n = 1, 2, ... until the call succeeds, and checks
 * after every failure: the return code (-ENOMEM), the object's observable
 * state unchanged, nothing leaked (live blocks back to what they were),
 * the object still usable (the same call then succeeds with the reference
 * result), and, at destroy, every block freed with its allocation size.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/iommu.h"
#include "phyr/list.h"
#include "phyr/machine.h"
#include "phyr/pages.h"
#include "phyr/scatterlist.h"

#define RW (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)

/* The observable state of a case's object: filled by the case, compared whole. */
struct snap {
	uint64_t v[64];
};

struct fcase {
	const char *name;
	/* Builds the object with allocator @a; returns the case context. */
	void *(*setup)(const struct phyr_allocator *a);
	/* The entry point under test. */
	int (*op)(void *ctx);
	void (*snap)(void *ctx, struct snap *s);
	void (*teardown)(void *ctx);
	/* Allocations the call makes (so that the sweep's length is pinned). */
	uint64_t nallocs;
	/*
	 * Blocks a failed call may keep, freed with the object: empty page
	 * tables allocated before the failure (Linux's io-pgtable keeps them
	 * too), or reserved capacity (the scatterlist's chunk records).
	 */
	uint64_t kept;
};

static void check_no_leak(const struct phyr_failnth *f)
{
	assert_int_equal(f->nlive, 0);
	assert_int_equal(f->nbytes_live, 0);
	assert_int_equal(f->nbad_frees, 0);
}

static void run_case(const struct fcase *c)
{
	struct snap ref_after, before, now;
	uint64_t nfailed = 0;
	void *ctx;

	/* Reference: no failure. */
	{
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;

		phyr_failnth_allocator(&f, &a);
		ctx = c->setup(&a);
		assert_int_equal(c->op(ctx), 0);
		memset(&ref_after, 0, sizeof(ref_after));
		c->snap(ctx, &ref_after);
		c->teardown(ctx);
		check_no_leak(&f);
	}
	for (uint64_t n = 1;; n++) {
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		uint64_t base;
		int ret;

		phyr_failnth_allocator(&f, &a);
		ctx = c->setup(&a);
		memset(&before, 0, sizeof(before));
		c->snap(ctx, &before);
		base = f.nlive;
		f.fail_at = f.nallocs + n;
		ret = c->op(ctx);
		memset(&now, 0, sizeof(now));
		c->snap(ctx, &now);
		if (f.nallocs < f.fail_at) {
			/* the call made fewer than n allocations: it succeeded */
			assert_int_equal(ret, 0);
			assert_memory_equal(&now, &ref_after, sizeof(now));
			c->teardown(ctx);
			check_no_leak(&f);
			break;
		}
		nfailed++;
		if (ret != -ENOMEM)
			print_error("%s: allocation %llu failed, call returned %d\n", c->name,
				    (unsigned long long)n, ret);
		assert_int_equal(ret, -ENOMEM);
		assert_memory_equal(&now, &before, sizeof(now));
		assert_in_range(f.nlive, base, base + c->kept);
		/* still usable: the same call now gives the reference result */
		f.fail_at = 0;
		assert_int_equal(c->op(ctx), 0);
		memset(&now, 0, sizeof(now));
		c->snap(ctx, &now);
		assert_memory_equal(&now, &ref_after, sizeof(now));
		c->teardown(ctx);
		check_no_leak(&f);
	}
	if (nfailed != c->nallocs)
		print_error("%s: %llu allocations, expected %llu\n", c->name,
			    (unsigned long long)nfailed, (unsigned long long)c->nallocs);
	assert_int_equal(nfailed, c->nallocs);
}

/* ------------------------------------------------------------------ */
/* IOMMU                                                               */

struct iommu_ctx {
	struct phyr_iommu_domain *d;
	struct phyr_io_pgtable *pt;
};

static void *iommu_setup(const struct phyr_allocator *a)
{
	struct phyr_iommu_domain_opts o = { .type = PHYR_IOMMU_DOMAIN_DMA,
					    .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, .alloc = a };
	struct iommu_ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(phyr_iommu_domain_create(&o, &c->d), 0);
	assert_int_equal(phyr_iommu_map(c->d, 0x1000, 0x1000, 0x1000, RW), 0);
	return c;
}

static void iommu_teardown(void *ctx)
{
	struct iommu_ctx *c = ctx;

	phyr_iommu_domain_destroy(c->d);
	phyr_io_pgtable_destroy(c->pt);
	free(c);
}

/*
 * What is mapped, probed around every boundary the calls cross. Empty
 * intermediate tables allocated before a failure stay (as in Linux, whose
 * io-pgtable does not free them either), so table counts are not state.
 */
static const uint64_t probes[] = {
	0x0, 0x1000, 0x2000, UINT64_C(0x7fffe00000), UINT64_C(0x7fffffffff),
	UINT64_C(0x8000000000), UINT64_C(0x80001ff000), UINT64_C(0x8000200000),
	UINT64_C(0x80003ff000), UINT64_C(0x8000400000), UINT64_C(0xc000000000),
};

static void iommu_snap(void *ctx, struct snap *s)
{
	struct iommu_ctx *c = ctx;
	struct phyr_io_pgtable *pt = c->pt ? c->pt : phyr_iommu_domain_pgtable(c->d);
	struct phyr_io_pgtable_stats st;
	size_t i = 0;

	for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++)
		s->v[i++] = phyr_io_pgtable_iova_to_phys(pt, probes[p]);
	phyr_io_pgtable_get_stats(pt, &st);
	for (int l = 0; l < 4; l++)
		s->v[i++] = st.nleaves[l];
}

/*
 * map_sg of three runs from just below 512 GiB: a level-2 and a level-3
 * table under the existing level-1 table, then a level-1, level-2 and
 * level-3 table past 512 GiB (5 allocations).
 */
static int op_iommu_map_sg(void *ctx)
{
	struct iommu_ctx *c = ctx;
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	static const struct { uint64_t phys; uint32_t len; } ents[] = {
		{ 0x100000, 0x200000 },
		{ 0x400000, 0x201000 },
		{ 0x800000, 0x1000 },
	};
	unsigned char sgl[3 * 64];
	uint64_t mapped = 0;
	int ret;

	assert_true(L->size * 3 <= sizeof(sgl));
	assert_int_equal(phyr_sg_init_table(L, (struct phyr_scatterlist *)sgl, 3), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(phyr_sg_set_phys(L, phyr_sg_entry(L, (struct phyr_scatterlist *)sgl, i),
						  ents[i].phys, 0, ents[i].len),
				 0);
	ret = phyr_iommu_map_sg(c->d, UINT64_C(0x7fffe00000), L, (struct phyr_scatterlist *)sgl, 3,
				RW, &mapped);
	if (ret == 0)
		assert_int_equal(mapped, 0x402000);
	return ret;
}

static void test_failnth_iommu_map_sg(void **state)
{
	const struct fcase c = { "iommu_map_sg", iommu_setup, op_iommu_map_sg, iommu_snap,
				 iommu_teardown, 5, 3 };

	(void)state;
	run_case(&c);
}

static void *pgtable_setup(const struct phyr_allocator *a)
{
	struct iommu_ctx *c = calloc(1, sizeof(*c));
	uint64_t mapped = 0;

	assert_non_null(c);
	assert_int_equal(phyr_io_pgtable_create(PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, 48, 48, a, &c->pt),
			 0);
	assert_int_equal(phyr_io_pgtable_map_pages(c->pt, 0x1000, 0x1000, 0x1000, 1, RW, &mapped),
			 0);
	return c;
}

/* 16 4K pages at 512 GiB: a new level-1, level-2 and level-3 table. */
static int op_pgtable_map_pages(void *ctx)
{
	struct iommu_ctx *c = ctx;
	uint64_t mapped = 0;
	int ret = phyr_io_pgtable_map_pages(c->pt, UINT64_C(0x8000000000), 0x200000, 0x1000, 16,
					    RW, &mapped);

	assert_int_equal(mapped, ret ? 0 : 0x10000);
	return ret;
}

static void test_failnth_io_pgtable_map_pages(void **state)
{
	const struct fcase c = { "io_pgtable_map_pages", pgtable_setup, op_pgtable_map_pages,
				 iommu_snap, iommu_teardown, 3, 3 };

	(void)state;
	run_case(&c);
}

/*
 * set_pgtable keeps its documented failure state: no table, bitmap 0 (a
 * domain whose alloc_io_pgtable_ops failed); nothing leaks, and a second
 * set_pgtable then works.
 */
static void test_failnth_iommu_set_pgtable(void **state)
{
	uint64_t nfailed = 0;

	(void)state;
	for (uint64_t n = 1;; n++) {
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		struct iommu_ctx *c;
		int ret;

		phyr_failnth_allocator(&f, &a);
		c = iommu_setup(&a);
		f.fail_at = f.nallocs + n;
		ret = phyr_iommu_domain_set_pgtable(c->d, PHYR_IOMMU_FMT_X86_64_4L, 48, 48);
		if (f.nallocs < f.fail_at) {
			assert_int_equal(ret, 0);
			iommu_teardown(c);
			check_no_leak(&f);
			break;
		}
		nfailed++;
		assert_int_equal(ret, -ENOMEM);
		assert_null(phyr_iommu_domain_pgtable(c->d));
		assert_int_equal(phyr_iommu_domain_pgsize_bitmap(c->d), 0);
		assert_int_equal(phyr_iommu_map(c->d, 0x2000, 0x2000, 0x1000, RW), -ENODEV);
		f.fail_at = 0;
		assert_int_equal(phyr_iommu_domain_set_pgtable(c->d, PHYR_IOMMU_FMT_X86_64_4L, 48, 48),
				 0);
		assert_int_equal(phyr_iommu_map(c->d, 0x2000, 0x2000, 0x1000, RW), 0);
		assert_int_equal(phyr_iommu_iova_to_phys(c->d, 0x2abc), 0x2abc);
		iommu_teardown(c);
		check_no_leak(&f);
	}
	/* the table object, its table registry (two arrays), the top-level table */
	assert_int_equal(nfailed, 4);
}

/* ------------------------------------------------------------------ */
/* Simulated physical memory                                           */

static void *pm_setup(const struct phyr_allocator *a)
{
	struct phyr_physmem *pm = NULL;
	unsigned char b[64];

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i + 1);
	assert_int_equal(phyr_physmem_create(a, &pm), 0);
	assert_int_equal(phyr_physmem_write(pm, 0x1fc0, b, sizeof(b)), 0); /* pages 1, 2 */
	return pm;
}

static void pm_teardown(void *ctx)
{
	phyr_physmem_destroy(ctx);
}

/* Backing of pages 0..15 and a checksum of their bytes. */
static void pm_snap(void *ctx, struct snap *s)
{
	static unsigned char buf[16 * 4096];
	struct phyr_physmem_stats st;
	uint64_t sum = 0;

	for (uint64_t p = 0; p < 16; p++)
		s->v[p] = phyr_physmem_is_backed(ctx, p << 12);
	assert_int_equal(phyr_physmem_read(ctx, 0, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		sum = sum * 31 + buf[i];
	s->v[16] = sum;
	phyr_physmem_get_stats(ctx, &st);
	s->v[17] = st.npages;
}

static int op_pm_memset(void *ctx)
{
	return phyr_physmem_memset(ctx, 0x1800, 0xab, 0x3000); /* pages 1..4 */
}

static int op_pm_copy(void *ctx)
{
	return phyr_physmem_copy(ctx, 0x8ff0, 0x1fc0, 0x2040); /* into pages 8..11 */
}

static int op_pm_prefault(void *ctx)
{
	return phyr_physmem_prefault(ctx, 0x4000, 0x8000); /* pages 4..11 */
}

static void test_failnth_physmem(void **state)
{
	/* memset: 3 new pages; copy: 4; prefault: 8 (the page table has room) */
	const struct fcase cases[] = {
		{ "physmem_memset", pm_setup, op_pm_memset, pm_snap, pm_teardown, 3, 0 },
		{ "physmem_copy", pm_setup, op_pm_copy, pm_snap, pm_teardown, 4, 0 },
		{ "physmem_prefault", pm_setup, op_pm_prefault, pm_snap, pm_teardown, 8, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* ------------------------------------------------------------------ */
/* Machine and PCI topology                                            */

struct mach_ctx {
	struct phyr_machine *m;
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *dev;
	struct phyr_pci_dev *added;
};

static void *mach_setup(const struct phyr_allocator *a)
{
	struct mach_ctx *c = calloc(1, sizeof(*c));
	struct phyr_pci_dev_config dc = { .type = PHYR_PCI_ENDPOINT };
	/* memory encryption on, so that decrypted ranges show in lookups */
	struct phyr_machine_config mc = { .mem_encrypt_mask = UINT64_C(1) << 47 };

	assert_non_null(c);
	assert_int_equal(phyr_machine_create(&mc, a, &c->m), 0);
	/* fill the memory map to its first capacity (8), so the next range grows it */
	for (int i = 0; i < 8; i++)
		assert_int_equal(phyr_machine_add_ram(c->m, (uint64_t)i << 20, 0x10000), 0);
	assert_int_equal(phyr_pci_host_bridge_add(c->m, 0, 0, &c->h), 0);
	dc.host = c->h;
	assert_int_equal(phyr_pci_dev_add(c->m, &dc, &c->dev), 0);
	return c;
}

static void mach_teardown(void *ctx)
{
	struct mach_ctx *c = ctx;

	phyr_machine_destroy(c->m);
	free(c);
}

static const uint64_t mach_probes[] = {
	0x0, 0x8000, 0x100000, 0x101000, 0x102000, 0x700000, 0x900000, 0x903000, 0x904000, 0x10000000,
	UINT64_C(0xf0000000), UINT64_C(0xf0008000),
};

static void mach_snap(void *ctx, struct snap *s)
{
	struct mach_ctx *c = ctx;
	size_t i = 0;

	for (size_t p = 0; p < sizeof(mach_probes) / sizeof(mach_probes[0]); p++) {
		struct phyr_mem_region r = { 0 };

		s->v[i++] = (uint64_t)phyr_machine_lookup(c->m, mach_probes[p], &r);
		s->v[i++] = r.type;
		s->v[i++] = r.start;
		s->v[i++] = r.size;
		s->v[i++] = r.decrypted;
	}
	s->v[i++] = phyr_machine_max_pfn(c->m);
	s->v[i++] = c->added ? phyr_pci_dev_devfn(c->added) + 1u : 0;
}

static int op_add_ram(void *ctx)
{
	struct mach_ctx *c = ctx;

	return phyr_machine_add_ram(c->m, 0x900000, 0x4000);
}

static int op_set_decrypted(void *ctx)
{
	struct mach_ctx *c = ctx;

	return phyr_machine_set_decrypted(c->m, 0x100000, 0x2000);
}

static int op_set_bar(void *ctx)
{
	struct mach_ctx *c = ctx;

	return phyr_pci_dev_set_bar(c->dev, 0, UINT64_C(0xf0000000), 0x10000,
				    UINT64_C(0xf0000000));
}

static int op_dev_add(void *ctx)
{
	struct mach_ctx *c = ctx;
	struct phyr_pci_dev_config dc = { .type = PHYR_PCI_ENDPOINT, .host = c->h, .devfn = 8 };
	struct phyr_pci_dev *d = NULL;
	int ret = phyr_pci_dev_add(c->m, &dc, &d);

	if (ret == 0)
		c->added = d;
	else
		assert_null(d);
	return ret;
}

static int op_host_bridge_add(void *ctx)
{
	struct mach_ctx *c = ctx;
	struct phyr_pci_host_bridge *h = NULL;
	int ret = phyr_pci_host_bridge_add(c->m, 1, 0, &h);

	if (ret)
		assert_null(h);
	return ret;
}

static void test_failnth_machine(void **state)
{
	const struct fcase cases[] = {
		{ "machine_add_ram", mach_setup, op_add_ram, mach_snap, mach_teardown, 1, 0 },
		{ "machine_set_decrypted", mach_setup, op_set_decrypted, mach_snap, mach_teardown, 1, 0 },
		{ "pci_dev_set_bar", mach_setup, op_set_bar, mach_snap, mach_teardown, 1, 0 },
		{ "pci_dev_add", mach_setup, op_dev_add, mach_snap, mach_teardown, 1, 0 },
		{ "pci_host_bridge_add", mach_setup, op_host_bridge_add, mach_snap, mach_teardown, 1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* ------------------------------------------------------------------ */
/* Scatterlists, bio_vecs, lists                                       */

static const uint64_t pfns[] = { 0x100, 0x101, 0x102, 0x200, 0x201, 0x300, 0x400, 0x401 };

static void *sg_setup(const struct phyr_allocator *a)
{
	struct phyr_sg_table *t = NULL;

	assert_int_equal(phyr_sg_table_create(PHYR_SG_LAYOUT_64, a, &t), 0);
	return t;
}

static void sg_teardown(void *ctx)
{
	phyr_sg_table_destroy(ctx);
}

static void sg_snap(void *ctx, struct snap *s)
{
	struct phyr_sg_bytes b;
	size_t i = 0;

	s->v[i++] = phyr_sg_table_nents(ctx);
	s->v[i++] = phyr_sg_table_orig_nents(ctx);
	s->v[i++] = phyr_sg_table_nchunks(ctx);
	phyr_sg_table_bytes(ctx, &b);
	s->v[i++] = b.alloc_bytes;
	s->v[i++] = b.data_entries;
	for (struct phyr_scatterlist *sg = phyr_sg_table_sgl(ctx); sg && i < 60;
	     sg = phyr_sg_next(phyr_sg_table_layout(ctx), sg)) {
		s->v[i++] = phyr_sg_phys(phyr_sg_table_layout(ctx), sg);
		s->v[i++] = phyr_sg_length(phyr_sg_table_layout(ctx), sg);
	}
}

/* 8 pages with a 4-page segment limit: 5 entries, one chunk. */
static int op_sg_from_pages_segment(void *ctx)
{
	return phyr_sg_alloc_table_from_pages_segment(ctx, pfns, NULL, 8, 0x10, 8 * 4096 - 0x20,
						      2 * 4096);
}

static void test_failnth_sg_from_pages_segment(void **state)
{
	const struct fcase c = { "sg_alloc_table_from_pages_segment", sg_setup,
				 op_sg_from_pages_segment, sg_snap, sg_teardown, 2, 1 };

	(void)state;
	run_case(&c);
}

/* Constructors: -ENOMEM, *out untouched, nothing held; pinned counts. */
static void test_failnth_constructors(void **state)
{
	(void)state;
	for (int which = 0; which < 5; which++) {
		uint64_t nfailed = 0;

		for (uint64_t n = 1;; n++) {
			struct phyr_failnth f = { .fail_at = n };
			struct phyr_allocator a;
			void *out = (void *)&f; /* a sentinel: must stay */
			struct phyr_bio_vec *vecs = (struct phyr_bio_vec *)&f;
			size_t count = 99;
			int ret = -1;

			phyr_failnth_allocator(&f, &a);
			switch (which) {
			case 0:
				ret = phyr_sg_table_create(PHYR_SG_LAYOUT_64, &a,
							   (struct phyr_sg_table **)&out);
				if (!ret)
					phyr_sg_table_destroy(out);
				break;
			case 1:
				ret = phyr_list_create(NULL, &a, (struct phyr_list **)&out);
				if (!ret)
					phyr_list_destroy(out);
				break;
			case 2:
				ret = phyr_io_pgtable_create(PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, 48, 48, &a,
							     (struct phyr_io_pgtable **)&out);
				if (!ret)
					phyr_io_pgtable_destroy(out);
				break;
			case 4:
				ret = phyr_physmem_create(&a, (struct phyr_physmem **)&out);
				if (!ret)
					phyr_physmem_destroy(out);
				break;
			case 3:
				ret = phyr_bvec_from_pages(pfns, NULL, 8, 0x10, 8 * 4096 - 0x20, &a,
							   &vecs, &count);
				if (!ret) {
					assert_int_equal(count, 4);
					assert_int_equal(vecs[1].bv_len, 0x2000);
					phyr_bvec_free(&a, vecs, count);
				} else {
					assert_ptr_equal(vecs, (void *)&f);
				}
				break;
			}
			if (ret == 0) {
				check_no_leak(&f);
				break;
			}
			nfailed++;
			assert_int_equal(ret, -ENOMEM);
			assert_ptr_equal(out, (void *)&f);
			check_no_leak(&f);
		}
		/* sg table: 1 block; list: 1; io-pgtable: object, registry (2), pgd;
		 * bvec: the array; physmem: the object (its page hash grows on use) */
		assert_int_equal(nfailed, which == 2 ? 4 : 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failnth_iommu_map_sg),
		cmocka_unit_test(test_failnth_io_pgtable_map_pages),
		cmocka_unit_test(test_failnth_iommu_set_pgtable),
		cmocka_unit_test(test_failnth_physmem),
		cmocka_unit_test(test_failnth_machine),
		cmocka_unit_test(test_failnth_sg_from_pages_segment),
		cmocka_unit_test(test_failnth_constructors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
