// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the machine model and dma-direct hot paths. Prints
 * "name value unit" lines: median ns per operation over several rounds.
 * Machine: machine_text below, built with phyr_system_build_string().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"
#include "bench.h"

#define ROUNDS 7

/*
 * 16 GiB of RAM; a root port with two functions of one card: a P2P
 * provider (BAR 0: 1 MiB at 1 TiB) and the device that maps (no IOMMU).
 */
static const char machine_text[] =
	"ram start=0 size=16G\n"
	"host-bridge hb\n"
	"root-port rp parent=hb devfn=00.0 id=8086:2030\n"
	"endpoint a parent=rp devfn=00.0 id=10de:2330\n"
	"endpoint b parent=rp devfn=00.1 id=15b3:1017\n"
	"bar dev=a cpu=1T size=1M\n"
	"device dev pci=b dma-mask=64bit\n";

static void report(const char *name, double *r)
{
	qsort(r, ROUNDS, sizeof(*r), bench_cmp_double);
	printf("%s %.1f ns/op\n", name, r[ROUNDS / 2]);
}

int main(void)
{
	static uint8_t buf[4096];
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct phyr_scatterlist *sgl;
	struct phyr_pci_dev *a, *b;
	struct phyr_system *sys;
	struct phyr_device *dev;
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	double r[ROUNDS], t0;
	int i, k, n, iters;
	volatile int sink = 0;
	char err[256] = "";

	if (phyr_system_build_string(machine_text, "bench-machine", NULL, &sys, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	m = phyr_system_machine(sys);
	a = phyr_system_pci_dev(sys, "a");
	b = phyr_system_pci_dev(sys, "b");
	dev = phyr_system_device(sys, "dev");
	pm = phyr_machine_physmem(m);
	memset(buf, 0x5a, sizeof(buf));

	/* physmem: 4 KiB write into a fresh page (allocation on first touch) */
	iters = 4096;
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (i = 0; i < iters; i++)
			phyr_physmem_write(pm, ((uint64_t)k << 28) + ((uint64_t)i << 12), buf, 4096);
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("physmem_write_4k_fresh", r);
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (i = 0; i < iters; i++)
			phyr_physmem_read(pm, ((uint64_t)i << 12), buf, 4096);
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("physmem_read_4k", r);

	/* P2P map type, cached */
	iters = 1 << 16;
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (i = 0; i < iters; i++)
			sink += (int)phyr_p2pdma_map_type(a, b);
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("p2pdma_map_type_cached", r);

	/* dma-direct map_sg + unmap_sg of 256 x 4 KiB RAM entries */
	sgl = calloc(256, L->size);
	if (!sgl)
		return 1;
	iters = 2000;
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (i = 0; i < iters; i++) {
			/* the list is built anew each time, as a driver would */
			phyr_sg_init_table(L, sgl, 256);
			for (int e = 0; e < 256; e++)
				phyr_sg_set_page(L, phyr_sg_entry(L, sgl, (unsigned int)e),
						 (uint64_t)(e * 2 + 1), 0, 4096, 0);
			if (phyr_dma_direct_map_sg(dev, L, sgl, 256, PHYR_DMA_TO_DEVICE, 0, &n))
				return 1;
			phyr_dma_direct_unmap_sg(dev, L, sgl, 256, PHYR_DMA_TO_DEVICE, 0);
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("dma_direct_map_unmap_sg_256x4k", r);
	free(sgl);

	/* device data path: 4 KiB DMA read, direct */
	iters = 4096;
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now_ns();
		for (i = 0; i < iters; i++)
			phyr_device_dma_read(dev, (uint64_t)i << 12, buf, 4096);
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("device_dma_read_4k", r);
	phyr_system_destroy(sys);
	return sink == -1;
}
