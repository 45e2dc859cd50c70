/* SPDX-License-Identifier: GPL-2.0 */
/* Finding kernel trouble (WARN, BUG, oops, panic, hangs) in a guest's kernel log. */
#ifndef TCELAB_GUESTLOG_H
#define TCELAB_GUESTLOG_H

#include <stddef.h>

enum guestlog_kind {
	GUESTLOG_NONE,
	GUESTLOG_WARN,
	GUESTLOG_BUG,
	GUESTLOG_OOPS,
	GUESTLOG_PANIC,
	GUESTLOG_HANG,
};

struct guestlog_hit {
	enum guestlog_kind kind;
	size_t line;		/* 1-based line of the report's first line */
	char *excerpt;		/* malloc'd: the report, from its "cut here" line to its end */
};

/* Scan @log for the first kernel report; returns its kind (GUESTLOG_NONE when clean). */
enum guestlog_kind guestlog_scan(const char *log, struct guestlog_hit *hit);
/* How many reports of any kind @log holds. */
int guestlog_count(const char *log);
const char *guestlog_kind_name(enum guestlog_kind kind);

#endif /* TCELAB_GUESTLOG_H */
