/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tcelab.ko guest tests: container set-up through the ABI, counters from
 * debugfs and the ioctls, VmLck, fault knobs, and the exact end-of-test balance check.
 */
#ifndef TCELAB_KMOD_UTIL_H
#define TCELAB_KMOD_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uapi/tcelab.h>
#include <tcelab/guest.h>

#include "tap.h"

#define SZ_4K		4096UL
#define DMA32_SIZE	(2048UL << 20)
#define RW		(TCELAB_DMA_MAP_FLAG_READ | TCELAB_DMA_MAP_FLAG_WRITE)
#define RO		TCELAB_DMA_MAP_FLAG_READ
#define WO		TCELAB_DMA_MAP_FLAG_WRITE

/* 0 or -errno of an ioctl, so tap_eq() can show which error came back. */
/* -errno, or what the call returned: some ioctls return 1 as upstream's do (kmod/README.md). */
#define ERR(expr)	({ long __ret = (expr); __ret < 0 ? -errno : __ret; })

static long page_size;

static inline long tl_counter(const char *name)
{
	return tcelab_debugfs_read(name);
}

static inline int tl_write(const char *name, long val)
{
	return tcelab_debugfs_write(name, val);
}

static inline int tl_knob(const char *knob, long val)
{
	char name[64];

	snprintf(name, sizeof(name), "knobs/%s", knob);
	return tl_write(name, val);
}

/* Give back what a leak knob leaked; only valid with no container open. */
static inline int tl_reap(void)
{
	return tl_knob("reap", 1);
}

/* mm->locked_vm of this process, in kB. */
static inline long tl_vmlck(void)
{
	return tcelab_vmlck_kb();
}

static inline int tl_open(void)
{
	int fd = open(TCELAB_DEVICE, O_RDWR);

	if (fd < 0)
		tap_diag("open " TCELAB_DEVICE ": %s", strerror(errno));
	return fd;
}

static inline int tl_attach(int fd, unsigned int group)
{
	struct tcelab_group g = { .argsz = sizeof(g), .group = group };

	return ERR(ioctl(fd, TCELAB_ATTACH_GROUP, &g));
}

static inline int tl_detach(int fd, unsigned int group)
{
	struct tcelab_group g = { .argsz = sizeof(g), .group = group };

	return ERR(ioctl(fd, TCELAB_DETACH_GROUP, &g));
}

/* An enabled v1 container on @group, or -1. */
static inline int tl_v1(unsigned int group)
{
	int fd = tl_open();

	if (fd < 0 || ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU) ||
	    tl_attach(fd, group) || ioctl(fd, TCELAB_ENABLE)) {
		tap_diag("v1 container set-up: %s", strerror(errno));
		return -1;
	}
	return fd;
}

/* A v2 container on @group, or -1. */
static inline int tl_v2(unsigned int group)
{
	int fd = tl_open();

	if (fd < 0 || ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU) ||
	    tl_attach(fd, group)) {
		tap_diag("v2 container set-up: %s", strerror(errno));
		return -1;
	}
	return fd;
}

static inline int tl_map(int fd, const void *vaddr, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct tcelab_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)vaddr,
		.iova = iova, .size = size,
	};

	return ERR(ioctl(fd, TCELAB_MAP_DMA, &m));
}

static inline int tl_unmap(int fd, uint64_t iova, uint64_t size)
{
	struct tcelab_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

	return ERR(ioctl(fd, TCELAB_UNMAP_DMA, &u));
}

static inline int tl_register(int fd, unsigned long cmd, const void *vaddr, uint64_t size)
{
	struct tcelab_register_memory r = {
		.argsz = sizeof(r), .vaddr = (uintptr_t)vaddr, .size = size,
	};

	return ERR(ioctl(fd, cmd, &r));
}

static inline int tl_create(int fd, uint32_t shift, uint64_t size, uint32_t levels, uint64_t *start)
{
	struct tcelab_spapr_tce_create c = {
		.argsz = sizeof(c), .page_shift = shift, .window_size = size, .levels = levels,
	};
	int ret = ERR(ioctl(fd, TCELAB_TCE_CREATE, &c));

	if (start)
		*start = c.start_addr;
	return ret;
}

