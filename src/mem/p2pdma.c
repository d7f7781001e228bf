// SPDX-License-Identifier: MIT
/*
 * PCI P2PDMA: provider registration and the map-type decision, as Linux
 * v6.17 drivers/pci/p2pdma.c does it (spec 10). Facts reproduced:
 *  - the walk of calc_map_type_and_dist(): for the provider and each of
 *    its upstream bridges `a` (dist_a hops up), the client and its bridges
 *    are searched for `a` (dist_b hops up); ACS redirect (RR|CR|EC in the
 *    ACS control word) is counted on every `a` visited and, once the
 *    common device is found, on the client's path below it;
 *  - no common device: distance = full depth of both paths, map type
 *    through the host bridge; common device without ACS redirects:
 *    BUS_ADDR; with redirects: through the host bridge;
 *  - through the host bridge is NOT_SUPPORTED unless the CPU is AMD Zen
 *    or the host-bridge allow-list accepts the pair;
 *  - the result is stored in the provider's cache whenever it is computed
 *    (also by distance queries), and pci_p2pdma_map_type() reads the cache
 *    first; a failed cache insertion only loses the caching, as the
 *    kernel's GFP_ATOMIC xa_store does.
 */
#include <string.h>

#include "alloc.h"
#include "machine.h"
#include "p2pdma.h"

static const struct {
	uint16_t device;
	bool same_host_bridge;
} intel_allowlist[] = {
	{ 0x3c00, true },  { 0x3c01, true },  { 0x2f00, true }, { 0x2f01, true },
	{ 0x2030, false }, { 0x2031, false }, { 0x2032, false }, { 0x2033, false },
	{ 0x2020, false }, { 0x09a2, false },
};

const char *phyr_p2pdma_map_type_name(enum phyr_p2pdma_map_type t)
{
	switch (t) {
	case PHYR_P2PDMA_MAP_UNKNOWN:
		return "UNKNOWN";
	case PHYR_P2PDMA_MAP_NONE:
		return "NONE";
	case PHYR_P2PDMA_MAP_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	case PHYR_P2PDMA_MAP_BUS_ADDR:
		return "BUS_ADDR";
	case PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE:
		return "THRU_HOST_BRIDGE";
	}
	return "?";
}

/* pci_p2pdma_release() */
static void pci_p2pdma_release(struct phyr_machine *m, struct phyr_pci_dev *dev)
{
	if (!dev->p2pdma)
		return;
	alloc_free(m->a, dev->p2pdma->cache, dev->p2pdma->cache_cap * sizeof(*dev->p2pdma->cache));
	alloc_free(m->a, dev->p2pdma, sizeof(*dev->p2pdma));
	dev->p2pdma = NULL;
}

static void p2pdma_flush_all_caches(struct phyr_machine *m)
{
	struct phyr_pci_dev *d;

	pthread_mutex_lock(&m->lock);
	for (d = m->devs; d; d = d->next) {
		if (d->p2pdma && d->p2pdma->cache) {
			memset(d->p2pdma->cache, 0, d->p2pdma->cache_cap * sizeof(*d->p2pdma->cache));
			d->p2pdma->cache_used = 0;
		}
	}
	pthread_mutex_unlock(&m->lock);
}

static const struct machine_p2pdma_ops p2pdma_machine_ops = {
	.release = pci_p2pdma_release,
	.flush_caches = p2pdma_flush_all_caches,
};

/* map_types_idx(): (pci_domain_nr << 16) | pci_dev_id. */
static uint32_t map_types_idx(const struct phyr_pci_dev *client)
{
	return ((uint32_t)client->host->domain << 16) | ((uint32_t)client->bus << 8) | client->devfn;
}

static size_t cache_home(uint32_t key, size_t cap)
{
	return (size_t)((key * 2654435761u) >> 8) & (cap - 1);
}

static enum phyr_p2pdma_map_type cache_load(const struct pci_p2pdma *p, uint32_t key)
{
	size_t i;

	if (!p->cache_used)
		return PHYR_P2PDMA_MAP_UNKNOWN;
	for (i = cache_home(key, p->cache_cap); p->cache[i].map; i = (i + 1) & (p->cache_cap - 1))
		if (p->cache[i].key == key)
			return (enum phyr_p2pdma_map_type)p->cache[i].map;
	return PHYR_P2PDMA_MAP_UNKNOWN;
}

