// SPDX-License-Identifier: GPL-2.0
/* QEMU importer on the synthetic logs in traces/testdata and the recorded ones. */
#include <stdlib.h>

#include "traces/import_qemu.h"
#include "lib/util.h"
#include "unit.h"

static struct trace_parser parser;
static struct trace_record rec;

/* The trace imported from @paths, or NULL with the error in @err. */
static char *import(const char *const *paths, unsigned int n, const struct import_opts *o,
		    char *err, size_t errlen)
{
	struct import_input in[4];
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		in[i] = (struct import_input){ .name = paths[i] };
	ret = import_qemu(in, n, o, f, NULL, err, errlen);
	fclose(f);
	if (!ret)
		return text;
	free(text);
	return NULL;
}

/* Records of @text, one per line without t= and tid=, into @out. */
static void records(const char *text, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = 0;
	trace_parser_init_mem(&parser, "imported.tce", text, strlen(text));
	while (trace_next(&parser, &rec) > 0 && n < outlen - 1) {
		char *line = NULL;
		size_t len;
		FILE *f = open_memstream(&line, &len);

		rec.flags &= ~(TRACE_HAS_TIME | TRACE_HAS_TID);
		trace_write_record(f, &rec);
		fclose(f);
		n += snprintf(out + n, outlen - n, "%s", line);
		free(line);
	}
	if (parser.error[0])
		printf("#   %s\n", parser.error);
}

UNIT_TEST(import_qemu_rebuilds_what_qemu_leaves_out)
{
	static const char *const log[] = { "traces/testdata/qemu-e1000.log" };
	static const struct import_opts o;
	char err[512], *got = malloc(65536), *text = import(log, 1, &o, err, sizeof(err));
	const char *tail;

	CHECK(text != NULL);
	if (!text)
		return;
	records(text, got, 65536);
	CHECK_STR(parser.error, "");
	CHECK_EQ(parser.header.ram_size, 1ULL << 30);
	CHECK_EQ(parser.header.nr_windows, 1);
	CHECK_EQ(parser.header.windows[0].size, 1ULL << 30);
	/* The DDW indirect: 64 pages of 16M; cut it from the comparison. */
	tail = strstr(got, "ddw-create");
	CHECK(tail != NULL);
	CHECK(strstr(got, "indirect liobn=0x80000001 ioba=0x800000000000000 tces=0x3,0x1000003,"
			  "0x2000003,") != NULL);
	CHECK(strstr(got, ",0x3e000003,0x3f000003 list=0x7f50000 ret=H_SUCCESS\n") != NULL);
	CHECK(!strncmp(got,
		"stuff liobn=0x80000000 ioba=0x0 value=0x0 npages=512 ret=H_SUCCESS\n"
		"put liobn=0x80000000 ioba=0x1000 tce=0x3fa0003 ret=H_SUCCESS\n"
		"indirect liobn=0x80000000 ioba=0x10000 tces=0x2100003,0x2101003,0x2102003,"
		"0x2103003,0x2104003,0x2105003,0x2106003,0x2107003 list=0x7f4e000 ret=H_SUCCESS\n"
		"stuff liobn=0x80000000 ioba=0x10000 value=0x0 npages=8 ret=H_SUCCESS\n"
		"get liobn=0x80000000 ioba=0x1000 tce=0x3fa0003 ret=H_SUCCESS\n"
		"put liobn=0x80000042 ioba=0x1234 tce=0x3fa0003 ret=H_TOO_HARD\n"
		"put liobn=0x80000000 ioba=0x40000000 tce=0x3fa0003 ret=H_PARAMETER\n"
		"indirect liobn=0x80000000 ioba=0x3fffe000 tces=0x5000003,0x5001003,0x5002003 "
		"list=0x7f4e000 ret=H_PARAMETER\n"
		"stuff liobn=0x80000000 ioba=0x5000 value=0x0 npages=0 ret=H_SUCCESS\n"
		"ddw-create liobn=0x80000001 offset=0x800000000000000 size=1G page_shift=24\n",
		tail - got + strlen("ddw-create liobn=0x80000001 offset=0x800000000000000 size=1G "
				    "page_shift=24\n")));
	CHECK(strstr(got, "ret=H_SUCCESS\n"
		"ddw-remove liobn=0x80000001\n"
		"ddw-remove liobn=0x80000000\n"
		"ddw-create liobn=0x80000000 offset=0x0 size=1G page_shift=12\n"
		"get liobn=0x80000000 ioba=0x1000 tce=0x0 ret=H_SUCCESS\n") != NULL);
	/* Timestamps count from the first event; tids are QEMU's thread ids. */
	CHECK(strstr(text, "\nput liobn=0x80000000 ioba=0x1000 tce=0x3fa0003 ret=H_SUCCESS "
			   "t=0.199900000 tid=4712\n") != NULL);
	/* Every assumption and check is in the header. */
	CHECK(strstr(text, "# assume: LIOBN 0x80000000 is PHB 0's default 32-bit window") != NULL);
	CHECK(strstr(text, "# assume: LIOBN 0x80000042 has no window") != NULL);
	CHECK(strstr(text, "# assume: 3 H_PUT_TCE_INDIRECT lists rebuilt as physically contiguous") != NULL);
	CHECK(strstr(text, "# assume: 2 H_STUFF_TCE starts are the traced ioba minus npages pages") != NULL);
	CHECK(strstr(text, "# assume: 1 calls failed part way in QEMU") != NULL);
	CHECK(strstr(text, "# check: 2 calls get a different return code from the kernel than "
			   "QEMU gave (ret= is the kernel's): traces/testdata/qemu-e1000.log:12, "
			   "traces/testdata/qemu-e1000.log:15\n") != NULL);
	CHECK(strstr(text, "# check: spapr_iommu_xlate: 5 translations agree with the trace (2 "
			   "through rebuilt entries), 0 disagree\n") != NULL);
	free(text);
	free(got);
}

