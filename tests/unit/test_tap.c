// SPDX-License-Identifier: GPL-2.0
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
}

UNIT_TEST(tap_missing_plan_or_short_run_fails)
{
	struct tap_result r;

	tap_parse("ok 1\nok 2\n", &r);
	CHECK_EQ(r.planned, -1);
	CHECK(!tap_passed(&r));
	tap_parse("1..5\nok 1\nok 2\n", &r);
	CHECK_EQ(r.ran, 2);
	CHECK(!tap_passed(&r));
	tap_parse("1..1\nok 1\nBail out! no device\n", &r);
	CHECK(r.bailed_out);
	CHECK(!tap_passed(&r));
}

UNIT_TEST(tap_ignores_diagnostics_and_subtests)
{
	struct tap_result r;

	tap_parse("1..1\n# not ok 7 in a comment\n    not ok 1 - subtest\nokay\nok 1\n", &r);
	CHECK_EQ(r.ran, 1);
	CHECK_EQ(r.failed, 0);
	CHECK(tap_passed(&r));
}
