# tcelab: build, run and test. `make run` and `make test` are all a newcomer needs; both set up
# what is missing first (vm/setup.sh, idempotent and cached under .cache/).
TOP := $(CURDIR)
CACHE := $(TOP)/.cache
BUILD := build
ARCHES := x86_64 ppc64le
TARGET ?= powernv9

# Goals that must not trigger set-up.
NOSETUP_GOALS := help clean distclean
ifneq ($(filter-out $(NOSETUP_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(CACHE)/versions.mk
endif

# GNU make remakes an included makefile first: this is how every goal gets set-up.
$(CACHE)/versions.mk: vm/setup.sh
	@vm/setup.sh

.SECONDEXPANSION:
# Keep every intermediate (binaries, skeletons): they are products, not temporaries.
.SECONDARY:

# Per-arch toolchains. Guest programs are static: the initramfs carries no libc.
CC_x86_64 := gcc
CC_ppc64le := powerpc64le-linux-gnu-gcc
CROSS_x86_64 :=
CROSS_ppc64le := powerpc64le-linux-gnu-
KARCH_x86_64 := x86
KARCH_ppc64le := powerpc
BPFARCH_x86_64 := x86
BPFARCH_ppc64le := powerpc
SYSINC_x86_64 := /usr/include/x86_64-linux-gnu
SYSINC_ppc64le := /usr/powerpc64le-linux-gnu/include
# Static link of libbpf: on ppc64el the libraries come from the unpacked sysroot.
LIBDIR_x86_64 := /usr/lib/x86_64-linux-gnu
LIBDIR_ppc64le = $(SYSROOT_ppc64le)/usr/lib/powerpc64le-linux-gnu
BPFINC_x86_64 := /usr/include
BPFINC_ppc64le = $(SYSROOT_ppc64le)/usr/include

CFLAGS_COMMON := -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -I$(TOP)/include
HOSTCC := gcc

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all setup build run test checkpatch native-check clean distclean help FORCE
FORCE:
all: build

help:
	@echo "make run     set up, build, boot the default guest ($(TARGET)) and run the default scenario"
	@echo "make test    set up, build, run the host unit tests and the guest tests on powernv9 and x86_64"
	@echo "make setup   only install host packages and download guest kernels (.cache/)"
	@echo "make build   build host tools, modules, probes and initramfs for both guest arches"
	@echo "make checkpatch  kernel style (checkpatch.pl --strict) of kmod/"
	@echo "make clean   remove build/ (keeps downloads in .cache/)"
	@echo "Options: TARGET=powernv9|powernv8|x86_64|native  V=1 (verbose build)"

setup: $(CACHE)/versions.mk

# --- kernel module ---------------------------------------------------------------------------
KMOD_SRCS := $(wildcard kmod/*.c kmod/*.h) kmod/Kbuild
# Kbuild builds next to its sources, so each arch builds in its own tree of symlinks.
$(BUILD)/%/kmod/tcelab.ko: $(KMOD_SRCS) include/uapi/tcelab.h $(CACHE)/versions.mk
	@echo "==> build tcelab.ko ($*)"
	$(Q)mkdir -p $(@D) && ln -sf $(addprefix $(TOP)/,$(KMOD_SRCS)) $(@D)/
	$(Q)$(MAKE) -s -C $(KDIR_$*) M=$(abspath $(@D)) ARCH=$(KARCH_$*) CROSS_COMPILE=$(CROSS_$*) \
		TCELAB_TOP=$(TOP) modules >$(@D)/build.log 2>&1 || { cat $(@D)/build.log; exit 1; }
	$(Q)if [ $* = x86_64 ]; then \
		pahole -J --btf_gen_floats -j --lang_exclude=rust --btf_base $(VMLINUX_x86_64) $@; fi
# Separate test-only modules (not part of tcelab.ko) add to KMOD_EXTRA_<arch>, CHECKPATCH_SRCS.
include kmod/spapr_iommu_ops/module.mk

# --- guest programs --------------------------------------------------------------------------
# Fragments add names to GUEST_BINS and define SRCS_<name> (and optional LDLIBS_<name>,
# DEPS_<name>); each becomes a static $(BUILD)/<arch>/bin/<name> in the initramfs.
GUEST_BINS :=
include bpf/probe.mk
include scenarios/scenarios.mk

define guest_bin_rule
$$(BUILD)/%/bin/$(1): $$(SRCS_$(1)) $$(DEPS_$(1)) include/uapi/tcelab.h
	@mkdir -p $$(@D)
	$$(Q)$$(CC_$$*) -static $$(CFLAGS_COMMON) $$(CFLAGS_$(1)) -o $$@ $$(SRCS_$(1)) $$(LDLIBS_$(1))
endef
$(foreach b,$(GUEST_BINS),$(eval $(call guest_bin_rule,$(b))))

# Every tests/guest/*.c is one TAP program, run by the guest `test` job.
GUEST_TESTS := $(patsubst tests/guest/%.c,%,$(wildcard tests/guest/*.c))
# The list's own stamp changes when a test is added or removed, so no stale binary lingers.
$(BUILD)/%/tests/.list: FORCE
	@mkdir -p $(@D)
	@echo '$(GUEST_TESTS)' | cmp -s - $@ || echo '$(GUEST_TESTS)' >$@
$(BUILD)/%/tests/.built: $(wildcard tests/guest/*.c tests/guest/*.h) include/uapi/tcelab.h \
		$(BUILD)/%/tests/.list
	$(Q)find $(@D) -maxdepth 1 -type f ! -name '.*' -delete
	$(Q)for t in $(GUEST_TESTS); do \
		$(CC_$*) -static $(CFLAGS_COMMON) -pthread -o $(@D)/$$t tests/guest/$$t.c || exit 1; done
	@touch $@

# --- initramfs ---------------------------------------------------------------------------------
define initramfs_inputs
$(BUILD)/$(1)/kmod/tcelab.ko $(KMOD_EXTRA_$(1)) $(BUILD)/$(1)/tests/.built $(addprefix $(BUILD)/$(1)/bin/,$(GUEST_BINS))
endef
$(BUILD)/%/initramfs.cpio: vm/mkinitramfs.sh vm/guest/init vm/guest/finish tests/guest/QUARANTINE \
		vm/guest/vfio-setup $(wildcard vm/guest/jobs/*) \
		$$(call initramfs_inputs,$$*) $(CACHE)/versions.mk
	@echo "==> initramfs ($*)"
	$(Q)vm/mkinitramfs.sh $* $(BUILD)/$* $(MODDIR_$*) $(BUSYBOX_$*) $@

# --- host tools --------------------------------------------------------------------------------
HOST_CFLAGS := $(CFLAGS_COMMON) -Wno-unused-parameter -Icli -Ivm
HOST_LDLIBS := -lcjson
# Fragments (scenarios/scenarios.mk, reports/...) add their host sources to HOST_SRCS.
HOST_SRCS += $(wildcard cli/*.c vm/*.c)
$(BUILD)/host/tcelab: $(HOST_SRCS) $(wildcard cli/*.h vm/*.h) include/uapi/tcelab.h
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(HOST_SRCS) $(HOST_LDLIBS)

# Fragments add code under test to UNIT_SRCS; every tests/unit/*.c is compiled in.
include kmod/unit.mk
include reports/reports.mk
UNIT_SRCS += $(wildcard tests/unit/*.c) vm/guestlog.c vm/tap.c cli/util.c
$(BUILD)/host/unit-tests: $(UNIT_SRCS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Itests/unit -o $@ $(UNIT_SRCS) $(HOST_LDLIBS)

# --- native: a host whose own kernel can load modules (a real POWER box) -------------------------
NATIVE_ARCH := $(shell uname -m)
KDIR_native := /lib/modules/$(shell uname -r)/build
KARCH_native := $(if $(filter ppc64le,$(NATIVE_ARCH)),powerpc,x86)
CROSS_native :=

# --- the two commands ----------------------------------------------------------------------------
TCELAB := $(BUILD)/host/tcelab
ifeq ($(TARGET),native)
RUN_DEPS = $(TCELAB) native-check $(BUILD)/native/kmod/tcelab.ko $(call initramfs_inputs,$(NATIVE_ARCH))
else
RUN_DEPS = build
endif

run: $$(RUN_DEPS)
	$(TCELAB) run --target $(TARGET) $(if $(V),-v)

# tcelab names what is missing before make tries to build against a kernel tree that is absent.
native-check: $(TCELAB)
	$(Q)$(TCELAB) run --target native --check

# Guest test runs go to build/test-runs/, keeping reports/ for real runs.
TEST_TARGETS := powernv9 x86_64
TEST_RUNS := $(BUILD)/test-runs
# job:failure-kind pairs: the harness must catch each of these.
NEGATIVE_JOBS := warn:kernel-warn leak:pinned-pages fail:guest-exit

# Kernel style for the module: checkpatch from Debian's linux-source, --strict, nothing tolerated.
checkpatch: $(CACHE)/versions.mk
	@echo "==> checkpatch --strict kmod/"
	$(Q)out=$$(perl $(LINUX_SOURCE)/scripts/checkpatch.pl --no-tree --strict --terse -f \
		$(filter %.c %.h,$(KMOD_SRCS)) $(CHECKPATCH_SRCS) 2>&1 | grep -E 'ERROR|WARNING|CHECK'); \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

# The fuzzers get a short turn in every test run; 'make fuzz' runs them longer.
TEST_FUZZ_SECONDS := 15

test: build checkpatch report-test
	@echo "==> host unit tests"
	$(Q)$(BUILD)/host/unit-tests
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(Q)rm -rf $(TEST_RUNS)
	$(Q)for t in $(TEST_TARGETS); do \
		echo "==> guest tests on $$t"; \
		$(TCELAB) run --target $$t --job test --out $(TEST_RUNS)/$$t-test || exit 1; \
		for jk in $(NEGATIVE_JOBS); do \
			echo "==> harness catches $${jk#*:} on $$t"; \
			$(TCELAB) run --target $$t --job $${jk%%:*} --expect-failure $${jk#*:} \
				--out $(TEST_RUNS)/$$t-$${jk%%:*} >$(TEST_RUNS)/$$t-$${jk%%:*}.log 2>&1 || \
				{ cat $(TEST_RUNS)/$$t-$${jk%%:*}.log; exit 1; }; \
		done; \
	done
	@echo "==> upstream VFIO sPAPR TCE stack on powernv9-vfio"
	$(Q)$(TCELAB) run --target powernv9-vfio --job vfio --out $(TEST_RUNS)/powernv9-vfio-vfio
	@echo "==> the probes catch upstream 6.1's UNREGISTER_MEMORY leak (16 pages) on powernv9-vfio"
	$(Q)$(TCELAB) run --target powernv9-vfio --job vfio-unreg-leak --expect-failure kernel-warn \
		--out $(TEST_RUNS)/powernv9-vfio-unreg-leak >$(TEST_RUNS)/powernv9-vfio-unreg-leak.log 2>&1 || \
		{ cat $(TEST_RUNS)/powernv9-vfio-unreg-leak.log; exit 1; }
	$(Q)grep -q '"leaks":{"pages":16,' $(TEST_RUNS)/powernv9-vfio-unreg-leak/guest/probe-upstream.json && \
		grep -q '"frames":\["mm_iommu_do_alloc+' $(TEST_RUNS)/powernv9-vfio-unreg-leak/guest/probe-upstream.json || \
		{ echo "the upstream pin ledger did not report 16 pages leaked by mm_iommu_do_alloc:"; \
		  grep -A12 'ledger:' $(TEST_RUNS)/powernv9-vfio-unreg-leak/guest/job.log; exit 1; }
	@echo "==> the default suite on tcelab.ko and on the upstream VFIO container, one boot"
	$(Q)$(TCELAB) run --target powernv9-vfio --job suite --backends kmod,vfio \
		--out $(TEST_RUNS)/powernv9-vfio-side-by-side
	@echo "==> all tests passed"

build: $(BUILD)/host/tcelab $(BUILD)/host/unit-tests \
	$(foreach a,$(ARCHES),$(BUILD)/$(a)/initramfs.cpio)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(CACHE)
