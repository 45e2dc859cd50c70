/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A/B comparison of two sets of runs: per scenario and role, a verdict on each run's p50 and p99
 * (the run is the unit of evidence), with Mann-Whitney U over every call as a diagnostic.
 */
#ifndef TCELAB_REPORT_COMPARE_H
#define TCELAB_REPORT_COMPARE_H

#include <stdbool.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include <tcelab/exit_codes.h>

#include "stats.h"

/* Fewer runs than this on a side: no latency verdict. */
#define COMPARE_MIN_RUNS 3

struct compare_opts {
	double threshold;	/* relative change of the mean of a per-run percentile that matters (0.10) */
	double max_rsd;		/* relative stddev of a side's per-run values above this: inconclusive (0.20) */
	bool vary_kernel;	/* the sides run different kernels on purpose: only each side's own runs must agree on it */
};

void compare_opts_default(struct compare_opts *o);

/* The verdict on one per-run percentile (p50 or p99) of one scenario and role. */
struct run_verdict {
	struct run_values base, cur;
	double change;		/* mean(cur) / mean(base) - 1 */
	double ci_lo, ci_hi;	/* welch_change_ci95() of change */
	const char *verdict;	/* "regression", "improvement", "no change", "inconclusive" */
	const char *rule;	/* what decided: "min-runs", "threshold", "max-rsd", "separation", "overlap" */
	char reason[256];
};

/*
 * The rule, on one value per run a side (reports/README.md, "The compare verdict"): fewer than
 * COMPARE_MIN_RUNS runs a side: inconclusive; the means within the threshold: no change;
 * a side's rsd above the bound: inconclusive; the sides separated (every current run beyond
 * the baseline mean, the current mean beyond every baseline run): regression or improvement;
 * else inconclusive.
 */
void compare_runs(const double *base, size_t nb, const double *cur, size_t nc,
		  const struct compare_opts *o, struct run_verdict *v);

/*
 * @base and @cur: report documents (model.h). Returns the comparison document (tcelab-compare/2,
 * reports/README.md): {verdict, threshold, max_rsd, min_runs, baseline{runs[]}, current{runs[]},
 * environment, environment_mismatch[]|null, new_leaks[], new_failures[], rows[]}.
 */
cJSON *compare_docs(cJSON *const *base, int nb, cJSON *const *cur, int nc,
		    const struct compare_opts *o);

/*
 * Exit status of a comparison's verdict (tcelab/exit_codes.h): TCELAB_EXIT_FAIL for a
 * regression, new leak or new failure, TCELAB_EXIT_INCONCLUSIVE for inconclusive and nothing
 * worse, else TCELAB_EXIT_PASS (no change, improvement, environment mismatch).
 */
enum tcelab_exit compare_status(const cJSON *c);
void compare_print(const cJSON *c, FILE *f);


#endif /* TCELAB_REPORT_COMPARE_H */
