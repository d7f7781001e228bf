/* SPDX-License-Identifier: MIT */
/*
 * libphyr IOVA allocator: a model of Linux's drivers/iommu/iova.c (v6.17).
 *
 * A domain hands out ranges of IOVA page frames ("pfns", in units of the
 * domain's granule) below a caller-given inclusive limit. The default
 * "linux" policy reproduces Linux's placement bit for bit: top-down
 * next-fit from a cached node (separate hints for the 32-bit zone and
 * above), size alignment to roundup_pow_of_two(size) with the exact node
 * length, the max32_alloc_size fast-fail, the second pass above the old
 * hint, reserve_iova()'s merge/extend rules, and the per-CPU range cache
 * (magazines of 127 pfns per size class, loaded/prev pair per CPU, a LIFO
 * depot per class, flush-all-and-retry on failure, depot trimming per
 * 100 ms tick). Same calls, same pfns, every time.
 *
 * Other placement policies plug in through struct phyr_iova_policy_ops
 * (see docs/iova.md): "augmented" returns exactly Linux's pfns with an
 * O(log n) search; "buddy" is a power-of-two buddy allocator with its own
 * placement.
 *
 * Differences from Linux, all under conditions where Linux misbehaves:
 * size 0 and reserve with lo > hi are rejected (-EINVAL); the anchor node
 * can never be found or freed; a node allocation failure returns -ENOMEM
 * without flushing the range caches.
 */
#ifndef PHYR_IOVA_H
#define PHYR_IOVA_H

/*
 * NULL objects: with a NULL domain, every function returning int gives
 * -EINVAL; phyr_iova_domain_policy returns NULL, phyr_iova_rcache_range 0;
 * get_stats, usage, domain_config and cache_memory zero their outputs;
 * flush_rcaches, tick and destroy do nothing. phyr_iova_config_init(NULL)
 * and phyr_iova_policy_find(NULL) (which returns NULL) do nothing either.
 */

#include "phyr/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_iova_domain;

/** Linux's defaults. */
#define PHYR_IOVA_MAG_SIZE 127          /* pfns per magazine */
#define PHYR_IOVA_RCACHE_CLASSES 6      /* size classes 2^0..2^5 granules */
#define PHYR_IOVA_MAX_RCACHE_CLASSES 16 /* largest configurable number of classes */
#define PHYR_IOVA_DEFAULT_CPUS 4        /* the replay/bench machine */
#define PHYR_IOVA_MAX_CPUS 1024

/**
 * struct phyr_iova_policy_env - what a policy gets at init.
 * @start_pfn: lowest allocatable pfn.
 * @granule_shift: log2 of the granule.
 * @dma_32bit_pfn: exclusive end of the 32-bit zone (1 << (32 - shift)).
 * @alloc: allocator for the policy's nodes (never NULL).
 * @stats: counters the policy updates (tree fields of struct phyr_iova_stats).
 */
struct phyr_iova_stats;
struct phyr_iova_policy_env {
	uint64_t start_pfn;
	unsigned int granule_shift;
	uint64_t dma_32bit_pfn;
	const struct phyr_allocator *alloc;
	struct phyr_iova_stats *stats;
};

/**
 * struct phyr_iova_policy_ops - a placement policy (the range tree).
 *
 * The domain calls these with its tree lock held (threaded domains) and
 * keeps the per-CPU range cache on top of them. Every function that can
 * fail must leave the policy's state unchanged when it does.
 * @name: short name ("linux", "augmented", "buddy", ...).
 * @priv_size: bytes of private state the domain allocates (zeroed) for it.
 * @init: set up an empty space. 0 or -ENOMEM/-EINVAL.
 * @finish: release everything (cached or not).
 * @alloc: allocate @size pfns ending at or below @limit_pfn (inclusive);
 *	@aligned: start aligned to roundup_pow_of_two(@size). 0 with *@pfn set,
 *	-ENOSPC (no space), -ENOMEM (node allocation failed).
 * @remove: find the range holding @pfn and free it; its bounds go to *@lo,
 *	*@hi. 0 or -ENOENT.
 * @find: bounds of the range holding @pfn. 0 or -ENOENT.
 * @reserve: reserve [@lo, @hi]; *@rlo, *@rhi get the range that now
 *	covers the request's end (Linux's returned node). 0, -EINVAL, -ENOMEM.
 * @walk: call @cb on each range in ascending order; stops at the first
 *	non-zero return of @cb and returns it.
 * @check: optional: verify internal invariants, return 0 or -EFAULT.
 */
