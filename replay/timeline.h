/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency over the course of a replay, in constant memory for any trace length: calls fill
 * windows of a fixed number of calls; when the complete windows reach the limit, adjacent
 * pairs merge and the window size doubles. A long replay so ends with between limit / 2 and
 * limit points. Each window keeps a log-linear histogram (lib/hist.h), so its percentiles
 * follow the same rule as the replay's overall latency.
 */
#ifndef TCELAB_TIMELINE_H
#define TCELAB_TIMELINE_H

#include <stdint.h>

#include "lib/hist.h"

struct timeline_window {
	uint64_t end_calls;		/* calls recorded up to and including its last one */
	uint64_t end_ns;		/* the time of its last call, on the caller's clock */
	struct tcelab_hist lat;		/* its calls' latencies */
};

struct timeline {
	uint64_t window_calls;		/* calls in each complete window */
	uint64_t calls;			/* calls recorded */
	unsigned int max_windows;
	unsigned int nr_complete;	/* always below max_windows between calls */
	struct timeline_window *windows;	/* the complete ones, then the one filling */
};

/*
 * Windows of @first_window_calls (at least 1) calls, at most @max_windows (even, at least 2)
 * points. 0, -EINVAL for arguments outside those bounds, or -ENOMEM.
 */
int timeline_init(struct timeline *tl, uint64_t first_window_calls, unsigned int max_windows);
void timeline_free(struct timeline *tl);

/* One call that took @latency_ns and ended at @now_ns. */
void timeline_add(struct timeline *tl, uint64_t latency_ns, uint64_t now_ns);

/* The points: every complete window, then the last one if it holds calls. */
unsigned int timeline_nr_points(const struct timeline *tl);
const struct timeline_window *timeline_point(const struct timeline *tl, unsigned int i);

#endif /* TCELAB_TIMELINE_H */
