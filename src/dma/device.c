// SPDX-License-Identifier: MIT
/*
 * The device model (struct device's DMA fields, dma_parms, the set/get
 * helpers of kernel/dma/mapping.c and include/linux/dma-mapping.h) and the
 * device's DMA engine: phyr_device_dma_read/write route each page of a
 * transfer as the PCIe fabric would (peer BAR by bus address, else
 * upstream through the IOMMU or the bus offset) into simulated memory.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "direct.h"
#include "phyr/dma-iommu.h"
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
	phyr_iommu_teardown_dma_ops(dev);
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
	return dev->cfg.dma_mask ? dev->cfg.dma_mask : PHYR_DMA_BIT_MASK(32);
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

/* dma_supported(): any mask behind a DMA-API IOMMU, else dma_direct_supported(). */
static bool dma_supported(const struct phyr_device *dev, uint64_t mask)
{
	return dev->iommu || phyr_dma_direct_supported(dev, mask);
}

int phyr_dma_set_mask(struct phyr_device *dev, uint64_t mask)
{
	if (!dev)
		return -EINVAL;
	if (!dma_supported(dev, mask))
		return -EIO;
	dev->cfg.dma_mask = mask;
	return 0;
}

int phyr_dma_set_coherent_mask(struct phyr_device *dev, uint64_t mask)
{
	if (!dev)
		return -EINVAL;
	if (!dma_supported(dev, mask))
		return -EIO;
	dev->cfg.coherent_dma_mask = mask;
	return 0;
}

