/* SPDX-License-Identifier: MIT */
/*
 * libphyr swiotlb: the software IO TLB bounce-buffer pool.
 *
 * Models Linux v6.17 kernel/dma/swiotlb.c built with CONFIG_SWIOTLB=y,
 * CONFIG_SWIOTLB_DYNAMIC=n and CONFIG_DEBUG_FS=n: one pool of 2 KiB slots
 * split into areas, each with its own next-fit cursor, `used` count and lock.
 * Reproduced exactly (same slot for the same sequence of calls):
 *   - pool geometry from the boot parameter swiotlb=NSLABS,NAREAS: NSLABS up
 *     to a multiple of 128 slots, NAREAS to a power of two (0 means 1), then
 *     NSLABS raised to 128 * NAREAS or to a power of two;
 *   - swiotlb_tbl_map_single: offset preservation under the device's
 *     min_align_mask, alloc_align_mask with padding slots, implicit page
 *     alignment of >= PAGE_SIZE requests without masks, the stride, no run
 *     across a 128-slot segment or the device's segment boundary, the area
 *     order starting at cpu & (nareas - 1), immediate failure when full;
 *   - release with merging of the free counts in both directions;
 *   - swiotlb_bounce with its offset arithmetic and overflow clamp, and the
 *     copy rules: map always copies original -> bounce; unmap copies back
 *     for FROM_DEVICE/BIDIRECTIONAL unless SKIP_CPU_SYNC; sync_for_device
 *     copies for TO_DEVICE/BIDIRECTIONAL; sync_for_cpu copies back for
 *     FROM_DEVICE/BIDIRECTIONAL;
 *   - swiotlb_max_mapping_size.
 * The pool holds no bytes itself: bounce copies go through a caller-provided
 * physical memory hook (struct phyr_swiotlb_memory), so the DMA layer plugs
 * in its simulated memory. Without a hook the copies are only counted.
 * Unlike Linux, misuse (unmap of an address that is not a live mapping,
 * an impossible size) is rejected with -EINVAL instead of corrupting the
 * pool. Facts and sources: docs/swiotlb.md.
 */
#ifndef PHYR_SWIOTLB_H
#define PHYR_SWIOTLB_H

/*
 * NULL objects: with a NULL pool, every function returning int gives
 * -EINVAL; phyr_swiotlb_contains returns false and phyr_swiotlb_used 0;
 * get_info and get_stats zero their outputs; set_memory, reset_stats and
 * destroy do nothing.
 */

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_swiotlb;

/** Slot size (IO_TLB_SIZE) and its shift. */
#define PHYR_SWIOTLB_SLOT_SHIFT 11
#define PHYR_SWIOTLB_SLOT_SIZE (UINT64_C(1) << PHYR_SWIOTLB_SLOT_SHIFT)
/** Slots per segment (IO_TLB_SEGSIZE): no allocation crosses one. */
#define PHYR_SWIOTLB_SEGSIZE 128
/** Default pool size in slots (IO_TLB_DEFAULT_SIZE, 64 MiB). */
#define PHYR_SWIOTLB_DEFAULT_NSLABS 32768
/** Largest pool libphyr creates, in slots (2^24 slots = 32 GiB). */
#define PHYR_SWIOTLB_MAX_NSLABS (UINT64_C(1) << 24)

/*
 * Directions (the `dir` arguments) take Linux's enum dma_data_direction
 * values, the same as enum phyr_dma_data_direction of <phyr/device.h>; `attrs`
 * takes Linux's DMA_ATTR_* bits, of which swiotlb looks at two.
 */
#define PHYR_SWIOTLB_BIDIRECTIONAL 0
#define PHYR_SWIOTLB_TO_DEVICE 1
#define PHYR_SWIOTLB_FROM_DEVICE 2
#define PHYR_SWIOTLB_DIR_NONE 3
#define PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC (1ul << 5)
#define PHYR_SWIOTLB_ATTR_NO_WARN (1ul << 8)

/**
 * struct phyr_swiotlb_memory - physical memory access hook for bounces.
 * @read: copy @len bytes at physical @phys into @buf; 0 or -errno.
 * @write: copy @len bytes from @buf to physical @phys; 0 or -errno.
 * @ctx: passed to both.
 *
 * Both the original buffers and the bounce pool (at its physical start)
 * are accessed through this hook.
 */
