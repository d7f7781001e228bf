// SPDX-License-Identifier: MIT
/*
 * The registry of built-in IOVA placement policies, looked up by name
 * (`phyr-sim iova replay --policy NAME`). Kept out of iova.c so that the domain
 * depends on its default policy only, not on every policy.
 */
#include <string.h>

#include "phyr/iova.h"

const struct phyr_iova_policy_ops *phyr_iova_policy_find(const char *name)
{
	const struct phyr_iova_policy_ops *all[] = {
		phyr_iova_policy_linux(),
		phyr_iova_policy_augmented(),
		phyr_iova_policy_buddy(),
	};

	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] && strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
