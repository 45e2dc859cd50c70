// SPDX-License-Identifier: GPL-2.0
/*
 * The REAL upstream VFIO sPAPR TCE stack (Debian 6.1's drivers/vfio/vfio_iommu_spapr_tce.c on
 * a powernv IODA2 PHB), not tcelab.ko: a v2 container on the IOMMU group of a device that
 * tcelab-vfio-setup bound to vfio-pci (job vfio, targets powernv9-vfio and powernv8-vfio).
 * Checks upstream's return codes (v1 refused on IODA2 with EPERM, MAP before REGISTER EPERM,
 * ...), REGISTER_MEMORY, MAP_DMA/UNMAP_DMA in the default 32-bit window (an overwrite too) and
 * in a 64-bit DDW window (SPAPR_TCE_CREATE/REMOVE), and that locked_vm (VmLck) and the kernel's
 * count of pinned pages return to their baselines. First, a container released having never
 * held a group (a refused SET_IOMMU, in a child: a kernel that oopses there hangs VFIO) and two
 * groups (PHBs 1 and 2) in one container: a v1 container refuses them, a v2 one takes both.
 * The group comes from TCELAB_VFIO_GROUP (N or /dev/vfio/N; the device from TCELAB_VFIO_DEVICE
 * or the group's first), else from the first device bound to vfio-pci; the second group from the
 * first vfio-pci device outside the first (none: those checks SKIP). Without a group (x86_64,
 * powernv without the devices) the test is one SKIP.
 * --unregister-while-mapped and --phb3-kill-hang run only the reproducer of an upstream leak
 * or of an upstream POWER8 hang (see below).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vfio.h>

#include <tcelab/guest.h>

#include "tap.h"

#define PLAN		81
#define TWO_GROUP_CHECKS 9
#define RELEASE_WAIT_S	15
#define TAINT_DIE	(1L << 7)	/* the kernel's TAINT_DIE: it oopsed or BUGged */
#define NPAGES		16
#define RW		(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)
#define DDW_BUS		(1ULL << 59)	/* where powernv's IODA2 puts the second window */
#define ERR(expr)	((expr) < 0 ? -errno : 0)
/*
 * MAPs expected to fail in tce_iommu_build_v2() use a bus address past entry 0: a failure on
 * entry 0 hangs a POWER8 PHB3 (see phb3_kill_hang()).
 */
#define FAIL_IOVA	(NPAGES * page_size)

static long page_size;

/* The group of the first device bound to vfio-pci that is not in group @other, and its address. */
static int vfio_pci_group(int other, char *bdf, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *e;
	int group = -1;
	DIR *dir;
	ssize_t n;

	dir = opendir("/sys/bus/pci/drivers/vfio-pci");
	if (!dir)
		return -1;
	while (group < 0 && (e = readdir(dir))) {
		if (!strchr(e->d_name, ':'))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/vfio-pci/%s/iommu_group",
			 e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		group = atoi(strrchr(link, '/') + 1);
		if (group == other)
			group = -1;
		else
			snprintf(bdf, len, "%s", e->d_name);
	}
	closedir(dir);
	return group;
}

/* The group and a device in it: from the environment, else the first vfio-pci device. */
static int find_group(char *bdf, size_t len)
{
	const char *g = getenv("TCELAB_VFIO_GROUP"), *d = getenv("TCELAB_VFIO_DEVICE");
	char path[PATH_MAX];
	struct dirent *e;
	int group = -1;
	DIR *dir;

	if (g) {
		group = atoi(strrchr(g, '/') ? strrchr(g, '/') + 1 : g);
		if (d) {
			snprintf(bdf, len, "%s", d);
			return group;
		}
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", group);
		dir = opendir(path);
		if (!dir)
			return -1;
		while ((e = readdir(dir)))
			if (strchr(e->d_name, ':'))
				break;
		if (e)
			snprintf(bdf, len, "%s", e->d_name);
		closedir(dir);
		return e ? group : -1;
	}
	return vfio_pci_group(-1, bdf, len);
}

static char *buf_alloc(long pages)
{
	char *p = tcelab_touched_pages(pages);

	if (!p) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		exit(1);
	}
	return p;
}

static int reg(int fd, unsigned long cmd, void *vaddr, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_spapr_register_memory r = {
		.argsz = sizeof(r), .flags = flags, .vaddr = (uintptr_t)vaddr, .size = size,
	};

	return ERR(ioctl(fd, cmd, &r));
}

