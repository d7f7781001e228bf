// SPDX-License-Identifier: MIT
/*
 * The DMA mapping dispatch (see include/phyr/dma-mapping.h), after Linux
 * v6.17 kernel/dma/mapping.c: every DMA API call of a device enters here,
 * takes the path the device owns (dma-iommu when it is attached to a DMA
 * domain, dma-direct otherwise), and is checked by the device's dma-debug
 * checker and counted in the device's counters here, once, whatever the
 * path. Also here: the errno filter of __dma_map_sg_attrs, the two-step
 * API's entry points and the size/boundary queries.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "sg.h"
#include "dma-iommu.h"
#include "mapping.h"
#include "phyr/dma-debug.h"

#define SZ_128K (128u * 1024u)

/* ------------------------------------------------------------------ */
/* Path and counters                                                   */

enum phyr_dma_path phyr_dma_get_path(const struct phyr_device *dev)
{
	if (!dev)
		return PHYR_DMA_PATH_NONE;
	if (dev->dma_iommu)
		return PHYR_DMA_PATH_IOMMU;
	if (!dev_is_dma_direct(dev))
		return PHYR_DMA_PATH_NONE; /* a raw DMA domain for the data path only */
	return PHYR_DMA_PATH_DIRECT;
}

void dma_count_map(struct phyr_device *dev, int ret, uint64_t nents, uint64_t bytes)
{
	if (ret) {
		stat_inc(dev->st.nmap_errors);
		return;
	}
	stat_add(dev->st.nmaps, nents);
	stat_add(dev->st.nbytes_mapped, bytes);
}

void dma_count_unmap(struct phyr_device *dev, uint64_t nents)
{
	stat_add(dev->st.nunmaps, nents);
}

void dma_count_refused(struct phyr_device *dev)
{
	stat_inc(dev->st.nrefused);
}

static bool single_ok(const struct phyr_device *dev, size_t size, enum phyr_dma_data_direction dir)
{
	return dev && size && dma_dir_valid(dir) && phyr_dma_get_path(dev) != PHYR_DMA_PATH_NONE;
}

static bool sg_ok(const struct phyr_device *dev, const struct phyr_sg_layout *L,
		  const struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir)
{
	return dev && L && sgl && nents > 0 && dma_dir_valid(dir) &&
	       phyr_dma_get_path(dev) != PHYR_DMA_PATH_NONE;
}

/* ------------------------------------------------------------------ */
/* Masks: dma_set_mask() and friends ask the path                      */

/* dma_supported(): any mask behind an IOMMU's DMA domain, else dma_direct_supported(). */
static bool dma_supported(const struct phyr_device *dev, uint64_t mask)
{
	return !dev_is_dma_direct(dev) || phyr_dma_direct_supported(dev, mask);
}

int phyr_dma_set_mask(struct phyr_device *dev, uint64_t mask)
{
	if (!dev)
		return -EINVAL;
	if (!dma_supported(dev, mask))
		return -EIO;
	dev->cfg.dma_mask = mask;
	return 0;
}

int phyr_dma_set_coherent_mask(struct phyr_device *dev, uint64_t mask)
{
	if (!dev)
		return -EINVAL;
	if (!dma_supported(dev, mask))
		return -EIO;
	dev->cfg.coherent_dma_mask = mask;
	return 0;
}

int phyr_dma_set_mask_and_coherent(struct phyr_device *dev, uint64_t mask)
{
	int ret = phyr_dma_set_mask(dev, mask);

	if (!ret)
		ret = phyr_dma_set_coherent_mask(dev, mask);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Single mappings                                                     */

static enum phyr_dma_debug_type single_type(unsigned long attrs)
{
	return attrs & PHYR_DMA_ATTR_MMIO ? PHYR_DMA_DEBUG_RESOURCE : PHYR_DMA_DEBUG_SINGLE;
}

/* The path's unmap of a single mapping. */
static int path_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
			   enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (dev->dma_iommu)
		return phyr_iommu_dma_unmap_phys(dev, dma, size, dir, attrs);
	return phyr_dma_direct_unmap_phys(dev, dma, size, dir, attrs);
}

