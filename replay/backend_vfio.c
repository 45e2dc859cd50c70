// SPDX-License-Identifier: GPL-2.0
/*
 * The vfio backend: the upstream VFIO sPAPR TCE v2 container (drivers/vfio/
 * vfio_iommu_spapr_tce.c) on a powernv guest with a device bound to vfio-pci, driven the way
 * QEMU drives it without in-kernel acceleration: the hypercalls are handled here, in user
 * space, against a guest TCE table kept here (lib/tce_state.c: the return codes of
 * book3s_64_vio.c), and every change of a valid mapping becomes VFIO_IOMMU_MAP_DMA or
 * VFIO_IOMMU_UNMAP_DMA on the container, as QEMU's IOMMU notifiers do (an overwrite is an
 * unmap then a map). Guest RAM is preregistered (VFIO_IOMMU_SPAPR_REGISTER_MEMORY); the
 * default window is removed and each trace window created with VFIO_IOMMU_SPAPR_TCE_CREATE.
 *
 * The group: $TCELAB_VFIO_GROUP (/dev/vfio/N), else the first /dev/vfio/N. A MAP/UNMAP that
 * fails returns H_HARDWARE for its hypercall, so the failure is a mismatch at its line.
 * Balance: VmLck (locked_vm) back to its starting value; tcelab.ko's counters do not apply.
 * Setup and teardown each clear a whole window in the kernel (tce_iommu_clear() of every
 * entry, as when QEMU replaces the default window), which the upstream probes see too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "backend.h"
#include "lib/tce_state.h"

struct vfio {
	int container, group;
	const struct guest_ram *ram;
	uint64_t ram_size;
	unsigned int iommu_page_shift;
	struct tce_windows ws;
	struct tce_model model;
	uint64_t starts[TRACE_MAX_WINDOWS];	/* VFIO window start per ws slot, ~0: none */
	pthread_mutex_t lock;
};

static int find_group(char *path, size_t len)
{
	const char *env = getenv("TCELAB_VFIO_GROUP");
	struct dirent *d;
	DIR *dir;

	if (env) {
		snprintf(path, len, "%s", env);
		return 0;
	}
	dir = opendir("/dev/vfio");
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] >= '0' && d->d_name[0] <= '9') {
			snprintf(path, len, "/dev/vfio/%.200s", d->d_name);
			closedir(dir);
			return 0;
		}
	closedir(dir);
	return -1;
}

static int vfio_create_window(struct vfio *v, const struct trace_window *w, uint64_t *start)
{
	struct vfio_iommu_spapr_tce_create cr = { .argsz = sizeof(cr) };
	uint64_t size = 1;

	while (size < w->size)
		size <<= 1;
	cr.page_shift = v->iommu_page_shift < w->page_shift ? v->iommu_page_shift : w->page_shift;
	cr.window_size = size;
	for (cr.levels = 1; cr.levels <= 5; cr.levels++) {
		if (!ioctl(v->container, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr)) {
			*start = cr.start_addr;
			return 0;
		}
		if (errno != EINVAL)
			break;
	}
	return -1;
}

static int slot_of(struct vfio *v, uint64_t liobn)
{
	const struct trace_window *w = tce_windows_find(&v->ws, liobn);

	return w ? (int)(w - v->ws.w) : -1;
}

