// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the DMA API layer: the input is a program of
 * operations on one device attached to an IOMMU DMA domain (strict or
 * flush queue, trusted or untrusted, with or without min_align_mask) with
 * a dma-debug checker, every call through the dispatch: single
 * map/unmap/sync, two-step try_alloc/link/sync/destroy, map_phyr/unmap_phyr
 * of mixed RAM and P2P lists, and misuse calls on the checker alone. Every
 * call may fail, none may crash; when the program has undone everything it
 * mapped, no bounce slot, IOVA or checker entry may be left (abort
 * otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/machine.h"

#define POOL 0x70000000ull
#define BAR_CPU 0x300000000ull
#define BAR_BUS 0x90000000ull
#define NSLOTS 8

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned byte(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static struct phyr_machine *m;
static struct phyr_pci_dev *client;
static struct phyr_swiotlb_memory mem;

static void setup_once(void)
{
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *rp, *sw, *dp0, *dp1, *prov;
	struct phyr_pci_dev_config c = { 0 };

	if (m)
		return;
	if (phyr_machine_create(NULL, NULL, &m) || phyr_machine_add_ram(m, 0, 0x80000000ull) ||
	    phyr_pci_host_bridge_add(m, 0, 0, &h))
		abort();
	c.host = h;
	c.vendor = PHYR_PCI_VENDOR_INTEL;
	c.type = PHYR_PCI_ROOT_PORT;
	c.devfn = PHYR_PCI_DEVFN(1, 0);
	c.has_acs = true;
	if (phyr_pci_dev_add(m, &c, &rp))
		abort();
	c.parent = rp;
	c.devfn = 0;
	c.type = PHYR_PCI_SWITCH_UPSTREAM;
	if (phyr_pci_dev_add(m, &c, &sw))
		abort();
	c.parent = sw;
	c.type = PHYR_PCI_SWITCH_DOWNSTREAM;
	if (phyr_pci_dev_add(m, &c, &dp0))
		abort();
	c.devfn = PHYR_PCI_DEVFN(1, 0);
	if (phyr_pci_dev_add(m, &c, &dp1))
		abort();
	c.type = PHYR_PCI_ENDPOINT;
	c.has_acs = false;
	c.devfn = 0;
	c.parent = dp0;
	if (phyr_pci_dev_add(m, &c, &prov))
		abort();
	c.parent = dp1;
	if (phyr_pci_dev_add(m, &c, &client))
		abort();
	if (phyr_pci_dev_set_bar(prov, 0, BAR_CPU, 0x100000, BAR_BUS) ||
	    phyr_p2pdma_add_resource(prov, 0, 0, 0, NULL))
		abort();
	phyr_dma_swiotlb_memory(m, &mem);
}

struct single {
	bool used;
	uint64_t dma, size;
	enum phyr_dma_data_direction dir;
};

struct twostep {
	bool used;
	struct phyr_dma_iova_state s;
	uint64_t linked; /* bytes linked from offset 0 */
	uint64_t pad;
	uint64_t next_phys;
};

struct phyrmap {
	struct phyr_dma_phyr_map *m;
	struct phyr runs[8];
};

static uint64_t rand_phys(struct in *in)
{
	return 0x10000000ull + ((uint64_t)byte(in) << 14) + ((uint64_t)(byte(in) & 0x3f) << 6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int other_dev;
	struct in in = { data, size };
	struct phyr_iommu_domain_opts dom = { .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K };
	struct phyr_iommu_dma_config dc = { .domain = &dom };
	struct phyr_swiotlb_config sc = { 0 };
	struct phyr_device_config cfg;
	struct phyr_dma_debug *dbg;
	struct phyr_swiotlb *tlb;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d;
	struct single singles[NSLOTS] = { 0 };
	struct twostep steps[NSLOTS / 2] = { 0 };
	struct phyrmap maps[NSLOTS / 2] = { 0 };
	unsigned flags = byte(&in);
	uint64_t nodes = 0, pages = 0;

	setup_once();
	sc.start = POOL;
	sc.nslabs = 256;
	sc.nareas = 1;
	sc.memory = &mem;
	if (phyr_swiotlb_create(&sc, NULL, &tlb) || phyr_dma_debug_create(NULL, NULL, &dbg))
		abort();
	phyr_device_config_init_pci(&cfg, client);
	cfg.dma_mask = cfg.coherent_dma_mask = flags & 1 ? ~0ull : 0xffffffffull;
	cfg.untrusted = flags & 2;
	cfg.min_align_mask = flags & 4 ? 0xfff : 0;
	cfg.coherent = !(flags & 8);
	dom.type = flags & 16 ? PHYR_IOMMU_DOMAIN_DMA_FQ : PHYR_IOMMU_DOMAIN_DMA;
	dc.swiotlb = flags & 32 ? NULL : tlb;
	if (phyr_device_create(m, &cfg, NULL, &dev) || phyr_device_set_dma_debug(dev, dbg) ||
	    phyr_iommu_dma_cookie_create(&dc, NULL, &d) || phyr_iommu_setup_dma_ops(dev, d))
		abort();

	while (in.n) {
		unsigned op = byte(&in) % 9, k = byte(&in);

		switch (op) {
		case 0: { /* single map */
			struct single *s = &singles[k % NSLOTS];
			uint64_t phys = rand_phys(&in), len = 1 + ((uint64_t)byte(&in) << 5);

			if (s->used)
				break;
			s->dir = (enum phyr_dma_data_direction)(byte(&in) % 3);
			if (!phyr_dma_map_phys(dev, phys, len, s->dir, 0, &s->dma)) {
				s->used = true;
				s->size = len;
				phyr_dma_mapping_error(dev, s->dma);
			}
			break;
		}
		case 1: { /* single unmap */
			struct single *s = &singles[k % NSLOTS];

			if (s->used && !phyr_dma_unmap_phys(dev, s->dma, s->size, s->dir, 0))
				s->used = false;
			break;
		}
		case 2: { /* single sync */
			struct single *s = &singles[k % NSLOTS];

			if (s->used) {
				if (byte(&in) & 1)
					phyr_dma_sync_for_cpu(dev, s->dma, s->size, s->dir);
				else
					phyr_dma_sync_for_device(dev, s->dma, s->size, s->dir);
			}
			break;
		}
		case 3: { /* try_alloc */
			struct twostep *t = &steps[k % (NSLOTS / 2)];
			uint64_t phys = rand_phys(&in);

			if (t->used)
				break;
			if (!phyr_dma_iova_try_alloc(dev, &t->s, phys,
						     1 + ((uint64_t)byte(&in) << 9))) {
				t->used = true;
				t->linked = 0;
				t->pad = phys & 0xfff;
				t->next_phys = phys;
			}
			break;
		}
		case 4: { /* link the next piece at the end of what is linked */
			struct twostep *t = &steps[k % (NSLOTS / 2)];
			uint64_t room, len, phys;

			if (!t->used)
				break;
			room = phyr_dma_iova_size(&t->s) - t->linked;
			if (!room)
				break;
			len = 1 + ((uint64_t)byte(&in) << 6);
			if (len > room)
				len = room;
			/* contiguous from the first byte: only the first link is unaligned */
			phys = t->next_phys;
			if (!phyr_dma_iova_link(dev, &t->s, phys, t->linked, len,
						PHYR_DMA_TO_DEVICE, 0)) {
				t->linked += len;
				t->next_phys += len;
			}
			if (byte(&in) & 1)
				phyr_dma_iova_sync(dev, &t->s, 0, t->linked ? t->linked : 1);
			break;
		}
		case 5: { /* destroy */
			struct twostep *t = &steps[k % (NSLOTS / 2)];

			if (t->used &&
			    !phyr_dma_iova_destroy(dev, &t->s, t->linked, PHYR_DMA_TO_DEVICE, 0))
				t->used = false;
			break;
		}
		case 6: { /* map_phyr */
			struct phyrmap *pm = &maps[k % (NSLOTS / 2)];
			size_t n = 1 + byte(&in) % 8;

			if (pm->m)
				break;
			for (size_t i = 0; i < n; i++) {
				unsigned b = byte(&in);

				pm->runs[i].addr = (b & 1) ? BAR_CPU + ((uint64_t)(b >> 1) << 12)
							   : 0x20000000ull + ((uint64_t)i << 16) +
								     ((uint64_t)byte(&in) << 4);
				pm->runs[i].len = 1 + ((uint64_t)byte(&in) << 4);
			}
			if (phyr_dma_map_phyr(dev, pm->runs, n, PHYR_DMA_BIDIRECTIONAL, 0, &pm->m))
				pm->m = NULL;
			break;
		}
		case 7: { /* unmap_phyr */
			struct phyrmap *pm = &maps[k % (NSLOTS / 2)];

			if (pm->m && !phyr_dma_unmap_phyr(pm->m, PHYR_DMA_BIDIRECTIONAL, 0))
				pm->m = NULL;
			break;
		}
		default: { /* misuse, on another device: reports only */
			struct phyr_dma_debug_map mm = {
				.dev = &other_dev, .type = (enum phyr_dma_debug_type)(k % 6),
				.dma_addr = (uint64_t)byte(&in) << 12, .size = 1 + byte(&in),
				.dir = (int)(byte(&in) % 4),
			};

			if (mm.type == PHYR_DMA_DEBUG_SG)
				mm.type = PHYR_DMA_DEBUG_SINGLE;
			switch (byte(&in) % 4) {
			case 0:
				phyr_dma_debug_map(dbg, &mm);
				break;
			case 1:
				phyr_dma_debug_unmap(dbg, &mm);
				break;
			case 2:
				phyr_dma_debug_sync(dbg, &other_dev, mm.dma_addr, mm.size, mm.dir,
						    byte(&in) & 1);
				break;
			default:
				phyr_dma_debug_unmap_range(dbg, &other_dev, PHYR_DMA_DEBUG_IOVA,
							   mm.dma_addr, mm.size, mm.dir);
				break;
			}
			break;
		}
		}
	}

	/* undo everything still mapped, then nothing may be left */
	for (int i = 0; i < NSLOTS; i++)
		if (singles[i].used && phyr_dma_unmap_phys(dev, singles[i].dma, singles[i].size,
							   singles[i].dir, 0))
			abort();
	for (int i = 0; i < NSLOTS / 2; i++) {
		if (steps[i].used &&
		    phyr_dma_iova_destroy(dev, &steps[i].s, steps[i].linked, PHYR_DMA_TO_DEVICE, 0))
			abort();
		if (maps[i].m && phyr_dma_unmap_phyr(maps[i].m, PHYR_DMA_BIDIRECTIONAL, 0))
			abort();
	}
	if (phyr_swiotlb_used(tlb))
		abort();
	phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(d));
	phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(d));
	phyr_iova_usage(phyr_iommu_dma_cookie_iovad(d), &nodes, &pages);
	if (nodes || phyr_dma_debug_nentries(dbg, dev))
		abort();
	phyr_iommu_dma_cookie_destroy(d);
	phyr_device_destroy(dev);
	phyr_dma_debug_destroy(dbg);
	phyr_swiotlb_destroy(tlb);
	return 0;
}
