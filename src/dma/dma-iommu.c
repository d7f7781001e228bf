// SPDX-License-Identifier: MIT
/*
 * dma-iommu (see include/phyr/dma-iommu.h): the cookie of a DMA domain and
 * the iommu_dma_* ops, as read in Linux v6.17 drivers/iommu/dma-iommu.c:
 * iommu_setup_dma_ops, iommu_dma_init_domain, iommu_dma_alloc_iova,
 * iommu_dma_free_iova, __iommu_dma_map/_unmap, iommu_dma_map_swiotlb,
 * iommu_dma_map_phys/unmap_phys, map_resource, the single and sg syncs,
 * iommu_dma_map_sg (with __finalise_sg and __invalidate_sg),
 * iommu_dma_map_sg_swiotlb and iommu_dma_unmap_sg. Facts: spec/kernel.md
 * 3.3 to 3.8, 4.3, docs/mapsg.md, docs/dma-two-step.md. The integer widths
 * that change results are Linux's: sg offset/length and the finalise
 * lengths are 32-bit, iova_len and the padding 64-bit.
 */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "sg.h"
#include "dma-iommu.h"
#include "iommu.h"
#include "phyr/dma-debug.h"
#include "phyr/machine.h"

#define MASK32 UINT64_C(0xffffffff)

