/* SPDX-License-Identifier: MIT */
/*
 * Memory accounting: what a list of physical ranges costs in each
 * representation (page array, bio_vec, scatterlist in each layout, plain,
 * packed and rlist phyr lists), measured three ways:
 *  - layout bytes: exact struct bytes, chain slots and chunk padding
 *    included, by layout arithmetic;
 *  - kernel bytes: what the same blocks take in Linux: kmalloc size
 *    classes 8, 16, 32, 64, 96, 128, 192, 256, 512, 1K, 2K, 4K, 8K; above
 *    8 KiB whole power-of-two page orders up to KMALLOC_MAX_SIZE (4 MiB),
 *    above that vmalloc's whole pages (the kvmalloc fall-back); a full
 *    scatterlist chunk is one page from the page allocator;
 *  - heap bytes: the size class a userspace heap really gives each block,
 *    through a pluggable backend (phyr-sim installs one on jemalloc's
 *    nallocx). libphyr itself never links jemalloc.
 * Scatterlist tables are chained as Linux's __sg_alloc_table does (spec
 * 9.3): chunks of SG_MAX_SINGLE_ALLOC = 4096 / entry size slots whose last
 * slot links to the next chunk, so 127 data entries per 4 KiB at 32 B.
 */
#ifndef PHYR_ACCOUNT_H
#define PHYR_ACCOUNT_H

/*
 * NULL objects: a NULL @out gives -EINVAL (phyr_account_array,
 * phyr_account_sg_table, phyr_ledger_create); with a NULL ledger, add and
 * cost return -EINVAL, get_totals zeroes *@out and destroy does nothing.
 * phyr_account_get_backend(NULL) returns false.
 */

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_ledger;

/**
 * struct phyr_account_backend - heap size-class oracle.
 * @name: shown in reports ("jemalloc").
 * @size_class: bytes the heap really reserves for a request of @size bytes
 *	(jemalloc: nallocx(size, 0)); never called with 0.
 * @ctx: passed to @size_class.
 */
struct phyr_account_backend {
	const char *name;
	size_t (*size_class)(void *ctx, size_t size);
	void *ctx;
};

/**
 * phyr_account_set_backend() - install the process-wide backend (copied);
 * NULL removes it. Not thread-safe: install before other threads account.
 */
PHYR_EXPORT void phyr_account_set_backend(const struct phyr_account_backend *b);

/** phyr_account_get_backend() - copy the installed backend into @out;
 * false (and @out untouched) when none is installed. */
PHYR_EXPORT bool phyr_account_get_backend(struct phyr_account_backend *out);

/** phyr_account_heap_size() - heap bytes for a block of @size bytes: the
 * backend's size class, or @size itself without a backend; 0 for 0. */
PHYR_EXPORT uint64_t phyr_account_heap_size(uint64_t size);

/** phyr_account_kmalloc_size() - bytes a kmalloc(@size) block takes in the
 * kernel: the size class up to 8 KiB, then 4 KiB << order; 0 for 0;
 * UINT64_MAX above KMALLOC_MAX_SIZE (4 MiB), which kmalloc refuses. */
PHYR_EXPORT uint64_t phyr_account_kmalloc_size(uint64_t size);

/** phyr_account_kvmalloc_size() - as phyr_account_kmalloc_size(), but
 * blocks above 4 MiB fall back to vmalloc (whole 4 KiB pages). */
PHYR_EXPORT uint64_t phyr_account_kvmalloc_size(uint64_t size);

/** enum phyr_repr - the representations the memory ledger compares. */
enum phyr_repr {
	PHYR_REPR_PAGE_ARRAY = 0, /* struct page * per 4 KiB page, 8 B */
	PHYR_REPR_BIO_VEC,        /* struct bio_vec per segment, 16 B */
	PHYR_REPR_SG24,           /* scatterlist, 24 B (no dma_length), chained */
	PHYR_REPR_SG32,           /* scatterlist, 32 B (x86-64 default), chained */
	PHYR_REPR_SG40,           /* scatterlist, 40 B (old CONFIG_DEBUG_SG), chained */
	PHYR_REPR_SG32_FLAT,      /* scatterlist, 32 B, one unchained kvmalloc array */
	PHYR_REPR_PHYR,           /* struct phyr array, 16 B per run */
	PHYR_REPR_PACKED,         /* packed phyr, chunked */
	PHYR_REPR_RLIST,          /* rlist, chunked */
	PHYR_REPR_COUNT
};

/** phyr_repr_name() - short stable name ("page-array", "bio_vec", "sg24",
 * "sg32", "sg40", "sg32-flat", "phyr", "packed", "rlist"); NULL if out of
 * range. */
PHYR_EXPORT const char *phyr_repr_name(enum phyr_repr r);

