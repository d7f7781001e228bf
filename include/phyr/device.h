/* SPDX-License-Identifier: MIT */
/*
 * libphyr DMA layer, part 1: the device model and dma-direct.
 *
 * A struct phyr_device is what Linux's struct device carries for DMA: the
 * streaming and coherent masks, bus_dma_limit, dma_range_map (bus
 * offsets), dma_parms (max_segment_size, segment_boundary_mask,
 * min_align_mask), the untrusted and coherent flags, its PCI position, an
 * IOMMU attachment slot and a bounce (swiotlb) slot, plus counters.
 *
 * Reproduced exactly from Linux v6.17 (kernel/dma/direct.c, direct.h,
 * include/linux/dma-direct.h, mapping.c; spec sections 7, 8, 10.3):
 *  - phys_to_dma / dma_to_phys through the dma_range_map (first matching
 *    region; no region = DMA_MAPPING_ERROR / all ones) and the memory
 *    encryption marker (set on ordinary memory, never on swiotlb or
 *    decrypted buffers, stripped before the reverse translation);
 *  - dma_capable(): addr + size - 1 <= min_not_zero(*dma_mask,
 *    bus_dma_limit), in 64-bit arithmetic (so a wrapping end passes, as in
 *    Linux);
 *  - dma_direct_map_page/phys: forced bounce first (P2P cannot bounce), then
 *    MMIO, then translation and the capability check, bounce or error;
 *  - dma_direct_map_sg: one DMA segment per entry, P2P BUS_ADDR entries get
 *    phys + bus offset and the bus-address flag, NOT_SUPPORTED gives
 *    -EREMOTEIO, a failing entry gives -EIO after unmapping the entries
 *    already mapped; THRU_HOST_BRIDGE maps the CPU physical address like
 *    ordinary memory (the v6.16-v6.17 regression that leaves it unmapped is
 *    available as PHYR_DMA_QUIRK_V616_P2P);
 *  - dma_max_mapping_size / dma_opt_mapping_size / dma_get_merge_boundary
 *    of the direct path, dma_set_mask's dma_direct_supported() check,
 *    dma_addressing_limited() and the required mask.
 *
 * The single-mapping error is -ENOMEM: that is what dma_mapping_error()
 * returns for DMA_MAPPING_ERROR. See docs/machine.md.
 */
#ifndef PHYR_DEVICE_H
#define PHYR_DEVICE_H

#include <phyr/common.h>
#include <phyr/machine.h>
#include <phyr/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_device;
struct phyr_swiotlb;
struct phyr_swiotlb_memory;
struct phyr_iommu_domain;
struct phyr_dma_debug;

/** enum dma_data_direction, Linux's values. */
enum phyr_dma_data_direction {
	PHYR_DMA_BIDIRECTIONAL = 0,
	PHYR_DMA_TO_DEVICE = 1,
	PHYR_DMA_FROM_DEVICE = 2,
	PHYR_DMA_NONE = 3,
};

/* DMA attributes (DMA_ATTR_*), Linux's values. */
#define PHYR_DMA_ATTR_WEAK_ORDERING (1ul << 1)
#define PHYR_DMA_ATTR_WRITE_COMBINE (1ul << 2)
#define PHYR_DMA_ATTR_NO_KERNEL_MAPPING (1ul << 4)
#define PHYR_DMA_ATTR_SKIP_CPU_SYNC (1ul << 5)
#define PHYR_DMA_ATTR_FORCE_CONTIGUOUS (1ul << 6)
#define PHYR_DMA_ATTR_ALLOC_SINGLE_PAGES (1ul << 7)
#define PHYR_DMA_ATTR_NO_WARN (1ul << 8)
#define PHYR_DMA_ATTR_PRIVILEGED (1ul << 9)
#define PHYR_DMA_ATTR_MMIO (1ul << 10)

/** DMA_BIT_MASK(n) for 1 <= n <= 64. */
#define PHYR_DMA_BIT_MASK(n) ((n) >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << (n)) - 1)

