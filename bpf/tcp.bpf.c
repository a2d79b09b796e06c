// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tcp collector: connect latency, failed connects, smoothed RTT, connection
 * lifetime, retransmits and resets, IPv4 and IPv6, on BTF-typed tracepoints
 * only (no kprobes, no fentry, no tracefs).
 *
 * Which task a socket belongs to is decided where the kernel runs in a task's
 * context: connect() (CLOSE -> SYN_SENT) and listen() (CLOSE -> LISTEN).
 * Everything later (handshake end, RTT, retransmits, resets, close) runs in
 * softirq or timer context, where the current task is whoever was
 * interrupted; those events inherit the socket's verdict from its storage.
 * Accepted sockets inherit their listener's storage (BPF_F_CLONE).
 *
 * With --by cgroup (a load-time flag), the owner's cgroup is recorded the
 * same way: bpf_get_current_cgroup_id() at connect() or listen(), kept in
 * the socket's storage, so an accepted socket counts under the cgroup of
 * the task that called listen(). Sockets whose storage is made outside a
 * task context (they predate kprof) take the cgroup the kernel recorded at
 * socket creation (sk_cgrp_data). Events with no socket go to "other".
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "kprof/hist.h"
#include "kprof/tcp.h"
#include "hist.bpf.h"
#include "filter.bpf.h"
#include "slot.bpf.h"
#include "cgroup.bpf.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by userspace between open and load (see user/collector_tcp.c). */
const volatile __u32 tcp_by = KPROF_TCP_BY_NONE;
const volatile __u32 tcp_max_ports = 0;
const volatile __u64 rtt_interval_ns = 0;
/* --by cgroup; the verifier drops what it guards when false. */
const volatile bool by_cgroup = false;

/* Next free port slot with --tcp-by; slot 0 is "other". */
__u32 next_slot = 0;

struct tcp_sk_state {
	__u64 syn_ts;	 /* SYN_SENT at (connect latency starts) */
	__u64 est_ts;	 /* ESTABLISHED at (lifetime starts) */
	__u64 rtt_ts;	 /* last RTT sample, for the per-socket rate limit */
	__u64 cgroup_id; /* owner's cgroup v2 with --by cgroup; 0: unknown */
	__u32 slot;	 /* port slot with --tcp-by, kept from ESTABLISHED on */
	__u8 slot_set;
	__u8 selected;
};

/*
 * In-flight state per socket. Socket-local storage rather than a hash keyed
 * by address: it lives inside the socket, so it is bounded by the number of
 * sockets, charged to the socket's own memory (optmem), found without
 * hashing, and freed by the kernel with the socket: nothing leaks when a
 * close is missed. BPF_F_CLONE copies a listener's entry into each accepted
 * socket, which is how accepted sockets learn their owner.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct tcp_sk_state);
} tcp_sk SEC(".maps");

/*
 * Per-CPU stats per port slot. One entry (slot 0) without --tcp-by;
 * userspace sets 1 + --tcp-max-ports entries with it (KPROF_TCP_MAX_PORTS).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kprof_tcp_stats);
} tcp_stats SEC(".maps");

/*
 * Port -> slot with --tcp-by (65536 entries), else 1 entry never used.
 * Mmapable: userspace reads it as memory, not 65536 lookups per scrape.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tcp_port_slot SEC(".maps");

/*
 * --by cgroup only: stats per (owner's cgroup, port slot). Sized by
 * userspace at load (1 entry when the flag is off); see
 * KPROF_TCP_CG_ENTRIES_MAX. No LRU: eviction would lose counts silently.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, struct kprof_tcp_cg_key);
	__type(value, struct kprof_tcp_stats);
} tcp_cg_stats SEC(".maps");

/* All zeroes, never written: the initial value of a new tcp_cg_stats entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kprof_tcp_stats);
} tcp_zero SEC(".maps");

/* --by cgroup only: failed connects per (cgroup, errno slot), shared by all CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct kprof_tcp_cg_key);
	__type(value, __u64);
} tcp_cg_failures SEC(".maps");

/* Failed connects by errno, one slot per errno (KPROF_TCP_ERRNO_SLOTS). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_TCP_ERRNO_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} tcp_connect_failures SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KPROF_TCP_LOST_REASONS);
	__type(key, __u32);
	__type(value, __u64);
} tcp_lost SEC(".maps");

/* Any of --pid, --comm, --cgroup: then only owned sockets count. */
static __always_inline bool filtering(void)
{
	return filter_by_pid || filter_by_comm || filter_ncgroups;
}

