// SPDX-License-Identifier: MIT
/*
 * bio_vec baseline (see include/phyr/scatterlist.h).
 *
 * Models the bio_vec array that Linux's bio_add_page builds for a page
 * array (block/bio.c, v6.17): a piece merges into the last bio_vec when its
 * physical start is the byte after the bio_vec's end and both pages have
 * the same pgmap (multi-page bvecs). bv_len is an unsigned int, so a
 * bio_vec stops growing at UINT_MAX. One unbounded bio: bi_max_vecs and the
 * per-bio size cap are not modelled.
 */
#include <string.h>

#include "phyr/scatterlist.h"
#include "alloc.h"
#include "sg.h"

uint64_t phyr_bvec_pfn(const struct phyr_bio_vec *bv)
{
	if (!bv)
		return 0;
	return bv->bv_page >> PHYR_PAGE_SHIFT;
}

/* One pass: counts the bio_vecs, and fills @vecs when not NULL. */
static size_t bvec_build(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n_pages,
			 unsigned int offset, uint64_t size, struct phyr_bio_vec *vecs)
{
	size_t count = 0;
	uint64_t end_phys = 0;	/* physical byte after the last bio_vec */
	unsigned int last_pgmap = 0;
	uint32_t last_len = 0;

	for (unsigned int i = 0; i < n_pages && size; i++) {
		uint32_t off = i == 0 ? offset : 0;
		uint32_t len = (uint32_t)PHYR_PAGE_SIZE - off;
		unsigned int pgmap = pgmaps ? pgmaps[i] : 0;
		uint64_t phys = (pfns[i] << PHYR_PAGE_SHIFT) + off;

		if (len > size)
			len = (uint32_t)size;
		size -= len;
		if (count && phys == end_phys && pgmap == last_pgmap && last_len <= UINT32_MAX - len) {
			last_len += len;
			if (vecs)
				vecs[count - 1].bv_len = last_len;
		} else {
			if (vecs) {
				vecs[count].bv_page = sg_page_word(pfns[i], pgmap);
				vecs[count].bv_len = len;
				vecs[count].bv_offset = off;
			}
			count++;
			last_len = len;
			last_pgmap = pgmap;
		}
		end_phys = phys + len;
	}
	return count;
}

int phyr_bvec_from_pages(const uint64_t *pfns, const uint16_t *pgmaps, unsigned int n_pages,
			 unsigned int offset, uint64_t size, const struct phyr_allocator *a,
			 struct phyr_bio_vec **vecs, size_t *count)
{
	struct phyr_bio_vec *v;
	size_t n;

	if (!pfns || !count || n_pages == 0 || offset >= PHYR_PAGE_SIZE || size == 0)
		return -EINVAL;
	/* Every page must hold part of the buffer, and no more than it. */
	if (size > (uint64_t)n_pages * PHYR_PAGE_SIZE - offset ||
	    (n_pages > 1 && size <= (uint64_t)(n_pages - 1) * PHYR_PAGE_SIZE - offset))
		return -EINVAL;
	for (unsigned int i = 0; i < n_pages; i++)
		if (pfns[i] > PHYR_SG_PFN_MAX || (pgmaps && pgmaps[i] > PHYR_SG_PGMAP_MAX))
			return -EINVAL;
	n = bvec_build(pfns, pgmaps, n_pages, offset, size, NULL);
	if (vecs) {
		v = alloc_mem(alloc_or_default(a), n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		bvec_build(pfns, pgmaps, n_pages, offset, size, v);
		*vecs = v;
	}
	*count = n;
	return 0;
}

void phyr_bvec_free(const struct phyr_allocator *a, struct phyr_bio_vec *vecs, size_t count)
{
	alloc_free(alloc_or_default(a), vecs, count * sizeof(*vecs));
}