/** DMA_MAPPING_ERROR: never returned by the API, but it is Linux's in-band value. */
#define PHYR_DMA_MAPPING_ERROR (~UINT64_C(0))

/* Device quirk switches (struct phyr_device_config.quirks). */
/** Emulate v6.16-v6.17 dma_direct_map_sg: THRU_HOST_BRIDGE entries get no
 * DMA address, BUS_ADDR entries get no DMA length (spec B23, 7.4). */
#define PHYR_DMA_QUIRK_V616_P2P (1u << 0)

/** struct bus_dma_region: one region of a dma_range_map. */
struct phyr_bus_dma_region {
	uint64_t cpu_start;
	uint64_t dma_start;
	uint64_t size;
};

/**
 * struct phyr_device_config - the DMA-relevant part of a struct device.
 * @name: label used in reports (copied, at most 31 characters); NULL = PCI
 *        name or "dev".
 * @pci: PCI position (the function), NULL for a platform (non-PCI) device.
 * @dma_mask: *dev->dma_mask, raw: 0 is kept as 0 (dma_capable() then uses
 *            only @bus_dma_limit, as Linux does); phyr_dma_get_mask() reads
 *            0 as 32 bits.
 * @coherent_dma_mask: dev->coherent_dma_mask.
 * @bus_dma_limit: interconnect limit, 0 = none.
 * @max_segment_size: dma_parms, 0 = unset (dma_get_max_seg_size() = 64 KiB).
 * @seg_boundary_mask: dma_parms, 0 = unset (dma_get_seg_boundary() = ~0).
 * @min_align_mask: dma_parms.min_align_mask (swiotlb offset preservation).
 * @untrusted: external-facing PCI device (dma-iommu bounces its unaligned buffers).
 * @coherent: DMA is cache coherent; otherwise every map/unmap/sync does
 *            cache maintenance (counted).
 * @dma_range_map: regions (copied; a region of size 0 ends the array
 *                 early); NULL = identity.
 * @ndma_ranges: number of regions in @dma_range_map.
 * @quirks: PHYR_DMA_QUIRK_* bits.
 */
struct phyr_device_config {
	const char *name;
	struct phyr_pci_dev *pci;
	uint64_t dma_mask;
	uint64_t coherent_dma_mask;
	uint64_t bus_dma_limit;
	uint32_t max_segment_size;
	uint64_t seg_boundary_mask;
	uint32_t min_align_mask;
	bool untrusted;
	bool coherent;
	const struct phyr_bus_dma_region *dma_range_map;
	size_t ndma_ranges;
	unsigned int quirks;
};

/**
 * struct phyr_device_stats - per-device counters.
 * @nmaps: successful single mappings and mapped list entries (two-step:
 *         one per link).
 * @nunmaps: unmapped single mappings and list entries (bus entries included);
 *           two-step: one per unlink, and per link a destroy tears down.
 * @nmap_errors: mapping calls that failed.
 * @nbytes_mapped: bytes of successful mappings.
 * @nbounced: mappings (and list entries, two-step links) that bounced
 *            through swiotlb, on dma-direct and dma-iommu alike.
 * @nbytes_bounced: bytes of those bounced mappings.
 * @nbus_addr: P2P entries mapped by PCI bus address.
 * @nthru_host_bridge: P2P entries mapped through the host bridge.
 * @ncache_clean: cache cleans (non-coherent device, towards the device).
 * @ncache_invalidate: cache invalidations (non-coherent device, towards the CPU).
 * @ndma_reads, @ndma_writes: data-path calls by the device.
 * @nbytes_dma_read, @nbytes_dma_written: bytes moved by them.
 * @np2p_accesses: data-path pages decoded by bus address into a peer's BAR.
 * @nfaults: data-path accesses refused (no translation, hole, out of
 *           reach, private memory).
 * @last_fault_addr: DMA address of the last fault.
 * @last_fault_errno: its error (-EFAULT, -EACCES, -ERANGE).
 * @nsyncs: sync calls (single, sg, phyr) that reached the path.
 * @nrefused: DMA API calls a strict dma-debug checker refused.
 */
