/* SPDX-License-Identifier: MIT */
/*
 * libphyr dma-iommu: the DMA-API side of an IOMMU domain, one object.
 *
 * struct phyr_iommu_dma_cookie is Linux's struct iommu_dma_cookie together
 * with the IOMMU domain it belongs to: the mock IOMMU domain (page table,
 * IOTLB, flush queue), its IOVA domain, the domain geometry and the swiotlb
 * pool untrusted devices bounce through. A cookie is created once per
 * domain; every device of the IOMMU group attaches to it with
 * phyr_iommu_setup_dma_ops() (Linux's iommu_setup_dma_ops()), which stores
 * a typed pointer in the device. From then on the generic DMA API of
 * <phyr/dma-mapping.h> takes the dma-iommu path for that device; the
 * functions below are that path (Linux's iommu_dma_* ops), called by the
 * dispatch, and usable directly (they do no dma-debug checks and count no
 * device-level mapping calls: the dispatch does).
 *
 * Reproduced exactly from Linux v6.17 drivers/iommu/dma-iommu.c (spec 3.3
 * to 3.8, B7, B9, B16, B17; docs/mapsg.md, docs/dma-two-step.md):
 *  - iommu_dma_alloc_iova: limit = min_not_zero(mask, bus_dma_limit),
 *    clamped to the aperture end when the geometry forces it; a PCI
 *    device tries the 32-bit space first (only when the limit is above
 *    32 bits) and, on the first failure, switches to the full limit for
 *    good ("Using N-bit DMA addresses");
 *  - __iommu_dma_map / __iommu_dma_unmap, iommu_dma_map_phys / unmap_phys
 *    (untrusted devices bounce unaligned buffers through swiotlb with
 *    alloc_align_mask = granule - 1), map_resource, the single syncs;
 *  - iommu_dma_map_sg (one IOVA for the list, boundary padding charged to
 *    the previous entry, iommu_map_sg over the contiguous runs,
 *    __finalise_sg merging, the P2P bus-address entries, the restored list
 *    on error) and iommu_dma_map_sg_swiotlb for untrusted devices;
 *  - the two-step API's IOVA and link logic (see <phyr/dma-mapping.h>).
 *
 * Defaults (a zeroed config): a strict DMA domain with an ARM LPAE 4 KiB
 * stage-1 table of 48 bits, and an aperture equal to what that table can
 * map, as Linux's domain geometry is (aperture_end = 2^ias - 1), so the
 * DAC fallback can never land above the table.
 *
 * Threads (the contract of <phyr/iommu.h>, Linux's): a cookie may be used
 * by several devices and threads at once; concurrent map/unmap of disjoint
 * ranges is legal. The IOMMU domain locks itself (one lock per domain);
 * the cookie's IOVA domain is always created threaded (per-CPU range-cache
 * locks, one tree lock, as Linux's iovad), whatever @iova says; the
 * cookie's counters are updated atomically (read them once the threads
 * are done for a consistent set); attaching and detaching devices
 * (phyr_iommu_setup_dma_ops / _teardown_dma_ops) is safe while other
 * devices map, since each device carries its own pointer to the cookie
 * and the cookie's device list has its own lock. What is per caller: the
 * calling CPU is the device's (phyr_device_set_cpu(), Linux's
 * smp_processor_id()), so a device is used by one thread at a time, and
 * threads mapping at once use their own devices with distinct CPUs.
 * Creating and destroying the cookie need it idle.
 */
#ifndef PHYR_DMA_IOMMU_H
#define PHYR_DMA_IOMMU_H

#include <phyr/common.h>
#include <phyr/device.h>
#include <phyr/iommu.h>
#include <phyr/iova.h>
#include <phyr/scatterlist.h>
#include <phyr/swiotlb.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_iommu_dma_cookie;

