// SPDX-License-Identifier: MIT
/*
 * phyr list container: the plain struct phyr array and the chunk engine of
 * the packed and rlist encodings (entry codecs in packed.c and rlist.c).
 *
 * Chunks are chunk_size bytes; entries fill the first chunk_size - 8 bytes
 * back to back, the codec's end marker follows the last entry when it fits,
 * and the last 8 bytes hold the pointer to the next chunk. The list keeps
 * the position of the last run's first entry: a range that continues the
 * last run rewinds there and re-encodes the grown run, so the encoder
 * always holds the smallest entry for each coalesced run. Chunks freed up
 * by a rewind stay allocated as spares and are reused.
 */
#include "phyr/list.h"

#include "alloc.h"
#include "heap-size.h"
#include "list-internal.h"

struct phyr_list {
	const struct phyr_allocator *a;
	const struct list_codec *codec; /* NULL for PLAIN */
	enum phyr_list_encoding enc;
	bool measure;
	uint32_t chunk_size;
	uint32_t area; /* entry bytes per chunk */

	uint64_t nruns;
	uint64_t nentries;
	uint64_t total;
	uint64_t align_or; /* OR of every interior boundary address */
	uint32_t first_off;
	bool have_last;
	struct phyr last; /* the last (open) run */

	/* PLAIN */
	struct phyr *runs;
	uint64_t cap;

	/* chunked: tail position, and where the last run's entries begin */
	uint8_t *head;
	uint8_t *tail;
	uint64_t tail_off;
	uint64_t nused;
	uint64_t nalloc;
	uint8_t *run_chunk;
	uint64_t run_nused;
	uint64_t run_off;
	uint64_t run_nentries;
};

/* Everything but the chunk bytes: enough to undo a failed append. */
struct list_snap {
	uint64_t nruns, nentries, total, align_or;
	uint32_t first_off;
	bool have_last;
	struct phyr last;
	uint64_t cap;
	uint8_t *tail;
	uint64_t tail_off, nused, nalloc;
	uint8_t *run_chunk;
	uint64_t run_nused, run_off, run_nentries;
};

static uint8_t *chunk_next(const struct phyr_list *l, const uint8_t *c)
{
	uint8_t *n;

	memcpy(&n, c + l->area, sizeof(n));
	return n;
}

static void chunk_set_next(const struct phyr_list *l, uint8_t *c, uint8_t *n)
{
	memcpy(c + l->area, &n, sizeof(n));
}

int phyr_list_create(const struct phyr_list_opts *opts, const struct phyr_allocator *alloc,
		     struct phyr_list **out)
{
	struct phyr_list_opts def = { .encoding = PHYR_LIST_PLAIN };
	const struct phyr_allocator *a = alloc_or_default(alloc);
	struct phyr_list *l;
	uint32_t cs;

