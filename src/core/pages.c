// SPDX-License-Identifier: MIT
/*
 * Physical page patterns from a seeded buddy-allocator model; see
 * include/phyr/pages.h for the model. Allocation order follows Linux's
 * mm/page_alloc.c (v6.17): __rmqueue_smallest takes the lowest order with
 * a free block, expand() keeps the lower half and puts each upper half at
 * the head of its free list, so the next allocations take those halves in
 * ascending address order.
 */
#include "phyr/pages.h"

#include "alloc.h"

#define MAX_ORDER 10
#define ARENA_SHIFT 18 /* 1 GiB of 4 KiB pages */
#define ARENA_PAGES (UINT64_C(1) << ARENA_SHIFT)
#define LOW_RESERVED_PFN UINT64_C(0x1000) /* the first 16 MiB stay with firmware and kernel */
#define THP_ORDER 9

struct phyr_pages {
	const struct phyr_allocator *a;
	struct phyr_pages_opts o;
	uint32_t frag; /* permille */
	uint64_t frag_thr; /* thr32(frag) */
	uint64_t left; /* pages still to hand out; UINT64_MAX = unlimited */
	struct phyr_pages_stats st;

	/* arena sequence: 4, 5, ... (then 0, 1, 2 when memory is bounded) */
	uint64_t nhigh;   /* arenas above 4 GiB; UINT64_MAX = unbounded */
	uint64_t nextarena; /* position in the sequence */
	bool have_arena;
	uint64_t arena_base;

	/* buddy free lists of the current arena: stacks, top = list head */
	uint32_t *fl[MAX_ORDER + 1];
	uint64_t nfl[MAX_ORDER + 1];
	size_t fl_bytes;

	/* remainder of the block being handed out */
	uint64_t pend_pfn, pend_n;
	uint64_t fallback_left; /* THP: order-0 pages still owed to a folio */

	/* SCATTERED: position in the arena's permutation */
	uint64_t sc_i, sc_mul, sc_add;

	/* BAR */
	uint64_t bar_cursor, bar_end;

	uint64_t rng;
};

static const uint32_t frag_defaults[PHYR_PAGES_NPATTERNS] = { 20, 600, 100, 200, 1000, 300 };
static const char *const pattern_names[PHYR_PAGES_NPATTERNS] = {
	"fresh", "fragmented", "thp", "hugetlb", "scattered", "bar",
};

