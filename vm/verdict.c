// SPDX-License-Identifier: GPL-2.0
/*
 * The verdict: what the guest wrote to its share (never the console, which only serves for
 * crashes that kept the guest from writing anything) becomes results.json and the run's
 * failures. Every document is loaded through lib/json.c with its schema id.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/schema.h>
#include <tcelab/timing.h>

#include "guestlog.h"
#include "target.h"
#include "verdict.h"
#include "vm.h"
#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/tap_parse.h"
#include "lib/util.h"

#define EXCERPT_LINES 30

const char *run_failure_kinds(void)
{
	return "interrupted, qemu, engine, timeout, boot-hang, no-results, kernel-warn, kernel-bug, kernel-oops, kernel-panic,\n"
	       "  kernel-hang, guest-exit, pinned-pages, live-allocations, module-unload, probe-mismatch,\n"
	       "  test-failure, backend-mismatch, probe-leak, probe-double-release, probe-not-dirtied,\n"
	       "  patch-not-loaded, diff-undeclared, effects-mismatch";
}

static void fail(struct run *r, const char *kind, const char *excerpt, const char *fmt, ...)
{
	struct run_failure *f;
	va_list ap;

	if (r->nfail == RUN_MAX_FAILURES)
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

/*
 * Each result of a program as results.json keeps it: {n, name, status[, reason][, excerpt]};
 * the excerpt (what led to a result that did not pass) is what the CI formats report.
 */
static cJSON *test_points(const struct tap_result *t)
{
	cJSON *points = cJSON_CreateArray();
	int i;

	for (i = 0; i < t->nr_points; i++) {
		const struct tap_point *pt = &t->points[i];
		cJSON *p = cJSON_CreateObject();

		cJSON_AddNumberToObject(p, "n", pt->number);
		cJSON_AddStringToObject(p, "name", pt->description);
		cJSON_AddStringToObject(p, "status", tap_status_name(pt->status));
		if (pt->reason)
			cJSON_AddStringToObject(p, "reason", pt->reason);
		if (pt->excerpt)
			cJSON_AddStringToObject(p, "excerpt", pt->excerpt);
		cJSON_AddItemToArray(points, p);
	}
	return points;
}

/* Every KTAP (or TAP) file the guest's test job left in tap/. */
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
		cJSON_AddNumberToObject(p, "ran", t.ran);
		cJSON_AddBoolToObject(p, "bailed_out", t.bailed_out);
		if (t.skip_reason)
			cJSON_AddStringToObject(p, "skip_reason", t.skip_reason);
		cJSON_AddItemToObject(p, "points", test_points(&t));
		passed += t.passed;
		failed += t.failed;
		skipped += t.skipped;
		if (!tap_passed(&t)) {
			cJSON_AddStringToObject(p, "excerpt", tail_lines(text, EXCERPT_LINES));
			fail(r, "test-failure", tail_lines(text, EXCERPT_LINES),
			     "guest test %s: %d of %d planned ran, %d failed%s%s", name, t.ran,
			     t.planned, t.failed, t.bailed_out ? ", bailed out" : "",
			     t.planned < 0 ? ", no plan printed" : "");
		}
		tap_result_free(&t);
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

long json_count(const cJSON *obj, const char *a, const char *b, const char *c)
{
	const cJSON *v = cJSON_GetObjectItem(obj, a);

	if (b)
		v = cJSON_GetObjectItem(v, b);
	if (c)
		v = cJSON_GetObjectItem(v, c);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}


