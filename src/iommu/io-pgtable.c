// SPDX-License-Identifier: MIT
/*
 * I/O page tables: format dispatch and the radix engine.
 *
 * The radix engine reproduces Linux v6.17 io-pgtable-arm.c's table walk for
 * every radix format (see pgtable.h): a map call installs leaves only up to
 * the end of the table its first entry is in (arm_lpae_max_entries, which
 * counts a granule's worth of entries even in a smaller pgd, so a pgd smaller
 * than a granule can hold unreachable "ghost" leaves, as Linux's pgd page
 * can); existing leaves in the way give -EEXIST, existing tables under a new
 * block are torn down first; unmap stops at the first empty entry, frees a
 * table met at the requested size as a whole, and refuses to split a block
 * (returns 0); empty tables are never freed by page unmaps. Tables are named
 * in descriptors by a pool id (a pseudo-physical address id << granule
 * shift), never by host addresses, so dumps are deterministic.
 */
#include <string.h>

#include "alloc.h"
#include "io-pgtable.h"
#include "iotlb.h"

#define PTE_LVL_SHIFT(pt, l) ((unsigned)((4 - (l)) * (int)(pt)->bpl + 3))

typedef int (*fmt_init_fn)(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas);

static fmt_init_fn fmt_init(enum phyr_iommu_fmt fmt)
{
	switch (fmt) {
	case PHYR_IOMMU_FMT_ARM_LPAE_S1_4K:
	case PHYR_IOMMU_FMT_ARM_LPAE_S1_16K:
	case PHYR_IOMMU_FMT_ARM_LPAE_S1_64K:
		return pgtable_arm_init;
	case PHYR_IOMMU_FMT_X86_64_4L:
	case PHYR_IOMMU_FMT_X86_64_5L:
		return pgtable_x86_init;
	case PHYR_IOMMU_FMT_RECORD:
		return pgtable_record_init;
	default:
		return NULL;
	}
}

static const char *const fmt_names[PHYR_IOMMU_FMT_COUNT] = {
	[PHYR_IOMMU_FMT_ARM_LPAE_S1_4K] = "arm-lpae-s1-4k",
	[PHYR_IOMMU_FMT_ARM_LPAE_S1_16K] = "arm-lpae-s1-16k",
	[PHYR_IOMMU_FMT_ARM_LPAE_S1_64K] = "arm-lpae-s1-64k",
	[PHYR_IOMMU_FMT_X86_64_4L] = "x86-64-4l",
	[PHYR_IOMMU_FMT_X86_64_5L] = "x86-64-5l",
	[PHYR_IOMMU_FMT_RECORD] = "record",
};

PHYR_EXPORT int phyr_iommu_fmt_from_name(const char *name, enum phyr_iommu_fmt *out)
{
	if (!name || !out)
		return -EINVAL;
	for (int i = 0; i < PHYR_IOMMU_FMT_COUNT; i++) {
		if (strcmp(name, fmt_names[i]) == 0) {
			*out = (enum phyr_iommu_fmt)i;
			return 0;
		}
	}
	return -EINVAL;
}

PHYR_EXPORT const char *phyr_iommu_fmt_name(enum phyr_iommu_fmt fmt)
{
	if ((unsigned)fmt >= PHYR_IOMMU_FMT_COUNT)
		return NULL;
	return fmt_names[fmt];
}

/* ------------------------------------------------------------------ */
/* Table pool                                                           */

static inline unsigned ppt(const struct phyr_io_pgtable *pt)
{
	return 1u << pt->bpl;
}

static inline size_t table_bytes(const struct phyr_io_pgtable *pt)
{
	return (size_t)ppt(pt) * sizeof(uint64_t);
}

/* What one non-top table costs in the budget (and in the stats' nbytes). */
static inline uint64_t table_kbytes(const struct phyr_io_pgtable *pt)
{
	return table_bytes(pt) > PHYR_PAGE_SIZE ? table_bytes(pt) : PHYR_PAGE_SIZE;
}

