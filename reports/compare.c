// SPDX-License-Identifier: GPL-2.0
/* A/B comparison (compare.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/schema.h>

#include "compare.h"
#include "export.h"
#include "model.h"
#include "stats.h"
#include "lib/util.h"

void compare_opts_default(struct compare_opts *o)
{
	o->threshold = 0.10;
	o->alpha = 0.01;
	o->min_effect = 0.147;
	o->min_calls = 10;
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isnan(v) || isinf(v))
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

static const cJSON *summary_of(const cJSON *doc)
{
	return cJSON_GetObjectItem(doc, "summary");
}

/* Merged histogram of scenario/role over a set of runs; 0 when no run has it. */
static int merged(cJSON *const *docs, int n, const char *scen, const char *role, struct rhist *h)
{
	int found = 0, i;

	rhist_init(h);
	for (i = 0; i < n; i++) {
		const cJSON *lat = report_role_latency(docs[i], scen, role);
		struct rhist one;

		if (!lat)
			continue;
		rhist_from_json(lat, &one);
		rhist_merge(h, &one);
		rhist_free(&one);
		found = 1;
	}
	return found;
}

/* Lowest and highest per-run quantile @q of scenario/role over a set of runs. */
static int run_range(cJSON *const *docs, int n, const char *scen, const char *role, double q,
		     double *lo, double *hi)
{
	int i, found = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < n; i++) {
		const cJSON *lat = report_role_latency(docs[i], scen, role);
		struct rhist h;
		double v;

		if (!lat)
			continue;
		rhist_from_json(lat, &h);
		if (h.count > 0) {
			v = rhist_percentile(&h, q);
			*lo = fmin(*lo, v);
			*hi = fmax(*hi, v);
			found++;
		}
		rhist_free(&h);
	}
	return found;
}

/*
 * With repeated runs on both sides, a shift is only believed when every current run is beyond
 * every baseline run by the threshold, in the quantile that moved. Run-to-run variation
 * (host load under TCG, a different boot) is not in the per-call test, which treats calls as
 * independent.
 */
static int runs_separated(cJSON *const *base, int nb, cJSON *const *cur, int nc, const char *scen,
			  const char *role, double q, int slower, double threshold)
{
	double blo, bhi, clo, chi;

	if (run_range(base, nb, scen, role, q, &blo, &bhi) < 2 ||
	    run_range(cur, nc, scen, role, q, &clo, &chi) < 2)
		return -1;	/* not enough runs to tell */
	return slower ? clo > bhi * (1 + threshold) : chi < blo * (1 - threshold);
}

static cJSON *buckets_json(const struct rhist *h)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < h->n; i++) {
		double b[3] = { h->b[i].lo, h->b[i].hi, h->b[i].count };

		cJSON_AddItemToArray(a, cJSON_CreateDoubleArray(b, 3));
	}
	return a;
}

static double change(double cur, double base)
{
	if (isnan(cur) || isnan(base))
		return NAN;
	if (base <= 0)
		return cur > 0 ? INFINITY : 0;
	return cur / base - 1;
}

