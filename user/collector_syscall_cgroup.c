// SPDX-License-Identifier: MIT
/*
 * The syscall collector with --by cgroup: reads the (cgroup id, slot) hash
 * the BPF side fills instead of the per-slot array (with cgroup_map.c, which
 * also deletes the entries of cgroups gone for the grace period), and labels
 * each series with the cgroup's path, container and pod (cgroup_series.c,
 * which also applies the --cgroup.max-series cap).
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "collector_syscall.h"
#include "syscall.skel.h"

#define NAME	"syscall"
#define FAMILY	"kprof_syscall_latency_seconds"
#define NLABELS (1 + CGROUP_SERIES_NLABELS)

static const char *const label_names[NLABELS] = {"syscall", "cgroup", "container_id", "pod_uid"};

static __u64 total(const struct kprof_syscall_stats *vals, int ncpus)
{
	__u64 count = 0;

	for (int cpu = 0; cpu < ncpus; cpu++)
		count += vals[cpu].hist.count;
	return count;
}

static int add(struct family *f, const char *syscall, const struct cgroup_labels *l,
	       const struct kprof_syscall_stats *vals, int ncpus)
{
	const char *values[NLABELS] = {syscall, l->values[0], l->values[1], l->values[2]};
	struct series *s = family_series(f, values);

	if (!s)
		return -ENOMEM;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		hist_merge(s->hist, &vals[cpu].hist);
		s->errors += vals[cpu].errors;
	}
	return 0;
}

/* cgroup_map callbacks for the (cgroup id, slot) hash. */
struct read_ctx {
	struct family *f;
	const char *const *names;
};

static __u64 cg_count(const void *vals, int n)
{
	return total(vals, n);
}

static void cg_fold(void *acc, const void *vals, int n)
{
	struct kprof_syscall_stats *a = acc;
	const struct kprof_syscall_stats *v = vals;

	for (int i = 0; i < n; i++) {
		hist_merge(&a->hist, &v[i].hist);
		a->errors += v[i].errors;
	}
}

static int cg_emit(void *ctx, const void *key, const void *vals, int n,
		   const struct cgroup_labels *l)
{
	const struct kprof_syscall_cg_key *k = key;
	struct read_ctx *rc = ctx;

	if (k->slot >= KPROF_SYSCALL_SLOTS || !rc->names[k->slot])
		return 0; /* a slot newer than the names: next read */
	return add(rc->f, rc->names[k->slot], l, vals, n);
}

static const struct cgroup_map_ops cg_ops = {
	.count = cg_count,
	.fold = cg_fold,
	.emit = cg_emit,
};

struct cgroup_map *syscall_cgroup_map(struct syscall_bpf *skel, int *err)
{
	return cgroup_map_new(bpf_map__fd(skel->maps.syscall_cg_stats), &cg_ops, err);
}

/* The per-slot array: events that found the hash full, under cgroup="other". */
static int add_overflow(struct syscall_bpf *skel, struct family *f, const char *const *names)
{
	int ncpus = kprof_ncpus(), ret;
	struct kprof_syscall_stats *all = calloc((size_t)ncpus * KPROF_SYSCALL_SLOTS, sizeof(*all));
	struct cgroup_labels l;

	if (!all)
		return -ENOMEM;
	cgroup_series_other(&l);
	ret = kprof_array_read(bpf_map__fd(skel->maps.syscall_stats), KPROF_SYSCALL_SLOTS, all,
			       sizeof(*all), true);
	for (__u32 slot = 0; !ret && slot < KPROF_SYSCALL_SLOTS; slot++) {
		struct kprof_syscall_stats *vals = all + (size_t)slot * ncpus;

		if (names[slot] && total(vals, ncpus))
			ret = add(f, names[slot], &l, vals, ncpus);
	}
	free(all);
	return ret;
}

int syscall_collect_by_cgroup(struct syscall_bpf *skel, struct cgroup_series *cs,
			      struct cgroup_map *cm, const char *const *names, struct model *m)
{
	__u64 dropped = 0;
	struct family *f;
	int ret;

	f = model_family(m, NAME, FAMILY,
			 "Time from syscall entry to exit, per syscall and cgroup.",
			 FAMILY_HISTOGRAM, NLABELS, label_names);
	if (!f)
		return -ENOMEM;
	f->flags |= FAMILY_HAS_ERRORS;
	cgroup_series_read_begin(cs, cgroup_series_clock_ns());
	ret = cgroup_map_read(cm, cs, &(struct read_ctx){.f = f, .names = names}, &dropped);
	cgroup_series_read_end(cs, !ret);
	if (!ret)
		ret = add_overflow(skel, f, names);
	if (!ret)
		ret = cgroup_dropped_add(m, NAME, FAMILY, dropped);
	return ret;
}
