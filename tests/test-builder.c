// SPDX-License-Identifier: MIT
/*
 * The machine builder (<phyr/builder.h>): every shipped description in
 * machines/ built and checked fact by fact (names, masks, P2P map types,
 * swiotlb geometry, the memory map), every error message with its
 * FILE:LINE, and no leak on any failed build (fail-nth over the allocator).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/iommu.h"
#include "phyr/machine.h"
#include "phyr/swiotlb.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"
#include "test-dma-e2e-fx.h"
#pragma GCC diagnostic pop

#if !defined(MACHINES_DIR) || !defined(DOCS_DIR)
#error "MACHINES_DIR and DOCS_DIR must name the machines/ and docs/ folders"
#endif

#define GiB (UINT64_C(1) << 30)

static struct phyr_system *build(const char *file)
{
	char path[512], err[256] = "";
	struct phyr_system *s = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, file);
	ret = phyr_system_build_file(path, NULL, &s, err, sizeof(err));
	if (ret)
		fail_msg("%s: %d %s", file, ret, err);
	return s;
}

static struct phyr_system *build_str(const char *text)
{
	char err[256] = "";
	struct phyr_system *s = NULL;
	int ret = phyr_system_build_string(text, "t.machine", NULL, &s, err, sizeof(err));

	if (ret)
		fail_msg("%d %s", ret, err);
	return s;
}

static enum phyr_p2pdma_map_type map_type(struct phyr_system *s, const char *prov,
					  const char *client)
{
	struct phyr_pci_dev *p = phyr_system_pci_dev(s, prov), *c = phyr_system_pci_dev(s, client);

	assert_non_null(p);
	assert_non_null(c);
	return phyr_p2pdma_map_type(p, c);
}

static void assert_region(struct phyr_system *s, uint64_t phys, enum phyr_mem_type type,
			  uint64_t start, uint64_t size)
{
	struct phyr_mem_region r;

	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), phys, &r), 0);
	assert_int_equal(r.type, type);
	assert_int_equal(r.start, start);
	assert_int_equal(r.size, size);
}

static void assert_pool(struct phyr_system *s, uint64_t start, uint64_t nslabs, uint32_t nareas,
			bool force)
{
	struct phyr_swiotlb_info i;

	assert_non_null(phyr_system_swiotlb(s));
	phyr_swiotlb_get_info(phyr_system_swiotlb(s), &i);
	assert_int_equal(i.start, start);
	assert_int_equal(i.end, start + nslabs * 2048);
	assert_int_equal(i.nslabs, nslabs);
	assert_int_equal(i.nareas, nareas);
	assert_int_equal(i.force_bounce, force);
}

/* ------------------------------------------------------------------ */
/* Shipped descriptions                                                */

