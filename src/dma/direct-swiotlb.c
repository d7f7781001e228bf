// SPDX-License-Identifier: MIT
/*
 * Glue between dma-direct's bounce slot and the swiotlb pool of
 * <phyr/swiotlb.h>: the calls Linux's dma-direct makes into swiotlb
 * (swiotlb_tbl_map_single with alloc_align_mask 0, swiotlb_tbl_unmap_single,
 * the two syncs, is_swiotlb_buffer, swiotlb_max_mapping_size), with the
 * device's parameters of each call, and the pool's bounce copies going
 * through the machine's simulated memory.
 */
#include "alloc.h"
#include "direct.h"
#include "machine.h"
#include "phyr/swiotlb.h"

static int mem_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return phyr_physmem_read(ctx, phys, buf, len);
}

static int mem_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return phyr_physmem_write(ctx, phys, buf, len);
}

void phyr_dma_swiotlb_memory(struct phyr_machine *m, struct phyr_swiotlb_memory *out)
{
	if (!out)
		return;
	if (!m) {
		*out = (struct phyr_swiotlb_memory){ 0 };
		return;
	}
	out->read = mem_read;
	out->write = mem_write;
	out->ctx = m->pm;
}

/* struct phyr_swiotlb_dev for one call by @dev into @pool. */
static void swiotlb_dev_params(struct phyr_device *dev, struct phyr_swiotlb *pool,
			       struct phyr_swiotlb_dev *out)
{
	struct phyr_swiotlb_info info;
	uint64_t d;

	phyr_swiotlb_get_info(pool, &info);
	out->min_align_mask = dma_get_min_align_mask(dev);
	out->seg_boundary_mask = dma_get_seg_boundary(dev);
	if (phyr_dma_phys_to_dma_unencrypted(dev, info.start, &d))
		d = info.start; /* outside the range map: the capability check will fail */
	out->dma_offset = d - info.start;
}

static int sw_map(void *ctx, struct phyr_device *dev, uint64_t phys, size_t size,
		  enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *tlb)
{
	struct phyr_swiotlb_dev sd;

	swiotlb_dev_params(dev, ctx, &sd);
	return phyr_swiotlb_tbl_map_single(ctx, &sd, dev->cpu, phys, size, 0, (int)dir, attrs, tlb);
}

static void sw_unmap(void *ctx, struct phyr_device *dev, uint64_t tlb, size_t size,
		     enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_swiotlb_dev sd;

	swiotlb_dev_params(dev, ctx, &sd);
	phyr_swiotlb_tbl_unmap_single(ctx, &sd, tlb, size, (int)dir, attrs);
}

static void sw_sync_cpu(void *ctx, struct phyr_device *dev, uint64_t tlb, size_t size,
			enum phyr_dma_data_direction dir)
{
	struct phyr_swiotlb_dev sd;

	swiotlb_dev_params(dev, ctx, &sd);
	phyr_swiotlb_sync_single_for_cpu(ctx, &sd, tlb, size, (int)dir);
}

static void sw_sync_dev(void *ctx, struct phyr_device *dev, uint64_t tlb, size_t size,
			enum phyr_dma_data_direction dir)
{
	struct phyr_swiotlb_dev sd;

	swiotlb_dev_params(dev, ctx, &sd);
	phyr_swiotlb_sync_single_for_device(ctx, &sd, tlb, size, (int)dir);
}

static bool sw_owns(void *ctx, struct phyr_device *dev, uint64_t phys)
{
	(void)dev;
	return phyr_swiotlb_contains(ctx, phys);
}

static size_t sw_max(void *ctx, struct phyr_device *dev)
{
	(void)ctx;
	return (size_t)phyr_swiotlb_max_mapping_size(dma_get_min_align_mask(dev));
}

int phyr_device_use_swiotlb(struct phyr_device *dev, struct phyr_swiotlb *pool)
{
	struct phyr_dma_bounce_ops ops = { sw_map, sw_unmap, sw_sync_cpu, sw_sync_dev,
					   sw_owns, sw_max, pool };
	struct phyr_swiotlb_info info;
	int ret;

	if (!dev)
		return -EINVAL;
	if (!pool)
		return phyr_device_set_bounce(dev, NULL);
	phyr_swiotlb_get_info(pool, &info);
	if (dev->m->cfg.mem_encrypt_mask && info.end > info.start) {
		ret = phyr_machine_set_decrypted(dev->m, info.start, info.end - info.start);
		if (ret)
			return ret;
	}
	ret = phyr_device_set_bounce(dev, &ops);
	if (ret)
		return ret;
	dev->bounce_force = info.force_bounce;
	return 0;
}

void phyr_device_set_cpu(struct phyr_device *dev, unsigned int cpu)
{
	if (dev)
		dev->cpu = cpu;
}
