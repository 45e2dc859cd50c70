// SPDX-License-Identifier: GPL-2.0
/* Run history in SQLite (history.h). */
#include <math.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tcelab/timing.h>

#include "export.h"
#include "history.h"
#include "model.h"
#include "lib/util.h"

static const char schema_sql[] =
	"PRAGMA foreign_keys = ON;"
	"CREATE TABLE IF NOT EXISTS runs ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id TEXT NOT NULL UNIQUE,"
	"  run_dir TEXT, recorded_at TEXT, target TEXT, arch TEXT, job TEXT, commit_id TEXT,"
	"  label TEXT, verdict TEXT, kernel TEXT, attach_mode TEXT,"
	"  leaked_pages REAL, pinned_after REAL, locked_vm_drift REAL, guest_seconds REAL,"
	"  summary TEXT, timing TEXT);"
	"CREATE TABLE IF NOT EXISTS latency ("
	"  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  scenario TEXT NOT NULL, role TEXT NOT NULL,"
	"  count REAL, p50 REAL, p90 REAL, p99 REAL, p99_9 REAL, max REAL, mean REAL,"
	"  PRIMARY KEY (run, scenario, role));";
/* Version 1 had no timing column: its runs measured host time. */
static const char upgrade_sql[] =
	"ALTER TABLE runs ADD COLUMN timing TEXT;"
	"UPDATE runs SET timing = 'host';";
#define SCHEMA_VERSION	2	/* the user_version upgrade() sets */

const char *history_default_db(void)
{
	static char *db;

	if (!db)
		db = getenv("TCELAB_HISTORY") && *getenv("TCELAB_HISTORY") ?
		     strdup(getenv("TCELAB_HISTORY")) :
		     xasprintf("%s/reports/history.sqlite", tcelab_top());
	return db;
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A database of an older tcelab to this schema; a new one (version 0) is already created. */
static int upgrade(sqlite3 *db, char **msg)
{
	int v = user_version(db);

	if (v == 1 && sqlite3_exec(db, upgrade_sql, NULL, NULL, msg) != SQLITE_OK)
		return -1;
	if (v > SCHEMA_VERSION) {
		*msg = sqlite3_mprintf("written by a newer tcelab (schema %d, this one knows %d)", v,
				       SCHEMA_VERSION);
		return -1;
	}
	return sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, msg) != SQLITE_OK;
}

/* A database this call created and could not set up (a full disk) is removed, WAL and all. */
static void remove_new_db(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	unsigned int i;
	char *file;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		file = xasprintf("%s%s", path, suffixes[i]);
		unlink(file);
		free(file);
	}
}

/*
 * WAL, so that runs finishing together wait their turn. Switching a new database's journal
 * takes its exclusive lock, and SQLite returns SQLITE_BUSY at once, without the busy handler,
 * when runs created it together: try again for up to 30 s, as the busy timeout does.
 */
static int set_wal(sqlite3 *db, char **msg)
{
	int rc, tries;

	for (tries = 0; tries < 3000; tries++) {
		rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, msg);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		sqlite3_free(*msg);
		*msg = NULL;
		usleep(10000);
	}
	return rc;
}

