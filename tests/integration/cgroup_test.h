/* SPDX-License-Identifier: MIT */
/*
 * Cgroups for integration tests: made under the cgroup v2 mount (the test's
 * setup fills `mount`), workloads moved into them, removed at the end.
 * Include after kprof_test.h.
 */
#ifndef KPROF_CGROUP_TEST_H
#define KPROF_CGROUP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cgroup.h"

/* The --cgroup.grace of the grace-period tests: 2 s. */
#define TEST_GRACE_NS 2000000000ULL

/* The cgroup v2 mount; empty when cgroups cannot be made here. */
static char mount[CGROUP_PATH_MAX];

static inline int make_cgroup(const char *rel)
{
	char path[CGROUP_PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s%s", mount, rel);
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

/* Removes a cgroup; its last task may still be leaving it for a moment. */
static inline void remove_cgroup(const char *rel)
{
	char path[CGROUP_PATH_MAX + 128];
	struct timespec ts = {0, 10000000};

	snprintf(path, sizeof(path), "%s%s", mount, rel);
	for (int i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
		nanosleep(&ts, NULL);
}

static inline int cgroup_write_file(const char *rel, const char *file, const char *value)
{
	char path[CGROUP_PATH_MAX + 256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s%s/%s", mount, rel, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		ret = -errno;
	close(fd);
	return ret;
}

/* Moves a workload (before its go signal) into cgroup rel, or fails the test. */
static inline void move_to(const struct workload *w, const char *rel)
{
	char pid[24];
	int ret;

	snprintf(pid, sizeof(pid), "%d", (int)w->pid);
	ret = cgroup_write_file(rel, "cgroup.procs", pid);
	if (ret)
		fail_msg("cannot move pid %s into %s%s: %s", pid, mount, rel, strerror(-ret));
}

/*
 * A group's setup: /PREFIX-PID and n children a, b, ... under the mount
 * (parent and cg[i] relative to it); mount[] emptied when they cannot be
 * made, so that each test skips. Always returns 0 (cmocka's setup).
 */
static inline int make_test_cgroups(const char *prefix, char *parent, size_t len, char (*cg)[96],
				    int n)
{
	if (cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount)))
		return 0;
	snprintf(parent, len, "/%s-%d", prefix, (int)getpid());
	if (make_cgroup(parent)) {
		mount[0] = 0; /* not root, or a read-only hierarchy */
		return 0;
	}
	for (int i = 0; i < n; i++) {
		snprintf(cg[i], 96, "%s/%c", parent, 'a' + i);
		if (make_cgroup(cg[i]))
			mount[0] = 0;
	}
	return 0;
}

/* The group's teardown: removes what make_test_cgroups() made, whatever the tests did. */
static inline int remove_test_cgroups(const char *parent, char (*cg)[96], int n)
{
	if (!parent[0])
		return 0;
	if (!mount[0] && cgroup2_mount_point("/proc/self/mountinfo", mount, sizeof(mount)))
		return 0;
	for (int i = 0; i < n; i++)
		if (cg[i][0])
			remove_cgroup(cg[i]);
	remove_cgroup(parent);
	return 0;
}

/*
 * Starts collector desc with --by cgroup, --cgroup.max-series max_series,
 * --cgroup.grace grace_ns (0: the default, 5 minutes, so nothing is evicted
 * during a test) and --cgroup parent, so that the rest of the host does not
 * take the series; fails the test if it cannot.
 */
static inline void start_by_cgroup(struct collector *c, const struct collector_desc *desc,
				   const char *parent, int max_series, uint64_t grace_ns)
{
	struct kprof_config cfg;
	struct kprof_error err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.by_cgroup = true;
	cfg.cgroup_max_series = max_series;
	cfg.cgroup_grace_ns = grace_ns;
	cfg.cgroups[cfg.ncgroups++] = parent;
	if (collector_start(c, desc, &cfg, &err))
		fail_msg("%s", err.msg);
}

/* One read of collector c into a new model (the caller frees it). */
static inline struct model *collect_model(struct collector *c)
{
	struct model *m = model_new();

	assert_non_null(m);
	assert_int_equal(collector_collect(c, m), 0);
	return m;
}

/* kprof_cgroup_series_dropped_total{family}; -1 without the series. */
static inline double dropped_of(struct model *m, const char *family)
{
	const char *v[] = {family};
	struct series *s = find_series(m, "kprof_cgroup_series_dropped_total", v);

	return s ? s->value : -1;
}

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_until(double t)
{
	double d = t - now_s();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Entries of a collector's kernel hash map_name (keys begin with the cgroup id) of cgroup id. */
static inline int kernel_entries_of(struct collector *c, const char *map_name, uint64_t id)
{
	struct bpf_map *map = bpf_object__find_map_by_name(c->obj, map_name);
	char key[64], next[64];
	void *prev = NULL;
	uint64_t kid;
	int fd, n = 0;

	assert_non_null(map);
	assert_true(bpf_map__key_size(map) >= sizeof(kid) && bpf_map__key_size(map) <= sizeof(key));
	fd = bpf_map__fd(map);
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		memcpy(&kid, key, sizeof(kid));
		n += kid == id;
	}
	return n;
}

#define REQUIRE_CGROUPS()                                                                          \
	do {                                                                                       \
		REQUIRE_BPF();                                                                     \
		if (!mount[0]) {                                                                   \
			print_message("skipped: cannot create cgroups under the cgroup v2 "        \
				      "mount (none mounted, or not root)\n");                      \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

#endif /* KPROF_CGROUP_TEST_H */
