// SPDX-License-Identifier: GPL-2.0
/* reports/: statistics, percentiles, OpenMetrics, and compare verdicts on recorded runs. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "reports/compare.h"
#include "reports/export.h"
#include "reports/model.h"
#include "reports/stats.h"
#include <tcelab/schema.h>

#include "unit.h"
#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/util.h"

#define CHECK_NEAR(got, want, tol) CHECK(fabs((double)(got) - (double)(want)) <= (tol))

/* scipy.stats.mannwhitneyu's documented example: U = 17, exact p = 0.1111, asymptotic 0.1113. */
UNIT_TEST(report_mwu_known_values)
{
	double x[] = { 19, 22, 16, 29, 24 }, y[] = { 20, 11, 17, 12 };
	struct mwu r;

	CHECK_EQ(mwu_test(x, 5, y, 4, &r), 0);
	CHECK_NEAR(r.u, 17, 1e-12);
	CHECK(r.exact);
	CHECK_NEAR(r.p, 1.0 / 9, 1e-12);	/* 14 of 126 arrangements, two-sided */
	CHECK_NEAR(r.delta, 2 * 17.0 / 20 - 1, 1e-12);
	mwu_test_method(x, 5, y, 4, MWU_NORMAL, &r);
	CHECK_NEAR(r.p, 0.11134688653314041, 1e-9);
	/* The other way round: U of y is n1 n2 - 17, same p. */
	mwu_test(y, 4, x, 5, &r);
	CHECK_NEAR(r.u, 3, 1e-12);
	CHECK_NEAR(r.p, 1.0 / 9, 1e-12);
}

UNIT_TEST(report_mwu_exact_distribution)
{
	/* n1 = n2 = 3: U takes 0..9 over C(6,3) = 20 arrangements; P(U <= 0) = 1/20, P(U <= 1) = 2/20. */
	CHECK_NEAR(mwu_exact_cdf(3, 3, 0), 0.05, 1e-12);
	CHECK_NEAR(mwu_exact_cdf(3, 3, 1), 0.10, 1e-12);
	CHECK_NEAR(mwu_exact_cdf(3, 3, 9), 1.0, 1e-12);
	/* symmetric: P(U <= 4) = 1 - P(U <= 4) ... U in 0..9, P(U <= 4) = 0.5 */
	CHECK_NEAR(mwu_exact_cdf(3, 3, 4), 0.5, 1e-12);
	CHECK_NEAR(mwu_exact_cdf(4, 6, 0), 1.0 / 210, 1e-12);
}

UNIT_TEST(report_mwu_ties)
{
	/*
	 * x = {1, 2, 2}, y = {2, 3, 3}: ranks 1 | 3,3,3 (the three 2s share ranks 2-4) | 5.5, 5.5.
	 * R1 = 1 + 3 + 3 = 7, U1 = 7 - 6 = 1. Tie term: (27 - 3) + (8 - 2) = 30.
	 * sd = sqrt(9/12 * (7 - 30/30)) = sqrt(4.5); z = (U2 - 4.5 - 0.5)/sd with U2 = 8.
	 */
	double x[] = { 1, 2, 2 }, y[] = { 2, 3, 3 };
	struct mwu r;

	mwu_test(x, 3, y, 3, &r);
	CHECK(!r.exact);
	CHECK_NEAR(r.u, 1, 1e-12);
	CHECK_NEAR(r.p, erfc((8 - 4.5 - 0.5) / sqrt(4.5) / sqrt(2)), 1e-12);
	CHECK(r.delta < 0);
	/* All values equal: no evidence. */
	{
		double a[] = { 5, 5, 5 }, b[] = { 5, 5 };

		mwu_test(a, 3, b, 2, &r);
		CHECK_NEAR(r.p, 1, 1e-12);
		CHECK_NEAR(r.delta, 0, 1e-12);
	}
	CHECK_STR(effect_label(0.1), "negligible");
	CHECK_STR(effect_label(-0.2), "small");
	CHECK_STR(effect_label(0.4), "medium");
	CHECK_STR(effect_label(-0.9), "large");
}

