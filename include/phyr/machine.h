/* SPDX-License-Identifier: MIT */
/*
 * libphyr machine model: simulated physical memory, the physical memory map
 * (RAM, decrypted ranges of a confidential guest, PCI BARs of peer-to-peer
 * providers) and the PCI topology that decides the P2P map type of every
 * provider/client pair.
 *
 * Reproduced exactly from Linux v6.17 (drivers/pci/p2pdma.c):
 *  - calc_map_type_and_dist(): the upstream-bridge walk, its distance
 *    (same function 0, two functions 2, siblings under a switch 4, no common
 *    upstream device: sum of both depths), ACS redirect (RR, CR, EC) anywhere
 *    on the path -> through the host bridge, and the host-bridge allow-list
 *    (first device of the root bus if it is 00.0 or a root port; Intel
 *    0x3c00/0x3c01/0x2f00/0x2f01 only on a shared host bridge; 0x2030-0x2033,
 *    0x2020, 0x09a2 always), bypassed on AMD Zen CPUs;
 *  - the per-provider cache of map types keyed by
 *    (pci domain << 16) | bus << 8 | devfn of the client;
 *  - pci_p2pdma_distance_many() and pci_p2pdma_add_resource() checks.
 *
 * Simulated memory really holds bytes: it is sparse, a 4 KiB page is
 * allocated on the first write, and untouched memory reads as zeros.
 * See docs/machine.md.
 */
#ifndef PHYR_MACHINE_H
#define PHYR_MACHINE_H

/*
 * NULL objects: with a NULL memory, machine, device or pagemap, every
 * function returning int gives -EINVAL; phyr_physmem_is_backed returns false;
 * the getters return 0 or NULL (phyr_machine_get_config: a zeroed
 * configuration, never NULL; phyr_pci_dev_name: @buf holding ""); the P2PDMA
 * queries return PHYR_P2PDMA_MAP_NOT_SUPPORTED; get_stats and pgmap_range
 * zero their outputs; destroy does nothing.
 */

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_physmem;
struct phyr_machine;
struct phyr_pci_host_bridge;
struct phyr_pci_dev;
struct phyr_p2p_pgmap;

/* ------------------------------------------------------------------ */
/* Simulated physical memory                                           */
/* ------------------------------------------------------------------ */

/**
 * struct phyr_physmem_stats - counters of a simulated memory.
 * @npages: pages currently backed by host memory.
 * @nbytes_pages: bytes of page backing held (npages * 4096).
 * @nbytes_table: bytes of the pfn -> page hash table.
 * @npage_allocs: pages allocated on first touch, ever.
 * @npage_frees: pages released (discard, rollback, destroy).
 * @nreads: read and compare calls.
 * @nwrites: write and memset calls.
 * @nbytes_read: bytes read (and compared).
 * @nbytes_written: bytes written (and set).
 * @max_bytes: the memory budget: @nbytes_pages never exceeds it.
 * @nbudget_refusals: calls refused because their pages would pass it.
 */
struct phyr_physmem_stats {
	uint64_t npages;
	uint64_t nbytes_pages;
	uint64_t nbytes_table;
	uint64_t npage_allocs;
	uint64_t npage_frees;
	uint64_t nreads;
	uint64_t nwrites;
	uint64_t nbytes_read;
	uint64_t nbytes_written;
	uint64_t max_bytes;
	uint64_t nbudget_refusals;
};

/*
 * Default memory budget of a simulated memory: the page backing it holds
 * never passes it, so no command or fuzz input can grow the process past
 * it. A call whose pages would pass it fails with -ENOMEM, nothing changed.
 */
#define PHYR_PHYSMEM_DEFAULT_MAX_BYTES (UINT64_C(512) << 20)

/**
 * phyr_physmem_create() - create an empty simulated physical memory.
 * @a: allocator for the table and the pages (NULL = malloc).
 * @out: receives the memory.
 *
 * Every address 0 .. 2^64-1 exists and reads as zero until written.
 * Return: 0, -EINVAL (@out NULL), -ENOMEM.
 */
PHYR_EXPORT int phyr_physmem_create(const struct phyr_allocator *a, struct phyr_physmem **out);

