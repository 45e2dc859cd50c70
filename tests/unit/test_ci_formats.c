// SPDX-License-Identifier: GPL-2.0
/* junit.xml, kcidb.json and benchmark.json of a run made to have one of everything. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "reports/ci_formats.h"
#include "reports/model.h"
#include "lib/json.h"
#include "lib/util.h"
#include "unit.h"

/*
 * A test job's results.json: program kmod_a with two results of one name, a failure and a
 * skip; kmod_b quarantined; kmod_c bailed out after 2 of 5; the smoke scenario failed; the
 * kernel WARNed; the probes' xchg histogram counts instructions, not nanoseconds.
 */
static const char run_results[] =
	"{\"schema\":\"tcelab-run/1\",\"run_id\":\"unit-ci\",\"target\":\"x86_64\",\"arch\":\"x86_64\","
	"\"job\":\"test\",\"versions\":{\"TCELAB_COMMIT\":\"abc1234\"},\"guest\":{\"pinned_after\":0},"
	"\"tests\":{\"passed\":5,\"failed\":1,\"skipped\":1,\"programs\":{"
	" \"kmod_a\":{\"planned\":4,\"passed\":3,\"failed\":1,\"skipped\":1,\"ran\":4,"
	"  \"bailed_out\":false,\"points\":["
	"  {\"n\":1,\"name\":\"map\",\"status\":\"pass\"},"
	"  {\"n\":2,\"name\":\"map\",\"status\":\"pass\"},"
	"  {\"n\":3,\"name\":\"unmap\",\"status\":\"fail\","
	"   \"excerpt\":\"# pins = 1, expected 0\\nnot ok 3 unmap \\u0001\xff\\n\"},"
	"  {\"n\":4,\"name\":\"ddw\",\"status\":\"skip\",\"reason\":\"no DDW\"}]},"
	" \"kmod_b\":{\"planned\":0,\"passed\":0,\"failed\":0,\"skipped\":0,\"ran\":0,"
	"  \"bailed_out\":false,\"skip_reason\":\"quarantined: flaky\",\"points\":[]},"
	" \"kmod_c\":{\"planned\":5,\"passed\":2,\"failed\":0,\"skipped\":0,\"ran\":2,"
	"  \"bailed_out\":true,\"excerpt\":\"ok 2 b\\nBail out! no device\\n\",\"points\":["
	"  {\"n\":1,\"name\":\"a\",\"status\":\"pass\"},"
	"  {\"n\":2,\"name\":\"<b> & \\\"c\\\"\",\"status\":\"pass\"}]}}},"
	"\"scenario\":{\"schema\":\"tcelab-smoke/1\",\"scenario\":\"smoke\",\"pins\":16,\"unpins\":15,"
	" \"ok\":false},"
	"\"probe\":{\"schema\":\"tcelab-probe/2\",\"roles\":{\"xchg\":{\"count\":3,\"latency\":"
	" {\"unit\":\"insns\",\"count\":3,\"sum\":30,\"min\":5,\"max\":20,"
	"  \"buckets\":[[4,8,1],[8,16,1],[16,32,1]]}}}},"
	"\"verdict\":\"fail\",\"failures\":["
	" {\"kind\":\"test-failure\",\"message\":\"guest test kmod_a: 4 of 4 planned ran, 1 failed\"},"
	" {\"kind\":\"kernel-warn\",\"message\":\"kernel WARN in the guest\","
	"  \"excerpt\":\"WARNING: at x\\n\"}]}\n";

struct ci_run {
	char dir[64];
	cJSON *doc;
	char *junit;
	cJSON *kcidb, *benchmark;
};

static int make_run(struct ci_run *r)
{
	const char *why = NULL;
	char *path;
	const struct ci_format *f;
	int ret = 0;

	snprintf(r->dir, sizeof(r->dir), "/tmp/tcelab-unit-ci-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	path = xasprintf("%s/results.json", r->dir);
	ret |= write_file(path, run_results);
	free(path);
	r->doc = report_load(r->dir, &why);
	if (!r->doc)
		return -1;
	for (f = ci_formats; f->name; f++)
		ret |= ci_format_write(f, r->doc, r->dir);
	path = xasprintf("%s/junit.xml", r->dir);
	r->junit = read_file(path, NULL);
	free(path);
	path = xasprintf("%s/kcidb.json", r->dir);
	r->kcidb = read_json(path);
	free(path);
	path = xasprintf("%s/benchmark.json", r->dir);
	r->benchmark = read_json(path);
	free(path);
	return ret;
}

static void remove_run(struct ci_run *r)
{
	static const char *const files[] = {
		"results.json", "junit.xml", "kcidb.json", "benchmark.json",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = xasprintf("%s/%s", r->dir, files[i]);

		unlink(path);
		free(path);
	}
	rmdir(r->dir);
	cJSON_Delete(r->doc);
	cJSON_Delete(r->kcidb);
	cJSON_Delete(r->benchmark);
	free(r->junit);
}

#define CHECK_HAS(text, needle) do {							\
	if (!(text) || !strstr((text), (needle))) {					\
		printf("#   %s:%d: no %s in:\n%s\n", __FILE__, __LINE__, #needle,	\
		       (text) ? (text) : "(null)");					\
		(*unit_failures)++;							\
	}										\
} while (0)

