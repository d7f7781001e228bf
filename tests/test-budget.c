// SPDX-License-Identifier: MIT
/*
 * The memory budget of the simulated structures: a page table never holds
 * more table bytes than its budget; a map whose tables alone pass it is
 * refused up front (-ENOMEM, nothing changed); a map that reaches it on the
 * way fails with -ENOMEM and iommu_map's unwinding leaves the mappings as
 * they were. The byte figures are the stats' nbytes (4 KiB granule: one
 * page per table, the top-level table included).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>

#include "phyr/iommu.h"
#include "phyr/machine.h"

#define SZ_4K UINT64_C(0x1000)
#define SZ_4G UINT64_C(0x100000000)
#define RW (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)

static struct phyr_iommu_domain *new_dom(uint64_t budget)
{
	struct phyr_iommu_domain_opts o = { .type = PHYR_IOMMU_DOMAIN_DMA,
					    .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
					    .max_table_bytes = budget };
	struct phyr_iommu_domain *d = NULL;

	assert_int_equal(phyr_iommu_domain_create(&o, &d), 0);
	return d;
}

static void table_stats(struct phyr_iommu_domain *d, struct phyr_io_pgtable_stats *st)
{
	memset(st, 0, sizeof(*st));
	phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(d), st);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The reliability audit's script: IAS 43, then 132 TiB from IOVA 0xc0000 to
 * PA 0xc0000000. IOVA - PA has bit 18 as its lowest set bit, so only 4 KiB
 * pages fit: 2^25 level-3 tables (128 GiB) before -ERANGE. Without a budget
 * the model allocated gigabytes; under the default one the request is
 * refused before anything is allocated.
 */
static void test_budget_audit_script(void **state)
{
	struct phyr_iommu_domain *d = new_dom(0);
	struct phyr_io_pgtable_stats st;
	struct rusage ru;
	double t0;

	(void)state;
	assert_int_equal(phyr_iommu_domain_set_pgtable(d, PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, 43, 96), 0);
	t0 = now_s();
	assert_int_equal(phyr_iommu_map(d, 0x000c0000, 0xc0000000, UINT64_C(0x840000000000), RW),
			 -ENOMEM);
	assert_true(now_s() - t0 < 1.0);
	table_stats(d, &st);
	assert_int_equal(st.max_bytes, UINT64_C(256) << 20);
	assert_int_equal(st.max_bytes, PHYR_IOMMU_DEFAULT_MAX_TABLE_BYTES);
	assert_int_equal(st.nbudget_refusals, 1);
	assert_int_equal(st.ntables, 1);       /* the pgd only: nothing was allocated */
	assert_int_equal(st.nbytes, SZ_4K);
	assert_int_equal(st.ntable_allocs, 1);
	assert_int_equal(st.nleaves[3], 0);
	assert_int_equal(phyr_iommu_iova_to_phys(d, 0xc0000), 0);
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	assert_true(ru.ru_maxrss < 256 * 1024); /* KiB */
	/* still usable: a map inside the budget works */
	assert_int_equal(phyr_iommu_map(d, 0x000c0000, 0xc0000000, 0x40000, RW), 0);
	assert_int_equal(phyr_iommu_iova_to_phys(d, 0xc0000 + 0x1234), 0xc0001234);
	phyr_iommu_domain_destroy(d);
}

/*
 * A 12 MiB budget: 4 GiB of 4 KiB pages needs the pgd, one level-1, four
 * level-2 and 2048 level-3 tables: 2054 pages (8 MiB + 24 KiB). A second
 * 4 GiB does not pass the budget alone (8 MiB), so it starts, reaches
 * 12 MiB on the way, fails with -ENOMEM and is unwound.
 */
static void test_budget_reached_on_the_way(void **state)
{
	struct phyr_iommu_domain *d = new_dom(UINT64_C(12) << 20);
	struct phyr_io_pgtable_stats st;

	(void)state;
	assert_int_equal(phyr_iommu_map(d, 0, SZ_4K, SZ_4G, RW), 0);
	table_stats(d, &st);
	assert_int_equal(st.ntables, 2054);
	assert_int_equal(st.nbytes, 2054 * SZ_4K);
	assert_int_equal(st.nleaves[3], 1048576);
	assert_int_equal(st.nbudget_refusals, 0);

	assert_int_equal(phyr_iommu_map(d, SZ_4G, SZ_4K, SZ_4G, RW), -ENOMEM);
	table_stats(d, &st);
	assert_int_equal(st.nbudget_refusals, 1);
	assert_true(st.nbytes <= UINT64_C(12) << 20);
	/*
	 * The partial map was unwound by iommu_unmap in 2 MiB steps, which free
	 * the level-3 tables as Linux frees them; the new level-2 table for
	 * [4 GiB, 5 GiB) stays, empty, as it stays in Linux.
	 */
	assert_int_equal(st.nleaves[3], 1048576);
	assert_int_equal(st.ntables, 2055);
	assert_int_equal(st.ntables_level[3], 5);    /* level 2 (index level + 1) */
	assert_int_equal(st.ntables_level[4], 2048); /* level 3 */
	assert_int_equal(st.nbytes, 2055 * SZ_4K);
	assert_int_equal(phyr_iommu_iova_to_phys(d, SZ_4G), 0);
	assert_int_equal(phyr_iommu_iova_to_phys(d, SZ_4G - SZ_4K + 5), SZ_4G + 5);
	/* usable: unmap everything, then the second range fits */
	assert_int_equal(phyr_iommu_unmap(d, 0, SZ_4G), SZ_4G);
	assert_int_equal(phyr_iommu_map(d, SZ_4G, SZ_4K, SZ_4G, RW), 0);
	phyr_iommu_domain_destroy(d);
}

