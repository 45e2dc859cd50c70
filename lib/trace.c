// SPDX-License-Identifier: GPL-2.0
/*
 * .tce trace parser and writer (traces/FORMAT.md). Hand-written scanning: the parser must
 * keep up with hundreds of MB/s and must turn any byte sequence into either records or one
 * "file:line: expected ..." message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

/* --- reading lines ------------------------------------------------------------------------ */

void trace_reader_init_fd(struct trace_reader *rd, const char *name, int fd)
{
	rd->name = name;
	rd->fd = fd;
	rd->mem = NULL;
	rd->mem_len = rd->mem_pos = 0;
	rd->line = 0;
	rd->pos = rd->end = 0;
	rd->eof = 0;
	rd->error[0] = 0;
}

void trace_reader_init_mem(struct trace_reader *rd, const char *name, const char *data,
			   size_t len)
{
	trace_reader_init_fd(rd, name, -1);
	rd->mem = data;
	rd->mem_len = len;
}

static ssize_t reader_fill(struct trace_reader *rd, char *dst, size_t room)
{
	ssize_t n;

	do
		n = read(rd->fd, dst, room);
	while (n < 0 && errno == EINTR);
	return n;
}

static int too_long(struct trace_reader *rd)
{
	snprintf(rd->error, sizeof(rd->error), "%s:%lu: expected a line of at most %d bytes",
		 rd->name, rd->line, TRACE_MAX_LINE);
	return -1;
}

/* A line of a buffer in memory, in place: nothing to copy. */
static int mem_line(struct trace_reader *rd, const char **line, size_t *len)
{
	const char *start = rd->mem + rd->mem_pos, *nl;
	size_t avail = rd->mem_len - rd->mem_pos;

	if (!avail)
		return 0;
	nl = memchr(start, '\n', avail);
	*line = start;
	*len = nl ? (size_t)(nl - start) : avail;
	rd->mem_pos += nl ? *len + 1 : avail;
	if (*len && start[*len - 1] == '\r')
		(*len)--;
	rd->line++;
	return *len <= TRACE_MAX_LINE ? 1 : too_long(rd);
}

int trace_reader_line(struct trace_reader *rd, const char **line, size_t *len)
{
	if (rd->fd < 0)
		return mem_line(rd, line, len);
	for (;;) {
		char *start = rd->buf + rd->pos;
		size_t avail = rd->end - rd->pos;
		char *nl = memchr(start, '\n', avail);
		ssize_t n;

		if (nl || (rd->eof && avail)) {
			*line = start;
			*len = nl ? (size_t)(nl - start) : avail;
			rd->pos += nl ? *len + 1 : avail;
			if (*len && start[*len - 1] == '\r')
				(*len)--;
			rd->line++;
			if (*len > TRACE_MAX_LINE)
				break;
			return 1;
		}
		if (rd->eof)
			return 0;
		if (avail > TRACE_MAX_LINE) {
			rd->line++;
			break;
		}
		/* The buffer holds two maximal lines, so moving the rest down always makes room. */
		memmove(rd->buf, start, avail);
		rd->pos = 0;
		rd->end = avail;
		n = reader_fill(rd, rd->buf + rd->end, sizeof(rd->buf) - rd->end);
		if (n < 0) {
			snprintf(rd->error, sizeof(rd->error), "%s:%lu: read failed: %s", rd->name,
				 rd->line + 1, strerror(errno));
			return -1;
		}
		if (n == 0)
			rd->eof = 1;
		rd->end += n;
	}
	return too_long(rd);
}

/* --- names -------------------------------------------------------------------------------- */

static const char *const op_names[] = {
	[TRACE_PUT] = "put",
	[TRACE_INDIRECT] = "indirect",
	[TRACE_STUFF] = "stuff",
	[TRACE_GET] = "get",
	[TRACE_DDW_CREATE] = "ddw-create",
	[TRACE_DDW_REMOVE] = "ddw-remove",
};

const char *trace_op_name(enum trace_op op)
{
	return op_names[op];
}

