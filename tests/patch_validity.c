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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/schema.h>

#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/util.h"
#include "validity_rows.h"

#define TARGET		"powernv9-vfio"

struct patch_row {
	struct validity_row v;
	char *patch, *job;		/* as the manifest has them */
	cJSON *probe;			/* the run's guest/probe-upstream.json */
};

/* Each validity_row of this table is a patch_row's first member. */
static struct patch_row *patch_row(const struct validity_row *v)
{
	return (struct patch_row *)v;
}

struct validity_row *validity_parse_row(const char *manifest, const char *line)
{
	char patch[256], job[64], expected[512], extra[2];
	const char *base;
	struct patch_row *r;

	if (sscanf(line, "%255s %63s %511s %1s", patch, job, expected, extra) != 3)
		die("%s: a row is 'PATCH JOB EXPECTED', not '%s'", manifest, line);
	base = strrchr(patch, '/') ? strrchr(patch, '/') + 1 : patch;
	r = calloc(1, sizeof(*r));
	r->patch = strdup(patch);
	r->job = strdup(job);
	r->v.key = r->patch;
	r->v.label = xasprintf("%s (job %s)", patch, job);
	r->v.name = strstr(patch, ".patch") ? strndup(patch, strstr(patch, ".patch") - patch) :
		    xasprintf("rebuild-%.*s", (int)strcspn(base, "."), base);
	r->v.expected = validity_sorted_kinds(expected);
	r->v.args[0] = "--job";
	r->v.args[1] = r->job;
	if (strstr(patch, ".patch")) {
		r->v.args[2] = "--patch";
		r->v.args[3] = xasprintf("%s/tests/patches/%s", tcelab_top(), patch);
	} else {
		r->v.args[2] = "--rebuild";
		r->v.args[3] = r->patch;
	}
	return &r->v;
}

void validity_judge(struct validity_row *v)
{
	char *path = xasprintf("%s/guest/probe-upstream.json", v->dir), err[512];

	patch_row(v)->probe = path_exists(path) ? probe_doc_load(path, err, sizeof(err)) : NULL;
	free(path);
}

void validity_jw_identity(struct json_writer *w, const struct validity_row *v)
{
	jw_str(w, "patch", patch_row(v)->patch);
	jw_str(w, "job", patch_row(v)->job);
}

void validity_jw_figures(struct json_writer *w, const struct validity_row *v)
{
	const cJSON *patch = cJSON_GetObjectItem(v->results, "patch"), *probe = patch_row(v)->probe;

	if (patch)
		jw_tree(w, "patches", cJSON_GetObjectItem(patch, "patches"));
	else
		jw_null(w, "patches");
	jw_str(w, "srcversion", cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(patch, "modules"), 0), "srcversion")));
	jw_bool(w, "rebuild_cached", cJSON_IsTrue(cJSON_GetObjectItem(patch, "cached")));
	if (cJSON_GetObjectItem(patch, "build_seconds"))
		jw_double(w, "rebuild_seconds", json_num(patch, "build_seconds", 0), 1);
	else
		jw_null(w, "rebuild_seconds");
	jw_double(w, "guest_seconds", json_num(v->results, "guest_seconds", 0), 1);
	jw_s64(w, "kill_calls", probe_doc_num(probe, "roles.kill.count"));
	jw_s64(w, "map_calls", probe_doc_num(probe, "op_types.map.count"));
	jw_s64(w, "map_p50", probe_doc_num(probe, "op_types.map.p50"));
	jw_s64(w, "map_p99", probe_doc_num(probe, "op_types.map.p99"));
	jw_str(w, "map_unit", json_str_at(probe, "op_types.map.unit"));
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

void validity_write_table(FILE *f, struct validity_row *const *rows, int n)
{
	char kills[32], p50[64];
	int i;

	fprintf(f, "%-36s %-5s %-57s %-57s %-8s %6s %6s %14s\n", "patch", "job", "expected",
		"reported", "detected", "guest", "kills", "map p50");
	for (i = 0; i < n; i++) {
		const struct validity_row *v = rows[i];
		const struct patch_row *r = patch_row(v);

		fprintf(f, "%-36s %-5s %-57s %-57s %-8s %5.1fs %6s %14s\n", r->patch, r->job,
			*v->expected ? v->expected : "-", *v->reported ? v->reported : "-",
			v->detected ? "yes" : "no", json_num(v->results, "guest_seconds", 0),
			figure(r->probe, "roles.kill.count", NULL, kills),
			figure(r->probe, "op_types.map.p50", json_str_at(r->probe, "op_types.map.unit"),
			       p50));
	}
}

const struct validity_table validity_table = {
	.what = "patch", .whats = "patches", .key_form = "PATCH",
	.schema = SCHEMA_PATCH_VALIDITY, .target = TARGET,
};
