// SPDX-License-Identifier: GPL-2.0
/* Windows, expected return codes and table contents of a trace (see tce_state.h). */
#include <stdlib.h>
#include <string.h>

#include "tce_state.h"

void tce_windows_init(struct tce_windows *ws, const struct trace_header *h)
{
	ws->nr = h->nr_windows;
	memcpy(ws->w, h->windows, sizeof(ws->w[0]) * h->nr_windows);
}

const struct trace_window *tce_windows_find(const struct tce_windows *ws, uint64_t liobn)
{
	unsigned int i;

	for (i = 0; i < ws->nr; i++)
		if (ws->w[i].liobn == liobn)
			return &ws->w[i];
	return NULL;
}

int tce_windows_apply(struct tce_windows *ws, const struct trace_record *r)
{
	const struct trace_window *w = tce_windows_find(ws, r->liobn);

	if (r->op == TRACE_DDW_CREATE) {
		if (w || ws->nr == TRACE_MAX_WINDOWS)
			return -1;
		ws->w[ws->nr++] = r->window;
	} else if (r->op == TRACE_DDW_REMOVE) {
		if (!w)
			return -1;
		ws->w[w - ws->w] = ws->w[--ws->nr];
	}
	return 0;
}

/* kvmppc_ioba_validate() */
static int ioba_valid(const struct trace_window *w, uint64_t ioba, uint64_t npages)
{
	uint64_t idx = ioba >> w->page_shift;
	uint64_t offset = w->offset >> w->page_shift, size = w->size >> w->page_shift;

	return !(ioba & ((1ULL << w->page_shift) - 1)) && idx >= offset &&
	       idx - offset + npages <= size && idx + npages >= idx;
}

/* The guest physical address is in the memslot: kvmppc_tce_to_ua() finds it. */
static int gpa_in_ram(uint64_t ram_size, uint64_t gpa)
{
	return gpa < ram_size;
}

/* kvmppc_tce_validate(); the whole of RAM is preregistered, so mm_iommu_lookup() succeeds. */
static int64_t tce_validate(const struct trace_window *w, uint64_t ram_size, uint64_t tce)
{
	uint64_t gpa = tce & ~TCE_PERM_MASK;

	if (!(tce & TCE_PERM_MASK))
		return H_SUCCESS;	/* DMA_NONE: the guest may poison entries */
	if (gpa & ((1ULL << w->page_shift) - 1))
		return H_TOO_HARD;	/* iommu_tce_check_gpa() */
	if (!gpa_in_ram(ram_size, gpa))
		return H_TOO_HARD;
	return H_SUCCESS;
}

/*
 * Writing a validated TCE maps each host IOMMU page of its window page
 * (kvmppc_tce_iommu_map()), and each must be preregistered: the whole page in guest RAM.
 * Validation only looked at the first. Without R/W bits nothing is mapped
 * (kmod/DIFFERENCES.md, indirect-none-entries).
 */
static int tce_writable(const struct trace_window *w, uint64_t ram_size, uint64_t tce)
{
	uint64_t end = (tce & ~TCE_PERM_MASK) + (1ULL << w->page_shift);

	return !(tce & TCE_PERM_MASK) || (end > (tce & ~TCE_PERM_MASK) && end <= ram_size);
}

/* The code, and in *@n the entries written (tce_expected_ret()). */
static int64_t expected(const struct trace_window *w, uint64_t ram_size,
			const struct trace_record *r, uint64_t *n)
{
	uint64_t i;
	int64_t ret;

	*n = 0;
	switch (r->op) {
	case TRACE_PUT:
		if (!ioba_valid(w, r->ioba, 1))
			return H_PARAMETER;
		ret = tce_validate(w, ram_size, r->tce);
		if (ret != H_SUCCESS)
			return ret;
		if (!tce_writable(w, ram_size, r->tce))
			return H_TOO_HARD;
		*n = 1;
		return H_SUCCESS;
	case TRACE_INDIRECT:
		/* npages > 512 and a misaligned list come before the ioba check. */
		if (r->npages > 512)
			return H_PARAMETER;
		if ((r->flags & TRACE_HAS_LIST) && (r->list_gpa & 0xfff))
			return H_PARAMETER;
		if (!ioba_valid(w, r->ioba, r->npages))
			return H_PARAMETER;
		if ((r->flags & TRACE_HAS_LIST) && !gpa_in_ram(ram_size, r->list_gpa))
			return H_TOO_HARD;
		for (i = 0; i < r->npages; i++) {
			ret = tce_validate(w, ram_size, r->tces[i]);
			if (ret != H_SUCCESS)
				return ret;
		}
		/* The writing pass stops at the first TCE it cannot map. */
		while (*n < r->npages && tce_writable(w, ram_size, r->tces[*n]))
			++*n;
		return *n == r->npages ? H_SUCCESS : H_TOO_HARD;
	case TRACE_STUFF:
		if (!ioba_valid(w, r->ioba, r->npages))
			return H_PARAMETER;
		if (r->tce & TCE_PERM_MASK)
			return H_PARAMETER;
		*n = r->npages;
		return H_SUCCESS;
	case TRACE_GET:
		return ioba_valid(w, r->ioba, 1) ? H_SUCCESS : H_PARAMETER;
	default:
		return H_SUCCESS;
	}
}