struct phyr_swiotlb_memory {
	int (*read)(void *ctx, uint64_t phys, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t phys, const void *buf, size_t len);
	void *ctx;
};

/**
 * struct phyr_swiotlb_config - how the pool is set up.
 * @start: physical address of the bounce buffer; must be page aligned.
 * @nslabs: requested slots, as in swiotlb=NSLABS (Linux's default is
 *	PHYR_SWIOTLB_DEFAULT_NSLABS); rounded like Linux's boot code (see
 *	phyr_swiotlb_geometry).
 * @nareas: requested areas, as in swiotlb=,NAREAS (0 = 1).
 * @force_bounce: swiotlb=force: the DMA layer bounces every mapping.
 * @memory: bounce copy hook, copied into the pool; NULL = count only.
 */
struct phyr_swiotlb_config {
	uint64_t start;
	uint64_t nslabs;
	uint64_t nareas;
	bool force_bounce;
	const struct phyr_swiotlb_memory *memory;
};

/**
 * struct phyr_swiotlb_dev - the device-side parameters of one call.
 * @min_align_mask: dma_get_min_align_mask(): address bits the bounce
 *	address must share with the original (0 = none).
 * @seg_boundary_mask: dma_get_seg_boundary(); 0 means unset, i.e. all ones.
 *	Must be of the form 2^k - 1.
 * @dma_offset: the pool's DMA address minus its physical address
 *	(phys_to_dma_unencrypted of the pool start), modulo 2^64; 0 = identity.
 */
struct phyr_swiotlb_dev {
	uint32_t min_align_mask;
	uint64_t seg_boundary_mask;
	uint64_t dma_offset;
};

/**
 * struct phyr_swiotlb_info - pool geometry.
 * @start: physical start. @end: physical end (exclusive).
 * @nslabs: slots. @nareas: areas. @area_nslabs: slots per area.
 * @force_bounce: as configured.
 */
struct phyr_swiotlb_info {
	uint64_t start;
	uint64_t end;
	uint64_t nslabs;
	uint32_t nareas;
	uint32_t area_nslabs;
	bool force_bounce;
};

/**
 * struct phyr_swiotlb_slot - one slot's bookkeeping (Linux io_tlb_slot).
 * @orig_addr: original physical address bounced by this slot, or all ones.
 * @alloc_size: bytes from this slot to the end of its allocation, minus the
 *	sub-slot offset (wraps modulo 2^64 as Linux's size_t does).
 * @list: free slots from here to the end of the segment; 0 = allocated.
 * @pad_slots: padding slots before this one (only in the first data slot).
 */
struct phyr_swiotlb_slot {
	uint64_t orig_addr;
	uint64_t alloc_size;
	uint16_t list;
	uint16_t pad_slots;
};

/**
 * struct phyr_swiotlb_stats - counters of one pool (all since creation or
 * the last reset).
 */
struct phyr_swiotlb_stats {
	uint64_t nmaps;              /* successful tbl_map_single calls */
	uint64_t nmap_failures;      /* map calls that found no free run */
	uint64_t nunmaps;            /* successful tbl_unmap_single calls */
	uint64_t nsyncs_for_device;  /* sync_single_for_device calls */
	uint64_t nsyncs_for_cpu;     /* sync_single_for_cpu calls */
	uint64_t nareas_searched;    /* area searches (one per area tried) */
	uint64_t nslots_checked;     /* search steps, summed slots_checked */
	uint64_t nslots_allocated;   /* slots handed out, padding included */
	uint64_t nbytes_to_device;   /* bytes copied original -> bounce */
	uint64_t nbytes_from_device; /* bytes copied bounce -> original */
	uint64_t noverflows;         /* bounces clamped ("Buffer overflow detected") */
	uint64_t nalign_warnings;    /* maps with alloc_align_mask > PAGE_SIZE - 1 */
	uint64_t nused_hiwater;      /* highest number of used slots seen */
};