static void cache_put(struct p2p_cache_slot *slots, size_t cap, uint32_t key, uint8_t map)
{
	size_t i;

	for (i = cache_home(key, cap); slots[i].map && slots[i].key != key; i = (i + 1) & (cap - 1))
		;
	slots[i].key = key;
	slots[i].map = map;
}

/* Store @map for @key; on allocation failure the value is simply not cached. */
static void cache_store(struct phyr_machine *m, struct pci_p2pdma *p, uint32_t key,
			enum phyr_p2pdma_map_type map)
{
	struct p2p_cache_slot *ns;
	size_t ncap, i;

	if (cache_load(p, key) != PHYR_P2PDMA_MAP_UNKNOWN) {
		cache_put(p->cache, p->cache_cap, key, (uint8_t)map);
		return;
	}
	if ((p->cache_used + 1) * 2 > p->cache_cap) {
		ncap = p->cache_cap ? p->cache_cap * 2 : 16;
		ns = alloc_zeroed(m->a, ncap * sizeof(*ns));
		if (!ns)
			return;
		for (i = 0; i < p->cache_cap; i++)
			if (p->cache[i].map)
				cache_put(ns, ncap, p->cache[i].key, p->cache[i].map);
		alloc_free(m->a, p->cache, p->cache_cap * sizeof(*p->cache));
		p->cache = ns;
		p->cache_cap = ncap;
	}
	cache_put(p->cache, p->cache_cap, key, (uint8_t)map);
	p->cache_used++;
}

static bool has_acs_redir(const struct phyr_pci_dev *d)
{
	return d->has_acs &&
	       (d->acs_ctrl & (PHYR_PCI_ACS_RR | PHYR_PCI_ACS_CR | PHYR_PCI_ACS_EC));
}

/* pci_host_bridge_dev(): first device of the root bus if it is 00.0 or a root port. */
static const struct phyr_pci_dev *host_bridge_dev(const struct phyr_pci_host_bridge *h)
{
	const struct phyr_pci_dev *root = h->first_dev;

	if (!root)
		return NULL;
	if (root->devfn == PHYR_PCI_DEVFN(0, 0) || root->type == PHYR_PCI_ROOT_PORT)
		return root;
	return NULL;
}

static bool host_allowed(const struct phyr_pci_host_bridge *h, bool same_host_bridge)
{
	const struct phyr_pci_dev *root = host_bridge_dev(h);
	size_t i;

	if (!root || root->vendor != PHYR_PCI_VENDOR_INTEL)
		return false;
	for (i = 0; i < sizeof(intel_allowlist) / sizeof(intel_allowlist[0]); i++) {
		if (intel_allowlist[i].device != root->device)
			continue;
		return !intel_allowlist[i].same_host_bridge || same_host_bridge;
	}
	return false;
}

static bool host_bridge_allowlist(const struct phyr_pci_dev *a, const struct phyr_pci_dev *b)
{
	if (a->host == b->host)
		return host_allowed(a->host, true);
	return host_allowed(a->host, false) && host_allowed(b->host, false);
}

/* Called with the machine's lock held (it updates the cache and counters). */
static enum phyr_p2pdma_map_type calc_map_type_and_dist(struct phyr_pci_dev *provider,
							struct phyr_pci_dev *client, int *dist)
{
	enum phyr_p2pdma_map_type map = PHYR_P2PDMA_MAP_THRU_HOST_BRIDGE;
	const struct phyr_pci_dev *a, *bb;
	int acs_cnt = 0, dist_a = 0, dist_b = 0;

	provider->m->st.ncalc_map_type++;
	for (a = provider; a; a = a->parent, dist_a++) {
		dist_b = 0;
		if (has_acs_redir(a))
			acs_cnt++;
		for (bb = client; bb; bb = bb->parent, dist_b++)
			if (bb == a)
				goto common;
	}
	/* No common upstream device: the path crosses the host bridge(s). */
	*dist = dist_a + dist_b;
	goto through_host_bridge;

common:
	for (bb = client; bb != a; bb = bb->parent)
		if (has_acs_redir(bb))
			acs_cnt++;
	*dist = dist_a + dist_b;
	if (!acs_cnt) {
		map = PHYR_P2PDMA_MAP_BUS_ADDR;
		goto done;
	}

through_host_bridge:
	if (!provider->m->cfg.cpu_amd_zen && !host_bridge_allowlist(provider, client))
		map = PHYR_P2PDMA_MAP_NOT_SUPPORTED;
done:
	if (provider->p2pdma)
		cache_store(provider->m, provider->p2pdma, map_types_idx(client), map);
	return map;
}

