/* SPDX-License-Identifier: MIT */
/*
 * The red-black range tree behind the "linux" and "augmented" IOVA
 * policies, written once and compiled twice: iova-linux.c includes it with
 * TREE_AUGMENTED 0, iova-aug.c with 1.
 *
 * Both policies keep Linux's state exactly: the tree of disjoint inclusive
 * ranges keyed by pfn_lo with an anchor node at ~0, cached_node and
 * cached32_node (search hints), max32_alloc_size. They differ only in how
 * an allocation finds its stopping node: linux walks predecessors one by
 * one as iova.c does; augmented keeps, per node, the free gap below it and
 * the largest gap in its subtree, and jumps straight to the next node
 * whose gap can hold the request. Both stop at the same node, so the pfns
 * and every hint update are identical.
 *
 * The includer defines TREE_AUGMENTED and TREE_OPS_NAME, and must not
 * include <bsd/sys/tree.h> itself.
 */
#ifndef PHYR_SRC_IOVA_TREE_H
#define PHYR_SRC_IOVA_TREE_H

#include <stdint.h>

#include "alloc.h"
#include "phyr/iova.h"

struct tnode;
#if TREE_AUGMENTED
static void tnode_augment(struct tnode *n);
#define RB_AUGMENT(x) tnode_augment(x)
#endif

#include <bsd/sys/tree.h>

#define ANCHOR_PFN UINT64_MAX

struct tnode {
	RB_ENTRY(tnode) link;
	uint64_t lo;
	uint64_t hi;
#if TREE_AUGMENTED
	uint64_t gap;     /* free pfns between the predecessor and lo; UINT64_MAX for the lowest */
	uint64_t max_gap; /* largest gap in this subtree */
#endif
};

RB_HEAD(ttree, tnode);