struct phyr_device_stats {
	uint64_t nmaps;
	uint64_t nunmaps;
	uint64_t nmap_errors;
	uint64_t nbytes_mapped;
	uint64_t nbounced;
	uint64_t nbytes_bounced;
	uint64_t nbus_addr;
	uint64_t nthru_host_bridge;
	uint64_t ncache_clean;
	uint64_t ncache_invalidate;
	uint64_t ndma_reads;
	uint64_t ndma_writes;
	uint64_t nbytes_dma_read;
	uint64_t nbytes_dma_written;
	uint64_t np2p_accesses;
	uint64_t nfaults;
	uint64_t last_fault_addr;
	int last_fault_errno;
	uint64_t nsyncs;
	uint64_t nrefused;
};

/**
 * struct phyr_dma_bounce_ops - where swiotlb plugs into dma-direct.
 *
 * dma-direct calls these exactly where Linux calls swiotlb (spec 6.4-6.7,
 * 7.3). Without a hook installed swiotlb is inactive: a mapping that
 * would bounce fails with Linux's error. All addresses are CPU physical.
 * @map: swiotlb_tbl_map_single(dev, phys, size, alloc_align_mask 0, dir,
 *       attrs): reserve slots, copy the original into them, return the
 *       bounce address in @tlb_phys; 0 or a negative errno (pool full,
 *       ...): any failure makes the mapping fail with -ENOMEM.
 *       dma-direct converts @tlb_phys with phys_to_dma_unencrypted, checks
 *       dma_capable and calls @unmap (with SKIP_CPU_SYNC) if that fails.
 * @unmap: swiotlb_tbl_unmap_single(): copy back unless SKIP_CPU_SYNC in
 *         @attrs or the direction forbids it, release the slots.
 *         dma-direct always passes SKIP_CPU_SYNC after its own sync.
 * @sync_for_cpu: swiotlb_sync_single_for_cpu() for a bounce address.
 * @sync_for_device: swiotlb_sync_single_for_device() for a bounce address.
 * @owns: is_swiotlb_buffer(): true if @phys lies in a bounce pool.
 * @max_mapping_size: swiotlb_max_mapping_size(dev).
 * @ctx: passed to every callback.
 */
struct phyr_dma_bounce_ops {
	int (*map)(void *ctx, struct phyr_device *dev, uint64_t phys, size_t size,
		   enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *tlb_phys);
	void (*unmap)(void *ctx, struct phyr_device *dev, uint64_t tlb_phys, size_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs);
	void (*sync_for_cpu)(void *ctx, struct phyr_device *dev, uint64_t tlb_phys, size_t size,
			     enum phyr_dma_data_direction dir);
	void (*sync_for_device)(void *ctx, struct phyr_device *dev, uint64_t tlb_phys, size_t size,
				enum phyr_dma_data_direction dir);
	bool (*owns)(void *ctx, struct phyr_device *dev, uint64_t phys);
	size_t (*max_mapping_size)(void *ctx, struct phyr_device *dev);
	void *ctx;
};

/**
 * phyr_device_translate_fn - the device-side view of an attached IOMMU:
 * translate @iova for a read (@is_write false) or write by @dev into a
 * CPU physical address. Return 0 or a negative errno (the access faults).
 */
typedef int (*phyr_device_translate_fn)(void *domain, struct phyr_device *dev, uint64_t iova,
					bool is_write, uint64_t *phys);

/* ------------------------------------------------------------------ */
/* Device lifecycle and configuration                                  */
/* ------------------------------------------------------------------ */

/**
 * phyr_device_config_init() - defaults of a platform device: both masks
 * 32 bits, no bus limit, dma_parms unset, coherent, trusted, no PCI.
 */
PHYR_EXPORT void phyr_device_config_init(struct phyr_device_config *cfg);

/**
 * phyr_device_config_init_pci() - defaults of a PCI function at
 * enumeration (spec table 1): max_segment_size 65536, segment boundary
 * 0xffffffff, both masks 0xffffffff, coherent, trusted.
 */
