// SPDX-License-Identifier: MIT
/*
 * The syscall collector with --by cgroup: reads the (cgroup id, slot) hash
 * the BPF side fills instead of the per-slot array, and labels each series
 * with the cgroup's path, container and pod (cgroup_series.c, which also
 * applies the --cgroup.max-series cap).
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

/* The hash, one entry per (cgroup, syscall); *dropped gets the events over the cap. */
static int add_cgroups(struct syscall_bpf *skel, struct cgroup_series *cs, struct family *f,
		       const char *const *names, __u64 *dropped)
{
	int fd = bpf_map__fd(skel->maps.syscall_cg_stats), ncpus = kprof_ncpus(), ret = 0;
	__u32 max = bpf_map__max_entries(skel->maps.syscall_cg_stats), seen = 0;
	struct kprof_syscall_cg_key key, next, *prev = NULL;
	struct kprof_syscall_stats *vals = calloc(ncpus, sizeof(*vals));
	struct cgroup_labels l;

	if (!vals)
		return -ENOMEM;
	/* Entries are never deleted, so the walk sees each once; bounded anyway. */
	while (!ret && seen++ < max && !bpf_map_get_next_key(fd, prev, &next)) {
		__u64 count;

		key = next;
		prev = &key;
		if (key.slot >= KPROF_SYSCALL_SLOTS || !names[key.slot] ||
		    bpf_map_lookup_elem(fd, &key, vals))
			continue; /* a slot newer than the names: next read */
		count = total(vals, ncpus);
		if (!count)
			continue;
		if (!cgroup_series_labels(cs, key.cgroup_id, &l))
			*dropped += count;
		ret = add(f, names[key.slot], &l, vals, ncpus);
	}
	free(vals);
	return ret;
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

int syscall_collect_by_cgroup(struct syscall_bpf *skel, struct cgroup_series *cs, struct model *m)
{
	static const char *const family_l[] = {"family"};
	static const char *const family_v[] = {FAMILY};
	const char *names[KPROF_SYSCALL_SLOTS];
	char unknown[KPROF_SYSCALL_SLOTS][24];
	__u64 dropped = 0;
	struct family *f;
	int ret;

	f = model_family(m, NAME, FAMILY,
			 "Time from syscall entry to exit, per syscall and cgroup.",
			 FAMILY_HISTOGRAM, NLABELS, label_names);
	if (!f)
		return -ENOMEM;
	f->flags |= FAMILY_HAS_ERRORS;
	ret = syscall_slot_names(skel, names, unknown);
	if (!ret)
		ret = add_cgroups(skel, cs, f, names, &dropped);
	if (!ret)
		ret = add_overflow(skel, f, names);
	if (!ret &&
	    !model_counter_add(m, NAME, "kprof_cgroup_series_dropped_total",
			       "Events summed into cgroup=\"other\" because "
			       "--cgroup.max-series cgroups already had series, per family.",
			       1, family_l, family_v, (double)dropped))
		ret = -ENOMEM;
	return ret;
}