/* bits_per(): bits needed to represent @x (1 for 0) */
static int bits_per(uint64_t x)
{
	return x ? 64 - __builtin_clzll(x) : 1;
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

/* ------------------------------------------------------------------ */
/* The cookie                                                          */

/*
 * The flush queue's (and strict unmap's) release: free_iova_fast on the
 * CPU of the unmap, which the domain recorded under its lock (the hook
 * runs with that lock held).
 */
static void release_iova(void *ctx, uint64_t iova, uint64_t size, uint64_t ntables)
{
	struct phyr_iommu_dma_cookie *c = ctx;

	(void)ntables;
	phyr_iova_free_fast(c->iovad, iova >> c->shift, size >> c->shift,
			    iommu_domain_release_cpu(c->domain));
}

/* The default aperture: what the page table can translate (2^ias - 1). */
static uint64_t table_aperture_end(struct phyr_iommu_domain *domain)
{
	struct phyr_io_pgtable *pt = phyr_iommu_domain_pgtable(domain);
	unsigned int ias = 0, oas = 0;

	if (!pt)
		return 0;
	phyr_io_pgtable_geometry(pt, &ias, &oas, NULL, NULL);
	if (!ias || ias >= 64)
		return 0;
	return (UINT64_C(1) << ias) - 1;
}

static int cookie_init_iovad(struct phyr_iommu_dma_cookie *c, const struct phyr_iommu_dma_config *cfg)
{
	struct phyr_iova_config icfg;
	uint64_t bitmap, start_pfn;
	int ret;

	bitmap = phyr_iommu_domain_pgsize_bitmap(c->domain);
	if (!bitmap)
		return -EINVAL;
	c->granule = bitmap & -bitmap;
	c->shift = (unsigned)__builtin_ctzll(c->granule);
	start_pfn = cfg->aperture_start >> c->shift;
	if (start_pfn < 1)
		start_pfn = 1;
	if (cfg->iova)
		icfg = *cfg->iova;
	else
		phyr_iova_config_init(&icfg);
	/* Linux's iovad always locks: every device of the domain may map
	 * from its own thread (the locking contract of <phyr/dma-iommu.h>) */
	icfg.threaded = true;
	ret = phyr_iova_domain_create(c->granule, start_pfn, &icfg, c->a, &c->iovad);
	if (ret)
		return ret;
	for (size_t i = 0; i < cfg->nresv; i++) {
		if (cfg->resv[i].end < cfg->resv[i].start)
			return -EINVAL;
		ret = phyr_iova_reserve(c->iovad, cfg->resv[i].start >> c->shift,
					cfg->resv[i].end >> c->shift, NULL, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

int phyr_iommu_dma_cookie_create(const struct phyr_iommu_dma_config *cfg,
				 const struct phyr_allocator *a, struct phyr_iommu_dma_cookie **out)
{
	static const struct phyr_iommu_dma_config defaults;
	struct phyr_iommu_domain_opts o;
	struct phyr_iommu_dma_cookie *c;
	enum phyr_iommu_domain_type type;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	if ((cfg->nresv && !cfg->resv) || (cfg->force_aperture && cfg->no_force_aperture))
		return -EINVAL;
	if (cfg->domain) {
		o = *cfg->domain;
	} else {
		memset(&o, 0, sizeof(o));
		o.type = PHYR_IOMMU_DOMAIN_DMA;
		o.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K;
	}
	if (o.type != PHYR_IOMMU_DOMAIN_DMA && o.type != PHYR_IOMMU_DOMAIN_DMA_FQ)
		return -EINVAL; /* identity and blocked domains have no cookie */
	a = alloc_or_default(a);
	c = alloc_zeroed(a, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->a = a;
	c->swiotlb = cfg->swiotlb;
	c->p2p = cfg->p2p;
	c->p2p_ctx = cfg->p2p_ctx;
	c->forcedac = cfg->forcedac;
	pthread_mutex_init(&c->dev_lock, NULL);
	o.release = release_iova;
	o.release_ctx = c;
	if (!o.alloc)
		o.alloc = a;
	ret = phyr_iommu_domain_create(&o, &c->domain);
	if (ret)
		goto err_free;
	type = phyr_iommu_domain_type(c->domain);
	if (type != PHYR_IOMMU_DOMAIN_DMA && type != PHYR_IOMMU_DOMAIN_DMA_FQ) {
		ret = -EINVAL;
		goto err_domain;
	}
	c->aperture_end = cfg->aperture_end ? cfg->aperture_end : table_aperture_end(c->domain);
	c->force_aperture = c->aperture_end && !cfg->no_force_aperture &&
			    (cfg->force_aperture || !cfg->aperture_end);
	ret = cookie_init_iovad(c, cfg);
	if (ret)
		goto err_iovad;
	*out = c;
	return 0;

err_iovad:
	phyr_iova_domain_destroy(c->iovad);
err_domain:
	phyr_iommu_domain_destroy(c->domain);
err_free:
	pthread_mutex_destroy(&c->dev_lock);
	alloc_free(a, c, sizeof(*c));
	return ret;
}

void phyr_iommu_dma_cookie_destroy(struct phyr_iommu_dma_cookie *c)
{
	if (!c)
		return;
	while (c->devices)
		phyr_iommu_teardown_dma_ops(c->devices);
	/* pending flush-queue entries release into the IOVA domain first */
	phyr_iommu_domain_destroy(c->domain);
	phyr_iova_domain_destroy(c->iovad);
	pthread_mutex_destroy(&c->dev_lock);
	alloc_free(c->a, c, sizeof(*c));
}

int phyr_iommu_setup_dma_ops(struct phyr_device *dev, struct phyr_iommu_dma_cookie *c)
{
	int ret;

	if (!dev || !c)
		return -EINVAL;
	if (dev->dma_iommu == c)
		return 0;
	phyr_iommu_teardown_dma_ops(dev);
	ret = phyr_device_attach_iommu_domain(dev, c->domain);
	if (ret)
		return ret;
	pthread_mutex_lock(&c->dev_lock);
	dev->dma_next = c->devices;
	c->devices = dev;
	__atomic_store_n(&c->ndevices, c->ndevices + 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&c->dev_lock);
	dev->pci_32bit_workaround = phyr_device_pci(dev) && !c->forcedac;
	dev->dma_iommu = c;
	dev->dma_detach = phyr_iommu_teardown_dma_ops;
	return 0;
}

void phyr_iommu_teardown_dma_ops(struct phyr_device *dev)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	struct phyr_device **pp;

	if (!c)
		return;
	/* the driver lets go of the device: what is still mapped leaked */
	if (dev->debug)
		phyr_dma_debug_teardown(dev->debug, dev, NULL);
	pthread_mutex_lock(&c->dev_lock);
	for (pp = &c->devices; *pp; pp = &(*pp)->dma_next) {
		if (*pp == dev) {
			*pp = dev->dma_next;
			__atomic_store_n(&c->ndevices, c->ndevices - 1, __ATOMIC_RELAXED);
			break;
		}
	}
	pthread_mutex_unlock(&c->dev_lock);
	dev->dma_next = NULL;
	dev->dma_iommu = NULL;
	dev->dma_detach = NULL;
	dev->pci_32bit_workaround = false;
	if (phyr_device_iommu(dev) == c->domain)
		phyr_device_attach_iommu(dev, NULL, NULL);
}

struct phyr_iommu_dma_cookie *phyr_iommu_dma_get_cookie(const struct phyr_device *dev)
{
	return dev_cookie(dev);
}

struct phyr_iommu_domain *phyr_iommu_dma_cookie_domain(struct phyr_iommu_dma_cookie *c)
{
	return c ? c->domain : NULL;
}

struct phyr_iova_domain *phyr_iommu_dma_cookie_iovad(struct phyr_iommu_dma_cookie *c)
{
	return c ? c->iovad : NULL;
}

uint64_t phyr_iommu_dma_cookie_granule(const struct phyr_iommu_dma_cookie *c)
{
	return c ? c->granule : 0;
}

unsigned int phyr_iommu_dma_cookie_ndevices(const struct phyr_iommu_dma_cookie *c)
{
	return c ? __atomic_load_n(&c->ndevices, __ATOMIC_RELAXED) : 0;
}

void phyr_iommu_dma_get_stats(const struct phyr_iommu_dma_cookie *c,
			      struct phyr_iommu_dma_stats *out)
{
	if (!out)
		return;
	if (!c)
		memset(out, 0, sizeof(*out));
	else
		*out = c->st;
}

bool phyr_iommu_dma_pci_32bit_workaround(const struct phyr_device *dev)
{
	return dev_cookie(dev) && __atomic_load_n(&dev->pci_32bit_workaround, __ATOMIC_RELAXED);
}

/* The swiotlb device parameters of @dev. */
static void dmai_swiotlb_dev(const struct phyr_device *dev, struct phyr_swiotlb *pool,
			     struct phyr_swiotlb_dev *sd)
{
	struct phyr_swiotlb_info info;
	uint64_t dma = 0;

	memset(sd, 0, sizeof(*sd));
	sd->min_align_mask = dma_get_min_align_mask(dev);
	sd->seg_boundary_mask = dma_get_seg_boundary(dev);
	phyr_swiotlb_get_info(pool, &info);
	if (!phyr_dma_phys_to_dma_unencrypted(dev, info.start, &dma))
		sd->dma_offset = dma - info.start;
}

/* ------------------------------------------------------------------ */
/* IOVA allocation                                                     */

int phyr_iommu_dma_alloc_iova(struct phyr_device *dev, uint64_t size, uint64_t dma_limit,
			      uint64_t *iova)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	uint64_t len, bus_limit, pfn = 0;
	unsigned int cpu;
	int ret;

	/* like Linux, a size that is not a granule multiple is truncated
	 * (iova_len = size >> shift); map_sg's sub-granule padding relies on it */
	if (!c || !iova || !size)
		return -EINVAL;
	cpu = dev->cpu;
	*iova = 0;
	stat_inc(c->st.niova_allocs);
	len = size >> c->shift;
	bus_limit = phyr_dma_get_bus_limit(dev);
	if (!dma_limit || (bus_limit && bus_limit < dma_limit))
		dma_limit = bus_limit; /* min_not_zero() */
	if (c->force_aperture && c->aperture_end < dma_limit)
		dma_limit = c->aperture_end;

	/* PCI devices try the 32-bit space first, until it fails once. */
	if (dma_limit > MASK32 && __atomic_load_n(&dev->pci_32bit_workaround, __ATOMIC_RELAXED)) {
		ret = phyr_iova_alloc_fast(c->iovad, len, MASK32 >> c->shift, cpu, false, &pfn);
		if (!ret)
			goto done;
		/* "Using %d-bit DMA addresses": the device leaves SAC for good */
		__atomic_store_n(&dev->pci_32bit_workaround, false, __ATOMIC_RELAXED);
		stat_inc(c->st.nsac_fallbacks);
		__atomic_store_n(&c->st.dac_bits, bits_per(dma_limit), __ATOMIC_RELAXED);
	}
	ret = phyr_iova_alloc_fast(c->iovad, len, dma_limit >> c->shift, cpu, true, &pfn);
	if (ret) {
		stat_inc(c->st.niova_alloc_fails);
		return ret == -EINVAL ? -EINVAL : -ENOMEM;
	}
done:
	stat_add(c->st.niova_bytes, size);
	*iova = pfn << c->shift;
	return 0;
}

int phyr_iommu_dma_free_iova(struct phyr_device *dev, uint64_t iova, uint64_t size)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);

	if (!c || !size)
		return -EINVAL;
	stat_inc(c->st.niova_frees);
	return phyr_iova_free_fast(c->iovad, iova >> c->shift, size >> c->shift, dev->cpu);
}

/* ------------------------------------------------------------------ */
/* __iommu_dma_map / __iommu_dma_unmap                                 */

int __iommu_dma_map(struct phyr_device *dev, uint64_t phys, uint64_t size, int prot,
		    uint64_t dma_mask, uint64_t *dma)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	uint64_t off, iova;
	int ret;

	off = dmai_off(c, phys);
	if (size > UINT64_MAX - off - c->granule)
		return -EINVAL;
	/* "Unsupported alignment constraint" */
	if (dma_get_min_align_mask(dev) > c->granule - 1)
		goto err;
	size = dmai_align(c, size + off);
	if (phyr_iommu_dma_alloc_iova(dev, size, dma_mask, &iova))
		goto err;
	stat_inc(c->st.nsync_map); /* iommu_map = map_nosync + sync_map */
	ret = phyr_iommu_map(c->domain, iova, phys - off, size, prot);
	if (ret) {
		phyr_iommu_dma_free_iova(dev, iova, size);
		goto err;
	}
	stat_inc(c->st.nmaps);
	*dma = iova + off;
	return 0;

err:
	stat_inc(c->st.nmap_errors);
	return -ENOMEM;
}