/* asm/hvcall.h: the codes a TCE hypercall or its callers can meet. */
static const struct {
	const char *name;
	int64_t value;
} ret_names[] = {
	{ "H_SUCCESS", 0 }, { "H_BUSY", 1 }, { "H_CLOSED", 2 }, { "H_NOT_AVAILABLE", 3 },
	{ "H_CONSTRAINED", 4 }, { "H_PARTIAL", 5 }, { "H_IN_PROGRESS", 14 },
	{ "H_TOO_HARD", 9999 }, { "H_HARDWARE", -1 }, { "H_FUNCTION", -2 },
	{ "H_PRIVILEGE", -3 }, { "H_PARAMETER", -4 }, { "H_BAD_MODE", -5 },
	{ "H_NOT_FOUND", -7 }, { "H_NO_MEM", -9 }, { "H_AUTHORITY", -10 },
	{ "H_PERMISSION", -11 }, { "H_DROPPED", -12 }, { "H_RESOURCE", -16 },
};

const char *trace_ret_name(int64_t ret)
{
	size_t i;

	for (i = 0; i < sizeof(ret_names) / sizeof(ret_names[0]); i++)
		if (ret_names[i].value == ret)
			return ret_names[i].name;
	return NULL;
}

static const char size_suffixes[] = "KMGTPE";

void trace_format_size(char *buf, size_t len, uint64_t size)
{
	int i;

	for (i = 5; i >= 0; i--) {
		unsigned int shift = 10 * (i + 1);

		if (size && !(size & ((1ULL << shift) - 1))) {
			snprintf(buf, len, "%" PRIu64 "%c", size >> shift, size_suffixes[i]);
			return;
		}
	}
	snprintf(buf, len, "0x%" PRIx64, size);
}

/* --- scanning ----------------------------------------------------------------------------- */

struct cursor {
	const char *p, *end;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct cursor *c)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
}

/* End of the useful part of a line: its end or a comment. */
static int at_line_end(struct cursor *c)
{
	skip_blanks(c);
	return c->p == c->end || *c->p == '#';
}

