// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/DIFFERENCES.md's table, read, and a mismatch matched against it (differences.h): the
 * oracle's (traces/oracle/) and the differential's (replay/diff.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "differences.h"
#include "util.h"

#define MAX_CELLS	8

/*
 * The conditions an oracle key can name, each true of the records the difference shows on.
 * kmod/DIFFERENCES.md explains them; a new one is a line here and a line there.
 */
struct condition {
	const char *name;
	int (*holds)(const struct difference_ctx *ctx, const struct trace_record *r);
};

/*
 * The H_PUT_TCE_INDIRECT entries without R/W bits, which upstream translates and maps: one
 * of them at address @addr is outside guest RAM, runs past its end within a window page, or
 * has bits below the host IOMMU page.
 */
static int none_entry(const struct difference_ctx *ctx, const struct trace_record *r,
		      int (*test)(const struct difference_ctx *ctx, uint64_t addr))
{
	uint64_t i;

	for (i = 0; ctx->window && r->op == TRACE_INDIRECT && i < r->npages && i < TRACE_MAX_LIST;
	     i++)
		if (!(r->tces[i] & TCE_PERM_MASK) && test(ctx, r->tces[i]))
			return 1;
	return 0;
}

static int outside_ram(const struct difference_ctx *ctx, uint64_t addr)
{
	return addr >= ctx->header->ram_size;
}

static int past_ram_end(const struct difference_ctx *ctx, uint64_t addr)
{
	uint64_t end = addr + (1ULL << ctx->window->page_shift);

	return addr < ctx->header->ram_size && (end < addr || end > ctx->header->ram_size);
}

static int below_iommu_page(const struct difference_ctx *ctx, uint64_t addr)
{
	uint64_t page = 1ULL << ctx->header->iommu_page_shift;

	return (addr & (page - 1)) && addr + page <= ctx->header->ram_size;
}

static int none_entry_outside_ram(const struct difference_ctx *ctx, const struct trace_record *r)
{
	return none_entry(ctx, r, outside_ram);
}

static int none_entry_past_ram_end(const struct difference_ctx *ctx, const struct trace_record *r)
{
	return none_entry(ctx, r, past_ram_end);
}

static int none_entry_below_iommu_page(const struct difference_ctx *ctx,
				       const struct trace_record *r)
{
	return none_entry(ctx, r, below_iommu_page);
}

static const struct condition conditions[] = {
	{ "none-entry-outside-ram", none_entry_outside_ram },
	{ "none-entry-past-ram-end", none_entry_past_ram_end },
	{ "none-entry-below-iommu-page", none_entry_below_iommu_page },
};
#define NR_CONDITIONS (sizeof(conditions) / sizeof(conditions[0]))

struct table {
	const char *path;
	unsigned long line;
	char *err;
	size_t errlen;
};

static int fail(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct table *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(t->err, t->errlen, "%s:%lu: ", t->path, t->line);
	va_start(ap, fmt);
	vsnprintf(t->err + n, t->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Splits "| a | `b` |" into trimmed cells without backticks, in place: the number of cells. */
static int split_row(char *line, char **cells)
{
	char *p = line + 1, *bar, *end;
	int n = 0;

	while ((bar = strchr(p, '|')) && n < MAX_CELLS + 1) {
		*bar = 0;
		while (isspace((unsigned char)*p) || *p == '`')
			p++;
		end = p + strlen(p);
		while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == '`'))
			*--end = 0;
		cells[n++] = p;
		p = bar + 1;
	}
	return n;
}

static int parse_op(const char *s, enum trace_op *op)
{
	static const enum trace_op ops[] = { TRACE_PUT, TRACE_INDIRECT, TRACE_STUFF, TRACE_GET };
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(s, trace_op_name(ops[i]))) {
			*op = ops[i];
			return 0;
		}
	}
	return -1;
}