/* What every test-fixture*.machine shares: RAM, PCI names, map types, BARs. */
static void check_fixture_machine(struct phyr_system *s)
{
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.0");

	assert_non_null(dev);
	assert_int_equal(phyr_system_ndevices(s), 1);
	assert_ptr_equal(phyr_system_device_at(s, 0), dev);
	assert_null(phyr_system_device_at(s, 1));
	assert_string_equal(phyr_device_name(dev), "0000:01:00.0");
	assert_ptr_equal(phyr_device_pci(dev), phyr_system_pci_dev(s, "client"));
	assert_ptr_equal(phyr_system_device(s, "client"), dev);
	assert_null(phyr_system_device(s, "prov_a"));
	assert_int_equal(phyr_dma_get_mask(dev), UINT64_MAX);
	assert_int_equal(phyr_dma_get_coherent_mask(dev), UINT64_MAX);
	assert_int_equal(phyr_dma_get_max_seg_size(dev), 65536);
	assert_int_equal(phyr_dma_get_seg_boundary(dev), 0xffffffffu);
	assert_int_equal(phyr_dma_get_min_align_mask(dev), 0);
	assert_true(phyr_device_is_coherent(dev));

	assert_ptr_equal(phyr_system_pci_dev(s, "prov_a"), phyr_system_pci_dev(s, "0000:01:01.0"));
	assert_ptr_equal(phyr_system_pci_dev(s, "prov_b"), phyr_system_pci_dev(s, "0000:02:00.0"));
	assert_ptr_equal(phyr_system_pci_dev(s, "prov_c"), phyr_system_pci_dev(s, "0001:00:01.0"));
	assert_ptr_equal(phyr_system_pci_dev(s, "hb1"), phyr_system_pci_dev(s, "0001:00:00.0"));
	assert_non_null(phyr_system_pci_dev(s, "0000:00:02.0"));
	assert_null(phyr_system_pci_dev(s, "0000:03:00.0"));
	assert_int_equal(map_type(s, "prov_a", "client"), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(map_type(s, "prov_b", "client"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_int_equal(map_type(s, "prov_c", "client"), PHYR_P2PDMA_MAP_NOT_SUPPORTED);

	assert_region(s, 0x1000, PHYR_MEM_RAM, 0, 2 * GiB);
	assert_region(s, 5 * GiB, PHYR_MEM_RAM, 4 * GiB, 4 * GiB);
	assert_region(s, 3 * GiB, PHYR_MEM_NONE, 0, 0);
	assert_region(s, 0x300080000ull, PHYR_MEM_P2P, 0x300000000ull, 0x100000);
	assert_region(s, 0x310000000ull, PHYR_MEM_P2P, 0x310000000ull, 0x100000);
	assert_region(s, 0x320000000ull, PHYR_MEM_P2P, 0x320000000ull, 0x100000);
	assert_int_equal(phyr_machine_max_pfn(phyr_system_machine(s)), 0x200000);
	assert_int_equal(phyr_system_ncpus(s), 0);
	assert_null(phyr_system_dma_debug(s));
}

static void test_builder_fixture_direct(void **state)
{
	struct phyr_system *s = build("test-fixture.machine");
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.0");
	uint64_t dma = 0;

	(void)state;
	check_fixture_machine(s);
	assert_pool(s, 0x70000000, 512, 1, false);
	assert_int_equal(phyr_dma_get_path(dev), PHYR_DMA_PATH_DIRECT);
	assert_null(phyr_iommu_dma_get_cookie(dev));
	assert_false(phyr_dma_is_force_bounce(dev));
	assert_int_equal(phyr_dma_phys_to_dma(dev, 0x12345000, &dma), 0);
	assert_int_equal(dma, 0x12345000);
	/* the pool is plugged in: a 32-bit device bounces memory above 4 GiB */
	assert_int_equal(phyr_dma_set_mask(dev, PHYR_DMA_BIT_MASK(32)), 0);
	assert_int_equal(phyr_dma_direct_map_phys(dev, 5 * GiB, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0x70000000);
	assert_int_equal(phyr_swiotlb_used(phyr_system_swiotlb(s)), 2);
	assert_int_equal(phyr_dma_direct_unmap_phys(dev, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_swiotlb_used(phyr_system_swiotlb(s)), 0);
	phyr_system_destroy(s);
}

static void test_builder_fixture_direct_offset(void **state)
{
	struct phyr_system *s = build("test-fixture-direct-offset.machine");
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.0");
	uint64_t dma = 0;

	(void)state;
	check_fixture_machine(s);
	assert_pool(s, 0x70000000, 512, 1, false);
	assert_int_equal(phyr_device_get_config(dev)->ndma_ranges, 1);
	assert_int_equal(phyr_dma_phys_to_dma(dev, 0x12345000, &dma), 0);
	assert_int_equal(dma, 0x112345000ull);
	assert_int_equal(phyr_dma_phys_to_dma(dev, 16 * GiB, &dma), -ERANGE);
	phyr_system_destroy(s);
}

static void test_builder_fixture_direct_bounce(void **state)
{
	struct phyr_system *s = build("test-fixture-direct-bounce.machine");
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.0");

	(void)state;
	check_fixture_machine(s);
	assert_pool(s, 0x70000000, 512, 1, true);
	assert_true(phyr_dma_is_force_bounce(dev));
	phyr_system_destroy(s);
}

static void check_fixture_iommu(const char *file, enum phyr_iommu_domain_type type, bool untrusted)
{
	struct phyr_system *s = build(file);
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.0");
	struct phyr_iommu_dma_cookie *d = phyr_system_group_cookie(s, "grp");

	check_fixture_machine(s);
	assert_pool(s, 0x70000000, 512, 1, false);
	assert_non_null(d);
	assert_ptr_equal(phyr_iommu_dma_get_cookie(dev), d);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(d), 1);
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(d)), type);
	assert_int_equal(phyr_iommu_dma_cookie_granule(d), 4096);
	assert_true(phyr_iommu_dma_pci_32bit_workaround(dev));
	assert_int_equal(phyr_dma_get_path(dev), PHYR_DMA_PATH_IOMMU);
	assert_int_equal(phyr_device_is_untrusted(dev), untrusted);
	assert_null(phyr_system_group_cookie(s, "nogroup"));
	phyr_system_destroy(s);
}

static void test_builder_fixture_iommu(void **state)
{
	(void)state;
	check_fixture_iommu("test-fixture-iommu.machine", PHYR_IOMMU_DOMAIN_DMA, false);
	check_fixture_iommu("test-fixture-iommu-fq.machine", PHYR_IOMMU_DOMAIN_DMA_FQ, false);
	check_fixture_iommu("test-fixture-iommu-untrusted.machine", PHYR_IOMMU_DOMAIN_DMA, true);
}

static void check_map_machine(const char *file, bool untrusted, uint32_t min_align)
{
	struct phyr_system *s = build(file);
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.0");
	struct phyr_iommu_dma_cookie *d = phyr_system_group_cookie(s, "grp");
	uint64_t iova = 0;

	assert_non_null(dev);
	assert_int_equal(phyr_system_ndevices(s), 1);
	assert_int_equal(phyr_dma_get_mask(dev), UINT64_MAX);
	assert_int_equal(phyr_dma_get_max_seg_size(dev), 65536);
	assert_int_equal(phyr_device_is_untrusted(dev), untrusted);
	assert_int_equal(phyr_dma_get_min_align_mask(dev), min_align);
	assert_int_equal(map_type(s, "prov_a", "nic"), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(map_type(s, "prov_b", "0000:01:00.0"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_region(s, 0x300000000ull, PHYR_MEM_P2P, 0x300000000ull, 64 << 20);
	assert_region(s, 11 * GiB, PHYR_MEM_RAM, 4 * GiB, 8 * GiB);
	assert_int_equal(phyr_machine_max_pfn(phyr_system_machine(s)), 0x300000);
	assert_pool(s, 0x70000000, 32768, 4, false);
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(d)),
			 PHYR_IOMMU_DOMAIN_DMA);
	/* the P2P bus window is reserved: 512 MiB below 0xe000_0000 are taken */
	assert_int_equal(phyr_iommu_dma_alloc_iova(dev, 0x1000, 0xdfffffffull, &iova), 0);
	assert_int_equal(iova, 0xbffff000ull);
	phyr_system_destroy(s);
}

static void test_builder_map_machine(void **state)
{
	(void)state;
	check_map_machine("map.machine", false, 0);
	check_map_machine("map-untrusted.machine", true, 0xfff);
}

static struct phyr_system *check_mem_dma_machine(const char *file)
{
	struct phyr_system *s = build(file);
	struct phyr_device *dev = phyr_system_device(s, "0000:01:00.1");

	assert_non_null(dev);
	assert_ptr_equal(phyr_system_device(s, "0000:01:00.1"), phyr_system_device_at(s, 0));
	assert_null(phyr_system_device(s, "0000:01:00.0"));
	assert_int_equal(phyr_dma_get_mask(dev), UINT64_MAX);
	assert_int_equal(map_type(s, "gpu", "nic"), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_region(s, 16 << 20, PHYR_MEM_RAM, 16 << 20, 3 * GiB - (16 << 20));
	assert_region(s, 4 * GiB, PHYR_MEM_RAM, 4 * GiB, (UINT64_C(1) << 40) - 4 * GiB);
	assert_region(s, 0x2c000000000ull, PHYR_MEM_P2P, 0x2c000000000ull, 32 * GiB);
	assert_region(s, 0x1000, PHYR_MEM_NONE, 0, 0);
	return s;
}

static void test_builder_mem_dma_machine(void **state)
{
	struct phyr_system *s;
	struct phyr_device *dev;
	struct phyr_mem_region r;
	uint64_t dma;

	(void)state;
	s = check_mem_dma_machine("mem-dma.machine");
	dev = phyr_system_device_at(s, 0);
	assert_null(phyr_system_swiotlb(s));
	assert_int_equal(phyr_dma_get_path(dev), PHYR_DMA_PATH_DIRECT);
	assert_int_equal(phyr_dma_phys_to_dma(dev, 1 * GiB, &dma), 0);
	assert_int_equal(dma, 1 * GiB);
	phyr_system_destroy(s);

	s = check_mem_dma_machine("mem-dma-iommu.machine");
	assert_non_null(phyr_system_group_cookie(s, "grp"));
	assert_int_equal(phyr_dma_get_path(phyr_system_device_at(s, 0)), PHYR_DMA_PATH_IOMMU);
	phyr_system_destroy(s);

	s = check_mem_dma_machine("mem-dma-bus-offset.machine");
	dev = phyr_system_device_at(s, 0);
	assert_int_equal(phyr_dma_phys_to_dma(dev, 1 * GiB, &dma), 0);
	assert_int_equal(dma, (UINT64_C(1) << 40) + 1 * GiB);
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 0x2c000000000ull, &r), 0);
	assert_int_equal(phyr_p2p_pgmap_bus_offset(r.pgmap), (uint64_t)0 - (UINT64_C(2) << 40));
	phyr_system_destroy(s);

	s = check_mem_dma_machine("mem-dma-swiotlb.machine");
	dev = phyr_system_device_at(s, 0);
	assert_true(phyr_machine_get_config(phyr_system_machine(s))->cc_guest);
	assert_int_equal(phyr_machine_get_config(phyr_system_machine(s))->mem_encrypt_mask,
			 UINT64_C(1) << 47);
	assert_pool(s, UINT64_C(1) << 44, 32768, 1, false);
	assert_true(phyr_dma_force_unencrypted(dev));
	assert_true(phyr_dma_is_force_bounce(dev));
	/* the pool was marked decrypted when the device took it */
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), UINT64_C(1) << 44, &r), 0);
	assert_true(r.decrypted);
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 1 * GiB, &r), 0);
	assert_false(r.decrypted);
	phyr_system_destroy(s);
}

