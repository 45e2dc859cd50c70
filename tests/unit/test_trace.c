// SPDX-License-Identifier: GPL-2.0
/* The .tce parser and writer: round trips and exact error messages. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/trace.h"
#include "unit.h"

static struct trace_parser parser;
static struct trace_record rec, back;

#define HEADER "tcetrace 1\nguest ram=2G iommu_page_shift=12\n" \
	"window liobn=0x80000000 offset=0x0 size=1G page_shift=12\n"

/* The parser's error for @text, or "" when it parses. */
static const char *parse_error(const char *text)
{
	int ret;

	trace_parser_init_mem(&parser, "t.tce", text, strlen(text));
	while ((ret = trace_next(&parser, &rec)) > 0)
		;
	return ret < 0 ? parser.error : "";
}

UNIT_TEST(trace_header_and_records_parse)
{
	const char *text = "# a comment\n" HEADER
		"window liobn=0x80000001 offset=0x800000000000000 size=0x80000000 page_shift=24\n"
		"\n"
		"put liobn=0x80000000 ioba=0x1000 tce=0x3fa0003 ret=H_SUCCESS t=1.5 tid=7\n"
		"  get liobn=0x80000000 ioba=4096 tce=0x3fa0003 ret=0   # trailing comment\n"
		"indirect liobn=0x80000000 ioba=0x2000 tces=0x1003,0x2003 list=0x7000 ret=-4\r\n"
		"stuff liobn=0x80000000 ioba=0x2000 value=0 npages=2\n";

	trace_parser_init_mem(&parser, "t.tce", text, strlen(text));
	CHECK_EQ(trace_read_header(&parser), 0);
	CHECK_EQ(parser.header.ram_size, 2ULL << 30);
	CHECK_EQ(parser.header.nr_windows, 2);
	CHECK_EQ(parser.header.windows[1].offset, 0x800000000000000ULL);
	CHECK_EQ(parser.header.windows[1].size, 0x80000000ULL);
	CHECK_EQ(parser.header.windows[1].page_shift, 24);

	CHECK_EQ(trace_next(&parser, &rec), 1);
	CHECK_EQ(rec.op, TRACE_PUT);
	CHECK_EQ(rec.line, 7);
	CHECK_EQ(rec.tce, 0x3fa0003);
	CHECK_EQ(rec.flags, TRACE_HAS_RET | TRACE_HAS_TIME | TRACE_HAS_TID);
	CHECK_EQ(rec.time_ns, 1500000000);
	CHECK_EQ(rec.tid, 7);
	CHECK_EQ(trace_next(&parser, &rec), 1);
	CHECK_EQ(rec.op, TRACE_GET);
	CHECK_EQ(rec.ioba, 0x1000);
	CHECK_EQ(rec.flags, TRACE_HAS_RET | TRACE_HAS_TCE);
	CHECK_EQ(trace_next(&parser, &rec), 1);
	CHECK_EQ(rec.op, TRACE_INDIRECT);
	CHECK_EQ(rec.npages, 2);
	CHECK_EQ(rec.tces[1], 0x2003);
	CHECK_EQ(rec.list_gpa, 0x7000);
	CHECK_EQ(rec.ret, H_PARAMETER);
	CHECK_EQ(trace_next(&parser, &rec), 1);
	CHECK_EQ(rec.op, TRACE_STUFF);
	CHECK_EQ(rec.flags, 0);
	CHECK_EQ(trace_next(&parser, &rec), 0);
}

static void fill(struct trace_record *r, enum trace_op op)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->liobn = op == TRACE_PUT ? 0x180000000ULL : 0x80000000;
	r->ioba = op < TRACE_DDW_CREATE ? 0x3000 : 0;
	r->flags = TRACE_HAS_TIME | TRACE_HAS_TID;
	r->time_ns = 12000345001ULL;
	r->tid = 4242;
	switch (op) {
	case TRACE_PUT:
		r->tce = 0x7f001003;
		r->flags |= TRACE_HAS_RET;
		r->ret = 12345;		/* a code without a name */
		break;
	case TRACE_INDIRECT:
		r->npages = TRACE_MAX_LIST;
		for (i = 0; i < r->npages; i++)
			r->tces[i] = 0x1000ULL * i | 3;
		r->flags |= TRACE_HAS_LIST | TRACE_HAS_RET;
		r->list_gpa = 0x10008;
		r->ret = H_PARAMETER;
		break;
	case TRACE_STUFF:
		r->tce = 0xdead0000;
		r->npages = UINT64_MAX;
		r->flags |= TRACE_HAS_RET;
		r->ret = H_TOO_HARD;
		break;
	case TRACE_GET:
		r->flags |= TRACE_HAS_TCE | TRACE_HAS_RET;
		r->tce = 0x5003;
		break;
	case TRACE_DDW_CREATE:
		r->window = (struct trace_window){ 0x80000000, 16, 1ULL << 59, 3ULL << 16 };
		break;
	case TRACE_DDW_REMOVE:
		break;
	}
}

