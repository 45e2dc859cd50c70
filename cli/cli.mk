# cli/: the host command `tcelab`, the top that chains the stages (boot -> verdict -> report).
HOST_SRCS += $(wildcard cli/*.c)
# bench.json's writer and parser, tested on their own.
UNIT_SRCS += cli/bench_doc.c
HOST_HDRS = $(LIB_HDRS) $(wildcard cli/*.h vm/*.h traces/*.h reports/*.h) include/uapi/tcelab.h
$(BUILD)/host/tcelab: $$(HOST_SRCS) $$(HOST_HDRS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(HOST_SRCS) $(HOST_LDLIBS)

TCELAB := $(BUILD)/host/tcelab
ifeq ($(TARGET),native)
RUN_DEPS = $(TCELAB) native-check $(BUILD)/native/kmod/tcelab.ko $(call initramfs_inputs,$(NATIVE_ARCH))
else
RUN_DEPS = build
endif

.PHONY: run native-check
run: $$(RUN_DEPS)
	$(TCELAB) run --target $(TARGET) $(if $(V),-v)

# tcelab names what is missing before make tries to build against a kernel tree that is absent.
native-check: $(TCELAB)
	$(Q)$(TCELAB) run --target native --check
