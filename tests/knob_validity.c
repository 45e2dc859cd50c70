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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/schema.h>

#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/util.h"
#include "validity_rows.h"

#define TARGET		"x86_64"
/* A suite's runs with leaks take longer (each leaked page is reaped at unload): twice x86_64's. */
#define WATCHDOG_SECONDS	"600"

struct knob_row {
	struct validity_row v;
	char *knob, *suite;		/* as the manifest has them; knob "-": none */
	long long scenarios, scenarios_failed, dirty_checked, not_dirtied;
};

/* Each validity_row of this table is a knob_row's first member. */
static struct knob_row *knob_row(const struct validity_row *v)
{
	return (struct knob_row *)v;
}

struct validity_row *validity_parse_row(const char *manifest, const char *line)
{
	char knob[128], suite[64], expected[512], extra[2];
	struct knob_row *r;
	char **arg;

	if (sscanf(line, "%127s %63s %511s %1s", knob, suite, expected, extra) != 3 ||
	    (strcmp(knob, "-") && !strchr(knob, '=')))
		die("%s: a row is 'KNOB SUITE EXPECTED', KNOB NAME=VALUE or '-', not '%s'",
		    manifest, line);
	r = calloc(1, sizeof(*r));
	r->knob = strdup(knob);
	r->suite = strdup(suite);
	r->v.key = xasprintf("%s:%s", suite, knob);
	r->v.label = xasprintf("knob %s, suite %s", knob, suite);
	r->v.name = strcmp(knob, "-") ? xasprintf("%s-%.*s", suite, (int)strcspn(knob, "="), knob) :
		    xasprintf("%s-clean", suite);
	r->v.expected = validity_sorted_kinds(expected);
	arg = r->v.args;
	*arg++ = "--job";
	*arg++ = "suite";
	*arg++ = "--suite";
	*arg++ = r->suite;
	*arg++ = "--timeout";
	*arg++ = WATCHDOG_SECONDS;
	if (strcmp(knob, "-")) {
		*arg++ = "--append";
		*arg++ = xasprintf("tcelab.knob.%s", knob);
	}
	return &r->v;
}

/* The scenarios that failed and the probes' dirty check, summed over the scenarios. */
void validity_judge(struct validity_row *v)
{
	struct knob_row *r = knob_row(v);
	const cJSON *s, *probe;
	struct probe_totals t;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(cJSON_GetObjectItem(v->results, "suite"),
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

void validity_jw_identity(struct json_writer *w, const struct validity_row *v)
{
	const struct knob_row *r = knob_row(v);

	jw_str(w, "knob", strcmp(r->knob, "-") ? r->knob : NULL);
	jw_str(w, "suite", r->suite);
}

void validity_jw_figures(struct json_writer *w, const struct validity_row *v)
{
	const struct knob_row *r = knob_row(v);

	jw_double(w, "guest_seconds", json_num(v->results, "guest_seconds", 0), 1);
	jw_s64(w, "scenarios", r->scenarios);
	jw_s64(w, "scenarios_failed", r->scenarios_failed);
	jw_s64(w, "dirty_checked", r->dirty_checked);
	jw_s64(w, "not_dirtied", r->not_dirtied);
}

void validity_write_table(FILE *f, struct validity_row *const *rows, int n)
{
	int i;

	fprintf(f, "%-20s %-8s %-52s %-52s %-8s %6s %9s %13s\n", "knob", "suite", "expected",
		"reported", "detected", "guest", "scenarios", "not dirtied");
	for (i = 0; i < n; i++) {
		const struct validity_row *v = rows[i];
		const struct knob_row *r = knob_row(v);
		char sc[32], nd[48];

		snprintf(sc, sizeof(sc), "%lld/%lld", r->scenarios_failed, r->scenarios);
		snprintf(nd, sizeof(nd), "%lld/%lld", r->not_dirtied, r->dirty_checked);
		fprintf(f, "%-20s %-8s %-52s %-52s %-8s %5.1fs %9s %13s\n", r->knob, r->suite,
			*v->expected ? v->expected : "-", *v->reported ? v->reported : "-",
			v->detected ? "yes" : "no", json_num(v->results, "guest_seconds", 0), sc, nd);
	}
}

const struct validity_table validity_table = {
	.what = "knob", .whats = "knobs", .key_form = "SUITE:KNOB",
	.schema = SCHEMA_KNOB_VALIDITY, .target = TARGET,
};
