// SPDX-License-Identifier: MIT
/*
 * Tests of the P2P map-type decision against Linux's calc_map_type_and_dist
 * (spec 10.2, B21). Topology built by the fixture:
 *
 *   host A (0000:00)  00:00.0 host bridge function, Intel (device id per test)
 *     00:01.0 root port -> bus 01
 *       01:00.0 switch upstream port -> bus 02
 *         02:00.0 downstream port -> bus 03: 03:00.0 (provider), 03:00.1
 *         02:01.0 downstream port -> bus 04: 04:00.0
 *     00:02.0 root port -> bus 05: 05:00.0
 *   host B (0000:80)  80:00.0 root port -> bus 81: 81:00.0
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/machine.h"

struct topo {
	struct phyr_machine *m;
	struct phyr_pci_host_bridge *ha, *hb;
	struct phyr_pci_dev *hostdev_a, *rp1, *swup, *dp0, *dp1, *prov, *prov_fn1, *ep4, *rp2,
		*ep5, *rp_b, *ep_b;
	struct phyr_p2p_pgmap *pgmap;
};

static struct phyr_pci_dev *add(struct topo *t, struct phyr_pci_host_bridge *h,
				struct phyr_pci_dev *parent, uint8_t devfn, enum phyr_pci_type type,
				uint16_t device)
{
	struct phyr_pci_dev_config c = {
		.host = h, .parent = parent, .devfn = devfn, .type = type,
		.vendor = PHYR_PCI_VENDOR_INTEL, .device = device,
		.has_acs = type != PHYR_PCI_ENDPOINT && type != PHYR_PCI_HOST_DEVICE,
	};
	struct phyr_pci_dev *d = NULL;

	assert_int_equal(phyr_pci_dev_add(t->m, &c, &d), 0);
	return d;
}

static struct topo *build(bool zen, uint16_t host_a_id, uint16_t host_b_id)
{
	struct phyr_machine_config cfg = { .cpu_amd_zen = zen };
	struct topo *t = calloc(1, sizeof(*t));

	assert_int_equal(phyr_machine_create(&cfg, NULL, &t->m), 0);
	assert_int_equal(phyr_machine_add_ram(t->m, 0, 0x80000000), 0);
	assert_int_equal(phyr_pci_host_bridge_add(t->m, 0, 0x00, &t->ha), 0);
	assert_int_equal(phyr_pci_host_bridge_add(t->m, 0, 0x80, &t->hb), 0);
	t->hostdev_a = add(t, t->ha, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_HOST_DEVICE, host_a_id);
	t->rp1 = add(t, t->ha, NULL, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_ROOT_PORT, 0x1001);
	t->swup = add(t, NULL, t->rp1, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_SWITCH_UPSTREAM, 0x1002);
	t->dp0 = add(t, NULL, t->swup, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_SWITCH_DOWNSTREAM, 0x1003);
	t->dp1 = add(t, NULL, t->swup, PHYR_PCI_DEVFN(1, 0), PHYR_PCI_SWITCH_DOWNSTREAM, 0x1003);
	t->prov = add(t, NULL, t->dp0, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x5000);
	t->prov_fn1 = add(t, NULL, t->dp0, PHYR_PCI_DEVFN(0, 1), PHYR_PCI_ENDPOINT, 0x5001);
	t->ep4 = add(t, NULL, t->dp1, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x5002);
	t->rp2 = add(t, t->ha, NULL, PHYR_PCI_DEVFN(2, 0), PHYR_PCI_ROOT_PORT, 0x1001);
	t->ep5 = add(t, NULL, t->rp2, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x5003);
	t->rp_b = add(t, t->hb, NULL, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ROOT_PORT, host_b_id);
	t->ep_b = add(t, NULL, t->rp_b, PHYR_PCI_DEVFN(0, 0), PHYR_PCI_ENDPOINT, 0x5004);
	/* provider BAR 2: CPU 0x2_0000_0000, bus 0x8000_0000 (offset -0x1_8000_0000) */
	assert_int_equal(phyr_pci_dev_set_bar(t->prov, 2, 0x200000000ull, 0x100000, 0x80000000ull), 0);
	assert_int_equal(phyr_p2pdma_add_resource(t->prov, 2, 0, 0, &t->pgmap), 0);
	return t;
}

