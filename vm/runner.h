/* SPDX-License-Identifier: GPL-2.0 */
/* Booting a guest for one job and judging what comes back. */
#ifndef TCELAB_RUNNER_H
#define TCELAB_RUNNER_H

struct run_opts {
	const char *target;
	const char *job;		/* guest job: vm/guest/jobs/<job> */
	const char *out;		/* run directory; default reports/<run-id> */
	const char *append;		/* extra kernel command-line arguments */
	const char *suite;		/* scenario suite (traces/suites/<suite>.suite) */
	const char *backends;		/* replay backends, comma-separated (kmod,vfio) */
	const char *expect_failure;	/* test-only: pass iff the run fails for this reason */
	int check;			/* only say whether the target can run */
	int verbose;
	int timeout;			/* watchdog seconds; 0: the target's default */
	int cpus;
};

/* Returns the process exit status: 0 when the run passed. */
int run_guest(const struct run_opts *o);
/* The failure kinds a run can report, for --help and --expect-failure. */
const char *run_failure_kinds(void);

#endif /* TCELAB_RUNNER_H */
