// SPDX-License-Identifier: MIT
/*
 * The "linux" IOVA policy: Linux v6.17's rb-tree allocator, walking
 * predecessors one node at a time exactly as drivers/iommu/iova.c does
 * (see iova-tree.h for the shared state and rules).
 */
#define TREE_AUGMENTED 0
#include "iova-tree.h"

static const struct phyr_iova_policy_ops linux_ops = {
	.name = "linux",
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

const struct phyr_iova_policy_ops *phyr_iova_policy_linux(void)
{
	return &linux_ops;
}
