// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab ab: an A/B measurement in one command. Runs the base and the candidate interleaved
 * (base 1, cand 1, base 2, ...), each a `tcelab run` of its own, compares them with
 * `tcelab compare`, and reports as the kernel's perf robots do: the headline, a table of base and
 * candidate with %stddev and %change, the statistics used, and how to reproduce. --bisect maps
 * the outcome for `git bisect run`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wordexp.h>
#include <cjson/cJSON.h>
#include <tcelab/exit_codes.h>
#include <tcelab/schema.h>

#include "ab.h"
#include "reports/reports.h"
#include "subprocess.h"
#include "lib/json.h"
#include "lib/util.h"

#define AB_MAX_ARGS	64

struct ab_side {
	const char *name;		/* "base", "cand" */
	const char *options;		/* as given */
	char **argv;			/* its words, after the options for both */
	int argc;
	char *list;			/* its run directories, comma-separated */
};

struct ab_opts {
	int runs;
	const char *threshold, *out, *json, *html;
	int bisect;
	char *common[AB_MAX_ARGS];	/* options for both sides */
	int ncommon;
	struct ab_side side[2];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab ab --base 'RUN OPTIONS' --cand 'RUN OPTIONS' [--runs N]\n"
		"                 [--threshold PCT] [--out DIR] [--json FILE] [--html FILE] [--bisect]\n"
		"                 [RUN OPTIONS FOR BOTH...]\n"
		"\n"
		"Runs 'tcelab run' N times a side, interleaved (base, cand, base, cand, ...), compares\n"
		"the candidate with the base ('tcelab compare') and reports as the kernel test robot\n"
		"does: the headline, base and candidate per scenario and role with %%stddev and\n"
		"%%change, the statistics used, and a reproduce block. Options for both sides come\n"
		"last (e.g. --target powernv9 --job suite); each side's are one shell-quoted word.\n"
		"\n"
		"  --base OPTS     the base side's 'tcelab run' options (e.g. '--append tcelab.knob.x=0')\n"
		"  --cand OPTS     the candidate's (e.g. '--patch fix.patch')\n"
		"  --runs N        runs a side (default 5; compare needs at least 3)\n"
		"  --threshold PCT compare's threshold (default: the timing mode's)\n"
		"  --out DIR       the runs, compare.json and report.txt (default reports/ab-<time>)\n"
		"  --json, --html  the comparison, as 'tcelab compare' writes them\n"
		"  --bisect        exit as 'git bisect run' reads it: 0 good, 1 bad, 125 skip\n"
		"\n"
		"Exit status: 0 no regression; 1 regression, new leak or new failure; 2 the harness\n"
		"could not measure (a run left no results, bad options); 3 inconclusive (more runs, or\n"
		"a quieter host; or the runs' environments differ beyond the kernel, which the sides\n"
		"may vary). With --bisect: 0 good (0), 1 bad (1), 125 skip (2 or 3).\n");
}

static void split_side(struct ab_side *s)
{
	wordexp_t w;
	size_t i;

	/* Quotes and spaces as a shell takes them; no command substitution. */
	if (wordexp(s->options, &w, WRDE_NOCMD | WRDE_UNDEF))
		die_status(TCELAB_EXIT_ERROR, "--%s '%s': not a list of options a shell would split",
			   s->name, s->options);
	s->argc = (int)w.we_wordc;
	s->argv = calloc(s->argc + 1, sizeof(*s->argv));
	if (!s->argv)
		die_status(TCELAB_EXIT_ERROR, "out of memory");
	for (i = 0; i < w.we_wordc; i++) {
		if (!strcmp(w.we_wordv[i], "--out") || !strcmp(w.we_wordv[i], "-o"))
			die_status(TCELAB_EXIT_ERROR, "--%s: tcelab ab names the run directories itself (--out "
				   "DIR for all of them)", s->name);
		s->argv[i] = strdup(w.we_wordv[i]);
	}
	wordfree(&w);
}

/* The words of `tcelab run` for @s: the options for both, then the side's own. */
static int run_argv(const struct ab_opts *o, const struct ab_side *s, char **argv)
{
	int n = 0, k;

	argv[n++] = "tcelab";
	argv[n++] = "run";
	for (k = 0; k < o->ncommon; k++)
		argv[n++] = o->common[k];
	for (k = 0; k < s->argc; k++)
		argv[n++] = s->argv[k];
	return n;
}

