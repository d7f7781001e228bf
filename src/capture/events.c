// SPDX-License-Identifier: MIT
/*
 * Events-only replay of Linux captures (see events.h and docs/capture.md,
 * "Events mode").
 *
 * Without the allocator probes, the IOVA requests are rebuilt from what
 * dma-iommu.c makes visible through the standard tracepoints:
 *
 * - one IOVA allocation per mapping call: its iommu:map lines (one per
 *   physically contiguous chunk; a map_sg call maps its whole IOVA range
 *   in several) form a group on their CPU, closed by the dma: event of the
 *   same call (dma_map_page/_phys/_sg/_resource, dma_alloc), whose first
 *   dma_addr is the group's start; the size is the group's mapped length
 *   in granules (what __iommu_dma_map and iommu_dma_map_sg passed to the
 *   allocator). Without map lines the size comes from the dma: event
 *   (size plus the offset in the first page; for map_sg the span of its
 *   dma_addrs/sizes, unless the arrays are truncated). Without dma:
 *   events (6.1), a group ends at the next event of its CPU, at a map
 *   line of another task in task context, and before a contiguous line
 *   that cannot be the same call (separate_call()); an interrupt's map
 *   lines form groups of their own (the ftrace context flag).
 * - the allocation is applied where the kernel made it: before the
 *   group's first map line. Ops wait in a queue sorted by that key while
 *   a group is open.
 * - limits as iommu_dma_alloc_iova computes them for a PCI device with a
 *   64-bit mask: below 4 GiB first without flushing the caches, then up to
 *   the IOMMU's aperture with the flush, and from then on the device
 *   skips the 32-bit try (its pci_32bit_workaround is off; kernels before
 *   v6.4 have no such flag and try below 4 GiB first every time).
 * - strict domains free at iommu:unmap (free_iova_fast right after the
 *   unmap on the same CPU); lazy (DMA-FQ) domains queue the IOVA on the
 *   CPU's flush queue (256 entries) and free it when the queue is flushed:
 *   the domain's timer (armed by the first queued entry, 10 ms by default,
 *   fired at the first line whose timestamp reaches it, on the arming
 *   CPU, for every CPU's queue) or a full queue (flushed and freed at
 *   once on its CPU). This follows dma-iommu.c's queue_iova,
 *   fq_ring_free_locked and fq_flush_timeout.
 * - an iommu:unmap names no device: it frees the domain's allocation that
 *   starts at its IOVA, the most recent one when several domains hold one
 *   (a dma_unmap_* or dma_free line of the same CPU with that address
 *   names the device when the capture has them).
 * - captures without dma: events (6.1): a pre-pass reads the unmaps, whose
 *   sizes say where each allocation's map lines end; devices are guessed
 *   (guess_dev()).
 * - qt/dma_iova_try_alloc, when present, gives the size of a two-step
 *   allocation (7.x) whose dma_iova_link calls map it piecewise.
 * - each domain's model IOVAs are mapped in an IOMMU model domain (x86-64
 *   4-level table, 4 KiB pages) for the page-table and invalidation
 *   figures of what-if runs; the device reads each page of a mapping once
 *   after the map and once before the unmap (an access model: no event
 *   records the device's own accesses), for the IOTLB's figures.
 * - lazy domains: each queued range's stale-mapping window runs from its
 *   iommu:unmap to the flush that invalidates it (the timer's nominal
 *   expiry, or the unmap whose full queue flushed).
 * - an optional machine description (struct phyr_capture_config's
 *   @machine) gives a device's DMA masks, bus limit and 32-bit-first
 *   workaround, and a group for devices the capture puts in none.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "events.h"
#include "ftrace.h"
#include "io-pgtable.h"
#include "iova.h"
#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/dma-iommu.h"
#include "phyr/iommu.h"

#define EV_MAX_DEVS 256
#define EV_MAX_DOMS 256
#define EV_MAX_EVENTS 256
#define EV_MAX_GROUPS 64
#define EV_MAX_RESV 32
#define EV_MAX_HDR 64
#define EV_QUEUE_MAX 65536u     /* state changes held back before the oldest group closes */
#define EV_GROUP_STALE 64        /* lines of its CPU after which a group without dma: closes */
#define EV_IRQ_HOLD 256          /* lines an interrupt's frees wait for their CPU's next event */
#define EV_MAX_TABLE_BYTES (UINT64_C(64) << 20) /* page-table memory per domain */
#define EV_MAX_MAP_PAGES (UINT64_C(1) << 18)    /* larger ranges (1 GiB) are not mapped */
#define EV_FQ_SIZE 256           /* IOVA_DEFAULT_FQ_SIZE */
#define EV_FQ_TIMEOUT_US 10000   /* IOVA_DEFAULT_FQ_TIMEOUT, 10 ms */
#define EV_DEPOT_DELAY_NS 100000000ull /* IOVA_DEPOT_DELAY, 100 ms */
#define EV_DEFAULT_CPUS 64
#define EV_FIXED_DEPOT 32
#define EV_MSI_LO 0xfee00ull     /* x86 IOMMU_RESV_MSI: 0xfee00000-0xfeefffff */
#define EV_MSI_HI 0xfeeffull
#define EV_GRANULE 4096ull
#define EV_SHIFT 12
#define SH_CPU_SHIFT 52 /* shadow entries: the CPU above the pfn */

enum kind {
	K_OTHER,
	K_MAP,        /* iommu:map */
	K_UNMAP,      /* iommu:unmap */
	K_ADD_DEVICE, /* iommu:add_device_to_group */
	K_MAP_PAGE,   /* dma_map_page, dma_map_phys, dma_map_resource */
	K_MAP_SG,     /* dma_map_sg */
	K_ALLOC,      /* dma_alloc */
	K_UNMAP_HINT, /* dma_unmap_page/_phys/_sg/_resource, dma_free */
	K_TRY_ALLOC,  /* qt/dma_iova_try_alloc */
};

struct resv {
	uint64_t lo, hi;
};

struct hdr_dom {
	char dev[64];
	uint64_t start_pfn;
	unsigned int nresv;
	struct resv resv[EV_MAX_RESV];
};

struct edev {
	char name[64];
	int group; /* -1: none known */
	int dom;   /* -1: not yet */
	bool dac;  /* the 32-bit first try failed once: pci_32bit_workaround off */
	bool no_driver; /* the header lists it with an empty driver= */
	/* from the machine description (mask 0: not described) */
	uint64_t mask, cmask, bus_limit;
	struct phyr_iommu_dma_cookie *mgroup; /* its group's domain there, NULL: none */
};

struct fq {
	uint32_t ent[EV_FQ_SIZE];
	uint64_t cnt[EV_FQ_SIZE];
	uint64_t ts[EV_FQ_SIZE]; /* its iommu:unmap's time */
	unsigned int head, tail;
};

struct edom {
	char name[64];
	int group;
	struct phyr_iova_domain *d;
	struct phyr_iommu_domain *mmu; /* page table and IOTLB of the model's IOVAs */
	uint64_t pt_peak;               /* most table pages held at once */
	uint64_t inv_base;              /* invalidations of the domain's creation */
	uint64_t start_pfn;
	unsigned int nresv;
	uint64_t nallocs, nmatched, nfrees;
	uint64_t div_line, div_linux, div_model;
	bool div_model_ok;
	uint64_t live, live_pages, peak_live, peak_pages;
	uint64_t live_base; /* tree nodes before the first allocation (reserves) */
	bool live_base_set;
	uint64_t span_lo, span_hi;
	/* lazy */
	struct fq *fqs;
	uint64_t start_cnt, finish_cnt;
	bool timer_on, timer_queued;
	uint64_t expiry_ns;
	unsigned int timer_cpu;
	uint64_t nfq_flushes;
	uint64_t next_tick_ns;
	uint64_t nstale, stale_pages, stale_ns_total, stale_ns_max, stale_page_ns;
	uint64_t mag_cpu_bytes, depot_peak; /* magazines: the CPUs' (fixed), the depot's peak */
	/* Linux's side, for map lines without a device: the lowest pfn handed out */
	uint64_t low;
	uint32_t pids[8];  /* tasks of its recent allocations + 1, newest first */
	/* the pfns unmapped and not yet handed out again, per size class, in
	 * unmap order: where the range cache takes its next pfn from */
	struct shadow {
		uint64_t *pfn;
		size_t n, cap;
	} sh[8];
	uint64_t sh_ts[8]; /* when each size class last got a range back (ns) */
	uint64_t nreturned; /* Linux's ranges given back to its allocator */
};

/* One allocation Linux made, live from its group's close to its free. */
struct entry {
	int dom, dev;
	uint64_t lpfn, size;
	uint64_t mpfn;
	bool mok;
	bool coherent; /* dma_alloc: the coherent mask applies */
	bool applied;
	uint64_t seq;
	int next; /* free list */
};

struct group {
	bool used;
	uint32_t cpu, pid;
	uint64_t first_line, last_line;
	uint64_t start, end; /* bytes */
	uint64_t cpu_lines;  /* lines of its CPU seen when it opened */
	uint64_t want_end;   /* the end its later iommu:unmap gives (0: unknown) */
	uint64_t alloc_pages; /* dma_iova_try_alloc's size: the allocation (0: unknown) */
	int dev;              /* its device when a probe named it, else -1 */
	char ctx;             /* the context of its lines (ftrace's irq flag: '.', 's', 'h'...) */
	uint64_t last_paddr;  /* its last map line's paddr= (UINT64_MAX: none) */
	uint64_t last_end;    /* its last map line's iova= */
	/* the interrupt's unmaps logged just before its first map line
	 * (irq_first 0: none): the last one's pfn, domain and size class */
	uint64_t irq_first, irq_top;
	int irq_dom;
	unsigned int irq_k;
};

/* A run of unmaps in one interrupt context on a CPU, strict domains: its
 * frees wait while the next line may be a map line of the context it
 * interrupted (whose allocation may have come before the interrupt). */
struct irq_run {
	bool set;
	char ctx;
	uint64_t first_line, cpu_lines; /* cpu_lines: the CPU's cpu_evs at its last unmap */
	uint64_t top;
	int dom;
	unsigned int k;
};

/* The capture's iommu:unmap lines (pre-pass of a capture without dma:
 * events): the extent of the allocation a group of map lines starts. */
struct unmaps {
	uint64_t *pfn, *line, *pages;
	uint64_t *mapline; /* the last map line starting at pfn before it */
	int64_t *next;
	size_t n, cap;
	struct { uint64_t key; int64_t head, tail; } *h; /* pfn + 1 -> first unconsumed */
	size_t hcap;
};

enum op_type { OP_ALLOC, OP_FREE, OP_QUEUE, OP_TIMER, OP_TICK };

struct eop {
	uint64_t key;
	enum op_type type;
	uint32_t cpu;
	int dom;
	int entry;
	uint64_t line;
	uint64_t ts;
	uint64_t pages;
};

struct hslot {
	uint64_t key; /* lpfn + 1, 0: empty */
	int dom;
	int entry;
};

/* A dma_iova_try_alloc whose links (iommu:map lines) have not started. */
struct try_alloc {
	bool set;
	uint32_t pid;
	uint64_t pages;
	int dev;
};

struct hint {
	bool set;
	bool has_pfn; /* dma_unmap_sg gives no dma address */
	uint64_t pfn;
	int dev;
};

struct evrep {
	struct phyr_capture_config cfg;
	struct phyr_capture_summary *sum;
	uint64_t now_ns; /* timestamp of the event line being replayed */
	struct ftrace_reader *r;
	struct phyr_iova_config icfg;
	unsigned int ncpus;
	bool lazy;
	bool fixed_depot;
	bool sac_always; /* kernel before v6.4: the 32-bit try never stops */
	bool has_dma;
	uint64_t aperture_pfn;
	uint64_t fq_timeout_ns;
	int error;