/**
 * phyr_iommu_dma_p2p_fn - an override of pci_p2pdma_state() for the page of
 * one entry (conformance harnesses that describe P2P entries by their bus
 * offset instead of building providers).
 * @ctx: the hook's context. @pfn, @pgmap: the entry's page (pgmap 0 = RAM).
 * @bus_offset: out, for BUS_ADDR: bus address minus CPU physical address.
 * Returns Linux's enum pci_p2pdma_map_type value: 1 NONE, 2 NOT_SUPPORTED,
 * 3 BUS_ADDR, 4 THRU_HOST_BRIDGE (anything else is treated as unsupported).
 */
typedef int (*phyr_iommu_dma_p2p_fn)(void *ctx, uint64_t pfn, unsigned int pgmap,
				     uint64_t *bus_offset);

/** Values a phyr_iommu_dma_p2p_fn returns (enum pci_p2pdma_map_type). */
#define PHYR_IOMMU_DMA_P2P_NONE 1
#define PHYR_IOMMU_DMA_P2P_NOT_SUPPORTED 2
#define PHYR_IOMMU_DMA_P2P_BUS_ADDR 3
#define PHYR_IOMMU_DMA_P2P_THRU_HOST_BRIDGE 4

/**
 * struct phyr_iommu_dma_resv - an IOVA range reserved at domain init
 * (PCI host-bridge windows, MSI doorbells, dma_ranges gaps): [@start, @end].
 */
struct phyr_iommu_dma_resv {
	uint64_t start;
	uint64_t end;
};

/**
 * struct phyr_iommu_dma_config - a DMA domain; zero = Linux's defaults.
 * @domain: options of the IOMMU domain created (NULL = a strict DMA
 *          domain, ARM LPAE 4K, 48 bits). Its type must be DMA or DMA_FQ
 *          (a zeroed opts is DMA); an identity or blocked domain has no
 *          cookie in Linux: -EINVAL. The release hook is the cookie's.
 * @iova: IOVA domain options (NULL = Linux's); @threaded is forced on.
 * @aperture_start: domain geometry: start_pfn = max(1, start >> shift).
 * @aperture_end: the last IOVA the domain can translate; 0 = what the
 *          page table can map (2^ias - 1; none for the record format).
 * @force_aperture: clamp every IOVA limit to @aperture_end (Linux's
 *          geometry.force_aperture, true for the drivers modelled: a zero
 *          config forces it). @no_force_aperture turns it off.
 * @no_force_aperture: see above.
 * @forcedac: iommu.forcedac=1: no 32-bit-first attempt.
 * @resv: @nresv ranges reserved in the IOVA space (reserve_iova).
 * @swiotlb: the bounce pool of untrusted devices (NULL = bounce buffers
 *           inactive). Its memory hook should be the machine's memory.
 * @p2p, @p2p_ctx: P2P classification override (NULL = the machine's
 *           P2PDMA state machine for the device).
 */
struct phyr_iommu_dma_config {
	const struct phyr_iommu_domain_opts *domain;
	const struct phyr_iova_config *iova;
	uint64_t aperture_start;
	uint64_t aperture_end;
	bool force_aperture;
	bool no_force_aperture;
	bool forcedac;
	const struct phyr_iommu_dma_resv *resv;
	size_t nresv;
	struct phyr_swiotlb *swiotlb;
	phyr_iommu_dma_p2p_fn p2p;
	void *p2p_ctx;
};

