// SPDX-License-Identifier: GPL-2.0
/*
 * From roles to attached probes: each requested role resolves to the symbols roles.c lists for
 * the chosen stack, each attached symbol gets a slot of the BPF side's configuration, and the
 * probes attach by fentry/fexit when the kernel has BTF for every module involved, by
 * kprobe/kretprobe otherwise (one skeleton carries both sets; only the chosen one is loaded).
 * Also the two sysctls a run may switch on and restores: the BPF JIT and bpf_stats.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probe_ctx.h"
#include "probe.skel.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define STATS_SYSCTL	"/proc/sys/kernel/bpf_stats_enabled"
#define JIT_SYSCTL	"/proc/sys/net/core/bpf_jit_enable"
#define RCU_EXPEDITED	"/sys/kernel/rcu_expedited"

const char *const mode_names[] = {
	[MODE_AUTO] = "auto",
	[MODE_FENTRY] = "fentry",
	[MODE_KPROBE] = "kprobe",
};

/* --- resolution ------------------------------------------------------------------------------- */

bool role_resolved(const struct probe_ctx *ctx, int role)
{
	int i;

	for (i = 0; i < ctx->ncandidates; i++)
		if (ctx->candidates[i].def->role == role && ctx->candidates[i].used)
			return true;
	return false;
}

/* Name the roles that resolve to no symbol; their number. */
static int report_unresolved(const struct probe_ctx *ctx)
{
	int i, r, unresolved = 0;

	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		if (!ctx->opts.roles[r] || role_resolved(ctx, r))
			continue;
		unresolved++;
		fprintf(stderr, "tcelab-probe: role %s: no symbol of the %s stack in " KALLSYMS ":",
			role_names[r], stack_names[ctx->stack]);
		for (i = 0; i < ctx->ncandidates; i++)
			if (ctx->candidates[i].def->role == r)
				fprintf(stderr, " %s", ctx->candidates[i].def->name);
		fprintf(stderr, "%s\n",
			ctx->stack == STACK_TCELAB ? " (is tcelab.ko loaded?)" : "");
	}
	return unresolved;
}

int resolve_roles(struct probe_ctx *ctx)
{
	int i, j, unresolved;

	ctx->stack = !ctx->opts.stack_auto ? ctx->opts.stack :
		     ksym_by_name(ctx, "tcelab_tce_xchg") ? STACK_TCELAB : STACK_UPSTREAM;
	for (i = 0; i < (int)nr_role_symbols; i++) {
		const struct role_symbol *d = &role_symbols[i];
		struct candidate *c;

		if (d->stack != ctx->stack || !ctx->opts.roles[d->role])
			continue;
		if (ctx->ncandidates == MAX_CANDIDATES) {
			fail(ctx, "more than %d candidate symbols", MAX_CANDIDATES);
			return -E2BIG;
		}
		c = &ctx->candidates[ctx->ncandidates++];
		*c = (struct candidate){ .def = d, .ksym = ksym_by_name(ctx, d->name), .slot = -1 };
		if (!c->ksym)
			continue;
		c->used = true;
		/* Alternatives: only the first present one. */
		for (j = 0; j < ctx->ncandidates - 1 && d->alt; j++)
			if (ctx->candidates[j].used && ctx->candidates[j].def->role == d->role &&
			    ctx->candidates[j].def->alt == d->alt)
				c->used = false;
		if (!c->used)
			continue;
		if (ctx->nslots == TCELAB_MAX_SLOTS) {
			fail(ctx, "more than %d symbols to attach", TCELAB_MAX_SLOTS);
			return -E2BIG;
		}
		c->slot = ctx->nslots;
		ctx->slots[ctx->nslots++].candidate = c;
	}
	unresolved = report_unresolved(ctx);
	if (!ctx->nslots) {
		fail(ctx, "no role resolves on this kernel (%s stack)%s", stack_names[ctx->stack],
		     ctx->stack == STACK_TCELAB ?
		     ": is tcelab.ko loaded? try: insmod tcelab.ko" : "");
		return -ENOENT;
	}
	if (unresolved && ctx->opts.strict) {
		fail(ctx, "%d requested role(s) resolve to no symbol (--strict)", unresolved);
		return -ENOENT;
	}
	return 0;
}

