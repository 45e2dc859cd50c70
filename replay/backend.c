// SPDX-License-Identifier: GPL-2.0
/* Replay backends: the registry and helpers they share (replay/backend.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"

#define BACKEND_ENTRY(name, needs_vfio, probe_stack, description) \
	{ { #name, needs_vfio, probe_stack, description }, &backend_##name##_ops },
static const struct backend_entry backends[] = { REPLAY_BACKENDS(BACKEND_ENTRY) };
#define NR_BACKENDS	(sizeof(backends) / sizeof(backends[0]))

const struct backend_entry *backend_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_BACKENDS; i++)
		if (!strcmp(name, backends[i].info.name))
			return &backends[i];
	return NULL;
}

void backend_list(FILE *f)
{
	size_t i;

	for (i = 0; i < NR_BACKENDS; i++)
		fprintf(f, "%-8s %-3s %-8s %s\n", backends[i].info.name,
			backends[i].info.needs_vfio ? "yes" : "no", backends[i].info.probe_stack,
			backends[i].info.description);
}

const char *backend_names(void)
{
	static char names[256];
	size_t i, len = 0;

	for (i = 0; i < NR_BACKENDS && len < sizeof(names); i++)
		len += snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
				backends[i].info.name);
	return names;
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
	c->allocs = tcelab_debugfs_read("allocs/total");
}
