// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU 7.2 spapr_iommu trace importer. The event formats are hw/ppc/trace-events'; what they
 * mean comes from hw/ppc/spapr_iommu.c and hw/ppc/spapr_rtas_ddw.c:
 *
 * - H_PUT_TCE and H_GET_TCE trace the ioba masked to the page, except for an unknown LIOBN.
 * - H_PUT_TCE_INDIRECT traces its arguments but only the last list entry it loaded (tceN) and
 *   the index of the last entry written (iobaN; 0 when the first failed), not the list.
 * - H_STUFF_TCE traces the ioba after its loop: start + npages pages when it succeeded.
 * - Both trace nothing when they fail before the loop (unknown LIOBN, npages > 512, a
 *   misaligned list, npages above the table size), and both return H_PARAMETER for npages 0.
 * - spapr_iommu_xlate shows what a device DMA translated through, window-relative.
 * - The windows that exist at boot are not traced; DDW creation is.
 *
 * The trace's expected return codes are the in-kernel path's (book3s_64_vio.c, tce_state.c),
 * which differs from QEMU's in places; every difference is counted and reported.
 */
#define _GNU_SOURCE		/* mremap() */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import_qemu.h"
#include "lib/tce_state.h"

#define PCI_LIOBN_BIT		0x80000000u	/* SPAPR_IS_PCI_LIOBN() */
#define SPAPR_PCI_BASE_BUID	0x800000020000000ULL
#define QEMU_DMA_WIN_SIZE	(1ULL << 30)	/* spapr-pci-host-bridge dma_win_size */
#define QEMU_DMA64_WIN_ADDR	0x800000000000000ULL
#define QEMU_PAGE_SHIFT		12		/* SPAPR_TCE_PAGE_SHIFT */
#define MAX_LIOBNS		64
#define MAX_NOTES		64
#define XLATE_NO_MASK		0xffffffffULL	/* translate outside the table */

enum ev_kind {
	EV_PUT, EV_GET, EV_INDIRECT, EV_STUFF, EV_XLATE, EV_NEW_TABLE, EV_NONE,
	EV_DDW_CREATE, EV_DDW_REMOVE, EV_DDW_RESET,
};

/* hw/ppc/trace-events of QEMU 7.2; %d is PRId64, %x PRIx64/PRIx32, %p a pointer. */
#define EVENT(name, kind, args)	{ name, kind, args, sizeof(name) - 1 }
static const struct event_format {
	const char *name;
	enum ev_kind kind;
	const char *args;
	size_t len;			/* of the name */
} events[] = {
	EVENT("spapr_iommu_put", EV_PUT, "liobn=0x%x ioba=0x%x tce=0x%x ret=%d"),
	EVENT("spapr_iommu_pci_put", EV_PUT, "liobn=0x%x ioba=0x%x tce=0x%x ret=%d"),
	EVENT("spapr_iommu_get", EV_GET, "liobn=0x%x ioba=0x%x ret=%d tce=0x%x"),
	EVENT("spapr_iommu_pci_get", EV_GET, "liobn=0x%x ioba=0x%x ret=%d tce=0x%x"),
	EVENT("spapr_iommu_indirect", EV_INDIRECT,
	      "liobn=0x%x ioba=0x%x tcelist=0x%x iobaN=0x%x tceN=0x%x ret=%d"),
	EVENT("spapr_iommu_pci_indirect", EV_INDIRECT,
	      "liobn=0x%x ioba=0x%x tcelist=0x%x iobaN=0x%x tceN=0x%x ret=%d"),
	EVENT("spapr_iommu_stuff", EV_STUFF, "liobn=0x%x ioba=0x%x tcevalue=0x%x npages=%d ret=%d"),
	EVENT("spapr_iommu_pci_stuff", EV_STUFF,
	      "liobn=0x%x ioba=0x%x tcevalue=0x%x npages=%d ret=%d"),
	EVENT("spapr_iommu_xlate", EV_XLATE, "liobn=0x%x 0x%x -> 0x%x perm=%u mask=0x%x"),
	EVENT("spapr_iommu_new_table", EV_NEW_TABLE, "liobn=0x%x table=%p fd=%d"),
	EVENT("spapr_iommu_pre_save", EV_NONE, NULL),
	EVENT("spapr_iommu_post_load", EV_NONE, NULL),
	EVENT("spapr_iommu_ddw_query", EV_NONE,
	      "buid=0x%x addr=0x%x, %u windows available, max window size=0x%x, mask=0x%x"),
	EVENT("spapr_iommu_ddw_create", EV_DDW_CREATE,
	      "buid=0x%x addr=0x%x, page size=0x%x, requested=0x%x, start addr=0x%x, liobn=0x%x"),
	EVENT("spapr_iommu_ddw_remove", EV_DDW_REMOVE, "liobn=0x%x"),
	EVENT("spapr_iommu_ddw_reset", EV_DDW_RESET, "buid=0x%x addr=0x%x"),
};

#define NR_EVENTS	(sizeof(events) / sizeof(events[0]))

/* An event format's text up to a conversion, and the conversion ('x', 'd', 'u', 'p'; 0: none). */
struct format_piece {
	const char *text;
	size_t len;
	char conv;
};

#define MAX_PIECES	7		/* six numbers, then the text after the last */

