// SPDX-License-Identifier: MIT
/*
 * Exact replay of Linux captures of the IOVA allocator (see
 * include/phyr/capture.h and docs/capture.md).
 *
 * Each allocator state change is an "op" applied to the model at the
 * line where the kernel made it (capture format, section 4): the per-CPU
 * cache lookup of alloc_iova_fast at its rc_hit/rc_miss/rc_empty line, or
 * at its entry moved after the last line of another task on the same CPU
 * before its return; the tree insertion at the slow-path result; the
 * cache insertion at rc_insert or iova_free; the tree removal at
 * rb_remove; magazines leaving the cache at iova_mag_free (the following
 * rb_remove lines say which) and free_cpu_cached_iovas.
 *
 * Ops carry a key (2 * line, +1 for a lookup placed after that line).
 * A lookup's key is known only at the call's return, so from an entry on
 * ops wait in a sorted queue until every open call before them is
 * resolved; otherwise they apply at once. Calls are paired per task
 * (PID; the idle task per CPU) as a stack: interrupts nest.
 *
 * A policy other than linux/augmented gets a what-if replay instead: the
 * requests through phyr_iova_alloc_fast/free_fast in log order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "phyr/capture.h"
#include "events.h"
#include "ftrace.h"
#include "iova.h"
#include "log2.h"

#define CAP_DEFAULT_CPUS 64
#define CAP_MAX_EVENTS 256
#define CAP_MAX_DEVICES 256
#define CAP_QUEUE_MAX 65536u /* ops waiting before the oldest open call is forced */
#define CAP_FIXED_DEPOT 32   /* MAX_GLOBAL_MAGS before v6.7 */
#define EV_HASH_SIZE 64u     /* slots of the known-name table */

enum ev_id {
	EV_OTHER = 0,
	EV_INIT_DOMAIN,
	EV_RESERVE,
	EV_ALLOC_ENTRY,
	EV_ALLOC,
	EV_ALLOC_RET,
	EV_FREE,
	EV_SLOW,
	EV_SLOW_RET,
	EV_RB_FREE,
	EV_RB_REMOVE,
	EV_MAG_FREE,
	EV_CPU_FLUSH,
	EV_FQ_TIMEOUT,
	EV_DEPOT_WORK,
	EV_RC_HIT,
	EV_RC_MISS,
	EV_RC_EMPTY,
	EV_RC_INSERT,
	EV_ADD_DEVICE,
	EV_ATTACH,
	EV_MAP,
	EV_UNMAP,
};

static const char *const ev_names[] = {
	[EV_INIT_DOMAIN] = "init_iova_domain",
	[EV_RESERVE] = "reserve_iova",
	[EV_ALLOC_ENTRY] = "iova_alloc_entry",
	[EV_ALLOC] = "iova_alloc",
	[EV_ALLOC_RET] = "iova_alloc_ret",
	[EV_FREE] = "iova_free",
	[EV_SLOW] = "iova_slow",
	[EV_SLOW_RET] = "iova_slow_ret",
	[EV_RB_FREE] = "rb_free_iova",
	[EV_RB_REMOVE] = "rb_remove",
	[EV_MAG_FREE] = "iova_mag_free",
	[EV_CPU_FLUSH] = "free_cpu_cached_iovas",
	[EV_FQ_TIMEOUT] = "fq_flush_timeout",
	[EV_DEPOT_WORK] = "iova_depot_work",
	[EV_RC_HIT] = "rc_hit",
	[EV_RC_MISS] = "rc_miss",
	[EV_RC_EMPTY] = "rc_empty",
	[EV_RC_INSERT] = "rc_insert",
	[EV_ADD_DEVICE] = "add_device_to_group",
	[EV_ATTACH] = "attach_device_to_domain",
	[EV_MAP] = "map",
	[EV_UNMAP] = "unmap",
};
#define EV_COUNT (sizeof(ev_names) / sizeof(ev_names[0]))

/* The open-addressed table of the known event names. */
struct ev_table {
	unsigned char slot[EV_HASH_SIZE]; /* hash -> id, 0 empty */
	unsigned char len[EV_COUNT];      /* length of each name */
};

struct cdom {
	uint64_t iovad;
	uint64_t granule, start_pfn;
	struct phyr_iova_domain *d;
	bool boot;
	unsigned int nreserved;
	uint64_t nallocs, nmatched, nfrees;
	uint64_t div_line, div_linux, div_model;
	bool div_model_ok;
	uint64_t live_base; /* tree nodes before the first allocation (reserves) */
	bool live_base_set;
	uint64_t mag_cpu_bytes;  /* every CPU's loaded and previous magazines */
	uint64_t depot_peak;     /* most depot magazine bytes held at once */
};

/* One open alloc_iova_fast call. */
struct frame {
	uint64_t entry_key;   /* lookup key at entry */
	uint64_t lookup_key;  /* where the lookup applies */
	uint64_t task;
	uint32_t cpu;
	int below;            /* next frame down the task's stack, -1 */
	struct cdom *dom;
	uint64_t size, limit;
	bool flush;
	bool have_args;
	bool frozen;          /* an own line (rc_*, slow) fixed the lookup point */
	bool rc_seen;         /* an rc_* line gave the lookup's moment and CPU */
	bool slow_done;       /* the slow path ran (the model tried its tree there) */
	bool open;            /* not yet returned: blocks the queue */
	bool model_set;
	uint64_t model_pfn;
	bool in_use;
};

enum op_type {
	OP_INIT, OP_RESERVE, OP_LOOKUP, OP_SLOW, OP_SLOW_DIRECT, OP_RETURN, OP_INSERT,
	OP_REMOVE, OP_MAG_FREE, OP_CPU_FLUSH, OP_DEPOT_WORK, OP_TREE_FREE,
};

struct op {
	uint64_t key;
	enum op_type type;
	uint32_t cpu;
	int frame;
	struct cdom *dom;
	uint64_t a, b, c; /* per type */
	bool flag;
};

struct task_slot {
	uint64_t task; /* 0: empty; else task id + 1 */
	int top;
};

/* What a v6.7+ kernel is doing on a CPU when iova_mag_free fires. */
enum mag_ctx {
	MAG_NONE,       /* nothing that frees magazines */
	MAG_DEPOT_WORK, /* iova_depot_work_func: trims one depot magazine */
	MAG_FLUSH,      /* after free_cpu_cached_iovas: free_global_cached_iovas follows */
};

/* Per-CPU bookkeeping of magazines leaving the cache. */
struct cpu_state {
	enum mag_ctx ctx;
	struct cdom *skip_dom;  /* iova_mag_free lines already applied (flush, overflow) */
	uint64_t nskip;
	struct cdom *drop_dom;  /* an iova_mag_free whose magazine the next rb_remove names */
};

/* Strict domains: the iommu:unmap lines of one CPU still waiting for their
 * iova_free (see on_unmap). */
#define UST_MAX 8
struct unmap_stack {
	struct {
		uint64_t pfn, pages, line;
		uint32_t pid;
		uint8_t level; /* 0 task, 1 softirq, 2 hardirq, 3 NMI */
	} e[UST_MAX];
	unsigned int n;
};

struct pfn_map_slot {
	uint64_t key; /* linux pfn + 1, 0 empty */
	uint64_t val;
	struct cdom *dom;
};

struct phyr_capture {
	struct phyr_capture_config cfg;
	bool ran;
	bool whatif;
	bool model;
	int kmajor, kminor;   /* -1: unknown */
	bool kernel_forced;
	bool depot_work_seen;
	bool header_depot_work;
	/* the capture has rb_remove (else tree removals apply where the
	 * kernel starts them: rb_free_iova, the magazine flushes) */
	bool has_rb_remove;
	bool fixed_depot;
	char kernel[64];
	unsigned int model_cpus;
	struct ftrace_reader *r;
	struct phyr_capture_summary sum;
	uint64_t now_ns; /* timestamp of the event line being replayed */

	struct cdom **doms;
	unsigned int ndoms, capdoms;
	struct cdom *last_dom;
	/* dom_of()'s last iovad= text and its domain (most lines name the
	 * domain of the line before) */
	char iovad_text[24];
	size_t iovad_len;
	struct cdom *iovad_dom;

	struct phyr_capture_device devs[CAP_MAX_DEVICES];
	unsigned int ndevs;
	struct phyr_capture_event evs[CAP_MAX_EVENTS];
	unsigned int nevs;
	size_t ev_len[CAP_MAX_EVENTS];
	unsigned int ev_slot[EV_COUNT]; /* known event -> index in evs + 1 */
	struct ev_table ev_table;
	uint64_t ev_count[EV_COUNT];

	struct frame *frames;
	int nframes, capframes, free_frame;
	int open_frames[64];
	unsigned int nopen;

	struct task_slot *tasks;
	size_t ntasks_cap, ntasks_used;

	struct op *q;
	size_t qhead, qlen, qcap;

	struct cpu_state *cpus;

	struct pfn_map_slot *map;
	size_t map_cap, map_used;

	uint64_t nunexplained; /* iova_mag_free lines no kernel path of the profile explains */
	/* missed frees: the header's mode (1 strict, 0 lazy, -1 unknown),
	 * whether a flush-queue timer ran, each CPU's unmaps waiting for
	 * their free, and the order of Linux's allocations (newest wins) */
	int hdr_strict;
	bool fq_seen;
	struct unmap_stack *ustk;
	uint64_t alloc_seq;
	char *err;
	size_t errlen;
	int error;
	uint64_t error_line;
	struct phyr_iova_config icfg;
	struct evrep *ev; /* events mode (events.c) */
};

