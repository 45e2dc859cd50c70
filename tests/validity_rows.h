/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the validity tables of tests/ share (patch_validity.c: tests/patches/MANIFEST,
 * knob_validity.c: tests/knobs/MANIFEST): each row is one tcelab run that must report exactly
 * the failure kinds the row expects, no fewer and no more. validity_rows.c's main() reads the
 * manifest, runs the rows asked for, judges them and writes the table (JSON and text); a
 * table's program says only what its rows are, how they run and what they show beyond the
 * kinds.
 *
 * usage: WHAT-validity TCELAB OUT [KEY...]   (only the rows named; exit 1 unless every row
 *        ran was detected, 2 on a usage or manifest error: include/tcelab/exit_codes.h)
 */
#ifndef TCELAB_TESTS_VALIDITY_ROWS_H
#define TCELAB_TESTS_VALIDITY_ROWS_H

#include <stdbool.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#include "lib/json.h"

#define VALIDITY_MAX_ARGS	8

/* A row as the table's parse_row makes it (the rest is the run's, filled by the driver). */
struct validity_row {
	char *key;		/* how the command line names the row */
	char *label;		/* the row in progress lines */
	char *name;		/* its run's directory below OUT/RUNS */
	char *expected;		/* the failure kinds it must report: validity_sorted_kinds() */
	/* tcelab run's arguments beyond --target, --out and the expectation; NULL-terminated */
	char *args[VALIDITY_MAX_ARGS + 1];
	char *dir, *log;	/* the run's directory, its output */
	char *reported;		/* the run's failure kinds, sorted, comma-separated */
	int status;		/* tcelab's exit status */
	bool detected;
	cJSON *results;		/* the run's results.json; NULL when it wrote none */
};

/* What a table's program defines (it links with validity_rows.c, which has main()). */
struct validity_table {
	const char *what;	/* "knob": tests/knobs/MANIFEST, OUT/knob-runs/, knob-validity */
	const char *whats;	/* "knobs": the manifest's folder, OUT/knobs.json, OUT/knobs.txt */
	const char *key_form;	/* how the command line names a row: "SUITE:KNOB" */
	const char *schema, *target;
};
extern const struct validity_table validity_table;
/* A line of @manifest as a new row; dies naming the form of a row when it is not one. */
struct validity_row *validity_parse_row(const char *manifest, const char *line);
/* After the driver judged the kinds: the row's own figures. */
void validity_judge(struct validity_row *r);
/* The row's own members of its JSON object: before and after the shared ones. */
void validity_jw_identity(struct json_writer *w, const struct validity_row *r);
void validity_jw_figures(struct json_writer *w, const struct validity_row *r);
void validity_write_table(FILE *f, struct validity_row *const *rows, int n);

/* "b,a,b" -> "a,b"; "" for none or "-". */
char *validity_sorted_kinds(const char *list);

#endif /* TCELAB_TESTS_VALIDITY_ROWS_H */
