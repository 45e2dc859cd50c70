// SPDX-License-Identifier: GPL-2.0
/* Generators: deterministic, self-consistent, clean at the end; adversarial codes checked. */
#include <stdlib.h>

#include "traces/gen.h"
#include "lib/tce_state.h"
#include "unit.h"

static struct trace_parser parser;
static struct trace_record rec;

static char *generate(const char *kind, uint64_t seed, unsigned int threads, size_t *len)
{
	struct gen_opts o = { .kind = kind, .seed = seed, .threads = threads, .ops = 3000 };
	char *text = NULL, err[256];
	FILE *f = open_memstream(&text, len);

	if (gen_trace(f, &o, err, sizeof(err)))
		printf("#   gen %s: %s\n", kind, err);
	fclose(f);
	return text;
}

struct replay {
	unsigned long records, mismatches, tids;
	size_t mapped_at_end;
};

/*
 * Parses a generated trace and replays it on the model: every record's ret= must be what the
 * book3s_64_vio.c rules give, and every GET's tce= what the table holds.
 */
static struct replay replay(const char *text, size_t len)
{
	struct replay out = { 0 };
	struct tce_windows ws;
	struct tce_model m;
	int ret;

	tce_model_init(&m);
	trace_parser_init_mem(&parser, "gen.tce", text, len);
	if (trace_read_header(&parser))
		printf("#   %s\n", parser.error);
	tce_windows_init(&ws, &parser.header);
	while ((ret = trace_next(&parser, &rec)) > 0) {
		uint64_t written;
		int64_t want = tce_expected_ret(&ws, parser.header.ram_size, &rec, &written);

		out.records++;
		out.tids |= rec.flags & TRACE_HAS_TID ? 1ul << (rec.tid & 31) : 0;
		if ((rec.flags & TRACE_HAS_RET) && rec.ret != want) {
			if (out.mismatches++ < 3)
				printf("#   gen.tce:%lu: ret %lld, the rules say %lld\n", rec.line,
				       (long long)rec.ret, (long long)want);
		}
		if (rec.op == TRACE_GET && want == H_SUCCESS) {
			const struct trace_window *w = tce_windows_find(&ws, rec.liobn);
			const struct tce_entry *e = tce_model_get(&m, rec.liobn,
								  rec.ioba >> w->page_shift);

			if (!(rec.flags & TRACE_HAS_TCE) || rec.tce != (e ? e->tce : 0))
				out.mismatches++;
		}
		tce_model_apply(&m, &ws, &rec, written, 0);
		tce_windows_apply(&ws, &rec);
	}
	if (ret < 0)
		printf("#   %s\n", parser.error);
	out.mapped_at_end = m.count;
	tce_model_free(&m);
	return out;
}

UNIT_TEST(gen_same_seed_same_bytes)
{
	static const char *const kinds[] = { "net", "storage", "ddw", "boot", "overwrite",
					     "adversarial", "mix", "errors" };
	size_t i, la, lb, lc;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char *a = generate(kinds[i], 7, 0, &la), *b = generate(kinds[i], 7, 0, &lb);
		char *c = generate(kinds[i], 8, 0, &lc);

		CHECK(la == lb && !memcmp(a, b, la));
		/* boot clears whole tables: only its spot checks depend on the seed. */
		CHECK(la != lc || memcmp(a, c, la));
		free(a);
		free(b);
		free(c);
	}
}

UNIT_TEST(gen_traces_are_consistent_and_clean_up)
{
	static const struct {
		const char *kind;
		unsigned int threads;
		unsigned long tids;
	} cases[] = {
		{ "net", 0, 0 }, { "net", 3, 0xe }, { "storage", 2, 0x6 }, { "ddw", 0, 0 },
		{ "boot", 0, 0 }, { "overwrite", 4, 0x1e }, { "adversarial", 0, 0 },
		{ "mix", 0, 0x1e }, { "errors", 0, 0 },
	};
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = generate(cases[i].kind, 1, cases[i].threads, &len);
		struct replay r = replay(text, len);

		CHECK(r.records > 10);
		CHECK_EQ(r.mismatches, 0);
		CHECK_EQ(r.tids, cases[i].tids);
		CHECK_EQ(r.mapped_at_end, 0);
		free(text);
	}
}

