/* SPDX-License-Identifier: MIT */
/*
 * Scatterlist model: Linux's struct scatterlist as real bytes, sg_table and
 * sg_append_table, chained chunk allocation, and the page-array builders.
 *
 * Reproduces Linux v6.17 (include/linux/scatterlist.h, lib/scatterlist.c)
 * exactly:
 *  - entry layouts (24, 32 and 40 bytes on 64-bit; 32-bit layouts as
 *    figures), page_link with the CHAIN (bit 0) and END (bit 1) markers,
 *    dma_address, dma_length, dma_flags (BUS_ADDRESS, SWIOTLB);
 *  - chunked allocation as __sg_alloc_table: chunks of at most
 *    SG_MAX_SINGLE_ALLOC = PAGE_SIZE / entry size entries, the last slot of a
 *    full chunk turned into a chain link; a chunk of exactly
 *    SG_MAX_SINGLE_ALLOC entries is one page, smaller ones are kmalloc'ed;
 *  - sg_alloc_table_from_pages_segment and sg_alloc_append_table_from_pages
 *    bit for bit, including -EINVAL for max_segment < PAGE_SIZE after
 *    rounding down and the unsigned-long wrap of the remaining size.
 *
 * Entries are stored in the chosen layout's exact bytes. A "page" is a pfn
 * plus a pgmap id (0 = ordinary RAM, 1..1023 = a ZONE_DEVICE provider); the
 * model's struct page pointer kept in page_link is pfn << 12 | pgmap << 2,
 * so pfns are limited to 52 bits. Chain links hold real host pointers.
 *
 * Entry accessors take the layout (struct phyr_sg_layout), obtained from
 * phyr_sg_layout_get() or phyr_sg_table_layout(); they are the kernel's
 * inline helpers and do not check their arguments.
 */
#ifndef PHYR_SCATTERLIST_H
#define PHYR_SCATTERLIST_H

/*
 * NULL objects: with a NULL layout or a NULL entry, the entry getters return
 * 0 (false; NULL for phyr_sg_entry, phyr_sg_next and phyr_sg_chain_ptr),
 * the entry setters, mark/unmark and phyr_sg_chain do nothing, and
 * phyr_sg_init_table, phyr_sg_set_page and phyr_sg_set_phys return -EINVAL.
 * With a NULL table, every action returns -EINVAL, the table getters return
 * 0 or NULL, phyr_sg_table_bytes and phyr_sg_table_stats zero *@out, and
 * free and destroy do nothing. phyr_bvec_pfn(NULL) is 0.
 */

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An entry of a scatterlist (opaque: its bytes follow a layout). */
struct phyr_scatterlist;
/** An sg_table / sg_append_table with the chunks it owns (opaque). */
struct phyr_sg_table;

/** page_link markers, as Linux's SG_CHAIN and SG_END. */
#define PHYR_SG_CHAIN 0x1u
#define PHYR_SG_END 0x2u
/** dma_flags bits, as Linux's SG_DMA_BUS_ADDRESS and SG_DMA_SWIOTLB. */
#define PHYR_SG_DMA_BUS_ADDRESS (1u << 0)
#define PHYR_SG_DMA_SWIOTLB (1u << 1)
/** Largest pgmap id a page can carry (0 = ordinary RAM). */
#define PHYR_SG_PGMAP_MAX 1023u
/** Largest pfn a page can carry (52-bit physical addresses). */
#define PHYR_SG_PFN_MAX ((UINT64_C(1) << 52) - 1)
/** max_segment value of sg_alloc_table_from_pages (UINT_MAX). */
#define PHYR_SG_NO_SEGMENT_LIMIT 0xffffffffu

