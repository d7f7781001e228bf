// SPDX-License-Identifier: MIT
/*
 * End-to-end data tests of the device data path through the DMA API
 * dispatch: seeded random mixed lists (RAM at random offsets and lengths,
 * P2P pages reached by bus address, P2P pages through the host bridge) are
 * mapped with phyr_dma_map_sg on every path (dma-direct identity, with a
 * bus offset, forced bounce; dma-iommu strict, flush queue, untrusted),
 * and real bytes are moved by the device's DMA engine:
 *  - TO_DEVICE: what the CPU wrote is what the device reads;
 *  - FROM_DEVICE: what the device wrote is what the CPU sees after unmap;
 *  - bounced mappings without the sync give Linux's stale data (the CPU
 *    sees its old bytes until sync_for_cpu / unmap copies back).
 * After each list nothing is left: no IOVA, bounce slot or PTE. The seed
 * is printed on failure (PHYR_TEST_SEED overrides it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test-dma-e2e-fx.h"

#define MAXE 16

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct list {
	int n;
	uint64_t phys[MAXE];
	uint32_t len[MAXE];
	bool bus[MAXE]; /* in provider A's BAR: BUS_ADDR for a trusted device */
	size_t total;
};

/*
 * A random list for @mode: entries in disjoint 64 KiB windows so they
 * never overlap. P2P entries only where the path can reach them (a forced
 * bounce cannot bounce P2P memory).
 */
static void gen(struct list *l, enum fx_mode mode, bool p2p)
{
	l->n = 1 + (int)(rnd() % MAXE);
	l->total = 0;
	for (int i = 0; i < l->n; i++) {
		unsigned kind = p2p && mode != FX_DIRECT_BOUNCE ? (unsigned)(rnd() % 4) : 0;
		uint64_t win = (uint64_t)i * 0x10000;
		uint32_t off = (uint32_t)(rnd() % 3 == 0 ? 0 : (rnd() % 0x1000) & ~7u);
		uint32_t len = (uint32_t)(1 + rnd() % 0x4000);

		if (rnd() % 3 == 0)
			len = (uint32_t)(0x1000 * (1 + rnd() % 3));
		if (len + off > 0x8000)
			len = 0x8000 - off;
		l->bus[i] = false;
		if (kind == 2 && i > 0) {
			l->phys[i] = FX_BAR_A + win + off;
			l->bus[i] = true;
		} else if (kind == 3) {
			l->phys[i] = FX_BAR_B + win + off;
		}
		if (kind < 2 || (kind == 2 && i == 0)) {
			/* RAM below 2 GiB or above 4 GiB */
			l->phys[i] = (i & 1 ? 0x140000000ull : 0x10000000ull) + win + off;
		}
		l->len[i] = len;
		l->total += len;
	}
}

struct seg {
	uint64_t addr;
	uint32_t len;
};

/*
 * The DMA segments, in list order. A bus-address segment covers exactly
 * its entry; dma-iommu reports the list head's length for it (spec B22),
 * so the driver-visible length is replaced by the entry's own here.
 */
static int segs_of(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, int n,
		   const struct list *l, struct seg *out)
{
	int next_bus = 0;

	for (int i = 0; i < n; i++, s = phyr_sg_next(L, s)) {
		out[i].addr = phyr_sg_dma_address(L, s);
		out[i].len = phyr_sg_dma_len(L, s);
		if (phyr_sg_dma_is_bus_address(L, s)) {
			while (next_bus < l->n && !l->bus[next_bus])
				next_bus++;
			assert_true(next_bus < l->n);
			out[i].len = l->len[next_bus++];
		}
	}
	return n;
}

