// SPDX-License-Identifier: MIT
/*
 * The "buddy" IOVA policy: a binary buddy allocator over the IOVA space,
 * the alternative suggested in the dma_opt_mapping_size thread (2022).
 * Not Linux's placement; its own, documented here:
 *
 * - The space is [start_pfn, 2^(64 - granule shift)) (the pfns reserve
 *   accepts), cut at init into maximal naturally aligned power-of-two
 *   blocks, one free list (a libbsd red-black tree keyed by pfn) per order.
 * - alloc(size, limit): every request takes a whole block of
 *   2^order_base_2(size) pfns, naturally aligned whether or not the caller
 *   asked for alignment. Best fit by order: the smallest order that has a
 *   free block whose lowest sub-block ends at or below the limit; within
 *   that order the highest such block; within the block the highest
 *   aligned sub-block at or below the limit (top-down, like Linux). The
 *   block is split down, the halves not taken going to their free lists.
 * - free: the block goes back and merges with its buddy while the buddy is
 *   free (a block never merges across start_pfn or the top).
 * - reserve(lo, hi): the free parts of [lo, hi] are cut out of their blocks
 *   (the rest of those blocks is returned as aligned blocks) and recorded
 *   as reserved ranges between the live ranges already there; the range
 *   returned is the one covering hi. Freeing a reserved range gives its
 *   pfns back as aligned blocks.
 * A live range is reported as its whole block ([pfn, pfn + 2^order - 1]),
 * so `stat` shows the internal fragmentation.
 */
#include <stdint.h>

#include "alloc.h"
#include "log2.h"
#include "phyr/iova.h"

#include <bsd/sys/tree.h>

#define NORDERS 64
#define POOL_MIN 300 /* spare nodes kept so no operation fails half-way */

struct bnode {
	RB_ENTRY(bnode) link;
	uint64_t lo;
	uint64_t hi;
};

RB_HEAD(btree, bnode);

