// SPDX-License-Identifier: GPL-2.0
/*
 * The suites proven to catch the bug classes on their error paths (make validity, make
 * knob-validity; make test runs some rows): each row of tests/knobs/MANIFEST is one plain
 * 'tcelab run --target x86_64 --job suite --suite SUITE' with one of tcelab.ko's fault knobs
 * set (--append tcelab.knob.NAME=VALUE), and the run must report exactly the failure kinds the
 * row expects: every one, and no other. A row that expects failures passes them to
 * --expect-failure, so the run is a self-test and stays out of the history.
 *
 * Writes OUT/knobs.json (SCHEMA_KNOB_VALIDITY) and OUT/knobs.txt, one line a row: knob, suite,
 * expected, reported, detected; with the guest's time, the scenarios that failed and the
 * probes' dirty check summed over the scenarios (device-writable pages released; of them not
 * dirtied). The runs go to OUT/knob-runs/NAME/, their output to OUT/knob-runs/NAME.log.
 *
 * usage: knob-validity TCELAB OUT [SUITE:KNOB...]   (only the rows named, KNOB as the manifest
 *        has it; exit 1 unless every row ran was detected, 2 on a usage or manifest error)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tcelab/exit_codes.h>
#include <tcelab/schema.h>

#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/util.h"
#include "validity_rows.h"

#define MAX_ROWS	32
#define TARGET		"x86_64"
/* A suite's runs with leaks take longer (each leaked page is reaped at unload): twice x86_64's. */
#define WATCHDOG_SECONDS	"600"

struct row {
	char *knob, *suite, *expected;	/* as the manifest has them; knob "-": none */
	char *dir, *log;
	char *reported;			/* the run's failure kinds, sorted, comma-separated */
	int status;			/* tcelab's exit status */
	bool detected;
	cJSON *results;
	long long scenarios, scenarios_failed, dirty_checked, not_dirtied;
};

static int read_manifest(const char *path, struct row *rows)
{
	char *text = read_file(path, NULL), *line, *save = NULL;
	int n = 0;

	if (!text)
		die("cannot read %s: %s", path, strerror(errno));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char knob[128], suite[64], expected[512], extra[2];

		if (line[strspn(line, " \t")] == '#' || !line[strspn(line, " \t")])
			continue;
		if (sscanf(line, "%127s %63s %511s %1s", knob, suite, expected, extra) != 3 ||
		    (strcmp(knob, "-") && !strchr(knob, '=')))
			die("%s: a row is 'KNOB SUITE EXPECTED', KNOB NAME=VALUE or '-', not '%s'",
			    path, line);
		if (n == MAX_ROWS)
			die("%s: more than %d rows", path, MAX_ROWS);
		rows[n++] = (struct row){ .knob = strdup(knob), .suite = strdup(suite),
			.expected = validity_sorted_kinds(expected) };
	}
	free(text);
	return n;
}

/* Is @r the row SUITE:KNOB @name? */
static bool row_named(const struct row *r, const char *name)
{
	size_t len = strlen(r->suite);

	return !strncmp(name, r->suite, len) && name[len] == ':' && !strcmp(name + len + 1, r->knob);
}

/* tcelab run for @r, its output in r->log; its exit status. */
static int run_tcelab(const char *tcelab, struct row *r)
{
	char *append = strcmp(r->knob, "-") ? xasprintf("tcelab.knob.%s", r->knob) : NULL;
	char *argv[18] = { (char *)tcelab, "run", "--target", TARGET, "--job", "suite",
			   "--suite", r->suite, "--out", r->dir, "--timeout", WATCHDOG_SECONDS };
	int n = 12, status;

	if (append) {
		argv[n++] = "--append";
		argv[n++] = append;
	}
	argv[n++] = *r->expected ? "--expect-failure" : "--no-history";
	argv[n++] = *r->expected ? r->expected : NULL;
	status = validity_run_logged(argv, r->log);
	free(append);
	return status;
}

static void judge(struct row *r)
{
	char *path = xasprintf("%s/results.json", r->dir), err[512];
	const cJSON *s, *probe;
	struct probe_totals t;

	r->results = json_load(path, SCHEMA_RUN, err, sizeof(err));
	free(path);
	if (!r->results) {
		r->reported = strdup("no results.json");
		return;
	}
	r->reported = validity_reported_kinds(r->results);
	r->detected = r->status == 0 && !strcmp(r->reported, r->expected);
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(cJSON_GetObjectItem(r->results, "suite"),
						  "scenarios")) {
		r->scenarios++;
		r->scenarios_failed += !cJSON_IsTrue(cJSON_GetObjectItem(s, "ok")) ||
				       !cJSON_IsTrue(cJSON_GetObjectItem(s, "probe_ok"));
		probe = cJSON_GetObjectItem(s, "probe");
		if (!cJSON_IsObject(probe))
			continue;
		probe_doc_totals(probe, &t);
		r->dirty_checked += t.dirty_checked > 0 ? t.dirty_checked : 0;
		r->not_dirtied += t.not_dirtied > 0 ? t.not_dirtied : 0;
	}
}