static void destroy(struct topo *t)
{
	phyr_machine_destroy(t->m);
	free(t);
}

static void expect(struct phyr_pci_dev *p, struct phyr_pci_dev *c, enum phyr_p2pdma_map_type type,
		   int dist)
{
	int d = -100;

	assert_int_equal(phyr_p2pdma_calc(p, c, &d), type);
	assert_int_equal(d, dist);
}

static void test_p2pdma_bus_numbers_and_names(void **state)
{
	struct topo *t = build(false, 0x2030, 0x2030);
	char name[16];
	uint8_t sec;

	(void)state;
	assert_int_equal(phyr_pci_dev_bus(t->prov), 3);
	assert_int_equal(phyr_pci_dev_bus(t->ep4), 4);
	assert_int_equal(phyr_pci_dev_bus(t->ep5), 5);
	assert_int_equal(phyr_pci_dev_bus(t->ep_b), 0x81);
	assert_int_equal(phyr_pci_dev_secondary_bus(t->swup, &sec), 0);
	assert_int_equal(sec, 2);
	assert_int_equal(phyr_pci_dev_secondary_bus(t->prov, &sec), -EINVAL);
	assert_string_equal(phyr_pci_dev_name(t->prov_fn1, name, sizeof(name)), "0000:03:00.1");
	assert_ptr_equal(phyr_pci_upstream_bridge(t->prov), t->dp0);
	assert_null(phyr_pci_upstream_bridge(t->rp1));
	destroy(t);
}

/* The three distances Linux documents: 0, 2, 4 (all BUS_ADDR without ACS). */
static void test_p2pdma_same_function_two_functions_switch_siblings(void **state)
{
	struct topo *t = build(false, 0x1234, 0x1234);

	(void)state;
	expect(t->prov, t->prov, PHYR_P2PDMA_MAP_BUS_ADDR, 0);
	expect(t->prov, t->prov_fn1, PHYR_P2PDMA_MAP_BUS_ADDR, 2);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_BUS_ADDR, 4);
	/* the provider's switch upstream port as client: two hops up */
	expect(t->prov, t->swup, PHYR_P2PDMA_MAP_BUS_ADDR, 2);
	destroy(t);
}

