/* SPDX-License-Identifier: MIT */
/*
 * libphyr dma-iommu, single mappings and the two-step IOVA API.
 *
 * A struct phyr_dma_iommu is one device's DMA-API view of an IOMMU
 * domain: Linux's iommu_dma_cookie (IOVA domain + flush queue, here the
 * mock IOMMU domain's) plus the device's pci_32bit_workaround flag. It
 * owns the IOMMU domain and the IOVA domain it creates, wires the flush
 * queue's release to free_iova_fast, and attaches the domain to the device
 * so the device's DMA engine translates through it.
 *
 * Reproduced exactly from Linux v6.17 drivers/iommu/dma-iommu.c (spec 3.3,
 * 3.4, 3.5, 3.8, B7, B16, B17):
 *  - iommu_dma_alloc_iova: the limit is min_not_zero(mask, bus_dma_limit),
 *    clamped to the aperture if forced; PCI devices try the 32-bit space
 *    first without flushing the range caches and, on the first failure,
 *    switch to the full limit for good ("Using N-bit DMA addresses");
 *  - __iommu_dma_map / __iommu_dma_unmap: sub-granule offset preserved,
 *    ALIGN(size + offset) mapped, min_align_mask above the granule refused,
 *    IOVA freed at once on a map failure, and on unmap freed through the
 *    flush queue (DMA-FQ domains) or at once after the IOTLB sync (strict);
 *  - iommu_dma_map_phys/page: untrusted devices bounce unaligned buffers
 *    through swiotlb with alloc_align_mask = granule - 1 and zero the
 *    padding of the bounce granule; unmap finds the bounce slot by
 *    iova_to_phys and releases it (copy-back per direction);
 *  - the two-step API: try_alloc (offset of @phys only), link (only the
 *    first link may start unaligned: -EIO; swiotlb links bounce the
 *    unaligned head and tail granules of untrusted devices and set
 *    DMA_IOVA_USE_SWIOTLB; no IOTLB sync), sync (the driver's sync_map),
 *    unlink / destroy (slow path through iova_to_phys when bounced or
 *    non-coherent; destroy frees the IOVA with the UNMAPPED size, B16) and
 *    free (ALIGN(size + pad)).
 * Mapping failures are -ENOMEM, as DMA_MAPPING_ERROR is for
 * dma_mapping_error(); see docs/dma-two-step.md.
 *
 * Threads: the IOVA and IOMMU domains lock themselves, but an attachment's
 * calling CPU, 32-bit flag and counters do not: use one attachment from
 * one thread at a time (set the CPU with phyr_dma_iommu_set_cpu()).
 */
#ifndef PHYR_DMA_IOVA_H
#define PHYR_DMA_IOVA_H

#include <phyr/common.h>
#include <phyr/dma-debug.h>
#include <phyr/device.h>
#include <phyr/iommu.h>
#include <phyr/iova.h>
#include <phyr/scatterlist.h>
#include <phyr/swiotlb.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_dma_iommu;

/** DMA_IOVA_USE_SWIOTLB: bit 63 of the state's size, set once a link bounced. */
#define PHYR_DMA_IOVA_USE_SWIOTLB (UINT64_C(1) << 63)

/**
 * struct phyr_dma_iova_state - struct dma_iova_state: @addr the IOVA of
 * byte 0 (with the sub-granule offset of try_alloc's @phys), @size the
 * size asked for with PHYR_DMA_IOVA_USE_SWIOTLB in bit 63. 16 bytes.
 */
struct phyr_dma_iova_state {
	uint64_t addr;
	uint64_t size;
};

/**
 * struct phyr_dma_iommu_resv - an IOVA range reserved at domain init
 * (PCI host-bridge windows, MSI doorbells, dma_ranges gaps): [@start, @end].
 */
struct phyr_dma_iommu_resv {
	uint64_t start;
	uint64_t end;
};

