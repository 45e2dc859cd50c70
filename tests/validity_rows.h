/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the validity tables of tests/ share (patch_validity.c: tests/patches/MANIFEST,
 * knob_validity.c: tests/knobs/MANIFEST): each row is one tcelab run that must report exactly
 * the failure kinds the row expects, no fewer and no more.
 */
#ifndef TCELAB_TESTS_VALIDITY_ROWS_H
#define TCELAB_TESTS_VALIDITY_ROWS_H

#include <cjson/cJSON.h>

#include "lib/json.h"

/* "b,a,b" -> "a,b"; "" for none or "-". */
char *validity_sorted_kinds(const char *list);
/* @argv (argv[0] the tcelab binary) run with its output in @log; its exit status. */
int validity_run_logged(char **argv, const char *log);
/* The failure kinds of a run's results.json, sorted and comma-separated. */
char *validity_reported_kinds(const cJSON *results);
/* "a,b" as the array ["a","b"] under @key. */
void validity_jw_kinds(struct json_writer *w, const char *key, const char *list);

#endif /* TCELAB_TESTS_VALIDITY_ROWS_H */
