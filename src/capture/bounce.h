/* SPDX-License-Identifier: MIT */
/*
 * Bounce replay: the swiotlb mappings of a Linux capture (qs/ probes of
 * formats/capture.md section 3) replayed on libphyr's swiotlb model.
 *
 * The reader turns capture lines into records (struct bounce_event), in file
 * order; the replay then applies them to a model pool with the captured
 * machine's own geometry and physical addresses and gives, for every qs/map,
 * the slot Linux chose and the slot the model chose. Where each kernel
 * action is applied (docs/capture.md, "Bounce replay"):
 *   - the slot search of swiotlb_tbl_map_single at its entry (qs/map_entry,
 *     paired with its return qs/map per task), on the entry's CPU: the
 *     search runs right after entry, under the area lock, before the bounce
 *     copy that takes up most of the call; a return without an entry is
 *     applied at the return;
 *   - the release of the slots at qs/release (swiotlb_release_slots frees
 *     them; __swiotlb_tbl_unmap_single only copies back and calls it), or at
 *     qs/unmap when the capture has no qs/release line at all.
 * Linux's slot of a mapping is only used to find the mapping again when it
 * is released (Linux TLB -> model TLB), never to steer the model's choice.
 */
#ifndef PHYR_SRC_CAPTURE_BOUNCE_H
#define PHYR_SRC_CAPTURE_BOUNCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "phyr/common.h"

/* Longest device name kept (PCI names are 12 characters). */
#define BOUNCE_DEVNAME_MAX 64

enum bounce_kind {
	BOUNCE_POOL,       /* qs/pool: geometry and a device's name and mask */
	BOUNCE_MAP_ENTRY,  /* qs/map_entry: entry of swiotlb_tbl_map_single */
	BOUNCE_MAP,        /* qs/map: its return, with Linux's slot */
	BOUNCE_UNMAP,      /* qs/unmap: __swiotlb_tbl_unmap_single */
	BOUNCE_RELEASE,    /* qs/release: swiotlb_release_slots */
	BOUNCE_NAME,       /* swiotlb_bounced / dma_map_phys: names a device */
};

/*
 * struct bounce_event - one capture line the replay uses. Which fields mean
 * something depends on @kind; the others are 0.
 * @line: 1-based line number in the capture.
 * @cpu: the line's CPU column. @pid: the task (pairs entry and return).
 * @dev: the dev= pointer (all qs/ lines).
 * @devname: pool: devname=; NAME: the event's device.
 * @has_min_align, @min_align_mask: pool, map: the device's min_align_mask.
 * @start, @end, @nslabs, @nareas, @area_nslabs, @force_bounce: pool geometry.
 * @orig: map_entry, map: the original buffer; NAME: the original
 *	(swiotlb_bounced dev_addr=, dma_map_phys phys_addr=).
 * @size: map_entry, map, unmap, NAME: bytes.
 * @alloc_align_mask, @dir, @attrs: map (dir and attrs also unmap).
 * @tlb: map: Linux's slot (return value); unmap, release: the address
 *	freed; NAME: dma_map_phys dma_addr= (0 for swiotlb_bounced).
 */
struct bounce_event {
	enum bounce_kind kind;
	uint64_t line;
	uint32_t cpu;
	uint32_t pid;
	uint64_t dev;
	char devname[BOUNCE_DEVNAME_MAX];
	bool has_min_align;
	uint32_t min_align_mask;
	uint64_t start;
	uint64_t end;
	uint64_t nslabs;
	uint32_t nareas;
	uint32_t area_nslabs;
	bool force_bounce;
	uint64_t orig;
	uint64_t size;
	uint32_t alloc_align_mask;
	uint32_t dir;
	uint64_t attrs;
	uint64_t tlb;
};

/*
 * struct bounce_result - one qs/map of the capture.
 * @line: the qs/map line. @devname: the device's name ("0x..." pointer when
 * the capture never names it). @orig, @size: the mapping.
 * @linux_tlb: Linux's slot. @model_found: whether the model found a slot;
 * @model_tlb: the model's slot then.
 */
struct bounce_result {
	uint64_t line;
	char devname[BOUNCE_DEVNAME_MAX];
	uint64_t orig;
	uint64_t size;
	uint64_t linux_tlb;
	bool model_found;
	uint64_t model_tlb;
};

