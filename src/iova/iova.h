/* SPDX-License-Identifier: MIT */
/* Private declarations of iova.c (the IOVA domain and its range cache). */
#ifndef PHYR_SRC_IOVA_H
#define PHYR_SRC_IOVA_H

#include "phyr/iova.h"

/*
 * Locks of @d held now (tree, depot and per-CPU class locks): 0 between
 * calls. For tests: a path that forgets an unlock shows here at once
 * instead of as a later hang.
 */
unsigned int iova_nlocks_held(struct phyr_iova_domain *d);

#endif /* PHYR_SRC_IOVA_H */
