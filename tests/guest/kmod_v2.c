// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko v2: several groups per container, DDW info, preregistration (REGISTER/UNREGISTER
 * and their errors), MAP/UNMAP through preregistered memory without a pin per call, DDW
 * windows (CREATE/REMOVE and their errors, locked_vm for table pages, removal clears TCEs),
 * and release with live windows, mappings and regions.
 */
#include "kmod_util.h"

static void test_info(const struct tl_baseline *b)
{
	struct tcelab_spapr_tce_info info = { .argsz = sizeof(info) };
	char *buf = tl_buf(1);
	int fd = tl_v2(0);

	tap_eq(tl_attach(fd, 1), 0, "v2 takes a second group");
	tap_eq(ERR(ioctl(fd, TCELAB_SPAPR_TCE_GET_INFO, &info)), 0, "GET_INFO");
	tap_check(info.flags & TCELAB_SPAPR_INFO_DDW, "v2 info has DDW");
	tap_eq(info.ddw.pgsizes, 0x40211000, "POWER9 page sizes");
	tap_eq(info.ddw.max_dynamic_windows_supported, 2, "two windows");
	tap_eq(info.ddw.levels, 5, "five levels");
	tap_eq(ERR(ioctl(fd, TCELAB_ENABLE)), -ENOTTY, "ENABLE on v2: ENOTTY");
	tap_eq(tl_map(fd, buf, 0, SZ_4K, RW), -EPERM, "MAP before any REGISTER: EPERM");
	tap_eq(tl_detach(fd, 1), 0, "DETACH the second group");
	close(fd);
	tl_check_balance(b, "info");
	munmap(buf, page_size);
}

static void test_prereg(const struct tl_baseline *b)
{
	long n = 16, kb = n * page_size / 1024;
	char *buf = tl_buf(n + 1), *other = tl_buf(1);
	int fd = tl_v2(0), i;

	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, buf + 1, page_size), -EINVAL,
	       "REGISTER unaligned vaddr: EINVAL");
	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, buf, page_size + 1), -EINVAL,
	       "REGISTER unaligned size: EINVAL");
	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, buf, 0), -ENOMEM,
	       "REGISTER size 0: ENOMEM (upstream's vzalloc() of nothing)");
	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, (void *)-page_size, 2 * page_size),
	       -EINVAL, "REGISTER wrapping: EINVAL");
	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, buf, n * page_size), 0, "REGISTER 16 pages");
	tap_eq(tl_counter("pinned") - b->pinned, n, "every page pinned once");
	tap_eq(tl_vmlck() - b->vmlck, kb, "and charged to locked_vm");
	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, buf, n * page_size), -EBUSY,
	       "REGISTER the same region: EBUSY");
	tap_eq(tl_register(fd, TCELAB_REGISTER_MEMORY, buf + page_size, n * page_size), -EINVAL,
	       "REGISTER an overlapping region: EINVAL");
	for (i = 0; i < 4; i++)
		tl_map(fd, buf + i * page_size, i * page_size, page_size, RW);
	tap_eq(tl_stats(fd).mapped, 4 * (page_size / SZ_4K), "MAP through the region");
	tap_eq(tl_counter("pinned") - b->pinned, n, "MAP pins nothing more");
	tap_eq(tl_pins(fd, buf), 1, "a mapped page still has one pin");
	tap_eq(tl_map(fd, other, 0, SZ_4K, RW), -EINVAL, "MAP of unregistered memory: EINVAL");
	tap_eq(tl_stats(fd).mapped, 4 * (page_size / SZ_4K),
	       "a MAP failing on its first entry changes nothing");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, n * page_size), -EBUSY,
	       "UNREGISTER while mapped: EBUSY");
	tap_eq(tl_unmap(fd, 0, 4 * page_size), 0, "UNMAP");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, page_size), -ENOENT,
	       "UNREGISTER an unknown region: ENOENT");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, n * page_size), 0, "UNREGISTER");
	tap_eq(tl_pins(fd, buf), 0, "pages released");
	tap_eq(tl_map(fd, buf, 0, SZ_4K, RW), -EINVAL, "MAP after UNREGISTER: EINVAL");
	close(fd);
	tl_check_balance(b, "prereg");
	munmap(buf, (n + 1) * page_size);
	munmap(other, page_size);
}

