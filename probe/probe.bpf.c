// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab probes: latency per role, the pin ledger, locked_vm per mm and the TCE exchange
 * effects, on whatever functions the loader resolved each role to (tcelab.ko or the upstream
 * sPAPR TCE stack).
 *
 * Two program sets, one loaded per run: fentry/fexit slots where the kernel has BTF (one
 * program pair per attached symbol, bound to it at load time), and one kprobe/kretprobe pair
 * attached to every symbol, which learns the symbol's slot from its attach cookie. Both feed the
 * same handlers with up to five arguments and the return value.
 *
 * No vmlinux.h: the ppc64le kernel has no BTF to generate one from, so only uapi headers are
 * used and kernel memory is read with bpf_probe_read_kernel(), never through CO-RE.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <uapi/tcelab.h>

#include "probe.h"

char LICENSE[] SEC("license") = "GPL";

/* Written by the loader before load. */
const volatile struct tcelab_slot slots[TCELAB_MAX_SLOTS];
const volatile __u8 effects_enabled;
const volatile __u8 record_stacks = 1;
/* --attach-only: every program returns at once (what the attachment alone costs). */
const volatile __u8 attach_only;
/* --timing insns: latencies in instructions retired, from `insn_counters`; else nanoseconds. */
const volatile __u8 timing_insns;
/*
 * The dirty check: the vmemmap's base, read from the kernel variable at vmemmap_sym (x86_64
 * vmemmap_base, powerpc vmemmap) or, where kallsyms lists no data, the constant vmemmap_base;
 * both 0: no check. And the kernel's page shift, sizeof(struct page) and PG_dirty's bit in
 * page->flags, from its BTF (both depend on its configuration).
 */
const volatile __u64 vmemmap_sym;
const volatile __u64 vmemmap_base;
const volatile __u8 kernel_page_shift = 12;
const volatile __u32 struct_page_size = 64;
const volatile __u8 pg_dirty_bit = 3;
/* enum dma_data_direction */
#define DIR_BIDIRECTIONAL	0
#define DIR_FROM_DEVICE		2

/* One frame per active call of a role on a task. */
struct frame {
	__u64 ts;
	__u64 start;		/* what the latency is measured from: ts, or the instruction count */
	__u64 args[TCELAB_MAX_ARGS];
	__u64 new_hpa;		/* TCELAB_K_XCHG with effects: what is being written */
	__u64 double_page;	/* an unpin's page found not held: its stack is due at return */
	__u32 slot;
	__u32 new_dir;
	__u32 optype;
	__u32 cpu;		/* the CPU the call entered on */
	__u64 runs;		/* cpu_runs[cpu] after the call's entry program */
	__u32 phase;		/* the command's phase when the call entered */
};

struct frames_key {
	__u32 tid;
	__u32 role;
};

struct frames {
	__u32 depth;
	__u32 pad;
	struct frame f[TCELAB_MAX_DEPTH];
};

/* Keyed by task and role, so nesting and recursion keep their own start times. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct frames_key);
	__type(value, struct frames);
} frames SEC(".maps");

/* A zeroed value to create frame entries from (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct frames);
} frames_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCELAB_NR_HISTS);
	__type(key, __u32);
	__type(value, struct tcelab_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCELAB_NR_ROLE_PHASES);
	__type(key, __u32);
	__type(value, struct tcelab_count);
} role_counts SEC(".maps");

/*
 * The probed command's phase (enum tcelab_phase), written by the command itself at each of its
 * phase boundaries through the descriptor tcelab-probe hands it (include/tcelab/phase.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} phase SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCELAB_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct tcelab_count);
} slot_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCELAB_NR_LOST);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/*
 * Preallocated: a BPF_F_NO_PREALLOC hash allocates from a per-CPU cache that 6.1 prefills with
 * only 4 elements and refills from irq_work, so a burst of pins in probe context fails to insert.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, __u64);		/* struct page * */
	__type(value, struct tcelab_ledger_val);
} ledger SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct tcelab_double_val);
} doubles SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);		/* struct mm_struct * */
	__type(value, struct tcelab_mm_val);
} mms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 32 * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);	/* 64k exchanges: a window cleared at once */
} effects SEC(".maps");

