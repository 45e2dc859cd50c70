/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab.ko internals shared between its files. */
#ifndef TCELAB_INTERNAL_H
#define TCELAB_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <uapi/tcelab.h>

#include "tce_logic.h"

/* Upper bound of the ngroups module parameter. */
#define TCELAB_MAX_GROUPS	16

struct dentry;
struct mm_struct;
struct page;

/* Counters: one set per container and one global set (debugfs). */
struct tcelab_counters {
	atomic64_t mapped;
	atomic64_t pinned;
	atomic64_t locked_pages;
	atomic64_t exchanges;
	atomic64_t kills;
	atomic64_t faults;
	atomic64_t dirtied;
	atomic64_t double_releases;
};

extern struct tcelab_counters tcelab_global;

/* Whose a table is: that decides its fail_nth sites and whether allocs/ counts it. */
enum tcelab_table_kind {
	TCELAB_TABLE_HW,	/* a group's DMA32 table: the simulated PHB's, not counted */
	TCELAB_TABLE_WINDOW,	/* a container's window, with its user-address mirror */
	TCELAB_TABLE_GUEST,	/* a LIOBN's guest table */
};

/*
 * A TCE table: the "hardware" table of one window. Entries are big-endian TCEs like the real
 * ones; interior levels hold node pointers. Below the top node, levels are allocated on first
 * use. @ua mirrors the table with the user address of each v2 mapping (it_userspace).
 */
struct tcelab_table {
	enum tcelab_table_kind kind;
	unsigned int page_shift;
	unsigned int levels;
	unsigned int level_shift;
	u64 offset;			/* first entry: bus address >> page_shift */
	u64 size;			/* entries */
	unsigned long charged;		/* pages charged to locked_vm for this table */
	__be64 *tces;			/* top node */
	u64 *ua;			/* top node of the user-address mirror, or NULL */
	struct list_head leaked;	/* on the list of knob 12's leaked tables */
};

/* A simulated IOMMU group: one PE with its DMA32 table and up to TCE_MAX_WINDOWS windows. */
struct tcelab_pe {
	unsigned int id;
	struct tcelab_container *owner;	/* under tcelab_groups_lock */
	struct tcelab_table *dma32;	/* the kernel's default table, borrowed by v1 */
	struct tcelab_table *tables[TCE_MAX_WINDOWS];	/* what the hardware uses */
};

/* Preregistered memory (mm_iommu_table_group_mem_t). */
struct tcelab_prereg {
	struct list_head node;
	u64 ua;
	u64 entries;			/* system pages */
	unsigned int pageshift;		/* largest IOMMU page the region can back */
	atomic64_t mapped;		/* 1 + live mappings; 0 once released */
	struct page **pages;
};

struct tcelab_gslot {
	u64 gpa;
	u64 ua;
	u64 size;
};

/*
 * A guest TCE table (kvmppc_spapr_tce_table). The hardware window it drives is looked up on
 * each hypercall, so windows can come and go under it.
 */
struct tcelab_stt {
	struct list_head node;
	u32 liobn;
	unsigned int page_shift;
	u64 offset;			/* in entries of 1 << page_shift */
	u64 size;
	struct tcelab_table *guest;	/* what the guest wrote, for H_GET_TCE */
	unsigned long charged;		/* pages charged to locked_vm for @guest */
};

/*
 * One open of /dev/tcelab. @lock: writers change configuration (groups, windows, preregistered
 * memory, hypercall state); the map, hypercall and DMA paths hold it shared and rely on the
 * atomic exchange for concurrent updates of the same entry, as upstream does.
 */
struct tcelab_container {
	struct rw_semaphore lock;
	unsigned int id;
	struct mm_struct *mm;
	u32 type;			/* TCELAB_SPAPR_TCE_IOMMU, _v2_IOMMU or 0 */
	bool enabled;
	bool def_window_pending;
	bool mm_set;			/* VFIO would have bound it to its mm by now */
	unsigned long locked_pages;	/* v1 ENABLE charge */
	struct tcelab_table *tables[TCE_MAX_WINDOWS];
	struct tcelab_pe *groups[TCELAB_MAX_GROUPS];
	unsigned int ngroups;
	struct list_head prereg;
	struct tcelab_gslot memslots[TCELAB_MAX_MEMSLOTS];
	struct list_head liobns;
	struct tcelab_counters stats;
	struct dentry *debugfs;
};

/* Module parameters describing the simulated hardware. */
extern unsigned int tcelab_ngroups;
extern unsigned long long tcelab_pgsizes;
extern unsigned int tcelab_dma32_mb;
extern struct tcelab_pe tcelab_groups[TCELAB_MAX_GROUPS];
extern struct mutex tcelab_groups_lock;

static inline bool tcelab_v2(struct tcelab_container *c)
{
	return c->type == TCELAB_SPAPR_TCE_v2_IOMMU;
}