/* fentry needs BTF for vmlinux and for every module holding an attached symbol. */
enum attach_mode choose_attach_mode(const struct probe_ctx *ctx)
{
	char path[256];
	int i;

	if (ctx->opts.mode != MODE_AUTO)
		return ctx->opts.mode;
	if (access(VMLINUX_BTF, F_OK))
		return MODE_KPROBE;
	for (i = 0; i < ctx->nslots; i++) {
		const char *mod = ctx->slots[i].candidate->ksym->module;

		if (!mod)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
		if (access(path, F_OK))
			return MODE_KPROBE;
	}
	return MODE_FENTRY;
}

/* --- sysctls ---------------------------------------------------------------------------------- */

/* A 0/1 sysctl set to 1; returns its old value, or -1 when it cannot be read or written. */
static int sysctl_set(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDWR), old = -1;

	if (fd < 0)
		return -1;
	if (pread(fd, &c, 1, 0) == 1 && (c == '0' || c == '1') &&
	    (c == '1' || pwrite(fd, "1", 1, 0) == 1))
		old = c - '0';
	close(fd);
	return old;
}

static void sysctl_restore_off(const char *path)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, "0", 1) != 1)
		fprintf(stderr, "tcelab-probe: cannot restore %s to 0\n", path);
	if (fd >= 0)
		close(fd);
}

/*
 * The ledger walks a GUP call's pages with bpf_loop(), which the interpreter does not run;
 * Debian's ppc64el kernel leaves the JIT off (no BPF_JIT_DEFAULT_ON). Turned on for the load,
 * restored at exit; programs loaded meanwhile stay JITed.
 */
static int jit_enable(struct probe_ctx *ctx)
{
	int old = sysctl_set(JIT_SYSCTL);

	if (old < 0 && !access(JIT_SYSCTL, F_OK)) {
		fail(ctx, "the BPF JIT is off and cannot be turned on (" JIT_SYSCTL "): %s; run as "
		     "root", strerror(errno ?: EPERM));
		return -EPERM;
	}
	ctx->jit_turned_on = old == 0;
	return 0;
}

/* bpf_stats: BPF_ENABLE_STATS while attached, else the sysctl, restored afterwards. */
static void stats_enable(struct probe_ctx *ctx)
{
	ctx->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (ctx->stats_fd >= 0) {
		ctx->stats = true;
		return;
	}
	ctx->stats_sysctl_old = sysctl_set(STATS_SYSCTL);
	ctx->stats = ctx->stats_sysctl_old >= 0;
}

static void stats_restore(struct probe_ctx *ctx)
{
	if (ctx->stats_fd >= 0)
		close(ctx->stats_fd);
	ctx->stats_fd = -1;
	if (ctx->stats_sysctl_old == 0)
		sysctl_restore_off(STATS_SYSCTL);
	ctx->stats_sysctl_old = -1;
}

/* --- loading, attaching, unloading ------------------------------------------------------------ */

/*
 * libbpf's own errors are vague about why the kernel refused, so try one tiny map first and
 * explain the usual causes. @memlock_err is why raising RLIMIT_MEMLOCK failed, if it did.
 */
