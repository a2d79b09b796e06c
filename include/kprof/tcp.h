/* SPDX-License-Identifier: MIT */
/* Types shared by bpf/tcp.bpf.c and user/collector_tcp.c. */
#ifndef KPROF_TCP_H
#define KPROF_TCP_H

/*
 * Most ports kept with --tcp-by. Each kept port costs one kprof_tcp_stats
 * (three histograms, 4.1 KiB) on every CPU: 256 ports are 1 MiB per CPU,
 * the most a per-port breakdown should cost; beyond that use "other".
 */
#define KPROF_TCP_MAX_PORTS 256
/* Port -> slot array: every TCP port has an entry, so no hash and no insert. */
#define KPROF_TCP_PORTS 65536
/*
 * Failed connects by errno (sk_err when SYN_SENT turns CLOSE): 1..133 are
 * Linux's errnos, 0 means the application closed the socket before the
 * handshake ended, and the last slot takes any larger value.
 */
#define KPROF_TCP_ERRNO_SLOTS 135

enum kprof_tcp_by {
	KPROF_TCP_BY_NONE,
	KPROF_TCP_BY_LPORT,
	KPROF_TCP_BY_RPORT,
};

/* One per port slot (slot 0: everything, or "other" with --tcp-by). */
struct kprof_tcp_stats {
	__u64 retransmits; /* segments, as TcpRetransSegs counts them */
	__u64 resets_sent;
	__u64 resets_received;
	struct kprof_hist connect;  /* SYN_SENT -> ESTABLISHED */
	struct kprof_hist rtt;	    /* smoothed RTT samples */
	struct kprof_hist duration; /* ESTABLISHED -> CLOSE */
};

/*
 * --by cgroup: per-CPU hash of (cgroup id, port slot) -> kprof_tcp_stats
 * (4.1 KiB per CPU). One entry in the BPF object so that without the flag
 * it costs nothing; userspace sizes it at load to min(MAX, BUDGET / (value
 * x ncpus)) entries, at least MIN. Events that find it full go to the
 * per-slot array (reported as cgroup="other") and are counted as lost,
 * reason "cgroup_map_full".
 */
#define KPROF_TCP_CG_ENTRIES_MAX 4096
#define KPROF_TCP_CG_ENTRIES_MIN 64
#define KPROF_TCP_CG_BUDGET	 (8u << 20)
/* Failed connects per (cgroup, errno slot): rare, so one shared hash. */
#define KPROF_TCP_CG_FAILURES_MAX 1024

struct kprof_tcp_cg_key {
	__u64 cgroup_id;
	__u32 slot; /* port slot (stats) or errno slot (failures) */
	__u32 pad;
};

enum kprof_tcp_lost {
	KPROF_TCP_LOST_STORAGE,	    /* socket storage could not be allocated */
	KPROF_TCP_LOST_PORT_SLOTS,  /* counted under port="other": slots full */
	KPROF_TCP_LOST_CG_MAP,	    /* counted under cgroup "other": map full */
	KPROF_TCP_LOST_CG_FAILURES, /* failure counted under cgroup "other": map full */
	KPROF_TCP_LOST_REASONS,
};

#endif /* KPROF_TCP_H */