static int vfio_window_create(struct backend *b, const struct trace_window *w, char *err,
			      size_t errlen)
{
	struct vfio *v = b->priv;
	struct trace_record r = { .op = TRACE_DDW_CREATE, .liobn = w->liobn, .window = *w };
	uint64_t start = ~0ULL;
	int slot;

	pthread_mutex_lock(&v->lock);
	if (tce_windows_apply(&v->ws, &r)) {
		pthread_mutex_unlock(&v->lock);
		snprintf(err, errlen, "LIOBN 0x%x: duplicate or too many windows", w->liobn);
		return -1;
	}
	slot = slot_of(v, w->liobn);
	if (vfio_create_window(v, w, &start) || start != w->offset) {
		backend_note(b, "LIOBN 0x%x emulated: VFIO_IOMMU_SPAPR_TCE_CREATE %s (start 0x%llx)",
			     w->liobn, start == ~0ULL ? strerror(errno) : "put it elsewhere",
			     (unsigned long long)start);
		if (start != ~0ULL) {
			struct vfio_iommu_spapr_tce_remove rm = {
				.argsz = sizeof(rm), .start_addr = start,
			};

			ioctl(v->container, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm);
		}
		start = ~0ULL;
	}
	v->starts[slot] = start;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

static int vfio_window_remove(struct backend *b, uint64_t liobn, char *err, size_t errlen)
{
	struct vfio *v = b->priv;
	struct trace_record r = { .op = TRACE_DDW_REMOVE, .liobn = liobn };
	struct vfio_iommu_spapr_tce_remove rm = { .argsz = sizeof(rm) };
	int slot, ret = 0;

	pthread_mutex_lock(&v->lock);
	slot = slot_of(v, liobn);
	if (slot < 0) {
		snprintf(err, errlen, "ddw-remove of LIOBN 0x%llx, which has no window",
			 (unsigned long long)liobn);
		ret = -1;
		goto out;
	}
	if (v->starts[slot] != ~0ULL) {
		rm.start_addr = v->starts[slot];
		if (ioctl(v->container, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm)) {
			snprintf(err, errlen, "VFIO_IOMMU_SPAPR_TCE_REMOVE(0x%llx): %s",
				 (unsigned long long)rm.start_addr, strerror(errno));
			ret = -1;
		}
	}
	tce_model_clear(&v->model, liobn, 0, 0);
	/* tce_windows_apply() moves the last window into the freed slot: so do we. */
	v->starts[slot] = v->starts[v->ws.nr - 1];
	v->starts[v->ws.nr - 1] = ~0ULL;
	tce_windows_apply(&v->ws, &r);
out:
	pthread_mutex_unlock(&v->lock);
	return ret;
}

static int vfio_setup(struct backend *b, const struct trace_header *h, const struct guest_ram *ram,
		      char *err, size_t errlen)
{
	struct vfio *v = calloc(1, sizeof(*v));
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_iommu_spapr_register_memory reg = {
		.argsz = sizeof(reg), .vaddr = (uintptr_t)ram->base, .size = ram->backing,
	};
	struct vfio_iommu_spapr_tce_remove rm = { .argsz = sizeof(rm), .start_addr = 0 };
	char path[256];
	unsigned int i;

	if (!v)
		return -1;
	b->priv = v;
	v->container = v->group = -1;
	v->ram = ram;
	v->ram_size = h->ram_size;
	v->iommu_page_shift = h->iommu_page_shift;
	pthread_mutex_init(&v->lock, NULL);
	/* Empty: vfio_window_create() adds the header's windows with their VFIO windows. */
	tce_windows_init(&v->ws, &(struct trace_header){ .ram_size = h->ram_size });
	tce_model_init(&v->model);
	for (i = 0; i < TRACE_MAX_WINDOWS; i++)
		v->starts[i] = ~0ULL;
	if (find_group(path, sizeof(path))) {
		snprintf(err, errlen, "no VFIO group: /dev/vfio/ has none (bind a device to vfio-pci "
			 "first: the powernv9-vfio target does; or set TCELAB_VFIO_GROUP)");
		return -1;
	}
	v->container = open("/dev/vfio/vfio", O_RDWR);
	if (v->container < 0) {
		snprintf(err, errlen, "open /dev/vfio/vfio: %s (is vfio loaded?)", strerror(errno));
		return -1;
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_SPAPR_TCE_v2_IOMMU) != 1) {
		snprintf(err, errlen, "the VFIO container has no sPAPR TCE v2 IOMMU (not powernv?)");
		return -1;
	}
	v->group = open(path, O_RDWR);
	if (v->group < 0 || ioctl(v->group, VFIO_GROUP_GET_STATUS, &st) ||
	    !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(err, errlen, "VFIO group %s: %s", path,
			 v->group < 0 ? strerror(errno) : "not viable (every device of the group "
			 "must be bound to vfio-pci)");
		return -1;
	}
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ||
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU)) {
		snprintf(err, errlen, "VFIO_GROUP_SET_CONTAINER / VFIO_SET_IOMMU(v2): %s",
			 strerror(errno));
		return -1;
	}
	if (ioctl(v->container, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &reg)) {
		snprintf(err, errlen, "VFIO_IOMMU_SPAPR_REGISTER_MEMORY(%llu bytes): %s",
			 (unsigned long long)reg.size, strerror(errno));
		return -1;
	}
	/* QEMU replaces the default window with the guest's. */
	ioctl(v->container, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm);
	for (i = 0; i < h->nr_windows; i++)
		if (vfio_window_create(b, &h->windows[i], err, errlen))
			return -1;
	return 0;
}

static int dma_map(struct vfio *v, uint64_t iova, uint64_t tce, uint64_t size)
{
	uint64_t gpa = tce & ~(size - 1) & ~TCE_PERM_MASK;
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.vaddr = (uintptr_t)v->ram->base + gpa % v->ram->backing,
		.iova = iova, .size = size,
	};

	if (tce & TCE_PCI_READ)
		m.flags |= VFIO_DMA_MAP_FLAG_READ;
	if (tce & TCE_PCI_WRITE)
		m.flags |= VFIO_DMA_MAP_FLAG_WRITE;
	return ioctl(v->container, VFIO_IOMMU_MAP_DMA, &m);
}

static int dma_unmap(struct vfio *v, uint64_t iova, uint64_t size)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

	return ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &u);
}

