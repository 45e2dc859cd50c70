// SPDX-License-Identifier: GPL-2.0
/* The replay stage's documents (replay/replay_json.c): a replay's, with its probes', a suite's. */
#include <stdlib.h>
#include <unistd.h>
#include <tcelab/schema.h>

#include "unit.h"
#include "lib/json.h"
#include "replay/replay_json.h"

static char *tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "/tmp/tcelab-unit-%d-%s", getpid(), name);
	return path;
}

static const struct replay_backend_info kmod_info = { "kmod", false, "tcelab", "test" };

/* A replay of 3 puts (one a mismatch) and a get, its document written to @path. */
static int write_replay(const char *path, struct timeline *tl)
{
	static const struct trace_header header = { .ram_size = 1 << 28, .iommu_page_shift = 12,
						    .nr_windows = 1 };
	static const struct guest_ram ram = { .backing = 1 << 25, .page_size = 65536 };
	static const struct balance_report bal = { .available = 1, .ok = 1,
						   .peak = { .pinned = 3 } };
	static const struct replay_times times = { 0.5, 2.0, 0.25, 123456 };
	struct replay_stats *st = calloc(1, sizeof(*st));
	struct backend be = { .info = &kmod_info, .nr_notes = 1, .notes = { "LIOBN 0x1 emulated" } };
	struct replay_result r = {
		.scenario = "net", .trace = "t/net.tce", .be = &be, .threads = 1, .batch = 1,
		.header = &header, .ram = &ram, .st = st, .timeline = tl, .balance = &bal,
		.seconds = &times, .expectations_met = false, .expectation = "1 mismatches, expected 0",
	};
	unsigned int i;
	int ret;

	st->records = 4;
	st->ops[TRACE_PUT] = 3;
	st->ops[TRACE_GET] = 1;
	for (i = 1; i <= 4; i++) {
		hist_record(&st->lat[i == 4 ? TRACE_GET : TRACE_PUT], 100 * i);
		hist_record(&st->all, 100 * i);
		hist_record(&st->batch_lat, 100 * i);
		timeline_add(tl, 100 * i, 1000 * i);
	}
	st->nr_rets = 2;
	st->rets[0] = (struct replay_ret_count){ 0, 3 };
	st->rets[1] = (struct replay_ret_count){ -4, 1 };
	st->mismatches = st->nr_list = 1;
	st->list[0] = (struct replay_mismatch){ .line = 7, .op = TRACE_PUT, .want = 0, .got = -4 };
	ret = replay_json_write(path, &r);
	free(st);
	return ret;
}

/* Every latency histogram in the probes' shape; the rest as tcelab-replay/1 had it. */
UNIT_TEST(replay_json_document)
{
	const char *path = tmp_path("replay.json");
	const cJSON *point;
	struct timeline tl;
	char err[256];
	cJSON *doc;

	CHECK_EQ(timeline_init(&tl, 2, 4), 0);
	CHECK_EQ(write_replay(path, &tl), 0);
	doc = json_load(path, SCHEMA_REPLAY, err, sizeof(err));
	CHECK(doc != NULL);
	CHECK_STR(json_str_at(doc, "backend"), "kmod");
	CHECK_STR(json_str_at(doc, "timing"), "per-call");
	CHECK_EQ(json_num(doc, "guest.ram_backing", 0), 1 << 25);
	CHECK_EQ(json_num(doc, "ops.put", 0), 3);
	CHECK_EQ(json_num(doc, "ops.ddw_remove", -1), 0);
	CHECK_EQ(json_num(doc, "rets.H_SUCCESS", 0), 3);
	CHECK_EQ(json_num(doc, "rets.H_PARAMETER", 0), 1);
	CHECK_STR(json_str_at(doc, "latency_ns.all.unit"), "ns");
	CHECK_EQ(json_num(doc, "latency_ns.all.count", 0), 4);
	CHECK_EQ(json_num(doc, "latency_ns.all.sum", 0), 1000);
	CHECK_EQ(json_num(doc, "latency_ns.all.sub_buckets", 0), TCELAB_HIST_SUB);
	CHECK_EQ(cJSON_GetArraySize(json_at(doc, "latency_ns.all.buckets")), 4);
	CHECK_EQ(json_num(doc, "latency_ns.get.max", 0), 400);
	CHECK(!json_at(doc, "latency_ns.stuff"));	/* only the types that ran */
	CHECK(json_at(doc, "latency_ns.batch.buckets") != NULL);
	CHECK_EQ(cJSON_GetArraySize(json_at(doc, "timeline")), 2);
	point = cJSON_GetArrayItem(json_at(doc, "timeline"), 1);
	CHECK_EQ(json_num(point, "calls", 0), 4);
	CHECK_EQ(json_num(point, "elapsed_ns", 0), 4000);
	CHECK_EQ(json_num(point, "count", 0), 2);
	CHECK_EQ(json_num(point, "p99_9", 0), 400);
	CHECK(!json_at(point, "buckets"));		/* points are summaries */
	point = cJSON_GetArrayItem(json_at(doc, "mismatch_list"), 0);
	CHECK_EQ(json_num(point, "line", 0), 7);
	CHECK_STR(json_str_at(point, "expected"), "H_SUCCESS");
	CHECK_STR(json_str_at(point, "got"), "H_PARAMETER");
	CHECK(cJSON_IsNull(json_at(doc, "error")));
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(json_at(doc, "notes"), 0)),
		  "LIOBN 0x1 emulated");
	CHECK_EQ(json_num(doc, "balance.during.pinned", 0), 3);
	CHECK_EQ(json_num(doc, "seconds.replay", 0), 2);
	CHECK_EQ(json_num(doc, "ops_per_s", 0), 2);
	CHECK_EQ(json_num(doc, "replay_insns", 0), 123456);
	CHECK(cJSON_IsFalse(json_at(doc, "ok")));
	cJSON_Delete(doc);
	timeline_free(&tl);
	unlink(path);
}

