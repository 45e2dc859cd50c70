// SPDX-License-Identifier: GPL-2.0
/*
 * The one writer of the probe document (SCHEMA_PROBE, every key in probe/SCHEMA.md), whose one
 * reader is lib/probe_doc.c. Counts are null when nothing was measured, so that a failed run
 * never reads as "0 calls".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <tcelab/schema.h>

#include "lib/hist.h"
#include "lib/json.h"
#include "probe_ctx.h"

static const char *const kind_names[] = {
	[TCELAB_K_PLAIN] = "plain",
	[TCELAB_K_TCELAB_PIN] = "tcelab_pin",
	[TCELAB_K_TCELAB_UNPIN] = "tcelab_unpin",
	[TCELAB_K_GUP_PIN] = "gup_pin",
	[TCELAB_K_UNPIN_PAGE] = "unpin_page",
	[TCELAB_K_UNPIN_PAGES] = "unpin_pages",
	[TCELAB_K_XCHG] = "xchg",
	[TCELAB_K_ACCOUNT] = "account",
	[TCELAB_K_OP] = "op",
};

static const char *const lost_names[TCELAB_NR_LOST] = {
	[TCELAB_LOST_RINGBUF] = "ringbuf_full",
	[TCELAB_LOST_LEDGER] = "ledger_full",
	[TCELAB_LOST_DOUBLE] = "double_map_full",
	[TCELAB_LOST_MM] = "mm_map_full",
	[TCELAB_LOST_FRAMES] = "frame_map_full",
	[TCELAB_LOST_DEPTH] = "too_deep",
	[TCELAB_LOST_UNBALANCED] = "unbalanced_return",
	[TCELAB_LOST_STACK] = "stack_not_recorded",
	[TCELAB_LOST_GUP_PAGES] = "gup_pages_beyond_limit",
	[TCELAB_LOST_NO_PAGE] = "pin_page_unreadable",
	[TCELAB_LOST_UNTIMED] = "untimed_migrated",
};

static const char *const effect_fields[] = {
	"entry", "old_hpa", "old_dir", "new_hpa", "new_dir", "ret", "tid", "ts",
};

#define PAGE_LIST_MAX	64	/* pages named per stack group */
/* What the latencies count (--timing). */
#define UNIT(ctx)	(tcelab_timings[(ctx)->opts.timing].unit)

static void write_count(struct json_writer *w, const struct probe_ctx *ctx, const char *key,
			__u64 n)
{
	if (ctx->measured)
		jw_u64(w, key, n);
	else
		jw_null(w, key);
}

static void write_symbol(struct json_writer *w, const struct probe_ctx *ctx,
			 const struct candidate *c)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "name", c->def->name);
	jw_bool(w, "present", c->ksym);
	jw_bool(w, "attached", c->used);
	jw_str(w, "kind", kind_names[c->def->kind]);
	jw_str(w, "module", !c->ksym ? NULL : c->ksym->module ? c->ksym->module : "vmlinux");
	if (c->def->note)
		jw_str(w, "note", c->def->note);
	if (c->used && ctx->measured) {
		const struct slot *s = &ctx->slots[c->slot];

		jw_u64(w, "count", s->count.calls);
		jw_u64(w, "ok", s->count.ok);
		jw_hist(w, "latency", &s->hist, UNIT(ctx), true);
	}
	jw_obj_end(w);
}

/*
 * The observer effect in a role's calls: the probes' own program runs inside them (nested
 * roles' entries and returns, on the call's CPU) and, where the latencies are nanoseconds and
 * bpf_stats measured a run's cost, the probes' time inside the calls and its share of their
 * latencies. Not in it: the part of the role's own entry and return programs inside its
 * interval (after the entry's clock read, before the return's).
 */
static void write_observer(struct json_writer *w, const struct probe_ctx *ctx,
			   const struct tcelab_count *n, const struct tcelab_hist *h)
{
	struct hist_observer o;
	bool known = !strcmp(UNIT(ctx), "ns") &&
		     hist_observer(h, n->nested_runs, ns_per_run(ctx), &o);

	jw_obj_begin(w, "observer");
	jw_u64(w, "nested_runs", n->nested_runs);
	jw_u64(w, "calls_other_cpu", n->runs_unknown);
	if (known) {
		jw_double(w, "ns", o.ns, 0);
		jw_double(w, "ns_per_call", o.ns_per_call, 1);
		jw_double(w, "share", o.share, 4);
	} else {
		jw_null(w, "ns");
		jw_null(w, "ns_per_call");
		jw_null(w, "share");
	}
	jw_obj_end(w);
}

