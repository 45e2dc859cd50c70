/* SPDX-License-Identifier: GPL-2.0 */
/* Counting a guest test program's TAP output. */
#ifndef TCELAB_TAP_PARSE_H
#define TCELAB_TAP_PARSE_H

struct tap_result {
	int planned;	/* from "1..N"; -1 when the program printed no plan */
	int ran;
	int passed;	/* including skipped */
	int failed;	/* "not ok" without a TODO directive */
	int skipped;
	int bailed_out;
	int first_failure; /* number of the first failed test, 0 when none */
};

void tap_parse(const char *text, struct tap_result *r);
/* The program passed: a plan, every planned test ran, none failed, no bail-out. */
int tap_passed(const struct tap_result *r);

#endif /* TCELAB_TAP_PARSE_H */
