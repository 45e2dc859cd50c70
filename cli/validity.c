// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab validity: measures the compare verdict itself (README "How far to trust a verdict").
 * Per timing mode, side by side on one target:
 *   - calibration: the xchg_work knob (kmod/README.md, knob 11) adds a fixed multiply chain to
 *     every TCE exchange; runs at 0 and at CALIBRATION_UNITS give op:put's cost per unit, hence
 *     the units that slow op:put by each level (+5, +10, +20 %);
 *   - pairs: per pair, each side (A, A', and B at each level) gets --runs runs, interleaved and
 *     rotated so that no side always runs first; A vs A' is an A/A comparison (a regression is a
 *     false alarm), A vs B a powered one (op:put flagged as a regression is a detection).
 * A busy host is the normal case of CI, so with --noise N, N busy loops share the host during
 * a seeded half of the runs. Every run and comparison stays under OUT/runs/; the figures go to
 * OUT/verdict.json (SCHEMA_VALIDITY) and the table to stdout and OUT/verdict.txt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <tcelab/schema.h>
#include <tcelab/exit_codes.h>
#include <tcelab/timing.h>

#include "subprocess.h"
#include "validity.h"
#include "vm/vm.h"
#include "lib/json.h"
#include "lib/util.h"

#define MAX_LEVELS		8
#define MAX_MODES		TCELAB_NR_TIMINGS
#define MAX_SIDES		(2 + MAX_LEVELS)
#define MAX_RUNS		10
/*
 * xchg_work of the calibration's slow side: large, so that the change it measures (about
 * +100 % of op:put in either mode) stands far above a busy host's noise; the work is a loop,
 * so its cost is linear in the units.
 */
#define CALIBRATION_UNITS	1000
#define CALIBRATION_RUNS	3	/* runs at 0 and at CALIBRATION_UNITS */
/* What the slowdown is calibrated on and judged by: the map hypercall of the net scenario. */
#define SCENARIO		"net"
#define ROLE			"op:put"

struct validity_opts {
	const char *target;
	const char *out;
	int modes[MAX_MODES], nmodes;
	int levels[MAX_LEVELS], nlevels;	/* slowdowns, percent of op:put */
	int pairs, runs, noise;
	int resume;			/* reuse the runs an interrupted measurement left in --out */
	unsigned int seed;
	double threshold;			/* percent; < 0: compare's default */
};

struct side {
	char name[16];
	int units;				/* xchg_work */
	char *dirs[MAX_RUNS];
};

/* One timing mode's measurement. */
struct mode_result {
	int mode;
	int pairs_done;
	double base_p50, slope;			/* op:put p50 at 0 units, its change per unit */
	int units[MAX_LEVELS];
	int aa_regressions, aa_role_regressions, aa_inconclusive;
	int detected[MAX_LEVELS], level_inconclusive[MAX_LEVELS];
	double change_sum[MAX_LEVELS];		/* op:put p50 change, summed over pairs */
	cJSON *pairs;
};

