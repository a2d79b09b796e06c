// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test-only program, not part of kprof: it lets
 * tests/integration/test_cgroup_filter.c check both filter entry points of
 * filter.bpf.h on one event with a known count. signal_generate runs in the
 * sender (current) and names the receiver (task), so a signal a process
 * sends to itself exercises kprof_current_selected() and one sent by another
 * process exercises kprof_task_selected() alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "filter.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile int test_signal = 0;
__u64 task_hits = 0;
__u64 current_hits = 0;

SEC("tp_btf/signal_generate")
int BPF_PROG(kprof_test_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	if (sig != test_signal)
		return 0;
	if (kprof_task_selected(task))
		__sync_fetch_and_add(&task_hits, 1);
	if (kprof_current_selected())
		__sync_fetch_and_add(&current_hits, 1);
	return 0;
}
