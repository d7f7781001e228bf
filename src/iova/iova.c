// SPDX-License-Identifier: MIT
/*
 * IOVA domain: the per-CPU range cache of Linux v6.17's iova.c on top of
 * a placement policy (the range tree, iova-linux.c by default).
 *
 * Reproduced exactly (orders matter, because every tree removal moves
 * the cached search hints):
 * - alloc_fast rounds sizes below 2^(classes-1) up to a power of two and
 *   tries the CPU's loaded magazine, then prev (swapping them), then the
 *   class's depot (freeing the empty loaded magazine); a pop takes the
 *   highest-index pfn within the limit and moves the last entry into its
 *   slot; a miss goes to the tree (size-aligned) and, if that fails and
 *   flushing is allowed, every online CPU's magazines (CPU by CPU, class by
 *   class, loaded then prev, each in index order) and then every depot
 *   (each class, most recently pushed first) go back to the tree and the
 *   tree is tried once more;
 * - free_fast pushes onto loaded, else swaps with prev, else pushes the
 *   full loaded onto the depot (arming the class's trim work) and starts
 *   a new magazine; if that allocation fails the range is freed in the
 *   tree;
 * - the trim work (phyr_iova_tick) frees the most recently pushed depot
 *   magazine of each armed class while the depot holds more magazines than
 *   online CPUs, one per tick, re-arming itself.
 * The algorithm is the magazine layer of Bonwick & Adams, "Magazines and
 * Vmem" (USENIX 2001), as Linux adapts it.
 *
 * Locking (threaded domains only): per CPU and class a lock on the
 * loaded/prev pair, per class a depot lock, one tree lock; taken in that
 * order, as in Linux. Single-threaded domains take no locks at all.
 */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "alloc.h"
#include "spinlock.h"
#include "iova.h"
#include "log2.h"

/* Spinlocks, as Linux has: held for short, bounded work. */
typedef spinlock_t iova_lock_t;

static void lock_init(iova_lock_t *l)
{
	spin_lock_init(l);
}

static void lock_destroy(iova_lock_t *l)
{
	(void)l;
}

struct iova_mag {
	union {
		uint64_t size;         /* pfns held */
		struct iova_mag *next; /* depot link (depot magazines are full) */
	};
	uint64_t pfns[];
};

struct iova_cpu_rcache {
	struct iova_mag *loaded;
	struct iova_mag *prev;
};

/* One CPU's caches: exactly 512 bytes, so that indexing is one shift (the
 * array is cache-line aligned by hand: malloc does not align to 64). */
struct iova_cpu {
	union {
		struct {
			struct iova_cpu_rcache cls[PHYR_IOVA_MAX_RCACHE_CLASSES];
			iova_lock_t lock[PHYR_IOVA_MAX_RCACHE_CLASSES]; /* of each cls[] pair */
			uint64_t nfast_hits_inline;    /* alloc_fast served by the inline path */
			uint64_t nfast_inserts_inline; /* free_fast kept by the inline path */
			uint64_t nfast_slow_allocs;
			uint64_t nfast_slow_frees;
			uint64_t nrcache_hits;
			uint64_t nrcache_misses;
			uint64_t nrcache_inserts;
			uint64_t nrcache_rejects;
			bool online;
		};
		char slot[512];
	};
};
_Static_assert(sizeof(struct iova_cpu) == 512, "struct iova_cpu must stay 512 bytes");

struct iova_rcache {
	iova_lock_t lock;
	struct iova_mag *depot;
	unsigned int depot_size;
	bool work_pending;
	uint64_t npushes;
	uint64_t npops;
	uint64_t ntrims;
};

struct phyr_iova_domain {
	/* hot, read-mostly */
	struct iova_cpu *cpus; /* 64-byte aligned, inside cpus_raw */
	void *priv;
	const struct phyr_iova_policy_ops *ops;
	uint64_t round_below; /* alloc_fast rounds sizes below this */
	uint64_t mag_size;
	unsigned int nclasses; /* 0 when the range cache is off */
	unsigned int fast_classes; /* classes the lock-free inline paths serve (0 if threaded) */
	unsigned int ncpus;
	bool threaded;
	unsigned int nonline;
	unsigned int depot_max; /* 0: unbounded list (v6.7+); else a fixed array (pre-v6.7) */
	size_t mag_bytes;
	void *cpus_raw;
	const struct phyr_allocator *a;
	struct phyr_iova_config cfg;
	uint64_t granule;
	uint64_t start_pfn;
	iova_lock_t tree_lock;
	struct phyr_iova_stats st; /* tree counters, under tree_lock */
	atomic_uint_fast64_t nmagazines;
	atomic_uint_fast64_t nflush_retries;
	struct iova_rcache rcaches[PHYR_IOVA_MAX_RCACHE_CLASSES];
};

