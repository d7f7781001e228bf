// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the machine-description reader (<phyr/builder.h>) on
 * arbitrary text. Malformed input must be rejected with a FILE:LINE
 * message, never crash or leak. A description that builds is built a
 * second time with one of its allocations failing (chosen from the input
 * size): that build must fail with -ENOMEM and leave nothing allocated.
 * Allocations above 16 MiB, or beyond 256 MiB held, fail, so a legal but
 * huge machine (a swiotlb pool of 2^40 slots, many 4096-CPU domains) is an
 * -ENOMEM, not an out-of-memory kill.
 * Seeds: corpus/machine-desc/ (the shipped machines/); dictionary:
 * machine-desc.dict (run with -dict=tests/fuzz/machine-desc.dict).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phyr/builder.h"
#include "phyr/device.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct capped {
	uint64_t fail_at; /* 1-based; 0 = never */
	uint64_t nallocs;
	uint64_t nlive;
	uint64_t nbytes_live;
};

static void *capped_alloc(void *ctx, size_t size)
{
	struct capped *c = ctx;
	void *p;

	if (++c->nallocs == c->fail_at || size > (16u << 20) ||
	    c->nbytes_live + size > (256u << 20))
		return NULL;
	p = malloc(size);
	if (p) {
		c->nlive++;
		c->nbytes_live += size;
	}
	return p;
}

static void capped_free(void *ctx, void *ptr, size_t size)
{
	struct capped *c = ctx;

	if (ptr) {
		c->nlive--;
		c->nbytes_live -= size;
	}
	free(ptr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capped f = { 0 };
	struct phyr_allocator a = { capped_alloc, capped_free, &f };
	struct phyr_system *s = NULL;
	char *text, err[256];
	uint64_t n;
	int ret;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ret = phyr_system_build_string(text, "fuzz", &a, &s, err, sizeof(err));
	if (ret) {
		if ((ret != -EINVAL && ret != -ENOMEM) || strncmp(err, "fuzz:", 5) || f.nlive)
			abort();
		free(text);
		return 0;
	}
	for (size_t i = 0; i < phyr_system_ndevices(s); i++)
		if (phyr_system_device(s, phyr_device_name(phyr_system_device_at(s, i))) !=
		    phyr_system_device_at(s, i))
			abort();
	phyr_system_destroy(s);
	n = f.nallocs;
	if (f.nlive || !n)
		abort();
	f = (struct capped){ .fail_at = 1 + size % n };
	s = NULL;
	ret = phyr_system_build_string(text, "fuzz", &a, &s, err, sizeof(err));
	if (ret != -ENOMEM || s || f.nlive)
		abort();
	free(text);
	return 0;
}
