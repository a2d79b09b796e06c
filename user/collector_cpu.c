// SPDX-License-Identifier: MIT
/*
 * Userspace side of the cpu collector: one software cpu-clock perf event per
 * online CPU at --frequency, the BPF program attached to each; at the end,
 * the counts and stacks read into the stack-profile model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "collector.h"
#include "cpu_online.h"
#include "stack_maps.h"
#include "cpu.skel.h"

#define NAME "cpu"

struct cpu_state {
	struct cpu_bpf *skel;
	struct bpf_link **links;
	int *fds;
	int n;
	int frequency_hz;
};

static void cpu_stop(void *state)
{
	struct cpu_state *st = state;

	if (!st)
		return;
	for (int i = 0; i < st->n; i++) {
		bpf_link__destroy(st->links[i]);
		if (st->fds[i] >= 0)
			close(st->fds[i]);
	}
	free(st->links);
	free(st->fds);
	cpu_bpf__destroy(st->skel);
	free(st);
}

static int attach_cpu(struct cpu_state *st, int cpu, int hz)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.size = sizeof(attr),
		.freq = 1,
		.sample_freq = (__u64)hz,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	struct bpf_link *link;

	if (fd < 0)
		return -errno;
	link = bpf_program__attach_perf_event(st->skel->progs.kprof_cpu_sample, fd);
	if (!link) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	st->fds[st->n] = fd;
	st->links[st->n] = link;
	st->n++;
	return 0;
}

static int cpu_start(const struct kprof_config *cfg, void **state, struct bpf_object **obj,
		     struct kprof_error *err)
{
	static int cpus[KPROF_CPU_MAX];
	struct cpu_state *st = calloc(1, sizeof(*st));
	int ncpus, ret;

	if (!st)
		return -ENOMEM;
	st->frequency_hz = cfg->frequency_hz > 0 ? cfg->frequency_hz : KPROF_RECORD_FREQUENCY_HZ;
	ncpus = cpu_online(cpus, KPROF_CPU_MAX);
	if (ncpus <= 0) {
		ret = ncpus ? ncpus : -ENOENT;
		snprintf(err->msg, sizeof(err->msg),
			 "could not read the online CPUs from /sys/devices/system/cpu/online: %s",
			 strerror(-ret));
		goto out_free;
	}
	st->links = calloc(ncpus, sizeof(*st->links));
	st->fds = calloc(ncpus, sizeof(*st->fds));
	st->skel = cpu_bpf__open();
	if (!st->links || !st->fds || !st->skel) {
		ret = st->skel ? -ENOMEM : -errno;
		kprof_explain_bpf_error(NAME, "open", ret, err);
		goto out_free;
	}
	KPROF_SET_FILTER_RODATA(st->skel, cfg);
	/* Attached by hand below: one perf event per online CPU. */
	ret = kprof_skel_load_attach(NAME, st->skel->skeleton, cfg, false, err);
	if (ret)
		goto out_free;
	for (int i = 0; i < ncpus; i++) {
		ret = attach_cpu(st, cpus[i], st->frequency_hz);
		/* A CPU that went offline since the mask was read is no error. */
		if (ret == -EINVAL) {
			snprintf(err->msg, sizeof(err->msg),
				 "the kernel refused to sample at %d Hz: lower -F/--frequency, or "
				 "raise the sysctl kernel.perf_event_max_sample_rate",
				 st->frequency_hz);
			goto out_free;
		}
		if (ret && ret != -ENODEV) {
			snprintf(
				err->msg, sizeof(err->msg),
				"could not open a cpu-clock perf event on CPU %d (%s): kprof needs "
				"root (or CAP_PERFMON), and kernel.perf_event_paranoid may forbid "
				"it",
				cpus[i], strerror(-ret));
			goto out_free;
		}
	}
	*state = st;
	*obj = st->skel->obj;
	return 0;
out_free:
	cpu_stop(st);
	return ret;
}

static int cpu_collect(void *state, struct model *m)
{
	struct cpu_state *st = state;

	return stack_maps_collect(m, NAME, bpf_map__fd(st->skel->maps.stack_samples),
				  bpf_map__fd(st->skel->maps.stack_lost), "kprof_cpu_samples_total",
				  "On-CPU stack samples taken (all CPUs, --frequency per CPU).");
}

static int cpu_collect_stacks(void *state, struct stack_profile *p)
{
	struct cpu_state *st = state;
	int ret;

	p->kind = STACK_CPU;
	p->period_ns = 1000000000ULL / (__u64)st->frequency_hz;
	ret = stack_maps_read(bpf_map__fd(st->skel->maps.stack_counts),
			      bpf_map__fd(st->skel->maps.stacks), p);
	if (!ret)
		ret = stack_maps_lost(bpf_map__fd(st->skel->maps.stack_lost), &p->lost);
	return ret;
}

static struct bpf_object *cpu_open_object(void **state)
{
	struct cpu_bpf *skel = cpu_bpf__open();

	*state = skel;
	return skel ? skel->obj : NULL;
}

static void cpu_close_object(void *state)
{
	cpu_bpf__destroy(state);
}

/* Not a tracepoint: a perf event; the table lists no BTF tracepoint. */
static const char *const tracepoints[] = {NULL};

const struct collector_desc collector_cpu = {
	.name = NAME,
	.summary = "on-CPU stacks sampled at --frequency on every CPU, for flame graphs",
	.tracepoints = tracepoints,
	.start = cpu_start,
	.collect = cpu_collect,
	.stop = cpu_stop,
	.open_object = cpu_open_object,
	.close_object = cpu_close_object,
	.collect_stacks = cpu_collect_stacks,
};