static int is_terminator(const struct cursor *c, const char *s)
{
	return s == c->end || is_blank(*s) || *s == '#';
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A number in hex (0x...) or decimal; stops at the first other byte. 0, or -1. */
static int scan_u64(struct cursor *c, uint64_t *v)
{
	const char *s = c->p;
	uint64_t x = 0;
	int d;

	if (c->end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		if (hex_digit(*s) < 0)
			return -1;
		for (; s < c->end && (d = hex_digit(*s)) >= 0; s++) {
			if (x >> 60)
				return -1;
			x = x << 4 | d;
		}
	} else {
		if (s == c->end || *s < '0' || *s > '9')
			return -1;
		for (; s < c->end && *s >= '0' && *s <= '9'; s++) {
			d = *s - '0';
			if (x > (UINT64_MAX - d) / 10)
				return -1;
			x = x * 10 + d;
		}
	}
	c->p = s;
	*v = x;
	return 0;
}

static int scan_size(struct cursor *c, uint64_t *v)
{
	const char *suffix;

	if (scan_u64(c, v))
		return -1;
	if (c->p < c->end && *c->p && (suffix = strchr(size_suffixes, *c->p))) {
		unsigned int shift = 10 * (suffix - size_suffixes + 1);

		if (*v >> (64 - shift))
			return -1;
		*v <<= shift;
		c->p++;
	}
	return 0;
}

int trace_parse_size(const char *s, uint64_t *size)
{
	struct cursor c = { s, s + strlen(s) };

	return scan_size(&c, size) || c.p != c.end ? -1 : 0;
}

/* --- parser ------------------------------------------------------------------------------- */

static int fail(struct trace_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct trace_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->error, sizeof(p->error), "%s:%lu: ", p->rd.name,
		     p->rd.line ? p->rd.line : 1);
	va_start(ap, fmt);
	vsnprintf(p->error + n, sizeof(p->error) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* What stands at the cursor, for "found ..." in messages. */
static const char *found(struct cursor *c, char *buf, size_t len)
{
	const char *s = c->p;
	size_t n = 0;

	if (s == c->end)
		return "end of line";
	buf[n++] = '\'';
	while (s < c->end && !is_blank(*s) && n < len - 5) {
		unsigned char ch = *s++;

		buf[n++] = ch >= 0x20 && ch < 0x7f ? ch : '?';
	}
	if (s < c->end && !is_blank(*s)) {
		buf[n++] = '.';
		buf[n++] = '.';
	}
	buf[n++] = '\'';
	buf[n] = 0;
	return buf;
}

#define FOUND(c) found(c, foundbuf, sizeof(foundbuf))

/* Expects blanks, then "key=", and leaves the cursor on the value. */
static int expect_key(struct trace_parser *p, struct cursor *c, const char *key,
		      const char *value_hint)
{
	size_t n = strlen(key);
	char foundbuf[40];

	skip_blanks(c);
	if ((size_t)(c->end - c->p) > n && !memcmp(c->p, key, n) && c->p[n] == '=') {
		c->p += n + 1;
		return 0;
	}
	return fail(p, "expected '%s=%s', found %s", key, value_hint, FOUND(c));
}

static int field_u64(struct trace_parser *p, struct cursor *c, const char *key, uint64_t *v)
{
	char foundbuf[40];

	if (expect_key(p, c, key, "NUMBER"))
		return -1;
	if (scan_u64(c, v) || !is_terminator(c, c->p))
		return fail(p, "%s: expected a 64-bit number (0x1f or 31), found %s", key,
			    FOUND(c));
	return 0;
}

static int field_size(struct trace_parser *p, struct cursor *c, const char *key, uint64_t *v)
{
	char foundbuf[40];

	if (expect_key(p, c, key, "SIZE"))
		return -1;
	if (scan_size(c, v) || !is_terminator(c, c->p))
		return fail(p, "%s: expected a size (0x40000000, 1073741824 or 1G), found %s", key,
			    FOUND(c));
	return 0;
}

static int field_shift(struct trace_parser *p, struct cursor *c, const char *key,
		       unsigned int *shift)
{
	uint64_t v;

	if (field_u64(p, c, key, &v))
		return -1;
	if (v < TRACE_MIN_PAGE_SHIFT || v > TRACE_MAX_PAGE_SHIFT)
		return fail(p, "%s: expected a page shift from %d to %d, found %" PRIu64, key,
			    TRACE_MIN_PAGE_SHIFT, TRACE_MAX_PAGE_SHIFT, v);
	*shift = v;
	return 0;
}

static int field_liobn32(struct trace_parser *p, struct cursor *c, uint32_t *liobn)
{
	uint64_t v;

	if (field_u64(p, c, "liobn", &v))
		return -1;
	if (v > UINT32_MAX)
		return fail(p, "liobn: expected a 32-bit LIOBN for a window, found 0x%" PRIx64, v);
	*liobn = v;
	return 0;
}

static int scan_ret(struct cursor *c, int64_t *ret)
{
	const char *s = c->p;
	size_t i, n;
	uint64_t v;

	while (s < c->end && !is_terminator(c, s))
		s++;
	n = s - c->p;
	for (i = 0; i < sizeof(ret_names) / sizeof(ret_names[0]); i++) {
		if (strlen(ret_names[i].name) == n && !memcmp(c->p, ret_names[i].name, n)) {
			*ret = ret_names[i].value;
			c->p = s;
			return 0;
		}
	}
	if (n > 1 && *c->p == '-') {
		struct cursor digits = { c->p + 1, s };

		if (scan_u64(&digits, &v) || digits.p != s || v > (uint64_t)INT64_MAX)
			return -1;
		*ret = -(int64_t)v;
	} else {
		struct cursor digits = { c->p, s };

		if (scan_u64(&digits, &v) || digits.p != s || v > (uint64_t)INT64_MAX)
			return -1;
		*ret = v;
	}
	c->p = s;
	return 0;
}

int trace_parse_ret(const char *s, int64_t *ret)
{
	struct cursor c = { s, s + strlen(s) };

	return !*s || scan_ret(&c, ret) || c.p != c.end ? -1 : 0;
}

/* t=SECONDS[.FRACTION], up to nanoseconds. */
static int scan_time(struct cursor *c, uint64_t *ns)
{
	uint64_t sec, frac = 0;
	int digits = 0;

	if (*c->p < '0' || *c->p > '9' || scan_u64(c, &sec) || sec > UINT64_MAX / 1000000000)
		return -1;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && digits < 9) {
			frac = frac * 10 + (*c->p++ - '0');
			digits++;
		}
		if (!digits)
			return -1;
	}
	while (digits++ < 9)
		frac *= 10;
	if (sec * 1000000000 > UINT64_MAX - frac)
		return -1;
	*ns = sec * 1000000000 + frac;
	return 0;
}

