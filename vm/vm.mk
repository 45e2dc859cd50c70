# vm/: set-up (setup.sh), the initramfs, the guest's init and jobs (guest/), booting a target's
# QEMU guest and judging what it wrote back (the verdict: results.json).
HOST_SRCS += $(wildcard vm/*.c)
UNIT_SRCS += vm/guestlog.c vm/kconfig.c vm/target.c vm/modfiles.c vm/lavalog.c

define initramfs_inputs
$(BUILD)/$(1)/kmod/tcelab.ko $(KMOD_EXTRA_$(1)) $(BUILD)/$(1)/tests/.built $(addprefix $(BUILD)/$(1)/bin/,$(GUEST_BINS))
endef
$(BUILD)/%/initramfs.cpio: vm/mkinitramfs.sh vm/guest/init vm/guest/finish tests/guest/QUARANTINE \
		vm/guest/vfio-setup vm/guest/knobs $(wildcard vm/guest/jobs/*) kmod/DIFFERENCES.md \
		$$(call initramfs_inputs,$$*) $(CACHE)/versions.mk
	@echo "==> initramfs ($*)"
	$(Q)vm/mkinitramfs.sh $* $(BUILD)/$* $(MODDIR_$*) $(BUSYBOX_$*) $@

# --- native: a host whose own kernel can load modules (a real POWER box) -------------------------
NATIVE_ARCH := $(shell uname -m)
KDIR_native := /lib/modules/$(shell uname -r)/build
KARCH_native := $(if $(filter ppc64le,$(NATIVE_ARCH)),powerpc,x86)
CROSS_native :=
