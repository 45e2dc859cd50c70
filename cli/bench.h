/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab bench: tcelab's own cost and speed, each figure side by side with its peer. */
#ifndef TCELAB_CLI_BENCH_H
#define TCELAB_CLI_BENCH_H

int cmd_bench(int argc, char **argv);

#endif /* TCELAB_CLI_BENCH_H */
