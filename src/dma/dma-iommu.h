/* SPDX-License-Identifier: MIT */
/*
 * Private layout of struct phyr_iommu_dma_cookie and the dma-iommu helpers
 * the two-step API (dma-iova.c) and map_phyr (map-phyr.c) share with
 * dma-iommu.c. Every helper takes the device, as Linux's iommu_dma_* take
 * struct device and find the domain through it.
 */
#ifndef PHYR_SRC_DMA_IOMMU_H
#define PHYR_SRC_DMA_IOMMU_H

#include <pthread.h>

#include "direct.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"

struct phyr_iommu_dma_cookie {
	const struct phyr_allocator *a;
	struct phyr_iommu_domain *domain;
	struct phyr_iova_domain *iovad;
	struct phyr_swiotlb *swiotlb;
	phyr_iommu_dma_p2p_fn p2p;
	void *p2p_ctx;
	uint64_t granule;
	unsigned int shift;
	uint64_t aperture_end;
	bool force_aperture;
	bool forcedac;
	pthread_mutex_t dev_lock; /* the device list */
	struct phyr_device *devices;
	unsigned int ndevices;
	struct phyr_iommu_dma_stats st;
};

/* The cookie of @dev, NULL if the device is not on dma-iommu. */
static inline struct phyr_iommu_dma_cookie *dev_cookie(const struct phyr_device *dev)
{
	return dev ? dev->dma_iommu : NULL;
}

/* iova_offset / iova_align of the cookie's granule */
static inline uint64_t dmai_off(const struct phyr_iommu_dma_cookie *c, uint64_t x)
{
	return x & (c->granule - 1);
}

static inline uint64_t dmai_align(const struct phyr_iommu_dma_cookie *c, uint64_t x)
{
	return (x + c->granule - 1) & ~(c->granule - 1);
}

/* dma_iova_size(): the state's size without the swiotlb bit */
static inline uint64_t iova_state_size(const struct phyr_dma_iova_state *state)
{
	return state->size & ~PHYR_DMA_IOVA_USE_SWIOTLB;
}

static inline bool dma_dir_valid(enum phyr_dma_data_direction dir)
{
	return (unsigned)dir <= PHYR_DMA_NONE;
}

/* dev_use_swiotlb(): untrusted PCI devices (no kmalloc bounce in this model) */
static inline bool dmai_use_swiotlb(const struct phyr_device *dev)
{
	return dev->cfg.pci && dev->cfg.untrusted;
}

/* iommu_dma_map_swiotlb(): bounce for dma-iommu; 0 or -ENOMEM. */
int dmai_map_swiotlb(struct phyr_device *dev, uint64_t phys, uint64_t size, int dir,
		     unsigned long attrs, uint64_t *tlb);

/* swiotlb_tbl_unmap_single() if @phys lies in the pool. */
void dmai_swiotlb_unmap(struct phyr_device *dev, uint64_t phys, uint64_t size, int dir,
			unsigned long attrs);

/* The swiotlb sync of a bounce slot of @dev (to the CPU or to the device). */
void dmai_sync_bounce(struct phyr_device *dev, uint64_t tlb, uint64_t size,
		      enum phyr_dma_data_direction dir, bool to_cpu);

/* __iommu_dma_map / __iommu_dma_unmap */
int __iommu_dma_map(struct phyr_device *dev, uint64_t phys, uint64_t size, int prot,
		    uint64_t dma_mask, uint64_t *dma);
int __iommu_dma_unmap(struct phyr_device *dev, uint64_t dma, uint64_t size);

/* iommu_dma_map_sg() that also gives the bytes of the list (the CPU
 * lengths of the @nents entries) for the dispatch's counters. */
int iommu_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		     struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		     unsigned long attrs, int *count, uint64_t *bytes);

/* Two-step internals (dma-iova.c): no dma-debug, the dispatch does it. */
int iommu_dma_iova_try_alloc(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			     uint64_t phys, uint64_t size);
int iommu_dma_iova_link(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			uint64_t phys, uint64_t offset, uint64_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs);
void iommu_dma_iova_unlink(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			   uint64_t offset, uint64_t size, enum phyr_dma_data_direction dir,
			   unsigned long attrs, bool free_iova);
void iommu_dma_iova_free(struct phyr_device *dev, struct phyr_dma_iova_state *state);

#endif /* PHYR_SRC_DMA_IOMMU_H */
