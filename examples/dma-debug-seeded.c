// SPDX-License-Identifier: MIT
/*
 * dma-debug on every DMA path, using the INSTALLED libphyr through
 * pkg-config:
 *   cc dma-debug-seeded.c $(pkg-config --cflags --libs phyr)
 *
 * One machine, described below and built with phyr_system_build_string(),
 * has three devices, one per path of the DMA API: dma-direct, dma-direct
 * with every mapping bounced through swiotlb (the pool has force=yes), and
 * dma-iommu behind a DMA domain. Its `dma-debug mode=on` line gives every
 * device the same checker, as CONFIG_DMA_API_DEBUG does for a kernel.
 *
 * On each device the program seeds the same three driver bugs:
 *  - a wrong-size unmap (4 KiB mapped, 2 KiB unmapped);
 *  - a sync in the wrong direction (a FROM_DEVICE mapping synced for the
 *    CPU as TO_DEVICE);
 *  - a leak: a mapping still live when the driver lets go of the device
 *    (phyr_dma_debug_teardown(), Linux's dma-debug at driver unbind).
 * Every handle is checked with phyr_dma_mapping_error(), so no "mapping
 * error not checked" report is due. It then prints one line per device,
 * named by its PCI name, with the number of reports of each kind:
 *   DEVICE unmap-size=1 sync-dir=1 leak=1 unchecked=0
 * No pointer values are printed, so the output compares byte for byte
 * with dma-debug-seeded.expected. Exit status 0 when every call did what
 * the model says and no report of another kind was made.
 */
#include <inttypes.h>
#include <stdio.h>

#include <phyr/phyr.h>

static const char machine[] =
	"# Three root ports of one host bridge, one endpoint each.\n"
	"ram start=0 size=2G\n"
	"ram start=4G size=4G\n"
	"host-bridge hb domain=0 bus=0 id=8086:2030\n"
	"root-port rp1 parent=hb devfn=01.0 id=8086:2031\n"
	"root-port rp2 parent=hb devfn=02.0 id=8086:2032\n"
	"root-port rp3 parent=hb devfn=03.0 id=8086:2033\n"
	"endpoint nvme parent=rp1 devfn=00.0 id=144d:a808\n" /* 0000:01:00.0 */
	"endpoint nic parent=rp2 devfn=00.0 id=15b3:1017\n"  /* 0000:02:00.0 */
	"endpoint gpu parent=rp3 devfn=00.0 id=10de:2330\n"  /* 0000:03:00.0 */
	"# 1 MiB of bounce slots; force=yes: every device using it bounces\n"
	"swiotlb start=0x70000000 nslabs=512 nareas=1 force=yes\n"
	"iommu-group grp type=dma\n"
	"device pci=nvme dma-mask=64bit swiotlb=no\n"
	"device pci=nic dma-mask=64bit\n"
	"device pci=gpu dma-mask=64bit swiotlb=no group=grp\n"
	"dma-debug mode=on\n";

#define NDEVS 3
#define PAGE 4096u

/* Map @size bytes at @phys and check the handle, as a driver must. */
static int map(struct phyr_device *dev, uint64_t phys, size_t size,
	       enum phyr_dma_data_direction dir, uint64_t *dma)
{
	int ret = phyr_dma_map_phys(dev, phys, size, dir, 0, dma);

	if (ret == 0)
		ret = phyr_dma_mapping_error(dev, *dma);
	return ret;
}

