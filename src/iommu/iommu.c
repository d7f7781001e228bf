// SPDX-License-Identifier: MIT
/*
 * IOMMU domains and the IOMMU core (Linux v6.17 drivers/iommu/iommu.c),
 * with the hardware side modelled: IOTLB, walks, IO page faults, flush
 * queue (dma-iommu.c's fq), and a cost model.
 *
 * Reproduced exactly from iommu.c: iommu_pgsize (largest size both
 * addresses are aligned to, count stopped at the boundary where the next
 * larger size becomes possible), iommu_map_nosync (paging domain -EINVAL,
 * empty bitmap -ENODEV, min-page alignment of iova|paddr|size -EINVAL, one
 * map_pages call per chunk, rollback with iommu_unmap of what was mapped),
 * __iommu_unmap (alignment failure returns 0, stops at the first 0), the
 * iotlb gather helpers (iotlb.h: sync on a page-size change or a
 * disjoint range), iommu_map_sg (runs of physically contiguous entries),
 * and the flush-queue rules of dma-iommu.c (per-CPU rings of 256 slots,
 * 255 usable; an entry is released once a full flush that started after it
 * was queued has finished; a ring that is full forces a flush; the timer
 * flushes and reaps every ring). The IOTLB, walk counting, faults, the
 * simulated clock and the costs are models (docs/iommu.md).
 *
 * Locking: one spinlock per domain, taken by every exported call on a domain
 * and held around the page-table update, the IOTLB, the flush queue, the
 * fault ring and the counters (Linux locks finer: the io-pgtable formats
 * update PTEs with cmpxchg, the flush queue has per-CPU ring locks; the
 * contract is the same: concurrent map/unmap of disjoint ranges of one
 * domain is legal). The release and map-event hooks run with it held.
 * Functions named __iommu_* expect it held and assert it.
 */
#include <string.h>

#include "alloc.h"
#include "iommu.h"
#include "spinlock.h"
#include "sg.h"
#include "iotlb.h"
#include "io-pgtable.h"

#define FAULT_RING 1024

struct fq_entry {
	uint64_t iova, size, ntables, counter;
};

struct fq_ring {
	uint32_t head, tail;
	struct fq_entry *e;
};

struct phyr_iommu_domain {
	enum phyr_iommu_domain_type type;
	const struct phyr_allocator *alloc;
	struct phyr_io_pgtable *pt;
	uint64_t pgsize_bitmap;
	uint64_t record_bitmap;
	uint64_t max_table_bytes;
	struct iotlb tlb;
	struct phyr_iommu_costs costs;
	phyr_iommu_release_fn release;
	void *release_ctx;
	phyr_iommu_map_event_fn map_event;
	void *map_event_ctx;
	/* flush queue */
	struct fq_ring *fq;
	unsigned ncpus;
	uint32_t fq_mask;
	uint64_t fq_start, fq_finish;
	bool fq_timer_on;
	uint64_t fq_deadline, fq_timeout;
	/* faults */
	struct phyr_iommu_fault *faults;
	uint64_t nfaults_total;
	/* counters; table counters of replaced tables are folded in here */
	struct phyr_iommu_stats st;
	uint64_t old_pte_writes, old_table_allocs;
	/* CPU of the last dma_unmap: the CPU the release hook runs on */
	unsigned int release_cpu;
	spinlock_t lock;
	bool locked; /* held by the thread reading it (checked by __iommu_*) */
};

static inline void dom_lock(const struct phyr_iommu_domain *cd)
{
	struct phyr_iommu_domain *d = (struct phyr_iommu_domain *)cd;

	spin_lock(&d->lock);
	d->locked = true;
}

static inline void dom_unlock(const struct phyr_iommu_domain *cd)
{
	struct phyr_iommu_domain *d = (struct phyr_iommu_domain *)cd;

	d->locked = false;
	spin_unlock(&d->lock);
}

#define dom_assert_held(d) PHYR_ASSERT((d)->locked)

unsigned int iommu_domain_release_cpu(const struct phyr_iommu_domain *d)
{
	dom_assert_held(d);
	return d->release_cpu;
}

PHYR_EXPORT void phyr_iommu_costs_default(struct phyr_iommu_costs *c)
{
	if (!c)
		return;
	c->map_call = 63.0;
	c->pte_write = 2.0;
	c->table_alloc = 150.0;
	c->walk_level = 30.0;
	c->iotlb_hit = 1.0;
	c->iotlb_miss = 5.0;
	c->inv_cmd = 2170.0;
}