/**
 * struct phyr_iommu_dma_stats - counters of one cookie (all its devices).
 * @niova_allocs: iommu_dma_alloc_iova calls; @niova_alloc_fails: of which failed.
 * @nsac_fallbacks: 32-bit-first attempts that failed (one per device at most).
 * @dac_bits: bits_per(dma_limit) printed by "Using %d-bit DMA addresses" (0 = never).
 * @niova_frees: IOVAs given back at once (map failure, dma_iova_free).
 * @niova_bytes: bytes of IOVA asked for.
 * @nmaps, @nmap_errors, @nunmaps: single mappings (__iommu_dma_map/_unmap).
 * @nunmap_short: unmaps that unmapped less than asked (Linux WARNs).
 * @nbounced: single mappings, sg entries and links that bounced through swiotlb.
 * @nbounce_errors: bounces refused (inactive swiotlb, pool full).
 * @nmap_sg, @nmap_sg_errors, @nunmap_sg: map_sg / unmap_sg calls.
 * @nsegs_in, @nsegs_out: entries handed to successful map_sg calls / DMA
 *	segments they returned.
 * @nbus_entries: P2P bus-address entries of map_sg.
 * @npad_bytes: boundary padding charged to map_sg entries.
 * @last_iova, @last_iova_len: the IOVA base and size of the last map_sg
 *	(0 when it needed none).
 * @nlinks, @nlink_errors: dma_iova_link calls / of which failed.
 * @nsync_map: driver sync_map calls (iommu_map, dma_iova_sync); links make none.
 * @nunlinks, @ndestroys, @nfrees: two-step teardown calls.
 * @ncache_clean, @ncache_invalidate: cache maintenance of non-coherent devices.
 */
struct phyr_iommu_dma_stats {
	uint64_t niova_allocs;
	uint64_t niova_alloc_fails;
	uint64_t nsac_fallbacks;
	int dac_bits;
	uint64_t niova_frees;
	uint64_t niova_bytes;
	uint64_t nmaps;
	uint64_t nmap_errors;
	uint64_t nunmaps;
	uint64_t nunmap_short;
	uint64_t nbounced;
	uint64_t nbounce_errors;
	uint64_t nmap_sg;
	uint64_t nmap_sg_errors;
	uint64_t nunmap_sg;
	uint64_t nsegs_in;
	uint64_t nsegs_out;
	uint64_t nbus_entries;
	uint64_t npad_bytes;
	uint64_t last_iova;
	uint64_t last_iova_len;
	uint64_t nlinks;
	uint64_t nlink_errors;
	uint64_t nsync_map;
	uint64_t nunlinks;
	uint64_t ndestroys;
	uint64_t nfrees;
	uint64_t ncache_clean;
	uint64_t ncache_invalidate;
};

/* ------------------------------------------------------------------ */
/* The cookie and the devices attached to it                           */

/**
 * phyr_iommu_dma_cookie_create() - an IOMMU DMA domain with its cookie
 * (iommu_get_dma_cookie() + iommu_dma_init_domain()): the IOMMU domain and
 * its IOVA domain with granule = the smallest page size and start_pfn =
 * max(1, aperture_start >> shift), @cfg->resv reserved.
 * @cfg: NULL = defaults. @a: allocator (NULL = malloc); must outlive the
 * cookie. @out: the new cookie.
 * Return: 0; -EINVAL (NULL @out, a domain type other than DMA / DMA_FQ,
 *         @nresv without @resv, a reserved range with end < start, both
 *         @force_aperture and @no_force_aperture, bad domain options);
 *         -ENOMEM.
 */
PHYR_EXPORT int phyr_iommu_dma_cookie_create(const struct phyr_iommu_dma_config *cfg,
					     const struct phyr_allocator *a,
					     struct phyr_iommu_dma_cookie **out);

/**
 * phyr_iommu_dma_cookie_destroy() - detach every device still attached
 * (phyr_iommu_teardown_dma_ops()), release what the flush queue holds,
 * free both domains. NULL: no-op.
 */
PHYR_EXPORT void phyr_iommu_dma_cookie_destroy(struct phyr_iommu_dma_cookie *c);

/**
 * phyr_iommu_setup_dma_ops() - iommu_setup_dma_ops(): attach @dev to the
 * domain of @c. The device's DMA API then goes through dma-iommu, its data
 * path translates through the IOMMU domain, and pci_32bit_workaround is
 * armed for a PCI device unless the cookie has forcedac. A device attached
 * elsewhere is detached first.
 * Return: 0; -EINVAL (NULL); -ENOMEM.
 */
PHYR_EXPORT int phyr_iommu_setup_dma_ops(struct phyr_device *dev,
					 struct phyr_iommu_dma_cookie *c);

