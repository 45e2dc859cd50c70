// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko emulated device DMA: data lands in (and comes from) the user's pages through the
 * TCEs, across entries, with permissions honoured; unmapped, read-only, write-only and
 * out-of-window accesses fault and are counted; argument errors.
 */
#include "kmod_util.h"

static void test_v1(const struct tl_baseline *b)
{
	char *buf = tl_buf(3), out[16], in[16] = "0123456789abcdef";
	long faults = tl_counter("faults");
	int fd = tl_v1(0);

	tl_map(fd, buf, 0, SZ_4K, RW);
	tl_map(fd, buf + page_size, SZ_4K, SZ_4K, RW);
	tl_map(fd, buf + 2 * page_size, 2 * SZ_4K, SZ_4K, RO);
	tap_eq(tl_dma(fd, 0, SZ_4K - 8, in, 16, TCELAB_DEVICE_DMA_WRITE), 0,
	       "device writes across two entries");
	tap_check(!memcmp(buf + SZ_4K - 8, in, 8) && !memcmp(buf + page_size, in + 8, 8),
		  "the bytes landed in the user's pages");
	buf[page_size + 1] = 'X';
	tap_eq(tl_dma(fd, 0, SZ_4K - 8, out, 16, 0), 0, "device reads them back");
	tap_check(!memcmp(out, "01234567", 8) && out[9] == 'X', "and sees the user's writes");
	tap_eq(tl_dma(fd, 0, 2 * SZ_4K, in, 4, TCELAB_DEVICE_DMA_WRITE), -EFAULT,
	       "device write to a read-only entry: EFAULT");
	tap_eq(tl_dma(fd, 0, 2 * SZ_4K, out, 4, 0), 0, "device read of a read-only entry");
	tap_eq(tl_dma(fd, 0, 5 * SZ_4K, out, 4, 0), -EFAULT, "DMA to an unmapped entry: EFAULT");
	tap_eq(tl_dma(fd, 0, DMA32_SIZE, out, 4, 0), -EFAULT, "DMA outside every window: EFAULT");
	tap_eq(tl_stats(fd).faults, 3, "three faults counted in the container");
	tap_eq(tl_counter("faults") - faults, 3, "and globally");
	tap_eq(tl_dma(fd, 1, 0, out, 4, 0), -ENODEV, "group not attached: ENODEV");
	tap_eq(tl_dma(fd, 99, 0, out, 4, 0), -ENODEV, "unknown group: ENODEV");
	tap_eq(tl_dma(fd, 0, 0, out, 0, 0), -EINVAL, "size 0: EINVAL");
	tap_eq(tl_dma(fd, 0, 0, out, 2 << 20, 0), -EINVAL, "size over 1 MiB: EINVAL");
	tap_eq(tl_dma(fd, 0, 0, out, 4, 2), -EINVAL, "unknown flags: EINVAL");
	tap_eq(tl_dma(fd, 0, 0, NULL, 4, 0), -EFAULT, "bad user buffer: EFAULT");
	tl_unmap(fd, 0, 3 * SZ_4K);
	tap_eq(tl_dma(fd, 0, 0, out, 4, 0), -EFAULT, "DMA after UNMAP: EFAULT");
	close(fd);
	tl_check_balance(b, "dma v1");
	munmap(buf, 3 * page_size);
}

static void test_v2(const struct tl_baseline *b)
{
	char *buf = tl_buf(1), out[8];
	uint64_t start;
	int fd = tl_v2(1);

	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, page_size);
	tl_create(fd, 12, 1ULL << 30, 2, &start);
	tap_eq(tl_map(fd, buf, start + SZ_4K, SZ_4K, WO), 0, "v2: MAP write-only in DDW");
	tap_eq(tl_dma(fd, 1, start + SZ_4K + 100, "hello", 6, TCELAB_DEVICE_DMA_WRITE), 0,
	       "device writes through the DDW window");
	tap_check(!strcmp(buf + 100, "hello"), "the bytes landed");
	tap_eq(tl_dma(fd, 1, start + SZ_4K, out, 8, 0), -EFAULT, "device read of write-only: EFAULT");
	close(fd);
	tl_check_balance(b, "dma v2");
	munmap(buf, page_size);
}

int main(void)
{
	struct tl_baseline b;

	tl_init();
	tap_plan(21 + 3 * TL_BALANCE_CHECKS);
	b = tl_baseline();
	test_v1(&b);
	test_v2(&b);
	tl_check_balance(&b, "end");
	return tap_finish();
}
