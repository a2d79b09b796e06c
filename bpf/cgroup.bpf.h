/* SPDX-License-Identifier: MIT */
/*
 * --by cgroup on the BPF side: the cgroup v2 id of a task, and the entry of
 * a (cgroup, ...) key in a preallocated per-CPU hash of stats, inserted at
 * first sight. The collectors guard every call with their `by_cgroup`
 * rodata flag, so that without it the verifier removes all of this.
 */
#ifndef KPROF_CGROUP_BPF_H
#define KPROF_CGROUP_BPF_H

/*
 * What bpf_get_current_cgroup_id() returns, for any task (a BTF pointer: a
 * tp_btf argument): the id of its cgroup v2, cgroups->dfl_cgrp->kn->id.
 * Direct loads (the verifier turns them into fault-safe loads), not
 * bpf_probe_read calls: four loads, no helper. A task between css_sets
 * reads as one or the other, both true at that instant.
 */
static __always_inline __u64 kprof_task_cgroup_id(struct task_struct *t)
{
	return t->cgroups->dfl_cgrp->kn->id;
}

/*
 * The value of key in map (a hash), inserted with the value at init (all
 * zeroes, from a one-entry array: the values are larger than the BPF stack)
 * when missing; NULL when the map is full: the caller counts the event
 * elsewhere ("other") and as lost.
 */
static __always_inline void *kprof_lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v || !init)
		return v;
	/* -EEXIST: another CPU inserted it first; the lookup below finds it. */
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

#endif /* KPROF_CGROUP_BPF_H */
