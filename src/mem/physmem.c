// SPDX-License-Identifier: MIT
/*
 * Simulated physical memory: a sparse map pfn -> 4 KiB page.
 *
 * Pages live in an open-addressing hash table (linear probing, load factor
 * at most 1/2, backward-shift deletion so no tombstones). A page is
 * allocated on the first write; reading an absent page yields zeros, so the
 * whole 64-bit physical space exists and costs nothing until touched.
 * Mutating calls allocate every page they need before copying a byte, so an
 * allocation failure leaves the contents untouched.
 *
 * Thread safety: every call takes the memory's mutex, so devices on
 * several threads may move bytes concurrently.
 */
#include <pthread.h>
#include <string.h>

#include "alloc.h"
#include "phyr/machine.h"

#define PM_MIN_CAP 64u

struct pm_slot {
	uint64_t pfn;
	uint8_t *page; /* NULL = empty slot */
	bool fresh;    /* allocated by the pm_populate() in progress */
};

struct phyr_physmem {
	const struct phyr_allocator *a;
	struct phyr_allocator a_copy;
	struct pm_slot *slots;
	size_t cap; /* power of two */
	size_t used;
	uint64_t max_pages; /* memory budget, in backed pages */
	struct phyr_physmem_stats st;
	pthread_mutex_t lock;
	bool locked; /* the mutex is held (checked by the __pm_ variants) */
};

