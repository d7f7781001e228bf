// SPDX-License-Identifier: MIT
/*
 * The device's DMA engine: phyr_device_dma_read/write route each page of
 * a transfer as the PCIe fabric would (a peer's BAR by bus address, else
 * upstream through the IOMMU domain or the dma-direct translation) into
 * simulated memory; faults are counted in the device.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "direct.h"
#include "machine.h"

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
