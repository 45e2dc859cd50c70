// SPDX-License-Identifier: GPL-2.0
/* Replay backends: the registry and helpers they share (scenarios/backend.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"

const struct backend_ops *backend_find(const char *name)
{
	if (!strcmp(name, backend_kmod_ops.name))
		return &backend_kmod_ops;
	if (!strcmp(name, backend_vfio_ops.name))
		return &backend_vfio_ops;
	return NULL;
}

void backend_note(struct backend *b, const char *fmt, ...)
{
	va_list ap;

	if (b->nr_notes >= BACKEND_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(b->notes[b->nr_notes++], sizeof(b->notes[0]), fmt, ap);
	va_end(ap);
}

long backend_read_counter(const char *name)
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
	return strtol(buf, NULL, 10);
}

long backend_vmlck_kb(void)
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

void backend_global_counters(struct balance_counts *c)
{
	c->pinned = backend_read_counter("pinned");
	c->locked_pages = backend_read_counter("locked_pages");
	c->mapped = backend_read_counter("mapped");
	c->double_releases = backend_read_counter("double_releases");
	c->vmlck_kb = backend_vmlck_kb();
}