struct phyr_iova_policy_ops {
	const char *name;
	size_t priv_size;
	int (*init)(void *priv, const struct phyr_iova_policy_env *env);
	void (*finish)(void *priv);
	int (*alloc)(void *priv, uint64_t size, uint64_t limit_pfn, bool aligned, uint64_t *pfn);
	int (*remove)(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi);
	int (*find)(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi);
	int (*reserve)(void *priv, uint64_t lo, uint64_t hi, uint64_t *rlo, uint64_t *rhi);
	int (*walk)(void *priv, int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx);
	int (*check)(void *priv);
};

/** The built-in policies. */
PHYR_EXPORT const struct phyr_iova_policy_ops *phyr_iova_policy_linux(void);
PHYR_EXPORT const struct phyr_iova_policy_ops *phyr_iova_policy_augmented(void);
PHYR_EXPORT const struct phyr_iova_policy_ops *phyr_iova_policy_buddy(void);

/** Looks a built-in policy up by name; NULL if there is none. */
PHYR_EXPORT const struct phyr_iova_policy_ops *phyr_iova_policy_find(const char *name);

/**
 * struct phyr_iova_config - domain options. A zeroed field means Linux's
 * default (or the replay machine's, for @ncpus).
 * @ncpus: CPUs (per-CPU range caches), ids 0..ncpus-1, all online. 0 = 4.
 * @mag_size: pfns per magazine. 0 = 127.
 * @rcache_classes: number of size classes (class k caches 2^k granules;
 *	allocations below 2^(classes-1) are rounded up). 0 = 6.
 * @no_rcache: no per-CPU range cache: fast calls go to the tree.
 * @depot_max: the depot of full magazines per size class. 0 = Linux v6.7
 *	and later: an unbounded list, trimmed to the online CPUs by delayed
 *	work (phyr_iova_tick). N = before v6.7: a fixed array of N
 *	magazines (Linux: 32, MAX_GLOBAL_MAGS); a full magazine meeting a full
 *	depot goes back to the tree at once, and nothing is trimmed.
 * @threaded: fast calls may come from several threads at once, each
 *	acting as one CPU (locks where Linux has them). Default: no locks.
 * @policy: placement policy; NULL = linux.
 */
struct phyr_iova_config {
	unsigned int ncpus;
	unsigned int mag_size;
	unsigned int rcache_classes;
	bool no_rcache;
	bool threaded;
	const struct phyr_iova_policy_ops *policy;
	unsigned int depot_max;
};

/**
 * struct phyr_iova_stats - counters of a domain (since creation).
 */
struct phyr_iova_stats {
	/* tree (policy) counters */
	uint64_t nallocs;          /* tree allocations attempted */
	uint64_t nalloc_fails;     /* tree allocations that found no space */
	uint64_t nmax32_fastfails; /* failures decided by max32_alloc_size alone */
	uint64_t nsecond_passes;   /* searches that ran the second pass */
	uint64_t nnodes_visited;   /* tree nodes the allocation searches touched */
	uint64_t nfrees;           /* ranges removed from the tree */
	uint64_t nreserves;        /* reserve calls that succeeded */
	uint64_t nnodes;           /* ranges in the tree now (anchor excluded) */
	uint64_t npages;           /* pfns those ranges cover */
	uint64_t nnomem;           /* allocator hook failures */
	/* range cache counters */
	uint64_t nfast_allocs;     /* alloc_fast calls */
	uint64_t nfast_frees;      /* free_fast calls */
	uint64_t nrcache_hits;     /* alloc_fast served from a magazine */
	uint64_t nrcache_misses;   /* alloc_fast of a cacheable size not served */
	uint64_t nrcache_inserts;  /* free_fast kept in a magazine */
	uint64_t nrcache_rejects;  /* free_fast of a cacheable size sent to the tree */
	uint64_t ndepot_pushes;    /* full magazines pushed to a depot */
	uint64_t ndepot_pops;      /* magazines popped from a depot */
	uint64_t ndepot_trims;     /* magazines freed by the depot-trim tick */
	uint64_t nflush_retries;   /* alloc_fast flush-all-and-retry runs */
	uint64_t nwarnings;        /* Linux's WARN_ONs: cached pfns not in the tree, an inverted reserve at a taken pfn_lo */
	uint64_t nmagazines;       /* magazines allocated now */
};

