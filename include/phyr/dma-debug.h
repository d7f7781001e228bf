/* SPDX-License-Identifier: MIT */
/*
 * libphyr dma-debug: a DMA-API misuse checker after Linux's
 * CONFIG_DMA_API_DEBUG (kernel/dma/debug.c, v6.17).
 *
 * The checker tracks every live mapping of every device it is told about,
 * in a hash keyed by DMA address (16384 buckets of 8 KiB, as Linux), and
 * the DMA layer calls its hooks: phyr_dma_debug_map() / _map_sg() after a
 * mapping succeeded, phyr_dma_debug_mapping_error() when the driver checks
 * a handle, phyr_dma_debug_unmap() / _unmap_sg() / _unmap_range() before
 * unmapping, phyr_dma_debug_sync() / _sync_sg() before a sync, and
 * phyr_dma_debug_teardown() when a device goes away. The checker knows
 * nothing of the DMA layer: devices are opaque pointers, directions and
 * attributes are Linux's plain values (DMA_BIDIRECTIONAL 0, TO_DEVICE 1,
 * FROM_DEVICE 2, NONE 3; DMA_ATTR_SKIP_CPU_SYNC 1 << 5).
 *
 * Reproduced exactly from Linux: which checks exist, their order within a
 * call, the values each report carries, the lookup rules (exact match on
 * device + address with best fit on size, type, direction and sg entry
 * count, and "not found" when several entries match with no perfect fit;
 * syncs find the entry containing the range, walking the hash buckets
 * downward), the sg walk (unmap and sync stop after the mapped count read
 * from the first segment), the segment-length and boundary checks of
 * dma_map_sg, the cacheline-overlap tracking of non-TO_DEVICE mappings
 * (first cacheline of each mapping, overlap count saturating at 7, not
 * reported with SKIP_CPU_SYNC), the mapping-error check of single and
 * resource mappings, and the leak report at teardown (count plus the
 * details of one leaked entry). The kernel-only checks (stack, vmalloc,
 * kernel text) have no equivalent here.
 *
 * Beyond Linux: two more mapping types, "iova-link" (two-step
 * dma_iova_link ranges, which v6.17 does not track) and "phyr"
 * (phyr_dma_map_phyr lists); a two-step link, unlink or destroy outside
 * its IOVA state is reported (IOVA_RANGE); an unchecked mapping error is also reported
 * at the first sync (Linux only reports it at unmap; turn it off with
 * linux_exact); a strict mode in which a hook that reports returns -EINVAL
 * and changes nothing, so the DMA layer can refuse the call; teardown
 * drops the leaked entries (the device is gone) after reporting them.
 * See docs/dma-debug.md.
 */
#ifndef PHYR_DMA_DEBUG_H
#define PHYR_DMA_DEBUG_H

#include <stdio.h>

#include <phyr/common.h>
#include <phyr/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_dma_debug;

/** Mapping types (Linux's dma_debug_single ... plus two of libphyr's). */
enum phyr_dma_debug_type {
	PHYR_DMA_DEBUG_SINGLE = 0,   /**< dma_map_page/phys/single: "single" */
	PHYR_DMA_DEBUG_SG = 1,       /**< dma_map_sg: "scatter-gather" */
	PHYR_DMA_DEBUG_COHERENT = 2, /**< dma_alloc_coherent: "coherent" */
	PHYR_DMA_DEBUG_RESOURCE = 3, /**< dma_map_resource: "resource" */
	PHYR_DMA_DEBUG_IOVA = 4,     /**< dma_iova_link range: "iova-link" */
	PHYR_DMA_DEBUG_PHYR = 5,     /**< phyr_dma_map_phyr segment: "phyr" */
	PHYR_DMA_DEBUG_NTYPES
};

