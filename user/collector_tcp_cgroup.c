// SPDX-License-Identifier: MIT
/*
 * The tcp collector with --by cgroup: reads the (cgroup, port slot) and
 * (cgroup, errno) hashes the BPF side fills and labels each series with the
 * owner's cgroup path, container and pod (cgroup_series.c, which also
 * applies the --cgroup.max-series cap, one admission set for all families).
 * The arrays (no known owner, or a full hash) are read by collector_tcp.c
 * under cgroup="other".
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "cgroup_map.h"
#include "collector_tcp.h"
#include "tcp.skel.h"

#define NAME "tcp"

struct stats_read {
	struct tcp_collector *c;
	struct family **f;
	char (*names)[8];
	int ncpus;
	__u64 dropped[F_NFAMILIES];
};

static int add_stats(const void *key, const void *values, void *ctx)
{
	const struct kprof_tcp_cg_key *k = key;
	struct stats_read *r = ctx;
	__u64 events[F_NFAMILIES], any = 0;
	struct kprof_tcp_stats sum;
	struct cgroup_labels cl;
	struct tcp_labels l;
	bool own;
	int ret;

	/* A slot newer than the names read before the walk: the next read has it. */
	if (k->slot >= r->c->nslots || (k->slot && !r->names[k->slot][0]))
		return 0;
	tcp_sum_cpus(values, r->ncpus, &sum);
	tcp_events(&sum, events);
	for (int i = 0; i < F_NFAMILIES; i++)
		any |= events[i];
	if (!any)
		return 0; /* inserted, not yet counted: no series, no admission */
	own = cgroup_series_labels(r->c->cgroups, k->cgroup_id, &cl);
	tcp_labels_of(r->c, r->names[k->slot], &cl, &l);
	ret = tcp_add_slot(r->f, &l, &sum, false);
	for (int i = 0; !own && i < F_NFAMILIES; i++)
		r->dropped[i] += events[i];
	return ret;
}

int tcp_collect_cgroups(struct tcp_collector *c, struct model *m, struct family **f,
			char (*names)[8])
{
	struct stats_read r = {.c = c, .f = f, .names = names, .ncpus = kprof_ncpus()};
	const struct bpf_map *map = c->skel->maps.tcp_cg_stats;
	int ret;

	ret = cgroup_map_walk(bpf_map__fd(map), sizeof(struct kprof_tcp_cg_key),
			      sizeof(struct kprof_tcp_stats), bpf_map__max_entries(map), add_stats,
			      &r);
	for (int i = 0; !ret && i < F_NFAMILIES; i++)
		ret = cgroup_dropped_add(m, NAME, tcp_family_names[i], r.dropped[i]);
	return ret;
}

struct failures_read {
	struct cgroup_series *cs;
	struct family *f;
	const char *(*reason)(__u32 err);
	__u64 dropped;
};

/* One shared counter per key (not per CPU): values[0]. */
static int add_failures(const void *key, const void *values, void *ctx)
{
	const struct kprof_tcp_cg_key *k = key;
	const char *v[1 + CGROUP_SERIES_NLABELS];
	struct failures_read *r = ctx;
	__u64 n = *(const __u64 *)values;
	struct cgroup_labels cl;
	struct series *s;

	if (!n || k->slot >= KPROF_TCP_ERRNO_SLOTS)
		return 0;
	if (!cgroup_series_labels(r->cs, k->cgroup_id, &cl))
		r->dropped += n;
	v[0] = r->reason(k->slot);
	memcpy(v + 1, cl.values, sizeof(cl.values));
	s = family_series(r->f, v);
	if (!s)
		return -ENOMEM;
	s->value += (double)n;
	return 0;
}

int tcp_collect_cgroup_failures(struct tcp_collector *c, struct model *m, struct family *f,
				const char *(*reason)(__u32 err))
{
	struct failures_read r = {.cs = c->cgroups, .f = f, .reason = reason};
	const struct bpf_map *map = c->skel->maps.tcp_cg_failures;
	int ret;

	ret = cgroup_map_walk(bpf_map__fd(map), sizeof(struct kprof_tcp_cg_key), sizeof(__u64),
			      bpf_map__max_entries(map), add_failures, &r);
	if (!ret)
		ret = cgroup_dropped_add(m, NAME, f->name, r.dropped);
	return ret;
}
