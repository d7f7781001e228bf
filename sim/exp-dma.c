// SPDX-License-Identifier: MIT
/*
 * phyr-sim experiment: the DMA-layer and memory experiments
 * (docs/experiments.md).
 *
 *  strict-lazy     Anuj Gupta's io_uring dmabuf numbers (linux-nvme,
 *                  2025-11-24): 4 KiB reads on Optane, STRICT / LAZY /
 *                  passthrough or pre-mapped; the model's modelled IOMMU
 *                  time per I/O in the three modes.
 *  phyr-memory     the "Phyr Starter" thread (dri-devel, 2022-01-11): 24 B
 *                  per page of scatterlist vs 8 B of phyr for RDMA, and the
 *                  16-byte-entry increase; the mem ledger's figures.
 *
 * Public libphyr API plus the mem command's workloads (sim/mem.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phyr/builder.h>
#include <phyr/device.h>
#include <phyr/dma-iommu.h>
#include <phyr/dma-mapping.h>
#include <phyr/iommu.h>
#include <phyr/machine.h>

#include "exp.h"
#include "mem.h"

/* ------------------------------------------------------------------ */
/* 5. Per-I/O mapping cost: strict, lazy, pre-mapped                     */

#define STRICT_PUB_STRICT 570e3 /* IOPS */
#define STRICT_PUB_LAZY 1.93e6
#define STRICT_PUB_PT 5.01e6
#define STRICT_BUF 0x10000000ull

static const char *const strict_types[3] = { "dma", "dma-fq", "identity" };

/*
 * @nio 4 KiB reads on a domain of @type: map_phys, one device write through
 * the IOMMU, unmap_phys; the simulated clock advances by the pre-mapped I/O
 * time between I/Os. Out: modelled IOMMU ns per I/O over the measured I/Os,
 * invalidation commands per I/O.
 */
static int strict_run(const char *type, unsigned warm, unsigned nio, double *ns, double *inv)
{
	char text[512], err[256];
	struct phyr_system *sys;
	struct phyr_device *dev;
	struct phyr_iommu_domain *dom = NULL;
	struct phyr_iommu_stats s0 = { 0 }, s1 = { 0 };
	int ret;

	snprintf(text, sizeof(text),
		 "ram start=0 size=2G\n"
		 "host-bridge hb domain=0 bus=0 id=8086:2030\n"
		 "endpoint fn parent=hb devfn=01.0 id=8086:2701\n"
		 "iommu-group grp type=%s\n"
		 "device nvme pci=fn dma-mask=64bit group=grp\n",
		 type);
	ret = phyr_system_build_string(text, "experiment", NULL, &sys, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "phyr-sim experiment: %s\n", err);
		return ret;
	}
	dev = phyr_system_device(sys, "nvme");
	if (!dev) {
		phyr_system_destroy(sys);
		return -ENODEV;
	}
	if (phyr_iommu_dma_get_cookie(dev))
		dom = phyr_iommu_dma_cookie_domain(phyr_iommu_dma_get_cookie(dev));
	for (unsigned i = 0; i < warm + nio && !ret; i++) {
		uint64_t dma, pa;

		if (i == warm && dom)
			phyr_iommu_get_stats(dom, &s0);
		ret = phyr_dma_map_phys(dev, STRICT_BUF + (uint64_t)(i % 64) * 4096, 4096,
					PHYR_DMA_FROM_DEVICE, 0, &dma);
		if (ret)
			break;
		if (dom) {
			ret = phyr_iommu_translate(dom, dma, PHYR_IOMMU_ACCESS_WRITE, &pa);
			phyr_iommu_advance(dom, (uint64_t)(1e9 / STRICT_PUB_PT));
		}
		if (!ret)
			ret = phyr_dma_unmap_phys(dev, dma, 4096, PHYR_DMA_FROM_DEVICE, 0);
	}
	if (dom)
		phyr_iommu_get_stats(dom, &s1);
	*ns = (s1.sim_ns - s0.sim_ns) / nio;
	*inv = (double)(s1.ninv_range + s1.ninv_all - s0.ninv_range - s0.ninv_all) / nio;
	phyr_system_destroy(sys);
	return ret;
}

