// SPDX-License-Identifier: MIT
/*
 * rlist entries, after Jason Gunthorpe's 2023 work-in-progress branch (never
 * merged; libphyr's reading of its description, see docs/encodings.md).
 *
 * Every entry starts with a 32-bit little-endian header: encoding in bits
 * 0-1, type in bits 2-3 (0 = CPU physical; others reserved), the low 28
 * length bits in bits 4-31.
 *   enc 0, rlist_8  (8 B): + 32-bit pfn; length = number of 4 KiB pages;
 *   enc 1, rlist_16 (16 B): + 32-bit word {offset bits 0-23, length bits
 *          28-35 in bits 24-31}, + 64-bit base; addr = base + offset,
 *          length in bytes (36 bits);
 *   enc 2, rlist_24 (24 B): + 32-bit offset, + 64-bit base, + 32-bit
 *          length bits 28-59, + 32 reserved (zero) bits;
 *   enc 3: end pad (header exactly 3): the rest of the chunk is padding.
 * The encoder writes base = the page address and offset = the byte offset
 * within the page, and takes the smallest entry that holds the run.
 */
#include "list-internal.h"

enum { RL8 = 0, RL16 = 1, RL24 = 2, RLEND = 3 };

static uint32_t rl_header(unsigned enc, uint64_t len_lo)
{
	return (uint32_t)enc | (uint32_t)(len_lo & 0x0FFFFFFF) << 4;
}

static uint64_t rlist_encode(uint64_t addr, uint64_t len, uint8_t *out, unsigned *size)
{
	uint64_t off = addr & 0xFFF;

	if (off == 0 && (len & 0xFFF) == 0 && (addr >> 12) <= UINT32_MAX &&
	    (len >> 12) < (UINT64_C(1) << 28)) {
		le32_put(out, rl_header(RL8, len >> 12));
		le32_put(out + 4, (uint32_t)(addr >> 12));
		*size = 8;
		return len;
	}
	if (len < (UINT64_C(1) << 36)) {
		le32_put(out, rl_header(RL16, len));
		le32_put(out + 4, (uint32_t)(off | (len >> 28) << 24));
		le64_put(out + 8, addr - off);
		*size = 16;
		return len;
	}
	if (len < (UINT64_C(1) << 60)) {
		le32_put(out, rl_header(RL24, len));
		le32_put(out + 4, (uint32_t)off);
		le64_put(out + 8, addr - off);
		le32_put(out + 16, (uint32_t)(len >> 28));
		le32_put(out + 20, 0);
		*size = 24;
		return len;
	}
	return rlist_encode(addr, (UINT64_C(1) << 59) - (addr & ((UINT64_C(1) << 59) - 1)),
			    out, size);
}

static int rlist_decode_one(const uint8_t *p, size_t avail, uint64_t *addr, uint64_t *len,
			    unsigned *size)
{
	uint32_t hdr;
	uint64_t lo, base, off;

	if (avail < 4)
		return 0;
	hdr = le32_get(p);
	if ((hdr & 3) == RLEND)
		return hdr == RLEND ? 0 : -EINVAL;
	if ((hdr >> 2) & 3)
		return -EINVAL;
	lo = hdr >> 4;
	switch (hdr & 3) {
	case RL8:
		if (avail < 8)
			return -EINVAL;
		*addr = (uint64_t)le32_get(p + 4) << 12;
		*len = lo << 12;
		*size = 8;
		break;
	case RL16: {
		uint32_t w;

		if (avail < 16)
			return -EINVAL;
		w = le32_get(p + 4);
		off = w & 0xFFFFFF;
		base = le64_get(p + 8);
		*len = lo | (uint64_t)(w >> 24) << 28;
		*size = 16;
		goto based;
	}
	default:
		if (avail < 24 || le32_get(p + 20) != 0)
			return -EINVAL;
		off = le32_get(p + 4);
		base = le64_get(p + 8);
		*len = lo | (uint64_t)le32_get(p + 16) << 28;
		*size = 24;
		goto based;
	}
	goto check;
based:
	if (off > UINT64_MAX - base)
		return -EINVAL;
	*addr = base + off;
check:
	if (*len == 0 || !range_fits(*addr, *len))
		return -EINVAL;
	return 1;
}

static void rlist_end(uint8_t *p, size_t avail)
{
	if (avail >= 4)
		le32_put(p, RLEND);
}

const struct list_codec rlist_codec = {
	.encode = rlist_encode,
	.decode = rlist_decode_one,
	.end = rlist_end,
};

int phyr_rlist_decode(const void *buf, size_t len, phyr_run_fn fn, void *ctx,
		      uint64_t *nentries)
{
	return list_decode_area(&rlist_codec, buf, len, fn, ctx, nentries);
}
