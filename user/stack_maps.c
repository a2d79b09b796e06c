// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "bpf_util.h"
#include "stack_maps.h"
#include "kprof/stack.h"

static const char *const lost_reasons[KPROF_STACK_LOST_REASONS] = {
	[KPROF_STACK_LOST_COLLISION] = "stack_collision",
	[KPROF_STACK_LOST_STACK_FULL] = "stack_map_full",
	[KPROF_STACK_LOST_COUNTS_FULL] = "counts_map_full",
	[KPROF_STACK_LOST_STORAGE] = "task_storage_unavailable",
	[KPROF_STACK_LOST_SWITCH_IN] = "switch_in_missed",
	[KPROF_STACK_LOST_UNFINISHED] = "switch_in_unseen",
};

/* Frames of one stack id, leaf first; the map zero-fills after the last. */
static int read_stack(int fd, __s32 id, uint64_t *ips, __u32 *n)
{
	*n = 0;
	if (id < 0)
		return id == -EFAULT ? 0 : -1; /* none, or lost */
	if (bpf_map_lookup_elem(fd, &id, ips))
		return -1;
	while (*n < KPROF_STACK_DEPTH && ips[*n])
		(*n)++;
	return 0;
}

int stack_maps_read(int counts_fd, int stacks_fd, struct stack_profile *p)
{
	struct kprof_stack_key key, next, *prev = NULL;
	uint64_t kern[KPROF_STACK_DEPTH], user[KPROF_STACK_DEPTH];

	/* The hash is bounded (KPROF_STACK_COUNT_ENTRIES), so this loop is too. */
	while (!bpf_map_get_next_key(counts_fd, prev, &next)) {
		struct kprof_stack_value v;
		char comm[sizeof(key.comm) + 1];
		__u32 nkern, nuser;
		bool kern_ok, user_ok;
		int ret;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &v))
			continue;
		kern_ok = !read_stack(stacks_fd, key.kern_stack_id, kern, &nkern);
		user_ok = !read_stack(stacks_fd, key.user_stack_id, user, &nuser);
		memcpy(comm, key.comm, sizeof(key.comm));
		comm[sizeof(key.comm)] = 0;
		if (p->kind == STACK_CPU)
			v.weight_ns = v.count * p->period_ns;
		ret = stack_profile_add(p, key.pid, comm, kern_ok ? kern : NULL,
					kern_ok ? nkern : 1, user_ok ? user : NULL,
					user_ok ? nuser : 1, v.count, v.weight_ns);
		if (ret)
			return ret;
	}
	return 0;
}

int stack_maps_lost(int lost_fd, uint64_t *total)
{
	int ncpus = kprof_ncpus();
	__u64 *vals = calloc(ncpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	*total = 0;
	for (__u32 r = 0; r < KPROF_STACK_LOST_REASONS; r++) {
		if (kprof_percpu_lookup(lost_fd, &r, vals, sizeof(*vals)))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			*total += vals[cpu];
	}
	free(vals);
	return 0;
}

int stack_maps_collect(struct model *m, const char *collector, int samples_fd, int lost_fd,
		       const char *samples_name, const char *samples_help)
{
	uint64_t total = 0;
	int ret;

	/* The per-CPU sum kept by stack_add(), not a walk of the counts hash. */
	ret = kprof_percpu_sum(samples_fd, 0, &total);
	if (ret)
		return ret;
	if (!model_counter_add(m, collector, samples_name, samples_help, 0, NULL, NULL,
			       (double)total))
		return -ENOMEM;
	return kprof_collect_lost(m, collector, lost_fd, lost_reasons, KPROF_STACK_LOST_REASONS);
}
