// SPDX-License-Identifier: MIT
/*
 * DMA mapping core (see include/phyr/dma-mapping.h): the path choice of
 * Linux v6.17 kernel/dma/mapping.c and the pieces of it that belong to
 * neither path: the errno filter of __dma_map_sg_attrs, the sg syncs of
 * dma-iommu, and the size/boundary queries.
 *
 * The two paths are other modules' code, called as they are:
 *  - dma-direct: phyr_dma_direct_* of <phyr/device.h> (src/dma-direct*.c);
 *  - dma-iommu: <phyr/dma-iova.h> (src/dma-single*.c: single mappings,
 *    map_sg on top of src/dma/dma-iommu-sg.c with the untrusted per-entry
 *    path, dma-debug hooks), whose IOMMU domain releases IOVAs (strict
 *    unmaps and flush-queue reaps) with free_iova_fast.
 * The adapters live here: dma-direct's entry array <-> scatterlist, and
 * the sg syncs of dma-iommu (per segment through the single syncs).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "direct.h"
#include "phyr/dma-mapping.h"
#include "phyr/machine.h"

#include "phyr/dma-iova.h"

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

/* The bound object if it is still the device's DMA domain. */
static struct binding *lookup(const struct phyr_device *dev)
{
	struct binding *b;
	void *slot;

	pthread_mutex_lock(&bind_lock);
	b = find_binding_locked(dev);
	pthread_mutex_unlock(&bind_lock);
	if (!b || !phyr_dma_iommu_is_dma(b->d))
		return NULL;
	/* still attached: the device's IOMMU slot holds the object or its domain */
	slot = phyr_device_iommu(dev);
	if (slot != (void *)b->d && slot != (void *)phyr_dma_iommu_domain(b->d))
		return NULL;
	return b;
}

int phyr_dma_bind_iommu(struct phyr_device *dev, struct phyr_dma_iommu *d)
{
	struct binding *b;
	int ret = 0;

	if (!dev)
		return -EINVAL;
	if (d && phyr_dma_iommu_device(d) != dev)
		return -EINVAL;
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
	if (dev && lookup(dev))
		return PHYR_DMA_PATH_IOMMU;
	return PHYR_DMA_PATH_DIRECT;
}

/*
 * Per-device counters of the dma-iommu path (dma-direct counts its own):
 * a successful map adds its entries and bytes, a failed one an error.
 */
static void count_map(struct phyr_device *dev, int ret, uint64_t nents, uint64_t bytes)
{
	if (ret) {
		dev->st.nmap_errors++;
		return;
	}
	dev->st.nmaps += nents;
	dev->st.nbytes_mapped += bytes;
}

static void count_unmap(struct phyr_device *dev, int ret, uint64_t nents)
{
	if (!ret)
		dev->st.nunmaps += nents;
}

static uint64_t sg_bytes(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, int nents)
{
	uint64_t bytes = 0;

	for (int i = 0; i < nents && s; i++, s = phyr_sg_next(L, s))
		bytes += phyr_sg_length(L, s);
	return bytes;
}

/* ------------------------------------------------------------------ */
/* Single mappings                                                     */

int phyr_dma_map_phys(struct phyr_device *dev, uint64_t phys, size_t size,
		      enum phyr_dma_data_direction dir, unsigned long attrs, uint64_t *dma)
{
	if (!dev || !dma || !size || !valid_dir(dir))
		return -EINVAL;
	struct binding *b = lookup(dev);

	if (b) {
		int ret = attrs & PHYR_DMA_ATTR_MMIO ?
			phyr_dma_iommu_map_resource(b->d, phys, size, dir, attrs, dma) :
			phyr_dma_iommu_map_phys(b->d, phys, size, dir, attrs, dma);

		count_map(dev, ret, 1, size);
		return ret;
	}
	return phyr_dma_direct_map_phys(dev, phys, size, dir, attrs, dma);
}

int phyr_dma_unmap_phys(struct phyr_device *dev, uint64_t dma, size_t size,
			enum phyr_dma_data_direction dir, unsigned long attrs)
{
	if (!dev || !size || !valid_dir(dir))
		return -EINVAL;
	struct binding *b = lookup(dev);