int __iommu_dma_unmap(struct phyr_device *dev, uint64_t dma, uint64_t size)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	uint64_t off, unmapped = 0;
	int ret;

	off = dmai_off(c, dma);
	dma -= off;
	size = dmai_align(c, size + off);
	/* strict: unmap, sync, free now; DMA-FQ: unmap, queue the IOVA */
	ret = phyr_iommu_dma_unmap(c->domain, dev->cpu, dma, size, &unmapped);
	if (ret)
		return ret;
	if (unmapped != size)
		stat_inc(c->st.nunmap_short);
	stat_inc(c->st.nunmaps);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Bouncing                                                            */

int dmai_map_swiotlb(struct phyr_device *dev, uint64_t phys, uint64_t size, int dir,
		     unsigned long attrs, uint64_t *tlb)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	struct phyr_swiotlb_dev sd;
	struct phyr_physmem *pm;
	uint64_t start, end;

	if (!c->swiotlb) {
		/* "DMA bounce buffers are inactive, unable to map unaligned transaction." */
		stat_inc(c->st.nbounce_errors);
		return -ENOMEM;
	}
	dmai_swiotlb_dev(dev, c->swiotlb, &sd);
	if (phyr_swiotlb_tbl_map_single(c->swiotlb, &sd, dev->cpu, phys, size,
					(uint32_t)(c->granule - 1), dir, attrs, tlb)) {
		stat_inc(c->st.nbounce_errors);
		return -ENOMEM;
	}
	stat_inc(c->st.nbounced);
	stat_inc(dev->st.nbounced);
	stat_add(dev->st.nbytes_bounced, size);
	/* untrusted devices must not see stale bytes around the data */
	if (phyr_device_is_untrusted(dev)) {
		pm = phyr_machine_physmem(phyr_device_machine(dev));
		start = *tlb & ~(c->granule - 1);
		if (*tlb > start)
			phyr_physmem_memset(pm, start, 0, *tlb - start);
		start = *tlb + size;
		end = dmai_align(c, start);
		if (end > start)
			phyr_physmem_memset(pm, start, 0, end - start);
	}
	return 0;
}