/**
 * struct phyr_dma_iommu_config - zero = defaults.
 * @domain: options of the IOMMU domain created (NULL = strict DMA, ARM
 *          LPAE 4K, 48 bits); the release hook is libphyr's. IDENTITY
 *          makes a passthrough device (the dma-iommu calls refuse).
 * @iova: IOVA domain options (NULL = Linux's).
 * @aperture_start: domain geometry: start_pfn = max(1, start >> shift).
 * @aperture_end: 0 = none. @force_aperture: clamp every IOVA limit to it.
 * @forcedac: iommu.forcedac=1: no 32-bit-first attempt.
 * @resv: @nresv ranges reserved in the IOVA space (reserve_iova).
 * @swiotlb: the bounce pool for untrusted devices (NULL = bounce buffers
 *           inactive). Its memory hook should be the machine's memory.
 * @debug: dma-debug checker called by every map/unmap/sync (NULL = none).
 */
struct phyr_dma_iommu_config {
	const struct phyr_iommu_domain_opts *domain;
	const struct phyr_iova_config *iova;
	uint64_t aperture_start;
	uint64_t aperture_end;
	bool force_aperture;
	bool forcedac;
	const struct phyr_dma_iommu_resv *resv;
	size_t nresv;
	struct phyr_swiotlb *swiotlb;
	struct phyr_dma_debug *debug;
};

/**
 * struct phyr_dma_iommu_stats - counters.
 * @niova_allocs: iommu_dma_alloc_iova calls; @niova_alloc_fails: of which failed.
 * @nsac_fallbacks: 32-bit-first attempts that failed (at most 1: the switch).
 * @dac_bits: bits_per(dma_limit) printed by "Using %d-bit DMA addresses" (0 = never).
 * @niova_frees: IOVAs given back at once (map failure, dma_iova_free).
 * @nmaps, @nmap_errors, @nunmaps: single mappings (__iommu_dma_map/_unmap).
 * @nunmap_short: unmaps that unmapped less than asked (Linux WARNs).
 * @nbounced: single mappings and links that bounced through swiotlb.
 * @nbounce_errors: bounces refused (inactive swiotlb, pool full).
 * @nlinks, @nlink_errors: dma_iova_link calls / of which failed.
 * @nsync_map: driver sync_map calls (iommu_map, dma_iova_sync); links make none.
 * @nunlinks, @ndestroys, @nfrees: two-step teardown calls.
 * @ncache_clean, @ncache_invalidate: cache maintenance of non-coherent devices.
 * @nrefused: calls refused by a strict dma-debug checker.
 */
struct phyr_dma_iommu_stats {
	uint64_t niova_allocs;
	uint64_t niova_alloc_fails;
	uint64_t nsac_fallbacks;
	int dac_bits;
	uint64_t niova_frees;
	uint64_t nmaps;
	uint64_t nmap_errors;
	uint64_t nunmaps;
	uint64_t nunmap_short;
	uint64_t nbounced;
	uint64_t nbounce_errors;
	uint64_t nlinks;
	uint64_t nlink_errors;
	uint64_t nsync_map;
	uint64_t nunlinks;
	uint64_t ndestroys;
	uint64_t nfrees;
	uint64_t ncache_clean;
	uint64_t ncache_invalidate;
	uint64_t nrefused;
};

/* ------------------------------------------------------------------ */
/* Setup                                                               */

/**
 * phyr_dma_iommu_create() - iommu_setup_dma_ops() + iommu_dma_init_domain()
 * for @dev: create the IOMMU domain and (paging domains) its IOVA domain
 * with granule = smallest page size, start_pfn = max(1, aperture_start >>
 * shift), reserve @cfg->resv, set pci_32bit_workaround (PCI devices unless
 * forcedac) and attach the domain to @dev (phyr_device_attach_iommu_domain)
 * so the device's data path translates through it.
 * @dev: the device (must outlive the object). @cfg: NULL = defaults.
 * @a: allocator (NULL = malloc). @out: the new object.
 * Return: 0, -EINVAL (NULL, a granule above 4 KiB, a bad option), -ENOMEM.
 */
PHYR_EXPORT int phyr_dma_iommu_create(struct phyr_device *dev,
				      const struct phyr_dma_iommu_config *cfg,
				      const struct phyr_allocator *a, struct phyr_dma_iommu **out);

