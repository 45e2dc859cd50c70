/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab ab (cli/ab.c). */
#ifndef TCELAB_CLI_AB_H
#define TCELAB_CLI_AB_H

int cmd_ab(int argc, char **argv);

#endif /* TCELAB_CLI_AB_H */
