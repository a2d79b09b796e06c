/* SPDX-License-Identifier: MIT */
/*
 * In-kernel task filters (--pid, --comm, --cgroup). Tunables are const
 * volatile, set by userspace between open and load, so that with no filter
 * the verifier removes the checks entirely and the hot path pays nothing.
 *
 * Two entry points:
 * - kprof_current_selected(): the event is about the current task (syscalls,
 *   on-CPU samples, the task being switched out). All filters apply.
 * - kprof_task_selected(task): the event is about another task (the task
 *   woken by sched_wakeup, the task switched in). All filters apply, the
 *   cgroup one by walking the task's cgroup v2 ancestors.
 * kprof_selected(tgid, comm) remains for callers that have no task pointer;
 * it cannot apply --cgroup (documented in docs/fleet.md).
 */
#ifndef KPROF_FILTER_BPF_H
#define KPROF_FILTER_BPF_H

#include <bpf/bpf_core_read.h>
#include "kprof/filter.h"

/* kprof itself: its own map reads and waits are not the host's latency. */
const volatile __u32 self_tgid = 0;
const volatile bool filter_by_pid = false;
const volatile bool filter_by_comm = false;
const volatile char filter_comm[KPROF_COMM_LEN] = {};
/* --cgroup: how many, and their cgroup v2 ids (for kprof_task_selected). */
const volatile __u32 filter_ncgroups = 0;
const volatile __u64 filter_cgroup_ids[KPROF_MAX_CGROUPS] = {};

/* Processes (tgids) selected by --pid; a handful, so a small hash. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KPROF_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

/*
 * Cgroups selected by --cgroup, as the kernel's own cgroup references
 * (userspace stores the fds of the opened cgroup directories). Userspace
 * creates it once per collector and the object reuses it, so it is filled
 * before load. bpf_current_task_under_cgroup() includes descendants and
 * costs one ancestor comparison per entry: no walk, no probe reads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, KPROF_MAX_CGROUPS);
	__type(key, __u32);
	__type(value, __u32);
} filter_cgroups SEC(".maps");

static __always_inline bool kprof_comm_matches(const char *comm)
{
	for (int i = 0; i < KPROF_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			return true;
	}
	return true;
}

/* Whether the current task is in one of the selected cgroups or below. */
static __always_inline bool kprof_current_in_cgroups(void)
{
	for (__u32 i = 0; i < KPROF_MAX_CGROUPS; i++) {
		if (i >= filter_ncgroups)
			break;
		/* 1: under it; 0: not; <0: empty slot (never, userspace fills all). */
		if (bpf_current_task_under_cgroup(&filter_cgroups, i) == 1)
			return true;
	}
	return false;
}

static __always_inline bool kprof_cgroup_id_selected(__u64 id)
{
	for (__u32 i = 0; i < KPROF_MAX_CGROUPS; i++) {
		if (i >= filter_ncgroups)
			break;
		if (id == filter_cgroup_ids[i])
			return true;
	}
	return false;
}

/*
 * The same for another task: its cgroup v2 (css_set->dfl_cgrp) and up to
 * KPROF_CGROUP_MAX_DEPTH ancestors, compared by id. There is no helper for
 * "task under cgroup" that takes a task without a reference-counted cgroup
 * lookup per event, so this walks; it runs only with --cgroup.
 * kernfs_node->id is a u64 since Linux 5.5 (commit 67c0496e87d1), older
 * than the BTF tracepoints kprof needs. `self` is the first member of
 * struct cgroup, so a parent css is its cgroup.
 */
static __always_inline bool kprof_task_in_cgroups(struct task_struct *task)
{
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);

	for (int depth = 0; depth < KPROF_CGROUP_MAX_DEPTH && cg; depth++) {
		if (kprof_cgroup_id_selected(BPF_CORE_READ(cg, kn, id)))
			return true;
		cg = (struct cgroup *)BPF_CORE_READ(cg, self.parent);
	}
	return false;
}

/*
 * Whether the task with this tgid and comm is one the user asked for.
 * Without the task it cannot check --cgroup: prefer kprof_task_selected().
 */
static __always_inline bool kprof_selected(__u32 tgid, const char *comm)
{
	if (tgid == self_tgid)
		return false;
	if (filter_by_pid && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return false;
	if (filter_by_comm && !kprof_comm_matches(comm))
		return false;
	return true;
}

/* Whether the current task is one the user asked for. */
static __always_inline bool kprof_current_selected(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	char comm[KPROF_COMM_LEN];

	if (tgid == self_tgid)
		return false;
	if (!filter_by_pid && !filter_by_comm && !filter_ncgroups)
		return true;
	if (filter_by_pid) {
		if (!bpf_map_lookup_elem(&filter_pids, &tgid))
			return false;
	}
	if (filter_ncgroups && !kprof_current_in_cgroups())
		return false;
	if (filter_by_comm) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (!kprof_comm_matches(comm))
			return false;
	}
	return true;
}

/*
 * Whether another task (woken, switched in, signalled) is one the user asked
 * for. task must be a BTF pointer (a tp_btf argument): tgid and comm are
 * read directly, as callers of kprof_selected() did, so without --cgroup
 * this costs exactly what kprof_selected(task->tgid, task->comm) does.
 */
static __always_inline bool kprof_task_selected(struct task_struct *task)
{
	if (!kprof_selected(task->tgid, task->comm))
		return false;
	return !filter_ncgroups || kprof_task_in_cgroups(task);
}

#endif /* KPROF_FILTER_BPF_H */
