/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The latency histogram's layout, shared by the BPF probes (probe/probe.bpf.c), the histogram
 * math of lib/hist.c and every writer of a histogram: one definition for kernel and user space.
 */
#ifndef __TCELAB_HIST_LAYOUT_H
#define __TCELAB_HIST_LAYOUT_H

#include <linux/types.h>

/*
 * Log-linear histogram of nanoseconds: values below 2^SUB_BITS are exact; above, each power of
 * two [2^e, 2^(e+1)) is split into 2^SUB_BITS equal sub-buckets (width / lower bound <= 1/32,
 * about 3 %). Values of 2^MAX_EXP and more land in the last bucket; max keeps the exact value.
 */
#define TCELAB_HIST_SUB_BITS	5
#define TCELAB_HIST_SUB		(1U << TCELAB_HIST_SUB_BITS)
#define TCELAB_HIST_MAX_EXP	36	/* 2^36 ns = 68.7 s */
#define TCELAB_HIST_BUCKETS	((TCELAB_HIST_MAX_EXP - TCELAB_HIST_SUB_BITS + 1) * TCELAB_HIST_SUB)

struct tcelab_hist {
	__u64 count;
	__u64 sum;
	__u64 min;		/* 0 with count 0 */
	__u64 max;
	__u64 buckets[TCELAB_HIST_BUCKETS];
};

/* floor(log2(v)) for v > 0, without builtins so that BPF and the host share it. */
static inline unsigned int tcelab_ilog2(__u64 v)
{
	unsigned int r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) r += 1;
	return r;
}

static inline unsigned int tcelab_hist_index(__u64 v)
{
	unsigned int e;

	if (v < TCELAB_HIST_SUB)
		return v;
	e = tcelab_ilog2(v);
	if (e >= TCELAB_HIST_MAX_EXP)
		return TCELAB_HIST_BUCKETS - 1;
	return (e - TCELAB_HIST_SUB_BITS + 1) * TCELAB_HIST_SUB +
	       ((v >> (e - TCELAB_HIST_SUB_BITS)) - TCELAB_HIST_SUB);
}

#endif /* __TCELAB_HIST_LAYOUT_H */