/* A side whose options tcelab run refuses, or whose target cannot run here: before any boot. */
static void check_side(const struct ab_opts *o, const struct ab_side *s)
{
	char *argv[2 * AB_MAX_ARGS + 8], *log = xasprintf("%s/%s-check.log", o->out, s->name);
	int n = run_argv(o, s, argv);

	argv[n++] = "--check";
	argv[n] = NULL;
	if (spawn_self(argv, log)) {
		fprintf(stderr, "tcelab: ab: the %s side cannot run (tcelab run ... --check):\n",
			s->name);
		fputs(read_file(log, NULL) ?: "", stderr);
		exit(o->bisect ? TCELAB_EXIT_BISECT_SKIP : TCELAB_EXIT_ERROR);
	}
	free(log);
}

/* One run of @s; its directory. A run that failed its checks still measured; one with no results did not. */
static char *one_run(const struct ab_opts *o, struct ab_side *s, int i, int *seq)
{
	char *dir = xasprintf("%s/%s-%d", o->out, s->name, i), *log = xasprintf("%s.log", dir);
	char *argv[2 * AB_MAX_ARGS + 8], *results = xasprintf("%s/results.json", dir);
	double t0 = now_seconds();
	int n = run_argv(o, s, argv), status, measured;

	argv[n++] = "--out";
	argv[n++] = dir;
	argv[n++] = "--no-history";
	argv[n] = NULL;
	status = spawn_self(argv, log);
	measured = (status == 0 || status == 1) && path_exists(results);
	progress("ab [%d/%d] %s %d: %s, %.1f s", ++*seq, 2 * o->runs, s->name, i,
		 !measured ? "no results" : !status ? "pass" :
		 "FAIL (compared: a failure is a result)", now_seconds() - t0);
	if (!measured) {
		fprintf(stderr, "tcelab: ab: %s run %d could not be measured (exit %d); its log, %s:\n",
			s->name, i, status, log);
		fputs(read_file(log, NULL) ?: "", stderr);
		exit(o->bisect ? TCELAB_EXIT_BISECT_SKIP : TCELAB_EXIT_ERROR);
	}
	free(log), free(results);
	return dir;
}

/* The traces @s replayed, by scenario, with their SHA-256 (from its first run's summary). */
static void print_traces(const struct ab_opts *o, const struct ab_side *s, FILE *f)
{
	char err[256], *path = xasprintf("%s/%s-1/summary.json", o->out, s->name);
	cJSON *sum = json_load(path, SCHEMA_SUMMARY, err, sizeof(err));
	const cJSON *sc;
	int any = 0;

	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios"))
		if (json_str_at(sc, "trace_sha256")) {
			fprintf(f, "%s %s: %s sha256 %s\n", any++ ? "     " : "traces", s->name,
				sc->string, json_str_at(sc, "trace_sha256"));
		}
	cJSON_Delete(sum);
	free(path);
}

/* The report: compare's as the robots write it, the traces and a reproduce block. */
static void report(const struct ab_opts *o, const cJSON *c, const cJSON *res, FILE *f)
{
	int i, k;

	compare_print_robot(c, "tcelab ab", f);
	fprintf(f, "tcelab %s\n", json_str_at(res, "versions.TCELAB_COMMIT") ?: "?");
	for (i = 0; i < 2; i++)
		print_traces(o, &o->side[i], f);
	fprintf(f, "\nreproduce:\n\tfor i in $(seq %d); do\n", o->runs);
	for (i = 0; i < 2; i++) {
		fprintf(f, "\t\tbuild/host/tcelab run");
		for (k = 0; k < o->ncommon; k++)
			fprintf(f, " %s", o->common[k]);
		fprintf(f, "%s%s --out %s-$i\n", *o->side[i].options ? " " : "",
			o->side[i].options, o->side[i].name);
	}
	fprintf(f, "\tdone\n\tbuild/host/tcelab compare");
	if (o->threshold)
		fprintf(f, " --threshold %s", o->threshold);
	fprintf(f, " base-1");
	for (i = 2; i <= o->runs; i++)
		fprintf(f, ",base-%d", i);
	fprintf(f, " cand-1");
	for (i = 2; i <= o->runs; i++)
		fprintf(f, ",cand-%d", i);
	fprintf(f, "\n");
}

