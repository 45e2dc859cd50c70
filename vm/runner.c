// SPDX-License-Identifier: GPL-2.0
/*
 * The guest runner: boots a target's QEMU guest with the job on the kernel command line and the
 * run directory shared over virtio-9p, watches it with a watchdog, then judges the results the
 * guest wrote to the share (never the console, which only serves for progress and for crashes
 * that kept the guest from writing anything).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guestlog.h"
#include "native.h"
#include "runner.h"
#include "lib/tap_parse.h"
#include "target.h"
#include "lib/util.h"
#include "reports/reports.h"

#define MAX_FAILURES 32
#define EXCERPT_LINES 30

struct failure {
	const char *kind;
	char *message;
	char *excerpt;
};

struct run {
	const struct run_opts *o;
	const struct target *t;
	char *id, *dir, *share;
	double guest_seconds;
	int qemu_status;
	int timed_out;
	struct failure failures[MAX_FAILURES];
	int nfail;
	cJSON *results;
};

const char *run_failure_kinds(void)
{
	return "qemu, timeout, no-results, kernel-warn, kernel-bug, kernel-oops, kernel-panic,\n"
	       "  kernel-hang, guest-exit, pinned-pages, module-unload, probe-mismatch, test-failure,\n"
	       "  backend-mismatch";
}

static void fail(struct run *r, const char *kind, const char *excerpt, const char *fmt, ...)
{
	struct failure *f;
	va_list ap;

	if (r->nfail == MAX_FAILURES)
		return;
	f = &r->failures[r->nfail++];
	f->kind = kind;
	va_start(ap, fmt);
	f->message = xvasprintf(fmt, ap);
	va_end(ap);
	f->excerpt = excerpt ? strdup(excerpt) : NULL;
}

static int has_failure(const struct run *r, const char *kind)
{
	int i;

	for (i = 0; i < r->nfail; i++)
		if (!strcmp(r->failures[i].kind, kind))
			return 1;
	return 0;
}

/* A small integer the guest wrote to a file on the share; -1 when absent. */
static long share_number(const struct run *r, const char *name)
{
	char *path = xasprintf("%s/%s", r->share, name), *text = read_file(path, NULL);
	long v = -1;

	if (text && *text)
		v = strtol(text, NULL, 10);
	free(text);
	free(path);
	return v;
}

static char *share_text(const struct run *r, const char *name)
{
	char *path = xasprintf("%s/%s", r->share, name), *text = read_file(path, NULL);

	free(path);
	return text;
}

