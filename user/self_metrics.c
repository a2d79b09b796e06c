// SPDX-License-Identifier: MIT
/*
 * kprof's own metrics for `kprof serve`: build, collectors up, the kernel's
 * per-program BPF stats, map fill levels and the usual process_* metrics.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf_util.h"
#include "serve.h"

#define SELF "kprof"

static int gauge(struct model *m, const char *name, const char *help, int nlabels,
		 const char *const *names, const char *const *values, double v)
{
	struct family *f = model_family(m, SELF, name, help, FAMILY_GAUGE, nlabels, names);
	struct series *s = f ? family_series(f, values) : NULL;

	if (!s)
		return -ENOMEM;
	s->value = v;
	return 0;
}

static int counter(struct model *m, const char *name, const char *help, int nlabels,
		   const char *const *names, const char *const *values, double v)
{
	return model_counter_add(m, SELF, name, help, nlabels, names, values, v) ? 0 : -ENOMEM;
}

static int build_info(struct model *m)
{
	static const char *const names[] = {"version", "libbpf_version", "kernel_release"};
	char libbpf[32];
	struct utsname u;
	const char *values[] = {KPROF_VERSION, libbpf, "unknown"};

	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	if (!uname(&u))
		values[2] = u.release;
	return gauge(m, "kprof_build_info",
		     "A metric with a constant 1 labeled by kprof's version, libbpf's and the "
		     "kernel's.",
		     3, names, values, 1);
}

static bool stats_enabled(const struct serve *s)
{
	FILE *f;
	int on = 0;

	if (s->bpf_stats_fd >= 0)
		return true;
	/* Someone may have set the sysctl: then the numbers flow anyway. */
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on;
}

static int program_stats(struct model *m, const char *collector, struct bpf_object *obj)
{
	static const char *const names[] = {"collector", "program"};
	struct bpf_program *prog;
	int ret = 0;

	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		const char *values[] = {collector, bpf_program__name(prog)};
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		ret |= counter(m, "kprof_bpf_program_run_seconds_total",
			       "Time the kernel spent running a BPF program (kernel BPF stats).", 2,
			       names, values, info.run_time_ns / 1e9);
		ret |= counter(m, "kprof_bpf_program_runs_total",
			       "Times the kernel ran a BPF program (kernel BPF stats).", 2, names,
			       values, (double)info.run_cnt);
	}
	return ret;
}

/* Batch reads of maps up to this size count them in one or two syscalls. */
#define BATCH_COUNT_BYTES (256 << 10)

/* Entries in a hash map: bounded by max_entries, so is the loop. */
static long walk_entries(const struct bpf_map *map)
{
	__u32 key_size = bpf_map__key_size(map), max = bpf_map__max_entries(map), n = 0;
	enum bpf_map_type t = bpf_map__type(map);
	bool percpu = t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	size_t stride = percpu ? (size_t)((bpf_map__value_size(map) + 7) & ~7u) * kprof_ncpus()
			       : bpf_map__value_size(map);
	int fd = bpf_map__fd(map), ret;
	char *keys, *values;

	if ((size_t)max * (key_size + stride) > BATCH_COUNT_BYTES) {
		/* Too large to read at once: walk the keys, one syscall each. */
		char *key = calloc(2, key_size ? key_size : 1);
		long walked = 0;

		if (!key)
			return -ENOMEM;
		if (!bpf_map_get_next_key(fd, NULL, key)) {
			for (walked = 1; walked <= (long)max; walked++) {
				memcpy(key + key_size, key, key_size);
				if (bpf_map_get_next_key(fd, key + key_size, key))
					break;
			}
		}
		free(key);
		return walked;
	}
	keys = malloc((size_t)max * key_size);
	values = malloc((size_t)max * stride);
	ret = keys && values ? kprof_hash_read(fd, key_size, stride, max, keys, values, &n)
			     : -ENOMEM;
	free(keys);
	free(values);
	return ret ? ret : (long)n;
}

/*
 * Entries in a hash map. A hash that can hold thousands of keys counts its
 * inserts in a per-CPU array named <hash>_size (bpf/stack.bpf.h): a walk
 * costs one syscall per key, 10-30 ms for 16,384 keys, on every scrape.
 */
