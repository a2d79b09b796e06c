// SPDX-License-Identifier: MIT
/* Userspace side of the sched collector: pick the kernel's variant, load, read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "cgroup_map.h"
#include "collector_sched.h"
#include "kprof/sched.h"
#include "sched.skel.h"

#define NAME "sched"

struct sched_state {
	struct sched_bpf *skel;
	/* --by cgroup only (NULL otherwise). */
	struct cgroup_series *cgroups;
	struct cgroup_map *cg_map;
};

/* Parameters of the tracepoint's BTF prototype, after the hidden void *__data. */
static int tracepoint_nargs(const struct btf *btf, const char *tp)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL; /* pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	return btf_vlen(t) - 1;
}

void sched_features_detect(struct sched_features *f)
{
	struct btf *btf = btf__load_vmlinux_btf();

	/* Without BTF nothing loads anyway; the modern layout is the default. */
	f->prev_state_arg = !btf || tracepoint_nargs(btf, "sched_switch") >= 4;
	btf__free(btf);
	/*
	 * The map type and its use by tracing programs both came in 5.11. The
	 * probe needs privilege; unprivileged (kprof list), assume a new kernel.
	 */
	f->task_storage = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) != 0;
}

/* Between open and load: the variant for this kernel, one map of the two. */
static void configure(struct sched_bpf *skel, const struct sched_features *f)
{
	skel->rodata->has_prev_state = f->prev_state_arg;
	skel->rodata->use_task_storage = f->task_storage;
	bpf_map__set_autocreate(skel->maps.sched_task_storage, f->task_storage);
	bpf_map__set_autocreate(skel->maps.sched_task_hash, !f->task_storage);
	/* kprof_sched_switch_cg replaces kprof_sched_switch with --by cgroup only. */
	bpf_program__set_autoload(skel->progs.kprof_sched_switch_cg, false);
}

static void sched_stop(void *state)
{
	struct sched_state *st = state;

	if (!st)
		return;
	sched_bpf__destroy(st->skel);
	cgroup_map_free(st->cg_map);
	cgroup_series_free(st->cgroups);
	free(st);
}

/* --by cgroup, between open and load: the flag, the hash's size, the labels. */
static int by_cgroup_setup(const struct kprof_config *cfg, struct sched_state *st,
			   struct kprof_error *err)
{
	int ret = 0;

	st->cgroups = cgroup_map_series_new(cfg, err, &ret);
	if (!st->cgroups)
		return ret;
	bpf_program__set_autoload(st->skel->progs.kprof_sched_switch, false);
	bpf_program__set_autoload(st->skel->progs.kprof_sched_switch_cg, true);
	ret = bpf_map__set_max_entries(
		st->skel->maps.sched_cg_stats,
		cgroup_map_entries(sizeof(struct kprof_sched_stats), KPROF_SCHED_CG_BUDGET,
				   KPROF_SCHED_CG_ENTRIES_MIN, KPROF_SCHED_CG_ENTRIES_MAX));
	if (ret)
		kprof_explain_bpf_error(NAME, "size the cgroup map", ret, err);
	return ret;
}

int sched_start_with(const struct kprof_config *cfg, const struct sched_features *f, void **state,
		     struct bpf_object **obj, struct kprof_error *err)
{
	struct sched_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	st->skel = sched_bpf__open();
	if (!st->skel) {
		ret = -errno;
		kprof_explain_bpf_error(NAME, "open", ret, err);
		goto out_stop;
	}
	configure(st->skel, f);
	KPROF_SET_FILTER_RODATA(st->skel, cfg);
	if (cfg->by_cgroup) {
		ret = by_cgroup_setup(cfg, st, err);
		if (ret)
			goto out_stop;
	}
	ret = kprof_skel_load_attach(NAME, st->skel->skeleton, cfg, true, err);
	if (ret)
		goto out_stop;
	if (st->cgroups) {
		st->cg_map = sched_cgroup_map(st->skel, &ret);
		if (!st->cg_map) {
			kprof_explain_bpf_error(NAME, "read the cgroup map's info", ret, err);
			goto out_stop;
		}
	}
	*state = st;
	*obj = st->skel->obj;
	return 0;
out_stop:
	sched_stop(st);
	return ret;
}

static int sched_start(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
		       struct kprof_error *err)
{
	struct sched_features f;