/** Kernel configurations of struct scatterlist. */
enum phyr_sg_layout_id {
	/** 64-bit, no NEED_SG_DMA_LENGTH, no NEED_SG_DMA_FLAGS: 24 B. */
	PHYR_SG_LAYOUT_64 = 0,
	/** 64-bit, dma_length: 32 B (4 B tail padding). */
	PHYR_SG_LAYOUT_64_LEN,
	/** 64-bit, dma_flags only: 32 B. */
	PHYR_SG_LAYOUT_64_FLAGS,
	/** 64-bit, dma_length and dma_flags: 32 B (x86-64/arm64 default). */
	PHYR_SG_LAYOUT_64_LEN_FLAGS,
	/** 64-bit, old CONFIG_DEBUG_SG (sg_magic first) with dma_length: 40 B. */
	PHYR_SG_LAYOUT_64_DEBUG_SG,
	/** 32-bit, 32-bit dma_addr_t: 16 B (figures only). */
	PHYR_SG_LAYOUT_32,
	/** 32-bit, 32-bit dma_addr_t, dma_length: 20 B (figures only). */
	PHYR_SG_LAYOUT_32_LEN,
	/** 32-bit, 32-bit dma_addr_t, dma_length and dma_flags: 24 B (figures only). */
	PHYR_SG_LAYOUT_32_LEN_FLAGS,
	/** 32-bit, 64-bit dma_addr_t aligned to 8 (ARM LPAE): 24 B (figures only). */
	PHYR_SG_LAYOUT_32_LPAE,
	/** 32-bit LPAE with dma_length: 32 B (figures only). */
	PHYR_SG_LAYOUT_32_LPAE_LEN,
	/** i386 PAE, 64-bit dma_addr_t aligned to 4: 20 B (derived; figures only). */
	PHYR_SG_LAYOUT_32_PAE,
	/** i386 PAE with dma_length: 24 B (derived; figures only). */
	PHYR_SG_LAYOUT_32_PAE_LEN,
	PHYR_SG_LAYOUT_COUNT
};

/** The layout of x86-64 distribution kernels (32 B, dma_length + dma_flags). */
#define PHYR_SG_LAYOUT_DEFAULT PHYR_SG_LAYOUT_64_LEN_FLAGS

/**
 * struct phyr_sg_layout - one configuration of struct scatterlist.
 * @id: which configuration.
 * @name: short stable name ("64", "64-len", "64-len-flags", "ilp32-lpae", ...).
 * @description: one line for reports.
 * @word_bytes: sizeof(unsigned long) and of pointers: 8 or 4.
 * @size: sizeof(struct scatterlist).
 * @max_single_alloc: SG_MAX_SINGLE_ALLOC = PAGE_SIZE / @size.
 * @off_magic: offset of sg_magic, -1 when absent.
 * @off_page_link: offset of page_link.
 * @off_offset: offset of offset (u32).
 * @off_length: offset of length (u32).
 * @off_dma_address: offset of dma_address.
 * @dma_addr_bytes: sizeof(dma_addr_t): 8 or 4.
 * @off_dma_length: offset of dma_length (u32), -1 when absent (sg_dma_len
 *	is then length).
 * @off_dma_flags: offset of dma_flags (u32), -1 when absent (the flag
 *	helpers then do nothing and read false, as in Linux).
 * @table_bytes: sizeof(struct sg_table).
 * @append_table_bytes: sizeof(struct sg_append_table).
 * @buildable: entries of this layout can be built by this process (the
 *	64-bit layouts on a 64-bit host); the others are figures only.
 */
struct phyr_sg_layout {
	enum phyr_sg_layout_id id;
	const char *name;
	const char *description;
	unsigned int word_bytes;
	unsigned int size;
	unsigned int max_single_alloc;
	int off_magic;
	int off_page_link;
	int off_offset;
	int off_length;
	int off_dma_address;
	unsigned int dma_addr_bytes;
	int off_dma_length;
	int off_dma_flags;
	unsigned int table_bytes;
	unsigned int append_table_bytes;
	bool buildable;
};

/**
 * phyr_sg_layout_get() - the description of a layout.
 * @id: a layout; out of range gives NULL.
 * Returns a static object (never freed), or NULL.
 */
PHYR_EXPORT const struct phyr_sg_layout *phyr_sg_layout_get(enum phyr_sg_layout_id id);

/**
 * phyr_sg_layout_find() - a layout by its short name.
 * @name: e.g. "64-len-flags"; also accepted: the size alone for the 64-bit
 *	layouts ("24" = 64, "32" = 64-len-flags, "40" = 64-debug-sg).
 * @out: receives the layout.
 * Returns 0, or -EINVAL for an unknown name.
 */
