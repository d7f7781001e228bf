// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the page-vector parser of `phyr-sim sg-build`
 * (sim/sg-vectors.c) and the scatterlist builders it drives. Each input is
 * split into lines; every line that parses is run through the builders in
 * two layouts, and the printed results must agree (the fields printed do
 * not depend on the entry size for non-append vectors).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg-vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Keeps one input's work small: the builders are linear in the pages. Well
 * above 4096 pages, so that tables of many chained chunks are built too.
 */
#define FUZZ_MAX_PAGES 65536u

static void run_line(const char *line)
{
	struct sg_vector v;
	char err[160], *b24 = NULL, *b32 = NULL;
	size_t n24 = 0, n32 = 0;
	FILE *f24, *f32;

	if (sg_vector_parse(line, &v, err, sizeof(err)) != 0) {
		if (!err[0])
			abort();	/* every failure carries a message */
		return;
	}
	if (v.npages == 0 || (v.app && v.napp == 0))
		abort();
	if (v.npages + v.napp > FUZZ_MAX_PAGES) {
		sg_vector_free(&v);
		return;
	}
	f24 = open_memstream(&b24, &n24);
	f32 = open_memstream(&b32, &n32);
	if (f24 && f32) {
		int r24 = sg_vector_run(&v, PHYR_SG_LAYOUT_64, f24);
		int r32 = sg_vector_run(&v, PHYR_SG_LAYOUT_64_LEN_FLAGS, f32);

		fclose(f24);
		fclose(f32);
		f24 = f32 = NULL;
		if (r24 == 0 && r32 == 0 && !v.app && (n24 != n32 || memcmp(b24, b32, n24) != 0))
			abort();
	}
	if (f24)
		fclose(f24);
	if (f32)
		fclose(f32);
	free(b24);
	free(b32);
	sg_vector_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line, *save = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(line, " -> ");

		if (arrow)
			*arrow = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		run_line(line);
	}
	free(buf);
	return 0;
}
