// SPDX-License-Identifier: GPL-2.0
/*
 * User page pins and locked_vm. tcelab_pin_user_page() and tcelab_unpin_user_page() are the
 * `pin` and `unpin` probe roles: every page the module pins or releases goes through them, and
 * they are never inlined. The module also counts its own pins per page, which makes a release
 * of a page it no longer pins (a double release) detectable and harmless, and lets
 * TCELAB_PAGE_REFS report exact counts. locked_vm that fault 5 keeps charged is listed here,
 * next to its accounting, so that it can be given back.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "tcelab_private.h"

static DEFINE_XARRAY(tcelab_pins);	/* pfn -> number of pins held by the module */
static DEFINE_MUTEX(tcelab_pins_lock);

struct tcelab_locked_leak {
	struct list_head node;
	struct mm_struct *mm;
	unsigned long pages;
};

static LIST_HEAD(tcelab_locked_leaks);
static DEFINE_SPINLOCK(tcelab_locked_leaks_lock);

static int tcelab_pins_add(unsigned long pfn, long delta)
{
	unsigned long count;
	int ret = 0;

	mutex_lock(&tcelab_pins_lock);
	count = xa_to_value(xa_load(&tcelab_pins, pfn) ?: xa_mk_value(0));
	if (delta < 0 && count < -delta) {
		ret = -ENOENT;
	} else if (!count && tcelab_fail_nth(TCELAB_FAIL_PIN_TRACK)) {
		ret = -ENOMEM;	/* a new entry is where xa_store() allocates */
	} else {
		count += delta;
		ret = xa_err(xa_store(&tcelab_pins, pfn, count ? xa_mk_value(count) : NULL,
				      GFP_KERNEL));
	}
	mutex_unlock(&tcelab_pins_lock);
	return ret;
}

static unsigned long tcelab_pins_get(unsigned long pfn)
{
	void *v = xa_load(&tcelab_pins, pfn);

	return v ? xa_to_value(v) : 0;
}

noinline int tcelab_pin_user_page(unsigned long vaddr, bool write, struct page **page)
{
	unsigned int flags = FOLL_LONGTERM | (write ? FOLL_WRITE : 0);
	int ret;

	if (tcelab_fail_nth(TCELAB_FAIL_PIN))
		return -ENOMEM;
	ret = pin_user_pages_fast(vaddr & PAGE_MASK, 1, flags, page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	ret = tcelab_pins_add(page_to_pfn(*page), 1);
	if (ret) {
		unpin_user_page(*page);
		return ret;
	}
	TCELAB_COUNT(NULL, pinned, 1);
	return 0;
}

/*
 * Release one pin; @dirty marks the page dirty first (unpin_user_pages_dirty_lock()). Returns
 * false, touching nothing, for a page the module does not pin: a double release.
 */
noinline bool tcelab_unpin_user_page(struct page *page, bool dirty)
{
	if (tcelab_pins_add(page_to_pfn(page), -1)) {
		pr_warn_ratelimited("tcelab: release of pfn %#lx that is not pinned\n",
				    page_to_pfn(page));
		TCELAB_COUNT(NULL, double_releases, 1);
		return false;
	}
	if (dirty)
		set_page_dirty_lock(page);
	unpin_user_page(page);
	TCELAB_COUNT(NULL, pinned, -1);
	return true;
}

/* The roles, counted for the container too. */
int tcelab_pin(struct tcelab_container *c, unsigned long vaddr, bool write, struct page **page)
{
	int ret = tcelab_pin_user_page(vaddr, write, page);

	if (!ret)
		atomic64_inc(&c->stats.pinned);
	return ret;
}

void tcelab_unpin(struct tcelab_container *c, struct page *page, bool dirty)
{
	if (tcelab_unpin_user_page(page, dirty))
		atomic64_dec(&c->stats.pinned);
	else
		atomic64_inc(&c->stats.double_releases);
}

void tcelab_unpin_hpa(struct tcelab_container *c, unsigned long hpa)
{
	tcelab_unpin(c, pfn_to_page(hpa >> PAGE_SHIFT), false);
}

/* account_locked_vm() on the container's mm, counted. */
int tcelab_account(struct tcelab_container *c, unsigned long pages, bool inc)
{
	int ret;

	if (!pages)
		return 0;
	ret = account_locked_vm(c->mm, pages, inc);
	if (!ret)
		TCELAB_COUNT(c, locked_pages, inc ? pages : -(s64)pages);
	return ret;
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

/* Uncharge what tcelab_leak_locked_vm() kept (knobs/reap and unload). */
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

int tcelab_page_refs(struct tcelab_page_refs *refs)
{
	struct folio *folio;
	struct page *page;

	if (get_user_pages_fast(refs->vaddr & PAGE_MASK, 1, 0, &page) != 1)
		return -EFAULT;
	folio = page_folio(page);
	refs->module_pins = tcelab_pins_get(page_to_pfn(page));
	refs->refcount = page_ref_count(page) - 1;	/* without our lookup reference */
	/* The field itself: 6.1 to 6.12 have it, folio_pincount_ptr() went away in 6.3. */
	if (folio_test_large(folio))
		refs->page_pins = atomic_read(&folio->_pincount);
	else
		refs->page_pins = refs->refcount / GUP_PIN_COUNTING_BIAS;
	put_page(page);
	return 0;
}

/*
 * Release every pin still held. Only valid when no container exists: what is left then was
 * leaked (a fault knob) and the tests reclaim it so the run ends balanced. Returns the number
 * of pins released.
 */
int tcelab_pins_reap(void)
{
	unsigned long pfn, count, released = 0;
	void *v;

	xa_for_each(&tcelab_pins, pfn, v)
		for (count = xa_to_value(v); count; count--, released++)
			tcelab_unpin_user_page(pfn_to_page(pfn), false);
	return released;
}

void tcelab_pins_exit(void)
{
	int n = tcelab_pins_reap();

	if (n)
		pr_warn("tcelab: %d leaked pins released at unload\n", n);
	xa_destroy(&tcelab_pins);
}
