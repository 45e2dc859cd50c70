// SPDX-License-Identifier: GPL-2.0
/* tcelab: the host command. Dispatches to its subcommands, one table. */
#include <stdio.h>
#include <string.h>
#include <tcelab/exit_codes.h>

#include "ab.h"
#include "bench.h"
#include "kconfig.h"
#include "lava.h"
#include "run.h"
#include "validity.h"
#include "reports/reports.h"
#include "traces/traces.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *what;
} commands[] = {
	{ "run", cmd_run, "boot a guest, load tcelab.ko, attach the probes, run a job, collect results" },
	{ "import", cmd_import, "convert QEMU '-trace spapr_iommu_*' logs into a .tce trace" },
	{ "gen", cmd_gen, "write a synthetic .tce trace (net, storage, ddw, boot, ..., adversarial)" },
	{ "oracle", cmd_oracle, "check traces' return codes against upstream's own hypercall code" },
	{ "report", cmd_report, "dashboard (index.html), summary.json, metrics.prom, CI formats of runs" },
	{ "compare", cmd_compare, "A/B latency and leak verdict between two sets of runs, for CI" },
	{ "ab", cmd_ab, "base and candidate runs interleaved, compared, reported as the perf robots do" },
	{ "history", cmd_history, "the recorded runs and their latency trends (SQLite)" },
	{ "kconfig", cmd_kconfig, "the kernel options a target needs (a .config fragment, or --check)" },
	{ "validity", cmd_validity, "measure the verdict: A/A false alarms, power on a known slowdown" },
	{ "bench", cmd_bench, "tcelab's own cost and speed, each figure beside its peer (make bench)" },
	{ "lava-job", cmd_lava_job, "write a LAVA job (qemu device type) that runs a guest job" },
	{ "lava-collect", cmd_lava_collect, "turn a finished LAVA job into a run directory" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: tcelab COMMAND [OPTIONS]\n"
		"\n"
		"Catch latency regressions and page-pin leaks in the sPAPR TCE DMA-mapping path.\n"
		"\n"
		"commands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].what);
	fprintf(f,
		"  help         this text; 'tcelab COMMAND --help' for a command's options\n"
		"\n"
		"exit status (README.md, \"Exit codes\"): 0 pass, 1 fail or regression, 2 usage or\n"
		"harness error, 3 inconclusive (compare, ab), 4 cannot run here (skip); ab --bisect:\n"
		"0 good, 1 bad, 125 skip\n"
		"\n"
		"Most users start with 'make run' and 'make test' (see README.md).\n");
}

int main(int argc, char **argv)
{
	size_t i;

	/* Progress goes to stderr; keep the summary on stdout in order with it. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return TCELAB_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return TCELAB_EXIT_PASS;
	}
	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tcelab: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return TCELAB_EXIT_ERROR;
}
