// SPDX-License-Identifier: GPL-2.0
/*
 * Page pinning. tcelab_pin_user_page() and tcelab_unpin_user_page() are the module's `pin` and
 * `unpin` probe roles: every page the module pins or releases goes through them, and they are
 * never inlined so that kprobes and fentry can attach.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "tcelab.h"

struct tcelab_pin {
	struct list_head node;
	unsigned long vaddr;		/* page-aligned user address */
	struct page *page;
};

noinline int tcelab_pin_user_page(unsigned long vaddr, struct page **page)
{
	int ret;

	ret = pin_user_pages_fast(vaddr & PAGE_MASK, 1, FOLL_WRITE | FOLL_LONGTERM, page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	atomic64_inc(&tcelab_stats.pins);
	atomic64_inc(&tcelab_stats.pinned);
	return 0;
}

noinline void tcelab_unpin_user_page(struct page *page)
{
	unpin_user_page(page);
	atomic64_inc(&tcelab_stats.unpins);
	atomic64_dec(&tcelab_stats.pinned);
}

int tcelab_file_pin(struct tcelab_file *tf, unsigned long vaddr)
{
	struct tcelab_pin *pin;
	int ret;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	ret = tcelab_pin_user_page(vaddr, &pin->page);
	if (ret) {
		kfree(pin);
		return ret;
	}
	pin->vaddr = vaddr & PAGE_MASK;
	mutex_lock(&tf->lock);
	list_add_tail(&pin->node, &tf->pins);
	mutex_unlock(&tf->lock);
	return 0;
}

int tcelab_file_unpin(struct tcelab_file *tf, unsigned long vaddr)
{
	struct tcelab_pin *pin, *found = NULL;

	mutex_lock(&tf->lock);
	list_for_each_entry(pin, &tf->pins, node) {
		if (pin->vaddr == (vaddr & PAGE_MASK)) {
			found = pin;
			list_del(&pin->node);
			break;
		}
	}
	mutex_unlock(&tf->lock);
	if (!found)
		return -ENOENT;
	tcelab_unpin_user_page(found->page);
	kfree(found);
	return 0;
}

void tcelab_file_release_pins(struct tcelab_file *tf)
{
	struct tcelab_pin *pin, *next;

	list_for_each_entry_safe(pin, next, &tf->pins, node) {
		list_del(&pin->node);
		tcelab_unpin_user_page(pin->page);
		kfree(pin);
	}
}
