// SPDX-License-Identifier: MIT
/*
 * DMA mapping core (see include/phyr/dma-map.h): the path choice of
 * Linux v6.17 kernel/dma/mapping.c and the pieces of it that belong to
 * neither path: the errno filter of __dma_map_sg_attrs, dma-iommu's
 * per-entry map_sg for untrusted devices, and the size/boundary queries.
 *
 * The two paths are other modules' code, called as they are:
 *  - dma-direct: phyr_dma_direct_* of <phyr/dma.h> (src/dma-direct*.c);
 *  - dma-iommu: single mappings of <phyr/dma-iova.h> (src/dma-single.c),
 *    whose IOMMU domain releases IOVAs (strict unmaps and flush-queue
 *    reaps) with free_iova_fast, and map_sg of <phyr/dma-iommu.h>
 *    (src/dma-iommu-sg.c). They are compiled in when their headers exist.
 * The adapters between their interfaces (sg entries vs scatterlist, the
 * cookie map_sg wants vs the phyr_dma_iommu object) live here.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "phyr/dma-map.h"
#include "phyr/machine.h"

#if defined(__has_include)
#if __has_include("phyr/dma-iova.h") && __has_include("phyr/dma-iommu.h") && \
	__has_include("dma-single.h")
#define HAVE_DMA_IOMMU 1
#endif
#endif

#ifdef HAVE_DMA_IOMMU
#include "dma-single.h"
#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-iova.h"
#endif

#define SZ_128K (128u * 1024u)

static bool valid_dir(enum phyr_dma_data_direction dir)
{
	return (unsigned)dir <= PHYR_DMA_NONE;
}

/* ------------------------------------------------------------------ */
/* Bindings device -> dma-iommu object                                 */

struct binding {
	const struct phyr_device *dev;
	struct phyr_dma_iommu *d;
#ifdef HAVE_DMA_IOMMU
	struct phyr_iommu_dma_cookie cookie; /* map_sg's view of d (stats persist) */
#endif
};

static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;
static struct binding *bindings;
static size_t nbindings, cap_bindings;

static struct binding *find_binding_locked(const struct phyr_device *dev)
{
	for (size_t i = 0; i < nbindings; i++)
		if (bindings[i].dev == dev)
			return &bindings[i];
	return NULL;
}

#ifdef HAVE_DMA_IOMMU
/* The bound object if it is still the device's DMA domain. */
static struct binding *lookup(const struct phyr_device *dev)
{
	struct binding *b;

	pthread_mutex_lock(&bind_lock);
	b = find_binding_locked(dev);
	pthread_mutex_unlock(&bind_lock);
	if (!b || !phyr_dma_iommu_is_dma(b->d) || phyr_device_iommu(dev) != (void *)b->d)
		return NULL;
	return b;
}
#endif

int phyr_dma_bind_iommu(struct phyr_device *dev, struct phyr_dma_iommu *d)
{
	struct binding *b;
	int ret = 0;

	if (!dev)
		return -EINVAL;
#ifndef HAVE_DMA_IOMMU
	if (d)
		return -EOPNOTSUPP;
#else
	if (d && phyr_dma_iommu_device(d) != dev)
		return -EINVAL;
#endif
	pthread_mutex_lock(&bind_lock);
	b = find_binding_locked(dev);
	if (!d) {
		if (b)
			*b = bindings[--nbindings];
		if (!nbindings) {
			free(bindings);
			bindings = NULL;
			cap_bindings = 0;
		}
		goto out;
	}
	if (!b) {
		if (nbindings == cap_bindings) {
			size_t ncap = cap_bindings ? cap_bindings * 2 : 8;
			struct binding *nb = realloc(bindings, ncap * sizeof(*nb));

			if (!nb) {
				ret = -ENOMEM;
				goto out;
			}
			bindings = nb;
			cap_bindings = ncap;
		}
		b = &bindings[nbindings++];
	}
	memset(b, 0, sizeof(*b));
	b->dev = dev;
	b->d = d;
#ifdef HAVE_DMA_IOMMU
	b->cookie.domain = phyr_dma_iommu_domain(d);
	b->cookie.iovad = phyr_dma_iommu_iovad(d);
	b->cookie.force_aperture = d->force_aperture;
	b->cookie.aperture_end = d->aperture_end;
#endif
out:
	pthread_mutex_unlock(&bind_lock);
	return ret;
}

