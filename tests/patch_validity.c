// SPDX-License-Identifier: GPL-2.0
/*
 * The harness proven on the REAL upstream stack (make patch-validity; make test runs some
 * rows): each row of tests/patches/MANIFEST is one 'tcelab run --target powernv9-vfio' with a
 * patch to Debian's own drivers/vfio source (or, the control, a module rebuilt unpatched), and
 * the run must report exactly the failure kinds the row expects: every one, and no other. A
 * row that expects failures passes them to --expect-failure, so the run is a self-test and
 * stays out of the history.
 *
 * Writes OUT/patches.json (SCHEMA_PATCH_VALIDITY) and OUT/patches.txt, one line a row: patch,
 * job, expected, reported, detected; with the rebuild, the guest's time and what the upstream
 * probes measured (a latency patch passes, and its figures are where it shows). The runs go
 * to OUT/patch-runs/NAME/, their output to OUT/patch-runs/NAME.log.
 *
 * usage: patch-validity TCELAB OUT [PATCH...]   (only the rows named; exit 1 unless every row
 *        ran was detected, 2 on a usage or manifest error: include/tcelab/exit_codes.h)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/exit_codes.h>
#include <tcelab/schema.h>

#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/util.h"
#include "validity_rows.h"

#define MAX_ROWS	32
#define TARGET		"powernv9-vfio"

struct row {
	char *patch, *job, *expected;	/* as the manifest has them; expected "-": must pass */
	char *name, *dir, *log;
	char *reported;			/* the run's failure kinds, sorted, comma-separated */
	int status;			/* tcelab's exit status */
	bool detected;
	cJSON *results, *probe;
};

static int read_manifest(const char *path, struct row *rows)
{
	char *text = read_file(path, NULL), *line, *save = NULL;
	int n = 0, lineno = 0;

	if (!text)
		die("cannot read %s: %s", path, strerror(errno));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char patch[256], job[64], expected[512], extra[2];
		const char *base;

		lineno++;
		if (line[strspn(line, " \t")] == '#' || !line[strspn(line, " \t")])
			continue;
		if (sscanf(line, "%255s %63s %511s %1s", patch, job, expected, extra) != 3)
			die("%s: a row is 'PATCH JOB EXPECTED', not '%s'", path, line);
		if (n == MAX_ROWS)
			die("%s: more than %d rows", path, MAX_ROWS);
		base = strrchr(patch, '/') ? strrchr(patch, '/') + 1 : patch;
		rows[n] = (struct row){ .patch = strdup(patch), .job = strdup(job),
			.expected = validity_sorted_kinds(expected),
			.name = strstr(patch, ".patch") ? strndup(patch, strstr(patch, ".patch") - patch)
						       : xasprintf("rebuild-%.*s", (int)strcspn(base, "."),
								   base) };
		n++;
	}
	free(text);
	return n;
}

/* tcelab run for @r, its output in r->log; its exit status. */
static int run_tcelab(const char *tcelab, struct row *r)
{
	char *patch = strstr(r->patch, ".patch") ? xasprintf("%s/tests/patches/%s", tcelab_top(),
							      r->patch) : NULL;
	char *argv[] = { (char *)tcelab, "run", "--target", TARGET, "--job", r->job, "--out", r->dir,
			 patch ? "--patch" : "--rebuild", patch ?: r->patch,
			 *r->expected ? "--expect-failure" : "--no-history",
			 *r->expected ? r->expected : NULL, NULL };
	int status = validity_run_logged(argv, r->log);

	free(patch);
	return status;
}

static void judge(struct row *r)
{
	char *path = xasprintf("%s/results.json", r->dir), err[512];

	r->results = json_load(path, SCHEMA_RUN, err, sizeof(err));
	free(path);
	path = xasprintf("%s/guest/probe-upstream.json", r->dir);
	r->probe = path_exists(path) ? probe_doc_load(path, err, sizeof(err)) : NULL;
	free(path);
	if (!r->results) {
		r->reported = strdup("no results.json");
		return;
	}
	r->reported = validity_reported_kinds(r->results);
	r->detected = r->status == 0 && !strcmp(r->reported, r->expected);
}

static const cJSON *patch_module(const struct row *r)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r->results, "patch"),
						      "modules"), 0);
}