static void write_json(const char *path, struct row *rows, int n)
{
	struct json_writer *w = jw_open(path);
	int i;

	if (!w)
		die("cannot write %s: %s", path, strerror(errno));
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_KNOB_VALIDITY);
	jw_str(w, "target", TARGET);
	jw_arr_begin(w, "rows");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		jw_obj_begin(w, NULL);
		jw_str(w, "knob", strcmp(r->knob, "-") ? r->knob : NULL);
		jw_str(w, "suite", r->suite);
		validity_jw_kinds(w, "expected", r->expected);
		if (r->results)
			validity_jw_kinds(w, "reported", r->reported);
		else
			jw_null(w, "reported");
		jw_bool(w, "detected", r->detected);
		jw_s64(w, "exit_status", r->status);
		jw_str(w, "run", r->dir);
		jw_double(w, "guest_seconds", json_num(r->results, "guest_seconds", 0), 1);
		jw_s64(w, "scenarios", r->scenarios);
		jw_s64(w, "scenarios_failed", r->scenarios_failed);
		jw_s64(w, "dirty_checked", r->dirty_checked);
		jw_s64(w, "not_dirtied", r->not_dirtied);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	if (jw_close(w))
		die("cannot write %s: %s", path, strerror(errno));
}

static void write_table(FILE *f, const struct row *rows, int n)
{
	int i;

	fprintf(f, "%-20s %-8s %-52s %-52s %-8s %6s %9s %13s\n", "knob", "suite", "expected",
		"reported", "detected", "guest", "scenarios", "not dirtied");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char sc[32], nd[48];

		snprintf(sc, sizeof(sc), "%lld/%lld", r->scenarios_failed, r->scenarios);
		snprintf(nd, sizeof(nd), "%lld/%lld", r->not_dirtied, r->dirty_checked);
		fprintf(f, "%-20s %-8s %-52s %-52s %-8s %5.1fs %9s %13s\n", r->knob, r->suite,
			*r->expected ? r->expected : "-", *r->reported ? r->reported : "-",
			r->detected ? "yes" : "no", json_num(r->results, "guest_seconds", 0), sc, nd);
	}
}

int main(int argc, char **argv)
{
	struct row rows[MAX_ROWS];
	char *manifest, *runs, *path, *tmp;
	int n, i, j, ran = 0, missed = 0;
	FILE *txt;

	if (argc < 3)
		die("usage: knob-validity TCELAB OUT [SUITE:KNOB...]");
	manifest = xasprintf("%s/tests/knobs/MANIFEST", tcelab_top());
	n = read_manifest(manifest, rows);
	runs = xasprintf("%s/knob-runs", argv[2]);
	if (mkdir_p(runs))
		die("cannot create %s: %s", runs, strerror(errno));
	for (j = 3; j < argc; j++) {
		for (i = 0; i < n && !row_named(&rows[i], argv[j]); i++)
			;
		if (i == n)
			die("%s has no row for %s (SUITE:KNOB)", manifest, argv[j]);
	}
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		for (j = 3; j < argc && !row_named(r, argv[j]); j++)
			;
		if (argc > 3 && j == argc)
			continue;
		r->dir = strcmp(r->knob, "-") ?
			 xasprintf("%s/%s-%.*s", runs, r->suite, (int)strcspn(r->knob, "="), r->knob) :
			 xasprintf("%s/%s-clean", runs, r->suite);
		r->log = xasprintf("%s.log", r->dir);
		rm_rf(r->dir);
		progress("knob %s, suite %s: expect %s", r->knob, r->suite,
			 *r->expected ? r->expected : "a pass");
		r->status = run_tcelab(argv[1], r);
		judge(r);
		progress("knob %s: reported %s: %s", r->knob, *r->reported ? r->reported : "nothing",
			 r->detected ? "as expected" : xasprintf("NOT as expected (log: %s)", r->log));
		rows[ran++] = *r;
		missed += !r->detected;
	}
	path = xasprintf("%s/knobs.json", argv[2]);
	write_json(path, rows, ran);
	free(path);
	path = xasprintf("%s/knobs.txt", argv[2]);
	tmp = xasprintf("%s.tmp", path);
	txt = fopen(tmp, "w");
	if (!txt)
		die("cannot write %s: %s", tmp, strerror(errno));
	write_table(txt, rows, ran);
	if (fclose(txt) || rename(tmp, path)) {
		unlink(tmp);
		die("cannot write %s: %s", path, strerror(errno));
	}
	write_table(stdout, rows, ran);
	printf("%d of %d detected as expected (%s, %s/knobs.json)\n", ran - missed, ran, path,
	       argv[2]);
	return missed ? TCELAB_EXIT_FAIL : TCELAB_EXIT_PASS;
}
