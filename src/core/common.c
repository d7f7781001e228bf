// SPDX-License-Identifier: MIT
/*
 * Common helpers: the default allocator, the fail-nth test allocator and
 * the version string.
 */
#include <stdlib.h>

#include "phyr/common.h"

static void *default_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void default_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	(void)size;
	free(ptr);
}

static const struct phyr_allocator default_allocator = {
	.alloc = default_alloc,
	.free = default_free,
	.ctx = NULL,
};

const struct phyr_allocator *phyr_allocator_default(void)
{
	return &default_allocator;
}

static void *failnth_alloc(void *ctx, size_t size)
{
	struct phyr_failnth *f = ctx;
	void *p;

	f->nallocs++;
	if (f->fail_at != 0 && f->nallocs == f->fail_at)
		return NULL;
	p = malloc(size);
	if (p) {
		f->nlive++;
		f->nbytes_live += size;
	}
	return p;
}

static void failnth_free(void *ctx, void *ptr, size_t size)
{
	struct phyr_failnth *f = ctx;

	if (!ptr)
		return;
	f->nlive--;
	f->nbytes_live -= size;
	free(ptr);
}

void phyr_failnth_allocator(struct phyr_failnth *f, struct phyr_allocator *a)
{
	a->alloc = failnth_alloc;
	a->free = failnth_free;
	a->ctx = f;
}

const char *phyr_version(void)
{
	return PHYR_VERSION;
}
