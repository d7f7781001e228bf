// SPDX-License-Identifier: MIT
/*
 * phyr-sim dma bench: the DMA-layer workloads W1, W2, W3, W4 and W4b of
 * bench/linux-6.17/dma-kernel-baseline.md, driven through the generic DMA
 * API (the dispatch of <phyr/dma-mapping.h>) exactly as the baseline's
 * driver drives Linux's dma-iommu: a trusted, coherent PCI device with a
 * 64-bit mask behind a strict DMA domain (ARM LPAE 4K, 48 bits, aperture
 * 0 .. 2^48 - 1 forced), page i at 0x10000000 + i * 0x3000, TO_DEVICE,
 * CPU 0, every return value checked.
 *
 * One run = set-up + one warm-up op + --ops N ops. Callgrind the command
 * twice (N1, N2) and take (Ir(N2) - Ir(N1)) / (N2 - N1) for the steady
 * instructions per op, as the baseline does (docs/performance.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <phyr/builder.h>
#include <phyr/device.h>
#include <phyr/dma-iommu.h>
#include <phyr/dma-mapping.h>
#include <phyr/machine.h>
#include <phyr/scatterlist.h>

#include "cli.h"
#include "commands.h"

#define NPAGES 256
#define PAGE 4096u
#define BASE 0x10000000ull

struct bench {
	struct phyr_system *sys;
	struct phyr_device *dev;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sgl;
	int nents;
	int want; /* map_sg's segment count */
	uint64_t dma[NPAGES];
};

static int fail(const char *what)
{
	fprintf(stderr, "phyr-sim dma bench: %s failed\n", what);
	return -1;
}

/*
 * The baseline's machine: RAM below 2 GiB, a PCI function under a host
 * bridge (pci_device_add(): max_segment_size 64 KiB, boundary 0xffffffff),
 * 64-bit masks, coherent, trusted, behind a strict DMA domain with the
 * cookie's defaults (ARM LPAE 4K, 48 bits, aperture 0 .. 2^48 - 1).
 */
static const char bench_machine[] =
	"ram start=0 size=2G\n"
	"host-bridge hb domain=0 bus=0 id=8086:2030\n"
	"endpoint fn parent=hb devfn=01.0 id=8086:0953\n"
	"iommu-group grp type=dma\n"
	"device dev pci=fn dma-mask=64bit group=grp\n";

static int setup_device(struct bench *b)
{
	char err[256];

	if (phyr_system_build_string(bench_machine, "dma-bench", NULL, &b->sys, err, sizeof(err))) {
		fprintf(stderr, "phyr-sim dma bench: %s\n", err);
		return -1;
	}
	b->dev = phyr_system_device(b->sys, "dev");
	return b->dev ? 0 : fail("the device");
}

/* The list: @n entries of @len bytes, entry i at BASE + i * @stride. */
static int setup_list(struct bench *b, int n, uint64_t stride, uint32_t len)
{
	b->L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	b->sgl = calloc((size_t)n, b->L->size);
	if (!b->sgl || phyr_sg_init_table(b->L, b->sgl, (unsigned)n))
		return fail("scatterlist");
	for (int i = 0; i < n; i++)
		if (phyr_sg_set_phys(b->L, phyr_sg_entry(b->L, b->sgl, (unsigned)i),
				     BASE + (uint64_t)i * stride, 0, len))
			return fail("scatterlist entry");
	b->nents = n;
	return 0;
}

/* W1, W4, W4b: map_sg + unmap_sg of the list. */
static int op_sg(struct bench *b)
{
	int n = 0;

	if (phyr_dma_map_sg(b->dev, b->L, b->sgl, b->nents, PHYR_DMA_TO_DEVICE, 0, &n) ||
	    n != b->want)
		return fail("map_sg");
	if (phyr_dma_unmap_sg(b->dev, b->L, b->sgl, b->nents, PHYR_DMA_TO_DEVICE, 0))
		return fail("unmap_sg");
	return 0;
}

/* W2: 256 single mappings, then 256 unmaps in the same order. */
static int op_single(struct bench *b)
{
	for (int i = 0; i < NPAGES; i++)
		if (phyr_dma_map_phys(b->dev, BASE + (uint64_t)i * 0x3000, PAGE, PHYR_DMA_TO_DEVICE,
				      0, &b->dma[i]) ||
		    phyr_dma_mapping_error(b->dev, b->dma[i]))
			return fail("map_phys");
	for (int i = 0; i < NPAGES; i++)
		if (phyr_dma_unmap_phys(b->dev, b->dma[i], PAGE, PHYR_DMA_TO_DEVICE, 0))
			return fail("unmap_phys");
	return 0;
}

