// SPDX-License-Identifier: GPL-2.0
/* JSON writing and loading for every document (lib/json.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hist.h"
#include "json.h"

#define JW_MAX_DEPTH	32

struct json_writer {
	FILE *f;
	char *path, *tmp;
	int depth;
	unsigned long count[JW_MAX_DEPTH];	/* values written at each level, for commas */
	bool failed;
};

struct json_writer *jw_open(const char *path)
{
	struct json_writer *w = calloc(1, sizeof(*w));
	size_t len = strlen(path) + 5;

	if (!w)
		return NULL;
	w->path = strdup(path);
	w->tmp = malloc(len);
	if (!w->path || !w->tmp)
		goto fail;
	snprintf(w->tmp, len, "%s.tmp", path);
	w->f = fopen(w->tmp, "w");
	if (w->f)
		return w;
fail:
	free(w->path);
	free(w->tmp);
	free(w);
	return NULL;
}

int jw_close(struct json_writer *w)
{
	bool failed = w->failed || w->depth;	/* a level left open is a writer's bug */
	int err = 0;

	fputc('\n', w->f);
	if (fflush(w->f) || ferror(w->f)) {
		failed = true;
		err = errno;
	}
	if (fclose(w->f) && !err) {
		failed = true;
		err = errno;
	}
	if (!failed && rename(w->tmp, w->path)) {
		failed = true;
		err = errno;
	}
	if (failed)
		unlink(w->tmp);
	free(w->path);
	free(w->tmp);
	free(w);
	if (!failed)
		return 0;
	errno = err ? err : EIO;
	return -1;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Before a value: the comma, and the member name inside an object. */
static void value_prefix(struct json_writer *w, const char *key)
{
	if (w->depth && w->count[w->depth - 1]++)
		fputc(',', w->f);
	if (key) {
		put_string(w->f, key);
		fputc(':', w->f);
	}
}

static void open_level(struct json_writer *w, const char *key, char c)
{
	value_prefix(w, key);
	fputc(c, w->f);
	if (w->depth == JW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->count[w->depth++] = 0;
}

static void close_level(struct json_writer *w, char c)
{
	if (w->depth)
		w->depth--;
	else
		w->failed = true;
	fputc(c, w->f);
}

void jw_obj_begin(struct json_writer *w, const char *key)
{
	open_level(w, key, '{');
}

void jw_obj_end(struct json_writer *w)
{
	close_level(w, '}');
}

void jw_arr_begin(struct json_writer *w, const char *key)
{
	open_level(w, key, '[');
}

void jw_arr_end(struct json_writer *w)
{
	close_level(w, ']');
}

void jw_str(struct json_writer *w, const char *key, const char *s)
{
	value_prefix(w, key);
	if (s)
		put_string(w->f, s);
	else
		fputs("null", w->f);
}

void jw_u64(struct json_writer *w, const char *key, uint64_t v)
{
	value_prefix(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_s64(struct json_writer *w, const char *key, int64_t v)
{
	value_prefix(w, key);
	fprintf(w->f, "%" PRId64, v);
}

void jw_double(struct json_writer *w, const char *key, double v, int decimals)
{
	value_prefix(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.*f", decimals, v);
	else
		fputs("null", w->f);
}

void jw_bool(struct json_writer *w, const char *key, bool v)
{
	value_prefix(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct json_writer *w, const char *key)
{
	value_prefix(w, key);
	fputs("null", w->f);
}

void jw_hex(struct json_writer *w, const char *key, uint64_t v)
{
	value_prefix(w, key);
	fprintf(w->f, "\"0x%" PRIx64 "\"", v);
}

void jw_tree(struct json_writer *w, const char *key, const cJSON *item)
{
	char *text = cJSON_PrintUnformatted(item);

	value_prefix(w, key);
	if (text)
		fputs(text, w->f);
	else
		w->failed = true;
	free(text);
}

void jw_hist_members(struct json_writer *w, const struct tcelab_hist *h, const char *unit)
{
	jw_str(w, "unit", unit);
	jw_u64(w, "count", h->count);
	jw_u64(w, "sum", h->sum);
	jw_u64(w, "min", h->min);
	jw_u64(w, "max", h->max);
	jw_u64(w, "mean", hist_mean(h));
	jw_u64(w, "p50", hist_percentile(h, 0.5));
	jw_u64(w, "p90", hist_percentile(h, 0.9));
	jw_u64(w, "p99", hist_percentile(h, 0.99));
	jw_u64(w, "p99_9", hist_percentile(h, 0.999));
}

void jw_hist(struct json_writer *w, const char *key, const struct tcelab_hist *h,
	     const char *unit, bool buckets)
{
	unsigned int i;

	jw_obj_begin(w, key);
	jw_hist_members(w, h, unit);
	if (buckets) {
		jw_u64(w, "sub_buckets", TCELAB_HIST_SUB);
		jw_arr_begin(w, "buckets");
		for (i = 0; i < TCELAB_HIST_BUCKETS; i++) {
			if (!h->buckets[i])
				continue;
			jw_arr_begin(w, NULL);
			jw_u64(w, NULL, hist_bucket_lower(i));
			jw_u64(w, NULL, i == TCELAB_HIST_BUCKETS - 1 ? 0 : hist_bucket_upper(i));
			jw_u64(w, NULL, h->buckets[i]);
			jw_arr_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

cJSON *json_load(const char *path, const char *schema, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	const char *found;
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	cJSON *doc;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len + 65536 > cap) {
			char *more = realloc(text, cap = 2 * cap + 65536);

			if (!more) {
				fclose(f);
				free(text);
				snprintf(err, errlen, "%s: out of memory", path);
				return NULL;
			}
			text = more;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	doc = cJSON_ParseWithLength(text, len);
	if (!doc) {
		const char *at = cJSON_GetErrorPtr();

		snprintf(err, errlen, "%s: not valid JSON (at byte %ld)", path,
			 at && at >= text && at <= text + len ? (long)(at - text) : -1L);
		free(text);
		return NULL;
	}
	free(text);
	found = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "schema"));
	if (schema && (!found || strcmp(found, schema))) {
		snprintf(err, errlen, "%s: schema %s, expected %s", path, found ? found : "missing",
			 schema);
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

const cJSON *json_at(const cJSON *doc, const char *path)
{
	const char *p = path;
	char key[128];

	while (doc && *p) {
		size_t len = strcspn(p, ".");

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, p, len);
		key[len] = 0;
		doc = cJSON_GetObjectItemCaseSensitive(doc, key);
		p += len + (p[len] == '.');
	}
	return doc;
}

double json_num(const cJSON *doc, const char *path, double dflt)
{
	const cJSON *v = json_at(doc, path);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

const char *json_str_at(const cJSON *doc, const char *path)
{
	return cJSON_GetStringValue(json_at(doc, path));
}
