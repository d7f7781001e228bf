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

#include "phyr/dma-iommu.h"
#include "bench.h"

#define REPS 5
#define NENTS 256

struct bcase {
	const char *name;
	enum phyr_iommu_fmt fmt;
	bool contiguous;
};

static double run(const struct bcase *bc, unsigned long calls)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct phyr_iommu_dma_cookie c = { 0 };
	struct phyr_iommu_domain_opts o = { .type = PHYR_IOMMU_DOMAIN_DMA, .fmt = bc->fmt };
	struct phyr_iommu_dma_dev dev = {
		.dma_mask = UINT64_MAX, .seg_boundary_mask = 0xffffffff, .max_seg_size = 65536,
		.coherent = true, .pci_32bit_workaround = true,
	};
	struct phyr_scatterlist *sgl = calloc(NENTS, L->size);
	double t0 = -1;

	o.release = phyr_iommu_dma_release;
	o.release_ctx = &c;
	if (!sgl || phyr_iommu_domain_create(&o, &c.domain) ||
	    phyr_iova_domain_create(4096, 1, NULL, NULL, &c.iovad) ||
	    phyr_sg_init_table(L, sgl, NENTS))
		goto out;
	for (unsigned int i = 0; i < NENTS; i++)
		phyr_sg_set_page(L, phyr_sg_entry(L, sgl, i),
				 bc->contiguous ? 0x40000 + i : 0x40000 + (uint64_t)i * 37, 0, 4096, 0);
	t0 = bench_now_ns();
	for (unsigned long n = 0; n < calls; n++) {
		if (phyr_iommu_dma_map_sg(&c, &dev, L, sgl, NENTS, 0, 0, NULL, NULL) < 1 ||
		    phyr_iommu_dma_unmap_sg(&c, L, sgl, NENTS)) {
			t0 = -1;
			goto out;
		}
	}
	t0 = (bench_now_ns() - t0) / (double)calls;
out:
	phyr_iommu_domain_destroy(c.domain);
	phyr_iova_domain_destroy(c.iovad);
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
