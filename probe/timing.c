// SPDX-License-Identifier: GPL-2.0
/*
 * --timing: what the probes measure a call in. `insns` needs one instructions counter per CPU
 * in the programs' `insn_counters` map, pinned so that it always counts; the programs read the
 * entry CPU's counter at entry and at return.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "probe_ctx.h"
#include "probe.skel.h"

static int open_insn_counter(int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.pinned = 1,
	};

	return syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int timing_configure(struct probe_ctx *ctx)
{
	*(__u8 *)&ctx->skel->rodata->timing_insns = ctx->opts.timing == TCELAB_TIMING_INSNS;
	return 0;
}

int timing_open_counters(struct probe_ctx *ctx)
{
	int map = bpf_map__fd(ctx->skel->maps.insn_counters), cpu, err;

	if (ctx->opts.timing != TCELAB_TIMING_INSNS)
		return 0;
	ctx->insn_fds = calloc(ctx->ncpus, sizeof(*ctx->insn_fds));
	if (!ctx->insn_fds)
		return -ENOMEM;
	for (cpu = 0; cpu < ctx->ncpus; cpu++)
		ctx->insn_fds[cpu] = -1;
	for (cpu = 0; cpu < ctx->ncpus; cpu++) {
		int fd = open_insn_counter(cpu);

		/* A possible CPU that is not online has no counter and runs nothing. */
		if (fd < 0 && errno == ENODEV)
			continue;
		if (fd < 0) {
			err = -errno;
			fail(ctx, "--timing insns: no instructions counter on CPU %d (perf_event_open: "
			     "%s): this machine's PMU does not count instructions; use --timing host, "
			     "or --timing icount on x86_64", cpu, strerror(-err));
			return err;
		}
		ctx->insn_fds[cpu] = fd;
		if (bpf_map_update_elem(map, &cpu, &fd, BPF_ANY)) {
			err = -errno;
			fail(ctx, "--timing insns: cannot put CPU %d's counter in the map: %s", cpu,
			     strerror(-err));
			return err;
		}
	}
	return 0;
}

void timing_close_counters(struct probe_ctx *ctx)
{
	int cpu;

	for (cpu = 0; ctx->insn_fds && cpu < ctx->ncpus; cpu++)
		if (ctx->insn_fds[cpu] >= 0)
			close(ctx->insn_fds[cpu]);
	free(ctx->insn_fds);
	ctx->insn_fds = NULL;
}
