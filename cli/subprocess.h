/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Commands that drive many runs (validity, ab) run this program's own subcommands as children:
 * each run a process of its own, so one run's failure (die()) never ends the measurement.
 */
#ifndef TCELAB_CLI_SUBPROCESS_H
#define TCELAB_CLI_SUBPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/*
 * `tcelab ARGS...` (@argv[0] is ignored: this very binary, even if rebuilt meanwhile), output
 * to @log; its exit status.
 */
int spawn_self(char **argv, const char *log);

/* @list with run directory @dir appended, comma-separated as compare takes a side ("" or NULL: none yet). */
char *run_list_add(char *list, const char *dir);

/*
 * `tcelab compare --json JSON [--vary-kernel] [--threshold THRESHOLD] [--html HTML] BASE CUR`
 * (NULL, false: option left out), its output in @log; the comparison it wrote (SCHEMA_COMPARE)
 * and its exit status in *@status, or NULL with why in @err.
 */
cJSON *spawn_compare(const char *base, const char *cur, const char *threshold, const char *html,
		     bool vary_kernel, const char *json, const char *log, int *status, char *err,
		     size_t errlen);

#endif /* TCELAB_CLI_SUBPROCESS_H */
