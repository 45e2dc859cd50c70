// SPDX-License-Identifier: GPL-2.0
/* 'tcelab import' and 'tcelab gen': command lines around import_qemu.c and gen.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces.h"
#include "gen.h"
#include "import_qemu.h"
#include "lib/util.h"
#include "traces/oracle/oracle.h"

/* A trace being written: a temporary file renamed into place only once it is complete. */
struct output {
	const char *path;		/* "-": stdout */
	char *tmp;
	FILE *f;
};

static void output_open(struct output *out, const char *path)
{
	int fd;

	out->path = path;
	out->tmp = NULL;
	if (!strcmp(path, "-")) {
		out->f = stdout;
		return;
	}
	out->tmp = xasprintf("%s.tmp.XXXXXX", path);
	fd = mkstemp(out->tmp);
	if (fd < 0 || !(out->f = fdopen(fd, "w")))
		die("cannot create %s: %s (does its directory exist?)", out->tmp, strerror(errno));
}

static void output_abort(struct output *out)
{
	if (out->tmp) {
		fclose(out->f);
		unlink(out->tmp);
		free(out->tmp);
	}
}

/*
 * --check-upstream: the complete trace, still under its temporary name, through the oracle.
 * TCELAB_EXIT_PASS, or the status to exit with (the trace is not written).
 */
static int output_check(struct output *out)
{
	int status;

	if (fflush(out->f))
		die("cannot write %s: %s", out->tmp, strerror(errno));
	status = oracle_check_written(out->tmp, out->path);
	if (status != TCELAB_EXIT_PASS) {
		output_abort(out);
		fprintf(stderr, "tcelab: %s not written: %s\n", out->path,
			status == TCELAB_EXIT_FAIL ? "upstream disagrees with it" :
			"it could not be checked");
	}
	return status;
}

static void check_output_arg(const char *path, int check)
{
	if (check && !strcmp(path, "-"))
		die("--check-upstream checks the file it writes: give -o FILE, not stdout");
}

static void output_commit(struct output *out)
{
	if (!out->tmp) {
		if (fflush(stdout))
			die("cannot write to stdout: %s", strerror(errno));
		return;
	}
	if (fclose(out->f) || rename(out->tmp, out->path)) {
		int saved = errno;

		unlink(out->tmp);
		die("cannot write %s: %s", out->path, strerror(saved));
	}
	free(out->tmp);
}

static uint64_t number_arg(const char *opt, const char *arg, uint64_t max)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v > max)
		die("%s takes a number up to %" PRIu64 ", not '%s'", opt, max, arg);
	return v;
}

static uint64_t size_arg(const char *opt, const char *arg)
{
	uint64_t size;

	if (trace_parse_size(arg, &size) || !size || (size & 0xfff))
		die("%s takes a size in whole 4K pages such as 2G, 512M or 0x80000000, not '%s'", opt,
		    arg);
	return size;
}

/* LIOBN:OFFSET:SIZE:SHIFT */
static void window_arg(struct import_opts *o, const char *arg)
{
	struct trace_window *w = &o->windows[o->nr_windows];
	char *copy = xasprintf("%s", arg), *field[4], *save = NULL;
	int i;

	if (o->nr_windows == TRACE_MAX_WINDOWS)
		die("--window: at most %d windows", TRACE_MAX_WINDOWS);
	for (i = 0; i < 4; i++)
		if (!(field[i] = strtok_r(i ? NULL : copy, ":", &save)))
			die("--window takes LIOBN:OFFSET:SIZE:PAGE_SHIFT such as "
			    "0x80000000:0:1G:12, not '%s'", arg);
	if (strtok_r(NULL, ":", &save))
		die("--window takes four fields, LIOBN:OFFSET:SIZE:PAGE_SHIFT, not '%s'", arg);
	w->liobn = number_arg("--window LIOBN", field[0], UINT32_MAX);
	w->offset = number_arg("--window OFFSET", field[1], UINT64_MAX);
	w->size = size_arg("--window SIZE", field[2]);
	w->page_shift = number_arg("--window PAGE_SHIFT", field[3], TRACE_MAX_PAGE_SHIFT);
	if (w->page_shift < TRACE_MIN_PAGE_SHIFT || (w->size | w->offset) &
	    ((1ULL << w->page_shift) - 1))
		die("--window %s: the page shift must be %d..%d and OFFSET and SIZE whole pages",
		    arg, TRACE_MIN_PAGE_SHIFT, TRACE_MAX_PAGE_SHIFT);
	o->nr_windows++;
	free(copy);
}

static void import_usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab import qemu [--ram SIZE] [--window LIOBN:OFFSET:SIZE:SHIFT]...\n"
		"                          [--iommu-page-shift N] [--check-upstream]\n"
		"                          -o TRACE.tce LOG...\n"
		"\n"
		"Converts QEMU 7.2 '-trace spapr_iommu_*' log output (the log backend, with or\n"
		"without '-msg timestamp=on') into a .tce trace (traces/FORMAT.md). The logs are\n"
		"read in the order given. QEMU does not trace everything a replay needs: what the\n"
		"importer had to assume is printed on stderr and kept as '# assume:' lines in the\n"
		"trace, and spapr_iommu_xlate and H_GET_TCE events, when present, check it\n"
		"('# check:' lines). See traces/README.md for recording a log.\n"
		"\n"
		"  -o FILE      the trace to write ('-': stdout); written only when complete\n"
		"  --ram SIZE   guest RAM (default: from the highest guest address the log maps)\n"
		"  --window LIOBN:OFFSET:SIZE:SHIFT\n"
		"               a window that exists when the log starts (default: QEMU's 32-bit\n"
		"               window 0:1G:12 for PCI LIOBNs, a guess from the log for others)\n"
		"  --iommu-page-shift N\n"
		"               host IOMMU page size for the replay (default 12)\n"
		"  --check-upstream\n"
		"               run the trace through upstream's own hypercall code before\n"
		"               writing it ('tcelab oracle'): exit 1 and no trace on a mismatch\n");
}