static inline void dom_lock(const struct phyr_iova_domain *d, iova_lock_t *m)
{
	if (d->threaded)
		spin_lock(m);
}

static inline void dom_unlock(const struct phyr_iova_domain *d, iova_lock_t *m)
{
	if (d->threaded)
		spin_unlock(m);
}

/* ---- magazines ---- */

static struct iova_mag *mag_alloc(struct phyr_iova_domain *d)
{
	struct iova_mag *m = alloc_mem(d->a, d->mag_bytes);

	if (m) {
		m->size = 0;
		atomic_fetch_add_explicit(&d->nmagazines, 1, memory_order_relaxed);
	}
	return m;
}

static void mag_free(struct phyr_iova_domain *d, struct iova_mag *m)
{
	if (!m)
		return;
	alloc_free(d->a, m, d->mag_bytes);
	atomic_fetch_sub_explicit(&d->nmagazines, 1, memory_order_relaxed);
}

/* Returns the magazine's ranges to the tree in index order. */
static void mag_free_pfns(struct phyr_iova_domain *d, struct iova_mag *m)
{
	uint64_t lo, hi;

	dom_lock(d, &d->tree_lock);
	for (uint64_t i = 0; i < m->size; i++)
		if (d->ops->remove(d->priv, m->pfns[i], &lo, &hi))
			d->st.nwarnings++;
	dom_unlock(d, &d->tree_lock);
	m->size = 0;
}

/* Highest-index pfn <= @bound; the last entry fills its slot. 0 = none. */
static inline uint64_t mag_pop(struct iova_mag *m, uint64_t bound)
{
	uint64_t i = m->size - 1, pfn;

	while (m->pfns[i] > bound) {
		if (i == 0)
			return 0;
		i--;
	}
	pfn = m->pfns[i];
	m->pfns[i] = m->pfns[--m->size];
	return pfn;
}

static void depot_push(struct iova_rcache *rc, struct iova_mag *m)
{
	m->next = rc->depot;
	rc->depot = m;
	rc->depot_size++;
	rc->npushes++;
}

static struct iova_mag *depot_pop(struct phyr_iova_domain *d, struct iova_rcache *rc)
{
	struct iova_mag *m = rc->depot;

	rc->depot = m->next;
	m->size = d->mag_size;
	rc->depot_size--;
	rc->npops++;
	return m;
}

/* ---- domain ---- */

void phyr_iova_config_init(struct phyr_iova_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->ncpus = PHYR_IOVA_DEFAULT_CPUS;
	cfg->mag_size = PHYR_IOVA_MAG_SIZE;
	cfg->rcache_classes = PHYR_IOVA_RCACHE_CLASSES;
	cfg->policy = phyr_iova_policy_linux();
}

static void rcaches_free(struct phyr_iova_domain *d)
{
	if (!d->cpus)
		return;
	for (unsigned int k = 0; k < d->nclasses; k++) {
		struct iova_rcache *rc = &d->rcaches[k];

		for (unsigned int c = 0; c < d->ncpus; c++) {
			mag_free(d, d->cpus[c].cls[k].loaded);
			mag_free(d, d->cpus[c].cls[k].prev);
		}
		while (rc->depot)
			mag_free(d, depot_pop(d, rc));
	}
}

static void locks_destroy(struct phyr_iova_domain *d)
{
	lock_destroy(&d->tree_lock);
	for (unsigned int k = 0; k < PHYR_IOVA_MAX_RCACHE_CLASSES; k++)
		lock_destroy(&d->rcaches[k].lock);
	if (d->cpus)
		for (unsigned int c = 0; c < d->ncpus; c++)
			for (unsigned int k = 0; k < PHYR_IOVA_MAX_RCACHE_CLASSES; k++)
				lock_destroy(&d->cpus[c].lock[k]);
}

static size_t cpus_bytes(const struct phyr_iova_domain *d)
{
	return sizeof(struct iova_cpu) * d->ncpus + 63;
}

/*
 * The configuration a domain runs with: the defaults, overridden by the
 * caller's non-zero fields. Return: 0, -EINVAL (a granule that is not a
 * power of two up to a page, or a field beyond its limit).
 */
static int iova_config_resolve(uint64_t granule, const struct phyr_iova_config *cfg,
			       struct phyr_iova_config *c)
{
	phyr_iova_config_init(c);
	if (cfg) {
		if (cfg->ncpus)
			c->ncpus = cfg->ncpus;
		if (cfg->mag_size)
			c->mag_size = cfg->mag_size;
		if (cfg->rcache_classes)
			c->rcache_classes = cfg->rcache_classes;
		if (cfg->policy)
			c->policy = cfg->policy;
		c->no_rcache = cfg->no_rcache;
		c->threaded = cfg->threaded;
	}
	if (granule == 0 || granule > PHYR_PAGE_SIZE || (granule & (granule - 1)) ||
	    c->ncpus > PHYR_IOVA_MAX_CPUS || c->mag_size > (1u << 20) ||
	    c->rcache_classes > PHYR_IOVA_MAX_RCACHE_CLASSES || !c->policy->alloc)
		return -EINVAL;
	return 0;
}