UNIT_TEST(import_qemu_matches_the_golden_trace)
{
	static const char *const log[] = { "traces/testdata/qemu-e1000.log" };
	static const struct import_opts o;
	char err[512], *text = import(log, 1, &o, err, sizeof(err));
	char *golden = read_file("traces/testdata/qemu-e1000.tce", NULL);

	CHECK(text && golden);
	if (text && golden)
		CHECK_STR(text, golden);
	free(text);
	free(golden);
}

UNIT_TEST(import_qemu_flags_what_xlate_contradicts)
{
	static const char *const log[] = { "traces/testdata/qemu-mismatch.log" };
	static const struct import_opts o;
	char err[512], *text = import(log, 1, &o, err, sizeof(err));

	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(strstr(text, "# check: spapr_iommu_xlate: 1 translations agree with the trace (0 "
			   "through rebuilt entries), 1 disagree: "
			   "traces/testdata/qemu-mismatch.log:2\n") != NULL);
	CHECK(strstr(text, "# check: H_GET_TCE: 0 results agree with the trace, 1 disagree: "
			   "traces/testdata/qemu-mismatch.log:4\n") != NULL);
	free(text);
}

UNIT_TEST(import_qemu_options_and_plain_lines)
{
	static const char *const log[] = { "traces/testdata/qemu-noprefix.log" };
	struct import_opts o = { .ram_size = 2ULL << 30, .nr_windows = 1,
				 .windows = { { 0x71000003, 12, 0, 256ULL << 20 } } };
	char err[512], *got = malloc(4096), *text = import(log, 1, &o, err, sizeof(err));

	CHECK(text != NULL);
	if (!text)
		return;
	records(text, got, 4096);
	CHECK_EQ(parser.header.ram_size, 2ULL << 30);
	CHECK_EQ(parser.header.nr_windows, 2);
	CHECK_EQ(parser.header.windows[1].size, 256ULL << 20);
	CHECK(strstr(text, "# assume: guest RAM") == NULL);
	CHECK(strstr(text, " t=") == NULL);
	CHECK_STR(got,
		"put liobn=0x80000000 ioba=0x2000 tce=0x1234001 ret=H_SUCCESS\n"
		"indirect liobn=0x80000000 ioba=0x4000 tces=0x2000003,0x2001003,0x2002003,0x2003003 "
		"list=0x100000 ret=H_SUCCESS\n"
		"stuff liobn=0x80000000 ioba=0x4000 value=0x0 npages=4 ret=H_SUCCESS\n"
		"put liobn=0x71000003 ioba=0x3000 tce=0x5555003 ret=H_SUCCESS\n"
		"get liobn=0x71000003 ioba=0x3000 tce=0x5555003 ret=H_SUCCESS\n");
	free(text);
	free(got);
}