	if (!out)
		return -EINVAL;
	if (!opts)
		opts = &def;
	cs = opts->chunk_size ? opts->chunk_size : PHYR_LIST_CHUNK_DEFAULT;
	if (opts->encoding != PHYR_LIST_PLAIN && opts->encoding != PHYR_LIST_PACKED &&
	    opts->encoding != PHYR_LIST_RLIST)
		return -EINVAL;
	if (opts->encoding != PHYR_LIST_PLAIN &&
	    (cs % 8 || cs < PHYR_LIST_CHUNK_MIN || cs > PHYR_LIST_CHUNK_MAX))
		return -EINVAL;
	l = alloc_zeroed(a, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->a = a;
	l->enc = opts->encoding;
	l->measure = opts->measure_only;
	if (l->enc != PHYR_LIST_PLAIN) {
		l->codec = l->enc == PHYR_LIST_PACKED ? &packed_codec : &rlist_codec;
		l->chunk_size = cs;
		l->area = cs - 8;
	}
	*out = l;
	return 0;
}

static void free_chunks_from(struct phyr_list *l, uint8_t *c)
{
	while (c) {
		uint8_t *n = chunk_next(l, c);

		alloc_free(l->a, c, l->chunk_size);
		c = n;
	}
}

void phyr_list_destroy(struct phyr_list *l)
{
	if (!l)
		return;
	if (l->runs)
		alloc_free(l->a, l->runs, l->cap * sizeof(*l->runs));
	free_chunks_from(l, l->head);
	alloc_free(l->a, l, sizeof(*l));
}

/* ---- chunk engine ---- */

/* Moves the tail to a fresh (or spare) chunk. */
static int chunk_advance(struct phyr_list *l)
{
	uint8_t *n = NULL;

	if (l->nused > 0 && !l->measure)
		l->codec->end(l->tail + l->tail_off, l->area - l->tail_off);
	if (l->nused < l->nalloc) {
		if (!l->measure)
			n = l->nused == 0 ? l->head : chunk_next(l, l->tail);
	} else {
		if (!l->measure) {
			n = alloc_mem(l->a, l->chunk_size);
			if (!n)
				return -ENOMEM;
			chunk_set_next(l, n, NULL);
			if (l->nused == 0)
				l->head = n;
			else
				chunk_set_next(l, l->tail, n);
		}
		l->nalloc++;
	}
	l->tail = n;
	l->nused++;
	l->tail_off = 0;
	return 0;
}

/* Writes the entries of run (addr, len) at the tail. */
static int chunk_emit_run(struct phyr_list *l, uint64_t addr, uint64_t len)
{
	uint8_t e[LIST_ENTRY_MAX];
	unsigned size;
	int ret;

	l->run_chunk = l->tail;
	l->run_nused = l->nused;
	l->run_off = l->tail_off;
	l->run_nentries = 0;
	while (len) {
		uint64_t done = l->codec->encode(addr, len, e, &size);

		if (l->nused == 0 || l->tail_off + size > l->area) {
			ret = chunk_advance(l);
			if (ret)
				return ret;
		}
		if (!l->measure)
			memcpy(l->tail + l->tail_off, e, size);
		l->tail_off += size;
		l->nentries++;
		l->run_nentries++;
		addr += done;
		len -= done;
	}
	if (!l->measure)
		l->codec->end(l->tail + l->tail_off, l->area - l->tail_off);
	return 0;
}

/* Moves the tail back to where the last run's entries begin. */
static void chunk_rewind_run(struct phyr_list *l)
{
	l->tail = l->run_chunk;
	l->nused = l->run_nused;
	l->tail_off = l->run_off;
	l->nentries -= l->run_nentries;
	l->run_nentries = 0;
}

/* ---- snapshots ---- */

static void snap_take(const struct phyr_list *l, struct list_snap *s)
{
	s->nruns = l->nruns;
	s->nentries = l->nentries;
	s->total = l->total;
	s->align_or = l->align_or;
	s->first_off = l->first_off;
	s->have_last = l->have_last;
	s->last = l->last;
	s->cap = l->cap;
	s->tail = l->tail;
	s->tail_off = l->tail_off;
	s->nused = l->nused;
	s->nalloc = l->nalloc;
	s->run_chunk = l->run_chunk;
	s->run_nused = l->run_nused;
	s->run_off = l->run_off;
	s->run_nentries = l->run_nentries;
}

static void snap_restore(struct phyr_list *l, const struct list_snap *s)
{
	if (l->codec) {
		/* Re-encode the old last run in place: every chunk it needs
		 * still exists, so this cannot fail. */
		l->run_chunk = s->run_chunk;
		l->run_nused = s->run_nused;
		l->run_off = s->run_off;
		l->run_nentries = s->run_nentries;
		chunk_rewind_run(l);
		if (s->have_last)
			PHYR_ASSERT(chunk_emit_run(l, s->last.addr, s->last.len) == 0);
		if (l->nalloc > s->nalloc) {
			if (!l->measure) {
				uint8_t *c = l->head;

				for (uint64_t i = 1; i < s->nalloc; i++)
					c = chunk_next(l, c);
				if (s->nalloc == 0) {
					free_chunks_from(l, l->head);
					l->head = NULL;
				} else {
					free_chunks_from(l, chunk_next(l, c));
					chunk_set_next(l, c, NULL);
				}
			}
			l->nalloc = s->nalloc;
		}
		PHYR_ASSERT(l->tail == s->tail && l->tail_off == s->tail_off &&
			    l->nused == s->nused);
	}
	l->nruns = s->nruns;
	l->nentries = s->nentries;
	l->total = s->total;
	l->align_or = s->align_or;
	l->first_off = s->first_off;
	l->have_last = s->have_last;
	l->last = s->last;
	if (l->runs && s->nruns)
		l->runs[s->nruns - 1] = s->last;
	l->run_chunk = s->run_chunk;
	l->run_nused = s->run_nused;
	l->run_off = s->run_off;
	l->run_nentries = s->run_nentries;
}

/* ---- appending ---- */

static int plain_grow(struct phyr_list *l)
{
	uint64_t ncap = l->cap ? l->cap * 2 : 16;
	struct phyr *n;

	if (ncap > SIZE_MAX / sizeof(*n))
		return -ENOMEM;
	if (!l->measure) {
		n = alloc_mem(l->a, (size_t)ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (l->runs) {
			memcpy(n, l->runs, (size_t)l->nruns * sizeof(*n));
			alloc_free(l->a, l->runs, (size_t)l->cap * sizeof(*n));
		}
		l->runs = n;
	}
	l->cap = ncap;
	return 0;
}

static bool continues_last(const struct phyr_list *l, uint64_t addr)
{
	return l->have_last && l->last.len <= UINT64_MAX - l->last.addr &&
	       l->last.addr + l->last.len == addr;
}

/* Appends a validated range; may leave partial state on -ENOMEM (the
 * callers restore their snapshot). */
static int list_add(struct phyr_list *l, uint64_t addr, uint64_t len)
{
	int ret;

	if (len == 0)
		return 0;
	if (!range_fits(addr, len))
		return -EINVAL;
	if (len > UINT64_MAX - l->total)
		return -ERANGE;
	if (continues_last(l, addr)) {
		l->last.len += len;
		l->total += len;
		if (l->codec) {
			chunk_rewind_run(l);
			return chunk_emit_run(l, l->last.addr, l->last.len);
		}
		if (!l->measure)
			l->runs[l->nruns - 1].len = l->last.len;
		return 0;
	}
	if (!l->codec && l->nruns == l->cap) {
		ret = plain_grow(l);
		if (ret)
			return ret;
	}
	if (l->have_last)
		l->align_or |= (l->last.addr + l->last.len) | addr;
	else
		l->first_off = (uint32_t)(addr & (PHYR_PAGE_SIZE - 1));
	l->have_last = true;
	l->last.addr = addr;
	l->last.len = len;
	l->nruns++;
	l->total += len;
	if (l->codec)
		return chunk_emit_run(l, addr, len);
	l->nentries++;
	if (!l->measure)
		l->runs[l->nruns - 1] = l->last;
	return 0;
}

int phyr_list_append(struct phyr_list *l, uint64_t addr, uint64_t len)
{
	struct list_snap s;
	int ret;

	if (!l)
		return -EINVAL;
	snap_take(l, &s);
	ret = list_add(l, addr, len);
	if (ret)
		snap_restore(l, &s);
	return ret;
}

int phyr_list_append_pages(struct phyr_list *l, const uint64_t *pfns, size_t n,
			   uint32_t offset, uint64_t size)
{
	struct list_snap s;
	uint64_t left = size;
	int ret = 0;

	if (!l || (n && !pfns) || offset >= PHYR_PAGE_SIZE)
		return -EINVAL;
	if (n == 0)
		return size ? -EINVAL : 0;
	if (n > (UINT64_MAX >> PHYR_PAGE_SHIFT) ||
	    size > (uint64_t)n * PHYR_PAGE_SIZE - offset ||
	    size + offset <= (uint64_t)(n - 1) * PHYR_PAGE_SIZE)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (pfns[i] >> 52)
			return -EINVAL;
	snap_take(l, &s);
	/* physically consecutive pages go in as one range: one re-encode */
	for (size_t i = 0, j; i < n && ret == 0; i = j) {
		uint64_t off = i == 0 ? offset : 0;
		uint64_t chunk;

		for (j = i + 1; j < n && pfns[j] == pfns[j - 1] + 1; j++)
			;
		chunk = ((uint64_t)(j - i) << PHYR_PAGE_SHIFT) - off;
		if (chunk > left)
			chunk = left;
		ret = list_add(l, pfns[i] << PHYR_PAGE_SHIFT | off, chunk);
		left -= chunk;
	}
	if (ret)
		snap_restore(l, &s);
	return ret;
}

/* ---- queries ---- */

uint64_t phyr_list_nruns(const struct phyr_list *l)
{
	return l ? l->nruns : 0;
}

uint64_t phyr_list_nentries(const struct phyr_list *l)
{
	return l ? l->nentries : 0;
}

uint64_t phyr_list_length(const struct phyr_list *l)
{
	return l ? l->total : 0;
}

void phyr_list_get_header(const struct phyr_list *l, struct phyr_list_header *h)
{
	if (!h)
		return;
	memset(h, 0, sizeof(*h));
	if (!l)
		return;
	h->first_page_offset = l->first_off;
	h->total_length = l->total;
	if (l->nruns >= 2)
		h->min_alignment = l->align_or ? l->align_or & (~l->align_or + 1)
					       : UINT64_C(1) << 63;
}

uint64_t phyr_list_layout_bytes(const struct phyr_list *l)
{
	if (!l)
		return 0;
	if (!l->codec)
		return l->nruns * sizeof(struct phyr);
	return l->nused * l->chunk_size;
}

uint64_t phyr_list_nchunks(const struct phyr_list *l)
{
	return l && l->codec ? l->nused : 0;
}

int phyr_list_chunk_data(const struct phyr_list *l, uint64_t index, const void **data,
			 size_t *len)
{
	const uint8_t *c;
	uint64_t pos = 0, addr, n;
	unsigned size;

	if (!l || !data || !len || !l->codec || l->measure)
		return -EINVAL;
	if (index >= l->nused)
		return -ENOENT;
	c = l->head;
	for (uint64_t i = 0; i < index; i++)
		c = chunk_next(l, c);
	if (index == l->nused - 1)
		pos = l->tail_off;
	else /* up to the end marker, or to where no entry fits any more */
		while (pos < l->area &&
		       l->codec->decode(c + pos, l->area - pos, &addr, &n, &size) == 1)
			pos += size;
	*data = c;
	*len = (size_t)pos;
	return 0;
}

uint64_t phyr_list_nblocks(const struct phyr_list *l)
{
	if (!l)
		return 0;
	if (!l->codec)
		return l->cap ? 1 : 0;
	return l->nalloc;
}

uint64_t phyr_list_desc_bytes(const struct phyr_list *l)
{
	if (!l)
		return 0;
	switch (l->enc) {
	case PHYR_LIST_PACKED:
		return PHYR_PACKED_HEADER_BYTES;
	case PHYR_LIST_RLIST:
		return PHYR_RLIST_HEAD_BYTES;
	default:
		return 0;
	}
}

uint64_t phyr_list_heap_bytes(const struct phyr_list *l)
{
	if (!l)
		return 0;
	if (!l->codec)
		return l->cap ? heap_size_roundup(l->cap * sizeof(struct phyr)) : 0;
	return l->nalloc * heap_size_roundup(l->chunk_size);
}

unsigned phyr_list_entry_size(enum phyr_list_encoding enc, uint64_t addr, uint64_t len)
{
	uint8_t e[LIST_ENTRY_MAX];
	unsigned size;
	const struct list_codec *c;

	if (enc == PHYR_LIST_PLAIN)
		return sizeof(struct phyr);
	if (len == 0 || !range_fits(addr, len))
		return 0;
	c = enc == PHYR_LIST_PACKED ? &packed_codec : enc == PHYR_LIST_RLIST ? &rlist_codec : NULL;
	if (!c)
		return 0;
	return c->encode(addr, len, e, &size) == len ? size : 0;
}

/* ---- iteration ---- */

int phyr_list_iter_init(const struct phyr_list *l, struct phyr_list_iter *it)
{
	if (!l || !it)
		return -EINVAL;
	if (l->measure)
		return -EOPNOTSUPP;
	memset(it, 0, sizeof(*it));
	it->priv_list = l;
	it->priv_chunk = l->head;
	it->priv_left = l->codec ? l->nused : l->nruns;
	return 0;
}

/* Next raw entry of a chunked list; false at the end. */
static bool iter_entry(struct phyr_list_iter *it, struct phyr *e)
{
	const struct phyr_list *l = it->priv_list;

	while (it->priv_left) {
		const uint8_t *c = it->priv_chunk;
		uint64_t lim = it->priv_left == 1 ? l->tail_off : l->area;
		unsigned size;
		int r = 0;

		if (it->priv_pos < lim)
			r = l->codec->decode(c + it->priv_pos, (size_t)(lim - it->priv_pos),
					     &e->addr, &e->len, &size);
		PHYR_ASSERT(r >= 0);
		if (r == 1) {
			it->priv_pos += size;
			return true;
		}
		it->priv_left--;
		it->priv_pos = 0;
		if (it->priv_left)
			it->priv_chunk = chunk_next(l, c);
	}
	return false;
}

bool phyr_list_iter_next(struct phyr_list_iter *it, struct phyr *run)
{
	const struct phyr_list *l;
	struct phyr e;

	if (!it || !it->priv_list || !run)
		return false;
	l = it->priv_list;
	if (!l->codec) {
		if (it->priv_pos >= it->priv_left)
			return false;
		*run = l->runs[it->priv_pos++];
		return true;
	}
	if (!it->priv_have_next) {
		if (!iter_entry(it, &it->priv_next))
			return false;
		it->priv_have_next = true;
	}
	/* Entries of one run (split only beyond 2^51 bytes) join up again. */
	*run = it->priv_next;
	it->priv_have_next = false;
	while (iter_entry(it, &e)) {
		if (run->len <= UINT64_MAX - run->addr && run->addr + run->len == e.addr) {
			run->len += e.len;
			continue;
		}
		it->priv_next = e;
		it->priv_have_next = true;
		break;
	}
	return true;
}

/* ---- raw decoding ---- */

int list_decode_area(const struct list_codec *codec, const void *buf, size_t len,
		     phyr_run_fn fn, void *ctx, uint64_t *nentries)
{
	const uint8_t *p = buf;
	uint64_t n = 0;
	size_t pos = 0;
	int ret = 0;

	if (!buf && len)
		return -EINVAL;
	while (pos < len) {
		uint64_t addr, elen;
		unsigned size;
		int r = codec->decode(p + pos, len - pos, &addr, &elen, &size);

		if (r < 0) {
			ret = r;
			break;
		}
		if (r == 0)
			break;
		n++;
		pos += size;
		if (fn) {
			ret = fn(ctx, addr, elen);
			if (ret)
				break;
		}
	}
	if (nentries)
		*nentries = n;
	return ret;
}
