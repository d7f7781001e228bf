// SPDX-License-Identifier: MIT
/*
 * Tests of the bounce replay (src/capture/bounce.c): Linux 7.2.13's own
 * slots in a real swiotlb=force capture, a hand-written two-CPU capture
 * where the calling CPU's area and the entry-time search decide the slot,
 * the record-level rules (release vs unmap, lost releases, Linux's failures),
 * malformed captures, and allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bounce.h"
#include "ftrace.h"
#include "phyr/capture.h"
#include "phyr/swiotlb.h"
#include "swiotlb.h"

#ifndef CAPTURE_DATA_DIR
#error "CAPTURE_DATA_DIR must name tests/data/capture"
#endif
#ifndef CAPTURE_CLI_DIR
#error "CAPTURE_CLI_DIR must name tests/cli/capture"
#endif

/* Replays the capture @path; returns the replay (caller destroys). */
static struct bounce_replay *replay_file(const char *path, int expect_ret, char *err,
					 size_t errlen)
{
	struct ftrace_reader *fr = NULL;
	struct bounce_replay *r = NULL;

	assert_int_equal(ftrace_reader_open(path, NULL, &fr, err, errlen), 0);
	assert_int_equal(bounce_replay_create(NULL, &r), 0);
	assert_int_equal(bounce_replay_read(r, fr), expect_ret);
	ftrace_reader_close(fr);
	return r;
}

static struct bounce_replay *replay_text(const char *text, int expect_ret, char *err,
					 size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct ftrace_reader *fr = NULL;
	struct bounce_replay *r = NULL;

	assert_non_null(f);
	assert_int_equal(ftrace_reader_open("mem.log", f, &fr, err, errlen), 0);
	assert_int_equal(bounce_replay_create(NULL, &r), 0);
	assert_int_equal(bounce_replay_read(r, fr), expect_ret);
	ftrace_reader_close(fr);
	fclose(f);
	return r;
}

