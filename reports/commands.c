// SPDX-License-Identifier: GPL-2.0
/* tcelab report | compare | history (commands.h). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/exit_codes.h>
#include <tcelab/timing.h>

#include "reports.h"
#include "ci_formats.h"
#include "compare.h"
#include "export.h"
#include "history.h"
#include "html.h"
#include "model.h"
#include "lib/util.h"

/* What 'tcelab report' writes into a run directory. */
struct report_outputs {
	bool dashboard;		/* summary.json, metrics.prom, index.html */
	unsigned int ci;	/* a bit per entry of ci_formats[] */
};

#define ALL_CI_FORMATS (~0u)

/* The CI formats @out asks for; each file written goes into @files. Returns 0 or -1. */
static int write_ci_formats(const cJSON *doc, const char *dir, const struct report_outputs *out,
			    cJSON *files)
{
	const struct ci_format *f;
	int ret = 0;

	for (f = ci_formats; f->name; f++) {
		if (!(out->ci & 1u << (f - ci_formats)))
			continue;
		if (ci_format_write(f, doc, dir)) {
			fprintf(stderr, "tcelab: cannot write %s/%s: %s\n", dir, f->file,
				strerror(errno));
			ret = -1;
		} else {
			cJSON_AddItemToArray(files, cJSON_CreateString(f->file));
		}
	}
	return ret;
}

/* index.html, linking @files, with the trend of the runs recorded in @db. Returns 0 or -1. */
static int write_dashboard(cJSON *doc, const char *dir, const char *db, cJSON *files,
			   char **page)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
	cJSON *data = cJSON_CreateObject(), *trend;
	char *err = NULL, *title;
	int ret = 0;

	cJSON_AddStringToObject(data, "kind", "run");
	cJSON_AddStringToObject(data, "generated_by", "tcelab report");
	trend = db ? history_trend(db, jstr(sum, "target"), jstr(sum, "job"),
				   jstr(cJSON_GetObjectItem(sum, "environment"), "timing"), 50, &err) :
		     NULL;
	free(err);
	err = NULL;
	cJSON_AddItemToObject(data, "history", trend ?: cJSON_CreateNull());
	cJSON_AddItemReferenceToObject(data, "doc", doc);
	cJSON_AddItemReferenceToObject(data, "files", files);
	*page = xasprintf("%s/index.html", dir);
	title = xasprintf("tcelab %s", jstr(sum, "run_id") ?: dir);
	if (html_write(*page, title, data, &err)) {
		fprintf(stderr, "tcelab: dashboard not written: %s\n", err);
		free(err);
		ret = -1;
	}
	cJSON_Delete(data);
	free(title);
	return ret;
}

/* The files of @out for one run; unless @quiet, the summary table and where they are. */
static int report_one(const char *dir, const char *db, int quiet, const struct report_outputs *out)
{
	const char *why = NULL;
	cJSON *doc = report_load(dir, &why), *files, *f;
	char *page = NULL;
	int ret = 0, dashboard_ret = 0;

	if (!doc) {
		fprintf(stderr, "tcelab: %s: %s\n", dir, why);
		return -1;
	}
	files = cJSON_CreateArray();
	if (out->dashboard && report_write_exports(doc, dir)) {
		fprintf(stderr, "tcelab: cannot write summary.json / metrics.prom in %s: %s\n", dir,
			strerror(errno));
		ret = -1;
	} else if (out->dashboard) {
		cJSON_AddItemToArray(files, cJSON_CreateString("summary.json"));
		cJSON_AddItemToArray(files, cJSON_CreateString("metrics.prom"));
	}
	ret |= write_ci_formats(doc, dir, out, files);
	if (out->dashboard)
		dashboard_ret = write_dashboard(doc, dir, db, files, &page);
	if (!quiet) {
		if (out->dashboard)
			report_print_table(cJSON_GetObjectItem(doc, "summary"), stdout);
		if (cJSON_GetArraySize(files))
			printf("  files    ");
		cJSON_ArrayForEach(f, files)
			printf(" %s/%s%s", dir, f->valuestring, f->next ? "," : "\n");
		if (page && !dashboard_ret)
			printf("  dashboard %s\n", page);
	}
	cJSON_Delete(files);
	cJSON_Delete(doc);
	free(page);
	return ret | dashboard_ret;
}

