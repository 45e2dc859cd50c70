// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of kmod/tce_logic.c: the kernel-independent TCE rules. */
#include "unit.h"
#include "kmod/tce_logic.h"
#include <uapi/tcelab.h>

UNIT_TEST(tce_direction_from_bits)
{
	CHECK_EQ(tce_direction(0x1000), TCE_DIR_NONE);
	CHECK_EQ(tce_direction(0x1000 | TCE_PCI_READ), TCE_DIR_TO_DEVICE);
	CHECK_EQ(tce_direction(0x1000 | TCE_PCI_WRITE), TCE_DIR_FROM_DEVICE);
	CHECK_EQ(tce_direction(0x1000 | TCE_PCI_READ | TCE_PCI_WRITE), TCE_DIR_BIDIRECTIONAL);
}

UNIT_TEST(tce_perm_round_trip)
{
	enum tce_dir d;

	for (d = TCE_DIR_BIDIRECTIONAL; d <= TCE_DIR_NONE; d++)
		CHECK_EQ(tce_direction(tce_encode(0x12345000, d)), d);
	CHECK_EQ(tce_dir_perm(TCE_DIR_NONE), 0);
}

UNIT_TEST(tce_encode_ignores_perm_bits_in_address)
{
	CHECK_EQ(tce_encode(0x5000 | TCE_PCI_WRITE, TCE_DIR_TO_DEVICE), 0x5000 | TCE_PCI_READ);
	CHECK_EQ(tce_to_hpa(0x5000 | TCE_PCI_READ | TCE_PCI_WRITE), 0x5000);
}

UNIT_TEST(tce_dirty_on_device_write)
{
	CHECK(tce_dir_device_writes(TCE_DIR_FROM_DEVICE));
	CHECK(tce_dir_device_writes(TCE_DIR_BIDIRECTIONAL));
	CHECK(!tce_dir_device_writes(TCE_DIR_TO_DEVICE));
	CHECK(!tce_dir_device_writes(TCE_DIR_NONE));
}

UNIT_TEST(tce_map_flags)
{
	CHECK_EQ(tce_dir_from_map_flags(TCELAB_DMA_MAP_FLAG_READ), TCE_DIR_TO_DEVICE);
	CHECK_EQ(tce_dir_from_map_flags(TCELAB_DMA_MAP_FLAG_WRITE), TCE_DIR_FROM_DEVICE);
	CHECK_EQ(tce_dir_from_map_flags(3), TCE_DIR_BIDIRECTIONAL);
	CHECK_EQ(tce_dir_from_map_flags(0), TCE_DIR_NONE);
	CHECK_EQ(tce_dir_from_map_flags(7), TCE_DIR_NONE);
}

UNIT_TEST(tce_check_ioba_rules)
{
	/* window of 16 4K entries starting at entry 4 (bus 0x4000) */
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x4000, 1), 0);
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x4000, 16), 0);
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x4000, 17), -EINVAL);
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x4800, 1), -EINVAL);	/* misaligned */
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x3000, 1), -EINVAL);	/* below */
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x13000, 1), 0);		/* last entry */
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x14000, 1), -EINVAL);	/* past the end */
	CHECK_EQ(tce_check_ioba(12, 4, 16, 0x4000, ~0ULL), -EINVAL);	/* wraps */
}

UNIT_TEST(tce_check_gpa_alignment)
{
	CHECK_EQ(tce_check_gpa(16, 0x10000), 0);
	CHECK_EQ(tce_check_gpa(16, 0x11000), -EINVAL);
	CHECK_EQ(tce_check_gpa(12, 0x11000), 0);
}

UNIT_TEST(tce_ranges)
{
	CHECK(tce_ranges_overlap(0, 10, 9, 1));
	CHECK(!tce_ranges_overlap(0, 10, 10, 1));
	CHECK(tce_range_contains(100, 50, 100, 50));
	CHECK(!tce_range_contains(100, 50, 100, 51));
	CHECK(!tce_range_contains(100, 50, 99, 1));
	CHECK(!tce_range_contains(0, ~0ULL, ~0ULL - 1, 4));		/* wraps */
}

