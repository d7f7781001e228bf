/* SPDX-License-Identifier: MIT */
/*
 * Private interface between the list container (list.c) and the entry
 * codecs of the chunked encodings (packed.c, rlist.c).
 */
#ifndef PHYR_SRC_LIST_INTERNAL_H
#define PHYR_SRC_LIST_INTERNAL_H

#include <string.h>

#include "phyr/list.h"

/* Largest entry any codec writes. */
#define LIST_ENTRY_MAX 24

struct list_codec {
	/*
	 * Encodes the longest prefix of the run (addr, len), len >= 1, that
	 * one entry holds, into @out (LIST_ENTRY_MAX bytes). Sets *size to
	 * the entry's bytes and returns the bytes of the run it covers (>= 1).
	 */
	uint64_t (*encode)(uint64_t addr, uint64_t len, uint8_t *out, unsigned *size);
	/*
	 * Decodes one entry at @p with @avail bytes. Returns 1 with the range
	 * and *size set, 0 at an end marker (or when too few bytes remain to
	 * hold any entry), -EINVAL on malformed input.
	 */
	int (*decode)(const uint8_t *p, size_t avail, uint64_t *addr, uint64_t *len,
		      unsigned *size);
	/* Writes the end marker at @p if @avail bytes hold it. */
	void (*end)(uint8_t *p, size_t avail);
};

extern const struct list_codec packed_codec;
extern const struct list_codec rlist_codec;

/* Little-endian accessors (entries are little-endian on every host). */
static inline uint64_t le64_get(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline void le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* True if [addr, addr + len) fits below 2^64 (len >= 1). */
static inline bool range_fits(uint64_t addr, uint64_t len)
{
	return len - 1 <= UINT64_MAX - addr;
}

/* Decodes a whole entry area with @codec (shared by the raw decoders). */
int list_decode_area(const struct list_codec *codec, const void *buf, size_t len,
		     phyr_run_fn fn, void *ctx, uint64_t *nentries);

#endif /* PHYR_SRC_LIST_INTERNAL_H */
