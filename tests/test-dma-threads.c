// SPDX-License-Identifier: MIT
/*
 * The locking contract of <phyr/iommu.h> and <phyr/dma-iommu.h> under real
 * threads (suite 'tsan': run it in a -Db_sanitize=thread build), issue 8
 * item 11 (a) and (e):
 *  - two threads map, translate and unmap disjoint ranges of ONE IOMMU
 *    domain (strict, and DMA-FQ with a ring per CPU): every call counted,
 *    40,000 maps made = 40,000 counted, every byte released;
 *  - two devices of one DMA domain (one cookie), each with its own thread
 *    and CPU, map and unmap pages and two-page lists through the dispatch:
 *    exact cookie, domain and device counts, nothing left;
 *  - threads attach and detach their own devices to that cookie while
 *    other threads map (no global binding table any more): exact counts,
 *    the device list ends as it began.
 * Before the redesign the first case raced (15 TSan reports, 38,751 maps
 * counted of 40,000) and the binding table had a use-after-free.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/iommu.h"
#include "phyr/iova.h"
#include "phyr/machine.h"
#include "phyr/scatterlist.h"

#define NMAPS 20000  /* per thread */
#define BATCH 50     /* pages a thread holds mapped at once (divides NMAPS) */
#define RW (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)

/* ------------------------------------------------------------------ */
/* One IOMMU domain, two threads, disjoint ranges                      */

struct dom_worker {
	struct phyr_iommu_domain *d;
	unsigned int cpu;
	uint64_t iova_base;  /* this thread's own 1 GiB of IOVA space */
	uint64_t phys_base;
	bool fq;             /* DMA-FQ: every unmap queues on its CPU's ring */
	unsigned int nbad;   /* wrong translations or failed calls */
};

static void *dom_churn(void *arg)
{
	struct dom_worker *w = arg;

	for (unsigned int done = 0; done < NMAPS; done += BATCH) {
		/* spread the batches over 8 x 2 MiB so tables come and go */
		uint64_t base = w->iova_base + (uint64_t)(done / BATCH % 8) * 0x200000;

		for (unsigned int i = 0; i < BATCH; i++) {
			uint64_t iova = base + (uint64_t)i * 4096, pa = 0;
			uint64_t phys = w->phys_base + (uint64_t)((done + i) % 4096) * 4096;

			if (phyr_iommu_map(w->d, iova, phys, 4096, RW))
				w->nbad++;
			if (phyr_iommu_translate(w->d, iova, PHYR_IOMMU_ACCESS_READ, &pa) || pa != phys)
				w->nbad++;
		}
		for (unsigned int i = 0; i < BATCH; i++) {
			uint64_t iova = base + (uint64_t)i * 4096, n = 0;

			/* strict: odd batches through dma-iommu's unmap (released
			 * at once), even ones through iommu_unmap (no release) */
			if (w->fq || (done / BATCH) % 2) {
				if (phyr_iommu_dma_unmap(w->d, w->cpu, iova, 4096, &n) || n != 4096)
					w->nbad++;
			} else if (phyr_iommu_unmap(w->d, iova, 4096) != 4096) {
				w->nbad++;
			}
		}
	}
	return NULL;
}

static uint64_t released_bytes; /* the release hook runs under the domain's lock */

static void count_release(void *ctx, uint64_t iova, uint64_t size, uint64_t ntables)
{
	(void)ctx;
	(void)iova;
	(void)ntables;
	__atomic_fetch_add(&released_bytes, size, __ATOMIC_RELAXED);
}

static void one_domain_two_threads(enum phyr_iommu_domain_type type)
{
	struct phyr_iommu_domain_opts o = { .type = type, .ncpus = 2, .release = count_release };
	struct dom_worker w[2];
	struct phyr_iommu_domain *d = NULL;
	struct phyr_iommu_stats st;
	pthread_t t[2];

	released_bytes = 0;
	assert_int_equal(phyr_iommu_domain_create(&o, &d), 0);
	for (unsigned int i = 0; i < 2; i++) {
		w[i] = (struct dom_worker){ .d = d, .cpu = i,
					    .iova_base = UINT64_C(0x40000000) * (i + 1),
					    .phys_base = UINT64_C(0x100000000) * (i + 1),
					    .fq = type == PHYR_IOMMU_DOMAIN_DMA_FQ };
		assert_int_equal(pthread_create(&t[i], NULL, dom_churn, &w[i]), 0);
	}
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].nbad, 0);
	}
	phyr_iommu_fq_flush(d);
	phyr_iommu_get_stats(d, &st);
	assert_int_equal(st.nmaps, 2 * NMAPS);
	assert_int_equal(st.nmap_errors, 0);
	assert_int_equal(st.nunmaps, 2 * NMAPS);
	assert_int_equal(st.ntranslates, 2 * NMAPS);
	assert_int_equal(st.nbytes_mapped, UINT64_C(2) * NMAPS * 4096);
	assert_int_equal(st.nbytes_unmapped, UINT64_C(2) * NMAPS * 4096);
	assert_int_equal(st.nfaults, 0);
	if (type == PHYR_IOMMU_DOMAIN_DMA_FQ) {
		assert_int_equal(st.nfq_queued, 2 * NMAPS);
		assert_int_equal(st.nfq_released, 2 * NMAPS);
		assert_int_equal(st.nfq_pending, 0);
	}
	/* FQ: all, by the full-ring flushes and the last flush; strict: the
	 * half unmapped through phyr_iommu_dma_unmap, each at once */
	assert_int_equal(released_bytes, type == PHYR_IOMMU_DOMAIN_DMA_FQ
					 ? UINT64_C(2) * NMAPS * 4096 : UINT64_C(1) * NMAPS * 4096);
	phyr_iommu_domain_destroy(d);
}

