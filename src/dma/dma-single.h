/* SPDX-License-Identifier: MIT */
/* Private state of struct phyr_dma_iommu, shared by dma-single.c, dma-iova.c and dma-phyr.c. */
#ifndef PHYR_SRC_DMA_SINGLE_H
#define PHYR_SRC_DMA_SINGLE_H

#include "phyr/dma-iova.h"

struct phyr_dma_iommu {
	const struct phyr_allocator *a;
	struct phyr_device *dev;
	struct phyr_iommu_domain *domain;
	struct phyr_iova_domain *iovad;
	struct phyr_swiotlb *swiotlb;
	struct phyr_dma_debug *debug;
	enum phyr_iommu_domain_type type;
	uint64_t granule;
	unsigned int shift;
	unsigned int cpu;
	unsigned int ncpus;
	uint64_t aperture_end;
	bool force_aperture;
	bool pci_32bit_workaround;
	bool attached;
	struct phyr_dma_iommu_stats st;
};

/* iova_offset / iova_align of the domain's granule */
static inline uint64_t dmai_off(const struct phyr_dma_iommu *d, uint64_t x)
{
	return x & (d->granule - 1);
}

static inline uint64_t dmai_align(const struct phyr_dma_iommu *d, uint64_t x)
{
	return (x + d->granule - 1) & ~(d->granule - 1);
}

/* dev_use_swiotlb(): untrusted devices (no kmalloc bounce on this model) */
bool dmai_use_swiotlb(const struct phyr_dma_iommu *d);

/* The swiotlb device parameters of d's device. */
void dmai_swiotlb_dev(const struct phyr_dma_iommu *d, struct phyr_swiotlb_dev *sd);

/* iommu_dma_map_swiotlb(): bounce for dma-iommu; 0 or -ENOMEM. */
int dmai_map_swiotlb(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size, int dir,
		     unsigned long attrs, uint64_t *tlb);

/* swiotlb_tbl_unmap_single() if @phys lies in the pool. */
void dmai_swiotlb_unmap(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size, int dir,
			unsigned long attrs);

/* iommu_dma_map_page / unmap_page without the dma-debug hooks. */
int dmai_map_page(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size,
		  enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma);
int dmai_unmap_page(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
		    enum phyr_dma_data_direction dir, unsigned long attrs);

/* The device's dma_get_mask(). */
uint64_t dmai_dma_mask(const struct phyr_dma_iommu *d);

#endif /* PHYR_SRC_DMA_SINGLE_H */