static cJSON *load(const char *path)
{
	char err[256];

	return json_load(path, SCHEMA_REPLAY, err, sizeof(err));
}

/* --probe: the replay's members, the probes' figures and verdict, their whole document. */
UNIT_TEST(replay_json_joins_the_probes)
{
	const char *path = tmp_path("probed.json");
	cJSON *probe = cJSON_Parse("{\"schema\":\"" SCHEMA_PROBE "\",\"roles\":{\"pin\":"
				   "{\"pages\":16},\"unpin\":{\"pages\":16}},\"ledger\":"
				   "{\"leaks\":{\"pages\":0}}}");
	struct replay_probe_join j = { .probe = probe, .ok = true };
	struct timeline tl;
	cJSON *replay, *doc;

	CHECK_EQ(timeline_init(&tl, 2, 4), 0);
	CHECK_EQ(write_replay(path, &tl), 0);
	replay = load(path);
	probe_doc_totals(probe, &j.totals);
	CHECK_EQ(replay_json_write_probed(path, replay, &j), 0);
	doc = load(path);
	CHECK(doc != NULL);
	CHECK_STR(json_str_at(doc, "scenario"), "net");
	CHECK_EQ(json_num(doc, "latency_ns.all.count", 0), 4);
	CHECK(cJSON_IsFalse(json_at(doc, "ok")));	/* the replay's own verdict stays */
	CHECK_EQ(json_num(doc, "pins", 0), 16);
	CHECK_EQ(json_num(doc, "unpins", 0), 16);
	CHECK_EQ(json_num(doc, "probe_leaked_pages", -1), 0);
	CHECK(cJSON_IsTrue(json_at(doc, "probe_ok")));
	CHECK_STR(json_str_at(doc, "probe.schema"), SCHEMA_PROBE);
	CHECK_EQ(json_num(doc, "probe.roles.pin.pages", 0), 16);
	cJSON_Delete(doc);
	cJSON_Delete(replay);
	cJSON_Delete(probe);
	timeline_free(&tl);
	unlink(path);
}

/* Without the probes' document the replay fails, and says why. */
UNIT_TEST(replay_json_without_the_probes_fails)
{
	const char *path = tmp_path("unprobed.json");
	struct replay_probe_join j = { .error = "x.probe.json: No such file or directory" };
	struct timeline tl;
	cJSON *replay, *doc;

	CHECK_EQ(timeline_init(&tl, 2, 4), 0);
	CHECK_EQ(write_replay(path, &tl), 0);
	replay = load(path);
	cJSON_ReplaceItemInObject(replay, "ok", cJSON_CreateTrue());
	probe_doc_totals(NULL, &j.totals);
	CHECK_EQ(replay_json_write_probed(path, replay, &j), 0);
	doc = load(path);
	CHECK(cJSON_IsFalse(json_at(doc, "ok")));
	CHECK_STR(json_str_at(doc, "error"), "probes: x.probe.json: No such file or directory");
	CHECK(cJSON_IsFalse(json_at(doc, "probe_ok")));
	CHECK_EQ(json_num(doc, "pins", 0), -1);
	CHECK(cJSON_IsNull(json_at(doc, "probe")));
	cJSON_Delete(doc);
	/* After the replay's own error. */
	cJSON_ReplaceItemInObject(replay, "error", cJSON_CreateString("t:3: put: EIO"));
	CHECK_EQ(replay_json_write_probed(path, replay, &j), 0);
	doc = load(path);
	CHECK_STR(json_str_at(doc, "error"),
		  "t:3: put: EIO; probes: x.probe.json: No such file or directory");
	cJSON_Delete(doc);
	cJSON_Delete(replay);
	timeline_free(&tl);
	unlink(path);
}

/* Each run's document whole, and a run without one as a failed scenario. */
UNIT_TEST(suite_json_document)
{
	static const char *const backends[] = { "kmod", "vfio" };
	const char *path = tmp_path("suite.json");
	cJSON *net = cJSON_Parse("{\"schema\":\"" SCHEMA_REPLAY "\",\"scenario\":\"net\","
				 "\"ok\":true,\"latency_ns\":{\"all\":{\"p50\":5}}}");
	const struct suite_run runs[] = {
		{ "net", net, NULL }, { "net@vfio", NULL, "no results" },
	};
	const struct suite_result s = { "default", backends, 2, runs, 2, false };
	const cJSON *scen;
	char err[256];
	cJSON *doc;

	CHECK_EQ(suite_json_write(path, &s), 0);
	doc = json_load(path, SCHEMA_SUITE, err, sizeof(err));
	CHECK(doc != NULL);
	CHECK_STR(json_str_at(doc, "suite"), "default");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(json_at(doc, "backends"), 1)), "vfio");
	CHECK(cJSON_IsFalse(json_at(doc, "ok")));
	scen = json_at(doc, "scenarios");
	CHECK_EQ(cJSON_GetArraySize(scen), 2);
	CHECK(cJSON_Compare(cJSON_GetArrayItem(scen, 0), net, 1));
	CHECK_STR(json_str_at(cJSON_GetArrayItem(scen, 1), "scenario"), "net@vfio");
	CHECK(cJSON_IsFalse(json_at(cJSON_GetArrayItem(scen, 1), "ok")));
	CHECK_STR(json_str_at(cJSON_GetArrayItem(scen, 1), "error"), "no results");
	cJSON_Delete(doc);
	cJSON_Delete(net);
	unlink(path);
}
