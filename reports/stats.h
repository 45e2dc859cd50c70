/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics for reports and compare: log-linear histograms, percentiles, per-run summaries
 * with Welch's t interval, Mann-Whitney U.
 */
#ifndef TCELAB_REPORT_STATS_H
#define TCELAB_REPORT_STATS_H

#include <stddef.h>

/* One bucket [lo, hi) of a latency histogram (hi 0: open-ended, as in tcelab-probe/2). */
struct hbucket {
	double lo, hi, count;
};

/* A histogram as tcelab-probe/2 writes it; buckets sorted by lo, non-overlapping. */
struct rhist {
	struct hbucket *b;
	size_t n;
	double count, sum, min, max;
};

void rhist_init(struct rhist *h);
void rhist_free(struct rhist *h);
/* Add @count values in [lo, hi); buckets with the same lo merge. */
void rhist_add(struct rhist *h, double lo, double hi, double count);
/* h += o (counts, sum, min, max). */
void rhist_merge(struct rhist *h, const struct rhist *o);
/*
 * The value of rank ceil(q*count), linear inside its bucket, clamped to [min, max]: the rule of
 * lib/hist.c, so a merged histogram's p50 of one run equals the probe's own p50.
 */
double rhist_percentile(const struct rhist *h, double q);
double rhist_mean(const struct rhist *h);

/* Percentile of raw values (sorted in place): linear interpolation between closest ranks. */
double percentile_sorted(const double *v, size_t n, double q);
void sort_doubles(double *v, size_t n);

/* One value per run (a run's p50, say): the spread compare judges run-to-run variation by. */
struct run_values {
	size_t n;
	double mean;
	double sd;		/* sample standard deviation (n - 1); 0 for one run */
	double rsd;		/* sd / mean: 0 when sd is, infinite when only the mean is 0 */
	double min, max;
};

void run_values_of(const double *v, size_t n, struct run_values *s);
/* Quantile @p of Student's t distribution with @df (> 0, need not be whole) degrees of freedom. */
double student_t_quantile(double p, double df);
/*
 * 95 % Welch t interval of the relative change mean(cur) / mean(base) - 1: the interval of the
 * difference of the means (Welch-Satterthwaite degrees of freedom) divided by the baseline
 * mean, whose own uncertainty it leaves out. Needs two values a side and a positive baseline
 * mean, else NANs. When neither side varies, the interval is the change itself.
 */
void welch_change_ci95(const struct run_values *base, const struct run_values *cur, double *lo,
		       double *hi);

/*
 * Mann-Whitney U test of sample x against sample y, two-sided. Ties get mid-ranks. The p-value
 * is exact (the permutation distribution of U) when both samples have fewer than 8 values and
 * there are no ties, else the normal approximation with tie and continuity correction (the
 * same choices as scipy.stats.mannwhitneyu's method='auto').
 */
struct mwu {
	double u;		/* U of x: pairs with x > y, plus half the ties */
	double n1, n2;
	double z;		/* normal approximation (0 when exact) */
	double p;		/* two-sided */
	int exact;
	double delta;		/* Cliff's delta = P(x > y) - P(x < y) = 2U/(n1 n2) - 1 */
};

enum { MWU_AUTO, MWU_EXACT, MWU_NORMAL };

/* Raw samples. */
int mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct mwu *r);
int mwu_test_method(const double *x, size_t n1, const double *y, size_t n2, int method,
		    struct mwu *r);
/*
 * Grouped samples: value i occurs cx[i] times in x and cy[i] times in y; values ascending.
 * Each group is one tie group (for histograms: one bucket).
 */
int mwu_grouped(const double *cx, const double *cy, size_t ngroups, struct mwu *r);
int mwu_grouped_method(const double *cx, const double *cy, size_t ngroups, int method,
		       struct mwu *r);
/* x = current, y = baseline: each bucket of either histogram is a tie group. */
int mwu_hist(const struct rhist *x, const struct rhist *y, struct mwu *r);
/* Exact P(U <= u) for sizes n1, n2 with no ties (n1, n2 <= 50). */
double mwu_exact_cdf(int n1, int n2, double u);
/* Cliff's delta magnitude: "negligible" < 0.147 <= "small" < 0.33 <= "medium" < 0.474 <= "large". */
const char *effect_label(double delta);

#endif /* TCELAB_REPORT_STATS_H */
