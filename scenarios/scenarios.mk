# Guest scenario programs.
GUEST_BINS += tcelab-smoke
SRCS_tcelab-smoke := scenarios/smoke.c