static int check_bpf(struct probe_ctx *ctx, int memlock_err)
{
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(__u32), sizeof(__u32), 1, NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	if (err == -ENOSYS)
		fail(ctx, "BPF unavailable: kernel has no bpf() syscall (CONFIG_BPF_SYSCALL)");
	else if (err == -EPERM && memlock_err)
		fail(ctx, "BPF not permitted: not root (CAP_BPF/CAP_SYS_ADMIN), or RLIMIT_MEMLOCK "
		     "too low (raising it failed: %s; try ulimit -l unlimited)",
		     strerror(memlock_err));
	else if (err == -EPERM)
		fail(ctx, "BPF not permitted: need root (CAP_BPF/CAP_SYS_ADMIN), or the memlock "
		     "limit is too low (try ulimit -l unlimited)");
	else
		fail(ctx, "BPF unavailable: creating a map failed: %s", strerror(-err));
	return err;
}

/* Slot @slot's fentry (@ret false) or fexit program. */
static struct bpf_program *fentry_prog(const struct probe_ctx *ctx, int slot, bool ret)
{
	char name[32];

	snprintf(name, sizeof(name), ret ? "fexit_%d" : "fentry_%d", slot);
	return bpf_object__find_program_by_name(ctx->skel->obj, name);
}

/*
 * book3s64's vmemmap with 64K pages, radix and hash alike: 0xc008000000000000 + 2 << 49
 * (arch/powerpc/include/asm/book3s/64/radix.h, hash.h, hash-64k.h), where /proc/kallsyms
 * lists no data symbol (Debian's ppc64el kernel has no CONFIG_KALLSYMS_ALL).
 */
#define BOOK3S64_64K_VMEMMAP	0xc00c000000000000ULL

/*
 * Without BTF (Debian's ppc64el 6.1): 6.1's 64-byte struct page ends with memcg_data, there
 * only with CONFIG_MEMCG, whose memory controller /proc/cgroups lists; PG_dirty is bit 3.
 */
static int page_layout_memcg(__u32 *size, __u8 *dirty_bit)
{
	char line[256];
	FILE *f = fopen("/proc/cgroups", "r");
	int ok = 0;

	while (f && !ok && fgets(line, sizeof(line), f))
		ok = !strncmp(line, "memory\t", 7);
	if (f)
		fclose(f);
	*size = 64;
	*dirty_bit = 3;
	return ok;
}

/*
 * sizeof(struct page) and PG_dirty's bit, from the kernel's BTF: the size follows its
 * configuration (56 bytes without CONFIG_MEMCG on x86_64), so a guess would read another
 * page's flags. 0 when they are not known: then there is no dirty check.
 */
static int page_layout(__u32 *size, __u8 *dirty_bit)
{
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_enum *e;
	const struct btf_type *t;
	int id, i, ok = 0;

	if (!btf)
		return page_layout_memcg(size, dirty_bit);
	id = btf__find_by_name_kind(btf, "page", BTF_KIND_STRUCT);
	t = btf__type_by_id(btf, btf__find_by_name_kind(btf, "pageflags", BTF_KIND_ENUM));
	if (id > 0 && t) {
		*size = btf__resolve_size(btf, id);
		for (e = btf_enum(t), i = 0; i < btf_vlen(t); i++, e++)
			if (!strcmp(btf__name_by_offset(btf, e->name_off), "PG_dirty")) {
				*dirty_bit = e->val;
				ok = *size > 0;
			}
	}
	btf__free(btf);
	return ok;
}

/*
 * The dirty check reads page->flags through the vmemmap, whose base is a kernel variable:
 * vmemmap_base on x86_64, vmemmap on powerpc (book3s64), or that constant; and the page's
 * layout from BTF.
 */
