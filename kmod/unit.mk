# Kernel-independent kmod logic compiled into the host unit tests (UNIT_SRCS += ...).
