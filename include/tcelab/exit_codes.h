/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit status of every tcelab command (run, report, compare, ab, history, kconfig, validity,
 * import, gen, oracle), one table for CI (README.md, "Exit codes"). 4 is kselftest's KSFT_SKIP.
 * 125 is git bisect run's "cannot test this commit", which 'tcelab ab --bisect' gives for 2 and 3.
 */
#ifndef __TCELAB_EXIT_CODES_H
#define __TCELAB_EXIT_CODES_H

enum tcelab_exit {
	TCELAB_EXIT_PASS = 0,		/* passed; compare: no change or improvement */
	TCELAB_EXIT_FAIL = 1,		/* a run failed; compare: regression, new leak or failure */
	TCELAB_EXIT_ERROR = 2,		/* usage or harness error: nothing was judged */
	TCELAB_EXIT_INCONCLUSIVE = 3,	/* compare: the runs neither show nor rule out a change */
	TCELAB_EXIT_SKIP = 4,		/* cannot run here, e.g. --target native without modules */
	TCELAB_EXIT_BISECT_SKIP = 125,	/* ab --bisect: neither good nor bad */
};

#endif /* __TCELAB_EXIT_CODES_H */
