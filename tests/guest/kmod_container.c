// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko containers and the v1 IOMMU: API checks, group ownership, ENABLE/DISABLE and
 * locked_vm, MAP/UNMAP with every documented error, overwrite without clear, the map error
 * path, release with and without groups or live mappings, and the mm ownership rule.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kmod_util.h"

static void test_api(const struct tl_baseline *b)
{
	struct tcelab_group g = { .argsz = sizeof(g) };
	int fd = tl_open(), fd2;

	tap_eq(ioctl(fd, TCELAB_GET_API_VERSION), TCELAB_API_VERSION, "GET_API_VERSION");
	tap_eq(ioctl(fd, TCELAB_CHECK_EXTENSION, TCELAB_SPAPR_TCE_v2_IOMMU), 1,
	       "CHECK_EXTENSION v2");
	tap_eq(ioctl(fd, TCELAB_CHECK_EXTENSION, 77), 0, "CHECK_EXTENSION unknown is 0");
	tap_eq(ERR(ioctl(fd, 0xdead)), -ENOTTY, "unknown ioctl: ENOTTY");
	tap_eq(tl_attach(fd, 0), -EPERM, "ATTACH before SET_IOMMU: EPERM");
	tap_eq(ERR(ioctl(fd, TCELAB_ENABLE)), -EINVAL, "ENABLE before SET_IOMMU: EINVAL");
	tap_eq(ERR(ioctl(fd, TCELAB_SET_IOMMU, 3)), -EINVAL, "SET_IOMMU unknown type: EINVAL");
	tap_eq(ERR(ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)), 0, "SET_IOMMU v1");
	tap_eq(ERR(ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)), -EBUSY,
	       "SET_IOMMU twice: EBUSY");
	tap_eq(ERR(ioctl(fd, TCELAB_ENABLE)), -ENODEV, "ENABLE without a group: ENODEV");
	tap_eq(tl_attach(fd, 1000), -ENODEV, "ATTACH unknown group: ENODEV");
	g.argsz = 8;
	tap_eq(ERR(ioctl(fd, TCELAB_ATTACH_GROUP, &g)), -EINVAL, "argsz too small: EINVAL");
	g.argsz = sizeof(g);
	g.flags = 1;
	tap_eq(ERR(ioctl(fd, TCELAB_ATTACH_GROUP, &g)), -EINVAL, "unknown flags: EINVAL");
	tap_eq(ERR(ioctl(fd, TCELAB_ATTACH_GROUP, NULL)), -EFAULT, "NULL argument: EFAULT");
	tap_eq(tl_attach(fd, 0), 0, "ATTACH group 0");
	tap_eq(tl_attach(fd, 0), -EBUSY, "ATTACH it again: EBUSY");
	tap_eq(tl_attach(fd, 1), -EBUSY, "v1 takes one group only: EBUSY");
	fd2 = tl_open();
	ioctl(fd2, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU);
	tap_eq(tl_attach(fd2, 0), -EBUSY, "group owned by another container: EBUSY");
	close(fd2);
	tap_eq(tl_detach(fd, 1), -ENODEV, "DETACH a group not attached: ENODEV");
	tap_eq(tl_detach(fd, 0), 0, "DETACH group 0");
	/* The last group gone, the container has no IOMMU type, as in VFIO. */
	tap_eq(ERR(ioctl(fd, TCELAB_ENABLE)), -EINVAL, "ENABLE after the last DETACH: EINVAL");
	tap_eq(tl_attach(fd, 0), -EPERM, "ATTACH after the last DETACH: EPERM");
	tap_eq(ERR(ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)), 0, "SET_IOMMU again");
	tap_eq(tl_attach(fd, 0), 0, "ATTACH again after DETACH");
	close(fd);
	/* Containers that never got further than open or SET_IOMMU. */
	close(tl_open());
	fd = tl_open();
	ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU);
	close(fd);
	tl_check_balance(b, "api");
}