/**
 * phyr_physmem_set_max_bytes() - the memory budget of @pm, rounded down to
 * whole pages (0 = the default). Pages already backed stay; below them,
 * nothing more can be backed. Return: 0, -EINVAL (@pm NULL).
 */
PHYR_EXPORT int phyr_physmem_set_max_bytes(struct phyr_physmem *pm, uint64_t max_bytes);

/** phyr_physmem_destroy() - free @pm and all its pages; NULL does nothing. */
PHYR_EXPORT void phyr_physmem_destroy(struct phyr_physmem *pm);

/**
 * phyr_physmem_read() - copy @len bytes at physical @phys into @buf.
 * Untouched pages read as zeros and are not allocated.
 * Return: 0, -EINVAL (NULL @pm, NULL @buf with @len > 0, range wraps 2^64).
 */
PHYR_EXPORT int phyr_physmem_read(struct phyr_physmem *pm, uint64_t phys, void *buf, size_t len);

/**
 * phyr_physmem_write() - copy @len bytes from @buf to physical @phys.
 * Pages are allocated on first touch. All pages are allocated before any
 * byte is copied, so on -ENOMEM nothing changed (pages allocated by the
 * failed call are released again).
 * Return: 0, -EINVAL (as for read), -ENOMEM.
 */
PHYR_EXPORT int phyr_physmem_write(struct phyr_physmem *pm, uint64_t phys, const void *buf,
				   size_t len);

/**
 * phyr_physmem_memset() - set @len bytes at @phys to @c.
 * Setting untouched pages to zero allocates nothing.
 * Return: 0, -EINVAL, -ENOMEM (nothing changed).
 */
PHYR_EXPORT int phyr_physmem_memset(struct phyr_physmem *pm, uint64_t phys, int c, size_t len);

/**
 * phyr_physmem_copy() - copy @len bytes from physical @src to physical @dst
 * (memmove semantics: the ranges may overlap).
 * Return: 0, -EINVAL, -ENOMEM (nothing changed).
 */
PHYR_EXPORT int phyr_physmem_copy(struct phyr_physmem *pm, uint64_t dst, uint64_t src, size_t len);

/**
 * phyr_physmem_compare() - compare @len bytes at @phys with @buf.
 * @first_diff: receives the offset of the first differing byte, or @len
 *              when all bytes are equal.
 * Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_physmem_compare(struct phyr_physmem *pm, uint64_t phys, const void *buf,
				     size_t len, size_t *first_diff);

/**
 * phyr_physmem_discard() - forget the whole pages inside [@phys, +@len):
 * they read as zeros again and their backing is freed. Partial pages at
 * either end are zeroed in place.
 * Return: 0, -EINVAL.
 */
PHYR_EXPORT int phyr_physmem_discard(struct phyr_physmem *pm, uint64_t phys, size_t len);

/**
 * phyr_physmem_prefault() - allocate the backing of every page of
 * [@phys, +@len) now (contents stay zero), so later writes cannot fail.
 * Return: 0, -EINVAL, -ENOMEM (nothing allocated).
 */
PHYR_EXPORT int phyr_physmem_prefault(struct phyr_physmem *pm, uint64_t phys, size_t len);

/** phyr_physmem_is_backed() - true if the page holding @phys has backing. */
PHYR_EXPORT bool phyr_physmem_is_backed(const struct phyr_physmem *pm, uint64_t phys);

/** phyr_physmem_get_stats() - copy the counters of @pm into @out. */
PHYR_EXPORT void phyr_physmem_get_stats(const struct phyr_physmem *pm,
					struct phyr_physmem_stats *out);

/* ------------------------------------------------------------------ */
/* Machine and memory map                                              */
/* ------------------------------------------------------------------ */

/**
 * struct phyr_machine_config - platform knobs (spec 12b).
 * @cpu_amd_zen: the CPU is an AMD family >= 0x17: any P2P path through a
 *               host bridge is supported (cpu_supports_p2pdma()).
 * @mem_encrypt_mask: memory-encryption marker OR-ed into the DMA address
 *                    of ordinary memory by phys_to_dma (AMD SME/SEV C-bit,
 *                    e.g. 1 << 47); 0 = no memory encryption.
 * @cc_guest: confidential-computing guest: guest memory is private, devices
 *            can only reach decrypted ranges, and dma-direct is forced to
 *            bounce (x86 sets swiotlb force in that case).
 * @swiotlb_force: swiotlb=force on the kernel command line.
 * @zone_dma_bits: width of ZONE_DMA (x86: 24); 0 = no ZONE_DMA. Only
 *                 dma_direct_supported() of masks below 32 bits reads it.
 */
