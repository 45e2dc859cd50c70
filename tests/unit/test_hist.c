// SPDX-License-Identifier: GPL-2.0
/* The probes' log-linear histogram (probe/probe.h, lib/hist.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hist.h"
#include "unit.h"

UNIT_TEST(hist_index_exact_below_sub)
{
	unsigned int v;

	for (v = 0; v < TCELAB_HIST_SUB; v++) {
		CHECK_EQ(tcelab_hist_index(v), v);
		CHECK_EQ(hist_bucket_lower(v), v);
		CHECK_EQ(hist_bucket_upper(v), v + 1);
	}
}

UNIT_TEST(hist_ilog2)
{
	unsigned int e;

	CHECK_EQ(tcelab_ilog2(1), 0);
	for (e = 1; e < 64; e++) {
		CHECK_EQ(tcelab_ilog2(1ULL << e), e);
		CHECK_EQ(tcelab_ilog2((1ULL << e) - 1), e - 1);
	}
	CHECK_EQ(tcelab_ilog2(~0ULL), 63);
}

/* Every bucket's bounds contain exactly the values the index function puts there. */
UNIT_TEST(hist_buckets_contiguous_and_consistent)
{
	unsigned int i, bad = 0;

	CHECK_EQ(TCELAB_HIST_BUCKETS, 1024);
	for (i = 0; i + 1 < TCELAB_HIST_BUCKETS; i++) {
		uint64_t lo = hist_bucket_lower(i), hi = hist_bucket_upper(i);

		if (hi != hist_bucket_lower(i + 1) || tcelab_hist_index(lo) != i ||
		    tcelab_hist_index(hi - 1) != i || (lo && (hi - lo) * 32 > lo && lo >= 32))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(tcelab_hist_index(1ULL << TCELAB_HIST_MAX_EXP), TCELAB_HIST_BUCKETS - 1);
	CHECK_EQ(tcelab_hist_index(~0ULL), TCELAB_HIST_BUCKETS - 1);
	CHECK_EQ(tcelab_hist_index((1ULL << TCELAB_HIST_MAX_EXP) - 1), TCELAB_HIST_BUCKETS - 1);
	CHECK_EQ(hist_bucket_upper(TCELAB_HIST_BUCKETS - 1), ~0ULL);
}

/* Relative bucket width is at most 1/32 everywhere above the exact range (<= 6 % required). */
UNIT_TEST(hist_bucket_error_bound)
{
	uint64_t v;
	unsigned int worst_ppm = 0, i;

	for (v = 32; v < (1ULL << 34); v = v * 17 / 16 + 1) {
		i = tcelab_hist_index(v);
		uint64_t w = hist_bucket_upper(i) - hist_bucket_lower(i);
		unsigned int ppm = (unsigned int)(w * 1000000 / hist_bucket_lower(i));

		if (ppm > worst_ppm)
			worst_ppm = ppm;
	}
	CHECK(worst_ppm <= 31250);
}

UNIT_TEST(hist_percentiles_uniform)
{
	struct tcelab_hist *h = calloc(1, sizeof(*h));
	uint64_t v, p;

	for (v = 1; v <= 10000; v++)
		hist_record(h, v * 100);	/* 100 ns .. 1 ms */
	CHECK_EQ(h->count, 10000);
	CHECK_EQ(h->min, 100);
	CHECK_EQ(h->max, 1000000);
	CHECK_EQ(hist_mean(h), 500050);
	/* Within the bucket error (1/32) of the exact quantile. */
	p = hist_percentile(h, 0.5);
	CHECK(p >= 500000 - 500000 / 32 && p <= 500000 + 500000 / 32);
	p = hist_percentile(h, 0.9);
	CHECK(p >= 900000 - 900000 / 32 && p <= 900000 + 900000 / 32);
	p = hist_percentile(h, 0.99);
	CHECK(p >= 990000 - 990000 / 32 && p <= 990000 + 990000 / 32);
	p = hist_percentile(h, 0.999);
	CHECK(p >= 999000 - 999000 / 32 && p <= 1000000);
	CHECK_EQ(hist_percentile(h, 1.0), 1000000);
	CHECK_EQ(hist_percentile(h, 0.0), 100);
	free(h);
}

UNIT_TEST(hist_percentiles_exact_and_edge)
{
	struct tcelab_hist *h = calloc(1, sizeof(*h));

	CHECK_EQ(hist_percentile(h, 0.5), 0);	/* empty */
	CHECK_EQ(hist_mean(h), 0);
	hist_record(h, 7);
	CHECK_EQ(hist_percentile(h, 0.5), 7);
	CHECK_EQ(hist_percentile(h, 0.999), 7);
	/* One value far out: p99.9 of 1000 values with one outlier is the 999th. */
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 999; i++)
		hist_record(h, 10);
	hist_record(h, 5000000000ULL);
	CHECK_EQ(hist_percentile(h, 0.5), 10);
	CHECK_EQ(hist_percentile(h, 0.999), 10);
	CHECK_EQ(hist_percentile(h, 1.0), 5000000000ULL);
	/* Beyond the last bucket: clamped to the exact max. */
	memset(h, 0, sizeof(*h));
	hist_record(h, 1ULL << 40);
	CHECK_EQ(hist_percentile(h, 0.5), 1ULL << 40);
	free(h);
}

UNIT_TEST(hist_merge_per_cpu)
{
	struct tcelab_hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct tcelab_hist *all = calloc(1, sizeof(*all));

	hist_record(a, 50);
	hist_record(a, 70);
	hist_record(b, 20);
	hist_record(b, 9000);
	hist_merge(all, a);
	hist_merge(all, b);
	CHECK_EQ(all->count, 4);
	CHECK_EQ(all->sum, 9140);
	CHECK_EQ(all->min, 20);
	CHECK_EQ(all->max, 9000);
	CHECK_EQ(all->buckets[tcelab_hist_index(50)], 1);
	CHECK_EQ(hist_percentile(all, 0.25), 20);
	memset(b, 0, sizeof(*b));
	hist_merge(all, b);	/* an idle CPU changes nothing */
	CHECK_EQ(all->min, 20);
	free(a);
	free(b);
	free(all);
}

/*
 * The observer effect: 5,064 op calls of 4,316 ns on average, with 19,250 nested program runs
 * of 793.6 ns inside them: 15,276,800 ns of the probes', 3,016.7 ns a call, 69.9 % of the sum.
 */
UNIT_TEST(hist_observer_nested_runs)
{
	struct tcelab_hist *h = calloc(1, sizeof(*h));
	struct hist_observer o = { 0 };

	CHECK_EQ(hist_observer(h, 10, 793.6, &o), false);	/* no calls */
	h->count = 5064;
	h->sum = 5064ULL * 4316;
	CHECK_EQ(hist_observer(h, 19250, 0, &o), false);	/* no bpf_stats */
	CHECK_EQ(hist_observer(h, 19250, 793.6, &o), true);
	CHECK_EQ(llround(o.ns), 15276800);
	CHECK_EQ(llround(o.ns_per_call * 10), 30167);
	CHECK_EQ(llround(o.share * 1000), 699);
	CHECK_EQ(hist_observer(h, 0, 793.6, &o), true);	/* a leaf role: no nested runs */
	CHECK_EQ(llround(o.ns), 0);
	CHECK_EQ(llround(o.share * 1000), 0);
	CHECK_EQ(hist_observer(h, 100000, 793.6, &o), true);	/* more than the sum: capped */
	CHECK_EQ(llround(o.share * 1000), 1000);
	free(h);
}
