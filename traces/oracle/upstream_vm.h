/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest whose TCE hypercalls run through upstream's own handlers (book3s_64_vio.c, built
 * on the host by traces/oracle/oracle.mk): one memory slot of guest RAM, preregistered for
 * VFIO as a whole, and every window a KVM TCE table with a VFIO group's IOMMU table attached,
 * as QEMU sets them up with in-kernel acceleration. Plain C: the kernel types stay in shim.c.
 */
#ifndef TCELAB_UPSTREAM_VM_H
#define TCELAB_UPSTREAM_VM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The linux-source version the code comes from, the ppc64le guest kernel's version (they
 * can differ when the archive moves on), and the page size of the host it models.
 */
extern const char upstream_source_version[];
extern const char upstream_guest_kernel_version[];
extern const unsigned int upstream_page_shift;

enum upstream_hcall {
	UPSTREAM_H_PUT_TCE,
	UPSTREAM_H_PUT_TCE_INDIRECT,
	UPSTREAM_H_STUFF_TCE,
	UPSTREAM_H_GET_TCE,
};

struct upstream_vm;

/* A guest of @ram_size bytes behind host IOMMU pages of 2^@iommu_page_shift: NULL with @err. */
struct upstream_vm *upstream_vm_new(uint64_t ram_size, unsigned int iommu_page_shift, char *err,
				    size_t errlen);
void upstream_vm_free(struct upstream_vm *vm);

/*
 * KVM_CREATE_SPAPR_TCE_64 for a window (offset and size in bytes), then its IOMMU table
 * attached (KVM_DEV_VFIO_GROUP_SET_SPAPR_TCE). 0, or a negative errno with what refused it
 * in @err.
 */
long upstream_window_create(struct upstream_vm *vm, uint64_t liobn, uint64_t offset,
			    uint64_t size, unsigned int page_shift, char *err, size_t errlen);
/* Closes the window's table fd and drops its IOMMU table: 0, or -ENOENT. */
long upstream_window_remove(struct upstream_vm *vm, uint64_t liobn);

/* Guest memory the next H_PUT_TCE_INDIRECT reads: @n TCEs at guest physical @gpa. */
void upstream_guest_list(struct upstream_vm *vm, uint64_t gpa, const uint64_t *tces,
			 unsigned int n);

/*
 * One hypercall as kvmppc_pseries_do_hcall() (book3s_hv.c) makes it, @args in gpr 4 to 7:
 * the handler's return code (H_TOO_HARD: the kernel hands the call to QEMU), and for
 * H_GET_TCE the TCE it leaves in gpr 4 in *@r4.
 */
long upstream_hcall(struct upstream_vm *vm, enum upstream_hcall call, const uint64_t args[4],
		    uint64_t *r4);

/*
 * The first WARN or BUG the upstream code hit since the last call ("book3s_64_vio.c:598:
 * WARN_ON_ONCE(...)"), or NULL; the next call starts clean.
 */
const char *upstream_warning(struct upstream_vm *vm);

#endif /* TCELAB_UPSTREAM_VM_H */
