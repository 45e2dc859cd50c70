/* SPDX-License-Identifier: GPL-2.0 */
/* Run history in an embedded SQLite database (default reports/history.sqlite). */
#ifndef TCELAB_REPORT_HISTORY_H
#define TCELAB_REPORT_HISTORY_H

#include <stdio.h>
#include <cjson/cJSON.h>

/* $TCELAB_HISTORY, else <checkout>/reports/history.sqlite. */
const char *history_default_db(void);
/* Record (or re-record) one loaded run; @label may be NULL. 0, or -1 with *err allocated. */
int history_add(const char *db, const cJSON *doc, const char *run_dir, const char *label, char **err);
/*
 * The last @limit runs of @target/@job (NULL: any) measured with @timing (NULL: the latest
 * run's), oldest first, with their p50/p99 per scenario and role: {db, target, job, timing,
 * runs[{run_id, commit, label, verdict, leaked_pages, recorded_at, run_dir}],
 * series{scenario{role{p50[], p99[]}}}}. NULL when the db is absent.
 */
cJSON *history_trend(const char *db, const char *target, const char *job, const char *timing,
		     int limit, char **err);
/* 'tcelab history' output: the runs, then per scenario/role the first-to-last trend. */
void history_print(const cJSON *trend, FILE *f);

#endif /* TCELAB_REPORT_HISTORY_H */
