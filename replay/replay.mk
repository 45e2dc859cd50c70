# replay/: the guest side: the replay runner tcelab-replay and its backends (traces/README.md,
# "Replaying a trace"; the backends' table is replay/replay.h), and the smoke scenario.
GUEST_BINS += tcelab-smoke
SRCS_tcelab-smoke := replay/smoke.c $(LIB_JSON_SRCS)
CFLAGS_tcelab-smoke = $(GUEST_JSON_CFLAGS)
LDLIBS_tcelab-smoke = $(GUEST_JSON_LIBS)
DEPS_tcelab-smoke = $(GUEST_JSON_DEPS)

REPLAY_SRCS := replay/replay.c replay/replay_json.c replay/replay_logic.c replay/suite.c \
	replay/spawn.c replay/timeline.c replay/backend.c $(wildcard replay/backend_*.c) \
	lib/phase_mark.c $(LIB_TRACE_SRCS) $(LIB_JSON_SRCS) $(LIB_EFFECTS_SRCS)
GUEST_BINS += tcelab-replay
SRCS_tcelab-replay := $(REPLAY_SRCS)
CFLAGS_tcelab-replay = -pthread -Wno-unused-parameter $(GUEST_JSON_CFLAGS)
LDLIBS_tcelab-replay = -pthread $(GUEST_JSON_LIBS)
DEPS_tcelab-replay = $(wildcard replay/*.h) $(GUEST_JSON_DEPS)
UNIT_SRCS += replay/replay_logic.c replay/replay_json.c replay/timeline.c

# The differential: tcelab.ko against the upstream VFIO sPAPR TCE container (kmod/README.md),
# reading kmod/DIFFERENCES.md through the oracle's parser.
GUEST_BINS += tcelab-diff
SRCS_tcelab-diff := replay/diff.c lib/differences.c lib/util.c $(LIB_TRACE_SRCS) \
	$(LIB_JSON_SRCS)
CFLAGS_tcelab-diff = -Wno-unused-parameter $(GUEST_JSON_CFLAGS)
LDLIBS_tcelab-diff = $(GUEST_JSON_LIBS)
DEPS_tcelab-diff = $(GUEST_JSON_DEPS)
