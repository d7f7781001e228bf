// SPDX-License-Identifier: MIT
/*
 * Differential test of the swiotlb pool against a brute-force model written
 * from docs/formats.md alone: the model keeps one
 * "allocated" flag per slot and recomputes free runs by scanning, instead of
 * Linux's incrementally renumbered free counts. Random traces (seeded; the
 * seed is printed on failure) compare every returned address, every `used`
 * and every slot's free count.
 */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/swiotlb.h"

#define START UINT64_C(0x80000000)

struct model_map {
	uint64_t tlb, size;
	uint32_t min_align;
	uint64_t first, nslots;
};

struct model {
	uint64_t nslabs, area_n;
	uint32_t nareas;
	bool *busy;
	uint64_t *cursor, *used;
	struct model_map *maps;
	size_t nmaps;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* Free slots from @i to the first busy slot or the end of i's segment. */
static uint64_t model_run(const struct model *m, uint64_t i)
{
	uint64_t n = 0;

	if (m->busy[i])
		return 0;
	for (uint64_t j = i; j < m->nslabs && !m->busy[j]; j++) {
		n++;
		if ((j + 1) % 128 == 0)
			break;
	}
	return n;
}

static void model_init(struct model *m, uint64_t nslabs, uint32_t nareas)
{
	m->nslabs = nslabs;
	m->nareas = nareas;
	m->area_n = nslabs / nareas;
	m->busy = calloc(nslabs, sizeof(*m->busy));
	m->cursor = calloc(nareas, sizeof(*m->cursor));
	m->used = calloc(nareas, sizeof(*m->used));
	m->maps = calloc(nslabs, sizeof(*m->maps));
	m->nmaps = 0;
	assert_non_null(m->busy);
	assert_non_null(m->maps);
}

static void model_finish(struct model *m)
{
	free(m->busy);
	free(m->cursor);
	free(m->used);
	free(m->maps);
}

/* Format rules 3-6: one area; returns the first slot or -1. */
static int64_t model_search(struct model *m, uint32_t a, uint64_t orig, uint64_t size,
			    uint64_t nslots, uint32_t align, uint32_t min_align)
{
	uint64_t iotlb, stride, idx, checked;

	if (!align && !min_align && size >= 4096)
		align = 0xfff;
	align |= 0x7ff;
	iotlb = min_align & ~align;
	stride = ((align > iotlb ? align : iotlb) >> 11) + 1;
	if (nslots > m->area_n - m->used[a])
		return -1;
	idx = m->cursor[a];
	for (checked = 0; checked < m->area_n;) {
		uint64_t slot = a * m->area_n + idx;
		uint64_t addr = START + slot * 2048;

		if ((addr & align) || (orig && (addr & iotlb) != (orig & iotlb))) {
			idx = idx + 1 >= m->area_n ? 0 : idx + 1;
			checked++;
			continue;
		}
		if (model_run(m, slot) >= nslots) {
			for (uint64_t k = 0; k < nslots; k++)
				m->busy[slot + k] = true;
			m->cursor[a] = idx + nslots >= m->area_n ? 0 : idx + nslots;
			m->used[a] += nslots;
			return (int64_t)slot;
		}
		idx = idx + stride >= m->area_n ? 0 : idx + stride;
		checked += stride;
	}
	return -1;
}

static bool model_map(struct model *m, unsigned cpu, uint64_t orig, uint64_t size, uint32_t align,
		      uint32_t min_align, uint64_t *tlb)
{
	uint64_t offset = orig & min_align & (align | 0x7ff);
	uint64_t total = (size + offset + align) & ~(uint64_t)align;
	uint64_t nslots = (total + 2047) / 2048;
	uint32_t start = cpu % m->nareas, a = start;
	int64_t first = -1;

	do {
		first = model_search(m, a, orig, total, nslots, align, min_align);
		if (first >= 0)
			break;
		a = (a + 1) % m->nareas;
	} while (a != start);
	if (first < 0)
		return false;
	*tlb = START + ((uint64_t)first + (offset >> 11)) * 2048 + (offset & 0x7ff);
	m->maps[m->nmaps++] = (struct model_map){ *tlb, size, min_align, (uint64_t)first, nslots };
	return true;
}

static void model_unmap(struct model *m, size_t i)
{
	struct model_map mm = m->maps[i];

	for (uint64_t k = 0; k < mm.nslots; k++)
		m->busy[mm.first + k] = false;
	m->used[mm.first / m->area_n] -= mm.nslots;
	m->maps[i] = m->maps[--m->nmaps];
}

static uint64_t model_used(const struct model *m)
{
	uint64_t u = 0;

	for (uint32_t a = 0; a < m->nareas; a++)
		u += m->used[a];
	return u;
}

static const uint32_t align_masks[] = { 0, 0, 0, 0, 0xff, 0x7ff, 0xfff, 0xfff, 0x1fff, 0x3fff, 0xffff };
static const uint32_t min_masks[] = { 0, 0, 0, 0xf, 0x7ff, 0xfff, 0xfff, 0x1fff, 0x3fff, 0xffff };

static uint64_t random_size(void)
{
	switch (rnd_below(6)) {
	case 0: return 1 + rnd_below(2048);
	case 1: return 2048 * (1 + rnd_below(4)) + rnd_below(3) - 1;
	case 2: return 4096 * (1 + rnd_below(8));
	case 3: return 1 + rnd_below(64 * 1024);
	case 4: return 1 + rnd_below(270 * 1024);
	default: return 1 + rnd_below(16 * 1024);
	}
}

static void check_slots(struct phyr_swiotlb *p, const struct model *m, uint64_t seed, int op)
{
	for (uint64_t i = 0; i < m->nslabs; i++) {
		struct phyr_swiotlb_slot s;

		assert_int_equal(phyr_swiotlb_get_slot(p, i, &s), 0);
		if (s.list != model_run(m, i)) {
			fprintf(stderr, "seed %" PRIu64 " op %d: slot %" PRIu64 " list %u, model %" PRIu64 "\n",
				seed, op, i, s.list, model_run(m, i));
			fail();
		}
	}
}

static void run_one(uint64_t seed)
{
	static const uint64_t pool_sizes[] = { 128, 256, 300, 512, 1000, 1024, 2048 };
	uint64_t nslabs_req = pool_sizes[rnd_below(7)], nslabs;
	uint32_t nareas;
	struct phyr_swiotlb_config cfg = { .start = START, .nslabs = nslabs_req,
					   .nareas = rnd_below(9) };
	struct phyr_swiotlb *p = NULL;
	struct model m;
	int nops = 1500;

	assert_int_equal(phyr_swiotlb_geometry(cfg.nslabs, cfg.nareas, &nslabs, &nareas), 0);
	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), 0);
	model_init(&m, nslabs, nareas);
	for (int op = 0; op < nops; op++) {
		bool do_map = m.nmaps == 0 || rnd_below(100) < 55;

		if (do_map) {
			struct phyr_swiotlb_dev dev = { .min_align_mask = min_masks[rnd_below(10)] };
			uint32_t align = align_masks[rnd_below(11)];
			uint64_t orig = rnd_below(8) == 0 ? 0 : (rnd() & 0xffffffffff);
			uint64_t size = random_size();
			unsigned cpu = (unsigned)rnd_below(64);
			uint64_t tlb = 0, mtlb = 0;
			bool ok = model_map(&m, cpu, orig, size, align, dev.min_align_mask, &mtlb);
			int ret = phyr_swiotlb_tbl_map_single(p, &dev, cpu, orig, size, align,
							      PHYR_SWIOTLB_BIDIRECTIONAL, 0, &tlb);

			if ((ret == 0) != ok || (ok && tlb != mtlb)) {
				fprintf(stderr,
					"seed %" PRIu64 " op %d: map cpu %u orig 0x%" PRIx64 " size %" PRIu64
					" align 0x%x min 0x%x: got %d 0x%" PRIx64 ", model %d 0x%" PRIx64 "\n",
					seed, op, cpu, orig, size, align, dev.min_align_mask, ret, tlb,
					ok, mtlb);
				fail();
			}
			if (!ok)
				assert_int_equal(ret, -ENOSPC);
		} else {
			size_t i = rnd_below(m.nmaps);
			struct phyr_swiotlb_dev dev = { .min_align_mask = m.maps[i].min_align };

			assert_int_equal(phyr_swiotlb_tbl_unmap_single(p, &dev, m.maps[i].tlb,
								       m.maps[i].size,
								       PHYR_SWIOTLB_BIDIRECTIONAL, 0), 0);
			model_unmap(&m, i);
		}
		if (phyr_swiotlb_used(p) != model_used(&m)) {
			fprintf(stderr, "seed %" PRIu64 " op %d: used %" PRIu64 ", model %" PRIu64 "\n",
				seed, op, phyr_swiotlb_used(p), model_used(&m));
			fail();
		}
		if (op % 16 == 0 || op == nops - 1)
			check_slots(p, &m, seed, op);
	}
	model_finish(&m);
	phyr_swiotlb_destroy(p);
}

