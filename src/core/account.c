// SPDX-License-Identifier: MIT
/*
 * Memory accounting by layout arithmetic, kernel allocator classes and a
 * pluggable heap size-class backend; the streaming ledger behind
 * `phyr-sim mem`. Scatterlist chaining follows Linux's __sg_alloc_table
 * (lib/scatterlist.c, v6.17): chunks of SG_MAX_SINGLE_ALLOC slots, the last
 * slot of every chunk but the final one a chain link; a chunk of exactly
 * SG_MAX_SINGLE_ALLOC slots is a page from the page allocator, smaller ones
 * come from kmalloc.
 */
#include "phyr/account.h"

#include "alloc.h"
#include "heap-size.h"
#include "phyr/list.h"

#define KMALLOC_MAX (UINT64_C(4) << 20)
#define SG_SEG_PAGES UINT64_C(0xFFFFF) /* UINT_MAX rounded down to pages */

void phyr_account_set_backend(const struct phyr_account_backend *b)
{
	struct heap_size_oracle o;

	if (!b) {
		heap_size_set_oracle(NULL);
		return;
	}
	o.name = b->name;
	o.size_class = b->size_class;
	o.ctx = b->ctx;
	heap_size_set_oracle(&o);
}

bool phyr_account_get_backend(struct phyr_account_backend *out)
{
	struct heap_size_oracle o;

	if (!heap_size_get_oracle(&o))
		return false;
	if (out) {
		out->name = o.name;
		out->size_class = o.size_class;
		out->ctx = o.ctx;
	}
	return true;
}

uint64_t phyr_account_heap_size(uint64_t size)
{
	return heap_size_roundup(size);
}

static const uint32_t kmalloc_classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

uint64_t phyr_account_kmalloc_size(uint64_t size)
{
	uint64_t pages, p2;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < sizeof(kmalloc_classes) / sizeof(kmalloc_classes[0]); i++)
		if (size <= kmalloc_classes[i])
			return kmalloc_classes[i];
	if (size > KMALLOC_MAX)
		return UINT64_MAX;
	pages = (size + PHYR_PAGE_SIZE - 1) >> PHYR_PAGE_SHIFT;
	for (p2 = 1; p2 < pages; p2 <<= 1)
		;
	return p2 << PHYR_PAGE_SHIFT;
}

uint64_t phyr_account_kvmalloc_size(uint64_t size)
{
	if (size <= KMALLOC_MAX)
		return phyr_account_kmalloc_size(size);
	if (size > UINT64_MAX - (PHYR_PAGE_SIZE - 1))
		return UINT64_MAX;
	return (size + PHYR_PAGE_SIZE - 1) & ~(PHYR_PAGE_SIZE - 1);
}

static const char *const repr_names[PHYR_REPR_COUNT] = {
	[PHYR_REPR_PAGE_ARRAY] = "page-array",
	[PHYR_REPR_BIO_VEC] = "bio_vec",
	[PHYR_REPR_SG24] = "sg24",
	[PHYR_REPR_SG32] = "sg32",
	[PHYR_REPR_SG40] = "sg40",
	[PHYR_REPR_SG32_FLAT] = "sg32-flat",
	[PHYR_REPR_PHYR] = "phyr",
	[PHYR_REPR_PACKED] = "packed",
	[PHYR_REPR_RLIST] = "rlist",
};

const char *phyr_repr_name(enum phyr_repr r)
{
	if ((unsigned)r >= PHYR_REPR_COUNT)
		return NULL;
	return repr_names[r];
}

int phyr_account_array(uint64_t n, uint32_t entry_size, struct phyr_mem_cost *out)
{
	if (!out || entry_size == 0 || n > UINT64_MAX / entry_size)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->nentries = n;
	out->nslots = n;
	if (n == 0)
		return 0;
	out->nblocks = 1;
	out->nbytes = n * entry_size;
	out->nkernel_bytes = phyr_account_kvmalloc_size(out->nbytes);
	out->nheap_bytes = heap_size_roundup(out->nbytes);
	return 0;
}

