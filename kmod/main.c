// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko: a simulated sPAPR TCE / VFIO stack (vfio_iommu_spapr_tce.c and its powerpc
 * helpers) whose "hardware" TCE tables are memory the module owns, so that it runs on any
 * architecture. /dev/tcelab: every open is a container bound to the opener's mm.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "tcelab_private.h"

unsigned int tcelab_ngroups = 2;
module_param_named(ngroups, tcelab_ngroups, uint, 0444);
MODULE_PARM_DESC(ngroups, "number of simulated IOMMU groups (PEs), 1..16 (default 2)");

unsigned long long tcelab_pgsizes = 0x40211000;
module_param_named(pgsizes, tcelab_pgsizes, ullong, 0444);
MODULE_PARM_DESC(pgsizes, "DDW IOMMU page sizes: POWER9 0x40211000 (default), POWER8 0x11011000");

unsigned int tcelab_dma32_mb = 2048;
module_param_named(dma32_mb, tcelab_dma32_mb, uint, 0444);
MODULE_PARM_DESC(dma32_mb, "DMA32 window size in MiB, a power of two up to 2048 (default 2048)");

struct tcelab_counters tcelab_global;

static int tcelab_open(struct inode *inode, struct file *file)
{
	if (!current->mm)
		return -ENODEV;
	file->private_data = tcelab_container_create();
	return file->private_data ? 0 : -ENOMEM;
}

static int tcelab_release(struct inode *inode, struct file *file)
{
	tcelab_container_release(file->private_data);
	return 0;
}

/* Copy a VFIO-style argument: argsz must cover @minsz and only @flags_ok may be set. */
static int tcelab_copy_arg(void *arg, unsigned long uarg, size_t minsz, u32 flags_ok)
{
	u32 *hdr = arg;

	if (copy_from_user(arg, (void __user *)uarg, minsz))
		return -EFAULT;
	if (hdr[0] < minsz || (hdr[1] & ~flags_ok))
		return -EINVAL;
	return 0;
}

#define TCELAB_ARG(arg, uarg, last, flags_ok) \
	tcelab_copy_arg(&(arg), uarg, offsetofend(typeof(arg), last), flags_ok)

static long tcelab_ioctl_info(struct tcelab_container *c, unsigned long uarg)
{
	size_t minsz = offsetofend(struct tcelab_spapr_tce_info, dma32_window_size);
	struct tcelab_spapr_tce_info info;
	long ret;

	/* flags is an output here, as in VFIO_IOMMU_SPAPR_TCE_GET_INFO. */
	ret = tcelab_copy_arg(&info, uarg, minsz, ~0U);
	if (ret)
		return ret;
	ret = tcelab_get_info(c, &info);
	if (ret)
		return ret;
	if (info.argsz >= sizeof(info))
		minsz = sizeof(info);
	return copy_to_user((void __user *)uarg, &info, minsz) ? -EFAULT : 0;
}

