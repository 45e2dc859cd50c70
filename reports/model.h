/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run directory read into one normalized document, tolerant of missing sections:
 *   { "summary": <summary.json, tcelab-summary/1>,
 *     "detail": <what only the dashboard and the CI formats need: histograms, the pin ledger,
 *                failures with their excerpts, each test program's results (tests.programs)> }
 * See reports/README.md for the summary schema.
 */
#ifndef TCELAB_REPORT_MODEL_H
#define TCELAB_REPORT_MODEL_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "stats.h"


/* NULL (and *err set to a static reason) when @dir holds neither results.json nor guest/probe.json. */
cJSON *report_load(const char *dir, const char **err);
/* Histogram from a tcelab-probe/2 latency object ({count,sum,min,max,buckets:[[lo,hi,n]...]}). */
void rhist_from_json(const cJSON *lat, struct rhist *h);
/*
 * Role @role of a scenario's @roles (summary or detail): "xchg", "op:put", or a role's phase
 * "xchg/workload" (roles.xchg.phases.workload); NULL when it has none.
 */
const cJSON *report_role(const cJSON *roles, const char *role);
/*
 * The latency rows of a summary's @scenario in the order users read them: each role's workload
 * phase ("xchg/workload") first, what a change to the code under test moves, then every role
 * and op type over the whole command, then (@other_phases) the roles' other phases; @fn gets
 * each row's name (as report_role() takes it) and row.
 */
void report_latency_rows(const cJSON *scenario, bool other_phases,
			 void (*fn)(void *arg, const char *role, const cJSON *row), void *arg);
/* detail.scenarios.<scenario>.roles.<role>.latency of a loaded report (@role as above), or NULL. */
const cJSON *report_role_latency(const cJSON *doc, const char *scenario, const char *role);
/*
 * The environment fields compare checks, as one "k=v ..." line; without the kernel's release
 * when the kernel is what is compared (compare --vary-kernel, tcelab ab).
 */
char *report_env_line(const cJSON *summary, bool with_kernel);
/* Number helpers: NAN when absent. */
double jnum(const cJSON *o, const char *key);
const char *jstr(const cJSON *o, const char *key);

#endif /* TCELAB_REPORT_MODEL_H */