/* --timing insns: one pinned instructions counter per CPU, opened by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} insn_counters SEC(".maps");

/*
 * Program runs per CPU, so that a call's latency knows how many of the probes' own programs
 * ran inside it on its CPU (tcelab_count.nested_runs). Global data: no map lookup a run.
 */
__u64 cpu_runs[TCELAB_MAX_CPUS];

/* One program run on this CPU; returns the CPU's count including it. */
static __always_inline __u64 count_run(__u32 cpu)
{
	return __sync_fetch_and_add(&cpu_runs[cpu & (TCELAB_MAX_CPUS - 1)], 1) + 1;
}

static __always_inline void count_lost(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &what);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void hist_add(__u32 id, __u64 v)
{
	struct tcelab_hist *h = bpf_map_lookup_elem(&hists, &id);
	__u32 b = tcelab_hist_index(v);

	if (!h)
		return;
	/* Per CPU, but tracing programs can interleave on a CPU: adds stay atomic. */
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum, v);
	if (!h->min || v < h->min)
		h->min = v ?: 1;
	if (v > h->max)
		h->max = v;
	if (b < TCELAB_HIST_BUCKETS)
		__sync_fetch_and_add(&h->buckets[b], 1);
}

static __always_inline __u32 current_phase(void)
{
	__u32 zero = 0, *p = bpf_map_lookup_elem(&phase, &zero);

	return p && *p < TCELAB_NR_PHASES ? *p : TCELAB_PHASE_NONE;
}

static __always_inline struct tcelab_count *role_count(__u32 role, __u32 phase)
{
	__u32 key = TCELAB_ROLE_PHASE(role, phase);

	return bpf_map_lookup_elem(&role_counts, &key);
}

static __always_inline void add_pages(__u32 role, __u32 phase, __u64 n)
{
	struct tcelab_count *c = role_count(role, phase);

	if (c)
		__sync_fetch_and_add(&c->pages, n);
}

static __always_inline __u64 read_u64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u32 read_u32(__u64 addr)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

/* Argument @i of a call; a variable index (kprobe slots come from the cookie) needs branches. */
static __always_inline __u64 arg_at(const __u64 *args, __u32 i)
{
	switch (i) {
	case 0: return args[0];
	case 1: return args[1];
	case 2: return args[2];
	case 3: return args[3];
	case 4: return args[4];
	}
	return 0;
}

/*
 * Stacks are taken at a probed function's return: at entry on powerpc its caller's frame is
 * lost, the return address already swapped for the kretprobe trampoline's; at return the
 * kernel has put the real one back in the registers the stack walk starts from.
 */
static __always_inline __s64 kernel_stack(void *ctx)
{
	__s64 id;

	if (!record_stacks)
		return -1;
	id = bpf_get_stackid(ctx, &stacks, 0);
	if (id < 0)
		count_lost(TCELAB_LOST_STACK);
	return id;
}

/* What a latency is measured in: this CPU's instructions retired, or nanoseconds. */
static __always_inline __u64 cost_now(void)
{
	struct bpf_perf_event_value v;

	if (!timing_insns)
		return bpf_ktime_get_ns();
	if (bpf_perf_event_read_value(&insn_counters, BPF_F_CURRENT_CPU, &v, sizeof(v)))
		return 0;
	return v.counter;
}

/* --- ledger ---------------------------------------------------------------------------------- */

static __always_inline void ledger_pin(__u64 page, __s64 stack_id, __u32 slot)
{
	struct tcelab_ledger_val *v, nv = {};

	if (!page) {
		count_lost(TCELAB_LOST_NO_PAGE);
		return;
	}
	v = bpf_map_lookup_elem(&ledger, &page);
	if (v) {
		__sync_fetch_and_add(&v->pins, 1);
		v->last_stack_id = stack_id;
		return;
	}
	nv.pins = 1;
	nv.stack_id = stack_id;
	nv.last_stack_id = stack_id;
	nv.pid = bpf_get_current_pid_tgid() >> 32;
	nv.slot = slot;
	if (bpf_map_update_elem(&ledger, &page, &nv, BPF_NOEXIST)) {
		/* Lost a race with another pin of the same page, or the map is full. */
		v = bpf_map_lookup_elem(&ledger, &page);
		if (v) {
			__sync_fetch_and_add(&v->pins, 1);
			v->last_stack_id = stack_id;
		} else {
			count_lost(TCELAB_LOST_LEDGER);
		}
	}
}

