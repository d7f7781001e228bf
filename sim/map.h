/* SPDX-License-Identifier: MIT */
/* phyr-sim map: simulated device workloads under each mapping API (docs/dma.md). */
#ifndef PHYR_SIM_MAP_H
#define PHYR_SIM_MAP_H

#include <stdbool.h>
#include <stdint.h>

enum map_api {
	MAP_API_SG = 0,   /* phyr_dma_map_sg */
	MAP_API_PHYR,     /* phyr_dma_map_phyr */
	MAP_API_TWO_STEP, /* dma_iova_try_alloc / link / sync / destroy */
	MAP_NAPIS
};

extern const char *const map_api_names[MAP_NAPIS];

/* What one API did on one workload (all exact counts of the models). */
struct map_result {
	bool available;
	const char *why;            /* when not available */
	uint64_t requests;          /* map operations issued */
	uint64_t errors;            /* map operations that failed */
	uint64_t iova_allocs;       /* alloc_iova_fast calls */
	uint64_t iova_nodes_visited;/* rb-tree nodes the IOVA searches touched */
	uint64_t ptes_written;      /* page-table descriptor stores */
	uint64_t iotlb_invalidations; /* range + full IOTLB invalidation commands */
	uint64_t bounce_bytes;      /* bytes copied to and from swiotlb slots */
	uint64_t bounce_slots;      /* swiotlb slots allocated */
	uint64_t dma_segments;      /* DMA segments handed to the device */
	uint64_t faults;            /* device accesses that faulted */
	double sim_ns;              /* modelled IOMMU time */
};

struct map_workload {
	const char *name;
	const char *desc;
	bool untrusted;       /* the device is untrusted (external-facing) */
	uint32_t max_seg;     /* dma_set_max_seg_size, 0 = PCI default 64 KiB */
	uint32_t min_align;   /* dma_set_min_align_mask */
	int (*run)(void *engine, uint64_t seed);
};

extern const struct map_workload map_workloads[];
extern const unsigned map_nworkloads;

/*
 * Runs workload @w under @api from a fresh machine built with @opts (the
 * IOVA policy, CPUs, range-cache geometry, strict or lazy: NULL = the
 * machine file as it is); fills @out. 0 or -errno (setup failed).
 */
struct phyr_system_opts;

/*
 * Uses the machine description @text (named @name in messages; NULL: the
 * shipped machines/map.machine and map-untrusted.machine) for every
 * workload after this call. @text must outlive the runs.
 */
void map_set_machine(const char *text, const char *name);

int map_run(const struct map_workload *w, enum map_api api, uint64_t seed,
	    const struct phyr_system_opts *opts, struct map_result *out);

#endif /* PHYR_SIM_MAP_H */