static long tcelab_ioctl_stats(struct tcelab_container *c, unsigned long uarg)
{
	struct tcelab_stats st;
	long ret;

	ret = TCELAB_ARG(st, uarg, double_releases, 0);
	if (ret)
		return ret;
	st.mapped = atomic64_read(&c->stats.mapped);
	st.pinned = atomic64_read(&c->stats.pinned);
	st.locked_pages = atomic64_read(&c->stats.locked_pages);
	st.exchanges = atomic64_read(&c->stats.exchanges);
	st.kills = atomic64_read(&c->stats.kills);
	st.faults = atomic64_read(&c->stats.faults);
	st.dirtied = atomic64_read(&c->stats.dirtied);
	st.double_releases = atomic64_read(&c->stats.double_releases);
	return copy_to_user((void __user *)uarg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long tcelab_ioctl_args(struct tcelab_container *c, unsigned int cmd, unsigned long uarg)
{
	union {
		struct tcelab_group group;
		struct tcelab_dma_map map;
		struct tcelab_dma_unmap unmap;
		struct tcelab_register_memory reg;
		struct tcelab_spapr_tce_create create;
		struct tcelab_spapr_tce_remove remove;
		struct tcelab_memslot slot;
		struct tcelab_liobn liobn;
		struct tcelab_hcall_batch batch;
		struct tcelab_device_dma dma;
		struct tcelab_page_refs refs;
	} a;
	long ret;

	switch (cmd) {
	case TCELAB_ATTACH_GROUP:
	case TCELAB_DETACH_GROUP:
		ret = TCELAB_ARG(a.group, uarg, group, 0);
		if (ret)
			return ret;
		if (cmd == TCELAB_ATTACH_GROUP)
			return tcelab_attach_group(c, a.group.group);
		return tcelab_detach_group(c, a.group.group);
	case TCELAB_MAP_DMA:
		/* VFIO checks ENABLE before the argument (tce_iommu_ioctl()). */
		if (!READ_ONCE(c->enabled))
			return -EPERM;
		ret = TCELAB_ARG(a.map, uarg, size,
				 TCELAB_DMA_MAP_FLAG_READ | TCELAB_DMA_MAP_FLAG_WRITE);
		return ret ?: tcelab_map_dma(c, &a.map);
	case TCELAB_UNMAP_DMA:
		if (!READ_ONCE(c->enabled))
			return -EPERM;
		ret = TCELAB_ARG(a.unmap, uarg, size, 0);
		return ret ?: tcelab_unmap_dma(c, &a.unmap);
	case TCELAB_REGISTER_MEMORY:
	case TCELAB_UNREGISTER_MEMORY:
		if (!tcelab_v2(c))
			return -ENOTTY;
		/*
		 * VFIO binds a container to an mm at its first REGISTER_MEMORY, TCE_CREATE,
		 * TCE_REMOVE or ENABLE (tce_iommu_mm_set()); UNREGISTER_MEMORY before is -EPERM.
		 */
		if (cmd == TCELAB_REGISTER_MEMORY)
			WRITE_ONCE(c->mm_set, true);
		else if (!READ_ONCE(c->mm_set))
			return -EPERM;
		ret = TCELAB_ARG(a.reg, uarg, size, 0);
		if (ret)
			return ret;
		if (cmd == TCELAB_REGISTER_MEMORY)
			return tcelab_register_memory(c, a.reg.vaddr, a.reg.size);
		return tcelab_unregister_memory(c, a.reg.vaddr, a.reg.size);
	case TCELAB_TCE_CREATE:
		if (!tcelab_v2(c))
			return -ENOTTY;
		WRITE_ONCE(c->mm_set, true);
		ret = TCELAB_ARG(a.create, uarg, start_addr, 0);
		if (!ret)
			ret = tcelab_create_window(c, a.create.page_shift, a.create.window_size,
						   a.create.levels, &a.create.start_addr);
		if (!ret && copy_to_user((void __user *)uarg, &a.create,
					 offsetofend(typeof(a.create), start_addr)))
			ret = -EFAULT;
		return ret;
	case TCELAB_TCE_REMOVE:
		if (!tcelab_v2(c))
			return -ENOTTY;
		WRITE_ONCE(c->mm_set, true);
		ret = TCELAB_ARG(a.remove, uarg, start_addr, 0);
		return ret ?: tcelab_remove_window(c, a.remove.start_addr);
	case TCELAB_SET_MEMSLOT:
		ret = TCELAB_ARG(a.slot, uarg, size, 0);
		return ret ?: tcelab_set_memslot(c, &a.slot);
	case TCELAB_SET_LIOBN:
		ret = TCELAB_ARG(a.liobn, uarg, size, 0);
		return ret ?: tcelab_set_liobn(c, &a.liobn);
	case TCELAB_HCALL:
		ret = TCELAB_ARG(a.batch, uarg, calls, 0);
		return ret ?: tcelab_hcall_batch(c, &a.batch);
	case TCELAB_DEVICE_DMA:
		ret = TCELAB_ARG(a.dma, uarg, buf, TCELAB_DEVICE_DMA_WRITE);
		return ret ?: tcelab_device_dma(c, &a.dma);
	case TCELAB_PAGE_REFS:
		ret = TCELAB_ARG(a.refs, uarg, refcount, 0);
		if (!ret)
			ret = tcelab_page_refs(&a.refs);
		if (!ret && copy_to_user((void __user *)uarg, &a.refs, sizeof(a.refs)))
			ret = -EFAULT;
		return ret;
	default:
		return -ENOTTY;
	}
}

/* The ioctls of VFIO's sPAPR TCE IOMMU driver that tcelab.ko mirrors. */
static bool tcelab_vfio_iommu_ioctl(unsigned int cmd)
{
	switch (cmd) {
	case TCELAB_SPAPR_TCE_GET_INFO:
	case TCELAB_ENABLE:
	case TCELAB_DISABLE:
	case TCELAB_MAP_DMA:
	case TCELAB_UNMAP_DMA:
	case TCELAB_REGISTER_MEMORY:
	case TCELAB_UNREGISTER_MEMORY:
	case TCELAB_TCE_CREATE:
	case TCELAB_TCE_REMOVE:
		return true;
	default:
		return false;
	}
}

static long tcelab_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct tcelab_container *c = file->private_data;

	switch (cmd) {
	case TCELAB_GET_API_VERSION:
		return TCELAB_API_VERSION;
	case TCELAB_CHECK_EXTENSION:
		return uarg == TCELAB_SPAPR_TCE_IOMMU || uarg == TCELAB_SPAPR_TCE_v2_IOMMU ||
		       uarg == TCELAB_EXT_HCALL || uarg == TCELAB_EXT_DEVICE_DMA;
	}

	/* Prevent one process from manipulating another's mm through an inherited fd. */
	if (c->mm != current->mm)
		return -EPERM;

	/* Without an IOMMU type VFIO hands these to no driver: -EINVAL (vfio_fops_unl_ioctl()). */
	if (!c->type && tcelab_vfio_iommu_ioctl(cmd))
		return -EINVAL;

	switch (cmd) {
	case TCELAB_SET_IOMMU:
		return tcelab_set_iommu(c, uarg);
	case TCELAB_SPAPR_TCE_GET_INFO:
		return tcelab_ioctl_info(c, uarg);
	case TCELAB_ENABLE:
		return tcelab_v2(c) ? -ENOTTY : tcelab_enable(c);
	case TCELAB_DISABLE:
		if (tcelab_v2(c))
			return -ENOTTY;
		tcelab_disable(c);
		return 0;
	case TCELAB_GET_STATS:
		return tcelab_ioctl_stats(c, uarg);
	default:
		return tcelab_ioctl_args(c, cmd, uarg);
	}
}

static const struct file_operations tcelab_fops = {
	.owner = THIS_MODULE,
	.open = tcelab_open,
	.release = tcelab_release,
	.unlocked_ioctl = tcelab_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice tcelab_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "tcelab",
	.fops = &tcelab_fops,
};

static int __init tcelab_init(void)
{
	int ret;

	if (!tcelab_ngroups || tcelab_ngroups > TCELAB_MAX_GROUPS || !tcelab_dma32_mb ||
	    tcelab_dma32_mb > 2048 || (tcelab_dma32_mb & (tcelab_dma32_mb - 1)) ||
	    !(tcelab_pgsizes & (1ULL << 12)))
		return -EINVAL;
	ret = tcelab_groups_init();
	if (ret)
		return ret;
	tcelab_debugfs_init();
	ret = misc_register(&tcelab_misc);
	if (ret) {
		tcelab_debugfs_exit();
		tcelab_groups_exit();
	}
	return ret;
}

static void __exit tcelab_exit(void)
{
	misc_deregister(&tcelab_misc);
	tcelab_debugfs_exit();
	tcelab_groups_exit();
	tcelab_pins_exit();
	tcelab_faults_reap_locked_vm();
	tcelab_tables_reap();
}

module_init(tcelab_init);
module_exit(tcelab_exit);
MODULE_DESCRIPTION("Simulated sPAPR TCE / VFIO DMA-mapping stack for latency and pin-leak tests");
MODULE_LICENSE("GPL");