static cJSON *compare_row(cJSON *const *base, int nb, cJSON *const *cur, int nc, const char *scen,
			  const char *role, const struct compare_opts *o)
{
	cJSON *row = cJSON_CreateObject();
	struct rhist hb, hc;
	struct mwu m;
	double c50, c99, worst, best;
	int sig;
	const char *verdict, *reason;

	cJSON_AddStringToObject(row, "scenario", scen);
	cJSON_AddStringToObject(row, "role", role);
	merged(base, nb, scen, role, &hb);
	merged(cur, nc, scen, role, &hc);
	add_num(row, "n_baseline", hb.count);
	add_num(row, "n_current", hc.count);
	add_num(row, "p50_baseline", hb.count ? rhist_percentile(&hb, 0.5) : NAN);
	add_num(row, "p50_current", hc.count ? rhist_percentile(&hc, 0.5) : NAN);
	add_num(row, "p99_baseline", hb.count ? rhist_percentile(&hb, 0.99) : NAN);
	add_num(row, "p99_current", hc.count ? rhist_percentile(&hc, 0.99) : NAN);
	c50 = change(hc.count ? rhist_percentile(&hc, 0.5) : NAN, hb.count ? rhist_percentile(&hb, 0.5) : NAN);
	c99 = change(hc.count ? rhist_percentile(&hc, 0.99) : NAN, hb.count ? rhist_percentile(&hb, 0.99) : NAN);
	add_num(row, "p50_change", c50);
	add_num(row, "p99_change", c99);
	if (hb.count < o->min_calls || hc.count < o->min_calls) {
		verdict = "inconclusive";
		reason = hb.count && hc.count ? "too few calls to test" : "missing on one side";
		cJSON_AddNullToObject(row, "u");
		cJSON_AddNullToObject(row, "p_value");
		cJSON_AddNullToObject(row, "effect");
		cJSON_AddNullToObject(row, "effect_size");
	} else {
		mwu_hist(&hc, &hb, &m);
		add_num(row, "u", m.u);
		add_num(row, "p_value", m.p);
		add_num(row, "effect", m.delta);
		cJSON_AddStringToObject(row, "effect_size", effect_label(m.delta));
		worst = fmax(isnan(c50) ? 0 : c50, isnan(c99) ? 0 : c99);
		best = fmin(isnan(c50) ? 0 : c50, isnan(c99) ? 0 : c99);
		sig = m.p < o->alpha && fabs(m.delta) >= o->min_effect;
		if (sig && ((m.delta > 0 && worst > o->threshold) ||
			    (m.delta < 0 && best < -o->threshold))) {
			int slower = m.delta > 0;
			double q = fabs(isnan(c50) ? 0 : c50) > o->threshold ? 0.5 : 0.99;
			int sep = runs_separated(base, nb, cur, nc, scen, role, q, slower, o->threshold);

			if (!sep) {
				verdict = "inconclusive";
				reason = "significant over calls, but the runs overlap: run-to-run variation "
					 "is as large as the change";
			} else {
				verdict = slower ? "regression" : "improvement";
				reason = sep > 0 ? (slower ? "slower: significant, beyond the threshold, in every run" :
						    "faster: significant, beyond the threshold, in every run") :
					 (slower ? "slower: significant shift beyond the threshold (one run per side: repeat runs to rule out run-to-run variation)" :
					  "faster: significant shift beyond the threshold (one run per side)");
			}
			cJSON_AddBoolToObject(row, "runs_separated", sep > 0);
		} else if (sig) {
			verdict = "no change";
			reason = "significant, but within the threshold";
		} else if (m.p < o->alpha) {
			verdict = "no change";
			reason = "significant, but a negligible effect";
		} else {
			verdict = "no change";
			reason = "no significant difference";
		}
	}
	cJSON_AddStringToObject(row, "verdict", verdict);
	cJSON_AddStringToObject(row, "reason", reason);
	cJSON_AddItemToObject(row, "hist_baseline", buckets_json(&hb));
	cJSON_AddItemToObject(row, "hist_current", buckets_json(&hc));
	rhist_free(&hb);
	rhist_free(&hc);
	return row;
}

static double pin_metric(const cJSON *doc, const char *key)
{
	double v = jnum(cJSON_GetObjectItem(summary_of(doc), "pins"), key);

	return isnan(v) ? 0 : v;
}

/* Leaks in the current runs that the baseline runs did not have. */
static void new_leaks(cJSON *out, cJSON *const *base, int nb, cJSON *const *cur, int nc)
{
	static const struct { const char *key, *what; } ms[] = {
		{ "leaked_pages", "page(s) still pinned by the workload when it ended (pin ledger)" },
		{ "pinned_after", "page(s) still pinned by tcelab.ko after the job" },
		{ "double_releases", "double release(s)" },
		{ "locked_vm_drift", "page(s) of locked_vm drift" },
	};
	size_t k;
	int i;

	for (k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
		double bmax = 0;

		for (i = 0; i < nb; i++)
			bmax = fmax(bmax, fabs(pin_metric(base[i], ms[k].key)));
		for (i = 0; i < nc; i++) {
			double v = pin_metric(cur[i], ms[k].key);
			const cJSON *stacks;
			char *msg, *where = NULL;

			if (fabs(v) <= bmax)
				continue;
			stacks = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
				cJSON_GetObjectItem(cur[i], "detail"), "ledger"), "leaks"), "by_stack");
			if (!strcmp(ms[k].key, "leaked_pages") && cJSON_GetArraySize(stacks) > 0) {
				const cJSON *fr = cJSON_GetObjectItem(cJSON_GetArrayItem(stacks, 0), "frames");
				const cJSON *f2 = cJSON_GetArrayItem(fr, 2) ?: cJSON_GetArrayItem(fr, 0);

				where = xasprintf(", pinned via %s", cJSON_GetStringValue(f2) ?: "?");
			}
			msg = xasprintf("%s: %g %s (baseline: %g)%s",
					jstr(summary_of(cur[i]), "run_id") ?: "?", v, ms[k].what, bmax,
					where ?: "");
			cJSON_AddItemToArray(out, cJSON_CreateString(msg));
			free(msg);
			free(where);
		}
	}
}

