/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab.ko internals shared between its files. */
#ifndef TCELAB_INTERNAL_H
#define TCELAB_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct page;

/* Global counters, exported read-only in debugfs. */
struct tcelab_stats {
	atomic64_t pins;
	atomic64_t unpins;
	atomic64_t pinned;
};

extern struct tcelab_stats tcelab_stats;

/* One open of /dev/tcelab: its pinned pages. */
struct tcelab_file {
	struct mutex lock;		/* protects pins */
	struct list_head pins;
};

int tcelab_pin_user_page(unsigned long vaddr, struct page **page);
void tcelab_unpin_user_page(struct page *page);

int tcelab_file_pin(struct tcelab_file *tf, unsigned long vaddr);
int tcelab_file_unpin(struct tcelab_file *tf, unsigned long vaddr);
void tcelab_file_release_pins(struct tcelab_file *tf);

int tcelab_debugfs_init(void);
void tcelab_debugfs_exit(void);

#endif /* TCELAB_INTERNAL_H */
