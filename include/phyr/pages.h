/* SPDX-License-Identifier: MIT */
/*
 * Physical page patterns: page lists like a real machine's, from a seeded
 * model of Linux's buddy allocator (orders 0-10, 4 KiB pages).
 *
 * The machine is x86-64 shaped: RAM from 16 MiB to 3 GiB and from 4 GiB
 * up (the PCI hole in between). Memory is modelled in 1 GiB arenas, each
 * in the state a churned buddy allocator leaves: every 4 MiB (order-10)
 * block is either free or, with probability frag, broken by earlier
 * allocations: a broken block splits into buddies, each of which splits
 * again with probability frag, else is occupied or free with even odds
 * (free buddies coalesce, as in the buddy allocator). About
 * (1 - frag / 2) of the memory is free; frag sets how small its pieces are. Each order's free
 * list is shuffled after churn (LIFO frees in random order) and ascending
 * after boot. Allocation follows Linux's __rmqueue_smallest / expand(): take
 * the smallest-order free block that fits, keep the lower half, push the
 * upper halves; so a stream of order-0 allocations eats each split block
 * in ascending page order, which the generator emits as one run. Arenas
 * are used in ascending address order (ZONE_NORMAL first, DMA32 last) and
 * generated on demand, so 100 GiB patterns stream in constant memory.
 *
 * Patterns: FRESH (boot-time lists, little fragmentation), FRAGMENTED
 * (order-0 allocations after churn), THP (order-9 folios, order-0 fall-back
 * when an arena has no free block of order >= 9), HUGETLB (1 GiB pages of
 * a pool reserved at boot in 1 GiB-aligned windows; frag = share of
 * windows that were not free), SCATTERED (4 KiB pages no two of which are
 * adjacent), BAR (device BAR chunks of 64 KiB - 2 MiB for peer-to-peer, at
 * chunk-aligned places in a BAR aperture; frag = chance of a gap).
 */
#ifndef PHYR_PAGES_H
#define PHYR_PAGES_H

/*
 * NULL objects: with a NULL generator, next and fill return -EINVAL,
 * get_stats zeroes *@out and destroy does nothing; create with a NULL @out
 * returns -EINVAL.
 */

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_pages;

enum phyr_pages_pattern {
	PHYR_PAGES_FRESH = 0,
	PHYR_PAGES_FRAGMENTED,
	PHYR_PAGES_THP,
	PHYR_PAGES_HUGETLB,
	PHYR_PAGES_SCATTERED,
	PHYR_PAGES_BAR,
	PHYR_PAGES_NPATTERNS
};

/* frag_permille value that selects the pattern's default. */
#define PHYR_PAGES_FRAG_DEFAULT UINT32_MAX

/* Default BAR aperture: where large-BAR GPUs land on x86-64 servers. */
#define PHYR_PAGES_BAR_BASE_DEFAULT UINT64_C(0x2c000000000)

/**
 * struct phyr_pages_opts - what to generate.
 * @pattern: enum phyr_pages_pattern.
 * @seed: PRNG seed; the same options give the same pages.
 * @bytes: total to hand out (rounded up to 4 KiB; 0 = unlimited).
 * @frag_permille: fragmentation knob, 0..1000, or PHYR_PAGES_FRAG_DEFAULT
 *	(FRESH 20, FRAGMENTED 600, THP 100, HUGETLB 200, SCATTERED 1000,
 *	BAR 300).
 * @mem_bytes: RAM above 4 GiB (0 = grows as needed); when set, running
 *	out of memory is -ENOSPC.
 * @bar_base: BAR aperture start, 1 GiB aligned (0 = the default).
 * @bar_size: BAR aperture size (0 = max(32 GiB, 2 x bytes)).
 */
struct phyr_pages_opts {
	enum phyr_pages_pattern pattern;
	uint64_t seed;
	uint64_t bytes;
	uint32_t frag_permille;
	uint64_t mem_bytes;
	uint64_t bar_base;
	uint64_t bar_size;
};

/** struct phyr_pages_run - @npages 4 KiB pages from @pfn up, allocated in a row. */
struct phyr_pages_run {
	uint64_t pfn;
	uint64_t npages;
};

/**
 * struct phyr_pages_stats - what the generator did.
 * @narenas: 1 GiB arenas generated.
 * @nblocks: free blocks taken, per order.
 * @nfallback_pages: THP pattern: pages handed out as order-0 fall-back.
 * @npages: pages handed out.
 */
struct phyr_pages_stats {
	uint64_t narenas;
	uint64_t nblocks[11];
	uint64_t nfallback_pages;
	uint64_t npages;
};

/**
 * phyr_pages_create() - make a page generator.
 * @opts: what to generate.
 * @alloc: allocator (NULL = malloc).
 * @out: receives the generator; free with phyr_pages_destroy().
 * Return: 0, -EINVAL (bad pattern, knob above 1000, misaligned BAR),
 * -ENOMEM.
 */
PHYR_EXPORT int phyr_pages_create(const struct phyr_pages_opts *opts,
				  const struct phyr_allocator *alloc, struct phyr_pages **out);

/** phyr_pages_destroy() - free a generator; NULL does nothing. */
PHYR_EXPORT void phyr_pages_destroy(struct phyr_pages *g);

/**
 * phyr_pages_next() - the next pages, in allocation order.
 * @g: the generator.
 * @max_pages: at most this many pages (0 = no limit); the rest of a block
 *	is handed out by the next call.
 * @run: receives a run of pages with ascending pfns.
 * Return: 1 with *@run set, 0 when @bytes have been handed out, -ENOSPC
 * when the machine (or BAR aperture) has no more, -ENOMEM, -EINVAL.
 * Consecutive runs may be physically contiguous: callers coalesce.
 */
PHYR_EXPORT int phyr_pages_next(struct phyr_pages *g, uint64_t max_pages,
				struct phyr_pages_run *run);

/**
 * phyr_pages_fill() - hand out up to @max pages into a page array.
 * @pfns: receives the pfns.
 * @n: receives how many were written (fewer than @max at the end).
 * Return: 0, or phyr_pages_next()'s errors.
 */
PHYR_EXPORT int phyr_pages_fill(struct phyr_pages *g, uint64_t *pfns, size_t max, size_t *n);

/** phyr_pages_get_stats() - copy the generator's counters into @out. */
PHYR_EXPORT void phyr_pages_get_stats(const struct phyr_pages *g, struct phyr_pages_stats *out);

/** phyr_pages_pattern_name() - "fresh", "fragmented", "thp", "hugetlb",
 * "scattered", "bar"; NULL if out of range. */
PHYR_EXPORT const char *phyr_pages_pattern_name(enum phyr_pages_pattern p);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_PAGES_H */
