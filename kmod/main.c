// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko: a simulated sPAPR TCE / VFIO stack for measuring the DMA-mapping path.
 * /dev/tcelab: every open is a context bound to the opener's mm.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/tcelab.h>

#include "tcelab.h"

struct tcelab_stats tcelab_stats;

static int tcelab_open(struct inode *inode, struct file *file)
{
	struct tcelab_file *tf;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	mutex_init(&tf->lock);
	INIT_LIST_HEAD(&tf->pins);
	file->private_data = tf;
	return 0;
}

static int tcelab_release(struct inode *inode, struct file *file)
{
	struct tcelab_file *tf = file->private_data;

	tcelab_file_release_pins(tf);
	mutex_destroy(&tf->lock);
	kfree(tf);
	return 0;
}

/* Copy a VFIO-style argument: argsz must cover @minsz and no flags are defined yet. */
static int tcelab_copy_arg(void *arg, unsigned long uarg, size_t minsz)
{
	u32 *hdr = arg;

	if (copy_from_user(arg, (void __user *)uarg, minsz))
		return -EFAULT;
	if (hdr[0] < minsz || hdr[1])
		return -EINVAL;
	return 0;
}

static long tcelab_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	struct tcelab_file *tf = file->private_data;
	struct tcelab_pin_page pin;
	int ret;

	switch (cmd) {
	case TCELAB_PIN_PAGE:
	case TCELAB_UNPIN_PAGE:
		ret = tcelab_copy_arg(&pin, uarg, offsetofend(struct tcelab_pin_page, vaddr));
		if (ret)
			return ret;
		if (cmd == TCELAB_PIN_PAGE)
			return tcelab_file_pin(tf, pin.vaddr);
		return tcelab_file_unpin(tf, pin.vaddr);
	default:
		return -ENOTTY;
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

	ret = misc_register(&tcelab_misc);
	if (ret)
		return ret;
	tcelab_debugfs_init();
	return 0;
}

static void __exit tcelab_exit(void)
{
	tcelab_debugfs_exit();
	misc_deregister(&tcelab_misc);
}

module_init(tcelab_init);
module_exit(tcelab_exit);
MODULE_DESCRIPTION("Simulated sPAPR TCE / VFIO DMA-mapping stack for latency and pin-leak tests");
MODULE_LICENSE("GPL");