static void fill_random(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

static void cpu_write(struct fx *f, const struct list *l, const uint8_t *b)
{
	size_t at = 0;

	for (int i = 0; i < l->n; i++) {
		assert_int_equal(phyr_physmem_write(f->pm, l->phys[i], b + at, l->len[i]), 0);
		at += l->len[i];
	}
}

static bool cpu_sees(struct fx *f, const struct list *l, const uint8_t *b)
{
	size_t at = 0, diff = 0;

	for (int i = 0; i < l->n; i++) {
		assert_int_equal(phyr_physmem_compare(f->pm, l->phys[i], b + at, l->len[i], &diff),
				 0);
		if (diff != l->len[i])
			return false;
		at += l->len[i];
	}
	return true;
}

static void run_list(struct fx *f, const struct list *l, uint64_t seed, int round)
{
	struct phyr_sg_table *t = fx_sgt(l->phys, l->len, l->n);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *s = phyr_sg_table_sgl(t);
	uint8_t *cpu = malloc(l->total), *devb = malloc(l->total), *old = malloc(l->total);
	struct seg sg[MAXE];
	bool bounced = f->mode == FX_DIRECT_BOUNCE || f->mode == FX_IOMMU_UNTRUSTED;
	size_t at;
	int n = 0, ret;

	assert_non_null(cpu);
	assert_non_null(devb);
	assert_non_null(old);

	/* CPU -> device */
	fill_random(cpu, l->total);
	cpu_write(f, l, cpu);
	ret = phyr_dma_map_sg(f->dev, L, s, l->n, PHYR_DMA_TO_DEVICE, 0, &n);
	if (ret)
		fprintf(stderr, "seed %llu mode %s round %d: map_sg %d\n", (unsigned long long)seed,
			fx_mode_names[f->mode], round, ret);
	assert_int_equal(ret, 0);
	segs_of(L, s, n, l, sg);
	at = 0;
	for (int i = 0; i < n; i++) {
		assert_true(at + sg[i].len <= l->total);
		assert_int_equal(phyr_device_dma_read(f->dev, sg[i].addr, devb + at, sg[i].len), 0);
		at += sg[i].len;
	}
	assert_int_equal(at, l->total);
	if (memcmp(cpu, devb, l->total))
		fprintf(stderr, "seed %llu mode %s round %d: device read differs\n",
			(unsigned long long)seed, fx_mode_names[f->mode], round);
	assert_memory_equal(cpu, devb, l->total);
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, l->n, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_true(fx_clean(f));

	/* device -> CPU, with the stale window of bounce buffers */
	memcpy(old, cpu, l->total);
	assert_int_equal(phyr_dma_map_sg(f->dev, L, s, l->n, PHYR_DMA_FROM_DEVICE, 0, &n), 0);
	segs_of(L, s, n, l, sg);
	fill_random(devb, l->total);
	at = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(phyr_device_dma_write(f->dev, sg[i].addr, devb + at, sg[i].len), 0);
		at += sg[i].len;
	}
	if (f->mode == FX_DIRECT_BOUNCE) {
		/* every entry bounced: the CPU still sees its old bytes */
		assert_true(cpu_sees(f, l, old));
		assert_int_equal(phyr_dma_sync_sg_for_cpu(f->dev, L, s, l->n, PHYR_DMA_FROM_DEVICE),
				 0);
		assert_true(cpu_sees(f, l, devb));
	} else if (!bounced) {
		/* coherent, not bounced: visible at once */
		assert_true(cpu_sees(f, l, devb));
	}
	assert_int_equal(phyr_dma_unmap_sg(f->dev, L, s, l->n, PHYR_DMA_FROM_DEVICE, 0), 0);
	if (!cpu_sees(f, l, devb))
		fprintf(stderr, "seed %llu mode %s round %d: CPU view differs after unmap\n",
			(unsigned long long)seed, fx_mode_names[f->mode], round);
	assert_true(cpu_sees(f, l, devb));
	assert_true(fx_clean(f));

	free(cpu);
	free(devb);
	free(old);
	phyr_sg_table_destroy(t);
}

/*
 * The same list with a page of provider C (P2P not supported for this
 * device) at a random place: map_sg fails with -EREMOTEIO and leaves
 * nothing behind. An untrusted device behind the IOMMU is exempt: Linux's
 * per-entry path does not classify P2P pages and maps the BAR's CPU
 * address through the IOMMU.
 */