static int map(int fd, void *vaddr, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)vaddr, .iova = iova,
		.size = size,
	};

	return ERR(ioctl(fd, VFIO_IOMMU_MAP_DMA, &m));
}

static int unmap(int fd, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};

	return ERR(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &u));
}

/* Pages pinned with FOLL_PIN and not yet released, system-wide (/proc/vmstat); -1 if unknown. */
static long foll_pins(void)
{
	long acquired = -1, released = -1, v;
	char name[64];
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acquired = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			released = v;
	}
	fclose(f);
	return acquired < 0 || released < 0 ? -1 : acquired - released;
}

/*
 * Pinned pages beyond @base once a release has completed: upstream unpins preregistered memory
 * in an RCU callback after its last reference goes (mm_iommu_free()), so this waits up to 2 s
 * for the count to come back and hold still for 50 ms (it may be read halfway through the
 * callback); a page leaked never comes back, one released twice makes it negative.
 */
static long pins_left(long base)
{
	long left = foll_pins() - base, prev;
	int i, still = 0;

	for (i = 0; i < 200 && (left > 0 || still < 5); i++) {
		usleep(10000);
		prev = left;
		left = foll_pins() - base;
		still = left == prev ? still + 1 : 0;
	}
	return left;
}

/* Map (or unmap) n system pages one call each; the first error, else 0. */
static int map_pages(int fd, char *buf, uint64_t iova, int n, int do_map)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = do_map ? map(fd, buf + i * page_size, iova + i * page_size, page_size, RW)
			     : unmap(fd, iova + i * page_size, page_size, 0);
		if (ret)
			return ret;
	}
	return 0;
}

static int create(int fd, uint32_t shift, uint64_t size, uint32_t levels, uint32_t flags,
		  uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create c = {
		.argsz = sizeof(c), .flags = flags, .page_shift = shift, .window_size = size,
		.levels = levels,
	};
	int ret = ERR(ioctl(fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &c));

	if (start)
		*start = c.start_addr;
	return ret;
}

static int remove_window(int fd, uint64_t start)
{
	struct vfio_iommu_spapr_tce_remove r = { .argsz = sizeof(r), .start_addr = start };

	return ERR(ioctl(fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &r));
}

static int group_flags(int gfd)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (ioctl(gfd, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	return st.flags;
}

/* The kernel's taint flags (/proc/sys/kernel/tainted); -1 if unknown. */
static long tainted(void)
{
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");
	long v = -1;

	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/*
 * VFIO_SET_IOMMU @type on a new container holding only the group @gpath, in a child; its error.
 * When the driver refuses the group (v1 on IODA2: EPERM), VFIO opens the driver's container
 * (tce_iommu_open()), fails to attach the group and releases that container at once
 * (tce_iommu_release()): a container that never held a group. A kernel that oopses there kills
 * the child while it holds VFIO's and the container's locks, so the child hangs in exit when its
 * group is closed, and any later VFIO call would hang as well: -ECHILD when the kernel died
 * meanwhile (taint flag D, TAINT_DIE), the child was killed, or it had not exited after
 * RELEASE_WAIT_S (a guard against a hang without an oops; the step takes milliseconds).
 */
static int set_iommu_in_child(const char *gpath, unsigned long type)
{
	long taint = tainted();
	int cfd, gfd, ret, status = 0, i;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		cfd = open("/dev/vfio/vfio", O_RDWR);
		gfd = open(gpath, O_RDWR);
		ret = ERR(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd));
		if (!ret)
			ret = ERR(ioctl(cfd, VFIO_SET_IOMMU, type));
		close(gfd);
		close(cfd);
		_exit(-ret);
	}
	for (i = 0; i < RELEASE_WAIT_S * 100 && waitpid(pid, &status, WNOHANG) != pid; i++) {
		if (!(taint & TAINT_DIE) && tainted() & TAINT_DIE) {
			tap_diag("the kernel died in SET_IOMMU's child (taint D): see its report");
			return -ECHILD;
		}
		usleep(10000);
	}
	if (i == RELEASE_WAIT_S * 100) {
		tap_diag("SET_IOMMU's child has not exited after %d s: hung in the kernel", RELEASE_WAIT_S);
		return -ECHILD;
	}
	if (WIFSIGNALED(status)) {
		tap_diag("SET_IOMMU's child was killed by signal %d", WTERMSIG(status));
		return -ECHILD;
	}
	return -WEXITSTATUS(status);
}

