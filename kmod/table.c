// SPDX-License-Identifier: GPL-2.0
/*
 * TCE tables: multi-level, lower levels allocated on first use (pnv_tce()), and the two
 * operations every update goes through. tcelab_tce_xchg() and tcelab_tce_kill() are the `xchg`
 * and `kill` probe roles (iommu_tce_xchg_no_kill() and iommu_tce_kill()); never inlined.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/spinlock.h>

#include "tcelab_private.h"

static LIST_HEAD(tcelab_leaked_tables);	/* knob 12 */
static DEFINE_SPINLOCK(tcelab_leaked_lock);

static size_t tcelab_node_bytes(struct tcelab_table *tbl)
{
	return (size_t)1 << (tbl->level_shift + TCE_ENTRY_SHIFT);
}

/* What allocs/ counts @obj of @tbl as: nothing for the simulated PHB's own tables. */
static enum tcelab_obj tcelab_table_obj(struct tcelab_table *tbl, enum tcelab_obj obj)
{
	return tbl->kind == TCELAB_TABLE_HW ? TCELAB_OBJ_HW : obj;
}

static void *tcelab_node_alloc(struct tcelab_table *tbl, enum tcelab_fail_site site)
{
	return tcelab_alloc(tcelab_table_obj(tbl, TCELAB_OBJ_TABLE_LEVEL), site,
			    tcelab_node_bytes(tbl));
}

static void tcelab_node_free(struct tcelab_table *tbl, u64 *node, unsigned int level)
{
	unsigned long i;

	if (!node)
		return;
	if (level)
		for (i = 0; i < (1UL << tbl->level_shift); i++)
			tcelab_node_free(tbl, (u64 *)(unsigned long)node[i], level - 1);
	tcelab_free(tcelab_table_obj(tbl, TCELAB_OBJ_TABLE_LEVEL), node);
}

/* A window's table comes with its user-address mirror (tbl->ua). */
struct tcelab_table *tcelab_table_alloc(const struct tce_geometry *geo, u64 bus_start,
					enum tcelab_table_kind kind)
{
	enum tcelab_obj obj = kind == TCELAB_TABLE_HW ? TCELAB_OBJ_HW : TCELAB_OBJ_TABLE;
	struct tcelab_table *tbl;

	tbl = tcelab_alloc(obj, TCELAB_FAIL_TABLE, sizeof(*tbl));
	if (!tbl)
		return NULL;
	tbl->kind = kind;
	tbl->page_shift = geo->page_shift;
	tbl->levels = geo->levels;
	tbl->level_shift = geo->level_shift;
	tbl->offset = bus_start >> geo->page_shift;
	tbl->size = geo->entries;
	tbl->tces = tcelab_node_alloc(tbl, TCELAB_FAIL_TABLE_TOP);
	if (tbl->tces && kind == TCELAB_TABLE_WINDOW)
		tbl->ua = tcelab_node_alloc(tbl, TCELAB_FAIL_TABLE_TOP);
	if (!tbl->tces || (kind == TCELAB_TABLE_WINDOW && !tbl->ua)) {
		tcelab_table_free(tbl);
		return NULL;
	}
	return tbl;
}

/* The caller has cleared the entries; this frees the memory only. */
void tcelab_table_free(struct tcelab_table *tbl)
{
	if (!tbl)
		return;
	tcelab_node_free(tbl, (u64 *)tbl->tces, tbl->levels - 1);
	tcelab_node_free(tbl, tbl->ua, tbl->levels - 1);
	tcelab_free(tcelab_table_obj(tbl, TCELAB_OBJ_TABLE), tbl);
}

/* Knob 12: keep @tbl allocated, and counted, until reaped (knobs/reap or unload). */
void tcelab_table_leak(struct tcelab_table *tbl)
{
	spin_lock(&tcelab_leaked_lock);
	list_add(&tbl->leaked, &tcelab_leaked_tables);
	spin_unlock(&tcelab_leaked_lock);
}

void tcelab_tables_reap(void)
{
	struct tcelab_table *tbl, *next;
	LIST_HEAD(leaked);

	spin_lock(&tcelab_leaked_lock);
	list_splice_init(&tcelab_leaked_tables, &leaked);
	spin_unlock(&tcelab_leaked_lock);
	list_for_each_entry_safe(tbl, next, &leaked, leaked)
		tcelab_table_free(tbl);
}

bool tcelab_table_has(struct tcelab_table *tbl, u64 ioba)
{
	u64 entry = ioba >> tbl->page_shift;

	return entry >= tbl->offset && entry - tbl->offset < tbl->size;
}

/*
 * Walk to the leaf slot of @entry (absolute). Missing levels are allocated when @alloc, else
 * NULL is returned; a racing allocation of the same node loses its cmpxchg and frees its node.
 */
