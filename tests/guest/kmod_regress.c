// SPDX-License-Identifier: GPL-2.0
/*
 * What the fuzzer (kmod_fuzz) found in tcelab.ko, each as the smallest deterministic sequence
 * that showed it, and the exact state it must leave: one TEST_F per finding.
 *
 * liobn_over_v1_table: a LIOBN set while the container was v2 outlives the last group's detach
 * (KVM's guest tables are not the container's). Made v1 again, the container's window at 0 is
 * the group's DMA32 table, whose TCEs hold v1 pins and which has no user-address mirror. A
 * hypercall clearing an entry there dropped the TCE but released only a v2 mapping reference
 * (none): the page stayed pinned with no TCE left to release it, 1 page per cleared entry after
 * the container was closed (kmod_fuzz: 7 pages, live objects balanced).
 *
 * remove_raced_into_v1, create_raced_into_v1: TCE_REMOVE and TCE_CREATE checked the container
 * was v2 before copying their argument and taking its lock; a last detach, SET_IOMMU v1 and
 * ATTACH_GROUP in between made them run on a v1 container. TCE_REMOVE at 0 then freed the
 * group's DMA32 table (the group kept the pointer: use after free), TCE_CREATE added a window
 * the v1 container never frees (a table and its locked_vm charge leaked). The argument sits on
 * a page userfaultfd holds back, so the call stops in its copy until the container is v1.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/syscall.h>

#include "harness.h"
#include "kmod_util.h"

#define LIOBN		1
#define NPAGES		3

FIXTURE(regress) {
	struct tl_baseline base;
	char *buf;
	int fd;
};

FIXTURE_SETUP(regress)
{
	tl_init();
	self->base = tl_baseline();
	self->buf = tl_buf(NPAGES);
	self->fd = tl_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(regress)
{
	char why[1024];

	if (self->fd >= 0)
		close(self->fd);
	munmap(self->buf, NPAGES * page_size);
	if (tl_unbalanced(&self->base, why, sizeof(why))) {
		TH_LOG("after close: %s", why);
		_metadata->passed = 0;
	}
}

TEST_F(regress, liobn_over_v1_table)
{
	int fd = self->fd;
	uint64_t i;

	ASSERT_EQ(0, ERR(ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU)));
	ASSERT_EQ(0, tl_attach(fd, 0));
	ASSERT_EQ(0, tl_liobn(fd, LIOBN, 12, 0, 1ULL << 26));
	/* The last group goes: the container has no type any more, the LIOBN stays. */
	ASSERT_EQ(0, tl_detach(fd, 0));
	ASSERT_EQ(0, ERR(ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)));
	ASSERT_EQ(0, tl_attach(fd, 0));
	ASSERT_EQ(0, ERR(ioctl(fd, TCELAB_ENABLE)));
	ASSERT_EQ(0, tl_map(fd, self->buf, 0, NPAGES * page_size, RW));
	ASSERT_LE(NPAGES, tl_stats(fd).mapped);
	EXPECT_EQ(NPAGES * (page_size / SZ_4K), tl_stats(fd).mapped);
	EXPECT_EQ(page_size / SZ_4K, tl_pins(fd, self->buf));

	/* H_PUT_TCE without permission bits and H_STUFF_TCE of 0: the unmaps of the guest. */
	EXPECT_EQ(TCELAB_H_SUCCESS, tl_hcall(fd, TCELAB_H_PUT_TCE, LIOBN, 0, 0, 0, NULL));
	EXPECT_EQ(TCELAB_H_SUCCESS,
		  tl_hcall(fd, TCELAB_H_STUFF_TCE, LIOBN, SZ_4K, 0, page_size / SZ_4K, NULL));
	/* The v1 mappings are MAP_DMA's: every page still mapped and pinned once per IOMMU page. */
	EXPECT_EQ(NPAGES * (page_size / SZ_4K), tl_stats(fd).mapped);
	for (i = 0; i < NPAGES; i++)
		EXPECT_EQ(page_size / SZ_4K, tl_pins(fd, self->buf + i * page_size));
	EXPECT_EQ(0, tl_unmap(fd, 0, NPAGES * page_size));
	EXPECT_EQ(0, tl_stats(fd).mapped);
	EXPECT_EQ(0, tl_pins(fd, self->buf));
}

