// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-probe: resolve the probe roles to kernel symbols, attach the tcelab BPF probes, run a
 * command (or wait for SIGINT/SIGTERM), detach, and report latency histograms, the pin ledger
 * with the leaks and double releases it found, locked_vm per mm, the TCE exchange effects and
 * the probes' own cost: as JSON (schema tcelab-probe/2, probe/SCHEMA.md) and as a summary on
 * stderr.
 *
 * Probes attach by fentry/fexit when the kernel has BTF for every module involved and by
 * kprobe/kretprobe otherwise; one skeleton carries both sets and only the chosen one is loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/hist.h"
#include "roles.h"
#include "probe.h"
#include "probe.skel.h"

#define SCHEMA "tcelab-probe/2"

/* Our own failures use the exit statuses env(1) and timeout(1) use for theirs. */
#define EXIT_PROBE_ERROR	125
#define EXIT_CANNOT_EXEC	126
#define EXIT_NOT_FOUND		127

#define KALLSYMS	"/proc/kallsyms"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define STATS_SYSCTL	"/proc/sys/kernel/bpf_stats_enabled"
#define JIT_SYSCTL	"/proc/sys/net/core/bpf_jit_enable"
#define MAX_STACK	32
#define MAX_EFFECTS	(1 << 20)	/* effect records kept for the JSON */

enum attach_mode {
	MODE_AUTO,
	MODE_FENTRY,
	MODE_KPROBE,
};

static const char *const mode_names[] = {
	[MODE_AUTO] = "auto",
	[MODE_FENTRY] = "fentry",
	[MODE_KPROBE] = "kprobe",
};

static const char *const lost_names[TCELAB_NR_LOST] = {
	[TCELAB_LOST_RINGBUF] = "ringbuf_full",
	[TCELAB_LOST_LEDGER] = "ledger_full",
	[TCELAB_LOST_DOUBLE] = "double_map_full",
	[TCELAB_LOST_MM] = "mm_map_full",
	[TCELAB_LOST_FRAMES] = "frame_map_full",
	[TCELAB_LOST_DEPTH] = "too_deep",
	[TCELAB_LOST_UNBALANCED] = "unbalanced_return",
	[TCELAB_LOST_STACK] = "stack_not_recorded",
	[TCELAB_LOST_GUP_PAGES] = "gup_pages_beyond_limit",
	[TCELAB_LOST_NO_PAGE] = "pin_page_unreadable",
};

/* --- kallsyms ------------------------------------------------------------------------------ */

struct ksym {
	unsigned long long addr;
	char *name;
	char *module;		/* NULL: vmlinux */
};

static struct ksym *ksyms;
static size_t nksyms;

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int load_kallsyms(void)
{
	char line[512], name[256], mod[128], type;
	unsigned long long addr;
	size_t cap = 0;
	FILE *f;
	int n;

	f = fopen(KALLSYMS, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		mod[0] = 0;
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		if (nksyms == cap) {
			cap = cap ? cap * 2 : 65536;
			ksyms = realloc(ksyms, cap * sizeof(*ksyms));
			if (!ksyms) {
				fclose(f);
				return -ENOMEM;
			}
		}
		ksyms[nksyms].addr = addr;
		ksyms[nksyms].name = strdup(name);
		ksyms[nksyms].module = mod[0] ? strdup(mod) : NULL;
		nksyms++;
	}
	fclose(f);
	qsort(ksyms, nksyms, sizeof(*ksyms), ksym_cmp);
	return 0;
}

static const struct ksym *ksym_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < nksyms; i++)
		if (!strcmp(ksyms[i].name, name))
			return &ksyms[i];
	return NULL;
}

static const struct ksym *ksym_by_addr(unsigned long long addr)
{
	size_t lo = 0, hi = nksyms;

	if (!nksyms || addr < ksyms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ksyms[lo];
}

static void symbolize(unsigned long long addr, char *buf, size_t len)
{
	const struct ksym *k = ksym_by_addr(addr);

	/* BPF trampolines and programs are in no symbol: the nearest one is far away. */
	if (!k || !k->addr || addr - k->addr > 0x10000)
		snprintf(buf, len, "0x%llx", addr);
	else if (k->module)
		snprintf(buf, len, "%s+0x%llx [%s]", k->name, addr - k->addr, k->module);
	else
		snprintf(buf, len, "%s+0x%llx", k->name, addr - k->addr);
}

/* --- configuration and state ------------------------------------------------------------- */

/* One candidate symbol of the chosen stack. */
struct cand {
	const struct role_symbol *def;
	const struct ksym *ksym;	/* NULL: not in kallsyms */
	bool used;			/* attached (present, and first of its alternatives) */
	int slot;
	struct tcelab_count count;
	struct tcelab_hist *hist;
	struct bpf_link *links[2];
};

static struct cand cands[64];
static int ncands;
static struct cand *slot_cand[TCELAB_MAX_SLOTS];
static int nslots;

static struct {
	const char *json_path;
	enum probe_stack stack;
	bool stack_auto;
	enum attach_mode mode;
	bool roles[TCELAB_NR_ROLES];
	bool effects;
	bool stacks;
	bool strict;
	bool list;
	bool verbose;
	char **argv;		/* the command, or NULL: wait for a signal */
} env = { .stack_auto = true, .stacks = true };

static struct {
	enum attach_mode mode;
	bool measured;		/* probes were attached while the command ran */
	int exit_status;	/* shell convention: 128 + signal when killed */
	char error[512];
	struct tcelab_count roles[TCELAB_NR_ROLES];
	struct tcelab_hist *role_hist[TCELAB_NR_ROLES];
	struct tcelab_hist *optype_hist[TCELAB_NR_OPTYPES];
	__u64 lost[TCELAB_NR_LOST];
	bool stats;		/* bpf_stats was on while attached */
	bool jit_turned_on;	/* the JIT was off and this run turned it on */
	__u64 run_cnt, run_time_ns;
	__u64 wall_ns;
	struct tcelab_effect *effects;
	size_t neffects, effects_dropped;
} result = { .exit_status = -1 };

static volatile sig_atomic_t stop_signal;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab-probe [OPTIONS] [--] [COMMAND [ARGS...]]\n"
		"Attach the tcelab probes, run COMMAND (or wait for SIGINT/SIGTERM), detach and report\n"
		"latency, the pin ledger (leaks, double releases), locked_vm drift and self-cost.\n"
		"  --json FILE        write results as JSON (schema " SCHEMA ", probe/SCHEMA.md)\n"
		"  --roles LIST       roles, comma-separated: xchg,kill,op,pin,unpin,locked_vm (all)\n"
		"  --stack STACK      tcelab, upstream or auto (tcelab when tcelab.ko is loaded)\n"
		"  --mode MODE        fentry, kprobe or auto (fentry when the kernel has BTF)\n"
		"  --effects          record the stream of TCE exchanges (entry, old, new)\n"
		"  --no-stacks        do not record the kernel stacks of pins\n"
		"  --strict           fail when a requested role resolves to no symbol\n"
		"  --list             print how the roles resolve on this kernel and exit\n"
		"  -v, --verbose      show libbpf debug output\n"
		"  -h, --help         show this help\n"
		"Exit status: COMMAND's (128+N if killed by signal N); %d on probe errors,\n"
		"%d if COMMAND cannot run, %d if it is not found.\n",
		EXIT_PROBE_ERROR, EXIT_CANNOT_EXEC, EXIT_NOT_FOUND);
}

