// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

void bpf_util_set_verbose(bool v)
{
	verbose = v;
	libbpf_set_print(libbpf_print);
}

/* Effective capabilities from /proc/self/status, 0 when unreadable. */
static unsigned long long effective_caps(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

#define CAP_BIT(n)	    (1ULL << (n))
#define KPROF_CAP_SYS_ADMIN 21
#define KPROF_CAP_PERFMON   38
#define KPROF_CAP_BPF	    39

int kprof_check_environment(struct kprof_error *err)
{
	unsigned long long caps = effective_caps();
	bool admin = caps & CAP_BIT(KPROF_CAP_SYS_ADMIN);
	bool bpf_perfmon = (caps & CAP_BIT(KPROF_CAP_BPF)) && (caps & CAP_BIT(KPROF_CAP_PERFMON));

	if (!admin && !bpf_perfmon) {
		snprintf(err->msg, sizeof(err->msg),
			 "kprof needs root (or CAP_BPF and CAP_PERFMON) to load its BPF programs; "
			 "run it with sudo");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err->msg, sizeof(err->msg),
			 "this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); kprof needs "
			 "Linux 5.11 or newer built with CONFIG_DEBUG_INFO_BTF=y");
		return -ENOENT;
	}
	return 0;
}

void kprof_explain_bpf_error(const char *collector, const char *step, int error,
			     struct kprof_error *out)
{
	const char *hint = "run with --verbose to see the kernel's verifier log";

	if (error < 0)
		error = -error;
	if (error == EPERM || error == EACCES)
		hint = "kprof needs root (or CAP_BPF and CAP_PERFMON), and a lockdown or "
		       "seccomp policy may forbid BPF";
	else if (error == ENOENT || error == ESRCH)
		hint = "this kernel lacks a tracepoint or BTF type the collector needs";
	else if (error == EINVAL || error == E2BIG)
		hint = "this kernel's verifier rejected the program (kprof needs Linux 5.11 or "
		       "newer); run with --verbose for the verifier log";
	snprintf(out->msg, sizeof(out->msg),
		 "could not %s the %s collector's BPF programs (%s): %s", step, collector,
		 strerror(error), hint);
}

int kprof_ncpus(void)
{
	static int n;

	if (!n) {
		n = libbpf_num_possible_cpus();
		if (n <= 0)
			n = 1;
	}
	return n;
}

int kprof_percpu_lookup(int fd, const void *key, void *values, size_t value_size)
{
	(void)value_size;
	return bpf_map_lookup_elem(fd, key, values) ? -errno : 0;
}

int kprof_percpu_sum(int fd, __u32 key, uint64_t *total)
{
	int ncpus = kprof_ncpus(), ret = 0;
	/* Zeroed: valgrind does not know that the lookup fills it. */
	__u64 small[64] = {0}, *vals = ncpus <= 64 ? small : calloc(ncpus, sizeof(*vals));

	*total = 0;
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals))
		ret = -errno;
	for (int cpu = 0; !ret && cpu < ncpus; cpu++)
		*total += vals[cpu];
	if (vals != small)
		free(vals);
	return ret;
}

int kprof_filter_fill(int map_fd, const struct kprof_config *cfg)
{
	int ret = cgroup_filter_take_error();
	__u8 one = 1;

	if (ret)
		return ret;

	for (int i = 0; i < cfg->npids; i++) {
		__u32 pid = cfg->pids[i];

		if (bpf_map_update_elem(map_fd, &pid, &one, BPF_ANY))
			return -errno;
	}
	return 0;
}

