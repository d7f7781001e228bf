/* SPDX-License-Identifier: MIT */
/*
 * libphyr DMA mapping API: the dispatch of Linux's kernel/dma/mapping.c.
 *
 * Every call enters here with the device and leaves through the path the
 * device owns, as Linux's dma_map_* pick dma-direct or the device's
 * dma_map_ops: dma-iommu when the device is attached to a DMA domain
 * (phyr_iommu_setup_dma_ops() of <phyr/dma-iommu.h>), dma-direct (with
 * swiotlb when the device uses a pool) otherwise. A device attached to a
 * raw mock IOMMU domain for its data path only (phyr_device_attach_iommu)
 * has no DMA path: the calls refuse with -EINVAL.
 *
 * The dispatch does, for every path alike, what mapping.c does around the
 * ops: the dma-debug hooks of the device's checker (debug_dma_map_phys,
 * debug_dma_map_sg, debug_dma_mapping_error, debug_dma_unmap_*,
 * debug_dma_sync_*; a strict checker's refusal fails the call and changes
 * nothing), and the device's counters (phyr_device_get_stats()). It also
 * reproduces:
 *  - map_sg: the errnos -EINVAL, -ENOMEM, -EIO and -EREMOTEIO are passed
 *    through, any other is reported as -EIO (__dma_map_sg_attrs);
 *  - dma_max_mapping_size, dma_opt_mapping_size (min(max, 128 KiB under
 *    an IOMMU)), dma_get_merge_boundary (granule - 1 under an IOMMU, 0 =
 *    cannot merge on dma-direct).
 * Beyond Linux, with the same checks and counters: the two-step IOVA API
 * takes the device (Linux's dma_iova_* do too), and phyr_dma_map_phyr()
 * maps a phyr list in one call (see docs/dma-two-step.md).
 * See docs/dma.md.
 */
#ifndef PHYR_DMA_MAPPING_H
#define PHYR_DMA_MAPPING_H

#include <phyr/common.h>
#include <phyr/device.h>
#include <phyr/list.h>
#include <phyr/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The path a device's DMA API calls take. */
enum phyr_dma_path {
	PHYR_DMA_PATH_DIRECT = 0, /**< dma-direct (no IOMMU, or a passthrough domain) */
	PHYR_DMA_PATH_IOMMU = 1,  /**< dma-iommu (DMA or DMA-FQ domain) */
	PHYR_DMA_PATH_NONE = 2,   /**< a raw IOMMU domain for the data path only: no DMA API */
};

/** phyr_dma_get_path() - the path @dev's calls take now; PHYR_DMA_PATH_NONE for NULL. */
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
 * phyr_dma_mapping_error() - dma_mapping_error(): tells the device's
 * dma-debug checker that the driver checked @dma (so its unmap is not
 * reported as unchecked), on every path.
 * Return: -ENOMEM when @dma is PHYR_DMA_MAPPING_ERROR (what a failed
 *         Linux map returns), 0 otherwise; -EINVAL for a NULL @dev.
 */
PHYR_EXPORT int phyr_dma_mapping_error(struct phyr_device *dev, uint64_t dma);

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

/* ------------------------------------------------------------------ */
/* The two-step IOVA API (Linux v6.17 dma_iova_*)                      */

/** DMA_IOVA_USE_SWIOTLB: bit 63 of the state's size, set once a link bounced. */
#define PHYR_DMA_IOVA_USE_SWIOTLB (UINT64_C(1) << 63)

/**
 * struct phyr_dma_iova_state - struct dma_iova_state: @addr the IOVA of
 * byte 0 (with the sub-granule offset of try_alloc's @phys), @size the
 * size asked for with PHYR_DMA_IOVA_USE_SWIOTLB in bit 63. @nlinks is the
 * model's own bookkeeping (Linux's struct has only the first two): the
 * links made and not yet unlinked, so that a destroy counts one unmap per
 * link it tears down and the device's nmaps and nunmaps balance after a
 * transaction (struct phyr_device_stats). Zeroed by try_alloc.
 */
struct phyr_dma_iova_state {
	uint64_t addr;
	uint64_t size;
	uint64_t nlinks;
};

/** dma_use_iova(): the state holds an IOVA allocation. */
PHYR_EXPORT bool phyr_dma_use_iova(const struct phyr_dma_iova_state *state);
/** dma_iova_size(): the size without the swiotlb bit. */
PHYR_EXPORT uint64_t phyr_dma_iova_size(const struct phyr_dma_iova_state *state);

