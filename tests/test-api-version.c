// SPDX-License-Identifier: MIT
/*
 * <phyr/version.h> (the version a program is compiled against) agrees with
 * phyr_version() (the version of the shared library it runs with).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <phyr/phyr.h>

/* The macros must work in the preprocessor, where applications use them. */
#if !PHYR_CHECK_VERSION(0, 1, 0)
#error "PHYR_CHECK_VERSION(0, 1, 0) is false in the preprocessor"
#endif
#if PHYR_CHECK_VERSION(PHYR_VERSION_MAJOR + 1, 0, 0)
#error "PHYR_CHECK_VERSION is true for the next major version"
#endif

static void test_version_string_is_the_library_version(void **state)
{
	(void)state;
	assert_string_equal(PHYR_VERSION_STRING, phyr_version());
}

static void test_version_parts_match_the_library_version(void **state)
{
	unsigned int maj, min, mic;
	char tail;

	(void)state;
	/* exactly three decimal numbers and nothing after them */
	assert_int_equal(sscanf(phyr_version(), "%u.%u.%u%c", &maj, &min, &mic, &tail), 3);
	assert_int_equal(maj, PHYR_VERSION_MAJOR);
	assert_int_equal(min, PHYR_VERSION_MINOR);
	assert_int_equal(mic, PHYR_VERSION_MICRO);
	assert_int_equal(PHYR_VERSION_HEX, (maj << 16) | (min << 8) | mic);
}

static void test_version_hex_layout(void **state)
{
	char buf[32];

	(void)state;
	snprintf(buf, sizeof(buf), "%d.%d.%d", (PHYR_VERSION_HEX >> 16) & 0xff,
		 (PHYR_VERSION_HEX >> 8) & 0xff, PHYR_VERSION_HEX & 0xff);
	assert_string_equal(buf, phyr_version());
}

static void test_check_version_bounds(void **state)
{
	(void)state;
	assert_true(PHYR_CHECK_VERSION(PHYR_VERSION_MAJOR, PHYR_VERSION_MINOR, PHYR_VERSION_MICRO));
	assert_false(PHYR_CHECK_VERSION(PHYR_VERSION_MAJOR, PHYR_VERSION_MINOR, PHYR_VERSION_MICRO + 1));
	assert_false(PHYR_CHECK_VERSION(PHYR_VERSION_MAJOR, PHYR_VERSION_MINOR + 1, 0));
	assert_false(PHYR_CHECK_VERSION(PHYR_VERSION_MAJOR + 1, 0, 0));
	assert_true(PHYR_CHECK_VERSION(0, 0, 0));
	/* a later minor beats any micro of an earlier one */
	assert_true(PHYR_CHECK_VERSION(0, 0, 255));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_string_is_the_library_version),
		cmocka_unit_test(test_version_parts_match_the_library_version),
		cmocka_unit_test(test_version_hex_layout),
		cmocka_unit_test(test_check_version_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