PHYR_EXPORT void phyr_device_config_init_pci(struct phyr_device_config *cfg,
					     struct phyr_pci_dev *pci);

/**
 * phyr_device_create() - create a DMA-capable device on machine @m.
 * @cfg: configuration (copied); @cfg->pci must belong to @m.
 * @a: allocator (NULL = malloc).
 * Return: 0, -EINVAL (NULL argument, PCI function of another machine,
 *         dma_range_map region that wraps), -ENOMEM.
 */
PHYR_EXPORT int phyr_device_create(struct phyr_machine *m, const struct phyr_device_config *cfg,
				   const struct phyr_allocator *a, struct phyr_device **out);

/**
 * phyr_device_destroy() - free @dev (driver unbind and device removal):
 * detaches it from its DMA domain, and its dma-debug checker, if any,
 * reports what is still mapped as one LEAK, on every path. Mappings are
 * the caller's. NULL does nothing.
 */
PHYR_EXPORT void phyr_device_destroy(struct phyr_device *dev);

/*
 * The getters below give NULL, false or 0 for a NULL @dev
 * (phyr_device_get_stats() zeroes @out).
 */

/** phyr_device_name() - the device's label. */
PHYR_EXPORT const char *phyr_device_name(const struct phyr_device *dev);
/** phyr_device_machine() - the machine @dev belongs to. */
PHYR_EXPORT struct phyr_machine *phyr_device_machine(const struct phyr_device *dev);
/** phyr_device_pci() - PCI position, NULL for a platform device (dev_is_pci() is false). */
PHYR_EXPORT struct phyr_pci_dev *phyr_device_pci(const struct phyr_device *dev);
/** phyr_device_is_untrusted() - pci_dev->untrusted. */
PHYR_EXPORT bool phyr_device_is_untrusted(const struct phyr_device *dev);
/** phyr_device_is_coherent() - dev_is_dma_coherent(). */
PHYR_EXPORT bool phyr_device_is_coherent(const struct phyr_device *dev);
/** phyr_device_get_config() - the current configuration (masks and dma_parms as set since). */
PHYR_EXPORT const struct phyr_device_config *phyr_device_get_config(const struct phyr_device *dev);
/** phyr_device_get_stats() - copy the counters of @dev into @out. */
PHYR_EXPORT void phyr_device_get_stats(const struct phyr_device *dev, struct phyr_device_stats *out);

/** phyr_dma_get_mask() - dma_get_mask(): *dma_mask, or 32 bits when it is 0. */
PHYR_EXPORT uint64_t phyr_dma_get_mask(const struct phyr_device *dev);
/** phyr_dma_get_coherent_mask() - dev->coherent_dma_mask. */
PHYR_EXPORT uint64_t phyr_dma_get_coherent_mask(const struct phyr_device *dev);
/** phyr_dma_get_bus_limit() - dev->bus_dma_limit (0 = none). */
PHYR_EXPORT uint64_t phyr_dma_get_bus_limit(const struct phyr_device *dev);
/** phyr_dma_get_max_seg_size() - dma_get_max_seg_size(): 65536 when unset. */
PHYR_EXPORT uint32_t phyr_dma_get_max_seg_size(const struct phyr_device *dev);
/** phyr_dma_get_seg_boundary() - dma_get_seg_boundary(): ~0 when unset. */
PHYR_EXPORT uint64_t phyr_dma_get_seg_boundary(const struct phyr_device *dev);
/** phyr_dma_get_min_align_mask() - dma_get_min_align_mask(). */
PHYR_EXPORT uint32_t phyr_dma_get_min_align_mask(const struct phyr_device *dev);

/**
 * phyr_dma_set_mask() - dma_set_mask(): accept @mask if the DMA path
 * supports it (IOMMU attached: always; direct: dma_direct_supported()).
 * Return: 0, -EIO (unsupported; the mask is unchanged), -EINVAL (NULL @dev).
 */
