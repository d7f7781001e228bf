// SPDX-License-Identifier: MIT
/*
 * dma-iommu scatter-gather mapping (see include/phyr/dma-iommu.h): the
 * behaviour of Linux v6.17 iommu_dma_map_sg, __finalise_sg,
 * __invalidate_sg, iommu_dma_alloc_iova and iommu_dma_unmap_sg, written
 * from spec/kernel.md 3.3, 3.6, 4.3 and formats/mapsg.md. The integer
 * widths that change results are Linux's: sg offset/length and the
 * finalise lengths are 32-bit, iova_len and the padding 64-bit.
 */
#include <string.h>

#include "alloc.h"
#include "phyr/dma-iommu.h"

#define DMA_MAPPING_ERROR UINT64_MAX
#define MASK32 UINT64_C(0xffffffff)

static uint64_t granule_of(const struct phyr_iommu_dma_cookie *c)
{
	uint64_t bitmap = phyr_iommu_domain_pgsize_bitmap(c->domain);

	return bitmap & -bitmap;
}

static unsigned int shift_of(uint64_t granule)
{
	unsigned int s = 0;

	while ((UINT64_C(1) << s) < granule)
		s++;
	return s;
}

/* dma_info_to_prot() */
static int dma_prot(int dir, bool coherent, unsigned long attrs)
{
	int prot = coherent ? PHYR_IOMMU_CACHE : 0;

	if (attrs & (1ul << 9)) /* DMA_ATTR_PRIVILEGED */
		prot |= PHYR_IOMMU_PRIV;
	switch (dir) {
	case 0:
		return prot | PHYR_IOMMU_READ | PHYR_IOMMU_WRITE;
	case 1:
		return prot | PHYR_IOMMU_READ;
	case 2:
		return prot | PHYR_IOMMU_WRITE;
	default:
		return 0;
	}
}

int phyr_iommu_dma_alloc_iova(struct phyr_iommu_dma_cookie *c, struct phyr_iommu_dma_dev *dev,
			      uint64_t size, uint64_t dma_limit, uint64_t *iova)
{
	unsigned int shift;
	uint64_t npages, pfn;

	if (!c || !c->domain || !c->iovad || !dev || !iova)
		return -EINVAL;
	shift = shift_of(granule_of(c));
	npages = size >> shift;
	if (dev->bus_dma_limit && (!dma_limit || dev->bus_dma_limit < dma_limit))
		dma_limit = dev->bus_dma_limit;
	if (c->force_aperture && c->aperture_end < dma_limit)
		dma_limit = c->aperture_end;

	/* PCI devices try the 32-bit space first, until it fails once. */
	if (dma_limit > MASK32 && dev->pci_32bit_workaround) {
		if (phyr_iova_alloc_fast(c->iovad, npages, MASK32 >> shift, c->cpu, false,
					 &pfn) == 0)
			goto done;
		dev->pci_32bit_workaround = false;
		c->stats.nsac_fallbacks++;
	}
	if (phyr_iova_alloc_fast(c->iovad, npages, dma_limit >> shift, c->cpu, true, &pfn))
		return -ENOMEM;
done:
	*iova = pfn << shift;
	return 0;
}

/*
 * The list walked once into an array, in chain order: Linux walks it with
 * sg_next four times; the later walks here index the array instead.
 */
struct sg_walk {
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist **sg;    /* nents entry pointers */
	struct phyr_iommu_sg_ent *ents;  /* what iommu_map_sg gets */
	int nents;
};

/* __invalidate_sg: give the caller its list back, DMA fields cleared. */
static void invalidate_sg(const struct sg_walk *w)
{
	const struct phyr_sg_layout *L = w->L;

	for (int i = 0; i < w->nents; i++) {
		struct phyr_scatterlist *s = w->sg[i];

		if (phyr_sg_dma_is_bus_address(L, s)) {
			phyr_sg_dma_unmark_bus_address(L, s);
		} else {
			if (phyr_sg_dma_address(L, s) != DMA_MAPPING_ERROR)
				phyr_sg_set_offset(L, s, phyr_sg_offset(L, s) +
							 (uint32_t)phyr_sg_dma_address(L, s));
			if (phyr_sg_dma_len(L, s))
				phyr_sg_set_length(L, s, phyr_sg_dma_len(L, s));
		}
		phyr_sg_set_dma_address(L, s, DMA_MAPPING_ERROR);
		phyr_sg_set_dma_len(L, s, 0);
	}
}

