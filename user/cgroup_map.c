// SPDX-License-Identifier: MIT
/*
 * One read of a BPF hash keyed by (cgroup id, ...), with the grace-period
 * deletions; and the --by cgroup setup shared by the collectors.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "cgroup_map.h"

/*
 * Counts of deleted entries, per label value and key (cgroup id 0): "other",
 * "gone", or the path of a cgroup that was made again under the same path.
 */
struct carried {
	char *label;
	void *key, *val;
};

/* An entry to delete after the walk; when carried, its label and its values folded into one. */
struct pending {
	char *label;
	void *key, *val;
};

struct cgroup_map {
	int fd, nvals;
	size_t key_size, stride;
	__u32 max_entries;
	const struct cgroup_map_ops *ops;
	struct carried *carried;
	size_t ncarried, carried_cap;
	struct pending *pending;
	size_t npending, pending_cap;
	void *vals; /* one lookup: nvals values */
};

struct cgroup_map *cgroup_map_new(int fd, const struct cgroup_map_ops *ops, int *err)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	struct cgroup_map *cm;
	bool percpu;

	*err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (*err)
		return NULL;
	if (info.key_size < sizeof(__u64)) {
		*err = -EINVAL;
		return NULL;
	}
	percpu = info.type == BPF_MAP_TYPE_PERCPU_HASH || info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	cm = calloc(1, sizeof(*cm));
	if (!cm) {
		*err = -ENOMEM;
		return NULL;
	}
	cm->fd = fd;
	cm->ops = ops;
	cm->key_size = info.key_size;
	cm->stride = (info.value_size + 7) & ~7u;
	cm->max_entries = info.max_entries;
	cm->nvals = percpu ? libbpf_num_possible_cpus() : 1;
	if (cm->nvals <= 0)
		cm->nvals = 1;
	cm->vals = calloc(cm->nvals, cm->stride);
	if (!cm->vals) {
		cgroup_map_free(cm);
		*err = -ENOMEM;
		return NULL;
	}
	return cm;
}

static void free_three(char *label, void *key, void *val)
{
	free(label);
	free(key);
	free(val);
}

static void clear_pending(struct cgroup_map *cm)
{
	for (size_t i = 0; i < cm->npending; i++)
		free_three(cm->pending[i].label, cm->pending[i].key, cm->pending[i].val);
	cm->npending = 0;
}

void cgroup_map_free(struct cgroup_map *cm)
{
	if (!cm)
		return;
	clear_pending(cm);
	free(cm->pending);
	for (size_t i = 0; i < cm->ncarried; i++)
		free_three(cm->carried[i].label, cm->carried[i].key, cm->carried[i].val);
	free(cm->carried);
	free(cm->vals);
	free(cm);
}

/* Grows an array of elements of size sz to hold one more; 0 or -ENOMEM. */
static int reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Keeps key to delete after the walk; with label, its values too, to carry under label. */
static int defer(struct cgroup_map *cm, const void *key, const char *label)
{
	struct pending *p;

	if (reserve((void **)&cm->pending, &cm->pending_cap, cm->npending, sizeof(*p)))
		return -ENOMEM;
	p = &cm->pending[cm->npending];
	p->key = malloc(cm->key_size);
	p->label = label ? strdup(label) : NULL;
	p->val = label ? calloc(1, cm->stride) : NULL;
	if (!p->key || (label && (!p->label || !p->val))) {
		free_three(p->label, p->key, p->val);
		return -ENOMEM;
	}
	memcpy(p->key, key, cm->key_size);
	if (label)
		cm->ops->fold(p->val, cm->vals, cm->nvals);
	cm->npending++;
	return 0;
}

/* The accumulator of (label, key without its cgroup id), added when new; NULL on OOM. */
static struct carried *carried_of(struct cgroup_map *cm, const char *label, const void *key)
{
	const size_t id = sizeof(__u64), rest = cm->key_size - id;
	struct carried *c;

	/* Few entries (labels x the collector's own keys), looked up only on eviction. */
	for (size_t i = 0; i < cm->ncarried; i++) {
		c = &cm->carried[i];
		if (!strcmp(c->label, label) &&
		    !memcmp((char *)c->key + id, (const char *)key + id, rest))
			return c;
	}
	if (reserve((void **)&cm->carried, &cm->carried_cap, cm->ncarried, sizeof(*c)))
		return NULL;
	c = &cm->carried[cm->ncarried];
	c->label = strdup(label);
	c->key = calloc(1, cm->key_size);
	c->val = calloc(1, cm->stride);
	if (!c->label || !c->key || !c->val) {
		free_three(c->label, c->key, c->val);
		return NULL;
	}
	memcpy((char *)c->key + id, (const char *)key + id, rest);
	cm->ncarried++;
	return c;
}

