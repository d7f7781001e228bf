// SPDX-License-Identifier: MIT
/*
 * Machine model: memory map (RAM, BARs, P2P pagemaps, decrypted ranges)
 * and PCI topology (host bridges, bridges, functions). The P2P decision
 * over this topology lives in p2pdma.c.
 *
 * Topology facts reproduced from Linux: pci_upstream_bridge() is the
 * bridge whose secondary bus holds the device (none on a root bus);
 * pci_name() is "DDDD:BB:SS.F"; the devices of a bus are listed in the
 * order they were enumerated.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "machine.h"

int phyr_machine_create(const struct phyr_machine_config *cfg, const struct phyr_allocator *a,
			struct phyr_machine **out)
{
	struct phyr_machine *m;
	int ret;

	if (!out)
		return -EINVAL;
	if (cfg && cfg->cc_guest && !cfg->mem_encrypt_mask)
		return -EINVAL;
	a = alloc_or_default(a);
	m = alloc_zeroed(a, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->a_copy = *a;
	m->a = &m->a_copy;
	if (cfg)
		m->cfg = *cfg;
	ret = phyr_physmem_create(m->a, &m->pm);
	if (ret) {
		alloc_free(a, m, sizeof(*m));
		return ret;
	}
	if (pthread_mutex_init(&m->lock, NULL)) {
		phyr_physmem_destroy(m->pm);
		alloc_free(a, m, sizeof(*m));
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void phyr_machine_destroy(struct phyr_machine *m)
{
	struct phyr_pci_host_bridge *h, *hn;
	struct phyr_p2p_pgmap *g, *gn;
	struct phyr_pci_dev *d, *dn;
	struct phyr_allocator a;

	if (!m)
		return;
	for (d = m->devs; d; d = dn) {
		dn = d->next;
		if (m->p2pdma)
			m->p2pdma->release(m, d);
		alloc_free(m->a, d, sizeof(*d));
	}
	for (h = m->hosts; h; h = hn) {
		hn = h->next;
		alloc_free(m->a, h, sizeof(*h));
	}
	for (g = m->pgmaps; g; g = gn) {
		gn = g->next;
		alloc_free(m->a, g, sizeof(*g));
	}
	alloc_free(m->a, m->ranges, m->ranges_cap * sizeof(*m->ranges));
	alloc_free(m->a, m->decrypted, m->decrypted_cap * sizeof(*m->decrypted));
	phyr_physmem_destroy(m->pm);
	pthread_mutex_destroy(&m->lock);
	a = m->a_copy;
	alloc_free(&a, m, sizeof(*m));
}

const struct phyr_machine_config *phyr_machine_get_config(const struct phyr_machine *m)
{
	static const struct phyr_machine_config none;

	return m ? &m->cfg : &none;
}

struct phyr_physmem *phyr_machine_physmem(struct phyr_machine *m)
{
	return m ? m->pm : NULL;
}

void phyr_machine_get_stats(const struct phyr_machine *m, struct phyr_machine_stats *out)
{
	struct phyr_machine *mm = (struct phyr_machine *)m;

	if (!out)
		return;
	if (!mm) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&mm->lock);
	*out = mm->st;
	pthread_mutex_unlock(&mm->lock);
}

static bool range_args_ok(uint64_t start, uint64_t size)
{
	return size && !(start & (PHYR_PAGE_SIZE - 1)) && !(size & (PHYR_PAGE_SIZE - 1)) &&
	       start + (size - 1) >= start;
}

/* Last byte, inclusive, so ranges ending at 2^64 work. */
static uint64_t range_last(uint64_t start, uint64_t size)
{
	return start + (size - 1);
}

static int grow_array(const struct phyr_allocator *a, struct mm_range **arr, size_t *cap, size_t n)
{
	struct mm_range *na;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	na = alloc_mem(a, ncap * sizeof(*na));
	if (!na)
		return -ENOMEM;
	if (*cap)
		memcpy(na, *arr, *cap * sizeof(*na));
	alloc_free(a, *arr, *cap * sizeof(**arr));
	*arr = na;
	*cap = ncap;
	return 0;
}

