// SPDX-License-Identifier: MIT
/*
 * Admission of cgroup ids under the --cgroup.max-series cap, their labels,
 * and the grace period of ids whose cgroup is gone.
 *
 * Every id seen in a kernel map is tracked, admitted or not: an id summed
 * into "other" must stay there while its kernel entries exist (admitting it
 * later would take its counts out of "other", which would go down). Each
 * tracked id has at least one kernel entry until it is evicted, so the
 * kernel maps' sizes bound the table.
 *
 * A cgroup that no longer exists, idle for a second, is drained: its kernel
 * entries are deleted and their counts carried in userspace (cgroup_map),
 * where its series lives on until the grace ends; then it is evicted. So
 * the kernel map holds live cgroups (and those removed within about two
 * reads), whatever the grace.
 *
 * Why a second: an id without a known path is "gone" when the resolver does
 * not find it, and the resolver rescans at most once a second; an id idle
 * for a second or more was first seen before the scan that answers, so
 * that scan would have found its cgroup had it existed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cgroup_series.h"

const char *const cgroup_series_label_names[CGROUP_SERIES_NLABELS] = {"cgroup", "container_id",
								      "pod_uid"};

struct tracked {
	uint64_t id; /* 0: empty slot */
	/* Admitted: the path once resolved (cgroup v2 paths never change). */
	char *path;
	uint64_t total;	  /* events at the last complete read */
	uint64_t seen;	  /* events summed during this read */
	uint64_t grew_ns; /* the last read its events grew, or its first sight */
	bool admitted;
	/* This read: gone and idle, so its kernel entries are carried (drain), or also past the
	 * grace (evict). */
	bool drain, evict;
	/* Evicted, but its path is also another live id's: carry its counts. */
	bool carry;
};

struct cgroup_series {
	char mount[CGROUP_PATH_MAX];
	struct cgroup_resolver *resolver;
	/* Open addressing with linear probing, power-of-two size, at most half full. */
	struct tracked *t;
	size_t cap, n, admitted, max;
	uint64_t grace_ns, now_ns;
	/* A forced rescan in this read already (at most one per read). */
	bool rescanned;
};

#define MIN_CAP 64

uint64_t cgroup_series_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct cgroup_series *cgroup_series_new(int max_series, int *err)
{
	struct cgroup_series *cs = calloc(1, sizeof(*cs));

	if (cs && cgroup2_mount_point("/proc/self/mountinfo", cs->mount, sizeof(cs->mount))) {
		free(cs);
		*err = -ENOENT;
		return NULL;
	}
	if (cs) {
		cs->max = max_series > 0 ? (size_t)max_series : 1;
		cs->grace_ns = CGROUP_SERIES_GRACE_DEFAULT_NS;
		cs->cap = MIN_CAP;
		cs->t = calloc(cs->cap, sizeof(*cs->t));
		cs->resolver = cgroup_resolver_new(cs->mount);
	}
	if (!cs || !cs->t || !cs->resolver) {
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
	for (size_t i = 0; cs->t && i < cs->cap; i++)
		free(cs->t[i].path);
	free(cs->t);
	free(cs);
}

void cgroup_series_set_grace(struct cgroup_series *cs, uint64_t grace_ns)
{
	cs->grace_ns =
		grace_ns < CGROUP_SERIES_GRACE_MIN_NS ? CGROUP_SERIES_GRACE_MIN_NS : grace_ns;
}

size_t cgroup_series_admitted(const struct cgroup_series *cs)
{
	return cs->admitted;
}

size_t cgroup_series_tracked(const struct cgroup_series *cs)
{
	return cs->n;
}

static size_t home(uint64_t id, size_t cap)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ULL) & (cap - 1);
}

static struct tracked *find(struct tracked *t, size_t cap, uint64_t id)
{
	size_t i = home(id, cap);

	while (t[i].id && t[i].id != id)
		i = (i + 1) & (cap - 1);
	return &t[i];
}

