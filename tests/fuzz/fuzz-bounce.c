// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the bounce replay (src/capture/bounce.c through
 * phyr_capture_replay_bounces of phyr/capture.h). The input is the
 * capture. Any input must end in a clean run or an error with a message:
 * no crash, no leak, no sanitizer report; a clean run reports one line per
 * map and never more matches than maps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "phyr/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t n;
	uint64_t last_line;
	uint64_t matched;
};

static void on_bounce(void *ctx, const struct phyr_capture_bounce *b)
{
	struct seen *s = ctx;

	if (b->line <= s->last_line)
		__builtin_trap(); /* line order */
	s->last_line = b->line;
	s->n++;
	s->matched += b->model_ok && b->model_tlb == b->linux_tlb;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phyr_capture_bounce_summary sum;
	struct seen seen = { 0 };
	char err[256];
	FILE *in;
	int ret;

	/* Pools cost up to 24 bytes a slot: keep inputs small enough to stay
	 * within libFuzzer's memory limit even with big qs/pool lines. */
	if (size < 1 || size > 65536)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	ret = phyr_capture_replay_bounces("fuzz", in, on_bounce, &seen, &sum, err, sizeof(err));
	fclose(in);
	if (ret && ret != -ENOMEM && !err[0])
		__builtin_trap(); /* every failure says why */
	if (!ret && (seen.n != sum.nmaps || seen.matched != sum.nmatched ||
		     sum.nmatched > sum.nmaps))
		__builtin_trap();
	return 0;
}
