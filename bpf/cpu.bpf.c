// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cpu collector: on-CPU stacks. A software cpu-clock perf event on every
 * online CPU fires at --frequency; each firing counts one sample for the
 * (process, thread name, kernel stack, user stack) running there.
 *
 * Cost per sample: two stack walks (bpf_get_stackid hashes and stores the
 * stack once), one hash lookup and an atomic add. The idle task is not
 * counted: a flame graph shows where busy time goes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "filter.bpf.h"
#include "stack.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("perf_event")
int kprof_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct kprof_stack_key key;

	if (!(__u32)id)
		return 0;
	if (!kprof_current_selected())
		return 0;
	key.pid = id >> 32;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.kern_stack_id = stack_id_checked(bpf_get_stackid(ctx, &stacks, 0));
	key.user_stack_id = stack_id_checked(bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK));
	stack_add(&key, 0);
	return 0;
}