/* Moves every entry to a table of cap slots (growing or shrinking). */
static int rehash(struct cgroup_series *cs, size_t cap)
{
	struct tracked *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < cs->cap; i++)
		if (cs->t[i].id)
			*find(t, cap, cs->t[i].id) = cs->t[i];
	free(cs->t);
	cs->t = t;
	cs->cap = cap;
	return 0;
}

/*
 * Deletes slot i, shifting later entries of its probe run back (no
 * tombstones). Only evicted entries are deleted: their slots were freed at
 * read_begin.
 */
static void remove_at(struct cgroup_series *cs, size_t i)
{
	size_t mask = cs->cap - 1, j = i;

	free(cs->t[i].path);
	memset(&cs->t[i], 0, sizeof(cs->t[i]));
	cs->n--;
	for (;;) {
		size_t h;

		j = (j + 1) & mask;
		if (!cs->t[j].id)
			return;
		h = home(cs->t[j].id, cs->cap);
		/* Entry j may move to the hole at i unless its home lies in (i, j]. */
		if (((j - h) & mask) < ((j - i) & mask))
			continue;
		cs->t[i] = cs->t[j];
		memset(&cs->t[j], 0, sizeof(cs->t[j]));
		i = j;
	}
}

/* The entry of id, tracked now if new; NULL when the table is full or on OOM. */
static struct tracked *track(struct cgroup_series *cs, uint64_t id)
{
	struct tracked *e = find(cs->t, cs->cap, id);

	if (e->id)
		return e;
	if (cs->n >= CGROUP_SERIES_TRACK_MAX)
		return NULL;
	if (2 * (cs->n + 1) > cs->cap) {
		if (rehash(cs, cs->cap * 2))
			return NULL;
		e = find(cs->t, cs->cap, id);
	}
	e->id = id;
	e->grew_ns = cs->now_ns;
	e->admitted = cs->admitted < cs->max;
	cs->admitted += e->admitted;
	cs->n++;
	return e;
}

static void set_values(struct cgroup_labels *l)
{
	l->values[0] = l->cgroup;
	l->values[1] = l->container_id;
	l->values[2] = l->pod_uid;
}

static void set_fixed(struct cgroup_labels *l, const char *what)
{
	strcpy(l->cgroup, what);
	l->container_id[0] = l->pod_uid[0] = 0;
	set_values(l);
}

void cgroup_series_other(struct cgroup_labels *l)
{
	set_fixed(l, "other");
}

void cgroup_series_gone(struct cgroup_labels *l)
{
	set_fixed(l, "gone");
}

/* Whether the cgroup of e still exists: its path names the same id. */
static bool exists(struct cgroup_series *cs, const struct tracked *e)
{
	char path[CGROUP_PATH_MAX];

	if (e->path)
		return cgroup_id_of(cs->mount, e->path) == e->id;
	return cgroup_resolve(cs->resolver, e->id, path, sizeof(path)) &&
	       cgroup_id_of(cs->mount, path) == e->id;
}

void cgroup_series_read_begin(struct cgroup_series *cs, uint64_t now_ns)
{
	cs->now_ns = now_ns;
	cs->rescanned = false;
	for (size_t i = 0; i < cs->cap; i++) {
		struct tracked *e = &cs->t[i];
		uint64_t idle;
		bool gone;

		if (!e->id)
			continue;
		idle = now_ns - e->grew_ns;
		e->seen = 0;
		e->carry = false;
		gone = idle >= CGROUP_SERIES_GRACE_MIN_NS && !exists(cs, e);
		e->evict = gone && idle >= cs->grace_ns;
		e->drain = gone && !e->evict;
		/* Free at once: a cgroup first seen in this read may take the slot. */
		if (e->evict && e->admitted)
			cs->admitted--;
	}
	for (size_t i = 0; i < cs->cap; i++) {
		struct tracked *e = &cs->t[i];

		if (e->id && e->evict && e->path)
			e->carry = cgroup_series_path_in_use(cs, e->path);
	}
}

/*
 * A cgroup removed and made again under the same path (a restarted systemd
 * service) is a new id with the same labels: both are summed in one series
 * until the old one is evicted, which must then not take its counts away.
 */