static int has_kind(cJSON *const *docs, int n, const char *kind)
{
	const cJSON *f;
	int i;

	for (i = 0; i < n; i++)
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(summary_of(docs[i]), "failures"))
			if (jstr(f, "kind") && !strcmp(jstr(f, "kind"), kind))
				return 1;
	return 0;
}

static void new_failures(cJSON *out, cJSON *const *base, int nb, cJSON *const *cur, int nc)
{
	const cJSON *f;
	int i;

	for (i = 0; i < nc; i++)
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(summary_of(cur[i]), "failures")) {
			const char *kind = jstr(f, "kind") ?: "?";
			char *msg;

			if (has_kind(base, nb, kind))
				continue;
			msg = xasprintf("%s: %s: %s", jstr(summary_of(cur[i]), "run_id") ?: "?", kind,
					jstr(f, "message") ?: "");
			cJSON_AddItemToArray(out, cJSON_CreateString(msg));
			free(msg);
		}
}

static void env_check(cJSON *c, cJSON *const *base, int nb, cJSON *const *cur, int nc)
{
	char *ref = report_env_line(summary_of(base[0]));
	cJSON *mis = cJSON_CreateArray();
	int i;

	for (i = 0; i < nb + nc; i++) {
		const cJSON *s = summary_of(i < nb ? base[i] : cur[i - nb]);
		char *line = report_env_line(s);

		if (strcmp(line, ref)) {
			char *m = xasprintf("%s %s has %s; %s has %s", i < nb ? "baseline" : "current",
					    jstr(s, "run_id") ?: "?", line,
					    jstr(summary_of(base[0]), "run_id") ?: "?", ref);

			cJSON_AddItemToArray(mis, cJSON_CreateString(m));
			free(m);
		}
		free(line);
	}
	cJSON_AddStringToObject(c, "environment", ref);
	if (cJSON_GetArraySize(mis))
		cJSON_AddItemToObject(c, "environment_mismatch", mis);
	else {
		cJSON_Delete(mis);
		cJSON_AddNullToObject(c, "environment_mismatch");
	}
	free(ref);
}

static cJSON *side(cJSON *const *docs, int n)
{
	cJSON *s = cJSON_CreateObject(), *runs = cJSON_AddArrayToObject(s, "runs");
	int i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(runs, cJSON_CreateString(jstr(summary_of(docs[i]), "run_id") ?: "?"));
	return s;
}

