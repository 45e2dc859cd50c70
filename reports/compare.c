// SPDX-License-Identifier: GPL-2.0
/* A/B comparison (compare.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/schema.h>
#include <tcelab/timing.h>

#include "compare.h"
#include "export.h"
#include "model.h"
#include "stats.h"
#include "lib/json.h"
#include "lib/util.h"

void compare_opts_default(struct compare_opts *o)
{
	o->threshold = NAN;	/* the timing mode's (include/tcelab/timing.h) */
	o->max_rsd = 0.20;
	o->vary_kernel = false;
}

/*
 * Calls a run needs for its percentile @q to be judged: five beyond it. With fewer, a run's p99
 * is one of its few slowest calls, which whatever lands on them (an interrupt) decides.
 */
static double calls_needed(double q)
{
	return ceil(5 / (1 - q));
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

static double change(double cur, double base)
{
	if (isnan(cur) || isnan(base))
		return NAN;
	if (base <= 0)
		return cur > 0 ? INFINITY : 0;
	return cur / base - 1;
}

/* LKP's rule: the sides do not overlap in the direction of the change. */
static int separated(const struct run_values *b, const struct run_values *c, int slower)
{
	return slower ? c->min > b->mean && c->mean > b->max : c->max < b->mean && c->mean < b->min;
}

void compare_runs(const double *base, size_t nb, const double *cur, size_t nc,
		  const struct compare_opts *o, struct run_verdict *v)
{
	char *r = v->reason, spread[128] = "";
	size_t len = sizeof(v->reason);
	int slower;

	run_values_of(base, nb, &v->base);
	run_values_of(cur, nc, &v->cur);
	v->change = change(v->cur.mean, v->base.mean);
	welch_change_ci95(&v->base, &v->cur, &v->ci_lo, &v->ci_hi);
	slower = v->change > 0;
	/* The noisier side, when one is beyond the bound. */
	if (fmax(v->base.rsd, v->cur.rsd) > o->max_rsd)
		snprintf(spread, sizeof(spread), "the %s varies %.0f %%stddev run to run (bound %.0f %%)",
			 v->base.rsd >= v->cur.rsd ? "baseline" : "current",
			 100 * fmax(v->base.rsd, v->cur.rsd), 100 * o->max_rsd);
	if (nb < COMPARE_MIN_RUNS || nc < COMPARE_MIN_RUNS) {
		v->verdict = "inconclusive";
		v->rule = "min-runs";
		snprintf(r, len, "needs at least %d runs a side, got %zu and %zu", COMPARE_MIN_RUNS, nb, nc);
	} else if (fabs(v->change) <= o->threshold) {
		/* Nothing to call: a noisy side only widens the interval, which says so. */
		v->verdict = "no change";
		v->rule = "threshold";
		snprintf(r, len, "mean %+.1f %%, within the threshold (%.0f %%)%s%s", 100 * v->change,
			 100 * o->threshold, *spread ? "; weak evidence: " : "", spread);
	} else if (*spread) {
		v->verdict = "inconclusive";
		v->rule = "max-rsd";
		snprintf(r, len, "mean %+.1f %%, but %s", 100 * v->change, spread);
	} else if (separated(&v->base, &v->cur, slower)) {
		v->verdict = slower ? "regression" : "improvement";
		v->rule = "separation";
		snprintf(r, len, "mean %+.1f %%, every current run %s the baseline mean and the current "
			 "mean %s every baseline run", 100 * v->change, slower ? "above" : "below",
			 slower ? "above" : "below");
	} else {
		v->verdict = "inconclusive";
		v->rule = "overlap";
		snprintf(r, len, "mean %+.1f %%, but the runs overlap: run-to-run variation is as large "
			 "as the change", 100 * v->change);
	}
}

/*
 * One side of a row: each run's p50 and p99 from its own histogram (NAN for a run without calls
 * of the role), and every call pooled for the diagnostic test and the charts.
 */
static double *doubles(size_t n)
{
	double *v = calloc(n + 1, sizeof(*v));

	if (!v)
		abort();
	return v;
}

struct row_side {
	double *p50, *p99;	/* one per run of the side */
	size_t with_calls;
	double fewest_calls;	/* of the runs with calls */
	struct rhist pooled;
};

static void row_side_load(struct row_side *s, cJSON *const *docs, int n, const char *scen,
			  const char *role)
{
	int i;

	s->p50 = doubles(n);
	s->p99 = doubles(n);
	s->with_calls = 0;
	s->fewest_calls = INFINITY;
	rhist_init(&s->pooled);
	for (i = 0; i < n; i++) {
		const cJSON *lat = report_role_latency(docs[i], scen, role);
		struct rhist h;

		s->p50[i] = s->p99[i] = NAN;
		if (!lat)
			continue;
		rhist_from_json(lat, &h);
		if (h.count > 0) {
			s->p50[i] = rhist_percentile(&h, 0.5);
			s->p99[i] = rhist_percentile(&h, 0.99);
			s->with_calls++;
			s->fewest_calls = fmin(s->fewest_calls, h.count);
		}
		rhist_merge(&s->pooled, &h);
		rhist_free(&h);
	}
}

static void row_side_free(struct row_side *s)
{
	free(s->p50);
	free(s->p99);
	rhist_free(&s->pooled);
}

/* The runs' values without the runs that had no calls; returns how many. */
static size_t measured(const double *v, int n, double *out)
{
	size_t k = 0;
	int i;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			out[k++] = v[i];
	return k;
}

static cJSON *side_values_json(const double *v, int n, const struct run_values *s)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "values");
	int i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, isnan(v[i]) ? cJSON_CreateNull() : cJSON_CreateNumber(v[i]));
	add_num(o, "mean", s->n ? s->mean : NAN);
	add_num(o, "stddev", s->n > 1 ? s->sd : NAN);
	add_num(o, "rsd", s->n > 1 ? s->rsd : NAN);
	return o;
}

