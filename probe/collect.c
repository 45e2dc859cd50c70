// SPDX-License-Identifier: GPL-2.0
/*
 * What the probes recorded, read once they are detached: per-CPU counters and histograms
 * summed, the pin ledger's leaks and double releases grouped by the stack that pinned or
 * released them, locked_vm per mm, the effects ring buffer, and each program's run time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/hist.h"
#include "probe_ctx.h"
#include "probe.skel.h"

#define MAX_EFFECTS	(1 << 20)	/* effect records kept for the JSON */

/* Per-CPU values are 8-byte aligned. */
#define PCPU_SIZE(t)	((sizeof(t) + 7) & ~7UL)

/*
 * The clock behind bpf_ktime_get_ns(): with jiffies (an x86 guest whose TSC was judged
 * unstable) latencies are quantized to the tick and meaningless.
 */
void read_clocksource(struct probe_ctx *ctx)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	snprintf(ctx->clocksource, sizeof(ctx->clocksource), "unknown");
	if (f) {
		if (fgets(ctx->clocksource, sizeof(ctx->clocksource), f))
			ctx->clocksource[strcspn(ctx->clocksource, "\n")] = 0;
		fclose(f);
	}
	if (strstr(ctx->clocksource, "jiffies"))
		fprintf(stderr, "tcelab-probe: warning: clocksource is %s: latencies are only "
			"tick-accurate (x86 guests: boot with tsc=reliable)\n", ctx->clocksource);
}

/* --- counters and histograms ------------------------------------------------------------------ */

/* Entry @key of per-CPU map @fd, each CPU's copy merged into @out; @buf holds ncpus values. */
static int read_percpu(const struct probe_ctx *ctx, int fd, __u32 key, void *buf, size_t size,
		       void *out, void (*merge)(void *, const void *))
{
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, buf))
		return -errno;
	for (cpu = 0; cpu < ctx->ncpus; cpu++)
		merge(out, (char *)buf + cpu * size);
	return 0;
}

static void merge_count(void *dst, const void *src)
{
	struct tcelab_count *d = dst;
	const struct tcelab_count *s = src;

	d->calls += s->calls;
	d->ok += s->ok;
	d->nested += s->nested;
	d->pages += s->pages;
}

static void merge_hist(void *dst, const void *src)
{
	hist_merge(dst, src);
}

static void merge_u64(void *dst, const void *src)
{
	*(__u64 *)dst += *(const __u64 *)src;
}

static int read_count(const struct probe_ctx *ctx, const struct bpf_map *map, __u32 key,
		      void *buf, struct tcelab_count *out)
{
	return read_percpu(ctx, bpf_map__fd(map), key, buf, PCPU_SIZE(struct tcelab_count), out,
			   merge_count);
}

static int read_hist(const struct probe_ctx *ctx, __u32 key, void *buf, struct tcelab_hist *out)
{
	return read_percpu(ctx, bpf_map__fd(ctx->skel->maps.hists), key, buf,
			   PCPU_SIZE(struct tcelab_hist), out, merge_hist);
}

