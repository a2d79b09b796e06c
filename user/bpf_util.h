/* SPDX-License-Identifier: MIT */
/* What every collector's userspace side needs around libbpf. */
#ifndef KPROF_BPF_UTIL_H
#define KPROF_BPF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include "collector.h"
#include "cgroup_filter.h"
#include "config.h"

/* libbpf logs only with --verbose; otherwise errors reach users as sentences. */
void bpf_util_set_verbose(bool verbose);

/* 0 when this process may load BPF programs and the kernel has BTF. */
int kprof_check_environment(struct kprof_error *err);

/* One sentence for a failed open/load/attach of a collector's programs. */
void kprof_explain_bpf_error(const char *collector, const char *step, int error,
			     struct kprof_error *out);

/* Number of possible CPUs, the length of every per-CPU map value array. */
int kprof_ncpus(void);

/* Reads a per-CPU map element: ncpus values of value_size bytes each. */
int kprof_percpu_lookup(int fd, const void *key, void *values, size_t value_size);
/* Sum over CPUs of a per-CPU array's __u64 at index key: 0 or -errno. */
int kprof_percpu_sum(int fd, __u32 key, uint64_t *total);

/*
 * Reads entries 0..n-1 of an array map (per-CPU or not) into values, which
 * holds n values of value_size bytes (ncpus of them each for per-CPU maps),
 * in as few syscalls as the kernel allows. 0 or -errno.
 */
int kprof_array_read(int fd, __u32 n, void *values, size_t value_size, bool percpu);

/*
 * Reads up to max entries of a hash map into keys and values (max of each;
 * value_stride bytes per value: ncpus x the rounded-up value size for a
 * per-CPU hash) in a few batch syscalls, or a walk of the keys where the
 * kernel has no batch ops. *n gets the number read. 0 or -errno.
 */
int kprof_hash_read(int fd, __u32 key_size, size_t value_stride, __u32 max, void *keys,
		    void *values, __u32 *n);

/*
 * Fills the filter_pids map of a loaded object from the config; returns the
 * error KPROF_SET_FILTER_RODATA met preparing the --cgroup filter, if any.
 */
int kprof_filter_fill(int map_fd, const struct kprof_config *cfg);

struct bpf_object_skeleton;
/*
 * What every collector does between open and start: load the skeleton,
 * fill its filter_pids map, attach (unless attach is false: a collector
 * that attaches by hand). 0, or -errno with err naming the failed step.
 */
int kprof_skel_load_attach(const char *collector, struct bpf_object_skeleton *skel,
			   const struct kprof_config *cfg, bool attach, struct kprof_error *err);

/*
 * Adds kprof_lost_events_total{collector,reason} from a per-CPU array of
 * counters indexed by reason.
 */
int kprof_collect_lost(struct model *m, const char *collector, int fd, const char *const *reasons,
		       int nreasons);

/*
 * Sets the filter tunables of a skeleton between open and load, and gives
 * its filter_cgroups map the --cgroup cgroups (errors surface in
 * kprof_filter_fill(), called after load).
 */
#define KPROF_SET_FILTER_RODATA(skel, cfg)                                                         \
	do {                                                                                       \
		(skel)->rodata->filter_by_pid = (cfg)->npids > 0;                                  \
		(skel)->rodata->self_tgid = getpid();                                              \
		(skel)->rodata->filter_by_comm = (cfg)->has_comm;                                  \
		memcpy((void *)(skel)->rodata->filter_comm, (cfg)->comm, KPROF_COMM_LEN);          \
		(skel)->rodata->filter_ncgroups = cgroup_filter_prepare(                           \
			(skel)->obj, (cfg), (__u64 *)(skel)->rodata->filter_cgroup_ids);           \
	} while (0)

#endif /* KPROF_BPF_UTIL_H */