/**
 * phyr_swiotlb_geometry - the pool Linux boots with for swiotlb=NSLABS,NAREAS.
 * @nslabs: requested slots (rounded up to a multiple of 128; 0 stays 0
 *	and is then raised to 128 * nareas, as Linux's parser does).
 * @nareas: requested areas (0 = 1; rounded up to a power of two).
 * @out_nslabs: out: slots of the pool.
 * @out_nareas: out: areas of the pool.
 *
 * Returns 0, or -EINVAL if the pool would exceed PHYR_SWIOTLB_MAX_NSLABS.
 */
PHYR_EXPORT int phyr_swiotlb_geometry(uint64_t nslabs, uint64_t nareas,
				      uint64_t *out_nslabs, uint32_t *out_nareas);

/**
 * phyr_swiotlb_create - set up a pool (swiotlb_init at boot).
 * @cfg: configuration (in; the memory hook is copied).
 * @alloc: allocator for the pool's bookkeeping; NULL = malloc.
 * @out: out: the new pool, owned by the caller (phyr_swiotlb_destroy).
 *
 * Every slot starts free, every area cursor at 0. Returns 0, -EINVAL (NULL
 * argument, start not page aligned, pool too large or past the end of the
 * 64-bit address space) or -ENOMEM; on error *out is untouched.
 */
PHYR_EXPORT int phyr_swiotlb_create(const struct phyr_swiotlb_config *cfg,
				    const struct phyr_allocator *alloc,
				    struct phyr_swiotlb **out);

/** phyr_swiotlb_destroy - free a pool; NULL does nothing. */
PHYR_EXPORT void phyr_swiotlb_destroy(struct phyr_swiotlb *pool);

/**
 * phyr_swiotlb_set_memory - replace the bounce copy hook.
 * @pool: the pool.
 * @memory: new hook (copied), NULL = count copies only.
 */
PHYR_EXPORT void phyr_swiotlb_set_memory(struct phyr_swiotlb *pool,
					 const struct phyr_swiotlb_memory *memory);

/**
 * phyr_swiotlb_tbl_map_single - bounce a buffer (swiotlb_tbl_map_single).
 * @pool: the pool.
 * @dev: device parameters (in); NULL = no masks, no boundary, identity.
 * @cpu: the calling CPU; the search starts in area cpu & (nareas - 1).
 * @orig: physical address of the original buffer.
 * @size: bytes to map (mapping_size); 0 is legal as in Linux when the
 *	in-slot offset (@orig & min_align_mask & (@alloc_align_mask | 2047))
 *	is not 0: one slot is taken and no byte copied.
 * @alloc_align_mask: required alignment of the allocation (dma-iommu passes
 *	granule - 1, dma-direct 0).
 * @dir: direction (the copy on map is original -> bounce in every case).
 * @attrs: DMA_ATTR_* bits (only NO_WARN matters, and only to Linux's log).
 * @tlb_addr: out: the bounce address (physical).
 *
 * Returns 0; -ENOSPC when no run of slots fits (Linux's DMA_MAPPING_ERROR:
 * pool full or request larger than a segment; nothing changes); -EINVAL for
 * a NULL argument, @size 0 with no in-slot offset (no slot at all: Linux's
 * BUG_ON), a size that overflows, @dir out of range, or a
 * segment boundary mask not of the form 2^k - 1; or the memory hook's error (the slots are
 * released again).
 * For FROM_DEVICE and BIDIRECTIONAL, the original's @size bytes are first
 * written back onto themselves through the hook, so that a memory which
 * allocates on first write (the simulated physical memory) backs them now:
 * the copy-back of a later unmap or sync_for_cpu of this mapping then needs
 * no allocation and cannot lose the device's bytes (unlike libphyr, Linux's
 * unmap cannot fail). If that write fails (-ENOMEM), the map fails and holds
 * nothing (pages it backed stay backed, their bytes unchanged).
 */
PHYR_EXPORT int phyr_swiotlb_tbl_map_single(struct phyr_swiotlb *pool,
					    const struct phyr_swiotlb_dev *dev,
					    unsigned int cpu, uint64_t orig,
					    uint64_t size, uint32_t alloc_align_mask,
					    int dir,
					    unsigned long attrs, uint64_t *tlb_addr);

