# kmod/: tcelab.ko, built per guest arch against the Debian kernel's headers (kmod/README.md).
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild
# Kbuild builds next to its sources, so each arch builds in its own tree of symlinks.
$(BUILD)/%/kmod/tcelab.ko: $(KMOD_SRCS) include/uapi/tcelab.h $(CACHE)/versions.mk
	@echo "==> build tcelab.ko ($*)"
	$(Q)mkdir -p $(@D) && ln -sf $(addprefix $(TOP)/,$(KMOD_SRCS)) $(@D)/
	$(Q)$(MAKE) -s -C $(KDIR_$*) M=$(abspath $(@D)) ARCH=$(KARCH_$*) CROSS_COMPILE=$(CROSS_$*) \
		TCELAB_TOP=$(TOP) modules >$(@D)/build.log 2>&1 || { cat $(@D)/build.log; exit 1; }
	$(Q)if [ $* = x86_64 ]; then \
		pahole -J --btf_gen_floats -j --lang_exclude=rust --btf_base $(VMLINUX_x86_64) $@; fi

# Kernel-independent kmod logic compiled into the host unit tests.
UNIT_SRCS += kmod/tce_logic.c

# Separate test-only modules (not part of tcelab.ko) add to KMOD_EXTRA_<arch>, CHECKPATCH_SRCS.
include kmod/spapr_iommu_ops/module.mk

# Kernel style for the module: checkpatch from Debian's linux-source, --strict, nothing tolerated.
.PHONY: checkpatch
checkpatch: $(CACHE)/versions.mk
	@echo "==> checkpatch --strict kmod/"
	$(Q)out=$$(perl $(LINUX_SOURCE)/scripts/checkpatch.pl --no-tree --strict --terse -f \
		$(filter %.c %.h,$(KMOD_SRCS)) $(CHECKPATCH_SRCS) 2>&1 | grep -E 'ERROR|WARNING|CHECK'); \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi
