/* SPDX-License-Identifier: MIT */
/*
 * libphyr common definitions: export macro, allocator hook, version.
 *
 * Every module of libphyr follows the same conventions: functions that can
 * fail return 0 or a negative errno (-ENOMEM, -EINVAL, ...) and hand results
 * back through out-parameters; every exported name starts with "phyr_".
 */
#ifndef PHYR_COMMON_H
#define PHYR_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PHYR_BUILDING_LIBRARY) && defined(__GNUC__)
#define PHYR_EXPORT __attribute__((visibility("default")))
#else
#define PHYR_EXPORT
#endif

/** The CPU page size libphyr models (4 KiB), and its shift. */
#define PHYR_PAGE_SHIFT 12
#define PHYR_PAGE_SIZE (UINT64_C(1) << PHYR_PAGE_SHIFT)

/**
 * struct phyr_allocator - memory hook of a libphyr object.
 * @alloc: returns @size bytes or NULL; never called with size 0.
 * @free: releases a block from @alloc; @size is the size asked for.
 * @ctx: passed to both.
 *
 * Every object that allocates takes an optional allocator at creation
 * (NULL = malloc/free), so tests can fail the n-th allocation and check that
 * nothing leaked and no state was left half-changed.
 */
struct phyr_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

/** The default allocator (malloc/free). Never NULL. */
PHYR_EXPORT const struct phyr_allocator *phyr_allocator_default(void);

/**
 * struct phyr_failnth - a test allocator that fails the n-th allocation.
 * @fail_at: 1-based index of the allocation to fail; 0 never fails.
 * @nallocs: allocations attempted so far (including the failed one).
 * @nlive: blocks currently held.
 * @nbytes_live: bytes currently held.
 * @nbad_frees: frees whose size differs from the block's allocation size
 *	(the allocator hook's contract); @nbytes_live subtracts the size the
 *	free reports, so such a free also leaves it non-zero.
 */
struct phyr_failnth {
	uint64_t fail_at;
	uint64_t nallocs;
	uint64_t nlive;
	uint64_t nbytes_live;
	uint64_t nbad_frees;
};

/** Fills @a with an allocator backed by malloc that counts into @f; NULL @f or @a: nothing. */
PHYR_EXPORT void phyr_failnth_allocator(struct phyr_failnth *f, struct phyr_allocator *a);

/** Library version string, e.g. "0.1.0". */
PHYR_EXPORT const char *phyr_version(void);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_COMMON_H */