void report_after_run(const char *run_dir, int no_history)
{
	static const struct report_outputs everything = { true, ALL_CI_FORMATS };
	const char *db = history_default_db();
	const char *why = NULL;
	char *err = NULL;
	cJSON *doc;

	if (!no_history && !(getenv("TCELAB_NO_HISTORY") && *getenv("TCELAB_NO_HISTORY"))) {
		doc = report_load(run_dir, &why);
		if (doc && history_add(db, doc, run_dir, getenv("TCELAB_LABEL"), &err)) {
			fprintf(stderr, "tcelab: warning: run not recorded in the history: %s\n", err);
			free(err);
		}
		cJSON_Delete(doc);
	}
	if (report_one(run_dir, path_exists(db) ? db : NULL, 0, &everything))
		fprintf(stderr, "tcelab: warning: the report of %s is incomplete\n", run_dir);
}

/* "junit, kcidb, benchmark" */
static char *ci_format_names(void)
{
	const struct ci_format *f;
	char *names = strdup(""), *more;

	for (f = ci_formats; f->name; f++) {
		more = xasprintf("%s%s%s", names, f == ci_formats ? "" : ", ", f->name);
		free(names);
		names = more;
	}
	return names;
}

/* --format junit,kcidb: the CI formats named, a bit each. */
static unsigned int parse_formats(const char *arg)
{
	char *list = strdup(arg), *save = NULL, *name;
	const struct ci_format *f;
	unsigned int ci = 0;

	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		f = ci_format_find(name);
		if (!f)
			die("--format: no format '%s' (formats: %s)", name, ci_format_names());
		ci |= 1u << (f - ci_formats);
	}
	free(list);
	if (!ci)
		die("--format takes a comma-separated list of %s", ci_format_names());
	return ci;
}

static void report_usage(FILE *f)
{
	const struct ci_format *cf;

	fprintf(f,
		"usage: tcelab report [--db FILE] [--quiet] [--format F[,F...]] RUN_DIR...\n"
		"\n"
		"Writes into each run directory: index.html (a static, offline dashboard: latency\n"
		"histograms and percentiles per scenario and probe role, per-op-type breakdown, pin\n"
		"ledger and leaks with stacks, locked_vm drift, the probes' overhead, environment, and\n"
		"the trend of recorded runs from the history database), summary.json\n"
		"(tcelab-summary/1, see reports/README.md), metrics.prom (OpenMetrics) and the CI\n"
		"formats (README.md, \"CI formats\"):\n");
	for (cf = ci_formats; cf->name; cf++)
		fprintf(f, "  %-10s %s\n", cf->name, cf->file);
	fprintf(f,
		"\n"
		"  --db FILE   history database for the trend view (default %s)\n"
		"  --format F  only these CI formats, comma-separated (no dashboard, summary or metrics)\n"
		"  --quiet     no summary table\n", history_default_db());
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct report_outputs out = { true, ALL_CI_FORMATS };
	const char *db = history_default_db();
	int c, quiet = 0, bad = 0;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'f':
			out = (struct report_outputs){ false, parse_formats(optarg) };
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		report_usage(stderr);
		return TCELAB_EXIT_ERROR;
	}
	for (; optind < argc; optind++)
		bad |= report_one(argv[optind], path_exists(db) ? db : NULL, quiet, &out) != 0;
	return bad ? TCELAB_EXIT_ERROR : TCELAB_EXIT_PASS;
}

/* --- compare ------------------------------------------------------------------------------- */
static int is_run_dir(const char *d)
{
	char *a = xasprintf("%s/results.json", d), *b = xasprintf("%s/guest/probe.json", d);
	int r = path_exists(a) || path_exists(b);

	free(a);
	free(b);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A run directory, a directory of run directories, or a comma-separated list of either. */
static int load_set(const char *spec, cJSON ***docs)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **names = NULL;
		int nn = 0, i;

		if (is_run_dir(tok)) {
			names = malloc(sizeof(*names));
			names[nn++] = strdup(tok);
		} else {
			DIR *d = opendir(tok);
			struct dirent *e;

			if (!d)
				die("%s is neither a run directory nor a directory of runs", tok);
			while ((e = readdir(d))) {
				char *p = xasprintf("%s/%s", tok, e->d_name);

				if (e->d_name[0] != '.' && is_run_dir(p)) {
					names = realloc(names, (nn + 1) * sizeof(*names));
					names[nn++] = p;
				} else {
					free(p);
				}
			}
			closedir(d);
			if (!nn)
				die("%s holds no run directories (with results.json)", tok);
			qsort(names, nn, sizeof(*names), cmp_str);
		}
		for (i = 0; i < nn; i++) {
			const char *why = NULL;
			cJSON *doc = report_load(names[i], &why);

			if (!doc)
				die("%s: %s", names[i], why);
			*docs = realloc(*docs, (n + 1) * sizeof(**docs));
			(*docs)[n++] = doc;
			free(names[i]);
		}
		free(names);
	}
	free(copy);
	return n;
}

