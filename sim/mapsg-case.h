/* SPDX-License-Identifier: MIT */
/*
 * map_sg conformance cases (docs/formats.md): the parser of one
 * "mapsg mask=BITS max_seg=BYTES boundary=0xMASK ents=..." line and its
 * replay through libphyr's dma-iommu map_sg on a fresh machine. Public API
 * only; shared by phyr-sim mapsg and the fuzz target.
 */
#ifndef PHYR_SIM_MAPSG_CASE_H
#define PHYR_SIM_MAPSG_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct mapsg_ent {
	uint64_t phys;   /* page-aligned physical address of the page */
	uint32_t off;    /* sg->offset */
	uint32_t len;    /* sg->length */
	bool bus;        /* P2P page reached by bus address */
	uint64_t busoff; /* its provider's bus offset */
};

struct mapsg_case {
	unsigned int mask_bits;
	uint32_t max_seg;
	uint64_t boundary;
	size_t nents;
	struct mapsg_ent *ents; /* malloc'ed; mapsg_case_free */
};

/*
 * Parses @line (the input part, comments already removed) into @c. On
 * error returns -1 with a message (no newline) in @err.
 */
int mapsg_case_parse(char *line, struct mapsg_case *c, char *err, size_t errlen);

void mapsg_case_free(struct mapsg_case *c);

/* One DMA segment map_sg produced. */
struct mapsg_seg {
	uint64_t dma;    /* sg_dma_address */
	uint32_t len;    /* sg_dma_len */
	bool bus;        /* sg_dma_is_bus_address: a P2P bus address */
};

/* One iommu_map call of the run, in order. */
struct mapsg_map {
	uint64_t iova, paddr, size;
};

/* What one case gave. */
struct mapsg_result {
	int ret;                 /* segment count, or the negative errno */
	uint64_t iova, iova_len; /* the IOVA allocated (valid if ret >= 0) */
	struct mapsg_seg *segs;  /* ret entries (malloc'ed) */
	struct mapsg_map *maps;  /* nmaps entries (malloc'ed) */
	size_t nmaps;
};

/*
 * Runs @c on a fresh device, IOVA domain and recording IOMMU domain and
 * fills @res (free it with mapsg_result_free(), also after an error).
 * Returns 0, or -1 with a message in @err when the model itself failed
 * (out of memory).
 */
int mapsg_case_eval(const struct mapsg_case *c, struct mapsg_result *res, char *err,
		    size_t errlen);

void mapsg_result_free(struct mapsg_result *res);

/* Prints the result line of @res ("ret=N iova=... maps=..." or "ret=-ERRNO"). */
void mapsg_result_print(const struct mapsg_result *res, FILE *out);

/*
 * mapsg_case_eval() and mapsg_result_print() on @out. Returns 0, or -1 with
 * a message in @err when the model itself failed (out of memory).
 */
int mapsg_case_run(const struct mapsg_case *c, FILE *out, char *err, size_t errlen);

#endif /* PHYR_SIM_MAPSG_CASE_H */