/*
 * Returns 1 when it recorded a new double release without its stack (@stack_now 0: the
 * caller takes it at the function's return, see kernel_stack()).
 */
static __always_inline int ledger_unpin(void *ctx, __u64 page, __u32 slot, int stack_now)
{
	struct tcelab_ledger_val *v;
	struct tcelab_double_val *d, nd = {};

	if (!page)
		return 0;
	v = bpf_map_lookup_elem(&ledger, &page);
	if (v) {
		if (__sync_fetch_and_add(&v->pins, -1) > 0)
			return 0;
		__sync_fetch_and_add(&v->pins, 1);	/* not held: undo */
	}
	/* Never pinned through the traced stack, or released more often than pinned. */
	d = bpf_map_lookup_elem(&doubles, &page);
	if (d) {
		__sync_fetch_and_add(&d->count, 1);
		return 0;
	}
	nd.count = 1;
	nd.stack_id = stack_now ? kernel_stack(ctx) : -1;
	nd.pid = bpf_get_current_pid_tgid() >> 32;
	nd.slot = slot;
	if (!bpf_map_update_elem(&doubles, &page, &nd, BPF_NOEXIST))
		return !stack_now;
	d = bpf_map_lookup_elem(&doubles, &page);
	if (d)
		__sync_fetch_and_add(&d->count, 1);
	else
		count_lost(TCELAB_LOST_DOUBLE);
	return 0;
}

/* The stack of the double release recorded at entry (ledger_unpin()), now at the return. */
static __always_inline void double_stack(void *ctx, __u64 page)
{
	struct tcelab_double_val *d = bpf_map_lookup_elem(&doubles, &page);

	if (d && d->stack_id < 0)
		d->stack_id = kernel_stack(ctx);
}

/* --- dirty pages ---------------------------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcelab_dirty);
} dirty SEC(".maps");

/*
 * The outermost exchange returned 0 with the old entry's address and direction in its
 * arguments: a page the device could write must be dirty by now (PG_dirty lives in the
 * compound head: SetPageDirty() sets it there).
 */
/* The vmemmap's base read from vmemmap_sym once (it is fixed at boot): a probe read less a call. */
__u64 vmemmap_read;

static __always_inline __u64 vmemmap(void)
{
	if (vmemmap_base)
		return vmemmap_base;
	if (!vmemmap_read)
		vmemmap_read = read_u64(vmemmap_sym);
	return vmemmap_read;
}

static __always_inline void check_dirty(void *ctx, const volatile struct tcelab_slot *s,
					struct frame *f)
{
	__u64 hpa, page, base, flags_head[2], flags;
	__u32 dir, zero = 0;
	struct tcelab_dirty *d;

	if (!vmemmap_sym && !vmemmap_base)
		return;
	dir = read_u32(arg_at(f->args, s->a_dir));
	if (dir != DIR_BIDIRECTIONAL && dir != DIR_FROM_DEVICE)
		return;
	d = bpf_map_lookup_elem(&dirty, &zero);
	if (!d)
		return;
	__sync_fetch_and_add(&d->checked, 1);
	base = vmemmap();
	hpa = read_u64(arg_at(f->args, s->a_hpa));
	page = base + (hpa >> kernel_page_shift) * struct_page_size;
	/*
	 * page->flags and page->compound_head in one read (bit 0 of the latter set in a tail
	 * page: then the head's flags, a second read).
	 */
	if (!base || bpf_probe_read_kernel(flags_head, sizeof(flags_head), (void *)page)) {
		__sync_fetch_and_add(&d->unreadable, 1);
		return;
	}
	flags = flags_head[0];
	if ((flags_head[1] & 1) &&
	    bpf_probe_read_kernel(&flags, sizeof(flags), (void *)(flags_head[1] - 1))) {
		__sync_fetch_and_add(&d->unreadable, 1);
		return;
	}
	if (flags & (1ULL << pg_dirty_bit))
		return;
	__sync_fetch_and_add(&d->not_dirtied, 1);
	d->page = page;
	d->stack_id = kernel_stack(ctx);
}