struct phyr_machine_config {
	bool cpu_amd_zen;
	uint64_t mem_encrypt_mask;
	bool cc_guest;
	bool swiotlb_force;
	unsigned int zone_dma_bits;
};

/** What a physical address is backed by in the memory map. */
enum phyr_mem_type {
	PHYR_MEM_NONE = 0, /* hole: nothing answers */
	PHYR_MEM_RAM = 1,  /* system RAM */
	PHYR_MEM_P2P = 2,  /* a page of a PCI P2PDMA provider's BAR (ZONE_DEVICE) */
	PHYR_MEM_BAR = 3,  /* a BAR range not registered for P2PDMA (MMIO) */
};

/**
 * struct phyr_mem_region - answer of phyr_machine_lookup().
 * @type: what backs the address.
 * @start: first byte of the region (RAM range, pgmap range or BAR).
 * @size: region size in bytes.
 * @decrypted: the address lies in a decrypted (shared) range; always true
 *             on a machine without memory encryption.
 * @pgmap: the P2P pagemap when @type is PHYR_MEM_P2P, else NULL.
 * @dev: the PCI device owning the BAR (P2P and BAR types), else NULL.
 */
struct phyr_mem_region {
	enum phyr_mem_type type;
	uint64_t start;
	uint64_t size;
	bool decrypted;
	struct phyr_p2p_pgmap *pgmap;
	struct phyr_pci_dev *dev;
};

/**
 * struct phyr_machine_stats - counters of a machine.
 * @nmap_type_calls: phyr_p2pdma_map_type() calls.
 * @nmap_type_cache_hits: ... answered from the provider's cache.
 * @ncalc_map_type: calc_map_type_and_dist() evaluations (cache misses and
 *                  distance queries).
 * @nlookups: memory-map lookups.
 */
struct phyr_machine_stats {
	uint64_t nmap_type_calls;
	uint64_t nmap_type_cache_hits;
	uint64_t ncalc_map_type;
	uint64_t nlookups;
};

/**
 * phyr_machine_create() - create a machine with an empty memory map, no
 * PCI devices and an empty simulated memory.
 * @cfg: platform knobs (NULL = all defaults: Intel-like, no encryption).
 * @a: allocator for everything the machine holds (NULL = malloc).
 * @out: receives the machine.
 * Return: 0, -EINVAL (@out NULL; @cc_guest without @mem_encrypt_mask), -ENOMEM.
 */
PHYR_EXPORT int phyr_machine_create(const struct phyr_machine_config *cfg,
				    const struct phyr_allocator *a, struct phyr_machine **out);

/** phyr_machine_destroy() - free @m, its PCI devices and memory; NULL does nothing. */
PHYR_EXPORT void phyr_machine_destroy(struct phyr_machine *m);

/** phyr_machine_get_config() - the machine's knobs (never NULL). */
PHYR_EXPORT const struct phyr_machine_config *phyr_machine_get_config(const struct phyr_machine *m);

/** phyr_machine_physmem() - the simulated memory of @m (owned by @m). */
PHYR_EXPORT struct phyr_physmem *phyr_machine_physmem(struct phyr_machine *m);

/**
 * phyr_machine_add_ram() - add a RAM range [@start, +@size).
 * @start and @size must be page aligned, @size > 0, no wrap, and the range
 * must not overlap RAM, a BAR or a P2P range already in the map.
 * Return: 0, -EINVAL, -EEXIST (overlap), -ENOMEM.
 */
PHYR_EXPORT int phyr_machine_add_ram(struct phyr_machine *m, uint64_t start, uint64_t size);

/**
 * phyr_machine_set_decrypted() - mark [@start, +@size) as decrypted (shared
 * with devices) on a machine with memory encryption, like
 * set_memory_decrypted() does for the swiotlb pool. Devices reach such
 * pages with addresses that do not carry the encryption marker; other RAM
 * needs the marker (SME host) or is out of reach (confidential guest).
 * Ranges may touch or overlap earlier ones.
 * Return: 0, -EINVAL (not page aligned, empty, wraps), -ENOMEM.
 */
