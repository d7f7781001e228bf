/* SPDX-License-Identifier: MIT */
/* Private layout of struct phyr_device, shared by the dma-direct files. */
#ifndef PHYR_SRC_DMA_DIRECT_H
#define PHYR_SRC_DMA_DIRECT_H

#include "phyr/device.h"

struct phyr_device {
	struct phyr_machine *m;
	const struct phyr_allocator *a;
	struct phyr_allocator a_copy;
	struct phyr_device_config cfg; /* cfg.dma_range_map points at map */
	char name[32];
	struct phyr_bus_dma_region *map; /* NULL = identity */
	size_t nmap;
	void *iommu;
	phyr_device_translate_fn translate;
	bool has_bounce;
	struct phyr_dma_bounce_ops bounce;
	bool bounce_force;            /* the attached swiotlb pool has force_bounce */
	unsigned int cpu;             /* current CPU for swiotlb's area choice */
	struct phyr_device_stats st;
};

/* dma-direct.c */
uint64_t direct_translate_phys(const struct phyr_device *dev, uint64_t phys);
uint64_t direct_translate_dma(const struct phyr_device *dev, uint64_t dma);

#endif /* PHYR_SRC_DMA_DIRECT_H */