/* Report an error on stderr and keep it for the JSON. */
static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(result.error, sizeof(result.error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tcelab-probe: %s\n", result.error);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int parse_roles(const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int r = role_by_name(p, len);

		if (r < 0) {
			fprintf(stderr, "tcelab-probe: unknown role '%.*s'\n", (int)len, p);
			return -EINVAL;
		}
		env.roles[r] = true;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	enum { O_STACK = 256, O_MODE, O_EFFECTS, O_NO_STACKS, O_STRICT, O_LIST };
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "roles", required_argument, NULL, 'r' },
		{ "stack", required_argument, NULL, O_STACK },
		{ "mode", required_argument, NULL, O_MODE },
		{ "effects", no_argument, NULL, O_EFFECTS },
		{ "no-stacks", no_argument, NULL, O_NO_STACKS },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "list", no_argument, NULL, O_LIST },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool any_role = false;
	int opt, i;

	/* '+': stop at the command, whose own options are not ours. */
	while ((opt = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			env.json_path = optarg;
			break;
		case 'r':
			if (parse_roles(optarg))
				return -EINVAL;
			any_role = true;
			break;
		case O_STACK:
			env.stack_auto = !strcmp(optarg, "auto");
			if (!strcmp(optarg, "tcelab")) {
				env.stack = STACK_TCELAB;
			} else if (!strcmp(optarg, "upstream")) {
				env.stack = STACK_UPSTREAM;
			} else if (!env.stack_auto) {
				fprintf(stderr, "tcelab-probe: unknown stack '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case O_MODE:
			if (!strcmp(optarg, "fentry")) {
				env.mode = MODE_FENTRY;
			} else if (!strcmp(optarg, "kprobe")) {
				env.mode = MODE_KPROBE;
			} else if (!strcmp(optarg, "auto")) {
				env.mode = MODE_AUTO;
			} else {
				fprintf(stderr, "tcelab-probe: unknown mode '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case O_EFFECTS:
			env.effects = true;
			break;
		case O_NO_STACKS:
			env.stacks = false;
			break;
		case O_STRICT:
			env.strict = true;
			break;
		case O_LIST:
			env.list = true;
			break;
		case 'v':
			env.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	env.argv = optind < argc ? argv + optind : NULL;
	for (i = 0; i < TCELAB_NR_ROLES && !any_role; i++)
		env.roles[i] = true;
	return 0;
}

/* --- resolution ------------------------------------------------------------------------------ */

static bool role_resolved(int role)
{
	int i;

	for (i = 0; i < ncands; i++)
		if (cands[i].def->role == role && cands[i].used)
			return true;
	return false;
}

static int resolve_roles(void)
{
	const char *m;
	int i, j, r, unresolved = 0;
	bool any = false;

	if (env.stack_auto)
		env.stack = ksym_by_name("tcelab_tce_xchg") ? STACK_TCELAB : STACK_UPSTREAM;
	for (i = 0; i < (int)nr_role_symbols; i++) {
		const struct role_symbol *d = &role_symbols[i];
		struct cand *c;

		if (d->stack != env.stack || !env.roles[d->role])
			continue;
		c = &cands[ncands++];
		c->def = d;
		c->ksym = ksym_by_name(d->name);
		c->slot = -1;
		if (!c->ksym)
			continue;
		c->used = true;
		/* Alternatives: only the first present one. */
		for (j = 0; j < ncands - 1 && d->alt; j++)
			if (cands[j].used && cands[j].def->role == d->role && cands[j].def->alt == d->alt)
				c->used = false;
		if (!c->used)
			continue;
		if (nslots == TCELAB_MAX_SLOTS) {
			fail("more than %d symbols to attach", TCELAB_MAX_SLOTS);
			return -E2BIG;
		}
		c->slot = nslots;
		slot_cand[nslots++] = c;
		any = true;
	}
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		if (!env.roles[r] || role_resolved(r))
			continue;
		unresolved++;
		fprintf(stderr, "tcelab-probe: role %s: no symbol of the %s stack in " KALLSYMS ":",
			role_names[r], stack_names[env.stack]);
		for (i = 0; i < ncands; i++)
			if (cands[i].def->role == r)
				fprintf(stderr, " %s", cands[i].def->name);
		m = env.stack == STACK_TCELAB ? " (is tcelab.ko loaded?)" : "";
		fprintf(stderr, "%s\n", m);
	}
	if (!any) {
		fail("no role resolves on this kernel (%s stack)%s", stack_names[env.stack],
		     env.stack == STACK_TCELAB ? ": is tcelab.ko loaded? try: insmod tcelab.ko" : "");
		return -ENOENT;
	}
	if (unresolved && env.strict) {
		fail("%d requested role(s) resolve to no symbol (--strict)", unresolved);
		return -ENOENT;
	}
	return 0;
}

/* fentry needs BTF for vmlinux and for every module holding an attached symbol. */
static enum attach_mode choose_mode(void)
{
	char path[256];
	int i;

	if (env.mode != MODE_AUTO)
		return env.mode;
	if (access(VMLINUX_BTF, F_OK))
		return MODE_KPROBE;
	for (i = 0; i < nslots; i++) {
		const char *mod = slot_cand[i]->ksym->module;

		if (!mod)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", mod);
		if (access(path, F_OK))
			return MODE_KPROBE;
	}
	return MODE_FENTRY;
}

static void list_roles(FILE *f)
{
	int r, i;

	fprintf(f, "stack %s, attach mode %s\n", stack_names[env.stack], mode_names[result.mode]);
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		if (!env.roles[r])
			continue;
		fprintf(f, "%-10s %s\n", role_names[r], role_resolved(r) ? "resolved" : "UNRESOLVED");
		for (i = 0; i < ncands; i++) {
			const struct cand *c = &cands[i];

			if (c->def->role != r)
				continue;
			fprintf(f, "  %-30s %s%s%s%s\n", c->def->name,
				c->used ? "attach" : c->ksym ? "present (alternative not used)" : "missing",
				c->ksym && c->ksym->module ? " [" : "",
				c->ksym && c->ksym->module ? c->ksym->module : "",
				c->ksym && c->ksym->module ? "]" : "");
		}
	}
}

/* --- BPF ------------------------------------------------------------------------------------ */

/*
 * libbpf's own errors are vague about why the kernel refused, so try one tiny map first and
 * explain the usual causes. memlock_err is why raising RLIMIT_MEMLOCK failed, if it did.
 */
static int check_bpf(int memlock_err)
{
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(__u32), sizeof(__u32), 1, NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	if (err == -ENOSYS)
		fail("BPF unavailable: kernel has no bpf() syscall (CONFIG_BPF_SYSCALL)");
	else if (err == -EPERM && memlock_err)
		fail("BPF not permitted: not root (CAP_BPF/CAP_SYS_ADMIN), or RLIMIT_MEMLOCK too "
		     "low (raising it failed: %s; try ulimit -l unlimited)", strerror(memlock_err));
	else if (err == -EPERM)
		fail("BPF not permitted: need root (CAP_BPF/CAP_SYS_ADMIN), or the memlock limit "
		     "is too low (try ulimit -l unlimited)");
	else
		fail("BPF unavailable: creating a map failed: %s", strerror(-err));
	return err;
}

static struct bpf_program *prog_by_name(struct probe_bpf *skel, const char *fmt, int n)
{
	char name[32];

	snprintf(name, sizeof(name), fmt, n);
	return bpf_object__find_program_by_name(skel->obj, name);
}

static int configure(struct probe_bpf *skel)
{
	struct bpf_program *prog;
	int i, err;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < nslots; i++) {
		const struct role_symbol *d = slot_cand[i]->def;
		struct tcelab_slot *s = (struct tcelab_slot *)&skel->rodata->slots[i];

		s->used = 1;
		s->role = d->role;
		s->kind = d->kind;
		s->optype = d->optype;
		s->has_ret = d->has_ret;
		s->ret32 = d->ret32;
		s->a_entry = d->a_entry;
		s->a_hpa = d->a_hpa;
		s->a_dir = d->a_dir;
		s->a_page = d->a_page;
		if (result.mode != MODE_FENTRY)
			continue;
		for (int ex = 0; ex < 2; ex++) {
			prog = prog_by_name(skel, ex ? "fexit_%d" : "fentry_%d", i);
			if (!prog)
				return -ENOENT;
			bpf_program__set_autoload(prog, true);
			err = bpf_program__set_attach_target(prog, 0, d->name);
			if (err) {
				fail("fentry target %s: %s", d->name, strerror(-err));
				return err;
			}
		}
	}
	if (result.mode == MODE_KPROBE) {
		bpf_program__set_autoload(skel->progs.kprobe_entry, true);
		bpf_program__set_autoload(skel->progs.kprobe_return, true);
	}
	*(__u8 *)&skel->rodata->effects_enabled = env.effects;
	*(__u8 *)&skel->rodata->record_stacks = env.stacks;
	return 0;
}

static int attach(struct probe_bpf *skel)
{
	LIBBPF_OPTS(bpf_kprobe_opts, kopts);
	struct bpf_program *prog;
	int i, ex, err;

	for (i = 0; i < nslots; i++) {
		struct cand *c = slot_cand[i];

		for (ex = 0; ex < 2; ex++) {
			if (result.mode == MODE_FENTRY) {
				prog = prog_by_name(skel, ex ? "fexit_%d" : "fentry_%d", i);
				c->links[ex] = bpf_program__attach(prog);
			} else {
				kopts.bpf_cookie = i;
				kopts.retprobe = ex;
				prog = ex ? skel->progs.kprobe_return : skel->progs.kprobe_entry;
				c->links[ex] = bpf_program__attach_kprobe_opts(prog, c->def->name,
									       &kopts);
			}
			if (!c->links[ex]) {
				err = -errno;
				fail("attaching %s %s to %s failed: %s", mode_names[result.mode],
				     ex ? "return probe" : "entry probe", c->def->name,
				     strerror(-err));
				return err;
			}
		}
	}
	return 0;
}

static void detach(void)
{
	int i, ex;

	/* Entry probes first, so no call is left half-measured. */
	for (ex = 0; ex < 2; ex++)
		for (i = 0; i < nslots; i++) {
			bpf_link__destroy(slot_cand[i]->links[ex]);
			slot_cand[i]->links[ex] = NULL;
		}
}

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

/* bpf_stats: BPF_ENABLE_STATS while attached, else the sysctl, restored afterwards. */
static int stats_fd = -1;
static int stats_sysctl_old = -1;

static void stats_enable(void)
{
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd >= 0) {
		result.stats = true;
		return;
	}
	stats_sysctl_old = sysctl_set(STATS_SYSCTL);
	result.stats = stats_sysctl_old >= 0;
}

static void stats_disable(void)
{
	if (stats_fd >= 0)
		close(stats_fd);
	if (stats_sysctl_old == 0)
		sysctl_restore_off(STATS_SYSCTL);
}

/*
 * The ledger walks a GUP call's pages with bpf_loop(), which the interpreter does not run;
 * Debian's ppc64el kernel leaves the JIT off (no BPF_JIT_DEFAULT_ON). Turned on for the load,
 * restored at exit; programs loaded meanwhile stay JITed.
 */
static int jit_enable(void)
{
	int old = sysctl_set(JIT_SYSCTL);

	if (old < 0 && !access(JIT_SYSCTL, F_OK)) {
		fail("the BPF JIT is off and cannot be turned on (" JIT_SYSCTL "): %s; run as root",
		     strerror(errno ?: EPERM));
		return -EPERM;
	}
	result.jit_turned_on = old == 0;
	return 0;
}

struct prog_stat {
	const char *name;
	__u64 run_cnt, run_time_ns;
};

static struct prog_stat prog_stats[2 * TCELAB_MAX_SLOTS + 2];
static int nprog_stats;

static void read_prog_stats(struct probe_bpf *skel)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		prog_stats[nprog_stats].name = bpf_program__name(prog);
		prog_stats[nprog_stats].run_cnt = info.run_cnt;
		prog_stats[nprog_stats].run_time_ns = info.run_time_ns;
		result.run_cnt += info.run_cnt;
		result.run_time_ns += info.run_time_ns;
		nprog_stats++;
	}
}