static int pool_grow(struct phyr_io_pgtable *pt)
{
	uint32_t ncap = pt->tab_cap ? pt->tab_cap * 2 : 64;
	uint64_t **ntab;
	uint32_t *nfree;

	if (ncap <= pt->tab_cap || ncap > (UINT32_MAX >> 1))
		return -ENOMEM;
	ntab = alloc_mem(pt->alloc, ncap * sizeof(*ntab));
	if (!ntab)
		return -ENOMEM;
	nfree = alloc_mem(pt->alloc, ncap * sizeof(*nfree));
	if (!nfree) {
		alloc_free(pt->alloc, ntab, ncap * sizeof(*ntab));
		return -ENOMEM;
	}
	if (pt->tab_cap) {
		memcpy(ntab, pt->tab, pt->tab_cap * sizeof(*ntab));
		memcpy(nfree, pt->free_ids, pt->nfree * sizeof(*nfree));
		alloc_free(pt->alloc, pt->tab, pt->tab_cap * sizeof(*ntab));
		alloc_free(pt->alloc, pt->free_ids, pt->tab_cap * sizeof(*nfree));
	}
	pt->tab = ntab;
	pt->free_ids = nfree;
	pt->tab_cap = ncap;
	return 0;
}

/* Allocates a zeroed table for level @lvl; *desc gets its descriptor. */
static int table_alloc(struct phyr_io_pgtable *pt, int lvl, uint64_t *desc)
{
	uint32_t id;
	uint64_t *t;

	if (pt->nbytes + table_kbytes(pt) > pt->max_bytes) {
		pt->nbudget_refusals++;
		return -ENOMEM;
	}
	if (pt->nfree) {
		id = pt->free_ids[--pt->nfree];
	} else {
		if (pt->ntab == pt->tab_cap && pool_grow(pt))
			return -ENOMEM;
		id = pt->ntab++;
	}
	t = alloc_zeroed(pt->alloc, table_bytes(pt));
	if (!t) {
		pt->free_ids[pt->nfree++] = id;
		return -ENOMEM;
	}
	pt->tab[id] = t;
	pt->nbytes += table_kbytes(pt);
	pt->ntables++;
	pt->ntables_level[lvl + 1]++;
	pt->ntable_allocs++;
	*desc = ((uint64_t)id << pt->gshift) | pt->c.table_bits;
	return 0;
}

static inline uint32_t desc_id(const struct phyr_io_pgtable *pt, uint64_t pte)
{
	return (uint32_t)((pte & pt->c.table_addr_mask) >> pt->gshift);
}

static inline uint64_t *desc_table(const struct phyr_io_pgtable *pt, uint64_t pte)
{
	return pt->tab[desc_id(pt, pte)];
}

static inline bool pte_leaf(const struct phyr_io_pgtable *pt, uint64_t pte, int lvl)
{
	return pte && (pte & pt->c.leaf_mask[lvl + 1]) == pt->c.leaf_val[lvl + 1];
}

/* Frees the table behind @desc at level @lvl and everything below it. */
static void table_free_tree(struct phyr_io_pgtable *pt, uint64_t desc, int lvl)
{
	uint32_t id = desc_id(pt, desc);
	uint64_t *t = pt->tab[id];

	if (lvl < 3) {
		for (unsigned i = 0; i < ppt(pt); i++) {
			uint64_t pte = t[i];

			if (pte && !pte_leaf(pt, pte, lvl))
				table_free_tree(pt, pte, lvl + 1);
		}
	}
	alloc_free(pt->alloc, t, table_bytes(pt));
	pt->tab[id] = NULL;
	pt->free_ids[pt->nfree++] = id;
	pt->nbytes -= table_kbytes(pt);
	pt->ntables--;
	pt->ntables_level[lvl + 1]--;
	pt->ntable_frees++;
}

static inline unsigned pgd_entries(const struct phyr_io_pgtable *pt)
{
	if (pt->start_level > 3 || pt->pgd_bits < 0 || pt->pgd_bits > 30)
		return 0;
	return 1u << pt->pgd_bits;
}