/* --- locked_vm ------------------------------------------------------------------------------- */

static __always_inline void account(__u64 mm, __u64 pages, int inc, int ok)
{
	struct tcelab_mm_val *v, nv = {};

	v = bpf_map_lookup_elem(&mms, &mm);
	if (!v) {
		nv.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_map_update_elem(&mms, &mm, &nv, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&mms, &mm);
		if (!v) {
			count_lost(TCELAB_LOST_MM);
			return;
		}
	}
	if (!ok) {
		__sync_fetch_and_add(&v->failed, 1);
	} else if (inc) {
		__sync_fetch_and_add(&v->charged, pages);
		__sync_fetch_and_add(&v->charge_calls, 1);
	} else {
		__sync_fetch_and_add(&v->returned, pages);
		__sync_fetch_and_add(&v->return_calls, 1);
	}
}

/* --- operation types ------------------------------------------------------------------------- */

/* _IO(VFIO_TYPE, VFIO_BASE + 13/14) without the direction bits, which differ on powerpc. */
#define VFIO_IOMMU_MAP_DMA	0x3b71
#define VFIO_IOMMU_UNMAP_DMA	0x3b72
#define IOC_TYPE_NR		0xffff
#define HCALL_SCAN		8	/* hypercalls of a batch looked at to type it */

static __always_inline __u32 hcall_optype(__u64 opcode)
{
	switch (opcode) {
	case TCELAB_H_PUT_TCE:
		return TCELAB_OPT_PUT;
	case TCELAB_H_PUT_TCE_INDIRECT:
		return TCELAB_OPT_INDIRECT;
	case TCELAB_H_STUFF_TCE:
		return TCELAB_OPT_STUFF;
	case TCELAB_H_GET_TCE:
		return TCELAB_OPT_GET;
	}
	return TCELAB_OPT_HCALL;
}

/* A batch is typed by its hypercalls when they are all of one type (scanning the first few). */
static __always_inline __u32 batch_optype(__u64 batch)
{
	struct tcelab_hcall_batch b = {};
	__u64 opcode;
	__u32 i, type = TCELAB_OPT_HCALL;

	if (bpf_probe_read_kernel(&b, sizeof(b), (void *)batch) || !b.count)
		return TCELAB_OPT_HCALL;
	for (i = 0; i < HCALL_SCAN; i++) {
		if (i >= b.count)
			break;
		opcode = 0;
		bpf_probe_read_user(&opcode, sizeof(opcode),
				    (void *)(b.calls + i * sizeof(struct tcelab_hcall)));
		if (!i)
			type = hcall_optype(opcode);
		else if (hcall_optype(opcode) != type)
			return TCELAB_OPT_HCALL;
	}
	return type;
}

static __always_inline __u32 frame_optype(const volatile struct tcelab_slot *s, __u64 *args)
{
	__u32 cmd;

	switch (s->optype) {
	case TCELAB_OPT_DYN_HCALL_BATCH:
		return batch_optype(args[1]);
	case TCELAB_OPT_DYN_VFIO_IOCTL:
		cmd = args[1] & IOC_TYPE_NR;
		if (cmd == VFIO_IOMMU_MAP_DMA)
			return TCELAB_OPT_MAP;
		if (cmd == VFIO_IOMMU_UNMAP_DMA)
			return TCELAB_OPT_UNMAP;
		return TCELAB_OPT_IOCTL;
	}
	return s->optype < TCELAB_NR_OPTYPES ? s->optype : TCELAB_OPT_OTHER;
}

/* --- entry and return -------------------------------------------------------------------- */

