// SPDX-License-Identifier: MIT
/*
 * Seeded randomised end-to-end test of phyr_dma_map_phyr and the two-step
 * API over mixed lists: RAM pages and unaligned pieces, RAM above 4 GiB,
 * P2P memory reached by bus address and through the host bridge, on
 * devices without IOMMU (identity, bus offset, 32-bit mask bouncing),
 * behind strict and flush-queue domains, trusted and untrusted. For every
 * list: the device reads exactly the CPU bytes through the DMA list, what
 * the device writes is what the CPU sees after unmap, the IOMMU layout
 * matches a small model (entry count, IOVA length), and afterwards no
 * IOVA, bounce slot or mapping is left. PHYR_SEED=n replays a run; the
 * seed is printed on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/machine.h"

#define POOL 0x70000000ull
#define BAR_CPU 0x300000000ull
#define BAR_BUS 0x90000000ull
#define BAR2 0xe0000000ull
#define BAR_SIZE 0x400000ull
#define MAXRUNS 24

static uint64_t seed;
static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

struct world {
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *client;
	struct phyr_swiotlb *tlb;
	struct phyr_swiotlb_memory mem;
};

static struct phyr_pci_dev *pdev(struct world *w, struct phyr_pci_dev *parent, uint8_t devfn,
				 enum phyr_pci_type type, uint16_t id)
{
	struct phyr_pci_dev_config c = { .host = w->h, .parent = parent, .devfn = devfn, .type = type,
					 .vendor = PHYR_PCI_VENDOR_INTEL, .device = id,
					 .has_acs = type != PHYR_PCI_ENDPOINT };
	struct phyr_pci_dev *d;

	assert_int_equal(phyr_pci_dev_add(w->m, &c, &d), 0);
	return d;
}

static void world_init(struct world *w)
{
	struct phyr_pci_dev *rp1, *sw, *dp0, *dp1, *prov, *rp2, *prov2;
	struct phyr_swiotlb_config sc = { 0 };

	memset(w, 0, sizeof(*w));
	assert_int_equal(phyr_machine_create(NULL, NULL, &w->m), 0);
	w->pm = phyr_machine_physmem(w->m);
	assert_int_equal(phyr_machine_add_ram(w->m, 0, 0x80000000ull), 0);
	assert_int_equal(phyr_machine_add_ram(w->m, 0x100000000ull, 0x100000000ull), 0);
	assert_int_equal(phyr_pci_host_bridge_add(w->m, 0, 0, &w->h), 0);
	pdev(w, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE, 0x2030);
	rp1 = pdev(w, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ROOT_PORT, 1);
	sw = pdev(w, rp1, 0, PHYR_PCI_SWITCH_UPSTREAM, 2);
	dp0 = pdev(w, sw, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_SWITCH_DOWNSTREAM, 3);
	dp1 = pdev(w, sw, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_SWITCH_DOWNSTREAM, 3);
	prov = pdev(w, dp0, 0, PHYR_PCI_ENDPOINT, 0x10);
	w->client = pdev(w, dp1, 0, PHYR_PCI_ENDPOINT, 0x11);
	rp2 = pdev(w, NULL, PHYR_PCI_DEVFN(2, 0), PHYR_PCI_ROOT_PORT, 1);
	prov2 = pdev(w, rp2, 0, PHYR_PCI_ENDPOINT, 0x12);
	assert_int_equal(phyr_pci_dev_set_bar(prov, 0, BAR_CPU, BAR_SIZE, BAR_BUS), 0);
	assert_int_equal(phyr_p2pdma_add_resource(prov, 0, 0, 0, NULL), 0);
	assert_int_equal(phyr_pci_dev_set_bar(prov2, 0, BAR2, BAR_SIZE, BAR2), 0);
	assert_int_equal(phyr_p2pdma_add_resource(prov2, 0, 0, 0, NULL), 0);
	phyr_dma_swiotlb_memory(w->m, &w->mem);
	sc.start = POOL;
	sc.nslabs = 2048;
	sc.nareas = 1;
	sc.memory = &w->mem;
	assert_int_equal(phyr_swiotlb_create(&sc, NULL, &w->tlb), 0);
}

static void world_fini(struct world *w)
{
	phyr_swiotlb_destroy(w->tlb);
	phyr_machine_destroy(w->m);
}

enum kind { K_RAM, K_RAM_PIECE, K_RAM_HIGH, K_BUS, K_THRU, NKINDS };

/* A random list of non-overlapping runs; each kind draws from its own area. */
static size_t random_list(struct phyr *runs, enum kind *kinds, bool allow_thru, bool allow_high)
{
	size_t n = 1 + below(MAXRUNS);
	uint64_t next[NKINDS] = { 0x10000000ull, 0x20000000ull, 0x140000000ull, BAR_CPU, BAR2 };

	for (size_t i = 0; i < n; i++) {
		enum kind k = (enum kind)below(NKINDS);
		uint64_t pages;

		if ((k == K_THRU && !allow_thru) || (k == K_RAM_HIGH && !allow_high))
			k = K_RAM;
		next[k] += (1 + below(3)) * 0x1000; /* a gap: runs never touch */
		pages = 1 + below(4);
		runs[i].addr = next[k];
		runs[i].len = pages * 0x1000;
		if (k == K_RAM_PIECE || below(4) == 0) {
			uint64_t off = below(0x1000), len = 1 + below(pages * 0x1000 - off);

			/* unaligned pieces are what untrusted devices bounce */
			runs[i].addr += off;
			runs[i].len = len;
		}
		next[k] = (runs[i].addr + runs[i].len + 0xfff) & ~0xfffull;
		kinds[i] = k;
	}
	return n;
}