PHYR_EXPORT int phyr_dma_set_mask(struct phyr_device *dev, uint64_t mask);
/** phyr_dma_set_coherent_mask() - dma_set_coherent_mask(); errors as phyr_dma_set_mask(). */
PHYR_EXPORT int phyr_dma_set_coherent_mask(struct phyr_device *dev, uint64_t mask);
/** phyr_dma_set_mask_and_coherent() - both; -EIO leaves both unchanged. */
PHYR_EXPORT int phyr_dma_set_mask_and_coherent(struct phyr_device *dev, uint64_t mask);
/** phyr_dma_set_max_seg_size() - dma_set_max_seg_size(). Return: 0, -EINVAL (NULL). */
PHYR_EXPORT int phyr_dma_set_max_seg_size(struct phyr_device *dev, uint32_t size);
/** phyr_dma_set_seg_boundary() - dma_set_seg_boundary(). Return: 0, -EINVAL (NULL). */
PHYR_EXPORT int phyr_dma_set_seg_boundary(struct phyr_device *dev, uint64_t mask);
/** phyr_dma_set_min_align_mask() - dma_set_min_align_mask(). Return: 0, -EINVAL (NULL). */
PHYR_EXPORT int phyr_dma_set_min_align_mask(struct phyr_device *dev, uint32_t mask);
/** phyr_device_set_bus_dma_limit() - set dev->bus_dma_limit (0 = none). Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_device_set_bus_dma_limit(struct phyr_device *dev, uint64_t limit);

/**
 * phyr_dma_direct_set_offset() - dma_direct_set_offset(): a one-region
 * dma_range_map with dma = cpu - (@cpu_start - @dma_start).
 * Return: 0 (also when the offset is 0: no map is created), -EINVAL (a map
 *         already exists), -ENOMEM.
 */
PHYR_EXPORT int phyr_dma_direct_set_offset(struct phyr_device *dev, uint64_t cpu_start,
					   uint64_t dma_start, uint64_t size);

/**
 * phyr_device_attach_iommu() - the IOMMU attachment slot: @domain (opaque,
 * owned by the caller) and the function the data path uses to translate.
 * @domain NULL detaches. While attached, the device's addresses are IOVAs:
 * dma-direct mapping calls refuse with -EINVAL (the dma-iommu path owns
 * the device) and phyr_dma_set_mask() accepts any mask.
 * Return: 0, -EINVAL (NULL @dev, or @domain without @translate).
 */
PHYR_EXPORT int phyr_device_attach_iommu(struct phyr_device *dev, void *domain,
					 phyr_device_translate_fn translate);
/**
 * phyr_device_attach_iommu_domain() - attach a mock IOMMU domain of
 * <phyr/iommu.h>: the data path translates each page with
 * phyr_iommu_translate() (IOTLB, table walk, permissions; faults are
 * recorded in the domain and counted in the device). NULL detaches.
 * An identity or blocked domain is not a DMA domain: the DMA API stays on
 * dma-direct (Linux's use_dma_iommu() is false), and with a blocked domain
 * every access of the device then faults. A DMA domain attached this way
 * serves the data path only; the DMA API needs phyr_iommu_setup_dma_ops().
 * Return: 0, -EINVAL (NULL @dev).
 */
PHYR_EXPORT int phyr_device_attach_iommu_domain(struct phyr_device *dev,
						struct phyr_iommu_domain *domain);

/** phyr_device_iommu() - the attached domain, NULL if none. */
PHYR_EXPORT void *phyr_device_iommu(const struct phyr_device *dev);

/**
 * phyr_device_set_bounce() - install (or with NULL remove) the swiotlb
 * hook; with it swiotlb is active for @dev (is_swiotlb_active()).
 * @ops is copied. Return: 0, -EINVAL (NULL @dev, or @ops missing a callback).
 */
PHYR_EXPORT int phyr_device_set_bounce(struct phyr_device *dev,
				       const struct phyr_dma_bounce_ops *ops);

/**
 * phyr_dma_swiotlb_memory() - the bounce-copy hook of <phyr/swiotlb.h>
 * backed by @m's simulated memory: give it to phyr_swiotlb_create() so
 * bounces move real bytes. A NULL @m zeroes *@out (a hook that only
 * counts copies); a NULL @out does nothing.
 */