struct phyr_dma_iommu *phyr_dma_bound_iommu(const struct phyr_device *dev)
{
	struct binding *b;
	struct phyr_dma_iommu *d;

	pthread_mutex_lock(&bind_lock);
	b = find_binding_locked(dev);
	d = b ? b->d : NULL;
	pthread_mutex_unlock(&bind_lock);
	return d;
}

enum phyr_dma_path phyr_dma_get_path(const struct phyr_device *dev)
{
#ifdef HAVE_DMA_IOMMU
	if (dev && lookup(dev))
		return PHYR_DMA_PATH_IOMMU;
#else
	(void)dev;
#endif
	return PHYR_DMA_PATH_DIRECT;
}

/* ------------------------------------------------------------------ */
/* Single mappings                                                     */

int phyr_dma_map_phys(struct phyr_device *dev, uint64_t phys, size_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	if (!dev || !dma || !size || !valid_dir(dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b) {
		if (attrs & PHYR_DMA_ATTR_MMIO)
			return phyr_dma_iommu_map_resource(b->d, phys, size, dir, attrs, dma);
		return phyr_dma_iommu_map_phys(b->d, phys, size, dir, attrs, dma);
	}
#endif
	return phyr_dma_direct_map_phys(dev, phys, size, dir, attrs, dma);
}

int phyr_dma_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!dev || !size || !valid_dir(dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b) {
		if (attrs & PHYR_DMA_ATTR_MMIO)
			return phyr_dma_iommu_unmap_resource(b->d, dma, size, dir, attrs);
		return phyr_dma_iommu_unmap_phys(b->d, dma, size, dir, attrs);
	}
#endif
	return phyr_dma_direct_unmap_phys(dev, dma, size, dir, attrs);
}

int phyr_dma_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
			  enum phyr_dma_data_direction dir)
{
	if (!dev || !valid_dir(dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return phyr_dma_iommu_sync_for_cpu(b->d, dma, size, dir);
#endif
	return phyr_dma_direct_sync_for_cpu(dev, dma, size, dir);
}

int phyr_dma_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
			     enum phyr_dma_data_direction dir)
{
	if (!dev || !valid_dir(dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return phyr_dma_iommu_sync_for_device(b->d, dma, size, dir);
#endif
	return phyr_dma_direct_sync_for_device(dev, dma, size, dir);
}

/* ------------------------------------------------------------------ */
/* Scatter-gather: dma-direct through its entry array                  */

static int sg_to_ents(const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nents,
		      bool with_dma, struct phyr_dma_sg_ent **out)
{
	struct phyr_dma_sg_ent *e = calloc((size_t)nents, sizeof(*e));
	struct phyr_scatterlist *s = sgl;

	if (!e)
		return -ENOMEM;
	for (int i = 0; i < nents; i++, s = phyr_sg_next(L, s)) {
		if (!s) {
			free(e);
			return -EINVAL;
		}
		e[i].phys = phyr_sg_phys(L, s);
		e[i].len = phyr_sg_length(L, s);
		if (with_dma) {
			e[i].flags = phyr_sg_dma_is_bus_address(L, s) ? PHYR_SG_DMA_BUS_ADDRESS : 0;
			e[i].dma_addr = phyr_sg_dma_address(L, s);
			e[i].dma_len = phyr_sg_dma_len(L, s);
		} else {
			e[i].dma_addr = PHYR_DMA_MAPPING_ERROR;
		}
	}
	*out = e;
	return 0;
}

static int direct_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			 struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			 unsigned long attrs, int *count)
{
	struct phyr_dma_sg_ent *e;
	struct phyr_scatterlist *s;
	int ret, n = 0;

	ret = sg_to_ents(L, sgl, nents, false, &e);
	if (ret)
		return ret;
	ret = phyr_dma_direct_map_sg(dev, e, nents, dir, attrs, &n);
	if (!ret) {
		s = sgl;
		for (int i = 0; i < nents; i++, s = phyr_sg_next(L, s)) {
			phyr_sg_set_dma_address(L, s, e[i].dma_addr);
			phyr_sg_set_dma_len(L, s, e[i].dma_len);
			if (e[i].flags & PHYR_SG_DMA_BUS_ADDRESS)
				phyr_sg_dma_mark_bus_address(L, s);
		}
		*count = n;
	}
	free(e);
	return ret;
}

static int direct_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			   struct phyr_scatterlist *sgl, int nents,
			   enum phyr_dma_data_direction dir, unsigned long attrs)
{
	struct phyr_dma_sg_ent *e;
	struct phyr_scatterlist *s;
	int ret;