static __always_inline void count_lost(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&tcp_lost, &reason);

	if (v)
		(*v)++;
}

static __always_inline __u32 port_slot(__u16 lport, __u16 rport)
{
	__u32 port, *p, slot;

	if (tcp_by == KPROF_TCP_BY_NONE)
		return 0;
	port = tcp_by == KPROF_TCP_BY_LPORT ? lport : rport;
	p = bpf_map_lookup_elem(&tcp_port_slot, &port);
	if (!p)
		return 0;
	slot = kprof_slot_get(p, &next_slot, tcp_max_ports);
	if (!slot)
		count_lost(KPROF_TCP_LOST_PORT_SLOTS);
	return slot;
}

/*
 * The socket's port slot. Ports from sock_common (any socket kind); a full
 * socket keeps its slot from ESTABLISHED on, because by the time the CLOSE
 * transition is traced the kernel has released its local port (0).
 */
static __always_inline __u32 slot_of(struct tcp_sk_state *st, const struct sock_common *skc)
{
	__u32 slot = 0;

	if (tcp_by == KPROF_TCP_BY_NONE)
		return 0;
	if (st && st->slot_set)
		return st->slot;
	slot = port_slot(skc->skc_num, bpf_ntohs(skc->skc_dport));
	if (st && skc->skc_num) {
		st->slot = slot;
		st->slot_set = 1;
	}
	return slot;
}

/*
 * Stats of (cgroup, port slot): with --by cgroup and a known owner, this
 * CPU's entry in the per-cgroup hash (inserted at first sight); else, or
 * when the hash is full (counted as lost), the per-slot array, which
 * userspace reports as cgroup="other" with --by cgroup.
 */
static __always_inline struct kprof_tcp_stats *cg_stats_at(__u64 cgroup_id, __u32 slot)
{
	struct kprof_tcp_cg_key key = {.cgroup_id = cgroup_id, .slot = slot};
	struct kprof_tcp_stats *stats;
	__u32 zero = 0;

	stats = kprof_lookup_or_init(&tcp_cg_stats, &key, bpf_map_lookup_elem(&tcp_zero, &zero));
	if (!stats)
		count_lost(KPROF_TCP_LOST_CG_MAP);
	return stats;
}

static __always_inline struct kprof_tcp_stats *stats_at(__u64 cgroup_id, __u32 slot)
{
	struct kprof_tcp_stats *stats;

	if (by_cgroup && cgroup_id) {
		stats = cg_stats_at(cgroup_id, slot);
		if (stats)
			return stats;
	}
	return bpf_map_lookup_elem(&tcp_stats, &slot);
}

/* The owner's cgroup of a socket's storage (0 without --by cgroup). */
static __always_inline __u64 cgroup_of(const struct tcp_sk_state *st)
{
	return by_cgroup && st ? st->cgroup_id : 0;
}

static __always_inline struct kprof_tcp_stats *stats_of(struct tcp_sk_state *st,
							const struct sock_common *skc)
{
	return stats_at(cgroup_of(st), slot_of(st, skc));
}

/*
 * connect() or listen(): the current task owns the socket. Returns its
 * storage if the task is selected. Storage is also made for kprof's own
 * sockets without a filter, to mark them (and what they accept) unselected.
 */
static __always_inline struct tcp_sk_state *own(struct sock *sk)
{
	bool sel = kprof_current_selected();
	struct tcp_sk_state *st;

	if (!sel && filtering()) {
		/* A socket reused by another connect(): drop the old verdict. */
		st = bpf_sk_storage_get(&tcp_sk, sk, 0, 0);
		if (st)
			st->selected = 0;
		return NULL;
	}
	st = bpf_sk_storage_get(&tcp_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count_lost(KPROF_TCP_LOST_STORAGE);
		return NULL;
	}
	st->selected = sel;
	if (by_cgroup)
		st->cgroup_id = bpf_get_current_cgroup_id();
	return sel ? st : NULL;
}