static inline unsigned lvl_idx(const struct phyr_io_pgtable *pt, uint64_t iova, int lvl)
{
	unsigned bits = pt->bpl;

	if (lvl == pt->start_level)
		bits = (unsigned)pt->pgd_bits;
	return (unsigned)((iova >> PTE_LVL_SHIFT(pt, lvl)) & ((UINT64_C(1) << bits) - 1));
}

static inline uint64_t pte_to_paddr(const struct phyr_io_pgtable *pt, uint64_t pte)
{
	uint64_t pa = pte & pt->c.oa_mask;

	if (pt->c.unfold_64k)
		return (pa | (pa << 36)) & (pt->c.oa_mask << 4);
	return pa;
}

/* Number of entries a call may touch from @idx: up to the end of a granule. */
static inline int max_entries(const struct phyr_io_pgtable *pt, unsigned idx, uint64_t pgcount)
{
	int per = (int)ppt(pt);
	int max = per - (int)(idx & (unsigned)(per - 1));
	/* Linux: min_t(int, pgcount, max): pgcount is truncated to an int. */
	int n = (int)(uint32_t)pgcount;

	return n < max ? n : max;
}

static inline void tlb_flush_walk(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t size)
{
	if (pt->tlb && pt->tlb->flush_walk)
		pt->tlb->flush_walk(pt->tlb_cookie, iova, size);
}

/* ------------------------------------------------------------------ */
/* Radix engine                                                         */

/* Tears down the tables in [idx, idx+n) and installs n leaves. */
static int radix_install(struct phyr_io_pgtable *pt, uint64_t *t, unsigned idx, int lvl,
			 uint64_t iova, uint64_t paddr, uint64_t bs, int n, uint64_t attr,
			 uint64_t *mapped)
{
	const uint64_t lmask = pt->c.leaf_mask[lvl + 1], lval = pt->c.leaf_val[lvl + 1];
	const uint64_t oa_mask = pt->c.oa_mask;
	uint64_t *e = t + idx;

	for (int i = 0; i < n; i++) {
		uint64_t pte = e[i];

		if (!pte)
			continue;
		if ((pte & lmask) == lval)
			return -EEXIST;
		/* A table under the new block: freed with all it maps. */
		e[i] = 0;
		pt->npte_writes++;
		tlb_flush_walk(pt, iova + (uint64_t)i * bs, bs);
		table_free_tree(pt, pte, lvl + 1);
	}
	attr |= pt->c.leaf_type[lvl + 1];
	if (pt->c.fold_high) {
		for (int i = 0; i < n; i++) {
			uint64_t pa = paddr + (uint64_t)i * bs;

			e[i] = attr | ((pa | (pa >> 36)) & oa_mask);
		}
	} else {
		for (int i = 0; i < n; i++)
			e[i] = attr | ((paddr + (uint64_t)i * bs) & oa_mask);
	}
	if (n > 0)
		pt->npte_writes += (uint64_t)n;
	*mapped += (uint64_t)(int64_t)n * bs;
	return 0;
}

static int radix_map_pages(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t paddr,
			   uint64_t pgsize, uint64_t pgcount, int prot, uint64_t *mapped)
{
	uint64_t *t = pt->pgd;
	uint64_t attr;
	int lvl = pt->start_level;

	pt->nmap_calls++;
	if (!pgsize || (pgsize & pt->pgsize_bitmap) != pgsize)
		return -EINVAL;
	if (((int64_t)iova >> pt->ias) != 0 || (paddr >> pt->oas) != 0)
		return -ERANGE;
	if (!(prot & (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)))
		return -EINVAL;
	attr = pt->prot_to_pte(prot);
	if (lvl > 3)
		return -EINVAL;
	for (;;) {
		unsigned idx = lvl_idx(pt, iova, lvl);
		uint64_t bs = UINT64_C(1) << PTE_LVL_SHIFT(pt, lvl);
		uint64_t pte;

		if (pgsize == bs)
			return radix_install(pt, t, idx, lvl, iova, paddr, bs,
					     max_entries(pt, idx, pgcount), attr, mapped);
		if (lvl >= 3)
			return -EINVAL;
		pte = t[idx];
		if (!pte) {
			if (table_alloc(pt, lvl + 1, &pte))
				return -ENOMEM;
			t[idx] = pte;
			pt->npte_writes++;
		} else if (pte_leaf(pt, pte, lvl)) {
			return -EEXIST;
		}
		t = desc_table(pt, pte);
		lvl++;
	}
}

