// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcelab/timing.h>

#include "target.h"
#include "vm.h"
#include "lib/util.h"

void argv_add(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v)
			die("out of memory");
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

char *argv_join(const struct argv *a)
{
	size_t len = 1;
	char *out, *p;
	int i;

	for (i = 0; i < a->n; i++)
		len += strlen(a->v[i]) * 4 + 3;
	out = p = malloc(len);
	if (!out)
		die("out of memory");
	for (i = 0; i < a->n; i++) {
		const char *s = a->v[i];

		if (i)
			*p++ = ' ';
		if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+@%")]) {
			*p++ = '\'';
			for (; *s; s++) {
				if (*s == '\'') {
					memcpy(p, "'\\''", 4);
					p += 4;
				} else {
					*p++ = *s;
				}
			}
			*p++ = '\'';
		} else {
			p = stpcpy(p, s);
		}
	}
	*p = 0;
	return out;
}

/* microvm calibrates the TSC against nothing and sometimes hangs: tell it the host's rate. */
static long host_tsc_khz(void)
{
	char *cpuinfo = read_file("/proc/cpuinfo", NULL), *mhz;
	long khz = 0;

	if (cpuinfo && (mhz = strstr(cpuinfo, "cpu MHz"))) {
		mhz = strchr(mhz, ':');
		if (mhz)
			khz = (long)(strtod(mhz + 1, NULL) * 1000);
	}
	free(cpuinfo);
	return khz;
}

static void common_argv(const struct boot *b, struct argv *a)
{
	argv_add(a, "-accel");
	argv_add(a, "tcg");
	/*
	 * One instruction, one nanosecond of guest time; sleep=off: an idle guest jumps to its
	 * next timer instead of waiting for the host's clock, align=off: never slowed to it.
	 */
	if (b->timing == TCELAB_TIMING_ICOUNT) {
		argv_add(a, "-icount");
		argv_add(a, "shift=0,sleep=off,align=off");
	}
	argv_add(a, "-m");
	argv_add(a, "%d", b->mem_mb);
	argv_add(a, "-smp");
	argv_add(a, "%d", b->cpus);
	argv_add(a, "-nodefaults");
	argv_add(a, "-no-user-config");
	argv_add(a, "-display");
	argv_add(a, "none");
	/* The guest ends by rebooting or powering off; either must end QEMU. */
	argv_add(a, "-no-reboot");
	argv_add(a, "-kernel");
	argv_add(a, "%s", b->kernel);
	argv_add(a, "-initrd");
	argv_add(a, "%s", b->initrd);
	argv_add(a, "-serial");
	argv_add(a, "file:%s", b->console);
	argv_add(a, "-fsdev");
	argv_add(a, "local,id=out,path=%s,security_model=none", b->share_dir);
}

static void x86_64_argv(const struct target *t, const struct boot *b, struct argv *a)
{
	long khz = host_tsc_khz();

	argv_add(a, "qemu-system-x86_64");
	argv_add(a, "-M");
	argv_add(a, "microvm");
	argv_add(a, "-cpu");
	argv_add(a, "max");
	common_argv(b, a);
	/*
	 * Under TCG the guest finds its TSC unstable and falls back to jiffies, which would make
	 * every latency 0 or one tick: the TSC is QEMU's host clock here, so trust it. Under
	 * -icount shift=0 the TSC ticks once per instruction: 1 GHz whatever the host.
	 */
	argv_add(a, "-append");
	if (b->timing == TCELAB_TIMING_ICOUNT)
		argv_add(a, "console=ttyS0 tsc=reliable tsc_early_khz=1000000 %s", b->cmdline);
	else if (khz)
		argv_add(a, "console=ttyS0 tsc=reliable tsc_early_khz=%ld %s", khz, b->cmdline);
	else
		argv_add(a, "console=ttyS0 tsc=reliable %s", b->cmdline);
	argv_add(a, "-device");
	argv_add(a, "virtio-9p-device,fsdev=out,mount_tag=tcelab");
}

static void powernv_argv(const struct target *t, const struct boot *b, struct argv *a)
{
	argv_add(a, "qemu-system-ppc64");
	argv_add(a, "-M");
	argv_add(a, "%s", t->machine ? t->machine : t->name);
	common_argv(b, a);
	argv_add(a, "-append");
	argv_add(a, "console=hvc0 %s", b->cmdline);
	/* One explicit PHB and root port boot faster than QEMU's default set of PHBs. */
	argv_add(a, "-device");
	argv_add(a, "pnv-phb,chip-id=0,index=0,id=pcie.0");
	argv_add(a, "-device");
	argv_add(a, "pnv-phb-root-port,bus=pcie.0,id=rp0,chassis=1,slot=0");
	argv_add(a, "-device");
	argv_add(a, "virtio-9p-pci,fsdev=out,mount_tag=tcelab,bus=rp0,addr=0");
	/*
	 * Devices for the upstream VFIO stack: each on a PHB of its own (PHB index 1 and 2 exist
	 * on POWER8 and POWER9), so each is its own PE and IOMMU group. No guest driver claims
	 * them: vm/guest/vfio-setup binds them to vfio-pci. The NIC's frames go nowhere.
	 */
	if (t->dma_devices) {
		argv_add(a, "-device");
		argv_add(a, "pnv-phb,chip-id=0,index=1,id=pcie.1");
		argv_add(a, "-device");
		argv_add(a, "pnv-phb-root-port,bus=pcie.1,id=rp1,chassis=2,slot=0");
		argv_add(a, "-netdev");
		argv_add(a, "hubport,id=net0,hubid=0");
		argv_add(a, "-device");
		argv_add(a, "e1000e,netdev=net0,bus=rp1,addr=0");
		argv_add(a, "-device");
		argv_add(a, "pnv-phb,chip-id=0,index=2,id=pcie.2");
		argv_add(a, "-device");
		argv_add(a, "pnv-phb-root-port,bus=pcie.2,id=rp2,chassis=3,slot=0");
		argv_add(a, "-drive");
		argv_add(a, "file=%s/disk.img,if=none,id=disk0,format=raw", b->run_dir);
		argv_add(a, "-device");
		argv_add(a, "nvme,drive=disk0,serial=tcelab0,bus=rp2,addr=0");
	}
	/* skiboot powers off through the BMC: without one, poweroff never ends QEMU. */
	argv_add(a, "-device");
	argv_add(a, "ipmi-bmc-sim,id=bmc0");
	argv_add(a, "-device");
	argv_add(a, "isa-ipmi-bt,bmc=bmc0,irq=10");
}

