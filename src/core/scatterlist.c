// SPDX-License-Identifier: MIT
/*
 * Scatterlist model (see include/phyr/scatterlist.h for the contract).
 *
 * Reproduces Linux v6.17 lib/scatterlist.c: __sg_alloc_table chunking,
 * get_next_sg, pages_are_mergeable, sg_alloc_append_table_from_pages and
 * sg_alloc_table_from_pages_segment, including the 32-bit chunk_size and
 * the unsigned-long remaining-size arithmetic. Written from the behaviour
 * described in spec/kernel.md section 9 and checked against the kernel's
 * own test vectors; no kernel code is reused.
 *
 * Differences, all on inputs where Linux crashes or corrupts memory:
 * n_pages 0, appending to an ended table, a needed-entries count that
 * wraps 32 bits: -EINVAL. Errors never leave a half-built table: every
 * chunk a call needs is allocated before any entry is touched.
 */
#include <string.h>

#include "phyr/scatterlist.h"
#include "alloc.h"
#include "sg.h"

#define SG_PAGE_SIZE ((uint32_t)PHYR_PAGE_SIZE)

static const struct phyr_sg_layout layouts[PHYR_SG_LAYOUT_COUNT] = {
	[PHYR_SG_LAYOUT_64] = {
		PHYR_SG_LAYOUT_64, "64", "64-bit, no dma_length, no dma_flags",
		8, 24, 4096 / 24, -1, 0, 8, 12, 16, 8, -1, -1, 16, 32, true },
	[PHYR_SG_LAYOUT_64_LEN] = {
		PHYR_SG_LAYOUT_64_LEN, "64-len", "64-bit, dma_length",
		8, 32, 4096 / 32, -1, 0, 8, 12, 16, 8, 24, -1, 16, 32, true },
	[PHYR_SG_LAYOUT_64_FLAGS] = {
		PHYR_SG_LAYOUT_64_FLAGS, "64-flags", "64-bit, dma_flags",
		8, 32, 4096 / 32, -1, 0, 8, 12, 16, 8, -1, 24, 16, 32, true },
	[PHYR_SG_LAYOUT_64_LEN_FLAGS] = SG_LAYOUT_INIT_64_LEN_FLAGS,
	[PHYR_SG_LAYOUT_64_DEBUG_SG] = {
		PHYR_SG_LAYOUT_64_DEBUG_SG, "64-debug-sg", "64-bit, old CONFIG_DEBUG_SG sg_magic, dma_length",
		8, 40, 4096 / 40, 0, 8, 16, 20, 24, 8, 32, -1, 16, 32, true },
	[PHYR_SG_LAYOUT_32] = {
		PHYR_SG_LAYOUT_32, "ilp32", "32-bit, 32-bit dma_addr_t",
		4, 16, 4096 / 16, -1, 0, 4, 8, 12, 4, -1, -1, 12, 20, false },
	[PHYR_SG_LAYOUT_32_LEN] = {
		PHYR_SG_LAYOUT_32_LEN, "ilp32-len", "32-bit, 32-bit dma_addr_t, dma_length",
		4, 20, 4096 / 20, -1, 0, 4, 8, 12, 4, 16, -1, 12, 20, false },
	[PHYR_SG_LAYOUT_32_LEN_FLAGS] = {
		PHYR_SG_LAYOUT_32_LEN_FLAGS, "ilp32-len-flags", "32-bit, 32-bit dma_addr_t, dma_length and dma_flags",
		4, 24, 4096 / 24, -1, 0, 4, 8, 12, 4, 16, 20, 12, 20, false },
	[PHYR_SG_LAYOUT_32_LPAE] = {
		PHYR_SG_LAYOUT_32_LPAE, "ilp32-lpae", "32-bit, 64-bit dma_addr_t aligned to 8 (ARM LPAE)",
		4, 24, 4096 / 24, -1, 0, 4, 8, 16, 8, -1, -1, 12, 20, false },
	[PHYR_SG_LAYOUT_32_LPAE_LEN] = {
		PHYR_SG_LAYOUT_32_LPAE_LEN, "ilp32-lpae-len", "32-bit, 64-bit dma_addr_t aligned to 8, dma_length",
		4, 32, 4096 / 32, -1, 0, 4, 8, 16, 8, 24, -1, 12, 20, false },
	[PHYR_SG_LAYOUT_32_PAE] = {
		PHYR_SG_LAYOUT_32_PAE, "ilp32-pae", "i386 PAE, 64-bit dma_addr_t aligned to 4 (derived)",
		4, 20, 4096 / 20, -1, 0, 4, 8, 12, 8, -1, -1, 12, 20, false },
	[PHYR_SG_LAYOUT_32_PAE_LEN] = {
		PHYR_SG_LAYOUT_32_PAE_LEN, "ilp32-pae-len", "i386 PAE, 64-bit dma_addr_t aligned to 4, dma_length (derived)",
		4, 24, 4096 / 24, -1, 0, 4, 8, 12, 8, 20, -1, 12, 20, false },
};

