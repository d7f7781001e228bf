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
#include <stdlib.h>
#include <string.h>

#include <phyr/builder.h>

#include "cli.h"
#include "cli-opts.h"
#include "commands.h"
#include "iova-plugin.h"
#include "map.h"
#include "opt.h"
#include "out.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: phyr-sim map [--workload NAME|all] [--seed N]\n"
		"                    [--policy P | --policy-plugin FILE.so] [--cpus N]\n"
		"                    [--rcache on|off] [--mag-size N] [--rcache-classes N]\n"
		"                    [--depot trimmed|fixed] [--domain strict|lazy]\n"
		"                    [--iotlb ENTRIES,WAYS] [--fq-size N] [--fq-timeout-ms N]\n"
		"                    [--machine FILE] [--json | --csv]\n"
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
		"  sim_ns                modelled IOMMU time in ns (map, unmap, invalidations,\n"
		"                        walks)\n"
		"After every map the device touches the first and last 256 bytes of each DMA\n"
		"segment. APIs not built into the library print 'unavailable'.\n"
		"\n"
		"Options:\n"
		"  --workload NAME|all   one workload or all (default all)\n"
		"  --seed N              PRNG seed of the workloads, decimal or 0x hex\n"
		"                        (default 1)\n"
		"  --policy P            IOVA placement policy of the DMA domain: linux\n"
		"                        (default), augmented or buddy\n"
		"  --policy-plugin FILE  an IOVA policy plug-in (<phyr/iova-plugin.h>)\n"
		"  --cpus N              CPUs of the machine, 1-4096 (default: the machine\n"
		"                        file's, 4): IOVA range caches and flush queues\n"
		"  --rcache on|off       the per-CPU IOVA range cache (default on)\n"
		"  --mag-size N          pfns per IOVA magazine, 1-1024 (default 127)\n"
		"  --rcache-classes N    cached IOVA size classes, 1-16 (default 6)\n"
		"  --depot trimmed|fixed the IOVA depot: v6.7+'s list trimmed by delayed\n"
		"                        work (default), or the fixed 32 magazines before v6.7\n"
		"  --domain strict|lazy  IOTLB invalidation at unmap (strict, default) or\n"
		"                        through a flush queue (lazy, iommu.strict=0)\n"
		"  --iotlb ENTRIES,WAYS  IOTLB geometry (default 64,4)\n"
		"  --machine FILE        a machine description (docs/machine-desc.md) instead of\n"
		"                        the shipped machines/map.machine: start from that file;\n"
		"                        keep the endpoint 'nic' behind an IOMMU DMA group, the\n"
		"                        swiotlb pool and, for gpu and odp, the two P2P BARs\n"
		"  --fq-size N           flush-queue slots, a power of two (lazy; default 256)\n"
		"  --fq-timeout-ms N     flush-queue timer, 1-10000 ms (lazy; default 10)\n"
		"  --json                one JSON document: command, version, config,\n"
		"                        \"workloads\" (per workload, per API: the counters)\n"
		"  --csv                 the table with one header line\n"
		"  -h, --help\n"
		"\n"
		"Workloads:\n");
	for (unsigned i = 0; i < map_nworkloads; i++)
		fprintf(f, "  %-10s %s\n", map_workloads[i].name, map_workloads[i].desc);
	fputs("\n"
	      "Example:\n"
	      "  phyr-sim map --workload nic --seed 7 --policy buddy --csv\n"
	      "  (one CSV row per API; compare iova_nodes_visited with --policy linux)\n"
	      "  phyr-sim map --workload nvme --rcache off --cpus 8 --json\n"
	      "  (the same I/O with every allocation searching the IOVA tree)\n"
	      "\n"
	      "Formats: docs/dma.md.\n",
	      f);
}

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };

/* The whole file @path as a string (NULL: unreadable or out of memory). */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *b = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

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

