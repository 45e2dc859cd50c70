// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-replay --suite: every scenario of a suite file (traces/suites/README.md) on each
 * backend, one after the other, each by a tcelab-replay of its own under the probes (a replay
 * keeps process-wide state, and a crash takes down one scenario, not the suite), then the
 * suite's document from theirs. With kmod and another backend, each scenario's effects on the
 * other (what each call did to which TCE entry, lib/effects.h) are compared with its kmod
 * run's, entry by entry.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <tcelab/schema.h>

#include "lib/differences.h"
#include "lib/effects.h"
#include "lib/json.h"
#include "backend.h"
#include "replay_json.h"
#include "replay_logic.h"
#include "spawn.h"
#include "suite.h"

#define SUITE_MAX_BACKENDS	16
#define SUITE_MAX_RUNS		256
#define SUITE_MAX_ARGS		64
#define SPACE			" \t\r\n"

static struct {
	const struct suite_options *o;
	const char *backends[SUITE_MAX_BACKENDS];
	unsigned int nr_backends;
	/* Each run: scenario NAME on kmod, NAME@BACKEND on another backend. */
	char names[SUITE_MAX_RUNS][128];
	struct suite_run runs[SUITE_MAX_RUNS];
	cJSON *docs[SUITE_MAX_RUNS];
	char errors[SUITE_MAX_RUNS][512];
	/* Each run's effects, read as its document is (its list would take 10 times the room). */
	struct effect *effects[SUITE_MAX_RUNS];
	size_t nr_effects[SUITE_MAX_RUNS];
	char effects_errors[SUITE_MAX_RUNS][512];
	unsigned int nr_runs;
	bool failed;
	bool compare;			/* kmod and another backend: compare their effects */
	struct differences ds;		/* --differences, when given */
	bool has_ds;
} suite;

/* @list ("kmod,vfio"), cut in place, into suite.backends: 0, or -1 when one is unknown. */
static int parse_backends(char *list)
{
	char *save = NULL, *b;
	unsigned int i;

	for (b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
		if (!backend_find(b)) {
			fprintf(stderr, "tcelab-replay: unknown backend '%s' (%s)\n", b,
				backend_names());
			return -1;
		}
		if (suite.nr_backends == SUITE_MAX_BACKENDS) {
			fprintf(stderr, "tcelab-replay: more than %d backends\n", SUITE_MAX_BACKENDS);
			return -1;
		}
		suite.backends[suite.nr_backends++] = b;
	}
	if (!suite.nr_backends)
		fprintf(stderr, "tcelab-replay: --backends names none (%s)\n", backend_names());
	for (i = 0; i < suite.nr_backends; i++)
		if (!strcmp(suite.backends[i], "kmod") && suite.nr_backends > 1)
			suite.compare = true;
	return suite.nr_backends ? 0 : -1;
}

static void run_json_path(char *path, size_t len, const char *run)
{
	snprintf(path, len, "%s/suite/%s.json", suite.o->out, run);
}

/* Scenario @name with replay options @opts (cut in place) on backend @be, under the probes. */
static void replay_run(const char *name, char *opts, const char *be)
{
	char trace[PATH_MAX], json[PATH_MAX], *argv[SUITE_MAX_ARGS + 1], *save = NULL, *arg, *run;
	unsigned int n = 0;
	int status;

	if (suite.nr_runs == SUITE_MAX_RUNS) {
		fprintf(stderr, "tcelab-replay: more than %d scenarios\n", SUITE_MAX_RUNS);
		suite.failed = true;
		return;
	}
	run = suite.names[suite.nr_runs++];
	if (strcmp(be, "kmod"))
		snprintf(run, sizeof(suite.names[0]), "%s@%s", name, be);
	else
		snprintf(run, sizeof(suite.names[0]), "%s", name);
	printf("== scenario %s\n", run);
	run_json_path(json, sizeof(json), run);
	unlink(json);
	snprintf(trace, sizeof(trace), "%s/%s.tce", suite.o->traces, name);
	argv[n++] = (char *)replay_self();
	argv[n++] = "--backend";
	argv[n++] = (char *)be;
	argv[n++] = "--probe";
	if (suite.compare)
		argv[n++] = "--effects";
	argv[n++] = "--name";
	argv[n++] = run;
	argv[n++] = "--json";
	argv[n++] = json;
	for (arg = strtok_r(opts, SPACE, &save); arg; arg = strtok_r(NULL, SPACE, &save)) {
		if (n == SUITE_MAX_ARGS - 1) {
			fprintf(stderr, "tcelab-replay: %s: more than %d replay options\n", run,
				SUITE_MAX_ARGS);
			suite.failed = true;
			return;
		}
		argv[n++] = arg;
	}
	argv[n++] = trace;
	argv[n] = NULL;
	status = replay_spawn(argv, true);
	if (status < 0)
		fprintf(stderr, "tcelab-replay: %s: %s\n", run, strerror(errno));
	if (status)
		suite.failed = true;
}

