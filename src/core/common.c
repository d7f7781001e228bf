// SPDX-License-Identifier: MIT
/*
 * Common helpers: the default allocator, the fail-nth test allocator and
 * the version string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Each block carries its size in a header (FAILNTH_HDR bytes, keeping
 * malloc's alignment), so that a free with another size is counted.
 */
#define FAILNTH_HDR 16

static void *failnth_alloc(void *ctx, size_t size)
{
	struct phyr_failnth *f = ctx;
	unsigned char *p;

	f->nallocs++;
	if (f->fail_at != 0 && f->nallocs == f->fail_at)
		return NULL;
	if (size > SIZE_MAX - FAILNTH_HDR)
		return NULL;
	p = malloc(size + FAILNTH_HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	f->nlive++;
	f->nbytes_live += size;
	return p + FAILNTH_HDR;
}

static void failnth_free(void *ctx, void *ptr, size_t size)
{
	struct phyr_failnth *f = ctx;
	unsigned char *p = ptr;
	size_t had;

	if (!ptr)
		return;
	p -= FAILNTH_HDR;
	memcpy(&had, p, sizeof(had));
	if (had != size)
		f->nbad_frees++;
	f->nlive--;
	f->nbytes_live -= size;
	free(p);
}

void phyr_failnth_allocator(struct phyr_failnth *f, struct phyr_allocator *a)
{
	if (!f || !a)
		return;
	a->alloc = failnth_alloc;
	a->free = failnth_free;
	a->ctx = f;
}

const char *phyr_version(void)
{
	return PHYR_VERSION;
}