static uint64_t radix_unmap_pages(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t pgsize,
				  uint64_t pgcount, struct phyr_iommu_iotlb_gather *g)
{
	uint64_t *t = pt->pgd;
	int lvl = pt->start_level;

	pt->nunmap_calls++;
	if (!pgsize || (pgsize & pt->pgsize_bitmap) != pgsize || !pgcount)
		return 0;
	if (((int64_t)iova >> pt->ias) != 0)
		return 0;
	for (;;) {
		unsigned idx;
		uint64_t bs, pte;

		if (lvl > 3)
			return 0;
		idx = lvl_idx(pt, iova, lvl);
		pte = t[idx];
		if (!pte)
			return 0; /* the stable fix: not (size_t)-ENOENT */
		bs = UINT64_C(1) << PTE_LVL_SHIFT(pt, lvl);
		if (pgsize == bs) {
			const uint64_t lmask = pt->c.leaf_mask[lvl + 1];
			const uint64_t lval = pt->c.leaf_val[lvl + 1];
			int n = max_entries(pt, idx, pgcount);
			int i;

			for (i = 0; i < n; i++) {
				pte = t[idx + i];
				if (!pte)
					break;
				if ((pte & lmask) != lval) {
					uint64_t before = pt->ntables;

					t[idx + i] = 0;
					pt->npte_writes++;
					tlb_flush_walk(pt, iova + (uint64_t)i * bs, bs);
					table_free_tree(pt, pte, lvl + 1);
					if (g)
						g->nfreed += before - pt->ntables;
				}
			}
			if (i > 0) {
				memset(&t[idx], 0, (size_t)i * sizeof(uint64_t));
				pt->npte_writes += (uint64_t)i;
			}
			/*
			 * Linux adds each cleared leaf to the gather. Pages
			 * 2..i are adjacent to the range and of the same size,
			 * so they can never make the gather sync: adding the
			 * first and extending the end is the same outcome.
			 */
			if (g && !g->queued && i > 0) {
				if (pt->tlb && pt->tlb->add_page)
					pt->tlb->add_page(pt->tlb_cookie, g, iova, bs);
				else /* a standalone table: no IOTLB to sync */
					iommu_iotlb_gather_add_page(g, iova, bs, NULL, NULL);
				if (i > 1 && iova + (uint64_t)i * bs - 1 > g->end)
					g->end = iova + (uint64_t)i * bs - 1;
			}
			return (uint64_t)i * bs;
		}
		if (pte_leaf(pt, pte, lvl))
			return 0; /* no block splitting */
		t = desc_table(pt, pte);
		lvl++;
	}
}

static int radix_leaf(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t *ptep, int *level,
		      unsigned *nlevels)
{
	uint64_t *t = pt->pgd;
	int lvl = pt->start_level;
	unsigned n = 0;

	if (lvl > 3)
		goto none;
	for (;;) {
		uint64_t pte = t[lvl_idx(pt, iova, lvl)];

		n++;
		if (pte_leaf(pt, pte, lvl)) {
			*ptep = pte;
			*level = lvl;
			if (nlevels)
				*nlevels = n;
			return 0;
		}
		if (!pte || lvl >= 3)
			break;
		t = desc_table(pt, pte);
		lvl++;
	}
none:
	if (nlevels)
		*nlevels = n;
	return -ENOENT;
}

static uint64_t radix_iova_to_phys(struct phyr_io_pgtable *pt, uint64_t iova)
{
	uint64_t pte;
	int lvl;

	if (radix_leaf(pt, iova, &pte, &lvl, NULL))
		return 0;
	return pte_to_paddr(pt, pte) | (iova & ((UINT64_C(1) << PTE_LVL_SHIFT(pt, lvl)) - 1));
}

