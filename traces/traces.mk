# traces/: the host side of traces: the QEMU importer and generators of .tce traces
# (traces/FORMAT.md; the reader/writer is lib/trace.c), 'tcelab import' and 'tcelab gen', the
# scenario suites, the recorded traces and the fuzzers.
TRACES_SRCS := traces/import_qemu.c traces/gen.c
HOST_SRCS += $(TRACES_SRCS) traces/commands.c traces/user.c
UNIT_SRCS += $(TRACES_SRCS) traces/user.c traces/commands.c
TRACES_HDRS := $(wildcard traces/*.h)
include traces/oracle/oracle.mk

# Parser throughput, a benchmark rather than a test: make trace-bench [TRACE_BENCH_MB=256]
TRACE_BENCH_MB ?= 256
$(BUILD)/host/trace-bench: traces/bench_trace.c $(TRACES_SRCS) $(LIB_TRACE_SRCS) $(TRACES_HDRS) \
		$(LIB_HDRS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(CFLAGS_COMMON) -o $@ traces/bench_trace.c $(TRACES_SRCS) $(LIB_TRACE_SRCS)

.PHONY: trace-bench fuzz
trace-bench: $(BUILD)/host/trace-bench
	$(Q)$< $(TRACE_BENCH_MB)

# libFuzzer on the parser and the QEMU importer for FUZZ_SECONDS each (reports/reports.mk adds
# the run loader); a crash fails the target and leaves the input in build/fuzz/. New corpus
# entries stay in build/fuzz too. FUZZ_CORPUS_<target> is each one's committed seed corpus.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS += trace import
FUZZ_CORPUS_trace := traces/fuzz/corpus/trace
FUZZ_CORPUS_import := traces/fuzz/corpus/import
FUZZ_CFLAGS := -g -O1 -I$(TOP) -I$(TOP)/include -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
$(BUILD)/fuzz/fuzz_trace $(BUILD)/fuzz/fuzz_import: $(BUILD)/fuzz/fuzz_%: traces/fuzz/fuzz_%.c \
		$(TRACES_SRCS) $(LIB_TRACE_SRCS) $(TRACES_HDRS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(TRACES_SRCS) $(LIB_TRACE_SRCS)

define run_fuzzer
echo "==> fuzz $(1) for $(FUZZ_SECONDS) s"; mkdir -p $(BUILD)/fuzz/corpus-$(1); \
$(BUILD)/fuzz/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	-artifact_prefix=$(BUILD)/fuzz/$(1)- $(BUILD)/fuzz/corpus-$(1) $(FUZZ_CORPUS_$(1)) \
	>$(BUILD)/fuzz/$(1).log 2>&1 || { tail -40 $(BUILD)/fuzz/$(1).log; exit 1; }; \
tail -1 $(BUILD)/fuzz/$(1).log;
endef

fuzz: $$(addprefix $(BUILD)/fuzz/fuzz_,$$(FUZZ_TARGETS))
	$(Q)$(foreach t,$(FUZZ_TARGETS),$(call run_fuzzer,$(t)))

# Scenario suites (traces/suites/README.md): their traces are made on the host and packed
# into /bin/tcelab-traces in each initramfs; the guest job 'suite' (and 'run') replays them.
SUITES := $(wildcard traces/suites/*.suite)
$(BUILD)/traces/tcelab-traces: $(SUITES) traces/suites/build.sh $(BUILD)/host/tcelab \
		$(wildcard traces/testdata/recorded/*.log)
	@echo "==> scenario traces"
	$(Q)traces/suites/build.sh $(BUILD)/host/tcelab $(BUILD)/traces $@ $(SUITES)
$(BUILD)/%/bin/tcelab-traces: $(BUILD)/traces/tcelab-traces
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(foreach a,$(ARCHES),$(eval $(BUILD)/$(a)/initramfs.cpio: $(BUILD)/$(a)/bin/tcelab-traces))
