/* SPDX-License-Identifier: MIT */
/*
 * libphyr phyr_dma_map_phyr: a list of CPU physical ranges in, a list of
 * DMA ranges out, in one call, whatever the ranges are (system RAM, P2P
 * BARs reached by bus address or through the host bridge, pieces that
 * must bounce). This is the interface Jason Gunthorpe argues for in the
 * "Phyr Starter" thread (2022) and again for non-uniform RDMA / DMABUF /
 * ODP lists in the two-step DMA thread (2024); Linux never merged it, so
 * the behaviour is libphyr's, built from Linux's own pieces:
 *
 *  - no IOMMU (or an identity domain) and every range's DMA address is its
 *    physical address (no bus offset, no encryption marker, within the
 *    mask, nothing forced to bounce): passthrough, the DMA list IS the CPU
 *    list (no copy, no allocation beyond the small mapping handle);
 *  - no IOMMU otherwise: each range goes through dma-direct
 *    (dma_direct_map_phys: bus offset, bounce when needed), P2P BUS_ADDR
 *    ranges get their bus address: one DMA range per CPU range;
 *  - a DMA / DMA-FQ IOMMU domain: ONE IOVA for every non-bus range, each
 *    range laid out at ALIGN(len + sub-granule offset) as map_sg does but
 *    with no boundary padding and no max_seg_size cap; neighbours that end
 *    and start on a granule boundary meet in IOVA space and are merged, so
 *    a list whose interior boundaries are granule aligned comes out as one
 *    DMA range; bus-address ranges are separate entries; an untrusted
 *    device's unaligned ranges are bounced whole through swiotlb first.
 *
 * How it differs from phyr_dma_map_sg on the same input is in
 * docs/dma-two-step.md.
 */
#ifndef PHYR_DMA_PHYR_H
#define PHYR_DMA_PHYR_H

#include <phyr/common.h>
#include <phyr/dma-debug.h>
#include <phyr/dma-iova.h>
#include <phyr/device.h>
#include <phyr/list.h>

#ifdef __cplusplus
extern "C" {
#endif

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
 * phyr_dma_map_phyr() - map @nruns CPU ranges for DMA by @dev.
 * @dev: the device.
 * @iommu: its dma-iommu attachment, NULL when it has none (an identity
 *         domain counts as none).
 * @cpu: the ranges (each len >= 1, no wrap); not copied: it must stay
 *       unchanged until phyr_dma_unmap_phyr(), since a passthrough mapping
 *       hands it back as the DMA list.
 * @dir, @attrs: as for every DMA mapping.
 * @debug: dma-debug checker (NULL: @iommu's, if any); every DMA range is
 *         tracked as a "phyr" mapping.
 * @a: allocator for the handle and the DMA list (NULL = malloc).
 * @out: the mapping.
 * Every range whose pages are P2P is classified with the machine's P2P map
 * type for @dev (a range must not mix memory types).
 * Return: 0; -EINVAL (bad arguments, mixed range, strict checker refusal);
 *         -EREMOTEIO (P2P memory this device cannot reach); -ENOMEM (no
 *         IOVA, no bounce slot, out of memory); -EIO (dma-direct could
 *         not map a range, as dma_direct_map_sg). On error nothing stays
 *         mapped, allocated or bounced.
 */
PHYR_EXPORT int phyr_dma_map_phyr(struct phyr_device *dev, struct phyr_dma_iommu *iommu,
				  const struct phyr *cpu, size_t nruns,
				  enum phyr_dma_data_direction dir, unsigned long attrs,
				  struct phyr_dma_debug *debug, const struct phyr_allocator *a,
				  struct phyr_dma_phyr_map **out);

/**
 * phyr_dma_unmap_phyr() - undo @m and free it: IOMMU: one unmap of the
 * IOVA range and one IOVA free (queued on DMA-FQ), bounce slots released
 * with copy-back; direct: each range unmapped; passthrough: cache
 * maintenance only. NULL does nothing.
 * Return: 0; -EINVAL (a strict checker refused: @m stays mapped).
 */
PHYR_EXPORT int phyr_dma_unmap_phyr(struct phyr_dma_phyr_map *m, enum phyr_dma_data_direction dir,
				    unsigned long attrs);

/**
 * phyr_dma_phyr_sync_for_cpu() / _for_device() - dma_sync_*_for_cpu /
 * _for_device over the whole mapping: bounced ranges are copied (bounce ->
 * CPU for FROM_DEVICE / BIDIRECTIONAL, CPU -> bounce for TO_DEVICE /
 * BIDIRECTIONAL), a non-coherent device's caches maintained; P2P
 * bus-address ranges need nothing. The checker sees one sync per DMA range.
 * Return: 0, -EINVAL (NULL, bad direction, strict checker refusal).
 */
PHYR_EXPORT int phyr_dma_phyr_sync_for_cpu(struct phyr_dma_phyr_map *m,
					   enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_phyr_sync_for_device(struct phyr_dma_phyr_map *m,
					      enum phyr_dma_data_direction dir);

/**
 * phyr_dma_phyr_list() - the DMA ranges of @m: pointer into @m (or the
 * caller's CPU list in passthrough mode), valid until the unmap.
 * @n: out, how many.
 */
PHYR_EXPORT const struct phyr *phyr_dma_phyr_list(const struct phyr_dma_phyr_map *m, size_t *n);

/** phyr_dma_phyr_get_info() - fill @out. */
PHYR_EXPORT void phyr_dma_phyr_get_info(const struct phyr_dma_phyr_map *m,
					struct phyr_dma_phyr_info *out);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_PHYR_H */