	struct hdr_dom hdr[EV_MAX_HDR];
	unsigned int nhdr;
	struct resv windows[EV_MAX_RESV];
	unsigned int nwindows;
	int hdr_domain; /* 0 unknown, 1 strict, 2 lazy */

	struct edev devs[EV_MAX_DEVS];
	unsigned int ndevs;
	unsigned int ngroup_devs; /* devices from add_device_to_group */
	struct edom *doms[EV_MAX_DOMS];
	unsigned int ndoms;

	struct phyr_capture_event evs[EV_MAX_EVENTS];
	unsigned int nevs;

	struct entry *ents;
	int nents, capents, free_ent;
	uint64_t seq;

	struct hslot *hash;
	size_t hcap, hused;

	struct group groups[EV_MAX_GROUPS];
	unsigned int ngroups;
	uint64_t *cpu_lines;
	uint64_t *cpu_evs;    /* per CPU: its lines of the events used */
	struct irq_run *irqs; /* per CPU */
	struct irq_run cur_irq; /* the run before the line being replayed, on its CPU */
	struct hint *hints;
	struct try_alloc *tries; /* per CPU */

	struct eop *q;
	size_t qhead, qlen, qcap;

	struct unmaps un;
	bool pre_done, pre_map; /* the pre-pass ran; it saw an iommu:map line */
};

/* ---- errors ---- */

static __attribute__((format(printf, 3, 4))) int efail(struct evrep *e, uint64_t line,
						       const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!e->error) {
		e->error = -EINVAL;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		ftrace_reader_error(e->r, line, "%s", msg);
	}
	return -EINVAL;
}

/* ---- names ---- */

static enum kind kind_of(struct ftrace_str n, bool probe)
{
	static const struct {
		const char *name;
		enum kind k;
	} names[] = {
		{ "map", K_MAP }, { "unmap", K_UNMAP }, { "add_device_to_group", K_ADD_DEVICE },
		{ "dma_map_page", K_MAP_PAGE }, { "dma_map_phys", K_MAP_PAGE },
		{ "dma_map_resource", K_MAP_PAGE }, { "dma_map_sg", K_MAP_SG },
		{ "dma_alloc", K_ALLOC }, { "dma_unmap_page", K_UNMAP_HINT },
		{ "dma_unmap_phys", K_UNMAP_HINT }, { "dma_unmap_sg", K_UNMAP_HINT },
		{ "dma_unmap_resource", K_UNMAP_HINT }, { "dma_free", K_UNMAP_HINT },
		{ "dma_iova_try_alloc", K_TRY_ALLOC },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ftrace_str_eq(n, names[i].name)) {
			/* a dynamic probe named like a tracepoint (swiotlb's qs/map) is not it */
			if (probe != (names[i].k == K_TRY_ALLOC))
				return K_OTHER;
			return names[i].k;
		}
	return K_OTHER;
}

static void count_event(struct evrep *e, struct ftrace_str n, bool used)
{
	unsigned int i;

	for (i = 0; i < e->nevs; i++)
		if (strlen(e->evs[i].name) == n.len && memcmp(e->evs[i].name, n.p, n.len) == 0) {
			e->evs[i].count++;
			e->evs[i].used |= used;
			return;
		}
	if (e->nevs == EV_MAX_EVENTS)
		return;
	snprintf(e->evs[i].name, sizeof(e->evs[i].name), "%.*s", (int)n.len, n.p);
	e->evs[i].count = 1;
	e->evs[i].used = used;
	e->nevs++;
}

/* ---- header facts ---- */

static const char *find_in(const struct ftrace_str *t, const char *lit)
{
	return memmem(t->p, t->len, lit, strlen(lit));
}

static void parse_hdr_domain(struct evrep *e, const struct ftrace_str *t)
{
	const char *end = t->p + t->len, *p = find_in(t, "-> "), *q;
	struct hdr_dom *h;
	size_t n;

	if (!p || e->nhdr == EV_MAX_HDR)
		return;
	p += 3;
	for (q = p; q < end && *q != ' ' && *q != ';'; q++)
		;
	n = (size_t)(q - p);
	if (!n || n >= sizeof(h->dev))
		return;
	h = &e->hdr[e->nhdr];
	memset(h, 0, sizeof(*h));
	memcpy(h->dev, p, n);
	h->start_pfn = 1;
	p = memmem(q, (size_t)(end - q), "start_pfn=", 10);
	if (p)
		h->start_pfn = strtoull(p + 10, NULL, 16);
	for (p = q; p < end && (p = memchr(p, '[', (size_t)(end - p))); p++) {
		char *x;
		uint64_t lo = strtoull(p + 1, &x, 16), hi;

		if (x == p + 1 || *x != '-')
			continue;
		hi = strtoull(x + 1, &x, 16);
		if (*x != ']' || lo > hi || h->nresv == EV_MAX_RESV)
			continue;
		h->resv[h->nresv].lo = lo;
		h->resv[h->nresv].hi = hi;
		h->nresv++;
	}
	e->nhdr++;
}

/* dmesg: "root bus resource [mem 0x80000000-0xafffffff window]" */
static void parse_window(struct evrep *e, const struct ftrace_str *t)
{
	const char *p = find_in(t, "[mem ");
	char *x;
	uint64_t lo, hi;

	if (!p || e->nwindows == EV_MAX_RESV)
		return;
	lo = strtoull(p + 5, &x, 16);
	if (*x != '-')
		return;
	hi = strtoull(x + 1, &x, 16);
	if (lo > hi)
		return;
	e->windows[e->nwindows].lo = lo >> EV_SHIFT;
	e->windows[e->nwindows].hi = hi >> EV_SHIFT;
	e->nwindows++;
}

static int dev_get(struct evrep *e, struct ftrace_str name);

/* "#   0000:00:1f.0 0x8086:0x2918 group=4 driver=": a device no driver uses */
static void parse_hdr_device(struct evrep *e, const struct ftrace_str *t)
{
	const char *p = t->p, *end = t->p + t->len, *d = find_in(t, " driver=");
	struct ftrace_str name;
	int di;

	while (p < end && (*p == '#' || *p == ' '))
		p++;
	name.p = p;
	while (p < end && *p != ' ')
		p++;
	name.len = (size_t)(p - name.p);
	if (name.len < 7 || name.p[4] != ':' || !(d + 8 == end || d[8] == ' '))
		return;
	di = dev_get(e, name);
	if (di >= 0)
		e->devs[di].no_driver = true;
}

static void header_line(struct evrep *e, const struct ftrace_str *t)
{
	const char *p;

	if (find_in(t, "iovad=") && find_in(t, "-> "))
		parse_hdr_domain(e, t);
	else if (find_in(t, " group=") && find_in(t, " driver="))
		parse_hdr_device(e, t);
	else if (find_in(t, "root bus resource [mem "))
		parse_window(e, t);
	if (find_in(t, "TLB invalidation policy: lazy"))
		e->hdr_domain = 2;
	else if (find_in(t, "TLB invalidation policy: strict"))
		e->hdr_domain = 1;
	else if (!e->hdr_domain && find_in(t, "iommu.strict=0"))
		e->hdr_domain = 2;
	p = find_in(t, "Host address width ");
	if (p) {
		unsigned long w = strtoul(p + 19, NULL, 10);

		if (w >= 32 && w <= 64)
			e->aperture_pfn = (w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1) >> EV_SHIFT;
	}
	if (find_in(t, "dma:") && (find_in(t, "trace_event=") || find_in(t, "tracepoints")))
		e->has_dma = true;
}

/* ---- Linux-side live allocations: (domain, pfn) -> entry ---- */