/*
 * Role @r split by the phase its calls entered in, when the command marked its phases: every
 * phase with calls, so that each count adds up to the role's.
 */
static void write_phases(struct json_writer *w, const struct probe_ctx *ctx, int r)
{
	int p;

	if (!ctx->measured || !ctx->phased)
		return;
	jw_obj_begin(w, "phases");
	for (p = 0; p < TCELAB_NR_PHASES; p++) {
		const struct tcelab_count *n = &ctx->role_phase[r][p];

		if (!n->calls && !n->nested)
			continue;
		jw_obj_begin(w, tcelab_phase_name(p));
		jw_u64(w, "count", n->calls);
		jw_u64(w, "ok", n->ok);
		jw_u64(w, "nested", n->nested);
		if (r == TCELAB_ROLE_PIN || r == TCELAB_ROLE_UNPIN)
			jw_u64(w, "pages", n->pages);
		jw_hist(w, "latency", &ctx->role_phase_hist[r][p], UNIT(ctx), true);
		write_observer(w, ctx, n, &ctx->role_phase_hist[r][p]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void write_roles(struct json_writer *w, const struct probe_ctx *ctx)
{
	int r, i;

	jw_obj_begin(w, "roles");
	for (r = 0; r < TCELAB_NR_ROLES; r++) {
		const struct tcelab_count *n = &ctx->roles[r];

		if (!ctx->opts.roles[r])
			continue;
		jw_obj_begin(w, role_names[r]);
		jw_bool(w, "resolved", role_resolved(ctx, r));
		write_count(w, ctx, "count", n->calls);
		write_count(w, ctx, "ok", n->ok);
		write_count(w, ctx, "nested", n->nested);
		if (r == TCELAB_ROLE_PIN || r == TCELAB_ROLE_UNPIN)
			write_count(w, ctx, "pages", n->pages);
		if (ctx->measured) {
			jw_hist(w, "latency", &ctx->role_hist[r], UNIT(ctx), true);
			write_observer(w, ctx, n, &ctx->role_hist[r]);
		} else {
			jw_null(w, "latency");
			jw_null(w, "observer");
		}
		write_phases(w, ctx, r);
		jw_arr_begin(w, "symbols");
		for (i = 0; i < ctx->ncandidates; i++)
			if (ctx->candidates[i].def->role == r)
				write_symbol(w, ctx, &ctx->candidates[i]);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void write_op_types(struct json_writer *w, const struct probe_ctx *ctx)
{
	int i;

	jw_obj_begin(w, "op_types");
	for (i = 0; ctx->measured && i < TCELAB_NR_OPTYPES; i++)
		if (ctx->optype_hist[i].count)
			jw_hist(w, optype_names[i], &ctx->optype_hist[i], UNIT(ctx), true);
	jw_obj_end(w);
}

static void write_frames(struct json_writer *w, const struct probe_ctx *ctx, const char *key,
			 __s64 stack_id)
{
	__u64 ips[MAX_STACK];
	char sym[320];
	int n, i;

	n = stack_frames(ctx, stack_id, ips);
	jw_arr_begin(w, key);
	for (i = 0; i < n; i++) {
		symbolize(ctx, ips[i], sym, sizeof(sym));
		jw_str(w, NULL, sym);
	}
	jw_arr_end(w);
}

/* Leaks (@count_key "pins") or double releases ("releases"), by stack. */
static void write_stack_groups(struct json_writer *w, const struct probe_ctx *ctx,
			       const struct page_set *set, const char *count_key)
{
	size_t i, k;

	jw_arr_begin(w, "by_stack");
	for (i = 0; i < set->ngroups; i++) {
		const struct stack_group *g = &set->groups[i];

		jw_obj_begin(w, NULL);
		jw_s64(w, "stack_id", g->stack_id);
		jw_u64(w, "pages", g->pages);
		jw_u64(w, count_key, g->count);
		jw_u64(w, "pid", g->pid);
		jw_str(w, "symbol", g->slot < (__u32)ctx->nslots ?
		       ctx->slots[g->slot].candidate->def->name : "?");
		write_frames(w, ctx, "frames", g->stack_id);
		if (g->last_stack_id != g->stack_id) {
			jw_s64(w, "last_pin_stack_id", g->last_stack_id);
			write_frames(w, ctx, "last_pin_frames", g->last_stack_id);
		}
		jw_arr_begin(w, "page_list");
		for (k = 0; k < g->pages && k < PAGE_LIST_MAX; k++)
			jw_hex(w, NULL, set->recs[g->first + k].page);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void write_ledger(struct json_writer *w, const struct probe_ctx *ctx)
{
	if (!ctx->measured) {
		jw_null(w, "ledger");
		return;
	}
	jw_obj_begin(w, "ledger");
	jw_u64(w, "pages_tracked", ctx->ledger_entries);
	jw_obj_begin(w, "leaks");
	jw_u64(w, "pages", ctx->leaks.n);
	jw_u64(w, "pins", ctx->leaks.count);
	write_stack_groups(w, ctx, &ctx->leaks, "pins");
	jw_obj_end(w);
	jw_obj_begin(w, "double_releases");
	jw_u64(w, "pages", ctx->doubles.n);
	jw_u64(w, "count", ctx->doubles.count);
	write_stack_groups(w, ctx, &ctx->doubles, "releases");
	jw_obj_end(w);
	jw_obj_end(w);
}

/* The dirty check (probe/SCHEMA.md `dirty`): device-writable pages released, and not dirtied. */
static void write_dirty(struct json_writer *w, const struct probe_ctx *ctx)
{
	if (!ctx->measured) {
		jw_null(w, "dirty");
		return;
	}
	jw_obj_begin(w, "dirty");
	jw_bool(w, "available", ctx->vmemmap_name != NULL);
	jw_str(w, "vmemmap", ctx->vmemmap_name);
	jw_u64(w, "checked", ctx->dirty.checked);
	jw_u64(w, "not_dirtied", ctx->dirty.not_dirtied);
	jw_u64(w, "unreadable", ctx->dirty.unreadable);
	if (ctx->dirty.not_dirtied) {
		jw_hex(w, "last_page", ctx->dirty.page);
		write_frames(w, ctx, "last_frames", ctx->dirty.stack_id);
	}
	jw_obj_end(w);
}

static void write_locked_vm(struct json_writer *w, const struct probe_ctx *ctx)
{
	size_t k;

	if (!ctx->measured) {
		jw_null(w, "locked_vm");
		return;
	}
	jw_obj_begin(w, "locked_vm");
	jw_str(w, "unit", "pages");
	jw_s64(w, "drift", ctx->locked_drift);
	jw_arr_begin(w, "mms");
	for (k = 0; k < ctx->nmms; k++) {
		const struct tcelab_mm_val *v = &ctx->mms[k].v;

		jw_obj_begin(w, NULL);
		jw_hex(w, "mm", ctx->mms[k].mm);
		jw_u64(w, "pid", v->pid);
		jw_u64(w, "charged", v->charged);
		jw_u64(w, "returned", v->returned);
		jw_s64(w, "drift", (__s64)(v->charged - v->returned));
		jw_u64(w, "charge_calls", v->charge_calls);
		jw_u64(w, "return_calls", v->return_calls);
		jw_u64(w, "failed_calls", v->failed);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_effects(struct json_writer *w, const struct probe_ctx *ctx)
{
	size_t k;

	jw_obj_begin(w, "effects");
	jw_bool(w, "enabled", ctx->opts.effects);
	jw_u64(w, "records", ctx->neffects);
	jw_u64(w, "dropped", ctx->effects_dropped + ctx->lost[TCELAB_LOST_RINGBUF]);
	if (ctx->opts.effects) {
		jw_arr_begin(w, "fields");
		for (k = 0; k < sizeof(effect_fields) / sizeof(effect_fields[0]); k++)
			jw_str(w, NULL, effect_fields[k]);
		jw_arr_end(w);
		jw_arr_begin(w, "stream");
		for (k = 0; k < ctx->neffects; k++) {
			const struct tcelab_effect *e = &ctx->effects[k];

			/* In effect_fields' order. */
			jw_arr_begin(w, NULL);
			jw_u64(w, NULL, e->entry);
			jw_hex(w, NULL, e->old_hpa);
			jw_u64(w, NULL, e->old_dir);
			jw_hex(w, NULL, e->new_hpa);
			jw_u64(w, NULL, e->new_dir);
			jw_s64(w, NULL, e->ret);
			jw_u64(w, NULL, e->tid);
			jw_u64(w, NULL, e->ts);
			jw_arr_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

static void write_lost(struct json_writer *w, const struct probe_ctx *ctx)
{
	int i;

	jw_obj_begin(w, "lost");
	for (i = 0; i < TCELAB_NR_LOST; i++)
		jw_u64(w, lost_names[i], ctx->lost[i]);
	jw_u64(w, "total", lost_total(ctx));
	jw_obj_end(w);
}

static void write_overhead(struct json_writer *w, const struct probe_ctx *ctx)
{
	int i;

	jw_obj_begin(w, "overhead");
	jw_bool(w, "bpf_stats", ctx->stats);
	jw_bool(w, "jit_turned_on", ctx->jit_turned_on);
	jw_u64(w, "run_cnt", ctx->run_cnt);
	jw_u64(w, "run_time_ns", ctx->run_time_ns);
	jw_double(w, "ns_per_run", ns_per_run(ctx), 1);
	jw_u64(w, "command_wall_ns", ctx->wall_ns);
	jw_obj_begin(w, "steps_ns");
	for (i = 0; i < NR_STEPS; i++)
		jw_u64(w, step_names[i], ctx->steps_ns[i]);
	jw_obj_end(w);
	jw_arr_begin(w, "programs");
	for (i = 0; i < ctx->nprog_stats; i++) {
		const struct prog_stat *p = &ctx->prog_stats[i];

		if (!p->run_cnt)
			continue;
		jw_obj_begin(w, NULL);
		jw_str(w, "name", p->name);
		jw_u64(w, "run_cnt", p->run_cnt);
		jw_u64(w, "run_time_ns", p->run_time_ns);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_command(struct json_writer *w, const struct probe_ctx *ctx)
{
	char **arg;

	jw_obj_begin(w, "command");
	jw_arr_begin(w, "argv");
	for (arg = ctx->opts.argv; arg && *arg; arg++)
		jw_str(w, NULL, *arg);
	jw_arr_end(w);
	if (ctx->exit_status >= 0)
		jw_s64(w, "exit_status", ctx->exit_status);
	else
		jw_null(w, "exit_status");
	jw_obj_end(w);
}

int write_probe_json(const struct probe_ctx *ctx)
{
	const char *path = ctx->opts.json_path;
	struct json_writer *w = jw_open(path);
	struct utsname u;

	if (!w) {
		fprintf(stderr, "tcelab-probe: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	uname(&u);
	jw_obj_begin(w, NULL);
	jw_str(w, "schema", SCHEMA_PROBE);
	jw_str(w, "kernel", u.release);
	jw_str(w, "arch", u.machine);
	jw_str(w, "clocksource", ctx->clocksource);
	jw_str(w, "timing", tcelab_timings[ctx->opts.timing].name);
	jw_str(w, "stack", stack_names[ctx->stack]);
	jw_str(w, "attach_mode", mode_names[ctx->mode]);
	jw_bool(w, "measured", ctx->measured);
	jw_bool(w, "attach_only", ctx->opts.attach_only);
	write_roles(w, ctx);
	write_op_types(w, ctx);
	write_ledger(w, ctx);
	write_dirty(w, ctx);
	write_locked_vm(w, ctx);
	write_effects(w, ctx);
	write_lost(w, ctx);
	write_overhead(w, ctx);
	write_command(w, ctx);
	jw_str(w, "error", ctx->error[0] ? ctx->error : NULL);
	jw_obj_end(w);
	if (jw_close(w)) {
		fprintf(stderr, "tcelab-probe: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}