/** What a report is about. Each names Linux's message in docs/dma-debug.md. */
enum phyr_dma_debug_kind {
	/** unmap of an address nobody mapped ("free DMA memory it has not allocated") */
	PHYR_DMA_DEBUG_UNMAP_UNKNOWN = 0,
	/** unmap of DMA_MAPPING_ERROR ("free an invalid DMA memory address") */
	PHYR_DMA_DEBUG_UNMAP_INVALID,
	/** unmap size differs: expected = map size, got = unmap size */
	PHYR_DMA_DEBUG_UNMAP_SIZE,
	/** unmapped with the wrong function: expected/got = enum phyr_dma_debug_type */
	PHYR_DMA_DEBUG_UNMAP_TYPE,
	/** coherent free with another CPU address: expected/got = physical addresses */
	PHYR_DMA_DEBUG_UNMAP_CPU_ADDR,
	/** sg unmap with another entry count: expected/got = nents */
	PHYR_DMA_DEBUG_UNMAP_NENTS,
	/** unmap direction differs: expected/got = direction */
	PHYR_DMA_DEBUG_UNMAP_DIR,
	/** single/resource mapping unmapped (or synced) without a mapping_error check */
	PHYR_DMA_DEBUG_MAP_ERR_UNCHECKED,
	/** sync of a range no mapping contains ("sync DMA memory it has not allocated") */
	PHYR_DMA_DEBUG_SYNC_UNKNOWN,
	/** sync larger than the mapping: expected = map size, got = sync size */
	PHYR_DMA_DEBUG_SYNC_RANGE,
	/** sync direction differs from a non-bidirectional mapping's */
	PHYR_DMA_DEBUG_SYNC_DIR,
	/** sync for the CPU of memory the device only reads */
	PHYR_DMA_DEBUG_SYNC_FOR_CPU_RO,
	/** sync for the device of memory the device only writes */
	PHYR_DMA_DEBUG_SYNC_FOR_DEVICE_WO,
	/** sg sync with another entry count: expected/got = nents */
	PHYR_DMA_DEBUG_SYNC_NENTS,
	/** dma_map_sg segment longer than max_seg_size: expected = max, got = length */
	PHYR_DMA_DEBUG_SG_SEG_LENGTH,
	/** dma_map_sg segment across the segment boundary: expected = boundary mask, got = last byte */
	PHYR_DMA_DEBUG_SG_SEG_BOUNDARY,
	/** a second device-writable mapping of a cacheline ("overlapping mappings aren't supported") */
	PHYR_DMA_DEBUG_OVERLAP,
	/** mappings still live at teardown: got = how many; the entry fields describe one */
	PHYR_DMA_DEBUG_LEAK,
	/**
	 * beyond Linux: a two-step link, unlink or destroy reaching outside its
	 * IOVA state (Linux checks neither): dma_addr = the state's IOVA, size =
	 * the state's size, expected = the state's size, got = offset + size of
	 * the call (UINT64_MAX when it wraps)
	 */
	PHYR_DMA_DEBUG_IOVA_RANGE,
	PHYR_DMA_DEBUG_NKINDS
};

/**
 * struct phyr_dma_debug_report - one report.
 * @seq: 0-based number of the report since the checker was created.
 * @kind: what is wrong.
 * @dev: the device the call was made for.
 * @dma_addr: the device address of the call (for SYNC_RANGE and LEAK: of
 *            the mapping, as Linux prints).
 * @size: the size of the call (SYNC_DIR and the FOR_CPU/FOR_DEVICE kinds:
 *        the mapping's size, as Linux prints; LEAK: the leaked entry's).
 * @type: the type the call used (LEAK: the leaked entry's).
 * @dir: the direction the call used (LEAK: the leaked entry's).
 * @map_type, @map_dir, @map_size, @map_addr, @map_phys: the tracked
 *            mapping the call was matched with (all 0 and @has_entry false
 *            for UNKNOWN, INVALID, SG_SEG_* kinds).
 * @has_entry: a tracked mapping was found.
 * @expected, @got: the two values that disagree (see each kind).
 */
struct phyr_dma_debug_report {
	uint64_t seq;
	enum phyr_dma_debug_kind kind;
	const void *dev;
	uint64_t dma_addr;
	uint64_t size;
	enum phyr_dma_debug_type type;
	int dir;
	bool has_entry;
	enum phyr_dma_debug_type map_type;
	int map_dir;
	uint64_t map_size;
	uint64_t map_addr;
	uint64_t map_phys;
	uint64_t expected;
	uint64_t got;
};