static sqlite3 *open_db(const char *path, int create, char **err)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	bool existed = path_exists(path);

	if (sqlite3_open_v2(path, &db, create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
				  SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		*err = xasprintf("cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	/* Runs finishing together each wait their turn (BEGIN IMMEDIATE, WAL) instead of failing. */
	sqlite3_busy_timeout(db, 30000);
	if (user_version(db) < 0) {
		*err = xasprintf("%s is not a readable tcelab history database (%s): move it aside "
				 "(the next run starts a new one) or name another with TCELAB_HISTORY",
				 path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	if (create && (set_wal(db, &msg) != SQLITE_OK ||
		       sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK ||
		       upgrade(db, &msg))) {
		*err = xasprintf("%s: %s%s", path, msg ?: "schema",
				 sqlite3_errcode(db) == SQLITE_FULL ?
				 ": free some space, or name another database with TCELAB_HISTORY" : "");
		sqlite3_free(msg);
		/* Only a full disk: another run may be creating the same database right now. */
		if (!existed && sqlite3_errcode(db) == SQLITE_FULL)
			remove_new_db(path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_num(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_double(st, i, v);
}

/* One run's latency rows into the latency table (report_latency_rows()). */
struct latency_insert {
	sqlite3_stmt *st;
	sqlite3_int64 id;
	const char *scenario;
	bool failed;
};

static void insert_latency(void *arg, const char *role, const cJSON *row)
{
	struct latency_insert *l = arg;

	if (l->failed)
		return;
	sqlite3_reset(l->st);
	sqlite3_bind_int64(l->st, 1, l->id);
	bind_text(l->st, 2, l->scenario);
	bind_text(l->st, 3, role);
	bind_num(l->st, 4, jnum(row, "count"));
	bind_num(l->st, 5, jnum(row, "p50"));
	bind_num(l->st, 6, jnum(row, "p90"));
	bind_num(l->st, 7, jnum(row, "p99"));
	bind_num(l->st, 8, jnum(row, "p99_9"));
	bind_num(l->st, 9, jnum(row, "max"));
	bind_num(l->st, 10, jnum(row, "mean"));
	l->failed = sqlite3_step(l->st) != SQLITE_DONE;
}

int history_add(const char *path, const cJSON *doc, const char *run_dir, const char *label, char **err)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary"), *env, *pins, *sc;
	struct latency_insert row = { 0 };
	sqlite3 *db = open_db(path, 1, err);
	sqlite3_stmt *st = NULL;
	sqlite3_int64 id;
	char stamp[32], *json;
	time_t now = time(NULL);
	int rc;

	if (!db)
		return -1;
	env = cJSON_GetObjectItem(sum, "environment");
	pins = cJSON_GetObjectItem(sum, "pins");
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "DELETE FROM runs WHERE run_id = ?", -1, &st, NULL);
	bind_text(st, 1, jstr(sum, "run_id"));
	sqlite3_step(st);
	sqlite3_finalize(st);
	rc = sqlite3_prepare_v2(db,
		"INSERT INTO runs (run_id, run_dir, recorded_at, target, arch, job, commit_id, label,"
		" verdict, kernel, attach_mode, leaked_pages, pinned_after, locked_vm_drift,"
		" guest_seconds, summary, timing) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st,
		NULL);
	if (rc != SQLITE_OK)
		goto fail;
	json = cJSON_PrintUnformatted(sum);
	bind_text(st, 1, jstr(sum, "run_id"));
	bind_text(st, 2, run_dir);
	bind_text(st, 3, stamp);
	bind_text(st, 4, jstr(sum, "target"));
	bind_text(st, 5, jstr(env, "arch"));
	bind_text(st, 6, jstr(sum, "job"));
	bind_text(st, 7, jstr(sum, "commit"));
	bind_text(st, 8, label);
	bind_text(st, 9, jstr(sum, "verdict"));
	bind_text(st, 10, jstr(env, "kernel"));
	bind_text(st, 11, jstr(env, "attach_mode"));
	bind_num(st, 12, jnum(pins, "leaked_pages"));
	bind_num(st, 13, jnum(pins, "pinned_after"));
	bind_num(st, 14, jnum(pins, "locked_vm_drift"));
	bind_num(st, 15, jnum(sum, "guest_seconds"));
	bind_text(st, 16, json);
	bind_text(st, 17, jstr(env, "timing"));
	rc = sqlite3_step(st);
	free(json);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db);
	rc = sqlite3_prepare_v2(db, "INSERT INTO latency VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	row.st = st;
	row.id = id;
	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios")) {
		row.scenario = sc->string;
		report_latency_rows(sc, false, insert_latency, &row);
	}
	sqlite3_finalize(st);
	if (row.failed)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_close(db);
	return 0;
fail:
	*err = xasprintf("%s: %s", path, sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return -1;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void add_col(cJSON *o, const char *k, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		cJSON_AddNullToObject(o, k);
	else if (sqlite3_column_type(st, i) == SQLITE_TEXT)
		cJSON_AddStringToObject(o, k, col_text(st, i));
	else
		cJSON_AddNumberToObject(o, k, sqlite3_column_double(st, i));
}

/* The timing mode of the latest run of @target/@job (NULL: any); "host" when there is none. */
static char *latest_timing(sqlite3 *db, const char *target, const char *job)
{
	sqlite3_stmt *st = NULL;
	char *timing;

	sqlite3_prepare_v2(db, "SELECT timing FROM runs WHERE (?1 IS NULL OR target = ?1) AND"
			   " (?2 IS NULL OR job = ?2) ORDER BY recorded_at DESC, id DESC LIMIT 1",
			   -1, &st, NULL);
	bind_text(st, 1, target);
	bind_text(st, 2, job);
	timing = strdup(sqlite3_step(st) == SQLITE_ROW && col_text(st, 0) ? col_text(st, 0) : "host");
	sqlite3_finalize(st);
	return timing;
}

cJSON *history_trend(const char *path, const char *target, const char *job, const char *timing,
		     int limit, char **err)
{
	sqlite3 *db;
	sqlite3_stmt *st = NULL;
	cJSON *t, *runs, *series, *ids;
	char *mode;
	int n, i;

	if (!path_exists(path)) {
		*err = xasprintf("no history database at %s (tcelab history add RUN_DIR)", path);
		return NULL;
	}
	db = open_db(path, 0, err);
	if (!db)
		return NULL;
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "db", path);
	if (target)
		cJSON_AddStringToObject(t, "target", target);
	if (job)
		cJSON_AddStringToObject(t, "job", job);
	/* Figures of different timing modes are in different units: one mode a trend. */
	mode = timing ? strdup(timing) : latest_timing(db, target, job);
	cJSON_AddStringToObject(t, "timing", mode);
	runs = cJSON_AddArrayToObject(t, "runs");
	series = cJSON_AddObjectToObject(t, "series");
	ids = cJSON_CreateArray();
	sqlite3_prepare_v2(db,
		"SELECT * FROM (SELECT id, run_id, commit_id, label, verdict, leaked_pages, recorded_at,"
		" run_dir, target, job FROM runs WHERE (?1 IS NULL OR target = ?1) AND (?2 IS NULL OR job = ?2)"
		" AND timing = ?4 ORDER BY recorded_at DESC, id DESC LIMIT ?3) ORDER BY recorded_at, id",
		-1, &st, NULL);
	bind_text(st, 1, target);
	bind_text(st, 2, job);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : 50);
	bind_text(st, 4, mode);
	free(mode);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *r = cJSON_CreateObject();

		add_col(r, "run_id", st, 1);
		add_col(r, "commit", st, 2);
		add_col(r, "label", st, 3);
		add_col(r, "verdict", st, 4);
		add_col(r, "leaked_pages", st, 5);
		add_col(r, "recorded_at", st, 6);
		add_col(r, "run_dir", st, 7);
		add_col(r, "target", st, 8);
		add_col(r, "job", st, 9);
		cJSON_AddItemToArray(runs, r);
		cJSON_AddItemToArray(ids, cJSON_CreateNumber(sqlite3_column_int64(st, 0)));
	}
	sqlite3_finalize(st);
	n = cJSON_GetArraySize(ids);
	sqlite3_prepare_v2(db, "SELECT scenario, role, p50, p99 FROM latency WHERE run = ?", -1, &st, NULL);
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)cJSON_GetArrayItem(ids, i)->valuedouble);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *sc = col_text(st, 0), *ro = col_text(st, 1);
			cJSON *s = cJSON_GetObjectItem(series, sc), *r;
			int k;

			if (!s)
				s = cJSON_AddObjectToObject(series, sc);
			r = cJSON_GetObjectItem(s, ro);
			if (!r) {
				r = cJSON_AddObjectToObject(s, ro);
				cJSON_AddArrayToObject(r, "p50");
				cJSON_AddArrayToObject(r, "p99");
				/* null for runs before this role showed up */
				for (k = 0; k < n; k++) {
					cJSON_AddItemToArray(cJSON_GetObjectItem(r, "p50"), cJSON_CreateNull());
					cJSON_AddItemToArray(cJSON_GetObjectItem(r, "p99"), cJSON_CreateNull());
				}
			}
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				cJSON_ReplaceItemInArray(cJSON_GetObjectItem(r, "p50"), i,
							 cJSON_CreateNumber(sqlite3_column_double(st, 2)));
			if (sqlite3_column_type(st, 3) != SQLITE_NULL)
				cJSON_ReplaceItemInArray(cJSON_GetObjectItem(r, "p99"), i,
							 cJSON_CreateNumber(sqlite3_column_double(st, 3)));
		}
	}
	sqlite3_finalize(st);
	cJSON_Delete(ids);
	sqlite3_close(db);
	return t;
}

