/* SPDX-License-Identifier: GPL-2.0 */
/* Import QEMU 7.2 `-trace spapr_iommu_*` log-backend output as a .tce trace. */
#ifndef TCELAB_IMPORT_QEMU_H
#define TCELAB_IMPORT_QEMU_H

#include <stddef.h>
#include <stdio.h>

#include "lib/trace.h"

struct import_opts {
	uint64_t ram_size;		/* 0: from the highest GPA the log maps */
	unsigned int iommu_page_shift;	/* 0: 12 */
	unsigned int nr_windows;	/* windows that exist when the log starts (--window) */
	struct trace_window windows[TRACE_MAX_WINDOWS];
};

/* One log: the file @name, or @len bytes at @data when @data is set. */
struct import_input {
	const char *name;
	const char *data;
	size_t len;
};

/*
 * Reads the logs in order, once (learning the windows and RAM and keeping the events), then
 * converts the events kept and writes the trace to @out. Each assumption and check result becomes a "# assume:" or
 * "# check:" line in the header and, when @notes is set, a line there too. 0, or -1 with
 * "file:line: what was expected" in @err; @out then holds nothing useful.
 */
int import_qemu(const struct import_input *in, unsigned int nr_in, const struct import_opts *o,
		FILE *out, FILE *notes, char *err, size_t errlen);

#endif /* TCELAB_IMPORT_QEMU_H */
