// SPDX-License-Identifier: MIT
/*
 * dma-debug: the DMA-API misuse checker (see include/phyr/dma-debug.h for
 * the contract). The checks, their order and their data follow Linux
 * v6.17 kernel/dma/debug.c as read; the code is libphyr's own.
 *
 * Layout: a hash of 16384 singly linked buckets keyed by
 * (dma_addr >> 13) & 16383, entries appended at the tail so lookups see
 * them in mapping order (the best-fit rules depend on it); a second small
 * hash from cacheline number to overlap count for the device-writable
 * mappings. One mutex guards everything.
 *
 * Strict mode must leave the tracker unchanged when it refuses a call:
 * maps insert then roll back, unmaps mark entries "doomed" (lookups skip
 * them) and drop them only when the call is accepted.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "sg.h"
#include "phyr/dma-debug.h"

#define HASH_BITS 14
#define HASH_SIZE (1u << HASH_BITS)
#define HASH_FN_SHIFT 13
#define HASH_FN_MASK (HASH_SIZE - 1)

#define CLN_HASH_SIZE 4096u
#define L1_CACHE_SHIFT 6
#define CACHELINE_PER_PAGE_SHIFT (12 - L1_CACHE_SHIFT)
#define MAX_OVERLAP 7 /* (1 << RADIX_TREE_MAX_TAGS) - 1 */

#define DIR_BIDIRECTIONAL 0
#define DIR_TO_DEVICE 1
#define DIR_FROM_DEVICE 2
#define DIR_NONE 3
#define ATTR_SKIP_CPU_SYNC (1ul << 5)
#define MAPPING_ERROR (~UINT64_C(0))

#define DEFAULT_MAX_REPORTS 4096

enum map_err_state {
	MAP_ERR_NOT_APPLICABLE,
	MAP_ERR_NOT_CHECKED,
	MAP_ERR_CHECKED,
};

struct entry {
	struct entry *next;
	const void *dev;
	uint64_t dev_addr;
	uint64_t size;
	uint64_t paddr;
	int type;
	int dir;
	int sg_call_ents;
	int sg_mapped_ents;
	enum map_err_state map_err;
	bool sync_map_err_reported;
	bool doomed;
};

struct bucket {
	struct entry *head;
	struct entry *tail;
};

struct cln_node {
	struct cln_node *next;
	uint64_t cln;
	int overlap;
};

struct phyr_dma_debug {
	const struct phyr_allocator *a;
	struct phyr_dma_debug_config cfg;
	pthread_mutex_t lock;
	struct bucket *hash;
	struct cln_node **cln_hash;
	struct phyr_dma_debug_report *reports;
	size_t nkept;
	size_t cap;
	struct phyr_dma_debug_stats st;
	/* reports of the current hook call that make strict mode refuse it: all
	 * but an unchecked mapping error, which the call cannot mend (refusing
	 * the correct unmap would leave the mapping live for ever) */
	uint64_t call_reports;
};

/* A lookup key: what the call says about the mapping. */
struct ref {
	const void *dev;
	uint64_t dev_addr;
	uint64_t size;
	uint64_t paddr;
	int type;
	int dir;
	int sg_call_ents;
};

static const char *const type_names[PHYR_DMA_DEBUG_NTYPES] = {
	[PHYR_DMA_DEBUG_SINGLE] = "single",
	[PHYR_DMA_DEBUG_SG] = "scatter-gather",
	[PHYR_DMA_DEBUG_COHERENT] = "coherent",
	[PHYR_DMA_DEBUG_RESOURCE] = "resource",
	[PHYR_DMA_DEBUG_IOVA] = "iova-link",
	[PHYR_DMA_DEBUG_PHYR] = "phyr",
};

static const char *const dir_names[4] = {
	"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE",
};

static const char *const kind_names[PHYR_DMA_DEBUG_NKINDS] = {
	[PHYR_DMA_DEBUG_UNMAP_UNKNOWN] = "unmap-unknown",
	[PHYR_DMA_DEBUG_UNMAP_INVALID] = "unmap-invalid",
	[PHYR_DMA_DEBUG_UNMAP_SIZE] = "unmap-size",
	[PHYR_DMA_DEBUG_UNMAP_TYPE] = "unmap-type",
	[PHYR_DMA_DEBUG_UNMAP_CPU_ADDR] = "unmap-cpu-addr",
	[PHYR_DMA_DEBUG_UNMAP_NENTS] = "unmap-nents",
	[PHYR_DMA_DEBUG_UNMAP_DIR] = "unmap-dir",
	[PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED] = "map-err-unchecked",
	[PHYR_DMA_DEBUG_SYNC_UNKNOWN] = "sync-unknown",
	[PHYR_DMA_DEBUG_SYNC_RANGE] = "sync-range",
	[PHYR_DMA_DEBUG_SYNC_DIR] = "sync-dir",
	[PHYR_DMA_DEBUG_SYNC_FOR_CPU_RO] = "sync-for-cpu-ro",
	[PHYR_DMA_DEBUG_SYNC_FOR_DEVICE_WO] = "sync-for-device-wo",
	[PHYR_DMA_DEBUG_SYNC_NENTS] = "sync-nents",
	[PHYR_DMA_DEBUG_SG_SEG_LENGTH] = "sg-seg-length",
	[PHYR_DMA_DEBUG_SG_SEG_BOUNDARY] = "sg-seg-boundary",
	[PHYR_DMA_DEBUG_OVERLAP] = "overlap",
	[PHYR_DMA_DEBUG_LEAK] = "leak",
	[PHYR_DMA_DEBUG_IOVA_RANGE] = "iova-range",
};

const char *phyr_dma_debug_type_name(enum phyr_dma_debug_type type)
{
	if ((unsigned)type >= PHYR_DMA_DEBUG_NTYPES)
		return "?";
	return type_names[type];
}

