// SPDX-License-Identifier: MIT
/*
 * dma-direct with the real swiotlb pool plugged into the device's bounce
 * slot: Linux's slot choice, offset preservation, copy rules, and bytes
 * moving through the bounce buffer end to end. Also the device data path
 * through a real mock IOMMU domain attached to the IOMMU slot.
 *
 * Machine: RAM [0, 4 GiB) and [4 GiB, 8 GiB); swiotlb pool of 1024 slots
 * (2 MiB, one area) at 0x8000_0000 as in spec B14.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/device.h"
#include "phyr/dma-mapping.h"
#include "phyr/iommu.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"
#include "phyr/swiotlb.h"

#define POOL 0x80000000ull

struct env {
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_swiotlb *pool;
	struct phyr_pci_dev *pci;
};

static struct env *env_new(const struct phyr_machine_config *mc, bool force, uint64_t nslabs)
{
	struct phyr_swiotlb_config sc = { .start = POOL, .nslabs = nslabs, .nareas = 1,
					  .force_bounce = force };
	struct phyr_pci_host_bridge *h;
	struct phyr_swiotlb_memory mem;
	struct env *e = calloc(1, sizeof(*e));
	struct phyr_pci_dev_config pc = { .type = PHYR_PCI_ENDPOINT, .devfn = PHYR_PCI_DEVFN(2, 0) };

	assert_int_equal(phyr_machine_create(mc, NULL, &e->m), 0);
	e->pm = phyr_machine_physmem(e->m);
	assert_int_equal(phyr_machine_add_ram(e->m, 0, 0x200000000ull), 0);
	assert_int_equal(phyr_pci_host_bridge_add(e->m, 0, 0, &h), 0);
	pc.host = h;
	assert_int_equal(phyr_pci_dev_add(e->m, &pc, &e->pci), 0);
	phyr_dma_swiotlb_memory(e->m, &mem);
	sc.memory = &mem;
	assert_int_equal(phyr_swiotlb_create(&sc, NULL, &e->pool), 0);
	return e;
}

static struct phyr_device *env_dev(struct env *e, unsigned int mask_bits, uint32_t min_align)
{
	struct phyr_device_config c;
	struct phyr_device *d;

	phyr_device_config_init_pci(&c, e->pci);
	c.dma_mask = c.coherent_dma_mask = PHYR_DMA_BIT_MASK(mask_bits);
	c.min_align_mask = min_align;
	assert_int_equal(phyr_device_create(e->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_device_use_swiotlb(d, e->pool), 0);
	return d;
}

static void env_free(struct env *e)
{
	phyr_swiotlb_destroy(e->pool);
	phyr_machine_destroy(e->m);
	free(e);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 31);
}

#include "test-sg-ents.h"

/* B14 #3 on a fresh pool: min_align_mask 0xfff keeps the low 12 bits (slot 1). */
static void test_dma_direct_swiotlb_offset_preserved_bytes_move(void **state)
{
	struct env *e = env_new(NULL, false, 1024);
	struct phyr_device *d = env_dev(e, 32, 0xfff);
	const uint64_t orig = 0x133331a00ull; /* above 4 GiB: not capable */
	uint8_t in[0x200], out[0x200];
	uint64_t dma;
	size_t diff;

	(void)state;
	fill(in, sizeof(in), 1);
	assert_int_equal(phyr_physmem_write(e->pm, orig, in, sizeof(in)), 0);
	assert_int_equal(phyr_dma_direct_map_phys(d, orig, sizeof(in), PHYR_DMA_BIDIRECTIONAL, 0, &dma), 0);
	assert_int_equal(dma, 0x80000a00ull);
	assert_int_equal(phyr_swiotlb_used(e->pool), 1);
	assert_int_equal(phyr_device_dma_read(d, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	fill(in, sizeof(in), 77);
	assert_int_equal(phyr_device_dma_write(d, dma, in, sizeof(in)), 0);
	assert_int_equal(phyr_physmem_compare(e->pm, orig, in, sizeof(in), &diff), 0);
	assert_true(diff < sizeof(in)); /* the CPU still sees its old bytes */
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, sizeof(in), PHYR_DMA_BIDIRECTIONAL, 0), 0);
	assert_int_equal(phyr_physmem_compare(e->pm, orig, in, sizeof(in), &diff), 0);
	assert_int_equal(diff, sizeof(in));
	assert_int_equal(phyr_swiotlb_used(e->pool), 0);
	/* 256 KiB minus the min_align rounding: 252 KiB */
	assert_int_equal(phyr_dma_direct_max_mapping_size(d), 252 * 1024);
	phyr_device_destroy(d);
	env_free(e);
}

