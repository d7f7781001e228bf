// SPDX-License-Identifier: MIT
/*
 * swiotlb trace replay (see swiotlb-trace.h). The modelled machine: bounce
 * buffer at physical = DMA address 0x80000000, one device without a segment
 * boundary whose min_align_mask each `map` sets, the CPU of each `map` as
 * the current CPU, DMA_BIDIRECTIONAL everywhere, DMA_ATTR_NO_WARN on map.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "swiotlb-trace.h"

/* What the replay remembers of a live mapping, by its data slot. */
struct live_map {
	uint64_t tlb_addr;
	uint32_t min_align_mask;
	bool live;
};

struct replay {
	struct cli_reader *r;
	struct swiotlb_trace_opts *opts;
	struct phyr_swiotlb *pool;
	struct phyr_swiotlb_info info;
	struct live_map *live;
};

/*
 * One operation's result: the Linux line on opts->out, or with --json an
 * item { "line": N, "op": NAME, typed result members } (@res may be NULL).
 */
static void emit(struct replay *rp, const char *op, const char *text, json_object *res)
{
	if (rp->opts->json) {
		json_object *item = json_object_new_object();

		cli_json_u64(item, "line", rp->r->line);
		cli_json_str(item, "op", op);
		if (res) {
			json_object_object_foreach(res, k, v)
				json_object_object_add(item, k, json_object_get(v));
			json_object_put(res);
		}
		cli_jstream_item(rp->opts->json, item);
		return;
	}
	json_object_put(res);
	fputs(text, rp->opts->out);
	fputc('\n', rp->opts->out);
}

static void replay_drop_pool(struct replay *rp)
{
	if (rp->pool) {
		phyr_swiotlb_get_stats(rp->pool, &rp->opts->stats);
		rp->opts->have_stats = 1;
	}
	phyr_swiotlb_destroy(rp->pool);
	free(rp->live);
	rp->pool = NULL;
	rp->live = NULL;
}

static int parse_num(struct replay *rp, const char *what, const char *s, uint64_t *v)
{
	char clip[CLI_CLIP_BUF];

	if (cli_u64(s, v) == 0)
		return 0;
	cli_error(rp->r, "bad %s '%s' (unsigned decimal or 0x hex)", what,
		  cli_clip(s, clip, sizeof(clip)));
	return -1;
}

/* Masks are `unsigned int` in Linux (dma_parms, the map argument). */
static int parse_mask(struct replay *rp, const char *what, const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_num(rp, what, s, &x))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int op_pool(struct replay *rp, char **tok)
{
	struct phyr_swiotlb_config cfg = { .start = SWIOTLB_TRACE_POOL_START };
	uint64_t nslabs;
	uint32_t nareas;
	int ret;

	if (parse_num(rp, "NSLABS", tok[1], &cfg.nslabs) ||
	    parse_num(rp, "NAREAS", tok[2], &cfg.nareas))
		return CLI_EXIT_BADINPUT;
	ret = phyr_swiotlb_geometry(cfg.nslabs, cfg.nareas, &nslabs, &nareas);
	if (ret || nslabs > rp->opts->max_nslabs) {
		cli_error(rp->r, "pool %s %s is too large (at most %" PRIu64 " slots)", tok[1],
			  tok[2], rp->opts->max_nslabs);
		return CLI_EXIT_BADINPUT;
	}
	replay_drop_pool(rp);
	ret = phyr_swiotlb_create(&cfg, NULL, &rp->pool);
	if (ret) {
		cli_error(rp->r, "cannot create the pool: %s", strerror(-ret));
		return 1;
	}
	phyr_swiotlb_get_info(rp->pool, &rp->info);
	rp->live = calloc(rp->info.nslabs, sizeof(*rp->live));
	if (!rp->live) {
		cli_error(rp->r, "out of memory");
		return 1;
	}
	{
		json_object *res = json_object_new_object();

		cli_json_addr(res, "start", rp->info.start);
		cli_json_u64(res, "nslabs", rp->info.nslabs);
		cli_json_u64(res, "nareas", rp->info.nareas);
		cli_json_u64(res, "area_nslabs", rp->info.area_nslabs);
		emit(rp, "pool", "ok", res);
	}
	return 0;
}

