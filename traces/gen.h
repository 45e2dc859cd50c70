/* SPDX-License-Identifier: GPL-2.0 */
/* Synthetic .tce traces: deterministic for a seed, every record with its expected result. */
#ifndef TCELAB_GEN_H
#define TCELAB_GEN_H

#include <stdint.h>
#include <stdio.h>

struct gen_opts {
	const char *kind;		/* one of gen_kind_names() */
	uint64_t seed;
	uint64_t ops;			/* records to aim for; 0: the kind's default */
	uint64_t ram_size;		/* 0: 1G */
	unsigned int threads;		/* streams with their own tid (net, storage, overwrite) */
	unsigned int iommu_page_shift;	/* 0: 12 */
	unsigned int batch;		/* storage: every INDIRECT of this many pages; 0: 2..512 */
};

/* "net, storage, ..." for usage text and errors. */
const char *gen_kind_names(void);
/* One line per kind: "  net          ...\n". */
const char *gen_kind_help(void);
/* Writes the trace to @out: 0, or -1 with a message in @err (bad options, write error). */
int gen_trace(FILE *out, const struct gen_opts *o, char *err, size_t errlen);

#endif /* TCELAB_GEN_H */
