// SPDX-License-Identifier: MIT
/*
 * The sched collector with --by cgroup: reads the per-cgroup hash the BPF
 * side fills instead of the array (with cgroup_map.c, which also deletes the
 * entries of cgroups gone for the grace period), and labels each series with
 * the cgroup's path, container and pod (cgroup_series.c, which also applies
 * the --cgroup.max-series cap, one admission set for the three families).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "cgroup_map.h"
#include "collector_sched.h"
#include "sched.skel.h"

#define NAME "sched"

struct read {
	struct family *f[KPROF_SCHED_HISTS];
	__u64 dropped[KPROF_SCHED_HISTS];
};

/* Adds the n values' histograms to the series of labels l; counts[h] gets the events. */
static int add(struct read *r, const struct cgroup_labels *l, const struct kprof_sched_stats *vals,
	       int n, __u64 *counts)
{
	for (int h = 0; h < KPROF_SCHED_HISTS; h++) {
		struct series *s;

		counts[h] = 0;
		for (int i = 0; i < n; i++)
			counts[h] += vals[i].hist[h].count;
		if (!counts[h])
			continue;
		s = family_series(r->f[h], l->values);
		if (!s)
			return -ENOMEM;
		for (int i = 0; i < n; i++)
			hist_merge(s->hist, &vals[i].hist[h]);
	}
	return 0;
}

/* cgroup_map callbacks for the per-cgroup hash (key: the cgroup id alone). */
static __u64 cg_count(const void *vals, int n)
{
	const struct kprof_sched_stats *v = vals;
	__u64 count = 0;

	for (int i = 0; i < n; i++)
		for (int h = 0; h < KPROF_SCHED_HISTS; h++)
			count += v[i].hist[h].count;
	return count;
}

static void cg_fold(void *acc, const void *vals, int n)
{
	struct kprof_sched_stats *a = acc;
	const struct kprof_sched_stats *v = vals;

	for (int i = 0; i < n; i++)
		for (int h = 0; h < KPROF_SCHED_HISTS; h++)
			hist_merge(&a->hist[h], &v[i].hist[h]);
}

static int cg_emit(void *ctx, const void *key, const void *vals, int n,
		   const struct cgroup_labels *l)
{
	__u64 counts[KPROF_SCHED_HISTS];
	struct read *r = ctx;
	int ret;

	(void)key;
	ret = add(r, l, vals, n, counts);
	/* cgroup_map counts "other" as dropped in one sum; here per family. */
	for (int h = 0; !strcmp(l->cgroup, "other") && h < KPROF_SCHED_HISTS; h++)
		r->dropped[h] += counts[h];
	return ret;
}

static const struct cgroup_map_ops cg_ops = {
	.count = cg_count,
	.fold = cg_fold,
	.emit = cg_emit,
};

struct cgroup_map *sched_cgroup_map(struct sched_bpf *skel, int *err)
{
	return cgroup_map_new(bpf_map__fd(skel->maps.sched_cg_stats), &cg_ops, err);
}

/* The array: events that found the hash full, under cgroup="other" (not dropped: lost). */
static int add_overflow(struct sched_bpf *skel, struct read *r)
{
	int ncpus = kprof_ncpus(), ret;
	struct kprof_sched_stats *all = calloc(ncpus, sizeof(*all));
	__u64 counts[KPROF_SCHED_HISTS];
	struct cgroup_labels l;

	if (!all)
		return -ENOMEM;
	cgroup_series_other(&l);
	ret = kprof_array_read(bpf_map__fd(skel->maps.sched_stats), 1, all, sizeof(*all), true);
	if (!ret)
		ret = add(r, &l, all, ncpus, counts);
	free(all);
	return ret;
}

int sched_collect_by_cgroup(struct sched_bpf *skel, struct cgroup_series *cs, struct cgroup_map *cm,
			    struct model *m)
{
	static const char *const *labels = cgroup_series_label_names;
	struct read r = {0};
	__u64 dropped = 0;
	int ret;

	for (int h = 0; h < KPROF_SCHED_HISTS; h++) {
		r.f[h] = model_family(m, NAME, sched_families[h].name, sched_families[h].help,
				      FAMILY_HISTOGRAM, CGROUP_SERIES_NLABELS, labels);
		if (!r.f[h])
			return -ENOMEM;
	}
	cgroup_series_read_begin(cs, cgroup_series_clock_ns());
	ret = cgroup_map_read(cm, cs, &r, &dropped);
	cgroup_series_read_end(cs, !ret);
	if (!ret)
		ret = add_overflow(skel, &r);
	for (int h = 0; !ret && h < KPROF_SCHED_HISTS; h++)
		ret = cgroup_dropped_add(m, NAME, sched_families[h].name, r.dropped[h]);
	return ret;
}
