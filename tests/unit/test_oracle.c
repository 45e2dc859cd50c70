// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall oracle (traces/oracle/): upstream's own handlers against traces with right and
 * wrong ret=, the rules of lib/tce_state.c where they meet the end of guest RAM, declared
 * differences and kmod/DIFFERENCES.md's table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "lib/tce_state.h"
#include "lib/util.h"
#include "traces/oracle/oracle.h"

static const char legal_and_illegal[] =
	"tcetrace 1\n"
	"guest ram=256M iommu_page_shift=12\n"
	"window liobn=0x80000000 offset=0x0 size=1G page_shift=12\n"
	"put liobn=0x80000000 ioba=0x1000 tce=0x3fa0003 ret=H_SUCCESS\n"
	"get liobn=0x80000000 ioba=0x1000 tce=0x3fa0003 ret=H_SUCCESS\n"
	"put liobn=0x80000000 ioba=0x1800 tce=0x3fa0003 ret=H_PARAMETER\n"
	"put liobn=0x80000042 ioba=0x1000 tce=0x3fa0003 ret=H_TOO_HARD\n"
	"put liobn=0x80000000 ioba=0x2000 tce=0x10000003 ret=H_TOO_HARD\n"
	"indirect liobn=0x80000000 ioba=0x10000 tces=0x2100003,0x2101003 ret=H_SUCCESS\n"
	"stuff liobn=0x80000000 ioba=0x10000 value=0x0 npages=2 ret=H_SUCCESS\n"
	"stuff liobn=0x80000000 ioba=0x10000 value=0x1 npages=2 ret=H_PARAMETER\n"
	"get liobn=0x80000000 ioba=0x10000 tce=0x0 ret=H_SUCCESS\n"
	"ddw-create liobn=0x80000001 offset=0x800000000000000 size=256M page_shift=24\n"
	"put liobn=0x80000001 ioba=0x800000000000000 tce=0x3 ret=H_SUCCESS\n"
	"ddw-remove liobn=0x80000001\n"
	"put liobn=0x80000001 ioba=0x800000000000000 tce=0x3 ret=H_TOO_HARD\n";

/* Entries without R/W bits in lists: the declared differences (kmod/DIFFERENCES.md). */
static const char none_entries[] =
	"tcetrace 1\n"
	"guest ram=256M iommu_page_shift=12\n"
	"window liobn=0x80000000 offset=0x0 size=1G page_shift=12\n"
	"indirect liobn=0x80000000 ioba=0x20000 tces=0x1000003,0x20000000,0x2000003 ret=H_SUCCESS\n"
	"get liobn=0x80000000 ioba=0x22000 tce=0x2000003 ret=H_SUCCESS\n"
	"get liobn=0x80000000 ioba=0x20000 tce=0x1000003 ret=H_SUCCESS\n"
	"indirect liobn=0x80000000 ioba=0x30000 tces=0x1000800 ret=H_SUCCESS\n"
	"stuff liobn=0x80000000 ioba=0x20000 value=0x0 npages=3 ret=H_SUCCESS\n"
	"get liobn=0x80000000 ioba=0x22000 tce=0x0 ret=H_SUCCESS\n";

static char *temp_file(const char *name, const char *text)
{
	char *path = xasprintf("/tmp/tcelab-unit-%d-%s", getpid(), name);

	write_file(path, text);
	return path;
}

/* Checks @text (a trace named @name) with @ds; the output in *@log (freed by the caller). */
static struct oracle_result check(const char *name, const char *text, struct differences *ds,
				  char **log, int *ret)
{
	struct oracle_result res = { 0 };
	char *path = temp_file(name, text), err[700] = "";
	size_t len;
	FILE *out = open_memstream(log, &len);

	*ret = oracle_check(path, name, ds, out, &res, err, sizeof(err));
	fclose(out);
	if (*ret)
		printf("#   %s\n", err);
	unlink(path);
	free(path);
	return res;
}

