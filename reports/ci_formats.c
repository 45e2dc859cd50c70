// SPDX-License-Identifier: GPL-2.0
/* junit.xml, kcidb.json and benchmark.json of a run (ci_formats.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ci_formats.h"
#include "model.h"
#include "lib/json.h"
#include "lib/util.h"

#define KCIDB_ORIGIN		"tcelab"
#define KCIDB_MAJOR		5
#define KCIDB_MINOR		3	/* the schema in tests/schemas/ */
#define KCIDB_EXCERPT_MAX	16384	/* the schema's maxLength of a log_excerpt */
/* The mismatches a failed scenario's excerpt lists. */
#define SCENARIO_MISMATCHES	10

/* One test's outcome, in KCIDB's words; JUnit says failure, error, skipped. */
enum ci_status { CI_PASS, CI_FAIL, CI_ERROR, CI_SKIP };

static const char *const kcidb_status[] = {
	[CI_PASS] = "PASS", [CI_FAIL] = "FAIL", [CI_ERROR] = "ERROR", [CI_SKIP] = "SKIP",
};

/*
 * What the test reports list: each result of a guest test program, a program that was skipped
 * whole or did not run through, each replayed scenario, and the run's own checks.
 */
struct ci_test {
	const char *suite;	/* JUnit classname: the test program, "scenarios" or "run" */
	char *name;		/* unique within its suite */
	char *path;		/* KCIDB: tcelab.tests.PROGRAM[.N], tcelab.scenarios.NAME, tcelab.checks */
	enum ci_status status;
	char *message;		/* not passed: one line saying why */
	char *excerpt;		/* the log lines that show why it did not pass, or NULL */
};

struct ci_tests {
	struct ci_test *t;
	int n;
};

/* The length of the UTF-8 sequence at @p that XML 1.0 accepts, or 0. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 :
		p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0, i;

	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0) ||	/* overlong, surrogate */
	    (p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe) ||			/* U+FFFE, U+FFFF */
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/*
 * @s without what XML 1.0 and JSON cannot carry: control characters other than tab and
 * newline, and bytes that are not UTF-8, each become '?'. Guest output can hold anything.
 */
static char *clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *text = malloc(strlen(s) + 1), *out = text;
	int n;

	if (!text)
		abort();
	while (*p) {
		n = *p >= 0x80 ? utf8_len(p) : *p >= 0x20 || *p == '\n' || *p == '\t';
		if (n) {
			memcpy(out, p, n);
			out += n;
			p += n;
		} else {
			*out++ = '?';
			p++;
		}
	}
	*out = 0;
	return text;
}

static bool name_taken(const struct ci_tests *l, const char *suite, const char *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->t[i].suite, suite) && !strcmp(l->t[i].name, name))
			return true;
	return false;
}

/* Takes @name, @path, @message and @excerpt (NULL or allocated); a name used twice gets " (2)". */
static void add_test(struct ci_tests *l, const char *suite, char *name, char *path,
		     enum ci_status status, char *message, char *excerpt)
{
	struct ci_test *t;
	char *unique;
	int k;

	if (name_taken(l, suite, name)) {
		for (k = 2;; k++) {
			unique = xasprintf("%s (%d)", name, k);
			if (!name_taken(l, suite, unique))
				break;
			free(unique);
		}
		free(name);
		name = unique;
	}
	l->t = realloc(l->t, (l->n + 1) * sizeof(*l->t));
	if (!l->t)
		abort();
	t = &l->t[l->n++];
	*t = (struct ci_test){ suite, name, path, status, message, excerpt };
}

static void free_tests(struct ci_tests *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->t[i].name);
		free(l->t[i].path);
		free(l->t[i].message);
		free(l->t[i].excerpt);
	}
	free(l->t);
}