/*
 * Verdicts from best to worst: a row takes its worse percentile's, the comparison its worst
 * row's. "not judged" (too few calls) decides nothing while another verdict exists.
 */
static int verdict_rank(const char *v)
{
	static const char *const order[] = {
		"not judged", "no change", "improvement", "inconclusive", "regression"
	};
	int i;

	for (i = 0; i < 5; i++)
		if (!strcmp(v, order[i]))
			return i;
	return 0;
}

/* Judges percentile @q (@key "p50" or "p99") into @v and adds it to @row. */
static void judge(cJSON *row, const char *key, double q, const struct row_side *b, int nb,
		  const struct row_side *c, int nc, const struct compare_opts *o,
		  struct run_verdict *v)
{
	const double *bv = q < 0.9 ? b->p50 : b->p99, *cv = q < 0.9 ? c->p50 : c->p99;
	double *bm = doubles(nb), *cm = doubles(nc);
	size_t kb = measured(bv, nb, bm), kc = measured(cv, nc, cm);
	cJSON *p = cJSON_CreateObject(), *ci = cJSON_CreateArray();
	double fewest = fmin(b->fewest_calls, c->fewest_calls);
	char name[32];

	compare_runs(bm, kb, cm, kc, o, v);
	if (kb && kc && fewest < calls_needed(q)) {
		v->verdict = "not judged";
		v->rule = "min-calls";
		snprintf(v->reason, sizeof(v->reason), "a run with %.0f calls: its %s is one of its "
			 "slowest few (judged from %.0f calls a run)", fewest, key, calls_needed(q));
	}
	cJSON_AddItemToObject(p, "baseline", side_values_json(bv, nb, &v->base));
	cJSON_AddItemToObject(p, "current", side_values_json(cv, nc, &v->cur));
	add_num(p, "change", v->change);
	cJSON_AddItemToArray(ci, isnan(v->ci_lo) ? cJSON_CreateNull() : cJSON_CreateNumber(v->ci_lo));
	cJSON_AddItemToArray(ci, isnan(v->ci_hi) ? cJSON_CreateNull() : cJSON_CreateNumber(v->ci_hi));
	cJSON_AddItemToObject(p, "ci95", ci);
	cJSON_AddStringToObject(p, "verdict", v->verdict);
	cJSON_AddStringToObject(p, "rule", v->rule);
	cJSON_AddStringToObject(p, "reason", v->reason);
	cJSON_AddItemToObject(row, key, p);
	/* The flat keys of tcelab-compare/1, now the means of the per-run values. */
	snprintf(name, sizeof(name), "%s_baseline", key);
	add_num(row, name, kb ? v->base.mean : NAN);
	snprintf(name, sizeof(name), "%s_current", key);
	add_num(row, name, kc ? v->cur.mean : NAN);
	snprintf(name, sizeof(name), "%s_change", key);
	add_num(row, name, kb && kc ? v->change : NAN);
	free(bm);
	free(cm);
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

/* The unit of a scenario's role latencies ("ns", "insns"): the same on every run compared. */
static const char *row_unit(cJSON *const *base, int nb, cJSON *const *cur, int nc,
			    const char *scen, const char *role)
{
	const cJSON *r;
	int i;

	for (i = 0; i < nb + nc; i++) {
		r = cJSON_GetObjectItem(cJSON_GetObjectItem(summary_of(i < nb ? base[i] : cur[i - nb]),
							    "scenarios"), scen);
		r = report_role(cJSON_GetObjectItem(r, "roles"), role);
		if (jstr(r, "unit"))
			return jstr(r, "unit");
	}
	return "ns";
}

static cJSON *compare_row(cJSON *const *base, int nb, cJSON *const *cur, int nc, const char *scen,
			  const char *role, const struct compare_opts *o)
{
	cJSON *row = cJSON_CreateObject();
	struct row_side b, c;
	struct run_verdict v50, v99;
	const struct run_verdict *worse;
	struct mwu m;
	char *reason;

	cJSON_AddStringToObject(row, "scenario", scen);
	cJSON_AddStringToObject(row, "role", role);
	cJSON_AddStringToObject(row, "unit", row_unit(base, nb, cur, nc, scen, role));
	row_side_load(&b, base, nb, scen, role);
	row_side_load(&c, cur, nc, scen, role);
	add_num(row, "n_baseline", b.pooled.count);
	add_num(row, "n_current", c.pooled.count);
	cJSON_AddNumberToObject(row, "runs_baseline", b.with_calls);
	cJSON_AddNumberToObject(row, "runs_current", c.with_calls);
	judge(row, "p50", 0.50, &b, nb, &c, nc, o, &v50);
	judge(row, "p99", 0.99, &b, nb, &c, nc, o, &v99);
	worse = verdict_rank(v99.verdict) > verdict_rank(v50.verdict) ? &v99 : &v50;
	/* Diagnostic only: calls of a run are not independent, so its p is far too small. */
	if (b.pooled.count && c.pooled.count && !mwu_hist(&c.pooled, &b.pooled, &m)) {
		add_num(row, "u", m.u);
		add_num(row, "p_value", m.p);
		add_num(row, "effect", m.delta);
		cJSON_AddStringToObject(row, "effect_size", effect_label(m.delta));
	} else {
		cJSON_AddNullToObject(row, "u");
		cJSON_AddNullToObject(row, "p_value");
		cJSON_AddNullToObject(row, "effect");
		cJSON_AddNullToObject(row, "effect_size");
	}
	cJSON_AddStringToObject(row, "verdict", worse->verdict);
	cJSON_AddStringToObject(row, "rule", worse->rule);
	reason = xasprintf("%s: %s", worse == &v50 ? "p50" : "p99", worse->reason);
	cJSON_AddStringToObject(row, "reason", reason);
	free(reason);
	cJSON_AddItemToObject(row, "hist_baseline", buckets_json(&b.pooled));
	cJSON_AddItemToObject(row, "hist_current", buckets_json(&c.pooled));
	row_side_free(&b);
	row_side_free(&c);
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

/* Adds to @mis a line when run @s of side @what differs from run @ref. */
static void env_differs(cJSON *mis, const char *what, const cJSON *s, const cJSON *ref,
			bool with_kernel)
{
	char *line = report_env_line(s, with_kernel), *ref_line = report_env_line(ref, with_kernel);

	if (strcmp(line, ref_line)) {
		char *m = xasprintf("%s %s has %s; %s has %s", what, jstr(s, "run_id") ?: "?", line,
				    jstr(ref, "run_id") ?: "?", ref_line);

		cJSON_AddItemToArray(mis, cJSON_CreateString(m));
		free(m);
	}
	free(line);
	free(ref_line);
}

static void env_check(cJSON *c, cJSON *const *base, int nb, cJSON *const *cur, int nc,
		      const struct compare_opts *o)
{
	const cJSON *ref = summary_of(base[0]);
	char *ref_line = report_env_line(ref, !o->vary_kernel);
	cJSON *mis = cJSON_CreateArray();
	int i;

	for (i = 1; i < nb; i++)
		env_differs(mis, "baseline", summary_of(base[i]), ref, true);
	/* With the kernel under test, a side's own runs must still share theirs. */
	for (i = 0; i < nc; i++) {
		env_differs(mis, "current", summary_of(cur[i]), ref, !o->vary_kernel);
		if (o->vary_kernel && i)
			env_differs(mis, "current", summary_of(cur[i]), summary_of(cur[0]), true);
	}
	cJSON_AddStringToObject(c, "environment", ref_line);
	if (o->vary_kernel) {
		cJSON *k = cJSON_AddObjectToObject(c, "kernels");

		cJSON_AddStringToObject(k, "baseline", json_str_at(ref, "environment.kernel") ?: "?");
		cJSON_AddStringToObject(k, "current",
					json_str_at(summary_of(cur[0]), "environment.kernel") ?: "?");
	}
	if (cJSON_GetArraySize(mis))
		cJSON_AddItemToObject(c, "environment_mismatch", mis);
	else {
		cJSON_Delete(mis);
		cJSON_AddNullToObject(c, "environment_mismatch");
	}
	free(ref_line);
}

/* What compare_docs() adds rows with: both sides, the options, the rows and those seen. */
struct row_adder {
	cJSON *const *base, *const *cur;
	int nb, nc;
	const char *scenario;
	const struct compare_opts *o;
	cJSON *rows, *seen;
};

/* A row for the scenario's @role unless one is there already (report_latency_rows()). */
static void add_row(void *arg, const char *role, const cJSON *row)
{
	struct row_adder *a = arg;
	char *key = xasprintf("%s\x1f%s", a->scenario, role);

	(void)row;
	if (!cJSON_GetObjectItem(a->seen, key)) {
		cJSON_AddTrueToObject(a->seen, key);
		cJSON_AddItemToArray(a->rows, compare_row(a->base, a->nb, a->cur, a->nc, a->scenario,
							  role, a->o));
	}
	free(key);
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
	struct compare_opts resolved;
	const cJSON *sc, *r;
	const char *worst = NULL;
	int i;

	cJSON_AddStringToObject(c, "schema", SCHEMA_COMPARE);
	if (isnan(o->threshold)) {
		const char *timing = jstr(cJSON_GetObjectItem(summary_of(base[0]), "environment"),
					  "timing");
		int mode = tcelab_timing_find(timing);

		resolved = *o;
		resolved.threshold = tcelab_timings[mode < 0 ? TCELAB_TIMING_HOST : mode].threshold_pct /
				     100.0;
		o = &resolved;
	}
	cJSON_AddNumberToObject(c, "threshold", o->threshold);
	cJSON_AddNumberToObject(c, "max_rsd", o->max_rsd);
	cJSON_AddNumberToObject(c, "min_runs", COMPARE_MIN_RUNS);
	cJSON_AddStringToObject(c, "ci", "welch-t-95");
	cJSON_AddItemToObject(c, "baseline", side(base, nb));
	cJSON_AddItemToObject(c, "current", side(cur, nc));
	env_check(c, base, nb, cur, nc, o);
	cJSON_AddStringToObject(c, "target", jstr(summary_of(base[0]), "target") ?: "?");
	cJSON_AddStringToObject(c, "timing", jstr(cJSON_GetObjectItem(summary_of(base[0]),
								       "environment"), "timing") ?: "host");
	leaks = cJSON_AddArrayToObject(c, "new_leaks");
	new_leaks(leaks, base, nb, cur, nc);
	fails = cJSON_AddArrayToObject(c, "new_failures");
	new_failures(fails, base, nb, cur, nc);
	rows = cJSON_AddArrayToObject(c, "rows");
	/* Every scenario/role of either side, in the order the runs list them, workload first. */
	for (i = 0; i < nb + nc; i++) {
		const cJSON *s = summary_of(i < nb ? base[i] : cur[i - nb]);
		struct row_adder adder = { base, cur, nb, nc, NULL, o, rows, seen };

		cJSON_ArrayForEach(sc, cJSON_GetObjectItem(s, "scenarios")) {
			adder.scenario = sc->string;
			report_latency_rows(sc, true, add_row, &adder);
		}
	}
	cJSON_Delete(seen);
	cJSON_ArrayForEach(r, rows)
		if (!worst || verdict_rank(jstr(r, "verdict")) > verdict_rank(worst))
			worst = jstr(r, "verdict");
	cJSON_AddStringToObject(c, "verdict",
				cJSON_GetArraySize(leaks) ? "new leak" :
				/* Latencies from different environments are not comparable. */
				cJSON_IsArray(cJSON_GetObjectItem(c, "environment_mismatch")) ?
				"environment mismatch" :
				worst && !strcmp(worst, "regression") ? "regression" :
				cJSON_GetArraySize(fails) ? "new failure" :
				/* No latencies judged: nothing supports "no change". */
				worst && strcmp(worst, "not judged") ? worst : "inconclusive");
	return c;
}

enum tcelab_exit compare_status(const cJSON *c)
{
	const char *v = jstr(c, "verdict");

	if (!strcmp(v, "regression") || !strcmp(v, "new leak") || !strcmp(v, "new failure"))
		return TCELAB_EXIT_FAIL;
	return strcmp(v, "inconclusive") ? TCELAB_EXIT_PASS : TCELAB_EXIT_INCONCLUSIVE;
}

static char *pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%+.1f%%", 100 * v);
	return buf;
}

static void print_percentile(const cJSON *r, const char *key, FILE *f)
{
	const cJSON *p = cJSON_GetObjectItem(r, key);
	const cJSON *b = cJSON_GetObjectItem(p, "baseline"), *c = cJSON_GetObjectItem(p, "current");
	const cJSON *ci = cJSON_GetObjectItem(p, "ci95");
	double lo = cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) ? cJSON_GetArrayItem(ci, 0)->valuedouble : NAN;
	double hi = cJSON_IsNumber(cJSON_GetArrayItem(ci, 1)) ? cJSON_GetArrayItem(ci, 1)->valuedouble : NAN;
	char runs[32], mb[32], mc[32], chg[32], cis[48], sd[32], pv[32], d[32];

