/* SPDX-License-Identifier: MIT */
/* The tcp collector's two files: collector_tcp.c and its --by cgroup part. */
#ifndef KPROF_COLLECTOR_TCP_H
#define KPROF_COLLECTOR_TCP_H

#include "cgroup_series.h"
#include "model.h"
#include "kprof/tcp.h"

struct tcp_bpf;
struct cgroup_map;

struct tcp_collector {
	struct tcp_bpf *skel;
	enum kprof_tcp_by by;
	__u32 nslots; /* entries of tcp_stats */
	/* tcp_port_slot mmap()ed, with --tcp-by: array elements are 8-byte aligned. */
	const __u64 *port_slot;
	size_t port_slot_len; /* bytes mapped */
	/* --by cgroup only (NULL otherwise): the labels, one reader per hash. */
	struct cgroup_series *cgroups;
	struct cgroup_map *cg_stats, *cg_failures;
};

enum { F_CONNECT, F_RTT, F_DURATION, F_RETRANS, F_RESETS, F_NFAMILIES };
extern const char *const tcp_family_names[F_NFAMILIES];

/* A series' label values after "direction": [port], then the cgroup's three. */
#define TCP_MAX_LABELS (1 + CGROUP_SERIES_NLABELS)
struct tcp_labels {
	const char *v[TCP_MAX_LABELS];
	int n;
};

/* The labels of port slot name (NULL without --tcp-by) and cgroup l (NULL without --by cgroup). */
void tcp_labels_of(const struct tcp_collector *c, const char *port, const struct cgroup_labels *l,
		   struct tcp_labels *out);

/* Adds n stats of one slot (each CPU's, or carried ones) into *sum. */
void tcp_add_cpus(struct kprof_tcp_stats *sum, const struct kprof_tcp_stats *vals, int n);

/* Events of each family in st (histogram counts, counter values). */
void tcp_events(const struct kprof_tcp_stats *st, __u64 events[F_NFAMILIES]);

/* Adds one slot's stats to the families (counters at 0 too when always). 0 or -ENOMEM. */
int tcp_add_slot(struct family **f, const struct tcp_labels *l, const struct kprof_tcp_stats *st,
		 bool always);

/* After load, --by cgroup: the readers of the two hashes (cg_stats, cg_failures). 0 or -errno. */
int tcp_cgroup_maps_new(struct tcp_collector *c);
void tcp_cgroup_maps_free(struct tcp_collector *c);

/*
 * Each between cgroup_series_read_begin() and _end() on c->cgroups (one read
 * of both hashes, so that an id's growth counts both), the entries of
 * cgroups gone for the grace period deleted:
 *
 * the (cgroup, slot) hash into the families, with port names by slot (nnames
 * of them: entries of later slots wait for the next read), and
 * kprof_cgroup_series_dropped_total for each of them. 0 or -errno.
 */
int tcp_collect_cgroups(struct tcp_collector *c, struct model *m, struct family **f,
			char (*names)[8], __u32 nnames);

/* kprof_tcp_connect_failures_total{reason, cgroup...} from the (cgroup, errno) hash. */
int tcp_collect_cgroup_failures(struct tcp_collector *c, struct model *m, struct family *f,
				const char *(*reason)(__u32 err));

#endif /* KPROF_COLLECTOR_TCP_H */