int phyr_dma_map_phys(struct phyr_device *dev, uint64_t phys, size_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	int ret;

	if (!single_ok(dev, size, dir) || !dma)
		return -EINVAL;
	if (dev->dma_iommu)
		ret = phyr_iommu_dma_map_phys(dev, phys, size, dir, attrs, dma);
	else
		ret = phyr_dma_direct_map_phys(dev, phys, size, dir, attrs, dma);
	if (!ret && dev->debug) {
		struct phyr_dma_debug_map m = {
			.dev = dev, .type = single_type(attrs), .phys = phys, .dma_addr = *dma,
			.size = size, .dir = (int)dir, .attrs = attrs,
		};

		if (phyr_dma_debug_map(dev->debug, &m)) {
			/* a strict checker refused: undo the whole mapping */
			path_unmap_phys(dev, *dma, size, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
			dma_count_refused(dev);
			return -EINVAL;
		}
	}
	dma_count_map(dev, ret, 1, size);
	return ret;
}

int phyr_dma_mapping_error(struct phyr_device *dev, uint64_t dma)
{
	if (!dev)
		return -EINVAL;
	if (dev->debug)
		phyr_dma_debug_mapping_error(dev->debug, dev, dma);
	return dma == PHYR_DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

int phyr_dma_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs)
{
	int ret;

	if (!single_ok(dev, size, dir))
		return -EINVAL;
	if (dev->debug) {
		struct phyr_dma_debug_map m = {
			.dev = dev, .type = single_type(attrs), .dma_addr = dma, .size = size,
			.dir = (int)dir,
		};

		if (phyr_dma_debug_unmap(dev->debug, &m)) {
			dma_count_refused(dev);
			return -EINVAL;
		}
	}
	ret = path_unmap_phys(dev, dma, size, dir, attrs);
	if (!ret)
		dma_count_unmap(dev, 1);
	return ret;
}

static int sync_single(struct phyr_device *dev, uint64_t dma, size_t size,
		       enum phyr_dma_data_direction dir, bool to_cpu)
{
	if (!dev || !dma_dir_valid(dir) || phyr_dma_get_path(dev) == PHYR_DMA_PATH_NONE)
		return -EINVAL;
	if (dev->debug && phyr_dma_debug_sync(dev->debug, dev, dma, size, (int)dir, to_cpu)) {
		dma_count_refused(dev);
		return -EINVAL;
	}
	stat_inc(dev->st.nsyncs);
	if (dev->dma_iommu)
		return to_cpu ? phyr_iommu_dma_sync_single_for_cpu(dev, dma, size, dir)
			      : phyr_iommu_dma_sync_single_for_device(dev, dma, size, dir);
	return to_cpu ? phyr_dma_direct_sync_for_cpu(dev, dma, size, dir)
		      : phyr_dma_direct_sync_for_device(dev, dma, size, dir);
}

int phyr_dma_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
			  enum phyr_dma_data_direction dir)
{
	return sync_single(dev, dma, size, dir, true);
}

int phyr_dma_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
			     enum phyr_dma_data_direction dir)
{
	return sync_single(dev, dma, size, dir, false);
}

/* ------------------------------------------------------------------ */
/* Scatter-gather                                                      */

static int path_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			 struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			 unsigned long attrs)
{
	if (dev->dma_iommu)
		return phyr_iommu_dma_unmap_sg(dev, L, sgl, nents, dir, attrs);
	return phyr_dma_direct_unmap_sg(dev, L, sgl, nents, dir, attrs);
}