/* ---- event names ---- */

static unsigned int ev_hash(const char *p, size_t len)
{
	return ((unsigned int)len * 31u + (unsigned char)p[0] * 7u +
		(unsigned char)p[len - 1] * 3u + (unsigned char)p[len / 2]) & (EV_HASH_SIZE - 1);
}

/* The known event names, built once per object. */
static void ev_table_init(struct ev_table *t)
{
	for (unsigned int i = 1; i < EV_COUNT; i++) {
		unsigned int h;

		t->len[i] = (unsigned char)strlen(ev_names[i]);
		h = ev_hash(ev_names[i], t->len[i]);
		while (t->slot[h])
			h = (h + 1) & (EV_HASH_SIZE - 1);
		t->slot[h] = (unsigned char)i;
	}
}

static enum ev_id event_id(const struct ev_table *t, struct ftrace_str n)
{
	unsigned int h;

	if (n.len == 0)
		return EV_OTHER;
	for (h = ev_hash(n.p, n.len); t->slot[h]; h = (h + 1) & (EV_HASH_SIZE - 1)) {
		unsigned int id = t->slot[h];

		if (t->len[id] == n.len && memcmp(ev_names[id], n.p, n.len) == 0)
			return (enum ev_id)id;
	}
	return EV_OTHER;
}

/*
 * A probe placed at several instructions needs one event name per place:
 * iova_alloc_ret2, rc_hit_1 ... count as iova_alloc_ret, rc_hit.
 */
static enum ev_id event_id_numbered(const struct ev_table *table, struct ftrace_str n)
{
	static const enum ev_id multi[] = {
		EV_ALLOC_RET, EV_SLOW_RET, EV_RC_HIT, EV_RC_MISS, EV_RC_EMPTY, EV_RC_INSERT,
	};
	size_t len = n.len;
	enum ev_id id;

	while (len > 0 && n.p[len - 1] >= '0' && n.p[len - 1] <= '9')
		len--;
	if (len == n.len)
		return EV_OTHER;
	if (len > 0 && n.p[len - 1] == '_')
		len--;
	if (len == 0)
		return EV_OTHER;
	id = event_id(table, (struct ftrace_str){ n.p, len });
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++)
		if (multi[i] == id)
			return id;
	return EV_OTHER;
}

/* ---- configuration ---- */

static int parse_kernel(const char *s, int *major, int *minor)
{
	char *e;
	long a, b;

	a = strtol(s, &e, 10);
	if (e == s || *e != '.' || a < 2 || a > 99)
		return -EINVAL;
	s = e + 1;
	b = strtol(s, &e, 10);
	if (e == s || b < 0 || b > 99)
		return -EINVAL;
	*major = (int)a;
	*minor = (int)b;
	return 0;
}

static bool kernel_fixed_depot(int major, int minor)
{
	return major < 6 || (major == 6 && minor < 7);
}

int phyr_capture_create(const struct phyr_capture_config *cfg, struct phyr_capture **out)
{
	struct phyr_capture *c;
	int major = -1, minor = -1;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (cfg) {
		if (cfg->policy && !cfg->policy->alloc)
			return -EINVAL;
		if (cfg->ncpus > PHYR_IOVA_MAX_CPUS)
			return -EINVAL;
		if (cfg->kernel && parse_kernel(cfg->kernel, &major, &minor))
			return -EINVAL;
		if (cfg->mode > PHYR_CAPTURE_EVENTS || cfg->domain > PHYR_CAPTURE_DOMAIN_LAZY)
			return -EINVAL;
		if (cfg->iotlb_entries > 65536 || cfg->iotlb_ways > cfg->iotlb_entries ||
		    (cfg->iotlb_ways && cfg->iotlb_entries % cfg->iotlb_ways) ||
		    (!cfg->iotlb_entries != !cfg->iotlb_ways))
			return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (cfg)
		c->cfg = *cfg;
	if (!c->cfg.policy)
		c->cfg.policy = phyr_iova_policy_linux();
	c->kmajor = major;
	c->kminor = minor;
	if (cfg && cfg->kernel) {
		c->kernel_forced = true;
		snprintf(c->kernel, sizeof(c->kernel), "%s", cfg->kernel);
	}
	c->whatif = strcmp(c->cfg.policy->name, "linux") != 0 &&
		    strcmp(c->cfg.policy->name, "augmented") != 0;
	c->model = c->cfg.mode != PHYR_CAPTURE_INFO;
	c->free_frame = -1;
	c->hdr_strict = c->cfg.domain == PHYR_CAPTURE_DOMAIN_STRICT ? 1 :
			c->cfg.domain == PHYR_CAPTURE_DOMAIN_LAZY ? 0 : -1;
	ev_table_init(&c->ev_table);
	*out = c;
	return 0;
}

void phyr_capture_destroy(struct phyr_capture *c)
{
	if (!c)
		return;
	evrep_destroy(c->ev);
	for (unsigned int i = 0; i < c->ndoms; i++) {
		phyr_iova_domain_destroy(c->doms[i]->d);
		free(c->doms[i]);
	}
	free(c->doms);
	free(c->frames);
	free(c->tasks);
	free(c->q);
	free(c->cpus);
	free(c->ustk);
	free(c->map);
	free(c);
}

/* ---- errors ---- */

static __attribute__((format(printf, 4, 5))) int fail(struct phyr_capture *c, uint64_t line,
							 int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!c->error) {
		c->error = err;
		c->error_line = line;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		ftrace_reader_error(c->r, line, "%s", msg);
	}
	return err;
}

static void count_event(struct phyr_capture *c, struct ftrace_str n, enum ev_id id)
{
	bool used = id != EV_OTHER;
	unsigned int i;

	if (used && c->ev_slot[id]) {
		i = c->ev_slot[id] - 1;
		if (c->ev_len[i] == n.len && memcmp(c->evs[i].name, n.p, n.len) == 0) {
			c->evs[i].count++;
			return;
		}
	}
	for (i = 0; i < c->nevs; i++)
		if (c->ev_len[i] == n.len && memcmp(c->evs[i].name, n.p, n.len) == 0) {
			c->evs[i].count++;
			return;
		}
	if (c->nevs == CAP_MAX_EVENTS)
		return;
	snprintf(c->evs[i].name, sizeof(c->evs[i].name), "%.*s", (int)n.len, n.p);
	c->evs[i].count = 1;
	c->evs[i].used = used;
	c->ev_len[i] = strlen(c->evs[i].name);
	if (used && !c->ev_slot[id])
		c->ev_slot[id] = i + 1;
	c->nevs++;
}

/* ---- domains ---- */

/* After a free: the depot may have grown (the CPUs' magazines are fixed). */
static void mag_sample(struct cdom *dm)
{
	uint64_t depot;

	phyr_iova_cache_memory(dm->d, NULL, &depot);
	if (depot > dm->depot_peak)
		dm->depot_peak = depot;
}

static int dom_model_init(struct phyr_capture *c, struct cdom *dm)
{
	int ret;

	if (!c->model)
		return 0;
	phyr_iova_domain_destroy(dm->d);
	dm->d = NULL;
	ret = phyr_iova_domain_create(dm->granule, dm->start_pfn, &c->icfg, NULL, &dm->d);
	if (ret)
		return ret;
	if (c->fixed_depot)
		iova_set_depot_max(dm->d, CAP_FIXED_DEPOT);
	phyr_iova_cache_memory(dm->d, &dm->mag_cpu_bytes, NULL);
	dm->mag_cpu_bytes *= c->model_cpus;
	dm->depot_peak = 0;
	return 0;
}

static struct cdom *dom_find(struct phyr_capture *c, uint64_t iovad)
{
	if (c->last_dom && c->last_dom->iovad == iovad)
		return c->last_dom;
	for (unsigned int i = 0; i < c->ndoms; i++)
		if (c->doms[i]->iovad == iovad)
			return c->last_dom = c->doms[i];
	return NULL;
}

/* The domain of @iovad, made with Linux's defaults when the capture has no boot probe for it. */
static struct cdom *dom_get(struct phyr_capture *c, uint64_t iovad)
{
	struct cdom *dm = dom_find(c, iovad);

	if (dm)
		return dm;
	if (c->ndoms == c->capdoms) {
		unsigned int n = c->capdoms ? c->capdoms * 2 : 8;
		struct cdom **nd = realloc(c->doms, n * sizeof(*nd));

		if (!nd)
			return NULL;
		c->doms = nd;
		c->capdoms = n;
	}
	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return NULL;
	dm->iovad = iovad;
	dm->granule = 4096;
	dm->start_pfn = 1;
	if (dom_model_init(c, dm)) {
		free(dm);
		return NULL;
	}
	c->doms[c->ndoms++] = dm;
	return c->last_dom = dm;
}

static void set_fixed_depot(struct phyr_capture *c, bool fixed)
{
	if (c->fixed_depot == fixed)
		return;
	c->fixed_depot = fixed;
	for (unsigned int i = 0; i < c->ndoms; i++)
		if (c->doms[i]->d)
			iova_set_depot_max(c->doms[i]->d, fixed ? CAP_FIXED_DEPOT : 0);
}