/**
 * struct phyr_mem_cost - the memory of one representation of one list.
 * @nentries: data entries (chain links excluded).
 * @nslots: entry slots allocated (scatterlist: data + chain links).
 * @nblocks: allocations (arrays, scatterlist chunks, list chunks).
 * @nbytes: exact layout bytes of the storage blocks.
 * @ndesc_bytes: fixed descriptor beside the storage (sg_table 16 B,
 *	packed header 32 B, rlist head 8 B), not included in @nbytes.
 * @nkernel_bytes: the blocks' bytes under the kernel's allocators.
 * @nheap_bytes: the blocks' bytes through the heap backend (the
 *	requested sizes when none is installed).
 */
struct phyr_mem_cost {
	uint64_t nentries;
	uint64_t nslots;
	uint64_t nblocks;
	uint64_t nbytes;
	uint64_t ndesc_bytes;
	uint64_t nkernel_bytes;
	uint64_t nheap_bytes;
};

/**
 * phyr_account_array() - one kvmalloc'd array of @n entries of
 * @entry_size bytes (page array, bio_vec, plain phyr, flat scatterlist).
 * Return: 0, -EINVAL (entry_size 0 or n * entry_size overflows, NULL @out).
 */
PHYR_EXPORT int phyr_account_array(uint64_t n, uint32_t entry_size, struct phyr_mem_cost *out);

/**
 * phyr_account_sg_table() - a chained scatterlist table of @nents data
 * entries of @entry_size bytes (16..4096), as __sg_alloc_table allocates
 * it with 4 KiB pages; @ndesc_bytes is the 16-byte sg_table.
 * Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_account_sg_table(uint64_t nents, uint32_t entry_size,
				      struct phyr_mem_cost *out);

/**
 * phyr_account_floor_bits() - information floor of one run (spec
 * encodings.md): 52 + ceil(log2(pages + 1)) bits for a page-aligned run,
 * 64 + ceil(log2(bytes + 1)) bits otherwise; 0 for @len 0.
 */
PHYR_EXPORT uint64_t phyr_account_floor_bits(uint64_t addr, uint64_t len);

/**
 * phyr_account_sg_segments() - entries one run takes in a scatterlist or
 * bio_vec array built from its pages with max_segment = UINT_MAX (rounded
 * down to 4 GiB - 4 KiB, i.e. at most 1048575 pages per entry).
 */
PHYR_EXPORT uint64_t phyr_account_sg_segments(uint64_t addr, uint64_t len);

/** phyr_account_pages() - 4 KiB pages the run [@addr, @addr + @len) touches. */
PHYR_EXPORT uint64_t phyr_account_pages(uint64_t addr, uint64_t len);

/**
 * struct phyr_ledger_totals - what went into a ledger.
 * @nruns: coalesced runs.
 * @npages: 4 KiB pages touched, summed over runs.
 * @nbytes: total bytes.
 * @nfloor_bits: information floor in bits; @nfloor_bytes rounded up.
 */
struct phyr_ledger_totals {
	uint64_t nruns;
	uint64_t npages;
	uint64_t nbytes;
	uint64_t nfloor_bits;
	uint64_t nfloor_bytes;
};

/**
 * phyr_ledger_create() - a streaming memory ledger: feed it runs with
 * phyr_ledger_add(), read every representation's cost at any time, in
 * constant memory (the packed and rlist encoders run in measure-only
 * mode).
 * @chunk_size: chunk bytes of the packed list (0 = 512); rlist always 512.
 * @alloc: allocator (NULL = malloc).
 * @out: receives the ledger; free with phyr_ledger_destroy().
 * Return: 0, -EINVAL, -ENOMEM.
 */
PHYR_EXPORT int phyr_ledger_create(uint32_t chunk_size, const struct phyr_allocator *alloc,
				   struct phyr_ledger **out);

/** phyr_ledger_destroy() - free a ledger; NULL does nothing. */
PHYR_EXPORT void phyr_ledger_destroy(struct phyr_ledger *g);

/**
 * phyr_ledger_add() - add the range [@addr, @addr + @len); a range that
 * continues the previous one extends its run. 0 bytes add nothing.
 * Return: 0, -EINVAL (range past 2^64), -ERANGE (total past 2^64 - 1);
 * the ledger is unchanged on error.
 */
PHYR_EXPORT int phyr_ledger_add(struct phyr_ledger *g, uint64_t addr, uint64_t len);

/** phyr_ledger_cost() - cost of representation @r. Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_ledger_cost(const struct phyr_ledger *g, enum phyr_repr r,
				 struct phyr_mem_cost *out);

/** phyr_ledger_get_totals() - runs, pages, bytes and floor so far. */
PHYR_EXPORT void phyr_ledger_get_totals(const struct phyr_ledger *g,
					struct phyr_ledger_totals *out);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_ACCOUNT_H */
