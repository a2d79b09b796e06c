/* SPDX-License-Identifier: MIT */
/*
 * --cgroup: paths relative to the cgroup v2 mount, checked when parsed, and
 * the BPF side's filter (bpf/filter.bpf.h) set up between open and load.
 */
#ifndef KPROF_CGROUP_FILTER_H
#define KPROF_CGROUP_FILTER_H

#include <linux/types.h>
#include "collector.h"
#include "config.h"

struct bpf_object;

/*
 * 0 when path names a cgroup under the cgroup v2 mount (found in
 * /proc/self/mountinfo), else -errno with one sentence in err.
 */
int cgroup_filter_check(const char *path, struct kprof_error *err);

/*
 * Before load: opens each --cgroup directory into a fresh cgroup array that
 * the object's filter_cgroups map reuses, and writes each cgroup's id to
 * ids. Returns cfg->ncgroups, the value of filter_ncgroups. A failure (the
 * cgroup vanished since parsing) leaves the map empty, so nothing is
 * selected, and is returned by the next cgroup_filter_take_error().
 */
__u32 cgroup_filter_prepare(struct bpf_object *obj, const struct kprof_config *cfg, __u64 *ids);

/* The pending error of cgroup_filter_prepare() (0 or -errno), cleared. */
int cgroup_filter_take_error(void);

#endif /* KPROF_CGROUP_FILTER_H */
