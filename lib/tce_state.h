/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a trace does to a guest's TCE tables, by the rules of the in-kernel hypercall path
 * (arch/powerpc/kvm/book3s_64_vio.c): the windows that exist, the return code each record
 * must get, and the table contents. Generators use it to write expected results, the QEMU
 * importer to translate and check what QEMU did. Plain C99, like trace.c.
 */
#ifndef TCELAB_TCE_STATE_H
#define TCELAB_TCE_STATE_H

#include "trace.h"

struct tce_windows {
	unsigned int nr;
	struct trace_window w[TRACE_MAX_WINDOWS];
};

void tce_windows_init(struct tce_windows *ws, const struct trace_header *h);
const struct trace_window *tce_windows_find(const struct tce_windows *ws, uint64_t liobn);
/* Applies a DDW_CREATE or DDW_REMOVE record: 0, or -1 (duplicate, unknown or too many). */
int tce_windows_apply(struct tce_windows *ws, const struct trace_record *r);

/*
 * The return code book3s_64_vio.c gives @r, assuming guest RAM [0, @ram_size) is one memslot,
 * registered (preregistered for VFIO) as a whole; H_SUCCESS for DDW records. With @written,
 * how many of the record's entries the call writes: all of them when it succeeds, none when
 * a check refuses it, and for an H_PUT_TCE_INDIRECT that fails in its writing pass (a TCE
 * whose window page runs past guest RAM) the entries before the failing one.
 */
int64_t tce_expected_ret(const struct tce_windows *ws, uint64_t ram_size,
			 const struct trace_record *r, uint64_t *written);

/* Entry flags the importer keeps to say where a value came from. */
#define TCE_ENTRY_RECONSTRUCTED	(1u << 0)

struct tce_entry {
	uint64_t liobn;
	uint64_t index;			/* ioba >> page_shift, absolute (not window-relative) */
	uint64_t tce;			/* never 0: a zero entry is absent */
	unsigned int flags;
	unsigned long line;		/* record that wrote it */
};

/* Table contents of every window: an open-addressing hash of the non-zero entries. */
struct tce_model {
	struct tce_entry *slots;
	size_t cap, count;
	uint32_t *block_entries;	/* entries per block of indexes, hashed (tce_state.c) */
};

void tce_model_init(struct tce_model *m);
void tce_model_free(struct tce_model *m);
/* The entry, or NULL when it is zero. */
const struct tce_entry *tce_model_get(const struct tce_model *m, uint64_t liobn, uint64_t index);
/* Writes one entry (0 clears it): 0, or -1 when memory runs out. */
int tce_model_set(struct tce_model *m, uint64_t liobn, uint64_t index, uint64_t tce,
		  unsigned int flags, unsigned long line);
/* Clears entries [first, first + count) of @liobn (count 0: all of them). 0, or -1. */
int tce_model_clear(struct tce_model *m, uint64_t liobn, uint64_t first, uint64_t count);
/*
 * Applies a record: a window create/remove clears the LIOBN's entries, a hypercall writes
 * its first @written entries (tce_expected_ret()). @flags go to every entry written. 0, or
 * -1 when memory runs out.
 */
int tce_model_apply(struct tce_model *m, const struct tce_windows *ws,
		    const struct trace_record *r, uint64_t written, unsigned int flags);

#endif /* TCELAB_TCE_STATE_H */