/* ---- frames and tasks ---- */

static int frame_new(struct phyr_capture *c)
{
	int i;

	if (c->free_frame >= 0) {
		i = c->free_frame;
		c->free_frame = c->frames[i].below;
	} else {
		if (c->nframes == c->capframes) {
			int n = c->capframes ? c->capframes * 2 : 64;
			struct frame *nf;

			if (n > (1 << 20))
				return -1;
			nf = realloc(c->frames, (size_t)n * sizeof(*nf));
			if (!nf)
				return -1;
			c->frames = nf;
			c->capframes = n;
		}
		i = c->nframes++;
	}
	memset(&c->frames[i], 0, sizeof(c->frames[i]));
	c->frames[i].below = -1;
	c->frames[i].in_use = true;
	return i;
}

static void frame_release(struct phyr_capture *c, int i)
{
	c->frames[i].in_use = false;
	c->frames[i].below = c->free_frame;
	c->free_frame = i;
}

static uint64_t task_id(const struct ftrace_line *l)
{
	/* the idle task has PID 0 on every CPU */
	return l->pid ? (uint64_t)l->pid : (UINT64_C(1) << 40) + l->cpu;
}

static struct task_slot *task_slot(struct phyr_capture *c, uint64_t task, bool create)
{
	size_t i;

	if (c->ntasks_used * 2 >= c->ntasks_cap) {
		size_t n = c->ntasks_cap ? c->ntasks_cap * 2 : 256;
		struct task_slot *nt = calloc(n, sizeof(*nt));

		if (!nt)
			return NULL;
		for (size_t j = 0; j < c->ntasks_cap; j++) {
			struct task_slot *s = &c->tasks[j];

			if (!s->task)
				continue;
			for (i = (s->task * 0x9e3779b97f4a7c15ull >> 20) & (n - 1); nt[i].task;
			     i = (i + 1) & (n - 1))
				;
			nt[i] = *s;
		}
		free(c->tasks);
		c->tasks = nt;
		c->ntasks_cap = n;
	}
	for (i = ((task + 1) * 0x9e3779b97f4a7c15ull >> 20) & (c->ntasks_cap - 1);
	     c->tasks[i].task; i = (i + 1) & (c->ntasks_cap - 1))
		if (c->tasks[i].task == task + 1)
			return &c->tasks[i];
	if (!create)
		return NULL;
	c->tasks[i].task = task + 1;
	c->tasks[i].top = -1;
	c->ntasks_used++;
	return &c->tasks[i];
}

static int task_top(struct phyr_capture *c, uint64_t task)
{
	struct task_slot *s = task_slot(c, task, false);

	return s ? s->top : -1;
}

/* ---- the op queue ---- */

static int apply(struct phyr_capture *c, const struct op *o);

static uint64_t barrier(const struct phyr_capture *c)
{
	uint64_t b = UINT64_MAX;

	for (unsigned int i = 0; i < c->nopen; i++) {
		const struct frame *f = &c->frames[c->open_frames[i]];

		if (f->entry_key < b)
			b = f->entry_key;
	}
	return b;
}

static int drain(struct phyr_capture *c)
{
	uint64_t b = barrier(c);
	int ret;

	while (c->qlen && c->q[c->qhead].key < b) {
		struct op o = c->q[c->qhead];

		c->qhead++;
		c->qlen--;
		ret = apply(c, &o);
		if (ret)
			return ret;
	}
	if (!c->qlen)
		c->qhead = 0;
	return 0;
}

static void open_remove(struct phyr_capture *c, int fi)
{
	for (unsigned int i = 0; i < c->nopen; i++)
		if (c->open_frames[i] == fi) {
			c->open_frames[i] = c->open_frames[--c->nopen];
			break;
		}
	c->frames[fi].open = false;
}

static int queue_insert(struct phyr_capture *c, const struct op *o)
{
	size_t pos;

	if (c->qhead + c->qlen == c->qcap) {
		if (c->qhead > 0) {
			memmove(c->q, c->q + c->qhead, c->qlen * sizeof(*c->q));
			c->qhead = 0;
		} else {
			size_t n = c->qcap ? c->qcap * 2 : 256;
			struct op *nq = realloc(c->q, n * sizeof(*nq));

			if (!nq)
				return -ENOMEM;
			c->q = nq;
			c->qcap = n;
		}
	}
	pos = c->qhead + c->qlen;
	while (pos > c->qhead && c->q[pos - 1].key > o->key)
		pos--;
	memmove(c->q + pos + 1, c->q + pos, (c->qhead + c->qlen - pos) * sizeof(*c->q));
	c->q[pos] = *o;
	c->qlen++;
	return 0;
}

static int resolve(struct phyr_capture *c, int fi);

static int push_op(struct phyr_capture *c, const struct op *o)
{
	int ret;

	if (!c->nopen && !c->qlen)
		return apply(c, o);
	ret = queue_insert(c, o);
	if (ret)
		return ret;
	/* a call whose return never comes (lost events, a cut capture)
	 * must not hold everything back */
	while (c->qlen > CAP_QUEUE_MAX && c->nopen) {
		unsigned int oldest = 0;

		for (unsigned int i = 1; i < c->nopen; i++)
			if (c->frames[c->open_frames[i]].entry_key <
			    c->frames[c->open_frames[oldest]].entry_key)
				oldest = i;
		ret = resolve(c, c->open_frames[oldest]);
		if (ret)
			return ret;
		c->sum.nunpaired++;
	}
	return drain(c);
}

/* The call @fi's lookup point is known: queue its lookup, release the barrier. */
static int resolve(struct phyr_capture *c, int fi)
{
	struct op o = { 0 };

	o.type = OP_LOOKUP;
	o.key = c->frames[fi].lookup_key;
	o.frame = fi;
	o.cpu = c->frames[fi].cpu;
	open_remove(c, fi);
	return queue_insert(c, &o);
}

/* ---- applying ops to the model ---- */

static void record_alloc(struct phyr_capture *c, struct cdom *dm, uint64_t line, uint64_t size,
			 uint64_t linux_pfn, bool ok, uint64_t model_pfn)
{
	struct phyr_capture_alloc a = {
		.line = line, .iovad = dm->iovad, .size = size, .linux_pfn = linux_pfn,
		.model_pfn = model_pfn, .model_ok = ok,
	};

	uint64_t lost = ftrace_reader_first_lost(c->r);
	bool before = !lost || line < lost;

	dm->nallocs++;
	c->sum.nallocs++;
	c->sum.nallocs_before_loss += before;
	/* alloc_iova_fast returns 0 when it fails: both failing is a match */
	if ((ok && model_pfn == linux_pfn) || (!ok && linux_pfn == 0)) {
		dm->nmatched++;
		c->sum.nmatched++;
		c->sum.nmatched_before_loss += before;
	} else {
		if (!dm->div_line) {
			dm->div_line = line;
			dm->div_linux = linux_pfn;
			dm->div_model = model_pfn;
			dm->div_model_ok = ok;
		}
		if (!c->sum.first_divergence)
			c->sum.first_divergence = line;
	}
	if (c->cfg.on_alloc) {
		struct phyr_iova_stats st;

		a.ts_ns = c->now_ns;
		memset(&st, 0, sizeof(st));
		if (c->cfg.want_live)
			phyr_iova_get_stats(dm->d, &st);
		if (!dm->live_base_set) {
			/* the first allocation: what the tree held before it is reserved */
			dm->live_base = st.nnodes - (ok && st.nnodes ? 1 : 0);
			dm->live_base_set = true;
		}
		a.live = st.nnodes > dm->live_base ? st.nnodes - dm->live_base : 0;
		c->cfg.on_alloc(c->cfg.ctx, &a);
	}
}

static void apply_lookup(struct phyr_capture *c, struct frame *f)
{
	uint64_t pfn;

	if (!f->dom || !f->have_args || !f->dom->d)
		return;
	if (iova_step_lookup(f->dom->d, f->cpu, f->size, f->limit, &pfn) == 0) {
		f->model_set = true;
		f->model_pfn = pfn;
	}
}

/* alloc_fast's tree allocation after the model's cache missed. */
static void model_tree_alloc(struct frame *f)
{
	uint64_t pfn;

	if (!f->dom || !f->dom->d || !f->have_args)
		return;
	if (iova_step_tree_alloc(f->dom->d, f->size, f->limit, &pfn) == 0) {
		f->model_set = true;
		f->model_pfn = pfn;
	}
}

static void apply_remove(struct phyr_capture *c, const struct op *o)
{
	struct cpu_state *cs = &c->cpus[o->cpu];

	if (cs->drop_dom == o->dom) {
		uint64_t n = o->b >= o->a ? o->b - o->a + 1 : 1;

		(void)iova_step_drop_depot_mag(o->dom->d, o->a, order_base_2(n));
		cs->drop_dom = NULL;
	}
	(void)phyr_iova_free(o->dom->d, o->a, NULL, NULL);
}

