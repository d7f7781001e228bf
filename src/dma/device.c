// SPDX-License-Identifier: MIT
/*
 * The device model: struct device's DMA fields, dma_parms and the get/set
 * helpers of include/linux/dma-mapping.h (dma_set_mask, which asks the DMA
 * path, is the dispatch's: src/dma/mapping.c; the device's DMA engine is
 * src/dma/data-path.c).
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "direct.h"
#include "phyr/dma-debug.h"
#include "machine.h"

void phyr_device_config_init(struct phyr_device_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->dma_mask = PHYR_DMA_BIT_MASK(32);
	cfg->coherent_dma_mask = PHYR_DMA_BIT_MASK(32);
	cfg->coherent = true;
}

void phyr_device_config_init_pci(struct phyr_device_config *cfg, struct phyr_pci_dev *pci)
{
	if (!cfg)
		return;
	phyr_device_config_init(cfg);
	cfg->pci = pci;
	cfg->max_segment_size = 65536;
	cfg->seg_boundary_mask = 0xffffffffu;
}

int phyr_device_create(struct phyr_machine *m, const struct phyr_device_config *cfg,
		       const struct phyr_allocator *a, struct phyr_device **out)
{
	struct phyr_device *dev;
	size_t i, n = 0;

	if (!m || !cfg || !out || (cfg->pci && cfg->pci->m != m) ||
	    (cfg->ndma_ranges && !cfg->dma_range_map))
		return -EINVAL;
	/* Linux stops at the first region of size 0. */
	while (n < cfg->ndma_ranges && cfg->dma_range_map[n].size)
		n++;
	for (i = 0; i < n; i++) {
		const struct phyr_bus_dma_region *r = &cfg->dma_range_map[i];

		if (r->cpu_start + (r->size - 1) < r->cpu_start ||
		    r->dma_start + (r->size - 1) < r->dma_start)
			return -EINVAL;
	}
	a = alloc_or_default(a);
	dev = alloc_zeroed(a, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->a_copy = *a;
	dev->a = &dev->a_copy;
	if (n) {
		dev->map = alloc_mem(dev->a, n * sizeof(*dev->map));
		if (!dev->map) {
			alloc_free(a, dev, sizeof(*dev));
			return -ENOMEM;
		}
		memcpy(dev->map, cfg->dma_range_map, n * sizeof(*dev->map));
		dev->nmap = n;
	}
	dev->m = m;
	dev->cfg = *cfg;
	dev->cfg.dma_range_map = dev->map;
	dev->cfg.ndma_ranges = dev->nmap;
	if (cfg->name)
		snprintf(dev->name, sizeof(dev->name), "%s", cfg->name);
	else if (cfg->pci)
		phyr_pci_dev_name(cfg->pci, dev->name, sizeof(dev->name));
	else
		snprintf(dev->name, sizeof(dev->name), "dev");
	dev->cfg.name = dev->name;
	*out = dev;
	return 0;
}

void phyr_device_destroy(struct phyr_device *dev)
{
	struct phyr_allocator a;

	if (!dev)
		return;
	/*
	 * Driver unbind: the DMA domain the device is attached to detaches it
	 * (iommu_teardown_dma_ops, through the hook it set), then dma-debug
	 * reports what the device still has mapped on any path (Linux's
	 * dma_debug_device_change at BUS_NOTIFY_UNBOUND_DRIVER); detaching
	 * reported first, so the second call finds nothing left.
	 */
	if (dev->dma_detach)
		dev->dma_detach(dev);
	if (dev->debug)
		phyr_dma_debug_teardown(dev->debug, dev, NULL);
	alloc_free(dev->a, dev->map, dev->nmap * sizeof(*dev->map));
	a = dev->a_copy;
	alloc_free(&a, dev, sizeof(*dev));
}

const char *phyr_device_name(const struct phyr_device *dev)
{
	return dev ? dev->name : NULL;
}

struct phyr_machine *phyr_device_machine(const struct phyr_device *dev)
{
	return dev ? dev->m : NULL;
}

struct phyr_pci_dev *phyr_device_pci(const struct phyr_device *dev)
{
	return dev ? dev->cfg.pci : NULL;
}

bool phyr_device_is_untrusted(const struct phyr_device *dev)
{
	return dev && dev->cfg.untrusted;
}

bool phyr_device_is_coherent(const struct phyr_device *dev)
{
	return dev && dev->cfg.coherent;
}

