// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab run: the only place that chains the stages: prepare and boot the guest (vm/), judge
 * what it wrote (vm/ verdict: results.json), then the reports (history, dashboard, exports).
 * cli/lava.c judges and reports a run LAVA booted the same way.
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "lib/util.h"
#include "replay/replay.h"
#include "traces/traces.h"
#include "reports/reports.h"
#include "vm/vm.h"

static const struct replay_backend_info backends[] = { REPLAY_BACKENDS(REPLAY_BACKEND_INFO) };
#define NR_BACKENDS (sizeof(backends) / sizeof(backends[0]))

static void run_usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: tcelab run [--target %s] [--out DIR] [--job NAME]\n"
		"                  [--suite S] [--backends kmod,vfio] [--timeout SEC] [--cpus N]\n"
		"                  [--boot-timeout SEC] [--boot-retries N]\n"
		"                  [--append ARGS] [--trace FILE]... [--ram SIZE]\n"
		"                  [--import-opt NAME=VALUE]... [--timing MODE]\n"
		"                  [--patch FILE]... [--rebuild FILE]... [--kernel PATH [--modules PATH]]\n"
		"                  [--check] [--no-history] [-v]\n"
		"\n"
		"Boots the target's QEMU guest (or uses this host with 'native'), runs a guest job and\n"
		"writes results.json, the guest's dmesg, the QEMU command line and every component's\n"
		"version into the run directory (default reports/<run-id>/). Exits 1 when the job\n"
		"fails, the kernel WARNs, BUGs, oopses or panics, a page stays pinned, or tcelab.ko\n"
		"will not unload (the reason and a log excerpt are printed), 2 on a usage or harness\n"
		"error, 4 when the target cannot run here (README.md, \"Exit codes\").\n"
		"\n"
		"  --target T   powernv9 (default): QEMU POWER9, Debian ppc64el kernel, kprobes\n"
		"               powernv8: QEMU POWER8 (PHB3)\n"
		"               powernv9-vfio, powernv8-vfio: plus e1000e and NVMe for the\n"
		"               upstream VFIO stack (jobs vfio; diff: tcelab.ko against it,\n"
		"               --append \"tcelab.diff.seconds=N tcelab.diff.seed=S\")\n"
		"               x86_64: QEMU microvm, Debian amd64 kernel with BTF, fentry (fastest)\n"
		"               native: this host's kernel, when it can load modules (a POWER box)\n"
		"               pseries: QEMU PAPR guest with e1000 and NVMe whose sPAPR IOMMU\n"
		"               hypercalls QEMU traces to qemu-trace.log (job record-io)\n"
		"  --out DIR    run directory (must be new or empty)\n"
		"  --job NAME   guest job from vm/guest/jobs: run (default scenario set), test (guest\n"
		"               test suite), knob (the smoke scenario with tcelab.ko fault knobs:\n"
		"               --append tcelab.knob.NAME=VALUE, kmod/README.md), fuzz (tcelab.ko's\n"
		"               interface fuzzed: --append 'tcelab.fuzz.seconds=N tcelab.fuzz.seed=S'),\n"
		"               storm; warn, fail and leak are test-only jobs that must fail\n"
		"  --timeout S  watchdog in seconds (default: 600 on powernv, 300 on x86_64)\n"
		"  --boot-timeout S, --boot-retries N\n"
		"               a guest whose init has not started within S seconds (default %d)\n"
		"               hung at boot: it is booted again, N times at most (default 1),\n"
		"               each hang kept and reported; then the run fails (boot-hang)\n"
		"  --cpus N     guest CPUs (default 2)\n"
		"  --append A   extra guest kernel arguments (e.g. disable_ddw on pseries)\n"
		"  --suite S    scenario suite the run and suite jobs replay: traces/suites/S.suite\n"
		"               (a name or that path; default 'default'; built into the initramfs)\n"
		"  --backends B replay backends of the run and suite jobs, comma-separated (default\n"
		"               kmod; list below). 'kmod,vfio' replays every trace on both in one\n"
		"               boot, side by side\n"
		"  --trace FILE replay your own trace instead of the suite (repeatable): a .tce\n"
		"               trace, or a QEMU '-trace spapr_iommu_*' log, imported first;\n"
		"               each checked on the host before the boot, the scenario named\n"
		"               after the file\n"
		"  --ram SIZE, --import-opt NAME=VALUE\n"
		"               options of 'tcelab import qemu' for the logs among them\n"
		"  --timing M   what the probes' latencies count (README 'Timing'):\n"
		"               insns  instructions retired, from the guest PMU (default on powernv)\n"
		"               icount QEMU -icount, 1 ns per instruction, one vCPU (default on\n"
		"                      x86_64)\n"
		"               host   nanoseconds of host time, which a busy host stretches\n"
		"  --patch FILE patch the guest kernel's modules without building a kernel\n"
		"               (repeatable, applied in order): every module whose sources the\n"
		"               patch touches is rebuilt from the kernel's exact source\n"
		"               (.cache/kernel-source/) against its headers, cached in\n"
		"               build/patched/, and booted in place of the distro's; a patch\n"
		"               that does not apply, or touches built-in code, stops the run\n"
		"               before the boot; results.json records patches and modules\n"
		"  --rebuild FILE\n"
		"               rebuild the module of kernel source FILE (e.g.\n"
		"               drivers/vfio/vfio_iommu_spapr_tce.c) the same way, unpatched: the\n"
		"               control run of a patch (repeatable)\n"
		"  --kernel PATH boot your kernel instead of Debian's: a built kernel tree (its\n"
		"               vmlinux, .config and modules, installed into a cache), a kernel\n"
		"               image (vmlinux, bzImage) with --modules, or a linux-image-*.deb\n"
		"               (its linux-headers next to it, in .cache/debs or from apt). Its arch\n"
		"               must be the target's; its configuration is checked (tcelab kconfig);\n"
		"               tcelab.ko is built against it; all cached in .cache/kernels/ and\n"
		"               build/kernels/ by content; results.json names it (\"kernel\")\n"
		"  --modules PATH\n"
		"               the image's modules: a 'make modules_install INSTALL_MOD_PATH=DIR'\n"
		"               tree (DIR or DIR/lib/modules/RELEASE) or a tarball of one\n"
		"  -v           show the guest console as it runs\n"
		"  --no-history do not record the run in the history database (also TCELAB_NO_HISTORY=1)\n"
		"  --check      only check that the target can run here (kernel, initramfs, or for\n"
		"               native, a kernel that loads modules), and say why not\n"
		"  --expect-failure KINDS\n"
		"               test-only: pass only if the run fails for each of KINDS\n"
		"               (comma-separated), kinds:\n"
		"  %s\n",
		target_names(), BOOT_TIMEOUT, run_failure_kinds());
	fprintf(f, "\nreplay backends (replay/replay.h):\n");
	for (i = 0; i < NR_BACKENDS; i++)
		fprintf(f, "  %-10s %s%s\n", backends[i].name, backends[i].description,
			backends[i].needs_vfio ? " (targets *-vfio)" : "");
}