/* The probes must count exactly the pins and unpins the scenario made. */
static void check_probe(struct run *r)
{
	char *ppath = xasprintf("%s/probe.json", r->share);
	char *spath = xasprintf("%s/scenario.json", r->share);
	char err[512];
	cJSON *probe = NULL, *scenario = json_load(spath, SCHEMA_SMOKE, err, sizeof(err));
	struct probe_totals t;
	long pins, unpins;

	if (!scenario && path_exists(spath))
		fail(r, "guest-exit", NULL, "%s", err);
	if (path_exists(ppath) && !(probe = probe_doc_load(ppath, err, sizeof(err))))
		fail(r, "probe-mismatch", NULL, "%s", err);
	if (scenario)
		cJSON_AddItemToObject(r->results, "scenario", scenario);
	if (!probe)
		goto out;
	cJSON_AddItemToObject(r->results, "probe", probe);
	if (!scenario)
		goto out;
	probe_doc_totals(probe, &t);
	pins = json_count(scenario, "pins", NULL, NULL);
	unpins = json_count(scenario, "unpins", NULL, NULL);
	if (pins != t.pin_calls || unpins != t.unpin_calls)
		fail(r, "probe-mismatch", NULL,
		     "the probes counted %lld pins and %lld unpins; the scenario made %ld and %ld",
		     t.pin_calls, t.unpin_calls, pins, unpins);
out:
	free(ppath);
	free(spath);
}

/*
 * The frames of the largest group of the ledger's @section (leaks, double_releases), one a
 * line, for the failure's excerpt.
 */
static char *frames_excerpt(const cJSON *frames)
{
	const cJSON *frame;
	char *text = strdup(""), *more;

	cJSON_ArrayForEach(frame, frames) {
		more = xasprintf("%s%s\n", text, cJSON_GetStringValue(frame) ?: "?");
		free(text);
		text = more;
	}
	return text;
}

static char *ledger_excerpt(const cJSON *probe, const char *section)
{
	return frames_excerpt(probe_doc_top_stack(probe, section));
}

/*
 * The probes' dirty check (probe/SCHEMA.md `dirty`) over @n documents: a page the device could
 * write (mapped DMA_FROM_DEVICE or DMA_BIDIRECTIONAL) released without being dirtied may lose
 * what the device wrote. @where names the documents; the excerpt is the last such release's
 * stack in @last, the document that saw one.
 */
static void fail_not_dirtied(struct run *r, const char *where, long long not_dirtied,
			     long long checked, const cJSON *last)
{
	const cJSON *frames = cJSON_GetObjectItem(cJSON_GetObjectItem(last, "dirty"), "last_frames");
	const cJSON *frame, *caller = NULL;
	char *excerpt = frames_excerpt(frames);

	/* The exchange's caller: the frame after the first that names an exchange. */
	cJSON_ArrayForEach(frame, frames)
		if (cJSON_IsString(frame) && strstr(frame->valuestring, "xchg")) {
			caller = frame->next;
			break;
		}
	fail(r, "probe-not-dirtied", excerpt,
	     "%s: the probes saw %lld of %lld device-writable page releases leave the page clean "
	     "(mapped DMA_FROM_DEVICE or DMA_BIDIRECTIONAL, PG_dirty not set when the exchange "
	     "returned), the last by %s", where, not_dirtied, checked,
	     cJSON_GetStringValue(caller ?: cJSON_GetArrayItem(frames, 0)) ?: "an unrecorded stack");
	free(excerpt);
}

/*
 * Every probe document at the top of the share (probe.json, probe-upstream.json, ...): a page
 * still in a ledger after the job is a leak, named with the stack that pinned it; a page
 * released that the ledger did not hold was released twice (or pinned before the probes
 * attached: jobs trace whole container lifetimes).
 */