UNIT_TEST(report_mwu_histograms)
{
	/* Histogram buckets are tie groups: same answer as the raw values at the buckets' bounds. */
	struct rhist a, b;
	double xa[] = { 10, 10, 20, 30, 30, 30 }, xb[] = { 20, 20, 30, 40, 40 };
	struct mwu rh, rr;

	rhist_init(&a);
	rhist_init(&b);
	rhist_add(&a, 10, 11, 2);
	rhist_add(&a, 20, 21, 1);
	rhist_add(&a, 30, 31, 3);
	rhist_add(&b, 20, 21, 2);
	rhist_add(&b, 30, 31, 1);
	rhist_add(&b, 40, 41, 2);
	mwu_hist(&a, &b, &rh);
	mwu_test(xa, 6, xb, 5, &rr);
	CHECK_NEAR(rh.u, rr.u, 1e-12);
	CHECK_NEAR(rh.p, rr.p, 1e-12);
	rhist_free(&a);
	rhist_free(&b);
}

UNIT_TEST(report_percentiles)
{
	struct rhist h;
	double v[] = { 5, 1, 4, 2, 3 };

	/* 100 values evenly in [1000, 1100) and 1 at [5000, 5100): p50 inside the first bucket. */
	rhist_init(&h);
	rhist_add(&h, 1000, 1100, 100);
	rhist_add(&h, 5000, 5100, 1);
	h.count = 101;
	h.min = 1000;
	h.max = 5050;
	/* rank ceil(0.5 * 101) = 51 of 100 in [1000, 1100): 1000 + floor(99 * 51 / 100) = 1050 */
	CHECK_NEAR(rhist_percentile(&h, 0.5), 1050, 1e-9);
	CHECK_NEAR(rhist_percentile(&h, 1.0), 5050, 1e-9);	/* clamped to max */
	CHECK_NEAR(rhist_percentile(&h, 0), 1000, 1e-9);
	rhist_free(&h);
	sort_doubles(v, 5);
	CHECK_NEAR(percentile_sorted(v, 5, 0.5), 3, 1e-12);
	CHECK_NEAR(percentile_sorted(v, 5, 0.25), 2, 1e-12);
	CHECK_NEAR(percentile_sorted(v, 5, 0.9), 4.6, 1e-12);
}

static cJSON *fixture(const char *name)
{
	char *dir = xasprintf("%s/tests/fixtures/runs/%s", tcelab_top(), name);
	const char *why = NULL;
	cJSON *doc = report_load(dir, &why);

	if (!doc)
		printf("#   fixture %s: %s\n", dir, why);
	free(dir);
	return doc;
}

/* Recomputed from the buckets, a run's percentiles equal the probe's own (lib/hist.c rule). */
UNIT_TEST(report_percentiles_match_probe)
{
	cJSON *doc = fixture("powernv9-base-1");
	const char *roles[] = { "xchg", "kill", "op", "pin", "unpin" };
	char *path = xasprintf("%s/tests/fixtures/runs/powernv9-base-1/guest/probe.json", tcelab_top());
	char err[512];
	cJSON *probe = probe_doc_load(path, err, sizeof(err));
	size_t i;

	CHECK(doc && probe);
	/* What summary.json is: export writes doc's "summary". */
	CHECK_STR(json_str_at(doc, "summary.schema"), SCHEMA_SUMMARY);
	for (i = 0; doc && probe && i < 5; i++) {
		const cJSON *lat = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(probe, "roles"), roles[i]), "latency"), "p50");
		const cJSON *row = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "scenarios"), "smoke"),
			"roles"), roles[i]);

		CHECK_NEAR(jnum(row, "p50"), lat->valuedouble, 1.0);
		CHECK_NEAR(jnum(row, "p99"), jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(
			cJSON_GetObjectItem(probe, "roles"), roles[i]), "latency"), "p99"), 1.0);
	}
	cJSON_Delete(doc);
	cJSON_Delete(probe);
	free(path);
}

UNIT_TEST(report_openmetrics_format)
{
	const char *runs[] = { "powernv9-base-1", "powernv9-leak-3", "x86_64-base-1",
			       "x86_64-suite-default" };
	char err[256];
	size_t i;

	for (i = 0; i < 4; i++) {
		cJSON *doc = fixture(runs[i]);
		char *om = doc ? openmetrics_format(doc) : NULL;

		CHECK(om);
		if (!om)
			continue;
		if (openmetrics_check(om, err, sizeof(err))) {
			printf("#   %s: %s\n", runs[i], err);
			CHECK(0);
		}
		CHECK(strstr(om, "# TYPE tcelab_latency_seconds histogram\n"));
		CHECK(strstr(om, "le=\"+Inf\"}"));
		CHECK(!strcmp(om + strlen(om) - 6, "# EOF\n"));
		free(om);
		cJSON_Delete(doc);
	}
}