/* init_iova_domain(): the fields and locks of a zeroed @d. */
static void init_iova_domain(struct phyr_iova_domain *d, const struct phyr_allocator *a,
			     const struct phyr_iova_config *c, uint64_t granule,
			     uint64_t start_pfn)
{
	d->a = a;
	d->cfg = *c;
	d->ops = c->policy;
	d->granule = granule;
	d->start_pfn = start_pfn;
	d->ncpus = c->ncpus;
	d->nonline = c->ncpus;
	d->threaded = c->threaded;
	d->mag_size = c->mag_size;
	d->mag_bytes = sizeof(struct iova_mag) + c->mag_size * sizeof(uint64_t);
	d->round_below = UINT64_C(1) << (c->rcache_classes - 1);
	d->nclasses = c->no_rcache ? 0 : c->rcache_classes;
	d->fast_classes = c->threaded ? 0 : d->nclasses;
	lock_init(&d->tree_lock);
	for (unsigned int k = 0; k < PHYR_IOVA_MAX_RCACHE_CLASSES; k++)
		lock_init(&d->rcaches[k].lock);
}

/*
 * The placement policy's state (the range tree and its anchor in Linux's
 * init_iova_domain()). On failure nothing of it is left.
 * Return: 0, -ENOMEM, or the policy's init error.
 */
static int iova_policy_init(struct phyr_iova_domain *d)
{
	struct phyr_iova_policy_env env;
	unsigned int shift = (unsigned int)__builtin_ctzll(d->granule);
	int ret;

	d->priv = alloc_zeroed(d->a, d->ops->priv_size);
	if (!d->priv)
		return -ENOMEM;
	env.start_pfn = d->start_pfn;
	env.granule_shift = shift;
	env.dma_32bit_pfn = UINT64_C(1) << (32 - shift);
	env.alloc = d->a;
	env.stats = &d->st;
	ret = d->ops->init(d->priv, &env);
	if (ret)
		alloc_free(d->a, d->priv, d->ops->priv_size);
	return ret;
}

/* The per-CPU state (Linux's per-CPU rcache pointers), every CPU online. Return: 0, -ENOMEM. */
static int iova_cpus_init(struct phyr_iova_domain *d)
{
	d->cpus_raw = alloc_zeroed(d->a, cpus_bytes(d));
	if (!d->cpus_raw)
		return -ENOMEM;
	d->cpus = (struct iova_cpu *)(((uintptr_t)d->cpus_raw + 63) & ~(uintptr_t)63);
	for (unsigned int cpu = 0; cpu < d->ncpus; cpu++) {
		d->cpus[cpu].online = true;
		for (unsigned int k = 0; k < PHYR_IOVA_MAX_RCACHE_CLASSES; k++)
			lock_init(&d->cpus[cpu].lock[k]);
	}
	return 0;
}

/*
 * iova_domain_init_rcaches(): an empty loaded and prev magazine for every
 * class on every CPU, class by class. Return: 0, -ENOMEM (the caller frees
 * what was allocated with rcaches_free()).
 */
static int iova_domain_init_rcaches(struct phyr_iova_domain *d)
{
	for (unsigned int k = 0; k < d->nclasses; k++) {
		for (unsigned int cpu = 0; cpu < d->ncpus; cpu++) {
			struct iova_cpu_rcache *cr = &d->cpus[cpu].cls[k];

			cr->loaded = mag_alloc(d);
			cr->prev = mag_alloc(d);
			if (!cr->loaded || !cr->prev)
				return -ENOMEM;
		}
	}
	return 0;
}

int phyr_iova_domain_create(uint64_t granule, uint64_t start_pfn, const struct phyr_iova_config *cfg,
			    const struct phyr_allocator *a, struct phyr_iova_domain **out)
{
	struct phyr_iova_domain *d;
	struct phyr_iova_config c;
	int ret;

	if (iova_config_resolve(granule, cfg, &c) || !out)
		return -EINVAL;
	a = alloc_or_default(a);
	d = alloc_zeroed(a, sizeof(*d));
	if (!d)
		return -ENOMEM;
	init_iova_domain(d, a, &c, granule, start_pfn);
	ret = iova_policy_init(d);
	if (ret)
		goto err_free_dom;
	ret = iova_cpus_init(d);
	if (ret)
		goto err_finish;
	ret = iova_domain_init_rcaches(d);
	if (ret)
		goto err_free_rcaches;
	*out = d;
	return 0;

err_free_rcaches:
	rcaches_free(d);
err_finish:
	d->ops->finish(d->priv);
	alloc_free(a, d->priv, d->ops->priv_size);
err_free_dom:
	locks_destroy(d);
	alloc_free(a, d->cpus_raw, cpus_bytes(d));
	alloc_free(a, d, sizeof(*d));
	return ret;
}