void history_print(const cJSON *t, FILE *f)
{
	const cJSON *r, *sc, *role;
	const char *unit;
	char a[4][32];

	fprintf(f, "%d run(s) in %s\n", cJSON_GetArraySize(cJSON_GetObjectItem(t, "runs")),
		jstr(t, "db") ?: "?");
	fprintf(f, "  %-36s %-9s %-5s %-20s %-14s %-7s %s\n", "run", "target", "job", "recorded",
		"commit", "verdict", "leaked pages / label");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(t, "runs"))
		fprintf(f, "  %-36s %-9s %-5s %-20s %-14s %-7s %.0f%s%s\n", jstr(r, "run_id") ?: "?",
			jstr(r, "target") ?: "?", jstr(r, "job") ?: "?", jstr(r, "recorded_at") ?: "?",
			jstr(r, "commit") ?: "?", jstr(r, "verdict") ?: "?",
			isnan(jnum(r, "leaked_pages")) ? 0 : jnum(r, "leaked_pages"),
			jstr(r, "label") ? "  " : "", jstr(r, "label") ?: "");
	unit = tcelab_timing_find(jstr(t, "timing")) >= 0 ?
	       tcelab_timings[tcelab_timing_find(jstr(t, "timing"))].unit : "ns";
	fprintf(f, "trends (first -> last recorded run with the role; timing %s):\n",
		jstr(t, "timing") ?: "?");
	fprintf(f, "  %-10s %-14s %10s %10s %8s %10s %10s %8s\n", "scenario", "role", "p50 first", "p50 last",
		"change", "p99 first", "p99 last", "change");
	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(t, "series"))
		cJSON_ArrayForEach(role, sc) {
			const char *q[2] = { "p50", "p99" };
			double first[2] = { NAN, NAN }, last[2] = { NAN, NAN };
			const cJSON *v;
			int k;

			for (k = 0; k < 2; k++)
				cJSON_ArrayForEach(v, cJSON_GetObjectItem(role, q[k]))
					if (cJSON_IsNumber(v)) {
						if (isnan(first[k]))
							first[k] = v->valuedouble;
						last[k] = v->valuedouble;
					}
			fprintf(f, "  %-10s %-14s %10s %10s %+7.1f%% %10s %10s %+7.1f%%\n", sc->string,
				role->string, fmt_latency(first[0], unit, a[0], 32),
				fmt_latency(last[0], unit, a[1], 32),
				first[0] > 0 ? 100 * (last[0] / first[0] - 1) : 0.0,
				fmt_latency(first[1], unit, a[2], 32), fmt_latency(last[1], unit, a[3], 32),
				first[1] > 0 ? 100 * (last[1] / first[1] - 1) : 0.0);
		}
}
