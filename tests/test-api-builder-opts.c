// SPDX-License-Identifier: MIT
/*
 * phyr_system_build_string_opts() through the shared library: the IOVA
 * policy of struct phyr_system_opts reaches every DMA group's domain, with
 * and without a cpus= line, and a zeroed or NULL opts changes nothing; the
 * what-if knobs (CPUs, magazine size, size classes, no range cache, lazy)
 * reach the domain too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <phyr/phyr.h>

static const char desc_fmt[] =
	"%s"
	"ram start=0 size=2G\n"
	"host-bridge hb id=8086:2030\n"
	"root-port rp parent=hb devfn=01.0 id=8086:2031\n"
	"endpoint nic parent=rp devfn=00.0 id=15b3:1017\n"
	"iommu-group g type=dma\n"
	"device pci=nic dma-mask=64bit group=g\n";

/* Builds the machine (with @machine_line first) and returns the policy
 * name of the NIC's IOVA domain and the IOVA of a first 4 KiB mapping. */
static void build(const char *machine_line, const struct phyr_system_opts *opts,
		  const char **policy, uint64_t *iova)
{
	struct phyr_system *s = NULL;
	struct phyr_device *nic;
	char desc[1024], err[256] = "";

	snprintf(desc, sizeof(desc), desc_fmt, machine_line);
	assert_int_equal(phyr_system_build_string_opts(desc, "opts", opts, NULL, &s, err,
							 sizeof(err)), 0);
	nic = phyr_system_device(s, "nic");
	assert_non_null(nic);
	*policy = phyr_iova_domain_policy(
		phyr_iommu_dma_cookie_iovad(phyr_iommu_dma_get_cookie(nic)))->name;
	assert_int_equal(phyr_iommu_dma_alloc_iova(nic, 4096, UINT64_MAX, iova), 0);
	assert_int_equal(phyr_iommu_dma_free_iova(nic, *iova, 4096), 0);
	phyr_system_destroy(s);
}

static void test_api_builder_opts_policy(void **state)
{
	struct phyr_system_opts buddy = { .iova_policy = phyr_iova_policy_buddy() };
	struct phyr_system_opts zero = { 0 };
	const char *name;
	uint64_t iova;

	(void)state;
	/* Linux: the 32-bit try first, top-down: the last page below 4 GiB */
	build("", NULL, &name, &iova);
	assert_string_equal(name, "linux");
	assert_int_equal(iova, 0xfffff000);
	build("", &zero, &name, &iova);
	assert_string_equal(name, "linux");
	assert_int_equal(iova, 0xfffff000);
	if (!buddy.iova_policy)
		skip();
	/* buddy: the smallest free block, pfn 1 (start_pfn = 1) */
	build("", &buddy, &name, &iova);
	assert_string_equal(name, "buddy");
	assert_int_equal(iova, 0x1000);
	build("machine cpus=8\n", &buddy, &name, &iova);
	assert_string_equal(name, "buddy");
	assert_int_equal(iova, 0x1000);
}

/* The what-if knobs: what the NIC's domain was built with. */
static void test_api_builder_opts_knobs(void **state)
{
	struct phyr_system_opts o = { .ncpus = 8, .mag_size = 32, .rcache_classes = 4,
				      .no_rcache = true, .lazy = true };
	struct phyr_system_opts bad = { .ncpus = 4097 };
	struct phyr_system *s = NULL;
	struct phyr_iommu_dma_cookie *c;
	struct phyr_iova_config cfg;
	char desc[1024], err[256] = "";

	(void)state;
	snprintf(desc, sizeof(desc), desc_fmt, "machine cpus=2\n");
	assert_int_equal(phyr_system_build_string_opts(desc, "opts", &o, NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(phyr_system_ncpus(s), 8); /* the option beats the text's cpus=2 */
	c = phyr_iommu_dma_get_cookie(phyr_system_device(s, "nic"));
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(c)),
			 PHYR_IOMMU_DOMAIN_DMA_FQ);
	phyr_iova_domain_config(phyr_iommu_dma_cookie_iovad(c), &cfg);
	assert_int_equal(cfg.ncpus, 8);
	assert_int_equal(cfg.mag_size, 32);
	assert_int_equal(cfg.rcache_classes, 4);
	assert_true(cfg.no_rcache);
	phyr_system_destroy(s);
	s = NULL;
	/* a zeroed struct: strict, the text's CPUs */
	assert_int_equal(phyr_system_build_string_opts(desc, "opts", &(struct phyr_system_opts){ 0 },
						       NULL, &s, err, sizeof(err)), 0);
	c = phyr_iommu_dma_get_cookie(phyr_system_device(s, "nic"));
	assert_int_equal(phyr_iommu_domain_type(phyr_iommu_dma_cookie_domain(c)),
			 PHYR_IOMMU_DOMAIN_DMA);
	phyr_iova_domain_config(phyr_iommu_dma_cookie_iovad(c), &cfg);
	assert_int_equal(cfg.ncpus, 2);
	assert_false(cfg.no_rcache);
	phyr_system_destroy(s);
	s = NULL;
	/* impossible: nothing built, the message names the option */
	assert_int_equal(phyr_system_build_string_opts(desc, "opts", &bad, NULL, &s, err, sizeof(err)),
			 -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "ncpus=4097"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_builder_opts_policy),
		cmocka_unit_test(test_api_builder_opts_knobs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
