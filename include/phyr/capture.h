/* SPDX-License-Identifier: MIT */
/*
 * libphyr captures: replay of real Linux ftrace captures of the IOVA
 * allocator (drivers/iommu/iova.c) through the IOVA model.
 *
 * A capture is the text of /sys/kernel/tracing/trace with the allocator
 * probe set (boot probes init_iova_domain/reserve_iova, run-time probes
 * on alloc_iova_fast, alloc_iova, free_iova_fast, remove_iova, ...; the
 * fprobe form of 6.12+ or the kprobe form of older kernels, optionally
 * the rc_* probes inside the per-CPU cache). The exact replay builds one
 * model domain per `iovad` pointer and applies every allocator state
 * change at the line where the kernel made it, on that line's CPU, then
 * compares each allocation's pfn with the one Linux returned.
 *
 * The file is read as a stream: memory stays bounded whatever its length.
 *
 * NULL objects: every function returning int gives -EINVAL for a NULL
 * capture; phyr_capture_destroy(NULL) does nothing.
 */
#ifndef PHYR_CAPTURE_H
#define PHYR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "phyr/common.h"
#include "phyr/iova.h"

struct phyr_system;

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_capture;

/** How a capture is replayed. */
enum phyr_capture_mode {
	PHYR_CAPTURE_AUTO = 0, /* exact when the capture has the allocator probes, else
				* EVENTS (a stream that cannot be rewound: exact) */
	PHYR_CAPTURE_EXACT,    /* every state change at its own line (needs the probes) */
	PHYR_CAPTURE_INFO,     /* read and count only, no model */
	PHYR_CAPTURE_EVENTS,   /* requests rebuilt from the dma:/iommu: events only, in log
				* order (AUTO picks it when the allocator probes are absent) */
};

/** How the domains of an events replay free their IOVAs. */
enum phyr_capture_domain_type {
	PHYR_CAPTURE_DOMAIN_AUTO = 0, /* the header's "TLB invalidation policy" or iommu.strict= */
	PHYR_CAPTURE_DOMAIN_STRICT,   /* freed at iommu:unmap */
	PHYR_CAPTURE_DOMAIN_LAZY,     /* DMA-FQ: through the per-CPU flush queue */
};

/**
 * struct phyr_capture_alloc - one IOVA allocation the capture records.
 * @line: 1-based line of the event giving Linux's result.
 * @iovad: the domain (the kernel's iova_domain pointer).
 * @size: size in granules, as passed to alloc_iova_fast.
 * @linux_pfn: the pfn Linux returned.
 * @model_pfn: the pfn the model chose (valid when @model_ok).
 * @model_ok: the model allocated something.
 * @domain_name: events mode: the domain's device name (@iovad is then its
 *   index); NULL in exact mode. Valid during the callback only.
 * @ts_ns: the timestamp of the capture line being replayed when the
 *   allocation was recorded (ftrace's clock, nanoseconds).
 * @live: IOVA ranges in the model domain's tree after the allocation,
 *   those held by the range cache included, the boot-time reserves not:
 *   what a plot of live IOVAs over time draws (0 unless the config's
 *   @want_live is set).
 */
struct phyr_capture_alloc {
	uint64_t line;
	uint64_t iovad;
	uint64_t size;
	uint64_t linux_pfn;
	uint64_t model_pfn;
	bool model_ok;
	const char *domain_name;
	uint64_t ts_ns;
	uint64_t live;
};

