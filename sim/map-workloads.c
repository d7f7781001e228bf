// SPDX-License-Identifier: MIT
/*
 * phyr-sim map: the built-in workloads. Each is a seeded sequence of map,
 * unmap and page-change operations on slots (sim/map-engine.h); the same
 * sequence runs under every mapping API.
 */
#include <stdint.h>
#include <string.h>

#include "map-engine.h"
#include "map.h"

#define PG 4096u

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static void rng_init(struct rng *r, uint64_t seed)
{
	r->s = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
	if (!r->s)
		r->s = 1;
}

/* A random 4 KiB page of RAM in [256 MiB, 1.25 GiB). */
static uint64_t ram_page(struct rng *r)
{
	return 0x10000000ull + (rnd(r) % 0x40000) * PG;
}

/* NVMe: 4 KiB random reads, one PRP entry per page, queue depth 32. */
static int w_nvme(void *eng, uint64_t seed)
{
	struct map_engine *e = eng;
	struct map_ent ents[8];
	struct rng r;

	rng_init(&r, seed);
	for (int i = 0; i < 4000; i++) {
		int n = 1 + (int)(rnd(&r) % 8);

		for (int j = 0; j < n; j++)
			ents[j] = (struct map_ent){ ram_page(&r), PG };
		map_map(e, i % 32, ents, n, PHYR_DMA_FROM_DEVICE);
	}
	return 0;
}

/* RDMA: 48 memory regions of 16 x 2 MiB huge pages, registered and kept. */
static int w_rdma(void *eng, uint64_t seed)
{
	struct map_engine *e = eng;
	struct map_ent ents[16];
	struct rng r;

	rng_init(&r, seed);
	for (int i = 0; i < 48; i++) {
		for (int j = 0; j < 16; j++)
			ents[j] = (struct map_ent){ 0x100000000ull + (rnd(&r) % 4096) * 0x200000ull,
						    0x200000 };
		map_map(e, i, ents, 16, PHYR_DMA_BIDIRECTIONAL);
	}
	return 0;
}

/*
 * GPU dmabuf: 64 pages, re-exported 200 times; the share of P2P pages
 * grows from 0 to all, alternating provider A (bus address) and B
 * (through the host bridge).
 */
static int w_gpu(void *eng, uint64_t seed)
{
	struct map_engine *e = eng;
	struct map_ent ents[64];
	struct rng r;

	rng_init(&r, seed);
	for (int round = 0; round < 200; round++) {
		for (int j = 0; j < 64; j++) {
			bool p2p = rnd(&r) % 200 < (uint64_t)round;
			uint64_t bar = rnd(&r) & 1 ? MAP_BAR_A : MAP_BAR_B;

			ents[j].phys = p2p ? bar + (rnd(&r) % (MAP_BAR_LEN / PG)) * PG : ram_page(&r);
			ents[j].len = PG;
		}
		map_map(e, round % 4, ents, 64, PHYR_DMA_TO_DEVICE);
	}
	return 0;
}

/*
 * ODP: a 128-page region mapped once; 2000 times one page changes type
 * (system RAM <-> device memory reached through the host bridge).
 */
static int w_odp(void *eng, uint64_t seed)
{
	struct map_engine *e = eng;
	struct map_ent ents[128];
	bool dev[128];
	struct rng r;

	rng_init(&r, seed);
	for (int j = 0; j < 128; j++) {
		ents[j] = (struct map_ent){ ram_page(&r), PG };
		dev[j] = false;
	}
	if (map_map(e, 0, ents, 128, PHYR_DMA_BIDIRECTIONAL))
		return 0;
	for (int i = 0; i < 2000; i++) {
		int k = (int)(rnd(&r) % 128);
		uint64_t phys = dev[k] ? ram_page(&r) : MAP_BAR_B + (rnd(&r) % 16384) * PG;

		dev[k] = !dev[k];
		if (map_remap(e, 0, k, phys))
			break;
	}
	return 0;
}

/* NIC: a 256-entry receive ring of 2 KiB buffers, 5000 packets of churn. */
static int w_nic(void *eng, uint64_t seed)
{
	struct map_engine *e = eng;
	struct map_ent ent;
	struct rng r;

	rng_init(&r, seed);
	for (int i = 0; i < 256 + 5000; i++) {
		ent.phys = ram_page(&r) + (rnd(&r) & 1) * 2048;
		ent.len = 2048;
		map_map(e, i % 256, &ent, 1, PHYR_DMA_FROM_DEVICE);
	}
	return 0;
}

/* Untrusted device: 3000 buffers at any byte offset, 64 B..16 KiB, queue depth 16. */
static int w_untrusted(void *eng, uint64_t seed)
{
	struct map_engine *e = eng;
	struct map_ent ent;
	struct rng r;

	rng_init(&r, seed);
	for (int i = 0; i < 3000; i++) {
		ent.phys = ram_page(&r) + (rnd(&r) % PG & ~(uint64_t)7);
		ent.len = (uint32_t)(64 + rnd(&r) % (16384 - 64));
		map_map(e, i % 16, &ent, 1, i & 1 ? PHYR_DMA_FROM_DEVICE : PHYR_DMA_TO_DEVICE);
	}
	return 0;
}

const struct map_workload map_workloads[] = {
	{ "nvme", "NVMe 4 KiB random reads building PRP lists (1-8 pages, QD 32, 4000 I/Os)",
	  false, 0, 0, w_nvme },
	{ "rdma", "RDMA memory registration of huge pages (48 MRs x 16 x 2 MiB, kept)", false,
	  0x80000000u, 0, w_rdma },
	{ "gpu", "GPU dmabuf of 64 pages mixing P2P and system pages, P2P share 0 -> 100%", false,
	  0, 0, w_gpu },
	{ "odp", "ODP region of 128 pages, 2000 page-by-page type changes", false, 0, 0, w_odp },
	{ "nic", "NIC receive ring of 256 x 2 KiB buffers, 5000 packets of churn", false, 0, 0, w_nic },
	{ "untrusted",
	  "untrusted device (min_align_mask 0xfff), 3000 unaligned buffers of 64 B-16 KiB",
	  true, 0, 0xfff, w_untrusted },
};

const unsigned map_nworkloads = sizeof(map_workloads) / sizeof(map_workloads[0]);