void dmai_swiotlb_unmap(struct phyr_device *dev, uint64_t phys, uint64_t size, int dir,
			unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	struct phyr_swiotlb_dev sd;

	if (!c->swiotlb || !phyr_swiotlb_contains(c->swiotlb, phys))
		return;
	dmai_swiotlb_dev(dev, c->swiotlb, &sd);
	phyr_swiotlb_tbl_unmap_single(c->swiotlb, &sd, phys, size, dir, attrs);
}

void dmai_sync_bounce(struct phyr_device *dev, uint64_t tlb, uint64_t size,
		      enum phyr_dma_data_direction dir, bool to_cpu)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	struct phyr_swiotlb_dev sd;

	dmai_swiotlb_dev(dev, c->swiotlb, &sd);
	if (to_cpu)
		phyr_swiotlb_sync_single_for_cpu(c->swiotlb, &sd, tlb, size, (int)dir);
	else
		phyr_swiotlb_sync_single_for_device(c->swiotlb, &sd, tlb, size, (int)dir);
}

/* ------------------------------------------------------------------ */
/* map_phys / unmap_phys / resource / sync                             */

static bool op_ok(const struct phyr_device *dev, enum phyr_dma_data_direction dir)
{
	return dev_cookie(dev) && dma_dir_valid(dir);
}

/* iommu_dma_map_phys() without the MMIO case */
static int map_page(struct phyr_device *dev, uint64_t phys, uint64_t size,
		    enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	bool coherent = dev_is_dma_coherent(dev);
	bool bounced = false;
	int ret;

	if (dmai_use_swiotlb(dev) && dmai_off(c, phys | size)) {
		ret = dmai_map_swiotlb(dev, phys, size, dir, attrs, &phys);
		if (ret) {
			stat_inc(c->st.nmap_errors);
			return ret;
		}
		bounced = true;
	}
	if (!coherent && !(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC)) {
		stat_inc(c->st.ncache_clean);
		stat_inc(dev->st.ncache_clean);
	}
	ret = __iommu_dma_map(dev, phys, size, phyr_dma_info_to_prot(dir, coherent, attrs),
			      dma_get_mask(dev), dma);
	if (ret && bounced)
		dmai_swiotlb_unmap(dev, phys, size, dir, attrs);
	return ret;
}

static int unmap_page(struct phyr_device *dev, uint64_t dma, uint64_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	uint64_t phys = phyr_iommu_iova_to_phys(c->domain, dma);

	if (!phys)
		return -ENOENT; /* WARN_ON(!phys) */
	if (!(attrs & PHYR_DMA_ATTR_SKIP_CPU_SYNC) && !dev_is_dma_coherent(dev)) {
		stat_inc(c->st.ncache_invalidate);
		stat_inc(dev->st.ncache_invalidate);
	}
	__iommu_dma_unmap(dev, dma, size);
	dmai_swiotlb_unmap(dev, phys, size, dir, attrs);
	return 0;
}