/**
 * struct phyr_capture_config - what to replay and how.
 * @mode: see enum phyr_capture_mode.
 * @policy: placement policy (NULL: "linux"). "linux" and "augmented" run
 *   the exact replay; any other policy (e.g. "buddy") a what-if replay:
 *   the capture's requests through the policy's own alloc/free, in log
 *   order (Linux's step-by-step state changes do not apply to it).
 * @ncpus: CPUs of the model (0: the capture's `#P:`, else 64).
 * @kernel: kernel version whose allocator to model ("6.1", "6.12.95");
 *   NULL: the capture's header, else the presence of iova_depot_work.
 *   Before 6.7 the depot is a fixed array of 32 magazines per class.
 * @on_alloc: called for each allocation, in line order (may be NULL).
 * @ctx: passed to @on_alloc.
 * @domain: events mode: strict or lazy domains (AUTO: from the header).
 * @no_rcache: events mode: the model domains have no per-CPU range cache.
 * @mag_size: events mode: pfns per magazine (0: Linux's 127).
 * @fq_timeout_us: events mode, lazy: flush-queue timeout (0: 10,000 us).
 * @want_live: fill struct phyr_capture_alloc's @live for @on_alloc (one
 *   read of the domain's counters per allocation).
 * @iotlb_entries, @iotlb_ways: events mode: IOTLB geometry of each
 *   domain's IOMMU model (0: 64 entries, 4 ways); entries a multiple of
 *   ways, at most 65536; set both or neither.
 * @machine: events mode: a machine description built by the caller
 *   (<phyr/builder.h>; NULL: none) for what events cannot tell: a device
 *   it names (label or PCI name, as phyr_system_device()) takes its DMA
 *   mask, coherent mask, bus limit and 32-bit-first workaround from it;
 *   devices the capture puts in no IOMMU group share a domain when the
 *   description puts them in one, whose reserved ranges are kept out of
 *   the domain. Read during phyr_capture_run() only; the caller destroys it.
 */
struct phyr_capture_config {
	enum phyr_capture_mode mode;
	const struct phyr_iova_policy_ops *policy;
	unsigned int ncpus;
	const char *kernel;
	void (*on_alloc)(void *ctx, const struct phyr_capture_alloc *a);
	void *ctx;
	enum phyr_capture_domain_type domain;
	bool no_rcache;
	unsigned int mag_size;
	uint64_t fq_timeout_us;
	bool want_live;
	unsigned int iotlb_entries, iotlb_ways;
	const struct phyr_system *machine;
};

/**
 * struct phyr_capture_summary - what a run found.
 * @kernel: kernel version (header, or --kernel), "" if unknown.
 * @fixed_depot: the pre-6.7 depot was modelled.
 * @mode: the mode that ran (AUTO resolved).
 * @whatif: a what-if replay (policy other than linux/augmented).
 * @ncpus: CPUs of the capture (`#P:`, 0 if absent).
 * @model_cpus: CPUs of the model.
 * @kprobe_form: the run-time probes are the kprobe form.
 * @rc_probes: the capture has the rc_* cache probes.
 * @nlines: lines read. @nevents: event lines.
 * @nskipped: event lines of events the replay does not use.
 * @nlost_lines, @nlost_events: `[LOST M EVENTS]` lines and their sum.
 * @first_lost_line: the first `[LOST M EVENTS]` line (0: none): the
 *   replay's results past it are not trustworthy. @nallocs_before_loss,
 *   @nmatched_before_loss: allocations (and matches) of lines before it
 *   (all of them when nothing was lost).
 * @entries_in_buffer, @entries_written: ftrace's header (0 if absent).
 * @truncated_line: line number of a last line cut short (0: none).
 * @ndomains, @ndevices: domains and devices seen.
 * @nallocs: allocations with Linux's result. @nmatched: of which the model
 *   returned the same pfn.
 * @first_divergence: line of the first allocation that differs (0: none).
 * @nunpaired: returns without an entry, entries without a return.
 * @lazy: events mode: the domains were lazy (flush queue).
 * @nunmaps: events mode: iommu:unmap lines of an allocation the replay
 *   knew. @nunknown_unmaps: of no known allocation (boot maps, lost lines).
 * @nmissed_frees: exact mode, strict domains: iommu:unmap lines whose
 *   iova_free line the capture lacks (a kprobe missed it), freed by the
 *   replay where the missing line belonged.
 * @nkprobe_missed: the misses the capture tool's header reports from
 *   tracefs' kprobe_profile (`kprobe_profile: NAME hits=N missed=M`).
 */