/*
 * The hand-built reference of the fixture machine: the calls the builder
 * replaces in tests/test-dma-e2e-fx.h, kept here so the shipped fixture
 * files are compared with an independent construction.
 */
struct hand {
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_pci_dev *client, *prov_a, *prov_b, *prov_c;
	struct phyr_swiotlb *tlb;
	struct phyr_swiotlb_memory mem;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d;
};

static int hand_mem_read(void *ctx, uint64_t phys, void *buf, size_t len)
{
	return phyr_physmem_read(ctx, phys, buf, len);
}

static int hand_mem_write(void *ctx, uint64_t phys, const void *buf, size_t len)
{
	return phyr_physmem_write(ctx, phys, buf, len);
}

static void hand_pci(struct phyr_machine *m, struct phyr_pci_host_bridge *h,
		     struct phyr_pci_dev *parent, uint8_t devfn, enum phyr_pci_type type,
		     uint16_t vendor, uint16_t device, struct phyr_pci_dev **out)
{
	struct phyr_pci_dev_config c;

	memset(&c, 0, sizeof(c));
	c.host = parent ? NULL : h;
	c.parent = parent;
	c.devfn = devfn;
	c.type = type;
	c.vendor = vendor;
	c.device = device;
	assert_int_equal(phyr_pci_dev_add(m, &c, out), 0);
}

static void hand_machine(struct hand *f, bool force_bounce)
{
	struct phyr_pci_host_bridge *h0, *h1;
	struct phyr_pci_dev *rp1, *rp2;
	struct phyr_swiotlb_config sc;

	assert_int_equal(phyr_machine_create(NULL, NULL, &f->m), 0);
	f->pm = phyr_machine_physmem(f->m);
	assert_int_equal(phyr_machine_add_ram(f->m, 0, 0x80000000ull), 0);
	assert_int_equal(phyr_machine_add_ram(f->m, 0x100000000ull, 0x100000000ull), 0);
	assert_int_equal(phyr_pci_host_bridge_add(f->m, 0, 0, &h0), 0);
	hand_pci(f->m, h0, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE, PHYR_PCI_VENDOR_INTEL,
		 0x2030, NULL);
	hand_pci(f->m, h0, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ROOT_PORT, PHYR_PCI_VENDOR_INTEL,
		 0x2031, &rp1);
	hand_pci(f->m, h0, NULL, PHYR_PCI_DEVFN(2, 0), PHYR_PCI_ROOT_PORT, PHYR_PCI_VENDOR_INTEL,
		 0x2032, &rp2);
	hand_pci(f->m, NULL, rp1, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x15b3, 0x1017,
		 &f->client);
	hand_pci(f->m, NULL, rp1, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ENDPOINT, 0x144d, 0xa808,
		 &f->prov_a);
	hand_pci(f->m, NULL, rp2, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x10de, 0x2330,
		 &f->prov_b);
	assert_int_equal(phyr_pci_host_bridge_add(f->m, 1, 0, &h1), 0);
	hand_pci(f->m, h1, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE, 0x1af4, 0x1000, NULL);
	hand_pci(f->m, h1, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ENDPOINT, 0x10de, 0x2331,
		 &f->prov_c);
	assert_int_equal(phyr_pci_dev_set_bar(f->prov_a, 0, FX_BAR_A, FX_BAR_LEN, FX_BUS_A), 0);
	assert_int_equal(phyr_pci_dev_set_bar(f->prov_b, 0, FX_BAR_B, FX_BAR_LEN, FX_BUS_B), 0);
	assert_int_equal(phyr_pci_dev_set_bar(f->prov_c, 0, FX_BAR_C, FX_BAR_LEN, FX_BUS_C), 0);
	assert_int_equal(phyr_p2pdma_add_resource(f->prov_a, 0, 0, 0, NULL), 0);
	assert_int_equal(phyr_p2pdma_add_resource(f->prov_b, 0, 0, 0, NULL), 0);
	assert_int_equal(phyr_p2pdma_add_resource(f->prov_c, 0, 0, 0, NULL), 0);
	f->mem = (struct phyr_swiotlb_memory){ hand_mem_read, hand_mem_write, f->pm };
	memset(&sc, 0, sizeof(sc));
	sc.start = FX_POOL;
	sc.nslabs = 512;
	sc.nareas = 1;
	sc.force_bounce = force_bounce;
	sc.memory = &f->mem;
	assert_int_equal(phyr_swiotlb_create(&sc, NULL, &f->tlb), 0);
}

static void hand_new(struct hand *f, enum fx_mode mode)
{
	static const struct phyr_bus_dma_region offset_map[] = {
		{ 0, 0x100000000ull, 0x400000000ull },
	};
	struct phyr_device_config c;

	memset(f, 0, sizeof(*f));
	hand_machine(f, mode == FX_DIRECT_BOUNCE);
	phyr_device_config_init_pci(&c, f->client);
	c.dma_mask = c.coherent_dma_mask = PHYR_DMA_BIT_MASK(64);
	c.untrusted = mode == FX_IOMMU_UNTRUSTED;
	if (mode == FX_DIRECT_OFFSET) {
		c.dma_range_map = offset_map;
		c.ndma_ranges = 1;
	}
	assert_int_equal(phyr_device_create(f->m, &c, NULL, &f->dev), 0);
	if (mode < FX_IOMMU) {
		assert_int_equal(phyr_device_use_swiotlb(f->dev, f->tlb), 0);
	} else {
		struct phyr_iommu_dma_config dc;
		struct phyr_iommu_domain_opts o;

		memset(&dc, 0, sizeof(dc));
		memset(&o, 0, sizeof(o));
		o.type = mode == FX_IOMMU_FQ ? PHYR_IOMMU_DOMAIN_DMA_FQ : PHYR_IOMMU_DOMAIN_DMA;
		o.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K;
		dc.domain = &o;
		dc.swiotlb = f->tlb;
		assert_int_equal(phyr_iommu_dma_cookie_create(&dc, NULL, &f->d), 0);
		assert_int_equal(phyr_iommu_setup_dma_ops(f->dev, f->d), 0);
	}
}

