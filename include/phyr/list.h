/* SPDX-License-Identifier: MIT */
/*
 * phyr lists: lists of physical address ranges ("runs") in three encodings.
 *
 * - PHYR_LIST_PLAIN: an array of struct phyr {addr, len}, 16 B per run, as
 *   in Matthew Wilcox's Phyr Starter proposal (2022).
 * - PHYR_LIST_PACKED: Jason Gunthorpe's packed encoding from the same thread:
 *   a list header (first-page offset, total length, minimum alignment) and
 *   8/12/16-byte entries headed by a 64-bit word (pfn bits 0-51, order
 *   52-56, mode 62-63), stored in chained chunks (512 B by default).
 * - PHYR_LIST_RLIST: the later rlist layout from Gunthorpe's unmerged 2023
 *   branch: 8/16/24-byte entries with a 4-byte header, 512-byte chunks with
 *   a next pointer and an end-pad marker.
 * The byte layouts are defined in docs/encodings.md; they are libphyr's
 * reading of the proposals (neither was merged into Linux).
 *
 * Every encoding keeps runs coalesced: appending a range that starts where
 * the last run ends extends that run (for the chunked encodings the last
 * entry is rewritten, possibly into a different mode). A list in
 * "measure only" mode runs the encoder without storing entries, so entry
 * counts and exact bytes of huge lists are computed in constant memory.
 */
#ifndef PHYR_LIST_H
#define PHYR_LIST_H

/*
 * NULL objects: with a NULL list, append, append_pages, chunk_data and
 * iter_init return -EINVAL; the counters and byte getters (nruns, nentries,
 * length, layout_bytes, nchunks, nblocks, desc_bytes, heap_bytes) return 0;
 * get_header zeroes *@h; iter_next with a NULL iterator returns false;
 * destroy does nothing. The decoders return -EINVAL for a NULL @buf.
 */

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** struct phyr - one physically contiguous byte range. */
struct phyr {
	uint64_t addr; /* first byte's physical address */
	uint64_t len;  /* length in bytes; addr + len <= 2^64 */
};

struct phyr_list;

enum phyr_list_encoding {
	PHYR_LIST_PLAIN = 0,  /* struct phyr array */
	PHYR_LIST_PACKED = 1, /* Phyr Starter packed entries in chunks */
	PHYR_LIST_RLIST = 2,  /* rlist 8/16/24-byte entries in chunks */
};

/* Chunk size of the chunked encodings unless told otherwise. */
#define PHYR_LIST_CHUNK_DEFAULT 512u
#define PHYR_LIST_CHUNK_MIN 32u
#define PHYR_LIST_CHUNK_MAX 65536u

/* Size of the packed list header (struct phyr_list_header plus the chunk
 * pointer, as in the proposal's struct phyr_list on 64-bit). */
#define PHYR_PACKED_HEADER_BYTES 32u
/* Size of an rlist head (pointer to the first chunk). */
#define PHYR_RLIST_HEAD_BYTES 8u

/**
 * struct phyr_list_opts - how a list encodes its runs.
 * @encoding: one of enum phyr_list_encoding.
 * @chunk_size: chunk bytes of PACKED and RLIST (0 = 512); a multiple of 8
 *	in [PHYR_LIST_CHUNK_MIN, PHYR_LIST_CHUNK_MAX]. The last 8 bytes of a
 *	chunk hold the pointer to the next chunk. Ignored by PLAIN.
 * @measure_only: run the encoder but store nothing: counts and byte sizes
 *	are exact, iteration is refused (-EOPNOTSUPP).
 */
struct phyr_list_opts {
	enum phyr_list_encoding encoding;
	uint32_t chunk_size;
	bool measure_only;
};