static int scan_list(struct trace_parser *p, struct cursor *c, struct trace_record *r)
{
	char foundbuf[40];

	r->npages = 0;
	if (is_terminator(c, c->p))
		return 0;
	for (;;) {
		if (r->npages == TRACE_MAX_LIST)
			return fail(p, "tces: expected at most %d TCEs", TRACE_MAX_LIST);
		if (scan_u64(c, &r->tces[r->npages]))
			return fail(p, "tces: expected a comma-separated list of TCEs, found %s",
				    FOUND(c));
		r->npages++;
		if (is_terminator(c, c->p))
			return 0;
		if (*c->p != ',')
			return fail(p, "tces: expected ',' or a blank after a TCE, found %s",
				    FOUND(c));
		c->p++;
	}
}

static int check_window(struct trace_parser *p, const struct trace_window *w)
{
	uint64_t page = 1ULL << w->page_shift;

	if (w->page_shift < p->header.iommu_page_shift)
		return fail(p, "page_shift: expected at least the header's iommu_page_shift=%u, "
			    "found %u", p->header.iommu_page_shift, w->page_shift);
	if (!w->size || (w->size & (page - 1)) || (w->offset & (page - 1)))
		return fail(p, "expected offset= and a non-zero size= that are multiples of the "
			    "page size (0x%" PRIx64 ")", page);
	if (w->offset + w->size < w->offset)
		return fail(p, "expected a window below 2^64, found offset=0x%" PRIx64
			    " size=0x%" PRIx64, w->offset, w->size);
	return 0;
}

static int parse_window(struct trace_parser *p, struct cursor *c, struct trace_window *w)
{
	return field_liobn32(p, c, &w->liobn) || field_u64(p, c, "offset", &w->offset) ||
	       field_size(p, c, "size", &w->size) ||
	       field_shift(p, c, "page_shift", &w->page_shift) || check_window(p, w);
}

static int parse_optional(struct trace_parser *p, struct cursor *c, struct trace_record *r)
{
	char foundbuf[40];

	while (!at_line_end(c)) {
		const char *key = c->p, *eq = c->p;
		unsigned int bit;
		size_t n;

		while (eq < c->end && *eq != '=' && !is_blank(*eq))
			eq++;
		n = eq - key;
		if (eq == c->end || *eq != '=')
			n = 0;
		if (n == 3 && !memcmp(key, "ret", 3))
			bit = TRACE_HAS_RET;
		else if (n == 1 && *key == 't')
			bit = TRACE_HAS_TIME;
		else if (n == 3 && !memcmp(key, "tid", 3))
			bit = TRACE_HAS_TID;
		else if (n == 3 && !memcmp(key, "tce", 3) && r->op == TRACE_GET)
			bit = TRACE_HAS_TCE;
		else if (n == 4 && !memcmp(key, "list", 4) && r->op == TRACE_INDIRECT)
			bit = TRACE_HAS_LIST;
		else
			return fail(p, "%s: expected ret=, t=, tid=%s or the end of the line, found %s",
				    trace_op_name(r->op),
				    r->op == TRACE_GET ? ", tce=" :
				    r->op == TRACE_INDIRECT ? ", list=" : "", FOUND(c));
		if (r->flags & bit)
			return fail(p, "%.*s: expected once per record, found twice", (int)n, key);
		r->flags |= bit;
		c->p = eq + 1;
		switch (bit) {
		case TRACE_HAS_RET:
			if (scan_ret(c, &r->ret) || !is_terminator(c, c->p))
				return fail(p, "ret: expected a return code (H_SUCCESS, H_PARAMETER, "
					    "-4, ...), found %s", FOUND(c));
			break;
		case TRACE_HAS_TIME:
			if (c->p == c->end || scan_time(c, &r->time_ns) || !is_terminator(c, c->p))
				return fail(p, "t: expected seconds like 12.000345, found %s",
					    FOUND(c));
			break;
		case TRACE_HAS_TID: {
			uint64_t tid;

			if (scan_u64(c, &tid) || !is_terminator(c, c->p) || tid > UINT32_MAX)
				return fail(p, "tid: expected a 32-bit thread id, found %s",
					    FOUND(c));
			r->tid = tid;
			break;
		}
		default:
			if (scan_u64(c, bit == TRACE_HAS_TCE ? &r->tce : &r->list_gpa) ||
			    !is_terminator(c, c->p))
				return fail(p, "%.*s: expected a 64-bit number, found %s", (int)n,
					    key, FOUND(c));
		}
	}
	return 0;
}

