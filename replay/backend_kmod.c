// SPDX-License-Identifier: GPL-2.0
/*
 * The kmod backend: tcelab.ko's hypercall layer (kmod/README.md).
 *
 * Each container is a v2 container on its own simulated group, with guest RAM as memory slots
 * onto the runner's backing memory (backend.h), which is preregistered as a whole, as QEMU
 * does for VFIO. Its pending
 * default window is cancelled: every trace window gets a window of its own made with
 * TCE_CREATE (the trace's IOMMU page size, the window's size rounded up to a power of two),
 * as QEMU replaces the default window with the guest's, and a guest TCE table (SET_LIOBN).
 * Windows whose bus ranges overlap (two PHBs each with a 32-bit window at 0) go to separate
 * containers, as each PHB has its own container in QEMU. A window tcelab.ko cannot place
 * (its second window always starts at TCELAB_DDW_START) stays emulated: its LIOBN exists and
 * the hypercalls check and store TCEs, but no IOMMU table is behind it; the results say so.
 *
 * LIOBNs: tcelab.ko cannot delete a guest table, so after a ddw-remove the trace's LIOBN is
 * sent with bit 32 set (which no table can have: H_TOO_HARD, as for a removed window), and its
 * table is cleared with H_STUFF_TCE once the IOMMU window under it is gone. A ddw-create of the
 * same geometry brings the table back; another geometry gets a new tcelab LIOBN (an alias).
 *
 * Teardown closes each container, its group attached, or with --release-without-group
 * detached first: the release then frees windows, TCEs and memory with no group.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"

#define KMOD_MAX_CONTAINERS	16
#define KMOD_MAX_LIOBNS		64
#define KMOD_DEAD_BIT		(1ULL << 32)
#define KMOD_ALIAS_BASE		0xce000000u

struct kmod_liobn {
	uint64_t trace_liobn;
	uint32_t kmod_liobn;
	int cont;
	int alive;
	int has_hw;			/* an IOMMU window of its own */
	uint64_t hw_start;
	struct trace_window w;
};

struct kmod_container {
	int fd;
	unsigned int group;
};

struct kmod {
	const struct guest_ram *ram;
	unsigned int iommu_page_shift;
	unsigned int ngroups;
	unsigned int nr_cont;
	struct kmod_container cont[KMOD_MAX_CONTAINERS];
	unsigned int nr_liobns;
	struct kmod_liobn liobns[KMOD_MAX_LIOBNS];
	uint32_t next_alias;
	pthread_rwlock_t lock;
	int introspect_fd;
};

static long read_param(const char *name, long def)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/tcelab/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return def;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return def;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

/* A v2 container on the first free group, guest RAM as memslot 0, preregistered. */
static int container_new(struct backend *b, char *err, size_t errlen)
{
	struct kmod *k = b->priv;
	struct kmod_container *c;
	struct tcelab_group g = { .argsz = sizeof(g) };
	struct tcelab_memslot slot = { .argsz = sizeof(slot), .vaddr = (uintptr_t)k->ram->base };
	struct tcelab_register_memory reg = {
		.argsz = sizeof(reg), .vaddr = (uintptr_t)k->ram->base, .size = k->ram->backing,
	};
	struct tcelab_spapr_tce_remove rm = { .argsz = sizeof(rm), .start_addr = 0 };
	int fd;

	if (k->nr_cont >= KMOD_MAX_CONTAINERS || k->nr_cont >= k->ngroups) {
		snprintf(err, errlen, "the trace needs more than %u containers (tcelab.ko has %u groups; "
			 "load it with ngroups=N)", k->nr_cont, k->ngroups);
		return -1;
	}
	fd = open(TCELAB_DEVICE, O_RDWR);
	if (fd < 0) {
		snprintf(err, errlen, "open %s: %s (is tcelab.ko loaded?)", TCELAB_DEVICE,
			 strerror(errno));
		return -1;
	}
	if (ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU)) {
		snprintf(err, errlen, "TCELAB_SET_IOMMU(v2): %s", strerror(errno));
		goto fail;
	}
	for (g.group = 0; g.group < k->ngroups; g.group++)
		if (!ioctl(fd, TCELAB_ATTACH_GROUP, &g))
			break;
	if (g.group == k->ngroups) {
		snprintf(err, errlen, "TCELAB_ATTACH_GROUP: no free group among %u", k->ngroups);
		goto fail;
	}
	/* Every backing-sized piece of guest RAM is a slot onto the same user memory. */
	for (slot.gpa = 0; slot.gpa < k->ram->size; slot.gpa += k->ram->backing) {
		slot.size = k->ram->size - slot.gpa < k->ram->backing ?
			    k->ram->size - slot.gpa : k->ram->backing;
		if (ioctl(fd, TCELAB_SET_MEMSLOT, &slot)) {
			snprintf(err, errlen, "TCELAB_SET_MEMSLOT(0x%llx, %llu bytes): %s",
				 (unsigned long long)slot.gpa, (unsigned long long)slot.size,
				 strerror(errno));
			goto fail;
		}
	}
	if (ioctl(fd, TCELAB_REGISTER_MEMORY, &reg)) {
		snprintf(err, errlen, "TCELAB_REGISTER_MEMORY(%llu bytes): %s",
			 (unsigned long long)reg.size, strerror(errno));
		goto fail;
	}
	/* Cancel the pending default window: the trace's windows replace it. */
	if (ioctl(fd, TCELAB_TCE_REMOVE, &rm)) {
		snprintf(err, errlen, "TCELAB_TCE_REMOVE(default window): %s", strerror(errno));
		goto fail;
	}
	c = &k->cont[k->nr_cont++];
	c->fd = fd;
	c->group = g.group;
	return k->nr_cont - 1;