struct phyr_capture_summary {
	char kernel[64];
	bool fixed_depot;
	enum phyr_capture_mode mode;
	bool whatif;
	unsigned int ncpus;
	unsigned int model_cpus;
	bool kprobe_form;
	bool rc_probes;
	uint64_t nlines;
	uint64_t nevents;
	uint64_t nskipped;
	uint64_t nlost_lines;
	uint64_t nlost_events;
	uint64_t entries_in_buffer;
	uint64_t entries_written;
	uint64_t truncated_line;
	unsigned int ndomains;
	unsigned int ndevices;
	uint64_t nallocs;
	uint64_t nmatched;
	uint64_t first_divergence;
	uint64_t nunpaired;
	bool lazy;
	uint64_t nunmaps;
	uint64_t nunknown_unmaps;
	uint64_t first_lost_line;
	uint64_t nallocs_before_loss;
	uint64_t nmatched_before_loss;
	uint64_t nmissed_frees;
	uint64_t nkprobe_missed;
};

/**
 * struct phyr_capture_domain_info - one iova_domain of the capture.
 * @iovad: its pointer. @granule, @start_pfn: from init_iova_domain (4096
 *   and 1 when the capture has no boot probe for it). @nreserved:
 *   reserve_iova lines. @boot: it had an init_iova_domain line.
 * @nallocs, @nmatched, @nfrees: allocations, matching ones, frees.
 * @first_divergence: line of its first differing allocation (0: none),
 *   with Linux's and the model's pfn there (@div_model_ok false: the
 *   model allocated nothing).
 * Events mode only (zero otherwise): @name, the device that names the
 * domain (the first of its IOMMU group); @group, its group (-1: unknown);
 * @peak_live, @peak_pages: most IOVAs and pages live at once (allocated,
 * not yet back in the allocator); @span_lo, @span_hi: lowest and highest
 * pfn the model handed out; @span_free, @span_largest_hole: at the end,
 * free pfns inside that span and the largest free run among them
 * (fragmentation = 1 - hole / free); @nfq_flushes: lazy flush-queue
 * flushes (timer and full queue); @stats: the model domain's counters;
 * @pt_pages, @pt_pages_peak: page-table pages of an x86-64 4-level table
 * mapping the model's IOVAs with 4 KiB pages, at the end and at most;
 * @npte_writes: its descriptor stores; @ninvalidations: IOTLB
 * invalidation commands (one per strict unmap, one per lazy flush).
 * @mag_bytes, @mag_bytes_peak: bytes of the model's range-cache magazines
 *   (every CPU's loaded and previous ones and the depot's,
 *   phyr_iova_cache_memory()) at the end and at most (sampled after each
 *   free); both modes.
 * Events mode, lazy domains: @nstale, ranges that waited in the flush
 *   queue and were invalidated by a flush (the stale-mapping windows),
 *   @stale_pages their pages, @stale_ns_total, @stale_ns_max the sum and
 *   the longest of their windows (iommu:unmap to the flush that
 *   invalidated them, ftrace's clock), @stale_page_ns the sum of pages x
 *   window; @nstale_open, ranges still waiting at the end (not counted).
 * Events mode, IOTLB model (a device access model: each page of a mapping
 *   is read once after the map and once just before the unmap):
 *   @niotlb_hits, @niotlb_misses of those reads, @niotlb_evictions,
 *   @niotlb_invalidated (entries dropped by invalidations).
 */