static void load_project_differences(struct differences *ds, int *unit_failures)
{
	char *path = xasprintf("%s/kmod/DIFFERENCES.md", tcelab_top()), err[700] = "";

	CHECK_EQ(differences_load(ds, path, err, sizeof(err)), 0);
	if (err[0])
		printf("#   %s\n", err);
	free(path);
}

UNIT_TEST(oracle_agrees_with_upstream_on_legal_and_illegal_calls)
{
	static struct differences ds;
	struct oracle_result res;
	char *log = NULL;
	int ret;

	load_project_differences(&ds, unit_failures);
	res = check("legal.tce", legal_and_illegal, &ds, &log, &ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.records, 13);
	CHECK_EQ(res.checked, 11);
	CHECK_EQ(res.mismatches, 0);
	CHECK_EQ(res.declared, 0);
	CHECK_EQ(res.warnings, 0);
	CHECK_STR(log, "");
	free(log);
}

UNIT_TEST(oracle_names_a_wrong_ret_and_a_wrong_tce)
{
	static struct differences ds;
	struct oracle_result res;
	char *text = xasprintf("%s", legal_and_illegal), *p, *log = NULL;
	int ret;

	load_project_differences(&ds, unit_failures);
	/* line 6: the misaligned ioba, said to succeed; line 5: another TCE read back */
	p = strstr(text, "ioba=0x1800 tce=0x3fa0003 ret=H_PARAMETER");
	memcpy(strstr(p, "H_PARAMETER"), "H_SUCCESS  ", 11);
	memcpy(strstr(text, "get liobn=0x80000000 ioba=0x1000 tce=0x3fa0003") + 45, "7", 1);
	res = check("wrong.tce", text, &ds, &log, &ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.mismatches, 2);
	CHECK_EQ(res.declared, 0);
	CHECK_STR(log, "wrong.tce:5: get: expected tce=0x3fa0007, upstream gives tce=0x3fa0003\n"
		  "wrong.tce:6: put: expected H_SUCCESS, upstream gives H_PARAMETER\n");
	free(log);
	free(text);
}

/*
 * A TCE whose window page runs past guest RAM: validation passes (its first IOMMU page is
 * in RAM), mapping the rest fails: H_TOO_HARD, and a list keeps the entries before it.
 */
UNIT_TEST(tce_state_follows_upstream_past_the_end_of_ram)
{
	const struct trace_header h = {
		1, 0x5010000, 12, 1, { { 0x80000001, 24, 0x0800000000000000ULL, 1ULL << 30 } },
	};
	static struct trace_record put, list, get;
	static struct differences ds;
	struct oracle_result res;
	struct tce_windows ws;
	struct tce_model m;
	uint64_t written, i;
	char *text = NULL, *log = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	int ret;

	tce_windows_init(&ws, &h);
	tce_model_init(&m);
	put = (struct trace_record){ .op = TRACE_PUT, .flags = TRACE_HAS_RET,
				     .liobn = 0x80000001, .ioba = 0x0800000000000000ULL,
				     .tce = 0x5000003 };
	put.ret = tce_expected_ret(&ws, h.ram_size, &put, &written);
	CHECK_EQ(put.ret, H_TOO_HARD);
	CHECK_EQ(written, 0);
	list = (struct trace_record){ .op = TRACE_INDIRECT, .flags = TRACE_HAS_RET,
				      .liobn = 0x80000001, .ioba = 0x0800000000000000ULL,
				      .npages = 3, .tces = { 0x1000003, 0x5000003, 0x2000003 } };
	list.ret = tce_expected_ret(&ws, h.ram_size, &list, &written);
	CHECK_EQ(list.ret, H_TOO_HARD);
	CHECK_EQ(written, 1);
	CHECK_EQ(tce_model_apply(&m, &ws, &list, written, 0), 0);
	trace_write_header(f, &h);
	trace_write_record(f, &put);
	trace_write_record(f, &list);
	for (i = 0; i < 3; i++) {
		const struct tce_entry *e = tce_model_get(&m, 0x80000001, (1ULL << 35) + i);

		get = (struct trace_record){ .op = TRACE_GET,
					     .flags = TRACE_HAS_RET | TRACE_HAS_TCE,
					     .liobn = 0x80000001,
					     .ioba = 0x0800000000000000ULL + (i << 24),
					     .tce = e ? e->tce : 0, .ret = H_SUCCESS };
		CHECK_EQ(get.tce, i ? 0 : 0x1000003);
		trace_write_record(f, &get);
	}
	fclose(f);
	tce_model_free(&m);

	load_project_differences(&ds, unit_failures);
	res = check("ram-end.tce", text, &ds, &log, &ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.checked, 5);
	CHECK_EQ(res.mismatches, 0);
	CHECK_STR(log, "");
	free(log);
	free(text);
}

