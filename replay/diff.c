// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-diff: differential ioctls, tcelab.ko against the REAL upstream VFIO sPAPR TCE
 * container (drivers/vfio/vfio_iommu_spapr_tce.c) in the same boot (kmod/README.md,
 * "The differential"). Seeded random sequences of container, group, window, preregistration,
 * enable, map and unmap calls, valid and invalid, v1 and v2, each run on both stacks from
 * fresh containers in a child process of its own (a fresh mm: upstream's preregistration
 * belongs to the mm). After every call it compares the return values and errnos, the
 * GET_INFO both expose, and VmLck's change across each side's call (both stacks charge the
 * same mm, so each side's delta is measured around its own call). tcelab.ko runs each call
 * first, the upstream stack second.
 *
 * A divergence that a row of kmod/DIFFERENCES.md declares (its "diff key") is counted and
 * ends its sequence (the two states have parted deliberately); any other is minimized (calls
 * deleted while the shortened sequence, re-run from fresh containers, still diverges) and
 * printed with both sides' results. Results: --json FILE (schema tcelab-diff/1).
 *
 * usage: tcelab-diff --differences FILE [--seed S] [--seconds N] [--json FILE]
 *                    [--undeclare ID]  (treat row ID as not declared: the detector's own test)
 *        tcelab-diff --platform      (the upstream group's DMA32 size and page sizes, as
 *                                     tcelab.ko's module parameters)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include <tcelab/schema.h>
#include <uapi/tcelab.h>
#include "lib/json.h"
#include "lib/differences.h"

/* tcelab's argument structs mirror VFIO's: one buffer serves both stacks. */
_Static_assert(sizeof(struct tcelab_dma_map) == sizeof(struct vfio_iommu_type1_dma_map), "");
_Static_assert(sizeof(struct tcelab_spapr_tce_create) ==
	       sizeof(struct vfio_iommu_spapr_tce_create), "");
_Static_assert(sizeof(struct tcelab_spapr_tce_info) ==
	       sizeof(struct vfio_iommu_spapr_tce_info), "");

#define MAX_CALLS	48
#define MAX_UNDECLARED	20		/* a run stops after as many */
#define NR_GROUPS	2
#define BUF_PAGES	16
#define GROUP_LIST	"/tmp/tcelab-vfio"	/* vm/guest/vfio-setup */

enum op_kind {
	OP_SETUP, OP_ATTACH, OP_DETACH, OP_INFO, OP_ENABLE, OP_DISABLE, OP_REGISTER,
	OP_UNREGISTER, OP_CREATE, OP_REMOVE, OP_MAP, OP_UNMAP, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"setup", "attach", "detach", "info", "enable", "disable", "register", "unregister",
	"create", "remove", "map", "unmap",
};

/* How often each call is drawn; a setup only ever comes first (in 19 sequences of 20). */
static const unsigned int op_weights[NR_OPS] = {
	[OP_SETUP] = 0, [OP_ATTACH] = 3, [OP_DETACH] = 2, [OP_INFO] = 3, [OP_ENABLE] = 5,
	[OP_DISABLE] = 2, [OP_REGISTER] = 10, [OP_UNREGISTER] = 5, [OP_CREATE] = 8,
	[OP_REMOVE] = 5, [OP_MAP] = 25, [OP_UNMAP] = 14,
};

/* One call; the argument union is laid out as both stacks' structs. */
struct call {
	enum op_kind op;
	unsigned long arg;		/* SETUP: IOMMU type; ATTACH/DETACH: group */
	union {
		struct vfio_iommu_type1_dma_map map;
		struct vfio_iommu_type1_dma_unmap unmap;
		struct vfio_iommu_spapr_register_memory reg;
		struct vfio_iommu_spapr_tce_create create;
		struct vfio_iommu_spapr_tce_remove remove;
		struct vfio_iommu_spapr_tce_info info;
	} u;
};

struct sequence {
	unsigned int n;
	struct call c[MAX_CALLS];
};

/* What one side did on one call. */
struct result {
	long ret;			/* >= 0, or -errno */
	long vmlck_kb;			/* VmLck after minus before */
	uint64_t start_addr;		/* CREATE's output */
	long info_ret;			/* GET_INFO after the call */
	struct vfio_iommu_spapr_tce_info info;
};

/* A sequence's outcome, written by the child that ran it into shared memory. */
struct outcome {
	unsigned int ran;		/* calls compared */
	int diverged;			/* -1: no, else the call's index */
	int declared;			/* index into the differences, -1: undeclared */
	/* Declared divergences the sequence went on after, per difference. */
	unsigned int hits[DIFFERENCES_MAX];
	char guarded[MAX_CALLS + 1];	/* not run upstream */
	char kind[16], upstream[96], tcelab[96];
	struct result up[MAX_CALLS], tl[MAX_CALLS];
	int error;			/* the child could not run it (err) */
	char err[256];
};

struct side {
	int fd;				/* container */
	int groups[NR_GROUPS];		/* vfio: group fds */
};

/* tcelab.ko's windows and groups as its results tell, for the guards. */
struct model {
	unsigned int groups, nr;
	struct window { uint64_t start, size; unsigned int shift; } w[2];
};

static struct differences diffs;
static char *buf;			/* BUF_PAGES pages, then an unmapped page */
static long page_size;
static char group_paths[NR_GROUPS][64];

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(uint64_t *s, uint64_t n)
{
	return n ? rnd_next(s) % n : 0;
}

static long vmlck_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* --- arguments: mostly valid, some of every kind of invalid --- */

static uint64_t pick_vaddr(uint64_t *s, uint64_t align)
{
	uint64_t base = (uintptr_t)buf;

	switch (rnd(s, 20)) {
	case 0: return base + 8;				/* unaligned */
	case 1: return base + BUF_PAGES * page_size;		/* unmapped */
	case 2: return 0;
	default: return base + rnd(s, BUF_PAGES * page_size / align) * align;
	}
}

static uint64_t pick_len(uint64_t *s, uint64_t unit, unsigned int max)
{
	switch (rnd(s, 20)) {
	case 0: return 0;
	case 1: return unit + 8;				/* unaligned */
	case 2: return -unit;					/* wraps */
	default: return unit * (1 + rnd(s, max));
	}
}

static uint64_t pick_iova(uint64_t *s, uint64_t unit)
{
	uint64_t base = rnd(s, 3) ? 0 : TCELAB_DDW_START;

	switch (rnd(s, 20)) {
	case 0: return base + 0x800;
	case 1: return 1ULL << 40;
	case 2: return base + (1ULL << 31);		/* past a 2 GiB window */
	default: return base + rnd(s, 64) * unit;
	}
}

static uint32_t pick_flags(uint64_t *s)
{
	return rnd(s, 20) ? 0 : 1U << rnd(s, 32);
}

static uint32_t pick_argsz(uint64_t *s, uint32_t size)
{
	return rnd(s, 25) ? size : size - 1 - rnd(s, 8);
}

/* The groups a sequence has attached, if its calls succeed: attach and detach pick by it. */
static unsigned int gen_groups;

static unsigned long pick_group(uint64_t *s, int attached)
{
	unsigned long g = rnd(s, NR_GROUPS);

	if (rnd(s, 8) && !!(gen_groups & 1U << g) != attached)
		g = (g + 1) % NR_GROUPS;
	gen_groups = attached ? gen_groups & ~(1U << g) : gen_groups | 1U << g;
	return g;
}

static void gen_call(uint64_t *s, struct call *c, int first)
{
	static const unsigned int shifts[] = { 12, 16, 21, 24, 30 };
	unsigned int total = 0, i;
	uint64_t w, unit = rnd(s, 2) ? 4096 : 65536;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NR_OPS; i++)
		total += op_weights[i];
	w = rnd(s, total);
	for (i = 0; w >= op_weights[i]; i++)
		w -= op_weights[i];
	c->op = first && rnd(s, 20) ? OP_SETUP : (enum op_kind)i;
	switch (c->op) {
	case OP_SETUP:
		c->arg = rnd(s, 30) < 27 ? TCELAB_SPAPR_TCE_v2_IOMMU :
			 rnd(s, 3) ? TCELAB_SPAPR_TCE_IOMMU : rnd(s, 2) ? 0 : 42;
		c->u.info.argsz = rnd(s, NR_GROUPS);	/* the group, kept apart from arg */
		gen_groups = 1U << c->u.info.argsz;
		break;
	case OP_ATTACH:
		c->arg = pick_group(s, 0);
		break;
	case OP_DETACH:
		c->arg = pick_group(s, 1);
		break;
	case OP_INFO:
		c->u.info.argsz = pick_argsz(s, sizeof(c->u.info));
		break;
	case OP_REGISTER:
	case OP_UNREGISTER:
		c->u.reg.argsz = pick_argsz(s, sizeof(c->u.reg));
		c->u.reg.flags = pick_flags(s);
		if (rnd(s, 3)) {
			c->u.reg.vaddr = (uintptr_t)buf;
			c->u.reg.size = BUF_PAGES * page_size;
		} else {
			c->u.reg.vaddr = pick_vaddr(s, page_size);
			c->u.reg.size = pick_len(s, page_size, BUF_PAGES);
		}
		break;
	case OP_CREATE:
		c->u.create.argsz = pick_argsz(s, sizeof(c->u.create));
		c->u.create.flags = pick_flags(s);
		c->u.create.page_shift = rnd(s, 10) ? shifts[rnd(s, 3)] : shifts[rnd(s, 5)];
		c->u.create.window_size = rnd(s, 15) ? 1ULL << (24 + rnd(s, 9)) :
					  rnd(s, 2) ? (1ULL << 28) + 4096 : 1ULL << 50;
		c->u.create.levels = rnd(s, 15) ? 1 + rnd(s, 3) : rnd(s, 8);
		break;
	case OP_REMOVE:
		c->u.remove.argsz = pick_argsz(s, sizeof(c->u.remove));
		c->u.remove.flags = pick_flags(s);
		c->u.remove.start_addr = rnd(s, 10) ? (rnd(s, 2) ? 0 : TCELAB_DDW_START) :
					 0x10000;
		break;
	case OP_MAP:
		c->u.map.argsz = pick_argsz(s, sizeof(c->u.map));
		c->u.map.flags = rnd(s, 15) ? 1 + rnd(s, 3) : rnd(s, 2) ? 0 : 4;
		c->u.map.vaddr = pick_vaddr(s, unit);
		c->u.map.iova = pick_iova(s, unit);
		c->u.map.size = pick_len(s, unit, 4);
		break;
	case OP_UNMAP:
		c->u.unmap.argsz = pick_argsz(s, sizeof(c->u.unmap));
		c->u.unmap.flags = pick_flags(s);
		c->u.unmap.iova = pick_iova(s, unit);
		c->u.unmap.size = rnd(s, 6) ? pick_len(s, unit, 4) : 1ULL << 31;
		break;
	default:
		break;
	}
}

static void gen_sequence(uint64_t seed, struct sequence *q)
{
	uint64_t s = seed;
	unsigned int i;

	q->n = 4 + rnd(&s, MAX_CALLS - 3);
	gen_groups = 0;
	for (i = 0; i < q->n; i++)
		gen_call(&s, &q->c[i], i == 0);
}

static void describe(const struct call *c, char *out, size_t len)
{
	const char *name = op_names[c->op];

	switch (c->op) {
	case OP_SETUP:
		snprintf(out, len, "setup(type %lu, group %u)", c->arg, c->u.info.argsz);
		break;
	case OP_ATTACH:
	case OP_DETACH:
		snprintf(out, len, "%s(group %lu)", name, c->arg);
		break;
	case OP_INFO:
		snprintf(out, len, "info(argsz %u)", c->u.info.argsz);
		break;
	case OP_REGISTER:
	case OP_UNREGISTER:
		snprintf(out, len, "%s(argsz %u, flags 0x%x, vaddr buf%+" PRId64 ", size 0x%llx)",
			 name, c->u.reg.argsz, c->u.reg.flags,
			 (int64_t)(c->u.reg.vaddr - (uintptr_t)buf),
			 (unsigned long long)c->u.reg.size);
		break;
	case OP_CREATE:
		snprintf(out, len, "create(argsz %u, flags 0x%x, page_shift %u, window 0x%llx, "
			 "levels %u)", c->u.create.argsz, c->u.create.flags, c->u.create.page_shift,
			 (unsigned long long)c->u.create.window_size, c->u.create.levels);
		break;
	case OP_REMOVE:
		snprintf(out, len, "remove(argsz %u, flags 0x%x, start 0x%llx)", c->u.remove.argsz,
			 c->u.remove.flags, (unsigned long long)c->u.remove.start_addr);
		break;
	case OP_MAP:
		snprintf(out, len, "map(argsz %u, flags 0x%x, vaddr buf%+" PRId64 ", iova 0x%llx, "
			 "size 0x%llx)", c->u.map.argsz, c->u.map.flags,
			 (int64_t)(c->u.map.vaddr - (uintptr_t)buf),
			 (unsigned long long)c->u.map.iova, (unsigned long long)c->u.map.size);
		break;
	case OP_UNMAP:
		snprintf(out, len, "unmap(argsz %u, flags 0x%x, iova 0x%llx, size 0x%llx)",
			 c->u.unmap.argsz, c->u.unmap.flags, (unsigned long long)c->u.unmap.iova,
			 (unsigned long long)c->u.unmap.size);
		break;
	default:
		snprintf(out, len, "%s", name);
	}
}

/*
 * The differences' name of a call: setup splits by IOMMU type, and a window smaller than
 * one of its IOMMU pages is a create of its own.
 */
static const char *key_op(const struct call *c)
{
	if (c->op == OP_CREATE && c->u.create.page_shift < 64 &&
	    c->u.create.window_size < 1ULL << c->u.create.page_shift)
		return "create-subpage";
	if (c->op != OP_SETUP)
		return op_names[c->op];
	return c->arg == TCELAB_SPAPR_TCE_v2_IOMMU ? "setup-v2" :
	       c->arg == TCELAB_SPAPR_TCE_IOMMU ? "setup-v1" : "setup-bad";
}

static const char *errname(long ret, char *tmp, size_t len)
{
	static const struct { int e; const char *n; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ENXIO, "ENXIO" }, { EBADF, "EBADF" },
		{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
		{ ENOTTY, "ENOTTY" }, { E2BIG, "E2BIG" }, { EIO, "EIO" },
	};
	size_t i;

	for (i = 0; ret < 0 && i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == -ret)
			return names[i].n;
	snprintf(tmp, len, "%ld", ret);
	return tmp;
}

/* --- the two stacks --- */

static long sys(long r)
{
	return r < 0 ? -errno : r;
}

static long do_ioctl(int fd, unsigned long cmd, void *arg)
{
	return sys(ioctl(fd, cmd, arg));
}

static int side_open(struct side *sd, int vfio, char *err, size_t errlen)
{
	unsigned int g;

	sd->fd = open(vfio ? "/dev/vfio/vfio" : TCELAB_DEVICE, O_RDWR);
	if (sd->fd < 0) {
		snprintf(err, errlen, "open %s: %s", vfio ? "/dev/vfio/vfio" : TCELAB_DEVICE,
			 strerror(errno));
		return -1;
	}
	for (g = 0; g < NR_GROUPS; g++) {
		sd->groups[g] = vfio ? open(group_paths[g], O_RDWR) : -1;
		if (vfio && sd->groups[g] < 0) {
			snprintf(err, errlen, "open %s: %s", group_paths[g], strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* tcelab.ko numbers its IOMMU types 1 and 2, VFIO 2 and 7; anything else is no type. */
static unsigned long vfio_type(unsigned long type)
{
	return type == TCELAB_SPAPR_TCE_IOMMU ? VFIO_SPAPR_TCE_IOMMU :
	       type == TCELAB_SPAPR_TCE_v2_IOMMU ? VFIO_SPAPR_TCE_v2_IOMMU : type;
}

/* One call on one side: >= 0 or -errno. */
static long side_call(const struct side *sd, int vfio, struct call *c)
{
	struct tcelab_group grp = { .argsz = sizeof(grp) };
	long ret;

	switch (c->op) {
	case OP_SETUP:
		/* Each stack's own order: VFIO takes a group first, tcelab.ko the type. */
		if (vfio) {
			ret = do_ioctl(sd->groups[c->u.info.argsz], VFIO_GROUP_SET_CONTAINER,
				       (void *)&sd->fd);
			return ret ?: sys(ioctl(sd->fd, VFIO_SET_IOMMU, vfio_type(c->arg)));
		}
		ret = sys(ioctl(sd->fd, TCELAB_SET_IOMMU, c->arg));
		grp.group = c->u.info.argsz;
		return ret ?: do_ioctl(sd->fd, TCELAB_ATTACH_GROUP, &grp);
	case OP_ATTACH:
		if (vfio)
			return do_ioctl(sd->groups[c->arg], VFIO_GROUP_SET_CONTAINER,
					(void *)&sd->fd);
		grp.group = c->arg;
		return do_ioctl(sd->fd, TCELAB_ATTACH_GROUP, &grp);
	case OP_DETACH:
		if (vfio)
			return sys(ioctl(sd->groups[c->arg], VFIO_GROUP_UNSET_CONTAINER));
		grp.group = c->arg;
		return do_ioctl(sd->fd, TCELAB_DETACH_GROUP, &grp);
	case OP_INFO:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_SPAPR_TCE_GET_INFO :
				TCELAB_SPAPR_TCE_GET_INFO, &c->u.info);
	case OP_ENABLE:
		return sys(ioctl(sd->fd, vfio ? VFIO_IOMMU_ENABLE : TCELAB_ENABLE));
	case OP_DISABLE:
		return sys(ioctl(sd->fd, vfio ? VFIO_IOMMU_DISABLE : TCELAB_DISABLE));
	case OP_REGISTER:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_SPAPR_REGISTER_MEMORY :
				TCELAB_REGISTER_MEMORY, &c->u.reg);
	case OP_UNREGISTER:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY :
				TCELAB_UNREGISTER_MEMORY, &c->u.reg);
	case OP_CREATE:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_SPAPR_TCE_CREATE : TCELAB_TCE_CREATE,
				&c->u.create);
	case OP_REMOVE:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_SPAPR_TCE_REMOVE : TCELAB_TCE_REMOVE,
				&c->u.remove);
	case OP_MAP:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_MAP_DMA : TCELAB_MAP_DMA, &c->u.map);
	case OP_UNMAP:
		return do_ioctl(sd->fd, vfio ? VFIO_IOMMU_UNMAP_DMA : TCELAB_UNMAP_DMA,
				&c->u.unmap);
	default:
		return -ENOSYS;
	}
}