/* The three bugs on @dev, with its own pages at @phys. */
static int seed_bugs(struct phyr_device *dev, uint64_t phys)
{
	uint64_t dma;
	int ret;

	/* 1. unmapped with another size than it was mapped with */
	if ((ret = map(dev, phys, PAGE, PHYR_DMA_TO_DEVICE, &dma)) ||
	    (ret = phyr_dma_unmap_phys(dev, dma, PAGE / 2, PHYR_DMA_TO_DEVICE, 0)))
		return ret;
	/* 2. the device writes; the driver syncs it for the CPU as TO_DEVICE */
	if ((ret = map(dev, phys + PAGE, PAGE, PHYR_DMA_FROM_DEVICE, &dma)) ||
	    (ret = phyr_dma_sync_for_cpu(dev, dma, PAGE, PHYR_DMA_TO_DEVICE)) ||
	    (ret = phyr_dma_unmap_phys(dev, dma, PAGE, PHYR_DMA_FROM_DEVICE, 0)))
		return ret;
	/* 3. mapped and never unmapped */
	return map(dev, phys + 2 * PAGE, PAGE, PHYR_DMA_TO_DEVICE, &dma);
}

int main(void)
{
	static const enum phyr_dma_path want_path[NDEVS] = {
		PHYR_DMA_PATH_DIRECT, PHYR_DMA_PATH_DIRECT, PHYR_DMA_PATH_IOMMU,
	};
	static const enum phyr_dma_debug_kind kinds[] = {
		PHYR_DMA_DEBUG_UNMAP_SIZE, PHYR_DMA_DEBUG_SYNC_DIR, PHYR_DMA_DEBUG_LEAK,
		PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED,
	};
	uint64_t count[NDEVS][4] = { { 0 } }, other = 0;
	struct phyr_device *dev[NDEVS];
	struct phyr_dma_debug *dbg;
	struct phyr_system *sys;
	char err[256];
	int bad = 0;

	if (phyr_system_build_string(machine, "dma-debug-seeded", NULL, &sys, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	dbg = phyr_system_dma_debug(sys);
	if (!dbg || phyr_system_ndevices(sys) != NDEVS)
		bad = 1;
	for (size_t i = 0; i < NDEVS && !bad; i++) {
		dev[i] = phyr_system_device_at(sys, i);
		if (phyr_device_dma_debug(dev[i]) != dbg || phyr_dma_get_path(dev[i]) != want_path[i] ||
		    phyr_dma_is_force_bounce(dev[i]) != (i == 1)) {
			fprintf(stderr, "device %zu is not on the path the description gives\n", i);
			bad = 1;
		}
	}
	/* each device its own pages: 256 MiB apart */
	for (size_t i = 0; i < NDEVS && !bad; i++) {
		int ret = seed_bugs(dev[i], 0x10000000u + i * 0x10000000u);

		if (ret) {
			fprintf(stderr, "device %zu: a DMA call failed: %d\n", i, ret);
			bad = 1;
		}
	}
	/* the driver lets go of each device: what it still maps leaked */
	for (size_t i = 0; i < NDEVS && !bad; i++)
		phyr_dma_debug_teardown(dbg, dev[i], NULL);

	for (uint64_t n = 0; !bad && n < phyr_dma_debug_nreports(dbg); n++) {
		struct phyr_dma_debug_report r;
		size_t i, k;

		if (phyr_dma_debug_get_report(dbg, n, &r))
			break;
		for (i = 0; i < NDEVS && r.dev != dev[i]; i++)
			;
		for (k = 0; k < 4 && r.kind != kinds[k]; k++)
			;
		if (i < NDEVS && k < 4) {
			count[i][k]++;
		} else {
			fprintf(stderr, "unexpected report: %s\n", phyr_dma_debug_kind_name(r.kind));
			other++;
		}
	}
	for (size_t i = 0; i < NDEVS && !bad; i++) {
		char name[32];

		phyr_pci_dev_name(phyr_device_pci(dev[i]), name, sizeof(name));
		printf("%s unmap-size=%" PRIu64 " sync-dir=%" PRIu64 " leak=%" PRIu64
		       " unchecked=%" PRIu64 "\n",
		       name, count[i][0], count[i][1], count[i][2], count[i][3]);
	}
	phyr_system_destroy(sys);
	return bad || other;
}
