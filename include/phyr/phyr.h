/* SPDX-License-Identifier: MIT */
/*
 * libphyr umbrella header: includes every public module header, lower
 * layers first (see DESIGN.md).
 */
#ifndef PHYR_PHYR_H
#define PHYR_PHYR_H

#include <phyr/version.h>
#include <phyr/common.h>

/* core: phyr lists, scatterlist, page patterns, memory accounting */
#include <phyr/list.h>
#include <phyr/scatterlist.h>
#include <phyr/pages.h>
#include <phyr/account.h>

/* IOVA allocator and mock IOMMU */
#include <phyr/iova.h>
#include <phyr/iommu.h>

/* machine, swiotlb and the DMA API */
#include <phyr/machine.h>
#include <phyr/swiotlb.h>
#include <phyr/device.h>
#include <phyr/dma-debug.h>
#include <phyr/dma-iommu.h>
#include <phyr/dma-mapping.h>
#include <phyr/builder.h>

#endif /* PHYR_PHYR_H */