	ret = sg_to_ents(L, sgl, nents, true, &e);
	if (ret)
		return ret;
	ret = phyr_dma_direct_unmap_sg(dev, e, nents, dir, attrs);
	if (!ret) {
		s = sgl;
		for (int i = 0; i < nents; i++, s = phyr_sg_next(L, s))
			phyr_sg_dma_unmark_bus_address(L, s);
	}
	free(e);
	return ret;
}

static int direct_sync_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			  bool for_cpu)
{
	struct phyr_dma_sg_ent *e;
	int ret;

	ret = sg_to_ents(L, sgl, nents, true, &e);
	if (ret)
		return ret;
	ret = for_cpu ? phyr_dma_direct_sync_sg_for_cpu(dev, e, nents, dir)
		      : phyr_dma_direct_sync_sg_for_device(dev, e, nents, dir);
	free(e);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Scatter-gather: dma-iommu                                           */

#ifdef HAVE_DMA_IOMMU
struct p2p_ctx {
	struct phyr_machine *m;
	struct phyr_pci_dev *client;
	struct phyr_p2pdma_map_state state;
};

/* pci_p2pdma_state() of an entry's page, for dma-iommu-sg.c's hook. */
static int p2p_classify(void *ctx, uint64_t pfn, unsigned int pgmap, uint64_t *bus_offset)
{
	struct p2p_ctx *p = ctx;
	enum phyr_p2pdma_map_type t;

	(void)pgmap;
	t = phyr_p2pdma_state(&p->state, p->m, p->client, pfn * PHYR_PAGE_SIZE);
	if (t == PHYR_P2PDMA_MAP_BUS_ADDR)
		*bus_offset = p->state.bus_off;
	return (int)t;
}

/* dev_use_sg_swiotlb() of this model: an untrusted device. */
static bool use_sg_swiotlb(const struct phyr_device *dev)
{
	return phyr_device_is_untrusted(dev);
}

/* iommu_dma_map_sg_swiotlb(): each entry on its own, no merging. */
static int iommu_map_sg_swiotlb(struct binding *b, const struct phyr_sg_layout *L,
				struct phyr_scatterlist *sgl, int nents,
				enum phyr_dma_data_direction dir, unsigned long attrs, int *count)
{
	struct phyr_scatterlist *s = sgl, *t;
	uint64_t dma;
	int i, ret;

	phyr_sg_dma_mark_swiotlb(L, sgl);
	for (i = 0; i < nents; i++, s = phyr_sg_next(L, s)) {
		ret = phyr_dma_iommu_map_phys(b->d, phyr_sg_phys(L, s), phyr_sg_length(L, s), dir,
					      attrs, &dma);
		if (ret)
			goto undo;
		phyr_sg_set_dma_address(L, s, dma);
		phyr_sg_set_dma_len(L, s, phyr_sg_length(L, s));
	}
	*count = nents;
	return 0;
undo:
	t = sgl;
	for (int j = 0; j < i; j++, t = phyr_sg_next(L, t)) {
		phyr_dma_iommu_unmap_phys(b->d, phyr_sg_dma_address(L, t), phyr_sg_dma_len(L, t),
					  dir, attrs | PHYR_DMA_ATTR_SKIP_CPU_SYNC);
		phyr_sg_set_dma_address(L, t, PHYR_DMA_MAPPING_ERROR);
		phyr_sg_set_dma_len(L, t, 0);
	}
	phyr_sg_set_dma_flags(L, sgl, phyr_sg_dma_flags(L, sgl) & ~PHYR_SG_DMA_SWIOTLB);
	return -EIO;
}

/*
 * dma-debug's view of the list (debug_dma_map_sg & co. are called by the
 * mapping core around the ops, as in Linux). NULL: no checker, or no memory.
 */
static struct phyr_dma_debug_sg *debug_sg(struct binding *b, const struct phyr_sg_layout *L,
					  struct phyr_scatterlist *sgl, int nents)
{
	struct phyr_dma_debug_sg *v;
	struct phyr_scatterlist *s = sgl;

	if (!b->d->debug)
		return NULL;
	v = calloc((size_t)nents, sizeof(*v));
	if (!v)
		return NULL;
	for (int i = 0; i < nents; i++, s = phyr_sg_next(L, s)) {
		v[i].phys = phyr_sg_phys(L, s);
		v[i].len = phyr_sg_length(L, s);
		v[i].dma_addr = phyr_sg_dma_address(L, s);
		v[i].dma_len = phyr_sg_dma_len(L, s);
	}
	return v;
}

static int iommu_map_sg(struct phyr_device *dev, struct binding *b,
			const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nents,
			enum phyr_dma_data_direction dir, unsigned long attrs, int *count)
{
	struct phyr_iommu_dma_dev idev;
	struct p2p_ctx p2p;
	int ret;

	if (use_sg_swiotlb(dev))
		return iommu_map_sg_swiotlb(b, L, sgl, nents, dir, attrs, count);

	memset(&p2p, 0, sizeof(p2p));
	p2p.m = phyr_device_machine(dev);
	p2p.client = phyr_device_pci(dev);
	memset(&idev, 0, sizeof(idev));
	idev.dma_mask = phyr_dma_get_mask(dev);
	idev.bus_dma_limit = phyr_dma_get_bus_limit(dev);
	idev.seg_boundary_mask = phyr_dma_get_seg_boundary(dev);
	idev.max_seg_size = phyr_dma_get_max_seg_size(dev);
	idev.coherent = phyr_device_is_coherent(dev);
	idev.pci_32bit_workaround = b->d->pci_32bit_workaround;
	idev.p2p = p2p_classify;
	idev.p2p_ctx = &p2p;
	b->cookie.cpu = b->d->cpu;
	ret = phyr_iommu_dma_map_sg(&b->cookie, &idev, L, sgl, nents, (int)dir, attrs, NULL, NULL);
	/* the 32-bit-first switch is the device's, shared with single maps */
	if (!idev.pci_32bit_workaround && b->d->pci_32bit_workaround) {
		b->d->pci_32bit_workaround = false;
		b->d->st.nsac_fallbacks++;
		b->d->st.dac_bits = 64;
	}
	if (ret < 0)
		return ret;
	*count = ret;
	struct phyr_dma_debug_sg *v = debug_sg(b, L, sgl, nents);

	if (v) {
		phyr_dma_debug_map_sg(b->d->debug, dev, v, nents, ret, (int)dir, attrs,
				      idev.max_seg_size, idev.seg_boundary_mask);
		free(v);
	}
	return 0;
}

static int iommu_unmap_sg(struct binding *b, const struct phyr_sg_layout *L,
			  struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			  unsigned long attrs)
{
	struct phyr_scatterlist *s = sgl;

	if (phyr_sg_dma_is_swiotlb(L, sgl)) {
		for (int i = 0; i < nents; i++, s = phyr_sg_next(L, s)) {
			if (phyr_sg_dma_len(L, s))
				phyr_dma_iommu_unmap_phys(b->d, phyr_sg_dma_address(L, s),
							  phyr_sg_dma_len(L, s), dir, attrs);
		}
		phyr_sg_set_dma_flags(L, sgl, phyr_sg_dma_flags(L, sgl) & ~PHYR_SG_DMA_SWIOTLB);
		return 0;
	}
	struct phyr_dma_debug_sg *v = debug_sg(b, L, sgl, nents);

	if (v) {
		int refused = phyr_dma_debug_unmap_sg(b->d->debug, phyr_dma_iommu_device(b->d), v,
						      nents, (int)dir);

		free(v);
		if (refused)
			return -EINVAL; /* strict checker: nothing unmapped */
	}
	b->cookie.cpu = b->d->cpu;
	return phyr_iommu_dma_unmap_sg(&b->cookie, L, sgl, nents);
}

static int iommu_sync_sg(struct binding *b, const struct phyr_sg_layout *L,
			 struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			 bool for_cpu)
{
	struct phyr_scatterlist *s = sgl;
	int ret = 0;

	/* Per entry for bounced lists; a merged list needs cache maintenance only. */
	if (!phyr_sg_dma_is_swiotlb(L, sgl)) {
		struct phyr_dma_debug_sg *v = debug_sg(b, L, sgl, nents);

		if (v) {
			ret = phyr_dma_debug_sync_sg(b->d->debug, phyr_dma_iommu_device(b->d), v,
						     nents, (int)dir, for_cpu);
			free(v);
			if (ret)
				return -EINVAL;
		}
		if (phyr_device_is_coherent(phyr_dma_iommu_device(b->d)))
			return 0;
	}
	for (int i = 0; i < nents && !ret; i++, s = phyr_sg_next(L, s)) {
		if (!phyr_sg_dma_len(L, s) || phyr_sg_dma_is_bus_address(L, s))
			continue;
		ret = for_cpu ? phyr_dma_iommu_sync_for_cpu(b->d, phyr_sg_dma_address(L, s),
							    phyr_sg_dma_len(L, s), dir)
			      : phyr_dma_iommu_sync_for_device(b->d, phyr_sg_dma_address(L, s),
							       phyr_sg_dma_len(L, s), dir);
	}
	return ret;
}
#endif

static bool sg_args_ok(const struct phyr_device *dev, const struct phyr_sg_layout *L,
		       const struct phyr_scatterlist *sgl, int nents,
		       enum phyr_dma_data_direction dir)
{
	return dev && L && sgl && nents > 0 && valid_dir(dir);
}

int phyr_dma_map_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		    struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		    unsigned long attrs, int *count)
{
	int ret, n = 0;

	if (!sg_args_ok(dev, L, sgl, nents, dir) || !count)
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		ret = iommu_map_sg(dev, b, L, sgl, nents, dir, attrs, &n);
	else
#endif
		ret = direct_map_sg(dev, L, sgl, nents, dir, attrs, &n);
	if (ret == 0)
		*count = n;
	else if (ret != -EINVAL && ret != -ENOMEM && ret != -EIO && ret != -EREMOTEIO)
		ret = -EIO; /* __dma_map_sg_attrs: unexpected errors become -EIO */
	return ret;
}