int kprof_collect_lost(struct model *m, const char *collector, int fd, const char *const *reasons,
		       int nreasons)
{
	static const char *const labels[] = {"collector", "reason"};
	int ncpus = kprof_ncpus(), ret = 0;
	__u64 *vals = calloc(ncpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	for (__u32 r = 0; r < (__u32)nreasons; r++) {
		const char *values[] = {collector, reasons[r]};
		__u64 total = 0;

		if (kprof_percpu_lookup(fd, &r, vals, sizeof(*vals)))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			total += vals[cpu];
		if (!model_counter_add(m, "kprof", "kprof_lost_events_total",
				       "Events a collector could not record, by reason.", 2, labels,
				       values, (double)total)) {
			ret = -ENOMEM;
			break;
		}
	}
	free(vals);
	return ret;
}

int kprof_array_read(int fd, __u32 n, void *values, size_t value_size, bool percpu)
{
	size_t stride = percpu ? value_size * kprof_ncpus() : value_size;
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 out_batch, count = n, *keys;
	int ret = 0;

	keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	/* Valgrind does not model batch lookups: start from defined bytes. */
	memset(values, 0, n * stride);
	/* One syscall for the whole array where the kernel has batch ops (5.6+). */
	if (!bpf_map_lookup_batch(fd, NULL, &out_batch, keys, values, &count, &opts) ||
	    (errno == ENOENT && count == n)) {
		for (__u32 i = 0; i < count; i++)
			if (keys[i] != i)
				goto per_element;
		if (count == n)
			goto out;
	}
per_element:
	for (__u32 i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &i, (char *)values + i * stride)) {
			ret = -errno;
			break;
		}
	}
out:
	free(keys);
	return ret;
}

/* The per-key walk: one syscall per key, for kernels without batch ops. */
static int hash_walk(int fd, __u32 key_size, size_t value_stride, __u32 max, char *keys,
		     char *values, __u32 *n)
{
	const char *prev = NULL;

	*n = 0;
	while (*n < max) {
		char *key = keys + (size_t)*n * key_size;

		/* The kernel reads prev before it writes key: they may be one buffer. */
		if (bpf_map_get_next_key(fd, prev, key))
			break;
		prev = key;
		/* A key deleted meanwhile is skipped: the next one takes its place. */
		if (!bpf_map_lookup_elem(fd, key, values + (size_t)*n * value_stride))
			(*n)++;
	}
	return 0;
}

int kprof_hash_read(int fd, __u32 key_size, size_t value_stride, __u32 max, void *keys,
		    void *values, __u32 *n)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 token = 0; /* a bucket index for hash maps */
	void *in = NULL;
	__u32 count;
	int err;

	*n = 0;
	/* Valgrind does not model batch lookups: start from defined bytes. */
	memset(keys, 0, (size_t)max * key_size);
	memset(values, 0, (size_t)max * value_stride);
	while (*n < max) {
		count = max - *n;
		err = bpf_map_lookup_batch(fd, in, &token, (char *)keys + (size_t)*n * key_size,
					   (char *)values + (size_t)*n * value_stride, &count,
					   &opts)
			      ? errno
			      : 0;
		*n += count;
		if (err == ENOENT) /* the last batch */
			return 0;
		if (err == EINVAL || err == ENOTSUP || err == EOPNOTSUPP) {
			if (in)
				return -err;
			return hash_walk(fd, key_size, value_stride, max, keys, values, n);
		}
		/* ENOSPC: the next bucket holds more than fits; what fits was read. */
		if (err == ENOSPC)
			return 0;
		if (err)
			return -err;
		in = &token;
	}
	return 0;
}

int kprof_skel_load_attach(const char *collector, struct bpf_object_skeleton *skel,
			   const struct kprof_config *cfg, bool attach, struct kprof_error *err)
{
	struct bpf_map *pids;
	int ret;

	ret = bpf_object__load_skeleton(skel);
	if (ret) {
		kprof_explain_bpf_error(collector, "load", ret, err);
		return ret;
	}
	pids = bpf_object__find_map_by_name(*skel->obj, "filter_pids");
	ret = kprof_filter_fill(pids ? bpf_map__fd(pids) : -1, cfg);
	if (ret) {
		kprof_explain_bpf_error(collector, "configure", ret, err);
		return ret;
	}
	if (!attach)
		return 0;
	ret = bpf_object__attach_skeleton(skel);
	if (ret)
		kprof_explain_bpf_error(collector, "attach", ret, err);
	return ret;
}