int phyr_iommu_dma_map_phys(struct phyr_device *dev, uint64_t phys, uint64_t size,
			    enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	if (!op_ok(dev, dir) || !dma || !size)
		return -EINVAL;
	if (attrs & PHYR_DMA_ATTR_MMIO) /* iommu_dma_map_resource */
		return __iommu_dma_map(dev, phys, size,
				       phyr_dma_info_to_prot(dir, false, attrs) | PHYR_IOMMU_MMIO,
				       dma_get_mask(dev), dma);
	return map_page(dev, phys, size, dir, attrs, dma);
}

int phyr_iommu_dma_unmap_phys(struct phyr_device *dev, uint64_t dma, uint64_t size,
			      enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!op_ok(dev, dir) || !size)
		return -EINVAL;
	if (attrs & PHYR_DMA_ATTR_MMIO) /* iommu_dma_unmap_resource */
		return __iommu_dma_unmap(dev, dma, size);
	return unmap_page(dev, dma, size, dir, attrs);
}

static int sync_single(struct phyr_device *dev, uint64_t dma, uint64_t size,
		       enum phyr_dma_data_direction dir, bool to_cpu)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	struct phyr_swiotlb_dev sd;
	bool coherent;
	uint64_t phys;

	if (!op_ok(dev, dir) || !size)
		return -EINVAL;
	coherent = dev_is_dma_coherent(dev);
	if (coherent && !dmai_use_swiotlb(dev))
		return 0;
	phys = phyr_iommu_iova_to_phys(c->domain, dma);
	if (to_cpu && !coherent) {
		stat_inc(c->st.ncache_invalidate);
		stat_inc(dev->st.ncache_invalidate);
	}
	if (c->swiotlb && phyr_swiotlb_contains(c->swiotlb, phys)) {
		dmai_swiotlb_dev(dev, c->swiotlb, &sd);
		if (to_cpu)
			phyr_swiotlb_sync_single_for_cpu(c->swiotlb, &sd, phys, size, dir);
		else
			phyr_swiotlb_sync_single_for_device(c->swiotlb, &sd, phys, size, dir);
	}
	if (!to_cpu && !coherent) {
		stat_inc(c->st.ncache_clean);
		stat_inc(dev->st.ncache_clean);
	}
	return 0;
}

int phyr_iommu_dma_sync_single_for_cpu(struct phyr_device *dev, uint64_t dma, uint64_t size,
				       enum phyr_dma_data_direction dir)
{
	return sync_single(dev, dma, size, dir, true);
}

int phyr_iommu_dma_sync_single_for_device(struct phyr_device *dev, uint64_t dma, uint64_t size,
					  enum phyr_dma_data_direction dir)
{
	return sync_single(dev, dma, size, dir, false);
}

uint64_t phyr_iommu_dma_get_merge_boundary(const struct phyr_device *dev)
{
	const struct phyr_iommu_dma_cookie *c = dev_cookie(dev);

	return c ? c->granule - 1 : 0;
}

size_t phyr_iommu_dma_opt_mapping_size(const struct phyr_device *dev)
{
	(void)dev;
	return PHYR_PAGE_SIZE << 5; /* iova_rcache_range() */
}

size_t phyr_iommu_dma_max_mapping_size(const struct phyr_device *dev)
{
	if (dev_cookie(dev) && dmai_use_swiotlb(dev))
		return (size_t)phyr_swiotlb_max_mapping_size(dma_get_min_align_mask(dev));
	return SIZE_MAX;
}

/* ------------------------------------------------------------------ */
/* map_sg: the untrusted per-entry path                                */

static int map_sg_swiotlb(struct phyr_device *dev, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			  unsigned long attrs, uint64_t *bytes)
{
	struct phyr_scatterlist *s = sgl;
	int i;

	sg_set_dma_flags(L, sgl, sg_dma_flags(L, sgl) | PHYR_SG_DMA_SWIOTLB);
	for (i = 0; i < nents && s; i++, s = sg_next(L, s)) {
		uint64_t dma;

		if (map_page(dev, sg_phys(L, s), sg_length(L, s), dir, attrs, &dma)) {
			sg_set_dma_address(L, s, PHYR_DMA_MAPPING_ERROR);
			goto err_unmap;
		}
		sg_set_dma_address(L, s, dma);
		sg_set_dma_len(L, s, sg_length(L, s));
		*bytes += sg_length(L, s);
	}
	return nents;

err_unmap:
	s = sgl;
	for (int j = 0; j < i; j++, s = sg_next(L, s))
		unmap_page(dev, sg_dma_address(L, s), sg_dma_len(L, s), dir,
			   attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
	sg_set_dma_flags(L, sgl, sg_dma_flags(L, sgl) & ~PHYR_SG_DMA_SWIOTLB);
	return -EIO;
}

/* ------------------------------------------------------------------ */
/* map_sg: one IOVA for the list                                       */

/* pci_p2pdma_state() of the entry's page (or the cookie's override). */
SG_ALWAYS_INLINE int sg_p2p(struct phyr_device *dev, struct phyr_p2pdma_map_state *st,
		  const struct phyr_sg_layout *L, const struct phyr_scatterlist *s,
		  uint64_t *bus_offset)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	int t;

	if (c->p2p)
		return c->p2p(c->p2p_ctx, sg_pfn(L, s), sg_pgmap(L, s), bus_offset);
	t = (int)phyr_p2pdma_state(st, dev->m, dev->cfg.pci, sg_pfn(L, s) << PHYR_PAGE_SHIFT);
	*bus_offset = st->bus_off;
	return t;
}

