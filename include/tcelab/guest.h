/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the guest programs and tests: tcelab.ko's debugfs files (counters, live objects
 * and knobs under TCELAB_DEBUGFS), this process's locked_vm, and memory to pin. User-space
 * helpers, not ABI: the ABI is uapi/tcelab.h.
 */
#ifndef TCELAB_GUEST_H
#define TCELAB_GUEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <uapi/tcelab.h>

/* The number in TCELAB_DEBUGFS/@name, or -1 when it cannot be read. */
static inline long long tcelab_debugfs_read(const char *name)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TCELAB_DEBUGFS "/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 0);
}

/* Write @val to TCELAB_DEBUGFS/@name: 0 or -errno. */
static inline int tcelab_debugfs_write(const char *name, long long val)
{
	char path[256], buf[32];
	int fd, n, ret;

	snprintf(path, sizeof(path), TCELAB_DEBUGFS "/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lld", val);
	ret = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return ret;
}

/*
 * tcelab.ko's live objects (TCELAB_DEBUGFS/allocs/, one file per type): "TYPE N" for each type
 * with objects, comma-separated, in @buf ("" for none). Returns their total, or -1 when the
 * directory cannot be read.
 */
static inline long long tcelab_allocs(char *buf, size_t len)
{
	DIR *d = opendir(TCELAB_DEBUGFS "/allocs");
	long long total = 0, n;
	struct dirent *e;
	char name[128];
	size_t used = 0;

	buf[0] = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "total"))
			continue;
		snprintf(name, sizeof(name), "allocs/%.100s", e->d_name);
		n = tcelab_debugfs_read(name);
		if (!n)
			continue;
		total += n;
		if (used < len)
			used += snprintf(buf + used, len - used, "%s%s %lld", used ? ", " : "",
					 e->d_name, n);
	}
	closedir(d);
	return total;
}

/* This process's mm->locked_vm in kB (VmLck), or -1. */
static inline long tcelab_vmlck_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * @pages system pages of private anonymous memory, each touched so that it exists, and not
 * THP-backed so that pins count per small page. NULL on failure, with errno set.
 */
static inline char *tcelab_touched_pages(size_t pages)
{
	size_t page = sysconf(_SC_PAGESIZE), i;
	char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, pages * page, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		p[i * page] = (char)i;
	return p;
}

#endif /* TCELAB_GUEST_H */