/**
 * struct phyr_list_header - the packed list's header fields (meaningful
 * for every encoding).
 * @first_page_offset: byte offset of the first run within its 4 KiB page.
 * @total_length: sum of the run lengths.
 * @min_alignment: largest power of two dividing every interior run
 *	boundary (every start but the first, every end but the last); 0 when
 *	the list has fewer than two runs (no interior boundary).
 */
struct phyr_list_header {
	uint32_t first_page_offset;
	uint64_t total_length;
	uint64_t min_alignment;
};

/**
 * phyr_list_create() - make an empty list.
 * @opts: encoding and options (NULL = plain).
 * @alloc: allocator for the list and its storage (NULL = malloc).
 * @out: receives the list.
 *
 * Return: 0, -EINVAL (bad encoding or chunk size, NULL @out), -ENOMEM.
 * The caller owns the list; free it with phyr_list_destroy().
 */
PHYR_EXPORT int phyr_list_create(const struct phyr_list_opts *opts,
				 const struct phyr_allocator *alloc,
				 struct phyr_list **out);

/** phyr_list_destroy() - free a list and its storage; NULL does nothing. */
PHYR_EXPORT void phyr_list_destroy(struct phyr_list *l);

/**
 * phyr_list_append() - append the byte range [@addr, @addr + @len).
 * @l: the list.
 * @addr: physical address of the first byte.
 * @len: length in bytes; 0 appends nothing.
 *
 * A range starting where the last run ends extends that run.
 * Return: 0; -EINVAL if @addr + @len exceeds 2^64; -ERANGE if the total
 * length would exceed 2^64 - 1; -ENOMEM. On error the list is unchanged.
 */
PHYR_EXPORT int phyr_list_append(struct phyr_list *l, uint64_t addr, uint64_t len);

/**
 * phyr_list_append_pages() - append a page array, as a page vector with a
 * first-page offset and a byte size (sg_alloc_table_from_pages' inputs).
 * @l: the list.
 * @pfns: @n page frame numbers (4 KiB pages), each below 2^52.
 * @n: number of pages; 0 requires @size 0.
 * @offset: byte offset into the first page, below 4096.
 * @size: bytes used; every page must hold at least one of them:
 *	(n - 1) * 4096 < offset + size <= n * 4096.
 *
 * Return: 0, -EINVAL (bad pfn, offset or size), -ERANGE, -ENOMEM; on error
 * the list is unchanged.
 */
PHYR_EXPORT int phyr_list_append_pages(struct phyr_list *l, const uint64_t *pfns,
				       size_t n, uint32_t offset, uint64_t size);

/** phyr_list_nruns() - number of coalesced runs. */
PHYR_EXPORT uint64_t phyr_list_nruns(const struct phyr_list *l);

/** phyr_list_nentries() - number of encoded entries (PLAIN: = runs). */
PHYR_EXPORT uint64_t phyr_list_nentries(const struct phyr_list *l);

/** phyr_list_length() - total bytes of all runs. */
PHYR_EXPORT uint64_t phyr_list_length(const struct phyr_list *l);

/** phyr_list_get_header() - fill @h with the list's header fields. */
PHYR_EXPORT void phyr_list_get_header(const struct phyr_list *l, struct phyr_list_header *h);

/**
 * phyr_list_layout_bytes() - exact bytes of the entry storage: runs x 16
 * for PLAIN, chunks in use x chunk size for PACKED and RLIST (chunk padding
 * and next pointers included). The fixed descriptor is not included; see
 * phyr_list_desc_bytes().
 */
PHYR_EXPORT uint64_t phyr_list_layout_bytes(const struct phyr_list *l);

/** phyr_list_nchunks() - chunks in use (0 for PLAIN). */
PHYR_EXPORT uint64_t phyr_list_nchunks(const struct phyr_list *l);

/**
 * phyr_list_chunk_data() - the used entry bytes of chunk @index of a
 * chunked list (entries only: neither the end marker nor the next
 * pointer), e.g. to export or inspect the encoding.
 * Return: 0 with *@data and *@len set; -EINVAL for a PLAIN or
 * measure-only list or NULL arguments; -ENOENT past the last chunk.
 */