PHYR_EXPORT void phyr_dma_swiotlb_memory(struct phyr_machine *m, struct phyr_swiotlb_memory *out);

/**
 * phyr_device_use_swiotlb() - plug a swiotlb pool into @dev's bounce slot
 * (what Linux's dev->dma_io_tlb_mem does): dma-direct then bounces through
 * @pool, with the device's min_align_mask and segment boundary and the
 * pool's phys_to_dma_unencrypted offset; the pool's force_bounce forces
 * every mapping of @dev to bounce. On a machine with memory encryption the
 * pool's range is marked decrypted (swiotlb_update_mem_attributes). The
 * pool must lie in RAM of the memory map for the device to reach it, and
 * must have been created with phyr_dma_swiotlb_memory() to move bytes.
 * @pool NULL detaches. @pool stays owned by the caller and must outlive
 * the attachment.
 * Return: 0, -EINVAL (NULL @dev), -ENOMEM.
 */
PHYR_EXPORT int phyr_device_use_swiotlb(struct phyr_device *dev, struct phyr_swiotlb *pool);

/**
 * phyr_device_set_cpu() - the CPU the next mappings of @dev run on (Linux's
 * smp_processor_id(); swiotlb starts its area search there). Default 0.
 */
PHYR_EXPORT void phyr_device_set_cpu(struct phyr_device *dev, unsigned int cpu);

/**
 * phyr_device_set_dma_debug() - the dma-debug checker (<phyr/dma-debug.h>)
 * every DMA API call of @dev reports to, on every path (Linux's
 * CONFIG_DMA_API_DEBUG); NULL turns checking off. The checker must
 * outlive the device (phyr_device_destroy() reports leaks to it).
 * Return: 0, -EINVAL (NULL @dev).
 */
PHYR_EXPORT int phyr_device_set_dma_debug(struct phyr_device *dev, struct phyr_dma_debug *dbg);

/** phyr_device_dma_debug() - @dev's checker, NULL if none. */
PHYR_EXPORT struct phyr_dma_debug *phyr_device_dma_debug(const struct phyr_device *dev);

/* ------------------------------------------------------------------ */
/* dma-direct                                                          */
/* ------------------------------------------------------------------ */

/**
 * phyr_dma_phys_to_dma() - phys_to_dma(): dma_range_map translation, then
 * the encryption marker. Return: 0, -ERANGE (no region covers @phys:
 * Linux's DMA_MAPPING_ERROR).
 */
PHYR_EXPORT int phyr_dma_phys_to_dma(const struct phyr_device *dev, uint64_t phys, uint64_t *dma);

/** phyr_dma_phys_to_dma_unencrypted() - as phyr_dma_phys_to_dma() without the marker. */
PHYR_EXPORT int phyr_dma_phys_to_dma_unencrypted(const struct phyr_device *dev, uint64_t phys,
						 uint64_t *dma);

/**
 * phyr_dma_to_phys() - dma_to_phys(): strip the marker, reverse the
 * dma_range_map. Return: 0, -ERANGE (no region: Linux's all-ones phys).
 */
PHYR_EXPORT int phyr_dma_to_phys(const struct phyr_device *dev, uint64_t dma, uint64_t *phys);

/*
 * The predicates and sizes below give false, 0 or (the mapping sizes)
 * SIZE_MAX for a NULL @dev.
 */

/** phyr_dma_capable() - dma_capable(dev, addr, size, is_ram) of Linux (64-bit dma_addr_t). */
PHYR_EXPORT bool phyr_dma_capable(const struct phyr_device *dev, uint64_t addr, size_t size,
				  bool is_ram);

/** phyr_dma_force_unencrypted() - force_dma_unencrypted() of x86 (guest: always; SME host: mask below the marker). */
PHYR_EXPORT bool phyr_dma_force_unencrypted(const struct phyr_device *dev);

