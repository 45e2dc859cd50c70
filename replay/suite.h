/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab-replay --suite (replay/suite.c). */
#ifndef TCELAB_REPLAY_SUITE_H
#define TCELAB_REPLAY_SUITE_H

struct suite_options {
	const char *file;		/* the suite, traces/suites/README.md */
	const char *traces;		/* its traces: NAME.tce */
	const char *out;		/* results: suite.json and suite/RUN.json */
	const char *backends;		/* comma-separated */
	const char *differences;	/* kmod/DIFFERENCES.md, or NULL */
	const char *undeclare;		/* a row of it taken out, or NULL */
};

/* Replay every scenario of the suite on each backend: 0 when every one passed, else 1 or 2. */
int replay_suite(const struct suite_options *o);

#endif /* TCELAB_REPLAY_SUITE_H */
