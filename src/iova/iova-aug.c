// SPDX-License-Identifier: MIT
/*
 * The "augmented" IOVA policy: the same tree and hints as "linux", each
 * node also holding the free gap below it and the largest gap of its
 * subtree, so an allocation jumps from candidate to candidate in
 * O(log n) instead of walking every node. Returns exactly Linux's pfns
 * (tests/test-iova-diff.c checks it against the linux policy).
 */
#define TREE_AUGMENTED 1
#include "iova-tree.h"

static const struct phyr_iova_policy_ops aug_ops = {
	.name = "augmented",
	.priv_size = sizeof(struct tree),
	.init = tree_init,
	.finish = tree_finish,
	.alloc = tree_alloc,
	.remove = tree_remove,
	.find = tree_find,
	.reserve = tree_reserve,
	.walk = tree_walk_all,
	.check = tree_check,
};

const struct phyr_iova_policy_ops *phyr_iova_policy_augmented(void)
{
	return &aug_ops;
}
