# Kernel-independent kmod logic compiled into the host unit tests (UNIT_SRCS += ...).
UNIT_SRCS += kmod/tce_logic.c
