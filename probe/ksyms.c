// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbols from /proc/kallsyms: the roles resolve by name, stack frames by address.
 * Only text symbols are kept: those are what probes attach to and stacks return into; a data
 * symbol is looked up on its own (the dirty check's vmemmap base).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe_ctx.h"

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms_load(struct probe_ctx *ctx)
{
	char line[512], name[256], mod[128], type;
	unsigned long long addr;
	size_t cap = 0;
	struct ksym *k;
	FILE *f;
	int n;

	f = fopen(KALLSYMS, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		mod[0] = 0;
		n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3 || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		k = grow(ctx->ksyms, ctx->nksyms, &cap, sizeof(*k), 65536);
		if (!k) {
			fclose(f);
			return -ENOMEM;
		}
		ctx->ksyms = k;
		k[ctx->nksyms++] = (struct ksym){ addr, strdup(name), mod[0] ? strdup(mod) : NULL };
	}
	fclose(f);
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

/*
 * The address of data symbol @name (vmlinux's, listed with CONFIG_KALLSYMS_ALL), or 0: the
 * table above keeps text only.
 */
unsigned long long ksym_data_addr(const char *name)
{
	char line[512], sym[256], type;
	unsigned long long addr, found = 0;
	FILE *f = fopen(KALLSYMS, "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, sym) == 3 &&
		    strchr("dDbBrR", type) && !strcmp(sym, name))
			found = addr;
	fclose(f);
	return found;
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
