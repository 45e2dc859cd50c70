/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypercall oracle: every record of a .tce trace run through upstream's own handlers
 * (upstream_vm.h), its ret= (and a get's tce=) checked against what they return, each
 * mismatch either declared in kmod/DIFFERENCES.md (differences.h) or a failure.
 */
#ifndef TCELAB_ORACLE_H
#define TCELAB_ORACLE_H

#include <stdio.h>

#include "lib/differences.h"

struct oracle_result {
	unsigned long records;		/* records read */
	unsigned long checked;		/* hypercalls with a ret= */
	unsigned long unchecked;	/* hypercalls without one */
	unsigned long mismatches;	/* undeclared differences: failures */
	unsigned long declared;		/* explained by a row of kmod/DIFFERENCES.md */
	unsigned long warnings;		/* upstream WARNs or BUGs: failures */
};

/*
 * Runs the trace @path (named @name in messages) through upstream, printing each mismatch
 * as "NAME:LINE: OP: expected X, upstream gives Y" to @out and adding to @res. 0, or -1 with
 * @err when the trace cannot be read or upstream cannot model its guest.
 */
int oracle_check(const char *path, const char *name, struct differences *ds, FILE *out,
		 struct oracle_result *res, char *err, size_t errlen);

/*
 * 'tcelab gen/import --check-upstream': checks the trace just written to @path (named @name)
 * against upstream with kmod/DIFFERENCES.md and prints a summary on stderr. The exit status
 * the command should end with: 0, 1 (a mismatch) or 2 (it could not be checked).
 */
int oracle_check_written(const char *path, const char *name);

#endif /* TCELAB_ORACLE_H */
