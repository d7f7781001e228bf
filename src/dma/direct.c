// SPDX-License-Identifier: MIT
/*
 * dma-direct: mapping without an IOMMU (kernel/dma/direct.c, direct.h,
 * include/linux/dma-direct.h of Linux v6.17, spec section 7), with the
 * swiotlb calls replaced by the device's bounce hook. The order of the
 * decisions and the error values are Linux's; see include/phyr/device.h.
 */
#include <string.h>

#include "alloc.h"
#include "sg.h"
#include "direct.h"
#include "machine.h"

static bool dir_valid(enum phyr_dma_data_direction dir)
{
	return dir == PHYR_DMA_BIDIRECTIONAL || dir == PHYR_DMA_TO_DEVICE ||
	       dir == PHYR_DMA_FROM_DEVICE;
}

/* translate_phys_to_dma(): first region holding @phys, else DMA_MAPPING_ERROR. */
uint64_t direct_translate_phys(const struct phyr_device *dev, uint64_t phys)
{
	size_t i;

	if (!dev->map)
		return phys;
	for (i = 0; i < dev->nmap; i++) {
		const struct phyr_bus_dma_region *r = &dev->map[i];

		if (phys >= r->cpu_start && phys - r->cpu_start < r->size)
			return r->dma_start + (phys - r->cpu_start);
	}
	return PHYR_DMA_MAPPING_ERROR;
}

/* translate_dma_to_phys(): first region holding @dma, else all ones. */
uint64_t direct_translate_dma(const struct phyr_device *dev, uint64_t dma)
{
	size_t i;

	if (!dev->map)
		return dma;
	for (i = 0; i < dev->nmap; i++) {
		const struct phyr_bus_dma_region *r = &dev->map[i];

		if (dma >= r->dma_start && dma - r->dma_start < r->size)
			return r->cpu_start + (dma - r->dma_start);
	}
	return ~UINT64_C(0);
}

int phyr_dma_phys_to_dma_unencrypted(const struct phyr_device *dev, uint64_t phys, uint64_t *dma)
{
	uint64_t d;

	if (!dev || !dma)
		return -EINVAL;
	d = direct_translate_phys(dev, phys);
	if (d == PHYR_DMA_MAPPING_ERROR && dev->map)
		return -ERANGE;
	*dma = d;
	return 0;
}

int phyr_dma_phys_to_dma(const struct phyr_device *dev, uint64_t phys, uint64_t *dma)
{
	int ret = phyr_dma_phys_to_dma_unencrypted(dev, phys, dma);

	if (!ret)
		*dma |= dev->m->cfg.mem_encrypt_mask;
	return ret;
}

int phyr_dma_to_phys(const struct phyr_device *dev, uint64_t dma, uint64_t *phys)
{
	uint64_t p;

	if (!dev || !phys)
		return -EINVAL;
	dma &= ~dev->m->cfg.mem_encrypt_mask;
	p = direct_translate_dma(dev, dma);
	if (p == ~UINT64_C(0) && dev->map)
		return -ERANGE;
	*phys = p;
	return 0;
}

bool phyr_dma_capable(const struct phyr_device *dev, uint64_t addr, size_t size, bool is_ram)
{
	uint64_t end = addr + (uint64_t)size - 1;

	(void)is_ram; /* only matters on 32-bit dma_addr_t with ZONE_DMA */
	if (!dev || addr == PHYR_DMA_MAPPING_ERROR)
		return false;
	return end <= min_not_zero(dev->cfg.dma_mask, dev->cfg.bus_dma_limit);
}

bool phyr_dma_force_unencrypted(const struct phyr_device *dev)
{
	const struct phyr_machine_config *mc;
	uint64_t enc_mask;

	if (!dev)
		return false;
	mc = &dev->m->cfg;
	if (mc->cc_guest)
		return true;
	if (mc->mem_encrypt_mask) {
		/* DMA_BIT_MASK(__ffs64(sme_me_mask)) */
		enc_mask = PHYR_DMA_BIT_MASK(__builtin_ctzll(mc->mem_encrypt_mask));
		if (min_not_zero(dev->cfg.coherent_dma_mask, dev->cfg.bus_dma_limit) <= enc_mask)
			return true;
	}
	return false;
}