static void test_dma_threads_one_domain_strict(void **state)
{
	(void)state;
	one_domain_two_threads(PHYR_IOMMU_DOMAIN_DMA);
}

static void test_dma_threads_one_domain_fq(void **state)
{
	(void)state;
	one_domain_two_threads(PHYR_IOMMU_DOMAIN_DMA_FQ);
}

/* ------------------------------------------------------------------ */
/* One cookie, a device and a CPU per thread                            */

static const char machine_text[] =
	"machine cpus=4\n"
	"ram start=0 size=2G\n"
	"ram start=4G size=4G\n"
	"host-bridge hb0 domain=0 bus=0 id=8086:2030\n"
	"root-port rp1 parent=hb0 devfn=01.0 id=8086:2031\n"
	"endpoint ep0 parent=rp1 devfn=00.0 id=15b3:1017\n"
	"endpoint ep1 parent=rp1 devfn=01.0 id=15b3:1017\n"
	"endpoint ep2 parent=rp1 devfn=02.0 id=15b3:1017\n"
	"endpoint ep3 parent=rp1 devfn=03.0 id=15b3:1017\n"
	"iommu-group grp type=dma format=arm-lpae-s1-4k\n"
	"device pci=ep0 dma-mask=64bit group=grp\n"
	"device pci=ep1 dma-mask=64bit group=grp\n"
	"device pci=ep2 dma-mask=64bit\n"
	"device pci=ep3 dma-mask=64bit\n";

static struct phyr_system *build(void)
{
	struct phyr_system *s = NULL;
	char err[256] = "";
	int ret = phyr_system_build_string(machine_text, "threads", NULL, &s, err, sizeof(err));

	if (ret)
		fprintf(stderr, "build: %s\n", err);
	assert_int_equal(ret, 0);
	return s;
}

struct dev_worker {
	struct phyr_device *dev;
	struct phyr_iommu_dma_cookie *c; /* churn: attach to it and detach again */
	unsigned int cpu;
	unsigned int nmaps;
	uint64_t phys_base;
	unsigned int nbad;
};

/* map_sg + unmap_sg of two physically contiguous pages at @phys. */
static void map_sg_pair(struct dev_worker *w, uint64_t phys)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct phyr_scatterlist *sgl = calloc(2, L->size);
	int n = 0;

	if (!sgl || phyr_sg_init_table(L, sgl, 2) ||
	    phyr_sg_set_phys(L, phyr_sg_entry(L, sgl, 0), phys, 0, 4096) ||
	    phyr_sg_set_phys(L, phyr_sg_entry(L, sgl, 1), phys + 4096, 0, 4096)) {
		w->nbad++;
		free(sgl);
		return;
	}
	if (phyr_dma_map_sg(w->dev, L, sgl, 2, PHYR_DMA_TO_DEVICE, 0, &n) || n != 1 ||
	    phyr_sg_dma_len(L, sgl) != 8192)
		w->nbad++;
	else if (phyr_dma_unmap_sg(w->dev, L, sgl, 2, PHYR_DMA_TO_DEVICE, 0))
		w->nbad++;
	free(sgl);
}

/*
 * Map and unmap @nmaps pages through the dispatch, BATCH at a time, and
 * (@with_sg) one two-page list after each batch.
 */
static void map_batches(struct dev_worker *w, unsigned int nmaps, bool with_sg)
{
	uint64_t dma[BATCH];

	for (unsigned int done = 0; done < nmaps; done += BATCH) {
		unsigned int n = nmaps - done < BATCH ? nmaps - done : BATCH;

		for (unsigned int i = 0; i < n; i++) {
			uint64_t phys = w->phys_base + (uint64_t)((done + i) % 1024) * 4096;

			if (phyr_dma_map_phys(w->dev, phys, 4096, PHYR_DMA_TO_DEVICE, 0, &dma[i]) ||
			    phyr_dma_mapping_error(w->dev, dma[i]))
				w->nbad++;
		}
		for (unsigned int i = 0; i < n; i++)
			if (phyr_dma_unmap_phys(w->dev, dma[i], 4096, PHYR_DMA_TO_DEVICE, 0))
				w->nbad++;
		if (with_sg)
			map_sg_pair(w, w->phys_base + 0x800000);
	}
}