static char *make_run_dir(struct run *r)
{
	const struct run_opts *o = r->o;
	char stamp[32], *dir;
	time_t now = time(NULL);
	int n;

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

static const char *kernel_path(const struct target *t, cJSON *versions)
{
	const cJSON *abi = cJSON_GetObjectItem(versions, "PPC_ABI");

	if (!strcmp(t->arch, "x86_64"))
		return xasprintf("%s/.cache/kernel/x86_64/vmlinux", tcelab_top());
	if (!cJSON_IsString(abi))
		die("no guest kernel recorded in .cache/versions.env: run 'make setup'");
	return xasprintf("%s/.cache/kernel/ppc64le/boot/vmlinux-%s", tcelab_top(), abi->valuestring);
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

/*
 * Run @argv with its output in @log and the watchdog on it; with -v, echo @echo_path as it grows
 * (the guest console, or the job log on a native run).
 */
static void spawn_and_watch(struct run *r, char **argv, const char *log, const char *echo_path)
{
	const struct run_opts *o = r->o;
	int timeout = o->timeout ? o->timeout : r->t->timeout, status = 0, fd;
	off_t echo_pos = 0;
	double start;
	pid_t pid, done;

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
		if (now_seconds() - start > timeout) {
			r->timed_out = 1;
			kill(-pid, SIGTERM);
			usleep(500000);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(50000);
	}
	r->guest_seconds = now_seconds() - start;
	r->qemu_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void boot(struct run *r, const struct boot *b, const char *qemu_log)
{
	struct argv a = {};
	cJSON *qemu;
	char *cmd;

	r->t->qemu_argv(r->t, b, &a);
	cmd = argv_join(&a);
	write_file(xasprintf("%s/qemu-cmdline.txt", r->dir), xasprintf("%s\n", cmd));
	qemu = cJSON_AddObjectToObject(r->results, "qemu");
	cJSON_AddStringToObject(qemu, "command", cmd);
	progress("boot %s guest, job '%s' (watchdog %d s)", r->t->name, r->o->job,
		 r->o->timeout ? r->o->timeout : r->t->timeout);
	spawn_and_watch(r, a.v, qemu_log, b->console);
	cJSON_AddNumberToObject(qemu, "exit_status", r->qemu_status);
}

/* --target native: the same job and checks, on this host's kernel. */
static void run_native(struct run *r, const char *arch, const char *log)
{
	const char *top = tcelab_top();
	char *script, *argv[] = { "sh", "-c", NULL, NULL };
	char *job_log = xasprintf("%s/job.log", r->share);

	setenv("TCELAB_OUT", r->share, 1);
	setenv("TCELAB_MODULE", xasprintf("%s/build/native/kmod/tcelab.ko", top), 1);
	setenv("TCELAB_TESTS", xasprintf("%s/build/%s/tests", top, arch), 1);
	setenv("PATH", xasprintf("%s/build/%s/bin:%s", top, arch, getenv("PATH") ?: "/usr/bin:/bin"), 1);
	script = xasprintf("echo 'tcelab: job %s start' >/dev/kmsg; sh '%s/vm/guest/jobs/%s' >'%s' 2>&1; "
			   "sh '%s/vm/guest/finish' $?", r->o->job, top, r->o->job, job_log, top);
	argv[2] = script;
	progress("run job '%s' natively on %s", r->o->job, arch);
	spawn_and_watch(r, argv, log, job_log);
}

static void check_kernel_log(struct run *r, const char *log, const char *source)
{
	static const char *const kinds[] = {
		[GUESTLOG_WARN] = "kernel-warn", [GUESTLOG_BUG] = "kernel-bug",
		[GUESTLOG_OOPS] = "kernel-oops", [GUESTLOG_PANIC] = "kernel-panic",
		[GUESTLOG_HANG] = "kernel-hang",
	};
	struct guestlog_hit hit;
	int reports = guestlog_count(log);

	cJSON_AddNumberToObject(cJSON_GetObjectItem(r->results, "guest"), "kernel_reports", reports);
	if (guestlog_scan(log, &hit) == GUESTLOG_NONE)
		return;
	fail(r, kinds[hit.kind], hit.excerpt, "%s in the guest (%s line %zu; %d report%s in all)",
	     guestlog_kind_name(hit.kind), source, hit.line, reports, reports == 1 ? "" : "s");
	free(hit.excerpt);
}

/* Every TAP file the guest's test job left in tap/. */
static void check_tests(struct run *r)
{
	char *dir = xasprintf("%s/tap", r->share);
	cJSON *tests, *programs;
	struct dirent **names;
	int n, i, passed = 0, failed = 0, skipped = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		free(dir);
		return;
	}
	tests = cJSON_AddObjectToObject(r->results, "tests");
	programs = cJSON_AddObjectToObject(tests, "programs");
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]->d_name), *text, *name;
		struct tap_result t;
		cJSON *p;

		if (names[i]->d_name[0] == '.' || !(text = read_file(path, NULL)))
			goto next;
		name = strndup(names[i]->d_name, strcspn(names[i]->d_name, "."));
		tap_parse(text, &t);
		p = cJSON_AddObjectToObject(programs, name);
		cJSON_AddNumberToObject(p, "planned", t.planned);
		cJSON_AddNumberToObject(p, "passed", t.passed);
		cJSON_AddNumberToObject(p, "failed", t.failed);
		cJSON_AddNumberToObject(p, "skipped", t.skipped);
		passed += t.passed;
		failed += t.failed;
		skipped += t.skipped;
		if (!tap_passed(&t))
			fail(r, "test-failure", tail_lines(text, EXCERPT_LINES),
			     "guest test %s: %d of %d planned ran, %d failed%s%s", name, t.ran,
			     t.planned, t.failed, t.bailed_out ? ", bailed out" : "",
			     t.planned < 0 ? ", no plan printed" : "");
		free(name);
		free(text);
next:
		free(path);
		free(names[i]);
	}
	free(names);
	free(dir);
	cJSON_AddNumberToObject(tests, "passed", passed);
	cJSON_AddNumberToObject(tests, "failed", failed);
	cJSON_AddNumberToObject(tests, "skipped", skipped);
}