static void print_json(const struct map_workload *w, const struct map_result *r,
		       json_object *workloads)
{
	json_object *o = json_object_new_object(), *apis;

	json_object_array_add(workloads, o);
	cli_json_str(o, "name", w->name);
	cli_json_str(o, "description", w->desc);
	apis = cli_json_arr(o, "apis");
	for (int a = 0; a < MAP_NAPIS; a++) {
		const struct map_result *x = &r[a];
		json_object *api = json_object_new_object();

		json_object_array_add(apis, api);
		cli_json_str(api, "api", map_api_names[a]);
		cli_json_bool(api, "available", x->available);
		if (!x->available) {
			cli_json_str(api, "reason", x->why);
			continue;
		}
		cli_json_u64(api, "requests", x->requests);
		cli_json_u64(api, "errors", x->errors);
		cli_json_u64(api, "iova_allocs", x->iova_allocs);
		cli_json_u64(api, "iova_nodes_visited", x->iova_nodes_visited);
		cli_json_u64(api, "ptes_written", x->ptes_written);
		cli_json_u64(api, "iotlb_invalidations", x->iotlb_invalidations);
		cli_json_u64(api, "bounce_bytes", x->bounce_bytes);
		cli_json_u64(api, "bounce_slots", x->bounce_slots);
		cli_json_u64(api, "dma_segments", x->dma_segments);
		cli_json_u64(api, "faults", x->faults);
		cli_json_u64(api, "sim_ns", (uint64_t)(x->sim_ns + 0.5)); /* whole ns, as the table */
	}
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

enum {
	OPT_WORKLOAD = 256, OPT_SEED, OPT_POLICY, OPT_PLUGIN, OPT_JSON, OPT_CSV, OPT_CPUS,
	OPT_RCACHE, OPT_MAG_SIZE, OPT_CLASSES, OPT_DOMAIN, OPT_DEPOT, OPT_IOTLB, OPT_FQ_SIZE,
	OPT_FQ_TIMEOUT, OPT_MACHINE,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "workload", required_argument, NULL, OPT_WORKLOAD },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "policy-plugin", required_argument, NULL, OPT_PLUGIN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "rcache", required_argument, NULL, OPT_RCACHE },
	{ "mag-size", required_argument, NULL, OPT_MAG_SIZE },
	{ "rcache-classes", required_argument, NULL, OPT_CLASSES },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "depot", required_argument, NULL, OPT_DEPOT },
	{ "iotlb", required_argument, NULL, OPT_IOTLB },
	{ "fq-size", required_argument, NULL, OPT_FQ_SIZE },
	{ "fq-timeout-ms", required_argument, NULL, OPT_FQ_TIMEOUT },
	{ "machine", required_argument, NULL, OPT_MACHINE },
	{ 0 },
};

static const struct cli_cmd map_cmd = { "map", "h", longopts, usage };