static void check_probe_ledgers(struct run *r)
{
	struct dirent **names;
	int n, i;

	n = scandir(r->share, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *path = xasprintf("%s/%s", r->share, name), err[512], *excerpt;
		struct probe_totals t;
		cJSON *probe;
		size_t len = strlen(name);

		if (strncmp(name, "probe", 5) || len < 5 || strcmp(name + len - 5, ".json"))
			goto next;
		probe = probe_doc_load(path, err, sizeof(err));
		if (!probe)
			goto next;	/* check_probe() reports an unreadable probe.json */
		probe_doc_totals(probe, &t);
		if (t.leaked_pages > 0) {
			excerpt = ledger_excerpt(probe, "leaks");
			fail(r, "probe-leak", excerpt,
			     "guest/%s: the probes found %lld page%s leaked (%lld pins), first pinned by %s",
			     name, t.leaked_pages, t.leaked_pages == 1 ? "" : "s", t.leaked_pins,
			     probe_doc_top_frame(probe, "leaks") ?: "an unrecorded stack");
			free(excerpt);
		}
		if (t.not_dirtied > 0) {
			excerpt = xasprintf("guest/%s", name);
			fail_not_dirtied(r, excerpt, t.not_dirtied, t.dirty_checked, probe);
			free(excerpt);
		}
		if (t.double_releases > 0) {
			excerpt = ledger_excerpt(probe, "double_releases");
			fail(r, "probe-double-release", excerpt,
			     "guest/%s: the probes saw %lld release%s of pages not pinned (released twice), "
			     "first by %s", name, t.double_releases, t.double_releases == 1 ? "" : "s",
			     probe_doc_top_frame(probe, "double_releases") ?: "an unrecorded stack");
			free(excerpt);
		}
		cJSON_Delete(probe);
next:
		free(path);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

/*
 * vm/guest/finish's allocs_after: "TYPE N" per type of tcelab.ko's live objects, and
 * "total N". An object left after the job is one the module lost track of (or that a process
 * still holds open): live-allocations, naming each type left.
 */
static void check_allocs(struct run *r, cJSON *guest)
{
	char *text = share_text(r, "allocs_after"), *line, *save = NULL, *left = strdup(""), *more;
	cJSON *allocs;
	char name[64];
	long n, total = 0;

	if (!text)
		goto out;
	allocs = cJSON_AddObjectToObject(guest, "live_allocations");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %ld", name, &n) != 2)
			continue;
		cJSON_AddNumberToObject(allocs, name, n);
		if (!strcmp(name, "total")) {
			total = n;
		} else if (n) {
			more = xasprintf("%s%s%s %ld", left, *left ? ", " : "", name, n);
			free(left);
			left = more;
		}
	}
	if (total > 0)
		fail(r, "live-allocations", NULL, "tcelab.ko still held %ld object%s after the job: %s",
		     total, total == 1 ? "" : "s", left);
out:
	free(text);
	free(left);
}

static void check_guest(struct run *r)
{
	cJSON *guest = cJSON_AddObjectToObject(r->results, "guest");
	char *console = read_file(r->console, NULL), *dmesg, *text;
	long status, pinned, unload;

	if (!console)
		console = strdup("");
	if (r->interrupted)
		fail(r, "interrupted", tail_lines(console, EXCERPT_LINES),
		     "tcelab was stopped by signal %d (%s) after %.1f s: the guest was stopped and "
		     "the run is incomplete", r->interrupted, strsignal(r->interrupted),
		     r->guest_seconds);
	else if (r->timed_out)
		fail(r, "timeout", tail_lines(console, EXCERPT_LINES),
		     "the guest did not finish within %d s (watchdog); raise it with --timeout",
		     r->o->timeout ? r->o->timeout : r->t->timeout);
	else if (r->boot_hung)
		fail(r, "boot-hang", tail_lines(console, EXCERPT_LINES),
		     "the guest did not reach its job within %d s in %d boot%s: it hung before init "
		     "(a slow kernel: raise --boot-timeout)", r->o->boot_timeout ?: BOOT_TIMEOUT,
		     cJSON_GetArraySize(r->boot_hangs) + 1,
		     cJSON_GetArraySize(r->boot_hangs) ? "s" : "");
	else if (r->qemu_status) {
		text = read_file(r->qemu_log, NULL);
		fail(r, "qemu", text ? tail_lines(text, EXCERPT_LINES) : NULL,
		     "QEMU exited with status %d (log: %s)", r->qemu_status, r->qemu_log);
		free(text);
	} else if (r->engine_error) {
		fail(r, "engine", NULL, "the LAVA job failed: %s (log: %s)", r->engine_error,
		     r->qemu_log);
	}
	status = share_number(r, "status");
	if (status < 0 && !r->timed_out && !r->interrupted && !r->boot_hung)
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
	check_allocs(r, guest);
	if (unload > 0)
		fail(r, "module-unload", NULL, "tcelab.ko would not unload after the job (rmmod status %ld)",
		     unload);
}


/* The kmod run of scenario @name@BACKEND (the name without its "@BACKEND"), or NULL. */
const cJSON *kmod_twin(const cJSON *suite, const char *name)
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
int rets_agree(const cJSON *a, const cJSON *b)
{
	return cJSON_Compare(cJSON_GetObjectItem(a, "rets"), cJSON_GetObjectItem(b, "rets"), 1);
}

/*
 * What each call did to which TCE entry on another backend, against the kmod run of the same
 * trace (tcelab-replay --suite: "effects_vs_kmod"): an undeclared difference fails the run.
 * Effects that could not be compared (more exchanges than the probes keep, several threads)
 * are said so in the summary, not a failure: nothing was found to differ.
 */
static void check_effects(struct run *r, const char *name, const cJSON *s)
{
	const cJSON *cmp = cJSON_GetObjectItem(s, "effects_vs_kmod");
	const cJSON *first = cJSON_GetObjectItem(cmp, "first");
	const char *be = cJSON_GetStringValue(cJSON_GetObjectItem(s, "backend"));

	if (cJSON_IsObject(first))
		fail(r, "effects-mismatch", NULL, "%s: what the calls did to the TCE entries differs "
		     "from the kmod backend's on the same trace, first at %s:%ld (%s, entry %s): "
		     "kmod %s, %s %s; %ld of %ld effects differ (guest/suite.json)", name,
		     json_str_at(first, "trace"), json_count(first, "line", NULL, NULL),
		     json_str_at(first, "op"), json_str_at(first, "entry"),
		     json_str_at(first, "kmod"), be ? be : "?", be ? json_str_at(first, be) : "?",
		     json_count(cmp, "differences", NULL, NULL),
		     json_count(cmp, "differences", NULL, NULL) +
		     json_count(cmp, "compared", NULL, NULL) + json_count(cmp, "declared", NULL, NULL));
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
		if (twin)
			check_effects(r, name, s);
	}
}

