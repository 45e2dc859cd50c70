// SPDX-License-Identifier: GPL-2.0
/* tcelab: the host command. Dispatches to its subcommands. */
#include <stdio.h>
#include <string.h>

#include <tcelab/exit_codes.h>

#include "run.h"
#include "reports/reports.h"
#include "traces/traces.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab COMMAND [OPTIONS]\n"
		"\n"
		"Catch latency regressions and page-pin leaks in the sPAPR TCE DMA-mapping path.\n"
		"\n"
		"commands:\n"
		"  run     boot a guest, load tcelab.ko, attach the probes, run a job, collect results\n"
		"  import  convert QEMU '-trace spapr_iommu_*' logs into a .tce trace\n"
		"  gen     write a synthetic .tce trace (net, storage, ddw, boot, ..., adversarial)\n"
		"  report  dashboard (index.html), summary.json and metrics.prom of run directories\n"
		"  compare A/B latency and leak verdict between two (sets of) runs, for CI\n"
		"  history the recorded runs and their latency trends (SQLite)\n"
		"  help    this text; 'tcelab COMMAND --help' for a command's options\n"
		"\n"
		"exit status (README.md, \"Exit codes\"): 0 pass, 1 fail or regression, 2 usage or\n"
		"harness error, 3 inconclusive (compare), 4 cannot run here (skip)\n"
		"\n"
		"Most users start with 'make run' and 'make test' (see README.md).\n");
}

int main(int argc, char **argv)
{
	/* Progress goes to stderr; keep the summary on stdout in order with it. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return TCELAB_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "history"))
		return cmd_history(argc - 1, argv + 1);
	fprintf(stderr, "tcelab: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return TCELAB_EXIT_ERROR;
}
