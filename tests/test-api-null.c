// SPDX-License-Identifier: MIT
/*
 * Every exported function of the listed public headers, called with a NULL
 * object (and otherwise valid arguments): actions return -EINVAL, getters
 * the value their header documents for NULL (0, false, NULL or a zeroed
 * out-structure), destroy and other void calls do nothing. Nothing crashes.
 *
 * To extend: add the header to `headers` below and one row per function to
 * NULL_TABLE (or its name to `no_object` when it takes no object). The test
 * reads the headers (their directory is the first argument) and fails if an
 * exported function is in neither list.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "phyr/account.h"
#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/iommu.h"
#include "phyr/iova.h"
#include "phyr/list.h"
#include "phyr/machine.h"
#include "phyr/pages.h"
#include "phyr/scatterlist.h"
#include "phyr/swiotlb.h"
#include "phyr/capture.h"
#include "phyr/dma-debug.h"

/* Headers whose exported functions the table must cover. */
static const char *const headers[] = {
	"common.h", "list.h", "scatterlist.h", "account.h", "pages.h",
	"iova.h", "iommu.h", "machine.h", "swiotlb.h",
	"device.h", "dma-mapping.h", "dma-iommu.h", "builder.h", "dma-debug.h", "capture.h",
};

/* Exported functions that take no object: nothing to make NULL. */
static const char *const no_object[] = {
	"phyr_allocator_default", "phyr_version",
	"phyr_list_entry_size",
	"phyr_sg_layout_get",
	"phyr_account_heap_size", "phyr_account_kmalloc_size", "phyr_account_kvmalloc_size",
	"phyr_repr_name", "phyr_account_floor_bits", "phyr_account_sg_segments",
	"phyr_account_pages",
	"phyr_pages_pattern_name",
	"phyr_iova_policy_linux", "phyr_iova_policy_augmented", "phyr_iova_policy_buddy",
	"phyr_iommu_fmt_name", "phyr_swiotlb_max_mapping_size", "phyr_p2pdma_map_type_name",
	"phyr_dma_info_to_prot",
	"phyr_dma_debug_type_name", "phyr_dma_debug_dir_name", "phyr_dma_debug_kind_name",
};

/*
 * Scratch out-parameters, large enough for any structure of these headers;
 * filled with 0xa5 before each call so a getter's zeroing shows.
 */
static union {
	uint64_t u64[1024];
	unsigned char b[8192];
} o1, o2, o3, o4;
#define O1 ((void *)&o1)
#define O2 ((void *)&o2)
#define O3 ((void *)&o3)
#define O4 ((void *)&o4)

static int run_cb(void *ctx, uint64_t addr, uint64_t len)
{
	(void)ctx;
	(void)addr;
	(void)len;
	return 0;
}

static int is_empty(const char *s)
{
	return s && !*s;
}

static int is_zero_config(const struct phyr_machine_config *c)
{
	static const struct phyr_machine_config zero;

	return c && memcmp(c, &zero, sizeof(zero)) == 0;
}

static const uint64_t one_pfn[1] = { 0x100 };
static const struct phyr_swiotlb_dev swdev = { 0 };

#define SG64 phyr_sg_layout_get(PHYR_SG_LAYOUT_64)
#define SGE ((struct phyr_scatterlist *)O4)

/*
 * X(id, kind, expected, call): kind INT compares the int result, U64 a
 * 64-bit value, PTR expects NULL, VOID only calls, ZERO calls and expects
 * the first 8 bytes of O1 zeroed (a getter's out-structure), ZERO32 the
 * first 4 (an unsigned out-parameter).
 */
