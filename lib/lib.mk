# lib/: the base every stage shares, on the host and in the guest: histograms, the .tce trace
# reader/writer and its state model, TAP parsing, small host helpers.
LIB_HDRS := $(wildcard lib/*.h) $(wildcard include/tcelab/*.h)
# Kernel-independent: the guest programs link the parts they need (SRCS_<name>).
LIB_TRACE_SRCS := lib/trace.c lib/tce_state.c
LIB_HOST_SRCS := lib/util.c lib/hist.c lib/tap_parse.c $(LIB_TRACE_SRCS)
HOST_SRCS += $(LIB_HOST_SRCS)
UNIT_SRCS += $(LIB_HOST_SRCS)
