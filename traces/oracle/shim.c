// SPDX-License-Identifier: GPL-2.0
/*
 * The host around upstream's hypercall handlers (upstream_vm.h): guest RAM as one memory
 * slot, preregistered the way mm_iommu_do_alloc() leaves normal pages, the table fds, the
 * IOMMU tables a VFIO group brings (their exchange modelled on powernv's pnv_tce_xchg()),
 * and the hypercall dispatch of book3s_hv.c. One guest at a time, one thread.
 */
#include <stdio.h>

#include "shim.h"
#include "upstream_vm.h"

const char upstream_source_version[] = UPSTREAM_SOURCE_VERSION;
const char upstream_guest_kernel_version[] = UPSTREAM_GUEST_KERNEL_VERSION;
const unsigned int upstream_page_shift = PAGE_SHIFT;

/* Where guest RAM sits in the simulated host process, and in its "physical" memory. */
#define GUEST_UA		0x100000000000UL
#define GUEST_HPA		0x200000000000UL
#define MAX_WINDOWS		64
#define MAX_FILES		(2 * MAX_WINDOWS)
#define FD_BASE			3
/* The IOMMU tables' levels: 8192 entries, a 64K page of TCEs, allocated on first use. */
#define LEVEL_SHIFT		13
#define LEVEL_ENTRIES		(1UL << LEVEL_SHIFT)
#define MAX_LIST		1024

struct iommu_group {
	struct iommu_table_group *table_group;
};

/* A VFIO group with one DMA window: the platform's table behind one guest window. */
struct window {
	u64 liobn;
	int fd;				/* the KVM TCE table's */
	struct iommu_table_group table_group;
	struct iommu_group group;
};

struct hw_table {
	struct iommu_table tbl;
	unsigned long nr_levels;
	__be64 **tces, **uas;		/* the hardware TCEs, the user address of each */
};

struct upstream_vm {
	struct kvm kvm;
	struct mm_struct mm;
	struct kvm_memslots slots;
	struct kvm_memory_slot slot;
	struct kvm_vcpu vcpu;
	struct mm_iommu_table_group_mem_t *mem;
	unsigned int iommu_page_shift;
	struct window windows[MAX_WINDOWS];
	struct file files[MAX_FILES];
	bool file_used[MAX_FILES];
	u64 list_ua;
	unsigned int list_n;
	__be64 list[MAX_LIST];
	char warning[256];
};

/* The guest whose call runs: what get_user(), fds and WARNs refer to. */
static struct upstream_vm *cur;

void shim_warn(const char *file, int line, const char *cond)
{
	const char *base = strrchr(file, '/');

	if (cur && !cur->warning[0])
		snprintf(cur->warning, sizeof(cur->warning), "%s:%d: %s", base ? base + 1 : file,
			 line, cond);
}

const char *upstream_warning(struct upstream_vm *vm)
{
	return vm->warning[0] ? vm->warning : NULL;
}

/* --- files ------------------------------------------------------------------------------------ */

int anon_inode_getfd(const char *name, const struct file_operations *fops, void *priv,
		     int flags)
{
	int i;

	for (i = 0; i < MAX_FILES; i++) {
		if (cur->file_used[i])
			continue;
		cur->file_used[i] = true;
		cur->files[i] = (struct file){ .private_data = priv, .f_op = fops };
		return FD_BASE + i;
	}
	return -EMFILE;
}

struct fd fdget(int fd)
{
	int i = fd - FD_BASE;

	return (struct fd){ i >= 0 && i < MAX_FILES && cur->file_used[i] ? &cur->files[i] : NULL };
}

static void fd_close(int fd)
{
	struct file *f = fdget(fd).file;

	f->f_op->release(NULL, f);
	cur->file_used[fd - FD_BASE] = false;
}

/* --- guest memory ----------------------------------------------------------------------------- */

/*
 * The only guest memory a hypercall reads is an H_PUT_TCE_INDIRECT list, which the oracle
 * writes before the call; the rest of guest RAM reads as zeros, and outside it is a fault.
 */
