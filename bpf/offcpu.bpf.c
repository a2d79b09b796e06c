// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * offcpu collector: where tasks wait. At sched_switch the task leaving the
 * CPU has the time stored in its task storage; when it comes back, the time
 * it was off CPU is added to its stack's weight, if at least --min-block.
 *
 * The stacks are walked when the task comes back, in its own context, and
 * only for blocks of at least --min-block (docs/flamegraphs.md, "offcpu:
 * when the stacks are walked"): sched_exit_tp (Linux 6.16+) fires at the end
 * of __schedule() in the task that was switched in, whose kernel stack below
 * __schedule() and whose user registers are those it left the CPU with. A
 * block under the threshold then costs no walk at all. Kernels without that
 * tracepoint walk both stacks at every switch-out (walk_at_switch_out).
 *
 * Cost per context switch: one clock read, two task storage lookups and,
 * for the task coming on, a per-CPU slot write; sched_exit_tp reads that
 * slot. Blocks of at least --min-block add two stack walks and a hash add;
 * shorter ones two per-CPU adds. Tasks filtered out by --pid/--comm never
 * get storage.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "filter.bpf.h"
#include "stack.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u64 min_block_ns = 1000;
/* Set by userspace when the kernel has no sched_exit_tp (before 6.16). */
const volatile bool walk_at_switch_out = false;

#ifndef EFAULT
#define EFAULT 14
#endif

/*
 * Kernel frames of the tracing machinery on top of __schedule(), skipped:
 * the program and bpf_trace_runN, on both tracepoints. With more than one
 * probe on a tracepoint, __traceiter_<tp> comes between them and
 * __schedule(); userspace drops that frame (user/model_stack.c). Stacks end
 * in __schedule either way, walked at switch-out or at switch-in.
 */
#define OFFCPU_SKIP_FRAMES 2

struct offcpu_start {
	__u64 ts;
	/* Only with walk_at_switch_out: the stacks taken when it left. */
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

/*
 * The block that sched_switch just ended on this CPU, handed to
 * sched_exit_tp, which runs next in the task switched in: one per CPU,
 * because nothing can schedule on this CPU in between (__schedule() runs
 * with preemption off until after sched_exit_tp).
 */
struct offcpu_pending {
	__u64 task; /* the task switched in; 0: none */
	__u64 delta_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct offcpu_pending);
} offcpu_pending SEC(".maps");

/* Blocks under --min-block, not in the flame graph: count and ns, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_OFFCPU_SHORT_FIELDS);
	__type(key, __u32);
	__type(value, __u64);
} offcpu_short SEC(".maps");

static __always_inline void count_short(__u64 delta)
{
	__u32 k = KPROF_OFFCPU_SHORT_BLOCKS;
	__u64 *v = bpf_map_lookup_elem(&offcpu_short, &k);

	if (v)
		(*v)++;
	k = KPROF_OFFCPU_SHORT_NS;
	v = bpf_map_lookup_elem(&offcpu_short, &k);
	if (v)
		*v += delta;
}

/*
 * t's user stack, t being current: a kernel thread has no mm and so no user
 * stack, and skips the walk (it would return -EFAULT, which is no loss).
 */
static __always_inline __s32 user_stack_id(void *ctx, struct task_struct *t)
{
	return t->mm ? stack_id_checked(bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK)) : -EFAULT;
}

/*
 * The end of __schedule(), in the task switched in (also at the first run
 * of a new task, which has no pending block). Its kernel stack below
 * __schedule() has not changed since it left the CPU: nothing runs on a
 * sleeping task's stack. Its user registers are in pt_regs, untouched while
 * it is in the kernel, and its user stack frames belong to calls that have
 * not returned. So these walks give the stacks a walk at switch-out gave,
 * and only blocks over the threshold pay for them.
 *
 * Defined before kprof_offcpu_switch so that it is attached first: a block
 * handed over by sched_switch always finds it there.
 */
SEC("tp_btf/sched_exit_tp")
int BPF_PROG(kprof_offcpu_exit, bool is_switch)
{
	struct offcpu_pending *pending;
	struct kprof_stack_key key;
	struct task_struct *task;
	__u32 zero = 0;
	__u64 delta;

	pending = bpf_map_lookup_elem(&offcpu_pending, &zero);
	if (!pending || !pending->task)
		return 0;
	task = bpf_get_current_task_btf();
	delta = pending->delta_ns;
	if (pending->task != (__u64)task) {
		/* Never seen: nothing else schedules in between. Counted, not silent. */
		pending->task = 0;
		stack_count_lost(KPROF_STACK_LOST_SWITCH_IN);
		return 0;
	}
	pending->task = 0;
	key.kern_stack_id = stack_id_checked(bpf_get_stackid(ctx, &stacks, OFFCPU_SKIP_FRAMES));
	key.user_stack_id = user_stack_id(ctx, task);
	key.pid = task->tgid;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	stack_add(&key, delta);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kprof_offcpu_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns(), delta;
	struct offcpu_pending *pending;
	struct kprof_stack_key key;
	struct offcpu_start *s;
	__u32 zero = 0;

	/* prev is still current here: its stacks are the ones walked. */
	if (prev->pid && kprof_task_selected(prev)) {
		s = bpf_task_storage_get(&offcpu_start, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (s) {
			/*
			 * Still set: the task came back without its storage
			 * found at that switch-in, and that block is lost.
			 * Seen on 6.18 under load, both ways (docs).
			 */
			if (s->ts)
				stack_count_lost(KPROF_STACK_LOST_UNFINISHED);
			s->ts = now;
			if (walk_at_switch_out) {
				s->kern_stack_id = stack_id_checked(
					bpf_get_stackid(ctx, &stacks, OFFCPU_SKIP_FRAMES));
				s->user_stack_id = user_stack_id(ctx, prev);
			}
		} else {
			stack_count_lost(KPROF_STACK_LOST_STORAGE);
		}
	}

	s = bpf_task_storage_get(&offcpu_start, next, 0, 0);
	if (!s || !s->ts)
		return 0;
	delta = now - s->ts;
	s->ts = 0;
	if (delta < min_block_ns) {
		count_short(delta);
		return 0;
	}
	if (!walk_at_switch_out) {
		pending = bpf_map_lookup_elem(&offcpu_pending, &zero);
		if (pending) {
			pending->task = (__u64)next;
			pending->delta_ns = delta;
		}
		return 0;
	}
	key.pid = next->tgid;
	key.kern_stack_id = s->kern_stack_id;
	key.user_stack_id = s->user_stack_id;
	bpf_probe_read_kernel(key.comm, sizeof(key.comm), next->comm);
	stack_add(&key, delta);
	return 0;
}
