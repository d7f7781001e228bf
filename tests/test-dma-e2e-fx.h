/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture of tests/test-dma.c and tests/test-dma-e2e.c: one machine
 * with every kind of memory a device can meet.
 *
 * RAM [0, 2 GiB) and [4 GiB, 8 GiB). Host bridge 0000 (00.0 Intel 0x2030,
 * allow-listed): root port 00:01.0 -> bus 1 with the client 01:00.0 and
 * provider A 01:01.0 (same bus, no ACS: BUS_ADDR); root port 00:02.0 ->
 * provider B 02:00.0 (other root port: THRU_HOST_BRIDGE). Host bridge
 * 0001 (00.0 vendor 0x1af4, not allow-listed) with provider C 0001:00:01.0
 * (NOT_SUPPORTED). BAR 0 of each provider is 1 MiB of P2P memory:
 * A at CPU 0x3_0000_0000 bus 0xc000_0000, B at 0x3_1000_0000 bus
 * 0xd000_0000, C at 0x3_2000_0000 bus 0xe000_0000.
 * swiotlb pool at 0x7000_0000, 512 slots (1 MiB), one area, backed by the
 * machine's memory.
 */
#ifndef TEST_DMA_E2E_FX_H
#define TEST_DMA_E2E_FX_H

#include <stdlib.h>
#include <string.h>

#include "phyr/dma-mapping.h"
#include "phyr/device.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"
#include "phyr/swiotlb.h"

#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/iommu.h"
#include "phyr/iova.h"

#define FX_POOL 0x70000000ull
#define FX_BAR_A 0x300000000ull
#define FX_BUS_A 0xc0000000ull
#define FX_BAR_B 0x310000000ull
#define FX_BUS_B 0xd0000000ull
#define FX_BAR_C 0x320000000ull
#define FX_BUS_C 0xe0000000ull
#define FX_BAR_LEN 0x100000ull

enum fx_mode {
	FX_DIRECT = 0,     /* no IOMMU, identity */
	FX_DIRECT_OFFSET,  /* no IOMMU, bus offset: dma = phys + 0x1_0000_0000 */
	FX_DIRECT_BOUNCE,  /* no IOMMU, swiotlb=force (every mapping bounces) */
	FX_IOMMU,          /* strict DMA domain */
	FX_IOMMU_FQ,       /* DMA-FQ domain (flush queue) */
	FX_IOMMU_UNTRUSTED,/* strict DMA domain, untrusted device (bounces unaligned) */
	FX_NMODES
};

/* dma-debug checker given to the next IOMMU fixtures (NULL = none). */
static struct phyr_dma_debug *fx_debug;

static const char *const fx_mode_names[FX_NMODES] = {
	"direct", "direct-offset", "direct-bounce", "iommu", "iommu-fq", "iommu-untrusted",
};

struct fx {
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_pci_dev *client, *prov_a, *prov_b, *prov_c;
	struct phyr_swiotlb *tlb;
	struct phyr_swiotlb_memory mem;
	struct phyr_device *dev;
	enum fx_mode mode;
	struct phyr_iommu_dma_cookie *d; /* the DMA domain (IOMMU modes) */
};

static int fx_mem_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return phyr_physmem_read(ctx, phys, buf, len);
}

static int fx_mem_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return phyr_physmem_write(ctx, phys, buf, len);
}

static int fx_pci(struct phyr_machine *m, struct phyr_pci_host_bridge *h,
		  struct phyr_pci_dev *parent, uint8_t devfn, enum phyr_pci_type type,
		  uint16_t vendor, uint16_t device, struct phyr_pci_dev **out)
{
	struct phyr_pci_dev_config c;

	memset(&c, 0, sizeof(c));
	c.host = parent ? NULL : h;
	c.parent = parent;
	c.devfn = devfn;
	c.type = type;
	c.vendor = vendor;
	c.device = device;
	return phyr_pci_dev_add(m, &c, out);
}