static void run_unreachable(struct fx *f, const struct list *l0, uint64_t seed, int round)
{
	struct list l = *l0;
	int at;
	struct phyr_sg_table *t;
	int n = -1, ret;

	if (l.n == MAXE)
		l.n--;
	at = (int)(rnd() % (uint64_t)(l.n + 1));
	memmove(&l.phys[at + 1], &l.phys[at], (size_t)(l.n - at) * sizeof(l.phys[0]));
	memmove(&l.len[at + 1], &l.len[at], (size_t)(l.n - at) * sizeof(l.len[0]));
	memmove(&l.bus[at + 1], &l.bus[at], (size_t)(l.n - at) * sizeof(l.bus[0]));
	l.phys[at] = FX_BAR_C + (rnd() % 64) * 0x1000;
	l.len[at] = 0x1000;
	l.bus[at] = false;
	l.n++;
	t = fx_sgt(l.phys, l.len, l.n);
	ret = phyr_dma_map_sg(f->dev, phyr_sg_table_layout(t), phyr_sg_table_sgl(t), l.n,
			      PHYR_DMA_TO_DEVICE, 0, &n);
	if (ret != -EREMOTEIO)
		fprintf(stderr, "seed %llu mode %s round %d: unreachable P2P gave %d\n",
			(unsigned long long)seed, fx_mode_names[f->mode], round, ret);
	assert_int_equal(ret, -EREMOTEIO);
	assert_int_equal(n, -1);
	assert_true(fx_clean(f));
	phyr_sg_table_destroy(t);
}

static uint64_t seed_of(void)
{
	const char *e = getenv("PHYR_TEST_SEED");

	return e ? strtoull(e, NULL, 0) : 0x5eed2026ull;
}

static void run_mode(enum fx_mode mode, int rounds)
{
	uint64_t seed = seed_of() + (uint64_t)mode;
	struct fx *f = fx_new(mode);
	struct list l;

	assert_non_null(f);
	rng = seed | 1;
	for (int r = 0; r < rounds; r++) {
		gen(&l, mode, true);
		run_list(f, &l, seed, r);
		if (r % 4 == 0 && mode != FX_IOMMU_UNTRUSTED)
			run_unreachable(f, &l, seed, r);
	}
	fx_free(f);
}

static void test_dma_e2e_direct(void **state)
{
	(void)state;
	run_mode(FX_DIRECT, 60);
}

static void test_dma_e2e_direct_offset(void **state)
{
	(void)state;
	run_mode(FX_DIRECT_OFFSET, 60);
}

static void test_dma_e2e_direct_bounce(void **state)
{
	(void)state;
	run_mode(FX_DIRECT_BOUNCE, 60);
}

static void test_dma_e2e_iommu(void **state)
{
	(void)state;
	run_mode(FX_IOMMU, 60);
}

static void test_dma_e2e_iommu_fq(void **state)
{
	(void)state;
	run_mode(FX_IOMMU_FQ, 60);
}

static void test_dma_e2e_iommu_untrusted(void **state)
{
	(void)state;
	run_mode(FX_IOMMU_UNTRUSTED, 60);
}

/* Single mappings: a bounced FROM_DEVICE buffer is stale until the sync. */
static void test_dma_e2e_single_stale_until_sync(void **state)
{
	struct fx *f = fx_new(FX_DIRECT_BOUNCE);
	uint8_t a[0x300], b[0x300], c[0x300];
	uint64_t dma = 0;
	size_t diff = 0;

	(void)state;
	memset(a, 0x11, sizeof(a));
	memset(b, 0x22, sizeof(b));
	assert_int_equal(phyr_physmem_write(f->pm, 0x10000100, a, sizeof(a)), 0);
	assert_int_equal(phyr_dma_map_phys(f->dev, 0x10000100, sizeof(a), PHYR_DMA_FROM_DEVICE, 0,
					   &dma),
			 0);
	assert_int_equal(dma, FX_POOL);
	assert_int_equal(phyr_device_dma_write(f->dev, dma, b, sizeof(b)), 0);
	assert_int_equal(phyr_physmem_compare(f->pm, 0x10000100, a, sizeof(a), &diff), 0);
	assert_int_equal(diff, sizeof(a)); /* stale */
	assert_int_equal(phyr_dma_sync_for_cpu(f->dev, dma, sizeof(b), PHYR_DMA_FROM_DEVICE), 0);
	assert_int_equal(phyr_physmem_read(f->pm, 0x10000100, c, sizeof(c)), 0);
	assert_memory_equal(b, c, sizeof(b));
	assert_int_equal(phyr_dma_unmap_phys(f->dev, dma, sizeof(b), PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_true(fx_clean(f));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_e2e_direct),
		cmocka_unit_test(test_dma_e2e_direct_offset),
		cmocka_unit_test(test_dma_e2e_direct_bounce),
		cmocka_unit_test(test_dma_e2e_iommu),
		cmocka_unit_test(test_dma_e2e_iommu_fq),
		cmocka_unit_test(test_dma_e2e_iommu_untrusted),
		cmocka_unit_test(test_dma_e2e_single_stale_until_sync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
