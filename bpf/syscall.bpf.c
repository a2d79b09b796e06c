// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * syscall collector: latency of every syscall, per syscall, with errors per
 * errno. Two BTF-typed raw tracepoints (no tracefs, no kprobes).
 *
 * Cost per syscall: one task-storage lookup and one clock read at entry; one
 * task-storage lookup, one clock read and two array lookups (inlined by the
 * verifier) at exit. No hash insert or delete on the hot path. With --by
 * cgroup (a load-time flag), the exit adds a cgroup id read and a per-CPU
 * hash lookup (an insert at a (cgroup, syscall) pair's first sight).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "kprof/hist.h"
#include "kprof/syscall.h"
#include "hist.bpf.h"
#include "filter.bpf.h"
#include "slot.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct syscall_start {
	__u64 ts;
	__s64 nr;
};

/*
 * In-flight start per thread. Task-local storage rather than a hash keyed by
 * tid: the lookup is a per-task cache hit, nothing is inserted or deleted per
 * syscall, and the kernel frees the entry when the thread exits, so the
 * storage is bounded by the number of threads and can never be "full".
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct syscall_start);
} syscall_start SEC(".maps");

/* Syscall number -> histogram slot (0: not yet assigned). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KPROF_SYSCALL_NR_MAX);
	__type(key, __u32);
	__type(value, __u32);
} syscall_slot SEC(".maps");

/* Per-CPU histograms, one per slot; see KPROF_SYSCALL_SLOTS for the size. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_SYSCALL_SLOTS);
	__type(key, __u32);
	__type(value, struct kprof_syscall_stats);
} syscall_stats SEC(".maps");

/*
 * --by cgroup only: stats per (cgroup, slot). Sized by userspace at load
 * (1 entry when the flag is off); see KPROF_SYSCALL_CG_ENTRIES_MAX. No LRU:
 * eviction would lose counts silently.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, struct kprof_syscall_cg_key);
	__type(value, struct kprof_syscall_stats);
} syscall_cg_stats SEC(".maps");

/* All zeroes, never written: the initial value of a new syscall_cg_stats entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kprof_syscall_stats);
} syscall_zero SEC(".maps");

/* Errors per (syscall, errno): rarer than syscalls, so one shared hash. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KPROF_SYSCALL_ERRNO_MAX);
	__type(key, struct kprof_syscall_errno_key);
	__type(value, __u64);
} syscall_errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_SYSCALL_LOST_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} syscall_lost SEC(".maps");

/*
 * Set before load; the verifier drops the branch it guards, so without
 * --by cgroup the exit path is the same instructions as before.
 */
const volatile bool by_cgroup = false;

/* Next free slot; slots are handed out once, at a syscall's first sight. */
__u32 next_slot = 0;

static __always_inline void count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&syscall_lost, &reason);

	if (v)
		(*v)++;
}

static __always_inline __u32 slot_of(__u32 nr)
{
	__u32 *p = bpf_map_lookup_elem(&syscall_slot, &nr);
	__u32 slot;

	if (!p)
		return 0;
	slot = kprof_slot_get(p, &next_slot, KPROF_SYSCALL_SLOTS - 1);
	if (!slot)
		count_lost(KPROF_SYSCALL_LOST_SLOTS);
	return slot;
}

static __always_inline void count_errno(__u32 nr, __u32 err)
{
	struct kprof_syscall_errno_key key = {.nr = nr, .err = err};
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&syscall_errors, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (!bpf_map_update_elem(&syscall_errors, &key, &one, BPF_NOEXIST))
		return;
	/* Lost the race to another CPU inserting the same key, or full. */
	v = bpf_map_lookup_elem(&syscall_errors, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		count_lost(KPROF_SYSCALL_LOST_ERRNO_MAP);
}

/*
 * This CPU's stats of (current cgroup, slot), inserted at first sight. A
 * full map falls back to the per-slot array, which userspace reports as
 * cgroup="other", and counts the event as lost.
 */
static __always_inline struct kprof_syscall_stats *cg_stats_of(__u32 slot)
{
	struct kprof_syscall_cg_key key = {.cgroup_id = bpf_get_current_cgroup_id(), .slot = slot};
	struct kprof_syscall_stats *st;
	__u32 zero = 0;
	void *init;

	st = bpf_map_lookup_elem(&syscall_cg_stats, &key);
	if (st)
		return st;
	init = bpf_map_lookup_elem(&syscall_zero, &zero);
	if (!init)
		return NULL;
	/* -EEXIST: another CPU inserted it first; the lookup below finds it. */
	bpf_map_update_elem(&syscall_cg_stats, &key, init, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&syscall_cg_stats, &key);
	if (st)
		return st;
	count_lost(KPROF_SYSCALL_LOST_CG_MAP);
	return bpf_map_lookup_elem(&syscall_stats, &slot);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(kprof_sys_enter, struct pt_regs *regs, long id)
{
	struct syscall_start *s;

	if (!kprof_current_selected())
		return 0;
	s = bpf_task_storage_get(&syscall_start, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		count_lost(KPROF_SYSCALL_LOST_STORAGE);
		return 0;
	}
	s->nr = id;
	s->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(kprof_sys_exit, struct pt_regs *regs, long ret)
{
	struct kprof_syscall_stats *st;
	struct syscall_start *s;
	__u64 delta;
	__u32 slot, nr;

	/* Only tasks selected at entry have storage: no filter needed here. */
	s = bpf_task_storage_get(&syscall_start, bpf_get_current_task_btf(), 0, 0);
	if (!s || !s->ts)
		return 0;
	delta = bpf_ktime_get_ns() - s->ts;
	s->ts = 0;
	nr = s->nr;
	slot = slot_of(nr);
	if (by_cgroup)
		st = cg_stats_of(slot);
	else
		st = bpf_map_lookup_elem(&syscall_stats, &slot);
	if (!st)
		return 0;
	kprof_hist_add(&st->hist, delta);
	if (ret < 0 && ret >= -4095) {
		st->errors++;
		count_errno(nr, -ret);
	}
	return 0;
}
