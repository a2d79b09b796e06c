/* SPDX-License-Identifier: MIT */
/*
 * The --by cgroup kernel maps on the userspace side, shared by the
 * collectors that have the breakdown: how big to make a (cgroup, ...) hash,
 * how to walk it, and the self-metric of events summed into cgroup="other".
 */
#ifndef KPROF_CGROUP_MAP_H
#define KPROF_CGROUP_MAP_H

#include <linux/types.h>
#include <stddef.h>
#include "cgroup_series.h"
#include "collector.h"
#include "model.h"

/*
 * Entries of a per-CPU hash whose values are value_size bytes on each CPU:
 * budget / (value_size x ncpus), clamped to [min, max].
 */
__u32 cgroup_map_entries(size_t value_size, size_t budget, __u32 min, __u32 max);

/*
 * Called once per entry: the key (its first 8 bytes the cgroup id) and the
 * values of every CPU, value_size bytes apart (one value for a hash that is
 * not per-CPU). A non-zero return stops the
 * walk and is returned by cgroup_map_walk().
 */
typedef int (*cgroup_map_fn)(const void *key, const void *values, void *ctx);

/*
 * Walks a per-CPU hash of (cgroup id, ...) keys, at most max_entries keys
 * (entries are never deleted, so the walk sees each once). 0 or -errno.
 */
int cgroup_map_walk(int fd, size_t key_size, size_t value_size, __u32 max_entries, cgroup_map_fn fn,
		    void *ctx);

/*
 * The labels of a collector's series with --by cgroup; NULL with err filled
 * and *ret set (-ENOENT: no cgroup v2 hierarchy mounted; -ENOMEM).
 */
struct cgroup_series *cgroup_map_series_new(const struct kprof_config *cfg, struct kprof_error *err,
					    int *ret);

/*
 * Adds n to kprof_cgroup_series_dropped_total{family}: events summed into
 * cgroup="other" because --cgroup.max-series cgroups already had series.
 */
int cgroup_dropped_add(struct model *m, const char *collector, const char *family, __u64 n);

#endif /* KPROF_CGROUP_MAP_H */
