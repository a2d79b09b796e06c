// SPDX-License-Identifier: MIT
/* The collector table and what is common to every collector. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "collector.h"

extern const struct collector_desc collector_sched;
extern const struct collector_desc collector_syscall;
extern const struct collector_desc collector_tcp;
extern const struct collector_desc collector_cpu;
extern const struct collector_desc collector_offcpu;

const struct collector_desc *const kprof_collectors[] = {
	&collector_sched, &collector_syscall, &collector_tcp,
	&collector_cpu,	  &collector_offcpu,  NULL,
};

const struct collector_desc *collector_find(const char *name)
{
	for (int i = 0; kprof_collectors[i]; i++)
		if (!strcmp(kprof_collectors[i]->name, name))
			return kprof_collectors[i];
	return NULL;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/*
 * Kernel memory of one map, from its definition: per-CPU maps cost value x
 * entries on every CPU; hashes pay about 64 bytes of element header each.
 */
static void map_memory(const struct bpf_map *map, struct collector_memory *mem)
{
	size_t key = bpf_map__key_size(map), value = bpf_map__value_size(map);
	size_t entries = bpf_map__max_entries(map);

	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		mem->per_cpu += round8(value) * entries;
		break;
	case BPF_MAP_TYPE_PERCPU_HASH:
		mem->per_cpu += round8(value) * entries;
		mem->shared += (round8(key) + 64) * entries;
		break;
	case BPF_MAP_TYPE_HASH:
		mem->shared += (round8(key) + round8(value) + 64) * entries;
		break;
	case BPF_MAP_TYPE_TASK_STORAGE:
		mem->per_task += round8(value) + 64;
		break;
	case BPF_MAP_TYPE_SK_STORAGE:
		mem->per_socket += round8(value) + 64;
		break;
	default:
		mem->shared += round8(value) * entries;
		break;
	}
}

int collector_memory(const struct collector_desc *d, struct collector_memory *mem)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	void *state = NULL;

	memset(mem, 0, sizeof(*mem));
	obj = d->open_object(&state);
	if (!obj)
		return -errno ? -errno : -EINVAL;
	bpf_object__for_each_map(map,
				 obj) if (bpf_map__autocreate(map)) /* maps for other kernels */
		map_memory(map, mem);
	d->close_object(state);
	return 0;
}

/* Whether vmlinux BTF describes the tracepoint (typedef btf_trace_NAME). */
static bool btf_has_tracepoint(const struct btf *btf, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

int collector_probe(const struct collector_desc *d, struct kprof_error *why)
{
	struct kprof_config cfg = {0};
	struct collector c;
	struct btf *btf = btf__load_vmlinux_btf();
	int err = 0;

	if (!btf) {
		snprintf(why->msg, sizeof(why->msg), "this kernel has no BTF");
		return -ENOENT;
	}
	for (int i = 0; d->tracepoints[i]; i++) {
		if (!btf_has_tracepoint(btf, d->tracepoints[i])) {
			snprintf(why->msg, sizeof(why->msg), "this kernel has no tracepoint %s",
				 d->tracepoints[i]);
			err = -ENOENT;
			break;
		}
	}
	btf__free(btf);
	if (err)
		return err;
	if (kprof_check_environment(why)) {
		snprintf(why->msg, sizeof(why->msg),
			 "tracepoints present; run as root to test that the programs load");
		return -EPERM;
	}
	err = collector_start(&c, d, &cfg, why);
	if (!err)
		collector_stop(&c);
	return err;
}

int collector_start(struct collector *c, const struct collector_desc *d,
		    const struct kprof_config *cfg, struct kprof_error *err)
{
	memset(c, 0, sizeof(*c));
	c->desc = d;
	return d->start(cfg, &c->state, &c->obj, err);
}

int collector_collect(struct collector *c, struct model *m)
{
	return c->desc->collect(c->state, m);
}

void collector_stop(struct collector *c)
{
	if (!c || !c->desc)
		return;
	c->desc->stop(c->state);
	c->state = NULL;
	c->obj = NULL;
	c->desc = NULL;
}
