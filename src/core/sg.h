/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the scatterlist model: the field accessors of
 * struct phyr_scatterlist as static inline functions (the exported
 * phyr_sg_* are thin wrappers around them), so the hot loops of the
 * layers above (dma-iommu map_sg and __finalise_sg, iommu_map_sg,
 * dma-direct, dma-debug) read and write entries the way Linux's inline
 * sg helpers do, without a call per field. Layers above core may include
 * this header; it is not installed.
 */
#ifndef PHYR_SRC_SG_H
#define PHYR_SRC_SG_H

#include <stdint.h>
#include <string.h>

#include "phyr/scatterlist.h"

#define SG_LINK_MASK ((uint64_t)(PHYR_SG_CHAIN | PHYR_SG_END))

/* The model's struct page pointer: pfn << 12 | pgmap << 2 (markers clear). */
uint64_t sg_page_word(uint64_t pfn, unsigned int pgmap);

static inline unsigned char *sg_bytes(const struct phyr_scatterlist *sg)
{
	return (unsigned char *)(uintptr_t)sg;
}

static inline uint64_t sg_ld64(const struct phyr_scatterlist *sg, int off)
{
	uint64_t v;

	memcpy(&v, sg_bytes(sg) + off, sizeof(v));
	return v;
}

static inline void sg_st64(struct phyr_scatterlist *sg, int off, uint64_t v)
{
	memcpy(sg_bytes(sg) + off, &v, sizeof(v));
}

static inline uint32_t sg_ld32(const struct phyr_scatterlist *sg, int off)
{
	uint32_t v;

	memcpy(&v, sg_bytes(sg) + off, sizeof(v));
	return v;
}

static inline void sg_st32(struct phyr_scatterlist *sg, int off, uint32_t v)
{
	memcpy(sg_bytes(sg) + off, &v, sizeof(v));
}

static inline uint64_t sg_link(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	return sg_ld64(sg, L->off_page_link);
}

static inline struct phyr_scatterlist *sg_at(const struct phyr_sg_layout *L,
					     struct phyr_scatterlist *sg, unsigned int i)
{
	return (struct phyr_scatterlist *)(sg_bytes(sg) + (size_t)i * L->size);
}

/* sg_next(): NULL after the end marker, chain links followed. */
static inline struct phyr_scatterlist *sg_next(const struct phyr_sg_layout *L,
					       struct phyr_scatterlist *sg)
{
	uint64_t link;

	if (sg_link(L, sg) & PHYR_SG_END)
		return NULL;
	sg = sg_at(L, sg, 1);
	link = sg_link(L, sg);
	if (link & PHYR_SG_CHAIN)
		sg = (struct phyr_scatterlist *)(uintptr_t)(link & ~SG_LINK_MASK);
	return sg;
}

static inline uint64_t sg_pfn(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	return sg_link(L, sg) >> PHYR_PAGE_SHIFT;
}

static inline unsigned int sg_pgmap(const struct phyr_sg_layout *L,
				    const struct phyr_scatterlist *sg)
{
	return (unsigned int)(sg_link(L, sg) >> 2) & PHYR_SG_PGMAP_MAX;
}

static inline uint32_t sg_offset(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	return sg_ld32(sg, L->off_offset);
}

static inline uint32_t sg_length(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	return sg_ld32(sg, L->off_length);
}

static inline uint64_t sg_phys(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	return (sg_pfn(L, sg) << PHYR_PAGE_SHIFT) + sg_offset(L, sg);
}

static inline void sg_set_offset(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				 uint32_t offset)
{
	sg_st32(sg, L->off_offset, offset);
}

static inline void sg_set_length(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				 uint32_t len)
{
	sg_st32(sg, L->off_length, len);
}

static inline uint64_t sg_dma_address(const struct phyr_sg_layout *L,
				      const struct phyr_scatterlist *sg)
{
	if (L->dma_addr_bytes == 4)
		return sg_ld32(sg, L->off_dma_address);
	return sg_ld64(sg, L->off_dma_address);
}

static inline void sg_set_dma_address(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				      uint64_t addr)
{
	if (L->dma_addr_bytes == 4)
		sg_st32(sg, L->off_dma_address, (uint32_t)addr);
	else
		sg_st64(sg, L->off_dma_address, addr);
}

/* sg_dma_len(): the dma_length field, or the length when the layout has none. */
static inline uint32_t sg_dma_len(const struct phyr_sg_layout *L, const struct phyr_scatterlist *sg)
{
	return sg_ld32(sg, L->off_dma_length >= 0 ? L->off_dma_length : L->off_length);
}

static inline void sg_set_dma_len(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				  uint32_t len)
{
	sg_st32(sg, L->off_dma_length >= 0 ? L->off_dma_length : L->off_length, len);
}

static inline uint32_t sg_dma_flags(const struct phyr_sg_layout *L,
				    const struct phyr_scatterlist *sg)
{
	return L->off_dma_flags >= 0 ? sg_ld32(sg, L->off_dma_flags) : 0;
}

static inline void sg_set_dma_flags(const struct phyr_sg_layout *L, struct phyr_scatterlist *sg,
				    uint32_t flags)
{
	if (L->off_dma_flags >= 0)
		sg_st32(sg, L->off_dma_flags, flags);
}

static inline bool sg_dma_is_bus_address(const struct phyr_sg_layout *L,
					 const struct phyr_scatterlist *sg)
{
	return sg_dma_flags(L, sg) & PHYR_SG_DMA_BUS_ADDRESS;
}

static inline void sg_dma_mark_bus_address(const struct phyr_sg_layout *L,
					   struct phyr_scatterlist *sg)
{
	sg_set_dma_flags(L, sg, sg_dma_flags(L, sg) | PHYR_SG_DMA_BUS_ADDRESS);
}

static inline void sg_dma_unmark_bus_address(const struct phyr_sg_layout *L,
					     struct phyr_scatterlist *sg)
{
	if (L->off_dma_flags >= 0) {
		uint32_t f = sg_ld32(sg, L->off_dma_flags);

		if (f & PHYR_SG_DMA_BUS_ADDRESS)
			sg_st32(sg, L->off_dma_flags, f & ~PHYR_SG_DMA_BUS_ADDRESS);
	}
}

/* The x86-64 default layout (64-len-flags), the initializer of its table entry. */
#define SG_LAYOUT_INIT_64_LEN_FLAGS                                                       \
	{ PHYR_SG_LAYOUT_64_LEN_FLAGS, "64-len-flags",                                   \
	  "64-bit, dma_length and dma_flags (x86-64 default)", 8, 32, 4096 / 32, -1, 0, 8, \
	  12, 16, 8, 24, 28, 16, 32, true }

/* The same layout as a constant the compiler folds into a specialised loop. */
static const struct phyr_sg_layout sg_layout_default = SG_LAYOUT_INIT_64_LEN_FLAGS;

/* Hot bodies written once and instantiated with the folded default layout. */
#define SG_ALWAYS_INLINE static inline __attribute__((always_inline))

#endif /* PHYR_SRC_SG_H */
