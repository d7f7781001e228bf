// SPDX-License-Identifier: MIT
/*
 * dma-iommu setup and single mappings (see include/phyr/dma-iova.h).
 * Behaviour as read in Linux v6.17 drivers/iommu/dma-iommu.c:
 * iommu_dma_alloc_iova, iommu_dma_free_iova, __iommu_dma_map/_unmap,
 * iommu_dma_map_swiotlb, iommu_dma_map_page/unmap_page, map_resource and
 * the single syncs.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "dma-single.h"
#include "phyr/machine.h"

/* bits_per(): bits needed to represent @x (1 for 0) */
static int bits_per(uint64_t x)
{
	int n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n ? n : 1;
}

int phyr_dma_info_to_prot(enum phyr_dma_data_direction dir, bool coherent, unsigned long attrs)
{
	int prot = coherent ? PHYR_IOMMU_CACHE : 0;

	if (attrs & PHYR_DMA_ATTR_PRIVILEGED)
		prot |= PHYR_IOMMU_PRIV;
	switch (dir) {
	case PHYR_DMA_BIDIRECTIONAL:
		return prot | PHYR_IOMMU_READ | PHYR_IOMMU_WRITE;
	case PHYR_DMA_TO_DEVICE:
		return prot | PHYR_IOMMU_READ;
	case PHYR_DMA_FROM_DEVICE:
		return prot | PHYR_IOMMU_WRITE;
	default:
		return 0;
	}
}

