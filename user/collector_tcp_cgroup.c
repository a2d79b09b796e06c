// SPDX-License-Identifier: MIT
/*
 * The tcp collector with --by cgroup: reads the (cgroup, port slot) and
 * (cgroup, errno) hashes the BPF side fills (with cgroup_map.c, which also
 * deletes the entries of cgroups gone for the grace period) and labels each
 * series with the owner's cgroup path, container and pod (cgroup_series.c,
 * which also applies the --cgroup.max-series cap, one admission set for all
 * families). The arrays (no known owner, or a full hash) are read by
 * collector_tcp.c under cgroup="other".
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

static bool is_other(const struct cgroup_labels *l)
{
	return !strcmp(l->cgroup, "other");
}

/* cgroup_map callbacks for the (cgroup, port slot) hash of per-CPU stats. */
struct stats_read {
	struct tcp_collector *c;
	struct family **f;
	char (*names)[8];
	__u32 nnames; /* the slots handed out before the read */
	__u64 dropped[F_NFAMILIES];
};

static __u64 stats_count(const void *vals, int n)
{
	const struct kprof_tcp_stats *v = vals;
	__u64 count = 0;

	for (int i = 0; i < n; i++)
		count += v[i].connect.count + v[i].rtt.count + v[i].duration.count +
			 v[i].retransmits + v[i].resets_sent + v[i].resets_received;
	return count;
}

static void stats_fold(void *acc, const void *vals, int n)
{
	tcp_add_cpus(acc, vals, n);
}

static int stats_emit(void *ctx, const void *key, const void *vals, int n,
		      const struct cgroup_labels *cl)
{
	const struct kprof_tcp_cg_key *k = key;
	struct stats_read *r = ctx;
	__u64 events[F_NFAMILIES];
	struct kprof_tcp_stats sum;
	struct tcp_labels l;

	/* A slot newer than the names read before the walk: the next read has it. */
	if (k->slot >= r->nnames || (k->slot && !r->names[k->slot][0]))
		return 0;
	memset(&sum, 0, sizeof(sum));
	tcp_add_cpus(&sum, vals, n);
	tcp_events(&sum, events);
	/* cgroup_map counts "other" as dropped in one sum; here per family. */
	for (int i = 0; is_other(cl) && i < F_NFAMILIES; i++)
		r->dropped[i] += events[i];
	tcp_labels_of(r->c, r->names[k->slot], cl, &l);
	return tcp_add_slot(r->f, &l, &sum, false);
}

static const struct cgroup_map_ops stats_ops = {
	.count = stats_count,
	.fold = stats_fold,
	.emit = stats_emit,
};

/* cgroup_map callbacks for the (cgroup, errno) hash: one counter shared by all CPUs. */
struct failures_read {
	struct family *f;
	const char *(*reason)(__u32 err);
};

static __u64 failures_count(const void *vals, int n)
{
	const __u64 *v = vals;
	__u64 count = 0;

	for (int i = 0; i < n; i++)
		count += v[i];
	return count;
}

static void failures_fold(void *acc, const void *vals, int n)
{
	*(__u64 *)acc += failures_count(vals, n);
}

static int failures_emit(void *ctx, const void *key, const void *vals, int n,
			 const struct cgroup_labels *cl)
{
	const struct kprof_tcp_cg_key *k = key;
	const char *v[1 + CGROUP_SERIES_NLABELS];
	struct failures_read *r = ctx;
	struct series *s;

	if (k->slot >= KPROF_TCP_ERRNO_SLOTS)
		return 0;
	v[0] = r->reason(k->slot);
	memcpy(v + 1, cl->values, sizeof(cl->values));
	s = family_series(r->f, v);
	if (!s)
		return -ENOMEM;
	s->value += (double)failures_count(vals, n);
	return 0;
}

static const struct cgroup_map_ops failures_ops = {
	.count = failures_count,
	.fold = failures_fold,
	.emit = failures_emit,
};

int tcp_cgroup_maps_new(struct tcp_collector *c)
{
	int ret = 0;

	c->cg_stats = cgroup_map_new(bpf_map__fd(c->skel->maps.tcp_cg_stats), &stats_ops, &ret);
	if (c->cg_stats)
		c->cg_failures = cgroup_map_new(bpf_map__fd(c->skel->maps.tcp_cg_failures),
						&failures_ops, &ret);
	return ret;
}

void tcp_cgroup_maps_free(struct tcp_collector *c)
{
	cgroup_map_free(c->cg_stats);
	cgroup_map_free(c->cg_failures);
	c->cg_stats = c->cg_failures = NULL;
}

int tcp_collect_cgroups(struct tcp_collector *c, struct model *m, struct family **f,
			char (*names)[8], __u32 nnames)
{
	struct stats_read r = {.c = c, .f = f, .names = names, .nnames = nnames};
	__u64 dropped = 0;
	int ret;

	ret = cgroup_map_read(c->cg_stats, c->cgroups, &r, &dropped);
	for (int i = 0; !ret && i < F_NFAMILIES; i++)
		ret = cgroup_dropped_add(m, NAME, tcp_family_names[i], r.dropped[i]);
	return ret;
}

int tcp_collect_cgroup_failures(struct tcp_collector *c, struct model *m, struct family *f,
				const char *(*reason)(__u32 err))
{
	struct failures_read r = {.f = f, .reason = reason};
	__u64 dropped = 0;
	int ret;

	ret = cgroup_map_read(c->cg_failures, c->cgroups, &r, &dropped);
	if (!ret)
		ret = cgroup_dropped_add(m, NAME, f->name, dropped);
	return ret;
}