UNIT_TEST(ci_junit_testcases)
{
	struct ci_run r = {};

	CHECK_EQ(make_run(&r), 0);
	CHECK_HAS(r.junit, "<testsuites name=\"unit-ci\" tests=\"10\" failures=\"3\" errors=\"1\" "
		  "skipped=\"2\">");
	CHECK_HAS(r.junit, "<testsuite name=\"kmod_a\" tests=\"4\" failures=\"1\" errors=\"0\" "
		  "skipped=\"1\">");
	CHECK_HAS(r.junit, "<testcase classname=\"kmod_a\" name=\"map\"/>");
	CHECK_HAS(r.junit, "<testcase classname=\"kmod_a\" name=\"map (2)\"/>");
	/* The excerpt's control character and invalid UTF-8 become '?'. */
	CHECK_HAS(r.junit, "<failure message=\"not ok 3 unmap\"># pins = 1, expected 0\n"
		  "not ok 3 unmap ??\n</failure>");
	CHECK_HAS(r.junit, "<skipped message=\"no DDW\"/>");
	CHECK_HAS(r.junit, "<testcase classname=\"kmod_b\" name=\"kmod_b\">\n"
		  "      <skipped message=\"quarantined: flaky\"/>");
	CHECK_HAS(r.junit, "name=\"&lt;b&gt; &amp; &quot;c&quot;\"/>");
	CHECK_HAS(r.junit, "<error message=\"2 of 5 planned results, bailed out\">ok 2 b\n"
		  "Bail out! no device\n</error>");
	CHECK_HAS(r.junit, "<testcase classname=\"scenarios\" name=\"smoke\">\n"
		  "      <failure message=\"scenario smoke failed\">");
	/* The run's checks carry every failure but the guest test's. */
	CHECK_HAS(r.junit, "<failure message=\"kernel-warn: kernel WARN in the guest\">"
		  "kernel-warn: kernel WARN in the guest\n    WARNING: at x\n</failure>");
	remove_run(&r);
}

static int count_status(const cJSON *tests, const char *status)
{
	const cJSON *t;
	int n = 0;

	cJSON_ArrayForEach(t, tests)
		n += !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "status")) ?: "", status);
	return n;
}

static const cJSON *test_at(const cJSON *tests, const char *path)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tests)
		if (!strcmp(json_str_at(t, "path") ?: "", path))
			return t;
	return NULL;
}

UNIT_TEST(ci_kcidb_tests_and_figures)
{
	struct ci_run r = {};
	const cJSON *tests, *t;

	CHECK_EQ(make_run(&r), 0);
	CHECK_EQ(json_num(r.kcidb, "version.major", 0), 5);
	CHECK_EQ(json_num(r.kcidb, "version.minor", 0), 3);
	CHECK_STR(json_str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(r.kcidb, "checkouts"), 0),
			      "git_commit_name"), "abc1234");
	CHECK_STR(json_str_at(cJSON_GetArrayItem(cJSON_GetObjectItem(r.kcidb, "builds"), 0),
			      "architecture"), "x86_64");
	tests = cJSON_GetObjectItem(r.kcidb, "tests");
	/* The 10 JUnit testcases, 6 latency figures of xchg, pinned_after (the rest unmeasured). */
	CHECK_EQ(cJSON_GetArraySize(tests), 17);
	CHECK_EQ(count_status(tests, "PASS"), 4);
	CHECK_EQ(count_status(tests, "FAIL"), 3);
	CHECK_EQ(count_status(tests, "ERROR"), 1);
	CHECK_EQ(count_status(tests, "SKIP"), 2);
	CHECK_EQ(count_status(tests, "DONE"), 7);
	t = test_at(tests, "tcelab.tests.kmod_a.3");
	CHECK_STR(json_str_at(t, "id"), "tcelab:unit-ci:tcelab.tests.kmod_a.3");
	CHECK_STR(json_str_at(t, "build_id"), "tcelab:unit-ci");
	CHECK_STR(json_str_at(t, "status"), "FAIL");
	CHECK(strstr(json_str_at(t, "log_excerpt") ?: "", "not ok 3 unmap"));
	CHECK_STR(json_str_at(test_at(tests, "tcelab.tests.kmod_c"), "status"), "ERROR");
	t = test_at(tests, "tcelab.scenarios.smoke.xchg.max");
	CHECK_STR(json_str_at(t, "status"), "DONE");
	CHECK_EQ(json_num(t, "number.value", 0), 20);
	CHECK_STR(json_str_at(t, "number.unit"), "insns");
	CHECK_STR(json_str_at(t, "number.prefix"), "metric");
	t = test_at(tests, "tcelab.pins.pinned_after");
	CHECK_EQ(json_num(t, "number.value", -1), 0);
	CHECK_STR(json_str_at(t, "number.unit"), "pages");
	remove_run(&r);
}