/* __invalidate_sg: give the caller its list back, DMA fields cleared. */
SG_ALWAYS_INLINE void invalidate_sg(const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nents)
{
	struct phyr_scatterlist *s = sgl;

	for (int i = 0; i < nents && s; i++, s = sg_next(L, s)) {
		if (sg_dma_is_bus_address(L, s)) {
			sg_dma_unmark_bus_address(L, s);
		} else {
			if (sg_dma_address(L, s) != PHYR_DMA_MAPPING_ERROR)
				sg_set_offset(L, s, sg_offset(L, s) +
							 (uint32_t)sg_dma_address(L, s));
			if (sg_dma_len(L, s))
				sg_set_length(L, s, sg_dma_len(L, s));
		}
		sg_set_dma_address(L, s, PHYR_DMA_MAPPING_ERROR);
		sg_set_dma_len(L, s, 0);
	}
}

/* Before anything was stashed: only the DMA fields are made invalid. */
static void clear_dma_fields(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, int nents)
{
	for (int i = 0; i < nents && s; i++, s = sg_next(L, s)) {
		sg_dma_unmark_bus_address(L, s);
		sg_set_dma_address(L, s, PHYR_DMA_MAPPING_ERROR);
		sg_set_dma_len(L, s, 0);
	}
}

/*
 * __finalise_sg: restore each entry's CPU fields from the stash and pack
 * the DMA segments into the first entries. An entry joins the open segment
 * only if it starts on a granule, not on a segment boundary, and fits under
 * max_seg (tested in 32 bits); an entry that does not fill its IOVA span
 * closes the segment. Bus-address entries become segments of their own.
 */
SG_ALWAYS_INLINE int __finalise_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			 struct phyr_scatterlist *sgl, int nents, uint64_t dma_addr)
{
	uint64_t seg_mask = dma_get_seg_boundary(dev);
	uint32_t max_len = dma_get_max_seg_size(dev);
	struct phyr_scatterlist *s = sgl, *cur = sgl;
	uint32_t cur_len = 0;
	int count = 0;

	for (int i = 0; i < nents; i++, s = sg_next(L, s)) {
		uint64_t s_dma_addr = sg_dma_address(L, s);
		uint32_t s_iova_off = (uint32_t)s_dma_addr;
		uint32_t s_length = sg_dma_len(L, s);
		uint32_t s_iova_len = sg_length(L, s);

		sg_set_dma_address(L, s, PHYR_DMA_MAPPING_ERROR);
		sg_set_dma_len(L, s, 0);

		if (sg_dma_is_bus_address(L, s)) {
			if (i > 0)
				cur = sg_next(L, cur);
			sg_dma_unmark_bus_address(L, s);
			sg_set_dma_address(L, cur, s_dma_addr);
			sg_set_dma_len(L, cur, s_length);
			sg_dma_mark_bus_address(L, cur);
			count++;
			cur_len = 0;
			continue;
		}

		sg_set_offset(L, s, sg_offset(L, s) + s_iova_off);
		sg_set_length(L, s, s_length);

		if (cur_len && !s_iova_off && (dma_addr & seg_mask) &&
		    (uint32_t)(max_len - cur_len) >= s_length) {
			cur_len += s_length;
		} else {
			if (i > 0)
				cur = sg_next(L, cur);
			cur_len = s_length;
			count++;
			sg_set_dma_address(L, cur, dma_addr + s_iova_off);
		}
		sg_set_dma_len(L, cur, cur_len);
		dma_addr += s_iova_len;

		if ((uint32_t)(s_length + s_iova_off) < s_iova_len)
			cur_len = 0;
	}
	return count;
}

/*
 * Widen each entry to whole granules, stashing the sub-granule offset and
 * the real length in the DMA fields, and lay the entries out in one IOVA
 * range with padding up to segment boundaries (charged to the previous
 * entry). Returns the IOVA length in *iova_len, or an errno.
 */
