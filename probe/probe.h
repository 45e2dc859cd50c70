/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the BPF probes (probe.bpf.c) and their loader (tcelab-probe): roles,
 * the kinds of probed function, the per-slot configuration the loader writes before load, the
 * histograms' indexes, the ledger and the exchange-effect records.
 *
 * The BPF side knows nothing about symbol names: the loader resolves each role to symbols
 * (probe/roles.c) and gives every attached symbol a slot, whose configuration says what role
 * it serves and how to read its arguments.
 */
#ifndef __TCELAB_PROBE_H
#define __TCELAB_PROBE_H

#include <linux/types.h>
#include <tcelab/hist_layout.h>
#include <tcelab/phase.h>

/* A role is one thing tcelab measures. */
enum tcelab_role {
	TCELAB_ROLE_XCHG,	/* the TCE exchange */
	TCELAB_ROLE_KILL,	/* TCE cache invalidation */
	TCELAB_ROLE_OP,		/* one whole operation (map, unmap, hypercall) */
	TCELAB_ROLE_PIN,
	TCELAB_ROLE_UNPIN,
	TCELAB_ROLE_LOCKED_VM,	/* locked_vm accounting */
	TCELAB_NR_ROLES,
};

/* What a probed function's arguments and return value mean. */
enum tcelab_kind {
	TCELAB_K_PLAIN,		/* latency only */
	TCELAB_K_TCELAB_PIN,	/* int f(..., struct page **page [a_page]): 0 = pinned */
	TCELAB_K_TCELAB_UNPIN,	/* f(..., struct page *page [a_page], ...) */
	TCELAB_K_GUP_PIN,	/* long f(start, nr, flags, struct page **pages...): pages pinned */
	TCELAB_K_UNPIN_PAGE,	/* void f(struct page *page) */
	TCELAB_K_UNPIN_PAGES,	/* void f(struct page **pages, unsigned long npages, ...) */
	TCELAB_K_XCHG,		/* f(..., entry, unsigned long *hpa, enum dma_data_direction *dir) */
	TCELAB_K_ACCOUNT,	/* int f(mm, pages, bool inc, ...): 0 = done */
	TCELAB_K_OP,		/* an operation, type from tcelab_slot.optype */
};

/* Operation types of the `op` role (per-op-type latency split). */
enum tcelab_optype {
	TCELAB_OPT_OTHER,
	TCELAB_OPT_MAP,
	TCELAB_OPT_UNMAP,
	TCELAB_OPT_PUT,		/* H_PUT_TCE */
	TCELAB_OPT_INDIRECT,	/* H_PUT_TCE_INDIRECT */
	TCELAB_OPT_STUFF,	/* H_STUFF_TCE */
	TCELAB_OPT_GET,		/* H_GET_TCE */
	TCELAB_OPT_HCALL,	/* a tcelab hypercall batch of mixed types */
	TCELAB_OPT_IOCTL,	/* another container ioctl */
	TCELAB_NR_OPTYPES,
	/* Decoded at entry, never stored: */
	TCELAB_OPT_DYN_HCALL_BATCH = 100,	/* arg 1: struct tcelab_hcall_batch * */
	TCELAB_OPT_DYN_VFIO_IOCTL,		/* arg 1: the ioctl command */
};

#define TCELAB_MAX_SLOTS	24	/* attached symbols */
#define TCELAB_MAX_DEPTH	4	/* nested calls of one role per task */
#define TCELAB_MAX_ARGS		5
#define TCELAB_GUP_MAX_PAGES	(1 << 20)	/* pages of one GUP call the ledger records */
#define TCELAB_MAX_CPUS		256	/* program runs counted per CPU (higher ids share) */

/* Per-slot configuration, in .rodata: fixed before load. */
struct tcelab_slot {
	__u8 used;
	__u8 role;
	__u8 kind;
	__u8 optype;
	__u8 has_ret;		/* returns a status: count returns of 0 as "ok" */
	__u8 ret32;		/* returns int: only the low 32 bits are meaningful */
	__u8 a_entry, a_hpa, a_dir;	/* TCELAB_K_XCHG argument positions */
	__u8 a_page;		/* TCELAB_K_TCELAB_PIN/UNPIN, TCELAB_K_UNPIN_PAGE: the page */
};

/*
 * A role's counters and histogram are kept per phase (include/tcelab/phase.h), by the phase
 * its call entered in; the loader adds a role's phases up into the role's totals.
 */
#define TCELAB_ROLE_PHASE(r, p)	((p) * TCELAB_NR_ROLES + (r))
#define TCELAB_NR_ROLE_PHASES	(TCELAB_NR_ROLES * TCELAB_NR_PHASES)