void import_opt_apply(struct import_opts *o, const char *name, const char *value)
{
	if (!strcmp(name, "ram")) {
		o->ram_size = size_arg("--ram", value);
	} else if (!strcmp(name, "window")) {
		window_arg(o, value);
	} else if (!strcmp(name, "iommu-page-shift")) {
		o->iommu_page_shift = number_arg("--iommu-page-shift", value, 40);
		if (o->iommu_page_shift < TRACE_MIN_PAGE_SHIFT)
			die("--iommu-page-shift takes 12 to 40, not '%s'", value);
	} else {
		die("no import option '%s' (ram, window, iommu-page-shift: 'tcelab import --help')",
		    name);
	}
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "ram", required_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "iommu-page-shift", required_argument, NULL, 'i' },
		{ "check-upstream", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct import_opts o = { 0 };
	struct import_input *in;
	const char *path = NULL;
	struct output out;
	char err[1024];
	int c, i, n, check = 0, status = TCELAB_EXIT_PASS;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 'r':
			import_opt_apply(&o, "ram", optarg);
			break;
		case 'w':
			import_opt_apply(&o, "window", optarg);
			break;
		case 'i':
			import_opt_apply(&o, "iommu-page-shift", optarg);
			break;
		case 'u':
			check = 1;
			break;
		case 'h':
			import_usage(stdout);
			return 0;
		default:
			import_usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
	}
	if (optind == argc)
		die("missing the log format: 'tcelab import qemu -o TRACE.tce LOG...' "
		    "(see 'tcelab import --help')");
	if (strcmp(argv[optind], "qemu"))
		die("cannot import '%s' logs: only 'qemu' (QEMU -trace spapr_iommu_* output)",
		    argv[optind]);
	n = argc - ++optind;
	if (!n)
		die("missing LOG: name the QEMU trace log(s) to import");
	if (!path)
		die("missing -o TRACE.tce: the trace file to write");
	check_output_arg(path, check);
	in = calloc(n, sizeof(*in));
	if (!in)
		die("out of memory");
	for (i = 0; i < n; i++)
		in[i].name = argv[optind + i];

	output_open(&out, path);
	if (import_qemu(in, n, &o, out.f, stderr, err, sizeof(err))) {
		output_abort(&out);
		die("%s", err);
	}
	if (check)
		status = output_check(&out);
	if (status == TCELAB_EXIT_PASS)
		output_commit(&out);
	free(in);
	return status;
}

static void gen_usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab gen KIND [--seed N] [--ops N] [--ram SIZE] [--threads N] [--batch N]\n"
		"                       [--iommu-page-shift N] [--check-upstream] -o TRACE.tce\n"
		"\n"
		"Writes a synthetic .tce trace (traces/FORMAT.md) in which every hypercall carries\n"
		"the return code the in-kernel path (book3s_64_vio.c) gives it. The same options\n"
		"always give the same bytes.\n"
		"\n"
		"kinds:\n%s"
		"\n"
		"  -o FILE      the trace to write ('-': stdout); written only when complete\n"
		"  --seed N     random seed (default 1)\n"
		"  --ops N      records to aim for (default: per kind)\n"
		"  --ram SIZE   guest RAM, a multiple of 16M (default 1G)\n"
		"  --threads N  net, storage, overwrite: N streams with their own tid and entries\n"
		"  --batch N    storage: every H_PUT_TCE_INDIRECT of N pages (default 2..512)\n"
		"  --iommu-page-shift N\n"
		"               host IOMMU page size for the replay (12, the default)\n"
		"  --check-upstream\n"
		"               run the trace through upstream's own hypercall code before\n"
		"               writing it ('tcelab oracle'): exit 1 and no trace on a mismatch\n",
		gen_kind_help());
}

int cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "ram", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'b' },
		{ "iommu-page-shift", required_argument, NULL, 'i' },
		{ "check-upstream", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct gen_opts o = { .seed = 1 };
	const char *path = NULL;
	struct output out;
	char err[512];
	int c, check = 0, status = TCELAB_EXIT_PASS;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case 's':
			o.seed = number_arg("--seed", optarg, UINT64_MAX);
			break;
		case 'n':
			o.ops = number_arg("--ops", optarg, 1ULL << 40);
			break;
		case 'r':
			o.ram_size = size_arg("--ram", optarg);
			break;
		case 't':
			o.threads = number_arg("--threads", optarg, 64);
			break;
		case 'b':
			o.batch = number_arg("--batch", optarg, 512);
			break;
		case 'i':
			o.iommu_page_shift = number_arg("--iommu-page-shift", optarg, 40);
			break;
		case 'u':
			check = 1;
			break;
		case 'h':
			gen_usage(stdout);
			return 0;
		default:
			gen_usage(stderr);
			return TCELAB_EXIT_ERROR;
		}
	}
	if (optind == argc)
		die("missing KIND: one of %s (see 'tcelab gen --help')", gen_kind_names());
	if (optind + 1 < argc)
		die("unexpected argument '%s' (see 'tcelab gen --help')", argv[optind + 1]);
	if (!path)
		die("missing -o TRACE.tce: the trace file to write");
	check_output_arg(path, check);
	o.kind = argv[optind];

	output_open(&out, path);
	if (gen_trace(out.f, &o, err, sizeof(err))) {
		output_abort(&out);
		die("%s", err);
	}
	if (check)
		status = output_check(&out);
	if (status == TCELAB_EXIT_PASS)
		output_commit(&out);
	return status;
}
