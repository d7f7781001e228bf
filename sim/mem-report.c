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

void mem_print_table(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		     const char *backend)
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
	}
	fprintf(f, "\nbytes: exact layout of the entry storage (chain slots, chunk padding and "
		   "next pointers included;\n"
		   "descriptors such as the 16 B sg_table or the 32 B packed header are in --json). "
		   "kernel: kmalloc\n"
		   "classes, page orders above 8 KiB, vmalloc pages above 4 MiB. "
		   "DMA-side columns (passthrough,\n"
		   "IOMMU, bus offset) come with the DMA layer.\n");
}

static void json_double(FILE *f, const char *key, bool ok, double v, const char *sep)
{
	if (ok)
		fprintf(f, "\"%s\": %.6f%s", key, v, sep);
	else
		fprintf(f, "\"%s\": null%s", key, sep);
}

void mem_print_json(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		    const char *backend)
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
			fprintf(f, "\"dma\": null}%s\n", i + 1 < PHYR_REPR_COUNT ? "," : "");
		}
		fprintf(f, "      ]\n    }%s\n", k + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
}

void mem_print_csv(FILE *f, const struct mem_result *r, unsigned n, const char *backend)
{
	fprintf(f, "workload,representation,entries,slots,blocks,bytes,desc_bytes,bytes_per_page,"
		   "kernel_bytes,heap_bytes,ratio_sg32,floor_bytes,floor_multiple,"
		   "dma_passthrough_bytes,dma_iommu_bytes,dma_bus_offset_bytes\n");
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
			fprintf(f, ",,,\n");
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
