// SPDX-License-Identifier: MIT
/*
 * The two-step IOVA API (see include/phyr/dma-iova.h): dma_iova_try_alloc,
 * link, sync, unlink, destroy and free as read in Linux v6.17
 * drivers/iommu/dma-iommu.c (spec 3.8, B16, B17). The dma-debug checker,
 * when configured, tracks each link as an "iova-link" mapping.
 */
#include <string.h>

#include "alloc.h"
#include "dma-single.h"

bool phyr_dma_use_iova(const struct phyr_dma_iova_state *state)
{
	return state && state->size != 0;
}

uint64_t phyr_dma_iova_size(const struct phyr_dma_iova_state *state)
{
	return state ? state->size & ~PHYR_DMA_IOVA_USE_SWIOTLB : 0;
}

static bool valid_dir(enum phyr_dma_data_direction dir)
{
	return (unsigned)dir <= PHYR_DMA_NONE;
}

int phyr_dma_iova_try_alloc(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
			    uint64_t phys, uint64_t size)
{
	uint64_t off, iova;

	if (!state)
		return -EINVAL;
	memset(state, 0, sizeof(*state));
	if (!d)
		return -EINVAL;
	if (!d->iovad)
		return -EOPNOTSUPP;
	/* WARN_ON_ONCE(!size), WARN_ON_ONCE(size & DMA_IOVA_USE_SWIOTLB) */
	if (!size || (size & PHYR_DMA_IOVA_USE_SWIOTLB))
		return -EINVAL;
	off = dmai_off(d, phys);
	if (phyr_dma_iommu_alloc_iova(d, dmai_align(d, size + off), dmai_dma_mask(d), &iova))
		return -ENOMEM;
	state->addr = iova + off;
	state->size = size;
	return 0;
}

/* __dma_iova_link(): cache clean, then iommu_map_nosync (no IOTLB sync). */
static int link_range(struct phyr_dma_iommu *d, uint64_t addr, uint64_t phys, uint64_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	bool coherent = phyr_device_is_coherent(d->dev);

	if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC))
		d->st.ncache_clean++;
	return phyr_iommu_map_nosync(d->domain, addr, phys, size,
				     phyr_dma_info_to_prot(dir, coherent, attrs));
}

/* iommu_dma_iova_bounce_and_link() */
static int bounce_and_link(struct phyr_dma_iommu *d, uint64_t addr, uint64_t phys,
			   uint64_t bounce_len, enum phyr_dma_data_direction dir,
			   unsigned long attrs, uint64_t start_pad)
{
	uint64_t tlb;
	int ret;

	if (dmai_map_swiotlb(d, phys, bounce_len, dir, attrs, &tlb))
		return -ENOMEM;
	/* With min_align_mask 0 the slot does not keep @start_pad: Linux's
	 * map of tlb - start_pad is then unaligned and fails (-EINVAL). */
	ret = link_range(d, addr - start_pad, tlb - start_pad, dmai_align(d, bounce_len), dir,
			 attrs);
	if (ret)
		dmai_swiotlb_unmap(d, tlb, bounce_len, dir, attrs);
	return ret;
}

static void unlink_range(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
			 uint64_t offset, uint64_t size, enum phyr_dma_data_direction dir,
			 unsigned long attrs, bool free_iova);

/* iommu_dma_iova_link_swiotlb() */
static int link_swiotlb(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
			uint64_t phys, uint64_t offset, uint64_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs)
{
	uint64_t start_pad = dmai_off(d, phys);
	uint64_t end_pad = dmai_off(d, phys + size);
	uint64_t addr = state->addr + offset;
	uint64_t mapped = 0;
	int ret;

	if (start_pad) {
		uint64_t bounce_len = d->granule - start_pad;

		if (bounce_len > size)
			bounce_len = size;
		ret = bounce_and_link(d, addr, phys, bounce_len, dir, attrs, start_pad);
		if (ret)
			return ret;
		state->size |= PHYR_DMA_IOVA_USE_SWIOTLB;
		mapped += bounce_len;
		size -= bounce_len;
		if (!size)
			return 0;
	}
	size -= end_pad;
	ret = link_range(d, addr + mapped, phys + mapped, size, dir, attrs);
	if (ret)
		goto err_unmap;
	mapped += size;
	if (end_pad) {
		ret = bounce_and_link(d, addr + mapped, phys + mapped, end_pad, dir, attrs, 0);
		if (ret)
			goto err_unmap;
		state->size |= PHYR_DMA_IOVA_USE_SWIOTLB;
	}
	return 0;

err_unmap:
	/* Linux: dma_iova_unlink(dev, state, 0, mapped, ...) */
	if (mapped)
		unlink_range(d, state, 0, mapped, dir, attrs, false);
	return ret;
}

int phyr_dma_iova_link(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
		       uint64_t phys, uint64_t offset, uint64_t size,
		       enum phyr_dma_data_direction dir, unsigned long attrs)
{
	uint64_t start_pad;
	int ret;