	snprintf(runs, sizeof(runs), "%.0f/%.0f", jnum(r, "runs_baseline"), jnum(r, "runs_current"));
	if (isnan(lo))
		snprintf(cis, sizeof(cis), "-");
	else
		snprintf(cis, sizeof(cis), "%+.1f..%+.1f%%", 100 * lo, 100 * hi);
	snprintf(sd, sizeof(sd), isnan(jnum(b, "rsd")) ? "-/" : "%.0f/", 100 * jnum(b, "rsd"));
	snprintf(sd + strlen(sd), sizeof(sd) - strlen(sd), isnan(jnum(c, "rsd")) ? "-" : "%.0f",
		 100 * jnum(c, "rsd"));
	snprintf(pv, sizeof(pv), isnan(jnum(r, "p_value")) ? "-" : "%.2g", jnum(r, "p_value"));
	snprintf(d, sizeof(d), isnan(jnum(r, "effect")) ? "-" : "%+.2f", jnum(r, "effect"));
	fprintf(f, "  %-10s %-14s %-3s %7s %10s %10s %9s %20s %7s %9s %6s  %s\n", jstr(r, "scenario"),
		jstr(r, "role"), key, runs, fmt_latency(jnum(b, "mean"), jstr(r, "unit"), mb, sizeof(mb)),
		fmt_latency(jnum(c, "mean"), jstr(r, "unit"), mc, sizeof(mc)), pct(jnum(p, "change"), chg, sizeof(chg)), cis,
		sd, pv, d, jstr(p, "verdict"));
}

