/* SPDX-License-Identifier: MIT */
/*
 * Scatterlists for the dma-direct tests (tests/test-dma-direct.c,
 * tests/test-dma-direct-swiotlb.c): a list written as an array of entries,
 * built into a real struct phyr_scatterlist and read back from it.
 */
#ifndef TEST_SG_ENTS_H
#define TEST_SG_ENTS_H

#include <stdint.h>
#include <stdlib.h>

#include "phyr/scatterlist.h"

/*
 * One list entry as the tests write it: the CPU side (@phys, @len) and the
 * DMA side (@flags, @dma_addr, @dma_len), copied into a real scatterlist by
 * sg_build() and read back from it by sg_read().
 */
struct sg_ent {
	uint64_t phys;
	uint32_t len;
	uint32_t flags;
	uint64_t dma_addr;
	uint32_t dma_len;
};

static const struct phyr_sg_layout *sg_layout(void)
{
	return phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
}

/* A list of @n entries from @e (both sides); NULL on failure. Free with free(). */
static struct phyr_scatterlist *sg_build(const struct sg_ent *e, int n)
{
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = calloc((size_t)n, L->size);

	if (!sgl || phyr_sg_init_table(L, sgl, (unsigned int)n)) {
		free(sgl);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct phyr_scatterlist *s = phyr_sg_entry(L, sgl, (unsigned int)i);

		if (phyr_sg_set_phys(L, s, e[i].phys, 0, e[i].len)) {
			free(sgl);
			return NULL;
		}
		phyr_sg_set_dma_address(L, s, e[i].dma_addr);
		phyr_sg_set_dma_len(L, s, e[i].dma_len);
		phyr_sg_set_dma_flags(L, s, e[i].flags);
	}
	return sgl;
}

/* Copy the DMA side of the first @n entries of @sgl back into @e. */
static void sg_read(struct phyr_scatterlist *sgl, struct sg_ent *e, int n)
{
	const struct phyr_sg_layout *L = sg_layout();

	for (int i = 0; i < n; i++) {
		struct phyr_scatterlist *s = phyr_sg_entry(L, sgl, (unsigned int)i);

		e[i].dma_addr = phyr_sg_dma_address(L, s);
		e[i].dma_len = phyr_sg_dma_len(L, s);
		e[i].flags = phyr_sg_dma_flags(L, s);
	}
}

#endif /* TEST_SG_ENTS_H */
