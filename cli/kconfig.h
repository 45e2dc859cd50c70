/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab kconfig (cli/kconfig.c). */
#ifndef TCELAB_CLI_KCONFIG_H
#define TCELAB_CLI_KCONFIG_H

int cmd_kconfig(int argc, char **argv);

#endif /* TCELAB_CLI_KCONFIG_H */
