/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab lava-job and lava-collect (cli/lava.c). */
#ifndef TCELAB_CLI_LAVA_H
#define TCELAB_CLI_LAVA_H

int cmd_lava_job(int argc, char **argv);
int cmd_lava_collect(int argc, char **argv);

#endif /* TCELAB_CLI_LAVA_H */