/* A KCIDB path component: letters, digits, '_' and '-'; anything else becomes '_'. */
static char *path_part(const char *s)
{
	char *p = strdup(s), *c;

	for (c = p; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
			*c = '_';
	return p;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* One test program's results (results.json's tests.programs.NAME, vm/verdict.c). */
static void add_program(struct ci_tests *l, const cJSON *prog)
{
	const char *suite = prog->string, *skip = jstr(prog, "skip_reason");
	char *part = path_part(suite);
	const cJSON *pt;
	int i = 0;

	if (skip)
		add_test(l, suite, strdup(suite), xasprintf("tcelab.tests.%s", part), CI_SKIP,
			 strdup(skip), NULL);
	cJSON_ArrayForEach(pt, cJSON_GetObjectItem(prog, "points")) {
		const char *desc = jstr(pt, "name") ?: "", *status = jstr(pt, "status") ?: "";
		const char *reason = jstr(pt, "reason") ?: "";
		/* TAP's TODO, a known failure, is neither a pass nor a failure: skipped. */
		enum ci_status st = !strcmp(status, "pass") ? CI_PASS :
				    !strcmp(status, "skip") || !strcmp(status, "todo") ? CI_SKIP :
				    CI_FAIL;
		char *message = NULL;

		i++;
		if (st == CI_FAIL)
			message = xasprintf("not ok %.0f %s", jnum(pt, "n"), desc);
		else if (st == CI_SKIP)
			message = !strcmp(status, "todo") ? xasprintf("known failure (TODO): %s", reason) :
				  strdup(reason);
		add_test(l, suite, *desc ? strdup(desc) : xasprintf("test %d", i),
			 xasprintf("tcelab.tests.%s.%d", part, i), st, message,
			 dup_or_null(jstr(pt, "excerpt")));
	}
	/* It did not run through (no plan, fewer results, a bail-out) yet no result failed. */
	if (jstr(prog, "excerpt") && !(jnum(prog, "failed") > 0))
		add_test(l, suite, strdup(suite), xasprintf("tcelab.tests.%s", part), CI_ERROR,
			 xasprintf("%.0f of %.0f planned results%s", jnum(prog, "ran"),
				   jnum(prog, "planned"),
				   cJSON_IsTrue(cJSON_GetObjectItem(prog, "bailed_out")) ?
				   ", bailed out" : ""),
			 strdup(jstr(prog, "excerpt")));
	free(part);
}

/* Why a replay (detail.scenarios.NAME.raw) failed: its error, mismatches, expectation, notes. */
static char *scenario_excerpt(const cJSON *raw)
{
	const cJSON *m;
	char *text = NULL, *s;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i = 0;

	if (!f)
		abort();
	if (jstr(raw, "error"))
		fprintf(f, "error: %s\n", jstr(raw, "error"));
	if (jnum(raw, "mismatches") > 0)
		fprintf(f, "%.0f calls returned other than the trace says; the first:\n",
			jnum(raw, "mismatches"));
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(raw, "mismatch_list")) {
		if (i++ == SCENARIO_MISMATCHES)
			break;
		s = cJSON_PrintUnformatted(m);
		fprintf(f, "    %s\n", s ?: "?");
		free(s);
	}
	if (cJSON_IsFalse(cJSON_GetObjectItem(raw, "expectations_met")))
		fprintf(f, "expectation not met: %s\n", jstr(raw, "expectation") ?: "");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(raw, "notes"))
		fprintf(f, "note: %s\n", cJSON_GetStringValue(m) ?: "");
	if (ftell(f) == 0) {	/* the smoke scenario: its figures say it */
		cJSON_ArrayForEach(m, raw) {
			if (!cJSON_IsNumber(m) && !cJSON_IsBool(m))
				continue;
			s = cJSON_PrintUnformatted(m);
			fprintf(f, "%s: %s\n", m->string, s ?: "?");
			free(s);
		}
	}
	fclose(f);
	return text;
}

static void add_scenarios(struct ci_tests *l, const cJSON *doc)
{
	const cJSON *detail = json_at(doc, "detail.scenarios"), *sc;

	cJSON_ArrayForEach(sc, json_at(doc, "summary.scenarios")) {
		const cJSON *raw = cJSON_GetObjectItem(cJSON_GetObjectItem(detail, sc->string), "raw");
		bool failed = cJSON_IsFalse(cJSON_GetObjectItem(sc, "ok"));
		char *part = path_part(sc->string);

		add_test(l, "scenarios", strdup(sc->string), xasprintf("tcelab.scenarios.%s", part),
			 failed ? CI_FAIL : CI_PASS,
			 failed ? xasprintf("scenario %s failed%s%s", sc->string,
					    jstr(raw, "error") ? ": " : "", jstr(raw, "error") ?: "") :
			 NULL,
			 failed ? scenario_excerpt(raw) : NULL);
		free(part);
	}
}