static void radix_count(struct phyr_io_pgtable *pt, const uint64_t *t, unsigned n, int lvl,
			struct phyr_io_pgtable_stats *st)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pte = t[i];

		if (!pte)
			continue;
		if (pte_leaf(pt, pte, lvl)) {
			if (lvl >= 0)
				st->nleaves[lvl]++;
		} else if (lvl < 3) {
			st->ntables++;
			st->ntables_level[lvl + 2]++;
			radix_count(pt, desc_table(pt, pte), ppt(pt), lvl + 1, st);
		}
	}
}

static void radix_stats(struct phyr_io_pgtable *pt, struct phyr_io_pgtable_stats *st)
{
	st->ntables = 1;
	st->ntables_level[pt->start_level > 3 ? 4 : pt->start_level + 1] = 1;
	if (pt->start_level <= 3)
		radix_count(pt, pt->pgd, pgd_entries(pt), pt->start_level, st);
	st->nbytes = pt->pgd_kbytes + (st->ntables - 1) * table_kbytes(pt);
}

static int radix_dump_table(struct phyr_io_pgtable *pt, FILE *f, const uint64_t *t, unsigned n,
			    int lvl, uint64_t base)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pte = t[i];
		unsigned shift = PTE_LVL_SHIFT(pt, lvl);
		uint64_t va = base | ((uint64_t)i << shift);

		if (!pte)
			continue;
		if (fprintf(f, "%*sL%d[%u] 0x%llx ", 2 * (lvl - pt->start_level), "", lvl, i,
			    (unsigned long long)va) < 0)
			return -EIO;
		if (pte_leaf(pt, pte, lvl)) {
			if (fprintf(f, "leaf 0x%llx -> 0x%llx size 0x%llx\n",
				    (unsigned long long)pte,
				    (unsigned long long)pte_to_paddr(pt, pte),
				    (unsigned long long)(UINT64_C(1) << shift)) < 0)
				return -EIO;
		} else if (lvl < 3) {
			if (fprintf(f, "table #%u\n", desc_id(pt, pte)) < 0)
				return -EIO;
			if (radix_dump_table(pt, f, desc_table(pt, pte), ppt(pt), lvl + 1, va))
				return -EIO;
		} else if (fprintf(f, "invalid 0x%llx\n", (unsigned long long)pte) < 0) {
			return -EIO;
		}
	}
	return 0;
}

static int radix_dump(struct phyr_io_pgtable *pt, FILE *f)
{
	if (fprintf(f, "%s ias=%u oas=%u pgsize_bitmap=0x%llx start_level=%d pgd_entries=%u\n",
		    phyr_iommu_fmt_name(pt->fmt), pt->ias, pt->oas,
		    (unsigned long long)pt->pgsize_bitmap, pt->start_level,
		    pgd_entries(pt)) < 0)
		return -EIO;
	if (pt->start_level > 3)
		return 0;
	return radix_dump_table(pt, f, pt->pgd, pgd_entries(pt), pt->start_level, 0);
}

static void radix_finish(struct phyr_io_pgtable *pt)
{
	if (pt->pgd) {
		unsigned n = pgd_entries(pt);

		for (unsigned i = 0; i < n && pt->start_level < 3; i++) {
			uint64_t pte = pt->pgd[i];

			if (pte && !pte_leaf(pt, pte, pt->start_level))
				table_free_tree(pt, pte, pt->start_level + 1);
		}
		alloc_free(pt->alloc, pt->pgd, (size_t)pt->pgd_alloc_entries * sizeof(uint64_t));
		pt->pgd = NULL;
	}
	if (pt->tab_cap) {
		alloc_free(pt->alloc, pt->tab, pt->tab_cap * sizeof(*pt->tab));
		alloc_free(pt->alloc, pt->free_ids, pt->tab_cap * sizeof(*pt->free_ids));
	}
	pt->tab = NULL;
	pt->free_ids = NULL;
	pt->tab_cap = 0;
}

