/* SPDX-License-Identifier: MIT */
/* Private helpers around struct phyr_allocator. */
#ifndef PHYR_SRC_ALLOC_H
#define PHYR_SRC_ALLOC_H

#include <string.h>

#include "phyr/common.h"

static inline const struct phyr_allocator *alloc_or_default(const struct phyr_allocator *a)
{
	return a ? a : phyr_allocator_default();
}

static inline void *alloc_mem(const struct phyr_allocator *a, size_t size)
{
	return a->alloc(a->ctx, size ? size : 1);
}

static inline void *alloc_zeroed(const struct phyr_allocator *a, size_t size)
{
	void *p = alloc_mem(a, size);

	if (p)
		memset(p, 0, size);
	return p;
}

static inline void alloc_free(const struct phyr_allocator *a, void *p, size_t size)
{
	if (p)
		a->free(a->ctx, p, size ? size : 1);
}

/* Linux's min_not_zero(): the smaller of two limits, 0 meaning "no limit". */
static inline uint64_t min_not_zero(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* Invariant checks that stay on in every build libphyr ships. */
#include <stdio.h>
#include <stdlib.h>
#define PHYR_ASSERT(cond)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "libphyr: %s:%d: assertion failed: %s\n", \
				__FILE__, __LINE__, #cond);                      \
			abort();                                                 \
		}                                                                \
	} while (0)

#endif /* PHYR_SRC_ALLOC_H */
