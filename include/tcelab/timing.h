/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timing modes: what a latency figure counts. One table, read by the host command (--timing,
 * the QEMU arguments), the probes in the guest (what they read at entry and return) and the
 * reports (the unit, and compare's refusal to mix modes).
 *
 * Under TCG every guest nanosecond is a host nanosecond, so `host` figures stretch with whatever
 * else the host runs; `insns` and `icount` count the guest's instructions, which the host's load
 * does not change.
 */
#ifndef TCELAB_TIMING_H
#define TCELAB_TIMING_H

#include <string.h>

/*
 * X(ID, name, unit, compare's default threshold in percent, what it measures). The threshold
 * is what `make validity` measured each mode to need (README "How far to trust a verdict"):
 * host time moves by tens of percent with the host's load; instruction counts do not move.
 */
#define TCELAB_TIMINGS(X)							\
	X(HOST, "host", "ns", 10,						\
	  "the guest's clock; under TCG that is host time, which a busy host stretches")	\
	X(INSNS, "insns", "insns", 3,						\
	  "instructions retired from a call's entry to its return, read from the guest's PMU")	\
	X(ICOUNT, "icount", "ns", 3,						\
	  "QEMU -icount shift=0: the guest's clock advances 1 ns per instruction")

#define TCELAB_TIMING_ENUM(id, name, unit, thr, what) TCELAB_TIMING_##id,
enum tcelab_timing { TCELAB_TIMINGS(TCELAB_TIMING_ENUM) TCELAB_NR_TIMINGS };
#undef TCELAB_TIMING_ENUM

struct tcelab_timing_info {
	const char *name;
	const char *unit;
	int threshold_pct;
	const char *what;
};

#define TCELAB_TIMING_INFO(id, n, u, t, w)					\
	[TCELAB_TIMING_##id] = { .name = n, .unit = u, .threshold_pct = t, .what = w },
static const struct tcelab_timing_info tcelab_timings[] = { TCELAB_TIMINGS(TCELAB_TIMING_INFO) };
#undef TCELAB_TIMING_INFO

/* The mode called @name, or -1. */
static inline int tcelab_timing_find(const char *name)
{
	int i;

	for (i = 0; name && i < TCELAB_NR_TIMINGS; i++)
		if (!strcmp(tcelab_timings[i].name, name))
			return i;
	return -1;
}

#endif /* TCELAB_TIMING_H */
