// SPDX-License-Identifier: GPL-2.0
/* The vfio backend: placeholder until the upstream VFIO sPAPR TCE v2 path is written. */
#include <stdio.h>

#include "backend.h"

static int vfio_setup(struct backend *b, const struct trace_header *h, const struct guest_ram *ram,
		      char *err, size_t errlen)
{
	snprintf(err, errlen, "not implemented yet");
	return -1;
}

static void vfio_teardown(struct backend *b)
{
}

const struct backend_ops backend_vfio_ops = {
	.name = "vfio",
	.setup = vfio_setup,
	.teardown = vfio_teardown,
};
