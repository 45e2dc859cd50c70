/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a test program's results: KTAP version 1 (Documentation/dev-tools/ktap.rst) and TAP
 * versions 13 and 14 alike. Only the top level's results count; a subtest (its lines indented
 * by 4 spaces, with its own version line) is judged with its parent: an "ok" parent whose
 * subtest failed has failed.
 */
#ifndef TCELAB_TAP_PARSE_H
#define TCELAB_TAP_PARSE_H

enum tap_status {
	TAP_PASS,
	TAP_FAIL,
	TAP_SKIP,	/* "# SKIP": did not run here; counted as passed */
	TAP_TODO,	/* "not ok ... # TODO": a known failure; counted as passed */
};

/* The excerpt of a failed point holds at most this many lines. */
#define TAP_EXCERPT_LINES 30

struct tap_point {
	int number;
	enum tap_status status;
	char *description;	/* "" when the line has none */
	char *reason;		/* the SKIP or TODO directive's text, or NULL */
	char *excerpt;		/* failed or TODO: the lines since the previous result, its own last */
};

struct tap_result {
	int planned;	/* from "1..N"; -1 when the program printed no plan */
	char *skip_reason; /* "1..0 # SKIP reason": the whole program was skipped; else NULL */
	int ran;
	int passed;	/* including skipped */
	int failed;	/* "not ok" without a TODO directive, or "ok" over a failed subtest */
	int skipped;
	int bailed_out;
	int first_failure; /* number of the first failed test, 0 when none */
	struct tap_point *points;	/* the top level's results, in order */
	int nr_points;
};

void tap_parse(const char *text, struct tap_result *r);
void tap_result_free(struct tap_result *r);
/* The program passed: a plan, every planned test ran, none failed, no bail-out. */
int tap_passed(const struct tap_result *r);
/* "pass", "fail", "skip", "todo" */
const char *tap_status_name(enum tap_status s);

#endif /* TCELAB_TAP_PARSE_H */