static void fill_random(struct world *w, const struct phyr *runs, size_t n, uint8_t *cpu_bytes)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		for (uint64_t j = 0; j < runs[i].len; j++)
			cpu_bytes[o + j] = (uint8_t)rnd();
		assert_int_equal(phyr_physmem_write(w->pm, runs[i].addr, cpu_bytes + o, runs[i].len), 0);
		o += runs[i].len;
	}
}

/* Model of the IOMMU layout: entries and IOVA bytes. */
static void model_iommu(const struct phyr *runs, const enum kind *kinds, size_t n, bool untrusted,
			uint32_t min_align, size_t *nent, uint64_t *iova_len)
{
	bool last_iova = false, last_end_aligned = false;

	*nent = 0;
	*iova_len = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t off = runs[i].addr & 0xfff, end;

		if (kinds[i] == K_BUS) {
			(*nent)++;
			last_iova = false;
			continue;
		}
		if (untrusted && ((runs[i].addr | runs[i].len) & 0xfff))
			off = runs[i].addr & min_align & 0xfff; /* bounce keeps only min_align bits */
		end = (off + runs[i].len) & 0xfff;
		if (!(last_iova && last_end_aligned && off == 0))
			(*nent)++;
		*iova_len += (off + runs[i].len + 0xfff) & ~0xfffull;
		last_iova = true;
		last_end_aligned = end == 0;
	}
}

static void check_no_leftovers(struct world *w, struct phyr_iommu_dma_cookie *d)
{
	uint64_t nodes = 0, pages = 0;

	assert_int_equal(phyr_swiotlb_used(w->tlb), 0);
	if (d) {
		phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(d));
		phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(d));
		phyr_iova_usage(phyr_iommu_dma_cookie_iovad(d), &nodes, &pages);
		assert_int_equal(nodes, 0);
	}
}