/* ------------------------------------------------------------------ */
/* IOTLB maintenance hooks                                              */

static void dom_inv_range(struct phyr_iommu_domain *d, uint64_t start, uint64_t last)
{
	d->st.ninv_range++;
	iotlb_invalidate_range(&d->tlb, start, last);
}

static void dom_flush_walk(void *cookie, uint64_t iova, uint64_t size)
{
	struct phyr_iommu_domain *d = cookie;

	/* arm-smmu invalidates the range synchronously when a table goes. */
	dom_inv_range(d, iova, iova + size - 1);
}

/*
 * iommu_iotlb_sync() with the domain's lock held, or from the page table's
 * hooks when a caller works on the domain's table directly (its one user:
 * phyr_io_pgtable_* calls take no lock).
 */
static void dom_iotlb_sync(struct phyr_iommu_domain *d, struct phyr_iommu_iotlb_gather *g)
{
	/* As arm-smmu-v3: nothing gathered, nothing to invalidate. */
	if (g->pgsize) {
		d->st.niotlb_syncs++;
		dom_inv_range(d, g->start, g->end);
	}
	phyr_iommu_iotlb_gather_init(g);
}

PHYR_EXPORT void phyr_iommu_iotlb_sync(struct phyr_iommu_domain *d,
				       struct phyr_iommu_iotlb_gather *g)
{
	if (!g)
		return;
	if (!d) {
		phyr_iommu_iotlb_gather_init(g);
		return;
	}
	dom_lock(d);
	dom_iotlb_sync(d, g);
	dom_unlock(d);
}

/* iommu_iotlb_sync() as the gather's sync callback (lock held). */
static void dom_gather_sync(void *cookie, struct phyr_iommu_iotlb_gather *g)
{
	struct phyr_iommu_domain *d = cookie;

	if (d)
		dom_iotlb_sync(d, g);
	else
		phyr_iommu_iotlb_gather_init(g);
}

PHYR_EXPORT void phyr_iommu_iotlb_gather_add_page(struct phyr_iommu_domain *d,
						  struct phyr_iommu_iotlb_gather *g,
						  uint64_t iova, uint64_t size)
{
	if (!g)
		return;
	if (d)
		dom_lock(d);
	iommu_iotlb_gather_add_page(g, iova, size, dom_gather_sync, d);
	if (d)
		dom_unlock(d);
}

/* The page table's add_page hook: runs inside an unmap, lock held. */
static void dom_add_page(void *cookie, struct phyr_iommu_iotlb_gather *g, uint64_t iova,
			 uint64_t size)
{
	iommu_iotlb_gather_add_page(g, iova, size, dom_gather_sync, cookie);
}

static const struct pgtable_tlb_ops dom_tlb_ops = {
	.flush_walk = dom_flush_walk,
	.add_page = dom_add_page,
};

PHYR_EXPORT void phyr_iommu_iotlb_invalidate(struct phyr_iommu_domain *d, uint64_t iova,
					     uint64_t size)
{
	if (!d || !size)
		return;
	dom_lock(d);
	dom_inv_range(d, iova, iova + size - 1 < iova ? UINT64_MAX : iova + size - 1);
	dom_unlock(d);
}

static void __iommu_flush_iotlb_all(struct phyr_iommu_domain *d)
{
	dom_assert_held(d);
	d->st.ninv_all++;
	iotlb_invalidate_all(&d->tlb);
}

PHYR_EXPORT void phyr_iommu_flush_iotlb_all(struct phyr_iommu_domain *d)
{
	if (!d)
		return;
	dom_lock(d);
	__iommu_flush_iotlb_all(d);
	dom_unlock(d);
}

/* ------------------------------------------------------------------ */
/* Domain lifecycle                                                     */

static bool is_paging(const struct phyr_iommu_domain *d)
{
	return d->type == PHYR_IOMMU_DOMAIN_DMA || d->type == PHYR_IOMMU_DOMAIN_DMA_FQ;
}

static void fold_pgtable_counters(struct phyr_iommu_domain *d)
{
	if (d->pt) {
		d->old_pte_writes += d->pt->npte_writes;
		d->old_table_allocs += d->pt->ntable_allocs;
	}
}

