/* SPDX-License-Identifier: MIT */
/*
 * The dispatch's per-device counting (src/dma/mapping.c), shared with the
 * phyr-list entry points of map-phyr.c so that every DMA API call of a
 * device is counted by one piece of code.
 */
#ifndef PHYR_SRC_DMA_MAPPING_H
#define PHYR_SRC_DMA_MAPPING_H

#include "direct.h"

/* A mapping call returned @ret: on success @nents entries and @bytes bytes. */
void dma_count_map(struct phyr_device *dev, int ret, uint64_t nents, uint64_t bytes);
/* @nents entries were unmapped. */
void dma_count_unmap(struct phyr_device *dev, uint64_t nents);
/* A strict dma-debug checker refused a call. */
void dma_count_refused(struct phyr_device *dev);

#endif /* PHYR_SRC_DMA_MAPPING_H */
