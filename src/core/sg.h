/* SPDX-License-Identifier: MIT */
/* Private helpers of the scatterlist model shared with the bio_vec baseline. */
#ifndef PHYR_SRC_SG_H
#define PHYR_SRC_SG_H

#include <stdint.h>

/* The model's struct page pointer: pfn << 12 | pgmap << 2 (markers clear). */
uint64_t sg_page_word(uint64_t pfn, unsigned int pgmap);

#endif /* PHYR_SRC_SG_H */
