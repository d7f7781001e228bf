// SPDX-License-Identifier: MIT
/*
 * Tests of the events-only capture replay (src/capture/events.c through
 * phyr/capture.h) on small captures written here, each pfn worked out by
 * hand from iova.c's rules (top-down, size-aligned, the per-CPU range
 * cache) and dma-iommu.c's (a 32-bit try first, the flush queue): map_sg
 * groups of several iommu:map lines, an offset in the first page, a dma:
 * event without map lines, the boot identity map, two devices of one
 * group sharing a domain, unmaps attributed to the newest allocation or
 * to the device of a preceding dma_unmap_* line, a 32-bit space that is
 * full, lazy domains, auto mode, and malformed lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/builder.h"
#include "phyr/capture.h"

#define MAX_SEEN 32

struct seen {
	unsigned int n;
	struct phyr_capture_alloc a[MAX_SEEN];
	char dom[MAX_SEEN][64];
};

static void on_alloc(void *ctx, const struct phyr_capture_alloc *a)
{
	struct seen *s = ctx;

	assert_true(s->n < MAX_SEEN);
	s->a[s->n] = *a;
	snprintf(s->dom[s->n], sizeof(s->dom[0]), "%s", a->domain_name ? a->domain_name : "");
	s->n++;
}

static int run(const char *text, enum phyr_capture_mode mode, enum phyr_capture_domain_type dt,
	       struct seen *s, struct phyr_capture **out, char *err, size_t errlen)
{
	struct phyr_capture_config cfg = { 0 };
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	memset(s, 0, sizeof(*s));
	cfg.mode = mode;
	cfg.domain = dt;
	cfg.on_alloc = on_alloc;
	cfg.ctx = s;
	assert_int_equal(phyr_capture_create(&cfg, out), 0);
	ret = phyr_capture_run(*out, "t.log", f, err, errlen);
	fclose(f);
	return ret;
}

static void expect(const struct seen *s, unsigned int i, uint64_t line, const char *dom, uint64_t size,
		   uint64_t lpfn, uint64_t mpfn)
{
	assert_true(i < s->n);
	assert_int_equal(s->a[i].line, line);
	assert_string_equal(s->dom[i], dom);
	assert_int_equal(s->a[i].size, size);
	assert_int_equal(s->a[i].linux_pfn, lpfn);
	assert_true(s->a[i].model_ok);
	assert_int_equal(s->a[i].model_pfn, mpfn);
}

#define T "          dd-10      [000] .....     "

static const char two_groups[] =
	"# entries-in-buffer/entries-written: 30/30   #P:1\n"                                          /* 1 */
	"#   iovad=0x1 -> 0000:00:01.0 (nvme); start_pfn=0x1; reserved [0xfee00-0xfeeff]\n"            /* 2 */
	T "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"                       /* 3 */
	T "1.000001: add_device_to_group: IOMMU: groupID=2 device=0000:00:02.0\n"                       /* 4 */
	T "1.000002: add_device_to_group: IOMMU: groupID=2 device=0000:00:02.1\n"                       /* 5 */
	/* the boot identity map: no allocation */
	"           init-1    [000] .....     1.000003: map: IOMMU: iova=0x0000000000000000 - 0x0000000001000000 paddr=0x0000000000000000 size=16777216\n" /* 6 */
	/* 01.0: one page with an offset: 0x200 + 3584 bytes */
	T "1.100000: map: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x0000000001234000 size=4096\n" /* 7 */
	T "1.100001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=fffff200 size=3584 phys_addr=1234200 attrs=\n" /* 8 */
	/* 02.0: map_sg of 3 pages in two chunks (rounded to 4, size-aligned) */
	T "1.100010: map: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffe000 paddr=0x0000000000100000 size=8192\n" /* 9 */
	T "1.100011: map: IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 paddr=0x0000000000200000 size=4096\n" /* 10 */
	T "1.100012: dma_map_sg: 0000:00:02.0 dir=FROM_DEVICE nents=2/2 ents=2/2 dma_addrs={0xffffc000,0xffffe000} sizes={0x2000,0x1000} phys_addrs={0x100000,0x200000} attrs=\n" /* 11 */
	/* 02.1 shares group 2's domain: below 02.0's range */
	T "1.100020: map: IOMMU: iova=0x00000000ffffb000 - 0x00000000ffffc000 paddr=0x0000000000300000 size=4096\n" /* 12 */
	T "1.100021: dma_alloc: 0000:00:02.1 dir=BIDIRECTIONAL dma_addr=ffffb000 size=100 virt_addr=(____ptrval____) flags=GFP_KERNEL attrs=\n" /* 13 */
	/* 01.0: two pages, no map line: size from the event; 0xffffe-f overlaps 0xfffff */
	T "1.100030: dma_map_phys: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffc000 size=8192 phys_addr=5000 attrs=\n" /* 14 */
	/* 0xffffc is live in both domains: the newest (01.0's) is unmapped */
	T "1.100040: unmap: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffe000 size=8192 unmapped_size=8192\n" /* 15 */
	/* ... so 01.0's next two pages come from its range cache */
	T "1.100050: map: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffe000 paddr=0x0000000000006000 size=8192\n" /* 16 */
	T "1.100051: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffc000 size=8192 phys_addr=6000 attrs=\n" /* 17 */
	/* a dma_unmap_sg of 02.0 names the domain of the next unmap */
	T "1.100060: dma_unmap_sg: 0000:00:02.0 dir=FROM_DEVICE phys_addrs={0x100000,0x200000} attrs=\n" /* 18 */
	T "1.100061: unmap: IOMMU: iova=0x00000000ffffc000 - 0x00000000fffff000 size=12288 unmapped_size=12288\n" /* 19 */
	/* 02.0's next 3 pages: its cached 4-page range */
	T "1.100070: map: IOMMU: iova=0x00000000ffffc000 - 0x00000000fffff000 paddr=0x0000000000400000 size=12288\n" /* 20 */
	T "1.100071: dma_map_sg: 0000:00:02.0 dir=FROM_DEVICE nents=1/1 ents=1/1 dma_addrs={0xffffc000} sizes={0x3000} phys_addrs={0x400000} attrs=\n" /* 21 */
	/* an unmap of nothing known */
	T "1.100080: unmap: IOMMU: iova=0x0000000012345000 - 0x0000000012346000 size=4096 unmapped_size=4096\n"; /* 22 */

