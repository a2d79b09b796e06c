// SPDX-License-Identifier: MIT
/* Userspace side of the syscall collector: load, attach, read its maps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "cgroup_series.h"
#include "collector.h"
#include "collector_syscall.h"
#include "syscall_names.h"
#include "kprof/syscall.h"
#include "syscall.skel.h"

#define NAME "syscall"

struct syscall_state {
	struct syscall_bpf *skel;
	/* --by cgroup only (NULL otherwise). */
	struct cgroup_series *cgroups;
	struct cgroup_map *cg_map;
	/*
	 * Slot -> name, read again only when slots were handed out since: a
	 * slot keeps its syscall for the collector's life. Slots below named
	 * all have their names.
	 */
	const char *names[KPROF_SYSCALL_SLOTS];
	char unknown[KPROF_SYSCALL_SLOTS][24];
	__u32 named;
};

static void syscall_stop(void *state)
{
	struct syscall_state *st = state;

	if (!st)
		return;
	syscall_bpf__destroy(st->skel);
	cgroup_map_free(st->cg_map);
	cgroup_series_free(st->cgroups);
	free(st);
}

static int by_cgroup_setup(const struct kprof_config *cfg, struct syscall_state *st,
			   struct kprof_error *err)
{
	int ret = 0;

	st->cgroups = cgroup_map_series_new(cfg, err, &ret);
	if (!st->cgroups)
		return ret;
	st->skel->rodata->by_cgroup = true;
	/* A memory budget, see KPROF_SYSCALL_CG_BUDGET. */
	ret = bpf_map__set_max_entries(
		st->skel->maps.syscall_cg_stats,
		cgroup_map_entries(sizeof(struct kprof_syscall_stats), KPROF_SYSCALL_CG_BUDGET,
				   KPROF_SYSCALL_CG_ENTRIES_MIN, KPROF_SYSCALL_CG_ENTRIES_MAX));
	if (ret)
		kprof_explain_bpf_error(NAME, "size the cgroup map", ret, err);
	return ret;
}

static int syscall_start(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
			 struct kprof_error *err)
{
	struct syscall_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	st->skel = syscall_bpf__open();
	if (!st->skel) {
		ret = -errno;
		kprof_explain_bpf_error(NAME, "open", ret, err);
		goto out_destroy;
	}
	KPROF_SET_FILTER_RODATA(st->skel, cfg);
	if (cfg->by_cgroup) {
		ret = by_cgroup_setup(cfg, st, err);
		if (ret)
			goto out_destroy;
	}
	ret = kprof_skel_load_attach(NAME, st->skel->skeleton, cfg, true, err);
	if (ret)
		goto out_destroy;
	if (st->cgroups) {
		st->cg_map = syscall_cgroup_map(st->skel, &ret);
		if (!st->cg_map) {
			kprof_explain_bpf_error(NAME, "read the cgroup map's info", ret, err);
			goto out_destroy;
		}
	}
	*state = st;
	*obj = st->skel->obj;
	return 0;
out_destroy:
	syscall_stop(st);
	return ret;
}

static const char *const syscall_label[] = {"syscall"};

/*
 * Slot -> syscall name ("other" for slot 0, NULL for unused slots), from
 * the syscall -> slot array the BPF side fills. 0 or -errno.
 */
static int syscall_slot_names(struct syscall_bpf *skel, const char *names[KPROF_SYSCALL_SLOTS],
			      char (*unknown)[24])
{
	__u32 slots[KPROF_SYSCALL_NR_MAX];
	int ret;

	ret = kprof_array_read(bpf_map__fd(skel->maps.syscall_slot), KPROF_SYSCALL_NR_MAX, slots,
			       sizeof(slots[0]), false);
	if (ret)
		return ret;
	for (int i = 0; i < KPROF_SYSCALL_SLOTS; i++)
		names[i] = NULL;
	names[0] = "other";
	for (__u32 nr = 0; nr < KPROF_SYSCALL_NR_MAX; nr++)
		if (slots[nr] > 0 && slots[nr] < KPROF_SYSCALL_SLOTS)
			names[slots[nr]] = syscall_name(nr, unknown[slots[nr]], sizeof(unknown[0]));
	return 0;
}

/* Slots handed out so far, "other" included: the entries worth reading. */
static __u32 slots_used(struct syscall_bpf *skel)
{
	/* The BPF side may count past the last slot: it then hands out none. */
	__u32 next = __atomic_load_n(&skel->bss->next_slot, __ATOMIC_RELAXED);

	return (next < KPROF_SYSCALL_SLOTS - 1 ? next : KPROF_SYSCALL_SLOTS - 1) + 1;
}

/* The names of slots 0..used-1, from the cache or read again. */
static int slot_names(struct syscall_state *st, __u32 used)
{
	int ret;

	if (st->named >= used)
		return 0;
	ret = syscall_slot_names(st->skel, st->names, st->unknown);
	if (ret)
		return ret;
	/* A slot is counted before its syscall's entry is written: not named yet. */
	for (st->named = 0; st->named < used && st->names[st->named]; st->named++)
		;
	return 0;
}

