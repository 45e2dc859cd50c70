// SPDX-License-Identifier: GPL-2.0
/*
 * Role -> symbol table. tcelab.ko symbols are the agreed probe points of kmod/ (table.c, pin.c,
 * map.c, hcall.c); upstream ones are those of Debian's 6.1 kernel (checked against its vmlinux
 * and vfio_iommu_spapr_tce.ko / kvm.ko): tce_iommu_build_v2 is inlined into the container ioctl
 * and cannot be probed, and the hypercall handlers exist only once kvm.ko is loaded.
 */
#include <string.h>

#include "roles.h"

const char *const role_names[TCELAB_NR_ROLES] = {
	[TCELAB_ROLE_XCHG] = "xchg",
	[TCELAB_ROLE_KILL] = "kill",
	[TCELAB_ROLE_OP] = "op",
	[TCELAB_ROLE_PIN] = "pin",
	[TCELAB_ROLE_UNPIN] = "unpin",
	[TCELAB_ROLE_LOCKED_VM] = "locked_vm",
};

const char *const stack_names[NR_STACKS] = {
	[STACK_TCELAB] = "tcelab",
	[STACK_UPSTREAM] = "upstream",
};

const char *const optype_names[TCELAB_NR_OPTYPES] = {
	[TCELAB_OPT_OTHER] = "other",
	[TCELAB_OPT_MAP] = "map",
	[TCELAB_OPT_UNMAP] = "unmap",
	[TCELAB_OPT_PUT] = "put",
	[TCELAB_OPT_INDIRECT] = "indirect",
	[TCELAB_OPT_STUFF] = "stuff",
	[TCELAB_OPT_GET] = "get",
	[TCELAB_OPT_HCALL] = "hcall",
	[TCELAB_OPT_IOCTL] = "ioctl",
};

#define T STACK_TCELAB
#define U STACK_UPSTREAM
#define XCHG(e, h, d) .kind = TCELAB_K_XCHG, .has_ret = true, .a_entry = e, .a_hpa = h, .a_dir = d
#define OP(t) .kind = TCELAB_K_OP, .optype = t

