# reports/: dashboards, summary.json / metrics.prom, CI formats (JUnit, KCIDB, benchmark), run
# history (SQLite), A/B compare.
REPORT_SRCS := reports/stats.c reports/model.c reports/export.c reports/html.c reports/history.c \
	reports/compare.c reports/robot.c reports/ci_formats.c
HOST_SRCS += $(REPORT_SRCS) reports/commands.c
UNIT_SRCS += $(REPORT_SRCS)
HOST_LDLIBS += -lsqlite3 -lm

# make report-test (part of make test): reports/tests/report-test.sh on the recorded runs in
# tests/fixtures/runs: history, dashboards in headless Chromium (screenshots in
# build/report-test/screenshots), promtool, and the compare verdicts.
.PHONY: report-test
report-test: $(BUILD)/host/tcelab
	@echo "==> reports: history, dashboards (headless Chromium), OpenMetrics, compare verdicts"
	$(Q)reports/tests/report-test.sh $(BUILD)/report-test

# The run loader under libFuzzer (make fuzz, traces/traces.mk): any results.json loads or is
# one error naming the file.
FUZZ_TARGETS += results
FUZZ_CORPUS_results := reports/fuzz/corpus/results
$(BUILD)/fuzz/fuzz_results: reports/fuzz/fuzz_results.c $(REPORT_SRCS) $(LIB_HOST_SRCS) \
		$(wildcard reports/*.h) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(REPORT_SRCS) $(LIB_HOST_SRCS) $(HOST_LDLIBS)
