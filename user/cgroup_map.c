// SPDX-License-Identifier: MIT
/* One read of a BPF hash keyed by (cgroup id, ...), with the grace-period deletions. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup_map.h"

/* Counts of deleted entries, per shared label and key (cgroup id 0). */
struct carried {
	bool other; /* cgroup="other"; else cgroup="gone" */
	void *key, *val;
};

/* An entry to delete after the walk; val (one folded value) when carried. */
struct pending {
	void *key, *val;
	bool other;
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

static void clear_pending(struct cgroup_map *cm)
{
	for (size_t i = 0; i < cm->npending; i++) {
		free(cm->pending[i].key);
		free(cm->pending[i].val);
	}
	cm->npending = 0;
}

void cgroup_map_free(struct cgroup_map *cm)
{
	if (!cm)
		return;
	clear_pending(cm);
	free(cm->pending);
	for (size_t i = 0; i < cm->ncarried; i++) {
		free(cm->carried[i].key);
		free(cm->carried[i].val);
	}
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

static void *dup_bytes(const void *src, size_t n)
{
	void *p = malloc(n);

	if (p)
		memcpy(p, src, n);
	return p;
}

/* Keeps key (and, when carried, its values folded into one) to delete after the walk. */
static int defer(struct cgroup_map *cm, const void *key, bool carry, bool other)
{
	struct pending *p;

	if (reserve((void **)&cm->pending, &cm->pending_cap, cm->npending, sizeof(*p)))
		return -ENOMEM;
	p = &cm->pending[cm->npending];
	p->other = other;
	p->key = dup_bytes(key, cm->key_size);
	p->val = carry ? calloc(1, cm->stride) : NULL;
	if (!p->key || (carry && !p->val)) {
		free(p->key);
		free(p->val);
		return -ENOMEM;
	}
	if (carry)
		cm->ops->fold(p->val, cm->vals, cm->nvals);
	cm->npending++;
	return 0;
}

/* The accumulator of (label, key without its cgroup id), added when new; NULL on OOM. */
static struct carried *carried_of(struct cgroup_map *cm, bool other, const void *key)
{
	const size_t rest = cm->key_size - sizeof(__u64);
	const char *k = key;
	struct carried *c;

	/* Few entries (the collector's own key space, e.g. syscall slots), and only on eviction. */
	for (size_t i = 0; i < cm->ncarried; i++) {
		c = &cm->carried[i];
		if (c->other == other &&
		    !memcmp((char *)c->key + sizeof(__u64), k + sizeof(__u64), rest))
			return c;
	}
	if (reserve((void **)&cm->carried, &cm->carried_cap, cm->ncarried, sizeof(*c)))
		return NULL;
	c = &cm->carried[cm->ncarried];
	c->other = other;
	c->key = calloc(1, cm->key_size);
	c->val = calloc(1, cm->stride);
	if (!c->key || !c->val) {
		free(c->key);
		free(c->val);
		return NULL;
	}
	memcpy((char *)c->key + sizeof(__u64), k + sizeof(__u64), rest);
	cm->ncarried++;
	return c;
}

static void shared_labels(bool other, struct cgroup_labels *l)
{
	if (other)
		cgroup_series_other(l);
	else
		cgroup_series_gone(l);
}

/*
 * Deletes the deferred entries and carries their counts. An entry that
 * cannot be deleted (or carried) is still in the kernel: its counts are
 * emitted as they are, so no series dips; the next read tries again.
 */
static int delete_deferred(struct cgroup_map *cm, void *ctx, __u64 *dropped)
{
	int ret = 0;

	for (size_t i = 0; i < cm->npending; i++) {
		struct pending *p = &cm->pending[i];
		struct carried *c = p->val ? carried_of(cm, p->other, p->key) : NULL;
		struct cgroup_labels l;
		int err;

		if (p->val && !c) {
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
		if (!p->val)
			continue; /* its own series: simply not evicted yet */
		shared_labels(p->other, &l);
		if (p->other)
			*dropped += cm->ops->count(p->val, 1);
		err = cm->ops->emit(ctx, p->key, p->val, 1, &l);
		if (err)
			return err;
	}
	return ret;
}

static int emit_carried(struct cgroup_map *cm, void *ctx, __u64 *dropped)
{
	struct cgroup_labels l;
	int ret = 0;

	for (size_t i = 0; !ret && i < cm->ncarried; i++) {
		struct carried *c = &cm->carried[i];

		shared_labels(c->other, &l);
		if (c->other)
			*dropped += cm->ops->count(c->val, 1);
		ret = cm->ops->emit(ctx, c->key, c->val, 1, &l);
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
			ret = defer(cm, key, false, false);
			break;
		case CGROUP_EVICT_CARRY:
			ret = defer(cm, key, true, !strcmp(l.cgroup, "other"));
			break;
		}
	}
	free(key);
	/* A walk cut short deletes nothing: the next read decides again. */
	if (!ret)
		ret = delete_deferred(cm, ctx, dropped);
	clear_pending(cm);
	err = emit_carried(cm, ctx, dropped);
	return ret ? ret : err;
}
