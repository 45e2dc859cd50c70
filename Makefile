# tcelab: build, run and test. `make run` and `make test` are all a newcomer needs; both set up
# what is missing first (vm/setup.sh, idempotent and cached under .cache/).
#
# The pipeline (README.md, "Architecture"), one folder and one fragment a stage:
#   traces/ (host) -> vm/ boots the guest -> replay/ + probe/ (guest) -> vm/ verdict -> reports/
# lib/ is the base every stage shares, cli/ the command that chains the stages, tests/ the tests.
TOP := $(CURDIR)
CACHE := $(TOP)/.cache
BUILD := build
ARCHES := x86_64 ppc64le
TARGET ?= powernv9
# The set-up rule below comes first in the file; plain `make` still builds.
.DEFAULT_GOAL := all

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

# Sources include the shared base as "lib/x.h" and the contracts as <uapi/...>, <tcelab/...>.
CFLAGS_COMMON := -O2 -g -Wall -Wextra -Werror=implicit-function-declaration -I$(TOP)/include \
	-I$(TOP)
HOSTCC := gcc
HOST_CFLAGS := $(CFLAGS_COMMON) -Wno-unused-parameter
HOST_LDLIBS := -lcjson

Q := @
ifeq ($(V),1)
Q :=
endif

.PHONY: all setup build run test clean distclean help FORCE
FORCE:
all: build

help:
	@echo "make run     set up, build, boot the default guest ($(TARGET)) and run the default scenario"
	@echo "make test    set up, build, run the host unit tests and the guest tests on powernv9 and x86_64"
	@echo "make setup   only install host packages and download guest kernels (.cache/)"
	@echo "make build   build host tools, modules, probes and initramfs for both guest arches"
	@echo "make checkpatch  kernel style (checkpatch.pl --strict) of kmod/"
	@echo "make patch-validity  every patch of tests/patches/MANIFEST on the real VFIO stack"
	@echo "make knob-validity   every fault knob of tests/knobs/MANIFEST under the suites"
	@echo "make bench  tcelab's own cost and speed (build/bench/bench.json; BENCH_ONLY=NAME)"
	@echo "make lava-test  runs fanned out on LAVA (lava-run, installed on demand), collected"
	@echo "make diff    the differential's long run: tcelab.ko against the upstream VFIO stack"
	@echo "make clean   remove build/ (keeps downloads in .cache/)"
	@echo "Options: TARGET=powernv9|powernv8|x86_64|native  V=1 (verbose build)"

setup: $(CACHE)/versions.mk

# Each fragment adds to these: host sources of the tcelab command, code the host unit tests
# compile, static guest programs (GUEST_BINS with SRCS_/CFLAGS_/LDLIBS_/DEPS_<name>), and
# per-arch extra initramfs inputs (KMOD_EXTRA_<arch>).
HOST_SRCS :=
UNIT_SRCS :=
GUEST_BINS :=
include lib/lib.mk
include kmod/kmod.mk
include probe/probe.mk
include traces/traces.mk
include replay/replay.mk
include reports/reports.mk
include vm/vm.mk
include cli/cli.mk
include tests/tests.mk

define guest_bin_rule
$$(BUILD)/%/bin/$(1): $$(SRCS_$(1)) $$(DEPS_$(1)) $$(LIB_HDRS) include/uapi/tcelab.h
	@mkdir -p $$(@D)
	$$(Q)$$(CC_$$*) -static $$(CFLAGS_COMMON) $$(CFLAGS_$(1)) -o $$@ $$(SRCS_$(1)) $$(LDLIBS_$(1))
endef
$(foreach b,$(GUEST_BINS),$(eval $(call guest_bin_rule,$(b))))

build: $(BUILD)/host/tcelab $(BUILD)/host/unit-tests \
	$(foreach a,$(ARCHES),$(BUILD)/$(a)/initramfs.cpio)

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(CACHE)
