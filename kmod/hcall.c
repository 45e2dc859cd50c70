// SPDX-License-Identifier: GPL-2.0
/*
 * The hypercall layer: the in-kernel KVM path of arch/powerpc/kvm/book3s_64_vio.c. A guest
 * memory slot maps guest physical addresses to user memory, a LIOBN is a guest TCE table, and
 * H_PUT_TCE, H_PUT_TCE_INDIRECT, H_STUFF_TCE and H_GET_TCE update the guest table and the
 * container window under it, with the return codes and checks of the real handlers. When the
 * window uses smaller IOMMU pages than the LIOBN, each guest TCE covers several (subpages).
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "tcelab_private.h"

long tcelab_set_memslot(struct tcelab_container *c, struct tcelab_memslot *slot)
{
	struct tcelab_gslot *free = NULL, *s;
	long ret = 0;

	if (!slot->size || ((slot->gpa | slot->vaddr | slot->size) & ~PAGE_MASK) ||
	    slot->gpa + slot->size < slot->gpa || slot->vaddr + slot->size < slot->vaddr)
		return -EINVAL;
	down_write(&c->lock);
	for (s = c->memslots; s < c->memslots + TCELAB_MAX_MEMSLOTS; s++) {
		if (!s->size)
			free = free ?: s;
		else if (tce_ranges_overlap(s->gpa, s->size, slot->gpa, slot->size))
			ret = -EINVAL;
	}
	if (!ret && !free)
		ret = -ENOSPC;
	if (!ret) {
		free->gpa = slot->gpa;
		free->ua = slot->vaddr;
		free->size = slot->size;
	}
	up_write(&c->lock);
	return ret;
}

static struct tcelab_stt *tcelab_find_liobn(struct tcelab_container *c, u64 liobn)
{
	struct tcelab_stt *stt;

	if (liobn > U32_MAX)
		return NULL;
	list_for_each_entry(stt, &c->liobns, node)
		if (stt->liobn == liobn)
			return stt;
	return NULL;
}

long tcelab_set_liobn(struct tcelab_container *c, struct tcelab_liobn *args)
{
	struct tcelab_stt *stt;
	struct tce_geometry geo;
	long ret;

	if (!tcelab_v2(c))
		return -EPERM;
	if (args->page_shift < 12 || args->page_shift > 34 ||
	    (args->offset & ((1ULL << args->page_shift) - 1)) ||
	    tce_table_geometry(args->page_shift, args->size, 2, TCE_MAX_LEVELS, PAGE_SHIFT, &geo))
		return -EINVAL;
	down_write(&c->lock);
	ret = -EPERM;	/* checked again: see tcelab_v2_only() */
	if (!tcelab_v2(c))
		goto unlock;
	ret = -EBUSY;
	if (tcelab_find_liobn(c, args->liobn))
		goto unlock;
	ret = -ENOMEM;
	stt = tcelab_alloc(TCELAB_OBJ_LIOBN, TCELAB_FAIL_LIOBN, sizeof(*stt));
	if (!stt)
		goto unlock;
	/* No user-address mirror for a guest table: half of the worst case. */
	stt->charged = DIV_ROUND_UP(geo.worst_bytes / 2, PAGE_SIZE);
	ret = tcelab_account(c, stt->charged, true);
	if (ret)
		goto free;
	ret = -ENOMEM;
	stt->guest = tcelab_table_alloc(&geo, args->offset, TCELAB_TABLE_GUEST);
	if (!stt->guest)
		goto uncharge;
	stt->liobn = args->liobn;
	stt->page_shift = args->page_shift;
	stt->offset = stt->guest->offset;
	stt->size = stt->guest->size;
	list_add(&stt->node, &c->liobns);
	up_write(&c->lock);
	return 0;

uncharge:
	tcelab_account(c, stt->charged, false);
free:
	tcelab_free(TCELAB_OBJ_LIOBN, stt);
unlock:
	up_write(&c->lock);
	return ret;
}

void tcelab_liobns_free(struct tcelab_container *c)
{
	struct tcelab_stt *stt, *next;

	list_for_each_entry_safe(stt, next, &c->liobns, node) {
		list_del(&stt->node);
		tcelab_table_free(stt->guest);
		tcelab_account(c, stt->charged, false);
		tcelab_free(TCELAB_OBJ_LIOBN, stt);
	}
}

/*
 * The container window the LIOBN drives (kvm_spapr_tce_attach_iommu_group() match): a v2
 * window, whose user-address mirror accounts for each TCE a hypercall writes or clears
 * (pnv_tce_useraddrptr() WARNs on a table without one). A LIOBN set while the container was v2
 * outlives its last detach; made v1 again, the container's table at 0 is the group's DMA32
 * table, whose TCEs hold MAP_DMA's pins, which a hypercall could clear but not release.
 */