static int op_map(struct replay *rp, char **tok)
{
	struct phyr_swiotlb_dev dev = { 0 };
	uint64_t cpu, orig, size, tlb;
	uint32_t alloc_align;
	int ret;

	if (parse_num(rp, "CPU", tok[1], &cpu) || parse_num(rp, "ORIG", tok[2], &orig) ||
	    parse_num(rp, "SIZE", tok[3], &size) ||
	    parse_mask(rp, "ALLOC_ALIGN_MASK", tok[4], &alloc_align) ||
	    parse_mask(rp, "MIN_ALIGN_MASK", tok[5], &dev.min_align_mask))
		return CLI_EXIT_BADINPUT;
	/* SIZE 0 is a legal call while the in-slot offset needs a slot; with
	 * no slot Linux's slot search stops at BUG_ON(!nslots). */
	if (size == 0 && !(orig & dev.min_align_mask & (alloc_align | (PHYR_SWIOTLB_SLOT_SIZE - 1)))) {
		cli_error(rp->r, "map SIZE 0 with no in-slot offset takes no slot (Linux: BUG_ON)");
		return CLI_EXIT_BADINPUT;
	}
	ret = phyr_swiotlb_tbl_map_single(rp->pool, &dev, (unsigned int)cpu, orig, size,
					  alloc_align, PHYR_SWIOTLB_BIDIRECTIONAL,
					  PHYR_SWIOTLB_ATTR_NO_WARN, &tlb);
	if (ret == -ENOSPC) {
		json_object *res = json_object_new_object();

		cli_json_bool(res, "fail", true);
		emit(rp, "map", "fail", res);
		return 0;
	}
	if (ret) {
		cli_error(rp->r, "map %s %s %s %s %s: impossible request (%s)", tok[1], tok[2],
			  tok[3], tok[4], tok[5], strerror(-ret));
		return CLI_EXIT_BADINPUT;
	}
	{
		struct live_map *l = &rp->live[(tlb - rp->info.start) >> PHYR_SWIOTLB_SLOT_SHIFT];

		l->tlb_addr = tlb;
		l->min_align_mask = dev.min_align_mask;
		l->live = true;
	}
	{
		json_object *res = json_object_new_object();
		char text[24];

		snprintf(text, sizeof(text), "0x%" PRIx64, tlb);
		cli_json_addr(res, "tlb", tlb);
		emit(rp, "map", text, res);
	}
	return 0;
}

static int op_unmap(struct replay *rp, char **tok)
{
	struct phyr_swiotlb_dev dev = { 0 };
	struct live_map *l = NULL;
	uint64_t tlb, size;
	int ret;

	if (parse_num(rp, "TLB", tok[1], &tlb) || parse_num(rp, "SIZE", tok[2], &size))
		return CLI_EXIT_BADINPUT;
	if (phyr_swiotlb_contains(rp->pool, tlb))
		l = &rp->live[(tlb - rp->info.start) >> PHYR_SWIOTLB_SLOT_SHIFT];
	if (!l || !l->live || l->tlb_addr != tlb) {
		cli_error(rp->r, "unmap of %s, which no live map returned", tok[1]);
		return CLI_EXIT_BADINPUT;
	}
	dev.min_align_mask = l->min_align_mask;
	ret = phyr_swiotlb_tbl_unmap_single(rp->pool, &dev, tlb, size, PHYR_SWIOTLB_BIDIRECTIONAL, 0);
	if (ret) {
		cli_error(rp->r, "unmap %s failed: %s", tok[1], strerror(-ret));
		return 1;
	}
	l->live = false;
	emit(rp, "unmap", "ok", NULL);
	return 0;
}

static const struct {
	const char *name;
	int ntok;
	const char *usage;
	int (*run)(struct replay *rp, char **tok);
} ops[] = {
	{ "pool", 3, "pool NSLABS NAREAS", op_pool },
	{ "map", 6, "map CPU ORIG SIZE ALLOC_ALIGN_MASK MIN_ALIGN_MASK", op_map },
	{ "unmap", 3, "unmap TLB SIZE", op_unmap },
	{ "used", 1, "used", NULL },
};

static int replay_line(struct replay *rp, char *line)
{
	char *tok[8], clip[CLI_CLIP_BUF];
	int n = cli_split(line, tok, 8);

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(tok[0], ops[i].name) != 0)
			continue;
		if (n != ops[i].ntok) {
			cli_error(rp->r, "'%s' takes %d argument%s: %s", ops[i].name,
				  ops[i].ntok - 1, ops[i].ntok == 2 ? "" : "s", ops[i].usage);
			return CLI_EXIT_BADINPUT;
		}
		if (!rp->pool && ops[i].run != op_pool) {
			cli_error(rp->r, "'%s' before the first 'pool'", ops[i].name);
			return CLI_EXIT_BADINPUT;
		}
		if (!ops[i].run) {
			json_object *res = json_object_new_object();
			uint64_t used = phyr_swiotlb_used(rp->pool);
			char text[40];

			snprintf(text, sizeof(text), "used=%" PRIu64, used);
			cli_json_u64(res, "used", used);
			emit(rp, "used", text, res);
			return 0;
		}
		return ops[i].run(rp, tok);
	}
	cli_error(rp->r, "unknown operation '%s' (pool, map, unmap, used)",
		  cli_clip(tok[0], clip, sizeof(clip)));
	return CLI_EXIT_BADINPUT;
}

int swiotlb_trace_replay(struct cli_reader *r, struct swiotlb_trace_opts *opts)
{
	struct replay rp = { .r = r, .opts = opts };
	char *line;
	int ret = 0, got;

	opts->have_stats = 0;
	while ((got = cli_next(r, &line, false)) == 1) {
		ret = replay_line(&rp, line);
		if (ret)
			break;
	}
	if (got < 0)
		ret = CLI_EXIT_BADINPUT; /* cli_next printed why */
	replay_drop_pool(&rp);
	return ret;
}
