// SPDX-License-Identifier: MIT
/* The "buddy" IOVA policy (not implemented yet). */
#include "iova.h"

const struct phyr_iova_policy_ops *phyr_iova_policy_buddy(void)
{
	return NULL;
}
