// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbols from /proc/kallsyms: the roles resolve by name, stack frames by address
 * (text symbols: what probes attach to and stacks return into); data symbols by name (the
 * dirty check's vmemmap base).
 */
#define _GNU_SOURCE		/* strchrnul() */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "probe_ctx.h"

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* @k's table grown by one; NULL when out of memory. */
static struct ksym *push_ksym(struct ksym **k, size_t *n, size_t *cap)
{
	struct ksym *t = grow(*k, *n, cap, sizeof(**k), 65536);

	if (!t)
		return NULL;
	*k = t;
	return &t[(*n)++];
}

/*
 * /proc/kallsyms in one read, its lines ("ADDR TYPE NAME[\t[MODULE]]") cut in place: a probe
 * run reads it before anything is attached, and strdup()ing 150,000 names showed in the time
 * to attach under TCG.
 */
int ksyms_load(struct probe_ctx *ctx)
{
	size_t cap = 0, data_cap = 0;
	char *line, *next, *name, *end, type;
	unsigned long long addr;
	struct ksym *k;

	ctx->kallsyms = read_file(KALLSYMS, NULL);
	if (!ctx->kallsyms)
		return -errno;
	for (line = ctx->kallsyms; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = 0;
		addr = strtoull(line, &end, 16);
		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		type = end[1];
		name = end + 3;
		if (strchr("tTwW", type))
			k = push_ksym(&ctx->ksyms, &ctx->nksyms, &cap);
		else if (strchr("dDbBrR", type))
			k = push_ksym(&ctx->data_ksyms, &ctx->ndata_ksyms, &data_cap);
		else
			continue;
		if (!k)
			return -ENOMEM;
		*k = (struct ksym){ addr, name, NULL };
		end = strchr(name, '\t');
		if (end) {
			*end++ = 0;
			if (*end == '[' && end[strlen(end) - 1] == ']') {
				end[strlen(end) - 1] = 0;
				k->module = end + 1;
			}
		}
	}
	qsort(ctx->ksyms, ctx->nksyms, sizeof(*ctx->ksyms), ksym_cmp);
	return 0;
}

const struct ksym *ksym_by_name(const struct probe_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->nksyms; i++)
		if (!strcmp(ctx->ksyms[i].name, name))
			return &ctx->ksyms[i];
	return NULL;
}

/* The address of data symbol @name (vmlinux's, listed with CONFIG_KALLSYMS_ALL), or 0. */
unsigned long long ksym_data_addr(const struct probe_ctx *ctx, const char *name)
{
	size_t i;

	for (i = 0; i < ctx->ndata_ksyms; i++)
		if (!strcmp(ctx->data_ksyms[i].name, name))
			return ctx->data_ksyms[i].addr;
	return 0;
}

/* The symbol @addr is in: the last one at or below it. */
const struct ksym *ksym_by_addr(const struct probe_ctx *ctx, unsigned long long addr)
{
	size_t lo = 0, hi = ctx->nksyms;

	if (!ctx->nksyms || addr < ctx->ksyms[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (ctx->ksyms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ctx->ksyms[lo];
}

void symbolize(const struct probe_ctx *ctx, unsigned long long addr, char *buf, size_t len)
{
	const struct ksym *k = ksym_by_addr(ctx, addr);

	/* BPF trampolines and programs are in no symbol: the nearest one is far away. */
	if (!k || !k->addr || addr - k->addr > 0x10000)
		snprintf(buf, len, "0x%llx", addr);
	else if (k->module)
		snprintf(buf, len, "%s+0x%llx [%s]", k->name, addr - k->addr, k->module);
	else
		snprintf(buf, len, "%s+0x%llx", k->name, addr - k->addr);
}