int phyr_dma_unmap_sg(struct phyr_device *dev, const struct phyr_sg_layout *L,
		      struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
		      unsigned long attrs)
{
	if (!sg_args_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return iommu_unmap_sg(b, L, sgl, nents, dir, attrs);
#endif
	return direct_unmap_sg(dev, L, sgl, nents, dir, attrs);
}

int phyr_dma_sync_sg_for_cpu(struct phyr_device *dev, const struct phyr_sg_layout *L,
			     struct phyr_scatterlist *sgl, int nents,
			     enum phyr_dma_data_direction dir)
{
	if (!sg_args_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return iommu_sync_sg(b, L, sgl, nents, dir, true);
#endif
	return direct_sync_sg(dev, L, sgl, nents, dir, true);
}

int phyr_dma_sync_sg_for_device(struct phyr_device *dev, const struct phyr_sg_layout *L,
				struct phyr_scatterlist *sgl, int nents,
				enum phyr_dma_data_direction dir)
{
	if (!sg_args_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return iommu_sync_sg(b, L, sgl, nents, dir, false);
#endif
	return direct_sync_sg(dev, L, sgl, nents, dir, false);
}

/* ------------------------------------------------------------------ */
/* Sizes and boundaries                                                */

size_t phyr_dma_max_mapping_size(const struct phyr_device *dev)
{
	if (!dev)
		return SIZE_MAX;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return (size_t)phyr_dma_iommu_max_mapping_size(b->d);
#endif
	return phyr_dma_direct_max_mapping_size(dev);
}

size_t phyr_dma_opt_mapping_size(const struct phyr_device *dev)
{
	size_t max = phyr_dma_max_mapping_size(dev);

	if (!dev)
		return max;
#ifdef HAVE_DMA_IOMMU
	if (lookup(dev))
		return max < SZ_128K ? max : SZ_128K; /* iova_rcache_range() */
#endif
	return max; /* no ops hook: SIZE_MAX, capped by the maximum */
}

uint64_t phyr_dma_get_merge_boundary(const struct phyr_device *dev)
{
	if (!dev)
		return 0;
#ifdef HAVE_DMA_IOMMU
	struct binding *b = lookup(dev);

	if (b)
		return phyr_dma_iommu_get_merge_boundary(b->d);
#endif
	return phyr_dma_direct_get_merge_boundary(dev);
}