PHYR_EXPORT int phyr_list_chunk_data(const struct phyr_list *l, uint64_t index,
				     const void **data, size_t *len);

/** phyr_list_nblocks() - storage blocks held: allocated chunks (spares
 * left by a rewind included), or 1 for a PLAIN array with capacity. */
PHYR_EXPORT uint64_t phyr_list_nblocks(const struct phyr_list *l);

/**
 * phyr_list_desc_bytes() - bytes of the fixed descriptor: 32 for PACKED
 * (the header), 8 for RLIST (the first-chunk pointer), 0 for PLAIN.
 */
PHYR_EXPORT uint64_t phyr_list_desc_bytes(const struct phyr_list *l);

/**
 * phyr_list_heap_bytes() - heap bytes held by the list's storage blocks
 * (array capacity or every allocated chunk), each rounded through the
 * accounting backend of <phyr/account.h> when one is installed, else the
 * requested sizes. In measure-only mode: the blocks a storing list would
 * hold.
 */
PHYR_EXPORT uint64_t phyr_list_heap_bytes(const struct phyr_list *l);

/**
 * struct phyr_list_iter - forward iterator over a list's runs. Fields are
 * private; the struct is public so it can live on the caller's stack.
 */
struct phyr_list_iter {
	const struct phyr_list *priv_list;
	const void *priv_chunk;
	uint64_t priv_pos;
	uint64_t priv_left;
	struct phyr priv_next;
	bool priv_have_next;
};

/**
 * phyr_list_iter_init() - position @it before the first run of @l.
 * Return: 0, -EOPNOTSUPP for a measure-only list, -EINVAL for NULL.
 * The list must not change while it is iterated.
 */
PHYR_EXPORT int phyr_list_iter_init(const struct phyr_list *l, struct phyr_list_iter *it);

/**
 * phyr_list_iter_next() - next coalesced run.
 * Return: true with *@run filled, false at the end.
 */
PHYR_EXPORT bool phyr_list_iter_next(struct phyr_list_iter *it, struct phyr *run);

/* Callback of the decoders: one decoded entry. Non-zero stops decoding and
 * is returned by the decoder. */
typedef int (*phyr_run_fn)(void *ctx, uint64_t addr, uint64_t len);

/**
 * phyr_packed_decode() - decode one packed entry area from raw bytes.
 * @buf: entries, little-endian, as laid out in a chunk (docs/encodings.md).
 * @len: bytes available; decoding stops at an END word or when fewer than
 *	8 bytes remain (chunk padding).
 * @fn: called once per entry with its (addr, len); may be NULL.
 * @ctx: passed to @fn.
 * @nentries: if not NULL, receives the number of entries decoded.
 *
 * Safe on arbitrary input. Return: 0; -EINVAL for a truncated entry, a
 * reserved mode or subtype, non-zero unused bits, a misaligned block, a
 * zero length or a range past 2^64; or @fn's non-zero value.
 */
PHYR_EXPORT int phyr_packed_decode(const void *buf, size_t len, phyr_run_fn fn, void *ctx,
				   uint64_t *nentries);

/**
 * phyr_rlist_decode() - decode one rlist entry area from raw bytes; stops
 * at an end pad or when fewer than 4 bytes remain. Same contract as
 * phyr_packed_decode().
 */
PHYR_EXPORT int phyr_rlist_decode(const void *buf, size_t len, phyr_run_fn fn, void *ctx,
				  uint64_t *nentries);

/**
 * phyr_list_entry_size() - size of the single entry @enc would use for the
 * run (@addr, @len), or 0 if the run needs several entries (or @enc is
 * PLAIN: always 16). For tests and reports.
 */
PHYR_EXPORT unsigned phyr_list_entry_size(enum phyr_list_encoding enc, uint64_t addr, uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_LIST_H */
