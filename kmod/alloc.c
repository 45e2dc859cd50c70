// SPDX-License-Identifier: GPL-2.0
/*
 * The module's allocations: each goes through tcelab_alloc(), a fail_nth site, and is counted
 * live by type until tcelab_free() (debugfs allocs/). Every type is 0 while no container is
 * open, so a count left after a test or a job is memory the module lost track of. The groups'
 * DMA32 tables (TCELAB_OBJ_HW) belong to the simulated PHB for the module's lifetime and are
 * not counted.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "tcelab_private.h"

atomic64_t tcelab_allocs[TCELAB_OBJ_NR];

/* Zeroed memory, or NULL when it cannot be had or fail_nth fails @site. */
void *tcelab_alloc(enum tcelab_obj obj, enum tcelab_fail_site site, size_t size)
{
	void *p;

	if (tcelab_fail_nth(site))
		return NULL;
	p = kvzalloc(size, GFP_KERNEL | __GFP_NOWARN);
	if (p && obj < TCELAB_OBJ_NR)
		atomic64_inc(&tcelab_allocs[obj]);
	return p;
}

void tcelab_free(enum tcelab_obj obj, const void *p)
{
	if (!p)
		return;
	if (obj < TCELAB_OBJ_NR)
		atomic64_dec(&tcelab_allocs[obj]);
	kvfree(p);
}
