/* SPDX-License-Identifier: MIT */
/* Private layout of the swiotlb pool (see include/phyr/swiotlb.h). */
#ifndef PHYR_SRC_SWIOTLB_H
#define PHYR_SRC_SWIOTLB_H

#include <pthread.h>
#include <stdatomic.h>

#include "phyr/swiotlb.h"

/* orig_addr of a slot that bounces nothing (INVALID_PHYS_ADDR). */
#define SWIOTLB_INVALID_PHYS UINT64_MAX

struct swiotlb_slot {
	uint64_t orig_addr;
	uint64_t alloc_size;
	uint16_t list;
	uint16_t pad_slots;
	/* libphyr's own bookkeeping, to reject misuse Linux would not notice:
	 * slots of the allocation starting here (padding included), else 0. */
	uint16_t nalloc;
	/* true in the first data slot of a live allocation. */
	bool data_start;
};

struct swiotlb_area {
	uint64_t used;
	uint32_t index;
	pthread_mutex_t lock;
};

struct phyr_swiotlb {
	uint64_t start;
	uint64_t end;
	uint64_t nslabs;
	uint32_t nareas;
	uint32_t area_nslabs;
	bool force_bounce;
	struct phyr_swiotlb_memory memory;
	bool has_memory;
	struct swiotlb_area *areas;
	struct swiotlb_slot *slots;
	const struct phyr_allocator *alloc;

	/* Counters (relaxed atomics: maps may run on several threads). */
	atomic_uint_least64_t total_used;
	atomic_uint_least64_t nmaps;
	atomic_uint_least64_t nmap_failures;
	atomic_uint_least64_t nunmaps;
	atomic_uint_least64_t nsyncs_for_device;
	atomic_uint_least64_t nsyncs_for_cpu;
	atomic_uint_least64_t nareas_searched;
	atomic_uint_least64_t nslots_checked;
	atomic_uint_least64_t nslots_allocated;
	atomic_uint_least64_t nbytes_to_device;
	atomic_uint_least64_t nbytes_from_device;
	atomic_uint_least64_t noverflows;
	atomic_uint_least64_t nalign_warnings;
	atomic_uint_least64_t nused_hiwater;
};

/*
 * swiotlb_create_exact - a pool with the geometry a running kernel reports
 * (its io_tlb_pool: start, nslabs, nareas), taken as is instead of derived
 * from boot parameters: a capture's pool may have been shrunk at boot, and
 * its physical start is wherever memblock put it (any address, not only a
 * page boundary). area_nslabs is nslabs / nareas, as in Linux.
 * @nareas must be a power of two dividing @nslabs; @nslabs at most
 * PHYR_SWIOTLB_MAX_NSLABS and the pool must end inside the 64-bit space.
 * No memory hook (copies are counted only). Returns 0, -EINVAL or -ENOMEM.
 */
int swiotlb_create_exact(uint64_t start, uint64_t nslabs, uint32_t nareas, bool force_bounce,
			 const struct phyr_allocator *alloc, struct phyr_swiotlb **out);

#endif /* PHYR_SRC_SWIOTLB_H */