static void hand_free(struct hand *f)
{
	phyr_iommu_dma_cookie_destroy(f->d);
	phyr_device_destroy(f->dev);
	phyr_swiotlb_destroy(f->tlb);
	phyr_machine_destroy(f->m);
}

/*
 * The shipped fixture files against the hand-built fixture above, mode by
 * mode: the same sequence of single and list mappings (RAM low and high,
 * unaligned, P2P through either root port and the other host bridge, a
 * run into the hole) gives the same return codes, the same DMA addresses
 * and the same swiotlb use.
 */
struct diff_run {
	int ret[8];
	uint64_t dma[8];
	int sg_ret, count;
	uint64_t sg_dma[4];
	uint32_t sg_len[4];
	uint64_t used_mapped, used_after;
};

static void diff_workload(struct phyr_device *dev, struct phyr_swiotlb *tlb, struct diff_run *r)
{
	static const uint64_t phys[8] = { 0x1000, 0x12345678, 0x140000010ull, FX_BAR_A + 0x2000,
					  FX_BAR_B, FX_BAR_C, 0x7fff0000, 0x1fff0000 };
	static const uint32_t len[8] = { 4096, 100, 8192, 4096, 4096, 4096, 0x20000, 3000 };
	static const uint64_t sphys[3] = { 0x200000, 0x201000, 0x180000200ull };
	static const uint32_t slen[3] = { 4096, 4096, 512 };
	struct phyr_sg_table *t = fx_sgt(sphys, slen, 3);
	const struct phyr_sg_layout *L = phyr_sg_table_layout(t);
	struct phyr_scatterlist *sg;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 8; i++)
		r->ret[i] = phyr_dma_map_phys(dev, phys[i], len[i], PHYR_DMA_BIDIRECTIONAL, 0,
					      &r->dma[i]);
	r->sg_ret = phyr_dma_map_sg(dev, L, phyr_sg_table_sgl(t), 3, PHYR_DMA_TO_DEVICE, 0,
				    &r->count);
	sg = phyr_sg_table_sgl(t);
	for (int i = 0; i < r->count && i < 4; i++, sg = phyr_sg_next(L, sg)) {
		r->sg_dma[i] = phyr_sg_dma_address(L, sg);
		r->sg_len[i] = phyr_sg_dma_len(L, sg);
	}
	r->used_mapped = phyr_swiotlb_used(tlb);
	if (!r->sg_ret)
		assert_int_equal(phyr_dma_unmap_sg(dev, L, phyr_sg_table_sgl(t), 3,
						   PHYR_DMA_TO_DEVICE, 0), 0);
	for (int i = 0; i < 8; i++)
		if (!r->ret[i])
			assert_int_equal(phyr_dma_unmap_phys(dev, r->dma[i], len[i],
							     PHYR_DMA_BIDIRECTIONAL, 0), 0);
	r->used_after = phyr_swiotlb_used(tlb);
	phyr_sg_table_destroy(t);
}

static void test_builder_fixture_same_as_hand_built(void **state)
{
	/* per mode: the DMA address of the second mapping and the pool slots in use */
	static const uint64_t dma1[FX_NMODES] = { 0x12345678, 0x112345678ull, 0x70001000,
						  0xffffe678, 0xffffe678, 0xffffe000 };
	static const uint64_t used[FX_NMODES] = { 0, 0, 78, 0, 0, 10 };

	(void)state;
	for (int m = 0; m < FX_NMODES; m++) {
		struct hand f;
		struct phyr_system *s = build(fx_mode_files[m]);
		struct diff_run want, got;

		hand_new(&f, (enum fx_mode)m);
		diff_workload(f.dev, f.tlb, &want);
		diff_workload(phyr_system_device(s, "client"), phyr_system_swiotlb(s), &got);
		for (int i = 0; i < 8; i++) {
			if (got.ret[i] != want.ret[i] || (!want.ret[i] && got.dma[i] != want.dma[i]))
				fail_msg("%s: map %d: got %d 0x%llx, want %d 0x%llx", fx_mode_names[m],
					 i, got.ret[i], (unsigned long long)got.dma[i], want.ret[i],
					 (unsigned long long)want.dma[i]);
		}
		assert_int_equal(got.sg_ret, want.sg_ret);
		assert_int_equal(got.count, want.count);
		assert_memory_equal(got.sg_dma, want.sg_dma, sizeof(got.sg_dma));
		assert_memory_equal(got.sg_len, want.sg_len, sizeof(got.sg_len));
		assert_int_equal(got.used_mapped, want.used_mapped);
		assert_int_equal(got.ret[1], 0);
		assert_int_equal(got.dma[1], dma1[m]);
		assert_int_equal(got.used_mapped, used[m]);
		assert_int_equal(got.used_after, 0);
		assert_int_equal(want.used_after, 0);
		phyr_system_destroy(s);
		hand_free(&f);
	}
}

/* ------------------------------------------------------------------ */
/* Grammar features beyond the shipped files                           */

static const char switch_text[] =
	"machine cpus=4\n"
	"ram start=0 size=1G\n"
	"host-bridge hb domain=0x10 bus=0x20 id=8086:2020\n"
	"root-port rp parent=hb devfn=1c.4 id=8086:a110\n"
	"switch-upstream up parent=rp devfn=00.0 id=10b5:8747\n"
	"switch-downstream d1 parent=up devfn=08.0 id=10b5:8747\n"
	"switch-downstream d2 parent=up devfn=10.0 id=10b5:8747 acs=sv,rr,cr,uf\n"
	"endpoint e1 parent=d1 devfn=00.0 id=10de:1db4\n"
	"endpoint e2 parent=d2 devfn=00.0 id=15b3:1017\n"
	"endpoint e3 parent=d1 devfn=00.1 id=15b3:1018\n"
	"bar dev=e1 index=2 cpu=0x4000000000 size=256M bus=0x4000000000 p2p-offset=128M p2p-size=64M\n"
	"bar dev=e3 cpu=0x5000000000 size=1M p2pdma=no\n"
	"iommu-group g1 type=dma-fq format=x86-64-4l ias=48 fq-size=64\n"
	"iommu-group g2 type=identity\n"
	"device nic pci=e2 dma-mask=40bit coherent-mask=32bit max-seg=1G seg-boundary=0xffff "
	"min-align=0xfff untrusted=yes coherent=no bus-limit=0xffffffffff group=g1\n"
	"device e3dev pci=0010:23:00.1 dma-mask=0xffffffffffff group=g2\n"
	"device pci=e1 group=g1   # default masks\n"
	"dma-debug mode=strict max-reports=5\n";