/* --- reading the maps ----------------------------------------------------------------------- */

static int ncpus;

static int read_percpu(int fd, __u32 key, void *buf, size_t size, void *out,
		       void (*merge)(void *, const void *))
{
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, buf))
		return -errno;
	for (cpu = 0; cpu < ncpus; cpu++)
		merge(out, (char *)buf + cpu * size);
	return 0;
}

static void merge_count(void *dst, const void *src)
{
	struct tcelab_count *d = dst;
	const struct tcelab_count *s = src;

	d->calls += s->calls;
	d->ok += s->ok;
	d->nested += s->nested;
	d->pages += s->pages;
}

static void merge_hist(void *dst, const void *src)
{
	hist_merge(dst, src);
}

static void merge_u64(void *dst, const void *src)
{
	*(__u64 *)dst += *(const __u64 *)src;
}

/* Per-CPU values are 8-byte aligned. */
#define PCPU_SIZE(t)	((sizeof(t) + 7) & ~7UL)

static int read_results(struct probe_bpf *skel)
{
	size_t hsz = PCPU_SIZE(struct tcelab_hist);
	void *buf;
	int i, err = 0;

	buf = calloc(ncpus, hsz);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < TCELAB_NR_ROLES && !err; i++) {
		result.role_hist[i] = calloc(1, sizeof(struct tcelab_hist));
		err = read_percpu(bpf_map__fd(skel->maps.role_counts), i, buf,
				  PCPU_SIZE(struct tcelab_count), &result.roles[i], merge_count) ?:
		      read_percpu(bpf_map__fd(skel->maps.hists), TCELAB_HIST_ROLE(i), buf, hsz,
				  result.role_hist[i], merge_hist);
	}
	for (i = 0; i < nslots && !err; i++) {
		struct cand *c = slot_cand[i];

		c->hist = calloc(1, sizeof(struct tcelab_hist));
		err = read_percpu(bpf_map__fd(skel->maps.slot_counts), i, buf,
				  PCPU_SIZE(struct tcelab_count), &c->count, merge_count) ?:
		      read_percpu(bpf_map__fd(skel->maps.hists), TCELAB_HIST_SLOT(i), buf, hsz,
				  c->hist, merge_hist);
	}
	for (i = 0; i < TCELAB_NR_OPTYPES && !err; i++) {
		result.optype_hist[i] = calloc(1, sizeof(struct tcelab_hist));
		err = read_percpu(bpf_map__fd(skel->maps.hists), TCELAB_HIST_OPTYPE(i), buf, hsz,
				  result.optype_hist[i], merge_hist);
	}
	for (i = 0; i < TCELAB_NR_LOST && !err; i++)
		err = read_percpu(bpf_map__fd(skel->maps.lost), i, buf, 8, &result.lost[i],
				  merge_u64);
	free(buf);
	if (err)
		fail("reading the probes' maps: %s", strerror(-err));
	return err;
}

