/* SPDX-License-Identifier: MIT */
/*
 * Heap size classes: the bytes the process heap really reserves for a
 * block, below both the list container (its heap bytes) and the memory
 * accounting (which installs the oracle through phyr_account_set_backend).
 * The userspace counterpart of Linux's kmalloc_size_roundup().
 */
#ifndef PHYR_SRC_HEAP_SIZE_H
#define PHYR_SRC_HEAP_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The process-wide size-class oracle; @size_class NULL = none. */
struct heap_size_oracle {
	const char *name;
	size_t (*size_class)(void *ctx, size_t size);
	void *ctx;
};

/* Install a copy of @o (NULL or without @size_class: remove the oracle). */
void heap_size_set_oracle(const struct heap_size_oracle *o);

/* Copy the installed oracle into @out; false (@out untouched) when none. */
bool heap_size_get_oracle(struct heap_size_oracle *out);

/* Heap bytes for a block of @size bytes: the oracle's class, or @size
 * itself without an oracle (or above SIZE_MAX); 0 for 0. */
uint64_t heap_size_roundup(uint64_t size);

#endif /* PHYR_SRC_HEAP_SIZE_H */