static long json_count(const cJSON *obj, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItem(obj, a);

	if (b)
		v = cJSON_GetObjectItem(v, b);
	if (c)
		v = cJSON_GetObjectItem(v, c);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

static void check_suite(struct run *r);
static void check_backends(struct run *r, const cJSON *suite);

/* The probes must count exactly the pins and unpins the scenario made. */
static void check_probe(struct run *r)
{
	char *ppath = xasprintf("%s/probe.json", r->share);
	char *spath = xasprintf("%s/scenario.json", r->share);
	cJSON *probe = read_json(ppath), *scenario = read_json(spath);
	long pins, unpins, probe_pins, probe_unpins;

	if (path_exists(ppath) && !probe)
		fail(r, "probe-mismatch", NULL, "probe.json from the guest is not valid JSON");
	if (scenario)
		cJSON_AddItemToObject(r->results, "scenario", scenario);
	if (!probe)
		goto out;
	cJSON_AddItemToObject(r->results, "probe", probe);
	if (!scenario)
		goto out;
	pins = json_count(scenario, "pins", NULL, NULL);
	unpins = json_count(scenario, "unpins", NULL, NULL);
	probe_pins = json_count(probe, "roles", "pin", "count");
	probe_unpins = json_count(probe, "roles", "unpin", "count");
	if (pins != probe_pins || unpins != probe_unpins)
		fail(r, "probe-mismatch", NULL,
		     "the probes counted %ld pins and %ld unpins; the scenario made %ld and %ld",
		     probe_pins, probe_unpins, pins, unpins);
out:
	free(ppath);
	free(spath);
}

static void analyse(struct run *r, const char *console_path, const char *qemu_log)
{
	cJSON *guest = cJSON_AddObjectToObject(r->results, "guest");
	char *console = read_file(console_path, NULL), *dmesg, *text;
	long status, pinned, unload;

	if (!console)
		console = strdup("");
	if (r->timed_out)
		fail(r, "timeout", tail_lines(console, EXCERPT_LINES),
		     "the guest did not finish within %d s (watchdog); raise it with --timeout",
		     r->o->timeout ? r->o->timeout : r->t->timeout);
	else if (r->qemu_status) {
		text = read_file(qemu_log, NULL);
		fail(r, "qemu", text ? tail_lines(text, EXCERPT_LINES) : NULL,
		     "QEMU exited with status %d (log: %s)", r->qemu_status, qemu_log);
		free(text);
	}
	status = share_number(r, "status");
	if (status < 0 && !r->timed_out)
		fail(r, "no-results", tail_lines(console, EXCERPT_LINES),
		     "the guest wrote no job status to the results share (it crashed, or could not mount it)");

	/* The full dmesg comes over the share; a guest that died early left only its console. */
	dmesg = share_text(r, "dmesg.txt");
	if (dmesg) {
		char *marker = xasprintf("tcelab: job %s start", r->o->job), *from = dmesg, *m;

		/* Only what the kernel said since the job began: a native host's log is older. */
		while ((m = strstr(from, marker)))
			from = m + 1;
		if (from != dmesg)
			while (from > dmesg && from[-1] != '\n')
				from--;
		check_kernel_log(r, from, "dmesg.txt");
		write_file(xasprintf("%s/dmesg.txt", r->dir), from);
		free(marker);
		free(dmesg);
	} else {
		check_kernel_log(r, console, "console.log");
	}
	free(console);

	cJSON_AddNumberToObject(guest, "job_exit_status", status);
	text = share_text(r, "guest_kernel");
	if (text)
		cJSON_AddStringToObject(guest, "kernel", strtok(text, "\n") ?: "");
	free(text);
	if (status > 0) {
		text = share_text(r, "job.log");
		fail(r, "guest-exit", text ? tail_lines(text, EXCERPT_LINES) : NULL,
		     "guest job '%s' exited with status %ld (log: guest/job.log)", r->o->job, status);
		free(text);
	}
	pinned = share_number(r, "pinned_after");
	unload = share_number(r, "rmmod_status");
	cJSON_AddNumberToObject(guest, "pinned_after", pinned);
	cJSON_AddNumberToObject(guest, "module_unload_status", unload);
	if (pinned > 0)
		fail(r, "pinned-pages", NULL, "%ld page%s still pinned by tcelab.ko after the job",
		     pinned, pinned == 1 ? "" : "s");
	if (unload > 0)
		fail(r, "module-unload", NULL, "tcelab.ko would not unload after the job (rmmod status %ld)",
		     unload);
	check_tests(r);
	check_probe(r);
	check_suite(r);
}

/* The scenario suite's results (guest/suite.json, traces/suites/README.md), when it ran. */
static void check_suite(struct run *r)
{
	char *path = xasprintf("%s/suite.json", r->share);
	cJSON *suite = read_json(path);

	if (suite) {
		cJSON_AddItemToObject(r->results, "suite", suite);
		check_backends(r, suite);
	} else if (path_exists(path)) {
		fail(r, "guest-exit", NULL, "suite.json from the guest is not valid JSON");
	}
	free(path);
}

/* The kmod run of scenario @name@BACKEND (the name without its "@BACKEND"), or NULL. */
static const cJSON *kmod_twin(const cJSON *suite, const char *name)
{
	const char *at = strchr(name, '@');
	const cJSON *s;

	if (!at)
		return NULL;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(s, "scenario"));

		if (n && strlen(n) == (size_t)(at - name) && !strncmp(n, name, at - name))
			return s;
	}
	return NULL;
}

