// SPDX-License-Identifier: MIT
/*
 * phyr-sim map: simulated device workloads under each mapping API
 * (map_sg, map_phyr, two-step), with the exact counters of the models:
 * IOVA allocations and nodes visited, PTEs written, IOTLB invalidations,
 * bounce bytes and slots, DMA segments, faults, simulated IOMMU time.
 * APIs the library was built without are reported as unavailable.
 * Formats in docs/dma.md.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli-opts.h"
#include "commands.h"
#include "map.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim map [--workload NAME|all] [--seed N] [--json | --csv]\n"
		"\n"
		"Runs each workload on a fresh simulated machine (device behind a strict DMA\n"
		"IOMMU domain, ARM LPAE 4K; P2P providers by bus address and through the host\n"
		"bridge; 64 MiB swiotlb pool) once per mapping API and reports per API:\n"
		"  requests, errors      map operations issued / failed\n"
		"  iova_allocs           alloc_iova_fast calls\n"
		"  iova_nodes_visited    IOVA tree nodes the searches touched\n"
		"  ptes_written          page-table descriptor stores (installs and clears)\n"
		"  iotlb_invalidations   IOTLB range + full invalidation commands\n"
		"  bounce_bytes          bytes copied to and from swiotlb slots\n"
		"  bounce_slots          swiotlb slots allocated\n"
		"  dma_segments          DMA segments handed to the device\n"
		"  faults                device accesses that faulted\n"
		"  sim_ns                modelled IOMMU time (map, unmap, invalidations, walks)\n"
		"After every map the device touches the first and last 256 bytes of each DMA\n"
		"segment. APIs not built into the library print 'unavailable'.\n"
		"\n"
		"Options:\n"
		"  --workload NAME|all  one workload or all (default all)\n"
		"  --seed N             PRNG seed of the workloads (default 1)\n"
		"  --json, --csv        machine-readable output (schemas in docs/dma.md)\n"
		"  --help               this text\n"
		"\n"
		"Workloads:\n");
	for (unsigned i = 0; i < map_nworkloads; i++)
		fprintf(f, "  %-10s %s\n", map_workloads[i].name, map_workloads[i].desc);
}

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };

static void print_text(const struct map_workload *w, const struct map_result *r, uint64_t seed)
{
	printf("workload %s (seed %llu): %s\n", w->name, (unsigned long long)seed, w->desc);
	printf("%-9s %8s %6s %11s %13s %12s %10s %12s %12s %9s %6s %14s\n", "api", "requests",
	       "errors", "iova_allocs", "nodes_visited", "ptes_written", "iotlb_inv",
	       "bounce_bytes", "bounce_slots", "dma_segs", "faults", "sim_ns");
	for (int a = 0; a < MAP_NAPIS; a++) {
		const struct map_result *x = &r[a];

		if (!x->available) {
			printf("%-9s unavailable (%s)\n", map_api_names[a], x->why);
			continue;
		}
		printf("%-9s %8llu %6llu %11llu %13llu %12llu %10llu %12llu %12llu %9llu %6llu %14.0f\n",
		       map_api_names[a], (unsigned long long)x->requests,
		       (unsigned long long)x->errors, (unsigned long long)x->iova_allocs,
		       (unsigned long long)x->iova_nodes_visited,
		       (unsigned long long)x->ptes_written,
		       (unsigned long long)x->iotlb_invalidations,
		       (unsigned long long)x->bounce_bytes, (unsigned long long)x->bounce_slots,
		       (unsigned long long)x->dma_segments, (unsigned long long)x->faults,
		       x->sim_ns);
	}
}

static void print_json(const struct map_workload *w, const struct map_result *r, bool first)
{
	printf("%s\n    {\"name\": \"%s\", \"description\": \"%s\", \"apis\": [", first ? "" : ",",
	       w->name, w->desc);
	for (int a = 0; a < MAP_NAPIS; a++) {
		const struct map_result *x = &r[a];

		printf("%s\n      {\"api\": \"%s\", \"available\": %s", a ? "," : "",
		       map_api_names[a], x->available ? "true" : "false");
		if (!x->available) {
			printf(", \"reason\": \"%s\"}", x->why);
			continue;
		}
		printf(", \"requests\": %llu, \"errors\": %llu, \"iova_allocs\": %llu, "
		       "\"iova_nodes_visited\": %llu, \"ptes_written\": %llu, "
		       "\"iotlb_invalidations\": %llu, \"bounce_bytes\": %llu, "
		       "\"bounce_slots\": %llu, \"dma_segments\": %llu, \"faults\": %llu, "
		       "\"sim_ns\": %.0f}",
		       (unsigned long long)x->requests, (unsigned long long)x->errors,
		       (unsigned long long)x->iova_allocs,
		       (unsigned long long)x->iova_nodes_visited,
		       (unsigned long long)x->ptes_written,
		       (unsigned long long)x->iotlb_invalidations,
		       (unsigned long long)x->bounce_bytes, (unsigned long long)x->bounce_slots,
		       (unsigned long long)x->dma_segments, (unsigned long long)x->faults,
		       x->sim_ns);
	}
	printf("\n    ]}");
}

static void print_csv(const struct map_workload *w, const struct map_result *r)
{
	for (int a = 0; a < MAP_NAPIS; a++) {
		const struct map_result *x = &r[a];

		if (!x->available) {
			printf("%s,%s,0,,,,,,,,,,,\n", w->name, map_api_names[a]);
			continue;
		}
		printf("%s,%s,1,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.0f\n", w->name,
		       map_api_names[a], (unsigned long long)x->requests,
		       (unsigned long long)x->errors, (unsigned long long)x->iova_allocs,
		       (unsigned long long)x->iova_nodes_visited,
		       (unsigned long long)x->ptes_written,
		       (unsigned long long)x->iotlb_invalidations,
		       (unsigned long long)x->bounce_bytes, (unsigned long long)x->bounce_slots,
		       (unsigned long long)x->dma_segments, (unsigned long long)x->faults,
		       x->sim_ns);
	}
}

int cmd_map(int argc, char **argv)
{
	const char *wname = "all";
	enum fmt fmt = FMT_TEXT;
	uint64_t seed = 1;
	bool any = false, first = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			fmt = FMT_JSON;
		} else if (!strcmp(a, "--csv")) {
			fmt = FMT_CSV;
		} else if (!strcmp(a, "--workload") || !strcmp(a, "--seed")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "phyr-sim map: %s needs a value\n", a);
				return CLI_EXIT_BADINPUT;
			}
			if (!strcmp(a, "--workload")) {
				wname = argv[++i];
			} else if (cli_opt_u64(argv[++i], &seed)) {
				fprintf(stderr, "phyr-sim map: bad seed '%s'\n", argv[i]);
				return CLI_EXIT_BADINPUT;
			}
		} else {
			fprintf(stderr, "phyr-sim map: unknown option '%s' (see --help)\n", a);
			return CLI_EXIT_BADINPUT;
		}
	}
	for (unsigned i = 0; i < map_nworkloads; i++)
		if (!strcmp(wname, "all") || !strcmp(wname, map_workloads[i].name))
			any = true;
	if (!any) {
		fprintf(stderr, "phyr-sim map: unknown workload '%s' (see --help)\n", wname);
		return CLI_EXIT_BADINPUT;
	}

	if (fmt == FMT_JSON)
		printf("{\"seed\": %llu, \"workloads\": [", (unsigned long long)seed);
	if (fmt == FMT_CSV)
		printf("workload,api,available,requests,errors,iova_allocs,iova_nodes_visited,"
		       "ptes_written,iotlb_invalidations,bounce_bytes,bounce_slots,dma_segments,"
		       "faults,sim_ns\n");
	for (unsigned i = 0; i < map_nworkloads; i++) {
		const struct map_workload *w = &map_workloads[i];
		struct map_result r[MAP_NAPIS];

		if (strcmp(wname, "all") && strcmp(wname, w->name))
			continue;
		for (int a = 0; a < MAP_NAPIS; a++) {
			int ret = map_run(w, (enum map_api)a, seed, &r[a]);

			if (ret) {
				fprintf(stderr, "phyr-sim map: %s/%s: setup failed: %s\n", w->name,
					map_api_names[a], strerror(-ret));
				return 1;
			}
		}
		if (fmt == FMT_TEXT) {
			if (!first)
				printf("\n");
			print_text(w, r, seed);
		} else if (fmt == FMT_JSON) {
			print_json(w, r, first);
		} else {
			print_csv(w, r);
		}
		first = false;
	}
	if (fmt == FMT_JSON)
		printf("\n]}\n");
	return 0;
}