static inline int tl_remove(int fd, uint64_t start)
{
	struct tcelab_spapr_tce_remove r = { .argsz = sizeof(r), .start_addr = start };

	return ERR(ioctl(fd, TCELAB_TCE_REMOVE, &r));
}

/* One hypercall: its PAPR return code (and H_GET_TCE's value in *@retval), or -errno - 100000. */
static inline long tl_hcall(int fd, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
			    uint64_t a3, uint64_t *retval)
{
	struct tcelab_hcall h = { .opcode = op, .args = { a0, a1, a2, a3 } };
	struct tcelab_hcall_batch b = {
		.argsz = sizeof(b), .count = 1, .calls = (uintptr_t)&h,
	};

	if (ioctl(fd, TCELAB_HCALL, &b))
		return -errno - 100000;
	if (retval)
		*retval = h.retval;
	return h.ret;
}

static inline int tl_memslot(int fd, uint64_t gpa, const void *vaddr, uint64_t size)
{
	struct tcelab_memslot s = {
		.argsz = sizeof(s), .gpa = gpa, .vaddr = (uintptr_t)vaddr, .size = size,
	};

	return ERR(ioctl(fd, TCELAB_SET_MEMSLOT, &s));
}

static inline int tl_liobn(int fd, uint32_t id, uint32_t shift, uint64_t offset, uint64_t size)
{
	struct tcelab_liobn l = {
		.argsz = sizeof(l), .liobn = id, .page_shift = shift, .offset = offset,
		.size = size,
	};

	return ERR(ioctl(fd, TCELAB_SET_LIOBN, &l));
}

/* The device behind @group reads (or with TCELAB_DEVICE_DMA_WRITE writes) @buf at @iova. */
static inline int tl_dma(int fd, unsigned int group, uint64_t iova, void *buf, uint64_t size,
			 uint32_t flags)
{
	struct tcelab_device_dma d = {
		.argsz = sizeof(d), .flags = flags, .group = group, .iova = iova,
		.size = size, .buf = (uintptr_t)buf,
	};

	return ERR(ioctl(fd, TCELAB_DEVICE_DMA, &d));
}

/* Pins tcelab.ko holds on the page at @addr (-1 on error). Any open container will do. */
static inline long tl_pins(int fd, const void *addr)
{
	struct tcelab_page_refs r = { .argsz = sizeof(r), .vaddr = (uintptr_t)addr };

	if (ioctl(fd, TCELAB_PAGE_REFS, &r))
		return -1;
	return r.module_pins;
}

static inline struct tcelab_stats tl_stats(int fd)
{
	struct tcelab_stats s = { .argsz = sizeof(s) };

	if (ioctl(fd, TCELAB_GET_STATS, &s))
		tap_diag("TCELAB_GET_STATS: %s", strerror(errno));
	return s;
}

/* tcelab_touched_pages(), or the test ends. */
static inline char *tl_buf(long pages)
{
	char *p = tcelab_touched_pages(pages);

	if (!p) {
		tap_diag("mmap: %s", strerror(errno));
		exit(1);
	}
	return p;
}

/* What every test must return to exactly. */
struct tl_baseline {
	long pinned, locked_pages, mapped, vmlck, double_releases;
	char allocs[256];	/* the module's live objects by type (tcelab_allocs()) */
};

static inline struct tl_baseline tl_baseline(void)
{
	struct tl_baseline b = {
		.pinned = tl_counter("pinned"),
		.locked_pages = tl_counter("locked_pages"),
		.mapped = tl_counter("mapped"),
		.vmlck = tl_vmlck(),
		.double_releases = tl_counter("double_releases"),
	};

	tcelab_allocs(b.allocs, sizeof(b.allocs));
	return b;
}

/* The counters of the balance: what each is, its value now and at the baseline. */
#define TL_BALANCE_COUNTERS 5
struct tl_counter_pair {
	const char *what;
	long now, base;
};

