/* SPDX-License-Identifier: MIT */
/* Types shared by bpf/syscall.bpf.c and user/collector_syscall.c. */
#ifndef KPROF_SYSCALL_H
#define KPROF_SYSCALL_H

/* x86_64 syscall numbers are below this; larger ones count as "other". */
#define KPROF_SYSCALL_NR_MAX 512
/*
 * Per-CPU histogram slots, one per distinct syscall seen, slot 0 for
 * "other" (syscalls seen after the slots ran out). 80 slots of 1.4 KiB keep
 * the collector under 8 MiB of kernel memory on a 64-CPU host; a busy host
 * makes 40 to 80 distinct syscalls.
 */
#define KPROF_SYSCALL_SLOTS 80
/* Distinct (syscall, errno) pairs counted; one shared hash for all CPUs. */
#define KPROF_SYSCALL_ERRNO_MAX 2048

struct kprof_syscall_stats {
	__u64 errors;
	struct kprof_hist hist;
};

/*
 * --by cgroup: per-CPU hash of (cgroup id, slot) -> stats. One entry in the
 * BPF object so that without the flag it costs nothing; userspace sizes it
 * at load to min(KPROF_SYSCALL_CG_ENTRIES_MAX, KPROF_SYSCALL_CG_BUDGET /
 * (value x ncpus)), at least KPROF_SYSCALL_CG_ENTRIES_MIN. Events that find
 * it full go to the per-slot array (reported as cgroup="other") and are
 * counted as lost, reason "cgroup_map_full".
 */
#define KPROF_SYSCALL_CG_ENTRIES_MAX 16384
#define KPROF_SYSCALL_CG_ENTRIES_MIN 256
#define KPROF_SYSCALL_CG_BUDGET	     (8u << 20)

struct kprof_syscall_cg_key {
	__u64 cgroup_id;
	__u32 slot;
	__u32 pad;
};

struct kprof_syscall_errno_key {
	__u32 nr;
	__u32 err;
};

enum kprof_syscall_lost {
	KPROF_SYSCALL_LOST_STORAGE,   /* task storage could not be had */
	KPROF_SYSCALL_LOST_SLOTS,     /* counted under "other": slots full */
	KPROF_SYSCALL_LOST_ERRNO_MAP, /* errno pair not counted: map full */
	KPROF_SYSCALL_LOST_CG_MAP,    /* counted under cgroup "other": map full */
	KPROF_SYSCALL_LOST_REASONS,
};

#endif /* KPROF_SYSCALL_H */
