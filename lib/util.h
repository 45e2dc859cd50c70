/* SPDX-License-Identifier: GPL-2.0 */
/* Small host-side helpers shared by the tcelab commands. */
#ifndef TCELAB_UTIL_H
#define TCELAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include <tcelab/exit_codes.h>

/* Print "tcelab: error: ..." and exit TCELAB_EXIT_ERROR: a usage or harness error. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* The same, with another exit status of enum tcelab_exit (TCELAB_EXIT_SKIP). */
void die_status(enum tcelab_exit status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/*
 * A command's getopt_long switch ends in 'default: usage_exit(usage, c);': 'h' (--help) prints
 * @usage to stdout and exits TCELAB_EXIT_PASS, an unknown option prints it to stderr and exits
 * TCELAB_EXIT_ERROR.
 */
void usage_exit(void (*usage)(FILE *f), int c) __attribute__((noreturn));
/* After the options: dies on an operand, naming it and 'tcelab @command --help'. */
void no_operands(int argc, char **argv, const char *command);
/* Progress line on stderr: "==> ...". */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Whole file, NUL-terminated; NULL (errno set) when it cannot be read. */
char *read_file(const char *path, size_t *len);
int write_file(const char *path, const char *data);
/*
 * @len bytes of @data written whole to PATH.tmp, then renamed over @path: a reader never sees
 * half of it, and a failure (a full disk) leaves neither; -1 with errno set.
 */
int replace_file(const char *path, const char *data, size_t len);
int mkdir_p(const char *path);
/* Remove @path and all below it, as far as it can (rm -rf). */
void rm_rf(const char *path);
int path_exists(const char *path);
/* A directory that does not exist or has no entries. */
int dir_is_empty(const char *path);
double now_seconds(void);
/*
 * @path (looked up in PATH when it has no '/') run with @argv, its output and errors in @log
 * (created or truncated); its exit status: 128 + the signal that ended it, 126 when @log cannot
 * be opened, 127 when @path cannot be run (said in @log). With @cpu: the CPU seconds it used,
 * user and system (on a loaded host a process's wall time is mostly its wait for a CPU).
 */
int spawn_logged(const char *path, char *const *argv, const char *log, double *cpu);
/* The checkout this binary was built in (two levels above build/host/tcelab). */
const char *tcelab_top(void);
/* NULL when the file is missing or not JSON. */
cJSON *read_json(const char *path);
/* Read KEY=VALUE lines into a JSON object of strings. */
cJSON *read_env_file(const char *path);
/* Last @lines lines of @text (a pointer into it). */
const char *tail_lines(const char *text, int lines);

#endif /* TCELAB_UTIL_H */