static int parse_key(struct table *t, char *key, struct difference *d)
{
	char *tok[5], *save = NULL, *code;
	unsigned int i, n = 0;

	if (!strcmp(key, "-"))
		return 0;
	for (tok[n] = strtok_r(key, " \t", &save); tok[n] && n < 4;
	     tok[n] = strtok_r(NULL, " \t", &save))
		n++;
	if (n != 4 || tok[4] || parse_op(tok[0], &d->op) || strncmp(tok[1], "upstream=", 9) ||
	    strncmp(tok[2], "tcelab=", 7) || strncmp(tok[3], "when=", 5))
		return fail(t, "oracle key: expected '-' or 'OP upstream=CODE "
			    "tcelab=CODE[,CODE...] when=CONDITION' with OP put, indirect, "
			    "stuff or get");
	if (!strcmp(tok[1] + 9, "BUG"))
		d->upstream = DIFFERENCE_BUG;
	else if (trace_parse_ret(tok[1] + 9, &d->upstream))
		return fail(t, "oracle key: upstream= takes BUG or a CODE, a PAPR name such as "
			    "H_PARAMETER or a number");
	for (code = strtok_r(tok[2] + 7, ",", &save); code; code = strtok_r(NULL, ",", &save)) {
		if (d->nr_tcelab == DIFFERENCE_CODES ||
		    trace_parse_ret(code, &d->tcelab[d->nr_tcelab]))
			return fail(t, "oracle key: tcelab= takes up to %d CODEs, PAPR names "
				    "such as H_PARAMETER or numbers, separated by ','",
				    DIFFERENCE_CODES);
		if (d->tcelab[d->nr_tcelab++] == d->upstream)
			return fail(t, "oracle key: upstream and tcelab give the same code");
	}
	if (!d->nr_tcelab)
		return fail(t, "oracle key: tcelab= needs a CODE");
	for (i = 0; i < NR_CONDITIONS && strcmp(conditions[i].name, tok[3] + 5); i++)
		;
	if (i == NR_CONDITIONS) {
		char known[256] = "";

		for (i = 0; i < NR_CONDITIONS; i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", conditions[i].name);
		return fail(t, "oracle key: no condition '%s' (the oracle knows %s; "
			    "lib/differences.c)", tok[3] + 5, known);
	}
	d->when = i;
	d->has_key = 1;
	return 0;
}

/* "-" or "KIND OP upstream=RESULT tcelab=RESULT[; ...]": checked, kept as written. */
static int parse_diff_key(struct table *t, const char *key, struct difference *d)
{
	char copy[sizeof(d->diff_key)], *item, *save = NULL, *tok[5], *isave;
	unsigned int n;

	if (strlen(key) >= sizeof(copy))
		return fail(t, "diff key: longer than %zu characters", sizeof(copy) - 1);
	snprintf(d->diff_key, sizeof(d->diff_key), "%s", key);
	if (!strcmp(key, "-"))
		return 0;
	strcpy(copy, key);
	for (item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
		isave = NULL;
		for (n = 0, tok[0] = strtok_r(item, " \t", &isave); tok[n] && n < 4;
		     tok[n] = strtok_r(NULL, " \t", &isave))
			n++;
		if (n != 4 || tok[4] || strncmp(tok[2], "upstream=", 9) ||
		    strncmp(tok[3], "tcelab=", 7))
			return fail(t, "diff key: expected '-' or 'KIND OP upstream=RESULT "
				    "tcelab=RESULT', several separated by ';'");
	}
	return 0;
}

static int parse_row(struct table *t, struct differences *ds, char *line, int ncells,
		     int key_col, int diff_col)
{
	struct difference *d = &ds->d[ds->nr];
	char *cells[MAX_CELLS + 1];
	const char *c;
	unsigned int i;

	if (split_row(line, cells) != ncells)
		return fail(t, "expected %d cells, as the header has ('|' inside a cell?)", ncells);
	if (ds->nr == DIFFERENCES_MAX)
		return fail(t, "more than %d differences", DIFFERENCES_MAX);
	memset(d, 0, sizeof(*d));
	for (c = cells[0]; *c && (islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
				  *c == '-'); c++)
		;
	if (!*cells[0] || *c || strlen(cells[0]) >= sizeof(d->id))
		return fail(t, "id: expected a short name of a-z, 0-9 and '-', not '%s'", cells[0]);
	for (i = 0; i < ds->nr; i++)
		if (!strcmp(ds->d[i].id, cells[0]))
			return fail(t, "id %s: already on line %lu", cells[0], ds->d[i].line);
	for (i = 1; i < (unsigned int)ncells; i++)
		if (!*cells[i])
			return fail(t, "%s: every cell needs a text", cells[0]);
	snprintf(d->id, sizeof(d->id), "%s", cells[0]);
	d->line = t->line;
	if (parse_key(t, cells[key_col], d))
		return -1;
	if (parse_diff_key(t, diff_col > 0 ? cells[diff_col] : "-", d))
		return -1;
	ds->nr++;
	return 0;
}

/* The header row: the number of cells and which are the oracle and diff keys, or -1. */
static int parse_header(char *line, int *key_col, int *diff_col)
{
	char *cells[MAX_CELLS + 1];
	int n = split_row(line, cells), i;

	if (n < 2 || strcmp(cells[0], "id"))
		return -1;
	for (i = 1; i < n; i++)
		if (!strcmp(cells[i], "oracle key"))
			*key_col = i;
		else if (!strcmp(cells[i], "diff key"))
			*diff_col = i;
	return *key_col > 0 ? n : -1;
}

int differences_load(struct differences *ds, const char *path, char *err, size_t errlen)
{
	struct table t = { path, 0, err, errlen };
	char *text = read_file(path, NULL), *line, *next;
	int ncells = -1, key_col = 0, diff_col = 0, state = 0, ret = 0;

	memset(ds, 0, sizeof(*ds));
	snprintf(ds->path, sizeof(ds->path), "%s", path);
	if (!text) {
		snprintf(err, errlen, "cannot read the declared differences %s: %s", path,
			 strerror(errno));
		return -1;
	}
	/* state 0: before the table, 1: after its header, 2: in its rows, 3: after it */
	for (line = text; line && !ret && state < 3; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		t.line++;
		if (state == 0 && line[0] == '|')
			ncells = parse_header(line, &key_col, &diff_col);
		if (state == 0 && line[0] == '|' && ncells > 0)
			state = 1;
		else if (state == 1 && strspn(line, "|-: ") == strlen(line))
			state = 2;
		else if (state == 1)
			ret = fail(&t, "expected the table's |---| line");
		else if (state == 2 && line[0] == '|')
			ret = parse_row(&t, ds, line, ncells, key_col, diff_col);
		else if (state == 2)
			state = 3;
	}
	if (!ret && state < 2) {
		snprintf(err, errlen, "%s: no table with an 'id' and an 'oracle key' column", path);
		ret = -1;
	}
	free(text);
	return ret;
}

int differences_undeclare(struct differences *ds, const char *id)
{
	unsigned int i;

	for (i = 0; i < ds->nr && strcmp(ds->d[i].id, id); i++)
		;
	if (i == ds->nr)
		return -1;
	strcpy(ds->d[i].diff_key, "-");
	return 0;
}

static int applies(const struct difference *d, const struct difference_ctx *ctx,
		   const struct trace_record *r)
{
	return d->has_key && d->op == r->op && conditions[d->when].holds(ctx, r);
}

struct difference *differences_match(struct differences *ds, const struct difference_ctx *ctx,
				     const struct trace_record *r, int64_t upstream)
{
	unsigned int i, k;

	for (i = 0; i < ds->nr; i++) {
		struct difference *d = &ds->d[i];

		for (k = 0; k < d->nr_tcelab && d->tcelab[k] != r->ret; k++)
			;
		if (d->upstream == upstream && k < d->nr_tcelab && applies(d, ctx, r)) {
			d->hits++;
			return d;
		}
	}
	return NULL;
}

struct difference *differences_applies(struct differences *ds, const struct difference_ctx *ctx,
				       const struct trace_record *r)
{
	unsigned int i;

	for (i = 0; i < ds->nr; i++)
		if (applies(&ds->d[i], ctx, r))
			return &ds->d[i];
	return NULL;
}

/* "PREFIX=RESULT" of a key matches @result; a RESULT ending in '*' matches what starts so. */
static int result_matches(const char *key, const char *prefix, const char *result)
{
	size_t n = strlen(prefix), len;

	if (strncmp(key, prefix, n))
		return 0;
	key += n;
	len = strlen(key);
	if (len && key[len - 1] == '*')
		return !strncmp(key, result, len - 1);
	return !strcmp(key, result);
}

struct difference *differences_match_diff(struct differences *ds, const char *kind,
					  const char *op, const char *upstream,
					  const char *tcelab)
{
	char copy[sizeof(ds->d[0].diff_key)], *item, *save, *tok[5], *isave;
	unsigned int i, n;

	for (i = 0; i < ds->nr; i++) {
		snprintf(copy, sizeof(copy), "%s", ds->d[i].diff_key);
		save = NULL;
		for (item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
			isave = NULL;
			for (n = 0, tok[0] = strtok_r(item, " \t", &isave); tok[n] && n < 4;
			     tok[n] = strtok_r(NULL, " \t", &isave))
				n++;
			if (n == 4 && !strcmp(tok[0], kind) && !strcmp(tok[1], op) &&
			    result_matches(tok[2], "upstream=", upstream) &&
			    result_matches(tok[3], "tcelab=", tcelab)) {
				ds->d[i].hits++;
				return &ds->d[i];
			}
		}
	}
	return NULL;
}
