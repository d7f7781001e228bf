// SPDX-License-Identifier: MIT
/*
 * Report printers of `phyr-sim mem`: human table, JSON, CSV and a gnuplot
 * bar chart. The schemas are documented in docs/mem.md. Ratios are taken on
 * the exact layout bytes of the entry storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mem.h"

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

static void json_double(FILE *f, const char *key, bool ok, double v, const char *sep)
{
	if (ok)
		fprintf(f, "\"%s\": %.6f%s", key, v, sep);
	else
		fprintf(f, "\"%s\": null%s", key, sep);
}

static void json_cell(FILE *f, const struct mem_result *x, const struct mem_dma_cell *c)
{
	if (c->na) {
		fprintf(f, "{\"na\": \"%s\"}", c->na);
		return;
	}
	fprintf(f, "{\"bytes\": %llu, \"cpu_bytes\": %llu, \"dma_bytes\": %llu, "
		   "\"dma_entries\": %llu, ",
		(unsigned long long)(c->cpu_bytes + c->dma_bytes), (unsigned long long)c->cpu_bytes,
		(unsigned long long)c->dma_bytes, (unsigned long long)c->entries);
	json_double(f, "bytes_per_page", x->t.npages != 0, cell_per_page(x, c), "}");
}

/* The "dma" object of one DMA representation: one cell per selected mode. */
static void json_dma_rep(FILE *f, const struct mem_result *x, int drep, unsigned modes)
{
	bool first = true;

	fprintf(f, "{");
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		if (!(modes & (1u << m)))
			continue;
		fprintf(f, "%s\"%s\": ", first ? "" : ", ", mem_mode_names[m]);
		json_cell(f, x, &x->dma[m].cell[drep]);
		first = false;
	}
	fprintf(f, "}");
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

static void json_dma_workload(FILE *f, const struct mem_result *x, unsigned modes)
{
	bool first = true;

	fprintf(f, "      \"dma\": {\"measured\": %s, \"modes\": {",
		x->dma_measured ? "true" : "false");
	for (int m = 0; m < MEM_MODE_COUNT; m++) {
		const struct mem_dma_mode *d = &x->dma[m];

		if (!(modes & (1u << m)))
			continue;
		fprintf(f, "%s\n        \"%s\": {", first ? "" : ",", mem_mode_names[m]);
		first = false;
		if (d->raw.err) {
			fprintf(f, "\"error\": %d}", d->raw.err);
			continue;
		}
		fprintf(f, "\"error\": null, \"dma_ranges\": %llu, \"bus_ranges\": %llu",
			(unsigned long long)d->raw.ndma, (unsigned long long)d->raw.nbus);
		if (m == MEM_MODE_IOMMU)
			fprintf(f, ", \"iova\": %llu, \"iova_len\": %llu, \"iova_states\": %llu",
				(unsigned long long)d->raw.iova, (unsigned long long)d->raw.iova_len,
				(unsigned long long)d->raw.nstates);
		if (m == MEM_MODE_IOMMU && d->raw.sg24_nents)
			fprintf(f, ", \"sg32_dma_segments\": %llu, \"sg24_clobbered_lengths\": %llu",
				(unsigned long long)d->raw.sg32_segs,
				(unsigned long long)d->raw.sg24_clobbered);
		else if (m == MEM_MODE_IOMMU)
			fprintf(f, ", \"sg32_dma_segments\": null, \"sg24_clobbered_lengths\": null");
		if (m == MEM_MODE_SWIOTLB)
			fprintf(f, ", \"bounce_bytes\": %llu, \"over_default_pool\": %s",
				(unsigned long long)d->bounce_bytes, d->over_pool ? "true" : "false");
		fprintf(f, "}");
	}
	fprintf(f, "},\n        \"two_step\": [\n");
	for (int i = MEM_DREP_TWO_STEP_PHYR; i < MEM_DREP_COUNT; i++) {
		fprintf(f, "          {\"name\": \"%s\", \"dma\": ", mem_drep_names[i]);
		json_dma_rep(f, x, i, modes);
		fprintf(f, "}%s\n", i + 1 < MEM_DREP_COUNT ? "," : "");
	}
	fprintf(f, "        ]},\n");
}

