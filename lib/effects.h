/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each call of a replay did to the TCE entries, and two replays of one trace compared
 * entry by entry (tcelab-replay --suite --backends kmod,vfio; README.md, "tcelab.ko beside the
 * real upstream stack").
 *
 * The probes record every exchange of a TCE (tcelab-probe --effects: entry, old and new host
 * address and direction, its time); the replay records when each of its calls ran and which
 * host page stands behind each page of its guest RAM. An exchange is the call's it ran during.
 * A call's exchanges of one entry become one net effect (its first old value, its last new
 * one), and an effect that leaves the entry as it was is none: that is what both stacks must
 * agree on. The upstream container, driven as QEMU's notifiers drive it, writes an overwrite
 * as an unmap then a map and never exchanges an entry that is clear already, and tcelab.ko
 * as KVM's in-kernel path does, one exchange an entry; the net effects are the same.
 * Host addresses differ between the two replays (each has its own guest RAM), so an effect
 * names its address by its offset in the replay's guest RAM backing.
 */
#ifndef TCELAB_EFFECTS_H
#define TCELAB_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "differences.h"
#include "json.h"
#include "trace.h"

/* enum dma_data_direction's DMA_NONE: the entry is clear. */
#define EFFECT_DIR_NONE		3
/* An address outside the replay's guest RAM. */
#define EFFECT_NOT_RAM		(-1LL)

/* One exchange as the probes recorded it (probe/SCHEMA.md, "effects"). */
struct effect_xchg {
	uint64_t ts, entry, old_hpa, new_hpa;
	int64_t ret;
	uint32_t old_dir, new_dir;
};

/* One call of the replay to its backend: a batch of hypercalls, or a window's change. */
struct effect_call {
	uint64_t t0, t1;		/* CLOCK_MONOTONIC ns, as the probes' timestamps */
	unsigned long line;		/* its (first) record's line */
	enum trace_op op;
};

/* @n system pages from frame @pfn on are guest RAM backing from byte @offset on. */
struct effect_pages {
	uint64_t pfn, offset, n;
};

/* What a call did to an entry, in the end. */
struct effect {
	unsigned long line;
	enum trace_op op;
	uint64_t entry;
	int64_t old_addr, new_addr;	/* offset in guest RAM backing, EFFECT_NOT_RAM; 0: clear */
	uint32_t old_dir, new_dir;
};

/* The exchanges that made no net effect of a call, by why. */
struct effects_counts {
	size_t exchanges;		/* all the probes recorded */
	size_t outside;			/* during no call: the replay's setup and teardown */
	size_t failed;			/* exchanges that returned an error: nothing changed */
	size_t unchanged;		/* a call's exchanges of an entry that left it as it was */
};

/*
 * The net effects of @calls (sorted by t0, not overlapping) from exchanges @x, into @out (room
 * for @nx), sorted by call then entry: how many, or -1 out of memory. @pages (sorted by pfn)
 * of @page_size bytes turn host addresses into guest RAM offsets.
 */
long effects_net(const struct effect_xchg *x, size_t nx, const struct effect_call *calls,
		 size_t ncalls, const struct effect_pages *pages, size_t npages,
		 uint64_t page_size, struct effect *out, struct effects_counts *counts);

/* @e (NULL: no effect) as a diff key's RESULT: "OLD>NEW", each "clear" or "DIR@0xOFFSET". */
void effect_str(const struct effect *e, char *buf, size_t len);

/* The one writer and the one reader of an effects list: [[line, op, entry, old, ...], ...]. */
void effects_write(struct json_writer *w, const char *key, const struct effect *e, size_t n);
/* -1 with @err when @list is not one; @*out malloc'ed. */
int effects_read(const cJSON *list, struct effect **out, size_t *n, char *err, size_t errlen);

/* Two replays' effects compared: @a's (tcelab.ko) against @b's (the upstream stack). */
struct effects_comparison {
	size_t compared;		/* effects both made alike */
	size_t differences;		/* effects they did not, undeclared */
	size_t declared;		/* differences a row of kmod/DIFFERENCES.md declares */
	bool has_first;			/* the first undeclared difference: */
	unsigned long first_line;
	enum trace_op first_op;
	uint64_t first_entry;
	char first_a[64], first_b[64];	/* each side's effect (effect_str()) */
};

/*
 * Entry by entry, in trace order; a difference a diff key "effect OP upstream=B tcelab=A" of
 * @ds (may be NULL) declares is counted as declared. A and B are each side's whole effect
 * (effect_str()) when only one side has one, else the parts of it that differ, separated by
 * ',': "old-dir:DIR", "old-addr:0xOFFSET", "new-dir:DIR", "new-addr:0xOFFSET" (DIR bi, to,
 * from or clear).
 */
void effects_compare(const struct effect *a, size_t na, const struct effect *b, size_t nb,
		     struct differences *ds, struct effects_comparison *c);

#endif /* TCELAB_EFFECTS_H */
