// SPDX-License-Identifier: GPL-2.0
/* Each call's effects on the TCE entries, and two replays' compared (lib/effects.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "effects.h"

/* An exchange of a call before the merge: @seq keeps their order within a call and entry. */
struct pending_effect {
	size_t call, seq;
	struct effect e;
};

/* The call that ran at @ts, or -1. */
static long call_at(const struct effect_call *calls, size_t n, uint64_t ts)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (calls[mid].t1 < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && calls[lo].t0 <= ts ? (long)lo : -1;
}

/* Host address @hpa as an offset in guest RAM backing: 0 for a clear entry, or EFFECT_NOT_RAM. */
static int64_t ram_offset(uint64_t hpa, uint32_t dir, const struct effect_pages *pages,
			  size_t n, uint64_t page_size)
{
	uint64_t pfn = hpa / page_size;
	size_t lo = 0, hi = n;

	if (dir == EFFECT_DIR_NONE)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pages[mid].pfn + pages[mid].n <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || pages[lo].pfn > pfn)
		return EFFECT_NOT_RAM;
	return pages[lo].offset + (pfn - pages[lo].pfn) * page_size + hpa % page_size;
}

static int pending_cmp(const void *a, const void *b)
{
	const struct pending_effect *x = a, *y = b;

	if (x->call != y->call)
		return x->call < y->call ? -1 : 1;
	if (x->e.entry != y->e.entry)
		return x->e.entry < y->e.entry ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

long effects_net(const struct effect_xchg *x, size_t nx, const struct effect_call *calls,
		 size_t ncalls, const struct effect_pages *pages, size_t npages,
		 uint64_t page_size, struct effect *out, struct effects_counts *counts)
{
	struct pending_effect *p = calloc(nx ? nx : 1, sizeof(*p));
	size_t i, np = 0, n = 0;

	memset(counts, 0, sizeof(*counts));
	counts->exchanges = nx;
	if (!p)
		return -1;
	for (i = 0; i < nx; i++) {
		long call = call_at(calls, ncalls, x[i].ts);

		if (call < 0) {
			counts->outside++;
			continue;
		}
		if (x[i].ret) {
			counts->failed++;
			continue;
		}
		p[np].call = call;
		p[np].seq = i;
		p[np].e = (struct effect){
			.line = calls[call].line, .op = calls[call].op, .entry = x[i].entry,
			.old_addr = ram_offset(x[i].old_hpa, x[i].old_dir, pages, npages, page_size),
			.new_addr = ram_offset(x[i].new_hpa, x[i].new_dir, pages, npages, page_size),
			.old_dir = x[i].old_dir, .new_dir = x[i].new_dir,
		};
		np++;
	}
	qsort(p, np, sizeof(*p), pending_cmp);
	for (i = 0; i < np; i++) {
		struct effect e = p[i].e;
		size_t k = i;

		/* The call's exchanges of this entry: from the first's old value to the last's new. */
		while (k + 1 < np && p[k + 1].call == p[i].call && p[k + 1].e.entry == e.entry)
			k++;
		e.new_addr = p[k].e.new_addr;
		e.new_dir = p[k].e.new_dir;
		if (e.old_dir == e.new_dir && e.old_addr == e.new_addr)
			counts->unchanged += k - i + 1;
		else
			out[n++] = e;
		i = k;
	}
	free(p);
	return n;
}

static const char *dir_name(uint32_t dir)
{
	static const char *const names[] = { "bi", "to", "from" };

	return dir < 3 ? names[dir] : "clear";
}

static void side_str(char *buf, size_t len, uint32_t dir, int64_t addr)
{
	if (dir == EFFECT_DIR_NONE)
		snprintf(buf, len, "clear");
	else if (addr == EFFECT_NOT_RAM)
		snprintf(buf, len, "%s@outside-ram", dir_name(dir));
	else
		snprintf(buf, len, "%s@0x%llx", dir_name(dir), (unsigned long long)addr);
}

void effect_str(const struct effect *e, char *buf, size_t len)
{
	char old[40], new[40];

	if (!e) {
		snprintf(buf, len, "none");
		return;
	}
	side_str(old, sizeof(old), e->old_dir, e->old_addr);
	side_str(new, sizeof(new), e->new_dir, e->new_addr);
	snprintf(buf, len, "%s>%s", old, new);
}

void effects_write(struct json_writer *w, const char *key, const struct effect *e, size_t n)
{
	size_t i;

	jw_arr_begin(w, key);
	for (i = 0; i < n; i++) {
		jw_arr_begin(w, NULL);
		jw_u64(w, NULL, e[i].line);
		jw_str(w, NULL, trace_op_name(e[i].op));
		jw_hex(w, NULL, e[i].entry);
		jw_s64(w, NULL, e[i].old_addr);
		jw_u64(w, NULL, e[i].old_dir);
		jw_s64(w, NULL, e[i].new_addr);
		jw_u64(w, NULL, e[i].new_dir);
		jw_arr_end(w);
	}
	jw_arr_end(w);
}

static int op_of(const char *name, enum trace_op *op)
{
	int i;

	for (i = TRACE_PUT; name && i <= TRACE_DDW_REMOVE; i++)
		if (!strcmp(name, trace_op_name(i))) {
			*op = i;
			return 0;
		}
	return -1;
}

int effects_read(const cJSON *list, struct effect **out, size_t *n, char *err, size_t errlen)
{
	const cJSON *item;
	struct effect *e;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(list)) {
		snprintf(err, errlen, "no effects list");
		return -1;
	}
	e = calloc(cJSON_GetArraySize(list) + 1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(item, list) {
		const cJSON *f[7];
		int k;

		for (k = 0; k < 7; k++)
			f[k] = cJSON_GetArrayItem(item, k);
		if (cJSON_GetArraySize(item) != 7 || !cJSON_IsNumber(f[0]) ||
		    op_of(cJSON_GetStringValue(f[1]), &e[i].op) || !cJSON_IsString(f[2]) ||
		    !cJSON_IsNumber(f[3]) || !cJSON_IsNumber(f[4]) || !cJSON_IsNumber(f[5]) ||
		    !cJSON_IsNumber(f[6])) {
			snprintf(err, errlen, "effect %zu: expected [line, op, \"0xentry\", old, "
				 "old_dir, new, new_dir]", i);
			free(e);
			return -1;
		}
		e[i].line = (unsigned long)f[0]->valuedouble;
		e[i].entry = strtoull(f[2]->valuestring, NULL, 0);
		e[i].old_addr = (int64_t)f[3]->valuedouble;
		e[i].old_dir = (uint32_t)f[4]->valuedouble;
		e[i].new_addr = (int64_t)f[5]->valuedouble;
		e[i].new_dir = (uint32_t)f[6]->valuedouble;
		i++;
	}
	*out = e;
	*n = i;
	return 0;
}

/* Trace order: by line, then entry. */
static int key_cmp(const struct effect *a, const struct effect *b)
{
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

static bool same(const struct effect *a, const struct effect *b)
{
	return a->old_dir == b->old_dir && a->old_addr == b->old_addr &&
	       a->new_dir == b->new_dir && a->new_addr == b->new_addr;
}

/* One part of an effect that differs from the other side's: "old-dir:bi", "new-addr:0x10000". */
static void delta_add(char *buf, size_t len, const char *what, uint32_t dir, int64_t addr,
		      bool is_dir)
{
	size_t n = strlen(buf);

	if (is_dir)
		snprintf(buf + n, len - n, "%s%s-dir:%s", n ? "," : "", what, dir_name(dir));
	else if (addr == EFFECT_NOT_RAM)
		snprintf(buf + n, len - n, "%s%s-addr:outside-ram", n ? "," : "", what);
	else
		snprintf(buf + n, len - n, "%s%s-addr:0x%llx", n ? "," : "", what,
			 (unsigned long long)addr);
}

/*
 * What a diff key matches of a difference: each side's whole effect when only one has one,
 * else the parts that differ (so that a key can declare "the old direction" and nothing else).
 */
static void delta(const struct effect *e, const struct effect *other, char *buf, size_t len)
{
	buf[0] = 0;
	if (!e || !other) {
		effect_str(e, buf, len);
		return;
	}
	if (e->old_dir != other->old_dir)
		delta_add(buf, len, "old", e->old_dir, 0, true);
	if (e->old_addr != other->old_addr)
		delta_add(buf, len, "old", 0, e->old_addr, false);
	if (e->new_dir != other->new_dir)
		delta_add(buf, len, "new", e->new_dir, 0, true);
	if (e->new_addr != other->new_addr)
		delta_add(buf, len, "new", 0, e->new_addr, false);
}

/* @a (tcelab.ko) and @b (upstream) differ on an entry; either may be NULL: no effect. */
static void differ(const struct effect *a, const struct effect *b, struct differences *ds,
		   struct effects_comparison *c)
{
	const struct effect *e = a ? a : b;
	char sa[64], sb[64], da[128], db[128];

	effect_str(a, sa, sizeof(sa));
	effect_str(b, sb, sizeof(sb));
	delta(a, b, da, sizeof(da));
	delta(b, a, db, sizeof(db));
	if (ds && differences_match_diff(ds, "effect", trace_op_name(e->op), db, da)) {
		c->declared++;
		return;
	}
	if (!c->differences++) {
		c->has_first = true;
		c->first_line = e->line;
		c->first_op = e->op;
		c->first_entry = e->entry;
		snprintf(c->first_a, sizeof(c->first_a), "%s", sa);
		snprintf(c->first_b, sizeof(c->first_b), "%s", sb);
	}
}

void effects_compare(const struct effect *a, size_t na, const struct effect *b, size_t nb,
		     struct differences *ds, struct effects_comparison *c)
{
	size_t i = 0, j = 0;

	memset(c, 0, sizeof(*c));
	while (i < na || j < nb) {
		int order = i == na ? 1 : j == nb ? -1 : key_cmp(&a[i], &b[j]);

		if (order < 0) {
			differ(&a[i++], NULL, ds, c);
		} else if (order > 0) {
			differ(NULL, &b[j++], ds, c);
		} else {
			if (same(&a[i], &b[j]))
				c->compared++;
			else
				differ(&a[i], &b[j], ds, c);
			i++;
			j++;
		}
	}
}