fail:
	close(fd);
	return -1;
}

static int ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The first container in which @w overlaps no live window, or a new one. */
static int container_for(struct backend *b, const struct trace_window *w, char *err,
			 size_t errlen)
{
	struct kmod *k = b->priv;
	unsigned int c, i;

	for (c = 0; c < k->nr_cont; c++) {
		for (i = 0; i < k->nr_liobns; i++) {
			struct kmod_liobn *l = &k->liobns[i];

			if (l->alive && l->cont == (int)c &&
			    ranges_overlap(l->w.offset, l->w.size, w->offset, w->size))
				break;
		}
		if (i == k->nr_liobns)
			return c;
	}
	return container_new(b, err, errlen);
}

static uint64_t pow2_ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p)
		p <<= 1;
	return p;
}

/* An IOMMU window at exactly @w's bus range in container @c: 0, or -1 (stays emulated). */
static int hw_window(struct backend *b, int c, const struct trace_window *w, uint64_t *start)
{
	struct kmod *k = b->priv;
	unsigned int shift = k->iommu_page_shift < w->page_shift ? k->iommu_page_shift :
			     w->page_shift;
	struct tcelab_spapr_tce_create cr = {
		.argsz = sizeof(cr), .page_shift = shift, .window_size = pow2_ceil(w->size),
	};
	struct tcelab_spapr_tce_remove rm = { .argsz = sizeof(rm) };
	int err = 0, ok = 0;

	for (cr.levels = 1; cr.levels <= 5 && !ok; cr.levels++) {
		ok = !ioctl(k->cont[c].fd, TCELAB_TCE_CREATE, &cr);
		err = ok ? 0 : errno;
		if (!ok && err != EINVAL)
			break;
	}
	if (!ok) {
		backend_note(b, "LIOBN 0x%llx emulated: TCE_CREATE(page_shift %u, %llu bytes): %s",
			     (unsigned long long)w->liobn, shift,
			     (unsigned long long)cr.window_size, strerror(err));
		return -1;
	}
	if (cr.start_addr != w->offset) {
		rm.start_addr = cr.start_addr;
		ioctl(k->cont[c].fd, TCELAB_TCE_REMOVE, &rm);
		backend_note(b, "LIOBN 0x%llx emulated: tcelab.ko places this window at 0x%llx, "
			     "the trace at 0x%llx", (unsigned long long)w->liobn,
			     (unsigned long long)cr.start_addr, (unsigned long long)w->offset);
		return -1;
	}
	*start = cr.start_addr;
	return 0;
}

static struct kmod_liobn *find_alive(struct kmod *k, uint64_t liobn)
{
	unsigned int i;

	for (i = 0; i < k->nr_liobns; i++)
		if (k->liobns[i].alive && k->liobns[i].trace_liobn == liobn)
			return &k->liobns[i];
	return NULL;
}

static int kmod_liobn_used(struct kmod *k, uint32_t liobn)
{
	unsigned int i;

	for (i = 0; i < k->nr_liobns; i++)
		if (k->liobns[i].kmod_liobn == liobn)
			return 1;
	return 0;
}

