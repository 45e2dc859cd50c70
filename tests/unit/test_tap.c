// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "lib/tap_parse.h"
#include "unit.h"

UNIT_TEST(tap_all_passed)
{
	struct tap_result r;

	tap_parse("TAP version 13\n1..3\nok 1 - a\nok 2 - b # SKIP no ddw\nok 3\n# 3 passed\n", &r);
	CHECK_EQ(r.planned, 3);
	CHECK_EQ(r.ran, 3);
	CHECK_EQ(r.passed, 3);
	CHECK_EQ(r.skipped, 1);
	CHECK_EQ(r.failed, 0);
	CHECK(tap_passed(&r));
	CHECK_EQ(r.nr_points, 3);
	CHECK_STR(r.points[0].description, "a");
	CHECK_EQ(r.points[1].status, TAP_SKIP);
	CHECK_STR(r.points[1].reason, "no ddw");
	CHECK_STR(r.points[2].description, "");
	tap_result_free(&r);
}

UNIT_TEST(tap_failure_and_todo)
{
	struct tap_result r;

	tap_parse("1..4\nok 1\nnot ok 2 - pins # TODO later\nnot ok 3 - unpin\nnot ok 4\n", &r);
	CHECK_EQ(r.ran, 4);
	CHECK_EQ(r.passed, 2);
	CHECK_EQ(r.failed, 2);
	CHECK_EQ(r.first_failure, 3);
	CHECK(!tap_passed(&r));
	CHECK_EQ(r.points[1].status, TAP_TODO);
	CHECK_STR(r.points[1].reason, "later");
	CHECK_EQ(r.points[2].status, TAP_FAIL);
	CHECK_STR(r.points[2].excerpt, "not ok 3 - unpin\n");
	tap_result_free(&r);
}

UNIT_TEST(tap_missing_plan_or_short_run_fails)
{
	struct tap_result r;

	tap_parse("ok 1\nok 2\n", &r);
	CHECK_EQ(r.planned, -1);
	CHECK(!tap_passed(&r));
	tap_result_free(&r);
	tap_parse("1..5\nok 1\nok 2\n", &r);
	CHECK_EQ(r.ran, 2);
	CHECK(!tap_passed(&r));
	tap_result_free(&r);
	tap_parse("1..1\nok 1\nBail out! no device\n", &r);
	CHECK(r.bailed_out);
	CHECK(!tap_passed(&r));
	tap_result_free(&r);
}

UNIT_TEST(tap_ignores_diagnostics_and_passing_subtests)
{
	struct tap_result r;

	tap_parse("1..1\n# not ok 7 in a comment\n    ok 1 - subtest\nokay\nok 1\n", &r);
	CHECK_EQ(r.ran, 1);
	CHECK_EQ(r.failed, 0);
	CHECK(tap_passed(&r));
	tap_result_free(&r);
}

/* The test job's whole output: one KTAP document, each program a subtest. */
UNIT_TEST(tap_ktap_nested_and_skip)
{
	struct tap_result r;

	tap_parse("KTAP version 1\n"
		  "1..3\n"
		  "    KTAP version 1\n"
		  "    1..2\n"
		  "    ok 1 map\n"
		  "    ok 2 unmap\n"
		  "ok 1 kmod_dma\n"
		  "    KTAP version 1\n"
		  "    1..1\n"
		  "    ok 1 vfio_upstream # SKIP no VFIO group\n"
		  "ok 2 vfio_upstream\n"
		  "ok 3 kmod_storm # SKIP quarantined: flaky on TCG\n", &r);
	CHECK_EQ(r.planned, 3);
	CHECK_EQ(r.ran, 3);
	CHECK_EQ(r.passed, 3);
	CHECK_EQ(r.skipped, 1);
	CHECK_EQ(r.failed, 0);
	CHECK(tap_passed(&r));
	CHECK_STR(r.points[0].description, "kmod_dma");
	CHECK_EQ(r.points[0].status, TAP_PASS);
	CHECK(!r.points[0].excerpt);
	CHECK_EQ(r.points[1].status, TAP_PASS);
	CHECK_EQ(r.points[2].number, 3);
	CHECK_EQ(r.points[2].status, TAP_SKIP);
	CHECK_STR(r.points[2].reason, "quarantined: flaky on TCG");
	tap_result_free(&r);
}