static int parse(struct ab_opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

#define VALUE() (i + 1 < argc ? argv[++i] : \
		 (die_status(TCELAB_EXIT_ERROR, "%s needs a value (see 'tcelab ab --help')", a), NULL))
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(TCELAB_EXIT_PASS);
		} else if (!strcmp(a, "--base")) {
			o->side[0].options = VALUE();
		} else if (!strcmp(a, "--cand")) {
			o->side[1].options = VALUE();
		} else if (!strcmp(a, "--runs")) {
			o->runs = strtol(VALUE(), &end, 10);
			if (*end || o->runs < 1 || o->runs > 100)
				die_status(TCELAB_EXIT_ERROR, "--runs takes 1 to 100, not '%s'", argv[i]);
		} else if (!strcmp(a, "--threshold")) {
			o->threshold = VALUE();
		} else if (!strcmp(a, "--out")) {
			o->out = VALUE();
		} else if (!strcmp(a, "--json")) {
			o->json = VALUE();
		} else if (!strcmp(a, "--html")) {
			o->html = VALUE();
		} else if (!strcmp(a, "--bisect")) {
			o->bisect = 1;
		} else {
			if (o->ncommon == AB_MAX_ARGS)
				die_status(TCELAB_EXIT_ERROR, "at most %d options for both sides", AB_MAX_ARGS);
			o->common[o->ncommon++] = argv[i];
		}
#undef VALUE
	}
	if (!o->side[0].options || !o->side[1].options) {
		usage(stderr);
		die_status(TCELAB_EXIT_ERROR, "tcelab ab needs --base and --cand (an empty '' is a side "
			   "with no options of its own)");
	}
	return 0;
}

int cmd_ab(int argc, char **argv)
{
	struct ab_opts o = { .runs = 5, .side = { { .name = "base" }, { .name = "cand" } } };
	char *json, *log, *txt, *text = NULL, err[256];
	char stamp[32];
	time_t now = time(NULL);
	int seq = 0, i, status;
	cJSON *c, *res;
	size_t len = 0;
	FILE *f;

	parse(&o, argc, argv);
	for (i = 0; i < 2; i++)
		split_side(&o.side[i]);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&now));
	o.out = o.out ?: xasprintf("%s/reports/ab-%s", tcelab_top(), stamp);
	if (!dir_is_empty(o.out))
		die_status(TCELAB_EXIT_ERROR, "--out %s exists and is not empty: name a new directory", o.out);
	check_side(&o, &o.side[0]);
	check_side(&o, &o.side[1]);
	progress("ab: %d runs a side, interleaved, into %s", o.runs, o.out);
	for (i = 1; i <= o.runs; i++) {
		o.side[0].list = run_list_add(o.side[0].list, one_run(&o, &o.side[0], i, &seq));
		o.side[1].list = run_list_add(o.side[1].list, one_run(&o, &o.side[1], i, &seq));
	}
	json = o.json ? strdup(o.json) : xasprintf("%s/compare.json", o.out);
	log = xasprintf("%s/compare.txt", o.out);
	/* The sides may boot different kernels (--kernel): that is what ab compares. */
	c = spawn_compare(o.side[0].list, o.side[1].list, o.threshold, o.html, true, json, log,
			  &status, err, sizeof(err));
	/* Latencies from different environments are not compared: nothing was measured. */
	if (c && cJSON_IsArray(cJSON_GetObjectItem(c, "environment_mismatch")))
		status = TCELAB_EXIT_INCONCLUSIVE;
	if (!c || status == TCELAB_EXIT_ERROR || status > TCELAB_EXIT_INCONCLUSIVE) {
		fprintf(stderr, "tcelab: ab: the comparison failed (exit %d%s%s); see %s\n", status,
			c ? "" : ": ", c ? "" : err, log);
		return o.bisect ? TCELAB_EXIT_BISECT_SKIP : TCELAB_EXIT_ERROR;
	}
	res = json_load(xasprintf("%s/cand-1/results.json", o.out), SCHEMA_RUN, err, sizeof(err));
	f = open_memstream(&text, &len);
	report(&o, c, res, f);
	fclose(f);
	fputs(text, stdout);
	txt = xasprintf("%s/report.txt", o.out);
	if (write_file(txt, text))
		fprintf(stderr, "tcelab: ab: cannot write %s: %s\n", txt, strerror(errno));
	printf("\nruns, compare.json, report.txt: %s\n", o.out);
	cJSON_Delete(c);
	cJSON_Delete(res);
	if (o.bisect)
		return status == TCELAB_EXIT_PASS || status == TCELAB_EXIT_FAIL ? status :
		       TCELAB_EXIT_BISECT_SKIP;
	return status;
}