const char *phyr_dma_debug_dir_name(int dir)
{
	if (dir < 0 || dir > DIR_NONE)
		return "?";
	return dir_names[dir];
}

const char *phyr_dma_debug_kind_name(enum phyr_dma_debug_kind kind)
{
	if ((unsigned)kind >= PHYR_DMA_DEBUG_NKINDS)
		return "?";
	return kind_names[kind];
}

static bool valid_dir(int dir)
{
	return dir >= DIR_BIDIRECTIONAL && dir <= DIR_NONE;
}

static bool valid_type(int type)
{
	return type >= 0 && type < PHYR_DMA_DEBUG_NTYPES;
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */

static void report(struct phyr_dma_debug *dbg, enum phyr_dma_debug_kind kind,
		   const struct ref *ref, const struct entry *e, uint64_t expected, uint64_t got)
{
	struct phyr_dma_debug_report r;

	memset(&r, 0, sizeof(r));
	r.seq = dbg->st.nreports;
	r.kind = kind;
	r.dev = ref->dev;
	r.dma_addr = ref->dev_addr;
	r.size = ref->size;
	r.type = (enum phyr_dma_debug_type)ref->type;
	r.dir = ref->dir;
	if (e) {
		r.has_entry = true;
		r.map_type = (enum phyr_dma_debug_type)e->type;
		r.map_dir = e->dir;
		r.map_size = e->size;
		r.map_addr = e->dev_addr;
		r.map_phys = e->paddr;
	}
	r.expected = expected;
	r.got = got;

	dbg->st.nreports++;
	dbg->st.nreports_kind[kind]++;
	if (kind != PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED)
		dbg->call_reports++;

	if (dbg->nkept < dbg->cfg.max_reports) {
		if (dbg->nkept == dbg->cap) {
			size_t ncap = dbg->cap ? dbg->cap * 2 : 16;
			struct phyr_dma_debug_report *n;

			if (ncap > dbg->cfg.max_reports)
				ncap = dbg->cfg.max_reports;
			n = alloc_mem(dbg->a, ncap * sizeof(*n));
			if (n) {
				if (dbg->nkept)
					memcpy(n, dbg->reports, dbg->nkept * sizeof(*n));
				alloc_free(dbg->a, dbg->reports, dbg->cap * sizeof(*n));
				dbg->reports = n;
				dbg->cap = ncap;
			}
		}
		if (dbg->nkept < dbg->cap)
			dbg->reports[dbg->nkept++] = r;
	}

	if (dbg->cfg.log) {
		char buf[512];

		if (phyr_dma_debug_format(dbg, &r, buf, sizeof(buf)) >= 0)
			fprintf(dbg->cfg.log, "%s\n", buf);
	}
}

/* ------------------------------------------------------------------ */
/* Hash of mappings                                                    */

static struct bucket *bucket_of(struct phyr_dma_debug *dbg, uint64_t dev_addr)
{
	return &dbg->hash[(dev_addr >> HASH_FN_SHIFT) & HASH_FN_MASK];
}

static bool exact_match(const struct ref *r, const struct entry *e)
{
	return e->dev_addr == r->dev_addr && e->dev == r->dev;
}

static bool containing_match(const struct ref *r, const struct entry *e)
{
	if (e->dev != r->dev)
		return false;
	/* Linux's test, in its (wrapping) 64-bit arithmetic */
	return e->dev_addr <= r->dev_addr && e->dev_addr + e->size >= r->dev_addr + r->size;
}

/*
 * Best fit among the live entries of @b that @match: a perfect fit (size,
 * type, direction and sg entry count all equal) wins at once; otherwise
 * the first entry of the highest level, but only if it was the only match.
 */
static struct entry *bucket_find(struct bucket *b, const struct ref *r,
				 bool (*match)(const struct ref *, const struct entry *))
{
	struct entry *e, *best = NULL;
	int matches = 0, last_lvl = -1;

	for (e = b->head; e; e = e->next) {
		int lvl = 0;

		if (e->doomed || !match(r, e))
			continue;
		matches++;
		lvl += e->size == r->size;
		lvl += e->type == r->type;
		lvl += e->dir == r->dir;
		lvl += e->sg_call_ents == r->sg_call_ents;
		if (lvl == 4)
			return e;
		if (lvl > last_lvl) {
			last_lvl = lvl;
			best = e;
		}
	}
	return matches == 1 ? best : NULL;
}

/* Linux's bucket_find_contain: this bucket, then the ones below it. */
static struct entry *find_contain(struct phyr_dma_debug *dbg, const struct ref *r)
{
	uint64_t addr = r->dev_addr;
	uint64_t limit = (r->dev_addr >> HASH_FN_SHIFT) + 1;

	if (limit > HASH_SIZE)
		limit = HASH_SIZE;
	for (uint64_t i = 0; i < limit; i++) {
		struct entry *e = bucket_find(bucket_of(dbg, addr), r, containing_match);

		if (e)
			return e;
		addr -= UINT64_C(1) << HASH_FN_SHIFT;
	}
	return NULL;
}

static void bucket_append(struct bucket *b, struct entry *e)
{
	e->next = NULL;
	if (b->tail)
		b->tail->next = e;
	else
		b->head = e;
	b->tail = e;
}

static void bucket_unlink(struct bucket *b, struct entry *e)
{
	struct entry **pp = &b->head, *prev = NULL;

	while (*pp && *pp != e) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	PHYR_ASSERT(*pp == e);
	*pp = e->next;
	if (b->tail == e)
		b->tail = prev;
	e->next = NULL;
}

/* ------------------------------------------------------------------ */
/* Cacheline overlap tracking                                          */

static uint64_t cln_of(uint64_t paddr)
{
	return ((paddr >> 12) << CACHELINE_PER_PAGE_SHIFT) + ((paddr & 0xfff) >> L1_CACHE_SHIFT);
}

static struct cln_node **cln_slot(struct phyr_dma_debug *dbg, uint64_t cln)
{
	struct cln_node **pp = &dbg->cln_hash[(cln ^ (cln >> 12)) % CLN_HASH_SIZE];

	while (*pp && (*pp)->cln != cln)
		pp = &(*pp)->next;
	return pp;
}

/* Returns 0 (first mapping of the line), -EEXIST (overlap) or -ENOMEM. */
static int cln_insert(struct phyr_dma_debug *dbg, const struct entry *e)
{
	struct cln_node **pp, *n;
	uint64_t cln;

	if (e->dir == DIR_TO_DEVICE)
		return 0;
	cln = cln_of(e->paddr);
	pp = cln_slot(dbg, cln);
	if (*pp) {
		if ((*pp)->overlap < MAX_OVERLAP)
			(*pp)->overlap++;
		return -EEXIST;
	}
	n = alloc_mem(dbg->a, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->next = NULL;
	n->cln = cln;
	n->overlap = 0;
	*pp = n;
	return 0;
}

static void cln_remove(struct phyr_dma_debug *dbg, const struct entry *e)
{
	struct cln_node **pp, *n;

	if (e->dir == DIR_TO_DEVICE)
		return;
	pp = cln_slot(dbg, cln_of(e->paddr));
	n = *pp;
	if (!n)
		return;
	if (--n->overlap < 0) {
		*pp = n->next;
		alloc_free(dbg->a, n, sizeof(*n));
	}
}

/* ------------------------------------------------------------------ */
/* Entries                                                             */

static void disable_nomem(struct phyr_dma_debug *dbg)
{
	dbg->st.nnomem++;
	dbg->st.disabled = true;
}

static void entry_drop(struct phyr_dma_debug *dbg, struct entry *e)
{
	bucket_unlink(bucket_of(dbg, e->dev_addr), e);
	cln_remove(dbg, e);
	alloc_free(dbg->a, e, sizeof(*e));
	dbg->st.nentries--;
}

/*
 * Track @tmpl: allocate, hash, cacheline-insert (reporting an overlap).
 * Returns the entry, or NULL when memory ran out (the checker is then
 * disabled and the caller stops).
 */
static struct entry *entry_add(struct phyr_dma_debug *dbg, const struct entry *tmpl,
			       unsigned long attrs)
{
	struct entry *e = alloc_mem(dbg->a, sizeof(*e));
	int rc;

	if (!e) {
		disable_nomem(dbg);
		return NULL;
	}
	*e = *tmpl;
	bucket_append(bucket_of(dbg, e->dev_addr), e);
	dbg->st.nentries++;
	if (dbg->st.nentries > dbg->st.nentries_max)
		dbg->st.nentries_max = dbg->st.nentries;

	rc = cln_insert(dbg, e);
	if (rc == -ENOMEM) {
		/* Linux: "cacheline tracking ENOMEM, dma-debug disabled" */
		disable_nomem(dbg);
		return e;
	}
	if (rc == -EEXIST && !(attrs & ATTR_SKIP_CPU_SYNC)) {
		struct ref r = {
			.dev = e->dev, .dev_addr = e->dev_addr, .size = e->size,
			.paddr = e->paddr, .type = e->type, .dir = e->dir,
			.sg_call_ents = e->sg_call_ents,
		};

		report(dbg, PHYR_DMA_DEBUG_OVERLAP, &r, e, 0, 0);
	}
	return e;
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

int phyr_dma_debug_create(const struct phyr_dma_debug_config *cfg, const struct phyr_allocator *a,
			  struct phyr_dma_debug **out)
{
	struct phyr_dma_debug *dbg;

	if (!out)
		return -EINVAL;
	*out = NULL;
	a = alloc_or_default(a);
	dbg = alloc_zeroed(a, sizeof(*dbg));
	if (!dbg)
		return -ENOMEM;
	dbg->a = a;
	if (cfg)
		dbg->cfg = *cfg;
	if (!dbg->cfg.max_reports)
		dbg->cfg.max_reports = DEFAULT_MAX_REPORTS;
	dbg->hash = alloc_zeroed(a, HASH_SIZE * sizeof(*dbg->hash));
	if (!dbg->hash)
		goto err_free_dbg;
	dbg->cln_hash = alloc_zeroed(a, CLN_HASH_SIZE * sizeof(*dbg->cln_hash));
	if (!dbg->cln_hash)
		goto err_free_hash;
	if (pthread_mutex_init(&dbg->lock, NULL))
		goto err_free_cln;
	*out = dbg;
	return 0;

err_free_cln:
	alloc_free(a, dbg->cln_hash, CLN_HASH_SIZE * sizeof(*dbg->cln_hash));
err_free_hash:
	alloc_free(a, dbg->hash, HASH_SIZE * sizeof(*dbg->hash));
err_free_dbg:
	alloc_free(a, dbg, sizeof(*dbg));
	return -ENOMEM;
}

void phyr_dma_debug_destroy(struct phyr_dma_debug *dbg)
{
	const struct phyr_allocator *a;

	if (!dbg)
		return;
	a = dbg->a;
	for (unsigned i = 0; i < HASH_SIZE; i++) {
		struct entry *e = dbg->hash[i].head, *next;

		for (; e; e = next) {
			next = e->next;
			alloc_free(a, e, sizeof(*e));
		}
	}
	for (unsigned i = 0; i < CLN_HASH_SIZE; i++) {
		struct cln_node *n = dbg->cln_hash[i], *next;

		for (; n; n = next) {
			next = n->next;
			alloc_free(a, n, sizeof(*n));
		}
	}
	alloc_free(a, dbg->reports, dbg->cap * sizeof(*dbg->reports));
	alloc_free(a, dbg->cln_hash, CLN_HASH_SIZE * sizeof(*dbg->cln_hash));
	alloc_free(a, dbg->hash, HASH_SIZE * sizeof(*dbg->hash));
	pthread_mutex_destroy(&dbg->lock);
	alloc_free(a, dbg, sizeof(*dbg));
}

/* ------------------------------------------------------------------ */
/* Map hooks                                                           */

static int begin_call(struct phyr_dma_debug *dbg)
{
	pthread_mutex_lock(&dbg->lock);
	dbg->call_reports = 0;
	return 0;
}

/* Ends a hook call; returns -EINVAL if strict mode refuses it. */
static int end_call(struct phyr_dma_debug *dbg, bool refuse)
{
	int ret = 0;

	if (refuse) {
		dbg->st.nrefused++;
		ret = -EINVAL;
	}
	pthread_mutex_unlock(&dbg->lock);
	return ret;
}

static bool strict_refuses(struct phyr_dma_debug *dbg)
{
	return dbg->cfg.strict && dbg->call_reports > 0;
}

int phyr_dma_debug_map(struct phyr_dma_debug *dbg, const struct phyr_dma_debug_map *m)
{
	struct entry tmpl, *e;
	bool refuse;

	if (!dbg || !m || !valid_type(m->type) || !valid_dir(m->dir) || m->type == PHYR_DMA_DEBUG_SG)
		return -EINVAL;
	begin_call(dbg);
	/* debug_dma_map_phys ignores a failed mapping (map_resource does not) */
	if (dbg->st.disabled || (m->type == PHYR_DMA_DEBUG_SINGLE && m->dma_addr == MAPPING_ERROR))
		return end_call(dbg, false);
	dbg->st.nmaps++;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.dev = m->dev;
	tmpl.type = m->type;
	tmpl.paddr = m->phys;
	tmpl.dev_addr = m->dma_addr;
	tmpl.size = m->size;
	tmpl.dir = m->type == PHYR_DMA_DEBUG_COHERENT ? DIR_BIDIRECTIONAL : m->dir;
	if (m->type == PHYR_DMA_DEBUG_SINGLE || m->type == PHYR_DMA_DEBUG_RESOURCE)
		tmpl.map_err = MAP_ERR_NOT_CHECKED;
	e = entry_add(dbg, &tmpl, m->attrs);
	refuse = e && strict_refuses(dbg);
	if (refuse)
		entry_drop(dbg, e);
	return end_call(dbg, refuse);
}

/* The DMA address of entry @i of the list. */
static uint64_t sg_dma_at(const struct phyr_sg_layout *L, struct phyr_scatterlist *s, int i)
{
	while (i-- > 0)
		s = sg_next(L, s);
	return sg_dma_address(L, s);
}

int phyr_dma_debug_map_sg(struct phyr_dma_debug *dbg, const void *dev,
			  const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nents,
			  int mapped_ents, int dir, unsigned long attrs, uint64_t max_seg_size,
			  uint64_t seg_boundary_mask)
{
	struct phyr_scatterlist *s = sgl;
	int nadded = 0;
	bool refuse;

	if (!dbg || !L || !sgl || nents <= 0 || mapped_ents <= 0 || mapped_ents > nents ||
	    !valid_dir(dir))
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nmaps++;
	for (int i = 0; i < mapped_ents && s; i++, s = sg_next(L, s)) {
		struct entry tmpl, *e;
		struct ref r;
		uint64_t start, end;
		uint32_t len = sg_length(L, s);

		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.dev = dev;
		tmpl.type = PHYR_DMA_DEBUG_SG;
		tmpl.paddr = sg_phys(L, s);
		tmpl.size = sg_dma_len(L, s);
		tmpl.dev_addr = sg_dma_address(L, s);
		tmpl.dir = dir;
		tmpl.sg_call_ents = nents;
		tmpl.sg_mapped_ents = mapped_ents;

		/* check_sg_segment(): the CPU length against max_seg_size (as
		 * Linux reads it, 32-bit), the DMA segment against the boundary */
		memset(&r, 0, sizeof(r));
		r.dev = dev;
		r.dev_addr = tmpl.dev_addr;
		r.size = tmpl.size;
		r.type = PHYR_DMA_DEBUG_SG;
		r.dir = dir;
		r.sg_call_ents = nents;
		if (len > (uint32_t)max_seg_size)
			report(dbg, PHYR_DMA_DEBUG_SG_SEG_LENGTH, &r, NULL, (uint32_t)max_seg_size,
			       len);
		start = tmpl.dev_addr;
		end = start + tmpl.size - 1;
		if ((start ^ end) & ~seg_boundary_mask)
			report(dbg, PHYR_DMA_DEBUG_SG_SEG_BOUNDARY, &r, NULL, seg_boundary_mask, end);

		e = entry_add(dbg, &tmpl, attrs);
		if (!e)
			break;
		nadded++;
	}
	refuse = strict_refuses(dbg) && !dbg->st.disabled;
	if (refuse) {
		/* undo this call's appends last-first: each is its bucket's tail */
		while (nadded) {
			uint64_t a = sg_dma_at(L, sgl, nadded - 1);
			struct entry *e = bucket_of(dbg, a)->tail;

			PHYR_ASSERT(e && e->dev == dev && e->dev_addr == a);
			entry_drop(dbg, e);
			nadded--;
		}
	}
	return end_call(dbg, refuse);
}

int phyr_dma_debug_iova_range(struct phyr_dma_debug *dbg, const void *dev, uint64_t state_addr,
			      uint64_t state_size, uint64_t offset, uint64_t size)
{
	struct ref r = { .dev = dev, .dev_addr = state_addr, .size = state_size,
			 .type = PHYR_DMA_DEBUG_IOVA };
	uint64_t end = offset + size;

	if (!dbg)
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	if (end < offset || end > state_size)
		report(dbg, PHYR_DMA_DEBUG_IOVA_RANGE, &r, NULL, state_size,
		       end < offset ? UINT64_MAX : end);
	return end_call(dbg, strict_refuses(dbg));
}

int phyr_dma_debug_mapping_error(struct phyr_dma_debug *dbg, const void *dev, uint64_t dma_addr)
{
	struct ref r = { .dev = dev, .dev_addr = dma_addr };
	struct entry *e;

	if (!dbg)
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nmapping_error_checks++;
	for (e = bucket_of(dbg, dma_addr)->head; e; e = e->next) {
		if (!exact_match(&r, e))
			continue;
		if (e->map_err == MAP_ERR_NOT_CHECKED) {
			e->map_err = MAP_ERR_CHECKED;
			break;
		}
	}
	return end_call(dbg, false);
}

/* ------------------------------------------------------------------ */
/* Unmap hooks                                                         */

/* Linux's check_unmap on @r; the matched entry is marked doomed. */
static void check_unmap(struct phyr_dma_debug *dbg, const struct ref *r)
{
	struct entry *e = bucket_find(bucket_of(dbg, r->dev_addr), r, exact_match);

	if (!e) {
		if (r->dev_addr == MAPPING_ERROR)
			report(dbg, PHYR_DMA_DEBUG_UNMAP_INVALID, r, NULL, 0, 0);
		else
			report(dbg, PHYR_DMA_DEBUG_UNMAP_UNKNOWN, r, NULL, 0, 0);
		return;
	}
	if (r->size != e->size)
		report(dbg, PHYR_DMA_DEBUG_UNMAP_SIZE, r, e, e->size, r->size);
	if (r->type != e->type)
		report(dbg, PHYR_DMA_DEBUG_UNMAP_TYPE, r, e, (uint64_t)e->type, (uint64_t)r->type);
	else if (e->type == PHYR_DMA_DEBUG_COHERENT && r->paddr != e->paddr)
		report(dbg, PHYR_DMA_DEBUG_UNMAP_CPU_ADDR, r, e, e->paddr, r->paddr);
	if (r->sg_call_ents && r->type == PHYR_DMA_DEBUG_SG && r->sg_call_ents != e->sg_call_ents)
		report(dbg, PHYR_DMA_DEBUG_UNMAP_NENTS, r, e, (uint64_t)e->sg_call_ents,
		       (uint64_t)r->sg_call_ents);
	if (r->dir != e->dir)
		report(dbg, PHYR_DMA_DEBUG_UNMAP_DIR, r, e, (uint64_t)e->dir, (uint64_t)r->dir);
	if (e->map_err == MAP_ERR_NOT_CHECKED)
		report(dbg, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED, r, e, 0, 0);
	e->doomed = true;
}

/* Drops (accepted) or revives (refused) the doomed entries of @b. */
static void settle_bucket(struct phyr_dma_debug *dbg, struct bucket *b, bool refuse)
{
	struct entry *e = b->head, *next;

	for (; e; e = next) {
		next = e->next;
		if (!e->doomed)
			continue;
		if (refuse)
			e->doomed = false;
		else
			entry_drop(dbg, e);
	}
}

int phyr_dma_debug_unmap(struct phyr_dma_debug *dbg, const struct phyr_dma_debug_map *m)
{
	struct ref r;
	bool refuse;

	if (!dbg || !m || !valid_type(m->type) || !valid_dir(m->dir) || m->type == PHYR_DMA_DEBUG_SG)
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nunmaps++;
	memset(&r, 0, sizeof(r));
	r.dev = m->dev;
	r.type = m->type;
	r.dev_addr = m->dma_addr;
	r.size = m->size;
	r.paddr = m->phys;
	r.dir = m->type == PHYR_DMA_DEBUG_COHERENT ? DIR_BIDIRECTIONAL : m->dir;
	check_unmap(dbg, &r);
	refuse = strict_refuses(dbg);
	settle_bucket(dbg, bucket_of(dbg, r.dev_addr), refuse);
	return end_call(dbg, refuse);
}

static int nr_mapped_entries(struct phyr_dma_debug *dbg, const struct ref *r)
{
	struct entry *e = bucket_find(bucket_of(dbg, r->dev_addr), r, exact_match);

	return e ? e->sg_mapped_ents : 0;
}

int phyr_dma_debug_unmap_sg(struct phyr_dma_debug *dbg, const void *dev,
			    const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nelems,
			    int dir)
{
	struct phyr_scatterlist *s = sgl;
	int mapped_ents = 0, n = 0;
	bool refuse;

	if (!dbg || !L || !sgl || nelems <= 0 || !valid_dir(dir))
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nunmaps++;
	for (int i = 0; i < nelems && s; i++, n++, s = sg_next(L, s)) {
		struct ref r = {
			.dev = dev, .type = PHYR_DMA_DEBUG_SG, .paddr = sg_phys(L, s),
			.dev_addr = sg_dma_address(L, s), .size = sg_dma_len(L, s),
			.dir = dir, .sg_call_ents = nelems,
		};

		if (mapped_ents && i >= mapped_ents)
			break;
		if (i == 0)
			mapped_ents = nr_mapped_entries(dbg, &r);
		check_unmap(dbg, &r);
	}
	refuse = strict_refuses(dbg);
	s = sgl;
	for (int i = 0; i < n; i++, s = sg_next(L, s))
		settle_bucket(dbg, bucket_of(dbg, sg_dma_address(L, s)), refuse);
	return end_call(dbg, refuse);
}

/*
 * The live entry of @dev with the lowest address in [@lo, @hi], looking
 * only at the buckets those addresses hash to (all of them for ranges of
 * 128 MiB or more).
 */
static struct entry *lowest_in(struct phyr_dma_debug *dbg, const void *dev, uint64_t lo,
			       uint64_t hi)
{
	struct entry *best = NULL;
	uint64_t nchunks = (hi >> HASH_FN_SHIFT) - (lo >> HASH_FN_SHIFT) + 1;

	if (nchunks >= HASH_SIZE) {
		for (unsigned i = 0; i < HASH_SIZE; i++)
			for (struct entry *e = dbg->hash[i].head; e; e = e->next)
				if (!e->doomed && e->dev == dev && e->dev_addr >= lo &&
				    e->dev_addr <= hi && (!best || e->dev_addr < best->dev_addr))
					best = e;
		return best;
	}
	for (uint64_t c = 0; c < nchunks && !best; c++) {
		uint64_t addr = lo + (c << HASH_FN_SHIFT);

		for (struct entry *e = bucket_of(dbg, addr)->head; e; e = e->next)
			if (!e->doomed && e->dev == dev && e->dev_addr >= lo && e->dev_addr <= hi &&
			    (e->dev_addr >> HASH_FN_SHIFT) == (addr >> HASH_FN_SHIFT) &&
			    (!best || e->dev_addr < best->dev_addr))
				best = e;
	}
	return best;
}

int phyr_dma_debug_unmap_range(struct phyr_dma_debug *dbg, const void *dev,
			       enum phyr_dma_debug_type type, uint64_t dma_addr, uint64_t size,
			       int dir)
{
	uint64_t end, nfound = 0;
	struct entry *e;
	bool refuse;

	if (!dbg || !valid_type(type) || type == PHYR_DMA_DEBUG_SG || !valid_dir(dir) || !size ||
	    dma_addr + size - 1 < dma_addr)
		return -EINVAL;
	end = dma_addr + size - 1;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nunmaps++;
	/* every mapping of @dev starting in the range, in address order */
	for (uint64_t lo = dma_addr; (e = lowest_in(dbg, dev, lo, end)); lo = e->dev_addr) {
		struct ref r = {
			.dev = dev, .type = type, .dev_addr = e->dev_addr, .size = e->size,
			.dir = dir, .paddr = e->paddr,
		};

		nfound++;
		/* a mapping reaching past the range is unmapped short */
		if (e->size - 1 > end - e->dev_addr)
			r.size = end - e->dev_addr + 1;
		check_unmap(dbg, &r);
		/* with several entries at one address and no perfect fit
		 * check_unmap found none (and said so): drop this one anyway */
		e->doomed = true;
	}
	if (!nfound) {
		struct ref r = { .dev = dev, .type = type, .dev_addr = dma_addr, .size = size,
				 .dir = dir };

		report(dbg, PHYR_DMA_DEBUG_UNMAP_UNKNOWN, &r, NULL, 0, 0);
	}
	refuse = strict_refuses(dbg);
	if (nfound) {
		uint64_t nchunks = (end >> HASH_FN_SHIFT) - (dma_addr >> HASH_FN_SHIFT) + 1;

		if (nchunks > HASH_SIZE)
			nchunks = HASH_SIZE;
		for (uint64_t c = 0; c < nchunks; c++)
			settle_bucket(dbg, bucket_of(dbg, dma_addr + (c << HASH_FN_SHIFT)), refuse);
	}
	return end_call(dbg, refuse);
}

/* ------------------------------------------------------------------ */
/* Sync hooks                                                          */

/* Linux's check_sync (+ the unchecked mapping error unless linux_exact). */
static void check_sync(struct phyr_dma_debug *dbg, const struct ref *r, bool to_cpu,
		       struct entry **marked)
{
	struct entry *e = find_contain(dbg, r);
	struct ref shown;

	if (!e) {
		report(dbg, PHYR_DMA_DEBUG_SYNC_UNKNOWN, r, NULL, 0, 0);
		return;
	}
	if (r->size > e->size) {
		shown = *r;
		shown.dev_addr = e->dev_addr;
		report(dbg, PHYR_DMA_DEBUG_SYNC_RANGE, &shown, e, e->size, r->size);
	}
	if (!dbg->cfg.linux_exact && e->map_err == MAP_ERR_NOT_CHECKED &&
	    !e->sync_map_err_reported) {
		report(dbg, PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED, r, e, 0, 0);
		e->sync_map_err_reported = true;
		*marked = e;
	}
	/* a bidirectional mapping skips every later check, as in Linux */
	if (e->dir == DIR_BIDIRECTIONAL)
		return;
	shown = *r;
	shown.size = e->size;
	if (r->dir != e->dir)
		report(dbg, PHYR_DMA_DEBUG_SYNC_DIR, &shown, e, (uint64_t)e->dir, (uint64_t)r->dir);
	if (to_cpu && e->dir != DIR_FROM_DEVICE && r->dir != DIR_TO_DEVICE)
		report(dbg, PHYR_DMA_DEBUG_SYNC_FOR_CPU_RO, &shown, e, (uint64_t)e->dir,
		       (uint64_t)r->dir);
	if (!to_cpu && e->dir != DIR_TO_DEVICE && r->dir != DIR_FROM_DEVICE)
		report(dbg, PHYR_DMA_DEBUG_SYNC_FOR_DEVICE_WO, &shown, e, (uint64_t)e->dir,
		       (uint64_t)r->dir);
	/* Linux's sg entry-count check of check_sync, after the direction tests */
	if (r->sg_call_ents && r->type == PHYR_DMA_DEBUG_SG && r->sg_call_ents != e->sg_call_ents)
		report(dbg, PHYR_DMA_DEBUG_SYNC_NENTS, r, e, (uint64_t)e->sg_call_ents,
		       (uint64_t)r->sg_call_ents);
}

int phyr_dma_debug_sync(struct phyr_dma_debug *dbg, const void *dev, uint64_t dma_addr,
			uint64_t size, int dir, bool to_cpu)
{
	struct ref r = { .dev = dev, .type = PHYR_DMA_DEBUG_SINGLE, .dev_addr = dma_addr,
			 .size = size, .dir = dir };
	struct entry *marked = NULL;
	bool refuse;

	if (!dbg || !valid_dir(dir))
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nsyncs++;
	check_sync(dbg, &r, to_cpu, &marked);
	refuse = strict_refuses(dbg);
	if (refuse && marked)
		marked->sync_map_err_reported = false;
	return end_call(dbg, refuse);
}

int phyr_dma_debug_sync_sg(struct phyr_dma_debug *dbg, const void *dev,
			   const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl, int nelems,
			   int dir, bool to_cpu)
{
	struct phyr_scatterlist *s = sgl;
	int mapped_ents = 0;
	bool refuse;

	if (!dbg || !L || !sgl || nelems <= 0 || !valid_dir(dir))
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	dbg->st.nsyncs++;
	for (int i = 0; i < nelems && s; i++, s = sg_next(L, s)) {
		struct ref r = {
			.dev = dev, .type = PHYR_DMA_DEBUG_SG, .paddr = sg_phys(L, s),
			.dev_addr = sg_dma_address(L, s), .size = sg_dma_len(L, s),
			.dir = dir, .sg_call_ents = nelems,
		};
		struct entry *marked = NULL;

		if (i == 0)
			mapped_ents = nr_mapped_entries(dbg, &r);
		if (i >= mapped_ents)
			break;
		check_sync(dbg, &r, to_cpu, &marked);
	}
	refuse = strict_refuses(dbg);
	return end_call(dbg, refuse);
}

/* ------------------------------------------------------------------ */
/* Teardown, queries                                                   */

int phyr_dma_debug_teardown(struct phyr_dma_debug *dbg, const void *dev, uint64_t *nleaked)
{
	struct entry *last = NULL;
	uint64_t count = 0;
	bool refuse = false;

	if (nleaked)
		*nleaked = 0;
	if (!dbg)
		return -EINVAL;
	begin_call(dbg);
	if (dbg->st.disabled)
		return end_call(dbg, false);
	for (unsigned i = 0; i < HASH_SIZE; i++)
		for (struct entry *e = dbg->hash[i].head; e; e = e->next)
			if (e->dev == dev) {
				count++;
				last = e;
			}
	if (count) {
		struct ref r = { .dev = dev, .dev_addr = last->dev_addr, .size = last->size,
				 .type = last->type, .dir = last->dir };

		report(dbg, PHYR_DMA_DEBUG_LEAK, &r, last, 0, count);
		for (unsigned i = 0; i < HASH_SIZE; i++) {
			struct entry *e = dbg->hash[i].head, *next;

			for (; e; e = next) {
				next = e->next;
				if (e->dev == dev)
					entry_drop(dbg, e);
			}
		}
		refuse = dbg->cfg.strict;
	}
	if (nleaked)
		*nleaked = count;
	return end_call(dbg, refuse);
}

uint64_t phyr_dma_debug_nentries(struct phyr_dma_debug *dbg, const void *dev)
{
	uint64_t n = 0;

	if (!dbg)
		return 0;
	pthread_mutex_lock(&dbg->lock);
	if (!dev) {
		n = dbg->st.nentries;
	} else {
		for (unsigned i = 0; i < HASH_SIZE; i++)
			for (struct entry *e = dbg->hash[i].head; e; e = e->next)
				n += e->dev == dev;
	}
	pthread_mutex_unlock(&dbg->lock);
	return n;
}

uint64_t phyr_dma_debug_nreports(struct phyr_dma_debug *dbg)
{
	uint64_t n;

	if (!dbg)
		return 0;
	pthread_mutex_lock(&dbg->lock);
	n = dbg->st.nreports;
	pthread_mutex_unlock(&dbg->lock);
	return n;
}

int phyr_dma_debug_get_report(struct phyr_dma_debug *dbg, size_t index,
			      struct phyr_dma_debug_report *out)
{
	int ret = 0;

	if (!dbg || !out)
		return -EINVAL;
	pthread_mutex_lock(&dbg->lock);
	if (index >= dbg->nkept)
		ret = -ENOENT;
	else
		*out = dbg->reports[index];
	pthread_mutex_unlock(&dbg->lock);
	return ret;
}

void phyr_dma_debug_clear_reports(struct phyr_dma_debug *dbg)
{
	if (!dbg)
		return;
	pthread_mutex_lock(&dbg->lock);
	dbg->nkept = 0;
	dbg->st.nreports = 0;
	memset(dbg->st.nreports_kind, 0, sizeof(dbg->st.nreports_kind));
	pthread_mutex_unlock(&dbg->lock);
}

void phyr_dma_debug_get_stats(struct phyr_dma_debug *dbg, struct phyr_dma_debug_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!dbg)
		return;
	pthread_mutex_lock(&dbg->lock);
	*out = dbg->st;
	pthread_mutex_unlock(&dbg->lock);
}

static const char *name_of(struct phyr_dma_debug *dbg, const void *dev, char *buf, size_t len)
{
	const char *n = NULL;

	if (dbg->cfg.dev_name)
		n = dbg->cfg.dev_name(dbg->cfg.dev_name_ctx, dev);
	if (n)
		return n;
	snprintf(buf, len, "dev@0x%" PRIxPTR, (uintptr_t)dev);
	return buf;
}

int phyr_dma_debug_format(struct phyr_dma_debug *dbg, const struct phyr_dma_debug_report *r,
			  char *buf, size_t len)
{
	char nbuf[64];
	const char *name;
	unsigned long long a, s;
	const char *mt, *ct, *md, *cd;

	if (!dbg || !r || (!buf && len) || (unsigned)r->kind >= PHYR_DMA_DEBUG_NKINDS)
		return -EINVAL;
	name = name_of(dbg, r->dev, nbuf, sizeof(nbuf));
	a = (unsigned long long)r->dma_addr;
	s = (unsigned long long)r->size;
	mt = phyr_dma_debug_type_name(r->map_type);
	ct = phyr_dma_debug_type_name(r->type);
	md = phyr_dma_debug_dir_name(r->map_dir);
	cd = phyr_dma_debug_dir_name(r->dir);

#define OUT(...) snprintf(buf, len, "DMA-API: %s: " __VA_ARGS__)
	switch (r->kind) {
	case PHYR_DMA_DEBUG_UNMAP_UNKNOWN:
		return OUT("device driver tries to free DMA memory it has not allocated "
			   "[device address=0x%016llx] [size=%llu bytes]", name, a, s);
	case PHYR_DMA_DEBUG_UNMAP_INVALID:
		return OUT("device driver tries to free an invalid DMA memory address", name);
	case PHYR_DMA_DEBUG_UNMAP_SIZE:
		return OUT("device driver frees DMA memory with different size "
			   "[device address=0x%016llx] [map size=%llu bytes] "
			   "[unmap size=%llu bytes]", name, a, (unsigned long long)r->expected,
			   (unsigned long long)r->got);
	case PHYR_DMA_DEBUG_UNMAP_TYPE:
		return OUT("device driver frees DMA memory with wrong function "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[mapped as %s] [unmapped as %s]", name, a, s, mt, ct);
	case PHYR_DMA_DEBUG_UNMAP_CPU_ADDR:
		/* %pa after a literal "0x" prints the prefix twice in Linux */
		return OUT("device driver frees DMA memory with different CPU address "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[cpu alloc address=0x0x%016llx] [cpu free address=0x0x%016llx]", name,
			   a, s, (unsigned long long)r->expected, (unsigned long long)r->got);
	case PHYR_DMA_DEBUG_UNMAP_NENTS:
		return OUT("device driver frees DMA sg list with different entry count "
			   "[map count=%d] [unmap count=%d]", name, (int)r->expected, (int)r->got);
	case PHYR_DMA_DEBUG_UNMAP_DIR:
		return OUT("device driver frees DMA memory with different direction "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[mapped with %s] [unmapped with %s]", name, a, s, md, cd);
	case PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED:
		return OUT("device driver failed to check map error"
			   "[device address=0x%016llx] [size=%llu bytes] [mapped as %s]", name, a,
			   s, mt);
	case PHYR_DMA_DEBUG_SYNC_UNKNOWN:
		return OUT("device driver tries to sync DMA memory it has not allocated "
			   "[device address=0x%016llx] [size=%llu bytes]", name, a, s);
	case PHYR_DMA_DEBUG_SYNC_RANGE:
		return OUT("device driver syncs DMA memory outside allocated range "
			   "[device address=0x%016llx] [allocation size=%llu bytes] "
			   "[sync offset+size=%llu]", name, a, (unsigned long long)r->expected,
			   (unsigned long long)r->got);
	case PHYR_DMA_DEBUG_SYNC_DIR:
		return OUT("device driver syncs DMA memory with different direction "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[mapped with %s] [synced with %s]", name, a, s, md, cd);
	case PHYR_DMA_DEBUG_SYNC_FOR_CPU_RO:
		return OUT("device driver syncs device read-only DMA memory for cpu "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[mapped with %s] [synced with %s]", name, a, s, md, cd);
	case PHYR_DMA_DEBUG_SYNC_FOR_DEVICE_WO:
		return OUT("device driver syncs device write-only DMA memory to device "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[mapped with %s] [synced with %s]", name, a, s, md, cd);
	case PHYR_DMA_DEBUG_SYNC_NENTS:
		return OUT("device driver syncs DMA sg list with different entry count "
			   "[map count=%d] [sync count=%d]", name, (int)r->expected, (int)r->got);
	case PHYR_DMA_DEBUG_SG_SEG_LENGTH:
		return OUT("mapping sg segment longer than device claims to support "
			   "[len=%u] [max=%u]", name, (unsigned)r->got, (unsigned)r->expected);
	case PHYR_DMA_DEBUG_SG_SEG_BOUNDARY:
		return OUT("mapping sg segment across boundary [start=0x%016llx] "
			   "[end=0x%016llx] [boundary=0x%016llx]", name, a,
			   (unsigned long long)r->got, (unsigned long long)r->expected);
	case PHYR_DMA_DEBUG_OVERLAP:
		return OUT("cacheline tracking EEXIST, overlapping mappings aren't supported",
			   name);
	case PHYR_DMA_DEBUG_LEAK:
		return OUT("device driver has pending DMA allocations while released from "
			   "device [count=%d]\nOne of leaked entries details: "
			   "[device address=0x%016llx] [size=%llu bytes] "
			   "[mapped with %s] [mapped as %s]", name, (int)r->got, a, s, md, mt);
	case PHYR_DMA_DEBUG_IOVA_RANGE:
		return OUT("two-step call outside its IOVA state [IOVA=0x%016llx] [state size=%llu "
			   "bytes] [call end=%llu bytes]",
			   name, a, s, (unsigned long long)r->got);
	case PHYR_DMA_DEBUG_NKINDS:
		break;
	}
#undef OUT
	return -EINVAL;
}

int phyr_dma_debug_dump(struct phyr_dma_debug *dbg, const void *dev, FILE *f)
{
	static const char *const maperr[] = {
		"dma map error check not applicable",
		"dma map error not checked",
		"dma map error checked",
	};
	int ret = 0;

	if (!dbg || !f)
		return -EINVAL;
	pthread_mutex_lock(&dbg->lock);
	for (unsigned i = 0; i < HASH_SIZE && !ret; i++) {
		for (struct entry *e = dbg->hash[i].head; e; e = e->next) {
			char nbuf[64];

			if (dev && e->dev != dev)
				continue;
			if (fprintf(f, "%s %s idx %u P=0x%016llx D=%llx L=%llx cln=0x%016llx %s %s\n",
				    name_of(dbg, e->dev, nbuf, sizeof(nbuf)), type_names[e->type], i,
				    (unsigned long long)e->paddr, (unsigned long long)e->dev_addr,
				    (unsigned long long)e->size,
				    (unsigned long long)cln_of(e->paddr), dir_names[e->dir],
				    maperr[e->map_err]) < 0) {
				ret = -EIO;
				break;
			}
		}
	}
	pthread_mutex_unlock(&dbg->lock);
	return ret;
}