void phyr_iova_domain_destroy(struct phyr_iova_domain *d)
{
	const struct phyr_allocator *a;

	if (!d)
		return;
	a = d->a;
	rcaches_free(d);
	d->ops->finish(d->priv);
	alloc_free(a, d->priv, d->ops->priv_size);
	locks_destroy(d);
	alloc_free(a, d->cpus_raw, cpus_bytes(d));
	alloc_free(a, d, sizeof(*d));
}

/* ---- tree calls ---- */

static bool size_ok(uint64_t size, bool aligned)
{
	return size != 0 && (!aligned || size <= (UINT64_C(1) << 63));
}

static int tree_alloc_locked(struct phyr_iova_domain *d, uint64_t size, uint64_t limit_pfn,
			     bool aligned, uint64_t *pfn)
{
	int ret;

	dom_lock(d, &d->tree_lock);
	ret = d->ops->alloc(d->priv, size, limit_pfn, aligned, pfn);
	dom_unlock(d, &d->tree_lock);
	return ret;
}

int phyr_iova_alloc(struct phyr_iova_domain *d, uint64_t size, uint64_t limit_pfn, bool aligned,
		    uint64_t *pfn)
{
	if (!d || !size_ok(size, aligned) || !pfn)
		return -EINVAL;
	return tree_alloc_locked(d, size, limit_pfn, aligned, pfn);
}

int phyr_iova_free(struct phyr_iova_domain *d, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	uint64_t l, h;
	int ret;

	if (!d)
		return -EINVAL;
	dom_lock(d, &d->tree_lock);
	ret = d->ops->remove(d->priv, pfn, &l, &h);
	dom_unlock(d, &d->tree_lock);
	if (!ret) {
		if (lo)
			*lo = l;
		if (hi)
			*hi = h;
	}
	return ret;
}

int phyr_iova_find(struct phyr_iova_domain *d, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	uint64_t l, h;
	int ret;

	if (!d)
		return -EINVAL;
	dom_lock(d, &d->tree_lock);
	ret = d->ops->find(d->priv, pfn, &l, &h);
	dom_unlock(d, &d->tree_lock);
	if (!ret) {
		if (lo)
			*lo = l;
		if (hi)
			*hi = h;
	}
	return ret;
}

int phyr_iova_reserve(struct phyr_iova_domain *d, uint64_t lo, uint64_t hi, uint64_t *rlo,
		      uint64_t *rhi)
{
	uint64_t l, h;
	int ret;

	if (!d)
		return -EINVAL;
	dom_lock(d, &d->tree_lock);
	ret = d->ops->reserve(d->priv, lo, hi, &l, &h);
	dom_unlock(d, &d->tree_lock);
	if (!ret) {
		if (rlo)
			*rlo = l;
		if (rhi)
			*rhi = h;
	}
	return ret;
}

/* ---- range cache ---- */

static uint64_t rcache_get(struct phyr_iova_domain *d, struct iova_cpu *c, unsigned int k,
			   uint64_t bound)
{
	struct iova_cpu_rcache *cr = &c->cls[k];
	struct iova_mag *m;
	uint64_t pfn;

	dom_lock(d, &c->lock[k]);
	m = cr->loaded;
	if (m->size == 0) {
		if (cr->prev->size != 0) {
			cr->loaded = cr->prev;
			cr->prev = m;
			m = cr->loaded;
		} else {
			struct iova_rcache *rc = &d->rcaches[k];

			dom_lock(d, &rc->lock);
			if (!rc->depot) {
				dom_unlock(d, &rc->lock);
				dom_unlock(d, &c->lock[k]);
				return 0;
			}
			mag_free(d, m);
			m = cr->loaded = depot_pop(d, rc);
			dom_unlock(d, &rc->lock);
		}
	}
	pfn = mag_pop(m, bound);
	dom_unlock(d, &c->lock[k]);
	return pfn;
}

/*
 * Pushes @pfn on CPU @c's class @k. With a fixed-size depot (pre-v6.7) a
 * full loaded magazine meeting a full depot is handed back in *@overflow
 * (its pfns still in the tree) instead of being pushed.
 */