static void test_enable(const struct tl_baseline *b)
{
	struct tcelab_spapr_tce_info info = { .argsz = sizeof(info) };
	long dma32_kb = DMA32_SIZE / 1024;
	char *buf = tl_buf(1);
	int fd = tl_open();

	ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU);
	tap_eq(ERR(ioctl(fd, TCELAB_SPAPR_TCE_GET_INFO, &info)), -ENXIO,
	       "GET_INFO without a group: ENXIO");
	tl_attach(fd, 0);
	tap_eq(ERR(ioctl(fd, TCELAB_SPAPR_TCE_GET_INFO, &info)), 0, "GET_INFO");
	tap_check(info.dma32_window_start == 0 && info.dma32_window_size == DMA32_SIZE &&
		  !(info.flags & TCELAB_SPAPR_INFO_DDW), "v1 info: DMA32 0+2G, no DDW");
	tap_eq(tl_map(fd, buf, 0, page_size, RW), -EPERM, "MAP before ENABLE: EPERM");
	tap_eq(tl_unmap(fd, 0, page_size), -EPERM, "UNMAP before ENABLE: EPERM");
	tap_eq(ERR(ioctl(fd, TCELAB_ENABLE)), 0, "ENABLE");
	tap_eq(tl_vmlck() - b->vmlck, dma32_kb, "ENABLE charges the DMA32 window to locked_vm");
	tap_eq(tl_stats(fd).locked_pages * page_size / 1024, dma32_kb,
	       "container counts the charge");
	tap_eq(ERR(ioctl(fd, TCELAB_ENABLE)), -EBUSY, "ENABLE twice: EBUSY");
	tap_eq(ERR(ioctl(fd, TCELAB_DISABLE)), 0, "DISABLE");
	tap_eq(tl_vmlck(), b->vmlck, "DISABLE returns locked_vm");
	tap_eq(ERR(ioctl(fd, TCELAB_DISABLE)), 0, "DISABLE twice is harmless");
	ioctl(fd, TCELAB_ENABLE);
	close(fd);
	tl_check_balance(b, "enable");
	munmap(buf, page_size);
}