UNIT_TEST(tce_geometry_one_level)
{
	struct tce_geometry g;

	/* DMA32: 2G of 4K pages in one level: 512K entries, 4 MiB node. */
	CHECK_EQ(tce_table_geometry(12, 1ULL << 31, 1, 5, 12, &g), 0);
	CHECK_EQ(g.entries, 1 << 19);
	CHECK_EQ(g.level_shift, 19);
	CHECK_EQ(g.worst_bytes, 2ULL << 22);
}

UNIT_TEST(tce_geometry_levels_at_least_a_page)
{
	struct tce_geometry g;

	/* 64K system pages: every node at least 8K entries. */
	CHECK_EQ(tce_table_geometry(12, 1ULL << 31, 2, 5, 16, &g), 0);
	CHECK_EQ(g.level_shift, 13);
	/* 19 bits over 2 levels with 4K system pages: 10 bits each. */
	CHECK_EQ(tce_table_geometry(12, 1ULL << 31, 2, 5, 12, &g), 0);
	CHECK_EQ(g.level_shift, 10);
	/* leaf: 512 nodes of 8K, top: one node of 8K; doubled for the mirror */
	CHECK_EQ(g.worst_bytes, 2 * (512ULL * 8192 + 8192));
}

UNIT_TEST(tce_geometry_rejects)
{
	struct tce_geometry g;

	CHECK_EQ(tce_table_geometry(12, 1ULL << 31, 0, 5, 12, &g), -EINVAL);
	CHECK_EQ(tce_table_geometry(12, 1ULL << 31, 6, 5, 12, &g), -EINVAL);
	CHECK_EQ(tce_table_geometry(12, 3ULL << 30, 1, 5, 12, &g), -EINVAL);	/* not pow2 */
	CHECK_EQ(tce_table_geometry(16, 1ULL << 12, 1, 5, 12, &g), -EINVAL);	/* < a page */
	CHECK_EQ(tce_table_geometry(12, 1ULL << 50, 1, 5, 12, &g), -ENOMEM);	/* node too big */
	CHECK_EQ(tce_table_geometry(12, 1ULL << 50, 3, 5, 12, &g), 0);
	CHECK_EQ(tce_table_geometry(12, 1ULL << 62, 5, 5, 12, &g), -EINVAL);	/* >= 55 bits */
}

UNIT_TEST(tce_level_indexing)
{
	/* 10 bits per level: entry 0x12345 = level2 0, level1 0x48, level0 0x345 */
	CHECK_EQ(tce_level_index(10, 0x12345, 0), 0x345);
	CHECK_EQ(tce_level_index(10, 0x12345, 1), 0x48);
	CHECK_EQ(tce_level_index(10, 0x12345, 2), 0);
	CHECK_EQ(tce_level_index(13, (1ULL << 26) - 1, 1), (1 << 13) - 1);
}

UNIT_TEST(tce_page_sizes)
{
	CHECK(tce_page_size_supported(0x40211000, 12));
	CHECK(tce_page_size_supported(0x40211000, 16));
	CHECK(tce_page_size_supported(0x40211000, 21));
	CHECK(tce_page_size_supported(0x40211000, 30));
	CHECK(!tce_page_size_supported(0x40211000, 24));
	CHECK(tce_page_size_supported(0x11011000, 24));
	CHECK(!tce_page_size_supported(0x40211000, 64));
}

UNIT_TEST(tce_hcall_argument_checks)
{
	CHECK_EQ(tce_hcall_check_indirect(0x10000, 512), TCELAB_H_SUCCESS);
	CHECK_EQ(tce_hcall_check_indirect(0x10000, 513), TCELAB_H_PARAMETER);
	CHECK_EQ(tce_hcall_check_indirect(0x10008, 1), TCELAB_H_PARAMETER);
	CHECK_EQ(tce_hcall_check_stuff(0), TCELAB_H_SUCCESS);
	CHECK_EQ(tce_hcall_check_stuff(0x1000), TCELAB_H_SUCCESS);
	CHECK_EQ(tce_hcall_check_stuff(0x1000 | TCE_PCI_READ), TCELAB_H_PARAMETER);
}