/* "traces/suites/x.suite" or "x" to "x", which must name a built-in suite. */
const char *run_suite_name(const char *arg)
{
	const char *base = strrchr(arg, '/');
	char *name = strdup(base ? base + 1 : arg), *dot = strstr(name, ".suite");
	char *path;

	if (dot && !dot[6])
		*dot = 0;
	if (!*name || strpbrk(name, " \t'\"\\"))
		die("--suite takes a suite name or traces/suites/NAME.suite, not '%s'", arg);
	path = xasprintf("%s/traces/suites/%s.suite", tcelab_top(), name);
	if (access(path, R_OK))
		die("--suite: no %s (suites are built into the initramfs from traces/suites/)",
		    path);
	free(path);
	return name;
}

/* "kmod,vfio": names from replay/replay.h's table, each once; vfio ones need -vfio targets. */
void run_check_backends(const char *arg, const char *target)
{
	char *list = strdup(arg), *save = NULL, *b, names[256] = "";
	bool given[NR_BACKENDS] = {}, any = false;
	size_t i;

	for (i = 0; i < NR_BACKENDS; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", backends[i].name);
	for (b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_BACKENDS && strcmp(b, backends[i].name); i++)
			;
		if (i == NR_BACKENDS)
			die("--backends: unknown backend '%s' (%s)", b, names);
		if (given[i])
			die("--backends: '%s' given twice", b);
		given[i] = any = true;
		if (backends[i].needs_vfio && !strstr(target, "-vfio") && strcmp(target, "native"))
			die("--backends %s drives devices bound to vfio-pci, which target %s does not "
			    "have: use --target powernv9-vfio (or powernv8-vfio)", b, target);
	}
	free(list);
	if (!any)
		die("--backends takes a comma-separated list of %s", names);
}

