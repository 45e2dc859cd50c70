/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab-replay's child processes: itself under the probes, and each replay of a suite. */
#ifndef TCELAB_REPLAY_SPAWN_H
#define TCELAB_REPLAY_SPAWN_H

#include <stdbool.h>

/* This program's path (/proc/self/exe), to run itself again; NULL (errno set) when unknown. */
const char *replay_self(void);

/*
 * Run @argv (argv[0] searched in PATH) with stdin from /dev/null when @null_stdin, and wait:
 * its exit status, 128 + the signal that ended it, or -1 (errno set) when it did not start.
 */
int replay_spawn(char *const *argv, bool null_stdin);

#endif /* TCELAB_REPLAY_SPAWN_H */
