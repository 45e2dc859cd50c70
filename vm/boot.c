// SPDX-License-Identifier: GPL-2.0
/*
 * Booting a target's QEMU guest with the job on the kernel command line and the run directory
 * shared over virtio-9p, under a watchdog; or, for --target native, running the same job on
 * this host. What the guest wrote is judged by verdict.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <tcelab/timing.h>

#include "native.h"
#include "target.h"
#include "vm.h"
#include "lib/util.h"

#define RUN_DIR_MIN_FREE	(4ULL << 20)	/* a smoke run writes about 1 MiB, a suite more */

/*
 * The run directory @dir will be made (in its nearest existing ancestor) on a filesystem that
 * takes it: writable, with room for a run's results, logs and dashboard, so that a full disk
 * stops the run before the boot rather than losing the guest's results after it.
 */
static void check_run_dir_space(const char *dir)
{
	char *at = strdup(dir), *slash;
	struct statvfs fs;
	unsigned long long avail;

	while (!path_exists(at) && (slash = strrchr(at, '/')) && slash != at)
		*slash = 0;
	if (!path_exists(at))
		strcpy(at, strchr(dir, '/') == dir ? "/" : ".");
	if (access(at, W_OK))
		die("cannot write into %s (for %s): %s; choose another --out", at, dir,
		    strerror(errno));
	if (statvfs(at, &fs))
		die("cannot read the free space of %s: %s", at, strerror(errno));
	avail = (unsigned long long)fs.f_bavail * fs.f_frsize;
	if (avail < RUN_DIR_MIN_FREE)
		die("%s: only %llu KiB free on its filesystem, and a run writes several MiB "
		    "(logs, the guest's results, the dashboard): free some space or choose another "
		    "--out", dir, avail >> 10);
	free(at);
}

/* reports/<run-id>, or --out, which must be new or empty: results of two runs would mix. */
static char *new_run_dir(struct run *r)
{
	const struct run_opts *o = r->o;
	char stamp[32], *dir;
	time_t now = time(NULL);
	int n;

	check_run_dir_space(o->out ?: xasprintf("%s/reports", tcelab_top()));
	if (o->out) {
		if (!dir_is_empty(o->out))
			die("--out %s exists and is not empty: results would mix; name a new directory",
			    o->out);
		r->id = strdup(strrchr(o->out, '/') ? strrchr(o->out, '/') + 1 : o->out);
		return strdup(o->out);
	}
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	for (n = 1;; n++) {
		r->id = n == 1 ? xasprintf("%s-%s-%s", stamp, o->target, o->job)
			       : xasprintf("%s-%s-%s-%d", stamp, o->target, o->job, n);
		dir = xasprintf("%s/reports/%s", tcelab_top(), r->id);
		if (!path_exists(dir))
			return dir;
		free(dir);
		free(r->id);
	}
}

/* Copy what the console gained since last time to stderr (-v). */
static void echo_console(const char *path, off_t *pos)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return;
	lseek(fd, *pos, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, stderr);
		*pos += n;
	}
	close(fd);
}

/* SIGINT, SIGTERM or SIGHUP to tcelab while a guest runs: stop it, then judge what came back. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Run @argv with its output in @log and the watchdog on it; with -v, echo @echo_path as it grows
 * (the guest console, or the job log on a native run). A signal to tcelab stops the child's
 * whole process group too: QEMU must never outlive the run. With @booted_path, a guest that has
 * not created it (tcelab-init, once the results share is mounted) within the boot timeout hung
 * before the job: it is stopped and r->boot_hung set.
 */
