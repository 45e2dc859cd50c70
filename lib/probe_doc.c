// SPDX-License-Identifier: GPL-2.0
/* Reading the probe document (lib/probe_doc.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/schema.h>

#include "effects.h"
#include "json.h"
#include "probe_doc.h"

cJSON *probe_doc_load(const char *path, char *err, size_t errlen)
{
	return json_load(path, SCHEMA_PROBE, err, errlen);
}

long long probe_doc_num(const cJSON *probe, const char *path)
{
	return (long long)json_num(probe, path, -1);
}

void probe_doc_totals(const cJSON *probe, struct probe_totals *t)
{
	t->pin_calls = probe_doc_num(probe, "roles.pin.count");
	t->pin_ok = probe_doc_num(probe, "roles.pin.ok");
	t->pin_pages = probe_doc_num(probe, "roles.pin.pages");
	t->unpin_calls = probe_doc_num(probe, "roles.unpin.count");
	t->unpin_pages = probe_doc_num(probe, "roles.unpin.pages");
	t->leaked_pages = probe_doc_num(probe, "ledger.leaks.pages");
	t->leaked_pins = probe_doc_num(probe, "ledger.leaks.pins");
	t->double_releases = probe_doc_num(probe, "ledger.double_releases.count");
	t->locked_vm_drift = probe_doc_num(probe, "locked_vm.drift");
	t->lost = probe_doc_num(probe, "lost.total");
	t->dirty_checked = probe_doc_num(probe, "dirty.checked");
	t->not_dirtied = probe_doc_num(probe, "dirty.not_dirtied");
}

/* "func+0x10 [mod]" names function @func. */
static bool frame_is(const char *frame, const char *func)
{
	size_t len = strlen(func);

	return !strncmp(frame, func, len) && (frame[len] == '+' || frame[len] == ' ' || !frame[len]);
}

static const cJSON *stack_groups(const cJSON *probe, const char *section)
{
	const cJSON *ledger = cJSON_GetObjectItemCaseSensitive(probe, "ledger");

	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ledger, section),
						"by_stack");
}

static bool frames_have(const cJSON *frames, const char *func)
{
	const cJSON *frame;

	cJSON_ArrayForEach(frame, frames)
		if (cJSON_IsString(frame) && frame_is(frame->valuestring, func))
			return true;
	return false;
}

bool probe_doc_stack_has(const cJSON *probe, const char *section, const char *func)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, stack_groups(probe, section))
		if (frames_have(cJSON_GetObjectItemCaseSensitive(g, "frames"), func) ||
		    frames_have(cJSON_GetObjectItemCaseSensitive(g, "last_pin_frames"), func))
			return true;
	return false;
}

const cJSON *probe_doc_top_stack(const cJSON *probe, const char *section)
{
	const cJSON *g, *top = NULL;

	cJSON_ArrayForEach(g, stack_groups(probe, section))
		if (!top || json_num(g, "pages", 0) > json_num(top, "pages", 0))
			top = g;
	return cJSON_GetObjectItemCaseSensitive(top, "frames");
}

const char *probe_doc_top_frame(const cJSON *probe, const char *section)
{
	return cJSON_GetStringValue(cJSON_GetArrayItem(probe_doc_top_stack(probe, section), 0));
}

/* The column of field @name in the stream's "fields", or -1. */
static int effect_field(const cJSON *fields, const char *name)
{
	const cJSON *f;
	int i = 0;

	cJSON_ArrayForEach(f, fields) {
		if (cJSON_IsString(f) && !strcmp(f->valuestring, name))
			return i;
		i++;
	}
	return -1;
}

/* Record @rec's column @col: a number, or a "0x..." string. */
static uint64_t effect_value(const cJSON *rec, int col)
{
	const cJSON *v = cJSON_GetArrayItem(rec, col);

	if (cJSON_IsString(v))
		return strtoull(v->valuestring, NULL, 0);
	return cJSON_IsNumber(v) ? (uint64_t)(int64_t)v->valuedouble : 0;
}

int probe_doc_effects(const cJSON *probe, struct effect_xchg **out, size_t *n, char *err,
		      size_t errlen)
{
	static const char *const names[] = {
		"ts", "entry", "old_hpa", "new_hpa", "ret", "old_dir", "new_dir",
	};
	const cJSON *effects = cJSON_GetObjectItem(probe, "effects"), *rec;
	const cJSON *stream = cJSON_GetObjectItem(effects, "stream");
	int col[7];
	size_t i = 0, k;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(stream)) {
		snprintf(err, errlen, "the probes recorded no exchange stream (tcelab-probe --effects)");
		return -1;
	}
	if (probe_doc_num(probe, "effects.dropped") != 0) {
		snprintf(err, errlen, "the probes dropped %lld exchanges (past the %lld they keep, "
			 "or their ring buffer was full)", probe_doc_num(probe, "effects.dropped"),
			 probe_doc_num(probe, "effects.records"));
		return -1;
	}
	for (k = 0; k < 7; k++) {
		col[k] = effect_field(cJSON_GetObjectItem(effects, "fields"), names[k]);
		if (col[k] < 0) {
			snprintf(err, errlen, "the exchange stream has no field '%s'", names[k]);
			return -1;
		}
	}
	*out = calloc(cJSON_GetArraySize(stream) + 1, sizeof(**out));
	if (!*out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(rec, stream) {
		struct effect_xchg *x = &(*out)[i++];

		x->ts = effect_value(rec, col[0]);
		x->entry = effect_value(rec, col[1]);
		x->old_hpa = effect_value(rec, col[2]);
		x->new_hpa = effect_value(rec, col[3]);
		x->ret = (int64_t)effect_value(rec, col[4]);
		x->old_dir = effect_value(rec, col[5]);
		x->new_dir = effect_value(rec, col[6]);
	}
	*n = i;
	return 0;
}
