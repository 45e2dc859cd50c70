/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one reader of the probe document (SCHEMA_PROBE, probe/SCHEMA.md), for the replay runner,
 * the verdict and the tests: the figures they check, by name.
 */
#ifndef TCELAB_PROBE_DOC_H
#define TCELAB_PROBE_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* What a run's checks compare; -1 where the document has no such figure. */
struct probe_totals {
	long long pin_calls, pin_ok, pin_pages;
	long long unpin_calls, unpin_pages;
	long long leaked_pages, leaked_pins;
	long long double_releases;
	long long locked_vm_drift;
	long long lost;
	long long dirty_checked, not_dirtied;	/* device-writable pages released; not dirtied */
};

struct effect_xchg;

/* The document in @path: NULL with the reason in @err when it is missing or not a probe's. */
cJSON *probe_doc_load(const char *path, char *err, size_t errlen);
void probe_doc_totals(const cJSON *probe, struct probe_totals *t);
/* A number at a dotted @path ("roles.xchg.latency.p99"), -1 when missing. */
long long probe_doc_num(const cJSON *probe, const char *path);
/*
 * Does a stack group of the ledger's @section ("leaks" or "double_releases") have a frame of
 * function @func ("tcelab_map_dma" matches "tcelab_map_dma+0x40 [tcelab]"), in its first pin's
 * stack or its most recent one's? A page first pinned on one path and leaked by a later pin
 * on another (a registered page pinned again as a hypercall's TCE list) names the culprit
 * only in the latter.
 */
bool probe_doc_stack_has(const cJSON *probe, const char *section, const char *func);
/* The frames (strings) of the largest group of @section, or NULL. */
const cJSON *probe_doc_top_stack(const cJSON *probe, const char *section);
/* The first frame of the largest group of @section, or NULL. */
const char *probe_doc_top_frame(const cJSON *probe, const char *section);

/*
 * Its exchange stream (tcelab-probe --effects; lib/effects.h) into @*out (malloc'ed): 0, or -1
 * with @err when it has none, or the probes dropped records (the stream is incomplete).
 */
int probe_doc_effects(const cJSON *probe, struct effect_xchg **out, size_t *n, char *err,
		      size_t errlen);

#endif /* TCELAB_PROBE_DOC_H */