/*
 * What an ioctl of v2's own returns on @c: 0 for v2, -EINVAL with no type, -ENOTTY for v1. The
 * ioctl checks first, without c->lock; the call checks again under it, since a last detach
 * (which deprivileges the container) and SET_IOMMU may have run in between. VFIO cannot see
 * that: its ioctls hold the container's group_lock, which a detach takes for writing.
 */
static inline long tcelab_v2_only(struct tcelab_container *c)
{
	if (tcelab_v2(c))
		return 0;
	return c->type ? -ENOTTY : -EINVAL;
}

static inline u64 tcelab_table_start(struct tcelab_table *tbl)
{
	return tbl->offset << tbl->page_shift;
}

static inline void tcelab_count(struct tcelab_container *c, size_t field, s64 delta)
{
	atomic64_add(delta, (atomic64_t *)((char *)&tcelab_global + field));
	if (c)
		atomic64_add(delta, (atomic64_t *)((char *)&c->stats + field));
}

#define TCELAB_COUNT(c, field, delta) \
	tcelab_count(c, offsetof(struct tcelab_counters, field), delta)

/* table.c */
struct tcelab_table *tcelab_table_alloc(const struct tce_geometry *geo, u64 bus_start,
					enum tcelab_table_kind kind);
void tcelab_table_free(struct tcelab_table *tbl);
void tcelab_table_leak(struct tcelab_table *tbl);
void tcelab_tables_reap(void);
bool tcelab_table_has(struct tcelab_table *tbl, u64 ioba);
__be64 *tcelab_table_entry(struct tcelab_table *tbl, u64 entry, bool alloc);
u64 *tcelab_table_ua(struct tcelab_table *tbl, u64 entry, bool alloc);
u64 tcelab_table_next_populated(struct tcelab_table *tbl, u64 entry);
long tcelab_tce_xchg(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry,
		     unsigned long *hpa, enum tce_dir *dir);
void tcelab_tce_kill(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry, u64 pages);

/* pin.c */
int tcelab_pin_user_page(unsigned long vaddr, bool write, struct page **page);
bool tcelab_unpin_user_page(struct page *page, bool dirty);
int tcelab_pin(struct tcelab_container *c, unsigned long vaddr, bool write, struct page **page);
void tcelab_unpin(struct tcelab_container *c, struct page *page, bool dirty);
void tcelab_unpin_hpa(struct tcelab_container *c, unsigned long hpa);
int tcelab_account(struct tcelab_container *c, unsigned long pages, bool inc);
void tcelab_leak_locked_vm(struct mm_struct *mm, unsigned long pages);
void tcelab_faults_reap_locked_vm(void);
int tcelab_page_refs(struct tcelab_page_refs *refs);
int tcelab_pins_reap(void);
void tcelab_pins_exit(void);

/* container.c */
struct tcelab_container *tcelab_container_create(void);
void tcelab_container_release(struct tcelab_container *c);
long tcelab_set_iommu(struct tcelab_container *c, unsigned long type);
long tcelab_attach_group(struct tcelab_container *c, u32 id);
long tcelab_detach_group(struct tcelab_container *c, u32 id);
long tcelab_enable(struct tcelab_container *c);
void tcelab_disable(struct tcelab_container *c);
long tcelab_get_info(struct tcelab_container *c, struct tcelab_spapr_tce_info *info);
long tcelab_create_window(struct tcelab_container *c, u32 page_shift, u64 window_size,
			  u32 levels, u64 *start_addr);
long tcelab_remove_window(struct tcelab_container *c, u64 start_addr);
long tcelab_create_default_window(struct tcelab_container *c);
struct tcelab_table *tcelab_find_table(struct tcelab_table **tables, u64 ioba);
int tcelab_groups_init(void);
void tcelab_groups_exit(void);

/* map.c */
long tcelab_map_dma(struct tcelab_container *c, struct tcelab_dma_map *map);
long tcelab_unmap_dma(struct tcelab_container *c, struct tcelab_dma_unmap *unmap);
void tcelab_clear(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry, u64 pages,
		  bool release);
void tcelab_ua_set(struct tcelab_container *c, struct tcelab_table *tbl, u64 *pua, u64 ua);
void tcelab_unuse_v2(struct tcelab_container *c, struct tcelab_table *tbl, u64 entry);

/* prereg.c */
long tcelab_register_memory(struct tcelab_container *c, u64 vaddr, u64 size);
long tcelab_unregister_memory(struct tcelab_container *c, u64 vaddr, u64 size);
struct tcelab_prereg *tcelab_prereg_lookup(struct tcelab_container *c, u64 ua, u64 size);
int tcelab_prereg_ua_to_hpa(struct tcelab_prereg *mem, u64 ua, unsigned int shift,
			    unsigned long *hpa);
void tcelab_prereg_release_all(struct tcelab_container *c, bool release);
void tcelab_prereg_mapped_dec(struct tcelab_prereg *mem);

/* hcall.c */
long tcelab_set_memslot(struct tcelab_container *c, struct tcelab_memslot *slot);
long tcelab_set_liobn(struct tcelab_container *c, struct tcelab_liobn *args);
long tcelab_hcall_batch(struct tcelab_container *c, struct tcelab_hcall_batch *batch);
void tcelab_liobns_free(struct tcelab_container *c);

