/* SPDX-License-Identifier: MIT */
/*
 * IOTLB model: a set-associative cache of leaf translations.
 *
 * Entries are tagged with their page size (the leaf's size), so a lookup
 * probes one set per page size in the domain's bitmap. Replacement is LRU
 * within a set. Entries are dropped by page/range invalidation (any entry
 * overlapping the range) or a full invalidation. An entry can be marked
 * stale: the table no longer maps it but no invalidation has happened yet
 * (the DMA-FQ window); lookups still hit it, as real hardware would.
 * Not a Linux model: the IOTLB is hardware. Room is left for a device-side
 * ATC as a second instance.
 *
 * Beside it, the IOTLB gather (struct phyr_iommu_iotlb_gather), a value
 * type both the IOMMU core and the page tables fill: Linux's inline
 * helpers of include/linux/iommu.h (v6.17), with the sync as a callback so
 * that a table without an IOMMU domain can gather too.
 */
#ifndef PHYR_SRC_IOTLB_H
#define PHYR_SRC_IOTLB_H

#include <stdbool.h>
#include <stdint.h>

#include "phyr/common.h"
#include "phyr/iommu.h"

struct iotlb_entry {
	uint64_t key;     /* (iova >> shift) << 8 | shift << 1 | 1; 0 = invalid */
	uint64_t pa;      /* output base of the page */
	uint64_t lru;     /* last use stamp */
	uint8_t shift;    /* page size = 1 << shift */
	uint8_t prot;     /* PHYR_IOMMU_READ | PHYR_IOMMU_WRITE */
	bool stale;
};

struct iotlb {
	const struct phyr_allocator *alloc;
	struct iotlb_entry *e;
	unsigned nentries, ways, nsets;
	uint64_t set_mask;  /* nsets - 1 when nsets is a power of two, else 0 */
	unsigned nvalid;
	uint64_t stamp;
	uint8_t shifts[8];  /* page sizes to probe, smallest first */
	unsigned nshifts;
	uint64_t nevictions, ninvalidated;
};

int iotlb_init(struct iotlb *t, unsigned entries, unsigned ways,
	       const struct phyr_allocator *alloc);
void iotlb_finish(struct iotlb *t);
/* Sets the page sizes lookups probe (from a pgsize_bitmap). */
void iotlb_set_pgsizes(struct iotlb *t, uint64_t bitmap);
void iotlb_insert(struct iotlb *t, uint64_t iova, unsigned shift, uint64_t pa, int prot);
/* Drops entries overlapping [start, last]; returns how many. */
unsigned iotlb_invalidate_range(struct iotlb *t, uint64_t start, uint64_t last);
unsigned iotlb_invalidate_all(struct iotlb *t);
/* Marks entries overlapping [start, last] stale. */
void iotlb_mark_stale(struct iotlb *t, uint64_t start, uint64_t last);

/* Linux's iommu_iotlb_gather_is_disjoint(): [@iova, +@size) neither
 * overlaps nor touches the gathered range (an empty gather is never). */
static inline bool iommu_iotlb_gather_is_disjoint(const struct phyr_iommu_iotlb_gather *g,
						  uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size - 1;

	return g->end != 0 && (end + 1 < g->start || iova > g->end + 1);
}

/* Linux's iommu_iotlb_gather_add_range(): widen the gathered range. */
static inline void iommu_iotlb_gather_add_range(struct phyr_iommu_iotlb_gather *g, uint64_t iova,
						uint64_t size)
{
	uint64_t end = iova + size - 1;

	if (iova < g->start)
		g->start = iova;
	if (end > g->end)
		g->end = end;
}

/*
 * Linux's iommu_iotlb_gather_add_page(): a page of another size, or one
 * disjoint from the gathered range, syncs the gather first (@sync(@ctx,
 * @g), which must leave @g initialised; NULL: no IOTLB, the gather just
 * starts over). The count of freed tables survives the sync.
 */
static inline void iommu_iotlb_gather_add_page(struct phyr_iommu_iotlb_gather *g, uint64_t iova,
					       uint64_t size,
					       void (*sync)(void *ctx,
							    struct phyr_iommu_iotlb_gather *g),
					       void *ctx)
{
	if ((g->pgsize && g->pgsize != size) || iommu_iotlb_gather_is_disjoint(g, iova, size)) {
		uint64_t nfreed = g->nfreed;

		if (sync)
			sync(ctx, g);
		else
			phyr_iommu_iotlb_gather_init(g);
		g->nfreed = nfreed;
	}
	g->pgsize = size;
	iommu_iotlb_gather_add_range(g, iova, size);
}

/* Finds the entry translating @iova (probing each page size), or NULL. */
static inline uint64_t key_of(uint64_t tag, unsigned shift)
{
	return (tag << 8) | ((uint64_t)shift << 1) | 1;
}

static inline unsigned set_of(const struct iotlb *t, uint64_t key)
{
	uint64_t h = (key * UINT64_C(0x9e3779b97f4a7c15)) >> 32;

	return (unsigned)(t->set_mask ? h & t->set_mask : h % t->nsets);
}

static inline struct iotlb_entry *iotlb_lookup(struct iotlb *t, uint64_t iova)
{
	if (!t->nvalid)
		return NULL;
	for (unsigned k = 0; k < t->nshifts; k++) {
		unsigned s = t->shifts[k];
		uint64_t key = key_of(iova >> s, s);
		struct iotlb_entry *e = &t->e[(size_t)set_of(t, key) * t->ways];

		for (unsigned w = 0; w < t->ways; w++) {
			if (e[w].key == key) {
				e[w].lru = ++t->stamp;
				return &e[w];
			}
		}
	}
	return NULL;
}

#endif /* PHYR_SRC_IOTLB_H */
