// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated device: DMA at a bus address goes through the TCE tables its group uses, with
 * the permissions of each entry, to or from the page the entry names. A missing entry or
 * permission is a DMA fault, counted and reported as -EFAULT.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "tcelab_private.h"

#define TCELAB_DMA_MAX	SZ_1M

/*
 * Take a reference on the page behind the TCE at @iova, like a device translating it. The
 * entry is read again after the reference is taken, so that a page released and reused in
 * between is not accessed: a DMA racing with an update of its entry faults. Returns the page,
 * its physical address and the bytes left in the IOMMU page, or NULL on a fault.
 */
static struct page *tcelab_dma_translate(struct tcelab_pe *grp, u64 iova, u64 perm,
					 unsigned long *hpa, u64 *left)
{
	struct tcelab_table *tbl = tcelab_find_table(grp->tables, iova);
	struct page *page;
	__be64 *slot;
	u64 tce;

	if (!tbl)
		return NULL;
	slot = tcelab_table_entry(tbl, iova >> tbl->page_shift, false);
	if (!slot)
		return NULL;
	tce = be64_to_cpu(READ_ONCE(*slot));
	if ((tce & perm) != perm)
		return NULL;
	*hpa = tce_to_hpa(tce) + (iova & ((1ULL << tbl->page_shift) - 1));
	*left = (1ULL << tbl->page_shift) - (iova & ((1ULL << tbl->page_shift) - 1));
	page = pfn_to_page(*hpa >> PAGE_SHIFT);
	if (!get_page_unless_zero(page))
		return NULL;
	if (be64_to_cpu(READ_ONCE(*slot)) == tce)
		return page;
	put_page(page);
	return NULL;
}

long tcelab_device_dma(struct tcelab_container *c, struct tcelab_device_dma *dma)
{
	bool write = dma->flags & TCELAB_DEVICE_DMA_WRITE;
	u64 perm = write ? TCE_PCI_WRITE : TCE_PCI_READ;
	u8 __user *buf = u64_to_user_ptr(dma->buf);
	u64 iova = dma->iova, done = 0, left, len;
	unsigned long hpa;
	struct page *page;
	void *bounce, *va;
	long ret = 0;

	if (!dma->size || dma->size > TCELAB_DMA_MAX || iova + dma->size < iova)
		return -EINVAL;
	if (dma->group >= tcelab_ngroups)
		return -ENODEV;
	bounce = tcelab_alloc(TCELAB_OBJ_DMA_BOUNCE, TCELAB_FAIL_DMA_BOUNCE, PAGE_SIZE);
	if (!bounce)
		return -ENOMEM;
	down_read(&c->lock);
	if (tcelab_groups[dma->group].owner != c)
		ret = -ENODEV;
	while (!ret && done < dma->size) {
		page = tcelab_dma_translate(&tcelab_groups[dma->group], iova + done, perm, &hpa,
					    &left);
		if (!page) {
			TCELAB_COUNT(c, faults, 1);
			ret = -EFAULT;
			break;
		}
		len = min3(dma->size - done, left, (u64)(PAGE_SIZE - (hpa & ~PAGE_MASK)));
		if (write && copy_from_user(bounce, buf + done, len))
			ret = -EFAULT;
		if (!ret) {
			va = kmap_local_page(page);
			if (write)
				memcpy(va + (hpa & ~PAGE_MASK), bounce, len);
			else
				memcpy(bounce, va + (hpa & ~PAGE_MASK), len);
			kunmap_local(va);
		}
		put_page(page);
		if (!ret && !write && copy_to_user(buf + done, bounce, len))
			ret = -EFAULT;
		done += len;
	}
	up_read(&c->lock);
	tcelab_free(TCELAB_OBJ_DMA_BOUNCE, bounce);
	return ret;
}