static void fq_free(struct phyr_iommu_domain *d)
{
	if (!d->fq)
		return;
	for (unsigned c = 0; c < d->ncpus; c++)
		alloc_free(d->alloc, d->fq[c].e, (size_t)(d->fq_mask + 1) * sizeof(struct fq_entry));
	alloc_free(d->alloc, d->fq, d->ncpus * sizeof(*d->fq));
	d->fq = NULL;
}

static int fq_alloc(struct phyr_iommu_domain *d, unsigned size)
{
	d->fq = alloc_zeroed(d->alloc, d->ncpus * sizeof(*d->fq));
	if (!d->fq)
		return -ENOMEM;
	d->fq_mask = size - 1;
	for (unsigned c = 0; c < d->ncpus; c++) {
		d->fq[c].e = alloc_mem(d->alloc, (size_t)size * sizeof(struct fq_entry));
		if (!d->fq[c].e) {
			fq_free(d);
			return -ENOMEM;
		}
	}
	return 0;
}

PHYR_EXPORT int phyr_iommu_domain_create(const struct phyr_iommu_domain_opts *o,
					 struct phyr_iommu_domain **out)
{
	struct phyr_iommu_domain_opts def = {
		.type = PHYR_IOMMU_DOMAIN_DMA,
		.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,
	};
	const struct phyr_allocator *a;
	struct phyr_iommu_domain *d;
	unsigned entries, ways, fqsize;
	int ret;