static int kmod_window_create(struct backend *b, const struct trace_window *w, char *err,
			      size_t errlen)
{
	struct kmod *k = b->priv;
	struct kmod_liobn *l = NULL;
	struct tcelab_liobn sl = { .argsz = sizeof(sl) };
	unsigned int i;
	int c, ret = -1;

	pthread_rwlock_wrlock(&k->lock);
	if (find_alive(k, w->liobn)) {
		snprintf(err, errlen, "LIOBN 0x%x already has a window", w->liobn);
		goto out;
	}
	c = container_for(b, w, err, errlen);
	if (c < 0)
		goto out;
	/* A removed table of the same geometry in the same container comes back. */
	for (i = 0; i < k->nr_liobns; i++) {
		struct kmod_liobn *d = &k->liobns[i];

		if (!d->alive && d->trace_liobn == w->liobn && d->cont == c &&
		    d->w.offset == w->offset && d->w.size == w->size &&
		    d->w.page_shift == w->page_shift) {
			l = d;
			break;
		}
	}
	if (!l) {
		if (k->nr_liobns == KMOD_MAX_LIOBNS) {
			snprintf(err, errlen, "more than %d LIOBN tables", KMOD_MAX_LIOBNS);
			goto out;
		}
		l = &k->liobns[k->nr_liobns];
		memset(l, 0, sizeof(*l));
		l->trace_liobn = w->liobn;
		l->kmod_liobn = w->liobn;
		if (kmod_liobn_used(k, w->liobn)) {
			while (kmod_liobn_used(k, k->next_alias))
				k->next_alias++;
			l->kmod_liobn = k->next_alias++;
		}
		l->cont = c;
		l->w = *w;
		sl.liobn = l->kmod_liobn;
		sl.page_shift = w->page_shift;
		sl.offset = w->offset;
		sl.size = w->size;
		if (ioctl(k->cont[c].fd, TCELAB_SET_LIOBN, &sl)) {
			snprintf(err, errlen, "TCELAB_SET_LIOBN(0x%x, page_shift %u, offset 0x%llx, "
				 "size 0x%llx): %s", sl.liobn, sl.page_shift,
				 (unsigned long long)sl.offset, (unsigned long long)sl.size,
				 strerror(errno));
			goto out;
		}
		k->nr_liobns++;
	}
	l->has_hw = hw_window(b, c, w, &l->hw_start) == 0;
	l->alive = 1;
	ret = 0;
out:
	pthread_rwlock_unlock(&k->lock);
	return ret;
}

static int kmod_window_remove(struct backend *b, uint64_t liobn, char *err, size_t errlen)
{
	struct kmod *k = b->priv;
	struct kmod_liobn *l;
	struct tcelab_spapr_tce_remove rm = { .argsz = sizeof(rm) };
	struct tcelab_hcall h = { .opcode = TCELAB_H_STUFF_TCE };
	struct tcelab_hcall_batch hb = { .argsz = sizeof(hb), .count = 1, .calls = (uintptr_t)&h };
	int ret = -1;

	pthread_rwlock_wrlock(&k->lock);
	l = find_alive(k, liobn);
	if (!l) {
		snprintf(err, errlen, "ddw-remove of LIOBN 0x%llx, which has no window",
			 (unsigned long long)liobn);
		goto out;
	}
	if (l->has_hw) {
		rm.start_addr = l->hw_start;
		if (ioctl(k->cont[l->cont].fd, TCELAB_TCE_REMOVE, &rm)) {
			snprintf(err, errlen, "TCELAB_TCE_REMOVE(0x%llx): %s",
				 (unsigned long long)rm.start_addr, strerror(errno));
			goto out;
		}
	}
	/* No IOMMU window under it any more: this only clears the guest table. */
	h.args[0] = l->kmod_liobn;
	h.args[1] = l->w.offset;
	h.args[3] = l->w.size >> l->w.page_shift;
	if (ioctl(k->cont[l->cont].fd, TCELAB_HCALL, &hb) || h.ret != TCELAB_H_SUCCESS) {
		snprintf(err, errlen, "clearing the removed table of LIOBN 0x%llx: %s, ret %lld",
			 (unsigned long long)liobn, strerror(errno), (long long)h.ret);
		goto out;
	}
	l->alive = 0;
	l->has_hw = 0;
	ret = 0;
out:
	pthread_rwlock_unlock(&k->lock);
	return ret;
}

