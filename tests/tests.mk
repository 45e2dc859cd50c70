# tests/: host unit tests (unit/), guest TAP programs (guest/), and the end-to-end script that
# `make test` runs (run-tests.sh).
UNIT_SRCS += $(wildcard tests/unit/*.c)
$(BUILD)/host/unit-tests: $$(UNIT_SRCS) $(wildcard tests/unit/*.h) $$(LIB_HDRS) \
		$(wildcard kmod/*.h traces/*.h replay/*.h reports/*.h vm/*.h cli/*.h)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Itests/unit -o $@ $(UNIT_SRCS) $(HOST_LDLIBS)

# Every tests/guest/*.c is one TAP program, run by the guest `test` job. Each links lib/'s JSON
# (cJSON, and the probe document's reader).
GUEST_TESTS := $(patsubst tests/guest/%.c,%,$(wildcard tests/guest/*.c))
# The list's own stamp changes when a test is added or removed, so no stale binary lingers.
$(BUILD)/%/tests/.list: FORCE
	@mkdir -p $(@D)
	@echo '$(GUEST_TESTS)' | cmp -s - $@ || echo '$(GUEST_TESTS)' >$@
$(BUILD)/%/tests/.built: $(wildcard tests/guest/*.c tests/guest/*.h) include/uapi/tcelab.h \
		$(LIB_HDRS) $(LIB_JSON_SRCS) $(GUEST_JSON_DEPS) $(BUILD)/%/tests/.list
	$(Q)find $(@D) -maxdepth 1 -type f ! -name '.*' -delete
	$(Q)for t in $(GUEST_TESTS); do \
		$(CC_$*) -static $(CFLAGS_COMMON) $(GUEST_JSON_CFLAGS) -pthread -o $(@D)/$$t \
			tests/guest/$$t.c $(LIB_JSON_SRCS) $(GUEST_JSON_LIBS) || exit 1; done
	@touch $@

# tests/patches/MANIFEST, each patch to the upstream stack run and checked for exactly the
# failure kinds it must cause (make test runs the control and the MAP leak).
VALIDITY_ROWS := tests/validity_rows.c tests/validity_rows.h
$(BUILD)/host/patch-validity: tests/patch_validity.c $(VALIDITY_ROWS) $$(LIB_HOST_SRCS) $$(LIB_HDRS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/patch_validity.c tests/validity_rows.c \
		$(LIB_HOST_SRCS) $(HOST_LDLIBS)

.PHONY: patch-validity
patch-validity: build $(BUILD)/host/patch-validity
	$(Q)$(BUILD)/host/patch-validity $(TCELAB) $(BUILD)/validity

# tests/knobs/MANIFEST: the suites run with each fault knob of tcelab.ko set, each run checked
# for exactly the failure kinds the knob must cause (make test runs the control and no_dirty).
$(BUILD)/host/knob-validity: tests/knob_validity.c $(VALIDITY_ROWS) $$(LIB_HOST_SRCS) $$(LIB_HDRS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/knob_validity.c tests/validity_rows.c \
		$(LIB_HOST_SRCS) $(HOST_LDLIBS)

.PHONY: knob-validity
knob-validity: build $(BUILD)/host/knob-validity
	$(Q)$(BUILD)/host/knob-validity $(TCELAB) $(BUILD)/validity

# The fuzzers get a short turn in every test run; 'make fuzz' runs them longer.
TEST_FUZZ_SECONDS := 15

.PHONY: test
test: build checkpatch report-test oracle-test $(BUILD)/host/patch-validity \
		$(BUILD)/host/knob-validity
	@echo "==> layout rules"
	$(Q)tests/check-layout.sh
	@echo "==> host unit tests"
	$(Q)$(BUILD)/host/unit-tests
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(Q)tests/disk-full.sh $(TCELAB) $(BUILD)/disk-full
	$(Q)tests/run-tests.sh $(TCELAB) $(BUILD)/test-runs
	$(Q)tests/lava-test.sh $(TCELAB) $(BUILD)/lava-test short

# Runs fanned out on LAVA (README "Fan-out"): installs lava-dispatcher on demand
# (vm/lava-setup.sh), then the matrix LAVA_TARGETS x LAVA_JOBS x LAVA_REPEATS through lava-run,
# collected, compared and recorded. make test runs the short version above.
.PHONY: lava-test
lava-test: build
	$(Q)tests/lava-test.sh $(TCELAB) $(BUILD)/lava-test

# tcelab.ko's interface fuzzed long in the guest (job fuzz, tests/guest/kmod_fuzz.c, under the
# probes): FUZZ_GUEST_SECONDS on FUZZ_GUEST_TARGET into build/fuzz-guest; FUZZ_GUEST_SEED=S
# replays a run's calls. make test runs it 60 s on x86_64.
FUZZ_GUEST_SECONDS ?= 3600
FUZZ_GUEST_TARGET ?= x86_64
.PHONY: fuzz-guest
fuzz-guest: build
	$(Q)rm -rf $(BUILD)/fuzz-guest
	$(Q)$(TCELAB) run --target $(FUZZ_GUEST_TARGET) --job fuzz --out $(BUILD)/fuzz-guest \
		--timeout $$(($(FUZZ_GUEST_SECONDS) * 2 + 600)) --append \
		"tcelab.fuzz.seconds=$(FUZZ_GUEST_SECONDS)$(if $(FUZZ_GUEST_SEED), tcelab.fuzz.seed=$(FUZZ_GUEST_SEED))"

# The differential's long run (kmod/README.md, "The differential"): tcelab.ko against the
# upstream VFIO sPAPR TCE container on powernv9-vfio, about 100,000 calls in 40 minutes;
# DIFF_SEED=S repeats a run. Results: build/diff/ (guest/diff.json, guest/job.log).
DIFF_SECONDS ?= 2400
DIFF_SEED ?=
.PHONY: diff
diff: build
	$(Q)rm -rf $(BUILD)/diff
	$(Q)$(TCELAB) run --target powernv9-vfio --job diff --timeout $$(($(DIFF_SECONDS) + 600)) \
		--append "tcelab.diff.seconds=$(DIFF_SECONDS)$(if $(DIFF_SEED), tcelab.diff.seed=$(DIFF_SEED))" \
		--out $(BUILD)/diff

# The verdict itself measured (README "How far to trust a verdict"): false alarms on 20 A/A
# pairs and power against +5/10/20 % of op:put, per timing mode, side by side. About 2 hours
# on x86_64; build/validity/verdict.json. make test runs a short version (tests/run-tests.sh).
VALIDITY_TARGET ?= x86_64
.PHONY: validity
validity: build $(BUILD)/host/knob-validity $(BUILD)/host/patch-validity
	$(Q)rm -rf $(BUILD)/validity
	$(Q)$(TCELAB) validity --target $(VALIDITY_TARGET) --out $(BUILD)/validity
	$(Q)$(BUILD)/host/knob-validity $(TCELAB) $(BUILD)/validity
	$(Q)$(BUILD)/host/patch-validity $(TCELAB) $(BUILD)/validity

# tcelab's own cost and speed (README "Benchmarks"), each figure beside its peer: about 15 min,
# not part of make test (timing is never pass/fail). build/bench/bench.json, history.jsonl.
.PHONY: bench
bench: build
	$(Q)$(TCELAB) bench --out $(BUILD)/bench $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) \
		$(if $(BENCH_LABEL),--label '$(BENCH_LABEL)')
