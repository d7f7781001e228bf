// SPDX-License-Identifier: MIT
/* phyr-sim mapsg: dma-iommu map_sg conformance cases (Linux-exact). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <phyr/scatterlist.h>

#include "cli.h"
#include "commands.h"
#include "mapsg-case.h"
#include "opt.h"
#include "out.h"

static void usage(FILE *f)
{
	fputs("usage: phyr-sim mapsg [--json] [--stats] FILE|-\n"
	      "\n"
	      "Runs each map_sg case through libphyr's model of Linux v6.17\n"
	      "iommu_dma_map_sg (one IOVA, boundary padding, iommu_map_sg runs,\n"
	      "__finalise_sg merging) and prints one result line per case:\n"
	      "\n"
	      "  mapsg mask=BITS max_seg=BYTES boundary=0xMASK ents=E1,E2,...\n"
	      "  E = 0xPHYS+OFF:LEN[/bus=0xBUSOFF]\n"
	      "\n"
	      "  BITS      DMA mask width, 1..64 (decimal)\n"
	      "  max_seg   dma_parms max_segment_size (decimal, 32-bit; 0 = 64 KiB)\n"
	      "  boundary  segment boundary mask, usually 2^k-1 (hex; 0 = none)\n"
	      "  PHYS      page-aligned physical address of the entry's page (hex)\n"
	      "  OFF, LEN  sg->offset (may exceed 4095) and sg->length, 0 allowed (decimal)\n"
	      "  /bus=     a PCI P2PDMA page reached by bus address PHYS+OFF+BUSOFF;\n"
	      "            equal offsets mean the same provider\n"
	      "\n"
	      "Output: ret=N iova=0xBASE len=IOVA_LEN segs=0xDMA:LEN[/bus],...\n"
	      "        maps=0xIOVA>0xPHYS:LEN,...   or   ret=-ERRNO\n"
	      "\n"
	      "Every case starts from a fresh trusted, coherent PCI device (32-bit\n"
	      "IOVA space first), a fresh strict IOMMU DMA domain (4K|2M|1G pages,\n"
	      "record-only page table, no limits) and a fresh IOVA domain (granule\n"
	      "4 KiB, start_pfn 1). Text after ' -> ' and after '#' is ignored, so\n"
	      "the conformance files can be fed as they are. A malformed line stops\n"
	      "the run with FILE:LINE: message and exit status 2.\n"
	      "\n"
	      "Options:\n"
	      "  --json    one JSON document on stdout instead of the lines: command,\n"
	      "            version, config (the modelled machine), \"results\" (one object\n"
	      "            per case: its line, the case's fields and entries, ret, the\n"
	      "            IOVA, segments and iommu_map calls; addresses also as NAME_hex\n"
	      "            strings) and \"stats\"; on bad input an error document and\n"
	      "            exit status 2\n"
	      "  --stats   the run's totals on stderr at the end, one 'NAME VALUE' line\n"
	      "            each (the same as the JSON \"stats\")\n"
	      "  -h, --help\n"
	      "\n"
	      "Example:\n"
	      "  echo 'mapsg mask=64 max_seg=65536 boundary=0xffffffff "
	      "ents=0x1000+0:4096,0x2000+0:4096' | phyr-sim mapsg -\n"
	      "  ret=1 iova=0xffffe000 len=8192 segs=0xffffe000:8192 "
	      "maps=0xffffe000>0x1000:8192\n"
	      "\n"
	      "Format reference: docs/mapsg.md.\n",
	      f);
}

enum { OPT_JSON = 256, OPT_STATS };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ 0 },
};

static const struct cli_cmd mapsg_cmd = { "mapsg", "h", longopts, usage };

/* The run's totals: the JSON "stats" and the --stats lines. */
struct mapsg_totals {
	uint64_t ncases, nfailed, nsegs, nmaps, nbytes_mapped;
};

static void config_object(json_object *cfg, const char *input)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	json_object *dev, *ps;

	cli_json_str(cfg, "input", input);
	dev = cli_json_obj(cfg, "device");
	cli_json_str(dev, "bus", "pci");
	cli_json_bool(dev, "trusted", true);
	cli_json_bool(dev, "coherent", true);
	cli_json_bool(dev, "iova_32bit_first", true);
	cli_json_str(cfg, "domain", "dma");
	cli_json_str(cfg, "pgtable", "record");
	ps = cli_json_arr(cfg, "page_sizes");
	json_object_array_add(ps, json_object_new_uint64(UINT64_C(4096)));
	json_object_array_add(ps, json_object_new_uint64(UINT64_C(2) << 20));
	json_object_array_add(ps, json_object_new_uint64(UINT64_C(1) << 30));
	cli_json_u64(cfg, "iova_granule", 4096);
	cli_json_u64(cfg, "iova_start_pfn", 1);
	cli_json_str(cfg, "sg_layout", L->name);
	cli_json_str(cfg, "dir", "bidirectional");
}