const struct phyr_sg_layout *phyr_sg_layout_get(enum phyr_sg_layout_id id)
{
	if ((unsigned int)id >= PHYR_SG_LAYOUT_COUNT)
		return NULL;
	return &layouts[id];
}

int phyr_sg_layout_find(const char *name, const struct phyr_sg_layout **out)
{
	static const struct { const char *alias; enum phyr_sg_layout_id id; } aliases[] = {
		{ "24", PHYR_SG_LAYOUT_64 },
		{ "32", PHYR_SG_LAYOUT_64_LEN_FLAGS },
		{ "40", PHYR_SG_LAYOUT_64_DEBUG_SG },
	};

	if (!name || !out)
		return -EINVAL;
	for (unsigned int i = 0; i < PHYR_SG_LAYOUT_COUNT; i++) {
		if (strcmp(name, layouts[i].name) == 0) {
			*out = &layouts[i];
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(name, aliases[i].alias) == 0) {
			*out = &layouts[aliases[i].id];
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- raw field access: src/core/sg.h ---------------------------------- */

static inline void link_set(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint64_t v)
{
	sg_st64(sg, L->off_page_link, v);
}

uint64_t sg_page_word(uint64_t pfn, unsigned int pgmap)
{
	return (pfn << PHYR_PAGE_SHIFT) | ((uint64_t)pgmap << 2);
}

static inline void sg_init(const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, unsigned int nents)
{
	struct phyr_scatterlist *last = sg_at(L, sgl, nents - 1);

	memset(sgl, 0, (size_t)nents * L->size);
	link_set(L, last, PHYR_SG_END);
}

int phyr_sg_init_table(const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, unsigned int nents)
{
	if (!L || !L->buildable || !sgl || nents == 0)
		return -EINVAL;
	sg_init(L, sgl, nents);
	return 0;
}

struct phyr_scatterlist *phyr_sg_entry(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				       unsigned int i)
{
	if (!L || !sg)
		return NULL;
	return sg_at(L, sg, i);
}

bool phyr_sg_is_last(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_link(L, sg) & PHYR_SG_END;
}

bool phyr_sg_is_chain(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_link(L, sg) & PHYR_SG_CHAIN;
}

struct phyr_scatterlist *phyr_sg_chain_ptr(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return NULL;
	return (struct phyr_scatterlist *)(uintptr_t)(sg_link(L, sg) & ~SG_LINK_MASK);
}

struct phyr_scatterlist *phyr_sg_next(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return NULL;
	return sg_next(L, sg);
}

static void sg_chain_at(const struct phyr_sg_layout *L, struct phyr_scatterlist *link,
			struct phyr_scatterlist *next)
{
	sg_st32(link, L->off_offset, 0);
	sg_st32(link, L->off_length, 0);
	link_set(L, link, ((uint64_t)(uintptr_t)next | PHYR_SG_CHAIN) & ~(uint64_t)PHYR_SG_END);
}

void phyr_sg_chain(const struct phyr_sg_layout *L, struct phyr_scatterlist *prv, unsigned int prv_nents,
		   struct phyr_scatterlist *next)
{
	if (!L || !prv || !next || prv_nents == 0)
		return;
	sg_chain_at(L, phyr_sg_entry(L, prv, prv_nents - 1), next);
}

void phyr_sg_mark_end(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return;
	link_set(L, sg, (sg_link(L, sg) | PHYR_SG_END) & ~(uint64_t)PHYR_SG_CHAIN);
}

void phyr_sg_unmark_end(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return;
	link_set(L, sg, sg_link(L, sg) & ~(uint64_t)PHYR_SG_END);
}

static inline void sg_set_page_raw(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				   uint64_t page_word, uint32_t len, uint32_t offset)
{
	link_set(L, sg, (sg_link(L, sg) & SG_LINK_MASK) | page_word);
	sg_st32(sg, L->off_offset, offset);
	sg_st32(sg, L->off_length, len);
}

int phyr_sg_set_page(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint64_t pfn,
		     unsigned int pgmap, uint32_t len, uint32_t offset)
{
	if (!L || !sg)
		return -EINVAL;
	if (pfn > PHYR_SG_PFN_MAX || pgmap > PHYR_SG_PGMAP_MAX || phyr_sg_is_chain(L, sg))
		return -EINVAL;
	sg_set_page_raw(L, sg, sg_page_word(pfn, pgmap), len, offset);
	return 0;
}

int phyr_sg_set_phys(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint64_t phys,
		     unsigned int pgmap, uint32_t len)
{
	return phyr_sg_set_page(L, sg, phys >> PHYR_PAGE_SHIFT, pgmap, len,
				(uint32_t)(phys & (PHYR_PAGE_SIZE - 1)));
}

unsigned int phyr_sg_nents(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	unsigned int n = 0;

	if (!L)
		return 0;
	for (; sg; sg = phyr_sg_next(L, sg))
		n++;
	return n;
}

uint64_t phyr_sg_page_link(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_link(L, sg);
}

uint64_t phyr_sg_pfn(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_link(L, sg) >> PHYR_PAGE_SHIFT;
}

unsigned int phyr_sg_pgmap(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return (unsigned int)(sg_link(L, sg) >> 2) & PHYR_SG_PGMAP_MAX;
}

uint32_t phyr_sg_offset(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_ld32(sg, L->off_offset);
}

uint32_t phyr_sg_length(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_ld32(sg, L->off_length);
}

uint64_t phyr_sg_phys(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return (phyr_sg_pfn(L, sg) << PHYR_PAGE_SHIFT) + phyr_sg_offset(L, sg);
}

void phyr_sg_set_offset(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t offset)
{
	if (!L || !sg)
		return;
	sg_st32(sg, L->off_offset, offset);
}

void phyr_sg_set_length(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t len)
{
	if (!L || !sg)
		return;
	sg_st32(sg, L->off_length, len);
}

uint64_t phyr_sg_dma_address(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	if (L->dma_addr_bytes == 4)
		return sg_ld32(sg, L->off_dma_address);
	return sg_ld64(sg, L->off_dma_address);
}

void phyr_sg_set_dma_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint64_t addr)
{
	if (!L || !sg)
		return;
	if (L->dma_addr_bytes == 4)
		sg_st32(sg, L->off_dma_address, (uint32_t)addr);
	else
		sg_st64(sg, L->off_dma_address, addr);
}

uint32_t phyr_sg_dma_len(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return sg_ld32(sg, L->off_dma_length >= 0 ? L->off_dma_length : L->off_length);
}

void phyr_sg_set_dma_len(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t len)
{
	if (!L || !sg)
		return;
	sg_st32(sg, L->off_dma_length >= 0 ? L->off_dma_length : L->off_length, len);
}

uint32_t phyr_sg_dma_flags(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return L->off_dma_flags >= 0 ? sg_ld32(sg, L->off_dma_flags) : 0;
}

void phyr_sg_set_dma_flags(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t flags)
{
	if (!L || !sg)
		return;
	if (L->off_dma_flags >= 0)
		sg_st32(sg, L->off_dma_flags, flags);
}

bool phyr_sg_dma_is_bus_address(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return phyr_sg_dma_flags(L, sg) & PHYR_SG_DMA_BUS_ADDRESS;
}

void phyr_sg_dma_mark_bus_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return;
	phyr_sg_set_dma_flags(L, sg, phyr_sg_dma_flags(L, sg) | PHYR_SG_DMA_BUS_ADDRESS);
}

void phyr_sg_dma_unmark_bus_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return;
	phyr_sg_set_dma_flags(L, sg, phyr_sg_dma_flags(L, sg) & ~PHYR_SG_DMA_BUS_ADDRESS);
}