int shim_get_user(void *dst, const void __user *src, size_t size)
{
	u64 ua = (u64)(uintptr_t)src, end = cur->slot.userspace_addr +
		 (cur->slot.npages << PAGE_SHIFT);

	if (ua < cur->slot.userspace_addr || ua + size > end || ua + size < ua)
		return -EFAULT;
	memset(dst, 0, size);
	if (size == sizeof(__be64) && ua >= cur->list_ua &&
	    ua - cur->list_ua < cur->list_n * size && !((ua - cur->list_ua) % size))
		memcpy(dst, &cur->list[(ua - cur->list_ua) / size], size);
	return 0;
}

void upstream_guest_list(struct upstream_vm *vm, uint64_t gpa, const uint64_t *tces,
			 unsigned int n)
{
	unsigned int i;

	vm->list_ua = vm->slot.userspace_addr + gpa;
	vm->list_n = n < MAX_LIST ? n : MAX_LIST;
	for (i = 0; i < vm->list_n; i++)
		vm->list[i] = cpu_to_be64(tces[i]);
}

/* --- the IOMMU tables: pnv_tce(), pnv_tce_xchg(), pnv_tce_useraddrptr() ----------------------- */

static __be64 *hw_entry(struct hw_table *hw, __be64 **levels, long index, bool alloc)
{
	unsigned long idx = index - hw->tbl.it_offset, level = idx >> LEVEL_SHIFT;

	if (idx >= hw->tbl.it_size)
		return NULL;
	if (!levels[level] && alloc)
		levels[level] = calloc(LEVEL_ENTRIES, sizeof(__be64));
	return levels[level] ? &levels[level][idx & (LEVEL_ENTRIES - 1)] : NULL;
}

static int hw_xchg(struct iommu_table *tbl, long index, unsigned long *hpa,
		   enum dma_data_direction *direction)
{
	struct hw_table *hw = container_of(tbl, struct hw_table, tbl);
	unsigned long newtce = *hpa | iommu_direction_to_tce_perm(*direction), oldtce;
	__be64 *ptce = NULL;

	if (*hpa & ~IOMMU_PAGE_MASK(tbl)) {
		/* powernv would stop the host here. */
		shim_warn("pci-ioda-tce.c", 0,
			  "BUG_ON(*hpa & ~IOMMU_PAGE_MASK(tbl)) in pnv_tce_xchg()");
		return -EINVAL;
	}
	if (*direction == DMA_NONE) {
		ptce = hw_entry(hw, hw->tces, index, false);
		if (!ptce) {
			*hpa = 0;
			return 0;
		}
	}
	if (!ptce) {
		ptce = hw_entry(hw, hw->tces, index, true);
		if (!ptce)
			return -ENOMEM;
	}
	if (newtce & TCE_PCI_WRITE)
		newtce |= TCE_PCI_READ;
	oldtce = be64_to_cpu(*ptce);
	*ptce = cpu_to_be64(newtce);
	*hpa = oldtce & ~(TCE_PCI_READ | TCE_PCI_WRITE);
	*direction = iommu_tce_direction(oldtce);
	return 0;
}

static __be64 *hw_useraddrptr(struct iommu_table *tbl, long index, bool alloc)
{
	struct hw_table *hw = container_of(tbl, struct hw_table, tbl);

	return hw_entry(hw, hw->uas, index, alloc);
}

static void hw_kill(struct iommu_table *tbl, unsigned long index, unsigned long pages)
{
}

static void hw_free(struct iommu_table *tbl)
{
	struct hw_table *hw = container_of(tbl, struct hw_table, tbl);
	unsigned long i;

	for (i = 0; i < hw->nr_levels; i++) {
		free(hw->tces[i]);
		free(hw->uas[i]);
	}
	free(hw->tces);
	free(hw->uas);
	free(hw);
}

static struct iommu_table_ops hw_ops = {
	.xchg_no_kill = hw_xchg,
	.tce_kill = hw_kill,
	.useraddrptr = hw_useraddrptr,
	.free = hw_free,
};

