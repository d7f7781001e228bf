// SPDX-License-Identifier: MIT
/*
 * dma_map_sg / dma_unmap_sg on a struct phyr_dma_iommu: the same domain
 * that serves the single, two-step and map_phyr paths. Trusted devices go
 * through the Linux-exact iommu_dma_map_sg of <phyr/dma-iommu.h> (a cookie
 * and device parameters filled from the attachment); untrusted devices
 * take Linux's iommu_dma_map_sg_swiotlb: every entry mapped on its own
 * through iommu_dma_map_page (bounced if unaligned), the first entry
 * flagged SG_DMA_SWIOTLB, nents segments, -EIO on failure after unmapping
 * the entries done. The dma-debug hooks wrap both, as debug_dma_map_sg /
 * debug_dma_unmap_sg wrap dma_map_sg in Linux.
 */
#include <string.h>

#include "alloc.h"
#include "dma-single.h"
#include "phyr/dma-iommu.h"
#include "phyr/machine.h"

/* pci_p2pdma_state() of the entry's page, for the map_sg core. */
static int sg_p2p(void *ctx, uint64_t pfn, unsigned int pgmap, uint64_t *bus_offset)
{
	struct phyr_dma_iommu *d = ctx;
	struct phyr_p2pdma_map_state s = { 0 };
	enum phyr_p2pdma_map_type t;

	(void)pgmap;
	t = phyr_p2pdma_state(&s, phyr_device_machine(d->dev), phyr_device_pci(d->dev),
			      pfn << PHYR_PAGE_SHIFT);
	*bus_offset = s.bus_off;
	return (int)t;
}

static void fill_cookie(struct phyr_dma_iommu *d, struct phyr_iommu_dma_cookie *c,
			struct phyr_iommu_dma_dev *p)
{
	memset(c, 0, sizeof(*c));
	c->domain = d->domain;
	c->iovad = d->iovad;
	c->force_aperture = d->force_aperture;
	c->aperture_end = d->aperture_end;
	c->alloc = d->a;
	c->cpu = d->cpu;
	memset(p, 0, sizeof(*p));
	p->dma_mask = dmai_dma_mask(d);
	p->bus_dma_limit = phyr_dma_get_bus_limit(d->dev);
	p->seg_boundary_mask = phyr_dma_get_seg_boundary(d->dev);
	p->max_seg_size = phyr_dma_get_max_seg_size(d->dev);
	p->coherent = phyr_device_is_coherent(d->dev);
	p->pci_32bit_workaround = d->pci_32bit_workaround;
	p->p2p = sg_p2p;
	p->p2p_ctx = d;
}

/* The list as dma-debug sees it (CPU side of every entry, DMA side of the segments). */
static struct phyr_dma_debug_sg *debug_view(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
					    struct phyr_scatterlist *sgl, int nents)
{
	struct phyr_dma_debug_sg *v = alloc_mem(d->a, (size_t)nents * sizeof(*v));
	struct phyr_scatterlist *s = sgl;

	if (!v)
		return NULL;
	for (int i = 0; i < nents && s; i++, s = phyr_sg_next(L, s)) {
		v[i].phys = phyr_sg_phys(L, s);
		v[i].len = phyr_sg_length(L, s);
		v[i].dma_addr = phyr_sg_dma_address(L, s);
		v[i].dma_len = phyr_sg_dma_len(L, s);
	}
	return v;
}