/* W3: try_alloc 1 MiB, 256 links, sync, destroy. */
static int op_two_step(struct bench *b)
{
	struct phyr_dma_iova_state st;
	const uint64_t total = (uint64_t)NPAGES * PAGE;

	if (phyr_dma_iova_try_alloc(b->dev, &st, 0, total))
		return fail("dma_iova_try_alloc");
	for (int i = 0; i < NPAGES; i++)
		if (phyr_dma_iova_link(b->dev, &st, BASE + (uint64_t)i * 0x3000, (uint64_t)i * PAGE,
				       PAGE, PHYR_DMA_TO_DEVICE, 0))
			return fail("dma_iova_link");
	if (phyr_dma_iova_sync(b->dev, &st, 0, total))
		return fail("dma_iova_sync");
	if (phyr_dma_iova_destroy(b->dev, &st, total, PHYR_DMA_TO_DEVICE, 0))
		return fail("dma_iova_destroy");
	return 0;
}

#define NOINLINE __attribute__((noinline))

/* The measured loop: a function of its own so callgrind can single it out. */
static NOINLINE int dma_bench_loop(struct bench *b, int (*op)(struct bench *), uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (op(b))
			return -1;
	return 0;
}

static void teardown(struct bench *b)
{
	free(b->sgl);
	phyr_system_destroy(b->sys);
}

static void bench_usage(FILE *f)
{
	fputs("usage: phyr-sim dma bench --workload w1|w2|w3|w4|w4b [--ops N]\n"
	      "\n"
	      "The DMA-layer workloads of the Linux baseline (dma-kernel-baseline.md),\n"
	      "through the generic DMA API on a trusted, coherent 64-bit PCI device behind\n"
	      "a strict DMA domain (ARM LPAE 4K, 48 bits):\n"
	      "  w1   map_sg + unmap_sg of 256 scattered 4 KiB pages (16 segments)\n"
	      "  w2   256 x map_phys, then 256 x unmap_phys\n"
	      "  w3   dma_iova_try_alloc 1 MiB, 256 x link, sync, destroy\n"
	      "  w4   map_sg + unmap_sg of one 1 MiB entry (1 segment)\n"
	      "  w4b  map_sg + unmap_sg of 1 MiB as 256 contiguous entries (16 segments)\n"
	      "One warm-up op, then --ops N measured ops (default 1000) in dma_bench_loop.\n"
	      "Prints name/value lines: workload, ops, ns_per_op (wall clock, for a quick\n"
	      "look only). For instructions per op run callgrind at two op counts and take\n"
	      "the difference (docs/performance.md).\n",
	      f);
}

static int cmd_dma_bench(int argc, char **argv)
{
	struct bench b;
	int (*op)(struct bench *) = NULL;
	const char *w = NULL;
	uint64_t ops = 1000;
	struct timespec t0, t1;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			bench_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc) {
			w = argv[++i];
		} else if (strncmp(argv[i], "--workload=", 11) == 0) {
			w = argv[i] + 11;
		} else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
			if (cli_u64(argv[++i], &ops) || !ops) {
				fprintf(stderr, "phyr-sim dma bench: bad --ops '%s'\n", argv[i]);
				return CLI_EXIT_BADINPUT;
			}
		} else {
			fprintf(stderr, "phyr-sim dma bench: unknown argument '%s' (see --help)\n",
				argv[i]);
			return CLI_EXIT_BADINPUT;
		}
	}
	if (!w) {
		fprintf(stderr, "phyr-sim dma bench: --workload is required (see --help)\n");
		return CLI_EXIT_BADINPUT;
	}
	memset(&b, 0, sizeof(b));
	if (strcmp(w, "w1") == 0) {
		op = op_sg;
		b.want = 16;
		ret = setup_device(&b) || setup_list(&b, NPAGES, 0x3000, PAGE);
	} else if (strcmp(w, "w2") == 0) {
		op = op_single;
		ret = setup_device(&b);
	} else if (strcmp(w, "w3") == 0) {
		op = op_two_step;
		ret = setup_device(&b);
	} else if (strcmp(w, "w4") == 0) {
		op = op_sg;
		b.want = 1;
		ret = setup_device(&b) || setup_list(&b, 1, 0, NPAGES * PAGE);
	} else if (strcmp(w, "w4b") == 0) {
		op = op_sg;
		b.want = 16;
		ret = setup_device(&b) || setup_list(&b, NPAGES, PAGE, PAGE);
	} else {
		fprintf(stderr, "phyr-sim dma bench: unknown workload '%s' (see --help)\n", w);
		return CLI_EXIT_BADINPUT;
	}
	if (ret || op(&b)) {
		teardown(&b);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = dma_bench_loop(&b, op, ops);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	teardown(&b);
	if (ret)
		return 1;
	printf("workload %s\nops %" PRIu64 "\nns_per_op %.1f\n", w, ops,
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
		       (double)ops);
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: phyr-sim dma bench --workload w1|w2|w3|w4|w4b [--ops N]\n"
	      "       phyr-sim dma bench --help\n",
	      f);
}

int cmd_dma(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return cmd_dma_bench(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return CLI_EXIT_BADINPUT;
}
