// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko multi-threaded storms, each ending with no double release and pins, locked_vm,
 * valid TCEs and the module's live objects exactly back to baseline:
 * - overwrite: threads map pool pages over a few shared entries of one v1 container at once;
 *   the atomic exchange must release every replaced page exactly once;
 * - v2: threads MAP, UNMAP, H_PUT_TCE (map and clear) and H_STUFF_TCE the same shared entries
 *   of a v2 container through preregistered memory; every mapping reference must be dropped
 *   exactly once, so that the region unregisters once the entries are cleared;
 * - teardown: threads stay inside MAP and hypercalls while the main thread removes the window
 *   they use, then closes the container under them (the last reference goes with their calls).
 */
#include <time.h>

#include "kmod_util.h"

#define POOL		16
#define ENTRIES		4
#define THREADS		4
#define ITERS		3000
#define V2_ITERS	1000
#define ROUNDS		4	/* teardown storms */
#define LIOBN		1
#define WINDOW		(1UL << 24)

struct v2_storm {
	pthread_t tid;
	int fd, iters;
	char *pool;
	unsigned int seed;
	_Atomic int *stop;	/* teardown: run until set, whatever the calls return */
	long errors;		/* calls that failed when none may */
};

/* A v2 container on group 0: the pool registered, gpa 0 at the pool, a LIOBN over a 16M window. */
static int storm_v2_container(char *pool)
{
	int fd = tl_v2(0);

	if (fd < 0 || tl_remove(fd, 0) || tl_create(fd, 12, WINDOW, 2, NULL) ||
	    tl_register(fd, TCELAB_REGISTER_MEMORY, pool, POOL * page_size) ||
	    tl_memslot(fd, 0, pool, POOL * page_size) || tl_liobn(fd, LIOBN, 12, 0, WINDOW)) {
		tap_diag("v2 storm set-up: %s", strerror(errno));
		return -1;
	}
	return fd;
}

/* One random operation on a shared entry: 0 when it succeeded. */
static long v2_op(struct v2_storm *s)
{
	uint64_t e = rand_r(&s->seed) % ENTRIES, p = rand_r(&s->seed) % POOL;

	switch (rand_r(&s->seed) % 5) {
	case 0:
		return tl_map(s->fd, s->pool + p * page_size, e * SZ_4K, SZ_4K, RW);
	case 1:
		return tl_unmap(s->fd, e * SZ_4K, SZ_4K);
	case 2:
		return tl_hcall(s->fd, TCELAB_H_PUT_TCE, LIOBN, e * SZ_4K, p * page_size | 3, 0,
				NULL);
	case 3:
		return tl_hcall(s->fd, TCELAB_H_PUT_TCE, LIOBN, e * SZ_4K, 0, 0, NULL);
	default:
		return tl_hcall(s->fd, TCELAB_H_STUFF_TCE, LIOBN, e * SZ_4K, 0, ENTRIES - e, NULL);
	}
}

static void *v2_thread(void *arg)
{
	struct v2_storm *s = arg;
	int i;

	for (i = 0; s->stop ? !*s->stop : i < s->iters; i++)
		if (v2_op(s) && !s->stop)
			s->errors++;
	return NULL;
}

static long v2_storm_run(struct v2_storm *s, int fd, char *pool, _Atomic int *stop)
{
	long errors = 0;
	int t;

	for (t = 0; t < THREADS; t++) {
		s[t] = (struct v2_storm){
			.fd = fd, .iters = V2_ITERS, .pool = pool, .seed = 4321 + t, .stop = stop,
		};
		pthread_create(&s[t].tid, NULL, v2_thread, &s[t]);
	}
	if (stop)
		return 0;
	for (t = 0; t < THREADS; t++) {
		pthread_join(s[t].tid, NULL);
		errors += s[t].errors;
	}
	return errors;
}

static long unreleased_pins(int fd, char *pool)
{
	long n = 0;
	int i;

	for (i = 0; i < POOL; i++)
		n += tl_pins(fd, pool + i * page_size);
	return n;
}