static void test_builder_switch_acs_groups(void **state)
{
	struct phyr_system *s = build_str(switch_text);
	struct phyr_device *nic = phyr_system_device(s, "nic");
	struct phyr_device *e1 = phyr_system_device(s, "0010:23:00.0");
	struct phyr_mem_region r;

	(void)state;
	/* secondary buses in order of creation: rp 0x21, up 0x22, d1 0x23, d2 0x24 */
	assert_non_null(nic);
	assert_ptr_equal(phyr_system_device(s, "0010:24:00.0"), nic);
	assert_non_null(e1);
	assert_string_equal(phyr_device_name(nic), "nic");
	assert_string_equal(phyr_device_name(e1), "0010:23:00.0");
	assert_int_equal(phyr_system_ndevices(s), 3);
	assert_int_equal(phyr_system_ncpus(s), 4);
	assert_non_null(phyr_system_dma_debug(s));
	assert_int_equal(phyr_dma_get_mask(nic), PHYR_DMA_BIT_MASK(40));
	assert_int_equal(phyr_dma_get_coherent_mask(nic), PHYR_DMA_BIT_MASK(32));
	assert_int_equal(phyr_dma_get_bus_limit(nic), PHYR_DMA_BIT_MASK(40));
	assert_int_equal(phyr_dma_get_max_seg_size(nic), 1u << 30);
	assert_int_equal(phyr_dma_get_seg_boundary(nic), 0xffff);
	assert_int_equal(phyr_dma_get_min_align_mask(nic), 0xfff);
	assert_true(phyr_device_is_untrusted(nic));
	assert_false(phyr_device_is_coherent(nic));
	assert_int_equal(phyr_dma_get_mask(e1), 0xffffffffu);
	/* e1 and e3 share d1 (no ACS): BUS_ADDR; nic is behind d2 with RR/CR */
	assert_int_equal(map_type(s, "e1", "e3"), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(map_type(s, "e1", "e2"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	/* only [128 MiB, +64 MiB) of the BAR is P2P memory; e3's BAR is plain MMIO */
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 0x4008000000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_P2P);
	assert_int_equal(r.start, 0x4008000000ull);
	assert_int_equal(r.size, 64 << 20);
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 0x4000000000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_BAR);
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 0x5000000000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_BAR);
	/* groups: one DMA domain per group, shared by its members */
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(
				 phyr_iommu_dma_get_cookie(nic))),
			 PHYR_IOMMU_DOMAIN_DMA_FQ);
	assert_ptr_equal(phyr_system_group_cookie(s, "g1"), phyr_iommu_dma_get_cookie(nic));
	assert_ptr_equal(phyr_iommu_dma_get_cookie(e1), phyr_iommu_dma_get_cookie(nic));
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(phyr_system_group_cookie(s, "g1")), 2);
	/* an identity group has no DMA domain: its device stays on dma-direct */
	assert_null(phyr_system_group_cookie(s, "g2"));
	assert_null(phyr_iommu_dma_get_cookie(phyr_system_device(s, "e3dev")));
	assert_int_equal(phyr_dma_get_path(phyr_system_device(s, "e3dev")), PHYR_DMA_PATH_DIRECT);
	phyr_system_destroy(s);
}

static void test_builder_encryption_and_zen(void **state)
{
	struct phyr_system *s = build_str(
		"machine amd-zen=yes mem-encrypt-mask=0x800000000000 zone-dma-bits=24\n"
		"ram start=0 size=4G\n"
		"decrypted start=1G size=2M\n"
		"host-bridge hb0 id=1022:1480\n"
		"host-bridge hb1 domain=1 id=1af4:1000\n"
		"endpoint a parent=hb0 devfn=01.0 id=10de:2330\n"
		"endpoint b parent=hb1 devfn=01.0 id=10de:2331\n"
		"bar dev=b cpu=0x1000000000 size=1M\n"
		"device pci=a dma-mask=46bit\n"
		"device pci=hb0 dma-mask=64bit\n");
	const struct phyr_machine_config *mc = phyr_machine_get_config(phyr_system_machine(s));
	struct phyr_mem_region r;

	(void)state;
	assert_true(mc->cpu_amd_zen);
	assert_int_equal(mc->zone_dma_bits, 24);
	assert_false(mc->cc_guest);
	/* AMD Zen: every host-bridge path is supported */
	assert_int_equal(map_type(s, "b", "a"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 1 * GiB, &r), 0);
	assert_true(r.decrypted);
	assert_int_equal(phyr_machine_lookup(phyr_system_machine(s), 1 * GiB + (2 << 20), &r), 0);
	assert_false(r.decrypted);
	/* SME host: a device whose mask is below the marker must use unencrypted DMA */
	assert_true(phyr_dma_force_unencrypted(phyr_system_device(s, "0000:00:01.0")));
	assert_false(phyr_dma_force_unencrypted(phyr_system_device(s, "hb0")));
	assert_int_equal(phyr_system_ndevices(s), 2);
	phyr_system_destroy(s);
}

