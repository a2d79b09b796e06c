/* SPDX-License-Identifier: MIT */
/*
 * The sched collector's kernel-dependent choices, exposed so that tests can
 * force the code paths of older kernels on the running one.
 */
#ifndef KPROF_COLLECTOR_SCHED_H
#define KPROF_COLLECTOR_SCHED_H

#include <stdbool.h>
#include "collector.h"
#include "kprof/sched.h"

struct sched_features {
	/* sched_switch passes prev_state (5.18+); else read task_struct's state. */
	bool prev_state_arg;
	/* Task-local storage for tracing programs (5.11+); else a bounded hash. */
	bool task_storage;
};

/* What the running kernel offers. */
void sched_features_detect(struct sched_features *f);

/* collector_sched.start with the given features instead of detected ones. */
int sched_start_with(const struct kprof_config *cfg, const struct sched_features *f, void **state,
		     struct bpf_object **obj, struct kprof_error *err);

extern const struct collector_desc collector_sched;

/* The three histogram families, by enum kprof_sched_hist. */
struct sched_family {
	const char *name, *help;
};
extern const struct sched_family sched_families[KPROF_SCHED_HISTS];

struct sched_bpf;
struct cgroup_map;
struct cgroup_series;

/* After load, --by cgroup: the reader of the per-cgroup hash. NULL with -errno in *err. */
struct cgroup_map *sched_cgroup_map(struct sched_bpf *skel, int *err);

/*
 * The three families with {cgroup, container_id, pod_uid} from the per-cgroup
 * hash (cm; entries of cgroups gone for the grace period deleted), the
 * array's events (the hash was full) under cgroup="other", and
 * kprof_cgroup_series_dropped_total per family. 0 or -errno.
 */
int sched_collect_by_cgroup(struct sched_bpf *skel, struct cgroup_series *cs, struct cgroup_map *cm,
			    struct model *m);

#endif /* KPROF_COLLECTOR_SCHED_H */
