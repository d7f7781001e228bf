// SPDX-License-Identifier: MIT
/*
 * Bounce replay: a capture's swiotlb mappings (qs/ probes) replayed on the
 * swiotlb model of src/mem/swiotlb.c, in the captured machine's own
 * physical addresses. The kernel side reproduced is Linux's
 * kernel/dma/swiotlb.c (slot search from the calling CPU's area, release at
 * swiotlb_release_slots); where each capture line is applied is described
 * in bounce.h and docs/capture.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "phyr/capture.h"
#include "bounce.h"
#include "ftrace.h"
#include "swiotlb.h"

/* Linux's DMA_MAPPING_ERROR: what a failed swiotlb_tbl_map_single returns. */
#define LINUX_MAPPING_ERROR UINT64_MAX
#define NO_INDEX SIZE_MAX

struct pool {
	uint64_t start, end, nslabs;
	uint32_t nareas, area_nslabs;
	bool force_bounce;
	uint64_t line;               /* first qs/pool line that described it */
	struct phyr_swiotlb *model;
};

struct device {
	uint64_t dev;                /* the kernel's struct device pointer */
	char name[BOUNCE_DEVNAME_MAX];
	bool has_min_align;
	uint32_t min_align_mask;
	size_t pool;                 /* NO_INDEX: the default (first) pool */
};

/* A mapping live in the capture, keyed by Linux's slot address. */
struct live {
	uint64_t linux_tlb;
	uint64_t model_tlb;
	uint64_t size;
	uint32_t min_align_mask;
	uint32_t dir;
	size_t pool;
	bool model_found;
	bool used;
};

/* Key of a task: the PID, or the CPU for the idle tasks (all PID 0). */
static uint64_t task_key(const struct bounce_event *rec)
{
	return rec->pid ? rec->pid : UINT64_C(1) << 32 | rec->cpu;
}

/* Per-task memory of pass 1, in a hash table keyed by task_key(). */
struct task {
	uint64_t key;
	bool used;
	size_t name;      /* last swiotlb_bounced/dma_map_phys record, or NO_INDEX */
	size_t map;       /* last qs/map record, or NO_INDEX */
	size_t top;       /* latest entry still waiting for its return, or NO_INDEX */
};

/* Entries deeper than this in one task's stack are not searched for a return. */
#define PAIR_DEPTH 64

struct pass1 {
	size_t *entry_of;   /* per record: for a map, its paired entry, else NO_INDEX */
	size_t *map_of;     /* per record: for an entry, its paired map, else NO_INDEX */
	size_t *below;      /* per waiting entry: the one below it in its task's stack */
	size_t npending;    /* entries waiting for their return */
	struct task *tasks;
	size_t ntasks, tasks_cap;
};

struct bounce_replay {
	const struct phyr_allocator *alloc;
	struct bounce_event *recs;
	size_t nrecs, recs_cap;
	struct bounce_result *results;
	size_t nresults;
	struct pool *pools;
	size_t npools, pools_cap;
	struct device *devs;
	size_t ndevs, devs_cap;
	struct live *live;           /* open addressing, linear probing */
	size_t live_cap, nlive;
	struct bounce_stats stats;
	bool ran;
	/* pass 1 state of the records held (stream: of the current chunk) */
	struct pass1 p1;
	size_t p1_cap;
	uint64_t last_line;          /* line of the last record added */
	/* stream mode (bounce_replay_stream): records are replayed by chunks */
	bool stream;
	void (*emit)(void *ctx, const struct bounce_result *res);
	void *emit_ctx;
	bool release_seen;           /* a qs/release line so far */
	uint64_t unmaps_waiting;     /* qs/unmap lines whose qs/release has not come */
	bool chunk_unmap;            /* the chunk holds a qs/unmap */
	uint64_t first_divergence;   /* stream: first map whose slot differs */
	uint64_t err_line;           /* stream: the line a chunk's error names */
};

/* Grows an array to hold at least @need elements of @size bytes. */
static int grow(const struct phyr_allocator *a, void **arr, size_t *cap, size_t need,
		size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / size)
			return -ENOMEM;
		ncap *= 2;
	}
	n = alloc_mem(a, ncap * size);
	if (!n)
		return -ENOMEM;
	if (*arr) {
		memcpy(n, *arr, *cap * size);
		alloc_free(a, *arr, *cap * size);
	}
	*arr = n;
	*cap = ncap;
	return 0;
}

