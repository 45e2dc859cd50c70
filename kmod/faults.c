// SPDX-License-Identifier: GPL-2.0
/*
 * Fault knob state and the checks the rest of the module makes on it, all off by default. Each
 * knob reproduces a historical bug class so that the harness can prove it detects it. This file
 * is a leaf: it calls nothing else in the module, so any file may check a knob. debugfs.c
 * exposes the state in knobs/; pin.c and debugfs.c give back what leak knobs leaked.
 */
#include <linux/delay.h>
#include <linux/slab.h>

#include "tcelab_private.h"

u32 tcelab_knobs[TCELAB_FAULT_NR];
u32 tcelab_kill_delay_us;
atomic_t tcelab_fail_countdown;
atomic64_t tcelab_fail_injected;

bool tcelab_fault(enum tcelab_fault f)
{
	return READ_ONCE(tcelab_knobs[f]);
}

/* Counts down the armed fail_nth; true for the step that reaches zero. */
bool tcelab_fail_nth(void)
{
	if (atomic_dec_if_positive(&tcelab_fail_countdown) != 0)
		return false;
	atomic64_inc(&tcelab_fail_injected);
	return true;
}

void tcelab_kill_delay(void)
{
	u32 us = READ_ONCE(tcelab_kill_delay_us);

	if (us)
		fsleep(us);
}

void *tcelab_kzalloc(size_t size)
{
	return tcelab_fail_nth() ? NULL : kzalloc(size, GFP_KERNEL);
}
