// SPDX-License-Identifier: MIT
/*
 * phyr-sim map, the engine: a fresh simulated machine per (workload, API),
 * the device behind a DMA IOMMU domain, and the mapping APIs driven the
 * same way by every workload (map a list into a slot, unmap a slot, change
 * one page of a mapped list). After each map the device's DMA engine
 * touches every DMA segment (first and last 256 bytes), so translations,
 * IOTLB fills and faults are real. Uses only the public libphyr API.
 *
 * Machine: machines/map.machine (map-untrusted.machine for the untrusted
 * workload), embedded in phyr-sim at build time: RAM [0, 2 GiB) and
 * [4 GiB, 12 GiB); host bridge 0000 (00.0 Intel 0x2030, on the P2P
 * allow-list); root port 00:01.0 -> the device 01:00.0 and a P2P provider
 * 01:01.0 (same bus: BUS_ADDR, BAR 64 MiB at CPU 0x3_0000_0000, bus
 * 0xc000_0000); root port 00:02.0 -> a provider 02:00.0 (THRU_HOST_BRIDGE,
 * BAR 64 MiB at 0x3_1000_0000); swiotlb pool 64 MiB at 0x7000_0000 (4
 * areas). IOMMU: strict DMA domain, ARM LPAE 4K, 48 bits, the P2P bus
 * window reserved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phyr/builder.h>
#include <phyr/dma-mapping.h>
#include <phyr/device.h>
#include <phyr/iommu.h>
#include <phyr/iova.h>
#include <phyr/machine.h>
#include <phyr/scatterlist.h>
#include <phyr/swiotlb.h>

#include <phyr/dma-iommu.h>
#include <phyr/dma-mapping.h>

#include "map-engine.h"
#include "map.h"
#include "shipped-machines.h"

const char *const map_api_names[MAP_NAPIS] = { "map_sg", "map_phyr", "two_step" };

#define TOUCH 256u

struct slot {
	bool used;
	int n;
	enum phyr_dma_data_direction dir;
	struct map_ent ents[MAP_MAX_ENTS];
	/* map_sg */
	struct phyr_sg_table *t;
	int count;
	/* two-step */
	struct phyr_dma_iova_state st;
	uint64_t linked; /* bytes linked at st.addr */
	uint64_t off[MAP_MAX_ENTS]; /* IOVA offset of each linked entry, UINT64_MAX = bus */
	/* map_phyr: the CPU list must stay until the unmap */
	struct phyr runs[MAP_MAX_ENTS];
	struct phyr_dma_phyr_map *pm;
};

struct map_engine {
	enum map_api api;
	struct phyr_system *sys; /* owns everything below */
	struct phyr_machine *m;
	struct phyr_pci_dev *client;
	struct phyr_swiotlb *tlb;
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *d;
	struct slot slots[MAP_MAX_SLOTS];
	struct map_result *res;
	uint8_t buf[TOUCH];
};

/*
 * The machine of machines/map.machine (map-untrusted.machine for an
 * untrusted workload), embedded at build time; the workload's driver then
 * sets its segment size and alignment as a probe routine would.
 */
static const char *user_machine, *user_machine_name;

void map_set_machine(const char *text, const char *name)
{
	user_machine = text;
	user_machine_name = name;
}

static int setup(struct map_engine *e, const struct map_workload *w,
		 const struct phyr_system_opts *opts)
{
	const char *file = w->untrusted ? "map-untrusted.machine" : "map.machine";
	const char *text = shipped_machine(file);
	char err[256] = "";
	int ret;

	if (user_machine) {
		text = user_machine;
		file = user_machine_name;
	}
	ret = phyr_system_build_string_opts(text, file, opts, NULL, &e->sys, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "phyr-sim map: %s\n", err);
		return ret;
	}
	e->m = phyr_system_machine(e->sys);
	e->client = phyr_system_pci_dev(e->sys, "nic");
	e->tlb = phyr_system_swiotlb(e->sys);
	e->dev = phyr_system_device(e->sys, "nic");
	e->d = phyr_iommu_dma_get_cookie(e->dev);
	if (!e->client || !e->tlb || !e->dev || !e->d) {
		fprintf(stderr, "phyr-sim map: %s: the workloads need an endpoint 'nic' with a device "
			"in an IOMMU DMA group and a swiotlb pool (see machines/map.machine)\n", file);
		return -EINVAL;
	}
	if (w->max_seg && (ret = phyr_dma_set_max_seg_size(e->dev, w->max_seg)))
		return ret;
	if (w->min_align != phyr_dma_get_min_align_mask(e->dev))
		ret = phyr_dma_set_min_align_mask(e->dev, w->min_align);
	return ret;
}

static void teardown(struct map_engine *e)
{
	for (int i = 0; i < MAP_MAX_SLOTS; i++)
		if (e->slots[i].used)
			map_unmap(e, i);
	phyr_system_destroy(e->sys);
}

/* The device touches both ends of a segment in the direction of the mapping. */
static void touch(struct map_engine *e, uint64_t addr, uint64_t len,
		  enum phyr_dma_data_direction dir)
{
	uint64_t n = len < TOUCH ? len : TOUCH;
	uint64_t at[2] = { addr, addr + len - n };