SG_ALWAYS_INLINE int sg_layout_iova(struct phyr_device *dev, const struct phyr_sg_layout *L,
				    struct phyr_scatterlist *sgl, int nents, uint64_t *iova_len_out,
				    uint64_t *bytes_out)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	uint64_t granule = c->granule, iova_len = 0, bytes = 0;
	/*
	 * Any mask is taken, as Linux takes it: with a mask not of the form
	 * 2^k - 1 the padding may be needed before any IOVA entry (see below)
	 * or be sub-granule, in which case iommu_map_sg fails with -EINVAL.
	 */
	uint64_t mask = dma_get_seg_boundary(dev);
	struct phyr_scatterlist *s = sgl, *prev = NULL;
	struct phyr_p2pdma_map_state p2p = { 0 }; /* one per call, as Linux's */

	for (int i = 0; i < nents; i++, s = sg_next(L, s)) {
		uint32_t off = sg_offset(L, s);
		uint64_t s_iova_off = off & (granule - 1);
		uint64_t s_length = sg_length(L, s);
		uint64_t pad_len = (mask - iova_len + 1) & mask;
		uint64_t bus_offset = 0;
		int type = sg_p2p(dev, &p2p, L, s, &bus_offset);

		bytes += s_length;

		if (type == PHYR_IOMMU_DMA_P2P_BUS_ADDR) {
			/* Linux sets the length from the list head, not this entry. */
			sg_set_dma_address(L, s, sg_phys(L, s) + bus_offset);
			sg_set_dma_len(L, s, sg_length(L, sgl));
			sg_dma_mark_bus_address(L, s);
			stat_inc(c->st.nbus_entries);
			stat_inc(dev->st.nbus_addr);
			continue;
		}
		if (type != PHYR_IOMMU_DMA_P2P_NONE && type != PHYR_IOMMU_DMA_P2P_THRU_HOST_BRIDGE)
			return -EREMOTEIO;
		if (type == PHYR_IOMMU_DMA_P2P_THRU_HOST_BRIDGE)
			stat_inc(dev->st.nthru_host_bridge);

		sg_set_dma_address(L, s, s_iova_off);
		sg_set_dma_len(L, s, (uint32_t)s_length);
		sg_set_offset(L, s, off - (uint32_t)s_iova_off);
		s_length = (s_length + s_iova_off + granule - 1) & ~(granule - 1);
		sg_set_length(L, s, (uint32_t)s_length);

		/*
		 * Before the first IOVA entry the padding is 0 for a 2^k - 1
		 * mask; for other masks Linux would dereference its NULL prev:
		 * -EINVAL here.
		 */
		if (pad_len && pad_len < s_length - 1) {
			if (!prev)
				return -EINVAL;
			sg_set_length(L, prev, sg_length(L, prev) + (uint32_t)pad_len);
			iova_len += pad_len;
			stat_add(c->st.npad_bytes, pad_len);
		}
		iova_len += s_length;
		prev = s;
	}
	*iova_len_out = iova_len;
	*bytes_out = bytes;
	return 0;
}

SG_ALWAYS_INLINE int map_sg_iova_body(struct phyr_device *dev, const struct phyr_sg_layout *L,
				     struct phyr_scatterlist *sgl, int nents,
				     enum phyr_dma_data_direction dir, unsigned long attrs,
				     uint64_t *bytes)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	uint64_t iova_len = 0, iova = 0, mapped = 0;
	int prot = phyr_dma_info_to_prot(dir, dev_is_dma_coherent(dev), attrs);
	struct phyr_scatterlist *s = sgl;
	int ret;

	for (int i = 0; i < nents; i++, s = sg_next(L, s)) {
		if (!s) {
			clear_dma_fields(L, sgl, nents);
			return -EINVAL;
		}
	}
	/* "last" of all the cookie's devices: atomic, as the counters */
	PHYR_ASSERT(c); /* the caller checked the device is attached */
	__atomic_store_n(&c->st.last_iova, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c->st.last_iova_len, 0, __ATOMIC_RELAXED);
	ret = sg_layout_iova(dev, L, sgl, nents, &iova_len, bytes);
	if (ret)
		goto out_restore_sg;
	__atomic_store_n(&c->st.last_iova_len, iova_len, __ATOMIC_RELAXED);
	if (!iova_len)
		return __finalise_sg(dev, L, sgl, nents, 0);

	if (phyr_iommu_dma_alloc_iova(dev, iova_len, dma_get_mask(dev), &iova)) {
		ret = -ENOMEM;
		goto out_restore_sg;
	}
	__atomic_store_n(&c->st.last_iova, iova, __ATOMIC_RELAXED);

	/* iommu_map_sg() maps the physically contiguous runs. */
	ret = phyr_iommu_map_sg(c->domain, iova, L, sgl, (size_t)nents, prot, &mapped);
	if (ret == 0 && mapped < iova_len) {
		/* A short run (a bus page right after it): undo what was mapped. */
		phyr_iommu_unmap(c->domain, iova, mapped);
		ret = -EINVAL;
	}
	if (ret)
		goto out_free_iova;
	return __finalise_sg(dev, L, sgl, nents, iova);

out_free_iova:
	phyr_iova_free_fast(c->iovad, iova >> c->shift, iova_len >> c->shift, dev->cpu);
out_restore_sg:
	invalidate_sg(L, sgl, nents);
	if (ret != -ENOMEM && ret != -EREMOTEIO)
		return -EINVAL;
	return ret;
}