UNIT_TEST(gen_adversarial_has_every_case_and_its_codes)
{
	size_t len;
	char *text = generate("adversarial", 3, 0, &len);
	const char *p;
	unsigned int cases = 0, too_hard = 0, parameter = 0;

	for (p = text; (p = strstr(p, "# case ")); p++)
		cases++;
	for (p = text; (p = strstr(p, "ret=H_TOO_HARD")); p++)
		too_hard++;
	for (p = text; (p = strstr(p, "ret=H_PARAMETER")); p++)
		parameter++;
	CHECK_EQ(cases, 38);
	CHECK_EQ(too_hard, 14);
	CHECK_EQ(parameter, 18);
	/* Hand-checked against book3s_64_vio.c, independent of tce_state.c. */
	CHECK(strstr(text, "# case indirect-513-pages: npages > 512: the list must fit one 4K page\n"
			   "indirect liobn=0x80000000 ioba="));
	CHECK(strstr(text, " value=0x1 npages=4 ret=H_PARAMETER\n"));
	CHECK(strstr(text, "# case put-liobn-high-bits: the LIOBN register is 64 bits; no table has "
			   "these\nput liobn=0x180000000 "));
	CHECK(strstr(text, " npages=18446744073709551615 ret=H_PARAMETER\n"));
	free(text);
}

/*
 * The error paths, by the rules book3s_64_vio.c gives (80M of RAM, 32M window pages): the
 * last page runs past RAM, so its H_PUT_TCE and the list that ends with it fail part-way, the
 * list keeping its first two entries; the window is removed with those mapped.
 */
UNIT_TEST(gen_errors_fails_part_way)
{
	size_t len;
	char *text = generate("errors", 9, 0, &len);
	struct replay r = replay(text, len);

	CHECK_EQ(r.mismatches, 0);
	CHECK(strstr(text, "guest ram=80M "));
	CHECK(strstr(text, "ddw-create liobn=0x80000001 offset=0x800000000000000 size=128M "
			   "page_shift=25\n"));
	CHECK(strstr(text, "put liobn=0x80000001 ioba=0x800000004000000 tce=0x4000003 "
			   "ret=H_TOO_HARD\n"));
	CHECK(strstr(text, "indirect liobn=0x80000001 ioba=0x800000000000000 "
			   "tces=0x3,0x2000002,0x4000003 ret=H_TOO_HARD\n"));
	CHECK(strstr(text, "get liobn=0x80000001 ioba=0x800000002000000 tce=0x2000002 "
			   "ret=H_SUCCESS\n"));
	CHECK(strstr(text, "ioba=0x800000004000000 tce=0x0 ret=H_SUCCESS\n# the window removed "
			   "with its mappings in place\nddw-remove liobn=0x80000001\n"));
	free(text);
}

UNIT_TEST(gen_rejects_bad_options)
{
	struct gen_opts o = { .kind = "ddw", .threads = 2 };
	char err[256];

	CHECK_EQ(gen_trace(stdout, &o, err, sizeof(err)), -1);
	CHECK_STR(err, "--threads applies to net, storage and overwrite, not ddw");
	o = (struct gen_opts){ .kind = "netw" };
	CHECK_EQ(gen_trace(stdout, &o, err, sizeof(err)), -1);
	CHECK_STR(err, "unknown kind 'netw': expected one of net, storage, ddw, boot, overwrite, "
		  "adversarial, mix, errors");
	o = (struct gen_opts){ .kind = "errors", .ram_size = 96ULL << 20 };
	CHECK_EQ(gen_trace(stdout, &o, err, sizeof(err)), -1);
	CHECK_STR(err, "--ram of errors takes an odd multiple of 16M (its 32M window page must run "
		  "past the end of RAM)");
	o = (struct gen_opts){ .kind = "net", .ram_size = 100ULL << 20 };
	CHECK_EQ(gen_trace(stdout, &o, err, sizeof(err)), -1);
	CHECK_STR(err, "--ram takes a multiple of 16M (the ddw kind maps 16M pages)");
}