/* Every scenario line of the suite file, on each backend. */
static int replay_scenarios(void)
{
	FILE *f = fopen(suite.o->file, "r");
	char *line = NULL, *name, *opts, *copy;
	size_t cap = 0;
	unsigned int i;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "tcelab-replay: %s: %s\n", suite.o->file, strerror(errno));
		return -1;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		if (!replay_suite_line(line, &name, &opts))
			continue;
		for (i = 0; !ret && i < suite.nr_backends; i++) {
			copy = strdup(opts);
			if (copy)
				replay_run(name, copy, suite.backends[i]);
			else
				ret = -1;
			free(copy);
		}
	}
	free(line);
	fclose(f);
	return ret;
}

/* The suite's name: its file's, without directory and ".suite". */
static void suite_name(char *name, size_t len, const char *file)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t n = strlen(base);

	if (n > 6 && !strcmp(base + n - 6, ".suite"))
		n -= 6;
	snprintf(name, len, "%.*s", (int)n, base);
}

/*
 * Run @i's effects list (lib/effects.h) into suite.effects[i], or why not into
 * suite.effects_errors[i]; the list then leaves its document: suite/RUN.json keeps it,
 * suite.json its counts.
 */
static void run_effects(unsigned int i)
{
	cJSON *effects = cJSON_GetObjectItem(suite.docs[i], "effects");
	const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(effects, "error"));
	char *err = suite.effects_errors[i];
	size_t len = sizeof(suite.effects_errors[i]);

	if (!cJSON_IsObject(effects))
		snprintf(err, len, "%s: no effects recorded", suite.names[i]);
	else if (why)
		snprintf(err, len, "%s: %s", suite.names[i], why);
	else
		effects_read(cJSON_GetObjectItem(effects, "list"), &suite.effects[i],
			     &suite.nr_effects[i], err, len);
	cJSON_DeleteItemFromObject(effects, "list");
}

/* The kmod run of run @i (NAME@BACKEND), or -1. */
static int kmod_run(unsigned int i)
{
	const char *at = strchr(suite.names[i], '@');
	unsigned int k;

	for (k = 0; at && k < suite.nr_runs; k++)
		if (strlen(suite.names[k]) == (size_t)(at - suite.names[i]) &&
		    !strncmp(suite.names[k], suite.names[i], at - suite.names[i]))
			return suite.docs[k] ? (int)k : -1;
	return -1;
}

/*
 * Run @i's effects against its kmod run's (@k), entry by entry: the result into its document
 * as "effects_vs_kmod" (traces/suites/README.md), and a line on stdout.
 */