/* A failing subtest fails its parent, even one that says "ok"; the excerpt shows the subtest. */
UNIT_TEST(tap_ktap_failing_subtest)
{
	struct tap_result r;

	tap_parse("KTAP version 1\n"
		  "1..3\n"
		  "    KTAP version 1\n"
		  "    1..2\n"
		  "    ok 1 map\n"
		  "    # pins = 1, expected 0\n"
		  "    not ok 2 unmap\n"
		  "not ok 1 kmod_dma\n"
		  "    KTAP version 1\n"
		  "    1..1\n"
		  "    not ok 1 hidden\n"
		  "ok 2 claims_ok\n"
		  "    KTAP version 1\n"
		  "    1..2\n"
		  "    ok 1 only one of two\n"
		  "ok 3 short_subtest\n", &r);
	CHECK_EQ(r.ran, 3);
	CHECK_EQ(r.failed, 3);
	CHECK_EQ(r.passed, 0);
	CHECK_EQ(r.first_failure, 1);
	CHECK(!tap_passed(&r));
	CHECK_EQ(r.points[0].status, TAP_FAIL);
	CHECK_STR(r.points[0].excerpt, "    KTAP version 1\n    1..2\n    ok 1 map\n"
		  "    # pins = 1, expected 0\n    not ok 2 unmap\nnot ok 1 kmod_dma\n");
	CHECK_EQ(r.points[1].status, TAP_FAIL);
	CHECK_STR(r.points[1].description, "claims_ok");
	CHECK_EQ(r.points[2].status, TAP_FAIL);
	tap_result_free(&r);
}

/* A quarantined program: a plan of none, skipped with the reason. */
UNIT_TEST(tap_ktap_program_skipped)
{
	struct tap_result r;

	tap_parse("KTAP version 1\n1..0 # SKIP quarantined: flaky on TCG\n", &r);
	CHECK_EQ(r.planned, 0);
	CHECK_EQ(r.ran, 0);
	CHECK_STR(r.skip_reason, "quarantined: flaky on TCG");
	CHECK(tap_passed(&r));
	tap_result_free(&r);
	tap_parse("KTAP version 1\n1..0\n", &r);
	CHECK(!r.skip_reason);
	tap_result_free(&r);
}

/* TAP 14's subtests carry a "# Subtest:" comment; the diagnostics before a failure are its excerpt. */
UNIT_TEST(tap_14_subtest_and_excerpt)
{
	static const char failure[] = "# pins = 1, expected 0\nnot ok 2 - b\n";
	char text[4096] = "TAP version 14\n1..2\n# Subtest: a\n    1..1\n    ok 1 - x\nok 1 - a\n";
	const char *excerpt, *p;
	struct tap_result r;
	int i, lines = 0;

	for (i = 0; i < TAP_EXCERPT_LINES + 10; i++)
		strcat(text, "# line\n");
	strcat(text, failure);
	tap_parse(text, &r);
	CHECK_EQ(r.passed, 1);
	CHECK_EQ(r.failed, 1);
	CHECK_EQ(r.first_failure, 2);
	CHECK_STR(r.points[1].description, "b");
	excerpt = r.points[1].excerpt ?: "";
	for (p = excerpt; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, TAP_EXCERPT_LINES);
	CHECK(strlen(excerpt) > strlen(failure) &&
	      !strcmp(excerpt + strlen(excerpt) - strlen(failure), failure));
	tap_result_free(&r);
}
