/* SPDX-License-Identifier: MIT */
/*
 * Private helpers of the IOMMU core (src/iommu/iommu.c) for the layers
 * above it.
 */
#ifndef PHYR_SRC_IOMMU_H
#define PHYR_SRC_IOMMU_H

#include "phyr/iommu.h"

/*
 * The CPU of the last phyr_iommu_dma_unmap() on @d: the CPU the release
 * hook gives IOVAs back on. Only from inside the release hook (the
 * domain's lock is held there; asserted).
 */
unsigned int iommu_domain_release_cpu(const struct phyr_iommu_domain *d);

#endif /* PHYR_SRC_IOMMU_H */