/**
 * phyr_swiotlb_tbl_unmap_single - copy back and release (swiotlb_tbl_unmap_single).
 * @pool: the pool.
 * @dev: device parameters; must carry the min_align_mask of the map.
 * @tlb_addr: a bounce address returned by phyr_swiotlb_tbl_map_single.
 * @size: mapping size (bytes copied back).
 * @dir: direction; FROM_DEVICE and BIDIRECTIONAL copy bounce -> original.
 * @attrs: PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC suppresses the copy.
 *
 * Returns 0; -ENOENT if @tlb_addr is outside the pool (Linux does nothing
 * then); -EINVAL if it does not name a live mapping or @dir is not a
 * direction (nothing changes); or
 * the memory hook's error (nothing is released).
 */
PHYR_EXPORT int phyr_swiotlb_tbl_unmap_single(struct phyr_swiotlb *pool,
					      const struct phyr_swiotlb_dev *dev,
					      uint64_t tlb_addr, uint64_t size,
					      int dir,
					      unsigned long attrs);

/**
 * phyr_swiotlb_sync_single_for_device - original -> bounce before the device
 * reads (for TO_DEVICE and BIDIRECTIONAL; FROM_DEVICE does nothing).
 * @pool, @dev, @tlb_addr, @size, @dir: as for unmap; @tlb_addr may point
 *	anywhere inside a mapping.
 *
 * Returns 0; -ENOENT outside the pool; -EINVAL for @dir NONE; or the memory
 * hook's error.
 */
PHYR_EXPORT int phyr_swiotlb_sync_single_for_device(struct phyr_swiotlb *pool,
						    const struct phyr_swiotlb_dev *dev,
						    uint64_t tlb_addr, uint64_t size,
						    int dir);

/**
 * phyr_swiotlb_sync_single_for_cpu - bounce -> original after the device
 * wrote (for FROM_DEVICE and BIDIRECTIONAL; TO_DEVICE does nothing).
 * Same arguments and returns as phyr_swiotlb_sync_single_for_device.
 */
PHYR_EXPORT int phyr_swiotlb_sync_single_for_cpu(struct phyr_swiotlb *pool,
						 const struct phyr_swiotlb_dev *dev,
						 uint64_t tlb_addr, uint64_t size,
						 int dir);

/** phyr_swiotlb_contains - whether @phys lies in the pool (swiotlb_find_pool). */
PHYR_EXPORT bool phyr_swiotlb_contains(const struct phyr_swiotlb *pool, uint64_t phys);

/**
 * phyr_swiotlb_max_mapping_size - swiotlb_max_mapping_size(): 256 KiB minus
 * min_align_mask rounded up to a slot (252 KiB for 0xfff).
 */
PHYR_EXPORT uint64_t phyr_swiotlb_max_mapping_size(uint32_t min_align_mask);

/** phyr_swiotlb_used - slots in use, summed over the areas (mem_used). */
PHYR_EXPORT uint64_t phyr_swiotlb_used(struct phyr_swiotlb *pool);

/** phyr_swiotlb_get_info - fills @info with the pool geometry. */
PHYR_EXPORT void phyr_swiotlb_get_info(const struct phyr_swiotlb *pool,
				       struct phyr_swiotlb_info *info);

/**
 * phyr_swiotlb_get_slot - one slot's bookkeeping.
 * Returns 0, or -EINVAL if @index >= nslabs.
 */
PHYR_EXPORT int phyr_swiotlb_get_slot(struct phyr_swiotlb *pool, uint64_t index,
				      struct phyr_swiotlb_slot *slot);

/**
 * phyr_swiotlb_get_area - one area's cursor and used count.
 * Returns 0, or -EINVAL if @area >= nareas.
 */
PHYR_EXPORT int phyr_swiotlb_get_area(struct phyr_swiotlb *pool, uint32_t area,
				      uint32_t *index, uint64_t *used);

/** phyr_swiotlb_get_stats - copies the counters into @stats. */
PHYR_EXPORT void phyr_swiotlb_get_stats(const struct phyr_swiotlb *pool,
					struct phyr_swiotlb_stats *stats);

/** phyr_swiotlb_reset_stats - zeroes the counters (hiwater := used now). */
PHYR_EXPORT void phyr_swiotlb_reset_stats(struct phyr_swiotlb *pool);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_SWIOTLB_H */