/* The dirty check of every scenario's probes, one failure for the suite. */
static void check_suite_dirty(struct run *r, const cJSON *suite)
{
	long long not_dirtied = 0, checked = 0;
	const cJSON *s, *last = NULL;
	struct probe_totals t;
	int scenarios = 0;
	char *where;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		const cJSON *probe = cJSON_GetObjectItem(s, "probe");

		if (!cJSON_IsObject(probe))
			continue;
		probe_doc_totals(probe, &t);
		checked += t.dirty_checked > 0 ? t.dirty_checked : 0;
		if (t.not_dirtied <= 0)
			continue;
		not_dirtied += t.not_dirtied;
		scenarios++;
		last = probe;
	}
	if (!not_dirtied)
		return;
	where = xasprintf("guest/suite.json: %d scenario%s", scenarios, scenarios == 1 ? "" : "s");
	fail_not_dirtied(r, where, not_dirtied, checked, last);
	free(where);
}

/* The scenario suite's results (guest/suite.json, traces/suites/README.md), when it ran. */
static void check_suite(struct run *r)
{
	char *path = xasprintf("%s/suite.json", r->share), err[512];
	cJSON *suite = json_load(path, SCHEMA_SUITE, err, sizeof(err));

	if (suite) {
		cJSON_AddItemToObject(r->results, "suite", suite);
		check_backends(r, suite);
		check_suite_dirty(r, suite);
	} else if (path_exists(path)) {
		fail(r, "guest-exit", NULL, "%s", err);
	}
	free(path);
}