static void test_swiotlb_model_random_traces(void **state)
{
	uint64_t base = 0x5eed5eedULL;
	const char *env = getenv("PHYR_TEST_SEED");

	(void)state;
	if (env)
		base = strtoull(env, NULL, 0);
	for (uint64_t k = 0; k < 120; k++) {
		uint64_t seed = base + k;

		rng_state = seed * 0x9e3779b97f4a7c15ULL | 1;
		run_one(seed);
	}
}

struct thread_arg {
	struct phyr_swiotlb *pool;
	unsigned cpu;
	uint64_t nfail;
	int bad;
};

/* One CPU's worth of map/unmap churn; every map is released again. */
static void *churn(void *p)
{
	struct thread_arg *t = p;
	uint64_t live[32], rs = t->cpu * 0x9e3779b97f4a7c15ULL + 1;
	struct phyr_swiotlb_dev dev = { .min_align_mask = 0xfff };
	int n = 0;

	for (int i = 0; i < 20000; i++) {
		rs ^= rs << 13;
		rs ^= rs >> 7;
		rs ^= rs << 17;
		if (n < 32 && (n == 0 || rs % 3)) {
			uint64_t tlb, orig = (rs >> 8) & 0xffffffff;
			int ret = phyr_swiotlb_tbl_map_single(t->pool, &dev, t->cpu, orig,
							      1 + rs % 20000, 0,
							      PHYR_SWIOTLB_TO_DEVICE, 0, &tlb);

			if (ret == -ENOSPC)
				t->nfail++;
			else if (ret || (tlb & 0xfff) != (orig & 0xfff))
				t->bad = 1;
			else
				live[n++] = tlb;
		} else {
			size_t k = (size_t)(rs % (uint64_t)n);

			if (phyr_swiotlb_tbl_unmap_single(t->pool, &dev, live[k], 1,
							  PHYR_SWIOTLB_TO_DEVICE, 0))
				t->bad = 1;
			live[k] = live[--n];
		}
	}
	while (n)
		if (phyr_swiotlb_tbl_unmap_single(t->pool, &dev, live[--n], 1, PHYR_SWIOTLB_TO_DEVICE, 0))
			t->bad = 1;
	return NULL;
}

/* Real threads on different CPUs: per-area locks keep the pool consistent. */
static void test_swiotlb_model_threads(void **state)
{
	struct phyr_swiotlb_config cfg = { .start = START, .nslabs = 2048, .nareas = 4 };
	struct phyr_swiotlb *p = NULL;
	struct thread_arg args[4];
	pthread_t th[4];

	(void)state;
	assert_int_equal(phyr_swiotlb_create(&cfg, NULL, &p), 0);
	for (unsigned i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){ .pool = p, .cpu = i };
		assert_int_equal(pthread_create(&th[i], NULL, churn, &args[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].bad, 0);
	}
	assert_int_equal(phyr_swiotlb_used(p), 0);
	for (uint64_t i = 0; i < 2048; i++) {
		struct phyr_swiotlb_slot s;

		assert_int_equal(phyr_swiotlb_get_slot(p, i, &s), 0);
		assert_int_equal(s.list, 128 - i % 128);
	}
	phyr_swiotlb_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swiotlb_model_random_traces),
		cmocka_unit_test(test_swiotlb_model_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