/** phyr_dma_is_force_bounce() - is_swiotlb_force_bounce(): swiotlb=force (machine or the device's pool) or a confidential guest. */
PHYR_EXPORT bool phyr_dma_is_force_bounce(const struct phyr_device *dev);

/**
 * phyr_dma_direct_map_phys() - dma_direct_map_phys(): map [@phys, +@size)
 * for @dir; the device address goes to @dma.
 * Order of decisions (spec 7.3): forced bounce (P2P/MMIO memory -> error,
 * else the bounce hook); PHYR_DMA_ATTR_MMIO (dma = phys, must be capable,
 * no sync); translation and dma_capable -> not capable: P2P memory ->
 * error, bounce hook if installed, else error. Non-coherent devices get a
 * cache clean unless SKIP_CPU_SYNC.
 * Return: 0; -ENOMEM for every mapping failure (dma_mapping_error()'s
 *         value; also a full bounce pool); -EINVAL (NULL, size 0, bad
 *         direction, IOMMU attached).
 */
PHYR_EXPORT int phyr_dma_direct_map_phys(struct phyr_device *dev, uint64_t phys, size_t size,
					 enum phyr_dma_data_direction dir, unsigned long attrs,
					 uint64_t *dma);

/**
 * phyr_dma_direct_unmap_phys() - dma_direct_unmap_phys(): MMIO: nothing;
 * else sync for the CPU (cache invalidate, bounce copy-back) unless
 * SKIP_CPU_SYNC, then release the bounce slot if @dma points into one.
 * Return: 0, -EINVAL (NULL, bad direction, IOMMU attached).
 */
PHYR_EXPORT int phyr_dma_direct_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
					   enum phyr_dma_data_direction dir, unsigned long attrs);

/**
 * phyr_dma_direct_sync_for_cpu() / _for_device() - dma_direct_sync_single_*:
 * cache maintenance for non-coherent devices and bounce copies when @dma
 * points into a bounce pool. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_direct_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
					     enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_direct_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
						enum phyr_dma_data_direction dir);

/**
 * phyr_dma_direct_map_sg() - dma_direct_map_sg() over the @nents entries
 * of the list at @sgl (layout @L), written in place as Linux writes its
 * struct scatterlist. Each entry is classified with the P2P state machine
 * (spec 10.2): NONE and THRU_HOST_BRIDGE are mapped like
 * phyr_dma_direct_map_phys(), BUS_ADDR entries get phys + bus offset and
 * the bus-address flag. DMA fields of entries never reached are left as
 * they were.
 * @nmapped: receives the number of DMA segments (= @nents) on success.
 * Return: 0; -EIO (an entry could not be mapped), -EREMOTEIO (P2P not
 *         supported between provider and device); in both cases the
 *         entries mapped before are unmapped again (without CPU sync);
 *         -EINVAL (NULL, @nents <= 0, a list shorter than @nents, zero
 *         length, IOMMU attached).
 */
PHYR_EXPORT int phyr_dma_direct_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
				       struct phyr_scatterlist *sgl, int nents,
				       enum phyr_dma_data_direction dir, unsigned long attrs,
				       int *nmapped);

/**
 * phyr_dma_direct_unmap_sg() - dma_direct_unmap_sg(): bus-address entries
 * lose their flag, the others are unmapped one by one. Never fails for a
 * valid list and allocates nothing. Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_dma_direct_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
					 struct phyr_scatterlist *sgl, int nents,
					 enum phyr_dma_data_direction dir, unsigned long attrs);

/** phyr_dma_direct_sync_sg_for_cpu() / _for_device(): the sync loops of dma-direct over non-bus entries. */
PHYR_EXPORT int phyr_dma_direct_sync_sg_for_cpu(struct phyr_device *dev,
						const struct phyr_sg_layout *L,
						struct phyr_scatterlist *sgl, int nents,
						enum phyr_dma_data_direction dir);
PHYR_EXPORT int phyr_dma_direct_sync_sg_for_device(struct phyr_device *dev,
						   const struct phyr_sg_layout *L,
						   struct phyr_scatterlist *sgl, int nents,
						   enum phyr_dma_data_direction dir);