static struct tcelab_table *tcelab_liobn_table(struct tcelab_container *c,
					       struct tcelab_stt *stt)
{
	struct tcelab_table *tbl;
	int i;

	for (i = 0; i < TCE_MAX_WINDOWS; i++) {
		tbl = c->tables[i];
		if (tbl && tbl->ua && tbl->page_shift <= stt->page_shift &&
		    tcelab_table_start(tbl) == stt->offset << stt->page_shift &&
		    tbl->size << tbl->page_shift >= stt->size << stt->page_shift)
			return tbl;
	}
	return NULL;
}

static long tcelab_ioba_validate(struct tcelab_stt *stt, u64 ioba, u64 npages)
{
	return tce_check_ioba(stt->page_shift, stt->offset, stt->size, ioba, npages) ?
	       TCELAB_H_PARAMETER : TCELAB_H_SUCCESS;
}

/* kvmppc_tce_to_ua(): guest physical address of a TCE to a user address. */
static int tcelab_tce_to_ua(struct tcelab_container *c, u64 tce, u64 *ua)
{
	u64 gpa = tce & PAGE_MASK;
	struct tcelab_gslot *s;

	for (s = c->memslots; s < c->memslots + TCELAB_MAX_MEMSLOTS; s++) {
		if (s->size && tce_range_contains(s->gpa, s->size, gpa, 1)) {
			*ua = (s->ua + (gpa - s->gpa)) | (tce & ~(PAGE_MASK | TCE_PERM_MASK));
			return 0;
		}
	}
	return -EINVAL;
}

static long tcelab_tce_validate(struct tcelab_container *c, struct tcelab_stt *stt,
				struct tcelab_table *tbl, u64 tce)
{
	unsigned long hpa;
	struct tcelab_prereg *mem;
	u64 ua;

	/* Userspace may poison the table with a TCE that has no permission. */
	if (tce_direction(tce) == TCE_DIR_NONE)
		return TCELAB_H_SUCCESS;
	if (tce_check_gpa(stt->page_shift, tce_to_hpa(tce)) || tcelab_tce_to_ua(c, tce, &ua))
		return TCELAB_H_TOO_HARD;
	if (tbl) {
		mem = tcelab_prereg_lookup(c, ua, 1ULL << tbl->page_shift);
		if (!mem || tcelab_prereg_ua_to_hpa(mem, ua, tbl->page_shift, &hpa))
			return TCELAB_H_TOO_HARD;
	}
	return TCELAB_H_SUCCESS;
}

/*
 * kvmppc_tce_put(): record what the guest wrote. Validated before, it returns nothing: a level
 * that cannot be allocated loses the TCE, as upstream loses it when alloc_page() fails.
 */
static void tcelab_guest_put(struct tcelab_stt *stt, u64 entry, u64 tce)
{
	__be64 *slot = tcelab_table_entry(stt->guest, entry, tce != 0);

	if (slot)
		WRITE_ONCE(*slot, cpu_to_be64(tce));
}

static long tcelab_do_unmap(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry)
{
	enum tce_dir dir = TCE_DIR_NONE;
	unsigned long hpa = 0;

	if (tcelab_tce_xchg(c, tbl, entry, &hpa, &dir))
		return TCELAB_H_TOO_HARD;
	tcelab_unuse_v2(c, tbl, entry);
	return TCELAB_H_SUCCESS;
}

static long tcelab_iommu_unmap(struct tcelab_container *c, struct tcelab_stt *stt,
			       struct tcelab_table *tbl, u64 entry)
{
	u64 subpages = 1ULL << (stt->page_shift - tbl->page_shift), io_entry = entry * subpages;
	long ret = TCELAB_H_SUCCESS;
	u64 i;

	for (i = 0; i < subpages && ret == TCELAB_H_SUCCESS; i++)
		ret = tcelab_do_unmap(c, tbl, io_entry + i);
	tcelab_tce_kill(c, tbl, io_entry, subpages);
	return ret;
}

/*
 * A failed map clears the entry (kvmppc_clear_tce()). Upstream drops the TCEs without their
 * mapping references; tcelab releases them so that the region can still be unregistered, but
 * for fault 1, which drops them as upstream does: the region stays mapped, its pages pinned.
 */
static void tcelab_clear_tce(struct tcelab_container *c, struct tcelab_stt *stt,
			     struct tcelab_table *tbl, u64 entry)
{
	u64 subpages = 1ULL << (stt->page_shift - tbl->page_shift);

	tcelab_clear(c, tbl, entry * subpages, subpages, !tcelab_fault(TCELAB_FAULT_MAP_LEAK));
}

