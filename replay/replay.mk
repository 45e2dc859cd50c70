# replay/: the guest side: the replay runner tcelab-replay and its backends (traces/README.md,
# "Replaying a trace"), and the smoke scenario.
GUEST_BINS += tcelab-smoke
SRCS_tcelab-smoke := replay/smoke.c

REPLAY_SRCS := replay/replay.c replay/replay_logic.c replay/timeline.c replay/backend.c \
	$(wildcard replay/backend_*.c) $(LIB_TRACE_SRCS) lib/hist.c
GUEST_BINS += tcelab-replay
SRCS_tcelab-replay := $(REPLAY_SRCS)
CFLAGS_tcelab-replay := -pthread -Wno-unused-parameter
LDLIBS_tcelab-replay := -pthread
DEPS_tcelab-replay := $(wildcard replay/*.h)
UNIT_SRCS += replay/replay_logic.c replay/timeline.c
