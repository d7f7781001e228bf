/* SPDX-License-Identifier: MIT */
/*
 * libphyr machine builder: a whole simulated machine (RAM, memory
 * encryption, CPUs, PCI tree with ACS, P2P providers, the swiotlb pool,
 * IOMMU groups and their DMA domains, DMA devices, dma-debug) described
 * by a short text, one line per object, and built with one call.
 *
 * The grammar is documented in docs/machine-desc.md; shipped descriptions
 * live in machines/ (installed to share/phyr/machines). Every error names
 * the place as "FILE:LINE: message". The builder only composes the public
 * calls of <phyr/machine.h>, <phyr/swiotlb.h>, <phyr/device.h>,
 * <phyr/dma-iommu.h> and <phyr/dma-debug.h>: what it builds is exactly what
 * those calls would build by hand.
 */
#ifndef PHYR_BUILDER_H
#define PHYR_BUILDER_H

#include <phyr/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_system;
struct phyr_machine;
struct phyr_physmem;
struct phyr_pci_dev;
struct phyr_swiotlb;
struct phyr_device;
struct phyr_dma_debug;
struct phyr_iommu_dma_cookie;

/**
 * phyr_system_build_string() - build the machine described by @text.
 * @text: the description (NUL-terminated).
 * @name: what error messages call the text ("FILE" of FILE:LINE); NULL =
 *        "<string>".
 * @a: allocator for everything the system holds (NULL = malloc); must
 *     outlive the system.
 * @out: receives the system (owned by the caller: phyr_system_destroy).
 * @err: receives a NUL-terminated message on failure, "FILE:LINE: ..."
 *       (may be NULL); untouched on success.
 * @errlen: size of @err.
 * On failure nothing stays allocated and *@out is untouched.
 * Return: 0; -EINVAL (a parse or build error, explained in @err; NULL
 *         @text or @out); -ENOMEM.
 */
PHYR_EXPORT int phyr_system_build_string(const char *text, const char *name,
					 const struct phyr_allocator *a,
					 struct phyr_system **out, char *err, size_t errlen);

/**
 * struct phyr_system_opts - what a program sets on every described machine
 * it builds, beyond the description's own text (the what-if knobs of a
 * sweep). A zeroed struct changes nothing.
 * @iova_policy: the IOVA placement policy (<phyr/iova.h>) of every DMA and
 *        DMA-FQ group's domain; NULL = linux. The ops table must outlive
 *        the system.
 * @ncpus: CPUs of the machine (its `cpus=`) when non-zero: the IOVA range
 *        caches and flush queues of every domain, 1..4096.
 * @mag_size: pfns per IOVA magazine (struct phyr_iova_config); 0 = 127.
 * @rcache_classes: cached IOVA size classes; 0 = 6.
 * @no_rcache: no per-CPU IOVA range cache in any domain.
 * @lazy: every `type=dma` group is built as `type=dma-fq` (lazy
 *        invalidation through a flush queue, iommu.strict=0).
 */
struct phyr_iova_policy_ops;
struct phyr_system_opts {
	const struct phyr_iova_policy_ops *iova_policy;
	unsigned int ncpus;
	unsigned int mag_size;
	unsigned int rcache_classes;
	bool no_rcache;
	bool lazy;
};

/**
 * phyr_system_build_string_opts() - phyr_system_build_string() with @opts
 * (NULL = a zeroed struct) applied to what the description builds.
 * Return: as phyr_system_build_string(); -EINVAL also when a group's
 *         domain cannot be created with @opts (explained in @err).
 */
PHYR_EXPORT int phyr_system_build_string_opts(const char *text, const char *name,
					      const struct phyr_system_opts *opts,
					      const struct phyr_allocator *a,
					      struct phyr_system **out, char *err, size_t errlen);

/**
 * phyr_system_build_file() - phyr_system_build_string() on the contents of
 * the file at @path (named @path in messages).
 * Return: as phyr_system_build_string(), plus -ENOENT (no such file) and
 *         -EIO (the file cannot be read, or contains a NUL byte).
 */
PHYR_EXPORT int phyr_system_build_file(const char *path, const struct phyr_allocator *a,
				       struct phyr_system **out, char *err, size_t errlen);

/**
 * phyr_system_destroy() - tear down everything the builder made, in the
 * order Linux would: DMA domains detached and freed, devices, the swiotlb
 * pool, the checker, the machine. Mappings made by the caller must be
 * gone, or dma-debug reports them as one leak per device (at the detach,
 * or at the device's destroy on dma-direct), just before the checker goes
 * too: to read those reports, call phyr_dma_debug_teardown() for each
 * device first. NULL: no-op.
 */
PHYR_EXPORT void phyr_system_destroy(struct phyr_system *s);

/** phyr_system_machine() - the machine (owned by @s). */
PHYR_EXPORT struct phyr_machine *phyr_system_machine(const struct phyr_system *s);

/** phyr_system_physmem() - the machine's simulated memory (owned by @s). */
PHYR_EXPORT struct phyr_physmem *phyr_system_physmem(const struct phyr_system *s);

/** phyr_system_swiotlb() - the swiotlb pool, NULL when the description has none. */
PHYR_EXPORT struct phyr_swiotlb *phyr_system_swiotlb(const struct phyr_system *s);

/**
 * phyr_system_dma_debug() - the dma-debug checker, NULL when dma-debug is
 * off. Its reports name the system's devices by phyr_device_name() (the
 * label, else the PCI name), never by pointer.
 */
PHYR_EXPORT struct phyr_dma_debug *phyr_system_dma_debug(const struct phyr_system *s);

/** phyr_system_ncpus() - the machine's cpus= (0 when not given: each module's default). */
PHYR_EXPORT unsigned int phyr_system_ncpus(const struct phyr_system *s);

/**
 * phyr_system_device() - the DMA device called @name: its label, the
 * label of its PCI function, or the function's PCI name ("0000:01:00.0").
 * NULL if there is none.
 */
PHYR_EXPORT struct phyr_device *phyr_system_device(const struct phyr_system *s, const char *name);

/**
 * phyr_system_pci_dev() - the PCI function called @name (label or PCI
 * name; a host bridge's label names its 00.0 function). NULL if none.
 */
PHYR_EXPORT struct phyr_pci_dev *phyr_system_pci_dev(const struct phyr_system *s,
						     const char *name);

/** phyr_system_ndevices() - number of DMA devices, in description order. */
PHYR_EXPORT size_t phyr_system_ndevices(const struct phyr_system *s);

/** phyr_system_device_at() - DMA device @i in description order, NULL past the end. */
PHYR_EXPORT struct phyr_device *phyr_system_device_at(const struct phyr_system *s, size_t i);

/**
 * phyr_system_group_cookie() - the DMA domain (<phyr/dma-iommu.h>) of
 * IOMMU group @group (its label), shared by every device of the group.
 * NULL: no such group, or an identity or blocked group (they have no DMA
 * domain). A device's own: phyr_iommu_dma_get_cookie(device).
 */
PHYR_EXPORT struct phyr_iommu_dma_cookie *phyr_system_group_cookie(const struct phyr_system *s,
								   const char *group);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_BUILDER_H */