int cmd_map(int argc, char **argv)
{
	const char *wname = "all", *policy = NULL, *plugin = NULL, *machine = NULL;
	char *machine_text = NULL;
	const struct phyr_iova_policy_ops *pol;
	struct iova_plugin *pl = NULL;
	json_object *doc = NULL, *workloads = NULL;
	enum fmt fmt = FMT_TEXT;
	struct phyr_system_opts sopts = { 0 };
	uint64_t seed = 1, v;
	bool any = false, first = true;
	int c, ret;

	cli_opt_start();
	while ((c = cli_getopt(&map_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&map_cmd);
		case OPT_WORKLOAD:
			wname = optarg;
			break;
		case OPT_SEED:
			if (cli_opt_u64(optarg, &seed))
				return cli_bad_value(&map_cmd, "seed", optarg,
						     "an unsigned number, decimal or 0x hex");
			break;
		case OPT_POLICY:
			policy = optarg;
			break;
		case OPT_PLUGIN:
			plugin = optarg;
			break;
		case OPT_CPUS:
			if (cli_u64(optarg, &v) || v < 1 || v > 4096)
				return cli_bad_value(&map_cmd, "cpus", optarg, "1 to 4096");
			sopts.ncpus = (unsigned)v;
			break;
		case OPT_RCACHE:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return cli_bad_value(&map_cmd, "rcache", optarg, "on or off");
			sopts.no_rcache = strcmp(optarg, "off") == 0;
			break;
		case OPT_MAG_SIZE:
			if (cli_u64(optarg, &v) || v < 1 || v > 1024)
				return cli_bad_value(&map_cmd, "mag-size", optarg, "1 to 1024");
			sopts.mag_size = (unsigned)v;
			break;
		case OPT_CLASSES:
			if (cli_u64(optarg, &v) || v < 1 || v > 16)
				return cli_bad_value(&map_cmd, "rcache-classes", optarg, "1 to 16");
			sopts.rcache_classes = (unsigned)v;
			break;
		case OPT_DOMAIN:
			if (strcmp(optarg, "strict") && strcmp(optarg, "lazy"))
				return cli_bad_value(&map_cmd, "domain", optarg, "strict or lazy");
			sopts.lazy = strcmp(optarg, "lazy") == 0;
			break;
		case OPT_DEPOT:
			if (strcmp(optarg, "trimmed") && strcmp(optarg, "fixed"))
				return cli_bad_value(&map_cmd, "depot", optarg, "trimmed or fixed");
			sopts.depot_max = strcmp(optarg, "fixed") == 0 ? 32 : 0;
			break;
		case OPT_IOTLB:
			if (cli_opt_iotlb(optarg, &sopts.iotlb_entries, &sopts.iotlb_ways))
				return cli_bad_value(&map_cmd, "iotlb", optarg,
						     "ENTRIES,WAYS: ENTRIES a multiple of WAYS, at most 2^24");
			break;
		case OPT_FQ_SIZE:
			if (cli_u64(optarg, &v) || v < 1 || v > 65536 || (v & (v - 1)))
				return cli_bad_value(&map_cmd, "fq-size", optarg,
						     "a power of two from 1 to 65536");
			sopts.fq_size = (unsigned)v;
			break;
		case OPT_FQ_TIMEOUT:
			if (cli_u64(optarg, &v) || v < 1 || v > 10000)
				return cli_bad_value(&map_cmd, "fq-timeout-ms", optarg, "1 to 10000");
			sopts.fq_timeout_ns = v * 1000000;
			break;
		case OPT_MACHINE:
			machine = optarg;
			break;
		case OPT_JSON:
		case OPT_CSV:
			if (fmt != FMT_TEXT)
				return cli_usage_error(&map_cmd, "--json and --csv exclude each other");
			fmt = c == OPT_JSON ? FMT_JSON : FMT_CSV;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&map_cmd, argc, argv, 0, 0))
		return CLI_EXIT_USAGE;
	for (unsigned i = 0; i < map_nworkloads; i++)
		if (!strcmp(wname, "all") || !strcmp(wname, map_workloads[i].name))
			any = true;
	if (!any)
		return cli_bad_value(&map_cmd, "workload", wname, "a workload of --help, or all");
	if ((ret = iova_policy_select(&map_cmd, policy, plugin, &pol, &pl))) {
		if (fmt == FMT_JSON && plugin && !policy)
			cli_json_error_last(map_cmd.name);
		return ret;
	}
	sopts.iova_policy = pol;
	if (machine) {
		struct phyr_system *probe = NULL;
		char err[512] = "";

		/* read and checked once, before any workload runs */
		ret = phyr_system_build_file(machine, NULL, &probe, err, sizeof(err));
		phyr_system_destroy(probe);
		if (ret) {
			fprintf(stderr, "phyr-sim map: %s\n", err);
			if (fmt == FMT_JSON)
				cli_json_error(map_cmd.name, machine, 0, err);
			iova_plugin_close(pl);
			return CLI_EXIT_USAGE;
		}
		machine_text = read_file(machine);
		if (!machine_text) {
			fprintf(stderr, "phyr-sim map: %s: cannot read it\n", machine);
			iova_plugin_close(pl);
			return CLI_EXIT_USAGE;
		}
		map_set_machine(machine_text, machine);
	}

	if (fmt == FMT_JSON) {
		json_object *cfg, *apis;

		doc = cli_doc_new(map_cmd.name);
		cfg = cli_doc_config(doc);
		cli_json_str(cfg, "workload", wname);
		cli_json_u64(cfg, "seed", seed);
		cli_json_str(cfg, "policy", pol->name);
		cli_json_str(cfg, "policy_plugin", plugin);
		cli_json_u64(cfg, "cpus", sopts.ncpus ? sopts.ncpus : 4);
		cli_json_str(cfg, "rcache", sopts.no_rcache ? "off" : "on");
		cli_json_u64(cfg, "mag_size", sopts.mag_size ? sopts.mag_size : 127);
		cli_json_u64(cfg, "rcache_classes", sopts.rcache_classes ? sopts.rcache_classes : 6);
		cli_json_str(cfg, "domain", sopts.lazy ? "lazy" : "strict");
		cli_json_str(cfg, "depot", sopts.depot_max ? "fixed" : "trimmed");
		cli_json_u64(cfg, "iotlb_entries", sopts.iotlb_entries ? sopts.iotlb_entries : 64);
		cli_json_u64(cfg, "iotlb_ways", sopts.iotlb_ways ? sopts.iotlb_ways : 4);
		cli_json_u64(cfg, "fq_size", sopts.fq_size ? sopts.fq_size : 256);
		cli_json_u64(cfg, "fq_timeout_ms",
			     sopts.fq_timeout_ns ? sopts.fq_timeout_ns / 1000000 : 10);
		cli_json_str(cfg, "machine", machine ? machine :
			     "map.machine (the untrusted workload: map-untrusted.machine)");
		cli_json_u64(cfg, "touch_bytes", 256);
		apis = cli_json_arr(cfg, "apis");
		for (int a = 0; a < MAP_NAPIS; a++)
			json_object_array_add(apis, json_object_new_string(map_api_names[a]));
		workloads = cli_json_arr(doc, "workloads");
	}
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
			ret = map_run(w, (enum map_api)a, seed, &sopts, &r[a]);
			if (ret) {
				fprintf(stderr, "phyr-sim map: %s/%s: setup failed: %s\n", w->name,
					map_api_names[a], strerror(-ret));
				if (doc) {
					char msg[256];

					snprintf(msg, sizeof(msg), "%s/%s: setup failed: %s", w->name,
						 map_api_names[a], strerror(-ret));
					json_object_put(doc);
					cli_json_error(map_cmd.name, NULL, 0, msg);
				}
				iova_plugin_close(pl);
				map_set_machine(NULL, NULL);
				free(machine_text);
				/* -EINVAL: the machine cannot run the workload (a usage mistake) */
				return ret == -EINVAL ? CLI_EXIT_USAGE : 1;
			}
		}
		if (fmt == FMT_TEXT) {
			if (!first)
				printf("\n");
			print_text(w, r, seed);
		} else if (fmt == FMT_JSON) {
			print_json(w, r, workloads);
		} else {
			print_csv(w, r);
		}
		first = false;
	}
	iova_plugin_close(pl);
	map_set_machine(NULL, NULL);
	free(machine_text);
	if (doc)
		return cli_doc_print(doc, stdout) ? 1 : 0;
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "phyr-sim map: write error\n");
		return 1;
	}
	return 0;
}