const char *phyr_pages_pattern_name(enum phyr_pages_pattern p)
{
	return (unsigned)p < PHYR_PAGES_NPATTERNS ? pattern_names[p] : NULL;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint64_t rnd(struct phyr_pages *g)
{
	return mix64(g->rng += UINT64_C(0x9E3779B97F4A7C15));
}

/* Threshold of a 32-bit random number that hits with permille / 1000. */
static uint64_t thr32(uint32_t permille)
{
	return ((uint64_t)permille << 32) / 1000;
}

/* True with probability permille / 1000. */
static bool chance(struct phyr_pages *g, uint32_t permille)
{
	return (rnd(g) >> 32) < thr32(permille);
}

static void reseed(struct phyr_pages *g, uint64_t salt)
{
	g->rng = mix64(g->o.seed ^ mix64(salt + UINT64_C(0x5851F42D4C957F2D)));
}

int phyr_pages_create(const struct phyr_pages_opts *opts, const struct phyr_allocator *alloc,
		      struct phyr_pages **out)
{
	const struct phyr_allocator *a = alloc_or_default(alloc);
	struct phyr_pages *g;
	uint32_t frag;

	if (!opts || !out || (unsigned)opts->pattern >= PHYR_PAGES_NPATTERNS)
		return -EINVAL;
	frag = opts->frag_permille == PHYR_PAGES_FRAG_DEFAULT ? frag_defaults[opts->pattern]
							      : opts->frag_permille;
	if (frag > 1000 || (opts->bar_base & (ARENA_PAGES * PHYR_PAGE_SIZE - 1)) ||
	    (opts->bar_size & (PHYR_PAGE_SIZE - 1)))
		return -EINVAL;
	g = alloc_zeroed(a, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->a = a;
	g->o = *opts;
	g->frag = frag;
	g->frag_thr = thr32(frag);
	g->left = opts->bytes ? (opts->bytes + PHYR_PAGE_SIZE - 1) >> PHYR_PAGE_SHIFT : UINT64_MAX;
	g->nhigh = opts->mem_bytes ? (opts->mem_bytes + (ARENA_PAGES << PHYR_PAGE_SHIFT) - 1) >>
					     (ARENA_SHIFT + PHYR_PAGE_SHIFT)
				   : UINT64_MAX;
	if (opts->pattern == PHYR_PAGES_FRESH || opts->pattern == PHYR_PAGES_FRAGMENTED ||
	    opts->pattern == PHYR_PAGES_THP) {
		uint32_t *mem;
		size_t total = 0;

		for (int o = 0; o <= MAX_ORDER; o++)
			total += (size_t)(ARENA_PAGES >> o);
		g->fl_bytes = total * sizeof(uint32_t);
		mem = alloc_mem(a, g->fl_bytes);
		if (!mem) {
			alloc_free(a, g, sizeof(*g));
			return -ENOMEM;
		}
		for (int o = 0; o <= MAX_ORDER; o++) {
			g->fl[o] = mem;
			mem += ARENA_PAGES >> o;
		}
	}
	if (opts->pattern == PHYR_PAGES_BAR) {
		uint64_t size = opts->bar_size;

		if (!size) {
			size = UINT64_C(32) << 30;
			if (opts->bytes && opts->bytes <= UINT64_MAX / 4 && opts->bytes * 2 > size)
				size = (opts->bytes * 2 + PHYR_PAGE_SIZE - 1) & ~(PHYR_PAGE_SIZE - 1);
		}
		g->bar_cursor = (opts->bar_base ? opts->bar_base : PHYR_PAGES_BAR_BASE_DEFAULT) >>
				PHYR_PAGE_SHIFT;
		g->bar_end = g->bar_cursor + (size >> PHYR_PAGE_SHIFT);
		reseed(g, UINT64_C(0xBA5));
	}
	*out = g;
	return 0;
}

void phyr_pages_destroy(struct phyr_pages *g)
{
	if (!g)
		return;
	if (g->fl[0])
		alloc_free(g->a, g->fl[0], g->fl_bytes);
	alloc_free(g->a, g, sizeof(*g));
}

/* The n-th arena of the allocation order; false when memory is exhausted. */
static bool arena_index(const struct phyr_pages *g, uint64_t n, uint64_t *idx)
{
	if (g->nhigh == UINT64_MAX || n < g->nhigh) {
		*idx = 4 + n;
		return true;
	}
	n -= g->nhigh;
	if (n < 3) {
		*idx = n;
		return true;
	}
	return false;
}

static void push(struct phyr_pages *g, uint64_t pfn, int order)
{
	g->fl[order][g->nfl[order]++] = (uint32_t)(pfn - g->arena_base);
}

/*
 * The state churn left a buddy node in (free memory ends up near
 * (1 - frag) + frag / 2 of the arena; frag sets how small the pieces are): returns true if the node is wholly
 * free (the caller pushes or merges it), false if it is occupied or split
 * (its free parts already pushed).
 */
static bool churn_node(struct phyr_pages *g, uint64_t pfn, int order, bool broken)
{
	bool lo, hi;
	uint64_t half;

	/* a node is split further with probability frag (high half of one
	 * random word); otherwise it is a leaf of the churn, occupied or
	 * free with even odds (its low bit) */
	if (!broken) {
		uint64_t r = rnd(g);

		if (order == 0 || (r >> 32) >= g->frag_thr)
			return r & 1;
	}
	half = UINT64_C(1) << (order - 1);
	lo = churn_node(g, pfn, order - 1, false);
	hi = churn_node(g, pfn + half, order - 1, false);
	if (lo && hi)
		return true; /* buddies coalesce */
	if (lo)
		push(g, pfn, order - 1);
	if (hi)
		push(g, pfn + half, order - 1);
	return false;
}

static int load_arena(struct phyr_pages *g)
{
	uint64_t idx;

	if (!arena_index(g, g->nextarena, &idx))
		return -ENOSPC;
	g->nextarena++;
	g->st.narenas++;
	g->have_arena = true;
	g->arena_base = idx << ARENA_SHIFT;
	reseed(g, idx);
	if (g->o.pattern == PHYR_PAGES_SCATTERED) {
		uint64_t n = ARENA_PAGES;

		g->sc_i = 0;
		g->sc_mul = (n / 4 + rnd(g) % (n / 2)) | 1;
		g->sc_add = 1 + rnd(g) % (n - 1);
		return 0;
	}
	memset(g->nfl, 0, sizeof(g->nfl));
	for (uint64_t b = 0; b < ARENA_PAGES >> MAX_ORDER; b++) {
		uint64_t pfn = g->arena_base + (b << MAX_ORDER);

		if (pfn < LOW_RESERVED_PFN)
			continue;
		if (!chance(g, g->frag) || churn_node(g, pfn, MAX_ORDER, true))
			push(g, pfn, MAX_ORDER);
	}
	for (int o = 0; o <= MAX_ORDER; o++) {
		uint32_t *l = g->fl[o];
		uint64_t n = g->nfl[o];

		if (g->o.pattern == PHYR_PAGES_FRESH) {
			/* boot frees ascending to the tail: the head is lowest */
			for (uint64_t i = 0; i < n / 2; i++) {
				uint32_t t = l[i];

				l[i] = l[n - 1 - i];
				l[n - 1 - i] = t;
			}
		} else {
			for (uint64_t i = n; i > 1; i--) {
				uint64_t j = rnd(g) % i;
				uint32_t t = l[i - 1];

				l[i - 1] = l[j];
				l[j] = t;
			}
		}
	}
	return 0;
}

/* Pops the smallest free block of order >= @min; false if none. */
static bool pop_block(struct phyr_pages *g, int min, uint64_t *pfn, int *order)
{
	for (int o = min; o <= MAX_ORDER; o++) {
		if (g->nfl[o]) {
			*pfn = g->arena_base + g->fl[o][--g->nfl[o]];
			*order = o;
			g->st.nblocks[o]++;
			return true;
		}
	}
	return false;
}

static bool arena_empty(const struct phyr_pages *g)
{
	for (int o = 0; o <= MAX_ORDER; o++)
		if (g->nfl[o])
			return false;
	return true;
}

/* Next block of the buddy patterns into pend_pfn/pend_n. */
static int buddy_refill(struct phyr_pages *g)
{
	uint64_t pfn;
	int order, ret;

	for (;;) {
		if (g->have_arena && arena_empty(g))
			g->have_arena = false;
		if (g->have_arena) {
			if (g->o.pattern == PHYR_PAGES_THP && g->fallback_left == 0) {
				if (pop_block(g, THP_ORDER, &pfn, &order))
					goto got;
				g->fallback_left = UINT64_C(1) << THP_ORDER;
			}
			if (pop_block(g, 0, &pfn, &order)) {
				if (g->o.pattern == PHYR_PAGES_THP) {
					uint64_t n = UINT64_C(1) << order;

					/* a fall-back folio takes only the pages it still
					 * needs; the rest of the block goes back to the
					 * free lists as aligned buddies */
					if (n > g->fallback_left) {
						uint64_t keep = g->fallback_left;

						for (uint64_t p = pfn + keep; p < pfn + n;) {
							int o = __builtin_ctzll(p - g->arena_base) < order
									? __builtin_ctzll(p - g->arena_base)
									: order;

							while (p + (UINT64_C(1) << o) > pfn + n)
								o--;
							push(g, p, o);
							p += UINT64_C(1) << o;
						}
						n = keep;
					}
					g->fallback_left -= n;
					g->st.nfallback_pages += n;
					g->pend_pfn = pfn;
					g->pend_n = n;
					return 0;
				}
				goto got;
			}
		}
		ret = load_arena(g);
		if (ret)
			return ret;
	}
got:
	g->pend_pfn = pfn;
	g->pend_n = UINT64_C(1) << order;
	return 0;
}

static int hugetlb_refill(struct phyr_pages *g)
{
	uint64_t idx;

	for (;;) {
		if (!arena_index(g, g->nextarena, &idx) || idx < 4)
			return -ENOSPC; /* no 1 GiB window below 4 GiB is whole */
		g->nextarena++;
		reseed(g, idx);
		if (chance(g, g->frag))
			continue; /* this window was not free at boot */
		g->st.narenas++;
		g->pend_pfn = idx << ARENA_SHIFT;
		g->pend_n = ARENA_PAGES;
		return 0;
	}
}

static int scattered_refill(struct phyr_pages *g)
{
	int ret;

	for (;;) {
		if (g->have_arena && g->sc_i < ARENA_PAGES) {
			uint64_t pfn = g->arena_base +
				       ((g->sc_i++ * g->sc_mul + g->sc_add) & (ARENA_PAGES - 1));

			if (pfn < LOW_RESERVED_PFN)
				continue;
			g->pend_pfn = pfn;
			g->pend_n = 1;
			return 0;
		}
		ret = load_arena(g);
		if (ret)
			return ret;
	}
}

static int bar_refill(struct phyr_pages *g)
{
	static const uint64_t sizes[] = { 16, 64, 256, 512, 512, 512 }; /* pages */
	uint64_t n = sizes[rnd(g) % 6];
	uint64_t at = (g->bar_cursor + n - 1) & ~(n - 1);

	if (chance(g, g->frag))
		at += n * (1 + rnd(g) % 3);
	if (at + n > g->bar_end)
		return -ENOSPC;
	g->bar_cursor = at + n;
	g->pend_pfn = at;
	g->pend_n = n;
	return 0;
}

int phyr_pages_next(struct phyr_pages *g, uint64_t max_pages, struct phyr_pages_run *run)
{
	uint64_t n;
	int ret = 0;

	if (!g || !run)
		return -EINVAL;
	if (g->left == 0)
		return 0;
	if (g->pend_n == 0) {
		switch (g->o.pattern) {
		case PHYR_PAGES_HUGETLB:
			ret = hugetlb_refill(g);
			break;
		case PHYR_PAGES_SCATTERED:
			ret = scattered_refill(g);
			break;
		case PHYR_PAGES_BAR:
			ret = bar_refill(g);
			break;
		default:
			ret = buddy_refill(g);
			break;
		}
		if (ret)
			return ret;
	}
	n = g->pend_n;
	if (n > g->left)
		n = g->left;
	if (max_pages && n > max_pages)
		n = max_pages;
	run->pfn = g->pend_pfn;
	run->npages = n;
	g->pend_pfn += n;
	g->pend_n -= n;
	if (g->left != UINT64_MAX)
		g->left -= n;
	g->st.npages += n;
	return 1;
}

int phyr_pages_fill(struct phyr_pages *g, uint64_t *pfns, size_t max, size_t *n)
{
	struct phyr_pages_run r;
	size_t got = 0;
	int ret = 0;

	if (!g || !n || (max && !pfns))
		return -EINVAL;
	while (got < max) {
		ret = phyr_pages_next(g, max - got, &r);
		if (ret <= 0)
			break;
		for (uint64_t i = 0; i < r.npages; i++)
			pfns[got++] = r.pfn + i;
		ret = 0;
	}
	*n = got;
	return ret < 0 ? ret : 0;
}

void phyr_pages_get_stats(const struct phyr_pages *g, struct phyr_pages_stats *out)
{
	if (!out)
		return;
	if (!g)
		memset(out, 0, sizeof(*out));
	else
		*out = g->st;
}
