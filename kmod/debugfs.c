// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/tcelab/ holds the global counters (one file each; `pinned` is
 * what the guest checks after every job), allocs/ with the live objects by type and their
 * total (also checked after every job), containers/<id> with each container's counters, the
 * fault knobs (their state lives in faults.c, which stays a leaf) with `reap` and fail_nth's
 * `fail_sites`, and the test-only `warn` switch that makes the module WARN so the harness can
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

static void tcelab_debugfs_counter(const char *name, struct dentry *dir, atomic64_t *counter)
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

static const char * const tcelab_knob_names[TCELAB_FAULT_NR] = {
	[TCELAB_FAULT_MAP_LEAK] = "map_leak",
	[TCELAB_FAULT_NO_DIRTY] = "no_dirty",
	[TCELAB_FAULT_EBUSY_OVERWRITE] = "ebusy_overwrite",
	[TCELAB_FAULT_RELEASE_LEAK] = "release_leak",
	[TCELAB_FAULT_LOCKED_VM_LEAK] = "locked_vm_leak",
	[TCELAB_FAULT_REMOVE_NO_CLEAR] = "remove_no_clear",
	[TCELAB_FAULT_NONATOMIC_XCHG] = "nonatomic_xchg",
	[TCELAB_FAULT_INDIRECT_LEAK] = "indirect_leak",
	[TCELAB_FAULT_LEAK_TABLE] = "leak_table",
};

static const char * const tcelab_fail_site_names[TCELAB_FAIL_NR] = {
	[TCELAB_FAIL_CONTAINER] = "container",
	[TCELAB_FAIL_GROUP_ATTACH] = "group_attach",
	[TCELAB_FAIL_TABLE] = "table",
	[TCELAB_FAIL_TABLE_TOP] = "table_top",
	[TCELAB_FAIL_TABLE_LEVEL] = "table_level",
	[TCELAB_FAIL_UA_LEVEL] = "ua_level",
	[TCELAB_FAIL_GUEST_LEVEL] = "guest_level",
	[TCELAB_FAIL_REGION] = "region",
	[TCELAB_FAIL_REGION_PAGES] = "region_pages",
	[TCELAB_FAIL_LIOBN] = "liobn",
	[TCELAB_FAIL_PIN] = "pin",
	[TCELAB_FAIL_PIN_TRACK] = "pin_track",
	[TCELAB_FAIL_DMA_BOUNCE] = "dma_bounce",
};

static const char * const tcelab_obj_names[TCELAB_OBJ_NR] = {
	[TCELAB_OBJ_CONTAINER] = "containers",
	[TCELAB_OBJ_TABLE] = "tables",
	[TCELAB_OBJ_TABLE_LEVEL] = "table_levels",
	[TCELAB_OBJ_REGION] = "regions",
	[TCELAB_OBJ_REGION_PAGES] = "region_pages",
	[TCELAB_OBJ_LIOBN] = "liobns",
	[TCELAB_OBJ_DMA_BOUNCE] = "dma_bounces",
};

/* Drop TCEs left in the groups' DMA32 tables by fault 4; their pins are reaped next. */
static void tcelab_reap_stale_tces(void)
{
	struct tcelab_table *tbl;
	enum tce_dir dir;
	unsigned long hpa;
	unsigned int i;
	u64 e;

	for (i = 0; i < tcelab_ngroups; i++) {
		tbl = tcelab_groups[i].dma32;
		for (e = tbl->offset;; e++) {
			e = tcelab_table_next_populated(tbl, e);
			if (e >= tbl->offset + tbl->size)
				break;
			dir = TCE_DIR_NONE;
			tcelab_tce_xchg(NULL, tbl, e, &hpa, &dir);
		}
	}
}

/* knobs/reap: give back what leak knobs leaked, so a test run ends balanced. */
static int tcelab_reap_set(void *data, u64 val)
{
	unsigned int i;
	int ret = 0;

	mutex_lock(&tcelab_groups_lock);
	for (i = 0; i < tcelab_ngroups; i++)
		if (tcelab_groups[i].owner)
			ret = -EBUSY;
	if (!ret) {
		tcelab_reap_stale_tces();
		tcelab_pins_reap();
		tcelab_faults_reap_locked_vm();
		tcelab_tables_reap();
	}
	mutex_unlock(&tcelab_groups_lock);
	return ret;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_reap_fops, NULL, tcelab_reap_set, "%llu\n");

static int tcelab_fail_nth_get(void *data, u64 *val)
{
	*val = atomic_read(&tcelab_fail_countdown);
	return 0;
}

static int tcelab_fail_nth_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&tcelab_fail_countdown, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_fail_nth_fops, tcelab_fail_nth_get, tcelab_fail_nth_set,
			 "%llu\n");

/* knobs/fail_sites: "NAME FAILURES" per injection site, in the order of enum tcelab_fail_site. */
static int tcelab_fail_sites_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	for (i = 0; i < TCELAB_FAIL_NR; i++)
		seq_printf(m, "%s %lld\n", tcelab_fail_site_names[i],
			   atomic64_read(&tcelab_fail_hits[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tcelab_fail_sites);

static void tcelab_faults_debugfs_init(struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("knobs", parent);
	int i;

	for (i = 0; i < TCELAB_FAULT_NR; i++)
		debugfs_create_u32(tcelab_knob_names[i], 0600, dir, &tcelab_knobs[i]);
	debugfs_create_u32("kill_delay_us", 0600, dir, &tcelab_kill_delay_us);
	debugfs_create_u32("xchg_work", 0600, dir, &tcelab_xchg_work);
	tcelab_debugfs_counter("xchg_work_done", dir, &tcelab_xchg_work_done);
	debugfs_create_file_unsafe("fail_nth", 0600, dir, NULL, &tcelab_fail_nth_fops);
	tcelab_debugfs_counter("fail_injected", dir, &tcelab_fail_injected);
	debugfs_create_file("fail_sites", 0444, dir, NULL, &tcelab_fail_sites_fops);
	debugfs_create_file_unsafe("reap", 0200, dir, NULL, &tcelab_reap_fops);
}

static int tcelab_allocs_total_get(void *data, u64 *val)
{
	unsigned int i;

	*val = 0;
	for (i = 0; i < TCELAB_OBJ_NR; i++)
		*val += atomic64_read(&tcelab_allocs[i]);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(tcelab_allocs_total_fops, tcelab_allocs_total_get, NULL, "%lld\n");

/* allocs/: a file per type of live object and their total. */
static void tcelab_allocs_debugfs_init(struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("allocs", parent);
	unsigned int i;

	for (i = 0; i < TCELAB_OBJ_NR; i++)
		tcelab_debugfs_counter(tcelab_obj_names[i], dir, &tcelab_allocs[i]);
	debugfs_create_file_unsafe("total", 0444, dir, NULL, &tcelab_allocs_total_fops);
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
	tcelab_allocs_debugfs_init(tcelab_dir);
	tcelab_faults_debugfs_init(tcelab_dir);
	debugfs_create_file_unsafe("warn", 0200, tcelab_dir, NULL, &tcelab_warn_fops);
}

void tcelab_debugfs_exit(void)
{
	debugfs_remove_recursive(tcelab_dir);
}
