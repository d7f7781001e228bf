/* SPDX-License-Identifier: MIT */
/*
 * Page vectors of `phyr-sim sg-build` (format: docs/formats.md,
 * docs/sg.md): parsing one line, running it through libphyr's scatterlist
 * builders and printing the result line. Uses only the public API, and no
 * other sim/ file, so the fuzz target can compile it alone.
 */
#ifndef PHYR_SIM_SG_VECTORS_H
#define PHYR_SIM_SG_VECTORS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <phyr/scatterlist.h>

struct sg_vector {
	uint64_t *pages;	/* pfns of the first call */
	unsigned int npages;
	uint64_t *app;		/* pfns of the second (append) call, or NULL */
	unsigned int napp;
	uint32_t offset;
	uint64_t size;
	uint32_t max_seg;
};

/*
 * Parses @line (the input part, without " -> " and comments) into @v.
 * Returns 0, or -1 with a message in @err (then @v holds nothing to free).
 * -ENOMEM when memory runs out (message set too).
 */
int sg_vector_parse(const char *line, struct sg_vector *v, char *err, size_t errlen);

/* Releases what sg_vector_parse() allocated; a zeroed vector is fine. */
void sg_vector_free(struct sg_vector *v);

/*
 * Runs @v with entries of @layout: *@t is the table built (the caller
 * destroys it), *@result the builders' return value (0 or a negative
 * errno; the table is then not to be read). Returns 0, or -ENOMEM when the
 * run could not be done at all (*@t NULL).
 */
int sg_vector_build(const struct sg_vector *v, enum phyr_sg_layout_id layout,
		    struct phyr_sg_table **t, int *result);

/* Prints the result line of sg_vector_build()'s @t and @result to @out. */
void sg_vector_print(const struct phyr_sg_table *t, int result, FILE *out);

/*
 * Runs @v with entries of @layout and prints one result line to @out:
 * "ret=0 nents=... bytes=B" or "ret=-ERRNO". Returns 0, or -ENOMEM when the
 * run could not be done at all (nothing printed).
 */
int sg_vector_run(const struct sg_vector *v, enum phyr_sg_layout_id layout, FILE *out);

#endif /* PHYR_SIM_SG_VECTORS_H */
