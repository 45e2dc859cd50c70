# spapr_iommu_ops.ko (TEST-ONLY, ppc64le only): see kmod/README.md. Included by kmod/kmod.mk.
SIO_SRCS := kmod/spapr_iommu_ops/spapr_iommu_ops.c kmod/spapr_iommu_ops/Kbuild
# Kbuild builds next to its sources: a tree of symlinks per arch, as for tcelab.ko.
$(BUILD)/ppc64le/kmod/spapr_iommu_ops/spapr_iommu_ops.ko: $(SIO_SRCS) $(CACHE)/versions.mk
	@echo "==> build spapr_iommu_ops.ko (ppc64le)"
	$(Q)mkdir -p $(@D) && ln -sf $(addprefix $(TOP)/,$(SIO_SRCS)) $(@D)/
	$(Q)$(MAKE) -s -C $(KDIR_ppc64le) M=$(abspath $(@D)) ARCH=$(KARCH_ppc64le) \
		CROSS_COMPILE=$(CROSS_ppc64le) modules >$(@D)/build.log 2>&1 || \
		{ cat $(@D)/build.log; exit 1; }
# Extra initramfs inputs per arch (vm/mkinitramfs.sh copies every build/<arch>/kmod/*/*.ko).
KMOD_EXTRA_ppc64le += $(BUILD)/ppc64le/kmod/spapr_iommu_ops/spapr_iommu_ops.ko
CHECKPATCH_SRCS += kmod/spapr_iommu_ops/spapr_iommu_ops.c