int phyr_account_sg_table(uint64_t nents, uint32_t entry_size, struct phyr_mem_cost *out)
{
	uint64_t max, full = 0, rem = nents;

	if (!out || entry_size < 16 || entry_size > PHYR_PAGE_SIZE)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ndesc_bytes = 16;
	out->nentries = nents;
	if (nents == 0)
		return 0;
	max = PHYR_PAGE_SIZE / entry_size;
	if (nents > max) {
		full = (nents - max + (max - 2)) / (max - 1);
		rem = nents - full * (max - 1);
	}
	out->nslots = full * max + rem;
	out->nblocks = full + 1;
	out->nbytes = out->nslots * entry_size;
	out->nkernel_bytes = full * PHYR_PAGE_SIZE +
			     (rem == max ? PHYR_PAGE_SIZE : phyr_account_kmalloc_size(rem * entry_size));
	out->nheap_bytes = full * heap_size_roundup(max * entry_size) +
			   heap_size_roundup(rem * entry_size);
	return 0;
}

uint64_t phyr_account_pages(uint64_t addr, uint64_t len)
{
	if (len == 0)
		return 0;
	return ((addr + (len - 1)) >> PHYR_PAGE_SHIFT) - (addr >> PHYR_PAGE_SHIFT) + 1;
}

uint64_t phyr_account_sg_segments(uint64_t addr, uint64_t len)
{
	uint64_t pages = phyr_account_pages(addr, len);

	return (pages + SG_SEG_PAGES - 1) / SG_SEG_PAGES;
}

/* Bits to write n: ceil(log2(n + 1)). */
static uint64_t bitlen(uint64_t n)
{
	return n ? 64 - (uint64_t)__builtin_clzll(n) : 0;
}

uint64_t phyr_account_floor_bits(uint64_t addr, uint64_t len)
{
	if (len == 0)
		return 0;
	if (((addr | len) & (PHYR_PAGE_SIZE - 1)) == 0)
		return 52 + bitlen(len >> PHYR_PAGE_SHIFT);
	return 64 + bitlen(len);
}

/* ---- the ledger ---- */

struct run_sums {
	uint64_t nruns, npages, nsegs, nfloor_bits;
};

struct phyr_ledger {
	const struct phyr_allocator *a;
	struct phyr_list *packed;
	struct phyr_list *rlist;
	struct run_sums done; /* runs before the open one */
	bool have_open;
	uint64_t open_addr, open_len;
	uint64_t nbytes;
	uint32_t chunk_size; /* of the packed list */
};

int phyr_ledger_create(uint32_t chunk_size, const struct phyr_allocator *alloc,
		       struct phyr_ledger **out)
{
	const struct phyr_allocator *a = alloc_or_default(alloc);
	struct phyr_list_opts po = { .encoding = PHYR_LIST_PACKED, .chunk_size = chunk_size,
				     .measure_only = true };
	struct phyr_list_opts ro = { .encoding = PHYR_LIST_RLIST, .measure_only = true };
	struct phyr_ledger *g;
	int ret;

