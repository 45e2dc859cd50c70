// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko fault knobs: each one, switched on, produces its observable symptom (the harness's
 * detector is scored against these); each is switched off and what it leaked is reaped, so the
 * run still ends balanced. Knob 10, fail_nth, has its own sweep: kmod_fail_nth.c.
 */
#include <endian.h>
#include <time.h>

#include "kmod_util.h"

static long tces_per_page;

/* Switch @knob off, reap what leaked, and check the balance. */
static void knob_done(const char *knob, const struct tl_baseline *b)
{
	tl_knob(knob, 0);
	tap_eq(tl_reap(), 0, "%s: reap the leak", knob);
	tl_check_balance(b, knob);
}

/* 1: the map error path leaks the pages it had mapped. */
static void test_map_leak(const struct tl_baseline *b)
{
	char *buf = tl_buf(4);
	int fd = tl_v1(0);

	munmap(buf + 2 * page_size, page_size);
	tl_knob("map_leak", 1);
	tap_eq(tl_map(fd, buf, 0, 4 * page_size, RW), -EFAULT, "map_leak: MAP over a hole fails");
	tap_eq(tl_stats(fd).mapped, 0, "map_leak: nothing stays mapped");
	close(fd);
	tap_eq(tl_counter("pinned") - b->pinned, 2 * tces_per_page,
	       "map_leak: the pages mapped before the hole stay pinned");
	knob_done("map_leak", b);
	munmap(buf, 4 * page_size);
}

/* 2: a released write-mapped page is not marked dirty. */
static void test_no_dirty(const struct tl_baseline *b)
{
	long dirtied = tl_counter("dirtied");
	char *buf = tl_buf(2);
	int fd = tl_v1(0);

	tl_knob("no_dirty", 1);
	tl_map(fd, buf, 0, SZ_4K, RW);
	tl_map(fd, buf + page_size, 0, SZ_4K, RW);
	tap_eq(tl_counter("dirtied") - dirtied, 0, "no_dirty: replaced RW page not dirtied");
	tl_knob("no_dirty", 0);
	tl_map(fd, buf, 0, SZ_4K, RW);
	tap_eq(tl_counter("dirtied") - dirtied, 1, "no_dirty off: it is again");
	close(fd);
	knob_done("no_dirty", b);
	munmap(buf, 2 * page_size);
}

/* 3: writing over a valid TCE fails with EBUSY, as before exchange() existed. */
static void test_ebusy(const struct tl_baseline *b)
{
	char *buf = tl_buf(2);
	int fd = tl_v1(0);

	tl_knob("ebusy_overwrite", 1);
	tl_map(fd, buf, 0, SZ_4K, RW);
	tap_eq(tl_map(fd, buf + page_size, 0, SZ_4K, RW), -EBUSY,
	       "ebusy_overwrite: MAP over a valid TCE: EBUSY");
	tap_eq(tl_pins(fd, buf + page_size), 0, "ebusy_overwrite: the new page was released");
	close(fd);
	knob_done("ebusy_overwrite", b);
	munmap(buf, 2 * page_size);
}

/* 4: container release leaves TCEs and pins behind (v1 and v2). */
static void test_release_leak(const struct tl_baseline *b)
{
	char *buf = tl_buf(2);
	int fd = tl_v1(0);

	tl_knob("release_leak", 1);
	tl_map(fd, buf, 0, 2 * SZ_4K, RW);
	close(fd);
	tap_eq(tl_counter("pinned") - b->pinned, 2, "release_leak: v1 pins stay after close");
	tap_eq(tl_counter("mapped") - b->mapped, 2, "release_leak: and so do the TCEs");
	tl_knob("release_leak", 0);
	tap_eq(tl_reap(), 0, "release_leak: reap v1");
	tl_knob("release_leak", 1);
	fd = tl_v2(0);
	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, 2 * page_size);
	tl_map(fd, buf, 0, SZ_4K, RW);
	close(fd);
	tap_eq(tl_counter("pinned") - b->pinned, 2,
	       "release_leak: v2 preregistered pages stay pinned");
	knob_done("release_leak", b);
	munmap(buf, 2 * page_size);
}

/* 5: locked_vm is not returned on DISABLE nor on UNREGISTER. */
static void test_locked_vm_leak(const struct tl_baseline *b)
{
	char *buf = tl_buf(4);
	int fd = tl_v1(0);

	tl_knob("locked_vm_leak", 1);
	ioctl(fd, TCELAB_DISABLE);
	tap_eq(tl_vmlck() - b->vmlck, DMA32_SIZE / 1024, "locked_vm_leak: DISABLE keeps VmLck");
	close(fd);
	fd = tl_v2(0);
	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, 4 * page_size);
	tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, 4 * page_size);
	tap_eq(tl_vmlck() - b->vmlck, DMA32_SIZE / 1024 + 4 * page_size / 1024,
	       "locked_vm_leak: UNREGISTER keeps it too");
	close(fd);
	knob_done("locked_vm_leak", b);
	munmap(buf, 4 * page_size);
}

/* 6: a window removed without clearing its TCEs keeps its region mapped forever. */
static void test_remove_no_clear(const struct tl_baseline *b)
{
	char *buf = tl_buf(1);
	uint64_t start;
	int fd = tl_v2(0);

	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, page_size);
	tl_create(fd, 12, 1ULL << 30, 2, &start);
	tl_map(fd, buf, start, SZ_4K, RW);
	tl_knob("remove_no_clear", 1);
	tap_eq(tl_remove(fd, start), 0, "remove_no_clear: REMOVE");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, page_size), -EBUSY,
	       "remove_no_clear: the region is still mapped: EBUSY");
	close(fd);
	tap_eq(tl_counter("pinned") - b->pinned, 1, "remove_no_clear: its page stays pinned");
	knob_done("remove_no_clear", b);
	munmap(buf, page_size);
}