/* B14 #1 and #2 through dma-direct: 100 bytes at slot 0, 5000 bytes page aligned at slot 2. */
static void test_dma_direct_swiotlb_b14_slots(void **state)
{
	struct env *e = env_new(NULL, true, 1024);
	struct phyr_device *d = env_dev(e, 64, 0);
	uint64_t a, b;

	(void)state;
	assert_true(phyr_dma_is_force_bounce(d));
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x10000000ull, 100, PHYR_DMA_TO_DEVICE, 0, &a), 0);
	assert_int_equal(a, 0x80000000ull);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x20000000ull, 5000, PHYR_DMA_TO_DEVICE, 0, &b), 0);
	assert_int_equal(b, 0x80001000ull);
	assert_int_equal(phyr_swiotlb_used(e->pool), 4);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, b, 5000, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, a, 100, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_swiotlb_used(e->pool), 0);
	assert_int_equal(phyr_dma_direct_max_mapping_size(d), 256 * 1024);
	phyr_device_destroy(d);
	env_free(e);
}

/* Pool full: the mapping fails and map_sg leaves no slot behind. */
static void test_dma_direct_swiotlb_full_unwinds(void **state)
{
	struct env *e = env_new(NULL, false, 128); /* 256 KiB pool */
	struct phyr_device *d = env_dev(e, 32, 0);
	struct sg_ent s[3] = {
		{ .phys = 0x100000000ull, .len = 0x20000 },
		{ .phys = 0x2000, .len = 0x1000 },
		{ .phys = 0x100100000ull, .len = 0x30000 }, /* does not fit any more */
	};
	const struct phyr_sg_layout *L = sg_layout();
	struct phyr_scatterlist *sgl = sg_build(s, 3);
	struct phyr_device_stats st;
	uint64_t dma;
	int n;

	(void)state;
	assert_non_null(sgl);
	/* through the dispatch: only it counts mapping calls in the device */
	assert_int_equal(phyr_dma_map_sg(d, L, sgl, 3, PHYR_DMA_FROM_DEVICE, 0, &n), -EIO);
	assert_int_equal(phyr_swiotlb_used(e->pool), 0);
	assert_int_equal(phyr_dma_map_phys(d, 0x100000000ull, 0x40001, PHYR_DMA_TO_DEVICE, 0, &dma),
			 -ENOMEM); /* larger than a segment can ever be */
	free(sgl);
	s[2].len = 0x1000;
	sgl = sg_build(s, 3);
	assert_non_null(sgl);
	assert_int_equal(phyr_dma_map_sg(d, L, sgl, 3, PHYR_DMA_FROM_DEVICE, 0, &n), 0);
	sg_read(sgl, s, 3);
	assert_int_equal(n, 3);
	/* the area's next-fit cursor moved past the released first attempt
	 * (slots 0-63), so the search starts at slot 64 and then wraps */
	assert_int_equal(s[0].dma_addr, POOL + 0x20000);
	assert_int_equal(s[1].dma_addr, 0x2000); /* capable: direct */
	assert_int_equal(s[2].dma_addr, POOL);
	assert_int_equal(phyr_swiotlb_used(e->pool), 64 + 2);
	assert_int_equal(phyr_dma_unmap_sg(d, L, sgl, 3, PHYR_DMA_FROM_DEVICE, 0), 0);
	assert_int_equal(phyr_swiotlb_used(e->pool), 0);
	free(sgl);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nbounced, 3); /* the unwound first attempt bounced too */
	assert_int_equal(st.nmap_errors, 2);
	phyr_device_destroy(d);
	env_free(e);
}