static void one_case(struct world *w, int iter)
{
	static const struct phyr_bus_dma_region map[] = {
		{ 0, 0x1000000000ull, 0x80000000ull },
		{ 0x100000000ull, 0x1080000000ull, 0x100000000ull },
	};
	struct phyr_iommu_domain_opts dom = { .fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K };
	struct phyr_iommu_dma_config dc = { .domain = &dom, .swiotlb = w->tlb };
	struct phyr runs[MAXRUNS];
	enum kind kinds[MAXRUNS];
	struct phyr_device_config c;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d = NULL;
	struct phyr_dma_phyr_map *m;
	struct phyr_dma_phyr_info info;
	const struct phyr *dma;
	uint8_t *cpu_bytes, *dev_bytes;
	uint64_t total = 0, o;
	size_t n, ndma;
	int mode = (int)below(5); /* 0 none, 1 bus offset, 2 32-bit bounce, 3 strict, 4 fq */
	bool untrusted = mode >= 3 && below(2);
	uint32_t min_align = below(2) ? 0xfff : 0;
	bool has_bus = false, has_high = false;

	phyr_device_config_init_pci(&c, w->client);
	c.dma_mask = c.coherent_dma_mask = mode == 2 ? 0xffffffffull : ~0ull;
	c.untrusted = untrusted;
	c.min_align_mask = min_align;
	c.coherent = below(4) != 0;
	if (mode == 1) {
		c.dma_range_map = map;
		c.ndma_ranges = 2;
	}
	assert_int_equal(phyr_device_create(w->m, &c, NULL, &dev), 0);
	assert_int_equal(phyr_device_use_swiotlb(dev, w->tlb), 0);
	if (mode >= 3) {
		dom.type = mode == 3 ? PHYR_IOMMU_DOMAIN_DMA : PHYR_IOMMU_DOMAIN_DMA_FQ;
		assert_int_equal(phyr_iommu_dma_cookie_create(&dc, NULL, &d), 0);
		assert_int_equal(phyr_iommu_setup_dma_ops(dev, d), 0);
	}
	n = random_list(runs, kinds, mode != 1, true);
	for (size_t i = 0; i < n; i++) {
		total += runs[i].len;
		has_bus |= kinds[i] == K_BUS;
		has_high |= kinds[i] == K_RAM_HIGH;
	}
	cpu_bytes = malloc(total);
	dev_bytes = malloc(total);
	fill_random(w, runs, n, cpu_bytes);

	if (phyr_dma_map_phyr(dev, runs, n, PHYR_DMA_BIDIRECTIONAL, 0, &m)) {
		fprintf(stderr, "seed %llu iter %d: map_phyr failed (mode %d)\n",
			(unsigned long long)seed, iter, mode);
		fail();
	}
	dma = phyr_dma_phyr_list(m, &ndma);
	phyr_dma_phyr_get_info(m, &info);
	if (mode >= 3) {
		size_t want_n;
		uint64_t want_len;

		model_iommu(runs, kinds, n, untrusted, min_align, &want_n, &want_len);
		assert_int_equal(info.mode, PHYR_DMA_PHYR_IOMMU);
		assert_int_equal(ndma, want_n);
		assert_int_equal(info.iova_len, want_len);
	} else if ((mode == 0 || (mode == 2 && !has_high)) && !has_bus) {
		/* every range is its own DMA address */
		assert_int_equal(info.mode, PHYR_DMA_PHYR_PASSTHROUGH);
		assert_ptr_equal(dma, runs);
	} else {
		assert_int_equal(info.mode, PHYR_DMA_PHYR_DIRECT);
		assert_int_equal(ndma, n);
	}
	/* the device sees the CPU bytes, range after range */
	o = 0;
	for (size_t i = 0; i < ndma; o += dma[i].len, i++)
		assert_int_equal(phyr_device_dma_read(dev, dma[i].addr, dev_bytes + o, dma[i].len), 0);
	assert_int_equal(o, total);
	if (memcmp(dev_bytes, cpu_bytes, total)) {
		fprintf(stderr, "seed %llu iter %d: device read differs (mode %d)\n",
			(unsigned long long)seed, iter, mode);
		fail();
	}
	/* the device writes; after unmap the CPU sees it */
	for (uint64_t j = 0; j < total; j++)
		dev_bytes[j] = (uint8_t)rnd();
	o = 0;
	for (size_t i = 0; i < ndma; o += dma[i].len, i++)
		assert_int_equal(phyr_device_dma_write(dev, dma[i].addr, dev_bytes + o, dma[i].len), 0);
	assert_int_equal(phyr_dma_unmap_phyr(m, PHYR_DMA_BIDIRECTIONAL, 0), 0);
	o = 0;
	for (size_t i = 0; i < n; o += runs[i].len, i++) {
		size_t diff = 0;

		assert_int_equal(phyr_physmem_compare(w->pm, runs[i].addr, dev_bytes + o, runs[i].len,
						      &diff), 0);
		if (diff != runs[i].len) {
			fprintf(stderr, "seed %llu iter %d: run %zu differs at %zu (mode %d)\n",
				(unsigned long long)seed, iter, i, diff, mode);
			fail();
		}
	}
	check_no_leftovers(w, d);
	free(cpu_bytes);
	free(dev_bytes);
	phyr_iommu_dma_cookie_destroy(d);
	phyr_device_destroy(dev);
}