int64_t tce_expected_ret(const struct tce_windows *ws, uint64_t ram_size,
			 const struct trace_record *r, uint64_t *written)
{
	const struct trace_window *w = tce_windows_find(ws, r->liobn);
	uint64_t n = 0;
	int64_t ret;

	if (r->op == TRACE_DDW_CREATE || r->op == TRACE_DDW_REMOVE)
		ret = H_SUCCESS;
	else if (!w)
		ret = H_TOO_HARD;	/* kvmppc_find_table(): QEMU handles it */
	else
		ret = expected(w, ram_size, r, &n);
	if (written)
		*written = n;
	return ret;
}

/* --- table model -------------------------------------------------------------------------- */

void tce_model_init(struct tce_model *m)
{
	m->slots = NULL;
	m->cap = m->count = 0;
	m->block_entries = NULL;
}

void tce_model_free(struct tce_model *m)
{
	free(m->slots);
	free(m->block_entries);
	tce_model_init(m);
}

/*
 * Entries are also counted per block of 512 indexes (what one H_STUFF_TCE clears at most),
 * in 1024 counters a block hashes to: a range whose blocks count nothing holds nothing, so a
 * clear of a window from end to end (Linux at boot) skips where nothing is mapped without a
 * pass over the table. Blocks sharing a counter only make a clear look.
 */
#define MODEL_BLOCK_SHIFT	9
#define MODEL_COUNTERS_SHIFT	10
#define MODEL_CLEAR_BLOCKS	8	/* larger ranges are cleared without looking */

static uint32_t *block_counter(const struct tce_model *m, uint64_t liobn, uint64_t block)
{
	uint64_t h = (liobn * 0x9e3779b97f4a7c15ULL) ^ block;

	return &m->block_entries[(h * 0xbf58476d1ce4e5b9ULL) >> (64 - MODEL_COUNTERS_SHIFT)];
}

/* No entry in [first, first + count), count 1 to MODEL_CLEAR_BLOCKS blocks' worth. */
static int range_empty(const struct tce_model *m, uint64_t liobn, uint64_t first,
		       uint64_t count)
{
	uint64_t b, last = first + count - 1;

	if (count > MODEL_CLEAR_BLOCKS << MODEL_BLOCK_SHIFT || last < first)
		return 0;
	for (b = first >> MODEL_BLOCK_SHIFT; b <= last >> MODEL_BLOCK_SHIFT; b++)
		if (*block_counter(m, liobn, b))
			return 0;
	return 1;
}

static size_t slot_of(const struct tce_model *m, uint64_t liobn, uint64_t index)
{
	uint64_t h = (liobn * 0x9e3779b97f4a7c15ULL) ^ index;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return h & (m->cap - 1);
}

/* Empty slots have tce 0; a present entry never has. */
static struct tce_entry *find_slot(const struct tce_model *m, uint64_t liobn, uint64_t index)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(m, liobn, index); m->slots[i].tce; i = (i + 1) & (m->cap - 1))
		if (m->slots[i].liobn == liobn && m->slots[i].index == index)
			return &m->slots[i];
	return &m->slots[i];
}

const struct tce_entry *tce_model_get(const struct tce_model *m, uint64_t liobn, uint64_t index)
{
	const struct tce_entry *e = find_slot(m, liobn, index);

	return e && e->tce ? e : NULL;
}

#define MODEL_MIN_CAP	1024

/* The table rehashed to @cap slots (a power of two, above the count): 0, or -1. */
static int resize(struct tce_model *m, size_t cap)
{
	struct tce_model to = { NULL, cap, 0, m->block_entries };
	size_t i;

	to.slots = calloc(to.cap, sizeof(*to.slots));
	if (!to.slots)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].tce)
			*find_slot(&to, m->slots[i].liobn, m->slots[i].index) = m->slots[i];
	to.count = m->count;
	free(m->slots);
	*m = to;
	return 0;
}

