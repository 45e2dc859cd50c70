// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tap_parse.h"

/* KTAP and TAP 14 indent each subtest's lines by 4 spaces. */
#define SUBTEST_INDENT		"    "
#define SUBTEST_INDENT_LEN	4

const char *tap_status_name(enum tap_status s)
{
	static const char *const names[] = {
		[TAP_PASS] = "pass", [TAP_FAIL] = "fail", [TAP_SKIP] = "skip", [TAP_TODO] = "todo",
	};

	return names[s];
}

/* The text after "# WORD" (SKIP, TODO; any case, "skipped" too) in [p, end), or NULL. */
static char *directive(const char *hash, const char *end, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = hash + 1; p < end && *p == ' '; p++)
		;
	if ((size_t)(end - p) < n || strncasecmp(p, word, n))
		return NULL;
	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	return strndup(p, end - p);
}

/* The last @lines lines of [start, end), as a new string. */
static char *tail_of(const char *start, const char *end, int lines)
{
	const char *p = end;

	if (p > start && p[-1] == '\n')
		p--;
	while (p > start && lines > 0)
		if (*--p == '\n')
			lines--;
	if (lines == 0)
		p++;
	return strndup(p, end - p);
}

/* A subtest's lines in [start, end), without their indent: a document of its own. */
static char *subtest_text(const char *start, const char *end)
{
	char *text = malloc(end - start + 1), *out = text;
	const char *p = start, *eol;

	while (p < end) {
		eol = memchr(p, '\n', end - p);
		eol = eol ? eol + 1 : end;
		if (!strncmp(p, SUBTEST_INDENT, SUBTEST_INDENT_LEN)) {
			memcpy(out, p + SUBTEST_INDENT_LEN, eol - p - SUBTEST_INDENT_LEN);
			out += eol - p - SUBTEST_INDENT_LEN;
		}
		p = eol;
	}
	*out = 0;
	return text;
}

/* A subtest that failed fails its parent; a subtest needs no plan. */
static int subtest_failed(const char *start, const char *end)
{
	char *text = subtest_text(start, end);
	struct tap_result sub;
	int failed;

	if (!*text) {
		free(text);
		return 0;
	}
	tap_parse(text, &sub);
	failed = sub.failed || sub.bailed_out || (sub.planned >= 0 && sub.ran != sub.planned);
	tap_result_free(&sub);
	free(text);
	return failed;
}

/* "ok", "not ok": 1 or 0 with *@len the word's length; -1 when the line is no result. */
static int result_word(const char *p, const char *end, size_t *len)
{
	*len = !strncmp(p, "ok", 2) ? 2 : !strncmp(p, "not ok", 6) ? 6 : 0;
	if (!*len || (p + *len != end && p[*len] != ' '))
		return -1;
	return *len == 2;
}

/*
 * One result line "ok|not ok [N] [- ]DESCRIPTION [# SKIP|TODO reason]", judged with the
 * lines since the previous result (@block: diagnostics and its subtest).
 */
static void add_point(struct tap_result *r, const char *block, const char *p, const char *end)
{
	struct tap_point *pt;
	const char *hash, *d;
	char *num_end;
	size_t len;
	int ok = result_word(p, end, &len);

	r->points = realloc(r->points, (r->nr_points + 1) * sizeof(*r->points));
	pt = &r->points[r->nr_points++];
	memset(pt, 0, sizeof(*pt));
	r->ran++;
	d = p + len;
	while (d < end && *d == ' ')
		d++;
	pt->number = strtol(d, &num_end, 10);
	if (num_end == d || num_end > end)
		pt->number = r->ran;
	else
		d = num_end;
	while (d < end && *d == ' ')
		d++;
	if (end - d >= 2 && d[0] == '-' && d[1] == ' ')
		d += 2;
	hash = memchr(d, '#', end - d);
	len = (hash ?: end) - d;
	while (len && d[len - 1] == ' ')
		len--;
	pt->description = strndup(d, len);
	if (hash && (pt->reason = directive(hash, end, "SKIP")))
		pt->status = TAP_SKIP;
	else if (hash && !ok && (pt->reason = directive(hash, end, "TODO")))
		pt->status = TAP_TODO;
	else if (!ok || subtest_failed(block, p))
		pt->status = TAP_FAIL;
	else
		pt->status = TAP_PASS;

	if (pt->status == TAP_FAIL) {
		r->failed++;
		if (!r->first_failure)
			r->first_failure = pt->number;
	} else {
		r->passed++;
		r->skipped += pt->status == TAP_SKIP;
	}
	if (pt->status == TAP_FAIL || pt->status == TAP_TODO)
		pt->excerpt = tail_of(block, *end ? end + 1 : end, TAP_EXCERPT_LINES);
}

void tap_parse(const char *text, struct tap_result *r)
{
	const char *p = text, *block = text;
	size_t len;

	memset(r, 0, sizeof(*r));
	r->planned = -1;
	while (*p) {
		const char *end = strchr(p, '\n'), *next;

		if (!end)
			end = p + strlen(p);
		next = *end ? end + 1 : end;
		/* Lines that are not results at this level (indented ones belong to a subtest). */
		if (!strncmp(p, "KTAP version ", 13) || !strncmp(p, "TAP version ", 12)) {
			block = next;
		} else if (!strncmp(p, "1..", 3)) {
			const char *hash = memchr(p, '#', end - p);

			r->planned = atoi(p + 3);
			if (r->planned == 0 && hash)
				r->skip_reason = directive(hash, end, "SKIP");
			block = next;
		} else if (result_word(p, end, &len) >= 0) {
			add_point(r, block, p, end);
			block = next;
		} else if (!strncmp(p, "Bail out!", 9)) {
			r->bailed_out = 1;
		}
		p = next;
	}
}

void tap_result_free(struct tap_result *r)
{
	int i;

	for (i = 0; i < r->nr_points; i++) {
		free(r->points[i].description);
		free(r->points[i].reason);
		free(r->points[i].excerpt);
	}
	free(r->points);
	free(r->skip_reason);
	memset(r, 0, sizeof(*r));
}

int tap_passed(const struct tap_result *r)
{
	return r->planned >= 0 && r->ran == r->planned && r->failed == 0 && !r->bailed_out;
}