/* Counters of one replay (for the summary on stderr). */
struct bounce_stats {
	uint64_t nmaps;             /* qs/map lines replayed */
	uint64_t nmatches;          /* model slot == Linux slot */
	uint64_t nmodel_failures;   /* model found no slot */
	uint64_t nreleases;         /* releases applied to the model */
	uint64_t nunknown_releases; /* releases of a slot no replayed map holds */
	uint64_t nunpaired_entries; /* map_entry lines without a return */
	uint64_t nunpaired_returns; /* qs/map lines without an entry */
	uint64_t npools;            /* distinct pools */
	uint64_t nchunks;           /* chunks replayed (1 unless streaming) */
};

struct bounce_replay;

/*
 * bounce_replay_create - an empty replay. @alloc NULL = malloc.
 * Returns 0, -EINVAL (NULL @out) or -ENOMEM.
 */
int bounce_replay_create(const struct phyr_allocator *alloc, struct bounce_replay **out);

/* bounce_replay_destroy - frees everything; NULL does nothing. */
void bounce_replay_destroy(struct bounce_replay *r);

/*
 * bounce_replay_add - appends one record (copied). Records must come in
 * file order (strictly increasing @line). Returns 0, -EINVAL (NULL, line
 * out of order, unknown kind) or -ENOMEM.
 */
int bounce_replay_add(struct bounce_replay *r, const struct bounce_event *rec);

/*
 * bounce_replay_stream - before the first record: replay by chunks as the
 * records come, in bounded memory. Each chunk is cut where no pairing or
 * naming crosses it (bounce.c: chunk_cut) and replayed at once; its results
 * go to @emit (may be NULL), in qs/map line order, and are not kept
 * (bounce_replay_results() then gives none). bounce_replay_run() replays
 * the last chunk. Returns 0 or -EINVAL (NULL @r, records already added).
 */
int bounce_replay_stream(struct bounce_replay *r,
			 void (*emit)(void *ctx, const struct bounce_result *res), void *ctx);

/*
 * bounce_replay_run - replays the records added so far (once). On a capture
 * error (a pool line whose geometry is impossible or contradicts an earlier
 * one at the same start; maps but no pool line), returns -EINVAL with
 * *@err_line set to the offending line (0 when no single line is at fault)
 * and @msg (of @msg_len bytes) holding the message. Returns 0, -EINVAL,
 * -ENOMEM or -EALREADY (run twice).
 */
int bounce_replay_run(struct bounce_replay *r, uint64_t *err_line, char *msg, size_t msg_len);

/* bounce_replay_results - the results in qs/map line order, and their number. */
const struct bounce_result *bounce_replay_results(const struct bounce_replay *r, size_t *n);

/* bounce_replay_get_stats - copies the counters. */
void bounce_replay_get_stats(const struct bounce_replay *r, struct bounce_stats *st);

struct ftrace_line;
struct ftrace_reader;

/*
 * bounce_replay_line - turns one capture line into a record when it is one
 * the replay uses (the qs/ probes map_entry, map, unmap, release, pool;
 * swiotlb_bounced and dma_map_phys/dma_map_page, which name devices) and
 * adds it; other lines are ignored. A qs/ probe line without a field the
 * replay needs, or with a malformed number, is an error: returns -EINVAL
 * with "message" (no FILE:LINE prefix) in @msg. Returns 0, -EINVAL or
 * -ENOMEM.
 */
int bounce_replay_line(struct bounce_replay *r, const struct ftrace_line *l, char *msg,
		       size_t msg_len);

/*
 * bounce_replay_read - reads a whole capture through @fr (bounce_replay_line
 * on each line) and runs the replay. Errors are reported through @fr
 * ("FILE:LINE: message", ftrace_reader_error). Returns 0, -EINVAL (a
 * malformed capture), -EBADMSG/-E2BIG/-EIO (the reader's), -ENOMEM.
 */
int bounce_replay_read(struct bounce_replay *r, struct ftrace_reader *fr);

/*
 * bounce_replay_print - the --emit bounces lines (formats/capture.md
 * section 5): "LINE DEVICE ORIG SIZE LINUX_TLB MODEL_TLB", MODEL_TLB "-"
 * when the model found no slot. Returns 0 or -EIO.
 */
int bounce_replay_print(const struct bounce_replay *r, FILE *out);

#endif /* PHYR_SRC_CAPTURE_BOUNCE_H */
