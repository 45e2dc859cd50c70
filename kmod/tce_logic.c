// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel-independent TCE logic; the rules follow arch/powerpc/kernel/iommu.c,
 * arch/powerpc/platforms/powernv/pci-ioda-tce.c and arch/powerpc/kvm/book3s_64_vio.c.
 */
#include "tce_logic.h"
#include <uapi/tcelab.h>

enum tce_dir tce_direction(u64 tce)
{
	if ((tce & TCE_PCI_READ) && (tce & TCE_PCI_WRITE))
		return TCE_DIR_BIDIRECTIONAL;
	if (tce & TCE_PCI_READ)
		return TCE_DIR_TO_DEVICE;
	if (tce & TCE_PCI_WRITE)
		return TCE_DIR_FROM_DEVICE;
	return TCE_DIR_NONE;
}

u64 tce_dir_perm(enum tce_dir dir)
{
	switch (dir) {
	case TCE_DIR_BIDIRECTIONAL:
		return TCE_PCI_READ | TCE_PCI_WRITE;
	case TCE_DIR_FROM_DEVICE:
		return TCE_PCI_WRITE;
	case TCE_DIR_TO_DEVICE:
		return TCE_PCI_READ;
	default:
		return 0;
	}
}

/* A page the device may have written must be marked dirty when released. */
bool tce_dir_device_writes(enum tce_dir dir)
{
	return dir == TCE_DIR_FROM_DEVICE || dir == TCE_DIR_BIDIRECTIONAL;
}

/* VFIO map flags to a direction; TCE_DIR_NONE when invalid (no flag or unknown flags). */
enum tce_dir tce_dir_from_map_flags(u32 flags)
{
	switch (flags) {
	case TCELAB_DMA_MAP_FLAG_READ | TCELAB_DMA_MAP_FLAG_WRITE:
		return TCE_DIR_BIDIRECTIONAL;
	case TCELAB_DMA_MAP_FLAG_READ:
		return TCE_DIR_TO_DEVICE;
	case TCELAB_DMA_MAP_FLAG_WRITE:
		return TCE_DIR_FROM_DEVICE;
	default:
		return TCE_DIR_NONE;
	}
}

/* Permission bits come only from the direction: any in @hpa are dropped. */
u64 tce_encode(u64 hpa, enum tce_dir dir)
{
	return (hpa & ~TCE_PERM_MASK) | tce_dir_perm(dir);
}

u64 tce_to_hpa(u64 tce)
{
	return tce & ~TCE_PERM_MASK;
}

/* iommu_tce_check_ioba(): @offset and @size are in entries of 1 << page_shift. */
int tce_check_ioba(unsigned int page_shift, u64 offset, u64 size, u64 ioba, u64 npages)
{
	u64 mask = (1ULL << page_shift) - 1;

	if (ioba & mask)
		return -EINVAL;
	ioba >>= page_shift;
	if (ioba < offset)
		return -EINVAL;
	if (ioba + npages < ioba || ioba - offset + npages > size)
		return -EINVAL;
	return 0;
}

int tce_check_gpa(unsigned int page_shift, u64 gpa)
{
	return (gpa & ((1ULL << page_shift) - 1)) ? -EINVAL : 0;
}

bool tce_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* [addr, addr + addr_len) lies inside [start, start + len), without wrapping. */
bool tce_range_contains(u64 start, u64 len, u64 addr, u64 addr_len)
{
	return addr >= start && addr + addr_len >= addr &&
	       addr + addr_len <= start + len;
}

static unsigned int ilog2_u64(u64 v)
{
	unsigned int r = 0;

	while (v >>= 1)
		r++;
	return r;
}

/*
 * pnv_pci_ioda2_table_alloc_pages() rules: 1..max_levels levels, a power-of-two window of at
 * least one IOMMU page, entries split evenly between levels with at least a system page per
 * node, and a total shift below 55 bits.
 */
int tce_table_geometry(unsigned int page_shift, u64 window_size, unsigned int levels,
		       unsigned int max_levels, unsigned int sys_page_shift,
		       struct tce_geometry *geo)
{
	unsigned int entries_shift, level_shift, l;
	u64 nodes, bytes = 0;

	if (!levels || levels > max_levels || page_shift < 12 || page_shift > 40)
		return -EINVAL;
	if (!window_size || (window_size & (window_size - 1)) ||
	    window_size < (1ULL << page_shift))
		return -EINVAL;
	entries_shift = ilog2_u64(window_size) - page_shift;
	level_shift = (entries_shift + levels - 1) / levels;
	if (level_shift + TCE_ENTRY_SHIFT < sys_page_shift)
		level_shift = sys_page_shift - TCE_ENTRY_SHIFT;
	if (level_shift * levels + page_shift >= 55)
		return -EINVAL;
	/* pnv_pci_ioda2_table_alloc_pages(): a level too big to allocate. */
	if (level_shift + TCE_ENTRY_SHIFT > TCE_MAX_LEVEL_SHIFT)
		return -ENOMEM;

	nodes = 1ULL << entries_shift;
	for (l = 0; l < levels; l++) {
		nodes = (nodes + (1ULL << level_shift) - 1) >> level_shift;
		bytes += nodes << (level_shift + TCE_ENTRY_SHIFT);
	}
	geo->page_shift = page_shift;
	geo->levels = levels;
	geo->level_shift = level_shift;
	geo->entries = 1ULL << entries_shift;
	geo->worst_bytes = 2 * bytes;
	return 0;
}

/* Index inside its node, at @level (0 = leaf), of entry @idx counted from the window start. */
unsigned long tce_level_index(unsigned int level_shift, u64 idx, unsigned int level)
{
	return (idx >> (level * level_shift)) & ((1ULL << level_shift) - 1);
}

bool tce_page_size_supported(u64 pgsizes, unsigned int page_shift)
{
	return page_shift < 64 && (pgsizes & (1ULL << page_shift));
}

/* H_PUT_TCE_INDIRECT: at most 512 TCEs, and the list is 4K aligned. */
long tce_hcall_check_indirect(u64 tce_list, u64 npages)
{
	if (npages > TCE_INDIRECT_MAX || (tce_list & 0xfff))
		return TCELAB_H_PARAMETER;
	return TCELAB_H_SUCCESS;
}

/* H_STUFF_TCE: permission bits are refused; only clearing or a debug poison is allowed. */
long tce_hcall_check_stuff(u64 tce_value)
{
	return (tce_value & TCE_PERM_MASK) ? TCELAB_H_PARAMETER : TCELAB_H_SUCCESS;
}