	if (!out)
		return -EINVAL;
	if (!o)
		o = &def;
	if ((unsigned)o->type > PHYR_IOMMU_DOMAIN_BLOCKED ||
	    (unsigned)o->fmt >= PHYR_IOMMU_FMT_COUNT)
		return -EINVAL;
	entries = o->iotlb_entries ? o->iotlb_entries : 64;
	ways = o->iotlb_ways ? o->iotlb_ways : (entries < 4 ? entries : 4);
	fqsize = o->fq_size ? o->fq_size : 256;
	if (fqsize < 2 || (fqsize & (fqsize - 1)) || fqsize > (1u << 20) || o->ncpus > 4096)
		return -EINVAL;
	a = alloc_or_default(o->alloc);
	d = alloc_zeroed(a, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->alloc = a;
	spin_lock_init(&d->lock);
	d->type = o->type;
	d->record_bitmap = o->record_pgsize_bitmap;
	d->max_table_bytes = o->max_table_bytes;
	if (o->costs)
		d->costs = *o->costs;
	else
		phyr_iommu_costs_default(&d->costs);
	d->release = o->release;
	d->release_ctx = o->release_ctx;
	d->map_event = o->map_event;
	d->map_event_ctx = o->map_event_ctx;
	d->ncpus = o->ncpus ? o->ncpus : 1;
	d->fq_timeout = o->fq_timeout_ns ? o->fq_timeout_ns : UINT64_C(10000000);
	ret = iotlb_init(&d->tlb, entries, ways, a);
	if (ret)
		goto err_free;
	d->faults = alloc_mem(a, FAULT_RING * sizeof(*d->faults));
	if (!d->faults) {
		ret = -ENOMEM;
		goto err_tlb;
	}
	ret = fq_alloc(d, fqsize);
	if (ret)
		goto err_faults;
	if (is_paging(d) && !o->no_pgtable) {
		ret = phyr_iommu_domain_set_pgtable(d, o->fmt, o->ias ? o->ias : 48,
						    o->oas ? o->oas : 48);
		if (ret)
			goto err_fq;
	}
	*out = d;
	return 0;

err_fq:
	fq_free(d);
err_faults:
	alloc_free(a, d->faults, FAULT_RING * sizeof(*d->faults));
err_tlb:
	iotlb_finish(&d->tlb);
err_free:
	alloc_free(a, d, sizeof(*d));
	return ret;
}

static void fq_release_all(struct phyr_iommu_domain *d);

PHYR_EXPORT void phyr_iommu_domain_destroy(struct phyr_iommu_domain *d)
{
	if (!d)
		return;
	/* the last user: the lock only satisfies the __ helpers' check */
	dom_lock(d);
	fq_release_all(d);
	dom_unlock(d);
	fq_free(d);
	phyr_io_pgtable_destroy(d->pt);
	alloc_free(d->alloc, d->faults, FAULT_RING * sizeof(*d->faults));
	iotlb_finish(&d->tlb);
	alloc_free(d->alloc, d, sizeof(*d));
}

PHYR_EXPORT int phyr_iommu_domain_set_pgtable(struct phyr_iommu_domain *d,
					      enum phyr_iommu_fmt fmt, unsigned ias,
					      unsigned oas)
{
	struct phyr_io_pgtable *pt = NULL;
	int ret;

	if (!d || (unsigned)fmt >= PHYR_IOMMU_FMT_COUNT)
		return -EINVAL;
	dom_lock(d);
	fold_pgtable_counters(d);
	phyr_io_pgtable_destroy(d->pt);
	d->pt = NULL;
	d->pgsize_bitmap = 0;
	__iommu_flush_iotlb_all(d);
	ret = pgtable_create(fmt, ias, oas, d->record_bitmap, d->max_table_bytes, d->alloc, &dom_tlb_ops, d, &pt);
	if (!ret) {
		d->pt = pt;
		d->pgsize_bitmap = pt->pgsize_bitmap;
		iotlb_set_pgsizes(&d->tlb, d->pgsize_bitmap);
	}
	dom_unlock(d);
	return ret;
}

PHYR_EXPORT struct phyr_io_pgtable *phyr_iommu_domain_pgtable(struct phyr_iommu_domain *d)
{
	struct phyr_io_pgtable *pt;

	if (!d)
		return NULL;
	dom_lock(d);
	pt = d->pt;
	dom_unlock(d);
	return pt;
}

PHYR_EXPORT enum phyr_iommu_domain_type phyr_iommu_domain_type(const struct phyr_iommu_domain *d)
{
	return d ? d->type : PHYR_IOMMU_DOMAIN_BLOCKED;
}

PHYR_EXPORT uint64_t phyr_iommu_domain_pgsize_bitmap(const struct phyr_iommu_domain *d)
{
	uint64_t bitmap;

	if (!d)
		return 0;
	dom_lock(d);
	bitmap = d->pgsize_bitmap;
	dom_unlock(d);
	return bitmap;
}

/* ------------------------------------------------------------------ */
/* The core                                                             */

static inline uint64_t genmask_lo(unsigned h)
{
	return h >= 63 ? UINT64_MAX : (UINT64_C(2) << h) - 1;
}

PHYR_EXPORT uint64_t phyr_iommu_pgsize(uint64_t bitmap, uint64_t iova, uint64_t paddr,
				       uint64_t size, uint64_t *count)
{
	uint64_t merge = iova | paddr;
	uint64_t pgsizes, pgsize, next, offset;
	unsigned idx;

	if (!size)
		return 0;
	pgsizes = bitmap & genmask_lo(63 - (unsigned)__builtin_clzll(size));
	if (merge)
		pgsizes &= genmask_lo((unsigned)__builtin_ctzll(merge));
	if (!pgsizes)
		return 0; /* Linux: BUG_ON */
	idx = 63 - (unsigned)__builtin_clzll(pgsizes);
	pgsize = UINT64_C(1) << idx;
	if (!count)
		return pgsize;
	pgsizes = bitmap & ~genmask_lo(idx);
	if (pgsizes) {
		next = UINT64_C(1) << __builtin_ctzll(pgsizes);
		if (!((iova ^ paddr) & (next - 1))) {
			offset = next - (merge & (next - 1));
			if (offset + next >= offset && offset + next <= size)
				size = offset;
		}
	}
	*count = size >> idx;
	return pgsize;
}

static uint64_t __unmap(struct phyr_iommu_domain *d, uint64_t iova, uint64_t size,
			struct phyr_iommu_iotlb_gather *g)
{
	uint64_t unmapped = 0, min;

