/* SPDX-License-Identifier: MIT */
/*
 * PCI constants and the BAR layout, below both the machine model
 * (machine.c) and P2PDMA (p2pdma.c). Linux: include/linux/pci.h.
 */
#ifndef PHYR_SRC_PCI_H
#define PHYR_SRC_PCI_H

#include <stdbool.h>
#include <stdint.h>

/* Standard BARs of a function (Linux's PCI_STD_NUM_BARS). */
#define PCI_NUM_BARS 6

/* One BAR: @cpu_start, @len in CPU physical space, @bus_start on the bus. */
struct pci_bar {
	bool set;
	uint64_t cpu_start;
	uint64_t len;
	uint64_t bus_start;
};

#endif /* PHYR_SRC_PCI_H */
