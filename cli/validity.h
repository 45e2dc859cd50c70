/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab validity (cli/validity.c). */
#ifndef TCELAB_CLI_VALIDITY_H
#define TCELAB_CLI_VALIDITY_H

int cmd_validity(int argc, char **argv);

#endif /* TCELAB_CLI_VALIDITY_H */
