// SPDX-License-Identifier: MIT
/*
 * An IOVA placement policy plug-in (<phyr/iova-plugin.h>): bottom-up
 * first fit. An allocation takes the lowest free range that fits: it
 * starts at the domain's start_pfn, at a multiple of
 * roundup_pow_of_two(SIZE) when the caller asks for alignment, and ends at
 * or below the limit. Linux searches top-down from a cached node instead;
 * this is the textbook alternative, small enough to read in one sitting.
 *
 * The ranges (allocated and reserved) are kept in one array sorted by pfn:
 * O(n) per operation, fine for traces, not for a benchmark. Every node
 * byte comes from env->alloc, and every failure leaves the state as it was.
 *
 * Build it as a shared object against the installed library:
 *	cc -std=c11 -shared -fPIC -o iova-policy-firstfit.so \
 *		iova-policy-firstfit.c $(pkg-config --cflags phyr)
 * and run it:
 *	phyr-sim iova replay --policy-plugin ./iova-policy-firstfit.so TRACE
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <phyr/iova-plugin.h>

struct range {
	uint64_t lo, hi;
};

struct firstfit {
	struct range *r;   /* sorted by lo, disjoint */
	size_t n, cap;
	uint64_t start;    /* lowest pfn handed out */
	uint64_t top;      /* highest pfn reserve accepts: U64_MAX >> granule shift */
	const struct phyr_allocator *a;
	struct phyr_iova_stats *st;
};

static int ff_init(void *priv, const struct phyr_iova_policy_env *env)
{
	struct firstfit *f = priv;

	f->start = env->start_pfn;
	f->top = UINT64_MAX >> env->granule_shift;
	f->a = env->alloc;
	f->st = env->stats;
	return 0;
}

static void ff_finish(void *priv)
{
	struct firstfit *f = priv;

	if (f->r)
		f->a->free(f->a->ctx, f->r, f->cap * sizeof(*f->r));
	f->r = NULL;
	f->n = f->cap = 0;
}

/* Room for @more ranges; -ENOMEM (nothing changed) when there is none. */
static int reserve_room(struct firstfit *f, size_t more)
{
	size_t cap = f->cap ? f->cap : 16;
	struct range *r;

	if (f->n + more <= f->cap)
		return 0;
	while (cap < f->n + more)
		cap *= 2;
	r = f->a->alloc(f->a->ctx, cap * sizeof(*r));
	if (!r) {
		f->st->nnomem++;
		return -ENOMEM;
	}
	if (f->r) {
		memcpy(r, f->r, f->n * sizeof(*r));
		f->a->free(f->a->ctx, f->r, f->cap * sizeof(*f->r));
	}
	f->r = r;
	f->cap = cap;
	return 0;
}

static void insert_at(struct firstfit *f, size_t i, uint64_t lo, uint64_t hi)
{
	memmove(&f->r[i + 1], &f->r[i], (f->n - i) * sizeof(*f->r));
	f->r[i] = (struct range){ lo, hi };
	f->n++;
	f->st->nnodes++;
	f->st->npages += hi - lo + 1;
}

/* The index of the first range with hi >= @pfn (f->n if none). */
static size_t first_reaching(const struct firstfit *f, uint64_t pfn)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->r[mid].hi < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* @x rounded up to a multiple of @align (a power of two); false on overflow. */
static bool align_up(uint64_t x, uint64_t align, uint64_t *out)
{
	uint64_t y = (x + (align - 1)) & ~(align - 1);

	if (y < x)
		return false;
	*out = y;
	return true;
}

static int ff_alloc(void *priv, uint64_t size, uint64_t limit_pfn, bool aligned, uint64_t *pfn)
{
	struct firstfit *f = priv;
	uint64_t align = 1, top = limit_pfn < f->top ? limit_pfn : f->top, cand = f->start;
	uint64_t visited = 0;
	size_t i;

	if (aligned)
		while (align < size)
			align <<= 1;
	if (reserve_room(f, 1))
		return -ENOMEM;
	f->st->nallocs++;
	for (i = first_reaching(f, cand);; i++) {
		uint64_t lo, end;

		if (!align_up(cand, align, &lo) || lo > top)
			break;
		/* the gap from lo up to the next range (or the limit) */
		end = top;
		if (i < f->n) {
			visited++;
			if (f->r[i].lo <= lo) {
				if (f->r[i].hi >= top)
					break;
				cand = f->r[i].hi + 1;
				continue;
			}
			if (f->r[i].lo - 1 < end)
				end = f->r[i].lo - 1;
		}
		if (size - 1 <= end - lo) {
			f->st->nnodes_visited += visited;
			insert_at(f, i, lo, lo + size - 1);
			*pfn = lo;
			return 0;
		}
		if (i >= f->n || f->r[i].hi >= top)
			break;
		cand = f->r[i].hi + 1;
	}
	f->st->nnodes_visited += visited;
	f->st->nalloc_fails++;
	return -ENOSPC;
}