bool phyr_dma_is_force_bounce(const struct phyr_device *dev)
{
	return dev && (dev->m->cfg.swiotlb_force || dev->m->cfg.cc_guest ||
		       (dev->has_bounce && dev->bounce_force));
}

/* is_pci_p2pdma_page() (and, for the model, any other BAR page: it has no RAM to bounce). */
static bool is_p2p_or_bar(struct phyr_device *dev, uint64_t phys)
{
	const struct mm_range *r = machine_find_range(dev->m, phys);

	return r && (r->type == PHYR_MEM_P2P || r->type == PHYR_MEM_BAR);
}

static void cache_clean(struct phyr_device *dev, unsigned long attrs)
{
	if (!dev->cfg.coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC))
		stat_inc(dev->st.ncache_clean);
}

/* swiotlb_map(): bounce, convert unencrypted, check the bounce address is reachable. */
static int bounce_map(struct phyr_device *dev, uint64_t phys, size_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	uint64_t tlb, d;

	if (!dev->has_bounce)
		return -ENOMEM; /* no swiotlb pool: DMA_MAPPING_ERROR */
	if (dev->bounce.map(dev->bounce.ctx, dev, phys, size, dir, attrs, &tlb))
		return -ENOMEM;
	if (phyr_dma_phys_to_dma_unencrypted(dev, tlb, &d) || !phyr_dma_capable(dev, d, size, true)) {
		dev->bounce.unmap(dev->bounce.ctx, dev, tlb, size, dir,
				  attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
		return -ENOMEM;
	}
	cache_clean(dev, attrs);
	stat_inc(dev->st.nbounced);
	stat_add(dev->st.nbytes_bounced, size);
	*dma = d;
	return 0;
}

/*
 * dma_direct_map_phys() without argument checks or counters.
 * SWIOTLB HOOK: every place Linux calls swiotlb_map() calls bounce_map().
 */
static int direct_map(struct phyr_device *dev, uint64_t phys, size_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	bool mmio = attrs & PHYR_DMA_ATTR_MMIO;
	uint64_t d;

	if (phyr_dma_is_force_bounce(dev)) {
		if (mmio || is_p2p_or_bar(dev, phys))
			return -ENOMEM;
		return bounce_map(dev, phys, size, dir, attrs, dma);
	}
	if (mmio) {
		if (!phyr_dma_capable(dev, phys, size, false))
			return -ENOMEM;
		*dma = phys;
		return 0;
	}
	if (phyr_dma_phys_to_dma(dev, phys, &d))
		d = PHYR_DMA_MAPPING_ERROR;
	if (!phyr_dma_capable(dev, d, size, true)) {
		if (is_p2p_or_bar(dev, phys))
			return -ENOMEM;
		if (dev->has_bounce)
			return bounce_map(dev, phys, size, dir, attrs, dma);
		/* Linux: "DMA addr %pad+%zu overflow (mask %llx, bus limit %llx)." */
		return -ENOMEM;
	}
	cache_clean(dev, attrs);
	*dma = d;
	return 0;
}

static bool owns_bounce(struct phyr_device *dev, uint64_t phys)
{
	return dev->has_bounce && dev->bounce.owns(dev->bounce.ctx, dev, phys);
}

static void direct_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
				enum phyr_dma_data_direction dir)
{
	uint64_t phys;

	if (phyr_dma_to_phys(dev, dma, &phys))
		phys = ~UINT64_C(0);
	if (!dev->cfg.coherent)
		stat_inc(dev->st.ncache_invalidate);
	if (owns_bounce(dev, phys))
		dev->bounce.sync_for_cpu(dev->bounce.ctx, dev, phys, size, dir);
}