static void test_events_groups_and_unmaps(void **state)
{
	struct phyr_capture_summary sum;
	struct phyr_capture_domain_info d;
	struct phyr_capture_device dev;
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	assert_int_equal(run(two_groups, PHYR_CAPTURE_EVENTS, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			     sizeof(err)), 0);
	assert_int_equal(s.n, 6);
	expect(&s, 0, 8, "0000:00:01.0", 1, 0xfffff, 0xfffff);
	expect(&s, 1, 11, "0000:00:02.0", 3, 0xffffc, 0xffffc);
	expect(&s, 2, 13, "0000:00:02.0", 1, 0xffffb, 0xffffb);
	expect(&s, 3, 14, "0000:00:01.0", 2, 0xffffc, 0xffffc);
	expect(&s, 4, 17, "0000:00:01.0", 2, 0xffffc, 0xffffc);
	expect(&s, 5, 21, "0000:00:02.0", 3, 0xffffc, 0xffffc);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_int_equal(sum.mode, PHYR_CAPTURE_EVENTS);
	assert_false(sum.whatif);
	assert_false(sum.lazy);
	assert_int_equal(sum.nallocs, 6);
	assert_int_equal(sum.nmatched, 6);
	assert_int_equal(sum.nunmaps, 2);
	assert_int_equal(sum.nunknown_unmaps, 1);
	assert_int_equal(sum.ndomains, 2);
	assert_int_equal(sum.ndevices, 3);
	assert_int_equal(sum.model_cpus, 1);

	assert_int_equal(phyr_capture_get_domain(c, 0, &d), 0);
	assert_string_equal(d.name, "0000:00:01.0");
	assert_int_equal(d.group, 1);
	assert_int_equal(d.nallocs, 3);
	assert_int_equal(d.nfrees, 1);
	assert_int_equal(d.nreserved, 1); /* the header's */
	assert_int_equal(d.peak_live, 2);
	assert_int_equal(d.peak_pages, 3);
	assert_int_equal(d.span_lo, 0xffffc);
	assert_int_equal(d.span_hi, 0xfffff);
	/* 0xffffe is free between 0xffffc-d and 0xfffff */
	assert_int_equal(d.span_free, 1);
	assert_int_equal(d.span_largest_hole, 1);
	assert_int_equal(d.stats.nrcache_hits, 1);
	/* x86-64 4-level table: the root and one table per lower level; three
	 * table entries, 1 + 2 + 2 leaves written, 2 cleared; one strict unmap */
	assert_int_equal(d.pt_pages, 4);
	assert_int_equal(d.pt_pages_peak, 4);
	assert_int_equal(d.npte_writes, 10);
	assert_int_equal(d.ninvalidations, 1);
	assert_int_equal(phyr_capture_get_domain(c, 1, &d), 0);
	assert_string_equal(d.name, "0000:00:02.0");
	assert_int_equal(d.group, 2);
	assert_int_equal(d.nallocs, 3);
	assert_int_equal(d.nfrees, 1);
	assert_int_equal(d.nreserved, 1); /* the MSI range */
	assert_int_equal(d.peak_live, 2);
	assert_int_equal(d.peak_pages, 4);
	assert_int_equal(phyr_capture_get_domain(c, 2, &d), -ENOENT);
	assert_int_equal(phyr_capture_get_device(c, 2, &dev), 0);
	assert_string_equal(dev.name, "0000:00:02.1");
	assert_int_equal(dev.group, 2);
	assert_int_equal(phyr_capture_get_device(c, 3, &dev), -ENOENT);
	phyr_capture_destroy(c);
}