/* One parsed line, kept from the reading to the conversion (the log is parsed once). */
struct event {
	uint64_t a[6];			/* the format's numbers, in order */
	uint64_t time_ns;
	unsigned long line;
	uint32_t tid;
	unsigned short input;		/* index of its log */
	unsigned char format;		/* index in events[] */
	unsigned char has_time;
};

#define MAX_INPUTS	USHRT_MAX

/* A buffer of tens of MB (a log's events, a trace's records) that grows by doubling. */
struct big_buf {
	char *p;
	size_t len, cap;
};

/* What the reading learns about a LIOBN. */
struct liobn_info {
	uint32_t liobn;
	int exists;			/* QEMU had a table for it */
	int created_in_log;		/* its first event is a DDW creation */
	unsigned int xlate_shift;	/* page shift seen in translations, 0 if none */
	uint64_t max_ioba, max_entries;	/* highest ioba used and entries from there */
	uint64_t max_end;		/* highest end address seen (H_STUFF_TCE) */
};

/* A counted condition with a few of its places, for the notes. */
struct tally {
	unsigned long n;
	char where[200];
};

struct importer {
	const struct import_opts *o;
	const struct import_input *in;
	struct format_piece pieces[NR_EVENTS][MAX_PIECES];
	struct big_buf evs;		/* the events the conversion reads, in log order */
	struct liobn_info info[MAX_LIOBNS];
	unsigned int nr_info;
	uint64_t gpa_end, t0;
	int have_t0;
	unsigned long other_lines, unknown_events, events;
	struct trace_header h;
	struct tce_windows ws;
	struct tce_model model;
	struct big_buf records;		/* their text, which waits for the notes it gives */
	char *notes[MAX_NOTES];
	unsigned int nr_notes;
	struct tally differs, partial, inconsistent, rebuilt, unrebuildable, stuff_rebased,
		     xlate_ok, xlate_ok_rebuilt, xlate_bad, get_ok, get_bad, unknown_remove;
	char *err;
	size_t errlen;
	struct trace_record r;
	struct trace_reader rd;
};

static const struct event_format *format_of(const struct event *ev)
{
	return &events[ev->format];
}

static const char *file_of(const struct importer *im, const struct event *ev)
{
	return im->in[ev->input].name;
}