static bool valid_dir(enum phyr_dma_data_direction dir)
{
	return (unsigned)dir <= PHYR_DMA_NONE;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

/* The flush queue's (and strict unmap's) release: free_iova_fast. */
static void release_iova(void *ctx, uint64_t iova, uint64_t size, uint64_t ntables)
{
	struct phyr_dma_iommu *d = ctx;

	(void)ntables;
	if (d->iovad)
		phyr_iova_free_fast(d->iovad, iova >> d->shift, size >> d->shift, d->cpu);
}

int phyr_dma_iommu_create(struct phyr_device *dev, const struct phyr_dma_iommu_config *cfg,
			  const struct phyr_allocator *a, struct phyr_dma_iommu **out)
{
	static const struct phyr_dma_iommu_config defaults;
	struct phyr_iommu_domain_opts o;
	struct phyr_iova_config icfg;
	struct phyr_dma_iommu *d;
	uint64_t bitmap, start_pfn;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!dev)
		return -EINVAL;
	if (!cfg)
		cfg = &defaults;
	if (cfg->nresv && !cfg->resv)
		return -EINVAL;
	a = alloc_or_default(a);
	d = alloc_zeroed(a, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->a = a;
	d->dev = dev;
	d->swiotlb = cfg->swiotlb;
	d->debug = cfg->debug;
	d->aperture_end = cfg->aperture_end;
	d->force_aperture = cfg->force_aperture;
	d->pci_32bit_workaround = phyr_device_pci(dev) && !cfg->forcedac;

	if (cfg->domain) {
		o = *cfg->domain;
	} else {
		memset(&o, 0, sizeof(o));
		o.type = PHYR_IOMMU_DOMAIN_DMA;
		o.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K;
	}
	o.release = release_iova;
	o.release_ctx = d;
	if (!o.alloc)
		o.alloc = a;
	ret = phyr_iommu_domain_create(&o, &d->domain);
	if (ret)
		goto err_free;
	d->type = phyr_iommu_domain_type(d->domain);
	d->ncpus = o.ncpus ? o.ncpus : 1;

	if (d->type == PHYR_IOMMU_DOMAIN_DMA || d->type == PHYR_IOMMU_DOMAIN_DMA_FQ) {
		bitmap = phyr_iommu_domain_pgsize_bitmap(d->domain);
		if (!bitmap) {
			ret = -EINVAL;
			goto err_domain;
		}
		d->granule = bitmap & -bitmap;
		d->shift = (unsigned)__builtin_ctzll(d->granule);
		start_pfn = cfg->aperture_start >> d->shift;
		if (start_pfn < 1)
			start_pfn = 1;
		if (cfg->iova)
			icfg = *cfg->iova;
		else
			phyr_iova_config_init(&icfg);
		ret = phyr_iova_domain_create(d->granule, start_pfn, &icfg, a, &d->iovad);
		if (ret)
			goto err_domain;
		for (size_t i = 0; i < cfg->nresv; i++) {
			if (cfg->resv[i].end < cfg->resv[i].start) {
				ret = -EINVAL;
				goto err_iovad;
			}
			ret = phyr_iova_reserve(d->iovad, cfg->resv[i].start >> d->shift,
						cfg->resv[i].end >> d->shift, NULL, NULL);
			if (ret)
				goto err_iovad;
		}
		ret = phyr_device_attach_iommu_domain(dev, d->domain);
		if (ret)
			goto err_iovad;
		d->attached = true;
	}
	*out = d;
	return 0;

err_iovad:
	phyr_iova_domain_destroy(d->iovad);
err_domain:
	phyr_iommu_domain_destroy(d->domain);
err_free:
	alloc_free(a, d, sizeof(*d));
	return ret;
}

void phyr_dma_iommu_destroy(struct phyr_dma_iommu *d)
{
	if (!d)
		return;
	/* the driver lets go of the device: what is still mapped leaked */
	if (d->debug)
		phyr_dma_debug_teardown(d->debug, d->dev, NULL);
	if (d->attached && phyr_device_iommu(d->dev) == d->domain)
		phyr_device_attach_iommu(d->dev, NULL, NULL);
	/* pending flush-queue entries release into the IOVA domain first */
	phyr_iommu_domain_destroy(d->domain);
	phyr_iova_domain_destroy(d->iovad);
	alloc_free(d->a, d, sizeof(*d));
}

struct phyr_iommu_domain *phyr_dma_iommu_domain(struct phyr_dma_iommu *d)
{
	return d ? d->domain : NULL;
}

struct phyr_iova_domain *phyr_dma_iommu_iovad(struct phyr_dma_iommu *d)
{
	return d ? d->iovad : NULL;
}

struct phyr_device *phyr_dma_iommu_device(struct phyr_dma_iommu *d)
{
	return d ? d->dev : NULL;
}

uint64_t phyr_dma_iommu_granule(const struct phyr_dma_iommu *d)
{
	return d ? d->granule : 0;
}

bool phyr_dma_iommu_is_dma(const struct phyr_dma_iommu *d)
{
	return d && d->iovad;
}

bool phyr_dma_iommu_pci_32bit_workaround(const struct phyr_dma_iommu *d)
{
	return d && d->pci_32bit_workaround;
}

int phyr_dma_iommu_set_cpu(struct phyr_dma_iommu *d, unsigned int cpu)
{
	struct phyr_iova_config c;

	if (!d || cpu >= d->ncpus)
		return -EINVAL;
	if (d->iovad) {
		phyr_iova_domain_config(d->iovad, &c);
		if (cpu >= c.ncpus)
			return -EINVAL;
	}
	d->cpu = cpu;
	return 0;
}

void phyr_dma_iommu_get_stats(const struct phyr_dma_iommu *d, struct phyr_dma_iommu_stats *out)
{
	if (!out)
		return;
	if (!d)
		memset(out, 0, sizeof(*out));
	else
		*out = d->st;
}

uint64_t dmai_dma_mask(const struct phyr_dma_iommu *d)
{
	return phyr_dma_get_mask(d->dev);
}

bool dmai_use_swiotlb(const struct phyr_dma_iommu *d)
{
	return phyr_device_pci(d->dev) && phyr_device_is_untrusted(d->dev);
}

void dmai_swiotlb_dev(const struct phyr_dma_iommu *d, struct phyr_swiotlb_dev *sd)
{
	struct phyr_swiotlb_info info;
	uint64_t dma = 0;

	memset(sd, 0, sizeof(*sd));
	sd->min_align_mask = phyr_dma_get_min_align_mask(d->dev);
	sd->seg_boundary_mask = phyr_dma_get_seg_boundary(d->dev);
	if (d->swiotlb) {
		phyr_swiotlb_get_info(d->swiotlb, &info);
		if (!phyr_dma_phys_to_dma_unencrypted(d->dev, info.start, &dma))
			sd->dma_offset = dma - info.start;
	}
}

/* ------------------------------------------------------------------ */
/* IOVA allocation                                                     */

int phyr_dma_iommu_alloc_iova(struct phyr_dma_iommu *d, uint64_t size, uint64_t dma_limit,
			      uint64_t *iova)
{
	uint64_t len, bus_limit, pfn = 0;
	int ret;

	if (!d || !iova || !d->iovad || !size || dmai_off(d, size))
		return -EINVAL;
	*iova = 0;
	d->st.niova_allocs++;
	len = size >> d->shift;
	bus_limit = phyr_dma_get_bus_limit(d->dev);
	if (!dma_limit || (bus_limit && bus_limit < dma_limit))
		dma_limit = bus_limit; /* min_not_zero() */
	if (d->force_aperture && d->aperture_end < dma_limit)
		dma_limit = d->aperture_end;

	if (dma_limit > UINT32_MAX && d->pci_32bit_workaround) {
		ret = phyr_iova_alloc_fast(d->iovad, len, UINT32_MAX >> d->shift, d->cpu, false, &pfn);
		if (!ret)
			goto done;
		/* "Using %d-bit DMA addresses": the device leaves SAC for good */
		d->pci_32bit_workaround = false;
		d->st.nsac_fallbacks++;
		d->st.dac_bits = bits_per(dma_limit);
	}
	ret = phyr_iova_alloc_fast(d->iovad, len, dma_limit >> d->shift, d->cpu, true, &pfn);
	if (ret) {
		d->st.niova_alloc_fails++;
		return ret == -EINVAL ? -EINVAL : -ENOMEM;
	}
done:
	*iova = pfn << d->shift;
	return 0;
}

int phyr_dma_iommu_free_iova(struct phyr_dma_iommu *d, uint64_t iova, uint64_t size)
{
	if (!d || !d->iovad || !size)
		return -EINVAL;
	d->st.niova_frees++;
	return phyr_iova_free_fast(d->iovad, iova >> d->shift, size >> d->shift, d->cpu);
}

/* ------------------------------------------------------------------ */
/* __iommu_dma_map / __iommu_dma_unmap                                 */

int phyr_dma_iommu_map(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size, int prot,
		       uint64_t dma_mask, uint64_t *dma)
{
	uint64_t off, iova;
	int ret;

	if (!d || !dma || !size || !d->iovad)
		return -EINVAL;
	off = dmai_off(d, phys);
	if (size > UINT64_MAX - off - d->granule)
		return -EINVAL;
	/* "Unsupported alignment constraint" */
	if (phyr_dma_get_min_align_mask(d->dev) > d->granule - 1)
		goto err;
	size = dmai_align(d, size + off);
	if (phyr_dma_iommu_alloc_iova(d, size, dma_mask, &iova))
		goto err;
	d->st.nsync_map++; /* iommu_map = map_nosync + sync_map */
	ret = phyr_iommu_map(d->domain, iova, phys - off, size, prot);
	if (ret) {
		phyr_dma_iommu_free_iova(d, iova, size);
		goto err;
	}
	d->st.nmaps++;
	*dma = iova + off;
	return 0;

err:
	d->st.nmap_errors++;
	return -ENOMEM;
}

int phyr_dma_iommu_unmap(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size)
{
	uint64_t off, unmapped = 0;
	int ret;

	if (!d || !d->iovad || !size)
		return -EINVAL;
	off = dmai_off(d, dma);
	dma -= off;
	size = dmai_align(d, size + off);
	/* strict: unmap, sync, free now; DMA-FQ: unmap, queue the IOVA */
	ret = phyr_iommu_dma_unmap(d->domain, d->cpu, dma, size, &unmapped);
	if (ret)
		return ret;
	if (unmapped != size)
		d->st.nunmap_short++;
	d->st.nunmaps++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bouncing                                                            */

int dmai_map_swiotlb(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size, int dir,
		     unsigned long attrs, uint64_t *tlb)
{
	struct phyr_swiotlb_dev sd;
	struct phyr_physmem *pm;
	uint64_t start, end;

	if (!d->swiotlb) {
		/* "DMA bounce buffers are inactive, unable to map unaligned transaction." */
		d->st.nbounce_errors++;
		return -ENOMEM;
	}
	dmai_swiotlb_dev(d, &sd);
	if (phyr_swiotlb_tbl_map_single(d->swiotlb, &sd, d->cpu, phys, size, (uint32_t)(d->granule - 1),
					dir, attrs, tlb)) {
		d->st.nbounce_errors++;
		return -ENOMEM;
	}
	d->st.nbounced++;
	/* untrusted devices must not see stale bytes around the data */
	if (phyr_device_is_untrusted(d->dev)) {
		pm = phyr_machine_physmem(phyr_device_machine(d->dev));
		start = *tlb & ~(d->granule - 1);
		if (*tlb > start)
			phyr_physmem_memset(pm, start, 0, *tlb - start);
		start = *tlb + size;
		end = dmai_align(d, start);
		if (end > start)
			phyr_physmem_memset(pm, start, 0, end - start);
	}
	return 0;
}

void dmai_swiotlb_unmap(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size, int dir,
			unsigned long attrs)
{
	struct phyr_swiotlb_dev sd;

	if (!d->swiotlb || !phyr_swiotlb_contains(d->swiotlb, phys))
		return;
	dmai_swiotlb_dev(d, &sd);
	phyr_swiotlb_tbl_unmap_single(d->swiotlb, &sd, phys, size, dir, attrs);
}

/* ------------------------------------------------------------------ */
/* map_phys / unmap_phys / resource / sync                             */

static int debug_map(struct phyr_dma_iommu *d, enum phyr_dma_debug_type type, uint64_t phys,
		     uint64_t dma, uint64_t size, int dir, unsigned long attrs)
{
	struct phyr_dma_debug_map m = {
		.dev = d->dev, .type = type, .phys = phys, .dma_addr = dma, .size = size,
		.dir = dir, .attrs = attrs,
	};

	if (!d->debug)
		return 0;
	return phyr_dma_debug_map(d->debug, &m);
}

static int debug_unmap(struct phyr_dma_iommu *d, enum phyr_dma_debug_type type, uint64_t dma,
		       uint64_t size, int dir)
{
	struct phyr_dma_debug_map m = {
		.dev = d->dev, .type = type, .dma_addr = dma, .size = size, .dir = dir,
	};

	if (!d->debug)
		return 0;
	if (phyr_dma_debug_unmap(d->debug, &m)) {
		d->st.nrefused++;
		return -EINVAL;
	}
	return 0;
}

int dmai_map_page(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size,
		  enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	bool coherent = phyr_device_is_coherent(d->dev);
	bool bounced = false;
	int ret;

	if (dmai_use_swiotlb(d) && dmai_off(d, phys | size)) {
		ret = dmai_map_swiotlb(d, phys, size, dir, attrs, &phys);
		if (ret) {
			d->st.nmap_errors++;
			return ret;
		}
		bounced = true;
	}
	if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC))
		d->st.ncache_clean++;
	ret = phyr_dma_iommu_map(d, phys, size, phyr_dma_info_to_prot(dir, coherent, attrs),
				 dmai_dma_mask(d), dma);
	if (ret && bounced)
		dmai_swiotlb_unmap(d, phys, size, dir, attrs);
	return ret;
}

