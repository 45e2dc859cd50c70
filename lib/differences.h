/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmod/DIFFERENCES.md, read: every deliberate difference of tcelab from upstream, and for
 * those a trace's return codes can show, the key the oracle matches a mismatch against:
 * "OP upstream=CODE tcelab=CODE when=CONDITION".
 */
#ifndef TCELAB_DIFFERENCES_H
#define TCELAB_DIFFERENCES_H

#include <stddef.h>
#include <stdint.h>

#include "lib/trace.h"

#define DIFFERENCES_MAX		64
#define DIFFERENCE_CODES	4
/* upstream=BUG: the upstream code hits a BUG_ON or a WARN, its return code means nothing. */
#define DIFFERENCE_BUG		INT64_MIN

struct difference {
	char id[48];
	unsigned long line;		/* of its row */
	int has_key;			/* 0: no trace can show it (oracle key "-") */
	enum trace_op op;
	int64_t upstream;		/* upstream's return code, or DIFFERENCE_BUG */
	int64_t tcelab[DIFFERENCE_CODES];	/* the trace's ret=, one of these */
	unsigned int nr_tcelab;
	unsigned int when;		/* index into the conditions */
	unsigned long hits;
	/*
	 * Its "diff key" cell, for the differential (replay/diff.c): "-" or keys separated by
	 * ';', each "KIND OP upstream=RESULT tcelab=RESULT" (kmod/DIFFERENCES.md).
	 */
	char diff_key[256];
};

struct differences {
	char path[512];
	unsigned int nr;
	struct difference d[DIFFERENCES_MAX];
};

/* Reads the table: 0, or -1 with "FILE:LINE: what was expected" in @err. */
int differences_load(struct differences *ds, const char *path, char *err, size_t errlen);

/*
 * The detector's own test: row @id's diff key taken out of the table, so that the divergences
 * it declares must be found. 0, or -1 when the table has no row @id.
 */
int differences_undeclare(struct differences *ds, const char *id);

/* What a condition sees of a record: the trace's guest and the record's window, if any. */
struct difference_ctx {
	const struct trace_header *header;
	const struct trace_window *window;
	unsigned int host_page_shift;	/* upstream's PAGE_SHIFT */
};

/*
 * The declared difference explaining @r getting @upstream (or DIFFERENCE_BUG) instead of its
 * ret=, counted as a hit; or NULL.
 */
struct difference *differences_match(struct differences *ds, const struct difference_ctx *ctx,
				     const struct trace_record *r, int64_t upstream);
/*
 * A declared difference whose op and condition @r has, whatever the return codes (they can
 * agree while the entries written differ), not counted; or NULL.
 */
struct difference *differences_applies(struct differences *ds, const struct difference_ctx *ctx,
				       const struct trace_record *r);

/*
 * The declared difference whose diff key has "@kind @op upstream=@upstream tcelab=@tcelab"
 * (a RESULT ending in '*' matches any that starts as it does), counted as a hit; or NULL.
 */
struct difference *differences_match_diff(struct differences *ds, const char *kind,
					  const char *op, const char *upstream,
					  const char *tcelab);

#endif /* TCELAB_DIFFERENCES_H */
