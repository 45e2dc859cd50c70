// SPDX-License-Identifier: GPL-2.0
/* tcelab-replay's timeline: windows of calls that merge in pairs (replay/timeline.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "replay/timeline.h"

/* Calls 1..n taking i ns (below 32: exact histogram buckets) and ending at 1000 * i ns. */
static void add_calls(struct timeline *tl, uint64_t from, uint64_t to)
{
	uint64_t i;

	for (i = from; i <= to; i++)
		timeline_add(tl, i, 1000 * i);
}

/*
 * Windows of 2, at most 4 points: the 4th window to complete (call 8) merges them into 2 of
 * 4 calls; call 12 completes a third; call 13 starts a fourth.
 */
UNIT_TEST(timeline_windows_merge_in_pairs)
{
	static const uint64_t end[] = { 4, 8, 12, 13 }, count[] = { 4, 4, 4, 1 };
	static const uint64_t p50[] = { 2, 6, 10, 13 };
	struct timeline tl;
	unsigned int i;

	CHECK_EQ(timeline_init(&tl, 2, 4), 0);
	add_calls(&tl, 1, 7);
	CHECK_EQ(timeline_nr_points(&tl), 4);	/* 3 of 2 calls and 1 of 1: not merged yet */
	CHECK_EQ(tl.window_calls, 2);
	add_calls(&tl, 8, 13);
	CHECK_EQ(tl.window_calls, 4);
	CHECK_EQ(tl.calls, 13);
	CHECK_EQ(timeline_nr_points(&tl), 4);
	for (i = 0; i < 4; i++) {
		const struct timeline_window *w = timeline_point(&tl, i);

		CHECK_EQ(w->end_calls, end[i]);
		CHECK_EQ(w->end_ns, 1000 * end[i]);
		CHECK_EQ(w->lat.count, count[i]);
		CHECK_EQ(w->lat.min, end[i] - count[i] + 1);
		CHECK_EQ(w->lat.max, end[i]);
		CHECK_EQ(hist_percentile(&w->lat, 0.5), p50[i]);
		CHECK_EQ(hist_percentile(&w->lat, 0.99), end[i]);
	}
	CHECK(!timeline_point(&tl, 4));
	timeline_free(&tl);
}

/* Ending exactly on a merge leaves no partial window; no calls, no points. */
UNIT_TEST(timeline_boundaries)
{
	struct timeline tl;

	CHECK_EQ(timeline_init(&tl, 2, 4), 0);
	CHECK_EQ(timeline_nr_points(&tl), 0);
	CHECK(!timeline_point(&tl, 0));
	add_calls(&tl, 1, 8);
	CHECK_EQ(timeline_nr_points(&tl), 2);
	CHECK_EQ(timeline_point(&tl, 0)->end_calls, 4);
	CHECK_EQ(timeline_point(&tl, 1)->end_calls, 8);
	CHECK_EQ(timeline_point(&tl, 1)->lat.count, 4);
	add_calls(&tl, 9, 9);
	CHECK_EQ(timeline_nr_points(&tl), 3);
	CHECK_EQ(timeline_point(&tl, 2)->lat.count, 1);
	timeline_free(&tl);
}

/*
 * 1000 calls, windows of 1, at most 8 points: merges at calls 8, 16, ..., 512 leave windows
 * of 128, so 7 complete windows (896 calls) and 104 calls in the last.
 */
UNIT_TEST(timeline_long_replay_stays_bounded)
{
	struct timeline tl;
	uint64_t sum = 0;
	unsigned int i;

	CHECK_EQ(timeline_init(&tl, 1, 8), 0);
	for (i = 1; i <= 1000; i++)
		timeline_add(&tl, 5000, i);
	CHECK_EQ(tl.window_calls, 128);
	CHECK_EQ(timeline_nr_points(&tl), 8);
	for (i = 0; i < 7; i++) {
		CHECK_EQ(timeline_point(&tl, i)->end_calls, 128 * (i + 1));
		CHECK_EQ(timeline_point(&tl, i)->lat.count, 128);
	}
	CHECK_EQ(timeline_point(&tl, 7)->end_calls, 1000);
	CHECK_EQ(timeline_point(&tl, 7)->lat.count, 104);
	for (i = 0; i < 8; i++)
		sum += timeline_point(&tl, i)->lat.count;
	CHECK_EQ(sum, 1000);
	timeline_free(&tl);
}

/* A merged window's histogram is exactly the histogram of its calls. */
UNIT_TEST(timeline_merge_is_exact)
{
	struct tcelab_hist direct;
	const struct timeline_window *w;
	struct timeline tl;
	uint64_t v = 12345, i;

	memset(&direct, 0, sizeof(direct));
	CHECK_EQ(timeline_init(&tl, 3, 2), 0);
	for (i = 0; i < 96; i++) {
		v = v * 6364136223846793005ULL + 1442695040888963407ULL;
		timeline_add(&tl, v >> 44, i);
		hist_record(&direct, v >> 44);
	}
	CHECK_EQ(timeline_nr_points(&tl), 1);	/* 96 calls: one window of 96 */
	w = timeline_point(&tl, 0);
	CHECK_EQ(w->lat.count, direct.count);
	CHECK_EQ(w->lat.sum, direct.sum);
	CHECK_EQ(w->lat.min, direct.min);
	CHECK_EQ(w->lat.max, direct.max);
	CHECK(!memcmp(w->lat.buckets, direct.buckets, sizeof(direct.buckets)));
	timeline_free(&tl);
}

UNIT_TEST(timeline_rejects_bad_sizes)
{
	struct timeline tl;

	CHECK_EQ(timeline_init(&tl, 0, 4), -EINVAL);
	CHECK_EQ(timeline_init(&tl, 2, 0), -EINVAL);
	CHECK_EQ(timeline_init(&tl, 2, 1), -EINVAL);
	CHECK_EQ(timeline_init(&tl, 2, 5), -EINVAL);
}