/* One guest TCE written at @index of @w: the notifiers' unmap and map. 0 or -1. */
static int set_entry(struct vfio *v, const struct trace_window *w, int has_hw, uint64_t index,
		     uint64_t tce, unsigned long line)
{
	const struct tce_entry *old = tce_model_get(&v->model, w->liobn, index);
	uint64_t size = 1ULL << w->page_shift, iova = index << w->page_shift;
	int ret = 0;

	if (has_hw && old && (old->tce & TCE_PERM_MASK))
		ret |= dma_unmap(v, iova, size);
	if (has_hw && (tce & TCE_PERM_MASK))
		ret |= dma_map(v, iova, tce, size);
	tce_model_set(&v->model, w->liobn, index, tce, 0, line);
	return ret ? -1 : 0;
}

static int64_t vfio_one(struct vfio *v, struct tcelab_hcall *c)
{
	static __thread struct trace_record r;
	const struct trace_window *w;
	const struct tce_entry *e;
	uint64_t i, first, written;
	int64_t ret;
	int slot, has_hw, fail = 0;

	memset(&r, 0, offsetof(struct trace_record, tces));
	r.liobn = c->args[0];
	r.ioba = c->args[1];
	switch (c->opcode) {
	case TCELAB_H_PUT_TCE: r.op = TRACE_PUT; r.tce = c->args[2]; break;
	case TCELAB_H_STUFF_TCE: r.op = TRACE_STUFF; r.tce = c->args[2]; r.npages = c->args[3];
		break;
	case TCELAB_H_GET_TCE: r.op = TRACE_GET; break;
	case TCELAB_H_PUT_TCE_INDIRECT:
		r.op = TRACE_INDIRECT;
		r.flags = TRACE_HAS_LIST;
		r.list_gpa = c->args[2];
		r.npages = c->args[3];
		/* Read the list from guest RAM, as QEMU does (big-endian). */
		for (i = 0; i < r.npages && i < TRACE_MAX_LIST && r.list_gpa + 8 * i + 8 <= v->ram_size;
		     i++) {
			uint64_t t = 0;
			int k;

			for (k = 0; k < 8; k++)
				t = t << 8 | v->ram->base[(r.list_gpa + 8 * i + k) % v->ram->backing];
			r.tces[i] = t;
		}
		if (r.npages > TRACE_MAX_LIST)
			r.npages = 513;		/* rejected by its size alone */
		break;
	default:
		return H_FUNCTION;
	}
	ret = tce_expected_ret(&v->ws, v->ram_size, &r, &written);
	if (ret != H_SUCCESS && !written)
		return ret;
	w = tce_windows_find(&v->ws, r.liobn);
	slot = (int)(w - v->ws.w);
	has_hw = v->starts[slot] != ~0ULL;
	first = r.ioba >> w->page_shift;
	switch (r.op) {
	case TRACE_PUT:
		fail = set_entry(v, w, has_hw, first, r.tce, 0);
		break;
	case TRACE_INDIRECT:
		/* A list that fails in its writing pass keeps the entries before the failure. */
		for (i = 0; i < written; i++)
			fail |= set_entry(v, w, has_hw, first + i, r.tces[i], 0);
		break;
	case TRACE_STUFF:
		for (i = 0; i < r.npages; i++)
			fail |= set_entry(v, w, has_hw, first + i, r.tce, 0);
		break;
	default:
		e = tce_model_get(&v->model, r.liobn, first);
		c->retval = e ? e->tce : 0;
		break;
	}
	return fail ? H_HARDWARE : ret;
}

static int vfio_hcall(struct backend *b, struct tcelab_hcall *calls, unsigned int n)
{
	struct vfio *v = b->priv;
	unsigned int i;

	pthread_mutex_lock(&v->lock);
	for (i = 0; i < n; i++) {
		calls[i].retval = 0;
		calls[i].ret = vfio_one(v, &calls[i]);
	}
	pthread_mutex_unlock(&v->lock);
	return 0;
}

static int vfio_counters(struct backend *b, struct balance_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->vmlck_kb = tcelab_vmlck_kb();
	return 0;
}

static void vfio_teardown(struct backend *b)
{
	struct vfio *v = b->priv;

	if (!v)
		return;
	/* The container's release then runs without a group (tce_iommu_release()). */
	if (b->release_without_group && v->group >= 0 &&
	    ioctl(v->group, VFIO_GROUP_UNSET_CONTAINER))
		backend_note(b, "VFIO_GROUP_UNSET_CONTAINER before release: %s", strerror(errno));
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->group = v->container = -1;
	tce_model_free(&v->model);
}

static void vfio_balance(struct backend *b, const struct guest_ram *ram,
			 struct balance_report *rep)
{
	vfio_counters(b, &rep->after);
	rep->available = 1;
	rep->ok = rep->after.vmlck_kb == rep->before.vmlck_kb;
}

const struct backend_ops backend_vfio_ops = {
	.setup = vfio_setup,
	.window_create = vfio_window_create,
	.window_remove = vfio_window_remove,
	.hcall = vfio_hcall,
	.counters = vfio_counters,
	.teardown = vfio_teardown,
	.balance = vfio_balance,
};