static __always_inline int on_entry(void *ctx, __u32 slot, __u64 *args)
{
	const volatile struct tcelab_slot *s;
	struct tcelab_count *c;
	struct frames_key key;
	struct frames *fs;
	struct frame *f;
	__u32 zero = 0, d, p, cpu;
	__u64 runs;

	if (slot >= TCELAB_MAX_SLOTS)
		return 0;
	s = &slots[slot];
	if (!s->used || s->role >= TCELAB_NR_ROLES)
		return 0;
	cpu = bpf_get_smp_processor_id();
	runs = count_run(cpu);
	p = current_phase();
	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.role = s->role;
	fs = bpf_map_lookup_elem(&frames, &key);
	if (!fs) {
		fs = bpf_map_lookup_elem(&frames_zero, &zero);
		if (!fs)
			return 0;
		fs->depth = 0;
		if (bpf_map_update_elem(&frames, &key, fs, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&frames, &key)) {
			count_lost(TCELAB_LOST_FRAMES);
			return 0;
		}
		fs = bpf_map_lookup_elem(&frames, &key);
		if (!fs)
			return 0;
	}
	d = fs->depth;
	c = bpf_map_lookup_elem(&slot_counts, &slot);
	if (c)
		__sync_fetch_and_add(&c->calls, 1);
	c = role_count(s->role, p);
	if (c)
		__sync_fetch_and_add(d ? &c->nested : &c->calls, 1);
	if (d >= TCELAB_MAX_DEPTH) {
		/* Still count the depth so that the matching return pops nothing. */
		fs->depth = d + 1;
		count_lost(TCELAB_LOST_DEPTH);
		return 0;
	}
	f = &fs->f[d];
	f->slot = slot;
	f->phase = p;
	f->args[0] = args[0];
	f->args[1] = args[1];
	f->args[2] = args[2];
	f->args[3] = args[3];
	f->args[4] = args[4];
	f->optype = TCELAB_OPT_OTHER;
	if (s->kind == TCELAB_K_OP)
		f->optype = frame_optype(s, args);
	if (s->kind == TCELAB_K_XCHG && effects_enabled) {
		/* What is being written: only the effects stream records it. */
		f->new_hpa = read_u64(arg_at(args, s->a_hpa));
		f->new_dir = read_u32(arg_at(args, s->a_dir));
	}
	f->double_page = 0;
	if (s->kind == TCELAB_K_TCELAB_UNPIN || s->kind == TCELAB_K_UNPIN_PAGE) {
		/* At entry: the page is still pinned, so a racing pin of it cannot come first. */
		if (ledger_unpin(ctx, arg_at(args, s->a_page), slot, 0))
			f->double_page = arg_at(args, s->a_page);
		add_pages(s->role, p, 1);
	}
	fs->depth = d + 1;
	f->cpu = cpu;
	f->runs = runs;
	f->ts = bpf_ktime_get_ns();
	/* Last, so the probe's own work above is not in the measured time. */
	f->start = timing_insns ? cost_now() : f->ts;
	return 0;
}

static __always_inline void exit_xchg(const volatile struct tcelab_slot *s, struct frame *f,
				      __u32 slot, __s64 ret)
{
	struct tcelab_effect *e;
	__u32 old_dir;

	if (!effects_enabled)
		return;
	/*
	 * An exchange that found the entry clear and left it so changed nothing: a window's clear
	 * (upstream's tce_iommu_clear() exchanges every entry of it) would fill the ring with them.
	 */
	old_dir = read_u32(arg_at(f->args, s->a_dir));
	if (old_dir == TCELAB_DIR_NONE && f->new_dir == TCELAB_DIR_NONE)
		return;
	e = bpf_ringbuf_reserve(&effects, sizeof(*e), 0);
	if (!e) {
		count_lost(TCELAB_LOST_RINGBUF);
		return;
	}
	e->ts = f->ts;
	e->entry = arg_at(f->args, s->a_entry);
	e->new_hpa = f->new_hpa;
	e->new_dir = f->new_dir;
	e->old_hpa = read_u64(arg_at(f->args, s->a_hpa));
	e->old_dir = old_dir;
	e->ret = ret;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->slot = slot;
	bpf_ringbuf_submit(e, 0);
}