int phyr_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		    struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		    unsigned long attrs, int *count)
{
	uint64_t bytes = 0;
	int ret, n = 0;

	if (!sg_ok(dev, L, sgl, nents, dir) || !count)
		return -EINVAL;
	if (dev->dma_iommu)
		ret = iommu_dma_map_sg(dev, L, sgl, nents, dir, attrs, &n, &bytes);
	else
		ret = dma_direct_map_sg(dev, L, sgl, nents, dir, attrs, &n, &bytes);
	if (!ret && dev->debug &&
	    phyr_dma_debug_map_sg(dev->debug, dev, L, sgl, nents, n, (int)dir, attrs,
				  dma_get_max_seg_size(dev), dma_get_seg_boundary(dev))) {
		path_unmap_sg(dev, L, sgl, nents, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
		dma_count_refused(dev);
		ret = -EINVAL;
	}
	dma_count_map(dev, ret, (uint64_t)nents, bytes);
	if (ret == 0)
		*count = n;
	else if (ret != -EINVAL && ret != -ENOMEM && ret != -EIO && ret != -EREMOTEIO)
		ret = -EIO; /* __dma_map_sg_attrs: unexpected errors become -EIO */
	return ret;
}

int phyr_dma_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		      struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		      unsigned long attrs)
{
	int ret;

	if (!sg_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
	if (dev->debug && phyr_dma_debug_unmap_sg(dev->debug, dev, L, sgl, nents, (int)dir)) {
		dma_count_refused(dev);
		return -EINVAL;
	}
	ret = path_unmap_sg(dev, L, sgl, nents, dir, attrs);
	if (!ret)
		dma_count_unmap(dev, (uint64_t)nents);
	return ret;
}

static int sync_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		   struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		   bool to_cpu)
{
	if (!sg_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
	if (dev->debug && phyr_dma_debug_sync_sg(dev->debug, dev, L, sgl, nents, (int)dir, to_cpu)) {
		dma_count_refused(dev);
		return -EINVAL;
	}
	stat_inc(dev->st.nsyncs);
	if (dev->dma_iommu)
		return to_cpu ? phyr_iommu_dma_sync_sg_for_cpu(dev, L, sgl, nents, dir)
			      : phyr_iommu_dma_sync_sg_for_device(dev, L, sgl, nents, dir);
	return to_cpu ? phyr_dma_direct_sync_sg_for_cpu(dev, L, sgl, nents, dir)
		      : phyr_dma_direct_sync_sg_for_device(dev, L, sgl, nents, dir);
}

int phyr_dma_sync_sg_for_cpu(struct phyr_device *dev, const struct phyr_sg_layout *L,
			     struct phyr_scatterlist *sgl, int nents,
			     enum phyr_dma_data_direction dir)
{
	return sync_sg(dev, L, sgl, nents, dir, true);
}

int phyr_dma_sync_sg_for_device(struct phyr_device *dev, const struct phyr_sg_layout *L,
				struct phyr_scatterlist *sgl, int nents,
				enum phyr_dma_data_direction dir)
{
	return sync_sg(dev, L, sgl, nents, dir, false);
}

/* ------------------------------------------------------------------ */
/* The two-step IOVA API                                               */

bool phyr_dma_use_iova(const struct phyr_dma_iova_state *state)
{
	return state && state->size != 0;
}

uint64_t phyr_dma_iova_size(const struct phyr_dma_iova_state *state)
{
	return state ? iova_state_size(state) : 0;
}

int phyr_dma_iova_try_alloc(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			    uint64_t phys, uint64_t size)
{
	if (!state)
		return -EINVAL;
	memset(state, 0, sizeof(*state));
	if (!dev)
		return -EINVAL;
	if (!dev->dma_iommu)
		return -EOPNOTSUPP;
	return iommu_dma_iova_try_alloc(dev, state, phys, size);
}

/* Beyond Linux: a call outside its IOVA state is reported (strict: refused). */
static int debug_iova_range(struct phyr_device *dev, const struct phyr_dma_iova_state *state,
			    uint64_t offset, uint64_t size)
{
	if (!dev->debug)
		return 0;
	if (phyr_dma_debug_iova_range(dev->debug, dev, state->addr, phyr_dma_iova_size(state),
				      offset, size)) {
		dma_count_refused(dev);
		return -EINVAL;
	}
	return 0;
}

static bool state_ok(const struct phyr_device *dev, const struct phyr_dma_iova_state *state)
{
	return dev && dev->dma_iommu && phyr_dma_use_iova(state);
}

int phyr_dma_iova_link(struct phyr_device *dev, struct phyr_dma_iova_state *state,
		       uint64_t phys, uint64_t offset, uint64_t size,
		       enum phyr_dma_data_direction dir, unsigned long attrs)
{
	int ret;

	if (!state_ok(dev, state) || !size || !dma_dir_valid(dir))
		return -EINVAL;
	if (debug_iova_range(dev, state, offset, size))
		return -EINVAL;
	ret = iommu_dma_iova_link(dev, state, phys, offset, size, dir, attrs);
	if (!ret && dev->debug) {
		struct phyr_dma_debug_map m = {
			.dev = dev, .type = PHYR_DMA_DEBUG_IOVA, .phys = phys,
			.dma_addr = state->addr + offset, .size = size, .dir = (int)dir,
			.attrs = attrs,
		};

		if (phyr_dma_debug_map(dev->debug, &m)) {
			iommu_dma_iova_unlink(dev, state, offset, size, dir,
					      attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC, false);
			dma_count_refused(dev);
			ret = -EINVAL;
		}
	}
	dma_count_map(dev, ret, 1, size);
	if (!ret)
		state->nlinks++;
	return ret;
}

int phyr_dma_iova_sync(struct phyr_device *dev, struct phyr_dma_iova_state *state,
		       uint64_t offset, uint64_t size)
{
	(void)offset;
	(void)size;
	if (!dev || !dev->dma_iommu || !state)
		return -EINVAL;
	/* iommu_sync_map(addr - pad, ALIGN(size + pad)): the mock IOMMU has
	 * no sync_map op (it caches no invalid entries); counted */
	stat_inc(dev->dma_iommu->st.nsync_map);
	return 0;
}

static int debug_unlink(struct phyr_device *dev, uint64_t addr, uint64_t size,
			enum phyr_dma_data_direction dir)
{
	if (!dev->debug)
		return 0;
	if (phyr_dma_debug_unmap_range(dev->debug, dev, PHYR_DMA_DEBUG_IOVA, addr, size, (int)dir)) {
		dma_count_refused(dev);
		return -EINVAL;
	}
	return 0;
}

int phyr_dma_iova_unlink(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			 uint64_t offset, uint64_t size, enum phyr_dma_data_direction dir,
			 unsigned long attrs)
{
	if (!dev || !dev->dma_iommu || !state || !size || !dma_dir_valid(dir))
		return -EINVAL;
	if (debug_iova_range(dev, state, offset, size) ||
	    debug_unlink(dev, state->addr + offset, size, dir))
		return -EINVAL;
	stat_inc(dev->dma_iommu->st.nunlinks);
	iommu_dma_iova_unlink(dev, state, offset, size, dir, attrs, false);
	/* one unlink is one unmap; it may cover several links (the count of
	 * live links then only drops by one: a destroy counts what is left) */
	dma_count_unmap(dev, 1);
	if (state->nlinks)
		state->nlinks--;
	return 0;
}

int phyr_dma_iova_free(struct phyr_device *dev, struct phyr_dma_iova_state *state)
{
	if (!state_ok(dev, state))
		return -EINVAL;
	stat_inc(dev->dma_iommu->st.nfrees);
	iommu_dma_iova_free(dev, state);
	return 0;
}

int phyr_dma_iova_destroy(struct phyr_device *dev, struct phyr_dma_iova_state *state,
			  uint64_t mapped_len, enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!state_ok(dev, state) || !dma_dir_valid(dir))
		return -EINVAL;
	if (!mapped_len)
		return phyr_dma_iova_free(dev, state);
	if (debug_iova_range(dev, state, 0, mapped_len) ||
	    debug_unlink(dev, state->addr, mapped_len, dir))
		return -EINVAL;
	stat_inc(dev->dma_iommu->st.ndestroys);
	iommu_dma_iova_unlink(dev, state, 0, mapped_len, dir, attrs, true);
	dma_count_unmap(dev, state->nlinks); /* every link still mapped */
	memset(state, 0, sizeof(*state));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sizes and boundaries                                                */

size_t phyr_dma_max_mapping_size(const struct phyr_device *dev)
{
	if (!dev)
		return SIZE_MAX;
	if (dev->dma_iommu)
		return phyr_iommu_dma_max_mapping_size(dev);
	return phyr_dma_direct_max_mapping_size(dev);
}

size_t phyr_dma_opt_mapping_size(const struct phyr_device *dev)
{
	size_t max = phyr_dma_max_mapping_size(dev);

	if (dev && dev->dma_iommu)
		return max < SZ_128K ? max : SZ_128K; /* iova_rcache_range() */
	return max; /* no ops hook: SIZE_MAX, capped by the maximum */
}

uint64_t phyr_dma_get_merge_boundary(const struct phyr_device *dev)
{
	if (!dev)
		return 0;
	if (dev->dma_iommu)
		return phyr_iommu_dma_get_merge_boundary(dev);
	return phyr_dma_direct_get_merge_boundary(dev);
}
