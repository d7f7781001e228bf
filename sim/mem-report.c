// SPDX-License-Identifier: MIT
/*
 * Report printers of `phyr-sim mem`: human table, JSON (json-c, out.h) and
 * CSV. The schemas are documented in docs/mem.md. Ratios are taken on
 * the exact layout bytes of the entry storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"
#include "out.h"

static double per_page(const struct mem_result *r, int i)
{
	return r->t.npages ? (double)r->cost[i].nbytes / (double)r->t.npages : 0.0;
}

static bool ratio(uint64_t a, uint64_t b, double *out)
{
	if (b == 0)
		return false;
	*out = (double)a / (double)b;
	return true;
}

static double cell_per_page(const struct mem_result *r, const struct mem_dma_cell *c)
{
	return r->t.npages ? (double)(c->cpu_bytes + c->dma_bytes) / (double)r->t.npages : 0.0;
}

/* The second table of a workload: rows per representation, columns per mode. */
static void print_dma_table(FILE *f, const struct mem_result *x, unsigned modes)
{
	const char *notes[MEM_MODE_COUNT * MEM_DREP_COUNT];
	unsigned nnotes = 0;
	char b[32];

	fprintf(f, "  DMA side: long-term bytes of the mapped state, CPU list included (B/4K page); %s\n",
		x->dma_measured ? "measured through the library (= computed)" : "computed");
	fprintf(f, "  %-15s", "representation");
	for (int m = 0; m < MEM_MODE_COUNT; m++)
		if (modes & (1u << m))
			fprintf(f, " %19s", mem_mode_names[m]);
	fprintf(f, "\n");
	for (int i = 0; i < MEM_DREP_COUNT; i++) {
		fprintf(f, "  %-15s", mem_drep_names[i]);
		for (int m = 0; m < MEM_MODE_COUNT; m++) {
			const struct mem_dma_cell *c = &x->dma[m].cell[i];
			unsigned k;

			if (!(modes & (1u << m)))
				continue;
			if (!c->na) {
				cli_humanize(b, sizeof(b), c->cpu_bytes + c->dma_bytes);
				fprintf(f, " %10s %8.3f", b, cell_per_page(x, c));
				continue;
			}
			for (k = 0; k < nnotes; k++)
				if (strcmp(notes[k], c->na) == 0)
					break;
			if (k == nnotes)
				notes[nnotes++] = c->na;
			snprintf(b, sizeof(b), "n/a [%u]", k + 1);
			fprintf(f, " %19s", b);
		}
		fprintf(f, "\n");
	}
	for (unsigned k = 0; k < nnotes; k++)
		fprintf(f, "    [%u] %s\n", k + 1, notes[k]);
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		const struct mem_dma_mode *d = &x->dma[m];
		char b2[32];

		if (!(modes & (1u << m)) || d->raw.err)
			continue;
		fprintf(f, "    %s: ", mem_mode_names[m]);
		switch (m) {
		case MEM_MODE_PASSTHROUGH:
			fprintf(f, "the DMA list is the CPU list (%llu range%s, 0 B more)\n",
				(unsigned long long)d->raw.ndma, d->raw.ndma == 1 ? "" : "s");
			break;
		case MEM_MODE_IOMMU:
			cli_humanize(b2, sizeof(b2), d->raw.iova_len);
			fprintf(f, "%llu DMA range%s (%llu P2P bus-address), IOVA %s at 0x%llx; "
				   "two-step: %llu dma_iova_state\n",
				(unsigned long long)d->raw.ndma, d->raw.ndma == 1 ? "" : "s",
				(unsigned long long)d->raw.nbus, b2, (unsigned long long)d->raw.iova,
				(unsigned long long)d->raw.nstates);
			if (d->raw.sg24_nents)
				fprintf(f, "      measured map_sg: %llu DMA segments in the sg32 table; "
					   "in the sg24 table it overwrote %llu of %llu CPU lengths\n",
					(unsigned long long)d->raw.sg32_segs,
					(unsigned long long)d->raw.sg24_clobbered,
					(unsigned long long)d->raw.sg24_nents);
			break;
		case MEM_MODE_BUS_OFFSET:
			fprintf(f, "%llu DMA range%s, one per run (%llu P2P bus-address)\n",
				(unsigned long long)d->raw.ndma, d->raw.ndma == 1 ? "" : "s",
				(unsigned long long)d->raw.nbus);
			break;
		default:
			cli_humanize(b2, sizeof(b2), d->bounce_bytes);
			fprintf(f, "%llu pieces of <= 256 KiB, RAM ones bounced (sg: %llu entries), %s of "
				   "bounce slots held%s\n",
				(unsigned long long)d->raw.ndma, (unsigned long long)d->raw.sg_segs, b2,
				d->over_pool ? ": more than the default 64 MiB pool holds" : "");
			break;
		}
	}
}