/* One page of a GUP call's array, for bpf_loop(): a preregistration pins thousands at once. */
struct page_walk {
	void *ctx;
	__u64 pages;
	__s64 stack_id;
	__u32 slot;
	__u32 phase;
};

static long walk_pin(__u32 i, void *data)
{
	struct page_walk *w = data;

	ledger_pin(read_u64(w->pages + i * sizeof(__u64)), w->stack_id, w->slot);
	return 0;
}

static long walk_unpin(__u32 i, void *data)
{
	struct page_walk *w = data;

	ledger_unpin(w->ctx, read_u64(w->pages + i * sizeof(__u64)), w->slot, 1);
	return 0;
}

/* @n pages of @pages through @fn; pages beyond what bpf_loop() takes are counted lost. */
static __always_inline void walk_pages(void *fn, struct page_walk *w, __u32 role, __u64 n)
{
	__u64 done = n < TCELAB_GUP_MAX_PAGES ? n : TCELAB_GUP_MAX_PAGES;

	if (!w->pages || !n)
		return;
	if (n > TCELAB_GUP_MAX_PAGES)
		count_lost(TCELAB_LOST_GUP_PAGES);
	bpf_loop(done, fn, w, 0);
	add_pages(role, w->phase, done);
}

static __always_inline void exit_gup(void *ctx, struct frame *f, __u32 slot, __s64 ret)
{
	struct page_walk w = { ctx, f->args[3], 0, slot, f->phase };

	if (ret <= 0)
		return;
	w.stack_id = kernel_stack(ctx);
	walk_pages(walk_pin, &w, TCELAB_ROLE_PIN, ret);
}

static __always_inline void exit_unpin_pages(void *ctx, struct frame *f, __u32 slot)
{
	struct page_walk w = { ctx, f->args[0], -1, slot, f->phase };

	walk_pages(walk_unpin, &w, TCELAB_ROLE_UNPIN, f->args[1]);
}

static __always_inline int on_return(void *ctx, __u32 slot, __s64 ret)
{
	__u64 now = cost_now(), lat;
	const volatile struct tcelab_slot *s;
	struct tcelab_count *c, *rc;
	struct frames_key key;
	struct frames *fs;
	struct frame *f;
	__u32 d, cpu;
	__u64 runs;

	if (slot >= TCELAB_MAX_SLOTS)
		return 0;
	s = &slots[slot];
	if (!s->used || s->role >= TCELAB_NR_ROLES)
		return 0;
	cpu = bpf_get_smp_processor_id();
	/* The runs between the entry program and this one: this one is not inside the call. */
	runs = count_run(cpu) - 1;
	if (s->ret32)
		ret = (__s32)ret;
	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.role = s->role;
	fs = bpf_map_lookup_elem(&frames, &key);
	if (!fs || !fs->depth) {
		count_lost(TCELAB_LOST_UNBALANCED);
		return 0;
	}
	d = fs->depth - 1;
	fs->depth = d;
	if (d >= TCELAB_MAX_DEPTH)
		return 0;
	f = &fs->f[d];
	if (f->slot != slot) {
		/* A return was missed (kretprobe instances exhausted): start afresh. */
		fs->depth = 0;
		count_lost(TCELAB_LOST_UNBALANCED);
		return 0;
	}
	/* A role's counters are its outermost calls'. */
	rc = d ? NULL : role_count(s->role, f->phase);
	if (rc && f->cpu == cpu)
		__sync_fetch_and_add(&rc->nested_runs, runs - f->runs);
	else if (rc)
		__sync_fetch_and_add(&rc->runs_unknown, 1);
	if (timing_insns && (f->cpu != cpu || !now || !f->start)) {
		/* Another CPU's counter, or none read: no figure, but the call is counted. */
		count_lost(TCELAB_LOST_UNTIMED);
	} else {
		lat = now - f->start;
		hist_add(TCELAB_HIST_SLOT(slot), lat);
		if (!d) {
			hist_add(TCELAB_HIST_ROLE(s->role, f->phase), lat);
			if (s->kind == TCELAB_K_OP && f->optype < TCELAB_NR_OPTYPES)
				hist_add(TCELAB_HIST_OPTYPE(f->optype), lat);
		}
	}
	if (s->has_ret && !ret) {
		c = bpf_map_lookup_elem(&slot_counts, &slot);
		if (c)
			__sync_fetch_and_add(&c->ok, 1);
		if (rc)
			__sync_fetch_and_add(&rc->ok, 1);
	}

	switch (s->kind) {
	case TCELAB_K_TCELAB_PIN:
		if (!ret) {
			ledger_pin(read_u64(arg_at(f->args, s->a_page)), kernel_stack(ctx), slot);
			add_pages(TCELAB_ROLE_PIN, f->phase, 1);
		}
		break;
	case TCELAB_K_GUP_PIN:
		exit_gup(ctx, f, slot, ret);
		break;
	case TCELAB_K_UNPIN_PAGES:
		exit_unpin_pages(ctx, f, slot);
		break;
	case TCELAB_K_TCELAB_UNPIN:
	case TCELAB_K_UNPIN_PAGE:
		if (f->double_page)
			double_stack(ctx, f->double_page);
		break;
	case TCELAB_K_ACCOUNT:
		if (!d)
			account(f->args[0], f->args[1], f->args[2] & 0xff, !ret);
		break;
	case TCELAB_K_XCHG:
		if (d)
			break;
		if (!ret)
			check_dirty(ctx, s, f);
		exit_xchg(s, f, slot, ret);
		break;
	}
	return 0;
}