UNIT_TEST(report_openmetrics_checker_rejects)
{
	static const char *const bad[] = {
		"# TYPE a gauge\na 1\n",						/* no # EOF */
		"# TYPE a gauge\na 1\n# EOF\nb 1\n",					/* after EOF */
		"# TYPE a_seconds histogram\na_seconds_bucket{le=\"1\"} 2\n"
		"a_seconds_bucket{le=\"2\"} 1\na_seconds_bucket{le=\"+Inf\"} 2\n"
		"a_seconds_count 2\na_seconds_sum 1\n# EOF\n",				/* not cumulative */
		"# TYPE a histogram\na_bucket{le=\"1\"} 1\na_count 1\n# EOF\n",		/* no +Inf */
		"# TYPE a histogram\na_bucket{le=\"+Inf\"} 3\na_count 2\na_sum 1\n# EOF\n",	/* count */
		"# TYPE a gauge\na{x=\"1} 1\n# EOF\n",					/* label */
		"# TYPE a gauge\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n",		/* twice */
		"# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n",			/* unit suffix */
		"# TYPE a gauge\na one\n# EOF\n",					/* value */
		"# TYPE 1a gauge\n# EOF\n",						/* name */
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!openmetrics_check(bad[i], err, sizeof(err))) {
			printf("#   accepted bad input %zu\n", i);
			CHECK(0);
		}
	CHECK_EQ(openmetrics_check("# TYPE a_seconds histogram\n# UNIT a_seconds seconds\n"
				   "a_seconds_bucket{r=\"x\\\"y\",le=\"0.5\"} 1\n"
				   "a_seconds_bucket{r=\"x\\\"y\",le=\"+Inf\"} 2\n"
				   "a_seconds_count{r=\"x\\\"y\"} 2\na_seconds_sum{r=\"x\\\"y\"} 1.5\n# EOF\n",
				   err, sizeof(err)), 0);
}

/* The rule on synthetic per-run values (compare.h): what each case shows is in its reason. */
static struct run_verdict judge_runs(const double *b, size_t nb, const double *c, size_t nc)
{
	struct compare_opts o;
	struct run_verdict v;

	compare_opts_default(&o);
	o.threshold = 0.10;	/* the host timing mode's */
	compare_runs(b, nb, c, nc, &o, &v);
	printf("#   %s (%s): %s\n", v.verdict, v.rule, v.reason);
	return v;
}

UNIT_TEST(report_rule_needs_three_runs)
{
	double b[] = { 100, 101, 99 }, c[] = { 200, 201, 199 };
	struct run_verdict v = judge_runs(b, 2, c, 3);

	CHECK_STR(v.verdict, "inconclusive");
	CHECK_STR(v.rule, "min-runs");
	CHECK(strstr(v.reason, "needs at least 3 runs a side, got 2 and 3"));
	v = judge_runs(b, 3, c, 3);
	CHECK_STR(v.verdict, "regression");
}

UNIT_TEST(report_rule_separated_regression_and_improvement)
{
	double b[] = { 100, 102, 98 }, c[] = { 120, 122, 118 };
	struct run_verdict v = judge_runs(b, 3, c, 3);

	CHECK_STR(v.verdict, "regression");
	CHECK_STR(v.rule, "separation");
	CHECK_NEAR(v.change, 0.20, 1e-12);
	v = judge_runs(c, 3, b, 3);
	CHECK_STR(v.verdict, "improvement");
	CHECK_STR(v.rule, "separation");
}

UNIT_TEST(report_rule_overlap_is_not_a_regression)
{
	/* Means 100 and 120 (+20 %), but a current run (95) is below the baseline mean. */
	double b[] = { 90, 100, 110 }, c[] = { 95, 125, 140 };
	struct run_verdict v = judge_runs(b, 3, c, 3);

	CHECK_NEAR(v.change, 0.20, 1e-12);
	CHECK_STR(v.verdict, "inconclusive");
	CHECK_STR(v.rule, "overlap");
	/* Every current run above the baseline mean, but the current mean (112.3) not above 115. */
	{
		double b2[] = { 85, 100, 115 }, c2[] = { 101, 112, 124 };

		v = judge_runs(b2, 3, c2, 3);
		CHECK(v.change > 0.12);
		CHECK_STR(v.rule, "overlap");
	}
}