static int apply(struct phyr_capture *c, const struct op *o)
{
	struct frame *f = o->frame >= 0 ? &c->frames[o->frame] : NULL;
	struct cdom *dm = o->dom;
	struct cpu_state *cs = &c->cpus[o->cpu];
	bool dropped;
	uint64_t pfn;
	int ret;

	if (o->type >= OP_LOOKUP && o->type <= OP_INSERT)
		cs->ctx = MAG_NONE;
	switch (o->type) {
	case OP_INIT:
		dm->granule = o->a;
		dm->start_pfn = o->b;
		dm->nreserved = 0;
		ret = dom_model_init(c, dm);
		if (ret)
			return ret;
		break;
	case OP_RESERVE:
		if (dm->d)
			(void)phyr_iova_reserve(dm->d, o->a, o->b, NULL, NULL);
		break;
	case OP_LOOKUP:
		apply_lookup(c, f);
		break;
	case OP_SLOW:
		/* the lookup must have missed; if the model hit, it keeps its
		 * pfn. The model tries its own tree even where Linux's failed
		 * (it decides for itself); Linux's retry after the flush is the
		 * next slow line. */
		f->slow_done = true;
		if (!f->model_set)
			model_tree_alloc(f);
		break;
	case OP_SLOW_DIRECT:
		if (dm->d && o->a)
			(void)phyr_iova_alloc(dm->d, o->a, o->b, o->flag, &pfn);
		break;
	case OP_RETURN:
		if (!f->dom || !f->dom->d) {
			frame_release(c, o->frame);
			break;
		}
		/* Linux's cache hit where the model's missed: the model's own slow path */
		if (!f->model_set && !f->slow_done)
			model_tree_alloc(f);
		record_alloc(c, f->dom, o->a, f->size, o->b, f->model_set, f->model_pfn);
		frame_release(c, o->frame);
		break;
	case OP_INSERT:
		dm->nfrees++;
		if (dm->d && iova_step_insert(dm->d, o->cpu, o->a, o->b, !c->has_rb_remove,
					      &dropped) == 0 && dropped) {
			/* pre-v6.7: the magazine's iova_mag_free line follows */
			if (cs->skip_dom != dm)
				cs->nskip = 0;
			cs->skip_dom = dm;
			cs->nskip++;
		}
		if (dm->d)
			mag_sample(dm);
		break;
	case OP_REMOVE:
		if (dm->d)
			apply_remove(c, o);
		break;
	case OP_MAG_FREE:
		/* v6.7+ frees magazines only from the depot work and the
		 * flushes; before v6.7 a full depot or a global flush does */
		if (cs->skip_dom == dm && cs->nskip)
			cs->nskip--;
		else if (o->a && !c->has_rb_remove && dm->d &&
			 (c->fixed_depot || cs->ctx == MAG_FLUSH))
			iova_step_depot_flush(dm->d); /* no rb_remove to say which */
		else if (o->a && (c->fixed_depot || cs->ctx != MAG_NONE))
			cs->drop_dom = dm;
		else if (o->a)
			c->nunexplained++;
		break;
	case OP_TREE_FREE:
		if (dm->d && !c->has_rb_remove)
			(void)phyr_iova_free(dm->d, o->a, NULL, NULL);
		break;
	case OP_DEPOT_WORK:
		cs->ctx = MAG_DEPOT_WORK;
		break;
	case OP_CPU_FLUSH:
		if (dm->d && o->a < c->model_cpus)
			(void)iova_step_cpu_drop(dm->d, (unsigned int)o->a, !c->has_rb_remove);
		if (cs->skip_dom != dm)
			cs->nskip = 0;
		cs->skip_dom = dm;
		cs->nskip += 2 * (dm->d ? iova_nclasses(dm->d) : PHYR_IOVA_RCACHE_CLASSES);
		cs->ctx = MAG_FLUSH;
		break;
	}
	return 0;
}

/* ---- what-if replay: Linux pfn -> model pfn ---- */

static uint64_t map_hash(uint64_t pfn, const struct cdom *dm, size_t cap)
{
	return ((pfn ^ (uint64_t)(uintptr_t)dm) * 0x9e3779b97f4a7c15ull >> 17) & (cap - 1);
}

static int map_put(struct phyr_capture *c, struct cdom *dm, uint64_t lpfn, uint64_t mpfn)
{
	size_t i;

	if ((c->map_used + 1) * 2 > c->map_cap) {
		size_t n = c->map_cap ? c->map_cap * 2 : 1024;
		struct pfn_map_slot *nm = calloc(n, sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		for (size_t j = 0; j < c->map_cap; j++) {
			if (!c->map[j].key)
				continue;
			for (i = map_hash(c->map[j].key, c->map[j].dom, n); nm[i].key; i = (i + 1) & (n - 1))
				;
			nm[i] = c->map[j];
		}
		free(c->map);
		c->map = nm;
		c->map_cap = n;
	}
	for (i = map_hash(lpfn + 1, dm, c->map_cap); c->map[i].key; i = (i + 1) & (c->map_cap - 1))
		if (c->map[i].key == lpfn + 1 && c->map[i].dom == dm) {
			c->map[i].val = mpfn;
			return 0;
		}
	c->map[i].key = lpfn + 1;
	c->map[i].dom = dm;
	c->map[i].val = mpfn;
	c->map_used++;
	return 0;
}

/* Takes the model pfn of Linux's @lpfn out of the map. */
static bool map_take(struct phyr_capture *c, struct cdom *dm, uint64_t lpfn, uint64_t *mpfn)
{
	size_t i, j, mask = c->map_cap - 1;

	if (!c->map_cap)
		return false;
	for (i = map_hash(lpfn + 1, dm, c->map_cap); c->map[i].key; i = (i + 1) & mask)
		if (c->map[i].key == lpfn + 1 && c->map[i].dom == dm)
			break;
	if (!c->map[i].key)
		return false;
	*mpfn = c->map[i].val;
	/* backward-shift deletion */
	for (j = (i + 1) & mask; c->map[j].key; j = (j + 1) & mask) {
		size_t h = map_hash(c->map[j].key, c->map[j].dom, c->map_cap);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			c->map[i] = c->map[j];
			i = j;
		}
	}
	c->map[i].key = 0;
	c->map_used--;
	return true;
}

/* ---- lines ---- */

struct ctx {
	struct phyr_capture *c;
	const struct ftrace_line *l;
	struct ftrace_fields fs;
	const char *ev;
};

static int need_hex(struct ctx *x, const char *name, uint64_t *v)
{
	int ret = ftrace_field_hex(&x->fs, name, v);

	if (ret == -ENOENT)
		return fail(x->c, x->l->lineno, -EINVAL, "%s: no field %s=", x->ev, name);
	if (ret)
		return fail(x->c, x->l->lineno, -EINVAL, "%s: field %s= is not a hex number",
			    x->ev, name);
	return 0;
}

static int need_u64(struct ctx *x, const char *name, uint64_t *v)
{
	int ret = ftrace_field_u64(&x->fs, name, v);

	if (ret == -ENOENT)
		return fail(x->c, x->l->lineno, -EINVAL, "%s: no field %s=", x->ev, name);
	if (ret)
		return fail(x->c, x->l->lineno, -EINVAL, "%s: field %s= is not a number", x->ev,
			    name);
	return 0;
}

static int dom_of(struct ctx *x, struct cdom **dm)
{
	struct phyr_capture *c = x->c;
	const struct ftrace_str *t = ftrace_field_find(&x->fs, "iovad");
	uint64_t iovad;
	int ret;

	if (t && c->iovad_dom && t->len == c->iovad_len &&
	    memcmp(t->p, c->iovad_text, t->len) == 0) {
		*dm = c->iovad_dom;
		return 0;
	}
	ret = need_hex(x, "iovad", &iovad);
	if (ret)
		return ret;
	*dm = dom_get(c, iovad);
	if (!*dm)
		return -ENOMEM;
	if (t->len <= sizeof(c->iovad_text)) {
		memcpy(c->iovad_text, t->p, t->len);
		c->iovad_len = t->len;
		c->iovad_dom = *dm;
	}
	return 0;
}

static void base_op(struct op *o, const struct ftrace_line *l, enum op_type t)
{
	memset(o, 0, sizeof(*o));
	o->key = 2 * l->lineno;
	o->type = t;
	o->cpu = l->cpu;
	o->frame = -1;
}

/* Pushes a new open call for the line's task. */
static int call_enter(struct ctx *x, int *out)
{
	bool blocking = !x->c->whatif && x->c->model;
	struct phyr_capture *c = x->c;
	struct task_slot *s = task_slot(c, task_id(x->l), true);
	int fi;

	if (!s)
		return -ENOMEM;
	if (c->nopen == sizeof(c->open_frames) / sizeof(c->open_frames[0])) {
		int ret = resolve(c, c->open_frames[0]);

		c->sum.nunpaired++;
		if (ret)
			return ret;
	}
	fi = frame_new(c);
	if (fi < 0)
		return -ENOMEM;
	s = task_slot(c, task_id(x->l), true);
	c->frames[fi].entry_key = 2 * x->l->lineno + 1;
	c->frames[fi].lookup_key = c->frames[fi].entry_key;
	c->frames[fi].task = task_id(x->l);
	c->frames[fi].cpu = x->l->cpu;
	c->frames[fi].below = s->top;
	c->frames[fi].open = blocking;
	s->top = fi;
	if (blocking)
		c->open_frames[c->nopen++] = fi;
	*out = fi;
	return 0;
}

