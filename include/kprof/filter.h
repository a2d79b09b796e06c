/* SPDX-License-Identifier: MIT */
/* Task filters shared by every collector (--pid, --comm, --cgroup). */
#ifndef KPROF_FILTER_H
#define KPROF_FILTER_H

/* --pid is repeatable; this many processes at most. */
#define KPROF_MAX_PIDS 64
#define KPROF_COMM_LEN 16
/* --cgroup is repeatable; this many cgroups (and their subtrees) at most. */
#define KPROF_MAX_CGROUPS 16
/*
 * Ancestors walked to decide whether another task (not the current one) is
 * in a selected subtree. Kubernetes containers sit at depth 4 to 6; a task
 * deeper than this below every selected cgroup is not selected.
 */
#define KPROF_CGROUP_MAX_DEPTH 32

#endif /* KPROF_FILTER_H */