const struct phyr_device_config *phyr_device_get_config(const struct phyr_device *dev)
{
	return dev ? &dev->cfg : NULL;
}

void phyr_device_get_stats(const struct phyr_device *dev, struct phyr_device_stats *out)
{
	if (out)
		*out = dev ? dev->st : (struct phyr_device_stats){ 0 };
}

uint64_t phyr_dma_get_mask(const struct phyr_device *dev)
{
	if (!dev)
		return 0;
	return dma_get_mask(dev);
}

uint64_t phyr_dma_get_coherent_mask(const struct phyr_device *dev)
{
	return dev ? dev->cfg.coherent_dma_mask : 0;
}

uint64_t phyr_dma_get_bus_limit(const struct phyr_device *dev)
{
	return dev ? dev->cfg.bus_dma_limit : 0;
}

uint32_t phyr_dma_get_max_seg_size(const struct phyr_device *dev)
{
	if (!dev)
		return 0;
	return dev->cfg.max_segment_size ? dev->cfg.max_segment_size : 65536;
}

uint64_t phyr_dma_get_seg_boundary(const struct phyr_device *dev)
{
	if (!dev)
		return 0;
	return dev->cfg.seg_boundary_mask ? dev->cfg.seg_boundary_mask : ~UINT64_C(0);
}

uint32_t phyr_dma_get_min_align_mask(const struct phyr_device *dev)
{
	return dev ? dev->cfg.min_align_mask : 0;
}

int phyr_dma_set_max_seg_size(struct phyr_device *dev, uint32_t size)
{
	if (!dev)
		return -EINVAL;
	dev->cfg.max_segment_size = size;
	return 0;
}

int phyr_dma_set_seg_boundary(struct phyr_device *dev, uint64_t mask)
{
	if (!dev)
		return -EINVAL;
	dev->cfg.seg_boundary_mask = mask;
	return 0;
}

int phyr_dma_set_min_align_mask(struct phyr_device *dev, uint32_t mask)
{
	if (!dev)
		return -EINVAL;
	dev->cfg.min_align_mask = mask;
	return 0;
}

int phyr_device_set_bus_dma_limit(struct phyr_device *dev, uint64_t limit)
{
	if (!dev)
		return -EINVAL;
	dev->cfg.bus_dma_limit = limit;
	return 0;
}

int phyr_dma_direct_set_offset(struct phyr_device *dev, uint64_t cpu_start, uint64_t dma_start,
			       uint64_t size)
{
	struct phyr_bus_dma_region *map;

	if (!dev || dev->map)
		return -EINVAL;
	if (cpu_start == dma_start)
		return 0;
	map = alloc_mem(dev->a, sizeof(*map));
	if (!map)
		return -ENOMEM;
	*map = (struct phyr_bus_dma_region){ cpu_start, dma_start, size };
	dev->map = map;
	dev->nmap = size ? 1 : 0;
	dev->cfg.dma_range_map = map;
	dev->cfg.ndma_ranges = dev->nmap;
	return 0;
}

int phyr_device_attach_iommu(struct phyr_device *dev, void *domain,
			     phyr_device_translate_fn translate)
{
	if (!dev || (domain && !translate))
		return -EINVAL;
	dev->iommu = domain;
	dev->translate = domain ? translate : NULL;
	dev->iommu_passthrough = false;
	return 0;
}

void *phyr_device_iommu(const struct phyr_device *dev)
{
	return dev ? dev->iommu : NULL;
}

int phyr_device_set_dma_debug(struct phyr_device *dev, struct phyr_dma_debug *dbg)
{
	if (!dev)
		return -EINVAL;
	dev->debug = dbg;
	return 0;
}

struct phyr_dma_debug *phyr_device_dma_debug(const struct phyr_device *dev)
{
	return dev ? dev->debug : NULL;
}

int phyr_device_set_bounce(struct phyr_device *dev, const struct phyr_dma_bounce_ops *ops)
{
	if (!dev)
		return -EINVAL;
	if (!ops) {
		dev->has_bounce = false;
		dev->bounce_force = false;
		memset(&dev->bounce, 0, sizeof(dev->bounce));
		return 0;
	}
	if (!ops->map || !ops->unmap || !ops->sync_for_cpu || !ops->sync_for_device ||
	    !ops->owns || !ops->max_mapping_size)
		return -EINVAL;
	dev->bounce = *ops;
	dev->has_bounce = true;
	dev->bounce_force = false;
	return 0;
}
