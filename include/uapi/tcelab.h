/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcelab user ABI: the single definition shared by tcelab.ko, the guest programs and the host
 * tools. It mirrors VFIO's sPAPR TCE IOMMU ABI (linux/vfio.h) plus a KVM-like hypercall layer,
 * an emulated device and introspection. Every argument struct starts with argsz and flags, as
 * VFIO's do: argsz lets a struct grow, and unknown flags are rejected with -EINVAL.
 *
 * Every open of /dev/tcelab is a container bound to the opener's mm; only that mm may use it
 * (-EPERM otherwise). Typical v2 use: SET_IOMMU(TCELAB_SPAPR_TCE_v2_IOMMU), ATTACH_GROUP,
 * REGISTER_MEMORY, [TCE_CREATE], MAP_DMA ..., UNMAP_DMA, close. See kmod/README.md. Errnos
 * follow VFIO's: without an IOMMU type (before SET_IOMMU, or after the last DETACH_GROUP, which
 * releases the type's state as VFIO does) the ioctls VFIO's driver has give -EINVAL.
 */
#ifndef _UAPI_TCELAB_H
#define _UAPI_TCELAB_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TCELAB_DEVICE		"/dev/tcelab"
#define TCELAB_DEBUGFS		"/sys/kernel/debug/tcelab"
#define TCELAB_API_VERSION	1
#define TCELAB_IOCTL_TYPE	0xCE

/* TCE permission bits (asm/tce.h): the low bits of a TCE, never of a physical address. */
#define TCELAB_TCE_PCI_READ	0x1ULL
#define TCELAB_TCE_PCI_WRITE	0x2ULL

/* The 64-bit DDW window starts here (powernv's tce64_start). */
#define TCELAB_DDW_START	0x0800000000000000ULL

/* IOMMU types for TCELAB_SET_IOMMU and TCELAB_CHECK_EXTENSION (VFIO_SPAPR_TCE_*IOMMU). */
#define TCELAB_SPAPR_TCE_IOMMU		1
#define TCELAB_SPAPR_TCE_v2_IOMMU	2
/* Further extensions answered by TCELAB_CHECK_EXTENSION. */
#define TCELAB_EXT_HCALL		100
#define TCELAB_EXT_DEVICE_DMA		101

/* Returns TCELAB_API_VERSION. */
#define TCELAB_GET_API_VERSION	_IO(TCELAB_IOCTL_TYPE, 0x00)
/* arg is an IOMMU type or extension; returns 1 when supported, 0 when not. */
#define TCELAB_CHECK_EXTENSION	_IO(TCELAB_IOCTL_TYPE, 0x01)
/* arg is the IOMMU type; once only (-EBUSY), unknown type -EINVAL. */
#define TCELAB_SET_IOMMU	_IO(TCELAB_IOCTL_TYPE, 0x02)

/*
 * TCELAB_ATTACH_GROUP / TCELAB_DETACH_GROUP - take or release ownership of simulated IOMMU
 * group (PE) @group. Needs SET_IOMMU first (-EPERM). Attach: unknown group -ENODEV, group owned
 * by any container -EBUSY, a second group on a v1 container -EBUSY. Detach clears every TCE the
 * container has in the group's tables; a group not attached to this container is -ENODEV.
 * Detaching the last group frees the windows and preregistered memory and unsets the type.
 */
struct tcelab_group {
	__u32	argsz;
	__u32	flags;
	__u32	group;
	__u32	__resv;
};
#define TCELAB_ATTACH_GROUP	_IO(TCELAB_IOCTL_TYPE, 0x03)
#define TCELAB_DETACH_GROUP	_IO(TCELAB_IOCTL_TYPE, 0x04)

/*
 * TCELAB_SPAPR_TCE_GET_INFO - vfio_iommu_spapr_tce_info: the DMA32 window of the first
 * attached group (-ENXIO without one) and, on v2 containers, the DDW capabilities.
 */
struct tcelab_spapr_tce_ddw_info {
	__u64	pgsizes;		/* bitmap of supported IOMMU page sizes */
	__u32	max_dynamic_windows_supported;
	__u32	levels;			/* maximum table levels */
};

struct tcelab_spapr_tce_info {
	__u32	argsz;
	__u32	flags;
#define TCELAB_SPAPR_INFO_DDW	(1 << 0)	/* out: ddw is valid */
	__u32	dma32_window_start;
	__u32	dma32_window_size;
	struct tcelab_spapr_tce_ddw_info ddw;
};
#define TCELAB_SPAPR_TCE_GET_INFO	_IO(TCELAB_IOCTL_TYPE, 0x05)

/*
 * TCELAB_ENABLE / TCELAB_DISABLE (v1 only, -ENOTTY on v2): ENABLE charges locked_vm for the
 * whole DMA32 window (-ENOMEM over RLIMIT_MEMLOCK without CAP_IPC_LOCK, -ENODEV without a group,
 * -EBUSY when enabled); DISABLE returns it. MAP/UNMAP on a v1 container need ENABLE (-EPERM).
 */