struct stalled_ioctl {
	int fd;
	unsigned long cmd;
	void *arg;
	long ret;
};

static void *stalled_ioctl_run(void *p)
{
	struct stalled_ioctl *s = p;

	s->ret = ERR(ioctl(s->fd, s->cmd, s->arg));
	return NULL;
}

/* The last group goes (the container loses its type) and the container is made v1 on it. */
static void deprivilege_to_v1(int fd)
{
	tl_detach(fd, 0);
	ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU);
	tl_attach(fd, 0);
	ioctl(fd, TCELAB_ENABLE);
}

/*
 * ioctl @cmd with the @len bytes at @arg, on a page that userfaultfd holds back: the call runs
 * its checks up to the copy of its argument and waits there while @meanwhile runs. Returns the
 * ioctl's result (-errno), or 1 without userfaultfd (a kernel built without it).
 */
static long ioctl_stalled(int fd, unsigned long cmd, const void *arg, size_t len,
			  void (*meanwhile)(int fd))
{
	struct stalled_ioctl s = { .fd = fd, .cmd = cmd };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { .len = page_size };
	struct uffd_msg msg;
	struct pollfd pfd;
	char *page, *src;
	pthread_t tid;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return 1;
	page = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = tl_buf(1);
	memcpy(src, arg, len);
	reg.range = (struct uffdio_range){ .start = (uintptr_t)page, .len = page_size };
	if (page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		close(uffd);
		return 1;
	}
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	s.arg = page;
	pthread_create(&tid, NULL, stalled_ioctl_run, &s);
	/*
	 * The call's copy of its argument faults: it is past its unlocked checks, holding nothing.
	 * A call that returns before reading its argument never faults: no wait past 10 s.
	 */
	if (poll(&pfd, 1, 10000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT)
		meanwhile(fd);
	copy.dst = (uintptr_t)page;
	copy.src = (uintptr_t)src;
	ioctl(uffd, UFFDIO_COPY, &copy);
	pthread_join(tid, NULL);
	close(uffd);
	munmap(page, page_size);
	munmap(src, page_size);
	return s.ret;
}

/*
 * v2 ioctl @cmd on a v2 container with group 0, held in the copy of its argument while the
 * container is made v1: its result in @ret, which stays 1 when the set-up failed or (logged)
 * the kernel has no userfaultfd.
 */
static void raced_into_v1(struct __test_metadata *_metadata, int fd, unsigned long cmd,
			  const void *arg, size_t len, long *ret)
{
	*ret = 1;
	ASSERT_EQ(0, ERR(ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU)));
	ASSERT_EQ(0, tl_attach(fd, 0));
	*ret = ioctl_stalled(fd, cmd, arg, len, deprivilege_to_v1);
	if (*ret == 1)
		TH_LOG("no userfaultfd in this kernel: not tested");
}

TEST_F(regress, remove_raced_into_v1)
{
	struct tcelab_spapr_tce_remove rm = { .argsz = sizeof(rm), .start_addr = 0 };
	long ret;

	raced_into_v1(_metadata, self->fd, TCELAB_TCE_REMOVE, &rm, sizeof(rm), &ret);
	if (ret == 1)
		return;
	/* What TCE_REMOVE returns on a v1 container; the DMA32 table stays, and maps. */
	EXPECT_EQ(-ENOTTY, ret);
	EXPECT_EQ(0, tl_map(self->fd, self->buf, 0, page_size, RW));
	EXPECT_EQ(page_size / SZ_4K, tl_stats(self->fd).mapped);
}

TEST_F(regress, create_raced_into_v1)
{
	struct tcelab_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = 12, .window_size = 1ULL << 26, .levels = 2,
	};
	long ret;

	raced_into_v1(_metadata, self->fd, TCELAB_TCE_CREATE, &cr, sizeof(cr), &ret);
	if (ret == 1)
		return;
	/* No window for v1: the teardown finds no table and no charge left. */
	EXPECT_EQ(-ENOTTY, ret);
}

TEST_HARNESS_MAIN