int dmai_unmap_page(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
		    enum phyr_dma_data_direction dir, unsigned long attrs)
{
	uint64_t phys = phyr_iommu_iova_to_phys(d->domain, dma);

	if (!phys)
		return -ENOENT; /* WARN_ON(!phys) */
	if (!(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC) && !phyr_device_is_coherent(d->dev))
		d->st.ncache_invalidate++;
	phyr_dma_iommu_unmap(d, dma, size);
	dmai_swiotlb_unmap(d, phys, size, dir, attrs);
	return 0;
}

int phyr_dma_iommu_map_phys(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size,
			    enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	int ret;

	if (!d || !dma || !size || !valid_dir(dir) || !d->iovad)
		return -EINVAL;
	ret = dmai_map_page(d, phys, size, dir, attrs, dma);
	if (ret)
		return ret;
	if (debug_map(d, PHYR_DMA_DEBUG_SINGLE, phys, *dma, size, dir, attrs)) {
		/* a strict checker refused: undo the whole mapping */
		d->st.nrefused++;
		dmai_unmap_page(d, *dma, size, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
		return -EINVAL;
	}
	return 0;
}

int phyr_dma_iommu_unmap_phys(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
			      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!d || !size || !valid_dir(dir) || !d->iovad)
		return -EINVAL;
	if (debug_unmap(d, PHYR_DMA_DEBUG_SINGLE, dma, size, dir))
		return -EINVAL;
	return dmai_unmap_page(d, dma, size, dir, attrs);
}

