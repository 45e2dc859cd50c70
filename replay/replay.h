/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replay stage's public header: the backends tcelab-replay can drive (traces/README.md,
 * "Replaying a trace in a guest"), one line each. tcelab-replay builds its registry from this
 * table (replay/backend.c) and prints it with --list-backends, which the guest suite job reads;
 * the host command includes it to check --backends.
 *
 * Adding a backend: replay/backend_NAME.c defining `const struct backend_ops backend_NAME_ops`
 * (replay/backend.h), its line here, its line in traces/README.md.
 */
#ifndef TCELAB_REPLAY_H
#define TCELAB_REPLAY_H

#include <stdbool.h>

/*
 * X(name, needs_vfio, probe_stack, description):
 *   name         an identifier: the --backend value, and backend_<name>_ops
 *   needs_vfio   it drives devices bound to vfio-pci (tcelab-vfio-setup, the -vfio targets)
 *   probe_stack  the stack its calls go through, for tcelab-probe --stack: "tcelab" or "upstream"
 *   description  one line
 */
#define REPLAY_BACKENDS(X)								\
	X(kmod, false, "tcelab",							\
	  "tcelab.ko's hypercall layer: the in-kernel KVM path of book3s_64_vio.c")	\
	X(vfio, true, "upstream",							\
	  "the upstream VFIO sPAPR TCE v2 container, driven as QEMU drives it "		\
	  "without in-kernel acceleration")

struct replay_backend_info {
	const char *name;
	bool needs_vfio;
	const char *probe_stack;
	const char *description;
};

/*
 * One struct replay_backend_info initializer per line of the table:
 *   static const struct replay_backend_info backends[] = { REPLAY_BACKENDS(REPLAY_BACKEND_INFO) };
 */
#define REPLAY_BACKEND_INFO(name, needs_vfio, probe_stack, description) \
	{ #name, needs_vfio, probe_stack, description },

#endif /* TCELAB_REPLAY_H */