void mem_print_table(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		     const char *backend, unsigned modes)
{
	char b1[32], b2[32], b3[32], b4[32];

	fprintf(f, "phyr-sim mem: seed %llu, packed chunks of %u B; heap column: %s\n",
		(unsigned long long)p->seed, p->chunk,
		backend ? backend : "n/a (no jemalloc backend: layout and kernel bytes only)");
	for (unsigned k = 0; k < n; k++) {
		const struct mem_result *x = &r[k];
		uint64_t sg32 = x->cost[PHYR_REPR_SG32].nbytes;

		cli_humanize(b1, sizeof(b1), x->bytes);
		cli_humanize(b2, sizeof(b2), x->t.nfloor_bytes);
		fprintf(f, "\n%s: %s\n", x->w->name, x->w->desc);
		fprintf(f, "  %s in %llu pages, %llu runs (pattern %s, fragmentation %u/1000); "
			   "information floor %s\n",
			b1, (unsigned long long)x->t.npages, (unsigned long long)x->t.nruns,
			phyr_pages_pattern_name(x->w->pattern), x->frag, b2);
		fprintf(f, "  %-14s %10s %12s %9s %12s %12s %10s %10s\n", "representation", "entries",
			"bytes", "B/4K page", "kernel", "heap", "x sg32", "x floor");
		for (int i = 0; i < PHYR_REPR_COUNT; i++) {
			const struct phyr_mem_cost *c = &x->cost[i];
			double rs, rf;
			char rsb[16] = "-", rfb[16] = "-";

			cli_humanize(b1, sizeof(b1), c->nbytes);
			cli_humanize(b3, sizeof(b3), c->nkernel_bytes);
			if (backend)
				cli_humanize(b4, sizeof(b4), c->nheap_bytes);
			else
				snprintf(b4, sizeof(b4), "n/a");
			if (ratio(c->nbytes, sg32, &rs))
				snprintf(rsb, sizeof(rsb), "%.3f", rs);
			if (ratio(c->nbytes, x->t.nfloor_bytes, &rf))
				snprintf(rfb, sizeof(rfb), "%.2f", rf);
			fprintf(f, "  %-14s %10llu %12s %9.3f %12s %12s %10s %10s\n",
				phyr_repr_name((enum phyr_repr)i), (unsigned long long)c->nentries, b1,
				per_page(x, i), b3, b4, rsb, rfb);
		}
		if (modes)
			print_dma_table(f, x, modes);
	}
	fprintf(f, "\nbytes: exact layout of the entry storage (chain slots, chunk padding and "
		   "next pointers included;\n"
		   "descriptors such as the 16 B sg_table or the 32 B packed header are in --json). "
		   "kernel: kmalloc\n"
		   "classes, page orders above 8 KiB, vmalloc pages above 4 MiB.\n"
		   "DMA side: sg = the table (DMA segments live in its entries); phyr/packed = "
		   "CPU list + DMA list;\n"
		   "two-step = CPU list + 16 B per dma_iova_state (+ 16 B per P2P bus address). "
		   "Modes: docs/mem.md.\n");
}

