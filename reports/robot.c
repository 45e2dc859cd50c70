// SPDX-License-Identifier: GPL-2.0
/*
 * A comparison as the kernel test robot reports one (compare.h): a headline naming the worst
 * regression, base and candidate with %stddev and %change for every metric that moved, the
 * new leaks and failures, and the statistics used; plain text to paste into a mail reply.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports.h"
#include "lib/json.h"

static const char *fmt_value(double v, const char *unit, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (unit && !strcmp(unit, "insns"))
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.0f ns", v);
	return buf;
}

static const char *fmt_rsd(const cJSON *side, char *buf, size_t len)
{
	double rsd = json_num(side, "rsd", NAN);

	if (isnan(rsd))
		buf[0] = 0;
	else
		snprintf(buf, len, "±%3.0f%%", 100 * rsd);
	return buf;
}

static int changed(const char *verdict)
{
	return verdict && strcmp(verdict, "no change") && strcmp(verdict, "not judged");
}

void compare_print_robot(const cJSON *c, const char *who, FILE *f)
{
	const cJSON *r, *worst = NULL, *m;
	const char *worst_key = NULL, *q[] = { "p50", "p99" };
	int quiet = 0, k;
	char a[32], b[32], sa[16], sb[16];

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows"))
		for (k = 0; k < 2; k++) {
			const cJSON *p = cJSON_GetObjectItem(r, q[k]);

			if (!strcmp(json_str_at(p, "verdict") ?: "", "regression") &&
			    (!worst || json_num(p, "change", 0) >
				       json_num(cJSON_GetObjectItem(worst, worst_key), "change", 0))) {
				worst = r;
				worst_key = q[k];
			}
		}
	if (worst)
		fprintf(f, "%s: %+.1f%% regression of %s %s %s on %s (timing %s)\n", who,
			100 * json_num(cJSON_GetObjectItem(worst, worst_key), "change", NAN),
			json_str_at(worst, "scenario"), json_str_at(worst, "role"), worst_key,
			json_str_at(c, "target") ?: "?", json_str_at(c, "timing") ?: "?");
	else
		fprintf(f, "%s: %s on %s (timing %s)\n", who, json_str_at(c, "verdict"),
			json_str_at(c, "target") ?: "?", json_str_at(c, "timing") ?: "?");
	fprintf(f, "\n%14s %7s %9s %14s %7s  %-32s %s\n", "base", "%stddev", "%change", "cand",
		"%stddev", "metric", "verdict");
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(c, "rows"))
		for (k = 0; k < 2; k++) {
			const cJSON *p = cJSON_GetObjectItem(r, q[k]);
			const char *unit = json_str_at(r, "unit");
			char metric[96];

			if (!changed(json_str_at(p, "verdict"))) {
				quiet++;
				continue;
			}
			snprintf(metric, sizeof(metric), "%s.%s.%s", json_str_at(r, "scenario"),
				 json_str_at(r, "role"), q[k]);
			fprintf(f, "%14s %7s %+8.1f%% %14s %7s  %-32s %s\n",
				fmt_value(json_num(p, "baseline.mean", NAN), unit, a, sizeof(a)),
				fmt_rsd(cJSON_GetObjectItem(p, "baseline"), sa, sizeof(sa)),
				100 * json_num(p, "change", NAN),
				fmt_value(json_num(p, "current.mean", NAN), unit, b, sizeof(b)),
				fmt_rsd(cJSON_GetObjectItem(p, "current"), sb, sizeof(sb)), metric,
				json_str_at(p, "verdict"));
		}
	fprintf(f, "%d other metrics: no change, or too few calls to judge\n", quiet);
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "new_leaks"))
		fprintf(f, "NEW LEAK: %s\n", m->valuestring);
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "new_failures"))
		fprintf(f, "NEW FAILURE: %s\n", m->valuestring);
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(c, "environment_mismatch"))
		fprintf(f, "ENVIRONMENT MISMATCH: %s\n", m->valuestring);
	fprintf(f, "\nstatistics: each run's p50 and p99 per scenario and probe role, %d base and %d "
		"candidate runs; a change counts beyond %.0f %% of the base mean, with both sides' "
		"relative stddev within %.0f %% and the sides separated (every candidate run beyond "
		"the base mean, the candidate mean beyond every base run: the kernel test robot's "
		"rule); the 95 %% Welch interval, and Mann-Whitney over every call as a diagnostic, "
		"are in the JSON. Verdict: %s.\n",
		cJSON_GetArraySize(json_at(c, "baseline.runs")),
		cJSON_GetArraySize(json_at(c, "current.runs")), 100 * json_num(c, "threshold", NAN),
		100 * json_num(c, "max_rsd", NAN), json_str_at(c, "verdict"));
	fprintf(f, "\nenvironment: %s\n", json_str_at(c, "environment") ?: "?");
	if (cJSON_GetObjectItem(c, "kernels"))
		fprintf(f, "kernels: baseline %s, candidate %s\n",
			json_str_at(c, "kernels.baseline") ?: "?", json_str_at(c, "kernels.current") ?: "?");
}