#define TCELAB_ENABLE		_IO(TCELAB_IOCTL_TYPE, 0x06)
#define TCELAB_DISABLE		_IO(TCELAB_IOCTL_TYPE, 0x07)

/*
 * TCELAB_MAP_DMA - vfio_iommu_type1_dma_map: map @size bytes of user memory at @vaddr to
 * @iova. v1 pins each page; v2 translates through preregistered memory (-EINVAL when not
 * registered). READ means the device may read (DMA_TO_DEVICE). Errors, in VFIO's order: not
 * enabled (v1 ENABLE, v2 REGISTER_MEMORY) -EPERM; unknown flags -EINVAL; no window at iova
 * -ENXIO; unaligned vaddr/size or no flag -EINVAL; an unaligned iova returns 1 (VFIO's boolean
 * check); a range past the window's end -EINVAL; an IOMMU page bigger than the backing page
 * -EPERM; unmapped memory -EFAULT. Size 0 maps nothing. Mapping over a valid entry replaces it
 * and releases the old page. On failure nothing stays mapped.
 */
struct tcelab_dma_map {
	__u32	argsz;
	__u32	flags;
#define TCELAB_DMA_MAP_FLAG_READ	(1 << 0)	/* device may read memory */
#define TCELAB_DMA_MAP_FLAG_WRITE	(1 << 1)	/* device may write memory */
	__u64	vaddr;
	__u64	iova;
	__u64	size;
};
#define TCELAB_MAP_DMA		_IO(TCELAB_IOCTL_TYPE, 0x08)

/*
 * TCELAB_UNMAP_DMA - vfio_iommu_type1_dma_unmap: clear @size bytes at @iova (the same checks;
 * a range not inside the window returns 1).
 */
struct tcelab_dma_unmap {
	__u32	argsz;
	__u32	flags;
	__u64	iova;
	__u64	size;
};
#define TCELAB_UNMAP_DMA	_IO(TCELAB_IOCTL_TYPE, 0x09)

/*
 * TCELAB_REGISTER_MEMORY / TCELAB_UNREGISTER_MEMORY (v2 only) -
 * vfio_iommu_spapr_register_memory: preregister (pin once, charge locked_vm) or release a
 * region. Unaligned or wrapping -EINVAL, the same region twice -EBUSY, size 0 -ENOMEM, a range
 * only partly pinnable returns the number of pages it could pin, overlapping an existing region
 * -EINVAL; unregister before the container is bound to its mm (by REGISTER_MEMORY, TCE_CREATE,
 * TCE_REMOVE or ENABLE, as in VFIO) -EPERM, of an unknown region -ENOENT, of a region still
 * mapped -EBUSY.
 */
struct tcelab_register_memory {
	__u32	argsz;
	__u32	flags;
	__u64	vaddr;
	__u64	size;
};
#define TCELAB_REGISTER_MEMORY		_IO(TCELAB_IOCTL_TYPE, 0x0a)
#define TCELAB_UNREGISTER_MEMORY	_IO(TCELAB_IOCTL_TYPE, 0x0b)

/*
 * TCELAB_TCE_CREATE (v2) - vfio_iommu_spapr_tce_create: create a DDW window; returns its bus
 * address in @start_addr. Unsupported page size, levels out of 1..max, a window size that is
 * not a power of two or makes a table level too big -EINVAL; no free window -ENOSPC; no group
 * -ENXIO. The table's worst-case size is charged to locked_vm (-ENOMEM over the limit).
 */
struct tcelab_spapr_tce_create {
	__u32	argsz;
	__u32	flags;
	__u32	page_shift;
	__u32	__resv1;
	__u64	window_size;
	__u32	levels;
	__u32	__resv2;
	__u64	start_addr;		/* out */
};
#define TCELAB_TCE_CREATE	_IO(TCELAB_IOCTL_TYPE, 0x0c)

/* TCELAB_TCE_REMOVE (v2) - clear and free the window at @start_addr; none there -EINVAL. */
struct tcelab_spapr_tce_remove {
	__u32	argsz;
	__u32	flags;
	__u64	start_addr;
};
#define TCELAB_TCE_REMOVE	_IO(TCELAB_IOCTL_TYPE, 0x0d)

/*
 * Hypercall layer (v2 containers; the in-kernel KVM path of book3s_64_vio.c).
 * TCELAB_SET_MEMSLOT maps guest physical [gpa, gpa + size) to user memory at @vaddr (page
 * aligned, no overlap: -EINVAL; at most TCELAB_MAX_MEMSLOTS: -ENOSPC). TCE values and
 * H_PUT_TCE_INDIRECT lists name guest physical addresses; lists hold big-endian TCEs.
 */
#define TCELAB_MAX_MEMSLOTS	8
struct tcelab_memslot {
	__u32	argsz;
	__u32	flags;
	__u64	gpa;
	__u64	vaddr;
	__u64	size;
};
#define TCELAB_SET_MEMSLOT	_IO(TCELAB_IOCTL_TYPE, 0x0e)