static int read_counters(struct probe_ctx *ctx)
{
	const struct probe_bpf *skel = ctx->skel;
	void *buf;
	int i, p, err = 0;

	/* The largest per-CPU value is a histogram. */
	buf = calloc(ctx->ncpus, PCPU_SIZE(struct tcelab_hist));
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < TCELAB_NR_ROLES && !err; i++)
		for (p = 0; p < TCELAB_NR_PHASES && !err; p++) {
			struct tcelab_count *n = &ctx->role_phase[i][p];
			struct tcelab_hist *h = &ctx->role_phase_hist[i][p];

			err = read_count(ctx, skel->maps.role_counts, TCELAB_ROLE_PHASE(i, p), buf,
					 n) ?:
			      read_hist(ctx, TCELAB_HIST_ROLE(i, p), buf, h);
			merge_count(&ctx->roles[i], n);
			hist_merge(&ctx->role_hist[i], h);
			if (p != TCELAB_PHASE_NONE && n->calls + n->nested)
				ctx->phased = true;
		}
	for (i = 0; i < ctx->nslots && !err; i++)
		err = read_count(ctx, skel->maps.slot_counts, i, buf, &ctx->slots[i].count) ?:
		      read_hist(ctx, TCELAB_HIST_SLOT(i), buf, &ctx->slots[i].hist);
	for (i = 0; i < TCELAB_NR_OPTYPES && !err; i++)
		err = read_hist(ctx, TCELAB_HIST_OPTYPE(i), buf, &ctx->optype_hist[i]);
	for (i = 0; i < TCELAB_NR_LOST && !err; i++)
		err = read_percpu(ctx, bpf_map__fd(skel->maps.lost), i, buf, sizeof(__u64),
				  &ctx->lost[i], merge_u64);
	free(buf);
	if (err)
		fail(ctx, "reading the probes' maps: %s", strerror(-err));
	return err;
}

__u64 lost_total(const struct probe_ctx *ctx)
{
	__u64 total = 0;
	int i;

	for (i = 0; i < TCELAB_NR_LOST; i++)
		total += ctx->lost[i];
	return total;
}

/* --- the ledger: leaks and double releases, grouped by stack ---------------------------------- */

static int add_page(struct page_set *set, struct page_rec rec)
{
	struct page_rec *recs = grow(set->recs, set->n, &set->cap, sizeof(*recs), 256);

	if (!recs)
		return -ENOMEM;
	set->recs = recs;
	recs[set->n++] = rec;
	set->count += rec.count;
	return 0;
}

static int page_cmp(const void *a, const void *b)
{
	const struct page_rec *x = a, *y = b;

	if (x->stack_id != y->stack_id)
		return x->stack_id < y->stack_id ? -1 : 1;
	if (x->last_stack_id != y->last_stack_id)
		return x->last_stack_id < y->last_stack_id ? -1 : 1;
	return x->page < y->page ? -1 : x->page > y->page;
}

/* Sort the pages by stack, and make one group of the pages of each stack. */
static int group_by_stack(struct page_set *set)
{
	struct stack_group *g = calloc(set->n ? set->n : 1, sizeof(*g));
	size_t i;

	if (!g)
		return -ENOMEM;
	qsort(set->recs, set->n, sizeof(*set->recs), page_cmp);
	for (i = 0; i < set->n; i++) {
		const struct page_rec *r = &set->recs[i];

		if (!i || r->stack_id != r[-1].stack_id || r->last_stack_id != r[-1].last_stack_id)
			g[set->ngroups++] = (struct stack_group){
				.stack_id = r->stack_id, .last_stack_id = r->last_stack_id,
				.pid = r->pid, .slot = r->slot, .first = i,
			};
		g[set->ngroups - 1].pages++;
		g[set->ngroups - 1].count += r->count;
	}
	set->groups = g;
	return 0;
}

static int read_ledger(struct probe_ctx *ctx)
{
	struct tcelab_ledger_val v;
	struct tcelab_double_val dv;
	__u64 key, *prev = NULL;
	int fd, err = 0;

	fd = bpf_map__fd(ctx->skel->maps.ledger);
	while (!err && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		ctx->ledger_entries++;
		if (v.pins > 0)
			err = add_page(&ctx->leaks, (struct page_rec){
				.page = key, .count = v.pins, .stack_id = v.stack_id,
				.last_stack_id = v.last_stack_id, .pid = v.pid, .slot = v.slot,
			});
	}
	fd = bpf_map__fd(ctx->skel->maps.doubles);
	prev = NULL;
	while (!err && !bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		/* A release has one stack: its group is by that stack alone. */
		if (!bpf_map_lookup_elem(fd, &key, &dv))
			err = add_page(&ctx->doubles, (struct page_rec){
				.page = key, .count = dv.count, .stack_id = dv.stack_id,
				.last_stack_id = dv.stack_id, .pid = dv.pid, .slot = dv.slot,
			});
	}
	return err ?: group_by_stack(&ctx->leaks) ?: group_by_stack(&ctx->doubles);
}

