// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-probe: attach the tcelab BPF probes, run a command, detach, and report what the
 * probes counted while it ran, as JSON and as a one-line summary on stderr.
 *
 * Probes attach by fentry/fexit when the kernel has BTF for tcelab.ko and by kprobe/kretprobe
 * otherwise; one skeleton carries both sets and only the chosen one is loaded.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tcelab.h"
#include "tcelab.skel.h"

/* Our own failures use the exit statuses env(1) and timeout(1) use for theirs. */
#define EXIT_PROBE_ERROR	125
#define EXIT_CANNOT_EXEC	126
#define EXIT_NOT_FOUND		127

#define MODULE_BTF	"/sys/kernel/btf/tcelab"
#define KALLSYMS	"/proc/kallsyms"

enum attach_mode {
	MODE_FENTRY,
	MODE_KPROBE,
};

static const char *const mode_names[] = {
	[MODE_FENTRY] = "fentry",
	[MODE_KPROBE] = "kprobe",
};

struct role {
	const char *name;
	const char *symbol;
	bool has_ok;		/* the function returns a status: report successful returns */
	bool requested;
	bool resolved;		/* symbol found in kallsyms */
	struct tcelab_role_count count;
};

static struct role roles[TCELAB_NR_ROLES] = {
	[TCELAB_ROLE_PIN] = { .name = "pin", .symbol = TCELAB_SYM_PIN, .has_ok = true },
	[TCELAB_ROLE_UNPIN] = { .name = "unpin", .symbol = TCELAB_SYM_UNPIN },
};

static struct {
	const char *json_path;
	bool verbose;
	char **argv;		/* the command */
} env;

/* What the JSON reports; filled in as far as the run gets. */
static struct {
	enum attach_mode mode;
	bool measured;		/* probes were attached while the command ran */
	int exit_status;	/* shell convention: 128 + signal when killed */
	char error[256];
} result = { .exit_status = -1 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab-probe [--json FILE] [--roles ROLE,...] [-v] -- COMMAND [ARGS...]\n"
		"Attach the tcelab probes, run COMMAND, detach and report per-role counts.\n"
		"  --json FILE     write results as JSON (schema tcelab-probe/1) to FILE\n"
		"  --roles LIST    roles to probe, comma-separated: pin,unpin (default: all)\n"
		"  -v, --verbose   show libbpf debug output\n"
		"  -h, --help      show this help\n"
		"Attaches by fentry when " MODULE_BTF " exists, by kprobe otherwise.\n"
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

static struct role *role_by_name(const char *name, size_t len)
{
	int i;

	for (i = 0; i < TCELAB_NR_ROLES; i++)
		if (strlen(roles[i].name) == len && !strncmp(roles[i].name, name, len))
			return &roles[i];
	return NULL;
}

static struct role *role_by_symbol(const char *symbol)
{
	int i;

	for (i = 0; i < TCELAB_NR_ROLES; i++)
		if (!strcmp(roles[i].symbol, symbol))
			return &roles[i];
	return NULL;
}

static int parse_roles(const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		struct role *r = role_by_name(p, len);

		if (!r) {
			fprintf(stderr, "tcelab-probe: unknown role '%.*s'\n", (int)len, p);
			return -EINVAL;
		}
		r->requested = true;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "roles", required_argument, NULL, 'r' },
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
	if (optind >= argc) {
		fprintf(stderr, "tcelab-probe: no command given\n");
		usage(stderr);
		return -EINVAL;
	}
	env.argv = argv + optind;
	for (i = 0; i < TCELAB_NR_ROLES && !any_role; i++)
		roles[i].requested = true;
	return 0;
}

/* A role can only attach if its function is in the running kernel, i.e. tcelab.ko is loaded. */
static int resolve_roles(void)
{
	char line[512], name[256];
	bool missing = false;
	struct role *r;
	FILE *f;
	int i;

	f = fopen(KALLSYMS, "r");
	if (!f) {
		int err = -errno;

		fail("cannot read " KALLSYMS ": %s", strerror(-err));
		return err;
	}
	/* "address type name [module]" */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %255s", name) == 1 && (r = role_by_symbol(name)))
			r->resolved = true;
	}
	fclose(f);

	for (i = 0; i < TCELAB_NR_ROLES; i++) {
		if (!roles[i].requested || roles[i].resolved)
			continue;
		fprintf(stderr, "tcelab-probe: role %s: symbol %s not in " KALLSYMS
			" (is tcelab.ko loaded? try: insmod tcelab.ko)\n",
			roles[i].name, roles[i].symbol);
		missing = true;
	}
	if (missing) {
		fail("unresolved symbols: tcelab.ko not loaded?");
		return -ENOENT;
	}
	return 0;
}

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
		     "low (raising it failed: %s)", strerror(memlock_err));
	else if (err == -EPERM)
		fail("BPF not permitted: need root (CAP_BPF/CAP_SYS_ADMIN)");
	else
		fail("BPF unavailable: creating a map failed: %s", strerror(-err));
	return err;
}

/* Program type tells the attach mode; the section name after '/' tells the symbol. */
static enum attach_mode prog_mode(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_TRACING ? MODE_FENTRY : MODE_KPROBE;
}

static struct role *prog_role(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	return slash ? role_by_symbol(slash + 1) : NULL;
}