	e->res->dma_segments++;
	for (int i = 0; i < (len > TOUCH ? 2 : 1); i++) {
		if (dir == PHYR_DMA_TO_DEVICE)
			phyr_device_dma_read(e->dev, at[i], e->buf, n);
		else
			phyr_device_dma_write(e->dev, at[i], e->buf, n);
	}
}

/* ---- map_sg ---- */

static int sg_map(struct map_engine *e, struct slot *s)
{
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *sg;
	int ret, nbus = 0;

	ret = phyr_sg_table_create(PHYR_SG_LAYOUT_DEFAULT, NULL, &s->t);
	if (!ret)
		ret = phyr_sg_alloc_table(s->t, (unsigned)s->n);
	if (ret)
		return ret;
	L = phyr_sg_table_layout(s->t);
	sg = phyr_sg_table_sgl(s->t);
	for (int i = 0; i < s->n; i++, sg = phyr_sg_next(L, sg))
		phyr_sg_set_phys(L, sg, s->ents[i].phys, 0, s->ents[i].len);
	ret = phyr_dma_map_sg(e->dev, L, phyr_sg_table_sgl(s->t), s->n, s->dir, 0, &s->count);
	if (ret) {
		phyr_sg_table_destroy(s->t);
		s->t = NULL;
		return ret;
	}
	sg = phyr_sg_table_sgl(s->t);
	for (int i = 0; i < s->count; i++, sg = phyr_sg_next(L, sg)) {
		uint64_t len = phyr_sg_dma_len(L, sg);

		/* a bus-address segment covers its own entry (its DMA length is the head's, B22) */
		if (phyr_sg_dma_is_bus_address(L, sg)) {
			int k = 0;

			for (int j = 0; j < s->n; j++)
				if (s->ents[j].phys >= MAP_BAR_A &&
				    s->ents[j].phys < MAP_BAR_A + MAP_BAR_LEN && k++ == nbus) {
					len = s->ents[j].len;
					break;
				}
			nbus++;
		}
		touch(e, phyr_sg_dma_address(L, sg), len, s->dir);
	}
	return 0;
}

static void sg_unmap(struct map_engine *e, struct slot *s)
{
	phyr_dma_unmap_sg(e->dev, phyr_sg_table_layout(s->t), phyr_sg_table_sgl(s->t), s->n, s->dir,
			  0);
	phyr_sg_table_destroy(s->t);
	s->t = NULL;
}

/* ---- map_phyr ---- */

static int phyr_map(struct map_engine *e, struct slot *s)
{
	const struct phyr *dma;
	size_t n;
	int ret;

	for (int i = 0; i < s->n; i++)
		s->runs[i] = (struct phyr){ s->ents[i].phys, s->ents[i].len };
	ret = phyr_dma_map_phyr(e->dev, s->runs, (size_t)s->n, s->dir, 0, &s->pm);
	if (ret)
		return ret;
	dma = phyr_dma_phyr_list(s->pm, &n);
	for (size_t i = 0; i < n; i++)
		touch(e, dma[i].addr, dma[i].len, s->dir);
	return 0;
}

static void phyr_unmap(struct slot *s)
{
	phyr_dma_unmap_phyr(s->pm, s->dir, 0);
	s->pm = NULL;
}

/* ---- two-step ---- */

static bool is_bus(struct map_engine *e, uint64_t phys, uint64_t *bus)
{
	struct phyr_p2pdma_map_state ps;

	memset(&ps, 0, sizeof(ps));
	if (phyr_p2pdma_state(&ps, e->m, e->client, phys) != PHYR_P2PDMA_MAP_BUS_ADDR)
		return false;
	*bus = phys + ps.bus_off;
	return true;
}

static int ts_map(struct map_engine *e, struct slot *s)
{
	uint64_t total = 0, first = UINT64_MAX, bus;
	int ret = 0;

	for (int i = 0; i < s->n; i++) {
		if (is_bus(e, s->ents[i].phys, &bus)) {
			s->off[i] = UINT64_MAX;
			continue;
		}
		if (first == UINT64_MAX)
			first = s->ents[i].phys;
		s->off[i] = total;
		total += s->ents[i].len;
	}
	s->linked = 0;
	memset(&s->st, 0, sizeof(s->st));
	if (total) {
		ret = phyr_dma_iova_try_alloc(e->dev, &s->st, first, total);
		if (ret)
			return ret;
		for (int i = 0; i < s->n && !ret; i++) {
			if (s->off[i] == UINT64_MAX)
				continue;
			ret = phyr_dma_iova_link(e->dev, &s->st, s->ents[i].phys, s->off[i],
						 s->ents[i].len, s->dir, 0);
			if (!ret)
				s->linked = s->off[i] + s->ents[i].len;
		}
		if (!ret)
			ret = phyr_dma_iova_sync(e->dev, &s->st, 0, total);
		if (ret) {
			phyr_dma_iova_destroy(e->dev, &s->st, s->linked, s->dir, 0);
			return ret;
		}
		touch(e, s->st.addr, total, s->dir);
	}
	for (int i = 0; i < s->n; i++)
		if (s->off[i] == UINT64_MAX && is_bus(e, s->ents[i].phys, &bus))
			touch(e, bus, s->ents[i].len, s->dir);
	return 0;
}

