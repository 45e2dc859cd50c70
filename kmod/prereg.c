// SPDX-License-Identifier: GPL-2.0
/*
 * Preregistered memory (arch/powerpc/mm/book3s64/iommu_api.c): a v2 container pins a region
 * once and charges it to locked_vm; MAP and the hypercalls translate through it without pinning
 * again. @mapped starts at 1 and counts mappings; unregistering needs it back at 1.
 */
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/overflow.h>

#include "tcelab_private.h"

void tcelab_prereg_mapped_dec(struct tcelab_prereg *mem)
{
	atomic64_add_unless(&mem->mapped, -1, 1);
}

static struct tcelab_prereg *tcelab_prereg_find(struct tcelab_container *c, u64 ua, u64 entries)
{
	struct tcelab_prereg *mem;

	list_for_each_entry(mem, &c->prereg, node)
		if (mem->ua == ua && mem->entries == entries)
			return mem;
	return NULL;
}

/* The region covering [ua, ua + size), or NULL. c->lock is held. */
struct tcelab_prereg *tcelab_prereg_lookup(struct tcelab_container *c, u64 ua, u64 size)
{
	struct tcelab_prereg *mem;

	list_for_each_entry(mem, &c->prereg, node)
		if (tce_range_contains(mem->ua, mem->entries << PAGE_SHIFT, ua, size))
			return mem;
	return NULL;
}

int tcelab_prereg_ua_to_hpa(struct tcelab_prereg *mem, u64 ua, unsigned int shift,
			    unsigned long *hpa)
{
	u64 entry = (ua - mem->ua) >> PAGE_SHIFT;

	if (entry >= mem->entries || shift > mem->pageshift)
		return -EFAULT;
	*hpa = PFN_PHYS(page_to_pfn(mem->pages[entry])) | (ua & ~PAGE_MASK);
	return 0;
}

static void tcelab_prereg_unpin(struct tcelab_container *c, struct tcelab_prereg *mem, u64 n)
{
	while (n--)
		tcelab_unpin(c, mem->pages[n], false);
}

/* IOMMU pages bigger than a system page need hugetlb backing (mm_iommu_do_alloc()). */
static unsigned int tcelab_prereg_pageshift(struct tcelab_prereg *mem)
{
	unsigned int shift = __ffs64(mem->ua | (mem->entries << PAGE_SHIFT)), ps;
	u64 i;

	for (i = 0; i < mem->entries; i++) {
		ps = PAGE_SHIFT;
		if (shift > PAGE_SHIFT && PageHuge(mem->pages[i]))
			ps = page_shift(compound_head(mem->pages[i]));
		shift = min(shift, ps);
	}
	return shift;
}

long tcelab_register_memory(struct tcelab_container *c, u64 vaddr, u64 size)
{
	u64 entries = size >> PAGE_SHIFT, i;
	struct tcelab_prereg *mem;
	struct tcelab_prereg *it;
	long ret;

	if ((vaddr & ~PAGE_MASK) || (size & ~PAGE_MASK) || vaddr + size < vaddr)
		return -EINVAL;
	down_write(&c->lock);
	ret = tcelab_v2_only(c);
	if (ret)
		goto unlock;
	ret = -EBUSY;
	if (tcelab_prereg_find(c, vaddr, entries))
		goto unlock;
	/* mm_iommu_do_alloc()'s vzalloc() of no entries fails. */
	ret = -ENOMEM;
	if (!entries)
		goto unlock;
	ret = tcelab_account(c, entries, true);
	if (ret)
		goto unlock;
	ret = -ENOMEM;
	mem = tcelab_alloc(TCELAB_OBJ_REGION, TCELAB_FAIL_REGION, sizeof(*mem));
	if (!mem)
		goto uncharge;
	mem->pages = tcelab_alloc(TCELAB_OBJ_REGION_PAGES, TCELAB_FAIL_REGION_PAGES,
				  array_size(entries, sizeof(*mem->pages)));
	if (!mem->pages)
		goto free_mem;
	for (i = 0; i < entries; i++) {
		ret = tcelab_pin(c, vaddr + (i << PAGE_SHIFT), true, &mem->pages[i]);
		if (ret) {
			/* pin_user_pages() pinned @i: mm_iommu_do_alloc() returns that. */
			ret = i ?: ret;
			goto unpin;
		}
	}
	/* Overlap is checked with the pages pinned, as mm_iommu_do_alloc() does. */
	ret = -EINVAL;
	list_for_each_entry(it, &c->prereg, node)
		if (tce_ranges_overlap(it->ua, it->entries << PAGE_SHIFT, vaddr, size))
			goto unpin;
	mem->ua = vaddr;
	mem->entries = entries;
	mem->pageshift = tcelab_prereg_pageshift(mem);
	atomic64_set(&mem->mapped, 1);
	list_add(&mem->node, &c->prereg);
	c->enabled = true;
	up_write(&c->lock);
	return 0;

unpin:
	tcelab_prereg_unpin(c, mem, i);
	tcelab_free(TCELAB_OBJ_REGION_PAGES, mem->pages);
free_mem:
	tcelab_free(TCELAB_OBJ_REGION, mem);
uncharge:
	tcelab_account(c, entries, false);
unlock:
	up_write(&c->lock);
	return ret;
}

/* Free @mem; @release false leaves its pages pinned (a leak, for fault knobs). */
static void tcelab_prereg_free(struct tcelab_container *c, struct tcelab_prereg *mem,
			       bool release)
{
	list_del(&mem->node);
	if (release)
		tcelab_prereg_unpin(c, mem, mem->entries);
	if (tcelab_fault(TCELAB_FAULT_LOCKED_VM_LEAK))
		tcelab_leak_locked_vm(c->mm, mem->entries);
	else
		tcelab_account(c, mem->entries, false);
	tcelab_free(TCELAB_OBJ_REGION_PAGES, mem->pages);
	tcelab_free(TCELAB_OBJ_REGION, mem);
}

long tcelab_unregister_memory(struct tcelab_container *c, u64 vaddr, u64 size)
{
	struct tcelab_prereg *mem;
	long ret;

	if ((vaddr & ~PAGE_MASK) || (size & ~PAGE_MASK))
		return -EINVAL;
	down_write(&c->lock);
	ret = tcelab_v2_only(c);
	if (ret)
		goto unlock;
	mem = tcelab_prereg_find(c, vaddr, size >> PAGE_SHIFT);
	if (!mem)
		ret = -ENOENT;
	else if (atomic64_cmpxchg(&mem->mapped, 1, 0) != 1)
		ret = -EBUSY;	/* still mapped */
	else
		tcelab_prereg_free(c, mem, true);
unlock:
	up_write(&c->lock);
	return ret;
}

/*
 * Container release. A region still mapped here means TCEs were dropped without their
 * references (a fault knob): its pages stay pinned, as mm_iommu_put() would leave them.
 */
void tcelab_prereg_release_all(struct tcelab_container *c, bool release)
{
	struct tcelab_prereg *mem, *next;
	bool unmapped;

	list_for_each_entry_safe(mem, next, &c->prereg, node) {
		unmapped = atomic64_cmpxchg(&mem->mapped, 1, 0) == 1;
		if (!unmapped)
			pr_warn("tcelab: region %#llx still mapped at release, pages leaked\n",
				mem->ua);
		tcelab_prereg_free(c, mem, release && unmapped);
	}
}
