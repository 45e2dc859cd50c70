// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "guestlog.h"

/* What the kernel prints first when something is wrong, by kind. */
static const struct {
	const char *needle;
	enum guestlog_kind kind;
} patterns[] = {
	{ "Kernel panic - not syncing", GUESTLOG_PANIC },
	{ "WARNING: CPU:", GUESTLOG_WARN },
	{ "kernel BUG at", GUESTLOG_BUG },
	{ "BUG:", GUESTLOG_BUG },
	{ "UBSAN:", GUESTLOG_BUG },
	{ "Oops:", GUESTLOG_OOPS },
	{ "Oops -", GUESTLOG_OOPS },
	{ "Unable to handle kernel", GUESTLOG_OOPS },
	{ "general protection fault", GUESTLOG_OOPS },
	{ "blocked for more than", GUESTLOG_HANG },
	{ "rcu_sched detected stall", GUESTLOG_HANG },
	{ "rcu: INFO: rcu_preempt detected stall", GUESTLOG_HANG },
};

#define CUT_HERE "------------[ cut here ]------------"
#define END_TRACE "---[ end trace"
#define EXCERPT_MAX_LINES 40

const char *guestlog_kind_name(enum guestlog_kind kind)
{
	switch (kind) {
	case GUESTLOG_WARN: return "kernel WARN";
	case GUESTLOG_BUG: return "kernel BUG";
	case GUESTLOG_OOPS: return "kernel oops";
	case GUESTLOG_PANIC: return "kernel panic";
	case GUESTLOG_HANG: return "kernel hang/stall";
	default: return "none";
	}
}

static enum guestlog_kind line_kind(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (memmem(line, len, patterns[i].needle, strlen(patterns[i].needle)))
			return patterns[i].kind;
	return GUESTLOG_NONE;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

static char *excerpt(const char *from)
{
	const char *p = from;
	int n;

	for (n = 0; *p && n < EXCERPT_MAX_LINES; n++) {
		const char *next = next_line(p);

		if (memmem(p, next - p, END_TRACE, strlen(END_TRACE))) {
			p = next;
			break;
		}
		p = next;
	}
	return strndup(from, p - from);
}

enum guestlog_kind guestlog_scan(const char *log, struct guestlog_hit *hit)
{
	const char *p = log, *cut = NULL;
	size_t line = 1, cut_line = 0;

	memset(hit, 0, sizeof(*hit));
	for (; *p; p = next_line(p), line++) {
		const char *next = next_line(p);
		enum guestlog_kind kind;

		if (memmem(p, next - p, CUT_HERE, strlen(CUT_HERE))) {
			cut = p;
			cut_line = line;
			continue;
		}
		kind = line_kind(p, next - p);
		if (kind == GUESTLOG_NONE)
			continue;
		/* A report starts at its "cut here" marker when it has one just before. */
		if (cut && line - cut_line <= 2) {
			hit->line = cut_line;
			hit->excerpt = excerpt(cut);
		} else {
			hit->line = line;
			hit->excerpt = excerpt(p);
		}
		hit->kind = kind;
		return kind;
	}
	return GUESTLOG_NONE;
}

int guestlog_count(const char *log)
{
	const char *p;
	int n = 0;

	for (p = log; *p; p = next_line(p))
		if (line_kind(p, next_line(p) - p) != GUESTLOG_NONE)
			n++;
	return n;
}