	sched_features_detect(&f);
	return sched_start_with(cfg, &f, state, obj, err);
}

const struct sched_family sched_families[KPROF_SCHED_HISTS] = {
	[KPROF_SCHED_RUNQ] = {"kprof_sched_runqueue_latency_seconds",
			      "Time from becoming runnable (wakeup or preemption) to running "
			      "on a CPU."},
	[KPROF_SCHED_OFFCPU] = {"kprof_sched_offcpu_seconds",
				"Time from being switched out blocked to being switched back "
				"in."},
	[KPROF_SCHED_ONCPU] = {"kprof_sched_oncpu_seconds",
			       "Time from being switched in to being switched out."},
};

static const char *const lost_reasons[KPROF_SCHED_LOST_REASONS] = {
	[KPROF_SCHED_LOST_STORAGE] = "task_storage_unavailable",
	[KPROF_SCHED_LOST_MAP_FULL] = "task_map_full",
	[KPROF_SCHED_LOST_CG_MAP] = "cgroup_map_full",
	[KPROF_SCHED_LOST_UNSEEN_RUNQ] = "unseen_runqueue",
	[KPROF_SCHED_LOST_UNSEEN_OFFCPU] = "unseen_offcpu",
	[KPROF_SCHED_LOST_UNSEEN_ONCPU] = "unseen_oncpu",
};

/*
 * Runs the kernel skipped because the same program was already running on
 * that CPU (a wakeup from an interrupt that hit the wakeup program): counted
 * by the kernel per program since 5.12, reported as lost events.
 */
static int collect_recursion_misses(struct sched_bpf *skel, struct model *m)
{
	static const char *const labels[] = {"collector", "reason"};
	static const char *const values[] = {NAME, "program_recursion"};
	struct bpf_program *prog;
	double misses = 0;

	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			misses += info.recursion_misses;
	}
	return model_counter_add(m, "kprof", "kprof_lost_events_total",
				 "Events a collector could not record, by reason.", 2, labels,
				 values, misses)
		       ? 0
		       : -ENOMEM;
}

static int collect_hosts(struct sched_bpf *skel, struct model *m)
{
	int ncpus = kprof_ncpus(), ret;
	struct kprof_sched_stats *all;

	all = calloc(ncpus, sizeof(*all));
	if (!all)
		return -ENOMEM;
	ret = kprof_array_read(bpf_map__fd(skel->maps.sched_stats), 1, all, sizeof(*all), true);
	for (int h = 0; !ret && h < KPROF_SCHED_HISTS; h++) {
		struct family *f = model_family(m, NAME, sched_families[h].name,
						sched_families[h].help, FAMILY_HISTOGRAM, 0, NULL);
		struct series *s = f ? family_series(f, NULL) : NULL;

		if (!s) {
			ret = -ENOMEM;
			break;
		}
		for (int cpu = 0; cpu < ncpus; cpu++)
			hist_merge(s->hist, &all[cpu].hist[h]);
	}
	free(all);
	return ret;
}

static int sched_collect(void *state, struct model *m)
{
	struct sched_state *st = state;
	int ret;

	ret = st->cgroups ? sched_collect_by_cgroup(st->skel, st->cgroups, st->cg_map, m)
			  : collect_hosts(st->skel, m);
	if (!ret)
		ret = kprof_collect_lost(m, NAME, bpf_map__fd(st->skel->maps.sched_lost),
					 lost_reasons, KPROF_SCHED_LOST_REASONS);
	if (!ret)
		ret = collect_recursion_misses(st->skel, m);
	return ret;
}

static void sched_close_object(void *state)
{
	sched_bpf__destroy(state);
}

static struct bpf_object *sched_open_object(void **state)
{
	struct sched_bpf *skel = sched_bpf__open();
	struct sched_features f;

	*state = skel;
	if (!skel)
		return NULL;
	sched_features_detect(&f);
	configure(skel, &f);
	return skel->obj;
}

static const char *const tracepoints[] = {"sched_wakeup", "sched_wakeup_new", "sched_switch", NULL};

const struct collector_desc collector_sched = {
	.name = NAME,
	.summary = "run-queue latency, off-CPU time and on-CPU slices of every thread",
	.tracepoints = tracepoints,
	.start = sched_start,
	.collect = sched_collect,
	.stop = sched_stop,
	.open_object = sched_open_object,
	.close_object = sched_close_object,
	.by_cgroup = true,
};