/* Pops the task's innermost call (an unpaired return gets a fresh one). */
static int call_return(struct ctx *x, int *out)
{
	struct phyr_capture *c = x->c;
	struct task_slot *s = task_slot(c, task_id(x->l), true);
	int fi;

	if (!s)
		return -ENOMEM;
	fi = s->top;
	if (fi < 0) {
		int ret = call_enter(x, &fi);

		if (ret)
			return ret;
		c->sum.nunpaired++;
		s = task_slot(c, task_id(x->l), true);
		c->frames[fi].lookup_key = 2 * x->l->lineno - 1;
	}
	s->top = c->frames[fi].below;
	c->frames[fi].below = -1;
	if (c->frames[fi].cpu != x->l->cpu && !c->frames[fi].rc_seen)
		c->frames[fi].cpu = x->l->cpu; /* migrated inside the call */
	*out = fi;
	return 0;
}

static int alloc_args(struct ctx *x, struct frame *f)
{
	uint64_t flush = 0;
	int ret;

	ret = dom_of(x, &f->dom);
	if (!ret)
		ret = need_u64(x, "size", &f->size);
	if (!ret)
		ret = need_hex(x, "limit_pfn", &f->limit);
	if (ret)
		return ret;
	(void)ftrace_field_u64(&x->fs, "flush_rcache", &flush);
	if (f->size == 0)
		return fail(x->c, x->l->lineno, -EINVAL, "%s: size=0", x->ev);
	f->flush = flush != 0;
	f->have_args = true;
	return 0;
}

/* The return of alloc_iova_fast with Linux's pfn. */
/*
 * Frees the capture lacks. In a strict domain every iommu:unmap is followed
 * on its CPU, in the same context, by the free_iova_fast of its range
 * (__iommu_dma_unmap: unmap, IOTLB sync, free). A kprobe on
 * free_iova_fast's fentry site (the kprobe form of older capture-dma
 * versions) misses a call made from an interrupt while another kprobe's
 * handler runs on that CPU: the unmap line is there, the iova_free line
 * is not, and the model would keep the range. Each CPU keeps a stack of
 * its unmaps waiting for their free; a free pops its own unmap and every
 * unmap above it (nested contexts that ended without their free); an
 * unmap ends those of its own or of a deeper context (interrupt levels
 * from the line's flags; a task's only for the same pid), and so does an
 * allocation; both end the interrupts' of another task (a task switch
 * ends every interrupt; int3 kprobe lines show NMI flags, which say
 * nothing of their context). Each one so
 * ended is freed where it is found to be missing, in the domain where
 * Linux's pfn is live with the unmap's size (the newest allocation when
 * several are). Only when the header says strict and no flush-queue
 * timer ran.
 */
static bool recovering(const struct phyr_capture *c)
{
	return c->model && !c->whatif && c->ustk && c->hdr_strict == 1 && !c->fq_seen &&
	       !c->sum.rc_probes;
}

#define LIVE_SIZE_BITS 24
/* freed by missed_free(): a late iova_free of it is not applied again */
#define LIVE_RECOVERED (UINT64_C(1) << 63)

/* Linux's allocation at @lpfn: live in @dm from its return to its free. */
static int live_put(struct phyr_capture *c, struct cdom *dm, uint64_t lpfn, uint64_t size)
{
	if (size >= (UINT64_C(1) << LIVE_SIZE_BITS))
		size = (UINT64_C(1) << LIVE_SIZE_BITS) - 1;
	return map_put(c, dm, lpfn, (++c->alloc_seq << LIVE_SIZE_BITS) | size);
}

static bool map_get(const struct phyr_capture *c, const struct cdom *dm, uint64_t lpfn, uint64_t *val)
{
	size_t mask = c->map_cap - 1;

	if (!c->map_cap)
		return false;
	for (size_t i = map_hash(lpfn + 1, dm, c->map_cap); c->map[i].key; i = (i + 1) & mask)
		if (c->map[i].key == lpfn + 1 && c->map[i].dom == dm) {
			*val = c->map[i].val;
			return true;
		}
	return false;
}

/* The free of an unmap whose iova_free line is missing, applied at @key
 * (0: the current line). */
static int missed_free(struct ctx *x, uint64_t pfn, uint64_t pages, uint64_t key)
{
	struct phyr_capture *c = x->c;
	struct cdom *best = NULL;
	uint64_t best_val = 0, v;
	struct op o;

	for (unsigned int i = 0; i < c->ndoms; i++) {
		struct cdom *dm = c->doms[i];
		bool same;

		if (!map_get(c, dm, pfn, &v) || (v & LIVE_RECOVERED))
			continue;
		same = (v & ((UINT64_C(1) << LIVE_SIZE_BITS) - 1)) == pages;
		if (same && (!best || v > best_val)) {
			best = dm;
			best_val = v;
		}
	}
	if (!best)
		return 0; /* no allocation of Linux's of that size starts there */
	if (map_put(c, best, pfn, best_val | LIVE_RECOVERED))
		return -ENOMEM;
	c->sum.nmissed_frees++;
	base_op(&o, x->l, OP_INSERT);
	if (key)
		o.key = key;
	o.dom = best;
	o.a = pfn;
	o.b = pages;
	return push_op(c, &o);
}

/* Ends the unmaps of @st from index @k up, oldest first. */
static int unmaps_missed(struct ctx *x, struct unmap_stack *st, unsigned int k)
{
	for (unsigned int i = k; i < st->n; i++) {
		int ret = missed_free(x, st->e[i].pfn, st->e[i].pages, 0);

		if (ret)
			return ret;
	}
	if (k < st->n)
		st->n = k;
	return 0;
}

/* The unmaps of the line's CPU that its line shows to have ended without
 * their free. */
static int unmaps_ended(struct ctx *x)
{
	struct unmap_stack *st = &x->c->ustk[x->l->cpu % x->c->model_cpus];
	int level = ftrace_ctx_level(ftrace_line_ctx(x->l));
	unsigned int k;

	if (!st->n)
		return 0;
	for (k = st->n; k > 0; k--) {
		int el = st->e[k - 1].level;
		bool same_task = st->e[k - 1].pid == x->l->pid;

		if (el >= 1 && !same_task)
			continue; /* a task switch ended that interrupt */
		if (level < 3 && el > level)
			continue; /* a deeper context, over */
		if (level < 3 && el == level && (level > 0 || same_task))
			continue; /* the same context went on to unmap or allocate */
		break;
	}
	return unmaps_missed(x, st, k);
}

/*
 * The two fields of iommu:unmap the recovery needs, read straight from its
 * fixed format ("IOMMU: iova=0x%016llx - 0x%016llx size=%zu
 * unmapped_size=%zu") instead of splitting the whole payload: this runs
 * on every unmap of a strict capture. Returns false when either is absent
 * or malformed (the line is then ignored, as before).
 */
static bool unmap_iova_size(struct ftrace_str a, uint64_t *iova, uint64_t *bytes)
{
	static const char pre[] = "IOMMU: iova=";
	const char *p = a.p, *e = a.p + a.len, *q, *t;

	if (a.len > sizeof(pre) - 1 && memcmp(p, pre, sizeof(pre) - 1) == 0)
		q = p + sizeof(pre) - 1;
	else if ((q = a.len >= 5 ? memmem(p, a.len, "iova=", 5) : NULL) != NULL)
		q += 5;
	else
		return false;
	for (t = q; t < e && *t != ' '; t++)
		;
	if (ftrace_parse_hex((struct ftrace_str){ q, (size_t)(t - q) }, iova))
		return false;
	/* " - 0x<end> size=": skip the range's end */
	if (e - t > 3 && t[1] == '-' && t[2] == ' ') {
		for (q = t + 3; q < e && *q != ' '; q++)
			;
		if (e - q > 6 && memcmp(q, " size=", 6) == 0)
			q += 6;
		else
			q = NULL;
	} else {
		q = NULL;
	}
	if (!q) {
		q = memmem(t, (size_t)(e - t), " size=", 6);
		if (!q)
			return false;
		q += 6;
	}
	for (t = q; t < e && *t != ' '; t++)
		;
	return ftrace_parse_dec((struct ftrace_str){ q, (size_t)(t - q) }, bytes) == 0;
}

static int on_unmap(struct ctx *x)
{
	struct phyr_capture *c = x->c;
	struct unmap_stack *st = &c->ustk[x->l->cpu % c->model_cpus];
	int level = ftrace_ctx_level(ftrace_line_ctx(x->l));
	uint64_t iova, bytes;
	int ret;

	if (!unmap_iova_size(x->l->args, &iova, &bytes) ||
	    !bytes || (iova & 4095) || (bytes & 4095))
		return 0;
	if ((ret = unmaps_ended(x)))
		return ret;
	if (st->n == UST_MAX) {
		memmove(st->e, st->e + 1, (UST_MAX - 1) * sizeof(st->e[0]));
		st->n--;
	}
	st->e[st->n].pfn = iova >> 12;
	st->e[st->n].pages = bytes >> 12;
	st->e[st->n].line = x->l->lineno;
	st->e[st->n].pid = x->l->pid;
	st->e[st->n].level = (uint8_t)level;
	st->n++;
	return 0;
}

/* An iova_free: its unmap, and those above it, leave the CPU's stack.
 * Return: 1 when missed_free() already freed it (its free came late after
 * all: not applied twice), 0, or a negative errno. */