static void side_run(const struct side *sd, int vfio, const struct call *c, struct result *r)
{
	struct call copy = *c;
	long before = vmlck_kb();

	memset(r, 0, sizeof(*r));
	r->ret = side_call(sd, vfio, &copy);
	r->vmlck_kb = vmlck_kb() - before;
	if (c->op == OP_CREATE && !r->ret)
		r->start_addr = copy.u.create.start_addr;
	r->info.argsz = sizeof(r->info);
	r->info_ret = do_ioctl(sd->fd, vfio ? VFIO_IOMMU_SPAPR_TCE_GET_INFO :
			       TCELAB_SPAPR_TCE_GET_INFO, &r->info);
}

static void info_text(const struct result *r, char *out, size_t len)
{
	char tmp[16];

	if (r->info_ret)
		snprintf(out, len, "%s", errname(r->info_ret, tmp, sizeof(tmp)));
	else
		snprintf(out, len, "flags=%u,dma32=0x%x+0x%x,pgsizes=0x%llx,windows=%u,levels=%u",
			 r->info.flags, r->info.dma32_window_start, r->info.dma32_window_size,
			 (unsigned long long)r->info.ddw.pgsizes,
			 r->info.ddw.max_dynamic_windows_supported, r->info.ddw.levels);
}

/* The first way @up and @tl differ: 0 when they agree, else the key's kind and results. */
static int compare(const struct result *up, const struct result *tl, struct outcome *o)
{
	char a[16], b[16];

	if (up->ret != tl->ret) {
		snprintf(o->kind, sizeof(o->kind), "ret");
		snprintf(o->upstream, sizeof(o->upstream), "%s", errname(up->ret, a, sizeof(a)));
		snprintf(o->tcelab, sizeof(o->tcelab), "%s", errname(tl->ret, b, sizeof(b)));
		return 1;
	}
	if (up->start_addr != tl->start_addr) {
		snprintf(o->kind, sizeof(o->kind), "start");
		snprintf(o->upstream, sizeof(o->upstream), "0x%llx",
			 (unsigned long long)up->start_addr);
		snprintf(o->tcelab, sizeof(o->tcelab), "0x%llx",
			 (unsigned long long)tl->start_addr);
		return 1;
	}
	if (up->vmlck_kb != tl->vmlck_kb) {
		snprintf(o->kind, sizeof(o->kind), "vmlck");
		snprintf(o->upstream, sizeof(o->upstream), "%s:%+ldkB",
			 errname(up->ret, a, sizeof(a)), up->vmlck_kb);
		snprintf(o->tcelab, sizeof(o->tcelab), "%s:%+ldkB",
			 errname(tl->ret, b, sizeof(b)), tl->vmlck_kb);
		return 1;
	}
	info_text(up, o->upstream, sizeof(o->upstream));
	info_text(tl, o->tcelab, sizeof(o->tcelab));
	if (strcmp(o->upstream, o->tcelab)) {
		snprintf(o->kind, sizeof(o->kind), "info");
		return 1;
	}
	return 0;
}