/* Build the machine; returns 0 or the first error. */
static int fx_machine(struct fx *f, bool force_bounce)
{
	struct phyr_pci_host_bridge *h0, *h1;
	struct phyr_pci_dev *rp1, *rp2;
	struct phyr_swiotlb_config sc;
	int ret = 0;

	ret |= phyr_machine_create(NULL, NULL, &f->m);
	if (ret)
		return ret;
	f->pm = phyr_machine_physmem(f->m);
	ret |= phyr_machine_add_ram(f->m, 0, 0x80000000ull);
	ret |= phyr_machine_add_ram(f->m, 0x100000000ull, 0x100000000ull);
	ret |= phyr_pci_host_bridge_add(f->m, 0, 0, &h0);
	ret |= fx_pci(f->m, h0, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE,
		      PHYR_PCI_VENDOR_INTEL, 0x2030, NULL);
	ret |= fx_pci(f->m, h0, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ROOT_PORT,
		      PHYR_PCI_VENDOR_INTEL, 0x2031, &rp1);
	ret |= fx_pci(f->m, h0, NULL, PHYR_PCI_DEVFN(2, 0), PHYR_PCI_ROOT_PORT,
		      PHYR_PCI_VENDOR_INTEL, 0x2032, &rp2);
	ret |= fx_pci(f->m, NULL, rp1, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x15b3, 0x1017,
		      &f->client);
	ret |= fx_pci(f->m, NULL, rp1, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ENDPOINT, 0x144d, 0xa808,
		      &f->prov_a);
	ret |= fx_pci(f->m, NULL, rp2, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x10de, 0x2330,
		      &f->prov_b);
	ret |= phyr_pci_host_bridge_add(f->m, 1, 0, &h1);
	ret |= fx_pci(f->m, h1, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE, 0x1af4, 0x1000,
		      NULL);
	ret |= fx_pci(f->m, h1, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ENDPOINT, 0x10de, 0x2331,
		      &f->prov_c);
	if (ret)
		return ret;
	ret |= phyr_pci_dev_set_bar(f->prov_a, 0, FX_BAR_A, FX_BAR_LEN, FX_BUS_A);
	ret |= phyr_pci_dev_set_bar(f->prov_b, 0, FX_BAR_B, FX_BAR_LEN, FX_BUS_B);
	ret |= phyr_pci_dev_set_bar(f->prov_c, 0, FX_BAR_C, FX_BAR_LEN, FX_BUS_C);
	ret |= phyr_p2pdma_add_resource(f->prov_a, 0, 0, 0, NULL);
	ret |= phyr_p2pdma_add_resource(f->prov_b, 0, 0, 0, NULL);
	ret |= phyr_p2pdma_add_resource(f->prov_c, 0, 0, 0, NULL);
	if (ret)
		return ret;
	f->mem = (struct phyr_swiotlb_memory){ fx_mem_read, fx_mem_write, f->pm };
	memset(&sc, 0, sizeof(sc));
	sc.start = FX_POOL;
	sc.nslabs = 512;
	sc.nareas = 1;
	sc.force_bounce = force_bounce;
	sc.memory = &f->mem;
	return phyr_swiotlb_create(&sc, NULL, &f->tlb);
}

/*
 * A fixture in @mode; @mask the device's DMA mask (0 = 64 bits).
 */
static struct fx *fx_new_mask(enum fx_mode mode, uint64_t mask)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct phyr_device_config c;
	static const struct phyr_bus_dma_region offset_map[] = {
		{ 0, 0x100000000ull, 0x400000000ull },
	};

	if (!f)
		return NULL;
	f->mode = mode;
	if (fx_machine(f, mode == FX_DIRECT_BOUNCE))
		abort();
	phyr_device_config_init_pci(&c, f->client);
	c.dma_mask = c.coherent_dma_mask = mask ? mask : PHYR_DMA_BIT_MASK(64);
	c.untrusted = mode == FX_IOMMU_UNTRUSTED;
	if (mode == FX_DIRECT_OFFSET) {
		c.dma_range_map = offset_map;
		c.ndma_ranges = 1;
	}
	if (phyr_device_create(f->m, &c, NULL, &f->dev))
		abort();
	if (fx_debug && phyr_device_set_dma_debug(f->dev, fx_debug))
		abort();
	if (mode < FX_IOMMU) {
		if (phyr_device_use_swiotlb(f->dev, f->tlb))
			abort();
	}
	if (mode >= FX_IOMMU) {
		struct phyr_iommu_dma_config dc;
		struct phyr_iommu_domain_opts o;

		memset(&dc, 0, sizeof(dc));
		memset(&o, 0, sizeof(o));
		o.type = mode == FX_IOMMU_FQ ? PHYR_IOMMU_DOMAIN_DMA_FQ : PHYR_IOMMU_DOMAIN_DMA;
		o.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K;
		dc.domain = &o;
		dc.swiotlb = f->tlb;
		if (phyr_iommu_dma_cookie_create(&dc, NULL, &f->d))
			abort();
		if (phyr_iommu_setup_dma_ops(f->dev, f->d))
			abort();
	}
	return f;
}

static struct fx *fx_new(enum fx_mode mode)
{
	return fx_new_mask(mode, 0);
}

static void fx_free(struct fx *f)
{
	if (!f)
		return;
	phyr_iommu_dma_cookie_destroy(f->d);
	phyr_device_destroy(f->dev);
	phyr_swiotlb_destroy(f->tlb);
	phyr_machine_destroy(f->m);
	free(f);
}

/* A scatterlist of @n entries (phys, len) in a new table. */
static struct phyr_sg_table *fx_sgt(const uint64_t *phys, const uint32_t *len, int n)
{
	struct phyr_sg_table *t;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *s;

	if (phyr_sg_table_create(PHYR_SG_LAYOUT_DEFAULT, NULL, &t) ||
	    phyr_sg_alloc_table(t, (unsigned)n))
		abort();
	L = phyr_sg_table_layout(t);
	s = phyr_sg_table_sgl(t);
	for (int i = 0; i < n; i++, s = phyr_sg_next(L, s))
		if (phyr_sg_set_phys(L, s, phys[i], 0, len[i]))
			abort();
	return t;
}

/* Leak check: nothing mapped, no bounce slot, no IOVA, no PTE left. */
static bool fx_clean(struct fx *f)
{
	if (phyr_swiotlb_used(f->tlb) != 0)
		return false;
	if (f->d) {
		struct phyr_iommu_stats st;
		uint64_t nodes = 1, pages = 1;

		phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(f->d));
		phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(f->d));
		phyr_iova_usage(phyr_iommu_dma_cookie_iovad(f->d), &nodes, &pages);
		phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(f->d), &st);
		if (nodes || pages || st.nbytes_mapped != st.nbytes_unmapped)
			return false;
	}
	return true;
}

#endif /* TEST_DMA_E2E_FX_H */
