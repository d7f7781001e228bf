// SPDX-License-Identifier: MIT
/* Tests of the machine's memory map and of its allocation-failure behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "machine.h"
#include "phyr/machine.h"

static void test_machine_ram_ranges(void **state)
{
	struct phyr_machine *m;
	struct phyr_mem_region r;

	(void)state;
	assert_int_equal(phyr_machine_create(NULL, NULL, &m), 0);
	assert_int_equal(phyr_machine_max_pfn(m), 0);
	assert_int_equal(phyr_machine_add_ram(m, 0x100000000ull, 0x40000000ull), 0);
	assert_int_equal(phyr_machine_add_ram(m, 0x1000, 0x9f000), 0);
	assert_int_equal(phyr_machine_add_ram(m, 0x100000, 0x7ff00000ull), 0); /* touches nothing */
	assert_int_equal(phyr_machine_add_ram(m, 0xa0000, 0x60000), 0);        /* fills the gap exactly */
	assert_int_equal(phyr_machine_max_pfn(m), 0x140000);
	assert_int_equal(phyr_machine_add_ram(m, 0x80000000ull - 0x1000, 0x2000), -EEXIST);
	assert_int_equal(phyr_machine_add_ram(m, 0x13ffff000ull, 0x1000), -EEXIST);
	assert_int_equal(phyr_machine_add_ram(m, 0x180000800ull, 0x1000), -EINVAL);
	assert_int_equal(phyr_machine_add_ram(m, 0x180000000ull, 0x800), -EINVAL);
	assert_int_equal(phyr_machine_add_ram(m, 0x180000000ull, 0), -EINVAL);
	assert_int_equal(phyr_machine_add_ram(m, 0xfffffffffffff000ull, 0x2000), -EINVAL);
	/* the last page of the space is a valid range */
	assert_int_equal(phyr_machine_add_ram(m, 0xfffffffffffff000ull, 0x1000), 0);
	assert_int_equal(phyr_machine_max_pfn(m), 0x10000000000000ull);
	assert_int_equal(phyr_machine_lookup(m, 0x0, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_NONE);
	assert_true(r.decrypted); /* no memory encryption on this machine */
	assert_int_equal(phyr_machine_lookup(m, 0xbffff, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_RAM);
	assert_int_equal(r.start, 0xa0000);
	assert_int_equal(r.size, 0x60000);
	assert_int_equal(phyr_machine_lookup(m, 0x140000000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_NONE);
	assert_int_equal(phyr_machine_lookup(m, UINT64_MAX, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_RAM);
	assert_int_equal(phyr_machine_lookup(m, 0, NULL), -EINVAL);
	phyr_machine_destroy(m);
	phyr_machine_destroy(NULL);
}

static void test_machine_decrypted_ranges_merge(void **state)
{
	struct phyr_machine_config cfg = { .mem_encrypt_mask = 1ull << 47 };
	struct phyr_machine *m;
	struct phyr_mem_region r;

	(void)state;
	assert_int_equal(phyr_machine_create(&cfg, NULL, &m), 0);
	assert_int_equal(phyr_machine_add_ram(m, 0, 0x100000), 0);
	assert_int_equal(phyr_machine_set_decrypted(m, 0x5000, 0x1000), 0);
	assert_int_equal(phyr_machine_set_decrypted(m, 0x1000, 0x1000), 0);
	assert_int_equal(phyr_machine_set_decrypted(m, 0x3000, 0x1000), 0);
	assert_int_equal(m->ndecrypted, 3);
	assert_int_equal(phyr_machine_set_decrypted(m, 0x2000, 0x1000), 0); /* joins 1 and 3 */
	assert_int_equal(m->ndecrypted, 2);
	assert_int_equal(m->decrypted[0].start, 0x1000);
	assert_int_equal(m->decrypted[0].size, 0x3000);
	assert_int_equal(phyr_machine_set_decrypted(m, 0x800, 0x1000), -EINVAL);
	assert_true(machine_is_decrypted(m, 0x1000, 0x3000));
	assert_false(machine_is_decrypted(m, 0x1000, 0x3001));
	assert_false(machine_is_decrypted(m, 0x4000, 1));
	assert_true(machine_is_decrypted(m, 0x5fff, 1));
	assert_int_equal(phyr_machine_lookup(m, 0x4000, &r), 0);
	assert_false(r.decrypted);
	assert_int_equal(phyr_machine_lookup(m, 0x2abc, &r), 0);
	assert_true(r.decrypted);
	phyr_machine_destroy(m);
	/* a confidential guest needs the encryption marker */
	cfg = (struct phyr_machine_config){ .cc_guest = true };
	assert_int_equal(phyr_machine_create(&cfg, NULL, &m), -EINVAL);
}

static void test_machine_bars_in_the_map(void **state)
{
	struct phyr_pci_dev_config c = { .type = PHYR_PCI_ENDPOINT };
	struct phyr_pci_host_bridge *h;
	struct phyr_machine *m;
	struct phyr_pci_dev *d;
	struct phyr_mem_region r;

	(void)state;
	assert_int_equal(phyr_machine_create(NULL, NULL, &m), 0);
	assert_int_equal(phyr_machine_add_ram(m, 0, 0x80000000ull), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 0, 0, &h), 0);
	c.host = h;
	assert_int_equal(phyr_pci_dev_add(m, &c, &d), 0);
	assert_int_equal(phyr_pci_dev_set_bar(d, 0, 0x7fff0000ull, 0x20000, 0x7fff0000ull), -EEXIST);
	assert_int_equal(phyr_pci_dev_set_bar(d, 0, 0xf0000000ull, 0x1800, 0), -EINVAL);
	assert_int_equal(phyr_pci_dev_set_bar(d, 0, 0xf0000000ull, 0x2000, 0x800), -EINVAL);
	assert_int_equal(phyr_pci_dev_set_bar(d, 0, 0xf0000000ull, 0x2000, 0xfffffffffffff000ull), -EINVAL);
	assert_int_equal(phyr_pci_dev_set_bar(d, 0, 0xf0000000ull, 0x2000, 0x10000000ull), 0);
	assert_int_equal(phyr_machine_lookup(m, 0xf0001fffull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_BAR);
	assert_ptr_equal(r.dev, d);
	assert_null(r.pgmap);
	/* RAM cannot be added over a BAR */
	assert_int_equal(phyr_machine_add_ram(m, 0xf0000000ull, 0x1000), -EEXIST);
	phyr_machine_destroy(m);
}

static void test_machine_failnth_create(void **state)
{
	struct phyr_allocator a;
	struct phyr_failnth f;
	struct phyr_machine *m;
	uint64_t n;
	int ret;

	(void)state;
	for (n = 1;; n++) {
		f = (struct phyr_failnth){ .fail_at = n };
		phyr_failnth_allocator(&f, &a);
		ret = phyr_machine_create(NULL, &a, &m);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(f.nlive, 0);
	}
	assert_int_equal(n, 3);
	phyr_machine_destroy(m);
	assert_int_equal(f.nlive, 0);
}

/* Every allocation of a P2P registration may fail: nothing is left behind. */
static void test_machine_failnth_add_resource(void **state)
{
	struct phyr_pci_dev_config c = { .type = PHYR_PCI_ENDPOINT };
	struct phyr_pci_host_bridge *h;
	struct phyr_allocator a;
	struct phyr_failnth f;
	struct phyr_machine *m;
	struct phyr_pci_dev *d, *d2;
	struct phyr_mem_region r;
	uint64_t n;
	int ret;

	(void)state;
	for (n = 1;; n++) {
		f = (struct phyr_failnth){ 0 };
		phyr_failnth_allocator(&f, &a);
		assert_int_equal(phyr_machine_create(NULL, &a, &m), 0);
		/* fill the map array to its capacity so the split must grow it */
		for (int i = 0; i < 6; i++)
			assert_int_equal(phyr_machine_add_ram(m, (uint64_t)i << 20, 0x1000), 0);
		assert_int_equal(phyr_pci_host_bridge_add(m, 0, 0, &h), 0);
		c.host = h;
		c.devfn = 0;
		assert_int_equal(phyr_pci_dev_add(m, &c, &d), 0);
		c.devfn = 8;
		assert_int_equal(phyr_pci_dev_add(m, &c, &d2), 0);
		assert_int_equal(phyr_pci_dev_set_bar(d, 2, 0xf0000000ull, 0x10000, 0xf0000000ull), 0);
		f.fail_at = f.nallocs + n;
		ret = phyr_p2pdma_add_resource(d, 2, 0x4000, 0x4000, NULL);
		assert_int_equal(phyr_machine_lookup(m, 0xf0004000ull, &r), 0);
		if (!ret) {
			assert_int_equal(r.type, PHYR_MEM_P2P);
			assert_int_equal(phyr_p2pdma_map_type(d, d2), PHYR_P2PDMA_MAP_NOT_SUPPORTED);
			phyr_machine_destroy(m);
			assert_int_equal(f.nlive, 0);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(r.type, PHYR_MEM_BAR);
		assert_int_equal(r.size, 0x10000);
		/* the provider has no P2P state: not supported, and no cache */
		assert_int_equal(phyr_p2pdma_map_type(d, d2), PHYR_P2PDMA_MAP_NOT_SUPPORTED);
		assert_null(d->p2pdma);
		phyr_machine_destroy(m);
		assert_int_equal(f.nlive, 0);
	}
	assert_int_equal(n, 4);
}

/* A failing cache insertion only loses the caching (GFP_ATOMIC xa_store). */
static void test_machine_failnth_map_type_cache(void **state)
{
	struct phyr_pci_dev_config c = { .type = PHYR_PCI_ENDPOINT };
	struct phyr_pci_host_bridge *h;
	struct phyr_machine_stats st;
	struct phyr_allocator a;
	struct phyr_failnth f = { 0 };
	struct phyr_machine *m;
	struct phyr_pci_dev *d, *rp, *d2;

	(void)state;
	phyr_failnth_allocator(&f, &a);
	assert_int_equal(phyr_machine_create(NULL, &a, &m), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 0, 0, &h), 0);
	c.host = h;
	c.type = PHYR_PCI_ROOT_PORT;
	assert_int_equal(phyr_pci_dev_add(m, &c, &rp), 0);
	c = (struct phyr_pci_dev_config){ .parent = rp, .type = PHYR_PCI_ENDPOINT };
	assert_int_equal(phyr_pci_dev_add(m, &c, &d), 0);
	c.devfn = 1;
	assert_int_equal(phyr_pci_dev_add(m, &c, &d2), 0);
	assert_int_equal(phyr_pci_dev_set_bar(d, 0, 0xf0000000ull, 0x10000, 0xf0000000ull), 0);
	assert_int_equal(phyr_p2pdma_add_resource(d, 0, 0, 0, NULL), 0);
	f.fail_at = f.nallocs + 1;
	assert_int_equal(phyr_p2pdma_map_type(d, d2), PHYR_P2PDMA_MAP_BUS_ADDR);
	/* the first answer was not cached: the second call computes and stores it */
	assert_int_equal(phyr_p2pdma_map_type(d, d2), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(phyr_p2pdma_map_type(d, d2), PHYR_P2PDMA_MAP_BUS_ADDR);
	phyr_machine_get_stats(m, &st);
	assert_int_equal(st.ncalc_map_type, 2);
	assert_int_equal(st.nmap_type_cache_hits, 1);
	phyr_machine_destroy(m);
	assert_int_equal(f.nlive, 0);
}

/*
 * The PCI segment and host bridge of a function: a bridge in segment
 * 0x0001 with root bus 0x80, a root port on it, an endpoint behind the
 * port on bus 0x81: pci_domain_nr() 1, pci_name() "0001:81:00.0".
 */
static void test_machine_pci_domain_and_host_bridge(void **state)
{
	struct phyr_pci_host_bridge *h0, *h1;
	struct phyr_pci_dev *rp, *ep, *ep0;
	struct phyr_pci_dev_config c;
	struct phyr_machine *m;
	char name[16];

	(void)state;
	assert_int_equal(phyr_machine_create(NULL, NULL, &m), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 0, 0, &h0), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 1, 0x80, &h1), 0);
	c = (struct phyr_pci_dev_config){ .host = h1, .devfn = PHYR_PCI_DEVFN(1, 0),
					  .type = PHYR_PCI_ROOT_PORT, .vendor = 0x8086 };
	assert_int_equal(phyr_pci_dev_add(m, &c, &rp), 0);
	c = (struct phyr_pci_dev_config){ .parent = rp, .type = PHYR_PCI_ENDPOINT,
					  .vendor = 0x15b3, .device = 0x1017 };
	assert_int_equal(phyr_pci_dev_add(m, &c, &ep), 0);
	c = (struct phyr_pci_dev_config){ .host = h0, .devfn = PHYR_PCI_DEVFN(3, 1),
					  .type = PHYR_PCI_ENDPOINT, .vendor = 0x8086 };
	assert_int_equal(phyr_pci_dev_add(m, &c, &ep0), 0);
	assert_int_equal(phyr_pci_dev_domain(ep), 1);
	assert_int_equal(phyr_pci_dev_domain(rp), 1);
	assert_int_equal(phyr_pci_dev_bus(ep), 0x81);
	assert_ptr_equal(phyr_pci_dev_host_bridge(ep), h1);
	assert_ptr_equal(phyr_pci_dev_host_bridge(rp), h1);
	assert_string_equal(phyr_pci_dev_name(ep, name, sizeof(name)), "0001:81:00.0");
	assert_int_equal(phyr_pci_dev_domain(ep0), 0);
	assert_ptr_equal(phyr_pci_dev_host_bridge(ep0), h0);
	assert_string_equal(phyr_pci_dev_name(ep0, name, sizeof(name)), "0000:00:03.1");
	phyr_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine_ram_ranges),
		cmocka_unit_test(test_machine_decrypted_ranges_merge),
		cmocka_unit_test(test_machine_bars_in_the_map),
		cmocka_unit_test(test_machine_failnth_create),
		cmocka_unit_test(test_machine_failnth_add_resource),
		cmocka_unit_test(test_machine_failnth_map_type_cache),
		cmocka_unit_test(test_machine_pci_domain_and_host_bridge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