static int unmap_freed(struct ctx *x, struct cdom *dm, uint64_t pfn)
{
	struct phyr_capture *c = x->c;
	struct unmap_stack *st = &c->ustk[x->l->cpu % c->model_cpus];
	bool done = false;
	uint64_t v;

	if (map_get(c, dm, pfn, &v)) {
		done = v & LIVE_RECOVERED;
		(void)map_take(c, dm, pfn, &v);
	}
	for (unsigned int k = st->n; k > 0; k--)
		if (st->e[k - 1].pfn == pfn) {
			int ret = unmaps_missed(x, st, k);

			st->n = k - 1;
			if (ret)
				return ret;
			break;
		}
	return done ? 1 : 0;
}

/*
 * An allocation returns Linux's @pfn while an interrupt's unmap of that
 * pfn still waits for its free on the call's CPU: Linux's pfn was free, so
 * the interrupt came between the call's entry and its cache lookup (inside
 * the entry probe's handler, where its frees were missed) and all of that
 * interrupt's waiting unmaps were freed before the lookup. They are freed
 * just before it.
 */
static int frees_before_lookup(struct ctx *x, int fi, uint64_t pfn)
{
	struct phyr_capture *c = x->c;
	const struct frame *f = &c->frames[fi];
	struct unmap_stack *st = &c->ustk[f->cpu % c->model_cpus];
	uint64_t entry_line = f->entry_key / 2, v;
	unsigned int k, hit = UST_MAX, n = 0;

	if (!f->open || !f->dom || !map_get(c, f->dom, pfn, &v) || (v & LIVE_RECOVERED))
		return 0;
	for (k = 0; k < st->n; k++)
		if (st->e[k].line > entry_line && st->e[k].level >= 1 && st->e[k].pfn == pfn)
			hit = k;
	if (hit == UST_MAX)
		return 0;
	for (k = 0; k < st->n; k++) {
		if (st->e[k].line > entry_line && st->e[k].level >= 1) {
			int ret = missed_free(x, st->e[k].pfn, st->e[k].pages, f->lookup_key - 1);

			if (ret)
				return ret;
			continue;
		}
		st->e[n++] = st->e[k];
	}
	st->n = n;
	return 0;
}

static int on_return(struct ctx *x, bool args_here)
{
	struct phyr_capture *c = x->c;
	struct op o;
	uint64_t pfn;
	int fi, ret;

	ret = need_hex(x, "pfn", &pfn);
	if (ret)
		return ret;
	ret = call_return(x, &fi);
	if (ret)
		return ret;
	if (args_here || !c->frames[fi].have_args) {
		ret = alloc_args(x, &c->frames[fi]);
		if (ret)
			return ret;
	}
	if (c->whatif) {
		struct frame *f = &c->frames[fi];
		uint64_t mpfn = 0;
		bool ok = phyr_iova_alloc_fast(f->dom->d, f->size, f->limit, f->cpu % c->model_cpus,
					       f->flush, &mpfn) == 0;

		if (ok && map_put(c, f->dom, pfn, mpfn))
			return -ENOMEM;
		record_alloc(c, f->dom, x->l->lineno, f->size, pfn, ok, mpfn);
		frame_release(c, fi);
		return 0;
	}
	if (recovering(c) && pfn && c->frames[fi].dom &&
	    ((ret = frees_before_lookup(x, fi, pfn)) ||
	     (ret = live_put(c, c->frames[fi].dom, pfn, c->frames[fi].size))))
		return ret;
	if (c->frames[fi].open) {
		ret = resolve(c, fi);
		if (ret)
			return ret;
	}
	base_op(&o, x->l, OP_RETURN);
	o.frame = fi;
	o.a = x->l->lineno;
	o.b = pfn;
	return push_op(c, &o);
}

static int on_slow(struct ctx *x, bool kprobe_ret)
{
	struct phyr_capture *c = x->c;
	struct op o;
	uint64_t lo = 0, hi = 0;
	const struct ftrace_str *v = ftrace_field_find(&x->fs, "pfn_lo");
	bool ok = true;
	struct cdom *dm = NULL;
	int fi, ret;

	if (!kprobe_ret && !v) {
		if (!x->l->retprobe)
			return 0; /* kprobe form: the entry of alloc_iova */
	}
	/* a NULL result reads as a fault (fprobe) or as zeros (kprobe) */
	if (v && v->len && v->p[0] == '(')
		ok = false;
	else if ((ret = need_hex(x, "pfn_lo", &lo)) || (ret = need_hex(x, "pfn_hi", &hi)))
		return ret;
	else if (lo == 0 && hi == 0)
		ok = false;
	if (!kprobe_ret && (ret = dom_of(x, &dm)))
		return ret;
	if (c->whatif)
		return 0;
	fi = task_top(c, task_id(x->l));
	if (fi >= 0 && (kprobe_ret || !c->frames[fi].dom || c->frames[fi].dom == dm)) {
		struct frame *f = &c->frames[fi];

		f->frozen = true;
		if (!f->dom && dm)
			f->dom = dm;
		base_op(&o, x->l, OP_SLOW);
		o.frame = fi;
		o.flag = ok;
		return push_op(c, &o);
	}
	if (!dm || !ok)
		return 0;
	/* alloc_iova called directly, not from alloc_iova_fast */
	base_op(&o, x->l, OP_SLOW_DIRECT);
	o.dom = dm;
	if ((ret = need_u64(x, "size", &o.a)) || (ret = need_hex(x, "limit_pfn", &o.b)))
		return ret;
	{
		uint64_t al = 0;

		(void)ftrace_field_u64(&x->fs, "size_aligned", &al);
		o.flag = al != 0;
	}
	return push_op(c, &o);
}

static int on_rc_lookup(struct ctx *x)
{
	struct phyr_capture *c = x->c;
	int fi = task_top(c, task_id(x->l));
	struct frame *f;
	struct cdom *dm;
	uint64_t size;
	int ret;

	c->sum.rc_probes = true;
	if ((ret = dom_of(x, &dm)) || (ret = need_u64(x, "size", &size)))
		return ret;
	if (fi < 0 || c->whatif)
		return 0;
	f = &c->frames[fi];
	if (!f->dom)
		f->dom = dm;
	f->lookup_key = 2 * x->l->lineno + 1;
	f->frozen = true;
	f->rc_seen = true;
	f->cpu = x->l->cpu;
	return 0;
}

/* free_iova_fast: the pfn goes into the CPU's cache (unless rc_insert marks the moment). */
struct pending_free {
	uint64_t task;
	struct cdom *dom;
	uint64_t pfn, size;
};

static int on_free(struct ctx *x, struct pending_free *pf)
{
	struct phyr_capture *c = x->c;
	struct cdom *dm;
	uint64_t pfn, size;
	struct op o;
	int ret;

	if ((ret = dom_of(x, &dm)) || (ret = need_hex(x, "pfn", &pfn)) ||
	    (ret = need_u64(x, "size", &size)))
		return ret;
	if (size == 0)
		return fail(c, x->l->lineno, -EINVAL, "%s: size=0", x->ev);
	if (recovering(c) && (ret = unmap_freed(x, dm, pfn)))
		return ret < 0 ? ret : 0;
	if (c->whatif) {
		uint64_t mpfn;

		dm->nfrees++;
		if (map_take(c, dm, pfn, &mpfn))
			(void)phyr_iova_free_fast(dm->d, mpfn, size, x->l->cpu % c->model_cpus);
		mag_sample(dm);
		return 0;
	}
	if (c->sum.rc_probes && order_base_2(size) < PHYR_IOVA_RCACHE_CLASSES) {
		pf->task = task_id(x->l);
		pf->dom = dm;
		pf->pfn = pfn;
		pf->size = size;
		return 0;
	}
	base_op(&o, x->l, OP_INSERT);
	o.dom = dm;
	o.a = pfn;
	o.b = size;
	return push_op(c, &o);
}

static int on_rc_insert(struct ctx *x, struct pending_free *pf)
{
	struct phyr_capture *c = x->c;
	struct cdom *dm;
	uint64_t pfn;
	struct op o;
	int ret;

	c->sum.rc_probes = true;
	if ((ret = dom_of(x, &dm)) || (ret = need_hex(x, "pfn", &pfn)))
		return ret;
	if (c->whatif)
		return 0;
	base_op(&o, x->l, OP_INSERT);
	o.dom = dm;
	o.a = pfn;
	o.b = 1;
	if (pf->dom == dm && pf->pfn == pfn && pf->task == task_id(x->l))
		o.b = pf->size;
	pf->dom = NULL;
	return push_op(c, &o);
}

