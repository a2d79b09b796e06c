/* SPDX-License-Identifier: MIT */
/* Types shared by bpf/cpu.bpf.c, bpf/offcpu.bpf.c and their userspace sides. */
#ifndef KPROF_STACK_H
#define KPROF_STACK_H

/* The kernel's own limit (PERF_MAX_STACK_DEPTH); deeper frames are cut. */
#define KPROF_STACK_DEPTH 127
/*
 * Distinct stacks kept per collector. A stack-trace map preallocates every
 * entry (127 x 8 bytes + header, about 8.3 MiB for 8192), and its hash has
 * one slot per entry: a new stack whose slot is taken by another is a
 * collision and its sample is counted as lost (BPF_F_REUSE_STACKID off, so a
 * recorded stack id stays valid until the end of the profile).
 */
#define KPROF_STACK_MAP_ENTRIES 8192
/* Distinct (pid, comm, kernel stack, user stack) keys counted. */
#define KPROF_STACK_COUNT_ENTRIES 16384

struct kprof_stack_key {
	__u32 pid;	     /* process (tgid): user addresses belong to its address space */
	__s32 kern_stack_id; /* < 0: none (-EFAULT: user mode) or lost */
	__s32 user_stack_id; /* < 0: none (-EFAULT: kernel thread) or lost */
	char comm[16];
};

struct kprof_stack_value {
	__u64 count;
	__u64 weight_ns; /* offcpu: time off CPU; cpu: 0 (userspace uses the period) */
};

enum kprof_stack_lost {
	KPROF_STACK_LOST_COLLISION,   /* stack slot taken by another stack (-EEXIST) */
	KPROF_STACK_LOST_STACK_FULL,  /* stack map out of entries (-ENOMEM) */
	KPROF_STACK_LOST_COUNTS_FULL, /* counts hash full: sample not counted */
	KPROF_STACK_LOST_STORAGE,     /* offcpu: no task storage for the start time */
	KPROF_STACK_LOST_SWITCH_IN,   /* offcpu: the block's switch-in was not seen */
	KPROF_STACK_LOST_UNFINISHED,  /* offcpu: left the CPU with the last block still open */
	KPROF_STACK_LOST_REASONS,
};

/* offcpu: blocks under --min-block (not in the flame graph), per CPU. */
enum kprof_offcpu_short {
	KPROF_OFFCPU_SHORT_BLOCKS,
	KPROF_OFFCPU_SHORT_NS,
	KPROF_OFFCPU_SHORT_FIELDS,
};

#endif /* KPROF_STACK_H */