struct phyr_capture_domain_info {
	uint64_t iovad;
	uint64_t granule;
	uint64_t start_pfn;
	unsigned int nreserved;
	bool boot;
	uint64_t nallocs;
	uint64_t nmatched;
	uint64_t nfrees;
	uint64_t first_divergence;
	uint64_t div_linux_pfn;
	uint64_t div_model_pfn;
	bool div_model_ok;
	char name[64];
	int group;
	uint64_t peak_live, peak_pages;
	uint64_t span_lo, span_hi;
	uint64_t span_free, span_largest_hole;
	uint64_t nfq_flushes;
	struct phyr_iova_stats stats;
	uint64_t pt_pages, pt_pages_peak;
	uint64_t npte_writes;
	uint64_t ninvalidations;
	uint64_t mag_bytes, mag_bytes_peak;
	uint64_t nstale, stale_pages, stale_ns_total, stale_ns_max, stale_page_ns;
	uint64_t nstale_open;
	uint64_t niotlb_hits, niotlb_misses, niotlb_evictions, niotlb_invalidated;
};

/** struct phyr_capture_device - a device of iommu:add_device_to_group. */
struct phyr_capture_device {
	char name[64];
	int group;
};

/** struct phyr_capture_event - lines of one event name (in order of first appearance). */
struct phyr_capture_event {
	char name[64];
	uint64_t count;
	bool used; /* the replay reads it (false: skipped) */
};

/**
 * phyr_capture_create() - a replay with configuration @cfg (NULL: defaults).
 * @out: receives the object; the caller destroys it.
 * Return: 0, -EINVAL (NULL @out, a policy without alloc, a malformed
 * @kernel, @ncpus above PHYR_IOVA_MAX_CPUS), -ENOMEM.
 */
PHYR_EXPORT int phyr_capture_create(const struct phyr_capture_config *cfg,
				    struct phyr_capture **out);

/** phyr_capture_destroy() - frees @c and its model domains; NULL does nothing. */
PHYR_EXPORT void phyr_capture_destroy(struct phyr_capture *c);

/**
 * phyr_capture_run() - reads and replays one capture (once per object).
 * @path: the file's name (opened unless @f is given; then only used in
 *   messages). @f: an open stream, or NULL.
 * @err: receives "FILE:LINE: message" on failure (may be NULL).
 * Return: 0, -EINVAL (NULL arguments, a second run, a malformed field of
 * an event the replay uses, a line on a CPU beyond the model's), -EBADMSG
 * (a line that is no ftrace line), the -errno of fopen() (-ENOENT,
 * -EACCES, ...), -EIO, -E2BIG (a line over 1 MiB), -ENOMEM, -ENOTSUP
 * (EXACT on a capture without allocator probes; EVENTS, or AUTO without
 * probes, on a capture with neither iommu:map lines nor IOMMU groups: no
 * IOVA to replay). The summary and counts stay readable after an error.
 */
PHYR_EXPORT int phyr_capture_run(struct phyr_capture *c, const char *path, FILE *f, char *err,
				 size_t errlen);

/** phyr_capture_get_summary() - totals of the run into @s. Return: 0, -EINVAL. */
PHYR_EXPORT int phyr_capture_get_summary(struct phyr_capture *c, struct phyr_capture_summary *s);

/** phyr_capture_get_domain() - domain @i (order of first appearance) into @d.
 * Return: 0, -ENOENT (@i past the last), -EINVAL. */
PHYR_EXPORT int phyr_capture_get_domain(struct phyr_capture *c, unsigned int i,
					struct phyr_capture_domain_info *d);

/** phyr_capture_get_device() - device @i into @d. Return: 0, -ENOENT, -EINVAL. */
PHYR_EXPORT int phyr_capture_get_device(struct phyr_capture *c, unsigned int i,
					struct phyr_capture_device *d);

/** phyr_capture_get_event() - event name @i and its count into @e. Return: 0, -ENOENT, -EINVAL. */
PHYR_EXPORT int phyr_capture_get_event(struct phyr_capture *c, unsigned int i,
				       struct phyr_capture_event *e);

/* ---- Bounce replay: swiotlb slots of a swiotlb=force capture ---- */

