// SPDX-License-Identifier: GPL-2.0
/*
 * Fault knob state and the checks the rest of the module makes on it, all off by default. Each
 * knob reproduces a historical bug class so that the harness can prove it detects it. This file
 * is a leaf: it calls nothing else in the module, so any file may check a knob. debugfs.c
 * exposes the state in knobs/; pin.c, table.c and debugfs.c give back what leak knobs leaked.
 */
#include <linux/delay.h>

#include "tcelab_private.h"

u32 tcelab_knobs[TCELAB_FAULT_NR];
u32 tcelab_kill_delay_us;
u32 tcelab_xchg_work;
atomic64_t tcelab_xchg_work_done;
static u64 tcelab_xchg_work_sink;
atomic_t tcelab_fail_countdown;
atomic64_t tcelab_fail_injected;
atomic64_t tcelab_fail_hits[TCELAB_FAIL_NR];

bool tcelab_fault(enum tcelab_fault f)
{
	return READ_ONCE(tcelab_knobs[f]);
}

/*
 * Counts down the armed fail_nth; true for the step that reaches zero, counted against @site
 * (iommufd_should_fail() with a name per call site).
 */
bool tcelab_fail_nth(enum tcelab_fail_site site)
{
	if (atomic_dec_if_positive(&tcelab_fail_countdown) != 0)
		return false;
	atomic64_inc(&tcelab_fail_injected);
	atomic64_inc(&tcelab_fail_hits[site]);
	return true;
}

void tcelab_kill_delay(void)
{
	u32 us = READ_ONCE(tcelab_kill_delay_us);

	if (us)
		fsleep(us);
}

/*
 * Knob 11: a fixed amount of CPU work in every exchange, a calibrated slowdown of the map path
 * (unlike a sleep, it costs the same instructions whatever the clock), for measuring whether a
 * verdict detects a regression of a known size. The dependent multiply chain cannot be folded.
 */
void tcelab_xchg_do_work(void)
{
	u32 loops = READ_ONCE(tcelab_xchg_work), i;
	u64 x = loops;

	if (!loops)
		return;
	for (i = 0; i < loops; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		barrier();
	}
	WRITE_ONCE(tcelab_xchg_work_sink, x);	/* the result is used: the loop stays */
	/* Counting the loops done makes the work, and the knob, exactly testable. */
	atomic64_add(loops, &tcelab_xchg_work_done);
}
