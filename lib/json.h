/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON for every document, host and guest: a streaming writer (a document of any size needs no
 * tree in memory, and histograms have one shape wherever they are written) and cJSON-based
 * loading that checks the document's schema id (include/tcelab/schema.h).
 */
#ifndef TCELAB_JSON_H
#define TCELAB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <tcelab/hist_layout.h>

struct json_writer;

/*
 * Write a document to @path: it goes to @path.tmp and jw_close() renames it over @path, so a
 * reader never sees half a document. NULL (errno set) when @path.tmp cannot be created.
 */
struct json_writer *jw_open(const char *path);
/* Finish the document: 0, or -1 (errno) when any write failed; then @path is left untouched. */
int jw_close(struct json_writer *w);

/* Every value takes a member name @key inside an object, and NULL inside an array. */
void jw_obj_begin(struct json_writer *w, const char *key);
void jw_obj_end(struct json_writer *w);
void jw_arr_begin(struct json_writer *w, const char *key);
void jw_arr_end(struct json_writer *w);
void jw_str(struct json_writer *w, const char *key, const char *s);	/* NULL: null */
void jw_u64(struct json_writer *w, const char *key, uint64_t v);
void jw_s64(struct json_writer *w, const char *key, int64_t v);
/* A number printed with @decimals digits after the point (seconds, ratios). */
void jw_double(struct json_writer *w, const char *key, double v, int decimals);
void jw_bool(struct json_writer *w, const char *key, bool v);
void jw_null(struct json_writer *w, const char *key);
/* "0x..." : kernel addresses do not fit a JSON reader's 53-bit numbers. */
void jw_hex(struct json_writer *w, const char *key, uint64_t v);
/* A parsed document or part of one, embedded whole: how one document joins another. */
void jw_tree(struct json_writer *w, const char *key, const cJSON *item);

/*
 * The one shape of a latency histogram: {"unit": @unit ("ns", or "insns": include/tcelab/
 * timing.h), count, sum, min, max, mean, p50, p90, p99, p99_9} and, with @buckets,
 * "sub_buckets" and "buckets": [[lower, upper (0: open), n]...] of the non-empty ones.
 * jw_hist_members() writes the summary members into an open object.
 */
void jw_hist(struct json_writer *w, const char *key, const struct tcelab_hist *h,
	     const char *unit, bool buckets);
void jw_hist_members(struct json_writer *w, const struct tcelab_hist *h, const char *unit);

/*
 * The document in @path, whose "schema" must be @schema (NULL: any). NULL with the reason in
 * @err when it cannot be read, is not JSON or is another document.
 */
cJSON *json_load(const char *path, const char *schema, char *err, size_t errlen);
/* The member of @doc at a dotted @path ("roles.pin.count"), or NULL. */
const cJSON *json_at(const cJSON *doc, const char *path);
/* Its number, or @dflt when it is missing or not a number. */
double json_num(const cJSON *doc, const char *path, double dflt);
/* Its string, or NULL. */
const char *json_str_at(const cJSON *doc, const char *path);

#endif /* TCELAB_JSON_H */