	if (b) {
		int ret = attrs & PHYR_DMA_ATTR_MMIO ?
			phyr_dma_iommu_unmap_resource(b->d, dma, size, dir, attrs) :
			phyr_dma_iommu_unmap_phys(b->d, dma, size, dir, attrs);

		count_unmap(dev, ret, 1);
		return ret;
	}
	return phyr_dma_direct_unmap_phys(dev, dma, size, dir, attrs);
}

int phyr_dma_sync_for_cpu(struct phyr_device *dev, uint64_t dma, size_t size,
			  enum phyr_dma_data_direction dir)
{
	if (!dev || !valid_dir(dir))
		return -EINVAL;
	struct binding *b = lookup(dev);

	if (b)
		return phyr_dma_iommu_sync_for_cpu(b->d, dma, size, dir);
	return phyr_dma_direct_sync_for_cpu(dev, dma, size, dir);
}

int phyr_dma_sync_for_device(struct phyr_device *dev, uint64_t dma, size_t size,
			     enum phyr_dma_data_direction dir)
{
	if (!dev || !valid_dir(dir))
		return -EINVAL;
	struct binding *b = lookup(dev);

	if (b)
		return phyr_dma_iommu_sync_for_device(b->d, dma, size, dir);
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

/*
 * iommu_dma_sync_sg_for_*: a per-entry (swiotlb) list syncs every entry;
 * a merged list needs cache maintenance only, which the single sync of
 * each segment does (nothing for a coherent trusted device). Bus-address
 * segments are never synced.
 */
static int iommu_sync_sg(struct binding *b, const struct phyr_sg_layout *L,
			 struct phyr_scatterlist *sgl, int nents, enum phyr_dma_data_direction dir,
			 bool for_cpu)
{
	struct phyr_scatterlist *s = sgl;
	int ret = 0;

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
	struct binding *b = lookup(dev);

	if (b) {
		ret = phyr_dma_iommu_map_sg(b->d, L, sgl, nents, dir, attrs, &n);
		count_map(dev, ret, (uint64_t)nents, ret ? 0 : sg_bytes(L, sgl, nents));
	} else
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
	struct binding *b = lookup(dev);

	if (b) {
		int ret = phyr_dma_iommu_unmap_sg(b->d, L, sgl, nents, dir, attrs);

		count_unmap(dev, ret, (uint64_t)nents);
		return ret;
	}
	return direct_unmap_sg(dev, L, sgl, nents, dir, attrs);
}

int phyr_dma_sync_sg_for_cpu(struct phyr_device *dev, const struct phyr_sg_layout *L,
			     struct phyr_scatterlist *sgl, int nents,
			     enum phyr_dma_data_direction dir)
{
	if (!sg_args_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
	struct binding *b = lookup(dev);

	if (b)
		return iommu_sync_sg(b, L, sgl, nents, dir, true);
	return direct_sync_sg(dev, L, sgl, nents, dir, true);
}

int phyr_dma_sync_sg_for_device(struct phyr_device *dev, const struct phyr_sg_layout *L,
				struct phyr_scatterlist *sgl, int nents,
				enum phyr_dma_data_direction dir)
{
	if (!sg_args_ok(dev, L, sgl, nents, dir))
		return -EINVAL;
	struct binding *b = lookup(dev);

	if (b)
		return iommu_sync_sg(b, L, sgl, nents, dir, false);
	return direct_sync_sg(dev, L, sgl, nents, dir, false);
}

/* ------------------------------------------------------------------ */
/* Sizes and boundaries                                                */

size_t phyr_dma_max_mapping_size(const struct phyr_device *dev)
{
	if (!dev)
		return SIZE_MAX;
	struct binding *b = lookup(dev);

	if (b)
		return (size_t)phyr_dma_iommu_max_mapping_size(b->d);
	return phyr_dma_direct_max_mapping_size(dev);
}

size_t phyr_dma_opt_mapping_size(const struct phyr_device *dev)
{
	size_t max = phyr_dma_max_mapping_size(dev);

	if (!dev)
		return max;
	if (lookup(dev))
		return max < SZ_128K ? max : SZ_128K; /* iova_rcache_range() */
	return max; /* no ops hook: SIZE_MAX, capped by the maximum */
}

uint64_t phyr_dma_get_merge_boundary(const struct phyr_device *dev)
{
	if (!dev)
		return 0;
	struct binding *b = lookup(dev);

	if (b)
		return phyr_dma_iommu_get_merge_boundary(b->d);
	return phyr_dma_direct_get_merge_boundary(dev);
}