/* Failure kinds that say the harness could not judge the run, not that the kernel failed. */
static bool harness_failure(const char *kind)
{
	static const char *const kinds[] = { "qemu", "engine", "timeout", "boot-hang", "no-results" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

static void put_indented(FILE *f, const char *text)
{
	size_t n;

	for (; *text; text += n + (text[n] == '\n')) {
		n = strcspn(text, "\n");
		fprintf(f, "    %.*s\n", (int)n, text);
	}
}

/*
 * The run's own checks (kernel log, pins left, module unload, probe ledgers, backends, the
 * job's exit, QEMU and the watchdog): every failure but a guest test's, which its results carry.
 */
static void add_checks(struct ci_tests *l, const cJSON *doc)
{
	const cJSON *f, *first = NULL;
	char *text = NULL, *more;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int n = 0;
	bool judged = false;	/* a failure of what was tested (FAIL), not only the harness's */

	if (!out)
		abort();
	cJSON_ArrayForEach(f, json_at(doc, "detail.failures")) {
		const char *kind = jstr(f, "kind") ?: "?";

		if (!strcmp(kind, "test-failure"))
			continue;
		first = first ?: f;
		n++;
		judged |= !harness_failure(kind);
		fprintf(out, "%s: %s\n", kind, jstr(f, "message") ?: "");
		put_indented(out, jstr(f, "excerpt") ?: "");
	}
	fclose(out);
	if (!n) {
		free(text);
		add_test(l, "run", strdup("checks"), strdup("tcelab.checks"), CI_PASS, NULL, NULL);
		return;
	}
	more = n > 1 ? xasprintf(" (and %d more)", n - 1) : strdup("");
	add_test(l, "run", strdup("checks"), strdup("tcelab.checks"), judged ? CI_FAIL : CI_ERROR,
		 xasprintf("%s: %s%s", jstr(first, "kind") ?: "?", jstr(first, "message") ?: "",
			   more), text);
	free(more);
}

static void collect_tests(const cJSON *doc, struct ci_tests *l)
{
	const cJSON *prog;

	cJSON_ArrayForEach(prog, json_at(doc, "detail.tests.programs"))
		add_program(l, prog);
	add_scenarios(l, doc);
	add_checks(l, doc);
}

/* --- junit.xml ------------------------------------------------------------------------------ */

/* @s as XML text, or in an attribute's quotes. */
static void xml_put(FILE *f, const char *text, bool attr)
{
	char *clean = clean_text(text), *s;

	for (s = clean; *s; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"' && attr)
			fputs("&quot;", f);
		else if ((*s == '\n' || *s == '\t') && attr)
			fprintf(f, "&#%d;", *s);
		else
			fputc(*s, f);
	}
	free(clean);
}

/* A JSON string member of kcidb.json or benchmark.json: clean_text(), as JSON must be UTF-8. */
static void json_text(struct json_writer *w, const char *key, const char *text)
{
	char *clean = clean_text(text);

	jw_str(w, key, clean);
	free(clean);
}

static void xml_attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	xml_put(f, value, true);
	fputc('"', f);
}

static void junit_counts(FILE *f, const struct ci_test *t, int n)
{
	int count[CI_SKIP + 1] = {}, i;

	for (i = 0; i < n; i++)
		count[t[i].status]++;
	fprintf(f, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\"", n,
		count[CI_FAIL], count[CI_ERROR], count[CI_SKIP]);
}

static void junit_testcase(FILE *f, const struct ci_test *t)
{
	static const char *const element[] = {
		[CI_FAIL] = "failure", [CI_ERROR] = "error", [CI_SKIP] = "skipped",
	};

	fputs("    <testcase", f);
	xml_attr(f, "classname", t->suite);
	xml_attr(f, "name", t->name);
	if (t->status == CI_PASS) {
		fputs("/>\n", f);
		return;
	}
	fprintf(f, ">\n      <%s", element[t->status]);
	xml_attr(f, "message", t->message ?: "");
	if (!t->excerpt) {
		fputs("/>\n    </testcase>\n", f);
		return;
	}
	fputc('>', f);
	xml_put(f, t->excerpt, false);
	fprintf(f, "</%s>\n    </testcase>\n", element[t->status]);
}

/* GitLab's and Jenkins' reading: testsuites > testsuite (one per classname) > testcase. */
static int write_junit(const cJSON *doc, const char *path)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	struct ci_tests l = {};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int i, j, ret;

	if (!f)
		return -1;
	collect_tests(doc, &l);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", f);
	xml_attr(f, "name", jstr(sum, "run_id") ?: "tcelab");
	junit_counts(f, l.t, l.n);
	if (!isnan(jnum(sum, "guest_seconds")))
		fprintf(f, " time=\"%.3f\"", jnum(sum, "guest_seconds"));
	fputs(">\n", f);
	for (i = 0; i < l.n; i = j) {
		for (j = i; j < l.n && !strcmp(l.t[j].suite, l.t[i].suite); j++)
			;
		fputs("  <testsuite", f);
		xml_attr(f, "name", l.t[i].suite);
		junit_counts(f, l.t + i, j - i);
		fputs(">\n", f);
		for (; i < j; i++)
			junit_testcase(f, &l.t[i]);
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	fclose(f);
	ret = replace_file(path, text, len);
	free(text);
	free_tests(&l);
	return ret;
}

/* --- kcidb.json ----------------------------------------------------------------------------- */

/* The ids every test shares: its build's, and where it ran. */
struct kcidb_run {
	char *id;		/* tcelab:RUN_ID, the checkout's and the build's */
	char *environment;	/* "powernv9 (QEMU 1:7.2+dfsg-7)" */
};

static void kcidb_test_begin(struct json_writer *w, const struct kcidb_run *k, const char *path,
			     const char *status, const char *comment)
{
	char *id = xasprintf("%s:%s", k->id, path);

	jw_obj_begin(w, NULL);
	json_text(w, "id", id);
	json_text(w, "build_id", k->id);
	jw_str(w, "origin", KCIDB_ORIGIN);
	json_text(w, "path", path);
	jw_str(w, "status", status);
	json_text(w, "comment", comment);
	jw_obj_begin(w, "environment");
	json_text(w, "comment", k->environment);
	jw_obj_end(w);
	free(id);
}

/* KCIDB's number; times in seconds, so that its metric prefix shows them as "1.9 us". */
static void kcidb_number(struct json_writer *w, double value, const char *unit)
{
	static const struct { const char *unit; double seconds; } times[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]) && strcmp(unit, times[i].unit); i++)
		;
	jw_obj_begin(w, "number");
	if (i < sizeof(times) / sizeof(times[0])) {
		jw_double(w, "value", value * times[i].seconds, 12);
		jw_str(w, "unit", "s");
	} else {
		jw_double(w, "value", value, 3);
		json_text(w, "unit", unit);
	}
	jw_str(w, "prefix", "metric");
	jw_obj_end(w);
}