static void direct_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
				   enum phyr_dma_data_direction dir)
{
	uint64_t phys;

	if (phyr_dma_to_phys(dev, dma, &phys))
		phys = ~UINT64_C(0);
	if (owns_bounce(dev, phys))
		dev->bounce.sync_for_device(dev->bounce.ctx, dev, phys, size, dir);
	if (!dev->cfg.coherent)
		stat_inc(dev->st.ncache_clean);
}

static void direct_unmap(struct phyr_device *dev, uint64_t dma, size_t size,
			 enum phyr_dma_data_direction dir, unsigned long attrs)
{
	uint64_t phys;

	if (attrs & PHYR_DMA_ATTR_MMIO)
		return;
	if (phyr_dma_to_phys(dev, dma, &phys))
		phys = ~UINT64_C(0);
	if (!(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC))
		direct_sync_for_cpu(dev, dma, size, dir);
	if (owns_bounce(dev, phys))
		dev->bounce.unmap(dev->bounce.ctx, dev, phys, size, dir,
				  attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
}

int phyr_dma_direct_map_phys(struct phyr_device *dev, uint64_t phys, size_t size,
			     enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	if (!dev || !dma || !size || !dir_valid(dir) || !dev_is_dma_direct(dev))
		return -EINVAL;
	return direct_map(dev, phys, size, dir, attrs, dma);
}

int phyr_dma_direct_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
			       enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!dev || !dir_valid(dir) || !dev_is_dma_direct(dev))
		return -EINVAL;
	direct_unmap(dev, dma, size, dir, attrs);
	return 0;
}

int phyr_dma_direct_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
				 enum phyr_dma_data_direction dir)
{
	if (!dev || !dir_valid(dir) || !dev_is_dma_direct(dev))
		return -EINVAL;
	direct_sync_for_cpu(dev, dma, size, dir);
	return 0;
}

int phyr_dma_direct_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
				    enum phyr_dma_data_direction dir)
{
	if (!dev || !dir_valid(dir) || !dev_is_dma_direct(dev))
		return -EINVAL;
	direct_sync_for_device(dev, dma, size, dir);
	return 0;
}

static void direct_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			    struct phyr_scatterlist *sgl, int nents,
			    enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_scatterlist *s = sgl;

	for (int i = 0; i < nents && s; i++, s = sg_next(L, s)) {
		if (sg_dma_is_bus_address(L, s))
			sg_dma_unmark_bus_address(L, s);
		else
			direct_unmap(dev, sg_dma_address(L, s), sg_dma_len(L, s), dir,
				     attrs);
	}
}

/* The list has @nents entries, none of length 0. */
static bool sg_list_ok(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, int nents)
{
	for (int i = 0; i < nents; i++, s = sg_next(L, s))
		if (!s || !sg_length(L, s))
			return false;
	return true;
}

