// SPDX-License-Identifier: GPL-2.0
/*
 * 'tcelab oracle': each trace's records through upstream's own hypercall handlers
 * (book3s_64_vio.c compiled on the host, upstream_vm.h), each ret= and get tce= checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle.h"
#include "upstream_vm.h"
#include "lib/tce_state.h"
#include "lib/util.h"
#include "traces/traces.h"

/* Where an H_PUT_TCE_INDIRECT list without list= goes: the replayer's scratch, top of RAM. */
#define SCRATCH_BYTES	(TRACE_MAX_LIST * 8)

static const char *code(char *buf, size_t len, int64_t ret)
{
	const char *name = trace_ret_name(ret);

	if (name)
		return name;
	snprintf(buf, len, "%" PRId64, ret);
	return buf;
}

/* What one trace's check keeps. */
struct check {
	struct upstream_vm *vm;
	const struct trace_header *h;
	struct tce_windows ws;
	/*
	 * The entries written by records a declared difference applies to (entry flags: its
	 * index): there the tables may differ, and so may a get of them.
	 */
	struct tce_model diverged;
	struct differences *ds;
	FILE *out;
	struct oracle_result *res;
	const char *name;
	int oom;
};

static void report_ret(struct check *c, const struct difference_ctx *ctx,
		       const struct trace_record *r, int64_t got, const char *warning)
{
	struct difference *d = differences_match(c->ds, ctx, r,
						 warning ? DIFFERENCE_BUG : got);
	char a[32], b[32];

	if (warning)
		fprintf(c->out, "%s:%lu: %s: expected %s, upstream hits %s", c->name, r->line,
			trace_op_name(r->op), code(a, sizeof(a), r->ret), warning);
	else
		fprintf(c->out, "%s:%lu: %s: expected %s, upstream gives %s", c->name, r->line,
			trace_op_name(r->op), code(a, sizeof(a), r->ret), code(b, sizeof(b), got));
	if (d) {
		fprintf(c->out, ": declared difference %s (%s)\n", d->id, c->ds->path);
		c->res->declared++;
	} else {
		fputc('\n', c->out);
		if (warning)
			c->res->warnings++;
		else
			c->res->mismatches++;
	}
}

/* Records that the entries @r writes may now differ (@d), or agree again (NULL). */
static void track(struct check *c, const struct trace_window *w, const struct trace_record *r,
		  const struct difference *d)
{
	uint64_t first = r->ioba >> w->page_shift, n = r->op == TRACE_PUT ? 1 : r->npages, i;

	if (r->op == TRACE_GET || !n)
		return;
	if (!d) {
		c->oom |= tce_model_clear(&c->diverged, r->liobn, first, n);
		return;
	}
	for (i = 0; i < n && i < TRACE_MAX_LIST; i++)
		c->oom |= tce_model_set(&c->diverged, r->liobn, first + i, 1, d - c->ds->d,
					r->line);
}

static void check_tce(struct check *c, const struct trace_window *w,
		      const struct trace_record *r, uint64_t got)
{
	const struct tce_entry *e = tce_model_get(&c->diverged, r->liobn, r->ioba >> w->page_shift);

	fprintf(c->out, "%s:%lu: get: expected tce=%#" PRIx64 ", upstream gives tce=%#" PRIx64,
		c->name, r->line, r->tce, got);
	if (e) {
		c->ds->d[e->flags].hits++;
		fprintf(c->out, ": declared difference %s at line %lu (%s)\n",
			c->ds->d[e->flags].id, e->line, c->ds->path);
		c->res->declared++;
	} else {
		fputc('\n', c->out);
		c->res->mismatches++;
	}
}