/* Closing both containers: what each gives back to VmLck. */
static void side_close(struct side *sd, int vfio, struct result *r)
{
	long before = vmlck_kb();
	unsigned int g;

	memset(r, 0, sizeof(*r));
	for (g = 0; vfio && g < NR_GROUPS; g++)
		ioctl(sd->groups[g], VFIO_GROUP_UNSET_CONTAINER);
	close(sd->fd);
	for (g = 0; vfio && g < NR_GROUPS; g++)
		close(sd->groups[g]);
	r->vmlck_kb = vmlck_kb() - before;
	r->info_ret = -EBADF;
}

static void model_remove(struct model *m, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (addr >= m->w[i].start && addr - m->w[i].start < m->w[i].size) {
			m->w[i] = m->w[--m->nr];
			return;
		}
}

/* What tcelab.ko's successful @c did to its windows and groups. */
static void model_update(struct model *m, const struct call *c, const struct result *r)
{
	uint64_t size;

	if (r->ret)
		return;
	switch (c->op) {
	case OP_SETUP:
		m->groups = 1;
		if (c->arg == TCELAB_SPAPR_TCE_v2_IOMMU && !r->info_ret)
			m->w[m->nr++] = (struct window){ 0, r->info.dma32_window_size, 12 };
		break;
	case OP_ATTACH:
		m->groups++;
		break;
	case OP_DETACH:
		if (!--m->groups)
			m->nr = 0;
		break;
	case OP_CREATE:
		/* At least a system page of TCEs long, as pnv_pci_ioda2_table_alloc_pages() makes it. */
		size = (uint64_t)page_size / 8 << c->u.create.page_shift;
		if (m->nr < 2)
			m->w[m->nr++] = (struct window){ r->start_addr,
				c->u.create.window_size > size ? c->u.create.window_size : size,
				c->u.create.page_shift };
		break;
	case OP_REMOVE:
		model_remove(m, c->u.remove.start_addr);
		break;
	default:
		break;
	}
}