/**
 * phyr_dma_iommu_destroy() - detach from the device and free both domains.
 * With a dma-debug checker, mappings of the device still tracked are
 * reported as a leak first (phyr_dma_debug_teardown). NULL: no-op.
 */
PHYR_EXPORT void phyr_dma_iommu_destroy(struct phyr_dma_iommu *d);

/** The IOMMU domain (owned by @d). */
PHYR_EXPORT struct phyr_iommu_domain *phyr_dma_iommu_domain(struct phyr_dma_iommu *d);
/** The IOVA domain (owned by @d; NULL for an identity domain). */
PHYR_EXPORT struct phyr_iova_domain *phyr_dma_iommu_iovad(struct phyr_dma_iommu *d);
/** The device. */
PHYR_EXPORT struct phyr_device *phyr_dma_iommu_device(struct phyr_dma_iommu *d);
/** The IOVA granule in bytes (0 for an identity domain). */
PHYR_EXPORT uint64_t phyr_dma_iommu_granule(const struct phyr_dma_iommu *d);
/** use_dma_iommu(): the domain is a DMA or DMA-FQ domain. */
PHYR_EXPORT bool phyr_dma_iommu_is_dma(const struct phyr_dma_iommu *d);
/** dev->iommu->pci_32bit_workaround now. */
PHYR_EXPORT bool phyr_dma_iommu_pci_32bit_workaround(const struct phyr_dma_iommu *d);
/** Set the calling CPU (range caches, flush-queue ring). Return: 0, -EINVAL (out of range). */
PHYR_EXPORT int phyr_dma_iommu_set_cpu(struct phyr_dma_iommu *d, unsigned int cpu);
/** Copy the counters into @out. */
PHYR_EXPORT void phyr_dma_iommu_get_stats(const struct phyr_dma_iommu *d,
					  struct phyr_dma_iommu_stats *out);

/** dma_info_to_prot(): IOMMU prot bits for @dir, coherence and PRIVILEGED in @attrs. */
PHYR_EXPORT int phyr_dma_info_to_prot(enum phyr_dma_data_direction dir, bool coherent,
				      unsigned long attrs);

/* ------------------------------------------------------------------ */
/* IOVA space and single mappings                                      */

/**
 * phyr_dma_iommu_alloc_iova() - iommu_dma_alloc_iova(): @size bytes
 * (granule multiple) below @dma_limit (bytes, inclusive); 32-bit space
 * first for PCI devices until that fails once.
 * Return: 0 with *@iova set, -ENOMEM (no space: Linux's 0), -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iommu_alloc_iova(struct phyr_dma_iommu *d, uint64_t size,
					  uint64_t dma_limit, uint64_t *iova);

/** phyr_dma_iommu_free_iova() - iommu_dma_free_iova() without a gather: free_iova_fast now. */
PHYR_EXPORT int phyr_dma_iommu_free_iova(struct phyr_dma_iommu *d, uint64_t iova, uint64_t size);

/**
 * phyr_dma_iommu_map() - __iommu_dma_map(): map [@phys, +@size) with
 * @prot below @dma_mask; *@dma = IOVA + the sub-granule offset of @phys.
 * Return: 0; -ENOMEM (min_align_mask above the granule, no IOVA, map
 *         failed: nothing left allocated); -EINVAL (NULL, size 0,
 *         identity domain).
 */
PHYR_EXPORT int phyr_dma_iommu_map(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size,
				   int prot, uint64_t dma_mask, uint64_t *dma);

/**
 * phyr_dma_iommu_unmap() - __iommu_dma_unmap(): unmap ALIGN(@size + off)
 * at @dma - off and free the IOVA (queued on DMA-FQ domains).
 * Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iommu_unmap(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size);

/**
 * phyr_dma_iommu_map_phys() - iommu_dma_map_phys() / map_page(): bounce
 * if the device is untrusted and (@phys | @size) is not granule aligned,
 * clean caches of a non-coherent device, then __iommu_dma_map with
 * dma_get_mask(). Calls the dma-debug map hook on success.
 * Return: 0; -ENOMEM (mapping error, bounce slot released); -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iommu_map_phys(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size,
					enum phyr_dma_data_direction dir, unsigned long attrs,
					uint64_t *dma);

/**
 * phyr_dma_iommu_unmap_phys() - iommu_dma_unmap_phys(): dma-debug check,
 * iova_to_phys(@dma), cache invalidate, __iommu_dma_unmap, then release the
 * bounce slot if the translation pointed into the pool (copy-back for
 * FROM_DEVICE / BIDIRECTIONAL unless SKIP_CPU_SYNC).
 * Return: 0; -ENOENT (@dma not mapped: Linux WARNs and returns);
 *         -EINVAL (bad arguments, or refused by a strict checker).
 */