/* The full example of docs/machine-desc.md builds and has the facts the page states. */
static void test_builder_doc_example(void **state)
{
	char path[512], line[1100], *text;
	size_t len = 0, cap = 1 << 16;
	int fences = 0;
	bool in = false;
	FILE *f;
	struct phyr_system *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/machine-desc.md", DOCS_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	text = calloc(1, cap);
	assert_non_null(text);
	while (fgets(line, sizeof(line), f) && fences < 2) {
		if (!in) {
			in = !strncmp(line, "## A full example", 17);
			continue;
		}
		if (!strcmp(line, "```\n")) {
			fences++;
			continue;
		}
		if (fences == 1 && len + strlen(line) < cap) {
			memcpy(text + len, line, strlen(line));
			len += strlen(line);
		}
	}
	fclose(f);
	assert_int_equal(fences, 2);
	s = build_str(text);
	free(text);
	assert_int_equal(phyr_system_ndevices(s), 4);
	assert_int_equal(phyr_system_ncpus(s), 8);
	assert_ptr_equal(phyr_system_device(s, "nvme0"), phyr_system_device(s, "0000:03:00.0"));
	assert_non_null(phyr_system_device(s, "0000:04:00.0"));
	assert_non_null(phyr_system_device(s, "0000:05:00.0"));
	assert_non_null(phyr_system_device(s, "0001:80:01.0"));
	assert_int_equal(map_type(s, "nvme", "nic"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_int_equal(map_type(s, "nvme", "gpu"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_int_equal(map_type(s, "nvme", "fpga"), PHYR_P2PDMA_MAP_NOT_SUPPORTED);
	assert_int_equal(map_type(s, "gpu", "nvme"), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_true(phyr_dma_force_unencrypted(phyr_system_device(s, "gpu")));
	assert_false(phyr_dma_force_unencrypted(phyr_system_device(s, "nic")));
	{
		struct phyr_device *gpu = phyr_system_device(s, "gpu");
		uint64_t dma = 0;

		/* its direct mappings of encrypted RAM bounce through the (decrypted) pool */
		assert_int_equal(phyr_dma_map_phys(gpu, 1 * GiB, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
		assert_int_equal(dma, 0x70000000);
		assert_int_equal(phyr_dma_unmap_phys(gpu, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	}
	assert_int_equal(phyr_dma_get_path(phyr_system_device(s, "fpga")), PHYR_DMA_PATH_DIRECT);
	assert_int_equal(phyr_dma_get_path(phyr_system_device(s, "nic")), PHYR_DMA_PATH_IOMMU);
	assert_non_null(phyr_system_dma_debug(s));
	phyr_system_destroy(s);
}

/* A blocked group, a DMA group, and dma-debug handed to the DMA domain. */
static void test_builder_blocked_group_and_debug(void **state)
{
	struct phyr_system *s = build_str("ram start=0 size=1G\n"
					  "host-bridge hb id=8086:2030\n"
					  "endpoint a parent=hb devfn=01.0 id=1:2\n"
					  "endpoint b parent=hb devfn=02.0 id=1:2\n"
					  "iommu-group gb type=blocked\n"
					  "iommu-group gd type=dma\n"
					  "iommu-group unused type=dma-fq\n"
					  "device pci=a group=gb\n"
					  "device pci=b group=gd dma-mask=64bit\n"
					  "dma-debug mode=on\n");
	struct phyr_device *a = phyr_system_device(s, "a"), *b = phyr_system_device(s, "b");
	struct phyr_dma_debug *dbg = phyr_system_dma_debug(s);
	uint64_t dma = 0;

	(void)state;
	/* a blocked group: the device's data path is behind a blocked domain */
	assert_int_equal(phyr_iommu_domain_type(phyr_device_iommu(a)), PHYR_IOMMU_DOMAIN_BLOCKED);
	{
		uint8_t byte = 0;

		/* the DMA API takes dma-direct (below), the device's access faults */
		assert_int_equal(phyr_dma_map_phys(a, 0x10000, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
		assert_int_equal(dma, 0x10000);
		assert_int_equal(phyr_dma_mapping_error(a, dma), 0);
		assert_true(phyr_device_dma_read(a, dma, &byte, 1) < 0);
		assert_int_equal(phyr_dma_unmap_phys(a, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	}
	/* a group without devices still gets its domain */
	assert_non_null(phyr_system_group_cookie(s, "unused"));
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(phyr_system_group_cookie(s, "unused")), 0);
	assert_non_null(dbg);
	assert_int_equal(phyr_dma_map_phys(b, 0x10000, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0xfffff000);
	assert_int_equal(phyr_dma_mapping_error(b, dma), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, b), 1);
	assert_int_equal(phyr_dma_unmap_phys(b, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_debug_nentries(dbg, b), 0);
	/* a wrong-size unmap is reported under the device's PCI name */
	assert_int_equal(phyr_dma_map_phys(b, 0x10000, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(phyr_dma_mapping_error(b, dma), 0);
	assert_int_equal(phyr_dma_unmap_phys(b, dma, 2048, PHYR_DMA_TO_DEVICE, 0), 0);
	{
		struct phyr_dma_debug_report r;
		char line[256];

		assert_int_equal(phyr_dma_debug_nreports(dbg), 1);
		assert_int_equal(phyr_dma_debug_get_report(dbg, 0, &r), 0);
		phyr_dma_debug_format(dbg, &r, line, sizeof(line));
		assert_string_equal(line, "DMA-API: 0000:00:02.0: device driver frees DMA memory with "
					  "different size [device address=0x00000000fffff000] "
					  "[map size=4096 bytes] [unmap size=2048 bytes]");
	}
	/* Linux: a blocked domain is not a DMA domain (dev->dma_iommu false), so the
	 * DMA API takes dma-direct; the device's accesses then fault in the domain */
	assert_int_equal(phyr_dma_get_path(a), PHYR_DMA_PATH_DIRECT);
	phyr_system_destroy(s);
}

static void test_builder_empty_and_comments(void **state)
{
	struct phyr_system *s = build_str("# nothing but a comment\n\n   \t\n");

	(void)state;
	assert_non_null(phyr_system_machine(s));
	assert_int_equal(phyr_system_ndevices(s), 0);
	assert_null(phyr_system_swiotlb(s));
	assert_int_equal(phyr_machine_max_pfn(phyr_system_machine(s)), 0);
	phyr_system_destroy(s);
	phyr_system_destroy(NULL);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

#define HB "host-bridge hb id=8086:2030\n"
#define RP HB "root-port rp parent=hb devfn=01.0 id=8086:2031\n"
#define EP RP "endpoint ep parent=rp devfn=00.0 id=15b3:1017\n"

static const struct bad_case {
	const char *text;
	const char *msg;
} bad_cases[] = {
	{ "ram start=0 size=1G\nfoo a=1\n", "t.machine:2: unknown keyword 'foo'" },
	{ "ram start=0 size=1G colour=red\n", "t.machine:1: unknown key 'colour' for 'ram'" },
	{ "ram start=0 size=1G size=2G\n", "t.machine:1: duplicate key 'size'" },
	{ "ram size=1G\n", "t.machine:1: ram: missing required key 'start'" },
	{ "ram start=0x size=1G\n", "t.machine:1: bad number: start=0x" },
	{ "ram start=12q size=1G\n", "t.machine:1: bad number: start=12q" },
	{ "ram start=0 size=1Gi\n", "t.machine:1: bad number: size=1Gi" },
	{ "ram start=0 size=-1\n", "t.machine:1: bad number: size=-1" },
	{ "ram start=0 size=99999999999999999999\n",
	  "t.machine:1: number out of range: size=99999999999999999999" },
	{ "ram start=0 size=16E\n", "t.machine:1: number out of range: size=16E" },
	{ "ram start=0 size=1G\nram start=512M size=1G\n",
	  "t.machine:2: RAM range overlaps RAM or a BAR already in the memory map" },
	{ "ram start=0x800 size=1G\n",
	  "t.machine:1: bad RAM range: start and size must be page aligned, size > 0, no wrap" },
	{ "ram start=0 size=1G\nmachine cpus=2\n",
	  "t.machine:2: 'machine' must come before every other object" },
	{ "machine\nmachine\n", "t.machine:2: duplicate 'machine' line" },
	{ "machine cpus=0\n", "t.machine:1: number out of range: cpus=0" },
	{ "machine cpus=5000\n", "t.machine:1: number out of range: cpus=5000 (at most 4096)" },
	{ "machine cc-guest=yes\n",
	  "t.machine:1: impossible machine: cc-guest needs mem-encrypt-mask" },
	{ "machine amd-zen=maybe\n", "t.machine:1: bad boolean: amd-zen=maybe (yes or no)" },
	{ "decrypted start=0 size=4K\n", NULL }, /* set_memory_decrypted without CC: a no-op */
	{ "decrypted start=0 size=0\n",
	  "t.machine:1: bad decrypted range: start and size must be page aligned, size > 0, no wrap" },
	{ "ram x start=0 size=1G\n", "t.machine:1: 'ram' takes no label, got 'x'" },
	{ "host-bridge 0bad\n",
	  "t.machine:1: bad label '0bad' (a letter or '_', then letters, digits, '_', '-', '.'; at most 31)" },
	{ "ram start=0 size\n", "t.machine:1: expected key=value, got 'size'" },
	{ "ram start=0 size=\n", "t.machine:1: empty value for 'size'" },
	{ "ram =0\n", "t.machine:1: expected key=value, got '=0'" },
	{ HB "host-bridge hb2 id=8086:2030\n", "t.machine:2: duplicate host bridge 0000:00" },
	{ HB "host-bridge hb bus=1\n", "t.machine:2: duplicate name 'hb' (line 1)" },
	{ "host-bridge hb id=8086\n", "t.machine:1: bad id: id=8086 (VVVV:DDDD, hex)" },
	{ "host-bridge hb id=18086:1\n", "t.machine:1: bad id: id=18086:1 (VVVV:DDDD, hex)" },
	{ "host-bridge hb bus=256\n", "t.machine:1: number out of range: bus=256 (at most 255)" },
	{ HB "root-port rp parent=nowhere devfn=01.0 id=8086:2031\n",
	  "t.machine:2: unknown reference: parent=nowhere" },
	{ HB "root-port rp devfn=01.0 id=8086:2031\n",
	  "t.machine:2: root-port: missing required key 'parent'" },
	{ HB "root-port rp parent=hb devfn=20.0 id=8086:2031\n",
	  "t.machine:2: bad devfn: devfn=20.0 (SS.F, slot 00-1f, function 0-7)" },
	{ HB "root-port rp parent=hb devfn=01.8 id=8086:2031\n",
	  "t.machine:2: bad devfn: devfn=01.8 (SS.F, slot 00-1f, function 0-7)" },
	{ HB "root-port rp parent=hb devfn=01.0\n", "t.machine:2: root-port: missing required key 'id'" },
	{ HB "root-port rp parent=hb devfn=00.0 id=8086:2031\n",
	  "t.machine:2: duplicate devfn 00.0 below 'hb'" },
	{ RP "root-port rp2 parent=rp devfn=01.0 id=8086:2031\n",
	  "t.machine:3: impossible: a root port sits on a host bridge's root bus" },
	{ RP "switch-downstream d parent=rp devfn=01.0 id=8086:2031\n",
	  "t.machine:3: impossible: a switch downstream port sits below a switch upstream port" },
	{ RP "switch-upstream u parent=rp devfn=00.0 id=10b5:8747\n"
	     "endpoint e parent=u devfn=00.0 id=1:2\n",
	  "t.machine:4: impossible: only switch downstream ports sit below a switch upstream port" },
	{ EP "endpoint e2 parent=ep devfn=00.0 id=1:2\n", "t.machine:4: 'ep' is not a bridge" },
	{ RP "root-port r2 parent=hb devfn=02.0 id=1:2 acs=rr,xx\n",
	  "t.machine:3: bad acs: acs=rr,xx (none, or flags sv,tb,rr,cr,uf,ec,dt)" },
	{ RP "root-port r2 parent=hb devfn=02.0 id=1:2 acs=rr,\n", "t.machine:3: bad acs: acs=rr," },
	{ "ram start=0 size=16G\n" EP "bar dev=ep cpu=0x300000000 size=1M\n",
	  "t.machine:5: BAR 0 of 0000:01:00.0 is already set or overlaps RAM or another BAR" },
	{ EP "bar dev=ep cpu=0x300000000 size=1M\nram start=0x300000000 size=4K\n",
	  "t.machine:5: RAM range overlaps RAM or a BAR already in the memory map" },
	{ EP "bar dev=ep index=6 cpu=0x300000000 size=1M\n",
	  "t.machine:4: number out of range: index=6 (at most 5)" },
	{ EP "bar dev=ep cpu=0x300000000 size=1M p2p-offset=1M\n",
	  "t.machine:4: bad P2P resource: p2p-offset/p2p-size outside the BAR or not page aligned" },
	{ EP "bar dev=ep cpu=0x300000000 size=1M p2pdma=no p2p-size=4K\n",
	  "t.machine:4: impossible: p2p-offset/p2p-size with p2pdma=no" },
	{ EP "bar dev=ep cpu=0x300000100 size=1M\n",
	  "t.machine:4: bad BAR: cpu and size must be page aligned, size > 0, no wrap" },
	{ EP "bar dev=rp2 cpu=0x300000000 size=1M\n", "t.machine:4: unknown reference: dev=rp2" },
	{ "host-bridge hb\nbar dev=hb cpu=0x300000000 size=1M\n",
	  "t.machine:2: 'hb' is not a PCI function" },
	{ "swiotlb start=0x70000000\nswiotlb start=0x80000000\n", "t.machine:2: duplicate 'swiotlb' line" },
	{ "swiotlb nslabs=512\n", "t.machine:1: swiotlb: missing required key 'start'" },
	{ "swiotlb start=0x70000400 nslabs=512\n",
	  "t.machine:1: bad swiotlb pool: start must be slot aligned, nslabs and nareas > 0" },
	{ "iommu-group type=dma\n", "t.machine:1: iommu-group: missing label (iommu-group NAME ...)" },
	{ "iommu-group g type=paging\n",
	  "t.machine:1: bad domain type: type=paging (dma, dma-fq, identity, blocked)" },
	{ "iommu-group g format=sparc\n", "t.machine:1: unknown page-table format: format=sparc" },
	{ "iommu-group g fq-size=64\n",
	  "t.machine:1: impossible: fq-size on a domain of type other than dma-fq" },
	{ "iommu-group g type=identity reserve=0-0xfff\n",
	  "t.machine:1: impossible: reserve= on a identity domain (no page table, no IOVA space)" },
	{ "iommu-group g force-aperture=yes\n",
	  "t.machine:1: impossible: force-aperture=yes without aperture=" },
	{ "iommu-group g reserve=0x2000-0x1000\n",
	  "t.machine:1: bad range: reserve=0x2000-0x1000 (end below start)" },
	{ "iommu-group g aperture=0x1000\n", "t.machine:1: bad range: aperture=0x1000 (START-END)" },
	{ EP "iommu-group g format=arm-lpae-s1-64k\ndevice pci=ep group=g\n",
	  "t.machine:4: impossible IOMMU domain of group 'g'" },
	{ EP "device pci=ep\ndevice pci=0000:01:00.0\n", "t.machine:5: duplicate device on 0000:01:00.0" },
	{ EP "device pci=rp\n", "t.machine:4: '0000:00:01.0' is a bridge, not an endpoint function" },
	{ EP "device pci=ep group=nog\n", "t.machine:4: unknown reference: group=nog" },
	{ EP "device pci=ep group=rp\n", "t.machine:4: 'rp' is not an iommu-group" },
	{ EP "device pci=ep swiotlb=yes\n",
	  "t.machine:4: impossible: swiotlb=yes but no 'swiotlb' line before" },
	{ EP "device pci=ep dma-mask=65bit\n", "t.machine:4: bad mask: dma-mask=65bit (1bit .. 64bit)" },
	{ EP "device pci=ep dma-mask=ffff\n", "t.machine:4: bad mask: dma-mask=ffff" },
	{ EP "device pci=ep seg-boundary=0x1000\n",
	  "t.machine:4: bad seg-boundary: 0x1000 (must be 2^n - 1)" },
	{ EP "device pci=ep max-seg=4G\n", "t.machine:4: number out of range: max-seg=4G (at most 4294967295)" },
	{ EP "device pci=ep dma-range=0:0\n",
	  "t.machine:4: bad dma-range: dma-range=0:0 (CPU:DMA:SIZE, size > 0)" },
	{ EP "device pci=ep dma-range=0x1000:0:-1\n",
	  "t.machine:4: bad dma-range: dma-range=0x1000:0:-1 (CPU:DMA:SIZE, size > 0)" },
	{ EP "device pci=ep dma-range=0xfffffffffffff000:0:8K\n",
	  "t.machine:4: impossible device: a dma-range region wraps" },
	{ EP "device d pci=ep\ndevice d pci=hb\n", "t.machine:5: duplicate name 'd' (line 4)" },
	{ EP "device pci=ep\n", NULL }, /* the good base of the cases above */
	{ "dma-debug\n", "t.machine:1: dma-debug: missing required key 'mode'" },
	{ "dma-debug mode=loud\n", "t.machine:1: bad dma-debug mode: mode=loud (off, on, strict)" },
	{ "dma-debug mode=on\ndma-debug mode=off\n", "t.machine:2: duplicate 'dma-debug' line (line 1)" },
};

static void test_builder_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		struct phyr_system *s = (struct phyr_system *)&f;
		char err[256] = "";
		int ret;

		phyr_failnth_allocator(&f, &a);
		ret = phyr_system_build_string(c->text, "t.machine", &a, &s, err, sizeof(err));
		if (!c->msg) {
			if (ret)
				fail_msg("case %zu: %d %s", i, ret, err);
			phyr_system_destroy(s);
			assert_int_equal(f.nlive, 0);
			continue;
		}
		if (ret != -EINVAL || strcmp(err, c->msg))
			fail_msg("case %zu:\n  got  %d \"%s\"\n  want \"%s\"", i, ret, err, c->msg);
		assert_ptr_equal(s, (struct phyr_system *)&f); /* untouched */
		assert_int_equal(f.nlive, 0);
	}
}

static void test_builder_line_too_long(void **state)
{
	char text[1100], err[128] = "";
	struct phyr_system *s = NULL;

	(void)state;
	memset(text, ' ', sizeof(text));
	memcpy(text, "#\n", 2);
	text[sizeof(text) - 1] = 0;
	assert_int_equal(phyr_system_build_string(text, "long", NULL, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "long:2: line too long (at most 1023 characters)");
	assert_null(s);
	/* a small buffer gets a truncated, still terminated message */
	assert_int_equal(phyr_system_build_string("bogus\n", "x", NULL, &s, err, 8), -EINVAL);
	assert_string_equal(err, "x:1: un");
	assert_int_equal(phyr_system_build_string("bogus\n", "x", NULL, &s, NULL, 0), -EINVAL);
	assert_int_equal(phyr_system_build_string(NULL, "x", NULL, &s, NULL, 0), -EINVAL);
}

static void test_builder_file_errors(void **state)
{
	char err[256] = "", path[600];
	struct phyr_system *s = NULL;
	FILE *f;

	(void)state;
	assert_int_equal(phyr_system_build_file("/nonexistent/x.machine", NULL, &s, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/x.machine: No such file or directory");
	assert_int_equal(phyr_system_build_file(MACHINES_DIR, NULL, &s, err, sizeof(err)), -EIO);
	snprintf(path, sizeof(path), "test-builder-%d.machine", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# a file\nram start=0 size=1G\n\nram start=0 size=4K\n", f);
	fclose(f);
	assert_int_equal(phyr_system_build_file(path, NULL, &s, err, sizeof(err)), -EINVAL);
	{
		char want[700];

		snprintf(want, sizeof(want),
			 "%s:4: RAM range overlaps RAM or a BAR already in the memory map", path);
		assert_string_equal(err, want);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("ram\0x", 1, 5, f);
	fclose(f);
	assert_int_equal(phyr_system_build_file(path, NULL, &s, err, sizeof(err)), -EIO);
	remove(path);
	assert_null(s);
}

/* ------------------------------------------------------------------ */
/* fail-nth: every allocation of every build fails once, nothing leaks */

static char *slurp(const char *file)
{
	char path[512];
	FILE *f;
	long n;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, file);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static uint64_t failnth_sweep(const char *text, const char *path)
{
	uint64_t n;

	for (n = 1;; n++) {
		struct phyr_failnth f = { .fail_at = n };
		struct phyr_allocator a;
		struct phyr_system *s = NULL;
		char err[256] = "";
		int ret;

		phyr_failnth_allocator(&f, &a);
		if (path)
			ret = phyr_system_build_file(path, &a, &s, err, sizeof(err));
		else
			ret = phyr_system_build_string(text, "t", &a, &s, err, sizeof(err));
		if (ret == 0) {
			assert_true(f.nallocs < n); /* no allocation was failed */
			phyr_system_destroy(s);
			assert_int_equal(f.nlive, 0);
			return n;
		}
		if (ret != -ENOMEM)
			fail_msg("fail_at %llu: %d %s", (unsigned long long)n, ret, err);
		assert_null(s);
		assert_int_equal(f.nlive, 0);
		assert_non_null(strstr(err, "out of memory"));
	}
}

static void test_builder_failnth(void **state)
{
	static const char *const files[] = {
		"test-fixture.machine", "test-fixture-iommu-untrusted.machine", "map.machine",
		"mem-dma-swiotlb.machine",
	};
	char path[512];

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = slurp(files[i]);

		assert_true(failnth_sweep(text, NULL) > 10);
		free(text);
	}
	assert_true(failnth_sweep(switch_text, NULL) > 10);
	snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, "test-fixture-iommu-fq.machine");
	assert_true(failnth_sweep(NULL, path) > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_fixture_direct),
		cmocka_unit_test(test_builder_fixture_direct_offset),
		cmocka_unit_test(test_builder_fixture_direct_bounce),
		cmocka_unit_test(test_builder_fixture_iommu),
		cmocka_unit_test(test_builder_fixture_same_as_hand_built),
		cmocka_unit_test(test_builder_map_machine),
		cmocka_unit_test(test_builder_mem_dma_machine),
		cmocka_unit_test(test_builder_switch_acs_groups),
		cmocka_unit_test(test_builder_encryption_and_zen),
		cmocka_unit_test(test_builder_doc_example),
		cmocka_unit_test(test_builder_blocked_group_and_debug),
		cmocka_unit_test(test_builder_empty_and_comments),
		cmocka_unit_test(test_builder_errors),
		cmocka_unit_test(test_builder_line_too_long),
		cmocka_unit_test(test_builder_file_errors),
		cmocka_unit_test(test_builder_failnth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