/*
 * A MAP upstream would take past the end of its window: it checks the first IOMMU page only
 * and writes the TCEs past the end of the table (map-past-window-end): not run there.
 */
static int map_past_window_end(const struct model *m, const struct call *c)
{
	const struct vfio_iommu_type1_dma_map *p = &c->u.map;
	uint64_t mask, end;
	unsigned int i;

	if (c->op != OP_MAP || p->argsz < sizeof(*p) || (p->flags & ~3U) || !(p->flags & 3U))
		return 0;
	for (i = 0; i < m->nr; i++) {
		if (p->iova < m->w[i].start || p->iova - m->w[i].start >= m->w[i].size)
			continue;
		mask = (1ULL << m->w[i].shift) - 1;
		end = p->iova + p->size;
		return !((p->iova | p->vaddr | p->size) & mask) &&
		       (end < p->iova || end > m->w[i].start + m->w[i].size);
	}
	return 0;
}

/*
 * Upstream calls that would harm the guest, and tcelab.ko's result on them, by a declared
 * difference: the guard's name, or NULL to run the call. *@stand_in becomes the call upstream
 * gets instead, with what the harmful one does before the harm and no more (OP_INFO: none).
 */
static const char *guard(const struct model *m, const struct call *c, const struct result *tl,
			 struct call *stand_in)
{
	*stand_in = *c;
	/* UNREGISTER_MEMORY of a mapped region leaks it, and the exit WARNs. */
	if (c->op == OP_UNREGISTER && tl->ret == -EBUSY) {
		stand_in->op = OP_INFO;
		return "mapped";
	}
	/* A region of no bytes or of 2^40 and more: mm_iommu_do_alloc()'s vzalloc() WARNs. */
	if (c->op == OP_REGISTER && c->u.reg.argsz >= sizeof(c->u.reg) && !c->u.reg.flags &&
	    (!c->u.reg.size || c->u.reg.size >> 40) && !(c->u.reg.size & (page_size - 1)) &&
	    !(c->u.reg.vaddr & (page_size - 1)) && c->u.reg.vaddr + c->u.reg.size >= c->u.reg.vaddr) {
		/* A size refused after tce_iommu_mm_set(): the binding, no allocation. */
		stand_in->u.reg.size = page_size + 1;
		return "vmalloc-warn";
	}
	if (tl->ret == -EINVAL && map_past_window_end(m, c)) {
		/* No direction: refused once the default window is there, before any mapping. */
		stand_in->u.map.flags = 0;
		return "past-window-end";
	}
	return NULL;
}

