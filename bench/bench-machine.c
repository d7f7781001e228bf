// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the machine model and dma-direct hot paths. Prints
 * "name value unit" lines: median ns per operation over several rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phyr/device.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"
#include "bench.h"

#define ROUNDS 7

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
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *rp, *a, *b;
	struct phyr_device_config dc;
	struct phyr_device *dev;
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	double r[ROUNDS], t0;
	int i, k, n, iters;
	volatile int sink = 0;

	if (phyr_machine_create(NULL, NULL, &m) || phyr_machine_add_ram(m, 0, 1ull << 34) ||
	    phyr_pci_host_bridge_add(m, 0, 0, &h))
		return 1;
	{
		struct phyr_pci_dev_config c = { .host = h, .type = PHYR_PCI_ROOT_PORT };

		if (phyr_pci_dev_add(m, &c, &rp))
			return 1;
		c = (struct phyr_pci_dev_config){ .parent = rp, .type = PHYR_PCI_ENDPOINT };
		if (phyr_pci_dev_add(m, &c, &a))
			return 1;
		c.devfn = 1;
		if (phyr_pci_dev_add(m, &c, &b))
			return 1;
	}
	if (phyr_pci_dev_set_bar(a, 0, 1ull << 40, 1ull << 20, 1ull << 40) ||
	    phyr_p2pdma_add_resource(a, 0, 0, 0, NULL))
		return 1;
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
	phyr_device_config_init_pci(&dc, b);
	dc.dma_mask = dc.coherent_dma_mask = PHYR_DMA_BIT_MASK(64);
	if (phyr_device_create(m, &dc, NULL, &dev))
		return 1;
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
	phyr_device_destroy(dev);
	phyr_machine_destroy(m);
	return sink == -1;
}