bool phyr_sg_dma_is_swiotlb(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return 0;
	return phyr_sg_dma_flags(L, sg) & PHYR_SG_DMA_SWIOTLB;
}

void phyr_sg_dma_mark_swiotlb(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg)
{
	if (!L || !sg)
		return;
	phyr_sg_set_dma_flags(L, sg, phyr_sg_dma_flags(L, sg) | PHYR_SG_DMA_SWIOTLB);
}

/* ---- tables --------------------------------------------------------- */

enum sgt_kind {
	SGT_EMPTY,	/* nothing allocated: a zeroed sg_append_table */
	SGT_PLAIN,	/* sg_alloc_table or ..._from_pages_segment: an sg_table */
	SGT_APPEND,	/* built by sg_alloc_append_table_from_pages */
};

struct sg_chunk_rec {
	struct phyr_scatterlist *addr;
	unsigned int nents;
};

struct phyr_sg_table {
	const struct phyr_sg_layout *L;
	const struct phyr_allocator *a;
	enum sgt_kind kind;
	struct phyr_scatterlist *sgl;
	unsigned int nents;
	unsigned int orig_nents;
	unsigned int total_nents;
	struct phyr_scatterlist *prv;	/* append: last populated entry */
	unsigned int prv_slot;		/* its slot in the last chunk */
	struct sg_chunk_rec *chunks;	/* in chain order */
	unsigned int nchunks;
	unsigned int chunks_cap;
	struct phyr_sg_stats stats;
};