static long count_entries(struct bpf_object *obj, const struct bpf_map *map)
{
	char size_name[BPF_OBJ_NAME_LEN + 8];
	const struct bpf_map *size;
	uint64_t n;

	snprintf(size_name, sizeof(size_name), "%s_size", bpf_map__name(map));
	size = bpf_object__find_map_by_name(obj, size_name);
	if (size && bpf_map__type(size) == BPF_MAP_TYPE_PERCPU_ARRAY &&
	    !kprof_percpu_sum(bpf_map__fd(size), 0, &n))
		return (long)n;
	return walk_entries(map);
}

/* Fill levels of the maps that can fill up: hashes. Arrays are full by design. */
static int map_fill(struct model *m, const char *collector, struct bpf_object *obj)
{
	static const char *const names[] = {"collector", "map"};
	struct bpf_map *map;
	int ret = 0;

	bpf_object__for_each_map(map, obj)
	{
		enum bpf_map_type t = bpf_map__type(map);
		const char *values[] = {collector, bpf_map__name(map)};
		long n;

		if (t != BPF_MAP_TYPE_HASH && t != BPF_MAP_TYPE_PERCPU_HASH &&
		    t != BPF_MAP_TYPE_LRU_HASH && t != BPF_MAP_TYPE_LRU_PERCPU_HASH)
			continue;
		if (!bpf_map__autocreate(map)) /* a map for other kernels: not created */
			continue;
		n = count_entries(obj, map);
		if (n < 0)
			return (int)n;
		ret |= gauge(m, "kprof_bpf_map_entries",
			     "Entries in a BPF hash map of a collector; compare with "
			     "kprof_bpf_map_max_entries.",
			     2, names, values, (double)n);
		ret |= gauge(m, "kprof_bpf_map_max_entries",
			     "Capacity of a BPF hash map; what does not fit is counted in "
			     "kprof_lost_events_total.",
			     2, names, values, bpf_map__max_entries(map));
	}
	return ret;
}

int self_metrics_collect(struct serve *s, struct model *m)
{
	static const char *const cl[] = {"collector"};
	bool stats = stats_enabled(s);
	int ret = build_info(m);

	for (int i = 0; i < s->nattempts; i++) {
		const struct serve_attempt *a = &s->attempts[i];
		const char *name = a->desc->name;

		ret |= gauge(m, "kprof_collector_up",
			     "Whether a collector is attached (0: this kernel cannot run it; "
			     "see the log).",
			     1, cl, &name, a->running != NULL);
		if (!a->running || !a->running->obj)
			continue;
		if (stats)
			ret |= program_stats(m, name, a->running->obj);
		ret |= map_fill(m, name, a->running->obj);
	}
	ret |= self_process_metrics(m);
	return ret ? -ENOMEM : 0;
}

/* Seconds since the epoch at boot, from /proc/stat. */
static double boot_time(void)
{
	char line[256];
	double bt = 0;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lf", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

int self_process_metrics(struct model *m)
{
	unsigned long long utime, stime, start, vsize;
	long long rss;
	double ticks = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
	char buf[1024], *p;
	struct rlimit rl;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;
	int ret = 0;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* Fields after the command name, which may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
			 "%*d %*d %llu %llu %lld",
			 &utime, &stime, &start, &vsize, &rss) != 5)
		return 0;
	ret |= counter(m, "process_cpu_seconds_total",
		       "Total user and system CPU time spent in seconds.", 0, NULL, NULL,
		       (utime + stime) / ticks);
	ret |= gauge(m, "process_resident_memory_bytes", "Resident memory size in bytes.", 0, NULL,
		     NULL, rss * page);
	ret |= gauge(m, "process_virtual_memory_bytes", "Virtual memory size in bytes.", 0, NULL,
		     NULL, (double)vsize);
	ret |= gauge(m, "process_start_time_seconds",
		     "Start time of the process since unix epoch in seconds.", 0, NULL, NULL,
		     boot_time() + start / ticks);
	ret |= gauge(m, "process_open_fds", "Number of open file descriptors.", 0, NULL, NULL,
		     (double)open_fds());
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		ret |= gauge(m, "process_max_fds", "Maximum number of open file descriptors.", 0,
			     NULL, NULL, (double)rl.rlim_cur);
	return ret;
}
