/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The probe roles as a table: for each stack (tcelab.ko, upstream), the candidate symbols of
 * each role and how to read them. Resolved at run time against /proc/kallsyms.
 */
#ifndef TCELAB_ROLES_H
#define TCELAB_ROLES_H

#include <stdbool.h>

#include "probe.h"

enum probe_stack {
	STACK_TCELAB,
	STACK_UPSTREAM,
	NR_STACKS,
};

struct role_symbol {
	enum probe_stack stack;
	int role;		/* enum tcelab_role */
	/*
	 * Symbols of one role with the same non-zero alt are alternatives (kernel versions rename
	 * functions): the first one present is used. alt 0: always used when present.
	 */
	int alt;
	const char *name;
	enum tcelab_kind kind;
	int optype;		/* enum tcelab_optype or TCELAB_OPT_DYN_* (op role) */
	bool has_ret, ret32;
	int a_entry, a_hpa, a_dir;	/* TCELAB_K_XCHG */
	int a_page;		/* TCELAB_K_TCELAB_PIN (struct page **), *_UNPIN* (struct page *) */
	const char *note;	/* why it may be missing */
};

extern const struct role_symbol role_symbols[];
extern const unsigned int nr_role_symbols;
extern const char *const role_names[TCELAB_NR_ROLES];
extern const char *const stack_names[NR_STACKS];
extern const char *const optype_names[TCELAB_NR_OPTYPES];

int role_by_name(const char *name, unsigned int len);

#endif /* TCELAB_ROLES_H */
