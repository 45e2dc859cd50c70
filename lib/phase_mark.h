/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A probed command marks its phases (include/tcelab/phase.h) for tcelab-probe, which splits
 * every role's calls and latency by them.
 */
#ifndef TCELAB_PHASE_MARK_H
#define TCELAB_PHASE_MARK_H

#include <tcelab/phase.h>

/*
 * Calls from now on are in @phase. Nothing to do (0) when not run under tcelab-probe; a
 * negative errno when the probes' map could not be written.
 */
int phase_mark(enum tcelab_phase phase);

#endif /* TCELAB_PHASE_MARK_H */
