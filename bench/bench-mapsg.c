// SPDX-License-Identifier: MIT
/*
 * Benchmark: dma-iommu map_sg + unmap_sg of 256 scattered 4 KiB pages
 * (issue 5's reference case) through a strict DMA domain, with a real ARM
 * LPAE 4K page table and with the record-only table (the core's cost
 * alone); a 2 MiB-contiguous list for comparison. Prints "name value unit"
 * (median of the timed repetitions after a warm-up).
 *
 *   bench-mapsg [CALLS]   default 20000 map+unmap pairs per repetition
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "phyr/device.h"
#include "phyr/dma-iommu.h"
#include "phyr/machine.h"
#include "bench.h"

#define REPS 5
#define NENTS 256

struct bcase {
	const char *name;
	enum phyr_iommu_fmt fmt;
	bool contiguous;
};

/*
 * A trusted, coherent PCI endpoint under a host bridge (the 32-bit-first
 * rule armed) on a machine with 16 GiB of RAM, the PCI defaults of
 * max_segment_size 65536 and segment boundary 0xffffffff, a 64-bit mask.
 */
static int bench_device(struct phyr_machine **m, struct phyr_device **dev)
{
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev_config pc = {
		.devfn = PHYR_PCI_DEVFN(1, 0), .type = PHYR_PCI_ENDPOINT,
		.vendor = 0x1af4, .device = 0x1000,
	};
	struct phyr_device_config dc;
	struct phyr_pci_dev *pci;

	if (phyr_machine_create(NULL, NULL, m) || phyr_machine_add_ram(*m, 0, UINT64_C(1) << 34) ||
	    phyr_pci_host_bridge_add(*m, 0, 0, &h))
		return -1;
	pc.host = h;
	if (phyr_pci_dev_add(*m, &pc, &pci))
		return -1;
	phyr_device_config_init_pci(&dc, pci);
	dc.dma_mask = dc.coherent_dma_mask = UINT64_MAX;
	dc.coherent = true;
	return phyr_device_create(*m, &dc, NULL, dev) ? -1 : 0;
}

static double run(const struct bcase *bc, unsigned long calls)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct phyr_iommu_domain_opts o = { .type = PHYR_IOMMU_DOMAIN_DMA, .fmt = bc->fmt };
	struct phyr_iommu_dma_config cfg = { .domain = &o };
	struct phyr_iommu_dma_cookie *c = NULL;
	struct phyr_machine *m = NULL;
	struct phyr_device *dev = NULL;
	struct phyr_scatterlist *sgl = calloc(NENTS, L->size);
	double t0 = -1;
	int count;

	if (!sgl || bench_device(&m, &dev) || phyr_iommu_dma_cookie_create(&cfg, NULL, &c) ||
	    phyr_iommu_setup_dma_ops(dev, c) || phyr_sg_init_table(L, sgl, NENTS))
		goto out;
	for (unsigned int i = 0; i < NENTS; i++)
		phyr_sg_set_page(L, phyr_sg_entry(L, sgl, i),
				 bc->contiguous ? 0x40000 + i : 0x40000 + (uint64_t)i * 37, 0, 4096, 0);
	t0 = bench_now_ns();
	for (unsigned long n = 0; n < calls; n++) {
		if (phyr_iommu_dma_map_sg(dev, L, sgl, NENTS, PHYR_DMA_BIDIRECTIONAL, 0, &count) ||
		    phyr_iommu_dma_unmap_sg(dev, L, sgl, NENTS, PHYR_DMA_BIDIRECTIONAL, 0)) {
			t0 = -1;
			goto out;
		}
	}
	t0 = (bench_now_ns() - t0) / (double)calls;
out:
	phyr_iommu_dma_cookie_destroy(c);
	phyr_device_destroy(dev);
	phyr_machine_destroy(m);
	free(sgl);
	return t0;
}

int main(int argc, char **argv)
{
	static const struct bcase cases[] = {
		{ "mapsg_256x4k_scattered_lpae", PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, false },
		{ "mapsg_256x4k_scattered_record", PHYR_IOMMU_FMT_RECORD, false },
		{ "mapsg_256x4k_contiguous_lpae", PHYR_IOMMU_FMT_ARM_LPAE_S1_4K, true },
	};
	unsigned long calls = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;

	if (!calls) {
		fprintf(stderr, "bench-mapsg: bad call count\n");
		return 1;
	}
	for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
		double t[REPS];

		run(&cases[ci], calls / 10 + 1); /* warm-up */
		for (int r = 0; r < REPS; r++)
			t[r] = run(&cases[ci], calls);
		qsort(t, REPS, sizeof(t[0]), bench_cmp_double);
		if (t[0] < 0) {
			fprintf(stderr, "bench-mapsg: %s failed\n", cases[ci].name);
			return 1;
		}
		printf("%s %.0f ns/call\n", cases[ci].name, t[REPS / 2]);
		printf("%s_per_page %.1f ns/page\n", cases[ci].name, t[REPS / 2] / NENTS);
	}
	return 0;
}
