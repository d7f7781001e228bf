/* SPDX-License-Identifier: MIT */
/* Private layout of the machine model, shared by machine.c, p2pdma.c and dma-direct.c. */
#ifndef PHYR_SRC_MACHINE_H
#define PHYR_SRC_MACHINE_H

#include <pthread.h>

#include "pci.h"
#include "phyr/machine.h"

struct pci_p2pdma; /* provider state, p2pdma.h */

struct mm_range {
	uint64_t start;
	uint64_t size;
	enum phyr_mem_type type;
	struct phyr_pci_dev *dev;     /* BAR and P2P ranges */
	struct phyr_p2p_pgmap *pgmap; /* P2P ranges */
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

/*
 * What the machine asks of P2PDMA, installed by p2pdma.c with the first
 * provider (Linux: the devm release action pci_p2pdma_add_resource adds),
 * so that the machine does not call up into p2pdma.c.
 * @release: pci_p2pdma_release(): free @dev's provider state, if any.
 * @flush_caches: the topology changed (ACS): drop every cached map type.
 */
struct machine_p2pdma_ops {
	void (*release)(struct phyr_machine *m, struct phyr_pci_dev *dev);
	void (*flush_caches)(struct phyr_machine *m);
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
	const struct machine_p2pdma_ops *p2pdma; /* NULL until a provider exists */
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

#endif /* PHYR_SRC_MACHINE_H */
