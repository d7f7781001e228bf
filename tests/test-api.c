// SPDX-License-Identifier: MIT
/* The public API as an application sees it: umbrella header, shared library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <phyr/phyr.h>

static void test_api_version_is_semver(void **state)
{
	const char *v = phyr_version();

	(void)state;
	assert_non_null(v);
	assert_string_equal(v, "0.1.0");
}

static void test_api_default_allocator(void **state)
{
	const struct phyr_allocator *a = phyr_allocator_default();
	void *p;

	(void)state;
	assert_non_null(a);
	p = a->alloc(a->ctx, 64);
	assert_non_null(p);
	a->free(a->ctx, p, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_version_is_semver),
		cmocka_unit_test(test_api_default_allocator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