static inline void tl_balance_pairs(const struct tl_baseline *now, const struct tl_baseline *b,
				    struct tl_counter_pair p[TL_BALANCE_COUNTERS])
{
	p[0] = (struct tl_counter_pair){ "pinned pages", now->pinned, b->pinned };
	p[1] = (struct tl_counter_pair){ "locked pages", now->locked_pages, b->locked_pages };
	p[2] = (struct tl_counter_pair){ "VmLck", now->vmlck, b->vmlck };
	p[3] = (struct tl_counter_pair){ "valid TCEs", now->mapped, b->mapped };
	p[4] = (struct tl_counter_pair){ "double releases", now->double_releases,
					 b->double_releases };
}

/*
 * Six checks: pins, locked_vm (module and mm), valid TCEs, double releases and the module's
 * live objects, each exactly back to @b.
 */
#define TL_BALANCE_CHECKS (TL_BALANCE_COUNTERS + 1)
static inline void tl_check_balance(const struct tl_baseline *b, const char *when)
{
	struct tl_baseline now = tl_baseline();
	struct tl_counter_pair p[TL_BALANCE_COUNTERS];
	int i;

	tl_balance_pairs(&now, b, p);
	for (i = 0; i < TL_BALANCE_COUNTERS; i++)
		tap_eq(p[i].now, p[i].base, "%s: %s back to baseline", when, p[i].what);
	if (strcmp(now.allocs, b->allocs))
		tap_diag("live objects: %s; at the baseline: %s",
			 now.allocs[0] ? now.allocs : "none", b->allocs[0] ? b->allocs : "none");
	tap_check(!strcmp(now.allocs, b->allocs), "%s: live objects back to baseline", when);
}

/* What is not back to @b, for a diagnostic, into @why (at least 1 byte); 0 when all is. */
static inline int tl_unbalanced(const struct tl_baseline *b, char *why, size_t len)
{
	struct tl_baseline now = tl_baseline();
	struct tl_counter_pair p[TL_BALANCE_COUNTERS];
	int i, n = 0;
	size_t used;

	why[0] = 0;
	tl_balance_pairs(&now, b, p);
	for (i = 0; i < TL_BALANCE_COUNTERS; i++) {
		if (p[i].now == p[i].base)
			continue;
		used = strlen(why);
		snprintf(why + used, len - used, "%s%s %ld (baseline %ld)", n++ ? ", " : "",
			 p[i].what, p[i].now, p[i].base);
	}
	if (strcmp(now.allocs, b->allocs)) {
		used = strlen(why);
		snprintf(why + used, len - used, "%slive objects: %s (baseline: %s)",
			 n++ ? ", " : "", now.allocs[0] ? now.allocs : "none",
			 b->allocs[0] ? b->allocs : "none");
	}
	return n;
}

static inline void tl_init(void)
{
	page_size = sysconf(_SC_PAGESIZE);
}




/*
 * Overwrite storm: @threads threads map random pool pages onto @entries shared 4K entries
 * (and sometimes unmap them) @iters times each, all on the v1 container @fd.
 */
struct tl_storm {
	int fd, entries, iters, pool_pages;
	char *pool;
	unsigned int seed;
	long errors;
};

static inline void *tl_storm_thread(void *arg)
{
	struct tl_storm *s = arg;
	unsigned int seed = s->seed;
	int i, e, p;

	for (i = 0; i < s->iters; i++) {
		e = rand_r(&seed) % s->entries;
		p = rand_r(&seed) % s->pool_pages;
		if (rand_r(&seed) % 8 == 0) {
			if (tl_unmap(s->fd, e * SZ_4K, SZ_4K))
				s->errors++;
		} else if (tl_map(s->fd, s->pool + p * page_size, e * SZ_4K, SZ_4K, RW)) {
			s->errors++;
		}
	}
	return NULL;
}

/* Returns the number of failed ioctls. */
static inline long tl_storm_run(int fd, char *pool, int pool_pages, int entries, int threads,
				int iters)
{
	struct tl_storm s[16];
	pthread_t tid[16];
	long errors = 0;
	int t;

	for (t = 0; t < threads && t < 16; t++) {
		s[t] = (struct tl_storm){ fd, entries, iters, pool_pages, pool, 1234 + t, 0 };
		pthread_create(&tid[t], NULL, tl_storm_thread, &s[t]);
	}
	for (t = 0; t < threads && t < 16; t++) {
		pthread_join(tid[t], NULL);
		errors += s[t].errors;
	}
	return errors;
}
#endif /* TCELAB_KMOD_UTIL_H */
