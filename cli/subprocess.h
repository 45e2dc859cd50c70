/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands that drive many runs (validity, ab) run this program's own subcommands as children:
 * each run a process of its own, so one run's failure (die()) never ends the measurement.
 */
#ifndef TCELAB_CLI_SUBPROCESS_H
#define TCELAB_CLI_SUBPROCESS_H

/*
 * `tcelab ARGS...` (@argv[0] is ignored: this very binary, even if rebuilt meanwhile), output
 * to @log; its exit status.
 */
int spawn_self(char **argv, const char *log);

#endif /* TCELAB_CLI_SUBPROCESS_H */
