/* SPDX-License-Identifier: MIT */
/*
 * --by cgroup: one read of a BPF hash whose key begins with a __u64 cgroup
 * id (then the collector's own key: a syscall slot, a histogram kind...),
 * per-CPU or not. It labels each entry with cgroup_series, calls the
 * collector back per entry, and does the grace-period work the same way
 * for every collector:
 *
 * - entries of evicted cgroups are collected during the walk and deleted
 *   after it (a delete during bpf_map_get_next_key would restart the walk);
 * - entries of cgroups summed under a shared label ("other", "gone", or a
 *   path that a cgroup made again under it has too) are carried into a
 *   userspace accumulator before they are deleted, and the accumulator is
 *   emitted on every read, so those counters never go down.
 *
 * Used by the syscall, sched and tcp collectors (user/collector_*_cgroup.c;
 * tcp reads two maps between one read_begin and read_end):
 *
 *	cm = cgroup_map_new(bpf_map__fd(skel->maps.x), &ops, &err);   // at start
 *	...
 *	cgroup_series_read_begin(cs, cgroup_series_clock_ns());        // per read
 *	ret = cgroup_map_read(cm, cs, ctx, &dropped);                  // each map
 *	cgroup_series_read_end(cs, !ret);
 */
#ifndef KPROF_CGROUP_MAP_H
#define KPROF_CGROUP_MAP_H

#include <stddef.h>
#include <linux/types.h>
#include "cgroup_series.h"
#include "collector.h"
#include "model.h"

/*
 * vals below: n values of the map's value_size rounded up to 8 bytes (how
 * the kernel lays out per-CPU values): one per possible CPU for a per-CPU
 * map, 1 for a plain map and for carried counts.
 */
struct cgroup_map_ops {
	/* Events in the n values (to see a cgroup grow; for the dropped counter). */
	__u64 (*count)(const void *vals, int n);
	/* Adds the n values into acc: one value, zeroed when new. */
	void (*fold)(void *acc, const void *vals, int n);
	/*
	 * Adds the n values of key to the series labelled l (l->values: see
	 * cgroup_series_label_names). key's cgroup id is 0 for carried counts.
	 * -errno stops the read.
	 */
	int (*emit)(void *ctx, const void *key, const void *vals, int n,
		    const struct cgroup_labels *l);
};

struct cgroup_map;

/*
 * The map behind fd (its sizes and type from the kernel: call it before
 * capabilities are dropped). NULL with -errno in *err: -EINVAL when the key
 * is shorter than 8 bytes, -ENOMEM.
 */
struct cgroup_map *cgroup_map_new(int fd, const struct cgroup_map_ops *ops, int *err);
void cgroup_map_free(struct cgroup_map *cm);

/*
 * One read, between cgroup_series_read_begin() and _end(): emits every
 * entry under its labels, then the carried counts; deletes the entries of
 * evicted cgroups. *dropped gets the events under "other" (cumulative,
 * carried ones included). 0 or -errno (from emit, or -ENOMEM).
 */
int cgroup_map_read(struct cgroup_map *cm, struct cgroup_series *cs, void *ctx, __u64 *dropped);

/* The same setup for every collector with --by cgroup. */

/*
 * Entries of a per-CPU hash whose values are value_size bytes on each CPU:
 * budget / (value_size x ncpus), clamped to [min, max].
 */
__u32 cgroup_map_entries(size_t value_size, size_t budget, __u32 min, __u32 max);

/*
 * The labels of a collector's series with --by cgroup (--cgroup.max-series,
 * --cgroup.grace from cfg); NULL with err filled and *ret set (-ENOENT: no
 * cgroup v2 hierarchy mounted; -ENOMEM).
 */
struct cgroup_series *cgroup_map_series_new(const struct kprof_config *cfg, struct kprof_error *err,
					    int *ret);

/*
 * Adds n to kprof_cgroup_series_dropped_total{family}: events summed into
 * cgroup="other" because --cgroup.max-series cgroups already had series.
 */
int cgroup_dropped_add(struct model *m, const char *collector, const char *family, __u64 n);

#endif /* KPROF_CGROUP_MAP_H */
