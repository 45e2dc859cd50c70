/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the BPF probes (tcelab.bpf.c) and their loader (tcelab-probe): the
 * probe roles, the module symbols each role attaches to, and the counters the probes keep.
 */
#ifndef __TCELAB_PROBE_H
#define __TCELAB_PROBE_H

#include <linux/types.h>

/* A role is one thing tcelab measures; it indexes the counters map. */
enum tcelab_role {
	TCELAB_ROLE_PIN,
	TCELAB_ROLE_UNPIN,
	TCELAB_NR_ROLES,
};

/*
 * tcelab.ko functions behind each role (kmod/pin.c). The BPF section names are built from
 * these, so the loader learns which role a program serves from its section.
 */
#define TCELAB_SYM_PIN		"tcelab_pin_user_page"
#define TCELAB_SYM_UNPIN	"tcelab_unpin_user_page"

/* Per-role counters, per CPU in the map; the loader sums them. */
struct tcelab_role_count {
	__u64 calls;		/* function entries */
	__u64 ok;		/* returns of 0, for roles whose function returns a status */
};

#endif /* __TCELAB_PROBE_H */
