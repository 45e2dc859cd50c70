/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab run (cli/run.c). */
#ifndef TCELAB_CLI_RUN_H
#define TCELAB_CLI_RUN_H

int cmd_run(int argc, char **argv);
/* --suite's argument ("x" or "traces/suites/x.suite") as a built-in suite's name; dies if none. */
const char *run_suite_name(const char *arg);
/* --backends: dies on a name not in replay/replay.h's table, or one target @target lacks. */
void run_check_backends(const char *arg, const char *target);

#endif /* TCELAB_CLI_RUN_H */