int phyr_dma_iommu_map_resource(struct phyr_dma_iommu *d, uint64_t phys, uint64_t size,
				enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	int ret;

	if (!d || !dma || !size || !valid_dir(dir) || !d->iovad)
		return -EINVAL;
	ret = phyr_dma_iommu_map(d, phys, size,
				 phyr_dma_info_to_prot(dir, false, attrs) | PHYR_IOMMU_MMIO,
				 dmai_dma_mask(d), dma);
	if (ret)
		return ret;
	if (debug_map(d, PHYR_DMA_DEBUG_RESOURCE, phys, *dma, size, dir, attrs)) {
		d->st.nrefused++;
		phyr_dma_iommu_unmap(d, *dma, size);
		return -EINVAL;
	}
	return 0;
}

int phyr_dma_iommu_unmap_resource(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
				  enum phyr_dma_data_direction dir, unsigned long attrs)
{
	(void)attrs;
	if (!d || !size || !valid_dir(dir) || !d->iovad)
		return -EINVAL;
	if (debug_unmap(d, PHYR_DMA_DEBUG_RESOURCE, dma, size, dir))
		return -EINVAL;
	return phyr_dma_iommu_unmap(d, dma, size);
}

static int sync_single(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
		       enum phyr_dma_data_direction dir, bool to_cpu)
{
	struct phyr_swiotlb_dev sd;
	bool coherent;
	uint64_t phys;