	dom_assert_held(d);
	d->st.nunmaps++;
	if (!is_paging(d) || !d->pt || !d->pgsize_bitmap)
		return 0;
	min = d->pgsize_bitmap & -d->pgsize_bitmap;
	if ((iova | size) & (min - 1))
		return 0;
	while (unmapped < size) {
		uint64_t count, pgsize, n;

		pgsize = phyr_iommu_pgsize(d->pgsize_bitmap, iova, iova, size - unmapped, &count);
		if (!pgsize)
			break;
		n = d->pt->ops->unmap_pages(d->pt, iova, pgsize, count, g);
		if (!n)
			break;
		iova += n;
		unmapped += n;
	}
	d->st.nbytes_unmapped += unmapped;
	return unmapped;
}

PHYR_EXPORT uint64_t phyr_iommu_unmap_fast(struct phyr_iommu_domain *d, uint64_t iova,
					   uint64_t size, struct phyr_iommu_iotlb_gather *g)
{
	uint64_t ret;

	if (!d || !g)
		return 0;
	dom_lock(d);
	ret = __unmap(d, iova, size, g);
	dom_unlock(d);
	return ret;
}

/* iommu_unmap() with the lock held */
static uint64_t __iommu_unmap(struct phyr_iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct phyr_iommu_iotlb_gather g;
	uint64_t ret;

	phyr_iommu_iotlb_gather_init(&g);
	dom_assert_held(d);
	ret = __unmap(d, iova, size, &g);
	dom_iotlb_sync(d, &g);
	return ret;
}

PHYR_EXPORT uint64_t phyr_iommu_unmap(struct phyr_iommu_domain *d, uint64_t iova,
				      uint64_t size)
{
	uint64_t ret;

	if (!d)
		return 0;
	dom_lock(d);
	ret = __iommu_unmap(d, iova, size);
	dom_unlock(d);
	return ret;
}

/* iommu_map_nosync() with the lock held (inline: the hot path of a map) */
static inline __attribute__((always_inline)) int __iommu_map_nosync(struct phyr_iommu_domain *d, uint64_t iova, uint64_t paddr,
			      uint64_t size, int prot)
{
	uint64_t orig_iova = iova, orig_paddr = paddr, orig_size = size, min, installed = 0;
	int ret = 0;

	dom_assert_held(d);
	d->st.nmaps++;
	if (!is_paging(d)) {
		ret = -EINVAL;
		goto out;
	}
	if (!d->pt || !d->pgsize_bitmap) {
		ret = -ENODEV;
		goto out;
	}
	min = d->pgsize_bitmap & -d->pgsize_bitmap;
	if ((iova | paddr | size) & (min - 1)) {
		ret = -EINVAL;
		goto out;
	}
	/* beyond Linux: the model's memory budget, before anything changes */
	if (size > d->pt->budget_fits) {
		ret = pgtable_budget_check(d->pt, iova, paddr, size);
		if (ret)
			goto out;
	}
	while (size) {
		uint64_t pgsize, count, mapped = 0;

		pgsize = phyr_iommu_pgsize(d->pgsize_bitmap, iova, paddr, size, &count);
		if (!pgsize) {
			ret = -EINVAL;
			break;
		}
		ret = d->pt->ops->map_pages(d->pt, iova, paddr, pgsize, count, prot, &mapped);
		if (!ret && !mapped) {
			/*
			 * A pgcount whose low 32 bits are zero: Linux's
			 * min_t(int, ...) makes it 0 and its loop never ends.
			 * A negative truncated count is kept: the wrapped
			 * "mapped" moves iova past the IAS, as in Linux.
			 */
			ret = -EINVAL;
		}
		/*
		 * The table installs min((int)count, room) entries in one call:
		 * a count whose low 32 bits are negative as an int installs
		 * none, and its negative "mapped" only moves the cursor.
		 */
		if ((int32_t)(uint32_t)count >= 0)
			installed += mapped;
		size -= mapped;
		if (ret)
			break;
		iova += mapped;
		paddr += mapped;
	}
	if (ret) {
		__iommu_unmap(d, orig_iova, orig_size - size);
	} else {
		/*
		 * Linux's iommu_map_nosync (v6.17) returns 0 whenever the sizes
		 * it subtracts reach 0, even when a wrapped "mapped" got them
		 * there (iova 0x1000, size 2^64 - 0x1000 on a 4K LPAE table:
		 * 0x3ffff000 bytes mapped, then 2^34 - 1 1 GiB pages truncated
		 * to -1 cancel the rest). The return value is kept; the counter
		 * holds the bytes the table really installed.
		 */
		d->st.nbytes_mapped += installed;
		if (d->map_event)
			d->map_event(d->map_event_ctx, orig_iova, orig_paddr, orig_size);
	}
out:
	if (ret)
		d->st.nmap_errors++;
	return ret;
}

PHYR_EXPORT int phyr_iommu_map_nosync(struct phyr_iommu_domain *d, uint64_t iova,
				      uint64_t paddr, uint64_t size, int prot)
{
	int ret;

	if (!d)
		return -EINVAL;
	dom_lock(d);
	ret = __iommu_map_nosync(d, iova, paddr, size, prot);
	dom_unlock(d);
	return ret;
}

PHYR_EXPORT int phyr_iommu_map(struct phyr_iommu_domain *d, uint64_t iova, uint64_t paddr,
			       uint64_t size, int prot)
{
	/* No iotlb_sync_map op: the modelled IOTLB caches no negative entries. */
	return phyr_iommu_map_nosync(d, iova, paddr, size, prot);
}

SG_ALWAYS_INLINE int iommu_map_sg_body(struct phyr_iommu_domain *d, uint64_t iova,
				       const struct phyr_sg_layout *L,
				       struct phyr_scatterlist *sgl, size_t nents, int prot,
				       uint64_t *mapped_out)
{
	struct phyr_scatterlist *s = sgl;
	uint64_t len = 0, mapped = 0, start = 0;
	int ret;

	/*
	 * Linux's loop runs nents + 1 times, the last time on the last entry
	 * again: that pass flushes the open run, unless the last entry is a
	 * bus address right after it (then the run stays unmapped and the
	 * caller sees a short map, as in Linux).
	 */
	for (size_t i = 0; nents && i <= nents; i++) {
		uint64_t phys = sg_phys(L, s);

		if (len && phys != start + len) {
			ret = __iommu_map_nosync(d, iova + mapped, start, len, prot);
			if (ret)
				goto err_unmap;
			mapped += len;
			len = 0;
		}
		if (!sg_dma_is_bus_address(L, s)) {
			if (len) {
				len += sg_length(L, s);
			} else {
				len = sg_length(L, s);
				start = phys;
			}
		}
		if (i + 1 < nents) {
			s = sg_next(L, s);
			if (!s)
				goto err_inval;
		}
	}
	if (mapped_out)
		*mapped_out = mapped;
	return 0;

err_inval:
	ret = -EINVAL;
err_unmap:
	__iommu_unmap(d, iova, mapped);
	if (mapped_out)
		*mapped_out = 0;
	return ret;
}

PHYR_EXPORT int phyr_iommu_map_sg(struct phyr_iommu_domain *d, uint64_t iova,
				  const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl,
				  size_t nents, int prot, uint64_t *mapped_out)
{
	int ret;

	if (!d || (nents && (!L || !sgl)))
		return -EINVAL;
	dom_lock(d);
	if (nents && L->id == PHYR_SG_LAYOUT_64_LEN_FLAGS)
		ret = iommu_map_sg_body(d, iova, &sg_layout_default, sgl, nents, prot, mapped_out);
	else
		ret = iommu_map_sg_body(d, iova, L, sgl, nents, prot, mapped_out);
	dom_unlock(d);
	return ret;
}

PHYR_EXPORT uint64_t phyr_iommu_iova_to_phys(struct phyr_iommu_domain *d, uint64_t iova)
{
	if (!d)
		return 0;
	if (d->type == PHYR_IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (d->type == PHYR_IOMMU_DOMAIN_BLOCKED || !d->pt)
		return 0;
	/*
	 * Lockless, as Linux's: a caller asks about a range it mapped, whose
	 * entries only its own calls write (the tables above them were
	 * installed under the lock before its map returned). Concurrent with
	 * phyr_iommu_domain_set_pgtable() it is not safe.
	 */
	return d->pt->ops->iova_to_phys(d->pt, iova);
}

/* ------------------------------------------------------------------ */
/* Device side                                                          */

static int fault(struct phyr_iommu_domain *d, uint64_t iova, enum phyr_iommu_access access,
		 enum phyr_iommu_fault_reason reason)
{
	struct phyr_iommu_fault *f = &d->faults[d->nfaults_total % FAULT_RING];

	f->iova = iova;
	f->access = access;
	f->reason = reason;
	f->seq = d->st.ntranslates - 1;
	d->nfaults_total++;
	d->st.nfaults++;
	return -EFAULT;
}

static int check_prot(struct phyr_iommu_domain *d, uint64_t iova, enum phyr_iommu_access access,
		      int prot)
{
	int need = access == PHYR_IOMMU_ACCESS_WRITE ? PHYR_IOMMU_WRITE : PHYR_IOMMU_READ;

	if (!(prot & need))
		return fault(d, iova, access, PHYR_IOMMU_FAULT_PERMISSION);
	return 0;
}

/* The IOTLB missed: identity/blocked domains, or a table walk. */
static __attribute__((noinline)) int translate_miss(struct phyr_iommu_domain *d, uint64_t iova,
						     enum phyr_iommu_access access,
						     uint64_t *paddr)
{
	uint64_t pte;
	unsigned nlev = 0, shift;
	int lvl, prot, ret;

	if (d->type == PHYR_IOMMU_DOMAIN_IDENTITY) {
		*paddr = iova;
		return 0;
	}
	if (d->type == PHYR_IOMMU_DOMAIN_BLOCKED)
		return fault(d, iova, access, PHYR_IOMMU_FAULT_BLOCKED);
	if (!d->pt)
		return fault(d, iova, access, PHYR_IOMMU_FAULT_UNMAPPED);
	d->st.niotlb_misses++;
	d->st.nwalks++;
	ret = d->pt->ops->leaf(d->pt, iova, &pte, &lvl, &nlev);
	d->st.nwalk_levels += nlev;
	if (ret)
		return fault(d, iova, access, PHYR_IOMMU_FAULT_UNMAPPED);
	shift = pgtable_level_shift(d->pt, lvl);
	prot = pgtable_leaf_prot(d->pt, pte);
	iotlb_insert(&d->tlb, iova, shift, pgtable_leaf_oa(d->pt, pte), prot);
	ret = check_prot(d, iova, access, prot);
	if (ret)
		return ret;
	*paddr = pgtable_leaf_oa(d->pt, pte) | (iova & ((UINT64_C(1) << shift) - 1));
	return 0;
}

PHYR_EXPORT int phyr_iommu_translate(struct phyr_iommu_domain *d, uint64_t iova,
				     enum phyr_iommu_access access, uint64_t *paddr)
{
	struct iotlb_entry *e;
	int ret = 0;

	if (!d || !paddr)
		return -EINVAL;
	dom_lock(d);
	d->st.ntranslates++;
	e = iotlb_lookup(&d->tlb, iova); /* only paging domains ever fill it */
	if (!e) {
		ret = translate_miss(d, iova, access, paddr);
		goto out;
	}
	d->st.niotlb_hits++;
	d->st.nstale_hits += e->stale;
	if (check_prot(d, iova, access, e->prot)) {
		ret = -EFAULT;
		goto out;
	}
	*paddr = e->pa | (iova & ((UINT64_C(1) << e->shift) - 1));
out:
	dom_unlock(d);
	return ret;
}

PHYR_EXPORT const struct phyr_iommu_fault *phyr_iommu_faults(const struct phyr_iommu_domain *d,
							     size_t *n)
{
	uint64_t total;

	if (!d || !n) {
		if (n)
			*n = 0;
		return NULL;
	}
	dom_lock(d);
	total = d->nfaults_total;
	dom_unlock(d);
	*n = total < FAULT_RING ? (size_t)total : FAULT_RING;
	/* When the ring wrapped the order is by slot, not by time. */
	return d->faults;
}

/* ------------------------------------------------------------------ */
/* Flush queue                                                          */

static void fq_flush_iotlb(struct phyr_iommu_domain *d)
{
	d->fq_start++;
	__iommu_flush_iotlb_all(d);
	d->fq_finish++;
}

static void fq_ring_reap(struct phyr_iommu_domain *d, struct fq_ring *r)
{
	while (r->head != r->tail && r->e[r->head].counter < d->fq_finish) {
		struct fq_entry *e = &r->e[r->head];

		if (d->release)
			d->release(d->release_ctx, e->iova, e->size, e->ntables);
		d->st.nfq_released++;
		d->st.nfq_pending--;
		r->head = (r->head + 1) & d->fq_mask;
	}
}

static void fq_release_all(struct phyr_iommu_domain *d)
{
	if (!d->fq || !d->st.nfq_pending)
		return;
	fq_flush_iotlb(d);
	for (unsigned c = 0; c < d->ncpus; c++)
		fq_ring_reap(d, &d->fq[c]);
	d->fq_timer_on = false;
}

static void fq_queue(struct phyr_iommu_domain *d, unsigned cpu, uint64_t iova, uint64_t size,
		     uint64_t ntables)
{
	struct fq_ring *r = &d->fq[cpu];
	struct fq_entry *e;

	fq_ring_reap(d, r);
	if (((r->tail + 1) & d->fq_mask) == r->head) {
		d->st.nfq_full_flushes++;
		fq_flush_iotlb(d);
		fq_ring_reap(d, r);
	}
	e = &r->e[r->tail];
	e->iova = iova;
	e->size = size;
	e->ntables = ntables;
	e->counter = d->fq_start;
	r->tail = (r->tail + 1) & d->fq_mask;
	d->st.nfq_queued++;
	d->st.nfq_pending++;
	if (!d->fq_timer_on) {
		d->fq_timer_on = true;
		d->fq_deadline = d->st.now_ns + d->fq_timeout;
	}
}

PHYR_EXPORT int phyr_iommu_dma_unmap(struct phyr_iommu_domain *d, unsigned cpu, uint64_t iova,
				     uint64_t size, uint64_t *unmapped)
{
	struct phyr_iommu_iotlb_gather g;
	uint64_t n;

	if (!d || cpu >= d->ncpus)
		return -EINVAL;
	phyr_iommu_iotlb_gather_init(&g);
	g.queued = d->type == PHYR_IOMMU_DOMAIN_DMA_FQ;
	dom_lock(d);
	d->release_cpu = cpu;
	n = __unmap(d, iova, size, &g);
	if (unmapped)
		*unmapped = n;
	if (!g.queued) {
		uint64_t nfreed = g.nfreed;

		dom_iotlb_sync(d, &g);
		if (d->release)
			d->release(d->release_ctx, iova, size, nfreed);
	} else {
		/* Lazy: the IOTLB still holds the old translations until a flush. */
		if (n)
			iotlb_mark_stale(&d->tlb, iova, iova + n - 1);
		fq_queue(d, cpu, iova, size, g.nfreed);
	}
	dom_unlock(d);
	return 0;
}

static void __iommu_fq_flush(struct phyr_iommu_domain *d)
{
	dom_assert_held(d);
	d->fq_timer_on = false;
	fq_flush_iotlb(d);
	for (unsigned c = 0; c < d->ncpus; c++)
		fq_ring_reap(d, &d->fq[c]);
}

PHYR_EXPORT void phyr_iommu_fq_flush(struct phyr_iommu_domain *d)
{
	if (!d)
		return;
	dom_lock(d);
	__iommu_fq_flush(d);
	dom_unlock(d);
}

PHYR_EXPORT void phyr_iommu_advance(struct phyr_iommu_domain *d, uint64_t ns)
{
	if (!d)
		return;
	dom_lock(d);
	d->st.now_ns += ns;
	if (d->fq_timer_on && d->st.now_ns >= d->fq_deadline) {
		d->st.nfq_timer_flushes++;
		__iommu_fq_flush(d);
	}
	dom_unlock(d);
}

PHYR_EXPORT void phyr_iommu_get_stats(const struct phyr_iommu_domain *d,
				      struct phyr_iommu_stats *st)
{
	const struct phyr_iommu_costs *c;
	uint64_t pte_writes, allocs;

	if (!st)
		return;
	if (!d) {
		memset(st, 0, sizeof(*st));
		return;
	}
	c = &d->costs;
	dom_lock(d);
	pte_writes = d->old_pte_writes;
	allocs = d->old_table_allocs;
	*st = d->st;
	st->niotlb_evictions = d->tlb.nevictions;
	st->niotlb_invalidated = d->tlb.ninvalidated;
	if (d->pt) {
		pte_writes += d->pt->npte_writes;
		allocs += d->pt->ntable_allocs;
	}
	dom_unlock(d);
	st->sim_ns = c->map_call * (double)(st->nmaps + st->nunmaps) +
		     c->pte_write * (double)pte_writes + c->table_alloc * (double)allocs +
		     c->walk_level * (double)st->nwalk_levels +
		     c->iotlb_hit * (double)st->niotlb_hits +
		     c->iotlb_miss * (double)st->niotlb_misses +
		     c->inv_cmd * (double)(st->ninv_range + st->ninv_all);
}

PHYR_EXPORT void phyr_iommu_iotlb_geometry(const struct phyr_iommu_domain *d, unsigned *entries,
					   unsigned *ways)
{
	if (entries)
		*entries = d ? d->tlb.nentries : 0;
	if (ways)
		*ways = d ? d->tlb.ways : 0;
}
