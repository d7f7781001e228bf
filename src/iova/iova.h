/* SPDX-License-Identifier: MIT */
/* Private declarations of iova.c (the IOVA domain and its range cache). */
#ifndef PHYR_SRC_IOVA_H
#define PHYR_SRC_IOVA_H

#include <stdbool.h>
#include <stdint.h>

#include "phyr/iova.h"

/*
 * Locks of @d held now (tree, depot and per-CPU class locks): 0 between
 * calls. For tests: a path that forgets an unlock shows here at once
 * instead of as a later hang.
 */
unsigned int iova_nlocks_held(struct phyr_iova_domain *d);

/*
 * Step operations, for the exact replay of Linux captures (capture/):
 * each applies one state change of iova.c alone, at the moment a capture
 * shows the kernel made it. Not exported; single-threaded domains only.
 */

/* Kernel profile: @max magazines per class in a fixed depot (pre-v6.7,
 * MAX_GLOBAL_MAGS = 32), or 0 for v6.7+'s unbounded, trimmed list. */
void iova_set_depot_max(struct phyr_iova_domain *d, unsigned int max);
/* Number of range-cache size classes (0 when the cache is off). */
unsigned int iova_nclasses(const struct phyr_iova_domain *d);
/* The per-CPU cache lookup of alloc_fast alone (size rounded as Linux
 * does). Return: 0 (*@pfn set), -ENOENT (miss, or size not cached), -EINVAL. */
int iova_step_lookup(struct phyr_iova_domain *d, unsigned int cpu, uint64_t size,
		     uint64_t limit_pfn, uint64_t *pfn);
/* alloc_fast's tree allocation after a miss (size rounded, size-aligned).
 * Return: 0, -ENOSPC, -ENOMEM, -EINVAL. */
int iova_step_tree_alloc(struct phyr_iova_domain *d, uint64_t size, uint64_t limit_pfn,
			 uint64_t *pfn);
/* free_fast's cache insertion alone. *@dropped: a full magazine met a
 * full fixed depot and left the cache; its ranges go back to the tree
 * when @to_tree, else they stay there until removed. Return: 0, -ENOENT
 * (size not cached), -ENOMEM, -EINVAL. */
int iova_step_insert(struct phyr_iova_domain *d, unsigned int cpu, uint64_t pfn, uint64_t size,
		     bool to_tree, bool *dropped);
/* Takes the depot magazine holding @pfn out of the cache (else the top
 * one of class @k_hint); the tree is not touched. Return: 0, -ENOENT. */
int iova_step_drop_depot_mag(struct phyr_iova_domain *d, uint64_t pfn, unsigned int k_hint);
/* Empties CPU @cpu's loaded and prev magazines; their ranges go back to
 * the tree when @to_tree (free_cpu_cached_iovas()), else the tree is
 * untouched. Return: 0, -EINVAL. */
int iova_step_cpu_drop(struct phyr_iova_domain *d, unsigned int cpu, bool to_tree);
/* free_global_cached_iovas(): every depot magazine back to the tree. */
void iova_step_depot_flush(struct phyr_iova_domain *d);

#endif /* PHYR_SRC_IOVA_H */