/* Load only the programs of the chosen mode that serve requested roles. */
static int load_probes(struct tcelab_bpf *skel)
{
	struct bpf_program *prog;
	int err;

	bpf_object__for_each_program(prog, skel->obj) {
		const struct role *r = prog_role(prog);

		bpf_program__set_autoload(prog, prog_mode(prog) == result.mode &&
					  r && r->requested);
	}
	err = tcelab_bpf__load(skel);
	if (err)
		fail("loading BPF programs (%s mode) failed: %s; rerun with -v for libbpf's log",
		     mode_names[result.mode], strerror(-err));
	return err;
}

/* Attach program by program, rather than tcelab_bpf__attach(), to name what failed. */
static int attach_probes(struct tcelab_bpf *skel)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		if (!bpf_program__autoload(prog))
			continue;
		*s->progs[i].link = bpf_program__attach(prog);
		if (!*s->progs[i].link) {
			err = -errno;
			fail("attaching %s to %s failed: %s", bpf_program__section_name(prog),
			     prog_role(prog)->symbol, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int read_counts(struct tcelab_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.counts);
	int ncpus = libbpf_num_possible_cpus();
	struct tcelab_role_count *percpu;
	__u32 key;
	int cpu, err = 0;

	if (ncpus < 0) {
		fail("cannot count possible CPUs: %s", strerror(-ncpus));
		return ncpus;
	}
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu) {
		fail("out of memory");
		return -ENOMEM;
	}
	for (key = 0; key < TCELAB_NR_ROLES; key++) {
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			err = -errno;
			fail("reading counters of role %s: %s", roles[key].name, strerror(-err));
			break;
		}
		for (cpu = 0; cpu < ncpus; cpu++) {
			roles[key].count.calls += percpu[cpu].calls;
			roles[key].count.ok += percpu[cpu].ok;
		}
	}
	free(percpu);
	return err;
}

static int run_command(void)
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
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			fail("waitpid: %s", strerror(-err));
			return err;
		}
	}
	result.exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	return 0;
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

/* Counts are null when nothing was measured, so a failed run never reads as "0 calls". */
static void json_count(FILE *f, const char *key, __u64 n)
{
	if (result.measured)
		fprintf(f, ",\"%s\":%llu", key, (unsigned long long)n);
	else
		fprintf(f, ",\"%s\":null", key);
}

static int write_json(void)
{
	bool first = true;
	char **arg;
	FILE *f;
	int i;

	f = fopen(env.json_path, "w");
	if (!f) {
		fprintf(stderr, "tcelab-probe: %s: %s\n", env.json_path, strerror(errno));
		return -EIO;
	}
	fprintf(f, "{\"schema\":\"tcelab-probe/1\",\"attach_mode\":\"%s\",\"roles\":{",
		mode_names[result.mode]);
	for (i = 0; i < TCELAB_NR_ROLES; i++) {
		const struct role *r = &roles[i];

		if (!r->requested)
			continue;
		fprintf(f, "%s\"%s\":{\"symbols\":[", first ? "" : ",", r->name);
		json_string(f, r->symbol);
		fprintf(f, "],\"resolved\":%s", r->resolved ? "true" : "false");
		json_count(f, "count", r->count.calls);
		if (r->has_ok)
			json_count(f, "ok", r->count.ok);
		fputc('}', f);
		first = false;
	}
	fprintf(f, "},\"command\":{\"argv\":[");
	for (arg = env.argv; *arg; arg++) {
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

static void print_summary(void)
{
	bool first = true;
	int i;

	fprintf(stderr, "tcelab-probe: %s:", mode_names[result.mode]);
	for (i = 0; i < TCELAB_NR_ROLES; i++) {
		const struct role *r = &roles[i];

		if (!r->requested)
			continue;
		fprintf(stderr, "%s %s %llu", first ? "" : ",", r->name,
			(unsigned long long)r->count.calls);
		if (r->has_ok)
			fprintf(stderr, " (%llu ok)", (unsigned long long)r->count.ok);
		first = false;
	}
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	const struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct tcelab_bpf *skel = NULL;
	int memlock_err = 0;
	int err;

	if (parse_args(argc, argv))
		return EXIT_PROBE_ERROR;
	libbpf_set_print(libbpf_print);

	/*
	 * 6.1 charges BPF memory to the memcg, but a kernel that still charges RLIMIT_MEMLOCK
	 * would fail map creation with a bare EPERM; check_bpf() reports this failure then.
	 */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited)) {
		memlock_err = errno;
		fprintf(stderr, "tcelab-probe: warning: cannot raise RLIMIT_MEMLOCK: %s\n",
			strerror(memlock_err));
	}

	result.mode = access(MODULE_BTF, F_OK) ? MODE_KPROBE : MODE_FENTRY;

	err = resolve_roles();
	if (!err)
		err = check_bpf(memlock_err);
	if (!err) {
		skel = tcelab_bpf__open();
		if (!skel) {
			err = -errno;
			fail("opening BPF skeleton failed: %s", strerror(-err));
		}
	}
	if (!err)
		err = load_probes(skel);
	if (!err)
		err = attach_probes(skel);
	if (!err) {
		err = run_command();
		tcelab_bpf__detach(skel);
	}
	if (!err)
		err = read_counts(skel);
	/* Partial counts would be misleading: report none unless the whole run worked. */
	result.measured = !err;
	tcelab_bpf__destroy(skel);

	if (env.json_path && write_json() && !err)
		err = -EIO;
	if (err)
		return EXIT_PROBE_ERROR;
	print_summary();
	return result.exit_status;
}