/* A figure the run measured: a test that is DONE, with its number. */
static void kcidb_figure(struct json_writer *w, const struct kcidb_run *k, const char *path,
			 const char *comment, double value, const char *unit)
{
	kcidb_test_begin(w, k, path, "DONE", comment);
	kcidb_number(w, value, unit);
	jw_obj_end(w);
}

/* What the KCIDB latency figures of one scenario are written with (report_latency_rows()). */
struct kcidb_latency {
	struct json_writer *w;
	const struct kcidb_run *k;
	const char *scenario;
};

static void kcidb_latency_row(void *arg, const char *role, const cJSON *row)
{
	static const char *const figures[] = { "p50", "p90", "p99", "p99_9", "max", "mean" };
	const struct kcidb_latency *l = arg;
	char *scenario = path_part(l->scenario), *r = path_part(role);
	size_t i;

	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		char *path, *comment;

		if (isnan(jnum(row, figures[i])))
			continue;
		path = xasprintf("tcelab.scenarios.%s.%s.%s", scenario, r, figures[i]);
		comment = xasprintf("%s latency of %s in scenario %s", figures[i], role,
				    l->scenario);
		kcidb_figure(l->w, l->k, path, comment, jnum(row, figures[i]),
			     jstr(row, "unit") ?: "ns");
		free(path);
		free(comment);
	}
	free(r);
	free(scenario);
}