/* With the 32-bit space reserved, the first try fails: the whole aperture
 * (39 bits here) with the flush, and from then on that device only. */
static void test_events_dac(void **state)
{
	static const char text[] =
		"#   dmesg: [    0.505887] DMAR: Host address width 39\n"
		"#   iovad=0x1 -> 0000:00:01.0 (nvme); start_pfn=0x1; reserved [0x1-0xfffff]\n"
		T "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"
		T "1.100001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=7ffffff000 size=4096 phys_addr=1234000 attrs=\n"
		T "1.100002: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=7fffffe000 size=4096 phys_addr=1235000 attrs=\n";
	struct phyr_capture_domain_info d;
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	assert_int_equal(run(text, PHYR_CAPTURE_AUTO, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err, sizeof(err)),
			 0);
	assert_int_equal(s.n, 2);
	expect(&s, 0, 4, "0000:00:01.0", 1, 0x7ffffff, 0x7ffffff);
	expect(&s, 1, 5, "0000:00:01.0", 1, 0x7fffffe, 0x7fffffe);
	assert_int_equal(phyr_capture_get_domain(c, 0, &d), 0);
	/* one failed 32-bit try (the second allocation skipped it), one flush retry */
	assert_int_equal(d.stats.nfast_allocs, 3);
	assert_int_equal(d.stats.nalloc_fails, 1);
	phyr_capture_destroy(c);
}

/* A map_sg without map lines: the span of its segments; truncated arrays
 * without map lines give no allocation. */