/* In a fresh process: both stacks through @q, compared after every call and after closing. */
static void run_child(const struct sequence *q, struct outcome *o)
{
	struct model m = { 0 };
	struct call stand_in;
	struct side up, tl;
	struct difference *d;
	const char *g;
	char tmp[16];
	unsigned int i;

	if (side_open(&tl, 0, o->err, sizeof(o->err)) ||
	    side_open(&up, 1, o->err, sizeof(o->err))) {
		o->error = 1;
		return;
	}
	for (i = 0; i <= q->n; i++) {
		const char *op = i < q->n ? key_op(&q->c[i]) : "close";

		g = NULL;
		if (i < q->n) {
			side_run(&tl, 0, &q->c[i], &o->tl[i]);
			g = guard(&m, &q->c[i], &o->tl[i], &stand_in);
			model_update(&m, &q->c[i], &o->tl[i]);
			if (!g)
				side_run(&up, 1, &q->c[i], &o->up[i]);
			else if (stand_in.op != OP_INFO)
				side_call(&up, 1, &stand_in);
		} else {
			side_close(&tl, 0, &o->tl[i]);
			side_close(&up, 1, &o->up[i]);
		}
		o->ran = i + 1;
		if (g) {
			o->guarded[i] = 1;
			snprintf(o->kind, sizeof(o->kind), "guard");
			snprintf(o->upstream, sizeof(o->upstream), "%s", g);
			snprintf(o->tcelab, sizeof(o->tcelab), "%s",
				 errname(o->tl[i].ret, tmp, sizeof(tmp)));
		} else if (!compare(&o->up[i], &o->tl[i], o)) {
			continue;
		}
		d = differences_match_diff(&diffs, o->kind, op, o->upstream, o->tcelab);
		/*
		 * Both states are still alike after a declared difference in VmLck alone, after
		 * a call not run upstream that tcelab.ko refused, or after a group attach or
		 * detach both refused: the sequence goes on.
		 */
		if (d && (!strcmp(o->kind, "vmlck") || (g && o->tl[i].ret < 0) ||
			  ((q->c[i].op == OP_ATTACH || q->c[i].op == OP_DETACH) &&
			   o->tl[i].ret < 0 && o->up[i].ret < 0))) {
			o->hits[d - diffs.d]++;
			continue;
		}
		o->diverged = i;
		o->declared = d ? d - diffs.d : -1;
		break;
	}
}