static void overwrite_storm(char *pool)
{
	long exchanges, dr = tl_counter("double_releases"), errors;
	int fd = tl_v1(0);

	errors = tl_storm_run(fd, pool, POOL, ENTRIES, THREADS, ITERS);
	tap_eq(errors, 0, "%d threads x %d maps and unmaps over %d shared entries", THREADS,
	       ITERS, ENTRIES);
	exchanges = tl_stats(fd).exchanges;
	tap_check(exchanges >= THREADS * ITERS, "every operation exchanged (%ld)", exchanges);
	tap_check(tl_stats(fd).mapped <= ENTRIES, "at most %d valid TCEs", ENTRIES);
	tap_eq(tl_stats(fd).pinned, tl_stats(fd).mapped, "one pin per valid TCE");
	tap_eq(tl_unmap(fd, 0, ENTRIES * SZ_4K), 0, "UNMAP the shared entries");
	tap_eq(unreleased_pins(fd, pool) + tl_counter("double_releases") - dr, 0,
	       "every pool page released exactly once");
	close(fd);
}

static void v2_storm(char *pool)
{
	struct v2_storm s[THREADS];
	long dr = tl_counter("double_releases"), errors;
	int fd = storm_v2_container(pool);

	errors = v2_storm_run(s, fd, pool, NULL);
	tap_eq(errors, 0, "v2: %d threads x %d MAP, UNMAP, H_PUT_TCE and H_STUFF_TCE over %d "
	       "shared entries", THREADS, V2_ITERS, ENTRIES);
	tap_check(tl_stats(fd).mapped <= ENTRIES, "v2: at most %d valid TCEs (%lld)", ENTRIES,
		  (long long)tl_stats(fd).mapped);
	tap_eq(tl_unmap(fd, 0, ENTRIES * SZ_4K), 0, "v2: UNMAP the shared entries");
	tap_eq(tl_stats(fd).mapped, 0, "v2: no valid TCE left");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, pool, POOL * page_size), 0,
	       "v2: every mapping reference dropped: the region unregisters");
	tap_eq(tl_counter("double_releases") - dr, 0, "v2: no double release");
	close(fd);
}

/*
 * The window removed, then the container closed, while the threads are inside MAP and the
 * hypercalls on it: configuration waits for the calls in flight, and the release runs when the
 * last call returns. The calls may fail in any way but must leave nothing behind.
 */
static void teardown_storm(char *pool)
{
	struct v2_storm s[THREADS];
	long dr = tl_counter("double_releases");
	int round, fd, t, removed = 0;
	_Atomic int stop;

	for (round = 0; round < ROUNDS; round++) {
		fd = storm_v2_container(pool);
		stop = 0;
		v2_storm_run(s, fd, pool, &stop);
		usleep(20000);
		removed += !tl_remove(fd, 0);
		usleep(10000);
		close(fd);
		usleep(10000);
		stop = 1;
		for (t = 0; t < THREADS; t++)
			pthread_join(s[t].tid, NULL);
	}
	tap_eq(removed, ROUNDS, "teardown: %d windows removed and containers closed under %d "
	       "threads inside MAP and hypercalls", ROUNDS, THREADS);
	tap_eq(tl_counter("double_releases") - dr, 0, "teardown: no double release");
}

/* Seconds since the previous call, for the diagnostics (the time make test spends here). */
static double lap(void)
{
	static struct timespec last;
	struct timespec now;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &now);
	s = now.tv_sec - last.tv_sec + (now.tv_nsec - last.tv_nsec) / 1e9;
	last = now;
	return s;
}

int main(void)
{
	struct tl_baseline b;
	char *pool;

	tl_init();
	tap_plan(6 + 6 + 2 + TL_BALANCE_CHECKS);
	b = tl_baseline();
	pool = tl_buf(POOL);
	lap();
	overwrite_storm(pool);
	tap_diag("overwrite storm: %.1f s", lap());
	v2_storm(pool);
	tap_diag("v2 storm: %.1f s", lap());
	teardown_storm(pool);
	tap_diag("teardown storms: %.1f s", lap());
	tl_check_balance(&b, "storms");
	return tap_finish();
}