/* The keyword at the start of a line; the cursor moves past it. */
static int keyword(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, word, n) &&
	    is_terminator(c, c->p + n)) {
		c->p += n;
		return 1;
	}
	return 0;
}

static int parse_record(struct trace_parser *p, struct cursor *c, struct trace_record *r)
{
	char foundbuf[40];

	/* Fields a record does not have read as 0, never as a previous record's. */
	r->flags = 0;
	r->line = p->rd.line;
	r->ioba = r->tce = r->npages = r->list_gpa = r->time_ns = 0;
	r->ret = 0;
	r->tid = 0;
	memset(&r->window, 0, sizeof(r->window));
	if (keyword(c, "put")) {
		r->op = TRACE_PUT;
		if (field_u64(p, c, "liobn", &r->liobn) || field_u64(p, c, "ioba", &r->ioba) ||
		    field_u64(p, c, "tce", &r->tce))
			return -1;
	} else if (keyword(c, "indirect")) {
		r->op = TRACE_INDIRECT;
		if (field_u64(p, c, "liobn", &r->liobn) || field_u64(p, c, "ioba", &r->ioba) ||
		    expect_key(p, c, "tces", "TCE,TCE,...") || scan_list(p, c, r))
			return -1;
	} else if (keyword(c, "stuff")) {
		r->op = TRACE_STUFF;
		if (field_u64(p, c, "liobn", &r->liobn) || field_u64(p, c, "ioba", &r->ioba) ||
		    field_u64(p, c, "value", &r->tce) || field_u64(p, c, "npages", &r->npages))
			return -1;
	} else if (keyword(c, "get")) {
		r->op = TRACE_GET;
		if (field_u64(p, c, "liobn", &r->liobn) || field_u64(p, c, "ioba", &r->ioba))
			return -1;
	} else if (keyword(c, "ddw-create")) {
		r->op = TRACE_DDW_CREATE;
		if (parse_window(p, c, &r->window))
			return -1;
		r->liobn = r->window.liobn;
	} else if (keyword(c, "ddw-remove")) {
		r->op = TRACE_DDW_REMOVE;
		if (field_u64(p, c, "liobn", &r->liobn))
			return -1;
	} else {
		static const char *const header_words[] = { "tcetrace", "guest", "window" };
		size_t i;

		for (i = 0; i < sizeof(header_words) / sizeof(header_words[0]); i++)
			if (keyword(c, header_words[i]))
				return fail(p, "expected a record: '%s' lines belong in the header, "
					    "before the first record", header_words[i]);
		return fail(p, "expected a record (put, indirect, stuff, get, ddw-create, "
			    "ddw-remove), found %s", FOUND(c));
	}
	return parse_optional(p, c, r);
}

void trace_parser_init_fd(struct trace_parser *p, const char *name, int fd)
{
	trace_reader_init_fd(&p->rd, name, fd);
	memset(&p->header, 0, sizeof(p->header));
	p->header_done = 0;
	p->pending = NULL;
	p->error[0] = 0;
}

void trace_parser_init_mem(struct trace_parser *p, const char *name, const char *data,
			   size_t len)
{
	trace_parser_init_fd(p, name, -1);
	trace_reader_init_mem(&p->rd, name, data, len);
}

/* Next line that is not blank or a comment: 1, 0 at the end, -1. */
static int next_line(struct trace_parser *p, struct cursor *c)
{
	const char *line;
	size_t len;
	int ret;

	while ((ret = trace_reader_line(&p->rd, &line, &len)) > 0) {
		c->p = line;
		c->end = line + len;
		if (!at_line_end(c))
			return 1;
	}
	if (ret < 0)
		snprintf(p->error, sizeof(p->error), "%s", p->rd.error);
	return ret;
}

static int parse_guest(struct trace_parser *p, struct cursor *c)
{
	struct trace_header *h = &p->header;
	char foundbuf[40];

	if (!keyword(c, "guest"))
		return fail(p, "expected 'guest ram=SIZE iommu_page_shift=N' after the first line, "
			    "found %s", FOUND(c));
	if (field_size(p, c, "ram", &h->ram_size) ||
	    field_shift(p, c, "iommu_page_shift", &h->iommu_page_shift))
		return -1;
	if (!h->ram_size || (h->ram_size & 0xfff))
		return fail(p, "ram: expected a non-zero multiple of 4K");
	if (!at_line_end(c))
		return fail(p, "guest: expected the end of the line, found %s", FOUND(c));
	return 0;
}

