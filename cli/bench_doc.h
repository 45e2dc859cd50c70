/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.json (SCHEMA_BENCH, README "Benchmarks"): the figures `tcelab bench` measured, its one
 * writer and its one parser, and the line each measurement appends to history.jsonl.
 */
#ifndef TCELAB_CLI_BENCH_DOC_H
#define TCELAB_CLI_BENCH_DOC_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define BENCH_MAX_FIGURES	24

struct bench_figure {
	char name[48];
	char unit[24];		/* of value and peer_value */
	char timing[8];		/* the guest timing mode the runs measured in; "": host clock */
	char peer[160];		/* what value is measured against, side by side; "": nothing */
	char goal[24];		/* "OP NUMBER", OP ">=" or "<="; "": reported only */
	char goal_on[8];	/* "ratio" or "value": what the goal judges */
	char note[320];		/* how it was measured, what it includes */
	double value, peer_value, ratio;	/* medians over the runs; NAN: none */
	double min, max;	/* the range over the runs of what the goal judges */
	int runs;		/* repeats measured (pairs, for a figure with a peer) */
	int goal_met;		/* 1 met, 0 missed, -1 no goal or nothing measured */
};

struct bench_doc {
	struct bench_figure figures[BENCH_MAX_FIGURES];
	int nfigures;
	int complete;		/* every step ran; false while `tcelab bench` is still measuring */
	cJSON *environment;	/* versions, host, the measurement's options (owned) */
};

/* Sets @f->goal_met from its goal and the value it judges. */
void bench_judge(struct bench_figure *f);
/* Writes @d to @path (through @path.tmp): 0, or -1 with errno. */
int bench_doc_write(const char *path, const struct bench_doc *d);
/* Reads @path into @d (its environment owned by @d): 0, or -1 with the reason in @err. */
int bench_doc_load(const char *path, struct bench_doc *d, char *err, size_t errlen);
void bench_doc_free(struct bench_doc *d);
/*
 * Appends one line to @path (history.jsonl): the time, @label, the commit and per figure its
 * value, ratio, goal_met, runs, min and max. 0, or -1 with errno.
 */
int bench_history_append(const char *path, const struct bench_doc *d, const char *label,
			 const char *commit);

#endif /* TCELAB_CLI_BENCH_DOC_H */
