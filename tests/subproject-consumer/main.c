// SPDX-License-Identifier: MIT
/*
 * The consumer of tests/subproject-consumer: a few libphyr calls with
 * figures fixed by Linux's allocator and the list encodings; prints them,
 * exits 0 only when each is the expected one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <phyr/phyr.h>

static int show(const char *what, uint64_t got, uint64_t want)
{
	printf("%s %" PRIu64 "\n", what, got);
	return got == want ? 0 : 1;
}

int main(void)
{
	/* a 4-page run, a lone page, a 3-page run */
	static const uint64_t pfns[] = { 0x100, 0x101, 0x102, 0x103, 0x200, 0x300, 0x301, 0x302 };
	struct phyr_list_opts o = { .encoding = PHYR_LIST_PLAIN };
	struct phyr_iova_domain *dom;
	struct phyr_list_iter it;
	struct phyr_list *l;
	struct phyr run;
	uint64_t n = 0, pfn;
	int bad = 0;

	bad |= show("headers-match-library", strcmp(PHYR_VERSION_STRING, phyr_version()) == 0, 1);
	if (phyr_list_create(&o, NULL, &l) || phyr_list_append_pages(l, pfns, 8, 0, 8 * 4096))
		return 1;
	if (phyr_list_iter_init(l, &it) == 0)
		while (phyr_list_iter_next(&it, &run))
			n++;
	bad |= show("plain-runs", n, 3);
	bad |= show("plain-length", phyr_list_length(l), 8 * 4096);
	bad |= show("plain-layout-bytes", phyr_list_layout_bytes(l), 3 * 16);
	phyr_list_destroy(l);

	/* Linux: a 3-page fast allocation below 4 GiB is rounded up to 4
	 * pages and placed at the top of the space, pfn 0xffffc */
	if (phyr_iova_domain_create(4096, 1, NULL, NULL, &dom))
		return 1;
	if (phyr_iova_alloc_fast(dom, 3, 0xfffff, 0, true, &pfn))
		return 1;
	bad |= show("iova-alloc-fast-3", pfn, 0xffffc);
	phyr_iova_domain_destroy(dom);
	return bad;
}