UNIT_TEST(oracle_counts_declared_differences_and_fails_undeclared_ones)
{
	static struct differences ds;
	struct oracle_result res;
	char *log = NULL, *path, err[700];
	int ret;

	load_project_differences(&ds, unit_failures);
	res = check("none.tce", none_entries, &ds, &log, &ret);
	CHECK_EQ(ret, 0);
	CHECK_EQ(res.checked, 6);
	CHECK_EQ(res.mismatches, 0);
	CHECK_EQ(res.warnings, 0);
	/* the list, the get of the entry it did not write upstream, the unaligned entry */
	CHECK_EQ(res.declared, 3);
	CHECK(log && strstr(log, "none.tce:4: indirect: expected H_SUCCESS, upstream gives "
			    "H_PARAMETER: declared difference indirect-none-outside-ram"));
	CHECK(log && strstr(log, "none.tce:5: get: expected tce=0x2000003, upstream gives "
			    "tce=0: declared difference indirect-none-outside-ram at line 4"));
	CHECK(log && strstr(log, "none.tce:7: indirect: expected H_SUCCESS, upstream hits "
			    "pci-ioda-tce.c:0: BUG_ON(*hpa & ~IOMMU_PAGE_MASK(tbl)) in "
			    "pnv_tce_xchg(): declared difference indirect-none-unaligned"));
	free(log);

	/* Without the rows, the same records fail. */
	path = temp_file("diff.md", "| id | oracle key |\n|---|---|\n| other | - |\n");
	CHECK_EQ(differences_load(&ds, path, err, sizeof(err)), 0);
	res = check("none.tce", none_entries, &ds, &log, &ret);
	CHECK_EQ(res.mismatches, 2);
	CHECK_EQ(res.warnings, 1);
	CHECK_EQ(res.declared, 0);
	free(log);
	unlink(path);
	free(path);
}

static void load_error(int *unit_failures, const char *table, const char *want)
{
	static struct differences ds;
	char *path = temp_file("bad.md", table), err[700] = "";

	CHECK_EQ(differences_load(&ds, path, err, sizeof(err)), -1);
	CHECK(strstr(err, want) && !strncmp(err, path, strlen(path)));
	if (!strstr(err, want))
		printf("#   got '%s'\n", err);
	unlink(path);
	free(path);
}