/* --- fentry/fexit: one program pair per slot, bound to its symbol by the loader ----------- */

static __always_inline int fentry_common(__u64 *ctx, __u32 slot)
{
	__u64 args[TCELAB_MAX_ARGS] = {};

	if (attach_only)
		return 0;
	/* Functions with fewer arguments leave the rest at 0 (the helper fails). */
	bpf_get_func_arg(ctx, 0, &args[0]);
	bpf_get_func_arg(ctx, 1, &args[1]);
	bpf_get_func_arg(ctx, 2, &args[2]);
	bpf_get_func_arg(ctx, 3, &args[3]);
	bpf_get_func_arg(ctx, 4, &args[4]);
	return on_entry(ctx, slot, args);
}

static __always_inline int fexit_common(__u64 *ctx, __u32 slot)
{
	__u64 ret = 0;

	if (attach_only)
		return 0;
	bpf_get_func_ret(ctx, &ret);
	return on_return(ctx, slot, (__s64)ret);
}

#define SLOT(n)									\
SEC("fentry")									\
int fentry_##n(__u64 *ctx) { return fentry_common(ctx, n); }			\
SEC("fexit")									\
int fexit_##n(__u64 *ctx) { return fexit_common(ctx, n); }

SLOT(0) SLOT(1) SLOT(2) SLOT(3) SLOT(4) SLOT(5) SLOT(6) SLOT(7)
SLOT(8) SLOT(9) SLOT(10) SLOT(11) SLOT(12) SLOT(13) SLOT(14) SLOT(15)
SLOT(16) SLOT(17) SLOT(18) SLOT(19) SLOT(20) SLOT(21) SLOT(22) SLOT(23)

/* --- kprobe/kretprobe: one pair attached to every symbol, slot in the attach cookie ------ */

SEC("kprobe")
int kprobe_entry(struct pt_regs *ctx)
{
	__u64 args[TCELAB_MAX_ARGS];

	if (attach_only)
		return 0;
	args[0] = PT_REGS_PARM1(ctx);
	args[1] = PT_REGS_PARM2(ctx);
	args[2] = PT_REGS_PARM3(ctx);
	args[3] = PT_REGS_PARM4(ctx);
	args[4] = PT_REGS_PARM5(ctx);
	return on_entry(ctx, bpf_get_attach_cookie(ctx), args);
}

SEC("kretprobe")
int kprobe_return(struct pt_regs *ctx)
{
	if (attach_only)
		return 0;
	return on_return(ctx, bpf_get_attach_cookie(ctx), (__s64)PT_REGS_RC(ctx));
}