static size_t hidx(uint64_t key, int dom, size_t cap)
{
	return (size_t)(((key ^ ((uint64_t)dom << 48)) * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static int hput(struct evrep *e, int dom, uint64_t lpfn, int ent)
{
	size_t i;

	if ((e->hused + 1) * 2 > e->hcap) {
		size_t n = e->hcap ? e->hcap * 2 : 1024;
		struct hslot *nh = calloc(n, sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		for (size_t j = 0; j < e->hcap; j++) {
			if (!e->hash[j].key)
				continue;
			for (i = hidx(e->hash[j].key, e->hash[j].dom, n); nh[i].key; i = (i + 1) & (n - 1))
				;
			nh[i] = e->hash[j];
		}
		free(e->hash);
		e->hash = nh;
		e->hcap = n;
	}
	for (i = hidx(lpfn + 1, dom, e->hcap); e->hash[i].key; i = (i + 1) & (e->hcap - 1))
		if (e->hash[i].key == lpfn + 1 && e->hash[i].dom == dom) {
			e->hash[i].entry = ent; /* Linux reused a pfn we thought live */
			return 0;
		}
	e->hash[i].key = lpfn + 1;
	e->hash[i].dom = dom;
	e->hash[i].entry = ent;
	e->hused++;
	return 0;
}

static size_t hfind(const struct evrep *e, int dom, uint64_t lpfn)
{
	size_t i;

	if (!e->hcap)
		return SIZE_MAX;
	for (i = hidx(lpfn + 1, dom, e->hcap); e->hash[i].key; i = (i + 1) & (e->hcap - 1))
		if (e->hash[i].key == lpfn + 1 && e->hash[i].dom == dom)
			return i;
	return SIZE_MAX;
}

static void hdel(struct evrep *e, size_t i)
{
	size_t j, mask = e->hcap - 1;

	for (j = (i + 1) & mask; e->hash[j].key; j = (j + 1) & mask) {
		size_t h = hidx(e->hash[j].key, e->hash[j].dom, e->hcap);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			e->hash[i] = e->hash[j];
			i = j;
		}
	}
	e->hash[i].key = 0;
	e->hused--;
}

static int ent_new(struct evrep *e)
{
	int i;

	if (e->free_ent >= 0) {
		i = e->free_ent;
		e->free_ent = e->ents[i].next;
	} else {
		if (e->nents == e->capents) {
			int n = e->capents ? e->capents * 2 : 256;
			struct entry *ne;

			if (n > (1 << 26))
				return -ENOMEM;
			ne = realloc(e->ents, (size_t)n * sizeof(*ne));
			if (!ne)
				return -ENOMEM;
			e->ents = ne;
			e->capents = n;
		}
		i = e->nents++;
	}
	memset(&e->ents[i], 0, sizeof(e->ents[i]));
	e->ents[i].next = -1;
	return i;
}

static void ent_release(struct evrep *e, int i)
{
	e->ents[i].next = e->free_ent;
	e->free_ent = i;
}

/* ---- the unmap pre-pass ---- */

/* A file that can be read twice: a regular file (a pipe or a FIFO would be
 * consumed by the first read). */
static bool rereadable(const char *path, FILE *f)
{
	struct stat st;

	if (f)
		return ftell(f) >= 0;
	return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static size_t uidx(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static int un_add(struct unmaps *u, uint64_t pfn, uint64_t line, uint64_t pages, uint64_t mapline)
{
	size_t i;

	if (u->n == u->cap) {
		size_t n = u->cap ? u->cap * 2 : 1024;
		uint64_t *a = realloc(u->pfn, n * sizeof(*a)), *b, *c;
		int64_t *d;

		if (!a)
			return -ENOMEM;
		u->pfn = a;
		if (!(b = realloc(u->line, n * sizeof(*b))))
			return -ENOMEM;
		u->line = b;
		if (!(c = realloc(u->pages, n * sizeof(*c))))
			return -ENOMEM;
		u->pages = c;
		if (!(d = realloc(u->next, n * sizeof(*d))))
			return -ENOMEM;
		u->next = d;
		if (!(c = realloc(u->mapline, n * sizeof(*c))))
			return -ENOMEM;
		u->mapline = c;
		u->cap = n;
	}
	if ((u->n + 1) * 2 > u->hcap) {
		size_t n = u->hcap ? u->hcap * 2 : 1024;
		__typeof__(u->h) nh = calloc(n, sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		for (size_t j = 0; j < u->hcap; j++) {
			if (!u->h[j].key)
				continue;
			for (i = uidx(u->h[j].key, n); nh[i].key; i = (i + 1) & (n - 1))
				;
			nh[i] = u->h[j];
		}
		free(u->h);
		u->h = nh;
		u->hcap = n;
	}
	u->pfn[u->n] = pfn;
	u->line[u->n] = line;
	u->pages[u->n] = pages;
	u->mapline[u->n] = mapline;
	u->next[u->n] = -1;
	for (i = uidx(pfn + 1, u->hcap); u->h[i].key && u->h[i].key != pfn + 1;
	     i = (i + 1) & (u->hcap - 1))
		;
	if (!u->h[i].key) {
		u->h[i].key = pfn + 1;
		u->h[i].head = (int64_t)u->n;
	} else {
		u->next[u->h[i].tail] = (int64_t)u->n;
	}
	u->h[i].tail = (int64_t)u->n;
	u->n++;
	return 0;
}

/* Pages of the first unmap of @pfn after map line @line, if that unmap
 * ends the allocation this line starts (0: none, or a later one's). */
static uint64_t un_next(struct unmaps *u, uint64_t pfn, uint64_t line)
{
	size_t i;

	if (!u->hcap)
		return 0;
	for (i = uidx(pfn + 1, u->hcap); u->h[i].key; i = (i + 1) & (u->hcap - 1)) {
		if (u->h[i].key != pfn + 1)
			continue;
		while (u->h[i].head >= 0 && u->line[u->h[i].head] <= line)
			u->h[i].head = u->next[u->h[i].head];
		return u->h[i].head >= 0 && u->mapline[u->h[i].head] == line ?
		       u->pages[u->h[i].head] : 0;
	}
	return 0;
}

/* A pfn -> line map kept in an unmaps table's hash (head holds the line). */
static int un_set_last(struct unmaps *u, uint64_t pfn, uint64_t line)
{
	size_t i;

	if ((u->n + 1) * 2 > u->hcap) {
		size_t n = u->hcap ? u->hcap * 2 : 1024;
		__typeof__(u->h) nh = calloc(n, sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		for (size_t j = 0; j < u->hcap; j++) {
			if (!u->h[j].key)
				continue;
			for (i = uidx(u->h[j].key, n); nh[i].key; i = (i + 1) & (n - 1))
				;
			nh[i] = u->h[j];
		}
		free(u->h);
		u->h = nh;
		u->hcap = n;
	}
	for (i = uidx(pfn + 1, u->hcap); u->h[i].key && u->h[i].key != pfn + 1;
	     i = (i + 1) & (u->hcap - 1))
		;
	if (!u->h[i].key) {
		u->h[i].key = pfn + 1;
		u->n++;
	}
	u->h[i].head = (int64_t)line;
	return 0;
}

static uint64_t un_get_last(const struct unmaps *u, uint64_t pfn)
{
	if (!u->hcap)
		return 0;
	for (size_t i = uidx(pfn + 1, u->hcap); u->h[i].key; i = (i + 1) & (u->hcap - 1))
		if (u->h[i].key == pfn + 1)
			return (uint64_t)u->h[i].head;
	return 0;
}

static void un_free(struct unmaps *u)
{
	free(u->pfn);
	free(u->line);
	free(u->pages);
	free(u->next);
	free(u->mapline);
	free(u->h);
	memset(u, 0, sizeof(*u));
}

/*
 * Reads the capture once before the replay: whether it has dma: map
 * events, and if not, every iommu:unmap (which gives the extent of the
 * allocation a run of map lines starts). Streams that cannot be rewound
 * are replayed without it.
 */
static int prepass(struct evrep *e, const char *path, FILE *f)
{
	struct ftrace_reader *r;
	struct ftrace_line l;
	struct ftrace_fields fs;
	struct unmaps last = { 0 }; /* pfn -> its last map line (in .pages) */
	long pos = 0;
	bool dma = false;
	int ret;

	if (!rereadable(path, f))
		return 0;
	if (f && (pos = ftell(f)) < 0)
		return 0;
	if (ftrace_reader_open(path, f, &r, NULL, 0))
		return 0;
	while ((ret = ftrace_reader_next(r, &l)) > 0 && !(dma && e->pre_map)) {
		uint64_t lo, size;

		if (l.kind != FTRACE_EVENT || l.site.len)
			continue;
		if (l.event.len > 8 && memcmp(l.event.p, "dma_map_", 8) == 0) {
			dma = true;
			un_free(&e->un);
			continue;
		}
		if (ftrace_str_eq(l.event, "map"))
			e->pre_map = true;
		if (dma)
			continue;
		if (ftrace_str_eq(l.event, "map")) {
			ftrace_fields(l.args, &fs);
			if (ftrace_field_hex(&fs, "iova", &lo))
				continue;
			ret = un_set_last(&last, lo >> EV_SHIFT, l.lineno);
		} else if (ftrace_str_eq(l.event, "unmap")) {
			ftrace_fields(l.args, &fs);
			if (ftrace_field_hex(&fs, "iova", &lo) || ftrace_field_u64(&fs, "size", &size))
				continue;
			ret = un_add(&e->un, lo >> EV_SHIFT, l.lineno, (size + EV_GRANULE - 1) >> EV_SHIFT,
				     un_get_last(&last, lo >> EV_SHIFT));
		} else {
			continue;
		}
		if (ret) {
			ftrace_reader_close(r);
			un_free(&last);
			return -ENOMEM;
		}
	}
	ftrace_reader_close(r);
	un_free(&last);
	e->pre_done = true;
	if (f && fseek(f, pos, SEEK_SET))
		return -errno;
	return 0;
}

/* ---- devices and domains ---- */

static int dev_find(struct evrep *e, struct ftrace_str name)
{
	for (unsigned int i = 0; i < e->ndevs; i++)
		if (ftrace_str_eq(name, e->devs[i].name))
			return (int)i;
	return -1;
}

/* What the machine description says of @d (nothing when it names no such device). */
static void dev_describe(struct evrep *e, struct edev *d)
{
	const struct phyr_device *md;

	if (!e->cfg.machine || !(md = phyr_system_device(e->cfg.machine, d->name)))
		return;
	d->mask = phyr_dma_get_mask(md);
	d->cmask = phyr_dma_get_coherent_mask(md);
	d->bus_limit = phyr_dma_get_bus_limit(md);
	d->mgroup = phyr_iommu_dma_get_cookie(md);
	/* no 32-bit-first try: iommu.forcedac, or not a PCI device */
	d->dac = d->mgroup && !phyr_iommu_dma_pci_32bit_workaround(md);
}

/* In an IOMMU group: the capture's, else the description's. */
static bool dev_grouped(const struct edev *d)
{
	return d->group >= 0 || d->mgroup;
}

static int dev_get(struct evrep *e, struct ftrace_str name)
{
	int i = dev_find(e, name);

	if (i >= 0)
		return i;
	if (e->ndevs == EV_MAX_DEVS || !name.len || name.len >= sizeof(e->devs[0].name))
		return -1;
	i = (int)e->ndevs++;
	snprintf(e->devs[i].name, sizeof(e->devs[i].name), "%.*s", (int)name.len, name.p);
	e->devs[i].group = -1;
	e->devs[i].dom = -1;
	dev_describe(e, &e->devs[i]);
	return i;
}

static const struct hdr_dom *hdr_of_group(const struct evrep *e, const char *dev, int group)
{
	for (unsigned int i = 0; i < e->nhdr; i++) {
		if (strcmp(e->hdr[i].dev, dev) == 0)
			return &e->hdr[i];
		if (group >= 0)
			for (unsigned int j = 0; j < e->ndevs; j++)
				if (e->devs[j].group == group && strcmp(e->devs[j].name, e->hdr[i].dev) == 0)
					return &e->hdr[i];
	}
	return NULL;
}

struct resv_walk {
	struct phyr_iova_domain *d;
	uint64_t shift_up, shift_down; /* granule to 4 KiB pfns */
	unsigned int n;
};

static int resv_cb(void *ctx, uint64_t lo, uint64_t hi)
{
	struct resv_walk *w = ctx;

	(void)phyr_iova_reserve(w->d, (lo << w->shift_up) >> w->shift_down,
				(((hi + 1) << w->shift_up) >> w->shift_down) - 1, NULL, NULL);
	w->n++;
	return 0;
}

/* The reserved ranges of the description's group (@c's IOVA domain, still
 * empty: every range in it is a reserve) kept out of @dm's domain too. */
static unsigned int reserve_described(struct edom *dm, struct phyr_iommu_dma_cookie *c)
{
	uint64_t g = phyr_iommu_dma_cookie_granule(c);
	struct resv_walk w = { .d = dm->d };

	if (!g || (g & (g - 1)))
		return 0;
	if (g >= EV_GRANULE)
		w.shift_up = (uint64_t)__builtin_ctzll(g) - EV_SHIFT;
	else
		w.shift_down = EV_SHIFT - (uint64_t)__builtin_ctzll(g);
	(void)phyr_iova_walk(phyr_iommu_dma_cookie_iovad(c), resv_cb, &w);
	return w.n;
}

static int dom_new(struct evrep *e, const char *name, int group,
		   struct phyr_iommu_dma_cookie *mgroup)
{
	const struct hdr_dom *h = hdr_of_group(e, name, group);
	struct edom *dm;
	int ret;

	if (e->ndoms == EV_MAX_DOMS)
		return -ENOSPC;
	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	snprintf(dm->name, sizeof(dm->name), "%s", name);
	dm->group = group;
	dm->start_pfn = h ? h->start_pfn : 1;
	dm->span_lo = UINT64_MAX;
	dm->low = UINT64_MAX;
	if (e->lazy) {
		dm->fqs = calloc(e->ncpus, sizeof(*dm->fqs));
		if (!dm->fqs) {
			free(dm);
			return -ENOMEM;
		}
	}
	ret = phyr_iova_domain_create(EV_GRANULE, dm->start_pfn ? dm->start_pfn : 1, &e->icfg, NULL,
				      &dm->d);
	if (ret) {
		free(dm->fqs);
		free(dm);
		return ret;
	}
	if (e->fixed_depot)
		iova_set_depot_max(dm->d, EV_FIXED_DEPOT);
	{
		struct phyr_iommu_domain_opts mo = { 0 };
		struct phyr_iommu_stats mst;

		mo.type = e->lazy ? PHYR_IOMMU_DOMAIN_DMA_FQ : PHYR_IOMMU_DOMAIN_DMA;
		mo.fmt = PHYR_IOMMU_FMT_X86_64_4L;
		mo.max_table_bytes = EV_MAX_TABLE_BYTES;
		mo.iotlb_entries = e->cfg.iotlb_entries;
		mo.iotlb_ways = e->cfg.iotlb_ways;
		ret = phyr_iommu_domain_create(&mo, &dm->mmu);
		if (ret) {
			phyr_iova_domain_destroy(dm->d);
			free(dm->fqs);
			free(dm);
			return ret;
		}
		phyr_iommu_get_stats(dm->mmu, &mst);
		dm->inv_base = mst.ninv_range + mst.ninv_all;
	}
	if (h) {
		for (unsigned int i = 0; i < h->nresv; i++)
			(void)phyr_iova_reserve(dm->d, h->resv[i].lo, h->resv[i].hi, NULL, NULL);
		dm->nresv = h->nresv;
	} else {
		for (unsigned int i = 0; i < e->nwindows; i++)
			(void)phyr_iova_reserve(dm->d, e->windows[i].lo, e->windows[i].hi, NULL, NULL);
		(void)phyr_iova_reserve(dm->d, EV_MSI_LO, EV_MSI_HI, NULL, NULL);
		dm->nresv = e->nwindows + 1;
	}
	if (mgroup)
		dm->nresv += reserve_described(dm, mgroup);
	phyr_iova_cache_memory(dm->d, &dm->mag_cpu_bytes, NULL);
	dm->mag_cpu_bytes *= e->ncpus;
	e->doms[e->ndoms] = dm;
	return (int)e->ndoms++;
}

/* The domain of device @di: its group's (made at first use). */
static int dom_of_dev(struct evrep *e, int di)
{
	struct edev *d = &e->devs[di];

	if (d->dom >= 0)
		return d->dom;
	if (d->group >= 0)
		for (unsigned int j = 0; j < e->ndevs; j++)
			if (e->devs[j].group == d->group && e->devs[j].dom >= 0)
				return d->dom = e->devs[j].dom;
	if (d->group < 0 && d->mgroup)
		for (unsigned int j = 0; j < e->ndevs; j++)
			if (e->devs[j].group < 0 && e->devs[j].mgroup == d->mgroup && e->devs[j].dom >= 0)
				return d->dom = e->devs[j].dom;
	d->dom = dom_new(e, d->name, d->group, d->mgroup);
	return d->dom;
}

/* ---- the op queue ---- */

static int apply(struct evrep *e, const struct eop *o);

static uint64_t barrier(const struct evrep *e)
{
	uint64_t b = UINT64_MAX;

	for (unsigned int i = 0; i < EV_MAX_GROUPS; i++) {
		const struct group *g = &e->groups[i];

		if (g->used && 4 * g->first_line - 2 < b)
			b = 4 * g->first_line - 2;
		if (g->used && g->irq_first && 4 * g->irq_first < b)
			b = 4 * g->irq_first;
	}
	for (unsigned int c = 0; e->irqs && c < e->ncpus; c++)
		if (e->irqs[c].set && 4 * e->irqs[c].first_line < b)
			b = 4 * e->irqs[c].first_line;
	return b;
}

static int drain(struct evrep *e)
{
	uint64_t b = barrier(e);
	int ret;

	while (e->qlen && e->q[e->qhead].key < b) {
		struct eop o = e->q[e->qhead];

		e->qhead++;
		e->qlen--;
		ret = apply(e, &o);
		if (ret)
			return ret;
	}
	if (!e->qlen)
		e->qhead = 0;
	return 0;
}

static int push(struct evrep *e, const struct eop *o)
{
	size_t pos;

	if (e->qhead + e->qlen == e->qcap) {
		if (e->qhead > 0) {
			memmove(e->q, e->q + e->qhead, e->qlen * sizeof(*e->q));
			e->qhead = 0;
		} else {
			size_t n = e->qcap ? e->qcap * 2 : 256;
			struct eop *nq = realloc(e->q, n * sizeof(*nq));

			if (!nq)
				return -ENOMEM;
			e->q = nq;
			e->qcap = n;
		}
	}
	pos = e->qhead + e->qlen;
	while (pos > e->qhead && e->q[pos - 1].key > o->key)
		pos--;
	memmove(e->q + pos + 1, e->q + pos, (e->qhead + e->qlen - pos) * sizeof(*e->q));
	e->q[pos] = *o;
	e->qlen++;
	return drain(e);
}

/* ---- applying ---- */

static void record(struct evrep *e, struct edom *dm, int di, const struct entry *en, uint64_t line)
{
	struct phyr_capture_alloc a = {
		.line = line, .iovad = (uint64_t)di, .size = en->size, .linux_pfn = en->lpfn,
		.model_pfn = en->mpfn, .model_ok = en->mok, .domain_name = dm->name,
	};

	uint64_t lost = ftrace_reader_first_lost(e->r);
	bool before = !lost || line < lost;

	dm->nallocs++;
	e->sum->nallocs++;
	e->sum->nallocs_before_loss += before;
	if (en->mok && en->mpfn == en->lpfn) {
		dm->nmatched++;
		e->sum->nmatched++;
		e->sum->nmatched_before_loss += before;
	} else {
		if (!dm->div_line) {
			dm->div_line = line;
			dm->div_linux = en->lpfn;
			dm->div_model = en->mpfn;
			dm->div_model_ok = en->mok;
		}
		if (!e->sum->first_divergence)
			e->sum->first_divergence = line;
	}
	if (e->cfg.on_alloc) {
		struct phyr_iova_stats st;

		a.ts_ns = e->now_ns;
		memset(&st, 0, sizeof(st));
		if (e->cfg.want_live)
			phyr_iova_get_stats(dm->d, &st);
		if (!dm->live_base_set) {
			dm->live_base = st.nnodes - (en->mok && st.nnodes ? 1 : 0);
			dm->live_base_set = true;
		}
		a.live = st.nnodes > dm->live_base ? st.nnodes - dm->live_base : 0;
		e->cfg.on_alloc(e->cfg.ctx, &a);
	}
}

/* iommu_dma_alloc_iova(): the device's mask (the coherent one for
 * dma_alloc; 64 bits unless the machine description says otherwise) and
 * bus limit under the aperture; a 32-bit try first for a PCI device. */
static bool model_alloc(struct evrep *e, struct edom *dm, struct edev *dev, bool coherent,
			uint64_t size, unsigned int cpu, uint64_t *pfn)
{
	uint64_t limit = e->aperture_pfn;

	if (dev && dev->mask) {
		uint64_t m = coherent ? dev->cmask : dev->mask;

		if (dev->bus_limit && dev->bus_limit < m)
			m = dev->bus_limit;
		if (m >> EV_SHIFT < limit)
			limit = m >> EV_SHIFT;
	}
	if (limit > 0xfffffull && (!dev || !dev->dac)) {
		if (phyr_iova_alloc_fast(dm->d, size, 0xfffffull, cpu, false, pfn) == 0)
			return true;
		if (dev && !e->sac_always)
			dev->dac = true;
	}
	return phyr_iova_alloc_fast(dm->d, size, limit, cpu, true, pfn) == 0;
}

/* The device's access model: one read of every page of the range. */
static void mmu_touch(struct edom *dm, const struct entry *en)
{
	uint64_t pa;

	for (uint64_t i = 0; i < en->size; i++)
		(void)phyr_iommu_translate(dm->mmu, (en->mpfn + i) << EV_SHIFT, PHYR_IOMMU_ACCESS_READ,
					   &pa);
}

/* The model's IOVA range mapped as iommu_map would: 4 KiB pages (the
 * physical side is offset by a page so that no larger page fits); then
 * the device reads it. */
static void mmu_map(struct edom *dm, const struct entry *en)
{
	const struct phyr_io_pgtable *pt;
	uint64_t n;

	if (en->size > EV_MAX_MAP_PAGES ||
	    phyr_iommu_map(dm->mmu, en->mpfn << EV_SHIFT, (en->mpfn + 1) << EV_SHIFT,
			   en->size << EV_SHIFT, PHYR_IOMMU_READ | PHYR_IOMMU_WRITE))
		return;
	mmu_touch(dm, en);
	/* the table's own counters: the full stats walk the tree */
	pt = phyr_iommu_domain_pgtable(dm->mmu);
	n = pt->ntable_allocs - pt->ntable_frees;
	if (n > dm->pt_peak)
		dm->pt_peak = n;
}

/* The device's last read, then strict: unmap and invalidate the range;
 * lazy: unmap now, the flush queue's flush invalidates everything later. */
static void mmu_unmap(struct edom *dm, const struct entry *en, bool lazy)
{
	struct phyr_iommu_iotlb_gather g;

	if (!en->mok || en->size > EV_MAX_MAP_PAGES)
		return;
	mmu_touch(dm, en);
	if (!lazy) {
		(void)phyr_iommu_unmap(dm->mmu, en->mpfn << EV_SHIFT, en->size << EV_SHIFT);
		return;
	}
	phyr_iommu_iotlb_gather_init(&g);
	(void)phyr_iommu_unmap_fast(dm->mmu, en->mpfn << EV_SHIFT, en->size << EV_SHIFT, &g);
}

static void model_free(struct evrep *e, struct edom *dm, int ei, uint64_t pages, unsigned int cpu)
{
	struct entry *en = &e->ents[ei];

	if (en->mok) {
		uint64_t depot;

		(void)phyr_iova_free_fast(dm->d, en->mpfn, pages ? pages : en->size, cpu);
		phyr_iova_cache_memory(dm->d, NULL, &depot);
		if (depot > dm->depot_peak)
			dm->depot_peak = depot;
	}
	if (en->applied && dm->live) {
		dm->live--;
		dm->live_pages -= en->size;
	}
	dm->nfrees++;
	ent_release(e, ei);
}

static unsigned int size_class(uint64_t size);
static void shadow_push(struct edom *dm, unsigned int k, uint64_t pfn);

/* fq_ring_free_locked: entries queued before the last finished flush. */
static void fq_ring_free(struct evrep *e, struct edom *dm, struct fq *q, unsigned int cpu)
{
	while (q->head != q->tail && q->cnt[q->head] < dm->finish_cnt) {
		uint32_t ei = q->ent[q->head];

		if (!e->has_dma) {
			/* a lazy domain's range reaches the range cache only now
			 * (fq_ring_free_locked's free_iova_fast), not at its unmap */
			unsigned int k = size_class(e->ents[ei].size);

			shadow_push(dm, k, e->ents[ei].lpfn | (uint64_t)cpu << SH_CPU_SHIFT);
			dm->sh_ts[k] = e->now_ns;
			dm->nreturned++;
		}
		model_free(e, dm, (int)ei, e->ents[ei].size, cpu);
		q->head = (q->head + 1) % EV_FQ_SIZE;
	}
}

/* A flush at @now ends the stale window of every range queued since the
 * last one (the entries a finished flush covers wait only to be freed). */
static void fq_flush_iotlb(struct evrep *e, struct edom *dm, uint64_t now)
{
	for (unsigned int c = 0; c < e->ncpus; c++) {
		const struct fq *q = &dm->fqs[c];

		for (unsigned int i = q->head; i != q->tail; i = (i + 1) % EV_FQ_SIZE) {
			uint64_t w = now > q->ts[i] ? now - q->ts[i] : 0, pages;

			if (q->cnt[i] < dm->finish_cnt)
				continue;
			pages = e->ents[q->ent[i]].size;
			dm->nstale++;
			dm->stale_pages += pages;
			dm->stale_ns_total += w;
			dm->stale_page_ns += pages * w;
			if (w > dm->stale_ns_max)
				dm->stale_ns_max = w;
		}
	}
	phyr_iommu_flush_iotlb_all(dm->mmu);
	dm->start_cnt++;
	dm->finish_cnt++;
	dm->nfq_flushes++;
}

static int apply(struct evrep *e, const struct eop *o)
{
	struct edom *dm = o->dom >= 0 ? e->doms[o->dom] : NULL;
	struct entry *en = o->entry >= 0 ? &e->ents[o->entry] : NULL;

	switch (o->type) {
	case OP_ALLOC:
		en->mok = model_alloc(e, dm, en->dev >= 0 ? &e->devs[en->dev] : NULL, en->coherent,
				      en->size, o->cpu, &en->mpfn);
		en->applied = true;
		if (en->mok)
			mmu_map(dm, en);
		if (en->mok) {
			if (en->mpfn < dm->span_lo)
				dm->span_lo = en->mpfn;
			if (en->mpfn + en->size - 1 > dm->span_hi)
				dm->span_hi = en->mpfn + en->size - 1;
		}
		dm->live++;
		dm->live_pages += en->size;
		if (dm->live > dm->peak_live)
			dm->peak_live = dm->live;
		if (dm->live_pages > dm->peak_pages)
			dm->peak_pages = dm->live_pages;
		record(e, dm, en->dev, en, o->line);
		break;
	case OP_FREE:
		mmu_unmap(dm, en, false);
		model_free(e, dm, o->entry, o->pages, o->cpu);
		break;
	case OP_QUEUE: {
		struct fq *q = &dm->fqs[o->cpu];

		if (en->applied)
			mmu_unmap(dm, en, true);
		fq_ring_free(e, dm, q, o->cpu);
		if ((q->tail + 1) % EV_FQ_SIZE == q->head) {
			fq_flush_iotlb(e, dm, o->ts);
			fq_ring_free(e, dm, q, o->cpu);
		}
		q->ent[q->tail] = (uint32_t)o->entry;
		q->cnt[q->tail] = dm->start_cnt;
		q->ts[q->tail] = o->ts;
		en->size = o->pages ? o->pages : en->size;
		q->tail = (q->tail + 1) % EV_FQ_SIZE;
		if (!dm->timer_on) {
			dm->timer_on = true;
			dm->expiry_ns = o->ts + e->fq_timeout_ns;
			dm->timer_cpu = o->cpu;
		}
		break;
	}
	case OP_TIMER:
		dm->timer_on = false;
		dm->timer_queued = false;
		fq_flush_iotlb(e, dm, dm->expiry_ns);
		for (unsigned int c = 0; c < e->ncpus; c++)
			fq_ring_free(e, dm, &dm->fqs[c], dm->timer_cpu);
		break;
	case OP_TICK:
		phyr_iova_tick(dm->d);
		break;
	}
	return 0;
}

/* ---- lines ---- */

struct lctx {
	struct evrep *e;
	const struct ftrace_line *l;
	struct ftrace_fields fs;
	char ev[64];
	unsigned int cpu; /* model CPU */
	enum kind k;      /* the line's event */
};

static int need(struct lctx *x, const char *name, bool hex, uint64_t *v)
{
	int ret = hex ? ftrace_field_hex(&x->fs, name, v) : ftrace_field_u64(&x->fs, name, v);

	if (ret == -ENOENT)
		return efail(x->e, x->l->lineno, "%s: no field %s=", x->ev, name);
	if (ret)
		return efail(x->e, x->l->lineno, "%s: field %s= is not a %snumber", x->ev, name,
			     hex ? "hex " : "");
	return 0;
}

/* The first token of a dma: payload: the device. */
static struct ftrace_str first_token(struct ftrace_str s)
{
	struct ftrace_str t = { s.p, 0 };

	while (t.len < s.len && s.p[t.len] != ' ')
		t.len++;
	return t;
}

static unsigned int size_class(uint64_t size);
static void shadow_take(struct edom *dm, unsigned int k, uint64_t pfn);

/* A new allocation of @size granules at Linux's @lpfn, its key at @first_line. */
static int new_alloc(struct lctx *x, int dev, int dom, uint64_t lpfn, uint64_t size,
		     uint64_t first_line, uint64_t line, unsigned int cpu, bool coherent,
		     uint32_t pid)
{
	struct evrep *e = x->e;
	struct eop o = { 0 };
	int ei, ret;

	if (!size)
		return 0;
	if (dom < 0)
		return dom == -ENOMEM ? -ENOMEM : 0;
	ei = ent_new(e);
	if (ei < 0)
		return ei;
	e->ents[ei].dom = dom;
	e->ents[ei].dev = dev;
	e->ents[ei].lpfn = lpfn;
	e->ents[ei].size = size;
	e->ents[ei].seq = ++e->seq;
	e->ents[ei].coherent = coherent;
	if (lpfn < e->doms[dom]->low)
		e->doms[dom]->low = lpfn;
	{
		struct edom *dm = e->doms[dom];
		unsigned int j;

		if (pid != UINT32_MAX) {
			for (j = 0; j < 7 && dm->pids[j] != pid + 1; j++)
				;
			memmove(dm->pids + 1, dm->pids, j * sizeof(dm->pids[0]));
			dm->pids[0] = pid + 1;
		}
	}
	if (!e->has_dma)
		shadow_take(e->doms[dom], size_class(size), lpfn);
	ret = hput(e, dom, lpfn, ei);
	if (ret)
		return ret;
	o.key = 4 * first_line - 2;
	o.type = OP_ALLOC;
	o.cpu = cpu;
	o.dom = dom;
	o.entry = ei;
	o.line = line;
	o.ts = x->l->ts_ns;
	return push(e, &o);
}

static unsigned int size_class(uint64_t size)
{
	unsigned int k = 0;

	while (k < 7 && (UINT64_C(1) << k) < size)
		k++;
	return k;
}

#define SHADOW_MAX 4096

static void shadow_push(struct edom *dm, unsigned int k, uint64_t pfn)
{
	struct shadow *s = &dm->sh[k];

	if (s->n == s->cap) {
		size_t n = s->cap ? s->cap * 2 : 64;
		uint64_t *np;

		if (n > SHADOW_MAX) {
			/* the oldest are long gone into the tree: drop half */
			memmove(s->pfn, s->pfn + s->n / 2, (s->n - s->n / 2) * sizeof(*s->pfn));
			s->n -= s->n / 2;
		} else {
			np = realloc(s->pfn, n * sizeof(*np));
			if (!np)
				return; /* a hint only */
			s->pfn = np;
			s->cap = n;
		}
	}
	s->pfn[s->n++] = pfn;
}

/* Depth of @pfn among CPU @cpu's entries from the top of the shadow (1:
 * the top), 0 if absent; *@any: the CPU has entries. */
static size_t shadow_depth(const struct edom *dm, unsigned int k, uint64_t pfn, unsigned int cpu,
			   bool *any)
{
	const struct shadow *s = &dm->sh[k];
	size_t d = 0;

	*any = false;
	for (size_t i = s->n; i > 0; i--) {
		if (s->pfn[i - 1] >> SH_CPU_SHIFT != cpu)
			continue;
		*any = true;
		d++;
		if ((s->pfn[i - 1] & ((UINT64_C(1) << SH_CPU_SHIFT) - 1)) == pfn)
			return d;
	}
	return 0;
}

/* Linux handed @pfn out again: it leaves the shadow (whichever CPU held it). */
static void shadow_take(struct edom *dm, unsigned int k, uint64_t pfn)
{
	struct shadow *s = &dm->sh[k];

	for (size_t i = s->n; i > 0; i--)
		if ((s->pfn[i - 1] & ((UINT64_C(1) << SH_CPU_SHIFT) - 1)) == pfn) {
			memmove(s->pfn + i - 1, s->pfn + i, (s->n - i) * sizeof(*s->pfn));
			s->n--;
			return;
		}
}

/*
 * Device attribution of an allocation seen in iommu:map lines only (no
 * dma: event names it): among the devices whose domain does not hold
 * Linux's pfn, the one whose domain explains it best. Scores: the domain
 * recently allocated for the same task, in task context (+8); a domain
 * that never got a range back, the pfn right below its lowest (+12, see
 * below); the pfn is the newest one
 * unmapped on this CPU in that size class and not handed out again (+6:
 * the range cache gives it back first; deeper: +3; the CPU holds others:
 * -2); a group without a domain yet and the top of the 32-bit space (+7:
 * a fresh tree's first range); just below the domain's lowest pfn (+2:
 * the tree, top down). Ties go to the domain whose cache got the pfn
 * back last, then to the first device.
 */
static int guess_dev(struct evrep *e, uint32_t pid, char ctx, uint32_t cpu, uint64_t lpfn,
		     uint64_t size)
{
	uint64_t p2 = UINT64_C(1) << size_class(size);
	int best = -1, best_score = -100;
	uint64_t best_recent = 0;

	for (unsigned int i = 0; i < e->ndevs; i++) {
		const struct edev *d = &e->devs[i];
		int score = 0;
		uint64_t recent = 0;

		if (d->no_driver || (!dev_grouped(d) && d->dom < 0 && e->ngroup_devs))
			continue;
		if (d->dom >= 0) {
			const struct edom *dm = e->doms[d->dom];

			if (hfind(e, d->dom, lpfn) != SIZE_MAX)
				continue;
			bool any;
			size_t depth = shadow_depth(dm, size_class(size), lpfn, cpu, &any);

			if (depth == 1) {
				score = 6;
				recent = dm->sh_ts[size_class(size)];
			} else if (depth)
				score = 3;
			else if (any)
				score = -2; /* its cache would have given another pfn */
			/* in an interrupt, the task is whichever one it cut
			 * into: no evidence of the device */
			for (unsigned int j = 0; j < 8 && ctx == '.'; j++)
				if (dm->pids[j] == pid + 1) {
					score += 8;
					break;
				}
			/* a domain that never got a range back holds its ranges
			 * packed from the top down and its cache is empty: the
			 * tree hands out the next range right below the lowest,
			 * aligned to the size rounded up to a power of two
			 * (__alloc_and_insert_iova_range()). An exact prediction
			 * from a fully known state: it outweighs the task. */
			if (!dm->nreturned && lpfn < dm->low && lpfn == ((dm->low - size) & ~(p2 - 1)))
				score += 12;
			else if (lpfn < dm->low && dm->low - lpfn <= 2 * p2)
				score += 2;
		} else if (lpfn + p2 == 0x100000 || lpfn + size == 0x100000) {
			bool group_used = false;

			for (unsigned int j = 0; j < e->ndevs; j++)
				group_used |= d->group >= 0 && e->devs[j].group == d->group && e->devs[j].dom >= 0;
			if (group_used)
				continue;
			score = 7;
		}
		/* two domains whose caches both give the pfn back first: the
		 * one that freed last. A driver refilling its rings frees and
		 * maps again in one pass (e1000e's rx clean-up and refill, a
		 * block driver's completion and next request), so the newest
		 * unmap in the size class belongs to the device mapping now. */
		if (score > best_score || (score == best_score && recent > best_recent)) {
			best_score = score;
			best_recent = recent;
			best = (int)i;
		}
	}
	return best;
}

static int close_group(struct lctx *x, unsigned int gi, int dev, uint64_t line)
{
	struct evrep *e = x->e;
	struct group g = e->groups[gi];
	uint64_t lpfn = g.start >> EV_SHIFT, size = (g.end - g.start + EV_GRANULE - 1) >> EV_SHIFT;
	uint64_t key_line;
	int dom;

	if (g.alloc_pages > size)
		size = g.alloc_pages; /* the two-step API linked part of its range */
	if (dev < 0)
		dev = g.dev;

	e->groups[gi].used = false;
	e->ngroups--;
	/* a boot-time identity map at IOVA 0 (the ISA/floppy region) is no allocation */
	if (lpfn == 0)
		return drain(e);
	if (dev < 0)
		dev = guess_dev(e, g.pid, g.ctx, g.cpu % e->ncpus, lpfn, size);
	if (dev < 0) {
		struct ftrace_str n = { "iommu", 5 };

		dev = dev_get(e, n);
		if (dev < 0)
			return 0;
	}
	dom = dom_of_dev(e, dev);
	if (dom < 0)
		return dom == -ENOMEM ? -ENOMEM : 0;
	/* the boot-time identity maps are no allocation */
	if (lpfn < e->doms[dom]->start_pfn)
		return drain(e);
	/* the interrupt's frees came after this allocation when Linux did not
	 * hand out the last pfn it freed: a free on this CPU in the domain and
	 * size class tops the CPU's magazine, which the next allocation of
	 * that class pops (free_iova_fast() and alloc_iova_fast() are LIFO) */
	key_line = g.first_line;
	if (g.irq_first && g.irq_dom == dom && g.irq_k == size_class(size) && g.irq_top != lpfn)
		key_line = g.irq_first;
	return new_alloc(x, dev, dom, lpfn, size, key_line, line ? line : g.first_line,
			 g.cpu % e->ncpus, line && x->k == K_ALLOC,
			 g.ctx == '.' ? g.pid : UINT32_MAX);
}

/* Linux's ranges start aligned to their size rounded up to a power of
 * two: a run of map lines that is not cannot be one allocation. */
static bool aligned_run(uint64_t start, uint64_t end)
{
	uint64_t pages = (end - start) >> EV_SHIFT, p2 = 1;

	while (p2 < pages && p2 < (UINT64_C(1) << 40))
		p2 <<= 1;
	return ((start >> EV_SHIFT) & (p2 - 1)) == 0;
}

/*
 * Whether a map line at @lo (physical @paddr) contiguous with group @g
 * must start an allocation of its own rather than continue @g's:
 * - iommu_map_sg() coalesces physically contiguous consecutive segments
 *   into one iommu_map() call, so two map lines of one map_sg never have
 *   paddr[i + 1] == paddr[i] + size[i]; one map_sg's segments also never
 *   share a page in practice (the block layer merges them, a driver's
 *   buffers in one page are mapped one by one: e1000e's rx halves);
 * - a single page freed to the range cache sits in its size class's
 *   magazine (and so stays allocated in the tree): a larger allocation
 *   cannot cover it. When the group's single page tops its CPU's parked
 *   pages in the domain it would be given to, and the new line's page is
 *   the next one down, these are two single-page pops of the magazine
 *   (LIFO: pages freed in descending order come back ascending).
 */
static bool separate_call(struct evrep *e, const struct group *g, uint64_t lo,
			  uint64_t paddr)
{
	if (g->last_paddr != UINT64_MAX && paddr != UINT64_MAX &&
	    (paddr == g->last_paddr + (lo - g->last_end) ||
	     (paddr >> EV_SHIFT) == (g->last_paddr >> EV_SHIFT)))
		return true;
	if (g->end - g->start == EV_GRANULE && lo - g->start == EV_GRANULE) {
		unsigned int cpu = g->cpu % e->ncpus;
		int dev = guess_dev(e, g->pid, g->ctx, cpu, g->start >> EV_SHIFT, 1);

		for (unsigned int d = 0; d < e->ndoms; d++) {
			bool any;

			if (dev < 0 || e->devs[dev].dom != (int)d)
				continue;
			if (shadow_depth(e->doms[d], 0, g->start >> EV_SHIFT, cpu, &any) == 1 &&
			    shadow_depth(e->doms[d], 0, lo >> EV_SHIFT, cpu, &any) == 2)
				return true;
		}
	}
	return false;
}

/* Closes the groups of mask @done, the oldest first (their order in Linux). */
static int close_groups(struct lctx *x, uint64_t done)
{
	struct evrep *e = x->e;

	while (done) {
		unsigned int old = EV_MAX_GROUPS;

		for (unsigned int i = 0; i < EV_MAX_GROUPS; i++)
			if ((done >> i & 1) &&
			    (old == EV_MAX_GROUPS || e->groups[i].first_line < e->groups[old].first_line))
				old = i;
		done &= ~(UINT64_C(1) << old);
		if (e->groups[old].used) {
			int ret = close_group(x, old, -1, 0);

			if (ret)
				return ret;
		}
	}
	return 0;
}

static int on_map(struct lctx *x)
{
	struct evrep *e = x->e;
	uint64_t lo, hi, size;
	unsigned int free_slot = EV_MAX_GROUPS, ext = EV_MAX_GROUPS;
	char ctx = ftrace_line_ctx(x->l);
	uint64_t paddr, done = 0;
	int ret;

	if ((ret = need(x, "iova", true, &lo)) || (ret = need(x, "size", false, &size)))
		return ret;
	if (ftrace_field_hex(&x->fs, "paddr", &paddr))
		paddr = UINT64_MAX;
	hi = lo + size;
	for (unsigned int i = 0; i < EV_MAX_GROUPS; i++) {
		struct group *g = &e->groups[i];

		if (!g->used || g->cpu != x->l->cpu)
			continue;
		if (g->ctx != ctx) {
			/* an interrupt's mapping call ends before the context it
			 * interrupted runs again: a line of a lower context ends
			 * it; a call that an interrupt cut into resumes after it,
			 * so an interrupt's line neither extends nor ends it */
			if (ftrace_ctx_level(g->ctx) > ftrace_ctx_level(ctx))
				done |= UINT64_C(1) << i;
			continue;
		}
		if (g->end == lo && g->pid == x->l->pid && !separate_call(e, g, lo, paddr) &&
		    (g->want_end ? hi <= g->want_end : aligned_run(g->start, hi))) {
			ext = i;
			continue;
		}
		/* the task's previous mapping ended without a dma: event; or
		 * another task maps in this context on this CPU: in task
		 * context the group's task left the CPU, which it does not do
		 * inside a mapping call (iommu_map_sg() and __iommu_dma_map()
		 * hold no sleeping point, and Debian's kernels run with
		 * voluntary preemption); in an interrupt, the handler that
		 * ran on the other task's stack has returned */
		done |= UINT64_C(1) << i;
	}
	ret = close_groups(x, done);
	if (ret)
		return ret;
	if (ext < EV_MAX_GROUPS) {
		struct group *g = &e->groups[ext];

		g->end = hi;
		g->last_end = lo;
		g->last_paddr = paddr;
		g->last_line = x->l->lineno;
		if (g->want_end && hi == g->want_end && !e->has_dma)
			return close_group(x, ext, -1, 0);
		return 0;
	}
	for (unsigned int i = 0; i < EV_MAX_GROUPS && free_slot == EV_MAX_GROUPS; i++)
		if (!e->groups[i].used)
			free_slot = i;
	if (free_slot == EV_MAX_GROUPS) {
		/* too many open: the oldest closes as it stands */
		unsigned int old = 0;

		for (unsigned int i = 1; i < EV_MAX_GROUPS; i++)
			if (e->groups[i].first_line < e->groups[old].first_line)
				old = i;
		ret = close_group(x, old, -1, 0);
		if (ret)
			return ret;
		free_slot = old;
	}
	e->groups[free_slot] = (struct group){
		.used = true, .cpu = x->l->cpu, .pid = x->l->pid, .first_line = x->l->lineno,
		.last_line = x->l->lineno, .start = lo, .end = hi,
		.cpu_lines = e->cpu_lines[x->cpu], .dev = -1, .ctx = ctx,
		.last_paddr = paddr, .last_end = lo,
	};
	if (e->cur_irq.set && ftrace_ctx_level(e->cur_irq.ctx) > ftrace_ctx_level(ctx)) {
		/* an interrupt cut in between this call's allocation and its
		 * map, or came before both: close_group() decides */
		e->groups[free_slot].irq_first = e->cur_irq.first_line;
		e->groups[free_slot].irq_top = e->cur_irq.top;
		e->groups[free_slot].irq_dom = e->cur_irq.dom;
		e->groups[free_slot].irq_k = e->cur_irq.k;
	}
	e->ngroups++;
	if (e->tries[x->cpu].set && e->tries[x->cpu].pid == x->l->pid) {
		e->groups[free_slot].alloc_pages = e->tries[x->cpu].pages;
		e->groups[free_slot].dev = e->tries[x->cpu].dev;
		e->groups[free_slot].want_end = lo + (e->tries[x->cpu].pages << EV_SHIFT);
		e->tries[x->cpu].set = false;
	}
	if (e->un.n) {
		uint64_t pages = un_next(&e->un, lo >> EV_SHIFT, x->l->lineno);

		if (pages) {
			e->groups[free_slot].want_end = lo + (pages << EV_SHIFT);
			if (hi >= e->groups[free_slot].want_end && !e->has_dma)
				return close_group(x, free_slot, -1, 0);
		}
	}
	return 0;
}

/* The open group of this CPU starting at @start, or EV_MAX_GROUPS. */
static unsigned int group_at(struct evrep *e, uint32_t cpu, uint64_t start)
{
	for (unsigned int i = 0; i < EV_MAX_GROUPS; i++)
		if (e->groups[i].used && e->groups[i].cpu == cpu && e->groups[i].start == start)
			return i;
	return EV_MAX_GROUPS;
}

/* dma_map_sg: Linux's IOVA and the span its mapped segments cover (0: unknown). */
static int sg_span(struct lctx *x, uint64_t *addr, uint64_t *span)
{
	const struct ftrace_str *a = ftrace_field_find(&x->fs, "dma_addrs");
	const struct ftrace_str *s = ftrace_field_find(&x->fs, "sizes");
	const struct ftrace_str *t = ftrace_field_find(&x->fs, "truncated");
	uint64_t first = UINT64_MAX, last = 0, lastsz = 0, v;
	char buf[32];

	*span = 0;
	if (!a || !s || a->len < 2 || a->p[0] != '{')
		return efail(x->e, x->l->lineno, "%s: no field %s=", x->ev, "dma_addrs");
	for (int pass = 0; pass < 2; pass++) {
		const struct ftrace_str *arr = pass ? s : a;
		const char *p = arr->p + 1, *end = arr->p + arr->len - 1;
		unsigned int n = 0;

		while (p < end) {
			const char *q = memchr(p, ',', (size_t)(end - p));
			size_t len = (size_t)((q ? q : end) - p);
			struct ftrace_str tok = { buf, len };

			if (len == 0 || len >= sizeof(buf))
				break;
			memcpy(buf, p, len);
			if (len > 2 && buf[0] == '0' && buf[1] == 'x') {
				tok.p = buf + 2;
				tok.len = len - 2;
			}
			if (ftrace_parse_hex(tok, &v))
				return efail(x->e, x->l->lineno, "%s: field %s= is not a list of hex numbers",
					     x->ev, pass ? "sizes" : "dma_addrs");
			if (!pass) {
				if (n == 0)
					first = v;
				last = v;
			} else {
				lastsz = v;
			}
			n++;
			p = q ? q + 1 : end;
		}
	}
	if (first == UINT64_MAX)
		return 1; /* nothing mapped */
	*addr = first;
	if (!(t && t->len && !(t->len == 1 && t->p[0] == '0')) && last + lastsz > first)
		*span = ((last + lastsz + EV_GRANULE - 1) & ~(EV_GRANULE - 1)) - (first & ~(EV_GRANULE - 1));
	return 0;
}

static int on_dma_map(struct lctx *x, enum kind k)
{
	struct evrep *e = x->e;
	struct ftrace_str dname = first_token(x->l->args);
	uint64_t addr = 0, size = 0, phys = 0, pages = 0;
	unsigned int gi;
	int dev, dom, ret;

	dev = dev_get(e, dname);
	if (dev < 0)
		return efail(e, x->l->lineno, "%s: no device name", x->ev);
	/* a device in no IOMMU group while others are: dma-direct, no IOVA */
	if (e->ngroup_devs && !dev_grouped(&e->devs[dev]))
		return 0;
	if (k == K_MAP_SG) {
		uint64_t span;

		ret = sg_span(x, &addr, &span);
		if (ret)
			return ret < 0 ? ret : 0;
		pages = span >> EV_SHIFT;
	} else {
		if ((ret = need(x, "dma_addr", true, &addr)) || (ret = need(x, "size", false, &size)))
			return ret;
		if (k == K_MAP_PAGE) {
			if (ftrace_field_hex(&x->fs, "phys_addr", &phys))
				phys = addr;
			pages = (size + (phys & (EV_GRANULE - 1)) + EV_GRANULE - 1) >> EV_SHIFT;
		} else {
			pages = (size + EV_GRANULE - 1) >> EV_SHIFT;
		}
	}
	if (addr == UINT64_MAX)
		return 0; /* DMA_MAPPING_ERROR */
	gi = group_at(e, x->l->cpu, addr & ~(EV_GRANULE - 1));
	if (gi < EV_MAX_GROUPS)
		return close_group(x, gi, dev, x->l->lineno);
	/* no map lines (iommu:map off, or a dma-direct device) */
	dom = dom_of_dev(e, dev);
	if (dom < 0)
		return dom == -ENOMEM ? -ENOMEM : 0;
	if (hfind(e, dom, addr >> EV_SHIFT) != SIZE_MAX)
		return 0; /* already known from its map lines */
	return new_alloc(x, dev, dom, addr >> EV_SHIFT, pages, x->l->lineno, x->l->lineno, x->cpu,
			 k == K_ALLOC, x->l->pid);
}

static int on_unmap_hint(struct lctx *x)
{
	struct evrep *e = x->e;
	int dev = dev_get(e, first_token(x->l->args));
	uint64_t addr;

	if (dev < 0)
		return 0;
	e->hints[x->cpu] = (struct hint){ .set = true, .dev = dev };
	if (ftrace_field_hex(&x->fs, "dma_addr", &addr) == 0) {
		e->hints[x->cpu].has_pfn = true;
		e->hints[x->cpu].pfn = addr >> EV_SHIFT;
	}
	return 0;
}

static int on_unmap(struct lctx *x)
{
	struct evrep *e = x->e;
	uint64_t lo, size, lpfn;
	size_t best = SIZE_MAX;
	struct eop o = { 0 };
	int ei;

	if (need(x, "iova", true, &lo) || need(x, "size", false, &size))
		return -EINVAL;
	lpfn = lo >> EV_SHIFT;
	if (e->hints[x->cpu].set && (!e->hints[x->cpu].has_pfn || e->hints[x->cpu].pfn == lpfn)) {
		int dom = e->devs[e->hints[x->cpu].dev].dom;

		if (dom >= 0)
			best = hfind(e, dom, lpfn);
		e->hints[x->cpu].set = false;
	}
	if (best == SIZE_MAX) {
		uint64_t best_seq = 0;

		for (unsigned int d = 0; d < e->ndoms; d++) {
			size_t i = hfind(e, (int)d, lpfn);

			if (i != SIZE_MAX && e->ents[e->hash[i].entry].seq > best_seq) {
				best_seq = e->ents[e->hash[i].entry].seq;
				best = i;
			}
		}
	}
	if (best == SIZE_MAX) {
		e->sum->nunknown_unmaps++;
		return 0;
	}
	e->sum->nunmaps++;
	ei = e->hash[best].entry;
	hdel(e, best);
	if (!e->has_dma && !e->lazy) {
		struct edom *dm = e->doms[e->ents[ei].dom];
		unsigned int k = size_class(e->ents[ei].size);

		char ctx = ftrace_line_ctx(x->l);

		/* strict: free_iova_fast right after the unmap, on this CPU */
		shadow_push(dm, k, lpfn | (uint64_t)x->cpu << SH_CPU_SHIFT);
		dm->sh_ts[k] = x->l->ts_ns;
		dm->nreturned++;
		if (ctx != '.') {
			struct irq_run *r = &e->irqs[x->cpu];

			if (e->cur_irq.set && e->cur_irq.ctx == ctx)
				*r = e->cur_irq;
			else
				*r = (struct irq_run){ .set = true, .ctx = ctx, .first_line = x->l->lineno };
			r->cpu_lines = e->cpu_evs[x->cpu];
			r->top = lpfn;
			r->dom = e->ents[ei].dom;
			r->k = k;
		}
	}
	o.key = 4 * x->l->lineno + 1;
	o.type = e->lazy ? OP_QUEUE : OP_FREE;
	o.cpu = x->cpu;
	o.dom = e->ents[ei].dom;
	o.entry = ei;
	o.line = x->l->lineno;
	o.ts = x->l->ts_ns;
	o.pages = (size + EV_GRANULE - 1) >> EV_SHIFT;
	return push(e, &o);
}

/*
 * qt/dma_iova_try_alloc (7.x two-step API): its size (plus the offset of
 * phys in its page) is the allocation the following dma_iova_link calls
 * map piecewise (their iommu:map lines); devname= names the device.
 */
static int on_try_alloc(struct lctx *x)
{
	struct evrep *e = x->e;
	const struct ftrace_str *dn = ftrace_field_find(&x->fs, "devname");
	uint64_t ok = 1, size, phys = 0;
	int ret;

	(void)ftrace_field_u64(&x->fs, "ok", &ok);
	if (!ok)
		return 0;
	if ((ret = need(x, "size", false, &size)))
		return ret;
	(void)ftrace_field_hex(&x->fs, "phys", &phys);
	e->tries[x->cpu] = (struct try_alloc){
		.set = true, .pid = x->l->pid, .dev = -1,
		.pages = (size + (phys & (EV_GRANULE - 1)) + EV_GRANULE - 1) >> EV_SHIFT,
	};
	if (dn && dn->len > 2 && dn->p[0] == '"') {
		struct ftrace_str n = { dn->p + 1, dn->len - 2 };

		e->tries[x->cpu].dev = dev_get(e, n);
	}
	return 0;
}

static int on_add_device(struct lctx *x)
{
	struct evrep *e = x->e;
	const struct ftrace_str *dev = ftrace_field_find(&x->fs, "device");
	uint64_t g;
	int di;

	if (!dev || !dev->len)
		return efail(e, x->l->lineno, "%s: no field %s=", x->ev, "device");
	if (ftrace_field_dec(&x->fs, "groupID", &g) || g > INT32_MAX)
		return efail(e, x->l->lineno, "%s: field %s= is not a number", x->ev, "groupID");
	di = dev_get(e, *dev);
	if (di >= 0 && e->devs[di].dom < 0) {
		e->devs[di].group = (int)g;
		e->ngroup_devs++;
	}
	return 0;
}

/* Timers and depot work due before this line. */
static int timers(struct evrep *e, const struct ftrace_line *l)
{
	for (unsigned int d = 0; d < e->ndoms; d++) {
		struct edom *dm = e->doms[d];
		struct eop o = { 0 };
		int ret;

		o.key = 4 * l->lineno - 3;
		o.dom = (int)d;
		o.entry = -1;
		o.ts = l->ts_ns;
		if (e->lazy && dm->timer_on && !dm->timer_queued && l->ts_ns >= dm->expiry_ns) {
			dm->timer_queued = true;
			o.type = OP_TIMER;
			o.cpu = dm->timer_cpu;
			ret = push(e, &o);
			if (ret)
				return ret;
		}
		if (!dm->next_tick_ns)
			dm->next_tick_ns = l->ts_ns + EV_DEPOT_DELAY_NS;
		for (int n = 0; l->ts_ns >= dm->next_tick_ns; n++) {
			dm->next_tick_ns += EV_DEPOT_DELAY_NS;
			if (n >= 64) {
				/* a long quiet gap: the trim work has long finished */
				dm->next_tick_ns = l->ts_ns + EV_DEPOT_DELAY_NS;
				break;
			}
			o.type = OP_TICK;
			o.cpu = 0;
			ret = push(e, &o);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Groups of this CPU that stayed open too long without their dma: event. */
static int stale_groups(struct lctx *x)
{
	struct evrep *e = x->e;
	uint64_t done = 0;

	for (unsigned int i = 0; i < EV_MAX_GROUPS; i++) {
		struct group *g = &e->groups[i];

		if (g->used && g->cpu == x->l->cpu &&
		    (!e->has_dma || e->cpu_lines[x->cpu] - g->cpu_lines > EV_GROUP_STALE))
			done |= UINT64_C(1) << i;
	}
	return close_groups(x, done);
}

static int on_event_line(struct evrep *e, const struct ftrace_line *l, struct lctx *xp);
static int on_event_kind(struct evrep *e, const struct ftrace_line *l, struct lctx *xp);

/*
 * One event line; then, if a group that never gets its dma: event (its
 * CPU went quiet) holds too many state changes back, the oldest group
 * closes as it stands: memory stays bounded.
 */
static int on_event(struct evrep *e, const struct ftrace_line *l)
{
	struct lctx x;
	int ret = on_event_line(e, l, &x);

	while (!ret && e->qlen > EV_QUEUE_MAX && e->ngroups) {
		unsigned int old = EV_MAX_GROUPS;

		for (unsigned int i = 0; i < EV_MAX_GROUPS; i++)
			if (e->groups[i].used &&
			    (old == EV_MAX_GROUPS || e->groups[i].first_line < e->groups[old].first_line))
				old = i;
		ret = close_group(&x, old, -1, 0);
	}
	return ret;
}

static int on_event_line(struct evrep *e, const struct ftrace_line *l, struct lctx *xp)
{
	struct lctx x;
	enum kind k = kind_of(l->event, l->site.len != 0);
	int ret;

	e->sum->nevents++;
	e->now_ns = l->ts_ns;
	count_event(e, l->event, k != K_OTHER);
	x.e = e;
	x.l = l;
	x.cpu = l->cpu % e->ncpus;
	x.ev[0] = '\0';
	x.k = k;
	xp->e = e;
	xp->l = l;
	xp->cpu = x.cpu;
	xp->k = K_OTHER;
	e->cpu_lines[x.cpu]++;
	e->cur_irq.set = false;
	for (unsigned int c = 0; c < e->ncpus; c++)
		if (e->irqs[c].set && l->lineno - e->irqs[c].first_line > EV_IRQ_HOLD)
			e->irqs[c].set = false;
	if (k != K_OTHER) {
		/* a run only reaches the next event of its CPU (lines of
		 * other events between are no mapping): a map line there
		 * takes it over, any other line lets its frees go */
		e->cpu_evs[x.cpu]++;
		e->cur_irq = e->irqs[x.cpu];
		e->irqs[x.cpu].set = false;
		if (e->cur_irq.cpu_lines + 1 != e->cpu_evs[x.cpu])
			e->cur_irq.set = false;
	}
	ret = on_event_kind(e, l, &x);
	if (!ret)
		ret = drain(e);
	return ret;
}

static int on_event_kind(struct evrep *e, const struct ftrace_line *l, struct lctx *xp)
{
	struct lctx x = *xp;
	enum kind k = x.k;
	int ret;

	ret = timers(e, l);
	if (ret)
		return ret;
	if (k == K_OTHER) {
		e->sum->nskipped++;
		return 0;
	}
	snprintf(x.ev, sizeof(x.ev), "%.*s", (int)l->event.len, l->event.p);
	ftrace_fields(l->args, &x.fs);
	if (k >= K_MAP_PAGE && k <= K_UNMAP_HINT)
		e->has_dma = true;
	if (k != K_MAP && k != K_ADD_DEVICE) {
		/* a group of this CPU without a dma: event, and a line of its own task */
		for (unsigned int i = 0; i < EV_MAX_GROUPS; i++) {
			struct group *g = &e->groups[i];

			if (g->used && g->cpu == l->cpu && k == K_UNMAP && g->pid == l->pid &&
			    g->ctx == ftrace_line_ctx(l)) {
				ret = close_group(&x, i, -1, 0);
				if (ret)
					return ret;
			}
		}
		if (k != K_MAP_PAGE && k != K_MAP_SG && k != K_ALLOC) {
			ret = stale_groups(&x);
			if (ret)
				return ret;
		}
	}
	switch (k) {
	case K_MAP:
		return on_map(&x);
	case K_UNMAP:
		return on_unmap(&x);
	case K_ADD_DEVICE:
		return on_add_device(&x);
	case K_MAP_PAGE:
	case K_MAP_SG:
	case K_ALLOC:
		return on_dma_map(&x, k);
	case K_UNMAP_HINT:
		return on_unmap_hint(&x);
	case K_TRY_ALLOC:
		return on_try_alloc(&x);
	default:
		return 0;
	}
}

/* ---- setup and run ---- */

static int setup(struct evrep *e)
{
	unsigned int n = e->cfg.ncpus ? e->cfg.ncpus : ftrace_reader_ncpus(e->r);
	const char *k = ftrace_reader_kernel(e->r);

	if (!n)
		n = EV_DEFAULT_CPUS;
	if (n > PHYR_IOVA_MAX_CPUS)
		n = PHYR_IOVA_MAX_CPUS;
	e->ncpus = n;
	e->cpu_lines = calloc(n, sizeof(*e->cpu_lines));
	e->irqs = calloc(n, sizeof(*e->irqs));
	e->cpu_evs = calloc(n, sizeof(*e->cpu_evs));
	e->hints = calloc(n, sizeof(*e->hints));
	e->tries = calloc(n, sizeof(*e->tries));
	if (!e->cpu_lines || !e->irqs || !e->cpu_evs || !e->hints || !e->tries)
		return -ENOMEM;
	phyr_iova_config_init(&e->icfg);
	e->icfg.ncpus = n;
	e->icfg.policy = e->cfg.policy;
	e->icfg.no_rcache = e->cfg.no_rcache;
	e->icfg.mag_size = e->cfg.mag_size;
	if (e->cfg.domain == PHYR_CAPTURE_DOMAIN_LAZY)
		e->lazy = true;
	else if (e->cfg.domain == PHYR_CAPTURE_DOMAIN_STRICT)
		e->lazy = false;
	else
		e->lazy = e->hdr_domain == 2;
	if (e->cfg.kernel)
		k = e->cfg.kernel;
	if (k) {
		char *x;
		long a = strtol(k, &x, 10), b = *x == '.' ? strtol(x + 1, NULL, 10) : 0;

		e->fixed_depot = a > 1 && (a < 6 || (a == 6 && b < 7));
		/* before v6.4 every allocation of a PCI device tries below
		 * 4 GiB first: no pci_32bit_workaround to turn off */
		e->sac_always = a > 1 && (a < 6 || (a == 6 && b < 4));
		snprintf(e->sum->kernel, sizeof(e->sum->kernel), "%s", k);
	}
	e->sum->model_cpus = n;
	e->sum->lazy = e->lazy;
	e->sum->fixed_depot = e->fixed_depot;
	return 0;
}

int evrep_run(const struct phyr_capture_config *cfg, const char *path, FILE *f, char *err,
	      size_t errlen, struct phyr_capture_summary *sum, struct evrep **out)
{
	struct ftrace_line l;
	struct evrep *e;
	int ret;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*out = e;
	e->cfg = *cfg;
	e->sum = sum;
	e->free_ent = -1;
	ret = prepass(e, path, f);
	if (ret)
		return ret;
	e->aperture_pfn = ((UINT64_C(1) << 48) - 1) >> EV_SHIFT;
	e->fq_timeout_ns = (cfg->fq_timeout_us ? cfg->fq_timeout_us : EV_FQ_TIMEOUT_US) * 1000;
	sum->mode = PHYR_CAPTURE_EVENTS;
	sum->whatif = (strcmp(cfg->policy->name, "linux") != 0 &&
		       strcmp(cfg->policy->name, "augmented") != 0) || cfg->no_rcache || cfg->mag_size;
	ret = ftrace_reader_open(path, f, &e->r, err, errlen);
	if (ret)
		return ret;
	while ((ret = ftrace_reader_next(e->r, &l)) > 0) {
		if (l.kind == FTRACE_COMMENT) {
			if (!e->ncpus)
				header_line(e, &l.text);
			continue;
		}
		if (l.kind != FTRACE_EVENT)
			continue;
		if (!e->ncpus && (ret = setup(e)))
			break;
		ret = on_event(e, &l);
		if (ret)
			break;
	}
	if (ret == 0 && !e->ncpus)
		ret = setup(e);
	if (ret == 0 && e->pre_done && !e->pre_map && !e->ngroup_devs) {
		/* dma: events of devices behind no IOMMU (dma-direct, swiotlb) */
		ftrace_reader_error(e->r, ftrace_reader_nlines(e->r), "%s",
				    "no iommu:map lines and no allocator probes: no IOVA to replay");
		ret = -ENOTSUP;
	}
	if (ret == 0) {
		struct lctx x = { .e = e, .l = &l, .k = K_OTHER };

		/* groups still open at the end close as they stand */
		l.ts_ns = UINT64_MAX;
		for (unsigned int c = 0; c < e->ncpus; c++)
			e->irqs[c].set = false;
		for (unsigned int i = 0; i < EV_MAX_GROUPS && !ret; i++)
			if (e->groups[i].used)
				ret = close_group(&x, i, -1, 0);
		if (!ret)
			ret = drain(e);
	}
	if (ret < 0 && err && errlen && !err[0])
		ftrace_reader_error(e->r, ftrace_reader_nlines(e->r), "%s", strerror(-ret));
	sum->nlines = ftrace_reader_nlines(e->r);
	ftrace_reader_lost(e->r, &sum->nlost_lines, &sum->nlost_events);
	sum->first_lost_line = ftrace_reader_first_lost(e->r);
	ftrace_reader_entries(e->r, &sum->entries_in_buffer, &sum->entries_written);
	sum->truncated_line = ftrace_reader_truncated(e->r);
	sum->ncpus = ftrace_reader_ncpus(e->r);
	if (!sum->kernel[0] && ftrace_reader_kernel(e->r))
		snprintf(sum->kernel, sizeof(sum->kernel), "%s", ftrace_reader_kernel(e->r));
	sum->ndomains = e->ndoms;
	sum->ndevices = e->ngroup_devs;
	ftrace_reader_close(e->r);
	e->r = NULL;
	return ret < 0 ? ret : 0;
}

void evrep_destroy(struct evrep *e)
{
	if (!e)
		return;
	for (unsigned int i = 0; i < e->ndoms; i++) {
		phyr_iova_domain_destroy(e->doms[i]->d);
		phyr_iommu_domain_destroy(e->doms[i]->mmu);
		free(e->doms[i]->fqs);
		for (unsigned int k = 0; k < 8; k++)
			free(e->doms[i]->sh[k].pfn);
		free(e->doms[i]);
	}
	if (e->r)
		ftrace_reader_close(e->r);
	free(e->ents);
	free(e->hash);
	free(e->q);
	free(e->cpu_lines);
	free(e->irqs);
	free(e->cpu_evs);
	free(e->hints);
	free(e->tries);
	un_free(&e->un);
	free(e);
}

struct span_walk {
	uint64_t lo, hi, prev, free, hole;
};

static int span_cb(void *ctx, uint64_t lo, uint64_t hi)
{
	struct span_walk *w = ctx;
	uint64_t a = w->prev, b = lo < w->hi + 1 ? lo : w->hi + 1;

	if (b > a) {
		w->free += b - a;
		if (b - a > w->hole)
			w->hole = b - a;
	}
	if (hi + 1 > w->prev)
		w->prev = hi + 1;
	return lo > w->hi;
}

int evrep_get_domain(struct evrep *e, unsigned int i, struct phyr_capture_domain_info *d)
{
	const struct edom *dm;

	if (i >= e->ndoms)
		return -ENOENT;
	dm = e->doms[i];
	memset(d, 0, sizeof(*d));
	d->iovad = i;
	d->granule = EV_GRANULE;
	d->start_pfn = dm->start_pfn;
	d->nreserved = dm->nresv;
	d->nallocs = dm->nallocs;
	d->nmatched = dm->nmatched;
	d->nfrees = dm->nfrees;
	d->first_divergence = dm->div_line;
	d->div_linux_pfn = dm->div_linux;
	d->div_model_pfn = dm->div_model;
	d->div_model_ok = dm->div_model_ok;
	snprintf(d->name, sizeof(d->name), "%s", dm->name);
	d->group = dm->group;
	d->peak_live = dm->peak_live;
	d->peak_pages = dm->peak_pages;
	d->nfq_flushes = dm->nfq_flushes;
	phyr_iova_get_stats(dm->d, &d->stats);
	{
		struct phyr_io_pgtable_stats pst;
		struct phyr_iommu_stats mst;

		phyr_io_pgtable_get_stats(phyr_iommu_domain_pgtable(dm->mmu), &pst);
		phyr_iommu_get_stats(dm->mmu, &mst);
		d->pt_pages = pst.ntables;
		d->pt_pages_peak = dm->pt_peak;
		d->npte_writes = pst.npte_writes;
		d->ninvalidations = mst.ninv_range + mst.ninv_all - dm->inv_base;
		d->niotlb_hits = mst.niotlb_hits;
		d->niotlb_misses = mst.niotlb_misses;
		d->niotlb_evictions = mst.niotlb_evictions;
		d->niotlb_invalidated = mst.niotlb_invalidated;
	}
	{
		uint64_t depot;

		phyr_iova_cache_memory(dm->d, NULL, &depot);
		d->mag_bytes = dm->mag_cpu_bytes + depot;
		d->mag_bytes_peak = dm->mag_cpu_bytes + dm->depot_peak;
	}
	d->nstale = dm->nstale;
	d->stale_pages = dm->stale_pages;
	d->stale_ns_total = dm->stale_ns_total;
	d->stale_ns_max = dm->stale_ns_max;
	d->stale_page_ns = dm->stale_page_ns;
	for (unsigned int c = 0; dm->fqs && c < e->ncpus; c++)
		for (unsigned int j = dm->fqs[c].head; j != dm->fqs[c].tail; j = (j + 1) % EV_FQ_SIZE)
			d->nstale_open += dm->fqs[c].cnt[j] >= dm->finish_cnt;
	if (dm->span_lo <= dm->span_hi) {
		struct span_walk w = { .lo = dm->span_lo, .hi = dm->span_hi, .prev = dm->span_lo };

		d->span_lo = dm->span_lo;
		d->span_hi = dm->span_hi;
		(void)phyr_iova_walk(dm->d, span_cb, &w);
		if (w.prev <= w.hi) {
			w.free += w.hi + 1 - w.prev;
			if (w.hi + 1 - w.prev > w.hole)
				w.hole = w.hi + 1 - w.prev;
		}
		d->span_free = w.free;
		d->span_largest_hole = w.hole;
	}
	return 0;
}

int evrep_get_device(struct evrep *e, unsigned int i, struct phyr_capture_device *d)
{
	unsigned int n = 0;

	for (unsigned int j = 0; j < e->ndevs; j++) {
		if (e->devs[j].group < 0)
			continue;
		if (n++ == i) {
			snprintf(d->name, sizeof(d->name), "%s", e->devs[j].name);
			d->group = e->devs[j].group;
			return 0;
		}
	}
	return -ENOENT;
}

int evrep_get_event(struct evrep *e, unsigned int i, struct phyr_capture_event *ev)
{
	if (i >= e->nevs)
		return -ENOENT;
	*ev = e->evs[i];
	return 0;
}

int evrep_has_probes(const char *path, FILE *f, bool *has)
{
	struct ftrace_reader *r;
	struct ftrace_line l;
	long pos = 0;
	int ret;

	*has = false;
	if (!rereadable(path, f))
		return -ESPIPE;
	if (f)
		pos = ftell(f);
	ret = ftrace_reader_open(path, f, &r, NULL, 0);
	if (ret)
		return ret;
	while ((ret = ftrace_reader_next(r, &l)) > 0) {
		if (l.kind == FTRACE_COMMENT) {
			if (memmem(l.text.p, l.text.len, "qt/iova_alloc ", 14)) {
				*has = true;
				break;
			}
			continue;
		}
		if (l.kind == FTRACE_EVENT && l.site.len &&
		    (ftrace_str_eq(l.event, "iova_alloc") || ftrace_str_eq(l.event, "iova_alloc_ret") ||
		     ftrace_str_eq(l.event, "iova_alloc_entry"))) {
			*has = true;
			break;
		}
	}
	ftrace_reader_close(r);
	if (f && fseek(f, pos, SEEK_SET))
		return -errno;
	/* a malformed line: let the replay itself report it */
	return ret < 0 && ret != -EBADMSG && ret != -E2BIG ? ret : 0;
}