static bool rcache_insert(struct phyr_iova_domain *d, struct iova_cpu *c, unsigned int k,
			  uint64_t pfn, struct iova_mag **overflow)
{
	struct iova_cpu_rcache *cr = &c->cls[k];
	struct iova_mag *m;

	dom_lock(d, &c->lock[k]);
	m = cr->loaded;
	if (m->size == d->mag_size) {
		if (cr->prev->size != d->mag_size) {
			cr->loaded = cr->prev;
			cr->prev = m;
			m = cr->loaded;
		} else {
			struct iova_rcache *rc = &d->rcaches[k];
			struct iova_mag *new_mag = mag_alloc(d);

			if (!new_mag) {
				dom_unlock(d, &c->lock[k]);
				return false;
			}
			dom_lock(d, &rc->lock);
			if (__builtin_expect(d->depot_max == 0, 1)) {
				depot_push(rc, m);
				rc->work_pending = true;
			} else if (rc->depot_size < d->depot_max) {
				depot_push(rc, m);
			} else {
				*overflow = m;
			}
			dom_unlock(d, &rc->lock);
			m = cr->loaded = new_mag;
		}
	}
	m->pfns[m->size++] = pfn;
	dom_unlock(d, &c->lock[k]);
	return true;
}

static void free_cpu_cached(struct phyr_iova_domain *d, unsigned int cpu)
{
	for (unsigned int k = 0; k < d->nclasses; k++) {
		struct iova_cpu_rcache *cr = &d->cpus[cpu].cls[k];

		dom_lock(d, &d->cpus[cpu].lock[k]);
		mag_free_pfns(d, cr->loaded);
		mag_free_pfns(d, cr->prev);
		dom_unlock(d, &d->cpus[cpu].lock[k]);
	}
}

/* The depot of @rc in reverse order: oldest push first (pre-v6.7 array order). */
static void depot_reverse(struct iova_rcache *rc)
{
	struct iova_mag *m = rc->depot, *r = NULL;

	while (m) {
		struct iova_mag *next = m->next;

		m->next = r;
		r = m;
		m = next;
	}
	rc->depot = r;
}

static void free_global_cached(struct phyr_iova_domain *d)
{
	for (unsigned int k = 0; k < d->nclasses; k++) {
		struct iova_rcache *rc = &d->rcaches[k];

		dom_lock(d, &rc->lock);
		/* pre-v6.7 walks its depot array from index 0 */
		if (d->depot_max)
			depot_reverse(rc);
		while (rc->depot) {
			struct iova_mag *m = depot_pop(d, rc);

			mag_free_pfns(d, m);
			mag_free(d, m);
		}
		dom_unlock(d, &rc->lock);
	}
}

void phyr_iova_flush_rcaches(struct phyr_iova_domain *d)
{
	if (!d)
		return;
	for (unsigned int cpu = 0; cpu < d->ncpus; cpu++)
		if (d->cpus[cpu].online)
			free_cpu_cached(d, cpu);
	free_global_cached(d);
}

/* alloc_fast after the inline path: the full cache lookup (unless @tried), then the tree. */
#define FAST_FLUSH 1u /* flush-and-retry allowed */
#define FAST_TRIED 2u /* the inline path already popped a (zero) pfn */

static __attribute__((noinline)) int alloc_fast_slow(struct phyr_iova_domain *d, uint64_t size,
						     uint64_t limit_pfn, struct iova_cpu *c,
						     unsigned int flags, uint64_t *pfn)
{
	unsigned int k = order_base_2(size);
	bool flush = flags & FAST_FLUSH, tried = flags & FAST_TRIED;
	int ret;

	c->nfast_slow_allocs++;
	if (k < d->nclasses) {
		uint64_t p = tried ? 0 : rcache_get(d, c, k, limit_pfn + 1 - size);

		/* As in Linux, a cached pfn 0 reads as a miss. */
		if (p) {
			c->nrcache_hits++;
			*pfn = p;
			return 0;
		}
		c->nrcache_misses++;
	}
	for (;;) {
		ret = tree_alloc_locked(d, size, limit_pfn, true, pfn);
		/* Linux's alloc_iova() fails alike for no space and for no
		 * memory for the node: both flush the caches and retry once */
		if ((ret != -ENOSPC && ret != -ENOMEM) || !flush)
			return ret;
		flush = false;
		atomic_fetch_add_explicit(&d->nflush_retries, 1, memory_order_relaxed);
		phyr_iova_flush_rcaches(d);
	}
}

/* The inline path of a threaded domain, under the CPU's lock for class @k. */
static inline __attribute__((always_inline)) int
alloc_fast_locked(struct phyr_iova_domain *d, uint64_t size, uint64_t limit_pfn,
		  struct iova_cpu *c, unsigned int k, unsigned int flags, uint64_t *pfn)
{
	struct iova_mag *m;
	uint64_t n, p;

	spin_lock(&c->lock[k]);
	m = c->cls[k].loaded;
	n = m->size;
	if (n != 0 && (p = m->pfns[n - 1]) != 0 && p <= limit_pfn + 1 - size) {
		m->size = n - 1;
		spin_unlock(&c->lock[k]);
		c->nfast_hits_inline++;
		*pfn = p;
		return 0;
	}
	spin_unlock(&c->lock[k]);
	return alloc_fast_slow(d, size, limit_pfn, c, flags, pfn);
}