PHYR_EXPORT int phyr_machine_set_decrypted(struct phyr_machine *m, uint64_t start, uint64_t size);

/**
 * phyr_machine_lookup() - what backs physical address @phys.
 * @out: filled in; type PHYR_MEM_NONE for a hole.
 * Return: 0, -EINVAL (NULL argument).
 */
PHYR_EXPORT int phyr_machine_lookup(struct phyr_machine *m, uint64_t phys,
				    struct phyr_mem_region *out);

/**
 * phyr_machine_max_pfn() - one past the last RAM pfn (Linux's max_pfn),
 * 0 without RAM.
 */
PHYR_EXPORT uint64_t phyr_machine_max_pfn(const struct phyr_machine *m);

/** phyr_machine_get_stats() - copy the counters of @m into @out. */
PHYR_EXPORT void phyr_machine_get_stats(const struct phyr_machine *m, struct phyr_machine_stats *out);

/* ------------------------------------------------------------------ */
/* PCI topology                                                        */
/* ------------------------------------------------------------------ */

/** PCIe port types (pci_pcie_type()). */
enum phyr_pci_type {
	PHYR_PCI_ENDPOINT = 0,
	PHYR_PCI_ROOT_PORT = 4,
	PHYR_PCI_SWITCH_UPSTREAM = 5,
	PHYR_PCI_SWITCH_DOWNSTREAM = 6,
	PHYR_PCI_BRIDGE = 7,       /* PCIe-to-PCI bridge */
	PHYR_PCI_HOST_DEVICE = 16, /* root-bus device that is not a port, e.g. the 00.0 host bridge function */
};

/** ACS control bits (PCI_ACS_CTRL); RR, CR and EC redirect peer traffic upstream. */
#define PHYR_PCI_ACS_SV 0x0001u
#define PHYR_PCI_ACS_TB 0x0002u
#define PHYR_PCI_ACS_RR 0x0004u
#define PHYR_PCI_ACS_CR 0x0008u
#define PHYR_PCI_ACS_UF 0x0010u
#define PHYR_PCI_ACS_EC 0x0020u
#define PHYR_PCI_ACS_DT 0x0040u

#define PHYR_PCI_VENDOR_INTEL 0x8086u
#define PHYR_PCI_VENDOR_AMD 0x1022u

/** PCI_DEVFN(slot, func). */
#define PHYR_PCI_DEVFN(slot, func) ((uint8_t)((((slot) & 0x1f) << 3) | ((func) & 0x07)))

/**
 * phyr_pci_host_bridge_add() - add a host bridge (PCI root complex) with
 * root bus @root_bus in PCI segment @domain.
 * Return: 0, -EINVAL, -EEXIST (same domain and bus), -ENOMEM.
 */
PHYR_EXPORT int phyr_pci_host_bridge_add(struct phyr_machine *m, uint16_t domain, uint8_t root_bus,
					 struct phyr_pci_host_bridge **out);

/**
 * struct phyr_pci_dev_config - one PCI function.
 * @host: host bridge whose root bus holds the function (when @parent is NULL).
 * @parent: the bridge (root port, switch port, PCI bridge) whose secondary
 *          bus holds the function; NULL = on @host's root bus.
 * @devfn: PHYR_PCI_DEVFN(slot, function) on that bus.
 * @type: port type; bridges get a secondary bus numbered in order of creation.
 * @vendor, @device: IDs (the host-bridge allow-list reads them).
 * @has_acs: the function has an ACS capability.
 * @acs_ctrl: its ACS control word (PHYR_PCI_ACS_*), ignored without @has_acs.
 */
struct phyr_pci_dev_config {
	struct phyr_pci_host_bridge *host;
	struct phyr_pci_dev *parent;
	uint8_t devfn;
	enum phyr_pci_type type;
	uint16_t vendor;
	uint16_t device;
	bool has_acs;
	uint16_t acs_ctrl;
};

/**
 * phyr_pci_dev_add() - add a PCI function to the topology.
 * The first function added to a root bus is what the allow-list examines.
 * Return: 0, -EINVAL (no host nor parent, parent not a bridge, bad type,
 *         bus numbers exhausted), -EEXIST (devfn taken on that bus), -ENOMEM.
 */