/*
 * Two groups (the devices on PHBs 1 and 2) in one container, TWO_GROUP_CHECKS checks. VFIO's
 * core puts any groups in a container that has no IOMMU yet; SET_IOMMU then attaches each to
 * the driver's container. A v1 container holds one group, the platform's own table:
 * tce_iommu_attach_group() refuses a second group without the DDW ops with EBUSY (pseries,
 * IODA1), and on IODA2, whose groups have them, any group with EPERM, so the v1 container with
 * both groups is refused as a whole. A v2 container shares its windows between groups: it
 * takes both, and keeps the first when the second leaves.
 */
static void two_groups(int group, int group2)
{
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };
	char gpath[64];
	int cfd, gfd, gfd2, i;

	if (group2 < 0) {
		for (i = 0; i < TWO_GROUP_CHECKS; i++)
			tap_skip("two groups in one container", "one VFIO group only");
		return;
	}
	tap_diag("groups %d and %d", group, group2);
	cfd = open("/dev/vfio/vfio", O_RDWR);
	snprintf(gpath, sizeof(gpath), "/dev/vfio/%d", group);
	gfd = open(gpath, O_RDWR);
	snprintf(gpath, sizeof(gpath), "/dev/vfio/%d", group2);
	gfd2 = open(gpath, O_RDWR);
	tap_eq(ERR(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd)), 0, "GROUP_SET_CONTAINER group %d",
	       group);
	tap_eq(ERR(ioctl(gfd2, VFIO_GROUP_SET_CONTAINER, &cfd)), 0,
	       "GROUP_SET_CONTAINER group %d, the same container", group2);
	tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU)), -EPERM,
	       "SET_IOMMU v1 with two groups: EPERM (a v1 container takes no IODA2 group)");
	tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)), 0,
	       "SET_IOMMU v2 with two groups");
	tap_eq(group_flags(gfd2), VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
	       "group %d status: container set", group2);
	tap_eq(ERR(ioctl(cfd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info)), 0,
	       "SPAPR_TCE_GET_INFO with two groups");
	tap_eq(ERR(ioctl(gfd2, VFIO_GROUP_UNSET_CONTAINER)), 0,
	       "GROUP_UNSET_CONTAINER group %d", group2);
	tap_eq(group_flags(gfd2), VFIO_GROUP_FLAGS_VIABLE, "group %d status: no container", group2);
	tap_eq(ERR(ioctl(cfd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info)), 0,
	       "SPAPR_TCE_GET_INFO: the container keeps group %d", group);
	close(gfd2);
	close(gfd);
	close(cfd);
}

/* A v2 container holding @group, for the reproducers; -1 after a TAP bail-out. */
static int v2_container(int group, int *gfd)
{
	char gpath[64];
	int cfd;

	snprintf(gpath, sizeof(gpath), "/dev/vfio/%d", group);
	cfd = open("/dev/vfio/vfio", O_RDWR);
	*gfd = open(gpath, O_RDWR);
	if (ioctl(*gfd, VFIO_GROUP_SET_CONTAINER, &cfd) ||
	    ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)) {
		printf("Bail out! no v2 container on group %d: %s\n", group, strerror(errno));
		return -1;
	}
	return cfd;
}

/*
 * Upstream 6.1 bug, not part of the default run (job vfio-unreg-leak): UNREGISTER_MEMORY of a
 * region that still has TCEs mapped. tce_iommu_unregister_pages() holds an extra reference
 * from mm_iommu_get() while tce_iommu_prereg_free() drops the container's, so the -EBUSY of
 * the final mm_iommu_put() ("still mapped") is ignored: the ioctl returns 0, the container
 * forgets the region, and the region stays pinned and charged to locked_vm for the life of the
 * mm; destroy_context() then WARNs (mmu_context.c, iommu_group_mem_list not empty).
 */