/* --- ledger: leaks grouped by the stack that pinned them ---------------------------------- */

struct page_rec {
	__u64 page;
	__s64 count;		/* pins held (leak) or releases (double) */
	__s64 stack_id;
	__s64 last_stack_id;	/* most recent pin (leaks); = stack_id otherwise */
	__u32 pid;
	__u32 slot;
};

struct stack_group {
	__s64 stack_id, last_stack_id;
	__u64 pages, count;
	__u32 pid;
	__u32 slot;
};

static struct page_rec *leaks, *doubles;
static size_t nleaks, ndoubles, ledger_entries;
static __u64 leak_pins, double_count;

static int read_ledger(struct probe_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.ledger);
	struct tcelab_ledger_val v;
	struct tcelab_double_val dv;
	__u64 key, next, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		ledger_entries++;
		if (v.pins <= 0)
			continue;
		if (nleaks == cap) {
			cap = cap ? 2 * cap : 256;
			leaks = realloc(leaks, cap * sizeof(*leaks));
			if (!leaks)
				return -ENOMEM;
		}
		leaks[nleaks++] = (struct page_rec){ key, v.pins, v.stack_id, v.last_stack_id, v.pid,
						     v.slot };
		leak_pins += v.pins;
	}
	fd = bpf_map__fd(skel->maps.doubles);
	prev = NULL;
	cap = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &dv))
			continue;
		if (ndoubles == cap) {
			cap = cap ? 2 * cap : 64;
			doubles = realloc(doubles, cap * sizeof(*doubles));
			if (!doubles)
				return -ENOMEM;
		}
		doubles[ndoubles++] = (struct page_rec){ key, dv.count, dv.stack_id, dv.stack_id,
							 dv.pid, dv.slot };
		double_count += dv.count;
	}
	return 0;
}