/* dma.c */
long tcelab_device_dma(struct tcelab_container *c, struct tcelab_device_dma *dma);

/* faults.c */
enum tcelab_fault {
	TCELAB_FAULT_MAP_LEAK,		/* 1: map error path leaks the pages done so far */
	TCELAB_FAULT_NO_DIRTY,		/* 2: released write-mapped page not dirtied */
	TCELAB_FAULT_EBUSY_OVERWRITE,	/* 3: writing over a valid TCE fails with EBUSY */
	TCELAB_FAULT_RELEASE_LEAK,	/* 4: container release leaves TCEs and pins */
	TCELAB_FAULT_LOCKED_VM_LEAK,	/* 5: unregister/disable keep locked_vm */
	TCELAB_FAULT_REMOVE_NO_CLEAR,	/* 6: window removed without clearing its TCEs */
	TCELAB_FAULT_NONATOMIC_XCHG,	/* 7: exchange is get-then-set */
	TCELAB_FAULT_INDIRECT_LEAK,	/* 8: INDIRECT list error path keeps the list page */
	TCELAB_FAULT_LEAK_TABLE,	/* 12: a window's table is not freed with the window */
	TCELAB_FAULT_NR,
};

/*
 * Knob 10's injection sites: every place an allocation or a pin can fail, each named in
 * debugfs knobs/fail_sites with the failures injected there.
 */
enum tcelab_fail_site {
	TCELAB_FAIL_CONTAINER,		/* open(): the container */
	TCELAB_FAIL_GROUP_ATTACH,	/* ATTACH_GROUP: taking the group (take_ownership) */
	TCELAB_FAIL_TABLE,		/* a window's or a LIOBN's table descriptor */
	TCELAB_FAIL_TABLE_TOP,		/* a table's top node, or its user-address mirror's */
	TCELAB_FAIL_TABLE_LEVEL,	/* a lower level of a window's TCEs, on first use */
	TCELAB_FAIL_UA_LEVEL,		/* a lower level of the user-address mirror, on first use */
	TCELAB_FAIL_GUEST_LEVEL,	/* a level of a LIOBN's guest table, on first use */
	TCELAB_FAIL_REGION,		/* REGISTER_MEMORY: the region descriptor */
	TCELAB_FAIL_REGION_PAGES,	/* REGISTER_MEMORY: its page array */
	TCELAB_FAIL_LIOBN,		/* SET_LIOBN: the guest table's descriptor */
	TCELAB_FAIL_PIN,		/* pin_user_pages_fast() */
	TCELAB_FAIL_PIN_TRACK,		/* the module's record of a page it starts pinning */
	TCELAB_FAIL_DMA_BOUNCE,		/* DEVICE_DMA: the bounce buffer */
	TCELAB_FAIL_NR,
};

/* Knob state, shown and set by debugfs.c (knobs/). */
extern u32 tcelab_knobs[TCELAB_FAULT_NR];
extern u32 tcelab_kill_delay_us;		/* knob 9 */
extern u32 tcelab_xchg_work;			/* knob 11: work loops per exchange */
extern atomic64_t tcelab_xchg_work_done;
extern atomic_t tcelab_fail_countdown;		/* knob 10: the Nth fallible step fails */
extern atomic64_t tcelab_fail_injected;
extern atomic64_t tcelab_fail_hits[TCELAB_FAIL_NR];	/* failures injected per site */

/* The leaf checks: faults.c calls nothing else in the module. */
bool tcelab_fault(enum tcelab_fault f);
bool tcelab_fail_nth(enum tcelab_fail_site site);
void tcelab_kill_delay(void);
void tcelab_xchg_do_work(void);

/* alloc.c: the module's live objects by type (debugfs allocs/), 0 for an idle module. */
enum tcelab_obj {
	TCELAB_OBJ_CONTAINER,
	TCELAB_OBJ_TABLE,		/* windows' and LIOBNs' tables */
	TCELAB_OBJ_TABLE_LEVEL,		/* their nodes: TCEs and user-address mirrors */
	TCELAB_OBJ_REGION,		/* preregistered memory */
	TCELAB_OBJ_REGION_PAGES,	/* its page arrays */
	TCELAB_OBJ_LIOBN,
	TCELAB_OBJ_DMA_BOUNCE,
	TCELAB_OBJ_NR,
	TCELAB_OBJ_HW = TCELAB_OBJ_NR,	/* the groups' DMA32 tables: not counted */
};

extern atomic64_t tcelab_allocs[TCELAB_OBJ_NR];

void *tcelab_alloc(enum tcelab_obj obj, enum tcelab_fail_site site, size_t size);
void tcelab_free(enum tcelab_obj obj, const void *p);

/* debugfs.c */
void tcelab_debugfs_init(void);
void tcelab_debugfs_exit(void);
void tcelab_debugfs_container_add(struct tcelab_container *c);
void tcelab_debugfs_container_remove(struct tcelab_container *c);

#endif /* TCELAB_INTERNAL_H */