void mem_print_json(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		    const char *backend, unsigned modes)
{
	fprintf(f, "{\n  \"command\": \"mem\",\n  \"version\": \"%s\",\n  \"seed\": %llu,\n",
		phyr_version(), (unsigned long long)p->seed);
	if (backend)
		fprintf(f, "  \"heap_backend\": \"%s\",\n", backend);
	else
		fprintf(f, "  \"heap_backend\": null,\n");
	fprintf(f, "  \"packed_chunk_bytes\": %u,\n  \"workloads\": [\n", p->chunk);
	for (unsigned k = 0; k < n; k++) {
		const struct mem_result *x = &r[k];
		uint64_t sg32 = x->cost[PHYR_REPR_SG32].nbytes;

		fprintf(f, "    {\n      \"name\": \"%s\",\n      \"description\": \"%s\",\n",
			x->w->name, x->w->desc);
		fprintf(f, "      \"pattern\": \"%s\",\n      \"frag_permille\": %u,\n",
			phyr_pages_pattern_name(x->w->pattern), x->frag);
		fprintf(f, "      \"bytes\": %llu,\n      \"pages\": %llu,\n      \"runs\": %llu,\n",
			(unsigned long long)x->bytes, (unsigned long long)x->t.npages,
			(unsigned long long)x->t.nruns);
		fprintf(f, "      \"floor_bits\": %llu,\n      \"floor_bytes\": %llu,\n",
			(unsigned long long)x->t.nfloor_bits, (unsigned long long)x->t.nfloor_bytes);
		json_dma_workload(f, x, modes);
		fprintf(f, "      \"representations\": [\n");
		for (int i = 0; i < PHYR_REPR_COUNT; i++) {
			const struct phyr_mem_cost *c = &x->cost[i];
			double v = 0;
			bool ok;

			fprintf(f, "        {\"name\": \"%s\", \"entries\": %llu, \"slots\": %llu, "
				   "\"blocks\": %llu, \"bytes\": %llu, \"desc_bytes\": %llu, ",
				phyr_repr_name((enum phyr_repr)i), (unsigned long long)c->nentries,
				(unsigned long long)c->nslots, (unsigned long long)c->nblocks,
				(unsigned long long)c->nbytes, (unsigned long long)c->ndesc_bytes);
			json_double(f, "bytes_per_page", x->t.npages != 0, per_page(x, i), ", ");
			fprintf(f, "\"kernel_bytes\": %llu, ", (unsigned long long)c->nkernel_bytes);
			if (backend)
				fprintf(f, "\"heap_bytes\": %llu, ", (unsigned long long)c->nheap_bytes);
			else
				fprintf(f, "\"heap_bytes\": null, ");
			ok = ratio(c->nbytes, sg32, &v);
			json_double(f, "ratio_sg32", ok, v, ", ");
			ok = ratio(c->nbytes, x->t.nfloor_bytes, &v);
			json_double(f, "floor_multiple", ok, v, ", ");
			if (drep_of((enum phyr_repr)i) >= 0) {
				fprintf(f, "\"dma\": ");
				json_dma_rep(f, x, drep_of((enum phyr_repr)i), modes);
			} else {
				fprintf(f, "\"dma\": null");
			}
			fprintf(f, "}%s\n", i + 1 < PHYR_REPR_COUNT ? "," : "");
		}
		fprintf(f, "      ]\n    }%s\n", k + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
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

/* Looks for @prog in PATH. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		return false;
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && n + strlen(prog) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

int mem_plot(const char *path, const struct mem_result *r, unsigned n)
{
	char data[] = "/tmp/phyr-mem-plot-XXXXXX";
	FILE *d, *gp;
	int fd, status;

	if (!in_path("gnuplot")) {
		fprintf(stderr, "phyr-sim mem: --plot needs gnuplot, which is not installed "
				"(Debian: apt-get install gnuplot-nox); no plot written\n");
		return -1;
	}
	if (strchr(path, '\'') || strchr(path, '\n')) {
		fprintf(stderr, "phyr-sim mem: --plot: unusable file name '%s'\n", path);
		return -1;
	}
	fd = mkstemp(data);
	if (fd < 0 || !(d = fdopen(fd, "w"))) {
		perror("phyr-sim mem: --plot: temporary file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(d, "representation");
	for (unsigned k = 0; k < n; k++)
		fprintf(d, " %s", r[k].w->name);
	fprintf(d, "\n");
	for (int i = 0; i < PHYR_REPR_COUNT; i++) {
		fprintf(d, "%s", phyr_repr_name((enum phyr_repr)i));
		for (unsigned k = 0; k < n; k++)
			fprintf(d, " %.6f", per_page(&r[k], i) > 0 ? per_page(&r[k], i) : 1e-6);
		fprintf(d, "\n");
	}
	fclose(d);
	gp = popen("gnuplot", "w");
	if (!gp) {
		perror("phyr-sim mem: --plot: gnuplot");
		unlink(data);
		return -1;
	}
	fprintf(gp,
		"set terminal pngcairo size 1400,700 noenhanced\n"
		"set output '%s'\n"
		"set title 'phyr-sim mem: bytes per 4 KiB page (log scale)'\n"
		"set style data histograms\nset style histogram clustered gap 1\n"
		"set style fill solid 0.8 border -1\nset logscale y\n"
		"set ylabel 'bytes per 4 KiB page'\nset format y '%%g'\nset xtics rotate by -30\n"
		"set key outside right top\nset grid ytics\n"
		"plot for [i=2:%u] '%s' using i:xtic(1) title columnheader(i)\n",
		path, n + 1, data);
	status = pclose(gp);
	unlink(data);
	if (status != 0) {
		fprintf(stderr, "phyr-sim mem: --plot: gnuplot failed (status %d)\n", status);
		return -1;
	}
	return 0;
}