static struct hw_table *hw_table_new(u64 offset, u64 size, unsigned int shift)
{
	struct hw_table *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return NULL;
	hw->tbl.it_page_shift = shift;
	hw->tbl.it_offset = offset >> shift;
	hw->tbl.it_size = size >> shift;
	hw->tbl.it_ops = &hw_ops;
	kref_init(&hw->tbl.it_kref);
	hw->nr_levels = (hw->tbl.it_size + LEVEL_ENTRIES - 1) >> LEVEL_SHIFT;
	hw->tces = calloc(hw->nr_levels, sizeof(*hw->tces));
	hw->uas = calloc(hw->nr_levels, sizeof(*hw->uas));
	if (!hw->tces || !hw->uas) {
		hw_free(&hw->tbl);
		return NULL;
	}
	return hw;
}

static void hw_table_release(struct kref *kref)
{
	struct iommu_table *tbl = container_of(kref, struct iommu_table, it_kref);

	tbl->it_ops->free(tbl);
}

struct iommu_table *iommu_tce_table_get(struct iommu_table *tbl)
{
	return kref_get_unless_zero(&tbl->it_kref) ? tbl : NULL;
}

int iommu_tce_table_put(struct iommu_table *tbl)
{
	return tbl ? kref_put(&tbl->it_kref, hw_table_release) : 0;
}

struct iommu_table_group *iommu_group_get_iommudata(struct iommu_group *group)
{
	return group->table_group;
}

/* --- the guest -------------------------------------------------------------------------------- */

/*
 * VFIO_IOMMU_SPAPR_REGISTER_MEMORY of all guest RAM, as mm_iommu_do_alloc() leaves it for RAM
 * in pages of 2^@backing_shift: __ffs(ua | size), at most the backing page's shift.
 */
static struct mm_iommu_table_group_mem_t *prereg(struct mm_struct *mm, u64 ua, u64 entries,
						 unsigned int backing_shift)
{
	struct mm_iommu_table_group_mem_t *mem = kzalloc(sizeof(*mem), GFP_KERNEL);
	u64 i;

	if (!mem)
		return NULL;
	mem->dev_hpa = MM_IOMMU_TABLE_INVALID_HPA;
	mem->pageshift = min((unsigned int)__builtin_ctzll(ua | (entries << PAGE_SHIFT)),
			     backing_shift);
	mem->hpas = calloc(entries, sizeof(mem->hpas[0]));
	if (!mem->hpas) {
		kfree(mem);
		return NULL;
	}
	for (i = 0; i < entries; i++)
		mem->hpas[i] = GUEST_HPA + (i << PAGE_SHIFT);
	atomic64_set(&mem->mapped, 1);
	mem->used = 1;
	mem->ua = ua;
	mem->entries = entries;
	list_add_rcu(&mem->next, &mm->context.iommu_group_mem_list);
	return mem;
}

/*
 * QEMU offers the guest IOMMU pages up to the page size backing its RAM, so a trace with
 * IOMMU pages above the host's PAGE_SIZE has hugetlbfs RAM in pages of that size.
 */
