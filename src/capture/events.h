/* SPDX-License-Identifier: MIT */
/*
 * Events-only replay of Linux captures (docs/capture.md, "Events mode"):
 * the IOVA requests rebuilt from the standard dma:/iommu: events, in log
 * order, through a model domain per IOMMU group, strict or lazy (flush
 * queue modelled from the timestamps). Private to src/capture.
 */
#ifndef PHYR_CAPTURE_EVENTS_H
#define PHYR_CAPTURE_EVENTS_H

#include <stdbool.h>
#include <stdio.h>

#include "phyr/capture.h"

struct evrep;

/*
 * Scans a capture for the allocator's run-time probes (a header that
 * defines qt/iova_alloc, or an iova_alloc/iova_alloc_ret/iova_alloc_entry
 * line). @f, when given, is put back where it was (it must be seekable:
 * -ESPIPE otherwise). Return: 0 with *@has set, or the reader's -errno.
 */
int evrep_has_probes(const char *path, FILE *f, bool *has);

/*
 * Runs the events replay of @path/@f with @cfg; the summary goes to @sum
 * (mode EVENTS). *@out receives the run's state (domains, devices, event
 * counts) even after an error; the caller destroys it.
 * Return: as phyr_capture_run().
 */
int evrep_run(const struct phyr_capture_config *cfg, const char *path, FILE *f, char *err,
	      size_t errlen, struct phyr_capture_summary *sum, struct evrep **out);
void evrep_destroy(struct evrep *e);
int evrep_get_domain(struct evrep *e, unsigned int i, struct phyr_capture_domain_info *d);
int evrep_get_device(struct evrep *e, unsigned int i, struct phyr_capture_device *d);
int evrep_get_event(struct evrep *e, unsigned int i, struct phyr_capture_event *ev);

#endif /* PHYR_CAPTURE_EVENTS_H */
