// SPDX-License-Identifier: MIT
/*
 * The sched collector with --by cgroup: reads the per-cgroup hash the BPF
 * side fills instead of the array, and labels each series with the cgroup's
 * path, container and pod (cgroup_series.c, which also applies the
 * --cgroup.max-series cap, one admission set for the three families).
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "cgroup_map.h"
#include "collector_sched.h"
#include "sched.skel.h"

#define NAME "sched"

struct read {
	struct family *f[KPROF_SCHED_HISTS];
	struct cgroup_series *cs;
	int ncpus;
	__u64 dropped[KPROF_SCHED_HISTS];
};

/* Adds each CPU's histograms to the series of labels l; counts[h] gets the events. */
static int add(struct read *r, const struct cgroup_labels *l, const struct kprof_sched_stats *vals,
	       __u64 *counts)
{
	for (int h = 0; h < KPROF_SCHED_HISTS; h++) {
		struct series *s;

		counts[h] = 0;
		for (int cpu = 0; cpu < r->ncpus; cpu++)
			counts[h] += vals[cpu].hist[h].count;
		if (!counts[h])
			continue;
		s = family_series(r->f[h], l->values);
		if (!s)
			return -ENOMEM;
		for (int cpu = 0; cpu < r->ncpus; cpu++)
			hist_merge(s->hist, &vals[cpu].hist[h]);
	}
	return 0;
}

static int add_entry(const void *key, const void *values, void *ctx)
{
	const struct kprof_sched_stats *vals = values;
	__u64 id = *(const __u64 *)key, counts[KPROF_SCHED_HISTS], any = 0;
	struct read *r = ctx;
	struct cgroup_labels l;
	bool own;
	int ret;

	for (int cpu = 0; cpu < r->ncpus; cpu++)
		for (int h = 0; h < KPROF_SCHED_HISTS; h++)
			any |= vals[cpu].hist[h].count;
	if (!any)
		return 0; /* inserted, not yet counted: no series, no admission */
	own = cgroup_series_labels(r->cs, id, &l);
	ret = add(r, &l, vals, counts);
	for (int h = 0; !own && h < KPROF_SCHED_HISTS; h++)
		r->dropped[h] += counts[h];
	return ret;
}

/* The array: events that found the hash full, under cgroup="other". */
static int add_overflow(struct sched_bpf *skel, struct read *r)
{
	struct kprof_sched_stats *all = calloc(r->ncpus, sizeof(*all));
	__u64 counts[KPROF_SCHED_HISTS];
	struct cgroup_labels l;
	int ret;

	if (!all)
		return -ENOMEM;
	cgroup_series_other(&l);
	ret = kprof_array_read(bpf_map__fd(skel->maps.sched_stats), 1, all, sizeof(*all), true);
	if (!ret)
		ret = add(r, &l, all, counts);
	free(all);
	return ret;
}

int sched_collect_by_cgroup(struct sched_bpf *skel, struct cgroup_series *cs, struct model *m)
{
	static const char *const *labels = cgroup_series_label_names;
	struct read r = {.cs = cs, .ncpus = kprof_ncpus()};
	const struct bpf_map *map = skel->maps.sched_cg_stats;
	int ret;

	for (int h = 0; h < KPROF_SCHED_HISTS; h++) {
		r.f[h] = model_family(m, NAME, sched_families[h].name, sched_families[h].help,
				      FAMILY_HISTOGRAM, CGROUP_SERIES_NLABELS, labels);
		if (!r.f[h])
			return -ENOMEM;
	}
	ret = cgroup_map_walk(bpf_map__fd(map), sizeof(__u64), sizeof(struct kprof_sched_stats),
			      bpf_map__max_entries(map), add_entry, &r);
	if (!ret)
		ret = add_overflow(skel, &r);
	for (int h = 0; !ret && h < KPROF_SCHED_HISTS; h++)
		ret = cgroup_dropped_add(m, NAME, sched_families[h].name, r.dropped[h]);
	return ret;
}