static void kcidb_latency_figures(struct json_writer *w, const struct kcidb_run *k,
				  const cJSON *sum)
{
	struct kcidb_latency l = { w, k, NULL };
	const cJSON *sc;

	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios")) {
		l.scenario = sc->string;
		report_latency_rows(sc, false, kcidb_latency_row, &l);
	}
}

static void kcidb_pin_figures(struct json_writer *w, const struct kcidb_run *k, const cJSON *sum)
{
	static const struct { const char *key, *unit, *comment; } figures[] = {
		{ "leaked_pages", "pages", "pages the probes' pin ledger still held after the workload" },
		{ "leaked_pins", "pins", "pins held by the leaked pages" },
		{ "pinned_after", "pages", "pages tcelab.ko still held pinned after the job" },
		{ "double_releases", "releases", "unpins of pages the ledger did not hold" },
		{ "locked_vm_drift", "pages", "locked_vm charged minus returned" },
	};
	const cJSON *pins = cJSON_GetObjectItem(sum, "pins");
	size_t i;

	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		char *path = xasprintf("tcelab.pins.%s", figures[i].key);

		if (!isnan(jnum(pins, figures[i].key)))
			kcidb_figure(w, k, path, figures[i].comment, jnum(pins, figures[i].key),
				     figures[i].unit);
		free(path);
	}
}

/* A log excerpt as long as KCIDB keeps: its end, where the failure is. */
static const char *kcidb_excerpt(const char *excerpt)
{
	size_t len = strlen(excerpt);

	return len < KCIDB_EXCERPT_MAX ? excerpt : excerpt + len - (KCIDB_EXCERPT_MAX - 1);
}

static int write_kcidb(const cJSON *doc, const char *path)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	const cJSON *env = cJSON_GetObjectItem(sum, "environment");
	const char *commit = jstr(sum, "commit"), *kernel = jstr(env, "kernel") ?: "unknown";
	const char *target = jstr(env, "target") ?: "unknown";
	struct json_writer *w = jw_open(path);
	struct kcidb_run k;
	struct ci_tests l = {};
	char *arch, *comment;
	int i;

	if (!w)
		return -1;
	collect_tests(doc, &l);
	k.id = xasprintf("%s:%s", KCIDB_ORIGIN, jstr(sum, "run_id") ?: "run");
	k.environment = jstr(env, "qemu_version") ?
			xasprintf("%s (QEMU %s)", target, jstr(env, "qemu_version")) : strdup(target);
	jw_obj_begin(w, NULL);
	jw_obj_begin(w, "version");
	jw_u64(w, "major", KCIDB_MAJOR);
	jw_u64(w, "minor", KCIDB_MINOR);
	jw_obj_end(w);

	/* What was tested: tcelab's commit (tcelab.ko, the tests) on a Debian kernel. */
	jw_arr_begin(w, "checkouts");
	jw_obj_begin(w, NULL);
	json_text(w, "id", k.id);
	jw_str(w, "origin", KCIDB_ORIGIN);
	if (commit)
		json_text(w, "git_commit_name", commit);
	jw_bool(w, "valid", true);
	comment = xasprintf("tcelab %s on Debian kernel %s", commit ?: "(commit unknown)", kernel);
	json_text(w, "comment", comment);
	free(comment);
	if (cJSON_GetObjectItem(env, "versions")) {
		jw_obj_begin(w, "misc");
		jw_tree(w, "versions", cJSON_GetObjectItem(env, "versions"));
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_arr_end(w);

	jw_arr_begin(w, "builds");
	jw_obj_begin(w, NULL);
	json_text(w, "id", k.id);
	json_text(w, "checkout_id", k.id);
	jw_str(w, "origin", KCIDB_ORIGIN);
	if (jstr(env, "arch")) {
		arch = path_part(jstr(env, "arch"));
		json_text(w, "architecture", arch);
		free(arch);
	}
	json_text(w, "config_name", kernel);
	jw_str(w, "status", "PASS");	/* it booted and ran the job */
	comment = xasprintf("tcelab.ko for %s, target %s, job %s", kernel, target,
			    jstr(sum, "job") ?: "?");
	json_text(w, "comment", comment);
	free(comment);
	jw_obj_end(w);
	jw_arr_end(w);

	jw_arr_begin(w, "tests");
	for (i = 0; i < l.n; i++) {
		const struct ci_test *t = &l.t[i];

		comment = xasprintf("%s: %s", t->suite, t->name);
		kcidb_test_begin(w, &k, t->path, kcidb_status[t->status], comment);
		if (t->excerpt)
			json_text(w, "log_excerpt", kcidb_excerpt(t->excerpt));
		if (t->message) {
			jw_obj_begin(w, "misc");
			json_text(w, "message", t->message);
			jw_obj_end(w);
		}
		jw_obj_end(w);
		free(comment);
	}
	kcidb_latency_figures(w, &k, sum);
	kcidb_pin_figures(w, &k, sum);
	jw_arr_end(w);
	jw_obj_end(w);
	free(k.id);
	free(k.environment);
	free_tests(&l);
	return jw_close(w);
}

