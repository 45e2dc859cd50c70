// SPDX-License-Identifier: GPL-2.0
/* Latency over the course of a replay in windows of calls: see timeline.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "timeline.h"

int timeline_init(struct timeline *tl, uint64_t first_window_calls, unsigned int max_windows)
{
	memset(tl, 0, sizeof(*tl));
	if (!first_window_calls || max_windows < 2 || max_windows % 2)
		return -EINVAL;
	/* calloc: pages of windows a short replay never reaches are never touched. */
	tl->windows = calloc(max_windows, sizeof(*tl->windows));
	if (!tl->windows)
		return -ENOMEM;
	tl->window_calls = first_window_calls;
	tl->max_windows = max_windows;
	return 0;
}

void timeline_free(struct timeline *tl)
{
	free(tl->windows);
	tl->windows = NULL;
}

/* All max_windows windows are complete: pair them up into half as many, twice as long. */
static void merge_pairs(struct timeline *tl)
{
	unsigned int i;

	for (i = 0; i < tl->max_windows / 2; i++) {
		struct timeline_window *dst = &tl->windows[i];
		const struct timeline_window *a = &tl->windows[2 * i], *b = &tl->windows[2 * i + 1];

		if (dst != a)
			*dst = *a;
		hist_merge(&dst->lat, &b->lat);
		dst->end_calls = b->end_calls;
		dst->end_ns = b->end_ns;
	}
	tl->nr_complete = tl->max_windows / 2;
	tl->window_calls *= 2;
}

void timeline_add(struct timeline *tl, uint64_t latency_ns, uint64_t now_ns)
{
	struct timeline_window *w = &tl->windows[tl->nr_complete];

	hist_record(&w->lat, latency_ns);
	w->end_calls = ++tl->calls;
	w->end_ns = now_ns;
	if (w->lat.count < tl->window_calls)
		return;
	if (++tl->nr_complete == tl->max_windows)
		merge_pairs(tl);
	memset(&tl->windows[tl->nr_complete], 0, sizeof(tl->windows[0]));
}

unsigned int timeline_nr_points(const struct timeline *tl)
{
	return tl->nr_complete + (tl->windows[tl->nr_complete].lat.count > 0);
}

const struct timeline_window *timeline_point(const struct timeline *tl, unsigned int i)
{
	return i < timeline_nr_points(tl) ? &tl->windows[i] : NULL;
}
