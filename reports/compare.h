/* SPDX-License-Identifier: GPL-2.0 */
/* A/B comparison of two sets of runs: per scenario and role, Mann-Whitney U and a verdict. */
#ifndef TCELAB_REPORT_COMPARE_H
#define TCELAB_REPORT_COMPARE_H

#include <stdio.h>
#include <cjson/cJSON.h>

struct compare_opts {
	double threshold;	/* relative change of p50 or p99 that matters (0.10) */
	double alpha;		/* significance level of the U test (0.01) */
	double min_effect;	/* |Cliff's delta| below this is negligible (0.147) */
	int min_calls;		/* fewer calls on either side: inconclusive (10) */
};

void compare_opts_default(struct compare_opts *o);
/*
 * @base and @cur: report documents (model.h). Returns the comparison document
 * {verdict, threshold, alpha, baseline{runs[]}, current{runs[]}, environment_mismatch[]|null,
 *  new_leaks[], new_failures[], rows[{scenario, role, n_baseline, n_current, p50_*, p99_*,
 *  p50_change, p99_change, u, p_value, effect, effect_size, verdict, reason, hist_*}]}.
 */
cJSON *compare_docs(cJSON *const *base, int nb, cJSON *const *cur, int nc,
		    const struct compare_opts *o);
/* 1 on a regression or a new leak (or new failure kind); 0 otherwise. */
int compare_failed(const cJSON *c);
void compare_print(const cJSON *c, FILE *f);

#endif /* TCELAB_REPORT_COMPARE_H */
