/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The phase of a probed command, shared by the BPF probes (probe/probe.bpf.c), their loader
 * (tcelab-probe) and the command that marks its phases (tcelab-replay, through lib/phase_mark.c):
 * one definition for kernel and user space.
 *
 * The probes split every role's counts and latency by the phase the command was in when a call
 * entered: a replay's set-up (containers, windows, preregistration), its workload (the trace's
 * records) and its teardown (windows cleared, containers released) cost very differently (the
 * default suite's net trace: 978 exchanges in its workload, 262,144 in its teardown, which
 * clears a 1 GiB window). tcelab-probe gives its command the `phase` map's descriptor in TCELAB_PHASE_FD_ENV;
 * a command that never writes it leaves every call in TCELAB_PHASE_NONE.
 */
#ifndef __TCELAB_PHASE_H
#define __TCELAB_PHASE_H

/* The environment variable that holds the descriptor of the probes' `phase` map. */
#define TCELAB_PHASE_FD_ENV	"TCELAB_PROBE_PHASE_FD"

/* X(ID, name): the name is the key of roles.ROLE.phases in the probe document. */
#define TCELAB_PHASES(X)			\
	X(NONE, "unmarked")			\
	X(SETUP, "setup")			\
	X(WORKLOAD, "workload")			\
	X(TEARDOWN, "teardown")

#define TCELAB_PHASE_ENUM(id, name)	TCELAB_PHASE_##id,
enum tcelab_phase {
	TCELAB_PHASES(TCELAB_PHASE_ENUM)
	TCELAB_NR_PHASES,
};
#undef TCELAB_PHASE_ENUM

static inline const char *tcelab_phase_name(unsigned int phase)
{
#define TCELAB_PHASE_CASE(id, name)	case TCELAB_PHASE_##id: return name;
	switch (phase) {
	TCELAB_PHASES(TCELAB_PHASE_CASE)
	}
#undef TCELAB_PHASE_CASE
	return "?";
}

#endif /* __TCELAB_PHASE_H */