enum phyr_p2pdma_map_type phyr_p2pdma_calc(struct phyr_pci_dev *provider,
					   struct phyr_pci_dev *client, int *dist)
{
	int d = -1;
	enum phyr_p2pdma_map_type t;

	if (!provider || !client || provider->m != client->m) {
		if (dist)
			*dist = -1;
		return PHYR_P2PDMA_MAP_NOT_SUPPORTED;
	}
	pthread_mutex_lock(&provider->m->lock);
	t = calc_map_type_and_dist(provider, client, &d);
	pthread_mutex_unlock(&provider->m->lock);
	if (dist)
		*dist = d;
	return t;
}

enum phyr_p2pdma_map_type phyr_p2pdma_map_type(struct phyr_pci_dev *provider,
					       struct phyr_pci_dev *client)
{
	enum phyr_p2pdma_map_type t;
	int dist;

	if (!provider || !provider->p2pdma)
		return PHYR_P2PDMA_MAP_NOT_SUPPORTED;
	pthread_mutex_lock(&provider->m->lock);
	provider->m->st.nmap_type_calls++;
	if (!client || client->m != provider->m) {
		t = PHYR_P2PDMA_MAP_NOT_SUPPORTED;
		goto out_unlock;
	}
	t = cache_load(provider->p2pdma, map_types_idx(client));
	if (t != PHYR_P2PDMA_MAP_UNKNOWN)
		provider->m->st.nmap_type_cache_hits++;
	else
		t = calc_map_type_and_dist(provider, client, &dist);
out_unlock:
	pthread_mutex_unlock(&provider->m->lock);
	return t;
}

int phyr_p2pdma_distance_many(struct phyr_pci_dev *provider, struct phyr_pci_dev *const *clients,
			      int n, int *out_dist)
{
	int i, dist, total = 0, ret = 0;

	if (!provider || n <= 0 || !clients)
		return -EINVAL;
	pthread_mutex_lock(&provider->m->lock);
	for (i = 0; i < n; i++) {
		if (!clients[i] || clients[i]->m != provider->m ||
		    calc_map_type_and_dist(provider, clients[i], &dist) ==
			    PHYR_P2PDMA_MAP_NOT_SUPPORTED) {
			ret = -EREMOTEIO;
			break;
		}
		total += dist;
	}
	pthread_mutex_unlock(&provider->m->lock);
	if (!ret && out_dist)
		*out_dist = total;
	return ret;
}

int phyr_p2pdma_distance(struct phyr_pci_dev *provider, struct phyr_pci_dev *client, int *out_dist)
{
	return phyr_p2pdma_distance_many(provider, &client, 1, out_dist);
}

/*
 * Split the BAR range that holds [start, +size) into BAR / P2P / BAR
 * pieces. The caller checked that one BAR range of @dev holds it whole.
 */
static int map_insert_pgmap(struct phyr_machine *m, struct mm_range *bar_r,
			    struct phyr_p2p_pgmap *g)
{
	size_t i = (size_t)(bar_r - m->ranges), extra = 0, k;
	struct mm_range old = *bar_r, pieces[3];
	uint64_t end = g->start + g->size; /* may be 0 at the top of the space */
	uint64_t old_end = old.start + old.size;
	int n = 0;

