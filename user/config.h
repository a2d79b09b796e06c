/* SPDX-License-Identifier: MIT */
/* What the user asked for, as parsed from the command line. */
#ifndef KPROF_CONFIG_H
#define KPROF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include "kprof/filter.h"

#define KPROF_MAX_COLLECTORS 16
/*
 * Default cpu sampling frequency: `record` is short and wants detail; `serve`
 * runs for ever and must cost next to nothing (it sets frequency_hz to
 * KPROF_SERVE_FREQUENCY_HZ after config_defaults(), before parsing flags).
 * Not 100/20: off the timer tick, so sampling does not beat with it.
 */
#define KPROF_RECORD_FREQUENCY_HZ 99
#define KPROF_SERVE_FREQUENCY_HZ  19
/*
 * Default offcpu --min-block. Blocks at least this long get their stacks
 * walked (about 4 us of CPU here, docs/flamegraphs.md), so the walks cost at
 * most 4/50 of the time they explain; shorter ones (scheduler hand-offs, pipe
 * and futex ping-pong) are counted with their total time, without a stack.
 */
#define KPROF_MIN_BLOCK_NS 50000ULL

struct kprof_config {
	uint64_t duration_ns;
	int pids[KPROF_MAX_PIDS];
	int npids;
	char comm[KPROF_COMM_LEN];
	bool has_comm;
	/* Collectors chosen by name; none chosen means "all this kernel supports". */
	const char *collectors[KPROF_MAX_COLLECTORS];
	int ncollectors;
	int top;
	bool json;
	bool verbose;

	/* tcp: optional per-port breakdown (cardinality capped), RTT sampling. */
	enum { TCP_BY_NONE, TCP_BY_LPORT, TCP_BY_RPORT } tcp_by;
	int tcp_max_ports;
	uint64_t tcp_rtt_interval_ns;

	/* cpu / offcpu: sampling frequency, minimum block time, output files. */
	int frequency_hz;
	uint64_t min_block_ns;
	/* offcpu: the pre-6.16 path even where sched_exit_tp exists (tests). */
	bool offcpu_walk_at_switch_out;
	const char *output_dir;

	/* Per-cgroup breakdown and in-kernel cgroup filter (fleet). */
	bool by_cgroup;
	const char *cgroups[KPROF_MAX_CGROUPS];
	int ncgroups;
	int cgroup_max_series;
	/* --cgroup.grace; 0 means the default (CGROUP_SERIES_GRACE_DEFAULT_NS). */
	uint64_t cgroup_grace_ns;

	/* --capabilities.keep: kept after start-up instead of the default. */
	bool has_caps_keep;
	uint64_t caps_keep;
};

#endif /* KPROF_CONFIG_H */
