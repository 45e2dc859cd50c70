// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab probes on the tcelab.ko page-pinning path. Every role has two equivalent program
 * sets: fentry/fexit where the kernel has BTF for the module (x86_64), kprobe/kretprobe where
 * it has none (the ppc64le guest kernel, which also lacks fentry). The loader loads one set.
 *
 * No vmlinux.h: the ppc64le kernel has no BTF to generate one from, so only uapi headers are
 * used and nothing here needs CO-RE relocations.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "tcelab.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Per-CPU so concurrent pins on different CPUs never share a counter. Updates are still atomic:
 * tracing programs run with migration, not preemption, disabled, so two can interleave on a CPU.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCELAB_NR_ROLES);
	__type(key, __u32);
	__type(value, struct tcelab_role_count);
} counts SEC(".maps");

static __always_inline struct tcelab_role_count *role_count(__u32 role)
{
	return bpf_map_lookup_elem(&counts, &role);
}

static __always_inline void count_call(__u32 role)
{
	struct tcelab_role_count *c = role_count(role);

	if (c)
		__sync_fetch_and_add(&c->calls, 1);
}

static __always_inline void count_ret(__u32 role, int ret)
{
	struct tcelab_role_count *c = role_count(role);

	if (c && !ret)
		__sync_fetch_and_add(&c->ok, 1);
}

/* fentry/fexit: arguments come from the module's BTF. */

SEC("fentry/" TCELAB_SYM_PIN)
int BPF_PROG(pin_fentry)
{
	count_call(TCELAB_ROLE_PIN);
	return 0;
}

SEC("fexit/" TCELAB_SYM_PIN)
int BPF_PROG(pin_fexit, unsigned long vaddr, void *page, int ret)
{
	count_ret(TCELAB_ROLE_PIN, ret);
	return 0;
}

SEC("fentry/" TCELAB_SYM_UNPIN)
int BPF_PROG(unpin_fentry)
{
	count_call(TCELAB_ROLE_UNPIN);
	return 0;
}

/* kprobe/kretprobe: the same roles, for kernels without module BTF. */

SEC("kprobe/" TCELAB_SYM_PIN)
int BPF_KPROBE(pin_kprobe)
{
	count_call(TCELAB_ROLE_PIN);
	return 0;
}

SEC("kretprobe/" TCELAB_SYM_PIN)
int BPF_KRETPROBE(pin_kretprobe, int ret)
{
	count_ret(TCELAB_ROLE_PIN, ret);
	return 0;
}

SEC("kprobe/" TCELAB_SYM_UNPIN)
int BPF_KPROBE(unpin_kprobe)
{
	count_call(TCELAB_ROLE_UNPIN);
	return 0;
}