cJSON *compare_docs(cJSON *const *base, int nb, cJSON *const *cur, int nc,
		    const struct compare_opts *o)
{
	cJSON *c = cJSON_CreateObject(), *rows, *leaks, *fails, *seen = cJSON_CreateObject();
	const cJSON *sc, *role, *r;
	int i, nreg = 0, nimp = 0, ninc = 0;

	cJSON_AddStringToObject(c, "schema", SCHEMA_COMPARE);
	cJSON_AddNumberToObject(c, "threshold", o->threshold);
	cJSON_AddNumberToObject(c, "alpha", o->alpha);
	cJSON_AddItemToObject(c, "baseline", side(base, nb));
	cJSON_AddItemToObject(c, "current", side(cur, nc));
	env_check(c, base, nb, cur, nc);
	leaks = cJSON_AddArrayToObject(c, "new_leaks");
	new_leaks(leaks, base, nb, cur, nc);
	fails = cJSON_AddArrayToObject(c, "new_failures");
	new_failures(fails, base, nb, cur, nc);
	rows = cJSON_AddArrayToObject(c, "rows");
	/* Every scenario/role of either side, in the order the runs list them. */
	for (i = 0; i < nb + nc; i++) {
		const cJSON *s = summary_of(i < nb ? base[i] : cur[i - nb]);

		cJSON_ArrayForEach(sc, cJSON_GetObjectItem(s, "scenarios"))
			cJSON_ArrayForEach(role, cJSON_GetObjectItem(sc, "roles")) {
				char *key = xasprintf("%s\x1f%s", sc->string, role->string);

				if (!cJSON_GetObjectItem(seen, key)) {
					cJSON_AddTrueToObject(seen, key);
					cJSON_AddItemToArray(rows, compare_row(base, nb, cur, nc, sc->string,
									       role->string, o));
				}
				free(key);
			}
	}
	cJSON_Delete(seen);
	cJSON_ArrayForEach(r, rows) {
		const char *v = jstr(r, "verdict");

		nreg += !strcmp(v, "regression");
		nimp += !strcmp(v, "improvement");
		ninc += !strcmp(v, "inconclusive");
	}
	cJSON_AddStringToObject(c, "verdict",
				cJSON_GetArraySize(leaks) ? "new leak" :
				/* Latencies from different environments are not comparable. */
				cJSON_IsArray(cJSON_GetObjectItem(c, "environment_mismatch")) ?
				"environment mismatch" :
				nreg ? "regression" :
				cJSON_GetArraySize(fails) ? "new failure" :
				nimp ? "improvement" :
				cJSON_GetArraySize(rows) && ninc == cJSON_GetArraySize(rows) ? "inconclusive" :
				"no change");
	return c;
}

int compare_failed(const cJSON *c)
{
	const char *v = jstr(c, "verdict");

	return v && (!strcmp(v, "regression") || !strcmp(v, "new leak") || !strcmp(v, "new failure"));
}

static char *pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.1f%%", 100 * v);
	return buf;
}

void compare_print(const cJSON *c, FILE *f)
{
	const cJSON *r, *m;
	char a[8][32];

	fprintf(f, "tcelab compare: baseline %d run(s), current %d run(s); threshold %.0f %%, alpha %g\n",
		cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "baseline"), "runs")),
		cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "current"), "runs")),
		100 * jnum(c, "threshold"), jnum(c, "alpha"));
	fprintf(f, "  environment %s\n", jstr(c, "environment") ?: "?");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "environment_mismatch"))
		fprintf(f, "  ENVIRONMENT MISMATCH: %s\n", m->valuestring);
	fprintf(f, "  %-10s %-10s %11s %10s %10s %8s %10s %10s %8s %9s %6s  %s\n", "scenario", "role",
		"calls b/c", "p50 base", "p50 cur", "change", "p99 base", "p99 cur", "change", "p", "delta",
		"verdict");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows")) {
		char n[32];

		snprintf(n, sizeof(n), "%.0f/%.0f", jnum(r, "n_baseline"), jnum(r, "n_current"));
		snprintf(a[6], 32, isnan(jnum(r, "p_value")) ? "-" : "%.2g", jnum(r, "p_value"));
		snprintf(a[7], 32, isnan(jnum(r, "effect")) ? "-" : "%+.2f", jnum(r, "effect"));
		fprintf(f, "  %-10s %-10s %11s %10s %10s %8s %10s %10s %8s %9s %6s  %s\n",
			jstr(r, "scenario"), jstr(r, "role"), n,
			fmt_ns(jnum(r, "p50_baseline"), a[0], 32), fmt_ns(jnum(r, "p50_current"), a[1], 32),
			pct(jnum(r, "p50_change"), a[2], 32), fmt_ns(jnum(r, "p99_baseline"), a[3], 32),
			fmt_ns(jnum(r, "p99_current"), a[4], 32), pct(jnum(r, "p99_change"), a[5], 32),
			a[6], a[7], jstr(r, "verdict"));
	}
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "new_leaks"))
		fprintf(f, "  NEW LEAK: %s\n", m->valuestring);
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "new_failures"))
		fprintf(f, "  NEW FAILURE: %s\n", m->valuestring);
	fprintf(f, "verdict: %s\n", jstr(c, "verdict"));
}