static int on_boot(struct ctx *x, enum ev_id id)
{
	struct phyr_capture *c = x->c;
	struct cdom *dm;
	struct op o;
	int ret;

	if ((ret = dom_of(x, &dm)))
		return ret;
	if (id == EV_INIT_DOMAIN) {
		base_op(&o, x->l, OP_INIT);
		if ((ret = need_u64(x, "granule", &o.a)) || (ret = need_hex(x, "start_pfn", &o.b)))
			return ret;
		if (o.a == 0 || o.a > PHYR_PAGE_SIZE || (o.a & (o.a - 1)))
			return fail(c, x->l->lineno, -EINVAL, "%s: granule is not a power of two up to a page",
				    x->ev);
		dm->boot = true;
	} else {
		base_op(&o, x->l, OP_RESERVE);
		if ((ret = need_hex(x, "pfn_lo", &o.a)) || (ret = need_hex(x, "pfn_hi", &o.b)))
			return ret;
		if (o.a > o.b)
			return fail(c, x->l->lineno, -EINVAL, "%s: pfn_lo above pfn_hi", x->ev);
		dm->nreserved++;
	}
	o.dom = dm;
	if (c->whatif || !c->model) {
		if (id == EV_INIT_DOMAIN) {
			dm->granule = o.a;
			dm->start_pfn = o.b;
			dm->nreserved = 0;
			if (c->model && (ret = dom_model_init(c, dm)))
				return ret;
		} else if (dm->d) {
			(void)phyr_iova_reserve(dm->d, o.a, o.b, NULL, NULL);
		}
		return 0;
	}
	return push_op(c, &o);
}

static int on_device(struct ctx *x)
{
	struct phyr_capture *c = x->c;
	const struct ftrace_str *dev = ftrace_field_find(&x->fs, "device");
	uint64_t g;
	int ret;

	if (!dev || !dev->len)
		return fail(c, x->l->lineno, -EINVAL, "%s: no field %s=", x->ev, "device");
	ret = ftrace_field_dec(&x->fs, "groupID", &g);
	if (ret)
		return fail(c, x->l->lineno, -EINVAL, "%s: field %s= is not a number", x->ev, "groupID");
	if (c->ndevs < CAP_MAX_DEVICES) {
		struct phyr_capture_device *d = &c->devs[c->ndevs++];

		snprintf(d->name, sizeof(d->name), "%.*s", (int)dev->len, dev->p);
		d->group = (int)g;
	}
	return 0;
}

static int on_allocator(struct ctx *x, enum ev_id id, struct pending_free *pf)
{
	struct phyr_capture *c = x->c;
	struct cdom *dm;
	struct op o;
	uint64_t v;
	int fi, ret;

	if ((id == EV_ALLOC_ENTRY || (id == EV_ALLOC && !x->l->retprobe &&
					      !ftrace_field_find(&x->fs, "pfn"))) &&
	    recovering(c) && (ret = unmaps_ended(x)))
		return ret;
	switch (id) {
	case EV_ALLOC_ENTRY:
		ret = call_enter(x, &fi);
		if (!ret && ftrace_field_find(&x->fs, "iovad")) {
			struct frame *f = &c->frames[fi];

			if ((ret = dom_of(x, &f->dom)))
				return ret;
		}
		return ret;
	case EV_ALLOC:
		if (x->l->retprobe || ftrace_field_find(&x->fs, "pfn"))
			return on_return(x, true);
		/* kprobe form: the entry, with the arguments */
		c->sum.kprobe_form = true;
		ret = call_enter(x, &fi);
		if (!ret)
			ret = alloc_args(x, &c->frames[fi]);
		return ret;
	case EV_ALLOC_RET:
		c->sum.kprobe_form = true;
		return on_return(x, false);
	case EV_SLOW:
		return on_slow(x, false);
	case EV_SLOW_RET:
		c->sum.kprobe_form = true;
		return on_slow(x, true);
	case EV_FREE:
		return on_free(x, pf);
	case EV_RC_HIT:
	case EV_RC_MISS:
	case EV_RC_EMPTY:
		return on_rc_lookup(x);
	case EV_RC_INSERT:
		return on_rc_insert(x, pf);
	case EV_RB_REMOVE:
		c->has_rb_remove = true;
		if ((ret = dom_of(x, &dm)) || (ret = need_hex(x, "pfn_lo", &v)))
			return ret;
		base_op(&o, x->l, OP_REMOVE);
		o.dom = dm;
		o.a = v;
		if ((ret = need_hex(x, "pfn_hi", &o.b)))
			return ret;
		return c->whatif ? 0 : push_op(c, &o);
	case EV_RB_FREE:
		if ((ret = dom_of(x, &dm)) || (ret = need_hex(x, "pfn", &v)))
			return ret;
		if (c->whatif || c->has_rb_remove)
			return 0;
		base_op(&o, x->l, OP_TREE_FREE);
		o.dom = dm;
		o.a = v;
		return push_op(c, &o);
	case EV_MAG_FREE:
		if ((ret = dom_of(x, &dm)) || (ret = need_u64(x, "mag_size", &v)))
			return ret;
		base_op(&o, x->l, OP_MAG_FREE);
		o.dom = dm;
		o.a = v;
		return c->whatif ? 0 : push_op(c, &o);
	case EV_CPU_FLUSH:
		if ((ret = dom_of(x, &dm)) || (ret = need_u64(x, "cpu", &v)))
			return ret;
		base_op(&o, x->l, OP_CPU_FLUSH);
		o.dom = dm;
		o.a = v;
		return c->whatif ? 0 : push_op(c, &o);
	case EV_DEPOT_WORK:
		if (!c->kernel_forced && !c->depot_work_seen && c->kmajor < 0)
			set_fixed_depot(c, false);
		c->depot_work_seen = true;
		if (c->whatif) {
			for (unsigned int i = 0; i < c->ndoms; i++)
				phyr_iova_tick(c->doms[i]->d);
			return 0;
		}
		base_op(&o, x->l, OP_DEPOT_WORK);
		return push_op(c, &o);
	default:
		return 0;
	}
}

/* Every open call on this CPU of another task: its lookup moves after this line. */
static void note_line(struct phyr_capture *c, const struct ftrace_line *l)
{
	uint64_t t = task_id(l);

	for (unsigned int i = 0; i < c->nopen; i++) {
		struct frame *f = &c->frames[c->open_frames[i]];

		if (f->cpu == l->cpu && f->task != t && !f->frozen)
			f->lookup_key = 2 * l->lineno + 1;
	}
}

static void header_facts(struct phyr_capture *c, const struct ftrace_line *l)
{
	const char *k;

	if (memmem(l->text.p, l->text.len, "iova_depot_work", 15))
		c->header_depot_work = true;
	if (memmem(l->text.p, l->text.len, "qt/rb_remove", 12))
		c->has_rb_remove = true;
	if (memmem(l->text.p, l->text.len, "qt/rc_insert", 12) ||
	    memmem(l->text.p, l->text.len, "qt/rc_hit", 9))
		c->sum.rc_probes = true;
	/* capture-dma's "#   kprobe_profile: NAME hits=N missed=M" */
	if ((k = memmem(l->text.p, l->text.len, "kprobe_profile: ", 16)) != NULL) {
		const char *m = memmem(k, l->text.len - (size_t)(k - l->text.p), " missed=", 8);
		const char *e = l->text.p + l->text.len;
		uint64_t v = 0;

		for (m = m ? m + 8 : e; m < e && *m >= '0' && *m <= '9' && v < UINT64_MAX / 10 - 10; m++)
			v = v * 10 + (uint64_t)(*m - '0');
		c->sum.nkprobe_missed += v;
	}
	/* the domains' mode, from the kernel command line or dmesg */
	if (c->cfg.domain == PHYR_CAPTURE_DOMAIN_AUTO) {
		if (memmem(l->text.p, l->text.len, "iommu.strict=1", 14) ||
		    memmem(l->text.p, l->text.len, "invalidation policy: strict mode", 32))
			c->hdr_strict = 1;
		else if (memmem(l->text.p, l->text.len, "iommu.strict=0", 14) ||
			 memmem(l->text.p, l->text.len, "invalidation policy: lazy mode", 30))
			c->hdr_strict = 0;
	}
	k = ftrace_reader_kernel(c->r);
	if (k && !c->kernel[0]) {
		snprintf(c->kernel, sizeof(c->kernel), "%s", k);
		if (parse_kernel(k, &c->kmajor, &c->kminor))
			c->kmajor = c->kminor = -1;
	}
}

/* The model's shape, fixed at the first event line. */
static int setup_model(struct phyr_capture *c)
{
	unsigned int n = c->cfg.ncpus ? c->cfg.ncpus : ftrace_reader_ncpus(c->r);

	if (!n)
		n = CAP_DEFAULT_CPUS;
	if (n > PHYR_IOVA_MAX_CPUS)
		n = PHYR_IOVA_MAX_CPUS;
	c->model_cpus = n;
	c->cpus = calloc(n, sizeof(*c->cpus));
	c->ustk = calloc(n, sizeof(*c->ustk));
	if (!c->cpus || !c->ustk)
		return -ENOMEM;
	phyr_iova_config_init(&c->icfg);
	c->icfg.ncpus = n;
	c->icfg.policy = c->cfg.policy;
	if (c->kmajor >= 0)
		c->fixed_depot = kernel_fixed_depot(c->kmajor, c->kminor);
	else
		c->fixed_depot = !c->header_depot_work;
	return 0;
}