static int parse_header_window(struct trace_parser *p, struct cursor *c)
{
	struct trace_header *h = &p->header;
	struct trace_window *w = &h->windows[h->nr_windows];
	char foundbuf[40];
	unsigned int i;

	if (h->nr_windows == TRACE_MAX_WINDOWS)
		return fail(p, "expected at most %d window lines", TRACE_MAX_WINDOWS);
	if (parse_window(p, c, w))
		return -1;
	if (!at_line_end(c))
		return fail(p, "window: expected the end of the line, found %s", FOUND(c));
	for (i = 0; i < h->nr_windows; i++)
		if (h->windows[i].liobn == w->liobn)
			return fail(p, "expected one window per LIOBN, found 0x%" PRIx32 " again",
				    w->liobn);
	h->nr_windows++;
	return 0;
}

int trace_read_header(struct trace_parser *p)
{
	struct trace_header *h = &p->header;
	struct cursor c;
	char foundbuf[40];
	uint64_t version;
	int ret;

	if (p->header_done)
		return 0;
	ret = next_line(p, &c);
	if (ret <= 0)
		return ret ? -1 : fail(p, "expected 'tcetrace %d' as the first line, found an "
				       "empty file", TRACE_FORMAT_VERSION);
	if (!keyword(&c, "tcetrace"))
		return fail(p, "expected 'tcetrace %d' as the first line (is this a .tce trace?), "
			    "found %s", TRACE_FORMAT_VERSION, FOUND(&c));
	skip_blanks(&c);
	if (scan_u64(&c, &version) || !at_line_end(&c))
		return fail(p, "expected 'tcetrace %d', found a version %s", TRACE_FORMAT_VERSION,
			    FOUND(&c));
	if (version != TRACE_FORMAT_VERSION)
		return fail(p, "expected format version %d, found version %" PRIu64
			    " (a newer tcelab wrote it?)", TRACE_FORMAT_VERSION, version);
	h->version = version;

	ret = next_line(p, &c);
	if (ret < 0)
		return -1;
	if (!ret)
		return fail(p, "expected 'guest ram=SIZE iommu_page_shift=N', found the end of "
			    "the file");
	if (parse_guest(p, &c))
		return -1;

	while ((ret = next_line(p, &c)) > 0) {
		if (!keyword(&c, "window")) {
			p->pending = c.p;
			p->pending_len = c.end - c.p;
			break;
		}
		if (parse_header_window(p, &c))
			return -1;
	}
	if (ret < 0)
		return -1;
	p->header_done = 1;
	return 0;
}

int trace_next(struct trace_parser *p, struct trace_record *r)
{
	struct cursor c;
	int ret;

	if (!p->header_done && trace_read_header(p))
		return -1;
	if (p->pending) {
		c.p = p->pending;
		c.end = p->pending + p->pending_len;
		p->pending = NULL;
	} else {
		ret = next_line(p, &c);
		if (ret <= 0)
			return ret;
	}
	if (parse_record(p, &c, r))
		return -1;
	if (r->op == TRACE_DDW_CREATE && r->flags & ~(TRACE_HAS_TIME | TRACE_HAS_TID))
		return fail(p, "ddw-create: expected only t= and tid= after page_shift=");
	if (r->op == TRACE_DDW_REMOVE && r->flags & ~(TRACE_HAS_TIME | TRACE_HAS_TID))
		return fail(p, "ddw-remove: expected only t= and tid= after liobn=");
	return 1;
}

/* --- writer ------------------------------------------------------------------------------- */

int trace_write_header(FILE *f, const struct trace_header *h)
{
	char size[32];
	unsigned int i;

	trace_format_size(size, sizeof(size), h->ram_size);
	fprintf(f, "tcetrace %d\nguest ram=%s iommu_page_shift=%u\n", TRACE_FORMAT_VERSION, size,
		h->iommu_page_shift);
	for (i = 0; i < h->nr_windows; i++) {
		const struct trace_window *w = &h->windows[i];

		trace_format_size(size, sizeof(size), w->size);
		fprintf(f, "window liobn=0x%" PRIx32 " offset=0x%" PRIx64 " size=%s page_shift=%u\n",
			w->liobn, w->offset, size, w->page_shift);
	}
	return ferror(f) ? -1 : 0;
}