static int map_sg_swiotlb(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			  unsigned long attrs)
{
	struct phyr_scatterlist *s = sgl;
	int i;

	phyr_sg_set_dma_flags(L, sgl, phyr_sg_dma_flags(L, sgl) | PHYR_SG_DMA_SWIOTLB);
	for (i = 0; i < nents && s; i++, s = phyr_sg_next(L, s)) {
		uint64_t dma;

		if (dmai_map_page(d, phyr_sg_phys(L, s), phyr_sg_length(L, s), dir, attrs, &dma)) {
			phyr_sg_set_dma_address(L, s, PHYR_DMA_MAPPING_ERROR);
			goto err_unmap;
		}
		phyr_sg_set_dma_address(L, s, dma);
		phyr_sg_set_dma_len(L, s, phyr_sg_length(L, s));
	}
	return nents;

err_unmap:
	s = sgl;
	for (int j = 0; j < i; j++, s = phyr_sg_next(L, s))
		dmai_unmap_page(d, phyr_sg_dma_address(L, s), phyr_sg_dma_len(L, s), dir,
				attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
	phyr_sg_set_dma_flags(L, sgl, phyr_sg_dma_flags(L, sgl) & ~PHYR_SG_DMA_SWIOTLB);
	return -EIO;
}

static void unmap_sg_now(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
			 struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			 unsigned long attrs)
{
	struct phyr_iommu_dma_cookie c;
	struct phyr_iommu_dma_dev p;
	struct phyr_scatterlist *s = sgl;

	if (phyr_sg_dma_flags(L, sgl) & PHYR_SG_DMA_SWIOTLB) {
		for (int i = 0; i < nents && s; i++, s = phyr_sg_next(L, s))
			dmai_unmap_page(d, phyr_sg_dma_address(L, s), phyr_sg_dma_len(L, s), dir,
					attrs);
		phyr_sg_set_dma_flags(L, sgl, phyr_sg_dma_flags(L, sgl) & ~PHYR_SG_DMA_SWIOTLB);
		return;
	}
	fill_cookie(d, &c, &p);
	phyr_iommu_dma_unmap_sg(&c, L, sgl, nents);
}

int phyr_dma_iommu_map_sg(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			  unsigned long attrs, int *count)
{
	struct phyr_iommu_dma_cookie c;
	struct phyr_iommu_dma_dev p;
	int ret;

	if (count)
		*count = 0;
	if (!d || !L || !sgl || nents <= 0 || !count || (unsigned)dir > PHYR_DMA_NONE || !d->iovad)
		return -EINVAL;
	if (dmai_use_swiotlb(d)) {
		ret = map_sg_swiotlb(d, L, sgl, nents, dir, attrs);
	} else {
		fill_cookie(d, &c, &p);
		ret = phyr_iommu_dma_map_sg(&c, &p, L, sgl, nents, (int)dir, attrs, NULL, NULL);
		if (d->pci_32bit_workaround && !p.pci_32bit_workaround) {
			d->pci_32bit_workaround = false;
			d->st.nsac_fallbacks++;
		}
	}
	if (ret < 0)
		return ret;
	if (d->debug) {
		struct phyr_dma_debug_sg *v = debug_view(d, L, sgl, nents);

		if (v) {
			int rc = phyr_dma_debug_map_sg(d->debug, d->dev, v, nents, ret, (int)dir, attrs,
						       phyr_dma_get_max_seg_size(d->dev),
						       phyr_dma_get_seg_boundary(d->dev));

			alloc_free(d->a, v, (size_t)nents * sizeof(*v));
			if (rc) {
				d->st.nrefused++;
				unmap_sg_now(d, L, sgl, nents, dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
				return -EINVAL;
			}
		}
	}
	*count = ret;
	return 0;
}

int phyr_dma_iommu_unmap_sg(struct phyr_dma_iommu *d, const struct phyr_sg_layout *L,
			    struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			    unsigned long attrs)
{
	if (!d || !L || !sgl || nents <= 0 || (unsigned)dir > PHYR_DMA_NONE || !d->iovad)
		return -EINVAL;
	if (d->debug) {
		struct phyr_dma_debug_sg *v = debug_view(d, L, sgl, nents);

		if (v) {
			int rc = phyr_dma_debug_unmap_sg(d->debug, d->dev, v, nents, (int)dir);

			alloc_free(d->a, v, (size_t)nents * sizeof(*v));
			if (rc) {
				d->st.nrefused++;
				return -EINVAL;
			}
		}
	}
	unmap_sg_now(d, L, sgl, nents, dir, attrs);
	return 0;
}