static int map_sg_iova(struct phyr_device *dev, const struct phyr_sg_layout *L,
		       struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		       unsigned long attrs, uint64_t *bytes)
{
	if (L->id == PHYR_SG_LAYOUT_64_LEN_FLAGS)
		return map_sg_iova_body(dev, &sg_layout_default, sgl, nents, dir, attrs, bytes);
	return map_sg_iova_body(dev, L, sgl, nents, dir, attrs, bytes);
}

int iommu_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		     struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		     unsigned long attrs, int *count, uint64_t *bytes)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	int ret;

	*bytes = 0;
	if (count)
		*count = 0;
	if (!op_ok(dev, dir) || !L || !sgl || nents <= 0 || !count)
		return -EINVAL;
	stat_inc(c->st.nmap_sg);
	if (dmai_use_swiotlb(dev))
		ret = map_sg_swiotlb(dev, L, sgl, nents, dir, attrs, bytes);
	else
		ret = map_sg_iova(dev, L, sgl, nents, dir, attrs, bytes);
	if (ret < 0) {
		stat_inc(c->st.nmap_sg_errors);
		return ret;
	}
	stat_add(c->st.nsegs_in, (uint64_t)nents);
	stat_add(c->st.nsegs_out, (uint64_t)ret);
	*count = ret;
	return 0;
}

int phyr_iommu_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			  unsigned long attrs, int *count)
{
	uint64_t bytes;

	return iommu_dma_map_sg(dev, L, sgl, nents, dir, attrs, count, &bytes);
}

int phyr_iommu_dma_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			    struct phyr_scatterlist *sgl, int nents,
			    enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_iommu_dma_cookie *c = dev_cookie(dev);
	struct phyr_scatterlist *s = sgl;
	uint64_t start = 0, end = 0, off;
	int i;

	if (!op_ok(dev, dir) || !L || !sgl || nents <= 0)
		return -EINVAL;

	stat_inc(c->st.nunmap_sg);
	if (sg_dma_flags(L, sgl) & PHYR_SG_DMA_SWIOTLB) {
		for (i = 0; i < nents && s; i++, s = sg_next(L, s))
			unmap_page(dev, sg_dma_address(L, s), sg_dma_len(L, s), dir, attrs);
		sg_set_dma_flags(L, sgl, sg_dma_flags(L, sgl) & ~PHYR_SG_DMA_SWIOTLB);
		return 0;
	}
	/* The segments share one IOVA range: find its first and last byte. */
	for (i = 0; i < nents && s; i++, s = sg_next(L, s)) {
		if (sg_dma_is_bus_address(L, s)) {
			sg_dma_unmark_bus_address(L, s);
			continue;
		}
		if (sg_dma_len(L, s) == 0)
			break;
		start = sg_dma_address(L, s);
		break;
	}
	for (; i < nents && s; i++, s = sg_next(L, s)) {
		if (sg_dma_is_bus_address(L, s)) {
			sg_dma_unmark_bus_address(L, s);
			continue;
		}
		if (sg_dma_len(L, s) == 0)
			break;
		end = sg_dma_address(L, s) + sg_dma_len(L, s);
	}
	if (!end)
		return 0;
	/* __iommu_dma_unmap: whole granules, IOVA freed by the release hook. */
	off = dmai_off(c, start);
	return phyr_iommu_dma_unmap(c->domain, dev->cpu, start - off,
				    dmai_align(c, end - start + off), NULL);
}

/*
 * iommu_dma_sync_sg_for_*: a per-entry (swiotlb) list syncs every entry;
 * a merged list needs cache maintenance only, which the single sync of
 * each segment does (nothing for a coherent trusted device). Bus-address
 * segments are never synced.
 */
static int sync_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		   struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		   bool to_cpu)
{
	struct phyr_scatterlist *s = sgl;
	int ret = 0;

	if (!op_ok(dev, dir) || !L || !sgl || nents <= 0)
		return -EINVAL;
	for (int i = 0; i < nents && s && !ret; i++, s = sg_next(L, s)) {
		if (!sg_dma_len(L, s) || sg_dma_is_bus_address(L, s))
			continue;
		ret = sync_single(dev, sg_dma_address(L, s), sg_dma_len(L, s), dir, to_cpu);
	}
	return ret;
}

int phyr_iommu_dma_sync_sg_for_cpu(struct phyr_device *dev, const struct phyr_sg_layout *L,
				   struct phyr_scatterlist *sgl, int nents,
				   enum phyr_dma_data_direction dir)
{
	return sync_sg(dev, L, sgl, nents, dir, true);
}

int phyr_iommu_dma_sync_sg_for_device(struct phyr_device *dev, const struct phyr_sg_layout *L,
				      struct phyr_scatterlist *sgl, int nents,
				      enum phyr_dma_data_direction dir)
{
	return sync_sg(dev, L, sgl, nents, dir, false);
}
