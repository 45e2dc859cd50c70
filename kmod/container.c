// SPDX-License-Identifier: GPL-2.0
/*
 * Containers and simulated IOMMU groups (vfio_iommu_spapr_tce.c): IOMMU type, group
 * ownership, v1 enable/disable, DDW windows, and release. Groups are PEs with a DMA32 window
 * at 0 and DDW capabilities from the module parameters.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include "tcelab_private.h"

struct tcelab_pe tcelab_groups[TCELAB_MAX_GROUPS];
DEFINE_MUTEX(tcelab_groups_lock);	/* group ownership */
static atomic_t tcelab_next_id;

static u64 tcelab_dma32_size(void)
{
	return (u64)tcelab_dma32_mb << 20;
}

int tcelab_groups_init(void)
{
	struct tce_geometry geo;
	unsigned int i;
	int ret;

	/* The kernel's own DMA32 table: 4K pages, two levels (POWERNV_IOMMU_DEFAULT_LEVELS). */
	ret = tce_table_geometry(12, tcelab_dma32_size(), 2, TCE_MAX_LEVELS, PAGE_SHIFT, &geo);
	if (ret)
		return ret;
	for (i = 0; i < tcelab_ngroups; i++) {
		tcelab_groups[i].id = i;
		tcelab_groups[i].dma32 = tcelab_table_alloc(&geo, 0, TCELAB_TABLE_HW);
		if (!tcelab_groups[i].dma32) {
			tcelab_groups_exit();
			return -ENOMEM;
		}
		tcelab_groups[i].tables[0] = tcelab_groups[i].dma32;
	}
	return 0;
}

void tcelab_groups_exit(void)
{
	unsigned int i;

	for (i = 0; i < tcelab_ngroups; i++) {
		tcelab_table_free(tcelab_groups[i].dma32);
		tcelab_groups[i].dma32 = NULL;
	}
}

struct tcelab_container *tcelab_container_create(void)
{
	struct tcelab_container *c;

	c = tcelab_alloc(TCELAB_OBJ_CONTAINER, TCELAB_FAIL_CONTAINER, sizeof(*c));
	if (!c)
		return NULL;
	init_rwsem(&c->lock);
	INIT_LIST_HEAD(&c->prereg);
	INIT_LIST_HEAD(&c->liobns);
	c->id = atomic_inc_return(&tcelab_next_id);
	c->mm = current->mm;
	mmgrab(c->mm);
	tcelab_debugfs_container_add(c);
	return c;
}

long tcelab_set_iommu(struct tcelab_container *c, unsigned long type)
{
	long ret = 0;

	if (type != TCELAB_SPAPR_TCE_IOMMU && type != TCELAB_SPAPR_TCE_v2_IOMMU)
		return -EINVAL;
	down_write(&c->lock);
	if (c->type)
		ret = -EBUSY;
	else
		c->type = type;
	up_write(&c->lock);
	return ret;
}

struct tcelab_table *tcelab_find_table(struct tcelab_table **tables, u64 ioba)
{
	int i;

	for (i = 0; i < TCE_MAX_WINDOWS; i++)
		if (tables[i] && tcelab_table_has(tables[i], ioba))
			return tables[i];
	return NULL;
}

/* Called with c->lock held for writing. */
static long tcelab_do_attach(struct tcelab_container *c, struct tcelab_pe *grp)
{
	int i;

	if (grp->owner)
		return -EBUSY;
	/* v1 has no DDW ops: it can take one group only (tce_iommu_attach_group()). */
	if (!tcelab_v2(c) && c->ngroups)
		return -EBUSY;
	if (tcelab_fail_nth(TCELAB_FAIL_GROUP_ATTACH))
		return -ENOMEM;

	if (!tcelab_v2(c)) {
		for (i = 0; i < TCE_MAX_WINDOWS; i++)
			c->tables[i] = grp->tables[i];
	} else {
		/* take_ownership drops the kernel's DMA32 table; the container's windows go in. */
		for (i = 0; i < TCE_MAX_WINDOWS; i++)
			grp->tables[i] = c->tables[i];
		if (!c->ngroups && !c->tables[0])
			c->def_window_pending = true;
	}
	grp->owner = c;
	c->groups[c->ngroups++] = grp;
	return 0;
}

long tcelab_attach_group(struct tcelab_container *c, u32 id)
{
	long ret;

	if (id >= tcelab_ngroups)
		return -ENODEV;
	down_write(&c->lock);
	if (!c->type) {
		ret = -EPERM;
	} else {
		mutex_lock(&tcelab_groups_lock);
		ret = tcelab_do_attach(c, &tcelab_groups[id]);
		mutex_unlock(&tcelab_groups_lock);
	}
	up_write(&c->lock);
	return ret;
}

