/* SPDX-License-Identifier: MIT */
/* phyr-sim map: what a workload drives (sim/map-run.c), used by sim/map-workloads.c. */
#ifndef PHYR_SIM_MAP_ENGINE_H
#define PHYR_SIM_MAP_ENGINE_H

#include <stdint.h>

#include <phyr/device.h>

#define MAP_MAX_ENTS 256
#define MAP_MAX_SLOTS 512
/* The two P2P providers' BARs (64 MiB each): A by bus address, B through the host bridge. */
#define MAP_BAR_A 0x300000000ull
#define MAP_BAR_B 0x310000000ull
#define MAP_BAR_LEN 0x4000000ull

struct map_engine;

struct map_ent {
	uint64_t phys;
	uint32_t len;
};

/* Map @n entries into @slot (unmapping what it held), the device touches every segment. */
int map_map(struct map_engine *e, int slot, const struct map_ent *ents, int n,
	    enum phyr_dma_data_direction dir);
/* Unmap @slot (nothing if empty). */
void map_unmap(struct map_engine *e, int slot);
/* Entry @idx of the list in @slot now lives at @phys (same length). */
int map_remap(struct map_engine *e, int slot, int idx, uint64_t phys);

#endif /* PHYR_SIM_MAP_ENGINE_H */
