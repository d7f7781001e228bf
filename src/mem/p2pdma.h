/* SPDX-License-Identifier: MIT */
/* Private types of p2pdma.c: the provider state and its map-type cache. */
#ifndef PHYR_SRC_P2PDMA_H
#define PHYR_SRC_P2PDMA_H

#include <stddef.h>
#include <stdint.h>

/* One slot of the per-provider map-type cache (open addressing). */
struct p2p_cache_slot {
	uint32_t key; /* (domain << 16) | (bus << 8) | devfn */
	uint8_t map;  /* enum phyr_p2pdma_map_type, 0 = empty */
};

/* Provider state (struct pci_p2pdma): exists once a resource was added. */
struct pci_p2pdma {
	struct p2p_cache_slot *cache;
	size_t cache_cap;
	size_t cache_used;
};

#endif /* PHYR_SRC_P2PDMA_H */
