// SPDX-License-Identifier: GPL-2.0
/* The run's summary: what ran, its figures, and each failure with its log excerpt. */
#include <stdio.h>
#include <string.h>

#include <tcelab/timing.h>

#include "target.h"
#include "verdict.h"
#include "vm.h"
#include "lib/json.h"
#include "lib/probe_doc.h"

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

/* What a run on another backend did to the TCE entries, against its kmod run's. */
static void effects_column(char *buf, size_t len, const cJSON *s)
{
	const cJSON *cmp = cJSON_GetObjectItem(s, "effects_vs_kmod");
	const cJSON *first = cJSON_GetObjectItem(cmp, "first");

	if (cJSON_IsObject(first))
		snprintf(buf, len, "%ld DIFFER, first %s:%ld", json_count(cmp, "differences", NULL, NULL),
			 json_str_at(first, "trace"), json_count(first, "line", NULL, NULL));
	else if (cJSON_GetObjectItem(cmp, "compared"))
		snprintf(buf, len, "%ld identical, %ld declared", json_count(cmp, "compared", NULL, NULL),
			 json_count(cmp, "declared", NULL, NULL));
	else if (cJSON_GetObjectItem(cmp, "skipped"))
		snprintf(buf, len, "not compared: several threads");
	else
		snprintf(buf, len, "not compared: %s", json_str_at(cmp, "error") ?: "?");
}

/* Each scenario replayed on another backend, beside its kmod run: the same trace, one boot. */
static void summary_side_by_side(const cJSON *suite)
{
	const cJSON *s, *twin, *a, *b;
	char effects[128];
	int header = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(suite, "scenarios")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(s, "scenario"));

		twin = name ? kmod_twin(suite, name) : NULL;
		if (!twin)
			continue;
		if (!header++)
			printf("  side by side (same trace, one boot)  kmod p50 / p99 us    %-6s p50 / p99 us"
			       "  return codes  TCE effects\n", strchr(name, '@') + 1);
		a = cJSON_GetObjectItem(cJSON_GetObjectItem(twin, "latency_ns"), "all");
		b = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "latency_ns"), "all");
		effects_column(effects, sizeof(effects), s);
		printf("    %-34s %8.1f / %-9.1f %8.1f / %-9.1f  %-12s  %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(twin, "scenario")),
		       json_count(a, "p50", NULL, NULL) / 1e3, json_count(a, "p99", NULL, NULL) / 1e3,
		       json_count(b, "p50", NULL, NULL) / 1e3, json_count(b, "p99", NULL, NULL) / 1e3,
		       rets_agree(s, twin) ? "identical" : "DIFFER", effects);
	}
}

/* --kernel: which kernel ran, so that a log names it. */
static void summary_kernel(const cJSON *k)
{
	const char *git = cJSON_GetStringValue(cJSON_GetObjectItem(k, "git_describe"));

	printf("  kernel    %s (%s %s%s%s), config sha256 %.12s\n",
	       cJSON_GetStringValue(cJSON_GetObjectItem(k, "release")),
	       cJSON_GetStringValue(cJSON_GetObjectItem(k, "form")),
	       cJSON_GetStringValue(cJSON_GetObjectItem(k, "path")), git ? ", " : "", git ? git : "",
	       cJSON_GetStringValue(cJSON_GetObjectItem(k, "config_sha256")));
}

