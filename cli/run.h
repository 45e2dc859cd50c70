/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab run (cli/run.c). */
#ifndef TCELAB_CLI_RUN_H
#define TCELAB_CLI_RUN_H

#include <getopt.h>
#include <stdbool.h>

#include "vm/vm.h"

int cmd_run(int argc, char **argv);
/* --suite's argument ("x" or "traces/suites/x.suite") as a built-in suite's name; dies if none. */
const char *run_suite_name(const char *arg);
/* --backends: dies on a name not in replay/replay.h's table, or one target @target lacks. */
void run_check_backends(const char *arg, const char *target);

/*
 * The options of the guest run that 'tcelab run' and 'tcelab lava-job' share (target, out, job,
 * timeout, cpus, append, suite, backends, timing): one parser, so an option both honour is
 * added once. A command's getopt_long table: run_options(its own, ending in {}), to free; its
 * short options: RUN_SHORT_OPTIONS then its own.
 */
#define RUN_SHORT_OPTIONS "t:o:j:"
struct option *run_options(const struct option *own);
/* A shared option @c with its @arg into @o (dies on a bad value); false when @c is not one. */
bool run_parse_option(int c, const char *arg, struct run_opts *o);
/* The shared options' checks once all are parsed: --job's name, --backends for --target. */
void run_check_options(const struct run_opts *o);

#endif /* TCELAB_CLI_RUN_H */
