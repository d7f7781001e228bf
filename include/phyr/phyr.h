/* SPDX-License-Identifier: MIT */
/*
 * libphyr umbrella header: includes every public module header.
 */
#ifndef PHYR_PHYR_H
#define PHYR_PHYR_H

#include <phyr/common.h>
/* PHYR_MODULE_HEADERS: each module adds its own #if __has_include line. */
#if __has_include(<phyr/list.h>)
#include <phyr/list.h>
#endif
#if __has_include(<phyr/sg.h>)
#include <phyr/sg.h>
#endif
#if __has_include(<phyr/pages.h>)
#include <phyr/pages.h>
#endif
#if __has_include(<phyr/account.h>)
#include <phyr/account.h>
#endif
#if __has_include(<phyr/iova.h>)
#include <phyr/iova.h>
#endif
#if __has_include(<phyr/iommu.h>)
#include <phyr/iommu.h>
#endif
#if __has_include(<phyr/swiotlb.h>)
#include <phyr/swiotlb.h>
#endif
#if __has_include(<phyr/machine.h>)
#include <phyr/machine.h>
#endif
#if __has_include(<phyr/dma.h>)
#include <phyr/dma.h>
#endif
#if __has_include(<phyr/dma-debug.h>)
#include <phyr/dma-debug.h>
#endif
#if __has_include(<phyr/dma-iova.h>)
#include <phyr/dma-iova.h>
#endif
#if __has_include(<phyr/dma-phyr.h>)
#include <phyr/dma-phyr.h>
#endif
#if __has_include(<phyr/dma-iommu.h>)
#include <phyr/dma-iommu.h>
#endif

#endif /* PHYR_PHYR_H */