/* The index of the range holding @pfn, or f->n. */
static size_t lookup(const struct firstfit *f, uint64_t pfn)
{
	size_t i = first_reaching(f, pfn);

	return i < f->n && f->r[i].lo <= pfn ? i : f->n;
}

static int ff_find(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	struct firstfit *f = priv;
	size_t i = lookup(f, pfn);

	if (i == f->n)
		return -ENOENT;
	*lo = f->r[i].lo;
	*hi = f->r[i].hi;
	return 0;
}

static int ff_remove(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	struct firstfit *f = priv;
	size_t i = lookup(f, pfn);

	if (i == f->n)
		return -ENOENT;
	*lo = f->r[i].lo;
	*hi = f->r[i].hi;
	memmove(&f->r[i], &f->r[i + 1], (f->n - i - 1) * sizeof(*f->r));
	f->n--;
	f->st->nnodes--;
	f->st->npages -= *hi - *lo + 1;
	f->st->nfrees++;
	return 0;
}

/*
 * reserve [lo, hi]: the free parts of it become reserved ranges of their
 * own (the ranges already there stay as they are); the range returned is
 * the one that now holds @hi. lo > hi is refused.
 */
static int ff_reserve(void *priv, uint64_t lo, uint64_t hi, uint64_t *rlo, uint64_t *rhi)
{
	struct firstfit *f = priv;
	size_t i, first = first_reaching(f, lo), ngaps = 0;
	uint64_t at = lo;

	if (lo > hi || hi > f->top)
		return -EINVAL;
	for (i = first; i < f->n && f->r[i].lo <= hi; i++) {
		if (f->r[i].lo > at)
			ngaps++;
		if (f->r[i].hi >= hi) {
			at = hi;
			break;
		}
		at = f->r[i].hi + 1;
	}
	if (i == f->n || f->r[i].lo > hi)
		ngaps++; /* the last part, up to hi, is free */
	if (reserve_room(f, ngaps))
		return -ENOMEM;
	for (i = first, at = lo;; i++) {
		if (i < f->n && f->r[i].lo <= hi) {
			if (f->r[i].lo > at) {
				insert_at(f, i, at, f->r[i].lo - 1);
				i++;
			}
			if (f->r[i].hi >= hi)
				break;
			at = f->r[i].hi + 1;
			continue;
		}
		insert_at(f, i, at, hi);
		break;
	}
	*rlo = f->r[i].lo;
	*rhi = f->r[i].hi;
	f->st->nreserves++;
	return 0;
}

static int ff_walk(void *priv, int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
	struct firstfit *f = priv;

	for (size_t i = 0; i < f->n; i++) {
		int ret = cb(ctx, f->r[i].lo, f->r[i].hi);

		if (ret)
			return ret;
	}
	return 0;
}

static int ff_check(void *priv)
{
	struct firstfit *f = priv;
	uint64_t pages = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (f->r[i].lo > f->r[i].hi || (i && f->r[i - 1].hi >= f->r[i].lo))
			return -EFAULT;
		pages += f->r[i].hi - f->r[i].lo + 1;
	}
	return f->st->nnodes == f->n && f->st->npages == pages ? 0 : -EFAULT;
}

static const struct phyr_iova_policy_ops firstfit_ops = {
	.name = "firstfit",
	.priv_size = sizeof(struct firstfit),
	.init = ff_init,
	.finish = ff_finish,
	.alloc = ff_alloc,
	.remove = ff_remove,
	.find = ff_find,
	.reserve = ff_reserve,
	.walk = ff_walk,
	.check = ff_check,
};

const struct phyr_iova_policy_ops *phyr_iova_plugin_init(unsigned int abi_version)
{
	return abi_version == PHYR_IOVA_PLUGIN_ABI ? &firstfit_ops : NULL;
}