static int page_cmp(const void *a, const void *b)
{
	const struct page_rec *x = a, *y = b;

	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	if (x->last_stack_id != y->last_stack_id)
		return x->last_stack_id < y->last_stack_id ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

/* Sort by stack and return the groups (caller frees). */
static struct stack_group *group_by_stack(struct page_rec *recs, size_t n, size_t *ngroups)
{
	struct stack_group *g = calloc(n ? n : 1, sizeof(*g));
	size_t i;

	*ngroups = 0;
	if (!g)
		return NULL;
	qsort(recs, n, sizeof(*recs), page_cmp);
	for (i = 0; i < n; i++) {
		if (!*ngroups || g[*ngroups - 1].stack_id != recs[i].stack_id ||
		    g[*ngroups - 1].last_stack_id != recs[i].last_stack_id) {
			g[*ngroups] = (struct stack_group){ recs[i].stack_id, recs[i].last_stack_id,
							    0, 0, recs[i].pid, recs[i].slot };
			(*ngroups)++;
		}
		g[*ngroups - 1].pages++;
		g[*ngroups - 1].count += recs[i].count;
	}
	return g;
}

/*
 * A return address a kretprobe swapped for its trampoline, left in a frame's save slot: the
 * powerpc stack walk reports it as a frame of its own, which no function called.
 */
static bool kretprobe_trampoline(__u64 ip)
{
	const struct ksym *k = ksym_by_addr(ip);

	return k && k->addr == ip && !strcmp(k->name, "__kretprobe_trampoline");
}

/* The frames of stack @id into @ips, innermost first. */
static int stack_frames(struct probe_bpf *skel, __s64 id, __u64 *ips)
{
	__u32 key = id;
	int i, n = 0;

	if (id < 0 || bpf_map_lookup_elem(bpf_map__fd(skel->maps.stacks), &key, ips))
		return 0;
	for (i = 0; i < MAX_STACK && ips[i]; i++)
		if (!kretprobe_trampoline(ips[i]))
			ips[n++] = ips[i];
	return n;
}

/* --- locked_vm --------------------------------------------------------------------------- */

struct mm_rec {
	__u64 mm;
	struct tcelab_mm_val v;
};

static struct mm_rec *mms;
static size_t nmms;
static __s64 locked_drift;

static int read_mms(struct probe_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.mms);
	__u64 key, next, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (nmms == cap) {
			cap = cap ? 2 * cap : 16;
			mms = realloc(mms, cap * sizeof(*mms));
			if (!mms)
				return -ENOMEM;
		}
		if (bpf_map_lookup_elem(fd, &key, &mms[nmms].v))
			continue;
		mms[nmms].mm = key;
		locked_drift += (__s64)(mms[nmms].v.charged - mms[nmms].v.returned);
		nmms++;
	}
	return 0;
}

/* --- effects ring buffer ---------------------------------------------------------------- */

static int on_effect(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len < sizeof(struct tcelab_effect))
		return 0;
	if (result.neffects >= MAX_EFFECTS) {
		result.effects_dropped++;
		return 0;
	}
	if (!(result.neffects & (result.neffects - 1)) || !result.effects) {
		size_t cap = result.neffects ? 2 * result.neffects : 1024;
		struct tcelab_effect *e = realloc(result.effects, cap * sizeof(*e));

		if (!e) {
			result.effects_dropped++;
			return 0;
		}
		result.effects = e;
	}
	memcpy(&result.effects[result.neffects++], data, sizeof(struct tcelab_effect));
	return 0;
}

/* --- running the command ------------------------------------------------------------------ */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int run_command(struct ring_buffer *rb)
{
	int status, err;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		err = -errno;
		fail("fork: %s", strerror(-err));
		return err;
	}
	if (pid == 0) {
		execvp(env.argv[0], env.argv);
		err = errno;
		fprintf(stderr, "tcelab-probe: %s: %s\n", env.argv[0], strerror(err));
		_exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
	}
	/* As system(3) does: a terminal's ^C is for the command; we live on to report. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (;;) {
		pid_t w = waitpid(pid, &status, rb ? WNOHANG : 0);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			err = -errno;
			fail("waitpid: %s", strerror(-err));
			return err;
		}
		if (rb)
			ring_buffer__poll(rb, 20);
	}
	result.exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	return 0;
}

static int wait_for_signal(struct ring_buffer *rb)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "tcelab-probe: attached (%s, %s stack); waiting for SIGINT/SIGTERM\n",
		mode_names[result.mode], stack_names[env.stack]);
	while (!stop_signal) {
		if (rb)
			ring_buffer__poll(rb, 100);
		else
			pause();
	}
	result.exit_status = 0;
	return 0;
}

/* --- output ----------------------------------------------------------------------------------- */

/* The clock behind bpf_ktime_get_ns(): with jiffies (an x86 guest whose TSC was judged
 * unstable) latencies are quantized to the tick and meaningless. */
static char clocksource[64] = "unknown";

static void read_clocksource(void)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (f) {
		if (fgets(clocksource, sizeof(clocksource), f))
			clocksource[strcspn(clocksource, "\n")] = 0;
		fclose(f);
	}
	if (strstr(clocksource, "jiffies"))
		fprintf(stderr, "tcelab-probe: warning: clocksource is %s: latencies are only "
			"tick-accurate (x86 guests: boot with tsc=reliable)\n", clocksource);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_hist(FILE *f, const struct tcelab_hist *h)
{
	bool first = true;
	unsigned int i;

	fprintf(f, "{\"unit\":\"ns\",\"count\":%llu,\"sum\":%llu,\"min\":%llu,\"max\":%llu,"
		"\"mean\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p99_9\":%llu,"
		"\"sub_buckets\":%u,\"buckets\":[",
		(unsigned long long)h->count, (unsigned long long)h->sum,
		(unsigned long long)h->min, (unsigned long long)h->max,
		(unsigned long long)hist_mean(h),
		(unsigned long long)hist_percentile(h, 0.5),
		(unsigned long long)hist_percentile(h, 0.9),
		(unsigned long long)hist_percentile(h, 0.99),
		(unsigned long long)hist_percentile(h, 0.999), TCELAB_HIST_SUB);
	for (i = 0; i < TCELAB_HIST_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		fprintf(f, "%s[%llu,%llu,%llu]", first ? "" : ",",
			(unsigned long long)hist_bucket_lower(i),
			(unsigned long long)(i == TCELAB_HIST_BUCKETS - 1 ? 0 :
					     hist_bucket_upper(i)),
			(unsigned long long)h->buckets[i]);
		first = false;
	}
	fprintf(f, "]}");
}

