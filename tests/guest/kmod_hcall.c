// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab.ko hypercall layer: memory slots, LIOBNs, and H_PUT_TCE, H_PUT_TCE_INDIRECT,
 * H_STUFF_TCE and H_GET_TCE with every return code of book3s_64_vio.c, subpages (a 64K guest
 * TCE over a 4K-page window), overwrite, and the batched ioctl.
 */
#include <endian.h>

#include "kmod_util.h"

#define GBASE		0x10000000ULL	/* guest physical base of the preregistered region */
#define GUNREG		0x20000000ULL	/* guest physical base of unregistered memory */
#define LIOBN		0x80000001
#define LIOBN64		0x80000002
#define NPAGES		32

static int fd;

static long hc(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	       uint64_t *retval)
{
	return tl_hcall(fd, op, a0, a1, a2, a3, retval);
}

static long put(uint64_t liobn, uint64_t ioba, uint64_t tce)
{
	return hc(TCELAB_H_PUT_TCE, liobn, ioba, tce, 0, NULL);
}

static uint64_t get(uint64_t liobn, uint64_t ioba)
{
	uint64_t v = ~0ULL;

	hc(TCELAB_H_GET_TCE, liobn, ioba, 0, 0, &v);
	return v;
}

static int memslot(uint64_t gpa, void *vaddr, uint64_t size)
{
	return tl_memslot(fd, gpa, vaddr, size);
}

static int liobn(uint32_t id, uint32_t shift, uint64_t offset, uint64_t size)
{
	return tl_liobn(fd, id, shift, offset, size);
}

static long mapped(void)
{
	return tl_stats(fd).mapped;
}

static void test_setup(char *buf, char *unreg)
{
	struct tcelab_liobn v1_liobn = {
		.argsz = sizeof(v1_liobn), .liobn = 1, .page_shift = 12, .size = DMA32_SIZE,
	};
	int v1 = tl_v1(1);

	tap_eq(liobn(9, 12, 0, DMA32_SIZE), 0, "SET_LIOBN");
	tap_eq(liobn(9, 12, 0, DMA32_SIZE), -EBUSY, "SET_LIOBN duplicate: EBUSY");
	tap_eq(liobn(10, 11, 0, DMA32_SIZE), -EINVAL, "SET_LIOBN page_shift 11: EINVAL");
	tap_eq(liobn(10, 12, 0, 3 * SZ_4K), -EINVAL, "SET_LIOBN odd size: EINVAL");
	tap_eq(liobn(10, 16, SZ_4K, 1 << 20), -EINVAL, "SET_LIOBN unaligned offset: EINVAL");
	tap_eq(liobn(LIOBN, 12, 0, DMA32_SIZE), 0, "LIOBN over the default window");
	tap_eq(ERR(ioctl(v1, TCELAB_SET_LIOBN, &v1_liobn)), -EPERM, "SET_LIOBN on v1: EPERM");
	close(v1);
	tap_eq(memslot(GBASE, buf, NPAGES * page_size), 0, "SET_MEMSLOT");
	tap_eq(memslot(GBASE + page_size, unreg, page_size), -EINVAL,
	       "SET_MEMSLOT overlapping: EINVAL");
	tap_eq(memslot(GUNREG + 1, unreg, page_size), -EINVAL, "SET_MEMSLOT unaligned: EINVAL");
	tap_eq(memslot(GUNREG, unreg, page_size), 0, "SET_MEMSLOT of unregistered memory");
}

