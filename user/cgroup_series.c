// SPDX-License-Identifier: MIT
/* Admission of cgroup ids under the --cgroup.max-series cap; their labels. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup_series.h"

const char *const cgroup_series_label_names[CGROUP_SERIES_NLABELS] = {"cgroup", "container_id",
								      "pod_uid"};

struct cgroup_series {
	struct cgroup_resolver *resolver;
	/* Open-addressing set of admitted ids (0 = empty), power-of-two size. */
	uint64_t *ids;
	size_t cap, n, max;
};

struct cgroup_series *cgroup_series_new(int max_series, int *err)
{
	char mount[CGROUP_PATH_MAX];
	struct cgroup_series *cs;

	if (cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount))) {
		*err = -ENOENT;
		return NULL;
	}
	cs = calloc(1, sizeof(*cs));
	if (cs) {
		cs->max = max_series > 0 ? (size_t)max_series : 1;
		cs->cap = 64;
		cs->ids = calloc(cs->cap, sizeof(*cs->ids));
		cs->resolver = cgroup_resolver_new(mount);
	}
	if (!cs || !cs->ids || !cs->resolver) {
		cgroup_series_free(cs);
		*err = -ENOMEM;
		return NULL;
	}
	return cs;
}

void cgroup_series_free(struct cgroup_series *cs)
{
	if (!cs)
		return;
	cgroup_resolver_free(cs->resolver);
	free(cs->ids);
	free(cs);
}

static uint64_t *find(uint64_t *ids, size_t cap, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL) & (cap - 1);

	while (ids[i] && ids[i] != id)
		i = (i + 1) & (cap - 1);
	return &ids[i];
}

/* Doubles the set; it holds at most max ids, so it stays below 4 x max. */
static int grow(struct cgroup_series *cs)
{
	size_t cap = cs->cap * 2;
	uint64_t *ids = calloc(cap, sizeof(*ids));

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < cs->cap; i++)
		if (cs->ids[i])
			*find(ids, cap, cs->ids[i]) = cs->ids[i];
	free(cs->ids);
	cs->ids = ids;
	cs->cap = cap;
	return 0;
}

/* Whether id has (or now gets) a series of its own. */
static bool admit(struct cgroup_series *cs, uint64_t id)
{
	uint64_t *e;

	if (!id) /* not a cgroup id the kernel gives; keep 0 as "empty" */
		return false;
	e = find(cs->ids, cs->cap, id);
	if (*e)
		return true;
	if (cs->n >= cs->max)
		return false;
	if (2 * (cs->n + 1) > cs->cap) {
		if (grow(cs))
			return false;
		e = find(cs->ids, cs->cap, id);
	}
	*e = id;
	cs->n++;
	return true;
}

static void set_values(struct cgroup_labels *l)
{
	l->values[0] = l->cgroup;
	l->values[1] = l->container_id;
	l->values[2] = l->pod_uid;
}

void cgroup_series_other(struct cgroup_labels *l)
{
	strcpy(l->cgroup, "other");
	l->container_id[0] = l->pod_uid[0] = 0;
	set_values(l);
}

bool cgroup_series_labels(struct cgroup_series *cs, uint64_t id, struct cgroup_labels *l)
{
	if (!admit(cs, id)) {
		cgroup_series_other(l);
		return false;
	}
	if (cgroup_resolve(cs->resolver, id, l->cgroup, sizeof(l->cgroup))) {
		cgroup_container_labels(l->cgroup, l->container_id, l->pod_uid);
	} else {
		strcpy(l->cgroup, "gone");
		l->container_id[0] = l->pod_uid[0] = 0;
	}
	set_values(l);
	return true;
}
