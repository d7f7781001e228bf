// SPDX-License-Identifier: MIT
/*
 * The machine builder through the shared library and the public headers
 * only, as an application uses it: every <phyr/builder.h> function is
 * exported, and a described machine maps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <phyr/phyr.h>

static const char desc[] =
	"# one NIC behind a strict DMA domain, one GPU without IOMMU\n"
	"machine cpus=2\n"
	"ram start=0 size=2G\n"
	"host-bridge hb id=8086:2030\n"
	"root-port rp parent=hb devfn=01.0 id=8086:2031\n"
	"endpoint nic parent=rp devfn=00.0 id=15b3:1017\n"
	"endpoint gpu parent=rp devfn=00.1 id=10de:2330\n"
	"bar dev=gpu cpu=0x300000000 size=1M bus=0xc0000000\n"
	"swiotlb start=0x70000000 nslabs=512\n"
	"iommu-group g type=dma\n"
	"device pci=nic dma-mask=64bit group=g\n"
	"device pci=gpu dma-mask=64bit\n"
	"dma-debug mode=on\n";

static void test_api_builder_build_and_map(void **state)
{
	struct phyr_system *s = NULL;
	struct phyr_device *nic, *gpu;
	char err[128] = "";
	uint64_t dma = 0;

	(void)state;
	assert_int_equal(phyr_system_build_string(desc, "api", NULL, &s, err, sizeof(err)), 0);
	nic = phyr_system_device(s, "nic");
	gpu = phyr_system_device(s, "0000:01:00.1");
	assert_non_null(nic);
	assert_non_null(gpu);
	assert_int_equal(phyr_system_ndevices(s), 2);
	assert_ptr_equal(phyr_system_device_at(s, 0), nic);
	assert_int_equal(phyr_system_ncpus(s), 2);
	assert_non_null(phyr_system_machine(s));
	assert_non_null(phyr_system_physmem(s));
	assert_non_null(phyr_system_swiotlb(s));
	assert_non_null(phyr_system_dma_debug(s));
	assert_ptr_equal(phyr_system_group_cookie(s, "g"), phyr_iommu_dma_get_cookie(nic));
	assert_int_equal(phyr_p2pdma_map_type(phyr_system_pci_dev(s, "gpu"),
					      phyr_system_pci_dev(s, "nic")),
			 PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(phyr_dma_map_phys(nic, 0x10000, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0xfffff000);
	assert_int_equal(phyr_dma_unmap_phys(nic, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(phyr_dma_map_phys(gpu, 0x10000, 4096, PHYR_DMA_TO_DEVICE, 0, &dma), 0);
	assert_int_equal(dma, 0x10000);
	assert_int_equal(phyr_dma_unmap_phys(gpu, dma, 4096, PHYR_DMA_TO_DEVICE, 0), 0);
	phyr_system_destroy(s);
}

static void test_api_builder_errors(void **state)
{
	struct phyr_system *s = NULL;
	char err[128] = "";

	(void)state;
	assert_int_equal(phyr_system_build_string("ram start=0\n", "api", NULL, &s, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "api:1: ram: missing required key 'size'");
	assert_int_equal(phyr_system_build_file("/nonexistent.machine", NULL, &s, err, sizeof(err)),
			 -ENOENT);
	assert_null(s);
	phyr_system_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_builder_build_and_map),
		cmocka_unit_test(test_api_builder_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
