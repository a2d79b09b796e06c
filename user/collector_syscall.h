/* SPDX-License-Identifier: MIT */
/* The syscall collector's two files: collector_syscall.c and its --by cgroup part. */
#ifndef KPROF_COLLECTOR_SYSCALL_H
#define KPROF_COLLECTOR_SYSCALL_H

#include "cgroup_map.h"
#include "cgroup_series.h"
#include "model.h"
#include "kprof/syscall.h"

struct syscall_bpf;

/* After load: the reader of the (cgroup, slot) hash. NULL with -errno in *err. */
struct cgroup_map *syscall_cgroup_map(struct syscall_bpf *skel, int *err);

/*
 * kprof_syscall_latency_seconds{syscall,cgroup,container_id,pod_uid} from
 * the (cgroup, slot) hash (cm), the per-slot array's events (the kernel map
 * was full) under cgroup="other", and kprof_cgroup_series_dropped_total.
 * names: slot -> syscall name (the collector's cache; NULL: not named yet,
 * that slot's events wait for the next read).
 */
int syscall_collect_by_cgroup(struct syscall_bpf *skel, struct cgroup_series *cs,
			      struct cgroup_map *cm, const char *const *names, struct model *m);

#endif /* KPROF_COLLECTOR_SYSCALL_H */