static const char *const kind_names[] = {
	[TCELAB_K_PLAIN] = "plain",
	[TCELAB_K_TCELAB_PIN] = "tcelab_pin",
	[TCELAB_K_TCELAB_UNPIN] = "tcelab_unpin",
	[TCELAB_K_GUP_PIN] = "gup_pin",
	[TCELAB_K_UNPIN_PAGE] = "unpin_page",
	[TCELAB_K_UNPIN_PAGES] = "unpin_pages",
	[TCELAB_K_XCHG] = "xchg",
	[TCELAB_K_ACCOUNT] = "account",
	[TCELAB_K_OP] = "op",
};

/* Counts are null when nothing was measured, so a failed run never reads as "0 calls". */
static void json_u64(FILE *f, const char *key, __u64 n)
{
	if (result.measured)
		fprintf(f, "\"%s\":%llu", key, (unsigned long long)n);
	else
		fprintf(f, "\"%s\":null", key);
}

static void json_frames(FILE *f, struct probe_bpf *skel, __s64 id)
{
	__u64 ips[MAX_STACK] = {};
	char sym[320];
	int nf, j;

	nf = stack_frames(skel, id, ips);
	fputc('[', f);
	for (j = 0; j < nf; j++) {
		symbolize(ips[j], sym, sizeof(sym));
		if (j)
			fputc(',', f);
		json_string(f, sym);
	}
	fputc(']', f);
}