static int unregister_while_mapped(int group)
{
	char *buf = buf_alloc(NPAGES);
	long base = tcelab_vmlck_kb();
	int cfd, gfd;

	tap_plan(5);
	cfd = v2_container(group, &gfd);
	if (cfd < 0)
		return 1;
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, NPAGES * page_size, 0), 0,
	       "REGISTER");
	tap_eq(map_pages(cfd, buf, 0, NPAGES, 1), 0, "MAP");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, buf, NPAGES * page_size, 0), -EBUSY,
	       "UNREGISTER while mapped: EBUSY");
	tap_eq(map_pages(cfd, buf, 0, NPAGES, 0), 0, "UNMAP");
	close(gfd);
	close(cfd);
	tap_eq(tcelab_vmlck_kb(), base, "locked_vm back to baseline after release");
	return tap_finish();
}

/*
 * Upstream 6.1 bug on POWER8 (PHB3), not part of the default run (job vfio-phb3-hang): a v2
 * MAP_DMA whose first entry fails at bus address 0 makes tce_iommu_build_v2() clear 0 entries,
 * and iommu_tce_kill(tbl, 0, 0) reaches pnv_pci_phb3_tce_invalidate() with index 0 and
 * npages 0: end = (index + npages - 1) << shift wraps, and the loop writes the TCE kill
 * register ~2^52 times (soft lockup, forever). MAP or UNMAP of size 0 at 0 do the same. PHB4
 * (POWER9) invalidates through OPAL and is not affected.
 */
static int phb3_kill_hang(int group)
{
	char *buf = buf_alloc(1), *other = buf_alloc(1);
	int cfd, gfd;

	tap_plan(2);
	cfd = v2_container(group, &gfd);
	if (cfd < 0)
		return 1;
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, page_size, 0), 0, "REGISTER");
	tap_eq(map(cfd, other, 0, page_size, RW), -EINVAL,
	       "MAP unregistered memory at bus address 0: EINVAL (hangs a PHB3)");
	close(gfd);
	close(cfd);
	return tap_finish();
}

