// SPDX-License-Identifier: GPL-2.0
/*
 * Trace generators. Every kind is a "stream": a small state machine that emits one or a few
 * records per step inside its own part of a window. Several streams (--threads, or the mix)
 * are interleaved by the seeded generator; each has its own tid and its own entries, so the
 * expected results hold whatever order a replay runs the threads in.
 *
 * Expected return codes come from tce_state.c (book3s_64_vio.c rules), except for the
 * adversarial cases, which state theirs by hand; the unit tests check that both agree.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "lib/tce_state.h"
#include "lib/trace.h"

/* QEMU's LIOBN numbering, SPAPR_PCI_LIOBN(phb, window). */
#define WIN32_LIOBN		0x80000000u
#define SECOND_PHB_LIOBN	0x80000100u
#define DDW_LIOBN		0x80000001u
#define TEMP_LIOBN		0x80000002u
/* QEMU's dma_win_size and dma64_win_addr defaults. */
#define WIN32_SIZE		(1ULL << 30)
#define DDW_OFFSET		0x0800000000000000ULL
#define TEMP_OFFSET		0x1000000000000000ULL
#define DDW_PAGE_SHIFT		24
#define ADV_DDW_PAGE_SHIFT	16
#define ADV_DDW_SIZE		(1ULL << 30)
#define ERR_PAGE_SHIFT		25	/* errors: a window page that runs past the end of RAM */
#define ERR_RAM			(80ULL << 20)
#define ERR_WIN32_SIZE		(256ULL << 20)	/* errors: less to clear at every teardown */

#define NET_POOL		512	/* entries a NIC cycles through: slots get reused */
#define NET_RING		64
#define STORAGE_POOL		16384
#define STORAGE_DEPTH		16
#define OVERWRITE_POOL		256
#define MAX_BATCH		512

enum kind { K_NET, K_STORAGE, K_DDW, K_BOOT, K_OVERWRITE, K_ADVERSARIAL, K_MIX, K_ERRORS };

static const struct kind_info {
	const char *name;
	uint64_t default_ops;
	int threads;			/* --threads applies */
	const char *help;
} kinds[] = {
	[K_NET] = { "net", 20000, 1, "single-page H_PUT_TCE maps, H_STUFF_TCE unmaps, slot reuse" },
	[K_STORAGE] = { "storage", 2000, 1,
			"H_PUT_TCE_INDIRECT batches of 2..512, sequential and random pages" },
	[K_DDW] = { "ddw", 1, 0, "create a 64-bit window, map all RAM in 16M pages, remove" },
	[K_BOOT] = { "boot", 1, 0, "clear whole tables with H_STUFF_TCE of 512 pages" },
	[K_OVERWRITE] = { "overwrite", 5000, 1, "write over valid entries (PAPR-legal)" },
	[K_ADVERSARIAL] = { "adversarial", 0, 0,
			    "every invalid-argument case with its expected return code" },
	[K_MIX] = { "mix", 20000, 0, "net, storage, overwrite and ddw as four threads" },
	[K_ERRORS] = { "errors", 1, 0,
		       "error paths: maps failing part-way, lists failing validation, a window "
		       "removed while mapped" },
};
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct inflight {
	uint64_t idx, n;
};

struct stream {
	enum kind kind;
	uint32_t tid;			/* 0: records carry no tid */
	uint32_t liobn;
	unsigned int page_shift;
	uint64_t first, nr;		/* its entries: absolute indexes [first, first + nr) */
	uint64_t budget;		/* records left before it tears down */
	unsigned char *used;		/* per entry of its part */
	uint64_t hint;			/* next-fit allocation, like the kernel's iommu pools */
	struct inflight *inflight;	/* oldest first */
	size_t nr_inflight;
	int phase;
	uint64_t cursor, cycle;
	unsigned int window;
};

struct gen {
	FILE *out;
	unsigned int batch;		/* gen_opts.batch */
	struct trace_header h;
	struct tce_windows ws;
	struct tce_model model;
	uint64_t rng;
	int oom;
	struct trace_record r;
};

/* splitmix64: small, fast and the same everywhere. */
static uint64_t rnd64(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct gen *g, uint64_t n)
{
	return n ? rnd64(g) % n : 0;
}