UNIT_TEST(report_rule_rsd_bound)
{
	/* Current: mean 200, stddev 60 (30 %); separated and +100 %, but too noisy to believe. */
	double b[] = { 100, 101, 99 }, c[] = { 140, 200, 260 };
	struct run_verdict v = judge_runs(b, 3, c, 3);

	CHECK_NEAR(v.cur.rsd, 0.30, 1e-12);
	CHECK_STR(v.verdict, "inconclusive");
	CHECK_STR(v.rule, "max-rsd");
	CHECK(strstr(v.reason, "the current varies 30 %stddev"));
	v = judge_runs(c, 3, b, 3);
	CHECK_STR(v.rule, "max-rsd");
	CHECK(strstr(v.reason, "the baseline varies 30 %stddev"));
	/* Both beyond the bound: the noisier one is named. */
	{
		double b2[] = { 75, 100, 125 };

		v = judge_runs(b2, 3, c, 3);
		CHECK(strstr(v.reason, "the current varies 30 %stddev"));
	}
	/* Within the threshold: no change, flagged as weak evidence. */
	{
		double c2[] = { 75, 100, 125 };

		v = judge_runs(b, 3, c2, 3);
		CHECK_STR(v.verdict, "no change");
		CHECK(strstr(v.reason, "weak evidence"));
	}
}

UNIT_TEST(report_rule_welch_interval)
{
	/*
	 * Means 100 and 120, stddev 10 each, 3 runs: se = sqrt(100/3 + 100/3), Welch df = 4,
	 * t(0.975, 4) = 2.7764451051977987: 20 +- 22.667 -> -2.7 % .. +42.7 % of the baseline.
	 */
	double b[] = { 90, 100, 110 }, c[] = { 110, 120, 130 };
	double half = 2.7764451051977987 * sqrt(200.0 / 3);
	struct run_verdict v = judge_runs(b, 3, c, 3);

	CHECK_NEAR(v.ci_lo, (20 - half) / 100, 1e-9);
	CHECK_NEAR(v.ci_hi, (20 + half) / 100, 1e-9);
	CHECK_NEAR(student_t_quantile(0.975, 2), 4.302652729911275, 1e-9);
	CHECK_NEAR(student_t_quantile(0.975, 1e6), 1.959966, 1e-5);
	CHECK_NEAR(student_t_quantile(0.5, 3.5), 0, 1e-9);
	/* Unequal spreads: df = (25/3 + 100/3)^2 / ((25/3)^2/2 + (100/3)^2/2) = 2.941... */
	{
		double b2[] = { 95, 100, 105 }, c2[] = { 110, 120, 130 };
		double vb = 25.0 / 3, vc = 100.0 / 3, df = (vb + vc) * (vb + vc) / (vb * vb / 2 + vc * vc / 2);

		v = judge_runs(b2, 3, c2, 3);
		CHECK_NEAR(v.ci_hi - v.change, student_t_quantile(0.975, df) * sqrt(vb + vc) / 100, 1e-9);
		CHECK(student_t_quantile(0.975, df) > 3.18 && student_t_quantile(0.975, df) < 4.30);
	}
	/* The same runs on both sides: an interval around 0 as wide as their spread. */
	v = judge_runs(b, 3, b, 3);
	CHECK_NEAR(v.ci_lo, -half / 100, 1e-9);
	CHECK_NEAR(v.ci_hi, -v.ci_lo, 1e-12);
	/* Neither side varies: the interval is the change itself. */
	{
		double flat_b[] = { 100, 100, 100 }, flat_c[] = { 130, 130, 130 };

		v = judge_runs(flat_b, 3, flat_c, 3);
		CHECK_NEAR(v.ci_lo, 0.30, 1e-12);
		CHECK_NEAR(v.ci_hi, 0.30, 1e-12);
	}
}

static cJSON *compare_fixtures(const char *const *b, int nb, const char *const *c, int nc)
{
	cJSON *base[4], *cur[4], *r;
	struct compare_opts o;
	int i;

	compare_opts_default(&o);
	for (i = 0; i < nb; i++)
		base[i] = fixture(b[i]);
	for (i = 0; i < nc; i++)
		cur[i] = fixture(c[i]);
	r = compare_docs(base, nb, cur, nc, &o);
	for (i = 0; i < nb; i++)
		cJSON_Delete(base[i]);
	for (i = 0; i < nc; i++)
		cJSON_Delete(cur[i]);
	return r;
}