PHYR_EXPORT int phyr_dma_iommu_unmap_phys(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
					  enum phyr_dma_data_direction dir, unsigned long attrs);

/** phyr_dma_iommu_map_resource() - iommu_dma_map_resource(): non-coherent prot | MMIO, no bounce. Errors as map_phys. */
PHYR_EXPORT int phyr_dma_iommu_map_resource(struct phyr_dma_iommu *d, uint64_t phys,
					    uint64_t size, enum phyr_dma_data_direction dir,
					    unsigned long attrs, uint64_t *dma);
/** phyr_dma_iommu_unmap_resource() - iommu_dma_unmap_resource(). Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_dma_iommu_unmap_resource(struct phyr_dma_iommu *d, uint64_t dma,
					      uint64_t size, enum phyr_dma_data_direction dir,
					      unsigned long attrs);

/**
 * phyr_dma_iommu_sync_for_cpu() / _for_device() - iommu_dma_sync_single_*:
 * nothing for a coherent trusted device; else cache maintenance and the
 * swiotlb copy when the IOVA translates into the bounce pool.
 * Return: 0, -EINVAL (bad arguments, strict checker refusal).
 */
PHYR_EXPORT int phyr_dma_iommu_sync_for_cpu(struct phyr_dma_iommu *d, uint64_t dma,
					    uint64_t size, enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_iommu_sync_for_device(struct phyr_dma_iommu *d, uint64_t dma,
					       uint64_t size, enum phyr_dma_data_direction dir);

/**
 * phyr_dma_iommu_map_sg() - dma_map_sg() through this attachment:
 * trusted devices get Linux's iommu_dma_map_sg of <phyr/dma-iommu.h> (one
 * IOVA, boundary padding, __finalise_sg merging) on this domain, with the
 * device's mask, bus limit, segment boundary, max segment size and P2P
 * map types; untrusted devices get iommu_dma_map_sg_swiotlb (each entry
 * mapped alone, bounced if unaligned, first entry flagged
 * PHYR_SG_DMA_SWIOTLB, @nents segments). The checker sees
 * debug_dma_map_sg.
 * @L, @sgl, @nents: the list. @count: out, the DMA segments.
 * Return: 0; -ENOMEM (no IOVA), -EREMOTEIO (unreachable P2P page),
 *         -EIO (an untrusted entry failed), -EINVAL (mapping failed, bad
 *         arguments, strict checker refusal). On error nothing stays
 *         mapped and the list's CPU side is as given.
 */
PHYR_EXPORT int phyr_dma_iommu_map_sg(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
				      struct phyr_scatterlist *sgl, int nents,
				      enum phyr_dma_data_direction dir, unsigned long attrs,
				      int *count);

/**
 * phyr_dma_iommu_unmap_sg() - dma_unmap_sg() of a list mapped by
 * phyr_dma_iommu_map_sg(), with the @nents given to map.
 * Return: 0, -EINVAL (bad arguments, strict checker refusal: still mapped).
 */
PHYR_EXPORT int phyr_dma_iommu_unmap_sg(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
					struct phyr_scatterlist *sgl, int nents,
					enum phyr_dma_data_direction dir, unsigned long attrs);

/** phyr_dma_iommu_mapping_error() - the driver's dma_mapping_error(@dma): tells the checker. Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_dma_iommu_mapping_error(struct phyr_dma_iommu *d, uint64_t dma);

/** iommu_dma_get_merge_boundary(): granule - 1. */
PHYR_EXPORT uint64_t phyr_dma_iommu_get_merge_boundary(const struct phyr_dma_iommu *d);
/** iommu_dma_opt_mapping_size(): iova_rcache_range() = 128 KiB. */
PHYR_EXPORT uint64_t phyr_dma_iommu_opt_mapping_size(const struct phyr_dma_iommu *d);
/** iommu_dma_max_mapping_size(): swiotlb_max_mapping_size for untrusted devices, else SIZE_MAX. */
PHYR_EXPORT uint64_t phyr_dma_iommu_max_mapping_size(const struct phyr_dma_iommu *d);

/* ------------------------------------------------------------------ */
/* Two-step API                                                        */

/** dma_use_iova(): the state holds an IOVA allocation. */
PHYR_EXPORT bool phyr_dma_use_iova(const struct phyr_dma_iova_state *state);
/** dma_iova_size(): the size without the swiotlb bit. */
PHYR_EXPORT uint64_t phyr_dma_iova_size(const struct phyr_dma_iova_state *state);

/**
 * phyr_dma_iova_try_alloc() - dma_iova_try_alloc(): zero @state, then
 * allocate ALIGN(@size + (@phys & (granule - 1))) bytes of IOVA with
 * dma_get_mask(); @phys only gives the offset.
 * Return: 0 (state->addr = IOVA + offset, state->size = @size);
 *         -EOPNOTSUPP (not a DMA domain: use the classic API);
 *         -EINVAL (@size 0 or with bit 63 set, NULL); -ENOMEM (no IOVA).
 */
PHYR_EXPORT int phyr_dma_iova_try_alloc(struct phyr_dma_iommu *d,
					struct phyr_dma_iova_state *state, uint64_t phys,
					uint64_t size);

/**
 * phyr_dma_iova_link() - dma_iova_link(): map [@phys, +@size) at
 * state->addr + @offset without an IOTLB sync (call phyr_dma_iova_sync).
 * Return: 0; -EIO (@phys unaligned and @offset > 0: only the first link
 *         may start unaligned); -ENOMEM (bounce failed); errors of
 *         iommu_map_nosync (-EINVAL misaligned, -EEXIST, -ERANGE,
 *         -ENOMEM). A failed swiotlb link unlinks what it mapped the way
 *         Linux does: dma_iova_unlink(state, 0, mapped), i.e. from offset 0
 *         of the state whatever @offset was (a Linux quirk, reproduced).
 *         An untrusted device without min_align_mask cannot bounce an
 *         unaligned head: the slot loses the offset and the map of
 *         (slot - pad) is unaligned, -EINVAL (Linux's result too).
 */
PHYR_EXPORT int phyr_dma_iova_link(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
				   uint64_t phys, uint64_t offset, uint64_t size,
				   enum phyr_dma_data_direction dir, unsigned long attrs);

/** phyr_dma_iova_sync() - dma_iova_sync(): the driver's sync_map over the granules of [@offset, +@size). Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_dma_iova_sync(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
				   uint64_t offset, uint64_t size);

/**
 * phyr_dma_iova_unlink() - dma_iova_unlink(): unmap the granules of
 * [@offset, +@size) (slow path first: bounce slots released with
 * copy-back, caches invalidated), IOTLB sync now, IOVA kept.
 * Return: 0, -EINVAL (bad arguments, strict checker refusal).
 */
PHYR_EXPORT int phyr_dma_iova_unlink(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
				     uint64_t offset, uint64_t size,
				     enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_dma_iova_destroy() - dma_iova_destroy(): unlink [0, @mapped_len)
 * and free the IOVA with the unmapped size ALIGN(@mapped_len + pad)
 * (queued on DMA-FQ domains); @mapped_len 0 = phyr_dma_iova_free().
 * The state is zeroed. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iova_destroy(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state,
				      uint64_t mapped_len, enum phyr_dma_data_direction dir,
				      unsigned long attrs);

/**
 * phyr_dma_iova_free() - dma_iova_free(): free ALIGN(size + pad) of IOVA at
 * addr - pad now (links must be gone). The state is zeroed. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_iova_free(struct phyr_dma_iommu *d, struct phyr_dma_iova_state *state);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_IOVA_H */