struct upstream_vm *upstream_vm_new(uint64_t ram_size, unsigned int iommu_page_shift, char *err,
				    size_t errlen)
{
	unsigned int backing_shift = iommu_page_shift > PAGE_SHIFT ? iommu_page_shift : PAGE_SHIFT;
	struct upstream_vm *vm;

	if (!ram_size || (ram_size & ((1ULL << backing_shift) - 1)) || ram_size > GUEST_UA) {
		snprintf(err, errlen, "guest ram=%#llx is not a whole number of the %lluK pages "
			 "that back it, up to %#lx: KVM cannot make it one memory slot",
			 (unsigned long long)ram_size, (1ULL << backing_shift) >> 10, GUEST_UA);
		return NULL;
	}
	if (cur) {
		snprintf(err, errlen, "one upstream guest at a time");
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	vm->iommu_page_shift = iommu_page_shift;
	vm->slot = (struct kvm_memory_slot){ 0, ram_size >> PAGE_SHIFT, GUEST_UA };
	vm->slots.slot = &vm->slot;
	vm->kvm.memslots = &vm->slots;
	vm->kvm.mm = &vm->mm;
	INIT_LIST_HEAD(&vm->kvm.arch.spapr_tce_tables);
	mm_iommu_init(&vm->mm);
	vm->vcpu.kvm = &vm->kvm;
	vm->mem = prereg(&vm->mm, GUEST_UA, ram_size >> PAGE_SHIFT, backing_shift);
	if (!vm->mem) {
		snprintf(err, errlen, "out of memory preregistering %#llx bytes of guest RAM",
			 (unsigned long long)ram_size);
		free(vm);
		return NULL;
	}
	cur = vm;
	return vm;
}

static struct window *window_find(struct upstream_vm *vm, u64 liobn)
{
	int i;

	for (i = 0; i < MAX_WINDOWS; i++)
		if (vm->windows[i].fd && vm->windows[i].liobn == liobn)
			return &vm->windows[i];
	return NULL;
}

long upstream_window_create(struct upstream_vm *vm, uint64_t liobn, uint64_t offset,
			    uint64_t size, unsigned int page_shift, char *err, size_t errlen)
{
	struct kvm_create_spapr_tce_64 args = {
		.liobn = liobn, .page_shift = page_shift,
		.offset = offset >> page_shift, .size = size >> page_shift,
	};
	struct window *w = NULL;
	struct hw_table *hw;
	long ret;
	int i;

	for (i = 0; i < MAX_WINDOWS && !w; i++)
		if (!vm->windows[i].fd)
			w = &vm->windows[i];
	if (!w) {
		snprintf(err, errlen, "more than %d windows", MAX_WINDOWS);
		return -ENOSPC;
	}
	ret = kvm_vm_ioctl_create_spapr_tce(&vm->kvm, &args);
	if (ret < 0) {
		snprintf(err, errlen, "KVM_CREATE_SPAPR_TCE_64 fails with %s", strerror(-ret));
		return ret;
	}
	*w = (struct window){ .liobn = liobn, .fd = ret };
	hw = hw_table_new(offset, size, vm->iommu_page_shift);
	if (!hw) {
		upstream_window_remove(vm, liobn);
		snprintf(err, errlen, "out of memory for the IOMMU table");
		return -ENOMEM;
	}
	w->table_group.tables[0] = &hw->tbl;
	w->group.table_group = &w->table_group;
	ret = kvm_spapr_tce_attach_iommu_group(&vm->kvm, w->fd, &w->group);
	if (ret) {
		upstream_window_remove(vm, liobn);
		snprintf(err, errlen, "KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE fails with %s",
			 strerror(-ret));
	}
	return ret;
}

long upstream_window_remove(struct upstream_vm *vm, uint64_t liobn)
{
	struct window *w = window_find(vm, liobn);

	if (!w)
		return -ENOENT;
	fd_close(w->fd);
	/* VFIO_IOMMU_SPAPR_TCE_REMOVE: the group lets go of its table. */
	iommu_tce_table_put(w->table_group.tables[0]);
	*w = (struct window){ 0 };
	return 0;
}

void upstream_vm_free(struct upstream_vm *vm)
{
	int i;

	for (i = 0; i < MAX_WINDOWS; i++)
		if (vm->windows[i].fd)
			upstream_window_remove(vm, vm->windows[i].liobn);
	free(vm->mem->hpas);
	kfree(vm->mem);
	free(vm);
	cur = NULL;
}

long upstream_hcall(struct upstream_vm *vm, enum upstream_hcall call, const uint64_t args[4],
		    uint64_t *r4)
{
	struct kvm_vcpu *vcpu = &vm->vcpu;
	unsigned long *gpr = vcpu->arch.regs.gpr;
	long ret;

	vm->warning[0] = 0;
	memcpy(&gpr[4], args, 4 * sizeof(gpr[0]));
	switch (call) {
	case UPSTREAM_H_GET_TCE:
		ret = kvmppc_h_get_tce(vcpu, gpr[4], gpr[5]);
		break;
	case UPSTREAM_H_PUT_TCE:
		ret = kvmppc_h_put_tce(vcpu, gpr[4], gpr[5], gpr[6]);
		break;
	case UPSTREAM_H_PUT_TCE_INDIRECT:
		ret = kvmppc_h_put_tce_indirect(vcpu, gpr[4], gpr[5], gpr[6], gpr[7]);
		break;
	default:
		ret = kvmppc_h_stuff_tce(vcpu, gpr[4], gpr[5], gpr[6], gpr[7]);
		break;
	}
	*r4 = gpr[4];
	return ret;
}
