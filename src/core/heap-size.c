// SPDX-License-Identifier: MIT
/* Heap size classes (see heap-size.h). */
#include "heap-size.h"

static struct heap_size_oracle oracle;
static bool have_oracle;

void heap_size_set_oracle(const struct heap_size_oracle *o)
{
	if (o && o->size_class) {
		oracle = *o;
		have_oracle = true;
	} else {
		have_oracle = false;
	}
}

bool heap_size_get_oracle(struct heap_size_oracle *out)
{
	if (!have_oracle)
		return false;
	if (out)
		*out = oracle;
	return true;
}

uint64_t heap_size_roundup(uint64_t size)
{
	if (size == 0)
		return 0;
	if (!have_oracle || size > SIZE_MAX)
		return size;
	return oracle.size_class(oracle.ctx, (size_t)size);
}