/*
 * A return address a kretprobe swapped for its trampoline, left in a frame's save slot: the
 * powerpc stack walk reports it as a frame of its own, which no function called.
 */
static bool kretprobe_trampoline(const struct probe_ctx *ctx, __u64 ip)
{
	const struct ksym *k = ksym_by_addr(ctx, ip);

	return k && k->addr == ip && !strcmp(k->name, "__kretprobe_trampoline");
}

int stack_frames(const struct probe_ctx *ctx, __s64 id, __u64 *ips)
{
	__u32 key = id;
	int i, n = 0;

	memset(ips, 0, MAX_STACK * sizeof(*ips));
	if (id < 0 || bpf_map_lookup_elem(bpf_map__fd(ctx->skel->maps.stacks), &key, ips))
		return 0;
	for (i = 0; i < MAX_STACK && ips[i]; i++)
		if (!kretprobe_trampoline(ctx, ips[i]))
			ips[n++] = ips[i];
	return n;
}

/* --- locked_vm -------------------------------------------------------------------------------- */

static int read_mms(struct probe_ctx *ctx)
{
	int fd = bpf_map__fd(ctx->skel->maps.mms);
	__u64 key, *prev = NULL;
	struct mm_rec *m;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		m = grow(ctx->mms, ctx->nmms, &ctx->mms_cap, sizeof(*m), 16);
		if (!m)
			return -ENOMEM;
		ctx->mms = m;
		m += ctx->nmms;
		if (bpf_map_lookup_elem(fd, &key, &m->v))
			continue;
		m->mm = key;
		ctx->locked_drift += (__s64)(m->v.charged - m->v.returned);
		ctx->nmms++;
	}
	return 0;
}

/* --- dirty pages ------------------------------------------------------------------------------ */

static int read_dirty(struct probe_ctx *ctx)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(ctx->skel->maps.dirty), &zero, &ctx->dirty)) {
		fail(ctx, "reading the probes' dirty map: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* --- effects ring buffer ---------------------------------------------------------------------- */

int collect_effect(void *ctx_ptr, void *data, size_t len)
{
	struct probe_ctx *ctx = ctx_ptr;
	struct tcelab_effect *e;

	if (len < sizeof(*e))
		return 0;
	if (ctx->neffects >= MAX_EFFECTS) {
		ctx->effects_dropped++;
		return 0;
	}
	e = grow(ctx->effects, ctx->neffects, &ctx->effects_cap, sizeof(*e), 1024);
	if (!e) {
		ctx->effects_dropped++;
		return 0;
	}
	ctx->effects = e;
	memcpy(&e[ctx->neffects++], data, sizeof(*e));
	return 0;
}

/* --- the programs' own cost ------------------------------------------------------------------- */

static void read_prog_stats(struct probe_ctx *ctx)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, ctx->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		ctx->prog_stats[ctx->nprog_stats++] = (struct prog_stat){
			bpf_program__name(prog), info.run_cnt, info.run_time_ns };
		ctx->run_cnt += info.run_cnt;
		ctx->run_time_ns += info.run_time_ns;
	}
}

double ns_per_run(const struct probe_ctx *ctx)
{
	return ctx->run_cnt ? (double)ctx->run_time_ns / ctx->run_cnt : 0.0;
}

/* After detaching: everything the probes recorded, into @ctx. */
int collect_results(struct probe_ctx *ctx)
{
	read_prog_stats(ctx);
	if (ctx->effects_rb)
		ring_buffer__consume(ctx->effects_rb);
	return read_counters(ctx) ?: read_ledger(ctx) ?: read_mms(ctx) ?: read_dirty(ctx);
}