/* Before anything was stashed: only the DMA fields are made invalid. */
static void clear_dma_fields(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, int nents)
{
	for (int i = 0; i < nents && s; i++, s = phyr_sg_next(L, s)) {
		phyr_sg_dma_unmark_bus_address(L, s);
		phyr_sg_set_dma_address(L, s, DMA_MAPPING_ERROR);
		phyr_sg_set_dma_len(L, s, 0);
	}
}

/*
 * __finalise_sg: restore each entry's CPU fields from the stash and pack
 * the DMA segments into the first entries. An entry joins the open segment
 * only if it starts on a granule, not on a segment boundary, and fits under
 * max_seg (tested in 32 bits); an entry that does not fill its IOVA span
 * closes the segment. Bus-address entries become segments of their own.
 */
static int finalise_sg(const struct phyr_iommu_dma_dev *dev, const struct sg_walk *w,
		       uint64_t dma_addr)
{
	const struct phyr_sg_layout *L = w->L;
	uint64_t seg_mask = dev->seg_boundary_mask ? dev->seg_boundary_mask : UINT64_MAX;
	uint32_t max_len = dev->max_seg_size ? dev->max_seg_size : 65536;
	uint32_t cur_len = 0;
	int count = 0, cur = 0;

	for (int i = 0; i < w->nents; i++) {
		struct phyr_scatterlist *s = w->sg[i];
		uint64_t s_dma_addr = phyr_sg_dma_address(L, s);
		uint32_t s_iova_off = (uint32_t)s_dma_addr;
		uint32_t s_length = phyr_sg_dma_len(L, s);
		uint32_t s_iova_len = phyr_sg_length(L, s);

		phyr_sg_set_dma_address(L, s, DMA_MAPPING_ERROR);
		phyr_sg_set_dma_len(L, s, 0);

		if (phyr_sg_dma_is_bus_address(L, s)) {
			if (i > 0)
				cur++;
			phyr_sg_dma_unmark_bus_address(L, s);
			phyr_sg_set_dma_address(L, w->sg[cur], s_dma_addr);
			phyr_sg_set_dma_len(L, w->sg[cur], s_length);
			phyr_sg_dma_mark_bus_address(L, w->sg[cur]);
			count++;
			cur_len = 0;
			continue;
		}

		phyr_sg_set_offset(L, s, phyr_sg_offset(L, s) + s_iova_off);
		phyr_sg_set_length(L, s, s_length);

		if (cur_len && !s_iova_off && (dma_addr & seg_mask) &&
		    (uint32_t)(max_len - cur_len) >= s_length) {
			cur_len += s_length;
		} else {
			if (i > 0)
				cur++;
			cur_len = s_length;
			count++;
			phyr_sg_set_dma_address(L, w->sg[cur], dma_addr + s_iova_off);
		}
		phyr_sg_set_dma_len(L, w->sg[cur], cur_len);
		dma_addr += s_iova_len;

		if ((uint32_t)(s_length + s_iova_off) < s_iova_len)
			cur_len = 0;
	}
	return count;
}