static void configure_dirty_check(struct probe_ctx *ctx)
{
	static const char *const names[] = { "vmemmap_base", "vmemmap" };
	unsigned long long addr = 0, base = 0;
	unsigned int i, shift = 0;
	struct utsname u;
	__u32 page_size;
	__u8 dirty_bit;

	if (!page_layout(&page_size, &dirty_bit)) {
		ctx->vmemmap_name = NULL;
		return;
	}
	*(__u32 *)&ctx->skel->rodata->struct_page_size = page_size;
	*(__u8 *)&ctx->skel->rodata->pg_dirty_bit = dirty_bit;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && !addr; i++) {
		addr = ksym_data_addr(ctx, names[i]);
		ctx->vmemmap_name = addr ? names[i] : NULL;
	}
	while ((1L << shift) < sysconf(_SC_PAGESIZE))
		shift++;
	if (!addr && !uname(&u) && !strcmp(u.machine, "ppc64le") && shift == 16) {
		base = BOOK3S64_64K_VMEMMAP;
		ctx->vmemmap_name = "book3s64 64K constant";
	}
	*(__u64 *)&ctx->skel->rodata->vmemmap_sym = addr;
	*(__u64 *)&ctx->skel->rodata->vmemmap_base = base;
	*(__u8 *)&ctx->skel->rodata->kernel_page_shift = shift;
}

/* Before load: each slot's configuration, and which programs load (the chosen mode's). */
static int configure_programs(struct probe_ctx *ctx)
{
	struct probe_bpf *skel = ctx->skel;
	struct bpf_program *prog;
	int i, ret, err;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < ctx->nslots; i++) {
		const struct role_symbol *d = ctx->slots[i].candidate->def;
		struct tcelab_slot *s = (struct tcelab_slot *)&skel->rodata->slots[i];

		*s = (struct tcelab_slot){
			.used = 1, .role = d->role, .kind = d->kind, .optype = d->optype,
			.has_ret = d->has_ret, .ret32 = d->ret32, .a_entry = d->a_entry,
			.a_hpa = d->a_hpa, .a_dir = d->a_dir, .a_page = d->a_page,
		};
		if (ctx->mode != MODE_FENTRY)
			continue;
		for (ret = 0; ret < 2; ret++) {
			prog = fentry_prog(ctx, i, ret);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			err = bpf_program__set_attach_target(prog, 0, d->name);
			if (err) {
				fail(ctx, "fentry target %s: %s", d->name, strerror(-err));
				return err;
			}
		}
	}
	if (ctx->mode == MODE_KPROBE) {
		bpf_program__set_autoload(skel->progs.kprobe_entry, true);
		bpf_program__set_autoload(skel->progs.kprobe_return, true);
	}
	*(__u8 *)&skel->rodata->effects_enabled = ctx->opts.effects;
	*(__u8 *)&skel->rodata->record_stacks = ctx->opts.stacks;
	*(__u8 *)&skel->rodata->attach_only = ctx->opts.attach_only;
	configure_dirty_check(ctx);
	return 0;
}

