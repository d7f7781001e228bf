/* SPDX-License-Identifier: MIT */
/* Private layout of the machine model, shared by machine.c, p2pdma.c and dma-direct.c. */
#ifndef PHYR_SRC_MACHINE_H
#define PHYR_SRC_MACHINE_H

#include <pthread.h>

#include "phyr/machine.h"

#define PCI_NUM_BARS 6

struct mm_range {
	uint64_t start;
	uint64_t size;
	enum phyr_mem_type type;
	struct phyr_pci_dev *dev;     /* BAR and P2P ranges */
	struct phyr_p2p_pgmap *pgmap; /* P2P ranges */
};

struct pci_bar {
	bool set;
	uint64_t cpu_start;
	uint64_t len;
	uint64_t bus_start;
};

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

struct phyr_p2p_pgmap {
	struct phyr_pci_dev *provider;
	uint64_t start; /* CPU physical */
	uint64_t size;
	uint64_t bus_offset;
	struct phyr_p2p_pgmap *next; /* machine's list */
};

struct phyr_pci_host_bridge {
	struct phyr_machine *m;
	uint16_t domain;
	uint8_t root_bus;
	struct phyr_pci_dev *first_dev; /* first device on the root bus */
	struct phyr_pci_host_bridge *next;
};

struct phyr_pci_dev {
	struct phyr_machine *m;
	struct phyr_pci_host_bridge *host;
	struct phyr_pci_dev *parent; /* upstream bridge, NULL on a root bus */
	uint8_t bus;
	uint8_t devfn;
	uint8_t secondary; /* bridges only */
	enum phyr_pci_type type;
	uint16_t vendor;
	uint16_t device;
	bool has_acs;
	uint16_t acs_ctrl;
	struct pci_bar bars[PCI_NUM_BARS];
	struct pci_p2pdma *p2pdma;
	struct phyr_pci_dev *next; /* machine's list, creation order */
};

struct phyr_machine {
	const struct phyr_allocator *a;
	struct phyr_allocator a_copy;
	struct phyr_machine_config cfg;
	struct phyr_physmem *pm;
	struct mm_range *ranges; /* sorted by start, non-overlapping */
	size_t nranges;
	size_t ranges_cap;
	struct mm_range *decrypted; /* sorted, merged */
	size_t ndecrypted;
	size_t decrypted_cap;
	struct phyr_pci_host_bridge *hosts;
	struct phyr_pci_dev *devs;
	struct phyr_pci_dev *devs_tail;
	struct phyr_p2p_pgmap *pgmaps;
	bool has_p2p;            /* a P2P pagemap was ever added ... */
	uint64_t p2p_lo, p2p_hi; /* ... and they all lie in [p2p_lo, p2p_hi] */
	struct phyr_machine_stats st;
	/* Guards the P2P map-type caches and st: mappers on several threads
	 * look map types up concurrently. Topology and memory map are set up
	 * before concurrent use and are read without it. */
	pthread_mutex_t lock;
};

/* machine.c */
int machine_insert_range(struct phyr_machine *m, const struct mm_range *r);
const struct mm_range *machine_find_range(const struct phyr_machine *m, uint64_t phys);
bool machine_is_decrypted(const struct phyr_machine *m, uint64_t phys, uint64_t len);

/* p2pdma.c */
void p2pdma_free(struct phyr_machine *m, struct phyr_pci_dev *dev);
void p2pdma_flush_all_caches(struct phyr_machine *m);

#endif /* PHYR_SRC_MACHINE_H */