static const cJSON *row_of(const cJSON *c, const char *role)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows"))
		if (!strcmp(jstr(r, "role"), role))
			return r;
	return NULL;
}

static const char *row_verdict(const cJSON *c, const char *role)
{
	return jstr(row_of(c, role), "verdict") ?: "(missing)";
}

static const char *const base_runs[] = { "powernv9-base-1", "powernv9-base-2", "powernv9-base-3" };
static const char *const kill_runs[] = { "powernv9-kill-1", "powernv9-kill-2", "powernv9-kill-3" };

/* Repeated runs of the same build (recorded on powernv9): no change, exit 0. */
UNIT_TEST(report_compare_aa_no_change)
{
	cJSON *r = compare_fixtures(base_runs, 3, base_runs, 3);

	CHECK_STR(jstr(r, "schema"), SCHEMA_COMPARE);
	CHECK_STR(jstr(r, "verdict"), "no change");
	CHECK_EQ(compare_status(r), TCELAB_EXIT_PASS);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(r, "environment_mismatch")));
	CHECK_STR(row_verdict(r, "kill"), "no change");
	CHECK_STR(row_verdict(r, "op"), "no change");
	cJSON_Delete(r);
}

/* One run a side is no evidence of run-to-run variation: inconclusive, exit 3. */
UNIT_TEST(report_compare_one_run_inconclusive)
{
	cJSON *r = compare_fixtures(base_runs, 1, kill_runs, 1);
	const cJSON *kill;

	CHECK_STR(jstr(r, "verdict"), "inconclusive");
	CHECK_EQ(compare_status(r), TCELAB_EXIT_INCONCLUSIVE);
	kill = row_of(r, "kill");
	CHECK_STR(jstr(kill, "rule"), "min-runs");
	/* The per-call test still sees it, as a diagnostic. */
	CHECK(jnum(kill, "p_value") < 1e-6);
	cJSON_Delete(r);
}

/* kmod knob kill_delay_us=200 (sleep in every invalidate): the kill role regresses. */
UNIT_TEST(report_compare_kill_knob_regression)
{
	cJSON *r = compare_fixtures(base_runs, 3, kill_runs, 3);
	const cJSON *p50 = cJSON_GetObjectItem(row_of(r, "kill"), "p50");

	CHECK_STR(jstr(r, "verdict"), "regression");
	CHECK_EQ(compare_status(r), TCELAB_EXIT_FAIL);
	CHECK_STR(row_verdict(r, "kill"), "regression");
	CHECK_STR(jstr(p50, "rule"), "separation");
	CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(p50, "current"), "values")), 3);
	CHECK(cJSON_GetArrayItem(cJSON_GetObjectItem(p50, "ci95"), 0)->valuedouble > 1);
	CHECK_STR(row_verdict(r, "op:map"), "regression");
	/* Host-timed runs: the host mode's threshold. */
	CHECK(fabs(jnum(r, "threshold") - 0.10) < 1e-9);
	/* 33 kill calls a run: its p99 is its slowest call or so, which decides nothing. */
	CHECK_STR(jstr(cJSON_GetObjectItem(row_of(r, "kill"), "p99"), "verdict"), "not judged");
	CHECK_STR(jstr(cJSON_GetObjectItem(row_of(r, "kill"), "p99"), "rule"), "min-calls");
	cJSON_Delete(r);
	/* And back: the baseline is an improvement over the knob runs. */
	r = compare_fixtures(kill_runs, 3, base_runs, 3);
	CHECK_STR(jstr(cJSON_GetObjectItem(row_of(r, "kill"), "p50"), "verdict"), "improvement");
	CHECK(compare_status(r) != TCELAB_EXIT_FAIL);
	cJSON_Delete(r);
}

/* A run whose workload ended with 16 pages pinned: a new leak, whatever the number of runs. */
UNIT_TEST(report_compare_new_leak)
{
	const char *c[] = { "powernv9-leak-3" };
	cJSON *r = compare_fixtures(base_runs, 1, c, 1);
	const cJSON *l;
	int pages = 0;

	CHECK_STR(jstr(r, "verdict"), "new leak");
	CHECK_EQ(compare_status(r), TCELAB_EXIT_FAIL);
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(r, "new_leaks"))
		pages |= strstr(l->valuestring, "16 page(s) still pinned by the workload") != NULL;
	CHECK(pages);
	cJSON_Delete(r);
}

