// SPDX-License-Identifier: GPL-2.0
/*
 * Fault knobs in /sys/kernel/debug/tcelab/knobs/, all off by default. Each reproduces a
 * historical bug class so that the harness can prove it detects it; `reap` gives back what a
 * leak knob leaked once no container is open, so that a test run ends balanced.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "tcelab_private.h"

static u32 tcelab_knobs[TCELAB_FAULT_NR];
static const char * const tcelab_knob_names[TCELAB_FAULT_NR] = {
	[TCELAB_FAULT_MAP_LEAK] = "map_leak",
	[TCELAB_FAULT_NO_DIRTY] = "no_dirty",
	[TCELAB_FAULT_EBUSY_OVERWRITE] = "ebusy_overwrite",
	[TCELAB_FAULT_RELEASE_LEAK] = "release_leak",
	[TCELAB_FAULT_LOCKED_VM_LEAK] = "locked_vm_leak",
	[TCELAB_FAULT_REMOVE_NO_CLEAR] = "remove_no_clear",
	[TCELAB_FAULT_NONATOMIC_XCHG] = "nonatomic_xchg",
	[TCELAB_FAULT_INDIRECT_LEAK] = "indirect_leak",
};

static u32 tcelab_kill_delay_us;	/* knob 9 */
static atomic_t tcelab_fail_countdown;	/* knob 10: the Nth fallible step fails */
static atomic64_t tcelab_fail_injected;

struct tcelab_locked_leak {
	struct list_head node;
	struct mm_struct *mm;
	unsigned long pages;
};

static LIST_HEAD(tcelab_locked_leaks);
static DEFINE_SPINLOCK(tcelab_locked_leaks_lock);

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

/* Fault 5: keep @pages charged to @mm until reaped. */
void tcelab_leak_locked_vm(struct mm_struct *mm, unsigned long pages)
{
	struct tcelab_locked_leak *leak;

	leak = kzalloc(sizeof(*leak), GFP_KERNEL | __GFP_NOFAIL);
	mmgrab(mm);
	leak->mm = mm;
	leak->pages = pages;
	spin_lock(&tcelab_locked_leaks_lock);
	list_add(&leak->node, &tcelab_locked_leaks);
	spin_unlock(&tcelab_locked_leaks_lock);
}

void tcelab_faults_reap_locked_vm(void)
{
	struct tcelab_locked_leak *leak;

	for (;;) {
		spin_lock(&tcelab_locked_leaks_lock);
		leak = list_first_entry_or_null(&tcelab_locked_leaks, struct tcelab_locked_leak,
						node);
		if (leak)
			list_del(&leak->node);
		spin_unlock(&tcelab_locked_leaks_lock);
		if (!leak)
			return;
		account_locked_vm(leak->mm, leak->pages, false);
		TCELAB_COUNT(NULL, locked_pages, -(s64)leak->pages);
		mmdrop(leak->mm);
		kfree(leak);
	}
}

/* Drop TCEs left in the groups' DMA32 tables by fault 4; their pins are reaped next. */
static void tcelab_reap_stale_tces(void)
{
	struct tcelab_table *tbl;
	enum tce_dir dir;
	unsigned long hpa;
	unsigned int i;
	u64 e;

	for (i = 0; i < tcelab_ngroups; i++) {
		tbl = tcelab_groups[i].dma32;
		for (e = tbl->offset;; e++) {
			e = tcelab_table_next_populated(tbl, e);
			if (e >= tbl->offset + tbl->size)
				break;
			dir = TCE_DIR_NONE;
			tcelab_tce_xchg(NULL, tbl, e, &hpa, &dir);
		}
	}
}

static int tcelab_reap_set(void *data, u64 val)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&tcelab_groups_lock);
	for (i = 0; i < tcelab_ngroups; i++)
		if (tcelab_groups[i].owner)
			ret = -EBUSY;
	if (!ret) {
		tcelab_reap_stale_tces();
		tcelab_pins_reap();
		tcelab_faults_reap_locked_vm();
	}
	mutex_unlock(&tcelab_groups_lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_reap_fops, NULL, tcelab_reap_set, "%llu\n");

static int tcelab_fail_nth_get(void *data, u64 *val)
{
	*val = atomic_read(&tcelab_fail_countdown);
	return 0;
}

static int tcelab_fail_nth_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&tcelab_fail_countdown, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_fail_nth_fops, tcelab_fail_nth_get, tcelab_fail_nth_set,
			 "%llu\n");

void tcelab_faults_debugfs_init(struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("knobs", parent);
	int i;

	for (i = 0; i < TCELAB_FAULT_NR; i++)
		debugfs_create_u32(tcelab_knob_names[i], 0600, dir, &tcelab_knobs[i]);
	debugfs_create_u32("kill_delay_us", 0600, dir, &tcelab_kill_delay_us);
	debugfs_create_file_unsafe("fail_nth", 0600, dir, NULL, &tcelab_fail_nth_fops);
	tcelab_debugfs_counter("fail_injected", dir, &tcelab_fail_injected);
	debugfs_create_file_unsafe("reap", 0200, dir, NULL, &tcelab_reap_fops);
}
