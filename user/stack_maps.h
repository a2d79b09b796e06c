/* SPDX-License-Identifier: MIT */
/* Reading the maps of bpf/stack.bpf.h into the stack-profile model. */
#ifndef KPROF_STACK_MAPS_H
#define KPROF_STACK_MAPS_H

#include "model.h"
#include "model_stack.h"

/*
 * Adds every (pid, comm, kernel stack, user stack) of the counts hash to p,
 * with its frames from the stack-trace map. cpu profiles get weight =
 * count x p->period_ns. 0 or -errno.
 */
int stack_maps_read(int counts_fd, int stacks_fd, struct stack_profile *p);

/* Sum over CPUs and reasons of the per-CPU lost array. */
int stack_maps_lost(int lost_fd, uint64_t *total);

/*
 * The collector's counters for reports and the exporter: lost events by
 * reason, and the samples (or blocks) counted, from the per-CPU
 * stack_samples array (equal to the sum of the counts in the hash).
 */
int stack_maps_collect(struct model *m, const char *collector, int samples_fd, int lost_fd,
		       const char *samples_name, const char *samples_help);

#endif /* KPROF_STACK_MAPS_H */