int bounce_replay_create(const struct phyr_allocator *alloc, struct bounce_replay **out)
{
	struct bounce_replay *r;

	if (!out)
		return -EINVAL;
	alloc = alloc_or_default(alloc);
	r = alloc_zeroed(alloc, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->alloc = alloc;
	*out = r;
	return 0;
}

void bounce_replay_destroy(struct bounce_replay *r)
{
	const struct phyr_allocator *a;

	if (!r)
		return;
	a = r->alloc;
	for (size_t i = 0; i < r->npools; i++)
		phyr_swiotlb_destroy(r->pools[i].model);
	alloc_free(a, r->recs, r->recs_cap * sizeof(*r->recs));
	if (r->results)
		alloc_free(a, r->results, (r->nresults ? r->nresults : 1) * sizeof(*r->results));
	alloc_free(a, r->pools, r->pools_cap * sizeof(*r->pools));
	alloc_free(a, r->devs, r->devs_cap * sizeof(*r->devs));
	alloc_free(a, r->live, r->live_cap * sizeof(*r->live));
	alloc_free(a, r->p1.entry_of, r->p1_cap * sizeof(size_t));
	alloc_free(a, r->p1.map_of, r->p1_cap * sizeof(size_t));
	alloc_free(a, r->p1.below, r->p1_cap * sizeof(size_t));
	alloc_free(a, r->p1.tasks, r->p1.tasks_cap * sizeof(*r->p1.tasks));
	alloc_free(a, r, sizeof(*r));
}

static int add_rec(struct bounce_replay *r, const struct bounce_event *rec, char *msg,
		   size_t len);

int bounce_replay_add(struct bounce_replay *r, const struct bounce_event *rec)
{
	return add_rec(r, rec, NULL, 0);
}

/* ---- devices ---- */

static struct device *dev_find(struct bounce_replay *r, uint64_t dev)
{
	for (size_t i = 0; i < r->ndevs; i++)
		if (r->devs[i].dev == dev)
			return &r->devs[i];
	return NULL;
}

static int dev_get(struct bounce_replay *r, uint64_t dev, struct device **out)
{
	struct device *d = dev_find(r, dev);
	int ret;

	if (!d) {
		ret = grow(r->alloc, (void **)&r->devs, &r->devs_cap, r->ndevs + 1,
			   sizeof(*r->devs));
		if (ret)
			return ret;
		d = &r->devs[r->ndevs++];
		memset(d, 0, sizeof(*d));
		d->dev = dev;
		d->pool = NO_INDEX;
	}
	*out = d;
	return 0;
}

static void dev_name(struct device *d, const char *name)
{
	if (!d->name[0] && name[0])
		snprintf(d->name, sizeof(d->name), "%s", name);
}

/* ---- live mappings: Linux's slot -> the model's ---- */

static size_t live_hash(uint64_t tlb, size_t cap)
{
	uint64_t h = tlb * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 17) & (cap - 1);
}

static struct live *live_find(struct bounce_replay *r, uint64_t tlb)
{
	size_t i;

	if (!r->live_cap)
		return NULL;
	for (i = live_hash(tlb, r->live_cap); r->live[i].used; i = (i + 1) & (r->live_cap - 1))
		if (r->live[i].linux_tlb == tlb)
			return &r->live[i];
	return NULL;
}

static void live_put(struct live *tab, size_t cap, const struct live *l)
{
	size_t i = live_hash(l->linux_tlb, cap);

	while (tab[i].used)
		i = (i + 1) & (cap - 1);
	tab[i] = *l;
}

static int live_insert(struct bounce_replay *r, const struct live *l)
{
	if ((r->nlive + 1) * 2 > r->live_cap) {
		size_t ncap = r->live_cap ? r->live_cap * 2 : 64;
		struct live *n = alloc_zeroed(r->alloc, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < r->live_cap; i++)
			if (r->live[i].used)
				live_put(n, ncap, &r->live[i]);
		alloc_free(r->alloc, r->live, r->live_cap * sizeof(*r->live));
		r->live = n;
		r->live_cap = ncap;
	}
	live_put(r->live, r->live_cap, l);
	r->nlive++;
	return 0;
}

/* Removes @l from the table, shifting later entries of its probe run back. */
static void live_remove(struct bounce_replay *r, struct live *l)
{
	size_t mask = r->live_cap - 1, i = (size_t)(l - r->live), j = i;

	r->live[i].used = false;
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!r->live[j].used)
			break;
		k = live_hash(r->live[j].linux_tlb, r->live_cap);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			r->live[i] = r->live[j];
			r->live[j].used = false;
			i = j;
		}
	}
	r->nlive--;
}

/* ---- pass 1: pools, devices, names, entry/return pairs ---- */