/*
 * The cgroup v2 the kernel recorded for a socket at its creation (or its
 * listener's, for an accepted one): sk_cgrp_data.cgroup since 5.15 (commit
 * 8520e224f547); earlier layouts read as 0, "other".
 */
static __always_inline __u64 sk_cgroup_id(struct sock *sk)
{
	if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return 0;
	return BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
}

/*
 * A full socket's storage if it is selected. Without a filter, sockets that
 * predate kprof or were accepted from an unmarked listener get storage here.
 */
static __always_inline struct tcp_sk_state *state_of(struct sock *sk, bool create)
{
	struct tcp_sk_state *st = bpf_sk_storage_get(&tcp_sk, sk, 0, 0);

	if (st)
		return st->selected ? st : NULL;
	if (!create || filtering())
		return NULL;
	st = bpf_sk_storage_get(&tcp_sk, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count_lost(KPROF_TCP_LOST_STORAGE);
		return NULL;
	}
	st->selected = 1;
	if (by_cgroup)
		st->cgroup_id = sk_cgroup_id(sk);
	return st;
}

/*
 * Whether an event on any socket kind counts: by its storage if it has one,
 * else only without a filter (time-wait and request sockets have no storage).
 */
static __always_inline bool counted(const struct sock *sk, struct tcp_sk_state **stp)
{
	struct tcp_sk_state *st = NULL;

	if (sk)
		st = bpf_sk_storage_get(&tcp_sk, (struct sock *)sk, 0, 0);
	*stp = st;
	if (st)
		return st->selected;
	return !filtering();
}

/* With --by cgroup and a known owner, in the (cgroup, errno) hash; false if full. */
static __always_inline bool count_cg_failure(__u64 cgroup_id, __u32 err)
{
	struct kprof_tcp_cg_key key = {.cgroup_id = cgroup_id, .slot = err};
	__u64 zero = 0, *v;

	v = kprof_lookup_or_init(&tcp_cg_failures, &key, &zero);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return true;
	}
	count_lost(KPROF_TCP_LOST_CG_FAILURES);
	return false;
}