static inline int bnode_cmp(const struct bnode *a, const struct bnode *b)
{
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

RB_GENERATE_INTERNAL(btree, bnode, link, bnode_cmp, static __attribute__((unused)))

struct buddy {
	struct btree free_[NORDERS]; /* free blocks of each order */
	struct btree used;           /* live and reserved ranges */
	struct bnode *pool;          /* spare nodes, linked through link.rbe_left */
	unsigned int npool;
	uint64_t start;
	uint64_t top; /* exclusive */
	unsigned int shift;
	const struct phyr_allocator *a;
	struct phyr_iova_stats *st;
};

/* ---- node pool ---- */

static struct bnode *pool_get(struct buddy *b);

/* Makes sure @n spare nodes are at hand; on failure gives back what it took. */
static int pool_fill(struct buddy *b, unsigned int n)
{
	unsigned int had = b->npool;

	while (b->npool < n) {
		struct bnode *x = alloc_mem(b->a, sizeof(*x));

		if (!x) {
			b->st->nnomem++;
			while (b->npool > had)
				alloc_free(b->a, pool_get(b), sizeof(*x));
			return -ENOMEM;
		}
		RB_LEFT(x, link) = b->pool;
		b->pool = x;
		b->npool++;
	}
	return 0;
}

static struct bnode *pool_get(struct buddy *b)
{
	struct bnode *x = b->pool;

	PHYR_ASSERT(x);
	b->pool = RB_LEFT(x, link);
	b->npool--;
	return x;
}

static void pool_put(struct buddy *b, struct bnode *x)
{
	RB_LEFT(x, link) = b->pool;
	b->pool = x;
	b->npool++;
}

/* ---- blocks ---- */

static unsigned int ctz_or(uint64_t x)
{
	return x ? (unsigned int)__builtin_ctzll(x) : 63;
}

static unsigned int floor_log2(uint64_t x)
{
	return 63 - (unsigned int)__builtin_clzll(x);
}

static void block_insert(struct buddy *b, uint64_t lo, unsigned int order)
{
	struct bnode *x = pool_get(b);

	x->lo = lo;
	x->hi = lo + (UINT64_C(1) << order) - 1;
	btree_RB_INSERT(&b->free_[order], x);
}

/* Frees one aligned block, merging with free buddies. */
static void block_free_merge(struct buddy *b, uint64_t lo, unsigned int order)
{
	while (order + 1 < NORDERS) {
		struct bnode key = { .lo = lo ^ (UINT64_C(1) << order) }, *bud;

		bud = btree_RB_FIND(&b->free_[order], &key);
		if (!bud)
			break;
		btree_RB_REMOVE(&b->free_[order], bud);
		pool_put(b, bud);
		lo &= ~(UINT64_C(1) << order);
		order++;
	}
	block_insert(b, lo, order);
}

/* Number of aligned blocks [lo, hi] decomposes into. */
static unsigned int range_blocks(uint64_t lo, uint64_t hi)
{
	unsigned int n = 0;

	while (lo <= hi) {
		unsigned int o = ctz_or(lo), m = floor_log2(hi - lo + 1 == 0 ? UINT64_MAX : hi - lo + 1);

		if (m < o)
			o = m;
		n++;
		if (lo + (UINT64_C(1) << o) - 1 == hi)
			break;
		lo += UINT64_C(1) << o;
	}
	return n;
}

/* Gives [lo, hi] back as aligned blocks; @merge: coalesce with free buddies. */
static void range_free(struct buddy *b, uint64_t lo, uint64_t hi, bool merge)
{
	while (lo <= hi) {
		unsigned int o = ctz_or(lo), m = floor_log2(hi - lo + 1 == 0 ? UINT64_MAX : hi - lo + 1);

		if (m < o)
			o = m;
		if (merge)
			block_free_merge(b, lo, o);
		else
			block_insert(b, lo, o);
		if (lo + (UINT64_C(1) << o) - 1 == hi)
			break;
		lo += UINT64_C(1) << o;
	}
}

/* The highest free block of @order starting at or below @max_lo. */
static struct bnode *highest_at_most(struct buddy *b, unsigned int order, uint64_t max_lo, uint64_t *visited)
{
	struct bnode *x = RB_ROOT(&b->free_[order]), *best = NULL;

	while (x) {
		(*visited)++;
		if (x->lo <= max_lo) {
			best = x;
			x = RB_RIGHT(x, link);
		} else {
			x = RB_LEFT(x, link);
		}
	}
	return best;
}

/* The live range holding @pfn, or NULL. */
static struct bnode *used_lookup(struct buddy *b, uint64_t pfn)
{
	struct bnode *x = RB_ROOT(&b->used), *best = NULL;

	while (x) {
		if (x->lo <= pfn) {
			best = x;
			x = RB_RIGHT(x, link);
		} else {
			x = RB_LEFT(x, link);
		}
	}
	return best && pfn <= best->hi ? best : NULL;
}

static void used_insert(struct buddy *b, uint64_t lo, uint64_t hi)
{
	struct bnode *x = pool_get(b);

	x->lo = lo;
	x->hi = hi;
	btree_RB_INSERT(&b->used, x);
	b->st->nnodes++;
	b->st->npages += hi - lo + 1;
}

/* ---- ops ---- */

static void buddy_finish(void *priv);

static int buddy_init(void *priv, const struct phyr_iova_policy_env *env)
{
	struct buddy *b = priv;

	b->a = env->alloc;
	b->st = env->stats;
	b->shift = env->granule_shift;
	b->start = env->start_pfn;
	b->top = b->shift ? UINT64_C(1) << (64 - b->shift) : UINT64_C(1) << 63;
	for (int i = 0; i < NORDERS; i++)
		RB_INIT(&b->free_[i]);
	RB_INIT(&b->used);
	if (b->start >= b->top)
		return -EINVAL;
	if (pool_fill(b, range_blocks(b->start, b->top - 1) + POOL_MIN)) {
		buddy_finish(b);
		return -ENOMEM;
	}
	range_free(b, b->start, b->top - 1, false);
	return 0;
}

static void free_tree(struct buddy *b, struct bnode *x)
{
	while (x) {
		struct bnode *l = RB_LEFT(x, link);

		free_tree(b, RB_RIGHT(x, link));
		alloc_free(b->a, x, sizeof(*x));
		x = l;
	}
}

static void buddy_finish(void *priv)
{
	struct buddy *b = priv;

	for (int i = 0; i < NORDERS; i++) {
		free_tree(b, RB_ROOT(&b->free_[i]));
		RB_INIT(&b->free_[i]);
	}
	free_tree(b, RB_ROOT(&b->used));
	RB_INIT(&b->used);
	while (b->pool)
		alloc_free(b->a, pool_get(b), sizeof(struct bnode));
}

static int buddy_alloc(void *priv, uint64_t size, uint64_t limit_pfn, bool aligned, uint64_t *pfn)
{
	struct buddy *b = priv;
	unsigned int o = order_base_2(size), j;
	uint64_t need, end, visited = 0, t;
	struct bnode *blk = NULL;

	(void)aligned;
	if (pool_fill(b, POOL_MIN))
		return -ENOMEM;
	b->st->nallocs++;
	end = limit_pfn >= b->top - 1 ? b->top : limit_pfn + 1; /* exclusive */
	if (o >= NORDERS - 1 || end < (UINT64_C(1) << o))
		goto fail;
	need = UINT64_C(1) << o;
	for (j = o; j < NORDERS && !blk; j++)
		blk = highest_at_most(b, j, end - need, &visited);
	b->st->nnodes_visited += visited;
	if (!blk)
		goto fail;
	j--;
	/* the highest aligned sub-block ending at or below the limit */
	t = ((blk->hi + 1 < end ? blk->hi + 1 : end) - need) & ~(need - 1);
	{
		uint64_t lo = blk->lo;

		btree_RB_REMOVE(&b->free_[j], blk);
		pool_put(b, blk);

		while (j > o) {
			uint64_t half = UINT64_C(1) << --j;

			if (t >= lo + half) {
				block_insert(b, lo, j);
				lo += half;
			} else {
				block_insert(b, lo + half, j);
			}
		}
		PHYR_ASSERT(lo == t);
	}
	used_insert(b, t, t + need - 1);
	*pfn = t;
	return 0;
fail:
	b->st->nalloc_fails++;
	return -ENOSPC;
}

static void used_release(struct buddy *b, struct bnode *x)
{
	uint64_t lo = x->lo, hi = x->hi;

	btree_RB_REMOVE(&b->used, x);
	pool_put(b, x);
	b->st->nnodes--;
	b->st->npages -= hi - lo + 1;
	b->st->nfrees++;
	/* parts outside the managed space (reservations) are simply dropped */
	if (lo < b->start)
		lo = b->start;
	if (hi > b->top - 1)
		hi = b->top - 1;
	if (lo <= hi)
		range_free(b, lo, hi, true);
}

static int buddy_remove(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	struct buddy *b = priv;
	struct bnode *x = used_lookup(b, pfn);

	if (!x)
		return -ENOENT;
	if (pool_fill(b, range_blocks(x->lo, x->hi) + POOL_MIN))
		return -ENOMEM;
	*lo = x->lo;
	*hi = x->hi;
	used_release(b, x);
	return 0;
}

static int buddy_find(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	struct bnode *x = used_lookup(priv, pfn);

	if (!x)
		return -ENOENT;
	*lo = x->lo;
	*hi = x->hi;
	return 0;
}

/* Cuts the free pfns of [lo, hi] out of their blocks (they become unlisted). */
static void carve(struct buddy *b, uint64_t lo, uint64_t hi)
{
	for (unsigned int j = 0; j < NORDERS; j++) {
		for (;;) {
			uint64_t visited = 0;
			struct bnode *x = highest_at_most(b, j, hi, &visited);
			uint64_t xlo, xhi;

			if (!x || x->hi < lo)
				break;
			xlo = x->lo;
			xhi = x->hi;
			btree_RB_REMOVE(&b->free_[j], x);
			pool_put(b, x);
			if (xlo < lo)
				range_free(b, xlo, lo - 1, false);
			if (xhi > hi)
				range_free(b, hi + 1, xhi, false);
		}
	}
}

static int buddy_reserve(void *priv, uint64_t lo, uint64_t hi, uint64_t *rlo, uint64_t *rhi)
{
	struct buddy *b = priv;
	struct bnode *x = used_lookup(b, hi), *y;
	unsigned int ngaps = 0;
	uint64_t at;

	if ((lo | hi) > (UINT64_MAX >> b->shift) || lo > hi)
		return -EINVAL;
	if (x && x->lo <= lo) {
		*rlo = x->lo;
		*rhi = x->hi;
		b->st->nreserves++;
		return 0;
	}
	/* count the gaps between live ranges inside [lo, hi] */
	for (at = lo, y = used_lookup(b, lo);;) {
		struct bnode key = { .lo = at };

		if (!y)
			y = btree_RB_NFIND(&b->used, &key);
		if (!y || y->lo > hi) {
			ngaps++;
			break;
		}
		if (y->lo > at)
			ngaps++;
		if (y->hi >= hi)
			break;
		at = y->hi + 1;
		y = btree_RB_NEXT(y);
	}
	if (pool_fill(b, ngaps + 4 * NORDERS + POOL_MIN))
		return -ENOMEM;
	carve(b, lo, hi);
	for (at = lo, y = used_lookup(b, lo);;) {
		struct bnode key = { .lo = at };

		if (!y)
			y = btree_RB_NFIND(&b->used, &key);
		if (!y || y->lo > hi) {
			used_insert(b, at, hi);
			*rlo = at;
			*rhi = hi;
			break;
		}
		if (y->lo > at)
			used_insert(b, at, y->lo - 1);
		if (y->hi >= hi) {
			*rlo = y->lo;
			*rhi = y->hi;
			break;
		}
		at = y->hi + 1;
		y = btree_RB_NEXT(y);
	}
	b->st->nreserves++;
	return 0;
}

static int buddy_walk(void *priv, int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
	struct buddy *b = priv;
	struct bnode *x;
	int ret;

	RB_FOREACH(x, btree, &b->used) {
		ret = cb(ctx, x->lo, x->hi);
		if (ret)
			return ret;
	}
	return 0;
}

static int buddy_check(void *priv)
{
	struct buddy *b = priv;
	struct bnode *x, *prev = NULL;
	uint64_t free_pages = 0, used_in = 0;

	for (unsigned int j = 0; j < NORDERS; j++) {
		RB_FOREACH(x, btree, &b->free_[j]) {
			if (x->lo & ((UINT64_C(1) << j) - 1) || x->hi != x->lo + (UINT64_C(1) << j) - 1)
				return -EFAULT;
			if (x->lo < b->start || x->hi >= b->top || used_lookup(b, x->lo) || used_lookup(b, x->hi))
				return -EFAULT;
			free_pages += UINT64_C(1) << j;
		}
	}
	RB_FOREACH(x, btree, &b->used) {
		uint64_t lo = x->lo < b->start ? b->start : x->lo, hi = x->hi >= b->top ? b->top - 1 : x->hi;

		if (prev && prev->hi >= x->lo)
			return -EFAULT;
		if (lo <= hi)
			used_in += hi - lo + 1;
		prev = x;
	}
	/* every pfn of the space is either free or in a live range */
	return free_pages + used_in == b->top - b->start ? 0 : -EFAULT;
}

static const struct phyr_iova_policy_ops buddy_ops = {
	.name = "buddy",
	.priv_size = sizeof(struct buddy),
	.init = buddy_init,
	.finish = buddy_finish,
	.alloc = buddy_alloc,
	.remove = buddy_remove,
	.find = buddy_find,
	.reserve = buddy_reserve,
	.walk = buddy_walk,
	.check = buddy_check,
};

const struct phyr_iova_policy_ops *phyr_iova_policy_buddy(void)
{
	return &buddy_ops;
}
