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

enum kprof_tcp_lost {
	KPROF_TCP_LOST_STORAGE,	   /* socket storage could not be allocated */
	KPROF_TCP_LOST_PORT_SLOTS, /* counted under port="other": slots full */
	KPROF_TCP_LOST_REASONS,
};

#endif /* KPROF_TCP_H */
