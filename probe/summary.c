// SPDX-License-Identifier: GPL-2.0
/* The text for a human: how the roles resolve (--list), and the run's summary on stderr. */
#include <stdio.h>
#include <string.h>

#include "lib/hist.h"
#include "probe_ctx.h"

#define SUMMARY_FRAMES	12	/* frames shown of a leak's stack */

void list_roles(const struct probe_ctx *ctx, FILE *f)
{
	int r, i;

	fprintf(f, "stack %s, attach mode %s\n", stack_names[ctx->stack], mode_names[ctx->mode]);
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		if (!ctx->opts.roles[r])
			continue;
		fprintf(f, "%-10s %s\n", role_names[r],
			role_resolved(ctx, r) ? "resolved" : "UNRESOLVED");
		for (i = 0; i < ctx->ncandidates; i++) {
			const struct candidate *c = &ctx->candidates[i];
			const char *mod = c->ksym ? c->ksym->module : NULL;

			if (c->def->role != r)
				continue;
			fprintf(f, "  %-30s %s%s%s%s\n", c->def->name,
				c->used ? "attach" : c->ksym ? "present (alternative not used)" : "missing",
				mod ? " [" : "", mod ? mod : "", mod ? "]" : "");
		}
	}
}

static void print_frames(const struct probe_ctx *ctx, FILE *f, __s64 stack_id)
{
	__u64 ips[MAX_STACK];
	char sym[320];
	int n, i;

	n = stack_frames(ctx, stack_id, ips);
	for (i = 0; i < n && i < SUMMARY_FRAMES; i++) {
		symbolize(ctx, ips[i], sym, sizeof(sym));
		fprintf(f, "      %s\n", sym);
	}
}

void print_summary(const struct probe_ctx *ctx)
{
	FILE *f = stderr;
	size_t i;
	int r;

	fprintf(f, "tcelab-probe: %s stack, %s:", stack_names[ctx->stack], mode_names[ctx->mode]);
	for (r = 0; r < TCELAB_NR_ROLES; r++)
		if (ctx->opts.roles[r])
			fprintf(f, " %s %llu", role_names[r], (unsigned long long)ctx->roles[r].calls);
	fputc('\n', f);
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		const struct tcelab_hist *h = &ctx->role_hist[r];
		struct hist_observer o;

		if (!ctx->opts.roles[r] || !h->count)
			continue;
		fprintf(f, "  %-9s n=%-7llu p50 %llu ns  p90 %llu  p99 %llu  p99.9 %llu  max %llu",
			role_names[r], (unsigned long long)h->count,
			(unsigned long long)hist_percentile(h, 0.5),
			(unsigned long long)hist_percentile(h, 0.9),
			(unsigned long long)hist_percentile(h, 0.99),
			(unsigned long long)hist_percentile(h, 0.999), (unsigned long long)h->max);
		/* The observer effect: the probes' runs nested in these calls (probe/SCHEMA.md). */
		if (!strcmp(tcelab_timings[ctx->opts.timing].unit, "ns") &&
		    hist_observer(h, ctx->roles[r].nested_runs, ns_per_run(ctx), &o))
			fprintf(f, "  probes' own %.0f%%", o.share * 100);
		fputc('\n', f);
	}
	for (r = 0; r < TCELAB_NR_OPTYPES; r++) {
		const struct tcelab_hist *h = &ctx->optype_hist[r];

		if (h->count)
			fprintf(f, "  op:%-6s n=%-7llu p50 %llu ns  p99 %llu\n", optype_names[r],
				(unsigned long long)h->count,
				(unsigned long long)hist_percentile(h, 0.5),
				(unsigned long long)hist_percentile(h, 0.99));
	}
	fprintf(f, "  ledger: %zu page(s) leaked (%llu pins), %llu double release(s) on %zu page(s)\n",
		ctx->leaks.n, (unsigned long long)ctx->leaks.count,
		(unsigned long long)ctx->doubles.count, ctx->doubles.n);
	for (i = 0; i < ctx->leaks.ngroups; i++) {
		const struct stack_group *g = &ctx->leaks.groups[i];

		fprintf(f, "  LEAK %llu page(s), pinned by:\n", (unsigned long long)g->pages);
		print_frames(ctx, f, g->stack_id);
		if (g->last_stack_id == g->stack_id)
			continue;
		fprintf(f, "    most recently pinned by:\n");
		print_frames(ctx, f, g->last_stack_id);
	}
	if (ctx->nmms || ctx->locked_drift)
		fprintf(f, "  locked_vm: drift %lld page(s) over %zu mm(s)\n",
			(long long)ctx->locked_drift, ctx->nmms);
	fprintf(f, "  self-cost: %llu runs, %.0f ns/run%s; lost events %llu\n",
		(unsigned long long)ctx->run_cnt, ns_per_run(ctx),
		ctx->stats ? "" : " (bpf_stats unavailable)", (unsigned long long)lost_total(ctx));
}