UNIT_TEST(report_compare_environment_mismatch)
{
	const char *c[] = { "x86_64-base-1" };
	cJSON *r = compare_fixtures(base_runs, 1, c, 1);

	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(r, "environment_mismatch")) == 1);
	CHECK_EQ(compare_status(r), TCELAB_EXIT_PASS);
	cJSON_Delete(r);
}

/* Sets run @doc's kernel release (summary.environment.kernel). */
static void set_kernel(cJSON *doc, const char *release)
{
	cJSON *env = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "environment");

	cJSON_ReplaceItemInObject(env, "kernel", cJSON_CreateString(release));
}

/* compare --vary-kernel (tcelab ab): the sides' kernels may differ, a side's own runs not. */
UNIT_TEST(report_compare_vary_kernel)
{
	cJSON *base[3], *cur[3], *r;
	struct compare_opts o;
	int i, j;

	compare_opts_default(&o);
	for (i = 0; i < 3; i++) {
		base[i] = fixture(base_runs[i]);
		cur[i] = fixture(base_runs[i]);
		set_kernel(cur[i], "6.12.0-cand");
	}
	for (j = 0; j < 3; j++) {
		/* 0: kernels differ, not varied; 1: varied; 2: varied, a candidate run differs */
		o.vary_kernel = j > 0;
		if (j == 2)
			set_kernel(cur[1], "6.12.0-other");
		r = compare_docs(base, 3, cur, 3, &o);
		CHECK_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(r, "environment_mismatch")),
			 j == 1 ? 0 : 3 - j);
		CHECK_EQ(!!cJSON_GetObjectItem(r, "kernels"), j > 0);
		if (j == 1) {
			CHECK(!strcmp(json_str_at(r, "kernels.current"), "6.12.0-cand"));
			CHECK(!strcmp(jstr(r, "verdict"), "no change"));
		}
		cJSON_Delete(r);
	}
	for (i = 0; i < 3; i++) {
		cJSON_Delete(base[i]);
		cJSON_Delete(cur[i]);
	}
}

/* A real run of the default suite: the smoke scenario, and each replay with its own probes. */
UNIT_TEST(report_load_replay_suite)
{
	cJSON *doc = fixture("x86_64-suite-default");
	const cJSON *sc = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "summary"), "scenarios");
	const cJSON *net = cJSON_GetObjectItem(sc, "net");
	const char *why = NULL;

	CHECK(net && cJSON_GetObjectItem(sc, "smoke") && cJSON_GetObjectItem(sc, "adversarial") &&
	      cJSON_GetObjectItem(sc, "recorded-noddw"));
	CHECK_EQ(jnum(cJSON_GetObjectItem(net, "ops"), "put"), 489);
	CHECK_EQ(jnum(cJSON_GetObjectItem(net, "return_codes"), "H_SUCCESS"), 1031);
	CHECK_EQ(jnum(cJSON_GetObjectItem(net, "user_latency"), "count"), 1031);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(net, "probed")));
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(net, "roles"), "kill"));
	/* Its phases: the 1 GiB window's one-level table cleared whole at teardown. */
	CHECK_EQ(json_num(net, "roles.xchg.count", -1), 263122);
	CHECK_EQ(json_num(net, "roles.xchg.phases.workload.count", -1), 978);
	CHECK_EQ(json_num(net, "roles.xchg.phases.teardown.count", -1), 262144);
	CHECK_EQ(json_num(net, "roles.pin.phases.setup.count", -1), json_num(net, "roles.pin.count", -2));
	cJSON_Delete(doc);
	CHECK(!report_load("/nonexistent-run-dir", &why));
	CHECK(why != NULL);
}

/* The replay's timeline reaches the dashboard as written: one point per window, in order. */
UNIT_TEST(report_timeline_from_replay)
{
	cJSON *doc = fixture("x86_64-suite-default");
	const cJSON *sc = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "detail"), "scenarios");
	const cJSON *tl = cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "net"), "timeline"), *p;
	double calls = 0, sum = 0;

	CHECK_EQ(cJSON_GetArraySize(tl), 65);		/* 64 windows of 16 calls, then 7 */
	cJSON_ArrayForEach(p, tl) {
		CHECK(jnum(p, "calls") > calls);
		CHECK(jnum(p, "p50") <= jnum(p, "p99") && jnum(p, "p99") <= jnum(p, "max"));
		CHECK(jnum(p, "elapsed_ns") > 0);
		calls = jnum(p, "calls");
		sum += jnum(p, "count");
	}
	CHECK_EQ(calls, 1031);
	CHECK_EQ(sum, 1031);
	CHECK_EQ(jnum(cJSON_GetArrayItem(tl, 0), "count"), 16);
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "smoke"), "timeline"));
	cJSON_Delete(doc);
}