/* The options of the guest run that 'tcelab run' and 'tcelab lava-job' both take. */
static const struct option guest_options[] = {
	{ "target", required_argument, NULL, 't' },
	{ "out", required_argument, NULL, 'o' },
	{ "job", required_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "append", required_argument, NULL, 'a' },
	{ "suite", required_argument, NULL, 'S' },
	{ "backends", required_argument, NULL, 'B' },
	{ "timing", required_argument, NULL, 'm' },
};
#define NR_GUEST_OPTIONS (sizeof(guest_options) / sizeof(guest_options[0]))

struct option *run_options(const struct option *own)
{
	size_t n = 0;
	struct option *all;

	while (own[n].name)
		n++;
	all = calloc(NR_GUEST_OPTIONS + n + 1, sizeof(*all));
	memcpy(all, guest_options, sizeof(guest_options));
	memcpy(all + NR_GUEST_OPTIONS, own, n * sizeof(*own));
	return all;
}

/* @arg of option --@name, a whole number from @min to @max; dies saying what it @takes. */
static int number_option(const char *name, const char *arg, int min, int max, const char *takes)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || v < min || v > max)
		die("--%s takes %s, not '%s'", name, takes, arg);
	return v;
}

bool run_parse_option(int c, const char *arg, struct run_opts *o)
{
	/* The options whose argument is kept as it is: what it names is checked later. */
	const char **as_is[128] = {
		['t'] = &o->target, ['o'] = &o->out, ['j'] = &o->job, ['a'] = &o->append,
		['B'] = &o->backends, ['m'] = &o->timing,
	};

	if (c > 0 && c < 128 && as_is[c]) {
		*as_is[c] = arg;
		return true;
	}
	switch (c) {
	case 'T':
		o->timeout = number_option("timeout", arg, 1, INT_MAX, "a number of seconds");
		break;
	case 'c':
		o->cpus = number_option("cpus", arg, 1, 16, "1 to 16");
		break;
	case 'S':
		o->suite = run_suite_name(arg);
		break;
	default:
		return false;
	}
	return true;
}

void run_check_options(const struct run_opts *o)
{
	if (o->backends)
		run_check_backends(o->backends, o->target);
	if (strchr(o->job, '/') || strchr(o->job, ' '))
		die("--job takes a job name from vm/guest/jobs, not '%s'", o->job);
}

/* --trace: the user's traces go into the share (guest/input/), where the suite job finds them. */
static void stage_user_traces(struct run *r, const struct user_traces *u)
{
	char *input = xasprintf("%s/input", r->share), err[1024];

	if (!u->nr)
		return;
	if (user_traces_stage(u, input, err, sizeof(err))) {
		rmdir(r->share);
		rmdir(r->dir);
		die("--trace: %s", err);
	}
	progress("%u trace%s of yours in %s, replayed by the suite job", u->nr,
		 u->nr == 1 ? "" : "s", input);
	free(input);
}