	if (!d || !size || !valid_dir(dir) || !d->iovad)
		return -EINVAL;
	if (d->debug && phyr_dma_debug_sync(d->debug, d->dev, dma, size, dir, to_cpu)) {
		d->st.nrefused++;
		return -EINVAL;
	}
	coherent = phyr_device_is_coherent(d->dev);
	if (coherent && !dmai_use_swiotlb(d))
		return 0;
	phys = phyr_iommu_iova_to_phys(d->domain, dma);
	if (to_cpu && !coherent)
		d->st.ncache_invalidate++;
	if (d->swiotlb && phyr_swiotlb_contains(d->swiotlb, phys)) {
		dmai_swiotlb_dev(d, &sd);
		if (to_cpu)
			phyr_swiotlb_sync_single_for_cpu(d->swiotlb, &sd, phys, size, dir);
		else
			phyr_swiotlb_sync_single_for_device(d->swiotlb, &sd, phys, size, dir);
	}
	if (!to_cpu && !coherent)
		d->st.ncache_clean++;
	return 0;
}

int phyr_dma_iommu_sync_for_cpu(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
				enum phyr_dma_data_direction dir)
{
	return sync_single(d, dma, size, dir, true);
}

int phyr_dma_iommu_sync_for_device(struct phyr_dma_iommu *d, uint64_t dma, uint64_t size,
				   enum phyr_dma_data_direction dir)
{
	return sync_single(d, dma, size, dir, false);
}

int phyr_dma_iommu_mapping_error(struct phyr_dma_iommu *d, uint64_t dma)
{
	if (!d)
		return -EINVAL;
	if (d->debug)
		return phyr_dma_debug_mapping_error(d->debug, d->dev, dma);
	return 0;
}

uint64_t phyr_dma_iommu_get_merge_boundary(const struct phyr_dma_iommu *d)
{
	return d && d->granule ? d->granule - 1 : 0;
}

uint64_t phyr_dma_iommu_opt_mapping_size(const struct phyr_dma_iommu *d)
{
	(void)d;
	return PHYR_PAGE_SIZE << 5; /* iova_rcache_range() */
}

uint64_t phyr_dma_iommu_max_mapping_size(const struct phyr_dma_iommu *d)
{
	if (d && dmai_use_swiotlb(d))
		return phyr_swiotlb_max_mapping_size(phyr_dma_get_min_align_mask(d->dev));
	return SIZE_MAX;
}