/** Fills @cfg with the defaults (ncpus 4, 127, 6 classes, linux). */
PHYR_EXPORT void phyr_iova_config_init(struct phyr_iova_config *cfg);

/**
 * phyr_iova_domain_create() - init_iova_domain() + iova_domain_init_rcaches().
 * @granule: IOVA page size in bytes: a power of two, at most 4096.
 * @start_pfn: lowest pfn handed out (dma-iommu uses at least 1).
 * @cfg: options (NULL = defaults); copied.
 * @a: allocator for everything the domain holds (NULL = malloc); must
 *	outlive the domain.
 * @out: the new domain.
 * Return: 0, -EINVAL (bad granule or config), -ENOMEM.
 */
PHYR_EXPORT int phyr_iova_domain_create(uint64_t granule, uint64_t start_pfn,
					const struct phyr_iova_config *cfg,
					const struct phyr_allocator *a,
					struct phyr_iova_domain **out);

/** put_iova_domain(): frees the domain and every range and magazine. NULL: no-op. */
PHYR_EXPORT void phyr_iova_domain_destroy(struct phyr_iova_domain *dom);

/**
 * phyr_iova_alloc() - alloc_iova(): a range from the tree, never the cache.
 * @size: pfns, >= 1 (at most 2^63 when @aligned).
 * @limit_pfn: highest pfn the range may use (inclusive).
 * @aligned: start aligned to roundup_pow_of_two(@size).
 * @pfn: out: the range's first pfn.
 * Return: 0, -EINVAL (bad size), -ENOSPC (no space; as in Linux this also
 * sets max32_alloc_size = @size), -ENOMEM (node allocation failed).
 */
PHYR_EXPORT int phyr_iova_alloc(struct phyr_iova_domain *dom, uint64_t size,
				uint64_t limit_pfn, bool aligned, uint64_t *pfn);

/**
 * phyr_iova_free() - find_iova() + __free_iova(): frees the whole range
 * holding @pfn. @lo, @hi (may be NULL) get its bounds.
 * Return: 0 or -ENOENT (no range holds @pfn).
 */
PHYR_EXPORT int phyr_iova_free(struct phyr_iova_domain *dom, uint64_t pfn, uint64_t *lo, uint64_t *hi);

/** find_iova(): bounds of the range holding @pfn. 0 or -ENOENT. */
PHYR_EXPORT int phyr_iova_find(struct phyr_iova_domain *dom, uint64_t pfn, uint64_t *lo, uint64_t *hi);

/**
 * phyr_iova_reserve() - reserve_iova(): keeps [@lo, @hi] from being handed
 * out. Existing ranges it overlaps are extended downward in place; *@rlo,
 * *@rhi (may be NULL) get the range Linux returns: the existing range that
 * covers the rest of the request, or the newly inserted remainder. As in
 * Linux, @lo above @hi is a legal call: it returns the range holding both
 * @hi and @lo if there is one, else it inserts the empty node [@lo, @hi]
 * (under the buddy policy it fails with -EINVAL).
 * Return: 0, -EINVAL (a bound above U64_MAX >> granule shift: Linux's
 * failure), -ENOMEM.
 */
PHYR_EXPORT int phyr_iova_reserve(struct phyr_iova_domain *dom, uint64_t lo, uint64_t hi,
				  uint64_t *rlo, uint64_t *rhi);

/**
 * phyr_iova_alloc_fast() - alloc_iova_fast() as CPU @cpu.
 * Sizes below 2^(classes-1) are rounded up to a power of two; the CPU's
 * magazines (loaded, prev, then the depot) are tried first, then the
 * tree (size-aligned); if that fails and @flush, every online CPU's
 * caches and the depots are returned to the tree and the tree is tried
 * once more. @pfn (out, not NULL) gets the range's first pfn. In a
 * threaded domain, each CPU id must be used by one thread at a time.
 * Return: 0 with *@pfn set, -EINVAL (size 0 or above 2^63, CPU out of
 * range or offline), -ENOSPC, -ENOMEM.
 */
