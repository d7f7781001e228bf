// SPDX-License-Identifier: MIT
/*
 * The jemalloc accounting backend of phyr-sim: nallocx() gives the size
 * class jemalloc serves a request from, i.e. the heap bytes the block
 * really holds. libphyr only sees a function pointer (phyr/account.h), so
 * applications that link libphyr never get jemalloc forced on them.
 */
#include <stdio.h>

#include "mem.h"

#ifdef PHYR_SIM_JEMALLOC
#include <jemalloc/jemalloc.h>

static size_t je_size_class(void *ctx, size_t size)
{
	(void)ctx;
	return nallocx(size, 0);
}

bool mem_jemalloc_install(char *name, size_t len)
{
	struct phyr_account_backend b = { .name = "jemalloc", .size_class = je_size_class };
	const char *version = NULL;
	size_t sz = sizeof(version);

	if (mallctl("version", (void *)&version, &sz, NULL, 0) != 0 || !version)
		version = "?";
	snprintf(name, len, "jemalloc %.*s", 5, version);
	phyr_account_set_backend(&b);
	return true;
}
#else
bool mem_jemalloc_install(char *name, size_t len)
{
	(void)name;
	(void)len;
	return false;
}
#endif
