/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay backends: what executes a trace's hypercalls and window changes for tcelab-replay.
 *
 * The runner (replay.c) owns the guest RAM (one mmap'd region standing for guest physical
 * [0, ram_size)), writes H_PUT_TCE_INDIRECT lists into it, times every call and checks return
 * codes. A backend turns the calls into its kernel interface. The backends are the table of
 * replay/replay.h, each one's operations backend_NAME_ops in replay/backend_NAME.c (whose
 * opening comment says how it drives its stack).
 *
 * Calls are struct tcelab_hcall (include/uapi/tcelab.h) with the trace's own LIOBNs; a backend
 * may rewrite args[0] of the calls it is given. Several threads may call hcall() at once;
 * window_create/remove are never concurrent with anything else of the same LIOBN.
 */
#ifndef TCELAB_BACKEND_H
#define TCELAB_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <tcelab/guest.h>
#include <uapi/tcelab.h>

#include "lib/trace.h"
#include "replay.h"

/*
 * Guest RAM as the runner laid it out: @backing bytes of user memory at @base stand for every
 * @backing-sized piece of guest physical [0, size), one memory slot each (at most
 * TCELAB_MAX_MEMSLOTS), so only @backing bytes need preregistering (pinning) whatever the
 * trace's RAM. Guest physical @gpa is user address base + gpa % backing.
 */
struct guest_ram {
	uint8_t *base;
	uint64_t size;			/* the trace's RAM, rounded up to a system page */
	uint64_t backing;		/* a multiple of the system page */
	long page_size;			/* system page size */
};

/* Counters that must come back to where they were: pins, locked_vm, valid TCEs. */
struct balance_counts {
	long pinned, locked_pages, mapped, double_releases, vmlck_kb;
	long allocs;			/* tcelab.ko's live objects (debugfs allocs/total) */
};

struct balance_report {
	struct balance_counts before, peak, after;
	long page_refs_checked;		/* backing pages whose pins were looked at */
	long page_refs_pinned;		/* of those, still pinned by the module */
	int available;			/* 0: the backend has no introspection */
	int ok;
};

struct backend;

struct backend_ops {
	/* Containers, memory, windows of the header. 0, or -1 with a message in @err. */
	int (*setup)(struct backend *b, const struct trace_header *h, const struct guest_ram *ram,
		     char *err, size_t errlen);
	/* A DDW record. 0, or -1 with @err (the window then stays emulated, see notes). */
	int (*window_create)(struct backend *b, const struct trace_window *w, char *err,
			     size_t errlen);
	int (*window_remove)(struct backend *b, uint64_t liobn, char *err, size_t errlen);
	/* Run @n calls in order, filling ret and retval. 0, or -errno of the interface. */
	int (*hcall)(struct backend *b, struct tcelab_hcall *calls, unsigned int n);
	/* Counters now (for the peak), or -1 when there is no introspection. */
	int (*counters)(struct backend *b, struct balance_counts *c);
	/* Close everything the setup made. */
	void (*teardown)(struct backend *b);
	/* After teardown: are pins and locked_vm back to @rep->before? Fills @rep. */
	void (*balance)(struct backend *b, const struct guest_ram *ram, struct balance_report *rep);
};

/* Notes a backend leaves for the results ("LIOBN 0x80000002 emulated: ..."). */
#define BACKEND_MAX_NOTES	16

struct backend {
	const struct backend_ops *ops;
	const struct replay_backend_info *info;
	void *priv;
	/* --release-without-group: teardown detaches each group before closing its container. */
	int release_without_group;
	unsigned int nr_notes;
	char notes[BACKEND_MAX_NOTES][160];
};

#define BACKEND_DECLARE_OPS(name, needs_vfio, probe_stack, description) \
	extern const struct backend_ops backend_##name##_ops;
REPLAY_BACKENDS(BACKEND_DECLARE_OPS)

/* A line of the table and its operations. */
struct backend_entry {
	struct replay_backend_info info;
	const struct backend_ops *ops;
};

/* The backend called @name, or NULL. */
const struct backend_entry *backend_find(const char *name);
/* The table, a line a backend: NAME, needs-vfio yes|no, probe stack, description. */
void backend_list(FILE *f);
/* Every backend's name, comma-separated, for messages. */
const char *backend_names(void);

void backend_note(struct backend *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Helpers shared by the backends (backend.c). */
void backend_global_counters(struct balance_counts *c);

#endif /* TCELAB_BACKEND_H */