static void spawn_and_watch(struct run *r, char **argv, const char *log, const char *echo_path,
			    const char *booted_path)
{
	const struct run_opts *o = r->o;
	int timeout = o->timeout ? o->timeout : r->t->timeout, status = 0, fd;
	int boot_timeout = o->boot_timeout ? o->boot_timeout : BOOT_TIMEOUT, booted = !booted_path;
	struct sigaction sa = { .sa_handler = on_stop_signal };
	off_t echo_pos = 0;
	double start;
	pid_t pid, done;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	start = now_seconds();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(0);
		open("/dev/null", O_RDONLY);
		/* Its own process group, so the watchdog ends everything it started. */
		setpgid(0, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (;;) {
		done = waitpid(pid, &status, WNOHANG);
		if (o->verbose)
			echo_console(echo_path, &echo_pos);
		if (done == pid)
			break;
		booted = booted || path_exists(booted_path);
		r->boot_hung = !booted && now_seconds() - start > boot_timeout;
		if (stop_signal || r->boot_hung || now_seconds() - start > timeout) {
			r->interrupted = stop_signal;
			r->timed_out = !stop_signal && !r->boot_hung;
			kill(-pid, SIGTERM);
			usleep(500000);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(50000);
	}
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	r->guest_seconds = now_seconds() - start;
	r->qemu_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * A boot that hung before the job, kept: its console as console-hang-N.log, in r->boot_hangs
 * for results.json; the file's name.
 */
static char *keep_hung_boot(struct run *r, const struct boot *b)
{
	char *name = xasprintf("console-hang-%d.log", cJSON_GetArraySize(r->boot_hangs) + 1);
	char *path = xasprintf("%s/%s", r->dir, name), *console = read_file(b->console, NULL);
	cJSON *h = cJSON_CreateObject();

	if (rename(b->console, path))
		die("cannot keep the hung boot's console as %s: %s", path, strerror(errno));
	cJSON_AddStringToObject(h, "console", name);
	cJSON_AddNumberToObject(h, "seconds", r->guest_seconds);
	cJSON_AddStringToObject(h, "excerpt", tail_lines(console ?: "", 5));
	cJSON_AddItemToArray(r->boot_hangs, h);
	free(path), free(console);
	return name;
}

/*
 * Boot, and boot again when the guest hung before reaching its job, at most --boot-retries
 * times, as LAVA's failure_retry does: QEMU's TCG hung in about one boot in a few hundred
 * here, before init ran, and one such boot must not fail a hundred-boot CI run. Every hang is
 * kept and reported; when the last boot hangs too, the run fails (boot-hang).
 */
static void boot_qemu(struct run *r, const struct boot *b)
{
	const struct run_opts *o = r->o;
	char *booted = xasprintf("%s/booted", r->share), *hung;
	struct argv a = {};

	r->t->qemu_argv(r->t, b, &a);
	r->qemu_command = argv_join(&a);
	if (write_file(xasprintf("%s/qemu-cmdline.txt", r->dir), xasprintf("%s\n", r->qemu_command)))
		die("cannot write %s/qemu-cmdline.txt: %s", r->dir, strerror(errno));
	r->boot_hangs = cJSON_CreateArray();
	for (;;) {
		progress("boot %s guest, job '%s' (watchdog %d s)", r->t->name, o->job,
			 o->timeout ? o->timeout : r->t->timeout);
		spawn_and_watch(r, a.v, r->qemu_log, b->console, booted);
		if (!r->boot_hung || cJSON_GetArraySize(r->boot_hangs) >= o->boot_retries)
			break;
		hung = keep_hung_boot(r, b);
		progress("the guest did not reach its job within %d s, a boot hang (console kept as "
			 "%s/%s): booting again, retry %d of %d", o->boot_timeout ?: BOOT_TIMEOUT,
			 r->dir, hung, cJSON_GetArraySize(r->boot_hangs), o->boot_retries);
		free(hung);
	}
	free(booted);
}

/* --target native: the same job and checks, on this host's kernel. */
static void run_native(struct run *r)
{
	const char *top = tcelab_top();
	char *script, *argv[] = { "sh", "-c", NULL, NULL };
	char *job_log = xasprintf("%s/job.log", r->share);

	setenv("TCELAB_OUT", r->share, 1);
	setenv("TCELAB_TIMING", tcelab_timings[r->timing].name, 1);
	setenv("TCELAB_MODULE", xasprintf("%s/build/native/kmod/tcelab.ko", top), 1);
	setenv("TCELAB_TESTS", xasprintf("%s/build/%s/tests", top, r->arch), 1);
	setenv("PATH", xasprintf("%s/build/%s/bin:%s", top, r->arch,
				 getenv("PATH") ?: "/usr/bin:/bin"), 1);
	script = xasprintf("echo 'tcelab: job %s start' >/dev/kmsg; sh '%s/vm/guest/jobs/%s' >'%s' 2>&1; "
			   "sh '%s/vm/guest/finish' $?", r->o->job, top, r->o->job, job_log, top);
	argv[2] = script;
	progress("run job '%s' natively on %s", r->o->job, r->arch);
	spawn_and_watch(r, argv, r->qemu_log, job_log, NULL);
}

/*
 * Whether job @job says "# timing: host" (vm/guest/jobs/): a functional job, whose latencies
 * nobody reads, runs on host time and so with every vCPU instead of a measuring mode.
 */
static int job_wants_host_timing(const char *job)
{
	char *text = read_file(xasprintf("%s/vm/guest/jobs/%s", tcelab_top(), job), NULL);
	int host = text && strstr(text, "\n# timing: host");

	free(text);
	return host;
}

/*
 * --timing, or the job's, or the target's default; one the target cannot run is an error
 * naming those it can.
 */
static int settle_timing(const struct target *t, const struct run_opts *o)
{
	char names[64] = "";
	int timing = o->timing ? tcelab_timing_find(o->timing) :
		     job_wants_host_timing(o->job) ? TCELAB_TIMING_HOST : t->default_timing, i;

	for (i = 0; i < TCELAB_NR_TIMINGS; i++)
		if (t->timings & (1u << i))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? ", " : "", tcelab_timings[i].name);
	if (timing < 0)
		die("unknown --timing '%s' (on %s: %s)", o->timing, t->name, names);
	if (!(t->timings & (1u << timing)))
		die("--timing %s cannot run on %s (it can: %s)%s", o->timing, t->name, names,
		    timing == TCELAB_TIMING_ICOUNT ? ": Debian 12's QEMU aborts powernv under -icount" :
		    timing == TCELAB_TIMING_INSNS ? ": QEMU's TCG emulates no x86 PMU" : "");
	if (timing == TCELAB_TIMING_ICOUNT && o->cpus > 1)
		die("--timing icount runs one vCPU (QEMU stalls with more): drop --cpus %d, or use "
		    "--timing host", o->cpus);
	return timing;
}

void run_prepare(struct run *r, const struct run_opts *o)
{
	const char *why;

	r->o = o;
	r->t = target_find(o->target);
	if (!r->t)
		die("unknown target '%s' (targets: %s)", o->target, target_names());
	r->timing = settle_timing(r->t, o);
	r->versions = read_env_file(xasprintf("%s/.cache/versions.env", tcelab_top()));
	if (r->t->arch) {
		r->arch = r->t->arch;
		run_select_kernel(r);
		return;
	}
	if (o->kernel)
		die("--kernel boots your kernel in a QEMU target; --target native runs on this host's "
		    "own kernel");
	why = native_unsupported_reason();
	if (why)
		die_status(TCELAB_EXIT_SKIP, "--target native runs on this host's own kernel, and it "
			   "cannot load tcelab.ko: %s.\n"
			   "Use --target powernv9 to run in a QEMU POWER9 guest instead.", why);
	r->arch = native_arch();
	if (!o->check && !path_exists(xasprintf("%s/build/native/kmod/tcelab.ko", tcelab_top())))
		die("missing build/native/kmod/tcelab.ko: run 'make run TARGET=native'");
}

void run_make_dir(struct run *r)
{
	r->dir = new_run_dir(r);
	r->share = xasprintf("%s/guest", r->dir);
	if (mkdir_p(r->share))
		die("cannot create %s: %s", r->share, strerror(errno));
	r->console = xasprintf("%s/console.log", r->dir);
	r->qemu_log = xasprintf("%s/qemu.log", r->dir);
}

void run_boot_params(const struct run *r, struct boot *b)
{
	const struct run_opts *o = r->o;

	*b = (struct boot){
		.kernel = r->kernel, .initrd = r->initrd, .share_dir = r->share,
		.run_dir = r->dir, .console = r->console, .cpus = o->cpus ? o->cpus : 2,
		.mem_mb = 2048, .timing = r->timing,
	};
	if (r->timing == TCELAB_TIMING_ICOUNT)
		b->cpus = 1;
	/*
	 * cryptomgr.notests: the crypto self-tests took half a second of a TCG boot (kdf108's
	 * hmac(sha256), the deferred algorithm tests) and test nothing of the TCE path.
	 */
	b->cmdline = xasprintf("%spanic=-1 cryptomgr.notests=1 tcelab.job=%s tcelab.timing=%s%s%s%s%s%s%s",
			       o->verbose ? "" : "quiet ", o->job, tcelab_timings[r->timing].name,
			       o->suite ? " tcelab.suite=" : "", o->suite ? o->suite : "",
			       o->backends ? " tcelab.backends=" : "", o->backends ? o->backends : "",
			       o->append ? " " : "", o->append ? o->append : "");
	if (r->t->disk_mb) {
		char *disk = xasprintf("%s/disk.img", r->dir);
		int fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || ftruncate(fd, (off_t)r->t->disk_mb << 20))
			die("cannot create the scratch disk %s: %s", disk, strerror(errno));
		close(fd);
		free(disk);
	}
}

void run_boot(struct run *r)
{
	struct boot b;

	if (!r->t->arch) {
		run_native(r);
		return;
	}
	run_boot_params(r, &b);
	boot_qemu(r, &b);
}