UNIT_TEST(import_qemu_rejects_malformed_events)
{
	static const char *const bad[] = { "traces/testdata/qemu-noprefix.log",
					   "traces/testdata/qemu-bad.log" };
	static const char *const missing[] = { "traces/testdata/no-such.log" };
	static const struct import_opts o;
	char err[512];

	CHECK(import(bad, 2, &o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "traces/testdata/qemu-bad.log:2: spapr_iommu_pci_put: expected "
		  "'liobn=0x%x ioba=0x%x tce=0x%x ret=%d' (QEMU 7.2's format), found "
		  "'iova=0x2000 tce=0x1234001 ret=0' at column 38");
	CHECK(import(missing, 1, &o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "cannot read traces/testdata/no-such.log: No such file or directory");
}

/* A console log, or a QEMU log without -trace 'spapr_iommu_*': an error, not an empty trace. */
UNIT_TEST(import_qemu_refuses_a_log_without_events)
{
	static const char *const console[] = { "traces/testdata/recorded/README.md" };
	static const struct import_opts o;
	char err[512];

	CHECK(import(console, 1, &o, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "no spapr_iommu_* event in traces/testdata/recorded/README.md (") == err);
	CHECK(strstr(err, "not a QEMU log recorded with -trace 'spapr_iommu_*'"));
}

UNIT_TEST(import_qemu_recorded_traces_check_out)
{
	static const char *const logs[] = {
		"traces/testdata/recorded/pseries-e1000-nvme-ddw.log",
		"traces/testdata/recorded/pseries-e1000-nvme-noddw.log",
	};
	static const struct import_opts o = { .ram_size = 2ULL << 30 };
	char err[512], *text;
	size_t i;

	for (i = 0; i < 2; i++) {
		text = import(&logs[i], 1, &o, err, sizeof(err));
		CHECK(text != NULL);
		if (!text)
			continue;
		/* Every translation QEMU made agrees with the rebuilt lists. */
		CHECK(strstr(text, " disagree\n") != NULL && !strstr(text, "disagree:"));
		CHECK(strstr(text, "calls get a different return code") == NULL);
		free(text);
	}
}

/* Events QEMU 7.2 does not have are skipped and counted once each, from a log in memory. */
UNIT_TEST(import_qemu_counts_unknown_events_once)
{
	static const char log[] =
		"spapr_iommu_pci_put liobn=0x80000000 ioba=0x2000 tce=0x1234001 ret=0\n"
		"spapr_iommu_frobnicate liobn=0x80000000\n"
		"spapr_iommu_zap\r\n"
		"spapr_iommu_pci_get liobn=0x80000000 ioba=0x2000 ret=0 tce=0x1234001";
	struct import_input in = { .name = "unknown.log", .data = log, .len = sizeof(log) - 1 };
	static const struct import_opts o;
	char err[512], *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	CHECK_EQ(import_qemu(&in, 1, &o, f, NULL, err, sizeof(err)), 0);
	fclose(f);
	CHECK(strstr(text, "# check: 2 spapr_iommu events unknown to QEMU 7.2's formats were "
			   "skipped\n") != NULL);
	CHECK(strstr(text, "# check: H_GET_TCE: 1 results agree with the trace, 0 disagree\n"));
	free(text);
}