int phyr_sg_table_create(enum phyr_sg_layout_id layout, const struct phyr_allocator *a,
			 struct phyr_sg_table **out)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(layout);
	struct phyr_sg_table *t;

	if (!out || !L || !L->buildable)
		return -EINVAL;
	a = alloc_or_default(a);
	t = alloc_zeroed(a, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->L = L;
	t->a = a;
	*out = t;
	return 0;
}

static uint64_t chunk_alloc_bytes(const struct phyr_sg_layout *L, unsigned int nents)
{
	/* sg_kmalloc: a whole page for SG_MAX_SINGLE_ALLOC entries, else kmalloc_array. */
	if (nents == L->max_single_alloc)
		return PHYR_PAGE_SIZE;
	return (uint64_t)nents * L->size;
}

static void chunk_free(struct phyr_sg_table *t, struct sg_chunk_rec *c)
{
	alloc_free(t->a, c->addr, (size_t)chunk_alloc_bytes(t->L, c->nents));
	c->addr = NULL;
}

void phyr_sg_free_table(struct phyr_sg_table *t)
{
	if (!t)
		return;
	for (unsigned int i = 0; i < t->nchunks; i++)
		chunk_free(t, &t->chunks[i]);
	t->stats.nchunk_frees += t->nchunks;
	alloc_free(t->a, t->chunks, (size_t)t->chunks_cap * sizeof(*t->chunks));
	t->chunks = NULL;
	t->nchunks = t->chunks_cap = 0;
	t->kind = SGT_EMPTY;
	t->sgl = t->prv = NULL;
	t->nents = t->orig_nents = t->total_nents = 0;
	t->prv_slot = 0;
}

void phyr_sg_table_destroy(struct phyr_sg_table *t)
{
	if (!t)
		return;
	phyr_sg_free_table(t);
	alloc_free(t->a, t, sizeof(*t));
}