int phyr_iova_alloc_fast(struct phyr_iova_domain *d, uint64_t size, uint64_t limit_pfn,
			 unsigned int cpu, bool flush, uint64_t *pfn)
{
	struct iova_cpu *c;
	unsigned int k;

	if (__builtin_expect(!d || cpu >= d->ncpus || size - 1 >= (UINT64_C(1) << 63), 0))
		return -EINVAL;
	c = &d->cpus[cpu];
	if (__builtin_expect(!c->online, 0))
		return -EINVAL;
	k = order_base_2(size);
	if (size < d->round_below)
		size = UINT64_C(1) << k;
	/* Inline path of an unlocked domain: the top entry of the loaded
	 * magazine fits (the common case); anything else takes Linux's
	 * full lookup. */
	if (__builtin_expect(k < d->fast_classes, 1)) {
		struct iova_mag *m = c->cls[k].loaded;
		uint64_t n = m->size;

		if (__builtin_expect(n != 0, 1) && m->pfns[n - 1] <= limit_pfn + 1 - size) {
			uint64_t p = m->pfns[n - 1];

			m->size = n - 1;
			if (__builtin_expect(p != 0, 1)) {
				c->nfast_hits_inline++;
				*pfn = p;
				return 0;
			}
			return alloc_fast_slow(d, size, limit_pfn, c, FAST_TRIED | flush, pfn);
		}
	} else if (d->threaded && k < d->nclasses) {
		return alloc_fast_locked(d, size, limit_pfn, c, k, flush, pfn);
	}
	return alloc_fast_slow(d, size, limit_pfn, c, flush, pfn);
}

static __attribute__((noinline)) int free_fast_slow(struct phyr_iova_domain *d, uint64_t pfn,
						    uint64_t size, struct iova_cpu *c)
{
	unsigned int k = order_base_2(size);
	uint64_t lo, hi;

	c->nfast_slow_frees++;
	if (k < d->nclasses) {
		struct iova_mag *overflow = NULL;

		if (rcache_insert(d, c, k, pfn, &overflow)) {
			c->nrcache_inserts++;
			if (overflow) {
				mag_free_pfns(d, overflow);
				mag_free(d, overflow);
			}
			return 0;
		}
		c->nrcache_rejects++;
	}
	dom_lock(d, &d->tree_lock);
	(void)d->ops->remove(d->priv, pfn, &lo, &hi);
	dom_unlock(d, &d->tree_lock);
	return 0;
}

/* The inline path of a threaded domain, under the CPU's lock for class @k. */
static inline __attribute__((always_inline)) int
free_fast_locked(struct phyr_iova_domain *d, uint64_t pfn, uint64_t size, struct iova_cpu *c,
		 unsigned int k)
{
	struct iova_mag *m;

	spin_lock(&c->lock[k]);
	m = c->cls[k].loaded;
	if (m->size != d->mag_size) {
		m->pfns[m->size++] = pfn;
		spin_unlock(&c->lock[k]);
		c->nfast_inserts_inline++;
		return 0;
	}
	spin_unlock(&c->lock[k]);
	return free_fast_slow(d, pfn, size, c);
}

int phyr_iova_free_fast(struct phyr_iova_domain *d, uint64_t pfn, uint64_t size, unsigned int cpu)
{
	struct iova_cpu *c;
	unsigned int k;

	if (__builtin_expect(!d || cpu >= d->ncpus, 0))
		return -EINVAL;
	c = &d->cpus[cpu];
	if (__builtin_expect(!c->online, 0))
		return -EINVAL;
	k = order_base_2(size);
	if (__builtin_expect(k < d->fast_classes, 1)) {
		struct iova_mag *m = c->cls[k].loaded;
		uint64_t n = m->size;

		if (__builtin_expect(n != d->mag_size, 1)) {
			m->pfns[n] = pfn;
			m->size = n + 1;
			c->nfast_inserts_inline++;
			return 0;
		}
	} else if (d->threaded && k < d->nclasses) {
		return free_fast_locked(d, pfn, size, c, k);
	}
	return free_fast_slow(d, pfn, size, c);
}

void phyr_iova_tick(struct phyr_iova_domain *d)
{
	if (!d)
		return;
	for (unsigned int k = 0; k < d->nclasses; k++) {
		struct iova_rcache *rc = &d->rcaches[k];
		struct iova_mag *m = NULL;

		dom_lock(d, &rc->lock);
		if (!rc->work_pending) {
			dom_unlock(d, &rc->lock);
			continue;
		}
		rc->work_pending = false;
		if (rc->depot_size > d->nonline) {
			m = depot_pop(d, rc);
			rc->ntrims++;
		}
		dom_unlock(d, &rc->lock);
		if (m) {
			mag_free_pfns(d, m);
			mag_free(d, m);
			dom_lock(d, &rc->lock);
			rc->work_pending = true;
			dom_unlock(d, &rc->lock);
		}
	}
}