/* A confidential guest bounces everything through the (decrypted) pool. */
static void test_dma_direct_swiotlb_confidential_guest(void **state)
{
	struct phyr_machine_config mc = { .mem_encrypt_mask = 1ull << 51, .cc_guest = true };
	struct env *e = env_new(&mc, false, 1024);
	struct phyr_device *d = env_dev(e, 64, 0);
	struct phyr_mem_region r;
	uint8_t in[3000], out[3000];
	uint64_t dma;

	(void)state;
	assert_int_equal(phyr_machine_lookup(e->m, POOL + 0x1000, &r), 0);
	assert_true(r.decrypted);
	fill(in, sizeof(in), 5);
	assert_int_equal(phyr_physmem_write(e->pm, 0x1234000ull, in, sizeof(in)), 0);
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x1234000ull, sizeof(in), PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, POOL);
	assert_int_equal(phyr_device_dma_read(d, dma, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(phyr_device_dma_read(d, 0x1234000ull | (1ull << 51), out, 16), -EACCES);
	assert_int_equal(phyr_dma_direct_unmap_phys(d, dma, sizeof(in), PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_swiotlb_used(e->pool), 0);
	assert_int_equal(phyr_device_use_swiotlb(d, NULL), 0);
	/* forced with no pool left: the mapping fails */
	assert_int_equal(phyr_dma_direct_map_phys(d, 0x1234000ull, 16, PHYR_DMA_TO_DEVICE, 0, &dma), -ENOMEM);
	phyr_device_destroy(d);
	env_free(e);
}

/* The data path through a mock IOMMU domain: translation, permissions, faults. */
static void test_dma_direct_swiotlb_iommu_domain_data_path(void **state)
{
	struct env *e = env_new(NULL, false, 128);
	struct phyr_device_config c;
	struct phyr_iommu_domain *dom;
	struct phyr_iommu_stats ist;
	struct phyr_device_stats st;
	struct phyr_device *d;
	uint8_t in[0x1800], out[0x1800];

	(void)state;
	phyr_device_config_init_pci(&c, e->pci);
	c.dma_mask = c.coherent_dma_mask = PHYR_DMA_BIT_MASK(64);
	assert_int_equal(phyr_device_create(e->m, &c, NULL, &d), 0);
	assert_int_equal(phyr_iommu_domain_create(NULL, &dom), 0);
	/* two pages, not contiguous in memory, readable only */
	assert_int_equal(phyr_iommu_map(dom, 0xffffe000ull, 0x10000000ull, 0x1000, PHYR_IOMMU_READ), 0);
	assert_int_equal(phyr_iommu_map(dom, 0xfffff000ull, 0x30000000ull, 0x1000, PHYR_IOMMU_READ), 0);
	assert_int_equal(phyr_device_attach_iommu_domain(d, dom), 0);
	fill(in, sizeof(in), 9);
	assert_int_equal(phyr_physmem_write(e->pm, 0x10000800ull, in, 0x800), 0);
	assert_int_equal(phyr_physmem_write(e->pm, 0x30000000ull, in + 0x800, 0x1000), 0);
	assert_int_equal(phyr_device_dma_read(d, 0xffffe800ull, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* no write permission: an IO page fault, nothing written */
	assert_int_equal(phyr_device_dma_write(d, 0xffffe800ull, in, 16), -EFAULT);
	/* unmapped IOVA */
	assert_int_equal(phyr_device_dma_read(d, 0x1000, out, 16), -EFAULT);
	phyr_device_get_stats(d, &st);
	assert_int_equal(st.nfaults, 2);
	assert_int_equal(st.last_fault_addr, 0x1000);
	phyr_iommu_get_stats(dom, &ist);
	assert_int_equal(ist.nfaults, 2);
	assert_int_equal(phyr_device_attach_iommu_domain(d, NULL), 0);
	assert_null(phyr_device_iommu(d));
	phyr_device_destroy(d);
	phyr_iommu_domain_destroy(dom);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_direct_swiotlb_offset_preserved_bytes_move),
		cmocka_unit_test(test_dma_direct_swiotlb_b14_slots),
		cmocka_unit_test(test_dma_direct_swiotlb_full_unwinds),
		cmocka_unit_test(test_dma_direct_swiotlb_confidential_guest),
		cmocka_unit_test(test_dma_direct_swiotlb_iommu_domain_data_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