static void compare_usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab compare [--threshold PCT] [--max-rsd PCT] [--strict-env] [--robot]\n"
		"                      [--json FILE] [--html FILE] BASELINE CURRENT\n"
		"\n"
		"Compares the probe latencies of CURRENT with BASELINE per scenario and role (and\n"
		"operation type). Each side is a run directory, a directory of run directories, or a\n"
		"comma-separated list. The run is the unit of evidence: each run's p50 and p99 from its\n"
		"own histogram, and per percentile a verdict on those per-run values:\n"
		"  inconclusive  fewer than %d runs on a side\n"
		"  no change     the mean moved no more than --threshold\n"
		"  inconclusive  beyond the threshold, but a side's per-run values vary more than\n"
		"                --max-rsd (relative stddev)\n"
		"  regression    beyond the threshold, and separated: every current run above the\n"
		"                baseline mean and the current mean above every baseline run\n"
		"  improvement   the same, below\n"
		"  inconclusive  beyond the threshold, but the runs overlap\n"
		"  not judged    a run has too few calls for the percentile (p50: 10, p99: 500):\n"
		"                it decides nothing while the other percentile decides\n"
		"A row takes its worse percentile's verdict. Printed with each: the change of the means\n"
		"with a 95 %% Welch t interval, each side's %%stddev, and as a diagnostic that does not\n"
		"decide, the Mann-Whitney U p-value over every call and Cliff's delta.\n"
		"The verdict: 'new leak' (pages left pinned, double releases, locked_vm drift the\n"
		"baseline did not have, whatever the number of runs), else 'environment mismatch'\n"
		"(target, kernel, attach mode, stack, clocksource or QEMU differ: latencies not compared),\n"
		"else 'regression' if any row regressed, else 'new failure' (a failure kind no baseline\n"
		"run had), else 'inconclusive' if any row is, else 'improvement' or 'no change'.\n"
		"\n"
		"Exit status:\n"
		"  0  no change, improvement, or an environment mismatch (without --strict-env)\n"
		"  1  regression, new leak or new failure (with --strict-env also a mismatch)\n"
		"  2  usage error, or a run that cannot be read, or output that cannot be written\n"
		"  3  inconclusive, and nothing worse: more runs, or a quieter host\n"
		"\n"
		"  --threshold PCT  relative change of a mean that counts (default: the runs' timing\n"
		"                   mode's, 10 for host and 3 for insns and icount, as measured by\n"
		"                   'tcelab validity')\n"
		"  --max-rsd PCT    run-to-run relative stddev a side may have (default 20)\n"
		"  --strict-env     an environment mismatch fails (exit 1)\n"
		"  --vary-kernel    the kernel is what is compared (tcelab ab does this): the sides may\n"
		"                   run different kernels, each side's runs must share one\n"
		"  --robot          report as the kernel test robot does (headline, %%stddev and\n"
		"                   %%change of what moved, the statistics): to paste into a mail\n"
		"  --json FILE      the comparison as JSON (tcelab-compare/2, reports/README.md)\n"
		"  --html FILE      the comparison as a static page\n", COMPARE_MIN_RUNS);
}

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "max-rsd", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ "strict-env", no_argument, NULL, 's' },
		{ "vary-kernel", no_argument, NULL, 'k' },
		{ "robot", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct compare_opts o;
	const char *json_out = NULL, *html_out = NULL;
	cJSON **base = NULL, **cur = NULL, *c;
	int nb, nc, ch, strict = 0, robot = 0, status, i;
	char *end;

	compare_opts_default(&o);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o.threshold = strtod(optarg, &end) / 100;
			if ((*end && strcmp(end, "%")) || o.threshold < 0)
				die("--threshold takes a percentage, not '%s'", optarg);
			break;
		case 'r':
			o.max_rsd = strtod(optarg, &end) / 100;
			if ((*end && strcmp(end, "%")) || o.max_rsd < 0)
				die("--max-rsd takes a percentage, not '%s'", optarg);
			break;
		case 'j':
			json_out = optarg;
			break;
		case 'H':
			html_out = optarg;
			break;
		case 's':
			strict = 1;
			break;
		case 'k':
			o.vary_kernel = true;
			break;
		case 'R':
			robot = 1;
			break;
		case 'h':
			compare_usage(stdout);
			return 0;
		default:
			compare_usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
	}
	if (argc - optind != 2) {
		compare_usage(stderr);
		return TCELAB_EXIT_ERROR;
	}
	nb = load_set(argv[optind], &base);
	nc = load_set(argv[optind + 1], &cur);
	c = compare_docs(base, nb, cur, nc, &o);
	if (robot)
		compare_print_robot(c, "tcelab compare", stdout);
	else
		compare_print(c, stdout);
	status = compare_status(c);
	if (strict && cJSON_IsArray(cJSON_GetObjectItem(c, "environment_mismatch")))
		status = TCELAB_EXIT_FAIL;
	if (json_out) {
		char *s = cJSON_Print(c), *body = xasprintf("%s\n", s);

		if (write_file(json_out, body))
			die("cannot write %s", json_out);
		free(s);
		free(body);
	}
	if (html_out) {
		cJSON *data = cJSON_CreateObject();
		char *err = NULL;

		cJSON_AddStringToObject(data, "kind", "compare");
		cJSON_AddStringToObject(data, "generated_by", "tcelab compare");
		cJSON_AddItemReferenceToObject(data, "compare", c);
		if (html_write(html_out, "tcelab compare", data, &err))
			die("%s", err);
		printf("page: %s\n", html_out);
		cJSON_Delete(data);
	}
	for (i = 0; i < nb; i++)
		cJSON_Delete(base[i]);
	for (i = 0; i < nc; i++)
		cJSON_Delete(cur[i]);
	free(base);
	free(cur);
	cJSON_Delete(c);
	return status;
}