UNIT_TEST(differences_table_is_read_and_checked)
{
	static struct differences ds;
	unsigned int i, keyed = 0;

	load_project_differences(&ds, unit_failures);
	CHECK_EQ(ds.nr, 17);
	for (i = 0; i < ds.nr; i++)
		keyed += ds.d[i].has_key;
	CHECK_EQ(keyed, 3);
	CHECK_STR(ds.d[0].id, "indirect-none-outside-ram");
	CHECK_EQ(ds.d[0].op, TRACE_INDIRECT);
	CHECK_EQ(ds.d[0].upstream, H_PARAMETER);
	CHECK_EQ(ds.d[0].nr_tcelab, 2);
	CHECK_EQ(ds.d[2].upstream, DIFFERENCE_BUG);
	/* The differential's keys (replay/diff.c): exact results, or a prefix ending in '*'. */
	CHECK_STR(differences_match_diff(&ds, "ret", "setup-v1", "EPERM", "0")->id, "v1-on-ioda2");
	CHECK_STR(differences_match_diff(&ds, "vmlck", "create", "EINVAL:+8704kB",
					 "EINVAL:+8192kB")->id, "create-fail-charge");
	CHECK(differences_match_diff(&ds, "vmlck", "create", "0:+8704kB", "0:+8192kB") == NULL);
	CHECK(differences_match_diff(&ds, "ret", "setup-v1", "EPERM", "EINVAL") == NULL);
	CHECK(differences_match_diff(&ds, "ret", "map", "1", "EINVAL") == NULL);
	/* The per-call comparison's (lib/effects.c): the parts of an effect that differ. */
	CHECK_STR(differences_match_diff(&ds, "effect", "ddw-remove", "old-dir:bi",
					 "old-dir:from")->id, "write-only-tce");
	CHECK(differences_match_diff(&ds, "effect", "ddw-remove", "old-dir:bi,old-addr:0x0",
				     "old-dir:from,old-addr:0x10000") == NULL);
	load_error(unit_failures, "| id | oracle key | diff key |\n|---|---|---|\n| a | - | "
		   "ret map 0 |\n", ":3: diff key: expected '-' or 'KIND OP upstream=RESULT");

	load_error(unit_failures, "# none\n", "no table with an 'id' and an 'oracle key' column");
	load_error(unit_failures, "| id | oracle key |\n|---|---|\n| a | put upstream=H_SUCCESS "
		   "tcelab=H_PARAMETER when=nope |\n",
		   ":3: oracle key: no condition 'nope' (the oracle knows "
		   "none-entry-outside-ram, ");
	load_error(unit_failures, "| id | oracle key |\n|---|---|\n| a | - |\n| a | - |\n",
		   ":4: id a: already on line 3");
	load_error(unit_failures, "| id | oracle key |\n|---|---|\n| a | put upstream=H_SUCCESS "
		   "tcelab=H_SUCCESS when=none-entry-outside-ram |\n",
		   ":3: oracle key: upstream and tcelab give the same code");
	load_error(unit_failures, "| id | oracle key |\n|---|---|\n| a | put H_SUCCESS |\n",
		   ":3: oracle key: expected '-' or 'OP upstream=CODE");
	load_error(unit_failures, "| id | oracle key |\n|---|---|\n| a | b | - |\n",
		   ":3: expected 2 cells");
}

/* --- a random differential: lib/tce_state.c's rules against upstream on every edge ------------ */

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return n ? (z ^ (z >> 31)) % n : 0;
}

/* A TCE in, at the edges of or past guest RAM, aligned or not, with any permission bits. */
static uint64_t random_tce(uint64_t ram, unsigned int shift)
{
	static const uint64_t low[] = { 0, TCE_PCI_READ, TCE_PCI_WRITE, TCE_PERM_MASK, 0x800 };
	uint64_t gpa;

	switch (rnd(8)) {
	case 0:
		gpa = ram + rnd(ram);
		break;
	case 1:
		gpa = (ram >> shift) << shift;	/* the last, maybe partial, window page */
		break;
	case 2:
		gpa = rnd(ram) & ~0xfffULL;
		break;
	default:
		gpa = rnd(ram >> shift) << shift;
	}
	return gpa | low[rnd(5)] | (rnd(8) ? 0 : low[rnd(4)]);
}

