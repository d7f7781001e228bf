// SPDX-License-Identifier: MIT
/*
 * The two-step IOVA API's dma-iommu side (the public calls are the
 * dispatch's, src/dma/mapping.c): dma_iova_try_alloc, link, unlink,
 * destroy and free as read in Linux v6.17 drivers/iommu/dma-iommu.c
 * (spec 3.8, B16, B17).
 */
#include <string.h>

#include "alloc.h"
#include "dma-iommu.h"

int iommu_dma_iova_try_alloc(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			     uint64_t phys, uint64_t size)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t off, iova;

	/* WARN_ON_ONCE(!size), WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB) */
	if (!size || (size & PHYR_DMA_IOVA_USE_SWIOTLB))
		return -EINVAL;
	off = dmai_off(d, phys);
	if (phyr_iommu_dma_alloc_iova(dev, dmai_align(d, size + off), dma_get_mask(dev), &iova))
		return -ENOMEM;
	state->addr = iova + off;
	state->size = size;
	return 0;
}

/* __dma_iova_link(): cache clean, then iommu_map_nosync (no IOTLB sync). */
static int link_range(struct phyr_device *dev, uint64_t addr, uint64_t phys, uint64_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	bool coherent = dev_is_dma_coherent(dev);

	if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)) {
		stat_inc(d->st.ncache_clean);
		stat_inc(dev->st.ncache_clean);
	}
	return phyr_iommu_map_nosync(d->domain, addr, phys, size,
				     phyr_dma_info_to_prot(dir, coherent, attrs));
}

/* iommu_dma_iova_bounce_and_link() */
static int bounce_and_link(struct phyr_device *dev, uint64_t addr, uint64_t phys,
			   uint64_t bounce_len, enum phyr_dma_data_direction dir,
			   unsigned long attrs, uint64_t start_pad)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t tlb;
	int ret;

	if (dmai_map_swiotlb(dev, phys, bounce_len, dir, attrs, &tlb))
		return -ENOMEM;
	/* With min_align_mask 0 the slot does not keep @start_pad: Linux's
	 * map of tlb - start_pad is then unaligned and fails (-EINVAL). */
	ret = link_range(dev, addr - start_pad, tlb - start_pad, dmai_align(d, bounce_len), dir,
			 attrs);
	if (ret)
		dmai_swiotlb_unmap(dev, tlb, bounce_len, dir, attrs);
	return ret;
}

/* iommu_dma_iova_link_swiotlb() */
static int link_swiotlb(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			uint64_t phys, uint64_t offset, uint64_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t start_pad = dmai_off(d, phys);
	uint64_t end_pad = dmai_off(d, phys + size);
	uint64_t addr = state->addr + offset;
	uint64_t mapped = 0;
	int ret;

	if (start_pad) {
		uint64_t bounce_len = d->granule - start_pad;

		if (bounce_len > size)
			bounce_len = size;
		ret = bounce_and_link(dev, addr, phys, bounce_len, dir, attrs, start_pad);
		if (ret)
			return ret;
		state->size |= PHYR_DMA_IOVA_USE_SWIOTLB;
		mapped += bounce_len;
		size -= bounce_len;
		if (!size)
			return 0;
	}
	size -= end_pad;
	ret = link_range(dev, addr + mapped, phys + mapped, size, dir, attrs);
	if (ret)
		goto err_unmap;
	mapped += size;
	if (end_pad) {
		ret = bounce_and_link(dev, addr + mapped, phys + mapped, end_pad, dir, attrs, 0);
		if (ret)
			goto err_unmap;
		state->size |= PHYR_DMA_IOVA_USE_SWIOTLB;
	}
	return 0;

err_unmap:
	/* Linux: dma_iova_unlink(dev, state, 0, mapped, ...) */
	if (mapped)
		iommu_dma_iova_unlink(dev, state, 0, mapped, dir, attrs, false);
	return ret;
}

int iommu_dma_iova_link(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			uint64_t phys, uint64_t offset, uint64_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t start_pad = dmai_off(d, phys);
	int ret;

	stat_inc(d->st.nlinks);
	/* WARN_ON_ONCE(iova_start_pad && offset > 0) */
	if (start_pad && offset > 0) {
		stat_inc(d->st.nlink_errors);
		return -EIO;
	}
	if (dmai_use_swiotlb(dev) && dmai_off(d, phys | size))
		ret = link_swiotlb(dev, state, phys, offset, size, dir, attrs);
	else
		ret = link_range(dev, state->addr + offset - start_pad, phys - start_pad,
				 dmai_align(d, size + start_pad), dir, attrs);
	if (ret)
		stat_inc(d->st.nlink_errors);
	return ret;
}

/* iommu_dma_iova_unlink_range_slow() */
static void unlink_range_slow(struct phyr_device *dev, uint64_t addr, uint64_t size,
			      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t start_pad = dmai_off(d, addr);
	uint64_t end = addr + size;
	bool coherent = dev_is_dma_coherent(dev);

	do {
		uint64_t phys = phyr_iommu_iova_to_phys(d->domain, addr);
		uint64_t len = d->granule - start_pad;

		if (!phys)
			return; /* WARN_ON(!phys) */
		if (len > end - addr)
			len = end - addr;
		if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)) {
			stat_inc(d->st.ncache_invalidate);
			stat_inc(dev->st.ncache_invalidate);
		}
		dmai_swiotlb_unmap(dev, phys, len, dir, attrs);
		addr += len;
		start_pad = 0;
	} while (addr < end);
}

/* __iommu_dma_iova_unlink() */
void iommu_dma_iova_unlink(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			   uint64_t offset, uint64_t size, enum phyr_dma_data_direction dir,
			   unsigned long attrs, bool free_iova)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t addr = state->addr + offset;
	uint64_t start_pad = dmai_off(d, addr);
	uint64_t unmapped = 0;

	if ((state->size & PHYR_DMA_IOVA_USE_SWIOTLB) ||
	    (!dev_is_dma_coherent(dev) && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)))
		unlink_range_slow(dev, addr, size, dir, attrs);

	size = dmai_align(d, size + start_pad);
	addr -= start_pad;
	if (free_iova) {
		/* gather queued on DMA-FQ domains; the IOVA of the UNMAPPED
		 * size goes back through the release hook (B16) */
		phyr_iommu_dma_unmap(d->domain, dev->cpu, addr, size, &unmapped);
	} else {
		unmapped = phyr_iommu_unmap(d->domain, addr, size);
	}
	if (unmapped != size)
		stat_inc(d->st.nunmap_short);
}

void iommu_dma_iova_free(struct phyr_device *dev, struct phyr_dma_iova_state *state)
{
	struct phyr_iommu_dma_cookie *d = dev_cookie(dev);
	uint64_t pad = dmai_off(d, state->addr);

	phyr_iommu_dma_free_iova(dev, state->addr - pad,
				 dmai_align(d, iova_state_size(state) + pad));
	memset(state, 0, sizeof(*state));
}