/* Called by a radix format's init once geometry and codec are set. */
int pgtable_radix_setup(struct phyr_io_pgtable *pt)
{
	uint64_t ksize;
	unsigned sh;

	pt->pgd_alloc_entries = ppt(pt);
	if (pt->start_level <= 3 && pgd_entries(pt) > pt->pgd_alloc_entries)
		pt->pgd_alloc_entries = pgd_entries(pt);
	/* The kernel's pgd: max(64, 8 << pgd_bits) bytes, in whole pages. */
	sh = (unsigned)pt->pgd_bits & 63;
	ksize = UINT64_C(8) << sh;
	if (ksize < 64)
		ksize = 64;
	pt->pgd_kbytes = (ksize + PHYR_PAGE_SIZE - 1) & ~(PHYR_PAGE_SIZE - 1);
	{
		uint64_t p = PHYR_PAGE_SIZE;

		while (p < pt->pgd_kbytes)
			p <<= 1;
		pt->pgd_kbytes = p;
	}
	if (pt->pgd_kbytes > pt->max_bytes) {
		pt->nbudget_refusals++;
		return -ENOMEM;
	}
	pt->ops = &pgtable_radix_ops;
	pt->ntab = 1;
	if (pool_grow(pt))
		return -ENOMEM;
	pt->pgd = alloc_zeroed(pt->alloc, (size_t)pt->pgd_alloc_entries * sizeof(uint64_t));
	if (!pt->pgd) {
		radix_finish(pt);
		return -ENOMEM;
	}
	pt->ntables = 1;
	pt->ntables_level[pt->start_level > 3 ? 4 : pt->start_level + 1] = 1;
	pt->ntable_allocs = 1;
	pt->nbytes = pt->pgd_kbytes;
	return 0;
}

int pgtable_budget_check(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t paddr,
			 uint64_t size)
{
	uint64_t diff = iova - paddr, cap, pgsize = 0, cover, need, eff = size, prefix, count;

	if (pt->ops != &pgtable_radix_ops || !pt->pgsize_bitmap)
		return 0;
	if (size <= pt->budget_fits)
		return 0;
	/* the map stops with -ERANGE at the end of the input or output space */
	if (pt->ias < 64) {
		if (iova >> pt->ias)
			return 0;
		if (eff > (UINT64_C(1) << pt->ias) - iova)
			eff = (UINT64_C(1) << pt->ias) - iova;
	}
	if (pt->oas < 64) {
		if (paddr >> pt->oas)
			return 0;
		if (eff > (UINT64_C(1) << pt->oas) - paddr)
			eff = (UINT64_C(1) << pt->oas) - paddr;
	}
	/* iova and paddr advance together: no page is larger than the lowest
	 * set bit of their difference (any size when they are equal) */
	cap = diff ? diff & -diff : UINT64_MAX;
	if (cap > size)
		cap = size;
	if (!cap)
		return 0;
	/* the largest supported size not above cap: the top bit of the
	 * bitmap's sizes up to the top bit of cap */
	{
		unsigned int top = 63 - (unsigned int)__builtin_clzll(cap);
		uint64_t sizes = pt->pgsize_bitmap &
				 (top == 63 ? UINT64_MAX : (UINT64_C(2) << top) - 1);

		if (!sizes)
			return 0;
		pgsize = UINT64_C(1) << (63 - __builtin_clzll(sizes));
	}
	/*
	 * The pages of that size come after a prefix of smaller ones; a count
	 * that Linux's min_t(int, ...) in map_pages truncates to zero or less
	 * takes another path (see phyr_iommu_map_nosync): no estimate then.
	 */
	prefix = (pgsize - (iova & (pgsize - 1))) & (pgsize - 1);
	if (prefix >= eff)
		return 0;
	count = (size - prefix) / pgsize;
	if ((int32_t)(uint32_t)count <= 0)
		return 0;
	eff -= prefix;
	for (int lvl = pt->start_level > 3 ? 3 : pt->start_level; lvl <= 3; lvl++) {
		if (pgtable_level_shift(pt, lvl) != (unsigned)__builtin_ctzll(pgsize))
			continue;
		if (lvl == pt->start_level)
			return 0; /* leaves in the top table: nothing to allocate */
		if (pgsize > UINT64_MAX / ppt(pt))
			return 0;
		cover = pgsize * ppt(pt);
		need = eff / cover;
		if (need > (pt->max_bytes - pt->pgd_kbytes) / table_kbytes(pt)) {
			pt->nbudget_refusals++;
			return -ENOMEM;
		}
		return 0;
	}
	return 0;
}