/**
 * phyr_dma_iova_try_alloc() - dma_iova_try_alloc(): zero @state, then
 * allocate ALIGN(@size + (@phys & (granule - 1))) bytes of IOVA with
 * dma_get_mask(); @phys only gives the offset.
 * Return: 0 (state->addr = IOVA + offset, state->size = @size);
 *         -EOPNOTSUPP (the device is not on dma-iommu: use the classic
 *         API); -EINVAL (@size 0 or with bit 63 set, NULL); -ENOMEM.
 */
PHYR_EXPORT int phyr_dma_iova_try_alloc(struct phyr_device *dev,
					struct phyr_dma_iova_state *state, uint64_t phys,
					uint64_t size);

/**
 * phyr_dma_iova_link() - dma_iova_link(): map [@phys, +@size) at
 * state->addr + @offset without an IOTLB sync (call phyr_dma_iova_sync).
 * The checker tracks the range as an "iova-link" mapping.
 * Return: 0; -EIO (@phys unaligned and @offset > 0: only the first link
 *         may start unaligned); -ENOMEM (bounce failed); errors of
 *         iommu_map_nosync (-EINVAL misaligned, -EEXIST, -ERANGE,
 *         -ENOMEM); -EINVAL (bad arguments, strict checker refusal). A
 *         failed swiotlb link unlinks what it mapped the way Linux does:
 *         dma_iova_unlink(state, 0, mapped), from offset 0 of the state
 *         whatever @offset was (a Linux quirk, reproduced). An untrusted
 *         device without min_align_mask cannot bounce an unaligned head:
 *         -EINVAL (Linux's result too).
 */
PHYR_EXPORT int phyr_dma_iova_link(struct phyr_device *dev, struct phyr_dma_iova_state *state,
				   uint64_t phys, uint64_t offset, uint64_t size,
				   enum phyr_dma_data_direction dir, unsigned long attrs);

/** phyr_dma_iova_sync() - dma_iova_sync(): the driver's sync_map over the granules of [@offset, +@size). Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_dma_iova_sync(struct phyr_device *dev, struct phyr_dma_iova_state *state,
				   uint64_t offset, uint64_t size);

/**
 * phyr_dma_iova_unlink() - dma_iova_unlink(): unmap the granules of
 * [@offset, +@size) (slow path first: bounce slots released with
 * copy-back, caches invalidated), IOTLB sync now, IOVA kept.
 * Return: 0, -EINVAL (bad arguments, strict checker refusal).
 */
