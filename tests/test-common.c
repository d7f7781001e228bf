// SPDX-License-Identifier: MIT
/* Tests of the common helpers: allocator hook and fail-nth allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "phyr/common.h"

static void test_common_failnth_fails_exactly_nth(void **state)
{
	struct phyr_failnth f = { .fail_at = 3 };
	struct phyr_allocator a;
	void *p1, *p2, *p3, *p4;

	(void)state;
	phyr_failnth_allocator(&f, &a);
	p1 = alloc_mem(&a, 10);
	p2 = alloc_zeroed(&a, 20);
	p3 = alloc_mem(&a, 30);
	p4 = alloc_mem(&a, 40);
	assert_non_null(p1);
	assert_non_null(p2);
	assert_null(p3);
	assert_non_null(p4);
	assert_int_equal(f.nallocs, 4);
	assert_int_equal(f.nlive, 3);
	assert_int_equal(f.nbytes_live, 70);
	alloc_free(&a, p1, 10);
	alloc_free(&a, p2, 20);
	alloc_free(&a, p4, 40);
	assert_int_equal(f.nlive, 0);
	assert_int_equal(f.nbytes_live, 0);
	assert_int_equal(f.nbad_frees, 0);
}

/* A free with another size than the allocation's is counted. */
static void test_common_failnth_counts_bad_frees(void **state)
{
	struct phyr_failnth f = { 0 };
	struct phyr_allocator a;
	void *p;

	(void)state;
	phyr_failnth_allocator(&f, &a);
	p = alloc_mem(&a, 24);
	assert_non_null(p);
	alloc_free(&a, p, 32);
	assert_int_equal(f.nbad_frees, 1);
	assert_int_equal(f.nlive, 0);
	assert_int_equal(f.nbytes_live, (uint64_t)-8);
	phyr_failnth_allocator(NULL, &a); /* a NULL counter: nothing happens */
	assert_ptr_equal(a.ctx, &f);
}

static void test_common_version(void **state)
{
	(void)state;
	assert_string_equal(phyr_version(), "0.1.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_failnth_fails_exactly_nth),
		cmocka_unit_test(test_common_failnth_counts_bad_frees),
		cmocka_unit_test(test_common_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
