/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run in the formats CI systems read (README.md, "CI formats"), each from the loaded report
 * (model.h), each written to FILE.tmp and renamed over FILE in the run directory:
 *   junit     junit.xml       GitLab/Jenkins test report: a testcase per guest test result,
 *                             per replayed scenario, and the run's own checks
 *   kcidb     kcidb.json      KernelCI KCIDB v5 submission: the same tests, and a DONE test
 *                             per latency and pin-leak figure
 *   benchmark benchmark.json  github-action-benchmark's customSmallerIsBetter: p50 and p99
 *                             per scenario and role
 */
#ifndef TCELAB_REPORT_CI_FORMATS_H
#define TCELAB_REPORT_CI_FORMATS_H

#include <cjson/cJSON.h>

struct ci_format {
	const char *name;	/* tcelab report --format NAME */
	const char *file;	/* in the run directory */
	int (*write)(const cJSON *doc, const char *path);	/* 0, or -1 with errno */
};

/* Every format, in the order above, ending with an entry whose name is NULL. */
extern const struct ci_format ci_formats[];

/* The format called @name, or NULL. */
const struct ci_format *ci_format_find(const char *name);
/* Write @f of the loaded report @doc into run directory @dir: 0, or -1 with errno. */
int ci_format_write(const struct ci_format *f, const cJSON *doc, const char *dir);

#endif /* TCELAB_REPORT_CI_FORMATS_H */
