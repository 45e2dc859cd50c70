// SPDX-License-Identifier: GPL-2.0
/* bench.json (cli/bench_doc.c): what the writer writes the parser reads back; goals judged. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <tcelab/schema.h>

#include "unit.h"
#include "cli/bench_doc.h"
#include "lib/json.h"
#include "lib/util.h"

static char *bench_tmp(const char *name)
{
	return xasprintf("/tmp/tcelab-unit-%d-%s", getpid(), name);
}

static struct bench_figure fig(const char *name, double value, double ratio, const char *goal,
			       const char *goal_on)
{
	struct bench_figure f = { .value = value, .ratio = ratio, .peer_value = NAN,
				  .min = NAN, .max = NAN, .runs = 3 };

	snprintf(f.name, sizeof(f.name), "%s", name);
	snprintf(f.goal, sizeof(f.goal), "%s", goal);
	snprintf(f.goal_on, sizeof(f.goal_on), "%s", goal_on);
	bench_judge(&f);
	return f;
}

UNIT_TEST(bench_judge_goals)
{
	CHECK_EQ(fig("a", 0.5, 0.96, ">= 0.95", "ratio").goal_met, 1);
	CHECK_EQ(fig("a", 2.0, 0.94, ">= 0.95", "ratio").goal_met, 0);
	CHECK_EQ(fig("a", 30.0, NAN, "<= 30", "value").goal_met, 1);
	CHECK_EQ(fig("a", 30.5, 0.5, "<= 30", "value").goal_met, 0);
	/* No goal, or nothing measured: not judged. */
	CHECK_EQ(fig("a", 1.0, 1.0, "", "ratio").goal_met, -1);
	CHECK_EQ(fig("a", NAN, NAN, "<= 30", "value").goal_met, -1);
	CHECK_EQ(fig("a", 1.0, NAN, ">= 0.95", "ratio").goal_met, -1);
}

UNIT_TEST(bench_doc_round_trip)
{
	char *path = bench_tmp("bench.json"), err[256];
	struct bench_doc d = { .nfigures = 2, .complete = 1 }, back;
	struct bench_figure *f = &d.figures[0];

	d.figures[0] = fig("probe_overhead_fentry.net", 99707, 0.5532, ">= 0.95", "ratio");
	snprintf(f->unit, sizeof(f->unit), "hcalls/s");
	snprintf(f->peer, sizeof(f->peer), "the same replay without the probes");
	snprintf(f->timing, sizeof(f->timing), "icount");
	snprintf(f->note, sizeof(f->note), "a \"quoted\" note");
	f->peer_value = 180235;
	f->min = 0.5531;
	f->max = 0.5540;
	d.figures[1] = fig("make_run_s", 21.8, NAN, "<= 30", "value");
	d.environment = cJSON_CreateObject();
	cJSON_AddStringToObject(d.environment, "commit", "abc1234");
	CHECK_EQ(bench_doc_write(path, &d), 0);
	CHECK_EQ(bench_doc_load(path, &back, err, sizeof(err)), 0);
	CHECK_EQ(back.nfigures, 2);
	CHECK_EQ(back.complete, 1);
	CHECK_STR(back.figures[0].name, "probe_overhead_fentry.net");
	CHECK_STR(back.figures[0].unit, "hcalls/s");
	CHECK_STR(back.figures[0].peer, "the same replay without the probes");
	CHECK_STR(back.figures[0].goal, ">= 0.95");
	CHECK_STR(back.figures[0].goal_on, "ratio");
	CHECK_STR(back.figures[0].timing, "icount");
	CHECK_STR(back.figures[0].note, "a \"quoted\" note");
	CHECK(fabs(back.figures[0].ratio - 0.5532) < 1e-9);
	CHECK(fabs(back.figures[0].peer_value - 180235) < 1e-9);
	CHECK(fabs(back.figures[0].max - 0.5540) < 1e-9);
	CHECK_EQ(back.figures[0].goal_met, 0);
	CHECK_EQ(back.figures[0].runs, 3);
	/* No peer: null ratio and peer, read back as NAN and "". */
	CHECK(isnan(back.figures[1].ratio) && isnan(back.figures[1].peer_value));
	CHECK_STR(back.figures[1].peer, "");
	CHECK_EQ(back.figures[1].goal_met, 1);
	CHECK_STR(json_str_at(back.environment, "commit"), "abc1234");
	bench_doc_free(&back);
	bench_doc_free(&d);
	unlink(path);
	free(path);
}

UNIT_TEST(bench_doc_refuses_other_documents)
{
	char *path = bench_tmp("not-bench.json"), err[256] = "";
	struct bench_doc d;

	write_file(path, "{\"schema\": \"tcelab-run/1\", \"figures\": []}\n");
	CHECK_EQ(bench_doc_load(path, &d, err, sizeof(err)), -1);
	CHECK(strstr(err, "tcelab-run/1") != NULL);
	write_file(path, "{\"schema\": \"" SCHEMA_BENCH "\", \"figures\": [{\"value\": 1}]}\n");
	CHECK_EQ(bench_doc_load(path, &d, err, sizeof(err)), -1);
	CHECK(strstr(err, "no name") != NULL);
	unlink(path);
	free(path);
}

UNIT_TEST(bench_history_appends_a_line_a_run)
{
	char *path = bench_tmp("history.jsonl"), *text, *nl;
	struct bench_doc d = { .nfigures = 1 };
	cJSON *line;

	d.figures[0] = fig("import_vs_wc", 0.4, 33.5, "<= 15", "ratio");
	unlink(path);
	CHECK_EQ(bench_history_append(path, &d, "before", "abc1234"), 0);
	CHECK_EQ(bench_history_append(path, &d, NULL, "abc1234"), 0);
	text = read_file(path, NULL);
	CHECK(text != NULL);
	if (text) {
		nl = strchr(text, '\n');
		CHECK(nl && strchr(nl + 1, '\n') && !strchr(nl + 1, '\n')[1]);
		*nl = 0;
		line = cJSON_Parse(text);
		CHECK_STR(json_str_at(line, "schema"), SCHEMA_BENCH_HISTORY);
		CHECK_STR(json_str_at(line, "label"), "before");
		CHECK(fabs(json_num(line, "figures.import_vs_wc.ratio", 0) - 33.5) < 1e-9);
		CHECK(cJSON_IsFalse(json_at(line, "figures.import_vs_wc.goal_met")));
		cJSON_Delete(line);
	}
	free(text);
	unlink(path);
	free(path);
}