static int failf(struct importer *im, const struct event *ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(struct importer *im, const struct event *ev, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (ev)
		n = snprintf(im->err, im->errlen, "%s:%lu: ", file_of(im, ev), ev->line);
	va_start(ap, fmt);
	vsnprintf(im->err + n, im->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static void note(struct importer *im, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct importer *im, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (im->nr_notes == MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	im->notes[im->nr_notes] = strdup(buf);
	if (im->notes[im->nr_notes])
		im->nr_notes++;
}

static void tally(struct importer *im, struct tally *t, const struct event *ev)
{
	size_t n;

	if (t->n++ >= 3)
		return;
	n = strlen(t->where);
	snprintf(t->where + n, sizeof(t->where) - n, "%s%s:%lu", n ? ", " : "", file_of(im, ev),
		 ev->line);
}

/* --- parsing one log line -------------------------------------------------------------------- */

/* A lowercase hex digit's value plus one, 0 for any other byte (QEMU prints "0x%" PRIx64). */
static const unsigned char hex_digit1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16,
};

/* A number of any length at @p: where it ends, or NULL when there is none or it overflows. */
static const char *scan_long_number(const char *p, const char *end, int hex, uint64_t *v)
{
	const char *start = p;
	uint64_t x = 0;
	unsigned int d;

	if (hex) {
		for (; p < end && (d = hex_digit1[(unsigned char)*p] - 1u) < 16; p++) {
			if (x >> 60)
				return NULL;
			x = x << 4 | d;
		}
	} else {
		for (; p < end && (d = (unsigned char)*p - '0') < 10; p++) {
			if (x >= UINT64_MAX / 10 && (x > UINT64_MAX / 10 || d > UINT64_MAX % 10))
				return NULL;
			x = x * 10 + d;
		}
	}
	*v = x;
	return p != start ? p : NULL;
}

/*
 * The same, without a check a digit: 16 hex or 19 decimal digits cannot overflow, a longer
 * number (leading zeros, or too large) is scanned again with the checks.
 */
static const char *scan_number(const char *p, const char *end, int hex, uint64_t *v)
{
	const char *start = p;
	uint64_t x = 0;
	unsigned int d;

	if (hex) {
		for (; p < end && (d = hex_digit1[(unsigned char)*p] - 1u) < 16; p++)
			x = x << 4 | d;
	} else {
		for (; p < end && (d = (unsigned char)*p - '0') < 10; p++)
			x = x * 10 + d;
	}
	if (p - start > (hex ? 16 : 19))
		return scan_long_number(start, end, hex, v);
	*v = x;
	return p != start ? p : NULL;
}

/* A format cut where its conversions are: the text before each, compared in one go. */
static void compile_format(const char *fmt, struct format_piece *piece)
{
	for (;; piece++) {
		const char *conv = strchr(fmt, '%');

		piece->text = fmt;
		piece->len = conv ? (size_t)(conv - fmt) : strlen(fmt);
		piece->conv = conv ? conv[1] : 0;
		if (!conv)
			return;
		fmt = conv + 2;
	}
}

/* Matches @piece against [p, end) and stores its numbers; NULL, or where it stopped matching. */
static const char *match(const struct format_piece *piece, const char *p, const char *end,
			 uint64_t *v)
{
	for (;; piece++) {
		const char *next;
		size_t i;
		int neg = 0;

		if ((size_t)(end - p) < piece->len || memcmp(p, piece->text, piece->len)) {
			for (i = 0; i < piece->len && p < end && *p == piece->text[i]; i++)
				p++;
			return p;
		}
		p += piece->len;
		if (!piece->conv)
			break;
		if (piece->conv == 'p' && end - p >= 5 && !memcmp(p, "(nil)", 5)) {
			*v++ = 0;
			p += 5;
			continue;
		}
		if (piece->conv == 'p') {
			if (end - p < 2 || p[0] != '0' || p[1] != 'x')
				return p;
			p += 2;
		}
		if (piece->conv == 'd' && p < end && *p == '-') {
			neg = 1;
			p++;
		}
		next = scan_number(p, end, piece->conv == 'x' || piece->conv == 'p', v);
		if (!next)
			return p;
		if (neg)
			*v = -*v;
		v++;
		p = next;
	}
	return p == end ? NULL : p;
}

/* "<tid>@<sec>.<usec>:" from -msg timestamp=on; returns the rest, or @line without one. */
static const char *scan_prefix(const char *line, const char *end, struct event *ev)
{
	uint64_t tid, sec, usec;
	const char *p = scan_number(line, end, 0, &tid);

	ev->has_time = 0;
	if (!p || p == end || *p != '@')
		return line;
	p = scan_number(p + 1, end, 0, &sec);
	if (!p || p == end || *p != '.')
		return line;
	p = scan_number(p + 1, end, 0, &usec);
	if (!p || p == end || *p != ':' || tid > UINT32_MAX || usec > 999999 ||
	    sec > UINT64_MAX / 1000000000 - 1)
		return line;
	ev->has_time = 1;
	ev->tid = tid;
	ev->time_ns = sec * 1000000000 + usec * 1000;
	return p + 1;
}

/* 1: an event; 0: another line; -1: a spapr_iommu event not in QEMU 7.2's format. */
static int parse_line(struct importer *im, const char *line, size_t len, struct event *ev)
{
	static const char prefix[] = "spapr_iommu_";
	const char *end = line + len, *p = scan_prefix(line, end, ev), *name = p, *stop;
	const struct event_format *fmt;
	size_t i, n;

	if ((size_t)(end - p) < sizeof(prefix) - 1 || memcmp(p, prefix, sizeof(prefix) - 1)) {
		im->other_lines++;
		return 0;
	}
	p += sizeof(prefix) - 1;
	p = memchr(p, ' ', end - p);
	if (!p)
		p = end;
	n = p - name;
	for (i = 0; i < NR_EVENTS; i++)
		if (events[i].len == n && !memcmp(events[i].name, name, n))
			break;
	if (i == NR_EVENTS) {
		im->unknown_events++;
		return 0;
	}
	ev->format = i;
	fmt = &events[i];
	if (!fmt->args)
		return 0;
	stop = p < end ? match(im->pieces[i], p + 1, end, ev->a) : p;
	if (!stop)
		return 1;
	/* Point at the start of the field that does not match. */
	while (stop > p + 1 && stop[-1] != ' ')
		stop--;
	return failf(im, ev, "%s: expected '%s' (QEMU 7.2's format), found '%.*s' at column %zu",
		     fmt->name, fmt->args, (int)(end - stop < 40 ? end - stop : 40), stop,
		     (size_t)(stop - line) + 1);
}

/* --- reading: windows and RAM ---------------------------------------------------------------- */

static struct liobn_info *info_of(struct importer *im, uint64_t liobn, int created)
{
	unsigned int i;

	if (liobn > UINT32_MAX)
		return NULL;
	for (i = 0; i < im->nr_info; i++)
		if (im->info[i].liobn == liobn)
			return &im->info[i];
	if (im->nr_info == MAX_LIOBNS)
		return NULL;
	im->info[im->nr_info] = (struct liobn_info){ .liobn = liobn, .created_in_log = created };
	return &im->info[im->nr_info++];
}

static void saw_gpa(struct importer *im, uint64_t tce)
{
	uint64_t end = (tce & ~0xfffULL) + 0x1000;

	if (tce & TCE_PERM_MASK && end > im->gpa_end)
		im->gpa_end = end;
}

static void saw_ioba(struct liobn_info *li, uint64_t ioba, uint64_t entries)
{
	if (ioba > li->max_ioba || (ioba == li->max_ioba && entries > li->max_entries)) {
		li->max_ioba = ioba;
		li->max_entries = entries;
	}
}

static int scan_event(struct importer *im, const struct event *ev)
{
	enum ev_kind kind = format_of(ev)->kind;
	const uint64_t *a = ev->a;
	uint64_t liobn = a[kind == EV_DDW_CREATE ? 5 : 0];
	struct liobn_info *li;

	im->events++;
	if (ev->has_time && (!im->have_t0 || ev->time_ns < im->t0)) {
		im->t0 = ev->time_ns;
		im->have_t0 = 1;
	}
	/* A table appears before its DDW creation is traced: only creation tells which. */
	if (kind == EV_DDW_RESET || kind == EV_NONE || kind == EV_NEW_TABLE)
		return 0;
	/* QEMU rejects LIOBNs above 32 bits: only failed H_PUT_TCE/H_GET_TCE trace them. */
	if (liobn > UINT32_MAX)
		return 0;
	li = info_of(im, liobn, kind == EV_DDW_CREATE);
	if (!li)
		return failf(im, ev, "expected at most %d LIOBNs, found one more: 0x%" PRIx64,
			     MAX_LIOBNS, liobn);
	switch (kind) {
	case EV_PUT:
	case EV_GET:
		/* Failed calls may name a LIOBN QEMU does not know: they prove nothing. */
		if (a[format_of(ev)->kind == EV_PUT ? 3 : 2])
			break;
		li->exists = 1;
		saw_ioba(li, a[1], 1);
		if (format_of(ev)->kind == EV_PUT)
			saw_gpa(im, a[2]);
		break;
	case EV_INDIRECT:
		li->exists = 1;
		if (!a[5])
			saw_ioba(li, a[1], a[3] + 1);
		saw_gpa(im, a[4]);
		saw_gpa(im, a[2] | TCE_PCI_READ);
		break;
	case EV_STUFF:
		li->exists = 1;
		if (!a[4] && a[1] > li->max_end)
			li->max_end = a[1];
		break;
	case EV_XLATE:
		li->exists = 1;
		if (a[4] != XLATE_NO_MASK && a[4] && !(a[4] & (a[4] + 1))) {
			li->xlate_shift = 0;
			while (a[4] >> li->xlate_shift)
				li->xlate_shift++;
			saw_ioba(li, a[1], 1);
		}
		break;
	default:
		li->exists = 1;
	}
	return 0;
}

/*
 * Room for @need more bytes: 0, or -1. In a mapping of its own, with huge pages asked for:
 * the kernel then zeroes a few 2M pages instead of thousands of 4K pages, each a page fault
 * (4K pages were a third of the import's CPU time).
 */
static int big_reserve(struct big_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 2 << 20;
	void *p;

	if (b->cap - b->len >= need)
		return 0;
	while (cap - b->len < need)
		cap *= 2;
	p = b->p ? mremap(b->p, b->cap, cap, MREMAP_MAYMOVE) :
	    mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, cap, MADV_HUGEPAGE);
	b->p = p;
	b->cap = cap;
	return 0;
}

static void big_free(struct big_buf *b)
{
	if (b->p)
		munmap(b->p, b->cap);
}

/* Keeps @ev for the conversion; only the events it acts on. */
static int keep_event(struct importer *im, const struct event *ev)
{
	enum ev_kind kind = format_of(ev)->kind;

	if (kind == EV_NONE || kind == EV_NEW_TABLE)
		return 0;
	if (big_reserve(&im->evs, sizeof(*ev)))
		return failf(im, ev, "out of memory");
	memcpy(im->evs.p + im->evs.len, ev, sizeof(*ev));
	im->evs.len += sizeof(*ev);
	return 0;
}

/* A file's bytes, mapped (no copy) when it is a regular file: NULL when it cannot be. */
static void *map_log(int fd, size_t *len)
{
	struct stat st;
	void *map;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return NULL;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		return NULL;
	*len = st.st_size;
	return map;
}

/* Reads input @idx: every event is scanned for the header and kept for the conversion. */
static int read_log(struct importer *im, unsigned int idx)
{
	const struct import_input *in = &im->in[idx];
	struct event ev = { .input = idx };
	void *map = NULL;
	size_t map_len = 0, len;
	const char *line;
	int fd = -1, ret;

	if (in->data) {
		trace_reader_init_mem(&im->rd, in->name, in->data, in->len);
	} else {
		fd = open(in->name, O_RDONLY);
		if (fd < 0)
			return failf(im, NULL, "cannot read %s: %s", in->name, strerror(errno));
		map = map_log(fd, &map_len);
		if (map)
			trace_reader_init_mem(&im->rd, in->name, map, map_len);
		else
			trace_reader_init_fd(&im->rd, in->name, fd);
	}
	while ((ret = trace_reader_line(&im->rd, &line, &len)) > 0) {
		ev.line = im->rd.line;
		ret = parse_line(im, line, len, &ev);
		if (ret > 0 && !(ret = scan_event(im, &ev)))
			ret = keep_event(im, &ev);
		if (ret < 0)
			break;
	}
	if (ret < 0 && !im->err[0])
		failf(im, NULL, "%s", im->rd.error);
	if (map)
		munmap(map, map_len);
	if (fd >= 0)
		close(fd);
	return ret < 0 ? -1 : 0;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p << 1)
		p <<= 1;
	return p;
}

static const struct trace_window *option_window(const struct import_opts *o, uint64_t liobn)
{
	unsigned int i;

	for (i = 0; i < o->nr_windows; i++)
		if (o->windows[i].liobn == liobn)
			return &o->windows[i];
	return NULL;
}

/* A window that existed before the log started, from what the log shows of it. */
static struct trace_window guess_window(struct importer *im, const struct liobn_info *li)
{
	struct trace_window w = { li->liobn, li->xlate_shift ? li->xlate_shift : QEMU_PAGE_SHIFT,
				  0, QEMU_DMA_WIN_SIZE };
	uint64_t end = li->max_ioba + (li->max_entries << w.page_shift);
	char size[32];

	if (li->max_end > end)
		end = li->max_end;
	if ((li->liobn & PCI_LIOBN_BIT) && !(li->liobn & 0xff) && end <= QEMU_DMA_WIN_SIZE &&
	    w.page_shift == QEMU_PAGE_SHIFT) {
		note(im, "assume: LIOBN 0x%" PRIx32 " is PHB %u's default 32-bit window: offset 0, "
		     "1G, 4K pages (QEMU 7.2's defaults; the log does not show it; --window sets it)",
		     li->liobn, (li->liobn >> 8) & 0xff);
		return w;
	}
	if (end > QEMU_DMA64_WIN_ADDR)
		w.offset = QEMU_DMA64_WIN_ADDR;
	w.size = pow2_at_least(end - w.offset);
	if (w.size < (1ULL << w.page_shift))
		w.size = 1ULL << w.page_shift;
	trace_format_size(size, sizeof(size), w.size);
	note(im, "assume: LIOBN 0x%" PRIx32 " existed before the log: offset 0x%" PRIx64 ", %s, "
	     "page shift %u, guessed from the addresses it uses (--window sets it)", li->liobn,
	     w.offset, size, w.page_shift);
	return w;
}

static int build_header(struct importer *im)
{
	const struct import_opts *o = im->o;
	struct trace_header *h = &im->h;
	unsigned int i;
	char size[32];

	h->version = TRACE_FORMAT_VERSION;
	h->iommu_page_shift = o->iommu_page_shift ? o->iommu_page_shift : QEMU_PAGE_SHIFT;
	h->ram_size = o->ram_size;
	if (!h->ram_size) {
		h->ram_size = pow2_at_least(im->gpa_end > (256ULL << 20) ? im->gpa_end : 256ULL << 20);
		trace_format_size(size, sizeof(size), h->ram_size);
		note(im, "assume: guest RAM %s: the smallest power of two (at least 256M) above the "
		     "highest GPA mapped, 0x%" PRIx64 " (--ram sets it)", size, im->gpa_end);
	}
	for (i = 0; i < o->nr_windows; i++)
		if (!info_of(im, o->windows[i].liobn, 0))
			return failf(im, NULL, "expected at most %d LIOBNs", MAX_LIOBNS);
	for (i = 0; i < im->nr_info; i++) {
		const struct liobn_info *li = &im->info[i];
		const struct trace_window *ow = option_window(o, li->liobn);

		if (li->created_in_log)
			continue;
		if (!li->exists && !ow) {
			note(im, "assume: LIOBN 0x%" PRIx32 " has no window: QEMU rejected every call "
			     "naming it (the kernel returns H_TOO_HARD)", li->liobn);
			continue;
		}
		if (h->nr_windows == TRACE_MAX_WINDOWS)
			return failf(im, NULL, "expected at most %d windows when the log starts",
				     TRACE_MAX_WINDOWS);
		h->windows[h->nr_windows] = ow ? *ow : guess_window(im, li);
		if (h->windows[h->nr_windows].page_shift < h->iommu_page_shift)
			return failf(im, NULL, "LIOBN 0x%" PRIx32 " has %u-bit pages, below "
				     "--iommu-page-shift %u", li->liobn,
				     h->windows[h->nr_windows].page_shift, h->iommu_page_shift);
		h->nr_windows++;
	}
	return 0;
}

/* --- conversion: records --------------------------------------------------------------------- */

static struct trace_record *record(struct importer *im, const struct event *ev, enum trace_op op,
				   uint64_t liobn, uint64_t ioba)
{
	struct trace_record *r = &im->r;

	r->op = op;
	r->flags = 0;
	r->liobn = liobn;
	r->ioba = ioba;
	r->tce = r->npages = 0;
	r->line = ev->line;
	if (ev->has_time) {
		r->flags |= TRACE_HAS_TIME | TRACE_HAS_TID;
		r->time_ns = ev->time_ns - im->t0;
		r->tid = ev->tid;
	}
	return r;
}

/* Sets the expected return code, compares QEMU's, applies the record and writes it. */
static int emit(struct importer *im, const struct event *ev, int64_t qemu_ret, unsigned int flags)
{
	struct trace_record *r = &im->r;
	int ddw = r->op == TRACE_DDW_CREATE || r->op == TRACE_DDW_REMOVE;
	uint64_t written;

	r->ret = tce_expected_ret(&im->ws, im->h.ram_size, r, &written);
	if (!ddw) {
		r->flags |= TRACE_HAS_RET;
		if (r->ret != qemu_ret)
			tally(im, &im->differs, ev);
	}
	if (r->op == TRACE_GET && r->ret == H_SUCCESS) {
		const struct trace_window *w = tce_windows_find(&im->ws, r->liobn);
		const struct tce_entry *e = tce_model_get(&im->model, r->liobn,
							  r->ioba >> w->page_shift);

		r->tce = e ? e->tce : 0;
		r->flags |= TRACE_HAS_TCE;
	}
	if (tce_model_apply(&im->model, &im->ws, r, written, flags))
		return failf(im, ev, "out of memory");
	if (ddw && tce_windows_apply(&im->ws, r))
		return failf(im, ev, "expected at most %d windows at once", TRACE_MAX_WINDOWS);
	if (big_reserve(&im->records, TRACE_RECORD_MAX))
		return failf(im, ev, "out of memory");
	im->records.len += trace_format_record(im->records.p + im->records.len, r);
	return 0;
}

static unsigned int page_shift_of(struct importer *im, uint64_t liobn)
{
	const struct trace_window *w = tce_windows_find(&im->ws, liobn);

	return w ? w->page_shift : QEMU_PAGE_SHIFT;
}

/* Entries from @ioba to the end of @liobn's window; 0 when outside it. */
static uint64_t entries_to_end(struct importer *im, uint64_t liobn, uint64_t ioba)
{
	const struct trace_window *w = tce_windows_find(&im->ws, liobn);

	if (!w || ioba < w->offset || ioba - w->offset >= w->size)
		return 0;
	return (w->offset + w->size - ioba) >> w->page_shift;
}

static int is_window_end(struct importer *im, uint64_t liobn, uint64_t ioba)
{
	const struct trace_window *w = tce_windows_find(&im->ws, liobn);

	return w && ioba == w->offset + w->size;
}

static int convert_indirect(struct importer *im, const struct event *ev)
{
	uint64_t liobn = ev->a[0], ioba = ev->a[1], last = ev->a[3], tce_n = ev->a[4];
	int64_t qret = ev->a[5];
	unsigned int shift = page_shift_of(im, liobn);
	uint64_t page_mask = ~((1ULL << shift) - 1), n, k, i, room;
	struct trace_record *r = record(im, ev, TRACE_INDIRECT, liobn, ioba);
	const struct trace_window *w;

	if (!qret) {
		k = last;		/* all written: tceN is the last entry */
		n = k + 1;
	} else {
		/*
		 * put_tce_emu() only fails past the table, so the call failed at entry @room
		 * and traced index room - 1 (or 0) with tceN = the failing entry.
		 */
		room = entries_to_end(im, liobn, ioba & page_mask);
		k = room;
		n = k + 1;
		if (room && !last && !tce_n)
			n = 0;		/* npages 0: nothing loaded, QEMU's H_PARAMETER */
		else if (last != (room ? room - 1 : 0))
			tally(im, &im->inconsistent, ev);
		else if (room)
			tally(im, &im->partial, ev);
	}
	if (n > TRACE_MAX_LIST)
		return failf(im, ev, "%s: expected iobaN below %d, found 0x%" PRIx64,
			     format_of(ev)->name, TRACE_MAX_LIST, last);
	r->npages = n;
	r->flags |= TRACE_HAS_LIST;
	r->list_gpa = ev->a[2];
	/* Linux lists physically contiguous pages (tce_buildmulti_pSeriesLP()). */
	if (n > 1 && (tce_n & TCE_PERM_MASK) && (tce_n & page_mask) >= (k << shift)) {
		for (i = 0; i < n; i++)
			r->tces[i] = tce_n - ((k - i) << shift);
		tally(im, &im->rebuilt, ev);
	} else {
		for (i = 0; i < n; i++)
			r->tces[i] = tce_n;
		if (n > 1)
			tally(im, &im->unrebuildable, ev);
	}
	if (emit(im, ev, qret, TCE_ENTRY_RECONSTRUCTED))
		return -1;
	/* The entry the event shows is exact. */
	w = tce_windows_find(&im->ws, liobn);
	if (n && w && r->ret == H_SUCCESS &&
	    tce_model_set(&im->model, liobn, (ioba >> shift) + k, tce_n, 0, ev->line))
		return failf(im, ev, "out of memory");
	return 0;
}

static int convert_stuff(struct importer *im, const struct event *ev)
{
	uint64_t liobn = ev->a[0], ioba = ev->a[1], npages = ev->a[3];
	int64_t qret = ev->a[4];
	unsigned int shift = page_shift_of(im, liobn);
	struct trace_record *r;

	if (!qret) {
		/* The traced ioba is the one after the loop. */
		if (npages > ioba >> shift)
			return failf(im, ev, "%s: expected an ioba at least npages pages past 0, "
				     "found ioba=0x%" PRIx64 " npages=%" PRIu64, format_of(ev)->name, ioba,
				     npages);
		ioba -= npages << shift;
		if (npages)
			tally(im, &im->stuff_rebased, ev);
	} else if (npages && is_window_end(im, liobn, ioba)) {
		/* Failed at the window end, maybe part way: the start is lost. */
		tally(im, &im->partial, ev);
	}
	r = record(im, ev, TRACE_STUFF, liobn, ioba);
	r->tce = ev->a[2];
	r->npages = npages;
	return emit(im, ev, qret, 0);
}

static int check_xlate(struct importer *im, const struct event *ev)
{
	const struct trace_window *w = tce_windows_find(&im->ws, ev->a[0]);
	const struct tce_entry *e;
	uint64_t mask, tce;

	if (!w || ev->a[4] == XLATE_NO_MASK || ev->a[1] >= w->size)
		return 0;
	mask = (1ULL << w->page_shift) - 1;
	e = tce_model_get(&im->model, w->liobn, (w->offset + ev->a[1]) >> w->page_shift);
	tce = e ? e->tce : 0;
	if ((tce & ~mask) == ev->a[2] && (tce & TCE_PERM_MASK) == ev->a[3]) {
		tally(im, e && (e->flags & TCE_ENTRY_RECONSTRUCTED) ? &im->xlate_ok_rebuilt :
		      &im->xlate_ok, ev);
		return 0;
	}
	tally(im, &im->xlate_bad, ev);
	return 0;
}

static int convert_ddw_create(struct importer *im, const struct event *ev)
{
	uint64_t pgsize = ev->a[2], size = ev->a[3], start = ev->a[4], liobn = ev->a[5];
	struct trace_record *r;
	unsigned int shift = 0;

	while (shift < 63 && (1ULL << shift) < pgsize)
		shift++;
	if (liobn > UINT32_MAX)
		return failf(im, ev, "%s: expected a 32-bit liobn, found 0x%" PRIx64, format_of(ev)->name,
			     liobn);
	if ((1ULL << shift) != pgsize || shift < TRACE_MIN_PAGE_SHIFT ||
	    shift > TRACE_MAX_PAGE_SHIFT || !size || (size & (pgsize - 1)) ||
	    (start & (pgsize - 1)) || start + size < start || shift < im->h.iommu_page_shift)
		return failf(im, ev, "%s: expected a power-of-two page size from 4K to 1T (not below "
			     "the IOMMU page) and a window of whole pages, found page size=0x%"
			     PRIx64 " requested=0x%" PRIx64 " start=0x%" PRIx64, format_of(ev)->name,
			     pgsize, size, start);
	if (tce_windows_find(&im->ws, liobn)) {
		record(im, ev, TRACE_DDW_REMOVE, liobn, 0);
		tally(im, &im->unknown_remove, ev);
		if (emit(im, ev, 0, 0))
			return -1;
	}
	r = record(im, ev, TRACE_DDW_CREATE, liobn, 0);
	r->window = (struct trace_window){ liobn, shift, start, size };
	return emit(im, ev, 0, 0);
}

static int convert_ddw_remove(struct importer *im, const struct event *ev)
{
	if (!tce_windows_find(&im->ws, ev->a[0])) {
		tally(im, &im->unknown_remove, ev);
		return 0;
	}
	record(im, ev, TRACE_DDW_REMOVE, ev->a[0], 0);
	return emit(im, ev, 0, 0);
}

/* spapr_phb_dma_reset(): every window of the PHB goes, the default 32-bit one comes back. */
static int convert_ddw_reset(struct importer *im, const struct event *ev)
{
	uint64_t phb = ev->a[0] - SPAPR_PCI_BASE_BUID;
	uint32_t base = PCI_LIOBN_BIT | (uint32_t)(phb << 8);
	const struct trace_window *ow = option_window(im->o, base);
	struct trace_record *r;
	unsigned int i;

	if (ev->a[0] < SPAPR_PCI_BASE_BUID || phb > 0xff)
		return failf(im, ev, "%s: expected a PHB BUID 0x%llx + index, found 0x%" PRIx64,
			     format_of(ev)->name, SPAPR_PCI_BASE_BUID, ev->a[0]);
	for (i = 0; i < im->ws.nr;) {
		if ((im->ws.w[i].liobn & ~0xffu) != base) {
			i++;
			continue;
		}
		record(im, ev, TRACE_DDW_REMOVE, im->ws.w[i].liobn, 0);
		if (emit(im, ev, 0, 0))
			return -1;
	}
	r = record(im, ev, TRACE_DDW_CREATE, base, 0);
	r->window = ow ? *ow : (struct trace_window){ base, QEMU_PAGE_SHIFT, 0, QEMU_DMA_WIN_SIZE };
	return emit(im, ev, 0, 0);
}

static int convert_event(struct importer *im, const struct event *ev)
{
	const uint64_t *a = ev->a;
	struct trace_record *r;

	switch (format_of(ev)->kind) {
	case EV_PUT:
		r = record(im, ev, TRACE_PUT, a[0], a[1]);
		r->tce = a[2];
		return emit(im, ev, a[3], 0);
	case EV_GET:
		r = record(im, ev, TRACE_GET, a[0], a[1]);
		if (emit(im, ev, a[2], 0))
			return -1;
		if (r->ret == H_SUCCESS && !a[2])
			tally(im, r->tce == a[3] ? &im->get_ok : &im->get_bad, ev);
		return 0;
	case EV_INDIRECT:
		return convert_indirect(im, ev);
	case EV_STUFF:
		return convert_stuff(im, ev);
	case EV_XLATE:
		return check_xlate(im, ev);
	case EV_DDW_CREATE:
		return convert_ddw_create(im, ev);
	case EV_DDW_REMOVE:
		return convert_ddw_remove(im, ev);
	case EV_DDW_RESET:
		return convert_ddw_reset(im, ev);
	default:
		return 0;
	}
}

/* --- notes and output ------------------------------------------------------------------------ */

static void summarize(struct importer *im)
{
	if (im->rebuilt.n)
		note(im, "assume: %lu H_PUT_TCE_INDIRECT lists rebuilt as physically contiguous pages "
		     "ending at the traced tceN, as Linux builds them (QEMU traces only that entry): %s",
		     im->rebuilt.n, im->rebuilt.where);
	if (im->unrebuildable.n)
		note(im, "assume: %lu H_PUT_TCE_INDIRECT lists could not be rebuilt and repeat tceN: "
		     "%s", im->unrebuildable.n, im->unrebuildable.where);
	if (im->stuff_rebased.n)
		note(im, "assume: %lu H_STUFF_TCE starts are the traced ioba minus npages pages "
		     "(QEMU traces the ioba after its loop): %s", im->stuff_rebased.n,
		     im->stuff_rebased.where);
	if (im->partial.n)
		note(im, "assume: %lu calls failed part way in QEMU, which wrote the entries before "
		     "the failure; the kernel rejects them whole, and the trace follows the kernel: %s",
		     im->partial.n, im->partial.where);
	note(im, "assume: QEMU does not trace H_PUT_TCE_INDIRECT or H_STUFF_TCE calls it rejects "
	     "before writing (unknown LIOBN, npages > 512, misaligned list): such calls are absent");
	if (im->inconsistent.n)
		note(im, "check: %lu H_PUT_TCE_INDIRECT failures do not fit the window assumed for "
		     "their LIOBN: %s", im->inconsistent.n, im->inconsistent.where);
	if (im->differs.n)
		note(im, "check: %lu calls get a different return code from the kernel than QEMU "
		     "gave (ret= is the kernel's): %s", im->differs.n, im->differs.where);
	if (im->xlate_ok.n + im->xlate_ok_rebuilt.n + im->xlate_bad.n)
		note(im, "check: spapr_iommu_xlate: %lu translations agree with the trace "
		     "(%lu through rebuilt entries), %lu disagree%s%s", im->xlate_ok.n +
		     im->xlate_ok_rebuilt.n, im->xlate_ok_rebuilt.n, im->xlate_bad.n,
		     im->xlate_bad.n ? ": " : "", im->xlate_bad.where);
	else
		note(im, "check: no spapr_iommu_xlate events: rebuilt lists are unchecked "
		     "(add -trace spapr_iommu_xlate)");
	if (im->get_ok.n + im->get_bad.n)
		note(im, "check: H_GET_TCE: %lu results agree with the trace, %lu disagree%s%s",
		     im->get_ok.n, im->get_bad.n, im->get_bad.n ? ": " : "", im->get_bad.where);
	if (im->unknown_remove.n)
		note(im, "check: %lu DDW events did not match the windows known at that point: %s",
		     im->unknown_remove.n, im->unknown_remove.where);
	if (im->unknown_events)
		note(im, "check: %lu spapr_iommu events unknown to QEMU 7.2's formats were skipped",
		     im->unknown_events);
}

static int write_output(struct importer *im, FILE *out, FILE *notes,
			const struct import_input *in, unsigned int nr_in)
{
	unsigned int i;

	trace_write_header(out, &im->h);
	fprintf(out, "# imported by 'tcelab import qemu' from");
	for (i = 0; i < nr_in; i++)
		fprintf(out, " %s", in[i].name);
	fprintf(out, "\n# ret= is what the in-kernel path (book3s_64_vio.c) returns\n");
	if (im->have_t0)
		fprintf(out, "# t= counts from the first event, at %" PRIu64 ".%06" PRIu64 " s\n",
			im->t0 / 1000000000, im->t0 % 1000000000 / 1000);
	for (i = 0; i < im->nr_notes; i++) {
		fprintf(out, "# %s\n", im->notes[i]);
		if (notes)
			fprintf(notes, "tcelab: import: %s\n", im->notes[i]);
	}
	fwrite(im->records.p, 1, im->records.len, out);
	if (fflush(out) || ferror(out))
		return failf(im, NULL, "cannot write the trace: %s", strerror(errno));
	return 0;
}

int import_qemu(const struct import_input *in, unsigned int nr_in, const struct import_opts *o,
		FILE *out, FILE *notes, char *err, size_t errlen)
{
	struct importer *im = calloc(1, sizeof(*im));
	unsigned int i;
	size_t k;
	int ret = -1;

	if (!im) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	im->o = o;
	im->in = in;
	for (i = 0; i < NR_EVENTS; i++)
		if (events[i].args)
			compile_format(events[i].args, im->pieces[i]);
	im->err = err;
	im->errlen = errlen;
	err[0] = 0;
	tce_model_init(&im->model);
	if (nr_in > MAX_INPUTS) {
		failf(im, NULL, "expected at most %d logs, found %u", MAX_INPUTS, nr_in);
		goto out;
	}
	for (i = 0; i < nr_in; i++)
		if (read_log(im, i))
			goto out;
	/* An empty trace would replay green: a wrong file is an error, not nothing to do. */
	if (!im->events) {
		failf(im, NULL, "no spapr_iommu_* event in %s%s (%lu other lines): not a QEMU log "
		      "recorded with -trace 'spapr_iommu_*' (a console log, or QEMU run without that "
		      "trace, has none)", in[0].name, nr_in > 1 ? " and the other inputs" : "",
		      im->other_lines);
		goto out;
	}
	if (build_header(im))
		goto out;
	tce_windows_init(&im->ws, &im->h);
	for (k = 0; k < im->evs.len; k += sizeof(struct event))
		if (convert_event(im, (const struct event *)(im->evs.p + k)))
			goto out;
	summarize(im);
	ret = write_output(im, out, notes, in, nr_in);
out:
	big_free(&im->records);
	big_free(&im->evs);
	for (i = 0; i < im->nr_notes; i++)
		free(im->notes[i]);
	tce_model_free(&im->model);
	free(im);
	return ret;
}