/* Called with c->lock held for writing; @clear is false only for fault 4. */
static void tcelab_do_detach(struct tcelab_container *c, unsigned int slot, bool clear)
{
	struct tcelab_pe *grp = c->groups[slot];
	struct tcelab_table *tbl;
	int i;

	mutex_lock(&tcelab_groups_lock);
	grp->owner = NULL;
	c->groups[slot] = c->groups[--c->ngroups];
	mutex_unlock(&tcelab_groups_lock);

	for (i = 0; i < TCE_MAX_WINDOWS; i++) {
		tbl = c->tables[i];
		if (!tcelab_v2(c)) {
			/* The group's own table: leave it clean (iommu_release_ownership()). */
			if (tbl && clear)
				tcelab_clear(c, tbl, tbl->offset, tbl->size, true);
			c->tables[i] = NULL;
		} else {
			grp->tables[i] = NULL;
		}
	}
	/* release_ownership restores the kernel's default DMA configuration. */
	grp->tables[0] = grp->dma32;
}

static void tcelab_do_unset_iommu(struct tcelab_container *c, bool clear);

long tcelab_detach_group(struct tcelab_container *c, u32 id)
{
	unsigned int i;
	long ret = -ENODEV;

	down_write(&c->lock);
	for (i = 0; i < c->ngroups; i++) {
		if (c->groups[i]->id == id) {
			tcelab_do_detach(c, i, true);
			if (!c->ngroups)
				tcelab_do_unset_iommu(c, true);
			ret = 0;
			break;
		}
	}
	up_write(&c->lock);
	return ret;
}

/*
 * v1 charges the whole DMA32 window up front: the map path is too hot to account per page
 * (see the comment in tce_iommu_enable()).
 */
long tcelab_enable(struct tcelab_container *c)
{
	unsigned long locked = tcelab_dma32_size() >> PAGE_SHIFT;
	long ret;

	down_write(&c->lock);
	if (c->enabled) {
		ret = -EBUSY;
	} else if (!c->ngroups) {
		ret = -ENODEV;
	} else {
		c->mm_set = true;	/* tce_iommu_mm_set(), before the charge */
		ret = tcelab_account(c, locked, true);
	}
	if (!ret) {
		c->locked_pages = locked;
		c->enabled = true;
	}
	up_write(&c->lock);
	return ret;
}

/* Called with c->lock held for writing, or from release. */
static void tcelab_do_disable(struct tcelab_container *c)
{
	if (!c->enabled)
		return;
	c->enabled = false;
	if (tcelab_fault(TCELAB_FAULT_LOCKED_VM_LEAK))
		tcelab_leak_locked_vm(c->mm, c->locked_pages);
	else
		tcelab_account(c, c->locked_pages, false);
	c->locked_pages = 0;
}

void tcelab_disable(struct tcelab_container *c)
{
	down_write(&c->lock);
	tcelab_do_disable(c);
	up_write(&c->lock);
}

long tcelab_get_info(struct tcelab_container *c, struct tcelab_spapr_tce_info *info)
{
	down_read(&c->lock);
	if (!c->ngroups) {
		up_read(&c->lock);
		return -ENXIO;
	}
	info->dma32_window_start = 0;
	info->dma32_window_size = tcelab_dma32_size();
	info->flags = 0;
	memset(&info->ddw, 0, sizeof(info->ddw));
	if (tcelab_v2(c)) {
		info->flags |= TCELAB_SPAPR_INFO_DDW;
		info->ddw.pgsizes = tcelab_pgsizes;
		info->ddw.max_dynamic_windows_supported = TCE_MAX_WINDOWS;
		info->ddw.levels = TCE_MAX_LEVELS;
	}
	up_read(&c->lock);
	return 0;
}

/* Called with c->lock held for writing. */
static long tcelab_do_create_window(struct tcelab_container *c, u32 page_shift,
				    u64 window_size, u32 levels, u64 *start_addr)
{
	struct tcelab_table *tbl;
	struct tce_geometry geo;
	unsigned long charge;
	unsigned int i;
	int num;
	long ret;

	for (num = 0; num < TCE_MAX_WINDOWS && c->tables[num]; num++)
		;
	if (num == TCE_MAX_WINDOWS)
		return -ENOSPC;
	if (!c->ngroups)
		return -ENXIO;
	if (!tce_page_size_supported(tcelab_pgsizes, page_shift))
		return -EINVAL;
	ret = tce_table_geometry(page_shift, window_size, levels, TCE_MAX_LEVELS, PAGE_SHIFT,
				 &geo);
	if (ret)
		return ret;
	/*
	 * pnv_pci_ioda2_table_alloc_pages() sizes the window by its table, at least a system
	 * page of TCEs: a smaller window comes out that many IOMMU pages long.
	 */
	geo.entries = max_t(u64, geo.entries, PAGE_SIZE >> TCE_ENTRY_SHIFT);

	charge = DIV_ROUND_UP(geo.worst_bytes, PAGE_SIZE);
	ret = tcelab_account(c, charge, true);
	if (ret)
		return ret;
	tbl = tcelab_table_alloc(&geo, num ? TCELAB_DDW_START : 0, TCELAB_TABLE_WINDOW);
	if (!tbl) {
		tcelab_account(c, charge, false);
		return -ENOMEM;
	}
	tbl->charged = charge;
	for (i = 0; i < c->ngroups; i++)
		c->groups[i]->tables[num] = tbl;
	c->tables[num] = tbl;
	*start_addr = tcelab_table_start(tbl);
	return 0;
}