static inline int tnode_cmp(const struct tnode *a, const struct tnode *b)
{
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

RB_GENERATE_INTERNAL(ttree, tnode, link, tnode_cmp, static __attribute__((unused)))

struct tree {
	struct ttree root;
	struct tnode anchor;
	struct tnode *cached;   /* hint for limits above dma_32bit_pfn */
	struct tnode *cached32; /* hint for limits at or below dma_32bit_pfn */
	uint64_t start_pfn;
	uint64_t dma32;
	uint64_t max32;
	unsigned int shift;
	const struct phyr_allocator *a;
	struct phyr_iova_stats *st;
};

#define T_LEFT(n) RB_LEFT(n, link)
#define T_RIGHT(n) RB_RIGHT(n, link)
#define T_PARENT(n) RB_PARENT(n, link)

/* In-order neighbours, inlined: the Linux walk spends its time here. */
static inline struct tnode *tnode_prev(struct tnode *n)
{
	struct tnode *p;

	if (T_LEFT(n)) {
		n = T_LEFT(n);
		while (T_RIGHT(n))
			n = T_RIGHT(n);
		return n;
	}
	while ((p = T_PARENT(n)) && n == T_LEFT(p))
		n = p;
	return p;
}

static inline struct tnode *tnode_next(struct tnode *n)
{
	struct tnode *p;

	if (T_RIGHT(n)) {
		n = T_RIGHT(n);
		while (T_LEFT(n))
			n = T_LEFT(n);
		return n;
	}
	while ((p = T_PARENT(n)) && n == T_RIGHT(p))
		n = p;
	return p;
}

#if TREE_AUGMENTED
static inline uint64_t tnode_max(const struct tnode *n)
{
	return n ? n->max_gap : 0;
}

static void tnode_augment(struct tnode *n)
{
	uint64_t m = n->gap, l = tnode_max(T_LEFT(n)), r = tnode_max(T_RIGHT(n));

	if (l > m)
		m = l;
	if (r > m)
		m = r;
	n->max_gap = m;
}

/* libbsd augments only the immediate parent: finish the path to the root. */
static void tnode_augment_up(struct tnode *n)
{
	for (; n; n = T_PARENT(n))
		tnode_augment(n);
}

/* The same, stopping where a value does not change (valid for one change at a time). */
static void tnode_augment_up_changed(struct tnode *n)
{
	for (; n; n = T_PARENT(n)) {
		uint64_t old = n->max_gap;

		tnode_augment(n);
		if (n->max_gap == old)
			break;
	}
}

static inline uint64_t gap_between(const struct tnode *pred, const struct tnode *n)
{
	return pred ? n->lo - pred->hi - 1 : UINT64_MAX;
}
#endif

/* Links @n (not yet in the tree) just before @succ in order, then rebalances. */
static void tree_insert_before(struct tree *t, struct tnode *succ, struct tnode *n)
{
	struct tnode *parent = succ;
	bool left = true;

	if (T_LEFT(succ)) {
		parent = T_LEFT(succ);
		while (T_RIGHT(parent))
			parent = T_RIGHT(parent);
		left = false;
	}
	T_PARENT(n) = parent;
	T_LEFT(n) = T_RIGHT(n) = NULL;
	RB_COLOR(n, link) = RB_RED;
	if (left)
		T_LEFT(parent) = n;
	else
		T_RIGHT(parent) = n;
#if TREE_AUGMENTED
	{
		struct tnode *pred = left ? tnode_prev(n) : parent;

		n->gap = gap_between(pred, n);
		n->max_gap = n->gap;
		succ->gap = succ->lo - n->hi - 1;
		/* Make every path correct first: the rotations of the
		 * rebalance then keep it so. The new leaf changes its
		 * parent's subtree, the shrunk gap changes succ's. */
		tnode_augment_up_changed(parent);
		tnode_augment_up_changed(succ);
	}
#endif
	ttree_RB_INSERT_COLOR(&t->root, n);
	t->st->nnodes++;
	t->st->npages += n->hi - n->lo + 1;
}

/* Inserts @n by key (reserve's path). The anchor guarantees a successor. */
static void tree_insert(struct tree *t, struct tnode *n)
{
	struct tnode *x = RB_ROOT(&t->root), *succ = NULL;

	while (x) {
		if (n->lo < x->lo) {
			succ = x;
			x = T_LEFT(x);
		} else {
			x = T_RIGHT(x);
		}
	}
	PHYR_ASSERT(succ);
	tree_insert_before(t, succ, n);
}

static void tree_erase(struct tree *t, struct tnode *n)
{
#if TREE_AUGMENTED
	struct tnode *succ = tnode_next(n), *pred = tnode_prev(n), *from;

	if (T_LEFT(n) && T_RIGHT(n)) {
		struct tnode *s = T_RIGHT(n);

		while (T_LEFT(s))
			s = T_LEFT(s);
		from = T_PARENT(s) == n ? s : T_PARENT(s);
	} else {
		from = T_PARENT(n);
	}
	/* succ's gap grows: settle that while the tree is otherwise
	 * consistent, then the removal's own path to the root. */
	succ->gap = gap_between(pred, succ);
	tnode_augment_up_changed(succ);
	ttree_RB_REMOVE(&t->root, n);
	tnode_augment_up(from);
#else
	ttree_RB_REMOVE(&t->root, n);
#endif
	t->st->nnodes--;
	t->st->npages -= n->hi - n->lo + 1;
}

/* Linux's remove_iova(): hint bookkeeping, then erase. */
static void tree_remove_node(struct tree *t, struct tnode *n)
{
	struct tnode *c32 = t->cached32, *next = NULL;

	if (n == c32 || (n->hi < t->dma32 && n->lo >= c32->lo))
		t->cached32 = next = tnode_next(n);
	if (n->lo < t->dma32)
		t->max32 = t->dma32;
	if (n->lo >= t->cached->lo)
		t->cached = next ? next : tnode_next(n);
	tree_erase(t, n);
	t->st->nfrees++;
}

/* The node whose range holds @pfn, or NULL. */
static struct tnode *tree_lookup(struct tree *t, uint64_t pfn)
{
	struct tnode *x = RB_ROOT(&t->root);

	while (x) {
		if (pfn < x->lo)
			x = T_LEFT(x);
		else if (pfn > x->hi)
			x = T_RIGHT(x);
		else
			return x;
	}
	return NULL;
}

/* Where the second pass starts: the lowest node reaching @limit (exclusive). */
static struct tnode *tree_find_limit(struct tree *t, uint64_t limit)
{
	struct tnode *x, *best = &t->anchor;

	if (limit > t->dma32)
		return &t->anchor;
	x = RB_ROOT(&t->root);
	while (x) {
		if (x->hi >= limit) {
			best = x;
			x = T_LEFT(x);
		} else {
			x = T_RIGHT(x);
		}
	}
	return best;
}

#if !TREE_AUGMENTED
/*
 * Linux's downward walk from @curr: returns the node the walk stopped
 * below (the insertion successor) with *@high and *@cand as Linux leaves
 * them.
 */
static struct tnode *tree_walk(struct tree *t, struct tnode *curr, uint64_t limit, uint64_t size,
			       uint64_t mask, uint64_t low, uint64_t *highp, uint64_t *candp)
{
	struct tnode *prev;
	uint64_t high = *highp, cand, n = 0;

	do {
		if (curr->lo < high)
			high = curr->lo;
		cand = (high - size) & mask;
		prev = curr;
		curr = tnode_prev(curr);
		n++;
	} while (curr && cand <= curr->hi && cand >= low);
	t->st->nnodes_visited += n;
	*highp = high;
	*candp = cand;
	(void)limit;
	return prev;
}
#else
/* The highest node whose gap is at least @size in the subtree @r (max_gap >= size). */
static struct tnode *aug_rightmost_fit(struct tnode *r, uint64_t size, uint64_t *visited)
{
	for (;;) {
		(*visited)++;
		if (T_RIGHT(r) && T_RIGHT(r)->max_gap >= size)
			r = T_RIGHT(r);
		else if (r->gap >= size)
			return r;
		else
			r = T_LEFT(r);
	}
}

/* The highest node below @n in order whose gap is at least @size; NULL if none. */
static struct tnode *aug_prev_fit(struct tnode *n, uint64_t size, uint64_t *visited)
{
	struct tnode *p;

	if (T_LEFT(n) && T_LEFT(n)->max_gap >= size)
		return aug_rightmost_fit(T_LEFT(n), size, visited);
	for (; (p = T_PARENT(n)); n = p) {
		(*visited)++;
		if (n != T_RIGHT(p))
			continue;
		if (p->gap >= size)
			return p;
		if (T_LEFT(p) && T_LEFT(p)->max_gap >= size)
			return aug_rightmost_fit(T_LEFT(p), size, visited);
	}
	return NULL;
}

/* The lowest node whose lo is at least @limit (exists: the anchor). */
static struct tnode *aug_lowest_from(struct tree *t, uint64_t limit, uint64_t *visited)
{
	struct tnode *x = RB_ROOT(&t->root), *best = &t->anchor;

	while (x) {
		(*visited)++;
		if (x->lo >= limit) {
			best = x;
			x = T_LEFT(x);
		} else {
			x = T_RIGHT(x);
		}
	}
	return best;
}

/*
 * Finds the node where Linux's walk from @curr stops, without visiting
 * the nodes in between: a node N can stop the walk only if its
 * predecessor is NULL, or the gap below N holds the candidate, or the
 * candidate fell below @low / wrapped (failure). Nodes whose gap is
 * smaller than @size never hold the candidate, and the candidate only
 * decreases downward, so checking the lowest skipped node covers the
 * failure cases. On failure the outputs are set so that the caller's
 * "high < size || cand < low" test is true.
 */
static struct tnode *tree_walk(struct tree *t, struct tnode *curr, uint64_t limit, uint64_t size,
			       uint64_t mask, uint64_t low, uint64_t *highp, uint64_t *candp)
{
	uint64_t visited = 1, cand;
	struct tnode *p, *m, *s;

	if (limit < size)
		goto fail;
	if (curr->lo >= limit) {
		/* Nodes at or above the limit: the candidate is fixed; only
		 * the lowest of them can hold it. */
		cand = (limit - size) & mask;
		if (cand < low)
			goto fail;
		curr = aug_lowest_from(t, limit, &visited);
		p = tnode_prev(curr);
		if (!p || cand > p->hi) {
			*highp = limit;
			*candp = cand;
			t->st->nnodes_visited += visited;
			return curr;
		}
		curr = p;
		visited++;
	}
	for (;;) {
		if (curr->lo < size)
			goto fail;
		cand = (curr->lo - size) & mask;
		if (cand < low)
			goto fail;
		p = tnode_prev(curr);
		if (!p || cand > p->hi) {
			*highp = curr->lo;
			*candp = cand;
			t->st->nnodes_visited += visited;
			return curr;
		}
		m = aug_prev_fit(curr, size, &visited);
		s = m ? tnode_next(m) : RB_MIN(ttree, &t->root);
		if (s != curr && (s->lo < size || ((s->lo - size) & mask) < low))
			goto fail;
		if (!m)
			goto fail; /* cannot happen: the lowest node's gap is infinite */
		curr = m;
		visited++;
	}
fail:
	t->st->nnodes_visited += visited;
	*highp = 0; /* high (0) < size (>= 1) tells the caller it failed */
	*candp = 0;
	return curr;
}
#endif

static int tree_alloc(void *priv, uint64_t size, uint64_t limit_pfn, bool aligned, uint64_t *pfn)
{
	struct tree *t = priv;
	uint64_t limit = limit_pfn + 1; /* exclusive, wrapping as Linux's does */
	uint64_t mask = UINT64_MAX, high = limit, low = t->start_pfn, cand, retry_pfn;
	struct tnode *curr, *stop, *n;
	bool second = false;

	if (aligned && size > 1)
		mask <<= 64 - __builtin_clzll(size - 1);
	n = alloc_mem(t->a, sizeof(*n));
	if (!n) {
		t->st->nnomem++;
		return -ENOMEM;
	}
	t->st->nallocs++;
	if (limit <= t->dma32 && size >= t->max32) {
		t->st->nmax32_fastfails++;
		goto fail;
	}
	curr = limit <= t->dma32 ? t->cached32 : t->cached;
	retry_pfn = curr->hi;
	for (;;) {
		stop = tree_walk(t, curr, limit, size, mask, low, &high, &cand);
		if (high >= size && cand >= low)
			break;
		if (second || low != t->start_pfn || retry_pfn >= limit) {
			t->max32 = size;
			goto fail;
		}
		/* Second pass: the band above the old hint. (Linux would loop
		 * forever if the hint lay just below start_pfn; we stop.) */
		second = true;
		t->st->nsecond_passes++;
		high = limit;
		low = retry_pfn + 1;
		curr = tree_find_limit(t, limit);
	}
	n->lo = cand;
	n->hi = cand + size - 1;
	tree_insert_before(t, stop, n);
	if (n->hi < t->dma32)
		t->cached32 = n;
	else
		t->cached = n;
	*pfn = cand;
	return 0;
fail:
	t->st->nalloc_fails++;
	alloc_free(t->a, n, sizeof(*n));
	return -ENOSPC;
}

static int tree_init(void *priv, const struct phyr_iova_policy_env *env)
{
	struct tree *t = priv;

	RB_INIT(&t->root);
	t->start_pfn = env->start_pfn;
	t->shift = env->granule_shift;
	t->dma32 = env->dma_32bit_pfn;
	t->max32 = t->dma32;
	t->a = env->alloc;
	t->st = env->stats;
	t->anchor.lo = t->anchor.hi = ANCHOR_PFN;
#if TREE_AUGMENTED
	t->anchor.gap = t->anchor.max_gap = UINT64_MAX;
#endif
	ttree_RB_INSERT(&t->root, &t->anchor);
	t->cached = t->cached32 = &t->anchor;
	return 0;
}

static void tree_free_subtree(struct tree *t, struct tnode *n)
{
	while (n) {
		struct tnode *l = T_LEFT(n), *r = T_RIGHT(n);

		tree_free_subtree(t, r);
		if (n != &t->anchor)
			alloc_free(t->a, n, sizeof(*n));
		n = l;
	}
}

static void tree_finish(void *priv)
{
	struct tree *t = priv;

	tree_free_subtree(t, RB_ROOT(&t->root));
	RB_INIT(&t->root);
}

static int tree_remove(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	struct tree *t = priv;
	struct tnode *n = tree_lookup(t, pfn);

	if (!n || n == &t->anchor)
		return -ENOENT;
	*lo = n->lo;
	*hi = n->hi;
	tree_remove_node(t, n);
	alloc_free(t->a, n, sizeof(*n));
	return 0;
}

static int tree_find(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	struct tree *t = priv;
	struct tnode *n = tree_lookup(t, pfn);

	if (!n || n == &t->anchor)
		return -ENOENT;
	*lo = n->lo;
	*hi = n->hi;
	return 0;
}

/* Lowers @n's pfn_lo in place (reserve's downward extension). */
static void tree_extend_down(struct tree *t, struct tnode *n, uint64_t lo)
{
	if (n != &t->anchor)
		t->st->npages += n->lo - lo;
	n->lo = lo;
#if TREE_AUGMENTED
	n->gap = gap_between(tnode_prev(n), n);
	tnode_augment_up(n);
#endif
}

/* Whether a node of the tree (the anchor included) starts at @lo. */
static bool tree_has_lo(struct tree *t, uint64_t lo)
{
	struct tnode *x = RB_ROOT(&t->root);

	while (x && x->lo != lo)
		x = lo < x->lo ? T_LEFT(x) : T_RIGHT(x);
	return x != NULL;
}

static int tree_reserve(void *priv, uint64_t lo, uint64_t hi, uint64_t *rlo, uint64_t *rhi)
{
	struct tree *t = priv;
	struct tnode *x, *n, *ret = NULL;
	bool overlap = false;

	/* Linux's only refusal (a WARN_ON); PFN_LO above PFN_HI is a legal
	 * call that inserts or finds a node like any other. */
	if ((lo | hi) > (UINT64_MAX >> t->shift))
		return -EINVAL;
	n = alloc_mem(t->a, sizeof(*n));
	if (!n) {
		t->st->nnomem++;
		return -ENOMEM;
	}
	/* Linux scans from the lowest node; nodes ending below @lo can
	 * neither overlap nor end the scan, so start at the first that
	 * reaches it. */
	x = RB_ROOT(&t->root);
	{
		struct tnode *best = NULL;

		while (x) {
			if (x->hi >= lo) {
				best = x;
				x = T_LEFT(x);
			} else {
				x = T_RIGHT(x);
			}
		}
		x = best;
	}
	for (; x; x = tnode_next(x)) {
		if (lo <= x->hi && hi >= x->lo) {
			if (lo < x->lo)
				tree_extend_down(t, x, lo);
			if (hi > x->hi)
				lo = x->hi + 1;
			if (lo >= x->lo && hi <= x->hi) {
				ret = x;
				break;
			}
			overlap = true;
		} else if (overlap) {
			break;
		}
	}
	if (ret) {
		alloc_free(t->a, n, sizeof(*n));
	} else if (lo > hi && tree_has_lo(t, lo)) {
		/* Only an inverted range can miss every node yet start
		 * where one starts: Linux's iova_insert_rbtree() then
		 * WARNs and leaves the new node out of the tree, and
		 * reserve_iova() returns it all the same. */
		alloc_free(t->a, n, sizeof(*n));
		t->st->nwarnings++;
		t->st->nreserves++;
		*rlo = lo;
		*rhi = hi;
		return 0;
	} else {
		n->lo = lo;
		n->hi = hi;
		tree_insert(t, n);
		ret = n;
	}
	t->st->nreserves++;
	*rlo = ret->lo;
	*rhi = ret->hi;
	return 0;
}

static int tree_walk_all(void *priv, int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
	struct tree *t = priv;
	struct tnode *n;
	int ret;

	for (n = RB_MIN(ttree, &t->root); n; n = tnode_next(n)) {
		if (n == &t->anchor)
			continue;
		ret = cb(ctx, n->lo, n->hi);
		if (ret)
			return ret;
	}
	return 0;
}

static int tree_check_node(struct tree *t, struct tnode *n, struct tnode **pred)
{
	if (!n)
		return 0;
	if (T_LEFT(n) && T_PARENT(T_LEFT(n)) != n)
		return -EFAULT;
	if (T_RIGHT(n) && T_PARENT(T_RIGHT(n)) != n)
		return -EFAULT;
	if (tree_check_node(t, T_LEFT(n), pred))
		return -EFAULT;
	/* Keys (pfn_lo) strictly increase; two ranges next to each other do
	 * not overlap. A node with pfn_lo above pfn_hi is legal: Linux's
	 * reserve_iova() inserts one when asked to (docs/formats.md). */
	if (*pred && (*pred)->lo >= n->lo)
		return -EFAULT;
	if (*pred && (*pred)->lo <= (*pred)->hi && n->lo <= n->hi && (*pred)->hi >= n->lo)
		return -EFAULT;
#if TREE_AUGMENTED
	{
		uint64_t m = n->gap;

		if (n->gap != gap_between(*pred, n))
			return -EFAULT;
		if (tnode_max(T_LEFT(n)) > m)
			m = tnode_max(T_LEFT(n));
		if (tnode_max(T_RIGHT(n)) > m)
			m = tnode_max(T_RIGHT(n));
		if (m != n->max_gap)
			return -EFAULT;
	}
#endif
	*pred = n;
	return tree_check_node(t, T_RIGHT(n), pred);
}

static int tree_check(void *priv)
{
	struct tree *t = priv;
	struct tnode *pred = NULL;

	if (tree_check_node(t, RB_ROOT(&t->root), &pred))
		return -EFAULT;
	if (pred != &t->anchor || t->max32 > t->dma32)
		return -EFAULT;
	if (tree_lookup(t, t->cached->lo) != t->cached || tree_lookup(t, t->cached32->lo) != t->cached32)
		return -EFAULT;
	return 0;
}

#endif /* PHYR_SRC_IOVA_TREE_H */
