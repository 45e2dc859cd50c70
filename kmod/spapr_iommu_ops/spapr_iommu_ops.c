// SPDX-License-Identifier: GPL-2.0
/*
 * spapr_iommu_ops.ko: TEST-ONLY. Lets vfio-pci bind on a powernv guest running a 6.1 kernel.
 *
 * Since 6.0 the generic VFIO code asks the IOMMU core two things that 6.1's powerpc does not
 * answer, because the platform puts PCI devices into IOMMU groups without any iommu_ops:
 *  - device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY): false without ops, so
 *    vfio_group_find_or_alloc() refuses the device and vfio-pci's probe fails with -EINVAL;
 *  - iommu_group_claim_dma_owner(): needs a blocking domain from bus->iommu_ops.
 * Upstream fixed this in arch/powerpc/kernel/iommu.c with spapr_tce_iommu_ops (commit
 * a940904443e4, "powerpc/iommu: Add iommu_ops to report capabilities and allow blocking
 * domains"). This module installs equivalent minimal ops for the PCI devices the platform has
 * already grouped. It does nothing to TCE tables: VFIO's sPAPR TCE driver still takes the
 * group's ownership through the table_group ops, exactly as upstream does.
 *
 * It cannot be unloaded: blocking domains whose ops live here may outlive any exit path.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

static struct iommu_device sio_iommu;

static unsigned int sio_adopted;
module_param_named(adopted, sio_adopted, uint, 0444);
MODULE_PARM_DESC(adopted, "PCI devices given these ops (read-only)");

static bool sio_capable(struct device *dev, enum iommu_cap cap)
{
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

static int sio_attach_dev(struct iommu_domain *dom, struct device *dev)
{
	return 0;
}

/* 6.1 detaches from the blocking domain when VFIO releases the group (no default domain). */
static void sio_detach_dev(struct iommu_domain *dom, struct device *dev)
{
}

static void sio_domain_free(struct iommu_domain *dom)
{
	kfree(dom);
}

static const struct iommu_domain_ops sio_domain_ops = {
	.attach_dev = sio_attach_dev,
	.detach_dev = sio_detach_dev,
	.free = sio_domain_free,
};

/* Only blocking domains: DMA stays under the platform's TCE tables. */
static struct iommu_domain *sio_domain_alloc(unsigned int type)
{
	struct iommu_domain *dom;

	if (type != IOMMU_DOMAIN_BLOCKED)
		return NULL;
	dom = kzalloc(sizeof(*dom), GFP_KERNEL);
	if (!dom)
		return NULL;
	dom->geometry.aperture_start = 0;
	dom->geometry.aperture_end = ~0ULL;
	dom->geometry.force_aperture = true;
	return dom;
}

/* New devices are not ours: only those the platform grouped before we loaded are adopted. */
static struct iommu_device *sio_probe_device(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static void sio_release_device(struct device *dev)
{
}

static struct iommu_group *sio_device_group(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static const struct iommu_ops sio_ops = {
	.capable = sio_capable,
	.domain_alloc = sio_domain_alloc,
	.probe_device = sio_probe_device,
	.release_device = sio_release_device,
	.device_group = sio_device_group,
	.default_domain_ops = &sio_domain_ops,
	.pgsize_bitmap = ~0xfffUL,
	.owner = THIS_MODULE,
};

/*
 * What __iommu_probe_device() would have done for a device already in a group: a dev_iommu
 * pointing at our iommu_device, a module reference (dropped by iommu_release_device() if the
 * device goes away) and the sysfs links.
 */
static int sio_adopt(struct pci_dev *pdev)
{
	struct device *dev = &pdev->dev;
	struct dev_iommu *param;

	if (!dev->iommu_group)
		return 0;
	if (dev->iommu) {
		pci_info(pdev, "spapr_iommu_ops: already has IOMMU ops, left alone\n");
		return 0;
	}
	param = kzalloc(sizeof(*param), GFP_KERNEL);
	if (!param)
		return -ENOMEM;
	mutex_init(&param->lock);
	param->iommu_dev = &sio_iommu;
	__module_get(THIS_MODULE);
	dev->iommu = param;
	iommu_device_link(&sio_iommu, dev);
	sio_adopted++;
	pci_info(pdev, "spapr_iommu_ops: IOMMU group %d adopted\n",
		 iommu_group_id(dev->iommu_group));
	return 0;
}

static int __init sio_init(void)
{
	struct pci_dev *pdev = NULL;
	int ret;

	ret = iommu_device_sysfs_add(&sio_iommu, NULL, NULL, "spapr-tce-ops");
	if (ret)
		return ret;
	/* Sets the PCI (and platform) bus ops; it probes no device that is already grouped. */
	ret = iommu_device_register(&sio_iommu, &sio_ops, NULL);
	if (ret) {
		pr_err("spapr_iommu_ops: iommu_device_register: %d\n", ret);
		iommu_device_sysfs_remove(&sio_iommu);
		return ret;
	}
	for_each_pci_dev(pdev) {
		ret = sio_adopt(pdev);
		if (ret) {
			pci_dev_put(pdev);
			break;
		}
	}
	pr_info("spapr_iommu_ops: TEST-ONLY iommu_ops installed, %u grouped PCI devices adopted\n",
		sio_adopted);
	/* Devices adopted so far keep their ops: a failure here is reported, not undone. */
	return 0;
}
module_init(sio_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TEST-ONLY powerpc iommu_ops (cache coherency, blocking domain) for vfio-pci on 6.1");