/*
 * The same trace on two backends must give every call the same return code: the expected
 * codes check each side, and this catches a difference on calls the trace has no code for.
 */
static int rets_agree(const cJSON *a, const cJSON *b)
{
	return cJSON_Compare(cJSON_GetObjectItem(a, "rets"), cJSON_GetObjectItem(b, "rets"), 1);
}

static void check_backends(struct run *r, const cJSON *suite)
{
	const cJSON *s, *twin;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(s, "scenario"));

		twin = name ? kmod_twin(suite, name) : NULL;
		if (twin && !rets_agree(s, twin))
			fail(r, "backend-mismatch", NULL, "%s: return codes differ from the kmod "
			     "backend's on the same trace (guest/suite/%s.json)", name, name);
	}
}

/* One line per scenario: ops, mismatches, user-space latency, balance. */
static void summary_suite(const cJSON *suite)
{
	const cJSON *s, *lat;
	long n = 0, ok = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		n++;
		ok += cJSON_IsTrue(cJSON_GetObjectItem(s, "ok"));
	}
	printf("  suite     %s: %ld of %ld scenarios passed\n",
	       cJSON_GetStringValue(cJSON_GetObjectItem(suite, "suite")) ?: "?", ok, n);
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		lat = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "latency_ns"), "all");
		printf("    %-20s %-4s %7ld ops %4ld mismatches  p50 %6.1f us  p99 %7.1f us  %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(s, "scenario")) ?: "?",
		       cJSON_IsTrue(cJSON_GetObjectItem(s, "ok")) ? "ok" : "FAIL",
		       json_count(s, "records", NULL, NULL), json_count(s, "mismatches", NULL, NULL),
		       json_count(lat, "p50", NULL, NULL) / 1e3, json_count(lat, "p99", NULL, NULL) / 1e3,
		       cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "balance"), "ok")) ?
		       "balanced" : "UNBALANCED");
	}
}

