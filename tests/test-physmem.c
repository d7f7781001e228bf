// SPDX-License-Identifier: MIT
/* Tests of the simulated physical memory: sparse, byte-backed, zero-filled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/machine.h"

static void test_physmem_untouched_reads_zero_without_alloc(void **state)
{
	struct phyr_physmem *pm;
	struct phyr_physmem_stats st;
	uint8_t buf[8192];

	(void)state;
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(phyr_physmem_read(pm, 0xfffffffffffff000ull - 0x1000, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 0);
	assert_int_equal(st.nbytes_read, 8192);
	phyr_physmem_destroy(pm);
}

static void test_physmem_write_read_across_pages(void **state)
{
	struct phyr_physmem *pm;
	struct phyr_physmem_stats st;
	uint8_t in[10000], out[10000];
	size_t diff;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	/* 0x1000_0ff0 + 10000 bytes ends at 0x1000_36ff: pfns 0x10000 .. 0x10003 */
	assert_int_equal(phyr_physmem_write(pm, 0x10000ff0, in, sizeof(in)), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 4);
	assert_int_equal(st.nbytes_pages, 4 * 4096);
	assert_true(phyr_physmem_is_backed(pm, 0x10000000));
	assert_true(phyr_physmem_is_backed(pm, 0x10003fff));
	assert_false(phyr_physmem_is_backed(pm, 0x10004000));
	assert_int_equal(phyr_physmem_read(pm, 0x10000ff0, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(phyr_physmem_compare(pm, 0x10000ff0, in, sizeof(in), &diff), 0);
	assert_int_equal(diff, sizeof(in));
	in[5000] ^= 1;
	assert_int_equal(phyr_physmem_compare(pm, 0x10000ff0, in, sizeof(in), &diff), 0);
	assert_int_equal(diff, 5000);
	/* bytes just before the write are still zero */
	assert_int_equal(phyr_physmem_read(pm, 0x10000fe0, out, 16), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], 0);
	phyr_physmem_destroy(pm);
}

static void test_physmem_memset_zero_allocates_nothing(void **state)
{
	struct phyr_physmem *pm;
	struct phyr_physmem_stats st;
	uint8_t out[4];

	(void)state;
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	assert_int_equal(phyr_physmem_memset(pm, 0x5000, 0, 0x100000), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 0);
	assert_int_equal(phyr_physmem_memset(pm, 0x5ffe, 0x5a, 4), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 2);
	assert_int_equal(phyr_physmem_read(pm, 0x5ffd, out, 4), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 0x5a);
	assert_int_equal(out[3], 0x5a);
	phyr_physmem_destroy(pm);
}