/**
 * phyr_iommu_teardown_dma_ops() - the driver lets go of @dev: the dma-debug
 * checker of the device, if any, reports what is still mapped as a leak,
 * then the device is detached (back on dma-direct). NULL or a device not
 * attached: no-op.
 */
PHYR_EXPORT void phyr_iommu_teardown_dma_ops(struct phyr_device *dev);

/** phyr_iommu_dma_get_cookie() - the cookie @dev is attached to, NULL if none. */
PHYR_EXPORT struct phyr_iommu_dma_cookie *phyr_iommu_dma_get_cookie(const struct phyr_device *dev);

/** The IOMMU domain (owned by @c); NULL for NULL. */
PHYR_EXPORT struct phyr_iommu_domain *phyr_iommu_dma_cookie_domain(struct phyr_iommu_dma_cookie *c);
/** The IOVA domain (owned by @c); NULL for NULL. */
PHYR_EXPORT struct phyr_iova_domain *phyr_iommu_dma_cookie_iovad(struct phyr_iommu_dma_cookie *c);
/** The IOVA granule in bytes; 0 for NULL. */
PHYR_EXPORT uint64_t phyr_iommu_dma_cookie_granule(const struct phyr_iommu_dma_cookie *c);
/** The number of devices attached now; 0 for NULL. */
PHYR_EXPORT unsigned int phyr_iommu_dma_cookie_ndevices(const struct phyr_iommu_dma_cookie *c);
/** Copy the counters into @out (zeros for a NULL @c; NULL @out: no-op). */
PHYR_EXPORT void phyr_iommu_dma_get_stats(const struct phyr_iommu_dma_cookie *c,
					  struct phyr_iommu_dma_stats *out);
/** dev->iommu->pci_32bit_workaround now (false when not attached). */
PHYR_EXPORT bool phyr_iommu_dma_pci_32bit_workaround(const struct phyr_device *dev);

/** dma_info_to_prot(): IOMMU prot bits for @dir, coherence and PRIVILEGED in @attrs. */
PHYR_EXPORT int phyr_dma_info_to_prot(enum phyr_dma_data_direction dir, bool coherent,
				      unsigned long attrs);

/* ------------------------------------------------------------------ */
/* The dma-iommu ops (every function: -EINVAL when @dev is NULL or not  */
/* attached, or for a bad direction)                                   */

/**
 * phyr_iommu_dma_alloc_iova() - iommu_dma_alloc_iova(): @size >> shift
 * granules (Linux truncates a size that is not a granule multiple) below @dma_limit (bytes, inclusive; 0 = the bus
 * limit alone) on the device's CPU.
 * Return: 0 with *@iova set; -ENOMEM (no space: Linux's 0); -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_dma_alloc_iova(struct phyr_device *dev, uint64_t size,
					  uint64_t dma_limit, uint64_t *iova);

/** phyr_iommu_dma_free_iova() - iommu_dma_free_iova() without a gather: free_iova_fast now. */
PHYR_EXPORT int phyr_iommu_dma_free_iova(struct phyr_device *dev, uint64_t iova, uint64_t size);