/* Runs @q in a child process; the outcome lands in @o (shared memory). */
static int run_sequence(const struct sequence *q, struct outcome *o)
{
	pid_t pid;
	int st;

	memset(o, 0, sizeof(*o));
	o->diverged = -1;
	o->declared = -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		run_child(q, o);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		snprintf(o->err, sizeof(o->err), "the sequence's process died (status 0x%x)", st);
		o->error = 1;
	}
	return o->error ? -1 : 0;
}

/*
 * Deletes calls while what is left, run from fresh containers, still diverges undeclared:
 * @q is the shortest found, @o its outcome.
 */
static unsigned int minimize(struct sequence *q, struct outcome *o, struct outcome *trial)
{
	struct sequence t;
	unsigned int i, runs = 0;
	int progress = 1;

	q->n = o->diverged < (int)q->n ? (unsigned int)o->diverged + 1 : q->n;
	while (progress) {
		progress = 0;
		for (i = 0; i < q->n && q->n > 1; i++) {
			t.n = q->n - 1;
			memcpy(t.c, q->c, i * sizeof(t.c[0]));
			memcpy(t.c + i, q->c + i + 1, (q->n - i - 1) * sizeof(t.c[0]));
			runs++;
			if (run_sequence(&t, trial) || trial->diverged < 0 || trial->declared >= 0)
				continue;
			t.n = trial->diverged < (int)t.n ? (unsigned int)trial->diverged + 1 : t.n;
			*q = t;
			*o = *trial;
			progress = 1;
			i--;
		}
	}
	return runs;
}

