/* SPDX-License-Identifier: MIT */
/*
 * libphyr dma-iommu scatter-gather path: iommu_dma_map_sg / unmap_sg.
 *
 * Models Linux v6.17 drivers/iommu/dma-iommu.c for a trusted device (the
 * list is not bounced): every entry is widened to IOVA granules (the
 * sub-granule part of sg->offset stashed in the DMA fields), boundary
 * padding is charged to the previous entry, ONE IOVA is allocated for the
 * whole list with iommu_dma_alloc_iova's 32-bit-first rule, iommu_map_sg
 * maps the physically contiguous runs, and __finalise_sg merges the
 * entries into DMA segments. Reproduced exactly, quirks included: the
 * length of a P2P bus-address entry is the list head's current length,
 * the merge test is done in 32-bit arithmetic (a segment opened by an
 * entry longer than max_seg keeps merging), the error codes (-ENOMEM,
 * -EREMOTEIO, everything else -EINVAL) and the restored list on error.
 * Source of the facts: docs/mapsg.md.
 *
 * The caller (the DMA layer, or phyr-sim mapsg) owns the IOVA domain and
 * the IOMMU domain; struct phyr_iommu_dma_cookie ties them together as
 * Linux's iommu_dma_cookie does, and struct phyr_iommu_dma_dev carries the
 * device's DMA parameters.
 */
#ifndef PHYR_DMA_IOMMU_H
#define PHYR_DMA_IOMMU_H

#include <phyr/common.h>
#include <phyr/iommu.h>
#include <phyr/iova.h>
#include <phyr/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * phyr_iommu_dma_p2p_fn - pci_p2pdma_state() for the page of one entry.
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
 * struct phyr_iommu_dma_stats - counters of one cookie.
 */
struct phyr_iommu_dma_stats {
	uint64_t nmap_sg;        /* map_sg calls */
	uint64_t nmap_sg_errors; /* of which failed */
	uint64_t nsegs_in;       /* entries handed to successful map_sg calls */
	uint64_t nsegs_out;      /* DMA segments they returned */
	uint64_t nbus_entries;   /* P2P bus-address entries */
	uint64_t npad_bytes;     /* boundary padding charged to entries */
	uint64_t niova_bytes;    /* IOVA bytes asked for */
	uint64_t nsac_fallbacks; /* 32-bit-first attempts that failed */
	uint64_t nunmap_sg;      /* unmap_sg calls */
};

/**
 * struct phyr_iommu_dma_cookie - the DMA-API side of an IOMMU domain
 * (Linux's iommu_dma_cookie with its domain).
 * @domain: the IOMMU domain (page tables, iommu_map_sg).
 * @iovad: its IOVA domain; the granule is the smallest page size of
 *	@domain and must equal the IOVA domain's granule.
 * @force_aperture, @aperture_end: domain->geometry: with force_aperture
 *	the IOVA limit is clamped to aperture_end.
 * @alloc: allocator for temporary arrays (NULL = malloc).
 * @cpu: the calling CPU (for the IOVA range caches); set by the caller.
 * @stats: counters, updated by the calls.
 */
struct phyr_iommu_dma_cookie {
	struct phyr_iommu_domain *domain;
	struct phyr_iova_domain *iovad;
	bool force_aperture;
	uint64_t aperture_end;
	const struct phyr_allocator *alloc;
	unsigned int cpu;
	struct phyr_iommu_dma_stats stats;
};

/**
 * struct phyr_iommu_dma_dev - the device's DMA parameters.
 * @dma_mask: dma_get_mask() (all ones for a 64-bit device).
 * @bus_dma_limit: 0 = none.
 * @seg_boundary_mask: dma_get_seg_boundary(); 0 = unset (all ones);
 *	must be of the form 2^k - 1.
 * @max_seg_size: dma_get_max_seg_size(); 0 = unset (65536).
 * @coherent: DMA-coherent device (IOMMU_CACHE in the prot bits).
 * @pci_32bit_workaround: in/out: try the 32-bit IOVA space first; cleared
 *	for good the first time that fails ("Using N-bit DMA addresses").
 * @p2p, @p2p_ctx: P2P classification of each entry's page; NULL = all RAM.
 */
