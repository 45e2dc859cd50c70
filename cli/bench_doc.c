// SPDX-License-Identifier: GPL-2.0
/* bench.json's writer and parser, and history.jsonl's line (bench_doc.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tcelab/schema.h>

#include "bench_doc.h"
#include "lib/json.h"

void bench_judge(struct bench_figure *f)
{
	double v = strcmp(f->goal_on, "ratio") ? f->value : f->ratio, bound;
	char op[3];

	f->goal_met = -1;
	if (sscanf(f->goal, "%2s %lf", op, &bound) != 2 || isnan(v))
		return;
	if (!strcmp(op, ">="))
		f->goal_met = v >= bound;
	else if (!strcmp(op, "<="))
		f->goal_met = v <= bound;
}

/* Six digits after the point: ratios and relative errors keep theirs whatever the unit. */
static void write_number(struct json_writer *w, const char *key, double v)
{
	jw_double(w, key, v, 6);
}

int bench_doc_write(const char *path, const struct bench_doc *d)
{
	struct json_writer *w = jw_open(path);
	int i;

	if (!w)
		return -1;
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_BENCH);
	jw_bool(w, "complete", d->complete);
	jw_arr_begin(w, "figures");
	for (i = 0; i < d->nfigures; i++) {
		const struct bench_figure *f = &d->figures[i];

		jw_obj_begin(w, NULL);
		jw_str(w, "name", f->name);
		write_number(w, "value", f->value);
		jw_str(w, "unit", f->unit);
		jw_str(w, "peer", f->peer[0] ? f->peer : NULL);
		write_number(w, "peer_value", f->peer_value);
		write_number(w, "ratio", f->ratio);
		jw_str(w, "goal", f->goal[0] ? f->goal : NULL);
		jw_str(w, "goal_on", f->goal_on);
		if (f->goal_met < 0)
			jw_null(w, "goal_met");
		else
			jw_bool(w, "goal_met", f->goal_met);
		jw_u64(w, "runs", f->runs);
		write_number(w, "min", f->min);
		write_number(w, "max", f->max);
		jw_str(w, "timing", f->timing);
		jw_str(w, "note", f->note);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (d->environment)
		jw_tree(w, "environment", d->environment);
	else
		jw_null(w, "environment");
	jw_obj_end(w);
	return jw_close(w);
}

static void copy_str(char *dst, size_t len, const cJSON *o, const char *key)
{
	snprintf(dst, len, "%s", json_str_at(o, key) ?: "");
}

int bench_doc_load(const char *path, struct bench_doc *d, char *err, size_t errlen)
{
	cJSON *doc = json_load(path, SCHEMA_BENCH, err, errlen);
	const cJSON *figs, *o;

	memset(d, 0, sizeof(*d));
	if (!doc)
		return -1;
	figs = cJSON_GetObjectItem(doc, "figures");
	if (!cJSON_IsArray(figs) || cJSON_GetArraySize(figs) > BENCH_MAX_FIGURES) {
		snprintf(err, errlen, "%s: \"figures\" is not an array of at most %d figures", path,
			 BENCH_MAX_FIGURES);
		cJSON_Delete(doc);
		return -1;
	}
	d->complete = cJSON_IsTrue(cJSON_GetObjectItem(doc, "complete"));
	cJSON_ArrayForEach(o, figs) {
		struct bench_figure *f = &d->figures[d->nfigures++];
		const cJSON *met = cJSON_GetObjectItem(o, "goal_met");

		if (!json_str_at(o, "name")) {
			snprintf(err, errlen, "%s: figure %d has no name", path, d->nfigures);
			cJSON_Delete(doc);
			return -1;
		}
		copy_str(f->name, sizeof(f->name), o, "name");
		copy_str(f->unit, sizeof(f->unit), o, "unit");
		copy_str(f->timing, sizeof(f->timing), o, "timing");
		copy_str(f->peer, sizeof(f->peer), o, "peer");
		copy_str(f->goal, sizeof(f->goal), o, "goal");
		copy_str(f->goal_on, sizeof(f->goal_on), o, "goal_on");
		copy_str(f->note, sizeof(f->note), o, "note");
		f->value = json_num(o, "value", NAN);
		f->peer_value = json_num(o, "peer_value", NAN);
		f->ratio = json_num(o, "ratio", NAN);
		f->min = json_num(o, "min", NAN);
		f->max = json_num(o, "max", NAN);
		f->runs = (int)json_num(o, "runs", 0);
		f->goal_met = cJSON_IsBool(met) ? cJSON_IsTrue(met) : -1;
	}
	d->environment = cJSON_DetachItemFromObject(doc, "environment");
	cJSON_Delete(doc);
	return 0;
}

void bench_doc_free(struct bench_doc *d)
{
	cJSON_Delete(d->environment);
	d->environment = NULL;
}

static cJSON *number_or_null(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

int bench_history_append(const char *path, const struct bench_doc *d, const char *label,
			 const char *commit)
{
	cJSON *line = cJSON_CreateObject(), *figs = cJSON_CreateObject();
	char when[32], *text;
	time_t now = time(NULL);
	FILE *f;
	int i, ret = 0;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	cJSON_AddStringToObject(line, "schema", SCHEMA_BENCH_HISTORY);
	cJSON_AddStringToObject(line, "time", when);
	cJSON_AddItemToObject(line, "label", label ? cJSON_CreateString(label) : cJSON_CreateNull());
	cJSON_AddStringToObject(line, "commit", commit);
	cJSON_AddBoolToObject(line, "complete", d->complete);
	for (i = 0; i < d->nfigures; i++) {
		const struct bench_figure *bf = &d->figures[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "value", number_or_null(bf->value));
		cJSON_AddStringToObject(o, "unit", bf->unit);
		cJSON_AddItemToObject(o, "ratio", number_or_null(bf->ratio));
		cJSON_AddItemToObject(o, "goal_met", bf->goal_met < 0 ? cJSON_CreateNull() :
				      cJSON_CreateBool(bf->goal_met));
		cJSON_AddNumberToObject(o, "runs", bf->runs);
		cJSON_AddItemToObject(o, "min", number_or_null(bf->min));
		cJSON_AddItemToObject(o, "max", number_or_null(bf->max));
		cJSON_AddItemToObject(figs, bf->name, o);
	}
	cJSON_AddItemToObject(line, "figures", figs);
	text = cJSON_PrintUnformatted(line);
	f = fopen(path, "a");
	if (!f || fprintf(f, "%s\n", text) < 0)
		ret = -1;
	if (f && fclose(f))
		ret = -1;
	free(text);
	cJSON_Delete(line);
	return ret;
}
