/* SPDX-License-Identifier: MIT */
/*
 * Integer log2 helpers with the names and results of Linux's
 * include/linux/log2.h, for 64-bit operands.
 */
#ifndef PHYR_SRC_LOG2_H
#define PHYR_SRC_LOG2_H

#include <stdint.h>

/* order_base_2(): ceil(log2(n)), 0 for n <= 1. */
static inline unsigned int order_base_2(uint64_t n)
{
	return n > 1 ? 64 - (unsigned int)__builtin_clzll(n - 1) : 0;
}

/* roundup_pow_of_two() for 1 <= n <= 2^63. */
static inline uint64_t roundup_pow_of_two(uint64_t n)
{
	return n > 1 ? UINT64_C(1) << (64 - __builtin_clzll(n - 1)) : 1;
}

#endif /* PHYR_SRC_LOG2_H */