PHYR_EXPORT int phyr_pci_dev_add(struct phyr_machine *m, const struct phyr_pci_dev_config *cfg,
				 struct phyr_pci_dev **out);

/**
 * phyr_pci_dev_set_acs() - change the ACS control word of @dev. All cached
 * P2P map types of the machine are forgotten (Linux keeps them; it only
 * sets ACS at enumeration).
 * Return: 0, -EINVAL (NULL or no ACS capability).
 */
PHYR_EXPORT int phyr_pci_dev_set_acs(struct phyr_pci_dev *dev, uint16_t acs_ctrl);

/** phyr_pci_upstream_bridge() - the bridge above @dev, NULL on a root bus. */
PHYR_EXPORT struct phyr_pci_dev *phyr_pci_upstream_bridge(const struct phyr_pci_dev *dev);

/** phyr_pci_dev_host_bridge() - the host bridge @dev sits under. */
PHYR_EXPORT struct phyr_pci_host_bridge *phyr_pci_dev_host_bridge(const struct phyr_pci_dev *dev);

/** phyr_pci_dev_bus() - bus number of @dev; phyr_pci_dev_devfn(): its devfn; phyr_pci_dev_domain(): its segment. */
PHYR_EXPORT uint8_t phyr_pci_dev_bus(const struct phyr_pci_dev *dev);
PHYR_EXPORT uint8_t phyr_pci_dev_devfn(const struct phyr_pci_dev *dev);
PHYR_EXPORT uint16_t phyr_pci_dev_domain(const struct phyr_pci_dev *dev);

/** phyr_pci_dev_secondary_bus() - secondary bus number of bridge @dev (-EINVAL if not a bridge). */
PHYR_EXPORT int phyr_pci_dev_secondary_bus(const struct phyr_pci_dev *dev, uint8_t *out);

/**
 * phyr_pci_dev_name() - pci_name(): "DDDD:BB:SS.F" into @buf (at least 13 bytes).
 * Return: @buf.
 */
PHYR_EXPORT const char *phyr_pci_dev_name(const struct phyr_pci_dev *dev, char *buf, size_t size);

/**
 * phyr_pci_dev_set_bar() - describe memory BAR @bar (0..5) of @dev.
 * @cpu_start: CPU physical address of the BAR (pci_resource_start).
 * @len: its length (> 0, page aligned, as @cpu_start).
 * @bus_start: address of the BAR on the PCI bus (pci_bus_address); the
 *             bus offset of P2P memory is @bus_start - @cpu_start.
 * The CPU range enters the memory map as PHYR_MEM_BAR.
 * Return: 0, -EINVAL, -EEXIST (BAR already set, or overlaps RAM or another BAR), -ENOMEM.
 */
PHYR_EXPORT int phyr_pci_dev_set_bar(struct phyr_pci_dev *dev, int bar, uint64_t cpu_start,
				     uint64_t len, uint64_t bus_start);

/* ------------------------------------------------------------------ */
/* PCI P2PDMA                                                          */
/* ------------------------------------------------------------------ */

/** P2P map types (enum pci_p2pdma_map_type), Linux's values. */
enum phyr_p2pdma_map_type {
	PHYR_P2PDMA_MAP_UNKNOWN = 0,
	PHYR_P2PDMA_MAP_NONE = 1,
	PHYR_P2PDMA_MAP_NOT_SUPPORTED = 2,
	PHYR_P2PDMA_MAP_BUS_ADDR = 3,
	PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE = 4,
};

/** phyr_p2pdma_map_type_name() - "NONE", "BUS_ADDR", ... ("?" if out of range). */
PHYR_EXPORT const char *phyr_p2pdma_map_type_name(enum phyr_p2pdma_map_type t);

/**
 * phyr_p2pdma_add_resource() - pci_p2pdma_add_resource(): publish
 * [BAR start + @offset, +@size) of BAR @bar of @provider as P2P memory.
 * @size: 0 = the rest of the BAR.
 * @out: receives the pagemap (owned by the machine); may be NULL.
 * Return: 0, -EINVAL (BAR not set, @offset >= BAR length, @offset + @size
 *         beyond the BAR, not page aligned), -EEXIST (overlaps a pagemap),
 *         -ENOMEM.
 */
