/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel as far as the upstream hypercall code needs it, on the host. Every header
 * arch/powerpc/kvm/book3s_64_vio.c includes is a stub that includes this one
 * (traces/oracle/extract.sh), so the file compiles unmodified; the types and code upstream
 * defines itself come verbatim from linux-source (upstream_defs.h, upstream_funcs.c; what is
 * taken is traces/oracle/upstream.list). What is here is what the hypercalls touch around
 * them: lists, krefs, RCU and locks for one thread, allocation, pages, files (the table fds),
 * the memslot lookup, the KVM and vCPU structures, and get_user() from guest memory.
 * The host around them (guest RAM, preregistration, the IOMMU tables) is shim.c.
 */
#ifndef TCELAB_ORACLE_SHIM_H
#define TCELAB_ORACLE_SHIM_H

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream_config.h"

/*
 * Debian's ppc64el kernel config has CONFIG_IOMMU_API=y; its page size is UPSTREAM_PAGE_SHIFT
 * (extract.sh reads CONFIG_PPC_64K_PAGES).
 */
#define CONFIG_IOMMU_API	1
#define PAGE_SHIFT		UPSTREAM_PAGE_SHIFT
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define SZ_4K			0x1000

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t __u32;
typedef uint64_t __u64;
typedef uint64_t __be64;
typedef uint64_t phys_addr_t;
typedef uint64_t gfn_t;
typedef unsigned int vm_fault_t;
typedef struct { int unused; } spinlock_t;
typedef struct { s64 counter; } atomic64_t;

#define __user
#define ____cacheline_aligned_in_smp
#define EXPORT_SYMBOL_GPL(sym)
#define ASM_CONST(x)		x##UL
#define ALIGN(x, a)		(((x) + (a) - 1) & ~((typeof(x))(a) - 1))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define struct_size(p, member, n) \
	(sizeof(*(p)) + (n) * sizeof((p)->member[0]))
/* The index was range-checked before; no speculation to stop on the host. */
#define array_index_nospec(index, size)	(index)

#define be64_to_cpu(x)		be64toh(x)
#define cpu_to_be64(x)		htobe64(x)

/* An upstream WARN or BUG: shim.c keeps the first one for the oracle to report. */
void shim_warn(const char *file, int line, const char *cond);
#define WARN_ON(cond) ({							\
	int __c = !!(cond);							\
	if (__c)								\
		shim_warn(__FILE__, __LINE__, "WARN_ON(" #cond ")");		\
	__c;									\
})
#define WARN_ON_ONCE(cond) ({							\
	int __c = !!(cond);							\
	if (__c)								\
		shim_warn(__FILE__, __LINE__, "WARN_ON_ONCE(" #cond ")");	\
	__c;									\
})

struct iommu_table;
struct iommu_table_group;
struct iommu_group;
struct kvm;
struct kvm_vcpu;
struct mm_struct;
struct page;
struct file;
struct inode;
struct vm_area_struct;
struct vm_fault;