/**
 * phyr_iommu_dma_map_phys() - iommu_dma_map_phys(): bounce if the device
 * is untrusted and (@phys | @size) is not granule aligned, clean caches of
 * a non-coherent device, then __iommu_dma_map with dma_get_mask();
 * PHYR_DMA_ATTR_MMIO maps a resource (iommu_dma_map_resource: MMIO prot,
 * no bounce, no cache maintenance).
 * Return: 0; -ENOMEM (mapping error: min_align_mask above the granule,
 *         no IOVA, bounce refused; nothing left held); -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_dma_map_phys(struct phyr_device *dev, uint64_t phys, uint64_t size,
					enum phyr_dma_data_direction dir, unsigned long attrs,
					uint64_t *dma);

/**
 * phyr_iommu_dma_unmap_phys() - iommu_dma_unmap_phys(): iova_to_phys(@dma),
 * cache invalidate, __iommu_dma_unmap (IOVA freed at once, or queued on a
 * DMA-FQ domain), then the bounce slot released with its copy-back if the
 * translation pointed into the pool. PHYR_DMA_ATTR_MMIO: unmap_resource.
 * Return: 0; -ENOENT (@dma not mapped: Linux WARNs and returns); -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_dma_unmap_phys(struct phyr_device *dev, uint64_t dma, uint64_t size,
					  enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_iommu_dma_sync_single_for_cpu() / _for_device() -
 * iommu_dma_sync_single_for_*: nothing for a coherent trusted device; else
 * cache maintenance and the swiotlb copy when the IOVA translates into the
 * bounce pool. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_dma_sync_single_for_cpu(struct phyr_device *dev, uint64_t dma,
						   uint64_t size,
						   enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_iommu_dma_sync_single_for_device(struct phyr_device *dev, uint64_t dma,
						      uint64_t size,
						      enum phyr_dma_data_direction dir);

/**
 * phyr_iommu_dma_map_sg() - iommu_dma_map_sg(): a trusted device gets one
 * IOVA for the list, boundary padding and __finalise_sg merging under the
 * device's mask, bus limit, segment boundary and maximum segment size,
 * with each entry's P2P map type; an untrusted device gets
 * iommu_dma_map_sg_swiotlb (each entry mapped alone, bounced if unaligned,
 * the first entry flagged PHYR_SG_DMA_SWIOTLB, @nents segments).
 * @L, @sgl, @nents: the list. @count: out, the DMA segments; the first
 * @count entries carry them, every later entry has DMA address
 * PHYR_DMA_MAPPING_ERROR and length 0.
 * Return: 0; -ENOMEM (no IOVA); -EREMOTEIO (a P2P page this device cannot
 *         reach); -EIO (an untrusted entry failed); -EINVAL (mapping
 *         failed, e.g. sub-granule padding from a boundary mask not of the
 *         form 2^k - 1; bad arguments). On error nothing stays mapped or
 *         allocated and the CPU side of the list is as given.
 */
PHYR_EXPORT int phyr_iommu_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
				      struct phyr_scatterlist *sgl, int nents,
				      enum phyr_dma_data_direction dir, unsigned long attrs,
				      int *count);

/**
 * phyr_iommu_dma_unmap_sg() - iommu_dma_unmap_sg() of a list mapped by
 * phyr_iommu_dma_map_sg(), with the @nents given to map (not its result):
 * the IOVA range the segments span is unmapped and freed (bus-address
 * entries lose their flag); a per-entry (swiotlb) list unmaps each entry.
 * Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_dma_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
					struct phyr_scatterlist *sgl, int nents,
					enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_iommu_dma_sync_sg_for_cpu() / _for_device() -
 * iommu_dma_sync_sg_for_*: every non-bus segment through the single syncs.
 * Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_dma_sync_sg_for_cpu(struct phyr_device *dev,
					       const struct phyr_sg_layout *L,
					       struct phyr_scatterlist *sgl, int nents,
					       enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_iommu_dma_sync_sg_for_device(struct phyr_device *dev,
						  const struct phyr_sg_layout *L,
						  struct phyr_scatterlist *sgl, int nents,
						  enum phyr_dma_data_direction dir);

/** iommu_dma_get_merge_boundary(): granule - 1 (0 when not attached). */
PHYR_EXPORT uint64_t phyr_iommu_dma_get_merge_boundary(const struct phyr_device *dev);
/** iommu_dma_opt_mapping_size(): iova_rcache_range() = 128 KiB, whatever @dev (NULL too). */
PHYR_EXPORT size_t phyr_iommu_dma_opt_mapping_size(const struct phyr_device *dev);
/**
 * iommu_dma_max_mapping_size(): swiotlb_max_mapping_size for untrusted
 * devices, else (NULL too) SIZE_MAX.
 */
PHYR_EXPORT size_t phyr_iommu_dma_max_mapping_size(const struct phyr_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_IOMMU_H */
