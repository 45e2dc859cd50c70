// SPDX-License-Identifier: GPL-2.0
/* Replay backends: the registry and helpers they share (replay/backend.h). */
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

void backend_global_counters(struct balance_counts *c)
{
	c->pinned = tcelab_debugfs_read("pinned");
	c->locked_pages = tcelab_debugfs_read("locked_pages");
	c->mapped = tcelab_debugfs_read("mapped");
	c->double_releases = tcelab_debugfs_read("double_releases");
	c->vmlck_kb = tcelab_vmlck_kb();
}
