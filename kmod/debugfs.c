// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/tcelab/ holds the global counters (one file each; `pinned` is
 * what the guest checks after every job), containers/<id> with each container's counters, the
 * fault knobs, and the test-only `warn` switch that makes the module WARN so the harness can
 * prove a WARN fails a run.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "tcelab_private.h"

static struct dentry *tcelab_dir, *tcelab_containers_dir;

static const struct {
	const char *name;
	size_t offset;
} tcelab_counter_names[] = {
#define TCELAB_COUNTER(f) { #f, offsetof(struct tcelab_counters, f) }
	TCELAB_COUNTER(mapped),
	TCELAB_COUNTER(pinned),
	TCELAB_COUNTER(locked_pages),
	TCELAB_COUNTER(exchanges),
	TCELAB_COUNTER(kills),
	TCELAB_COUNTER(faults),
	TCELAB_COUNTER(dirtied),
	TCELAB_COUNTER(double_releases),
#undef TCELAB_COUNTER
};

static int tcelab_counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_counter_fops, tcelab_counter_get, NULL, "%lld\n");

void tcelab_debugfs_counter(const char *name, struct dentry *dir, atomic64_t *counter)
{
	debugfs_create_file_unsafe(name, 0444, dir, counter, &tcelab_counter_fops);
}

static int tcelab_warn_set(void *data, u64 val)
{
	WARN(val, "tcelab: WARN requested through debugfs (test switch)\n");
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_warn_fops, NULL, tcelab_warn_set, "%llu\n");

static int tcelab_container_show(struct seq_file *m, void *unused)
{
	struct tcelab_container *c = m->private;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tcelab_counter_names); i++)
		seq_printf(m, "%s %lld\n", tcelab_counter_names[i].name,
			   atomic64_read((atomic64_t *)((char *)&c->stats +
							tcelab_counter_names[i].offset)));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tcelab_container);

void tcelab_debugfs_container_add(struct tcelab_container *c)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", c->id);
	c->debugfs = debugfs_create_file(name, 0444, tcelab_containers_dir, c,
					 &tcelab_container_fops);
}

void tcelab_debugfs_container_remove(struct tcelab_container *c)
{
	debugfs_remove(c->debugfs);
}

void tcelab_debugfs_init(void)
{
	unsigned int i;

	tcelab_dir = debugfs_create_dir("tcelab", NULL);
	for (i = 0; i < ARRAY_SIZE(tcelab_counter_names); i++)
		tcelab_debugfs_counter(tcelab_counter_names[i].name, tcelab_dir,
				       (atomic64_t *)((char *)&tcelab_global +
						      tcelab_counter_names[i].offset));
	tcelab_containers_dir = debugfs_create_dir("containers", tcelab_dir);
	tcelab_faults_debugfs_init(tcelab_dir);
	debugfs_create_file_unsafe("warn", 0200, tcelab_dir, NULL, &tcelab_warn_fops);
}

void tcelab_debugfs_exit(void)
{
	debugfs_remove_recursive(tcelab_dir);
}