bool cgroup_series_path_in_use(const struct cgroup_series *cs, const char *path)
{
	for (size_t i = 0; i < cs->cap; i++) {
		const struct tracked *e = &cs->t[i];

		if (e->id && !e->evict && e->admitted && e->path && !strcmp(e->path, path))
			return true;
	}
	return false;
}

/*
 * Stores the path of e once it resolves. A cgroup made less than a second
 * after the resolver's last scan would miss it and be "gone" for a read,
 * then move to its path, taking its counts out of "gone": so a new id that
 * misses gets one forced rescan per read.
 */
static void resolve(struct cgroup_series *cs, struct tracked *e, struct cgroup_labels *l)
{
	bool ok = cgroup_resolve(cs->resolver, e->id, l->cgroup, sizeof(l->cgroup));

	if (!ok && !e->total && !cs->rescanned) {
		cgroup_resolver_rescan(cs->resolver);
		cs->rescanned = true;
		ok = cgroup_resolve(cs->resolver, e->id, l->cgroup, sizeof(l->cgroup));
	}
	if (ok)
		e->path = strdup(l->cgroup); /* on OOM: resolved again next read */
}

enum cgroup_verdict cgroup_series_see(struct cgroup_series *cs, uint64_t id, uint64_t count,
				      struct cgroup_labels *l)
{
	/* 0 is no cgroup id the kernel gives: it marks empty slots here. */
	struct tracked *e = id ? track(cs, id) : NULL;

	if (!e || !e->admitted) {
		cgroup_series_other(l);
		if (e)
			e->seen += count;
		return e && (e->drain || e->evict) ? CGROUP_EVICT_CARRY : CGROUP_OTHER;
	}
	e->seen += count;
	if (!e->path)
		resolve(cs, e, l);
	if (!e->path) {
		cgroup_series_gone(l);
		return e->drain || e->evict ? CGROUP_EVICT_CARRY : CGROUP_OWN;
	}
	cgroup_series_set_labels(l, e->path);
	if (e->drain || (e->evict && e->carry))
		return CGROUP_EVICT_CARRY;
	return e->evict ? CGROUP_EVICT : CGROUP_OWN;
}

void cgroup_series_set_labels(struct cgroup_labels *l, const char *cgroup)
{
	if (strlen(cgroup) >= sizeof(l->cgroup) || cgroup[0] != '/') {
		set_fixed(l, strcmp(cgroup, "gone") ? "other" : "gone");
		return;
	}
	strcpy(l->cgroup, cgroup);
	cgroup_container_labels(l->cgroup, l->container_id, l->pod_uid);
	set_values(l);
}

bool cgroup_series_labels(struct cgroup_series *cs, uint64_t id, struct cgroup_labels *l)
{
	return cgroup_series_see(cs, id, 0, l) == CGROUP_OWN;
}

void cgroup_series_read_end(struct cgroup_series *cs, bool complete)
{
	size_t want = MIN_CAP;

	for (size_t i = 0; i < cs->cap; i++) {
		struct tracked *e = &cs->t[i];

		if (!e->id || e->evict)
			continue;
		/* A read cut short undercounts: growth is judged on complete reads only. */
		if (complete && e->seen > e->total)
			e->grew_ns = cs->now_ns;
		/* Drained: its kernel entries are gone, a later one starts from 0. */
		if (complete)
			e->total = e->drain ? 0 : e->seen;
	}
	for (size_t i = 0; i < cs->cap; i++) {
		if (!cs->t[i].id || !cs->t[i].evict)
			continue;
		if (!complete) {
			/* Kept: its slot back (the cap may be passed until it goes). */
			cs->t[i].evict = false;
			cs->admitted += cs->t[i].admitted;
			continue;
		}
		remove_at(cs, i);
		/* An entry shifted back into slot i is looked at again. */
		if (cs->t[i].id)
			i--;
	}
	/* A churning host must not keep the table of its busiest moment. */
	while (want < 4 * cs->n)
		want *= 2;
	if (want < cs->cap / 2)
		rehash(cs, want); /* on OOM: stays large */
}
