/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replay backends: what executes a trace's hypercalls and window changes for tcelab-replay.
 *
 * The runner (replay.c) owns the guest RAM (one mmap'd region standing for guest physical
 * [0, ram_size)), writes H_PUT_TCE_INDIRECT lists into it, times every call and checks return
 * codes. A backend turns the calls into its kernel interface:
 *
 *   kmod  tcelab.ko's hypercall layer (TCELAB_HCALL batches, SET_MEMSLOT, SET_LIOBN, windows
 *         with TCE_CREATE/REMOVE): the in-kernel KVM path of book3s_64_vio.c.
 *   vfio  the upstream VFIO sPAPR TCE v2 container, driven the way QEMU drives it without
 *         in-kernel acceleration: hypercalls handled in user space, each mapping one MAP_DMA,
 *         each clear one UNMAP_DMA.
 *
 * Calls are struct tcelab_hcall (include/uapi/tcelab.h) with the trace's own LIOBNs; a backend
 * may rewrite args[0] of the calls it is given. Several threads may call hcall() at once;
 * window_create/remove are never concurrent with anything else of the same LIOBN.
 */
#ifndef TCELAB_BACKEND_H
#define TCELAB_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <tcelab/guest.h>
#include <uapi/tcelab.h>

#include "lib/trace.h"

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
	const char *name;
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
	void *priv;
	unsigned int nr_notes;
	char notes[BACKEND_MAX_NOTES][160];
};

/* The backend called @name, or NULL. */
const struct backend_ops *backend_find(const char *name);
void backend_note(struct backend *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

extern const struct backend_ops backend_kmod_ops;
extern const struct backend_ops backend_vfio_ops;

/* Helpers shared by the backends (backend.c). */
void backend_global_counters(struct balance_counts *c);

#endif /* TCELAB_BACKEND_H */
