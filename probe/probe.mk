# probe/: the libbpf-bootstrap trio. probe.bpf.c compiled per guest arch, embedded by a libbpf
# skeleton (probe.skel.h) into the static tcelab-probe loader: probe.c (the command) and the
# modules probe_ctx.h names, which write the probe document with lib/json.c (cJSON).
BPF_CLANG ?= clang
BPFTOOL ?= bpftool

GUEST_BINS += tcelab-probe
SRCS_tcelab-probe := $(filter-out probe/probe.bpf.c,$(wildcard probe/*.c)) $(LIB_JSON_SRCS) lib/util.c
CFLAGS_tcelab-probe = -I$(BUILD)/$*/probe -I$(BPFINC_$*) $(GUEST_JSON_CFLAGS)
# libelf compresses sections with zlib and zstd, so a static libbpf needs both.
LDLIBS_tcelab-probe = -L$(LIBDIR_$*) -l:libbpf.a -l:libelf.a -l:libz.a -l:libzstd.a \
	$(GUEST_JSON_LIBS)
DEPS_tcelab-probe = $(wildcard probe/*.h) $$(BUILD)/$$*/probe/probe.skel.h $(GUEST_JSON_DEPS)

# Both guest arches are little-endian, hence bpfel whatever the host. The arch's own uapi
# headers come first: struct pt_regs, used by the kprobe programs, is per arch.
# -mcpu=v3: atomics that return the old value (kernel 5.12+).
$(BUILD)/%/probe/probe.bpf.o: probe/probe.bpf.c probe/probe.h include/tcelab/hist_layout.h \
		include/tcelab/phase.h \
		include/uapi/tcelab.h
	@mkdir -p $(@D)
	$(Q)$(BPF_CLANG) -g -O2 -Wall -target bpfel -mcpu=v3 -D__TARGET_ARCH_$(BPFARCH_$*) \
		-I$(SYSINC_$*) -I$(BPFINC_$*) -I$(TOP)/include -c $< -o $@

$(BUILD)/%/probe/probe.skel.h: $(BUILD)/%/probe/probe.bpf.o
	$(Q)$(BPFTOOL) gen skeleton $< name probe_bpf >$@.tmp && mv $@.tmp $@