static void test_physmem_copy_overlapping(void **state)
{
	struct phyr_physmem *pm;
	uint8_t in[3000], out[3000];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	assert_int_equal(phyr_physmem_write(pm, 0x2000, in, sizeof(in)), 0);
	/* forward overlap: dst above src */
	assert_int_equal(phyr_physmem_copy(pm, 0x2100, 0x2000, sizeof(in)), 0);
	assert_int_equal(phyr_physmem_read(pm, 0x2100, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* backward overlap: dst below src */
	assert_int_equal(phyr_physmem_copy(pm, 0x2080, 0x2100, sizeof(in)), 0);
	assert_int_equal(phyr_physmem_read(pm, 0x2080, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	phyr_physmem_destroy(pm);
}

static void test_physmem_discard_frees_whole_pages(void **state)
{
	struct phyr_physmem *pm;
	struct phyr_physmem_stats st;
	uint8_t ff[3 * 4096], out[3 * 4096];

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	assert_int_equal(phyr_physmem_write(pm, 0x7000, ff, sizeof(ff)), 0);
	/* discard [0x7800, 0x9800): pfn 8 freed, half of 7 and 9 zeroed */
	assert_int_equal(phyr_physmem_discard(pm, 0x7800, 0x2000), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 2);
	assert_int_equal(st.npage_frees, 1);
	assert_false(phyr_physmem_is_backed(pm, 0x8000));
	assert_int_equal(phyr_physmem_read(pm, 0x7000, out, sizeof(out)), 0);
	assert_int_equal(out[0x7ff], 0xff);
	assert_int_equal(out[0x800], 0);
	assert_int_equal(out[0x27ff], 0);
	assert_int_equal(out[0x2800], 0xff);
	/* a huge discard sweeps the table */
	assert_int_equal(phyr_physmem_discard(pm, 0, SIZE_MAX), 0);
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 0);
	phyr_physmem_destroy(pm);
}

static void test_physmem_many_pages_rehash(void **state)
{
	struct phyr_physmem *pm;
	struct phyr_physmem_stats st;
	uint64_t v, i;

	(void)state;
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	for (i = 0; i < 1000; i++) {
		v = i * 0x1234567ull;
		assert_int_equal(phyr_physmem_write(pm, (i * 37) << 12 | 8, &v, sizeof(v)), 0);
	}
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 1000);
	for (i = 0; i < 1000; i += 2)
		assert_int_equal(phyr_physmem_discard(pm, (i * 37) << 12, 4096), 0);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(phyr_physmem_read(pm, (i * 37) << 12 | 8, &v, sizeof(v)), 0);
		assert_int_equal(v, (i & 1) ? i * 0x1234567ull : 0);
	}
	phyr_physmem_get_stats(pm, &st);
	assert_int_equal(st.npages, 500);
	phyr_physmem_destroy(pm);
}

static void test_physmem_bad_args(void **state)
{
	struct phyr_physmem *pm;
	uint8_t b[2] = { 7, 8 };
	size_t d;

	(void)state;
	assert_int_equal(phyr_physmem_create(NULL, NULL), -EINVAL);
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	assert_int_equal(phyr_physmem_read(pm, UINT64_MAX, b, 2), -EINVAL);
	assert_int_equal(phyr_physmem_write(pm, UINT64_MAX, b, 2), -EINVAL);
	assert_int_equal(phyr_physmem_write(pm, 0, NULL, 2), -EINVAL);
	assert_int_equal(phyr_physmem_compare(pm, 0, b, 2, NULL), -EINVAL);
	assert_int_equal(phyr_physmem_read(NULL, 0, b, 2), -EINVAL);
	/* the last byte of the space is fine */
	assert_int_equal(phyr_physmem_write(pm, UINT64_MAX, b, 1), 0);
	assert_int_equal(phyr_physmem_compare(pm, UINT64_MAX, b, 1, &d), 0);
	assert_int_equal(d, 1);
	phyr_physmem_destroy(pm);
	phyr_physmem_destroy(NULL);
}

/* Fail the n-th allocation until the write succeeds: nothing leaks, contents unchanged. */
static void test_physmem_failnth_write_rolls_back(void **state)
{
	uint8_t in[5 * 4096], out[5 * 4096], old[5 * 4096];
	struct phyr_physmem_stats st;
	struct phyr_allocator a;
	struct phyr_physmem *pm;
	struct phyr_failnth f;
	uint64_t n;
	int ret;

	(void)state;
	memset(in, 0x3c, sizeof(in));
	memset(old, 0, sizeof(old));
	memset(old + 4096, 0x11, 4096); /* pfn 1 of the range written beforehand */
	for (n = 1;; n++) {
		f = (struct phyr_failnth){ 0 };
		phyr_failnth_allocator(&f, &a);
		assert_int_equal(phyr_physmem_create(&a, &pm), 0);
		assert_int_equal(phyr_physmem_write(pm, 0x41000, old + 4096, 4096), 0);
		f.fail_at = f.nallocs + n;
		ret = phyr_physmem_write(pm, 0x40000, in, sizeof(in));
		phyr_physmem_get_stats(pm, &st);
		assert_int_equal(phyr_physmem_read(pm, 0x40000, out, sizeof(out)), 0);
		if (ret == 0) {
			assert_memory_equal(out, in, sizeof(in));
			assert_int_equal(st.npages, 5);
			phyr_physmem_destroy(pm);
			assert_int_equal(f.nlive, 0);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
		assert_memory_equal(out, old, sizeof(old));
		assert_int_equal(st.npages, 1);
		phyr_physmem_destroy(pm);
		assert_int_equal(f.nlive, 0);
	}
	assert_true(n > 2);
}

/* xorshift64*: seeded, deterministic */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* Random writes/memsets/copies/discards in a 64 KiB window against a flat reference. */
static void test_physmem_random_against_reference(void **state)
{
	enum { WIN = 65536 };
	static uint8_t ref[WIN], got[WIN], tmp[WIN];
	const uint64_t base = 0x123456000ull;
	uint64_t seed = 0x5eed1234ull, s = seed;
	struct phyr_physmem *pm;
	size_t off, len, src, diff;
	int op, i;

	(void)state;
	memset(ref, 0, sizeof(ref));
	assert_int_equal(phyr_physmem_create(NULL, &pm), 0);
	for (i = 0; i < 3000; i++) {
		off = rnd(&s) % WIN;
		len = rnd(&s) % (WIN - off) % 9000;
		op = (int)(rnd(&s) % 4);
		switch (op) {
		case 0:
			for (size_t k = 0; k < len; k++)
				tmp[k] = (uint8_t)rnd(&s);
			assert_int_equal(phyr_physmem_write(pm, base + off, tmp, len), 0);
			memcpy(ref + off, tmp, len);
			break;
		case 1:
			assert_int_equal(phyr_physmem_memset(pm, base + off, (int)(i & 3) * 0x55, len), 0);
			memset(ref + off, (i & 3) * 0x55, len);
			break;
		case 2:
			src = rnd(&s) % (WIN - len + 1);
			assert_int_equal(phyr_physmem_copy(pm, base + off, base + src, len), 0);
			memmove(ref + off, ref + src, len);
			break;
		default:
			assert_int_equal(phyr_physmem_discard(pm, base + off, len), 0);
			memset(ref + off, 0, len);
			break;
		}
		if (i % 100 == 0 || i == 2999) {
			assert_int_equal(phyr_physmem_read(pm, base, got, WIN), 0);
			if (memcmp(got, ref, WIN)) {
				assert_int_equal(phyr_physmem_compare(pm, base, ref, WIN, &diff), 0);
				print_error("seed 0x%llx: mismatch after op %d at offset %zu\n",
					    (unsigned long long)seed, i, diff);
				fail();
			}
		}
	}
	phyr_physmem_destroy(pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_physmem_untouched_reads_zero_without_alloc),
		cmocka_unit_test(test_physmem_write_read_across_pages),
		cmocka_unit_test(test_physmem_memset_zero_allocates_nothing),
		cmocka_unit_test(test_physmem_copy_overlapping),
		cmocka_unit_test(test_physmem_discard_frees_whole_pages),
		cmocka_unit_test(test_physmem_many_pages_rehash),
		cmocka_unit_test(test_physmem_bad_args),
		cmocka_unit_test(test_physmem_failnth_write_rolls_back),
		cmocka_unit_test(test_physmem_random_against_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
