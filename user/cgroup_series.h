/* SPDX-License-Identifier: MIT */
/*
 * --by cgroup in userspace: which cgroup ids of a collector get series of
 * their own (at most --cgroup.max-series, admitted in order of first sight),
 * the labels of an id (its cgroup v2 path, container_id, pod_uid), and the
 * grace period: an id idle for --cgroup.grace whose cgroup no longer exists
 * is evicted (its series go, its slot is free for a new cgroup).
 *
 * A collector reads its kernel maps between cgroup_series_read_begin() and
 * cgroup_series_read_end(), normally with cgroup_map_read() (cgroup_map.h),
 * which calls cgroup_series_see() per entry and does the deletions.
 */
#ifndef KPROF_CGROUP_SERIES_H
#define KPROF_CGROUP_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cgroup.h"

/* Label names, in the order cgroup_series_labels() fills values. */
#define CGROUP_SERIES_NLABELS 3
extern const char *const cgroup_series_label_names[CGROUP_SERIES_NLABELS];

/* --cgroup.grace: default 5 minutes; at least 1 s (see cgroup_series.c). */
#define CGROUP_SERIES_GRACE_DEFAULT_NS (300ULL * 1000000000ULL)
#define CGROUP_SERIES_GRACE_MIN_NS     (1000000000ULL)

/*
 * Ids tracked at once (admitted, or summed into "other"): each has at least
 * one entry in a kernel map, so the maps' sizes bound them; this is a hard
 * cap above every map's size. Ids beyond it go to "other" untracked.
 */
#define CGROUP_SERIES_TRACK_MAX 65536

struct cgroup_labels {
	char cgroup[CGROUP_PATH_MAX];
	char container_id[65];
	char pod_uid[65];
	const char *values[CGROUP_SERIES_NLABELS];
};

struct cgroup_series;

/*
 * NULL with -errno in *err: -ENOENT when no cgroup v2 hierarchy is mounted,
 * -ENOMEM. max_series >= 1. The grace is CGROUP_SERIES_GRACE_DEFAULT_NS.
 */
struct cgroup_series *cgroup_series_new(int max_series, int *err);
void cgroup_series_free(struct cgroup_series *cs);
void cgroup_series_set_grace(struct cgroup_series *cs, uint64_t grace_ns);

/*
 * Fills l for cgroup id: its path, or "gone" when it no longer exists (it
 * vanished before its first read), or "other" when the cap is reached and
 * id was not admitted before; false in that last case (and on out of
 * memory, where it also says "other"), so the caller counts the events as
 * dropped. The same as cgroup_series_see() with a count of 0.
 */
bool cgroup_series_labels(struct cgroup_series *cs, uint64_t id, struct cgroup_labels *l);

/* The labels of cgroup="other" (events over the cap or a full kernel map). */
void cgroup_series_other(struct cgroup_labels *l);
/* The labels of cgroup="gone". */
void cgroup_series_gone(struct cgroup_labels *l);
/* The labels of a cgroup label value: a path, "other" or "gone". */
void cgroup_series_set_labels(struct cgroup_labels *l, const char *cgroup);

/*
 * Whether an admitted id not evicted in this read has this path: counts
 * carried under a path label (cgroup_map) are emitted while it is true.
 */
bool cgroup_series_path_in_use(const struct cgroup_series *cs, const char *path);

/*
 * A read of the kernel maps at now_ns (CLOCK_MONOTONIC). Evictions are
 * decided here, from the previous reads: an id whose counts have not grown
 * for the grace period and whose cgroup no longer exists.
 */
void cgroup_series_read_begin(struct cgroup_series *cs, uint64_t now_ns);
/* CLOCK_MONOTONIC in ns: the now_ns of a real read. */
uint64_t cgroup_series_clock_ns(void);

enum cgroup_verdict {
	CGROUP_OWN,	    /* emit under l, the cgroup's own series (its path or "gone") */
	CGROUP_OTHER,	    /* emit under l ("other"); the events count as dropped */
	CGROUP_EVICT,	    /* evicted: emit nothing, delete the kernel entry */
	CGROUP_EVICT_CARRY, /* evicted, but l is shared ("gone", "other", or a path
			       another id has now): carry the entry's counts under
			       l before deleting it */
};

/*
 * One kernel entry of id with count events (cumulative, all CPUs): fills l
 * and says what to do with it. The counts of all entries of an id are
 * summed to see whether it grew since the last read.
 */
enum cgroup_verdict cgroup_series_see(struct cgroup_series *cs, uint64_t id, uint64_t count,
				      struct cgroup_labels *l);

/*
 * Ends the read: evicted ids are forgotten (their slots free) and growth is
 * recorded. complete: every map was read and the evicted entries deleted;
 * when false nothing is forgotten and the next read decides again.
 */
void cgroup_series_read_end(struct cgroup_series *cs, bool complete);

/* Ids with a series of their own, and all ids tracked (for tests and self-metrics). */
size_t cgroup_series_admitted(const struct cgroup_series *cs);
size_t cgroup_series_tracked(const struct cgroup_series *cs);

#endif /* KPROF_CGROUP_SERIES_H */