/*
 * Random lists through the two-step API: run i at the granule slot after
 * run i-1; only run 0 may start unaligned (the others get -EIO), the
 * device sees every linked run, unlink + free leave nothing.
 */
static void two_step_case(struct world *w, int iter)
{
	struct phyr_dma_iova_state s;
	struct phyr_device_config c;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d;
	struct phyr runs[MAXRUNS];
	enum kind kinds[MAXRUNS];
	uint64_t start[MAXRUNS], span = 0, pad0;
	bool linked[MAXRUNS];
	uint8_t *a, *b;
	size_t n;

	phyr_device_config_init_pci(&c, w->client);
	c.dma_mask = ~0ull;
	assert_int_equal(phyr_device_create(w->m, &c, NULL, &dev), 0);
	assert_int_equal(phyr_iommu_dma_cookie_create(NULL, NULL, &d), 0);
	assert_int_equal(phyr_iommu_setup_dma_ops(dev, d), 0);
	n = random_list(runs, kinds, true, true);
	for (size_t i = 0; i < n; i++) {
		start[i] = span;
		span += (runs[i].len + (runs[i].addr & 0xfff) + 0xfff) & ~0xfffull;
	}
	pad0 = runs[0].addr & 0xfff;
	assert_int_equal(phyr_dma_iova_try_alloc(dev, &s, runs[0].addr, span - pad0), 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t pad = runs[i].addr & 0xfff;
		/* IOVA of the run's first byte: its slot plus its own offset */
		uint64_t offset = start[i] + pad - pad0;
		int ret = phyr_dma_iova_link(dev, &s, runs[i].addr, offset, runs[i].len,
					     PHYR_DMA_TO_DEVICE, 0);

		linked[i] = !ret;
		if (pad && offset > 0) {
			assert_int_equal(ret, -EIO);
		} else if (ret) {
			fprintf(stderr, "seed %llu iter %d: link %zu failed %d\n",
				(unsigned long long)seed, iter, i, ret);
			fail();
		}
	}
	assert_int_equal(phyr_dma_iova_sync(dev, &s, 0, span - pad0), 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t offset = start[i] + (runs[i].addr & 0xfff) - pad0;

		if (!linked[i])
			continue;
		a = malloc(runs[i].len);
		b = malloc(runs[i].len);
		for (uint64_t j = 0; j < runs[i].len; j++)
			a[j] = (uint8_t)rnd();
		assert_int_equal(phyr_physmem_write(w->pm, runs[i].addr, a, runs[i].len), 0);
		assert_int_equal(phyr_device_dma_read(dev, s.addr + offset, b, runs[i].len), 0);
		assert_memory_equal(a, b, runs[i].len);
		free(a);
		free(b);
		assert_int_equal(phyr_dma_iova_unlink(dev, &s, offset, runs[i].len,
						      PHYR_DMA_TO_DEVICE, 0), 0);
	}
	assert_int_equal(phyr_dma_iova_free(dev, &s), 0);
	check_no_leftovers(w, d);
	phyr_iommu_dma_cookie_destroy(d);
	phyr_device_destroy(dev);
}

static void test_dma_phyr_random_end_to_end(void **state)
{
	struct world w;
	const char *env = getenv("PHYR_SEED");

	(void)state;
	seed = env ? strtoull(env, NULL, 0) : 20240319;
	rng_state = seed;
	world_init(&w);
	for (int i = 0; i < 2000; i++)
		one_case(&w, i);
	world_fini(&w);
}

static void test_dma_phyr_random_two_step(void **state)
{
	struct world w;
	const char *env = getenv("PHYR_SEED");

	(void)state;
	seed = env ? strtoull(env, NULL, 0) : 20240308;
	rng_state = seed;
	world_init(&w);
	for (int i = 0; i < 1000; i++)
		two_step_case(&w, i);
	world_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_phyr_random_end_to_end),
		cmocka_unit_test(test_dma_phyr_random_two_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