/* A run directory in /tmp with an empty guest/suite/, as a suite run leaves: 0, or -1. */
static int run_dir_make(char *dir)
{
	char *path;
	int ret;

	if (!mkdtemp(dir))
		return -1;
	path = xasprintf("%s/guest/suite", dir);
	ret = mkdir_p(path);
	free(path);
	return ret;
}

/* Removes what run_dir_make() made, once the test has removed its files. */
static void run_dir_remove(const char *dir)
{
	static const char *const dirs[] = { "guest/suite", "guest", "" };
	char *path;
	size_t i;

	for (i = 0; i < 3; i++) {
		path = xasprintf("%s/%s", dir, dirs[i]);
		rmdir(path);
		free(path);
	}
}

/* Only the key "timeline", and only points with every number the dashboard charts. */
UNIT_TEST(report_timeline_shape)
{
	static const char *const files[][2] = {
		{ "results.json", "{\"schema\":\"tcelab-run/1\"}" },
		{ "guest/suite/a.json", "{\"schema\":\"tcelab-replay/2\",\"scenario\":\"a\","
		  "\"timeline\":[{\"calls\":16,"
		  "\"elapsed_ns\":9,\"count\":16,\"p50\":1,\"p99\":2,\"max\":3,\"mean\":1},"
		  "{\"calls\":32,\"p50\":1},7]}" },
		{ "guest/suite/b.json", "{\"schema\":\"tcelab-replay/2\",\"scenario\":\"b\","
		  "\"latency_over_time\":[{\"calls\":16,"
		  "\"elapsed_ns\":9,\"count\":16,\"p50\":1,\"p99\":2,\"max\":3}]}" },
	};
	char dir[] = "/tmp/tcelab-unit-XXXXXX", *path;
	const cJSON *sc, *tl;
	const char *why = NULL;
	cJSON *doc;
	size_t i;

	if (run_dir_make(dir)) {
		CHECK(0);
		return;
	}
	for (i = 0; i < 3; i++) {
		path = xasprintf("%s/%s", dir, files[i][0]);
		write_file(path, files[i][1]);
		free(path);
	}
	doc = report_load(dir, &why);
	sc = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "detail"), "scenarios");
	tl = cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "a"), "timeline");
	CHECK_EQ(cJSON_GetArraySize(tl), 1);	/* not the incomplete point, nor the 7 */
	CHECK_EQ(jnum(cJSON_GetArrayItem(tl, 0), "max"), 3);
	CHECK(!cJSON_GetObjectItem(cJSON_GetArrayItem(tl, 0), "mean"));
	CHECK(cJSON_GetObjectItem(sc, "b"));
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(sc, "b"), "timeline"));
	cJSON_Delete(doc);
	for (i = 0; i < 3; i++) {
		path = xasprintf("%s/%s", dir, files[i][0]);
		unlink(path);
		free(path);
	}
	run_dir_remove(dir);
}

/*
 * A probe document whose roles are split by phase (probe/SCHEMA.md, roles.ROLE.phases): the
 * summary keeps each role's totals and adds phases.PHASE rows, the detail their histograms;
 * the table and compare put each role's workload phase first.
 */
