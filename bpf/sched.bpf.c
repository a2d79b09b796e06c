// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sched collector: run-queue latency, off-CPU time and on-CPU slices, from
 * three BTF-typed tracepoints (no tracefs, no kprobes).
 *
 * Cost: one clock read per sched_switch, shared by prev's switch-out and
 * next's switch-in; one per wakeup. Per event at most two task-storage
 * lookups and one per-CPU array lookup. No hash operation on 5.11+.
 * With --by cgroup (another sched_switch program), the array lookup becomes a
 * cgroup id read and a per-CPU hash lookup per side of a switch (one when
 * prev and next share a cgroup), an insert at a cgroup's first sight.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "kprof/hist.h"
#include "kprof/sched.h"
#include "hist.bpf.h"
#include "filter.bpf.h"
#include "cgroup.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* include/linux/sched.h; TASK_DEAD has been 0x80 since 4.14. */
#define TASK_RUNNING 0
#define TASK_DEAD    0x80

/*
 * Set by userspace from the running kernel's BTF before load; the verifier
 * sees them as constants and never looks at the branch not taken, so the
 * same object loads on kernels with and without the features.
 */
/* sched_switch has a prev_state argument (5.18, commit fa2c3254d7cf). */
const volatile bool has_prev_state = true;
/* Task-local storage for tracing programs (5.11, commit a10787e6d58c). */
const volatile bool use_task_storage = true;

/* Start times of one thread; 0 means "not known". */
struct sched_task {
	__u64 oncpu_ts;	 /* switched in */
	__u64 wait_ts;	 /* became runnable: woken, or preempted */
	__u64 offcpu_ts; /* switched out blocked */
};

/*
 * Task-local storage, not a hash keyed by tid: the lookup is a cache hit on
 * the task itself, nothing is inserted or deleted per event, and the entry
 * dies with the thread, so it is bounded by the number of threads and can
 * never be "full".
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sched_task);
} sched_task_storage SEC(".maps");

/*
 * Kernels before 5.11 have no task storage for tracing programs: a bounded,
 * preallocated hash keyed by tid instead (not created on newer kernels).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KPROF_SCHED_TASKS_MAX);
	__type(key, __u32);
	__type(value, struct sched_task);
} sched_task_hash SEC(".maps");

/* The three histograms of this CPU in one element: one lookup per event. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kprof_sched_stats);
} sched_stats SEC(".maps");

/*
 * --by cgroup only: the three histograms per cgroup v2 id. Sized by
 * userspace at load (1 entry when the flag is off); see
 * KPROF_SCHED_CG_ENTRIES_MAX. No LRU: eviction would lose counts silently.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct kprof_sched_stats);
} sched_cg_stats SEC(".maps");

/* All zeroes, never written: the initial value of a new sched_cg_stats entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kprof_sched_stats);
} sched_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_SCHED_LOST_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} sched_lost SEC(".maps");

/* task_struct::state before 5.14 (commit 2f064a59a11f renamed it __state). */
struct task_struct___pre514 {
	volatile long state;
} __attribute__((preserve_access_index));

static __always_inline void count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&sched_lost, &reason);

	if (v)
		(*v)++;
}

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return t->__state;
	return ((struct task_struct___pre514 *)t)->state;
}

static __always_inline bool task_selected(struct task_struct *t)
{
	/* pid 0 is the idle task of each CPU: not a task that waits. */
	return t->pid && kprof_task_selected(t);
}