PHYR_EXPORT int phyr_sg_layout_find(const char *name, const struct phyr_sg_layout **out);

/* ------------------------------------------------------------------ */
/* Entry helpers (Linux's inline helpers). @L must be a buildable layout. */

/**
 * phyr_sg_init_table() - zero @nents entries at @sgl and mark the last END.
 * @L: layout; @sgl: caller memory of @nents * L->size bytes.
 * Returns 0, or -EINVAL when @nents is 0, @sgl NULL or @L not buildable.
 */
PHYR_EXPORT int phyr_sg_init_table(const struct phyr_sg_layout *L,
				   struct phyr_scatterlist *sgl, unsigned int nents);

/** phyr_sg_entry() - the entry @i slots after @sg in the same array. */
PHYR_EXPORT struct phyr_scatterlist *phyr_sg_entry(const struct phyr_sg_layout *L,
						   struct phyr_scatterlist *sg,
						   unsigned int i);

/**
 * phyr_sg_next() - the entry after @sg, following a chain link; NULL when
 * @sg is marked END (sg_next).
 */
PHYR_EXPORT struct phyr_scatterlist *phyr_sg_next(const struct phyr_sg_layout *L,
						  struct phyr_scatterlist *sg);

/** phyr_sg_is_last() - @sg carries the END marker. */
PHYR_EXPORT bool phyr_sg_is_last(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_is_chain() - @sg is a chain link, not data. */
PHYR_EXPORT bool phyr_sg_is_chain(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_chain_ptr() - the array a chain link points to. */
PHYR_EXPORT struct phyr_scatterlist *phyr_sg_chain_ptr(const struct phyr_sg_layout *L,
						       const struct phyr_scatterlist *sg);

/**
 * phyr_sg_chain() - turn prv[prv_nents - 1] into a link to @next (offset and
 * length cleared, CHAIN set, END cleared), as sg_chain.
 */
PHYR_EXPORT void phyr_sg_chain(const struct phyr_sg_layout *L, struct phyr_scatterlist *prv,
			       unsigned int prv_nents, struct phyr_scatterlist *next);
/** phyr_sg_mark_end() - set END, clear CHAIN. */
PHYR_EXPORT void phyr_sg_mark_end(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg);
/** phyr_sg_unmark_end() - clear END. */
PHYR_EXPORT void phyr_sg_unmark_end(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg);

/**
 * phyr_sg_set_page() - point @sg at a page (markers kept), set length and
 * offset, as sg_set_page.
 * @pfn: at most PHYR_SG_PFN_MAX; @pgmap: at most PHYR_SG_PGMAP_MAX.
 * Returns 0, or -EINVAL for a pfn or pgmap out of range or a chain entry.
 */
PHYR_EXPORT int phyr_sg_set_page(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				 uint64_t pfn, unsigned int pgmap, uint32_t len, uint32_t offset);

/**
 * phyr_sg_set_phys() - sg_set_page on the page holding @phys, with the
 * in-page offset of @phys (what sg_set_buf does for a linear address).
 * Returns 0, or -EINVAL as phyr_sg_set_page.
 */
PHYR_EXPORT int phyr_sg_set_phys(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				 uint64_t phys, unsigned int pgmap, uint32_t len);

/** phyr_sg_nents() - entries from @sg to the END-marked one, following chains (sg_nents). */
PHYR_EXPORT unsigned int phyr_sg_nents(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg);

/** phyr_sg_page_link() - the raw page_link word (pointer bits and markers). */
PHYR_EXPORT uint64_t phyr_sg_page_link(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_pfn() - pfn of the entry's page. */
PHYR_EXPORT uint64_t phyr_sg_pfn(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_pgmap() - pgmap id of the entry's page (0 = RAM). */
PHYR_EXPORT unsigned int phyr_sg_pgmap(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_offset() - byte offset into the page (may exceed PAGE_SIZE). */
PHYR_EXPORT uint32_t phyr_sg_offset(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_length() - CPU length in bytes. */
PHYR_EXPORT uint32_t phyr_sg_length(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_phys() - physical address: pfn * PAGE_SIZE + offset (sg_phys). */
PHYR_EXPORT uint64_t phyr_sg_phys(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_set_offset() - overwrite the offset field only. */
PHYR_EXPORT void phyr_sg_set_offset(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t offset);
/** phyr_sg_set_length() - overwrite the length field only. */
PHYR_EXPORT void phyr_sg_set_length(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t len);

/** phyr_sg_dma_address() - the dma_address field (truncated to 32 bits in 4-byte layouts). */
PHYR_EXPORT uint64_t phyr_sg_dma_address(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_set_dma_address() - write dma_address. */
PHYR_EXPORT void phyr_sg_set_dma_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint64_t addr);
/** phyr_sg_dma_len() - sg_dma_len: dma_length, or length when the layout has none. */
PHYR_EXPORT uint32_t phyr_sg_dma_len(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_set_dma_len() - write sg_dma_len (length itself when there is no dma_length). */
PHYR_EXPORT void phyr_sg_set_dma_len(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t len);
/** phyr_sg_dma_flags() - the dma_flags field; 0 when the layout has none. */
PHYR_EXPORT uint32_t phyr_sg_dma_flags(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_set_dma_flags() - write dma_flags; does nothing when the layout has none. */
PHYR_EXPORT void phyr_sg_set_dma_flags(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg, uint32_t flags);
/** phyr_sg_dma_is_bus_address() - BUS_ADDRESS flag (false without dma_flags). */
PHYR_EXPORT bool phyr_sg_dma_is_bus_address(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_dma_mark_bus_address() - set BUS_ADDRESS (no-op without dma_flags). */
PHYR_EXPORT void phyr_sg_dma_mark_bus_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg);
/** phyr_sg_dma_unmark_bus_address() - clear BUS_ADDRESS (no-op without dma_flags). */
PHYR_EXPORT void phyr_sg_dma_unmark_bus_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg);
/** phyr_sg_dma_is_swiotlb() - SWIOTLB flag (false without dma_flags). */
PHYR_EXPORT bool phyr_sg_dma_is_swiotlb(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg);
/** phyr_sg_dma_mark_swiotlb() - set SWIOTLB (no-op without dma_flags). */
PHYR_EXPORT void phyr_sg_dma_mark_swiotlb(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg);

/**
 * phyr_for_each_sg() - visit @nr entries from @sgl in chain order, as
 * for_each_sg. @L layout, @sg the cursor, @i an unsigned counter.
 */
#define phyr_for_each_sg(L, sgl, sg, nr, i) \
	for ((i) = 0, (sg) = (sgl); (i) < (nr); (i)++, (sg) = phyr_sg_next((L), (sg)))

/**
 * phyr_for_each_sgtable_sg() - the CPU entries of table @t (orig_nents), and
 * phyr_for_each_sgtable_dma_sg() - its DMA-mapped entries (nents), as
 * for_each_sgtable_sg / for_each_sgtable_dma_sg.
 */
#define phyr_for_each_sgtable_sg(t, sg, i) \
	phyr_for_each_sg(phyr_sg_table_layout(t), phyr_sg_table_sgl(t), sg, phyr_sg_table_orig_nents(t), i)
#define phyr_for_each_sgtable_dma_sg(t, sg, i) \
	phyr_for_each_sg(phyr_sg_table_layout(t), phyr_sg_table_sgl(t), sg, phyr_sg_table_nents(t), i)

/* ------------------------------------------------------------------ */
/* Tables. */

/**
 * phyr_sg_table_create() - an empty table (sgl NULL, all counts 0), as a
 * zero-initialised struct sg_append_table.
 * @layout: a buildable layout, else -EINVAL.
 * @a: allocator for the table and its chunks (NULL = malloc); must outlive
 *	the table.
 * @out: receives the table, to be released with phyr_sg_table_destroy().
 * Returns 0, -EINVAL or -ENOMEM.
 */
PHYR_EXPORT int phyr_sg_table_create(enum phyr_sg_layout_id layout, const struct phyr_allocator *a,
				     struct phyr_sg_table **out);

/** phyr_sg_table_destroy() - free the chunks and the table; NULL does nothing. */
PHYR_EXPORT void phyr_sg_table_destroy(struct phyr_sg_table *t);

/**
 * phyr_sg_free_table() - free every chunk and return @t to the empty state
 * (sg_free_table / sg_free_append_table). An empty table is left as is.
 */
PHYR_EXPORT void phyr_sg_free_table(struct phyr_sg_table *t);

/**
 * phyr_sg_alloc_table() - allocate @nents zeroed entries in chained chunks,
 * the last one marked END, as sg_alloc_table (__sg_alloc_table with
 * SG_MAX_SINGLE_ALLOC and no preallocated first chunk).
 * @t: an empty table.
 * Returns 0; -EINVAL for @nents 0 or a table not empty; -ENOMEM (the table
 * is left empty).
 */
PHYR_EXPORT int phyr_sg_alloc_table(struct phyr_sg_table *t, unsigned int nents);

/**
 * phyr_sg_alloc_table_from_pages_segment() - build @t from a page array,
 * merging runs of contiguous pages up to @max_segment bytes, exactly as
 * Linux's sg_alloc_table_from_pages_segment.
 * @t: an empty table.
 * @pfns: @n_pages pfns, each at most PHYR_SG_PFN_MAX.
 * @pgmaps: pgmap id of each page (at most PHYR_SG_PGMAP_MAX), or NULL when
 *	all are ordinary RAM. Pages with different pgmaps never merge.
 * @offset: offset of the buffer in the first page.
 * @size: valid bytes after @offset. A size smaller than the pages span
 *	wraps the kernel's remaining-size counter, as in Linux.
 * @max_segment: rounded down to a multiple of PAGE_SIZE.
 * Returns 0; -EINVAL when max_segment rounds below PAGE_SIZE, @n_pages is 0
 * (Linux would read pages[0]), a pfn or pgmap is out of range, or @t is not
 * empty; -ENOMEM (the table is left empty).
 */
PHYR_EXPORT int phyr_sg_alloc_table_from_pages_segment(struct phyr_sg_table *t, const uint64_t *pfns,
						       const uint16_t *pgmaps, unsigned int n_pages,
						       unsigned int offset, uint64_t size,
						       unsigned int max_segment);

/** phyr_sg_alloc_table_from_pages() - the same with max_segment UINT_MAX. */
PHYR_EXPORT int phyr_sg_alloc_table_from_pages(struct phyr_sg_table *t, const uint64_t *pfns,
					       const uint16_t *pgmaps, unsigned int n_pages,
					       unsigned int offset, uint64_t size);

/**
 * phyr_sg_alloc_append_table_from_pages() - one call of Linux's
 * sg_alloc_append_table_from_pages on the append table @t.
 * @t: an empty table (first call) or one built by earlier append calls.
 * @pfns, @pgmaps, @offset, @size, @max_segment: as above. When @t already
 *	has entries, @offset must be 0 and pages continuing the last entry are
 *	merged into it first (up to @max_segment).
 * @left_pages: pages the caller will append later; 0 marks the table's
 *	last entry END, which ends the table for appending.
 * Returns 0; -EINVAL as above, or for a non-zero @offset on a table with
 * entries, or for a table ended by an earlier call with @left_pages 0 (Linux
 * would dereference NULL) or built by another function; -ENOMEM. On error
 * @t is left exactly as before the call (Linux may keep chained chunks).
 */
PHYR_EXPORT int phyr_sg_alloc_append_table_from_pages(struct phyr_sg_table *t, const uint64_t *pfns,
						      const uint16_t *pgmaps, unsigned int n_pages,
						      unsigned int offset, uint64_t size,
						      unsigned int max_segment, unsigned int left_pages);

/**
 * phyr_sg_pages_count_segments() - the number of entries the builders make
 * for this page array (the kernel's chunk count), without allocating.
 * @out: receives the count. Returns 0 or -EINVAL (as the builders).
 */
PHYR_EXPORT int phyr_sg_pages_count_segments(const uint64_t *pfns, const uint16_t *pgmaps,
					     unsigned int n_pages, unsigned int max_segment,
					     unsigned int *out);

/** phyr_sg_table_layout() - the layout of @t's entries. */
PHYR_EXPORT const struct phyr_sg_layout *phyr_sg_table_layout(const struct phyr_sg_table *t);
/** phyr_sg_table_sgl() - first entry, NULL when empty. */
PHYR_EXPORT struct phyr_scatterlist *phyr_sg_table_sgl(const struct phyr_sg_table *t);
/** phyr_sg_table_nents() - sg_table.nents (mapped count after a DMA map). */
PHYR_EXPORT unsigned int phyr_sg_table_nents(const struct phyr_sg_table *t);
/** phyr_sg_table_orig_nents() - sg_table.orig_nents (CPU entries). */
PHYR_EXPORT unsigned int phyr_sg_table_orig_nents(const struct phyr_sg_table *t);
/** phyr_sg_table_total_nents() - usable entries allocated (sg_append_table.total_nents). */
PHYR_EXPORT unsigned int phyr_sg_table_total_nents(const struct phyr_sg_table *t);
/** phyr_sg_table_prv() - last populated entry of an append table, else NULL. */
PHYR_EXPORT struct phyr_scatterlist *phyr_sg_table_prv(const struct phyr_sg_table *t);
/**
 * phyr_sg_table_set_nents() - set sg_table.nents (dma_map_sgtable stores the
 * mapped count there). Returns 0, or -EINVAL when @nents > orig_nents.
 */
PHYR_EXPORT int phyr_sg_table_set_nents(struct phyr_sg_table *t, unsigned int nents);

/**
 * struct phyr_sg_chunk - one block of entries a table allocated.
 * @addr: the block (for heap measurement, e.g. malloc_usable_size).
 * @nents: entries in it (its last is a chain link unless it is the last chunk).
 * @bytes: @nents * entry size.
 * @alloc_bytes: what the kernel asks for: PAGE_SIZE for a chunk of
 *	SG_MAX_SINGLE_ALLOC entries (page allocator), else @bytes (kmalloc).
 * @page: the chunk comes from the page allocator.
 */
struct phyr_sg_chunk {
	const void *addr;
	unsigned int nents;
	uint64_t bytes;
	uint64_t alloc_bytes;
	bool page;
};

/** phyr_sg_table_nchunks() - number of chunks @t holds. */
PHYR_EXPORT unsigned int phyr_sg_table_nchunks(const struct phyr_sg_table *t);
/** phyr_sg_table_chunk() - chunk @i in chain order. Returns 0 or -EINVAL (@i out of range). */
PHYR_EXPORT int phyr_sg_table_chunk(const struct phyr_sg_table *t, unsigned int i,
				    struct phyr_sg_chunk *out);

/**
 * struct phyr_sg_bytes - exact memory of a table.
 * @header: sizeof(struct sg_table), or of struct sg_append_table for a
 *	table built by the append function.
 * @nchunks: chunks allocated.
 * @npage_chunks: of which whole pages (SG_MAX_SINGLE_ALLOC entries).
 * @data_entries: orig_nents.
 * @chain_entries: slots used as chain links (nchunks - 1).
 * @unused_entries: slots allocated but holding neither data nor a link.
 * @entry_bytes: all slots times the entry size.
 * @alloc_bytes: the sum of the chunks' alloc_bytes.
 */
struct phyr_sg_bytes {
	uint64_t header;
	uint64_t nchunks;
	uint64_t npage_chunks;
	uint64_t data_entries;
	uint64_t chain_entries;
	uint64_t unused_entries;
	uint64_t entry_bytes;
	uint64_t alloc_bytes;
};

/** phyr_sg_table_bytes() - exact layout bytes of @t. */
PHYR_EXPORT void phyr_sg_table_bytes(const struct phyr_sg_table *t, struct phyr_sg_bytes *out);

/**
 * struct phyr_sg_stats - counters of one table since its creation (kept
 * across phyr_sg_free_table).
 * @ncalls: successful alloc / from-pages / append calls.
 * @nfailed: calls that returned an error.
 * @npages: pages consumed by the page builders.
 * @nprv_merged: pages an append merged into the previous last entry.
 * @nentries_set: entries written by the page builders.
 * @nchunk_allocs: chunks allocated (successful calls only).
 * @nchunk_frees: chunks freed.
 */
struct phyr_sg_stats {
	uint64_t ncalls;
	uint64_t nfailed;
	uint64_t npages;
	uint64_t nprv_merged;
	uint64_t nentries_set;
	uint64_t nchunk_allocs;
	uint64_t nchunk_frees;
};

/** phyr_sg_table_stats() - copy @t's counters into @out. */
PHYR_EXPORT void phyr_sg_table_stats(const struct phyr_sg_table *t, struct phyr_sg_stats *out);

/**
 * phyr_sg_alloc_plan() - the chunks sg_alloc_table(@nents) would allocate in
 * @layout (any layout, 32-bit ones included), without allocating.
 * @out: receives the figures (header = sizeof(struct sg_table)); for
 *	@nents 0 everything is 0. With the page chunks first, the tail chunk
 *	(if any) holds nents - npage_chunks * (max_single_alloc - 1) entries.
 * Returns 0, or -EINVAL for an unknown layout.
 */
PHYR_EXPORT int phyr_sg_alloc_plan(enum phyr_sg_layout_id layout, uint64_t nents,
				   struct phyr_sg_bytes *out);

/* ------------------------------------------------------------------ */
/* Baselines: bio_vec and a page-pointer array. */

/**
 * struct phyr_bio_vec - Linux's struct bio_vec (16 B on 64-bit).
 * @bv_page: the model's page pointer (pfn << 12 | pgmap << 2).
 * @bv_len: bytes.
 * @bv_offset: offset into the page (may exceed PAGE_SIZE: multi-page bvec).
 */
struct phyr_bio_vec {
	uint64_t bv_page;
	uint32_t bv_len;
	uint32_t bv_offset;
};

/** sizeof(struct bio_vec) on 64-bit and 32-bit kernels. */
#define PHYR_BIO_VEC_BYTES 16u
#define PHYR_BIO_VEC_BYTES_32 12u
/** A struct page * array: bytes per page on 64-bit and 32-bit kernels. */
#define PHYR_PAGE_PTR_BYTES 8u
#define PHYR_PAGE_PTR_BYTES_32 4u

/**
 * phyr_bvec_from_pages() - the bio_vec array bio_add_page builds for a page
 * array: page i contributes [offset, PAGE_SIZE) for the first page, whole
 * pages after it, and the last page is cut so the total is @size; a piece
 * merges into the previous bio_vec when it is physically byte-contiguous,
 * has the same pgmap, and bv_len stays within UINT_MAX (multi-page bvecs,
 * Linux v5.1+; the per-bio UINT_MAX size cap and bi_max_vecs are not
 * modelled: one unbounded bio).
 * @pfns, @pgmaps, @n_pages: as phyr_sg_alloc_table_from_pages_segment.
 * @offset: must be < PAGE_SIZE. @size: 1 .. n_pages * PAGE_SIZE - offset,
 *	and must need every page.
 * @vecs: receives an array allocated from @a (NULL = malloc), to be freed
 *	with phyr_bvec_free(); may be NULL to only count.
 * @count: receives the number of bio_vecs.
 * Returns 0, -EINVAL (bad sizes, out-of-range pfn or pgmap) or -ENOMEM.
 */
PHYR_EXPORT int phyr_bvec_from_pages(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n_pages,
				     unsigned int offset, uint64_t size, const struct phyr_allocator *a,
				     struct phyr_bio_vec **vecs, size_t *count);

/** phyr_bvec_free() - release an array from phyr_bvec_from_pages(). */
PHYR_EXPORT void phyr_bvec_free(const struct phyr_allocator *a, struct phyr_bio_vec *vecs, size_t count);

/** phyr_bvec_pfn() - pfn of a bio_vec's page. */
PHYR_EXPORT uint64_t phyr_bvec_pfn(const struct phyr_bio_vec *bv);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_SCATTERLIST_H */