/* --- lists (one thread: the RCU flavours are the plain ones) ---------------------------------- */
struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h->prev = h;
}
#define INIT_LIST_HEAD_RCU(h)	INIT_LIST_HEAD(h)

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_add_rcu(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

static inline void list_del_rcu(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

#define list_entry(ptr, type, member)	container_of(ptr, type, member)
#define list_for_each_entry(pos, head, member)					\
	for (pos = list_entry((head)->next, typeof(*pos), member);		\
	     &pos->member != (head);						\
	     pos = list_entry(pos->member.next, typeof(*pos), member))
#define list_for_each_entry_rcu(pos, head, member, ...)				\
	list_for_each_entry(pos, head, member)
#define list_for_each_entry_lockless(pos, head, member)			\
	list_for_each_entry(pos, head, member)
#define list_for_each_entry_safe(pos, n, head, member)				\
	for (pos = list_entry((head)->next, typeof(*pos), member),		\
	     n = list_entry(pos->member.next, typeof(*pos), member);		\
	     &pos->member != (head);						\
	     pos = n, n = list_entry(n->member.next, typeof(*n), member))

/* --- RCU, SRCU, locks: one thread, callbacks run at once -------------------------------------- */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
struct srcu_struct {
	int unused;
};
struct mutex {
	int unused;
};

#define rcu_read_lock()			do { } while (0)
#define rcu_read_unlock()		do { } while (0)
#define cond_resched_rcu()		do { } while (0)
#define call_rcu(head, fn)		(fn)(head)
#define srcu_read_lock(srcu)		0
#define srcu_read_unlock(srcu, idx)	((void)(idx))
#define mutex_init(m)			do { } while (0)
#define mutex_lock(m)			do { } while (0)
#define mutex_unlock(m)			do { } while (0)

/* --- reference counts ------------------------------------------------------------------------- */
struct kref {
	unsigned int refcount;
};

static inline void kref_init(struct kref *k)
{
	k->refcount = 1;
}

static inline unsigned int kref_read(const struct kref *k)
{
	return k->refcount;
}

static inline bool kref_get_unless_zero(struct kref *k)
{
	return k->refcount && ++k->refcount;
}

static inline int kref_put(struct kref *k, void (*release)(struct kref *k))
{
	if (--k->refcount)
		return 0;
	release(k);
	return 1;
}

static inline bool atomic64_inc_not_zero(atomic64_t *v)
{
	return v->counter && ++v->counter;
}

static inline bool atomic64_add_unless(atomic64_t *v, s64 a, s64 u)
{
	if (v->counter == u)
		return false;
	v->counter += a;
	return true;
}

#define atomic64_set(v, i)	((v)->counter = (i))

/* --- memory: a struct page is the page's own bytes -------------------------------------------- */
#define GFP_KERNEL	0u
#define __GFP_ZERO	0u
#define __GFP_NOWARN	0u

#define kzalloc(size, gfp)	calloc(1, (size))
#define kfree(p)		free(p)
#define alloc_page(gfp)		((struct page *)calloc(1, PAGE_SIZE))
#define __free_page(page)	free(page)
#define get_page(page)		((void)(page))
#define page_to_virt(page)	((void *)(page))
#define page_address(page)	((void *)(page))
/* Nothing on the host to mark dirty: the "physical" addresses are not the host's. */
#define pfn_to_page(pfn)	((struct page *)NULL)
#define SetPageDirty(page)	((void)(page))

/* --- files: the guest TCE table is an anonymous-inode fd -------------------------------------- */
struct file_operations {
	int (*mmap)(struct file *file, struct vm_area_struct *vma);
	int (*release)(struct inode *inode, struct file *file);
};
struct file {
	void *private_data;
	const struct file_operations *f_op;
};
struct fd {
	struct file *file;
};
struct vm_operations_struct {
	vm_fault_t (*fault)(struct vm_fault *vmf);
};
struct vm_area_struct {
	const struct vm_operations_struct *vm_ops;
	struct file *vm_file;
};
struct vm_fault {
	struct vm_area_struct *vma;
	unsigned long pgoff;
	struct page *page;
};
#define VM_FAULT_OOM	0x1u
#define VM_FAULT_SIGBUS	0x2u

int anon_inode_getfd(const char *name, const struct file_operations *fops, void *priv,
		     int flags);
struct fd fdget(int fd);
#define fdput(f)	((void)(f))

/* --- the VM: memory slots, the mm, KVM and a vCPU --------------------------------------------- */
struct kvm_memory_slot {
	gfn_t base_gfn;
	unsigned long npages;
	unsigned long userspace_addr;
};

/* The oracle's VM has one memslot: guest RAM. */
struct kvm_memslots {
	struct kvm_memory_slot *slot;
};

/* search_memslots() for one slot. */
static inline struct kvm_memory_slot *__gfn_to_memslot(struct kvm_memslots *slots, gfn_t gfn)
{
	struct kvm_memory_slot *slot = slots->slot;

	return gfn >= slot->base_gfn && gfn - slot->base_gfn < slot->npages ? slot : NULL;
}

struct mm_struct {
	struct {
		struct list_head iommu_group_mem_list;
	} context;
};

struct kvm {
	struct mm_struct *mm;
	struct mutex lock;
	struct srcu_struct srcu;
	struct kvm_memslots *memslots;
	struct {
		struct list_head spapr_tce_tables;
	} arch;
};
#define kvm_memslots(kvm)		((kvm)->memslots)
#define kvm_get_kvm(kvm)		((void)(kvm))
#define kvm_put_kvm(kvm)		((void)(kvm))
#define kvm_put_kvm_no_destroy(kvm)	((void)(kvm))

struct kvm_vcpu {
	struct kvm *kvm;
	struct {
		struct {
			unsigned long gpr[32];
		} regs;
	} arch;
};

/* The oracle charges nothing: RLIMIT_MEMLOCK plays no part in a hypercall's result. */
static inline int account_locked_vm(struct mm_struct *mm, unsigned long pages, bool inc)
{
	return 0;
}

/* The guest's memory as the host process sees it (shim.c): 0, or -EFAULT. */
int shim_get_user(void *dst, const void __user *src, size_t size);
#define get_user(x, ptr)	shim_get_user(&(x), (ptr), sizeof(*(ptr)))

/* A group's IOMMU data: the table group the platform gave it. */
struct iommu_table_group *iommu_group_get_iommudata(struct iommu_group *group);

#include "upstream_defs.h"

#endif /* TCELAB_ORACLE_SHIM_H */
