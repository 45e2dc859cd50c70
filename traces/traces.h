/* SPDX-License-Identifier: GPL-2.0 */
/* The trace subcommands of the host tool: 'tcelab import' and 'tcelab gen'. */
#ifndef TCELAB_SCENARIOS_COMMANDS_H
#define TCELAB_SCENARIOS_COMMANDS_H

/* argv[0] is the subcommand's name; the return value is the exit status. */
int cmd_import(int argc, char **argv);
int cmd_gen(int argc, char **argv);

#endif /* TCELAB_SCENARIOS_COMMANDS_H */
