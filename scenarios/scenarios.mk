# Guest scenario programs.
GUEST_BINS += tcelab-smoke
SRCS_tcelab-smoke := scenarios/smoke.c

# The .tce trace format, its QEMU importer and generators (scenarios/FORMAT.md).
TRACE_SRCS := scenarios/trace.c scenarios/tce_state.c scenarios/import_qemu.c scenarios/gen.c
HOST_SRCS += $(TRACE_SRCS) scenarios/commands.c
UNIT_SRCS += $(TRACE_SRCS)
$(BUILD)/host/tcelab $(BUILD)/host/unit-tests: $(wildcard scenarios/*.h)
