// SPDX-License-Identifier: MIT
/* Userspace side of the offcpu collector: load, attach, read its maps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "collector.h"
#include "kprof/stack.h"
#include "stack_maps.h"
#include "offcpu.skel.h"

#define NAME "offcpu"

/*
 * Opens, configures and loads one variant: stacks walked at switch-in
 * (sched_exit_tp, Linux 6.16+) or at every switch-out (older kernels).
 */
static int offcpu_load(const struct kprof_config *cfg, bool at_switch_out, struct offcpu_bpf **out,
		       struct kprof_error *err)
{
	struct offcpu_bpf *skel = offcpu_bpf__open();
	int ret;

	if (!skel) {
		ret = -errno;
		kprof_explain_bpf_error(NAME, "open", ret, err);
		return ret;
	}
	KPROF_SET_FILTER_RODATA(skel, cfg);
	skel->rodata->min_block_ns = cfg->min_block_ns;
	skel->rodata->walk_at_switch_out = at_switch_out;
	bpf_program__set_autoload(skel->progs.kprof_offcpu_exit, !at_switch_out);
	ret = kprof_skel_load_attach(NAME, skel->skeleton, cfg, true, err);
	if (ret) {
		offcpu_bpf__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

static int offcpu_start(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
			struct kprof_error *err)
{
	struct offcpu_bpf *skel = NULL;
	int ret = -ENOENT;

	/*
	 * No probe first (it would parse vmlinux BTF once more): a kernel
	 * without sched_exit_tp fails this load, and the switch-out variant,
	 * which needs only sched_switch, reports its own error if it fails too.
	 */
	if (!cfg->offcpu_walk_at_switch_out)
		ret = offcpu_load(cfg, false, &skel, err);
	if (ret)
		ret = offcpu_load(cfg, true, &skel, err);
	if (ret)
		return ret;
	*state = skel;
	*obj = skel->obj;
	return 0;
}

/* Blocks under --min-block, summed over CPUs: count and ns. */
static int offcpu_read_short(struct offcpu_bpf *skel, uint64_t sum[KPROF_OFFCPU_SHORT_FIELDS])
{
	int fd = bpf_map__fd(skel->maps.offcpu_short), ret = 0;

	for (__u32 k = 0; k < KPROF_OFFCPU_SHORT_FIELDS && !ret; k++)
		ret = kprof_percpu_sum(fd, k, &sum[k]);
	return ret;
}

/* Blocks under --min-block: not in the flame graph, but not silent either. */
static int offcpu_collect_short(struct offcpu_bpf *skel, struct model *m)
{
	uint64_t sum[KPROF_OFFCPU_SHORT_FIELDS];
	int ret = offcpu_read_short(skel, sum);

	if (ret)
		return ret;
	if (!model_counter_add(m, NAME, "kprof_offcpu_short_blocks_total",
			       "Off-CPU periods shorter than --min-block (no stack walked, not in "
			       "the flame graph).",
			       0, NULL, NULL, (double)sum[KPROF_OFFCPU_SHORT_BLOCKS]) ||
	    !model_counter_add(m, NAME, "kprof_offcpu_short_blocks_seconds_total",
			       "Time off CPU in periods shorter than --min-block.", 0, NULL, NULL,
			       (double)sum[KPROF_OFFCPU_SHORT_NS] / 1e9))
		return -ENOMEM;
	return 0;
}

static int offcpu_collect(void *state, struct model *m)
{
	struct offcpu_bpf *skel = state;
	int ret;

	ret = stack_maps_collect(
		m, NAME, bpf_map__fd(skel->maps.stack_samples), bpf_map__fd(skel->maps.stack_lost),
		"kprof_offcpu_blocks_total",
		"Off-CPU periods of at least --min-block counted with their stack.");
	return ret ? ret : offcpu_collect_short(skel, m);
}

static int offcpu_collect_stacks(void *state, struct stack_profile *p)
{
	struct offcpu_bpf *skel = state;
	int ret;

	p->kind = STACK_OFFCPU;
	p->period_ns = 0;
	ret = stack_maps_read(bpf_map__fd(skel->maps.stack_counts), bpf_map__fd(skel->maps.stacks),
			      p);
	if (!ret)
		ret = stack_maps_lost(bpf_map__fd(skel->maps.stack_lost), &p->lost);
	if (!ret) {
		uint64_t sum[KPROF_OFFCPU_SHORT_FIELDS];

		ret = offcpu_read_short(skel, sum);
		p->below_count = sum[KPROF_OFFCPU_SHORT_BLOCKS];
		p->below_ns = sum[KPROF_OFFCPU_SHORT_NS];
	}
	return ret;
}

static void offcpu_stop(void *state)
{
	offcpu_bpf__destroy(state);
}

static struct bpf_object *offcpu_open_object(void **state)
{
	struct offcpu_bpf *skel = offcpu_bpf__open();

	*state = skel;
	return skel ? skel->obj : NULL;
}

static const char *const tracepoints[] = {"sched_switch", NULL};

const struct collector_desc collector_offcpu = {
	.name = NAME,
	.summary = "off-CPU stacks weighted by the time blocked (--min-block), for flame graphs",
	.tracepoints = tracepoints,
	.start = offcpu_start,
	.collect = offcpu_collect,
	.stop = offcpu_stop,
	.open_object = offcpu_open_object,
	.close_object = offcpu_stop,
	.collect_stacks = offcpu_collect_stacks,
};
