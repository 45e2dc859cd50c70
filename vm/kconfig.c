// SPDX-License-Identifier: GPL-2.0
/*
 * What a guest kernel's configuration must have for a target, its jobs and its timing mode: one
 * table, read by the preflight before every boot (a kernel that lacks an option is refused with
 * the list and the fix, before QEMU starts) and by `tcelab kconfig`, which prints it as a
 * fragment to merge into a kernel tree's .config.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tcelab/timing.h>

#include "target.h"
#include "vm.h"
#include "lib/util.h"

/* Which boots need an option. */
enum {
	ANY = 0,		/* every target */
	POWERNV = 1 << 0,	/* powernv8, powernv9 and their -vfio */
	X86 = 1 << 1,
	VFIO = 1 << 2,		/* targets with devices for the upstream VFIO stack */
	INSNS = 1 << 3,		/* --timing insns */
};

struct kconfig_option {
	const char *name;	/* without CONFIG_ */
	unsigned int needed_by;	/* ANY, or the boots above (all of them must apply) */
	int module_ok;		/* =m will do: the guest loads it from its initramfs */
	const char *why;
	const char *without;	/* what a run does without it; NULL: it cannot run */
};

static const struct kconfig_option options[] = {
	{ "MODULES", ANY, 0, "tcelab.ko and the probes' targets are modules", NULL },
	{ "MODULE_UNLOAD", ANY, 0,
	  "every job ends by unloading tcelab.ko (a module that will not unload fails the run)", NULL },
	{ "BLK_DEV_INITRD", ANY, 0, "the guest's programs and jobs come in an initramfs", NULL },
	{ "DEVTMPFS", ANY, 0, "the guest init mounts /dev", NULL },
	{ "TMPFS", ANY, 0, "the guest init mounts /tmp", NULL },
	{ "DEBUG_FS", ANY, 0, "tcelab.ko's counters, knobs and PAGE_REFS are in debugfs", NULL },
	{ "BPF_SYSCALL", ANY, 0, "the probes are BPF programs", NULL },
	{ "BPF_JIT", ANY, 0, "the pin ledger's bpf_loop() needs the JIT", NULL },
	{ "BPF_EVENTS", ANY, 0, "BPF programs on kprobes and tracing hooks", NULL },
	{ "KPROBES", ANY, 0, "the probes attach with kprobes where there is no BTF", NULL },
	{ "KRETPROBES", ANY, 0, "latency is measured at the probed functions' returns", NULL },
	{ "PERF_EVENTS", ANY, 0,
	  "kprobe BPF links and the insns timing's counters are perf events", NULL },
	{ "NET_9P", ANY, 1, "results travel to the host over virtio-9p", NULL },
	{ "NET_9P_VIRTIO", ANY, 1, "results travel to the host over virtio-9p", NULL },
	{ "9P_FS", ANY, 1, "the run directory is mounted at /out over 9p", NULL },
	{ "PPC_POWERNV", POWERNV, 0, "QEMU powernv boots a bare-metal POWER kernel", NULL },
	{ "HVC_OPAL", POWERNV, 0, "the powernv console (console=hvc0)", NULL },
	{ "PCI", POWERNV, 0, "the 9p share is a virtio-pci device on a PHB", NULL },
	{ "VIRTIO_PCI", POWERNV, 1, "the 9p share is a virtio-pci device on a PHB", NULL },
	{ "SPAPR_TCE_IOMMU", POWERNV, 0,
	  "the upstream sPAPR TCE IOMMU code the upstream roles probe", NULL },
	{ "PPC_PERF_CTRS", POWERNV | INSNS, 0,
	  "--timing insns reads the POWER PMU's instructions counter", NULL },
	{ "VFIO", POWERNV | VFIO, 1, "the upstream VFIO stack (job vfio, backend vfio)", NULL },
	{ "VFIO_IOMMU_SPAPR_TCE", POWERNV | VFIO, 1,
	  "the upstream VFIO sPAPR TCE IOMMU driver under test", NULL },
	{ "VFIO_PCI", POWERNV | VFIO, 1, "the e1000e and NVMe are bound to vfio-pci", NULL },
	{ "PVH", X86, 0, "QEMU microvm boots the ELF vmlinux at its PVH entry point", NULL },
	{ "SERIAL_8250_CONSOLE", X86, 0, "the microvm console (console=ttyS0)", NULL },
	{ "VIRTIO_MMIO", X86, 1, "microvm's devices are virtio-mmio", NULL },
	{ "ACPI", X86, 0, "microvm lists its virtio-mmio devices in its ACPI tables", NULL },
	/* Without PCI, ACPI fails on microvm's tables (AE_BAD_PARAMETER): no device, no share. */
	{ "PCI", X86, 0, "the kernel's ACPI needs it to read microvm's tables", NULL },
	{ "DEBUG_INFO_BTF", X86, 0, "fentry/fexit probes need BTF",
	  "the probes attach with kprobes, which cost more per call" },
	{ "DEBUG_INFO_BTF_MODULES", X86, 0, "fentry on tcelab.ko needs module BTF",
	  "the probes attach with kprobes, which cost more per call" },
};