int phyr_iommu_dma_map_sg(struct phyr_iommu_dma_cookie *c, struct phyr_iommu_dma_dev *dev,
			  const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nents,
			  int dir, unsigned long attrs, uint64_t *iova_out, uint64_t *iova_len_out)
{
	const struct phyr_allocator *alloc;
	struct sg_walk w = { .L = L, .nents = nents };
	struct phyr_scatterlist *s, *prev = NULL;
	uint64_t granule, mask, iova_len = 0, iova = 0, mapped = 0;
	size_t bytes;
	int prot, ret, i;

	if (!c || !c->domain || !c->iovad || !dev || !L || !sgl || nents < 1 || dir < 0 || dir > 3)
		return -EINVAL;
	granule = granule_of(c);
	if (!granule)
		return -EINVAL;
	alloc = alloc_or_default(c->alloc);
	c->stats.nmap_sg++;
	prot = dma_prot(dir, dev->coherent, attrs);
	/*
	 * Any mask is taken, as Linux takes it: with a mask not of the form
	 * 2^k - 1 the padding may be needed before any IOVA entry (see below)
	 * or be sub-granule, in which case iommu_map_sg fails with -EINVAL.
	 */
	mask = dev->seg_boundary_mask ? dev->seg_boundary_mask : UINT64_MAX;

	bytes = ((size_t)nents) * (sizeof(*w.sg) + sizeof(*w.ents));
	w.sg = alloc_mem(alloc, bytes);
	if (!w.sg) {
		clear_dma_fields(L, sgl, nents);
		c->stats.nmap_sg_errors++;
		return -ENOMEM;
	}
	w.ents = (struct phyr_iommu_sg_ent *)(w.sg + nents);
	for (i = 0, s = sgl; i < nents; i++, s = phyr_sg_next(L, s)) {
		if (!s) {
			clear_dma_fields(L, sgl, nents);
			ret = -EINVAL;
			goto out_free;
		}
		w.sg[i] = s;
	}

	/*
	 * Widen each entry to whole granules, stashing the sub-granule offset
	 * and the real length in the DMA fields, and lay the entries out in
	 * one IOVA range with padding up to segment boundaries.
	 */
	for (i = 0; i < nents; i++) {
		uint32_t off;
		uint64_t s_iova_off, s_length, pad_len, bus_offset = 0;
		int type = PHYR_IOMMU_DMA_P2P_NONE;

		s = w.sg[i];
		off = phyr_sg_offset(L, s);
		s_iova_off = off & (granule - 1);
		s_length = phyr_sg_length(L, s);
		pad_len = (mask - iova_len + 1) & mask;
		if (dev->p2p)
			type = dev->p2p(dev->p2p_ctx, phyr_sg_pfn(L, s), phyr_sg_pgmap(L, s),
					&bus_offset);
		if (type == PHYR_IOMMU_DMA_P2P_BUS_ADDR) {
			/* Linux sets the length from the list head, not this entry. */
			phyr_sg_set_dma_address(L, s, phyr_sg_phys(L, s) + bus_offset);
			phyr_sg_set_dma_len(L, s, phyr_sg_length(L, sgl));
			phyr_sg_dma_mark_bus_address(L, s);
			c->stats.nbus_entries++;
			continue;
		}
		if (type != PHYR_IOMMU_DMA_P2P_NONE && type != PHYR_IOMMU_DMA_P2P_THRU_HOST_BRIDGE) {
			ret = -EREMOTEIO;
			goto out_restore_sg;
		}

		phyr_sg_set_dma_address(L, s, s_iova_off);
		phyr_sg_set_dma_len(L, s, (uint32_t)s_length);
		phyr_sg_set_offset(L, s, off - (uint32_t)s_iova_off);
		s_length = (s_length + s_iova_off + granule - 1) & ~(granule - 1);
		phyr_sg_set_length(L, s, (uint32_t)s_length);

		/*
		 * Padding to the next boundary goes on the previous entry.
		 * Before the first one it is 0 for a 2^k - 1 mask; for other
		 * masks Linux would dereference its NULL prev: -EINVAL here.
		 */
		if (pad_len && pad_len < s_length - 1) {
			if (!prev) {
				ret = -EINVAL;
				goto out_restore_sg;
			}
			phyr_sg_set_length(L, prev, phyr_sg_length(L, prev) + (uint32_t)pad_len);
			iova_len += pad_len;
			c->stats.npad_bytes += pad_len;
		}
		iova_len += s_length;
		prev = s;
	}

	if (!iova_len) {
		ret = finalise_sg(dev, &w, 0);
		goto out_done;
	}

	c->stats.niova_bytes += iova_len;
	if (phyr_iommu_dma_alloc_iova(c, dev, iova_len, dev->dma_mask, &iova)) {
		ret = -ENOMEM;
		goto out_restore_sg;
	}

	/* iommu_map_sg() maps the physically contiguous runs. */
	for (i = 0; i < nents; i++) {
		w.ents[i].phys = phyr_sg_phys(L, w.sg[i]);
		w.ents[i].len = phyr_sg_length(L, w.sg[i]);
		w.ents[i].bus_addr = phyr_sg_dma_is_bus_address(L, w.sg[i]);
	}
	ret = phyr_iommu_map_sg(c->domain, iova, w.ents, (size_t)nents, prot, &mapped);
	if (ret == 0 && mapped < iova_len) {
		/* A short run (a bus page right after it): undo what was mapped. */
		phyr_iommu_unmap(c->domain, iova, mapped);
		ret = -EINVAL;
	}
	if (ret)
		goto out_free_iova;
	ret = finalise_sg(dev, &w, iova);

out_done:
	if (iova_out)
		*iova_out = iova;
	if (iova_len_out)
		*iova_len_out = iova_len;
	c->stats.nsegs_in += (uint64_t)nents;
	c->stats.nsegs_out += (uint64_t)ret;
	alloc_free(alloc, w.sg, bytes);
	return ret;

out_free_iova:
	phyr_iova_free_fast(c->iovad, iova >> shift_of(granule), iova_len >> shift_of(granule),
			    c->cpu);
out_restore_sg:
	invalidate_sg(&w);
out_free:
	alloc_free(alloc, w.sg, bytes);
	c->stats.nmap_sg_errors++;
	if (ret != -ENOMEM && ret != -EREMOTEIO)
		return -EINVAL;
	return ret;
}