/* --- benchmark.json ------------------------------------------------------------------------- */

/* github-action-benchmark's customSmallerIsBetter: [{name, unit, value, extra}]. */
/* What benchmark.json's entries of one scenario are written with (report_latency_rows()). */
struct benchmark_entries {
	struct json_writer *w;
	const cJSON *env;
	const char *scenario;
};

static void benchmark_row(void *arg, const char *role, const cJSON *row)
{
	static const char *const figures[] = { "p50", "p99" };
	const struct benchmark_entries *b = arg;
	size_t i;

	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		char *name, *extra;

		if (isnan(jnum(row, figures[i])))
			continue;
		name = xasprintf("%s %s %s", b->scenario, role, figures[i]);
		extra = xasprintf("%.0f calls; %s, kernel %s, %s probes%s", jnum(row, "count"),
				  jstr(b->env, "target") ?: "?", jstr(b->env, "kernel") ?: "?",
				  jstr(b->env, "attach_mode") ?: "no",
				  cJSON_IsTrue(cJSON_GetObjectItem(b->env, "tick_quantized")) ?
				  "; tick-quantized clock: not meaningful" : "");
		jw_obj_begin(b->w, NULL);
		json_text(b->w, "name", name);
		json_text(b->w, "unit", jstr(row, "unit") ?: "ns");
		jw_double(b->w, "value", jnum(row, figures[i]), 3);
		json_text(b->w, "extra", extra);
		jw_obj_end(b->w);
		free(name);
		free(extra);
	}
}

static int write_benchmark(const cJSON *doc, const char *path)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary"), *sc;
	struct benchmark_entries b = { jw_open(path), cJSON_GetObjectItem(sum, "environment"), NULL };

	if (!b.w)
		return -1;
	jw_arr_begin(b.w, NULL);
	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios")) {
		b.scenario = sc->string;
		report_latency_rows(sc, false, benchmark_row, &b);
	}
	jw_arr_end(b.w);
	return jw_close(b.w);
}

const struct ci_format ci_formats[] = {
	{ "junit", "junit.xml", write_junit },
	{ "kcidb", "kcidb.json", write_kcidb },
	{ "benchmark", "benchmark.json", write_benchmark },
	{}
};

const struct ci_format *ci_format_find(const char *name)
{
	const struct ci_format *f;

	for (f = ci_formats; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

int ci_format_write(const struct ci_format *f, const cJSON *doc, const char *dir)
{
	char *path = xasprintf("%s/%s", dir, f->file);
	int ret = f->write(doc, path);

	free(path);
	return ret;
}
