/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Log-linear latency histograms (layout in probe/probe.h, shared with the BPF side): bucket
 * bounds, merging per-CPU copies, and percentiles. Kernel-independent; unit-tested on the host.
 */
#ifndef TCELAB_HIST_H
#define TCELAB_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tcelab/hist_layout.h>

/* Bounds of bucket @idx: values v with lower <= v < upper. */
uint64_t hist_bucket_lower(unsigned int idx);
uint64_t hist_bucket_upper(unsigned int idx);

/* Add @src into @dst (per-CPU copies, or histograms of several symbols). */
void hist_merge(struct tcelab_hist *dst, const struct tcelab_hist *src);

/* Record one value, as the BPF side does (for tests and user-space use). */
void hist_record(struct tcelab_hist *h, uint64_t v);

/*
 * The value at quantile @q (0 < q <= 1): the smallest v such that at least ceil(q * count)
 * values are <= v, interpolated linearly inside its bucket and clamped to [min, max]. 0 for an
 * empty histogram.
 */
uint64_t hist_percentile(const struct tcelab_hist *h, double q);

/* Mean, rounded down; 0 for an empty histogram. */
uint64_t hist_mean(const struct tcelab_hist *h);

/*
 * The observer effect in a histogram of @h->count calls: @nested_runs of the probes' own
 * program runs happened inside those calls (on their CPU, between their entry and return), at
 * @ns_per_run each (bpf_stats' mean). The probes' time inside the calls in all, per call, and
 * as a share of the latencies' sum (capped at 1). False, and nothing set, when there is no
 * per-run cost (bpf_stats unavailable) or no calls.
 */
struct hist_observer {
	double ns;		/* nested_runs x ns_per_run */
	double ns_per_call;	/* of it, per call */
	double share;		/* of the latencies' sum, 0..1 */
};
bool hist_observer(const struct tcelab_hist *h, uint64_t nested_runs, double ns_per_run,
		   struct hist_observer *out);

#endif /* TCELAB_HIST_H */