int dma_direct_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		      struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		      unsigned long attrs, int *nmapped, uint64_t *bytes)
{
	struct phyr_p2pdma_map_state st = { 0 };
	struct phyr_scatterlist *s = sgl;
	bool quirk;
	int i, ret;

	*bytes = 0;
	if (!dev || !L || !sgl || nents <= 0 || !nmapped || !dir_valid(dir) || !dev_is_dma_direct(dev) ||
	    !sg_list_ok(L, sgl, nents))
		return -EINVAL;
	quirk = dev->cfg.quirks & PHYR_DMA_QUIRK_V616_P2P;
	for (i = 0; i < nents; i++, s = sg_next(L, s)) {
		uint64_t phys = sg_phys(L, s), dma;
		uint32_t len = sg_length(L, s);
		*bytes += len;
		enum phyr_p2pdma_map_type t = phyr_p2pdma_state(&st, dev->m, dev->cfg.pci, phys);

		if (t == PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE) {
			/* The CPU physical address through the host bridge, like RAM;
			 * v6.16-v6.17 never set the DMA address. */
			stat_inc(dev->st.nthru_host_bridge);
			if (!quirk)
				t = PHYR_P2PDMA_MAP_NONE;
		}
		switch (t) {
		case PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE:
			break;
		case PHYR_P2PDMA_MAP_NONE:
			ret = direct_map(dev, phys, len, dir, attrs, &dma);
			if (ret) {
				ret = -EIO;
				goto err_unmap;
			}
			sg_set_dma_address(L, s, dma);
			break;
		case PHYR_P2PDMA_MAP_BUS_ADDR:
			sg_set_dma_address(L, s, phys + st.bus_off);
			sg_dma_mark_bus_address(L, s);
			if (!quirk)
				sg_set_dma_len(L, s, len);
			stat_inc(dev->st.nbus_addr);
			continue;
		default:
			ret = -EREMOTEIO;
			goto err_unmap;
		}
		sg_set_dma_len(L, s, len);
	}
	*nmapped = nents;
	return 0;

err_unmap:
	direct_unmap_sg(dev, L, sgl, i, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
	return ret;
}

int phyr_dma_direct_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			   struct phyr_scatterlist *sgl, int nents,
			   enum phyr_dma_data_direction dir, unsigned long attrs, int *nmapped)
{
	uint64_t bytes;

	return dma_direct_map_sg(dev, L, sgl, nents, dir, attrs, nmapped, &bytes);
}

int phyr_dma_direct_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			     struct phyr_scatterlist *sgl, int nents,
			     enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!dev || !L || !sgl || nents <= 0 || !dir_valid(dir) || !dev_is_dma_direct(dev))
		return -EINVAL;
	direct_unmap_sg(dev, L, sgl, nents, dir, attrs);
	return 0;
}

static int direct_sync_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents,
			  enum phyr_dma_data_direction dir, bool to_cpu)
{
	struct phyr_scatterlist *s = sgl;

	if (!dev || !L || !sgl || nents <= 0 || !dir_valid(dir) || !dev_is_dma_direct(dev))
		return -EINVAL;
	for (int i = 0; i < nents && s; i++, s = sg_next(L, s)) {
		if (sg_dma_is_bus_address(L, s))
			continue;
		if (to_cpu)
			direct_sync_for_cpu(dev, sg_dma_address(L, s), sg_length(L, s), dir);
		else
			direct_sync_for_device(dev, sg_dma_address(L, s), sg_length(L, s),
					       dir);
	}
	return 0;
}

int phyr_dma_direct_sync_sg_for_cpu(struct phyr_device *dev, const struct phyr_sg_layout *L,
				    struct phyr_scatterlist *sgl, int nents,
				    enum phyr_dma_data_direction dir)
{
	return direct_sync_sg(dev, L, sgl, nents, dir, true);
}

int phyr_dma_direct_sync_sg_for_device(struct phyr_device *dev, const struct phyr_sg_layout *L,
				       struct phyr_scatterlist *sgl, int nents,
				       enum phyr_dma_data_direction dir)
{
	return direct_sync_sg(dev, L, sgl, nents, dir, false);
}

/* phys_to_dma_direct(): unencrypted when the device must not see encrypted memory. */
static uint64_t phys_to_dma_direct(const struct phyr_device *dev, uint64_t phys)
{
	uint64_t d;
	int ret = phyr_dma_force_unencrypted(dev) ? phyr_dma_phys_to_dma_unencrypted(dev, phys, &d)
						  : phyr_dma_phys_to_dma(dev, phys, &d);

	return ret ? PHYR_DMA_MAPPING_ERROR : d;
}

uint64_t phyr_dma_direct_get_required_mask(const struct phyr_device *dev)
{
	uint64_t phys, max_dma;

	if (!dev)
		return 0;
	phys = (phyr_machine_max_pfn(dev->m) - 1) << PHYR_PAGE_SHIFT;
	max_dma = phys_to_dma_direct(dev, phys);
	if (!max_dma)
		return ~UINT64_C(0); /* fls64(0) - 1 shifts by -1: what x86 computes */
	return (UINT64_C(1) << (63 - __builtin_clzll(max_dma))) * 2 - 1;
}