/* --batch N: every H_PUT_TCE_INDIRECT of storage is a list of N pages; other kinds refuse it. */
UNIT_TEST(gen_storage_fixed_batch)
{
	struct gen_opts o = { .kind = "storage", .seed = 2, .ops = 400, .batch = 512 };
	char *text = NULL, err[256] = "";
	unsigned long lists = 0, other = 0;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	CHECK_EQ(gen_trace(f, &o, err, sizeof(err)), 0);
	fclose(f);
	trace_parser_init_mem(&parser, "gen.tce", text, len);
	while (trace_next(&parser, &rec) > 0)
		if (rec.op == TRACE_INDIRECT)
			rec.npages == 512 ? lists++ : other++;
	CHECK(lists > 100);
	CHECK_EQ(other, 0);
	CHECK_EQ(replay(text, len).mismatches, 0);
	free(text);
	o.kind = "net";
	f = open_memstream(&text, &len);
	CHECK_EQ(gen_trace(f, &o, err, sizeof(err)), -1);
	fclose(f);
	CHECK(strstr(err, "--batch applies to storage") != NULL);
	free(text);
}

/*
 * The model's clears: a range whose blocks of 512 indexes count no entry returns at once, so
 * this proves the counters follow sets, overwrites and removals, and that a clear still
 * removes exactly its range, for one LIOBN, at both sizes (lookups, a pass over the table).
 */
UNIT_TEST(tce_model_clears_exactly_its_range)
{
	struct tce_model m;
	uint64_t i, left;

	tce_model_init(&m);
	for (i = 0; i < 3000; i += 7)
		CHECK_EQ(tce_model_set(&m, 0x80000000, i, i << 12 | 3, 0, i), 0);
	CHECK_EQ(tce_model_set(&m, 0x80000001, 600, 0x5003, 0, 1), 0);
	CHECK_EQ(tce_model_set(&m, 0x80000000, 700, 0x6003, 0, 2), 0);	/* overwrites */
	CHECK_EQ(tce_model_set(&m, 0x80000000, 707, 0, 0, 3), 0);	/* removes */
	CHECK_EQ(tce_model_clear(&m, 0x80000000, 3001, 512), 0);		/* nothing there */
	CHECK_EQ(m.count, 429);
	CHECK_EQ(tce_model_clear(&m, 0x80000000, 512, 512), 0);		/* 518..1022 but 707 */
	CHECK_EQ(m.count, 357);
	CHECK(tce_model_get(&m, 0x80000001, 600) != NULL);
	CHECK(!tce_model_get(&m, 0x80000000, 518) && !tce_model_get(&m, 0x80000000, 1022));
	CHECK(tce_model_get(&m, 0x80000000, 511) && tce_model_get(&m, 0x80000000, 1029));
	CHECK_EQ(tce_model_clear(&m, 0x80000000, 1029, 1), 0);
	CHECK(tce_model_get(&m, 0x80000000, 1029) == NULL);
	CHECK_EQ(tce_model_clear(&m, 0x80000000, 0, 1 << 20), 0);
	CHECK_EQ(m.count, 1);
	for (i = 0, left = 0; i < 3000; i++)
		left += tce_model_get(&m, 0x80000000, i) != NULL;
	CHECK_EQ(left, 0);
	CHECK_EQ(tce_model_set(&m, 0x80000001, 600, 0, 0, 4), 0);
	CHECK_EQ(tce_model_set(&m, 0x80000000, 5, 0x7003, 0, 5), 0);
	CHECK_EQ(tce_model_clear(&m, 0x80000000, 0, 512), 0);
	CHECK_EQ(m.count, 0);
	tce_model_free(&m);
}