static int drep_of(enum phyr_repr i)
{
	switch (i) {
	case PHYR_REPR_SG24:
		return MEM_DREP_SG24;
	case PHYR_REPR_SG32:
		return MEM_DREP_SG32;
	case PHYR_REPR_SG40:
		return MEM_DREP_SG40;
	case PHYR_REPR_PHYR:
		return MEM_DREP_PHYR;
	case PHYR_REPR_PACKED:
		return MEM_DREP_PACKED;
	default:
		return -1;
	}
}

/* A ratio or per-page figure: a JSON number printed with six decimals, as
 * in the CSV; null when it does not exist. */
static void json_fixed(json_object *o, const char *key, bool ok, double v)
{
	char buf[64];

	if (!ok) {
		json_object_object_add(o, key, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%.6f", v);
	json_object_object_add(o, key, json_object_new_double_s(v, buf));
}

static json_object *json_cell(const struct mem_result *x, const struct mem_dma_cell *c)
{
	json_object *o = json_object_new_object();

	if (c->na) {
		cli_json_str(o, "na", c->na);
		return o;
	}
	cli_json_u64(o, "bytes", c->cpu_bytes + c->dma_bytes);
	cli_json_u64(o, "cpu_bytes", c->cpu_bytes);
	cli_json_u64(o, "dma_bytes", c->dma_bytes);
	cli_json_u64(o, "dma_entries", c->entries);
	json_fixed(o, "bytes_per_page", x->t.npages != 0, cell_per_page(x, c));
	return o;
}

/* The "dma" object of one DMA representation: one cell per selected mode. */
static json_object *json_dma_rep(const struct mem_result *x, int drep, unsigned modes)
{
	json_object *o = json_object_new_object();

	for (int m = 0; m < MEM_MODE_COUNT; m++)
		if (modes & (1u << m))
			json_object_object_add(o, mem_mode_names[m], json_cell(x, &x->dma[m].cell[drep]));
	return o;
}

static json_object *json_mode(const struct mem_dma_mode *d, int m)
{
	json_object *o = json_object_new_object();

	if (d->raw.err) {
		cli_json_i64(o, "error", d->raw.err);
		return o;
	}
	json_object_object_add(o, "error", NULL);
	cli_json_u64(o, "dma_ranges", d->raw.ndma);
	cli_json_u64(o, "bus_ranges", d->raw.nbus);
	if (m == MEM_MODE_IOMMU) {
		cli_json_u64(o, "iova", d->raw.iova);
		cli_json_u64(o, "iova_len", d->raw.iova_len);
		cli_json_u64(o, "iova_states", d->raw.nstates);
		if (d->raw.sg24_nents) {
			cli_json_u64(o, "sg32_dma_segments", d->raw.sg32_segs);
			cli_json_u64(o, "sg24_clobbered_lengths", d->raw.sg24_clobbered);
		} else {
			json_object_object_add(o, "sg32_dma_segments", NULL);
			json_object_object_add(o, "sg24_clobbered_lengths", NULL);
		}
	}
	if (m == MEM_MODE_SWIOTLB) {
		cli_json_u64(o, "bounce_bytes", d->bounce_bytes);
		cli_json_bool(o, "over_default_pool", d->over_pool);
	}
	return o;
}

static json_object *json_dma_workload(const struct mem_result *x, unsigned modes)
{
	json_object *o = json_object_new_object(), *mo, *ts;

	cli_json_bool(o, "measured", x->dma_measured);
	mo = cli_json_obj(o, "modes");
	for (int m = 0; m < MEM_MODE_COUNT; m++)
		if (modes & (1u << m))
			json_object_object_add(mo, mem_mode_names[m], json_mode(&x->dma[m], m));
	ts = cli_json_arr(o, "two_step");
	for (int i = MEM_DREP_TWO_STEP_PHYR; i < MEM_DREP_COUNT; i++) {
		json_object *e = json_object_new_object();

		cli_json_str(e, "name", mem_drep_names[i]);
		json_object_object_add(e, "dma", json_dma_rep(x, i, modes));
		json_object_array_add(ts, e);
	}
	return o;
}

static json_object *json_repr(const struct mem_result *x, int i, bool heap, unsigned modes)
{
	const struct phyr_mem_cost *c = &x->cost[i];
	json_object *o = json_object_new_object();
	double v = 0;
	bool ok;

	cli_json_str(o, "name", phyr_repr_name((enum phyr_repr)i));
	cli_json_u64(o, "entries", c->nentries);
	cli_json_u64(o, "slots", c->nslots);
	cli_json_u64(o, "blocks", c->nblocks);
	cli_json_u64(o, "bytes", c->nbytes);
	cli_json_u64(o, "desc_bytes", c->ndesc_bytes);
	json_fixed(o, "bytes_per_page", x->t.npages != 0, per_page(x, i));
	cli_json_u64(o, "kernel_bytes", c->nkernel_bytes);
	if (heap)
		cli_json_u64(o, "heap_bytes", c->nheap_bytes);
	else
		json_object_object_add(o, "heap_bytes", NULL);
	ok = ratio(c->nbytes, x->cost[PHYR_REPR_SG32].nbytes, &v);
	json_fixed(o, "ratio_sg32", ok, v);
	ok = ratio(c->nbytes, x->t.nfloor_bytes, &v);
	json_fixed(o, "floor_multiple", ok, v);
	if (drep_of((enum phyr_repr)i) >= 0)
		json_object_object_add(o, "dma", json_dma_rep(x, drep_of((enum phyr_repr)i), modes));
	else
		json_object_object_add(o, "dma", NULL);
	return o;
}

static json_object *json_workload(const struct mem_result *x, bool heap, unsigned modes)
{
	json_object *o = json_object_new_object(), *reps;

	cli_json_str(o, "name", x->w->name);
	cli_json_str(o, "description", x->w->desc);
	cli_json_str(o, "pattern", phyr_pages_pattern_name(x->w->pattern));
	cli_json_u64(o, "frag_permille", x->frag);
	cli_json_u64(o, "bytes", x->bytes);
	cli_json_u64(o, "pages", x->t.npages);
	cli_json_u64(o, "runs", x->t.nruns);
	cli_json_u64(o, "floor_bits", x->t.nfloor_bits);
	cli_json_u64(o, "floor_bytes", x->t.nfloor_bytes);
	json_object_object_add(o, "dma", json_dma_workload(x, modes));
	reps = cli_json_arr(o, "representations");
	for (int i = 0; i < PHYR_REPR_COUNT; i++)
		json_object_array_add(reps, json_repr(x, i, heap, modes));
	return o;
}

/* The effective configuration: every setting, defaults included. */
static void json_config(json_object *c, const struct mem_config *cfg)
{
	static const char *const sides[] = { NULL, "cpu", "dma", "both" };
	static const char *const outs[] = { "table", "json", "csv" };
	json_object *a;

	a = cli_json_arr(c, "workloads");
	for (unsigned i = 0; i < mem_nworkloads; i++)
		if (mem_selected(cfg, &mem_workloads[i]))
			json_object_array_add(a, json_object_new_string(mem_workloads[i].name));
	a = cli_json_arr(c, "modes");
	for (int m = 0; m < MEM_MODE_COUNT; m++)
		if (cfg->modes & (1u << m))
			json_object_array_add(a, json_object_new_string(mem_mode_names[m]));
	if (cfg->p.size)
		cli_json_u64(c, "size", cfg->p.size);
	else
		json_object_object_add(c, "size", NULL);
	cli_json_u64(c, "seed", cfg->p.seed);
	if (cfg->p.frag == PHYR_PAGES_FRAG_DEFAULT)
		json_object_object_add(c, "frag", NULL);
	else
		cli_json_u64(c, "frag", cfg->p.frag);
	cli_json_u64(c, "chunk", cfg->p.chunk);
	cli_json_str(c, "output", outs[cfg->out]);
	cli_json_bool(c, "no_heap", cfg->no_heap);
	cli_json_bool(c, "force", cfg->force);
	cli_json_u64(c, "limit_cpu_us", MEM_LIMIT_US);
	cli_json_u64(c, "limit_memory_bytes", MEM_LIMIT_BYTES);
	cli_json_str(c, "plot", cfg->plot);
	cli_json_str(c, "plot_data", cfg->plot_data);
	cli_json_str(c, "plot_side", sides[cfg->plot_side & 3]);
}

json_object *mem_stats(const struct mem_result *r, unsigned n)
{
	json_object *o = json_object_new_object();
	uint64_t nmeasured = 0, nranges = 0, nruns = 0, npages = 0, nbytes = 0;

	for (unsigned k = 0; k < n; k++) {
		nmeasured += r[k].dma_measured;
		nranges += r[k].nranges;
		nruns += r[k].t.nruns;
		npages += r[k].t.npages;
		nbytes += r[k].bytes;
	}
	cli_json_u64(o, "nworkloads", n);
	cli_json_u64(o, "nmeasured", nmeasured);
	cli_json_u64(o, "nranges", nranges);
	cli_json_u64(o, "nruns", nruns);
	cli_json_u64(o, "npages", npages);
	cli_json_u64(o, "nbytes", nbytes);
	return o;
}

json_object *mem_json(const struct mem_config *cfg, const struct mem_result *r, unsigned n,
		      const char *backend)
{
	json_object *doc = cli_doc_new("mem"), *ws;

	json_config(cli_doc_config(doc), cfg);
	cli_json_str(doc, "heap_backend", backend);
	ws = cli_json_arr(doc, "workloads");
	for (unsigned k = 0; k < n; k++)
		json_object_array_add(ws, json_workload(&r[k], backend != NULL, cfg->modes));
	json_object_object_add(doc, "stats", mem_stats(r, n));
	return doc;
}

static void csv_dma(FILE *f, const struct mem_result *x, int drep, unsigned modes)
{
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		const struct mem_dma_cell *c = drep >= 0 ? &x->dma[m].cell[drep] : NULL;

		fputc(',', f);
		if (c && !c->na && (modes & (1u << m)))
			fprintf(f, "%llu", (unsigned long long)(c->cpu_bytes + c->dma_bytes));
	}
	fputc('\n', f);
}

void mem_print_csv(FILE *f, const struct mem_result *r, unsigned n, const char *backend,
		   unsigned modes)
{
	fprintf(f, "workload,representation,entries,slots,blocks,bytes,desc_bytes,bytes_per_page,"
		   "kernel_bytes,heap_bytes,ratio_sg32,floor_bytes,floor_multiple,"
		   "dma_passthrough_bytes,dma_iommu_bytes,dma_bus_offset_bytes,dma_swiotlb_bytes\n");
	for (unsigned k = 0; k < n; k++) {
		const struct mem_result *x = &r[k];

		for (int i = 0; i < PHYR_REPR_COUNT; i++) {
			const struct phyr_mem_cost *c = &x->cost[i];
			double v;

			fprintf(f, "%s,%s,%llu,%llu,%llu,%llu,%llu,%.6f,%llu,", x->w->name,
				phyr_repr_name((enum phyr_repr)i), (unsigned long long)c->nentries,
				(unsigned long long)c->nslots, (unsigned long long)c->nblocks,
				(unsigned long long)c->nbytes, (unsigned long long)c->ndesc_bytes,
				per_page(x, i), (unsigned long long)c->nkernel_bytes);
			if (backend)
				fprintf(f, "%llu", (unsigned long long)c->nheap_bytes);
			fputc(',', f);
			if (ratio(c->nbytes, x->cost[PHYR_REPR_SG32].nbytes, &v))
				fprintf(f, "%.6f", v);
			fprintf(f, ",%llu,", (unsigned long long)x->t.nfloor_bytes);
			if (ratio(c->nbytes, x->t.nfloor_bytes, &v))
				fprintf(f, "%.6f", v);
			csv_dma(f, x, drep_of((enum phyr_repr)i), modes);
		}
		for (int i = MEM_DREP_TWO_STEP_PHYR; i < MEM_DREP_COUNT; i++) {
			fprintf(f, "%s,%s,,,,,,,,,,%llu,", x->w->name, mem_drep_names[i],
				(unsigned long long)x->t.nfloor_bytes);
			csv_dma(f, x, i, modes);
		}
	}
}