	if (!out)
		return -EINVAL;
	g = alloc_zeroed(a, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->a = a;
	g->chunk_size = chunk_size ? chunk_size : PHYR_LIST_CHUNK_DEFAULT;
	ret = phyr_list_create(&po, a, &g->packed);
	if (ret)
		goto err_free;
	ret = phyr_list_create(&ro, a, &g->rlist);
	if (ret)
		goto err_free_packed;
	*out = g;
	return 0;
err_free_packed:
	phyr_list_destroy(g->packed);
err_free:
	alloc_free(a, g, sizeof(*g));
	return ret;
}

void phyr_ledger_destroy(struct phyr_ledger *g)
{
	if (!g)
		return;
	phyr_list_destroy(g->packed);
	phyr_list_destroy(g->rlist);
	alloc_free(g->a, g, sizeof(*g));
}

static void sums_add_run(struct run_sums *s, uint64_t addr, uint64_t len)
{
	s->nruns++;
	s->npages += phyr_account_pages(addr, len);
	s->nsegs += phyr_account_sg_segments(addr, len);
	s->nfloor_bits += phyr_account_floor_bits(addr, len);
}

int phyr_ledger_add(struct phyr_ledger *g, uint64_t addr, uint64_t len)
{
	int ret;

	if (!g)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (len - 1 > UINT64_MAX - addr)
		return -EINVAL;
	if (len > UINT64_MAX - g->nbytes)
		return -ERANGE;
	/* Measure-only lists never allocate, so neither append can fail now. */
	ret = phyr_list_append(g->packed, addr, len);
	PHYR_ASSERT(ret == 0);
	ret = phyr_list_append(g->rlist, addr, len);
	PHYR_ASSERT(ret == 0);
	g->nbytes += len;
	if (g->have_open && g->open_len <= UINT64_MAX - g->open_addr &&
	    g->open_addr + g->open_len == addr) {
		g->open_len += len;
		return 0;
	}
	if (g->have_open)
		sums_add_run(&g->done, g->open_addr, g->open_len);
	g->have_open = true;
	g->open_addr = addr;
	g->open_len = len;
	return 0;
}

static void ledger_sums(const struct phyr_ledger *g, struct run_sums *s)
{
	*s = g->done;
	if (g->have_open)
		sums_add_run(s, g->open_addr, g->open_len);
}

static void chunked_cost(const struct phyr_list *l, uint32_t chunk_size,
			 struct phyr_mem_cost *out)
{
	memset(out, 0, sizeof(*out));
	out->nentries = phyr_list_nentries(l);
	out->nslots = out->nentries;
	out->nbytes = phyr_list_layout_bytes(l);
	out->ndesc_bytes = phyr_list_desc_bytes(l);
	out->nblocks = phyr_list_nblocks(l);
	out->nkernel_bytes = out->nblocks * phyr_account_kmalloc_size(chunk_size);
	out->nheap_bytes = phyr_list_heap_bytes(l);
}

int phyr_ledger_cost(const struct phyr_ledger *g, enum phyr_repr r, struct phyr_mem_cost *out)
{
	struct run_sums s;
	int ret;

	if (!g || !out || (unsigned)r >= PHYR_REPR_COUNT)
		return -EINVAL;
	ledger_sums(g, &s);
	switch (r) {
	case PHYR_REPR_PAGE_ARRAY:
		return phyr_account_array(s.npages, 8, out);
	case PHYR_REPR_BIO_VEC:
		return phyr_account_array(s.nsegs, 16, out);
	case PHYR_REPR_SG24:
		return phyr_account_sg_table(s.nsegs, 24, out);
	case PHYR_REPR_SG32:
		return phyr_account_sg_table(s.nsegs, 32, out);
	case PHYR_REPR_SG40:
		return phyr_account_sg_table(s.nsegs, 40, out);
	case PHYR_REPR_SG32_FLAT:
		ret = phyr_account_array(s.nsegs, 32, out);
		out->ndesc_bytes = 16;
		return ret;
	case PHYR_REPR_PHYR:
		return phyr_account_array(s.nruns, 16, out);
	case PHYR_REPR_PACKED:
		chunked_cost(g->packed, g->chunk_size, out);
		return 0;
	case PHYR_REPR_RLIST:
		chunked_cost(g->rlist, PHYR_LIST_CHUNK_DEFAULT, out);
		return 0;
	default:
		return -EINVAL;
	}
}

void phyr_ledger_get_totals(const struct phyr_ledger *g, struct phyr_ledger_totals *out)
{
	struct run_sums s;

	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!g)
		return;
	ledger_sums(g, &s);
	out->nruns = s.nruns;
	out->npages = s.npages;
	out->nbytes = g->nbytes;
	out->nfloor_bits = s.nfloor_bits;
	out->nfloor_bytes = (s.nfloor_bits + 7) / 8;
}
