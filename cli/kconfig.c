// SPDX-License-Identifier: GPL-2.0
/* tcelab kconfig: the kernel options a target needs, as a fragment or checked against a .config. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <tcelab/exit_codes.h>
#include <tcelab/timing.h>

#include "kconfig.h"
#include "vm/vm.h"
#include "lib/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab kconfig [--target T] [--timing M] [--check CONFIG]\n"
		"\n"
		"Prints the kernel options that target T (default powernv9) with timing mode M\n"
		"(default: the target's) needs, as a fragment to merge into a kernel's .config:\n"
		"  scripts/kconfig/merge_config.sh .config <(tcelab kconfig --target powernv9)\n"
		"With --check CONFIG: lists what CONFIG lacks instead (exit 1 if a run cannot do\n"
		"without it). tcelab run makes the same check before every boot.\n"
		"targets: %s\n", target_names());
}

int cmd_kconfig(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "timing", required_argument, NULL, 'm' },
		{ "check", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *target = "powernv9", *timing = NULL, *check = NULL;
	char *missing, *notes;
	int c, mode;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			target = optarg;
			break;
		case 'm':
			timing = optarg;
			break;
		case 'c':
			check = optarg;
			break;
		default:
			usage_exit(usage, c);
		}
	}
	no_operands(argc, argv, "kconfig");
	mode = timing ? tcelab_timing_find(timing) : target_default_timing(target);
	if (mode < 0)
		die("--timing: unknown mode '%s' (host, insns, icount)", timing);
	if (!check) {
		kconfig_fragment(stdout, target, mode);
		return 0;
	}
	missing = kconfig_missing(check, target, mode, &notes);
	if (notes)
		printf("%s lacks, and target %s runs worse without:\n%s", check, target, notes);
	if (missing)
		printf("%s lacks, and target %s cannot run without:\n%s", check, target, missing);
	else
		printf("%s has every option target %s needs\n", check, target);
	return missing ? 1 : 0;
}
