// SPDX-License-Identifier: MIT
/*
 * A small program using the INSTALLED libphyr through pkg-config:
 *   cc phyr-example.c $(pkg-config --cflags --libs phyr)
 *
 * It builds one page list three ways (plain phyr, packed phyr, rlist) and
 * compares their bytes, then asks Linux's IOVA allocator policy for two
 * ranges the way dma-iommu does. Exit status 0 when every figure is the
 * one Linux and the encodings define.
 */
#include <inttypes.h>
#include <stdio.h>

#include <phyr/phyr.h>

static int check(const char *what, uint64_t got, uint64_t want)
{
	printf("%-34s %12" PRIu64 "%s\n", what, got, got == want ? "" : "  <-- unexpected");
	return got == want ? 0 : 1;
}

int main(void)
{
	/* 8 pages: a 4-page run, a lone page, a 3-page run. */
	static const uint64_t pfns[] = { 0x100, 0x101, 0x102, 0x103, 0x200, 0x300, 0x301, 0x302 };
	static const enum phyr_list_encoding encs[] = { PHYR_LIST_PLAIN, PHYR_LIST_PACKED, PHYR_LIST_RLIST };
	static const char *const names[] = { "plain", "packed", "rlist" };
	struct phyr_iova_domain *dom;
	uint64_t pfn;
	int bad = 0;

	printf("libphyr %s\n", phyr_version());
	for (int i = 0; i < 3; i++) {
		struct phyr_list_opts o = { .encoding = encs[i] };
		struct phyr_list *l;
		struct phyr_list_iter it;
		struct phyr run;
		uint64_t n = 0;
		char what[64];

		if (phyr_list_create(&o, NULL, &l) ||
		    phyr_list_append_pages(l, pfns, 8, 0, 8 * 4096)) {
			fprintf(stderr, "%s: list build failed\n", names[i]);
			return 1;
		}
		if (phyr_list_iter_init(l, &it) == 0)
			while (phyr_list_iter_next(&it, &run))
				n++;
		snprintf(what, sizeof(what), "%s: runs", names[i]);
		bad |= check(what, n, 3);
		snprintf(what, sizeof(what), "%s: layout bytes", names[i]);
		printf("%-34s %12" PRIu64 "\n", what, phyr_list_layout_bytes(l));
		phyr_list_destroy(l);
	}

	/* Linux policy: the first 3-page fast allocation under 4 GiB is
	 * rounded to 4 pages and lands at the top: pfn 0xffffc. */
	if (phyr_iova_domain_create(4096, 1, NULL, NULL, &dom))
		return 1;
	if (phyr_iova_alloc_fast(dom, 3, 0xfffff, 0, true, &pfn))
		return 1;
	bad |= check("iova: alloc_fast(3) pfn", pfn, 0xffffc);
	phyr_iova_free_fast(dom, pfn, 3, 0);
	if (phyr_iova_alloc_fast(dom, 4, 0xfffff, 0, true, &pfn))
		return 1;
	bad |= check("iova: alloc_fast(4) from the cache", pfn, 0xffffc);
	phyr_iova_domain_destroy(dom);
	return bad;
}