	if (old.start < g->start)
		pieces[n++] = (struct mm_range){ .start = old.start, .size = g->start - old.start,
						 .type = PHYR_MEM_BAR, .dev = old.dev };
	pieces[n++] = (struct mm_range){ .start = g->start, .size = g->size, .type = PHYR_MEM_P2P,
					 .dev = old.dev, .pgmap = g };
	if (end != old_end)
		pieces[n++] = (struct mm_range){ .start = end, .size = old_end - end,
						 .type = PHYR_MEM_BAR, .dev = old.dev };
	extra = (size_t)n - 1;
	while (m->nranges + extra > m->ranges_cap) {
		size_t ncap = m->ranges_cap * 2;
		struct mm_range *na = alloc_mem(m->a, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		memcpy(na, m->ranges, m->nranges * sizeof(*na));
		alloc_free(m->a, m->ranges, m->ranges_cap * sizeof(*na));
		m->ranges = na;
		m->ranges_cap = ncap;
	}
	memmove(&m->ranges[i + 1 + extra], &m->ranges[i + 1],
		(m->nranges - i - 1) * sizeof(*m->ranges));
	for (k = 0; k < (size_t)n; k++)
		m->ranges[i + k] = pieces[k];
	m->nranges += extra;
	/* the span of every P2P pagemap, for is_pci_p2pdma_page() in O(1) */
	if (!m->has_p2p || g->start < m->p2p_lo)
		m->p2p_lo = g->start;
	if (!m->has_p2p || g->start + (g->size - 1) > m->p2p_hi)
		m->p2p_hi = g->start + (g->size - 1);
	m->has_p2p = true;
	return 0;
}

int phyr_p2pdma_add_resource(struct phyr_pci_dev *provider, int bar, uint64_t size,
			     uint64_t offset, struct phyr_p2p_pgmap **out)
{
	struct phyr_machine *m;
	struct phyr_p2p_pgmap *g;
	const struct pci_bar *b;
	struct mm_range *r;
	bool new_state = false;
	int ret;

	if (!provider || bar < 0 || bar >= PCI_NUM_BARS || !provider->bars[bar].set)
		return -EINVAL;
	m = provider->m;
	b = &provider->bars[bar];
	if (offset >= b->len)
		return -EINVAL;
	if (!size)
		size = b->len - offset;
	if (size > b->len - offset || (offset & (PHYR_PAGE_SIZE - 1)) ||
	    (size & (PHYR_PAGE_SIZE - 1)))
		return -EINVAL;
	r = (struct mm_range *)machine_find_range(m, b->cpu_start + offset);
	if (!r || r->type != PHYR_MEM_BAR || r->dev != provider ||
	    (r->start + (r->size - 1)) - (b->cpu_start + offset) < size - 1)
		return -EEXIST;
	if (!provider->p2pdma) {
		provider->p2pdma = alloc_zeroed(m->a, sizeof(*provider->p2pdma));
		if (!provider->p2pdma)
			return -ENOMEM;
		new_state = true;
		m->p2pdma = &p2pdma_machine_ops;
	}
	g = alloc_zeroed(m->a, sizeof(*g));
	if (!g)
		goto err_free_state;
	g->provider = provider;
	g->start = b->cpu_start + offset;
	g->size = size;
	g->bus_offset = b->bus_start - b->cpu_start;
	ret = map_insert_pgmap(m, r, g);
	if (ret) {
		alloc_free(m->a, g, sizeof(*g));
		goto err_free_state;
	}
	g->next = m->pgmaps;
	m->pgmaps = g;
	if (out)
		*out = g;
	return 0;

err_free_state:
	if (new_state)
		pci_p2pdma_release(m, provider);
	return -ENOMEM;
}

struct phyr_pci_dev *phyr_p2p_pgmap_provider(const struct phyr_p2p_pgmap *pgmap)
{
	return pgmap ? pgmap->provider : NULL;
}

uint64_t phyr_p2p_pgmap_bus_offset(const struct phyr_p2p_pgmap *pgmap)
{
	return pgmap ? pgmap->bus_offset : 0;
}

void phyr_p2p_pgmap_range(const struct phyr_p2p_pgmap *pgmap, uint64_t *start, uint64_t *size)
{
	if (start)
		*start = pgmap ? pgmap->start : 0;
	if (size)
		*size = pgmap ? pgmap->size : 0;
}

enum phyr_p2pdma_map_type phyr_p2pdma_state(struct phyr_p2pdma_map_state *state,
					    struct phyr_machine *m, struct phyr_pci_dev *client,
					    uint64_t phys)
{
	const struct mm_range *r;

	if (!state || !m)
		return PHYR_P2PDMA_MAP_NOT_SUPPORTED;
	/* is_pci_p2pdma_page(): outside every pagemap, or in the non-P2P
	 * range looked up last */
	if (!m->has_p2p || phys < m->p2p_lo || phys > m->p2p_hi)
		return PHYR_P2PDMA_MAP_NONE;
	if (state->has_none && phys >= state->none_start && phys <= state->none_last)
		return PHYR_P2PDMA_MAP_NONE;
	r = machine_find_range(m, phys);
	if (!r)
		return PHYR_P2PDMA_MAP_NONE;
	if (r->type != PHYR_MEM_P2P) {
		state->has_none = true;
		state->none_start = r->start;
		state->none_last = r->start + (r->size - 1);
		return PHYR_P2PDMA_MAP_NONE;
	}
	if (state->pgmap != r->pgmap) {
		state->pgmap = r->pgmap;
		state->map = phyr_p2pdma_map_type(r->pgmap->provider, client);
		state->bus_off = r->pgmap->bus_offset;
	}
	return state->map;
}