static void write_json(const char *path, struct row *rows, int n)
{
	struct json_writer *w = jw_open(path);
	const cJSON *patch;
	int i;

	if (!w)
		die("cannot write %s: %s", path, strerror(errno));
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_PATCH_VALIDITY);
	jw_str(w, "target", TARGET);
	jw_arr_begin(w, "rows");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		patch = cJSON_GetObjectItem(r->results, "patch");
		jw_obj_begin(w, NULL);
		jw_str(w, "patch", r->patch);
		jw_str(w, "job", r->job);
		validity_jw_kinds(w, "expected", r->expected);
		if (r->results)
			validity_jw_kinds(w, "reported", r->reported);
		else
			jw_null(w, "reported");
		jw_bool(w, "detected", r->detected);
		jw_s64(w, "exit_status", r->status);
		jw_str(w, "run", r->dir);
		if (patch)
			jw_tree(w, "patches", cJSON_GetObjectItem(patch, "patches"));
		else
			jw_null(w, "patches");
		jw_str(w, "srcversion", cJSON_GetStringValue(cJSON_GetObjectItem(patch_module(r),
										  "srcversion")));
		jw_bool(w, "rebuild_cached", cJSON_IsTrue(cJSON_GetObjectItem(patch, "cached")));
		if (cJSON_GetObjectItem(patch, "build_seconds"))
			jw_double(w, "rebuild_seconds", json_num(patch, "build_seconds", 0), 1);
		else
			jw_null(w, "rebuild_seconds");
		jw_double(w, "guest_seconds", json_num(r->results, "guest_seconds", 0), 1);
		jw_s64(w, "kill_calls", probe_doc_num(r->probe, "roles.kill.count"));
		jw_s64(w, "map_calls", probe_doc_num(r->probe, "op_types.map.count"));
		jw_s64(w, "map_p50", probe_doc_num(r->probe, "op_types.map.p50"));
		jw_s64(w, "map_p99", probe_doc_num(r->probe, "op_types.map.p99"));
		jw_str(w, "map_unit", json_str_at(r->probe, "op_types.map.unit"));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	if (jw_close(w))
		die("cannot write %s: %s", path, strerror(errno));
}

/* A figure of the upstream probes' document for the table, with @unit; "-" when none. */
static const char *figure(const cJSON *probe, const char *path, const char *unit, char *buf)
{
	double v = json_num(probe, path, -1);

	if (v < 0)
		return "-";
	sprintf(buf, "%.0f%s%s", v, unit ? " " : "", unit ?: "");
	return buf;
}

static void write_table(FILE *f, const struct row *rows, int n)
{
	char kills[32], p50[64];
	int i;

	fprintf(f, "%-36s %-5s %-57s %-57s %-8s %6s %6s %14s\n", "patch", "job", "expected",
		"reported", "detected", "guest", "kills", "map p50");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "%-36s %-5s %-57s %-57s %-8s %5.1fs %6s %14s\n", r->patch, r->job,
			*r->expected ? r->expected : "-", *r->reported ? r->reported : "-",
			r->detected ? "yes" : "no", json_num(r->results, "guest_seconds", 0),
			figure(r->probe, "roles.kill.count", NULL, kills),
			figure(r->probe, "op_types.map.p50", json_str_at(r->probe, "op_types.map.unit"),
			       p50));
	}
}

int main(int argc, char **argv)
{
	struct row rows[MAX_ROWS];
	char *manifest, *runs, *path;
	int n, i, j, ran = 0, missed = 0;
	FILE *txt;

	if (argc < 3)
		die("usage: patch-validity TCELAB OUT [PATCH...]");
	manifest = xasprintf("%s/tests/patches/MANIFEST", tcelab_top());
	n = read_manifest(manifest, rows);
	runs = xasprintf("%s/patch-runs", argv[2]);
	if (mkdir_p(runs))
		die("cannot create %s: %s", runs, strerror(errno));
	for (j = 3; j < argc; j++) {
		for (i = 0; i < n && strcmp(rows[i].patch, argv[j]); i++)
			;
		if (i == n)
			die("%s has no row for %s", manifest, argv[j]);
	}
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		for (j = 3; j < argc && strcmp(r->patch, argv[j]); j++)
			;
		if (argc > 3 && j == argc)
			continue;
		r->dir = xasprintf("%s/%s", runs, r->name);
		r->log = xasprintf("%s.log", r->dir);
		rm_rf(r->dir);
		progress("%s (job %s): expect %s", r->patch, r->job,
			 *r->expected ? r->expected : "a pass");
		r->status = run_tcelab(argv[1], r);
		judge(r);
		progress("%s: reported %s: %s", r->patch, *r->reported ? r->reported : "nothing",
			 r->detected ? "as expected" : xasprintf("NOT as expected (log: %s)", r->log));
		rows[ran++] = *r;
		missed += !r->detected;
	}
	path = xasprintf("%s/patches.json", argv[2]);
	write_json(path, rows, ran);
	free(path);
	path = xasprintf("%s/patches.txt", argv[2]);
	txt = fopen(path, "w");
	if (!txt)
		die("cannot write %s: %s", path, strerror(errno));
	write_table(txt, rows, ran);
	fclose(txt);
	write_table(stdout, rows, ran);
	printf("%d of %d detected as expected (%s, %s/patches.json)\n", ran - missed, ran, path,
	       argv[2]);
	return missed ? TCELAB_EXIT_FAIL : TCELAB_EXIT_PASS;
}
