# tests/: host unit tests (unit/), guest TAP programs (guest/), and the end-to-end script that
# `make test` runs (run-tests.sh).
UNIT_SRCS += $(wildcard tests/unit/*.c)
$(BUILD)/host/unit-tests: $$(UNIT_SRCS) $(wildcard tests/unit/*.h) $$(LIB_HDRS) \
		$(wildcard kmod/*.h traces/*.h replay/*.h reports/*.h vm/*.h)
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
$(BUILD)/host/patch-validity: tests/patch_validity.c $$(LIB_HOST_SRCS) $$(LIB_HDRS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/patch_validity.c $(LIB_HOST_SRCS) $(HOST_LDLIBS)

.PHONY: patch-validity
patch-validity: build $(BUILD)/host/patch-validity
	$(Q)$(BUILD)/host/patch-validity $(TCELAB) $(BUILD)/validity

# The fuzzers get a short turn in every test run; 'make fuzz' runs them longer.
TEST_FUZZ_SECONDS := 15

.PHONY: test
test: build checkpatch report-test oracle-test $(BUILD)/host/patch-validity
	@echo "==> layout rules"
	$(Q)tests/check-layout.sh
	@echo "==> host unit tests"
	$(Q)$(BUILD)/host/unit-tests
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	$(Q)tests/run-tests.sh $(TCELAB) $(BUILD)/test-runs

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
validity: build
	$(Q)rm -rf $(BUILD)/validity
	$(Q)$(TCELAB) validity --target $(VALIDITY_TARGET) --out $(BUILD)/validity
