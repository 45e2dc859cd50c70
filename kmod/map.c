// SPDX-License-Identifier: GPL-2.0
/*
 * MAP_DMA / UNMAP_DMA (tce_iommu_build(), tce_iommu_build_v2(), tce_iommu_clear()): v1 pins
 * each page, v2 takes a mapping reference on preregistered memory. Writing over a valid entry
 * is legal and releases the old page; a failure clears what the call had mapped.
 */
#include <linux/mm.h>
#include <linux/sched.h>

#include "tcelab_private.h"

/* The IOMMU page must not be bigger than the page backing it (tce_page_is_contained()). */
static bool tcelab_page_is_contained(struct page *page, unsigned int shift)
{
	return page_shift(compound_head(page)) >= shift;
}

/*
 * Record user address @ua (0: none) in @entry's mirror slot @pua and drop the mapping reference
 * of the address it held (tce_iommu_unuse_page_v2()). The TCE and its user address are two
 * exchanges, not one, so concurrent writers of an entry may pair them differently; but each
 * reference taken is stored in the mirror once and dropped once, when it leaves the mirror. A
 * read-then-write of the slot here let two writers drop one reference and leak another, and the
 * region could then never be unregistered.
 */
void tcelab_ua_set(struct tcelab_container *c, struct tcelab_table *tbl, u64 *pua, u64 ua)
{
	struct tcelab_prereg *mem;
	u64 old = xchg(pua, ua);

	if (!old)
		return;
	mem = tcelab_prereg_lookup(c, old, 1ULL << tbl->page_shift);
	if (mem)
		tcelab_prereg_mapped_dec(mem);
}

/* Drop the v2 mapping reference recorded for @entry, if any. */
void tcelab_unuse_v2(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry)
{
	u64 *pua = tcelab_table_ua(tbl, entry, false);

	if (pua)
		tcelab_ua_set(c, tbl, pua, 0);
}

/*
 * Clear [entry, entry + pages) and invalidate once. With @release false (fault knobs) the
 * entries are dropped but their pins or mapping references are kept: a leak.
 */
void tcelab_clear(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry, u64 pages,
		  bool release)
{
	u64 first = entry, last = entry + pages;
	enum tce_dir dir;
	unsigned long hpa;

	for (;; entry++) {
		/* Skip leaf nodes never allocated: nothing there to clear. */
		entry = tcelab_table_next_populated(tbl, entry);
		if (entry >= last)
			break;
		cond_resched();
		dir = TCE_DIR_NONE;
		hpa = 0;
		if (tcelab_tce_xchg(c, tbl, entry, &hpa, &dir) || !release)
			continue;
		/* Even for a cleared TCE: a racing writer may have stored its address since. */
		if (tcelab_v2(c))
			tcelab_unuse_v2(c, tbl, entry);
		else if (dir != TCE_DIR_NONE)
			tcelab_unpin_hpa(c, hpa);
	}
	tcelab_tce_kill(c, tbl, first, pages);
}

static long tcelab_build(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry,
			 u64 tce, u64 pages, enum tce_dir dir)
{
	u64 pgsize = 1ULL << tbl->page_shift, i;
	enum tce_dir olddir;
	unsigned long hpa;
	struct page *page;
	long ret = 0;

	for (i = 0; i < pages; i++, tce += pgsize) {
		ret = tcelab_pin(c, tce, dir != TCE_DIR_TO_DEVICE, &page);
		if (ret)
			break;
		if (!tcelab_page_is_contained(page, tbl->page_shift)) {
			tcelab_unpin(c, page, false);
			ret = -EPERM;
			break;
		}
		/* Offset of a small IOMMU page inside a bigger system page. */
		hpa = PFN_PHYS(page_to_pfn(page)) | (tce & ~PAGE_MASK);
		olddir = dir;
		ret = tcelab_tce_xchg(c, tbl, entry + i, &hpa, &olddir);
		if (ret) {
			tcelab_unpin(c, page, false);
			break;
		}
		if (olddir != TCE_DIR_NONE)
			tcelab_unpin_hpa(c, hpa);
	}
	if (ret)
		tcelab_clear(c, tbl, entry, i, !tcelab_fault(TCELAB_FAULT_MAP_LEAK));
	else
		tcelab_tce_kill(c, tbl, entry, pages);
	return ret;
}

