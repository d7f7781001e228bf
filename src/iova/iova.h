/* SPDX-License-Identifier: MIT */
/* Private declarations of the IOVA module (src/iova*.c). */
#ifndef PHYR_SRC_IOVA_H
#define PHYR_SRC_IOVA_H

#include "phyr/iova.h"

/* Linux's order_base_2(): ceil(log2(n)), 0 for n <= 1. */
static inline unsigned int iova_order_base_2(uint64_t n)
{
	return n > 1 ? 64 - (unsigned int)__builtin_clzll(n - 1) : 0;
}

/* Linux's roundup_pow_of_two() for 1 <= n <= 2^63. */
static inline uint64_t iova_roundup_pow2(uint64_t n)
{
	return n > 1 ? UINT64_C(1) << (64 - __builtin_clzll(n - 1)) : 1;
}

/*
 * Locks of @d held now (tree, depot and per-CPU class locks): 0 between
 * calls. For tests: a path that forgets an unlock shows here at once
 * instead of as a later hang.
 */
unsigned int iova_nlocks_held(struct phyr_iova_domain *d);

#endif /* PHYR_SRC_IOVA_H */