static void result_text(const struct result *r, char *out, size_t len)
{
	char tmp[16], info[160];

	info_text(r, info, sizeof(info));
	snprintf(out, len, "%s, VmLck %+ldkB, info %s", errname(r->ret, tmp, sizeof(tmp)),
		 r->vmlck_kb, info);
	if (r->start_addr)
		snprintf(out + strlen(out), len - strlen(out), ", start 0x%llx",
			 (unsigned long long)r->start_addr);
}

static void print_divergence(FILE *f, const struct sequence *q, const struct outcome *o,
			     struct json_writer *w)
{
	char text[256], res[256];
	unsigned int i;

	if (w)
		jw_arr_begin(w, "calls");
	for (i = 0; i < o->ran; i++) {
		if (i < q->n)
			describe(&q->c[i], text, sizeof(text));
		else
			snprintf(text, sizeof(text), "close");
		fprintf(f, "  %2u %s%s\n", i + 1, text, (int)i == o->diverged ? "   <== differs" : "");
		result_text(&o->up[i], res, sizeof(res));
		if (o->guarded[i])
			snprintf(res, sizeof(res), "not run (a guard)");
		fprintf(f, "       upstream: %s\n", res);
		if (w) {
			jw_obj_begin(w, NULL);
			jw_str(w, "call", text);
			jw_str(w, "upstream", res);
		}
		result_text(&o->tl[i], res, sizeof(res));
		fprintf(f, "       tcelab:   %s\n", res);
		if (w) {
			jw_str(w, "tcelab", res);
			jw_obj_end(w);
		}
	}
	if (w)
		jw_arr_end(w);
}

/* The upstream group's geometry, for loading tcelab.ko with the same (the job does). */
static int platform(void)
{
	struct side up;
	struct call c = { .op = OP_SETUP, .arg = TCELAB_SPAPR_TCE_v2_IOMMU };
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };
	char err[256];

	if (side_open(&up, 1, err, sizeof(err)) || side_call(&up, 1, &c) ||
	    ioctl(up.fd, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info)) {
		fprintf(stderr, "tcelab-diff: the upstream container: %s\n",
			up.fd < 0 ? err : strerror(errno));
		return 2;
	}
	printf("dma32_mb=%u pgsizes=0x%llx\n", info.dma32_window_size >> 20,
	       (unsigned long long)info.ddw.pgsizes);
	return 0;
}