/*
 * A record's text is built in a buffer without printf and written with one fwrite(): an
 * INDIRECT record has up to 1024 numbers, and printf's format parsing and stdio's per-call
 * work were most of tcelab import's writing.
 */
static inline char *put_mem(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

#define PUT_LIT(p, s)	put_mem(p, s, sizeof(s) - 1)

static char *put_str(char *p, const char *s)
{
	return put_mem(p, s, strlen(s));
}

/* @v in decimal, at least @width digits (zero-padded). */
static char *put_dec(char *p, uint64_t v, int width)
{
	char tmp[24], *t = tmp + sizeof(tmp);

	do {
		*--t = '0' + v % 10;
		width--;
	} while ((v /= 10) || width > 0);
	return put_mem(p, t, tmp + sizeof(tmp) - t);
}

/* "0x" and @v in lowercase hex. */
static inline char *put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int n = (67 - __builtin_clzll(v | 1)) / 4;
	char *end = p + n + 2;

	p[0] = '0';
	p[1] = 'x';
	for (p = end - 1; n--; v >>= 4)
		*p-- = digits[v & 15];
	return end;
}

size_t trace_format_record(char *buf, const struct trace_record *r)
{
	char size[32], *p = buf;
	uint64_t i;

	p = put_str(p, trace_op_name(r->op));
	p = PUT_LIT(p, " liobn=");
	p = put_hex(p, r->liobn);
	switch (r->op) {
	case TRACE_PUT:
		p = PUT_LIT(p, " ioba=");
		p = put_hex(p, r->ioba);
		p = PUT_LIT(p, " tce=");
		p = put_hex(p, r->tce);
		break;
	case TRACE_INDIRECT:
		p = PUT_LIT(p, " ioba=");
		p = put_hex(p, r->ioba);
		p = PUT_LIT(p, " tces=");
		for (i = 0; i < r->npages; i++) {
			if (i)
				*p++ = ',';
			p = put_hex(p, r->tces[i]);
		}
		if (r->flags & TRACE_HAS_LIST) {
			p = PUT_LIT(p, " list=");
			p = put_hex(p, r->list_gpa);
		}
		break;
	case TRACE_STUFF:
		p = PUT_LIT(p, " ioba=");
		p = put_hex(p, r->ioba);
		p = PUT_LIT(p, " value=");
		p = put_hex(p, r->tce);
		p = PUT_LIT(p, " npages=");
		p = put_dec(p, r->npages, 1);
		break;
	case TRACE_GET:
		p = PUT_LIT(p, " ioba=");
		p = put_hex(p, r->ioba);
		if (r->flags & TRACE_HAS_TCE) {
			p = PUT_LIT(p, " tce=");
			p = put_hex(p, r->tce);
		}
		break;
	case TRACE_DDW_CREATE:
		trace_format_size(size, sizeof(size), r->window.size);
		p = PUT_LIT(p, " offset=");
		p = put_hex(p, r->window.offset);
		p = PUT_LIT(p, " size=");
		p = put_str(p, size);
		p = PUT_LIT(p, " page_shift=");
		p = put_dec(p, r->window.page_shift, 1);
		break;
	case TRACE_DDW_REMOVE:
		break;
	}
	if (r->flags & TRACE_HAS_RET) {
		const char *name = trace_ret_name(r->ret);

		p = PUT_LIT(p, " ret=");
		if (name) {
			p = put_str(p, name);
		} else {
			if (r->ret < 0)
				*p++ = '-';
			p = put_dec(p, r->ret < 0 ? -(uint64_t)r->ret : (uint64_t)r->ret, 1);
		}
	}
	if (r->flags & TRACE_HAS_TIME) {
		p = PUT_LIT(p, " t=");
		p = put_dec(p, r->time_ns / 1000000000, 1);
		*p++ = '.';
		p = put_dec(p, r->time_ns % 1000000000, 9);
	}
	if (r->flags & TRACE_HAS_TID) {
		p = PUT_LIT(p, " tid=");
		p = put_dec(p, r->tid, 1);
	}
	*p++ = '\n';
	return p - buf;
}

int trace_write_record(FILE *f, const struct trace_record *r)
{
	char buf[TRACE_RECORD_MAX];

	fwrite(buf, 1, trace_format_record(buf, r), f);
	return ferror(f) ? -1 : 0;
}