static void test_windows(const struct tl_baseline *b)
{
	uint64_t start = 0, start2 = 0;
	long n = 8, charged;
	char *buf = tl_buf(n);
	int fd = tl_v2(0);

	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, n * page_size);
	tap_eq(tl_create(fd, 13, 1ULL << 30, 1, NULL), -EINVAL, "CREATE 8K pages: EINVAL");
	tap_eq(tl_create(fd, 24, 1ULL << 30, 1, NULL), -EINVAL,
	       "CREATE 16M pages on POWER9: EINVAL");
	tap_eq(tl_create(fd, 12, 1ULL << 30, 0, NULL), -EINVAL, "CREATE 0 levels: EINVAL");
	tap_eq(tl_create(fd, 12, 1ULL << 30, 6, NULL), -EINVAL, "CREATE 6 levels: EINVAL");
	tap_eq(tl_create(fd, 12, 3ULL << 29, 2, NULL), -EINVAL, "CREATE non-power-of-2: EINVAL");
	tap_eq(tl_create(fd, 12, 1ULL << 52, 1, NULL), -ENOMEM,
	       "CREATE a level too big to allocate: ENOMEM");
	charged = tl_stats(fd).locked_pages;
	tap_eq(tl_create(fd, 12, 1ULL << 40, 3, &start), 0, "CREATE a 1T 3-level window");
	tap_eq(start, TCELAB_DDW_START, "it starts at 0x0800000000000000");
	tap_check((long)tl_stats(fd).locked_pages > charged, "its table is charged to locked_vm");
	tap_eq(tl_create(fd, 12, 1ULL << 30, 1, NULL), -ENOSPC, "a third window: ENOSPC");
	tap_eq(tl_map(fd, buf, start + (1ULL << 39), n * page_size, RW), 0,
	       "MAP in the middle of the DDW window");
	tap_eq(tl_map(fd, buf, 0, page_size, RO), 0, "MAP in the default window too");
	tap_eq(tl_remove(fd, 1ULL << 32), -EINVAL, "REMOVE where no window is: EINVAL");
	tap_eq(tl_remove(fd, start), 0, "REMOVE the DDW window with live TCEs");
	tap_eq(tl_stats(fd).mapped, page_size / SZ_4K, "its TCEs were cleared");
	tap_eq(tl_map(fd, buf, start, page_size, RW), -ENXIO, "MAP in the removed window: ENXIO");
	tap_eq(tl_remove(fd, 0), 0, "REMOVE the default window");
	tap_eq(tl_stats(fd).mapped, 0, "no TCE left");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, n * page_size), 0,
	       "UNREGISTER after the windows went");
	tap_eq(tl_create(fd, 16, 1ULL << 32, 2, &start), 0, "CREATE a 64K-page window");
	tap_eq(tl_create(fd, 12, 1ULL << 31, 1, &start2), 0, "and a 4K one");
	tap_check(start == 0 && start2 == TCELAB_DDW_START,
		  "the first free slot gets bus address 0");
	close(fd);
	tl_check_balance(b, "windows");
	munmap(buf, n * page_size);
}

/* Releasing a container with windows, mappings and regions in place is clean. */
static void test_release(const struct tl_baseline *b)
{
	long n = 8;
	char *buf = tl_buf(n);
	uint64_t start;
	int fd = tl_v2(1);

	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, n * page_size);
	tl_create(fd, 12, 1ULL << 30, 2, &start);
	tap_eq(tl_map(fd, buf, start, n * page_size, RW), 0, "MAP into a DDW window");
	tap_eq(tl_map(fd, buf, 0, n * page_size, RO), 0, "MAP into the default window");
	close(fd);
	tl_check_balance(b, "release v2");
	/* A v2 container without a window or a region, and one with a group only. */
	fd = tl_open();
	ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU);
	close(fd);
	close(tl_v2(0));
	tl_check_balance(b, "release empty v2");
	munmap(buf, n * page_size);
}

/* Overwriting a v2 entry moves the mapping reference; dirtying follows the old direction. */
static void test_overwrite(const struct tl_baseline *b)
{
	long dirtied = tl_counter("dirtied");
	char *buf = tl_buf(2);
	int fd = tl_v2(0);

	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, page_size);
	tl_register(fd, TCELAB_REGISTER_MEMORY, buf + page_size, page_size);
	tap_eq(tl_map(fd, buf, 0, SZ_4K, WO), 0, "MAP from the first region");
	tap_eq(tl_map(fd, buf + page_size, 0, SZ_4K, RW), 0, "MAP from the second over it");
	tap_eq(tl_counter("dirtied") - dirtied, 1, "the replaced page is dirtied");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf, page_size), 0,
	       "the first region is no longer mapped");
	tap_eq(tl_register(fd, TCELAB_UNREGISTER_MEMORY, buf + page_size, page_size), -EBUSY,
	       "the second one is");
	close(fd);
	tl_check_balance(b, "overwrite v2");
	munmap(buf, 2 * page_size);
}

int main(void)
{
	struct tl_baseline b;

	tl_init();
	tap_plan(58 + 7 * TL_BALANCE_CHECKS);
	b = tl_baseline();
	test_info(&b);
	test_prereg(&b);
	test_windows(&b);
	test_release(&b);
	test_overwrite(&b);
	tl_check_balance(&b, "end");
	return tap_finish();
}