/* Open, configure and load the skeleton, and the effects ring buffer. */
int load_probes(struct probe_ctx *ctx)
{
	const struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int memlock_err = 0, err;

	/*
	 * 6.1 charges BPF memory to the memcg, but a kernel that still charges RLIMIT_MEMLOCK
	 * would fail map creation with a bare EPERM; check_bpf() reports this failure then.
	 */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited)) {
		memlock_err = errno;
		fprintf(stderr, "tcelab-probe: warning: cannot raise RLIMIT_MEMLOCK: %s\n",
			strerror(memlock_err));
	}
	ctx->ncpus = libbpf_num_possible_cpus();
	if (ctx->ncpus < 0) {
		fail(ctx, "cannot count possible CPUs: %s", strerror(-ctx->ncpus));
		return ctx->ncpus;
	}
	err = check_bpf(ctx, memlock_err);
	if (err)
		return err;
	ctx->skel = probe_bpf__open();
	if (!ctx->skel) {
		err = -errno;
		fail(ctx, "opening BPF skeleton failed: %s", strerror(-err));
		return err;
	}
	err = configure_programs(ctx) ?: timing_configure(ctx) ?: jit_enable(ctx);
	if (err)
		return err;
	err = probe_bpf__load(ctx->skel);
	if (err) {
		fail(ctx, "loading BPF programs (%s mode) failed: %s; rerun with -v for libbpf's "
		     "log%s", mode_names[ctx->mode], strerror(-err),
		     err == -EPERM ? " (memlock limit? try ulimit -l unlimited)" : "");
		return err;
	}
	err = timing_open_counters(ctx);
	if (err)
		return err;
	if (ctx->opts.effects) {
		ctx->effects_rb = ring_buffer__new(bpf_map__fd(ctx->skel->maps.effects),
						   collect_effect, ctx, NULL);
		if (!ctx->effects_rb) {
			err = -errno;
			fail(ctx, "effects ring buffer: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

/* With bpf_stats on, so that the programs' run time is counted. */
int attach_probes(struct probe_ctx *ctx)
{
	LIBBPF_OPTS(bpf_kprobe_opts, kopts);
	struct bpf_program *prog;
	int i, ret, err;

	stats_enable(ctx);
	for (i = 0; i < ctx->nslots; i++) {
		struct slot *s = &ctx->slots[i];
		const char *name = s->candidate->def->name;

		for (ret = 0; ret < 2; ret++) {
			if (ctx->mode == MODE_FENTRY) {
				s->links[ret] = bpf_program__attach(fentry_prog(ctx, i, ret));
			} else {
				/* One kprobe program for every slot: the cookie says which. */
				kopts.bpf_cookie = i;
				kopts.retprobe = ret;
				prog = ret ? ctx->skel->progs.kprobe_return :
					     ctx->skel->progs.kprobe_entry;
				s->links[ret] = bpf_program__attach_kprobe_opts(prog, name, &kopts);
			}
			if (!s->links[ret]) {
				err = -errno;
				if (err == -ENOTSUPP_KERNEL && ctx->mode == MODE_FENTRY &&
				    ctx->opts.mode == MODE_AUTO)
					return err;	/* fall_back_to_kprobes() */
				fail(ctx, "attaching %s %s to %s failed: %s", mode_names[ctx->mode],
				     ret ? "return probe" : "entry probe", name, strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

/*
 * A kernel with BTF may still have no BPF trampolines, which fentry needs (powerpc has them
 * since 6.13; before, attaching says ENOTSUPP): in auto mode the probes load again as kprobes.
 */
int fall_back_to_kprobes(struct probe_ctx *ctx)
{
	detach_probes(ctx);
	unload_probes(ctx);
	fprintf(stderr, "tcelab-probe: this kernel has BTF but no BPF trampolines for fentry: "
		"kprobes instead\n");
	ctx->mode = MODE_KPROBE;
	return load_probes(ctx) ?: attach_probes(ctx);
}

/*
 * Each kprobe's unregistration waits for an RCU grace period of its own (unregister_kprobe():
 * synchronize_rcu()), tens of milliseconds a probe, seconds under TCG for the twenty-odd of a
 * run (make run spent 1.4 to 2.1 s detaching each of its five probed commands on powernv9):
 * expedited grace periods meanwhile (the kernel's rcu_expedited switch), restored afterwards.
 */
void detach_probes(struct probe_ctx *ctx)
{
	int i, ret, expedited = sysctl_set(RCU_EXPEDITED);

	/* Entry probes first, so no call is left half-measured. */
	for (ret = 0; ret < 2; ret++)
		for (i = 0; i < ctx->nslots; i++) {
			bpf_link__destroy(ctx->slots[i].links[ret]);
			ctx->slots[i].links[ret] = NULL;
		}
	if (expedited == 0)
		sysctl_restore_off(RCU_EXPEDITED);
}

/* Once the results are read: everything load_probes() and attach_probes() set up or changed. */
void unload_probes(struct probe_ctx *ctx)
{
	stats_restore(ctx);
	ring_buffer__free(ctx->effects_rb);
	ctx->effects_rb = NULL;
	timing_close_counters(ctx);
	probe_bpf__destroy(ctx->skel);
	ctx->skel = NULL;
	if (ctx->jit_turned_on)
		sysctl_restore_off(JIT_SYSCTL);
}