static int grow(struct tce_model *m)
{
	return resize(m, m->cap ? m->cap * 2 : MODEL_MIN_CAP);
}

/*
 * After a large clear, a table left mostly empty is made smaller: every later clear of a
 * range passes over the whole table (a QEMU log clears windows again and again).
 */
static int shrink(struct tce_model *m)
{
	size_t cap = m->cap;

	while (cap > MODEL_MIN_CAP && m->count * 8 < cap)
		cap /= 2;
	return cap == m->cap ? 0 : resize(m, cap);
}

/* Linear-probing delete: pull later entries of the run back so lookups never stop early. */
static void remove_slot(struct tce_model *m, struct tce_entry *e)
{
	size_t hole = e - m->slots, i = hole, home;

	(*block_counter(m, e->liobn, e->index >> MODEL_BLOCK_SHIFT))--;
	for (;;) {
		i = (i + 1) & (m->cap - 1);
		if (!m->slots[i].tce)
			break;
		home = slot_of(m, m->slots[i].liobn, m->slots[i].index);
		/* Move it when its home is not within (hole, i], cyclically. */
		if ((i > hole && (home <= hole || home > i)) ||
		    (i < hole && home <= hole && home > i)) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole].tce = 0;
	m->count--;
}

int tce_model_set(struct tce_model *m, uint64_t liobn, uint64_t index, uint64_t tce,
		  unsigned int flags, unsigned long line)
{
	struct tce_entry *e;

	if (!tce) {
		e = find_slot(m, liobn, index);
		if (e && e->tce)
			remove_slot(m, e);
		return 0;
	}
	if ((m->count + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	if (!m->block_entries) {
		m->block_entries = calloc(1 << MODEL_COUNTERS_SHIFT, sizeof(*m->block_entries));
		if (!m->block_entries)
			return -1;
	}
	e = find_slot(m, liobn, index);
	if (!e->tce) {
		m->count++;
		(*block_counter(m, liobn, index >> MODEL_BLOCK_SHIFT))++;
	}
	*e = (struct tce_entry){ liobn, index, tce, flags, line };
	return 0;
}

int tce_model_clear(struct tce_model *m, uint64_t liobn, uint64_t first, uint64_t count)
{
	size_t i;

	if (!m->count || (count && range_empty(m, liobn, first, count)))
		return 0;
	/* A range smaller than the table: a lookup per entry costs less than a pass over it. */
	if (count && count * 8 < m->cap) {
		for (i = 0; i < count; i++)
			tce_model_set(m, liobn, first + i, 0, 0, 0);
		return 0;
	}
	/*
	 * A range as large as the table: one pass over it, removing in place (no new table to
	 * allocate, clear and fill). A removal may pull a later entry of its run into slot i:
	 * look at slot i again.
	 */
	for (i = 0; i < m->cap;) {
		struct tce_entry *e = &m->slots[i];

		if (e->tce && e->liobn == liobn &&
		    (!count || (e->index >= first && e->index - first < count)))
			remove_slot(m, e);
		else
			i++;
	}
	return shrink(m);
}

int tce_model_apply(struct tce_model *m, const struct tce_windows *ws,
		    const struct trace_record *r, uint64_t written, unsigned int flags)
{
	const struct trace_window *w = tce_windows_find(ws, r->liobn);
	uint64_t idx, i;

	if (r->op == TRACE_DDW_CREATE || r->op == TRACE_DDW_REMOVE)
		return tce_model_clear(m, r->liobn, 0, 0);
	/* tce_model_clear()'s count 0 would be the whole window. */
	if (!w || !written)
		return 0;
	idx = r->ioba >> w->page_shift;
	switch (r->op) {
	case TRACE_PUT:
		return tce_model_set(m, r->liobn, idx, r->tce, flags, r->line);
	case TRACE_INDIRECT:
		for (i = 0; i < written; i++)
			if (tce_model_set(m, r->liobn, idx + i, r->tces[i], flags, r->line))
				return -1;
		return 0;
	case TRACE_STUFF:
		if (!r->tce)
			return tce_model_clear(m, r->liobn, idx, written);
		for (i = 0; i < written; i++)
			if (tce_model_set(m, r->liobn, idx + i, r->tce, flags, r->line))
				return -1;
		return 0;
	default:
		return 0;
	}
}
