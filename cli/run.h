/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab run (cli/run.c). */
#ifndef TCELAB_CLI_RUN_H
#define TCELAB_CLI_RUN_H

int cmd_run(int argc, char **argv);

#endif /* TCELAB_CLI_RUN_H */
