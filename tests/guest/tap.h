/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP version 1 (Documentation/dev-tools/ktap.rst) for the guest test programs, as kselftest
 * prints it: each program prints the version line and a plan, one "ok N name" / "not ok N name"
 * line per check, diagnostics as "# ..." before the check they explain, and exits non-zero when
 * any check failed. The test job nests each program's output as a subtest of its own document;
 * the host reads both with lib/tap_parse.c.
 */
#ifndef TCELAB_TAP_H
#define TCELAB_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_num, tap_failed;

static inline void tap_plan(int n)
{
	printf("KTAP version 1\n1..%d\n", n);
	fflush(stdout);
}

/* Record one check; returns cond so callers can stop early on a failed precondition. */
static inline int tap_check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", cond ? "ok" : "not ok", ++tap_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

/* A check that cannot run here: "ok N name # SKIP reason". */
static inline void tap_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d %s # SKIP ", ++tap_num, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Check an exact integer value and say both values when it differs. */
#define tap_eq(got, want, ...) ({						\
	long long _g = (long long)(got), _w = (long long)(want);		\
	if (_g != _w)								\
		printf("# %s = %lld, expected %lld\n", #got, _g, _w);		\
	tap_check(_g == _w, __VA_ARGS__);					\
})

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int tap_finish(void)
{
	printf("# %d passed, %d failed\n", tap_num - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* TCELAB_TAP_H */