static int on_line(struct phyr_capture *c, const struct ftrace_line *l, struct pending_free *pf)
{
	char pname[sizeof(c->evs[0].name)];
	struct ftrace_str ename;
	struct ctx x;
	enum ev_id id;

	if (l->kind == FTRACE_COMMENT) {
		header_facts(c, l);
		return 0;
	}
	if (l->kind == FTRACE_EVENT)
		c->now_ns = l->ts_ns;
	if (l->kind != FTRACE_EVENT)
		return 0;
	if (!c->cpus) {
		int ret = setup_model(c);

		if (ret)
			return ret;
	}
	c->sum.nevents++;
	id = event_id(&c->ev_table, l->event);
	if (id == EV_OTHER)
		id = event_id_numbered(&c->ev_table, l->event);
	ename = l->event;
	if (__builtin_expect(l->site.len && id >= EV_ADD_DEVICE, 0)) {
		/* a dynamic probe named like a tracepoint (the swiotlb probes
		 * qs/map and qs/unmap print as "map" and "unmap"): not iommu: */
		int n = snprintf(pname, sizeof(pname), "%.*s (probe)", (int)l->event.len, l->event.p);

		ename = (struct ftrace_str){ .p = pname, .len = (size_t)n < sizeof(pname) ?
					     (size_t)n : sizeof(pname) - 1 };
		id = EV_OTHER;
	}
	count_event(c, ename, id);
	if (id == EV_OTHER) {
		c->sum.nskipped++;
		if (c->nopen)
			note_line(c, l);
		return 0;
	}
	c->ev_count[id]++;
	if (l->cpu >= c->model_cpus && c->model)
		return fail(c, l->lineno, -EINVAL, "CPU %u beyond the model's %u CPUs (see --cpus)",
			    l->cpu, c->model_cpus);
	if (c->nopen)
		note_line(c, l);
	x.c = c;
	x.l = l;
	x.ev = ev_names[id];
	switch (id) {
	case EV_ADD_DEVICE:
		ftrace_fields(l->args, &x.fs);
		return on_device(&x);
	case EV_UNMAP:
		if (!recovering(c))
			return 0;
		return on_unmap(&x);
	case EV_FQ_TIMEOUT:
		c->fq_seen = true;
		return 0;
	case EV_ATTACH:
	case EV_MAP:
		return 0;
	case EV_INIT_DOMAIN:
	case EV_RESERVE:
		ftrace_fields(l->args, &x.fs);
		return on_boot(&x, id);
	default:
		break;
	}
	ftrace_fields(l->args, &x.fs);
	if (!c->model) {
		/* info: check the payload, count allocations per domain */
		struct cdom *dm = NULL;
		int ret = 0;

		if (ftrace_field_find(&x.fs, "iovad"))
			ret = dom_of(&x, &dm);
		if (!ret && (id == EV_ALLOC_RET || (id == EV_ALLOC && (l->retprobe ||
						    ftrace_field_find(&x.fs, "pfn"))))) {
			uint64_t pfn;
			int fi;

			ret = need_hex(&x, "pfn", &pfn);
			/* the kprobe form names the domain at the entry */
			if (!ret && id == EV_ALLOC_RET && !(ret = call_return(&x, &fi))) {
				dm = c->frames[fi].dom;
				frame_release(c, fi);
			}
			if (!ret && dm)
				dm->nallocs++;
			if (!ret)
				c->sum.nallocs++;
		} else if (!ret && id == EV_ALLOC) {
			int fi;

			ret = call_enter(&x, &fi);
			if (!ret)
				c->frames[fi].dom = dm;
		}
		if (id == EV_ALLOC_RET || id == EV_SLOW_RET ||
		    (id == EV_ALLOC && !l->retprobe && !ftrace_field_find(&x.fs, "pfn")))
			c->sum.kprobe_form = true;
		if (id >= EV_RC_HIT && id <= EV_RC_INSERT)
			c->sum.rc_probes = true;
		if (!ret && id == EV_FREE && dm)
			dm->nfrees++;
		return ret;
	}
	return on_allocator(&x, id, pf);
}

static int finish(struct phyr_capture *c)
{
	int ret;

	/* calls still open at the end: their lookups apply where they stand */
	while (c->nopen) {
		int fi = c->open_frames[0];

		ret = resolve(c, fi);
		if (ret)
			return ret;
		c->sum.nunpaired++;
	}
	ret = drain(c);
	if (ret)
		return ret;
	/* frames that never returned */
	return 0;
}

int phyr_capture_run(struct phyr_capture *c, const char *path, FILE *f, char *err, size_t errlen)
{
	struct pending_free pf = { 0 };
	struct ftrace_line l;
	int ret;

	if (!c || (!path && !f) || c->ran)
		return -EINVAL;
	c->ran = true;
	c->err = err;
	c->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (c->cfg.mode == PHYR_CAPTURE_AUTO || c->cfg.mode == PHYR_CAPTURE_EVENTS) {
		bool probes = c->cfg.mode == PHYR_CAPTURE_AUTO;

		/* auto: events mode when the capture has no allocator probes (a
		 * stream that cannot be rewound stays with exact) */
		if (probes && evrep_has_probes(path, f, &probes))
			probes = true;
		if (!probes)
			return evrep_run(&c->cfg, path, f, err, errlen, &c->sum, &c->ev);
	}
	ret = ftrace_reader_open(path, f, &c->r, err, errlen);
	if (ret)
		return ret;
	while ((ret = ftrace_reader_next(c->r, &l)) > 0) {
		ret = on_line(c, &l, &pf);
		if (ret)
			break;
	}
	if (ret == 0 && !c->cpus)
		ret = setup_model(c);
	if (ret == 0 && c->model && !c->whatif)
		ret = finish(c);
	if (ret == 0 && c->cfg.mode != PHYR_CAPTURE_INFO && !c->ev_count[EV_ALLOC] &&
	    !c->ev_count[EV_ALLOC_RET] && c->sum.nevents) {
		/* auto would pick an events-only mode here: not built yet */
		ftrace_reader_error(c->r, ftrace_reader_nlines(c->r), "%s",
				    c->cfg.mode == PHYR_CAPTURE_EXACT ?
				    "no allocator probes (qt/iova_alloc): exact replay impossible" :
				    "no allocator probes (qt/iova_alloc): exact replay impossible (see --mode events)");
		ret = -ENOTSUP;
	}
	if (ret < 0 && err && errlen && !err[0])
		ftrace_reader_error(c->r, ftrace_reader_nlines(c->r), "%s", strerror(-ret));
	c->sum.nlines = ftrace_reader_nlines(c->r);
	ftrace_reader_lost(c->r, &c->sum.nlost_lines, &c->sum.nlost_events);
	c->sum.first_lost_line = ftrace_reader_first_lost(c->r);
	ftrace_reader_entries(c->r, &c->sum.entries_in_buffer, &c->sum.entries_written);
	c->sum.truncated_line = ftrace_reader_truncated(c->r);
	c->sum.ncpus = ftrace_reader_ncpus(c->r);
	if (!c->kernel[0] && ftrace_reader_kernel(c->r))
		snprintf(c->kernel, sizeof(c->kernel), "%s", ftrace_reader_kernel(c->r));
	ftrace_reader_close(c->r);
	c->r = NULL;
	return ret < 0 ? ret : 0;
}

int phyr_capture_get_summary(struct phyr_capture *c, struct phyr_capture_summary *s)
{
	if (!c || !s)
		return -EINVAL;
	*s = c->sum;
	if (c->ev)
		return 0;
	snprintf(s->kernel, sizeof(s->kernel), "%s", c->kernel);
	s->fixed_depot = c->fixed_depot;
	s->mode = c->cfg.mode == PHYR_CAPTURE_INFO ? PHYR_CAPTURE_INFO : PHYR_CAPTURE_EXACT;
	s->whatif = c->whatif && c->model;
	s->model_cpus = c->model_cpus;
	s->ndomains = c->ndoms;
	s->ndevices = c->ndevs;
	return 0;
}

int phyr_capture_get_domain(struct phyr_capture *c, unsigned int i,
			    struct phyr_capture_domain_info *d)
{
	const struct cdom *dm;

	if (!c || !d)
		return -EINVAL;
	if (c->ev)
		return evrep_get_domain(c->ev, i, d);
	if (i >= c->ndoms)
		return -ENOENT;
	dm = c->doms[i];
	memset(d, 0, sizeof(*d));
	d->iovad = dm->iovad;
	d->granule = dm->granule;
	d->start_pfn = dm->start_pfn;
	d->nreserved = dm->nreserved;
	d->boot = dm->boot;
	d->nallocs = dm->nallocs;
	d->nmatched = dm->nmatched;
	d->nfrees = dm->nfrees;
	d->first_divergence = dm->div_line;
	d->div_linux_pfn = dm->div_linux;
	d->div_model_pfn = dm->div_model;
	d->div_model_ok = dm->div_model_ok;
	if (dm->d) {
		uint64_t depot;

		phyr_iova_cache_memory(dm->d, NULL, &depot);
		d->mag_bytes = dm->mag_cpu_bytes + depot;
		d->mag_bytes_peak = dm->mag_cpu_bytes + dm->depot_peak;
	}
	return 0;
}

int phyr_capture_get_device(struct phyr_capture *c, unsigned int i, struct phyr_capture_device *d)
{
	if (!c || !d)
		return -EINVAL;
	if (c->ev)
		return evrep_get_device(c->ev, i, d);
	if (i >= c->ndevs)
		return -ENOENT;
	*d = c->devs[i];
	return 0;
}

int phyr_capture_get_event(struct phyr_capture *c, unsigned int i, struct phyr_capture_event *e)
{
	if (!c || !e)
		return -EINVAL;
	if (c->ev)
		return evrep_get_event(c->ev, i, e);
	if (i >= c->nevs)
		return -ENOENT;
	*e = c->evs[i];
	return 0;
}