/**
 * struct phyr_capture_bounce - one swiotlb bounce mapping the capture
 * records (a qs/map line, the return of swiotlb_tbl_map_single).
 * @line: 1-based line of the qs/map event.
 * @device: the device's name (PCI name), or its dev= pointer as "0x..."
 *   when no line of the capture names it.
 * @orig: physical address of the original buffer. @size: bytes mapped.
 * @linux_tlb: the bounce address Linux returned (all ones: Linux failed).
 * @model_tlb: the model's bounce address (valid when @model_ok).
 * @model_ok: the model found a slot.
 */
struct phyr_capture_bounce {
	uint64_t line;
	char device[64];
	uint64_t orig;
	uint64_t size;
	uint64_t linux_tlb;
	uint64_t model_tlb;
	bool model_ok;
};

/**
 * struct phyr_capture_bounce_summary - what a bounce replay found.
 * @nmaps: qs/map lines. @nmatched: of which the model chose Linux's slot.
 * @nmodel_failures: maps for which the model found no slot.
 * @first_divergence: line of the first map that differs (0: none).
 * @nreleases: releases applied (qs/release; qs/unmap when the capture has
 *   no qs/release line).
 * @nunknown_releases: releases of an address no replayed map holds, and
 *   slots Linux reused whose release the capture lacks.
 * @nunpaired_entries: qs/map_entry lines without their return.
 * @nunpaired_returns: qs/map lines without their entry (applied at the return).
 * @npools: distinct swiotlb pools (qs/pool geometries).
 * @nlines: lines read. @truncated_line: a last line cut short (0: none).
 * @nlost_lines, @nlost_events: `[LOST M EVENTS]` lines and their sum (the
 *   replay goes on; mappings after a loss can differ). @first_lost_line:
 *   the first of them (0: none).
 */
struct phyr_capture_bounce_summary {
	uint64_t nmaps;
	uint64_t nmatched;
	uint64_t nmodel_failures;
	uint64_t first_divergence;
	uint64_t nreleases;
	uint64_t nunknown_releases;
	uint64_t nunpaired_entries;
	uint64_t nunpaired_returns;
	uint64_t npools;
	uint64_t nlines;
	uint64_t truncated_line;
	uint64_t nlost_lines;
	uint64_t nlost_events;
	uint64_t first_lost_line;
};

/**
 * phyr_capture_replay_bounces() - replays the swiotlb bounce mappings of a
 * Linux capture (the qs/ probe set of swiotlb_tbl_map_single, its return,
 * __swiotlb_tbl_unmap_single, swiotlb_release_slots and
 * swiotlb_max_mapping_size) through the swiotlb model, with the pool's
 * geometry and physical addresses as the qs/pool lines report them; each
 * map's slot search is applied at its entry on the entry's CPU, each
 * release at its qs/release line.
 * @path: the file's name (opened unless @f is given; then only used in
 *   messages). @f: an open stream, or NULL.
 * @on_bounce: called once per qs/map line, in line order, as the replay
 *   goes (it streams the capture in chunks of a few thousand records, so a
 *   capture of any length replays in bounded memory); after an error the
 *   calls already made stand (may be NULL). @ctx: passed to it.
 * @summary: out (may be NULL): totals; zeroed first.
 * @err: receives "FILE:LINE: message" on failure (may be NULL).
 * Return: 0, -EINVAL (@path and @f NULL, a malformed qs/ probe line, an
 * impossible or conflicting pool geometry, maps but no qs/pool line),
 * -EBADMSG (a line that is no ftrace line), -ENOENT/-EACCES (open), -EIO,
 * -E2BIG (a line over 1 MiB), -ENOMEM.
 */
PHYR_EXPORT int phyr_capture_replay_bounces(const char *path, FILE *f,
					    void (*on_bounce)(void *ctx,
							      const struct phyr_capture_bounce *b),
					    void *ctx, struct phyr_capture_bounce_summary *summary,
					    char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_CAPTURE_H */
