/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The id and version of every JSON document tcelab writes, in its "schema" member. Each has
 * one writer; readers load it through lib/json.c's json_load(), which checks this id.
 *
 *   document          writer                         read by
 *   probe             probe/probe_json.c             lib/probe_doc.c (replay, verdict, tests)
 *   replay, suite     replay/replay_json.c           vm/verdict.c, reports/model.c
 *   smoke             replay/smoke.c                 vm/verdict.c
 *   fuzz              tests/guest/kmod_fuzz.c        vm/verdict.c
 *   run               vm/verdict.c (results.json)    reports/model.c
 *   summary           reports/export.c               reports/history.c, users' CI
 *   compare           reports/compare.c              users' CI
 *   patch-validity    tests/patch_validity.c         users' CI (make patch-validity)
 *   lava-job          vm/lava.c (tcelab-job.json)    vm/lava.c (tcelab lava-collect)
 *   diff              replay/diff.c                  vm/verdict.c
 */
#ifndef __TCELAB_SCHEMA_H
#define __TCELAB_SCHEMA_H

#define SCHEMA_PROBE	"tcelab-probe/2"	/* probe/SCHEMA.md */
#define SCHEMA_REPLAY	"tcelab-replay/2"	/* traces/README.md, "Replay results" */
#define SCHEMA_SUITE	"tcelab-suite/1"	/* traces/suites/README.md */
#define SCHEMA_SMOKE	"tcelab-smoke/1"	/* the smoke scenario's scenario.json */
#define SCHEMA_FUZZ	"tcelab-fuzz/1"		/* the fuzz job's fuzz.json (README.md, "Tests") */
#define SCHEMA_RUN	"tcelab-run/1"		/* README.md, "Where results go" */
#define SCHEMA_SUMMARY	"tcelab-summary/1"	/* reports/README.md */
#define SCHEMA_COMPARE	"tcelab-compare/2"	/* reports/README.md */
#define SCHEMA_VALIDITY	"tcelab-validity/1"	/* README.md, "How far to trust a verdict" */
#define SCHEMA_BENCH	"tcelab-bench/1"		/* README.md, "Benchmarks" */
#define SCHEMA_BENCH_HISTORY "tcelab-bench-history/1"	/* a line of build/bench/history.jsonl */
#define SCHEMA_PATCH_VALIDITY "tcelab-patch-validity/1" /* README.md, "Tests" */
#define SCHEMA_KNOB_VALIDITY "tcelab-knob-validity/1" /* README.md, "Tests" */
#define SCHEMA_LAVA_JOB	"tcelab-lava-job/1"	/* README.md, "Fan-out" */
#define SCHEMA_DIFF	"tcelab-diff/1"		/* kmod/README.md, "The differential" */

#endif /* __TCELAB_SCHEMA_H */