/* Busy loops, one process each, until stop_noise(). */
static void start_noise(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork: %s", strerror(errno));
		if (!pids[i]) {
			volatile unsigned long spin = 0;

			/* Never outlive the measurement, however it ends. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				spin++;
		}
	}
}

static void stop_noise(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

/* One guest run of the validity suite with @units of xchg_work; its directory. */
static char *one_run(const struct validity_opts *o, int mode, const char *name, int units,
		     int busy, int *seq, int total)
{
	char *dir = xasprintf("%s/runs/%s/%s", o->out, tcelab_timings[mode].name, name);
	char *log = xasprintf("%s.log", dir);
	char *append = xasprintf("tcelab.knob.xchg_work=%d", units);
	char *argv[] = { "tcelab", "run", "--target", (char *)o->target, "--job", "suite", "--suite",
			 "validity", "--timing", (char *)tcelab_timings[mode].name, "--append",
			 append, "--out", dir, "--no-history", NULL };
	char *results = xasprintf("%s/results.json", dir);
	pid_t noise[64];
	double t0 = now_seconds();
	int status;

	if (o->resume && path_exists(results)) {
		progress("validity [%d/%d] %s %s: kept from before", ++*seq, total,
			 tcelab_timings[mode].name, name);
		free(log), free(append), free(results);
		return dir;
	}
	/* A run the interruption cut short starts afresh. */
	if (o->resume && system(xasprintf("rm -rf '%s'", dir)))
		die("cannot remove the unfinished run %s", dir);
	if (busy)
		start_noise(noise, o->noise);
	status = spawn_self(argv, log);
	if (busy)
		stop_noise(noise, o->noise);
	progress("validity [%d/%d] %s %s: xchg_work=%d%s, %.1f s", ++*seq, total,
		 tcelab_timings[mode].name, name, units, busy ? ", busy host" : "",
		 now_seconds() - t0);
	if (status)
		die("validity: run %s failed (exit %d): a measurement needs every run to pass; see %s",
		    dir, status, log);
	free(log), free(append), free(results);
	return dir;
}

/* The run's op:put p50, from the summary.json tcelab run wrote. */
static double role_p50(const char *dir)
{
	char err[256], *path = xasprintf("%s/summary.json", dir), *key;
	cJSON *sum = json_load(path, SCHEMA_SUMMARY, err, sizeof(err));
	double v;

	if (!sum)
		die("validity: %s: %s", path, err);
	key = xasprintf("scenarios.%s.roles", SCENARIO);
	v = json_num(cJSON_GetObjectItem(json_at(sum, key), ROLE), "p50", NAN);
	if (isnan(v) || v <= 0)
		die("validity: %s has no %s %s p50", path, SCENARIO, ROLE);
	cJSON_Delete(sum);
	free(path), free(key);
	return v;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of @n values (@v is sorted). */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void calibrate(const struct validity_opts *o, struct mode_result *m, int *seq, int total)
{
	double p50[2][CALIBRATION_RUNS], slow;
	char name[32];
	int r, k;

	for (r = 0; r < CALIBRATION_RUNS; r++)
		for (k = 0; k < 2; k++) {
			snprintf(name, sizeof(name), "calibration-%d-%d", k * CALIBRATION_UNITS, r + 1);
			p50[k][r] = role_p50(one_run(o, m->mode, name, k * CALIBRATION_UNITS, 0, seq,
						     total));
		}
	/* Medians: one run the host slowed moves them least. */
	m->base_p50 = median(p50[0], CALIBRATION_RUNS);
	slow = median(p50[1], CALIBRATION_RUNS);
	m->slope = (slow - m->base_p50) / CALIBRATION_UNITS;
	if (m->slope <= 0)
		die("validity: xchg_work=%d did not slow %s %s (p50 %.0f -> %.0f %s): nothing to "
		    "calibrate on", CALIBRATION_UNITS, SCENARIO, ROLE, m->base_p50, slow,
		    tcelab_timings[m->mode].unit);
	for (k = 0; k < o->nlevels; k++)
		m->units[k] = (int)lround(o->levels[k] / 100.0 * m->base_p50 / m->slope);
}

/* tcelab compare of @b against @a; the comparison document (SCHEMA_COMPARE). */
static cJSON *compare(const struct validity_opts *o, const struct side *a, const struct side *b,
		      const char *dir)
{
	char *json = xasprintf("%s/%s-vs-%s.json", dir, b->name, a->name);
	char *log = xasprintf("%s/%s-vs-%s.txt", dir, b->name, a->name);
	char *base = NULL, *cur = NULL, thr[32], err[256];
	int status, r;
	cJSON *c;

	for (r = 0; r < o->runs; r++) {
		base = run_list_add(base, a->dirs[r]);
		cur = run_list_add(cur, b->dirs[r]);
	}
	snprintf(thr, sizeof(thr), "%g", o->threshold);
	c = spawn_compare(base, cur, o->threshold >= 0 ? thr : NULL, NULL, false, json, log, &status,
			  err, sizeof(err));
	if (status != 0 && status != 1 && status != 3)
		die("validity: tcelab compare failed (exit %d): see %s", status, log);
	if (!c)
		die("validity: %s", err);
	free(json), free(log), free(base), free(cur);
	return c;
}

/* The comparison's row for the judged scenario and role. */
static const cJSON *judged_row(const cJSON *c)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows"))
		if (!strcmp(json_str_at(r, "scenario") ?: "", SCENARIO) &&
		    !strcmp(json_str_at(r, "role") ?: "", ROLE))
			return r;
	return NULL;
}

static int is(const char *v, const char *want)
{
	return v && !strcmp(v, want);
}

static void measure_pair(const struct validity_opts *o, struct mode_result *m, int pair,
			 int *seq, int total)
{
	struct side sides[MAX_SIDES] = {};
	int nsides = 2 + o->nlevels, r, k, s;
	char *dir = xasprintf("%s/runs/%s/pair-%02d", o->out, tcelab_timings[m->mode].name, pair);
	cJSON *p = cJSON_CreateObject(), *c;
	const cJSON *row;

	if (mkdir_p(dir))
		die("cannot create %s: %s", dir, strerror(errno));
	strcpy(sides[0].name, "A");
	strcpy(sides[1].name, "A2");
	for (k = 0; k < o->nlevels; k++) {
		snprintf(sides[2 + k].name, sizeof(sides[2 + k].name), "B%d", o->levels[k]);
		sides[2 + k].units = m->units[k];
	}
	/* Interleaved, and rotated per pair and run: position in the sequence is no side's. */
	for (r = 0; r < o->runs; r++)
		for (k = 0; k < nsides; k++) {
			struct side *sd = &sides[(k + pair + r) % nsides];
			char name[48];

			snprintf(name, sizeof(name), "pair-%02d/%s-%d", pair, sd->name, r + 1);
			sd->dirs[r] = one_run(o, m->mode, name, sd->units, o->noise && rand() % 2, seq,
					      total);
		}
	cJSON_AddNumberToObject(p, "pair", pair);
	for (s = 1; s < nsides; s++) {
		const char *v;

		c = compare(o, &sides[0], &sides[s], dir);
		row = judged_row(c);
		v = json_str_at(row, "verdict");
		if (s == 1) {
			m->aa_regressions += is(json_str_at(c, "verdict"), "regression");
			m->aa_role_regressions += is(v, "regression");
			m->aa_inconclusive += is(v, "inconclusive");
		} else {
			m->detected[s - 2] += is(v, "regression");
			m->level_inconclusive[s - 2] += is(v, "inconclusive");
			m->change_sum[s - 2] += json_num(row, "p50.change", NAN);
		}
		cJSON_AddStringToObject(p, sides[s].name, v ?: "missing");
		cJSON_Delete(c);
	}
	cJSON_AddItemToArray(m->pairs, p);
	m->pairs_done++;
	free(dir);
}

static cJSON *mode_json(const struct validity_opts *o, const struct mode_result *m)
{
	cJSON *j = cJSON_CreateObject(), *cal, *aa, *pw, *l;
	int k;

	cJSON_AddStringToObject(j, "timing", tcelab_timings[m->mode].name);
	cJSON_AddStringToObject(j, "unit", tcelab_timings[m->mode].unit);
	cal = cJSON_AddObjectToObject(j, "calibration");
	cJSON_AddNumberToObject(cal, "runs_a_side", CALIBRATION_RUNS);
	cJSON_AddNumberToObject(cal, "xchg_work", CALIBRATION_UNITS);
	cJSON_AddNumberToObject(cal, "base_p50", m->base_p50);
	cJSON_AddNumberToObject(cal, "per_unit", m->slope);
	aa = cJSON_AddObjectToObject(j, "false_alarms");
	cJSON_AddNumberToObject(aa, "pairs", m->pairs_done);
	cJSON_AddNumberToObject(aa, "regression_verdicts", m->aa_regressions);
	cJSON_AddNumberToObject(aa, "role_regressions", m->aa_role_regressions);
	cJSON_AddNumberToObject(aa, "role_inconclusive", m->aa_inconclusive);
	pw = cJSON_AddArrayToObject(j, "power");
	for (k = 0; k < o->nlevels; k++) {
		l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "slowdown_pct", o->levels[k]);
		cJSON_AddNumberToObject(l, "xchg_work", m->units[k]);
		cJSON_AddNumberToObject(l, "pairs", m->pairs_done);
		cJSON_AddNumberToObject(l, "detected", m->detected[k]);
		cJSON_AddNumberToObject(l, "inconclusive", m->level_inconclusive[k]);
		cJSON_AddNumberToObject(l, "mean_measured_change",
					m->change_sum[k] / m->pairs_done);
		cJSON_AddItemToArray(pw, l);
	}
	cJSON_AddItemToObject(j, "pairs", cJSON_Duplicate(m->pairs, 1));
	return j;
}

static void print_table(const struct validity_opts *o, const struct mode_result *res, FILE *f)
{
	int i, k;

	fprintf(f, "tcelab validity on %s: %d pairs of %d runs a side, interleaved; busy host (%d "
		"busy loops) in half the runs; judged: %s %s p50\n", o->target, res[0].pairs_done, o->runs,
		o->noise, SCENARIO, ROLE);
	fprintf(f, "  %-8s %-18s", "timing", "A/A false alarms");
	for (k = 0; k < o->nlevels; k++)
		fprintf(f, "  +%2d %% detected", o->levels[k]);
	fprintf(f, "\n");
	for (i = 0; i < o->nmodes; i++) {
		const struct mode_result *m = &res[i];

		fprintf(f, "  %-8s %8d of %-7d", tcelab_timings[m->mode].name, m->aa_regressions,
			m->pairs_done);
		for (k = 0; k < o->nlevels; k++)
			fprintf(f, "  %6d of %-6d", m->detected[k], m->pairs_done);
		fprintf(f, "\n");
	}
}

/* The figures so far; @last: print them too. */
static void write_results(const struct validity_opts *o, const struct mode_result *res, int last)
{
	char *path = xasprintf("%s/verdict.json", o->out), *tmp = xasprintf("%s.tmp", path);
	char *txt = xasprintf("%s/verdict.txt", o->out), *json, *table = NULL;
	cJSON *doc = cJSON_CreateObject(), *modes, *lv;
	size_t len = 0;
	FILE *f;
	int i;

	cJSON_AddStringToObject(doc, "schema", SCHEMA_VALIDITY);
	cJSON_AddStringToObject(doc, "target", o->target);
	cJSON_AddStringToObject(doc, "judged", SCENARIO " " ROLE " p50");
	cJSON_AddNumberToObject(doc, "pairs", res[0].pairs_done);
	cJSON_AddNumberToObject(doc, "pairs_planned", o->pairs);
	cJSON_AddNumberToObject(doc, "runs_a_side", o->runs);
	cJSON_AddNumberToObject(doc, "noise_loops", o->noise);
	cJSON_AddNumberToObject(doc, "seed", o->seed);
	if (o->threshold >= 0)
		cJSON_AddNumberToObject(doc, "threshold_pct", o->threshold);
	else
		cJSON_AddStringToObject(doc, "threshold_pct", "compare's default");
	lv = cJSON_AddArrayToObject(doc, "levels_pct");
	for (i = 0; i < o->nlevels; i++)
		cJSON_AddItemToArray(lv, cJSON_CreateNumber(o->levels[i]));
	cJSON_AddItemToObject(doc, "versions",
			      read_env_file(xasprintf("%s/.cache/versions.env", tcelab_top())));
	modes = cJSON_AddArrayToObject(doc, "modes");
	for (i = 0; i < o->nmodes; i++)
		cJSON_AddItemToArray(modes, mode_json(o, &res[i]));
	json = cJSON_Print(doc);
	if (!json || write_file(tmp, xasprintf("%s\n", json)) || rename(tmp, path))
		die("cannot write %s: %s", path, strerror(errno));
	f = open_memstream(&table, &len);
	print_table(o, res, f);
	fclose(f);
	if (write_file(txt, table))
		die("cannot write %s: %s", txt, strerror(errno));
	if (last) {
		fputs(table, stdout);
		printf("  figures: %s\n", path);
	} else {
		progress("validity: %d of %d pairs measured; figures so far in %s",
			 res[0].pairs_done, o->pairs, path);
	}
	cJSON_Delete(doc);
	free(json), free(table), free(path), free(tmp), free(txt);
}

static int parse_list(const char *arg, int *out, int max, int (*one)(const char *), const char *opt)
{
	char *copy = strdup(arg), *save = NULL, *t;
	int n = 0;

	for (t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == max)
			die("%s: at most %d values", opt, max);
		out[n] = one(t);
		if (out[n] < 0)
			die("%s: '%s' is not one of its values (see 'tcelab validity --help')", opt, t);
		n++;
	}
	free(copy);
	if (!n)
		die("%s takes a comma-separated list", opt);
	return n;
}

