# Guest scenario programs.
GUEST_BINS += tcelab-smoke
SRCS_tcelab-smoke := scenarios/smoke.c

# The .tce trace format, its QEMU importer and generators (scenarios/FORMAT.md).
TRACE_SRCS := scenarios/trace.c scenarios/tce_state.c scenarios/import_qemu.c scenarios/gen.c
HOST_SRCS += $(TRACE_SRCS) scenarios/commands.c
UNIT_SRCS += $(TRACE_SRCS)
$(BUILD)/host/tcelab $(BUILD)/host/unit-tests: $(wildcard scenarios/*.h)

# Parser throughput, a benchmark rather than a test: make trace-bench [TRACE_BENCH_MB=256]
TRACE_BENCH_MB ?= 256
$(BUILD)/host/trace-bench: scenarios/bench_trace.c $(TRACE_SRCS) $(wildcard scenarios/*.h)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(CFLAGS_COMMON) -o $@ scenarios/bench_trace.c $(TRACE_SRCS)

.PHONY: trace-bench fuzz
trace-bench: $(BUILD)/host/trace-bench
	$(Q)$< $(TRACE_BENCH_MB)

# libFuzzer on the parser and the QEMU importer for FUZZ_SECONDS each; a crash fails the
# target and leaves the input in build/fuzz/. New corpus entries stay in build/fuzz too.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := trace import
$(BUILD)/fuzz/fuzz_%: scenarios/fuzz/fuzz_%.c $(TRACE_SRCS) $(wildcard scenarios/*.h)
	@mkdir -p $(@D)
	$(Q)clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $< $(TRACE_SRCS)

fuzz: $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
	$(Q)for t in $(FUZZ_TARGETS); do \
		echo "==> fuzz $$t for $(FUZZ_SECONDS) s"; \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
			-artifact_prefix=$(BUILD)/fuzz/$$t- $(BUILD)/fuzz/corpus-$$t \
			scenarios/fuzz/corpus/$$t >$(BUILD)/fuzz/$$t.log 2>&1 || \
			{ tail -40 $(BUILD)/fuzz/$$t.log; exit 1; }; \
		tail -1 $(BUILD)/fuzz/$$t.log; \
	done

# The guest replay runner (scenarios/README.md, "Replaying a trace") and its backends.
REPLAY_SRCS := scenarios/replay.c scenarios/replay_logic.c scenarios/timeline.c \
	scenarios/backend.c scenarios/backend_kmod.c scenarios/backend_vfio.c scenarios/trace.c \
	scenarios/tce_state.c loader/hist.c
GUEST_BINS += tcelab-replay
SRCS_tcelab-replay := $(REPLAY_SRCS)
CFLAGS_tcelab-replay := -pthread -Wno-unused-parameter
LDLIBS_tcelab-replay := -pthread
DEPS_tcelab-replay := $(wildcard scenarios/*.h) loader/hist.h bpf/tcelab.h
UNIT_SRCS += scenarios/replay_logic.c scenarios/timeline.c

# Scenario suites (scenarios/suites/README.md): their traces are made on the host and packed
# into /bin/tcelab-traces in each initramfs; the guest job 'suite' (and 'run') replays them.
SUITES := $(wildcard scenarios/suites/*.suite)
$(BUILD)/traces/tcelab-traces: $(SUITES) scenarios/suites/build.sh $(BUILD)/host/tcelab \
		$(wildcard scenarios/testdata/recorded/*.log)
	@echo "==> scenario traces"
	$(Q)scenarios/suites/build.sh $(BUILD)/host/tcelab $(BUILD)/traces $@ $(SUITES)
$(BUILD)/%/bin/tcelab-traces: $(BUILD)/traces/tcelab-traces
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(foreach a,$(ARCHES),$(eval $(BUILD)/$(a)/initramfs.cpio: $(BUILD)/$(a)/bin/tcelab-traces))
