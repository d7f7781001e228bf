// SPDX-License-Identifier: MIT
/* IOTLB model and the IOTLB gather (see iotlb.h). */
#include <string.h>

#include "alloc.h"
#include "iotlb.h"

int iotlb_init(struct iotlb *t, unsigned entries, unsigned ways,
	       const struct phyr_allocator *alloc)
{
	memset(t, 0, sizeof(*t));
	if (!entries || !ways || entries % ways || entries > (1u << 24))
		return -EINVAL;
	t->alloc = alloc_or_default(alloc);
	t->e = alloc_zeroed(t->alloc, (size_t)entries * sizeof(*t->e));
	if (!t->e)
		return -ENOMEM;
	t->nentries = entries;
	t->ways = ways;
	t->nsets = entries / ways;
	t->set_mask = (t->nsets & (t->nsets - 1)) == 0 ? t->nsets - 1 : 0;
	return 0;
}

void iotlb_finish(struct iotlb *t)
{
	if (t->e)
		alloc_free(t->alloc, t->e, (size_t)t->nentries * sizeof(*t->e));
	t->e = NULL;
}

void iotlb_set_pgsizes(struct iotlb *t, uint64_t bitmap)
{
	t->nshifts = 0;
	while (bitmap && t->nshifts < 8) {
		unsigned s = (unsigned)__builtin_ctzll(bitmap);

		t->shifts[t->nshifts++] = (uint8_t)s;
		bitmap &= bitmap - 1;
	}
}

void iotlb_insert(struct iotlb *t, uint64_t iova, unsigned shift, uint64_t pa, int prot)
{
	uint64_t key = key_of(iova >> shift, shift);
	struct iotlb_entry *e = &t->e[(size_t)set_of(t, key) * t->ways];
	struct iotlb_entry *victim = NULL;

	for (unsigned w = 0; w < t->ways; w++) {
		if (!e[w].key) {
			victim = &e[w];
			break;
		}
		if (!victim || e[w].lru < victim->lru)
			victim = &e[w];
	}
	if (victim->key)
		t->nevictions++;
	else
		t->nvalid++;
	victim->key = key;
	victim->pa = pa;
	victim->shift = (uint8_t)shift;
	victim->prot = (uint8_t)prot;
	victim->stale = false;
	victim->lru = ++t->stamp;
}

static inline bool overlaps(const struct iotlb_entry *e, uint64_t start, uint64_t last)
{
	uint64_t lo = (e->key >> 8) << e->shift;
	uint64_t hi = lo + ((UINT64_C(1) << e->shift) - 1);

	return lo <= last && hi >= start;
}

unsigned iotlb_invalidate_range(struct iotlb *t, uint64_t start, uint64_t last)
{
	unsigned n = 0;

	if (!t->nvalid)
		return 0;
	for (unsigned i = 0; i < t->nentries; i++) {
		if (t->e[i].key && overlaps(&t->e[i], start, last)) {
			t->e[i].key = 0;
			n++;
		}
	}
	t->nvalid -= n;
	t->ninvalidated += n;
	return n;
}

unsigned iotlb_invalidate_all(struct iotlb *t)
{
	unsigned n = t->nvalid;

	if (n) {
		for (unsigned i = 0; i < t->nentries; i++)
			t->e[i].key = 0;
	}
	t->nvalid = 0;
	t->ninvalidated += n;
	return n;
}

void iotlb_mark_stale(struct iotlb *t, uint64_t start, uint64_t last)
{
	if (!t->nvalid)
		return;
	for (unsigned i = 0; i < t->nentries; i++)
		if (t->e[i].key && overlaps(&t->e[i], start, last))
			t->e[i].stale = true;
}

PHYR_EXPORT void phyr_iommu_iotlb_gather_init(struct phyr_iommu_iotlb_gather *g)
{
	if (!g)
		return;
	g->start = UINT64_MAX;
	g->end = 0;
	g->pgsize = 0;
	g->nfreed = 0;
	g->queued = false;
}
