// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the dma-iommu single path, the two-step API and
 * phyr_dma_map_phyr, all through the dispatch of <phyr/dma-mapping.h>:
 * 256 scattered 4 KiB pages through a strict IOMMU DMA domain (ARM LPAE
 * 4K), mapped and unmapped as
 *  - map_phyr: one call, one IOVA, one DMA range out;
 *  - two-step: try_alloc + 256 links + sync + destroy;
 *  - single: 256 map_phys + 256 unmap_phys;
 * plus map_phyr passthrough (no IOMMU) of the same list, and the dma-debug
 * hooks of a single map/unmap. Prints "name value unit" lines: median over
 * several rounds, ns per list (or per operation).
 * Machine: machine_text below, built with phyr_system_build_string().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phyr/builder.h"
#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/machine.h"
#include "bench.h"

#define ROUNDS 9
#define NPAGES 256

/*
 * 16 GiB of RAM; a root port with two functions: dev behind a strict DMA
 * domain (ARM LPAE 4K, 48 bits: the defaults), dev2 without an IOMMU.
 */
static const char machine_text[] =
	"ram start=0 size=16G\n"
	"host-bridge hb\n"
	"root-port rp parent=hb devfn=00.0 id=8086:2030\n"
	"endpoint ep parent=rp devfn=00.0 id=15b3:1017\n"
	"endpoint ep2 parent=rp devfn=00.1 id=15b3:1017\n"
	"iommu-group grp type=dma\n"
	"device dev pci=ep dma-mask=64bit group=grp\n"
	"device dev2 pci=ep2 dma-mask=64bit\n";

static void report(const char *name, double *r, const char *unit)
{
	qsort(r, ROUNDS, sizeof(*r), bench_cmp_double);
	printf("%s %.1f %s\n", name, r[ROUNDS / 2], unit);
}

int main(void)
{
	struct phyr pages[NPAGES];
	struct phyr_system *sys;
	struct phyr_device *dev, *dev2;
	struct phyr_dma_phyr_map *pm;
	struct phyr_dma_iova_state s;
	struct phyr_dma_debug *dbg;
	struct phyr_dma_debug_map dm;
	double r[ROUNDS], t0;
	uint64_t dma[NPAGES];
	int i, k, iters = 200;
	char err[256] = "";

	if (phyr_system_build_string(machine_text, "bench-dmaapi", NULL, &sys, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	dev = phyr_system_device(sys, "dev");
	dev2 = phyr_system_device(sys, "dev2");
	for (i = 0; i < NPAGES; i++) {
		pages[i].addr = 0x10000000ull + (uint64_t)i * 0x3000; /* scattered */
		pages[i].len = 0x1000;
	}

	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (int it = 0; it < iters; it++) {
			if (phyr_dma_map_phyr(dev, pages, NPAGES, PHYR_DMA_TO_DEVICE, 0, &pm))
				return 1;
			phyr_dma_unmap_phyr(pm, PHYR_DMA_TO_DEVICE, 0);
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("map_phyr_iommu_256x4k_map_unmap", r, "ns/list");

	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (int it = 0; it < iters; it++) {
			if (phyr_dma_iova_try_alloc(dev, &s, 0, NPAGES * 0x1000ull))
				return 1;
			for (i = 0; i < NPAGES; i++)
				if (phyr_dma_iova_link(dev, &s, pages[i].addr, (uint64_t)i * 0x1000,
						       0x1000, PHYR_DMA_TO_DEVICE, 0))
					return 1;
			phyr_dma_iova_sync(dev, &s, 0, NPAGES * 0x1000ull);
			phyr_dma_iova_destroy(dev, &s, NPAGES * 0x1000ull, PHYR_DMA_TO_DEVICE, 0);
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("two_step_256x4k_alloc_link_destroy", r, "ns/list");

	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (int it = 0; it < iters; it++) {
			for (i = 0; i < NPAGES; i++)
				if (phyr_dma_map_phys(dev, pages[i].addr, 0x1000, PHYR_DMA_TO_DEVICE,
						      0, &dma[i]))
					return 1;
			for (i = 0; i < NPAGES; i++)
				phyr_dma_unmap_phys(dev, dma[i], 0x1000, PHYR_DMA_TO_DEVICE, 0);
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("map_phys_256x4k_map_unmap", r, "ns/list");

	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (int it = 0; it < iters * 10; it++) {
			if (phyr_dma_map_phyr(dev2, pages, NPAGES, PHYR_DMA_TO_DEVICE, 0, &pm))
				return 1;
			phyr_dma_unmap_phyr(pm, PHYR_DMA_TO_DEVICE, 0);
		}
		r[k] = (bench_now_ns() - t0) / (iters * 10);
	}
	report("map_phyr_passthrough_256x4k_map_unmap", r, "ns/list");

	if (phyr_dma_debug_create(NULL, NULL, &dbg))
		return 1;
	memset(&dm, 0, sizeof(dm));
	dm.dev = dev;
	dm.type = PHYR_DMA_DEBUG_SINGLE;
	dm.size = 0x1000;
	dm.dir = PHYR_DMA_TO_DEVICE;
	iters = 100000;
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (int it = 0; it < iters; it++) {
			dm.dma_addr = 0xfff00000ull + ((uint64_t)(it & 1023) << 12);
			dm.phys = dm.dma_addr;
			phyr_dma_debug_map(dbg, &dm);
			phyr_dma_debug_mapping_error(dbg, dev, dm.dma_addr);
			phyr_dma_debug_unmap(dbg, &dm);
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("dma_debug_map_check_unmap", r, "ns/op");

	phyr_dma_debug_destroy(dbg);
	phyr_system_destroy(sys);
	return 0;
}
