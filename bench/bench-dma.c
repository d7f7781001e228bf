// SPDX-License-Identifier: MIT
/*
 * Benchmarks of the DMA API over one list of 256 x 4 KiB scattered pages:
 * map_sg + unmap_sg through a strict IOMMU DMA domain (one IOVA, 256 PTEs),
 * the same through dma-direct, the two-step API (try_alloc, 256 links,
 * sync, destroy) and phyr_dma_map_phyr + unmap when the library has them. Prints
 * "name value unit" lines: median ns per map+unmap cycle over 7 rounds.
 * Machine: tests/test-dma-e2e-fx.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/test-dma-e2e-fx.h"

#include "phyr/dma-mapping.h"
#include "bench.h"

#define ROUNDS 7
#define NENT 256

static void report(const char *name, double *r)
{
	qsort(r, ROUNDS, sizeof(*r), bench_cmp_double);
	printf("%s %.1f ns/op\n", name, r[ROUNDS / 2]);
}

static uint64_t page_of(int i)
{
	/* scattered, never physically contiguous: every other page of 2 MiB strides */
	return 0x10000000ull + (uint64_t)i * 0x201000ull;
}

static int bench_map_sg(enum fx_mode mode, const char *name, int iters)
{
	struct fx *f = fx_new(mode);
	uint64_t ph[NENT];
	uint32_t ln[NENT];
	struct phyr_sg_table *t;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *s;
	double r[ROUNDS];
	int n;

	if (!f)
		return 1;
	for (int i = 0; i < NENT; i++) {
		ph[i] = page_of(i);
		ln[i] = 4096;
	}
	t = fx_sgt(ph, ln, NENT);
	L = phyr_sg_table_layout(t);
	s = phyr_sg_table_sgl(t);
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = bench_now_ns();

		for (int i = 0; i < iters; i++) {
			if (phyr_dma_map_sg(f->dev, L, s, NENT, PHYR_DMA_TO_DEVICE, 0, &n) ||
			    phyr_dma_unmap_sg(f->dev, L, s, NENT, PHYR_DMA_TO_DEVICE, 0))
				return 1;
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report(name, r);
	if (!fx_clean(f))
		return 1;
	phyr_sg_table_destroy(t);
	fx_free(f);
	return 0;
}

static int bench_two_step(int iters)
{
	struct fx *f = fx_new(FX_IOMMU);
	struct phyr_dma_iova_state st;
	double r[ROUNDS];

	for (int k = 0; k < ROUNDS; k++) {
		double t0 = bench_now_ns();

		for (int i = 0; i < iters; i++) {
			if (phyr_dma_iova_try_alloc(f->dev, &st, 0, NENT * 4096ull))
				return 1;
			for (int j = 0; j < NENT; j++)
				if (phyr_dma_iova_link(f->dev, &st, page_of(j), j * 4096ull, 4096,
						       PHYR_DMA_TO_DEVICE, 0))
					return 1;
			if (phyr_dma_iova_sync(f->dev, &st, 0, NENT * 4096ull) ||
			    phyr_dma_iova_destroy(f->dev, &st, NENT * 4096ull, PHYR_DMA_TO_DEVICE,
						  0))
				return 1;
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("two_step_link_256x4k_iommu", r);
	if (!fx_clean(f))
		return 1;
	fx_free(f);
	return 0;
}

static int bench_map_phyr(int iters)
{
	struct fx *f = fx_new(FX_IOMMU);
	static struct phyr runs[NENT];
	struct phyr_dma_phyr_map *m;
	double r[ROUNDS];

	for (int j = 0; j < NENT; j++)
		runs[j] = (struct phyr){ page_of(j), 4096 };
	for (int k = 0; k < ROUNDS; k++) {
		double t0 = bench_now_ns();

		for (int i = 0; i < iters; i++) {
			if (phyr_dma_map_phyr(f->dev, runs, NENT, PHYR_DMA_TO_DEVICE, 0, &m) ||
			    phyr_dma_unmap_phyr(m, PHYR_DMA_TO_DEVICE, 0))
				return 1;
		}
		r[k] = (bench_now_ns() - t0) / iters;
	}
	report("map_phyr_256x4k_iommu", r);
	if (!fx_clean(f))
		return 1;
	fx_free(f);
	return 0;
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 200;

	if (iters <= 0)
		iters = 200;
	if (bench_map_sg(FX_IOMMU, "map_sg_256x4k_iommu", iters) ||
	    bench_map_sg(FX_DIRECT, "map_sg_256x4k_direct", iters) || bench_map_phyr(iters) ||
	    bench_two_step(iters))
		return 1;
	return 0;
}
