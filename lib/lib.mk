# lib/: the base every stage shares, on the host and in the guest: histograms, JSON (the
# streaming writer, schema-checked loading, the probe document's reader), the .tce trace
# reader/writer and its state model, TAP parsing, small host helpers.
LIB_HDRS := $(wildcard lib/*.h) $(wildcard include/tcelab/*.h)
# Kernel-independent: the guest programs link the parts they need (SRCS_<name>).
LIB_TRACE_SRCS := lib/trace.c lib/tce_state.c lib/sha256.c
LIB_JSON_SRCS := lib/json.c lib/probe_doc.c lib/hist.c
# Each call's effects on the TCE entries, compared between two replays (and the declared differences).
LIB_EFFECTS_SRCS := lib/effects.c lib/differences.c lib/util.c
LIB_HOST_SRCS := lib/tap_parse.c $(LIB_EFFECTS_SRCS) $(LIB_JSON_SRCS) $(LIB_TRACE_SRCS)
HOST_SRCS += $(LIB_HOST_SRCS)
UNIT_SRCS += $(LIB_HOST_SRCS)

# cJSON for the static guest programs: Debian ships only a shared libcjson, so vm/setup.sh
# fetched the source of the host's version and each guest arch gets a static build of it.
# A guest program that reads or writes JSON adds GUEST_JSON_CFLAGS, GUEST_JSON_LIBS and
# GUEST_JSON_DEPS (recipe and prerequisite forms of the same library).
$(BUILD)/%/lib/libcjson.a: $(CJSON_SRC)/cJSON.c
	@mkdir -p $(@D)
	$(Q)$(CC_$*) -O2 -g -c -o $(@D)/cJSON.o $<
	$(Q)$(CROSS_$*)ar rcs $@ $(@D)/cJSON.o
GUEST_JSON_CFLAGS = -I$(CJSON_INC)
GUEST_JSON_LIBS = $(BUILD)/$*/lib/libcjson.a -lm
GUEST_JSON_DEPS = $$(BUILD)/$$*/lib/libcjson.a