/* Makes room for @extra more chunk records. */
static int chunks_reserve(struct phyr_sg_table *t, uint64_t extra)
{
	uint64_t need = (uint64_t)t->nchunks + extra;
	unsigned int cap;
	struct sg_chunk_rec *n;

	if (need <= t->chunks_cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -ENOMEM;
	cap = t->chunks_cap ? t->chunks_cap : 4;
	while (cap < need)
		cap *= 2;
	n = alloc_mem(t->a, (size_t)cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (t->nchunks)
		memcpy(n, t->chunks, (size_t)t->nchunks * sizeof(*n));
	alloc_free(t->a, t->chunks, (size_t)t->chunks_cap * sizeof(*t->chunks));
	t->chunks = n;
	t->chunks_cap = cap;
	return 0;
}

/* Allocates one chunk of @nents entries into the next record (capacity reserved). */
static int chunk_push(struct phyr_sg_table *t, unsigned int nents)
{
	struct sg_chunk_rec *c = &t->chunks[t->nchunks];

	PHYR_ASSERT(t->nchunks < t->chunks_cap && nents > 0);
	c->addr = alloc_mem(t->a, (size_t)chunk_alloc_bytes(t->L, nents));
	if (!c->addr)
		return -ENOMEM;
	c->nents = nents;
	t->nchunks++;
	return 0;
}

/* Frees the records from @first on (a failed call's allocations). */
static void chunks_drop_from(struct phyr_sg_table *t, unsigned int first)
{
	while (t->nchunks > first)
		chunk_free(t, &t->chunks[--t->nchunks]);
}

int phyr_sg_alloc_table(struct phyr_sg_table *t, unsigned int nents)
{
	const struct phyr_sg_layout *L;
	unsigned int max, left, n;
	struct phyr_scatterlist *prv = NULL;
	int ret;

	if (!t)
		return -EINVAL;
	if (t->kind != SGT_EMPTY || nents == 0) {
		t->stats.nfailed++;
		return -EINVAL;
	}
	L = t->L;
	max = L->max_single_alloc;
	/* Chunk count: each chained chunk carries max - 1 entries. */
	n = 0;
	for (left = nents; left;) {
		left -= left > max ? max - 1 : left;
		n++;
	}
	ret = chunks_reserve(t, n);
	if (ret)
		goto out_free;
	for (left = nents; left;) {
		unsigned int alloc = left > max ? max : left;
		unsigned int used = left > max ? max - 1 : left;
		struct phyr_scatterlist *sg;

		ret = chunk_push(t, alloc);
		if (ret)
			goto out_free;
		sg = t->chunks[t->nchunks - 1].addr;
		phyr_sg_init_table(L, sg, alloc);
		if (prv)
			phyr_sg_chain(L, prv, max, sg);
		else
			t->sgl = sg;
		left -= used;
		prv = sg;
	}
	t->nents = t->orig_nents = t->total_nents = nents;
	t->kind = SGT_PLAIN;
	t->stats.ncalls++;
	t->stats.nchunk_allocs += t->nchunks;
	return 0;

out_free:
	t->stats.nchunk_frees -= t->nchunks;	/* never counted as allocated */
	phyr_sg_free_table(t);
	t->stats.nfailed++;
	return ret;
}

static int check_pages(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n_pages)
{
	if (!pfns || n_pages == 0)
		return -EINVAL;
	for (unsigned int i = 0; i < n_pages; i++) {
		if (pfns[i] > PHYR_SG_PFN_MAX)
			return -EINVAL;
		if (pgmaps && pgmaps[i] > PHYR_SG_PGMAP_MAX)
			return -EINVAL;
	}
	return 0;
}

static inline unsigned int pgmap_at(const uint16_t *pgmaps, unsigned int i)
{
	return pgmaps ? pgmaps[i] : 0;
}

/* pages_are_mergeable(next, prev): pfn contiguity and the same pgmap. */
static inline bool mergeable(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int next,
			     unsigned int prev)
{
	return pfns[next] == pfns[prev] + 1 && pgmap_at(pgmaps, next) == pgmap_at(pgmaps, prev);
}

/* End (exclusive) of the chunk starting at @first: as the kernel's inner scan. */
static inline unsigned int chunk_end(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n,
				     unsigned int first, uint32_t max_segment)
{
	uint32_t seg_len = 0;
	unsigned int j;

	for (j = first + 1; j < n; j++) {
		seg_len += SG_PAGE_SIZE;
		if (seg_len >= max_segment || !mergeable(pfns, pgmaps, j, j - 1))
			break;
	}
	return j;
}

static unsigned int count_chunks(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n,
				 uint32_t max_segment)
{
	unsigned int chunks = 1;
	uint32_t seg_len = 0;

	for (unsigned int i = 1; i < n; i++) {
		seg_len += SG_PAGE_SIZE;
		if (seg_len >= max_segment || !mergeable(pfns, pgmaps, i, i - 1)) {
			chunks++;
			seg_len = 0;
		}
	}
	return chunks;
}

int phyr_sg_pages_count_segments(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n_pages,
				 unsigned int max_segment, unsigned int *out)
{
	int ret;

	max_segment &= ~(SG_PAGE_SIZE - 1);
	if (max_segment < SG_PAGE_SIZE || !out)
		return -EINVAL;
	ret = check_pages(pfns, pgmaps, n_pages);
	if (ret)
		return ret;
	*out = count_chunks(pfns, pgmaps, n_pages, max_segment);
	return 0;
}

/*
 * get_next_sg's decision, on positions: the cursor is slot @k of a chunk of
 * @a entries (have_cur) or absent. The slot after the cursor can be used
 * unless it is the chunk's END-marked last slot and more than one entry is
 * still needed; otherwise a chunk of min(needed, SG_MAX_SINGLE_ALLOC)
 * entries is allocated. Returns the size to allocate, or 0 for "next slot".
 */
static inline unsigned int next_sg_alloc(bool have_cur, unsigned int a, unsigned int k, uint32_t needed,
					 unsigned int max)
{
	if (have_cur && (k + 1 != a - 1 || needed == 1))
		return 0;
	return needed < max ? needed : max;
}

/* The pages of one append call, consumed from the front as they are placed. */
struct sg_pages {
	const uint64_t *pfns;
	const uint16_t *pgmaps;		/* NULL: every page is RAM */
	unsigned int n;
	unsigned int offset;		/* into the first page */
	uint64_t size;			/* bytes left to place */
	unsigned int max_segment;	/* page aligned */
	unsigned int left_pages;	/* pages later calls will append */
};

static void sg_pages_skip(struct sg_pages *pg, unsigned int n)
{
	pg->pfns += n;
	if (pg->pgmaps)
		pg->pgmaps += n;
	pg->n -= n;
}

/*
 * The cursor of the append as get_next_sg() moves it: slot @k of a chunk
 * of @a entries, or none yet (@have false: the table is empty).
 */
struct sg_cursor {
	bool have;
	unsigned int a, k;
};

/* The cursor on the table's last entry, before the @nalloc newest chunks were added. */
static inline struct sg_cursor sg_cursor_at_prv(const struct phyr_sg_table *t, unsigned int nalloc)
{
	struct sg_cursor c = { t->prv != NULL, 0, 0 };

	if (c.have) {
		c.a = t->chunks[t->nchunks - 1 - nalloc].nents;
		c.k = t->prv_slot;
	}
	return c;
}

/*
 * get_next_sg(): moves @c to the slot of the next entry, @needed entries
 * still to place. Returns the size of the chunk that must be allocated
 * (the cursor is then its slot 0), or 0 when the next slot of the current
 * chunk is used.
 */
static inline unsigned int get_next_sg(struct sg_cursor *c, uint32_t needed, unsigned int max)
{
	unsigned int sz = next_sg_alloc(c->have, c->a, c->k, needed, max);

	if (sz) {
		c->a = sz;
		c->k = 0;
		c->have = true;
	} else {
		c->k++;
	}
	return sz;
}

/*
 * Phase 1 of sg_alloc_append_table_from_pages(): pages continuing the
 * table's last entry are merged into it, up to @pg->max_segment. They are
 * skipped in @pg and the entry's new length goes to *@new_prv_len (written
 * to the entry only at commit). When every page merged, the table is
 * updated here and *@done is set.
 * Return: 0, -EINVAL (an offset, or the table already ended).
 */
static int sg_append_merge_last(struct phyr_sg_table *t, struct sg_pages *pg,
				uint32_t *new_prv_len, unsigned int *skipped, bool *done)
{
	const struct phyr_sg_layout *L = t->L;
	struct phyr_scatterlist *prv = t->prv;
	uint64_t next_pfn, last_pfn;
	unsigned int last_pgmap, skip = 0;
	uint32_t len;

	*done = false;
	*skipped = 0;
	if (pg->offset || phyr_sg_is_last(L, prv))
		return -EINVAL;
	len = phyr_sg_length(L, prv);
	*new_prv_len = len;
	next_pfn = (phyr_sg_phys(L, prv) + len) / SG_PAGE_SIZE;
	if (pg->pfns[0] != next_pfn)
		return 0;
	/* pfn_to_page(next_pfn - 1): modelled with the entry's pgmap. */
	last_pfn = next_pfn - 1;
	last_pgmap = phyr_sg_pgmap(L, prv);
	while (skip < pg->n && pg->pfns[skip] == last_pfn + 1 &&
	       pgmap_at(pg->pgmaps, skip) == last_pgmap) {
		if ((uint64_t)len + SG_PAGE_SIZE > pg->max_segment)
			break;
		len += SG_PAGE_SIZE;
		last_pfn = pg->pfns[skip];
		skip++;
	}
	*new_prv_len = len;
	if (skip == pg->n) {
		t->stats.nprv_merged += skip;
		phyr_sg_set_length(L, prv, len);
		if (!pg->left_pages)
			phyr_sg_mark_end(L, prv);
		*done = true;
		return 0;
	}
	sg_pages_skip(pg, skip);
	*skipped = skip;
	return 0;
}

/*
 * Phase 3: allocates every chunk get_next_sg() will need for @chunks
 * entries, before any entry is touched, so that a failure changes nothing.
 * *@nalloc: how many were added. Return: 0, -ENOMEM (none added).
 */
static int sg_append_alloc(struct phyr_sg_table *t, unsigned int chunks, unsigned int left_pages,
			   unsigned int *nalloc)
{
	unsigned int max = t->L->max_single_alloc, first_new = t->nchunks, n = 0;
	struct sg_cursor cur = sg_cursor_at_prv(t, 0);
	int ret;

	for (unsigned int i = 0; i < chunks; i++)
		if (get_next_sg(&cur, chunks - i + left_pages, max))
			n++;
	ret = chunks_reserve(t, n);
	if (ret)
		return ret;
	cur = sg_cursor_at_prv(t, 0);
	for (unsigned int i = 0; i < chunks; i++) {
		unsigned int sz = get_next_sg(&cur, chunks - i + left_pages, max);

		if (sz && chunk_push(t, sz)) {
			chunks_drop_from(t, first_new);
			return -ENOMEM;
		}
	}
	*nalloc = n;
	return 0;
}

/*
 * Phase 4: writes the @chunks entries of @pg. The cursor moves as
 * get_next_sg moves it: to the next slot of its chunk (never a chain link
 * here), or to one of the @nalloc new chunks, chained from that next slot
 * when it is the END-marked last one. Updates the table's entry counts;
 * returns the last entry written, its slot in *@slot.
 */
static struct phyr_scatterlist *sg_append_fill(struct phyr_sg_table *t, struct sg_pages *pg,
					       unsigned int chunks, unsigned int nalloc,
					       unsigned int *slot)
{
	const struct phyr_sg_layout *L = t->L;
	struct sg_cursor cur = sg_cursor_at_prv(t, nalloc);
	struct phyr_scatterlist *s = t->prv;
	unsigned int cur_page = 0, offset = pg->offset;
	uint64_t size = pg->size;
	uint32_t total = t->total_nents;

	for (unsigned int i = 0, c = t->nchunks - nalloc; i < chunks; i++) {
		unsigned int j = chunk_end(pg->pfns, pg->pgmaps, pg->n, cur_page, pg->max_segment);
		bool chained = cur.have;
		unsigned int sz = get_next_sg(&cur, chunks - i + pg->left_pages,
					      L->max_single_alloc);
		uint32_t chunk_size;

		if (sz) {
			struct phyr_scatterlist *sg;

			PHYR_ASSERT(c < t->nchunks && t->chunks[c].nents == sz);
			sg = t->chunks[c].addr;
			sg_init(L, sg, sz);
			if (chained) {
				struct phyr_scatterlist *link = sg_at(L, s, 1);

				PHYR_ASSERT(sg_link(L, link) & PHYR_SG_END);
				total += sz - 1;
				sg_chain_at(L, link, sg);
			} else {
				t->sgl = sg;
				total = sz;
			}
			c++;
			s = sg;
		} else {
			s = sg_at(L, s, 1);
		}
		/* 32-bit chunk_size: an offset beyond the chunk wraps it. */
		chunk_size = (uint32_t)((j - cur_page) << PHYR_PAGE_SHIFT) - offset;
		sg_set_page_raw(L, s,
				sg_page_word(pg->pfns[cur_page], pgmap_at(pg->pgmaps, cur_page)),
				(uint32_t)(size < chunk_size ? size : chunk_size), offset);
		size -= chunk_size;
		offset = 0;
		cur_page = j;
	}
	PHYR_ASSERT(cur_page == pg->n);
	t->total_nents = total;
	t->nents += chunks;
	t->orig_nents = t->nents;
	*slot = cur.k;
	return s;
}

/*
 * sg_alloc_append_table_from_pages() in its phases: merge into the last
 * entry, count the chunks, allocate, fill.
 */
static int sg_append(struct phyr_sg_table *t, const uint64_t *pfns, const uint16_t *pgmaps,
		     unsigned int n_pages, unsigned int offset, uint64_t size,
		     unsigned int max_segment, unsigned int left_pages)
{
	struct sg_pages pg = { pfns, pgmaps, n_pages, offset, size,
			       max_segment & ~(SG_PAGE_SIZE - 1), left_pages };
	struct phyr_scatterlist *prv = t->prv, *s;
	uint32_t new_prv_len = 0;
	unsigned int skip = 0, chunks, nalloc = 0, slot;
	bool done;
	int ret;

	if (pg.max_segment < SG_PAGE_SIZE)
		return -EINVAL;
	ret = check_pages(pfns, pgmaps, n_pages);
	if (ret)
		return ret;
	if (prv) {
		ret = sg_append_merge_last(t, &pg, &new_prv_len, &skip, &done);
		if (ret || done)
			return ret;
	}

	chunks = count_chunks(pg.pfns, pg.pgmaps, pg.n, pg.max_segment);
	/* The kernel's needed count chunks - i + left_pages is 32-bit. */
	if ((uint64_t)chunks + left_pages > UINT32_MAX)
		return -EINVAL;
	ret = sg_append_alloc(t, chunks, left_pages, &nalloc);
	if (ret)
		return ret;

	if (prv)
		phyr_sg_set_length(t->L, prv, new_prv_len);
	s = sg_append_fill(t, &pg, chunks, nalloc, &slot);
	t->prv = s;
	t->prv_slot = slot;
	t->kind = SGT_APPEND;
	t->stats.nprv_merged += skip;
	t->stats.nentries_set += chunks;
	t->stats.nchunk_allocs += nalloc;
	if (!left_pages)
		phyr_sg_mark_end(t->L, s);
	return 0;
}

int phyr_sg_alloc_append_table_from_pages(struct phyr_sg_table *t, const uint64_t *pfns,
					  const uint16_t *pgmaps, unsigned int n_pages,
					  unsigned int offset, uint64_t size,
					  unsigned int max_segment, unsigned int left_pages)
{
	int ret;

	if (!t)
		return -EINVAL;
	ret = t->kind == SGT_PLAIN ? -EINVAL :
		sg_append(t, pfns, pgmaps, n_pages, offset, size, max_segment, left_pages);
	if (ret) {
		t->stats.nfailed++;
		return ret;
	}
	t->stats.ncalls++;
	t->stats.npages += n_pages;
	return 0;
}

int phyr_sg_alloc_table_from_pages_segment(struct phyr_sg_table *t, const uint64_t *pfns,
					   const uint16_t *pgmaps, unsigned int n_pages,
					   unsigned int offset, uint64_t size,
					   unsigned int max_segment)
{
	int ret;

	if (!t)
		return -EINVAL;
	if (t->kind != SGT_EMPTY) {
		t->stats.nfailed++;
		return -EINVAL;
	}
	ret = phyr_sg_alloc_append_table_from_pages(t, pfns, pgmaps, n_pages, offset, size,
						    max_segment, 0);
	if (ret)
		return ret;
	PHYR_ASSERT(t->total_nents == t->orig_nents);
	t->kind = SGT_PLAIN;
	t->prv = NULL;
	t->prv_slot = 0;
	return 0;
}

int phyr_sg_alloc_table_from_pages(struct phyr_sg_table *t, const uint64_t *pfns, const uint16_t *pgmaps,
				   unsigned int n_pages, unsigned int offset, uint64_t size)
{
	return phyr_sg_alloc_table_from_pages_segment(t, pfns, pgmaps, n_pages, offset, size,
						      PHYR_SG_NO_SEGMENT_LIMIT);
}

const struct phyr_sg_layout *phyr_sg_table_layout(const struct phyr_sg_table *t)
{
	return t ? t->L : NULL;
}

struct phyr_scatterlist *phyr_sg_table_sgl(const struct phyr_sg_table *t)
{
	return t ? t->sgl : NULL;
}

unsigned int phyr_sg_table_nents(const struct phyr_sg_table *t)
{
	return t ? t->nents : 0;
}

unsigned int phyr_sg_table_orig_nents(const struct phyr_sg_table *t)
{
	return t ? t->orig_nents : 0;
}

unsigned int phyr_sg_table_total_nents(const struct phyr_sg_table *t)
{
	return t ? t->total_nents : 0;
}

struct phyr_scatterlist *phyr_sg_table_prv(const struct phyr_sg_table *t)
{
	return t ? t->prv : NULL;
}

int phyr_sg_table_set_nents(struct phyr_sg_table *t, unsigned int nents)
{
	if (!t || nents > t->orig_nents)
		return -EINVAL;
	t->nents = nents;
	return 0;
}

unsigned int phyr_sg_table_nchunks(const struct phyr_sg_table *t)
{
	return t ? t->nchunks : 0;
}

int phyr_sg_table_chunk(const struct phyr_sg_table *t, unsigned int i, struct phyr_sg_chunk *out)
{
	const struct sg_chunk_rec *c;

	if (!t || !out || i >= t->nchunks)
		return -EINVAL;
	c = &t->chunks[i];
	out->addr = c->addr;
	out->nents = c->nents;
	out->bytes = (uint64_t)c->nents * t->L->size;
	out->alloc_bytes = chunk_alloc_bytes(t->L, c->nents);
	out->page = c->nents == t->L->max_single_alloc;
	return 0;
}

void phyr_sg_table_bytes(const struct phyr_sg_table *t, struct phyr_sg_bytes *out)
{
	uint64_t slots = 0;

	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!t)
		return;
	out->header = t->kind == SGT_APPEND ? t->L->append_table_bytes : t->L->table_bytes;
	for (unsigned int i = 0; i < t->nchunks; i++) {
		slots += t->chunks[i].nents;
		out->alloc_bytes += chunk_alloc_bytes(t->L, t->chunks[i].nents);
		out->npage_chunks += t->chunks[i].nents == t->L->max_single_alloc;
	}
	out->nchunks = t->nchunks;
	out->data_entries = t->orig_nents;
	out->chain_entries = t->nchunks ? t->nchunks - 1 : 0;
	out->unused_entries = slots - out->data_entries - out->chain_entries;
	out->entry_bytes = slots * t->L->size;
}

void phyr_sg_table_stats(const struct phyr_sg_table *t, struct phyr_sg_stats *out)
{
	if (!out)
		return;
	if (!t)
		memset(out, 0, sizeof(*out));
	else
		*out = t->stats;
}

int phyr_sg_alloc_plan(enum phyr_sg_layout_id layout, uint64_t nents, struct phyr_sg_bytes *out)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(layout);
	uint64_t max, k = 0, tail;

	if (!L || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->header = L->table_bytes;
	if (nents == 0)
		return 0;
	max = L->max_single_alloc;
	/* k chained page chunks of max - 1 entries, then a tail of 1..max. */
	if (nents > max)
		k = (nents - max + (max - 2)) / (max - 1);
	tail = nents - k * (max - 1);
	out->nchunks = k + 1;
	out->npage_chunks = k + (tail == max);
	out->data_entries = nents;
	out->chain_entries = k;
	out->unused_entries = 0;
	out->entry_bytes = (k * max + tail) * L->size;
	out->alloc_bytes = k * PHYR_PAGE_SIZE + (tail == max ? PHYR_PAGE_SIZE : tail * L->size);
	return 0;
}
