/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab report, compare and history, and the end-of-run hook of tcelab run. */
#ifndef TCELAB_REPORT_COMMANDS_H
#define TCELAB_REPORT_COMMANDS_H

#include <stdio.h>
#include <cjson/cJSON.h>

int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_history(int argc, char **argv);
/*
 * After 'tcelab run' wrote results.json: record the run in the history (unless @no_history or
 * $TCELAB_NO_HISTORY), write summary.json, metrics.prom and index.html, print the summary
 * table and the dashboard's path. Never fails the run: problems are printed as warnings.
 */
void report_after_run(const char *run_dir, int no_history);

/*
 * robot.c: comparison @c (tcelab-compare/2) as the kernel test robot reports one (headline
 * with the worst regression, base and candidate with %stddev and %change of what moved, new
 * leaks and failures, the statistics, the environment); @who starts the headline.
 */
void compare_print_robot(const cJSON *c, const char *who, FILE *f);

#endif /* TCELAB_REPORT_COMMANDS_H */
