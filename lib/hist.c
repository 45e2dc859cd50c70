// SPDX-License-Identifier: GPL-2.0
/* Log-linear histogram math: see hist.h and the layout in probe/probe.h. */
#include "hist.h"

uint64_t hist_bucket_lower(unsigned int idx)
{
	unsigned int group = idx / TCELAB_HIST_SUB, sub = idx % TCELAB_HIST_SUB;

	if (!group)
		return idx;
	return (uint64_t)(TCELAB_HIST_SUB + sub) << (group - 1);
}

uint64_t hist_bucket_upper(unsigned int idx)
{
	unsigned int group = idx / TCELAB_HIST_SUB;

	if (idx >= TCELAB_HIST_BUCKETS - 1)
		return UINT64_MAX;	/* the last bucket also takes everything above */
	return hist_bucket_lower(idx) + (group ? (uint64_t)1 << (group - 1) : 1);
}

void hist_merge(struct tcelab_hist *dst, const struct tcelab_hist *src)
{
	unsigned int i;

	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (i = 0; i < TCELAB_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

void hist_record(struct tcelab_hist *h, uint64_t v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->buckets[tcelab_hist_index(v)]++;
}

uint64_t hist_percentile(const struct tcelab_hist *h, double q)
{
	uint64_t total = 0, rank, seen = 0, lo, hi, v;
	double x;
	unsigned int i;

	for (i = 0; i < TCELAB_HIST_BUCKETS; i++)
		total += h->buckets[i];
	if (!total)
		return 0;
	if (q <= 0)
		return h->min;
	if (q > 1)
		q = 1;
	/* ceil(q * total), without libm; the epsilon absorbs q's binary rounding. */
	x = q * (double)total - 1e-9;
	rank = (uint64_t)x;
	if ((double)rank < x)
		rank++;
	if (rank < 1)
		rank = 1;
	for (i = 0; i < TCELAB_HIST_BUCKETS; i++) {
		if (!h->buckets[i] || seen + h->buckets[i] < rank) {
			seen += h->buckets[i];
			continue;
		}
		lo = hist_bucket_lower(i);
		hi = hist_bucket_upper(i);
		if (hi == UINT64_MAX)
			hi = h->max > lo ? h->max + 1 : lo + 1;
		/* The k-th of n values in [lo, hi), spread evenly: lo + (hi - lo) * k / n. */
		v = lo + (uint64_t)((double)(hi - lo - 1) * (double)(rank - seen) /
				    (double)h->buckets[i]);
		if (h->count && v < h->min)
			v = h->min;
		if (h->count && v > h->max)
			v = h->max;
		return v;
	}
	return h->max;
}

uint64_t hist_mean(const struct tcelab_hist *h)
{
	return h->count ? h->sum / h->count : 0;
}

bool hist_observer(const struct tcelab_hist *h, uint64_t nested_runs, double ns_per_run,
		   struct hist_observer *out)
{
	if (!h->count || !(ns_per_run > 0))
		return false;
	out->ns = (double)nested_runs * ns_per_run;
	out->ns_per_call = out->ns / h->count;
	out->share = h->sum ? out->ns / h->sum : 0;
	if (out->share > 1)
		out->share = 1;
	return true;
}
