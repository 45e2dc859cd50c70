// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-probe: resolve the probe roles to kernel symbols, attach the tcelab BPF probes, run a
 * command (or wait for SIGINT/SIGTERM), detach, and report latency histograms, the pin ledger
 * with the leaks and double releases it found, locked_vm per mm, the TCE exchange effects and
 * the probes' own cost: as JSON (SCHEMA_PROBE, probe/SCHEMA.md) and as a summary on stderr.
 *
 * This file is the command: its arguments, running COMMAND, main. The run's state is one
 * struct probe_ctx (probe_ctx.h, which names the other modules).
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <tcelab/schema.h>

#include "probe_ctx.h"
#include "probe.skel.h"

/* Our own failures use the exit statuses env(1) and timeout(1) use for theirs. */
#define EXIT_PROBE_ERROR	125
#define EXIT_CANNOT_EXEC	126
#define EXIT_NOT_FOUND		127

/* Set by the SIGINT/SIGTERM handler when there is no command to wait for. */
static volatile sig_atomic_t stop_signal;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab-probe [OPTIONS] [--] [COMMAND [ARGS...]]\n"
		"Attach the tcelab probes, run COMMAND (or wait for SIGINT/SIGTERM), detach and report\n"
		"latency, the pin ledger (leaks, double releases), locked_vm drift and self-cost.\n"
		"  --json FILE        write results as JSON (schema " SCHEMA_PROBE ", probe/SCHEMA.md)\n"
		"  --roles LIST       roles, comma-separated: xchg,kill,op,pin,unpin,locked_vm (all)\n"
		"  --stack STACK      tcelab, upstream or auto (tcelab when tcelab.ko is loaded)\n"
		"  --mode MODE        fentry, kprobe or auto (fentry when the kernel has BTF)\n"
		"  --timing MODE      host (ns, the default), insns (instructions retired, from the\n"
		"                     PMU) or icount (ns of a QEMU -icount guest: only recorded);\n"
		"                     default: $TCELAB_TIMING\n"
		"  --effects          record the stream of TCE exchanges (entry, old, new)\n"
		"  --no-stacks        do not record the kernel stacks of pins\n"
		"  --strict           fail when a requested role resolves to no symbol\n"
		"  --attach-only      attach every program but let each return at once: what the\n"
		"                     attachment alone costs COMMAND (the floor under any probe;\n"
		"                     tcelab bench's probe_floor figures); measures nothing\n"
		"  --list             print how the roles resolve on this kernel and exit\n"
		"  -v, --verbose      show libbpf debug output\n"
		"  -h, --help         show this help\n"
		"Exit status: COMMAND's (128+N if killed by signal N); %d on probe errors,\n"
		"%d if COMMAND cannot run, %d if it is not found.\n",
		EXIT_PROBE_ERROR, EXIT_CANNOT_EXEC, EXIT_NOT_FOUND);
}

void fail(struct probe_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tcelab-probe: %s\n", ctx->error);
}