static int same(const struct trace_record *a, const struct trace_record *b)
{
	return a->op == b->op && a->flags == b->flags && a->liobn == b->liobn &&
	       a->ioba == b->ioba && a->tce == b->tce &&
	       a->npages == b->npages && a->list_gpa == b->list_gpa && a->ret == b->ret &&
	       a->time_ns == b->time_ns && a->tid == b->tid &&
	       !memcmp(a->tces, b->tces, sizeof(a->tces[0]) * (a->op == TRACE_INDIRECT ?
							      a->npages : 0)) &&
	       !memcmp(&a->window, &b->window, sizeof(a->window));
}

UNIT_TEST(trace_every_record_round_trips)
{
	struct trace_header h = { 1, 3ULL << 30, 12, 1, { { 0x80000000, 12, 0, 1ULL << 30 } } };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int op;

	trace_write_header(f, &h);
	for (op = TRACE_PUT; op <= TRACE_DDW_REMOVE; op++) {
		fill(&rec, op);
		trace_write_record(f, &rec);
	}
	fclose(f);
	trace_parser_init_mem(&parser, "rt.tce", text, len);
	CHECK_EQ(trace_read_header(&parser), 0);
	CHECK_EQ(parser.header.ram_size, 3ULL << 30);
	CHECK(!memcmp(&parser.header.windows[0], &h.windows[0], sizeof(h.windows[0])));
	for (op = TRACE_PUT; op <= TRACE_DDW_REMOVE; op++) {
		fill(&rec, op);
		CHECK_EQ(trace_next(&parser, &back), 1);
		if (op == TRACE_DDW_CREATE)
			rec.liobn = rec.window.liobn;
		CHECK(same(&rec, &back));
	}
	CHECK_EQ(trace_next(&parser, &back), 0);
	CHECK(strstr(text, "put liobn=0x180000000 ioba=0x3000 tce=0x7f001003 ret=12345 "
			   "t=12.000345001 tid=4242\n") != NULL);
	CHECK(strstr(text, "ddw-create liobn=0x80000000 offset=0x800000000000000 size=192K "
			   "page_shift=16 t=") != NULL);
	free(text);
}