static void test_events_sg_without_map(void **state)
{
	static const char text[] =
		T "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"
		T "1.100001: dma_map_sg: 0000:00:01.0 dir=TO_DEVICE nents=2/2 ents=2/2 dma_addrs={0xfffc0200,0xfffc2000} sizes={0x1e00,0x800} phys_addrs={0x1200,0x2000} attrs=\n"
		T "1.100002: dma_map_sg: 0000:00:01.0 dir=TO_DEVICE full_nents=300 full_ents=300 nents=128/300 ents=128/300 dma_addrs={0xfff00000} sizes={0x1000} phys_addrs={0x1000} truncated=1 attrs=\n";
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	assert_int_equal(run(text, PHYR_CAPTURE_EVENTS, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			     sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	/* 0xfffc0000 - 0xfffc3000: 3 pages; Linux's 0xfffc0 is not the model's 0xffffc */
	assert_int_equal(s.a[0].line, 2);
	assert_int_equal(s.a[0].size, 3);
	assert_int_equal(s.a[0].linux_pfn, 0xfffc0);
	assert_int_equal(s.a[0].model_pfn, 0xffffc);
	phyr_capture_destroy(c);
}

/* The 7.x two-step API: dma_iova_try_alloc's size is the allocation,
 * linked piecewise (map lines); its devname names the device. */
static void test_events_two_step(void **state)
{
	static const char text[] =
		T "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"
		T "1.100000: dma_iova_try_alloc: (nvme_map_data+0x5c/0x290 <- dma_iova_try_alloc) dev=0xffff888100001000 phys=0x1200 size=8192 ok=1 devname=\"0000:00:01.0\"\n"
		T "1.100001: map: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffd000 paddr=0x0000000000001000 size=4096\n"
		T "1.100002: map: IOMMU: iova=0x00000000ffffd000 - 0x00000000ffffe000 paddr=0x0000000000009000 size=4096\n"
		T "1.100003: unmap: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffe000 size=8192 unmapped_size=8192\n"
		T "1.100004: dma_iova_try_alloc: (nvme_map_data+0x5c/0x290 <- dma_iova_try_alloc) dev=0xffff888100001000 phys=0x3000 size=4096 ok=0\n"
		T "1.100005: dma_iova_try_alloc: (nvme_map_data+0x5c/0x290 <- dma_iova_try_alloc) dev=0xffff888100001000 phys=0x3000 size=4096 ok=1 devname=\"0000:00:01.0\"\n"
		T "1.100006: map: IOMMU: iova=0x00000000ffffb000 - 0x00000000ffffc000 paddr=0x0000000000003000 size=4096\n";
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	assert_int_equal(run(text, PHYR_CAPTURE_EVENTS, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			     sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	/* 3 pages (0x200 + 8 KiB), of which 2 linked; a size-4 range at 0xffffc */
	expect(&s, 0, 3, "0000:00:01.0", 3, 0xffffc, 0xffffc);
	/* it went to the range cache: the next page comes from the tree below */
	expect(&s, 1, 8, "0000:00:01.0", 1, 0xffffb, 0xffffb);
	phyr_capture_destroy(c);
}

/* Lazy: the unmapped range waits for the 10 ms timer. */
static void test_events_lazy(void **state)
{
	static const char text[] =
		"#   dmesg: [    1.546386] iommu: DMA domain TLB invalidation policy: lazy mode (set via kernel command line)\n"
		T "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"
		T "1.000001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=fffff000 size=4096 phys_addr=1000 attrs=\n"
		T "1.000100: unmap: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 size=4096 unmapped_size=4096\n"
		/* 9.9 ms after the unmap: still queued */
		T "1.010000: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffe000 size=4096 phys_addr=2000 attrs=\n"
		/* the timer has run: 0xfffff is back in the cache */
		T "1.010100: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=fffff000 size=4096 phys_addr=3000 attrs=\n";
	struct phyr_capture_summary sum;
	struct phyr_capture_domain_info d;
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	assert_int_equal(run(text, PHYR_CAPTURE_AUTO, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err, sizeof(err)),
			 0);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_true(sum.lazy);
	assert_int_equal(sum.nmatched, 3);
	expect(&s, 1, 5, "0000:00:01.0", 1, 0xffffe, 0xffffe);
	expect(&s, 2, 6, "0000:00:01.0", 1, 0xfffff, 0xfffff);
	assert_int_equal(phyr_capture_get_domain(c, 0, &d), 0);
	assert_int_equal(d.nfq_flushes, 1);
	assert_int_equal(d.peak_live, 2);
	/* 0xfffff waited from its unmap (1.000100) to the timer's expiry
	 * (1.010100, applied at the last line): one window of 10 ms */
	assert_int_equal(d.nstale, 1);
	assert_int_equal(d.stale_pages, 1);
	assert_int_equal(d.stale_ns_max, 10000000);
	assert_int_equal(d.stale_ns_total, 10000000);
	assert_int_equal(d.stale_page_ns, 10000000);
	assert_int_equal(d.nstale_open, 0);
	/* reads: 3 maps miss, the unmap's read of 0xfffff hits; the flush
	 * drops the stale 0xfffff and the live 0xffffe, so the third map
	 * misses again */
	assert_int_equal(d.niotlb_hits, 1);
	assert_int_equal(d.niotlb_misses, 3);
	assert_int_equal(d.niotlb_invalidated, 2);
	assert_int_equal(d.niotlb_evictions, 0);
	/* no #P: line, so 64 model CPUs, each with 6 classes x (loaded +
	 * prev) x 1 KiB; the depot stays empty */
	assert_int_equal(d.mag_bytes, 64 * 12288);
	assert_int_equal(d.mag_bytes_peak, 64 * 12288);
	phyr_capture_destroy(c);
	/* forced strict: the second mapping reuses 0xfffff at once */
	assert_int_equal(run(text, PHYR_CAPTURE_AUTO, PHYR_CAPTURE_DOMAIN_STRICT, &s, &c, err,
			     sizeof(err)), 0);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_false(sum.lazy);
	assert_int_equal(s.a[1].model_pfn, 0xfffff);
	assert_int_equal(sum.nmatched, 1);
	assert_int_equal(phyr_capture_get_domain(c, 0, &d), 0);
	assert_int_equal(d.nstale, 0);
	assert_int_equal(d.nstale_open, 0);
	/* the unmap invalidates only its own page */
	assert_int_equal(d.niotlb_hits, 1);
	assert_int_equal(d.niotlb_misses, 3);
	assert_int_equal(d.niotlb_invalidated, 1);
	phyr_capture_destroy(c);
}

/* Lazy on two CPUs: the timer armed by CPU 1's unmap frees every CPU's
 * queue (CPU 0's first) into CPU 1's range cache. */
#define T0 "          dd-10      [000] .....     "
#define T1 "          dd-11      [001] .....     "
static void test_events_lazy_2cpu(void **state)
{
	static const char text[] =
		"# entries-in-buffer/entries-written: 9/9   #P:2\n"
		T0 "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"
		T1 "1.000001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=fffff000 size=4096 phys_addr=1000 attrs=\n"
		T1 "1.000100: unmap: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 size=4096 unmapped_size=4096\n"
		T0 "1.000200: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffe000 size=4096 phys_addr=2000 attrs=\n"
		T0 "1.000300: unmap: IOMMU: iova=0x00000000ffffe000 - 0x00000000fffff000 size=4096 unmapped_size=4096\n"
		/* the timer (CPU 1's) has run: CPU 0's cache is still empty */
		T0 "1.020000: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffd000 size=4096 phys_addr=3000 attrs=\n"
		/* CPU 1's cache got 0xffffe then 0xfffff: the newest first */
		T1 "1.020100: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=fffff000 size=4096 phys_addr=4000 attrs=\n"
		T1 "1.020200: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffe000 size=4096 phys_addr=5000 attrs=\n"
		/* an iommu:map line makes this an IOMMU capture */
		T0 "1.030000: map: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffd000 paddr=0x0000000000006000 size=4096\n";
	struct phyr_capture_summary sum;
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	assert_int_equal(run(text, PHYR_CAPTURE_EVENTS, PHYR_CAPTURE_DOMAIN_LAZY, &s, &c, err,
			     sizeof(err)), 0);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_int_equal(sum.model_cpus, 2);
	expect(&s, 2, 7, "0000:00:01.0", 1, 0xffffd, 0xffffd);
	expect(&s, 3, 8, "0000:00:01.0", 1, 0xfffff, 0xfffff);
	expect(&s, 4, 9, "0000:00:01.0", 1, 0xffffe, 0xffffe);
	phyr_capture_destroy(c);
}

/* auto: exact with the allocator probes, events without. */
static void test_events_auto(void **state)
{
#define MAP_LINE T "1.000001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=fffff000 size=4096 phys_addr=1000 attrs=\n"
	static const char probes[] =
		"#       f16:qt/iova_alloc alloc_iova_fast%return iovad=$arg1:x64 size=$arg2:u64\n" MAP_LINE;
	static const char events[] =
		T "1.000000: map: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x0000000000001000 size=4096\n"
		MAP_LINE;
	struct phyr_capture_summary sum;
	struct phyr_capture *c;
	struct seen s;
	char err[256];

	(void)state;
	/* the header defines the probes: exact, which finds no allocation line */
	assert_int_equal(run(probes, PHYR_CAPTURE_AUTO, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			     sizeof(err)), -ENOTSUP);
	phyr_capture_destroy(c);
	assert_int_equal(run(events, PHYR_CAPTURE_AUTO, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			     sizeof(err)), 0);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_int_equal(sum.mode, PHYR_CAPTURE_EVENTS);
	assert_int_equal(sum.nallocs, 1);
	/* a device without a group: a domain of its own */
	assert_int_equal(sum.ndomains, 1);
	assert_int_equal(sum.ndevices, 0);
	phyr_capture_destroy(c);
	/* neither iommu:map lines nor IOMMU groups: dma-direct or swiotlb, no IOVA */
	assert_int_equal(run(MAP_LINE, PHYR_CAPTURE_AUTO, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			     sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "t.log:1: no iommu:map lines and no allocator probes: no IOVA to replay");
	phyr_capture_destroy(c);
}

static void test_events_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ T "1.0: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=zz size=4096 attrs=\n",
		  "t.log:1: dma_map_page: field dma_addr= is not a hex number" },
		{ T "1.0: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=1000 attrs=\n",
		  "t.log:1: dma_map_page: no field size=" },
		{ T "1.0: map: IOMMU: iova=0x1000 - 0x2000 paddr=0x0\n", "t.log:1: map: no field size=" },
		{ T "1.0: unmap: IOMMU: iova=x size=4096\n",
		  "t.log:1: unmap: field iova= is not a hex number" },
		{ T "1.0: dma_map_sg: 0000:00:01.0 dir=TO_DEVICE dma_addrs={0x1000,zz} sizes={0x1000,0x1000}\n",
		  "t.log:1: dma_map_sg: field dma_addrs= is not a list of hex numbers" },
		{ T "1.0: dma_map_sg: 0000:00:01.0 dir=TO_DEVICE sizes={0x1000}\n",
		  "t.log:1: dma_map_sg: no field dma_addrs=" },
		{ T "1.0: add_device_to_group: IOMMU: groupID=x device=0000:00:01.0\n",
		  "t.log:1: add_device_to_group: field groupID= is not a number" },
		{ "garbage\n", "t.log:1: " },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct phyr_capture *c;
		struct seen s;
		char err[256];
		int ret = run(cases[i].text, PHYR_CAPTURE_EVENTS, PHYR_CAPTURE_DOMAIN_AUTO, &s, &c, err,
			      sizeof(err));

		assert_true(ret == -EINVAL || ret == -EBADMSG);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s', expected '%s'", i, err, cases[i].msg);
		phyr_capture_destroy(c);
	}
}

static void test_events_config(void **state)
{
	struct phyr_capture_config cfg = { 0 };
	struct phyr_capture *c;

	(void)state;
	cfg.mode = PHYR_CAPTURE_EVENTS + 1;
	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	cfg.mode = PHYR_CAPTURE_EVENTS;
	cfg.domain = PHYR_CAPTURE_DOMAIN_LAZY + 1;
	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	cfg.domain = PHYR_CAPTURE_DOMAIN_AUTO;
	/* IOTLB geometry: both or neither, ways dividing entries, at most 65536 */
	cfg.iotlb_entries = 64;
	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	cfg.iotlb_ways = 3;
	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	cfg.iotlb_entries = 65537;
	cfg.iotlb_ways = 1;
	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	cfg.iotlb_entries = 65536;
	cfg.iotlb_ways = 65536;
	assert_int_equal(phyr_capture_create(&cfg, &c), 0);
	phyr_capture_destroy(c);
}

/*
 * A machine description: 01.0 (64-bit streaming mask, 30-bit coherent
 * mask) and 02.0 (32-bit mask) share group g, whose reserve= range holds
 * pfn 0xfffff; the capture names no group for them (only 03.0's).
 */
static void test_events_machine(void **state)
{
	static const char desc[] =
		"host-bridge hb0\n"
		"endpoint a parent=hb0 devfn=01.0 id=1b36:0010\n"
		"endpoint b parent=hb0 devfn=02.0 id=8086:10d3\n"
		"iommu-group g format=x86-64-4l reserve=0xfffff000-0xffffffff\n"
		"device pci=a dma-mask=64bit coherent-mask=30bit group=g\n"
		"device pci=b dma-mask=32bit group=g\n";
	static const char text[] =
		"# entries-in-buffer/entries-written: 4/4   #P:1\n"
		T "1.000000: add_device_to_group: IOMMU: groupID=9 device=0000:00:03.0\n"
		/* 32-bit try first: the top pfn is reserved */
		T "1.000001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffe000 size=4096 phys_addr=1000 attrs=\n"
		/* dma_alloc: the 30-bit coherent mask */
		T "1.000002: dma_alloc: 0000:00:01.0 dir=BIDIRECTIONAL dma_addr=3ffff000 size=4096 virt_addr=(____ptrval____) flags=GFP_KERNEL attrs=\n"
		/* 02.0 shares the domain; its 32-bit limit starts the search at
		 * the cached node of the 32-bit space, the 30-bit range */
		T "1.000003: dma_map_page: 0000:00:02.0 dir=TO_DEVICE dma_addr=3fffe000 size=4096 phys_addr=2000 attrs=\n";
	struct phyr_capture_config cfg = { 0 };
	struct phyr_capture_summary sum;
	struct phyr_capture_domain_info d;
	struct phyr_system *sys;
	struct phyr_capture *c;
	struct seen s;
	char err[256];
	FILE *f;

	(void)state;
	assert_int_equal(phyr_system_build_string(desc, "m", NULL, &sys, err, sizeof(err)), 0);
	for (int with = 1; with >= 0; with--) {
		f = fmemopen((void *)text, strlen(text), "r");
		assert_non_null(f);
		memset(&s, 0, sizeof(s));
		memset(&cfg, 0, sizeof(cfg));
		cfg.mode = PHYR_CAPTURE_EVENTS;
		cfg.on_alloc = on_alloc;
		cfg.ctx = &s;
		cfg.machine = with ? sys : NULL;
		assert_int_equal(phyr_capture_create(&cfg, &c), 0);
		assert_int_equal(phyr_capture_run(c, "t.log", f, err, sizeof(err)), 0);
		fclose(f);
		assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
		if (with) {
			assert_int_equal(sum.ndomains, 1);
			assert_int_equal(sum.nmatched, 3);
			expect(&s, 0, 3, "0000:00:01.0", 1, 0xffffe, 0xffffe);
			expect(&s, 1, 4, "0000:00:01.0", 1, 0x3ffff, 0x3ffff);
			expect(&s, 2, 5, "0000:00:01.0", 1, 0x3fffe, 0x3fffe);
			assert_int_equal(phyr_capture_get_domain(c, 0, &d), 0);
			assert_int_equal(d.group, -1);
			assert_int_equal(d.nreserved, 2); /* the MSI range and g's */
		} else {
			/* the capture names groups and none of these two: dma-direct */
			assert_int_equal(sum.ndomains, 0);
			assert_int_equal(sum.nallocs, 0);
		}
		phyr_capture_destroy(c);
	}
	phyr_system_destroy(sys);
}

/* The IOTLB geometry: a one-entry IOTLB loses the map's entry of a 2-page
 * range before the unmap's reads; 64 entries keep both pages. */
static void test_events_iotlb(void **state)
{
	static const char text[] =
		"# entries-in-buffer/entries-written: 4/4   #P:1\n"
		T "1.000000: add_device_to_group: IOMMU: groupID=1 device=0000:00:01.0\n"
		T "1.000001: dma_map_page: 0000:00:01.0 dir=TO_DEVICE dma_addr=ffffe000 size=8192 phys_addr=1000 attrs=\n"
		T "1.000100: unmap: IOMMU: iova=0x00000000ffffe000 - 0x0000000100000000 size=8192 unmapped_size=8192\n"
		T "1.000200: map: IOMMU: iova=0x00000000ffffc000 - 0x00000000ffffd000 paddr=0x0000000000006000 size=4096\n";
	static const unsigned int geo[2][2] = { { 1, 1 }, { 64, 4 } };
	/* hits, misses, evictions, entries invalidated */
	static const uint64_t want[2][4] = { { 0, 5, 3, 1 }, { 2, 3, 0, 2 } };

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct phyr_capture_config cfg = { 0 };
		struct phyr_capture_domain_info d;
		FILE *f = fmemopen((void *)text, strlen(text), "r");
		struct phyr_capture *c;
		char err[256];

		assert_non_null(f);
		cfg.mode = PHYR_CAPTURE_EVENTS;
		cfg.iotlb_entries = geo[i][0];
		cfg.iotlb_ways = geo[i][1];
		assert_int_equal(phyr_capture_create(&cfg, &c), 0);
		assert_int_equal(phyr_capture_run(c, "t.log", f, err, sizeof(err)), 0);
		fclose(f);
		assert_int_equal(phyr_capture_get_domain(c, 0, &d), 0);
		assert_int_equal(d.niotlb_hits, want[i][0]);
		assert_int_equal(d.niotlb_misses, want[i][1]);
		assert_int_equal(d.niotlb_evictions, want[i][2]);
		assert_int_equal(d.niotlb_invalidated, want[i][3]);
		phyr_capture_destroy(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_groups_and_unmaps),
		cmocka_unit_test(test_events_dac),
		cmocka_unit_test(test_events_sg_without_map),
		cmocka_unit_test(test_events_two_step),
		cmocka_unit_test(test_events_lazy),
		cmocka_unit_test(test_events_lazy_2cpu),
		cmocka_unit_test(test_events_auto),
		cmocka_unit_test(test_events_errors),
		cmocka_unit_test(test_events_config),
		cmocka_unit_test(test_events_iotlb),
		cmocka_unit_test(test_events_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