/**
 * struct phyr_dma_debug_config - checker options; zero = defaults.
 * @strict: a hook that reports returns -EINVAL and leaves the tracker as
 *          it was (the DMA layer then fails the call). An unchecked mapping
 *          error is reported but never refuses: the unmap that reveals it
 *          is correct and must release the mapping. Teardown still drops
 *          the device's entries.
 * @linux_exact: only Linux's checks (no mapping-error report at sync).
 * @max_reports: reports kept for phyr_dma_debug_get_report() (0 = 4096);
 *               later ones are only counted.
 * @dev_name: name of a device in formatted reports and dumps (NULL or a
 *            NULL result: "dev@0x<pointer>").
 * @dev_name_ctx: passed to @dev_name.
 * @log: when non-NULL every report is also printed there, formatted.
 */
struct phyr_dma_debug_config {
	bool strict;
	bool linux_exact;
	size_t max_reports;
	const char *(*dev_name)(void *ctx, const void *dev);
	void *dev_name_ctx;
	FILE *log;
};

/**
 * struct phyr_dma_debug_stats - counters of a checker.
 * @nentries: mappings tracked now.
 * @nentries_max: the most tracked at once.
 * @nreports: reports made (Linux's error_count), kept or not.
 * @nreports_kind: the same per enum phyr_dma_debug_kind.
 * @nmaps, @nunmaps, @nsyncs, @nmapping_error_checks: hook calls.
 * @nrefused: hook calls refused in strict mode.
 * @nnomem: entry allocations that failed (the checker disabled itself).
 * @disabled: the checker turned itself off after running out of memory,
 *            as Linux does ("debugging out of memory - disabling").
 */
struct phyr_dma_debug_stats {
	uint64_t nentries;
	uint64_t nentries_max;
	uint64_t nreports;
	uint64_t nreports_kind[PHYR_DMA_DEBUG_NKINDS];
	uint64_t nmaps;
	uint64_t nunmaps;
	uint64_t nsyncs;
	uint64_t nmapping_error_checks;
	uint64_t nrefused;
	uint64_t nnomem;
	bool disabled;
};

/**
 * struct phyr_dma_debug_map - one mapping (or unmapping) as the DMA layer
 * describes it to the checker.
 * @dev: the device (opaque; compared by pointer).
 * @type: the mapping function.
 * @phys: CPU physical address of the data (coherent: of the buffer).
 * @dma_addr: device address of the mapping.
 * @size: bytes.
 * @dir: Linux's direction value, 0..3 (coherent mappings are
 *       bidirectional).
 * @attrs: DMA_ATTR_* bits (only SKIP_CPU_SYNC, 1 << 5, matters).
 */
struct phyr_dma_debug_map {
	const void *dev;
	enum phyr_dma_debug_type type;
	uint64_t phys;
	uint64_t dma_addr;
	uint64_t size;
	int dir;
	unsigned long attrs;
};

/** The type's name as Linux prints it ("single", "scatter-gather", ...); "?" if out of range. */
PHYR_EXPORT const char *phyr_dma_debug_type_name(enum phyr_dma_debug_type type);
/** The direction's name ("DMA_BIDIRECTIONAL", ...); "?" if out of range. */
PHYR_EXPORT const char *phyr_dma_debug_dir_name(int dir);
/** A short name of the kind ("unmap-size", ...); "?" if out of range. */
PHYR_EXPORT const char *phyr_dma_debug_kind_name(enum phyr_dma_debug_kind kind);

/**
 * phyr_dma_debug_create() - a checker with an empty tracker.
 * @cfg: options (NULL = defaults); copied.
 * @a: allocator for the hash, entries and reports (NULL = malloc); must
 *     outlive the checker.
 * @out: the new checker.
 * Return: 0, -EINVAL (NULL @out), -ENOMEM.
 */
PHYR_EXPORT int phyr_dma_debug_create(const struct phyr_dma_debug_config *cfg,
				      const struct phyr_allocator *a,
				      struct phyr_dma_debug **out);

/** phyr_dma_debug_destroy() - frees the checker, its entries and reports. NULL: no-op. */
PHYR_EXPORT void phyr_dma_debug_destroy(struct phyr_dma_debug *dbg);

/**
 * phyr_dma_debug_map() - a single, resource, coherent, iova-link or phyr
 * mapping succeeded: track it. Single and resource mappings must be
 * checked with phyr_dma_debug_mapping_error() before their unmap.
 * A device-writable (not TO_DEVICE) mapping whose first cacheline is
 * already mapped that way is reported as OVERLAP unless @m->attrs has
 * SKIP_CPU_SYNC; it is tracked all the same.
 * Return: 0; -EINVAL (NULL arguments, bad type or direction, or strict
 *         mode and a report was made: then nothing is tracked).
 *         Running out of memory disables the checker and returns 0.
 */