static __always_inline void count_failure(const struct sock *sk, const struct tcp_sk_state *st)
{
	__u32 err = sk->sk_err;
	__u64 *v;

	if (err >= KPROF_TCP_ERRNO_SLOTS)
		err = KPROF_TCP_ERRNO_SLOTS - 1;
	if (cgroup_of(st) && count_cg_failure(cgroup_of(st), err))
		return;
	v = bpf_map_lookup_elem(&tcp_connect_failures, &err);
	if (v)
		(*v)++;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(kprof_tcp_state, const struct sock *csk, const int oldstate, const int newstate)
{
	struct sock *sk = (struct sock *)csk;
	struct kprof_tcp_stats *stats;
	struct tcp_sk_state *st;
	__u64 now;

	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	switch (newstate) {
	case TCP_SYN_SENT:
		st = own(sk);
		if (st) {
			st->syn_ts = bpf_ktime_get_ns();
			st->est_ts = 0;
			st->slot_set = 0;
		}
		return 0;
	case TCP_LISTEN:
		own(sk);
		return 0;
	case TCP_SYN_RECV:
		/* A new child: forget what was cloned from the listener. */
		st = state_of(sk, true);
		if (st) {
			st->syn_ts = 0;
			st->est_ts = 0;
			st->rtt_ts = 0;
			st->slot_set = 0;
		}
		return 0;
	case TCP_ESTABLISHED:
		st = state_of(sk, true);
		if (!st)
			return 0;
		now = bpf_ktime_get_ns();
		stats = stats_of(st, &sk->__sk_common);
		if (stats && oldstate == TCP_SYN_SENT && st->syn_ts)
			kprof_hist_add(&stats->connect, now - st->syn_ts);
		st->syn_ts = 0;
		st->est_ts = now;
		return 0;
	case TCP_CLOSE:
		st = state_of(sk, false);
		if (!st)
			return 0;
		if (oldstate == TCP_SYN_SENT && st->syn_ts)
			count_failure(sk, st);
		if (st->est_ts) {
			stats = stats_of(st, &sk->__sk_common);
			if (stats)
				kprof_hist_add(&stats->duration, bpf_ktime_get_ns() - st->est_ts);
		}
		/*
		 * The entry stays until the kernel frees the socket: resets sent
		 * after CLOSE (abort on close, SO_LINGER 0) still need its owner.
		 */
		st->syn_ts = 0;
		st->est_ts = 0;
		return 0;
	}
	return 0;
}

/*
 * tcp_probe fires on every segment a socket receives in ESTABLISHED state
 * (tcp_rcv_established), after the ACK that updates srtt on the sending
 * side: the one tracepoint that sees every RTT update of every connection.
 * Hence the per-socket rate limit: one storage lookup and one clock read per
 * segment, and a histogram update at most once per interval.
 */
SEC("tp_btf/tcp_probe")
int BPF_PROG(kprof_tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	struct kprof_tcp_stats *stats;
	struct tcp_sk_state *st;
	struct tcp_sock *tp;
	__u64 now = 0;
	__u32 srtt_us;

	if (!sk)
		return 0;
	st = state_of(sk, true);
	if (!st)
		return 0;
	if (rtt_interval_ns) {
		now = bpf_ktime_get_ns();
		if (st->rtt_ts && now - st->rtt_ts < rtt_interval_ns)
			return 0;
	}
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		return 0;
	/* srtt_us holds 8 x the smoothed RTT in us; 0 until the first sample. */
	srtt_us = tp->srtt_us >> 3;
	if (!srtt_us)
		return 0;
	st->rtt_ts = now ? now : 1;
	stats = stats_of(st, &sk->__sk_common);
	if (stats)
		kprof_hist_add(&stats->rtt, (__u64)srtt_us * 1000);
	return 0;
}

/*
 * This kernel traces every attempt with its result (err); only the ones
 * that went out count, by segments (tcp_skb_pcount), as TcpRetransSegs does.
 */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(kprof_tcp_retransmit, const struct sock *sk, const struct sk_buff *skb, int err)
{
	struct kprof_tcp_stats *stats;
	struct tcp_sk_state *st;
	struct tcp_skb_cb *cb;
	__u16 segs;

	if (err || !sk || !counted(sk, &st))
		return 0;
	cb = (struct tcp_skb_cb *)skb->cb;
	segs = BPF_CORE_READ(cb, tcp_gso_segs);
	stats = stats_of(st, &sk->__sk_common);
	if (stats)
		stats->retransmits += segs ? segs : 1;
	return 0;
}

/* A SYN-ACK sent again by a listener (counted in TcpRetransSegs too). */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(kprof_tcp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	struct kprof_tcp_stats *stats;
	struct tcp_sk_state *st;

	if (!sk || !req || !counted(sk, &st))
		return 0;
	/* The listener's storage holds no slot: the ports are the request's. */
	stats = stats_at(cgroup_of(st), slot_of(NULL, &req->__req_common));
	if (stats)
		stats->retransmits++;
	return 0;
}

/*
 * sk is NULL when no socket matched the segment (a closed port): no owner,
 * so counted only without a filter, with the ports of the segment it answers.
 */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(kprof_tcp_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	struct kprof_tcp_stats *stats;
	struct tcp_sk_state *st;
	struct tcphdr th = {};
	__u32 slot = 0;

	if (!counted(sk, &st))
		return 0;
	if (sk) {
		stats = stats_of(st, &sk->__sk_common);
	} else {
		if (tcp_by != KPROF_TCP_BY_NONE && skb &&
		    !bpf_probe_read_kernel(&th, sizeof(th), skb->head + skb->transport_header))
			slot = port_slot(bpf_ntohs(th.dest), bpf_ntohs(th.source));
		stats = stats_at(0, slot); /* no owner: cgroup "other" */
	}
	if (stats)
		stats->resets_sent++;
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(kprof_tcp_receive_reset, struct sock *sk)
{
	struct kprof_tcp_stats *stats;
	struct tcp_sk_state *st;

	if (!sk || !counted(sk, &st))
		return 0;
	stats = stats_of(st, &sk->__sk_common);
	if (stats)
		stats->resets_received++;
	return 0;
}