/*
 * The fuzz job's counts (guest/fuzz.json, tests/guest/kmod_fuzz.c), kept in results.json for
 * the summary; its pass or fail is the KTAP output's, the kernel log's and the balance's.
 */
static void check_fuzz(struct run *r)
{
	char *path = xasprintf("%s/fuzz.json", r->share), err[512];
	cJSON *fuzz = json_load(path, SCHEMA_FUZZ, err, sizeof(err));

	if (fuzz)
		cJSON_AddItemToObject(r->results, "fuzz", fuzz);
	else if (path_exists(path))
		fail(r, "guest-exit", NULL, "%s", err);
	free(path);
}

/*
 * The differential's results (guest/diff.json, job diff: kmod/README.md): a divergence from
 * the upstream stack that kmod/DIFFERENCES.md does not declare fails the run.
 */
static void check_diff(struct run *r)
{
	char *path = xasprintf("%s/diff.json", r->share), err[512];
	cJSON *diff = json_load(path, SCHEMA_DIFF, err, sizeof(err));
	const cJSON *first;
	long undeclared;

	if (diff) {
		undeclared = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(diff, "undeclared"));
		first = cJSON_GetArrayItem(cJSON_GetObjectItem(diff, "divergences"), 0);
		if (undeclared)
			fail(r, "diff-undeclared", NULL, "%ld divergence%s from the upstream stack "
			     "that kmod/DIFFERENCES.md does not declare (seed %.0f), the first: %s "
			     "%s upstream=%s tcelab=%s (guest/job.log shows each, minimized)",
			     undeclared, undeclared == 1 ? "" : "s",
			     cJSON_GetNumberValue(cJSON_GetObjectItem(diff, "seed")),
			     cJSON_GetStringValue(cJSON_GetObjectItem(first, "key")) ?: "?",
			     cJSON_GetStringValue(cJSON_GetObjectItem(first, "op")) ?: "?",
			     cJSON_GetStringValue(cJSON_GetObjectItem(first, "upstream")) ?: "?",
			     cJSON_GetStringValue(cJSON_GetObjectItem(first, "tcelab")) ?: "?");
		cJSON_AddItemToObject(r->results, "diff", diff);
	} else if (path_exists(path)) {
		fail(r, "guest-exit", NULL, "%s", err);
	}
	free(path);
}

/*
 * --patch, --rebuild: the guest must have run the rebuilt modules. vm/guest/finish writes
 * patched-loaded, "NAME BUILD-ID" per module of etc/tcelab/patched as the kernel has it
 * ("-" when not loaded), and each must be the rebuilt one's.
 */
static void check_patched(struct run *r)
{
	char *loaded = share_text(r, "patched-loaded");
	cJSON *mod;

	cJSON_ArrayForEach(mod, cJSON_GetObjectItem(r->patch, "modules")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(mod, "name"));
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(mod, "build_id"));
		char *want = xasprintf("%s %s\n", name, id), *line = xasprintf("\n%s", want);
		bool ok = loaded && (!strncmp(loaded, want, strlen(want)) || strstr(loaded, line));

		cJSON_AddBoolToObject(mod, "loaded", ok);
		if (!ok && loaded)
			fail(r, "patch-not-loaded", loaded,
			     "the guest did not run the rebuilt %s (build id %s): its job did not load "
			     "it, or loaded another (guest/patched-loaded)", name, id);
		free(want);
		free(line);
	}
	if (!loaded && share_number(r, "status") >= 0)
		fail(r, "patch-not-loaded", NULL, "the guest wrote no guest/patched-loaded: the "
		     "initramfs it booted did not carry the rebuilt modules");
	cJSON_AddItemToObject(r->results, "patch", r->patch);
	free(loaded);
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