/* 7: a get-then-set exchange lets concurrent writers release the same page twice. */
static void test_nonatomic(struct tl_baseline *b)
{
	long dr = tl_counter("double_releases");
	char *pool = tl_buf(8);
	int fd = tl_v1(0);

	tl_knob("nonatomic_xchg", 1);
	tl_storm_run(fd, pool, 8, 2, 4, 4000);
	tl_knob("nonatomic_xchg", 0);
	tap_check(tl_counter("double_releases") > dr, "nonatomic_xchg: double releases seen (%ld)",
		  tl_counter("double_releases") - dr);
	close(fd);
	/* The racing writers also skew the valid-TCE count: both are part of the symptom. */
	b->double_releases = tl_counter("double_releases");
	b->mapped = tl_counter("mapped");
	knob_done("nonatomic_xchg", b);
	munmap(pool, 8 * page_size);
}

/* 8: the INDIRECT list-validation error path returns without releasing the list page. */
static void test_indirect_leak(const struct tl_baseline *b)
{
	struct tcelab_memslot s = { .argsz = sizeof(s), .gpa = 0x10000000 };
	struct tcelab_liobn l = {
		.argsz = sizeof(l), .liobn = 1, .page_shift = 12, .size = DMA32_SIZE,
	};
	struct tcelab_hcall h = {
		.opcode = TCELAB_H_PUT_TCE_INDIRECT, .args = { 1, 0, 0x10000000, 1 },
	};
	struct tcelab_hcall_batch hb = { .argsz = sizeof(hb), .count = 1, .calls = (uintptr_t)&h };
	char *buf = tl_buf(1);
	int fd = tl_v2(0);

	s.vaddr = (uintptr_t)buf;
	s.size = page_size;
	ioctl(fd, TCELAB_SET_MEMSLOT, &s);
	ioctl(fd, TCELAB_SET_LIOBN, &l);
	*(uint64_t *)buf = htobe64(0x30000000 | TCELAB_TCE_PCI_READ);	/* not in a memslot */
	tl_knob("indirect_leak", 1);
	ioctl(fd, TCELAB_HCALL, &hb);
	tap_eq(h.ret, TCELAB_H_TOO_HARD, "indirect_leak: a bad list: H_TOO_HARD");
	tap_eq(tl_pins(fd, buf), 1, "indirect_leak: the list page stays pinned");
	close(fd);
	knob_done("indirect_leak", b);
	munmap(buf, page_size);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 9: extra latency in every invalidation. */
static void test_kill_delay(const struct tl_baseline *b)
{
	char *buf = tl_buf(1);
	int fd = tl_v1(0);
	double t;

	tl_knob("kill_delay_us", 20000);
	t = now();
	tl_map(fd, buf, 0, SZ_4K, RW);
	t = now() - t;
	tl_knob("kill_delay_us", 0);
	tap_check(t >= 0.02, "kill_delay_us: a MAP takes >= 20 ms (%.1f ms)", t * 1000);
	close(fd);
	knob_done("kill_delay_us", b);
	munmap(buf, page_size);
}

/* 11: a fixed amount of work in every exchange, counted exactly. */
static void test_xchg_work(const struct tl_baseline *b)
{
	long ex0 = tl_counter("exchanges"), done0 = tl_counter("knobs/xchg_work_done");
	char *buf = tl_buf(4);
	int fd = tl_v1(0);
	long ex;

	tl_knob("xchg_work", 1000);
	tl_map(fd, buf, 0, 4 * SZ_4K, RW);
	tl_knob("xchg_work", 0);
	ex = tl_counter("exchanges") - ex0;
	tap_check(ex == 4 && tl_counter("knobs/xchg_work_done") - done0 == 1000 * ex,
		  "xchg_work: 1000 loops in each of %ld exchanges (%ld done)", ex,
		  tl_counter("knobs/xchg_work_done") - done0);
	close(fd);
	tap_eq(tl_counter("knobs/xchg_work_done") - done0, 1000 * ex,
	       "xchg_work: none once switched off");
	knob_done("xchg_work", b);
	munmap(buf, 4 * page_size);
}

/* 12: a window's table is not freed with the window: live objects stay until reaped. */
static void test_leak_table(const struct tl_baseline *b)
{
	long tables = tl_counter("allocs/tables");
	uint64_t start;
	int fd = tl_v2(0);

	tl_remove(fd, 0);	/* no default window: only this one */
	tl_knob("leak_table", 1);
	tl_create(fd, 12, 1ULL << 30, 1, &start);
	tap_eq(tl_remove(fd, start), 0, "leak_table: REMOVE");
	tap_eq(tl_counter("allocs/tables") - tables, 1, "leak_table: its table stays allocated");
	close(fd);
	tap_eq(tl_counter("allocs/tables") - tables, 1, "leak_table: and after close");
	knob_done("leak_table", b);
}

int main(void)
{
	struct tl_baseline b;

	tl_init();
	tces_per_page = page_size / SZ_4K;
	tap_plan(36 + 11 * TL_BALANCE_CHECKS);
	b = tl_baseline();
	test_map_leak(&b);
	test_no_dirty(&b);
	test_ebusy(&b);
	test_release_leak(&b);
	test_locked_vm_leak(&b);
	test_remove_no_clear(&b);
	test_nonatomic(&b);
	test_indirect_leak(&b);
	test_kill_delay(&b);
	test_xchg_work(&b);
	test_leak_table(&b);
	return tap_finish();
}
