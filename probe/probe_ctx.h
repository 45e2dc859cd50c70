/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader's private header: struct probe_ctx holds all of one run's state (options, kernel
 * symbols, resolved roles, the BPF objects, what was collected), and every module of the loader
 * takes it as its first argument:
 *
 *   probe.c       arguments, running the command, main
 *   ksyms.c       /proc/kallsyms: lookup by name, symbolizing addresses
 *   attach.c      roles to symbols (roles.c's table), fentry or kprobe, load, attach, detach,
 *                 the JIT and bpf_stats sysctls
 *   collect.c     reading the maps after the run: counters, histograms, the ledger grouped by
 *                 stack, locked_vm per mm, the effects ring buffer, the programs' run time
 *   probe_json.c  the probe document (SCHEMA_PROBE, probe/SCHEMA.md)
 *   summary.c     the text: --list, and the summary on stderr
 *   timing.c      --timing: the instructions counters of `insns`
 */
#ifndef TCELAB_PROBE_CTX_H
#define TCELAB_PROBE_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <tcelab/timing.h>

#include "probe.h"
#include "roles.h"

#define KALLSYMS	"/proc/kallsyms"
#define MAX_STACK	32	/* frames of a stack trace: the `stacks` map's value size */
#define MAX_CANDIDATES	64	/* candidate symbols of one stack's roles */

enum attach_mode {
	MODE_AUTO,
	MODE_FENTRY,
	MODE_KPROBE,
};

extern const char *const mode_names[];

/* The loader's steps, in order; the names are overhead.steps_ns's keys. */
enum probe_step {
	STEP_KSYMS,		/* /proc/kallsyms read, roles resolved */
	STEP_LOAD,		/* BPF object opened, verified, maps created */
	STEP_ATTACH,
	STEP_COMMAND,
	STEP_DETACH,
	STEP_COLLECT,		/* maps read, ledger grouped by stack */
	NR_STEPS,
};

extern const char *const step_names[];

/* The command line. */
struct probe_opts {
	const char *json_path;
	bool stack_auto;		/* else: stack */
	enum probe_stack stack;
	enum attach_mode mode;		/* MODE_AUTO: fentry when the kernel has the BTF */
	bool roles[TCELAB_NR_ROLES];
	bool effects;
	bool stacks;
	bool strict;
	bool list;
	bool verbose;
	bool attach_only;		/* programs return at once: the attachment's own cost */
	enum tcelab_timing timing;
	char **argv;			/* the command, or NULL: wait for a signal */
};

struct ksym {
	unsigned long long addr;
	char *name;
	char *module;			/* NULL: vmlinux */
};

/* A candidate symbol of a requested role on the chosen stack. */
struct candidate {
	const struct role_symbol *def;
	const struct ksym *ksym;	/* NULL: not in kallsyms */
	bool used;			/* attached (present, and first of its alternatives) */
	int slot;			/* -1 when not used */
};

/* An attached symbol: its index in the BPF side's per-slot configuration, maps and results. */
struct slot {
	struct candidate *candidate;
	struct bpf_link *links[2];	/* entry, return */
	struct tcelab_count count;
	struct tcelab_hist hist;
};

/* A page the ledger reports: still pinned (a leak), or released once too often. */
struct page_rec {
	__u64 page;
	__s64 count;			/* pins held (leak) or releases (double) */
	__s64 stack_id;
	__s64 last_stack_id;		/* most recent pin (leaks); = stack_id otherwise */
	__u32 pid;
	__u32 slot;
};

/* The pages of one (stack_id, last_stack_id): recs[first] and the pages - 1 after it. */
struct stack_group {
	__s64 stack_id, last_stack_id;
	__u64 pages, count;
	__u32 pid;
	__u32 slot;
	size_t first;
};

/* Leaks or double releases: pages sorted by stack, and their groups. */
struct page_set {
	struct page_rec *recs;
	size_t n, cap;
	__u64 count;			/* pins held, or releases */
	struct stack_group *groups;
	size_t ngroups;
};

struct mm_rec {
	__u64 mm;
	struct tcelab_mm_val v;
};

struct prog_stat {
	const char *name;
	__u64 run_cnt, run_time_ns;
};

struct probe_ctx {
	struct probe_opts opts;

	/*
	 * Text symbols of /proc/kallsyms, sorted by address, and its data symbols (vmlinux's, with
	 * CONFIG_KALLSYMS_ALL); their names point into the file's text, read once.
	 */
	struct ksym *ksyms;
	size_t nksyms;
	struct ksym *data_ksyms;
	size_t ndata_ksyms;
	char *kallsyms;

	/* Resolution: opts.stack and opts.mode, settled against this kernel. */
	enum probe_stack stack;
	enum attach_mode mode;
	struct candidate candidates[MAX_CANDIDATES];
	int ncandidates;
	struct slot slots[TCELAB_MAX_SLOTS];
	int nslots;

	struct probe_bpf *skel;
	struct ring_buffer *effects_rb;	/* with opts.effects */
	int ncpus;
	int *insn_fds;			/* --timing insns: each CPU's counter, -1: none */
	int stats_fd;			/* BPF_ENABLE_STATS, or -1 */
	int stats_sysctl_old;		/* the sysctl's value before, -1: not touched */
	bool stats;			/* bpf_stats was on while attached */
	bool jit_turned_on;		/* the JIT was off and this run turned it on */

	/*
	 * The loader's own steps, in wall ns (overhead.steps_ns): where a probed run's time
	 * outside COMMAND goes (README "Benchmarks", make_run_s).
	 */
	__u64 steps_ns[NR_STEPS];

	/* The run. */
	char clocksource[64];
	bool measured;			/* probes were attached while the command ran */
	int exit_status;		/* shell convention: 128 + signal when killed; -1: none */
	__u64 wall_ns;
	char error[512];		/* why the run failed, for the JSON */

	/* What the probes measured: per role, its phases added up, and per role and phase. */
	struct tcelab_count roles[TCELAB_NR_ROLES];
	struct tcelab_hist role_hist[TCELAB_NR_ROLES];
	struct tcelab_count role_phase[TCELAB_NR_ROLES][TCELAB_NR_PHASES];
	struct tcelab_hist role_phase_hist[TCELAB_NR_ROLES][TCELAB_NR_PHASES];
	bool phased;			/* the command marked a phase before a probed call */
	struct tcelab_hist optype_hist[TCELAB_NR_OPTYPES];
	__u64 lost[TCELAB_NR_LOST];
	size_t ledger_entries;
	struct page_set leaks, doubles;
	const char *vmemmap_name;	/* the dirty check's vmemmap base variable, NULL: none */
	struct tcelab_dirty dirty;
	struct mm_rec *mms;
	size_t nmms, mms_cap;
	__s64 locked_drift;
	struct tcelab_effect *effects;
	size_t neffects, effects_cap, effects_dropped;
	struct prog_stat prog_stats[2 * TCELAB_MAX_SLOTS + 2];
	int nprog_stats;
	__u64 run_cnt, run_time_ns;
};

/* probe.c: the wall time of the current step ends, counted into @step. */
void step_done(struct probe_ctx *ctx, enum probe_step step);

/* probe.c: report an error on stderr and keep it for the JSON. */
void fail(struct probe_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * @arr with room for element @n, its capacity *@cap doubled (from @first) when full; NULL when
 * out of memory, @arr then still valid.
 */
static inline void *grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? 2 * *cap : first;
	void *p;

	if (n < *cap)
		return arr;
	p = realloc(arr, want * size);
	if (p)
		*cap = want;
	return p;
}

/* ksyms.c */
int ksyms_load(struct probe_ctx *ctx);
const struct ksym *ksym_by_name(const struct probe_ctx *ctx, const char *name);
const struct ksym *ksym_by_addr(const struct probe_ctx *ctx, unsigned long long addr);
unsigned long long ksym_data_addr(const struct probe_ctx *ctx, const char *name);
/* "func+0xoff [module]", or the bare address far from any symbol. */
void symbolize(const struct probe_ctx *ctx, unsigned long long addr, char *buf, size_t len);

/* attach.c */
int resolve_roles(struct probe_ctx *ctx);
bool role_resolved(const struct probe_ctx *ctx, int role);
enum attach_mode choose_attach_mode(const struct probe_ctx *ctx);
int load_probes(struct probe_ctx *ctx);
/* The kernel's ENOTSUPP (not in userspace's errno.h): what a fentry attach says without trampolines. */
#define ENOTSUPP_KERNEL	524
int attach_probes(struct probe_ctx *ctx);
/* attach_probes() said ENOTSUPP_KERNEL in auto mode: unload, load as kprobes and attach. */
int fall_back_to_kprobes(struct probe_ctx *ctx);
void detach_probes(struct probe_ctx *ctx);
void unload_probes(struct probe_ctx *ctx);

/* collect.c */
void read_clocksource(struct probe_ctx *ctx);
/* The effects ring buffer's callback; @ctx is the struct probe_ctx. */
int collect_effect(void *ctx, void *data, size_t len);
int collect_results(struct probe_ctx *ctx);
/* The frames of stack @id into @ips, innermost first; their number. */
int stack_frames(const struct probe_ctx *ctx, __s64 id, __u64 *ips);
__u64 lost_total(const struct probe_ctx *ctx);
double ns_per_run(const struct probe_ctx *ctx);

/* probe_json.c */
int write_probe_json(const struct probe_ctx *ctx);

/* timing.c: rodata before load; the counters after load, closed at unload */
int timing_configure(struct probe_ctx *ctx);
int timing_open_counters(struct probe_ctx *ctx);
void timing_close_counters(struct probe_ctx *ctx);

/* summary.c */
void list_roles(const struct probe_ctx *ctx, FILE *f);
void print_summary(const struct probe_ctx *ctx);

#endif /* TCELAB_PROBE_CTX_H */