static uint64_t rnd_gpa(struct gen *g, unsigned int shift)
{
	return rnd(g, g->h.ram_size >> shift) << shift;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static struct trace_record *record(struct gen *g, const struct stream *s, enum trace_op op,
				   uint64_t liobn, uint64_t ioba)
{
	struct trace_record *r = &g->r;

	r->op = op;
	r->flags = s->tid ? TRACE_HAS_TID : 0;
	r->tid = s->tid;
	r->liobn = liobn;
	r->ioba = ioba;
	r->tce = r->npages = 0;
	r->line = 0;
	return r;
}

/*
 * Writes g->r with its expected result (unless the caller set one) and applies it. A GET gets
 * the TCE the table holds.
 */
static void emit(struct gen *g, struct stream *s)
{
	struct trace_record *r = &g->r;
	int ddw = r->op == TRACE_DDW_CREATE || r->op == TRACE_DDW_REMOVE;
	uint64_t written;
	int64_t ret = tce_expected_ret(&g->ws, g->h.ram_size, r, &written);

	if (!ddw && !(r->flags & TRACE_HAS_RET)) {
		r->ret = ret;
		r->flags |= TRACE_HAS_RET;
	}
	if (r->op == TRACE_GET && r->ret == H_SUCCESS) {
		const struct trace_window *w = tce_windows_find(&g->ws, r->liobn);
		const struct tce_entry *e = tce_model_get(&g->model, r->liobn,
							  r->ioba >> w->page_shift);

		r->tce = e ? e->tce : 0;
		r->flags |= TRACE_HAS_TCE;
	}
	if (tce_model_apply(&g->model, &g->ws, r, written, 0))
		g->oom = 1;
	if (ddw)
		tce_windows_apply(&g->ws, r);
	trace_write_record(g->out, r);
	if (s->budget)
		s->budget--;
}

static void emit_expect(struct gen *g, struct stream *s, int64_t ret)
{
	g->r.ret = ret;
	g->r.flags |= TRACE_HAS_RET;
	emit(g, s);
}

/* --- entry allocation inside a stream's part ------------------------------------------------ */

static int alloc_run(struct stream *s, uint64_t n, uint64_t *idx)
{
	uint64_t tried, pos, run = 0;

	for (tried = 0; tried < s->nr + n; tried++) {
		pos = (s->hint + tried) % s->nr;
		if (!pos)
			run = 0;
		if (s->used[pos]) {
			run = 0;
			continue;
		}
		if (++run < n)
			continue;
		memset(s->used + pos + 1 - n, 1, n);
		s->hint = (pos + 1) % s->nr;
		*idx = s->first + pos + 1 - n;
		return 0;
	}
	return -1;
}

static void push_inflight(struct stream *s, uint64_t idx, uint64_t n)
{
	s->inflight[s->nr_inflight++] = (struct inflight){ idx, n };
}

/* Unmaps in-flight mapping @k the way Linux frees: H_STUFF_TCE with 0. */
static void unmap_inflight(struct gen *g, struct stream *s, size_t k)
{
	struct inflight m = s->inflight[k];
	struct trace_record *r = record(g, s, TRACE_STUFF, s->liobn, m.idx << s->page_shift);

	r->npages = m.n;
	emit(g, s);
	memset(s->used + (m.idx - s->first), 0, m.n);
	memmove(&s->inflight[k], &s->inflight[k + 1],
		(s->nr_inflight - k - 1) * sizeof(s->inflight[0]));
	s->nr_inflight--;
}

static void get_entry(struct gen *g, struct stream *s, uint64_t liobn, uint64_t ioba)
{
	record(g, s, TRACE_GET, liobn, ioba);
	emit(g, s);
}

/* --- kinds ---------------------------------------------------------------------------------- */

static uint64_t dma_perm(struct gen *g)
{
	/* Linux: DMA_TO_DEVICE maps read-only, everything else read-write. */
	return rnd(g, 2) ? TCE_PCI_READ : TCE_PCI_READ | TCE_PCI_WRITE;
}

static int step_net(struct gen *g, struct stream *s)
{
	struct trace_record *r;
	uint64_t idx;

	if (s->budget && s->nr_inflight && rnd(g, 100) < 5) {
		get_entry(g, s, s->liobn, s->inflight[rnd(g, s->nr_inflight)].idx << s->page_shift);
		return 1;
	}
	if (s->budget && s->nr_inflight < NET_RING && (!s->nr_inflight || rnd(g, 100) < 55) &&
	    !alloc_run(s, 1, &idx)) {
		r = record(g, s, TRACE_PUT, s->liobn, idx << s->page_shift);
		r->tce = rnd_gpa(g, s->page_shift) | dma_perm(g);
		emit(g, s);
		push_inflight(s, idx, 1);
		return 1;
	}
	if (!s->nr_inflight)
		return 0;
	/* Rings complete in order, mostly. */
	unmap_inflight(g, s, rnd(g, 100) < 80 ? 0 : rnd(g, min_u64(4, s->nr_inflight)));
	return 1;
}

static uint64_t batch_size(struct gen *g, uint64_t limit)
{
	uint64_t n = g->batch ?: rnd(g, 2) ? 2ULL << rnd(g, 9) : 2 + rnd(g, MAX_BATCH - 1);

	return n < limit ? n : limit;
}

static int step_storage(struct gen *g, struct stream *s)
{
	struct trace_record *r;
	uint64_t idx, n, i, gpa;

	if (s->budget && s->nr_inflight < STORAGE_DEPTH && (!s->nr_inflight || rnd(g, 2)) &&
	    !alloc_run(s, n = batch_size(g, s->nr / 4), &idx)) {
		r = record(g, s, TRACE_INDIRECT, s->liobn, idx << s->page_shift);
		r->npages = n;
		if (rnd(g, 2)) {
			/* A contiguous buffer: what tce_buildmulti_pSeriesLP() builds. */
			gpa = rnd(g, (g->h.ram_size >> s->page_shift) - n + 1) << s->page_shift;
			for (i = 0; i < n; i++)
				r->tces[i] = (gpa + (i << s->page_shift)) | TCE_PCI_READ | TCE_PCI_WRITE;
		} else {
			for (i = 0; i < n; i++)
				r->tces[i] = rnd_gpa(g, s->page_shift) | dma_perm(g);
		}
		emit(g, s);
		push_inflight(s, idx, n);
		return 1;
	}
	if (!s->nr_inflight)
		return 0;
	unmap_inflight(g, s, rnd(g, s->nr_inflight));
	return 1;
}

static int step_overwrite(struct gen *g, struct stream *s)
{
	struct trace_record *r;
	uint64_t idx = s->first + rnd(g, s->nr), n, i;
	unsigned int choice = rnd(g, 100);

	if (!s->budget) {
		if (s->phase)
			return 0;
		/* Tear down: clear the whole part at once. */
		r = record(g, s, TRACE_STUFF, s->liobn, s->first << s->page_shift);
		r->npages = s->nr;
		emit(g, s);
		s->phase = 1;
		return 1;
	}
	if (choice < 35 || (choice >= 55 && choice < 65)) {
		r = record(g, s, TRACE_PUT, s->liobn, idx << s->page_shift);
		r->tce = choice < 35 ? rnd_gpa(g, s->page_shift) | dma_perm(g) : 0;
	} else if (choice < 55) {
		n = 1 + rnd(g, min_u64(32, s->nr));
		r = record(g, s, TRACE_INDIRECT, s->liobn,
			   (s->first + rnd(g, s->nr - n + 1)) << s->page_shift);
		r->npages = n;
		for (i = 0; i < n; i++)
			r->tces[i] = rnd_gpa(g, s->page_shift) | dma_perm(g);
	} else if (choice < 75) {
		n = 1 + rnd(g, min_u64(16, s->nr));
		r = record(g, s, TRACE_STUFF, s->liobn,
			   (s->first + rnd(g, s->nr - n + 1)) << s->page_shift);
		r->npages = n;
	} else {
		r = record(g, s, TRACE_GET, s->liobn, idx << s->page_shift);
	}
	emit(g, s);
	return 1;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Linux's enable_ddw(): one window over all of RAM, mapped once (tce_setrange_multi_pSeriesLP). */
static int step_ddw(struct gen *g, struct stream *s)
{
	uint64_t pages = g->h.ram_size >> DDW_PAGE_SHIFT, n, i;
	struct trace_record *r;

	switch (s->phase) {
	case 0:
		if (!s->budget && s->cycle)
			return 0;
		r = record(g, s, TRACE_DDW_CREATE, DDW_LIOBN, 0);
		r->window = (struct trace_window){ DDW_LIOBN, DDW_PAGE_SHIFT, DDW_OFFSET,
						    pow2_at_least(g->h.ram_size) };
		emit(g, s);
		s->cursor = 0;
		s->phase = 1;
		return 1;
	case 1:
		n = min_u64(MAX_BATCH, pages - s->cursor);
		r = record(g, s, TRACE_INDIRECT, DDW_LIOBN,
			   DDW_OFFSET + (s->cursor << DDW_PAGE_SHIFT));
		r->npages = n;
		for (i = 0; i < n; i++)
			r->tces[i] = ((s->cursor + i) << DDW_PAGE_SHIFT) | TCE_PCI_READ |
				     TCE_PCI_WRITE;
		emit(g, s);
		s->cursor += n;
		if (s->cursor == pages) {
			s->cursor = 0;
			s->phase = 2;
		}
		return 1;
	case 2:
		get_entry(g, s, DDW_LIOBN, DDW_OFFSET + (rnd(g, pages) << DDW_PAGE_SHIFT));
		if (++s->cursor == 8)
			s->phase = 3;
		return 1;
	case 3:
		s->phase = 4;
		/* Every other cycle removes the window with its mappings still in place. */
		if (s->cycle & 1) {
			r = record(g, s, TRACE_STUFF, DDW_LIOBN, DDW_OFFSET);
			r->npages = pages;
			emit(g, s);
			return 1;
		}
		/* fall through */
	default:
		record(g, s, TRACE_DDW_REMOVE, DDW_LIOBN, 0);
		emit(g, s);
		s->cycle++;
		s->phase = 0;
		return 1;
	}
}

/* Linux's iommu_table_clear() at boot: every window cleared 512 entries at a time. */
static int step_boot(struct gen *g, struct stream *s)
{
	const struct trace_window *w;
	uint64_t entries;
	struct trace_record *r;

	if (s->window == g->h.nr_windows) {
		if (!s->budget)
			return 0;
		s->window = 0;
	}
	w = &g->h.windows[s->window];
	entries = w->size >> w->page_shift;
	if (!s->phase) {
		r = record(g, s, TRACE_STUFF, w->liobn, w->offset + (s->cursor << w->page_shift));
		r->npages = min_u64(MAX_BATCH, entries - s->cursor);
		emit(g, s);
		s->cursor += r->npages;
		if (s->cursor == entries) {
			s->cursor = 0;
			s->phase = 1;
		}
		return 1;
	}
	get_entry(g, s, w->liobn, w->offset + (rnd(g, entries) << w->page_shift));
	if (++s->cursor == 4) {
		s->cursor = 0;
		s->phase = 0;
		s->window++;
	}
	return 1;
}

/* --- adversarial ---------------------------------------------------------------------------- */

enum adv_liobn { L_WIN32, L_DDW, L_UNKNOWN, L_HIGH_BITS, L_REMOVED };
enum adv_ioba { A_GOOD, A_MISALIGNED, A_END, A_BELOW, A_HUGE, A_NEAR_END };
enum adv_tce {
	T_RW, T_WRITE_ONLY, T_MISALIGNED_GPA, T_BEYOND_RAM, T_LOW_BITS, T_POISON, T_ZERO,
	T_READ_BIT, T_WRITE_BIT,
};
enum adv_list { LIST_ANY, LIST_MISALIGNED, LIST_BEYOND_RAM, LIST_MISALIGNED_BEYOND_RAM };

#define ADV_PREMAP	(1u << 0)	/* map the target first: a failing call must keep it */
#define ADV_VERIFY	(1u << 1)	/* read the target entries back afterwards */

/*
 * Each case with the code book3s_64_vio.c returns and why. For INDIRECT, @bad is the list
 * entry that carries @tce (the others are valid); -1 means every entry carries it.
 */
static const struct adv_case {
	const char *name, *why;
	enum trace_op op;
	enum adv_liobn liobn;
	enum adv_ioba ioba;
	enum adv_tce tce;
	uint64_t npages;
	int bad;
	enum adv_list list;
	unsigned int flags;
	int64_t expect;
} adv_cases[] = {
	{ "put-unknown-liobn", "no table: kvmppc_find_table() fails, userspace's job",
	  TRACE_PUT, L_UNKNOWN, A_GOOD, T_RW, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "put-liobn-high-bits", "the LIOBN register is 64 bits; no table has these",
	  TRACE_PUT, L_HIGH_BITS, A_GOOD, T_RW, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "put-ioba-misaligned", "kvmppc_ioba_validate(): ioba not page aligned",
	  TRACE_PUT, L_WIN32, A_MISALIGNED, T_RW, 1, -1, LIST_ANY, 0, H_PARAMETER },
	{ "put-ioba-window-end", "kvmppc_ioba_validate(): first entry past the window",
	  TRACE_PUT, L_WIN32, A_END, T_RW, 1, -1, LIST_ANY, 0, H_PARAMETER },
	{ "put-ioba-below-window", "kvmppc_ioba_validate(): below the 64-bit window's offset",
	  TRACE_PUT, L_DDW, A_BELOW, T_RW, 1, -1, LIST_ANY, 0, H_PARAMETER },
	{ "put-ioba-huge", "kvmppc_ioba_validate(): far past every window",
	  TRACE_PUT, L_WIN32, A_HUGE, T_RW, 1, -1, LIST_ANY, 0, H_PARAMETER },
	{ "put-gpa-misaligned", "iommu_tce_check_gpa(): 4K-aligned GPA in a 64K-page window",
	  TRACE_PUT, L_DDW, A_GOOD, T_MISALIGNED_GPA, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "put-gpa-beyond-ram", "kvmppc_tce_to_ua(): no memslot holds the GPA",
	  TRACE_PUT, L_WIN32, A_GOOD, T_BEYOND_RAM, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "put-tce-low-bits", "iommu_tce_check_gpa(): bits below the page besides R/W",
	  TRACE_PUT, L_WIN32, A_GOOD, T_LOW_BITS, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "put-bad-keeps-old", "a rejected TCE leaves the valid entry it would replace",
	  TRACE_PUT, L_WIN32, A_GOOD, T_BEYOND_RAM, 1, -1, LIST_ANY, ADV_PREMAP | ADV_VERIFY,
	  H_TOO_HARD },
	{ "put-poison", "legal: no R/W bits means DMA_NONE, any other bits are kept",
	  TRACE_PUT, L_WIN32, A_GOOD, T_POISON, 1, -1, LIST_ANY, ADV_VERIFY, H_SUCCESS },
	{ "put-write-only", "legal: write-only (DMA_FROM_DEVICE) mapping",
	  TRACE_PUT, L_WIN32, A_GOOD, T_WRITE_ONLY, 1, -1, LIST_ANY, ADV_VERIFY, H_SUCCESS },
	{ "put-removed-window", "the LIOBN's window was removed: no table any more",
	  TRACE_PUT, L_REMOVED, A_GOOD, T_RW, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "indirect-unknown-liobn", "no table: kvmppc_find_table() fails",
	  TRACE_INDIRECT, L_UNKNOWN, A_GOOD, T_RW, 4, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "indirect-513-pages", "npages > 512: the list must fit one 4K page",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_RW, 513, -1, LIST_ANY, 0, H_PARAMETER },
	{ "indirect-list-misaligned", "tce_list not 4K aligned",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_RW, 4, -1, LIST_MISALIGNED, 0, H_PARAMETER },
	{ "indirect-list-beyond-ram", "kvmppc_tce_to_ua(tce_list): no memslot",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_RW, 4, -1, LIST_BEYOND_RAM, ADV_VERIFY, H_TOO_HARD },
	{ "indirect-list-misaligned-beyond-ram", "alignment is checked before the memslot",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_RW, 4, -1, LIST_MISALIGNED_BEYOND_RAM, 0,
	  H_PARAMETER },
	{ "indirect-ioba-misaligned", "kvmppc_ioba_validate(): ioba not page aligned",
	  TRACE_INDIRECT, L_WIN32, A_MISALIGNED, T_RW, 4, -1, LIST_ANY, 0, H_PARAMETER },
	{ "indirect-crosses-window-end", "kvmppc_ioba_validate(): last entries past the window",
	  TRACE_INDIRECT, L_WIN32, A_NEAR_END, T_RW, 4, -1, LIST_ANY, 0, H_PARAMETER },
	{ "indirect-bad-tce-maps-nothing", "every TCE is validated before any is written",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_BEYOND_RAM, 8, 5, LIST_ANY, ADV_VERIFY, H_TOO_HARD },
	{ "indirect-gpa-misaligned", "iommu_tce_check_gpa() on a list entry",
	  TRACE_INDIRECT, L_DDW, A_GOOD, T_MISALIGNED_GPA, 4, 0, LIST_ANY, ADV_VERIFY,
	  H_TOO_HARD },
	{ "indirect-unknown-liobn-and-513", "the LIOBN is looked up before npages is checked",
	  TRACE_INDIRECT, L_UNKNOWN, A_GOOD, T_RW, 513, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "indirect-no-pages", "legal: npages 0 validates and writes nothing",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_RW, 0, -1, LIST_ANY, 0, H_SUCCESS },
	{ "indirect-512-pages", "legal: the largest list",
	  TRACE_INDIRECT, L_WIN32, A_GOOD, T_RW, 512, -1, LIST_ANY, ADV_VERIFY, H_SUCCESS },
	{ "stuff-unknown-liobn", "no table: kvmppc_find_table() fails",
	  TRACE_STUFF, L_UNKNOWN, A_GOOD, T_ZERO, 4, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "stuff-read-bit", "tce_value with TCE_PCI_READ",
	  TRACE_STUFF, L_WIN32, A_GOOD, T_READ_BIT, 4, -1, LIST_ANY, ADV_PREMAP | ADV_VERIFY,
	  H_PARAMETER },
	{ "stuff-write-bit", "tce_value with TCE_PCI_WRITE",
	  TRACE_STUFF, L_WIN32, A_GOOD, T_WRITE_BIT, 4, -1, LIST_ANY, 0, H_PARAMETER },
	{ "stuff-mapping-value", "a whole valid TCE as tce_value: R/W bits",
	  TRACE_STUFF, L_WIN32, A_GOOD, T_RW, 4, -1, LIST_ANY, 0, H_PARAMETER },
	{ "stuff-crosses-window-end", "kvmppc_ioba_validate(): range past the window",
	  TRACE_STUFF, L_WIN32, A_NEAR_END, T_ZERO, 4, -1, LIST_ANY, 0, H_PARAMETER },
	{ "stuff-npages-wraps", "kvmppc_ioba_validate(): idx + npages wraps around",
	  TRACE_STUFF, L_WIN32, A_GOOD, T_ZERO, UINT64_MAX, -1, LIST_ANY, 0, H_PARAMETER },
	{ "stuff-ioba-misaligned", "kvmppc_ioba_validate(): ioba not page aligned",
	  TRACE_STUFF, L_WIN32, A_MISALIGNED, T_ZERO, 4, -1, LIST_ANY, 0, H_PARAMETER },
	{ "stuff-no-pages", "legal: npages 0",
	  TRACE_STUFF, L_WIN32, A_GOOD, T_ZERO, 0, -1, LIST_ANY, 0, H_SUCCESS },
	{ "stuff-poison", "legal: a value without R/W bits is stored as is",
	  TRACE_STUFF, L_WIN32, A_GOOD, T_POISON, 2, -1, LIST_ANY, ADV_VERIFY, H_SUCCESS },
	{ "get-unknown-liobn", "no table: kvmppc_find_table() fails",
	  TRACE_GET, L_UNKNOWN, A_GOOD, T_ZERO, 1, -1, LIST_ANY, 0, H_TOO_HARD },
	{ "get-window-end", "kvmppc_ioba_validate(): past the window",
	  TRACE_GET, L_WIN32, A_END, T_ZERO, 1, -1, LIST_ANY, 0, H_PARAMETER },
	{ "get-ioba-misaligned", "kvmppc_ioba_validate(): ioba not page aligned",
	  TRACE_GET, L_WIN32, A_MISALIGNED, T_ZERO, 1, -1, LIST_ANY, 0, H_PARAMETER },
	{ "get-below-window", "kvmppc_ioba_validate(): below the 64-bit window's offset",
	  TRACE_GET, L_DDW, A_BELOW, T_ZERO, 1, -1, LIST_ANY, 0, H_PARAMETER },
};
#define NR_ADV_CASES (sizeof(adv_cases) / sizeof(adv_cases[0]))

static const struct trace_window adv_ddw = {
	DDW_LIOBN, ADV_DDW_PAGE_SHIFT, DDW_OFFSET, ADV_DDW_SIZE
};
static const struct trace_window adv_temp = { TEMP_LIOBN, 12, TEMP_OFFSET, 1ULL << 24 };

static uint64_t adv_tce(struct gen *g, enum adv_tce t, unsigned int shift)
{
	switch (t) {
	case T_RW:
		return rnd_gpa(g, shift) | TCE_PCI_READ | TCE_PCI_WRITE;
	case T_WRITE_ONLY:
		return rnd_gpa(g, shift) | TCE_PCI_WRITE;
	case T_MISALIGNED_GPA:
		return (rnd_gpa(g, shift) + 0x1000) | TCE_PCI_READ | TCE_PCI_WRITE;
	case T_BEYOND_RAM:
		return g->h.ram_size | TCE_PCI_READ | TCE_PCI_WRITE;
	case T_LOW_BITS:
		return rnd_gpa(g, shift) | 0x800 | TCE_PCI_READ | TCE_PCI_WRITE;
	case T_POISON:
		return 0xdead0000;
	case T_READ_BIT:
		return TCE_PCI_READ;
	case T_WRITE_BIT:
		return TCE_PCI_WRITE;
	default:
		return 0;
	}
}

static void adv_clear(struct gen *g, struct stream *s, const struct trace_window *w,
		      uint64_t ioba, uint64_t npages)
{
	struct trace_record *r = record(g, s, TRACE_STUFF, w->liobn, ioba);

	r->npages = npages;
	emit(g, s);
}

static void adv_run(struct gen *g, struct stream *s, const struct adv_case *c)
{
	const struct trace_window *win = c->liobn == L_DDW ? &adv_ddw :
					 c->liobn == L_REMOVED ? &adv_temp : &g->h.windows[0];
	unsigned int shift = win->page_shift;
	uint64_t page = 1ULL << shift, entries = win->size >> shift;
	/* Room for 1024 entries after a good ioba. */
	uint64_t good = win->offset + (rnd(g, entries - 1024) << shift), ioba, liobn, i;
	struct trace_record *r;

	fprintf(g->out, "# case %s: %s\n", c->name, c->why);
	switch (c->ioba) {
	case A_MISALIGNED:
		ioba = good + page / 2;
		break;
	case A_END:
		ioba = win->offset + win->size;
		break;
	case A_BELOW:
		ioba = win->offset - page;
		break;
	case A_HUGE:
		ioba = ~0ULL << shift;
		break;
	case A_NEAR_END:
		ioba = win->offset + win->size - 2 * page;
		break;
	default:
		ioba = good;
	}
	liobn = c->liobn == L_UNKNOWN ? 0x80000042 :
		c->liobn == L_HIGH_BITS ? (1ULL << 32) | win->liobn : win->liobn;

	if (c->liobn == L_REMOVED) {
		r = record(g, s, TRACE_DDW_CREATE, TEMP_LIOBN, 0);
		r->window = adv_temp;
		emit(g, s);
		r = record(g, s, TRACE_PUT, TEMP_LIOBN, good);
		r->tce = adv_tce(g, T_RW, shift);
		emit_expect(g, s, H_SUCCESS);
		record(g, s, TRACE_DDW_REMOVE, TEMP_LIOBN, 0);
		emit(g, s);
	}
	if (c->flags & ADV_PREMAP) {
		r = record(g, s, TRACE_PUT, liobn, ioba);
		r->tce = adv_tce(g, T_RW, shift);
		emit_expect(g, s, H_SUCCESS);
	}

	r = record(g, s, c->op, liobn, ioba);
	r->npages = c->npages;
	if (c->op == TRACE_PUT || c->op == TRACE_STUFF)
		r->tce = adv_tce(g, c->tce, shift);
	for (i = 0; c->op == TRACE_INDIRECT && i < c->npages; i++)
		r->tces[i] = adv_tce(g, c->bad < 0 || (uint64_t)c->bad == i ? c->tce : T_RW, shift);
	if (c->list != LIST_ANY) {
		r->flags |= TRACE_HAS_LIST;
		r->list_gpa = c->list == LIST_MISALIGNED ? rnd_gpa(g, 12) + 8 :
			      c->list == LIST_BEYOND_RAM ? g->h.ram_size : g->h.ram_size + 8;
	}
	emit_expect(g, s, c->expect);

	for (i = 0; (c->flags & ADV_VERIFY) && i < min_u64(c->npages, 4); i++)
		get_entry(g, s, liobn, ioba + (i << shift));
	/* Leave the table clean for the next case. */
	if ((c->expect == H_SUCCESS && c->npages) || (c->flags & ADV_PREMAP))
		adv_clear(g, s, win, ioba, c->npages);
}

static int step_adversarial(struct gen *g, struct stream *s)
{
	struct trace_record *r;

	if (s->phase == 0) {
		r = record(g, s, TRACE_DDW_CREATE, DDW_LIOBN, 0);
		r->window = adv_ddw;
		emit(g, s);
		s->phase = 1;
		return 1;
	}
	if (s->cursor < NR_ADV_CASES) {
		/* Each case once, in an order the seed picks. */
		uint64_t k = s->cursor + rnd(g, NR_ADV_CASES - s->cursor);
		struct inflight tmp = s->inflight[k];

		s->inflight[k] = s->inflight[s->cursor];
		s->inflight[s->cursor] = tmp;
		adv_run(g, s, &adv_cases[s->inflight[s->cursor++].idx]);
		return 1;
	}
	if (s->phase == 1) {
		record(g, s, TRACE_DDW_REMOVE, DDW_LIOBN, 0);
		emit(g, s);
		s->phase = 2;
		return 1;
	}
	return 0;
}

/* --- errors -------------------------------------------------------------------------------- */

/*
 * The paths a stack must unwind, for suites to run them (a leak on one fails the replay): in a
 * window of 32M pages over RAM that is not a whole number of them, an H_PUT_TCE of the last
 * page, which runs past the end of RAM (validation checks its first host IOMMU page only, so
 * the mapping fails part-way: H_TOO_HARD after mapping its first subpages), and an
 * H_PUT_TCE_INDIRECT that writes two pages and fails the same way on the third; that window
 * removed with the two still mapped; in the 32-bit window, lists that fail validation (one
 * TCE beyond RAM, one with bits below its page) after the list page was pinned; and device-
 * write-only (DMA_FROM_DEVICE) mappings cleared, whose pages must be dirtied.
 */
static int step_errors(struct gen *g, struct stream *s)
{
	const uint64_t page = 1ULL << ERR_PAGE_SHIFT, last = g->h.ram_size >> ERR_PAGE_SHIFT;
	const uint64_t rw = TCE_PCI_READ | TCE_PCI_WRITE;
	struct trace_record *r;
	uint64_t i, ioba = (s->first + rnd(g, s->nr - 8)) << s->page_shift;

	switch (s->phase++) {
	case 0:
		r = record(g, s, TRACE_DDW_CREATE, DDW_LIOBN, 0);
		r->window = (struct trace_window){ DDW_LIOBN, ERR_PAGE_SHIFT, DDW_OFFSET,
						    pow2_at_least(g->h.ram_size) };
		emit(g, s);
		fprintf(g->out, "# a map that fails part-way: the last page runs past RAM\n");
		r = record(g, s, TRACE_PUT, DDW_LIOBN, DDW_OFFSET + last * page);
		r->tce = last * page | rw;
		emit(g, s);
		return 1;
	case 1:
		fprintf(g->out, "# a list whose third page fails part-way: the first two stay\n");
		r = record(g, s, TRACE_INDIRECT, DDW_LIOBN, DDW_OFFSET + (last - 2) * page);
		r->npages = 3;
		r->tces[0] = (last - 2) * page | rw;
		r->tces[1] = (last - 1) * page | TCE_PCI_WRITE;
		r->tces[2] = last * page | rw;
		emit(g, s);
		for (i = 0; i < 3; i++)
			get_entry(g, s, DDW_LIOBN, DDW_OFFSET + (last - 2 + i) * page);
		return 1;
	case 2:
		fprintf(g->out, "# the window removed with its mappings in place\n");
		record(g, s, TRACE_DDW_REMOVE, DDW_LIOBN, 0);
		emit(g, s);
		return 1;
	case 3:
	case 4:
		fprintf(g->out, "# a list that fails validation: nothing written\n");
		r = record(g, s, TRACE_INDIRECT, s->liobn, ioba);
		r->npages = 8;
		for (i = 0; i < r->npages; i++)
			r->tces[i] = rnd_gpa(g, s->page_shift) | rw;
		r->tces[5] = s->phase == 4 ? g->h.ram_size | rw : r->tces[5] | 0x800;
		emit(g, s);
		get_entry(g, s, s->liobn, ioba + (5 << s->page_shift));
		return 1;
	case 5:
		fprintf(g->out, "# device-write-only mappings, cleared\n");
		r = record(g, s, TRACE_INDIRECT, s->liobn, ioba);
		r->npages = 8;
		for (i = 0; i < r->npages; i++)
			r->tces[i] = rnd_gpa(g, s->page_shift) | TCE_PCI_WRITE;
		emit(g, s);
		r = record(g, s, TRACE_STUFF, s->liobn, ioba);
		r->npages = 8;
		emit(g, s);
		return 1;
	}
	return 0;
}

/* --- driver --------------------------------------------------------------------------------- */

static int step(struct gen *g, struct stream *s)
{
	switch (s->kind) {
	case K_NET:
		return step_net(g, s);
	case K_STORAGE:
		return step_storage(g, s);
	case K_DDW:
		return step_ddw(g, s);
	case K_BOOT:
		return step_boot(g, s);
	case K_OVERWRITE:
		return step_overwrite(g, s);
	case K_ERRORS:
		return step_errors(g, s);
	default:
		return step_adversarial(g, s);
	}
}

static uint64_t pool_size(enum kind kind, uint64_t part)
{
	uint64_t pool = kind == K_NET ? NET_POOL : kind == K_STORAGE ? STORAGE_POOL :
			kind == K_OVERWRITE ? OVERWRITE_POOL : part;

	return pool < part ? pool : part;
}

/* Stream @i of @n: its own tid and its own slice of the 32-bit window. */
static int stream_init(struct gen *g, struct stream *s, enum kind kind, unsigned int i,
		       unsigned int n, uint64_t budget)
{
	const struct trace_window *w = &g->h.windows[0];
	uint64_t part = (w->size >> w->page_shift) / n;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->tid = n > 1 ? i + 1 : 0;
	s->liobn = w->liobn;
	s->page_shift = w->page_shift;
	s->first = (w->offset >> w->page_shift) + i * part;
	s->nr = pool_size(kind, part);
	s->budget = budget;
	s->used = calloc(s->nr, 1);
	/* Adversarial keeps its case order in inflight[].idx. */
	s->inflight = calloc(kind == K_ADVERSARIAL ? NR_ADV_CASES : STORAGE_DEPTH + NET_RING,
			     sizeof(*s->inflight));
	if (!s->used || !s->inflight)
		return -1;
	for (i = 0; kind == K_ADVERSARIAL && i < NR_ADV_CASES; i++)
		s->inflight[i].idx = i;
	return 0;
}

const char *gen_kind_names(void)
{
	return "net, storage, ddw, boot, overwrite, adversarial, mix, errors";
}

const char *gen_kind_help(void)
{
	static char help[1024];
	size_t i, n = 0;

	for (i = 0; i < NR_KINDS; i++)
		n += snprintf(help + n, sizeof(help) - n, "  %-12s %s\n", kinds[i].name,
			      kinds[i].help);
	return help;
}

static int check_opts(const struct gen_opts *o, enum kind *kind, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < NR_KINDS && strcmp(kinds[i].name, o->kind); i++)
		;
	if (i == NR_KINDS) {
		snprintf(err, errlen, "unknown kind '%s': expected one of %s", o->kind,
			 gen_kind_names());
		return -1;
	}
	*kind = i;
	if (o->ram_size && (o->ram_size & ((1ULL << DDW_PAGE_SHIFT) - 1))) {
		snprintf(err, errlen, "--ram takes a multiple of 16M (the ddw kind maps 16M pages)");
		return -1;
	}
	if (*kind == K_ERRORS && o->ram_size && !(o->ram_size & ((1ULL << ERR_PAGE_SHIFT) - 1))) {
		snprintf(err, errlen, "--ram of errors takes an odd multiple of 16M (its 32M "
			 "window page must run past the end of RAM)");
		return -1;
	}
	if (o->ram_size && o->ram_size < (64ULL << 20)) {
		snprintf(err, errlen, "--ram takes at least 64M");
		return -1;
	}
	if (o->threads > 1 && !kinds[i].threads) {
		snprintf(err, errlen, "--threads applies to net, storage and overwrite, not %s",
			 o->kind);
		return -1;
	}
	if (o->threads > 64) {
		snprintf(err, errlen, "--threads takes 1 to 64");
		return -1;
	}
	if (o->batch && (i != K_STORAGE || o->batch > MAX_BATCH)) {
		snprintf(err, errlen, "--batch applies to storage and takes 1 to %d", MAX_BATCH);
		return -1;
	}
	if (o->iommu_page_shift && (o->iommu_page_shift < TRACE_MIN_PAGE_SHIFT ||
				    o->iommu_page_shift > 12)) {
		snprintf(err, errlen, "--iommu-page-shift takes 12 here: the 32-bit window "
			 "every kind uses has 4K pages");
		return -1;
	}
	return 0;
}

int gen_trace(FILE *out, const struct gen_opts *o, char *err, size_t errlen)
{
	static const enum kind mix[] = { K_NET, K_STORAGE, K_OVERWRITE, K_DDW };
	struct stream streams[64];
	unsigned int nr, i, active;
	enum kind kind;
	struct gen *g;
	uint64_t ops;
	int ret = -1;

	if (check_opts(o, &kind, err, errlen))
		return -1;
	g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->out = out;
	g->batch = o->batch;
	g->rng = o->seed;
	g->h.version = TRACE_FORMAT_VERSION;
	g->h.ram_size = o->ram_size ? o->ram_size : kind == K_ERRORS ? ERR_RAM : 1ULL << 30;
	g->h.iommu_page_shift = o->iommu_page_shift ? o->iommu_page_shift : 12;
	g->h.windows[g->h.nr_windows++] = (struct trace_window){
		WIN32_LIOBN, 12, 0, kind == K_ERRORS ? ERR_WIN32_SIZE : WIN32_SIZE };
	if (kind == K_BOOT)
		g->h.windows[g->h.nr_windows++] =
			(struct trace_window){ SECOND_PHB_LIOBN, 12, 0, WIN32_SIZE };
	tce_windows_init(&g->ws, &g->h);
	tce_model_init(&g->model);

	ops = o->ops ? o->ops : kinds[kind].default_ops;
	nr = kind == K_MIX ? 4 : o->threads > 1 ? o->threads : 1;
	memset(streams, 0, sizeof(streams));
	for (i = 0; i < nr; i++) {
		enum kind k = kind == K_MIX ? mix[i] : kind;

		if (stream_init(g, &streams[i], k, k == K_DDW ? 0 : i, k == K_DDW ? 1 : nr,
				ops / nr ? ops / nr : 1)) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (kind == K_MIX)
			streams[i].tid = i + 1;
	}

	trace_write_header(out, &g->h);
	fprintf(out, "# tcelab gen %s --seed %" PRIu64 " --ops %" PRIu64, o->kind, o->seed, ops);
	if (kinds[kind].threads)
		fprintf(out, " --threads %u", nr);
	if (o->batch)
		fprintf(out, " --batch %u", o->batch);
	fprintf(out, ": %s\n", kinds[kind].help);
	for (active = nr; active && !g->oom;) {
		struct stream *s = &streams[rnd(g, active)];

		if (!step(g, s)) {
			struct stream done = *s;

			*s = streams[--active];
			streams[active] = done;
		}
	}
	if (g->oom)
		snprintf(err, errlen, "out of memory");
	else if (fflush(out) || ferror(out))
		snprintf(err, errlen, "cannot write the trace");
	else
		ret = 0;
out:
	for (i = 0; i < nr; i++) {
		free(streams[i].used);
		free(streams[i].inflight);
	}
	tce_model_free(&g->model);
	free(g);
	return ret;
}