/* -v: libbpf's debug output too (its default printer drops it). */
static int libbpf_print_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static int parse_roles(struct probe_ctx *ctx, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int r = role_by_name(p, len);

		if (r < 0) {
			fprintf(stderr, "tcelab-probe: unknown role '%.*s'\n", (int)len, p);
			return -EINVAL;
		}
		ctx->opts.roles[r] = true;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int parse_args(struct probe_ctx *ctx, int argc, char **argv)
{
	enum { O_STACK = 256, O_MODE, O_TIMING, O_EFFECTS, O_NO_STACKS, O_STRICT, O_LIST,
	       O_ATTACH_ONLY };
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "roles", required_argument, NULL, 'r' },
		{ "stack", required_argument, NULL, O_STACK },
		{ "mode", required_argument, NULL, O_MODE },
		{ "timing", required_argument, NULL, O_TIMING },
		{ "effects", no_argument, NULL, O_EFFECTS },
		{ "no-stacks", no_argument, NULL, O_NO_STACKS },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "list", no_argument, NULL, O_LIST },
		{ "attach-only", no_argument, NULL, O_ATTACH_ONLY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct probe_opts *o = &ctx->opts;
	const char *timing = getenv("TCELAB_TIMING");
	bool any_role = false;
	int opt, i;

	*o = (struct probe_opts){ .stack_auto = true, .mode = MODE_AUTO, .stacks = true };
	/* '+': stop at the command, whose own options are not ours. */
	while ((opt = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->json_path = optarg;
			break;
		case 'r':
			if (parse_roles(ctx, optarg))
				return -EINVAL;
			any_role = true;
			break;
		case O_STACK:
			o->stack_auto = !strcmp(optarg, "auto");
			if (!strcmp(optarg, "tcelab")) {
				o->stack = STACK_TCELAB;
			} else if (!strcmp(optarg, "upstream")) {
				o->stack = STACK_UPSTREAM;
			} else if (!o->stack_auto) {
				fprintf(stderr, "tcelab-probe: unknown stack '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case O_MODE:
			if (!strcmp(optarg, "fentry")) {
				o->mode = MODE_FENTRY;
			} else if (!strcmp(optarg, "kprobe")) {
				o->mode = MODE_KPROBE;
			} else if (!strcmp(optarg, "auto")) {
				o->mode = MODE_AUTO;
			} else {
				fprintf(stderr, "tcelab-probe: unknown mode '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case O_TIMING:
			timing = optarg;
			break;
		case O_EFFECTS:
			o->effects = true;
			break;
		case O_NO_STACKS:
			o->stacks = false;
			break;
		case O_STRICT:
			o->strict = true;
			break;
		case O_LIST:
			o->list = true;
			break;
		case O_ATTACH_ONLY:
			o->attach_only = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	i = timing && *timing ? tcelab_timing_find(timing) : TCELAB_TIMING_HOST;
	if (i < 0) {
		fprintf(stderr, "tcelab-probe: unknown timing mode '%s' (host, insns, icount)\n",
			timing);
		return -EINVAL;
	}
	o->timing = i;
	o->argv = optind < argc ? argv + optind : NULL;
	for (i = 0; i < TCELAB_NR_ROLES && !any_role; i++)
		o->roles[i] = true;
	return 0;
}

/* --- running the command ---------------------------------------------------------------------- */

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

/*
 * In the child, before exec: the `phase` map's descriptor stays open in COMMAND and its number
 * goes in TCELAB_PHASE_FD_ENV, so that COMMAND can mark its phases (include/tcelab/phase.h).
 */
static void hand_over_phase(struct probe_ctx *ctx)
{
	int fd = bpf_map__fd(ctx->skel->maps.phase);
	char num[16];

	if (fd < 0 || fcntl(fd, F_SETFD, 0)) {
		unsetenv(TCELAB_PHASE_FD_ENV);
		return;
	}
	snprintf(num, sizeof(num), "%d", fd);
	setenv(TCELAB_PHASE_FD_ENV, num, 1);
}

static int run_command(struct probe_ctx *ctx)
{
	char **argv = ctx->opts.argv;
	struct ring_buffer *rb = ctx->effects_rb;
	int status, err;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		err = -errno;
		fail(ctx, "fork: %s", strerror(-err));
		return err;
	}
	if (pid == 0) {
		hand_over_phase(ctx);
		execvp(argv[0], argv);
		err = errno;
		fprintf(stderr, "tcelab-probe: %s: %s\n", argv[0], strerror(err));
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
			fail(ctx, "waitpid: %s", strerror(-err));
			return err;
		}
		if (rb)
			ring_buffer__poll(rb, 20);
	}
	ctx->exit_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	return 0;
}

static int wait_for_signal(struct probe_ctx *ctx)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "tcelab-probe: attached (%s, %s stack); waiting for SIGINT/SIGTERM\n",
		mode_names[ctx->mode], stack_names[ctx->stack]);
	while (!stop_signal) {
		if (ctx->effects_rb)
			ring_buffer__poll(ctx->effects_rb, 100);
		else
			pause();
	}
	ctx->exit_status = 0;
	return 0;
}

/*
 * A mark in the kernel log, which timestamps it: `tcelab bench` reads the time from the guest's
 * start to the probes attached (boot_to_probe_s) from the run's dmesg.txt.
 */
static void mark_attached(void)
{
	static const char mark[] = "tcelab-probe: attached\n";
	int fd = open("/dev/kmsg", O_WRONLY);

	/* One write() a record: dprintf()'s stream may split it, which /dev/kmsg refuses. */
	if (fd >= 0) {
		if (write(fd, mark, sizeof(mark) - 1) < 0)
			fprintf(stderr, "tcelab-probe: /dev/kmsg: %s\n", strerror(errno));
		close(fd);
	}
}

const char *const step_names[] = {
	[STEP_KSYMS] = "ksyms",
	[STEP_LOAD] = "load",
	[STEP_ATTACH] = "attach",
	[STEP_COMMAND] = "command",
	[STEP_DETACH] = "detach",
	[STEP_COLLECT] = "collect",
};

void step_done(struct probe_ctx *ctx, enum probe_step step)
{
	static __u64 last;
	__u64 now = now_ns();

	ctx->steps_ns[step] += now - (last ?: now);
	last = now;
}

/* Attached for the whole of COMMAND (or until a signal), then detached. */
static int run_attached(struct probe_ctx *ctx)
{
	int err;

	err = attach_probes(ctx);
	if (err == -ENOTSUPP_KERNEL)
		err = fall_back_to_kprobes(ctx);
	step_done(ctx, STEP_ATTACH);
	if (!err) {
		mark_attached();
		err = ctx->opts.argv ? run_command(ctx) : wait_for_signal(ctx);
		step_done(ctx, STEP_COMMAND);
		ctx->wall_ns = ctx->steps_ns[STEP_COMMAND];
	}
	detach_probes(ctx);
	step_done(ctx, STEP_DETACH);
	return err;
}

int main(int argc, char **argv)
{
	/* Large (histograms of every role, slot and operation type): not for the stack. */
	struct probe_ctx *ctx = calloc(1, sizeof(*ctx));
	int err;

	if (!ctx) {
		fprintf(stderr, "tcelab-probe: out of memory\n");
		return EXIT_PROBE_ERROR;
	}
	ctx->exit_status = -1;
	ctx->stats_fd = -1;
	ctx->stats_sysctl_old = -1;
	if (parse_args(ctx, argc, argv))
		return EXIT_PROBE_ERROR;
	if (ctx->opts.verbose)
		libbpf_set_print(libbpf_print_all);

	step_done(ctx, STEP_KSYMS);	/* starts the clock */
	err = ksyms_load(ctx);
	if (err) {
		fail(ctx, "cannot read " KALLSYMS ": %s", strerror(-err));
		return EXIT_PROBE_ERROR;
	}
	err = resolve_roles(ctx);
	ctx->mode = choose_attach_mode(ctx);
	if (ctx->opts.list) {
		list_roles(ctx, stdout);
		return err ? EXIT_PROBE_ERROR : 0;
	}
	read_clocksource(ctx);
	if (!ctx->opts.argv && !ctx->opts.json_path)
		fprintf(stderr, "tcelab-probe: no command and no --json: summary only\n");

	step_done(ctx, STEP_KSYMS);
	if (!err) {
		err = load_probes(ctx);
		step_done(ctx, STEP_LOAD);
	}
	err = err ?: run_attached(ctx) ?: collect_results(ctx);
	step_done(ctx, STEP_COLLECT);
	/* Partial counts would be misleading: report none unless the whole run worked. */
	ctx->measured = !err && !ctx->opts.attach_only;
	if (ctx->measured)
		print_summary(ctx);
	else if (!err)
		fprintf(stderr, "tcelab-probe: attached only, nothing measured\n");
	if (ctx->opts.json_path && write_probe_json(ctx) && !err)
		err = -EIO;
	unload_probes(ctx);
	return err ? EXIT_PROBE_ERROR : ctx->exit_status;
}