/*
 * A PAPR guest whose NIC and NVMe DMA go through QEMU's sPAPR IOMMU, traced: this is how the
 * recorded test traces are made (job record-io). The NIC is on a hub with no other port, so
 * its frames go nowhere.
 */
static void pseries_argv(const struct target *t, const struct boot *b, struct argv *a)
{
	argv_add(a, "qemu-system-ppc64");
	argv_add(a, "-M");
	/* TCG implements none of the speculation-control capabilities. */
	argv_add(a, "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off");
	argv_add(a, "-cpu");
	argv_add(a, "POWER9");
	common_argv(b, a);
	argv_add(a, "-append");
	argv_add(a, "console=hvc0 %s", b->cmdline);
	argv_add(a, "-device");
	argv_add(a, "virtio-9p-pci,fsdev=out,mount_tag=tcelab");
	argv_add(a, "-netdev");
	argv_add(a, "hubport,id=net0,hubid=0");
	argv_add(a, "-device");
	argv_add(a, "e1000,netdev=net0");
	argv_add(a, "-drive");
	argv_add(a, "file=%s/disk.img,if=none,id=disk0,format=raw", b->run_dir);
	argv_add(a, "-device");
	argv_add(a, "nvme,drive=disk0,serial=tcelab0");
	argv_add(a, "-msg");
	argv_add(a, "timestamp=on");
	argv_add(a, "-trace");
	argv_add(a, "spapr_iommu_*");
	argv_add(a, "-D");
	argv_add(a, "%s/qemu-trace.log", b->run_dir);
}

#define T(mode)	(1u << TCELAB_TIMING_##mode)

/*
 * Timing modes: QEMU's POWER PMU counts instructions under TCG (since 7.0), so powernv counts
 * them; Debian 12's QEMU 7.2 aborts powernv under -icount ("Raised interrupt while not in I/O
 * function"). TCG emulates no x86 PMU, so x86_64 counts with -icount. pseries records traces,
 * whose timestamps are the host's.
 */
static const struct target targets[] = {
	{ "powernv9", "ppc64le", "QEMU powernv9 (POWER9, PHB4), Debian ppc64el kernel, kprobes",
	  600, 0, powernv_argv, NULL, 0, T(HOST) | T(INSNS), TCELAB_TIMING_INSNS },
	{ "powernv8", "ppc64le", "QEMU powernv8 (POWER8, PHB3), Debian ppc64el kernel, kprobes",
	  600, 0, powernv_argv, NULL, 0, T(HOST) | T(INSNS), TCELAB_TIMING_INSNS },
	{ "powernv9-vfio", "ppc64le", "powernv9 plus e1000e and NVMe on PHBs 1 and 2, for VFIO",
	  600, 16, powernv_argv, "powernv9", 1, T(HOST) | T(INSNS), TCELAB_TIMING_INSNS },
	{ "powernv8-vfio", "ppc64le", "powernv8 plus e1000e and NVMe on PHBs 1 and 2, for VFIO",
	  600, 16, powernv_argv, "powernv8", 1, T(HOST) | T(INSNS), TCELAB_TIMING_INSNS },
	{ "x86_64", "x86_64", "QEMU microvm, Debian amd64 kernel with BTF, fentry",
	  300, 0, x86_64_argv, NULL, 0, T(HOST) | T(ICOUNT), TCELAB_TIMING_ICOUNT },
	{ "pseries", "ppc64le", "QEMU pseries with e1000 and NVMe, spapr_iommu_* traced",
	  600, 64, pseries_argv, NULL, 0, T(HOST), TCELAB_TIMING_HOST },
	{ "native", NULL, "this host's own kernel (a real POWER box that can load modules)",
	  600, 0, NULL, NULL, 0, T(HOST) | T(INSNS), TCELAB_TIMING_HOST },
};

const struct target *target_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

const char *target_names(void)
{
	return "powernv9|powernv8|powernv9-vfio|powernv8-vfio|x86_64|pseries|native";
}

int target_default_timing(const char *name)
{
	const struct target *t = target_find(name);

	if (!t)
		die("unknown target '%s' (targets: %s)", name, target_names());
	return t->default_timing;
}
