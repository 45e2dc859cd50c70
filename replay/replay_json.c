// SPDX-License-Identifier: GPL-2.0
/* The replay stage's documents (replay/replay_json.h): their one writer. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <tcelab/schema.h>

#include "lib/json.h"
#include "replay_json.h"
#include "replay_logic.h"

/* Each trace operation's key in "ops" and "latency_ns". */
static const char *const op_keys[REPLAY_NR_OPS] = {
	"put", "indirect", "stuff", "get", "ddw_create", "ddw_remove",
};

void replay_mismatch_values(const struct replay_mismatch *m, char *want, char *got, size_t len)
{
	if (m->tce) {
		snprintf(want, len, "tce=0x%" PRIx64, m->want_tce);
		snprintf(got, len, "tce=0x%" PRIx64, m->got_tce);
	} else {
		replay_ret_str(want, len, m->want);
		replay_ret_str(got, len, m->got);
	}
}

static void write_guest(struct json_writer *w, const struct replay_result *r)
{
	jw_obj_begin(w, "guest");
	jw_u64(w, "ram", r->header->ram_size);
	jw_u64(w, "ram_backing", r->ram->backing);
	jw_s64(w, "page_size", r->ram->page_size);
	jw_u64(w, "iommu_page_shift", r->header->iommu_page_shift);
	jw_u64(w, "windows", r->header->nr_windows);
	jw_obj_end(w);
}

static void write_counts(struct json_writer *w, const struct replay_stats *st)
{
	char name[32];
	unsigned int i;

	jw_u64(w, "records", st->records);
	jw_obj_begin(w, "ops");
	for (i = 0; i < REPLAY_NR_OPS; i++)
		jw_u64(w, op_keys[i], st->ops[i]);
	jw_obj_end(w);
	jw_obj_begin(w, "rets");
	for (i = 0; i < st->nr_rets; i++) {
		replay_ret_str(name, sizeof(name), st->rets[i].code);
		jw_u64(w, name, st->rets[i].n);
	}
	jw_obj_end(w);
	jw_u64(w, "unchecked", st->unchecked);
}

/* Every latency histogram in the probes' shape, buckets included (lib/json.h). */
static void write_latency(struct json_writer *w, const struct replay_stats *st)
{
	unsigned int i;

	jw_obj_begin(w, "latency_ns");
	jw_hist(w, "all", &st->all, "ns", true);
	for (i = 0; i < REPLAY_NR_OPS; i++)
		if (st->lat[i].count)
			jw_hist(w, op_keys[i], &st->lat[i], "ns", true);
	jw_hist(w, "batch", &st->batch_lat, "ns", true);
	jw_obj_end(w);
}