static int percent(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end || v < 1 || v > 100 ? -1 : (int)v;
}

static int timing(const char *s)
{
	return tcelab_timing_find(s);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab validity [--target T] [--timings M,...] [--pairs N] [--runs N]\n"
		"                       [--levels PCT,...] [--threshold PCT] [--noise N] [--seed N]\n"
		"                       [--out DIR] [--resume]\n"
		"\n"
		"Measures how far a 'tcelab compare' verdict can be trusted, per timing mode: its\n"
		"false-alarm rate (A/A pairs: the same build on both sides) and its power against a\n"
		"slowdown of the map path (tcelab.ko's xchg_work knob, calibrated to +PCT %% of the\n"
		"net scenario's op:put p50). Every pair is a fresh comparison of --runs runs a side,\n"
		"interleaved; every run is a guest boot of the 'validity' suite. Writes\n"
		"OUT/verdict.json and OUT/verdict.txt after every pair (a measurement cut short still\n"
		"says what it measured); the runs stay under OUT/runs/.\n"
		"\n"
		"  --target T       the guest target (default x86_64)\n"
		"  --timings M,...  timing modes, side by side (default: the target's, then host)\n"
		"  --pairs N        pairs per mode (default 20)\n"
		"  --runs N         runs a side of each pair (default 3, compare's minimum)\n"
		"  --levels PCT,... slowdowns of op:put to detect (default 5,10,20)\n"
		"  --threshold PCT  compare's threshold (default: compare's own)\n"
		"  --noise N        busy loops on the host during a random half of the runs, as on a\n"
		"                   shared CI host (default: the number of CPUs; 0: none)\n"
		"  --seed N         seed of the busy-run choice (default 1)\n"
		"  --out DIR        where the runs and figures go (default build/validity; must be new\n"
		"                   or empty)\n"
		"  --resume         go on with the measurement in --out (same options): its finished\n"
		"                   runs are kept, an unfinished one is made again\n"
		"Exit status: 0 measured (the figures say how good the verdict is), 2 usage or a run\n"
		"that failed.\n");
}