int exp_strict(bool quick, struct exp_result *r)
{
	static const char *const labels[3] = { "strict", "lazy (dma-fq)", "passthrough / pre-mapped" };
	static const double pub_iops[3] = { STRICT_PUB_STRICT, STRICT_PUB_LAZY, STRICT_PUB_PT };
	unsigned nio = quick ? 2040 : 25500;
	double ns[3], inv[3], base = 1e9 / STRICT_PUB_PT, model_iops[3];
	struct phyr_iommu_costs c;
	int ret = 0;

	for (int m = 0; m < 3 && !ret; m++)
		ret = strict_run(strict_types[m], 300, nio, &ns[m], &inv[m]);
	if (ret)
		return ret;
	phyr_iommu_costs_default(&c);
	r->source = "Anuj Gupta, \"[RFC v2 00/11] Add dmabuf read/write via io_uring\", linux-nvme "
		    "mailing list, 2025-11-24 "
		    "(https://lists.infradead.org/pipermail/linux-nvme/2025-November/059804.html): "
		    "fio's t/io_uring on an Intel Optane device, before the series: STRICT 570 KIOPS, "
		    "LAZY 1.93 MIOPS, PASSTHROUGH 5.01 MIOPS; with pre-mapped dmabuf buffers 5.01 MIOPS "
		    "in all three modes";
	exp_printf(r->setup,
		   "A coherent 64-bit PCI device behind an IOMMU group of type dma (strict), dma-fq "
		   "(lazy: 256-slot flush queue, 10 ms timer) or identity, ARM LPAE 4K page table, "
		   "64-entry IOTLB. Each I/O: dma_map_phys of one 4 KiB buffer (FROM_DEVICE), one "
		   "device write through the IOMMU, dma_unmap_phys; the simulated clock advances by "
		   "%.1f ns per I/O (the published pre-mapped I/O time). 300 warm-up I/Os, then %u "
		   "measured. Modelled ns from the IOMMU cost model of docs/iommu.md (map call %.0f, "
		   "PTE write %.0f, walk level %.0f, IOTLB miss %.0f, invalidation + sync %.0f ns), "
		   "unchanged for this experiment; a pre-mapped buffer costs no mapping work per I/O, "
		   "the same as passthrough. Model IOPS = 1 / (%.1f ns + modelled IOMMU ns).",
		   base, nio, c.map_call, c.pte_write, c.walk_level, c.iotlb_miss, c.inv_cmd, base);
	exp_table_init(&r->t, "mode", 6, "model_iommu_ns_per_io", "model_invalidations_per_io",
		       "model_kiops", "published_kiops", "model_slowdown", "published_slowdown");
	for (int m = 0; m < 3 && !ret; m++) {
		model_iops[m] = 1e9 / (base + ns[m]);
		ret = exp_table_row(&r->t, labels[m], ns[m], inv[m], model_iops[m] / 1e3,
				    pub_iops[m] / 1e3, (base + ns[m]) / base,
				    STRICT_PUB_PT / pub_iops[m]);
	}
	if (ret)
		return ret;
	r->published.value = STRICT_PUB_PT / STRICT_PUB_STRICT;
	r->published.unit = "x";
	exp_printf(r->published.what,
		   "time per 4 KiB I/O, STRICT / pre-mapped (5.01M / 570K IOPS); LAZY / pre-mapped %.2fx",
		   STRICT_PUB_PT / STRICT_PUB_LAZY);
	r->model.value = (base + ns[0]) / base;
	r->model.unit = "x";
	exp_printf(r->model.what,
		   "modelled time per I/O, strict / pre-mapped ((%.1f + %.1f) / %.1f ns); lazy %.2fx",
		   base, ns[0], base, (base + ns[1]) / base);
	r->ratio = r->model.value / r->published.value;
	r->verdict = exp_judge(r->ratio, ns[0] > ns[1] && ns[1] > ns[2]);
	exp_printf(r->why,
		   "strict > lazy > pre-mapped as published, but the model's strict overhead "
		   "(%.0f ns, mostly one %.0f ns invalidation) is %.2fx the %.0f ns the publication "
		   "implies and its lazy overhead (%.0f ns) %.2fx the implied %.0f ns",
		   ns[0], c.inv_cmd, ns[0] / (1e9 / STRICT_PUB_STRICT - base),
		   1e9 / STRICT_PUB_STRICT - base, ns[1],
		   ns[1] / (1e9 / STRICT_PUB_LAZY - base), 1e9 / STRICT_PUB_LAZY - base);
	exp_printf(r->reading,
		   "Taking the pre-mapped rate as the cost of everything but the mapping (%.1f ns per "
		   "I/O), the publication implies %.0f ns of mapping work per strict I/O and %.0f ns "
		   "per lazy one. The model charges a strict I/O a map and an unmap with one range "
		   "invalidation and its sync (%.2f invalidations per I/O) and a lazy I/O the same "
		   "page-table work with a full flush every 255 unmaps (%.4f per I/O). Its "
		   "invalidation cost comes from a 2011 bare-metal measurement, not from this "
		   "hardware, and it has no time for the IOVA allocator, the flush-queue bookkeeping "
		   "or dma-iommu's own path, which the lazy figure exposes: the order of the three "
		   "modes is reproduced, the sizes are not. No constant was changed for this.",
		   base, 1e9 / STRICT_PUB_STRICT - base, 1e9 / STRICT_PUB_LAZY - base, inv[0], inv[1]);
	r->plot = (struct exp_plot){ .x = -1, .ys = { 2, 3 }, .nys = 2,
				     .xlabel = "mode", .ylabel = "kIOPS (4 KiB reads)" };
	return 0;
}