static void write_timeline(struct json_writer *w, const struct timeline *tl)
{
	unsigned int i;

	jw_arr_begin(w, "timeline");
	for (i = 0; i < timeline_nr_points(tl); i++) {
		const struct timeline_window *p = timeline_point(tl, i);

		jw_obj_begin(w, NULL);
		jw_u64(w, "calls", p->end_calls);
		jw_u64(w, "elapsed_ns", p->end_ns);
		jw_hist_members(w, &p->lat, "ns");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void write_mismatches(struct json_writer *w, const struct replay_stats *st)
{
	char want[32], got[32];
	unsigned int i;

	jw_u64(w, "mismatches", st->mismatches);
	jw_arr_begin(w, "mismatch_list");
	for (i = 0; i < st->nr_list; i++) {
		const struct replay_mismatch *m = &st->list[i];

		replay_mismatch_values(m, want, got, sizeof(want));
		jw_obj_begin(w, NULL);
		jw_u64(w, "line", m->line);
		jw_str(w, "op", trace_op_name(m->op));
		jw_str(w, "expected", want);
		jw_str(w, "got", got);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void write_balance_counts(struct json_writer *w, const char *key,
				 const struct balance_counts *c)
{
	jw_obj_begin(w, key);
	jw_s64(w, "pinned", c->pinned);
	jw_s64(w, "locked_pages", c->locked_pages);
	jw_s64(w, "mapped", c->mapped);
	jw_s64(w, "double_releases", c->double_releases);
	jw_s64(w, "vmlck_kb", c->vmlck_kb);
	jw_s64(w, "allocs", c->allocs);
	jw_obj_end(w);
}

static void write_balance(struct json_writer *w, const struct balance_report *b)
{
	jw_obj_begin(w, "balance");
	jw_bool(w, "ok", b->ok);
	jw_bool(w, "available", b->available);
	write_balance_counts(w, "before", &b->before);
	write_balance_counts(w, "during", &b->peak);
	write_balance_counts(w, "after", &b->after);
	jw_s64(w, "page_refs_checked", b->page_refs_checked);
	jw_s64(w, "page_refs_pinned", b->page_refs_pinned);
	jw_obj_end(w);
}

int replay_json_write(const char *path, const struct replay_result *r)
{
	const struct replay_stats *st = r->st;
	const struct replay_times *t = r->seconds;
	struct json_writer *w = jw_open(path);
	unsigned int i;

	if (!w)
		return -1;
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_REPLAY);
	jw_str(w, "scenario", r->scenario);
	jw_str(w, "trace", r->trace);
	jw_str(w, "trace_sha256", r->trace_sha256 && *r->trace_sha256 ? r->trace_sha256 : NULL);
	jw_str(w, "backend", r->be->info->name);
	jw_u64(w, "threads", r->threads);
	jw_u64(w, "batch", r->batch);
	jw_str(w, "timing", r->batch > 1 ? "per-call-of-batch" : "per-call");
	write_guest(w, r);
	write_counts(w, st);
	write_latency(w, st);
	write_timeline(w, r->timeline);
	write_mismatches(w, st);
	jw_u64(w, "errors", st->errors);
	jw_str(w, "error", st->error[0] ? st->error : NULL);
	jw_arr_begin(w, "notes");
	for (i = 0; i < r->be->nr_notes; i++)
		jw_str(w, NULL, r->be->notes[i]);
	jw_arr_end(w);
	write_balance(w, r->balance);
	jw_bool(w, "expectations_met", r->expectations_met);
	jw_str(w, "expectation", r->expectation);
	jw_obj_begin(w, "seconds");
	jw_double(w, "setup", t->setup, 3);
	jw_double(w, "replay", t->replay, 3);
	jw_double(w, "teardown", t->teardown, 3);
	jw_obj_end(w);
	if (t->replay_insns >= 0)
		jw_s64(w, "replay_insns", t->replay_insns);
	else
		jw_null(w, "replay_insns");
	jw_double(w, "ops_per_s", t->replay > 0 ? st->records / t->replay : 0.0, 0);
	jw_bool(w, "ok", r->ok);
	jw_obj_end(w);
	return jw_close(w);
}

/*
 * The replay's members as they are; without the probes' document the replay fails: "ok" is
 * false and "error" says why, after the replay's own error if it had one.
 */
static void write_replay_members(struct json_writer *w, const cJSON *replay,
				 const struct replay_probe_join *j)
{
	const cJSON *m;
	char why[1024];

	cJSON_ArrayForEach(m, replay) {
		if (j->probe) {
			jw_tree(w, m->string, m);
		} else if (!strcmp(m->string, "ok")) {
			jw_bool(w, "ok", false);
		} else if (!strcmp(m->string, "error")) {
			snprintf(why, sizeof(why), "%s%sprobes: %s",
				 cJSON_IsString(m) ? m->valuestring : "", cJSON_IsString(m) ? "; " : "",
				 j->error);
			jw_str(w, "error", why);
		} else {
			jw_tree(w, m->string, m);
		}
	}
}

/*
 * --effects: each call's net effect on each entry it changed, from the probes' exchanges, and
 * the exchanges that made none (lib/effects.h); or why they are not known.
 */
static void write_effects(struct json_writer *w, const struct replay_probe_join *j)
{
	const struct effects_counts *c = &j->effect_counts;

	jw_obj_begin(w, "effects");
	jw_str(w, "error", j->effects_error);
	if (!j->effects_error) {
		jw_u64(w, "exchanges", c->exchanges);
		jw_u64(w, "outside_calls", c->outside);
		jw_u64(w, "failed", c->failed);
		jw_u64(w, "unchanged", c->unchanged);
		jw_u64(w, "net", j->nr_effects);
		effects_write(w, "list", j->effects, j->nr_effects);
	}
	jw_obj_end(w);
}

int replay_json_write_probed(const char *path, const cJSON *replay,
			     const struct replay_probe_join *j)
{
	struct json_writer *w = jw_open(path);

	if (!w)
		return -1;
	jw_obj_begin(w, NULL);
	write_replay_members(w, replay, j);
	/* Pages, not calls: upstream pins a preregistered region in one call, unpins page by page. */
	jw_s64(w, "pins", j->totals.pin_pages);
	jw_s64(w, "unpins", j->totals.unpin_pages);
	jw_s64(w, "probe_leaked_pages", j->totals.leaked_pages);
	/* The replay's own "ok" stays; "probe_ok" is the probes' verdict. */
	jw_bool(w, "probe_ok", j->ok);
	if (j->probe)
		jw_tree(w, "probe", j->probe);
	else
		jw_null(w, "probe");
	if (j->effects || j->effects_error)
		write_effects(w, j);
	jw_obj_end(w);
	return jw_close(w);
}

int suite_json_write(const char *path, const struct suite_result *s)
{
	struct json_writer *w = jw_open(path);
	unsigned int i;

	if (!w)
		return -1;
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_SUITE);
	jw_str(w, "suite", s->suite);
	jw_arr_begin(w, "backends");
	for (i = 0; i < s->nr_backends; i++)
		jw_str(w, NULL, s->backends[i]);
	jw_arr_end(w);
	jw_bool(w, "ok", s->ok);
	jw_arr_begin(w, "scenarios");
	for (i = 0; i < s->nr_runs; i++) {
		const struct suite_run *run = &s->runs[i];

		if (run->doc) {
			jw_tree(w, NULL, run->doc);
			continue;
		}
		jw_obj_begin(w, NULL);
		jw_str(w, "scenario", run->name);
		jw_bool(w, "ok", false);
		jw_str(w, "error", run->error);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return jw_close(w);
}