static json_object *case_object(unsigned long line, const struct mapsg_case *c,
				const struct mapsg_result *res)
{
	json_object *o = json_object_new_object(), *a;

	cli_json_u64(o, "line", line);
	cli_json_u64(o, "mask_bits", c->mask_bits);
	cli_json_u64(o, "max_seg", c->max_seg);
	cli_json_addr(o, "boundary", c->boundary);
	a = cli_json_arr(o, "ents");
	for (size_t i = 0; i < c->nents; i++) {
		json_object *e = json_object_new_object();

		cli_json_addr(e, "phys", c->ents[i].phys);
		cli_json_u64(e, "offset", c->ents[i].off);
		cli_json_u64(e, "length", c->ents[i].len);
		cli_json_bool(e, "bus", c->ents[i].bus);
		if (c->ents[i].bus)
			cli_json_addr(e, "bus_offset", c->ents[i].busoff);
		json_object_array_add(a, e);
	}
	cli_json_i64(o, "ret", res->ret);
	if (res->ret < 0)
		return o;
	cli_json_addr(o, "iova", res->iova);
	cli_json_u64(o, "iova_len", res->iova_len);
	a = cli_json_arr(o, "segs");
	for (int i = 0; i < res->ret; i++) {
		json_object *s = json_object_new_object();

		cli_json_addr(s, "dma_address", res->segs[i].dma);
		cli_json_u64(s, "dma_length", res->segs[i].len);
		cli_json_bool(s, "bus", res->segs[i].bus);
		json_object_array_add(a, s);
	}
	a = cli_json_arr(o, "maps");
	for (size_t i = 0; i < res->nmaps; i++) {
		json_object *m = json_object_new_object();

		cli_json_addr(m, "iova", res->maps[i].iova);
		cli_json_addr(m, "paddr", res->maps[i].paddr);
		cli_json_u64(m, "size", res->maps[i].size);
		json_object_array_add(a, m);
	}
	return o;
}

static json_object *stats_object(const struct mapsg_totals *t)
{
	json_object *o = json_object_new_object();

	cli_json_u64(o, "ncases", t->ncases);
	cli_json_u64(o, "nfailed", t->nfailed);
	cli_json_u64(o, "nsegs", t->nsegs);
	cli_json_u64(o, "nmaps", t->nmaps);
	cli_json_u64(o, "nbytes_mapped", t->nbytes_mapped);
	return o;
}

/* Runs every case of @r; one line or one JSON item (@js) each. */
static int run_cases(struct cli_reader *r, struct cli_jstream *js, struct mapsg_totals *t)
{
	char *line, err[256];
	int got, ret = 0;

	while ((got = cli_next(r, &line, true)) == 1) {
		struct mapsg_case c;
		struct mapsg_result res;

		if (mapsg_case_parse(line, &c, err, sizeof(err))) {
			cli_error(r, "%s", err);
			mapsg_case_free(&c);
			return CLI_EXIT_BADINPUT;
		}
		if (mapsg_case_eval(&c, &res, err, sizeof(err))) {
			cli_error(r, "%s", err);
			mapsg_result_free(&res);
			mapsg_case_free(&c);
			return 1;
		}
		t->ncases++;
		if (res.ret < 0)
			t->nfailed++;
		else
			t->nsegs += (uint64_t)res.ret;
		t->nmaps += res.nmaps;
		for (size_t i = 0; i < res.nmaps; i++)
			t->nbytes_mapped += res.maps[i].size;
		if (js)
			cli_jstream_item(js, case_object(r->line, &c, &res));
		else
			mapsg_result_print(&res, stdout);
		mapsg_result_free(&res);
		mapsg_case_free(&c);
	}
	if (got < 0)
		ret = CLI_EXIT_BADINPUT; /* cli_next printed why */
	return ret;
}

int cmd_mapsg(int argc, char **argv)
{
	struct mapsg_totals t = { 0 };
	struct cli_jstream js;
	struct cli_reader r;
	bool json = false, stats = false;
	json_object *stats_obj;
	int c, ret;

	cli_opt_start();
	while ((c = cli_getopt(&mapsg_cmd, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			return cli_help(&mapsg_cmd);
		case OPT_JSON:
			json = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (cli_operands(&mapsg_cmd, argc, argv, 1, 1))
		return CLI_EXIT_USAGE;
	if (cli_open(&r, argv[optind])) {
		if (json)
			cli_json_error_last(mapsg_cmd.name);
		return CLI_EXIT_USAGE;
	}
	if (json) {
		json_object *head = cli_doc_new(mapsg_cmd.name);

		config_object(cli_doc_config(head), r.path);
		if (cli_jstream_begin(&js, head, "results")) {
			cli_close(&r);
			return 1;
		}
	}
	ret = run_cases(&r, json ? &js : NULL, &t);
	cli_close(&r);
	if (json && ret) {
		cli_jstream_abort(&js);
		cli_json_error_last(mapsg_cmd.name);
		return ret;
	}
	stats_obj = stats_object(&t);
	if (stats && !ret)
		cli_stats_print(stderr, stats_obj);
	if (json) {
		json_object *tail = json_object_new_object();

		json_object_object_add(tail, "stats", stats_obj);
		if (cli_jstream_finish(&js, tail, stdout)) {
			fprintf(stderr, "phyr-sim mapsg: write error\n");
			return 1;
		}
		return 0;
	}
	json_object_put(stats_obj);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "phyr-sim mapsg: write error\n");
		return 1;
	}
	return ret;
}
