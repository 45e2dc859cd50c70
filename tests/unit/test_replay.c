// SPDX-License-Identifier: GPL-2.0
/* tcelab-replay's pure logic (replay/replay_logic.c). */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unit.h"
#include "replay/replay_logic.h"

#define M	(1ULL << 20)
#define G	(1ULL << 30)

UNIT_TEST(replay_parse_ret_names_and_numbers)
{
	int64_t v = 1;

	CHECK_EQ(replay_parse_ret("H_SUCCESS", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(replay_parse_ret("H_PARAMETER", &v), 0);
	CHECK_EQ(v, -4);
	CHECK_EQ(replay_parse_ret("H_TOO_HARD", &v), 0);
	CHECK_EQ(v, 9999);
	CHECK_EQ(replay_parse_ret("-11", &v), 0);
	CHECK_EQ(v, -11);
	CHECK_EQ(replay_parse_ret("H_NOPE", &v), -1);
	CHECK_EQ(replay_parse_ret("", &v), -1);
	CHECK_EQ(replay_parse_ret("4x", &v), -1);
}

UNIT_TEST(replay_backing_eight_slots_share_it)
{
	/* 2G of guest RAM in 8 slots: 256M behind it, a multiple of 16M DDW pages. */
	CHECK_EQ(replay_backing_size(2 * G, 0, 16 * M, 65536, 8), 256 * M);
	CHECK_EQ(replay_backing_size(1 * G, 0, 16 * M, 4096, 8), 128 * M);
	/* Small RAM: at least the alignment, never more than RAM. */
	CHECK_EQ(replay_backing_size(64 * M, 0, 16 * M, 4096, 8), 16 * M);
	CHECK_EQ(replay_backing_size(8 * M, 0, 16 * M, 4096, 8), 8 * M);
	/* A request above the minimum is honoured, rounded up to the alignment. */
	CHECK_EQ(replay_backing_size(2 * G, 300 * M, 16 * M, 65536, 8), 304 * M);
	CHECK_EQ(replay_backing_size(2 * G, 4 * G, 16 * M, 65536, 8), 2 * G);
	/* A 1G window page needs slots on 1G boundaries. */
	CHECK_EQ(replay_backing_size(2 * G, 0, G, 65536, 8), G);
	/* RAM that is not a whole system page is rounded up to one. */
	CHECK_EQ(replay_backing_size(4096, 0, 4096, 65536, 8), 65536);
	/* Whatever the inputs, 8 slots of it cover RAM. */
	CHECK(8 * replay_backing_size(3 * G + 4096, 0, 16 * M, 65536, 8) >= 3 * G + 4096);
}

UNIT_TEST(replay_guest_ram_is_aligned_and_alone)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t align;

	for (align = page; align <= 16 * M; align *= 8) {
		uint8_t *p = replay_map_aligned(4 * M + page, align);

		CHECK(p != MAP_FAILED);
		CHECK_EQ((uintptr_t)p % align, 0);
		p[0] = 1, p[4 * M + page - 1] = 2;
		CHECK_EQ(p[0] + p[4 * M + page - 1], 3);
		/* The rest of the reservation is given back: nothing is mapped either side. */
		CHECK_EQ(msync(p - page, page, MS_ASYNC), -1);
		CHECK_EQ(errno, ENOMEM);
		CHECK_EQ(msync(p + 4 * M + page, page, MS_ASYNC), -1);
		CHECK_EQ(errno, ENOMEM);
		munmap(p, 4 * M + page);
	}
}

UNIT_TEST(replay_lists_alias_across_slots)
{
	uint64_t b = 16 * M;

	CHECK_EQ(replay_alias_overlap(0, 8192, 8192, 8192, b), 0);
	CHECK_EQ(replay_alias_overlap(0, 8192, 4096, 8192, b), 1);
	/* The same offset in another slot is the same memory. */
	CHECK_EQ(replay_alias_overlap(4096, 8, b + 4096, 8, b), 1);
	CHECK_EQ(replay_alias_overlap(4096, 8, 3 * b + 8, 8, b), 0);
	/* A list that wraps the end of the backing meets one at its start. */
	CHECK_EQ(replay_alias_overlap(b - 8, 16, 2 * b, 8, b), 1);
	CHECK_EQ(replay_alias_overlap(2 * b, 8, b - 8, 16, b), 1);
	CHECK_EQ(replay_alias_overlap(b - 8, 8, 0, 8, b), 0);
}

UNIT_TEST(replay_ret_str_names_or_numbers)
{
	char buf[32];

	replay_ret_str(buf, sizeof(buf), -4);
	CHECK_STR(buf, "H_PARAMETER");
	replay_ret_str(buf, sizeof(buf), -12345);
	CHECK_STR(buf, "-12345");
}

/* Pages, not calls, must balance, and none may stay in the ledger; no figure is no verdict. */
UNIT_TEST(replay_probe_verdict)
{
	struct probe_totals t = { .pin_pages = 16, .unpin_pages = 16, .leaked_pages = 0 };

	CHECK(replay_probe_balanced(&t));
	t.unpin_pages = 15;
	CHECK(!replay_probe_balanced(&t));
	t.unpin_pages = 16;
	t.leaked_pages = 1;
	CHECK(!replay_probe_balanced(&t));
	t.leaked_pages = 0;
	t.dirty_checked = 8;
	t.not_dirtied = 1;	/* a device-writable page released without being dirtied */
	CHECK(!replay_probe_balanced(&t));
	t.not_dirtied = -1;	/* a document from before the dirty check */
	CHECK(replay_probe_balanced(&t));
	t.pin_pages = t.unpin_pages = -1;
	CHECK(!replay_probe_balanced(&t));
}

/* As the suite job's shell read them: name the first word, options after the first '|'. */
UNIT_TEST(replay_suite_lines)
{
	char l1[] = "net   gen net --seed 1 --ops 1000 |\n";
	char l2[] = "adv gen adversarial | --expect-ret H_SUCCESS=40 # a comment | not options\n";
	char l3[] = "  # name source | options\n";
	char l4[] = "\t\n";
	char l5[] = "mix gen mix\n";
	char *name, *opts;

	CHECK_EQ(replay_suite_line(l1, &name, &opts), 1);
	CHECK_STR(name, "net");
	CHECK_STR(opts, "\n");
	CHECK_EQ(replay_suite_line(l2, &name, &opts), 1);
	CHECK_STR(name, "adv");
	CHECK_STR(opts, " --expect-ret H_SUCCESS=40 ");
	CHECK_EQ(replay_suite_line(l3, &name, &opts), 0);
	CHECK_EQ(replay_suite_line(l4, &name, &opts), 0);
	CHECK_EQ(replay_suite_line(l5, &name, &opts), 1);
	CHECK_STR(name, "mix");
	CHECK_STR(opts, "");
}
