// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * offcpu collector: where tasks wait. At sched_switch the task leaving the
 * CPU has its stack ids and the time stored in its task storage; when it
 * comes back, the time it was off CPU is added to that stack's weight,
 * if at least --min-block.
 *
 * Cost per context switch: one clock read, two stack walks (one for a
 * kernel thread, which has no user stack) and a task storage lookup for the
 * task going off; a task storage lookup (and for
 * blocks past the threshold, a hash lookup and two atomic adds) for the task
 * coming on. Tasks filtered out by --pid/--comm never get storage.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "filter.bpf.h"
#include "stack.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u64 min_block_ns = 1000;

#ifndef EFAULT
#define EFAULT 14
#endif

/* Kernel frames of the tracing machinery above __schedule (see below). */
#define OFFCPU_SKIP_FRAMES 3

struct offcpu_start {
	__u64 ts;
	__s32 kern_stack_id;
	__s32 user_stack_id;
};

/*
 * Per-thread start of the current off-CPU period: bounded by the number of
 * threads, freed by the kernel with the thread, never "full".
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct offcpu_start);
} offcpu_start SEC(".maps");

SEC("tp_btf/sched_switch")
int BPF_PROG(kprof_offcpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns(), delta;
	struct kprof_stack_key key;
	struct offcpu_start *s;

	/*
	 * prev is still current here: its stacks are the ones walked. The
	 * kernel walk skips the tracing frames on top of schedule()
	 * (__traceiter_sched_switch, bpf_trace_run4, this program).
	 */
	if (prev->pid && kprof_task_selected(prev)) {
		s = bpf_task_storage_get(&offcpu_start, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (s) {
			s->ts = now;
			s->kern_stack_id =
				stack_id_checked(bpf_get_stackid(ctx, &stacks, OFFCPU_SKIP_FRAMES));
			/*
			 * No mm, no user stack (the walk would return -EFAULT):
			 * kernel threads skip it.
			 */
			s->user_stack_id = prev->mm ? stack_id_checked(bpf_get_stackid(
							      ctx, &stacks, BPF_F_USER_STACK))
						    : -EFAULT;
		} else {
			stack_count_lost(KPROF_STACK_LOST_STORAGE);
		}
	}

	s = bpf_task_storage_get(&offcpu_start, next, 0, 0);
	if (!s || !s->ts)
		return 0;
	delta = now - s->ts;
	s->ts = 0;
	if (delta < min_block_ns)
		return 0;
	key.pid = next->tgid;
	key.kern_stack_id = s->kern_stack_id;
	key.user_stack_id = s->user_stack_id;
	bpf_probe_read_kernel(key.comm, sizeof(key.comm), next->comm);
	stack_add(&key, delta);
	return 0;
}
