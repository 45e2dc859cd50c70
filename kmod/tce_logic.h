/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-independent TCE logic: encoding, window and ioba checks, table geometry and level
 * indexing, hypercall argument checks. Compiled into tcelab.ko and into the host unit tests,
 * so it uses only fixed-size types and errno values.
 */
#ifndef TCELAB_TCE_LOGIC_H
#define TCELAB_TCE_LOGIC_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <linux/types.h>
typedef __u64 u64;
typedef __u32 u32;
#endif

#define TCE_PCI_READ		0x1ULL
#define TCE_PCI_WRITE		0x2ULL
#define TCE_PERM_MASK		(TCE_PCI_READ | TCE_PCI_WRITE)
#define TCE_ENTRY_SHIFT		3	/* a TCE is 8 bytes */
#define TCE_MAX_LEVELS		5
#define TCE_MAX_WINDOWS		2
/* No table level may need more than this many bytes (one contiguous allocation). */
#define TCE_MAX_LEVEL_SHIFT	24
#define TCE_INDIRECT_MAX	512	/* PAPR: a TCE list is at most one 4K page */

/* Values of enum dma_data_direction, so they compare equal in the kernel. */
enum tce_dir {
	TCE_DIR_BIDIRECTIONAL = 0,
	TCE_DIR_TO_DEVICE = 1,
	TCE_DIR_FROM_DEVICE = 2,
	TCE_DIR_NONE = 3,
};

enum tce_dir tce_direction(u64 tce);
u64 tce_dir_perm(enum tce_dir dir);
bool tce_dir_device_writes(enum tce_dir dir);
enum tce_dir tce_dir_from_map_flags(u32 flags);
u64 tce_encode(u64 hpa, enum tce_dir dir);
u64 tce_to_hpa(u64 tce);

int tce_check_ioba(unsigned int page_shift, u64 offset, u64 size, u64 ioba, u64 npages);
int tce_check_gpa(unsigned int page_shift, u64 gpa);
bool tce_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen);
bool tce_range_contains(u64 start, u64 len, u64 addr, u64 addr_len);

/*
 * Shape of a table of (window_size >> page_shift) entries split into @levels levels; every
 * level node holds 1 << level_shift entries and is at least one system page.
 */
struct tce_geometry {
	unsigned int page_shift;
	unsigned int levels;
	unsigned int level_shift;	/* log2(entries per node) */
	u64 entries;
	u64 worst_bytes;		/* all nodes of the TCE table and its user-address mirror */
};

int tce_table_geometry(unsigned int page_shift, u64 window_size, unsigned int levels,
		       unsigned int max_levels, unsigned int sys_page_shift,
		       struct tce_geometry *geo);
unsigned long tce_level_index(unsigned int level_shift, u64 idx, unsigned int level);
bool tce_page_size_supported(u64 pgsizes, unsigned int page_shift);

long tce_hcall_check_indirect(u64 tce_list, u64 npages);
long tce_hcall_check_stuff(u64 tce_value);

#endif /* TCELAB_TCE_LOGIC_H */