static int fail(char *msg, size_t len, uint64_t *err_line, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	*err_line = line;
	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int pool_add(struct bounce_replay *r, const struct bounce_event *rec, size_t *index,
		    uint64_t *err_line, char *msg, size_t len)
{
	struct pool *p;
	uint64_t total;
	int ret;

	if (!rec->nslabs || !rec->nareas || (rec->nareas & (rec->nareas - 1)) ||
	    rec->nslabs % rec->nareas || rec->nslabs / rec->nareas != rec->area_nslabs ||
	    rec->nslabs > PHYR_SWIOTLB_MAX_NSLABS ||
	    rec->start > UINT64_MAX - (rec->nslabs << PHYR_SWIOTLB_SLOT_SHIFT) ||
	    rec->end != rec->start + (rec->nslabs << PHYR_SWIOTLB_SLOT_SHIFT))
		return fail(msg, len, err_line, rec->line,
			    "qs/pool: impossible geometry start=0x%" PRIx64 " end=0x%" PRIx64
			    " nslabs=%" PRIu64 " nareas=%" PRIu32 " area_nslabs=%" PRIu32
			    " (need end = start + nslabs * 2048, nareas a power of two,"
			    " area_nslabs = nslabs / nareas, at most %" PRIu64 " slots)",
			    rec->start, rec->end, rec->nslabs, rec->nareas, rec->area_nslabs,
			    (uint64_t)PHYR_SWIOTLB_MAX_NSLABS);
	for (size_t i = 0; i < r->npools; i++) {
		p = &r->pools[i];
		if (p->start == rec->start && p->nslabs == rec->nslabs &&
		    p->nareas == rec->nareas) {
			*index = i;
			return 0;
		}
		if (rec->start < p->end && p->start < rec->end)
			return fail(msg, len, err_line, rec->line,
				    "qs/pool: pool 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
				    " slots, %" PRIu32 " areas) overlaps the different pool of line %"
				    PRIu64, rec->start, rec->end, rec->nslabs, rec->nareas, p->line);
	}
	/* Bound the model's memory whatever the capture says (32 GiB of pools). */
	total = rec->nslabs;
	for (size_t i = 0; i < r->npools; i++)
		total += r->pools[i].nslabs;
	if (total > PHYR_SWIOTLB_MAX_NSLABS)
		return fail(msg, len, err_line, rec->line,
			    "qs/pool: the capture's pools hold more than %" PRIu64 " slots in all",
			    (uint64_t)PHYR_SWIOTLB_MAX_NSLABS);
	ret = grow(r->alloc, (void **)&r->pools, &r->pools_cap, r->npools + 1, sizeof(*r->pools));
	if (ret)
		return ret;
	p = &r->pools[r->npools];
	memset(p, 0, sizeof(*p));
	p->start = rec->start;
	p->end = rec->end;
	p->nslabs = rec->nslabs;
	p->nareas = rec->nareas;
	p->area_nslabs = rec->area_nslabs;
	p->force_bounce = rec->force_bounce;
	p->line = rec->line;
	ret = swiotlb_create_exact(p->start, p->nslabs, p->nareas, p->force_bounce, r->alloc,
				   &p->model);
	if (ret)
		return ret == -ENOMEM ? ret : fail(msg, len, err_line, rec->line,
						   "qs/pool: the model cannot hold this pool");
	*index = r->npools++;
	return 0;
}

static size_t task_slot(const struct task *tab, size_t cap, uint64_t key)
{
	size_t i = (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 17) & (cap - 1);

	while (tab[i].used && tab[i].key != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static int task_get(struct bounce_replay *r, struct pass1 *p1, const struct bounce_event *rec,
		    struct task **out)
{
	uint64_t key = task_key(rec);
	struct task *t;
	size_t i;

	if ((p1->ntasks + 1) * 2 > p1->tasks_cap) {
		size_t ncap = p1->tasks_cap ? p1->tasks_cap * 2 : 64;
		struct task *n = alloc_zeroed(r->alloc, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < p1->tasks_cap; i++)
			if (p1->tasks[i].used)
				n[task_slot(n, ncap, p1->tasks[i].key)] = p1->tasks[i];
		alloc_free(r->alloc, p1->tasks, p1->tasks_cap * sizeof(*p1->tasks));
		p1->tasks = n;
		p1->tasks_cap = ncap;
	}
	t = &p1->tasks[task_slot(p1->tasks, p1->tasks_cap, key)];
	if (!t->used) {
		t->used = true;
		t->key = key;
		t->name = NO_INDEX;
		t->map = NO_INDEX;
		t->top = NO_INDEX;
		p1->ntasks++;
	}
	*out = t;
	return 0;
}

/*
 * Pairs the return @m with the latest waiting entry of its task for the same
 * call: the stack discipline (an interrupt's call nests inside the task's).
 */
static void pair_return(struct bounce_replay *r, struct pass1 *p1, struct task *t, size_t m)
{
	const struct bounce_event *rm = &r->recs[m];
	size_t *link = &t->top;

	for (unsigned depth = 0; *link != NO_INDEX && depth < PAIR_DEPTH; depth++) {
		size_t e = *link;
		const struct bounce_event *re = &r->recs[e];

		if (re->dev == rm->dev && re->orig == rm->orig && re->size == rm->size) {
			p1->entry_of[m] = e;
			p1->map_of[e] = m;
			*link = p1->below[e];
			p1->npending--;
			return;
		}
		link = &p1->below[e];
	}
}

/* Names the device of a map from the standard event around it, same task. */
static int name_from_events(struct bounce_replay *r, struct pass1 *p1, size_t i)
{
	const struct bounce_event *rec = &r->recs[i];
	struct device *d;
	struct task *t;
	int ret;

	if (rec->kind != BOUNCE_NAME && rec->kind != BOUNCE_MAP && rec->kind != BOUNCE_MAP_ENTRY)
		return 0;
	ret = task_get(r, p1, rec, &t);
	if (ret)
		return ret;
	switch (rec->kind) {
	case BOUNCE_NAME:
		t->name = i;
		/* dma_map_phys after the return: the same original and slot. */
		if (rec->tlb && t->map != NO_INDEX && r->recs[t->map].tlb == rec->tlb &&
		    r->recs[t->map].orig == rec->orig) {
			d = dev_find(r, r->recs[t->map].dev);
			if (d)
				dev_name(d, rec->devname);
		}
		return 0;
	case BOUNCE_MAP:
		t->map = i;
		/* fall through */
	case BOUNCE_MAP_ENTRY:
		/* swiotlb_bounced just before the call: the same original. */
		ret = dev_get(r, rec->dev, &d);
		if (ret)
			return ret;
		if (t->name != NO_INDEX && !r->recs[t->name].tlb &&
		    r->recs[t->name].orig == rec->orig)
			dev_name(d, r->recs[t->name].devname);
		return 0;
	default:
		return 0;
	}
}

/* Pass 1 on record @i (the next one): pools, devices, names, pairs. */
static int pass1_step(struct bounce_replay *r, size_t i, uint64_t *err_line, char *msg,
		      size_t len)
{
	struct pass1 *p1 = &r->p1;
	const struct bounce_event *rec = &r->recs[i];
	size_t pool_index = 0;
	struct device *d;
	struct task *t;
	int ret;

	p1->entry_of[i] = NO_INDEX;
	p1->map_of[i] = NO_INDEX;
	switch (rec->kind) {
	case BOUNCE_POOL:
		ret = pool_add(r, rec, &pool_index, err_line, msg, len);
		if (ret)
			return ret;
		ret = dev_get(r, rec->dev, &d);
		if (ret)
			return ret;
		dev_name(d, rec->devname);
		d->pool = pool_index;
		if (rec->has_min_align && !d->has_min_align) {
			d->has_min_align = true;
			d->min_align_mask = rec->min_align_mask;
		}
		break;
	case BOUNCE_MAP_ENTRY:
		ret = task_get(r, p1, rec, &t);
		if (ret)
			return ret;
		p1->below[i] = t->top;
		t->top = i;
		p1->npending++;
		break;
	case BOUNCE_MAP:
		r->nresults++;
		ret = task_get(r, p1, rec, &t);
		if (ret)
			return ret;
		pair_return(r, p1, t, i);
		break;
	case BOUNCE_UNMAP:
		r->chunk_unmap = true;
		r->unmaps_waiting++;
		break;
	case BOUNCE_RELEASE:
		r->release_seen = true;
		if (r->unmaps_waiting)
			r->unmaps_waiting--;
		break;
	default:
		break;
	}
	return name_from_events(r, p1, i);
}

/* After pass 1 of the records held: maps need a pool. */
static int pass1_check(struct bounce_replay *r, uint64_t *err_line, char *msg, size_t len)
{
	r->stats.nunpaired_entries += r->p1.npending;
	r->stats.npools = r->npools;
	if (r->nresults && !r->npools) {
		size_t i = 0;

		while (r->recs[i].kind != BOUNCE_MAP)
			i++;
		return fail(msg, len, err_line, r->recs[i].line,
			    "qs/map but no qs/pool line in the capture: the swiotlb pool's"
			    " geometry is unknown");
	}
	return 0;
}

/* ---- pass 2: the replay ---- */

static struct pool *pool_of(struct bounce_replay *r, uint64_t dev, size_t *index)
{
	const struct device *d = dev_find(r, dev);

	*index = d && d->pool != NO_INDEX ? d->pool : 0;
	return &r->pools[*index];
}

static void release(struct bounce_replay *r, struct live *l)
{
	struct phyr_swiotlb_dev sd = { .min_align_mask = l->min_align_mask };

	if (l->model_found) {
		int ret = phyr_swiotlb_tbl_unmap_single(r->pools[l->pool].model, &sd, l->model_tlb,
							l->size, (int)l->dir,
							PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC);

		PHYR_ASSERT(ret == 0);
	}
	live_remove(r, l);
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A PCI device name, "DDDD:BB:DD.F". */
static bool is_pci_name(const char *s)
{
	static const char pat[] = "hhhh:hh:hh.h";

	for (size_t i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'h' ? !is_hex(s[i]) : s[i] != pat[i])
			return false;
	return s[sizeof(pat) - 1] == '\0';
}

static int do_map(struct bounce_replay *r, const struct bounce_event *m, uint32_t cpu,
		  struct bounce_result *res)
{
	const struct device *d = dev_find(r, m->dev);
	struct phyr_swiotlb_dev sd = { 0 };
	struct live l = { 0 }, *stale;
	struct pool *p;
	size_t pool_index;
	int dir = m->dir <= PHYR_SWIOTLB_DIR_NONE ? (int)m->dir : PHYR_SWIOTLB_BIDIRECTIONAL;
	uint64_t tlb = 0;

	p = pool_of(r, m->dev, &pool_index);
	/* pci_device_add() gives every PCI device a 4 GiB segment boundary;
	 * a run of slots may not cross it (only a pool across 4 GiB sees it). */
	if (d && is_pci_name(d->name))
		sd.seg_boundary_mask = UINT32_MAX;
	if (m->has_min_align)
		sd.min_align_mask = m->min_align_mask;
	else if (d && d->has_min_align)
		sd.min_align_mask = d->min_align_mask;
	/*
	 * Linux handed out a slot the replay still holds for an older mapping:
	 * its release was lost, and the kernel had made it before this search.
	 */
	stale = m->tlb != LINUX_MAPPING_ERROR ? live_find(r, m->tlb) : NULL;
	if (stale) {
		release(r, stale);
		r->stats.nunknown_releases++;
	}
	res->model_found = phyr_swiotlb_tbl_map_single(p->model, &sd, cpu, m->orig, m->size,
						       m->alloc_align_mask, dir, m->attrs,
						       &tlb) == 0;
	res->model_tlb = res->model_found ? tlb : 0;
	r->stats.nmaps++;
	if (!res->model_found)
		r->stats.nmodel_failures++;
	else if (tlb == m->tlb)
		r->stats.nmatches++;
	if (m->tlb == LINUX_MAPPING_ERROR) {
		/* Linux holds nothing, so neither does the replay. */
		if (res->model_found) {
			int ret = phyr_swiotlb_tbl_unmap_single(p->model, &sd, tlb, m->size, dir,
								PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC);

			PHYR_ASSERT(ret == 0);
		}
		return 0;
	}
	l.linux_tlb = m->tlb;
	l.model_tlb = tlb;
	l.model_found = res->model_found;
	l.size = m->size;
	l.min_align_mask = sd.min_align_mask;
	l.dir = (uint32_t)dir;
	l.pool = pool_index;
	l.used = true;
	return live_insert(r, &l);
}

static void do_release(struct bounce_replay *r, const struct bounce_event *rec)
{
	struct live *l = live_find(r, rec->tlb);

	if (!l) {
		r->stats.nunknown_releases++;
		return;
	}
	release(r, l);
	r->stats.nreleases++;
}

static void result_init(struct bounce_replay *r, struct bounce_result *res,
			const struct bounce_event *m)
{
	const struct device *d = dev_find(r, m->dev);

	memset(res, 0, sizeof(*res));
	res->line = m->line;
	if (d && d->name[0])
		snprintf(res->devname, sizeof(res->devname), "%s", d->name);
	else
		snprintf(res->devname, sizeof(res->devname), "0x%" PRIx64, m->dev);
	res->orig = m->orig;
	res->size = m->size;
	res->linux_tlb = m->tlb;
}

static int pass2_run(struct bounce_replay *r, const struct pass1 *p1)
{
	/* qs/unmap frees only in a capture without qs/release lines (so far,
	 * when streaming: a chunk never ends between the two) */
	bool has_release = r->release_seen;
	size_t *result_of;
	size_t n = 0;
	int ret = 0;

	/* Results follow the qs/map lines; remember each map's slot. */
	result_of = alloc_mem(r->alloc, r->nrecs * sizeof(*result_of));
	if (!result_of)
		return -ENOMEM;
	for (size_t i = 0; i < r->nrecs; i++) {
		result_of[i] = NO_INDEX;
		if (r->recs[i].kind == BOUNCE_MAP) {
			result_init(r, &r->results[n], &r->recs[i]);
			result_of[i] = n++;
		}
	}
	for (size_t i = 0; i < r->nrecs && !ret; i++) {
		const struct bounce_event *rec = &r->recs[i];
		size_t m;

		switch (rec->kind) {
		case BOUNCE_MAP_ENTRY:
			m = p1->map_of[i];
			if (m != NO_INDEX)
				ret = do_map(r, &r->recs[m], rec->cpu, &r->results[result_of[m]]);
			break;
		case BOUNCE_MAP:
			if (p1->entry_of[i] == NO_INDEX) {
				r->stats.nunpaired_returns++;
				ret = do_map(r, rec, rec->cpu, &r->results[result_of[i]]);
			}
			break;
		case BOUNCE_RELEASE:
			do_release(r, rec);
			break;
		case BOUNCE_UNMAP:
			if (!has_release)
				do_release(r, rec);
			break;
		default:
			break;
		}
	}
	alloc_free(r->alloc, result_of, r->nrecs * sizeof(*result_of));
	return ret;
}

/* Makes the pass 1 arrays hold @n records. */
static int p1_reserve(struct bounce_replay *r, size_t n)
{
	size_t cap = r->p1_cap, bytes;
	size_t *e, *m, *b;

	if (n <= cap)
		return 0;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / sizeof(size_t))
			return -ENOMEM;
		cap = cap ? cap * 2 : 256;
	}
	bytes = cap * sizeof(size_t);
	e = alloc_mem(r->alloc, bytes);
	m = alloc_mem(r->alloc, bytes);
	b = alloc_mem(r->alloc, bytes);
	if (!e || !m || !b) {
		alloc_free(r->alloc, e, bytes);
		alloc_free(r->alloc, m, bytes);
		alloc_free(r->alloc, b, bytes);
		return -ENOMEM;
	}
	if (r->p1_cap) {
		memcpy(e, r->p1.entry_of, r->p1_cap * sizeof(size_t));
		memcpy(m, r->p1.map_of, r->p1_cap * sizeof(size_t));
		memcpy(b, r->p1.below, r->p1_cap * sizeof(size_t));
		alloc_free(r->alloc, r->p1.entry_of, r->p1_cap * sizeof(size_t));
		alloc_free(r->alloc, r->p1.map_of, r->p1_cap * sizeof(size_t));
		alloc_free(r->alloc, r->p1.below, r->p1_cap * sizeof(size_t));
	}
	r->p1.entry_of = e;
	r->p1.map_of = m;
	r->p1.below = b;
	r->p1_cap = cap;
	return 0;
}

/*
 * Replays the records held (pass 1 done): results in qs/map line order.
 * Streaming, they go to the emit callback and the records are dropped;
 * otherwise they stay for bounce_replay_results().
 */
static int chunk_run(struct bounce_replay *r, uint64_t *err_line, char *msg, size_t len)
{
	size_t nres = r->nresults ? r->nresults : 1;
	int ret;

	ret = pass1_check(r, err_line, msg, len);
	if (ret)
		return ret;
	r->results = alloc_zeroed(r->alloc, nres * sizeof(*r->results));
	if (!r->results)
		return -ENOMEM;
	r->stats.nchunks++;
	ret = r->nrecs ? pass2_run(r, &r->p1) : 0;
	if (ret) {
		alloc_free(r->alloc, r->results, nres * sizeof(*r->results));
		r->results = NULL;
		r->nresults = 0;
		return ret;
	}
	if (!r->stream)
		return 0;
	for (size_t i = 0; i < r->nresults; i++) {
		const struct bounce_result *res = &r->results[i];

		if (!r->first_divergence && (!res->model_found || res->model_tlb != res->linux_tlb))
			r->first_divergence = res->line;
		if (r->emit)
			r->emit(r->emit_ctx, res);
	}
	alloc_free(r->alloc, r->results, nres * sizeof(*r->results));
	r->results = NULL;
	r->nresults = 0;
	r->nrecs = 0;
	r->p1.npending = 0;
	r->chunk_unmap = false;
	/* no record index survives the chunk */
	for (size_t i = 0; i < r->p1.tasks_cap; i++) {
		struct task *t = &r->p1.tasks[i];

		t->name = t->map = t->top = NO_INDEX;
	}
	return 0;
}

/*
 * Streaming: may the records held be replayed now? Only where nothing
 * crosses the cut: no map entry waits for its return, no qs/unmap for its
 * qs/release, and the last record is not one a naming event follows (a
 * qs/map, whose dma_map_phys comes next; a swiotlb_bounced, whose call
 * comes next). A capture without qs/release lines (its unmaps free) is
 * cut only once it is clearly so. Past BOUNCE_CHUNK_MAX records it is cut
 * anyway: an entry still waiting then counts as unpaired, its return
 * later as a return without entry.
 */
#define BOUNCE_CHUNK 8192
#define BOUNCE_CHUNK_MAX (16 * BOUNCE_CHUNK)
static bool chunk_cut(const struct bounce_replay *r, const struct bounce_event *last)
{
	if (r->nrecs >= BOUNCE_CHUNK_MAX)
		return true;
	if (r->nrecs < BOUNCE_CHUNK || r->p1.npending)
		return false;
	if (last->kind == BOUNCE_MAP || last->kind == BOUNCE_MAP_ENTRY ||
	    (last->kind == BOUNCE_NAME && !last->tlb))
		return false;
	if (r->release_seen)
		return r->unmaps_waiting == 0;
	return !r->chunk_unmap || r->nrecs >= 4 * BOUNCE_CHUNK;
}

static int add_rec(struct bounce_replay *r, const struct bounce_event *rec, char *msg,
		   size_t len)
{
	uint64_t line = 0;
	int ret;

	if (!r || !rec || r->ran || rec->kind > BOUNCE_NAME ||
	    (r->last_line && rec->line <= r->last_line))
		return -EINVAL;
	ret = grow(r->alloc, (void **)&r->recs, &r->recs_cap, r->nrecs + 1, sizeof(*r->recs));
	if (ret)
		return ret;
	r->recs[r->nrecs] = *rec;
	r->recs[r->nrecs].devname[BOUNCE_DEVNAME_MAX - 1] = '\0';
	r->nrecs++;
	r->last_line = rec->line;
	if (!r->stream)
		return 0;
	if ((ret = p1_reserve(r, r->nrecs)) ||
	    (ret = pass1_step(r, r->nrecs - 1, &line, msg, len)))
		goto out;
	if (chunk_cut(r, &r->recs[r->nrecs - 1]))
		ret = chunk_run(r, &line, msg, len);
out:
	if (ret == -EINVAL)
		r->err_line = line ? line : rec->line;
	return ret;
}

int bounce_replay_stream(struct bounce_replay *r,
			 void (*emit)(void *ctx, const struct bounce_result *res), void *ctx)
{
	if (!r || r->ran || r->nrecs || r->last_line)
		return -EINVAL;
	r->stream = true;
	r->emit = emit;
	r->emit_ctx = ctx;
	return 0;
}

int bounce_replay_run(struct bounce_replay *r, uint64_t *err_line, char *msg, size_t msg_len)
{
	uint64_t line_dummy;
	int ret;

	if (!r)
		return -EINVAL;
	if (r->ran)
		return -EALREADY;
	r->ran = true;
	if (!err_line)
		err_line = &line_dummy;
	*err_line = 0;
	if (msg && msg_len)
		msg[0] = '\0';
	if (!r->stream) {
		ret = p1_reserve(r, r->nrecs ? r->nrecs : 1);
		for (size_t i = 0; i < r->nrecs && !ret; i++)
			ret = pass1_step(r, i, err_line, msg, msg_len);
		if (ret)
			return ret;
	}
	return chunk_run(r, err_line, msg, msg_len);
}

const struct bounce_result *bounce_replay_results(const struct bounce_replay *r, size_t *n)
{
	if (n)
		*n = r && r->results ? r->nresults : 0;
	return r ? r->results : NULL;
}

void bounce_replay_get_stats(const struct bounce_replay *r, struct bounce_stats *st)
{
	if (!st)
		return;
	if (!r)
		memset(st, 0, sizeof(*st));
	else
		*st = r->stats;
}

int bounce_replay_print(const struct bounce_replay *r, FILE *out)
{
	size_t n;
	const struct bounce_result *res = bounce_replay_results(r, &n);

	if (!out)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int w;

		if (res[i].model_found)
			w = fprintf(out, "%" PRIu64 " %s 0x%" PRIx64 " %" PRIu64 " 0x%" PRIx64
				    " 0x%" PRIx64 "\n", res[i].line, res[i].devname, res[i].orig,
				    res[i].size, res[i].linux_tlb, res[i].model_tlb);
		else
			w = fprintf(out, "%" PRIu64 " %s 0x%" PRIx64 " %" PRIu64 " 0x%" PRIx64
				    " -\n", res[i].line, res[i].devname, res[i].orig,
				    res[i].size, res[i].linux_tlb);
		if (w < 0)
			return -EIO;
	}
	return 0;
}

/* ---- capture lines -> records ---- */

/* A probe field: absent, or ftrace's "(fault)" when it could not read it. */
static int field_u64(const struct ftrace_fields *fs, const char *event, const char *name,
		     uint64_t *v, bool *present, char *msg, size_t len)
{
	const struct ftrace_str *s = ftrace_field_find(fs, name);
	int ret;

	*present = false;
	if (!s || ftrace_str_eq(*s, "(fault)"))
		return 0;
	ret = ftrace_field_u64(fs, name, v);
	if (ret) {
		snprintf(msg, len, "%s: field %s= is not a number (%.*s)", event, name,
			 (int)(s->len > 40 ? 40 : s->len), s->p);
		return -EINVAL;
	}
	*present = true;
	return 0;
}

/* A field the record cannot do without. */
static int need_u64(const struct ftrace_fields *fs, const char *event, const char *name,
		    uint64_t *v, char *msg, size_t len)
{
	bool present;
	int ret = field_u64(fs, event, name, v, &present, msg, len);

	if (ret)
		return ret;
	if (!present) {
		snprintf(msg, len, "%s: no field %s=", event, name);
		return -EINVAL;
	}
	return 0;
}

/* A field with a default. */
static int opt_u64(const struct ftrace_fields *fs, const char *event, const char *name,
		   uint64_t *v, bool *present, char *msg, size_t len)
{
	*v = 0;
	return field_u64(fs, event, name, v, present, msg, len);
}

static int need_u32(const struct ftrace_fields *fs, const char *event, const char *name,
		    uint32_t *v, char *msg, size_t len)
{
	uint64_t x;
	int ret = need_u64(fs, event, name, &x, msg, len);

	if (ret)
		return ret;
	if (x > UINT32_MAX) {
		snprintf(msg, len, "%s: field %s=0x%" PRIx64 " does not fit 32 bits", event, name, x);
		return -EINVAL;
	}
	*v = (uint32_t)x;
	return 0;
}

static void copy_name(char *dst, struct ftrace_str s)
{
	size_t n;

	if (s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"') {
		s.p++;
		s.len -= 2;
	}
	n = s.len < BOUNCE_DEVNAME_MAX - 1 ? s.len : BOUNCE_DEVNAME_MAX - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* The function a probe site names: "func+0x4/0x90" or "caller+... <- func". */
static bool site_is(const struct ftrace_line *l, const char *func)
{
	const char *p = l->site.p, *e = l->site.p + l->site.len, *arrow;
	size_t n = strlen(func);

	arrow = l->retprobe ? memmem(p, l->site.len, " <- ", 4) : NULL;
	if (arrow)
		p = arrow + 4;
	if ((size_t)(e - p) < n || memcmp(p, func, n) != 0)
		return false;
	p += n;
	return p == e || *p == '+' || *p == ' ' || *p == '.';
}

static int read_pool(const struct ftrace_fields *fs, struct bounce_event *rec, char *msg, size_t len)
{
	const struct ftrace_str *name = ftrace_field_find(fs, "devname");
	uint64_t v;
	bool present;
	int ret;

	rec->kind = BOUNCE_POOL;
	if ((ret = need_u64(fs, "qs/pool", "dev", &rec->dev, msg, len)) ||
	    (ret = need_u64(fs, "qs/pool", "start", &rec->start, msg, len)) ||
	    (ret = need_u64(fs, "qs/pool", "end", &rec->end, msg, len)) ||
	    (ret = need_u64(fs, "qs/pool", "nslabs", &rec->nslabs, msg, len)) ||
	    (ret = need_u32(fs, "qs/pool", "nareas", &rec->nareas, msg, len)) ||
	    (ret = need_u32(fs, "qs/pool", "area_nslabs", &rec->area_nslabs, msg, len)))
		return ret;
	ret = opt_u64(fs, "qs/pool", "min_align_mask", &v, &present, msg, len);
	if (ret)
		return ret;
	rec->has_min_align = present && v <= UINT32_MAX;
	rec->min_align_mask = (uint32_t)v;
	ret = opt_u64(fs, "qs/pool", "force_bounce", &v, &present, msg, len);
	if (ret)
		return ret;
	rec->force_bounce = v != 0;
	if (name)
		copy_name(rec->devname, *name);
	return 0;
}

static int read_map(const struct ftrace_fields *fs, bool ret_probe, struct bounce_event *rec,
		    char *msg, size_t len)
{
	const char *ev = ret_probe ? "qs/map" : "qs/map_entry";
	uint64_t v;
	bool present;
	int ret;

	rec->kind = ret_probe ? BOUNCE_MAP : BOUNCE_MAP_ENTRY;
	if ((ret = need_u64(fs, ev, "dev", &rec->dev, msg, len)) ||
	    (ret = need_u64(fs, ev, "orig", &rec->orig, msg, len)) ||
	    (ret = need_u64(fs, ev, "size", &rec->size, msg, len)))
		return ret;
	if (!ret_probe)
		return 0;
	if ((ret = need_u64(fs, ev, "tlb", &rec->tlb, msg, len)))
		return ret;
	if ((ret = opt_u64(fs, ev, "alloc_align_mask", &v, &present, msg, len)))
		return ret;
	rec->alloc_align_mask = (uint32_t)v; /* unsigned int in Linux */
	if ((ret = opt_u64(fs, ev, "dir", &v, &present, msg, len)))
		return ret;
	rec->dir = v <= PHYR_SWIOTLB_DIR_NONE ? (uint32_t)v : 0;
	if ((ret = opt_u64(fs, ev, "attrs", &rec->attrs, &present, msg, len)))
		return ret;
	if ((ret = opt_u64(fs, ev, "min_align_mask", &v, &present, msg, len)))
		return ret;
	rec->has_min_align = present;
	rec->min_align_mask = (uint32_t)v;
	return 0;
}

/* swiotlb_bounced ("dev_name: NAME ... dev_addr=HEX size=N") and
 * dma_map_phys/dma_map_page ("NAME dir=... dma_addr=HEX size=N phys_addr=HEX"). */
static bool read_name(const struct ftrace_line *l, bool bounced, struct bounce_event *rec)
{
	const char *p = l->payload.p, *e = p + l->payload.len, *t;
	struct ftrace_fields fs;
	uint64_t v;

	if (bounced) {
		if ((size_t)(e - p) < 10 || memcmp(p, "dev_name: ", 10) != 0)
			return false;
		p += 10;
	}
	for (t = p; t < e && *t != ' '; t++)
		;
	if (t == p)
		return false;
	copy_name(rec->devname, (struct ftrace_str){ p, (size_t)(t - p) });
	ftrace_fields((struct ftrace_str){ t, (size_t)(e - t) }, &fs);
	rec->kind = BOUNCE_NAME;
	if (bounced) {
		if (ftrace_field_hex(&fs, "dev_addr", &rec->orig))
			return false;
	} else {
		if (ftrace_field_hex(&fs, "phys_addr", &rec->orig) ||
		    ftrace_field_hex(&fs, "dma_addr", &rec->tlb))
			return false;
	}
	if (ftrace_field_dec(&fs, "size", &v) == 0)
		rec->size = v;
	return true;
}

int bounce_replay_line(struct bounce_replay *r, const struct ftrace_line *l, char *msg,
		       size_t msg_len)
{
	struct bounce_event rec;
	struct ftrace_fields fs;
	int ret = 0;

	if (!r || !l)
		return -EINVAL;
	if (l->kind != FTRACE_EVENT)
		return 0;
	memset(&rec, 0, sizeof(rec));
	rec.line = l->lineno;
	rec.cpu = l->cpu;
	rec.pid = l->pid;
	if (!l->site.len) {
		/* Tracepoints: only those that name a device. */
		bool bounced = ftrace_str_eq(l->event, "swiotlb_bounced");

		if (!bounced && !ftrace_str_eq(l->event, "dma_map_phys") &&
		    !ftrace_str_eq(l->event, "dma_map_page"))
			return 0;
		return read_name(l, bounced, &rec) ? add_rec(r, &rec, msg, msg_len) : 0;
	}
	ftrace_fields(l->args, &fs);
	if (site_is(l, "swiotlb_tbl_map_single"))
		ret = read_map(&fs, l->retprobe, &rec, msg, msg_len);
	else if (site_is(l, "__swiotlb_tbl_unmap_single") || site_is(l, "swiotlb_tbl_unmap_single")) {
		rec.kind = BOUNCE_UNMAP;
		if (!(ret = need_u64(&fs, "qs/unmap", "dev", &rec.dev, msg, msg_len)) &&
		    !(ret = need_u64(&fs, "qs/unmap", "tlb", &rec.tlb, msg, msg_len))) {
			uint64_t v;
			bool present;

			if (!(ret = opt_u64(&fs, "qs/unmap", "size", &rec.size, &present, msg, msg_len)) &&
			    !(ret = opt_u64(&fs, "qs/unmap", "dir", &v, &present, msg, msg_len)))
				rec.dir = v <= PHYR_SWIOTLB_DIR_NONE ? (uint32_t)v : 0;
		}
	} else if (site_is(l, "swiotlb_release_slots")) {
		rec.kind = BOUNCE_RELEASE;
		if (!(ret = need_u64(&fs, "qs/release", "dev", &rec.dev, msg, msg_len)))
			ret = need_u64(&fs, "qs/release", "tlb", &rec.tlb, msg, msg_len);
	} else if (site_is(l, "swiotlb_max_mapping_size")) {
		ret = read_pool(&fs, &rec, msg, msg_len);
	} else {
		return 0;
	}
	if (ret)
		return ret;
	return add_rec(r, &rec, msg, msg_len);
}

int bounce_replay_read(struct bounce_replay *r, struct ftrace_reader *fr)
{
	struct ftrace_line l;
	char msg[256];
	uint64_t line;
	int ret;

	if (!r || !fr)
		return -EINVAL;
	while ((ret = ftrace_reader_next(fr, &l)) == 1) {
		r->err_line = 0;
		ret = bounce_replay_line(r, &l, msg, sizeof(msg));
		/* streaming, a chunk's error can name an earlier line */
		if (ret == -EINVAL)
			ftrace_reader_error(fr, r->err_line ? r->err_line : l.lineno, "%s", msg);
		if (ret)
			return ret;
	}
	if (ret < 0)
		return ret;
	ret = bounce_replay_run(r, &line, msg, sizeof(msg));
	if (ret == -EINVAL) {
		if (line)
			ftrace_reader_error(fr, line, "%s", msg);
		else
			ftrace_reader_error(fr, ftrace_reader_nlines(fr), "%s", msg);
	}
	return ret;
}

/* ---- the public entry point (phyr/capture.h) ---- */

static void summarize(const struct bounce_replay *r, struct ftrace_reader *fr,
		      struct phyr_capture_bounce_summary *s)
{

	s->nmaps = r->stats.nmaps;
	s->nmatched = r->stats.nmatches;
	s->nmodel_failures = r->stats.nmodel_failures;
	s->nreleases = r->stats.nreleases;
	s->nunknown_releases = r->stats.nunknown_releases;
	s->nunpaired_entries = r->stats.nunpaired_entries;
	s->nunpaired_returns = r->stats.nunpaired_returns;
	s->npools = r->stats.npools;
	s->nlines = ftrace_reader_nlines(fr);
	s->truncated_line = ftrace_reader_truncated(fr);
	ftrace_reader_lost(fr, &s->nlost_lines, &s->nlost_events);
	s->first_lost_line = ftrace_reader_first_lost(fr);
	s->first_divergence = r->first_divergence;
}

/* The callback of phyr_capture_replay_bounces(), fed chunk by chunk. */
struct emit_ctx {
	void (*on_bounce)(void *ctx, const struct phyr_capture_bounce *b);
	void *ctx;
};

static void emit_public(void *ctx, const struct bounce_result *res)
{
	const struct emit_ctx *e = ctx;
	struct phyr_capture_bounce b = { 0 };

	if (!e->on_bounce)
		return;
	b.line = res->line;
	snprintf(b.device, sizeof(b.device), "%s", res->devname);
	b.orig = res->orig;
	b.size = res->size;
	b.linux_tlb = res->linux_tlb;
	b.model_tlb = res->model_tlb;
	b.model_ok = res->model_found;
	e->on_bounce(e->ctx, &b);
}

int phyr_capture_replay_bounces(const char *path, FILE *f,
				void (*on_bounce)(void *ctx, const struct phyr_capture_bounce *b),
				void *ctx, struct phyr_capture_bounce_summary *summary, char *err,
				size_t errlen)
{
	struct phyr_capture_bounce_summary s = { 0 };
	struct ftrace_reader *fr = NULL;
	struct bounce_replay *r = NULL;
	int ret;

	if (summary)
		memset(summary, 0, sizeof(*summary));
	if (err && errlen)
		err[0] = '\0';
	if (!path && !f)
		return -EINVAL;
	ret = ftrace_reader_open(path, f, &fr, err, errlen);
	if (ret)
		return ret;
	struct emit_ctx ec = { on_bounce, ctx };

	ret = bounce_replay_create(NULL, &r);
	if (!ret)
		ret = bounce_replay_stream(r, emit_public, &ec);
	if (!ret)
		ret = bounce_replay_read(r, fr);
	if (!ret) {
		summarize(r, fr, &s);
		if (summary)
			*summary = s;
	}
	bounce_replay_destroy(r);
	ftrace_reader_close(fr);
	return ret;
}