PHYR_EXPORT int phyr_p2pdma_add_resource(struct phyr_pci_dev *provider, int bar, uint64_t size,
					 uint64_t offset, struct phyr_p2p_pgmap **out);

/** phyr_p2p_pgmap_provider() - the PCI device whose BAR backs @pgmap. */
PHYR_EXPORT struct phyr_pci_dev *phyr_p2p_pgmap_provider(const struct phyr_p2p_pgmap *pgmap);

/** phyr_p2p_pgmap_bus_offset() - bus address minus CPU address of @pgmap's pages. */
PHYR_EXPORT uint64_t phyr_p2p_pgmap_bus_offset(const struct phyr_p2p_pgmap *pgmap);

/** phyr_p2p_pgmap_range() - CPU physical range of @pgmap into @start / @size (either may be NULL). */
PHYR_EXPORT void phyr_p2p_pgmap_range(const struct phyr_p2p_pgmap *pgmap, uint64_t *start,
				      uint64_t *size);

/**
 * phyr_p2pdma_map_type() - pci_p2pdma_map_type(): how @client reaches the
 * P2P memory of @provider. NOT_SUPPORTED when @provider has no P2P memory
 * or @client is NULL (not a PCI device). Otherwise the provider's cache
 * answers, or calc_map_type_and_dist() is evaluated and stored.
 * Never returns UNKNOWN or NONE.
 */
PHYR_EXPORT enum phyr_p2pdma_map_type phyr_p2pdma_map_type(struct phyr_pci_dev *provider,
							   struct phyr_pci_dev *client);

/**
 * phyr_p2pdma_calc() - calc_map_type_and_dist() itself: the map type and
 * distance of @provider -> @client, computed (never read from the cache)
 * and stored in the provider's cache when the provider has P2P memory.
 * @dist: receives the distance (may be NULL).
 * Return: the map type; NOT_SUPPORTED for NULL arguments.
 */
PHYR_EXPORT enum phyr_p2pdma_map_type phyr_p2pdma_calc(struct phyr_pci_dev *provider,
						       struct phyr_pci_dev *client, int *dist);

/**
 * phyr_p2pdma_distance_many() - pci_p2pdma_distance_many(): sum of the
 * distances of @provider to each of @clients[0..@n).
 * @out_dist: receives the sum on success.
 * Return: 0; -EINVAL for no clients (Linux: -1); -EREMOTEIO if a client
 *         is NULL (not PCI) or any pair is NOT_SUPPORTED (Linux: -1).
 */
PHYR_EXPORT int phyr_p2pdma_distance_many(struct phyr_pci_dev *provider,
					  struct phyr_pci_dev *const *clients, int n, int *out_dist);

/**
 * phyr_p2pdma_distance() - pci_p2pdma_distance() for one client.
 * Return: as phyr_p2pdma_distance_many().
 */
PHYR_EXPORT int phyr_p2pdma_distance(struct phyr_pci_dev *provider, struct phyr_pci_dev *client,
				     int *out_dist);

/**
 * struct phyr_p2pdma_map_state - pci_p2pdma_map_state: the state a mapper
 * carries along a list so consecutive pages of one pagemap reuse the answer.
 * Zero-initialise before the first page.
 */
struct phyr_p2pdma_map_state {
	struct phyr_p2p_pgmap *pgmap;
	enum phyr_p2pdma_map_type map;
	uint64_t bus_off;
	bool has_none;       /* a memory range found not P2P is cached: */
	uint64_t none_start; /* [none_start, none_last] (start the state zeroed) */
	uint64_t none_last;
};

/**
 * phyr_p2pdma_state() - pci_p2pdma_state(): map type of the page holding
 * @phys for @client. NONE for memory that is not P2P; for a P2P page of a
 * new pagemap the map type is looked up (cached per pair) and @state is
 * updated; for the same pagemap as before @state's answer is returned.
 */
PHYR_EXPORT enum phyr_p2pdma_map_type phyr_p2pdma_state(struct phyr_p2pdma_map_state *state,
							struct phyr_machine *m,
							struct phyr_pci_dev *client, uint64_t phys);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_MACHINE_H */