const struct pgtable_fmt_ops pgtable_radix_ops = {
	.name = "radix",
	.map_pages = radix_map_pages,
	.unmap_pages = radix_unmap_pages,
	.iova_to_phys = radix_iova_to_phys,
	.leaf = radix_leaf,
	.stats = radix_stats,
	.dump = radix_dump,
	.finish = radix_finish,
};

int pgtable_leaf_prot(const struct phyr_io_pgtable *pt, uint64_t pte)
{
	if (pt->c.ro_is_ap2)
		return PHYR_IOMMU_READ | ((pte & (UINT64_C(1) << 7)) ? 0 : PHYR_IOMMU_WRITE);
	return ((pte & pt->c.read_bit) ? PHYR_IOMMU_READ : 0) |
	       ((pte & pt->c.write_bit) ? PHYR_IOMMU_WRITE : 0);
}

/* ------------------------------------------------------------------ */
/* Public entry points                                                  */

/*
 * The largest request that can never pass the budget: even with the
 * smallest pages it needs at most size / (smallest page * entries per
 * table) tables, the most pgtable_budget_check() can estimate.
 */
static void budget_update(struct phyr_io_pgtable *pt)
{
	uint64_t cover, tables;

	pt->budget_fits = 0;
	if (pt->ops != &pgtable_radix_ops || !pt->pgsize_bitmap || pt->max_bytes < pt->pgd_kbytes)
		return;
	cover = (pt->pgsize_bitmap & -pt->pgsize_bitmap) * ppt(pt);
	tables = (pt->max_bytes - pt->pgd_kbytes) / table_kbytes(pt);
	pt->budget_fits = tables >= UINT64_MAX / cover ? UINT64_MAX : (tables + 1) * cover - 1;
}

