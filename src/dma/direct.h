/* SPDX-License-Identifier: MIT */
/* Private layout of struct phyr_device, shared by the files of the DMA layer. */
#ifndef PHYR_SRC_DMA_DIRECT_H
#define PHYR_SRC_DMA_DIRECT_H

#include "phyr/device.h"

struct phyr_iommu_dma_cookie;

struct phyr_device {
	struct phyr_machine *m;
	const struct phyr_allocator *a;
	struct phyr_allocator a_copy;
	struct phyr_device_config cfg; /* cfg.dma_range_map points at map */
	char name[32];
	struct phyr_bus_dma_region *map; /* NULL = identity */
	size_t nmap;
	void *iommu;                  /* data path: the domain the device's accesses translate through */
	phyr_device_translate_fn translate;
	bool iommu_passthrough;       /* that domain is identity or blocked: the DMA API stays on dma-direct */
	struct phyr_iommu_dma_cookie *dma_iommu; /* DMA path: the DMA domain (dev->dma_iommu in Linux) */
	struct phyr_device *dma_next; /* the next device attached to the same cookie */
	void (*dma_detach)(struct phyr_device *dev); /* set by the DMA domain attached */
	bool pci_32bit_workaround;    /* dev->iommu->pci_32bit_workaround */
	struct phyr_dma_debug *debug; /* dma-debug checker of every DMA API call */
	bool has_bounce;
	struct phyr_dma_bounce_ops bounce;
	bool bounce_force;            /* the attached swiotlb pool has force_bounce */
	unsigned int cpu;             /* current CPU for swiotlb's area choice */
	struct phyr_device_stats st;
};

/* Counters are updated from several threads (one device may map on
 * several CPUs, a cookie serves several devices): relaxed atomics. */
#define stat_add(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define stat_inc(field) stat_add(field, 1)

/* The DMA API takes dma-direct: no IOMMU, or an identity or blocked domain
 * (Linux: the domain is not a DMA domain, so use_dma_iommu() is false). */
static inline bool dev_is_dma_direct(const struct phyr_device *dev)
{
	return !dev->iommu || dev->iommu_passthrough;
}

/*
 * Linux's inline device accessors, for the library's own hot paths: the
 * exported phyr_dma_get_*() / phyr_device_is_coherent() check for NULL and
 * are called through the PLT from inside the shared library.
 */
static inline bool dev_is_dma_coherent(const struct phyr_device *dev)
{
	return dev->cfg.coherent;
}

static inline uint64_t dma_get_mask(const struct phyr_device *dev)
{
	return dev->cfg.dma_mask ? dev->cfg.dma_mask : PHYR_DMA_BIT_MASK(32);
}

static inline uint32_t dma_get_max_seg_size(const struct phyr_device *dev)
{
	return dev->cfg.max_segment_size ? dev->cfg.max_segment_size : 65536;
}

static inline uint64_t dma_get_seg_boundary(const struct phyr_device *dev)
{
	return dev->cfg.seg_boundary_mask ? dev->cfg.seg_boundary_mask : ~UINT64_C(0);
}

static inline uint32_t dma_get_min_align_mask(const struct phyr_device *dev)
{
	return dev->cfg.min_align_mask;
}

/* dma-direct.c */
/* dma_direct_map_sg() that also gives the bytes of the list's entries. */
int dma_direct_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		      struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		      unsigned long attrs, int *nmapped, uint64_t *bytes);
uint64_t direct_translate_phys(const struct phyr_device *dev, uint64_t phys);
uint64_t direct_translate_dma(const struct phyr_device *dev, uint64_t dma);

#endif /* PHYR_SRC_DMA_DIRECT_H */
