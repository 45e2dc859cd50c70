// SPDX-License-Identifier: GPL-2.0
/*
 * Marking a phase: one BPF_MAP_UPDATE_ELEM of the probes' `phase` map, whose descriptor
 * tcelab-probe left open in this process (TCELAB_PHASE_FD_ENV). A raw bpf(2) call, so that the
 * command needs no libbpf.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "phase_mark.h"

int phase_mark(enum tcelab_phase phase)
{
	static int fd = -2;	/* -2: TCELAB_PHASE_FD_ENV not read yet */
	uint32_t key = 0, value = phase;
	union bpf_attr attr;
	const char *env;

	if (fd == -2) {
		env = getenv(TCELAB_PHASE_FD_ENV);
		fd = env && *env ? atoi(env) : -1;
	}
	if (fd < 0)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (uintptr_t)&key;
	attr.value = (uintptr_t)&value;
	attr.flags = BPF_ANY;
	return syscall(__NR_bpf, BPF_MAP_UPDATE_ELEM, &attr, sizeof(attr)) ? -errno : 0;
}
