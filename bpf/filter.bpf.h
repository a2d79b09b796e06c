/* SPDX-License-Identifier: MIT */
/*
 * In-kernel task filters. Tunables are const volatile, set by userspace
 * between open and load, so that with no filter the verifier removes the
 * checks entirely and the hot path pays nothing.
 */
#ifndef KPROF_FILTER_BPF_H
#define KPROF_FILTER_BPF_H

#include "kprof/filter.h"

/* kprof itself: its own map reads and waits are not the host's latency. */
const volatile __u32 self_tgid = 0;
const volatile bool filter_by_pid = false;
const volatile bool filter_by_comm = false;
const volatile char filter_comm[KPROF_COMM_LEN] = {};

/* Processes (tgids) selected by --pid; a handful, so a small hash. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KPROF_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

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

/* Whether the task with this tgid and comm is one the user asked for. */
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

/* The same for the current task. */
static __always_inline bool kprof_current_selected(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	char comm[KPROF_COMM_LEN];

	if (tgid == self_tgid)
		return false;
	if (!filter_by_pid && !filter_by_comm)
		return true;
	if (filter_by_pid) {
		if (!bpf_map_lookup_elem(&filter_pids, &tgid))
			return false;
	}
	if (filter_by_comm) {
		bpf_get_current_comm(comm, sizeof(comm));
		if (!kprof_comm_matches(comm))
			return false;
	}
	return true;
}

#endif /* KPROF_FILTER_BPF_H */