/* The v2 default window is created on first use (tce_iommu_create_default_window()). */
static long tcelab_do_create_default_window(struct tcelab_container *c)
{
	u64 start;
	long ret;

	if (!c->def_window_pending)
		return 0;
	if (!c->ngroups)
		return -ENODEV;
	ret = tcelab_do_create_window(c, 12, tcelab_dma32_size(), 1, &start);
	if (!ret)
		c->def_window_pending = false;
	return ret;
}

long tcelab_create_default_window(struct tcelab_container *c)
{
	long ret;

	if (!READ_ONCE(c->def_window_pending))
		return 0;
	down_write(&c->lock);
	ret = tcelab_do_create_default_window(c);
	up_write(&c->lock);
	return ret;
}

long tcelab_create_window(struct tcelab_container *c, u32 page_shift, u64 window_size,
			  u32 levels, u64 *start_addr)
{
	long ret;

	down_write(&c->lock);
	ret = tcelab_v2_only(c);
	if (!ret && !c->ngroups)
		ret = -ENXIO;
	if (!ret)
		ret = tcelab_do_create_default_window(c);
	if (!ret)
		ret = tcelab_do_create_window(c, page_shift, window_size, levels, start_addr);
	up_write(&c->lock);
	return ret;
}

/* Called with c->lock held for writing. Fault 12 keeps the table allocated. */
static void tcelab_free_window(struct tcelab_container *c, int num, bool clear)
{
	struct tcelab_table *tbl = c->tables[num];

	tcelab_clear(c, tbl, tbl->offset, tbl->size, clear);
	tcelab_account(c, tbl->charged, false);
	if (tcelab_fault(TCELAB_FAULT_LEAK_TABLE))
		tcelab_table_leak(tbl);
	else
		tcelab_table_free(tbl);
	c->tables[num] = NULL;
}

long tcelab_remove_window(struct tcelab_container *c, u64 start_addr)
{
	unsigned int i;
	long ret = -EINVAL;
	int num;

	down_write(&c->lock);
	if (!tcelab_v2(c)) {
		/* A v1 container's window is the group's DMA32 table: never to be freed. */
		ret = tcelab_v2_only(c);
	} else if (!c->ngroups) {
		ret = -ENXIO;
	} else if (c->def_window_pending && !start_addr) {
		/* Removing the default window before it exists just cancels it. */
		c->def_window_pending = false;
		ret = 0;
	} else {
		for (num = 0; num < TCE_MAX_WINDOWS; num++) {
			if (!c->tables[num] || !tcelab_table_has(c->tables[num], start_addr))
				continue;
			for (i = 0; i < c->ngroups; i++)
				c->groups[i]->tables[num] = NULL;
			tcelab_free_window(c, num,
					   !tcelab_fault(TCELAB_FAULT_REMOVE_NO_CLEAR));
			ret = 0;
			break;
		}
	}
	up_write(&c->lock);
	return ret;
}

/*
 * The IOMMU type's state goes: the container's own windows, preregistered memory and the v1
 * charge. Called with c->lock held for writing, with no group left: at the last close, and
 * when the last group is detached, which in VFIO deprivileges the container
 * (vfio_group_detach_container() releases the IOMMU driver): SET_IOMMU is needed again.
 */
static void tcelab_do_unset_iommu(struct tcelab_container *c, bool clear)
{
	int i;

	for (i = 0; i < TCE_MAX_WINDOWS; i++)
		if (tcelab_v2(c) && c->tables[i])
			tcelab_free_window(c, i, clear);
	tcelab_prereg_release_all(c, clear);
	tcelab_do_disable(c);
	c->type = 0;
	c->enabled = false;
	c->def_window_pending = false;
	c->mm_set = false;
}

/*
 * Last close: detach every group, free the container's own windows, release preregistered
 * memory and the v1 charge. Fault 4 skips clearing, leaving TCEs and pins behind.
 */
void tcelab_container_release(struct tcelab_container *c)
{
	bool clear = !tcelab_fault(TCELAB_FAULT_RELEASE_LEAK);

	tcelab_debugfs_container_remove(c);
	down_write(&c->lock);
	while (c->ngroups)
		tcelab_do_detach(c, 0, clear);
	tcelab_do_unset_iommu(c, clear);
	tcelab_liobns_free(c);
	up_write(&c->lock);
	mmdrop(c->mm);
	tcelab_free(TCELAB_OBJ_CONTAINER, c);
}