const struct role_symbol role_symbols[] = {
	/* tcelab.ko */
	{ T, TCELAB_ROLE_XCHG, 0, "tcelab_tce_xchg", XCHG(2, 3, 4) },
	{ T, TCELAB_ROLE_KILL, 0, "tcelab_tce_kill", .kind = TCELAB_K_PLAIN },
	{ T, TCELAB_ROLE_OP, 0, "tcelab_map_dma", OP(TCELAB_OPT_MAP), .has_ret = true },
	{ T, TCELAB_ROLE_OP, 0, "tcelab_unmap_dma", OP(TCELAB_OPT_UNMAP), .has_ret = true },
	{ T, TCELAB_ROLE_OP, 0, "tcelab_hcall_batch", OP(TCELAB_OPT_DYN_HCALL_BATCH),
	  .has_ret = true },
	/* int tcelab_pin_user_page(unsigned long vaddr, bool write, struct page **page) */
	{ T, TCELAB_ROLE_PIN, 0, "tcelab_pin_user_page", .kind = TCELAB_K_TCELAB_PIN,
	  .has_ret = true, .ret32 = true, .a_page = 2 },
	/* bool tcelab_unpin_user_page(struct page *page, bool dirty) */
	{ T, TCELAB_ROLE_UNPIN, 0, "tcelab_unpin_user_page", .kind = TCELAB_K_TCELAB_UNPIN,
	  .a_page = 0 },
	{ T, TCELAB_ROLE_LOCKED_VM, 0, "account_locked_vm", .kind = TCELAB_K_ACCOUNT, .has_ret = true,
	  .ret32 = true },
	{ T, TCELAB_ROLE_LOCKED_VM, 0, "__account_locked_vm", .kind = TCELAB_K_ACCOUNT, .has_ret = true,
	  .ret32 = true },

	/* upstream: drivers/vfio/vfio_iommu_spapr_tce.c, arch/powerpc/{kernel/iommu.c,kvm,mm} */
	{ U, TCELAB_ROLE_XCHG, 1, "iommu_tce_xchg_no_kill", XCHG(2, 3, 4) },
	{ U, TCELAB_ROLE_XCHG, 1, "iommu_tce_xchg", XCHG(2, 3, 4),
	  .note = "older kernels (before iommu_tce_xchg_no_kill)" },
	{ U, TCELAB_ROLE_XCHG, 0, "pnv_tce_xchg", XCHG(1, 2, 3), .ret32 = true,
	  .note = "powernv only" },
	{ U, TCELAB_ROLE_KILL, 0, "iommu_tce_kill", .kind = TCELAB_K_PLAIN },
	{ U, TCELAB_ROLE_KILL, 0, "opal_pci_tce_kill", .kind = TCELAB_K_PLAIN, .has_ret = true,
	  .note = "powernv PHB4 only" },
	{ U, TCELAB_ROLE_OP, 0, "tce_iommu_ioctl", OP(TCELAB_OPT_DYN_VFIO_IOCTL), .has_ret = true,
	  .note = "vfio_iommu_spapr_tce.ko not loaded" },
	{ U, TCELAB_ROLE_OP, 0, "tce_iommu_clear", OP(TCELAB_OPT_UNMAP), .has_ret = true,
	  .ret32 = true, .note = "vfio_iommu_spapr_tce.ko not loaded" },
	{ U, TCELAB_ROLE_OP, 0, "kvmppc_h_put_tce", OP(TCELAB_OPT_PUT), .has_ret = true,
	  .note = "kvm.ko not loaded" },
	{ U, TCELAB_ROLE_OP, 0, "kvmppc_h_put_tce_indirect", OP(TCELAB_OPT_INDIRECT),
	  .has_ret = true, .note = "kvm.ko not loaded" },
	{ U, TCELAB_ROLE_OP, 0, "kvmppc_h_stuff_tce", OP(TCELAB_OPT_STUFF), .has_ret = true,
	  .note = "kvm.ko not loaded" },
	{ U, TCELAB_ROLE_PIN, 0, "pin_user_pages_fast", .kind = TCELAB_K_GUP_PIN, .ret32 = true },
	{ U, TCELAB_ROLE_PIN, 0, "pin_user_pages", .kind = TCELAB_K_GUP_PIN },
	{ U, TCELAB_ROLE_PIN, 0, "mm_iommu_lookup", .kind = TCELAB_K_PLAIN, .note = "powerpc only" },
	{ U, TCELAB_ROLE_PIN, 0, "mm_iommu_ua_to_hpa", .kind = TCELAB_K_PLAIN, .has_ret = true,
	  .ret32 = true, .note = "powerpc only" },
	{ U, TCELAB_ROLE_UNPIN, 0, "unpin_user_page", .kind = TCELAB_K_UNPIN_PAGE },
	{ U, TCELAB_ROLE_UNPIN, 0, "unpin_user_pages", .kind = TCELAB_K_UNPIN_PAGES },
	{ U, TCELAB_ROLE_UNPIN, 0, "unpin_user_pages_dirty_lock", .kind = TCELAB_K_UNPIN_PAGES },
	{ U, TCELAB_ROLE_LOCKED_VM, 0, "account_locked_vm", .kind = TCELAB_K_ACCOUNT, .has_ret = true,
	  .ret32 = true },
	{ U, TCELAB_ROLE_LOCKED_VM, 0, "__account_locked_vm", .kind = TCELAB_K_ACCOUNT, .has_ret = true,
	  .ret32 = true },
};
const unsigned int nr_role_symbols = sizeof(role_symbols) / sizeof(role_symbols[0]);

int role_by_name(const char *name, unsigned int len)
{
	int i;

	for (i = 0; i < TCELAB_NR_ROLES; i++)
		if (strlen(role_names[i]) == len && !strncmp(role_names[i], name, len))
			return i;
	return -1;
}