static size_t pm_hash(uint64_t pfn, size_t cap)
{
	/* Fibonacci hashing: consecutive pfns spread over the table. */
	return (size_t)((pfn * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

static struct pm_slot *pm_find(const struct phyr_physmem *pm, uint64_t pfn)
{
	size_t i;

	if (!pm->used)
		return NULL;
	for (i = pm_hash(pfn, pm->cap);; i = (i + 1) & (pm->cap - 1)) {
		if (!pm->slots[i].page)
			return NULL;
		if (pm->slots[i].pfn == pfn)
			return &pm->slots[i];
	}
}

static void pm_insert_slot(struct pm_slot *slots, size_t cap, uint64_t pfn, uint8_t *page,
			   bool fresh)
{
	size_t i = pm_hash(pfn, cap);

	while (slots[i].page)
		i = (i + 1) & (cap - 1);
	slots[i].pfn = pfn;
	slots[i].page = page;
	slots[i].fresh = fresh;
}

static int pm_grow(struct phyr_physmem *pm, size_t need)
{
	size_t ncap = pm->cap ? pm->cap : PM_MIN_CAP;
	struct pm_slot *ns;
	size_t i;

	while (need > ncap / 2) {
		if (ncap > SIZE_MAX / 2 / sizeof(*ns))
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap == pm->cap)
		return 0;
	ns = alloc_zeroed(pm->a, ncap * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (i = 0; i < pm->cap; i++)
		if (pm->slots[i].page)
			pm_insert_slot(ns, ncap, pm->slots[i].pfn, pm->slots[i].page,
				       pm->slots[i].fresh);
	alloc_free(pm->a, pm->slots, pm->cap * sizeof(*pm->slots));
	pm->slots = ns;
	pm->cap = ncap;
	pm->st.nbytes_table = ncap * sizeof(*ns);
	return 0;
}

/* Remove the page of @pfn (backward-shift deletion keeps probes intact). */
static void pm_remove(struct phyr_physmem *pm, uint64_t pfn)
{
	struct pm_slot *s = pm_find(pm, pfn);
	size_t i, j, k;

	if (!s)
		return;
	alloc_free(pm->a, s->page, PHYR_PAGE_SIZE);
	pm->st.npage_frees++;
	pm->used--;
	i = (size_t)(s - pm->slots);
	pm->slots[i].page = NULL;
	for (j = (i + 1) & (pm->cap - 1); pm->slots[j].page; j = (j + 1) & (pm->cap - 1)) {
		k = pm_hash(pm->slots[j].pfn, pm->cap);
		/* Move j into the hole at i unless its home k lies in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			pm->slots[i] = pm->slots[j];
			pm->slots[j].page = NULL;
			i = j;
		}
	}
	pm->st.npages = pm->used;
	pm->st.nbytes_pages = pm->used * PHYR_PAGE_SIZE;
}

static bool pm_range_ok(uint64_t phys, size_t len)
{
	return !len || phys + (uint64_t)(len - 1) >= phys;
}

static uint64_t pm_last_pfn(uint64_t phys, size_t len)
{
	return (phys + (uint64_t)(len - 1)) >> PHYR_PAGE_SHIFT;
}

/* Walk pfns first..last, calling fn; the loop form avoids wrapping at 2^52. */
#define for_each_pfn(pfn, first, last) for ((pfn) = (first);; (pfn)++)

static void pm_set_fresh(struct phyr_physmem *pm, uint64_t first, uint64_t last, bool drop)
{
	struct pm_slot *s;
	uint64_t pfn;

	for_each_pfn(pfn, first, last) {
		s = pm_find(pm, pfn);
		if (s && s->fresh) {
			if (drop)
				pm_remove(pm, pfn);
			else
				s->fresh = false;
		}
		if (pfn == last)
			break;
	}
}

/*
 * Make sure every page of [phys, +len) is backed. On failure the pages
 * this call allocated are released again, so nothing changed.
 */
static int pm_populate(struct phyr_physmem *pm, uint64_t phys, size_t len)
{
	uint64_t first = phys >> PHYR_PAGE_SHIFT, last, pfn, missing = 0;
	uint8_t *page;
	int ret;

	if (!len)
		return 0;
	last = pm_last_pfn(phys, len);
	for_each_pfn(pfn, first, last) {
		if (!pm_find(pm, pfn))
			missing++;
		if (pfn == last)
			break;
	}
	if (!missing)
		return 0;
	if (missing > SIZE_MAX / 4 - pm->used)
		return -ENOMEM;
	/* the memory budget, before anything is allocated */
	if (missing > pm->max_pages - pm->used) {
		pm->st.nbudget_refusals++;
		return -ENOMEM;
	}
	ret = pm_grow(pm, pm->used + (size_t)missing);
	if (ret)
		return ret;
	for_each_pfn(pfn, first, last) {
		if (!pm_find(pm, pfn)) {
			page = alloc_zeroed(pm->a, PHYR_PAGE_SIZE);
			if (!page) {
				pm_set_fresh(pm, first, last, true);
				return -ENOMEM;
			}
			pm_insert_slot(pm->slots, pm->cap, pfn, page, true);
			pm->used++;
			pm->st.npage_allocs++;
			pm->st.npages = pm->used;
			pm->st.nbytes_pages = pm->used * PHYR_PAGE_SIZE;
		}
		if (pfn == last)
			break;
	}
	pm_set_fresh(pm, first, last, false);
	return 0;
}

int phyr_physmem_create(const struct phyr_allocator *a, struct phyr_physmem **out)
{
	struct phyr_physmem *pm;

	if (!out)
		return -EINVAL;
	a = alloc_or_default(a);
	pm = alloc_zeroed(a, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->a_copy = *a;
	pm->a = &pm->a_copy;
	pm->max_pages = PHYR_PHYSMEM_DEFAULT_MAX_BYTES >> PHYR_PAGE_SHIFT;
	pm->st.max_bytes = PHYR_PHYSMEM_DEFAULT_MAX_BYTES;
	if (pthread_mutex_init(&pm->lock, NULL)) {
		alloc_free(a, pm, sizeof(*pm));
		return -ENOMEM;
	}
	*out = pm;
	return 0;
}

void phyr_physmem_destroy(struct phyr_physmem *pm)
{
	struct phyr_allocator a;
	size_t i;

	if (!pm)
		return;
	for (i = 0; i < pm->cap; i++)
		alloc_free(pm->a, pm->slots[i].page, PHYR_PAGE_SIZE);
	alloc_free(pm->a, pm->slots, pm->cap * sizeof(*pm->slots));
	pthread_mutex_destroy(&pm->lock);
	a = pm->a_copy;
	alloc_free(&a, pm, sizeof(*pm));
}

/* Calls fn(page or NULL, offset in page, chunk length, position) per page chunk. */
typedef void (*pm_chunk_fn)(uint8_t *page, size_t off, size_t n, size_t pos, void *arg);

static void pm_walk(struct phyr_physmem *pm, uint64_t phys, size_t len, pm_chunk_fn fn, void *arg)
{
	size_t pos = 0, off, n;
	struct pm_slot *s;

	while (pos < len) {
		off = (size_t)(phys & (PHYR_PAGE_SIZE - 1));
		n = (size_t)PHYR_PAGE_SIZE - off;
		if (n > len - pos)
			n = len - pos;
		s = pm_find(pm, phys >> PHYR_PAGE_SHIFT);
		fn(s ? s->page : NULL, off, n, pos, arg);
		pos += n;
		phys += n;
	}
}

static void chunk_read(uint8_t *page, size_t off, size_t n, size_t pos, void *arg)
{
	uint8_t *buf = arg;

	if (page)
		memcpy(buf + pos, page + off, n);
	else
		memset(buf + pos, 0, n);
}

static void chunk_write(uint8_t *page, size_t off, size_t n, size_t pos, void *arg)
{
	const uint8_t *buf = arg;

	PHYR_ASSERT(page);
	memcpy(page + off, buf + pos, n);
}

static void chunk_set(uint8_t *page, size_t off, size_t n, size_t pos, void *arg)
{
	int c = *(const int *)arg;

	if (page)
		memset(page + off, c, n);
}

struct cmp_arg {
	const uint8_t *buf;
	size_t first_diff;
	bool found;
};

static void chunk_cmp(uint8_t *page, size_t off, size_t n, size_t pos, void *arg)
{
	struct cmp_arg *c = arg;
	size_t i;

	if (c->found)
		return;
	for (i = 0; i < n; i++) {
		if ((page ? page[off + i] : 0) != c->buf[pos + i]) {
			c->first_diff = pos + i;
			c->found = true;
			return;
		}
	}
}

static int __pm_read(struct phyr_physmem *pm, uint64_t phys, void *buf, size_t len)
{
	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || (!buf && len) || !pm_range_ok(phys, len))
		return -EINVAL;
	pm_walk(pm, phys, len, chunk_read, buf);
	pm->st.nreads++;
	pm->st.nbytes_read += len;
	return 0;
}

static int __pm_write(struct phyr_physmem *pm, uint64_t phys, const void *buf, size_t len)
{
	int ret;

	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || (!buf && len) || !pm_range_ok(phys, len))
		return -EINVAL;
	ret = pm_populate(pm, phys, len);
	if (ret)
		return ret;
	pm_walk(pm, phys, len, chunk_write, (void *)(uintptr_t)buf);
	pm->st.nwrites++;
	pm->st.nbytes_written += len;
	return 0;
}

static int __pm_memset(struct phyr_physmem *pm, uint64_t phys, int c, size_t len)
{
	int ret;

	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || !pm_range_ok(phys, len))
		return -EINVAL;
	c = (uint8_t)c;
	if (c) {
		ret = pm_populate(pm, phys, len);
		if (ret)
			return ret;
	}
	pm_walk(pm, phys, len, chunk_set, &c);
	pm->st.nwrites++;
	pm->st.nbytes_written += len;
	return 0;
}

static int __pm_copy(struct phyr_physmem *pm, uint64_t dst, uint64_t src, size_t len)
{
	uint8_t tmp[512];
	size_t n, done;
	int ret;

	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || !pm_range_ok(dst, len) || !pm_range_ok(src, len))
		return -EINVAL;
	ret = pm_populate(pm, dst, len);
	if (ret)
		return ret;
	if (dst == src || !len)
		goto out;
	/* Chunked through a bounce buffer, in the direction memmove would. */
	if (dst < src || dst >= src + len) {
		for (done = 0; done < len; done += n) {
			n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
			pm_walk(pm, src + done, n, chunk_read, tmp);
			pm_walk(pm, dst + done, n, chunk_write, tmp);
		}
	} else {
		for (done = len; done > 0; done -= n) {
			n = done < sizeof(tmp) ? done : sizeof(tmp);
			pm_walk(pm, src + done - n, n, chunk_read, tmp);
			pm_walk(pm, dst + done - n, n, chunk_write, tmp);
		}
	}
out:
	pm->st.nreads++;
	pm->st.nwrites++;
	pm->st.nbytes_read += len;
	pm->st.nbytes_written += len;
	return 0;
}

static int __pm_compare(struct phyr_physmem *pm, uint64_t phys, const void *buf, size_t len,
			 size_t *first_diff)
{
	struct cmp_arg c = { .buf = buf };

	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || (!buf && len) || !first_diff || !pm_range_ok(phys, len))
		return -EINVAL;
	pm_walk(pm, phys, len, chunk_cmp, &c);
	*first_diff = c.found ? c.first_diff : len;
	pm->st.nreads++;
	pm->st.nbytes_read += len;
	return 0;
}

static int __pm_discard(struct phyr_physmem *pm, uint64_t phys, size_t len)
{
	uint64_t end, pfn, first, last;
	size_t i;
	bool whole;
	int zero = 0;

	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || !pm_range_ok(phys, len))
		return -EINVAL;
	if (!len)
		return 0;
	/* Partial pages at the ends are zeroed in place ... */
	if ((phys & (PHYR_PAGE_SIZE - 1)) || len < PHYR_PAGE_SIZE)
		pm_walk(pm, phys, len < PHYR_PAGE_SIZE ? len : PHYR_PAGE_SIZE, chunk_set, &zero);
	end = phys + (uint64_t)(len - 1);
	if ((end & (PHYR_PAGE_SIZE - 1)) != PHYR_PAGE_SIZE - 1 && len > PHYR_PAGE_SIZE)
		pm_walk(pm, end & ~(PHYR_PAGE_SIZE - 1), (size_t)(end & (PHYR_PAGE_SIZE - 1)) + 1,
			chunk_set, &zero);
	/* ... and the whole pages [first, last] inside the range are freed. */
	first = (phys >> PHYR_PAGE_SHIFT) + ((phys & (PHYR_PAGE_SIZE - 1)) ? 1 : 0);
	last = end >> PHYR_PAGE_SHIFT;
	whole = true;
	if ((end & (PHYR_PAGE_SIZE - 1)) != PHYR_PAGE_SIZE - 1) {
		if (!last)
			whole = false;
		else
			last--;
	}
	if (!whole || first > last || first < (phys >> PHYR_PAGE_SHIFT))
		return 0;
	if (last - first >= pm->cap) {
		/* Big range: sweep the table instead of every pfn. */
		for (i = 0; i < pm->cap; i++)
			while (pm->slots[i].page && pm->slots[i].pfn >= first &&
			       pm->slots[i].pfn <= last)
				pm_remove(pm, pm->slots[i].pfn);
	} else {
		for_each_pfn(pfn, first, last) {
			pm_remove(pm, pfn);
			if (pfn == last)
				break;
		}
	}
	return 0;
}

static int __pm_prefault(struct phyr_physmem *pm, uint64_t phys, size_t len)
{
	PHYR_ASSERT(!pm || pm->locked);
	if (!pm || !pm_range_ok(phys, len))
		return -EINVAL;
	return pm_populate(pm, phys, len);
}



/* Public entry points: the same operations under the memory's mutex. */
int phyr_physmem_read(struct phyr_physmem *pm, uint64_t phys, void *buf, size_t len)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_read(pm, phys, buf, len);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int phyr_physmem_write(struct phyr_physmem *pm, uint64_t phys, const void *buf, size_t len)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_write(pm, phys, buf, len);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int phyr_physmem_memset(struct phyr_physmem *pm, uint64_t phys, int c, size_t len)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_memset(pm, phys, c, len);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int phyr_physmem_copy(struct phyr_physmem *pm, uint64_t dst, uint64_t src, size_t len)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_copy(pm, dst, src, len);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int phyr_physmem_compare(struct phyr_physmem *pm, uint64_t phys, const void *buf, size_t len,
			 size_t *first_diff)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_compare(pm, phys, buf, len, first_diff);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int phyr_physmem_discard(struct phyr_physmem *pm, uint64_t phys, size_t len)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_discard(pm, phys, len);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int phyr_physmem_prefault(struct phyr_physmem *pm, uint64_t phys, size_t len)
{
	int ret;

	if (!pm)
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->locked = true;
	ret = __pm_prefault(pm, phys, len);
	pm->locked = false;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

bool phyr_physmem_is_backed(const struct phyr_physmem *pm, uint64_t phys)
{
	struct phyr_physmem *p = (struct phyr_physmem *)pm;
	bool ret;

	if (!p)
		return false;
	pthread_mutex_lock(&p->lock);
	ret = pm_find(p, phys >> PHYR_PAGE_SHIFT) != NULL;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void phyr_physmem_get_stats(const struct phyr_physmem *pm, struct phyr_physmem_stats *out)
{
	struct phyr_physmem *p = (struct phyr_physmem *)pm;

	if (!out)
		return;
	if (!p) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&p->lock);
	*out = p->st;
	pthread_mutex_unlock(&p->lock);
}

int phyr_physmem_set_max_bytes(struct phyr_physmem *pm, uint64_t max_bytes)
{
	if (!pm)
		return -EINVAL;
	if (!max_bytes)
		max_bytes = PHYR_PHYSMEM_DEFAULT_MAX_BYTES;
	pthread_mutex_lock(&pm->lock);
	pm->max_pages = max_bytes >> PHYR_PAGE_SHIFT;
	pm->st.max_bytes = pm->max_pages << PHYR_PAGE_SHIFT;
	pthread_mutex_unlock(&pm->lock);
	return 0;
}