int pgtable_create(enum phyr_iommu_fmt fmt, unsigned ias, unsigned oas,
		   uint64_t record_bitmap, uint64_t max_bytes, const struct phyr_allocator *alloc,
		   const struct pgtable_tlb_ops *tlb, void *cookie, struct phyr_io_pgtable **out)
{
	fmt_init_fn init = fmt_init(fmt);
	const struct phyr_allocator *a = alloc_or_default(alloc);
	struct phyr_io_pgtable *pt;
	int ret;

	if (!init || !out)
		return -EINVAL;
	pt = alloc_zeroed(a, sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	pt->fmt = fmt;
	pt->alloc = a;
	pt->tlb = tlb;
	pt->tlb_cookie = cookie;
	pt->pgsize_bitmap = record_bitmap;
	pt->max_bytes = max_bytes ? max_bytes : PHYR_IOMMU_DEFAULT_MAX_TABLE_BYTES;
	ret = init(pt, ias, oas);
	if (ret) {
		alloc_free(a, pt, sizeof(*pt));
		return ret;
	}
	budget_update(pt);
	*out = pt;
	return 0;
}

PHYR_EXPORT int phyr_io_pgtable_create(enum phyr_iommu_fmt fmt, unsigned ias, unsigned oas,
				       const struct phyr_allocator *alloc,
				       struct phyr_io_pgtable **out)
{
	return pgtable_create(fmt, ias, oas, 0, 0, alloc, NULL, NULL, out);
}

PHYR_EXPORT int phyr_io_pgtable_set_max_bytes(struct phyr_io_pgtable *pt, uint64_t max_bytes)
{
	if (!pt)
		return -EINVAL;
	pt->max_bytes = max_bytes ? max_bytes : PHYR_IOMMU_DEFAULT_MAX_TABLE_BYTES;
	budget_update(pt);
	return 0;
}

PHYR_EXPORT void phyr_io_pgtable_destroy(struct phyr_io_pgtable *pt)
{
	const struct phyr_allocator *a;

	if (!pt)
		return;
	a = pt->alloc;
	if (pt->ops->finish)
		pt->ops->finish(pt);
	alloc_free(a, pt, sizeof(*pt));
}

PHYR_EXPORT uint64_t phyr_io_pgtable_pgsize_bitmap(const struct phyr_io_pgtable *pt)
{
	return pt ? pt->pgsize_bitmap : 0;
}

PHYR_EXPORT void phyr_io_pgtable_geometry(const struct phyr_io_pgtable *pt, unsigned *ias,
					  unsigned *oas, int *start_level, unsigned *pgd_ents)
{
	static const struct phyr_io_pgtable none = { .start_level = 4 };

	if (!pt)
		pt = &none;
	if (ias)
		*ias = pt->ias;
	if (oas)
		*oas = pt->oas;
	if (start_level)
		*start_level = pt->start_level;
	if (pgd_ents)
		*pgd_ents = pt->ops && pt->ops->finish == radix_finish ? pgd_entries(pt) : 0;
}

PHYR_EXPORT int phyr_io_pgtable_map_pages(struct phyr_io_pgtable *pt, uint64_t iova,
					  uint64_t paddr, uint64_t pgsize, uint64_t pgcount,
					  int prot, uint64_t *mapped)
{
	uint64_t dummy = 0;

	if (!pt)
		return -EINVAL;
	return pt->ops->map_pages(pt, iova, paddr, pgsize, pgcount, prot, mapped ? mapped : &dummy);
}

PHYR_EXPORT uint64_t phyr_io_pgtable_unmap_pages(struct phyr_io_pgtable *pt, uint64_t iova,
						 uint64_t pgsize, uint64_t pgcount,
						 struct phyr_iommu_iotlb_gather *gather)
{
	if (!pt)
		return 0;
	return pt->ops->unmap_pages(pt, iova, pgsize, pgcount, gather);
}

PHYR_EXPORT uint64_t phyr_io_pgtable_iova_to_phys(struct phyr_io_pgtable *pt, uint64_t iova)
{
	if (!pt)
		return 0;
	return pt->ops->iova_to_phys(pt, iova);
}

PHYR_EXPORT int phyr_io_pgtable_leaf(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t *pte,
				     int *level)
{
	uint64_t p;
	int l;
	int ret;

	if (!pt)
		return -EINVAL;
	ret = pt->ops->leaf(pt, iova, &p, &l, NULL);
	if (ret)
		return ret;
	if (pte)
		*pte = p;
	if (level)
		*level = l;
	return 0;
}

PHYR_EXPORT void phyr_io_pgtable_get_stats(struct phyr_io_pgtable *pt,
					   struct phyr_io_pgtable_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!pt)
		return;
	pt->ops->stats(pt, st);
	st->ntable_allocs = pt->ntable_allocs;
	st->max_bytes = pt->max_bytes;
	st->nbudget_refusals = pt->nbudget_refusals;
	st->ntable_frees = pt->ntable_frees;
	st->npte_writes = pt->npte_writes;
	st->nmap_calls = pt->nmap_calls;
	st->nunmap_calls = pt->nunmap_calls;
}

PHYR_EXPORT int phyr_io_pgtable_dump(struct phyr_io_pgtable *pt, FILE *f)
{
	if (!pt || !f)
		return -EINVAL;
	return pt->ops->dump(pt, f);
}

uint64_t pgtable_leaf_oa(const struct phyr_io_pgtable *pt, uint64_t pte)
{
	return pte_to_paddr(pt, pte);
}

unsigned pgtable_level_shift(const struct phyr_io_pgtable *pt, int lvl)
{
	return PTE_LVL_SHIFT(pt, lvl);
}

void pgtable_set_tlb(struct phyr_io_pgtable *pt, const struct pgtable_tlb_ops *tlb, void *cookie)
{
	pt->tlb = tlb;
	pt->tlb_cookie = cookie;
}