/*
 * TCELAB_SET_LIOBN - create a guest TCE table (KVM_CREATE_SPAPR_TCE_64): @liobn covers
 * [offset, offset + size) in units of 1 << page_shift. It drives the container window that
 * starts at the same bus address with an IOMMU page size <= page_shift and covers it (the
 * "subpages" case when smaller), or is emulated-only when there is none. Duplicate liobn -EBUSY;
 * bad page_shift or size -EINVAL; v1 container -EPERM. The table is charged to locked_vm.
 */
struct tcelab_liobn {
	__u32	argsz;
	__u32	flags;
	__u32	liobn;
	__u32	page_shift;
	__u64	offset;			/* bus address of the window */
	__u64	size;			/* bytes */
};
#define TCELAB_SET_LIOBN	_IO(TCELAB_IOCTL_TYPE, 0x0f)

/* PAPR hypercall numbers and return codes (asm/hvcall.h). */
#define TCELAB_H_GET_TCE		0x1C
#define TCELAB_H_PUT_TCE		0x20
#define TCELAB_H_STUFF_TCE		0x138
#define TCELAB_H_PUT_TCE_INDIRECT	0x13C
#define TCELAB_H_SUCCESS		0
#define TCELAB_H_HARDWARE		(-1)
#define TCELAB_H_FUNCTION		(-2)
#define TCELAB_H_PARAMETER		(-4)
#define TCELAB_H_TOO_HARD		9999

/*
 * One hypercall: @opcode with @args as the guest's r4.. (liobn, ioba, tce or tce_list,
 * npages). @ret gets the return code; @retval the value H_GET_TCE returns in r4.
 */
struct tcelab_hcall {
	__u64	opcode;
	__u64	args[4];
	__s64	ret;
	__u64	retval;
};

/*
 * TCELAB_HCALL - run @count (1..TCELAB_HCALL_MAX_BATCH) hypercalls from the array at @calls
 * in order, each with its own return code. Returns 0, or -EFAULT when the array cannot be read
 * or written back.
 */
#define TCELAB_HCALL_MAX_BATCH	4096
struct tcelab_hcall_batch {
	__u32	argsz;
	__u32	flags;
	__u32	count;
	__u32	__resv;
	__u64	calls;			/* user pointer to struct tcelab_hcall[count] */
};
#define TCELAB_HCALL		_IO(TCELAB_IOCTL_TYPE, 0x10)

/*
 * TCELAB_DEVICE_DMA - the emulated device behind attached group @group reads (or, with
 * TCELAB_DEVICE_DMA_WRITE, writes) @size bytes at bus address @iova through the group's TCE
 * tables, copying to (from) the user buffer @buf. An unmapped entry, an entry without the needed
 * permission or an address outside every window is a DMA fault: -EFAULT, counted in "faults".
 * Group not attached to this container -ENODEV; size 0 or above 1 MiB -EINVAL.
 */
struct tcelab_device_dma {
	__u32	argsz;
	__u32	flags;
#define TCELAB_DEVICE_DMA_WRITE	(1 << 0)
	__u32	group;
	__u32	__resv;
	__u64	iova;
	__u64	size;
	__u64	buf;
};
#define TCELAB_DEVICE_DMA	_IO(TCELAB_IOCTL_TYPE, 0x11)

/*
 * TCELAB_PAGE_REFS - introspection of the user page at @vaddr (like iommufd's
 * IOMMU_TEST_OP_MD_CHECK_REFS): @module_pins is how many pins tcelab.ko holds on it,
 * @page_pins the kernel's pin count of its folio (large folios: the exact pincount; small ones:
 * refcount / GUP_PIN_COUNTING_BIAS), @refcount the page reference count. Unmapped -EFAULT.
 */
struct tcelab_page_refs {
	__u32	argsz;
	__u32	flags;
	__u64	vaddr;
	__u64	module_pins;		/* out */
	__u64	page_pins;		/* out */
	__u64	refcount;		/* out */
};
#define TCELAB_PAGE_REFS	_IO(TCELAB_IOCTL_TYPE, 0x12)

/* Counters, per container (TCELAB_GET_STATS) and global (debugfs files of the same names). */
struct tcelab_stats {
	__u32	argsz;
	__u32	flags;
	__u64	mapped;			/* valid TCEs */
	__u64	pinned;			/* user page pins held */
	__u64	locked_pages;		/* pages charged to locked_vm */
	__u64	exchanges;		/* TCE exchanges */
	__u64	kills;			/* TCE invalidations */
	__u64	faults;			/* device DMA faults */
	__u64	dirtied;		/* released pages marked dirty */
	__u64	double_releases;	/* releases of a page the module no longer pinned */
};
#define TCELAB_GET_STATS	_IO(TCELAB_IOCTL_TYPE, 0x13)

#endif /* _UAPI_TCELAB_H */