static void compare_effects(unsigned int i, unsigned int k)
{
	const char *be = cJSON_GetStringValue(cJSON_GetObjectItem(suite.docs[i], "backend"));
	const char *trace = cJSON_GetStringValue(cJSON_GetObjectItem(suite.docs[k], "trace"));
	cJSON *res = cJSON_AddObjectToObject(suite.docs[i], "effects_vs_kmod"), *first;
	struct effects_comparison c;
	const char *err;
	char entry[32];

	trace = trace && strrchr(trace, '/') ? strrchr(trace, '/') + 1 : trace;
	cJSON_AddStringToObject(res, "kmod", suite.names[k]);
	if (cJSON_GetNumberValue(cJSON_GetObjectItem(suite.docs[i], "threads")) > 1) {
		cJSON_AddStringToObject(res, "skipped", "replayed by several threads, whose calls "
					"interleave differently in each run");
		printf("== effects of %s: not compared (several threads)\n", suite.names[i]);
		return;
	}
	if (!suite.effects[k] || !suite.effects[i]) {
		err = suite.effects[k] ? suite.effects_errors[i] : suite.effects_errors[k];
		cJSON_AddStringToObject(res, "error", err);
		printf("== effects of %s: not compared: %s\n", suite.names[i], err);
		return;
	}
	effects_compare(suite.effects[k], suite.nr_effects[k], suite.effects[i],
			suite.nr_effects[i], suite.has_ds ? &suite.ds : NULL, &c);
	cJSON_AddNumberToObject(res, "compared", c.compared);
	cJSON_AddNumberToObject(res, "differences", c.differences);
	cJSON_AddNumberToObject(res, "declared", c.declared);
	if (c.has_first) {
		first = cJSON_AddObjectToObject(res, "first");
		snprintf(entry, sizeof(entry), "0x%llx", (unsigned long long)c.first_entry);
		cJSON_AddStringToObject(first, "trace", trace);
		cJSON_AddNumberToObject(first, "line", c.first_line);
		cJSON_AddStringToObject(first, "op", trace_op_name(c.first_op));
		cJSON_AddStringToObject(first, "entry", entry);
		cJSON_AddStringToObject(first, "kmod", c.first_a);
		cJSON_AddStringToObject(first, be ? be : "other", c.first_b);
		printf("== effects of %s differ from %s's: %zu of %zu, the first at %s:%lu (%s, entry "
		       "%s): kmod %s, %s %s\n", suite.names[i], suite.names[k], c.differences,
		       c.compared + c.differences + c.declared, trace, c.first_line,
		       trace_op_name(c.first_op), entry, c.first_a, be, c.first_b);
		suite.failed = true;
	} else {
		printf("== effects of %s: %zu alike, %zu declared differences, 0 differ from %s's\n",
		       suite.names[i], c.compared, c.declared, suite.names[k]);
	}
}

/* Every run's document into suite.json; a run without one says why. */
static int write_suite(void)
{
	char name[256], path[PATH_MAX];
	struct suite_result res = {
		.suite = name, .backends = suite.backends, .nr_backends = suite.nr_backends,
		.runs = suite.runs, .nr_runs = suite.nr_runs,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < suite.nr_runs; i++) {
		struct suite_run *run = &suite.runs[i];

		run->name = suite.names[i];
		run_json_path(path, sizeof(path), run->name);
		run->doc = suite.docs[i] = json_load(path, SCHEMA_REPLAY, suite.errors[i],
						     sizeof(suite.errors[i]));
		run->error = access(path, F_OK) ? "no results" : suite.errors[i];
		if (!run->doc)
			suite.failed = true;
		else if (suite.compare)
			run_effects(i);
	}
	for (i = 0; suite.compare && i < suite.nr_runs; i++)
		if (suite.docs[i] && kmod_run(i) >= 0)
			compare_effects(i, kmod_run(i));
	suite_name(name, sizeof(name), suite.o->file);
	res.ok = !suite.failed;
	snprintf(path, sizeof(path), "%s/suite.json", suite.o->out);
	ret = suite_json_write(path, &res);
	if (ret)
		fprintf(stderr, "tcelab-replay: %s: %s\n", path, strerror(errno));
	for (i = 0; i < suite.nr_runs; i++) {
		cJSON_Delete(suite.docs[i]);
		free(suite.effects[i]);
	}
	return ret;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "tcelab-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int replay_suite(const struct suite_options *o)
{
	char *backends = strdup(o->backends), dir[PATH_MAX];
	int ret = 2;

	suite.o = o;
	if (o->differences) {
		char err[600];

		if (differences_load(&suite.ds, o->differences, err, sizeof(err))) {
			fprintf(stderr, "tcelab-replay: %s\n", err);
			free(backends);
			return 2;
		}
		/* The comparison's own test: a difference taken out of the table must be found. */
		if (o->undeclare && differences_undeclare(&suite.ds, o->undeclare)) {
			fprintf(stderr, "tcelab-replay: --undeclare %s: %s has no such row\n",
				o->undeclare, o->differences);
			free(backends);
			return 2;
		}
		suite.has_ds = true;
	}
	if (!replay_self()) {
		perror("tcelab-replay: /proc/self/exe");
		ret = 1;
	} else if (backends && !parse_backends(backends)) {
		snprintf(dir, sizeof(dir), "%s/suite", o->out);
		ret = make_dir(o->out) || make_dir(dir) || replay_scenarios() || write_suite() ||
		      suite.failed;
	}
	free(backends);
	return ret;
}