static long tcelab_do_map(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry,
			  u64 ua, enum tce_dir dir)
{
	struct tcelab_prereg *mem;
	unsigned long hpa;
	u64 *pua;

	pua = tcelab_table_ua(tbl, entry, true);
	if (!pua)
		return TCELAB_H_TOO_HARD;
	/* Only preregistered memory: the v1 path is the ioctl one. */
	mem = tcelab_prereg_lookup(c, ua, 1ULL << tbl->page_shift);
	if (!mem || tcelab_prereg_ua_to_hpa(mem, ua, tbl->page_shift, &hpa))
		return TCELAB_H_TOO_HARD;
	if (!atomic64_inc_not_zero(&mem->mapped))
		return TCELAB_H_TOO_HARD;
	if (tcelab_tce_xchg(c, tbl, entry, &hpa, &dir)) {
		tcelab_prereg_mapped_dec(mem);
		return TCELAB_H_TOO_HARD;
	}
	tcelab_ua_set(c, tbl, pua, ua);
	return TCELAB_H_SUCCESS;
}

static long tcelab_iommu_map(struct tcelab_container *c, struct tcelab_stt *stt,
			     struct tcelab_table *tbl, u64 entry, u64 ua, enum tce_dir dir)
{
	u64 subpages = 1ULL << (stt->page_shift - tbl->page_shift), io_entry = entry * subpages;
	long ret = TCELAB_H_SUCCESS;
	u64 i;

	for (i = 0; i < subpages && ret == TCELAB_H_SUCCESS; i++)
		ret = tcelab_do_map(c, tbl, io_entry + i, ua + (i << tbl->page_shift), dir);
	tcelab_tce_kill(c, tbl, io_entry, subpages);
	return ret;
}

/* Apply one validated guest TCE to the window (if any) and to the guest table. */
static long tcelab_put_one(struct tcelab_container *c, struct tcelab_stt *stt,
			   struct tcelab_table *tbl, u64 entry, u64 tce)
{
	enum tce_dir dir = tce_direction(tce);
	long ret = TCELAB_H_SUCCESS;
	u64 ua = 0;

	if (dir != TCE_DIR_NONE && tcelab_tce_to_ua(c, tce, &ua))
		return TCELAB_H_PARAMETER;
	if (tbl) {
		if (dir == TCE_DIR_NONE)
			ret = tcelab_iommu_unmap(c, stt, tbl, entry);
		else
			ret = tcelab_iommu_map(c, stt, tbl, entry, ua, dir);
		if (ret != TCELAB_H_SUCCESS) {
			tcelab_clear_tce(c, stt, tbl, entry);
			return ret;
		}
	}
	tcelab_guest_put(stt, entry, tce);
	return TCELAB_H_SUCCESS;
}

/*
 * The guest table of @liobn into *@stt, and [@ioba, +@npages) checked against its window: the
 * first checks of H_PUT_TCE, H_STUFF_TCE and H_GET_TCE, in book3s_64_vio.c's order.
 */
static long tcelab_hcall_window(struct tcelab_container *c, u64 liobn, u64 ioba, u64 npages,
				struct tcelab_stt **stt)
{
	*stt = tcelab_find_liobn(c, liobn);
	if (!*stt)
		return TCELAB_H_TOO_HARD;
	return tcelab_ioba_validate(*stt, ioba, npages);
}

static long tcelab_h_put_tce(struct tcelab_container *c, u64 liobn, u64 ioba, u64 tce)
{
	struct tcelab_table *tbl;
	struct tcelab_stt *stt;
	long ret;

	ret = tcelab_hcall_window(c, liobn, ioba, 1, &stt);
	if (ret != TCELAB_H_SUCCESS)
		return ret;
	tbl = tcelab_liobn_table(c, stt);
	ret = tcelab_tce_validate(c, stt, tbl, tce);
	if (ret != TCELAB_H_SUCCESS)
		return ret;
	return tcelab_put_one(c, stt, tbl, ioba >> stt->page_shift, tce);
}

/*
 * H_PUT_TCE_INDIRECT: the list is validated in one pass and applied in a second. The list page
 * is pinned while it is read; fault 8 returns early from the validation pass without
 * releasing it.
 */
