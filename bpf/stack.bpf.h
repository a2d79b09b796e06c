/* SPDX-License-Identifier: MIT */
/*
 * What the cpu and offcpu collectors share: the stack-trace map, the bounded
 * hash of counts per (pid, comm, kernel stack, user stack), the lost
 * counters, and the insert-or-add on that hash. Nothing per sample goes to
 * userspace: it reads the two maps once, at the end of the profile.
 */
#ifndef KPROF_STACK_BPF_H
#define KPROF_STACK_BPF_H

#include "kprof/stack.h"

#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, KPROF_STACK_MAP_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, KPROF_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

/* Shared hash with atomic adds: per-CPU values would multiply its memory. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KPROF_STACK_COUNT_ENTRIES);
	__type(key, struct kprof_stack_key);
	__type(value, struct kprof_stack_value);
} stack_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_STACK_LOST_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} stack_lost SEC(".maps");

/*
 * Samples added to stack_counts, per CPU: what the exporter's samples
 * counter reads on every scrape (one lookup instead of a walk of up to
 * KPROF_STACK_COUNT_ENTRIES keys; equal to the sum of the counts).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stack_samples SEC(".maps");

/*
 * Keys inserted into stack_counts (never deleted), per CPU: its fill level
 * without a walk. Named <hash>_size so that kprof_bpf_map_entries finds it
 * (user/self_metrics.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stack_counts_size SEC(".maps");

static __always_inline void stack_percpu_inc(void *map)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(map, &zero);

	if (v)
		(*v)++;
}

static __always_inline void stack_count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&stack_lost, &reason);

	if (v)
		(*v)++;
}

/*
 * A stack id from bpf_get_stackid(), with failures that lose the stack
 * counted. -EFAULT is no loss: there is no such stack (a kernel thread has
 * no user stack, a sample in user mode no kernel stack).
 */
static __always_inline __s32 stack_id_checked(long id)
{
	if (id == -EEXIST)
		stack_count_lost(KPROF_STACK_LOST_COLLISION);
	else if (id == -ENOMEM)
		stack_count_lost(KPROF_STACK_LOST_STACK_FULL);
	return (__s32)id;
}

static __always_inline void stack_add(const struct kprof_stack_key *key, __u64 weight_ns)
{
	struct kprof_stack_value *v, init = {.count = 1, .weight_ns = weight_ns};

	v = bpf_map_lookup_elem(&stack_counts, key);
	if (!v) {
		if (!bpf_map_update_elem(&stack_counts, key, &init, BPF_NOEXIST)) {
			stack_percpu_inc(&stack_counts_size);
			stack_percpu_inc(&stack_samples);
			return;
		}
		/* Another CPU inserted the same key first, or the hash is full. */
		v = bpf_map_lookup_elem(&stack_counts, key);
		if (!v) {
			stack_count_lost(KPROF_STACK_LOST_COUNTS_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->count, 1);
	stack_percpu_inc(&stack_samples);
	if (weight_ns)
		__sync_fetch_and_add(&v->weight_ns, weight_ns);
}

#endif /* KPROF_STACK_BPF_H */
