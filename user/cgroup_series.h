/* SPDX-License-Identifier: MIT */
/*
 * --by cgroup in userspace: which cgroup ids of a family get their own
 * series (at most --cgroup.max-series, admitted in order of first sight and
 * kept), and the labels of an id: its cgroup v2 path, container_id, pod_uid.
 */
#ifndef KPROF_CGROUP_SERIES_H
#define KPROF_CGROUP_SERIES_H

#include <stdbool.h>
#include <stdint.h>
#include "cgroup.h"

/* Label names, in the order cgroup_series_labels() fills values. */
#define CGROUP_SERIES_NLABELS 3
extern const char *const cgroup_series_label_names[CGROUP_SERIES_NLABELS];

struct cgroup_labels {
	char cgroup[CGROUP_PATH_MAX];
	char container_id[65];
	char pod_uid[65];
	const char *values[CGROUP_SERIES_NLABELS];
};

struct cgroup_series;

/*
 * NULL with -errno in *err: -ENOENT when no cgroup v2 hierarchy is mounted,
 * -ENOMEM. max_series >= 1.
 */
struct cgroup_series *cgroup_series_new(int max_series, int *err);
void cgroup_series_free(struct cgroup_series *cs);

/*
 * Fills l for cgroup id: its path, or "gone" when it no longer exists (it
 * vanished before this read), or "other" when the cap is reached and id was
 * not admitted before; false in that last case (and on out of memory, where
 * it also says "other"), so the caller counts the events as dropped.
 */
bool cgroup_series_labels(struct cgroup_series *cs, uint64_t id, struct cgroup_labels *l);

/* The labels of cgroup="other" (events over the cap or a full kernel map). */
void cgroup_series_other(struct cgroup_labels *l);

#endif /* KPROF_CGROUP_SERIES_H */