static void test_put_get(char *buf)
{
	uint64_t tce = GBASE | TCELAB_TCE_PCI_READ | TCELAB_TCE_PCI_WRITE;
	long dirtied;

	tap_eq(put(0x1234, 0, tce), TCELAB_H_TOO_HARD, "H_PUT_TCE unknown LIOBN: H_TOO_HARD");
	tap_eq(put(LIOBN, 0x800, tce), TCELAB_H_PARAMETER, "H_PUT_TCE misaligned ioba: H_PARAMETER");
	tap_eq(put(LIOBN, DMA32_SIZE, tce), TCELAB_H_PARAMETER,
	       "H_PUT_TCE ioba past the window: H_PARAMETER");
	tap_eq(put(LIOBN, 0, 0x90000000 | TCELAB_TCE_PCI_READ), TCELAB_H_TOO_HARD,
	       "H_PUT_TCE outside every memslot: H_TOO_HARD");
	tap_eq(put(LIOBN, 0, GUNREG | TCELAB_TCE_PCI_READ), TCELAB_H_TOO_HARD,
	       "H_PUT_TCE of memory not preregistered: H_TOO_HARD");
	tap_eq(put(LIOBN, 0, (GBASE + 0x100) | TCELAB_TCE_PCI_READ), TCELAB_H_TOO_HARD,
	       "H_PUT_TCE misaligned address: H_TOO_HARD");
	tap_eq(mapped(), 0, "nothing mapped by the failures");
	tap_eq(put(LIOBN, 0, tce), TCELAB_H_SUCCESS, "H_PUT_TCE");
	tap_eq(mapped(), 1, "one TCE in the window");
	tap_eq(get(LIOBN, 0), tce, "H_GET_TCE returns it");
	tap_eq(hc(TCELAB_H_GET_TCE, LIOBN, 0x801, 0, 0, NULL), TCELAB_H_PARAMETER,
	       "H_GET_TCE misaligned: H_PARAMETER");
	tap_eq(hc(TCELAB_H_GET_TCE, 0x1234, 0, 0, 0, NULL), TCELAB_H_TOO_HARD,
	       "H_GET_TCE unknown LIOBN: H_TOO_HARD");
	tap_eq(get(LIOBN, 0x100000), 0, "H_GET_TCE of an empty entry is 0");
	dirtied = tl_counter("dirtied");
	tap_eq(put(LIOBN, 0, (GBASE + SZ_4K) | TCELAB_TCE_PCI_READ), TCELAB_H_SUCCESS,
	       "H_PUT_TCE over a valid entry");
	tap_eq(mapped(), 1, "still one TCE");
	tap_eq(tl_counter("dirtied") - dirtied, 1, "the replaced read-write page is dirtied");
	tap_eq(put(LIOBN, 0, 0), TCELAB_H_SUCCESS, "H_PUT_TCE 0 clears");
	tap_eq(mapped(), 0, "no TCE left");
	tap_eq(get(LIOBN, 0), 0, "H_GET_TCE after clearing is 0");
	tap_eq(hc(0x1, 0, 0, 0, 0, NULL), TCELAB_H_FUNCTION, "unknown hypercall: H_FUNCTION");
	(void)buf;
}

static void test_indirect(char *buf)
{
	/* The list lives in the last page of the region, at a 4K-aligned guest address. */
	uint64_t *list = (uint64_t *)(buf + (NPAGES - 1) * page_size);
	uint64_t list_gpa = GBASE + (NPAGES - 1) * page_size, ioba = 0x10000;
	long pinned = tl_counter("pinned");
	int i;

	for (i = 0; i < 8; i++)
		list[i] = htobe64((GBASE + i * SZ_4K) | TCELAB_TCE_PCI_READ);
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, LIOBN, ioba, list_gpa, 513, NULL),
	       TCELAB_H_PARAMETER, "INDIRECT 513 TCEs: H_PARAMETER");
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, LIOBN, ioba, list_gpa + 8, 8, NULL),
	       TCELAB_H_PARAMETER, "INDIRECT unaligned list: H_PARAMETER");
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, LIOBN, ioba + 1, list_gpa, 8, NULL),
	       TCELAB_H_PARAMETER, "INDIRECT misaligned ioba: H_PARAMETER");
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, 0x1234, ioba, list_gpa, 8, NULL),
	       TCELAB_H_TOO_HARD, "INDIRECT unknown LIOBN: H_TOO_HARD");
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, LIOBN, ioba, 0x90000000, 8, NULL),
	       TCELAB_H_TOO_HARD, "INDIRECT list outside memslots: H_TOO_HARD");
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, LIOBN, ioba, list_gpa, 8, NULL),
	       TCELAB_H_SUCCESS, "INDIRECT 8 TCEs");
	tap_eq(mapped(), 8, "8 TCEs in the window");
	tap_eq(get(LIOBN, ioba + 7 * SZ_4K), (GBASE + 7 * SZ_4K) | TCELAB_TCE_PCI_READ,
	       "the last one reads back");
	tap_eq(tl_counter("pinned"), pinned, "the list page was released");
	/* One bad TCE: validation fails before anything is applied. */
	list[5] = htobe64(GUNREG | TCELAB_TCE_PCI_READ);
	tap_eq(hc(TCELAB_H_PUT_TCE_INDIRECT, LIOBN, 0x100000, list_gpa, 8, NULL),
	       TCELAB_H_TOO_HARD, "INDIRECT with an unregistered TCE: H_TOO_HARD");
	tap_eq(get(LIOBN, 0x100000), 0, "nothing applied from the bad list");
	tap_eq(mapped(), 8, "still 8 TCEs");
	tap_eq(hc(TCELAB_H_STUFF_TCE, LIOBN, ioba, TCELAB_TCE_PCI_READ, 8, NULL),
	       TCELAB_H_PARAMETER, "STUFF with permission bits: H_PARAMETER");
	tap_eq(hc(TCELAB_H_STUFF_TCE, LIOBN, DMA32_SIZE - SZ_4K, 0, 2, NULL),
	       TCELAB_H_PARAMETER, "STUFF past the window: H_PARAMETER");
	tap_eq(hc(TCELAB_H_STUFF_TCE, 0x1234, ioba, 0, 8, NULL), TCELAB_H_TOO_HARD,
	       "STUFF unknown LIOBN: H_TOO_HARD");
	tap_eq(hc(TCELAB_H_STUFF_TCE, LIOBN, ioba, 0, 8, NULL), TCELAB_H_SUCCESS, "STUFF 0");
	tap_eq(mapped(), 0, "STUFF cleared the window");
	tap_eq(get(LIOBN, ioba), 0, "and the guest table");
}

