// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko multi-threaded overwrite storm: threads map pool pages over a few shared entries
 * of one v1 container at once. The atomic exchange must release every replaced page exactly
 * once: no double release, and after the final unmap no pin left on any pool page.
 */
#include "kmod_util.h"

#define POOL	16
#define ENTRIES	4
#define THREADS	4
#define ITERS	3000

int main(void)
{
	long exchanges, dr, unreleased = 0, errors;
	struct tl_baseline b;
	char *pool;
	int fd, i;

	tl_init();
	tap_plan(6 + TL_BALANCE_CHECKS);
	b = tl_baseline();
	dr = tl_counter("double_releases");
	pool = tl_buf(POOL);
	fd = tl_v1(0);
	errors = tl_storm_run(fd, pool, POOL, ENTRIES, THREADS, ITERS);
	tap_eq(errors, 0, "%d threads x %d maps and unmaps over %d shared entries", THREADS,
	       ITERS, ENTRIES);
	exchanges = tl_stats(fd).exchanges;
	tap_check(exchanges >= THREADS * ITERS, "every operation exchanged (%ld)", exchanges);
	tap_check(tl_stats(fd).mapped <= ENTRIES, "at most %d valid TCEs", ENTRIES);
	tap_eq(tl_stats(fd).pinned, tl_stats(fd).mapped, "one pin per valid TCE");
	tap_eq(tl_unmap(fd, 0, ENTRIES * SZ_4K), 0, "UNMAP the shared entries");
	for (i = 0; i < POOL; i++)
		unreleased += tl_pins(fd, pool + i * page_size);
	tap_eq(unreleased + tl_counter("double_releases") - dr, 0,
	       "every pool page released exactly once");
	close(fd);
	tl_check_balance(&b, "storm");
	return tap_finish();
}