UNIT_TEST(trace_errors_name_file_line_and_expectation)
{
	static char long_line[TRACE_MAX_LINE + 100];
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "", "t.tce:1: expected 'tcetrace 1' as the first line, found an empty file" },
		{ "{\"json\": 1}\n", "t.tce:1: expected 'tcetrace 1' as the first line (is this a "
		  ".tce trace?), found '{\"json\":'" },
		{ "tcetrace 2\n", "t.tce:1: expected format version 1, found version 2 (a newer "
		  "tcelab wrote it?)" },
		{ "tcetrace 1\nguest ram=1G\n", "t.tce:2: expected 'iommu_page_shift=NUMBER', found "
		  "end of line" },
		{ "tcetrace 1\nguest ram=1X iommu_page_shift=12\n", "t.tce:2: ram: expected a size "
		  "(0x40000000, 1073741824 or 1G), found 'X'" },
		{ "tcetrace 1\nguest ram=1G iommu_page_shift=16\n"
		  "window liobn=0x1 offset=0 size=1G page_shift=12\n", "t.tce:3: page_shift: "
		  "expected at least the header's iommu_page_shift=16, found 12" },
		{ "tcetrace 1\nguest ram=1G iommu_page_shift=12\n"
		  "window liobn=0x100000000 offset=0 size=1G page_shift=12\n", "t.tce:3: liobn: "
		  "expected a 32-bit LIOBN for a window, found 0x100000000" },
		{ HEADER "window liobn=0x80000000 offset=0 size=1G page_shift=12\n",
		  "t.tce:4: expected one window per LIOBN, found 0x80000000 again" },
		{ HEADER "put liobn=0x80000000 ioba=0x1000\n", "t.tce:4: expected 'tce=NUMBER', "
		  "found end of line" },
		{ HEADER "put liobn=0x80000000 iova=0x1000 tce=0x3\n", "t.tce:4: expected "
		  "'ioba=NUMBER', found 'iova=0x1000'" },
		{ HEADER "put liobn=0x80000000 ioba=0x10000000000000000 tce=3\n", "t.tce:4: ioba: "
		  "expected a 64-bit number (0x1f or 31), found '0x10000000000000000'" },
		{ HEADER "put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=H_OOPS\n", "t.tce:4: ret: "
		  "expected a return code (H_SUCCESS, H_PARAMETER, -4, ...), found 'H_OOPS'" },
		{ HEADER "put liobn=0x80000000 ioba=0x1000 tce=0x3 ret=0 ret=0\n", "t.tce:4: ret: "
		  "expected once per record, found twice" },
		{ HEADER "put liobn=0x80000000 ioba=0x1000 tce=0x3 list=0x1000\n", "t.tce:4: put: "
		  "expected ret=, t=, tid= or the end of the line, found 'list=0x1000'" },
		{ HEADER "get liobn=0 ioba=0 t=1.\n", "t.tce:4: t: expected seconds like 12.000345, "
		  "found end of line" },
		{ HEADER "indirect liobn=0 ioba=0 tces=0x1,,0x2\n", "t.tce:4: tces: expected a "
		  "comma-separated list of TCEs, found ',0x2'" },
		{ HEADER "ddw-create liobn=0x2 offset=0x1000 size=0x3000 page_shift=12\n"
		  "ddw-create liobn=0x3 offset=0x1000 size=0x1800 page_shift=13\n",
		  "t.tce:5: expected offset= and a non-zero size= that are multiples of the page "
		  "size (0x2000)" },
		{ HEADER "ddw-remove liobn=0x2 ret=0\n", "t.tce:4: ddw-remove: expected only t= and "
		  "tid= after liobn=" },
		{ HEADER "put liobn=0 ioba=0 tce=0\nwindow liobn=0x1 offset=0 size=1G page_shift=12\n",
		  "t.tce:5: expected a record: 'window' lines belong in the header, before the "
		  "first record" },
		{ HEADER "map liobn=0\n", "t.tce:4: expected a record (put, indirect, stuff, get, "
		  "ddw-create, ddw-remove), found 'map'" },
	};
	char *text;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(parse_error(cases[i].text), cases[i].error);

	/* A line longer than the limit, and a list longer than TRACE_MAX_LIST. */
	memset(long_line, 'x', sizeof(long_line) - 1);
	text = malloc(sizeof(HEADER) + sizeof(long_line));
	sprintf(text, "%s%s\n", HEADER, long_line);
	CHECK_STR(parse_error(text), "t.tce:4: expected a line of at most 32768 bytes");
	free(text);
	text = malloc(sizeof(HEADER) + 64 + 4 * (TRACE_MAX_LIST + 1));
	i = sprintf(text, "%sindirect liobn=0 ioba=0 tces=0x1", HEADER);
	for (size_t n = 0; n < TRACE_MAX_LIST; n++)
		i += sprintf(text + i, ",0x1");
	CHECK_STR(parse_error(text), "t.tce:4: tces: expected at most 1024 TCEs");
	free(text);
}

UNIT_TEST(trace_reads_from_a_descriptor_in_pieces)
{
	char path[] = "/tmp/tcelab-trace-XXXXXX";
	int fd = mkstemp(path), n = 0, ret;
	FILE *f = fdopen(fd, "w");

	fputs(HEADER, f);
	/* Enough lines to refill the 64K buffer many times. */
	for (n = 0; n < 20000; n++)
		fprintf(f, "put liobn=0x80000000 ioba=0x%x tce=0x%x003 ret=H_SUCCESS\n", n << 12, n);
	fclose(f);
	fd = open(path, O_RDONLY);
	trace_parser_init_fd(&parser, path, fd);
	for (n = 0; (ret = trace_next(&parser, &rec)) > 0; n++)
		CHECK_EQ(rec.ioba, (uint64_t)n << 12);
	CHECK_EQ(ret, 0);
	CHECK_EQ(n, 20000);
	close(fd);
	unlink(path);
}
