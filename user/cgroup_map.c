// SPDX-License-Identifier: MIT
/* The --by cgroup kernel maps on the userspace side (see cgroup_map.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "bpf_util.h"
#include "cgroup_map.h"

__u32 cgroup_map_entries(size_t value_size, size_t budget, __u32 min, __u32 max)
{
	size_t n = budget / (value_size * (size_t)kprof_ncpus());

	if (n > max)
		n = max;
	if (n < min)
		n = min;
	return (__u32)n;
}

int cgroup_map_walk(int fd, size_t key_size, size_t value_size, __u32 max_entries, cgroup_map_fn fn,
		    void *ctx)
{
	void *key = calloc(2, key_size), *next = (char *)key + key_size, *prev = NULL;
	void *vals = calloc((size_t)kprof_ncpus(), value_size);
	__u32 seen = 0;
	int ret = 0;

	if (!key || !vals) {
		ret = -ENOMEM;
		goto out_free;
	}
	while (!ret && seen++ < max_entries && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		/* Gone between the two calls: nothing to count. */
		if (!bpf_map_lookup_elem(fd, key, vals))
			ret = fn(key, vals, ctx);
	}
out_free:
	free(vals);
	free(key);
	return ret;
}

struct cgroup_series *cgroup_map_series_new(const struct kprof_config *cfg, struct kprof_error *err,
					    int *ret)
{
	struct cgroup_series *cs = cgroup_series_new(cfg->cgroup_max_series, ret);

	if (!cs)
		snprintf(err->msg, sizeof(err->msg), "%s",
			 *ret == -ENOENT ? "--by cgroup needs a cgroup v2 hierarchy, and none is "
					   "mounted"
					 : "out of memory");
	return cs;
}

int cgroup_dropped_add(struct model *m, const char *collector, const char *family, __u64 n)
{
	static const char *const labels[] = {"family"};
	const char *values[] = {family};

	return model_counter_add(m, collector, "kprof_cgroup_series_dropped_total",
				 "Events summed into cgroup=\"other\" because "
				 "--cgroup.max-series cgroups already had series, per family.",
				 1, labels, values, (double)n)
		       ? 0
		       : -ENOMEM;
}