static void json_stack_groups(FILE *f, struct probe_bpf *skel, struct page_rec *recs,
			      size_t n, const char *count_key)
{
	struct stack_group *g;
	size_t ng = 0, i, k;
	int j;

	g = group_by_stack(recs, n, &ng);
	fprintf(f, "\"by_stack\":[");
	for (i = 0; g && i < ng; i++) {
		fprintf(f, "%s{\"stack_id\":%lld,\"pages\":%llu,\"%s\":%llu,\"pid\":%u,"
			"\"symbol\":", i ? "," : "", (long long)g[i].stack_id,
			(unsigned long long)g[i].pages, count_key,
			(unsigned long long)g[i].count, g[i].pid);
		json_string(f, g[i].slot < (unsigned int)nslots ?
			    slot_cand[g[i].slot]->def->name : "?");
		fprintf(f, ",\"frames\":");
		json_frames(f, skel, g[i].stack_id);
		if (g[i].last_stack_id != g[i].stack_id) {
			fprintf(f, ",\"last_pin_stack_id\":%lld,\"last_pin_frames\":",
				(long long)g[i].last_stack_id);
			json_frames(f, skel, g[i].last_stack_id);
		}
		fprintf(f, ",\"page_list\":[");
		for (k = 0, j = 0; k < n; k++) {
			if (recs[k].stack_id != g[i].stack_id ||
			    recs[k].last_stack_id != g[i].last_stack_id || j >= 64)
				continue;
			fprintf(f, "%s\"0x%llx\"", j++ ? "," : "", (unsigned long long)recs[k].page);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]");
	free(g);
}

static int write_json(struct probe_bpf *skel)
{
	struct utsname u;
	bool first;
	char **arg;
	FILE *f;
	int r, i;
	size_t k;

	f = fopen(env.json_path, "w");
	if (!f) {
		fprintf(stderr, "tcelab-probe: %s: %s\n", env.json_path, strerror(errno));
		return -EIO;
	}
	uname(&u);
	fprintf(f, "{\"schema\":\"" SCHEMA "\",\"kernel\":");
	json_string(f, u.release);
	fprintf(f, ",\"arch\":");
	json_string(f, u.machine);
	fprintf(f, ",\"clocksource\":");
	json_string(f, clocksource);
	fprintf(f, ",\"stack\":\"%s\",\"attach_mode\":\"%s\",\"measured\":%s,\"roles\":{",
		stack_names[env.stack], mode_names[result.mode], result.measured ? "true" : "false");
	first = true;
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		if (!env.roles[r])
			continue;
		fprintf(f, "%s\"%s\":{\"resolved\":%s,", first ? "" : ",", role_names[r],
			role_resolved(r) ? "true" : "false");
		first = false;
		json_u64(f, "count", result.roles[r].calls);
		fputc(',', f);
		json_u64(f, "ok", result.roles[r].ok);
		fputc(',', f);
		json_u64(f, "nested", result.roles[r].nested);
		if (r == TCELAB_ROLE_PIN || r == TCELAB_ROLE_UNPIN) {
			fputc(',', f);
			json_u64(f, "pages", result.roles[r].pages);
		}
		fprintf(f, ",\"latency\":");
		if (result.measured)
			json_hist(f, result.role_hist[r]);
		else
			fprintf(f, "null");
		fprintf(f, ",\"symbols\":[");
		for (i = 0, k = 0; i < ncands; i++) {
			const struct cand *c = &cands[i];

			if (c->def->role != r)
				continue;
			fprintf(f, "%s{\"name\":", k++ ? "," : "");
			json_string(f, c->def->name);
			fprintf(f, ",\"present\":%s,\"attached\":%s,\"kind\":\"%s\",\"module\":",
				c->ksym ? "true" : "false", c->used ? "true" : "false",
				kind_names[c->def->kind]);
			if (c->ksym && c->ksym->module)
				json_string(f, c->ksym->module);
			else
				fprintf(f, c->ksym ? "\"vmlinux\"" : "null");
			if (c->def->note) {
				fprintf(f, ",\"note\":");
				json_string(f, c->def->note);
			}
			if (c->used && result.measured) {
				fprintf(f, ",\"count\":%llu,\"ok\":%llu,\"latency\":",
					(unsigned long long)c->count.calls,
					(unsigned long long)c->count.ok);
				json_hist(f, c->hist);
			}
			fputc('}', f);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "},\"op_types\":{");
	for (i = 0, k = 0; result.measured && i < TCELAB_NR_OPTYPES; i++) {
		if (!result.optype_hist[i]->count)
			continue;
		fprintf(f, "%s\"%s\":", k++ ? "," : "", optype_names[i]);
		json_hist(f, result.optype_hist[i]);
	}
	fprintf(f, "},\"ledger\":");
	if (!result.measured) {
		fprintf(f, "null");
	} else {
		fprintf(f, "{\"pages_tracked\":%zu,\"leaks\":{\"pages\":%zu,\"pins\":%llu,",
			ledger_entries, nleaks, (unsigned long long)leak_pins);
		json_stack_groups(f, skel, leaks, nleaks, "pins");
		fprintf(f, "},\"double_releases\":{\"pages\":%zu,\"count\":%llu,", ndoubles,
			(unsigned long long)double_count);
		json_stack_groups(f, skel, doubles, ndoubles, "releases");
		fprintf(f, "}}");
	}
	fprintf(f, ",\"locked_vm\":");
	if (!result.measured) {
		fprintf(f, "null");
	} else {
		fprintf(f, "{\"unit\":\"pages\",\"drift\":%lld,\"mms\":[", (long long)locked_drift);
		for (k = 0; k < nmms; k++) {
			const struct tcelab_mm_val *v = &mms[k].v;

			fprintf(f, "%s{\"mm\":\"0x%llx\",\"pid\":%u,\"charged\":%llu,"
				"\"returned\":%llu,\"drift\":%lld,\"charge_calls\":%llu,"
				"\"return_calls\":%llu,\"failed_calls\":%llu}", k ? "," : "",
				(unsigned long long)mms[k].mm, v->pid,
				(unsigned long long)v->charged, (unsigned long long)v->returned,
				(long long)(v->charged - v->returned),
				(unsigned long long)v->charge_calls,
				(unsigned long long)v->return_calls, (unsigned long long)v->failed);
		}
		fprintf(f, "]}");
	}
	fprintf(f, ",\"effects\":{\"enabled\":%s,\"records\":%zu,\"dropped\":%zu",
		env.effects ? "true" : "false", result.neffects,
		result.effects_dropped + (size_t)result.lost[TCELAB_LOST_RINGBUF]);
	if (env.effects) {
		fprintf(f, ",\"fields\":[\"entry\",\"old_hpa\",\"old_dir\",\"new_hpa\",\"new_dir\","
			"\"ret\",\"tid\"],\"stream\":[");
		for (k = 0; k < result.neffects; k++) {
			const struct tcelab_effect *e = &result.effects[k];

			fprintf(f, "%s[%llu,\"0x%llx\",%u,\"0x%llx\",%u,%lld,%u]", k ? "," : "",
				(unsigned long long)e->entry, (unsigned long long)e->old_hpa,
				e->old_dir, (unsigned long long)e->new_hpa, e->new_dir,
				(long long)e->ret, e->tid);
		}
		fprintf(f, "]");
	}
	fprintf(f, "},\"lost\":{");
	{
		__u64 total = 0;

		for (i = 0; i < TCELAB_NR_LOST; i++) {
			fprintf(f, "\"%s\":%llu,", lost_names[i], (unsigned long long)result.lost[i]);
			total += result.lost[i];
		}
		fprintf(f, "\"total\":%llu}", (unsigned long long)total);
	}
	fprintf(f, ",\"overhead\":{\"bpf_stats\":%s,\"jit_turned_on\":%s,\"run_cnt\":%llu,"
		"\"run_time_ns\":%llu,\"ns_per_run\":%.1f,\"command_wall_ns\":%llu,\"programs\":[",
		result.stats ? "true" : "false", result.jit_turned_on ? "true" : "false",
		(unsigned long long)result.run_cnt,
		(unsigned long long)result.run_time_ns,
		result.run_cnt ? (double)result.run_time_ns / result.run_cnt : 0.0,
		(unsigned long long)result.wall_ns);
	for (i = 0, k = 0; i < nprog_stats; i++) {
		if (!prog_stats[i].run_cnt)
			continue;
		fprintf(f, "%s{\"name\":\"%s\",\"run_cnt\":%llu,\"run_time_ns\":%llu}",
			k++ ? "," : "", prog_stats[i].name,
			(unsigned long long)prog_stats[i].run_cnt,
			(unsigned long long)prog_stats[i].run_time_ns);
	}
	fprintf(f, "]},\"command\":{\"argv\":[");
	for (arg = env.argv; arg && *arg; arg++) {
		if (arg != env.argv)
			fputc(',', f);
		json_string(f, *arg);
	}
	fprintf(f, "],\"exit_status\":");
	if (result.exit_status >= 0)
		fprintf(f, "%d", result.exit_status);
	else
		fprintf(f, "null");
	fprintf(f, "},\"error\":");
	if (result.error[0])
		json_string(f, result.error);
	else
		fprintf(f, "null");
	fprintf(f, "}\n");
	if (fclose(f)) {
		fprintf(stderr, "tcelab-probe: %s: %s\n", env.json_path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static void print_summary(struct probe_bpf *skel)
{
	FILE *f = stderr;
	__u64 ips[MAX_STACK], lost = 0;
	struct stack_group *g;
	char sym[320];
	size_t ng, i;
	int r, j, nf;

	fprintf(f, "tcelab-probe: %s stack, %s:", stack_names[env.stack], mode_names[result.mode]);
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		if (env.roles[r])
			fprintf(f, " %s %llu", role_names[r], (unsigned long long)result.roles[r].calls);
	}
	fputc('\n', f);
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		const struct tcelab_hist *h = result.role_hist[r];

		if (!env.roles[r] || !h->count)
			continue;
		fprintf(f, "  %-9s n=%-7llu p50 %llu ns  p90 %llu  p99 %llu  p99.9 %llu  max %llu\n",
			role_names[r], (unsigned long long)h->count,
			(unsigned long long)hist_percentile(h, 0.5),
			(unsigned long long)hist_percentile(h, 0.9),
			(unsigned long long)hist_percentile(h, 0.99),
			(unsigned long long)hist_percentile(h, 0.999), (unsigned long long)h->max);
	}
	for (r = 0; r < TCELAB_NR_OPTYPES; r++) {
		const struct tcelab_hist *h = result.optype_hist[r];

		if (h->count)
			fprintf(f, "  op:%-6s n=%-7llu p50 %llu ns  p99 %llu\n", optype_names[r],
				(unsigned long long)h->count,
				(unsigned long long)hist_percentile(h, 0.5),
				(unsigned long long)hist_percentile(h, 0.99));
	}
	fprintf(f, "  ledger: %zu page(s) leaked (%llu pins), %llu double release(s) on %zu page(s)\n",
		nleaks, (unsigned long long)leak_pins, (unsigned long long)double_count, ndoubles);
	g = group_by_stack(leaks, nleaks, &ng);
	for (i = 0; g && i < ng; i++) {
		fprintf(f, "  LEAK %llu page(s), pinned by:\n", (unsigned long long)g[i].pages);
		memset(ips, 0, sizeof(ips));
		nf = stack_frames(skel, g[i].stack_id, ips);
		for (j = 0; j < nf && j < 12; j++) {
			symbolize(ips[j], sym, sizeof(sym));
			fprintf(f, "      %s\n", sym);
		}
		if (g[i].last_stack_id == g[i].stack_id)
			continue;
		fprintf(f, "    most recently pinned by:\n");
		memset(ips, 0, sizeof(ips));
		nf = stack_frames(skel, g[i].last_stack_id, ips);
		for (j = 0; j < nf && j < 12; j++) {
			symbolize(ips[j], sym, sizeof(sym));
			fprintf(f, "      %s\n", sym);
		}
	}
	free(g);
	if (nmms || locked_drift)
		fprintf(f, "  locked_vm: drift %lld page(s) over %zu mm(s)\n", (long long)locked_drift,
			nmms);
	for (i = 0; i < TCELAB_NR_LOST; i++)
		lost += result.lost[i];
	fprintf(f, "  self-cost: %llu runs, %.0f ns/run%s; lost events %llu\n",
		(unsigned long long)result.run_cnt,
		result.run_cnt ? (double)result.run_time_ns / result.run_cnt : 0.0,
		result.stats ? "" : " (bpf_stats unavailable)", (unsigned long long)lost);
}

int main(int argc, char **argv)
{
	const struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct ring_buffer *rb = NULL;
	struct probe_bpf *skel = NULL;
	int memlock_err = 0;
	__u64 t0;
	int err;

	if (parse_args(argc, argv))
		return EXIT_PROBE_ERROR;
	libbpf_set_print(libbpf_print);

	err = load_kallsyms();
	if (err) {
		fail("cannot read " KALLSYMS ": %s", strerror(-err));
		return EXIT_PROBE_ERROR;
	}
	err = resolve_roles();
	result.mode = choose_mode();
	if (env.list) {
		list_roles(stdout);
		return err ? EXIT_PROBE_ERROR : 0;
	}
	read_clocksource();
	if (!env.argv && !env.json_path)
		fprintf(stderr, "tcelab-probe: no command and no --json: summary only\n");

	/*
	 * 6.1 charges BPF memory to the memcg, but a kernel that still charges RLIMIT_MEMLOCK
	 * would fail map creation with a bare EPERM; check_bpf() reports this failure then.
	 */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited)) {
		memlock_err = errno;
		fprintf(stderr, "tcelab-probe: warning: cannot raise RLIMIT_MEMLOCK: %s\n",
			strerror(memlock_err));
	}
	ncpus = libbpf_num_possible_cpus();
	if (!err && ncpus < 0) {
		fail("cannot count possible CPUs: %s", strerror(-ncpus));
		err = ncpus;
	}
	if (!err)
		err = check_bpf(memlock_err);
	if (!err) {
		skel = probe_bpf__open();
		if (!skel) {
			err = -errno;
			fail("opening BPF skeleton failed: %s", strerror(-err));
		}
	}
	if (!err)
		err = configure(skel);
	if (!err)
		err = jit_enable();
	if (!err) {
		err = probe_bpf__load(skel);
		if (err)
			fail("loading BPF programs (%s mode) failed: %s; rerun with -v for libbpf's "
			     "log%s", mode_names[result.mode], strerror(-err),
			     err == -EPERM ? " (memlock limit? try ulimit -l unlimited)" : "");
	}
	if (!err && env.effects) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.effects), on_effect, NULL, NULL);
		if (!rb) {
			err = -errno;
			fail("effects ring buffer: %s", strerror(-err));
		}
	}
	if (!err) {
		stats_enable();
		err = attach(skel);
	}
	if (!err) {
		t0 = now_ns();
		err = env.argv ? run_command(rb) : wait_for_signal(rb);
		result.wall_ns = now_ns() - t0;
	}
	detach();
	if (skel && !err) {
		read_prog_stats(skel);
		if (rb)
			ring_buffer__consume(rb);
		err = read_results(skel) ?: read_ledger(skel) ?: read_mms(skel);
	}
	stats_disable();
	/* Partial counts would be misleading: report none unless the whole run worked. */
	result.measured = !err;
	if (!err)
		print_summary(skel);
	if (env.json_path && write_json(skel) && !err)
		err = -EIO;
	ring_buffer__free(rb);
	probe_bpf__destroy(skel);
	if (result.jit_turned_on)
		sysctl_restore_off(JIT_SYSCTL);
	if (err)
		return EXIT_PROBE_ERROR;
	return result.exit_status;
}
