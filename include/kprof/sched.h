/* SPDX-License-Identifier: MIT */
/* Types shared by bpf/sched.bpf.c and user/collector_sched.c. */
#ifndef KPROF_SCHED_H
#define KPROF_SCHED_H

/* The three histograms, one per-CPU array element holding all of them. */
enum kprof_sched_hist {
	KPROF_SCHED_RUNQ,   /* runnable (woken or preempted) -> on a CPU */
	KPROF_SCHED_OFFCPU, /* switched out blocked -> switched back in */
	KPROF_SCHED_ONCPU,  /* switched in -> switched out */
	KPROF_SCHED_HISTS,
};

struct kprof_sched_stats {
	struct kprof_hist hist[KPROF_SCHED_HISTS];
};

/*
 * Threads tracked at once by the hash that stands in for task-local storage
 * on kernels before 5.11 (where it is the only choice). 10,240 threads as
 * bcc's runqlat; ~1 MiB. On 5.11+ this map is not created at all.
 */
#define KPROF_SCHED_TASKS_MAX 10240

/*
 * --by cgroup: per-CPU hash of cgroup v2 id (__u64) -> kprof_sched_stats
 * (4.1 KiB per CPU). One entry in the BPF object so that without the flag
 * it costs nothing; userspace sizes it at load to min(MAX, BUDGET / (value
 * x ncpus)) entries, at least MIN: one entry per cgroup that runs tasks
 * (not per cgroup and key, as syscall), so fewer entries than syscall's.
 * Events that find it full go to the array (reported as cgroup="other")
 * and are counted as lost, reason "cgroup_map_full".
 */
#define KPROF_SCHED_CG_ENTRIES_MAX 4096
#define KPROF_SCHED_CG_ENTRIES_MIN 64
#define KPROF_SCHED_CG_BUDGET	   (8u << 20)

/*
 * The UNSEEN reasons: events of a selected thread that the kernel did not
 * show to BPF at all (no program ran, no recursion miss either), found from
 * the thread's own sequence: it switches out without having been seen to
 * switch in, or switches in from blocked without having been seen woken.
 * Each counts one histogram event of its family that is missing, so that
 * count + unseen is exact (docs/sched.md, "Events the kernel does not show").
 */
enum kprof_sched_lost {
	KPROF_SCHED_LOST_STORAGE,	/* task storage could not be had */
	KPROF_SCHED_LOST_MAP_FULL,	/* pre-5.11 hash of start times full */
	KPROF_SCHED_LOST_CG_MAP,	/* counted under cgroup "other": map full */
	KPROF_SCHED_LOST_UNSEEN_RUNQ,	/* a run-queue period */
	KPROF_SCHED_LOST_UNSEEN_OFFCPU, /* an off-CPU period */
	KPROF_SCHED_LOST_UNSEEN_ONCPU,	/* an on-CPU slice */
	KPROF_SCHED_LOST_REASONS,
};

#endif /* KPROF_SCHED_H */