int phyr_iommu_dma_unmap_sg(struct phyr_iommu_dma_cookie *c, const struct phyr_sg_layout *L,
			    struct phyr_scatterlist *sgl, int nents)
{
	struct phyr_scatterlist *s = sgl;
	uint64_t start = 0, end = 0, granule, off;
	int i;

	if (!c || !c->domain || !L || !sgl || nents < 1)
		return -EINVAL;
	c->stats.nunmap_sg++;
	/* The segments share one IOVA range: find its first and last byte. */
	for (i = 0; i < nents && s; i++, s = phyr_sg_next(L, s)) {
		if (phyr_sg_dma_is_bus_address(L, s)) {
			phyr_sg_dma_unmark_bus_address(L, s);
			continue;
		}
		if (phyr_sg_dma_len(L, s) == 0)
			break;
		start = phyr_sg_dma_address(L, s);
		break;
	}
	for (; i < nents && s; i++, s = phyr_sg_next(L, s)) {
		if (phyr_sg_dma_is_bus_address(L, s)) {
			phyr_sg_dma_unmark_bus_address(L, s);
			continue;
		}
		if (phyr_sg_dma_len(L, s) == 0)
			break;
		end = phyr_sg_dma_address(L, s) + phyr_sg_dma_len(L, s);
	}
	if (!end)
		return 0;
	/* __iommu_dma_unmap: whole granules, IOVA freed by the release hook. */
	granule = granule_of(c);
	off = start & (granule - 1);
	return phyr_iommu_dma_unmap(c->domain, c->cpu, start - off,
				    (end - start + off + granule - 1) & ~(granule - 1), NULL);
}

void phyr_iommu_dma_release(void *cookie, uint64_t iova, uint64_t size, uint64_t ntables)
{
	struct phyr_iommu_dma_cookie *c = cookie;
	unsigned int shift;

	(void)ntables;
	if (!c || !c->iovad)
		return;
	shift = shift_of(granule_of(c));
	phyr_iova_free_fast(c->iovad, iova >> shift, size >> shift, c->cpu);
}