int phyr_dma_set_mask_and_coherent(struct phyr_device *dev, uint64_t mask)
{
	int ret = phyr_dma_set_mask(dev, mask);

	if (!ret)
		ret = phyr_dma_set_coherent_mask(dev, mask);
	return ret;
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

/* ------------------------------------------------------------------ */
/* Data path                                                           */
/* ------------------------------------------------------------------ */

static int dp_fault(struct phyr_device *dev, uint64_t addr, int err)
{
	dev->st.nfaults++;
	dev->st.last_fault_addr = addr;
	dev->st.last_fault_errno = err;
	return err;
}

/* A peer BAR that @dev reaches by bus address below the host bridge. */
static bool dp_p2p_decode(struct phyr_device *dev, uint64_t addr, uint64_t *phys)
{
	struct phyr_p2p_pgmap *g;
	uint64_t bus_start;

	if (!dev->cfg.pci)
		return false;
	for (g = dev->m->pgmaps; g; g = g->next) {
		bus_start = g->start + g->bus_offset;
		if (addr < bus_start || addr - bus_start > g->size - 1)
			continue;
		if (phyr_p2pdma_map_type(g->provider, dev->cfg.pci) != PHYR_P2PDMA_MAP_BUS_ADDR)
			continue;
		*phys = addr - g->bus_offset;
		return true;
	}
	return false;
}

/*
 * Resolve [addr, +n) (n bytes inside one page of the device's address
 * space) to a CPU physical address the fabric delivers it to.
 */
static int dp_resolve(struct phyr_device *dev, uint64_t addr, size_t n, bool write, uint64_t *out,
		      bool *p2p)
{
	const struct phyr_machine_config *mc = &dev->m->cfg;
	const struct mm_range *r;
	uint64_t phys, last;
	bool marker, decrypted;
	int ret;

	*p2p = false;
	if (dp_p2p_decode(dev, addr, &phys)) {
		*p2p = true;
		*out = phys;
		return 0;
	}
	if (dev->iommu) {
		ret = dev->translate(dev->iommu, dev, addr, write, &phys);
		if (ret)
			return ret < 0 ? ret : -EFAULT;
		marker = false;
	} else {
		marker = mc->mem_encrypt_mask && (addr & mc->mem_encrypt_mask);
		if (phyr_dma_to_phys(dev, addr, &phys) || phyr_dma_to_phys(dev, addr + (n - 1), &last) ||
		    last != phys + (n - 1))
			return -EFAULT;
	}
	r = machine_find_range(dev->m, phys);
	if (!r || r->start + (r->size - 1) < phys + (n - 1))
		return -EFAULT;
	if (r->type == PHYR_MEM_RAM && mc->mem_encrypt_mask && !dev->iommu) {
		decrypted = machine_is_decrypted(dev->m, phys, n);
		if (mc->cc_guest ? !decrypted : decrypted == marker)
			return -EACCES;
	}
	*out = phys;
	return 0;
}

static int dp_transfer(struct phyr_device *dev, uint64_t addr, void *rbuf, const void *wbuf,
		       size_t len)
{
	struct phyr_physmem *pm = dev->m->pm;
	uint64_t reach, *phys = NULL, a;
	size_t nchunks, i, pos, n, bytes = 0;
	bool write = wbuf != NULL, p2p;
	size_t np2p = 0;
	int ret = 0;

	if (!len)
		return 0;
	if (addr + (uint64_t)(len - 1) < addr)
		return -EINVAL;
	reach = dev->cfg.dma_mask > dev->cfg.coherent_dma_mask ? dev->cfg.dma_mask :
								 dev->cfg.coherent_dma_mask;
	reach = min_not_zero(reach, dev->cfg.bus_dma_limit);
	if (addr + (uint64_t)(len - 1) > reach)
		return dp_fault(dev, addr, -EFAULT);
	nchunks = (size_t)(((addr & (PHYR_PAGE_SIZE - 1)) + (uint64_t)(len - 1)) >> PHYR_PAGE_SHIFT) + 1;
	phys = alloc_mem(dev->a, nchunks * sizeof(*phys));
	if (!phys)
		return -ENOMEM;
	/* Pass 1: resolve every page; nothing moves if one faults. */
	for (i = 0, pos = 0, a = addr; pos < len; i++, pos += n, a += n) {
		n = (size_t)(PHYR_PAGE_SIZE - (a & (PHYR_PAGE_SIZE - 1)));
		if (n > len - pos)
			n = len - pos;
		ret = dp_resolve(dev, a, n, write, &phys[i], &p2p);
		if (ret) {
			dp_fault(dev, a, ret);
			goto out_free;
		}
		np2p += p2p;
	}
	/* Pass 2 (writes): back every target page so the copy cannot fail. */
	for (i = 0, pos = 0, a = addr; write && pos < len; i++, pos += n, a += n) {
		n = (size_t)(PHYR_PAGE_SIZE - (a & (PHYR_PAGE_SIZE - 1)));
		if (n > len - pos)
			n = len - pos;
		ret = phyr_physmem_prefault(pm, phys[i], n);
		if (ret)
			goto out_free;
	}
	for (i = 0, pos = 0, a = addr; pos < len; i++, pos += n, a += n) {
		n = (size_t)(PHYR_PAGE_SIZE - (a & (PHYR_PAGE_SIZE - 1)));
		if (n > len - pos)
			n = len - pos;
		if (write)
			ret = phyr_physmem_write(pm, phys[i], (const uint8_t *)wbuf + pos, n);
		else
			ret = phyr_physmem_read(pm, phys[i], (uint8_t *)rbuf + pos, n);
		if (ret) /* only if another thread discarded a prefaulted page */
			goto out_free;
		bytes += n;
	}
	dev->st.np2p_accesses += np2p;
	if (write) {
		dev->st.ndma_writes++;
		dev->st.nbytes_dma_written += bytes;
	} else {
		dev->st.ndma_reads++;
		dev->st.nbytes_dma_read += bytes;
	}
out_free:
	alloc_free(dev->a, phys, nchunks * sizeof(*phys));
	return ret;
}

int phyr_device_dma_read(struct phyr_device *dev, uint64_t dma_addr, void *buf, size_t len)
{
	if (!dev || (!buf && len))
		return -EINVAL;
	return dp_transfer(dev, dma_addr, buf, NULL, len);
}

int phyr_device_dma_write(struct phyr_device *dev, uint64_t dma_addr, const void *buf, size_t len)
{
	if (!dev || (!buf && len))
		return -EINVAL;
	if (!len)
		return 0;
	return dp_transfer(dev, dma_addr, NULL, buf, len);
}
