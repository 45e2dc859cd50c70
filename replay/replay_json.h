/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay stage's documents, each with its one writer (replay/replay_json.c): a replay's
 * results (SCHEMA_REPLAY, traces/README.md "Replay results"), the same joined with the probes'
 * document (--probe), and a suite's results (SCHEMA_SUITE, traces/suites/README.md). Every
 * document is written whole or not at all (lib/json.h).
 */
#ifndef TCELAB_REPLAY_JSON_H
#define TCELAB_REPLAY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "lib/effects.h"
#include "lib/hist.h"
#include "lib/probe_doc.h"
#include "lib/trace.h"
#include "backend.h"
#include "timeline.h"

#define REPLAY_NR_OPS		(TRACE_DDW_REMOVE + 1)
#define REPLAY_MAX_RETS		16	/* distinct return codes counted */
#define REPLAY_MAX_MISMATCHES	32	/* listed; all are counted */

/* A call whose result differs from the trace's. */
struct replay_mismatch {
	unsigned long line;
	enum trace_op op;
	int tce;			/* 0: the return code differs; 1: H_GET_TCE's value */
	int64_t want, got;
	uint64_t want_tce, got_tce;
};

struct replay_ret_count {
	int64_t code;
	uint64_t n;
};

/* What a replay counted and timed: per worker, then merged. */
struct replay_stats {
	uint64_t records, ops[REPLAY_NR_OPS], unchecked, mismatches, errors, batches;
	struct tcelab_hist lat[REPLAY_NR_OPS], all, batch_lat;
	unsigned int nr_rets, nr_list;
	struct replay_ret_count rets[REPLAY_MAX_RETS];
	struct replay_mismatch list[REPLAY_MAX_MISMATCHES];
	char error[512];
};

struct replay_times {
	double setup, replay, teardown;
	/*
	 * Instructions the replay process retired in its replay phase, kernel and probe handlers
	 * included (the guest's PMU); -1 where it has none (x86_64 under TCG) or shared it.
	 */
	int64_t replay_insns;
};

/* Everything a replay's document says. */
struct replay_result {
	const char *scenario, *trace;
	const char *trace_sha256;		/* 64 hex digits; NULL or "": not read */
	const struct backend *be;		/* its name and notes */
	unsigned int threads, batch;
	const struct trace_header *header;
	const struct guest_ram *ram;
	const struct replay_stats *st;
	const struct timeline *timeline;
	const struct balance_report *balance;
	const struct replay_times *seconds;
	bool expectations_met;
	const char *expectation;		/* why they were not met, or "" */
	bool ok;
};

/* What a mismatch expected and got (a return code, or H_GET_TCE's TCE), as the results say. */
void replay_mismatch_values(const struct replay_mismatch *m, char *want, char *got, size_t len);

/* @r's document to @path: 0, or -1 with errno. */
int replay_json_write(const char *path, const struct replay_result *r);

/* --probe: the probes' document on a replay and their verdict. */
struct replay_probe_join {
	const cJSON *probe;		/* NULL: missing or invalid, and the replay fails */
	const char *error;		/* why it is NULL */
	struct probe_totals totals;
	bool ok;			/* as many pages unpinned as pinned, none left in the ledger */
	/* --effects: what each call did to which entry (lib/effects.h), or why not known. */
	const struct effect *effects;
	size_t nr_effects;
	struct effects_counts effect_counts;
	const char *effects_error;	/* NULL: @effects are the replay's */
};

/* The replay document @replay joined with its probes' to @path: 0, or -1 with errno. */
int replay_json_write_probed(const char *path, const cJSON *replay,
			     const struct replay_probe_join *j);

/* One replay of a suite: scenario NAME on kmod, NAME@BACKEND on another backend. */
struct suite_run {
	const char *name;
	const cJSON *doc;		/* its replay document, or NULL and why in @error */
	const char *error;
};

struct suite_result {
	const char *suite;
	const char *const *backends;
	unsigned int nr_backends;
	const struct suite_run *runs;
	unsigned int nr_runs;
	bool ok;
};

/* @s's document to @path: 0, or -1 with errno. */
int suite_json_write(const char *path, const struct suite_result *s);

#endif /* TCELAB_REPLAY_JSON_H */