/* --- history ------------------------------------------------------------------------------- */
static void history_usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab history [--db FILE] [--target T] [--job J] [--timing M] [--limit N]\n"
		"                      [--json]\n"
		"       tcelab history add [--db FILE] [--label L] RUN_DIR...\n"
		"\n"
		"The run history, an SQLite database (default %s, or $TCELAB_HISTORY).\n"
		"'tcelab run' records every run itself (not with --no-history or TCELAB_NO_HISTORY=1;\n"
		"TCELAB_LABEL=... labels it). Without 'add': lists the recorded runs, oldest first, and\n"
		"per scenario and role the p50/p99 trend from the first to the last run, of the runs\n"
		"measured with one timing mode (--timing; default: the latest run's).\n",
		history_default_db());
}

int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "target", required_argument, NULL, 't' },
		{ "job", required_argument, NULL, 'j' },
		{ "timing", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *db = history_default_db(), *label = NULL, *target = NULL, *job = NULL;
	const char *timing = NULL;
	int add = argc > 1 && !strcmp(argv[1], "add"), c, limit = 50, json = 0, bad = 0;
	char *err = NULL;
	cJSON *t;

	if (add) {
		argc--;
		argv++;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 't':
			target = optarg;
			break;
		case 'j':
			job = optarg;
			break;
		case 'm':
			timing = optarg;
			if (tcelab_timing_find(timing) < 0)
				die("--timing: unknown mode '%s' (host, insns, icount)", timing);
			break;
		case 'n':
			limit = atoi(optarg);
			break;
		case 'J':
			json = 1;
			break;
		case 'h':
			history_usage(stdout);
			return 0;
		default:
			history_usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
	}
	if (add) {
		if (optind >= argc) {
			history_usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
		for (; optind < argc; optind++) {
			const char *why = NULL;
			cJSON *doc = report_load(argv[optind], &why);

			if (!doc) {
				fprintf(stderr, "tcelab: %s: %s\n", argv[optind], why);
				bad = 1;
				continue;
			}
			if (history_add(db, doc, argv[optind], label, &err)) {
				fprintf(stderr, "tcelab: %s\n", err);
				free(err);
				bad = 1;
			} else {
				printf("recorded %s in %s\n",
				       jstr(cJSON_GetObjectItem(doc, "summary"), "run_id"), db);
			}
			cJSON_Delete(doc);
		}
		return bad ? TCELAB_EXIT_ERROR : TCELAB_EXIT_PASS;
	}
	if (optind < argc)
		die("unexpected argument '%s' (see 'tcelab history --help')", argv[optind]);
	t = history_trend(db, target, job, timing, limit, &err);
	if (!t)
		die("%s", err);
	if (json) {
		char *s = cJSON_Print(t);

		printf("%s\n", s);
		free(s);
	} else {
		history_print(t, stdout);
	}
	cJSON_Delete(t);
	return 0;
}