/* Each scenario replayed on another backend, beside its kmod run: the same trace, one boot. */
static void summary_side_by_side(const cJSON *suite)
{
	const cJSON *s, *twin, *a, *b;
	int header = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(s, "scenario"));

		twin = name ? kmod_twin(suite, name) : NULL;
		if (!twin)
			continue;
		if (!header++)
			printf("  side by side (same trace, one boot)  kmod p50 / p99 us    %-6s p50 / p99 us"
			       "  return codes\n", strchr(name, '@') + 1);
		a = cJSON_GetObjectItem(cJSON_GetObjectItem(twin, "latency_ns"), "all");
		b = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "latency_ns"), "all");
		printf("    %-34s %8.1f / %-9.1f %8.1f / %-9.1f  %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(twin, "scenario")),
		       json_count(a, "p50", NULL, NULL) / 1e3, json_count(a, "p99", NULL, NULL) / 1e3,
		       json_count(b, "p50", NULL, NULL) / 1e3, json_count(b, "p99", NULL, NULL) / 1e3,
		       rets_agree(s, twin) ? "identical" : "DIFFER");
	}
}

static char *git_commit(void)
{
	char *cmd = xasprintf("git -C '%s' describe --always --dirty 2>/dev/null", tcelab_top());
	char buf[128] = "unknown";
	FILE *p = popen(cmd, "r");

	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			strcpy(buf, "unknown");
		pclose(p);
	}
	free(cmd);
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

static void print_excerpt(const char *text)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		fprintf(stderr, "    | %.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
	}
}

static void summary(const struct run *r, int passed, const char *results_path)
{
	const cJSON *tests = cJSON_GetObjectItem(r->results, "tests");
	const cJSON *probe = cJSON_GetObjectItem(r->results, "probe");
	const cJSON *scenario = cJSON_GetObjectItem(r->results, "scenario");
	const cJSON *mode = cJSON_GetObjectItem(probe, "attach_mode");
	int i;

	printf("tcelab %s on %s: %s (guest %.1f s)\n", r->o->job, r->t->name,
	       passed ? "PASS" : "FAIL", r->guest_seconds);
	if (tests)
		printf("  tests     %ld passed, %ld failed\n", json_count(tests, "passed", NULL, NULL),
		       json_count(tests, "failed", NULL, NULL));
	if (scenario)
		printf("  scenario  %s: %ld pins, %ld unpins\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(scenario, "scenario")) ?: "?",
		       json_count(scenario, "pins", NULL, NULL),
		       json_count(scenario, "unpins", NULL, NULL));
	if (cJSON_GetObjectItem(r->results, "suite")) {
		summary_suite(cJSON_GetObjectItem(r->results, "suite"));
		summary_side_by_side(cJSON_GetObjectItem(r->results, "suite"));
	}
	if (probe)
		printf("  probes    %s: pin %ld, unpin %ld\n",
		       cJSON_GetStringValue(mode) ?: "?",
		       json_count(probe, "roles", "pin", "count"),
		       json_count(probe, "roles", "unpin", "count"));
	printf("  results   %s\n", results_path);
	for (i = 0; i < r->nfail; i++) {
		fprintf(stderr, "%s: %s\n", r->failures[i].kind, r->failures[i].message);
		if (r->failures[i].excerpt && *r->failures[i].excerpt)
			print_excerpt(r->failures[i].excerpt);
	}
}