/**
 * phyr_dma_direct_get_required_mask() - dma_direct_get_required_mask():
 * the smallest all-ones mask covering the DMA address of the last RAM page.
 */
PHYR_EXPORT uint64_t phyr_dma_direct_get_required_mask(const struct phyr_device *dev);

/**
 * phyr_dma_direct_supported() - dma_direct_supported(dev, mask): masks of 32
 * bits or more always; smaller ones must cover the last RAM page (or the
 * ZONE_DMA limit, whichever is lower).
 */
PHYR_EXPORT bool phyr_dma_direct_supported(const struct phyr_device *dev, uint64_t mask);

/**
 * phyr_dma_direct_all_ram_mapped() - dma_direct_all_ram_mapped(): every RAM
 * page is covered by the dma_range_map (true without a map).
 */
PHYR_EXPORT bool phyr_dma_direct_all_ram_mapped(const struct phyr_device *dev);

/** phyr_dma_direct_addressing_limited() - dma_addressing_limited() of a direct-mapped device. */
PHYR_EXPORT bool phyr_dma_direct_addressing_limited(const struct phyr_device *dev);

/**
 * phyr_dma_direct_max_mapping_size() - dma_max_mapping_size() on the direct
 * path: the bounce hook's maximum if swiotlb is active and the device is
 * addressing-limited or forced to bounce, else SIZE_MAX.
 */
PHYR_EXPORT size_t phyr_dma_direct_max_mapping_size(const struct phyr_device *dev);

/** phyr_dma_direct_opt_mapping_size() - dma_opt_mapping_size() on the direct path (= the maximum). */
PHYR_EXPORT size_t phyr_dma_direct_opt_mapping_size(const struct phyr_device *dev);

/** phyr_dma_direct_get_merge_boundary() - dma_get_merge_boundary() on the direct path: 0, cannot merge. */
PHYR_EXPORT uint64_t phyr_dma_direct_get_merge_boundary(const struct phyr_device *dev);

/** phyr_dma_direct_need_sync() - dma_direct_need_sync(): non-coherent, or @dma inside a bounce pool. */
PHYR_EXPORT bool phyr_dma_direct_need_sync(const struct phyr_device *dev, uint64_t dma);

/* ------------------------------------------------------------------ */
/* Device data path                                                    */
/* ------------------------------------------------------------------ */

/**
 * phyr_device_dma_read() - the device's DMA engine reads @len bytes at
 * device address @dma_addr into @buf (device <- memory, a TO_DEVICE
 * transfer). Per page, the address is routed as PCIe would:
 *  1. a P2P provider's BAR decoded by bus address below the host bridge
 *     (the pair's map type is BUS_ADDR): BAR memory at addr - bus offset;
 *  2. otherwise upstream: the attached IOMMU translates, or without one
 *     dma_to_phys() (marker stripped, range map reversed); the CPU
 *     physical address must be RAM or a BAR (routed by the host bridge).
 * The address range must lie within max(dma_mask, coherent_dma_mask),
 * capped by bus_dma_limit. With memory encryption, private RAM is reached
 * only with the marker (SME host) and never in a confidential guest;
 * decrypted ranges only without it.
 * Every page is resolved before a byte moves: on error nothing was
 * transferred, the fault is counted and recorded.
 * Return: 0; -EFAULT (no translation, hole, beyond the device's reach),
 *         -EACCES (encrypted memory out of reach), -EINVAL (NULL, wrap).
 */
PHYR_EXPORT int phyr_device_dma_read(struct phyr_device *dev, uint64_t dma_addr, void *buf,
				     size_t len);

/**
 * phyr_device_dma_write() - the device writes @len bytes from @buf at
 * device address @dma_addr (memory <- device, FROM_DEVICE). Routing and
 * errors as phyr_device_dma_read(), plus -ENOMEM (simulated memory could
 * not be backed; nothing written).
 */
PHYR_EXPORT int phyr_device_dma_write(struct phyr_device *dev, uint64_t dma_addr, const void *buf,
				      size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DEVICE_H */