/* Index of the first range whose last byte is >= @phys. */
static size_t ranges_lower_bound(const struct mm_range *r, size_t n, uint64_t phys)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (range_last(r[mid].start, r[mid].size) < phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int machine_insert_range(struct phyr_machine *m, const struct mm_range *r)
{
	size_t i;
	int ret;

	i = ranges_lower_bound(m->ranges, m->nranges, r->start);
	if (i < m->nranges && m->ranges[i].start <= range_last(r->start, r->size))
		return -EEXIST;
	ret = grow_array(m->a, &m->ranges, &m->ranges_cap, m->nranges);
	if (ret)
		return ret;
	memmove(&m->ranges[i + 1], &m->ranges[i], (m->nranges - i) * sizeof(*m->ranges));
	m->ranges[i] = *r;
	m->nranges++;
	return 0;
}

const struct mm_range *machine_find_range(const struct phyr_machine *m, uint64_t phys)
{
	size_t i = ranges_lower_bound(m->ranges, m->nranges, phys);

	if (i < m->nranges && m->ranges[i].start <= phys)
		return &m->ranges[i];
	return NULL;
}

/*
 * A P2P pagemap lies inside its BAR: the lookup prefers the pagemap. BAR
 * ranges hold their pagemaps as separate entries, so the map stays flat:
 * a BAR range is split around its pagemaps (see p2pdma.c).
 */
int phyr_machine_add_ram(struct phyr_machine *m, uint64_t start, uint64_t size)
{
	struct mm_range r = { .start = start, .size = size, .type = PHYR_MEM_RAM };

	if (!m || !range_args_ok(start, size))
		return -EINVAL;
	return machine_insert_range(m, &r);
}

int phyr_machine_set_decrypted(struct phyr_machine *m, uint64_t start, uint64_t size)
{
	uint64_t last;
	size_t i, j;
	int ret;

	if (!m || !range_args_ok(start, size))
		return -EINVAL;
	ret = grow_array(m->a, &m->decrypted, &m->decrypted_cap, m->ndecrypted);
	if (ret)
		return ret;
	last = range_last(start, size);
	/* Merge with every range that overlaps or touches [start, last]. */
	for (i = 0; i < m->ndecrypted;) {
		struct mm_range *d = &m->decrypted[i];
		uint64_t dlast = range_last(d->start, d->size);
		bool touch = !(dlast < start && dlast + 1 != start) &&
			     !(d->start > last && last + 1 != d->start);

		if (touch) {
			if (d->start < start)
				start = d->start;
			if (dlast > last)
				last = dlast;
			memmove(d, d + 1, (m->ndecrypted - i - 1) * sizeof(*d));
			m->ndecrypted--;
		} else {
			i++;
		}
	}
	for (j = 0; j < m->ndecrypted && m->decrypted[j].start < start; j++)
		;
	memmove(&m->decrypted[j + 1], &m->decrypted[j], (m->ndecrypted - j) * sizeof(*m->decrypted));
	m->decrypted[j] = (struct mm_range){ .start = start, .size = last - start + 1 };
	m->ndecrypted++;
	return 0;
}

bool machine_is_decrypted(const struct phyr_machine *m, uint64_t phys, uint64_t len)
{
	size_t i;

	if (!m->cfg.mem_encrypt_mask)
		return true;
	if (!len)
		len = 1;
	for (i = 0; i < m->ndecrypted; i++) {
		const struct mm_range *d = &m->decrypted[i];

		if (d->start <= phys && phys - d->start <= d->size - 1 &&
		    len - 1 <= range_last(d->start, d->size) - phys)
			return true;
	}
	return false;
}

int phyr_machine_lookup(struct phyr_machine *m, uint64_t phys, struct phyr_mem_region *out)
{
	const struct mm_range *r;

	if (!m || !out)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	m->st.nlookups++;
	pthread_mutex_unlock(&m->lock);
	memset(out, 0, sizeof(*out));
	out->decrypted = machine_is_decrypted(m, phys, 1);
	r = machine_find_range(m, phys);
	if (!r)
		return 0;
	out->type = r->type;
	out->start = r->start;
	out->size = r->size;
	out->pgmap = r->pgmap;
	out->dev = r->dev;
	return 0;
}

uint64_t phyr_machine_max_pfn(const struct phyr_machine *m)
{
	size_t i;

	if (!m)
		return 0;
	for (i = m->nranges; i-- > 0;)
		if (m->ranges[i].type == PHYR_MEM_RAM)
			return (range_last(m->ranges[i].start, m->ranges[i].size) >> PHYR_PAGE_SHIFT) + 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* PCI topology                                                        */
/* ------------------------------------------------------------------ */

static bool bus_used(const struct phyr_machine *m, uint16_t domain, unsigned int bus)
{
	const struct phyr_pci_host_bridge *h;
	const struct phyr_pci_dev *d;

	for (h = m->hosts; h; h = h->next)
		if (h->domain == domain && h->root_bus == bus)
			return true;
	for (d = m->devs; d; d = d->next)
		if (d->host->domain == domain && d->secondary == bus &&
		    d->type != PHYR_PCI_ENDPOINT && d->type != PHYR_PCI_HOST_DEVICE)
			return true;
	return false;
}

int phyr_pci_host_bridge_add(struct phyr_machine *m, uint16_t domain, uint8_t root_bus,
			     struct phyr_pci_host_bridge **out)
{
	struct phyr_pci_host_bridge *h, **tail;

	if (!m)
		return -EINVAL;
	if (bus_used(m, domain, root_bus))
		return -EEXIST;
	h = alloc_zeroed(m->a, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->m = m;
	h->domain = domain;
	h->root_bus = root_bus;
	for (tail = &m->hosts; *tail; tail = &(*tail)->next)
		;
	*tail = h;
	if (out)
		*out = h;
	return 0;
}

static bool is_bridge_type(enum phyr_pci_type t)
{
	return t == PHYR_PCI_ROOT_PORT || t == PHYR_PCI_SWITCH_UPSTREAM ||
	       t == PHYR_PCI_SWITCH_DOWNSTREAM || t == PHYR_PCI_BRIDGE;
}

static bool type_valid(enum phyr_pci_type t)
{
	return t == PHYR_PCI_ENDPOINT || t == PHYR_PCI_HOST_DEVICE || is_bridge_type(t);
}

/* Highest bus number below @host (root bus and all secondaries). */
static unsigned int host_max_bus(const struct phyr_machine *m, const struct phyr_pci_host_bridge *host)
{
	const struct phyr_pci_dev *d;
	unsigned int max = host->root_bus;

	for (d = m->devs; d; d = d->next)
		if (d->host == host && is_bridge_type(d->type) && d->secondary > max)
			max = d->secondary;
	return max;
}

int phyr_pci_dev_add(struct phyr_machine *m, const struct phyr_pci_dev_config *cfg,
		     struct phyr_pci_dev **out)
{
	struct phyr_pci_host_bridge *host;
	struct phyr_pci_dev *d, *it;
	unsigned int bus, sec = 0;

	if (!m || !cfg || !type_valid(cfg->type))
		return -EINVAL;
	if (cfg->parent) {
		if (cfg->parent->m != m || !is_bridge_type(cfg->parent->type))
			return -EINVAL;
		host = cfg->parent->host;
		bus = cfg->parent->secondary;
	} else {
		if (!cfg->host || cfg->host->m != m)
			return -EINVAL;
		host = cfg->host;
		bus = host->root_bus;
	}
	for (it = m->devs; it; it = it->next)
		if (it->host->domain == host->domain && it->bus == bus && it->devfn == cfg->devfn)
			return -EEXIST;
	if (is_bridge_type(cfg->type)) {
		for (sec = host_max_bus(m, host) + 1; sec <= 255 && bus_used(m, host->domain, sec); sec++)
			;
		if (sec > 255)
			return -EINVAL;
	}
	d = alloc_zeroed(m->a, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->m = m;
	d->host = host;
	d->parent = cfg->parent;
	d->bus = (uint8_t)bus;
	d->devfn = cfg->devfn;
	d->secondary = (uint8_t)sec;
	d->type = cfg->type;
	d->vendor = cfg->vendor;
	d->device = cfg->device;
	d->has_acs = cfg->has_acs;
	d->acs_ctrl = cfg->has_acs ? cfg->acs_ctrl : 0;
	if (m->devs_tail)
		m->devs_tail->next = d;
	else
		m->devs = d;
	m->devs_tail = d;
	if (!cfg->parent && !host->first_dev)
		host->first_dev = d;
	if (out)
		*out = d;
	return 0;
}

int phyr_pci_dev_set_acs(struct phyr_pci_dev *dev, uint16_t acs_ctrl)
{
	if (!dev || !dev->has_acs)
		return -EINVAL;
	dev->acs_ctrl = acs_ctrl;
	if (dev->m->p2pdma)
		dev->m->p2pdma->flush_caches(dev->m);
	return 0;
}

struct phyr_pci_dev *phyr_pci_upstream_bridge(const struct phyr_pci_dev *dev)
{
	return dev ? dev->parent : NULL;
}

struct phyr_pci_host_bridge *phyr_pci_dev_host_bridge(const struct phyr_pci_dev *dev)
{
	return dev ? dev->host : NULL;
}

uint8_t phyr_pci_dev_bus(const struct phyr_pci_dev *dev)
{
	return dev ? dev->bus : 0;
}

uint8_t phyr_pci_dev_devfn(const struct phyr_pci_dev *dev)
{
	return dev ? dev->devfn : 0;
}

uint16_t phyr_pci_dev_domain(const struct phyr_pci_dev *dev)
{
	return dev ? dev->host->domain : 0;
}

int phyr_pci_dev_secondary_bus(const struct phyr_pci_dev *dev, uint8_t *out)
{
	if (!dev || !out || !is_bridge_type(dev->type))
		return -EINVAL;
	*out = dev->secondary;
	return 0;
}

const char *phyr_pci_dev_name(const struct phyr_pci_dev *dev, char *buf, size_t size)
{
	if (buf && size && !dev)
		buf[0] = '\0';
	else if (buf && size)
		snprintf(buf, size, "%04x:%02x:%02x.%u", dev->host->domain, dev->bus,
			 dev->devfn >> 3, dev->devfn & 7u);
	return buf;
}

int phyr_pci_dev_set_bar(struct phyr_pci_dev *dev, int bar, uint64_t cpu_start, uint64_t len,
			 uint64_t bus_start)
{
	struct mm_range r = { .start = cpu_start, .size = len, .type = PHYR_MEM_BAR, .dev = dev };
	int ret;

	if (!dev || bar < 0 || bar >= PCI_NUM_BARS || !range_args_ok(cpu_start, len) ||
	    (bus_start & (PHYR_PAGE_SIZE - 1)) || bus_start + (len - 1) < bus_start)
		return -EINVAL;
	if (dev->bars[bar].set)
		return -EEXIST;
	ret = machine_insert_range(dev->m, &r);
	if (ret)
		return ret;
	dev->bars[bar] = (struct pci_bar){
		.set = true, .cpu_start = cpu_start, .len = len, .bus_start = bus_start
	};
	return 0;
}