static void *dev_churn(void *arg)
{
	struct dev_worker *w = arg;

	phyr_device_set_cpu(w->dev, w->cpu);
	map_batches(w, w->nmaps, true);
	return NULL;
}

/* Attach, map a few pages, detach, @w->nmaps / 4 times. */
static void *attach_churn(void *arg)
{
	struct dev_worker *w = arg;

	phyr_device_set_cpu(w->dev, w->cpu);
	for (unsigned int k = 0; k < w->nmaps / 4; k++) {
		if (phyr_iommu_setup_dma_ops(w->dev, w->c) ||
		    phyr_dma_get_path(w->dev) != PHYR_DMA_PATH_IOMMU) {
			w->nbad++;
			continue;
		}
		map_batches(w, 4, false);
		phyr_iommu_teardown_dma_ops(w->dev);
		if (phyr_dma_get_path(w->dev) != PHYR_DMA_PATH_DIRECT)
			w->nbad++;
	}
	return NULL;
}

static void run_devices(unsigned int nattach)
{
	struct phyr_system *s = build();
	struct phyr_iommu_dma_cookie *c = phyr_system_group_cookie(s, "grp");
	const char *names[4] = { "ep0", "ep1", "ep2", "ep3" };
	struct dev_worker w[4];
	struct phyr_iommu_dma_stats st;
	struct phyr_iommu_stats dst;
	struct phyr_device_stats ds;
	unsigned int nthreads = 2 + nattach;
	uint64_t total = 2 * NMAPS, nlists = 2 * NMAPS / BATCH, nodes = 1, pages = 1;
	pthread_t t[4];

	assert_non_null(c);
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(c), 2);
	for (unsigned int i = 0; i < nthreads; i++) {
		w[i] = (struct dev_worker){ .dev = phyr_system_device(s, names[i]), .c = c,
					    .cpu = i, .nmaps = i < 2 ? NMAPS : NMAPS / 10,
					    .phys_base = UINT64_C(0x10000000) * (i + 1) };
		assert_non_null(w[i].dev);
		assert_int_equal(pthread_create(&t[i], NULL, i < 2 ? dev_churn : attach_churn,
						&w[i]), 0);
	}
	for (unsigned int i = 0; i < nthreads; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].nbad, 0);
	}
	for (unsigned int i = 2; i < nthreads; i++)
		total += (NMAPS / 10) / 4 * 4;
	phyr_iommu_dma_get_stats(c, &st);
	assert_int_equal(st.nmaps, total);
	assert_int_equal(st.nunmaps, total);
	assert_int_equal(st.nmap_sg, nlists);
	assert_int_equal(st.nunmap_sg, nlists);
	assert_int_equal(st.nsegs_in, 2 * nlists);
	assert_int_equal(st.nsegs_out, nlists);
	assert_int_equal(st.niova_allocs, total + nlists);
	assert_int_equal(st.niova_alloc_fails, 0);
	assert_int_equal(st.nmap_errors, 0);
	/* one iommu_map per single page and per list (one contiguous run) */
	phyr_iommu_get_stats(phyr_iommu_dma_cookie_domain(c), &dst);
	assert_int_equal(dst.nmaps, total + nlists);
	assert_int_equal(dst.nbytes_mapped, total * 4096 + nlists * 8192);
	assert_int_equal(dst.nbytes_unmapped, dst.nbytes_mapped);
	for (unsigned int i = 0; i < nthreads; i++) {
		phyr_device_get_stats(w[i].dev, &ds);
		assert_int_equal(ds.nmaps, i < 2 ? NMAPS + 2 * NMAPS / BATCH : (NMAPS / 10) / 4 * 4);
		assert_int_equal(ds.nunmaps, ds.nmaps);
	}
	/* the device list ends as it began; every IOVA went back */
	assert_int_equal(phyr_iommu_dma_cookie_ndevices(c), 2);
	phyr_iova_flush_rcaches(phyr_iommu_dma_cookie_iovad(c));
	phyr_iova_usage(phyr_iommu_dma_cookie_iovad(c), &nodes, &pages);
	assert_int_equal(nodes, 0);
	assert_int_equal(pages, 0);
	phyr_system_destroy(s);
}

static void test_dma_threads_one_cookie_two_devices(void **state)
{
	(void)state;
	run_devices(0);
}

static void test_dma_threads_attach_detach_while_mapping(void **state)
{
	(void)state;
	run_devices(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dma_threads_one_domain_strict),
		cmocka_unit_test(test_dma_threads_one_domain_fq),
		cmocka_unit_test(test_dma_threads_one_cookie_two_devices),
		cmocka_unit_test(test_dma_threads_attach_detach_while_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