UNIT_TEST(ci_benchmark_unit_from_the_histogram)
{
	const cJSON *role;
	struct ci_run r = {};

	CHECK_EQ(make_run(&r), 0);
	role = json_at(r.doc, "summary.scenarios.smoke.roles.xchg");
	CHECK_EQ(cJSON_GetArraySize(r.benchmark), 2);
	CHECK_STR(json_str_at(cJSON_GetArrayItem(r.benchmark, 0), "name"), "smoke xchg p50");
	CHECK_STR(json_str_at(cJSON_GetArrayItem(r.benchmark, 0), "unit"), "insns");
	CHECK(fabs(json_num(cJSON_GetArrayItem(r.benchmark, 0), "value", NAN) -
		   jnum(role, "p50")) < 1e-3);
	CHECK_STR(json_str_at(cJSON_GetArrayItem(r.benchmark, 1), "name"), "smoke xchg p99");
	CHECK(fabs(json_num(cJSON_GetArrayItem(r.benchmark, 1), "value", NAN) -
		   jnum(role, "p99")) < 1e-3);
	remove_run(&r);
}

/* report_latency_rows() callback: the figures a benchmark.json entry is written for. */
static void count_figures(void *arg, const char *role, const cJSON *row)
{
	(void)role;
	*(int *)arg += !isnan(jnum(row, "p50")) + !isnan(jnum(row, "p99"));
}

/* The index of the entry named @name in @bench, or -1. */
static int entry_index(const cJSON *bench, const char *name)
{
	int i;

	for (i = 0; i < cJSON_GetArraySize(bench); i++)
		if (!strcmp(json_str_at(cJSON_GetArrayItem(bench, i), "name") ?: "", name))
			return i;
	return -1;
}

/*
 * A recorded replay run: p50 and p99 of every scenario and role that has calls, in ns, each
 * role's workload phase first.
 */
UNIT_TEST(ci_benchmark_of_a_recorded_run)
{
	char *dir = xasprintf("%s/tests/fixtures/runs/x86_64-suite-default", tcelab_top());
	char tmp[] = "/tmp/tcelab-unit-bench-XXXXXX", *path;
	const char *why = NULL;
	cJSON *doc = report_load(dir, &why), *bench = NULL;
	const cJSON *sc, *e;
	int want = 0;

	CHECK(doc && mkdtemp(tmp));
	cJSON_ArrayForEach(sc, json_at(doc, "summary.scenarios"))
		report_latency_rows(sc, false, count_figures, &want);
	CHECK(want > 0);
	CHECK_EQ(ci_format_write(ci_format_find("benchmark"), doc, tmp), 0);
	path = xasprintf("%s/benchmark.json", tmp);
	bench = read_json(path);
	CHECK_EQ(cJSON_GetArraySize(bench), want);
	cJSON_ArrayForEach(e, bench)
		CHECK_STR(json_str_at(e, "unit"), "ns");
	CHECK_STR(json_str_at(cJSON_GetArrayItem(bench, 0), "name"), "smoke xchg p50");
	CHECK(entry_index(bench, "net xchg/workload p50") >= 0);
	CHECK(entry_index(bench, "net xchg/workload p50") < entry_index(bench, "net xchg p50"));
	CHECK_EQ(entry_index(bench, "net xchg/teardown p50"), -1);
	unlink(path);
	rmdir(tmp);
	free(path);
	free(dir);
	cJSON_Delete(bench);
	cJSON_Delete(doc);
}