#define NULL_TABLE(X)                                                                        \
	/* common.h */                                                                       \
	X(phyr_failnth_allocator, VOID, 0, phyr_failnth_allocator(NULL, O1))                 \
	/* list.h */                                                                         \
	X(phyr_list_create, INT, -EINVAL, phyr_list_create(NULL, NULL, NULL))                 \
	X(phyr_list_destroy, VOID, 0, phyr_list_destroy(NULL))                               \
	X(phyr_list_append, INT, -EINVAL, phyr_list_append(NULL, 0x1000, 0x1000))            \
	X(phyr_list_append_pages, INT, -EINVAL,                                              \
	  phyr_list_append_pages(NULL, one_pfn, 1, 0, 4096))                                 \
	X(phyr_list_nruns, U64, 0, phyr_list_nruns(NULL))                                    \
	X(phyr_list_nentries, U64, 0, phyr_list_nentries(NULL))                              \
	X(phyr_list_length, U64, 0, phyr_list_length(NULL))                                  \
	X(phyr_list_get_header, ZERO, 0, phyr_list_get_header(NULL, O1))                     \
	X(phyr_list_layout_bytes, U64, 0, phyr_list_layout_bytes(NULL))                      \
	X(phyr_list_nchunks, U64, 0, phyr_list_nchunks(NULL))                                \
	X(phyr_list_chunk_data, INT, -EINVAL, phyr_list_chunk_data(NULL, 0, O1, O2))         \
	X(phyr_list_nblocks, U64, 0, phyr_list_nblocks(NULL))                                \
	X(phyr_list_desc_bytes, U64, 0, phyr_list_desc_bytes(NULL))                          \
	X(phyr_list_heap_bytes, U64, 0, phyr_list_heap_bytes(NULL))                          \
	X(phyr_list_iter_init, INT, -EINVAL, phyr_list_iter_init(NULL, O1))                  \
	X(phyr_list_iter_next, U64, 0, phyr_list_iter_next(NULL, O1))                        \
	X(phyr_packed_decode, INT, -EINVAL, phyr_packed_decode(NULL, 8, run_cb, NULL, O1))   \
	X(phyr_rlist_decode, INT, -EINVAL, phyr_rlist_decode(NULL, 8, run_cb, NULL, O1))     \
	/* scatterlist.h: a NULL layout, then a NULL entry */                                \
	X(phyr_sg_layout_find, INT, -EINVAL, phyr_sg_layout_find(NULL, O1))                  \
	X(phyr_sg_init_table, INT, -EINVAL, phyr_sg_init_table(NULL, SGE, 1))                \
	X(phyr_sg_init_table_2, INT, -EINVAL, phyr_sg_init_table(SG64, NULL, 1))             \
	X(phyr_sg_entry, PTR, 0, phyr_sg_entry(NULL, SGE, 0))                                \
	X(phyr_sg_entry_2, PTR, 0, phyr_sg_entry(SG64, NULL, 0))                             \
	X(phyr_sg_next, PTR, 0, phyr_sg_next(NULL, SGE))                                     \
	X(phyr_sg_next_2, PTR, 0, phyr_sg_next(SG64, NULL))                                  \
	X(phyr_sg_is_last, U64, 0, phyr_sg_is_last(NULL, SGE))                               \
	X(phyr_sg_is_last_2, U64, 0, phyr_sg_is_last(SG64, NULL))                            \
	X(phyr_sg_is_chain, U64, 0, phyr_sg_is_chain(NULL, SGE))                             \
	X(phyr_sg_is_chain_2, U64, 0, phyr_sg_is_chain(SG64, NULL))                          \
	X(phyr_sg_chain_ptr, PTR, 0, phyr_sg_chain_ptr(NULL, SGE))                           \
	X(phyr_sg_chain_ptr_2, PTR, 0, phyr_sg_chain_ptr(SG64, NULL))                        \
	X(phyr_sg_chain, VOID, 0, phyr_sg_chain(NULL, SGE, 2, SGE))                          \
	X(phyr_sg_chain_2, VOID, 0, phyr_sg_chain(SG64, NULL, 2, SGE))                       \
	X(phyr_sg_mark_end, VOID, 0, phyr_sg_mark_end(NULL, SGE))                            \
	X(phyr_sg_mark_end_2, VOID, 0, phyr_sg_mark_end(SG64, NULL))                         \
	X(phyr_sg_unmark_end, VOID, 0, phyr_sg_unmark_end(NULL, SGE))                        \
	X(phyr_sg_unmark_end_2, VOID, 0, phyr_sg_unmark_end(SG64, NULL))                     \
	X(phyr_sg_set_page, INT, -EINVAL, phyr_sg_set_page(NULL, SGE, 1, 0, 4096, 0))        \
	X(phyr_sg_set_page_2, INT, -EINVAL, phyr_sg_set_page(SG64, NULL, 1, 0, 4096, 0))     \
	X(phyr_sg_set_phys, INT, -EINVAL, phyr_sg_set_phys(NULL, SGE, 0x1000, 0, 4096))      \
	X(phyr_sg_set_phys_2, INT, -EINVAL, phyr_sg_set_phys(SG64, NULL, 0x1000, 0, 4096))   \
	X(phyr_sg_nents, U64, 0, phyr_sg_nents(NULL, SGE))                                   \
	X(phyr_sg_nents_2, U64, 0, phyr_sg_nents(SG64, NULL))                                \
	X(phyr_sg_page_link, U64, 0, phyr_sg_page_link(NULL, SGE))                           \
	X(phyr_sg_page_link_2, U64, 0, phyr_sg_page_link(SG64, NULL))                        \
	X(phyr_sg_pfn, U64, 0, phyr_sg_pfn(NULL, SGE))                                       \
	X(phyr_sg_pfn_2, U64, 0, phyr_sg_pfn(SG64, NULL))                                    \
	X(phyr_sg_pgmap, U64, 0, phyr_sg_pgmap(NULL, SGE))                                   \
	X(phyr_sg_pgmap_2, U64, 0, phyr_sg_pgmap(SG64, NULL))                                \
	X(phyr_sg_offset, U64, 0, phyr_sg_offset(NULL, SGE))                                 \
	X(phyr_sg_offset_2, U64, 0, phyr_sg_offset(SG64, NULL))                              \
	X(phyr_sg_length, U64, 0, phyr_sg_length(NULL, SGE))                                 \
	X(phyr_sg_length_2, U64, 0, phyr_sg_length(SG64, NULL))                              \
	X(phyr_sg_phys, U64, 0, phyr_sg_phys(NULL, SGE))                                     \
	X(phyr_sg_phys_2, U64, 0, phyr_sg_phys(SG64, NULL))                                  \
	X(phyr_sg_set_offset, VOID, 0, phyr_sg_set_offset(NULL, SGE, 1))                     \
	X(phyr_sg_set_offset_2, VOID, 0, phyr_sg_set_offset(SG64, NULL, 1))                  \
	X(phyr_sg_set_length, VOID, 0, phyr_sg_set_length(NULL, SGE, 1))                     \
	X(phyr_sg_set_length_2, VOID, 0, phyr_sg_set_length(SG64, NULL, 1))                  \
	X(phyr_sg_dma_address, U64, 0, phyr_sg_dma_address(NULL, SGE))                       \
	X(phyr_sg_dma_address_2, U64, 0, phyr_sg_dma_address(SG64, NULL))                    \
	X(phyr_sg_set_dma_address, VOID, 0, phyr_sg_set_dma_address(NULL, SGE, 1))           \
	X(phyr_sg_set_dma_address_2, VOID, 0, phyr_sg_set_dma_address(SG64, NULL, 1))        \
	X(phyr_sg_dma_len, U64, 0, phyr_sg_dma_len(NULL, SGE))                               \
	X(phyr_sg_dma_len_2, U64, 0, phyr_sg_dma_len(SG64, NULL))                            \
	X(phyr_sg_set_dma_len, VOID, 0, phyr_sg_set_dma_len(NULL, SGE, 1))                   \
	X(phyr_sg_set_dma_len_2, VOID, 0, phyr_sg_set_dma_len(SG64, NULL, 1))                \
	X(phyr_sg_dma_flags, U64, 0, phyr_sg_dma_flags(NULL, SGE))                           \
	X(phyr_sg_dma_flags_2, U64, 0, phyr_sg_dma_flags(SG64, NULL))                        \
	X(phyr_sg_set_dma_flags, VOID, 0, phyr_sg_set_dma_flags(NULL, SGE, 1))               \
	X(phyr_sg_set_dma_flags_2, VOID, 0, phyr_sg_set_dma_flags(SG64, NULL, 1))            \
	X(phyr_sg_dma_is_bus_address, U64, 0, phyr_sg_dma_is_bus_address(NULL, SGE))         \
	X(phyr_sg_dma_is_bus_address_2, U64, 0, phyr_sg_dma_is_bus_address(SG64, NULL))      \
	X(phyr_sg_dma_mark_bus_address, VOID, 0, phyr_sg_dma_mark_bus_address(NULL, SGE))    \
	X(phyr_sg_dma_mark_bus_address_2, VOID, 0, phyr_sg_dma_mark_bus_address(SG64, NULL)) \
	X(phyr_sg_dma_unmark_bus_address, VOID, 0, phyr_sg_dma_unmark_bus_address(NULL, SGE)) \
	X(phyr_sg_dma_unmark_bus_address_2, VOID, 0,                                         \
	  phyr_sg_dma_unmark_bus_address(SG64, NULL))                                        \
	X(phyr_sg_dma_is_swiotlb, U64, 0, phyr_sg_dma_is_swiotlb(NULL, SGE))                 \
	X(phyr_sg_dma_is_swiotlb_2, U64, 0, phyr_sg_dma_is_swiotlb(SG64, NULL))              \
	X(phyr_sg_dma_mark_swiotlb, VOID, 0, phyr_sg_dma_mark_swiotlb(NULL, SGE))            \
	X(phyr_sg_dma_mark_swiotlb_2, VOID, 0, phyr_sg_dma_mark_swiotlb(SG64, NULL))         \
	X(phyr_sg_table_create, INT, -EINVAL, phyr_sg_table_create(PHYR_SG_LAYOUT_64, NULL, NULL)) \
	X(phyr_sg_table_destroy, VOID, 0, phyr_sg_table_destroy(NULL))                       \
	X(phyr_sg_free_table, VOID, 0, phyr_sg_free_table(NULL))                             \
	X(phyr_sg_alloc_table, INT, -EINVAL, phyr_sg_alloc_table(NULL, 1))                   \
	X(phyr_sg_alloc_table_from_pages_segment, INT, -EINVAL,                              \
	  phyr_sg_alloc_table_from_pages_segment(NULL, one_pfn, NULL, 1, 0, 4096, 65536))    \
	X(phyr_sg_alloc_table_from_pages, INT, -EINVAL,                                      \
	  phyr_sg_alloc_table_from_pages(NULL, one_pfn, NULL, 1, 0, 4096))                   \
	X(phyr_sg_alloc_append_table_from_pages, INT, -EINVAL,                               \
	  phyr_sg_alloc_append_table_from_pages(NULL, one_pfn, NULL, 1, 0, 4096, 65536, 0))  \
	X(phyr_sg_pages_count_segments, INT, -EINVAL,                                        \
	  phyr_sg_pages_count_segments(NULL, NULL, 1, 65536, O1))                            \
	X(phyr_sg_table_layout, PTR, 0, phyr_sg_table_layout(NULL))                          \
	X(phyr_sg_table_sgl, PTR, 0, phyr_sg_table_sgl(NULL))                                \
	X(phyr_sg_table_nents, U64, 0, phyr_sg_table_nents(NULL))                            \
	X(phyr_sg_table_orig_nents, U64, 0, phyr_sg_table_orig_nents(NULL))                  \
	X(phyr_sg_table_total_nents, U64, 0, phyr_sg_table_total_nents(NULL))                \
	X(phyr_sg_table_prv, PTR, 0, phyr_sg_table_prv(NULL))                                \
	X(phyr_sg_table_set_nents, INT, -EINVAL, phyr_sg_table_set_nents(NULL, 1))           \
	X(phyr_sg_table_nchunks, U64, 0, phyr_sg_table_nchunks(NULL))                        \
	X(phyr_sg_table_chunk, INT, -EINVAL, phyr_sg_table_chunk(NULL, 0, O1))               \
	X(phyr_sg_table_bytes, ZERO, 0, phyr_sg_table_bytes(NULL, O1))                       \
	X(phyr_sg_table_stats, ZERO, 0, phyr_sg_table_stats(NULL, O1))                       \
	X(phyr_sg_alloc_plan, INT, -EINVAL, phyr_sg_alloc_plan(PHYR_SG_LAYOUT_64, 1, NULL))  \
	X(phyr_bvec_from_pages, INT, -EINVAL,                                                \
	  phyr_bvec_from_pages(NULL, NULL, 1, 0, 4096, NULL, O1, O2))                        \
	X(phyr_bvec_free, VOID, 0, phyr_bvec_free(NULL, NULL, 0))                            \
	X(phyr_bvec_pfn, U64, 0, phyr_bvec_pfn(NULL))                                        \
	/* account.h */                                                                      \
	X(phyr_account_set_backend, VOID, 0, phyr_account_set_backend(NULL))                 \
	X(phyr_account_get_backend, U64, 0, phyr_account_get_backend(NULL))                  \
	X(phyr_account_array, INT, -EINVAL, phyr_account_array(1, 8, NULL))                  \
	X(phyr_account_sg_table, INT, -EINVAL, phyr_account_sg_table(1, 32, NULL))           \
	X(phyr_ledger_create, INT, -EINVAL, phyr_ledger_create(4096, NULL, NULL))            \
	X(phyr_ledger_destroy, VOID, 0, phyr_ledger_destroy(NULL))                           \
	X(phyr_ledger_add, INT, -EINVAL, phyr_ledger_add(NULL, 0x1000, 0x1000))              \
	X(phyr_ledger_cost, INT, -EINVAL, phyr_ledger_cost(NULL, PHYR_REPR_PAGE_ARRAY, O1))  \
	X(phyr_ledger_get_totals, ZERO, 0, phyr_ledger_get_totals(NULL, O1))                 \
	/* pages.h */                                                                        \
	X(phyr_pages_create, INT, -EINVAL, phyr_pages_create(NULL, NULL, NULL))               \
	X(phyr_pages_destroy, VOID, 0, phyr_pages_destroy(NULL))                             \
	X(phyr_pages_next, INT, -EINVAL, phyr_pages_next(NULL, 1, O1))                       \
	X(phyr_pages_fill, INT, -EINVAL, phyr_pages_fill(NULL, O1, 1, O2))                   \
	X(phyr_pages_get_stats, ZERO, 0, phyr_pages_get_stats(NULL, O1))                     \
	/* iova.h */                                                                         \
	X(phyr_iova_policy_find, PTR, 0, phyr_iova_policy_find(NULL))                        \
	X(phyr_iova_config_init, VOID, 0, phyr_iova_config_init(NULL))                       \
	X(phyr_iova_domain_create, INT, -EINVAL, phyr_iova_domain_create(4096, 1, NULL, NULL, NULL)) \
	X(phyr_iova_domain_destroy, VOID, 0, phyr_iova_domain_destroy(NULL))                 \
	X(phyr_iova_alloc, INT, -EINVAL, phyr_iova_alloc(NULL, 1, 0xfffff, false, O1))       \
	X(phyr_iova_free, INT, -EINVAL, phyr_iova_free(NULL, 1, O1, O2))                     \
	X(phyr_iova_find, INT, -EINVAL, phyr_iova_find(NULL, 1, O1, O2))                     \
	X(phyr_iova_reserve, INT, -EINVAL, phyr_iova_reserve(NULL, 1, 2, O1, O2))            \
	X(phyr_iova_alloc_fast, INT, -EINVAL, phyr_iova_alloc_fast(NULL, 1, 0xfffff, 0, true, O1)) \
	X(phyr_iova_free_fast, INT, -EINVAL, phyr_iova_free_fast(NULL, 1, 1, 0))             \
	X(phyr_iova_flush_rcaches, VOID, 0, phyr_iova_flush_rcaches(NULL))                   \
	X(phyr_iova_tick, VOID, 0, phyr_iova_tick(NULL))                                     \
	X(phyr_iova_cpu_offline, INT, -EINVAL, phyr_iova_cpu_offline(NULL, 0))               \
	X(phyr_iova_cpu_online, INT, -EINVAL, phyr_iova_cpu_online(NULL, 0))                 \
	X(phyr_iova_get_stats, ZERO, 0, phyr_iova_get_stats(NULL, O1))                       \
	X(phyr_iova_usage, ZERO, 0, phyr_iova_usage(NULL, O1, O2))                           \
	X(phyr_iova_walk, INT, -EINVAL, phyr_iova_walk(NULL, run_cb, NULL))                  \
	X(phyr_iova_check, INT, -EINVAL, phyr_iova_check(NULL))                              \
	X(phyr_iova_domain_policy, PTR, 0, phyr_iova_domain_policy(NULL))                    \
	X(phyr_iova_domain_config, ZERO, 0, phyr_iova_domain_config(NULL, O1))               \
	X(phyr_iova_rcache_range, U64, 0, phyr_iova_rcache_range(NULL))                      \
	X(phyr_iova_cache_memory, ZERO, 0, phyr_iova_cache_memory(NULL, O1, O2))             \
	/* iommu.h */                                                                        \
	X(phyr_iommu_fmt_from_name, INT, -EINVAL, phyr_iommu_fmt_from_name(NULL, O1))        \
	X(phyr_iommu_iotlb_gather_init, VOID, 0, phyr_iommu_iotlb_gather_init(NULL))         \
	X(phyr_io_pgtable_create, INT, -EINVAL,                                              \
	  phyr_io_pgtable_create(PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, 48, 48, NULL, NULL))         \
	X(phyr_io_pgtable_destroy, VOID, 0, phyr_io_pgtable_destroy(NULL))                   \
	X(phyr_io_pgtable_pgsize_bitmap, U64, 0, phyr_io_pgtable_pgsize_bitmap(NULL))        \
	X(phyr_io_pgtable_set_max_bytes, INT, -EINVAL, phyr_io_pgtable_set_max_bytes(NULL, 4096)) \
	X(phyr_io_pgtable_geometry, ZERO32, 0, phyr_io_pgtable_geometry(NULL, O1, O2, O3, O4)) \
	X(phyr_io_pgtable_map_pages, INT, -EINVAL,                                           \
	  phyr_io_pgtable_map_pages(NULL, 0x1000, 0x1000, 4096, 1, PHYR_IOMMU_READ, O1))     \
	X(phyr_io_pgtable_unmap_pages, U64, 0, phyr_io_pgtable_unmap_pages(NULL, 0x1000, 4096, 1, NULL)) \
	X(phyr_io_pgtable_iova_to_phys, U64, 0, phyr_io_pgtable_iova_to_phys(NULL, 0x1000))  \
	X(phyr_io_pgtable_leaf, INT, -EINVAL, phyr_io_pgtable_leaf(NULL, 0x1000, O1, O2))    \
	X(phyr_io_pgtable_get_stats, ZERO, 0, phyr_io_pgtable_get_stats(NULL, O1))           \
	X(phyr_io_pgtable_dump, INT, -EINVAL, phyr_io_pgtable_dump(NULL, stderr))            \
	X(phyr_iommu_costs_default, VOID, 0, phyr_iommu_costs_default(NULL))                 \
	X(phyr_iommu_domain_create, INT, -EINVAL, phyr_iommu_domain_create(NULL, NULL))      \
	X(phyr_iommu_domain_destroy, VOID, 0, phyr_iommu_domain_destroy(NULL))               \
	X(phyr_iommu_domain_set_pgtable, INT, -EINVAL,                                       \
	  phyr_iommu_domain_set_pgtable(NULL, PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, 48, 48))         \
	X(phyr_iommu_domain_pgtable, PTR, 0, phyr_iommu_domain_pgtable(NULL))                \
	X(phyr_iommu_domain_type, U64, PHYR_IOMMU_DOMAIN_BLOCKED, phyr_iommu_domain_type(NULL)) \
	X(phyr_iommu_domain_pgsize_bitmap, U64, 0, phyr_iommu_domain_pgsize_bitmap(NULL))    \
	X(phyr_iommu_pgsize, U64, 4096, phyr_iommu_pgsize(0x1000, 0x1000, 0x1000, 4096, NULL)) \
	X(phyr_iommu_map, INT, -EINVAL, phyr_iommu_map(NULL, 0x1000, 0x1000, 4096, PHYR_IOMMU_READ)) \
	X(phyr_iommu_map_nosync, INT, -EINVAL,                                               \
	  phyr_iommu_map_nosync(NULL, 0x1000, 0x1000, 4096, PHYR_IOMMU_READ))                \
	X(phyr_iommu_unmap, U64, 0, phyr_iommu_unmap(NULL, 0x1000, 4096))                    \
	X(phyr_iommu_unmap_fast, U64, 0, phyr_iommu_unmap_fast(NULL, 0x1000, 4096, O1))      \
	X(phyr_iommu_iotlb_sync, VOID, 0, phyr_iommu_iotlb_sync(NULL, NULL))                 \
	X(phyr_iommu_iotlb_gather_add_page, VOID, 0,                                         \
	  phyr_iommu_iotlb_gather_add_page(NULL, NULL, 0x1000, 4096))                        \
	X(phyr_iommu_flush_iotlb_all, VOID, 0, phyr_iommu_flush_iotlb_all(NULL))             \
	X(phyr_iommu_iotlb_invalidate, VOID, 0, phyr_iommu_iotlb_invalidate(NULL, 0x1000, 4096)) \
	X(phyr_iommu_map_sg, INT, -EINVAL,                                                    \
	  phyr_iommu_map_sg(NULL, 0x1000, O2, O2, 1, PHYR_IOMMU_READ, O1))                  \
	X(phyr_iommu_iova_to_phys, U64, 0, phyr_iommu_iova_to_phys(NULL, 0x1000))            \
	X(phyr_iommu_translate, INT, -EINVAL,                                                \
	  phyr_iommu_translate(NULL, 0x1000, PHYR_IOMMU_ACCESS_READ, O1))                    \
	X(phyr_iommu_faults, PTR, 0, phyr_iommu_faults(NULL, O1))                            \
	X(phyr_iommu_dma_unmap, INT, -EINVAL, phyr_iommu_dma_unmap(NULL, 0, 0x1000, 4096, O1)) \
	X(phyr_iommu_fq_flush, VOID, 0, phyr_iommu_fq_flush(NULL))                           \
	X(phyr_iommu_advance, VOID, 0, phyr_iommu_advance(NULL, 1))                          \
	X(phyr_iommu_get_stats, ZERO, 0, phyr_iommu_get_stats(NULL, O1))                     \
	X(phyr_iommu_iotlb_geometry, ZERO32, 0, phyr_iommu_iotlb_geometry(NULL, O1, O2))     \
	/* machine.h */                                                                      \
	X(phyr_physmem_create, INT, -EINVAL, phyr_physmem_create(NULL, NULL))                \
	X(phyr_physmem_destroy, VOID, 0, phyr_physmem_destroy(NULL))                         \
	X(phyr_physmem_read, INT, -EINVAL, phyr_physmem_read(NULL, 0x1000, O1, 8))           \
	X(phyr_physmem_write, INT, -EINVAL, phyr_physmem_write(NULL, 0x1000, O1, 8))         \
	X(phyr_physmem_memset, INT, -EINVAL, phyr_physmem_memset(NULL, 0x1000, 1, 8))        \
	X(phyr_physmem_copy, INT, -EINVAL, phyr_physmem_copy(NULL, 0x1000, 0x2000, 8))       \
	X(phyr_physmem_compare, INT, -EINVAL, phyr_physmem_compare(NULL, 0x1000, O1, 8, O2)) \
	X(phyr_physmem_discard, INT, -EINVAL, phyr_physmem_discard(NULL, 0x1000, 8))         \
	X(phyr_physmem_prefault, INT, -EINVAL, phyr_physmem_prefault(NULL, 0x1000, 8))       \
	X(phyr_physmem_set_max_bytes, INT, -EINVAL, phyr_physmem_set_max_bytes(NULL, 4096))  \
	X(phyr_physmem_is_backed, U64, 0, phyr_physmem_is_backed(NULL, 0x1000))              \
	X(phyr_physmem_get_stats, ZERO, 0, phyr_physmem_get_stats(NULL, O1))                 \
	X(phyr_machine_create, INT, -EINVAL, phyr_machine_create(NULL, NULL, NULL))          \
	X(phyr_machine_destroy, VOID, 0, phyr_machine_destroy(NULL))                         \
	X(phyr_machine_get_config, INT, 1, is_zero_config(phyr_machine_get_config(NULL)))    \
	X(phyr_machine_physmem, PTR, 0, phyr_machine_physmem(NULL))                          \
	X(phyr_machine_add_ram, INT, -EINVAL, phyr_machine_add_ram(NULL, 0, 0x100000))       \
	X(phyr_machine_set_decrypted, INT, -EINVAL, phyr_machine_set_decrypted(NULL, 0, 4096)) \
	X(phyr_machine_lookup, INT, -EINVAL, phyr_machine_lookup(NULL, 0x1000, O1))          \
	X(phyr_machine_max_pfn, U64, 0, phyr_machine_max_pfn(NULL))                          \
	X(phyr_machine_get_stats, ZERO, 0, phyr_machine_get_stats(NULL, O1))                 \
	X(phyr_pci_host_bridge_add, INT, -EINVAL, phyr_pci_host_bridge_add(NULL, 0, 0, O1))  \
	X(phyr_pci_dev_add, INT, -EINVAL, phyr_pci_dev_add(NULL, O2, O1))                    \
	X(phyr_pci_dev_set_acs, INT, -EINVAL, phyr_pci_dev_set_acs(NULL, 0))                 \
	X(phyr_pci_upstream_bridge, PTR, 0, phyr_pci_upstream_bridge(NULL))                  \
	X(phyr_pci_dev_host_bridge, PTR, 0, phyr_pci_dev_host_bridge(NULL))                  \
	X(phyr_pci_dev_bus, U64, 0, phyr_pci_dev_bus(NULL))                                  \
	X(phyr_pci_dev_devfn, U64, 0, phyr_pci_dev_devfn(NULL))                              \
	X(phyr_pci_dev_domain, U64, 0, phyr_pci_dev_domain(NULL))                            \
	X(phyr_pci_dev_secondary_bus, INT, -EINVAL, phyr_pci_dev_secondary_bus(NULL, O1))    \
	X(phyr_pci_dev_name, INT, 1, is_empty(phyr_pci_dev_name(NULL, O1, 64)))             \
	X(phyr_pci_dev_set_bar, INT, -EINVAL, phyr_pci_dev_set_bar(NULL, 0, 0x1000, 4096, 0x1000)) \
	X(phyr_p2pdma_add_resource, INT, -EINVAL, phyr_p2pdma_add_resource(NULL, 0, 4096, 0, O1)) \
	X(phyr_p2p_pgmap_provider, PTR, 0, phyr_p2p_pgmap_provider(NULL))                    \
	X(phyr_p2p_pgmap_bus_offset, U64, 0, phyr_p2p_pgmap_bus_offset(NULL))                \
	X(phyr_p2p_pgmap_range, ZERO, 0, phyr_p2p_pgmap_range(NULL, O1, O2))                 \
	X(phyr_p2pdma_map_type, U64, PHYR_P2PDMA_MAP_NOT_SUPPORTED, phyr_p2pdma_map_type(NULL, NULL)) \
	X(phyr_p2pdma_calc, U64, PHYR_P2PDMA_MAP_NOT_SUPPORTED, phyr_p2pdma_calc(NULL, NULL, O1)) \
	X(phyr_p2pdma_distance_many, INT, -EINVAL, phyr_p2pdma_distance_many(NULL, O2, 1, O1)) \
	X(phyr_p2pdma_distance, INT, -EINVAL, phyr_p2pdma_distance(NULL, NULL, O1))          \
	X(phyr_p2pdma_state, U64, PHYR_P2PDMA_MAP_NOT_SUPPORTED,                             \
	  phyr_p2pdma_state(NULL, NULL, NULL, 0x1000))                                       \
	/* capture.h */                                                                      \
	X(phyr_capture_create, INT, -EINVAL, phyr_capture_create(NULL, NULL))                \
	X(phyr_capture_destroy, VOID, 0, phyr_capture_destroy(NULL))                         \
	X(phyr_capture_run, INT, -EINVAL, phyr_capture_run(NULL, "x", NULL, NULL, 0))        \
	X(phyr_capture_get_summary, INT, -EINVAL, phyr_capture_get_summary(NULL, O1))        \
	X(phyr_capture_get_domain, INT, -EINVAL, phyr_capture_get_domain(NULL, 0, O1))       \
	X(phyr_capture_get_device, INT, -EINVAL, phyr_capture_get_device(NULL, 0, O1))       \
	X(phyr_capture_get_event, INT, -EINVAL, phyr_capture_get_event(NULL, 0, O1))         \
	/* capture.h: the bounce replay (NULL path and stream) */                            \
	X(phyr_capture_replay_bounces, INT, -EINVAL,                                         \
	  phyr_capture_replay_bounces(NULL, NULL, NULL, NULL, O1, NULL, 0))                  \
	/* swiotlb.h */                                                                      \
	X(phyr_swiotlb_geometry, INT, -EINVAL, phyr_swiotlb_geometry(128, 1, NULL, NULL))    \
	X(phyr_swiotlb_create, INT, -EINVAL, phyr_swiotlb_create(NULL, NULL, O1))            \
	X(phyr_swiotlb_destroy, VOID, 0, phyr_swiotlb_destroy(NULL))                         \
	X(phyr_swiotlb_set_memory, VOID, 0, phyr_swiotlb_set_memory(NULL, NULL))             \
	X(phyr_swiotlb_tbl_map_single, INT, -EINVAL,                                         \
	  phyr_swiotlb_tbl_map_single(NULL, &swdev, 0, 0x1000, 64, 0, PHYR_SWIOTLB_TO_DEVICE, 0, O1)) \
	X(phyr_swiotlb_tbl_unmap_single, INT, -EINVAL,                                       \
	  phyr_swiotlb_tbl_unmap_single(NULL, &swdev, 0x1000, 64, PHYR_SWIOTLB_TO_DEVICE, 0)) \
	X(phyr_swiotlb_sync_single_for_device, INT, -EINVAL,                                 \
	  phyr_swiotlb_sync_single_for_device(NULL, &swdev, 0x1000, 64, PHYR_SWIOTLB_TO_DEVICE)) \
	X(phyr_swiotlb_sync_single_for_cpu, INT, -EINVAL,                                    \
	  phyr_swiotlb_sync_single_for_cpu(NULL, &swdev, 0x1000, 64, PHYR_SWIOTLB_FROM_DEVICE)) \
	X(phyr_swiotlb_contains, U64, 0, phyr_swiotlb_contains(NULL, 0x1000))                \
	X(phyr_swiotlb_used, U64, 0, phyr_swiotlb_used(NULL))                                \
	X(phyr_dma_debug_create, INT, -EINVAL, phyr_dma_debug_create(NULL, NULL, NULL))      \
	X(phyr_dma_debug_destroy, VOID, 0, phyr_dma_debug_destroy(NULL))                     \
	X(phyr_dma_debug_map, INT, -EINVAL, phyr_dma_debug_map(NULL, NULL))                   \
	X(phyr_dma_debug_map_sg, INT, -EINVAL,                                                \
	  phyr_dma_debug_map_sg(NULL, O1, NULL, NULL, 1, 1, 0, 0, 65536, 0xffffffff))          \
	X(phyr_dma_debug_mapping_error, INT, -EINVAL, phyr_dma_debug_mapping_error(NULL, O1, 0)) \
	X(phyr_dma_debug_unmap, INT, -EINVAL, phyr_dma_debug_unmap(NULL, NULL))               \
	X(phyr_dma_debug_iova_range, INT, -EINVAL,                                            \
	  phyr_dma_debug_iova_range(NULL, O1, 0x1000, 0x1000, 0, 0x1000))                     \
	X(phyr_dma_debug_unmap_sg, INT, -EINVAL,                                              \
	  phyr_dma_debug_unmap_sg(NULL, O1, NULL, NULL, 1, 0))                                \
	X(phyr_dma_debug_unmap_range, INT, -EINVAL,                                           \
	  phyr_dma_debug_unmap_range(NULL, O1, PHYR_DMA_DEBUG_IOVA, 0x1000, 0x1000, 0))       \
	X(phyr_dma_debug_sync, INT, -EINVAL, phyr_dma_debug_sync(NULL, O1, 0x1000, 16, 0, true)) \
	X(phyr_dma_debug_sync_sg, INT, -EINVAL,                                               \
	  phyr_dma_debug_sync_sg(NULL, O1, NULL, NULL, 1, 0, true))                           \
	X(phyr_dma_debug_teardown, INT, -EINVAL, phyr_dma_debug_teardown(NULL, O1, NULL))     \
	X(phyr_dma_debug_nentries, U64, 0, phyr_dma_debug_nentries(NULL, NULL))               \
	X(phyr_dma_debug_nreports, U64, 0, phyr_dma_debug_nreports(NULL))                     \
	X(phyr_dma_debug_get_report, INT, -EINVAL, phyr_dma_debug_get_report(NULL, 0, O1))    \
	X(phyr_dma_debug_clear_reports, VOID, 0, phyr_dma_debug_clear_reports(NULL))          \
	X(phyr_dma_debug_format, INT, -EINVAL, phyr_dma_debug_format(NULL, NULL, NULL, 0))    \
	X(phyr_dma_debug_get_stats, ZERO, 0, phyr_dma_debug_get_stats(NULL, O1))              \
	X(phyr_dma_debug_dump, INT, -EINVAL, phyr_dma_debug_dump(NULL, NULL, NULL))           \
	X(phyr_swiotlb_get_info, ZERO, 0, phyr_swiotlb_get_info(NULL, O1))                   \
	X(phyr_swiotlb_get_slot, INT, -EINVAL, phyr_swiotlb_get_slot(NULL, 0, O1))           \
	X(phyr_swiotlb_get_area, INT, -EINVAL, phyr_swiotlb_get_area(NULL, 0, O1, O2))       \
	X(phyr_swiotlb_get_stats, ZERO, 0, phyr_swiotlb_get_stats(NULL, O1))                 \
	X(phyr_swiotlb_reset_stats, VOID, 0, phyr_swiotlb_reset_stats(NULL))           \
	/* device.h */                                                                 \
	X(phyr_device_config_init, VOID, 0, phyr_device_config_init(NULL))             \
	X(phyr_device_config_init_pci, VOID, 0,                                        \
	  phyr_device_config_init_pci(NULL, NULL))                                     \
	X(phyr_device_create, INT, -EINVAL, phyr_device_create(NULL, NULL, NULL, O1))  \
	X(phyr_device_destroy, VOID, 0, phyr_device_destroy(NULL))                     \
	X(phyr_device_name, PTR, 0, phyr_device_name(NULL))                            \
	X(phyr_device_machine, PTR, 0, phyr_device_machine(NULL))                      \
	X(phyr_device_pci, PTR, 0, phyr_device_pci(NULL))                              \
	X(phyr_device_is_untrusted, U64, 0, phyr_device_is_untrusted(NULL))            \
	X(phyr_device_is_coherent, U64, 0, phyr_device_is_coherent(NULL))              \
	X(phyr_device_get_config, PTR, 0, phyr_device_get_config(NULL))                \
	X(phyr_device_get_stats, ZERO, 0, phyr_device_get_stats(NULL, O1))             \
	X(phyr_dma_get_mask, U64, 0, phyr_dma_get_mask(NULL))                          \
	X(phyr_dma_get_coherent_mask, U64, 0, phyr_dma_get_coherent_mask(NULL))        \
	X(phyr_dma_get_bus_limit, U64, 0, phyr_dma_get_bus_limit(NULL))                \
	X(phyr_dma_get_max_seg_size, U64, 0, phyr_dma_get_max_seg_size(NULL))          \
	X(phyr_dma_get_seg_boundary, U64, 0, phyr_dma_get_seg_boundary(NULL))          \
	X(phyr_dma_get_min_align_mask, U64, 0, phyr_dma_get_min_align_mask(NULL))      \
	X(phyr_dma_set_mask, INT, -EINVAL, phyr_dma_set_mask(NULL, ~0ull))             \
	X(phyr_dma_set_coherent_mask, INT, -EINVAL,                                    \
	  phyr_dma_set_coherent_mask(NULL, ~0ull))                                     \
	X(phyr_dma_set_mask_and_coherent, INT, -EINVAL,                                \
	  phyr_dma_set_mask_and_coherent(NULL, ~0ull))                                 \
	X(phyr_dma_set_max_seg_size, INT, -EINVAL,                                     \
	  phyr_dma_set_max_seg_size(NULL, 65536))                                      \
	X(phyr_dma_set_seg_boundary, INT, -EINVAL,                                     \
	  phyr_dma_set_seg_boundary(NULL, 0xffff))                                     \
	X(phyr_dma_set_min_align_mask, INT, -EINVAL,                                   \
	  phyr_dma_set_min_align_mask(NULL, 0xfff))                                    \
	X(phyr_device_set_bus_dma_limit, INT, -EINVAL,                                 \
	  phyr_device_set_bus_dma_limit(NULL, 0))                                      \
	X(phyr_dma_direct_set_offset, INT, -EINVAL,                                    \
	  phyr_dma_direct_set_offset(NULL, 0, 0x1000, 0x1000))                         \
	X(phyr_device_attach_iommu, INT, -EINVAL,                                      \
	  phyr_device_attach_iommu(NULL, NULL, NULL))                                  \
	X(phyr_device_attach_iommu_domain, INT, -EINVAL,                               \
	  phyr_device_attach_iommu_domain(NULL, NULL))                                 \
	X(phyr_device_iommu, PTR, 0, phyr_device_iommu(NULL))                          \
	X(phyr_device_set_bounce, INT, -EINVAL, phyr_device_set_bounce(NULL, NULL))    \
	X(phyr_dma_swiotlb_memory, ZERO, 0, phyr_dma_swiotlb_memory(NULL, O1))         \
	X(phyr_device_use_swiotlb, INT, -EINVAL, phyr_device_use_swiotlb(NULL, NULL))  \
	X(phyr_device_set_cpu, VOID, 0, phyr_device_set_cpu(NULL, 1))                  \
	X(phyr_device_set_dma_debug, INT, -EINVAL,                                     \
	  phyr_device_set_dma_debug(NULL, NULL))                                       \
	X(phyr_device_dma_debug, PTR, 0, phyr_device_dma_debug(NULL))                  \
	X(phyr_dma_phys_to_dma, INT, -EINVAL, phyr_dma_phys_to_dma(NULL, 0x1000, O1))  \
	X(phyr_dma_phys_to_dma_unencrypted, INT, -EINVAL,                              \
	  phyr_dma_phys_to_dma_unencrypted(NULL, 0x1000, O1))                          \
	X(phyr_dma_to_phys, INT, -EINVAL, phyr_dma_to_phys(NULL, 0x1000, O1))          \
	X(phyr_dma_capable, U64, 0, phyr_dma_capable(NULL, 0x1000, 4096, true))        \
	X(phyr_dma_force_unencrypted, U64, 0, phyr_dma_force_unencrypted(NULL))        \
	X(phyr_dma_is_force_bounce, U64, 0, phyr_dma_is_force_bounce(NULL))            \
	X(phyr_dma_direct_map_phys, INT, -EINVAL,                                      \
	  phyr_dma_direct_map_phys(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE, 0, O1))     \
	X(phyr_dma_direct_unmap_phys, INT, -EINVAL,                                    \
	  phyr_dma_direct_unmap_phys(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE, 0))       \
	X(phyr_dma_direct_sync_for_cpu, INT, -EINVAL,                                  \
	  phyr_dma_direct_sync_for_cpu(NULL, 0x1000, 4096, PHYR_DMA_FROM_DEVICE))      \
	X(phyr_dma_direct_sync_for_device, INT, -EINVAL,                               \
	  phyr_dma_direct_sync_for_device(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE))     \
	X(phyr_dma_direct_map_sg, INT, -EINVAL,                                        \
	  phyr_dma_direct_map_sg(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE, 0, O1))       \
	X(phyr_dma_direct_unmap_sg, INT, -EINVAL,                                      \
	  phyr_dma_direct_unmap_sg(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE, 0))         \
	X(phyr_dma_direct_sync_sg_for_cpu, INT, -EINVAL,                               \
	  phyr_dma_direct_sync_sg_for_cpu(NULL, SG64, SGE, 1, PHYR_DMA_FROM_DEVICE))   \
	X(phyr_dma_direct_sync_sg_for_device, INT, -EINVAL,                            \
	  phyr_dma_direct_sync_sg_for_device(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE))  \
	X(phyr_dma_direct_get_required_mask, U64, 0,                                   \
	  phyr_dma_direct_get_required_mask(NULL))                                     \
	X(phyr_dma_direct_supported, U64, 0, phyr_dma_direct_supported(NULL, ~0ull))   \
	X(phyr_dma_direct_all_ram_mapped, U64, 0, phyr_dma_direct_all_ram_mapped(NULL)) \
	X(phyr_dma_direct_addressing_limited, U64, 0,                                  \
	  phyr_dma_direct_addressing_limited(NULL))                                    \
	X(phyr_dma_direct_max_mapping_size, U64, SIZE_MAX,                             \
	  phyr_dma_direct_max_mapping_size(NULL))                                      \
	X(phyr_dma_direct_opt_mapping_size, U64, SIZE_MAX,                             \
	  phyr_dma_direct_opt_mapping_size(NULL))                                      \
	X(phyr_dma_direct_get_merge_boundary, U64, 0,                                  \
	  phyr_dma_direct_get_merge_boundary(NULL))                                    \
	X(phyr_dma_direct_need_sync, U64, 0, phyr_dma_direct_need_sync(NULL, 0x1000))  \
	X(phyr_device_dma_read, INT, -EINVAL,                                          \
	  phyr_device_dma_read(NULL, 0x1000, O1, 64))                                  \
	X(phyr_device_dma_write, INT, -EINVAL,                                         \
	  phyr_device_dma_write(NULL, 0x1000, O1, 64))                                 \
	/* dma-mapping.h */                                                            \
	X(phyr_dma_get_path, U64, PHYR_DMA_PATH_NONE, phyr_dma_get_path(NULL))         \
	X(phyr_dma_map_phys, INT, -EINVAL,                                             \
	  phyr_dma_map_phys(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE, 0, O1))            \
	X(phyr_dma_mapping_error, INT, -EINVAL, phyr_dma_mapping_error(NULL, 0x1000))  \
	X(phyr_dma_unmap_phys, INT, -EINVAL,                                           \
	  phyr_dma_unmap_phys(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE, 0))              \
	X(phyr_dma_sync_for_cpu, INT, -EINVAL,                                         \
	  phyr_dma_sync_for_cpu(NULL, 0x1000, 4096, PHYR_DMA_FROM_DEVICE))             \
	X(phyr_dma_sync_for_device, INT, -EINVAL,                                      \
	  phyr_dma_sync_for_device(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE))            \
	X(phyr_dma_map_sg, INT, -EINVAL,                                               \
	  phyr_dma_map_sg(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE, 0, O1))              \
	X(phyr_dma_unmap_sg, INT, -EINVAL,                                             \
	  phyr_dma_unmap_sg(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE, 0))                \
	X(phyr_dma_sync_sg_for_cpu, INT, -EINVAL,                                      \
	  phyr_dma_sync_sg_for_cpu(NULL, SG64, SGE, 1, PHYR_DMA_FROM_DEVICE))          \
	X(phyr_dma_sync_sg_for_device, INT, -EINVAL,                                   \
	  phyr_dma_sync_sg_for_device(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE))         \
	X(phyr_dma_use_iova, U64, 0, phyr_dma_use_iova(NULL))                          \
	X(phyr_dma_iova_size, U64, 0, phyr_dma_iova_size(NULL))                        \
	X(phyr_dma_iova_try_alloc, INT, -EINVAL,                                       \
	  phyr_dma_iova_try_alloc(NULL, O1, 0x1000, 4096))                             \
	X(phyr_dma_iova_link, INT, -EINVAL,                                            \
	  phyr_dma_iova_link(NULL, O1, 0x1000, 0, 4096, PHYR_DMA_TO_DEVICE, 0))        \
	X(phyr_dma_iova_sync, INT, -EINVAL, phyr_dma_iova_sync(NULL, O1, 0, 4096))     \
	X(phyr_dma_iova_unlink, INT, -EINVAL,                                          \
	  phyr_dma_iova_unlink(NULL, O1, 0, 4096, PHYR_DMA_TO_DEVICE, 0))              \
	X(phyr_dma_iova_destroy, INT, -EINVAL,                                         \
	  phyr_dma_iova_destroy(NULL, O1, 4096, PHYR_DMA_TO_DEVICE, 0))                \
	X(phyr_dma_iova_free, INT, -EINVAL, phyr_dma_iova_free(NULL, O1))              \
	X(phyr_dma_map_phyr, INT, -EINVAL,                                             \
	  phyr_dma_map_phyr(NULL, O2, 1, PHYR_DMA_TO_DEVICE, 0, O1))                   \
	X(phyr_dma_unmap_phyr, INT, 0,                                                 \
	  phyr_dma_unmap_phyr(NULL, PHYR_DMA_TO_DEVICE, 0))                            \
	X(phyr_dma_phyr_sync_for_cpu, INT, -EINVAL,                                    \
	  phyr_dma_phyr_sync_for_cpu(NULL, PHYR_DMA_FROM_DEVICE))                      \
	X(phyr_dma_phyr_sync_for_device, INT, -EINVAL,                                 \
	  phyr_dma_phyr_sync_for_device(NULL, PHYR_DMA_TO_DEVICE))                     \
	X(phyr_dma_phyr_list, PTR, 0, phyr_dma_phyr_list(NULL, O1))                    \
	X(phyr_dma_phyr_get_info, ZERO, 0, phyr_dma_phyr_get_info(NULL, O1))           \
	X(phyr_dma_max_mapping_size, U64, SIZE_MAX, phyr_dma_max_mapping_size(NULL))   \
	X(phyr_dma_opt_mapping_size, U64, SIZE_MAX, phyr_dma_opt_mapping_size(NULL))   \
	X(phyr_dma_get_merge_boundary, U64, 0, phyr_dma_get_merge_boundary(NULL))      \
	/* dma-iommu.h */                                                              \
	X(phyr_iommu_dma_cookie_create, INT, -EINVAL,                                  \
	  phyr_iommu_dma_cookie_create(NULL, NULL, NULL))                              \
	X(phyr_iommu_dma_cookie_destroy, VOID, 0, phyr_iommu_dma_cookie_destroy(NULL)) \
	X(phyr_iommu_setup_dma_ops, INT, -EINVAL, phyr_iommu_setup_dma_ops(NULL, NULL)) \
	X(phyr_iommu_teardown_dma_ops, VOID, 0, phyr_iommu_teardown_dma_ops(NULL))     \
	X(phyr_iommu_dma_get_cookie, PTR, 0, phyr_iommu_dma_get_cookie(NULL))          \
	X(phyr_iommu_dma_cookie_domain, PTR, 0, phyr_iommu_dma_cookie_domain(NULL))    \
	X(phyr_iommu_dma_cookie_iovad, PTR, 0, phyr_iommu_dma_cookie_iovad(NULL))      \
	X(phyr_iommu_dma_cookie_granule, U64, 0, phyr_iommu_dma_cookie_granule(NULL))  \
	X(phyr_iommu_dma_cookie_ndevices, U64, 0, phyr_iommu_dma_cookie_ndevices(NULL)) \
	X(phyr_iommu_dma_get_stats, ZERO, 0, phyr_iommu_dma_get_stats(NULL, O1))       \
	X(phyr_iommu_dma_pci_32bit_workaround, U64, 0,                                 \
	  phyr_iommu_dma_pci_32bit_workaround(NULL))                                   \
	X(phyr_iommu_dma_alloc_iova, INT, -EINVAL,                                     \
	  phyr_iommu_dma_alloc_iova(NULL, 4096, ~0ull, O1))                            \
	X(phyr_iommu_dma_free_iova, INT, -EINVAL,                                      \
	  phyr_iommu_dma_free_iova(NULL, 0x1000, 4096))                                \
	X(phyr_iommu_dma_map_phys, INT, -EINVAL,                                       \
	  phyr_iommu_dma_map_phys(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE, 0, O1))      \
	X(phyr_iommu_dma_unmap_phys, INT, -EINVAL,                                     \
	  phyr_iommu_dma_unmap_phys(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE, 0))        \
	X(phyr_iommu_dma_sync_single_for_cpu, INT, -EINVAL,                            \
	  phyr_iommu_dma_sync_single_for_cpu(NULL, 0x1000, 4096, PHYR_DMA_FROM_DEVICE)) \
	X(phyr_iommu_dma_sync_single_for_device, INT, -EINVAL,                         \
	  phyr_iommu_dma_sync_single_for_device(NULL, 0x1000, 4096, PHYR_DMA_TO_DEVICE)) \
	X(phyr_iommu_dma_map_sg, INT, -EINVAL,                                         \
	  phyr_iommu_dma_map_sg(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE, 0, O1))        \
	X(phyr_iommu_dma_unmap_sg, INT, -EINVAL,                                       \
	  phyr_iommu_dma_unmap_sg(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE, 0))          \
	X(phyr_iommu_dma_sync_sg_for_cpu, INT, -EINVAL,                                \
	  phyr_iommu_dma_sync_sg_for_cpu(NULL, SG64, SGE, 1, PHYR_DMA_FROM_DEVICE))    \
	X(phyr_iommu_dma_sync_sg_for_device, INT, -EINVAL,                             \
	  phyr_iommu_dma_sync_sg_for_device(NULL, SG64, SGE, 1, PHYR_DMA_TO_DEVICE))   \
	X(phyr_iommu_dma_get_merge_boundary, U64, 0,                                   \
	  phyr_iommu_dma_get_merge_boundary(NULL))                                     \
	X(phyr_iommu_dma_opt_mapping_size, U64, 131072,                                \
	  phyr_iommu_dma_opt_mapping_size(NULL))                                       \
	X(phyr_iommu_dma_max_mapping_size, U64, SIZE_MAX,                              \
	  phyr_iommu_dma_max_mapping_size(NULL))                                       \
	/* builder.h */                                                                \
	X(phyr_system_build_string, INT, -EINVAL,                                      \
	  phyr_system_build_string(NULL, NULL, NULL, O1, NULL, 0))                     \
	X(phyr_system_build_string_opts, INT, -EINVAL,                                 \
	  phyr_system_build_string_opts(NULL, NULL, NULL, NULL, O1, NULL, 0))          \
	X(phyr_system_build_file, INT, -EINVAL,                                        \
	  phyr_system_build_file(NULL, NULL, O1, NULL, 0))                             \
	X(phyr_system_destroy, VOID, 0, phyr_system_destroy(NULL))                     \
	X(phyr_system_machine, PTR, 0, phyr_system_machine(NULL))                      \
	X(phyr_system_physmem, PTR, 0, phyr_system_physmem(NULL))                      \
	X(phyr_system_swiotlb, PTR, 0, phyr_system_swiotlb(NULL))                      \
	X(phyr_system_dma_debug, PTR, 0, phyr_system_dma_debug(NULL))                  \
	X(phyr_system_ncpus, U64, 0, phyr_system_ncpus(NULL))                          \
	X(phyr_system_device, PTR, 0, phyr_system_device(NULL, "nic"))                 \
	X(phyr_system_pci_dev, PTR, 0, phyr_system_pci_dev(NULL, "nic"))               \
	X(phyr_system_ndevices, U64, 0, phyr_system_ndevices(NULL))                    \
	X(phyr_system_device_at, PTR, 0, phyr_system_device_at(NULL, 0))               \
	X(phyr_system_group_cookie, PTR, 0, phyr_system_group_cookie(NULL, "g0"))

