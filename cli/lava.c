// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab lava-job and lava-collect: a run fanned out on LAVA (README "Fan-out"). lava-job
 * writes the job definition, LAVA runs it (lava-run, or a lab's server), lava-collect turns
 * the finished job into a run directory that compare, history and report read as any other.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lava.h"
#include "run.h"
#include "lib/util.h"
#include "reports/reports.h"
#include "vm/vm.h"

static void lava_job_usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab lava-job --out JOBDIR [--target %s] [--job NAME]\n"
		"                       [--suite S] [--backends B] [--timing M] [--cpus N]\n"
		"                       [--timeout SEC] [--append ARGS]\n"
		"\n"
		"Writes JOBDIR/job.yaml, a LAVA job definition that boots the target's kernel and\n"
		"initramfs (the ones 'tcelab run' boots) on LAVA's qemu device type and runs guest job\n"
		"NAME, as 'tcelab run' with the same options would. The results come back over\n"
		"virtio-9p into JOBDIR/guest, which the job's context passes to QEMU: the worker\n"
		"must see JOBDIR at the same path. Also writes JOBDIR/tcelab-job.json for\n"
		"'tcelab lava-collect'. Run it with lava-run (README \"Fan-out\"), e.g.:\n"
		"  lava-run --job-id 1 --output-dir JOBDIR/output --device DEVICE.yaml \\\n"
		"      JOBDIR/job.yaml > JOBDIR/lava.log\n"
		"  tcelab lava-collect JOBDIR\n"
		"\n"
		"  --out DIR    the job directory (must be new or empty)\n"
		"  --target T   a QEMU target of 'tcelab run' (default x86_64, the one tested with\n"
		"               LAVA here)\n"
		"  --job, --suite, --backends, --timing, --cpus, --timeout, --append\n"
		"               as 'tcelab run' takes them ('tcelab run --help'); --timeout is\n"
		"               the boot action's timeout\n",
		target_names());
}

int cmd_lava_job(int argc, char **argv)
{
	static const struct option own[] = {
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct option *opts = run_options(own);
	/* No 'quiet': LAVA waits for the kernel's "Linux version" banner on the console. */
	struct run_opts o = { .target = "x86_64", .job = "run", .verbose = 1 };
	struct run r = {};
	int c;

	while ((c = getopt_long(argc, argv, RUN_SHORT_OPTIONS "h", opts, NULL)) != -1)
		if (!run_parse_option(c, optarg, &o))
			usage_exit(lava_job_usage, c);
	free(opts);
	no_operands(argc, argv, "lava-job");
	if (!o.out)
		die("--out JOBDIR is required: the job directory LAVA's QEMU shares results into");
	run_check_options(&o);
	run_prepare(&r, &o);
	lava_write_job(&r, o.out);
	printf("LAVA job: %s/job.yaml (results share %s/guest)\n", o.out, o.out);
	return TCELAB_EXIT_PASS;
}

static void lava_collect_usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab lava-collect JOBDIR [--log FILE] [--out RUNDIR] [--no-history]\n"
		"\n"
		"Turns a finished LAVA job that 'tcelab lava-job --out JOBDIR' wrote into a tcelab run\n"
		"directory, judged as 'tcelab run' judges its own: results.json from what the guest\n"
		"wrote to JOBDIR/guest (the virtio-9p share), console.log and the QEMU command from\n"
		"LAVA's log, LAVA's job and log under lava/, the engine and its version in\n"
		"results.json (\"engine\"), then the history, dashboard and CI formats. Exit status as\n"
		"'tcelab run': 0 pass, 1 fail, 2 error (README.md, \"Exit codes\").\n"
		"\n"
		"  --log FILE    LAVA's job log: lava-run's output, or 'lavacli jobs logs --raw ID'\n"
		"                (default JOBDIR/lava.log)\n"
		"  --out DIR     run directory (must be new or empty; default reports/<run-id>)\n"
		"  --no-history  do not record the run in the history database\n");
}

int cmd_lava_collect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "no-history", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct run_opts o = {};
	struct run r = {};
	const char *log = NULL, *out = NULL, *job_dir;
	int c;

	while ((c = getopt_long(argc, argv, "l:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			log = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'N':
			setenv("TCELAB_NO_HISTORY", "1", 1);
			break;
		default:
			usage_exit(lava_collect_usage, c);
		}
	}
	if (optind + 1 != argc)
		die("tcelab lava-collect takes one JOBDIR (see 'tcelab lava-collect --help')");
	job_dir = argv[optind];
	lava_read_job(job_dir, &o);
	o.out = out;
	run_prepare(&r, &o);
	lava_collect(&r, job_dir, log ? log : xasprintf("%s/lava.log", job_dir));
	run_judge(&r);
	run_write_results(&r);
	run_print_summary(&r);
	report_after_run(r.dir, 0);
	return run_exit_status(&r);
}
