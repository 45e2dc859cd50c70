/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab report, compare and history, and the end-of-run hook of tcelab run. */
#ifndef TCELAB_REPORT_COMMANDS_H
#define TCELAB_REPORT_COMMANDS_H

int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_history(int argc, char **argv);
/*
 * After 'tcelab run' wrote results.json: record the run in the history (unless @no_history or
 * $TCELAB_NO_HISTORY), write summary.json, metrics.prom and index.html, print the summary
 * table and the dashboard's path. Never fails the run: problems are printed as warnings.
 */
void report_after_run(const char *run_dir, int no_history);

#endif /* TCELAB_REPORT_COMMANDS_H */