PHYR_EXPORT int phyr_iova_alloc_fast(struct phyr_iova_domain *dom, uint64_t size,
				     uint64_t limit_pfn, unsigned int cpu, bool flush,
				     uint64_t *pfn);

/**
 * phyr_iova_free_fast() - free_iova_fast() as CPU @cpu: @size is the size
 * given to alloc_fast (unrounded). The pfn goes into the CPU's magazine of
 * class order_base_2(@size) when that class is cached and a magazine has
 * room (or a new one can be allocated), else the range is freed in the
 * tree. Like Linux, the pfn is not checked against the tree.
 * Return: 0 or -EINVAL (bad CPU).
 */
PHYR_EXPORT int phyr_iova_free_fast(struct phyr_iova_domain *dom, uint64_t pfn, uint64_t size,
				    unsigned int cpu);

/**
 * phyr_iova_flush_rcaches() - returns every online CPU's magazines (CPU by
 * CPU, class by class, loaded then prev) and then every depot (LIFO) to
 * the tree: the replenish step of alloc_iova_fast().
 */
PHYR_EXPORT void phyr_iova_flush_rcaches(struct phyr_iova_domain *dom);

/**
 * phyr_iova_tick() - one IOVA_DEPOT_DELAY (100 ms) passes: each class with
 * pending trim work (classes in order) frees its most recently pushed
 * depot magazine if the depot holds more magazines than online CPUs, and
 * re-arms. Magazines are allocated and freed with the domain's allocator;
 * a tick never fails.
 */
PHYR_EXPORT void phyr_iova_tick(struct phyr_iova_domain *dom);

/**
 * phyr_iova_cpu_offline() - CPU hot-unplug: the CPU's magazines go back to
 * the tree and the CPU no longer counts as online.
 * phyr_iova_cpu_online() brings it back. Return: 0 or -EINVAL.
 */
PHYR_EXPORT int phyr_iova_cpu_offline(struct phyr_iova_domain *dom, unsigned int cpu);
PHYR_EXPORT int phyr_iova_cpu_online(struct phyr_iova_domain *dom, unsigned int cpu);

/** Counters, summed over CPUs. */
PHYR_EXPORT void phyr_iova_get_stats(struct phyr_iova_domain *dom, struct phyr_iova_stats *st);

/** Ranges in the tree (anchor excluded, cached ones included) and pfns they cover. */
PHYR_EXPORT void phyr_iova_usage(struct phyr_iova_domain *dom, uint64_t *nodes, uint64_t *pages);

/** Calls @cb(ctx, lo, hi) on every range in ascending order; returns the first non-zero @cb result. */
PHYR_EXPORT int phyr_iova_walk(struct phyr_iova_domain *dom,
			       int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx);

/** Verifies the domain's invariants (policy tree, magazines). 0 or -EFAULT. */
PHYR_EXPORT int phyr_iova_check(struct phyr_iova_domain *dom);

/** The domain's policy and configuration (with defaults filled in). */
PHYR_EXPORT const struct phyr_iova_policy_ops *phyr_iova_domain_policy(struct phyr_iova_domain *dom);
PHYR_EXPORT void phyr_iova_domain_config(struct phyr_iova_domain *dom, struct phyr_iova_config *cfg);

/**
 * phyr_iova_rcache_range() - iova_rcache_range(): the largest mapping in
 * bytes the range cache serves (PAGE_SIZE << (classes - 1): 128 KiB by
 * default); dma-iommu's dma_opt_mapping_size(). 0 when the cache is off.
 */
PHYR_EXPORT uint64_t phyr_iova_rcache_range(struct phyr_iova_domain *dom);

/** Bytes of cache magazines currently held, per CPU (loaded+prev) and in depots. */
PHYR_EXPORT void phyr_iova_cache_memory(struct phyr_iova_domain *dom, uint64_t *per_cpu_bytes,
					uint64_t *depot_bytes);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_IOVA_H */