/* The --emit bounces text of a replay, in a malloc'ed string. */
static char *emit(const struct bounce_replay *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(bounce_replay_print(r, f), 0);
	fclose(f);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * Linux 7.2.13, 2 vCPUs, swiotlb=force: the 276 bounce mappings of the
 * excerpt. The first five columns are the shipped .bounces file byte for
 * byte, and the model picks Linux's slot for every one.
 */
static void test_bounce_linux72_excerpt(void **state)
{
	char err[512] = "";
	struct bounce_replay *r = replay_file(CAPTURE_DATA_DIR "/linux7.2_swiotlb_2cpu.head.log", 0,
					      err, sizeof(err));
	char *want = slurp(CAPTURE_DATA_DIR "/linux7.2_swiotlb_2cpu.head.bounces");
	char *got = emit(r), *g = got, *w = want;
	const struct bounce_result *res;
	struct bounce_stats st;
	size_t n, lines = 0;

	(void)state;
	/* Line by line: "LINE DEVICE ORIG SIZE LINUX_TLB" + " " + MODEL_TLB. */
	while (*w) {
		char *wnl = strchr(w, '\n'), *gnl = strchr(g, '\n'), *sp;

		assert_non_null(wnl);
		assert_non_null(gnl);
		assert_true((size_t)(gnl - g) > (size_t)(wnl - w));
		assert_memory_equal(g, w, (size_t)(wnl - w));
		assert_int_equal(g[wnl - w], ' ');
		/* column 6 == column 5 */
		sp = memrchr(w, ' ', (size_t)(wnl - w));
		assert_non_null(sp);
		assert_int_equal((size_t)(gnl - g) - (size_t)(wnl - w) - 1, (size_t)(wnl - sp - 1));
		assert_memory_equal(g + (wnl - w) + 1, sp + 1, (size_t)(wnl - sp - 1));
		w = wnl + 1;
		g = gnl + 1;
		lines++;
	}
	assert_string_equal(g, "");
	assert_int_equal(lines, 276);

	res = bounce_replay_results(r, &n);
	assert_int_equal(n, 276);
	/* First and last: nvme on CPU 1 (area 1), e1000e's rx ring on CPU 1. */
	assert_int_equal(res[0].line, 112);
	assert_string_equal(res[0].devname, "0000:00:01.0");
	assert_int_equal(res[0].model_tlb, 0x7b900000);
	assert_int_equal(res[275].line, 1302);
	assert_int_equal(res[275].model_tlb, 0x7b988800);
	assert_string_equal(res[275].devname, "0000:00:03.0");
	assert_int_equal(res[275].model_tlb, res[275].linux_tlb);
	bounce_replay_get_stats(r, &st);
	assert_int_equal(st.nmaps, 276);
	assert_int_equal(st.nmatches, 276);
	assert_int_equal(st.nmodel_failures, 0);
	assert_int_equal(st.nreleases, 26);
	assert_int_equal(st.nunknown_releases, 0);
	assert_int_equal(st.nunpaired_entries, 1); /* the excerpt ends inside a call */
	assert_int_equal(st.nunpaired_returns, 0);
	assert_int_equal(st.npools, 1);
	free(got);
	free(want);
	bounce_replay_destroy(r);
}

/* The hand-written two-CPU capture (reasoning in its comment block). */
static void test_bounce_synthetic_2cpu(void **state)
{
	char err[512] = "";
	struct bounce_replay *r = replay_file(CAPTURE_CLI_DIR "/bounce-2cpu.log", 0, err,
					      sizeof(err));
	char *want = slurp(CAPTURE_CLI_DIR "/bounce-2cpu.expected");
	char *got = emit(r);
	struct bounce_stats st;

	(void)state;
	assert_string_equal(got, want);
	bounce_replay_get_stats(r, &st);
	assert_int_equal(st.nmaps, 9);
	assert_int_equal(st.nmatches, 8); /* Linux failed one (model 0x1002000) */
	assert_int_equal(st.nreleases, 3);
	assert_int_equal(st.nunknown_releases, 1);
	assert_int_equal(st.nunpaired_entries, 1);
	free(got);
	free(want);
	bounce_replay_destroy(r);
}

/* The public entry point: callbacks in line order, the summary. */
struct seen {
	unsigned n;
	uint64_t lines[16];
	bool ok[16];
};

static void on_bounce(void *ctx, const struct phyr_capture_bounce *b)
{
	struct seen *s = ctx;

	assert_true(s->n < 16);
	s->lines[s->n] = b->line;
	s->ok[s->n++] = b->model_ok;
	if (b->line == 45) {
		assert_string_equal(b->device, "0000:00:03.0");
		assert_int_equal(b->orig, 0x100000);
		assert_int_equal(b->size, 262144);
		assert_int_equal(b->linux_tlb, 0x10c0000);
		assert_int_equal(b->model_tlb, 0x10c0000);
	}
}

static void test_bounce_public_entry(void **state)
{
	static const uint64_t want[] = { 31, 34, 36, 38, 45, 47, 51, 53, 55 };
	struct phyr_capture_bounce_summary sum;
	struct seen seen = { 0 };
	char err[256] = "x";
	char *text = slurp(CAPTURE_CLI_DIR "/bounce-2cpu.log"), *lost;
	size_t len = strlen(text);
	FILE *f;

	(void)state;
	assert_int_equal(phyr_capture_replay_bounces(CAPTURE_CLI_DIR "/bounce-2cpu.log", NULL,
						     on_bounce, &seen, &sum, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(seen.n, 9);
	for (unsigned i = 0; i < 9; i++) {
		assert_int_equal(seen.lines[i], want[i]);
		assert_true(seen.ok[i]);
	}
	assert_int_equal(sum.nmaps, 9);
	assert_int_equal(sum.nmatched, 8);
	assert_int_equal(sum.nmodel_failures, 0);
	assert_int_equal(sum.first_divergence, 53); /* Linux failed there */
	assert_int_equal(sum.nreleases, 3);
	assert_int_equal(sum.nunknown_releases, 1);
	assert_int_equal(sum.nunpaired_entries, 1);
	assert_int_equal(sum.nunpaired_returns, 0);
	assert_int_equal(sum.npools, 1);
	assert_int_equal(sum.nlines, 57);
	assert_int_equal(sum.truncated_line, 0);
	assert_int_equal(sum.nlost_events, 0);

	/* A LOST line before the events, and the last line cut short. */
	lost = malloc(len + 64);
	assert_non_null(lost);
	memcpy(lost, "CPU:1 [LOST 7 EVENTS]\n", 22);
	memcpy(lost + 22, text, len - 1);
	f = fmemopen(lost, len + 21, "r");
	assert_non_null(f);
	seen.n = 0;
	assert_int_equal(phyr_capture_replay_bounces("cut.log", f, NULL, NULL, &sum, err,
						     sizeof(err)), 0);
	fclose(f);
	assert_int_equal(sum.nmaps, 9);
	assert_int_equal(sum.nlost_lines, 1);
	assert_int_equal(sum.nlost_events, 7);
	assert_int_equal(sum.first_lost_line, 1);
	assert_int_equal(sum.truncated_line, 58);
	assert_int_equal(sum.nunpaired_entries, 0); /* the cut entry is not read */
	free(lost);

	/* Errors carry FILE:LINE; a missing file its open error. */
	assert_int_equal(phyr_capture_replay_bounces(CAPTURE_CLI_DIR "/no-such.log", NULL, NULL,
						     NULL, &sum, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no-such.log"));
	assert_int_equal(sum.nmaps, 0);
	assert_int_equal(phyr_capture_replay_bounces(NULL, NULL, NULL, NULL, &sum, err,
						     sizeof(err)), -EINVAL);
	free(text);
}

/* ---- streaming: a long capture replayed by chunks ---- */

/*
 * A long two-CPU swiotlb capture written by a seeded generator whose
 * "Linux" slots come from a reference pool driven at each call's entry:
 * maps of two devices (one named only by swiotlb_bounced), interrupts
 * nesting a whole map inside another call, tasks migrating between entry
 * and return, unmaps with their releases. Long enough for many chunks.
 */
struct gen_live {
	uint64_t tlb, size;
	uint32_t mask;
	int dev;
};

static uint64_t gen_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static char *gen_long_capture(uint64_t seed, unsigned int iters, uint64_t *nmaps)
{
	static const uint64_t sizes[] = { 512, 1522, 4096, 8192, 65536, 200 };
	static const uint64_t devp[2] = { 0xffff888001000000ull, 0xffff888002000000ull };
	static const char *const devn[2] = { "0000:00:01.0", "0000:00:03.0" };
	static const uint32_t masks[2] = { 0xfff, 0 };
	struct phyr_swiotlb *ref = NULL;
	struct gen_live *live = calloc(4096, sizeof(*live));
	unsigned int nlive = 0;
	uint64_t x = seed | 1, line_ts = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_non_null(live);
	assert_int_equal(swiotlb_create_exact(0x1000000, 4096, 2, true, NULL, &ref), 0);
	*nmaps = 0;
	fprintf(f, "# tracer: nop\n#\n# entries-in-buffer/entries-written: 1/1   #P:2\n#\n");
	fprintf(f, "    kworker/u8:0-12      [000] ...1.     1.000000: pool: "
		   "(swiotlb_max_mapping_size+0x4/0x50) dev=0x%llx devname=\"%s\" min_align_mask=0xfff "
		   "start=0x1000000 end=0x1800000 nslabs=4096 nareas=2 area_nslabs=2048 force_bounce=1\n",
		(unsigned long long)devp[0], devn[0]);
#define TS() (++line_ts)
	for (unsigned int it = 0; it < iters; it++) {
		unsigned int cpu = gen_rand(&x) & 1, pid = 100 + (unsigned int)(gen_rand(&x) % 6);
		unsigned int op = gen_rand(&x) % 10;

		if ((op < 4 || nlive > 80) && nlive) {
			/* unmap and release a live mapping, on either CPU */
			unsigned int k = (unsigned int)(gen_rand(&x) % nlive);
			struct gen_live l = live[k];
			struct phyr_swiotlb_dev sd = { .min_align_mask = l.mask };

			live[k] = live[--nlive];
			fprintf(f, "              dd-%u      [%03u] ..s2.     2.%09llu: unmap: "
				   "(__swiotlb_tbl_unmap_single+0x4/0x60) dev=0x%llx tlb=0x%llx size=%llu "
				   "dir=2 attrs=0x20\n", pid, cpu, (unsigned long long)TS(),
				(unsigned long long)devp[l.dev], (unsigned long long)l.tlb,
				(unsigned long long)l.size);
			fprintf(f, "              dd-%u      [%03u] ..s2.     2.%09llu: release: "
				   "(swiotlb_release_slots+0x0/0x1c0) dev=0x%llx tlb=0x%llx\n", pid, cpu,
				(unsigned long long)TS(), (unsigned long long)devp[l.dev],
				(unsigned long long)l.tlb);
			assert_int_equal(phyr_swiotlb_tbl_unmap_single(ref, &sd, l.tlb, l.size, 2,
								       PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC), 0);
			continue;
		}
		{
			/* a map; sometimes an interrupt maps in between entry and
			 * return, sometimes the task returns on the other CPU */
			int nest = op == 9 ? 2 : 1;
			int dev[2], ok[2] = { 0, 0 };
			uint64_t orig[2], size[2], tlb[2] = { 0, 0 };
			unsigned int rcpu = op == 8 ? cpu ^ 1 : cpu;

			for (int n = 0; n < nest; n++) {
				struct phyr_swiotlb_dev sd;

				dev[n] = (int)(gen_rand(&x) & 1);
				size[n] = sizes[gen_rand(&x) % 6];
				orig[n] = ((gen_rand(&x) % 0x100000) << 12) + (gen_rand(&x) % 4096);
				memset(&sd, 0, sizeof(sd));
				sd.min_align_mask = masks[dev[n]];
				sd.seg_boundary_mask = UINT32_MAX;
				if (dev[n] == 1)
					fprintf(f, "              dd-%u      [%03u] .....     2.%09llu: "
						   "swiotlb_bounced: dev_name: %s dma_mask=ffffffffffffffff "
						   "dev_addr=%llx size=%llu FORCE\n", pid, cpu,
						(unsigned long long)TS(), devn[1],
						(unsigned long long)orig[n], (unsigned long long)size[n]);
				fprintf(f, "              dd-%u      [%03u] ...2.     2.%09llu: map_entry: "
					   "(swiotlb_tbl_map_single+0x4/0x890) dev=0x%llx orig=0x%llx "
					   "size=%llu\n", pid, cpu, (unsigned long long)TS(),
					(unsigned long long)devp[dev[n]], (unsigned long long)orig[n],
					(unsigned long long)size[n]);
				/* the search at the entry, on the entry's CPU */
				ok[n] = phyr_swiotlb_tbl_map_single(ref, &sd, cpu, orig[n], size[n], 0,
								    2, 0, &tlb[n]) == 0;
			}
			for (int n = nest - 1; n >= 0; n--) {
				fprintf(f, "              dd-%u      [%03u] ...1.     2.%09llu: map: "
					   "(swiotlb_map+0x5c/0x290 <- swiotlb_tbl_map_single) dev=0x%llx "
					   "orig=0x%llx size=%llu alloc_align_mask=0x0 dir=2 attrs=0x0 "
					   "min_align_mask=0x%x tlb=0x%llx\n", pid,
					n ? cpu : rcpu, (unsigned long long)TS(),
					(unsigned long long)devp[dev[n]], (unsigned long long)orig[n],
					(unsigned long long)size[n], masks[dev[n]],
					(unsigned long long)(ok[n] ? tlb[n] : UINT64_MAX));
				(*nmaps)++;
				if (ok[n]) {
					live[nlive].tlb = tlb[n];
					live[nlive].size = size[n];
					live[nlive].mask = masks[dev[n]];
					live[nlive].dev = dev[n];
					nlive++;
				}
			}
		}
	}
#undef TS
	fclose(f);
	phyr_swiotlb_destroy(ref);
	free(live);
	return buf;
}

struct stream_seen {
	struct phyr_capture_bounce *b;
	size_t n, cap;
};

static void on_stream(void *ctx, const struct phyr_capture_bounce *b)
{
	struct stream_seen *s = ctx;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->b = realloc(s->b, s->cap * sizeof(*s->b));
		assert_non_null(s->b);
	}
	s->b[s->n++] = *b;
}

static void test_bounce_stream_long(void **state)
{
	uint64_t seed = 0x5eed0b0c3, nmaps;
	char *text = gen_long_capture(seed, 40000, &nmaps);
	char err[256] = "";
	struct phyr_capture_bounce_summary sum;
	struct stream_seen seen = { 0 };
	struct bounce_replay *r;
	const struct bounce_result *res;
	struct bounce_stats st;
	size_t n;
	FILE *f;

	(void)state;
	print_message("seed 0x%llx, %llu maps\n", (unsigned long long)seed, (unsigned long long)nmaps);
	/* streaming, by chunks (the public entry point) */
	f = fmemopen(text, strlen(text), "r");
	assert_non_null(f);
	assert_int_equal(phyr_capture_replay_bounces("long.log", f, on_stream, &seen, &sum, err,
						     sizeof(err)), 0);
	fclose(f);
	assert_int_equal(seen.n, nmaps);
	assert_int_equal(sum.nmaps, nmaps);
	assert_int_equal(sum.nmatched, nmaps); /* the reference pool's slots, every one */
	assert_int_equal(sum.first_divergence, 0);
	assert_int_equal(sum.nunknown_releases, 0);
	assert_int_equal(sum.nunpaired_entries, 0);
	assert_int_equal(sum.nunpaired_returns, 0);
	/* whole file at once (no stream): the same results and counters */
	r = replay_text(text, 0, err, sizeof(err));
	res = bounce_replay_results(r, &n);
	assert_int_equal(n, seen.n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(res[i].line, seen.b[i].line);
		assert_string_equal(res[i].devname, seen.b[i].device);
		assert_int_equal(res[i].model_found, seen.b[i].model_ok);
		assert_int_equal(res[i].model_tlb, seen.b[i].model_tlb);
	}
	assert_string_equal(seen.b[1].device[0] ? "ok" : "", "ok");
	bounce_replay_get_stats(r, &st);
	assert_int_equal(st.nreleases, sum.nreleases);
	assert_true(st.nreleases > 10000);
	assert_int_equal(st.nchunks, 1);
	bounce_replay_destroy(r);
	/* the stream really was cut into chunks */
	{
		struct ftrace_reader *fr = NULL;

		f = fmemopen(text, strlen(text), "r");
		assert_non_null(f);
		assert_int_equal(ftrace_reader_open("long.log", f, &fr, err, sizeof(err)), 0);
		assert_int_equal(bounce_replay_create(NULL, &r), 0);
		assert_int_equal(bounce_replay_stream(r, NULL, NULL), 0);
		assert_int_equal(bounce_replay_stream(r, NULL, NULL), 0);
		assert_int_equal(bounce_replay_read(r, fr), 0);
		assert_int_equal(bounce_replay_stream(r, NULL, NULL), -EINVAL); /* too late */
		bounce_replay_get_stats(r, &st);
		print_message("%llu chunks\n", (unsigned long long)st.nchunks);
		assert_true(st.nchunks >= 5);
		assert_int_equal(st.nmatches, nmaps);
		assert_null(bounce_replay_results(r, &n));
		assert_int_equal(n, 0);
		bounce_replay_destroy(r);
		ftrace_reader_close(fr);
		fclose(f);
	}
	free(seen.b);
	free(text);
}

/* ---- record-level rules ---- */

#define DEV UINT64_C(0xffff888001000000)

static struct bounce_event pool_rec(uint64_t line, uint64_t start, uint64_t nslabs, uint32_t nareas)
{
	struct bounce_event rec = { .kind = BOUNCE_POOL, .line = line, .dev = DEV };

	snprintf(rec.devname, sizeof(rec.devname), "0000:00:01.0");
	rec.start = start;
	rec.nslabs = nslabs;
	rec.end = start + nslabs * 2048;
	rec.nareas = nareas;
	rec.area_nslabs = nareas ? (uint32_t)(nslabs / nareas) : 0;
	return rec;
}

static struct bounce_event map_rec(enum bounce_kind kind, uint64_t line, uint32_t cpu, uint32_t pid,
				 uint64_t orig, uint64_t size, uint64_t tlb)
{
	struct bounce_event rec = { .kind = kind, .line = line, .cpu = cpu, .pid = pid, .dev = DEV };

	rec.orig = orig;
	rec.size = size;
	rec.tlb = tlb;
	rec.dir = 2;
	return rec;
}

static struct bounce_event free_rec(enum bounce_kind kind, uint64_t line, uint64_t tlb)
{
	struct bounce_event rec = { .kind = kind, .line = line, .dev = DEV, .tlb = tlb, .size = 4096 };

	return rec;
}

static void add(struct bounce_replay *r, struct bounce_event rec)
{
	assert_int_equal(bounce_replay_add(r, &rec), 0);
}

/*
 * Without qs/release lines, qs/unmap frees; with them, only qs/release does
 * (an unmap whose release is not in the capture frees nothing).
 */
static void test_bounce_release_rules(void **state)
{
	for (int with_release = 0; with_release < 2; with_release++) {
		struct bounce_replay *r;
		const struct bounce_result *res;
		struct bounce_stats st;
		size_t n;

		(void)state;
		assert_int_equal(bounce_replay_create(NULL, &r), 0);
		add(r, pool_rec(1, 0x40000000, 256, 1));
		/* Two pages, the first unmapped; the third map takes the cursor's slot. */
		add(r, map_rec(BOUNCE_MAP, 2, 0, 5, 0x10000, 4096, 0x40000000));
		add(r, free_rec(BOUNCE_UNMAP, 3, 0x40000000));
		if (with_release)
			add(r, free_rec(BOUNCE_RELEASE, 4, 0x40000000));
		add(r, map_rec(BOUNCE_MAP, 5, 0, 5, 0x20000, 4096, 0x40001000));
		add(r, free_rec(BOUNCE_UNMAP, 6, 0x40001000));
		assert_int_equal(bounce_replay_run(r, NULL, NULL, 0), 0);
		res = bounce_replay_results(r, &n);
		assert_int_equal(n, 2);
		assert_true(res[1].model_found);
		assert_int_equal(res[1].model_tlb, 0x40001000);
		bounce_replay_get_stats(r, &st);
		/* with qs/release present, line 6's unmap has no release: still held */
		assert_int_equal(st.nreleases, with_release ? 1 : 2);
		assert_int_equal(st.nunpaired_returns, 2);
		bounce_replay_destroy(r);
	}
}

/*
 * A map returns a slot the replay still holds for an earlier mapping (its
 * release was lost): the stale mapping is released first, counted as an
 * unknown release, and the model agrees with Linux again.
 */
static void test_bounce_lost_release(void **state)
{
	struct bounce_replay *r;
	const struct bounce_result *res;
	struct bounce_stats st;
	size_t n;

	(void)state;
	assert_int_equal(bounce_replay_create(NULL, &r), 0);
	add(r, pool_rec(1, 0x40000000, 128, 1));
	/* 128 slots of 2 KiB maps fill the pool; then one is reused by Linux
	 * without a release in the capture. */
	for (uint64_t i = 0; i < 128; i++)
		add(r, map_rec(BOUNCE_MAP, 2 + i, 0, 5, 0x100000 + i * 2048, 2048,
			       0x40000000 + i * 2048));
	add(r, map_rec(BOUNCE_MAP, 200, 0, 5, 0x900000, 2048, 0x40000800));
	assert_int_equal(bounce_replay_run(r, NULL, NULL, 0), 0);
	res = bounce_replay_results(r, &n);
	assert_int_equal(n, 129);
	assert_true(res[128].model_found);
	assert_int_equal(res[128].model_tlb, 0x40000800);
	bounce_replay_get_stats(r, &st);
	assert_int_equal(st.nmatches, 129);
	assert_int_equal(st.nunknown_releases, 1);
	bounce_replay_destroy(r);
}

/* Full pool: the model finds nothing and prints "-". */
static void test_bounce_model_full(void **state)
{
	struct bounce_replay *r;
	char *out;

	(void)state;
	assert_int_equal(bounce_replay_create(NULL, &r), 0);
	add(r, pool_rec(1, 0x40000000, 128, 1));
	add(r, map_rec(BOUNCE_MAP, 2, 0, 5, 0x100000, 262144, 0x40000000));
	add(r, map_rec(BOUNCE_MAP, 3, 0, 5, 0x200000, 2048, 0x50000000));
	assert_int_equal(bounce_replay_run(r, NULL, NULL, 0), 0);
	out = emit(r);
	assert_string_equal(out, "2 0000:00:01.0 0x100000 262144 0x40000000 0x40000000\n"
				 "3 0000:00:01.0 0x200000 2048 0x50000000 -\n");
	free(out);
	assert_int_equal(bounce_replay_run(r, NULL, NULL, 0), -EALREADY);
	bounce_replay_destroy(r);
}

/* ---- malformed captures ---- */

#define HDR "# tracer: nop\n"
#define POOL_LINE(geom)                                                                      \
	"  kworker/u8:0-12      [001] ...1.     6.620121: pool: (swiotlb_max_mapping_size+0x4/0x50)" \
	" dev=0xffff8b220a2190d0 devname=\"0000:00:01.0\" min_align_mask=0xfff " geom              \
	" force_bounce=1\n"
#define GOOD_GEOM "start=0x79900000 end=0x7d900000 nslabs=32768 nareas=2 area_nslabs=16384"
#define MAP_LINE(fields)                                                                   \
	"  kworker/u8:0-12      [001] ...1.     6.655500: map: (swiotlb_map+0x5c/0x290 <- "     \
	"swiotlb_tbl_map_single) dev=0xffff8b220a2190d0 " fields "\n"

static void expect_error(const char *text, int ret, const char *msg)
{
	char err[512] = "";
	struct bounce_replay *r = replay_text(text, ret, err, sizeof(err));

	if (strcmp(err, msg) != 0)
		fail_msg("error \"%s\", expected \"%s\"", err, msg);
	bounce_replay_destroy(r);
}

static void test_bounce_bad_captures(void **state)
{
	(void)state;
	expect_error(HDR POOL_LINE("start=0x79900000 end=0x7d900000 nslabs=32768 nareas=3 area_nslabs=16384"),
		     -EINVAL,
		     "mem.log:2: qs/pool: impossible geometry start=0x79900000 end=0x7d900000"
		     " nslabs=32768 nareas=3 area_nslabs=16384 (need end = start + nslabs * 2048,"
		     " nareas a power of two, area_nslabs = nslabs / nareas, at most 16777216 slots)");
	expect_error(HDR POOL_LINE(GOOD_GEOM)
		     POOL_LINE("start=0x79a00000 end=0x7da00000 nslabs=32768 nareas=2 area_nslabs=16384"),
		     -EINVAL,
		     "mem.log:3: qs/pool: pool 0x79a00000-0x7da00000 (32768 slots, 2 areas) overlaps"
		     " the different pool of line 2");
	expect_error(HDR POOL_LINE("start=0x79900000 nslabs=32768 nareas=2 area_nslabs=16384"),
		     -EINVAL, "mem.log:2: qs/pool: no field end=");
	expect_error(HDR MAP_LINE("orig=0xb06b000 size=4096 alloc_align_mask=0x0 dir=2 attrs=0x0"
				  " min_align_mask=0xfff tlb=0x7b900000"),
		     -EINVAL,
		     "mem.log:2: qs/map but no qs/pool line in the capture: the swiotlb pool's"
		     " geometry is unknown");
	expect_error(HDR POOL_LINE(GOOD_GEOM)
		     MAP_LINE("orig=0xb06b000 size=4096 alloc_align_mask=0x0 dir=2 attrs=0x0"
			      " min_align_mask=0xfff"),
		     -EINVAL, "mem.log:3: qs/map: no field tlb=");
	expect_error(HDR POOL_LINE(GOOD_GEOM)
		     MAP_LINE("orig=0xb06b000 size=4k alloc_align_mask=0x0 dir=2 attrs=0x0"
			      " min_align_mask=0xfff tlb=0x7b900000"),
		     -EINVAL, "mem.log:3: qs/map: field size= is not a number (4k)");
	expect_error(HDR POOL_LINE("start=0x79900000 end=0x7d900000 nslabs=32768 nareas=0x100000000"
				   " area_nslabs=16384"),
		     -EINVAL,
		     "mem.log:2: qs/pool: field nareas=0x100000000 does not fit 32 bits");
}

/* A field the probe could not read prints "(fault)": optional ones are absent. */
static void test_bounce_fault_fields(void **state)
{
	char err[512] = "";
	struct bounce_replay *r;
	char *out;

	(void)state;
	r = replay_text(HDR POOL_LINE(GOOD_GEOM)
			MAP_LINE("orig=0xb06b000 size=4096 alloc_align_mask=0x0 dir=2 attrs=0x0"
				 " min_align_mask=(fault) tlb=0x7b900000"),
			0, err, sizeof(err));
	/* min_align_mask from the device's qs/pool line (0xfff). */
	out = emit(r);
	assert_string_equal(out, "3 0000:00:01.0 0xb06b000 4096 0x7b900000 0x7b900000\n");
	free(out);
	bounce_replay_destroy(r);
}

/* Records out of line order, unknown kinds, NULLs. */
static void test_bounce_api_misuse(void **state)
{
	struct bounce_replay *r;
	struct bounce_event rec = pool_rec(5, 0x40000000, 128, 1);
	struct bounce_stats st;
	size_t n = 7;

	(void)state;
	assert_int_equal(bounce_replay_create(NULL, NULL), -EINVAL);
	assert_int_equal(bounce_replay_create(NULL, &r), 0);
	assert_int_equal(bounce_replay_add(r, &rec), 0);
	assert_int_equal(bounce_replay_add(r, &rec), -EINVAL);
	rec.line = 6;
	rec.kind = (enum bounce_kind)99;
	assert_int_equal(bounce_replay_add(r, &rec), -EINVAL);
	assert_int_equal(bounce_replay_add(NULL, &rec), -EINVAL);
	assert_int_equal(bounce_replay_add(r, NULL), -EINVAL);
	assert_int_equal(bounce_replay_line(r, NULL, NULL, 0), -EINVAL);
	assert_int_equal(bounce_replay_read(r, NULL), -EINVAL);
	assert_int_equal(bounce_replay_run(NULL, NULL, NULL, 0), -EINVAL);
	assert_null(bounce_replay_results(NULL, &n));
	assert_int_equal(n, 0);
	bounce_replay_get_stats(NULL, &st);
	assert_int_equal(st.nmaps, 0);
	assert_int_equal(bounce_replay_print(r, NULL), -EINVAL);
	bounce_replay_destroy(r);
	bounce_replay_destroy(NULL);
}

/* Every allocation of a replay failed in turn: -ENOMEM and nothing leaked. */
static void test_bounce_failnth(void **state)
{
	(void)state;
	for (unsigned n = 1;; n++) {
		struct phyr_failnth f = { 0 };
		struct phyr_allocator a;
		struct bounce_replay *r = NULL;
		int ret;

		phyr_failnth_allocator(&f, &a);
		f.fail_at = n;
		ret = bounce_replay_create(&a, &r);
		if (!ret) {
			struct bounce_event rec = pool_rec(1, 0x40000000, 256, 2);

			ret = bounce_replay_add(r, &rec);
			for (uint64_t i = 0; i < 40 && !ret; i++) {
				rec = map_rec(BOUNCE_MAP_ENTRY, 10 + 3 * i, (uint32_t)(i & 1),
					      (uint32_t)i, 0x100000 + i * 4096, 4096, 0);
				ret = bounce_replay_add(r, &rec);
				rec = map_rec(BOUNCE_MAP, 11 + 3 * i, (uint32_t)(i & 1),
					      (uint32_t)i, 0x100000 + i * 4096, 4096,
					      0x40000000 + i * 4096);
				if (!ret)
					ret = bounce_replay_add(r, &rec);
				rec = free_rec(BOUNCE_RELEASE, 12 + 3 * i, 0x40000000 + i * 4096);
				if (!ret && (i & 3))
					ret = bounce_replay_add(r, &rec);
			}
			if (!ret)
				ret = bounce_replay_run(r, NULL, NULL, 0);
		}
		bounce_replay_destroy(r);
		assert_int_equal(f.nlive, 0);
		assert_int_equal(f.nbytes_live, 0);
		assert_int_equal(f.nbad_frees, 0);
		if (!ret) {
			assert_true(n > 5);
			break;
		}
		assert_int_equal(ret, -ENOMEM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounce_linux72_excerpt),
		cmocka_unit_test(test_bounce_synthetic_2cpu),
		cmocka_unit_test(test_bounce_public_entry),
		cmocka_unit_test(test_bounce_stream_long),
		cmocka_unit_test(test_bounce_release_rules),
		cmocka_unit_test(test_bounce_lost_release),
		cmocka_unit_test(test_bounce_model_full),
		cmocka_unit_test(test_bounce_bad_captures),
		cmocka_unit_test(test_bounce_fault_fields),
		cmocka_unit_test(test_bounce_api_misuse),
		cmocka_unit_test(test_bounce_failnth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