static __always_inline struct sched_task *task_entry(struct task_struct *t, bool create)
{
	static const struct sched_task zero;
	struct sched_task *e;
	__u32 tid;

	if (use_task_storage) {
		e = bpf_task_storage_get(&sched_task_storage, t, 0,
					 create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
		if (!e && create)
			count_lost(KPROF_SCHED_LOST_STORAGE);
		return e;
	}
	tid = t->pid;
	e = bpf_map_lookup_elem(&sched_task_hash, &tid);
	if (e || !create)
		return e;
	bpf_map_update_elem(&sched_task_hash, &tid, &zero, BPF_NOEXIST);
	e = bpf_map_lookup_elem(&sched_task_hash, &tid);
	if (!e)
		count_lost(KPROF_SCHED_LOST_MAP_FULL);
	return e;
}

static __always_inline void task_entry_delete(struct task_struct *t)
{
	__u32 tid = t->pid;

	if (use_task_storage)
		bpf_task_storage_delete(&sched_task_storage, t);
	else
		bpf_map_delete_elem(&sched_task_hash, &tid);
}

/*
 * This CPU's histograms of cgroup id (--by cgroup). A full map falls
 * back to the array, which userspace reports as cgroup="other", and counts
 * the event as lost.
 */
static __always_inline struct kprof_sched_stats *cg_stats_of(__u64 id)
{
	struct kprof_sched_stats *st;
	__u32 zero = 0;

	st = kprof_lookup_or_init(&sched_cg_stats, &id, bpf_map_lookup_elem(&sched_zero, &zero));
	if (st)
		return st;
	count_lost(KPROF_SCHED_LOST_CG_MAP);
	return bpf_map_lookup_elem(&sched_stats, &zero);
}

/* Adds now - *start to a histogram and forgets the start. */
static __always_inline void account(struct kprof_sched_stats *st, int h, __u64 *start, __u64 now)
{
	__u64 ts = *start;

	if (!ts)
		return;
	*start = 0;
	/*
	 * A start stamped on another CPU a hair later than now (clock skew
	 * between CPUs): a period shorter than the skew, counted as 0 rather
	 * than dropped, so that the count stays exact.
	 */
	if (st)
		kprof_hist_add(&st->hist[h], ts <= now ? now - ts : 0);
}

static __always_inline int on_wakeup(struct task_struct *p)
{
	struct sched_task *e;

	if (!task_selected(p))
		return 0;
	/*
	 * Still on its CPU: woken before it got off (it had set its state
	 * but not yet switched out). It never waited; its switch-out sees it
	 * runnable and starts the wait there. So a start in wait_ts always
	 * means "off CPU and runnable", which switch_out() relies on.
	 */
	if (p->on_cpu)
		return 0;
	e = task_entry(p, true);
	/*
	 * Already waiting since a preemption (woken while still queued):
	 * it has been runnable since then, keep the earlier start.
	 */
	if (e && !e->wait_ts)
		e->wait_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(kprof_sched_wakeup, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(kprof_sched_wakeup_new, struct task_struct *p)
{
	return on_wakeup(p);
}

/*
 * prev is switching out, but its entry still says "off CPU since ...": the
 * switch-in that ended that period, and maybe the wakeup before it, ran
 * where the kernel did not call the BPF programs at all (docs/sched.md,
 * "Events the kernel does not show"). The periods it ended and the slice
 * it began are unknown: count each as lost, one per family, and forget the
 * stale starts. A thread first met on the CPU has no start and no count.
 */
static __always_inline void switch_in_unseen(struct sched_task *e)
{
	/* Blocked, then woken and run: a run-queue wait came in between. */
	count_lost(KPROF_SCHED_LOST_UNSEEN_RUNQ);
	if (e->offcpu_ts)
		count_lost(KPROF_SCHED_LOST_UNSEEN_OFFCPU);
	count_lost(KPROF_SCHED_LOST_UNSEEN_ONCPU);
	e->wait_ts = 0;
	e->offcpu_ts = 0;
}

static __always_inline void switch_out(struct kprof_sched_stats *st, struct task_struct *prev,
				       bool preempt, long state, __u64 now)
{
	bool dead = state & TASK_DEAD;
	struct sched_task *e;

	/* Never create an entry for a thread on its way out. */
	e = task_entry(prev, !dead);
	if (!e)
		return;
	if (!e->oncpu_ts && (e->wait_ts | e->offcpu_ts))
		switch_in_unseen(e);
	account(st, KPROF_SCHED_ONCPU, &e->oncpu_ts, now);
	if (dead) {
		/*
		 * Its very last switch: free the entry here rather than at
		 * sched_process_exit, which comes earlier, so that switches
		 * in between cannot create it again.
		 */
		task_entry_delete(prev);
		return;
	}
	/* Still on the run queue (as runqlat counts it) or blocked. */
	if (preempt || state == TASK_RUNNING) {
		e->wait_ts = now;
		e->offcpu_ts = 0;
	} else {
		e->offcpu_ts = now;
		e->wait_ts = 0;
	}
}

/*
 * next is switching in, but its entry still says "on CPU since ...": its
 * switch-out was not shown (it ran while the programs were not called;
 * only such a thread's own switch-out can be hidden). Its slice is
 * unknown, and so is the period after it: off-CPU if it was seen woken
 * (only a blocked thread is woken; that wait is measured), else a wait on
 * the run queue (preempted, or blocked with its wakeup hidden as well: then
 * the off-CPU period goes uncounted, the one case that is a lower bound).
 */
static __always_inline void switch_out_unseen(struct sched_task *e)
{
	count_lost(KPROF_SCHED_LOST_UNSEEN_ONCPU);
	count_lost(e->wait_ts ? KPROF_SCHED_LOST_UNSEEN_OFFCPU : KPROF_SCHED_LOST_UNSEEN_RUNQ);
	e->oncpu_ts = 0;
}

static __always_inline void switch_in(struct kprof_sched_stats *st, struct task_struct *next,
				      __u64 now)
{
	struct sched_task *e = task_entry(next, true);

	if (!e)
		return;
	if (e->oncpu_ts)
		switch_out_unseen(e);
	/* Switched out blocked, never seen woken: that wait is unknown. */
	else if (e->offcpu_ts && !e->wait_ts)
		count_lost(KPROF_SCHED_LOST_UNSEEN_RUNQ);
	account(st, KPROF_SCHED_RUNQ, &e->wait_ts, now);
	account(st, KPROF_SCHED_OFFCPU, &e->offcpu_ts, now);
	e->oncpu_ts = now;
}

/* prev's state at the switch: the tracepoint's argument (5.18+), else read now. */
static __always_inline long prev_state(__u64 *ctx, struct task_struct *prev)
{
	return has_prev_state ? (long)(unsigned int)ctx[3] : task_state(prev);
}

/*
 * ctx: (bool preempt, task_struct *prev, task_struct *next[, unsigned int
 * prev_state]). The state argument (5.18+) is what __schedule() saw; before
 * 5.18 prev's state is read at the tracepoint instead, as runqlat does.
 *
 * Two programs, one loaded (userspace picks by --by cgroup): a rodata flag
 * would remove the other branch at load, but the compiler allocates
 * registers over both, and measured +8 ns per switch without the flag.
 * kprof_sched_switch is the program as it was before --by cgroup.
 */
SEC("tp_btf/sched_switch")
int kprof_sched_switch(__u64 *ctx)
{
	struct task_struct *prev = (struct task_struct *)ctx[1];
	struct task_struct *next = (struct task_struct *)ctx[2];
	bool prev_sel = task_selected(prev), next_sel = task_selected(next);
	struct kprof_sched_stats *st;
	__u32 zero = 0;
	__u64 now;

	if (!prev_sel && !next_sel)
		return 0;
	now = bpf_ktime_get_ns();
	st = bpf_map_lookup_elem(&sched_stats, &zero);
	if (prev_sel) {
		long state = prev_state(ctx, prev);

		switch_out(st, prev, (bool)ctx[0], state, now);
	}
	if (next_sel)
		switch_in(st, next, now);
	return 0;
}

/* The same with --by cgroup: per-cgroup histograms. */
SEC("tp_btf/sched_switch")
int kprof_sched_switch_cg(__u64 *ctx)
{
	struct task_struct *prev = (struct task_struct *)ctx[1];
	struct task_struct *next = (struct task_struct *)ctx[2];
	bool prev_sel = task_selected(prev), next_sel = task_selected(next);
	struct kprof_sched_stats *st, *st_next;
	__u64 prev_cg = 0, next_cg;
	__u64 now;

	if (!prev_sel && !next_sel)
		return 0;
	now = bpf_ktime_get_ns();
	/* On-CPU time is prev's; run-queue and off-CPU time are next's. */
	st = NULL;
	if (prev_sel) {
		prev_cg = kprof_task_cgroup_id(prev);
		st = cg_stats_of(prev_cg);
	}
	st_next = st;
	if (next_sel) {
		next_cg = kprof_task_cgroup_id(next);
		if (!prev_sel || next_cg != prev_cg)
			st_next = cg_stats_of(next_cg);
	}
	if (prev_sel) {
		long state = prev_state(ctx, prev);

		switch_out(st, prev, (bool)ctx[0], state, now);
	}
	if (next_sel)
		switch_in(st_next, next, now);
	return 0;
}