PHYR_EXPORT int phyr_dma_debug_map(struct phyr_dma_debug *dbg, const struct phyr_dma_debug_map *m);

/**
 * phyr_dma_debug_map_sg() - dma_map_sg succeeded with @mapped_ents DMA
 * segments out of the @nents entries of the list at @sgl (layout @L, the
 * list as the DMA layer left it): each segment is tracked as one
 * scatter-gather entry (physical address of entry i, DMA address and
 * length of segment i) remembering @nents and @mapped_ents, after the
 * checks of Linux's check_sg_segment (length above @max_seg_size, a
 * segment crossing a @seg_boundary_mask boundary) and the overlap check.
 * Return: 0; -EINVAL (bad arguments; strict mode and a report: nothing
 *         tracked).
 */
PHYR_EXPORT int phyr_dma_debug_map_sg(struct phyr_dma_debug *dbg, const void *dev,
				      const struct phyr_sg_layout *L,
				      struct phyr_scatterlist *sgl, int nents, int mapped_ents,
				      int dir, unsigned long attrs, uint64_t max_seg_size,
				      uint64_t seg_boundary_mask);

/**
 * phyr_dma_debug_mapping_error() - the driver called dma_mapping_error()
 * on @dma_addr: the first not-yet-checked mapping of @dev at exactly that
 * address is marked checked. Never reports. Return: 0, -EINVAL (NULL).
 */
PHYR_EXPORT int phyr_dma_debug_mapping_error(struct phyr_dma_debug *dbg, const void *dev,
					     uint64_t dma_addr);

/**
 * phyr_dma_debug_unmap() - about to unmap @ref (type, dev, dma_addr,
 * size, dir; phys for coherent frees): Linux's check_unmap. Reports, in
 * this order: UNKNOWN or INVALID (no match; stop), SIZE, TYPE (or
 * CPU_ADDR for coherent), DIR, MAP_ERR_UNCHECKED; then the entry is
 * dropped.
 * Return: 0; -EINVAL (bad arguments; strict mode and a report: the entry
 *         stays tracked).
 */
PHYR_EXPORT int phyr_dma_debug_unmap(struct phyr_dma_debug *dbg,
				     const struct phyr_dma_debug_map *ref);

/**
 * phyr_dma_debug_iova_range() - beyond Linux: a two-step call on @dev's
 * IOVA state [@state_addr, +@state_size) is about to link, unlink or
 * destroy [@offset, +@size) of it. Reports IOVA_RANGE when the range does
 * not lie inside the state (Linux maps another mapping's IOVA then, and
 * the device reaches its bytes). Return: 0; -EINVAL (NULL @dbg; strict
 * mode and a report: the DMA layer refuses the call).
 */
PHYR_EXPORT int phyr_dma_debug_iova_range(struct phyr_dma_debug *dbg, const void *dev,
					  uint64_t state_addr, uint64_t state_size,
					  uint64_t offset, uint64_t size);

/**
 * phyr_dma_debug_unmap_sg() - about to dma_unmap_sg @nelems entries (the
 * count given to map): check_unmap of each DMA segment in turn, stopping
 * after the mapped count recorded for the first one (all @nelems if the
 * first is not found). Reports as phyr_dma_debug_unmap() plus NENTS.
 * Return: 0; -EINVAL (bad arguments; strict mode and a report: nothing
 *         dropped).
 */
PHYR_EXPORT int phyr_dma_debug_unmap_sg(struct phyr_dma_debug *dbg, const void *dev,
					const struct phyr_sg_layout *L,
					struct phyr_scatterlist *sgl, int nelems, int dir);

/**
 * phyr_dma_debug_unmap_range() - about to unmap every mapping of @type
 * that lies in [@dma_addr, +@size) (dma_iova_destroy / a two-step unlink
 * of several links). Each tracked mapping of @dev starting in the range
 * is checked as if unmapped alone with its own size (so TYPE and DIR are
 * reported per mapping, SIZE when it reaches past the range) and dropped.
 * Nothing found is UNKNOWN.
 * Return: 0; -EINVAL (bad arguments; strict mode and a report: nothing
 *         dropped).
 */