static int load_groups(void)
{
	char line[256], path[64];
	unsigned int n = 0;
	FILE *f = fopen(GROUP_LIST, "r");

	while (f && n < NR_GROUPS && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %63s", path) == 1)
			snprintf(group_paths[n++], sizeof(group_paths[0]), "%s", path);
	if (f)
		fclose(f);
	if (n < NR_GROUPS) {
		fprintf(stderr, "tcelab-diff: %s lists %u VFIO group%s, %d needed (tcelab-vfio-setup "
			"on --target powernv9-vfio binds two)\n", GROUP_LIST, n, n == 1 ? "" : "s",
			NR_GROUPS);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tcelab-diff --differences FILE [--seed S] [--seconds N] [--json FILE]\n"
		"                   [--undeclare ID]\n"
		"       tcelab-diff --platform\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "differences", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'j' },
		{ "undeclare", required_argument, NULL, 'u' },
		{ "platform", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dpath = NULL, *json = NULL, *undeclare = NULL;
	uint64_t seed = (uint64_t)time(NULL), seq;
	unsigned long seconds = 60, calls = 0, declared = 0, undeclared = 0, errors = 0;
	unsigned long min_runs = 0;
	struct outcome *o, *trial;
	struct sequence q;
	struct json_writer *w = NULL;
	char err[512];
	time_t end;
	unsigned int i;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dpath = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		case 'j': json = optarg; break;
		case 'u': undeclare = optarg; break;
		case 'p':
			page_size = sysconf(_SC_PAGESIZE);
			return load_groups() ? 2 : platform();
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dpath) {
		usage(stderr);
		return 2;
	}
	if (differences_load(&diffs, dpath, err, sizeof(err))) {
		fprintf(stderr, "tcelab-diff: %s\n", err);
		return 2;
	}
	if (undeclare && differences_undeclare(&diffs, undeclare)) {
		fprintf(stderr, "tcelab-diff: --undeclare %s: %s has no such row\n", undeclare,
			dpath);
		return 2;
	}
	if (load_groups())
		return 2;
	page_size = sysconf(_SC_PAGESIZE);
	/* The buffer, then a page left unmapped: a vaddr there cannot be pinned. */
	buf = mmap(NULL, (BUF_PAGES + 1) * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	o = mmap(NULL, 2 * sizeof(*o), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || o == MAP_FAILED) {
		perror("tcelab-diff: mmap");
		return 2;
	}
	trial = o + 1;
	memset(buf, 0x5a, BUF_PAGES * page_size);
	munmap(buf + BUF_PAGES * page_size, page_size);
	if (json) {
		w = jw_open(json);
		if (!w) {
			fprintf(stderr, "tcelab-diff: cannot write %s: %s\n", json, strerror(errno));
			return 2;
		}
		jw_obj_begin(w, NULL);
		jw_str(w, "schema", SCHEMA_DIFF);
		jw_u64(w, "seed", seed);
		jw_u64(w, "page_size", page_size);
		jw_arr_begin(w, "divergences");
	}
	printf("tcelab-diff: seed %llu, %lu s, page size %ld, groups %s %s\n",
	       (unsigned long long)seed, seconds, page_size, group_paths[0], group_paths[1]);
	fflush(stdout);
	end = time(NULL) + seconds;
	for (seq = 0; time(NULL) < end; seq++) {
		gen_sequence(seed * 1000003 + seq, &q);
		if (run_sequence(&q, o)) {
			fprintf(stderr, "tcelab-diff: sequence %llu: %s\n", (unsigned long long)seq,
				o->err);
			errors++;
			break;
		}
		calls += o->ran;
		for (i = 0; i < diffs.nr; i++) {
			diffs.d[i].hits += o->hits[i];
			declared += o->hits[i];
		}
		if (o->diverged < 0)
			continue;
		if (o->declared >= 0) {
			declared++;
			diffs.d[o->declared].hits++;
			continue;
		}
		undeclared++;
		min_runs += minimize(&q, o, trial);
		printf("UNDECLARED divergence, sequence %llu of seed %llu, minimized to %u calls: "
		       "%s %s upstream=%s tcelab=%s\n", (unsigned long long)seq,
		       (unsigned long long)seed, o->ran, o->kind,
		       o->diverged < (int)q.n ? key_op(&q.c[o->diverged]) : "close", o->upstream,
		       o->tcelab);
		if (w) {
			jw_obj_begin(w, NULL);
			jw_u64(w, "sequence", seq);
			jw_str(w, "key", o->kind);
			jw_str(w, "op", o->diverged < (int)q.n ? key_op(&q.c[o->diverged]) :
			       "close");
			jw_str(w, "upstream", o->upstream);
			jw_str(w, "tcelab", o->tcelab);
		}
		print_divergence(stdout, &q, o, w);
		if (w)
			jw_obj_end(w);
		fflush(stdout);
		/* Enough to fix or declare; the rest of the time would repeat them. */
		if (undeclared >= MAX_UNDECLARED)
			break;
	}
	printf("tcelab-diff: %llu sequences, %lu calls, %lu declared divergences, %lu undeclared "
	       "(%lu minimizing runs), seed %llu\n", (unsigned long long)seq, calls, declared,
	       undeclared, min_runs, (unsigned long long)seed);
	for (i = 0; i < diffs.nr; i++)
		if (diffs.d[i].hits)
			printf("  declared %-28s %lu\n", diffs.d[i].id, diffs.d[i].hits);
	if (w) {
		jw_arr_end(w);
		jw_u64(w, "sequences", seq);
		jw_u64(w, "calls", calls);
		jw_u64(w, "declared", declared);
		jw_u64(w, "undeclared", undeclared);
		jw_u64(w, "errors", errors);
		jw_u64(w, "minimizing_runs", min_runs);
		jw_obj_begin(w, "declared_by_id");
		for (i = 0; i < diffs.nr; i++)
			if (diffs.d[i].hits)
				jw_u64(w, diffs.d[i].id, diffs.d[i].hits);
		jw_obj_end(w);
		jw_obj_end(w);
		if (jw_close(w)) {
			fprintf(stderr, "tcelab-diff: writing %s failed\n", json);
			return 2;
		}
	}
	return errors ? 2 : undeclared ? 1 : 0;
}
