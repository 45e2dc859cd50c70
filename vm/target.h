/* SPDX-License-Identifier: GPL-2.0 */
/* Guest targets: which kernel arch each boots and how QEMU is invoked for it. */
#ifndef TCELAB_TARGET_H
#define TCELAB_TARGET_H

struct argv {
	char **v;
	int n, cap;
};

void argv_add(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The command line as one shell-quoted string (malloc'd). */
char *argv_join(const struct argv *a);

/* What a boot needs, whatever the machine. */
struct boot {
	const char *kernel;
	const char *initrd;
	const char *cmdline;	/* target-independent part of the kernel command line */
	const char *share_dir;	/* host directory the guest mounts at /out (virtio-9p) */
	const char *console;	/* file the guest console is written to */
	const char *run_dir;	/* the run directory: scratch disks and QEMU traces go here */
	int cpus;
	int mem_mb;
	int timing;		/* enum tcelab_timing */
};

struct target {
	const char *name;
	const char *arch;	/* build arch: x86_64 | ppc64le; NULL for native */
	const char *summary;
	int timeout;		/* default watchdog, seconds */
	int disk_mb;		/* size of the scratch disk <run_dir>/disk.img, 0 for none */
	void (*qemu_argv)(const struct target *t, const struct boot *b, struct argv *a);
	const char *machine;	/* QEMU -M when it is not the target's name */
	int dma_devices;	/* powernv: e1000e and NVMe on their own PHBs, for VFIO */
	unsigned int timings;	/* the timing modes it can run: bit (1 << enum tcelab_timing) */
	int default_timing;	/* the one a measuring run gets without --timing */
};

const struct target *target_find(const char *name);

struct run;
/*
 * boot.c: what booting run @r takes (kernel, initramfs, command line, CPUs, memory; creates
 * the target's scratch disk in the run directory), for tcelab's own QEMU and for a LAVA job.
 */
void run_boot_params(const struct run *r, struct boot *b);
/* "powernv9|powernv8|x86_64|native" */


#endif /* TCELAB_TARGET_H */