/* B21: ACS redirect on a switch port -> through the host bridge, if allowed. */
static void test_p2pdma_acs_redirect_thru_host_bridge(void **state)
{
	struct topo *t = build(false, 0x2030, 0x2030);

	(void)state;
	assert_int_equal(phyr_pci_dev_set_acs(t->dp1, PHYR_PCI_ACS_RR), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
	/* the provider-side port redirecting does the same */
	assert_int_equal(phyr_pci_dev_set_acs(t->dp1, 0), 0);
	assert_int_equal(phyr_pci_dev_set_acs(t->dp0, PHYR_PCI_ACS_EC), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
	/* ...and so does the common switch port itself (checked in the provider walk) */
	assert_int_equal(phyr_pci_dev_set_acs(t->dp0, 0), 0);
	assert_int_equal(phyr_pci_dev_set_acs(t->swup, PHYR_PCI_ACS_CR), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
	/* bits other than RR/CR/EC do not redirect */
	assert_int_equal(phyr_pci_dev_set_acs(t->swup, PHYR_PCI_ACS_SV | PHYR_PCI_ACS_UF | PHYR_PCI_ACS_TB), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_BUS_ADDR, 4);
	/* ACS above the common device (root port) is off the path */
	assert_int_equal(phyr_pci_dev_set_acs(t->rp1, PHYR_PCI_ACS_RR | PHYR_PCI_ACS_CR), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_BUS_ADDR, 4);
	/* a function without ACS capability cannot take a control word */
	assert_int_equal(phyr_pci_dev_set_acs(t->prov, PHYR_PCI_ACS_RR), -EINVAL);
	destroy(t);
}

static void test_p2pdma_acs_not_allowlisted_not_supported(void **state)
{
	struct topo *t = build(false, 0x1234, 0x1234);

	(void)state;
	assert_int_equal(phyr_pci_dev_set_acs(t->dp1, PHYR_PCI_ACS_RR), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_NOT_SUPPORTED, 4);
	destroy(t);
}

static void test_p2pdma_zen_allows_everything_through_host(void **state)
{
	struct topo *t = build(true, 0x1234, 0x1234);

	(void)state;
	assert_int_equal(phyr_pci_dev_set_acs(t->dp1, PHYR_PCI_ACS_RR), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
	expect(t->prov, t->ep_b, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 6);
	destroy(t);
}

/* Different root ports of one host bridge: no common device, depth 4 + 2. */
static void test_p2pdma_different_root_ports(void **state)
{
	struct topo *t;

	(void)state;
	t = build(false, 0x3c00, 0x1234); /* same-host-bridge-only entry: fine here */
	expect(t->prov, t->ep5, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 6);
	expect(t->ep5, t->prov, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 6);
	destroy(t);
	t = build(false, 0x1234, 0x1234);
	expect(t->prov, t->ep5, PHYR_P2PDMA_MAP_NOT_SUPPORTED, 6);
	destroy(t);
}

/* B21: different host bridges. */
static void test_p2pdma_different_host_bridges(void **state)
{
	struct topo *t;

	(void)state;
	/* both Skylake-E (allowed regardless) */
	t = build(false, 0x2030, 0x2020);
	expect(t->prov, t->ep_b, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 6);
	destroy(t);
	/* Xeon E5 entries need a shared host bridge */
	t = build(false, 0x3c00, 0x3c01);
	expect(t->prov, t->ep_b, PHYR_P2PDMA_MAP_NOT_SUPPORTED, 6);
	destroy(t);
	/* one side not on the list */
	t = build(false, 0x2030, 0x1234);
	expect(t->prov, t->ep_b, PHYR_P2PDMA_MAP_NOT_SUPPORTED, 6);
	destroy(t);
	t = build(false, 0x09a2, 0x2033);
	expect(t->prov, t->ep_b, PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE, 6);
	destroy(t);
}

/* The allow-list only looks at the root bus's first device if it is 00.0 or a root port. */
static void test_p2pdma_allowlist_first_device_rule(void **state)
{
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *ep, *ep2, *prov;
	struct phyr_pci_dev_config c = { .type = PHYR_PCI_HOST_DEVICE, .vendor = PHYR_PCI_VENDOR_INTEL,
					 .device = 0x2030 };
	struct phyr_machine *m;
	int d;

	(void)state;
	assert_int_equal(phyr_machine_create(NULL, NULL, &m), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 1, 0x00, &h), 0);
	/* first device is 00:03.0, not a root port: no host bridge device */
	c.host = h;
	c.devfn = PHYR_PCI_DEVFN(3, 0);
	assert_int_equal(phyr_pci_dev_add(m, &c, &ep), 0);
	c.devfn = PHYR_PCI_DEVFN(0, 0);
	assert_int_equal(phyr_pci_dev_add(m, &c, &ep2), 0);
	c.devfn = PHYR_PCI_DEVFN(4, 0);
	c.type = PHYR_PCI_ENDPOINT;
	c.device = 0x9999;
	assert_int_equal(phyr_pci_dev_add(m, &c, &prov), 0);
	/* root-bus devices have no upstream bridge: no common device, depths 1 + 1 */
	assert_int_equal(phyr_p2pdma_calc(prov, ep, &d), PHYR_P2PDMA_MAP_NOT_SUPPORTED);
	assert_int_equal(d, 2);
	phyr_machine_destroy(m);

	/* same, but 00:00.0 enumerated first: allowed */
	assert_int_equal(phyr_machine_create(NULL, NULL, &m), 0);
	assert_int_equal(phyr_pci_host_bridge_add(m, 1, 0x00, &h), 0);
	c = (struct phyr_pci_dev_config){ .host = h, .type = PHYR_PCI_HOST_DEVICE,
					  .vendor = PHYR_PCI_VENDOR_INTEL, .device = 0x2030 };
	assert_int_equal(phyr_pci_dev_add(m, &c, &ep2), 0);
	c.devfn = PHYR_PCI_DEVFN(3, 0);
	assert_int_equal(phyr_pci_dev_add(m, &c, &ep), 0);
	c.devfn = PHYR_PCI_DEVFN(4, 0);
	assert_int_equal(phyr_pci_dev_add(m, &c, &prov), 0);
	assert_int_equal(phyr_p2pdma_calc(prov, ep, &d), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	assert_int_equal(d, 2);
	/* an AMD 00.0 with the same device id is not on the list */
	phyr_machine_destroy(m);
}

static void test_p2pdma_map_type_cached_per_pair(void **state)
{
	struct topo *t = build(false, 0x2030, 0x2030);
	struct phyr_machine_stats st;

	(void)state;
	assert_int_equal(phyr_p2pdma_map_type(t->prov, t->ep4), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(phyr_p2pdma_map_type(t->prov, t->ep4), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(phyr_p2pdma_map_type(t->prov, t->ep5), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	phyr_machine_get_stats(t->m, &st);
	assert_int_equal(st.nmap_type_calls, 3);
	assert_int_equal(st.nmap_type_cache_hits, 1);
	assert_int_equal(st.ncalc_map_type, 2);
	/* ACS change forgets the cache */
	assert_int_equal(phyr_pci_dev_set_acs(t->dp1, PHYR_PCI_ACS_RR), 0);
	assert_int_equal(phyr_p2pdma_map_type(t->prov, t->ep4), PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE);
	phyr_machine_get_stats(t->m, &st);
	assert_int_equal(st.ncalc_map_type, 3);
	/* a distance query computes and stores too */
	assert_int_equal(phyr_pci_dev_set_acs(t->dp1, 0), 0);
	expect(t->prov, t->ep4, PHYR_P2PDMA_MAP_BUS_ADDR, 4);
	assert_int_equal(phyr_p2pdma_map_type(t->prov, t->ep4), PHYR_P2PDMA_MAP_BUS_ADDR);
	phyr_machine_get_stats(t->m, &st);
	assert_int_equal(st.ncalc_map_type, 4);
	assert_int_equal(st.nmap_type_cache_hits, 2);
	/* many clients: the cache grows */
	for (int i = 0; i < 50; i++)
		assert_int_equal(phyr_p2pdma_map_type(t->prov, i & 1 ? t->ep4 : t->prov_fn1),
				 PHYR_P2PDMA_MAP_BUS_ADDR);
	/* no P2P memory on the provider, or a non-PCI client */
	assert_int_equal(phyr_p2pdma_map_type(t->ep4, t->prov), PHYR_P2PDMA_MAP_NOT_SUPPORTED);
	assert_int_equal(phyr_p2pdma_map_type(t->prov, NULL), PHYR_P2PDMA_MAP_NOT_SUPPORTED);
	destroy(t);
}

static void test_p2pdma_distance_many(void **state)
{
	struct topo *t = build(false, 0x1234, 0x1234);
	struct phyr_pci_dev *cl[3];
	int d = -7;

	(void)state;
	cl[0] = t->prov;
	cl[1] = t->prov_fn1;
	cl[2] = t->ep4;
	assert_int_equal(phyr_p2pdma_distance_many(t->prov, cl, 3, &d), 0);
	assert_int_equal(d, 0 + 2 + 4);
	assert_int_equal(phyr_p2pdma_distance(t->prov, t->ep4, &d), 0);
	assert_int_equal(d, 4);
	cl[1] = t->ep5; /* not allow-listed through the host bridge */
	assert_int_equal(phyr_p2pdma_distance_many(t->prov, cl, 3, &d), -EREMOTEIO);
	cl[1] = NULL; /* not a PCI device */
	assert_int_equal(phyr_p2pdma_distance_many(t->prov, cl, 3, &d), -EREMOTEIO);
	assert_int_equal(phyr_p2pdma_distance_many(t->prov, cl, 0, &d), -EINVAL);
	/* distance works for providers without P2P memory too (Linux computes it) */
	assert_int_equal(phyr_p2pdma_distance(t->ep4, t->prov, &d), 0);
	assert_int_equal(d, 4);
	destroy(t);
}

static void test_p2pdma_state_machine(void **state)
{
	struct topo *t = build(false, 0x1234, 0x1234);
	struct phyr_p2pdma_map_state s = { 0 };
	struct phyr_machine_stats st;

	(void)state;
	assert_int_equal(phyr_p2pdma_state(&s, t->m, t->ep4, 0x1000), PHYR_P2PDMA_MAP_NONE);
	assert_null(s.pgmap);
	assert_int_equal(phyr_p2pdma_state(&s, t->m, t->ep4, 0x200003000ull), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_ptr_equal(s.pgmap, t->pgmap);
	assert_int_equal(s.bus_off, 0x80000000ull - 0x200000000ull);
	assert_int_equal(phyr_p2pdma_state(&s, t->m, t->ep4, 0x200004000ull), PHYR_P2PDMA_MAP_BUS_ADDR);
	assert_int_equal(phyr_p2pdma_state(&s, t->m, t->ep4, 0x5000), PHYR_P2PDMA_MAP_NONE);
	assert_int_equal(phyr_p2pdma_state(&s, t->m, t->ep4, 0x2000ff000ull), PHYR_P2PDMA_MAP_BUS_ADDR);
	phyr_machine_get_stats(t->m, &st);
	assert_int_equal(st.nmap_type_calls, 1); /* the state kept the answer */
	/* a client across the host bridge that is not allowed */
	memset(&s, 0, sizeof(s));
	assert_int_equal(phyr_p2pdma_state(&s, t->m, t->ep_b, 0x200000000ull),
			 PHYR_P2PDMA_MAP_NOT_SUPPORTED);
	destroy(t);
}

static void test_p2pdma_add_resource_checks(void **state)
{
	struct topo *t = build(false, 0x1234, 0x1234);
	struct phyr_mem_region r;
	struct phyr_p2p_pgmap *g;
	uint64_t start, size;

	(void)state;
	assert_int_equal(phyr_p2pdma_add_resource(t->ep4, 0, 0, 0, &g), -EINVAL); /* no BAR */
	assert_int_equal(phyr_pci_dev_set_bar(t->ep4, 0, 0x300000000ull, 0x10000, 0x300000000ull), 0);
	assert_int_equal(phyr_pci_dev_set_bar(t->ep4, 0, 0x310000000ull, 0x10000, 0), -EEXIST);
	assert_int_equal(phyr_pci_dev_set_bar(t->ep4, 1, 0x300008000ull, 0x10000, 0), -EEXIST);
	assert_int_equal(phyr_pci_dev_set_bar(t->ep4, 6, 0x310000000ull, 0x10000, 0), -EINVAL);
	assert_int_equal(phyr_p2pdma_add_resource(t->ep4, 0, 0, 0x10000, &g), -EINVAL);
	assert_int_equal(phyr_p2pdma_add_resource(t->ep4, 0, 0x8000, 0x9000, &g), -EINVAL);
	assert_int_equal(phyr_p2pdma_add_resource(t->ep4, 0, 0x4000, 0x4000, &g), 0);
	phyr_p2p_pgmap_range(g, &start, &size);
	assert_int_equal(start, 0x300004000ull);
	assert_int_equal(size, 0x4000);
	assert_int_equal(phyr_p2p_pgmap_bus_offset(g), 0);
	assert_ptr_equal(phyr_p2p_pgmap_provider(g), t->ep4);
	assert_int_equal(phyr_p2pdma_add_resource(t->ep4, 0, 0x1000, 0x7000, &g), -EEXIST);
	/* the BAR is split around the pagemap */
	assert_int_equal(phyr_machine_lookup(t->m, 0x300003fffull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_BAR);
	assert_int_equal(r.start, 0x300000000ull);
	assert_int_equal(r.size, 0x4000);
	assert_int_equal(phyr_machine_lookup(t->m, 0x300004000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_P2P);
	assert_ptr_equal(r.dev, t->ep4);
	assert_int_equal(phyr_machine_lookup(t->m, 0x300008000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_BAR);
	assert_int_equal(r.size, 0x8000);
	/* the rest of the BAR (size 0) */
	assert_int_equal(phyr_p2pdma_add_resource(t->ep4, 0, 0, 0x8000, &g), 0);
	assert_int_equal(phyr_machine_lookup(t->m, 0x30000f000ull, &r), 0);
	assert_int_equal(r.type, PHYR_MEM_P2P);
	assert_int_equal(r.start, 0x300008000ull);
	destroy(t);
}

static void test_p2pdma_topology_errors(void **state)
{
	struct topo *t = build(false, 0x1234, 0x1234);
	struct phyr_pci_dev_config c = { .host = t->ha, .devfn = PHYR_PCI_DEVFN(1, 0),
					 .type = PHYR_PCI_ENDPOINT };
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev *d;

	(void)state;
	assert_int_equal(phyr_pci_dev_add(t->m, &c, &d), -EEXIST); /* 00:01.0 taken */
	c.host = NULL;
	assert_int_equal(phyr_pci_dev_add(t->m, &c, &d), -EINVAL);
	c.parent = t->ep4; /* not a bridge */
	assert_int_equal(phyr_pci_dev_add(t->m, &c, &d), -EINVAL);
	c.parent = NULL;
	c.host = t->ha;
	c.type = (enum phyr_pci_type)3;
	assert_int_equal(phyr_pci_dev_add(t->m, &c, &d), -EINVAL);
	assert_int_equal(phyr_pci_host_bridge_add(t->m, 0, 0x80, &h), -EEXIST);
	assert_int_equal(phyr_pci_host_bridge_add(t->m, 0, 0x03, &h), -EEXIST); /* bus 3 is a secondary */
	assert_string_equal(phyr_p2pdma_map_type_name(PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE),
			    "THRU_HOST_BRIDGE");
	destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2pdma_bus_numbers_and_names),
		cmocka_unit_test(test_p2pdma_same_function_two_functions_switch_siblings),
		cmocka_unit_test(test_p2pdma_acs_redirect_thru_host_bridge),
		cmocka_unit_test(test_p2pdma_acs_not_allowlisted_not_supported),
		cmocka_unit_test(test_p2pdma_zen_allows_everything_through_host),
		cmocka_unit_test(test_p2pdma_different_root_ports),
		cmocka_unit_test(test_p2pdma_different_host_bridges),
		cmocka_unit_test(test_p2pdma_allowlist_first_device_rule),
		cmocka_unit_test(test_p2pdma_map_type_cached_per_pair),
		cmocka_unit_test(test_p2pdma_distance_many),
		cmocka_unit_test(test_p2pdma_state_machine),
		cmocka_unit_test(test_p2pdma_add_resource_checks),
		cmocka_unit_test(test_p2pdma_topology_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
