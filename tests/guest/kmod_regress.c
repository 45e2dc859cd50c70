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
 */
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
	char why[512];

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

TEST_HARNESS_MAIN