static int collect_latency(struct syscall_state *st, struct model *m)
{
	struct syscall_bpf *skel = st->skel;
	int ncpus = kprof_ncpus(), fd = bpf_map__fd(skel->maps.syscall_stats), ret;
	__u32 used = slots_used(skel);
	struct kprof_syscall_stats *all;
	struct family *f;

	f = model_family(m, NAME, "kprof_syscall_latency_seconds",
			 "Time from syscall entry to exit, per syscall.", FAMILY_HISTOGRAM, 1,
			 syscall_label);
	if (!f)
		return -ENOMEM;
	f->flags |= FAMILY_HAS_ERRORS;
	ret = slot_names(st, used);
	if (ret)
		return ret;
	/* Only the slots in use: 1.4 KiB per slot and CPU, copied on every scrape. */
	all = calloc((size_t)ncpus * used, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = kprof_array_read(fd, used, all, sizeof(*all), true);
	for (__u32 slot = 0; !ret && slot < used; slot++) {
		struct kprof_syscall_stats *vals = all + (size_t)slot * ncpus;
		struct series *s;
		__u64 count = 0;

		for (int cpu = 0; cpu < ncpus; cpu++)
			count += vals[cpu].hist.count;
		if (!count || !st->names[slot])
			continue;
		s = family_series(f, &st->names[slot]);
		if (!s) {
			ret = -ENOMEM;
			break;
		}
		for (int cpu = 0; cpu < ncpus; cpu++) {
			hist_merge(s->hist, &vals[cpu].hist);
			s->errors += vals[cpu].errors;
		}
	}
	free(all);
	return ret;
}

static int collect_errors(struct syscall_bpf *skel, struct model *m)
{
	static const char *const labels[] = {"syscall", "errno"};
	int fd = bpf_map__fd(skel->maps.syscall_errors), ret;
	struct kprof_syscall_errno_key *keys;
	struct family *f;
	__u64 *counts;
	__u32 n = 0;

	f = model_family(m, NAME, "kprof_syscall_errors_total",
			 "Syscalls that returned an error, per syscall and errno.", FAMILY_COUNTER,
			 2, labels);
	if (!f)
		return -ENOMEM;
	/* Bounded by KPROF_SYSCALL_ERRNO_MAX (32 KiB); read in batches, not key by key. */
	keys = calloc(KPROF_SYSCALL_ERRNO_MAX, sizeof(*keys));
	counts = calloc(KPROF_SYSCALL_ERRNO_MAX, sizeof(*counts));
	ret = keys && counts ? 0 : -ENOMEM;
	if (!ret)
		ret = kprof_hash_read(fd, sizeof(*keys), sizeof(*counts), KPROF_SYSCALL_ERRNO_MAX,
				      keys, counts, &n);
	for (__u32 i = 0; !ret && i < n; i++) {
		char nrbuf[24], errbuf[24];
		const char *values[2];
		struct series *s;

		values[0] = syscall_name(keys[i].nr, nrbuf, sizeof(nrbuf));
		values[1] = strerrorname_np(keys[i].err);
		if (!values[1]) {
			snprintf(errbuf, sizeof(errbuf), "%u", keys[i].err);
			values[1] = errbuf;
		}
		s = family_series(f, values);
		if (!s)
			ret = -ENOMEM;
		else
			s->value += counts[i];
	}
	free(keys);
	free(counts);
	return ret;
}

static const char *const lost_reasons[KPROF_SYSCALL_LOST_REASONS] = {
	[KPROF_SYSCALL_LOST_STORAGE] = "task_storage_unavailable",
	[KPROF_SYSCALL_LOST_SLOTS] = "syscall_slots_full",
	[KPROF_SYSCALL_LOST_ERRNO_MAP] = "errno_map_full",
	[KPROF_SYSCALL_LOST_CG_MAP] = "cgroup_map_full",
};

static int syscall_collect(void *state, struct model *m)
{
	struct syscall_state *st = state;
	struct syscall_bpf *skel = st->skel;
	int ret;

	if (st->cgroups) {
		ret = slot_names(st, slots_used(skel));
		if (!ret)
			ret = syscall_collect_by_cgroup(skel, st->cgroups, st->cg_map, st->names,
							m);
	} else {
		ret = collect_latency(st, m);
	}
	if (!ret)
		ret = collect_errors(skel, m);
	if (!ret)
		ret = kprof_collect_lost(m, NAME, bpf_map__fd(skel->maps.syscall_lost),
					 lost_reasons, KPROF_SYSCALL_LOST_REASONS);
	return ret;
}

static void syscall_close_object(void *state)
{
	syscall_bpf__destroy(state);
}

static struct bpf_object *syscall_open_object(void **state)
{
	struct syscall_bpf *skel = syscall_bpf__open();

	*state = skel;
	return skel ? skel->obj : NULL;
}

static const char *const tracepoints[] = {"sys_enter", "sys_exit", NULL};

const struct collector_desc collector_syscall = {
	.name = NAME,
	.summary = "latency and errors of every syscall, per syscall",
	.tracepoints = tracepoints,
	.start = syscall_start,
	.collect = syscall_collect,
	.stop = syscall_stop,
	.open_object = syscall_open_object,
	.close_object = syscall_close_object,
	.by_cgroup = true,
};