static void ts_unmap(struct map_engine *e, struct slot *s)
{
	if (phyr_dma_use_iova(&s->st))
		phyr_dma_iova_destroy(e->dev, &s->st, s->linked, s->dir, 0);
}

/* Replace one page-sized linked entry in place: unlink, link, sync. */
static int ts_remap(struct map_engine *e, struct slot *s, int idx, uint64_t phys)
{
	uint64_t bus;
	int ret;

	if (s->off[idx] == UINT64_MAX || is_bus(e, phys, &bus))
		return -EOPNOTSUPP;
	ret = phyr_dma_iova_unlink(e->dev, &s->st, s->off[idx], s->ents[idx].len, s->dir, 0);
	if (ret)
		return ret;
	ret = phyr_dma_iova_link(e->dev, &s->st, phys, s->off[idx], s->ents[idx].len, s->dir, 0);
	if (ret)
		return ret;
	s->ents[idx].phys = phys;
	ret = phyr_dma_iova_sync(e->dev, &s->st, s->off[idx], s->ents[idx].len);
	if (!ret)
		touch(e, s->st.addr + s->off[idx], s->ents[idx].len, s->dir);
	return ret;
}

/* ---- the interface the workloads use ---- */

int map_map(struct map_engine *e, int slot, const struct map_ent *ents, int n,
	    enum phyr_dma_data_direction dir)
{
	struct slot *s = &e->slots[slot];
	int ret;

	if (s->used)
		map_unmap(e, slot);
	memcpy(s->ents, ents, (size_t)n * sizeof(*ents));
	s->n = n;
	s->dir = dir;
	e->res->requests++;
	if (e->api == MAP_API_SG)
		ret = sg_map(e, s);
	else if (e->api == MAP_API_PHYR)
		ret = phyr_map(e, s);
	else
		ret = ts_map(e, s);
	if (ret)
		e->res->errors++;
	else
		s->used = true;
	return ret;
}

void map_unmap(struct map_engine *e, int slot)
{
	struct slot *s = &e->slots[slot];

	if (!s->used)
		return;
	if (e->api == MAP_API_SG)
		sg_unmap(e, s);
	else if (e->api == MAP_API_PHYR)
		phyr_unmap(s);
	else
		ts_unmap(e, s);
	s->used = false;
}

int map_remap(struct map_engine *e, int slot, int idx, uint64_t phys)
{
	struct slot *s = &e->slots[slot];
	struct map_ent ents[MAP_MAX_ENTS];
	int n = s->n, ret;

	if (!s->used)
		return -EINVAL;
	if (e->api == MAP_API_TWO_STEP) {
		e->res->requests++;
		ret = ts_remap(e, s, idx, phys);
		if (ret != -EOPNOTSUPP) {
			if (ret)
				e->res->errors++;
			return ret;
		}
		e->res->requests--;
	}
	/* map_sg (and two-step for a bus-address page): the whole list again */
	memcpy(ents, s->ents, (size_t)n * sizeof(*ents));
	ents[idx].phys = phys;
	map_unmap(e, slot);
	return map_map(e, slot, ents, n, s->dir);
}

int map_run(const struct map_workload *w, enum map_api api, uint64_t seed,
	    const struct phyr_system_opts *opts, struct map_result *out)
{
	struct map_engine *e;
	struct phyr_iova_stats is;
	struct phyr_iommu_stats ms;
	struct phyr_io_pgtable_stats ps;
	struct phyr_swiotlb_stats ss;
	struct phyr_device_stats ds;
	int ret;

	memset(out, 0, sizeof(*out));
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->api = api;
	e->res = out;
	ret = setup(e, w, opts);
	if (ret) {
		teardown(e);
		free(e);
		return ret;
	}
	out->available = true;
	ret = w->run(e, seed);
	for (int i = 0; i < MAP_MAX_SLOTS; i++)
		map_unmap(e, i);
	phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(e->d));
	phyr_iova_get_stats(phyr_iommu_dma_cookie_iovad(e->d), &is);
	phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(e->d), &ms);
	phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(phyr_iommu_dma_cookie_domain(e->d)), &ps);
	phyr_swiotlb_get_stats(e->tlb, &ss);
	phyr_device_get_stats(e->dev, &ds);
	out->iova_allocs = is.nfast_allocs;
	out->iova_nodes_visited = is.nnodes_visited;
	out->ptes_written = ps.npte_writes;
	out->iotlb_invalidations = ms.ninv_range + ms.ninv_all;
	out->bounce_bytes = ss.nbytes_to_device + ss.nbytes_from_device;
	out->bounce_slots = ss.nslots_allocated;
	out->faults = ds.nfaults;
	out->sim_ns = ms.sim_ns;
	teardown(e);
	free(e);
	return ret;
}