/* Adds values under label to the model (and to *dropped under "other"). */
static int emit_as(struct cgroup_map *cm, void *ctx, const char *label, const void *key,
		   const void *val, __u64 *dropped)
{
	struct cgroup_labels l;

	cgroup_series_set_labels(&l, label);
	if (!strcmp(label, "other"))
		*dropped += cm->ops->count(val, 1);
	return cm->ops->emit(ctx, key, val, 1, &l);
}

/*
 * Deletes the deferred entries and carries their counts. An entry that
 * cannot be deleted (or carried) is still in the kernel: a carried one is
 * emitted as it is, so its series does not dip; the next read tries again.
 */
static int delete_deferred(struct cgroup_map *cm, void *ctx, __u64 *dropped)
{
	int ret = 0;

	for (size_t i = 0; i < cm->npending; i++) {
		struct pending *p = &cm->pending[i];
		struct carried *c = p->label ? carried_of(cm, p->label, p->key) : NULL;
		int err;

		if (p->label && !c) {
			err = -ENOMEM;
		} else {
			err = bpf_map_delete_elem(cm->fd, p->key) ? -errno : 0;
			if (err == -ENOENT)
				err = 0; /* gone already: nothing to carry or to keep */
			else if (!err && c)
				cm->ops->fold(c->val, p->val, 1);
		}
		if (!err)
			continue;
		ret = err;
		if (p->label) {
			err = emit_as(cm, ctx, p->label, p->key, p->val, dropped);
			if (err)
				return err;
		}
	}
	return ret;
}

/*
 * Emits the carried counts. Those under a path last as long as an id of
 * that path does: the series then goes as a whole.
 */
static int emit_carried(struct cgroup_map *cm, struct cgroup_series *cs, void *ctx, __u64 *dropped)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < cm->ncarried;) {
		struct carried *c = &cm->carried[i];

		if (c->label[0] == '/' && !cgroup_series_path_in_use(cs, c->label)) {
			free_three(c->label, c->key, c->val);
			*c = cm->carried[--cm->ncarried];
			continue;
		}
		ret = emit_as(cm, ctx, c->label, c->key, c->val, dropped);
		i++;
	}
	return ret;
}

int cgroup_map_read(struct cgroup_map *cm, struct cgroup_series *cs, void *ctx, __u64 *dropped)
{
	void *key = calloc(2, cm->key_size), *next = (char *)key + cm->key_size;
	__u32 seen = 0;
	void *prev = NULL;
	int ret = 0, err;

	if (!key)
		return -ENOMEM;
	/* Nothing is deleted during the walk, so it sees each entry once; bounded anyway. */
	while (!ret && seen++ < cm->max_entries && !bpf_map_get_next_key(cm->fd, prev, next)) {
		struct cgroup_labels l;
		__u64 id, count;

		memcpy(key, next, cm->key_size);
		prev = key;
		if (bpf_map_lookup_elem(cm->fd, key, cm->vals))
			continue; /* deleted since get_next_key */
		memcpy(&id, key, sizeof(id));
		count = cm->ops->count(cm->vals, cm->nvals);
		switch (cgroup_series_see(cs, id, count, &l)) {
		case CGROUP_OTHER:
			*dropped += count;
			/* fall through */
		case CGROUP_OWN:
			if (count)
				ret = cm->ops->emit(ctx, key, cm->vals, cm->nvals, &l);
			break;
		case CGROUP_EVICT:
			ret = defer(cm, key, NULL);
			break;
		case CGROUP_EVICT_CARRY:
			ret = defer(cm, key, l.cgroup);
			break;
		}
	}
	free(key);
	/* A walk cut short deletes nothing: the next read decides again. */
	if (!ret)
		ret = delete_deferred(cm, ctx, dropped);
	clear_pending(cm);
	err = emit_carried(cm, cs, ctx, dropped);
	return ret ? ret : err;
}

__u32 cgroup_map_entries(size_t value_size, size_t budget, __u32 min, __u32 max)
{
	size_t n = budget / (value_size * (size_t)kprof_ncpus());

	if (n > max)
		n = max;
	if (n < min)
		n = min;
	return (__u32)n;
}

struct cgroup_series *cgroup_map_series_new(const struct kprof_config *cfg, struct kprof_error *err,
					    int *ret)
{
	struct cgroup_series *cs = cgroup_series_new(cfg->cgroup_max_series, ret);

	if (!cs) {
		snprintf(err->msg, sizeof(err->msg), "%s",
			 *ret == -ENOENT ? "--by cgroup needs a cgroup v2 hierarchy, and none is "
					   "mounted"
					 : "out of memory");
		return NULL;
	}
	cgroup_series_set_grace(cs, cfg->cgroup_grace_ns ? cfg->cgroup_grace_ns
							 : CGROUP_SERIES_GRACE_DEFAULT_NS);
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