/* ENABLE over RLIMIT_MEMLOCK without CAP_IPC_LOCK fails with ENOMEM (in a child). */
static void test_rlimit(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit rl = { 1 << 20, 1 << 20 };
	int status = -1, fd;
	pid_t pid = fork();

	if (!pid) {
		syscall(SYS_capget, &hdr, data);
		data[0].effective &= ~(1U << CAP_IPC_LOCK);
		if (syscall(SYS_capset, &hdr, data) || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(2);
		fd = tl_open();
		ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU);
		tl_attach(fd, 0);
		_exit(ioctl(fd, TCELAB_ENABLE) && errno == ENOMEM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	tap_check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "ENABLE over RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM");
}

static void test_map_errors(const struct tl_baseline *b)
{
	char *buf = tl_buf(4), *hole;
	int fd = tl_v1(0);

	tap_eq(tl_map(fd, buf, 0, page_size, 0), -EINVAL, "MAP without READ/WRITE: EINVAL");
	tap_eq(tl_map(fd, buf, 0, page_size, 4), -EINVAL, "MAP unknown flag: EINVAL");
	tap_eq(tl_map(fd, buf + 1, 0, SZ_4K, RW), -EINVAL, "MAP unaligned vaddr: EINVAL");
	tap_eq(tl_map(fd, buf, 0, SZ_4K + 1, RW), -EINVAL, "MAP unaligned size: EINVAL");
	/* As VFIO_IOMMU_MAP_DMA: nothing to map is fine, a bad iova is 1 (a boolean check). */
	tap_eq(tl_map(fd, buf, 0, 0, RW), 0, "MAP size 0: 0, nothing mapped");
	tap_eq(tl_map(fd, buf, 1 << 8, SZ_4K, RW), 1, "MAP unaligned iova: 1");
	tap_eq(tl_map(fd, buf, DMA32_SIZE, SZ_4K, RW), -ENXIO, "MAP outside every window: ENXIO");
	tap_eq(tl_map(fd, buf, DMA32_SIZE - SZ_4K, 2 * SZ_4K, RW), -EINVAL,
	       "MAP across the window end: EINVAL");
	tap_eq(tl_unmap(fd, DMA32_SIZE - SZ_4K, 2 * SZ_4K), 1, "UNMAP across the window end: 1");
	tap_eq(tl_unmap(fd, 0, 1), -EINVAL, "UNMAP unaligned size: EINVAL");
	tap_eq(tl_unmap(fd, 0, SZ_4K), 0, "UNMAP of nothing mapped is fine");
	/* A hole in the middle: the map fails and what it mapped is cleared. */
	hole = buf + 2 * page_size;
	munmap(hole, page_size);
	tap_eq(tl_map(fd, buf, 0, 4 * page_size, RW), -EFAULT, "MAP over unmapped memory: EFAULT");
	tap_eq(tl_stats(fd).mapped, 0, "failed MAP leaves nothing mapped");
	tap_eq(tl_stats(fd).pinned, 0, "failed MAP leaves nothing pinned");
	tap_eq(tl_pins(fd, buf), 0, "first page of the failed MAP released");
	close(fd);
	tl_check_balance(b, "map errors");
	munmap(buf, 4 * page_size);
}

static void test_map_overwrite(const struct tl_baseline *b)
{
	long dirtied = tl_counter("dirtied");
	char *buf = tl_buf(3);
	int fd = tl_v1(0);
	struct tcelab_stats st;

	tap_eq(tl_map(fd, buf, 0, SZ_4K, RW), 0, "MAP one page read-write");
	tap_eq(tl_pins(fd, buf), 1, "the page is pinned once");
	tap_eq(tl_counter("pinned") - b->pinned, 1, "one page pinned in total");
	tap_eq(tl_map(fd, buf + page_size, 0, SZ_4K, RW), 0, "MAP another page over it");
	tap_eq(tl_pins(fd, buf), 0, "the old page is released exactly once");
	tap_eq(tl_pins(fd, buf + page_size), 1, "the new page is pinned once");
	tap_eq(tl_counter("dirtied") - dirtied, 1, "the released read-write page is dirtied");
	tap_eq(tl_map(fd, buf + 2 * page_size, SZ_4K, SZ_4K, RO), 0, "MAP a read-only page");
	tap_eq(tl_map(fd, buf, SZ_4K, SZ_4K, WO), 0, "MAP a write-only page over it");
	tap_eq(tl_counter("dirtied") - dirtied, 1, "a released read-only page is not dirtied");
	tap_eq(tl_map(fd, buf + page_size, SZ_4K, SZ_4K, RO), 0, "MAP over the write-only one");
	tap_eq(tl_counter("dirtied") - dirtied, 2, "a released write-only page is dirtied");
	st = tl_stats(fd);
	tap_eq(st.mapped, 2, "two valid TCEs");
	tap_eq(st.pinned, 2, "two pins held");
	tap_check(st.kills > 0 && st.exchanges >= 5, "exchanges and kills counted");
	tap_eq(tl_unmap(fd, 0, 2 * SZ_4K), 0, "UNMAP both");
	tap_eq(tl_pins(fd, buf + page_size), 0, "all pages released");
	tap_eq(tl_stats(fd).mapped, 0, "no valid TCE left");
	close(fd);
	tl_check_balance(b, "overwrite");
	munmap(buf, 3 * page_size);
}

/* Closing with live mappings, and detaching the group, release everything. */
static void test_release(const struct tl_baseline *b)
{
	char *buf = tl_buf(8);
	int fd = tl_v1(1), i;

	for (i = 0; i < 8; i++)
		tl_map(fd, buf + i * page_size, i * SZ_4K, SZ_4K, RW);
	tap_eq(tl_counter("pinned") - b->pinned, 8, "8 pages mapped and pinned");
	close(fd);
	tl_check_balance(b, "release with live mappings");

	fd = tl_v1(1);
	tl_map(fd, buf, 0, SZ_4K, RW);
	tap_eq(tl_detach(fd, 1), 0, "DETACH with a live mapping");
	tap_eq(tl_counter("pinned"), b->pinned, "DETACH clears the group's table");
	tap_eq(tl_map(fd, buf, 0, SZ_4K, RW), -EINVAL, "MAP after DETACH: no IOMMU type, EINVAL");
	close(fd);
	tl_check_balance(b, "detach");
	munmap(buf, 8 * page_size);
}

/* A container belongs to the mm that opened it: a child using the fd gets EPERM. */
static void test_mm_owner(void)
{
	int fd = tl_v1(0), status = -1;
	char *buf = tl_buf(1);
	pid_t pid = fork();

	if (!pid)
		_exit(tl_map(fd, buf, 0, SZ_4K, RW) == -EPERM ? 0 : 1);
	waitpid(pid, &status, 0);
	tap_check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "another mm using the container: EPERM");
	close(fd);
	munmap(buf, page_size);
}

int main(void)
{
	struct tl_baseline b;

	tl_init();
	tap_plan(75 + 7 * TL_BALANCE_CHECKS);
	b = tl_baseline();
	test_api(&b);
	test_enable(&b);
	test_rlimit();
	test_map_errors(&b);
	test_map_overwrite(&b);
	test_release(&b);
	test_mm_owner();
	tl_check_balance(&b, "end");
	return tap_finish();
}