enum kind { INT, U64, PTR, VOID, ZERO, ZERO32 };

#define VALUE_INT(e) ((int64_t)(e))
#define VALUE_U64(e) ((int64_t)(uint64_t)(e))
#define VALUE_PTR(e) ((int64_t)(intptr_t)(e))
#define VALUE_VOID(e) ((e), (int64_t)0)
#define VALUE_ZERO(e) ((e), (int64_t)0)
#define VALUE_ZERO32(e) ((e), (int64_t)0)

#define DEFINE_CALL(id, kind, expected, call) \
	static int64_t call_##id(void) { return VALUE_##kind(call); }
NULL_TABLE(DEFINE_CALL)

struct row {
	const char *id;
	enum kind kind;
	int64_t expected;
	int64_t (*call)(void);
};

#define ROW(id, kind, expected, call) { #id, kind, (int64_t)(expected), call_##id },
static const struct row rows[] = { NULL_TABLE(ROW) };
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/*
 * Runs one row in a child process, so that a crash is reported by name and
 * the other rows still run. Returns false if the call crashed.
 */
static bool run_row(const struct row *r, int64_t *got, uint64_t *out0)
{
	int64_t res[2] = { 0, 0 };
	int fd[2], status;
	pid_t pid;

	assert_int_equal(pipe(fd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* CMocka's handlers would report the crash as this test's */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		close(fd[0]);
		memset(&o1, 0xa5, sizeof(o1));
		memset(&o2, 0xa5, sizeof(o2));
		memset(&o3, 0xa5, sizeof(o3));
		memset(&o4, 0xa5, sizeof(o4));
		res[0] = r->call();
		res[1] = (int64_t)o1.u64[0];
		_exit(write(fd[1], res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], res, sizeof(res)) != (ssize_t)sizeof(res))
		res[0] = res[1] = 0;
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*got = res[0];
	*out0 = (uint64_t)res[1];
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_api_null_table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		uint64_t out0;
		int64_t got;

		if (!run_row(r, &got, &out0)) {
			print_error("%s(NULL...) crashed\n", r->id);
			bad++;
			continue;
		}
		if ((r->kind == INT || r->kind == U64 || r->kind == PTR) && got != r->expected) {
			print_error("%s(NULL...) returned %lld, expected %lld\n", r->id,
				    (long long)got, (long long)r->expected);
			bad++;
		}
		if ((r->kind == ZERO && out0 != 0) ||
		    (r->kind == ZERO32 && (uint32_t)out0 != 0)) {
			print_error("%s(NULL, out) left *out as 0x%llx, expected zeroed\n", r->id,
				    (unsigned long long)out0);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The name a row tests: its id without a "_<digit>" variant suffix. */
static bool row_covers(const struct row *r, const char *name)
{
	size_t n = strlen(name);

	return strncmp(r->id, name, n) == 0 &&
	       (r->id[n] == '\0' || (r->id[n] == '_' && r->id[n + 1] >= '0' &&
				     r->id[n + 1] <= '9' && r->id[n + 2] == '\0'));
}

static bool covered(const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (row_covers(&rows[i], name))
			return true;
	for (size_t i = 0; i < sizeof(no_object) / sizeof(no_object[0]); i++)
		if (strcmp(no_object[i], name) == 0)
			return true;
	return false;
}

static const char *include_dir;

/* Every PHYR_EXPORT function of the listed headers has a row. */
static void test_api_null_covers_headers(void **state)
{
	size_t nfuncs = 0, missing = 0;

	(void)state;
	if (!include_dir)
		skip();
	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
		char path[4096], *text, *p;
		FILE *f;
		long len;

		snprintf(path, sizeof(path), "%s/%s", include_dir, headers[h]);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		len = ftell(f);
		assert_true(len > 0);
		rewind(f);
		text = calloc(1, (size_t)len + 1);
		assert_non_null(text);
		assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		for (p = text; (p = strstr(p, "PHYR_EXPORT ")) != NULL; p++) {
			char name[128];
			const char *paren = strchr(p, '('), *e, *b;

			if (p > text && p[-1] == ' ' && p - text >= 8 &&
			    strncmp(p - 8, "#define ", 8) == 0)
				continue;
			assert_non_null(paren);
			for (e = paren; e > p && e[-1] == ' '; e--)
				;
			for (b = e; b > p && (b[-1] == '_' || (b[-1] >= 'a' && b[-1] <= 'z') ||
					      (b[-1] >= '0' && b[-1] <= '9')); b--)
				;
			assert_true(e - b > 0 && (size_t)(e - b) < sizeof(name));
			memcpy(name, b, (size_t)(e - b));
			name[e - b] = '\0';
			nfuncs++;
			if (!covered(name)) {
				print_error("%s: %s has no row in NULL_TABLE\n", headers[h], name);
				missing++;
			}
		}
		free(text);
	}
	assert_true(nfuncs > 100);
	assert_int_equal(missing, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_null_table),
		cmocka_unit_test(test_api_null_covers_headers),
	};

	if (argc > 1)
		include_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