static long tcelab_build_v2(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry,
			    u64 tce, u64 pages, enum tce_dir dir)
{
	u64 pgsize = 1ULL << tbl->page_shift, i, *ua;
	struct tcelab_prereg *mem;
	enum tce_dir olddir;
	unsigned long hpa;
	long ret = 0;

	for (i = 0; i < pages; i++, tce += pgsize) {
		ua = tcelab_table_ua(tbl, entry + i, true);
		if (!ua) {
			ret = -ENOMEM;
			break;
		}
		mem = tcelab_prereg_lookup(c, tce, pgsize);
		if (!mem || tcelab_prereg_ua_to_hpa(mem, tce, tbl->page_shift, &hpa)) {
			ret = -EINVAL;
			break;
		}
		/* The region is being unregistered. */
		if (!atomic64_inc_not_zero(&mem->mapped)) {
			ret = -EBUSY;
			break;
		}
		olddir = dir;
		ret = tcelab_tce_xchg(c, tbl, entry + i, &hpa, &olddir);
		if (ret) {
			tcelab_prereg_mapped_dec(mem);
			break;
		}
		tcelab_ua_set(c, tbl, ua, tce);
	}
	if (ret)
		tcelab_clear(c, tbl, entry, i, !tcelab_fault(TCELAB_FAULT_MAP_LEAK));
	else
		tcelab_tce_kill(c, tbl, entry, pages);
	return ret;
}

/*
 * The checks MAP and UNMAP share, in VFIO_IOMMU_MAP_DMA's order (ENABLE and the argument's
 * own come first, in the ioctl): the default window, a window at @iova (-ENXIO), @size and
 * @vaddr aligned to its IOMMU page (-EINVAL). On success returns with c->lock held shared.
 */
static long tcelab_dma_prepare(struct tcelab_container *c, u64 iova, u64 size, u64 vaddr,
			       struct tcelab_table **tblp)
{
	struct tcelab_table *tbl;
	u64 mask;
	long ret;

	ret = tcelab_create_default_window(c);
	if (ret)
		return ret;
	down_read(&c->lock);
	tbl = tcelab_find_table(c->tables, iova);
	if (!tbl) {
		up_read(&c->lock);
		return -ENXIO;
	}
	mask = (1ULL << tbl->page_shift) - 1;
	if ((size & mask) || (vaddr & mask)) {
		up_read(&c->lock);
		return -EINVAL;
	}
	*tblp = tbl;
	return 0;
}

long tcelab_map_dma(struct tcelab_container *c, struct tcelab_dma_map *map)
{
	enum tce_dir dir = tce_dir_from_map_flags(map->flags);
	struct tcelab_table *tbl;
	u64 entry, pages;
	long ret;

	ret = tcelab_dma_prepare(c, map->iova, map->size, map->vaddr, &tbl);
	if (ret)
		return ret;
	entry = map->iova >> tbl->page_shift;
	pages = map->size >> tbl->page_shift;
	if (dir == TCE_DIR_NONE)
		ret = -EINVAL;
	/*
	 * iommu_tce_put_param_check() is a boolean, which the ioctl returns: 1 for an iova
	 * outside the window. It checks the first IOMMU page only; upstream maps the pages
	 * past the window's end too (kmod/DIFFERENCES.md, map-past-window-end), tcelab refuses.
	 */
	else if (tce_check_ioba(tbl->page_shift, tbl->offset, tbl->size, map->iova, 1))
		ret = 1;
	else if (tce_check_ioba(tbl->page_shift, tbl->offset, tbl->size, map->iova, pages))
		ret = -EINVAL;
	else if (tcelab_v2(c))
		ret = tcelab_build_v2(c, tbl, entry, map->vaddr, pages, dir);
	else
		ret = tcelab_build(c, tbl, entry, map->vaddr, pages, dir);
	up_read(&c->lock);
	return ret;
}

long tcelab_unmap_dma(struct tcelab_container *c, struct tcelab_dma_unmap *unmap)
{
	struct tcelab_table *tbl;
	u64 pages;
	long ret;

	ret = tcelab_dma_prepare(c, unmap->iova, unmap->size, 0, &tbl);
	if (ret)
		return ret;
	pages = unmap->size >> tbl->page_shift;
	/* iommu_tce_clear_param_check(), a boolean too: 1 for a range leaving the window. */
	if (tce_check_ioba(tbl->page_shift, tbl->offset, tbl->size, unmap->iova, pages))
		ret = 1;
	else
		tcelab_clear(c, tbl, unmap->iova >> tbl->page_shift, pages, true);
	up_read(&c->lock);
	return ret;
}
