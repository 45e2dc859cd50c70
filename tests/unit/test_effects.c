// SPDX-License-Identifier: GPL-2.0
/*
 * lib/effects.c: the probes' exchanges turned into each call's net effects, and two replays'
 * effects compared entry by entry (tcelab run --backends kmod,vfio, "effects-mismatch").
 */
#include <stdlib.h>
#include <unistd.h>

#include "lib/effects.h"
#include "lib/probe_doc.h"
#include "unit.h"

#define PAGE	0x10000ULL
#define NONE	EFFECT_DIR_NONE

/* Guest RAM backing: 4 pages at frames 100..101 (offset 0) and 200..201 (offset 2 pages). */
static const struct effect_pages pages[] = { { 100, 0, 2 }, { 200, 2 * PAGE, 2 } };

/* Calls at lines 10 (a put), 11 (a stuff) and 12 (a window removed). */
static const struct effect_call calls[] = {
	{ 1000, 1999, 10, TRACE_PUT },
	{ 3000, 3999, 11, TRACE_STUFF },
	{ 5000, 5999, 12, TRACE_DDW_REMOVE },
};

/* kmod's way: one exchange an entry, the overwrite of entry 7 included. */
static const struct effect_xchg kmod_x[] = {
	{ 50, 0x40, 0, 0, 0, NONE, NONE },			/* setup: outside any call */
	{ 1100, 7, 0, 100 * PAGE, 0, NONE, 0 },			/* line 10: map entry 7 */
	{ 3100, 7, 100 * PAGE, 201 * PAGE + 0x1000, 0, 0, 1 },	/* line 11: overwrite 7 */
	{ 3200, 8, 0, 101 * PAGE, 0, NONE, 2 },			/* line 11: map 8 */
	{ 3300, 9, 0, 101 * PAGE, -16, NONE, 2 },		/* line 11: fails, no effect */
	{ 5100, 7, 201 * PAGE + 0x1000, 0, 0, 1, NONE },	/* line 12: clear 7 */
	{ 5200, 8, 101 * PAGE, 0, 0, 2, NONE },			/* line 12: clear 8 */
};

/*
 * The upstream container as QEMU's notifiers drive it, in another replay whose guest RAM is
 * other frames: the overwrite is an unmap then a map, and a window's clear exchanges an entry
 * it maps again before the end of the call (which leaves it as it was).
 */
