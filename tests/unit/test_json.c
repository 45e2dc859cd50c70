// SPDX-License-Identifier: GPL-2.0
/* The JSON writer, schema-checked loading and the probe document's reader (lib/json.c). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <tcelab/schema.h>

#include "unit.h"
#include "lib/hist.h"
#include "lib/json.h"
#include "lib/probe_doc.h"

static char *tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "/tmp/tcelab-unit-%d-%s", getpid(), name);
	return path;
}

/* Every kind of value, nested, read back by cJSON exactly. */
UNIT_TEST(json_writer_round_trip)
{
	const char *path = tmp_path("doc.json");
	struct json_writer *w = jw_open(path);
	struct tcelab_hist *h = calloc(1, sizeof(*h));
	char err[256];
	cJSON *doc;

	hist_record(h, 10);
	hist_record(h, 1000);
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_PROBE);
	jw_str(w, "quote", "a\"b\\c\n");
	jw_str(w, "none", NULL);
	jw_u64(w, "big", 18446744073709551615ULL);
	jw_s64(w, "neg", -5);
	jw_double(w, "ratio", 0.125, 3);
	jw_bool(w, "yes", true);
	jw_hex(w, "page", 0xc00000000abcd000ULL);
	jw_arr_begin(w, "list");
	jw_u64(w, NULL, 1);
	jw_obj_begin(w, NULL);
	jw_null(w, "x");
	jw_obj_end(w);
	jw_arr_end(w);
	jw_hist(w, "lat", h, "ns", true);
	jw_obj_end(w);
	CHECK_EQ(jw_close(w), 0);

	doc = json_load(path, SCHEMA_PROBE, err, sizeof(err));
	CHECK(doc != NULL);
	CHECK_STR(json_str_at(doc, "quote"), "a\"b\\c\n");
	CHECK(cJSON_IsNull(json_at(doc, "none")));
	CHECK_EQ(json_num(doc, "neg", 0), -5);
	CHECK(json_num(doc, "ratio", 0) == 0.125);
	CHECK(cJSON_IsTrue(json_at(doc, "yes")));
	CHECK_STR(json_str_at(doc, "page"), "0xc00000000abcd000");
	CHECK_EQ(cJSON_GetArraySize(json_at(doc, "list")), 2);
	CHECK_EQ(json_num(doc, "lat.count", 0), 2);
	CHECK_EQ(json_num(doc, "lat.max", 0), 1000);
	CHECK_EQ(json_num(doc, "lat.sub_buckets", 0), TCELAB_HIST_SUB);
	CHECK_EQ(cJSON_GetArraySize(json_at(doc, "lat.buckets")), 2);
	CHECK_EQ(json_num(doc, "lat.missing", -7), -7);
	cJSON_Delete(doc);
	unlink(path);
	free(h);
}

/* Another document, a broken one, a missing one: each a clear error, no tree. */
UNIT_TEST(json_load_checks_schema)
{
	const char *path = tmp_path("other.json");
	struct json_writer *w = jw_open(path);
	char err[256];
	FILE *f;

	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_REPLAY);
	jw_obj_end(w);
	CHECK_EQ(jw_close(w), 0);
	CHECK(json_load(path, SCHEMA_PROBE, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "expected " SCHEMA_PROBE) != NULL);
	f = fopen(path, "w");
	fputs("{\"schema\": \"tcelab-probe/2\", ", f);
	fclose(f);
	CHECK(probe_doc_load(path, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "not valid JSON") != NULL);
	unlink(path);
	CHECK(json_load(path, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "No such file") != NULL);
}

/* A writer that leaves an object open never replaces the document: nothing half-written. */
UNIT_TEST(json_writer_unbalanced_writes_nothing)
{
	const char *path = tmp_path("half.json");
	char tmp[300];
	struct json_writer *w = jw_open(path);

	jw_obj_begin(w, NULL);
	jw_arr_begin(w, "open");
	CHECK_EQ(jw_close(w), -1);
	CHECK_EQ(access(path, F_OK), -1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CHECK_EQ(access(tmp, F_OK), -1);
}

/* The figures a run checks, and the ledger's stacks, by name. */
UNIT_TEST(probe_doc_reads_totals_and_stacks)
{
	const char *path = tmp_path("probe.json");
	FILE *f = fopen(path, "w");
	struct probe_totals t;
	char err[256];
	cJSON *doc;

	fputs("{\"schema\":\"" SCHEMA_PROBE "\",\"roles\":{\"pin\":{\"count\":17,\"ok\":16,"
	      "\"pages\":16},\"unpin\":{\"count\":16,\"pages\":16}},\"ledger\":{\"leaks\":{"
	      "\"pages\":16,\"pins\":16,\"by_stack\":[{\"pages\":4,\"frames\":[\"a+0x1\"],"
	      "\"last_pin_frames\":[\"b+0x2 [m]\"]},"
	      "{\"pages\":12,\"frames\":[\"mm_iommu_do_alloc+0x328\",\"tce_iommu_ioctl+0x10"
	      " [vfio_iommu_spapr_tce]\"]}]},\"double_releases\":{\"count\":0}},"
	      "\"locked_vm\":{\"drift\":16},\"lost\":{\"total\":0},"
	      "\"dirty\":{\"available\":true,\"checked\":9,\"not_dirtied\":2}}", f);
	fclose(f);
	doc = probe_doc_load(path, err, sizeof(err));
	CHECK(doc != NULL);
	probe_doc_totals(doc, &t);
	CHECK_EQ(t.pin_calls, 17);
	CHECK_EQ(t.pin_ok, 16);
	CHECK_EQ(t.unpin_pages, 16);
	CHECK_EQ(t.leaked_pages, 16);
	CHECK_EQ(t.double_releases, 0);
	CHECK_EQ(t.locked_vm_drift, 16);
	CHECK_EQ(t.dirty_checked, 9);
	CHECK_EQ(t.not_dirtied, 2);
	CHECK(probe_doc_stack_has(doc, "leaks", "tce_iommu_ioctl"));
	CHECK(!probe_doc_stack_has(doc, "leaks", "tce_iommu"));
	CHECK(probe_doc_stack_has(doc, "leaks", "b"));
	CHECK(!probe_doc_stack_has(doc, "double_releases", "a"));
	CHECK_STR(probe_doc_top_frame(doc, "leaks"), "mm_iommu_do_alloc+0x328");
	CHECK_EQ(probe_doc_num(doc, "roles.xchg.count"), -1);
	cJSON_Delete(doc);
	unlink(path);
}
