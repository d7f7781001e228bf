/* SPDX-License-Identifier: MIT */
/*
 * libphyr DMA mapping core: the dispatch of kernel/dma/mapping.c.
 *
 * Every call picks the path the way Linux v6.17 does (spec 8): dma-iommu
 * when the device is attached to a DMA (or DMA-FQ) IOMMU domain, else
 * dma-direct. A device is "attached to a DMA IOMMU domain" when a
 * struct phyr_dma_iommu (<phyr/dma-iova.h>) of a DMA type is attached to
 * it and bound with phyr_dma_bind_iommu(); a passthrough (identity)
 * domain keeps the device on dma-direct, as Linux's iommu_is_dma_domain
 * test does. A device with some other IOMMU in its slot (a raw mock domain
 * attached for the data path only) has no DMA path: dma-direct refuses it
 * with -EINVAL.
 *
 * What the dispatch adds on top of the two paths (Linux's behaviour):
 *  - map_sg: the errnos -EINVAL, -ENOMEM, -EIO and -EREMOTEIO are passed
 *    through, any other is reported as -EIO (__dma_map_sg_attrs);
 *  - sg syncs on dma-iommu: every non-bus DMA segment through the single
 *    syncs (iommu_dma_sync_sg_for_*);
 *  - dma_max_mapping_size, dma_opt_mapping_size (min(max, 128 KiB under
 *    an IOMMU)), dma_get_merge_boundary (granule - 1 under an IOMMU, 0 =
 *    cannot merge on dma-direct).
 * The paths themselves are <phyr/device.h> (dma-direct) and <phyr/dma-iova.h>
 * (dma-iommu: single, sg with the untrusted per-entry path, two-step).
 * See docs/dma.md.
 */
#ifndef PHYR_DMA_MAPPING_H
#define PHYR_DMA_MAPPING_H

#include <phyr/common.h>
#include <phyr/device.h>
#include <phyr/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_dma_iommu;

/** The path a device's DMA API calls take. */
enum phyr_dma_path {
	PHYR_DMA_PATH_DIRECT = 0, /**< dma-direct (no IOMMU or a passthrough domain) */
	PHYR_DMA_PATH_IOMMU = 1,  /**< dma-iommu (DMA or DMA-FQ domain) */
};

/**
 * phyr_dma_bind_iommu() - tell the dispatch that @dev's DMA API goes
 * through @d (the device's iommu_dma ops). @d must be a phyr_dma_iommu
 * created for @dev; NULL unbinds. Unbind before destroying @d.
 * Return: 0; -EINVAL (NULL @dev, @d of another device); -ENOMEM.
 */
PHYR_EXPORT int phyr_dma_bind_iommu(struct phyr_device *dev, struct phyr_dma_iommu *d);

/** phyr_dma_bound_iommu() - the phyr_dma_iommu bound to @dev, NULL if none. */
PHYR_EXPORT struct phyr_dma_iommu *phyr_dma_bound_iommu(const struct phyr_device *dev);

/** phyr_dma_get_path() - the path @dev's calls take now. */
PHYR_EXPORT enum phyr_dma_path phyr_dma_get_path(const struct phyr_device *dev);

/**
 * phyr_dma_map_phys() - dma_map_phys() / dma_map_page_attrs(): map
 * [@phys, +@size) for @dir; the device address goes to *@dma.
 * PHYR_DMA_ATTR_MMIO in @attrs maps a resource (dma_map_resource).
 * Return: 0; -ENOMEM (dma_mapping_error(): no IOVA, bounce pool full,
 *         address not reachable, ...); -EINVAL (NULL, size 0, bad
 *         direction, no DMA path).
 */
PHYR_EXPORT int phyr_dma_map_phys(struct phyr_device *dev, uint64_t phys, size_t size,
				  enum phyr_dma_data_direction dir, unsigned long attrs,
				  uint64_t *dma);

/**
 * phyr_dma_unmap_phys() - dma_unmap_phys(): @size and @dir as mapped.
 * Return: 0; -EINVAL (bad arguments); -ENOENT (dma-iommu: @dma not mapped).
 */
PHYR_EXPORT int phyr_dma_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
				    enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_dma_sync_for_cpu() / phyr_dma_sync_for_device() -
 * dma_sync_single_for_cpu/_device(): cache maintenance of non-coherent
 * devices and the bounce copy of swiotlb mappings. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
				      enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
					 enum phyr_dma_data_direction dir);

/**
 * phyr_dma_map_sg() - dma_map_sgtable() / __dma_map_sg_attrs() over the
 * @nents entries of the list at @sgl (layout @L; the entry's page and
 * pgmap give its physical address, P2P pages are classified with the
 * machine's P2PDMA state machine).
 * @count: receives the number of DMA segments; the first @count entries
 *	carry them (sg_dma_address/sg_dma_len, bus-address flag).
 * Return: 0; -ENOMEM (no IOVA space), -EREMOTEIO (P2P not supported),
 *         -EIO (an entry could not be mapped, or any other failure),
 *         -EINVAL (bad arguments, no DMA path). On error nothing stays
 *         mapped, no IOVA, bounce slot or PTE is left behind and the CPU
 *         fields of the list are as given.
 */
PHYR_EXPORT int phyr_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
				struct phyr_scatterlist *sgl, int nents,
				enum phyr_dma_data_direction dir, unsigned long attrs, int *count);

/**
 * phyr_dma_unmap_sg() - dma_unmap_sg_attrs(): @nents is the count given
 * to phyr_dma_map_sg() (not its result). Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
				  struct phyr_scatterlist *sgl, int nents,
				  enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_dma_sync_sg_for_cpu() / _for_device() - dma_sync_sg_for_*():
 * @nents as for unmap. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_sync_sg_for_cpu(struct phyr_device *dev, const struct phyr_sg_layout *L,
					 struct phyr_scatterlist *sgl, int nents,
					 enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_sync_sg_for_device(struct phyr_device *dev,
					    const struct phyr_sg_layout *L,
					    struct phyr_scatterlist *sgl, int nents,
					    enum phyr_dma_data_direction dir);

/** phyr_dma_max_mapping_size() - dma_max_mapping_size(). SIZE_MAX for NULL. */
PHYR_EXPORT size_t phyr_dma_max_mapping_size(const struct phyr_device *dev);
/** phyr_dma_opt_mapping_size() - dma_opt_mapping_size(). */
PHYR_EXPORT size_t phyr_dma_opt_mapping_size(const struct phyr_device *dev);
/** phyr_dma_get_merge_boundary() - dma_get_merge_boundary(): 0 = cannot merge. */
PHYR_EXPORT uint64_t phyr_dma_get_merge_boundary(const struct phyr_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_MAPPING_H */
