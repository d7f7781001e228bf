/* SPDX-License-Identifier: MIT */
/*
 * Shared fixture of tests/test-dma.c and tests/test-dma-e2e.c: one machine
 * with every kind of memory a device can meet.
 *
 * RAM [0, 2 GiB) and [4 GiB, 8 GiB). Host bridge 0000 (00.0 Intel 0x2030,
 * allow-listed): root port 00:01.0 -> bus 1 with the client 01:00.0 and
 * provider A 01:01.0 (same bus, no ACS: BUS_ADDR); root port 00:02.0 ->
 * provider B 02:00.0 (other root port: THRU_HOST_BRIDGE). Host bridge
 * 0001 (00.0 vendor 0x1af4, not allow-listed) with provider C 0001:00:01.0
 * (NOT_SUPPORTED). BAR 0 of each provider is 1 MiB of P2P memory:
 * A at CPU 0x3_0000_0000 bus 0xc000_0000, B at 0x3_1000_0000 bus
 * 0xd000_0000, C at 0x3_2000_0000 bus 0xe000_0000.
 * swiotlb pool at 0x7000_0000, 512 slots (1 MiB), one area, backed by the
 * machine's memory.
 *
 * Built from machines/test-fixture.machine (mode FX_DIRECT) and its
 * per-mode siblings, embedded at build time (shipped-machines.h).
 */
#ifndef TEST_DMA_E2E_FX_H
#define TEST_DMA_E2E_FX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phyr/builder.h"
#include "phyr/dma-mapping.h"
#include "phyr/device.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"
#include "phyr/swiotlb.h"

#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/iommu.h"
#include "phyr/iova.h"

#include "shipped-machines.h"

#define FX_POOL 0x70000000ull
#define FX_BAR_A 0x300000000ull
#define FX_BUS_A 0xc0000000ull
#define FX_BAR_B 0x310000000ull
#define FX_BUS_B 0xd0000000ull
#define FX_BAR_C 0x320000000ull
#define FX_BUS_C 0xe0000000ull
#define FX_BAR_LEN 0x100000ull

enum fx_mode {
	FX_DIRECT = 0,     /* no IOMMU, identity */
	FX_DIRECT_OFFSET,  /* no IOMMU, bus offset: dma = phys + 0x1_0000_0000 */
	FX_DIRECT_BOUNCE,  /* no IOMMU, swiotlb=force (every mapping bounces) */
	FX_IOMMU,          /* strict DMA domain */
	FX_IOMMU_FQ,       /* DMA-FQ domain (flush queue) */
	FX_IOMMU_UNTRUSTED,/* strict DMA domain, untrusted device (bounces unaligned) */
	FX_NMODES
};

/* dma-debug checker given to the next fixtures' device (NULL = none). */
static struct phyr_dma_debug *fx_debug;

static const char *const fx_mode_names[FX_NMODES] = {
	"direct", "direct-offset", "direct-bounce", "iommu", "iommu-fq", "iommu-untrusted",
};

/* The shipped description of each mode (machines/, embedded at build time). */
static const char *const fx_mode_files[FX_NMODES] = {
	"test-fixture.machine",       "test-fixture-direct-offset.machine",
	"test-fixture-direct-bounce.machine", "test-fixture-iommu.machine",
	"test-fixture-iommu-fq.machine", "test-fixture-iommu-untrusted.machine",
};

/*
 * A fixture: the machine built from its description. The system owns
 * everything; a test that puts its own device in @dev or its own DMA
 * domain in @d leaves them for fx_free() to destroy.
 */
struct fx {
	struct phyr_system *sys;
	struct phyr_machine *m;
	struct phyr_physmem *pm;
	struct phyr_pci_dev *client, *prov_a, *prov_b, *prov_c;
	struct phyr_swiotlb *tlb;
	struct phyr_swiotlb_memory mem; /* the pool's view of the machine's memory */
	struct phyr_device *dev;        /* the client's DMA device */
	enum fx_mode mode;
	struct phyr_iommu_dma_cookie *d; /* the DMA domain (IOMMU modes) */
};

/*
 * @text with @kv ("key=value") on its `device` line: the line's value of
 * the key is replaced, or the pair appended. A new string (free()); NULL
 * when out of memory or the text has no device line.
 */