static long tcelab_h_put_tce_indirect(struct tcelab_container *c, u64 liobn, u64 ioba,
				      u64 tce_list, u64 npages)
{
	struct tcelab_stt *stt = tcelab_find_liobn(c, liobn);
	u64 entry, ua, i, tce;
	struct tcelab_table *tbl;
	struct page *page;
	__be64 *tces;
	long ret;

	if (!stt)
		return TCELAB_H_TOO_HARD;
	entry = ioba >> stt->page_shift;
	ret = tce_hcall_check_indirect(tce_list, npages);
	if (ret == TCELAB_H_SUCCESS)
		ret = tcelab_ioba_validate(stt, ioba, npages);
	if (ret != TCELAB_H_SUCCESS)
		return ret;
	if (tcelab_tce_to_ua(c, tce_list, &ua) ||
	    tcelab_pin(c, ua, false, &page))
		return TCELAB_H_TOO_HARD;
	tbl = tcelab_liobn_table(c, stt);
	tces = kmap_local_page(page) + (ua & ~PAGE_MASK);

	for (i = 0; i < npages; i++) {
		ret = tcelab_tce_validate(c, stt, tbl, be64_to_cpu(READ_ONCE(tces[i])));
		if (ret != TCELAB_H_SUCCESS) {
			if (tcelab_fault(TCELAB_FAULT_INDIRECT_LEAK)) {
				kunmap_local(tces);
				return ret;
			}
			goto unpin;
		}
	}
	/*
	 * Userspace may change the list between the passes; every check is made again on the
	 * way, so that only makes for a messier failure.
	 */
	for (i = 0; i < npages; i++) {
		tce = be64_to_cpu(READ_ONCE(tces[i]));
		ret = tcelab_put_one(c, stt, tbl, entry + i, tce);
		if (ret != TCELAB_H_SUCCESS)
			break;
	}
unpin:
	kunmap_local(tces);
	tcelab_unpin(c, page, false);
	return ret;
}

static long tcelab_h_stuff_tce(struct tcelab_container *c, u64 liobn, u64 ioba, u64 tce_value,
			       u64 npages)
{
	struct tcelab_table *tbl;
	struct tcelab_stt *stt;
	u64 entry, i;
	long ret;

	ret = tcelab_hcall_window(c, liobn, ioba, npages, &stt);
	if (ret == TCELAB_H_SUCCESS)
		ret = tce_hcall_check_stuff(tce_value);
	if (ret != TCELAB_H_SUCCESS)
		return ret;
	entry = ioba >> stt->page_shift;
	tbl = tcelab_liobn_table(c, stt);
	for (i = 0; tbl && i < npages; i++) {
		cond_resched();
		ret = tcelab_iommu_unmap(c, stt, tbl, entry + i);
		if (ret == TCELAB_H_TOO_HARD)
			return ret;
	}
	for (i = 0; i < npages; i++)
		tcelab_guest_put(stt, entry + i, tce_value);
	return TCELAB_H_SUCCESS;
}

static long tcelab_h_get_tce(struct tcelab_container *c, u64 liobn, u64 ioba, u64 *retval)
{
	struct tcelab_stt *stt;
	__be64 *slot;
	long ret;

	ret = tcelab_hcall_window(c, liobn, ioba, 1, &stt);
	if (ret != TCELAB_H_SUCCESS)
		return ret;
	slot = tcelab_table_entry(stt->guest, ioba >> stt->page_shift, false);
	*retval = slot ? be64_to_cpu(READ_ONCE(*slot)) : 0;
	return TCELAB_H_SUCCESS;
}

static long tcelab_hcall_one(struct tcelab_container *c, struct tcelab_hcall *h)
{
	u64 *a = h->args;

	h->retval = 0;
	switch (h->opcode) {
	case TCELAB_H_PUT_TCE:
		return tcelab_h_put_tce(c, a[0], a[1], a[2]);
	case TCELAB_H_PUT_TCE_INDIRECT:
		return tcelab_h_put_tce_indirect(c, a[0], a[1], a[2], a[3]);
	case TCELAB_H_STUFF_TCE:
		return tcelab_h_stuff_tce(c, a[0], a[1], a[2], a[3]);
	case TCELAB_H_GET_TCE:
		return tcelab_h_get_tce(c, a[0], a[1], &h->retval);
	default:
		return TCELAB_H_FUNCTION;
	}
}

long tcelab_hcall_batch(struct tcelab_container *c, struct tcelab_hcall_batch *batch)
{
	struct tcelab_hcall __user *calls = u64_to_user_ptr(batch->calls);
	struct tcelab_hcall h;
	long ret = 0;
	u32 i;

	if (!batch->count || batch->count > TCELAB_HCALL_MAX_BATCH)
		return -EINVAL;
	ret = tcelab_create_default_window(c);
	if (ret)
		return ret;
	down_read(&c->lock);
	for (i = 0; i < batch->count; i++) {
		if (copy_from_user(&h, &calls[i], sizeof(h))) {
			ret = -EFAULT;
			break;
		}
		h.ret = tcelab_hcall_one(c, &h);
		if (copy_to_user(&calls[i], &h, sizeof(h))) {
			ret = -EFAULT;
			break;
		}
	}
	up_read(&c->lock);
	return ret;
}