int cmd_validity(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "timings", required_argument, NULL, 'm' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "levels", required_argument, NULL, 'l' },
		{ "threshold", required_argument, NULL, 'T' },
		{ "noise", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "resume", no_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct validity_opts o = {
		.target = "x86_64", .pairs = 20, .runs = 3, .seed = 1, .threshold = -1,
		.levels = { 5, 10, 20 }, .nlevels = 3, .noise = (int)sysconf(_SC_NPROCESSORS_ONLN),
	};
	const char *timings = NULL;
	struct mode_result res[MAX_MODES] = {};
	int c, i, seq = 0, total;
	char *end;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o.target = optarg;
			break;
		case 'm':
			timings = optarg;
			break;
		case 'p':
			o.pairs = strtol(optarg, &end, 10);
			if (*end || o.pairs < 1)
				die("--pairs takes a positive number, not '%s'", optarg);
			break;
		case 'r':
			o.runs = strtol(optarg, &end, 10);
			if (*end || o.runs < 1 || o.runs > MAX_RUNS)
				die("--runs takes 1 to %d, not '%s'", MAX_RUNS, optarg);
			break;
		case 'l':
			o.nlevels = parse_list(optarg, o.levels, MAX_LEVELS, percent, "--levels");
			break;
		case 'T':
			o.threshold = strtod(optarg, &end);
			if (*end || o.threshold < 0)
				die("--threshold takes a percentage, not '%s'", optarg);
			break;
		case 'n':
			o.noise = strtol(optarg, &end, 10);
			if (*end || o.noise < 0 || o.noise > 64)
				die("--noise takes 0 to 64 busy loops, not '%s'", optarg);
			break;
		case 's':
			o.seed = strtoul(optarg, &end, 10);
			if (*end)
				die("--seed takes a number, not '%s'", optarg);
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'R':
			o.resume = 1;
			break;
		default:
			usage_exit(usage, c);
		}
	}
	no_operands(argc, argv, "validity");
	if (timings) {
		o.nmodes = parse_list(timings, o.modes, MAX_MODES, timing, "--timings");
	} else {
		o.modes[o.nmodes++] = target_default_timing(o.target);
		if (o.modes[0] != TCELAB_TIMING_HOST)
			o.modes[o.nmodes++] = TCELAB_TIMING_HOST;
	}
	o.out = o.out ?: xasprintf("%s/build/validity", tcelab_top());
	if (!o.resume && !dir_is_empty(o.out))
		die("--out %s exists and is not empty: a measurement starts afresh; name a "
			   "new directory or remove it", o.out);
	srand(o.seed);
	total = o.nmodes * (2 * CALIBRATION_RUNS + o.pairs * o.runs * (2 + o.nlevels));
	progress("validity: %d guest runs on %s (%d timing mode%s)", total, o.target, o.nmodes,
		 o.nmodes > 1 ? "s" : "");
	for (i = 0; i < o.nmodes; i++) {
		res[i].mode = o.modes[i];
		res[i].pairs = cJSON_CreateArray();
		calibrate(&o, &res[i], &seq, total);
	}
	/* Pair by pair, each mode in turn: a change of the host's load over time hits every mode. */
	for (c = 1; c <= o.pairs; c++) {
		for (i = 0; i < o.nmodes; i++)
			measure_pair(&o, &res[i], c, &seq, total);
		write_results(&o, res, c == o.pairs);
	}
	for (i = 0; i < o.nmodes; i++)
		cJSON_Delete(res[i].pairs);
	return 0;
}