/* --patch, --rebuild: each module rebuilt, with what, and whether the guest ran it. */
static void summary_patch(const cJSON *patch)
{
	const cJSON *mod, *p;
	char with[512] = "";

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(patch, "patches"))
		snprintf(with + strlen(with), sizeof(with) - strlen(with), "%s%s", *with ? ", " : "",
			 cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")));
	cJSON_ArrayForEach(mod, cJSON_GetObjectItem(patch, "modules"))
		printf("  module    %s.ko %s%s (srcversion %s), %s\n",
		       cJSON_GetStringValue(cJSON_GetObjectItem(mod, "name")),
		       cJSON_IsTrue(cJSON_GetObjectItem(mod, "patched")) ? "rebuilt with " :
		       "rebuilt unpatched", cJSON_IsTrue(cJSON_GetObjectItem(mod, "patched")) ? with : "",
		       cJSON_GetStringValue(cJSON_GetObjectItem(mod, "srcversion")) ?: "none",
		       cJSON_IsTrue(cJSON_GetObjectItem(mod, "loaded")) ? "run by the guest" :
		       "NOT run by the guest");
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

/* The fuzz job: its seed, how many calls, how fast, and the calls of each operation. */
static void summary_fuzz(const cJSON *fuzz)
{
	const cJSON *op;
	int n = 0;

	printf("  fuzz      seed %.0f: %.0f calls (%.0f hypercalls) in %.1f s, %.0f calls/s, "
	       "%d threads\n", json_num(fuzz, "seed", 0), json_num(fuzz, "calls", 0),
	       json_num(fuzz, "hcalls", 0), json_num(fuzz, "seconds", 0),
	       json_num(fuzz, "calls_per_second", 0), (int)json_num(fuzz, "threads", 0));
	cJSON_ArrayForEach(op, cJSON_GetObjectItem(fuzz, "ops"))
		printf("%s%s %.0f (%.0f ok)", n++ % 6 ? ", " : n > 1 ? "\n    " : "    ",
		       op->string, json_num(op, "calls", 0), json_num(op, "returns.0", 0));
	if (n)
		printf("\n");
}

void run_print_summary(const struct run *r)
{
	const cJSON *tests = cJSON_GetObjectItem(r->results, "tests");
	const cJSON *probe = cJSON_GetObjectItem(r->results, "probe");
	const cJSON *scenario = cJSON_GetObjectItem(r->results, "scenario");
	const cJSON *diff = cJSON_GetObjectItem(r->results, "diff");
	struct probe_totals t;
	int i;

	printf("tcelab %s on %s: %s (guest %.1f s, timing %s)\n", r->o->job, r->t->name,
	       r->interrupted ? "INCOMPLETE" : r->nfail ? "FAIL" : "PASS", r->guest_seconds, tcelab_timings[r->timing].name);
	if (r->o->kernel)
		summary_kernel(cJSON_GetObjectItem(r->results, "kernel"));
	for (i = 0; i < cJSON_GetArraySize(r->boot_hangs); i++)
		printf("  boot      hung before the job after %.0f s and was booted again: %s/%s\n",
		       json_num(cJSON_GetArrayItem(r->boot_hangs, i), "seconds", 0), r->dir,
		       json_str_at(cJSON_GetArrayItem(r->boot_hangs, i), "console"));
	if (cJSON_GetObjectItem(r->results, "patch"))
		summary_patch(cJSON_GetObjectItem(r->results, "patch"));
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
	if (cJSON_GetObjectItem(r->results, "fuzz"))
		summary_fuzz(cJSON_GetObjectItem(r->results, "fuzz"));
	if (diff)
		printf("  diff      seed %ld: %ld calls in %ld sequences, %ld declared differences, "
		       "%ld undeclared\n", json_count(diff, "seed", NULL, NULL),
		       json_count(diff, "calls", NULL, NULL), json_count(diff, "sequences", NULL, NULL),
		       json_count(diff, "declared", NULL, NULL),
		       json_count(diff, "undeclared", NULL, NULL));
	if (probe) {
		probe_doc_totals(probe, &t);
		printf("  probes    %s: pin %lld, unpin %lld\n",
		       json_str_at(probe, "attach_mode") ?: "?", t.pin_calls, t.unpin_calls);
	}
	printf("  results   %s\n", r->results_path);
	for (i = 0; i < r->nfail; i++) {
		fprintf(stderr, "%s: %s\n", r->failures[i].kind, r->failures[i].message);
		if (r->failures[i].excerpt && *r->failures[i].excerpt)
			print_excerpt(r->failures[i].excerpt);
	}
}