/* Histograms: one per role and phase, one per slot, one per operation type. */
#define TCELAB_HIST_ROLE(r, p)	TCELAB_ROLE_PHASE(r, p)
#define TCELAB_HIST_SLOT(s)	(TCELAB_NR_ROLE_PHASES + (s))
#define TCELAB_HIST_OPTYPE(t)	(TCELAB_NR_ROLE_PHASES + TCELAB_MAX_SLOTS + (t))
#define TCELAB_NR_HISTS		(TCELAB_NR_ROLE_PHASES + TCELAB_MAX_SLOTS + TCELAB_NR_OPTYPES)

/* Per-role-and-phase and per-slot counters (per CPU in the maps; the loader sums them). */
struct tcelab_count {
	__u64 calls;		/* entries (roles: outermost entries only) */
	__u64 ok;		/* returns of 0, for functions that return a status */
	__u64 nested;		/* entries while the same role was already active on the task */
	__u64 pages;		/* pin/unpin roles: pages recorded in the ledger */
	/*
	 * Roles, outermost calls: the probes' own program runs on the call's CPU between its
	 * entry and its return (nested roles' entries and returns, the observer effect), and the
	 * calls that returned on another CPU, whose runs are not counted.
	 */
	__u64 nested_runs;
	__u64 runs_unknown;
};

/* Events lost by the probes themselves (self-cost), indexes of the `lost` map. */
enum tcelab_lost {
	TCELAB_LOST_RINGBUF,	/* effects ring buffer full */
	TCELAB_LOST_LEDGER,	/* ledger map full */
	TCELAB_LOST_DOUBLE,	/* double-release map full */
	TCELAB_LOST_MM,		/* locked_vm map full */
	TCELAB_LOST_FRAMES,	/* task frame map full */
	TCELAB_LOST_DEPTH,	/* nesting deeper than TCELAB_MAX_DEPTH */
	TCELAB_LOST_UNBALANCED,	/* a return without its entry */
	TCELAB_LOST_STACK,	/* stack id not recorded */
	TCELAB_LOST_GUP_PAGES,	/* pages of a GUP call beyond TCELAB_GUP_MAX_PAGES */
	TCELAB_LOST_NO_PAGE,	/* a successful pin whose page could not be read */
	TCELAB_LOST_UNTIMED,	/* --timing insns: a call that returned on another CPU */
	TCELAB_NR_LOST,
};

/* Ledger: struct page pointer -> pins held through the traced stack. */
struct tcelab_ledger_val {
	__s64 pins;		/* entries stay at 0 once released */
	__s64 stack_id;		/* kernel stack of the first pin (negative: not recorded) */
	__s64 last_stack_id;	/* kernel stack of the most recent pin */
	__u32 pid;		/* thread group that pinned it */
	__u32 slot;
};

/* Unpins of pages the ledger did not hold: page -> count and the releasing stack. */
struct tcelab_double_val {
	__u64 count;
	__s64 stack_id;
	__u32 pid;
	__u32 slot;
};

/* locked_vm accounting per mm (pages). */
struct tcelab_mm_val {
	__u64 charged;
	__u64 returned;
	__u64 charge_calls;
	__u64 return_calls;
	__u64 failed;		/* calls that returned an error (nothing accounted) */
	__u32 pid;
	__u32 pad;
};

/*
 * Pages the exchange released that the device could write (the old entry's direction
 * DMA_FROM_DEVICE or DMA_BIDIRECTIONAL): each must be dirty (PG_dirty) when the outermost
 * exchange returns, as iommu_tce_xchg_no_kill() and tcelab_tce_xchg() make it; a page that is
 * not may lose what the device wrote (the seeds' first bug class).
 */
struct tcelab_dirty {
	__u64 checked;		/* device-writable pages released */
	__u64 not_dirtied;	/* of them, not dirty at the exchange's return */
	__u64 unreadable;	/* of them, whose struct page could not be read: not judged */
	__u64 page;		/* struct page * of the latest one not dirtied */
	__s64 stack_id;		/* and the stack that released it */
};

/* enum dma_data_direction's DMA_NONE (tcelab.ko's TCE_DIR_NONE): a clear entry. */
#define TCELAB_DIR_NONE	3

/* One TCE exchange, through the `effects` ring buffer. */
struct tcelab_effect {
	__u64 ts;
	__u64 entry;
	__u64 old_hpa;
	__u64 new_hpa;
	__s64 ret;
	__u32 old_dir;
	__u32 new_dir;
	__u32 tid;
	__u32 slot;
};

#endif /* __TCELAB_PROBE_H */