int phyr_iova_cpu_offline(struct phyr_iova_domain *d, unsigned int cpu)
{
	if (!d || cpu >= d->ncpus || !d->cpus[cpu].online)
		return -EINVAL;
	free_cpu_cached(d, cpu);
	d->cpus[cpu].online = false;
	d->nonline--;
	return 0;
}

int phyr_iova_cpu_online(struct phyr_iova_domain *d, unsigned int cpu)
{
	if (!d || cpu >= d->ncpus || d->cpus[cpu].online)
		return -EINVAL;
	d->cpus[cpu].online = true;
	d->nonline++;
	return 0;
}

/* ---- introspection ---- */

static unsigned int lock_held(iova_lock_t *l)
{
	return atomic_load_explicit(&l->v, memory_order_relaxed) != 0;
}

unsigned int iova_nlocks_held(struct phyr_iova_domain *d)
{
	unsigned int n = lock_held(&d->tree_lock);

	for (unsigned int k = 0; k < d->nclasses; k++) {
		n += lock_held(&d->rcaches[k].lock);
		for (unsigned int cpu = 0; cpu < d->ncpus; cpu++)
			n += lock_held(&d->cpus[cpu].lock[k]);
	}
	return n;
}

void phyr_iova_get_stats(struct phyr_iova_domain *d, struct phyr_iova_stats *st)
{
	if (!st)
		return;
	if (!d) {
		memset(st, 0, sizeof(*st));
		return;
	}
	dom_lock(d, &d->tree_lock);
	*st = d->st;
	dom_unlock(d, &d->tree_lock);
	for (unsigned int cpu = 0; cpu < d->ncpus; cpu++) {
		const struct iova_cpu *c = &d->cpus[cpu];

		st->nfast_allocs += c->nfast_hits_inline + c->nfast_slow_allocs;
		st->nfast_frees += c->nfast_inserts_inline + c->nfast_slow_frees;
		st->nrcache_hits += c->nfast_hits_inline + c->nrcache_hits;
		st->nrcache_misses += c->nrcache_misses;
		st->nrcache_inserts += c->nfast_inserts_inline + c->nrcache_inserts;
		st->nrcache_rejects += c->nrcache_rejects;
	}
	for (unsigned int k = 0; k < d->nclasses; k++) {
		st->ndepot_pushes += d->rcaches[k].npushes;
		st->ndepot_pops += d->rcaches[k].npops;
		st->ndepot_trims += d->rcaches[k].ntrims;
	}
	st->nflush_retries = atomic_load_explicit(&d->nflush_retries, memory_order_relaxed);
	st->nmagazines = atomic_load_explicit(&d->nmagazines, memory_order_relaxed);
}

void phyr_iova_usage(struct phyr_iova_domain *d, uint64_t *nodes, uint64_t *pages)
{
	if (!d) {
		if (nodes)
			*nodes = 0;
		if (pages)
			*pages = 0;
		return;
	}
	dom_lock(d, &d->tree_lock);
	if (nodes)
		*nodes = d->st.nnodes;
	if (pages)
		*pages = d->st.npages;
	dom_unlock(d, &d->tree_lock);
}

int phyr_iova_walk(struct phyr_iova_domain *d, int (*cb)(void *ctx, uint64_t lo, uint64_t hi),
		   void *ctx)
{
	int ret;

	if (!d || !cb)
		return -EINVAL;
	dom_lock(d, &d->tree_lock);
	ret = d->ops->walk(d->priv, cb, ctx);
	dom_unlock(d, &d->tree_lock);
	return ret;
}

int phyr_iova_check(struct phyr_iova_domain *d)
{
	int ret = 0;

	if (!d)
		return -EINVAL;
	dom_lock(d, &d->tree_lock);
	if (d->ops->check)
		ret = d->ops->check(d->priv);
	for (unsigned int k = 0; k < d->nclasses && !ret; k++) {
		for (unsigned int cpu = 0; cpu < d->ncpus && !ret; cpu++) {
			const struct iova_cpu_rcache *cr = &d->cpus[cpu].cls[k];

			if (cr->loaded->size > d->mag_size || cr->prev->size > d->mag_size)
				ret = -EFAULT;
		}
	}
	dom_unlock(d, &d->tree_lock);
	return ret;
}

const struct phyr_iova_policy_ops *phyr_iova_domain_policy(struct phyr_iova_domain *d)
{
	return d ? d->ops : NULL;
}

void phyr_iova_domain_config(struct phyr_iova_domain *d, struct phyr_iova_config *cfg)
{
	if (!cfg)
		return;
	if (!d)
		memset(cfg, 0, sizeof(*cfg));
	else
		*cfg = d->cfg;
}

