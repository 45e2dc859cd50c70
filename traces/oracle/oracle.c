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

static void report_ret(FILE *out, struct differences *ds, struct oracle_result *res,
		       const struct difference_ctx *ctx, const char *name,
		       const struct trace_record *r, int64_t got)
{
	struct difference *d = differences_match(ds, ctx, r, got);
	char a[32], b[32];

	fprintf(out, "%s:%lu: %s: expected %s, upstream gives %s", name, r->line,
		trace_op_name(r->op), code(a, sizeof(a), r->ret), code(b, sizeof(b), got));
	if (d) {
		fprintf(out, ": declared difference %s (%s)\n", d->id, ds->path);
		res->declared++;
	} else {
		fputc('\n', out);
		res->mismatches++;
	}
}

static void hcall(struct upstream_vm *vm, const struct trace_header *h,
		  const struct tce_windows *ws, struct differences *ds, FILE *out,
		  struct oracle_result *res, const char *name, const struct trace_record *r)
{
	static const enum upstream_hcall calls[] = {
		[TRACE_PUT] = UPSTREAM_H_PUT_TCE, [TRACE_INDIRECT] = UPSTREAM_H_PUT_TCE_INDIRECT,
		[TRACE_STUFF] = UPSTREAM_H_STUFF_TCE, [TRACE_GET] = UPSTREAM_H_GET_TCE,
	};
	struct difference_ctx ctx = { h, tce_windows_find(ws, r->liobn), upstream_page_shift };
	uint64_t args[4] = { r->liobn, r->ioba, r->tce, r->npages }, r4;
	const char *warning;
	int64_t got;

	if (r->op == TRACE_INDIRECT) {
		args[2] = r->flags & TRACE_HAS_LIST ? r->list_gpa : h->ram_size - SCRATCH_BYTES;
		upstream_guest_list(vm, args[2], r->tces, r->npages);
	}
	got = upstream_hcall(vm, calls[r->op], args, &r4);
	warning = upstream_warning(vm);
	if (warning) {
		fprintf(out, "%s:%lu: %s: upstream hits %s\n", name, r->line, trace_op_name(r->op),
			warning);
		res->warnings++;
	}
	if (!(r->flags & TRACE_HAS_RET)) {
		res->unchecked++;
		return;
	}
	res->checked++;
	if (got != r->ret) {
		report_ret(out, ds, res, &ctx, name, r, got);
	} else if (r->op == TRACE_GET && (r->flags & TRACE_HAS_TCE) && got == H_SUCCESS &&
		   r4 != r->tce) {
		fprintf(out, "%s:%lu: get: expected tce=%#" PRIx64 ", upstream gives tce=%#" PRIx64
			"\n", name, r->line, r->tce, r4);
		res->mismatches++;
	}
}

static void window(struct upstream_vm *vm, FILE *out, struct oracle_result *res,
		   const char *where, const struct trace_window *w)
{
	char err[256];

	if (upstream_window_create(vm, w->liobn, w->offset, w->size, w->page_shift, err,
				   sizeof(err))) {
		fprintf(out, "%s: window liobn=%#" PRIx32 ": expected it to exist, upstream: %s\n",
			where, w->liobn, err);
		res->mismatches++;
	}
}

static int run(struct trace_parser *p, struct trace_record *r, struct upstream_vm *vm,
	       struct differences *ds, FILE *out, struct oracle_result *res, const char *name)
{
	const struct trace_header *h = &p->header;
	struct tce_windows ws;
	char where[600];
	unsigned int i;
	int n;

	tce_windows_init(&ws, h);
	for (i = 0; i < h->nr_windows; i++)
		window(vm, out, res, name, &h->windows[i]);
	while ((n = trace_next(p, r)) > 0) {
		res->records++;
		switch (r->op) {
		case TRACE_DDW_CREATE:
			snprintf(where, sizeof(where), "%s:%lu: ddw-create", name, r->line);
			window(vm, out, res, where, &r->window);
			break;
		case TRACE_DDW_REMOVE:
			if (upstream_window_remove(vm, r->liobn)) {
				fprintf(out, "%s:%lu: ddw-remove: expected a window liobn=%#" PRIx64
					", upstream has none\n", name, r->line, r->liobn);
				res->mismatches++;
			}
			break;
		default:
			hcall(vm, h, &ws, ds, out, res, name, r);
			continue;
		}
		tce_windows_apply(&ws, r);
	}
	return n;
}

int oracle_check(const char *path, const char *name, struct differences *ds, FILE *out,
		 struct oracle_result *res, char *err, size_t errlen)
{
	struct trace_parser *p = malloc(sizeof(*p));
	struct trace_record *r = malloc(sizeof(*r));
	struct upstream_vm *vm = NULL;
	int fd = -1, ret = -1;
	char vmerr[256];

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
	vm = upstream_vm_new(p->header.ram_size, p->header.iommu_page_shift, vmerr, sizeof(vmerr));
	if (!vm) {
		snprintf(err, errlen, "%s: %s", name, vmerr);
		goto out;
	}
	if (run(p, r, vm, ds, out, res, name) < 0)
		snprintf(err, errlen, "%s", p->error);
	else
		ret = 0;
out:
	if (vm)
		upstream_vm_free(vm);
	if (fd >= 0)
		close(fd);
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
		"exit status: 0 no mismatch, 1 a mismatch or an upstream WARN/BUG, 2 usage error or\n"
		"a trace that cannot be read\n");
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
