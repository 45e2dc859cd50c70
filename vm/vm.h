/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm/, the stage that runs a guest job and judges it: boot.c prepares and boots the target
 * (or runs the job natively) under a watchdog; verdict.c turns what the guest wrote to its
 * share into results.json and the run's failures; summary.c prints them. The stage's one
 * public header: cli/run.c chains prepare -> boot -> judge -> report.
 */
#ifndef TCELAB_VM_H
#define TCELAB_VM_H

#include <stdio.h>
#include <cjson/cJSON.h>

#define RUN_MAX_PATCHES	16
/* Default seconds to the guest's init mounting the results share: a few, tens when busy. */
#define BOOT_TIMEOUT	120

struct run_opts {
	const char *target;
	const char *job;		/* guest job: vm/guest/jobs/<job> */
	const char *out;		/* run directory; default reports/<run-id> */
	const char *append;		/* extra kernel command-line arguments */
	const char *suite;		/* scenario suite (traces/suites/<suite>.suite) */
	const char *backends;		/* replay backends, comma-separated (kmod,vfio) */
	const char *timing;		/* include/tcelab/timing.h; NULL: the target's default */
	const char *expect_failure;	/* test-only: pass iff the run fails for each of these kinds */
	const char *patches[RUN_MAX_PATCHES];	/* --patch: applied to the guest kernel's source */
	int npatches;
	const char *rebuild[RUN_MAX_PATCHES];	/* --rebuild: source files, modules rebuilt as is */
	int nrebuild;
	const char *kernel;		/* --kernel: a built tree, an image or a linux-image .deb */
	const char *modules;		/* --modules: the image's modules_install tree or tarball */
	int check;			/* only say whether the target can run */
	int verbose;
	int timeout;			/* watchdog seconds; 0: the target's default */
	int boot_timeout;		/* seconds to the guest's init; 0: the default */
	int boot_retries;		/* boots again after so many boot hangs */
	int cpus;
};

#define RUN_MAX_FAILURES	32

struct run_failure {
	const char *kind;	/* one of run_failure_kinds() */
	char *message;
	char *excerpt;		/* log lines that show it, or NULL */
};

struct run {
	const struct run_opts *o;
	const struct target *t;
	const char *arch;		/* the guest programs' build arch */
	cJSON *versions;		/* .cache/versions.env */
	cJSON *patch;			/* what --patch and --rebuild rebuilt (modpatch.c), or NULL */
	cJSON *kernel_info;		/* the kernel booted (kernel.c), NULL for native */
	const char *kernel, *initrd;	/* NULL for native */
	int timing;			/* enum tcelab_timing, settled by run_prepare() */
	char *id, *dir, *share;		/* run id, run directory, the guest's share (guest/) */
	char *console, *qemu_log;
	char *qemu_command;		/* NULL for native */
	double guest_seconds;
	int qemu_status;
	int timed_out;
	int boot_hung;			/* the last boot never reached the job */
	cJSON *boot_hangs;		/* the boots that hung and were retried */
	int interrupted;		/* the signal that stopped the run, 0: none */
	struct run_failure failures[RUN_MAX_FAILURES];
	int nfail;
	cJSON *engine;			/* the engine that booted the guest (LAVA), or NULL */
	char *engine_error;		/* why that engine failed its job, or NULL */
	cJSON *results;			/* results.json, once judged */
	char *results_path;
};

/* boot.c: check that the target can run here (dies with the reason and the fix). */
void run_prepare(struct run *r, const struct run_opts *o);
/*
 * kernel.c: the kernel to boot: Debian's stock one, or --kernel's, checked, cached and with
 * tcelab.ko built against it; sets r->kernel, r->initrd, r->kernel_info. Its configuration
 * is checked against what the target needs (kconfig.c). Dies before any boot on bad input.
 */
void run_select_kernel(struct run *r);
/* results.json "kernel": release, git describe, config sha256, the patches with their sha256. */
cJSON *run_kernel_record(const struct run *r);
/* The run directory (--out or reports/<run-id>) and its share. */
void run_make_dir(struct run *r);
/*
 * modpatch.c: with --patch or --rebuild, rebuild the guest kernel's modules they touch
 * (cached), record them in r->patch and point r->initrd at an initramfs that carries them;
 * dies with the reason (a patch that does not apply, built-in code, ...) before any boot.
 */
void run_patch_modules(struct run *r);
/* Boot the guest (or run the job natively) and wait for it, under the watchdog. */
void run_boot(struct run *r);

/* verdict.c: judge the guest's share into r->results and r->failures; write results.json. */
void run_judge(struct run *r);
void run_write_results(struct run *r);
/*
 * TCELAB_EXIT_PASS when the run passed (with --expect-failure: when it failed for each kind
 * named), else TCELAB_EXIT_FAIL.
 */
int run_exit_status(const struct run *r);
/* The failure kinds a run can report, for --help and --expect-failure. */
const char *run_failure_kinds(void);

/*
 * lava.c: the run as a LAVA job (README "Fan-out"). lava_write_job() writes @job_dir/job.yaml
 * (LAVA's qemu device type booting the target's kernel and initramfs, the results share passed
 * to QEMU by the job context) and @job_dir/tcelab-job.json, and makes @job_dir/guest, the share.
 * lava_read_job() reads tcelab-job.json back into @o; lava_collect() makes run @r's directory
 * and fills it from the finished job: the share, and from LAVA's log @log the console, the
 * QEMU command, the time the guest ran, the engine's version and the job's result.
 */
void lava_write_job(struct run *r, const char *job_dir);
void lava_read_job(const char *job_dir, struct run_opts *o);
void lava_collect(struct run *r, const char *job_dir, const char *log);

/* summary.c: the run's summary on stdout, its failures with their excerpts on stderr. */
void run_print_summary(const struct run *r);

/* target.c: "powernv9|powernv8|x86_64|native" */
const char *target_names(void);
/* The timing mode (enum tcelab_timing) a run of target @name gets without --timing; dies on an unknown target. */
int target_default_timing(const char *name);

/*
 * kconfig.c: the kernel options target @target with @timing needs. kconfig_fragment() prints
 * them as a .config fragment; kconfig_missing() checks the configuration in @config_path: the
 * lines of the options it lacks that a run cannot do without (NULL: none), and in *@notes those
 * it only does worse without (NULL: none).
 */
void kconfig_fragment(FILE *f, const char *target, int timing);
char *kconfig_missing(const char *config_path, const char *target, int timing, char **notes);

#endif /* TCELAB_VM_H */