static void hcall(struct check *c, const struct trace_record *r)
{
	static const enum upstream_hcall calls[] = {
		[TRACE_PUT] = UPSTREAM_H_PUT_TCE, [TRACE_INDIRECT] = UPSTREAM_H_PUT_TCE_INDIRECT,
		[TRACE_STUFF] = UPSTREAM_H_STUFF_TCE, [TRACE_GET] = UPSTREAM_H_GET_TCE,
	};
	const struct trace_window *w = tce_windows_find(&c->ws, r->liobn);
	struct difference_ctx ctx = { c->h, w, upstream_page_shift };
	uint64_t args[4] = { r->liobn, r->ioba, r->tce, r->npages }, r4;
	const struct difference *d;
	const char *warning;
	int64_t got;

	if (r->op == TRACE_INDIRECT) {
		args[2] = r->flags & TRACE_HAS_LIST ? r->list_gpa : c->h->ram_size - SCRATCH_BYTES;
		upstream_guest_list(c->vm, args[2], r->tces, r->npages);
	}
	got = upstream_hcall(c->vm, calls[r->op], args, &r4);
	warning = upstream_warning(c->vm);
	if (!(r->flags & TRACE_HAS_RET)) {
		c->res->unchecked++;
		if (warning) {
			fprintf(c->out, "%s:%lu: %s: upstream hits %s\n", c->name, r->line,
				trace_op_name(r->op), warning);
			c->res->warnings++;
		}
		return;
	}
	c->res->checked++;
	if (got != r->ret || warning)
		report_ret(c, &ctx, r, got, warning);
	else if (r->op == TRACE_GET && (r->flags & TRACE_HAS_TCE) && got == H_SUCCESS &&
		 r4 != r->tce)
		check_tce(c, w, r, r4);
	d = w ? differences_applies(c->ds, &ctx, r) : NULL;
	if (d || (got == H_SUCCESS && r->ret == H_SUCCESS && !warning))
		track(c, w, r, d);
}

static void window(struct check *c, const char *where, const struct trace_window *w)
{
	char err[256];

	if (upstream_window_create(c->vm, w->liobn, w->offset, w->size, w->page_shift, err,
				   sizeof(err))) {
		fprintf(c->out, "%s: window liobn=%#" PRIx32 ": expected it to exist, "
			"upstream: %s\n", where, w->liobn, err);
		c->res->mismatches++;
	}
}

static int run(struct check *c, struct trace_parser *p, struct trace_record *r)
{
	char where[600];
	unsigned int i;
	int n;

	tce_windows_init(&c->ws, c->h);
	for (i = 0; i < c->h->nr_windows; i++)
		window(c, c->name, &c->h->windows[i]);
	while ((n = trace_next(p, r)) > 0 && !c->oom) {
		c->res->records++;
		switch (r->op) {
		case TRACE_DDW_CREATE:
			snprintf(where, sizeof(where), "%s:%lu: ddw-create", c->name, r->line);
			window(c, where, &r->window);
			break;
		case TRACE_DDW_REMOVE:
			if (upstream_window_remove(c->vm, r->liobn)) {
				fprintf(c->out, "%s:%lu: ddw-remove: expected a window liobn=%#"
					PRIx64 ", upstream has none\n", c->name, r->line, r->liobn);
				c->res->mismatches++;
			}
			break;
		default:
			hcall(c, r);
			continue;
		}
		c->oom |= tce_model_clear(&c->diverged, r->liobn, 0, 0);
		tce_windows_apply(&c->ws, r);
	}
	if (c->oom) {
		snprintf(p->error, sizeof(p->error), "out of memory");
		return -1;
	}
	return n;
}

int oracle_check(const char *path, const char *name, struct differences *ds, FILE *out,
		 struct oracle_result *res, char *err, size_t errlen)
{
	struct trace_parser *p = malloc(sizeof(*p));
	struct trace_record *r = malloc(sizeof(*r));
	struct check c = { .ds = ds, .out = out, .res = res, .name = name };
	int fd = -1, ret = -1;
	char vmerr[256];

	tce_model_init(&c.diverged);
	if (!p || !r) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", name, strerror(errno));
		goto out;
	}
	trace_parser_init_fd(p, name, fd);
	if (trace_read_header(p)) {
		snprintf(err, errlen, "%s", p->error);
		goto out;
	}
	c.h = &p->header;
	c.vm = upstream_vm_new(c.h->ram_size, c.h->iommu_page_shift, vmerr, sizeof(vmerr));
	if (!c.vm) {
		snprintf(err, errlen, "%s: %s", name, vmerr);
		goto out;
	}
	if (run(&c, p, r) < 0)
		snprintf(err, errlen, "%s", p->error);
	else
		ret = 0;
out:
	if (c.vm)
		upstream_vm_free(c.vm);
	if (fd >= 0)
		close(fd);
	tce_model_free(&c.diverged);
	free(p);
	free(r);
	return ret;
}

static const char *default_differences(void)
{
	static char *path;

	if (!path)
		path = xasprintf("%s/kmod/DIFFERENCES.md", tcelab_top());
	return path;
}

static void load_differences(struct differences *ds, const char *path)
{
	char err[700];

	if (differences_load(ds, path, err, sizeof(err)))
		die("%s", err);
}

