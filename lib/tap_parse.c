// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tap_parse.h"

static int has_directive(const char *line, const char *end, const char *word)
{
	const char *hash = memchr(line, '#', end - line);
	size_t n = strlen(word);

	if (!hash)
		return 0;
	for (hash++; hash < end && *hash == ' '; hash++)
		;
	return (size_t)(end - hash) >= n && !strncasecmp(hash, word, n);
}

void tap_parse(const char *text, struct tap_result *r)
{
	const char *p = text;

	memset(r, 0, sizeof(*r));
	r->planned = -1;
	while (*p) {
		const char *end = strchr(p, '\n');
		int num;

		if (!end)
			end = p + strlen(p);
		/* Indented lines belong to subtests; '#' lines are diagnostics. */
		if (!strncmp(p, "1..", 3)) {
			r->planned = atoi(p + 3);
		} else if (!strncmp(p, "ok", 2) && (p[2] == ' ' || p + 2 == end)) {
			r->ran++;
			r->passed++;
			if (has_directive(p, end, "SKIP"))
				r->skipped++;
		} else if (!strncmp(p, "not ok", 6) && (p[6] == ' ' || p + 6 == end)) {
			r->ran++;
			if (has_directive(p, end, "TODO")) {
				r->passed++;
			} else {
				r->failed++;
				num = atoi(p + 6);
				if (!r->first_failure)
					r->first_failure = num ? num : r->ran;
			}
		} else if (!strncmp(p, "Bail out!", 9)) {
			r->bailed_out = 1;
		}
		p = *end ? end + 1 : end;
	}
}

int tap_passed(const struct tap_result *r)
{
	return r->planned >= 0 && r->ran == r->planned && r->failed == 0 && !r->bailed_out;
}