struct phyr_iommu_dma_dev {
	uint64_t dma_mask;
	uint64_t bus_dma_limit;
	uint64_t seg_boundary_mask;
	uint32_t max_seg_size;
	bool coherent;
	bool pci_32bit_workaround;
	phyr_iommu_dma_p2p_fn p2p;
	void *p2p_ctx;
};

/**
 * phyr_iommu_dma_alloc_iova - iommu_dma_alloc_iova(): @size bytes (granule
 * aligned) below @dma_limit, 32-bit space first for PCI devices.
 * @c: the cookie. @dev: in/out (pci_32bit_workaround may be cleared).
 * @iova: out, the IOVA (bytes).
 * Returns 0, or -ENOMEM when no IOVA space is left (Linux's 0).
 */
PHYR_EXPORT int phyr_iommu_dma_alloc_iova(struct phyr_iommu_dma_cookie *c,
					  struct phyr_iommu_dma_dev *dev, uint64_t size,
					  uint64_t dma_limit, uint64_t *iova);

/**
 * phyr_iommu_dma_map_sg - iommu_dma_map_sg() for a trusted device.
 * @c: the cookie. @dev: device parameters (in/out, see above).
 * @L: the list's layout; @sgl: the first entry; @nents: entries (>= 1).
 * @dir: Linux's enum dma_data_direction value (0..3).
 * @attrs: DMA_ATTR_* bits (PRIVILEGED adds IOMMU_PRIV).
 * @iova, @iova_len: out, may be NULL: the IOVA base (0 if none was needed)
 *	and the byte size asked of the IOVA allocator.
 *
 * On success returns the number of DMA segments; the first that many
 * entries carry them (sg_dma_address / sg_dma_len, BUS_ADDRESS flag for
 * P2P entries), every later entry has DMA_MAPPING_ERROR and length 0, and
 * the CPU-side offset/length of every entry are as given. On failure
 * returns -ENOMEM (no IOVA space), -EREMOTEIO (a P2P page this device
 * cannot reach) or -EINVAL (mapping failed, e.g. a sub-granule padding
 * from a boundary mask not of the form 2^k - 1; bad arguments; padding
 * needed before the first IOVA entry, where Linux would dereference
 * NULL), with the list restored and nothing left mapped or allocated.
 */
PHYR_EXPORT int phyr_iommu_dma_map_sg(struct phyr_iommu_dma_cookie *c,
				      struct phyr_iommu_dma_dev *dev,
				      const struct phyr_sg_layout *L,
				      struct phyr_scatterlist *sgl, int nents, int dir,
				      unsigned long attrs, uint64_t *iova, uint64_t *iova_len);

/**
 * phyr_iommu_dma_unmap_sg - iommu_dma_unmap_sg(): unmaps the IOVA range the
 * list's DMA segments span (bus-address entries lose their flag) through
 * phyr_iommu_dma_unmap(); the IOVA goes back through the domain's release
 * callback (phyr_iommu_dma_release for this cookie).
 * @nents: the count given to map_sg (not its result).
 * Returns 0 or -EINVAL (bad arguments).
 */
PHYR_EXPORT int phyr_iommu_dma_unmap_sg(struct phyr_iommu_dma_cookie *c,
					const struct phyr_sg_layout *L,
					struct phyr_scatterlist *sgl, int nents);

/**
 * phyr_iommu_dma_release - the IOMMU domain's release callback for a
 * cookie (opts.release, release_ctx = the cookie): frees the IOVA range
 * [@iova, +@size) with free_iova_fast on the cookie's current CPU.
 */
PHYR_EXPORT void phyr_iommu_dma_release(void *cookie, uint64_t iova, uint64_t size,
					uint64_t ntables);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_IOMMU_H */