void phyr_iova_cache_memory(struct phyr_iova_domain *d, uint64_t *per_cpu_bytes, uint64_t *depot_bytes)
{
	uint64_t depot = 0;

	if (!d) {
		if (per_cpu_bytes)
			*per_cpu_bytes = 0;
		if (depot_bytes)
			*depot_bytes = 0;
		return;
	}
	for (unsigned int k = 0; k < d->nclasses; k++)
		depot += d->rcaches[k].depot_size;
	if (per_cpu_bytes)
		*per_cpu_bytes = (uint64_t)d->nclasses * 2 * d->mag_bytes;
	if (depot_bytes)
		*depot_bytes = depot * d->mag_bytes;
}

uint64_t phyr_iova_rcache_range(struct phyr_iova_domain *d)
{
	return d && d->nclasses ? PHYR_PAGE_SIZE << (d->cfg.rcache_classes - 1) : 0;
}

/* ---- step operations (exact replay of captures) ---- */

void iova_set_depot_max(struct phyr_iova_domain *d, unsigned int max)
{
	d->depot_max = max;
}

unsigned int iova_nclasses(const struct phyr_iova_domain *d)
{
	return d->nclasses;
}

int iova_step_lookup(struct phyr_iova_domain *d, unsigned int cpu, uint64_t size,
		     uint64_t limit_pfn, uint64_t *pfn)
{
	unsigned int k;
	uint64_t p;

	if (cpu >= d->ncpus || size == 0 || size - 1 >= (UINT64_C(1) << 63))
		return -EINVAL;
	k = order_base_2(size);
	if (size < d->round_below)
		size = UINT64_C(1) << k;
	if (k >= d->nclasses || limit_pfn + 1 < size)
		return -ENOENT;
	p = rcache_get(d, &d->cpus[cpu], k, limit_pfn + 1 - size);
	if (!p)
		return -ENOENT;
	d->cpus[cpu].nrcache_hits++;
	*pfn = p;
	return 0;
}

int iova_step_tree_alloc(struct phyr_iova_domain *d, uint64_t size, uint64_t limit_pfn,
			 uint64_t *pfn)
{
	if (size == 0 || size - 1 >= (UINT64_C(1) << 63))
		return -EINVAL;
	if (size < d->round_below)
		size = roundup_pow_of_two(size);
	return tree_alloc_locked(d, size, limit_pfn, true, pfn);
}

int iova_step_insert(struct phyr_iova_domain *d, unsigned int cpu, uint64_t pfn, uint64_t size,
		     bool to_tree, bool *dropped)
{
	struct iova_mag *overflow = NULL;
	unsigned int k;

	*dropped = false;
	if (cpu >= d->ncpus || size == 0)
		return -EINVAL;
	k = order_base_2(size);
	if (k >= d->nclasses)
		return -ENOENT;
	if (!rcache_insert(d, &d->cpus[cpu], k, pfn, &overflow))
		return -ENOMEM;
	d->cpus[cpu].nrcache_inserts++;
	if (overflow) {
		if (to_tree)
			mag_free_pfns(d, overflow);
		overflow->size = 0;
		mag_free(d, overflow);
		*dropped = true;
	}
	return 0;
}

static bool mag_holds(const struct iova_mag *m, uint64_t n, uint64_t pfn)
{
	for (uint64_t i = 0; i < n; i++)
		if (m->pfns[i] == pfn)
			return true;
	return false;
}

int iova_step_drop_depot_mag(struct phyr_iova_domain *d, uint64_t pfn, unsigned int k_hint)
{
	for (unsigned int k = 0; k < d->nclasses; k++) {
		struct iova_rcache *rc = &d->rcaches[k];

		for (struct iova_mag **pp = &rc->depot; *pp; pp = &(*pp)->next) {
			struct iova_mag *m = *pp;

			if (!mag_holds(m, d->mag_size, pfn))
				continue;
			*pp = m->next;
			rc->depot_size--;
			rc->npops++;
			rc->ntrims++;
			mag_free(d, m);
			return 0;
		}
	}
	if (k_hint < d->nclasses && d->rcaches[k_hint].depot) {
		struct iova_rcache *rc = &d->rcaches[k_hint];

		mag_free(d, depot_pop(d, rc));
		rc->ntrims++;
		return 0;
	}
	return -ENOENT;
}

int iova_step_cpu_drop(struct phyr_iova_domain *d, unsigned int cpu, bool to_tree)
{
	if (cpu >= d->ncpus)
		return -EINVAL;
	if (to_tree) {
		free_cpu_cached(d, cpu);
		return 0;
	}
	for (unsigned int k = 0; k < d->nclasses; k++) {
		d->cpus[cpu].cls[k].loaded->size = 0;
		d->cpus[cpu].cls[k].prev->size = 0;
	}
	return 0;
}

void iova_step_depot_flush(struct phyr_iova_domain *d)
{
	free_global_cached(d);
}
