/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The traces stage's public header: 'tcelab import' and 'tcelab gen', and the user's own
 * traces for 'tcelab run --trace', checked and converted on the host before any boot.
 */
#ifndef TCELAB_TRACES_H
#define TCELAB_TRACES_H

#include <stddef.h>

#include "import_qemu.h"

/* argv[0] is the subcommand's name; the return value is the exit status. */
int cmd_import(int argc, char **argv);
int cmd_gen(int argc, char **argv);
/* 'tcelab oracle': traces checked against upstream's hypercall handlers (traces/oracle/). */
int cmd_oracle(int argc, char **argv);

/* An option of 'tcelab import qemu' by its long name ("ram", "window", ...); dies when bad. */
void import_opt_apply(struct import_opts *o, const char *name, const char *value);

#define USER_TRACES_MAX	64

/* tcelab run --trace FILE...: each a .tce trace, or else a QEMU log to import with @import. */
struct user_traces {
	const char *files[USER_TRACES_MAX];
	unsigned int nr;
	struct import_opts import;
};

/* The suite the guest replays the user's traces as (vm/guest/jobs/suite). */
#define USER_TRACES_SUITE	"traces.suite"

/*
 * Check every trace (a .tce parsed whole; a log imported) and lay them out in the new
 * directory @dir: @dir/NAME.tce each, NAME from the file's name, and @dir/USER_TRACES_SUITE
 * naming them. 0, or -1 with "file:line: what was expected" in @err and @dir removed.
 */
int user_traces_stage(const struct user_traces *u, const char *dir, char *err, size_t errlen);

#endif /* TCELAB_TRACES_H */