/* ", N declared differences", and with @ds, by id: " (id N, id N)". */
static void print_declared(FILE *f, const struct differences *ds, unsigned long declared)
{
	const char *sep = " (";
	unsigned int i;

	fprintf(f, ", %lu declared difference%s", declared, declared == 1 ? "" : "s");
	for (i = 0; ds && i < ds->nr; i++) {
		if (!ds->d[i].hits)
			continue;
		fprintf(f, "%s%s %lu", sep, ds->d[i].id, ds->d[i].hits);
		sep = ", ";
	}
	if (ds && declared)
		fputc(')', f);
}

static void print_source(FILE *f)
{
	fprintf(f, "upstream: arch/powerpc/kvm/book3s_64_vio.c of linux-source-6.1 %s, %uK host "
		"pages; the ppc64le guest kernel is %s\n", upstream_source_version,
		1u << (upstream_page_shift - 10), upstream_guest_kernel_version);
	if (strcmp(upstream_source_version, upstream_guest_kernel_version))
		fprintf(f, "note: the source (%s) is not the guest kernel's version (%s): the "
			"oracle answers for %s\n", upstream_source_version,
			upstream_guest_kernel_version, upstream_source_version);
}

static void print_summary(FILE *f, const char *what, const struct differences *ds,
			  const struct oracle_result *res)
{
	fprintf(f, "%s: %lu records, %lu checked against upstream, %lu mismatch%s", what,
		res->records, res->checked, res->mismatches, res->mismatches == 1 ? "" : "es");
	print_declared(f, ds, res->declared);
	if (res->warnings)
		fprintf(f, ", %lu upstream WARN/BUG", res->warnings);
	if (res->unchecked)
		fprintf(f, ", %lu without ret=", res->unchecked);
	fputc('\n', f);
}

int oracle_check_written(const char *path, const char *name)
{
	static struct differences ds;
	struct oracle_result res = { 0 };
	char err[700];

	load_differences(&ds, default_differences());
	print_source(stderr);
	if (oracle_check(path, name, &ds, stderr, &res, err, sizeof(err))) {
		fprintf(stderr, "tcelab: error: --check-upstream: %s\n", err);
		return TCELAB_EXIT_ERROR;
	}
	print_summary(stderr, name, &ds, &res);
	return res.mismatches || res.warnings ? TCELAB_EXIT_FAIL : TCELAB_EXIT_PASS;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab oracle [--differences FILE] [-q] TRACE.tce...\n"
		"\n"
		"Runs every record of each trace through upstream's own TCE hypercall handlers\n"
		"(arch/powerpc/kvm/book3s_64_vio.c of linux-source, compiled into tcelab with a\n"
		"shim: traces/oracle/README.md) and checks its ret=, and a get's tce=. A mismatch\n"
		"prints 'FILE:LINE: OP: expected X, upstream gives Y'; one that a row of the\n"
		"differences file declares is counted, not failed.\n"
		"\n"
		"  --differences FILE  the declared differences (default kmod/DIFFERENCES.md)\n"
		"  -q                  only the mismatches and the total\n"
		"\n"
		"exit status: 0 no mismatch, 1 a mismatch or an upstream WARN/BUG, 2 usage\n"
		"error or a trace that cannot be read\n");
}

int cmd_oracle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "differences", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	static struct differences ds;
	struct oracle_result total = { 0 }, res;
	const char *diff_path = NULL;
	int c, i, quiet = 0, ntraces;
	char err[700];

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			diff_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return TCELAB_EXIT_PASS;
		default:
			usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
	}
	ntraces = argc - optind;
	if (!ntraces)
		die("missing TRACE: name the .tce traces to check (see 'tcelab oracle --help')");
	load_differences(&ds, diff_path ? diff_path : default_differences());
	if (!quiet)
		print_source(stdout);
	for (i = optind; i < argc; i++) {
		memset(&res, 0, sizeof(res));
		if (oracle_check(argv[i], argv[i], &ds, stdout, &res, err, sizeof(err)))
			die("%s", err);
		if (!quiet)
			print_summary(stdout, argv[i], NULL, &res);
		total.records += res.records;
		total.checked += res.checked;
		total.unchecked += res.unchecked;
		total.mismatches += res.mismatches;
		total.declared += res.declared;
		total.warnings += res.warnings;
	}
	snprintf(err, sizeof(err), "tcelab oracle: %d trace%s", ntraces, ntraces == 1 ? "" : "s");
	print_summary(stdout, err, &ds, &total);
	return total.mismatches || total.warnings ? TCELAB_EXIT_FAIL : TCELAB_EXIT_PASS;
}