static char *fx_device_key(const char *text, const char *kv)
{
	const char *line = strstr(text, "\ndevice "), *eol, *at, *rest;
	size_t len = strlen(text) + strlen(kv) + 2;
	char pat[40], *out;

	if (!line)
		return NULL;
	line++;
	eol = line + strcspn(line, "\n");
	snprintf(pat, sizeof(pat), " %.*s", (int)strcspn(kv, "=") + 1, kv);
	at = strstr(line, pat);
	if (at && at < eol)
		rest = at + 1 + strcspn(at + 1, " \t\n");
	else
		at = rest = eol;
	out = malloc(len);
	if (out)
		snprintf(out, len, "%.*s %s%s", (int)(at - text), text, kv, rest);
	return out;
}

/*
 * A fixture in @mode, from machines/test-fixture*.machine with @kv
 * ("key=value") set on the client's device line (NULL = as shipped).
 * Aborts on failure.
 */
static struct fx *fx_new_key(enum fx_mode mode, const char *kv)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *text = shipped_machine(fx_mode_files[mode]);
	char *own = kv ? fx_device_key(text, kv) : NULL;
	char err[256] = "";

	if (!f || (kv && !own))
		abort();
	if (phyr_system_build_string(own ? own : text, fx_mode_files[mode], NULL, &f->sys, err,
				     sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	free(own);
	f->mode = mode;
	f->m = phyr_system_machine(f->sys);
	f->pm = phyr_system_physmem(f->sys);
	f->client = phyr_system_pci_dev(f->sys, "client");
	f->prov_a = phyr_system_pci_dev(f->sys, "prov_a");
	f->prov_b = phyr_system_pci_dev(f->sys, "prov_b");
	f->prov_c = phyr_system_pci_dev(f->sys, "prov_c");
	f->tlb = phyr_system_swiotlb(f->sys);
	phyr_dma_swiotlb_memory(f->m, &f->mem);
	f->dev = phyr_system_device(f->sys, "client");
	f->d = phyr_iommu_dma_get_cookie(f->dev);
	if (!f->client || !f->tlb || !f->dev || (mode >= FX_IOMMU) != (f->d != NULL))
		abort();
	if (fx_debug && phyr_device_set_dma_debug(f->dev, fx_debug))
		abort();
	return f;
}

/* A fixture in @mode; @mask the device's DMA mask (0 = 64 bits). */
static struct fx *fx_new_mask(enum fx_mode mode, uint64_t mask)
{
	char kv[64];

	if (!mask)
		return fx_new_key(mode, NULL);
	snprintf(kv, sizeof(kv), "dma-mask=0x%llx", (unsigned long long)mask);
	return fx_new_key(mode, kv);
}

static struct fx *fx_new(enum fx_mode mode)
{
	return fx_new_mask(mode, 0);
}

static void fx_free(struct fx *f)
{
	if (!f)
		return;
	/* a test's own domain and device first, then the system's */
	if (f->d != phyr_system_group_cookie(f->sys, "grp"))
		phyr_iommu_dma_cookie_destroy(f->d);
	if (f->dev != phyr_system_device(f->sys, "client"))
		phyr_device_destroy(f->dev);
	phyr_system_destroy(f->sys);
	free(f);
}

/* A scatterlist of @n entries (phys, len) in a new table. */
static struct phyr_sg_table *fx_sgt(const uint64_t *phys, const uint32_t *len, int n)
{
	struct phyr_sg_table *t;
	const struct phyr_sg_layout *L;
	struct phyr_scatterlist *s;

	if (phyr_sg_table_create(PHYR_SG_LAYOUT_DEFAULT, NULL, &t) ||
	    phyr_sg_alloc_table(t, (unsigned)n))
		abort();
	L = phyr_sg_table_layout(t);
	s = phyr_sg_table_sgl(t);
	for (int i = 0; i < n; i++, s = phyr_sg_next(L, s))
		if (phyr_sg_set_phys(L, s, phys[i], 0, len[i]))
			abort();
	return t;
}

/* Leak check: nothing mapped, no bounce slot, no IOVA, no PTE left. */
static bool fx_clean(struct fx *f)
{
	if (phyr_swiotlb_used(f->tlb) != 0)
		return false;
	if (f->d) {
		struct phyr_iommu_stats st;
		uint64_t nodes = 1, pages = 1;

		phyr_iommu_fq_flush(phyr_iommu_dma_cookie_domain(f->d));
		phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(f->d));
		phyr_iova_usage(phyr_iommu_dma_cookie_iovad(f->d), &nodes, &pages);
		phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(f->d), &st);
		if (nodes || pages || st.nbytes_mapped != st.nbytes_unmapped)
			return false;
	}
	return true;
}

#endif /* TEST_DMA_E2E_FX_H */