int run_guest(const struct run_opts *o)
{
	struct run r = { .o = o };
	struct boot b = {};
	cJSON *versions, *failures;
	char *console, *qemu_log, *results_path, *cmdline, *json;
	const char *arch;
	int passed, i;

	r.t = target_find(o->target);
	if (!r.t)
		die("unknown target '%s' (targets: %s)", o->target, target_names());
	versions = read_env_file(xasprintf("%s/.cache/versions.env", tcelab_top()));
	if (r.t->arch) {
		arch = r.t->arch;
		b.kernel = kernel_path(r.t, versions);
		b.initrd = xasprintf("%s/build/%s/initramfs.cpio", tcelab_top(), arch);
		if (!path_exists(b.kernel))
			die("missing guest kernel %s: run 'make setup' (make run does it)", b.kernel);
		if (!path_exists(b.initrd))
			die("missing %s: run 'make build' (make run does it)", b.initrd);
	} else {
		const char *why = native_unsupported_reason();

		if (why)
			die("--target native runs on this host's own kernel, and it cannot load tcelab.ko: %s.\n"
			    "Use --target powernv9 to run in a QEMU POWER9 guest instead.", why);
		arch = native_arch();
		if (!o->check && !path_exists(xasprintf("%s/build/native/kmod/tcelab.ko", tcelab_top())))
			die("missing build/native/kmod/tcelab.ko: run 'make run TARGET=native'");
	}
	if (o->check) {
		printf("target %s can run here\n", r.t->name);
		return 0;
	}

	r.dir = make_run_dir(&r);
	r.share = xasprintf("%s/guest", r.dir);
	if (mkdir_p(r.share))
		die("cannot create %s: %s", r.share, strerror(errno));
	console = xasprintf("%s/console.log", r.dir);
	qemu_log = xasprintf("%s/qemu.log", r.dir);
	cmdline = xasprintf("%spanic=-1 tcelab.job=%s%s%s%s%s%s%s", o->verbose ? "" : "quiet ",
			    o->job, o->suite ? " tcelab.suite=" : "", o->suite ? o->suite : "",
			    o->backends ? " tcelab.backends=" : "", o->backends ? o->backends : "",
			    o->append ? " " : "", o->append ? o->append : "");
	b.cmdline = cmdline;
	b.share_dir = r.share;
	b.run_dir = r.dir;
	if (r.t->disk_mb) {
		char *disk = xasprintf("%s/disk.img", r.dir);
		int fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || ftruncate(fd, (off_t)r.t->disk_mb << 20))
			die("cannot create the scratch disk %s: %s", disk, strerror(errno));
		close(fd);
		free(disk);
	}
	b.console = console;
	b.cpus = o->cpus ? o->cpus : 2;
	b.mem_mb = 2048;

	r.results = cJSON_CreateObject();
	cJSON_AddStringToObject(r.results, "schema", "tcelab-run/1");
	cJSON_AddStringToObject(r.results, "run_id", r.id);
	cJSON_AddStringToObject(r.results, "target", r.t->name);
	cJSON_AddStringToObject(r.results, "arch", arch);
	cJSON_AddStringToObject(r.results, "job", o->job);
	cJSON_AddStringToObject(versions, "TCELAB_COMMIT", git_commit());
	cJSON_AddItemToObject(r.results, "versions", versions);

	if (r.t->arch)
		boot(&r, &b, qemu_log);
	else
		run_native(&r, arch, qemu_log);
	progress("guest finished in %.1f s; checking results", r.guest_seconds);
	analyse(&r, console, qemu_log);

	passed = r.nfail == 0;
	if (o->expect_failure) {
		/* Test-only: the harness proves it catches a failure of exactly this kind. */
		passed = has_failure(&r, o->expect_failure);
		cJSON_AddStringToObject(r.results, "expected_failure", o->expect_failure);
	}
	cJSON_AddNumberToObject(r.results, "guest_seconds", r.guest_seconds);
	cJSON_AddStringToObject(r.results, "verdict", r.nfail ? "fail" : "pass");
	failures = cJSON_AddArrayToObject(r.results, "failures");
	for (i = 0; i < r.nfail; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "kind", r.failures[i].kind);
		cJSON_AddStringToObject(f, "message", r.failures[i].message);
		if (r.failures[i].excerpt)
			cJSON_AddStringToObject(f, "excerpt", r.failures[i].excerpt);
		cJSON_AddItemToArray(failures, f);
	}
	results_path = xasprintf("%s/results.json", r.dir);
	json = cJSON_Print(r.results);
	if (write_file(results_path, xasprintf("%s\n", json)))
		die("cannot write %s: %s", results_path, strerror(errno));
	summary(&r, r.nfail == 0, results_path);
	/* History (not for the harness's self-tests), dashboard, exports, summary table. */
	report_after_run(r.dir, o->expect_failure != NULL);
	if (o->expect_failure)
		fprintf(stderr, "%s: expected failure '%s' %s\n", passed ? "PASS" : "FAIL",
			o->expect_failure, passed ? "was caught" : "was NOT caught");
	return passed ? 0 : 1;
}
