/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcelab user ABI: the single definition shared by tcelab.ko, the guest programs and the host
 * tools. Every argument struct starts with argsz and flags, as VFIO's do: argsz lets the ABI
 * grow, and unknown flags are rejected.
 */
#ifndef _UAPI_TCELAB_H
#define _UAPI_TCELAB_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TCELAB_DEVICE		"/dev/tcelab"
#define TCELAB_DEBUGFS		"/sys/kernel/debug/tcelab"
#define TCELAB_IOCTL_TYPE	0xCE

/*
 * TCELAB_PIN_PAGE - pin the user page holding @vaddr for as long as the file is open
 * (or until TCELAB_UNPIN_PAGE). Returns 0, or -EFAULT for an unmapped address, -EINVAL for
 * a bad argsz or unknown flags, -ENOMEM when out of tracking memory.
 */
struct tcelab_pin_page {
	__u32	argsz;
	__u32	flags;
	__u64	vaddr;
};

#define TCELAB_PIN_PAGE		_IO(TCELAB_IOCTL_TYPE, 0x00)

/* TCELAB_UNPIN_PAGE - unpin a page pinned by TCELAB_PIN_PAGE; -ENOENT when none is. */
#define TCELAB_UNPIN_PAGE	_IO(TCELAB_IOCTL_TYPE, 0x01)

#endif /* _UAPI_TCELAB_H */