bool phyr_dma_direct_supported(const struct phyr_device *dev, uint64_t mask)
{
	uint64_t min_mask, d;
	unsigned int zbits;

	if (!dev)
		return false;
	min_mask = (phyr_machine_max_pfn(dev->m) - 1) << PHYR_PAGE_SHIFT;
	zbits = dev->m->cfg.zone_dma_bits;
	if (mask >= PHYR_DMA_BIT_MASK(32))
		return true;
	if (zbits && PHYR_DMA_BIT_MASK(zbits) < min_mask)
		min_mask = PHYR_DMA_BIT_MASK(zbits);
	if (phyr_dma_phys_to_dma_unencrypted(dev, min_mask, &d))
		d = PHYR_DMA_MAPPING_ERROR;
	return mask >= d;
}

/* dma_find_range(): by pfn; the walk stops at the first region under a page. */
static const struct phyr_bus_dma_region *find_range_pfn(const struct phyr_device *dev, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < dev->nmap && (dev->map[i].size >> PHYR_PAGE_SHIFT); i++) {
		uint64_t cpu_pfn = dev->map[i].cpu_start >> PHYR_PAGE_SHIFT;

		if (pfn >= cpu_pfn && pfn - cpu_pfn < (dev->map[i].size >> PHYR_PAGE_SHIFT))
			return &dev->map[i];
	}
	return NULL;
}

bool phyr_dma_direct_all_ram_mapped(const struct phyr_device *dev)
{
	const struct phyr_bus_dma_region *b;
	uint64_t pfn, end;
	size_t i;

	if (!dev)
		return false;
	if (!dev->map)
		return true;
	for (i = 0; i < dev->m->nranges; i++) {
		const struct mm_range *r = &dev->m->ranges[i];

		if (r->type != PHYR_MEM_RAM)
			continue;
		pfn = r->start >> PHYR_PAGE_SHIFT;
		end = pfn + (r->size >> PHYR_PAGE_SHIFT);
		while (pfn < end) {
			b = find_range_pfn(dev, pfn);
			if (!b)
				return false;
			pfn = (b->cpu_start >> PHYR_PAGE_SHIFT) + (b->size >> PHYR_PAGE_SHIFT);
		}
	}
	return true;
}

bool phyr_dma_direct_addressing_limited(const struct phyr_device *dev)
{
	if (!dev)
		return false;
	if (min_not_zero(dma_get_mask(dev), dev->cfg.bus_dma_limit) <
	    phyr_dma_direct_get_required_mask(dev))
		return true;
	return !phyr_dma_direct_all_ram_mapped(dev);
}

size_t phyr_dma_direct_max_mapping_size(const struct phyr_device *dev)
{
	if (dev && dev->has_bounce &&
	    (phyr_dma_direct_addressing_limited(dev) || phyr_dma_is_force_bounce(dev)))
		return dev->bounce.max_mapping_size(dev->bounce.ctx, (struct phyr_device *)dev);
	return SIZE_MAX;
}

size_t phyr_dma_direct_opt_mapping_size(const struct phyr_device *dev)
{
	return phyr_dma_direct_max_mapping_size(dev);
}

uint64_t phyr_dma_direct_get_merge_boundary(const struct phyr_device *dev)
{
	(void)dev;
	return 0;
}

bool phyr_dma_direct_need_sync(const struct phyr_device *dev, uint64_t dma)
{
	uint64_t phys;

	if (!dev)
		return false;
	if (!dev->cfg.coherent)
		return true;
	if (phyr_dma_to_phys(dev, dma, &phys))
		phys = ~UINT64_C(0);
	return owns_bounce((struct phyr_device *)dev, phys);
}