static int run(const struct run_opts *o, const struct user_traces *u)
{
	struct run r = {};

	run_prepare(&r, o);
	if (o->check) {
		printf("target %s can run here\n", o->target);
		return 0;
	}
	run_patch_modules(&r);
	run_make_dir(&r);
	stage_user_traces(&r, u);
	run_boot(&r);
	run_judge(&r);
	run_write_results(&r);
	run_print_summary(&r);
	/*
	 * History (not for the harness's self-tests, nor for an incomplete run), dashboard,
	 * exports, summary table.
	 */
	report_after_run(r.dir, o->expect_failure != NULL || r.interrupted);
	return run_exit_status(&r);
}

int cmd_run(int argc, char **argv)
{
	static const struct option own[] = {
		{ "boot-timeout", required_argument, NULL, 'b' },
		{ "boot-retries", required_argument, NULL, 'r' },
		{ "expect-failure", required_argument, NULL, 'x' },
		{ "check", no_argument, NULL, 'C' },
		{ "no-history", no_argument, NULL, 'N' },
		{ "trace", required_argument, NULL, 'R' },
		{ "ram", required_argument, NULL, 'M' },
		{ "import-opt", required_argument, NULL, 'I' },
		{ "patch", required_argument, NULL, 'P' },
		{ "rebuild", required_argument, NULL, 'K' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "modules", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct option *opts = run_options(own);
	struct run_opts o = { .target = "powernv9", .job = "run", .boot_retries = 1 };
	struct user_traces u = {};
	char *eq;
	int c;

	while ((c = getopt_long(argc, argv, RUN_SHORT_OPTIONS "vh", opts, NULL)) != -1) {
		if (run_parse_option(c, optarg, &o))
			continue;
		switch (c) {
		case 'b':
			o.boot_timeout = number_option("boot-timeout", optarg, 1, INT_MAX,
						       "a number of seconds");
			break;
		case 'r':
			o.boot_retries = number_option("boot-retries", optarg, 0, 9, "0 to 9");
			break;
		case 'x':
			o.expect_failure = optarg;
			break;
		case 'C':
			o.check = 1;
			break;
		case 'R':
			if (u.nr == USER_TRACES_MAX)
				die("--trace: at most %d traces", USER_TRACES_MAX);
			u.files[u.nr++] = optarg;
			break;
		case 'M':
			import_opt_apply(&u.import, "ram", optarg);
			break;
		case 'I':
			eq = strchr(optarg, '=');
			if (!eq)
				die("--import-opt takes NAME=VALUE of 'tcelab import qemu' (e.g. "
				    "window=0x80000000:0:1G:12), not '%s'", optarg);
			*eq = 0;
			import_opt_apply(&u.import, optarg[0] == '-' ? optarg + strspn(optarg, "-") :
					 optarg, eq + 1);
			break;
		case 'P':
			if (o.npatches == RUN_MAX_PATCHES)
				die("--patch: at most %d patches", RUN_MAX_PATCHES);
			o.patches[o.npatches++] = optarg;
			break;
		case 'K':
			if (o.nrebuild == RUN_MAX_PATCHES)
				die("--rebuild: at most %d files", RUN_MAX_PATCHES);
			o.rebuild[o.nrebuild++] = optarg;
			break;
		case 'k':
			o.kernel = optarg;
			break;
		case 'D':
			o.modules = optarg;
			break;
		case 'N':
			setenv("TCELAB_NO_HISTORY", "1", 1);
			break;
		case 'v':
			o.verbose = 1;
			break;
		default:
			usage_exit(run_usage, c);
		}
	}
	no_operands(argc, argv, "run");
	free(opts);
	run_check_options(&o);
	if (u.nr && strcmp(o.job, "suite") && strcmp(o.job, "run"))
		die("--trace replays your traces in the suite (or run) job, not in job '%s'", o.job);
	if (o.modules && !o.kernel)
		die("--modules gives the modules of --kernel's image: give --kernel too");
	if (u.nr && o.suite)
		die("--trace replays your traces instead of a suite: drop --suite");
	return run(&o, &u);
}