	if (!d || !state || !d->iovad || !size || !valid_dir(dir) || !phyr_dma_use_iova(state))
		return -EINVAL;
	start_pad = dmai_off(d, phys);
	d->st.nlinks++;
	/* WARN_ON_ONCE(iova_start_pad && offset > 0) */
	if (start_pad && offset > 0) {
		d->st.nlink_errors++;
		return -EIO;
	}
	if (dmai_use_swiotlb(d) && dmai_off(d, phys | size))
		ret = link_swiotlb(d, state, phys, offset, size, dir, attrs);
	else
		ret = link_range(d, state->addr + offset - start_pad, phys - start_pad,
				 dmai_align(d, size + start_pad), dir, attrs);
	if (ret) {
		d->st.nlink_errors++;
		return ret;
	}
	if (d->debug) {
		struct phyr_dma_debug_map m = {
			.dev = d->dev, .type = PHYR_DMA_DEBUG_IOVA, .phys = phys,
			.dma_addr = state->addr + offset, .size = size, .dir = dir,
			.attrs = attrs,
		};

		if (phyr_dma_debug_map(d->debug, &m)) {
			d->st.nrefused++;
			unlink_range(d, state, offset, size, dir,
				     attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC, false);
			return -EINVAL;
		}
	}
	return 0;
}

int phyr_dma_iova_sync(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
		       uint64_t offset, uint64_t size)
{
	if (!d || !state || !d->iovad)
		return -EINVAL;
	/* iommu_sync_map(addr - pad, ALIGN(size + pad)): the mock IOMMU has
	 * no sync_map op (it caches no invalid entries); counted */
	d->st.nsync_map++;
	return 0;
}

/* iommu_dma_iova_unlink_range_slow() */
static void unlink_range_slow(struct phyr_dma_iommu *d, uint64_t addr, uint64_t size,
			      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	uint64_t start_pad = dmai_off(d, addr);
	uint64_t end = addr + size;
	bool coherent = phyr_device_is_coherent(d->dev);

	do {
		uint64_t phys = phyr_iommu_iova_to_phys(d->domain, addr);
		uint64_t len = d->granule - start_pad;

		if (!phys)
			return; /* WARN_ON(!phys) */
		if (len > end - addr)
			len = end - addr;
		if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC))
			d->st.ncache_invalidate++;
		dmai_swiotlb_unmap(d, phys, len, dir, attrs);
		addr += len;
		start_pad = 0;
	} while (addr < end);
}

/* __iommu_dma_iova_unlink() */
static void unlink_range(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
			 uint64_t offset, uint64_t size, enum phyr_dma_data_direction dir,
			 unsigned long attrs, bool free_iova)
{
	uint64_t addr = state->addr + offset;
	uint64_t start_pad = dmai_off(d, addr);
	uint64_t unmapped = 0;

	if ((state->size & PHYR_DMA_IOVA_USE_SWIOTLB) ||
	    (!phyr_device_is_coherent(d->dev) && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)))
		unlink_range_slow(d, addr, size, dir, attrs);

	size = dmai_align(d, size + start_pad);
	addr -= start_pad;
	if (free_iova)
		/* gather queued on DMA-FQ domains; the IOVA of the UNMAPPED
		 * size goes back through the release hook (B16) */
		phyr_iommu_dma_unmap(d->domain, d->cpu, addr, size, &unmapped);
	else
		unmapped = phyr_iommu_unmap(d->domain, addr, size);
	if (unmapped != size)
		d->st.nunmap_short++;
}

static int debug_unlink(struct phyr_dma_iommu *d, uint64_t addr, uint64_t size,
			enum phyr_dma_data_direction dir)
{
	if (!d->debug)
		return 0;
	if (phyr_dma_debug_unmap_range(d->debug, d->dev, PHYR_DMA_DEBUG_IOVA, addr, size, dir)) {
		d->st.nrefused++;
		return -EINVAL;
	}
	return 0;
}

int phyr_dma_iova_unlink(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
			 uint64_t offset, uint64_t size, enum phyr_dma_data_direction dir,
			 unsigned long attrs)
{
	if (!d || !state || !d->iovad || !size || !valid_dir(dir))
		return -EINVAL;
	if (debug_unlink(d, state->addr + offset, size, dir))
		return -EINVAL;
	d->st.nunlinks++;
	unlink_range(d, state, offset, size, dir, attrs, false);
	return 0;
}

int phyr_dma_iova_free(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state)
{
	uint64_t pad;

	if (!d || !state || !d->iovad || !phyr_dma_use_iova(state))
		return -EINVAL;
	pad = dmai_off(d, state->addr);
	d->st.nfrees++;
	phyr_dma_iommu_free_iova(d, state->addr - pad, dmai_align(d, phyr_dma_iova_size(state) + pad));
	memset(state, 0, sizeof(*state));
	return 0;
}

int phyr_dma_iova_destroy(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
			  uint64_t mapped_len, enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!d || !state || !d->iovad || !valid_dir(dir) || !phyr_dma_use_iova(state))
		return -EINVAL;
	if (!mapped_len)
		return phyr_dma_iova_free(d, state);
	if (debug_unlink(d, state->addr, mapped_len, dir))
		return -EINVAL;
	d->st.ndestroys++;
	unlink_range(d, state, 0, mapped_len, dir, attrs, true);
	memset(state, 0, sizeof(*state));
	return 0;
}
