// SPDX-License-Identifier: MIT
/* Userspace side of the offcpu collector: load, attach, read its maps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "collector.h"
#include "stack_maps.h"
#include "offcpu.skel.h"

#define NAME "offcpu"

static int offcpu_start(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
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
	ret = kprof_skel_load_attach(NAME, skel->skeleton, cfg, true, err);
	if (ret)
		goto out_destroy;
	*state = skel;
	*obj = skel->obj;
	return 0;
out_destroy:
	offcpu_bpf__destroy(skel);
	return ret;
}

static int offcpu_collect(void *state, struct model *m)
{
	struct offcpu_bpf *skel = state;

	return stack_maps_collect(
		m, NAME, bpf_map__fd(skel->maps.stack_samples), bpf_map__fd(skel->maps.stack_lost),
		"kprof_offcpu_blocks_total",
		"Off-CPU periods of at least --min-block counted with their stack.");
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