UNIT_TEST(report_role_phases)
{
#define LAT(n, lo, hi) "{\"unit\":\"ns\",\"count\":" #n ",\"sum\":" #n "00,\"min\":" #lo \
	",\"max\":" #lo ",\"sub_buckets\":32,\"buckets\":[[" #lo "," #hi "," #n "]]}"
	static const char replay[] =
		"{\"schema\":\"tcelab-replay/2\",\"scenario\":\"net\",\"probe\":{\"schema\":"
		"\"tcelab-probe/2\",\"roles\":{\"xchg\":{\"resolved\":true,\"count\":30,"
		"\"latency\":{\"unit\":\"ns\",\"count\":30,\"sum\":3000,\"min\":100,\"max\":400,"
		"\"sub_buckets\":32,\"buckets\":[[100,104,20],[400,416,10]]},\"phases\":{"
		"\"workload\":{\"count\":10,\"latency\":" LAT(10, 400, 416) "},"
		"\"teardown\":{\"count\":20,\"latency\":" LAT(20, 100, 104) "}}},"
		"\"kill\":{\"resolved\":true,\"count\":2,\"latency\":" LAT(2, 300, 308) "}}}}";
#undef LAT
	char dir[] = "/tmp/tcelab-unit-XXXXXX", *path, *out = NULL;
	const cJSON *net, *ph, *rows;
	const char *why = NULL;
	cJSON *docs[3], *c;
	struct compare_opts o;
	size_t len = 0;
	FILE *f;
	int i;

	if (run_dir_make(dir)) {
		CHECK(0);
		return;
	}
	path = xasprintf("%s/results.json", dir);
	write_file(path, "{\"schema\":\"tcelab-run/1\"}");
	free(path);
	path = xasprintf("%s/guest/suite/net.json", dir);
	write_file(path, replay);
	for (i = 0; i < 3; i++)
		docs[i] = report_load(dir, &why);
	unlink(path);
	free(path);

	net = json_at(cJSON_GetObjectItem(docs[0], "summary"), "scenarios.net.roles");
	CHECK_EQ(json_num(net, "xchg.count", -1), 30);
	CHECK_EQ(json_num(net, "xchg.phases.workload.count", -1), 10);
	CHECK_EQ(json_num(net, "xchg.phases.teardown.count", -1), 20);
	CHECK(json_num(net, "xchg.phases.workload.p50", -1) >= 400);
	CHECK(json_num(net, "xchg.phases.teardown.p50", -1) < 104);
	CHECK(!cJSON_GetObjectItem(cJSON_GetObjectItem(net, "kill"), "phases"));
	ph = report_role(net, "xchg/teardown");
	CHECK_EQ(json_num(ph, "count", -1), 20);
	CHECK(!report_role(net, "xchg/setup") && !report_role(net, "kill/workload"));
	CHECK_EQ(json_num(report_role_latency(docs[0], "net", "xchg/workload"), "count", -1), 10);
	CHECK_EQ(json_num(report_role_latency(docs[0], "net", "xchg"), "count", -1), 30);

	/* The table: the workload phase's row before the totals. */
	f = open_memstream(&out, &len);
	report_print_table(cJSON_GetObjectItem(docs[0], "summary"), f);
	fclose(f);
	CHECK(out && strstr(out, "xchg/workload") && strstr(out, " xchg ") &&
	      strstr(out, "xchg/workload") < strstr(out, " xchg "));
	CHECK(out && !strstr(out, "teardown"));
	free(out);

	/* OpenMetrics: a role's phases are roles of their own, ROLE/PHASE. */
#define COUNT "tcelab_latency_seconds_count{target=\"unknown\",scenario=\"net\","
	out = openmetrics_format(docs[0]);
	CHECK(out && strstr(out, COUNT "role=\"xchg/workload\"} 10\n"));
	CHECK(out && strstr(out, COUNT "role=\"xchg/teardown\"} 20\n"));
	CHECK(out && strstr(out, COUNT "role=\"xchg\"} 30\n"));
#undef COUNT
	free(out);

	/* compare: workload phases, then every role, then the other phases. */
	compare_opts_default(&o);
	c = compare_docs(docs, 3, docs, 3, &o);
	rows = cJSON_GetObjectItem(c, "rows");
	CHECK_EQ(cJSON_GetArraySize(rows), 4);
	CHECK_STR(jstr(cJSON_GetArrayItem(rows, 0), "role"), "xchg/workload");
	CHECK_STR(jstr(cJSON_GetArrayItem(rows, 1), "role"), "xchg");
	CHECK_STR(jstr(cJSON_GetArrayItem(rows, 2), "role"), "kill");
	CHECK_STR(jstr(cJSON_GetArrayItem(rows, 3), "role"), "xchg/teardown");
	CHECK_EQ(json_num(cJSON_GetArrayItem(rows, 0), "n_baseline", -1), 30);	/* 3 runs of 10 */
	CHECK_STR(jstr(cJSON_GetArrayItem(rows, 0), "verdict"), "no change");
	cJSON_Delete(c);
	for (i = 0; i < 3; i++)
		cJSON_Delete(docs[i]);
	path = xasprintf("%s/results.json", dir);
	unlink(path);
	free(path);
	run_dir_remove(dir);
}