/* ------------------------------------------------------------------ */
/* 6. Scatterlist vs phyr memory for RDMA                                */

#define PHYR_PUB_SG 24.0
#define PHYR_PUB_PHYR 8.0

static const struct mem_workload *find_workload(const char *name)
{
	for (unsigned i = 0; i < mem_nworkloads; i++)
		if (strcmp(mem_workloads[i].name, name) == 0)
			return &mem_workloads[i];
	return NULL;
}

static double cell_bytes(const struct mem_result *x, enum mem_mode m, enum mem_drep d)
{
	const struct mem_dma_cell *c = &x->dma[m].cell[d];

	return c->na ? NAN : (double)(c->cpu_bytes + c->dma_bytes);
}

int exp_phyrmem(bool quick, struct exp_result *r)
{
	static const struct {
		const char *name;
		uint32_t frag; /* PHYR_PAGES_FRAG_DEFAULT: the workload's own */
	} wl[3] = { { "rdma-4k", 1000 }, { "rdma-thp", PHYR_PAGES_FRAG_DEFAULT },
		    { "rdma-hugetlb", PHYR_PAGES_FRAG_DEFAULT } };
	static const enum mem_mode modes[2] = { MEM_MODE_PASSTHROUGH, MEM_MODE_IOMMU };
	uint64_t size = quick ? UINT64_C(1) << 30 : UINT64_C(16) << 30;
	struct mem_result *res;
	double sg_entry = 0, packed_entry = 0, sg_pt = 0, packed_pt = 0, packed_io = 0, pct = 0;
	int ret = 0;

	res = calloc(3, sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (int i = 0; i < 3 && !ret; i++) {
		struct mem_params p = { .seed = 1, .size = size, .frag = wl[i].frag,
					.chunk = PHYR_LIST_CHUNK_DEFAULT, .no_measure = true };
		const struct mem_workload *w = find_workload(wl[i].name);

		ret = w ? mem_run(w, &p, &res[i]) : -ENOENT;
	}
	if (ret) {
		free(res);
		return ret;
	}
	exp_table_init(&r->t, "workload", 7, "sg24_B_per_page", "sg32_B_per_page", "phyr16_B_per_page",
		       "packed_B_per_page", "sg24_B_per_entry", "packed_B_per_entry",
		       "sg24_plus_phyr16_pct");
	for (int i = 0; i < 3 && !ret; i++) {
		const struct mem_result *x = &res[i];
		double pages = (double)x->t.npages, ents = (double)x->cost[PHYR_REPR_SG24].nentries;

		for (int k = 0; k < 2 && !ret; k++) {
			char label[EXP_LABEL];
			double sg24 = cell_bytes(x, modes[k], MEM_DREP_SG24);
			double sg32 = cell_bytes(x, modes[k], MEM_DREP_SG32);
			double ph = cell_bytes(x, modes[k], MEM_DREP_PHYR);
			double pk = cell_bytes(x, modes[k], MEM_DREP_PACKED);
			double both = 100.0 * (double)(x->cost[PHYR_REPR_SG24].nbytes +
						       x->cost[PHYR_REPR_PHYR].nbytes) /
				      (double)x->cost[PHYR_REPR_SG24].nbytes;

			snprintf(label, sizeof(label), "%s %s", x->w->name, mem_mode_names[modes[k]]);
			ret = exp_table_row(&r->t, label, sg24 / pages, sg32 / pages, ph / pages,
					    pk / pages, sg24 / ents, pk / ents, both);
			if (i == 0 && k == 0) {
				sg_entry = sg24 / ents;
				packed_entry = pk / ents;
				sg_pt = sg24 / pages;
				packed_pt = pk / pages;
				pct = both;
			}
			if (i == 0 && k == 1)
				packed_io = pk / ents;
		}
	}
	r->source = "Jason Gunthorpe, \"Re: Phyr Starter\", dri-devel / linux-mm, 2022-01-11 "
		    "(reply to Matthew Wilcox): scatterlist \"forces 24 bytes/page for *everyone*\"; "
		    "for RDMA \"in the two cases I care most about\" (IOMMU passthrough, where the "
		    "CPU phyr list is reused, and IOMMU mode, where the DMA list is one entry) "
		    "\"8 byes/page\"; keeping the sgt beside a 16-byte-entry phyr list would "
		    "\"increase in memory consumption by 160% compared today's 24 bytes/page\"";
	exp_printf(r->setup,
		   "The mem ledger (`phyr-sim mem`) on the RDMA registration workloads, %llu GiB each: "
		   "rdma-4k with fragmentation 1000/1000 (scattered 4 KiB pages: the thread's "
		   "one-entry-per-page case), rdma-thp and rdma-hugetlb with their defaults; "
		   "long-term bytes of the mapped state (CPU list included) in passthrough and "
		   "IOMMU mode, computed by the ledger (layout bytes, chain slots and chunk padding "
		   "included). Per page = per 4 KiB page of the registration; per entry = per "
		   "scatterlist entry, which the thread equates with a page.",
		   (unsigned long long)(size >> 30));
	r->published.value = PHYR_PUB_SG / PHYR_PUB_PHYR;
	r->published.unit = "x";
	exp_printf(r->published.what, "scatterlist / phyr bytes per page for RDMA (24 B / 8 B)");
	r->model.value = sg_entry / packed_entry;
	r->model.unit = "x";
	exp_printf(r->model.what,
		   "rdma-4k passthrough: sg24 / packed phyr bytes per entry (%.2f / %.2f B; per "
		   "page %.2f / %.2f B)",
		   sg_entry, packed_entry, sg_pt, packed_pt);
	r->ratio = r->model.value / r->published.value;
	r->verdict = exp_judge(r->ratio, sg_entry > packed_entry);
	exp_printf(r->why,
		   "%.2f vs %.2f bytes per entry in passthrough, %.2f with the one-entry DMA list "
		   "in IOMMU mode; sgt + 16-byte phyr = %.0f%% of the sgt alone",
		   sg_entry, packed_entry,
		   packed_io, pct);
	exp_printf(r->reading,
		   "The ledger reproduces the thread's arithmetic: 24 B per scatterlist entry (plus "
		   "chain slots) against 8 B per packed phyr entry, and in IOMMU mode the DMA side "
		   "adds one entry for the whole registration, so phyr stays at 8 B per entry. "
		   "Scattered pages still coalesce where neighbours happen to be adjacent, so the "
		   "per-page figures are lower than per entry for both; THP and hugetlb backing "
		   "shrink both lists by orders of magnitude, phyr more. The \"160%%\" reads as the "
		   "sgt plus a 16-byte list: the ledger gives %.0f%% of today's bytes (40 / 24 = "
		   "167%% by the thread's own numbers, i.e. a 67%% increase), so the quoted wording "
		   "is loose; the model agrees with the arithmetic, not with the literal +160%%.",
		   pct);
	r->plot = (struct exp_plot){ .x = -1, .ys = { 0, 1, 2, 3 }, .nys = 4, .logy = true,
				     .xlabel = "workload and mode", .ylabel = "bytes per 4 KiB page" };
	free(res);
	return 0;
}
