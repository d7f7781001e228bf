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
 */
#ifndef PHYR_SRC_IOTLB_H
#define PHYR_SRC_IOTLB_H

#include <stdbool.h>
#include <stdint.h>

#include "phyr/common.h"

struct iotlb_entry {
	uint64_t tag;     /* iova >> shift */
	uint64_t pa;      /* output base of the page */
	uint64_t lru;     /* last use stamp */
	uint8_t shift;    /* page size = 1 << shift */
	uint8_t prot;     /* PHYR_IOMMU_READ | PHYR_IOMMU_WRITE */
	bool valid;
	bool stale;
};

struct iotlb {
	const struct phyr_allocator *alloc;
	struct iotlb_entry *e;
	unsigned nentries, ways, nsets;
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
struct iotlb_entry *iotlb_lookup(struct iotlb *t, uint64_t iova);
void iotlb_insert(struct iotlb *t, uint64_t iova, unsigned shift, uint64_t pa, int prot);
/* Drops entries overlapping [start, last]; returns how many. */
unsigned iotlb_invalidate_range(struct iotlb *t, uint64_t start, uint64_t last);
unsigned iotlb_invalidate_all(struct iotlb *t);
/* Marks entries overlapping [start, last] stale. */
void iotlb_mark_stale(struct iotlb *t, uint64_t start, uint64_t last);

#endif /* PHYR_SRC_IOTLB_H */