void compare_print(const cJSON *c, FILE *f)
{
	const cJSON *r, *m;

	fprintf(f, "tcelab compare: baseline %d run(s), current %d run(s); threshold %.0f %%, "
		"max rsd %.0f %%, at least %.0f runs a side\n",
		cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "baseline"), "runs")),
		cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "current"), "runs")),
		100 * jnum(c, "threshold"), 100 * jnum(c, "max_rsd"), jnum(c, "min_runs"));
	fprintf(f, "  environment %s\n", jstr(c, "environment") ?: "?");
	if (cJSON_GetObjectItem(c, "kernels"))
		fprintf(f, "  kernels     baseline %s, current %s\n",
			json_str_at(c, "kernels.baseline") ?: "?", json_str_at(c, "kernels.current") ?: "?");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "environment_mismatch"))
		fprintf(f, "  ENVIRONMENT MISMATCH: %s\n", m->valuestring);
	fprintf(f, "  per run: the mean of each run's percentile, its change with a 95 %% Welch "
		"interval, %%stddev across runs; per call (diagnostic): Mann-Whitney p, Cliff's delta\n");
	fprintf(f, "  %-10s %-14s %-3s %7s %10s %10s %9s %20s %7s %9s %6s  %s\n", "scenario", "role",
		"", "runs", "base", "current", "change", "95% CI", "%sd b/c", "p calls", "delta",
		"verdict");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows")) {
		print_percentile(r, "p50", f);
		print_percentile(r, "p99", f);
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows"))
		if (strcmp(jstr(r, "verdict"), "no change"))
			fprintf(f, "  %s %s: %s (%s)\n", jstr(r, "scenario"), jstr(r, "role"),
				jstr(r, "verdict"), jstr(r, "reason"));
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "new_leaks"))
		fprintf(f, "  NEW LEAK: %s\n", m->valuestring);
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "new_failures"))
		fprintf(f, "  NEW FAILURE: %s\n", m->valuestring);
	fprintf(f, "verdict: %s\n", jstr(c, "verdict"));
}