/* A trace of @n random records, each with what lib/tce_state.c expects. */
static char *random_trace(uint64_t seed, unsigned int n)
{
	static const uint64_t rams[] = { 64ULL << 20, 256ULL << 20, (256ULL << 20) + (64 << 10) };
	static const unsigned int shifts[] = { 12, 16, 24 };
	static struct trace_record r;
	struct trace_header h = { .version = 1 };
	const struct trace_window *w;
	struct tce_windows ws;
	struct tce_model m;
	uint64_t written, i;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	rng = seed;
	h.iommu_page_shift = rnd(4) ? 12 : 16;
	h.ram_size = rams[rnd(3)];
	h.nr_windows = 2;
	h.windows[0] = (struct trace_window){ 0x80000000, h.iommu_page_shift, 0, 1ULL << 30 };
	h.windows[1] = (struct trace_window){ 0x80000001, shifts[rnd(3)], 0x0800000000000000ULL,
					      1ULL << 30 };
	if (h.windows[1].page_shift < h.iommu_page_shift)
		h.windows[1].page_shift = h.iommu_page_shift;
	tce_windows_init(&ws, &h);
	tce_model_init(&m);
	trace_write_header(f, &h);
	while (n--) {
		w = &h.windows[rnd(2)];
		memset(&r, 0, offsetof(struct trace_record, tces));
		r.op = (enum trace_op)rnd(4);
		r.flags = TRACE_HAS_RET;
		r.liobn = rnd(30) ? w->liobn : 0x80000042;
		r.ioba = w->offset + ((rnd(4) ? rnd(64) : (w->size >> w->page_shift) - rnd(4))
				      << w->page_shift) + (rnd(20) ? 0 : 0x1000);
		if (r.op == TRACE_PUT)
			r.tce = random_tce(h.ram_size, w->page_shift);
		if (r.op == TRACE_STUFF) {
			r.npages = rnd(8);
			r.tce = rnd(3) ? 0 : random_tce(h.ram_size, w->page_shift);
		}
		if (r.op == TRACE_INDIRECT) {
			r.npages = rnd(10) ? rnd(8) : 513;
			for (i = 0; i < r.npages; i++)
				r.tces[i] = random_tce(h.ram_size, w->page_shift);
			if (!rnd(5)) {
				r.flags |= TRACE_HAS_LIST;
				r.list_gpa = rnd(3) ? rnd(h.ram_size) : h.ram_size + 0x1000;
			}
		}
		r.ret = tce_expected_ret(&ws, h.ram_size, &r, &written);
		if (r.op == TRACE_GET && r.ret == H_SUCCESS) {
			const struct tce_entry *e = tce_model_get(&m, r.liobn,
								  r.ioba >> w->page_shift);

			r.tce = e ? e->tce : 0;
			r.flags |= TRACE_HAS_TCE;
		}
		tce_model_apply(&m, &ws, &r, written, 0);
		trace_write_record(f, &r);
	}
	fclose(f);
	tce_model_free(&m);
	return text;
}

UNIT_TEST(tce_state_agrees_with_upstream_on_random_calls)
{
	static struct differences ds;
	struct oracle_result res, all = { 0 };
	char *text, *log = NULL;
	uint64_t seed;
	int ret;

	load_project_differences(&ds, unit_failures);
	for (seed = 1; seed <= 40; seed++) {
		text = random_trace(seed, 500);
		res = check("random.tce", text, &ds, &log, &ret);
		CHECK_EQ(ret, 0);
		if (res.mismatches || res.warnings)
			printf("#   seed %llu:\n%s", (unsigned long long)seed, log);
		all.checked += res.checked;
		all.mismatches += res.mismatches;
		all.warnings += res.warnings;
		all.declared += res.declared;
		free(log);
		free(text);
	}
	CHECK_EQ(all.checked, 20000);
	CHECK_EQ(all.mismatches, 0);
	CHECK_EQ(all.warnings, 0);
	/* lists with entries without R/W bits, past or across the end of RAM, or unaligned */
	CHECK_EQ(all.declared, 685);
}