PHYR_EXPORT int phyr_dma_debug_unmap_range(struct phyr_dma_debug *dbg, const void *dev,
					   enum phyr_dma_debug_type type, uint64_t dma_addr,
					   uint64_t size, int dir);

/**
 * phyr_dma_debug_sync() - about to sync [@dma_addr, +@size) for the CPU
 * (@to_cpu) or the device: Linux's check_sync on the mapping containing
 * the range. Reports UNKNOWN (stop), RANGE, then unless the mapping is
 * bidirectional DIR and FOR_CPU_RO / FOR_DEVICE_WO; and, unless
 * linux_exact, MAP_ERR_UNCHECKED once per mapping.
 * Return: 0; -EINVAL (bad arguments; strict mode and a report).
 */
PHYR_EXPORT int phyr_dma_debug_sync(struct phyr_dma_debug *dbg, const void *dev,
				    uint64_t dma_addr, uint64_t size, int dir, bool to_cpu);

/**
 * phyr_dma_debug_sync_sg() - about to sync an sg list of @nelems entries:
 * check_sync of each segment up to the mapped count recorded for the
 * first one (nothing if it is not found), plus NENTS.
 * Return: 0; -EINVAL (bad arguments; strict mode and a report).
 */
PHYR_EXPORT int phyr_dma_debug_sync_sg(struct phyr_dma_debug *dbg, const void *dev,
				       const struct phyr_sg_layout *L,
				       struct phyr_scatterlist *sgl, int nelems, int dir,
				       bool to_cpu);

/**
 * phyr_dma_debug_teardown() - @dev is going away (driver unbind): if
 * mappings of @dev are still tracked, one LEAK report carrying their count
 * and the details of one of them (the last in hash order, as Linux); the
 * entries are then dropped.
 * @nleaked: out, may be NULL: how many there were.
 * Return: 0; -EINVAL (NULL, or strict mode and a leak: the entries are
 *         dropped all the same).
 */
PHYR_EXPORT int phyr_dma_debug_teardown(struct phyr_dma_debug *dbg, const void *dev,
					uint64_t *nleaked);

/** phyr_dma_debug_nentries() - mappings tracked for @dev (NULL: for every device). */
PHYR_EXPORT uint64_t phyr_dma_debug_nentries(struct phyr_dma_debug *dbg, const void *dev);

/** phyr_dma_debug_nreports() - reports made so far (kept or not). */
PHYR_EXPORT uint64_t phyr_dma_debug_nreports(struct phyr_dma_debug *dbg);

/**
 * phyr_dma_debug_get_report() - copy kept report @index (0 = oldest) to
 * @out. Return: 0, -ENOENT (no such report kept), -EINVAL (NULL).
 */
PHYR_EXPORT int phyr_dma_debug_get_report(struct phyr_dma_debug *dbg, size_t index,
					  struct phyr_dma_debug_report *out);

/** phyr_dma_debug_clear_reports() - forget the kept reports and zero the report counters. */
PHYR_EXPORT void phyr_dma_debug_clear_reports(struct phyr_dma_debug *dbg);

/**
 * phyr_dma_debug_format() - the report as Linux words it, one line
 * without newline, e.g. "DMA-API: nvme0: device driver frees DMA memory
 * with different size [device address=0x00000000ffff8000] [map size=4096
 * bytes] [unmap size=2048 bytes]". Truncated to @len - 1 characters.
 * Return: the length of the full line (as snprintf), or -EINVAL.
 */
PHYR_EXPORT int phyr_dma_debug_format(struct phyr_dma_debug *dbg,
				      const struct phyr_dma_debug_report *r, char *buf,
				      size_t len);

/** phyr_dma_debug_get_stats() - copy the counters into @out. */
PHYR_EXPORT void phyr_dma_debug_get_stats(struct phyr_dma_debug *dbg,
					  struct phyr_dma_debug_stats *out);

/**
 * phyr_dma_debug_dump() - one line per tracked mapping of @dev (NULL: all)
 * in hash order, Linux's dump format: "NAME TYPE idx N P=0x... D=... L=...
 * cln=0x... DIR MAPERR". Return: 0 or -EIO.
 */
PHYR_EXPORT int phyr_dma_debug_dump(struct phyr_dma_debug *dbg, const void *dev, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_DMA_DEBUG_H */