static u64 *tcelab_walk(struct tcelab_table *tbl, u64 *top, u64 entry, bool alloc,
			enum tcelab_fail_site site)
{
	u64 idx = entry - tbl->offset, *node = top;
	unsigned int level;

	for (level = tbl->levels - 1; level; level--) {
		u64 *slot = &node[tce_level_index(tbl->level_shift, idx, level)];
		u64 *next = (u64 *)(unsigned long)READ_ONCE(*slot);

		if (!next) {
			if (!alloc)
				return NULL;
			next = tcelab_node_alloc(tbl, site);
			if (!next)
				return NULL;
			if (cmpxchg(slot, 0, (u64)(unsigned long)next)) {
				tcelab_node_free(tbl, next, 0);
				next = (u64 *)(unsigned long)READ_ONCE(*slot);
			}
		}
		node = next;
	}
	return &node[tce_level_index(tbl->level_shift, idx, 0)];
}

__be64 *tcelab_table_entry(struct tcelab_table *tbl, u64 entry, bool alloc)
{
	return (__be64 *)tcelab_walk(tbl, (u64 *)tbl->tces, entry, alloc,
				     tbl->kind == TCELAB_TABLE_GUEST ? TCELAB_FAIL_GUEST_LEVEL :
				     TCELAB_FAIL_TABLE_LEVEL);
}

u64 *tcelab_table_ua(struct tcelab_table *tbl, u64 entry, bool alloc)
{
	return tbl->ua ? tcelab_walk(tbl, tbl->ua, entry, alloc, TCELAB_FAIL_UA_LEVEL) : NULL;
}

/*
 * First entry at or after @entry whose leaf node exists (end of table if none), so that
 * clearing a sparse window skips whole missing nodes like tce_iommu_clear() does.
 */
u64 tcelab_table_next_populated(struct tcelab_table *tbl, u64 entry)
{
	u64 end = tbl->offset + tbl->size, step = 1ULL << tbl->level_shift;

	while (entry < end && !tcelab_table_entry(tbl, entry, false))
		entry = ((entry - tbl->offset) | (step - 1)) + tbl->offset + 1;
	return min(entry, end);
}

/*
 * Fault 7: a get-then-set update, so two writers can both see and release the same page. The
 * window is wide enough that a two-CPU storm collides many times, never by luck alone.
 */
static u64 tcelab_xchg_nonatomic(__be64 *slot, u64 newtce)
{
	u64 old = be64_to_cpu(READ_ONCE(*slot));

	usleep_range(20, 40);
	WRITE_ONCE(*slot, cpu_to_be64(newtce));
	return old;
}

/*
 * Swap the TCE of @entry for one built from *@hpa and *@dir, returning the old address and
 * direction in them. A page the device could write is marked dirty on release. Fails with
 * -ENOMEM when a level cannot be allocated, or -EBUSY for fault 3.
 */
noinline long tcelab_tce_xchg(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry,
			      unsigned long *hpa, enum tce_dir *dir)
{
	u64 newtce = *dir == TCE_DIR_NONE ? 0 : tce_encode(*hpa, *dir), oldtce;
	__be64 *slot;

	tcelab_xchg_do_work();
	slot = tcelab_table_entry(tbl, entry, newtce != 0);
	if (!slot) {
		if (newtce)
			return -ENOMEM;
		*dir = TCE_DIR_NONE;	/* never populated: nothing to release */
		*hpa = 0;
		return 0;
	}
	if (newtce && tcelab_fault(TCELAB_FAULT_EBUSY_OVERWRITE) &&
	    tce_direction(be64_to_cpu(READ_ONCE(*slot))) != TCE_DIR_NONE)
		return -EBUSY;

	if (tcelab_fault(TCELAB_FAULT_NONATOMIC_XCHG))
		oldtce = tcelab_xchg_nonatomic(slot, newtce);
	else
		oldtce = be64_to_cpu(xchg(slot, cpu_to_be64(newtce)));

	*hpa = tce_to_hpa(oldtce);
	*dir = tce_direction(oldtce);
	TCELAB_COUNT(c, exchanges, 1);
	TCELAB_COUNT(c, mapped, (newtce != 0) - (*dir != TCE_DIR_NONE));
	if (tce_dir_device_writes(*dir) && !tcelab_fault(TCELAB_FAULT_NO_DIRTY)) {
		SetPageDirty(pfn_to_page(*hpa >> PAGE_SHIFT));
		TCELAB_COUNT(c, dirtied, 1);
	}
	return 0;
}

/* Invalidate the TCE cache for [entry, entry + pages): once per operation, never per entry. */
noinline void tcelab_tce_kill(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry,
			      u64 pages)
{
	tcelab_kill_delay();
	/* The simulated PHB caches nothing; a full barrier stands for the invalidate. */
	smp_mb();
	TCELAB_COUNT(c, kills, 1);
}
