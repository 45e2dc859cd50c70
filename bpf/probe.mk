# Probes: tcelab.bpf.c compiled per guest arch, embedded by a libbpf skeleton into the static
# tcelab-probe loader.
BPF_CLANG ?= clang
BPFTOOL ?= bpftool

GUEST_BINS += tcelab-probe
SRCS_tcelab-probe := loader/tcelab-probe.c loader/hist.c loader/roles.c
CFLAGS_tcelab-probe = -I$(TOP)/bpf -I$(TOP)/loader -I$(BUILD)/$*/bpf -I$(BPFINC_$*)
# libelf compresses sections with zlib and zstd, so a static libbpf needs both.
LDLIBS_tcelab-probe = -L$(LIBDIR_$*) -l:libbpf.a -l:libelf.a -l:libz.a -l:libzstd.a
DEPS_tcelab-probe = bpf/tcelab.h loader/hist.h loader/roles.h $$(BUILD)/$$*/bpf/tcelab.skel.h

# Both guest arches are little-endian, hence bpfel whatever the host. The arch's own uapi
# headers come first: struct pt_regs, used by the kprobe programs, is per arch.
# -mcpu=v3: atomics that return the old value (kernel 5.12+).
$(BUILD)/%/bpf/tcelab.bpf.o: bpf/tcelab.bpf.c bpf/tcelab.h include/uapi/tcelab.h
	@mkdir -p $(@D)
	$(Q)$(BPF_CLANG) -g -O2 -Wall -target bpfel -mcpu=v3 -D__TARGET_ARCH_$(BPFARCH_$*) \
		-I$(SYSINC_$*) -I$(BPFINC_$*) -I$(TOP)/include -c $< -o $@

$(BUILD)/%/bpf/tcelab.skel.h: $(BUILD)/%/bpf/tcelab.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name tcelab_bpf >$@.tmp && mv $@.tmp $@


# The histogram math is kernel-independent: the host unit tests check it (tests/unit/test_hist.c).
UNIT_SRCS += loader/hist.c