#define NR_OPTIONS (sizeof(options) / sizeof(options[0]))

/* The boots @t with @timing is: the bits options are needed by. */
static unsigned int boot_kind(const struct target *t, int timing)
{
	unsigned int k = 0;

	if (t->qemu_argv && t->arch && !strcmp(t->arch, "x86_64"))
		k |= X86;
	else if (t->arch && !strcmp(t->arch, "ppc64le") && strcmp(t->name, "pseries"))
		k |= POWERNV;
	if (t->dma_devices)
		k |= VFIO;
	if (timing == TCELAB_TIMING_INSNS)
		k |= INSNS;
	return k;
}

static int needed(const struct kconfig_option *o, unsigned int kind)
{
	return (o->needed_by & kind) == o->needed_by;
}

void kconfig_fragment(FILE *f, const char *target, int timing)
{
	const struct target *t = target_find(target);
	unsigned int kind;
	size_t i;

	if (!t || !t->arch)
		die("kconfig: '%s' is not a QEMU target (%s)", target, target_names());
	kind = boot_kind(t, timing);
	fprintf(f, "# tcelab: what target %s with --timing %s needs (merge into a kernel's .config:\n"
		"# scripts/kconfig/merge_config.sh -m .config FRAGMENT; README, kernel configuration)\n",
		t->name, tcelab_timings[timing].name);
	for (i = 0; i < NR_OPTIONS; i++)
		if (needed(&options[i], kind))
			fprintf(f, "CONFIG_%s=%s\n", options[i].name, options[i].module_ok ? "m" : "y");
}

/* The value of CONFIG_@name in @config, which starts with a newline; NULL: not set. */
static char *config_value(const char *config, const char *name)
{
	char *key = xasprintf("\nCONFIG_%s=", name);
	const char *p = strstr(config, key);
	char *v = p ? strndup(p + strlen(key), strcspn(p + strlen(key), "\n")) : NULL;

	free(key);
	return v;
}

char *kconfig_missing(const char *config_path, const char *target, int timing, char **notes)
{
	const struct target *t = target_find(target);
	char *text = read_file(config_path, NULL), *config, *out = NULL, *line, **to;
	unsigned int kind;
	size_t i;

	*notes = NULL;
	if (!text)
		return xasprintf("  cannot read the kernel configuration %s\n", config_path);
	config = xasprintf("\n%s", text);
	kind = boot_kind(t, timing);
	for (i = 0; i < NR_OPTIONS; i++) {
		const struct kconfig_option *o = &options[i];
		char *v;

		if (!needed(o, kind))
			continue;
		v = config_value(config, o->name);
		if (v && (!strcmp(v, "y") || (o->module_ok && !strcmp(v, "m")))) {
			free(v);
			continue;
		}
		to = o->without ? notes : &out;
		line = xasprintf("%s  CONFIG_%s=%s (%s%s): %s%s%s\n", *to ?: "", o->name,
				 o->module_ok ? "m" : "y", v ? "it is " : "not set", v ?: "", o->why,
				 o->without ? "; without it " : "", o->without ?: "");
		free(*to);
		*to = line;
		free(v);
	}
	free(text);
	free(config);
	return out;
}