static int kmod_setup(struct backend *b, const struct trace_header *h, const struct guest_ram *ram,
		      char *err, size_t errlen)
{
	struct kmod *k = calloc(1, sizeof(*k));
	unsigned int i;

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->priv = k;
	k->ram = ram;
	k->iommu_page_shift = h->iommu_page_shift;
	k->ngroups = read_param("ngroups", 2);
	k->next_alias = KMOD_ALIAS_BASE;
	k->introspect_fd = -1;
	pthread_rwlock_init(&k->lock, NULL);
	/* One container even for a trace without windows: unknown LIOBNs go there. */
	if (container_new(b, err, errlen) < 0)
		return -1;
	for (i = 0; i < h->nr_windows; i++)
		if (kmod_window_create(b, &h->windows[i], err, errlen))
			return -1;
	return 0;
}

/* The trace's LIOBN as tcelab.ko knows it, and the container that has it. */
static int translate(struct kmod *k, struct tcelab_hcall *call)
{
	struct kmod_liobn *l = find_alive(k, call->args[0]);

	if (l) {
		call->args[0] = l->kmod_liobn;
		return l->cont;
	}
	/* No window: make sure no table of ours answers for it. */
	if (call->args[0] <= 0xffffffffULL && kmod_liobn_used(k, call->args[0]))
		call->args[0] |= KMOD_DEAD_BIT;
	return 0;
}

static int kmod_hcall(struct backend *b, struct tcelab_hcall *calls, unsigned int n)
{
	struct kmod *k = b->priv;
	struct tcelab_hcall_batch hb = { .argsz = sizeof(hb) };
	unsigned int i = 0, j;
	int c, ret = 0;

	pthread_rwlock_rdlock(&k->lock);
	while (i < n) {
		c = translate(k, &calls[i]);
		for (j = i + 1; j < n && j - i < TCELAB_HCALL_MAX_BATCH; j++) {
			struct tcelab_hcall save = calls[j];

			if (translate(k, &calls[j]) != c) {
				calls[j] = save;
				break;
			}
		}
		hb.count = j - i;
		hb.calls = (uintptr_t)&calls[i];
		if (ioctl(k->cont[c].fd, TCELAB_HCALL, &hb)) {
			ret = -errno;
			break;
		}
		i = j;
	}
	pthread_rwlock_unlock(&k->lock);
	return ret;
}

static int kmod_counters(struct backend *b, struct balance_counts *c)
{
	backend_global_counters(c);
	return c->pinned < 0 ? -1 : 0;
}

static void kmod_teardown(struct backend *b)
{
	struct kmod *k = b->priv;
	unsigned int i;

	if (!k)
		return;
	for (i = 0; i < k->nr_cont; i++) {
		struct tcelab_group g = { .argsz = sizeof(g), .group = k->cont[i].group };

		if (b->release_without_group && ioctl(k->cont[i].fd, TCELAB_DETACH_GROUP, &g))
			backend_note(b, "TCELAB_DETACH_GROUP(%u) before release: %s", g.group,
				     strerror(errno));
		close(k->cont[i].fd);
	}
	k->nr_cont = 0;
}

static void kmod_balance(struct backend *b, const struct guest_ram *ram,
			 struct balance_report *rep)
{
	struct tcelab_page_refs r = { .argsz = sizeof(r) };
	long pages = ram->backing / ram->page_size, stride, i;
	int fd;

	backend_global_counters(&rep->after);
	rep->available = rep->after.pinned >= 0;
	/* Every page behind guest RAM (at most 4096 of them, evenly spread) has no pin left. */
	fd = open(TCELAB_DEVICE, O_RDWR);
	stride = pages > 4096 ? pages / 4096 : 1;
	for (i = 0; fd >= 0 && i < pages; i += stride) {
		r.vaddr = (uintptr_t)ram->base + i * ram->page_size;
		if (ioctl(fd, TCELAB_PAGE_REFS, &r))
			continue;
		rep->page_refs_checked++;
		if (r.module_pins)
			rep->page_refs_pinned++;
	}
	if (fd >= 0)
		close(fd);
	rep->ok = rep->available && rep->after.pinned == rep->before.pinned &&
		  rep->after.locked_pages == rep->before.locked_pages &&
		  rep->after.mapped == rep->before.mapped &&
		  rep->after.double_releases == rep->before.double_releases &&
		  rep->after.vmlck_kb == rep->before.vmlck_kb &&
		  rep->after.allocs == rep->before.allocs && rep->page_refs_pinned == 0;
}

const struct backend_ops backend_kmod_ops = {
	.setup = kmod_setup,
	.window_create = kmod_window_create,
	.window_remove = kmod_window_remove,
	.hcall = kmod_hcall,
	.counters = kmod_counters,
	.teardown = kmod_teardown,
	.balance = kmod_balance,
};