/* A 64K guest TCE over a 4K-page DDW window maps 16 IOMMU pages. */
static void test_subpages(void)
{
	uint64_t start;

	tap_eq(tl_create(fd, 12, 1ULL << 30, 2, &start), 0, "CREATE a 4K-page DDW window");
	tap_eq(liobn(LIOBN64, 16, start, 1ULL << 30), 0, "a 64K LIOBN over it");
	tap_eq(put(LIOBN64, start + 0x10000, GBASE | TCELAB_TCE_PCI_WRITE), TCELAB_H_SUCCESS,
	       "H_PUT_TCE of a 64K page");
	tap_eq(mapped(), 16, "16 subpages mapped");
	tap_eq(put(LIOBN64, start, (GBASE + SZ_4K) | TCELAB_TCE_PCI_WRITE), TCELAB_H_TOO_HARD,
	       "a 4K-aligned address for a 64K TCE: H_TOO_HARD");
	tap_eq(put(LIOBN64, start + 0x10000, 0), TCELAB_H_SUCCESS, "clear it");
	tap_eq(mapped(), 0, "all 16 subpages cleared");
}

static void test_batch(void)
{
	struct tcelab_hcall h[3] = {
		{ .opcode = TCELAB_H_PUT_TCE,
		  .args = { LIOBN, 0x2000, GBASE | TCELAB_TCE_PCI_READ } },
		{ .opcode = TCELAB_H_GET_TCE, .args = { LIOBN, 0x2000 } },
		{ .opcode = TCELAB_H_PUT_TCE, .args = { LIOBN, 0x2001, 0 } },
	};
	struct tcelab_hcall_batch b = { .argsz = sizeof(b), .count = 3, .calls = (uintptr_t)h };

	tap_eq(ERR(ioctl(fd, TCELAB_HCALL, &b)), 0, "a batch of 3 hypercalls");
	tap_check(h[0].ret == TCELAB_H_SUCCESS && h[1].ret == TCELAB_H_SUCCESS &&
		  h[1].retval == (GBASE | TCELAB_TCE_PCI_READ) && h[2].ret == TCELAB_H_PARAMETER,
		  "each call has its own return code");
	b.count = 0;
	tap_eq(ERR(ioctl(fd, TCELAB_HCALL, &b)), -EINVAL, "empty batch: EINVAL");
	b.count = TCELAB_HCALL_MAX_BATCH + 1;
	tap_eq(ERR(ioctl(fd, TCELAB_HCALL, &b)), -EINVAL, "batch too big: EINVAL");
	b.count = 1;
	b.calls = 8;
	tap_eq(ERR(ioctl(fd, TCELAB_HCALL, &b)), -EFAULT, "bad calls pointer: EFAULT");
	b.flags = 1;
	tap_eq(ERR(ioctl(fd, TCELAB_HCALL, &b)), -EINVAL, "unknown flags: EINVAL");
	tap_eq(mapped(), 1, "the batch left one TCE (released at close)");
}

int main(void)
{
	struct tl_baseline b;
	char *buf, *unreg;

	tl_init();
	tap_plan(63 + TL_BALANCE_CHECKS);
	b = tl_baseline();
	buf = tl_buf(NPAGES);
	unreg = tl_buf(1);
	fd = tl_v2(0);
	tl_register(fd, TCELAB_REGISTER_MEMORY, buf, NPAGES * page_size);
	test_setup(buf, unreg);
	test_put_get(buf);
	test_indirect(buf);
	test_subpages();
	test_batch();
	close(fd);
	tl_check_balance(&b, "end");
	return tap_finish();
}