void run_judge(struct run *r)
{
	cJSON *qemu, *failures, *timing;
	int i;

	progress("guest finished in %.1f s; checking results", r->guest_seconds);
	r->results = cJSON_CreateObject();
	cJSON_AddStringToObject(r->results, "schema", SCHEMA_RUN);
	cJSON_AddStringToObject(r->results, "run_id", r->id);
	cJSON_AddStringToObject(r->results, "target", r->t->name);
	cJSON_AddStringToObject(r->results, "arch", r->arch);
	cJSON_AddStringToObject(r->results, "job", r->o->job);
	timing = cJSON_AddObjectToObject(r->results, "timing");
	cJSON_AddStringToObject(timing, "mode", tcelab_timings[r->timing].name);
	cJSON_AddStringToObject(timing, "unit", tcelab_timings[r->timing].unit);
	cJSON_AddStringToObject(timing, "what", tcelab_timings[r->timing].what);
	cJSON_AddStringToObject(r->versions, "TCELAB_COMMIT", git_commit());
	cJSON_AddItemToObject(r->results, "versions", r->versions);
	if (r->qemu_command) {
		qemu = cJSON_AddObjectToObject(r->results, "qemu");
		cJSON_AddStringToObject(qemu, "command", r->qemu_command);
		cJSON_AddNumberToObject(qemu, "exit_status", r->qemu_status);
	}
	if (r->engine)
		cJSON_AddItemToObject(r->results, "engine", r->engine);
	check_guest(r);
	check_tests(r);
	check_probe(r);
	check_probe_ledgers(r);
	check_suite(r);
	check_fuzz(r);
	check_diff(r);
	if (r->patch)
		check_patched(r);
	if (r->kernel_info)
		cJSON_AddItemToObject(r->results, "kernel", run_kernel_record(r));
	if (r->o->expect_failure)
		cJSON_AddStringToObject(r->results, "expected_failure", r->o->expect_failure);
	cJSON_AddNumberToObject(r->results, "guest_seconds", r->guest_seconds);
	if (cJSON_GetArraySize(r->boot_hangs))
		cJSON_AddItemReferenceToObject(r->results, "boot_hangs", r->boot_hangs);
	/* Stopped from outside: what came back is kept, but nothing was judged. */
	cJSON_AddStringToObject(r->results, "verdict", r->interrupted ? "incomplete" :
				r->nfail ? "fail" : "pass");
	failures = cJSON_AddArrayToObject(r->results, "failures");
	for (i = 0; i < r->nfail; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "kind", r->failures[i].kind);
		cJSON_AddStringToObject(f, "message", r->failures[i].message);
		if (r->failures[i].excerpt)
			cJSON_AddStringToObject(f, "excerpt", r->failures[i].excerpt);
		cJSON_AddItemToArray(failures, f);
	}
}

/* results.json's one writer: cJSON's printer, through a temporary file renamed over it. */
void run_write_results(struct run *r)
{
	char *json = cJSON_Print(r->results), *text = xasprintf("%s\n", json ?: "");

	r->results_path = xasprintf("%s/results.json", r->dir);
	if (!json || replace_file(r->results_path, text, strlen(text)))
		die("cannot write %s: %s", r->results_path, strerror(errno));
	free(json);
	free(text);
}

/* Each kind of a comma-separated list was reported. */
static int has_failures(const struct run *r, const char *kinds)
{
	char *list = strdup(kinds), *save = NULL, *k;
	int all = 1;

	for (k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save))
		all &= has_failure(r, k);
	free(list);
	return all;
}

int run_exit_status(const struct run *r)
{
	int passed;

	if (r->interrupted)
		return TCELAB_EXIT_ERROR;
	if (!r->o->expect_failure)
		return r->nfail ? TCELAB_EXIT_FAIL : TCELAB_EXIT_PASS;
	/* Test-only: the harness proves it catches a failure of exactly these kinds. */
	passed = has_failures(r, r->o->expect_failure);
	fprintf(stderr, "%s: expected failure '%s' %s\n", passed ? "PASS" : "FAIL",
		r->o->expect_failure, passed ? "was caught" : "was NOT caught");
	return passed ? TCELAB_EXIT_PASS : TCELAB_EXIT_FAIL;
}