/* Refused up front: 8 GiB of 4 KiB pages needs 4096 tables (16 MiB) > 12 MiB. */
static void test_budget_refused_up_front(void **state)
{
	struct phyr_iommu_domain *d = new_dom(UINT64_C(12) << 20);
	struct phyr_io_pgtable_stats st;

	(void)state;
	assert_int_equal(phyr_iommu_map(d, 0, SZ_4K, 2 * SZ_4G, RW), -ENOMEM);
	table_stats(d, &st);
	assert_int_equal(st.nbudget_refusals, 1);
	assert_int_equal(st.ntables, 1);
	assert_int_equal(st.ntable_allocs, 1);
	/* the same size with IOVA == PA uses 1 GiB blocks: 1 table, accepted */
	assert_int_equal(phyr_iommu_map(d, 0, 0, 2 * SZ_4G, RW), 0);
	table_stats(d, &st);
	assert_int_equal(st.ntables, 2);
	assert_int_equal(st.nleaves[1], 8);
	phyr_iommu_domain_destroy(d);
}

/* The budget on a bare table and at creation. */
static void test_budget_pgtable(void **state)
{
	struct phyr_iommu_domain_opts o = { .type = PHYR_IOMMU_DOMAIN_DMA,
					    .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
					    .max_table_bytes = 100 };
	struct phyr_iommu_domain *d = NULL;
	struct phyr_io_pgtable *pt = NULL;
	struct phyr_io_pgtable_stats st;
	uint64_t mapped = 0;

	(void)state;
	/* the pgd alone (4 KiB) passes a 100-byte budget */
	assert_int_equal(phyr_iommu_domain_create(&o, &d), -ENOMEM);
	assert_null(d);
	assert_int_equal(phyr_io_pgtable_set_max_bytes(NULL, 1), -EINVAL);
	assert_int_equal(phyr_io_pgtable_create(PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, 48, 48, NULL, &pt), 0);
	/* a budget of the pgd and two tables: level 1 and 2 fit, level 3 not */
	assert_int_equal(phyr_io_pgtable_set_max_bytes(pt, 3 * SZ_4K), 0);
	assert_int_equal(phyr_io_pgtable_map_pages(pt, 0, 0, SZ_4K, 1, RW, &mapped), -ENOMEM);
	assert_int_equal(mapped, 0);
	memset(&st, 0, sizeof(st));
	phyr_io_pgtable_get_stats(pt, &st);
	assert_int_equal(st.max_bytes, 3 * SZ_4K);
	assert_int_equal(st.nbytes, 3 * SZ_4K);
	assert_int_equal(st.ntables, 3);
	assert_int_equal(st.nbudget_refusals, 1);
	/* a 2 MiB block needs no level-3 table */
	assert_int_equal(phyr_io_pgtable_map_pages(pt, 0, 0, 0x200000, 1, RW, &mapped), 0);
	assert_int_equal(mapped, 0x200000);
	/* 0 restores the default */
	assert_int_equal(phyr_io_pgtable_set_max_bytes(pt, 0), 0);
	mapped = 0;
	assert_int_equal(phyr_io_pgtable_map_pages(pt, 0x200000, 0, SZ_4K, 1, RW, &mapped), 0);
	assert_int_equal(mapped, SZ_4K);
	phyr_io_pgtable_destroy(pt);
}

/* The budget of a simulated physical memory, in backed pages. */
static void test_budget_physmem(void **state)
{
	struct phyr_physmem *pm = NULL;
	struct phyr_physmem_stats st;
	uint8_t buf[2 * 4096], back[2 * 4096];

	(void)state;
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.max_bytes, UINT64_C(512) << 20);
	/* a request that alone passes the default budget: refused, nothing backed */
	assert_int_equal(phyr_physmem_prefault(pm, 0, (512u << 20) + 1), -ENOMEM);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 0);
	assert_int_equal(st.npage_allocs, 0);
	assert_int_equal(st.nbudget_refusals, 1);

	assert_int_equal(phyr_physmem_set_max_bytes(NULL, 4096), -EINVAL);
	assert_int_equal(phyr_physmem_set_max_bytes(pm, 3 * 4096 + 100), 0);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(phyr_physmem_write(pm, 0x10000, buf, 2 * 4096), 0);
	/* 2 backed + 2 more > 3 pages: refused, the contents unchanged */
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(phyr_physmem_write(pm, 0x12000, buf, 2 * 4096), -ENOMEM);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.max_bytes, 3 * 4096);
	assert_int_equal(st.npages, 2);
	assert_int_equal(st.nbytes_pages, 2 * 4096);
	assert_int_equal(st.nbudget_refusals, 2);
	assert_int_equal(phyr_physmem_read(pm, 0x10000, back, sizeof(back)), 0);
	memset(buf, 0xa5, sizeof(buf));
	assert_memory_equal(back, buf, sizeof(buf));
	/* within the budget: one more page */
	assert_int_equal(phyr_physmem_write(pm, 0x12000, buf, 4096), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 3);
	phyr_physmem_destroy(pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_audit_script),
		cmocka_unit_test(test_budget_reached_on_the_way),
		cmocka_unit_test(test_budget_refused_up_front),
		cmocka_unit_test(test_budget_pgtable),
		cmocka_unit_test(test_budget_physmem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
