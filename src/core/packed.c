// SPDX-License-Identifier: MIT
/*
 * Packed phyr entries (Phyr Starter thread, Jason Gunthorpe, 2022-01-11).
 *
 * Head word (64 bits, little-endian): pfn in bits 0-51, order in 52-56,
 * bits 57-61 unused (zero), mode in 62-63:
 *   00  8 B: naturally aligned block of 2^order pages;
 *   01 12 B: order-aligned block, a 32-bit count of 2^order-page units;
 *   10 12 B: byte range; the 32-bit word holds the byte offset in the page
 *            (bits 0-11) and length bits 0-19 (bits 12-31); the head's
 *            order field holds length bits 20-24 (lengths 1 .. 2^25 - 1);
 *   11 16 B: libphyr's general entry: head bits 52-61 are a subtype
 *            (0 = range; 0x3FF with pfn 0 = END of the chunk's entries,
 *            8 B), the 64-bit word holds the byte offset (bits 0-11) and
 *            the length (bits 12-63, 1 .. 2^52 - 1).
 * The encoder takes the smallest entry that holds a run; runs of 2^52 bytes
 * or more (beyond any real machine) are split at 2^51-byte boundaries.
 */
#include "list-internal.h"

#define PFN_MASK ((UINT64_C(1) << 52) - 1)
#define MODE_BLOCK UINT64_C(0)
#define MODE_COUNT UINT64_C(1)
#define MODE_BYTES UINT64_C(2)
#define MODE_GENERAL UINT64_C(3)
#define SUB_END UINT64_C(0x3FF)
#define END_WORD ((MODE_GENERAL << 62) | (SUB_END << 52))

static unsigned ctz64(uint64_t v)
{
	return v ? (unsigned)__builtin_ctzll(v) : 64;
}

static uint64_t head(uint64_t pfn, uint64_t order, uint64_t mode)
{
	return pfn | order << 52 | mode << 62;
}

static uint64_t packed_encode(uint64_t addr, uint64_t len, uint8_t *out, unsigned *size)
{
	uint64_t off = addr & 0xFFF, pfn = addr >> 12;

	if (off == 0 && (len & 0xFFF) == 0) {
		uint64_t np = len >> 12;
		unsigned k = ctz64(pfn);

		if (ctz64(np) < k)
			k = ctz64(np);
		if (k > 31)
			k = 31;
		if ((np >> k) == 1) {
			le64_put(out, head(pfn, k, MODE_BLOCK));
			*size = 8;
			return len;
		}
		if ((np >> k) <= UINT32_MAX) {
			le64_put(out, head(pfn, k, MODE_COUNT));
			le32_put(out + 8, (uint32_t)(np >> k));
			*size = 12;
			return len;
		}
	}
	if (len < (UINT64_C(1) << 25)) {
		le64_put(out, head(pfn, len >> 20, MODE_BYTES));
		le32_put(out + 8, (uint32_t)(off | (len & 0xFFFFF) << 12));
		*size = 12;
		return len;
	}
	if (len < (UINT64_C(1) << 52)) {
		le64_put(out, head(pfn, 0, MODE_GENERAL));
		le64_put(out + 8, off | len << 12);
		*size = 16;
		return len;
	}
	/* Split at the next 2^51-byte boundary; the piece has a cheaper form. */
	return packed_encode(addr, (UINT64_C(1) << 51) - (addr & ((UINT64_C(1) << 51) - 1)),
			     out, size);
}

static int packed_decode_one(const uint8_t *p, size_t avail, uint64_t *addr, uint64_t *len,
			     unsigned *size)
{
	uint64_t h, pfn, order, mode, np;

	if (avail < 8)
		return 0;
	h = le64_get(p);
	pfn = h & PFN_MASK;
	order = (h >> 52) & 31;
	mode = h >> 62;
	if (mode == MODE_GENERAL) {
		uint64_t sub = (h >> 52) & 0x3FF, w;

		if (h == END_WORD)
			return 0;
		if (sub != 0 || avail < 16)
			return -EINVAL;
		w = le64_get(p + 8);
		*addr = pfn << 12 | (w & 0xFFF);
		*len = w >> 12;
		*size = 16;
	} else {
		if ((h >> 57) & 31)
			return -EINVAL;
		if (mode == MODE_BYTES) {
			uint32_t w;

			if (avail < 12)
				return -EINVAL;
			w = le32_get(p + 8);
			*addr = pfn << 12 | (w & 0xFFF);
			*len = order << 20 | w >> 12;
			*size = 12;
		} else {
			if (pfn & ((UINT64_C(1) << order) - 1))
				return -EINVAL;
			if (mode == MODE_BLOCK) {
				np = UINT64_C(1) << order;
				*size = 8;
			} else {
				if (avail < 12)
					return -EINVAL;
				np = (uint64_t)le32_get(p + 8) << order;
				*size = 12;
			}
			if (np == 0 || np > (UINT64_C(1) << 52) - pfn)
				return -EINVAL;
			*addr = pfn << 12;
			/* np = 2^52 at pfn 0 wraps to length 0: rejected below. */
			*len = np << 12;
		}
	}
	if (*len == 0 || !range_fits(*addr, *len))
		return -EINVAL;
	return 1;
}

static void packed_end(uint8_t *p, size_t avail)
{
	if (avail >= 8)
		le64_put(p, END_WORD);
}

const struct list_codec packed_codec = {
	.encode = packed_encode,
	.decode = packed_decode_one,
	.end = packed_end,
};

int phyr_packed_decode(const void *buf, size_t len, phyr_run_fn fn, void *ctx,
		       uint64_t *nentries)
{
	return list_decode_area(&packed_codec, buf, len, fn, ctx, nentries);
}