PHYR_EXPORT int phyr_dma_iova_unlink(struct phyr_device *dev, struct phyr_dma_iova_state *state,
				     uint64_t offset, uint64_t size,
				     enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_dma_iova_destroy() - dma_iova_destroy(): unlink [0, @mapped_len)
 * and free the IOVA with the unmapped size ALIGN(@mapped_len + pad)
 * (queued on DMA-FQ domains); @mapped_len 0 = phyr_dma_iova_free().
 * The state is zeroed. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iova_destroy(struct phyr_device *dev, struct phyr_dma_iova_state *state,
				      uint64_t mapped_len, enum phyr_dma_data_direction dir,
				      unsigned long attrs);

/**
 * phyr_dma_iova_free() - dma_iova_free(): free ALIGN(size + pad) of IOVA at
 * addr - pad now (links must be gone). The state is zeroed. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iova_free(struct phyr_device *dev, struct phyr_dma_iova_state *state);

/* ------------------------------------------------------------------ */
/* phyr lists: one call for a whole list of physical ranges            */
/*
 * Linux never merged this interface (the "Phyr Starter" thread, 2022, and
 * the two-step DMA thread, 2024); the behaviour is libphyr's, built from
 * Linux's pieces:
 *  - no IOMMU (or an identity domain) and every range's DMA address is its
 *    physical address (no bus offset, no encryption marker, within the
 *    mask, nothing forced to bounce): passthrough, the DMA list IS the CPU
 *    list (no copy, no allocation beyond the small mapping handle);
 *  - no IOMMU otherwise: each range goes through dma-direct (bus offset,
 *    bounce when needed), P2P BUS_ADDR ranges get their bus address: one
 *    DMA range per CPU range;
 *  - a DMA / DMA-FQ domain: ONE IOVA for every non-bus range, each range
 *    laid out at ALIGN(len + sub-granule offset) as map_sg does but with
 *    no boundary padding and no max_seg_size cap; neighbours that end and
 *    start on a granule boundary meet in IOVA space and are merged;
 *    bus-address ranges are separate entries; an untrusted device's
 *    unaligned ranges are bounced whole through swiotlb first.
 */

struct phyr_dma_phyr_map;

/** How a list was mapped. */
enum phyr_dma_phyr_mode {
	PHYR_DMA_PHYR_PASSTHROUGH = 0, /**< DMA list = the CPU list itself */
	PHYR_DMA_PHYR_DIRECT = 1,      /**< one DMA range per CPU range */
	PHYR_DMA_PHYR_IOMMU = 2,       /**< one IOVA, ranges merged where contiguous */
};

/**
 * struct phyr_dma_phyr_info - what a mapping holds.
 * @mode: how it was mapped.
 * @nruns: CPU ranges in. @ndma: DMA ranges out.
 * @nbus: ranges reached by P2P bus address. @nbounced: ranges bounced.
 * @iova, @iova_len: the IOVA allocation (IOMMU mode; 0 otherwise).
 * @held_bytes: long-term bytes of the mapping: the DMA list (0 when it is
 *              the CPU list) plus the bounce bookkeeping, not the handle.
 */
struct phyr_dma_phyr_info {
	enum phyr_dma_phyr_mode mode;
	size_t nruns;
	size_t ndma;
	size_t nbus;
	size_t nbounced;
	uint64_t iova;
	uint64_t iova_len;
	uint64_t held_bytes;
};

/**
 * phyr_dma_map_phyr() - map @nruns CPU ranges for DMA by @dev, on the path
 * the device owns. Every range whose pages are P2P is classified with the
 * machine's P2P map type for @dev (a range must not mix memory types).
 * The device's checker tracks every DMA range as a "phyr" mapping.
 * @cpu: the ranges (each len >= 1, no wrap); not copied: it must stay
 *       unchanged until phyr_dma_unmap_phyr(), since a passthrough mapping
 *       hands it back as the DMA list.
 * @out: the mapping (allocated with the device's allocator).
 * Return: 0; -EINVAL (bad arguments, mixed range, no DMA path, strict
 *         checker refusal); -EREMOTEIO (P2P memory this device cannot
 *         reach); -ENOMEM (no IOVA, no bounce slot, out of memory); -EIO
 *         (dma-direct could not map a range, as dma_direct_map_sg). On
 *         error nothing stays mapped, allocated or bounced.
 */
PHYR_EXPORT int phyr_dma_map_phyr(struct phyr_device *dev, const struct phyr *cpu, size_t nruns,
				  enum phyr_dma_data_direction dir, unsigned long attrs,
				  struct phyr_dma_phyr_map **out);

/**
 * phyr_dma_unmap_phyr() - unmap and free @m (bounce copy-back for
 * FROM_DEVICE / BIDIRECTIONAL, IOVA freed or queued, cache maintenance).
 * NULL does nothing.
 * Return: 0; -EINVAL (a strict checker refused: @m stays mapped).
 */
PHYR_EXPORT int phyr_dma_unmap_phyr(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
				    unsigned long attrs);

/**
 * phyr_dma_phyr_sync_for_cpu() / _for_device() - dma_sync_*_for_cpu /
 * _for_device over the whole mapping: bounced ranges are copied, cache
 * maintenance for non-coherent devices, bus-address ranges need nothing.
 * The checker sees one sync per DMA range.
 * Return: 0, -EINVAL (NULL, bad direction, strict checker refusal).
 */
PHYR_EXPORT int phyr_dma_phyr_sync_for_cpu(struct phyr_dma_phyr_map *m,
					   enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_phyr_sync_for_device(struct phyr_dma_phyr_map *m,
					      enum phyr_dma_data_direction dir);

/**
 * phyr_dma_phyr_list() - the DMA ranges of @m: pointer into @m (or the
 * caller's CPU list in passthrough mode), valid until the unmap.
 * @n: out, how many. A NULL @m gives NULL and *@n = 0.
 */
PHYR_EXPORT const struct phyr *phyr_dma_phyr_list(const struct phyr_dma_phyr_map *m, size_t *n);

/** phyr_dma_phyr_get_info() - fill @out (zeroed for a NULL @m). */
PHYR_EXPORT void phyr_dma_phyr_get_info(const struct phyr_dma_phyr_map *m,
					struct phyr_dma_phyr_info *out);

/* ------------------------------------------------------------------ */
/* Sizes and boundaries                                                */

/** phyr_dma_max_mapping_size() - dma_max_mapping_size(). SIZE_MAX for NULL. */
PHYR_EXPORT size_t phyr_dma_max_mapping_size(const struct phyr_device *dev);
/** phyr_dma_opt_mapping_size() - dma_opt_mapping_size(). SIZE_MAX for NULL. */
PHYR_EXPORT size_t phyr_dma_opt_mapping_size(const struct phyr_device *dev);
/** phyr_dma_get_merge_boundary() - dma_get_merge_boundary(): 0 = cannot merge (also for NULL). */
PHYR_EXPORT uint64_t phyr_dma_get_merge_boundary(const struct phyr_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_MAPPING_H */