int main(int argc, char **argv)
{
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	long base, page_kb, after_reg, tbl_kb, before, pins;
	char bdf[256], bdf2[256], gpath[64], *buf, *other;
	int cfd, gfd, dfd, group, flags, set_v1_err;
	uint64_t start = 0;

	page_size = sysconf(_SC_PAGESIZE);
	page_kb = page_size / 1024;
	group = find_group(bdf, sizeof(bdf));
	snprintf(gpath, sizeof(gpath), "/dev/vfio/%d", group);
	if (group < 0 || access(gpath, F_OK) || access("/dev/vfio/vfio", F_OK)) {
		tap_plan(1);
		tap_skip("the upstream VFIO sPAPR TCE container",
			 "no VFIO group (needs a device bound to vfio-pci: job vfio on powernv9-vfio or powernv8-vfio)");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--unregister-while-mapped"))
		return unregister_while_mapped(group);
	if (argc > 1 && !strcmp(argv[1], "--phb3-kill-hang"))
		return phb3_kill_hang(group);
	tap_plan(PLAN);
	tap_diag("group %d (%s), system page %ld", group, bdf, page_size);
	buf = buf_alloc(NPAGES);
	other = buf_alloc(1);
	base = tcelab_vmlck_kb();
	pins = foll_pins();
	if (pins < 0) {
		printf("Bail out! no nr_foll_pin_acquired/_released in /proc/vmstat\n");
		return 1;
	}

	/* Before the main container: one released having held no group, then two groups in one. */
	set_v1_err = set_iommu_in_child(gpath, VFIO_SPAPR_TCE_IOMMU);
	tap_eq(set_v1_err, -EPERM,
	       "SET_IOMMU v1 on IODA2: EPERM, its container released having held no group");
	if (set_v1_err == -ECHILD) {
		printf("Bail out! VFIO hangs after the release of a container that held no group\n");
		return 1;
	}
	two_groups(group, vfio_pci_group(group, bdf2, sizeof(bdf2)));

	/* The container, the group and the IOMMU type. */
	cfd = open("/dev/vfio/vfio", O_RDWR);
	if (!tap_check(cfd >= 0, "open /dev/vfio/vfio")) {
		printf("Bail out! %s\n", strerror(errno));
		return 1;
	}
	tap_eq(ioctl(cfd, VFIO_GET_API_VERSION), VFIO_API_VERSION, "GET_API_VERSION");
	tap_eq(ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_IOMMU), 1, "extension: sPAPR TCE v1");
	tap_eq(ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU), 1,
	       "extension: sPAPR TCE v2");
	tap_eq(ioctl(cfd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU), 0, "no type1 IOMMU on POWER");
	gfd = open(gpath, O_RDWR);
	if (!tap_check(gfd >= 0, "open %s", gpath)) {
		printf("Bail out! %s\n", strerror(errno));
		return 1;
	}
	flags = group_flags(gfd);
	tap_eq(flags, VFIO_GROUP_FLAGS_VIABLE, "group viable, no container yet");
	tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)), -EINVAL,
	       "SET_IOMMU with no group: EINVAL");
	if (!tap_eq(ERR(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd)), 0, "GROUP_SET_CONTAINER")) {
		printf("Bail out! the group does not attach (spapr_iommu_ops loaded?)\n");
		return 1;
	}
	tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU)), -EPERM,
	       "SET_IOMMU v1 on IODA2: EPERM (upstream refuses v1 there)");
	if (!tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)), 0, "SET_IOMMU v2")) {
		printf("Bail out! no v2 container\n");
		return 1;
	}
	tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)), -EINVAL,
	       "SET_IOMMU twice: EINVAL");
	flags = group_flags(gfd);
	tap_eq(flags, VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
	       "group status: container set");
	dfd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	tap_check(dfd >= 0, "GROUP_GET_DEVICE_FD %s", bdf);
	tap_eq(ERR(ioctl(dfd, VFIO_DEVICE_GET_INFO, &dinfo)), 0, "DEVICE_GET_INFO");
	tap_check(dinfo.flags & VFIO_DEVICE_FLAGS_PCI, "a vfio-pci device (%u regions, %u irqs)",
		  dinfo.num_regions, dinfo.num_irqs);

	/* What the platform offers (pnv_pci_ioda2 table_group). */
	tap_eq(ERR(ioctl(cfd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info)), 0, "SPAPR_TCE_GET_INFO");
	tap_diag("dma32 window 0x%llx+0x%llx, pgsizes 0x%llx, %u windows, %u levels",
		 (unsigned long long)info.dma32_window_start,
		 (unsigned long long)info.dma32_window_size, (unsigned long long)info.ddw.pgsizes,
		 info.ddw.max_dynamic_windows_supported, info.ddw.levels);
	tap_check(info.flags & VFIO_IOMMU_SPAPR_INFO_DDW, "v2 info has DDW");
	tap_check((info.ddw.pgsizes & 0x11000) == 0x11000, "4K and 64K IOMMU pages");
	tap_check(info.ddw.max_dynamic_windows_supported >= 2, "at least two windows");
	tap_check(info.dma32_window_size > 0, "a 32-bit default window");
	tap_eq(ERR(ioctl(cfd, VFIO_IOMMU_ENABLE)), -ENOTTY, "ENABLE on v2: ENOTTY");
	tap_eq(map(cfd, buf, 0, page_size, RW), -EPERM, "MAP before any REGISTER: EPERM");

	/* Preregistration and the default window (created on first use). */
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf + 1, page_size, 0), -EINVAL,
	       "REGISTER unaligned: EINVAL");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, page_size, 1), -EINVAL,
	       "REGISTER with a flag: EINVAL");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, NPAGES * page_size, 0), 0,
	       "REGISTER %d pages", NPAGES);
	after_reg = tcelab_vmlck_kb();
	tap_eq(after_reg - base, NPAGES * page_kb, "REGISTER charges locked_vm");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, NPAGES * page_size, 0), -EBUSY,
	       "REGISTER the same region: EBUSY");
	tap_eq(map_pages(cfd, buf, 0, NPAGES, 1), 0, "MAP %d pages in the default window", NPAGES);
	tbl_kb = tcelab_vmlck_kb() - after_reg;
	tap_check(tbl_kb > 0, "the default window's table is charged (%ld kB)", tbl_kb);
	tap_eq(map(cfd, buf + page_size, 0, page_size, RW), 0,
	       "MAP over a mapped entry: the old mapping is released (an overwrite)");
	tap_eq(map(cfd, other, FAIL_IOVA, page_size, RW), -EINVAL, "MAP unregistered memory: EINVAL");
	tap_eq(map(cfd, buf, 0, page_size, 0), -EINVAL, "MAP without a direction: EINVAL");
	tap_eq(map(cfd, buf + 1, 0, page_size, RW), -EINVAL, "MAP unaligned vaddr: EINVAL");
	tap_eq(map(cfd, buf, 1ULL << 40, page_size, RW), -ENXIO, "MAP outside any window: ENXIO");
	tap_eq(map(cfd, buf, 0, page_size, RW | 0x100), -EINVAL, "MAP with an unknown flag: EINVAL");
	tap_eq(map_pages(cfd, buf, 0, NPAGES, 0), 0, "UNMAP the pages");
	tap_eq(unmap(cfd, 0, page_size, 1), -EINVAL, "UNMAP with a flag: EINVAL");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, other, page_size, 0), -ENOENT,
	       "UNREGISTER unknown memory: ENOENT");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, buf, NPAGES * page_size, 0), 0,
	       "UNREGISTER");
	tap_eq(tcelab_vmlck_kb() - base, tbl_kb, "locked_vm: only the default window left");
	tap_eq(pins_left(pins), 0, "every page unpinned (nr_foll_pin_acquired - _released)");
	tap_eq(map(cfd, buf, FAIL_IOVA, page_size, RW), -EINVAL, "MAP after UNREGISTER: EINVAL");

	/* A 64-bit DDW window. */
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, NPAGES * page_size, 0), 0,
	       "REGISTER again");
	tap_eq(create(cfd, 13, 1ULL << 30, 1, 0, NULL), -EINVAL, "CREATE 8K pages: EINVAL");
	tap_eq(create(cfd, 16, 1ULL << 30, 1, 1, NULL), -EINVAL, "CREATE with a flag: EINVAL");
	before = tcelab_vmlck_kb();
	tap_eq(create(cfd, 16, 1ULL << 30, 1, 0, &start), 0, "CREATE 1 GiB of 64K pages");
	tap_eq(start, DDW_BUS, "the 64-bit window starts at 1 << 59");
	tap_check(tcelab_vmlck_kb() > before, "its table is charged (%ld kB)", tcelab_vmlck_kb() - before);
	tap_eq(create(cfd, 16, 1ULL << 30, 1, 0, NULL), -ENOSPC, "a third window: ENOSPC");
	tap_eq(map_pages(cfd, buf, start, NPAGES, 1), 0, "MAP %d pages in the 64-bit window",
	       NPAGES);
	tap_eq(map(cfd, buf, start, 4096, RW), -EINVAL, "MAP 4K in a 64K-page window: EINVAL");
	tap_eq(map_pages(cfd, buf, start, NPAGES, 0), 0, "UNMAP them");
	tap_eq(remove_window(cfd, start), 0, "REMOVE the 64-bit window");
	tap_eq(remove_window(cfd, start), -EINVAL, "REMOVE it again: EINVAL");
	tap_eq(tcelab_vmlck_kb(), before, "locked_vm: the window's table returned");
	tap_eq(remove_window(cfd, 0), 0, "REMOVE the default window");
	tap_eq(tcelab_vmlck_kb() - base, NPAGES * page_kb, "locked_vm: its table returned too");
	tap_eq(map(cfd, buf, 0, page_size, RW), -ENXIO, "MAP with no window: ENXIO");
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, buf, NPAGES * page_size, 0), 0,
	       "UNREGISTER");
	tap_eq(pins_left(pins), 0, "every page unpinned again");

	/* Release, with the default window recreated and memory still registered. */
	tap_eq(reg(cfd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, buf, NPAGES * page_size, 0), 0,
	       "REGISTER for the release");
	tap_eq(create(cfd, 12, info.dma32_window_size, 1, 0, &start), 0,
	       "CREATE a 4K-page window at bus address 0");
	tap_eq(start, 0, "it starts at 0");
	tap_eq(map_pages(cfd, buf, 0, NPAGES, 1), 0, "MAP, and leave it mapped");
	close(dfd);
	tap_eq(ERR(ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER)), 0, "GROUP_UNSET_CONTAINER");
	close(cfd);
	tap_eq(tcelab_vmlck_kb(), base, "locked_vm back to baseline after release");
	tap_eq(pins_left(pins), 0, "every page unpinned after release");

	/* The group is free again for a new container. */
	cfd = open("/dev/vfio/vfio", O_RDWR);
	tap_eq(ERR(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd)), 0, "the group attaches again");
	tap_eq(ERR(ioctl(cfd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)), 0, "SET_IOMMU v2 again");
	close(gfd);
	close(cfd);
	tap_eq(tcelab_vmlck_kb(), base, "locked_vm at baseline at the end");
	munmap(buf, NPAGES * page_size);
	munmap(other, page_size);
	return tap_finish();
}