static const struct effect_pages vfio_pages[] = { { 500, 0, 4 } };
static const struct effect_xchg vfio_x[] = {
	{ 1100, 7, 0, 500 * PAGE, 0, NONE, 0 },
	{ 3100, 7, 500 * PAGE, 0, 0, 0, NONE },			/* unmap ... */
	{ 3150, 7, 0, 503 * PAGE + 0x1000, 0, NONE, 1 },	/* ... then map */
	{ 3200, 8, 0, 501 * PAGE, 0, NONE, 2 },
	{ 5100, 7, 503 * PAGE + 0x1000, 0, 0, 1, NONE },
	{ 5200, 8, 501 * PAGE, 0, 0, 2, NONE },
	{ 5300, 9, 0, 502 * PAGE, 0, NONE, 0 },			/* line 12: 9 mapped ... */
	{ 5400, 9, 502 * PAGE, 0, 0, 0, NONE },			/* ... and cleared again */
	{ 9000, 8, 0, 0, 0, NONE, NONE },			/* teardown */
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static size_t net(const struct effect_xchg *x, size_t nx, const struct effect_pages *p,
		  size_t np, struct effect *out, struct effects_counts *c)
{
	return effects_net(x, nx, calls, N(calls), p, np, PAGE, out, c);
}

UNIT_TEST(effects_net_per_call_and_entry)
{
	struct effect e[16];
	struct effects_counts c;
	char s[64];
	size_t n = net(kmod_x, N(kmod_x), pages, N(pages), e, &c);

	CHECK_EQ(n, 5);
	CHECK_EQ(c.exchanges, 7);
	CHECK_EQ(c.outside, 1);
	CHECK_EQ(c.failed, 1);
	CHECK_EQ(c.unchanged, 0);
	CHECK_EQ(e[0].line, 10);
	CHECK_EQ(e[0].entry, 7);
	CHECK_EQ(e[1].line, 11);
	CHECK_EQ(e[1].op, TRACE_STUFF);
	effect_str(&e[1], s, sizeof(s));
	CHECK_STR(s, "bi@0x0>to@0x31000");
	effect_str(&e[2], s, sizeof(s));
	CHECK_STR(s, "clear>from@0x10000");
	effect_str(&e[4], s, sizeof(s));
	CHECK_STR(s, "from@0x10000>clear");
	effect_str(NULL, s, sizeof(s));
	CHECK_STR(s, "none");

	/* The unmap and map of one call make one effect; a map undone in its call, none. */
	n = net(vfio_x, N(vfio_x), vfio_pages, N(vfio_pages), e, &c);
	CHECK_EQ(n, 5);
	CHECK_EQ(c.outside, 1);
	CHECK_EQ(c.unchanged, 2);
	effect_str(&e[1], s, sizeof(s));
	CHECK_STR(s, "bi@0x0>to@0x31000");

	/* An address outside guest RAM is named so, not as an offset. */
	n = net(kmod_x, N(kmod_x), pages, 1, e, &c);
	effect_str(&e[1], s, sizeof(s));
	CHECK_STR(s, "bi@0x0>to@outside-ram");
}

UNIT_TEST(effects_compare_trips_on_the_first_difference)
{
	struct effect a[16], b[16];
	struct effects_comparison c;
	struct effects_counts cnt;
	size_t na = net(kmod_x, N(kmod_x), pages, N(pages), a, &cnt);
	size_t nb = net(vfio_x, N(vfio_x), vfio_pages, N(vfio_pages), b, &cnt);

	/* Clean: the two stacks' ways of writing the same calls agree entry by entry. */
	effects_compare(a, na, b, nb, NULL, &c);
	CHECK_EQ(c.compared, 5);
	CHECK_EQ(c.differences, 0);
	CHECK(!c.has_first);

	/* Trip: the overwrite at line 11 writes another page on one side. */
	b[1].new_addr += PAGE;
	effects_compare(a, na, b, nb, NULL, &c);
	CHECK_EQ(c.compared, 4);
	CHECK_EQ(c.differences, 1);
	CHECK(c.has_first);
	CHECK_EQ(c.first_line, 11);
	CHECK_EQ(c.first_op, TRACE_STUFF);
	CHECK_EQ(c.first_entry, 7);
	CHECK_STR(c.first_a, "bi@0x0>to@0x31000");
	CHECK_STR(c.first_b, "bi@0x0>to@0x41000");
	b[1].new_addr -= PAGE;

	/* An effect one side has and the other not: "none"; the first one in trace order. */
	effects_compare(a, na - 1, b, nb, NULL, &c);
	CHECK_EQ(c.differences, 1);
	CHECK_EQ(c.first_line, 12);
	CHECK_EQ(c.first_entry, 8);
	CHECK_STR(c.first_a, "none");
	CHECK_STR(c.first_b, "from@0x10000>clear");
	effects_compare(a + 1, na - 1, b, nb, NULL, &c);
	CHECK_EQ(c.first_line, 10);
	CHECK_STR(c.first_a, "none");
}

/* A differences table with one diff key, written to a file for differences_load(). */
static int load_table(struct differences *ds, const char *key)
{
	char path[] = "/tmp/tcelab-unit-effects-XXXXXX", err[256];
	int fd = mkstemp(path), ret;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return -1;
	fprintf(f, "| id | why | oracle key | diff key |\n|---|---|---|---|\n"
		"| window-clear | test | - | %s |\n", key);
	fclose(f);
	ret = differences_load(ds, path, err, sizeof(err));
	if (ret)
		printf("#   %s\n", err);
	unlink(path);
	return ret;
}

UNIT_TEST(effects_compare_counts_declared_differences)
{
	static struct differences ds;
	struct effect a[16], b[16];
	struct effects_comparison c;
	struct effects_counts cnt;
	size_t na = net(kmod_x, N(kmod_x), pages, N(pages), a, &cnt);
	size_t nb = net(vfio_x, N(vfio_x), vfio_pages, N(vfio_pages), b, &cnt);

	CHECK_EQ(load_table(&ds, "effect ddw-remove upstream=* tcelab=none"), 0);
	effects_compare(a, na - 1, b, nb, &ds, &c);
	CHECK_EQ(c.differences, 0);
	CHECK_EQ(c.declared, 1);
	CHECK_EQ(ds.d[0].hits, 1);
	/* Its row taken out (or another op): the same difference fails. */
	CHECK_EQ(load_table(&ds, "effect put upstream=* tcelab=none"), 0);
	effects_compare(a, na - 1, b, nb, &ds, &c);
	CHECK_EQ(c.differences, 1);
	CHECK_EQ(c.declared, 0);
	/* A key declares the parts that differ when both sides have an effect. */
	b[1].old_dir = 0;
	a[1].old_dir = 2;
	CHECK_EQ(load_table(&ds, "effect stuff upstream=old-dir:bi tcelab=old-dir:from"), 0);
	effects_compare(a, na, b, nb, &ds, &c);
	CHECK_EQ(c.differences, 0);
	CHECK_EQ(c.declared, 1);
	b[1].new_addr += PAGE;
	effects_compare(a, na, b, nb, &ds, &c);
	CHECK_EQ(c.differences, 1);
	CHECK_EQ(c.declared, 0);
	CHECK_STR(c.first_b, "bi@0x0>to@0x41000");
	b[1].new_addr -= PAGE;
	a[1].old_dir = 0;
	/* The real table loads, and declares nothing of these. */
	CHECK_EQ(differences_load(&ds, "kmod/DIFFERENCES.md", (char[256]){ 0 }, 256), 0);
	effects_compare(a, na - 1, b, nb, &ds, &c);
	CHECK_EQ(c.differences, 1);
}

UNIT_TEST(effects_json_round_trip)
{
	struct effect a[16], *back;
	struct effects_counts cnt;
	struct json_writer *w;
	char path[] = "/tmp/tcelab-unit-effects-json", err[256];
	size_t na = net(kmod_x, N(kmod_x), pages, N(pages), a, &cnt), n, i;
	cJSON *doc;

	a[0].old_addr = EFFECT_NOT_RAM;
	a[2].entry = 1ULL << 59 >> 16;
	w = jw_open(path);
	jw_obj_begin(w, NULL);
	effects_write(w, "list", a, na);
	jw_obj_end(w);
	CHECK_EQ(jw_close(w), 0);
	doc = json_load(path, NULL, err, sizeof(err));
	CHECK(doc);
	CHECK_EQ(effects_read(cJSON_GetObjectItem(doc, "list"), &back, &n, err, sizeof(err)), 0);
	CHECK_EQ(n, na);
	for (i = 0; i < n && i < na; i++) {
		CHECK_EQ(back[i].line, a[i].line);
		CHECK_EQ(back[i].op, a[i].op);
		CHECK_EQ(back[i].entry, a[i].entry);
		CHECK_EQ(back[i].old_addr, a[i].old_addr);
		CHECK_EQ(back[i].new_addr, a[i].new_addr);
		CHECK_EQ(back[i].old_dir, a[i].old_dir);
		CHECK_EQ(back[i].new_dir, a[i].new_dir);
	}
	free(back);
	CHECK_EQ(effects_read(cJSON_GetObjectItem(doc, "nothing"), &back, &n, err, sizeof(err)), -1);
	cJSON_Delete(doc);
	unlink(path);
}

UNIT_TEST(probe_doc_effects_reads_the_stream)
{
	cJSON *probe = cJSON_Parse("{\"effects\":{\"enabled\":true,\"records\":2,\"dropped\":0,"
		"\"fields\":[\"entry\",\"old_hpa\",\"old_dir\",\"new_hpa\",\"new_dir\",\"ret\","
		"\"tid\",\"ts\"],\"stream\":[[7,\"0x0\",3,\"0x640000\",0,0,5,1100],"
		"[7,\"0x640000\",0,\"0x0\",3,-16,5,1200]]}}");
	struct effect_xchg *x;
	char err[256];
	size_t n;

	CHECK_EQ(probe_doc_effects(probe, &x, &n, err, sizeof(err)), 0);
	CHECK_EQ(n, 2);
	if (n == 2) {
		CHECK_EQ(x[0].ts, 1100);
		CHECK_EQ(x[0].entry, 7);
		CHECK_EQ(x[0].new_hpa, 0x640000);
		CHECK_EQ(x[0].old_dir, 3);
		CHECK_EQ(x[1].ret, -16);
		CHECK_EQ(x[1].old_hpa, 0x640000);
	}
	free(x);
	/* Records dropped: the stream cannot be compared. */
	cJSON_SetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(probe, "effects"), "dropped"),
			     3);
	CHECK_EQ(probe_doc_effects(probe, &x, &n, err, sizeof(err)), -1);
	CHECK(strstr(err, "dropped 3 exchanges"));
	cJSON_Delete(probe);
}
