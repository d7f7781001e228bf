// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the capture reader and the exact replay
 * (src/capture/, phyr/capture.h). Byte 0 picks the run: the policy
 * (mod 3: linux, augmented, buddy), bit 2 the info mode, bit 3 a forced
 * 6.1 kernel (fixed depot), bit 4 the events mode (requests rebuilt from
 * the dma:/iommu: events; auto picks it too without allocator probes),
 * bit 5 lazy domains there, bit 6 no range cache; byte 1 the model's CPUs (1 + b % 8, 0 = the
 * capture's #P: when b is 255). The rest is the capture. Any input must
 * end in a clean run or an error with a message: no crash, no leak, no
 * sanitizer report.
 */
#include <stdint.h>
#include <stdio.h>

#include "phyr/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_alloc(void *ctx, const struct phyr_capture_alloc *a)
{
	uint64_t *n = ctx;

	*n += a->model_ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const policies[] = { "linux", "augmented", "buddy" };
	struct phyr_capture_config cfg = { 0 };
	struct phyr_capture_summary sum;
	struct phyr_capture_domain_info di;
	struct phyr_capture_event ev;
	struct phyr_capture *c;
	uint64_t n = 0;
	char err[256];
	FILE *in;
	int ret;

	if (size < 3 || size > 65536 + 2)
		return 0;
	cfg.policy = phyr_iova_policy_find(policies[data[0] % 3]);
	if (!cfg.policy)
		__builtin_trap();
	cfg.mode = data[0] & 4 ? PHYR_CAPTURE_INFO :
		   data[0] & 16 ? PHYR_CAPTURE_EVENTS : PHYR_CAPTURE_AUTO;
	cfg.domain = data[0] & 32 ? PHYR_CAPTURE_DOMAIN_LAZY : PHYR_CAPTURE_DOMAIN_AUTO;
	cfg.no_rcache = data[0] & 64;
	cfg.kernel = data[0] & 8 ? "6.1" : NULL;
	cfg.ncpus = data[1] == 255 ? 0 : 1 + data[1] % 8u;
	cfg.on_alloc = on_alloc;
	cfg.ctx = &n;
	if (phyr_capture_create(&cfg, &c))
		__builtin_trap();
	in = fmemopen((void *)(data + 2), size - 2, "r");
	if (!in) {
		phyr_capture_destroy(c);
		return 0;
	}
	ret = phyr_capture_run(c, "fuzz", in, err, sizeof(err));
	if (ret && !err[0])
		__builtin_trap(); /* every failure says why */
	if (phyr_capture_get_summary(c, &sum) || sum.nmatched > sum.nallocs)
		__builtin_trap();
	for (unsigned int i = 0; phyr_capture_get_domain(c, i, &di) == 0; i++)
		if (di.nmatched > di.nallocs)
			__builtin_trap();
	for (unsigned int i = 0; phyr_capture_get_event(c, i, &ev) == 0; i++)
		;
	fclose(in);
	phyr_capture_destroy(c);
	return 0;
}
